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
    costs=crm.costs,  # spend per campaign and month: placed on its campaign, never spread
    attribution=attribution,  # attributed revenue per campaign
    attribution_by="campaign",
    by=("campaign",),
)
print(loop)
print(loop.allocation_text)
t = loop.table.to_frame("dict")
order = np.argsort(-np.nan_to_num(t["attributed_revenue"]))
print(
    f"{'campaign':24} {'leads':>6} {'accept':>7} {'won':>4} {'attributed':>11} {'cost':>9} "
    f"{'ROI':>6}"
)
for i in order[:10]:
    accept = t["acceptance_rate"][i]  # NaN (not measured) for a campaign without MQLs
    roi = t["attributed_roi"][i]  # NaN for a campaign without cost
    print(
        f"{t['campaign'][i]:24} {t['leads'][i]:6d} "
        f"{f'{100 * accept:.1f}%' if np.isfinite(accept) else 'n/a':>7} "
        f"{t['won'][i]:4d} {t['attributed_revenue'][i]:11,.0f} {t['cost'][i]:9,.0f} "
        f"{f'{roi:.2f}' if np.isfinite(roi) else 'n/a':>6}"
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

# by source: campaign costs carry no source, so they are split over the sources of each
# campaign's leads only when asked (allocate="leads"); the cost per lead differs by source
by_source = alignment.closed_loop(crm, by="source", allocate="leads").table.to_frame("dict")
for src, cost, per_lead in zip(by_source["source"], by_source["cost"], by_source["cost_per_lead"]):
    shown = f"{per_lead:7.2f}" if np.isfinite(per_lead) else "n/a (no lead)"
    print(f"{src:18} cost {cost:9,.0f}  per lead {shown}")
