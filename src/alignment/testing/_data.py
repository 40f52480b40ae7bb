"""Seeded test data of the conformance kit (re-exported by :mod:`alignment.testing`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._params import check_flag, is_integer, is_number
from ..errors import ParameterError

__all__ = ["make_journey_data", "make_lead_data"]

_CHANNELS = ("direct", "email", "organic", "paid_search", "social", "webinar")
_SOURCES = ("ads", "event", "organic", "partner", "referral")
_INDUSTRIES = ("finance", "health", "retail", "software")
_TITLES = ("analyst", "director", "engineer", "manager", "vp")
_COUNTRIES = ("de", "fr", "gb", "us")
_T0 = np.datetime64("2024-01-01T00:00:00", "us")
_HOUR = np.timedelta64(3_600_000_000, "us")
#: the hours a journey's touches are drawn from (distinct hours: at most this many touches)
_JOURNEY_HOURS = 24 * 45
#: the most journeys or leads a helper makes (test data: ``synthetic_crm`` makes volumes)
_MAX_ROWS = 10**6


def _whole(value: Any, name: str, low: int, high: int) -> int:
    """``value`` as an ``int`` from ``low`` to ``high`` (a bool, a float or text is refused)."""
    if not is_integer(value) or not low <= value <= high:
        raise ParameterError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return int(value)


def _seed(value: Any) -> int:
    """A seed: a non-negative integer (the same seed gives the same data)."""
    if not is_integer(value) or value < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {value!r}")
    return int(value)


def _probability(value: Any, name: str) -> float:
    """``value`` as a float from 0 to 1 (NaN refused)."""
    if not is_number(value) or not 0.0 <= float(value) <= 1.0:
        raise ParameterError(f"{name} must be a probability from 0 to 1, got {value!r}")
    return float(value)


# ----------------------------------------------------------------------------------------------
# test data


def make_journey_data(
    seed: int = 0,
    *,
    n_journeys: int = 30,
    max_touches: int = 6,
    p_convert: float = 0.6,
    single_touch: bool = False,
    after_conversion: bool = False,
    empty_converted: bool = False,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Seeded touchpoints and conversions as dicts of numpy arrays.

    Parameters
    ----------
    seed : int
        Seed of the generator, a non-negative integer.
    n_journeys : int
        Number of leads (journeys), from 0 to 1,000,000.
    max_touches : int
        Journeys have 1 to ``max_touches`` touches at distinct hours (from 1 to 1080, the
        hours of 45 days).
    p_convert : float
        Probability that a journey converts, from 0 to 1.
    single_touch : bool
        Every journey has exactly one touch.
    after_conversion : bool
        Converted journeys also get one or two touches after their conversion time.
    empty_converted : bool
        Add two converted journeys without any touch (they appear only in the conversions).

    Returns
    -------
    touchpoints : dict
        ``lead_id`` (str), ``timestamp`` (datetime64[us], UTC), ``channel`` (str).
    conversions : dict
        ``lead_id``, ``converted_at`` and ``revenue`` of the converted journeys.

    Raises
    ------
    ParameterError
        A parameter outside the range above, or a flag that is not ``True``/``False``.
    """
    rng = np.random.default_rng(_seed(seed))
    n_journeys = _whole(n_journeys, "n_journeys", 0, _MAX_ROWS)
    max_touches = _whole(max_touches, "max_touches", 1, _JOURNEY_HOURS)
    p_convert = _probability(p_convert, "p_convert")
    single_touch = check_flag(single_touch, "single_touch")
    after_conversion = check_flag(after_conversion, "after_conversion")
    empty_converted = check_flag(empty_converted, "empty_converted")
    t_leads: list[str] = []
    t_times: list[np.datetime64] = []
    t_channels: list[str] = []
    c_leads: list[str] = []
    c_times: list[np.datetime64] = []
    c_revenue: list[float] = []
    for i in range(n_journeys):  # test-data generation, not a hot path
        lead = f"L{i:04d}"
        n = 1 if single_touch else int(rng.integers(1, max_touches + 1))
        start = _T0 + int(rng.integers(0, 24 * 60)) * _HOUR
        hours = np.sort(rng.choice(_JOURNEY_HOURS, size=n, replace=False))
        converted = rng.random() < p_convert
        for h in hours:
            t_leads.append(lead)
            t_times.append(start + int(h) * _HOUR)
            t_channels.append(str(_CHANNELS[int(rng.integers(len(_CHANNELS)))]))
        if converted:
            at = start + int(hours[-1] + 1 + rng.integers(0, 72)) * _HOUR
            c_leads.append(lead)
            c_times.append(at)
            c_revenue.append(round(float(rng.uniform(100.0, 5000.0)), 2))
            if after_conversion:
                for k in range(int(rng.integers(1, 3))):
                    t_leads.append(lead)
                    t_times.append(at + (k + 1) * 5 * _HOUR)
                    t_channels.append(str(_CHANNELS[int(rng.integers(len(_CHANNELS)))]))
    if empty_converted:
        for j in range(2):
            c_leads.append(f"E{j:04d}")
            c_times.append(_T0 + (100 + j) * _HOUR)
            c_revenue.append(250.0 * (j + 1))
    touchpoints = {
        "lead_id": np.array(t_leads, dtype=object),
        "timestamp": np.array(t_times, dtype="datetime64[us]"),
        "channel": np.array(t_channels, dtype=object),
    }
    conversions = {
        "lead_id": np.array(c_leads, dtype=object),
        "converted_at": np.array(c_times, dtype="datetime64[us]"),
        "revenue": np.array(c_revenue, dtype=np.float64),
    }
    return touchpoints, conversions


