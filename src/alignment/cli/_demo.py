"""``alignment demo``: every engine on the synthetic CRM, a terminal summary and the report."""

from __future__ import annotations

import argparse
import math
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..report._read import summary_of
from ._commands import _emit, _progress
from ._common import CLIError, Progress
from ._text import sla_summary_text, text_table

#: fit rules of the demo's grid (points for the synthetic company's ideal customer profile)
DEMO_FIT_RULES: list[dict[str, Any]] = [
    {
        "column": "persona",
        "isin": ["revops_leader", "enterprise_buyer"],
        "points": 15,
        "name": "core persona",
    },
    {"column": "persona", "equals": "ops_manager", "points": 8, "name": "secondary persona"},
    {
        "column": "seniority",
        "isin": ["executive", "director"],
        "points": 10,
        "name": "senior title",
    },
    {"column": "company_size", "min": 200, "points": 8, "name": "200+ employees"},
    {"column": "industry", "isin": ["software", "fintech"], "points": 5, "name": "target industry"},
    {
        "column": "email",
        "contains": ["gmail.com", "outlook.com", "yahoo.com"],
        "points": -5,
        "name": "free-mail address",
    },
]
#: the demo grid's cut points (fit A–D, interest 1–4)
DEMO_GRID: dict[str, Any] = {"fit_cuts": (30, 20, 10), "interest_cuts": (200, 120, 60)}
#: attribution models the demo compares side by side
DEMO_MODELS: tuple[str, ...] = (
    "first",
    "last",
    "linear",
    "time_decay",
    "position_based",
    "w_shaped",
    "markov",
    "shapley",
)
#: logistic scorer features (explicit attributes known when the lead arrives)
DEMO_FEATURES: tuple[str, ...] = (
    "company_size",
    "industry",
    "country",
    "seniority",
    "persona",
    "source",
)
DEMO_STAGES: tuple[str, ...] = (
    "created_at",
    "mql_at",
    "sal_at",
    "sql_at",
    "opportunity_at",
    "won_at",
)


