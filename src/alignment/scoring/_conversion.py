"""Conversion of scored leads per grid cell or per action (``ScoreResult.conversion``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._params import is_option
from .._results import ReportTable
from ..errors import ParameterError
from .metrics import _labels

__all__ = ["ConversionTable", "conversion_table"]


class ConversionTable(ReportTable):
    """Leads, conversions and the conversion rate per grid cell or per action."""

    title = "conversion of scored leads"


def _text(values: np.ndarray, missing: str) -> np.ndarray:
    """Labels as ``str`` (``None`` shown as ``missing``), vectorised over an object array."""
    out = np.asarray(values, dtype=object).copy()
    out[np.equal(out, np.array(None, dtype=object)).astype(bool)] = missing
    return np.asarray(out.astype(str))


def conversion_table(scores: Any, converted: Any, by: str, backend: str | None) -> ConversionTable:
    """See :meth:`alignment.scoring.ScoreResult.conversion`."""
    if not is_option(by, ("cell", "action")):
        raise ParameterError(f"conversion(by=...) must be 'cell' or 'action', got {by!r}")
    if by not in scores:
        raise ParameterError(
            f"these scores have no {by!r} column (a fit × interest grid scorer gives cells and "
            "actions)"
        )
    y = _labels(converted, name="converted")
    if y.size != len(scores):
        raise ParameterError(
            f"converted has {y.size} values but the scores have {len(scores)} leads; "
            "pass one outcome per scored lead, in the same order"
        )
    if by == "action":
        return _by_action(_text(scores["action"], "None"), y, backend)
    cells, first, inv = np.unique(
        _text(scores["cell"], "(missing)"), return_index=True, return_inverse=True
    )
    inv = inv.ravel()
    n = np.bincount(inv, minlength=cells.size)
    won = np.bincount(inv, weights=y, minlength=cells.size)
    cols: dict[str, np.ndarray] = {"cell": cells.astype(object)}
    if "action" in scores:
        cols["action"] = _text(np.asarray(scores["action"], dtype=object)[first], "None").astype(
            object
        )
    cols.update({"leads": n.astype(np.int64), "won": won, "conversion": won / np.maximum(n, 1)})
    return ConversionTable(cols, backend=backend)


def _by_action(actions: np.ndarray, y: np.ndarray, backend: str | None) -> ConversionTable:
    acts, inv = np.unique(actions, return_inverse=True)
    inv = inv.ravel()
    n = np.bincount(inv, minlength=acts.size)
    won = np.bincount(inv, weights=y, minlength=acts.size)
    order = np.argsort(-(won / np.maximum(n, 1)), kind="stable")
    return ConversionTable(
        {
            "action": acts[order].astype(object),
            "leads": n[order].astype(np.int64),
            "share": n[order] / max(int(n.sum()), 1),
            "won": won[order],
            "conversion": won[order] / np.maximum(n[order], 1),
        },
        backend=backend,
    )
