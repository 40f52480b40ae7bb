"""The report's lead-quality section: conversion per fit × interest cell and per action.

It formats the scores' conversion tables (``scores.conversion(converted, by="cell")`` and
``by="action"``, read through :mod:`alignment.report._read`); it counts nothing itself.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from .._display import not_measured
from ..errors import ParameterError
from . import _html as H
from . import _svg as S
from ._read import grid_conversion

_CELL_RE = re.compile(r"^([A-Z][+-]?)(\d+)$")


def _grid_section(scores: Any, converted: Any) -> str:
    y = np.asarray(converted, dtype=bool)
    n_leads = np.asarray(scores["cell"], dtype=object).size
    if y.shape != (n_leads,):
        raise ParameterError(
            f"converted has {y.size} values but the scores have {n_leads} leads; "
            "pass one outcome per scored lead, in the same order"
        )
    cells = grid_conversion(scores, y, by="cell")
    chart = _cell_chart(cells)
    body_tables = ""
    if "action" in cells:
        actions = grid_conversion(scores, y, by="action")
        body_tables = "<h3>Actions</h3>" + H.table(
            {k: actions[k] for k in ("action", "leads", "share", "won", "conversion")},
            kinds={"leads": "int", "share": "pct", "won": "int", "conversion": "pct"},
            max_rows=None,
            caption="High fit and high interest: sales-ready, follow up fast; high fit, low "
            "interest: nurture; low fit, high interest: review; low fit, low interest: avoid.",
        )
    return H.section(
        "grid",
        "Lead quality: the fit × interest grid",
        "Explicit fit (who the lead is) against implicit interest (what the lead did). Each cell "
        "shows the share of its leads that became customers — the check that the definition of "
        "a good lead both teams agreed on separates winners.",
        f'<div class="row"><div>{chart}</div><div>{body_tables}</div></div>',
    )


def _cell_chart(cells: dict[str, np.ndarray]) -> str:
    """A heat map of conversion per fit × interest cell; a bar chart for other cell names."""
    names = [str(c) for c in cells["cell"].tolist()]
    n = np.asarray(cells["leads"])
    won = np.asarray(cells["won"])
    parsed = [_CELL_RE.match(u) for u in names]
    if not (all(parsed) and names):
        return S.bar_chart(
            names,
            [won[i] / n[i] if n[i] else math.nan for i in range(len(names))],
            title="Conversion to won per score cell",
            fmt=lambda v: f"{100 * v:.1f}%" if math.isfinite(v) else not_measured("no leads"),
        )
    action_of = (
        {u: str(a) for u, a in zip(names, cells["action"].tolist())} if "action" in cells else {}
    )
    fits = sorted({m.group(1) for m in parsed if m}, key=_grade_key)
    ints = sorted({m.group(2) for m in parsed if m}, key=int)
    idx = {u: i for i, u in enumerate(names)}
    values, text, sub = [], [], []
    for f in fits:  # loop over the grid's cells (a few dozen), not over leads
        vr, tr, sr = [], [], []
        for d in ints:
            k = idx.get(f + d)
            if k is None or n[k] == 0:
                vr.append(math.nan)
                tr.append("–")
                sr.append("no leads")
            else:
                rate = won[k] / n[k]
                vr.append(rate)
                tr.append(f"{100 * rate:.1f}%")
                act = action_of.get(f + d, "")
                sr.append(f"{int(won[k]):,}/{int(n[k]):,}" + (f" · {act}" if act else ""))
        values.append(vr)
        text.append(tr)
        sub.append(sr)
    return S.heatmap(
        fits,
        ints,
        values,
        title="Conversion to won per fit × interest cell",
        cell_text=text,
        cell_sub=sub,
        row_title="fit (A best)",
        col_title="interest (1 highest)",
        cell=112,
    )


def _grade_key(grade: str) -> tuple[str, int]:
    # "A+" < "A" < "A-" < "B+" …
    return grade[0], {"+": 0, "": 1, "-": 2}.get(grade[1:], 1)
