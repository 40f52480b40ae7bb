"""Plot of a closed-loop report (``ClosedLoopReport.plot``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._charts import (
    bars,
)
from .._params import is_option, number_sequence
from ..errors import ParameterError

if TYPE_CHECKING:
    from ._engine import ClosedLoopReport


def plot_closed_loop(
    report: ClosedLoopReport,
    *,
    ax: Any = None,
    measures: str | Sequence[str] = ("revenue", "cost"),
    top: int | None = 20,
) -> tuple[Any, Any]:
    """Revenue, cost, ROI (any numeric columns of the table) per key, largest first."""
    table = report.table
    wanted = [measures] if isinstance(measures, str) else number_sequence(measures)
    if wanted is None:
        raise ParameterError(
            f"closed-loop plot: measures must be a column name or a list of them, got {measures!r}"
        )
    if not wanted:
        raise ParameterError("measures must name at least one column")
    cols = list(table.columns)
    first_metric = cols.index("leads") if "leads" in cols else 1
    key_cols = cols[:first_metric]
    numeric_cols = [c for c in cols[first_metric:] if np.asarray(table[c]).dtype.kind in "biuf"]
    for m in wanted:
        if not is_option(m, numeric_cols):
            raise ParameterError(
                f"closed-loop plot: unknown measure {m!r}; choose from {', '.join(numeric_cols)}"
            )
    if top is not None and (isinstance(top, bool) or int(top) < 1):
        raise ParameterError(f"top must be a positive int or None, got {top!r}")
    n = table.n_rows
    keys = [" / ".join(str(table[c][i]) for c in key_cols) for i in range(n)]
    lead = np.nan_to_num(np.asarray(table[wanted[0]], dtype=np.float64), nan=-np.inf)
    order = np.argsort(-lead, kind="stable")
    shown = order if top is None else order[: int(top)]
    note = "" if shown.size == n else f", top {shown.size} of {n}"
    return bars(
        [keys[i] for i in shown],
        {m: np.asarray(table[m], dtype=np.float64)[shown] for m in wanted},
        ax=ax,
        title=f"closed loop: {', '.join(wanted)} by {' / '.join(key_cols)}{note}",
        xlabel=" / ".join(key_cols),
    )
