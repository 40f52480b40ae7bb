"""SLA evaluation on Dask: per-partition additive counts, merged into the in-memory report tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .._parallel import inline_pool

if TYPE_CHECKING:
    from ..sla import SLAReport

from .._options import capture
from ..sla._inputs import require_stages
from ._common import (
    as_ddf,
    concat_lists,
    dk,
    input_rows,
    local_frame,
    partition_by_key,
    partition_lists,
    partition_task,
    require_dask,
    settle,
    tag_rows,
    tree_reduce,
)
from ._instants import lead_times, refuse_mixed_instants

# ---------------------------------------------------------------------------------------------
# SLA
# ---------------------------------------------------------------------------------------------


@partition_task
@inline_pool  # a Dask task: no thread pool of its own
def _sla_partition(
    leads: Any,
    activities: Any,
    *,
    sla: Any,
    as_of: Any,
    calendar: Any,
    unknown_leads: str,
) -> list[dict[str, Any]]:
    from ..sla import evaluate as evaluate_in_memory
    from ..sla._evaluate import lead_split_keys, periods_of

    ld = local_frame(leads, "lead_id", "leads")
    ac = local_frame(activities, "lead_id", "activities")
    if ld is None or len(ld) == 0:
        if ac is not None and len(ac) and unknown_leads == "raise":
            # no lead here: the in-memory engine raises the same error for these activities
            evaluate_in_memory(sla, {"lead_id": []}, ac, as_of=as_of, calendar=calendar)
        if ac is None or len(ac) == 0:
            return []
    rep = evaluate_in_memory(
        sla,
        ld,
        ac,
        as_of=as_of,
        calendar=calendar,
        unknown_leads=unknown_leads,  # type: ignore[arg-type]
    )
    lt = rep.leads
    cal = rep.calendar
    scope = np.asarray(lt["in_scope"], dtype=bool)
    resp = np.asarray(lt["response_business"])
    has = scope & ~np.isnat(resp)
    clock_day = cal.local_dates(np.where(has, lt["clock_start"], np.datetime64("NaT", "us")))
    start, _ = periods_of(clock_day, rep.sla)
    key_pos = lead_split_keys(rep)[has]  # (the engine's labels: folded, "(missing)" …)
    return [
        {
            "leads": dict(lt.items()),
            "breaches": dict(rep.breaches.items()),
            "unknown": dict(rep.unknown_activities.items()),
            "summary": dict(rep.summary),
            "periods": dict(rep.periods.items()),
            "daily": dict(rep.daily.items()),
            "resp": (start[has], key_pos, resp[has].astype("timedelta64[s]").view(np.int64)),
            "calendar": cal,
            "sla": rep.sla,
            "as_of": rep.as_of,
            "backend": None,
            "kinds": _kinds_carried(ac),
        }
    ]


def _kinds_carried(activities: Any) -> set[str]:
    """The distinct activity kinds of a partition (judged over every partition together)."""
    if activities is None or "kind" not in activities.columns:
        return set()
    return {str(v) for v in activities["kind"].dropna().unique().tolist()}


def _warn_unmatched_kinds(sla_obj: Any, parts: list[dict[str, Any]]) -> None:
    """Memory's warning of agreement kinds no activity carries, over every partition's kinds."""
    from .._options import warn
    from ..sla._commitments import unmatched_kinds

    message = unmatched_kinds(sla_obj, sorted(set().union(*(p["kinds"] for p in parts))))
    if message is not None:
        warn(message, stacklevel=5)  # (the caller of evaluate)


def _concat_columns(tables: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if not tables:
        return {}
    return {k: np.concatenate([np.asarray(t[k]) for t in tables]) for k in tables[0]}


def _merge_keyed(
    tables: list[dict[str, np.ndarray]],
    key_cols: Sequence[str],
    additive: Sequence[str],
    constant: Sequence[str],
) -> tuple[list[tuple[Any, ...]], dict[str, np.ndarray]]:
    """Rows keyed by ``key_cols``: ``additive`` columns summed, ``constant`` ones taken once."""
    acc: dict[tuple[Any, ...], dict[str, Any]] = {}
    for t in tables:  # loop over partitions
        n = len(next(iter(t.values()))) if t else 0
        keys = list(zip(*(np.asarray(t[c]).tolist() for c in key_cols))) if n else []
        for i, k in enumerate(keys):  # loop over (period, split) or day rows: few
            row = acc.get(k)
            if row is None:
                acc[k] = {c: t[c][i] for c in (*additive, *constant) if c in t}
            else:
                for c in additive:
                    if c in t:
                        row[c] = row[c] + t[c][i]
    order = sorted(acc)
    return order, {
        c: np.array([acc[k].get(c) for k in order])
        for c in (*additive, *constant)
        if any(c in acc[k] for k in order)
    }


def sla_evaluate(
    sla: Any,
    leads: Any,
    activities: Any,
    *,
    as_of: Any,
    calendar: Any = None,
    unknown_leads: Literal["raise", "ignore"] = "raise",
) -> SLAReport:
    """:func:`alignment.sla.evaluate` on Dask DataFrames of leads and activities.

    Leads and activities are co-partitioned by ``lead_id``; each partition is evaluated in
    memory.  ``leads`` / breaches / unknown activities are concatenated (partition order;
    the ``row`` of an unknown activity is its position within its partition), the summary
    counts summed, and ``periods`` / ``daily`` rebuilt from the partitions' counts (summed by
    period × split key and by day), their ratios recomputed, and the response-time median /
    p90 computed exactly from the gathered per-lead response times (8 bytes per touched lead).
    """
    compute, delayed = dk().compute, dk().delayed

    from ..models import SLA
    from ..sla import BreachList, LeadStatus, SLAReport
    from ..sla._evaluate import UnknownActivities

    require_dask()
    sla_obj = sla if isinstance(sla, SLA) else SLA.from_dict(sla)
    inputs = {"leads": as_ddf(leads, "leads"), "activities": as_ddf(activities, "activities")}
    frames, _ = partition_by_key([tag_rows(f) for f in inputs.values()], "lead_id")
    nodes = [
        delayed(_sla_partition, pure=True)(
            a,
            b,
            sla=sla_obj,
            as_of=as_of,
            calendar=calendar,
            unknown_leads=unknown_leads,
            reading=capture(),
        )
        for a, b in partition_lists(frames)
    ]
    with input_rows(inputs):  # (mixed instants: over all partitions, as memory reads them)
        stages = lead_times(inputs["leads"])  # (the leads, their columns, then the activities)
        read = refuse_mixed_instants(inputs, [("leads", stages)])
        require_stages(sla_obj, [c for c in stages if c != "created_at"])
        refuse_mixed_instants(inputs, [("activities", ["timestamp"])], read)
        (parts,) = compute(tree_reduce(nodes, concat_lists))
        parts = settle(parts)
    if not parts:
        from ..sla import evaluate as evaluate_in_memory

        return evaluate_in_memory(
            sla_obj,
            {"lead_id": []},
            {"lead_id": [], "timestamp": []},
            as_of=as_of,
            calendar=calendar,
        )
    _warn_unmatched_kinds(sla_obj, parts)
    first = parts[0]
    cal = first["calendar"]
    t_asof = first["as_of"]

    periods = _merged_periods(parts, sla_obj, cal, t_asof)
    daily_t = _merged_daily(parts, sla_obj)

    # --- per lead, breaches, unknown activities, summary ----------------------------------
    summary: dict[str, Any] = {}
    for p in parts:  # loop over partitions
        for k, v in p["summary"].items():
            summary[k] = v if k == "as_of" or isinstance(v, str) else summary.get(k, 0) + v
    return SLAReport(
        leads=LeadStatus(_concat_columns([p["leads"] for p in parts])),
        periods=periods,
        daily=daily_t,
        breaches=BreachList(_concat_columns([p["breaches"] for p in parts])),
        unknown_activities=UnknownActivities(_concat_columns([p["unknown"] for p in parts])),
        summary=summary,
        sla=sla_obj,
        calendar=cal,
        as_of=t_asof,
    )


def _merged_periods(parts: list[dict[str, Any]], sla_obj: Any, cal: Any, t_asof: Any) -> Any:
    """``periods`` of the whole: counts summed per (period, split key), ratios recomputed."""
    from ..sla import PeriodSummary
    from ..sla._evaluate import (
        commitments,
        period_count_columns,
        period_table,
        periods_between,
        split_column,
    )

    ptables = [p["periods"] for p in parts]
    pcols = list(ptables[0])
    split_name = split_column(sla_obj)
    counts_cols = period_count_columns(sla_obj)  # the engine declares what is additive
    order, merged = _merge_keyed(
        ptables, ["period_start", split_name], counts_cols, ["period_end", "committed"]
    )
    starts_u, ends_u = periods_between(
        np.unique(np.array([k[0] for k in order], dtype="datetime64[D]")), sla_obj
    )  # every period between the first and the last (as in memory)
    keys_u = np.array(sorted({k[1] for k in order}), dtype=object)
    P, K = starts_u.size, keys_u.size
    pos = {k: i for i, k in enumerate(order)}
    row_of = np.array(
        [pos.get((s, k), -1) for s in starts_u.tolist() for k in keys_u.tolist()], dtype=np.int64
    )
    found = row_of >= 0

    def take(col: str) -> np.ndarray:
        arr = np.zeros(P * K, dtype=np.int64)
        if col in merged and found.any():
            arr[found] = np.asarray(merged[col])[row_of[found]]
        return arr

    asof_local = int(
        cal.to_local(np.array([t_asof], dtype="datetime64[us]"))[0]
        .astype("datetime64[us]")
        .view(np.int64)
    )
    r_start = np.concatenate([p["resp"][0] for p in parts]).astype("datetime64[D]")
    r_key = np.concatenate([p["resp"][1] for p in parts]).astype(object)
    r_val = np.concatenate([p["resp"][2] for p in parts]).astype(np.int64)
    p_idx = np.searchsorted(starts_u, r_start)
    k_idx = np.searchsorted(keys_u, r_key) if K else np.zeros(r_key.size, np.int64)
    if r_key.size and not (K and np.array_equal(keys_u[np.minimum(k_idx, K - 1)], r_key)):
        raise AssertionError("a response time's split key is not in the period table")
    ok = ~np.isnat(r_start) & (p_idx < P)
    if P:
        ok &= starts_u[np.minimum(p_idx, P - 1)] == r_start
    out = period_table(
        sla_obj,
        starts_u,
        ends_u,
        keys_u,
        split_name,
        asof_local,
        {c: take(c) for c in counts_cols},
        commitments(sla_obj),
        r_val[ok],
        (p_idx * K + k_idx)[ok],
    )
    return PeriodSummary({c: out[c] for c in pcols if c in out})


def _merged_daily(parts: list[dict[str, Any]], sla_obj: Any) -> Any:
    """``daily`` of the whole: counts summed per day, running totals recomputed."""
    from ..sla import DailySeries
    from ..sla._evaluate import daily_count_columns, daily_table

    dtables = [p["daily"] for p in parts]
    d_add = daily_count_columns(sla_obj)  # the engine declares what is additive
    d_order, d_merged = _merge_keyed(
        dtables, ["date"], d_add, ["period_start", "committed", "pace_to_date"]
    )
    dates = np.array([k[0] for k in d_order], dtype="datetime64[D]")
    all_days = np.arange(dates.min(), dates.max() + np.timedelta64(1, "D")) if dates.size else dates
    drow = np.searchsorted(dates, all_days)
    daily = daily_table(
        sla_obj,
        all_days,
        {c: np.asarray(d_merged[c], dtype=np.int64)[drow] for c in d_add},
    )
    return DailySeries(daily)
