"""Funnel planning: from a revenue target to the leads marketing must deliver, and back.

The worked examples of the practice (100,000 ÷ 1,000 = 100 customers; at 4% lead-to-customer
that is 2,500 leads; the 10% × 85% × 60% × 30% reverse waterfall), then the observed funnel of
the synthetic company and a plan built from its own rates.

Run:  python examples/funnel_planning.py
"""

from __future__ import annotations

import numpy as np

from alignment import funnel
from alignment.datasets import synthetic_crm

# the worked example: revenue target ÷ deal size = customers; ÷ lead-to-customer rate = leads
p = funnel.plan(revenue_target=100_000, average_deal_size=1_000, rates={"lead": 0.04})
print(f"customers {p.customers:.0f}, leads {p.required['lead']:.0f}")
assert p.required["lead"] == 2_500

# the reverse waterfall with several stages: 10% × 85% × 60% × 30% = 1.53% overall
rates = {"inquiry": 0.10, "mql": 0.85, "sal": 0.60, "sql": 0.30}
w = funnel.plan(revenue_target=1_530_000, average_deal_size=10_000, rates=rates, periods=12)
print(f"overall {100 * w.overall_rate:.2f}%;", {k: round(v) for k, v in w.required_whole.items()})
print("per month:", {k: np.round(v[:3], 1).tolist() for k, v in (w.per_period or {}).items()})

# forward: what 1,000 inquiries bring downstream
fc = funnel.forward(1_000, rates, average_deal_size=10_000)
print(fc.to_frame(backend="dict"))

# which single improvement of one point saves the most leads?
sens = funnel.sensitivity(rates, revenue_target=1_530_000, average_deal_size=10_000)
print("best lever:", sens.best)

# quota → leads per rep per month (the input to the SLA's volume commitment)
print(
    funnel.rep_plan(quota=600_000, average_deal_size=12_000, rates={"lead": 0.05}).to_frame(
        backend="dict"
    )
)

# sales velocity: 18 opportunities × 42,000 × 24% ÷ 78 days ≈ 2,326 per day
print(f"velocity {funnel.sales_velocity(18, 42_000, 0.24, 78):,.0f} per day")

# Monte Carlo over uncertain rates: plan 100,000 scenarios at once (vectorised)
rng = np.random.default_rng(0)
mc = funnel.plan(
    revenue_target=1_530_000,
    average_deal_size=10_000,
    rates={
        "inquiry": rng.beta(10, 90, 100_000),
        "mql": 0.85,
        "sal": 0.60,
        "sql": rng.beta(30, 70, 100_000),
    },
)
need = np.asarray(mc.required["inquiry"])
print(
    f"inquiries needed: median {np.median(need):,.0f}, 90th percentile "
    f"{np.percentile(need, 90):,.0f}"
)

# the observed funnel of the synthetic company, and a plan from its own rates
crm = synthetic_crm(n_leads=5_000, seed=3)
obs = funnel.observe(
    crm.lead_table(),
    stages=["created_at", "mql_at", "sal_at", "sql_at", "opportunity_at", "won_at"],
)
table = obs.to_frame(backend="dict")
for a, b, r, lo, hi, d in zip(
    table["from_stage"],
    table["to_stage"],
    table["rate"],
    table["rate_low"],
    table["rate_high"],
    table["median_days"],
):
    print(
        f"  {a:>11} → {b:<11} {100 * r:5.1f}%  [{100 * lo:.1f}–{100 * hi:.1f}%]  "
        f"median {d:.1f} days"
    )
by_source = funnel.observe(crm.lead_table(), stages=["created_at", "mql_at", "won_at"], by="source")
bs = by_source.to_frame(backend="dict")
won_rate = {
    str(g): round(100 * float(r), 1)
    for g, r, b in zip(bs["source"], bs["rate"], bs["to_stage"])
    if b == "won"
}
print("MQL → won by source (%):", won_rate)
revenue = float(crm.conversions["revenue"].sum())
deal = revenue / len(crm.conversions["revenue"])
nxt = funnel.plan_from(obs, revenue_target=1.2 * revenue, average_deal_size=deal, periods=3)
print(
    f"+20% next quarter needs {float(nxt.required_whole['lead']):,.0f} leads "
    f"({float(nxt.required_whole['lead']) / crm.n_leads - 1:+.0%} vs this quarter)"
)