def make_lead_data(
    seed: int = 0, *, n_leads: int = 40
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """Seeded leads, their touchpoints and a 0/1 outcome per lead.

    Parameters
    ----------
    seed : int
        Seed of the generator, a non-negative integer.
    n_leads : int
        Number of leads, from 0 to 1,000,000.

    Returns
    -------
    leads : dict
        ``lead_id``, ``created_at``, ``source``, ``industry``, ``title``, ``country``,
        ``company_size``.
    touchpoints : dict
        ``lead_id``, ``timestamp``, ``channel`` (0 to 5 touches per lead).
    y : ndarray of int64
        Outcome per lead (both classes present from two leads on: the first lead's is 0, the
        second's 1), in the leads' row order.

    Raises
    ------
    ParameterError
        A parameter outside the range above.
    """
    rng = np.random.default_rng(_seed(seed))
    n_leads = _whole(n_leads, "n_leads", 0, _MAX_ROWS)
    ids = np.array([f"L{i:04d}" for i in range(n_leads)], dtype=object)
    created = _T0 + rng.integers(0, 24 * 60, size=n_leads) * _HOUR

    def pick(values: Sequence[str]) -> np.ndarray:
        return np.array(values, dtype=object)[rng.integers(len(values), size=n_leads)]

    leads = {
        "lead_id": ids,
        "created_at": created.astype("datetime64[us]"),
        "source": pick(_SOURCES),
        "industry": pick(_INDUSTRIES),
        "title": pick(_TITLES),
        "country": pick(_COUNTRIES),
        "company_size": rng.integers(1, 5000, size=n_leads).astype(np.float64),
    }
    counts = rng.integers(0, 6, size=n_leads)
    t_lead = np.repeat(ids, counts)
    ends = np.cumsum(counts)
    position = np.arange(t_lead.size) - np.repeat(ends - counts, counts)  # 0, 1 ... per lead
    t_time = np.repeat(created, counts) + (position.astype(np.int64) * 7 + 1) * _HOUR
    touchpoints = {
        "lead_id": t_lead,
        "timestamp": t_time.astype("datetime64[us]"),
        "channel": np.array(_CHANNELS, dtype=object)[
            rng.integers(len(_CHANNELS), size=t_lead.size)
        ],
    }
    y = (rng.random(n_leads) < 0.4).astype(np.int64)
    y[:2] = np.array([0, 1])[: y.size]
    return leads, touchpoints, y
