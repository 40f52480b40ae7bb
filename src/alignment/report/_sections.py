"""The report's sections that format one result each: funnel (and plan) and attribution.

Each function formats what the engine returns (read through :mod:`alignment.report._read`)
and returns the section's HTML, with its headline figures (KPI cards) where it has some.
Stage, channel and model names are written as people say them, amounts in the report's
currency, and each heading names its period (:mod:`alignment.report._format`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._display import not_measured
from ..errors import ParameterError
from . import _html as H
from . import _svg as S
from ._format import (
    Context,
    Money,
    ceil_count,
    formatted,
    human_labels,
    model_label,
    stage_label,
)
from ._read import columns as _dict
from ._read import not_measured_of

#: a headline figure: (label, value, note)
KPI = tuple[str, str, str]


def _funnel_steps(funnel: Any) -> dict[str, np.ndarray]:
    """The observation's steps (the first segment's for a segmented one)."""
    f = _dict(funnel)
    missing = [k for k in ("from_stage", "to_stage", "n_from", "converted", "rate") if k not in f]
    if missing:
        raise ParameterError(f"build_report: funnel= has no column(s) {missing}; pass observe()")
    n_steps = len(f["from_stage"])
    # a segmented observation has one block of steps per segment: show the first segment
    stages_per_group = len(set(f["from_stage"].tolist())) if n_steps else 0
    if n_steps > stages_per_group > 0:
        f = {k: v[:stages_per_group] for k, v in f.items()}
    if not f["from_stage"].size:
        raise ParameterError("build_report: the funnel observation has no stage")
    return f


def _funnel_section(funnel: Any, plan: Any, ctx: Context) -> tuple[str, list[KPI]]:
    f = _funnel_steps(funnel)
    labels = [stage_label(s) for s in f["from_stage"].tolist()] + [stage_label(f["to_stage"][-1])]
    volumes = [float(v) for v in f["n_from"].tolist()] + [float(f["converted"][-1])]
    notes = [
        f"→ {100 * r:.1f}% to {stage_label(t)}"
        if math.isfinite(r)
        else f"→ {not_measured(f'no {stage_label(s)}')} to {stage_label(t)}"
        for r, s, t in zip(f["rate"].tolist(), f["from_stage"].tolist(), f["to_stage"])
    ] + [f"{100 * volumes[-1] / volumes[0]:.2f}% of all {_plural(labels[0])}" if volumes[0] else ""]
    chart = S.bar_chart(
        labels,
        volumes,
        title=ctx.in_period("Leads reaching each stage (count) and conversion to the next"),
        notes=notes,
        value_labels=[f"{v:,.0f}" for v in volumes],
    )
    cols: dict[str, Any] = {
        "from": np.array(labels[:-1], dtype=object),
        "to": np.array([stage_label(t) for t in f["to_stage"].tolist()], dtype=object),
        "leads": f["n_from"],
        "converted": f["converted"],
        "rate": f["rate"],
    }
    if "rate_low" in f:
        cols["95% interval"] = np.array(
            [
                f"{100 * lo:.1f}–{100 * hi:.1f}%"
                for lo, hi in zip(f["rate_low"].tolist(), f["rate_high"].tolist())
            ],
            dtype=object,
        )
    for k in ("median_days", "p90_days"):
        if k in f:
            cols[k] = formatted(f[k], lambda d: f"{d:.1f}")
    reasons = not_measured_of(funnel)
    body = chart + H.table(
        cols,
        kinds={
            "leads": "int",
            "converted": "int",
            "rate": "pct",
            "median_days": "days",
            "p90_days": "days",
        },
        headers={
            "leads": "leads (count)",
            "converted": "converted (count)",
            "rate": "conversion",
            "median_days": "median time to convert (days)",
            "p90_days": "p90 time to convert (days)",
        },
        na={k: reasons.get(k, "") for k in ("rate", "median_days", "p90_days")},
        caption="Times are calendar days from reaching one stage to reaching the next.",
    )
    if plan is not None:
        body += _plan_block(plan, ctx)
    first = _plural(labels[0])
    kpis = [
        (first, f"{volumes[0]:,.0f}", ctx.in_period("entered the funnel")),
        (
            labels[-1],
            f"{volumes[-1]:,.0f}",
            f"{100 * volumes[-1] / volumes[0]:.2f}% of all {first}" if volumes[0] else "",
        ),
    ]
    return (
        H.section(
            "funnel",
            ctx.in_period("Funnel"),
            "How many leads reach each stage (in order: a lead that skipped a stage is not "
            "counted further), the conversion to the next stage with its 95% interval, and "
            "how long the step takes. The glossary at the end defines each stage.",
            body,
        ),
        kpis,
    )


def _plural(label: str) -> str:
    """A stage label as a plural count noun: "Lead" → "leads", "MQL" → "MQLs"."""
    return f"{label if label.isupper() else label.lower()}s"


def _plan_block(plan: Any, ctx: Context) -> str:
    """The plan's heading (target, deal size, customers, period) and its reverse waterfall."""
    p = _dict(plan)
    if "stage" not in p:
        return H.table(p, kinds={"rate": "pct", "required_whole": "int"}, max_rows=None)
    money = ctx.money
    target = float(np.asarray(plan.revenue_target).ravel()[0])
    deal = float(np.asarray(plan.average_deal_size).ravel()[0])
    customers = float(np.asarray(plan.customers).ravel()[0])
    weights = np.asarray(getattr(plan, "period_weights", [1.0]), dtype=float).ravel()
    n_periods = max(int(weights.size), 1)
    period = ctx.plan_period or (f"{n_periods} periods" if n_periods > 1 else "the plan's period")
    required = np.asarray(p["required"], dtype=float)
    cols: dict[str, Any] = {
        "stage": np.array([stage_label(s) for s in p["stage"].tolist()], dtype=object),
        "rate": p["rate"],
        "required": np.array([ceil_count(v) for v in required.tolist()]),
    }
    headers = {"rate": "rate to next stage", "required": "required in all (rounded up)"}
    if n_periods > 1 and np.allclose(weights, weights[0]):
        cols["each"] = np.array([ceil_count(v * weights[0]) for v in required.tolist()])
        headers["each"] = f"per period, ÷ {n_periods} (rounded up)"
    heading = (
        f"Plan for {period}: {money(target)} revenue at {money(deal)} per deal "
        f"= {ceil_count(customers):,} customers"
    )
    return f"<h3>{H.esc(heading)}</h3>" + H.table(
        cols,
        kinds={"rate": "pct", "required": "int", "each": "int"},
        headers=headers,
        max_rows=None,
        caption=f"Reverse waterfall: each stage's volume = the next stage's ÷ its rate; "
        f"customers = target × marketing share ÷ average deal size = {customers:,.1f}, rounded "
        "up. Required counts are whole leads, rounded up (a fraction of a lead cannot be "
        f"delivered). {ctx.money_note}",
    )


