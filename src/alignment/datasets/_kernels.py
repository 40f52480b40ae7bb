"""Array kernels of the synthetic CRM generator: numpy's values, found with less work.

Weighted draws: 
``np.searchsorted`` of millions of uniform draws in a cumulative distribution is a binary
search per draw.  :func:`search_right` gives the very same indices from a bucket table: the
draw's bucket (an exact power-of-two scaling) tells where its answer starts, and one or two
comparisons finish it.  :func:`choice` is ``Generator.choice(p.size, size, p=p)`` on top of it:
the same draws from the generator, in the same order, and the same indices.
"""

from __future__ import annotations

import numpy as np

__all__ = ["choice", "search_right", "stable_order"]


def _buckets(m: int) -> int:
    """Number of buckets for ``m`` boundaries: a power of two, at least ``m``."""
    return 1 << max(8, (max(m, 1) - 1).bit_length())


def search_right(cdf: np.ndarray, u: np.ndarray, top: float = 1.0) -> np.ndarray:
    """``np.searchsorted(cdf, u, side="right")`` as int32, for a sorted ``cdf`` and ``0 <= u <= top``.

    Parameters
    ----------
    cdf : numpy.ndarray
        Non-decreasing float64 boundaries (fewer than 2**31).
    u : numpy.ndarray
        Float64 keys in ``[0, top]``.
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
    bound = np.concatenate((cdf, np.full(gap + 1, np.inf)))
    base = start[(u * (k / top)).astype(np.int32)]
    if gap == 1:
        return base + (bound[base] <= u)
    out = base.copy()
    for step in range(gap):  # (a loop over at most a few comparisons, not over keys)
        out += bound[base + step] <= u
    return out


def choice(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    """``rng.choice(p.size, size=size, p=p)`` as int32: the same draws and the same indices."""
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return search_right(cdf, rng.random(size))


def stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for non-negative integer keys.

    Below 2**32, two stable passes on 16-bit digits (numpy sorts those by radix) instead of
    a merge sort.
    """
    top = int(keys.max()) if keys.size else 0
    if top < 1 << 16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    if top >= 1 << 32:
        return np.argsort(keys, kind="stable")
    keys = keys.astype(np.uint32)
    order = np.argsort(keys.astype(np.uint16), kind="stable")  # the low digit (wraps)
    high = (keys[order] >> 16).astype(np.uint16)
    return order[np.argsort(high, kind="stable")]
