"""Evaluate an SLA on leads and sales activities: per lead, per period, per day.

Everything is array arithmetic over the lead table and the activity CSR (segment counts and
minima from :mod:`alignment._segments`, ``np.bincount`` for groups): no Python loop per lead
or per activity.  The rules (which activity counts, statuses, reassignment …) are documented
in ``docs/sla.md`` and restated in :func:`evaluate`.

Used by alignment.dask
-----------------------
The Dask twin evaluates every partition with :func:`evaluate`, sums the partitions' counts
and rebuilds the tables with the same code; these are the only internals it may use:

* :func:`periods_of` — period start / end of local dates.
* :func:`periods_between` — every period between the earliest and the latest start.
* :func:`period_table` — ``PeriodSummary`` columns from additive counts per period × split.
* :func:`daily_table` — ``DailySeries`` columns from additive counts per day.
* :class:`UnknownActivities` — the report table of activities of unknown leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np

from .. import _segments as seg
from .._backends import find as find_backend
from .._time import TIME_DTYPE, parse_duration, parse_instant
from ..errors import DataValidationError, MissingColumnError, ParameterError
from ._calendar import BusinessCalendar
from ._model import SLA
from ._report import (
    BreachList,
    DailySeries,
    LeadStatus,
    PeriodSummary,
    SLAReport,
    UnknownActivities,
)

__all__ = [
    "STATUSES",
    "UnknownActivities",
    "daily_table",
    "evaluate",
    "period_table",
    "periods_between",
    "periods_of",
    "split_commitment",
]

_NAT = np.iinfo(np.int64).min
_BIG = np.iinfo(np.int64).max
_DAY_US = 86_400_000_000

#: Status codes, in increasing severity; ``n/a`` = the lead is not (yet) assigned at ``as_of``.
STATUSES = ("n/a", "met", "pending", "at_risk", "breached")
NA, MET, PENDING, AT_RISK, BREACHED = range(5)
_STATUS_LABELS = np.array(STATUSES, dtype=object)
_DECISIONS = np.array(["n/a", "pending", "accepted", "rejected", "auto_accepted"], dtype=object)
D_NA, D_PENDING, D_ACCEPTED, D_REJECTED, D_AUTO = range(5)
_BREACH_REASONS = np.array(
    ["no_touch", "late_touch", "short_of_attempts", "late_rejection", "invalid_reason",
     "missing_reason"],
    dtype=object,
)  # fmt: skip
R_NO_TOUCH, R_LATE_TOUCH, R_SHORT, R_LATE_REJECT, R_INVALID, R_MISSING = range(6)


# ----------------------------------------------------------------------------- inputs


@dataclass
class _Leads:
    ids: np.ndarray
    assigned: np.ndarray  # int64 µs, NaT = _NAT (original assignment)
    clock: np.ndarray  # int64 µs: reassignment if later, else assignment
    reassigned: np.ndarray  # bool
    accepted: np.ndarray  # int64 µs
    rejected: np.ndarray  # int64 µs
    reason: Any  # Categorical or None
    owner: np.ndarray | None  # object
    delivered: np.ndarray  # int64 µs (marketing delivery instant)
    qualified: np.ndarray  # bool
    split: Any  # Categorical or None
    backend: str


@dataclass
class _Acts:
    offsets: np.ndarray
    time: np.ndarray  # int64 µs
    kind_codes: np.ndarray | None  # int32 per activity
    kind_categories: np.ndarray
    seg_lead: np.ndarray  # int64 lead row per segment, -1 unknown
    keys: np.ndarray
    row: np.ndarray
    extra_unknown_rows: np.ndarray


def _us(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=TIME_DTYPE).view(np.int64)


def _stage(lt: Any, name: str) -> np.ndarray | None:
    arr = lt.stages.get(name)
    return None if arr is None else _us(arr)


def _none_us(n: int) -> np.ndarray:
    return np.full(n, _NAT, dtype=np.int64)


def _quality(sla: SLA, lt: Any) -> np.ndarray:
    n = lt.n_leads
    ok = np.ones(n, dtype=bool)
    if sla.marketing is None:
        return ok
    gate = sla.marketing.quality

    def cat(col: str) -> Any:
        if col not in lt.categorical:
            raise MissingColumnError(
                f"the SLA quality gate needs the string column {col!r}",
                column=col,
                table="leads",
                fix="add the column or remove the condition from marketing.quality",
            )
        return lt.categorical[col]

    if gate.min_grid_cell is not None:
        c = cat(gate.cell_column)
        letter, digit = gate.min_grid_cell[0], int(gate.min_grid_cell[1])
        good = np.array(
            [
                isinstance(v, str)
                and len(v.strip()) == 2
                and v.strip()[0].upper() <= letter
                and v.strip()[1].isdigit()
                and 1 <= int(v.strip()[1]) <= digit
                for v in c.categories.tolist()  # loop over distinct cells, not leads
            ]
            + [False],
            dtype=bool,
        )
        ok &= good[c.codes]  # code -1 → the trailing False
    if gate.min_score is not None:
        if gate.score_column not in lt.numeric:
            raise MissingColumnError(
                f"the SLA quality gate needs the numeric column {gate.score_column!r}",
                column=gate.score_column,
                table="leads",
                fix="score the leads first (alignment.score) and add the score column",
            )
        s = lt.numeric[gate.score_column]
        ok &= np.nan_to_num(s, nan=-np.inf) >= gate.min_score
    for col, allowed in (("persona", gate.personas), ("source", gate.sources)):
        if allowed is not None:
            c = cat(col)
            good = np.append(np.isin(c.categories, np.array(allowed, dtype=object)), False)
            ok &= good[c.codes]
    return ok


def _read_leads(sla: SLA, leads: Any) -> tuple[Any, _Leads]:
    from ..tables import LeadTable

    lt = LeadTable.build(leads)
    n = lt.n_leads
    assigned = _stage(lt, sla.assigned_at)
    if assigned is None:
        assigned = _stage(lt, "mql_at")
    if assigned is None:
        raise MissingColumnError(
            f"no assignment time: the leads have neither {sla.assigned_at!r} nor 'mql_at'",
            column=sla.assigned_at,
            table="leads",
            fix="add an assigned_at (or mql_at) datetime column",
        )
    re_at = _stage(lt, sla.reassigned_at)
    if re_at is None:
        re_at = _none_us(n)
    has = assigned != _NAT
    reassigned = (re_at != _NAT) & has & (re_at > assigned)
    clock = np.where(reassigned, re_at, assigned)
    accepted = _stage(lt, "accepted_at")
    if accepted is None:
        accepted = _stage(lt, "sal_at")
    rejected = _stage(lt, "rejected_at")
    reason = lt.categorical.get("rejection_reason")
    owner = lt.column("owner") if "owner" in lt.categorical else None
    delivered: np.ndarray | None = assigned
    split = None
    if sla.marketing is not None:
        delivered = _stage(lt, sla.marketing.delivered_at)
        if delivered is None:
            raise MissingColumnError(
                f"the marketing commitment counts deliveries at {sla.marketing.delivered_at!r}",
                column=sla.marketing.delivered_at,
                table="leads",
                fix="add the stage column or set marketing.delivered_at",
            )
        if sla.marketing.split_by is not None:
            if sla.marketing.split_by not in lt.categorical:
                raise MissingColumnError(
                    f"marketing.split_by names {sla.marketing.split_by!r}, not a string column",
                    column=sla.marketing.split_by,
                    table="leads",
                )
            split = lt.categorical[sla.marketing.split_by]
    assert delivered is not None
    return lt, _Leads(
        ids=lt.ids,
        assigned=assigned,
        clock=clock,
        reassigned=reassigned,
        accepted=accepted if accepted is not None else _none_us(n),
        rejected=rejected if rejected is not None else _none_us(n),
        reason=reason,
        owner=owner,
        delivered=delivered,
        qualified=_quality(sla, lt),
        split=split,
        backend=lt.backend,
    )


def _read_activities(activities: Any, lt: Any) -> _Acts:
    from ..tables import ActivityLog

    log = ActivityLog.build(activities)  # returns an ActivityLog unchanged
    if log.keys is lt.ids or (
        log.keys.size == lt.ids.size
        and log.keys.dtype == lt.ids.dtype
        and np.array_equal(log.keys, lt.ids)
    ):
        seg_lead = np.arange(log.keys.size, dtype=np.int64)
    else:
        seg_lead, _ = lt.positions(log.keys)
    kind = log.kind
    return _Acts(
        offsets=np.asarray(log.offsets, dtype=np.int64),
        time=_us(log.time),
        kind_codes=None if kind is None else kind.codes,
        kind_categories=np.empty(0, dtype=object) if kind is None else kind.categories,
        seg_lead=seg_lead,
        keys=log.keys,
        row=np.asarray(log.row, dtype=np.int64),
        extra_unknown_rows=np.asarray(log.unknown_rows, dtype=np.int64),
    )


# ----------------------------------------------------------------------------- helpers


def _kind_mask(acts: _Acts, kinds: tuple[str, ...] | None) -> np.ndarray | None:
    """Activities of the listed kinds (``None`` = every activity counts)."""
    if kinds is None:
        return None
    if acts.kind_codes is None:
        raise MissingColumnError(
            "the SLA counts activities by kind but the activities have no 'kind' column",
            column="kind",
            table="activities",
        )
    codes = np.flatnonzero(np.isin(acts.kind_categories, np.array(kinds, dtype=object)))
    if codes.size == 0:
        return np.zeros(acts.kind_codes.size, dtype=bool)
    mask = acts.kind_codes == codes[0]
    for c in codes[1:].tolist():  # loop over the listed kinds
        mask |= acts.kind_codes == c
    return np.asarray(mask)


def _to_leads(per_seg: np.ndarray, acts: _Acts, n: int, fill: Any) -> np.ndarray:
    out = np.full(n, fill, dtype=per_seg.dtype)
    known = acts.seg_lead >= 0
    out[acts.seg_lead[known]] = per_seg[known]
    return out


def _window(
    cal: BusinessCalendar,
    clock: np.ndarray,
    scope: np.ndarray,
    within: str,
    business: bool,
    bclock: Any = None,
    f_clock: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Deadline per lead (NaT outside scope) and window length in µs (business or wall)."""
    deadline = _none_us(clock.size)
    if business:
        dur = int(cal.business_duration(within, name="within").astype(np.int64))
        if scope.any():
            assert bclock is not None and f_clock is not None
            deadline[scope] = bclock.deadline(clock[scope], f_clock, dur)
    else:
        dur = int(parse_duration(within, name="within").astype(np.int64))
        deadline[scope] = clock[scope] + dur
    return deadline, dur


