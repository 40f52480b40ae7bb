"""Long strings of one length read in place from Arrow string views (:func:`alignment._words.
long_view_words`): Polars lays ids of one format one after another in its data buffers, so
their words are read at a fixed stride in each buffer, with no copy into Arrow's plain layout.
The words are those of the plain layout; any other layout (several lengths, nulls, strings out
of order, a run leaving its buffer) is declined, and the factorisation is Python's either way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _cells, _factorize, _words

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _twin(values: list[str]) -> tuple[list[int], list[str]]:
    cats = sorted(set(values))
    at = {v: i for i, v in enumerate(cats)}
    return [at[v] for v in values], cats


def _views(values: list[str]) -> Any:
    arr = pl.Series(values, dtype=pl.String).to_arrow(compat_level=pl.CompatLevel.newest())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _ids(n: int, width: int, seed: int, prefix: str = "00Q") -> list[str]:
    rng = np.random.default_rng(seed)
    tail = width - len(prefix)
    return [prefix + "".join(rng.choice(list(_ALNUM), tail)) for _ in range(n)]


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each call of ``long_view_words`` read the views in place."""
    calls: list[bool] = []
    real = _words.long_view_words

    def spy(*args: Any) -> Any:
        out = real(*args)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(_factorize, "long_view_words", spy)
    return calls


@pytest.mark.parametrize("width", [13, 18, 24, 36, 64])
@pytest.mark.parametrize("threads", ["1", "2"])
def test_polars_ids_are_read_in_place(
    monkeypatch: pytest.MonkeyPatch, width: int, threads: str
) -> None:
    """Ids over several of Polars' data buffers (they grow from 8 KiB): the words read in
    place are those of the plain layout, and the codes and categories are Python's."""
    from alignment import _parallel

    monkeypatch.setenv(_parallel.ENV_VAR, threads)
    monkeypatch.setattr(_factorize, "HASH_FACTORIZE_MIN_ROWS", 0)
    calls = _spy(monkeypatch)
    distinct = _ids(3000, width, width)
    rng = np.random.default_rng(1)
    values = [distinct[int(i)] for i in rng.integers(0, len(distinct), 9000)]
    arr = _views(values)
    assert len(arr.buffers()) > 4  # (several data buffers)
    long = _factorize._long_views(arr)
    assert long is not None
    plain = pa.array(values, type=pa.large_string())
    _, data, starts, ends = _cells.string_buffers(plain)
    ref = _words.byte_words(data, starts, ends)
    assert ref is not None and long.n_words == ref.n_words and long.one_length == width
    rows = rng.integers(0, len(values), 500)
    for i in range(long.n_words):
        assert np.array_equal(long.word(i, None), ref.word(i, None))
        assert np.array_equal(long.word(i, slice(4000, 8999)), ref.word(i, slice(4000, 8999)))
        assert np.array_equal(long.word(i, rows), ref.word(i, rows))
    cat = _factorize._native_factorize(pl.Series(values, dtype=pl.String), "polars")
    codes, cats = _twin(values)
    assert cat.codes.tolist() == codes and cat.categories.tolist() == cats
    assert calls and all(calls)


