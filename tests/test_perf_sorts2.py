"""Sorts of the readers' words: :func:`alignment._sortcodes.sorted_codes` sorts one word per run
of rows of one key (the rows of one id side by side in a file) and gives the codes, distinct
keys and first rows of ``np.unique`` whatever the runs (block boundaries inside a run, runs of
one row, bits left out of the sort)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _parallel, _sortcodes
from alignment._sortcodes import sorted_codes


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
