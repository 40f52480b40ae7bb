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
from alignment.report._format import human, model_label

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


# ------------------------------------------------------------------ the caller's arguments


def _section(text: str, name: str) -> str:
    body = text[text.index(f'<section id="{name}">') :]
    return body[: body.index("</section>")]


def _body_rows(html: str) -> list[list[str]]:
    """The rows of the first table body of ``html``, as cell texts."""
    block = html[html.index("<tbody>") : html.index("</tbody>")]
    return [re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in re.findall(r"<tr.*?</tr>", block)]


@pytest.mark.parametrize("kind", ["text", "nan", "instants"])
def test_converted_is_read_as_the_api_reads_it(demo: dict[str, Any], kind: str) -> None:
    """Text, NaN and instants are refused as scores.conversion() refuses them: never read as
    won (np.asarray(..., dtype=bool) made every one of them True)."""
    scores = demo["scores"]
    won = alignment.report._analyse.won_leads(demo["crm"])  # (the scores are in its order)
    converted = {
        "text": np.where(won, "yes", "no").astype(object),
        "nan": np.where(won, 1.0, np.nan),
        "instants": np.where(won, np.datetime64("2024-02-01", "us"), np.datetime64("NaT", "us")),
    }[kind]
    with pytest.raises(alignment.DataValidationError) as api:
        scores.conversion(converted, by="action")
    with pytest.raises(alignment.DataValidationError) as report:
        build_report(scores=scores, converted=converted, generated_at=WHEN)
    assert str(report.value) == str(api.value) and report.value.column == "converted"


def test_bundle_outcomes_follow_the_scores_ids() -> None:
    """Scores of the bundle's leads in another row order are given each lead's own outcome."""
    crm = alignment.datasets.synthetic_crm(600, seed=0)
    leads = {k: np.asarray(v) for k, v in crm.leads.items()}
    order = np.argsort(leads["lead_id"])[::-1]
    shuffled = {k: v[order] for k, v in leads.items()}
    analyses = alignment.report._analyse
    scores = alignment.score(shuffled, crm.touchpoints, scorer="grid",
                             fit_rules=list(analyses.STANDARD_FIT_RULES), **analyses.STANDARD_GRID)  # fmt: skip
    api = scores.conversion(~np.isnat(shuffled["won_at"]), by="action")
    want = {str(a): (int(n), int(w)) for a, n, w in zip(api["action"], api["leads"], api["won"])}
    page = build_report(crm, scores=scores, models=["linear"], generated_at=WHEN)
    actions = _body_rows(page[page.index("<h3>Actions") :])
    got = {r[0]: (int(r[1].replace(",", "")), int(r[3])) for r in actions}
    assert got == {human(a): counts for a, counts in want.items()}
    foreign = alignment.score(
        {**shuffled, "lead_id": np.array([f"X{i}" for i in range(order.size)], dtype=object)},
        scorer="grid", fit_rules=list(analyses.STANDARD_FIT_RULES), **analyses.STANDARD_GRID,
    )  # fmt: skip
    with pytest.raises(alignment.DataValidationError, match="not among the bundle's leads"):
        build_report(crm, scores=foreign, models=["linear"], generated_at=WHEN)


def test_channel_shares_are_of_the_won_revenue() -> None:
    """With unattributed revenue the chart's shares stay shares of the won revenue (20%, not
    the 100% of the credited revenue) and the caption says the remainder is unattributed."""
    touches = {"lead_id": ["a", "a", "b", "c"],
               "timestamp": np.array(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-20"],
                                     dtype="datetime64[s]"),
               "channel": ["email", "web", "email", "web"]}  # fmt: skip
    conv = {"lead_id": ["a", "b", "c"], "converted_at": np.array(["2024-01-10"] * 3, "datetime64[s]"),
            "revenue": [100.0, 100.0, 800.0]}  # fmt: skip
    res = alignment.attribute(touches, conv, model="first_touch")
    section = _section(build_report(attribution={"first_touch": res}, generated_at=WHEN),
                       "attribution")  # fmt: skip
    assert "Email · First touch: 20%" in section and "Email · First touch: 100%" not in section
    assert "100% less its unattributed share" in section


@pytest.mark.parametrize("rows", [-1, 2.5, "5", None, True])
def test_closed_loop_rows_is_a_non_negative_integer(demo: dict[str, Any], rows: Any) -> None:
    with pytest.raises(ParameterError, match="closed_loop_rows must be a non-negative integer"):
        build_report(closed_loop=demo["closed_loop"], closed_loop_rows=rows)
    page = build_report(closed_loop=demo["closed_loop"], closed_loop_rows=np.int64(3))
    assert "The top 3 of" in page


