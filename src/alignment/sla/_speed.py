"""Speed to lead: how fast leads are routed, attempted and reached, per lead, per rep, per key.

Per lead (one row each, the caller's order): the *system delay* from creation to assignment,
the *rep delay* from assignment to the first attempt and the *time to connect* from assignment
to the first connect, in business hours on a :class:`BusinessCalendar` (one ``elapsed`` call
per delay) or in wall-clock hours.  The first attempt and connect come from the activity CSR
(``alignment._segments.segment_first_true``), the per-rep and per-key medians and 95th
percentiles from ``alignment._segments.group_quantiles``: no Python loop per lead or activity.
The rules are in :func:`speed_to_lead` and ``docs/sla.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from .. import _segments as seg
from .._frames import factorize
from .._grouplabel import MISSING_LABEL
from .._options import read_as_of, reads_options, warn
from .._params import is_option
from .._results import CallableDict, ReportTable, Result
from .._time import TIME_DTYPE
from ..errors import DataValidationError, MissingColumnError, ParameterError
from ..tables._groups import group_codes
from ._bundle import bundle_inputs
from ._calendar import BusinessCalendar, check_zone_range
from ._kinds import carried, category_hits, fold_names, missing_names, some_values
from ._owners import owner_labels

__all__ = [
    "ATTEMPT_KINDS",
    "CONNECT_OUTCOMES",
    "SPEED_STATUSES",
    "SpeedTable",
    "SpeedToLead",
    "speed_to_lead",
]

#: activity kinds that count as an attempt to reach the lead (compared case-insensitively)
ATTEMPT_KINDS: tuple[str, ...] = ("call", "email", "meeting", "sms", "linkedin", "chat", "video")
#: activity outcomes that count as a connect: the lead was reached (case-insensitive)
CONNECT_OUTCOMES: tuple[str, ...] = (
    "connected",
    "replied",
    "held",
    "answered",
    "conversation",
    "meeting_booked",
)
#: the status of a lead, in order: no assignment, assigned without attempt, attempted, connected
SPEED_STATUSES: tuple[str, ...] = ("not assigned", "not attempted yet", "attempted", "connected")
#: the rep of a lead without an owner and without an activity carrying a rep
NO_REP = "(no rep)"
#: the key of leads without a value in the ``by`` column
MISSING = MISSING_LABEL
#: the three delays, with why a lead has no value and why a group has no quantile
DELAYS: dict[str, tuple[str, str]] = {
    "system_delay": ("not assigned, or assigned before created", "no lead assigned"),
    "rep_delay": ("not assigned, or not attempted yet", "no lead attempted"),
    "time_to_connect": ("not assigned, or not connected", "no lead connected"),
}
_NAT = np.iinfo(np.int64).min
_US_PER_HOUR = 3_600_000_000
_QS = (0.5, 0.95)


class SpeedTable(ReportTable):
    """A speed-to-lead table: per lead, per rep or per ``by`` key (see :class:`SpeedToLead`)."""

    title = "speed to lead"


@dataclass(frozen=True)
class _Acts:
    """The activities, per lead segment (sorted by time within a lead)."""

    offsets: np.ndarray  # CSR offsets, one segment per row of seg_lead
    time: np.ndarray  # int64 µs
    seg_lead: np.ndarray  # lead row of each segment (-1: unknown lead, ignored)
    known: np.ndarray  # bool per activity: at or before as_of (known then)
    attempt: np.ndarray  # bool per activity (known attempts only)
    connect: np.ndarray | None  # bool per activity; None: connects not measured
    rep: Any  # Categorical per activity (code -1: missing); None: no rep column
    n_unknown: int  # activities of leads not in the lead table (ignored)
    n_activities: int  # every activity given, those of unknown leads included
    n_after: int  # activities of known leads after as_of (not known yet)


def _names(value: Any, name: str) -> frozenset[str] | None:
    """``None``, or a non-empty collection of strings, folded (stripped, case-folded)."""
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, bytes):
        raise ParameterError(f"{name} must be None or a list of strings, got {value!r}")
    out = list(items)
    if not out or not all(isinstance(v, str) and v.strip() for v in out):
        raise ParameterError(
            f"{name} must be None or a non-empty list of non-empty strings, got {value!r}"
        )
    return fold_names(out)


def _flags(cat: Any, names: frozenset[str]) -> np.ndarray:
    """Per row of a Categorical: its (folded) value is in ``names`` (missing → False)."""
    return np.asarray(category_hits(cat.categories, names)[cat.codes])


def _warn_unmatched(
    log: Any, kinds: frozenset[str] | None, outcomes: frozenset[str] | None
) -> None:
    """One warning when none of ``attempt_kinds`` (``connect_outcomes``) is a kind (outcome)
    of any activity: every lead would be silently "not attempted yet" (never connected)."""
    parts = []
    for arg, names, cat, column, effect in (
        ("attempt_kinds", kinds, log.kind, "kind", "no lead is attempted"),
        ("connect_outcomes", outcomes, log.outcome, "outcome", "no lead is connected"),
    ):
        if names is None or cat is None:
            continue
        present = carried(cat.categories, cat.codes)
        if present and len(missing_names(names, present)) == len(names):  # (none matches)
            parts.append(
                f"none of {arg} {sorted(names)} is the {column} of an activity (compared "
                f"case-insensitively), whose {column}s are {some_values(present)}: {effect}"
            )
    if parts:
        warn(
            f"speed_to_lead: {'; '.join(parts)}; fix: name them as the activities write "
            "them, or pass None to count every activity as an attempt (leave connects out)",
            stacklevel=5,  # (the caller of speed_to_lead)
        )


def _bundle(leads: Any, activities: Any, as_of: Any) -> tuple[Any, Any, Any]:
    return bundle_inputs(
        leads,
        activities,
        as_of,
        caller="speed_to_lead",
        columns="lead_id, timestamp, kind, rep, outcome",
    )


def _read_activities(
    activities: Any,
    lt: Any,
    kinds: frozenset[str] | None,
    outcomes: frozenset[str] | None,
    unknown_leads: str,
    t_asof: int | None,
    calendar: BusinessCalendar | None = None,
) -> _Acts:
    from ..tables import ActivityLog

    prebuilt = isinstance(activities, ActivityLog)
    how = "raise" if unknown_leads == "raise" else "report"
    log = activities
    if not prebuilt:
        log = ActivityLog._build(
            activities, lead="lead_id", time="timestamp", kind="kind", rep="rep",
            outcome="outcome", leads=lt, unknown=how, option="unknown_leads='ignore'",
        )  # fmt: skip
    if prebuilt:
        seg_lead, found = lt.positions(log.keys)
    else:
        seg_lead, found = np.arange(lt.n_leads, dtype=np.int64), np.ones(lt.n_leads, bool)
    lengths = np.diff(log.offsets)
    unknown = np.repeat(~found, lengths)
    if unknown.any() and unknown_leads == "raise":
        raise DataValidationError(
            "activities for leads that are not in the lead table",
            column="lead_id",
            table="activities",
            rows=np.sort(log.row[unknown]),
            value=log.keys[np.flatnonzero(~found & (lengths > 0))[0]],
            fix="add those leads, drop the activities, or pass unknown_leads='ignore'",
        )
    _warn_unmatched(log, kinds, outcomes)
    time = np.asarray(log.time).astype(TIME_DTYPE).view(np.int64)
    known = np.ones(time.size, dtype=bool) if t_asof is None else time <= t_asof
    if kinds is None:
        attempt = known
    elif log.kind is None:
        raise MissingColumnError(
            "speed_to_lead counts attempts by kind but the activities have no 'kind' column",
            column="kind",
            table="activities",
            fix="add the kind column (call, email, meeting ...), or pass attempt_kinds=None to "
            "count every activity as an attempt",
        )
    else:
        attempt = known & _flags(log.kind, kinds)
    connect = None
    if outcomes is not None:
        if log.outcome is None:
            raise MissingColumnError(
                "speed_to_lead finds connects by outcome but the activities have no 'outcome' "
                "column",
                column="outcome",
                table="activities",
                fix="add the outcome column (connected, replied ...), or pass "
                "connect_outcomes=None to leave connects out",
            )
        connect = attempt & _flags(log.outcome, outcomes)
    at = np.where(attempt, time, _NAT)  # (the instants timed on the calendar)
    check_zone_range(calendar, at, column="timestamp", table="activities", positions=log.row)
    return _Acts(
        offsets=np.asarray(log.offsets, dtype=np.int64),
        time=time,
        seg_lead=np.where(found, seg_lead, -1).astype(np.int64),
        known=known,
        attempt=attempt,
        connect=connect,
        rep=log.rep,
        n_unknown=int(unknown.sum()) + int(log.unknown_rows.size),
        n_activities=int(log.time.size) + int(log.unknown_rows.size),
        n_after=int((~known & ~unknown).sum()),
    )


def _per_lead(per_seg: np.ndarray, acts: _Acts, n: int, fill: Any) -> np.ndarray:
    """A per-segment array as one value per lead (``fill`` for leads without a segment)."""
    out = np.full(n, fill, dtype=per_seg.dtype)
    known = acts.seg_lead >= 0
    out[acts.seg_lead[known]] = per_seg[known]
    return out


def _first_time(mask: np.ndarray, acts: _Acts, n: int) -> np.ndarray:
    """Per lead: the instant (µs) of its first activity in ``mask``; ``_NAT`` if none."""
    idx = seg.segment_first_true(mask, acts.offsets)
    at = np.where(idx >= 0, acts.time[np.maximum(idx, 0)] if acts.time.size else _NAT, _NAT)
    return _per_lead(at.astype(np.int64), acts, n, _NAT)


def _delay_us(calendar: BusinessCalendar | None, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """``end − start`` in µs (business time on a calendar); ``_NAT`` where either is missing."""
    if calendar is not None:
        out = calendar.elapsed(start.view(TIME_DTYPE), end.view(TIME_DTYPE), unit="us")
        return np.asarray(out).view(np.int64)
    ok = (start != _NAT) & (end != _NAT)
    return np.where(ok, end - np.where(ok, start, 0), _NAT)


def _first_rep(acts: _Acts) -> np.ndarray:
    """Per segment: the rep of its first known activity (object, ``None`` if none).  Among
    activities at that same first instant, the first rep in text order (a missing rep only
    when none of them has one): the same rep in any row order of the activities."""
    n_seg = acts.offsets.size - 1
    first = seg.segment_first_true(acts.known, acts.offsets)
    if acts.rep is None or not acts.time.size:
        return np.full(n_seg, None, dtype=object)
    labels = np.asarray(acts.rep.categories, dtype=object)
    none = labels.size  # (a missing rep sorts after every rep)
    code = np.where(acts.rep.codes >= 0, acts.rep.codes, none).astype(np.int64)
    t0 = np.where(first >= 0, acts.time[np.maximum(first, 0)], _NAT)
    tied = acts.known & (acts.time == seg.broadcast(t0, acts.offsets))
    best = seg.group_min(np.where(tied, code, none), seg.segment_ids(acts.offsets), n_seg, none)
    lut = np.empty(none + 1, dtype=object)
    lut[:none] = labels  # (the last slot: None)
    return np.asarray(lut[best], dtype=object)


def _rep_of_leads(lt: Any, acts: _Acts) -> np.ndarray:
    """Per lead: its owner, else the rep of its first (known) activity, else :data:`NO_REP`."""
    rep = _per_lead(_first_rep(acts), acts, lt.n_leads, None)
    owner = owner_labels(lt)
    if owner is not None:
        rep = np.where(np.equal(owner, np.array(None, dtype=object)), rep, owner)
    missing = np.equal(rep, np.array(None, dtype=object)).astype(bool)
    return np.where(missing, NO_REP, rep).astype(object)


def _assigned_at(lt: Any, assigned: str) -> np.ndarray:
    """The assignment instant of every lead: the stage column ``assigned`` (``"created_at"``:
    assigned when created); refused, naming the leads' datetime columns, when absent."""
    if assigned == "created_at":
        return np.asarray(lt.created_at)
    if assigned not in lt.stages:
        have = ["created_at", *lt.stages]
        raise MissingColumnError(
            f"speed_to_lead needs the assignment instant {assigned!r}; the leads have no such "
            f"datetime column (their datetime columns: {', '.join(have)})",
            column=assigned,
            table="leads",
            fix="add the assignment column, or name one of those with assigned= "
            "(assigned='created_at' times the reps from the lead's creation)",
        )
    return np.asarray(lt.stages[assigned])


