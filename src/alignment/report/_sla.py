"""The report's SLA section: marketing's delivery against the pace line, sales' response times,
compliance per period and per rep.

It formats the SLA report's tables (``periods``, ``daily``, ``leads``, the per-rep table read
through :mod:`alignment.report._read`) and its ``summary()``; it aggregates nothing per lead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import _html as H
from . import _svg as S
from ._read import columns, not_measured_of, sla_reps, summary_of
from ._speed import speed_parts

#: response-time bins of the sales chart, in business hours (upper bounds)
_RESPONSE_BINS: tuple[tuple[str, float], ...] = (
    ("< 1 h", 1.0),
    ("1–4 h", 4.0),
    ("4–8 h", 8.0),
    ("8–16 h", 16.0),
    ("16–40 h", 40.0),
    ("> 40 h", math.inf),
)
#: a headline figure: (label, value, note)
KPI = tuple[str, str, str]


def _sla_section(sla: Any) -> tuple[str, list[KPI]]:
    summary = summary_of(sla)
    as_of = np.datetime64(summary["as_of"], "us")
    per = _before(columns(sla.periods), "period_start", as_of)
    daily = _before(columns(sla.daily), "date", as_of)
    na = not_measured_of(sla)
    parts = [*_pace_chart(daily), _marketing_table(per, na)]
    kpis = _marketing_kpis(per)
    parts += _response_histogram(columns(sla.leads))
    parts.append(_sales_table(per, na))
    parts += _reps_table(sla_reps(sla), na)
    parts += speed_parts(sla)
    kpis += _sales_kpis(summary)
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


def _before(
    table: dict[str, np.ndarray], column: str, as_of: np.datetime64
) -> dict[str, np.ndarray]:
    """The rows of ``table`` whose ``column`` (a date) falls before ``as_of``."""
    keep = table[column].astype("datetime64[us]") < as_of
    return {k: v[keep] for k, v in table.items()}


# ----------------------------------------------------------------------------- marketing


def _pace_chart(daily: dict[str, np.ndarray]) -> list[str]:
    """Delivered to date against the pace line (splits summed per day); empty without data."""
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
        return [
            "<h3>Marketing: qualified leads delivered against the straight-line pace</h3>"
            + S.line_chart(
                x.tolist(),
                series,
                title="Qualified leads delivered to date vs. pace, per period",
                x_labels=x_labels,
                breaks=[float(x[i]) for i in starts[1:]],
            )
        ]
    return []


def _period_table(
    per: Mapping[str, np.ndarray],
    kinds: Mapping[str, str],
    headers: Mapping[str, str],
    css: Callable[[str, Any], str] | None = None,
    na: Mapping[str, str] | None = None,
) -> str:
    """The period and the columns of ``kinds`` (in its order, those ``per`` has), formatted
    as ``kinds`` says, one row per period; ``na``: why a column's missing cells are n/a."""
    cols = {k: per[k] for k in ("period_start", *kinds) if k in per}
    return H.table(
        cols,
        kinds=kinds,
        headers={"period_start": "period", **headers},
        css=css,
        max_rows=None,
        na=na,
    )


def _marketing_table(per: Mapping[str, np.ndarray], na: Mapping[str, str]) -> str:
    """Commitment and delivery per period (per split when there are several)."""
    several_splits = "split" in per and len(set(per["split"].tolist())) > 1
    kinds = {
        **({"split": "auto"} if several_splits else {}),
        "committed": "int",
        "delivered": "int",
        "delivered_vs_committed": "pct",
        "delivered_vs_pace": "pct",
        "delivered_unqualified": "int",
    }
    return _period_table(
        per,
        kinds,
        {"delivered_unqualified": "delivered, not qualified"},
        css=lambda c, v: (
            ("good" if v >= 1 else "bad")
            if c in ("delivered_vs_committed", "delivered_vs_pace") and np.isfinite(v)
            else ""
        ),
        na=na,
    )


def _marketing_kpis(per: Mapping[str, np.ndarray]) -> list[KPI]:
    """Delivered of committed over the started periods."""
    kpis: list[KPI] = []
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
    return kpis


# ----------------------------------------------------------------------------- sales


def _response_histogram(leads: Mapping[str, np.ndarray]) -> list[str]:
    """Business-hours response time of the leads in scope, binned; empty without data."""
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
        return [
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
        ]
    return []


def _sales_table(per: Mapping[str, np.ndarray], na: Mapping[str, str]) -> str:
    """Sales compliance and response times per period."""
    kinds = {
        "leads_assigned": "int",
        "first_touch_compliance": "pct",
        "attempts_compliance": "pct",
        "accept_compliance": "pct",
        "response_median": "auto",
        "response_p90": "auto",
    }
    headers = {
        "first_touch_compliance": "first touch met",
        "attempts_compliance": "attempts met",
        "accept_compliance": "accept/reject met",
        "response_median": "median response",
        "response_p90": "p90 response",
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
        cols["median response"] = med
    return [
        "<h3>Sales reps</h3>"
        + H.table(
            cols,
            kinds={
                "leads": "int",
                "first touch met": "pct",
                "attempts met": "pct",
                "median response": "hours",
            },
            css=lambda c, v: "bad" if c == "first touch met" and np.isfinite(v) and v < 0.5 else "",
            max_rows=None,
            caption="Compliance = met ÷ decided (met or breached) leads; pending leads are "
            "still inside their window.",
            na={
                "first touch met": na.get("first_touch_compliance", ""),
                "attempts met": na.get("attempts_compliance", ""),
                "median response": na.get("response_median_hours", ""),
            },
        )
    ]


def _sales_kpis(s: Mapping[str, Any]) -> list[KPI]:
    """First-touch compliance and the breach count, from the report's summary."""
    kpis: list[KPI] = []
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
    return kpis
