"""The observed funnel of a lifecycle history: ``funnel.observe(events=...)`` (private).

:func:`observe_events` returns the arguments of
:func:`~alignment.funnel._observation.observation_from_counts`, which ``funnel.observe`` turns
into the :class:`FunnelObservation` (so this module does not import the observation's).

The rows given to the observe kernel (:func:`~alignment.funnel._observe.count_stages`):

* ``count="leads"``: one row per lead, each stage at the lead's first entry of it — the
  kernel then applies ``mode`` and ``out_of_order`` as for lead columns;
* ``count="entries"``: one row per *pass* through the funnel (a lead's first events, then one
  more per recycle).  A recycled pass enters the funnel again: its entry stage is set to the
  recycle instant (a pass re-entering at MQL counts one more funnel entry and one more MQL),
  and it is not timed from the entry stage (no velocity for that step).  Within a pass stages
  only move forward, so ``mode="ordered"`` keeps a pass at the stages it reached without a
  gap from where it entered.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..errors import ParameterError
from ._history import LifecycleHistory, history
from ._lifecycle import NAT, check_count
from ._observe import check_observe_params, cohort_codes, count_stages, velocity_days

__all__ = ["observe_events", "observe_history", "pass_rows"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
US_PER_DAY = 86_400e6


def pass_rows(
    hist: LifecycleHistory, mode: str
) -> tuple[NDArray[np.int64], NDArray[np.int64], BoolArray]:
    """Per pass: the stage instants ``(n_passes, n_stages)`` (int64, :data:`NAT` = not
    reached), the pass start and whether the entry stage was set by a recycle."""
    s = len(hist.stages)
    begins = hist.recycled.copy()
    begins[hist.offsets[:-1][np.diff(hist.offsets) > 0]] = True
    pass_id = np.cumsum(begins) - 1
    times = np.full((int(begins.sum()), s), NAT, dtype=np.int64)
    times[pass_id, hist.rank] = hist.entered.view(np.int64)
    start_rank = hist.rank[begins]
    start = hist.entered[begins].view(np.int64)
    carried = hist.recycled[begins] & (start_rank > 0)
    times[carried, 0] = start[carried]
    if mode == "ordered":
        below = np.arange(s)[None, :] < np.where(hist.recycled[begins], start_rank, 0)[:, None]
        chain = np.logical_and.accumulate((times != NAT) | below, axis=1)
        times[~chain] = NAT
    return times, start, carried


def _untimed_first_step(
    raw: Any, carried: BoolArray, group: IntArray | None, n_groups: int
) -> None:
    """Velocity of the first step without the passes whose entry stage a recycle set."""
    idx, dur = raw.durations[0]
    keep = ~carried[idx]
    g = None if group is None else group[idx][keep]
    n, mean, median, p90 = velocity_days(dur[keep], g, n_groups)
    raw.n_durations[:, 0], raw.mean_days[:, 0] = n, mean
    raw.median_days[:, 0], raw.p90_days[:, 0] = median, p90


def observe_history(
    hist: LifecycleHistory,
    *,
    count: Literal["leads", "entries"] = "leads",
    mode: Literal["ordered", "any"] = "ordered",
    cohort: str | None = None,
    confidence: float = 0.95,
    interval: Literal["wilson", "jeffreys"] = "wilson",
    out_of_order: Literal["keep", "drop"] = "keep",
    horizon: Any = None,
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The arguments of ``observation_from_counts`` for the funnel of a history.

    ``count="leads"``: each lead once, at its first entry of each stage; ``"entries"``: every
    pass through the funnel (see the module docstring).  The other options are those of
    :func:`alignment.funnel.observe` (``horizon`` with ``count="leads"`` only).
    """
    from .._time import parse_duration

    check_count(count)
    stages, labels = check_observe_params(hist.stages, mode, interval, confidence, out_of_order)
    span = None if horizon is None else parse_duration(horizon, name="horizon")
    if span is not None and count == "entries":
        raise ParameterError(
            "horizon= (the Kaplan–Meier estimate) follows leads, not passes: "
            "use count='leads' with it"
        )
    carried: BoolArray | None = None
    if count == "leads":
        matrix = hist.first_entered.view(np.int64)
        start = hist.started.view(np.int64)
        kernel_mode = mode
    else:
        matrix, start, carried = pass_rows(hist, mode)
        kernel_mode = "any"  # the order within a pass is applied by pass_rows
    group: IntArray | None = None
    n_groups = 1
    periods = None
    if cohort is not None:
        group, periods = cohort_codes(start.view("datetime64[us]"), cohort)
        n_groups = int(periods.size)
    raw = count_stages(
        [matrix[:, k].view("datetime64[us]") for k in range(len(stages))],
        mode=kernel_mode,
        group=group,
        n_groups=n_groups,
        as_of=None if np.isnat(hist.as_of) else hist.as_of,
        out_of_order=out_of_order,
        horizon=span,
        return_durations=carried is not None,
    )
    if carried is not None:
        _untimed_first_step(raw, carried, group, n_groups)
    options = {"stages": stages, "labels": labels, "mode": mode, "interval": interval,
               "confidence": confidence, "out_of_order": out_of_order, "as_of": hist.as_of,
               "by": None, "cohort": cohort}  # fmt: skip
    args = (
        options,
        (None, periods),
        (raw.counts, raw.converted, raw.n_durations, raw.out_of_order),
        (raw.median_days, raw.mean_days, raw.p90_days),
        (int(matrix.shape[0]), raw.n_entered, raw.n_excluded),
    )
    return args, {
        "horizon_days": None if span is None else float(span.astype(np.int64)) / US_PER_DAY,
        "km_rate": raw.km_rate,
        "backend": hist.backend,
    }


def observe_events(
    leads: Any,
    events: Any,
    *,
    count: Literal["leads", "entries"],
    skipped: Literal["fill", "ignore"],
    stages: Any,
    as_of: Any,
    by: str | None,
    lost: str | None,
    **options: Any,
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``funnel.observe`` over stage events or a history: the arguments of
    ``observation_from_counts`` (see :func:`observe_history`)."""
    if by is not None or lost is not None:
        raise ParameterError(
            "by= and lost= read lead columns, which stage events do not have: observe the "
            "leads' stage columns for them, or filter the events per segment"
        )
    if events is not None and leads is not None:
        raise ParameterError("give the lead table or events=, not both")
    if events is None:
        if stages is not None or as_of is not None or skipped != "fill":
            raise ParameterError(
                "stages=, as_of= and skipped= of a history were set by history(): "
                "build it again with them"
            )
        return observe_history(leads, count=count, **options)
    hist = history(events, stages=stages, as_of=as_of, skipped=skipped)
    return observe_history(hist, count=count, **options)
