"""Notebook views: rates as percentages, wide tables scroll, the report shows itself."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import alignment
from alignment._display import fmt_value, preview, rate_kinds
from alignment.datasets import synthetic_crm
from alignment.report import Report, build_report, write_report

RATE_COLUMNS = {
    "plan": ["rate"],
    "forecast": ["rate_to_next"],
    "sensitivity": ["rate", "improved_rate"],
    "rep_plan": ["rate"],
    "observed": ["rate", "rate_low", "rate_high"],
    "periods": ["delivered_vs_committed", "first_touch_compliance", "attempts_compliance"],
    "closed_loop": ["acceptance_rate", "sql_rate", "win_rate"],
    "attribution": ["share"],
}


@pytest.fixture(scope="module")
def crm() -> Any:
    return synthetic_crm(n_leads=1_500, seed=4)


@pytest.fixture(scope="module")
def views(crm: Any) -> dict[str, tuple[str, dict[str, np.ndarray]]]:
    """Each result's notebook HTML and its main table as numpy columns (the fractions)."""
    leads = crm.lead_table()
    rates = {"lead": 0.1, "mql": 0.4, "sql": 0.3}
    found: dict[str, Any] = {
        "plan": alignment.funnel.plan(revenue_target=1e6, average_deal_size=1e4, rates=rates),
        "forecast": alignment.funnel.forward(1_000, rates=rates, average_deal_size=1e4),
        "sensitivity": alignment.funnel.sensitivity(
            rates, revenue_target=1e6, average_deal_size=1e4
        ),
        "rep_plan": alignment.funnel.rep_plan(500_000, 10_000, rates=rates),
        "observed": alignment.funnel.observe(leads, stages=["created_at", "mql_at", "won_at"]),
        "periods": alignment.sla.evaluate(crm.sla, leads, crm.activities, as_of=crm.as_of).periods,
        "closed_loop": alignment.closed_loop.closed_loop(leads, deals=crm.deals, by="source"),
        "attribution": alignment.attribute(crm.journeys(), model="linear"),
    }
    out = {}
    for name, result in found.items():
        if name == "attribution":
            frame = result.to_frame(level="channel", backend="dict")
        else:
            frame = result.to_frame(backend="dict")
        out[name] = (result._repr_html_(), {k: np.asarray(v) for k, v in frame.items()})
    return out


def header_and_rows(view: str) -> tuple[list[str], list[list[str]]]:
    """The first table of a view: header texts and the cell texts of each row."""
    first = view.split("<table", 1)[1].split("</table>", 1)[0]
    heads = [html.unescape(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", first)]
    body = first.split("<tbody>", 1)[1]
    rows = [
        [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
        for tr in re.findall(r"<tr>(.*?)</tr>", body)
    ]
    return heads, rows


@pytest.mark.parametrize("name", sorted(RATE_COLUMNS))
def test_rates_show_as_percentages_and_frames_keep_fractions(
    name: str, views: dict[str, tuple[str, dict[str, np.ndarray]]]
) -> None:
    view, frame = views[name]
    heads, rows = header_and_rows(view)
    assert rows
    for column in RATE_COLUMNS[name]:
        shown = [row[heads.index(column.replace("_", " "))] for row in rows]
        fractions = frame[column].astype(float)
        assert np.nanmax(fractions) <= 2.0  # the frame holds fractions, not percentages
        assert all(s.endswith("%") or s == "–" for s in shown), (column, shown)
        assert len(shown) == fractions.size  # every row is shown: compare them all
        assert sorted(shown) == sorted(fmt_value(float(v), "pct") for v in fractions), column


def test_rate_names() -> None:
    names = ["rate", "share", "rate_low", "win_rate", "revenue_share", "accept_compliance",
             "delivered_vs_pace", "revenue", "rated", "shares", "probability", "roi"]  # fmt: skip
    assert sorted(rate_kinds(names)) == sorted(names[:7])


def test_input_tables_are_shown_as_they_are() -> None:
    """A column of the caller's data named like a rate is not reinterpreted."""
    leads = alignment.LeadTable.build(
        {"lead_id": ["a", "b"], "created_at": ["2024-01-01", "2024-01-02"], "win_rate": [38.5, 2]}
    )
    assert "38.50</td>" in leads._repr_html_() and "%</td>" not in leads._repr_html_()
    assert "%</td>" not in preview("t", {"win_rate": np.array([38.5, 2.0])})
    assert "3850.0%" in preview("t", {"win_rate": np.array([38.5, 2.0])}, rates=True)


def test_wide_views_scroll_sideways(views: dict[str, tuple[str, dict[str, np.ndarray]]]) -> None:
    view, frame = views["periods"]
    assert len(frame) > 20  # the SLA period table is wide
    wrapper = re.search(r'<div style="([^"]*)"><div class="scroll"><table', view)
    assert wrapper and "overflow-x: auto" in wrapper.group(1)
    for other, _ in views.values():
        assert "overflow-x: auto" in other


def test_report_shows_itself_and_stays_a_string(crm: Any, tmp_path: Path) -> None:
    observed = alignment.funnel.observe(crm.lead_table(), stages=["created_at", "mql_at"])
    report = build_report(funnel=observed, generated_at=None)
    assert isinstance(report, Report) and isinstance(report, str)
    assert report.startswith("<!DOCTYPE html>") and report.endswith("</html>\n")
    assert type(str(report)) is str and str(report) == report
    assert repr(report) == f"Report(HTML document, {len(report):,} characters)"
    frame = report._repr_html_()
    srcdoc = re.fullmatch(r'<iframe srcdoc="([^"]*)" sandbox="" [^>]*></iframe>', frame)
    assert srcdoc, frame[:200]
    assert html.unescape(srcdoc.group(1)) == report  # the whole page, escaped once
    path = write_report(tmp_path / "r.html", funnel=observed)
    written = path.read_text(encoding="utf-8")
    assert written.startswith("<!DOCTYPE html>") and "<iframe" not in written
