"""Typed result objects of the SLA engine: per-lead status, periods, daily series, breaches."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from .._frame_types import level_frames
from .._params import is_option
from .._results import CallableDict, ReportTable, Result
from ._reps import RepCompliance, rep_compliance

if TYPE_CHECKING:
    from ._calendar import BusinessCalendar
    from ._model import SLA
    from ._speed import SpeedToLead

__all__ = [
    "BreachList",
    "DailySeries",
    "LeadStatus",
    "PeriodSummary",
    "RepCompliance",
    "ReportTable",
    "SLAReport",
    "UnknownActivities",
]


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, np.datetime64):
        return "" if np.isnat(v) else str(v).replace("T", " ")[:19]
    if isinstance(v, np.timedelta64):
        if np.isnat(v):
            return ""
        s = int(v.astype("timedelta64[s]").astype(np.int64))
        sign = "-" if s < 0 else ""
        s = abs(s)
        return f"{sign}{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    if isinstance(v, float | np.floating):
        return "—" if np.isnan(v) else f"{v:.4g}"
    return str(v)


class LeadStatus(ReportTable):
    """Per lead (caller's row order): clocks, touches, attempts, decision, status per commitment."""

    title = "SLA status per lead"


class PeriodSummary(ReportTable):
    """Per period (and split key): marketing delivered vs committed and pace; sales compliance."""

    title = "SLA per period"


#: why a day or a lead has no period (custom periods end where the last one ends)
OUTSIDE_PERIODS = (
    "outside every custom period (period_starts): no period, so no commitment, pace or "
    "delivered-to-date"
)


class DailySeries(ReportTable):
    """Day-by-day tracking series (local dates of the business calendar)."""

    title = "SLA daily tracking"


class BreachList(ReportTable):
    """One row per (lead, breached commitment): the "don't be on this list" view.

    Calling it filters by commitment: ``report.breaches("first_touch")``; ``report.breaches()``
    is the table itself (the form from when ``breaches`` was a method).
    """

    title = "SLA breaches"

    def __call__(self, commitment: str | None = None) -> BreachList:
        """The breaches of one commitment (``"first_touch"``, ``"attempts"``, ``"accept"``)."""
        if commitment is None:
            return self
        if not is_option(commitment, ("first_touch", "attempts", "accept")):
            from ..errors import ParameterError

            raise ParameterError(
                f"breaches(commitment=): unknown commitment {commitment!r}; "
                "use 'first_touch', 'attempts' or 'accept'"
            )
        keep = self["commitment"] == commitment
        return BreachList({k: v[keep] for k, v in self.items()}, backend=self._backend)


class UnknownActivities(ReportTable):
    """Activities whose lead is not in the lead table (kept with ``unknown_leads="ignore"``)."""

    title = "activities for unknown leads"


class SLAReport(Result):
    """The result of :func:`alignment.sla.evaluate`.

    Follows the result contract (``docs/results.md``): ``to_frame(level=None, backend=None)``
    with the levels ``"leads"`` (default), ``"periods"``, ``"daily"``, ``"breaches"``,
    ``"reps"``, ``"unknown_activities"``; ``summary()``; ``plot(ax=None, ...)``.

    Attributes
    ----------
    leads : LeadStatus
        Per-lead clocks and statuses.
    periods : PeriodSummary
        Per period and split key.
    daily : DailySeries
        Day-by-day tracking.
    breaches : BreachList
        Breached commitments, one row per (lead, commitment), in lead order;
        ``breaches("first_touch")`` keeps one commitment.
    reps : RepCompliance
        Per sales rep (lead owner): first-touch and attempts compliance, median response.
    unknown_activities : UnknownActivities
        Activities for leads not in the lead table (empty unless ``unknown_leads="ignore"``).
    summary : callable dict
        ``summary()``: counts that account for every lead and every activity (see
        ``docs/sla.md``); ``summary["x"]`` also works.
    sla : SLA
        The agreement evaluated.
    calendar : BusinessCalendar
        The calendar used.
    as_of : numpy.datetime64
        The evaluation instant (UTC).

    Notes
    -----
    :meth:`plot` draws the delivered-vs-committed pace or the response-time histogram
    (the ``plot`` extra) and returns ``(fig, ax)``.
    """

    def __init__(
        self,
        *,
        leads: LeadStatus,
        periods: PeriodSummary,
        daily: DailySeries,
        breaches: BreachList,
        unknown_activities: UnknownActivities,
        summary: dict[str, Any],
        sla: SLA,
        calendar: BusinessCalendar,
        as_of: np.datetime64,
    ) -> None:
        self.leads = leads
        self.periods = periods
        self.daily = daily
        self.breaches = breaches
        self.unknown_activities = unknown_activities
        self.summary = CallableDict(summary)
        self.sla = sla
        self.calendar = calendar
        self.as_of = as_of
        #: what :attr:`speed` is computed from: the lead table and the activity log read by
        #: the evaluation (the library's own tables: later edits of the caller's data change
        #: nothing), unknown_leads and the reading options of the evaluation
        self._speed_inputs: tuple[Any, Any, str, Any] | None = None

    levels = ("leads", "periods", "daily", "breaches", "reps", "unknown_activities")

    @property
    def reps(self) -> RepCompliance:
        """Compliance per sales rep of the in-scope leads (see :class:`RepCompliance`)."""
        cached = self.__dict__.get("_reps")
        if cached is None:
            cached = rep_compliance(self.leads, backend=self.leads._backend)
            self.__dict__["_reps"] = cached
        out: RepCompliance = cached
        return out

    @property
    def speed(self) -> SpeedToLead | None:
        """Speed to lead of the evaluated leads, as known at :attr:`as_of`, on :attr:`calendar`.

        :func:`alignment.sla.speed_to_lead` of the leads and activities evaluated, from the
        agreement's assignment column (``assigned_at``, else ``mql_at``, as the clocks; a
        reassignment does not restart it); activities without a ``kind`` column are all
        attempts, without an ``outcome`` column connects are not measured.  ``None`` for a
        report not built by :func:`alignment.sla.evaluate` from in-memory data.
        """
        if self._speed_inputs is None:
            return None
        cached = self.__dict__.get("_speed")
        if cached is None:
            cached = self._speed_to_lead(*self._speed_inputs)
            self.__dict__["_speed"] = cached
        out: SpeedToLead = cached
        return out

    def _speed_to_lead(self, lt: Any, log: Any, unknown: str, options: Any) -> SpeedToLead:
        from dataclasses import asdict

        from .._options import reading
        from ._speed import ATTEMPT_KINDS, CONNECT_OUTCOMES, speed_to_lead

        assigned = self.sla.assigned_at if self.sla.assigned_at in lt.stages else "mql_at"
        with reading(**asdict(options)):  # (the options of the evaluation)
            return speed_to_lead(
                lt,
                log,
                calendar=self.calendar,
                assigned=assigned,
                as_of=self.as_of,
                attempt_kinds=None if log.kind is None else ATTEMPT_KINDS,
                connect_outcomes=None if log.outcome is None else CONNECT_OUTCOMES,
                unknown_leads="ignore" if unknown == "ignore" else "raise",
            )

    @level_frames
    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
        """One of the report's tables (see :attr:`levels`) in ``backend``."""
        return self._table_frame(level, backend)

    @property
    def not_measured(self) -> dict[str, str]:
        """Per column of the period, daily and rep tables, why its NaN (NaT) cells have no value.

        A compliance is met ÷ decided: NaN where no lead was decided (met or breached), or for
        every row when the commitment is not measured at all (``accept`` without any decision
        column: ``summary()["accept_not_measured"]``).
        """
        out: dict[str, str] = {}
        for name in ("first_touch", "attempts", "accept"):  # loop over commitments
            why = self.summary.get(f"{name}_not_measured")
            out[f"{name}_compliance"] = str(why) if why else "no lead decided (met or breached)"
        out["delivered_vs_committed"] = "nothing committed"
        out["delivered_vs_pace"] = out["on_pace"] = (
            "no pace yet (nothing committed, or the period has not started)"
        )
        out["response_median"] = out["response_p90"] = "no lead touched"
        out["response_median_hours"] = "no lead touched"
        for column in ("delivered_to_date", "committed", "pace_to_date"):  # daily, custom periods
            out[column] = f"the day is {OUTSIDE_PERIODS}"
        return out

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"SLAReport(as_of={self.as_of}, leads={s['n_leads']}, in_scope={s['in_scope']}, "
            f"breaches={self.breaches.n_rows})"
        )

    def _repr_html_(self) -> str:
        items = "".join(
            f"<li>{html.escape(str(k))}: {html.escape(str(v))}</li>"
            for k, v in self.summary.items()
            if not isinstance(v, np.ndarray | list)
        )
        from .._display import preview

        periods = preview(
            f"{self.periods.title} ({self.periods.n_rows:,} rows)",
            dict(self.periods),
            na=self.not_measured,
        )
        return (
            f"<div><h4>SLA report {html.escape(self.sla.name)} as of "
            f"{html.escape(_cell(self.as_of))} UTC</h4><ul>{items}</ul>"
            f"{periods}{self.breaches._repr_html_()}</div>"
        )

    def plot(self, ax: Any = None, *, kind: str = "pace") -> tuple[Any, Any]:
        """Draw the SLA tracking (needs the ``plot`` extra: matplotlib).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw on it; default a new figure.
        kind : {"pace", "response"}
            ``"pace"``: qualified leads delivered to date vs the committed pace, day by day
            (:attr:`daily`).  ``"response"``: histogram of first-touch response times of the
            touched leads (business hours when the commitment is in business time) with the
            first-touch window as a dashed line.

        Returns
        -------
        (Figure, Axes)
        """
        from ._plot import plot_sla

        return plot_sla(self, ax=ax, kind=kind)
