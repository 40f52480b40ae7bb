"""Quickstart: every engine of `alignment` on a synthetic CRM, in about twenty lines.

Run:  python examples/quickstart.py
"""

from __future__ import annotations

import numpy as np

import alignment
from alignment.datasets import synthetic_crm

# 1. data: a synthetic B2B company (leads, touches, deals, sales activities, costs)
crm = synthetic_crm(n_leads=5_000, seed=0)
leads, journeys = crm.lead_table(), crm.journeys()
print(leads)
print(journeys)

# 2. attribution: who gets credit for the won revenue?
result = alignment.attribute(journeys, model="time_decay", half_life="7d")
top = sorted(result.totals(by="channel").items(), key=lambda kv: -kv[1])[:3]
print("time-decay credit, top channels:", {k: round(v) for k, v in top})

# 3. scoring: fit × interest grid
scores = alignment.score(
    leads,
    journeys,
    scorer="grid",
    fit_rules=[
        {"column": "seniority", "isin": ["executive", "director"], "points": 15},
        {"column": "company_size", "min": 200, "points": 10},
        {"column": "persona", "isin": ["revops_leader", "enterprise_buyer"], "points": 10},
    ],
    interest_cuts=(200, 120, 60),
)
print(scores.to_frame("breakdown", backend="dict")["n"][:4], "leads in cells A1..A4")

# 4. funnel: observed conversion, then the plan for next quarter's target
obs = alignment.funnel.observe(leads, stages=["created_at", "mql_at", "sql_at", "won_at"])
print(dict(zip(obs.labels, obs.counts[0].tolist())))
plan = alignment.funnel.plan(revenue_target=100_000, average_deal_size=1_000, rates={"lead": 0.04})
print("leads needed for 100k at 1k per deal and 4%:", plan.required["lead"])

# 5. the SLA between the teams, evaluated at the end of the period
report = alignment.sla.evaluate(crm.sla, leads, crm.activities, as_of=crm.as_of)
print(report)

# 6. closed loop by source, with campaign costs: a campaign's cost is split over the sources
#    of its leads (allocate="leads"); without it, it stays on an "(unallocated)" row
loop = alignment.closed_loop(crm, by="source", allocate="leads")
print(loop.allocation_text)
table = loop.table.to_frame("dict")
best = int(np.nanargmax(np.where(table["leads"] > 0, table["revenue"], np.nan)))
print("best source by revenue:", table["source"][best], round(float(table["revenue"][best])))
print(loop)
