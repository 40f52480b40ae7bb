"""How the report reads engine results: one adapter per figure it needs.

Each section formats what an engine returns; the reading is here so that the sections do not
depend on how a result object exposes a table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "allocation_of",
    "columns",
    "grid_conversion",
    "not_measured_of",
    "sla_reps",
    "summary_of",
]


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


def not_measured_of(result: Any) -> dict[str, str]:
    """Per column of a result's tables, why its missing cells have no value (shown ``n/a``).

    Reads the result's ``not_measured`` mapping; a result without one has none.
    """
    return dict(getattr(result, "not_measured", None) or {})


def allocation_of(closed_loop: Any) -> str:
    """How a closed-loop report placed its costs, in its own words (``allocation_text``)."""
    return str(getattr(closed_loop, "allocation_text", "") or "")


def sla_reps(sla: Any) -> dict[str, np.ndarray]:
    """Compliance per sales rep over the leads in scope (the columns of ``alignment.sla.RepCompliance``), as the SLA
    report computes it: ``sla.to_frame(level="reps", backend="dict")``.

    Sorted by ``first_touch_compliance``, highest first, reps without a decided lead last.
    """
    return columns(sla, "reps")


# ----------------------------------------------------------------------------- grid conversion


def grid_conversion(scores: Any, converted: np.ndarray, by: str) -> dict[str, np.ndarray]:
    """Conversion of the scored leads per grid ``cell`` or per ``action``.

    By cell: ``cell``, ``action`` (when the scores have actions), ``leads``, ``won``,
    ``conversion``, sorted by cell.  By action: ``action``, ``leads``, ``share``, ``won``,
    ``conversion``, highest conversion first.  Reads ``scores.conversion(converted, by=by)``.
    """
    table = scores.conversion(converted, by=by)
    return {k: np.asarray(v) for k, v in dict(table).items()}
