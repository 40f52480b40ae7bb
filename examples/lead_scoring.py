"""Lead scoring: personas, the fit × interest grid with explanations, and a logistic scorer.

Run:  python examples/lead_scoring.py
"""

from __future__ import annotations

import numpy as np

import alignment
from alignment.datasets import synthetic_crm
from alignment.scoring import LogisticScorer, match_personas, metrics

crm = synthetic_crm(n_leads=4_000, seed=2)
leads, journeys = crm.lead_table(), crm.journeys()
won = ~np.isnat(crm.leads["won_at"])

# personas: match the leads to the agreed definitions by their explicit attributes
match = match_personas(leads, crm.personas)
print(match)

# the grid: explicit fit rules + behaviour points per kind of touch
fit_rules = [
    {
        "column": "persona",
        "isin": ["revops_leader", "enterprise_buyer"],
        "points": 15,
        "name": "core persona",
    },
    {"column": "persona", "equals": "ops_manager", "points": 8, "name": "secondary persona"},
    {"column": "seniority", "isin": ["executive", "director"], "points": 10, "name": "senior"},
    {"column": "company_size", "min": 200, "points": 8, "name": "200+ employees"},
    {"column": "industry", "isin": ["software", "fintech"], "points": 5, "name": "target industry"},
    {
        "column": "email",
        "contains": ["gmail.com", "outlook.com", "yahoo.com"],
        "points": -5,
        "name": "free-mail address",
    },
]
grid = alignment.score(
    leads,
    journeys,
    scorer="grid",
    fit_rules=fit_rules,
    fit_cuts=(30, 20, 10),
    interest_cuts=(200, 120, 60),
)
summary = grid.to_frame("breakdown", backend="dict")
print(
    "\nleads per action:",
    {
        a: int(summary["n"][summary["action"] == a].sum())
        for a in ("sales_ready", "nurture", "review", "disqualify")
    },
)

# does the grid separate winners? conversion per cell with a 95% interval
cells = metrics.cell_conversion(grid, won, backend="dict")
for c, n, r, lo, hi in zip(
    cells["cell"], cells["n"], cells["rate"], cells["ci_low"], cells["ci_high"]
):
    if n:
        print(f"  {c}: {n:5d} leads, {100 * r:5.1f}% won  [{100 * lo:.1f}–{100 * hi:.1f}%]")

# "why this score?" — the rules behind one sales-ready lead
ready = np.flatnonzero(np.asarray(grid["action"]) == "sales_ready")
if ready.size:
    lead_id = str(crm.leads["lead_id"][ready[0]])
    print("\nexplanation of", lead_id)
    for c in grid.explain(lead_id)["contributions"]:
        print("  ", c)

# a logistic scorer learned from closed-won vs closed-lost (open leads are left out)
model = LogisticScorer(
    l2=1.0, features=["company_size", "industry", "country", "seniority", "persona", "source"]
).fit(leads)
proba = alignment.score(leads, scorer=model)["probability"]
closed = won | ~np.isnat(crm.leads["lost_at"])
print(
    f"\nlogistic: {model.n_iter_} iterations, ROC AUC on closed leads "
    f"{metrics.roc_auc(won[closed], proba[closed]):.3f}"
)
top = np.argsort(-np.abs(model.coef_))[:5]
print(
    "largest coefficients:",
    {str(model.feature_names_[i]): round(float(model.coef_[i]), 2) for i in top},
)
lift = metrics.lift_table(won[closed], proba[closed], n_bins=5, backend="dict")
print("lift by quintile:", np.round(np.asarray(lift["lift"]), 2).tolist())
