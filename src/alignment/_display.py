"""HTML tables for notebooks and the report: escaping, value formatting, one table writer.

Every result object's ``_repr_html_`` renders through :func:`preview`; the report's page
(:mod:`alignment.report`) uses the same :func:`table`.  All text is escaped.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "NA",
    "esc",
    "fmt_value",
    "na_caption",
    "not_measured",
    "preview",
    "rate_kinds",
    "table",
]

#: how a measure with no data behind it is written (never 0, never 100%)
NA = "n/a"
#: column names a result shows as percentages: rates, shares, compliance, "x vs y" ratios
_RATE_NAME = re.compile(r"^(rate|share)$|^rate_|_rate$|_share$|_compliance$|_vs_")


def esc(text: object) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(text), quote=True)


def fmt_value(v: Any, kind: str = "auto") -> str:
    """Format one cell: ``kind`` is ``auto``, ``int``, ``money``, ``pct``, ``ratio``,
    ``days``, ``hours`` or ``text``; missing / NaN / NaT → ``–``."""
    if v is None:
        return "–"
    if isinstance(v, np.generic):
        if isinstance(v, np.datetime64):
            if np.isnat(v):
                return "–"
            if np.datetime_data(v.dtype)[0] in ("D", "W", "M", "Y"):
                return str(v.astype("datetime64[D]"))
            return str(v.astype("datetime64[m]")).replace("T", " ")
        if isinstance(v, np.timedelta64):
            if np.isnat(v):
                return "–"
            v = float(v.astype("timedelta64[s]").astype(np.int64)) / 3600.0
            kind = "hours"
        else:
            v = v.item()
    if isinstance(v, _dt.timedelta):
        v = v.total_seconds() / 3600.0
        kind = "hours"
    if isinstance(v, _dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        f = float(v)
        if not math.isfinite(f):
            return "–"
        if kind == "pct":
            return f"{100 * f:.1f}%"
        if kind == "money":
            return f"{f:,.0f}"
        if kind == "ratio":
            return f"{f:.2f}×"
        if kind == "days":
            return f"{f:.1f} d"
        if kind == "hours":
            return f"{f * 60:.0f} min" if f < 1 else (f"{f:.1f} h" if f < 48 else f"{f / 24:.1f} d")
        if kind == "int" or (isinstance(v, int) and kind == "auto"):
            return f"{round(f):,}"
        if f.is_integer() and abs(f) < 1e15:
            return f"{round(f):,}"
        if abs(f) < 1:
            return f"{f:.4g}"  # rates and weights keep four significant digits
        return f"{f:,.2f}" if abs(f) < 1000 else f"{f:,.0f}"
    return str(v)


def not_measured(reason: str | None = None) -> str:
    """The text of a measure with no data behind it: ``"n/a (reason)"``.

    The one spelling used by the notebook views, the HTML report and the command line: a rate
    with a zero denominator, or a measure whose input column is absent, is ``NaN`` in frames and
    this text on screen.

    Parameters
    ----------
    reason : str, optional
        Why there is no value (``"no MQL"``, ``"the leads have no accepted_at column"``).

    Returns
    -------
    str
        ``"n/a (reason)"``, or ``"n/a"`` without a reason.
    """
    return f"{NA} ({reason})" if reason else NA


def na_caption(reasons: Mapping[str, str]) -> str:
    """One note naming why each listed measure is n/a (empty when there is none).

    ``{"acceptance_rate": "no MQL"}`` → ``"n/a: acceptance rate: no MQL."``.
    """
    if not reasons:
        return ""
    parts = [f"{k.replace('_', ' ')}: {v}" for k, v in reasons.items()]
    return f"{NA}: " + "; ".join(parts) + "."


def _missing(v: Any) -> bool:
    """Whether a cell holds no value (None, NaN, NaT)."""
    if v is None:
        return True
    if isinstance(v, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(v))
    if isinstance(v, (float, np.floating)):
        return not math.isfinite(float(v))
    return False


def _is_num(kind: str, arr: np.ndarray) -> bool:
    if kind in ("int", "money", "pct", "ratio", "days", "hours"):
        return True
    return arr.dtype.kind in "iufmb" and kind != "text"


def table(
    columns: Mapping[str, Sequence[Any] | np.ndarray],
    *,
    kinds: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    max_rows: int | None = 50,
    total: Mapping[str, Any] | None = None,
    css: Callable[[str, Any], str] | None = None,
    caption: str | None = None,
    na: Mapping[str, str] | None = None,
) -> str:
    """An HTML table from columns (numbers right-aligned, formatted per ``kinds``).

    Parameters
    ----------
    columns : mapping of str to array-like
        The columns, in order.
    kinds : mapping, optional
        Format per column (see :func:`fmt_value`).
    headers : mapping, optional
        Display names per column.
    max_rows : int, optional
        Rows shown; a note says how many were left out.
    total : mapping, optional
        A bold last row (values per column; absent columns are blank).
    css : callable, optional
        ``css(column, value) -> class`` for a cell (e.g. ``"bad"``).
    caption : str, optional
        A note under the table.
    na : mapping of str to str, optional
        Columns whose missing cells are measures with no data behind them: such a cell reads
        ``"n/a"`` and the note under the table gives the reason (:func:`na_caption`).
    """
    kinds = dict(kinds or {})
    headers = dict(headers or {})
    names = list(columns)
    arrays = {k: np.asarray(columns[k]) for k in names}
    n = len(next(iter(arrays.values()))) if arrays else 0
    shown = n if max_rows is None else min(n, max_rows)
    numeric = {k: _is_num(kinds.get(k, "auto"), arrays[k]) for k in names}
    na_used: set[str] = set()
    out = ['<div class="scroll"><table class="data"><thead><tr>']
    for k in names:
        cls = ' class="num"' if numeric[k] else ""
        out.append(f"<th{cls}>{esc(headers.get(k, k.replace('_', ' ')))}</th>")
    out.append("</tr></thead><tbody>")
    for i in range(shown):
        out.append("<tr>")
        for k in names:
            v = arrays[k][i]
            classes = ["num"] if numeric[k] else []
            if css is not None:
                extra = css(k, v)
                if extra:
                    classes.append(extra)
            cls = f' class="{" ".join(classes)}"' if classes else ""
            if na and k in na and _missing(v):
                text = NA
                na_used.add(k)
            else:
                text = fmt_value(v, kinds.get(k, "auto"))
            out.append(f"<td{cls}>{esc(text)}</td>")
        out.append("</tr>")
    if total is not None:
        out.append('<tr class="total">')
        for k in names:
            cls = ' class="num"' if numeric[k] else ""
            v = total.get(k)
            txt = "" if v is None else fmt_value(v, kinds.get(k, "auto"))
            out.append(f"<td{cls}>{esc(txt)}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    notes = []
    if shown < n:
        notes.append(f"{n - shown:,} more rows not shown.")
    if caption:
        notes.append(caption)
    if na_used:
        used = {headers.get(k, k): r for k, r in (na or {}).items() if k in na_used}
        notes.append(na_caption(used))
    if notes:
        out.append(f'<p class="note">{esc(" ".join(notes))}</p>')
    return "".join(out)


def rate_kinds(names: Sequence[str]) -> dict[str, str]:
    """``{name: "pct"}`` for the columns named as fractions: ``rate``, ``share``, ``rate_*``,
    ``*_rate``, ``*_share``, ``*_compliance`` and ``*_vs_*`` (e.g. ``delivered_vs_committed``)."""
    return {n: "pct" for n in names if _RATE_NAME.search(n)}


def preview(
    title: str,
    columns: Mapping[str, Sequence[Any] | np.ndarray],
    *,
    note: str = "",
    max_rows: int | None = 20,
    kinds: Mapping[str, str] | None = None,
    rates: bool = False,
    na: Mapping[str, str] | None = None,
) -> str:
    """The notebook view of a result (``_repr_html_``): a bold title, a note, and a table.

    Every result object renders through this one function, so notebooks show one style.  The
    table scrolls sideways when it is wider than the notebook (a wrapper with
    ``overflow-x: auto``), so no column is cut off.  ``rates=True`` shows the columns
    :func:`rate_kinds` names as percentages (``0.3672`` → ``36.7%``; the frames keep the
    fractions); ``kinds`` overrides it per column.  Input tables keep the default
    (``False``): a column of the caller's data is shown as it is.  ``na`` as in
    :func:`table`.
    """
    shown = {**(rate_kinds(list(columns)) if rates else {}), **(kinds or {})}
    extra = f"<p>{esc(note)}</p>" if note else ""
    body = table(columns, kinds=shown, max_rows=max_rows, na=na)
    return (
        f"<div><p><b>{esc(title)}</b></p>{extra}"
        f'<div style="overflow-x: auto; max-width: 100%">{body}</div></div>'
    )
