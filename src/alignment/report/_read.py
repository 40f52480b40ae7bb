"""How the report reads engine results: one adapter per figure it needs.

Each section formats what an engine returns; the reading is here so that the sections do not
depend on how a result object exposes a table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "allocation_of",
    "columns",
    "grid_conversion",
    "local_date",
    "local_midnights",
    "not_measured_of",
    "sla_reps",
    "sla_started",
    "summary_of",
]


def columns(result: Any, level: str | None = None) -> dict[str, np.ndarray]:
    """A result's table as numpy columns: ``result.to_frame(level, backend="dict")``.

    Without ``level`` the result's default table is read (the keyword is not passed, so result
    tables without levels read the same way).
    """
    frame = (
        result.to_frame(backend="dict")
        if level is None
        else result.to_frame(level=level, backend="dict")
    )
    return {k: np.asarray(v) for k, v in frame.items()}


def summary_of(result: Any) -> dict[str, Any]:
    """A result's headline figures as a plain dict.

    Reads ``summary()`` where it is a method (the result contract) and the ``summary`` mapping
    where it is still an attribute.
    """
    summary = result.summary
    if isinstance(summary, Mapping):  # a dict attribute, or the contract's callable dict
        return dict(summary)
    return dict(summary())


def not_measured_of(result: Any) -> dict[str, str]:
    """Per column of a result's tables, why its missing cells have no value (shown ``n/a``).

    Reads the result's ``not_measured`` mapping; a result without one has none.
    """
    return dict(getattr(result, "not_measured", None) or {})


def allocation_of(closed_loop: Any) -> str:
    """How a closed-loop report placed its costs, in its own words (``allocation_text``)."""
    return str(getattr(closed_loop, "allocation_text", "") or "")


def sla_reps(sla: Any) -> dict[str, np.ndarray]:
    """Compliance per sales rep over the leads in scope (the columns of ``alignment.sla.RepCompliance``), as the SLA
    report computes it: ``sla.to_frame(level="reps", backend="dict")``.

    Sorted by ``first_touch_compliance``, highest first, reps without a decided lead last.
    """
    return columns(sla, "reps")


def local_midnights(sla: Any, dates: np.ndarray) -> np.ndarray:
    """The UTC instants (``datetime64[us]``) at which local calendar dates of an SLA report's
    tables begin: their midnight in the report's calendar zone (``sla.calendar.from_local``;
    UTC midnight for a report without a calendar).  NaT stays NaT."""
    days = np.asarray(dates).astype("datetime64[D]")
    calendar = getattr(sla, "calendar", None)
    if calendar is None:
        return days.astype("datetime64[us]")
    return np.asarray(calendar.from_local(days))


def local_date(sla: Any, instant: np.datetime64) -> np.datetime64:
    """The local calendar date of a UTC instant in an SLA report's calendar zone (its UTC
    date for a report without a calendar)."""
    t = np.array([instant], dtype="datetime64[us]")
    calendar = getattr(sla, "calendar", None)
    days = np.asarray(t if calendar is None else calendar.local_dates(t), dtype="datetime64[D]")
    day: np.datetime64 = days[0]
    return day


def sla_started(sla: Any, table: Mapping[str, Any], column: str) -> dict[str, np.ndarray]:
    """The rows of an SLA report's ``table`` whose local date ``column`` (``period_start``,
    ``date``) had begun at the report's ``as_of``: local midnight before ``as_of``, or at it
    with a lead counted in the row (a delivery at ``as_of`` is counted, ``as_of`` included; a
    period with no time elapsed and nothing in it is not shown as 0% delivered)."""
    as_of = np.datetime64(summary_of(sla)["as_of"], "us")
    starts = local_midnights(sla, table[column])
    counted = [np.asarray(table[c], dtype=np.float64) > 0 for c in _COUNTED if c in table]
    at_as_of = (starts == as_of) & np.logical_or.reduce(counted) if counted else False
    keep = (starts < as_of) | at_as_of
    return {k: np.asarray(v)[keep] for k, v in table.items()}


#: the columns of an SLA report's periods and daily tables that count leads
_COUNTED = ("delivered", "leads_assigned")


# ----------------------------------------------------------------------------- grid conversion


def grid_conversion(scores: Any, converted: Any, by: str) -> dict[str, np.ndarray]:
    """Conversion of the scored leads per grid ``cell`` or per ``action``.

    By cell: ``cell``, ``action`` (when the scores have actions), ``leads``, ``won``,
    ``conversion``, sorted by cell.  By action: ``action``, ``leads``, ``share``, ``won``,
    ``conversion``, highest conversion first.  Reads ``scores.conversion(converted, by=by)``.
    """
    table = scores.conversion(converted, by=by)
    return {k: np.asarray(v) for k, v in dict(table).items()}
