"""Shared statistical kernels (private): one implementation, used by every engine.

* :func:`binomial_interval` — Wilson / Jeffreys interval of binomial proportions; behind
  :func:`alignment.scoring.metrics.binomial_interval` and the funnel's conversion intervals.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["binomial_interval"]


def binomial_interval(
    successes: Any, trials: Any, level: float, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided interval of ``successes / trials``, element-wise; NaN where ``trials <= 0``.

    ``"wilson"``: ``(p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n)`` with
    ``z = Φ⁻¹(1 − α/2)``, clipped to [0, 1].  ``"jeffreys"``: quantiles ``α/2`` and
    ``1 − α/2`` of ``Beta(k + ½, n − k + ½)``, lower bound 0 when ``k = 0`` and upper bound 1
    when ``k = n``.  ``successes`` are clipped to ``[0, trials]``.  The caller validates
    ``level`` (in (0, 1)) and ``method`` (``"wilson"`` or ``"jeffreys"``; anything else is
    Jeffreys).
    """
    from scipy import stats

    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    alpha = 1.0 - level
    empty = n <= 0
    n_safe = np.where(empty, 1.0, n)
    k = np.where(empty, 0.0, np.clip(k, 0.0, n_safe))
    if method == "wilson":
        z = float(stats.norm.ppf(1.0 - alpha / 2.0))
        p = k / n_safe
        denom = 1.0 + z * z / n_safe
        centre = (p + z * z / (2.0 * n_safe)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n_safe + z * z / (4.0 * n_safe * n_safe)) / denom
        lo = np.clip(centre - half, 0.0, 1.0)
        hi = np.clip(centre + half, 0.0, 1.0)
    else:
        a = k + 0.5
        b = np.maximum(n_safe - k, 0.0) + 0.5
        lo = np.where(k <= 0, 0.0, stats.beta.ppf(alpha / 2.0, a, b))
        hi = np.where(k >= n_safe, 1.0, stats.beta.ppf(1.0 - alpha / 2.0, a, b))
    lo = np.where(empty, np.nan, lo)
    hi = np.where(empty, np.nan, hi)
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
