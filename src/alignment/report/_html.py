"""HTML building blocks of the report: the page, its stylesheet and key figures.

Everything is inline (one ``<style>`` element, no script, no external resource), so the page
renders offline and from an e-mail attachment.  All text is escaped.  Tables come from the
shared writer in :mod:`alignment._display`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .._display import esc, fmt_value, table

__all__ = [
    "CSS",
    "cards",
    "esc",
    "fmt_value",
    "glossary",
    "page",
    "prose_table",
    "section",
    "table",
]

CSS = """
:root{--ink:#1f2328;--muted:#59636e;--line:#d8dee4;--bg:#f6f8fa;--accent:#0072b2}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
header{background:#24292f;color:#fff;padding:22px 32px}
header h1{margin:0;font-size:22px;font-weight:650}
header p{margin:4px 0 0;color:#c9d1d9}
nav{background:#fff;border-bottom:1px solid var(--line);padding:8px 32px;position:sticky;top:0;
display:flex;flex-wrap:wrap;gap:4px 18px}
nav a{color:var(--accent);text-decoration:none;font-weight:600}
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
.row>div{flex:1 1 440px;min-width:0}
svg.chart{max-width:100%;height:auto;display:block;margin:6px 0}
table.data{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}
table.data th,table.data td{padding:4px 7px;border-bottom:1px solid var(--line);text-align:left;
white-space:nowrap}
table.data th{background:var(--bg);font-weight:600;white-space:normal;vertical-align:bottom;
min-width:4.5em}
.prose table.data td{white-space:normal;vertical-align:top}
table.data td.num,table.data th.num{text-align:right;font-variant-numeric:tabular-nums}
table.data tr.total td{font-weight:700;border-top:2px solid var(--ink)}
.scroll{overflow-x:auto;max-width:100%}
dl.glossary{display:grid;grid-template-columns:minmax(7em,max-content) 1fr;gap:4px 16px;margin:8px 0}
dl.glossary dt{font-weight:600}dl.glossary dd{margin:0}
@media (max-width:900px){table.data{font-size:12px}
table.data th,table.data td{padding:3px 4px}table.data th{min-width:0}
table.data td:first-child{white-space:normal;min-width:6em}}
@media (max-width:720px){header,nav{padding-left:14px;padding-right:14px}
main{padding:8px 10px 24px}section{padding:12px 12px}}
.note{color:var(--muted);font-size:12px}
.bad{color:#b42318;font-weight:600}.good{color:#1a7f37;font-weight:600}
footer{color:var(--muted);font-size:12px;text-align:center;padding:12px}
"""


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


def prose_table(columns: Mapping[str, np.ndarray], *, caption: str | None = None) -> str:
    """A table of sentences (every row shown, cells wrap to the width of the page)."""
    return f'<div class="prose">{table(columns, max_rows=None, caption=caption)}</div>'


def glossary(terms: Sequence[tuple[str, str]]) -> str:
    """Terms and their definitions (a definition list)."""
    items = "".join(f"<dt>{esc(t)}</dt><dd>{esc(d)}</dd>" for t, d in terms)
    return f'<dl class="glossary">{items}</dl>'


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
