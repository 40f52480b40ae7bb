"""Sorted codes of one-word keys by one sort of the keys with their row numbers, no hash table.

When the bits that vary between the keys (strings packed into one word, integers of one
range) and a row number fit in 64 bits together, ``key << row_bits | row`` sorts the rows by
key with no tie: numpy's sort of 64-bit integers (vectorised) puts each key's rows side by
side, in key order, and the codes follow from where the key changes.  The sort runs as two
halves on two threads: the keys below and above a pivot key (a key's rows all on one side).

When they fit only without a few of the keys' lowest bits (18-character Salesforce ids:
42 bits beside 23 bits of row), those bits are left out of the sort and checked afterwards:
every row of a group must hold the group's own.  They are, when those bits follow from the
others (the last character of a Salesforce id is a checksum of the first fifteen); otherwise
:func:`sorted_codes` gives up and the caller hashes (:func:`alignment._strings.group_hashes`).

Same codes as the hashing path: the rank of each row's key among the distinct keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ._parallel import run_both, split_rows

__all__ = ["MAX_DROPPED_BITS", "SortedCodes", "sorted_codes"]

MAX_DROPPED_BITS = 8
"""At most this many low bits of the keys are left out of the sort (then checked)."""

_BLOCK = 1 << 16  # rows per block of the element-wise passes (their temporaries stay in cache)
_PIVOT_SAMPLE = 4096  # keys looked at to choose the pivot that splits the rows in two


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
        ``beside(keys, first)`` of the sorted distinct keys and a row of each, run while the
        rows' codes are written (on a helper thread when threads are on); its value is
        :attr:`SortedCodes.beside`.

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
    keyed, low = _keyed(key, n, row_bits, drop)
    (keys_a, new_a, codes_a, rows_a), (keys_b, new_b, codes_b, rows_b) = _halves(keyed, row_bits)
    del keyed
    codes_b += keys_a.size  # (the keys above the pivot come after those below it)
    first = np.concatenate((rows_a[new_a], rows_b[new_b])).astype(np.int64)
    keys = np.concatenate((keys_a, keys_b))
    first_low = None if low is None else low[first]
    if first_low is not None:
        keys <<= np.uint64(drop)
        keys |= first_low
    codes = np.empty(n, dtype=np.int32)

    def write() -> bool:
        codes[rows_a] = codes_a  # (the halves' rows: disjoint)
        codes[rows_b] = codes_b
        return first_low is None or low is None or _all_match(first_low, codes, low)

    extra, matched = run_both(lambda: None if beside is None else beside(keys, first), write)
    return SortedCodes(codes, keys, first, extra) if matched else None


def _keyed(key: KeyFn, n: int, row_bits: int, drop: int) -> tuple[np.ndarray, np.ndarray | None]:
    """``key >> drop << row_bits | row`` of every row, and the ``drop`` low bits of each key
    (``None`` without any), a block of rows at a time over two threads."""
    keyed = np.empty(n, dtype=np.uint64)
    low = np.empty(n, dtype=np.uint8) if drop else None
    shift, low_mask = np.uint64(row_bits), np.uint64((1 << drop) - 1)

    def fill(lo: int, hi: int) -> None:
        for c0 in range(lo, hi, _BLOCK):  # (a loop over blocks: the temporaries stay cached)
            c1 = min(hi, c0 + _BLOCK)
            w = key(slice(c0, c1))
            if low is not None:
                low[c0:c1] = w & low_mask
                w >>= np.uint64(drop)
            w <<= shift
            w |= np.arange(c0, c1, dtype=np.uint64)
            keyed[c0:c1] = w

    split_rows(fill, n, align=_BLOCK)
    return keyed, low


def _halves(keyed: np.ndarray, row_bits: int) -> tuple[Any, Any]:
    """The rows below and above a pivot key (:func:`_sorted_part` of each), on two threads.

    The pivot is a key near the median of a sample, with its row bits clear: every row of a
    key falls on one side of it (the halves share no key)."""
    step = max(1, keyed.size // _PIVOT_SAMPLE)
    sample = np.sort(keyed[::step] >> np.uint64(row_bits))
    pivot = np.uint64(int(sample[sample.size // 2]) << row_bits)
    return run_both(
        lambda: _sorted_part(keyed[keyed < pivot], row_bits),
        lambda: _sorted_part(keyed[keyed >= pivot], row_bits),
    )


def _sorted_part(part: np.ndarray, row_bits: int) -> tuple[Any, np.ndarray, np.ndarray, Any]:
    """One half sorted: its distinct keys, where each key starts (in sorted order), each sorted
    row's code within the half, and the row numbers in sorted order (``int32``)."""
    part.sort()  # (a fresh array: the rows of this half)
    rows = (part & np.uint64((1 << row_bits) - 1)).astype(np.int32)
    part >>= np.uint64(row_bits)
    new = np.empty(part.size, dtype=bool)
    new[:1] = True
    np.not_equal(part[1:], part[:-1], out=new[1:])
    codes = np.cumsum(new, dtype=np.int32)
    codes -= 1
    return part[new], new, codes, rows


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
