"""Funnel observation on Dask: per-partition stage counts and durations, merged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._parallel import inline_pool
from ..errors import ParameterError

if TYPE_CHECKING:
    from ..funnel import FunnelObservation

from .._options import capture, read_as_of
from ._common import (
    as_ddf,
    concat_lists,
    dk,
    input_rows,
    local_frame,
    partition_task,
    reject_duplicate_ids,
    require_dask,
    settle,
    tag_rows,
    tree_reduce,
)
from ._instants import refuse_mixed_instants

# ---------------------------------------------------------------------------------------------
# funnel
# ---------------------------------------------------------------------------------------------


def stage_durations(
    times: Sequence[np.ndarray],
    *,
    mode: str,
    as_of: np.datetime64 | None,
    out_of_order: str,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per transition ``k → k+1``: the leads whose duration enters velocity, and the durations.

    ``alignment._funnel_observe.count_stages(..., return_durations=True)``: the raw int64
    microsecond durations instead of their quantiles, so that partitions combine exactly.
    """
    from ..funnel._observe import count_stages

    raw = count_stages(
        times,
        mode=mode,  # type: ignore[arg-type]
        as_of=as_of,
        out_of_order=out_of_order,  # type: ignore[arg-type]
        return_durations=True,
    )
    assert raw.durations is not None
    return list(raw.durations)


@dataclass
class _FunnelPart:
    labels: list[tuple[Any, Any]]  # per local group: (by sort key, cohort start)
    by_labels: list[Any]
    counts: np.ndarray
    converted: np.ndarray
    out_of_order: np.ndarray
    durations: list[tuple[np.ndarray, np.ndarray]]  # per transition: (local group, µs)
    n_leads: int
    n_entered: int
    n_excluded: int


def _by_sort_key(label: Any, numeric: bool, real: bool = False) -> tuple[int, Any]:
    """The order of a ``by=`` group across partitions, as in memory: missing last; a number
    column's labels (:func:`alignment.funnel._observe.group_codes`: integers as themselves,
    exactly, floats as their ``repr``, flags ``"False"``/``"True"``) in numeric order;
    ``real``: a label ``"(missing)"`` is a text column's real value (no row lacks one here),
    sorted as text."""
    if label == "(missing)" and not real:
        return (1, 0 if numeric else "")
    if not numeric:
        return (0, str(label))
    text = str(label)
    if text in ("False", "True"):
        return (0, int(text == "True"))
    try:
        return (0, int(text))  # (exact: ids beyond 2**53 stay apart)
    except ValueError:
        return (0, float(text))


@partition_task
@inline_pool  # a Dask task: no thread pool of its own
def _funnel_partition(
    pdf: Any,
    *,
    stages: tuple[str, ...],
    mode: str,
    by: str | None,
    cohort: str | None,
    as_of: np.datetime64 | None,
    out_of_order: str,
) -> list[_FunnelPart]:
    from ..funnel._observe import (
        cohort_codes,
        combine_groups,
        count_stages,
        group_codes,
        lead_table,
        stage_times,
    )

    local = local_frame(pdf, "lead_id", "leads")
    if local is None or len(local) == 0:
        return []
    lt = lead_table(local, stages)
    times = stage_times(lt, stages)
    codes, sizes = [], []
    by_labels: np.ndarray | None = None
    starts: np.ndarray | None = None
    numeric = real = False
    if by is not None:
        c, k, by_labels = group_codes(lt, by, lt.exact.get(by))
        real = by in lt.categorical and not bool((lt.categorical[by].codes < 0).any())
        if by not in lt.categorical:
            numeric = np.asarray(lt.column(by)).dtype.kind in "fiub"
        codes.append(c)
        sizes.append(k)
    if cohort is not None:
        c, starts = cohort_codes(lt.created_at, cohort)
        codes.append(c)
        sizes.append(int(starts.size))
    if codes:
        group, n_groups, parts = combine_groups(codes, sizes)
    else:
        group, n_groups, parts = None, 1, []
    raw = count_stages(
        times,
        mode=mode,  # type: ignore[arg-type]
        group=group,
        n_groups=n_groups,
        as_of=as_of,
        out_of_order=out_of_order,  # type: ignore[arg-type]
        return_durations=True,
    )
    assert raw.durations is not None
    labels: list[tuple[Any, Any]] = []
    shown: list[Any] = []
    for g in range(n_groups):  # loop over groups (segments × cohorts)
        j = 0
        bk: Any = None
        ck: Any = None
        lab: Any = None
        if by_labels is not None:
            lab = by_labels[parts[j][g]]
            bk = _by_sort_key(lab, numeric, real)
            j += 1
        if starts is not None:
            ck = starts[parts[j][g]]
        labels.append((bk, ck))
        shown.append(lab)
    durs = [
        (np.zeros(idx.size, np.int64) if group is None else group[idx], d)
        for idx, d in raw.durations
    ]
    return [
        _FunnelPart(
            labels=labels,
            by_labels=shown,
            counts=raw.counts,
            converted=raw.converted,
            out_of_order=raw.out_of_order,
            durations=durs,
            n_leads=int(lt.n_leads),
            n_entered=raw.n_entered,
            n_excluded=raw.n_excluded,
        )
    ]


#: the options of ``alignment.funnel.observe``, with their defaults
_OPTIONS: dict[str, Any] = {
    "stages": None,
    "mode": "ordered",
    "by": None,
    "cohort": None,
    "as_of": None,
    "confidence": 0.95,
    "interval": "wilson",
    "out_of_order": "keep",
    "horizon": None,
    "lost": None,
}


