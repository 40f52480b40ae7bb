"""Small rendering helpers shared by the funnel result objects (private)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["html_table"]

_MAX_ROWS = 30


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        f = float(value)
        if np.isnan(f):
            return "–"
        if f != 0 and abs(f) < 1:
            return f"{f:.4g}"
        return f"{f:,.2f}"
    if isinstance(value, np.datetime64):
        return "–" if np.isnat(value) else str(value)
    return str(value)


def html_table(title: str, columns: Mapping[str, np.ndarray], *, note: str = "") -> str:
    """A plain HTML table of ``columns`` (at most 30 rows shown)."""
    names = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    head = "".join(f"<th>{html.escape(c)}</th>" for c in names)
    rows = []
    for i in range(min(n, _MAX_ROWS)):
        cells = "".join(f"<td>{html.escape(_fmt(columns[c][i]))}</td>" for c in names)
        rows.append(f"<tr>{cells}</tr>")
    more = f"<p>… {n - _MAX_ROWS} more rows</p>" if n > _MAX_ROWS else ""
    extra = f"<p>{html.escape(note)}</p>" if note else ""
    return (
        f"<div><strong>{html.escape(title)}</strong>{extra}"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}</div>"
    )