def _lead_columns(
    lt: Any,
    acts: _Acts,
    calendar: BusinessCalendar | None,
    assigned_col: str,
    by: tuple[str, np.ndarray, np.ndarray] | None,
    t_asof: int | None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The per-lead table (caller's row order, delays in hours) and the delays in µs."""
    n = lt.n_leads
    created = np.asarray(lt.created_at).view(np.int64)
    assigned = _assigned_at(lt, assigned_col).view(np.int64)
    if t_asof is not None:  # an assignment recorded after as_of is not known yet
        assigned = np.where(assigned > t_asof, _NAT, assigned)
    has = assigned != _NAT
    check_zone_range(calendar, np.where(has, created, _NAT), column="created_at", table="leads")
    check_zone_range(calendar, assigned, column=assigned_col, table="leads")
    first_attempt = _first_time(acts.attempt, acts, n)
    connect_at = None if acts.connect is None else _first_time(acts.connect, acts, n)
    before_created = has & (assigned < created)
    delays = {
        "system_delay": _delay_us(calendar, created, np.where(before_created, _NAT, assigned)),
        "rep_delay": _from_assignment(calendar, assigned, first_attempt),
    }
    cols: dict[str, np.ndarray] = {"lead_id": lt.ids, "rep": _rep_of_leads(lt, acts)}
    if by is not None:
        cols[by[0]] = by[1][by[2]]
    cols["created_at"] = created.view(TIME_DTYPE)
    cols["assigned_at"] = assigned.view(TIME_DTYPE)
    cols["first_attempt_at"] = first_attempt.view(TIME_DTYPE)
    code = np.where(has, np.where(first_attempt != _NAT, 2, 1), 0)
    if connect_at is not None:
        cols["first_connect_at"] = connect_at.view(TIME_DTYPE)
        delays["time_to_connect"] = _from_assignment(calendar, assigned, connect_at)
        code = np.where(has & (connect_at != _NAT), 3, code)
    cols.update({d: _hours(us) for d, us in delays.items()})
    # attempts before the assignment (every attempt of a lead never assigned)
    limit = _per_seg(np.where(has, assigned, np.iinfo(np.int64).max), acts)
    early = acts.attempt & (acts.time < np.repeat(limit, np.diff(acts.offsets)))
    cols["attempts"] = _per_lead(seg.segment_count(acts.attempt, acts.offsets), acts, n, 0)
    cols["attempts_before_assignment"] = _per_lead(
        seg.segment_count(early, acts.offsets), acts, n, 0
    )
    cols["assigned_before_created"] = before_created
    cols["status"] = np.array(SPEED_STATUSES, dtype=object)[code]
    return cols, delays


def _per_seg(per_lead: np.ndarray, acts: _Acts) -> np.ndarray:
    """A per-lead int64 array as one value per segment (0 for an unknown lead's segment)."""
    known = acts.seg_lead >= 0
    return np.where(known, per_lead[np.maximum(acts.seg_lead, 0)] if per_lead.size else 0, 0)


def _from_assignment(
    calendar: BusinessCalendar | None, assigned: np.ndarray, at: np.ndarray
) -> np.ndarray:
    """Delay from the assignment to ``at`` (µs); an event before the assignment counts 0."""
    d = _delay_us(calendar, assigned, at)
    return np.where(d == _NAT, _NAT, np.maximum(d, 0))


def _hours(us: np.ndarray) -> np.ndarray:
    """µs (``_NAT`` missing) → float hours (NaN missing)."""
    return np.where(us == _NAT, np.nan, us / _US_PER_HOUR)


def _group_codes(values: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct labels of an object column of strings, and each row's code."""
    cat = factorize(values, column=name, table="leads")
    return cat.categories.astype(object), np.asarray(cat.codes, dtype=np.int64)


#: column names of the per-lead and per-key tables a ``by`` column must not take
_RESERVED = frozenset(
    ["lead_id", "rep", "created_at", "assigned_at", "first_attempt_at", "first_connect_at",
     "attempts", "attempts_before_assignment", "assigned_before_created", "status", "leads",
     "not_assigned", "not_attempted", "attempted", "connected",
     *DELAYS, *(f"{d}_{q}" for d in DELAYS for q in ("median", "p95"))]
)  # fmt: skip


def _by_column(lt: Any, by: str) -> tuple[str, np.ndarray, np.ndarray]:
    """The ``by`` column's name in the tables (``"by"`` if taken), its keys and every lead's
    code into them.

    ``by`` is any lead column, read as ``funnel.observe(by=)`` reads it
    (:func:`~alignment.tables._groups.group_codes`): text as itself, integer codes as
    themselves (``"101"``, a ``101.0`` a missing value made float too), flags ``"False"`` /
    ``"True"``, other numbers by the float; a lead without a value has the key
    :data:`MISSING`.
    """
    codes, _, keys = group_codes(lt, by, lt.exact.get(by))
    return ("by" if by in _RESERVED else by), keys, codes


def _group_table(
    name: str,
    labels: np.ndarray,
    code: np.ndarray,
    status: np.ndarray,
    delays: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Per key (``labels``; ``code``: each lead's): lead counts by status, then the median and
    p95 of every delay (hours)."""
    k = labels.size
    out: dict[str, np.ndarray] = {name: labels, "leads": np.bincount(code, minlength=k)}
    flags = {
        "not_assigned": status == SPEED_STATUSES[0],
        "not_attempted": status == SPEED_STATUSES[1],
        "attempted": np.isin(status, SPEED_STATUSES[2:]),
    }
    if "time_to_connect" in delays:
        flags["connected"] = status == SPEED_STATUSES[3]
    for col, flag in flags.items():  # loop over the count columns
        out[col] = np.bincount(code, weights=flag, minlength=k).astype(np.int64)
    for d, us in delays.items():  # loop over the delays
        out[f"{d}_median"], out[f"{d}_p95"] = _quantiles(us, code, k)
    return out


def _quantiles(us: np.ndarray, code: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Median and p95 in hours (linear interpolation, as ``numpy.quantile``); NaN if none."""
    ok = us != _NAT
    med, p95 = seg.group_quantiles(us[ok], code[ok], k, _QS)
    return med / _US_PER_HOUR, p95 / _US_PER_HOUR


def _summary(
    lead: dict[str, np.ndarray],
    delays: dict[str, np.ndarray],
    acts: _Acts,
    unit: str,
    t_asof: int | None,
) -> dict[str, Any]:
    """Counts accounting for every lead and activity; overall median and p95 of each delay."""
    status = lead["status"]
    counts = {s: int((status == s).sum()) for s in SPEED_STATUSES}  # loop over statuses
    connects = "time_to_connect" in delays
    out: dict[str, Any] = {
        "n_leads": int(status.size),
        "not_assigned": counts["not assigned"],
        "not_attempted": counts["not attempted yet"],
        "attempted": counts["attempted"] + counts["connected"],
        "connected": counts["connected"] if connects else float("nan"),
        "activities": acts.n_activities,
        "attempts": int(lead["attempts"].sum()),
        "attempts_before_assignment": int(lead["attempts_before_assignment"].sum()),
        "assigned_before_created": int(lead["assigned_before_created"].sum()),
        "activities_unknown_lead": acts.n_unknown,
        "activities_after_as_of": acts.n_after,
        "created_after_as_of": 0
        if t_asof is None
        else int((lead["created_at"].view(np.int64) > t_asof).sum()),
        "unit": unit,
    }
    for d, us in delays.items():  # loop over the delays
        med, p95 = _quantiles(us, np.zeros(us.size, np.int64), 1)
        out[f"{d}_median"], out[f"{d}_p95"] = float(med[0]), float(p95[0])
    if not connects:
        out["connect_not_measured"] = "connect_outcomes=None: connects are not measured"
    return out


class SpeedToLead(Result):
    """The result of :func:`speed_to_lead`: delays per lead, and their spread per rep and key.

    Follows the result contract (``docs/results.md``): ``to_frame(level=None, backend=None)``
    with the levels ``"lead"`` (default), ``"rep"`` and ``"by"`` (with ``by=`` only);
    ``summary()``; ``plot(ax=None)``.

    Attributes
    ----------
    leads : SpeedTable
        Per lead, the caller's row order: ``lead_id``, ``rep``, the ``by`` column (when given),
        ``created_at``, ``assigned_at``, ``first_attempt_at``, ``first_connect_at``,
        ``system_delay``, ``rep_delay``, ``time_to_connect`` (hours, see :attr:`unit`),
        ``attempts``, ``attempts_before_assignment``, ``assigned_before_created``, ``status``
        (one of :data:`SPEED_STATUSES`).
    reps : SpeedTable
        Per rep (sorted by name): ``rep``, ``leads``, ``not_assigned``, ``not_attempted``,
        ``attempted``, ``connected``, then ``<delay>_median`` and ``<delay>_p95`` per delay.
    by : SpeedTable or None
        The same per key of the ``by`` column; ``None`` without ``by=``.
    unit : str
        ``"business hours"`` (with a calendar) or ``"hours"`` (wall clock).
    calendar : BusinessCalendar or None
        The calendar the delays were measured on.
    summary : callable dict
        ``summary()``: counts accounting for every lead and activity, and the overall median
        and p95 of each delay.

    Without connects (``connect_outcomes=None``) the connect columns are left out and
    ``summary()["connect_not_measured"]`` says why.
    """

    levels: ClassVar[tuple[str, ...]] = ("lead", "rep", "by")

    def __init__(
        self,
        *,
        leads: SpeedTable,
        reps: SpeedTable,
        by: SpeedTable | None,
        summary: dict[str, Any],
        unit: str,
        calendar: BusinessCalendar | None,
    ) -> None:
        self.leads = leads
        self.reps = reps
        self.by = by
        self.summary = CallableDict(summary)
        self.unit = unit
        self.calendar = calendar

    @property
    def not_measured(self) -> dict[str, str]:
        """Per column, why its NaN cells have no value (a delay with no event to measure)."""
        out: dict[str, str] = {}
        for d, (lead, group) in DELAYS.items():  # loop over the delays
            out[d] = lead
            out[f"{d}_median"] = out[f"{d}_p95"] = group
        return out

    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
        """The table of ``level`` (``"lead"``, ``"rep"``, ``"by"``) in ``backend``."""
        level, backend = self._frame_args(level, backend)
        table = {"lead": self.leads, "rep": self.reps, "by": self.by}[level]
        if table is None:
            raise ParameterError(
                "to_frame(level='by'): no by= key was given; call speed_to_lead(..., by='source')"
            )
        return table.to_frame(backend)

    def __repr__(self) -> str:
        n, attempted, median = (
            self.summary[k] for k in ("n_leads", "attempted", "rep_delay_median")
        )
        return f"SpeedToLead(leads={n}, attempted={attempted}, rep_delay_median={median:.3g} {self.unit})"

    def _repr_html_(self) -> str:
        from .._display import preview

        s = self.summary
        note = (
            f"{s['n_leads']:,} leads: {s['not_assigned']:,} not assigned, "
            f"{s['not_attempted']:,} not attempted yet, {s['attempted']:,} attempted. "
            f"Delays in {self.unit}."
        )
        return preview(
            f"Speed to lead per rep ({self.reps.n_rows:,} reps)",
            dict(self.reps),
            note=note,
            na=self.not_measured,
        )

    def plot(self, ax: Any = None, *, level: Literal["rep", "by"] = "rep") -> tuple[Any, Any]:
        """Median system and rep delay per rep (or per ``by`` key), as bars.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw on it; default a new figure.
        level : {"rep", "by"}
            Bars per rep or per key of ``by``.

        Returns
        -------
        (Figure, Axes)
        """
        from .._charts import bars

        if not is_option(level, ("rep", "by")):
            raise ParameterError(f"plot(level=): use 'rep' or 'by', got {level!r}")
        table = self.reps if level == "rep" else self.by
        if table is None:
            raise ParameterError("plot(level='by'): no by= key was given")
        key = table.columns[0]
        series = {
            "system delay (median)": table["system_delay_median"],
            "rep delay (median)": table["rep_delay_median"],
        }
        return bars(
            table[key].tolist(),
            series,
            ax=ax,
            title="Speed to lead",
            ylabel=self.unit,
            xlabel=key,
        )


def _arguments(
    calendar: Any, by: Any, unknown_leads: Any, assigned: Any
) -> BusinessCalendar | None:
    if calendar is not None and not isinstance(calendar, BusinessCalendar):
        raise ParameterError(
            f"calendar must be a BusinessCalendar or None, got {type(calendar).__name__}; "
            "e.g. BusinessCalendar(hours='09:00-17:00', tz='Europe/Paris')"
        )
    if by is not None and not isinstance(by, str):
        raise ParameterError(f"by must be a lead column name or None, got {by!r}")
    if not is_option(unknown_leads, ("raise", "ignore")):
        raise ParameterError(f"unknown_leads must be 'raise' or 'ignore', got {unknown_leads!r}")
    if not isinstance(assigned, str):
        raise ParameterError(f"assigned must be a column name, got {assigned!r}")
    return calendar


@reads_options
def speed_to_lead(
    leads: Any,
    activities: Any = None,
    *,
    calendar: BusinessCalendar | None = None,
    by: str | None = None,
    attempt_kinds: Iterable[str] | None = ATTEMPT_KINDS,
    connect_outcomes: Iterable[str] | None = CONNECT_OUTCOMES,
    assigned: str = "assigned_at",
    unknown_leads: Literal["raise", "ignore"] = "raise",
    as_of: Any = None,
    tz: str | None = None,
    normalize: Literal["casefold"] | None = None,
) -> SpeedToLead:
    """How fast leads are assigned, attempted and reached: per lead, per rep and per key.

    Parameters
    ----------
    leads : LeadTable, CRMData or anything :meth:`alignment.LeadTable.build` accepts
        Columns used: ``lead_id``, ``created_at``, the assignment stage (``assigned_at``),
        ``owner`` (optional) and the ``by`` column.  A :class:`alignment.io.CRMData` bundle
        gives the leads, and the activities when they are not passed.
    activities : ActivityLog or anything :meth:`alignment.ActivityLog.build` accepts
        ``lead_id``, ``timestamp``, ``kind``, ``rep`` (optional), ``outcome``.
    calendar : BusinessCalendar, optional
        Measure the delays in business hours on it; default wall-clock hours.
    by : str, optional
        A lead column (source, persona, campaign, owner ...): the ``"by"`` table.  Read as
        ``funnel.observe(by=)`` reads it: text, integer codes as themselves (``"101"``), flags
        ``"False"``/``"True"``, other numbers by the float; leads without a value last, under
        ``"(missing)"``.
    attempt_kinds : list of str or None
        Activity kinds that are an attempt (case-insensitive); default :data:`ATTEMPT_KINDS`;
        ``None``: every activity.  Activities of other kinds (notes, tasks) are not attempts.
    connect_outcomes : list of str or None
        Outcomes of an attempt that make it a connect (case-insensitive); default
        :data:`CONNECT_OUTCOMES`; ``None``: connects are not measured (no connect columns).
    assigned : str
        The assignment stage column (default ``"assigned_at"``); ``"created_at"`` times the
        reps from the lead's creation (every system delay is then 0).
    unknown_leads : {"raise", "ignore"}
        Activities of leads not in ``leads``: raise :class:`DataValidationError` naming the
        rows (default), or leave them out (counted in ``summary()["activities_unknown_lead"]``).
    as_of : instant, optional
        Read the data as known then: an assignment or activity recorded later has not happened
        yet (activities after it are counted in ``summary()["activities_after_as_of"]``).
        Default: a CRMData bundle's ``as_of``, else everything counts.
    tz, normalize
        Reading options of naive instants and category spellings (see the tables guide).

    Returns
    -------
    SpeedToLead

    Notes
    -----
    * **System delay** = assigned − created; **rep delay** = first attempt − assigned;
      **time to connect** = first connect − assigned.  With a calendar each is
      ``calendar.elapsed`` (working time only), else wall-clock time; in hours.
    * **Before the assignment.** An attempt (or connect) earlier than the assignment counts
      from the assignment: its delay is 0.  Such attempts are counted per lead in
      ``attempts_before_assignment`` (every attempt of a lead never assigned counts there).
    * **Assigned before created** (bad data): the system delay is NaN, the lead is flagged
      ``assigned_before_created`` and counted in the summary; its other delays stand.
    * **Status**: ``not assigned`` (no assignment instant, whatever its activities),
      ``not attempted yet``, ``attempted``, ``connected``.
    * **Rep**: the lead's ``owner``, else the ``rep`` of its first activity, else ``"(no
      rep)"``; activities tied at the first instant give the first of their reps in text
      order.  Integer owners are labelled as themselves (``"101"``); a flag or fractional
      owner is refused.  Every lead is in exactly one rep row and one ``by`` row.
    * Medians and 95th percentiles (linear interpolation, as ``numpy.quantile``) are over the
      leads with a value; NaN where there is none (``not_measured`` gives the reason), never 0.
      Leads not attempted yet are counted, not in the rep-delay quantiles.
    """
    calendar = _arguments(calendar, by, unknown_leads, assigned)
    kinds = _names(attempt_kinds, "attempt_kinds")
    outcomes = _names(connect_outcomes, "connect_outcomes")
    leads, activities, as_of = _bundle(leads, activities, as_of)
    from ..tables import LeadTable

    t_asof = None
    if as_of is not None:
        t_asof = int(read_as_of(as_of).astype(np.int64))

    lt = LeadTable.build(leads)
    _assigned_at(lt, assigned)  # (refused before the activities are read)
    by_col = None if by is None else _by_column(lt, by)
    acts = _read_activities(activities, lt, kinds, outcomes, unknown_leads, t_asof, calendar)
    lead, delays = _lead_columns(lt, acts, calendar, assigned, by_col, t_asof)
    unit = "business hours" if calendar is not None else "hours"

    def table(name: str, labels: np.ndarray, code: np.ndarray) -> SpeedTable:
        cols = _group_table(name, labels, code, lead["status"], delays)
        return SpeedTable(cols, backend=lt.backend)

    return SpeedToLead(
        leads=SpeedTable(lead, backend=lt.backend),
        reps=table("rep", *_group_codes(lead["rep"], "rep")),
        by=None if by_col is None else table(*by_col),
        summary=_summary(lead, delays, acts, unit, t_asof),
        unit=unit,
        calendar=calendar,
    )
