"""Array kernels of the synthetic CRM generator: numpy's values, found with less work.

Weighted draws: ``np.searchsorted`` of millions of uniform draws in a cumulative distribution
is a binary search per draw.  :func:`search_right` gives the very same indices from a bucket
table: the draw's bucket (an exact power-of-two scaling) tells where its answer starts, and one
or two comparisons finish it.  :func:`choice` is ``Generator.choice(p.size, size, p=p)`` on top
of it: the same draws from the generator, in the same order, and the same indices;
:func:`search_rows` searches each key in the boundaries of its own row (one table per row).

Orders: :func:`lex_order` (and :func:`stable_order`, its one-key case) sorts integer keys
packed into one int64 when their bits fit (with the row index in the low bits: a sort of
values, no ties), else by 16-bit radix passes.

Text: :func:`numbered` writes prefixed, zero-padded numbers (ids) with one ``str``
concatenation per row (numpy's object ``add``) of two pieces formatted once per distinct value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .._parallel import split_rows

__all__ = [
    "CHUNK",
    "choice",
    "lex_order",
    "numbered",
    "objects",
    "search_right",
    "search_rows",
    "stable_order",
]


_MAX_GAP = 8  # comparisons per key above which the bucket table is not worth it
CHUNK = 1 << 18
"""Rows per block of the blockwise kernels (their temporaries then stay in the CPU caches)."""


def _buckets(m: int) -> int:
    """Number of buckets for ``m`` boundaries: a power of two, at least ``m``."""
    return 1 << max(8, (max(m, 1) - 1).bit_length())


def search_right(cdf: np.ndarray, u: np.ndarray, top: float = 1.0) -> np.ndarray:
    """``np.searchsorted(cdf, u, side="right")`` as int32, for sorted ``cdf``, ``0 <= u <= top``.

    Parameters
    ----------
    cdf : numpy.ndarray
        Non-decreasing float64 boundaries (fewer than 2**31).
    u : numpy.ndarray
        Float64 keys in ``[0, top]`` (one dimension).
    top : float, default 1.0
        A power of two, at least every key (the bucket arithmetic is then exact).

    Returns
    -------
    numpy.ndarray
        The number of boundaries ``<= u`` for each key (int32): numpy's values.
    """
    k = _buckets(cdf.size)
    # start[b]: boundaries <= the left edge of bucket b; a key in bucket b has its answer
    # in start[b] .. start[b + 1], so at most ``gap`` comparisons finish it
    edges = np.arange(k + 1, dtype=np.float64) * (top / k)
    start = np.searchsorted(cdf, edges, side="right").astype(np.int32)
    gap = int(np.diff(start).max())
    if gap > _MAX_GAP:  # boundaries crowd into one bucket: a binary search is cheaper
        return np.searchsorted(cdf, u, side="right").astype(np.int32)
    bound = np.concatenate((cdf, np.full(gap + 1, np.inf)))
    out = np.empty(u.shape, dtype=np.int32)

    def blocks(first: int, stop: int) -> None:
        for at in range(first, stop, CHUNK):  # (a loop over blocks of keys: they stay cached)
            keys = u[at : min(at + CHUNK, stop)]
            base = start[(keys * (k / top)).astype(np.int32)]
            found = out[at : min(at + CHUNK, stop)]
            np.add(base, bound[base] <= keys, out=found)
            for step in range(1, gap):  # (at most a few comparisons)
                found += bound[base + step] <= keys

    split_rows(blocks, u.size, align=CHUNK)  # (each half its own keys)
    return out


def search_rows(cdfs: Sequence[np.ndarray], row: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``np.searchsorted(cdfs[r], u[i], side="right")`` for each key (of row ``r = row[i]``),
    numbered over all rows: plus the number of boundaries of the rows before ``r``.

    Parameters
    ----------
    cdfs : sequence of numpy.ndarray
        A few non-empty, non-decreasing float64 boundaries (one per row value).
    row : numpy.ndarray
        Integer, the boundaries of each key (``0 <= row < len(cdfs)``).
    u : numpy.ndarray
        Float64 keys in ``[0, 1]`` (one dimension, like ``row``).

    Returns
    -------
    numpy.ndarray
        Int32: numpy's index in the key's row, plus the sizes of the rows before it.

    Notes
    -----
    :func:`search_right` with one bucket table per row: the boundaries of all rows in one
    array, each row's followed by infinities (the comparisons never reach the next row's).
    """
    k = _buckets(max(c.size for c in cdfs))
    edges = np.arange(k + 1, dtype=np.float64) / k
    starts = [np.searchsorted(c, edges, side="right") for c in cdfs]
    gap = max(int(np.diff(s).max()) for s in starts)
    before = np.cumsum([0] + [c.size for c in cdfs])  # boundaries of the rows before each
    out = np.empty(u.shape, dtype=np.int32)
    if gap > _MAX_GAP:  # boundaries crowd into one bucket: a binary search per row
        for r, c in enumerate(cdfs):  # (a loop over the few rows)
            mine = row == r
            out[mine] = np.searchsorted(c, u[mine], side="right") + before[r]
        return out
    pad = gap + 1  # infinities after each row's boundaries: row r's start at before[r] + r * pad
    bound = np.concatenate([np.r_[c, np.full(pad, np.inf)] for c in cdfs])
    table = np.concatenate([s + before[r] + r * pad for r, s in enumerate(starts)])
    table = table.astype(np.int32)

    def blocks(first: int, stop: int) -> None:
        for lo in range(first, stop, CHUNK):  # (a loop over blocks of keys: they stay cached)
            hi = min(lo + CHUNK, stop)
            keys, rows = u[lo:hi], row[lo:hi]
            cell = (keys * k).astype(np.int32)
            cell += np.multiply(rows, k + 1, dtype=np.int32)  # (a row's table: k + 1 edges)
            base = table[cell]
            found = out[lo:hi]
            np.add(base, bound[base] <= keys, out=found)
            for step in range(1, gap):  # (at most a few comparisons)
                found += bound[base + step] <= keys
            found -= np.multiply(rows, pad, dtype=np.int32)

    split_rows(blocks, u.size, align=CHUNK)  # (each half its own keys)
    return out


