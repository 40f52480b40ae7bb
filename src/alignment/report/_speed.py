"""The report's speed-to-lead table, inside the SLA section: delays per rep, as the SLA report's
``speed`` (:func:`alignment.sla.speed_to_lead`) computes them; it aggregates nothing."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _html as H
from ._read import columns, not_measured_of, summary_of

__all__ = ["speed_parts"]

#: (column of the per-rep table, header) of the delays shown
_DELAYS = (
    ("system_delay_median", "system delay, median (h)"),
    ("rep_delay_median", "rep delay, median (h)"),
    ("rep_delay_p95", "rep delay, p95 (h)"),
    ("time_to_connect_median", "time to connect, median (h)"),
)


def _text(hours: np.ndarray) -> np.ndarray:
    """Hours with one decimal (the unit is in the header and caption); None where NaN."""
    return np.array([None if np.isnan(h) else f"{h:.1f}" for h in hours.tolist()], dtype=object)


def speed_parts(sla: Any) -> list[str]:
    """The speed-to-lead table of an SLA report (``sla.speed``); empty when it has none."""
    speed = getattr(sla, "speed", None)
    if speed is None:
        return []
    reps = columns(speed, "rep")
    if not reps["rep"].size:
        return []
    s = summary_of(speed)
    na = not_measured_of(speed)
    unit = str(s["unit"])
    counts = [c for c in ("leads", "attempted", "connected") if c in reps]
    shown = [(c, h) for c, h in _DELAYS if c in reps]
    cols: dict[str, Any] = {"rep": reps["rep"], **{c: reps[c] for c in counts}}
    cols.update({h: _text(reps[c]) for c, h in shown})
    total: dict[str, Any] = {"rep": "all leads", **{c: s[c] for c in counts if c != "leads"}}
    total["leads"] = s["n_leads"]
    total.update({h: _text(np.array([s[c]], dtype=float))[0] for c, h in shown})
    caption = (
        f"In {unit}. System delay: created → assigned; rep delay: assigned → first attempt; "
        "time to connect: assigned → first attempt that reached the lead. Medians and 95th "
        f"percentiles over the leads with a value; {s['not_attempted']:,} assigned leads not "
        f"attempted yet and {s['not_assigned']:,} not assigned are counted, not timed."
    )
    return [
        "<h3>Speed to lead</h3>"
        + H.table(
            cols,
            kinds={**{c: "int" for c in counts}, **{h: "hours" for _, h in shown}},
            max_rows=None,
            total=total,
            caption=caption,
            na={h: na.get(c, "") for c, h in shown},
        )
    ]
