"""Weighted draws for the synthetic CRM generator: the values of ``numpy``'s, found faster.

``np.searchsorted`` of millions of uniform draws in a cumulative distribution is a binary
search per draw.  :func:`search_right` gives the very same indices from a bucket table: the
draw's bucket (an exact power-of-two scaling) tells where its answer starts, and one or two
comparisons finish it.  :func:`choice` is ``Generator.choice(p.size, size, p=p)`` on top of it:
the same draws from the generator, in the same order, and the same indices.
"""

from __future__ import annotations

import numpy as np

__all__ = ["choice", "search_right"]


def _buckets(m: int) -> int:
    """Number of buckets for ``m`` boundaries: a power of two, at least ``m``."""
    return 1 << max(8, (max(m, 1) - 1).bit_length())


def search_right(cdf: np.ndarray, u: np.ndarray, top: float = 1.0) -> np.ndarray:
    """``np.searchsorted(cdf, u, side="right")`` for a sorted ``cdf`` and ``0 <= u < top``.

    Parameters
    ----------
    cdf : numpy.ndarray
        Non-decreasing float64 boundaries.
    u : numpy.ndarray
        Float64 keys in ``[0, top)``.
    top : float, default 1.0
        A power of two above every key (the bucket arithmetic is then exact).

    Returns
    -------
    numpy.ndarray
        The number of boundaries ``<= u`` for each key (``intp``), equal to numpy's.
    """
    k = _buckets(cdf.size)
    # start[b]: boundaries <= the bucket's left edge; an answer in bucket b lies in
    # start[b] .. start[b + 1], so at most ``gap`` comparisons finish it
    start = np.searchsorted(cdf, np.arange(k + 1, dtype=np.float64) * (top / k), side="right")
    gap = int(np.diff(start).max())
    bound = np.concatenate((cdf, np.full(gap + 1, np.inf)))
    base = start[(u * (k / top)).astype(np.intp)]
    out = base.copy()
    for step in range(gap):  # (a loop over at most a few comparisons, not over keys)
        out += bound[base + step] <= u
    return out


def choice(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    """``rng.choice(p.size, size=size, p=p)``: the same draws and the same int64 indices."""
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return search_right(cdf, rng.random(size)).astype(np.int64, copy=False)
