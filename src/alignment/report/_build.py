"""The report builder: engine results to one HTML page.

Public names are re-exported by :mod:`alignment.report`.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ParameterError
from . import _html as H
from . import _svg as S

__all__ = ["build_report", "write_report"]

_CELL_RE = re.compile(r"^([A-Z][+-]?)(\d+)$")
#: response-time bins of the sales chart, in business hours (upper bounds)
_RESPONSE_BINS: tuple[tuple[str, float], ...] = (
    ("< 1 h", 1.0),
    ("1–4 h", 4.0),
    ("4–8 h", 8.0),
    ("8–16 h", 16.0),
    ("16–40 h", 40.0),
    ("> 40 h", math.inf),
)


def _dict(table: Any) -> dict[str, np.ndarray]:
    """Columns of a result table as numpy arrays (results expose ``to_frame(backend)``)."""
    return {k: np.asarray(v) for k, v in table.to_frame(backend="dict").items()}


def _label(stage: str) -> str:
    return stage[:-3] if stage.endswith("_at") else stage


# ----------------------------------------------------------------------------- funnel


def _funnel_section(funnel: Any, plan: Any) -> tuple[str, list[tuple[str, str, str]]]:
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
    notes = [f"→ {100 * r:.1f}% to {t}" for r, t in zip(f["rate"].tolist(), f["to_stage"])] + [
        f"{100 * volumes[-1] / volumes[0]:.2f}% of {labels[0]}" if volumes[0] else ""
    ]
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


# ----------------------------------------------------------------------------- attribution


def _attribution_section(attribution: Mapping[str, Any]) -> tuple[str, list[tuple[str, str, str]]]:
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


# ----------------------------------------------------------------------------- grid


def _grid_section(scores: Any, converted: Any) -> str:
    cells = np.asarray(scores["cell"], dtype=object)
    y = np.asarray(converted, dtype=bool)
    if y.shape != cells.shape:
        raise ParameterError(
            f"converted has {y.size} values but the scores have {cells.size} leads; "
            "pass one outcome per scored lead, in the same order"
        )
    actions = np.asarray(scores["action"], dtype=object) if _has(scores, "action") else None
    labels = np.array(["(missing)" if c is None else str(c) for c in cells.tolist()], dtype=object)
    uniq, inv = np.unique(labels.astype(str), return_inverse=True)
    n = np.bincount(inv, minlength=uniq.size)
    won = np.bincount(inv, weights=y.astype(np.float64), minlength=uniq.size)
    parsed = [_CELL_RE.match(u) for u in uniq.tolist()]
    action_of: dict[str, str] = {}
    if actions is not None:
        for i, u in enumerate(uniq.tolist()):
            first = np.flatnonzero(inv == i)
            if first.size:
                action_of[u] = str(actions[first[0]])
    if all(parsed) and uniq.size:
        fits = sorted({m.group(1) for m in parsed if m}, key=_grade_key)
        ints = sorted({m.group(2) for m in parsed if m}, key=int)
        idx = {u: i for i, u in enumerate(uniq.tolist())}
        values, text, sub = [], [], []
        for f in fits:
            vr, tr, sr = [], [], []
            for d in ints:
                k = idx.get(f + d)
                if k is None or n[k] == 0:
                    vr.append(math.nan)
                    tr.append("–")
                    sr.append("no leads")
                else:
                    rate = won[k] / n[k]
                    vr.append(rate)
                    tr.append(f"{100 * rate:.1f}%")
                    act = action_of.get(f + d, "")
                    sr.append(f"{int(won[k]):,}/{int(n[k]):,}" + (f" · {act}" if act else ""))
            values.append(vr)
            text.append(tr)
            sub.append(sr)
        chart = S.heatmap(
            fits,
            ints,
            values,
            title="Conversion to won per fit × interest cell",
            cell_text=text,
            cell_sub=sub,
            row_title="fit (A best)",
            col_title="interest (1 highest)",
            cell=112,
        )
    else:
        chart = S.bar_chart(
            uniq.tolist(),
            [won[i] / n[i] if n[i] else 0.0 for i in range(uniq.size)],
            title="Conversion to won per score cell",
            fmt=lambda v: f"{100 * v:.1f}%",
        )
    body_tables = ""
    if actions is not None:
        acts, ainv = np.unique(actions.astype(str), return_inverse=True)
        an = np.bincount(ainv, minlength=acts.size)
        aw = np.bincount(ainv, weights=y.astype(np.float64), minlength=acts.size)
        order = np.argsort(-(aw / np.maximum(an, 1)), kind="stable")
        body_tables = "<h3>Actions</h3>" + H.table(
            {
                "action": acts[order],
                "leads": an[order],
                "share": an[order] / max(int(an.sum()), 1),
                "won": aw[order],
                "conversion": aw[order] / np.maximum(an[order], 1),
            },
            kinds={"leads": "int", "share": "pct", "won": "int", "conversion": "pct"},
            max_rows=None,
            caption="High fit and high interest: sales-ready, follow up fast; high fit, low "
            "interest: nurture; low fit, high interest: review; low fit, low interest: avoid.",
        )
    return H.section(
        "grid",
        "Lead quality: the fit × interest grid",
        "Explicit fit (who the lead is) against implicit interest (what the lead did). Each cell "
        "shows the share of its leads that became customers — the check that the definition of "
        "a good lead both teams agreed on separates winners.",
        f'<div class="row"><div>{chart}</div><div>{body_tables}</div></div>',
    )


def _has(obj: Any, key: str) -> bool:
    try:
        obj[key]
    except (KeyError, IndexError, TypeError):
        return False
    return True


def _grade_key(grade: str) -> tuple[str, int]:
    # "A+" < "A" < "A-" < "B+" …
    return grade[0], {"+": 0, "": 1, "-": 2}.get(grade[1:], 1)


# ----------------------------------------------------------------------------- SLA


def _sla_section(sla: Any) -> tuple[str, list[tuple[str, str, str]]]:
    as_of = np.datetime64(sla.summary()["as_of"], "us")
    per = _dict(sla.periods)
    keep = per["period_start"].astype("datetime64[us]") < as_of
    per = {k: v[keep] for k, v in per.items()}
    daily = _dict(sla.daily)
    dkeep = daily["date"].astype("datetime64[us]") < as_of
    daily = {k: v[dkeep] for k, v in daily.items()}
    parts: list[str] = []
    kpis: list[tuple[str, str, str]] = []

    # marketing: delivered to date against the pace line (splits summed per day)
    if "split" in daily and daily["date"].size and len(set(daily["split"].tolist())) > 1:
        days_u, inv = np.unique(daily["date"].astype("datetime64[D]"), return_inverse=True)
        summed: dict[str, np.ndarray] = {"date": days_u}
        first_row = np.full(days_u.size, -1)
        first_row[inv[::-1]] = np.arange(inv.size)[::-1]
        summed["period_start"] = daily["period_start"][first_row]
        for k in ("delivered_to_date", "pace_to_date", "committed"):
            if k in daily:
                summed[k] = np.bincount(inv, weights=daily[k].astype(float), minlength=days_u.size)
        daily = summed
    if "delivered_to_date" in daily and "pace_to_date" in daily and daily["date"].size:
        days = daily["date"].astype("datetime64[D]")
        x = (days - days[0]).astype(np.int64).astype(float)
        pstart = daily["period_start"].astype("datetime64[D]")
        starts = np.flatnonzero(np.r_[True, pstart[1:] != pstart[:-1]])
        x_labels = [(float(x[i]), str(pstart[i])[:7]) for i in starts]
        series: list[tuple[str, Sequence[float], str]] = [
            ("delivered to date", daily["delivered_to_date"].astype(float).tolist(), "solid"),
            ("pace line", daily["pace_to_date"].astype(float).tolist(), "dashed"),
        ]
        if "committed" in daily:
            series.append(("commitment", daily["committed"].astype(float).tolist(), "dashed"))
        parts.append(
            "<h3>Marketing: qualified leads delivered against the straight-line pace</h3>"
            + S.line_chart(
                x.tolist(),
                series,
                title="Qualified leads delivered to date vs. pace, per period",
                x_labels=x_labels,
                breaks=[float(x[i]) for i in starts[1:]],
            )
        )
    mcols: dict[str, Any] = {
        k: per[k]
        for k in (
            "period_start",
            "split",
            "committed",
            "delivered",
            "delivered_vs_committed",
            "delivered_vs_pace",
            "delivered_unqualified",
        )
        if k in per
    }
    if "split" in mcols and len(set(mcols["split"].tolist())) <= 1:
        mcols.pop("split")
    parts.append(
        H.table(
            mcols,
            kinds={
                "committed": "int",
                "delivered": "int",
                "delivered_unqualified": "int",
                "delivered_vs_committed": "pct",
                "delivered_vs_pace": "pct",
            },
            headers={"period_start": "period", "delivered_unqualified": "delivered, not qualified"},
            css=lambda c, v: (
                ("good" if v >= 1 else "bad")
                if c in ("delivered_vs_committed", "delivered_vs_pace") and np.isfinite(v)
                else ""
            ),
            max_rows=None,
        )
    )
    if per.get("committed") is not None and per["committed"].size:
        tot_c = float(np.nansum(per["committed"]))
        tot_d = float(np.nansum(per["delivered"]))
        if tot_c > 0:
            kpis.append(
                (
                    "marketing delivery",
                    f"{100 * tot_d / tot_c:.0f}%",
                    f"{tot_d:,.0f} of {tot_c:,.0f} qualified leads committed",
                )
            )

    # sales: response-time distribution and compliance
    leads = _dict(sla.leads)
    in_scope = leads["in_scope"].astype(bool) if "in_scope" in leads else np.ones(0, bool)
    resp = leads.get("response_business")
    if resp is not None and in_scope.any():
        r = resp[in_scope]
        hours = np.where(np.isnat(r), np.nan, r.astype("timedelta64[s]").astype(np.int64) / 3600)
        edges = [b for _, b in _RESPONSE_BINS]
        known = ~np.isnan(hours)
        bin_idx = np.searchsorted(np.array(edges), hours[known], side="left")
        counts = np.bincount(bin_idx, minlength=len(edges)).tolist()
        labels = [lab for lab, _ in _RESPONSE_BINS] + ["no touch"]
        counts.append(int((~known).sum()))
        colors = [
            S.PALETTE[4],
            S.PALETTE[4],
            S.PALETTE[5],
            S.PALETTE[1],
            S.PALETTE[2],
            S.PALETTE[2],
            "#999999",
        ]
        parts.append(
            "<h3>Sales: time to first touch after assignment (business hours)</h3>"
            + S.histogram(
                labels,
                counts,
                title="Distribution of business-hours response time",
                colors=colors,
            )
            + '<p class="note">Business time counts working hours only (one business day = '
            "the calendar's working day). Leads contacted within an hour qualify far more often "
            "(HBR, 2011).</p>"
        )
    scols: dict[str, Any] = {
        k: per[k]
        for k in (
            "period_start",
            "leads_assigned",
            "first_touch_compliance",
            "attempts_compliance",
            "accept_compliance",
            "response_median",
            "response_p90",
        )
        if k in per
    }
    parts.append(
        H.table(
            scols,
            kinds={
                "leads_assigned": "int",
                "first_touch_compliance": "pct",
                "attempts_compliance": "pct",
                "accept_compliance": "pct",
            },
            headers={
                "period_start": "period",
                "first_touch_compliance": "first touch met",
                "attempts_compliance": "attempts met",
                "accept_compliance": "accept/reject met",
                "response_median": "median response",
                "response_p90": "p90 response",
            },
            max_rows=None,
        )
    )
    # per rep
    if "owner" in leads and in_scope.any():
        owners = np.array(
            ["(unassigned)" if o is None else str(o) for o in leads["owner"][in_scope].tolist()]
        )
        reps, rinv = np.unique(owners, return_inverse=True)
        nrep = np.bincount(rinv, minlength=reps.size)
        cols: dict[str, Any] = {"rep": reps.astype(object), "leads": nrep}
        for status_col, label in (
            ("first_touch_status", "first touch met"),
            ("attempts_status", "attempts met"),
        ):
            if status_col in leads:
                st = leads[status_col][in_scope].astype(str)
                decided = np.isin(st, ["met", "breached"])
                met = np.bincount(rinv, weights=(st == "met").astype(float), minlength=reps.size)
                dec = np.bincount(rinv, weights=decided.astype(float), minlength=reps.size)
                cols[label] = np.where(dec > 0, met / np.maximum(dec, 1), np.nan)
        if resp is not None:
            rh = resp[in_scope]
            med = np.full(reps.size, np.nan)
            hrs = np.where(
                np.isnat(rh), np.nan, rh.astype("timedelta64[s]").astype(np.int64) / 3600
            )
            for i in range(reps.size):  # loop over reps (a handful), not over leads
                v = hrs[rinv == i]
                v = v[~np.isnan(v)]
                if v.size:
                    med[i] = float(np.median(v))
            cols["median response"] = med
        order = np.argsort(
            -np.nan_to_num(np.asarray(cols.get("first touch met", nrep))), kind="stable"
        )
        parts.append(
            "<h3>Sales reps</h3>"
            + H.table(
                {k: np.asarray(v)[order] for k, v in cols.items()},
                kinds={
                    "leads": "int",
                    "first touch met": "pct",
                    "attempts met": "pct",
                    "median response": "hours",
                },
                css=lambda c, v: (
                    "bad" if c == "first touch met" and np.isfinite(v) and v < 0.5 else ""
                ),
                max_rows=None,
                caption="Compliance = met ÷ decided (met or breached) leads; pending leads are "
                "still inside their window.",
            )
        )
    s = sla.summary()
    n_met = int(s.get("first_touch_met", 0))
    n_br = int(s.get("first_touch_breached", 0))
    if n_met + n_br:
        kpis.append(
            (
                "sales first touch",
                f"{100 * n_met / (n_met + n_br):.0f}%",
                f"met of {n_met + n_br:,} decided",
            )
        )
    kpis.append(("SLA breaches", f"{int(s.get('breaches', 0)):,}", "leads on the breach list"))
    return (
        H.section(
            "sla",
            "SLA attainment — both teams",
            f"As of {str(as_of)[:16].replace('T', ' ')} UTC. Marketing promised qualified leads "
            "per period, paced on a straight line; sales promised a fast first touch, enough "
            "attempts and a decision on every lead.",
            "".join(parts),
        ),
        kpis,
    )


# ----------------------------------------------------------------------------- closed loop


def _closed_loop_section(closed_loop: Any, max_rows: int) -> str:
    t = _dict(closed_loop.table)
    rev = np.nan_to_num(t["revenue"].astype(float)) if "revenue" in t else np.zeros(0)
    order = np.argsort(-rev, kind="stable")
    t = {k: v[order] for k, v in t.items()}
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
        c for c in t if c not in metric_cols and t[c].dtype.kind == "O" and c not in ("row",)
    ]
    cols = {c: t[c] for c in [*key_cols, *metric_cols]}
    kinds = {
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
    s = closed_loop.summary()
    total: dict[str, Any] = {key_cols[0]: "total"} if key_cols else {}
    for c in ("leads", "mqls", "rejected", "sqls", "won", "revenue", "attributed_revenue", "cost"):
        if c in cols:
            total[c] = float(np.nansum(cols[c].astype(float)))
    if total.get("cost"):
        total["roi"] = (total.get("revenue", 0.0) - total["cost"]) / total["cost"]
    body = H.table(
        cols,
        kinds=kinds,
        headers={
            "acceptance_rate": "accepted",
            "sql_rate": "SAL→SQL",
            "win_rate": "SQL→won",
            "mqls": "MQLs",
            "sqls": "SQLs",
            "attributed_revenue": "attributed",
            "cost_per_lead": "cost/lead",
            "roi": "ROI",
            "attributed_roi": "attr. ROI",
        },
        css=lambda c, v: (
            ("bad" if v < 0 else "good")
            if c == "roi" and isinstance(v, float) and np.isfinite(v)
            else ""
        ),
        total=total,
        max_rows=max_rows,
        caption="ROI = (revenue − cost) ÷ cost; acceptance = accepted ÷ MQLs (lead quality), "
        "SAL→SQL = SQLs ÷ accepted (sales process). A row with no leads holds cost that "
        "matched no lead.",
    )
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


# ----------------------------------------------------------------------------- public API


def build_report(
    *,
    title: str = "Sales & marketing alignment report",
    subtitle: str | None = None,
    funnel: Any = None,
    plan: Any = None,
    attribution: Any = None,
    scores: Any = None,
    converted: Any = None,
    sla: Any = None,
    closed_loop: Any = None,
    closed_loop_rows: int = 40,
    generated_at: _dt.datetime | None = None,
) -> str:
    """Build the self-contained HTML report from engine results.

    Parameters
    ----------
    title, subtitle : str
        Page heading.
    funnel : FunnelObservation, optional
        From :func:`alignment.funnel.observe` (unsegmented; for a segmented one the first
        segment is shown).
    plan : Plan, optional
        From :func:`alignment.funnel.plan` / :func:`~alignment.funnel.plan_from`.
    attribution : AttributionResult or mapping of str to AttributionResult, optional
        One result, or several models side by side (name → result).
    scores : ScoreResult, optional
        Grid scores (columns ``cell`` and ``action``).
    converted : array-like of bool, optional
        Outcome per scored lead (e.g. won), in the scores' order; required with ``scores``.
    sla : SLAReport, optional
        From :func:`alignment.sla.evaluate`.
    closed_loop : ClosedLoopReport, optional
        From :func:`alignment.closed_loop.closed_loop`.
    closed_loop_rows : int, default 40
        Rows of the closed-loop table shown (largest revenue first).
    generated_at : datetime, optional
        Time stamp in the footer (default: now, UTC).

    Returns
    -------
    str
        The HTML document (UTF-8 text, no script, no external resource).

    Raises
    ------
    ParameterError
        Nothing to report, ``scores`` without ``converted`` or with a different length.
    """
    from .. import __version__

    if all(x is None for x in (funnel, plan, attribution, scores, sla, closed_loop)):
        raise ParameterError("build_report: give at least one result (funnel, attribution …)")
    if scores is not None and converted is None:
        raise ParameterError(
            "build_report: scores need converted= (one outcome per lead, e.g. won) for the grid"
        )
    sections: list[str] = []
    nav: list[tuple[str, str]] = []
    kpis: list[tuple[str, str, str]] = []
    if funnel is not None or plan is not None:
        if funnel is not None:
            html_f, k = _funnel_section(funnel, plan)
            kpis += k
        else:
            html_f = _plan_only(plan)
        sections.append(html_f)
        nav.append(("funnel", "Funnel"))
    if attribution is not None:
        mapping = (
            dict(attribution)
            if isinstance(attribution, Mapping)
            else {str(getattr(attribution, "model_name", "model")): attribution}
        )
        if not mapping:
            raise ParameterError("build_report: attribution is an empty mapping")
        html_a, k = _attribution_section(mapping)
        kpis += k
        sections.append(html_a)
        nav.append(("attribution", "Attribution"))
    if scores is not None:
        sections.append(_grid_section(scores, converted))
        nav.append(("grid", "Fit × interest"))
    if sla is not None:
        html_s, k = _sla_section(sla)
        kpis += k
        sections.append(html_s)
        nav.append(("sla", "SLA"))
    if closed_loop is not None:
        sections.append(_closed_loop_section(closed_loop, closed_loop_rows))
        nav.append(("closed-loop", "Closed loop"))
    when = generated_at or _dt.datetime.now(_dt.timezone.utc)
    body = H.cards(kpis) + "".join(sections) if kpis else "".join(sections)
    footer = (
        f"Generated by alignment {__version__} on {when.strftime('%Y-%m-%d %H:%M')} UTC. "
        "Charts are inline SVG drawn by the library; the page has no script and loads nothing."
    )
    return H.page(title, subtitle or "", nav, body, footer)


def _plan_only(plan: Any) -> str:
    p = _dict(plan)
    return H.section(
        "funnel",
        "Funnel plan",
        "Volumes each stage must deliver to reach the revenue target.",
        H.table(p, kinds={"rate": "pct", "required_whole": "int"}, max_rows=None),
    )


def write_report(path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`build_report` ``(**kwargs)`` to ``path`` (UTF-8); returns the path.

    Raises
    ------
    ParameterError
        The directory does not exist (or see :func:`build_report`).
    """
    p = Path(path)
    if not p.parent.exists():
        raise ParameterError(f"write_report: directory does not exist: {str(p.parent)!r}")
    text = build_report(**kwargs)
    p.write_text(text, encoding="utf-8")
    return p
