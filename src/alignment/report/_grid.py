"""The report's lead-quality section: conversion per fit × interest cell and per action.

It formats the scores' conversion tables (``scores.conversion(converted, by="cell")`` and
``by="action"``, read through :mod:`alignment.report._read`); it counts nothing itself.  The
cut-offs of the fit letters and interest digits, and the fit rules, are read from the grid
scorer (``scores.scorer``) and stated under the heat map.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from .._display import not_measured
from . import _html as H
from . import _svg as S
from ._format import Context, human_labels
from ._read import grid_conversion

_CELL_RE = re.compile(r"^([A-Z][+-]?)(\d+)$")


def _grid_section(scores: Any, converted: Any, ctx: Context) -> str:
    """The grid section; ``converted`` is read by ``scores.conversion`` (0/1 or booleans, one
    per scored lead: text, NaN or instants are refused there, never read as true)."""
    cells = grid_conversion(scores, converted, by="cell")
    chart = _cell_chart(cells, ctx)
    body_tables = _cutoffs(getattr(scores, "scorer", None))
    if "action" in cells:
        actions = grid_conversion(scores, converted, by="action")
        acts = {k: actions[k] for k in ("action", "leads", "share", "won", "conversion")}
        acts["action"] = np.array(human_labels(acts["action"].tolist()), dtype=object)
        body_tables += "<h3>Actions</h3>" + H.table(
            acts,
            kinds={"leads": "int", "share": "pct", "won": "int", "conversion": "pct"},
            headers={
                "leads": "leads (count)",
                "share": "share of leads",
                "won": "won (count)",
                "conversion": "conversion to won",
            },
            max_rows=None,
            caption="High fit and high interest: sales-ready, follow up fast; high fit, low "
            "interest: nurture; low fit, high interest: review; low fit, low interest: avoid.",
        )
    return H.section(
        "grid",
        ctx.in_period("Lead quality: the fit × interest grid"),
        "Explicit fit (who the lead is) against implicit interest (what the lead did). Each cell "
        "shows the share of its leads that became customers — the check that the definition of "
        "a good lead both teams agreed on separates winners.",
        f'<div class="row"><div>{chart}</div><div>{body_tables}</div></div>',
    )


def _cell_chart(cells: dict[str, np.ndarray], ctx: Context) -> str:
    """A heat map of conversion per fit × interest cell; a bar chart for other cell names."""
    names = [str(c) for c in cells["cell"].tolist()]
    n = np.asarray(cells["leads"])
    won = np.asarray(cells["won"])
    parsed = [_CELL_RE.match(u) for u in names]
    if not (all(parsed) and names):
        return S.bar_chart(
            names,
            [won[i] / n[i] if n[i] else math.nan for i in range(len(names))],
            title=ctx.in_period("Conversion to won per score cell (% of the cell's leads)"),
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
        title=ctx.in_period("Conversion to won per fit × interest cell (% of the cell's leads)"),
        cell_text=text,
        cell_sub=sub,
        row_title="fit letter (A best)",
        col_title="interest digit (1 highest)",
        cell=112,
    )


def _grade_key(grade: str) -> tuple[str, int]:
    # "A+" < "A" < "A-" < "B+" …
    return grade[0], {"+": 0, "": 1, "-": 2}.get(grade[1:], 1)


def _bands(cuts: Any, names: list[str], unit: str) -> str:
    """Cut-offs best first as bands: "A ≥ 30 points · B 20–30 · … · D < 10"."""
    c = [float(x) for x in cuts]
    parts = [f"{names[0]} ≥ {c[0]:g}"]
    parts += [f"{names[i]} {c[i]:g} to < {c[i - 1]:g}" for i in range(1, len(c))]
    parts.append(f"{names[len(c)]} < {c[-1]:g}")
    return f"{' · '.join(parts)} {unit}"


def _cutoffs(scorer: Any) -> str:
    """The grid's fit-letter and interest-digit cut-offs and its fit rules (those it has)."""
    fit_cuts = getattr(scorer, "fit_cuts", None)
    interest_cuts = getattr(scorer, "interest_cuts", None)
    if fit_cuts is None or interest_cuts is None:
        return ""
    letters = [chr(ord("A") + i) for i in range(len(fit_cuts) + 1)]
    digits = [str(i + 1) for i in range(len(interest_cuts) + 1)]
    rows = [
        ("fit letter", _bands(fit_cuts, letters, "fit points"), "who the lead is"),
        ("interest digit", _bands(interest_cuts, digits, "interest points"), "what the lead did"),
    ]
    rules = getattr(scorer, "fit_rules", None) or []
    if rules:
        text = "; ".join(
            f"{_field(r, 'name') or _field(r, 'column')}: {float(_field(r, 'points') or 0):+g}"
            for r in rules
        )
        rows.append(("fit rules", text, "points added per matching rule"))
    cols = {k: np.array([r[i] for r in rows], dtype=object)
            for i, k in enumerate(("part", "cut-offs", "measures"))}  # fmt: skip
    return "<h3>How a lead gets its cell</h3>" + H.prose_table(
        cols,
        caption="A cell is the fit letter then the interest digit (A1 best). Interest points "
        f"come from the lead's touches, {_decay(scorer)}.",
    )


def _field(rule: Any, key: str) -> Any:
    """A fit rule's field, from a dict or a rule object."""
    return rule.get(key) if isinstance(rule, dict) else getattr(rule, key, None)


def _decay(scorer: Any) -> str:
    """How the grid ages interest, in words."""
    half_life = getattr(scorer, "half_life", None)
    rate = getattr(scorer, "decay_rate", None)
    window = getattr(scorer, "window", None)
    text = (
        f"halved every {half_life}"
        if half_life is not None
        else f"losing {100 * float(rate):g}% per {getattr(scorer, 'decay_period', '30d')}"
        if rate is not None
        else "not decayed with age"
    )
    return text + (f", counted over the last {window}" if window is not None else "")
