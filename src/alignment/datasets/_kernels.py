"""Array kernels of the synthetic CRM generator: numpy's values, found with less work.

Weighted draws: ``np.searchsorted`` of millions of uniform draws in a cumulative distribution
is a binary search per draw.  :func:`search_right` gives the very same indices from a bucket
table: the draw's bucket (an exact power-of-two scaling) tells where its answer starts, and one
or two comparisons finish it.  :func:`choice` is ``Generator.choice(p.size, size, p=p)`` on top
of it: the same draws from the generator, in the same order, and the same indices.

Orders: :func:`lex_order` (and :func:`stable_order`, its one-key case) sorts integer keys by
16-bit radix passes.

Text: :func:`texts` joins byte columns row by row and makes the Python ``str`` of every row in
one ``str.split`` (no ``str`` concatenation per row and piece); :func:`digits` writes numbers as
ASCII digit columns.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "CHUNK",
    "as_bytes",
    "choice",
    "digits",
    "lex_order",
    "search_right",
    "stable_order",
    "texts",
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
    for at in range(0, u.size, CHUNK):  # (a loop over blocks of keys: temporaries stay cached)
        keys = u[at : at + CHUNK]
        base = start[(keys * (k / top)).astype(np.int32)]
        found = out[at : at + CHUNK]
        np.add(base, bound[base] <= keys, out=found)
        for step in range(1, gap):  # (at most a few comparisons)
            found += bound[base + step] <= keys
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

    Least significant digit first: one stable pass per 16-bit digit of each key (numpy sorts
    16-bit keys by radix), instead of a merge sort per key.
    """
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


def as_bytes(words: Iterable[str]) -> np.ndarray:
    """A few words as a fixed-width bytes array (UTF-8, NUL-padded), to gather by code."""
    return np.array([w.encode() for w in words], dtype=np.bytes_)


def digits(number: np.ndarray, width: int, *, zeros: bool = True) -> np.ndarray:
    """The decimal digits of non-negative ``number`` as an (n, width) matrix of ASCII bytes.

    Right-aligned; the positions before the first digit hold ``"0"`` (``zeros``) or NUL (a
    byte :func:`texts` drops).  ``number`` must be below ``10**width``.
    """
    out = np.empty((number.size, width), dtype=np.uint8)
    rest = number.astype(np.int64)
    for col in range(width - 1, -1, -1):  # (a loop over the digit positions)
        rest, digit = np.divmod(rest, 10)
        out[:, col] = digit + ord("0")
    if not zeros:
        # the number of digits of each number (at least one: "0")
        length = np.ones(number.size, dtype=np.int64)
        for k in range(1, width):
            length += number >= 10**k
        out[np.arange(width) < (width - length)[:, None]] = 0
    return out


def texts(columns: Sequence[np.ndarray]) -> np.ndarray:
    """Row-wise concatenation of byte columns, as an object array of ``str``.

    Parameters
    ----------
    columns : sequence of numpy.ndarray
        Each an ``(n,)`` fixed-width bytes array (``S``) or an ``(n, w)`` uint8 matrix of
        UTF-8 bytes; NUL bytes (padding) are dropped, and no byte may be a newline.

    Returns
    -------
    numpy.ndarray
        ``n`` Python ``str``, row ``i`` the decoded concatenation of row ``i`` of each column.
    """
    n = columns[0].shape[0]
    mats = [c.view(np.uint8).reshape(n, c.itemsize * int(np.prod(c.shape[1:]))) for c in columns]
    buf = np.empty((min(n, CHUNK), sum(m.shape[1] for m in mats) + 1), dtype=np.uint8)
    buf[:, -1] = ord("\n")  # each row ends with a newline: one split makes every str
    out = np.empty(n, dtype=object)
    for lo in range(0, n, CHUNK):  # (a loop over blocks of rows: the buffer stays cached)
        block = buf[: min(n - lo, CHUNK)]
        at = 0
        for m in mats:  # (a loop over the columns)
            block[:, at : at + m.shape[1]] = m[lo : lo + CHUNK]
            at += m.shape[1]
        flat = block.ravel()
        out[lo : lo + CHUNK] = codecs.utf_8_decode(flat[flat != 0])[0].split("\n")[:-1]
    return out
