"""The report's accounts section: account attribution (by channel and by contact role), MQL
attribution by channel and account engagement tiers, as the engines return them.

It formats :func:`alignment.report._analyse.account_analyses`' results: totals come from the
results' own ``totals(by=...)`` and tables from ``to_frame``; nothing is re-aggregated here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from . import _html as H
from ._format import Context, formatted, human, human_labels
from ._read import columns, summary_of

__all__ = ["TOP_ACCOUNTS", "accounts_section", "credit_table"]

#: accounts listed in the engagement table (best score first)
TOP_ACCOUNTS = 10


def credit_table(result: Any, by: str) -> tuple[list[str], list[float], float]:
    """A result's credit per ``by`` key, largest first, and the credited total."""
    totals = result.totals(by=by)
    keys = sorted(totals, key=lambda k: (-totals[k], str(k)))
    values = [float(totals[k]) for k in keys]
    return [str(k) for k in keys], values, float(sum(values))


def _credit_block(
    result: Any, by: str, ctx: Context, *, money: bool, heading: str, caption: str
) -> str:
    """One credit table: key, credit, share of the credited total, with a total row."""
    keys, values, total = credit_table(result, by)
    fmt = ctx.money.number if money else (lambda v: f"{v:,.1f}")
    credit = ctx.money_header("credited") if money else "credited (conversions)"
    cols: dict[str, Any] = {
        by: np.array(human_labels(keys), dtype=object),
        credit: formatted(values, fmt),
        "share": np.array([v / total for v in values]) if total > 0 else np.zeros(len(keys)),
    }
    total_row = {by: "total", credit: fmt(total), "share": 1.0 if total > 0 else 0.0}
    return f"<h3>{H.esc(heading)}</h3>" + H.table(
        cols,
        kinds={credit: "money" if money else "text", "share": "pct"},
        headers={by: human(by)},
        total=total_row,
        caption=caption,
        max_rows=None,
    )


def _unattributed(result: Any, fmt: Any) -> str:
    """The sentence on what no eligible touch preceded."""
    left = float(result.unattributed.total)
    if left <= 0:
        return "Everything converted is credited."
    return f"{fmt(left)} had no eligible touch and stays unattributed."


def _account_part(result: Any, ctx: Context) -> str:
    money = ctx.money
    won = float(result.converted_revenue)
    base = (
        f"Won revenue {money(won)}, linear model over account journeys: each won deal's "
        "journey holds the touches of the deal's contacts (its buying group) before the close, "
        f"each touch an equal share. {_unattributed(result, money)} {ctx.money_note}"
    )
    out = _credit_block(
        result,
        "channel",
        ctx,
        money=True,
        heading=ctx.in_period("Account attribution by channel"),
        caption=base,
    )
    frame = columns(result, "touch")
    if "role" in frame:
        out += _credit_block(
            result,
            "role",
            ctx,
            money=True,
            heading="Account attribution by contact role",
            caption="The same credit by the role of the contact who made the touch (the "
            "leads' role column). " + ctx.money_note,
        )
    return out


def _mql_part(result: Any, ctx: Context) -> str:
    n = float(result.converted_revenue)
    caption = (
        f"{n:,.0f} leads reached MQL; each counts as one conversion at its MQL instant, "
        "credited by the linear model in equal shares to the lead's touches before it "
        f"(conversions, not revenue; fractions of a lead). "
        f"{_unattributed(result, lambda v: f'{v:,.0f} MQLs')}"
    )
    return _credit_block(
        result,
        "channel",
        ctx,
        money=False,
        heading=ctx.in_period("MQL attribution by channel"),
        caption=caption,
    )


def _tier_rule(tiers: Mapping[str, np.ndarray]) -> str:
    """The tiers' shares in words: "A 10% of the accounts, B 20%, …"."""
    parts = [
        f"{t} {100 * float(x):g}%" for t, x in zip(tiers["tier"].tolist(), tiers["target_share"])
    ]
    return ", ".join(parts) + " of the accounts"


def _engagement_part(engagement: Any) -> str:
    s = summary_of(engagement)
    tiers = columns(engagement, "tiers")
    acc = columns(engagement, "accounts")
    when = str(s["as_of"])[:10] if s.get("as_of") is not None else "the latest touch"
    tier_cols = {
        "tier": tiers["tier"],
        "accounts": tiers["accounts"],
        "share": tiers["share"],
        "lowest score": formatted(tiers["min_score"], lambda v: f"{v:,.1f}"),
        "highest score": formatted(tiers["max_score"], lambda v: f"{v:,.1f}"),
    }
    tier_html = H.table(
        tier_cols,
        kinds={"accounts": "int", "share": "pct", "lowest score": "text", "highest score": "text"},
        total={
            "tier": "total",
            "accounts": int(s["accounts"]),
            "share": 1.0 if s["accounts"] else None,
        },
        max_rows=None,
        caption=f"Score: the sum of the contacts' touch points, each halved every "
        f"{s['half_life_days']:g} days of age at {when}; touches older than "
        f"{s['window_days']:g} days count for nothing. Tiers by rank, best first: "
        f"{_tier_rule(tiers)}. {int(s['buying_group_complete']):,} of "
        f"{int(s['accounts']):,} accounts have every required buying-group role.",
    )
    top = {
        "account": acc[engagement.key][:TOP_ACCOUNTS],
        "tier": acc["tier"][:TOP_ACCOUNTS],
        "score": formatted(acc["score"][:TOP_ACCOUNTS], lambda v: f"{v:,.1f}"),
        "contacts": acc["contacts"][:TOP_ACCOUNTS],
        "engaged": acc["engaged_contacts"][:TOP_ACCOUNTS],
        "roles missing": np.array(
            [r or "none" for r in acc["roles_missing"][:TOP_ACCOUNTS].tolist()], dtype=object
        ),
    }
    top_html = H.table(
        top,
        kinds={"score": "text", "contacts": "int", "engaged": "int"},
        headers={"engaged": "engaged contacts"},
        max_rows=None,
        caption=f"The {min(TOP_ACCOUNTS, acc['score'].size)} accounts with the highest score "
        f"of {int(s['accounts']):,}; engaged contacts have a touch in the window.",
    )
    return (
        f"<h3>Account engagement tiers (as of {H.esc(when)})</h3>"
        + tier_html
        + "<h3>Most engaged accounts</h3>"
        + top_html
    )


def accounts_section(accounts: Mapping[str, Any], ctx: Context) -> str:
    """The accounts section of :func:`account_analyses`' results (parts without a result are
    left out)."""
    body = ""
    if accounts.get("account") is not None:
        body += _account_part(accounts["account"], ctx)
    if accounts.get("mql") is not None:
        body += _mql_part(accounts["mql"], ctx)
    if accounts.get("engagement") is not None:
        body += _engagement_part(accounts["engagement"])
    return H.section(
        "accounts",
        ctx.in_period("Accounts"),
        "B2B views: won revenue credited over each deal's buying group, the leads' reaching "
        "MQL credited to the channels before it, and how engaged each account is.",
        body,
    )
