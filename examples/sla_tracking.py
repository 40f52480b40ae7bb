"""The SLA between marketing and sales: business time, evaluation, breaches, daily tracking.

Run:  python examples/sla_tracking.py
"""

from __future__ import annotations

import numpy as np

import alignment
from alignment.datasets import synthetic_crm
from alignment.sla import BusinessCalendar, evaluate

# business time: Friday 16:30 → Monday 09:30 on a 09:00–17:00 calendar is one hour
cal = BusinessCalendar()
print(cal.elapsed(["2024-03-01T16:30Z"], ["2024-03-04T09:30Z"]))

# the agreement: kept by the teams in a file; here the synthetic company's, as a dict
crm = synthetic_crm(n_leads=4_000, seed=4)
sla = alignment.SLA.from_dict(crm.sla)
print(sla.marketing)
print(sla.sales)

report = evaluate(sla, crm.lead_table(), crm.activities, as_of=crm.as_of)
print(report)
print({k: v for k, v in report.summary.items() if k.startswith(("first_touch", "attempts"))})

periods = report.periods.to_frame("dict")
for start, committed, delivered, ft in zip(
    periods["period_start"],
    periods["committed"],
    periods["delivered"],
    periods["first_touch_compliance"],
):
    if np.datetime64(start) < crm.as_of:
        print(
            f"  {start}: marketing {delivered}/{committed:.0f} qualified leads, "
            f"sales first touch met {100 * ft:.0f}%"
        )

# "don't be on this list": breaches per rep
breaches = report.breaches.to_frame("dict")
reps, counts = np.unique(np.asarray(breaches["owner"]).astype(str), return_counts=True)
print("breaches per rep:", dict(zip(reps.tolist(), counts.tolist())))

# the day-by-day series both teams look at
daily = report.daily.to_frame("dict")
last = int(np.flatnonzero(daily["date"] < crm.as_of.astype("datetime64[D]"))[-1])
print("last day:", {k: daily[k][last] for k in ("date", "delivered_to_date", "pace_to_date")})

# the agreement from a TOML file, evaluated at an instant in the middle of the month
leads = crm.lead_table()
mid = evaluate(sla, leads, crm.activities, as_of="2024-02-15T12:00:00Z")
counts = mid.summary()
pending = int(counts["first_touch_pending"]) + int(counts["first_touch_at_risk"])
print(f"mid-February: {pending} first touches still inside their window")