def _plan_only(plan: Any, ctx: Context) -> str:
    return H.section(
        "funnel",
        "Funnel plan",
        "Volumes each stage must deliver to reach the revenue target.",
        _plan_block(plan, ctx),
    )


# ----------------------------------------------------------------------------- attribution


def _channel_shares(
    totals: Mapping[str, Mapping[str, float]], won: Mapping[str, float]
) -> tuple[list[str], dict[str, list[float]]]:
    """Channels ordered by their mean share across models (largest first), and each model's
    share of its won revenue (``won``, per model) per channel (NaN when a model has no won
    revenue).  Revenue no touch could earn (unattributed) is in no channel's share: a model's
    shares add up to its attributed share of the won revenue."""
    channels = sorted(set().union(*totals.values()))
    shares: dict[str, list[float]] = {}
    for name, t in totals.items():
        s = won[name]
        shares[name] = [t.get(c, 0.0) / s if s > 0 else math.nan for c in channels]
    table = np.array(list(shares.values()), dtype=float).reshape(len(shares), len(channels))
    counted = (~np.isnan(table)).sum(axis=0)
    total = np.nansum(table, axis=0)  # a mean over the models that credit something (0 if none)
    mean = np.divide(total, counted, out=np.zeros(len(channels)), where=counted > 0)
    order = np.argsort(-mean, kind="stable")
    return [channels[i] for i in order], {k: [v[i] for i in order] for k, v in shares.items()}


#: why the attribution section has no chart and no table
NO_WON_REVENUE = "no won revenue to attribute: no journey converted with revenue in the data"


def _attribution_section(attribution: Mapping[str, Any], ctx: Context) -> tuple[str, list[KPI]]:
    first = next(iter(attribution.values()))
    converted = float(first.converted_revenue)
    label = "won revenue" if ctx.money.symbol else "won revenue (amount)"
    if not converted > 0:  # absent with its reason: no chart of zeros, no table of 0 amounts
        body = f'<p class="note">{H.esc(NO_WON_REVENUE[0].upper() + NO_WON_REVENUE[1:])}.</p>'
        kpis = [(label, not_measured("no won revenue"), ctx.in_period("nothing to attribute"))]
        return _attribution_wrap(body, ctx), kpis
    totals = {name: r.totals(by="channel") for name, r in attribution.items()}
    won = {name: float(r.converted_revenue) for name, r in attribution.items()}
    ch_sorted, shares = _channel_shares(totals, won)
    labels = human_labels(ch_sorted)
    chart = S.dot_plot(
        labels,
        [(model_label(name), v) for name, v in shares.items()],
        title=ctx.in_period("Share of won revenue (%) credited to each channel, by model"),
        x_title="share of the won revenue each model credits (%)",
    )
    money: Money = ctx.money
    cols: dict[str, Any] = {"channel": np.array(labels, dtype=object)}
    total_row: dict[str, Any] = {"channel": "total"}
    for name, t in totals.items():
        cols[name] = formatted([t.get(c, 0.0) for c in ch_sorted], money.number)
        total_row[name] = money.number(sum(t.values()))
    un_parts = [
        f"{model_label(name)}: {money(float(r.unattributed.total))}"
        for name, r in attribution.items()
        if float(r.unattributed.total) > 0
    ]
    caption = (
        f"Won revenue {money(converted)}. Every model credits it in full"
        if not un_parts
        else f"Won revenue {money(converted)}; unattributed (no eligible touch): "
        + ", ".join(un_parts)
        + ". The chart's shares are of the won revenue: a model's shares add up to 100% less "
        "its unattributed share"
    ) + f". Touches at or after a conversion get nothing. {ctx.money_note}"
    body = chart + H.table(
        cols,
        kinds={name: "money" for name in totals},
        headers={name: ctx.money_header(model_label(name)) for name in totals},
        total=total_row,
        caption=caption,
        max_rows=None,
    )
    kpis = [(label, money(converted), ctx.in_period(f"{len(attribution)} attribution models"))]
    return _attribution_wrap(body, ctx), kpis


def _attribution_wrap(body: str, ctx: Context) -> str:
    """The attribution section around its body."""
    return H.section(
        "attribution",
        ctx.in_period("Attribution by channel"),
        "Won revenue credited to the channels that preceded it, under each model side by "
        "side: rule-based models (first touch, last touch, linear, time decay, position "
        "based, W-shaped) and data-driven ones (Markov removal effect, Shapley). Where the "
        "markers spread, the models disagree about a channel; the glossary defines each "
        "model.",
        body,
    )
