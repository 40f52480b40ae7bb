"""Sorts of the readers' words: :func:`alignment._sortcodes.sorted_codes` sorts one word per run
of rows of one key (the rows of one id side by side in a file) and gives the codes, distinct
keys and first rows of ``np.unique`` whatever the runs (block boundaries inside a run, runs of
one row, bits left out of the sort); the final tables' first columns are read back from the
sorted words in their own types, without a new array of every row for each."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _parallel, _sortcodes
from alignment._sortcodes import sorted_codes
from alignment.io._context import PERSON
from alignment.io._final import _decoded, first_sorted
from alignment.io._order import SortedKeys
from alignment.io._values import CodedText


def _key_fn(keys: np.ndarray) -> Any:
    return lambda rows: keys[rows].copy()


def _oracle(found: Any, keys: np.ndarray) -> None:
    distinct, first, codes = np.unique(keys, return_index=True, return_inverse=True)
    assert found.codes.dtype == np.int32 and found.first.dtype == np.int64
    np.testing.assert_array_equal(found.codes, codes)
    np.testing.assert_array_equal(found.keys, distinct)
    np.testing.assert_array_equal(found.first, first)  # (the first row of each key)


@st.composite
def _runs(draw: Any) -> tuple[np.ndarray, int]:
    """Keys in runs of one key (of 1 to 6 rows), the runs' keys drawn from a pool."""
    width = draw(st.integers(1, 64))
    pool = draw(st.lists(st.integers(0, (1 << width) - 1), min_size=1, max_size=40))
    runs = draw(st.lists(st.tuples(st.integers(0, len(pool) - 1), st.integers(1, 6)), max_size=80))
    keys = [pool[p] for p, length in runs for _ in range(length)] or [pool[0]]
    return np.array(keys, dtype=np.uint64), width


@given(_runs(), st.integers(1, 5), st.booleans())
@settings(max_examples=300, deadline=None)
def test_runs_of_one_key_give_the_codes_of_np_unique(
    case: tuple[np.ndarray, int], block_bits: int, threads: bool
) -> None:
    keys, width = case
    before = keys.copy()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_sortcodes, "_BLOCK", 1 << block_bits)
        mp.setattr(_parallel, "SPLIT_MIN_ROWS", 1)
        mp.setenv(_parallel.ENV_VAR, "2" if threads else "1")
        found = sorted_codes(_key_fn(keys), width, keys.size)
    np.testing.assert_array_equal(keys, before)
    if found is None:  # (only with bits left out that differ within a group)
        row_bits = max(1, (keys.size - 1).bit_length())
        assert width + row_bits > 64
        return
    _oracle(found, keys)


def test_left_out_bits_are_checked_row_by_row_within_a_run() -> None:
    """A run of one sorted key whose rows differ in a left-out bit: given up (hashed)."""
    n, width = 200, 64  # (8 row bits: 8 low bits left out)
    keys = np.repeat(np.arange(1, 41, dtype=np.uint64) << np.uint64(40), 5)
    assert sorted_codes(_key_fn(keys), width, n) is not None
    keys[7] += np.uint64(1)  # (the third row of the second run)
    assert sorted_codes(_key_fn(keys), width, n) is None


def test_one_word_per_run_is_sorted(monkeypatch: pytest.MonkeyPatch) -> None:
    """6 runs of 5 rows of 3 keys: 6 words sorted, not 30."""
    sizes: list[int] = []
    real = _sortcodes.sort_words

    def spy(words: np.ndarray) -> None:
        sizes.append(words.size)
        real(words)

    monkeypatch.setattr(_sortcodes, "sort_words", spy)
    keys = np.repeat(np.array([9, 4, 9, 7, 4, 9], dtype=np.uint64), 5)
    found = sorted_codes(_key_fn(keys), 4, keys.size)
    assert sizes == [6]
    assert found is not None
    assert found.codes.tolist() == [2] * 5 + [0] * 5 + [2] * 5 + [1] * 5 + [0] * 5 + [2] * 5
    assert found.keys.tolist() == [4, 7, 9]
    assert found.first.tolist() == [5, 15, 0]


def test_rows_in_no_runs_are_sorted_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    real = _sortcodes.sort_words
    monkeypatch.setattr(_sortcodes, "sort_words", lambda w: (sizes.append(w.size), real(w)))
    keys = np.array([3, 1, 2, 1, 3, 3, 0, 2], dtype=np.uint64)
    found = sorted_codes(_key_fn(keys), 2, keys.size)
    assert sizes == [8] and found is not None
    _oracle(found, keys)


@st.composite
def _two_keys(draw: Any) -> tuple[list[int], list[int], int, int, int]:
    a0 = draw(st.integers(-(2**20), 2**20))
    b0 = draw(st.integers(-(2**40), 2**40))
    step = draw(st.integers(1, 10**6))
    rows = draw(st.lists(st.tuples(st.integers(0, 2**12), st.integers(0, 2**12)), min_size=1))
    a = [a0 + x for x, _ in rows]
    b = [b0 + y * step for _, y in rows]
    return a, b, a0, b0, step


@given(_two_keys(), st.sampled_from([None, np.int32, np.int64]))
@settings(max_examples=200, deadline=None)
def test_sorted_keys_read_back_both_keys(
    case: tuple[list[int], list[int], int, int, int], a_type: Any
) -> None:
    """``SortedKeys.keys``: ``a`` in the type asked (``int64`` by default), ``b`` as ``int64``
    written over the words."""
    a, b, a0, b0, step = case
    width = 1 << max(1, max(b) - b0).bit_length()
    words = np.array([(x - a0) * width + (y - b0) // step for x, y in zip(a, b)], dtype=np.int64)
    got_a, got_b = SortedKeys(words, a0, width, b0, step).keys(
        None if a_type is None else np.dtype(a_type)
    )
    assert got_a.dtype == (np.int64 if a_type is None else a_type)
    assert got_a.tolist() == a and got_b.dtype == np.int64 and got_b.tolist() == b
    assert np.shares_memory(got_b, words)


def test_the_touches_first_columns_are_read_back_without_a_copy_of_every_row() -> None:
    """The persons' codes made as ``int32`` codes directly and the instants over the sorted
    words: at most the codes' own memory is new (it was an ``int64`` array for each key and
    an ``int32`` copy of the first, 20 bytes a row)."""
    n = 50_000
    rng = np.random.default_rng(5)
    person = np.sort(rng.integers(0, 9_000, n)).astype(np.int32)
    day = rng.integers(0, 900, n)
    t = {
        "lead_id": CodedText(person, np.array([f"p{i}" for i in range(9_000)], dtype=object)),
        PERSON: person,
        "timestamp": (np.datetime64("2024-01-01", "us") + day * 86_400 * 10**6).astype("M8[us]"),
    }
    _, _, found = first_sorted("touchpoints", dict(t))
    assert found is not None
    cols, first = {k: v for k, v in t.items() if k != PERSON}, ["lead_id", "timestamp"]
    tracemalloc.start()
    try:
        out = _decoded(cols, first, {"lead_id": person}, found)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 6 * n  # (the codes, 4 bytes a row, and the cast's buffer)
    assert out["lead_id"].dtype == np.int32 and np.shares_memory(out["timestamp"], found.words)
    order = np.lexsort((day, person))
    assert out["lead_id"].tolist() == person[order].tolist()
    assert out["timestamp"].tolist() == t["timestamp"][order].tolist()
