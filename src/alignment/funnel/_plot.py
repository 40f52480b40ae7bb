"""Plots of the funnel results (plan, forecast and rep plan as stage bars, sensitivity, observation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._charts import (
    _pct,
    bars,
    funnel_bars,
)
from .._params import is_option
from ..errors import ParameterError

if TYPE_CHECKING:
    from ._observation import FunnelObservation
    from ._plan_results import Sensitivity, StageBars


def _scenario(value: Any, shape: tuple[int, ...], scenario: int | None) -> float:
    arr = np.asarray(value, dtype=np.float64)
    if not shape:
        return float(arr)
    flat = np.broadcast_to(arr, shape).reshape(-1)
    if scenario is None:
        return float(flat.mean())
    if not -flat.size <= int(scenario) < flat.size:
        raise ParameterError(f"scenario {scenario} out of range 0..{flat.size - 1}")
    return float(flat[int(scenario)])


def _scenario_note(shape: tuple[int, ...], scenario: int | None) -> str:
    if not shape:
        return ""
    n = int(np.prod(shape))
    return f" (mean of {n:,} scenarios)" if scenario is None else f" (scenario {scenario})"


def plot_stage_bars(
    chart: StageBars, *, ax: Any = None, scenario: int | None = None
) -> tuple[Any, Any]:
    """Volume of each stage and of the last bar, with the rates between bars, for one scenario
    (or their mean)."""
    shape = chart.shape
    vols = [_scenario(chart.volumes[s], shape, scenario) for s in chart.stages]
    vols.append(_scenario(chart.last[1], shape, scenario))
    rates = [_scenario(chart.rates[s], shape, scenario) for s in chart.stages]
    return funnel_bars(
        [*chart.stages, chart.last[0]],
        vols,
        rates=rates,
        ax=ax,
        title=chart.title + _scenario_note(shape, scenario),
        ylabel=chart.ylabel,
    )


def plot_sensitivity(
    sens: Sensitivity, *, ax: Any = None, measure: str | None = None
) -> tuple[Any, Any]:
    """Effect of improving each stage (ranked): leads saved, customers or revenue added."""
    available = {
        name: getattr(sens, name)
        for name in ("leads_saved", "customers_added", "revenue_added", "factor")
        if getattr(sens, name) is not None
    }
    if measure is None:
        measure = next(iter(available))
    if not is_option(measure, available):
        raise ParameterError(
            f"measure {measure!r} is not available; choose one of {', '.join(available)}"
        )
    labels = [
        f"{s} ({_pct(float(a))}→{_pct(float(b))})"
        for s, a, b in zip(sens.stages, sens.rate, sens.improved_rate)
    ]
    return bars(
        labels,
        {measure: available[measure]},
        ax=ax,
        title=f"improving one stage: {measure.replace('_', ' ')} (best: {sens.best})",
        ylabel=measure.replace("_", " "),
    )


def plot_observation(
    obs: FunnelObservation,
    *,
    ax: Any = None,
    group: int | str | tuple[Any, ...] | None = None,
) -> tuple[Any, Any]:
    """Leads reaching each stage with next-step conversion; all groups side by side by default."""
    labels = list(obs.labels)
    if group is not None or obs.n_groups == 1:
        g = obs.group_index(group)
        name = "" if obs.n_groups == 1 else f" — {_group_name(obs, g)}"
        return funnel_bars(
            labels,
            obs.counts[g],
            rates=obs.next_rate[g],
            ax=ax,
            title=f"observed funnel{name} ({int(obs.counts[g, 0]):,} leads)",
            ylabel="leads",
        )
    series = {_group_name(obs, g): obs.counts[g] for g in range(obs.n_groups)}
    return funnel_bars(
        labels,
        series,
        ax=ax,
        title=f"observed funnel by {obs.by or 'cohort'} ({obs.n_entered:,} leads)",
        ylabel="leads",
    )


def _group_name(obs: FunnelObservation, g: int) -> str:
    parts = []
    if obs.group_values is not None:
        parts.append(str(obs.group_values[g]))
    if obs.group_cohorts is not None:
        parts.append(str(obs.group_cohorts[g]))
    return " ".join(parts) or str(g)
