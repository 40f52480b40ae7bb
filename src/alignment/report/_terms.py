"""The service-level agreement in words: what each team promised, read from the SLA report.

:func:`agreement_terms` writes the terms of the agreement a :class:`alignment.sla.SLAReport`
was evaluated against (``report.sla`` and ``report.calendar``), so the report states every
target next to its result.  A report without its agreement (a stand-in object) has no terms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._format import human, stage_label

__all__ = ["Terms", "agreement_terms"]

_UNITS = {"w": "week", "d": "day", "h": "hour", "m": "minute", "s": "second"}
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])", re.IGNORECASE)
_PERIODS = {"M": "month", "W": "week", "custom": "period"}
_PERIOD_WORDS = {"W": "week (Monday to Sunday)", "custom": "agreed period"}
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Terms:
    """The agreement's terms, one sentence per commitment (``""`` when it has none)."""

    name: str = ""
    marketing: str = ""
    #: the marketing period's name ("month", "week", "period"), "" without a commitment
    period: str = ""
    first_touch: str = ""
    attempts: str = ""
    accept: str = ""
    calendar: str = ""
    #: the first-touch window in business hours, when it is measured in business time
    first_touch_hours: float | None = None


def agreement_terms(sla: Any) -> Terms:
    """The terms of the agreement behind an SLA report (empty when the report has none)."""
    agreement = getattr(sla, "sla", None)
    if agreement is None:
        return Terms()
    calendar = getattr(sla, "calendar", None)
    sales = getattr(agreement, "sales", None)
    ft = getattr(sales, "first_touch", None)
    at = getattr(sales, "attempts", None)
    ac = getattr(sales, "accept", None)
    mk = getattr(agreement, "marketing", None)
    window = None
    if ft is not None and ft.business_time and calendar is not None:
        us = calendar.business_duration(ft.within).astype("timedelta64[us]").astype(np.int64)
        window = float(us) / 3.6e9
    return Terms(
        name=str(getattr(agreement, "name", "") or ""),
        marketing=_marketing(mk) if mk is not None else "",
        period=_PERIODS.get(str(mk.period), str(mk.period)) if mk is not None else "",
        first_touch=(
            f"first touch within {_duration(ft.within, ft.business_time, calendar)} of "
            f"assignment{_kinds(ft.kinds)}"
            if ft is not None
            else ""
        ),
        attempts=_attempts(at, calendar) if at is not None else "",
        accept=(
            f"accept, or reject with a listed reason, within "
            f"{_duration(ac.within, ac.business_time, calendar)} of assignment (a lead still "
            "undecided then is accepted)"
            if ac is not None
            else ""
        ),
        calendar=_calendar(calendar) if calendar is not None else "",
        first_touch_hours=window,
    )


def _marketing(mk: Any) -> str:
    gate = _quality(getattr(mk, "quality", None))
    split = f", split by {human(mk.split_by).lower()}" if mk.split_by else ""
    return (
        f"{int(mk.qualified_leads):,} qualified leads per "
        f"{_PERIOD_WORDS.get(str(mk.period), _PERIODS.get(str(mk.period), 'period'))}"
        f"{split}{gate}, delivered when a lead reaches {stage_label(mk.delivered_at)}; the pace "
        "line runs straight from 0 at the period's start to the commitment at its end"
    )


def _quality(gate: Any) -> str:
    """The quality gate in words: "(qualified: persona A or B; grid cell B2 or better)"."""
    if gate is None:
        return ""
    parts = []
    if getattr(gate, "personas", None):
        parts.append("persona " + _either([human(p).lower() for p in gate.personas]))
    if getattr(gate, "sources", None):
        parts.append("source " + _either([human(s).lower() for s in gate.sources]))
    if getattr(gate, "min_grid_cell", None):
        parts.append(f"grid cell {gate.min_grid_cell} or better")
    if getattr(gate, "min_score", None) is not None:
        parts.append(f"score ≥ {gate.min_score:g}")
    return f" (qualified: {'; '.join(parts)})" if parts else ""


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _kinds(kinds: Any) -> str:
    return f" (counting {', '.join(human(k).lower() for k in kinds)})" if kinds else ""


def _attempts(at: Any, calendar: Any) -> str:
    if at.per_kind:
        what = " and ".join(f"{n} {human(k).lower()} attempts" for k, n in at.per_kind.items())
    else:
        what = f"{at.required} attempts"
    return (
        f"at least {what} within {_duration(at.within, at.business_time, calendar)} of "
        f"assignment{_kinds(at.kinds)}"
    )


def _duration(within: Any, business: bool, calendar: Any) -> str:
    """``"1d"`` → "1 business day (8 business hours)" / "1 day"; ``"48h"`` → "48 hours"."""
    text = str(within)
    parts = _DURATION_RE.findall(text)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != text.replace(" ", ""):
        return text
    adjective = "business " if business else ""
    words = []
    for number, unit in parts:  # loop over the duration's parts ("1d12h": two)
        name = _UNITS[unit.lower()]
        words.append(f"{number} {adjective}{name}{'' if float(number) == 1 else 's'}")
    out = " ".join(words)
    if business and calendar is not None and any(u.lower() in "wd" for _, u in parts):
        us = int(calendar.business_duration(text).astype("timedelta64[us]").astype(np.int64))
        out += f" (= {us / 3.6e9:g} business hours)"
    return out


def _calendar(calendar: Any) -> str:
    """Working hours by weekday, time zone and holidays: "Mon–Fri 09:00–17:00 UTC"."""
    hours: Mapping[str, Any] = getattr(calendar, "hours", {}) or {}
    spans: list[tuple[list[str], str]] = []
    for day in _DAYS:  # loop over weekdays
        ivs = hours.get(day)
        if not ivs:
            continue
        text = ", ".join(
            "–".join(t[:5] for t in str(iv).split("-")) for iv in ivs
        )  # "09:00:00-17:00:00" → "09:00–17:00"
        if spans and spans[-1][1] == text and _DAYS.index(spans[-1][0][-1]) == _DAYS.index(day) - 1:
            spans[-1][0].append(day)
        else:
            spans.append(([day], text))
    days = "; ".join(
        (f"{d[0].title()}–{d[-1].title()}" if len(d) > 1 else d[0].title()) + f" {t}"
        for d, t in spans
    )
    n_holidays = int(np.asarray(getattr(calendar, "holidays", [])).size)
    holidays = f", {n_holidays} holiday{'s' if n_holidays != 1 else ''} off" if n_holidays else ""
    return f"business hours {days} {getattr(calendar, 'tz', 'UTC')}{holidays}"