def choice(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    """``rng.choice(p.size, size=size, p=p)`` as int32: the same draws and the same indices."""
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return search_right(cdf, rng.random(size))


def stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for non-negative integer keys (:func:`lex_order`)."""
    return lex_order((keys,))


def lex_order(keys: Sequence[np.ndarray]) -> np.ndarray:
    """``np.lexsort(keys)`` for non-negative integer (or bool) keys: the last key is the primary.

    When the keys' bits and the row index's fit in 63 bits, the keys are packed into one int64
    above the row index and the values sorted (unique values: the index bits are the stable
    order).  When only the keys fit, their packed values are argsorted and the rows of equal
    values put back in index order.  Otherwise, :func:`_radix_order`.
    """
    if not keys:
        return np.zeros(0, dtype=np.intp)
    n = keys[0].size
    bits = [int(key.max()).bit_length() if n else 0 for key in keys]
    index_bits = (n - 1).bit_length() if n else 0
    if sum(bits) + index_bits <= 63:
        packed = _packed(keys, bits, np.arange(n, dtype=np.int64), index_bits)
        packed.sort()
        packed &= (1 << index_bits) - 1
        return packed.astype(np.intp, copy=False)
    if sum(bits) <= 63:
        packed = _packed(keys, bits, np.zeros(n, dtype=np.int64), 0)
        order = np.argsort(packed, kind="quicksort")
        return _ties_by_index(order, packed[order])
    return _radix_order(keys)


def _packed(keys: Sequence[np.ndarray], bits: list[int], out: np.ndarray, shift: int) -> np.ndarray:
    """``keys`` (the first least significant) or'ed into int64 ``out`` from bit ``shift`` up."""
    for key, b in zip(keys, bits):  # (a loop over the keys)
        out |= key.astype(np.int64) << shift
        shift += b
    return out


def _ties_by_index(order: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """``order`` (of sorted values ``ordered``) with each run of equal values in index order."""
    tie = ordered[1:] == ordered[:-1]
    if not tie.any():
        return order
    member = np.zeros(order.size, dtype=bool)  # the rows of a run of equal values
    member[1:] = tie
    member[:-1] |= tie
    slots = np.flatnonzero(member)
    run = np.zeros(order.size, dtype=np.int64)
    np.cumsum(~tie, out=run[1:])
    rows = order[slots]
    order[slots] = rows[lex_order((rows, run[slots]))]  # (the runs keep their slots)
    return order


def _radix_order(keys: Sequence[np.ndarray]) -> np.ndarray:
    """:func:`lex_order` least significant digit first: a stable pass per 16-bit digit of each
    key (numpy sorts 16-bit keys by radix), instead of a merge sort per key."""
    order: np.ndarray | None = None
    for key in keys:  # (a loop over the keys and their digits: a few passes)
        top = int(key.max()) if key.size else 0
        digit = key if order is None else key[order]
        shift = 0
        while True:
            step = np.argsort((digit >> shift if shift else digit).astype(np.uint16), kind="stable")
            order = step if order is None else order[step]
            shift += 16
            if top >> shift == 0:
                break
            digit = digit[step]
    if order is None:
        return np.zeros(0, dtype=np.intp)
    return order


def numbered(prefix: str, number: np.ndarray, width: int) -> np.ndarray:
    """``f"{prefix}{x:0{width}d}"`` of each ``x`` of ``number``, as an object array of ``str``.

    Parameters
    ----------
    prefix : str
        Text before every number.
    number : numpy.ndarray
        Integers ``0 <= x < 10**width`` (one dimension).
    width : int
        Number of digits (zero-padded).

    Returns
    -------
    numpy.ndarray
        One Python ``str`` per number (object array).

    Notes
    -----
    Each number is split at ``10**(width // 2)``: each distinct high part (with the prefix)
    and low part is formatted once (about ``sqrt(10**width)`` of each), and each row is one
    concatenation of two ``str`` (numpy's object ``add``), the step that creates its ``str``.
    """
    low_digits = width // 2
    high, low = np.divmod(number.astype(np.int64), 10**low_digits)
    high_width = width - low_digits  # (at least one digit: a zero high part is written "0…")
    highs = objects(f"{prefix}{h:0{high_width}d}" for h in range(int(high.max(initial=0)) + 1))
    lows = objects(
        f"{x:0{low_digits}d}" if low_digits else "" for x in range(low.max(initial=0) + 1)
    )
    out: np.ndarray = np.add(highs[high], lows[low], dtype=object)
    return out


def objects(values: Iterable[Any]) -> np.ndarray:
    """A few values as a one-dimensional object array (a vocabulary to gather by code)."""
    words = list(values)
    out = np.empty(len(words), dtype=object)
    out[:] = words
    return out