def funnel_observe(leads: Any, **options: Any) -> FunnelObservation:
    """:func:`alignment.funnel.observe` on a Dask DataFrame of leads (same numbers).

    Each partition counts its leads per group and stage (``count_stages``) and returns the
    int64 durations of its converted leads (:func:`stage_durations`).  Counts are summed; the
    mean, median and p90 are computed on the gathered durations exactly as in memory (8 bytes
    per converted lead and transition: 10^7 leads × 4 transitions ≤ 320 MB on the client).
    Leads are one row each: no shuffle.  ``horizon=`` (Kaplan–Meier) is not distributed.
    """
    unknown = set(options) - set(_OPTIONS)
    if unknown:
        raise ParameterError(f"observe() got unexpected option(s) {sorted(unknown)}")
    o = {**_OPTIONS, **options}
    stages, mode, by, cohort = o["stages"], o["mode"], o["by"], o["cohort"]
    as_of, confidence, interval = o["as_of"], o["confidence"], o["interval"]
    out_of_order, horizon, lost = o["out_of_order"], o["horizon"], o["lost"]
    compute, delayed = dk().compute, dk().delayed

    from ..funnel import DEFAULT_STAGES
    from ..funnel._observation import observation_from_counts
    from ..funnel._observe import check_observe_params, velocity_days

    require_dask()
    if horizon is not None or lost is not None:
        raise ParameterError(
            "horizon= / lost= (the Kaplan–Meier estimate) are not distributed; run "
            "alignment.funnel.observe in memory on the stage columns for that estimate"
        )
    st, labels = check_observe_params(
        DEFAULT_STAGES if stages is None else stages, mode, interval, confidence, out_of_order
    )
    if cohort is not None and str(cohort).upper() not in {"D", "W", "M", "Q", "Y"}:
        raise ParameterError(f"cohort must be one of 'D', 'W', 'M', 'Q', 'Y'; got {cohort!r}")
    instant = None if as_of is None else read_as_of(as_of)
    ddf = as_ddf(leads, "leads")
    reject_duplicate_ids(ddf)  # leads are not shuffled: a duplicate may span partitions
    nodes = [
        delayed(_funnel_partition, pure=True)(
            p,
            stages=st,
            mode=mode,
            by=by,
            cohort=cohort,
            as_of=instant,
            out_of_order=out_of_order,
            reading=capture(),
        )
        for p in tag_rows(ddf).to_delayed()
    ]
    times = [c for c in dict.fromkeys(("created_at", *st)) if c in ddf.columns]
    with input_rows({"leads": ddf}):
        refuse_mixed_instants(
            {"leads": ddf}, [("leads", times)]
        )  # (mixed instants: over all partitions)
        (parts,) = compute(tree_reduce(nodes, concat_lists))
        parts = settle(parts)
    grouped = by is not None or cohort is not None
    all_labels = sorted({lab for p in parts for lab in p.labels}, key=_label_order)
    index = {lab: i for i, lab in enumerate(all_labels)}
    G = len(all_labels) if grouped else 1
    S = len(st)
    counts = np.zeros((G, S), dtype=np.int64)
    converted = np.zeros((G, S - 1), dtype=np.int64)
    ooo = np.zeros((G, S - 1), dtype=np.int64)
    shown: dict[tuple[Any, Any], Any] = {}
    dur_g: list[list[np.ndarray]] = [[] for _ in range(S - 1)]
    dur_v: list[list[np.ndarray]] = [[] for _ in range(S - 1)]
    for p in parts:  # loop over partitions
        gmap = (
            np.array([index[lab] for lab in p.labels], dtype=np.int64)
            if grouped
            else np.zeros(1, np.int64)
        )
        for lab, s in zip(p.labels, p.by_labels):
            shown.setdefault(lab, s)
        np.add.at(counts, gmap, p.counts)
        np.add.at(converted, gmap, p.converted)
        np.add.at(ooo, gmap, p.out_of_order)
        for k, (g, d) in enumerate(p.durations):
            dur_g[k].append(gmap[g])
            dur_v[k].append(d)
    n_dur = np.zeros((G, S - 1), dtype=np.int64)
    med = np.full((G, S - 1), np.nan)
    mean = np.full((G, S - 1), np.nan)
    p90 = np.full((G, S - 1), np.nan)
    for k in range(S - 1):  # loop over transitions
        v = np.concatenate(dur_v[k]) if dur_v[k] else np.zeros(0, np.int64)
        g = np.concatenate(dur_g[k]) if dur_g[k] else np.zeros(0, np.int64)
        n_dur[:, k], mean[:, k], med[:, k], p90[:, k] = velocity_days(v, g if grouped else None, G)
    group_values = None
    group_cohorts = None
    if by is not None:
        group_values = np.array([shown[lab] for lab in all_labels], dtype=object)
    if cohort is not None:
        group_cohorts = np.array([lab[1] for lab in all_labels], dtype="datetime64[D]")
    options = {"stages": st, "labels": labels, "mode": mode, "interval": interval,
               "confidence": confidence, "out_of_order": out_of_order, "as_of": instant,
               "by": by, "cohort": cohort}  # fmt: skip
    totals = (
        sum(p.n_leads for p in parts),
        sum(p.n_entered for p in parts),
        sum(p.n_excluded for p in parts),
    )
    return observation_from_counts(
        options, (group_values, group_cohorts), (counts, converted, n_dur, ooo), (med, mean, p90),
        totals,
    )  # fmt: skip


def _label_order(lab: tuple[Any, Any]) -> tuple[Any, ...]:
    bk, ck = lab
    return (
        () if bk is None else bk,
        () if ck is None else (int(np.asarray(ck).astype("datetime64[D]").view(np.int64)),),
    )
