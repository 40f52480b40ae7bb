"""Codes of one-word keys by one sort of ``key << row_bits | row`` (:mod:`alignment._sortcodes`):
the codes, distinct keys and rows of ``np.unique``, whatever the keys (one value, all distinct,
full 64-bit width), on one thread or two; a few low bits left out of the sort are checked, and
a row whose left-out bits differ from its group's sends the caller back to hashing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alignment import _parallel, _sortcodes, _strings
from alignment._sortcodes import MAX_DROPPED_BITS, sorted_codes


def _key_fn(keys: np.ndarray) -> Any:
    return lambda rows: keys[rows].copy()


def _check(found: Any, keys: np.ndarray) -> None:
    distinct, codes = np.unique(keys, return_inverse=True)
    assert found.codes.dtype == np.int32
    np.testing.assert_array_equal(found.codes, codes)
    np.testing.assert_array_equal(found.keys, distinct)
    assert found.first.dtype == np.int64
    np.testing.assert_array_equal(keys[found.first], distinct)  # (a row of each key)


@st.composite
def _keys(draw: Any) -> tuple[np.ndarray, int]:
    width = draw(st.integers(1, 64))
    n = draw(st.integers(1, 300))
    n_distinct = draw(st.integers(1, n))
    top = (1 << width) - 1
    pool = draw(st.lists(st.integers(0, top), min_size=n_distinct, max_size=n_distinct))
    picks = draw(st.lists(st.integers(0, n_distinct - 1), min_size=n, max_size=n))
    return np.array([pool[p] for p in picks], dtype=np.uint64), width


@given(_keys(), st.booleans())
@example((np.array([2**64 - 1, 0, 2**64 - 1], dtype=np.uint64), 64), False)
@example((np.zeros(5, dtype=np.uint64), 1), True)
@settings(max_examples=400, deadline=None)
def test_the_codes_of_np_unique_or_none(case: tuple[np.ndarray, int], threads: bool) -> None:
    keys, width = case
    before = keys.copy()
    if threads:
        found = sorted_codes(_key_fn(keys), width, keys.size)
    else:
        with _parallel.inline():
            found = sorted_codes(_key_fn(keys), width, keys.size)
    np.testing.assert_array_equal(keys, before)
    row_bits = max(1, (keys.size - 1).bit_length())
    drop = max(0, width + row_bits - 64)
    if drop > MAX_DROPPED_BITS:
        assert found is None
        return
    if found is None:  # (only when two keys agree on every bit but those left out)
        assert drop > 0
        high = keys >> np.uint64(drop)
        assert np.unique(high).size < np.unique(keys).size
        return
    _check(found, keys)


@given(st.integers(57, 64), st.integers(64, 400), st.data())
@settings(max_examples=200, deadline=None)
def test_left_out_bits_that_follow_from_the_others_are_checked(
    width: int, n: int, data: Any
) -> None:
    """Keys whose lowest bits are a function of the others (as a Salesforce id's checksum
    characters are of its first fifteen): sorted without those bits, the codes are exact."""
    row_bits = (n - 1).bit_length()
    drop = width + row_bits - 64
    if not 0 < drop <= MAX_DROPPED_BITS:
        return
    high = np.array(
        data.draw(st.lists(st.integers(0, (1 << (width - drop)) - 1), min_size=n, max_size=n)),
        dtype=np.uint64,
    )
    low = (high * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - drop)  # (a function of high)
    keys = (high << np.uint64(drop)) | low
    found = sorted_codes(_key_fn(keys), width, n)
    assert found is not None
    _check(found, keys)


def test_left_out_bits_that_differ_within_a_group_give_up() -> None:
    n, width = 200, 64  # (8 row bits: 8 low bits left out)
    keys = np.full(n, 1 << 40, dtype=np.uint64)
    keys[7] += np.uint64(1)  # (differs from the others in a left-out bit only)
    assert sorted_codes(_key_fn(keys), width, n) is None
    keys[7] += np.uint64(1 << 8)  # (and now in a sorted bit too)
    found = sorted_codes(_key_fn(keys), width, n)
    assert found is not None
    _check(found, keys)


def test_beside_gets_the_distinct_keys_and_rows() -> None:
    keys = np.array([5, 3, 5, 9, 3], dtype=np.uint64)
    found = sorted_codes(_key_fn(keys), 4, 5, lambda k, r: (k.tolist(), keys[r].tolist()))
    assert found is not None
    assert found.beside == ([3, 5, 9], [3, 5, 9])


@pytest.mark.parametrize("threads", [True, False])
def test_many_rows_on_two_threads(threads: bool) -> None:
    """Past ``SPLIT_MIN_ROWS``, the keys are made, and the codes read off the sorted words, by
    two threads a block at a time: the codes are the same either way."""
    n = _parallel.SPLIT_MIN_ROWS + 12_345
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 1 << 38, 50_000).astype(np.uint64)[rng.integers(0, 50_000, n)]
    if threads:
        found = sorted_codes(_key_fn(keys), 38, n)
    else:
        with _parallel.inline():
            found = sorted_codes(_key_fn(keys), 38, n)
    assert found is not None
    _check(found, keys)


def test_salesforce_ids_are_sorted_with_their_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """18-character ids of one org: their varying bits packed into one word, grouped by the
    sort (no hash table), with Python's codes and categories."""
    pa = pytest.importorskip("pyarrow")
    from alignment._factorize import _bytes_factorize

    rng = np.random.default_rng(1)
    base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    ids = ["00Q5g00000" + "".join(rng.choice(list(base62), 5)) + "AAA" for _ in range(3000)]
    values = [ids[i] for i in rng.integers(0, len(ids), 20_000)]
    calls: list[int] = []
    real = _sortcodes.sorted_codes

    def spy(*args: Any) -> Any:
        calls.append(args[2])
        return real(*args)

    def no_hash(*_: Any, **__: Any) -> Any:
        raise AssertionError("hashed")

    monkeypatch.setattr(_strings, "sorted_codes", spy)
    monkeypatch.setattr(_strings, "group_hashes", no_hash)
    got = _bytes_factorize(pa.array(values))
    assert got is not None and calls == [len(values)]
    cats = sorted(set(values))
    assert got.categories.tolist() == cats
    at = {v: i for i, v in enumerate(cats)}
    assert got.codes.tolist() == [at[v] for v in values]


