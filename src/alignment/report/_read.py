"""How the report reads engine results: one adapter per figure it needs.

Each section formats what an engine returns; the reading is here so that the sections do not
depend on how a result object exposes a table.  Where an engine's API is not available the
adapter computes the same table from the result's per-lead rows, vectorised (no loop per lead);
those fallbacks are marked and go away once every engine has the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["columns", "grid_conversion", "sla_reps", "summary_of"]

#: columns of :func:`sla_reps`, in order
REP_COLUMNS = (
    "rep",
    "leads",
    "first_touch_met",
    "first_touch_decided",
    "first_touch_compliance",
    "attempts_met",
    "attempts_decided",
    "attempts_compliance",
    "response_median_hours",
)


def columns(result: Any, level: str | None = None) -> dict[str, np.ndarray]:
    """A result's table as numpy columns: ``result.to_frame(level, backend="dict")``.

    Without ``level`` the result's default table is read (the keyword is not passed, so result
    tables without levels read the same way).
    """
    frame = (
        result.to_frame(backend="dict")
        if level is None
        else result.to_frame(level=level, backend="dict")
    )
    return {k: np.asarray(v) for k, v in frame.items()}


def summary_of(result: Any) -> dict[str, Any]:
    """A result's headline figures as a plain dict.

    Reads ``summary()`` where it is a method (the result contract) and the ``summary`` mapping
    where it is still an attribute.
    """
    summary = result.summary
    if isinstance(summary, Mapping):  # a dict attribute, or the contract's callable dict
        return dict(summary)
    return dict(summary())


def _labels(values: np.ndarray, missing: str) -> np.ndarray:
    """Values as ``str`` (``None`` shown as ``missing``), vectorised."""
    out = np.asarray(values, dtype=object).copy()
    out[out == None] = missing  # noqa: E711  (element-wise on an object array)
    return np.asarray(out.astype(str))


# ----------------------------------------------------------------------------- SLA per rep


def sla_reps(sla: Any) -> dict[str, np.ndarray]:
    """Compliance per sales rep over the leads in scope (columns :data:`REP_COLUMNS`).

    Sorted by ``first_touch_compliance``, highest first, reps without a decided lead last.
    Reads ``sla.to_frame(level="reps", backend="dict")``.
    """
    if "reps" in getattr(sla, "levels", ()):
        return columns(sla, "reps")
    return _sla_reps_from_leads(columns(sla.leads))  # fallback until the engine API lands


def _sla_reps_from_leads(leads: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    # fallback until the engine API lands
    in_scope = np.asarray(leads["in_scope"], dtype=bool) if "in_scope" in leads else None
    if in_scope is None or "owner" not in leads or not in_scope.any():
        return {c: np.zeros(0) for c in REP_COLUMNS}
    owners = _labels(np.asarray(leads["owner"])[in_scope], "(unassigned)")
    reps, inv = np.unique(owners, return_inverse=True)
    out: dict[str, np.ndarray] = {
        "rep": reps.astype(object),
        "leads": np.bincount(inv, minlength=reps.size),
    }
    for prefix in ("first_touch", "attempts"):
        status = leads.get(f"{prefix}_status")
        met: np.ndarray = np.zeros(reps.size)
        decided: np.ndarray = np.zeros(reps.size)
        if status is not None:
            st = np.asarray(status)[in_scope].astype(str)
            met = np.bincount(inv, weights=(st == "met").astype(float), minlength=reps.size)
            dec = np.isin(st, ["met", "breached"]).astype(float)
            decided = np.bincount(inv, weights=dec, minlength=reps.size)
        out[f"{prefix}_met"] = met.astype(np.int64)
        out[f"{prefix}_decided"] = decided.astype(np.int64)
        out[f"{prefix}_compliance"] = np.where(decided > 0, met / np.maximum(decided, 1), np.nan)
    out["response_median_hours"] = _median_by_group(
        _hours(leads.get("response_business"), in_scope), inv, reps.size
    )
    key = out["first_touch_compliance"]
    order = np.lexsort((np.where(np.isnan(key), 0.0, -key), np.isnan(key)))
    return {k: v[order] for k, v in out.items()}


def _hours(durations: Any, keep: np.ndarray) -> np.ndarray:
    """Durations (``timedelta64``, ``NaT`` = none) of the kept rows in hours (``NaN`` = none)."""
    if durations is None:
        return np.full(int(keep.sum()), np.nan)
    d = np.asarray(durations)[keep]
    return np.where(np.isnat(d), np.nan, d.astype("timedelta64[s]").astype(np.int64) / 3600)


def _median_by_group(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Median of the non-NaN ``values`` of each group (``NaN`` for an empty group), vectorised:
    one sort by (group, value), then the middle one or two values of each group's run."""
    ok = ~np.isnan(values)
    v, g = values[ok], group[ok]
    order = np.lexsort((v, g))
    v, g = v[order], g[order]
    counts = np.bincount(g, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = np.full(n_groups, np.nan)
    has = counts > 0
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    out[has] = (v[lo] + v[hi]) / 2
    return out


# ----------------------------------------------------------------------------- grid conversion


def grid_conversion(scores: Any, converted: np.ndarray, by: str) -> dict[str, np.ndarray]:
    """Conversion of the scored leads per grid ``cell`` or per ``action``.

    By cell: ``cell``, ``action`` (when the scores have actions), ``leads``, ``won``,
    ``conversion``, sorted by cell.  By action: ``action``, ``leads``, ``share``, ``won``,
    ``conversion``, highest conversion first.  Reads ``scores.conversion(converted, by=by)``.
    """
    if hasattr(scores, "conversion"):
        table = scores.conversion(converted, by=by)
        return {k: np.asarray(v) for k, v in dict(table).items()}
    return _conversion_from_rows(scores, converted, by)  # fallback until the engine API lands


def _conversion_from_rows(scores: Any, converted: np.ndarray, by: str) -> dict[str, np.ndarray]:
    # fallback until the engine API lands
    y = np.asarray(converted, dtype=np.float64)
    actions = np.asarray(scores["action"], dtype=object) if _has(scores, "action") else None
    if by == "action":
        if actions is None:
            raise KeyError("the scores have no action column")
        acts, inv = np.unique(actions.astype(str), return_inverse=True)
        n = np.bincount(inv, minlength=acts.size)
        won = np.bincount(inv, weights=y, minlength=acts.size)
        order = np.argsort(-(won / np.maximum(n, 1)), kind="stable")
        return {
            "action": acts[order].astype(object),
            "leads": n[order],
            "share": n[order] / max(int(n.sum()), 1),
            "won": won[order],
            "conversion": won[order] / np.maximum(n[order], 1),
        }
    cells, first, inv = np.unique(
        _labels(np.asarray(scores["cell"], dtype=object), "(missing)"),
        return_index=True,
        return_inverse=True,
    )
    n = np.bincount(inv, minlength=cells.size)
    won = np.bincount(inv, weights=y, minlength=cells.size)
    out: dict[str, np.ndarray] = {"cell": cells.astype(object)}
    if actions is not None:
        out["action"] = _labels(actions[first], "None").astype(object)
    out.update(
        {"leads": n, "won": won, "conversion": np.where(n > 0, won / np.maximum(n, 1), np.nan)}
    )
    return out


def _has(obj: Any, key: str) -> bool:
    try:
        obj[key]
    except (KeyError, IndexError, TypeError):
        return False
    return True