def test_unpackable_long_ids_are_hashed_and_decoded_from_their_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Random ids of 40 bytes vary in more than 64 bits: hashed, one row of each read back."""
    monkeypatch.setattr(_factorize, "HASH_FACTORIZE_MIN_ROWS", 0)
    calls = _spy(monkeypatch)
    distinct = _ids(500, 40, 7, prefix="")
    values = distinct * 3
    cat = _factorize._native_factorize(pl.Series(values, dtype=pl.String), "polars")
    codes, cats = _twin(values)
    assert cat.codes.tolist() == codes and cat.categories.tolist() == cats
    assert calls == [True]


@pytest.mark.parametrize(
    "values",
    [
        ["00Q" + "a" * 15, "00Q" + "b" * 16] * 40,  # (two lengths)
        ["short", "00Q" + "b" * 15] * 40,  # (an inline string among them)
        ["00Q" + "a" * 15, None] * 40,  # (nulls)
    ],
)
def test_other_layouts_are_declined_and_factorised_alike(values: list[Any]) -> None:
    arr = _views(values)
    assert _factorize._long_views(arr) is None
    cat = _factorize._bytes_factorize(arr)
    assert cat is not None
    kept = [v for v in values if v is not None]
    _, cats = _twin(kept)
    assert cat.categories.tolist() == cats
    assert [None if c < 0 else cats[c] for c in cat.codes.tolist()] == values


def _handmade(data: bytes, layout: list[tuple[int, int, int]]) -> Any:
    """String views of ``(length, buffer, offset)`` into two copies of ``data``."""
    views = np.zeros((len(layout), 16), dtype=np.uint8)
    for r, (length, buffer, offset) in enumerate(layout):
        views[r, :4] = np.frombuffer(np.uint32(length).tobytes(), np.uint8)
        views[r, 4:8] = np.frombuffer(data[offset : offset + 4].ljust(4, b"?"), np.uint8)
        views[r, 8:16] = np.frombuffer(np.array([buffer, offset], "<u4").tobytes(), np.uint8)
    bufs = [None, pa.py_buffer(views.tobytes()), pa.py_buffer(data), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.string_view(), len(layout), bufs)


def test_runs_out_of_order_and_across_buffers_are_read_each_in_place() -> None:
    data = b"".join(f"id-{k:015d}".encode() for k in range(10))  # (ten 18-byte strings)
    layout = [(18, 0, 18 * k) for k in (5, 6, 7)] + [(18, 1, 18 * k) for k in (0, 1, 2, 3)]
    layout += [(18, 0, 18 * k) for k in (8, 9)]
    arr = _handmade(data, layout)
    long = _factorize._long_views(arr)
    assert long is not None
    values = arr.cast(pa.large_string()).to_pylist()
    assert values[0] == "id-000000000000005" and values[3] == "id-000000000000000"
    cat = _factorize._bytes_factorize(arr)
    assert cat is not None
    codes, cats = _twin(values)
    assert cat.codes.tolist() == codes and cat.categories.tolist() == cats
    sliced = arr.slice(2, 5)  # (an offset into the views)
    got = _factorize._bytes_factorize(sliced)
    assert got is not None and got.categories.tolist() == sorted(set(values[2:7]))


@pytest.mark.parametrize(
    "layout",
    [
        [(18, 0, 0), (18, 0, 18), (18, 0, 180)],  # (a run past the buffer's end)
        [(18, 0, 0), (18, 2, 0)],  # (a buffer that is not there)
        [(18, 0, 0), (17, 0, 18)],  # (another length)
    ],
)
def test_views_that_leave_their_buffers_are_declined(layout: list[tuple[int, int, int]]) -> None:
    data = b"".join(f"id-{k:015d}".encode() for k in range(10))
    views = np.frombuffer(_handmade(data, layout).buffers()[1], np.uint8).reshape(-1, 16)
    assert _words.long_view_words(views, [np.frombuffer(data, np.uint8)] * 2) is None


def test_too_many_runs_are_declined(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_words, "MAX_RUNS", 3)
    data = b"".join(f"id-{k:015d}".encode() for k in range(10))
    arr = _handmade(data, [(18, 0, 18 * k) for k in (0, 2, 4, 6, 8)])
    assert _factorize._long_views(arr) is None
    cat = _factorize._bytes_factorize(arr)
    assert cat is not None and cat.categories.tolist() == sorted(arr.cast(pa.string()).to_pylist())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=_ALNUM + "é", min_size=14, max_size=14), min_size=1, max_size=300))
def test_any_ids_of_one_length_factorise_as_python(tails: list[str]) -> None:
    values = ["x" + t for t in tails]
    cat = _factorize._bytes_factorize(_views(values))
    assert cat is not None
    codes, cats = _twin(values)
    assert cat.codes.tolist() == codes and cat.categories.tolist() == cats