@given(_keys(), st.integers(1, 5), st.booleans())
@settings(max_examples=200, deadline=None)
def test_small_blocks_over_two_threads(
    case: tuple[np.ndarray, int], block_bits: int, threads: bool
) -> None:
    """Blocks of 2 to 32 rows (a key's rows across block boundaries, blocks with no new key)
    split over two threads from the first row: the codes, keys and rows of ``np.unique``."""
    keys, width = case
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_sortcodes, "_BLOCK", 1 << block_bits)
        mp.setattr(_parallel, "SPLIT_MIN_ROWS", 1)
        mp.setenv(_parallel.ENV_VAR, "2" if threads else "1")
        found = sorted_codes(_key_fn(keys), width, keys.size)
    if found is not None:
        _check(found, keys)
    else:  # (only with bits left out that differ within a group)
        assert max(0, width + max(1, (keys.size - 1).bit_length()) - 64) > 0


@settings(max_examples=200, deadline=None)
@given(
    width=st.integers(1, 64),
    raw=st.lists(st.integers(0, 2**64 - 1), max_size=300),
    repeats=st.integers(1, 3),
)
def test_words_sorted_with_their_rows_are_a_stable_argsort(
    width: int, raw: list[int], repeats: int
) -> None:
    """``_argsort_words``: by one sort of the words beside their rows when the two fit in 64
    bits (equal words in row order: a stable argsort), else numpy's argsort (sorted words)."""
    words = np.array([r % (1 << width) for r in raw] * repeats, dtype=np.uint64)
    given_words = words.copy()
    order = _strings._argsort_words(words.copy(), width)
    assert sorted(order.tolist()) == list(range(words.size))
    assert np.all(np.diff(given_words[order].astype(object)) >= 0) if words.size > 1 else True
    row_bits = max(1, (words.size - 1).bit_length())
    if width + row_bits <= 64:
        assert order.tolist() == np.argsort(given_words, kind="stable").tolist()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(5000, 9000))
def test_numbered_ids_are_ordered_by_their_cut_spans_beside_their_rows(seed: int, n: int) -> None:
    """Distinct ``"L123"`` ids of 2–8 bytes vary over 52 bits of their word: too many beside
    13 row bits, but the bits no string sets (the top two of every digit's byte) are cut out,
    so the rest is sorted with the rows (:func:`_strings._argsort_words`), in bytes' order."""
    from alignment._words import byte_words

    pa = pytest.importorskip("pyarrow")
    rng = np.random.default_rng(seed)
    ids = sorted({f"L{v}" for v in rng.integers(0, 10**7, n).tolist()} | {"L0", "L9999999"})
    shuffled = [ids[j] for j in rng.permutation(len(ids))]
    arrow = pa.array(shuffled)
    offsets = np.frombuffer(arrow.buffers()[1], dtype=np.int32)
    data = np.frombuffer(arrow.buffers()[2], dtype=np.uint8)
    words = byte_words(data, offsets[:-1], offsets[1:])
    assert words is not None and words.n_words == 1
    widths: list[int] = []
    real = _strings._argsort_words

    def spy(w: np.ndarray, width: int) -> np.ndarray:
        widths.append(width)
        return real(w, width)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_strings, "_argsort_words", spy)
        order = _strings._word_order([words.word(0, None)])
    assert [shuffled[j] for j in order] == ids
    row_bits = (len(ids) - 1).bit_length()
    assert widths and widths[0] + row_bits <= 64 < 52 + row_bits  # (sorted beside the rows)