def test_generated_at_is_written_in_utc() -> None:
    obs = alignment.funnel.observe(
        alignment.datasets.synthetic_crm(100, seed=0).lead_table(), stages=["created_at", "mql_at"]
    )
    at_plus_5 = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    for when in (at_plus_5, "2024-01-01T09:00+02:00", np.datetime64("2024-01-01T07:00")):
        assert "on 2024-01-01 07:00 UTC." in build_report(funnel=obs, generated_at=when)
    with pytest.warns(alignment.AlignmentWarning, match="naive .* read as UTC"):
        page = build_report(funnel=obs, generated_at=dt.datetime(2024, 1, 1, 7, 0))
    assert "on 2024-01-01 07:00 UTC." in page
    with pytest.raises(ParameterError, match="generated_at"):
        build_report(funnel=obs, generated_at="soon")


def test_a_wrong_kind_of_argument_names_the_parameter(demo: dict[str, Any]) -> None:
    res = demo["attribution"]["linear"]
    cases = [
        (dict(attribution="linear"), "attribution= takes an AttributionResult"),
        (dict(attribution=[res]), "attribution= takes an AttributionResult"),
        (dict(attribution={"linear": "x"}), "its entry 'linear' is str"),
        (dict(funnel="x"), "funnel= takes a FunnelObservation"),
        (dict(plan=res), "plan= takes a Plan"),
        (dict(sla=demo["crm"].sla), "sla= takes an SLAReport .* only with a bundle"),
        (dict(closed_loop=res), "closed_loop= takes a ClosedLoopReport"),
        (dict(scores=res, converted=[True]), "scores= takes a ScoreResult"),
        (dict(accounts=[], attribution=res), "accounts= takes a mapping"),
        (dict(accounts={"deals": None}, attribution=res), "unknown part"),
        (dict(accounts={"mql": demo["sla"]}, attribution=res), r"accounts\['mql'\] takes"),
    ]
    for kwargs, needle in cases:
        with pytest.raises(ParameterError, match=needle):
            build_report(**kwargs)
    with pytest.raises(ParameterError, match=r"models= takes a sequence .* models=\['linear'\]"):
        build_report(demo["crm"], models="linear")


def test_bundle_attribution_equals_attribute_of_the_bundle() -> None:
    """The report credits the bundle's won deals as alignment.attribute(crm) does."""
    crm = alignment.datasets.synthetic_crm(3000, seed=4)
    api = alignment.attribute(crm, model="linear").totals(by="channel")
    page = build_report(crm, models=["linear"], generated_at=WHEN)
    got = {r[0]: r[1] for r in _body_rows(_section(page, "attribution")) if r[0] != "total"}
    assert got == {human(c): f"{v:,.0f}" for c, v in api.items()}


def test_every_models_bundle_attribution_equals_attribute_of_the_bundle() -> None:
    """The deal journeys are built once and credited by every model: each model's numbers,
    and the closed loop's time-decay credit, are those of alignment.attribute(crm)."""
    from alignment.report._analyse import analyse

    crm = alignment.datasets.synthetic_crm(2000, seed=5)
    models = ["first_touch", "linear", "w_shaped", "markov", "shapley"]
    res = analyse(crm, models=models)
    for m in models:
        api = alignment.attribute(crm, model=m)
        got = res["attribution"][m]
        assert got.totals() == pytest.approx(api.totals(), rel=1e-12, abs=1e-9), m
        assert got.unattributed.total == api.unattributed.total, m
        assert got.summary()["converted_revenue"] == api.summary()["converted_revenue"], m


def test_distinct_channels_keep_distinct_labels() -> None:
    touches = {"lead_id": ["a", "b", "c", "d"],
               "timestamp": np.array(["2024-01-01"] * 4, dtype="datetime64[s]"),
               "channel": ["paid_search", "paid-search", "paid search", "organic_search"]}  # fmt: skip
    conv = {"lead_id": ["a", "b", "c", "d"],
            "converted_at": np.array(["2024-01-10"] * 4, dtype="datetime64[s]"),
            "revenue": [100.0, 200.0, 300.0, 400.0]}  # fmt: skip
    with pytest.warns(alignment.AlignmentWarning, match="spellings"):  # (counted apart)
        res = alignment.attribute(touches, conv, model="linear")
    body = _section(build_report(attribution={"linear": res}, generated_at=WHEN), "attribution")
    labels = [r[0] for r in _body_rows(body)]
    assert sorted(labels) == [
        "Organic search",
        "paid search",
        "paid-search",
        "paid_search",
        "total",
    ]
    assert "Paid search" not in body  # (the chart's labels too)
