"""HTML building blocks for the report: the page, its stylesheet, tables and key figures.

Everything is inline (one ``<style>`` element, no script, no external resource), so the page
renders offline and from an e-mail attachment.  All text is escaped.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["CSS", "cards", "esc", "fmt_value", "page", "section", "table"]

CSS = """
:root{--ink:#1f2328;--muted:#59636e;--line:#d8dee4;--bg:#f6f8fa;--accent:#4e79a7}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
header{background:#24292f;color:#fff;padding:22px 32px}
header h1{margin:0;font-size:22px;font-weight:650}
header p{margin:4px 0 0;color:#c9d1d9}
nav{background:#fff;border-bottom:1px solid var(--line);padding:8px 32px;position:sticky;top:0}
nav a{color:var(--accent);text-decoration:none;margin-right:18px;font-weight:600}
main{max-width:1180px;margin:0 auto;padding:12px 24px 40px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;margin:18px 0;
padding:18px 22px}
section h2{margin:0 0 4px;font-size:18px}
section h3{margin:18px 0 6px;font-size:15px}
p.lead{margin:0 0 12px;color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 16px;
min-width:150px;flex:1}
.card .v{font-size:22px;font-weight:700}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.card .s{color:var(--muted);font-size:12px}
.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.row>div{flex:1;min-width:320px}
svg.chart{max-width:100%;height:auto;display:block;margin:6px 0}
table.data{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}
table.data th,table.data td{padding:4px 7px;border-bottom:1px solid var(--line);text-align:left;
white-space:nowrap}
table.data th{background:var(--bg);font-weight:600}
table.data td.num,table.data th.num{text-align:right;font-variant-numeric:tabular-nums}
table.data tr.total td{font-weight:700;border-top:2px solid var(--ink)}
.scroll{overflow-x:auto}
.note{color:var(--muted);font-size:12px}
.bad{color:#b42318;font-weight:600}.good{color:#1a7f37;font-weight:600}
footer{color:var(--muted);font-size:12px;text-align:center;padding:12px}
"""


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
    """
    kinds = dict(kinds or {})
    headers = dict(headers or {})
    names = list(columns)
    arrays = {k: np.asarray(columns[k]) for k in names}
    n = len(next(iter(arrays.values()))) if arrays else 0
    shown = n if max_rows is None else min(n, max_rows)
    numeric = {k: _is_num(kinds.get(k, "auto"), arrays[k]) for k in names}
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
            out.append(f"<td{cls}>{esc(fmt_value(v, kinds.get(k, 'auto')))}</td>")
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
    if notes:
        out.append(f'<p class="note">{esc(" ".join(notes))}</p>')
    return "".join(out)


def preview(
    title: str,
    columns: Mapping[str, Sequence[Any] | np.ndarray],
    *,
    note: str = "",
    max_rows: int | None = 20,
    kinds: Mapping[str, str] | None = None,
) -> str:
    """The notebook view of a result (``_repr_html_``): a bold title, a note, and a table.

    Every result object renders through this one function, so notebooks show one style.
    """
    extra = f"<p>{esc(note)}</p>" if note else ""
    return f"<div><p><b>{esc(title)}</b></p>{extra}{table(columns, kinds=kinds, max_rows=max_rows)}</div>"


def cards(items: Sequence[tuple[str, str, str]]) -> str:
    """Key figures: (label, value, small print) per card."""
    out = ['<div class="cards">']
    for label, value, sub in items:
        out.append(
            f'<div class="card"><div class="k">{esc(label)}</div>'
            f'<div class="v">{esc(value)}</div><div class="s">{esc(sub)}</div></div>'
        )
    out.append("</div>")
    return "".join(out)


def section(anchor: str, title: str, lead: str, body: str) -> str:
    """A report section with an anchor for the navigation bar."""
    return (
        f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>'
        f'<p class="lead">{esc(lead)}</p>{body}</section>'
    )


def page(
    title: str,
    subtitle: str,
    nav: Sequence[tuple[str, str]],
    body: str,
    footer: str,
) -> str:
    """The whole document (UTF-8, inline stylesheet, no script)."""
    links = "".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for a, t in nav)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header>"
        f"<nav>{links}</nav><main>{body}</main>"
        f"<footer>{esc(footer)}</footer></body></html>\n"
    )
