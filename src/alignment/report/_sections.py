"""The report's sections that format one result each: funnel, attribution, closed loop.

Each function formats what the engine returns (read through :mod:`alignment.report._read`)
and returns the section's HTML, with its headline figures (KPI cards) where it has some.
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
from ._read import allocation_of, not_measured_of, summary_of
from ._read import columns as _dict

#: a headline figure: (label, value, note)
KPI = tuple[str, str, str]


def _funnel_section(funnel: Any, plan: Any) -> tuple[str, list[KPI]]:
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
    labels = [str(s) for s in f["from_stage"].tolist()] + [str(f["to_stage"][-1])]
    volumes = [float(v) for v in f["n_from"].tolist()] + [float(f["converted"][-1])]
    notes = [
        f"→ {100 * r:.1f}% to {t}" if math.isfinite(r) else f"→ {not_measured(f'no {s}')} to {t}"
        for r, s, t in zip(f["rate"].tolist(), f["from_stage"].tolist(), f["to_stage"])
    ] + [f"{100 * volumes[-1] / volumes[0]:.2f}% of {labels[0]}" if volumes[0] else ""]
    chart = S.bar_chart(
        labels,
        volumes,
        title="Funnel volumes and next-step conversion",
        notes=notes,
        value_labels=[f"{v:,.0f}" for v in volumes],
    )
    cols: dict[str, Any] = {
        "from": f["from_stage"],
        "to": f["to_stage"],
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
            cols[k.replace("_days", " days")] = f[k]
    body = chart + H.table(
        cols,
        kinds={
            "leads": "int",
            "converted": "int",
            "rate": "pct",
            "median days": "days",
            "p90 days": "days",
        },
        na={
            col: not_measured_of(funnel).get(key, "")
            for col, key in (
                ("rate", "rate"),
                ("median days", "median_days"),
                ("p90 days", "p90_days"),
            )
        },
    )
    if plan is not None:
        p = _dict(plan)
        if "stage" in p:
            target = float(np.asarray(plan.revenue_target).ravel()[0])
            deal = float(np.asarray(plan.average_deal_size).ravel()[0])
            customers = float(np.asarray(plan.customers).ravel()[0])
            body += (
                f"<h3>Plan: {H.esc(f'{target:,.0f}')} revenue at {H.esc(f'{deal:,.0f}')} per deal "
                f"= {H.esc(f'{customers:,.1f}')} customers</h3>"
                + H.table(
                    {k: p[k] for k in ("stage", "rate", "required", "required_whole") if k in p},
                    kinds={"rate": "pct", "required": "auto", "required_whole": "int"},
                    headers={"required_whole": "required (whole)", "rate": "rate to next"},
                    caption="Reverse waterfall: each stage's volume = the next stage's ÷ its "
                    "rate (customers = target × marketing share ÷ average deal size).",
                )
            )
    kpis = [
        (labels[0] + "s", f"{volumes[0]:,.0f}", "entered the funnel"),
        (
            labels[-1],
            f"{volumes[-1]:,.0f}",
            f"{100 * volumes[-1] / volumes[0]:.2f}% of all" if volumes[0] else "",
        ),
    ]
    return (
        H.section(
            "funnel",
            "Funnel",
            "How many leads reach each stage (in order: a lead that skipped a stage is not "
            "counted further), the conversion to the next stage with its 95% interval, and "
            "how long the step takes.",
            body,
        ),
        kpis,
    )


def _plan_only(plan: Any) -> str:
    p = _dict(plan)
    return H.section(
        "funnel",
        "Funnel plan",
        "Volumes each stage must deliver to reach the revenue target.",
        H.table(p, kinds={"rate": "pct", "required_whole": "int"}, max_rows=None),
    )


# ----------------------------------------------------------------------------- attribution


def _attribution_section(attribution: Mapping[str, Any]) -> tuple[str, list[KPI]]:
    totals = {name: r.totals(by="channel") for name, r in attribution.items()}
    channels = sorted(set().union(*totals.values()))
    shares: dict[str, list[float]] = {}
    for name, t in totals.items():
        s = sum(t.values())
        shares[name] = [t.get(c, 0.0) / s if s > 0 else math.nan for c in channels]
    # order channels by the mean share across models, largest first
    mean = np.nanmean(np.array(list(shares.values())), axis=0) if shares else np.zeros(0)
    order = np.argsort(-np.nan_to_num(mean), kind="stable")
    ch_sorted = [channels[i] for i in order]
    chart = S.dot_plot(
        ch_sorted,
        [(name, [v[i] for i in order]) for name, v in shares.items()],
        title="Share of won revenue by channel under each attribution model",
    )
    cols: dict[str, Any] = {"channel": np.array(ch_sorted, dtype=object)}
    for name, t in totals.items():
        cols[name] = np.array([t.get(c, 0.0) for c in ch_sorted])
    total_row: dict[str, Any] = {"channel": "total"}
    for name, t in totals.items():
        total_row[name] = sum(t.values())
    first = next(iter(attribution.values()))
    converted = float(first.converted_revenue)
    un_parts = []
    for name, r in attribution.items():
        un = float(r.unattributed.total)
        if un > 0:
            un_parts.append(f"{name}: {un:,.0f}")
    caption = (
        f"Converted revenue {converted:,.0f}. Every model credits it in full"
        if not un_parts
        else f"Converted revenue {converted:,.0f}; unattributed (no eligible touch): "
        + ", ".join(un_parts)
    ) + ". Touches at or after a conversion get nothing."
    body = chart + H.table(
        cols,
        kinds={name: "money" for name in totals},
        total=total_row,
        caption=caption,
        max_rows=None,
    )
    kpis = [("won revenue", f"{converted:,.0f}", f"{len(attribution)} attribution models")]
    return (
        H.section(
            "attribution",
            "Attribution by channel",
            "Won revenue credited to the channels that preceded it, under each model side by "
            "side: rule-based models (first, last, linear, time decay, position based, "
            "W-shaped) and data-driven ones (Markov removal effect, Shapley). Where the dots "
            "spread, the models disagree about a channel.",
            body,
        ),
        kpis,
    )


# ----------------------------------------------------------------------------- closed loop


def _shown_rows(t: Mapping[str, np.ndarray], max_rows: int) -> tuple[np.ndarray, int]:
    """Rows of the closed-loop table to show: the keys with leads, largest revenue first (at
    most ``max_rows``), then every row holding amounts without leads (never hidden); and the
    number of keys left out."""
    n = len(next(iter(t.values()))) if t else 0
    rev = np.nan_to_num(t["revenue"].astype(float)) if "revenue" in t else np.zeros(n)
    noted = (
        np.array([v is not None for v in t["note"].tolist()], dtype=bool)
        if "note" in t
        else np.zeros(n, dtype=bool)
    )
    order = np.argsort(-rev, kind="stable")
    keys = order[~noted[order]]
    return np.concatenate([keys[:max_rows], order[noted[order]]]), max(keys.size - max_rows, 0)


def _closed_loop_table(closed_loop: Any, max_rows: int) -> str:
    """The closed-loop table: keys, funnel counts, revenue, cost, ROI, notes and a total row."""
    t = _dict(closed_loop.table)
    wanted = [
        "leads",
        "mqls",
        "acceptance_rate",
        "sqls",
        "won",
        "revenue",
        "attributed_revenue",
        "cost",
        "cost_per_lead",
        "roi",
    ]
    metric_cols = [c for c in wanted if c in t]
    key_cols = [
        c for c in t if c not in metric_cols and t[c].dtype.kind == "O" and c not in ("row", "note")
    ]
    notes = [c for c in ("note",) if c in t and any(v is not None for v in t[c].tolist())]
    every = {c: t[c] for c in [*key_cols, *metric_cols, *notes]}
    total: dict[str, Any] = {key_cols[0]: "total"} if key_cols else {}
    for c in ("leads", "mqls", "rejected", "sqls", "won", "revenue", "attributed_revenue", "cost"):
        if c in every:
            total[c] = float(np.nansum(every[c].astype(float)))
    if total.get("cost"):
        total["roi"] = (total.get("revenue", 0.0) - total["cost"]) / total["cost"]
    shown, hidden = _shown_rows(t, max_rows)
    more = f"{hidden:,} more keys not shown (smaller revenue). " if hidden else ""
    return H.table(
        {c: v[shown] for c, v in every.items()},
        kinds=_CLOSED_LOOP_KINDS,
        headers=_CLOSED_LOOP_HEADERS,
        css=lambda c, v: (
            ("bad" if v < 0 else "good")
            if c == "roi" and isinstance(v, float) and np.isfinite(v)
            else ""
        ),
        total=total,
        max_rows=None,
        caption=f"{more}ROI = (revenue − cost) ÷ cost; acceptance = accepted ÷ MQLs (lead "
        "quality), SAL→SQL = SQLs ÷ accepted (sales process). A row with no leads holds amounts "
        f"that no lead's key carries (see its note). {allocation_of(closed_loop)}",
        na=not_measured_of(closed_loop),
    )


_CLOSED_LOOP_KINDS = {
    "leads": "int",
    "mqls": "int",
    "rejected": "int",
    "sqls": "int",
    "won": "int",
    "acceptance_rate": "pct",
    "sql_rate": "pct",
    "win_rate": "pct",
    "revenue": "money",
    "attributed_revenue": "money",
    "cost": "money",
    "cost_per_lead": "auto",
    "roi": "ratio",
    "attributed_roi": "ratio",
}
_CLOSED_LOOP_HEADERS = {
    "acceptance_rate": "accepted",
    "sql_rate": "SAL→SQL",
    "win_rate": "SQL→won",
    "mqls": "MQLs",
    "sqls": "SQLs",
    "attributed_revenue": "attributed",
    "cost_per_lead": "cost/lead",
    "roi": "ROI",
    "attributed_roi": "attr. ROI",
}


def _closed_loop_section(closed_loop: Any, max_rows: int) -> str:
    s = summary_of(closed_loop)
    body = _closed_loop_table(closed_loop, max_rows)
    rr = _dict(closed_loop.rejection_reasons)
    if "reason" in rr and rr["reason"].size:
        reasons, rinv = np.unique(rr["reason"].astype(str), return_inverse=True)
        counts = np.bincount(rinv, weights=rr["count"].astype(float), minlength=reasons.size)
        o = np.argsort(-counts, kind="stable")
        body += "<h3>Why sales rejected leads</h3>" + S.bar_chart(
            reasons[o].tolist(),
            counts[o].tolist(),
            title="Rejection reasons",
            color=S.PALETTE[2],
        )
    dup = _dict(closed_loop.duplicates)
    inc = _dict(closed_loop.incomplete)
    body += (
        f"<h3>Data quality: {int(s.get('n_duplicates', 0)):,} duplicate and "
        f"{int(s.get('n_incomplete', 0)):,} incomplete leads of {int(s.get('n_leads', 0)):,}</h3>"
    )
    dq = []
    if dup and len(next(iter(dup.values()))):
        dq.append(
            "<div><b>Duplicates</b>"
            + H.table({k: v for k, v in dup.items() if k != "row"}, max_rows=10)
            + "</div>"
        )
    if inc and len(next(iter(inc.values()))):
        fields, finv = np.unique(inc["field"].astype(str), return_inverse=True)
        dq.append(
            "<div><b>Incomplete leads: missing field</b>"
            + H.table(
                {"field": fields.astype(object), "leads": np.bincount(finv)},
                kinds={"leads": "int"},
                max_rows=None,
            )
            + "</div>"
        )
    if dq:
        body += '<div class="row">' + "".join(dq) + "</div>"
    return H.section(
        "closed-loop",
        "Closed loop by source and campaign",
        "What happened to every lead marketing delivered: accepted or rejected (and why), "
        "qualified, won, revenue — against what the campaign cost.",
        body,
    )
