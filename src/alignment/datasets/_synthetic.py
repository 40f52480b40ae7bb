"""The synthetic CRM generator.

Public names are re-exported by :mod:`alignment.datasets`.  The vocabulary lives in
``_vocabulary``, the generator's phases in ``_phases``.
"""

from __future__ import annotations

import os
from datetime import date
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from .._crm import CRMData
from .._parallel import submit
from .._params import is_integer
from .._time import parse_instant
from ..errors import ParameterError
from ._b2b import buying_groups
from ._phases import GROUPS_FROM, LOOKBACK_DAYS, PHASES, _held, _readonly
from ._vocabulary import _PERSONA_SPECS, CHANNELS, PERSONAS, TIME_DTYPE, _rejection_reasons

if TYPE_CHECKING:
    from ..models import Persona

__all__ = [
    "CHANNELS",
    "PERSONAS",
    "SyntheticCRM",
    "sla_example",
    "synthetic_crm",
]


#: the synthetic generator returns the one bundle type of the library
SyntheticCRM = CRMData

#: the most leads :func:`synthetic_crm` makes in one call (about 150 GB at its peak)
_MAX_LEADS = 10**8
#: peak memory per lead while the tables are built (about 1.2 KB measured, with a margin)
_BYTES_PER_LEAD = 1_500
#: the last day ``as_of`` may fall on: the years 1-9999 a ``datetime`` holds
_LAST_DAY = np.datetime64("9999-12-31", "D")
#: the first day ``start`` may fall on: touches before a lead's creation reach back
#: :data:`._phases.LOOKBACK_DAYS`, which must stay in year 1 or later (0002-01-01)
_FIRST_START = np.datetime64("0001-01-01", "D") + np.timedelta64(LOOKBACK_DAYS, "D")
#: the longest period: from the first ``start`` to the last day
_MAX_DAYS = int((_LAST_DAY - _FIRST_START).astype(np.int64))


def sla_example(n_leads: int = 10_000, days: int = 91) -> dict[str, Any]:
    """The example agreement between marketing and sales of the synthetic company, as a dict.

    Marketing commits to a number of qualified leads (leads matching one of the
    :data:`PERSONAS`) per calendar month, paced on a straight line; sales commits to a first
    touch within one business day of assignment, at least five attempts within ten days, and to
    accept or reject every lead within 48 hours with a reason code.

    Parameters
    ----------
    n_leads, days : int
        Size of the generated data set: the monthly commitment scales with the lead volume.

    Returns
    -------
    dict
        A document accepted by ``alignment.SLA.from_dict`` (what a team keeps in a TOML file).

    Raises
    ------
    ParameterError
        If ``n_leads`` is not a non-negative integer (a bool, a float, text or ``None``
        included) or is above ``10**8``, or ``days`` is not a positive integer or is longer
        than the years a ``datetime`` holds (3,651,693 days from 0002-01-01).
    """
    _check_counts(n_leads, days)
    if days > _MAX_DAYS:
        raise ParameterError(
            f"days must be at most {_MAX_DAYS} (from 0002-01-01 to 9999-12-31), got {days!r}"
        )
    per_month = max(1, int(round(0.18 * int(n_leads) * 30.4 / int(days), -1)))
    return {
        "name": "Marketing & sales SLA (synthetic company)",
        "marketing": {
            "qualified_leads": per_month,
            "period": "M",
            "quality": {"personas": list(_PERSONA_SPECS)},
        },
        "sales": {
            "first_touch": {"within": "1d", "business_time": True},
            "attempts": {"minimum": 5, "within": "10d"},
            "accept": {
                "within": "48h",
                "reason_codes": [*_rejection_reasons(), "duplicate", "other"],
            },
        },
        "calendar": {
            "hours": "09:00-17:00",
            "holidays": ["2024-01-01", "2024-03-29", "2024-04-01"],
            "tz": "UTC",
        },
    }


def _personas() -> list[Persona]:
    from ..models import Persona

    out = []
    for name, spec in _PERSONA_SPECS.items():
        lo, hi = spec["company_size"]
        out.append(
            Persona(
                name=name,
                description=spec["description"],
                industries=tuple(spec["industries"]),
                company_size_min=lo,
                company_size_max=hi,
                seniorities=tuple(spec["seniority"]),
                regions=tuple(spec["countries"]),
            )
        )
    return out


def _first_day(start: Any) -> np.datetime64:
    """The day (UTC) of ``start``, as :data:`TIME_DTYPE` (its midnight)."""
    if not isinstance(start, (str, date, np.datetime64)):  # (a number is no date: 20240101)
        raise ParameterError(
            f"start must be a date like '2024-01-01' (a string, a date, a datetime or a "
            f"numpy datetime64), got {type(start).__name__} {start!r}"
        )
    day: np.datetime64 = parse_instant(start, name="start").astype("datetime64[D]")
    return day.astype(TIME_DTYPE)


