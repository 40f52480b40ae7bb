"""The synthetic CRM generator.

Public names are re-exported by :mod:`alignment.datasets`.  The vocabulary lives in
``_vocabulary``, the generator's phases in ``_phases``.
"""

from __future__ import annotations

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
from ._phases import GROUPS_FROM, PHASES, _held, _readonly
from ._vocabulary import CHANNELS, PERSONAS, TIME_DTYPE, _rejection_reasons

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
    """
    per_month = max(1, int(round(0.18 * n_leads * 30.4 / max(days, 1), -1)) or 1)
    return {
        "name": "Marketing & sales SLA (synthetic company)",
        "marketing": {
            "qualified_leads": per_month,
            "period": "M",
            "quality": {"personas": list(PERSONAS)},
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
    for name, spec in PERSONAS.items():
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
        Number of leads (rows of ``leads``); touches are about 6 per lead.
    seed : int, default 0
        Random seed, a non-negative integer (Python or numpy, not a bool); the same seed
        always gives the same data.
    start : str, date, datetime or numpy.datetime64, default "2024-01-01"
        First day (UTC) of the period in which leads are created: an ISO date
        (``"2024-01-01"``) or an instant, of which the day is taken (a naive one is UTC, an
        aware one is converted to UTC first).
    days : int, default 91
        Length of the period in days; ``as_of`` (the extraction instant) is its end.

    Returns
    -------
    CRMData

    Raises
    ------
    ParameterError
        If ``n_leads`` or ``seed`` is not a non-negative integer (a bool, a float, text,
        ``None`` or a numpy ``Generator`` included), ``days`` is not a positive integer, or
        ``start`` is not a date (a number such as ``20240101`` included).

    Notes
    -----
    Fully vectorised (no Python loop per lead): a few seconds per million leads (about
    seven million touches) on a small machine.
    """
    if not is_integer(n_leads) or n_leads < 0:
        raise ParameterError(f"n_leads must be a non-negative integer, got {n_leads!r}")
    if not is_integer(days) or days < 1:
        raise ParameterError(f"days must be a positive integer, got {days!r}")
    if not is_integer(seed) or seed < 0:
        raise ParameterError(
            f"seed must be a non-negative integer, got {seed!r}; the same seed gives the same "
            "data (pass 0, 1, 2 ...)"
        )
    t_start = _first_day(start)
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
