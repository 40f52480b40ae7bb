"""Oracle tests of the synthetic generator's array kernels (``alignment.datasets._kernels``).

Each kernel must give numpy's (or plain Python's) values exactly: the generator's output is
pinned, so a kernel that differed in one value would move the data set.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment._segments import lex_order, stable_order
from alignment.datasets._kernels import (
    CHUNK,
    choice,
    numbered,
    objects,
    search_right,
    search_rows,
)

weights = st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=1, max_size=60).filter(
    lambda w: sum(w) > 0
)


def _cdf(w: list[float]) -> np.ndarray:
    cdf = np.cumsum(np.asarray(w) / np.sum(w))
    cdf /= cdf[-1]
    return cdf


@settings(max_examples=200, deadline=None)
@given(w=weights, seed=st.integers(0, 2**32 - 1), size=st.integers(0, 300))
def test_search_right_is_numpys(w: list[float], seed: int, size: int) -> None:
    cdf = _cdf(w)
    u = np.random.default_rng(seed).random(size)
    # keys on the boundaries, just below them and on bucket edges too
    u = np.concatenate((u, cdf[cdf < 1.0], np.nextafter(cdf, 0.0), np.arange(256) / 256))
    got = search_right(cdf, u)
    assert got.dtype == np.int32
    assert np.array_equal(got, np.searchsorted(cdf, u, side="right"))


def test_search_right_two_components_and_top() -> None:
    # the generator's channel mixture: keys in [0, 2], the top itself included
    cdf = np.concatenate((_cdf([3.0, 1.0, 1e-9, 2.0]), 1.0 + _cdf([1.0, 0.0, 5.0])))
    cdf[-1] = 2.0
    u = np.concatenate((np.random.default_rng(1).random(10_000) * 2.0, cdf, [0.0, 2.0]))
    assert np.array_equal(search_right(cdf, u, top=2.0), np.searchsorted(cdf, u, side="right"))


@pytest.mark.parametrize("crowd", [3, 5_000])
def test_search_right_many_close_boundaries(crowd: int) -> None:
    # many boundaries in one bucket: a comparison loop or a binary search, numpy's answer
    w = np.r_[np.full(crowd, 1e-12), 1.0, np.random.default_rng(2).pareto(1.8, 50_000) + 1.0]
    cdf = _cdf(list(w))
    u = np.concatenate((np.random.default_rng(3).random(20_000), cdf[:6_000]))
    assert np.array_equal(search_right(cdf, u), np.searchsorted(cdf, u, side="right"))


def _rows_oracle(cdfs: list[np.ndarray], row: np.ndarray, u: np.ndarray) -> list[int]:
    before = np.cumsum([0] + [c.size for c in cdfs])
    return [
        int(np.searchsorted(cdfs[r], x, side="right") + before[r])
        for r, x in zip(row.tolist(), u.tolist())
    ]


@settings(max_examples=150, deadline=None)
@given(
    ws=st.lists(weights, min_size=1, max_size=6),
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(0, 300),
)
def test_search_rows_is_numpys_per_row(ws: list[list[float]], seed: int, size: int) -> None:
    cdfs = [_cdf(w) for w in ws]
    rng = np.random.default_rng(seed)
    u = rng.random(size)
    edge = np.concatenate([np.concatenate((c, np.nextafter(c, 0.0))) for c in cdfs])
    u = np.concatenate((u, edge, np.arange(257) / 256))  # on and just below the boundaries
    row = rng.integers(0, len(cdfs), u.size).astype(np.uint8)
    before = row.copy(), u.copy()
    got = search_rows(cdfs, row, u)
    assert got.dtype == np.int32
    assert got.tolist() == _rows_oracle(cdfs, row, u)
    assert np.array_equal(row, before[0]) and np.array_equal(u, before[1])


@pytest.mark.parametrize("crowd", [1, 3, 5_000])
def test_search_rows_crowded_and_across_blocks(crowd: int) -> None:
    # many boundaries in one bucket (a binary search per row) and more keys than one block
    crowded = _cdf(list(np.r_[np.full(crowd, 1e-12), 1.0, 2.0]))
    cdfs = [_cdf([1.0, 2.0, 3.0]), crowded, _cdf([5.0])]
    rng = np.random.default_rng(crowd)
    u = np.concatenate((rng.random(CHUNK + 11), crowded, [0.0, 1.0]))
    row = rng.integers(0, 3, u.size)
    got = search_rows(cdfs, row, u)
    assert np.array_equal(got, _rows_oracle(cdfs, row, u))


@settings(max_examples=100, deadline=None)
@given(w=weights, seed=st.integers(0, 2**32 - 1), size=st.integers(0, 500))
def test_choice_is_generator_choice(w: list[float], seed: int, size: int) -> None:
    p = np.asarray(w) / np.sum(w)
    ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
    got = choice(ours, p, size)
    assert np.array_equal(got, theirs.choice(p.size, size=size, p=p))
    assert ours.random() == theirs.random()  # the same draws were taken from the generator


@settings(max_examples=100, deadline=None)
@given(
    keys=st.lists(st.integers(0, 2**40), max_size=300),
    bits=st.sampled_from([1, 8, 16, 17, 31, 32, 40]),
)
def test_stable_order_is_a_stable_argsort(keys: list[int], bits: int) -> None:
    arr = np.asarray(keys, dtype=np.int64) % (1 << bits)
    before = arr.copy()
    assert np.array_equal(stable_order(arr), np.argsort(arr, kind="stable"))
    assert np.array_equal(arr, before)  # the caller's keys are not touched


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 2**50), st.integers(0, 70_000), st.booleans()), max_size=300
    ),
    bits=st.sampled_from([1, 16, 17, 33, 50]),
)
def test_lex_order_is_numpys_lexsort(rows: list[tuple[int, int, bool]], bits: int) -> None:
    a = np.asarray([r[0] for r in rows], dtype=np.int64) % (1 << bits)
    b = np.asarray([r[1] for r in rows], dtype=np.int64)
    c = np.asarray([r[2] for r in rows], dtype=bool)
    before = a.copy(), b.copy(), c.copy()
    for keys in ((a,), (b, a), (a, c, b), (c,)):  # (the last key is the primary)
        got = lex_order(keys)
        assert np.array_equal(got, np.lexsort(keys))
    assert all(np.array_equal(x, y) for x, y in zip((a, b, c), before))


@pytest.mark.parametrize(
    ("a_bits", "b_bits"),
    [(10, 1), (56, 1), (62, 2)],  # index packed with the keys / keys packed, ties / radix
)
def test_lex_order_every_path_with_many_ties(a_bits: int, b_bits: int) -> None:
    rng = np.random.default_rng(a_bits)
    n = 5_000
    a = rng.integers(0, 4, n) << (a_bits - 2)  # a few distinct values: runs of equal keys
    for bit in (0, 15, 16, 17, 31, 32, 47, 48):  # and keys differing in one bit of a digit's edge
        if bit < a_bits - 2:
            a |= rng.integers(0, 2, n) << bit
    b = rng.integers(0, 1 << b_bits, n)
    assert int(a.max()).bit_length() == a_bits and int(b.max()).bit_length() == b_bits
    for keys in ((a,), (b, a), (a, b), (a, b.astype(bool), b)):
        got = lex_order(keys)
        assert got.dtype == np.intp
        assert np.array_equal(got, np.lexsort(keys))
    assert np.array_equal(stable_order(a), np.argsort(a, kind="stable"))


def test_lex_order_of_no_keys_or_rows() -> None:
    assert lex_order(()).size == 0
    assert lex_order((np.zeros(0, np.int64),)).size == 0


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    width=st.integers(1, 9),
    prefix=st.sampled_from(["", "L", "Deal-", "é"]),
)
def test_numbered_is_python_formatting(data: st.DataObject, width: int, prefix: str) -> None:
    numbers = data.draw(st.lists(st.integers(0, 10**width - 1), max_size=50))
    arr = np.asarray(numbers, dtype=np.int64)
    before = arr.copy()
    got = numbered(prefix, arr, width)
    assert got.dtype == object
    assert got.tolist() == [f"{prefix}{x:0{width}d}" for x in numbers]
    assert all(type(v) is str for v in got)
    assert np.array_equal(arr, before)  # the caller's numbers are not touched


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint16])
def test_numbered_of_small_integer_types(dtype: type) -> None:
    arr = np.array([0, 9, 10, 99, 100, 65_535 % np.iinfo(dtype).max], dtype=dtype)
    assert numbered("A", arr, 5).tolist() == [f"A{x:05d}" for x in arr.tolist()]


def test_objects_is_a_one_dimensional_object_array() -> None:
    words = objects(w for w in ("a", "bc", ""))
    assert words.dtype == object
    assert words.shape == (3,)
    assert words.tolist() == ["a", "bc", ""]
    assert objects([]).shape == (0,)


def test_kernels_across_blocks() -> None:
    # more rows than one block of the blockwise kernels
    n = CHUNK + 7
    numbers = np.arange(n) * 37
    assert numbered("L", numbers, 8).tolist() == [f"L{x:08d}" for x in numbers.tolist()]
    u = np.random.default_rng(5).random(n)
    cdf = _cdf([1.0, 2.0, 3.0])
    assert np.array_equal(search_right(cdf, u), np.searchsorted(cdf, u, side="right"))
