"""Plain-Python twins of the funnel kernels (one lead at a time, no numpy on the logic)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

US_PER_DAY = 86_400_000_000


def quantile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default method)."""
    if not values:
        return math.nan
    v = sorted(values)
    pos = q * (len(v) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (pos - lo) * (v[hi] - v[lo])


def observe_twin(
    leads: Sequence[Sequence[dt.datetime | None]],
    groups: Sequence[Any] | None = None,
    *,
    mode: str = "ordered",
    as_of: dt.datetime | None = None,
    out_of_order: str = "keep",
    lost: Sequence[dt.datetime | None] | None = None,
) -> dict[Any, dict[str, list[Any]]]:
    """Per group: counts, converted, out_of_order, durations (days) per transition, and the
    Kaplan–Meier records ``(time in days, event)`` per transition (``math.inf`` = lost)."""
    stamps = [t for row in leads for t in row if t is not None]
    end = as_of if as_of is not None else (max(stamps) if stamps else None)
    n_stages = len(leads[0]) if leads else 0
    result: dict[Any, dict[str, list[Any]]] = {}
    for i, times in enumerate(leads):
        g = None if groups is None else groups[i]
        times = [t if (t is not None and (as_of is None or t <= as_of)) else None for t in times]
        if times[0] is None:
            continue
        r = result.setdefault(
            g,
            {
                "counts": [0] * n_stages,
                "converted": [0] * (n_stages - 1),
                "out_of_order": [0] * (n_stages - 1),
                "durations": [[] for _ in range(n_stages - 1)],
                "km": [[] for _ in range(n_stages - 1)],
            },
        )
        r["counts"][0] += 1
        prev_in = True  # reached (ordered) / has timestamp (any) at the previous stage
        for k in range(1, n_stages):
            has = times[k] is not None
            backwards = has and prev_in and times[k] < times[k - 1]
            if backwards:
                r["out_of_order"][k - 1] += 1
                if out_of_order == "drop":
                    has = False
            both = has and prev_in
            if prev_in:  # at risk of converting k-1 -> k
                if both:
                    rec = max(0.0, days(times[k] - times[k - 1]))
                elif lost is not None and lost[i] is not None and lost[i] <= end:
                    rec = math.inf
                else:
                    rec = days(end - times[k - 1])
                r["km"][k - 1].append((rec, both))
            if both:
                r["converted"][k - 1] += 1
                if not backwards:
                    delta = times[k] - times[k - 1]
                    us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
                    r["durations"][k - 1].append(us / US_PER_DAY)
            reached = both if mode == "ordered" else has
            if reached:
                r["counts"][k] += 1
            prev_in = reached
    return result


def days(delta: dt.timedelta) -> float:
    us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return us / US_PER_DAY


def km_twin(records: Sequence[tuple[float, bool]], horizon_days: float) -> float:
    """1 − S(horizon) by the textbook product over distinct event times."""
    if not records:
        return math.nan
    surv = 1.0
    for t in sorted({t for t, e in records if e and t <= horizon_days}):
        at_risk = sum(1 for u, _ in records if u >= t)
        d = sum(1 for u, e in records if e and u == t)
        surv *= 1 - d / at_risk
    return 1 - surv


def wilson(x: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval, textbook form."""
    if n == 0:
        return 0.0, 1.0
    p = x / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, center - half) if x else 0.0, min(1.0, center + half) if x < n else 1.0
