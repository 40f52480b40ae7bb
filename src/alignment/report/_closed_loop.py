"""The report's closed-loop section: the per-source roll-up, the source × campaign table,
rejection reasons and data quality.

It formats :func:`alignment.closed_loop.closed_loop`'s result.  The roll-up per source and the
total row sum the table's additive columns (counts and amounts, over every key, shown or not)
and recompute the engine's ratios from those sums (its definitions: ``acceptance_rate =
accepted / mqls``, ``sql_rate = sqls / accepted``, ``win_rate = won / sqls``, each numerator
counting only the leads that reached both stages — a row's rate × its denominator —,
``cost_per_lead = cost / leads``, ``roi = (revenue − cost) / cost``); a group without leads
holds amounts only and has no ratio, as in the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from . import _html as H
from . import _svg as S
from ._format import Context, Money, formatted, human, human_labels
from ._quality import quality_block
from ._read import allocation_of, not_measured_of, summary_of
from ._read import columns as _dict

__all__ = ["closed_loop_section", "rollup"]

#: additive columns: summed per group
_SUMMED = (
    "leads",
    "mqls",
    "accepted",
    "rejected",
    "sqls",
    "won",
    "revenue",
    "attributed_revenue",
    "cost",
)
#: the engine's ratios: name → (numerator, denominator)
_RATIOS = {
    "acceptance_rate": ("accepted", "mqls"),
    "sql_rate": ("sqls", "accepted"),
    "win_rate": ("won", "sqls"),
    "cost_per_lead": ("cost", "leads"),
}
#: columns shown, in order (those the table has)
_SHOWN = (
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
)
_KINDS = {
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
    "cost_per_lead": "money",
    "roi": "pct",
    "attributed_roi": "pct",
}
_HEADERS = {
    "acceptance_rate": "accepted (% of MQLs)",
    "sql_rate": "SAL→SQL",
    "win_rate": "SQL→won",
    "mqls": "MQLs",
    "sqls": "SQLs",
    "attributed_revenue": "attributed revenue",
    "cost_per_lead": "cost per lead",
    "roi": "ROI (%)",
    "attributed_roi": "attributed ROI (%)",
}
_MONEY = ("revenue", "attributed_revenue", "cost", "cost_per_lead")


def _headers(ctx: Context) -> dict[str, str]:
    """Column headers, the amounts' naming their currency."""
    names = {c: _HEADERS.get(c, c.replace("_", " ")) for c in _MONEY}
    return {**_HEADERS, **{c: ctx.money_header(n) for c, n in names.items()}}


