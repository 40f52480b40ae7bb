"""Sorted codes of one-word keys by one sort of the keys with their row numbers, no hash table.

When the bits that vary between the keys (strings packed into one word, integers of one
range) and a row number fit in 64 bits together, ``key << row_bits | row`` sorts the rows by
key with no tie: numpy's sort of 64-bit integers (vectorised) puts each key's rows side by
side, in key order, and the codes follow from where the key changes.  The sort is one call
in place (numpy's sort of 6·10^6 words takes about as long as splitting them in two halves
would); the passes that make the words and read the codes off them go a block at a time
over two threads: one counts each block's distinct keys, the next writes them after those
of the blocks before it and writes each row's code where the row is (no array of the sorted
rows, nor of their ranks).  The rows of one key often sit side by side (an id's records are
together in a file): each run of rows of one key is then sorted as one word (its key and
run), its rows take its code, and its first row stands for it (4.7·10^6 campaign members'
lead ids in 10^6 runs: a quarter of the words to sort).

When they fit only without a few of the keys' lowest bits (packed strings whose varying bits
could not be cut down to fit, :func:`alignment._spans.cut_spans`; 18-character Salesforce ids are:
42 bits, 41 without the high bit of an ASCII byte, beside 23 bits of row), those bits are
left out of the sort and checked afterwards: every row of a group must hold the group's own.
They are, when those bits follow from the others; otherwise :func:`sorted_codes` gives up
and the caller hashes (:func:`alignment._strings.group_hashes`).

Same codes as the hashing path: the rank of each row's key among the distinct keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ._parallel import run_both, split_rows
from ._sortwords import sort_words

__all__ = ["MAX_DROPPED_BITS", "SortedCodes", "sorted_codes"]

MAX_DROPPED_BITS = 8
"""At most this many low bits of the keys are left out of the sort (then checked)."""

_BLOCK = 1 << 16  # rows per block of the element-wise passes (their temporaries stay in cache)
_RUNS = 3 / 4  # the share of rows starting a run of one key up to which the runs are sorted


class SortedCodes(NamedTuple):
    """What :func:`sorted_codes` finds."""

    codes: np.ndarray
    """The rank of each row's key among the distinct keys (``int32``)."""
    keys: np.ndarray
    """The distinct keys, sorted (``uint64``)."""
    first: np.ndarray
    """One row of each distinct key, aligned with ``keys`` (``int64``)."""
    beside: Any
    """What ``beside`` gave (``None`` without it)."""


KeyFn = Callable[[slice], np.ndarray]
"""``key(rows)``: the keys of a block of rows (``uint64``, below ``2**width``, a fresh array)."""


def sorted_codes(
    key: KeyFn, width: int, n: int, beside: Callable[[np.ndarray, np.ndarray], Any] | None = None
) -> SortedCodes | None:
    """Codes of ``n`` keys below ``2**width`` by one sort of ``key << row_bits | row``.

    Parameters
    ----------
    key : callable
        ``key(rows)`` for a slice of rows (see :data:`KeyFn`).
    width : int
        Bits of the keys (every key is below ``2**width``).
    n : int
        Number of rows (at least 1).
    beside : callable, optional
        ``beside(keys, first)`` of the sorted distinct keys and a row of each, run once the
        rows' codes are written, beside the check of left-out bits (on a helper thread when
        threads are on); its value is :attr:`SortedCodes.beside`.

    Returns
    -------
    SortedCodes or None
        ``None`` when the keys and row numbers do not fit in 64 bits even without
        :data:`MAX_DROPPED_BITS` low bits, or when a row's left-out bits differ from its
        group's (two keys that agree on the bits sorted): the caller hashes instead.
    """
    row_bits = max(1, (n - 1).bit_length())
    drop = max(0, width + row_bits - 64)
    if drop > MAX_DROPPED_BITS or row_bits > 31 or drop >= width:
        return None
    keyed, low, new = _keyed(key, n, row_bits, drop)
    heads, keyed = _runs(keyed, new, row_bits)
    del new
    sort_words(keyed)  # (in place: the runs of one key often near one another, clustered)
    before = _starts(keyed, row_bits)
    keys, first, codes = _coded(keyed, before, row_bits)
    del keyed
    if heads is not None:  # (each run's rows take its code; its first row is the run's)
        first = heads[first]
        codes = np.repeat(codes, np.diff(heads, append=n))
    first_low = None if low is None else low[first]
    if first_low is not None:
        keys <<= np.uint64(drop)
        keys |= first_low

    def check() -> bool:
        return first_low is None or low is None or _all_match(first_low, codes, low)

    extra, matched = run_both(lambda: None if beside is None else beside(keys, first), check)
    return SortedCodes(codes, keys, first, extra) if matched else None


