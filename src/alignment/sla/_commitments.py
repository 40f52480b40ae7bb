"""The sales commitments of an SLA, per lead: first touch, attempts, accept / reject, breaches.

:func:`alignment.sla.evaluate` reads the leads and activities, builds the :class:`Clocks` of the
evaluation (scope, counted activities, the business clock) and calls one function per
commitment; each adds its columns to the lead table and its breaches.  Array arithmetic over
the lead table and the activity CSR only: no Python loop per lead or per activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _segments as seg
from .._options import in_part, warn
from .._time import TIME_DTYPE, parse_duration
from ..errors import MissingColumnError
from ._calendar import BusinessCalendar
from ._kinds import carried, category_hits, fold_names, missing_names, some_values
from ._model import SLA
from ._report import BreachList

_NAT = np.iinfo(np.int64).min
_BIG = np.iinfo(np.int64).max
_DAY_US = 86_400_000_000

STATUSES = ("n/a", "met", "pending", "at_risk", "breached")
"""Status codes, in increasing severity; ``n/a`` = the lead is not (yet) assigned at ``as_of``."""
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
    #: whether the leads record accept / reject decisions at all (a column for either)
    decisions: bool = True


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


def _none_us(n: int) -> np.ndarray:
    return np.full(n, _NAT, dtype=np.int64)


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
    return np.asarray(category_hits(acts.kind_categories, fold_names(kinds))[acts.kind_codes])


def warn_unmatched_kinds(sla: SLA, acts: _Acts) -> None:
    """One :class:`~alignment.errors.AlignmentWarning` naming the kinds of the agreement that
    no activity carries (see :func:`unmatched_kinds`).  Compared with the distinct kinds of the
    activities, not per activity; not in a part of a call (a Dask partition), whose
    activities are not all of them: the backend judges the kinds of every part together."""
    if acts.kind_codes is None or not _named_kinds(sla) or in_part():
        return  # (no kind column: refused where the kinds are counted)
    message = unmatched_kinds(sla, carried(acts.kind_categories, acts.kind_codes))
    if message is not None:
        warn(message, stacklevel=4)  # (the caller of evaluate)


def _named_kinds(sla: SLA) -> dict[str, tuple[str, ...]]:
    """The kinds the agreement names, by field (the fields naming none left out)."""
    s = sla.sales
    ft, at = s.first_touch, s.attempts
    named = {
        "sales.first_touch.kinds": ft.kinds if ft is not None else None,
        "sales.attempts.kinds": at.kinds if at is not None else None,
        "sales.attempts.per_kind": tuple(at.per_kind or ()) if at is not None else None,
    }
    return {f: tuple(v) for f, v in named.items() if v}


def unmatched_kinds(sla: SLA, present: list[str]) -> str | None:
    """Why every lead in scope breaches for a kind of the agreement that none of the kinds
    ``present`` (sorted) matches: none of ``kinds`` is carried, or a kind of ``per_kind`` is
    not (a typo such as ``"Cal"`` for ``"Call"``); ``None`` when each is carried."""
    named = _named_kinds(sla)
    missing = {f: missing_names(v, present) for f, v in named.items()}
    # (a list of kinds misses only when none matches; each kind of per_kind is required)
    parts = [
        f"{f} {m}"
        for f, m in missing.items()
        if m and (f.endswith("per_kind") or len(m) == len(named[f]))
    ]
    if not present or not parts:
        return None
    return (
        f"SLA {sla.name!r}: {'; '.join(parts)}: no activity has such a kind (kinds are "
        f"compared case-insensitively); the activities' kinds are {some_values(present)}. "
        "No lead has a touch or attempt of those kinds: every lead in scope is breached "
        "once its window closes without one; fix: write the kinds as the activities name them, or "
        "leave them out of the agreement"
    )


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


@dataclass
class Clocks:
    """What every commitment reads: the leads, their activities, scope and the business clock."""

    sla: SLA
    calendar: BusinessCalendar
    L: _Leads
    A: _Acts
    t_asof: int
    unknown: np.ndarray | None  # per activity: its lead is unknown (None: every lead known)
    scope: np.ndarray = field(init=False)
    counted: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        A, L = self.A, self.L
        self.n = L.ids.size
        self.lengths = np.diff(A.offsets)
        self.known_seg = A.seg_lead >= 0
        self.aligned = A.seg_lead.size == self.n and bool(
            np.array_equal(A.seg_lead, np.arange(self.n))
        )
        self.nseg = A.seg_lead.size
        self.seg_of = seg.segment_ids(A.offsets)
        self._classify()
        self._business_clock()

    def seg_values(self, per_lead: np.ndarray, fill: int) -> np.ndarray:
        """A per-lead int64 array as one value per activity segment (``fill`` if unknown)."""
        if self.aligned:
            return per_lead
        out = np.full(self.nseg, fill, dtype=np.int64)
        out[self.known_seg] = per_lead[self.A.seg_lead[self.known_seg]]
        return out

    def to_leads(self, per_seg: np.ndarray, fill: Any) -> np.ndarray:
        """Per activity segment -> per lead (``fill`` for leads without activities)."""
        return per_seg if self.aligned else _to_leads(per_seg, self.A, self.n, fill)

    def _classify(self) -> None:
        # Activities are sorted by time within each lead: the classes are computed against the
        # lead's clock start broadcast to its activities (np.repeat), no per-row Python.
        L, A, t_asof = self.L, self.A, self.t_asof
        self.has_clock = L.clock != _NAT
        self.scope = self.has_clock & (L.clock <= t_asof)
        start = np.where(self.has_clock, L.clock, _BIG)
        start_act = np.repeat(self.seg_values(start, _BIG), self.lengths)
        # before the clock start and known at as_of (never-assigned leads: every such activity);
        # an activity after as_of is "after as_of" whatever the assignment recorded later
        before = A.time < start_act
        before &= A.time <= t_asof
        if self.unknown is not None:
            before &= ~self.unknown
        counted = A.time >= start_act  # unknown leads have start = +inf: never counted
        counted &= A.time <= t_asof
        self.counted = counted
        # one bincount for both classes: code 1 = before, 2 = counted, 0 = after / unknown
        cls = before.view(np.int8) + 2 * counted.view(np.int8)
        nseg = self.nseg
        by_cls = np.bincount(self.seg_of * 3 + cls, minlength=3 * nseg).reshape(nseg, 3)
        self.n_before_seg = by_cls[:, 1].copy()
        self.n_counted_seg = by_cls[:, 2].copy()
        self.n_known_seg = np.where(self.known_seg, self.lengths, 0)

    def _business_clock(self) -> None:
        # business time since the table origin F(clock) is computed once per lead; elapsed
        # times and deadlines derive from it (see BusinessCalendar: elapsed = F(b) - F(a))
        s, cal, n = self.sla.sales, self.calendar, self.n
        business = [
            c.within
            for c in (s.first_touch, s.attempts, s.accept)
            if c is not None and c.business_time
        ]
        max_bus = max((int(cal.business_duration(w).astype(np.int64)) for w in business), default=0)
        clock_sc = self.L.clock[self.scope]
        self.elapsed_bus = np.zeros(n, dtype=np.int64)
        self.f_clock_full = np.zeros(n, dtype=np.int64)
        self.bclock: Any = None
        self.f_clock: np.ndarray | None = None
        if clock_sc.size:
            self.bclock = cal._business_clock(int(clock_sc.min()), self.t_asof, max_bus)
            self.f_clock = self.bclock.F(clock_sc)
            self.f_clock_full[self.scope] = self.f_clock
            now = self.bclock.F(np.array([self.t_asof], dtype=np.int64))[0]
            self.elapsed_bus[self.scope] = now - self.f_clock
        self.elapsed_wall = np.where(self.scope, self.t_asof - self.L.clock, 0)

    def counted_until(self, end_per_lead: np.ndarray) -> np.ndarray:
        """Counted activities (clock start <= t <= as_of) at or before a per-lead end."""
        end = np.repeat(self.seg_values(end_per_lead, _NAT), self.lengths)
        out = self.A.time <= end
        out &= self.counted
        return out

    def window(self, within: str, business: bool) -> tuple[np.ndarray, np.ndarray]:
        """Deadline per lead, and the status before the deadline (pending / at risk / n/a)."""
        deadline, dur = _window(
            self.calendar, self.L.clock, self.scope, within, business, self.bclock, self.f_clock
        )
        frac = (self.elapsed_bus if business else self.elapsed_wall) / dur
        st = np.full(self.n, NA, dtype=np.int8)
        st[self.scope] = _pending_or_risk(frac[self.scope], self.sla.at_risk_after)
        return deadline, st


@dataclass
class Outcome:
    """The per-lead columns, status codes and breaches the commitments produce."""

    cols: dict[str, np.ndarray]
    status_codes: dict[str, np.ndarray] = field(default_factory=dict)
    breach_parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)

    def add(self, name: str, st: np.ndarray, deadline: np.ndarray, reason: np.ndarray) -> None:
        self.cols[f"{name}_deadline"] = deadline.view(TIME_DTYPE)
        self.cols[f"{name}_status"] = _STATUS_LABELS[st]
        self.status_codes[name] = st
        self.breach_parts.append((name, st == BREACHED, deadline, reason))


def first_touch(c: Clocks, out: Outcome) -> tuple[np.ndarray, np.ndarray]:
    """First counted touch, response times and the first-touch commitment.

    Returns ``(first_at, resp_bus)``: the first touch per lead (int64 µs, NaT = none) and the
    business response time in seconds (NaT = none).
    """
    A, L, n, s = c.A, c.L, c.n, c.sla.sales
    n_act = A.time.size
    kinds = s.first_touch.kinds if s.first_touch is not None else None
    if kinds is None:
        # the first counted activity of a lead comes right after its "before" prefix
        has = c.n_counted_seg > 0
        idx = np.minimum(A.offsets[:-1] + c.n_before_seg, max(n_act - 1, 0))
        first_seg = np.where(has, A.time[idx] if n_act else _BIG, _BIG)
    else:
        km = _kind_mask(A, kinds)
        assert km is not None
        mask = c.counted & km
        first_seg = seg.segment_min(np.where(mask, A.time, _BIG), A.offsets, empty=_BIG)
    first = c.to_leads(first_seg.astype(np.int64), _BIG)
    touched = first != _BIG
    first_at = np.where(touched, first, _NAT)
    out.cols["first_touch_at"] = first_at.view(TIME_DTYPE)
    resp_bus = np.full(n, _NAT, dtype=np.int64)
    if touched.any():
        resp_bus[touched] = (c.bclock.F(first_at[touched]) - c.f_clock_full[touched]) // 1_000_000
    out.cols["response_business"] = resp_bus.view("timedelta64[s]")
    out.cols["response_wall"] = np.where(touched, (first_at - L.clock) // 1_000_000, _NAT).view(
        "timedelta64[s]"
    )
    if s.first_touch is not None:
        deadline, st = c.window(s.first_touch.within, s.first_touch.business_time)
        scope = c.scope
        st[scope & ~touched & (c.t_asof > deadline)] = BREACHED
        st[scope & touched & (first_at <= deadline)] = MET
        st[scope & touched & (first_at > deadline)] = BREACHED
        out.add("first_touch", st, deadline, np.where(touched, R_LATE_TOUCH, R_NO_TOUCH))
    return first_at, resp_bus


def _attempt_counts(
    c: Clocks, in_win: np.ndarray, kinds: tuple[str, ...] | None, per: dict[str, int]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Attempts per lead in the window (of the listed kinds), and per kind of ``per``."""
    A = c.A
    if kinds is None and not per:
        return c.to_leads(np.bincount(c.seg_of[in_win], minlength=c.nseg), 0), {}
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
    nseg = c.nseg
    by_kind = np.bincount(c.seg_of[in_win] * nk + kc, minlength=nseg * nk).reshape(nseg, nk)

    def kind_count(names: tuple[str, ...]) -> np.ndarray:
        pos = np.flatnonzero(category_hits(A.kind_categories, fold_names(names))[:-1])
        return c.to_leads(by_kind[:, pos].sum(axis=1), 0)

    total = c.to_leads(by_kind.sum(axis=1), 0) if kinds is None else kind_count(kinds)
    return total, {k: kind_count((k,)) for k in per}