def rollup(t: Mapping[str, np.ndarray], key: str | None) -> dict[str, np.ndarray]:
    """The closed-loop table summed per value of ``key`` (one ``"total"`` row for ``None``).

    Additive columns are summed over the group's rows (NaN when no row of the group measured
    them), then the ratios are recomputed; ROI needs leads and a cost.  Groups are sorted by
    revenue, largest first.
    """
    n = len(next(iter(t.values()))) if t else 0
    if key is None:
        names, inv = np.array(["total"], dtype=object), np.zeros(n, dtype=np.int64)
    else:
        names, inv = np.unique(t[key].astype(str), return_inverse=True)
        names = names.astype(object)
    k = names.size
    out: dict[str, np.ndarray] = {key or "key": names}
    for col in _SUMMED:  # loop over the additive columns
        if col not in t:
            continue
        v = t[col].astype(float)
        seen = ~np.isnan(v)
        sums = np.bincount(inv, weights=np.where(seen, v, 0.0), minlength=k)
        out[col] = np.where(np.bincount(inv, weights=seen, minlength=k) > 0, sums, np.nan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for name, (num, den) in _RATIOS.items():  # loop over the ratio columns
            if num in out and den in out:
                top = _converted(t, inv, k, name, den, out[num])
                out[name] = np.where(out[den] > 0, top / out[den], np.nan)
        if "cost" in out and "leads" in out:
            cost, has = out["cost"], (out["leads"] > 0) & (out["cost"] > 0)
            for name, rev in (("roi", "revenue"), ("attributed_roi", "attributed_revenue")):
                if rev in out:
                    out[name] = np.where(has, (out[rev] - cost) / cost, np.nan)
    order = np.argsort(-np.nan_to_num(out.get("revenue", np.zeros(k))), kind="stable")
    return {c: v[order] for c, v in out.items()}


def _converted(
    t: Mapping[str, np.ndarray], inv: np.ndarray, k: int, name: str, den: str, num: np.ndarray
) -> np.ndarray:
    """The numerator of ratio ``name`` per group: for a stage conversion, the leads that
    reached both stages (each row's rate × its denominator, summed); else ``num``."""
    if name == "cost_per_lead" or name not in t:
        return num
    rate, d = t[name].astype(float), t[den].astype(float)
    both = np.where(np.isnan(rate), 0.0, np.rint(np.nan_to_num(rate) * np.nan_to_num(d)))
    return np.where(np.isnan(num), np.nan, np.bincount(inv, weights=both, minlength=k))


def _shown_rows(t: Mapping[str, np.ndarray], max_rows: int) -> tuple[np.ndarray, int]:
    """Rows of the closed-loop table to show: the keys with leads, largest revenue first (at
    most ``max_rows``), then every row holding amounts without leads (never hidden); and the
    number of keys with leads."""
    n = len(next(iter(t.values()))) if t else 0
    rev = np.nan_to_num(t["revenue"].astype(float)) if "revenue" in t else np.zeros(n)
    noted = (
        np.array([v is not None for v in t["note"].tolist()], dtype=bool)
        if "note" in t
        else np.zeros(n, dtype=bool)
    )
    order = np.argsort(-rev, kind="stable")
    keys = order[~noted[order]]
    return np.concatenate([keys[:max_rows], order[noted[order]]]), int(keys.size)


def _percent(v: float) -> str:
    return f"{100 * v:,.0f}%"


def _cells(cols: Mapping[str, np.ndarray], money: Money) -> dict[str, np.ndarray]:
    """The columns as shown: amounts (the header names the currency; per lead with cents),
    ROI in whole percent, the first key's values (sources) as words."""
    per_lead = Money(money.symbol, max(money.decimals, 2), money.position)
    fmt = {c: money.number for c in _MONEY} | {
        "cost_per_lead": per_lead.number,
        "roi": _percent,
        "attributed_roi": _percent,
    }
    out = {c: formatted(v, fmt[c]) if c in fmt else v for c, v in cols.items()}
    first = next(iter(out), None)
    if first is not None and first not in _KINDS and out[first].dtype.kind == "O":
        values = out[first].tolist()
        shown = iter(human_labels(v for v in values if v is not None))
        out[first] = np.array([next(shown) if v is not None else v for v in values],
                              dtype=object)  # fmt: skip
    return out


def _css(c: str, v: Any) -> str:
    if c in ("roi", "attributed_roi") and isinstance(v, str):
        return "bad" if v.startswith("-") else "good"
    return ""


def _tables(closed_loop: Any, max_rows: int, ctx: Context) -> str:
    """The per-source roll-up (with the total) and the source × campaign table."""
    t = _dict(closed_loop.table)
    metrics = [c for c in _SHOWN if c in t]
    keys = [
        c for c in t if c not in metrics and t[c].dtype.kind == "O" and c not in ("row", "note")
    ]
    notes = [c for c in ("note",) if c in t and any(v is not None for v in t[c].tolist())]
    total = rollup(t, None)
    total_row = {c: v[0] for c, v in _cells(total, ctx.money).items() if c in metrics}
    if keys:
        total_row[keys[0]] = "total"
    na = not_measured_of(closed_loop)
    formula = (
        "ROI = (revenue − cost) ÷ cost, as a percentage (100% = revenue twice the cost); "
        "acceptance = accepted ÷ MQLs (lead quality). "
    )
    out = ""
    if len(keys) > 1:
        by = rollup(t, keys[0])
        out += f"<h3>By {H.esc(human(keys[0]).lower())}</h3>" + H.table(
            _cells({c: by[c] for c in [keys[0], *metrics] if c in by}, ctx.money),
            kinds=_KINDS, headers=_headers(ctx), css=_css, total=total_row, max_rows=None, na=na,
            caption=f"Every {human(keys[0]).lower()}, summed over its campaigns (all of them, "
            f"including those not listed below). {formula}{ctx.money_note}",
        )  # fmt: skip
    shown, n_keyed = _shown_rows(t, max_rows)
    label = " × ".join(human(k).lower() for k in keys) or "key"
    hidden = max(n_keyed - max_rows, 0)
    more = (
        f"The top {max_rows:,} of {n_keyed:,} {label} keys by revenue; {hidden:,} more are not "
        "shown, and the total row includes them. "
        if hidden
        else ""
    )
    out += f"<h3>By {H.esc(label)}</h3>" + H.table(
        _cells({c: t[c][shown] for c in [*keys, *metrics, *notes]}, ctx.money),
        kinds=_KINDS, headers=_headers(ctx), css=_css, total=total_row, max_rows=None, na=na,
        caption=f"{more}{formula}A row with no leads holds amounts that no lead's key carries "
        f"(see its note). {allocation_of(closed_loop)} {ctx.money_note}",
    )  # fmt: skip
    return out


def _rejections(closed_loop: Any, ctx: Context) -> str:
    rr = _dict(closed_loop.rejection_reasons)
    if "reason" not in rr or not rr["reason"].size:
        return ""
    reasons, rinv = np.unique(rr["reason"].astype(str), return_inverse=True)
    counts = np.bincount(rinv, weights=rr["count"].astype(float), minlength=reasons.size)
    o = np.argsort(-counts, kind="stable")
    return "<h3>Why sales rejected leads</h3>" + S.bar_chart(
        human_labels(reasons[o].tolist()),
        counts[o].tolist(),
        title=ctx.in_period("Leads rejected by sales, by reason (count)"),
        color=S.BAD,
    )


def closed_loop_section(closed_loop: Any, max_rows: int, ctx: Context) -> str:
    """The closed-loop section: roll-up, table, rejection reasons, data quality."""
    body = _tables(closed_loop, max_rows, ctx) + _rejections(closed_loop, ctx)
    body += quality_block(closed_loop, summary_of(closed_loop))
    return H.section(
        "closed-loop",
        ctx.in_period("Closed loop by source and campaign"),
        "What happened to every lead marketing delivered: accepted or rejected (and why), "
        "qualified, won, revenue — against what the campaign cost.",
        body,
    )
