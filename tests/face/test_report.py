"""Tests of the HTML report (``alignment.report``) and its SVG charts (the headless-browser
checks are in ``test_report_browser.py``)."""

from __future__ import annotations

import datetime as dt
import math
import re
import xml.etree.ElementTree as ET
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment.cli import _main as cli
from alignment.errors import ParameterError
from alignment.report import _svg, build_report, write_report
from alignment.report._format import model_label

WHEN = dt.datetime(2024, 4, 1, 12, 0, tzinfo=dt.timezone.utc)
VOID = {"meta", "br", "img", "input", "link", "hr", "rect", "circle", "line", "path", "polygon"}


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return cli.run_demo(1_500, seed=2)


@pytest.fixture(scope="module")
def html(demo: dict[str, Any]) -> str:
    return build_report(**cli.report_inputs(demo), generated_at=WHEN)


class _Balance(HTMLParser):
    """Checks that every opened element is closed in order (void and SVG leaf elements aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()


def test_all_sections_and_charts(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    for anchor in ("funnel", "attribution", "grid", "sla", "closed-loop", "glossary"):
        assert f'<section id="{anchor}">' in html
    assert html.count("<svg") >= 6
    # the SLA section has the pace line and the response-time distribution
    assert "pace line" in html and "business hours from assignment to first touch" in html
    # every attribution model appears side by side, under its readable name
    for model in cli.DEMO_MODELS:
        assert f'<th class="num">{model_label(model)} (amount)</th>' in html
    # the grid heat map has 16 cells
    assert html.count('class="cell"') == 16


def test_self_contained(html: str) -> None:
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    # no attribute that would fetch anything; the only URL is the SVG namespace
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", html)
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}


def test_well_formed(html: str) -> None:
    checker = _Balance()
    checker.feed(html)
    checker.close()
    assert not checker.errors, checker.errors[:3]
    assert checker.stack == []
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        ET.fromstring(svg)  # each chart is well-formed XML


def test_deterministic(demo: dict[str, Any], html: str) -> None:
    again = build_report(**cli.report_inputs(demo), generated_at=WHEN)
    assert again == html


def test_numbers_match_the_engines(demo: dict[str, Any], html: str) -> None:
    crm = demo["crm"]
    revenue = float(crm.conversions["revenue"].sum())
    assert f"{revenue:,.0f}" in html
    n_won = int((~np.isnat(crm.leads["won_at"])).sum())
    assert f"{n_won:,}" in html
    cells = demo["cells"]
    i = list(cells["cell"]).index("A1")
    if cells["n"][i]:
        assert f"{100 * cells['rate'][i]:.1f}%" in html


def test_sections_are_optional(demo: dict[str, Any]) -> None:
    only = build_report(funnel=demo["funnel"], generated_at=WHEN)
    assert '<section id="funnel">' in only and '<section id="sla">' not in only
    one = build_report(attribution=demo["attribution"]["linear"], generated_at=WHEN)
    assert '<section id="attribution">' in one
    plan = build_report(plan=demo["plan"])
    assert "Funnel plan" in plan
    sla = build_report(sla=demo["sla"], closed_loop=demo["closed_loop"])
    assert '<section id="sla">' in sla and '<section id="closed-loop">' in sla


def test_bad_arguments(demo: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="at least one"):
        build_report()
    with pytest.raises(ParameterError, match="converted"):
        build_report(scores=demo["scores"])
    with pytest.raises(ParameterError, match="one outcome per scored lead"):
        build_report(scores=demo["scores"], converted=[True, False])
    with pytest.raises(ParameterError, match="empty"):
        build_report(attribution={})
    with pytest.raises(ParameterError, match="directory"):
        write_report(tmp_path / "missing" / "r.html", funnel=demo["funnel"])


def test_write_report(demo: dict[str, Any], tmp_path: Path) -> None:
    p = write_report(tmp_path / "r.html", funnel=demo["funnel"], sla=demo["sla"])
    assert p.read_text(encoding="utf-8").count("<svg") >= 3


def test_write_report_to_a_directory_is_refused_before_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("the report is built only for a path it can be written to")

    monkeypatch.setattr("alignment.report._build.build_report", never)
    with pytest.raises(ParameterError) as info:
        write_report(tmp_path, funnel=None)
    assert f"cannot write {str(tmp_path)!r}: it is a directory; fix: name the file" in str(
        info.value
    )


def test_write_report_to_an_unwritable_path_is_a_typed_error(
    demo: dict[str, Any], tmp_path: Path
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder", encoding="utf-8")
    target = blocker / "r.html"  # its "folder" is a file: the OS refuses to write
    with pytest.raises(ParameterError) as info:
        write_report(target, funnel=demo["funnel"])
    msg = str(info.value)
    assert msg.startswith(f"write_report: cannot write {str(target)!r}: ") and "; fix: " in msg
    assert "Errno" not in msg
    assert isinstance(info.value.__cause__, OSError)


def test_cli_report_out_a_directory_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "dir.html"
    folder.mkdir()
    code = cli.main(["demo", "--leads", "200", "-q", "--out", str(folder)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_ERROR and len(err.strip().splitlines()) == 1, err
    assert "cannot write" in err and "it is a directory" in err and "Errno" not in err


def test_attribution_without_won_revenue_says_why(demo: dict[str, Any]) -> None:
    crm = demo["crm"]
    none = {k: np.asarray(v)[:0] for k, v in crm.conversions.items()}
    res = alignment.attribute(crm.touchpoints, none, model="linear")
    text = build_report(attribution={"linear": res, "first": res}, generated_at=WHEN)
    section = text[text.index('id="attribution"') :]
    section = section[: section.index("</section>")]
    assert "No won revenue to attribute" in section
    assert "<svg" not in section and "<table" not in section  # no chart or table of zeros
    assert "n/a (no won revenue)" in text  # the KPI card: absent with its reason, not 0


def test_text_is_escaped(demo: dict[str, Any]) -> None:
    evil = "<script>alert(1)</script>"
    touches = {
        "lead_id": ["a", "a", "b"],
        "timestamp": np.array(["2024-01-01", "2024-01-02", "2024-01-01"], "datetime64[us]"),
        "channel": [evil, "email", "email"],
    }
    conv = {"lead_id": ["a"], "converted_at": np.array(["2024-01-03"], "datetime64[us]"),
            "revenue": [10.0]}  # fmt: skip
    res = alignment.attribute(touches, conv, model="linear")
    text = build_report(attribution={"linear": res}, title=evil, subtitle="a & b")
    assert evil not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "a &amp; b" in text


# ------------------------------------------------------------------ SVG helpers


@settings(max_examples=60, deadline=None)
@given(
    lo=st.floats(-1e6, 1e6, allow_nan=False),
    width=st.floats(1e-3, 1e6, allow_nan=False),
    n=st.integers(2, 8),
)
def test_nice_ticks_cover_the_range(lo: float, width: float, n: int) -> None:
    hi = lo + width
    ticks = _svg.nice_ticks(lo, hi, n)
    assert ticks[0] <= lo + 1e-9 * max(1.0, abs(lo))
    assert ticks[-1] >= hi - 1e-9 * max(1.0, abs(hi))
    assert bool(np.all(np.diff(ticks) > 0))
    assert len(ticks) <= 4 * n + 3


def test_charts_handle_edge_values() -> None:
    charts = [
        _svg.bar_chart(["a", "b"], [0.0, 0.0], title="zeros"),
        _svg.bar_chart(["a"], [float("nan")], title="nan"),
        _svg.dot_plot(["x", "y"], [("m", [float("nan"), 0.5])], title="dots"),
        _svg.heatmap(["A", "B"], ["1"], [[float("nan")], [0.0]], title="heat"),
        _svg.line_chart([], [("s", [], "solid")], title="empty"),
        _svg.line_chart([0, 1, 2], [("s", [1.0, float("nan"), 3.0], "dashed")], title="gap"),
        _svg.histogram(["a", "b"], [0, 0], title="empty bins"),
    ]
    for svg in charts:
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg")
        coords = re.findall(r'\b(?:x|y|x1|x2|y1|y2|cx|cy|width|height|d)="([^"]*)"', svg)
        assert not any("nan" in c.lower() or "inf" in c.lower() for c in coords), svg


def test_sequential_color_bounds() -> None:
    assert _svg.sequential_color(0.0) == "#f0f6fc"
    assert _svg.sequential_color(1.0) == "#084081"
    assert _svg.sequential_color(float("nan")) == _svg.sequential_color(0.0)
    assert _svg.sequential_color(5.0) == _svg.sequential_color(1.0)
    assert math.isfinite(float(int(_svg.sequential_color(0.5)[1:], 16)))


@pytest.mark.parametrize("variant", ["sales_only", "marketing_only", "split_by_owner"])
def test_sla_variants(variant: str, demo: dict[str, Any]) -> None:
    crm = demo["crm"]
    doc = dict(crm.sla)
    if variant == "sales_only":
        doc.pop("marketing")
    elif variant == "marketing_only":
        doc.pop("sales")
    else:
        doc["marketing"] = dict(doc["marketing"], split_by="owner")
    rep = alignment.sla.evaluate(doc, crm.leads, crm.activities, as_of=crm.as_of)
    text = build_report(sla=rep, generated_at=WHEN)
    assert '<section id="sla">' in text
    assert ("pace line" in text) == (variant != "sales_only")
    for svg in re.findall(r"<svg.*?</svg>", text, flags=re.S):
        ET.fromstring(svg)


def test_segmented_funnel_shows_the_first_segment(demo: dict[str, Any]) -> None:
    crm = demo["crm"]
    seg = alignment.funnel.observe(
        crm.leads, stages=["created_at", "mql_at", "won_at"], by="source"
    )
    text = build_report(funnel=seg, generated_at=WHEN)
    assert text.count('class="bar"') == 3  # one segment: lead, MQL, won


def test_grid_heatmap_counts_match_plain_python(demo: dict[str, Any], html: str) -> None:
    """Twin of the heat map's per-cell counting: 'won/leads' per cell, counted in Python."""
    cells = [str(c) for c in np.asarray(demo["scores"]["cell"]).tolist()]
    won = (~np.isnat(demo["crm"].leads["won_at"])).tolist()
    counts: dict[str, list[int]] = {}
    for c, w in zip(cells, won):
        counts.setdefault(c, [0, 0])
        counts[c][0] += int(w)
        counts[c][1] += 1
    for c, (w, n) in counts.items():
        assert f"<title>{c}: {100 * w / n:.1f}% {w:,}/{n:,}" in html, c


def test_response_histogram_matches_plain_python(demo: dict[str, Any], html: str) -> None:
    """Twin of the response-time binning of the SLA chart."""
    status = demo["sla"].leads.to_frame("dict")
    bins = {"≤ 1 h": 0, "1–4 h": 0, "4–8 h": 0, "8–16 h": 0, "16–40 h": 0, "> 40 h": 0,
            "no touch": 0}  # fmt: skip
    for scope, r in zip(status["in_scope"].tolist(), status["response_business"].tolist()):
        if not scope:
            continue
        if r is None:
            bins["no touch"] += 1
            continue
        h = r.total_seconds() / 3600
        label = ("≤ 1 h" if h <= 1 else "1–4 h" if h <= 4 else "4–8 h" if h <= 8
                 else "8–16 h" if h <= 16 else "16–40 h" if h <= 40 else "> 40 h")  # fmt: skip
        bins[label] += 1
    for label, n in bins.items():
        assert f"<title>{escape(label)}: {_svg._num(float(n))} (" in html, (label, n)