def _physical_memory() -> int | None:
    """The machine's physical memory in bytes (``None`` where the system does not tell)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _check_counts(n_leads: Any, days: Any) -> None:
    """Refuse ``n_leads`` that is no non-negative integer or above :data:`_MAX_LEADS`, and
    ``days`` that is no positive integer."""
    if not is_integer(n_leads) or n_leads < 0:
        raise ParameterError(f"n_leads must be a non-negative integer, got {n_leads!r}")
    if not is_integer(days) or days < 1:
        raise ParameterError(f"days must be a positive integer, got {days!r}")
    if n_leads > _MAX_LEADS:
        raise ParameterError(
            f"n_leads must be at most {_MAX_LEADS:_}, got {n_leads!r}; generate fewer leads"
        )


def _check_size(n_leads: int) -> None:
    """Refuse a data set that needs more memory than the machine has."""
    memory = _physical_memory()
    if memory is not None and n_leads * _BYTES_PER_LEAD > memory:
        raise ParameterError(
            f"n_leads={n_leads!r} needs about {n_leads * _BYTES_PER_LEAD / 2**30:.1f} GiB "
            f"while the tables are built, more than this machine's {memory / 2**30:.1f} GiB; "
            "generate fewer leads"
        )


def _check_period(days: int, t_start: np.datetime64) -> None:
    """Refuse a period whose instants leave the years 1-9999 a ``datetime`` holds: a ``start``
    whose earliest touches fall before year 1, or an ``as_of`` after 9999-12-31."""
    first = t_start.astype("datetime64[D]")
    if not _FIRST_START <= first < _LAST_DAY:
        raise ParameterError(
            f"start must be from {_FIRST_START} to {_LAST_DAY - 1}, got {first}: the touches "
            f"before a lead's creation reach up to {LOOKBACK_DAYS} days before start, and "
            f"as_of (start + days) must fall on or before {_LAST_DAY}, the years a datetime holds"
        )
    room = int((_LAST_DAY - first).astype(np.int64))
    if days > room:
        raise ParameterError(
            f"days must be at most {room} from start {first}, got {days!r}: as_of (start + "
            f"days) must fall on or before {_LAST_DAY}, the last day a datetime holds"
        )


def synthetic_crm(
    n_leads: int = 10_000,
    seed: int = 0,
    *,
    start: str | date | np.datetime64 = "2024-01-01",
    days: int = 91,
) -> CRMData:
    """Generate a synthetic CRM extract of one B2B company.

    Parameters
    ----------
    n_leads : int, default 10_000
        Number of leads (rows of ``leads``); touches are about 6 per lead. At most
        ``10**8``, and no more than the machine's memory holds (about 1.5 KB per
        lead while the tables are built).
    seed : int, default 0
        Random seed, a non-negative integer (Python or numpy, not a bool); the same seed
        always gives the same data.
    start : str, date, datetime or numpy.datetime64, default "2024-01-01"
        First day (UTC) of the period in which leads are created: an ISO date
        (``"2024-01-01"``) or an instant, of which the day is taken (a naive one is UTC, an
        aware one is converted to UTC first); from 0002-01-01 to 9999-12-30.  A lead's
        journey starts with the touches before its creation, so the earliest touches fall
        before ``start``, at most 365 days (a year) before it.
    days : int, default 91
        Length of the period in days; ``as_of`` (the extraction instant) is its end, on or
        before 9999-12-31 (the last day a ``datetime`` holds).

    Returns
    -------
    CRMData

    Raises
    ------
    ParameterError
        If ``n_leads`` or ``seed`` is not a non-negative integer (a bool, a float, text,
        ``None`` or a numpy ``Generator`` included), ``days`` is not a positive integer, or
        ``start`` is not a date (a number such as ``20240101`` included) or falls outside
        0002-01-01 to 9999-12-30; if ``n_leads`` is above ``10**8`` or needs more memory
        than the machine has, or ``as_of`` (``start`` + ``days``) falls after 9999-12-31.

    Notes
    -----
    Fully vectorised (no Python loop per lead): a few seconds per million leads (about
    seven million touches) on a small machine.
    """
    _check_counts(n_leads, days)
    if not is_integer(seed) or seed < 0:
        raise ParameterError(
            f"seed must be a non-negative integer, got {seed!r}; the same seed gives the same "
            "data (pass 0, 1, 2 ...)"
        )
    t_start = _first_day(start)
    _check_size(int(n_leads))
    _check_period(int(days), t_start)
    n = int(n_leads)
    rng = np.random.default_rng(seed)
    as_of = t_start + np.timedelta64(int(days), "D").astype("timedelta64[us]")
    g = SimpleNamespace(rng=rng, n=n, t_start=t_start, as_of=as_of, days=days, seed=seed)
    for phase in PHASES[:GROUPS_FROM]:  # a dozen phases, each vectorised over all leads
        phase(g)
    # the buying groups draw from a generator of their own (the other tables keep their
    # values) and read only what the phases so far made: on a helper thread, beside the rest
    groups = submit(buying_groups, g)
    for phase in PHASES[GROUPS_FROM:]:
        phase(g)
    groups.result()
    return CRMData(
        leads=_held(g.leads),
        touchpoints=_held(g.touchpoints),
        deals=_held(g.deals),
        deal_contacts=_held(g.deal_contacts),
        activities=_held(g.activities),
        costs=_held(g.costs),
        stage_events=_readonly(g.stage_events),
        source="synthetic",
        personas=_personas(),
        sla=sla_example(n, int(days)),
        start=t_start,
        as_of=as_of,
        seed=int(seed),
    )