def run_demo(
    n_leads: int = 10_000, seed: int = 0, progress: Progress | None = None
) -> dict[str, Any]:
    """Run every engine on a synthetic CRM; the results the demo prints and reports.

    Returns
    -------
    dict
        ``crm`` (SyntheticCRM), ``scores`` (grid ScoreResult), ``logistic`` (ScoreResult),
        ``auc``, ``cells`` (cell conversion table), ``attribution`` (model → result),
        ``funnel`` (FunnelObservation), ``plan`` (Plan), ``plan_target``, ``sla``
        (SLAReport), ``closed_loop`` (ClosedLoopReport), ``timings`` (step → seconds).
    """
    from .. import closed_loop as closed_loop_mod
    from .. import funnel as funnel_mod
    from .. import sla as sla_mod
    from ..attribution import attribute
    from ..datasets import synthetic_crm
    from ..scoring import LogisticScorer, metrics, score

    prog = progress or Progress(False)
    out: dict[str, Any] = {"timings": {}}

    def timed(label: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        with prog.step(label):
            value = fn()
        out["timings"][label] = time.perf_counter() - start
        return value

    crm = timed(
        f"generating a synthetic CRM ({n_leads:,} leads, seed {seed})",
        lambda: synthetic_crm(n_leads, seed=seed),
    )
    out["crm"] = crm
    lt, journeys = timed(
        "building lead and journey tables", lambda: (crm.lead_table(), crm.journeys())
    )
    won = ~np.isnat(crm.leads["won_at"])
    closed = won | ~np.isnat(crm.leads["lost_at"])

    grid = timed(
        "scoring leads (fit × interest grid)",
        lambda: score(lt, journeys, scorer="grid", fit_rules=DEMO_FIT_RULES, **DEMO_GRID),
    )
    out["scores"] = grid
    out["cells"] = metrics.cell_conversion(grid, won, backend="dict")

    def logistic() -> Any:
        model = LogisticScorer(l2=1.0, features=list(DEMO_FEATURES)).fit(lt)
        return model, score(lt, scorer=model)

    model, logit = timed("fitting the logistic scorer on won/lost", logistic)
    out["logistic_model"] = model
    out["logistic"] = logit
    p = np.asarray(logit["probability"])
    out["auc"] = float(metrics.roc_auc(won[closed], p[closed])) if closed.any() else math.nan

    results: dict[str, Any] = {}
    for name in DEMO_MODELS:  # loop over models (a handful)

        def run(model: str = name) -> Any:
            return attribute(journeys, model=model)

        results[name] = timed(f"attribution: {name}", run)
    out["attribution"] = results

    obs = timed("observing the funnel", lambda: funnel_mod.observe(lt, stages=list(DEMO_STAGES)))
    out["funnel"] = obs
    revenue = float(crm.conversions["revenue"].sum())
    n_won = int(won.sum())
    deal = revenue / n_won if n_won else 1.0
    target = max(round(1.2 * revenue, -3), 1000.0)
    out["plan_target"] = target
    out["deal_size"] = deal
    out["plan"] = (
        timed(
            "planning next quarter (+20% revenue)",
            lambda: funnel_mod.plan_from(
                obs, revenue_target=target, average_deal_size=deal, periods=3
            ),
        )
        if n_won
        else None
    )

    leads_for_sla = dict(crm.leads)
    leads_for_sla["grid_cell"] = np.asarray(grid["cell"], dtype=object)
    out["sla"] = timed(
        "evaluating the SLA",
        lambda: sla_mod.evaluate(crm.sla, lt, crm.activities, as_of=crm.as_of),
    )
    out["closed_loop"] = timed(
        "closed-loop report by source and campaign",
        lambda: closed_loop_mod.closed_loop(
            lt,
            deals=crm.deals,
            costs=crm.costs,
            attribution=attribute(journeys, model="time_decay"),
            attribution_by="campaign",
            by=("source", "campaign"),
        ),
    )
    return out


def demo_summary_text(res: Mapping[str, Any]) -> str:
    """The demo's terminal summary."""
    lines = _data_lines(res)
    lines += _funnel_lines(res)
    lines += _scoring_lines(res)
    lines += _attribution_lines(res)
    lines += [
        "\nSLA (marketing delivery and sales follow-up per month)",
        sla_summary_text(res["sla"]),
    ]
    lines += _closed_loop_lines(res)
    return "\n".join(lines)


def _data_lines(res: Mapping[str, Any]) -> list[str]:
    """What the synthetic CRM holds and its period."""
    lines: list[str] = []
    w = lines.append
    crm = res["crm"]
    n = crm.n_leads
    w(
        f"Synthetic CRM (seed {crm.seed}): {n:,} leads, {len(crm.touchpoints['lead_id']):,} "
        f"touches, {len(crm.deals['deal_id']):,} deals, "
        f"{len(crm.activities['lead_id']):,} sales activities"
    )
    w(
        f"Period {str(crm.start)[:10]} → {str(crm.as_of - np.timedelta64(1, 'D'))[:10]}, "
        f"data as of {str(crm.as_of)[:10]}"
    )

    return lines


def _funnel_lines(res: Mapping[str, Any]) -> list[str]:
    """The observed funnel and the plan for next quarter."""
    lines: list[str] = []
    w = lines.append
    f = res["funnel"].to_frame(backend="dict")
    w("\nFUNNEL (in order; conversion to the next stage, median days to get there)")
    w(
        text_table(
            {
                "from": f["from_stage"],
                "to": f["to_stage"],
                "leads": f["n_from"],
                "converted": f["converted"],
                "rate": f["rate"],
                "median_days": f["median_days"],
            },
            pct=("rate",),
            decimals={"median_days": 1},
            max_rows=None,
        )
    )
    plan = res.get("plan")
    if plan is not None:
        req = plan.required_whole
        top = next(iter(req))
        w(
            f"  Plan: {res['plan_target']:,.0f} revenue next quarter (+20%) at "
            f"{res['deal_size']:,.0f} per deal needs {float(np.asarray(plan.customers)):,.0f} "
            f"customers and {float(np.asarray(req[top])):,.0f} new leads at today's rates."
        )

    return lines


def _scoring_lines(res: Mapping[str, Any]) -> list[str]:
    """Conversion per grid cell, per action, and the logistic scorer's AUC."""
    lines: list[str] = []
    w = lines.append
    crm = res["crm"]
    cells = res["cells"]
    w("\nSCORING (fit × interest grid, A1 best): conversion to won per cell")
    keep = np.asarray(cells["n"]) > 0
    w(
        text_table(
            {
                "cell": np.asarray(cells["cell"])[keep],
                "leads": np.asarray(cells["n"])[keep],
                "won": np.asarray(cells["conversions"])[keep],
                "rate": np.asarray(cells["rate"])[keep],
            },
            pct=("rate",),
            max_rows=None,
        )
    )
    sc = res["scores"]
    actions = np.asarray(sc["action"], dtype=object)
    won = ~np.isnat(crm.leads["won_at"])
    parts = []
    for act in ("sales_ready", "nurture", "review", "disqualify"):
        m = actions == act
        if m.any():
            parts.append(f"{act} {int(m.sum()):,} ({100 * won[m].mean():.1f}% won)")
    w("  Actions: " + ", ".join(parts))
    w(f"  Logistic scorer on explicit attributes: ROC AUC {res['auc']:.3f} on closed leads")

    return lines


def _attribution_lines(res: Mapping[str, Any]) -> list[str]:
    """Each channel's share of won revenue under each model."""
    lines: list[str] = []
    w = lines.append
    att = res["attribution"]
    totals = {m: r.totals(by="channel") for m, r in att.items()}
    channels = sorted(set().union(*totals.values()))
    total_rev = sum(next(iter(totals.values())).values())
    w(f"\nATTRIBUTION: share of {total_rev:,.0f} won revenue by channel under each model")
    table: dict[str, Any] = {"channel": channels}
    for m, t in totals.items():
        s = sum(t.values()) or 1.0
        table[m] = [t.get(c, 0.0) / s for c in channels]
    w(text_table(table, pct=tuple(totals), max_rows=None))

    return lines


def _closed_loop_lines(res: Mapping[str, Any]) -> list[str]:
    """Leads, won deals, revenue, cost and ROI per source; data quality."""
    lines: list[str] = []
    w = lines.append
    cl = res["closed_loop"]
    t = cl.table.to_frame("dict")
    by_source: dict[str, list[float]] = {}
    for i in range(len(t["source"])):
        src = str(t["source"][i])
        acc = by_source.setdefault(src, [0.0, 0.0, 0.0, 0.0, 0.0])
        acc[0] += float(t["leads"][i])
        acc[1] += float(t["mqls"][i])
        acc[2] += float(t["won"][i])
        acc[3] += float(np.nan_to_num(t["revenue"][i]))
        acc[4] += float(np.nan_to_num(t["cost"][i]))
    srcs = sorted(by_source, key=lambda s: -by_source[s][3])
    w("\nCLOSED LOOP by source (revenue from won deals, campaign costs)")
    w(
        text_table(
            {
                "source": srcs,
                "leads": [int(by_source[s][0]) for s in srcs],
                "mqls": [int(by_source[s][1]) for s in srcs],
                "won": [int(by_source[s][2]) for s in srcs],
                "revenue": [by_source[s][3] for s in srcs],
                "cost": [by_source[s][4] for s in srcs],
                "roi": [
                    (by_source[s][3] - by_source[s][4]) / by_source[s][4]
                    if by_source[s][4] > 0
                    else math.nan
                    for s in srcs
                ],
            },
            money=("revenue", "cost"),
            ratio=("roi",),
            max_rows=None,
        )
    )
    if "(missing)" in by_source:
        w("  (missing): campaign cost that matched no lead (e.g. outbound or newsletters)")
    s = summary_of(cl)
    w(
        f"  Data quality: {s['n_duplicates']:,} duplicate and {s['n_incomplete']:,} "
        f"incomplete leads of {s['n_leads']:,}"
    )
    return lines


def _cmd_demo(args: argparse.Namespace) -> int:
    """run every engine on a synthetic CRM and write the HTML report

    Generate a synthetic CRM (leads, touches, deals, sales activities, costs), run scoring,
    attribution under several models, the funnel, the SLA evaluation and the closed-loop
    report, print a summary and write a self-contained HTML report.
    """
    if args.leads < 1:
        raise CLIError(f"--leads must be at least 1, got {args.leads}")
    prog = _progress(args)
    res = run_demo(args.leads, args.seed, prog)
    if not args.no_report:
        from ..report import write_report

        with prog.step(f"writing the HTML report to {args.out}"):
            write_report(args.out, **report_inputs(res))
    _emit(demo_summary_text(res))
    if not args.no_report:
        _emit(f"\nReport: {os.path.abspath(args.out)} (open it in a browser)")
    return 0


def report_inputs(res: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`alignment.report.build_report` for demo results."""
    crm = res["crm"]
    return {
        "title": "Sales & marketing alignment — synthetic company",
        "subtitle": (
            f"{crm.n_leads:,} leads created {str(crm.start)[:10]} → "
            f"{str(crm.as_of - np.timedelta64(1, 'D'))[:10]} · data as of {str(crm.as_of)[:10]}"
            f" · generated by alignment demo (seed {crm.seed})"
        ),
        "funnel": res["funnel"],
        "plan": res.get("plan"),
        "attribution": res["attribution"],
        "scores": res["scores"],
        "converted": ~np.isnat(crm.leads["won_at"]),
        "sla": res["sla"],
        "closed_loop": res["closed_loop"],
    }
