"""Reading an SLA evaluation's inputs: the lead table's clocks and stages, the activity CSR."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np

from .._frames import numeric
from .._textnorm import reason_texts
from .._time import TIME_DTYPE
from ..errors import DataValidationError, MissingColumnError, reject_rows
from ._calendar import BusinessCalendar, check_zone_range
from ._commitments import _NAT, _Acts, _Leads, _none_us
from ._model import _CELL_RE, SLA
from ._owners import owner_labels, split_values

__all__ = ["check_calendar_instants", "read_activities", "read_leads", "require_stages"]


def _us(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=TIME_DTYPE).view(np.int64)


def _stage(lt: Any, name: str) -> np.ndarray | None:
    arr = lt.stages.get(name)
    return None if arr is None else _us(arr)


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
        ok &= _cell_admitted(cat(gate.cell_column), gate.min_grid_cell, gate.cell_column)
    if gate.min_score is not None:
        if gate.score_column in lt.categorical:  # (there, but text: not "missing")
            _refuse_text_scores(lt.categorical[gate.score_column], gate.score_column)
        if gate.score_column not in lt.numeric:
            raise MissingColumnError(
                f"the SLA quality gate needs the numeric column {gate.score_column!r}",
                column=gate.score_column,
                table="leads",
                fix="score the leads first (alignment.score) and add the score column",
            )
        flags = lt.exact.get(gate.score_column)
        if flags is not None and flags.dtype.kind == "O":  # (a flag column: True is no score)
            numeric(flags, column=gate.score_column, table="leads", allow_missing=True)
        s = lt.numeric[gate.score_column]
        ok &= np.nan_to_num(s, nan=-np.inf) >= gate.min_score
    for col, allowed in (("persona", gate.personas), ("source", gate.sources)):
        if allowed is not None:
            c = cat(col)
            good = np.append(np.isin(c.categories, np.array(allowed, dtype=object)), False)
            ok &= good[c.codes]
    return ok


def _refuse_text_scores(c: Any, column: str) -> None:
    """Refuse a score column of text (the quality gate compares numbers); one without a value
    in any row is left to the missing-column error."""
    rows = np.flatnonzero(c.codes >= 0)
    if not rows.size:
        return
    raise DataValidationError(
        "the SLA quality gate compares scores, and this column holds text",
        column=column,
        table="leads",
        rows=rows,
        value=c.categories[c.codes[rows[0]]],
        fix="give the scores as numbers (the score column of alignment.score), not labels",
    )


def _cell_admitted(c: Any, minimum: str, column: str) -> np.ndarray:
    """Per lead: its grid cell is ``minimum`` or better (fit letter and engagement digit both
    at most ``minimum``'s); a missing or blank cell is not.

    Raises
    ------
    DataValidationError
        A cell that is not a grid cell (a letter and a digit 1-9, such as ``"A1"``): ``"11"``,
        ``"?1"`` or ``"A0"`` are no better or worse than ``"A1"``, they are unreadable.
    """
    cells = [str(v).strip().upper() for v in c.categories.tolist()]  # distinct cells, not leads
    readable = np.array([not v or _CELL_RE.fullmatch(v) is not None for v in cells] + [True])
    reject_rows(
        ~readable[c.codes],  # (code -1, missing: the trailing True)
        "not a grid cell (a fit letter and an engagement digit 1-9, such as 'A1' or 'B2')",
        column=column,
        table="leads",
        values=c.values(),
        fix="correct these cells, or clear them (a lead without a cell does not qualify)",
    )
    good = [bool(v) and v[0] <= minimum[0] and v[1] <= minimum[1] for v in cells]
    return np.asarray(np.array([*good, False], dtype=bool)[c.codes])


def _known_at(t: np.ndarray | None, t_asof: int) -> np.ndarray | None:
    """A stage instant as known at ``as_of``: one recorded later has not happened yet."""
    return None if t is None else np.where(t > t_asof, _NAT, t)


def check_calendar_instants(
    sla: SLA, calendar: BusinessCalendar, lt: Any, acts: _Acts, t_asof: int
) -> None:
    """Refuse the instants of the lead stages and activities (those known at ``as_of``) the
    evaluation places on a zoned ``calendar`` that it cannot place (placeholders such as
    0001-01-01, 9999-12-31)."""
    assigned = sla.assigned_at if sla.assigned_at in lt.stages else "mql_at"
    accepted = "accepted_at" if "accepted_at" in lt.stages else "sal_at"
    delivered = None if sla.marketing is None else sla.marketing.delivered_at
    for name in dict.fromkeys([assigned, sla.reassigned_at, accepted, "rejected_at", delivered]):
        if name is not None and name in lt.stages:
            check_zone_range(calendar, _us(lt.stages[name]), column=name, table="leads")
    known = np.where(acts.time <= t_asof, acts.time, _NAT)
    check_zone_range(calendar, known, column="timestamp", table="activities", positions=acts.row)


def require_stages(sla: SLA, stages: Collection[str]) -> None:
    """Refuse leads whose stage columns (``stages``: the names of those read) lack the
    assignment instant (``sla.assigned_at``, else ``mql_at``) or the marketing commitment's
    delivery stage: the first check of the leads once read, before any other table is."""
    if sla.assigned_at not in stages and "mql_at" not in stages:
        raise MissingColumnError(
            f"no assignment time: the leads have neither {sla.assigned_at!r} nor 'mql_at'",
            column=sla.assigned_at,
            table="leads",
            fix="add an assigned_at (or mql_at) datetime column",
        )
    if sla.marketing is not None and sla.marketing.delivered_at not in stages:
        raise MissingColumnError(
            f"the marketing commitment counts deliveries at {sla.marketing.delivered_at!r}",
            column=sla.marketing.delivered_at,
            table="leads",
            fix="add the stage column or set marketing.delivered_at",
        )


def read_leads(sla: SLA, leads: Any, t_asof: int) -> tuple[Any, _Leads]:
    """The leads as known at ``as_of`` (µs): reassignment, acceptance and rejection recorded
    after ``as_of`` are not used (a result at ``as_of`` depends only on what was known then).
    """
    from ..tables import LeadTable

    lt = LeadTable.build(leads)
    require_stages(sla, lt.stages)
    n = lt.n_leads
    assigned = _stage(lt, sla.assigned_at)
    if assigned is None:
        assigned = _stage(lt, "mql_at")
    assert assigned is not None
    re_at = _known_at(_stage(lt, sla.reassigned_at), t_asof)
    if re_at is None:
        re_at = _none_us(n)
    has = assigned != _NAT
    reassigned = (re_at != _NAT) & has & (re_at > assigned)
    clock = np.where(reassigned, re_at, assigned)
    accepted = _stage(lt, "accepted_at")
    if accepted is None:
        accepted = _stage(lt, "sal_at")
    decisions = accepted is not None or "rejected_at" in lt.stages
    accepted = _known_at(accepted, t_asof)
    rejected = _known_at(_stage(lt, "rejected_at"), t_asof)
    reason = reason_texts(lt, "rejection_reason")  # (a blank cell: no reason)
    owner = owner_labels(lt)
    delivered: np.ndarray | None = assigned
    split = None
    if sla.marketing is not None:
        delivered = _stage(lt, sla.marketing.delivered_at)
        if sla.marketing.split_by is not None:
            split = split_values(lt, sla.marketing.split_by)
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
        decisions=decisions,
    )


def read_activities(activities: Any, lt: Any) -> tuple[Any, _Acts]:
    """The activities as an :class:`~alignment.tables.ActivityLog` (the library's own
    table, read now: later edits of the caller's data change nothing) and their CSR."""
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
    return log, _Acts(
        offsets=np.asarray(log.offsets, dtype=np.int64),
        time=_us(log.time),
        kind_codes=None if kind is None else kind.codes,
        kind_categories=np.empty(0, dtype=object) if kind is None else kind.categories,
        seg_lead=seg_lead,
        keys=log.keys,
        row=np.asarray(log.row, dtype=np.int64),
        extra_unknown_rows=np.asarray(log.unknown_rows, dtype=np.int64),
    )
