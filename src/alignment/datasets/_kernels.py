"""Array kernels of the synthetic CRM generator: numpy's values, found with less work.

Weighted draws: ``np.searchsorted`` of millions of uniform draws in a cumulative distribution
is a binary search per draw.  :func:`search_right` gives the very same indices from a bucket
table: the draw's bucket (an exact power-of-two scaling) tells where its answer starts, and one
or two comparisons finish it.  :func:`choice` is ``Generator.choice(p.size, size, p=p)`` on top
of it: the same draws from the generator, in the same order, and the same indices;
:func:`search_rows` searches each key in the boundaries of its own row (one table per row).

Orders of integer keys: :func:`alignment._segments.lex_order`.

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
    "numbered",
    "objects",
    "search_right",
    "search_rows",
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
