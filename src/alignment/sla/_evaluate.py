"""Evaluate an SLA on leads and sales activities: per lead, per period, per day.

Everything is array arithmetic over the lead table and the activity CSR (segment counts and
minima from :mod:`alignment._segments`, ``np.bincount`` for groups): no Python loop per lead
or per activity.  The rules (which activity counts, statuses, reassignment …) are documented
in ``docs/sla.md`` and restated in :func:`evaluate`.

Used by alignment.dask
-----------------------
The Dask twin evaluates every partition with :func:`evaluate`, sums the partitions' counts
and rebuilds the tables with the same code; these are the only internals it may use:

* :func:`commitments`, :func:`split_column`, :func:`period_count_columns`,
  :func:`daily_count_columns` — the agreement's commitments, split column and the additive count
  columns of the period and daily tables (what a backend sums; it never parses column names).
* :func:`lead_split_keys` — the split key of every lead of a report (its period table's key).
* :func:`periods_of` — period start / end of local dates.
* :func:`periods_between` — every period between the earliest and the latest start.
* :func:`period_table` — ``PeriodSummary`` columns from additive counts per period × split.
* :func:`daily_table` — ``DailySeries`` columns from additive counts per day.
* :class:`UnknownActivities` — the report table of activities of unknown leads.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import Any, Literal, cast

import numpy as np

from .._backends import find as find_backend
from .._frames import nullable_flags
from .._grouplabel import MISSING_LABEL, refuse_missing_label
from .._options import current, read_as_of, reads_options
from .._params import is_option
from .._segments import group_quantiles
from .._time import TIME_DTYPE
from ..errors import DataValidationError, ParameterError
from ._bundle import bundle_inputs
from ._calendar import BusinessCalendar
from ._commitments import (
    _DAY_US,
    _NAT,
    _STATUS_LABELS,
    ACCEPT_NOT_MEASURED,
    AT_RISK,
    BREACHED,
    MET,
    NA,
    PENDING,
    STATUSES,
    Clocks,
    Outcome,
    _Acts,
    _Leads,
    _none_us,
    accept_reject,
    attempts,
    breach_list,
    first_touch,
    warn_unmatched_kinds,
)
from ._inputs import check_calendar_instants, read_activities, read_leads
from ._model import SLA
from ._owners import split_values
from ._report import (
    OUTSIDE_PERIODS,
    DailySeries,
    LeadStatus,
    PeriodSummary,
    SLAReport,
    UnknownActivities,
)

#: the statuses counted per period (``n/a`` leads are outside the scope)
_COUNTED_STATUSES = ("met", "breached", "pending", "at_risk")

__all__ = [
    "STATUSES",
    "UnknownActivities",
    "daily_table",
    "evaluate",
    "lead_split_keys",
    "period_table",
    "periods_between",
    "periods_of",
    "split_commitment",
]


# ----------------------------------------------------------------------------- inputs


# ----------------------------------------------------------------------------- helpers


def periods_of(days: np.ndarray, sla: SLA) -> tuple[np.ndarray, np.ndarray]:
    """Period start and end (exclusive) local dates of local dates (``datetime64[D]``)."""
    period = sla.marketing.period if sla.marketing is not None else "M"
    nat = np.isnat(days)
    if period == "M":
        # month starts of the range, then one searchsorted (cheaper than datetime64[M] casts)
        ok = days[~nat]
        if ok.size == 0:
            start = end = days
        else:
            m0 = ok.min().astype("datetime64[M]")
            m1 = ok.max().astype("datetime64[M]")
            firsts = np.arange(m0, m1 + 2).astype("datetime64[D]")
            i = np.clip(np.searchsorted(firsts, days, side="right") - 1, 0, firsts.size - 2)
            start, end = firsts[i], firsts[i + 1]
    elif period == "W":
        d = days.astype(np.int64)
        wd = (d + 3) % 7
        start = (d - wd).astype("datetime64[D]")
        end = start + np.timedelta64(7, "D")
    else:
        assert sla.marketing is not None and sla.marketing.period_starts is not None
        st = np.array(sla.marketing.period_starts, dtype="datetime64[D]")
        bounds = np.append(st, st[-1] + (st[-1] - st[-2]))
        i = np.searchsorted(bounds, days, side="right") - 1
        inside = (i >= 0) & (i < st.size) & ~nat
        j = np.clip(i, 0, st.size - 1)
        start = np.where(inside, bounds[j], np.datetime64("NaT"))
        end = np.where(inside, bounds[j + 1], np.datetime64("NaT"))
        return start.astype("datetime64[D]"), end.astype("datetime64[D]")
    start = np.where(nat, np.datetime64("NaT"), start).astype("datetime64[D]")
    end = np.where(nat, np.datetime64("NaT"), end).astype("datetime64[D]")
    return start, end


# ----------------------------------------------------------------------------- evaluate


@reads_options
def evaluate(
    sla: SLA | dict[str, Any] | str | PurePath,
    leads: Any,
    activities: Any = None,
    *,
    as_of: Any = None,
    calendar: BusinessCalendar | None = None,
    unknown_leads: Literal["raise", "ignore"] = "raise",
    tz: str | None = None,
    normalize: Literal["casefold"] | None = None,
) -> SLAReport:
    """Evaluate an agreement on leads and sales activities at an instant.

    Parameters
    ----------
    sla : SLA, dict or path
        The agreement (a dict is read with :meth:`alignment.SLA.from_dict`, a ``.toml`` /
        ``.json`` file with :meth:`alignment.SLA.from_toml` / :meth:`alignment.SLA.from_json`).
    leads : LeadTable, CRMData or anything :meth:`alignment.LeadTable.build` accepts
        A :class:`alignment.io.CRMData` bundle gives the leads, and the activities and
        ``as_of`` when they are not passed.  Stages used: ``assigned_at`` (else ``mql_at``) — the assignment instant;
        ``reassigned_at`` (optional) — the clocks restart there; ``accepted_at`` (else
        ``sal_at``), ``rejected_at`` and the string column ``rejection_reason`` for the
        accept/reject commitment; the marketing delivery stage (``mql_at``) and the columns of
        the quality gate and of ``split_by``; ``owner`` (optional) is reported.
    activities : ActivityLog or anything :meth:`alignment.ActivityLog.build` accepts
        Sales activities (a frame, a dict, or a sequence of :class:`alignment.Activity`);
        required unless ``leads`` is a CRMData bundle.
    as_of : instant
        The evaluation instant: later activities and decisions are not counted yet; required
        unless ``leads`` is a CRMData bundle that has one.
    tz : str, optional
        IANA zone of naive instants (e.g. ``"America/New_York"``); default UTC, with a warning.
    normalize : {"casefold"}, optional
        Fold the spellings of channel, source and campaign (``"PAID_SEARCH"`` -> ``"paid
        search"``); see "Time zones and formats" and "Category spellings" in the tables guide.
    calendar : BusinessCalendar, optional
        Overrides the agreement's calendar; default the agreement's, else Monday–Friday
        09:00–17:00 UTC.
    unknown_leads : {"raise", "ignore"}
        Activities whose lead is not in ``leads``: raise :class:`DataValidationError`
        (default), or leave them out of every figure and list them in
        ``report.unknown_activities`` (counted in ``report.summary``).

    Returns
    -------
    SLAReport

    Notes
    -----
    * The clock of a lead starts at its assignment, or at its last reassignment when that is
      later. Activities before the clock start (including those before a reassignment) are
      counted in ``activities_before_assignment`` and ignored for the commitments; activities
      after ``as_of`` in ``activities_after_as_of``, whatever the assignment (an assignment
      recorded after ``as_of`` is not known then).
    * A lead not assigned at ``as_of`` has status ``n/a`` for every commitment.
    * First touch: ``met`` when the first counted touch is at or before the deadline,
      ``breached`` when it is later or when there is none and ``as_of`` is past the deadline,
      otherwise ``pending`` — or ``at_risk`` once ``sla.at_risk_after`` of the window elapsed.
    * Attempts: counted between the clock start and the deadline; ``met`` as soon as the
      required numbers are reached.
    * Accept/reject: a decision within the window counts (a rejection needs a listed reason
      code, else it is breached); a rejection after the window is void and breached; no
      decision when the window closes means auto-accepted (``met``). When a lead is both
      accepted and rejected, the earlier decision counts. Details in ``docs/sla.md``.
    * Leads without any decision column (neither ``accepted_at``/``sal_at`` nor
      ``rejected_at``): the accept commitment is not measured — status ``n/a``, compliance
      NaN, ``summary()["accept_not_measured"]`` gives the reason (never 100% by auto-accept).
    """
    leads, activities, as_of = _bundle(leads, activities, as_of)
    backend = find_backend(leads, activities)
    if backend is not None:
        return cast(
            "SLAReport",
            backend.operation("sla_evaluate")(
                sla, leads, activities, as_of=as_of, calendar=calendar, unknown_leads=unknown_leads
            ),
        )

    sla, calendar, t_asof = _arguments(sla, calendar, as_of, unknown_leads)
    lt, L = read_leads(sla, leads, t_asof)
    log, A = read_activities(activities, lt)
    warn_unmatched_kinds(sla, A)
    check_calendar_instants(sla, calendar, lt, A, t_asof)
    unknown, n_unknown, unknown_table = _unknown_activities(A, L, unknown_leads)
    c = Clocks(sla, calendar, L, A, t_asof, unknown)
    out = Outcome(_clock_columns(c))
    first_at, resp_bus = first_touch(c, out)
    attempts(c, out)
    accept_reject(c, out)
    codes = list(out.status_codes.values())
    overall = np.maximum.reduce(codes) if codes else np.where(c.scope, MET, NA)
    overall = np.asarray(overall, dtype=np.int8)
    out.cols["status"] = _STATUS_LABELS[overall]
    breaches = breach_list(L, out, first_at)
    periods, daily = _periods_and_daily(
        sla, calendar, L, A, out.cols, out.status_codes, c.scope, c.counted, resp_bus, t_asof
    )
    summary = _summary(c, out, overall, n_unknown, breaches.n_rows)
    report = SLAReport(
        leads=LeadStatus(out.cols, backend=L.backend),
        periods=periods,
        daily=daily,
        breaches=breaches,
        unknown_activities=unknown_table,
        summary=summary,
        sla=sla,
        calendar=calendar,
        as_of=np.datetime64(t_asof, "us"),
    )
    report._speed_inputs = (lt, log, unknown_leads, current())  # report.speed, on demand
    return report


def _bundle(leads: Any, activities: Any, as_of: Any) -> tuple[Any, Any, Any]:
    """A CRMData bundle's leads, activities and as_of (those not passed); else as given."""
    leads, activities, as_of = bundle_inputs(
        leads, activities, as_of, caller="evaluate", columns="lead_id, timestamp, kind"
    )
    if as_of is None:
        raise ParameterError(
            "evaluate: as_of is required (the instant of the evaluation, e.g. '2024-04-01'); "
            "a CRMData bundle gives its own"
        )
    return leads, activities, as_of


def _agreement(sla: Any) -> SLA:
    """An SLA, a mapping, or the path of a ``.toml`` / ``.json`` agreement file."""
    if isinstance(sla, SLA):
        return sla
    if isinstance(sla, (str, PurePath)):
        suffix = PurePath(sla).suffix.lower()
        if suffix == ".toml":
            return SLA.from_toml(Path(sla))
        if suffix == ".json":
            return SLA.from_json(Path(sla))
        raise ParameterError(
            f"sla: {str(sla)!r} is neither a .toml nor a .json agreement file; pass an SLA, "
            "a mapping, or the path of such a file"
        )
    return SLA.from_dict(sla)


def _arguments(
    sla: SLA | dict[str, Any] | str | PurePath,
    calendar: BusinessCalendar | None,
    as_of: Any,
    unknown_leads: str,
) -> tuple[SLA, BusinessCalendar, int]:
    """The agreement, the calendar (argument, else the agreement's, else the default) and as_of."""
    sla = _agreement(sla)
    if calendar is not None and not isinstance(calendar, BusinessCalendar):
        raise ParameterError(
            f"calendar must be a BusinessCalendar, got {type(calendar).__name__} {calendar!r}; "
            "e.g. BusinessCalendar(tz='Europe/Paris'), or leave it unset to use the agreement's"
        )
    if not is_option(unknown_leads, ("raise", "ignore")):
        raise ParameterError(f"unknown_leads must be 'raise' or 'ignore', got {unknown_leads!r}")
    t_asof = int(read_as_of(as_of).astype(np.int64))
    if calendar is None:
        spec = sla.calendar
        calendar = (
            BusinessCalendar(hours=spec.hours, holidays=spec.holidays, tz=spec.tz)
            if spec is not None
            else BusinessCalendar()
        )
    return sla, calendar, t_asof


def _unknown_activities(
    A: _Acts, L: _Leads, unknown_leads: str
) -> tuple[np.ndarray | None, int, UnknownActivities]:
    """Activities of leads not in the lead table: refused, or listed (``"ignore"``)."""
    lengths = np.diff(A.offsets)
    unknown_seg = A.seg_lead < 0
    n_unknown_act = int(lengths[unknown_seg].sum())
    unknown = np.repeat(unknown_seg, lengths) if n_unknown_act else None
    n_unknown = n_unknown_act + int(A.extra_unknown_rows.size)
    if n_unknown and unknown_leads == "raise":
        bad = unknown if unknown is not None else np.zeros(A.time.size, dtype=bool)
        rows = np.sort(np.concatenate([A.row[bad], A.extra_unknown_rows]))
        first = A.keys[np.flatnonzero(unknown_seg & (lengths > 0))[0]] if n_unknown_act else None
        raise DataValidationError(
            "activities for leads that are not in the lead table",
            column="lead_id",
            table="activities",
            rows=rows,
            value=first,
            fix="add those leads, drop the activities, or pass unknown_leads='ignore' "
            "to list them in report.unknown_activities",
        )
    u_seg = np.repeat(np.arange(A.seg_lead.size)[unknown_seg], lengths[unknown_seg])
    u_act = np.flatnonzero(unknown) if unknown is not None else np.empty(0, dtype=np.int64)
    n_extra = A.extra_unknown_rows.size
    table = UnknownActivities(
        {
            "row": np.concatenate([A.row[u_act], A.extra_unknown_rows]),
            "lead_id": np.concatenate(
                [A.keys[u_seg].astype(object), np.full(n_extra, None, dtype=object)]
            ),
            "timestamp": np.concatenate([A.time[u_act], _none_us(n_extra)]).view(TIME_DTYPE),
        },
        backend=L.backend,
    )
    return unknown, n_unknown, table


def _clock_columns(c: Clocks) -> dict[str, np.ndarray]:
    """The lead table's first columns: ids, owner, clocks, scope and activity counts."""
    L, n = c.L, c.n
    n_after_seg = c.n_known_seg - c.n_before_seg - c.n_counted_seg  # the rest: after as_of
    return {
        "lead_id": L.ids,
        "owner": L.owner if L.owner is not None else np.full(n, None, dtype=object),
        "assigned_at": L.assigned.view(TIME_DTYPE),
        "clock_start": np.where(c.scope, L.clock, _NAT).view(TIME_DTYPE),
        "reassigned": L.reassigned,
        "in_scope": c.scope,
        "activities": c.to_leads(c.n_known_seg, 0),
        "activities_counted": c.to_leads(c.n_counted_seg, 0),
        "activities_before_assignment": c.to_leads(c.n_before_seg, 0),
        "activities_after_as_of": c.to_leads(n_after_seg, 0),
    }


def _summary(
    c: Clocks, out: Outcome, overall: np.ndarray, n_unknown: int, n_breaches: int
) -> dict[str, Any]:
    """Counts that account for every lead and every activity."""
    cols, scope = out.cols, c.scope
    summary: dict[str, Any] = {
        "as_of": np.datetime64(c.t_asof, "us"),
        "n_leads": c.n,
        "in_scope": int(scope.sum()),
        "not_assigned": int((~c.has_clock).sum()),
        "assigned_after_as_of": int((c.has_clock & ~scope).sum()),
        "reassigned": int(c.L.reassigned.sum()),
        "n_activities": int(c.A.time.size + c.A.extra_unknown_rows.size),
        "activities_counted": int(cols["activities_counted"].sum()),
        "activities_before_assignment": int(cols["activities_before_assignment"].sum()),
        "activities_after_as_of": int(cols["activities_after_as_of"].sum()),
        "activities_unknown_lead": n_unknown,
        "breaches": int(n_breaches),
    }
    for name, st in [*out.status_codes.items(), ("overall", overall)]:  # loop over commitments
        counts = np.bincount(st, minlength=len(STATUSES))
        for code, label in enumerate(STATUSES):
            summary[f"{name}_{label}"] = int(counts[code])
    if c.sla.sales.accept is not None and not c.L.decisions:
        summary["accept_not_measured"] = ACCEPT_NOT_MEASURED
    summary["leads_outside_periods"] = n_out = _outside_periods(c)
    if n_out:
        summary["leads_outside_periods_reason"] = OUTSIDE_PERIODS
    return summary


def _outside_periods(c: Clocks) -> int:
    """Leads in scope assigned, or leads delivered by as_of, on a day outside every period."""
    mk = c.sla.marketing
    if mk is None or mk.period != "custom":
        return 0
    L, cal = c.L, c.calendar
    delivered = (L.delivered != _NAT) & (L.delivered <= c.t_asof)
    out = np.zeros(c.n, dtype=bool)
    for when, mask in ((L.clock, c.scope), (L.delivered, delivered)):  # clock, delivery
        day = cal.local_dates(np.where(mask, when, _NAT).view(TIME_DTYPE))
        out |= mask & np.isnat(periods_of(day, c.sla)[0])
    return int(out.sum())


def lead_split_keys(report: SLAReport) -> np.ndarray:
    """The split key of every lead of ``report``, in the order of ``report.leads``: the labels of
    the period table's split column, as the engine read them (folded with
    ``normalize="casefold"``, ``"(missing)"`` for a lead without a value, ``"(all)"`` without
    ``split_by``)."""
    if report._speed_inputs is None:  # pragma: no cover - evaluate() always sets it
        raise AssertionError("not a report of evaluate()")
    lt = report._speed_inputs[0]
    mk = report.sla.marketing
    split = split_values(lt, mk.split_by) if mk is not None and mk.split_by is not None else None
    keys, kcode, _ = _split_keys(report.sla, split, lt.ids.size)
    out: np.ndarray = keys[kcode]
    return out


def _split_keys(sla: SLA, split: Any, n: int) -> tuple[np.ndarray, np.ndarray, str]:
    """The split keys of the marketing commitment, the key code of each of the ``n`` leads
    (``split``: their split column, a Categorical) and the column name."""
    mk = sla.marketing
    if mk is None or mk.split_by is None:
        return np.array(["(all)"], dtype=object), np.zeros(n, dtype=np.int64), "split"
    assert split is not None
    cat = split
    refuse_missing_label(cat.categories, cat.codes, column=mk.split_by)
    missing = cat.codes < 0
    extra = [MISSING_LABEL] if missing.any() else []
    listed = np.array(sorted(mk.split or {}) + extra, dtype=object)
    keys = np.unique(np.concatenate([cat.categories.astype(object), listed]))
    cat_pos = np.searchsorted(keys, cat.categories.astype(object))
    if cat_pos.size == 0:
        cat_pos = np.zeros(1, dtype=np.int64)
    kcode = np.where(
        missing, np.searchsorted(keys, MISSING_LABEL), cat_pos[np.maximum(cat.codes, 0)]
    ).astype(np.int64)
    return keys, kcode, mk.split_by


def _daily(
    sla: SLA,
    cal: BusinessCalendar,
    A: _Acts,
    cols: dict[str, np.ndarray],
    status_codes: dict[str, np.ndarray],
    scope: np.ndarray,
    counted: np.ndarray,
    starts: np.ndarray,
    asof_day: np.datetime64,
    days_of: dict[str, tuple[np.ndarray, np.ndarray]],
) -> dict[str, np.ndarray]:
    """The day-by-day series, from the first period's start to the day of as_of."""
    if starts.size:
        days = np.arange(starts[0], max(asof_day, starts[0]) + np.timedelta64(1, "D"))
    else:
        days = np.array([asof_day], dtype="datetime64[D]")
    D = days.size

    def by_day(d: np.ndarray, mask: np.ndarray) -> np.ndarray:
        i = (d - days[0]).astype(np.int64)
        ok = mask & ~np.isnat(d) & (i >= 0) & (i < D)
        return np.bincount(i[ok], minlength=D)

    day_counts: dict[str, np.ndarray] = {}
    if sla.marketing is not None:
        day_counts["delivered"] = by_day(*days_of["delivered"])
    day_counts["leads_assigned"] = by_day(*days_of["assigned"])
    first_at = cols["first_touch_at"]
    day_counts["first_touches"] = by_day(cal.local_dates(first_at), scope & ~np.isnat(first_at))
    day_counts["activities"] = cal._count_by_local_day(
        A.time[counted], int(days[0].astype(np.int64)), D
    )
    for name, st in status_codes.items():  # loop over commitments
        dl_day = cal.local_dates(cols[f"{name}_deadline"])
        day_counts[f"{name}_due"] = by_day(dl_day, scope)
        day_counts[f"{name}_breaches"] = by_day(dl_day, st == BREACHED)
    return daily_table(sla, days, day_counts)


def _periods_and_daily(
    sla: SLA,
    cal: BusinessCalendar,
    L: _Leads,
    A: _Acts,
    cols: dict[str, np.ndarray],
    status_codes: dict[str, np.ndarray],
    scope: np.ndarray,
    counted: np.ndarray,
    resp_bus: np.ndarray,
    t_asof: int,
) -> tuple[PeriodSummary, DailySeries]:
    mk = sla.marketing
    asof_local = int(
        cal.to_local(np.array([t_asof], dtype=np.int64).view(TIME_DTYPE))[0].view(np.int64)
    )
    asof_day = np.datetime64(asof_local // _DAY_US, "D")

    delivered_ok = (L.delivered != _NAT) & (L.delivered <= t_asof)
    deliv_day = cal.local_dates(np.where(delivered_ok, L.delivered, _NAT).view(TIME_DTYPE))
    clock_day = cal.local_dates(np.where(scope, L.clock, _NAT).view(TIME_DTYPE))
    d_start, _ = periods_of(deliv_day, sla)
    c_start, _ = periods_of(clock_day, sla)
    a_start, _a_end = periods_of(_custom_range(np.array([asof_day]), sla), sla)
    bounds = []
    for arr in (d_start, c_start, a_start):  # first and last period touched by the data
        v = arr.view(np.int64)
        v = v[v != _NAT]
        if v.size:
            bounds += [v.min(), v.max()]
    # every period between the first and the one of as_of
    starts, ends = periods_between(np.array(bounds, dtype=np.int64).view("datetime64[D]"), sla)
    P = starts.size

    keys, kcode, split_name = _split_keys(sla, L.split, L.ids.size)
    K = keys.size
    G = P * K

    def group(start: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = np.searchsorted(starts, start)
        ok = mask & ~np.isnat(start)
        if P:
            p = np.minimum(p, P - 1)
            ok &= starts[p] == start
        else:
            ok &= False
        return p * K + kcode, ok

    gd, okd = group(d_start, delivered_ok)
    gc, okc = group(c_start, scope)
    counts: dict[str, np.ndarray] = {}
    if mk is not None:
        counts["delivered"] = np.bincount(gd[okd & L.qualified], minlength=G)
        counts["delivered_unqualified"] = np.bincount(gd[okd & ~L.qualified], minlength=G)
    counts["leads_assigned"] = np.bincount(gc[okc], minlength=G)
    gcc = gc[okc]
    for name, st in status_codes.items():  # loop over commitments
        by_status = np.bincount(gcc * 5 + st[okc], minlength=G * 5).reshape(G, 5)
        counts[f"{name}_met"] = by_status[:, MET]
        counts[f"{name}_breached"] = by_status[:, BREACHED]
        counts[f"{name}_pending"] = by_status[:, PENDING]
        counts[f"{name}_at_risk"] = by_status[:, AT_RISK]
    has_resp = okc & (resp_bus != _NAT)
    counts["touched"] = np.bincount(gc[has_resp], minlength=G)
    out = period_table(
        sla,
        starts,
        ends,
        keys,
        split_name,
        asof_local,
        counts,
        list(status_codes),
        resp_bus[has_resp],
        gc[has_resp],
    )
    periods = PeriodSummary(out, backend=L.backend)

    days_of = {"delivered": (deliv_day, delivered_ok & L.qualified), "assigned": (clock_day, scope)}
    daily = _daily(sla, cal, A, cols, status_codes, scope, counted, starts, asof_day, days_of)
    return periods, DailySeries(daily, backend=L.backend)


# --------------------------------------------------------------------------------------------
# tables from additive counts (shared with alignment.dask, which sums the counts of partitions)
# --------------------------------------------------------------------------------------------


def _custom_range(asof_day: np.ndarray, sla: SLA) -> np.ndarray:
    """Custom periods: every listed period that has started by ``as_of`` is in range.

    ``as_of`` after the last period counts as its last day (the periods that are over stay
    reported); the first listed period opens the range.  Other periods: ``as_of`` itself.
    """
    mk = sla.marketing
    if mk is None or mk.period != "custom" or mk.period_starts is None:
        return asof_day
    st = np.array(mk.period_starts, dtype="datetime64[D]")
    if asof_day[0] < st[0]:
        return asof_day  # no period has started: nothing in range from as_of
    last_day = st[-1] + (st[-1] - st[-2]) - np.timedelta64(1, "D")
    return np.array([st[0], min(asof_day[0], last_day)], dtype="datetime64[D]")


def periods_between(starts: np.ndarray, sla: SLA) -> tuple[np.ndarray, np.ndarray]:
    """Every period from the earliest to the latest of ``starts`` (local ``datetime64[D]``).

    Returns the sorted period starts and their (exclusive) ends; empty in, empty out.
    """
    if not starts.size:
        return starts, starts.copy()
    days = np.arange(starts.min(), starts.max() + np.timedelta64(1, "D"))
    ps, pe = periods_of(days, sla)
    keep = ~np.isnat(ps)
    out_starts, idx = np.unique(ps[keep], return_index=True)
    return out_starts, pe[keep][idx]


def split_commitment(sla: SLA, keys: np.ndarray) -> np.ndarray:
    """Committed qualified leads per split key (per period); NaN without a marketing side.

    The ``split`` mapping when given; else ``qualified_leads`` shared equally by the keys other
    than ``"(missing)"``; without ``split_by`` the whole commitment (one key, ``"(all)"``).
    """
    mk = sla.marketing
    if mk is None:
        return np.full(keys.size, np.nan)
    if mk.split_by is not None and mk.split is not None:
        split = mk.split
        return np.array([float(split.get(k, 0)) for k in keys.tolist()], dtype=np.float64)
    if mk.split_by is not None:
        real = keys != MISSING_LABEL
        return np.where(real, mk.qualified_leads / max(int(real.sum()), 1), 0.0)
    return np.full(keys.size, float(mk.qualified_leads))


def commitments(sla: SLA) -> list[str]:
    """The sales commitments of an agreement, in column order."""
    s = sla.sales
    return [name for name in ("first_touch", "attempts", "accept") if getattr(s, name) is not None]


def split_column(sla: SLA) -> str:
    """The name of the split column of the period table."""
    mk = sla.marketing
    return mk.split_by if mk is not None and mk.split_by is not None else "split"


def period_count_columns(sla: SLA) -> list[str]:
    """The additive count columns of the period table, in order (summable across partitions)."""
    marketing = ["delivered", "delivered_unqualified"] if sla.marketing is not None else []
    statuses = [f"{c}_{s}" for c in commitments(sla) for s in _COUNTED_STATUSES]
    return [*marketing, "leads_assigned", *statuses, "touched"]


def daily_count_columns(sla: SLA) -> list[str]:
    """The additive count columns of the daily series, in order (summable across partitions)."""
    marketing = ["delivered"] if sla.marketing is not None else []
    due = [f"{c}_{s}" for c in commitments(sla) for s in ("due", "breaches")]
    return [*marketing, "leads_assigned", "first_touches", "activities", *due]


def period_table(
    sla: SLA,
    starts: np.ndarray,
    ends: np.ndarray,
    keys: np.ndarray,
    split_name: str,
    asof_local: int,
    counts: dict[str, np.ndarray],
    commitments: list[str],
    response_values: np.ndarray,
    response_groups: np.ndarray,
) -> dict[str, np.ndarray]:
    """The columns of :class:`PeriodSummary` from additive counts per (period, split key).

    Parameters
    ----------
    starts, ends : datetime64[D] arrays, shape (P,)
        Local period starts and (exclusive) ends.
    keys : object array, shape (K,)
        Split keys (sorted); rows are ``period × key`` (period-major, ``G = P*K``).
    split_name : str
        Name of the split column.
    asof_local : int
        ``as_of`` in local wall-clock microseconds (for the pace fraction of each period).
    counts : dict of int64 arrays, shape (G,)
        ``leads_assigned``, ``touched``, ``{name}_met|_breached|_pending|_at_risk`` per
        commitment and, with a marketing side, ``delivered`` and ``delivered_unqualified``.
    commitments : list of str
        Commitment names, in column order.
    response_values, response_groups : int64 arrays
        Business-seconds response times of the touched leads and their row ``g`` in ``[0, G)``
        (median and p90 are exact per row).
    """
    P, K = starts.size, keys.size
    G = P * K
    mk = sla.marketing
    out: dict[str, np.ndarray] = {
        "period_start": np.repeat(starts, K),
        "period_end": np.repeat(ends, K),
        split_name: np.tile(keys, P),
    }
    if mk is not None:
        period_len = (ends - starts).astype(np.int64) * _DAY_US
        start_local = starts.astype("datetime64[us]").astype(np.int64)
        frac_p = np.clip((asof_local - start_local) / np.maximum(period_len, 1), 0.0, 1.0)
        committed = np.tile(split_commitment(sla, keys), P)
        delivered = counts["delivered"]
        out["committed"] = committed
        out["delivered"] = delivered
        out["delivered_unqualified"] = counts["delivered_unqualified"]
        out["pace_to_date"] = committed * np.repeat(frac_p, K)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["delivered_vs_committed"] = np.where(committed > 0, delivered / committed, np.nan)
            out["delivered_vs_pace"] = np.where(
                out["pace_to_date"] > 0, delivered / out["pace_to_date"], np.nan
            )
        # no pace yet (nothing committed, or the period has not started): no verdict
        no_pace = ~(out["pace_to_date"] > 0)
        out["on_pace"] = nullable_flags(delivered >= out["pace_to_date"], no_pace)
    out["leads_assigned"] = counts["leads_assigned"]
    for name in commitments:  # loop over commitments
        met, br = counts[f"{name}_met"], counts[f"{name}_breached"]
        out[f"{name}_met"] = met
        out[f"{name}_breached"] = br
        out[f"{name}_pending"] = counts[f"{name}_pending"]
        out[f"{name}_at_risk"] = counts[f"{name}_at_risk"]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{name}_compliance"] = np.where(met + br > 0, met / (met + br), np.nan)
    med, p90 = group_quantiles(response_values, response_groups, G, (0.5, 0.9))
    out["touched"] = counts["touched"]
    out["response_median"] = (
        np.where(np.isnan(med), _NAT, np.round(np.nan_to_num(med)))
        .astype(np.int64)
        .view("timedelta64[s]")
    )
    out["response_p90"] = (
        np.where(np.isnan(p90), _NAT, np.round(np.nan_to_num(p90)))
        .astype(np.int64)
        .view("timedelta64[s]")
    )
    return out


def _to_date(
    total: int, days: np.ndarray, dstart: np.ndarray, dend: np.ndarray, delivered: np.ndarray
) -> dict[str, np.ndarray]:
    """``delivered_to_date``, ``committed`` and ``pace_to_date`` per day (NaN outside periods)."""
    inside = ~np.isnat(dstart)
    cum = np.cumsum(delivered)
    first = np.searchsorted(days, dstart[inside])  # index of each day's period start
    base = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0)
    to_date = np.full(days.size, np.nan)
    to_date[inside] = cum[inside] - base
    plen = (dend - dstart).astype(np.float64)
    elapsed_days = (days - dstart).astype(np.float64) + 1.0
    committed = np.where(inside, float(total), np.nan)
    return {
        "delivered_to_date": to_date,
        "committed": committed,
        "pace_to_date": committed * np.clip(elapsed_days / plen, 0.0, 1.0),
    }


def daily_table(sla: SLA, days: np.ndarray, counts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The columns of :class:`DailySeries` from additive counts per day.

    ``days`` are consecutive local dates; ``counts`` the per-day int64 counts in column order
    (``delivered`` first when there is a marketing side).  Adds ``period_start`` and, after
    ``delivered``, the running totals ``delivered_to_date`` (restarting each period),
    ``committed`` and ``pace_to_date`` (the commitment times the elapsed share of the period):
    NaN on a day outside every custom period (``period_start`` NaT; the reason is
    :data:`~alignment.sla._report.OUTSIDE_PERIODS`, in ``report.not_measured``).
    """
    mk = sla.marketing
    daily: dict[str, np.ndarray] = {"date": days}
    dstart, dend = periods_of(days, sla)
    daily["period_start"] = dstart
    for c, q in counts.items():  # loop over columns
        daily[c] = q
        if c == "delivered" and mk is not None:
            daily.update(_to_date(mk.qualified_leads, days, dstart, dend, q))
    return daily
