"""``alignment demo``: every engine on the synthetic CRM, a terminal summary and the report."""

from __future__ import annotations

import argparse
import math
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .._display import not_measured
from ..closed_loop import UNALLOCATED
from ..report._accounts import credit_table
from ..report._analyse import (
    STANDARD_FEATURES,
    STANDARD_FIT_RULES,
    STANDARD_GRID,
    STANDARD_MODELS,
    STANDARD_STAGES,
    analyse,
    won_leads,
)
from ..report._analyse import report_inputs as _report_inputs
from ..report._read import not_measured_of, summary_of
from ._commands import _emit, _progress
from ._common import Progress, UsageError
from ._text import sla_summary_text, text_table

#: the demo's grid, models, scorer features and stages: the report's standard analyses
DEMO_FIT_RULES: list[dict[str, Any]] = STANDARD_FIT_RULES
DEMO_GRID: dict[str, Any] = STANDARD_GRID
DEMO_MODELS: tuple[str, ...] = STANDARD_MODELS
DEMO_FEATURES: tuple[str, ...] = STANDARD_FEATURES
DEMO_STAGES: tuple[str, ...] = STANDARD_STAGES
#: the report ``alignment demo`` writes without ``--out``
DEMO_REPORT = "alignment-report.html"


def run_demo(
    n_leads: int = 10_000, seed: int = 0, progress: Progress | None = None
) -> dict[str, Any]:
    """Run every engine on a synthetic CRM; the results the demo prints and reports.

    The analyses are the report's (:func:`alignment.report._analyse.analyse`), plus the
    logistic scorer and the conversion per grid cell the terminal summary shows.

    Returns
    -------
    dict
        ``crm`` (CRMData), ``scores`` (grid ScoreResult), ``logistic`` (ScoreResult; ``None``
        when the closed leads are not both won and lost, ``logistic_note`` saying why, ``auc``
        NaN), ``auc``, ``cells`` (cell conversion table), ``attribution`` (model → result),
        ``funnel`` (FunnelObservation), ``plan`` (Plan), ``plan_target``, ``sla``
        (SLAReport), ``closed_loop`` (ClosedLoopReport), ``timings`` (step → seconds).
    """
    from ..datasets import synthetic_crm
    from ..scoring import LogisticScorer, metrics, score

    prog = progress or Progress(False)
    timings: dict[str, float] = {}

    def timed(label: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        with prog.step(label):
            value = fn()
        timings[label] = time.perf_counter() - start
        return value

    crm = timed(
        f"generating a synthetic CRM ({n_leads:,} leads, seed {seed})",
        lambda: synthetic_crm(n_leads, seed=seed),
    )
    out = analyse(crm, step=timed)
    out["timings"] = timings
    lt = out["lead_table"]
    won = won_leads(crm)
    closed = won | ~np.isnat(crm.leads["lost_at"])
    out["cells"] = metrics.cell_conversion(out["scores"], won, backend="dict")

    def logistic() -> Any:
        model = LogisticScorer(l2=1.0, features=list(DEMO_FEATURES)).fit(lt)
        return model, score(lt, scorer=model)

    out["logistic_note"] = _logistic_absent(won[closed])
    out["logistic_model"] = out["logistic"] = None
    out["auc"] = math.nan
    if out["logistic_note"] is None:
        model, logit = timed("fitting the logistic scorer on won/lost", logistic)
        out["logistic_model"] = model
        out["logistic"] = logit
        p = np.asarray(logit["probability"])
        out["auc"] = float(metrics.roc_auc(won[closed], p[closed]))
    return out


def _logistic_absent(won_of_closed: np.ndarray) -> str | None:
    """Why the logistic scorer cannot learn from the closed leads (``None``: it can).

    It learns won against lost: it needs closed leads of both outcomes (a small demo, e.g.
    ``--leads 10``, may have none).
    """
    if won_of_closed.size == 0:
        return "no lead is won or lost yet: nothing to learn from"
    if won_of_closed.all() or not won_of_closed.any():
        outcome = "won" if won_of_closed.all() else "lost"
        return f"every closed lead is {outcome}: nothing to tell won from lost"
    return None


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
    lines += _accounts_lines(res)
    return "\n".join(lines)


def _data_lines(res: Mapping[str, Any]) -> list[str]:
    """What the synthetic CRM holds and its period."""
    lines: list[str] = []
    w = lines.append
    crm = res["crm"]
    n = crm.n_leads
    w(
        f"Synthetic CRM (seed {crm.seed}): {n:,} leads, {crm._rows('touchpoints'):,} "
        f"touches, {crm._rows('deals'):,} deals, "
        f"{crm._rows('activities'):,} sales activities"
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
            na=not_measured_of(res["funnel"]),
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
    if res.get("logistic") is None:
        why = res.get("logistic_note") or "not fitted"
        w(f"  Logistic scorer on explicit attributes: {not_measured(why)}")
    else:
        w(f"  Logistic scorer on explicit attributes: ROC AUC {res['auc']:.3f} on closed leads")

    return lines


def _attribution_lines(res: Mapping[str, Any]) -> list[str]:
    """Each channel's share of won revenue under each model."""
    lines: list[str] = []
    w = lines.append
    att = res["attribution"]
    totals = {m: r.totals(by="channel") for m, r in att.items()}
    channels = sorted(set().union(*totals.values()))
    total_rev = float(next(iter(att.values())).converted_revenue)
    w(f"\nATTRIBUTION: share of {total_rev:,.0f} won revenue by channel under each model")
    table: dict[str, Any] = {"channel": channels}
    for m, t in totals.items():  # (of the won revenue: unattributed revenue is in no channel)
        s = float(att[m].converted_revenue) or 1.0
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
                    if by_source[s][4] > 0 and s != UNALLOCATED
                    else math.nan
                    for s in srcs
                ],
            },
            money=("revenue", "cost"),
            ratio=("roi",),
            max_rows=None,
            na={"roi": "no cost, or cost no lead's campaign carries"},
        )
    )
    if UNALLOCATED in by_source:
        w(f"  {UNALLOCATED}: campaign cost that matched no lead (e.g. outbound or newsletters)")
    w(f"  {cl.allocation_text}")
    s = summary_of(cl)
    w(
        f"  Data quality: {s['n_duplicates']:,} duplicate and {s['n_incomplete']:,} "
        f"incomplete leads of {s['n_leads']:,}"
    )
    return lines


