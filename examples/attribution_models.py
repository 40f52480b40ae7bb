"""Attribution: credit won revenue to channels and campaigns under several models.

Rule-based models (first, last, linear, time decay, position based, W-shaped) and data-driven
ones (Markov removal effect, Shapley) on the same synthetic journeys, side by side; then a
lookback window, other roll-up keys and account-based journeys.

Run:  python examples/attribution_models.py
"""

from __future__ import annotations

import alignment
from alignment.datasets import synthetic_crm

crm = synthetic_crm(n_leads=4_000, seed=1)
journeys = crm.journeys()  # touches + won deals (+ lead attributes and stage anchors)
print(journeys)

models = [
    "first",
    "last",
    "linear",
    "time_decay",
    "position_based",
    "w_shaped",
    "markov",
    "shapley",
]
results = {m: alignment.attribute(journeys, model=m) for m in models}

channels = sorted(results["linear"].totals(by="channel"))
print(f"\nshare of won revenue by channel ({results['linear'].converted_revenue:,.0f} in total)")
print("channel".ljust(18) + "".join(m[:9].rjust(10) for m in models))
for ch in channels:
    row = []
    for m in models:
        totals = results[m].totals(by="channel")
        row.append(f"{100 * totals[ch] / sum(totals.values()):9.1f}%")
    print(ch.ljust(18) + "".join(row))

# revenue is conserved: credited + unattributed = converted revenue, for every model
for m, r in results.items():
    assert abs(r.attributed_revenue + r.unattributed.total - r.converted_revenue) < 1e-6, m

# model parameters: a 3-day half-life and a 30-day lookback window
short = alignment.attribute(journeys, model="time_decay", half_life="3d", lookback="30d")
print(f"\ntime decay (3d half-life, 30d lookback): {short.unattributed.total:,.0f} unattributed")
print("  by reason:", short.unattributed.by_reason())

# any touch column (campaign, content, kind) or lead column (source, persona) is a roll-up key
by_content = results["linear"].totals(by="content")
print("\nlinear credit by content:", {k: round(v) for k, v in sorted(by_content.items())[:5]})
print(
    "linear credit by persona:",
    {k: round(v) for k, v in results["linear"].totals(by="persona").items()},
)

# the Markov model's removal effects (exact, from the absorbing chain)
effects = results["markov"].details["removal_effects"]  # channel → drop in conversion probability
strongest = sorted(effects.items(), key=lambda kv: -kv[1])[:4]
print("\nMarkov removal effects (largest):", {k: round(float(v), 3) for k, v in strongest})

# account-based attribution: the journey of a deal is the touches of all its account's leads
accounts = crm.journeys(key="account_id")
acc = alignment.attribute(accounts, model="w_shaped")
print(
    f"\naccount journeys: {accounts.n_journeys:,}, W-shaped credit to email "
    f"{acc.totals(by='channel')['email']:,.0f}"
)

# per-touch credit, in the caller's row order, as a frame (pandas if installed, else a dict)
try:
    import pandas  # noqa: F401

    frame = results["time_decay"].to_frame(level="touch", backend="pandas")
    print(frame.head())
except ImportError:
    print(list(results["time_decay"].to_frame(level="touch", backend="dict"))[:8])