def _pending_or_risk(frac: np.ndarray, threshold: float) -> np.ndarray:
    return np.where(frac >= threshold, AT_RISK, PENDING).astype(np.int8)


def _group_quantiles(
    values: np.ndarray, groups: np.ndarray, n_groups: int, qs: tuple[float, ...]
) -> list[np.ndarray]:
    """Per-group quantiles (linear interpolation, as ``numpy.quantile``); NaN for empty groups."""
    counts = np.bincount(groups, minlength=n_groups)
    if values.size:  # one sort of a composite key (group, value) instead of a lexsort
        lo = int(values.min())
        span = int(values.max()) - lo + 1
        if span * max(n_groups, 1) < 2**62:
            key = np.sort(groups.astype(np.int64) * span + (values - lo))
            v = (key % span + lo).astype(np.float64)
        else:
            v = values[np.lexsort((values, groups))].astype(np.float64)
    else:
        v = values.astype(np.float64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = []
    for q in qs:
        res = np.full(n_groups, np.nan)
        has = counts > 0
        pos = (counts[has] - 1) * q
        lo = np.floor(pos).astype(np.int64)
        hi = np.ceil(pos).astype(np.int64)
        a = v[starts[has] + lo]
        b = v[starts[has] + hi]
        res[has] = a + (b - a) * (pos - lo)
        out.append(res)
    return out


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


def evaluate(
    sla: SLA | dict[str, Any],
    leads: Any,
    activities: Any,
    *,
    as_of: Any,
    calendar: BusinessCalendar | None = None,
    unknown_leads: Literal["raise", "ignore"] = "raise",
) -> SLAReport:
    """Evaluate an agreement on leads and sales activities at an instant.

    Parameters
    ----------
    sla : SLA or dict
        The agreement (a dict is read with :meth:`alignment.SLA.from_dict`).
    leads : LeadTable or anything :meth:`alignment.LeadTable.build` accepts
        Stages used: ``assigned_at`` (else ``mql_at``) — the assignment instant;
        ``reassigned_at`` (optional) — the clocks restart there; ``accepted_at`` (else
        ``sal_at``), ``rejected_at`` and the string column ``rejection_reason`` for the
        accept/reject commitment; the marketing delivery stage (``mql_at``) and the columns of
        the quality gate and of ``split_by``; ``owner`` (optional) is reported.
    activities : ActivityLog or anything :meth:`alignment.ActivityLog.build` accepts
        Sales activities (a frame, a dict, or a sequence of :class:`alignment.Activity`).
    as_of : instant
        The evaluation instant: later activities and decisions are not counted yet.
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
      after ``as_of`` in ``activities_after_as_of``.
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
    """
    backend = find_backend(leads, activities)
    if backend is not None:
        return cast(
            "SLAReport",
            backend.operation("sla_evaluate")(
                sla, leads, activities, as_of=as_of, calendar=calendar, unknown_leads=unknown_leads
            ),
        )

    if not isinstance(sla, SLA):
        sla = SLA.from_dict(sla)
    if unknown_leads not in ("raise", "ignore"):
        raise ParameterError(f"unknown_leads must be 'raise' or 'ignore', got {unknown_leads!r}")
    t_asof = int(parse_instant(as_of, name="as_of").astype(np.int64))
    if calendar is None:
        spec = sla.calendar
        calendar = (
            BusinessCalendar(hours=spec.hours, holidays=spec.holidays, tz=spec.tz)
            if spec is not None
            else BusinessCalendar()
        )
    lt, L = _read_leads(sla, leads)
    A = _read_activities(activities, lt)
    n = lt.n_leads

    # --- activities: unknown leads -------------------------------------------------------
    lengths = np.diff(A.offsets)
    known_seg = A.seg_lead >= 0
    aligned = A.seg_lead.size == n and bool(np.array_equal(A.seg_lead, np.arange(n)))
    unknown_seg = ~known_seg
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
    unknown_table = UnknownActivities(
        {
            "row": np.concatenate([A.row[u_act], A.extra_unknown_rows]),
            "lead_id": np.concatenate(
                [
                    A.keys[u_seg].astype(object),
                    np.full(A.extra_unknown_rows.size, None, dtype=object),
                ]
            ),
            "timestamp": np.concatenate([A.time[u_act], _none_us(A.extra_unknown_rows.size)]).view(
                TIME_DTYPE
            ),
        },
        backend=L.backend,
    )

    def seg_values(per_lead: np.ndarray, fill: int) -> np.ndarray:
        """A per-lead int64 array as one value per activity segment (``fill`` if unknown)."""
        if aligned:
            return per_lead
        out = np.full(A.seg_lead.size, fill, dtype=np.int64)
        out[known_seg] = per_lead[A.seg_lead[known_seg]]
        return out

    def to_leads(per_seg: np.ndarray, fill: Any) -> np.ndarray:
        return per_seg if aligned else _to_leads(per_seg, A, n, fill)

    # --- scope and activity classes ------------------------------------------------------
    # Activities are sorted by time within each lead: the classes are computed against the
    # lead's clock start broadcast to its activities (np.repeat), no per-row Python.
    has_clock = L.clock != _NAT
    scope = has_clock & (L.clock <= t_asof)
    start_act = np.repeat(seg_values(np.where(has_clock, L.clock, _BIG), _BIG), lengths)
    before = A.time < start_act  # never-assigned leads: every activity is "before"
    if unknown is not None:
        before &= ~unknown
    counted = A.time >= start_act  # unknown leads have start = +inf: never counted
    counted &= A.time <= t_asof
    nseg = A.seg_lead.size
    seg_of = seg.segment_ids(A.offsets)
    # one bincount for both classes: code 1 = before, 2 = counted, 0 = after / unknown
    cls = before.view(np.int8) + 2 * counted.view(np.int8)
    by_cls = np.bincount(seg_of * 3 + cls, minlength=3 * nseg).reshape(nseg, 3)
    del cls
    n_before_seg = by_cls[:, 1].copy()
    n_counted_seg = by_cls[:, 2].copy()
    n_known_seg = np.where(known_seg, lengths, 0)
    n_after_seg = n_known_seg - n_before_seg - n_counted_seg  # the rest: after as_of
    n_before = to_leads(n_before_seg, 0)
    n_after = to_leads(n_after_seg, 0)
    n_counted = to_leads(n_counted_seg, 0)
    del before

    # business time since the table origin F(clock) is computed once per lead; elapsed times
    # and deadlines derive from it (see BusinessCalendar: elapsed = F(b) - F(a))
    s = sla.sales
    business = [
        c.within for c in (s.first_touch, s.attempts, s.accept) if c is not None and c.business_time
    ]
    max_bus = max(
        (int(calendar.business_duration(w).astype(np.int64)) for w in business), default=0
    )
    clock_sc = L.clock[scope]
    elapsed_bus = np.zeros(n, dtype=np.int64)
    f_clock_full = np.zeros(n, dtype=np.int64)
    bclock: Any = None
    f_clock: np.ndarray | None = None
    if clock_sc.size:
        bclock = calendar._business_clock(int(clock_sc.min()), t_asof, max_bus)
        f_clock = bclock.F(clock_sc)
        f_clock_full[scope] = f_clock
        elapsed_bus[scope] = bclock.F(np.array([t_asof], dtype=np.int64))[0] - f_clock
    elapsed_wall = np.where(scope, t_asof - L.clock, 0)

    cols: dict[str, np.ndarray] = {
        "lead_id": L.ids,
        "owner": L.owner if L.owner is not None else np.full(n, None, dtype=object),
        "assigned_at": L.assigned.view(TIME_DTYPE),
        "clock_start": np.where(scope, L.clock, _NAT).view(TIME_DTYPE),
        "reassigned": L.reassigned,
        "in_scope": scope,
        "activities": to_leads(n_known_seg, 0),
        "activities_counted": n_counted,
        "activities_before_assignment": n_before,
        "activities_after_as_of": n_after,
    }
    status_cols: list[np.ndarray] = []
    status_codes: dict[str, np.ndarray] = {}
    breach_parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []
    n_act = A.time.size

    def counted_until(end_per_lead: np.ndarray) -> np.ndarray:
        """Counted activities (clock start <= t <= as_of) at or before a per-lead end."""
        end = np.repeat(seg_values(end_per_lead, _NAT), lengths)
        out = A.time <= end
        out &= counted
        return out

    # --- first touch ---------------------------------------------------------------------
    kinds = s.first_touch.kinds if s.first_touch is not None else None
    if kinds is None:
        # the first counted activity of a lead comes right after its "before" prefix
        has = n_counted_seg > 0
        idx = np.minimum(A.offsets[:-1] + n_before_seg, max(n_act - 1, 0))
        first_seg = np.where(has, A.time[idx] if n_act else _BIG, _BIG)
    else:
        km = _kind_mask(A, kinds)
        assert km is not None
        mask = counted & km
        first_seg = seg.segment_min(np.where(mask, A.time, _BIG), A.offsets, empty=_BIG)
    first = to_leads(first_seg.astype(np.int64), _BIG)
    touched = first != _BIG
    first_at = np.where(touched, first, _NAT)
    cols["first_touch_at"] = first_at.view(TIME_DTYPE)
    resp_bus = np.full(n, _NAT, dtype=np.int64)
    if touched.any():
        resp_bus[touched] = (bclock.F(first_at[touched]) - f_clock_full[touched]) // 1_000_000
    cols["response_business"] = resp_bus.view("timedelta64[s]")
    cols["response_wall"] = np.where(touched, (first_at - L.clock) // 1_000_000, _NAT).view(
        "timedelta64[s]"
    )
    if s.first_touch is not None:
        ft = s.first_touch
        deadline, dur = _window(
            calendar, L.clock, scope, ft.within, ft.business_time, bclock, f_clock
        )
        frac = (elapsed_bus if ft.business_time else elapsed_wall) / dur
        st = np.full(n, NA, dtype=np.int8)
        st[scope] = _pending_or_risk(frac[scope], sla.at_risk_after)
        st[scope & ~touched & (t_asof > deadline)] = BREACHED
        st[scope & touched & (first_at <= deadline)] = MET
        st[scope & touched & (first_at > deadline)] = BREACHED
        cols["first_touch_deadline"] = deadline.view(TIME_DTYPE)
        cols["first_touch_status"] = _STATUS_LABELS[st]
        status_cols.append(st)
        status_codes["first_touch"] = st
        reason = np.where(touched, R_LATE_TOUCH, R_NO_TOUCH)
        breach_parts.append(("first_touch", st == BREACHED, deadline, reason))

    # --- attempts ------------------------------------------------------------------------
    if s.attempts is not None:
        at = s.attempts
        deadline, dur = _window(
            calendar, L.clock, scope, at.within, at.business_time, bclock, f_clock
        )
        in_win = np.flatnonzero(counted_until(deadline))
        if at.kinds is None and at.per_kind is None:
            total = to_leads(np.bincount(seg_of[in_win], minlength=nseg), 0)
            per_kind: dict[str, np.ndarray] = {}
        else:
            if A.kind_codes is None:
                raise MissingColumnError(
                    "the SLA counts attempts by kind but the activities have no 'kind' column",
                    column="kind",
                    table="activities",
                )
            # one bincount over (lead, kind) gives every per-kind count at once
            nk = int(A.kind_categories.size) + 1  # last slot: missing kind
            kc = A.kind_codes[in_win].astype(np.int64)
            kc[kc < 0] = nk - 1
            by_kind = np.bincount(seg_of[in_win] * nk + kc, minlength=nseg * nk).reshape(nseg, nk)
            cats = A.kind_categories.tolist()

            def kind_count(names: tuple[str, ...]) -> np.ndarray:
                pos = [cats.index(k) for k in names if k in cats]  # loop over kinds
                return to_leads(by_kind[:, pos].sum(axis=1), 0)

            total = to_leads(by_kind.sum(axis=1), 0) if at.kinds is None else kind_count(at.kinds)
            per_kind = {k: kind_count((k,)) for k in (at.per_kind or {})}
        ok = total >= (at.minimum or 0)
        cols["attempts"] = total
        cols["attempts_required"] = np.full(n, at.required, dtype=np.int64)
        for kind, c in per_kind.items():  # loop over kinds
            cols[f"attempts_{kind}"] = c
            ok &= c >= (at.per_kind or {})[kind]
        del in_win
        frac = (elapsed_bus if at.business_time else elapsed_wall) / dur
        st = np.full(n, NA, dtype=np.int8)
        st[scope] = _pending_or_risk(frac[scope], sla.at_risk_after)
        st[scope & ~ok & (t_asof > deadline)] = BREACHED
        st[scope & ok] = MET
        cols["attempts_deadline"] = deadline.view(TIME_DTYPE)
        cols["attempts_status"] = _STATUS_LABELS[st]
        status_cols.append(st)
        status_codes["attempts"] = st
        breach_parts.append(
            ("attempts", st == BREACHED, deadline, np.full(n, R_SHORT, dtype=np.int64))
        )

    # --- accept / reject -----------------------------------------------------------------
    if s.accept is not None:
        ac = s.accept
        deadline, dur = _window(
            calendar, L.clock, scope, ac.within, ac.business_time, bclock, f_clock
        )
        acc = np.where((L.accepted != _NAT) & (L.accepted <= t_asof), L.accepted, _BIG)
        rej = np.where((L.rejected != _NAT) & (L.rejected <= t_asof), L.rejected, _BIG)
        is_rej = (rej < acc) & (rej != _BIG)
        is_acc = (acc <= rej) & (acc != _BIG)
        if L.reason is not None:
            reasons = L.reason.values()
            has_reason = L.reason.codes >= 0
            ok_cat = np.isin(L.reason.categories, np.array(ac.reason_codes, dtype=object))
            valid = has_reason & np.append(ok_cat, False)[L.reason.codes]
        else:
            reasons = np.full(n, None, dtype=object)
            has_reason = np.zeros(n, dtype=bool)
            valid = has_reason
        late_rej = is_rej & (rej > deadline)
        dec = np.full(n, D_NA, dtype=np.int8)
        dec[scope] = D_PENDING
        dec[scope & (t_asof > deadline)] = D_AUTO
        dec[scope & is_acc] = D_ACCEPTED
        dec[scope & is_rej & ~late_rej] = D_REJECTED
        dec[scope & late_rej] = D_AUTO
        frac = (elapsed_bus if ac.business_time else elapsed_wall) / dur
        st = np.full(n, NA, dtype=np.int8)
        st[scope] = _pending_or_risk(frac[scope], sla.at_risk_after)
        st[scope & (dec != D_PENDING)] = MET
        bad = scope & is_rej & (late_rej | ~valid)
        st[bad] = BREACHED
        cols["decision"] = _DECISIONS[dec]
        cols["decided_at"] = np.where(is_acc, acc, np.where(is_rej, rej, _NAT)).view(TIME_DTYPE)
        cols["rejection_reason"] = np.asarray(np.where(is_rej, reasons, None))
        cols["reason_valid"] = np.where(is_rej, valid, True)
        cols["accept_deadline"] = deadline.view(TIME_DTYPE)
        cols["accept_status"] = _STATUS_LABELS[st]
        status_cols.append(st)
        status_codes["accept"] = st
        reason = np.where(late_rej, R_LATE_REJECT, np.where(has_reason, R_INVALID, R_MISSING))
        breach_parts.append(("accept", st == BREACHED, deadline, reason))

    overall = np.maximum.reduce(status_cols) if status_cols else np.where(scope, MET, NA)
    overall = np.asarray(overall, dtype=np.int8)
    cols["status"] = _STATUS_LABELS[overall]
    lead_table = LeadStatus(cols, backend=L.backend)

    # --- breaches ------------------------------------------------------------------------
    # rows in (lead, commitment) order: the row-major non-zeros of a lead × commitment mask
    k = len(breach_parts)
    if k:
        flat = np.flatnonzero(np.stack([p[1] for p in breach_parts], axis=1).ravel())
        bi, bc = flat // k, flat % k
        b_dl = np.stack([p[2] for p in breach_parts], axis=1).ravel()[flat]
        b_reason = np.stack([p[3] for p in breach_parts], axis=1).ravel()[flat]
    else:
        bi = bc = b_dl = b_reason = np.empty(0, dtype=np.int64)
    names = np.array([p[0] for p in breach_parts], dtype=object)
    breaches = BreachList(
        {
            "lead_id": L.ids[bi],
            "owner": cols["owner"][bi],
            "commitment": names[bc] if k else np.empty(0, dtype=object),
            "reason": _BREACH_REASONS[b_reason.astype(np.int64)],
            "clock_start": L.clock[bi].view(TIME_DTYPE),
            "deadline": b_dl.view(TIME_DTYPE),
            "first_touch_at": first_at[bi].view(TIME_DTYPE),
            "attempts": cols["attempts"][bi] if "attempts" in cols else np.zeros(bi.size, np.int64),
            "attempts_required": (
                cols["attempts_required"][bi]
                if "attempts_required" in cols
                else np.zeros(bi.size, np.int64)
            ),
        },
        backend=L.backend,
    )

    # --- periods -------------------------------------------------------------------------
    periods, daily = _periods_and_daily(
        sla,
        calendar,
        L,
        A,
        cols,
        status_codes,
        scope,
        counted,
        resp_bus,
        t_asof,
    )

    summary: dict[str, Any] = {
        "as_of": np.datetime64(t_asof, "us"),
        "n_leads": n,
        "in_scope": int(scope.sum()),
        "not_assigned": int((~has_clock).sum()),
        "assigned_after_as_of": int((has_clock & ~scope).sum()),
        "reassigned": int(L.reassigned.sum()),
        "n_activities": int(A.time.size + A.extra_unknown_rows.size),
        "activities_counted": int(n_counted.sum()),
        "activities_before_assignment": int(n_before.sum()),
        "activities_after_as_of": int(n_after.sum()),
        "activities_unknown_lead": n_unknown,
        "breaches": int(breaches.n_rows),
    }
    for name, st in [*status_codes.items(), ("overall", overall)]:  # loop over commitments
        counts = np.bincount(st, minlength=len(STATUSES))
        for code, label in enumerate(STATUSES):
            summary[f"{name}_{label}"] = int(counts[code])
    return SLAReport(
        leads=lead_table,
        periods=periods,
        daily=daily,
        breaches=breaches,
        unknown_activities=unknown_table,
        summary=summary,
        sla=sla,
        calendar=calendar,
        as_of=np.datetime64(t_asof, "us"),
    )


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
    n = L.ids.size
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
    a_start, _a_end = periods_of(np.array([asof_day]), sla)
    bounds = []
    for arr in (d_start, c_start, a_start):  # first and last period touched by the data
        v = arr.view(np.int64)
        v = v[v != _NAT]
        if v.size:
            bounds += [v.min(), v.max()]
    # every period between the first and the one of as_of
    starts, ends = periods_between(np.array(bounds, dtype=np.int64).view("datetime64[D]"), sla)
    P = starts.size

    # split keys
    if mk is not None and mk.split_by is not None:
        assert L.split is not None
        cat = L.split
        missing = cat.codes < 0
        extra = ["(missing)"] if missing.any() else []
        listed = np.array(sorted(mk.split or {}) + extra, dtype=object)
        keys = np.unique(np.concatenate([cat.categories.astype(object), listed]))
        cat_pos = np.searchsorted(keys, cat.categories.astype(object))
        if cat_pos.size == 0:
            cat_pos = np.zeros(1, dtype=np.int64)
        kcode = np.where(
            missing, np.searchsorted(keys, "(missing)"), cat_pos[np.maximum(cat.codes, 0)]
        ).astype(np.int64)
        split_name = mk.split_by
    else:
        keys = np.array(["(all)"], dtype=object)
        kcode = np.zeros(n, dtype=np.int64)
        split_name = "split"
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

    # --- daily ---------------------------------------------------------------------------
    if P:
        day0 = starts[0]
        day1 = max(asof_day, day0)
        days = np.arange(day0, day1 + np.timedelta64(1, "D"))
    else:
        days = np.array([asof_day], dtype="datetime64[D]")
    D = days.size

    def by_day(d: np.ndarray, mask: np.ndarray) -> np.ndarray:
        i = (d - days[0]).astype(np.int64)
        ok = mask & ~np.isnat(d) & (i >= 0) & (i < D)
        return np.bincount(i[ok], minlength=D)

    day_counts: dict[str, np.ndarray] = {}
    if mk is not None:
        day_counts["delivered"] = by_day(deliv_day, delivered_ok & L.qualified)
    day_counts["leads_assigned"] = by_day(clock_day, scope)
    first_at = cols["first_touch_at"]
    day_counts["first_touches"] = by_day(cal.local_dates(first_at), scope & ~np.isnat(first_at))
    day_counts["activities"] = cal._count_by_local_day(
        A.time[counted], int(days[0].astype(np.int64)), D
    )
    for name, st in status_codes.items():  # loop over commitments
        dl_day = cal.local_dates(cols[f"{name}_deadline"])
        day_counts[f"{name}_due"] = by_day(dl_day, scope)
        day_counts[f"{name}_breaches"] = by_day(dl_day, st == BREACHED)
    daily = daily_table(sla, days, day_counts)
    return periods, DailySeries(daily, backend=L.backend)


# --------------------------------------------------------------------------------------------
# tables from additive counts (shared with alignment.dask, which sums the counts of partitions)
# --------------------------------------------------------------------------------------------


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
        real = keys != "(missing)"
        return np.where(real, mk.qualified_leads / max(int(real.sum()), 1), 0.0)
    return np.full(keys.size, float(mk.qualified_leads))


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
        out["on_pace"] = delivered >= out["pace_to_date"]
    out["leads_assigned"] = counts["leads_assigned"]
    for name in commitments:  # loop over commitments
        met, br = counts[f"{name}_met"], counts[f"{name}_breached"]
        out[f"{name}_met"] = met
        out[f"{name}_breached"] = br
        out[f"{name}_pending"] = counts[f"{name}_pending"]
        out[f"{name}_at_risk"] = counts[f"{name}_at_risk"]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{name}_compliance"] = np.where(met + br > 0, met / (met + br), np.nan)
    med, p90 = _group_quantiles(response_values, response_groups, G, (0.5, 0.9))
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


def daily_table(sla: SLA, days: np.ndarray, counts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The columns of :class:`DailySeries` from additive counts per day.

    ``days`` are consecutive local dates; ``counts`` the per-day int64 counts in column order
    (``delivered`` first when there is a marketing side).  Adds ``period_start`` and, after
    ``delivered``, the running totals ``delivered_to_date`` (restarting each period),
    ``committed`` and ``pace_to_date`` (the commitment times the elapsed share of the period).
    """
    mk = sla.marketing
    daily: dict[str, np.ndarray] = {"date": days}
    dstart, dend = periods_of(days, sla)
    daily["period_start"] = dstart
    for c, q in counts.items():  # loop over columns
        daily[c] = q
        if c == "delivered" and mk is not None:
            cum = np.cumsum(q)
            p_first = np.searchsorted(days, dstart)  # index of each day's period start
            base = np.where(p_first > 0, cum[np.maximum(p_first - 1, 0)], 0)
            daily["delivered_to_date"] = cum - base
            total = float(mk.qualified_leads)
            plen = (dend - dstart).astype(np.float64)
            elapsed_days = (days - dstart).astype(np.float64) + 1.0
            daily["committed"] = np.where(np.isnat(dstart), 0.0, total)
            daily["pace_to_date"] = np.where(
                np.isnat(dstart), 0.0, total * np.clip(elapsed_days / plen, 0.0, 1.0)
            )
    return daily
