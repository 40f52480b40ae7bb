"""Closed-loop review: what happened to every lead, by source and campaign, against cost.

Run:  python examples/closed_loop_review.py
"""

from __future__ import annotations

import numpy as np

import alignment
from alignment.datasets import synthetic_crm

crm = synthetic_crm(n_leads=4_000, seed=5)
leads = crm.lead_table()
attribution = alignment.attribute(crm.journeys(), model="linear")

loop = alignment.closed_loop.closed_loop(
    leads,
    deals=crm.deals,
    costs=crm.costs,  # spend per campaign and month
    attribution=attribution,  # attributed revenue per campaign
    attribution_by="campaign",
    by=("campaign",),
)
print(loop)
t = loop.table.to_frame("dict")
order = np.argsort(-np.nan_to_num(t["attributed_revenue"]))
print(
    f"{'campaign':24} {'leads':>6} {'accept':>7} {'won':>4} {'attributed':>11} {'cost':>9} "
    f"{'ROI':>6}"
)
for i in order[:10]:
    print(
        f"{t['campaign'][i]:24} {t['leads'][i]:6d} {100 * t['acceptance_rate'][i]:6.1f}% "
        f"{t['won'][i]:4d} {t['attributed_revenue'][i]:11,.0f} {t['cost'][i]:9,.0f} "
        f"{t['attributed_roi'][i]:6.2f}"
    )

# why sales rejected leads
reasons = loop.rejection_reasons.to_frame("dict")
names, idx = np.unique(np.asarray(reasons["reason"]).astype(str), return_inverse=True)
print("rejections:", dict(zip(names.tolist(), np.bincount(idx, weights=reasons["count"]).tolist())))

# data quality the teams argue about: duplicates and incomplete leads
totals = loop.summary()
print(totals["n_duplicates"], "duplicates;", totals["n_incomplete"], "incomplete")
dups = loop.duplicates.to_frame("dict")
print(
    "first duplicates:", list(zip(dups["lead_id"][:3], dups["duplicate_of"][:3], dups["rule"][:3]))
)
truth = int(crm.leads["is_duplicate"].sum())
print(
    f"(the generator planted {truth} duplicates of the same person; the rest share a name at "
    "one company)"
)