def _keyed(
    key: KeyFn, n: int, row_bits: int, drop: int
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """``key >> drop << row_bits | row`` of every row, the ``drop`` low bits of each key
    (``None`` without any), and whether each row starts a run of rows of one sorted key (every
    block's first row does), a block of rows at a time over two threads."""
    keyed = np.empty(n, dtype=np.uint64)
    low = np.empty(n, dtype=np.uint8) if drop else None
    new = np.empty(n, dtype=bool)
    shift, low_mask = np.uint64(row_bits), np.uint64((1 << drop) - 1)

    def fill(lo: int, hi: int) -> None:
        for c0 in range(lo, hi, _BLOCK):  # (a loop over blocks: the temporaries stay cached)
            c1 = min(hi, c0 + _BLOCK)
            w = key(slice(c0, c1))
            if low is not None:
                low[c0:c1] = w & low_mask
                w >>= np.uint64(drop)
            new[c0] = True
            np.not_equal(w[1:], w[:-1], out=new[c0 + 1 : c1])
            w <<= shift
            w |= np.arange(c0, c1, dtype=np.uint64)
            keyed[c0:c1] = w

    split_rows(fill, n, align=_BLOCK)
    return keyed, low, new


def _runs(
    keyed: np.ndarray, new: np.ndarray, row_bits: int
) -> tuple[np.ndarray | None, np.ndarray]:
    """The first row of each run of rows of one key (``new``) and, when the runs are at most
    :data:`_RUNS` of the rows, one word per run to sort in place of the rows' (``key <<
    row_bits | run``: runs of one key then come in row order, as their rows); else ``None``
    and the words as they are."""
    heads = np.flatnonzero(new)
    if heads.size > _RUNS * keyed.size:
        return None, keyed
    words = keyed[heads]
    words >>= np.uint64(row_bits)
    words <<= np.uint64(row_bits)
    words |= np.arange(heads.size, dtype=np.uint64)
    return heads, words


def _starts(keyed: np.ndarray, row_bits: int) -> np.ndarray:
    """Of the sorted ``key << row_bits | row`` words: the number of distinct keys that start
    before each block of :data:`_BLOCK` words (and in all, last), a block at a time over two
    threads."""
    n = keyed.size
    counts = np.zeros(-(-n // _BLOCK) + 1, dtype=np.int64)
    shift = np.uint64(row_bits)

    def count(lo: int, hi: int) -> None:
        for c0 in range(lo, hi, _BLOCK):  # (a loop over blocks: the temporaries stay cached)
            c1 = min(hi, c0 + _BLOCK)
            k = keyed[max(0, c0 - 1) : c1] >> shift  # (with the word before the block)
            counts[c0 // _BLOCK + 1] = np.count_nonzero(k[1:] != k[:-1]) + (c0 == 0)

    split_rows(count, n, align=_BLOCK)
    return np.cumsum(counts)


def _coded(
    keyed: np.ndarray, before: np.ndarray, row_bits: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct keys (``uint64``), the first row of each (``int64``) and every row's code
    (``int32``, its key's rank) from the sorted words, a block at a time over two threads:
    each block's keys go after the ``before`` keys of the blocks before it, and its rows'
    codes are written where the rows are (the two threads write disjoint rows)."""
    n = keyed.size
    keys = np.empty(int(before[-1]), dtype=np.uint64)
    first = np.empty(keys.size, dtype=np.int64)
    codes = np.empty(n, dtype=np.int32)
    shift, mask = np.uint64(row_bits), np.uint64((1 << row_bits) - 1)

    def code(lo: int, hi: int) -> None:
        for c0 in range(lo, hi, _BLOCK):  # (a loop over blocks: the temporaries stay cached)
            c1, j = min(hi, c0 + _BLOCK), c0 // _BLOCK
            k = keyed[max(0, c0 - 1) : c1] >> shift  # (with the word before the block)
            new = np.empty(c1 - c0, dtype=bool)
            if c0 == 0:
                new[0] = True
                np.not_equal(k[1:], k[:-1], out=new[1:])
            else:
                np.not_equal(k[1:], k[:-1], out=new)
                k = k[1:]
            starts = np.flatnonzero(new)
            rows = (keyed[c0:c1] & mask).view(np.int64)  # (row numbers: below 2**31)
            at = slice(int(before[j]), int(before[j + 1]))
            keys[at] = k[starts]
            first[at] = rows[starts]
            ranks = np.cumsum(new, dtype=np.int32)
            ranks += np.int32(before[j] - 1)
            codes[rows] = ranks

    split_rows(code, n, align=_BLOCK)
    return keys, first, codes


def _all_match(first_low: np.ndarray, codes: np.ndarray, low: np.ndarray) -> bool:
    """Whether every row's left-out bits are those of its group's first row."""
    differ: list[int] = []

    def check(lo: int, hi: int) -> None:
        for c0 in range(lo, hi, _BLOCK):  # (blocks: a gather from a small table, in cache)
            c1 = min(hi, c0 + _BLOCK)
            if bool(np.any(first_low[codes[c0:c1]] != low[c0:c1])):
                differ.append(c0)
                return

    split_rows(check, codes.size, align=_BLOCK)
    return not differ
