"""Plots of the funnel results (plan, forecast, sensitivity, rep plan, observation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._charts import (
    _pct,
    bars,
    funnel_bars,
)
from ..errors import ParameterError

if TYPE_CHECKING:
    from ._observation import FunnelObservation
    from ._plan_results import Forecast, Plan, RepPlan, Sensitivity


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


def plot_plan(
    plan: Plan, *, ax: Any = None, scenario: int | None = None, whole: bool = True
) -> tuple[Any, Any]:
    """Volume each stage must deliver, down to customers, with the planned rates between bars."""
    source = plan.required_whole if whole else plan.required
    vols = [_scenario(source[s], plan.shape, scenario) for s in plan.stages]
    vols.append(_scenario(plan.customers, plan.shape, scenario))
    rates = [_scenario(plan.rates[s], plan.shape, scenario) for s in plan.stages]
    return funnel_bars(
        [*plan.stages, "customers"],
        vols,
        rates=rates,
        ax=ax,
        title="funnel plan: volume required per stage" + _scenario_note(plan.shape, scenario),
    )


def plot_forecast(
    forecast: Forecast, *, ax: Any = None, scenario: int | None = None
) -> tuple[Any, Any]:
    """Expected volume per stage and won customers, with the rates between bars."""
    shape = forecast.shape
    vols = [_scenario(forecast.volumes[s], shape, scenario) for s in forecast.stages]
    vols.append(_scenario(forecast.customers, shape, scenario))
    rates = [_scenario(forecast.rates[s], shape, scenario) for s in forecast.stages]
    return funnel_bars(
        [*forecast.stages, "won"],
        vols,
        rates=rates,
        ax=ax,
        title="funnel forecast: expected volume per stage" + _scenario_note(shape, scenario),
    )


def plot_rep_plan(rep: RepPlan, *, ax: Any = None, scenario: int | None = None) -> tuple[Any, Any]:
    """Monthly volume per stage one rep needs, down to deals."""
    p = rep.plan
    vols = [_scenario(rep.required_per_month[s], p.shape, scenario) for s in p.stages]
    vols.append(_scenario(rep.deals_per_month, p.shape, scenario))
    rates = [_scenario(p.rates[s], p.shape, scenario) for s in p.stages]
    return funnel_bars(
        [*p.stages, "deals"],
        vols,
        rates=rates,
        ax=ax,
        title="per rep and month" + _scenario_note(p.shape, scenario),
        ylabel="per month",
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
    if measure not in available:
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
