"""The shared dashboard: one self-contained HTML file both teams read.

:func:`build_report` turns engine results into one HTML document — the funnel, attribution by
channel under several models side by side, the fit × interest grid as a heat map with the
conversion of each cell, SLA attainment for both teams (marketing's delivery against the pace
line, sales' response-time distribution, each next to the agreement's terms), the closed loop
per source and by source and campaign, and a glossary of the terms used.  Every figure names its
unit (amounts in ``currency=``, response times in business hours) and its period.
:func:`write_report` writes it to a file.

Every section is optional: pass the results you have.  The page has no script and loads
nothing from the network (inline stylesheet, inline SVG), so it opens from a file, an e-mail
attachment or a CI artefact.

Charts are SVG drawn by the library itself (:mod:`alignment.report._svg`), not matplotlib: the report
needs no plotting dependency, stays one small file, renders identically everywhere and is
deterministic (a test compares it).  Results objects keep ``_repr_html_`` for notebooks, and
so does the document: :func:`build_report` returns a :class:`Report`, a ``str`` that a notebook
shows as the rendered page.

Examples
--------
>>> from alignment import funnel
>>> from alignment.datasets import synthetic_crm
>>> from alignment.report import build_report
>>> crm = synthetic_crm(2_000, seed=1)
>>> obs = funnel.observe(crm.lead_table(), stages=["created_at", "mql_at", "won_at"])
>>> html = build_report(funnel=obs)
>>> html.startswith("<!DOCTYPE html>")
True
"""

from ._build import build_report, write_report
from ._document import Report

__all__ = ["Report", "build_report", "write_report"]
