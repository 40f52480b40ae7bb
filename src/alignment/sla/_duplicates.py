"""Exact duplicate activity rows: counted once, with a warning that counts them.

A CRM export repeats a row now and then (a sync run twice, a report joined on a second key).
Two rows with the same lead, instant, kind, rep and outcome are one activity: counted twice they
would double a lead's attempts.  The SLA engines (``sla.evaluate``, ``sla.speed_to_lead``) keep
the first of them and warn with the number of rows left out and their positions.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .._options import warn

__all__ = ["without_duplicates"]

_SHOWN = 5


def without_duplicates(log: Any, engine: str) -> Any:
    """``log`` (an :class:`~alignment.tables.ActivityLog`) without its exact duplicate rows
    (same lead, instant, kind, rep and outcome: the first one kept), warning with their count
    and caller rows when there are some; ``log`` itself when there are none."""
    dup = _duplicate_mask(log)
    if not dup.any():
        return log
    rows = np.sort(np.asarray(log.row)[dup])
    shown = ", ".join(str(r) for r in rows[:_SHOWN].tolist())
    more = f" (and {rows.size - _SHOWN} more)" if rows.size > _SHOWN else ""
    warn(
        f"{engine}: {rows.size} activity row(s) repeat another row exactly (same lead, "
        f"timestamp, kind, rep and outcome) and are counted once; rows {shown}{more}"
    )
    keep = np.flatnonzero(~dup)
    lengths = np.bincount(log.group_index[keep], minlength=log.n_groups)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.asarray(log.offsets).dtype)
    cats = {
        name: getattr(log, name).take(keep)
        for name in ("kind", "rep", "outcome")
        if getattr(log, name) is not None
    }
    return replace(log, offsets=offsets, time=log.time[keep], row=np.asarray(log.row)[keep], **cats)


def _duplicate_mask(log: Any) -> np.ndarray:
    """Per activity: it equals an earlier activity of the log on every column."""
    n = int(log.time.size)
    if n < 2:
        return np.zeros(n, dtype=bool)
    cols = [
        np.asarray(getattr(log, name).codes, dtype=np.int64)
        for name in ("outcome", "rep", "kind")
        if getattr(log, name) is not None
    ]
    cols += [np.asarray(log.time).view(np.int64), np.asarray(log.group_index, dtype=np.int64)]
    order = np.lexsort(cols)  # stable: the first of equal rows stays first
    same = np.ones(n - 1, dtype=bool)
    for c in cols:  # loop over the (at most five) columns
        s = c[order]
        same &= s[1:] == s[:-1]
    dup = np.zeros(n, dtype=bool)
    dup[order[1:][same]] = True
    return dup