def attempts(c: Clocks, out: Outcome) -> None:
    """The attempts commitment: enough counted attempts between clock start and deadline."""
    at = c.sla.sales.attempts
    if at is None:
        return
    n = c.n
    deadline, st = c.window(at.within, at.business_time)
    in_win = np.flatnonzero(c.counted_until(deadline))
    per = dict(at.per_kind or {})
    total, per_kind = _attempt_counts(c, in_win, at.kinds, per)
    ok = total >= (at.minimum or 0)
    out.cols["attempts"] = total
    out.cols["attempts_required"] = np.full(n, at.required, dtype=np.int64)
    for kind, cnt in per_kind.items():  # loop over kinds
        out.cols[f"attempts_{kind}"] = cnt
        ok &= cnt >= per[kind]
    st[c.scope & ~ok & (c.t_asof > deadline)] = BREACHED
    st[c.scope & ok] = MET
    out.add("attempts", st, deadline, np.full(n, R_SHORT, dtype=np.int64))


#: why the accept commitment is not measured when the leads record no decision at all
ACCEPT_NOT_MEASURED = (
    "the leads have no accepted_at (or sal_at) and no rejected_at column: "
    "no accept/reject decision is recorded, so none can be auto-accepted"
)


def accept_reject(c: Clocks, out: Outcome) -> None:
    """The accept / reject commitment: a valid decision within the window (else auto-accept).

    Without any decision column the commitment is not measured: status ``n/a`` for every lead.
    """
    ac = c.sla.sales.accept
    if ac is None:
        return
    L, n, t_asof, scope = c.L, c.n, c.t_asof, c.scope
    deadline, st = c.window(ac.within, ac.business_time)
    if not L.decisions:  # no decision recorded anywhere: not measured (never auto-accepted)
        st[:] = NA
        out.cols["decision"] = np.full(n, "n/a", dtype=object)
        out.cols["decided_at"] = np.full(n, _NAT, dtype=np.int64).view(TIME_DTYPE)
        out.cols["rejection_reason"] = np.full(n, None, dtype=object)
        out.cols["reason_valid"] = np.ones(n, dtype=bool)
        out.add("accept", st, deadline, np.full(n, R_MISSING))
        return
    acc = np.where((L.accepted != _NAT) & (L.accepted <= t_asof), L.accepted, _BIG)
    rej = np.where((L.rejected != _NAT) & (L.rejected <= t_asof), L.rejected, _BIG)
    is_rej = (rej < acc) & (rej != _BIG)
    is_acc = (acc <= rej) & (acc != _BIG)
    if L.reason is not None:
        reasons = L.reason.values()
        has_reason = L.reason.codes >= 0
        ok_cat = listed_reasons(L.reason.categories, ac.reason_codes)
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
    st[scope & (dec != D_PENDING)] = MET
    st[scope & is_rej & (late_rej | ~valid)] = BREACHED
    out.cols["decision"] = _DECISIONS[dec]
    out.cols["decided_at"] = np.where(is_acc, acc, np.where(is_rej, rej, _NAT)).view(TIME_DTYPE)
    out.cols["rejection_reason"] = np.asarray(np.where(is_rej, reasons, None))
    out.cols["reason_valid"] = np.where(is_rej, valid, True)
    reason = np.where(late_rej, R_LATE_REJECT, np.where(has_reason, R_INVALID, R_MISSING))
    out.add("accept", st, deadline, reason)


