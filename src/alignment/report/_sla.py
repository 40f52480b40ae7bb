"""The report's SLA section: the agreement's terms next to their results, marketing's delivery
against the pace line, sales' response times, compliance per period and per rep.

It formats the SLA report's tables (``periods``, ``daily``, ``leads``, ``breaches``, the per-rep
table read through :mod:`alignment.report._read`), its ``summary()`` and its agreement (read
through :mod:`alignment.report._terms`); it aggregates nothing per lead.  Response times are
business hours on the agreement's calendar, and every heading says so.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._segments import sorted_unique
from . import _html as H
from . import _svg as S
from ._format import Context, formatted, hours_of
from ._read import (
    columns,
    local_date,
    local_midnights,
    not_measured_of,
    sla_reps,
    sla_started,
    summary_of,
)
from ._speed import speed_parts
from ._terms import Terms, agreement_terms

#: upper bounds (business hours) of the response-time chart's bins; the agreement's
#: first-touch window is added as a bound when it is not one
_RESPONSE_EDGES: tuple[float, ...] = (1.0, 4.0, 8.0, 16.0, 40.0)
#: a headline figure: (label, value, note)
KPI = tuple[str, str, str]
_COMMITMENTS = (
    ("first_touch", "Sales: first touch"),
    ("attempts", "Sales: attempts"),
    ("accept", "Sales: accept or reject"),
)


def _sla_section(sla: Any, ctx: Context) -> tuple[str, list[KPI]]:
    summary = summary_of(sla)
    as_of = np.datetime64(summary["as_of"], "us")
    per = sla_started(sla, columns(sla.periods), "period_start")
    daily = sla_started(sla, columns(sla.daily), "date")
    terms = agreement_terms(sla)
    na = not_measured_of(sla)
    ends = local_midnights(sla, per["period_end"]) if "period_end" in per else None
    delivery = _delivery(per, as_of, ends, local_date(sla, as_of))
    parts = [_terms_table(terms, summary, delivery)]
    parts += _pace_chart(daily, terms)
    parts.append(_marketing_table(per, na, terms))
    parts += _response_histogram(columns(sla.leads), terms)
    parts.append(_sales_table(per, na))
    parts += _reps_table(sla_reps(sla), na)
    parts += speed_parts(sla)
    kpis = _marketing_kpis(delivery) + _sales_kpis(summary, columns(sla.breaches), terms)
    when = str(as_of)[:16].replace("T", " ")
    return (
        H.section(
            "sla",
            "SLA attainment — both teams",
            f"As of {when} UTC (periods that had not started by then are left out). Marketing "
            "promised qualified leads per period, paced on a straight line; sales promised a "
            "fast first touch, enough attempts and a decision on every lead. The agreement's "
            "terms are stated next to each result.",
            "".join(parts),
        ),
        kpis,
    )


# ----------------------------------------------------------------------------- the agreement


def _delivery(
    per: Mapping[str, np.ndarray],
    as_of: np.datetime64,
    ends: np.ndarray | None,
    today: np.datetime64,
) -> tuple[float, float, str]:
    """(delivered, target, how) over the started periods: a period still running (``ends``,
    the UTC instants of the periods' local end dates, after ``as_of``) counts against its
    commitment pro-rated to the elapsed share (the pace line at ``as_of``); ``how`` names
    that and the local dates covered, up to ``today`` (the local date of ``as_of``) while a
    period runs.  ``target`` is NaN without a marketing commitment."""
    if per.get("committed") is None or not per["committed"].size:
        return math.nan, math.nan, ""
    committed = per["committed"].astype(float)
    running = ends > as_of if ends is not None else np.zeros(committed.size, dtype=bool)
    delivered = per["delivered"].astype(float)
    complete = (
        per["period_end"][~running].astype("datetime64[D]")
        if ends is not None
        else np.empty(0, dtype="datetime64[D]")
    )
    last = complete.max() - np.timedelta64(1, "D") if complete.size else today
    if running.any() and "pace_to_date" in per:
        target = np.where(running, per["pace_to_date"].astype(float), committed)
        how, last = "the running period's target pro-rated", today
    elif running.any():
        committed, delivered = committed[~running], delivered[~running]
        target, how = committed, "complete periods only: the running one is left out"
    else:
        target, how = committed, "complete periods"
    first = str(per["period_start"].astype("datetime64[D]").min())
    return float(np.nansum(delivered)), float(np.nansum(target)), f"{first} → {last}, {how}"


def _compliance_text(s: Mapping[str, Any], name: str) -> str:
    met = int(s.get(f"{name}_met", 0))
    breached = int(s.get(f"{name}_breached", 0))
    pending = int(s.get(f"{name}_pending", 0))
    rate = f"{100 * met / (met + breached):.0f}% met" if met + breached else "n/a (none decided)"
    return f"{rate}: {met:,} met, {breached:,} breached, {pending:,} still pending"


def _terms_table(terms: Terms, s: Mapping[str, Any], delivery: tuple[float, float, str]) -> str:
    """The agreement, commitment by commitment, with each result to date."""
    if not (terms.marketing or terms.first_touch or terms.attempts or terms.accept):
        return (
            '<p class="note">The agreement behind this SLA report is not available, so its '
            "terms are not stated.</p>"
        )
    rows: list[tuple[str, str, str]] = []
    delivered, target, how = delivery
    if terms.marketing:
        result = (
            f"{delivered:,.0f} of {target:,.0f} delivered ({100 * delivered / target:.0f}%; {how})"
            if target > 0
            else "n/a (nothing committed yet)"
        )
        rows.append(("Marketing: qualified leads", terms.marketing, result))
    for key, label in _COMMITMENTS:  # loop over the sales commitments
        text = getattr(terms, key)
        if text:
            rows.append((label, text, _compliance_text(s, key)))
    if terms.calendar:
        rows.append(
            ("Business calendar", terms.calendar, "response times below are in these hours")
        )
    cols = {k: np.array([r[i] for r in rows], dtype=object) for i, k in enumerate(
        ("commitment", "agreed", "result to date"))}  # fmt: skip
    title = f": {terms.name}" if terms.name else ""
    return f"<h3>The agreement{H.esc(title)}</h3>" + H.prose_table(
        cols,
        caption="Compliance = met ÷ decided (met or breached) leads; pending leads are still "
        "inside their window.",
    )


# ----------------------------------------------------------------------------- marketing


def _sum_splits(daily: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The daily series summed over the commitment's splits (one row per day)."""
    days_u, inv = np.unique(daily["date"].astype("datetime64[D]"), return_inverse=True)
    summed: dict[str, np.ndarray] = {"date": days_u}
    first_row = np.full(days_u.size, -1)
    first_row[inv[::-1]] = np.arange(inv.size)[::-1]
    summed["period_start"] = daily["period_start"][first_row]
    for k in ("delivered_to_date", "pace_to_date", "committed"):
        if k in daily:
            summed[k] = np.bincount(inv, weights=daily[k].astype(float), minlength=days_u.size)
    return summed


def _pace_chart(daily: dict[str, np.ndarray], terms: Terms) -> list[str]:
    """Delivered to date against the pace line (splits summed per day); empty without data."""
    if "split" in daily and daily["date"].size and len(set(daily["split"].tolist())) > 1:
        daily = _sum_splits(daily)
    if not ("delivered_to_date" in daily and "pace_to_date" in daily and daily["date"].size):
        return []
    period = terms.period or "period"
    days = daily["date"].astype("datetime64[D]")
    x = (days - days[0]).astype(np.int64).astype(float)
    pstart = daily["period_start"].astype("datetime64[D]")
    starts = np.flatnonzero(np.r_[True, pstart[1:] != pstart[:-1]])
    series: list[tuple[str, Sequence[float], str]] = [
        ("delivered to date", daily["delivered_to_date"].astype(float).tolist(), "solid"),
        ("pace line (target to date)", daily["pace_to_date"].astype(float).tolist(), "dashed"),
    ]
    if "committed" in daily:
        series.append(
            (f"commitment per {period}", daily["committed"].astype(float).tolist(), "dashed")
        )
    first, last = str(days[0]), str(days[-1])
    return [
        f"<h3>Marketing: qualified leads delivered against the straight-line pace, per {period}"
        "</h3>"
        + S.line_chart(
            x.tolist(),
            series,
            title=f"Qualified leads (count) delivered to date in each {period} vs. the pace line, "
            f"{first} → {last}",
            x_labels=[(float(x[i]), str(pstart[i])[:7]) for i in starts],
            breaks=[float(x[i]) for i in starts[1:]],
            y_title=f"qualified leads in the {period} (count)",
            x_title=f"day ({period} starts marked)",
        )
    ]


def _period_table(
    per: Mapping[str, np.ndarray],
    kinds: Mapping[str, str],
    headers: Mapping[str, str],
    css: Callable[[str, Any], str] | None = None,
    na: Mapping[str, str] | None = None,
    caption: str | None = None,
) -> str:
    """The period and the columns of ``kinds`` (in its order, those ``per`` has), formatted
    as ``kinds`` says, one row per period; ``na``: why a column's missing cells are n/a."""
    cols = {k: per[k] for k in ("period_start", *kinds) if k in per}
    return H.table(
        cols,
        kinds=kinds,
        headers={"period_start": "period from", **headers},
        css=css,
        max_rows=None,
        na=na,
        caption=caption,
    )


def _marketing_table(per: Mapping[str, np.ndarray], na: Mapping[str, str], terms: Terms) -> str:
    """Commitment, pro-rated target and delivery per period (per split when there are several)."""
    several_splits = "split" in per and len(set(per["split"].tolist())) > 1
    period = terms.period or "period"
    kinds = {
        **({"split": "auto"} if several_splits else {}),
        "committed": "int",
        "pace_to_date": "int",
        "delivered": "int",
        "delivered_vs_committed": "pct",
        "delivered_vs_pace": "pct",
        "delivered_unqualified": "int",
    }
    headers = {
        "committed": f"committed (per {period})",
        "pace_to_date": "target to date (pro-rated)",
        "delivered": "delivered (qualified)",
        "delivered_vs_committed": "delivered ÷ committed",
        "delivered_vs_pace": "delivered ÷ target to date",
        "delivered_unqualified": "delivered, not qualified",
    }
    return _period_table(
        per,
        kinds,
        headers,
        css=lambda c, v: (
            ("good" if v >= 1 else "bad")
            if c in ("delivered_vs_committed", "delivered_vs_pace") and np.isfinite(v)
            else ""
        ),
        na=na,
        caption="Counts of leads. The target to date is the commitment pro-rated to the share "
        f"of the {period} elapsed (the whole commitment once the {period} is over).",
    )


def _marketing_kpis(delivery: tuple[float, float, str]) -> list[KPI]:
    """Delivered of the (pro-rated) target over the started periods."""
    delivered, target, how = delivery
    if not target > 0:
        return []
    return [
        (
            "marketing delivery",
            f"{100 * delivered / target:.0f}%",
            f"{delivered:,.0f} of {target:,.0f} qualified leads ({how})",
        )
    ]


# ----------------------------------------------------------------------------- sales


def _bins(window: float | None) -> tuple[list[float], list[str]]:
    """Upper bounds of the response bins (hours; the last is infinite) and their labels."""
    edges = sorted({*_RESPONSE_EDGES, *([window] if window and window > 0 else [])})
    labels = [f"≤ {edges[0]:g} h"]
    labels += [f"{a:g}–{b:g} h" for a, b in itertools.pairwise(edges)]
    labels.append(f"> {edges[-1]:g} h")
    return [*edges, math.inf], labels


def _response_histogram(leads: Mapping[str, np.ndarray], terms: Terms) -> list[str]:
    """Business-hours response time of the leads in scope, binned; empty without data."""
    in_scope = leads["in_scope"].astype(bool) if "in_scope" in leads else np.ones(0, bool)
    resp = leads.get("response_business")
    if resp is None or not in_scope.any():
        return []
    hours = hours_of(resp[in_scope])
    window = terms.first_touch_hours
    edges, labels = _bins(window)
    known = ~np.isnan(hours)
    bin_idx = np.searchsorted(np.array(edges), hours[known], side="left")
    counts = [*np.bincount(bin_idx, minlength=len(edges)).tolist(), int((~known).sum())]
    colors = [
        S.NEUTRAL if window is None else (S.GOOD if edge <= window else S.BAD) for edge in edges
    ] + [S.MISSING]
    agreed = (
        f"; the agreement: within {window:g} business hours (green: met, red: late)"
        if window is not None
        else ""
    )
    assigned = leads.get("assigned_at")
    span = ""
    if assigned is not None and not np.isnat(assigned[in_scope]).all():
        days = assigned[in_scope].astype("datetime64[D]")
        span = f", assigned {np.nanmin(days)} → {np.nanmax(days)}"
    return [
        "<h3>Sales: time to first touch after assignment (business hours)</h3>"
        + S.histogram(
            [*labels, "no touch"],
            counts,
            title=f"Leads in scope ({int(in_scope.sum()):,}{span}) by business hours from "
            f"assignment to first touch{agreed}",
            colors=colors,
            x_title="business hours from assignment to first touch",
            y_title="leads (count)",
        )
        + '<p class="note">Business time counts working hours only ('
        + H.esc(terms.calendar or "the calendar's working hours")
        + "): a lead assigned at night and called at 09:05 took 5 business minutes. Leads "
        "contacted within an hour qualify far more often (HBR, 2011).</p>"
    ]


def _sales_table(per: Mapping[str, np.ndarray], na: Mapping[str, str]) -> str:
    """Sales compliance and response times (business hours) per period."""
    per = dict(per)
    for k in ("response_median", "response_p90"):
        if k in per:
            per[k] = formatted(hours_of(per[k]), lambda h: f"{h:.1f}")
    kinds = {
        "leads_assigned": "int",
        "first_touch_compliance": "pct",
        "attempts_compliance": "pct",
        "accept_compliance": "pct",
        "response_median": "hours",
        "response_p90": "hours",
    }
    headers = {
        "leads_assigned": "leads assigned",
        "first_touch_compliance": "first touch met",
        "attempts_compliance": "attempts met",
        "accept_compliance": "accept/reject met",
        "response_median": "median response (business hours)",
        "response_p90": "p90 response (business hours)",
    }
    return _period_table(per, kinds, headers, na=na)


def _reps_table(reps: Mapping[str, np.ndarray], na: Mapping[str, str]) -> list[str]:
    """Compliance per rep (as the SLA report computes it); empty without reps."""
    if not reps["rep"].size:
        return []
    cols: dict[str, Any] = {"rep": reps["rep"], "leads": reps["leads"]}
    for prefix, label in (("first_touch", "first touch met"), ("attempts", "attempts met")):
        if f"{prefix}_compliance" in reps and np.nansum(reps[f"{prefix}_decided"]) > 0:
            cols[label] = reps[f"{prefix}_compliance"]
    med = reps.get("response_median_hours")
    if med is not None and np.isfinite(med).any():
        cols["median response (business hours)"] = formatted(med, lambda h: f"{h:.1f}")
    return [
        "<h3>Sales reps</h3>"
        + H.table(
            cols,
            kinds={
                "leads": "int",
                "first touch met": "pct",
                "attempts met": "pct",
                "median response (business hours)": "hours",
            },
            css=lambda c, v: "bad" if c == "first touch met" and np.isfinite(v) and v < 0.5 else "",
            max_rows=None,
            caption="Leads in scope per rep. Compliance = met ÷ decided (met or breached) "
            "leads; pending leads are still inside their window.",
            na={
                "first touch met": na.get("first_touch_compliance", ""),
                "attempts met": na.get("attempts_compliance", ""),
                "median response (business hours)": na.get("response_median_hours", ""),
            },
        )
    ]


def _sales_kpis(
    s: Mapping[str, Any], breaches: Mapping[str, np.ndarray], terms: Terms
) -> list[KPI]:
    """First-touch compliance and the leads with a breach (each lead counted once)."""
    kpis: list[KPI] = []
    n_met = int(s.get("first_touch_met", 0))
    n_br = int(s.get("first_touch_breached", 0))
    if n_met + n_br:
        window = f" · agreed: {terms.first_touch}" if terms.first_touch else ""
        kpis.append(
            (
                "sales first touch",
                f"{100 * n_met / (n_met + n_br):.0f}%",
                f"met of {n_met + n_br:,} decided leads{window}",
            )
        )
    ids = breaches.get("lead_id", np.empty(0, dtype=object))
    n_leads = int(sorted_unique(ids.astype(str)).size) if ids.size else 0
    kpis.append(
        (
            "leads with an SLA breach",
            f"{n_leads:,}",
            f"{ids.size:,} breaches in all (a lead can breach several commitments)",
        )
    )
    return kpis
