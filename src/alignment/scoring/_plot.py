"""Plot of a score result (``ScoreResult.plot``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._charts import (
    bars,
    heatmap,
    histogram,
)
from ..errors import DataValidationError, ParameterError
from ._outcomes import binary_outcome

if TYPE_CHECKING:
    from ._result import ScoreResult


def _cell_grid(names: Sequence[str]) -> tuple[list[str], list[str], np.ndarray] | None:
    """Rows (fit letters) and columns (interest numbers) of grid cells like ``"A1"``."""
    pattern = re.compile(r"^([A-Za-z]+)(\d+)$")
    parsed = [pattern.match(str(n)) for n in names]
    if not names or any(p is None for p in parsed):
        return None
    letters = [p.group(1) for p in parsed if p is not None]
    numbers = [int(p.group(2)) for p in parsed if p is not None]
    rows = list(dict.fromkeys(letters))
    cols = sorted(set(numbers))
    position = np.array(
        [rows.index(a) * len(cols) + cols.index(b) for a, b in zip(letters, numbers)]
    )
    return rows, [str(c) for c in cols], position


def plot_scores(
    result: ScoreResult, *, ax: Any = None, converted: Any = None, bins: int = 30
) -> tuple[Any, Any]:
    """Leads (or conversion when ``converted`` is given) per grid cell, else a score histogram."""
    if "cell" not in result:
        if converted is not None:
            raise ParameterError(
                "converted= needs a grid scorer (cells); this result has no 'cell' column"
            )
        return histogram(
            result.scores,
            ax=ax,
            bins=bins,
            title=f"scores of {len(result):,} leads ({type(result.scorer).__name__})",
            xlabel="score",
        )
    table = result.breakdown(backend="dict")
    names = [str(c) for c in table["cell"]]
    counts = np.asarray(table["n"], dtype=np.float64)
    values, percent, what = counts, False, "leads"
    if converted is not None:
        if np.ndim(converted) != 1:
            raise DataValidationError(
                f"converted has shape {np.shape(converted)}: one outcome per lead",
                column="converted",
                fix="pass one 0/1 or bool per lead, in the order of the scored leads",
            )
        y = binary_outcome(converted, column="converted", n=len(result))
        cell = np.asarray(result["cell"]).astype(str)
        name_arr = np.asarray(names, dtype=str)
        by_name = np.argsort(name_arr, kind="stable")
        pos = np.minimum(np.searchsorted(name_arr[by_name], cell), len(names) - 1)
        idx = by_name[pos]
        if not bool((name_arr[idx] == cell).all()):  # pragma: no cover - summary lists every cell
            raise DataValidationError("a lead's cell is missing from the grid", column="cell")
        won = np.bincount(idx, weights=y.astype(np.float64), minlength=len(names))
        n = np.bincount(idx, minlength=len(names)).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(n > 0, won / np.where(n > 0, n, 1.0), np.nan)
        percent, what = True, "conversion"
    grid = _cell_grid(names)
    if grid is None:
        fig, ax = bars(names, {what: values}, ax=ax, title=f"{what} per cell", ylabel=what)
        return fig, ax
    rows, cols, position = grid
    matrix = np.full(len(rows) * len(cols), np.nan)
    matrix[position] = values
    return heatmap(
        matrix.reshape(len(rows), len(cols)),
        rows,
        cols,
        ax=ax,
        title=f"{what} per grid cell ({len(result):,} leads)",
        colorbar_label=what,
        percent=percent,
        row_title="fit",
        col_title="interest",
    )