def _accounts_lines(res: Mapping[str, Any]) -> list[str]:
    """Account attribution and MQL attribution by channel; engagement tiers."""
    acc = res.get("accounts")
    if acc is None:
        return []
    lines: list[str] = []
    w = lines.append
    won, mql = acc.get("account"), acc.get("mql")
    if won is not None or mql is not None:
        table: dict[str, Any] = {}
        credits: dict[str, tuple[list[str], list[float], float]] = {}
        if won is not None:
            credits["account_revenue"] = credit_table(won, "channel")
        if mql is not None:
            credits["mqls"] = credit_table(mql, "channel")
        channels = list(dict.fromkeys(k for keys, _, _ in credits.values() for k in keys))
        table["channel"] = channels
        for name, (keys, values, _) in credits.items():
            got = dict(zip(keys, values))
            table[name] = [got.get(c, 0.0) for c in channels]
        w(
            "\nACCOUNTS: linear credit by channel of won revenue over each deal's contacts"
            "\n  (account_revenue) and of the leads reaching MQL (mqls, in conversions)"
        )
        w(text_table(table, money=("account_revenue",), decimals={"mqls": 1}, max_rows=None))
    eng = acc.get("engagement")
    if eng is not None:
        t = eng.to_frame(level="tiers", backend="dict")
        parts = [f"{k} {int(n):,}" for k, n in zip(t["tier"], t["accounts"])]
        s = summary_of(eng)
        w(
            f"  Engagement tiers (accounts): {', '.join(parts)}; "
            f"{int(s['buying_group_complete']):,} of {int(s['accounts']):,} accounts have the "
            "whole buying group"
        )
    return lines


def _cmd_demo(args: argparse.Namespace) -> int:
    """run every engine on a synthetic CRM and write the HTML report

    Generate a synthetic CRM (leads, touches, deals, sales activities, costs), run scoring,
    attribution under several models, the funnel, the SLA evaluation and the closed-loop
    report, print a summary and write a self-contained HTML report.
    """
    if args.no_report and args.out is not None:
        raise UsageError("--no-report writes no report: give --out FILE or --no-report, not both")
    out = args.out or DEMO_REPORT
    prog = _progress(args)
    res = run_demo(args.leads, args.seed, prog)
    if not args.no_report:
        from ..report import write_report

        with prog.step(f"writing the HTML report to {out}"):
            write_report(out, **report_inputs(res))
    _emit(demo_summary_text(res))
    if not args.no_report:
        _emit(f"\nReport: {os.path.abspath(out)} (open it in a browser)")
    return 0


def report_inputs(res: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`alignment.report.build_report` for demo results."""
    return _report_inputs(res)
