"""Per-rep compliance of an SLA report, from its lead table (``SLAReport.reps``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._results import ReportTable
from .._segments import group_quantiles

__all__ = ["RepCompliance", "rep_compliance"]

#: the rep of leads without an owner
UNASSIGNED = "(unassigned)"


class RepCompliance(ReportTable):
    """One row per sales rep (lead owner) of the in-scope leads: commitments met ÷ decided.

    Columns: ``rep`` (``"(unassigned)"`` for leads without an owner), ``leads``,
    ``first_touch_met``, ``first_touch_decided``, ``first_touch_compliance``, ``attempts_met``,
    ``attempts_decided``, ``attempts_compliance``, ``response_median_hours``.  Compliance is
    met ÷ decided (met or breached; pending leads are still inside their window), NaN where no
    lead was decided; the median response is over the rep's touched leads, in business hours
    on the report's calendar (the leads' ``response_business``, as the period table's
    ``response_median`` and the HTML report), whatever clock the first-touch window counts in
    (the lead table's ``response_wall`` gives wall-clock times), NaN without one.  Rows by
    first-touch compliance, best first (NaN last), ties in rep order.
    """

    title = "SLA compliance per rep"


def rep_compliance(leads: Any, backend: str | None = None) -> RepCompliance:
    """The :class:`RepCompliance` table of a lead-status table (columns as numpy arrays)."""
    scope = np.asarray(leads["in_scope"], dtype=bool)
    owner = np.asarray(leads["owner"], dtype=object)[scope]
    missing = np.equal(owner, np.array(None, dtype=object)).astype(bool)
    names = np.where(missing, UNASSIGNED, owner).astype(str)
    reps, rep = np.unique(names, return_inverse=True)
    rep = rep.ravel().astype(np.int64)
    k = reps.size
    cols: dict[str, np.ndarray] = {
        "rep": reps.astype(object),
        "leads": np.bincount(rep, minlength=k).astype(np.int64),
    }
    for name in ("first_touch", "attempts"):
        status = f"{name}_status"
        st = np.asarray(leads[status], dtype=object)[scope] if status in leads else None
        met = np.zeros(k) if st is None else np.bincount(rep, weights=st == "met", minlength=k)
        decided = (
            np.zeros(k)
            if st is None
            else np.bincount(rep, weights=np.isin(st, ["met", "breached"]), minlength=k)
        )
        cols[f"{name}_met"] = met.astype(np.int64)
        cols[f"{name}_decided"] = decided.astype(np.int64)
        cols[f"{name}_compliance"] = np.where(decided > 0, met / np.maximum(decided, 1), np.nan)
    cols["response_median_hours"] = _median_response_hours(leads, scope, rep, k)
    first = cols["first_touch_compliance"]
    order = np.lexsort((np.arange(k), -np.nan_to_num(first, nan=-np.inf)))
    return RepCompliance({c: v[order] for c, v in cols.items()}, backend=backend)


def _median_response_hours(leads: Any, scope: np.ndarray, rep: np.ndarray, k: int) -> np.ndarray:
    if "response_business" not in leads:
        return np.full(k, np.nan)
    resp = np.asarray(leads["response_business"]).astype("timedelta64[s]")[scope]
    touched = ~np.isnat(resp)
    seconds = resp[touched].astype(np.int64)
    (median,) = group_quantiles(seconds, rep[touched], k, (0.5,))
    out: np.ndarray = median / 3600.0
    return out
