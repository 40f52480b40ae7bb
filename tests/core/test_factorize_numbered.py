"""Numbered short ids (``"L123"``) factorised by counting (:mod:`alignment._digits`): the same
codes, categories and sort keys as the hashing kernel and as plain Python, or a refusal (the
caller then hashes) for anything that is not a digit, a zero byte in a string, or a range too
sparse to count in."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment._factorize as fz
from alignment import _digits
from alignment._parallel import inline

pa = pytest.importorskip("pyarrow")


def _python(values: list[str | None]) -> tuple[list[int], list[str]]:
    cats = sorted({v for v in values if v is not None})
    rank = {v: i for i, v in enumerate(cats)}
    return [-1 if v is None else rank[v] for v in values], cats


def _numbered_calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record whether each call of the counting kernel gave an answer (``False``: declined)."""
    calls: list[bool] = []
    real = _digits.factorize_numbered

    def spy(*args: Any) -> Any:
        out = real(*args)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(fz, "factorize_numbered", spy)
    return calls


def _hashed(arr: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as m:
        m.setattr(fz, "factorize_numbered", lambda *a: None)
        return fz._bytes_factorize(arr)


def _check(values: list[str | None], monkeypatch: pytest.MonkeyPatch, *, counted: bool) -> None:
    arr = pa.array(values, type=pa.large_string())
    calls = _numbered_calls(monkeypatch)
    cat = fz._bytes_factorize(arr)
    assert calls == [counted]  # (the kernel under test answered, or declined, as expected)
    codes, cats = _python(values)
    assert cat.codes.dtype == np.int32
    assert cat.codes.tolist() == codes
    assert cat.categories.tolist() == cats
    assert all(type(c) is str for c in cat.categories.tolist())
    hashed = _hashed(arr, monkeypatch)
    np.testing.assert_array_equal(cat.codes, hashed.codes)
    np.testing.assert_array_equal(cat.sort_keys, hashed.sort_keys)  # (canonical words)
    assert cat.sort_keys.dtype == np.uint64


def _canonical_words(values: list[str]) -> np.ndarray:
    """The canonical 64-bit words of short strings, as the bytes path reads them."""
    from alignment._words import byte_words

    arr = pa.array(values, type=pa.large_string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    words = byte_words(data, offsets[:-1], offsets[1:])
    assert words is not None and words.canonical
    return words.word(0, None)


PREFIX = st.text(alphabet="LAD-_x#", max_size=3)


@settings(max_examples=200, deadline=None)
@given(
    PREFIX,
    st.lists(st.integers(0, 99_999), min_size=1, max_size=80),
    st.sampled_from([0, 3, 5]),
    st.floats(0.0, 0.3),
    st.randoms(use_true_random=False),
)
def test_numbered_ids_match_python_and_the_hashing_kernel(
    prefix: str, numbers: list[int], pad: int, null_share: float, rnd: Any
) -> None:
    values: list[str | None] = [f"{prefix}{x:0{pad}d}"[:7] for x in numbers]
    values = [None if rnd.random() < null_share else v for v in values]
    present = [v for v in values if v is not None]
    if not present:
        return
    mp = pytest.MonkeyPatch()
    try:  # (any range counted: at most five digit bytes here; declines for one distinct id)
        mp.setattr(_digits, "_SLACK", 11**5 + 1)
        _check(values, mp, counted=len(set(present)) > 1)
    finally:
        mp.undo()


@pytest.mark.parametrize(
    "values",
    [
        ["L1", "L2", "L1A"],  # a letter where digits vary
        ["L1", "L2", "L1\x00"],  # a zero byte inside a string
        ["L1", "L2", "L:"],  # the byte after "9"
        ["L1", "L2", "L/"],  # the byte before "0"
        ["1", "2", "é"],  # bytes above 0x7f
        ["aaaaaaa", "aaaaaab"],  # not digits
        ["L", "L"],  # nothing varies
    ],
)
def test_other_strings_are_left_to_the_hashing_kernel(
    values: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    arr = pa.array(values, type=pa.large_string())
    calls = _numbered_calls(monkeypatch)
    cat = fz._bytes_factorize(arr)
    assert calls == [False]
    hashed = _hashed(arr, monkeypatch)
    np.testing.assert_array_equal(cat.codes, hashed.codes)
    assert cat.categories.tolist() == hashed.categories.tolist()


def test_a_sparse_range_is_left_to_the_hashing_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    # seven varying digit bytes (11**7 numbers) for a few rows: too wide a table to count in
    values = ["1234567", "7654321", "1000000"]
    calls = _numbered_calls(monkeypatch)
    cat = fz._bytes_factorize(pa.array(values, type=pa.large_string()))
    assert calls == [False]
    assert cat.categories.tolist() == sorted(values)


def test_rows_beyond_the_first_block_that_vary_more(monkeypatch: pytest.MonkeyPatch) -> None:
    # the first block's ids have three digits, later ones up to five: the layout is found
    # again from every row (a second pass), and the answer is exact
    block = _digits._BLOCK
    rng = np.random.default_rng(1)
    small = [f"L{x}" for x in rng.integers(100, 1000, block)]
    large = [f"L{x}" for x in rng.integers(0, 100_000, 12_000)]
    _check(small + large, monkeypatch, counted=True)


def test_letters_beyond_the_first_block_decline(monkeypatch: pytest.MonkeyPatch) -> None:
    block = _digits._BLOCK
    values = [f"L{x % 500}" for x in range(block)] + ["LX9"]
    _check(values, monkeypatch, counted=False)


@pytest.mark.parametrize("threads", [True, False])
def test_long_shuffled_columns_are_the_same_with_and_without_threads(
    threads: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the benchmark's kind of ids, long enough to split over two threads
    rng = np.random.default_rng(7)
    ids = np.char.add("L", rng.integers(0, 300_000, 2_200_000).astype("U7"))
    values = ids.tolist()
    arr = pa.array(values, type=pa.large_string())
    calls = _numbered_calls(monkeypatch)
    if threads:
        cat = fz._bytes_factorize(arr)
    else:
        with inline():
            monkeypatch.setenv("ALIGNMENT_NUM_THREADS", "1")
            cat = fz._bytes_factorize(arr)
    assert calls == [True]
    cats, codes = np.unique(ids, return_inverse=True)
    np.testing.assert_array_equal(cat.codes, codes)
    assert cat.categories.tolist() == cats.tolist()


def test_zero_padded_fixed_width_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    # ids of one width, one after the other in the buffer (read in place), as synthetic_crm's
    values = [f"L{x:06d}" for x in np.random.default_rng(3).permutation(50_000)[:20_000]] * 3
    _check(values, monkeypatch, counted=True)


@settings(max_examples=100, deadline=None)
@given(PREFIX, st.lists(st.integers(0, 10**6), min_size=2, max_size=40), st.sampled_from([0, 4]))
def test_numbers_keep_the_order_and_invert(prefix: str, numbers: list[int], pad: int) -> None:
    values = sorted({f"{prefix}{x:0{pad}d}"[:7] for x in numbers})
    w = _canonical_words(values)
    ref = w[0]
    lay = _digits._layout(ref, int(np.bitwise_or.reduce(w ^ ref)))
    if lay is None:  # (one distinct id)
        assert len(values) == 1
        return
    out = np.empty(w.size, dtype=np.int32)
    assert _digits._numbers(w.copy(), lay, out)
    assert bool(np.all(np.diff(out) > 0))  # the strings' order, strictly: no two the same
    assert bool(np.all(out < lay.size))
    np.testing.assert_array_equal(_digits._words(out, lay), w)


def test_attribution_from_a_long_pandas_column_is_the_hashing_kernels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # long enough for the bytes path of the dataframe boundary (HASH_FACTORIZE_MIN_ROWS)
    pd = pytest.importorskip("pandas")
    import alignment

    rng = np.random.default_rng(11)
    n = fz.HASH_FACTORIZE_MIN_ROWS + 50_000
    lead = rng.integers(0, 60_000, n)
    touches = pd.DataFrame(
        {
            "lead_id": pd.array([f"L{x}" for x in lead], dtype="string[pyarrow]"),
            "timestamp": pd.Timestamp("2024-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s"),
            "channel": rng.choice(["email", "ads", "web"], n),
        }
    )
    won = np.unique(lead)[::7]
    conversions = pd.DataFrame(
        {
            "lead_id": [f"L{x}" for x in won],
            "converted_at": pd.Timestamp("2024-06-01", tz="UTC"),
            "revenue": rng.uniform(1, 100, won.size).round(2),
        }
    )
    calls = _numbered_calls(monkeypatch)
    counted = alignment.attribute(touches, conversions, model="linear")
    assert True in calls
    with monkeypatch.context() as m:
        m.setattr(fz, "factorize_numbered", lambda *a: None)
        hashed = alignment.attribute(touches, conversions, model="linear")
    assert counted.channel_credit == hashed.channel_credit
    np.testing.assert_array_equal(counted.journeys.keys, hashed.journeys.keys)
    pd.testing.assert_frame_equal(counted.to_frame(level="touch"), hashed.to_frame(level="touch"))


def test_text_of_canonical_words_with_and_without_string_views(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pyarrow 16 on makes the strings from views of their words; older ones from their bytes
    values = ["", "a", "L1", "L10", "L999999", "é", "abcdefg", "x\x00y"]
    keys = _canonical_words(values)
    with_views = fz._text_of_keys(keys)
    monkeypatch.delattr(pa, "string_view")
    from_bytes = fz._text_of_keys(keys)
    assert with_views.tolist() == values
    assert from_bytes.tolist() == values