def listed_reasons(categories: np.ndarray, codes: tuple[str, ...]) -> np.ndarray:
    """Per distinct rejection reason: whether it is one of ``codes`` once its surrounding
    whitespace is removed (a spreadsheet cell's ``" wrong_size"`` is ``wrong_size``)."""
    stripped = np.char.strip(np.asarray(categories, dtype=str))
    return np.isin(stripped, np.asarray(codes, dtype=str))


def breach_list(L: _Leads, out: Outcome, first_at: np.ndarray) -> BreachList:
    """One row per (lead, breached commitment), in (lead, commitment) order."""
    parts, cols = out.breach_parts, out.cols
    # the row-major non-zeros of a lead × commitment mask
    k = len(parts)
    if k:
        flat = np.flatnonzero(np.stack([p[1] for p in parts], axis=1).ravel())
        bi, bc = flat // k, flat % k
        b_dl = np.stack([p[2] for p in parts], axis=1).ravel()[flat]
        b_reason = np.stack([p[3] for p in parts], axis=1).ravel()[flat]
    else:
        bi = bc = b_dl = b_reason = np.empty(0, dtype=np.int64)
    names = np.array([p[0] for p in parts], dtype=object)
    zeros = np.zeros(bi.size, np.int64)
    return BreachList(
        {
            "lead_id": L.ids[bi],
            "owner": cols["owner"][bi],
            "commitment": names[bc] if k else np.empty(0, dtype=object),
            "reason": _BREACH_REASONS[b_reason.astype(np.int64)],
            "clock_start": L.clock[bi].view(TIME_DTYPE),
            "deadline": b_dl.view(TIME_DTYPE),
            "first_touch_at": first_at[bi].view(TIME_DTYPE),
            "attempts": cols["attempts"][bi] if "attempts" in cols else zeros,
            "attempts_required": (
                cols["attempts_required"][bi] if "attempts_required" in cols else zeros
            ),
        },
        backend=L.backend,
    )
