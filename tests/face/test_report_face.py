"""What both teams read on the report page: counts, currency, labels, terms, units, periods.

One test (or more) per finding of the review in a browser: breach leads counted once, the
currency, a glossary and readable stage names, the SLA's terms next to their results, business
hours named, ROI written one way, the per-source roll-up with its hidden rows in the total, the
attribution chart (colour-blind-safe palette, one-column legend, readable labels, axis title),
whole customers in the plan with its period, the grid's cut-offs, the pro-rated delivery KPI,
duplicate groups listed once, tables in sideways-scrolling wrappers, and every figure labelled
with its unit and period.  The numbers are checked against the engines' own tables.
"""

from __future__ import annotations

import dataclasses
import html as _html
import math
import re
from typing import Any

import numpy as np
import pytest

import alignment
from alignment.errors import ParameterError
from alignment.report import _svg as S
from alignment.report import build_report
from alignment.report._analyse import analyse, report_inputs
from alignment.report._format import human, model_label
from alignment.report._quality import duplicate_groups

PERIOD = "2024-01-01 → 2024-03-31"


@pytest.fixture(scope="module")
def res() -> dict[str, Any]:
    return analyse(alignment.synthetic_crm(1200, seed=0))


@pytest.fixture(scope="module")
def page(res: dict[str, Any]) -> str:
    return build_report(**report_inputs(res))


def section(page: str, name: str) -> str:
    m = re.search(rf'<section id="{name}">(.*?)</section>', page, flags=re.S)
    assert m is not None, name
    return m.group(1)


def text(fragment: str) -> str:
    """The visible text of an HTML fragment (tags dropped, entities decoded)."""
    return _html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


def card(page: str, label: str) -> tuple[str, str]:
    m = re.search(
        rf'<div class="k">{re.escape(label)}</div><div class="v">(.*?)</div>'
        r'<div class="s">(.*?)</div>',
        page,
    )
    assert m is not None, label
    return _html.unescape(m.group(1)), _html.unescape(m.group(2))


def table_after(fragment: str, heading: str) -> list[list[str]]:
    """The cells of the first table after ``heading`` (header row first)."""
    part = fragment.split(heading, 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", part, flags=re.S)
    return [[text(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)] for r in rows]


# ----------------------------------------------------------------------------- SLA


def test_breach_card_counts_leads_once(res: dict[str, Any], page: str) -> None:
    breaches = res["sla"].breaches.to_frame(backend="dict")
    ids = [str(i) for i in breaches["lead_id"]]
    assert len(set(ids)) < len(ids)  # some leads breach twice: the count must see it
    value, note = card(page, "leads with an SLA breach")
    assert value == f"{len(set(ids)):,}"
    assert f"{len(ids):,} breaches in all" in note


def test_sla_terms_are_stated_next_to_their_results(res: dict[str, Any], page: str) -> None:
    doc = res["crm"].sla
    sla = text(section(page, "sla"))
    q = doc["marketing"]["qualified_leads"]
    assert f"{q:,} qualified leads per month" in sla
    assert "first touch within 1 business day (= 8 business hours) of assignment" in sla
    assert "at least 5 attempts within 10 days of assignment" in sla
    assert "within 48 hours of assignment" in sla
    assert "business hours Mon–Fri 09:00–17:00 UTC, 3 holidays off" in sla
    s = res["sla"].summary()
    for name in ("first_touch", "attempts", "accept"):
        met, br = s[f"{name}_met"], s[f"{name}_breached"]
        assert f"{100 * met / (met + br):.0f}% met: {met:,} met, {br:,} breached" in sla


def test_response_times_are_business_hours(res: dict[str, Any], page: str) -> None:
    sla = section(page, "sla")
    assert " min<" not in sla  # no unit switching: hours, named in the header
    rows = table_after(sla, "<h3>Sales: time to first touch")
    header = rows[0]
    assert "median response (business hours)" in header
    assert "p90 response (business hours)" in header
    per = res["sla"].to_frame("periods", backend="dict")
    resp = np.asarray(per["response_median"]).astype("timedelta64[s]")
    med = np.where(np.isnat(resp), np.nan, resp.astype(np.int64) / 3600)
    col = header.index("median response (business hours)")
    starts = np.asarray(per["period_start"])
    counted = np.asarray(per["leads_assigned"]) > 0  # (a period starting at as_of: if counted)
    as_of = np.datetime64(res["crm"].as_of, "D")  # (the calendar is UTC: local dates are UTC)
    started = (starts < as_of) | ((starts == as_of) & counted)
    want = ["n/a" if np.isnan(h) else f"{h:.1f}" for h in med[started]]
    assert [r[col] for r in rows[1:]] == want


@pytest.mark.parametrize("as_of", ["2024-03-16T12:00", "2024-04-01"])
def test_delivery_kpi_prorates_the_running_period(res: dict[str, Any], as_of: str) -> None:
    crm = res["crm"]
    rep = alignment.sla.evaluate(crm.sla, crm.leads, crm.activities, as_of=as_of)
    value, note = card(build_report(sla=rep), "marketing delivery")
    per = rep.to_frame("periods", backend="dict")
    when = np.datetime64(as_of, "us")
    delivered = target = 0.0
    for start, end, d, c, pace in zip(
        per["period_start"], per["period_end"], per["delivered"], per["committed"],
        per["pace_to_date"],
    ):  # fmt: skip
        if np.datetime64(start, "us") >= when:
            continue  # not started, or at as_of with nothing delivered yet (UTC calendar)
        delivered += d
        target += pace if np.datetime64(end, "us") > when else c
    assert value == f"{100 * delivered / target:.0f}%"
    assert f"{delivered:,.0f} of {target:,.0f} qualified leads" in note
    # at 2024-04-01 00:00 April starts with nothing in it: not shown, March is complete
    assert ("pro-rated" in note) == (as_of != "2024-04-01")


def _local_sla(tz: str, leads: dict[str, list[str]], as_of: str) -> Any:
    """An SLA report on ``tz``'s calendar: 1,000 qualified leads a month, first touch in a day."""
    sla = {
        "calendar": {"tz": tz},
        "marketing": {"qualified_leads": 1000, "period": "M"},
        "sales": {"first_touch": {"within": "1d", "business_time": True}},
    }
    stages = {k: leads["at"] for k in ("created_at", "mql_at", "assigned_at")}
    none: dict[str, list[str]] = {"lead_id": [], "timestamp": [], "kind": []}
    return alignment.sla.evaluate(sla, {"lead_id": leads["id"], **stages}, none, as_of=as_of)


def test_a_period_started_in_the_calendars_zone_is_shown() -> None:
    # 2024-03-31T20:00Z is 1 April 09:00 in Auckland: April has started there, with the 3
    # leads delivered on its first morning (local); March is over
    at = ["2024-03-31T11:30Z", "2024-03-31T12:00Z", "2024-03-31T19:00Z", "2024-03-10T00:00Z"]
    rep = _local_sla("Pacific/Auckland", {"id": list("abcd"), "at": at}, "2024-03-31T20:00Z")
    sla = section(build_report(sla=rep), "sla")
    rows = table_after(sla, "<h3>Marketing: qualified leads delivered against")
    header = rows[0]
    got = {r[0]: r[header.index("delivered (qualified)")] for r in rows[1:]}
    assert got == {"2024-03-01": "1", "2024-04-01": "3"}
    pace = float(rep.periods["pace_to_date"][1])  # 9 hours of April's 30 days
    _, note = card(build_report(sla=rep), "marketing delivery")
    assert f"4 of {1000 + pace:,.0f} qualified leads" in note
    assert "2024-03-01 → 2024-04-01, the running period's target pro-rated" in note


def test_a_period_starting_at_as_of_is_shown_only_with_a_lead_in_it() -> None:
    # as_of is April's first instant: a lead delivered at as_of is counted (as_of included),
    # so April is shown; with nothing in it, April (no time elapsed) is not shown as 0%
    def months(at: list[str]) -> dict[str, str]:
        rep = _local_sla("UTC", {"id": [f"l{i}" for i in range(len(at))], "at": at}, AS_OF)
        rows = table_after(
            section(build_report(sla=rep), "sla"), "<h3>Marketing: qualified leads delivered"
        )
        return {r[0]: r[rows[0].index("delivered (qualified)")] for r in rows[1:]}

    AS_OF = "2024-04-01T00:00Z"
    assert months(["2024-03-10T00:00Z", AS_OF]) == {"2024-03-01": "1", "2024-04-01": "1"}
    assert months(["2024-03-10T00:00Z"]) == {"2024-03-01": "1"}


def test_a_period_running_in_the_calendars_zone_is_pro_rated() -> None:
    # 2024-04-01T02:00Z is 31 March 22:00 in New York: March is still running there, so its
    # target is the pace to date (997.3 of 1,000), not the whole commitment
    rep = _local_sla(
        "America/New_York", {"id": ["x"], "at": ["2024-03-10T15:00Z"]}, "2024-04-01T02:00Z"
    )
    pace = float(rep.periods["pace_to_date"][0])
    assert 990 < pace < 1000
    _, note = card(build_report(sla=rep), "marketing delivery")
    assert f"1 of {pace:,.0f} qualified leads" in note
    assert "2024-03-01 → 2024-03-31, the running period's target pro-rated" in note


# ----------------------------------------------------------------------------- currency


def test_currency_symbol_on_cards_and_in_headers(res: dict[str, Any]) -> None:
    page = build_report(**{**report_inputs(res), "currency": "$"})
    revenue = float(res["crm"].conversions["revenue"].sum())
    assert card(page, "won revenue")[0] == f"${revenue:,.0f}"
    attribution = section(page, "attribution")
    assert f'<th class="num">{model_label("linear")} ($)</th>' in attribution
    assert "(amount)" not in page
    plan = text(section(page, "funnel"))
    assert re.search(r"Plan for .*: \$[\d,]+ revenue at \$[\d,]+ per deal", plan)


def test_currency_defaults_to_the_bundle_and_else_reads_amount(res: dict[str, Any]) -> None:
    crm = dataclasses.replace(alignment.synthetic_crm(400, seed=1), currency="EUR")
    eur = build_report(crm)
    value, _ = card(eur, "won revenue")
    assert value.startswith("EUR\u00a0")
    assert "revenue (EUR)" in text(section(eur, "closed-loop"))
    plain = build_report(**report_inputs(res))  # the synthetic data names no currency
    assert card(plain, "won revenue (amount)")[0][0].isdigit()
    assert "revenue (amount)" in text(section(plain, "closed-loop"))
    assert "pass currency= to label them" in text(plain)


@pytest.mark.parametrize(
    "currency",
    [3, "", {"symbol": ""}, {"symbol": "$", "decimals": 9}, {"symbol": "$", "decimals": True},
     {"symbol": "$", "position": "middle"}, {"sym": "$"}, "far too long a code"],
)  # fmt: skip
def test_bad_currency_is_a_parameter_error(res: dict[str, Any], currency: Any) -> None:
    with pytest.raises(ParameterError, match="currency"):
        build_report(funnel=res["funnel"], currency=currency)


# ----------------------------------------------------------------------------- labels


def test_readable_stages_and_a_glossary(page: str) -> None:
    funnel = section(page, "funnel")
    rows = table_after(funnel, "<table")
    assert [r[:2] for r in rows[1:]] == [
        ["Lead", "MQL"], ["MQL", "SAL"], ["SAL", "SQL"], ["SQL", "Opportunity"],
        ["Opportunity", "Won"],
    ]  # fmt: skip
    assert ">mql<" not in page and ">sql<" not in page
    glossary = section(page, "glossary")
    terms = re.findall(r"<dt>(.*?)</dt>", glossary)
    for term in ("Lead", "MQL", "SAL", "SQL", "Opportunity", "Won", "Pace line",
                 "Business hours", "Breach", "ROI"):  # fmt: skip
        assert term in terms
    for model in ("first", "last", "linear", "time_decay", "position_based", "w_shaped",
                  "markov", "shapley"):  # fmt: skip
        assert f"{model_label(model)} attribution" in terms
    assert "half_life=&#x27;7d&#x27;" in glossary  # the settings each model ran with


def test_glossary_lists_only_the_sections_shown(res: dict[str, Any]) -> None:
    only_funnel = section(build_report(funnel=res["funnel"]), "glossary")
    assert "<dt>MQL</dt>" in only_funnel
    assert "Pace line" not in only_funnel and "attribution</dt>" not in only_funnel


def test_attribution_chart_is_colour_blind_safe_and_labelled(page: str) -> None:
    svg = re.search(r"<svg.*?</svg>", section(page, "attribution"), flags=re.S)
    assert svg is not None
    chart = svg.group(0)
    fills = set(re.findall(r'class="dot" fill="(#[0-9A-Fa-f]{6})"', chart))
    assert fills == set(S.PALETTE)  # eight models: the eight Okabe–Ito colours
    legend = re.findall(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*class="legend">(.*?)</text>', chart)
    assert [name for _, _, name in legend] == [model_label(m) for m in (
        "first", "last", "linear", "time_decay", "position_based", "w_shaped", "markov",
        "shapley")]  # fmt: skip
    assert len({x for x, _, _ in legend}) == 1  # one column: it never wraps
    assert len({y for _, y, _ in legend}) == len(legend)
    assert "Organic search" in chart and "organic_search" not in chart
    assert "share of the won revenue each model credits (%)" in chart
    assert f"by model, {PERIOD}" in text(chart)


def test_human_labels() -> None:
    assert human("organic_search") == "Organic search"
    assert human("seo_blog") == "SEO blog"
    assert human("(unallocated)") == "(unallocated)"
    assert model_label("w_shaped") == "W-shaped" and model_label("my_model") == "My model"


# ----------------------------------------------------------------------------- plan and grid


def test_plan_whole_customers_and_period(res: dict[str, Any], page: str) -> None:
    plan = res["plan"]
    funnel = text(section(page, "funnel"))
    m = re.search(r"Plan for (the next quarter \(3 monthly periods from 2024-04-01\)): "
                  r".* = ([\d,]+) customers", funnel)  # fmt: skip
    assert m is not None, funnel[:400]
    assert int(m.group(2).replace(",", "")) == math.ceil(float(plan.customers))
    assert not re.search(r"\d\.\d+ customers", funnel)
    rows = table_after(section(page, "funnel"), "<h3>Plan")
    required = plan.to_frame(backend="dict")["required"]
    assert rows[0][2:] == ["required in all (rounded up)", "per period, ÷ 3 (rounded up)"]
    assert [r[2] for r in rows[1:]] == [f"{math.ceil(v):,}" for v in required]
    assert [r[3] for r in rows[1:]] == [f"{math.ceil(v / 3):,}" for v in required]


def test_grid_cutoffs_are_shown(page: str) -> None:
    grid = text(section(page, "grid"))
    assert "A ≥ 30 · B 20 to < 30 · C 10 to < 20 · D < 10 fit points" in grid
    assert "1 ≥ 200 · 2 120 to < 200 · 3 60 to < 120 · 4 < 60 interest points" in grid
    assert "core persona: +15" in grid and "free-mail address: -5" in grid


# ----------------------------------------------------------------------------- closed loop


def test_roi_is_one_percentage(res: dict[str, Any], page: str) -> None:
    cl = section(page, "closed-loop")
    assert not re.search(r"\d×", text(cl))  # no "12.10×" multiple
    assert "ROI = (revenue − cost) ÷ cost, as a percentage" in text(cl)
    s = res["closed_loop"].summary()
    rows = table_after(cl, "<h3>By source</h3>")
    total = rows[-1]
    assert total[0] == "total"
    roi = total[rows[0].index("ROI (%)")]
    assert roi == f"{100 * (s['revenue'] - s['cost']) / s['cost']:,.0f}%"


def test_per_source_rollup_and_hidden_rows(res: dict[str, Any], page: str) -> None:
    cl = section(page, "closed-loop")
    t = res["closed_loop"].to_frame(backend="dict")
    by_source: dict[str, list[float]] = {}
    for src, leads, rev in zip(t["source"], t["leads"], t["revenue"]):
        acc = by_source.setdefault(human(src), [0, 0.0])
        acc[0] += int(leads)
        acc[1] += float(rev)
    rows = table_after(cl, "<h3>By source</h3>")
    header, body = rows[0], rows[1:-1]
    got = {r[0]: (int(r[header.index("leads")].replace(",", "")),
                  r[header.index("revenue (amount)")]) for r in body}  # fmt: skip
    assert got == {k: (v[0], f"{v[1]:,.0f}") for k, v in by_source.items()}
    assert rows[-1][header.index("leads")] == f"{res['crm'].n_leads:,}"
    keyed = sum(note is None for note in t["note"])
    assert keyed > 40
    assert (
        f"The top 40 of {keyed:,} source × campaign keys by revenue; {keyed - 40:,} more are "
        "not shown, and the total row includes them."
    ) in text(cl)
    detail = table_after(cl, "<h3>By source × campaign</h3>")
    assert detail[-1] == [*rows[-1][:1], "", *rows[-1][1:], ""]  # the same total row


def duplicate_groups_twin(pairs: list[tuple[str, str, str]]) -> dict[frozenset[str], set[str]]:
    """Plain-Python union-find: each group of connected leads → the rules that matched."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b, _ in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, set[str]] = {}
    rules: dict[str, set[str]] = {}
    for a, b, rule in pairs:
        groups.setdefault(find(a), set()).update((a, b))
        rules.setdefault(find(a), set()).add(rule)
    return {frozenset(g): rules[root] for root, g in groups.items()}


def test_duplicates_are_listed_once_per_group(res: dict[str, Any], page: str) -> None:
    dup = res["closed_loop"].to_frame("duplicates", backend="dict")
    pairs = list(zip(map(str, dup["lead_id"]), map(str, dup["duplicate_of"]), dup["rule"]))
    assert len({a for a, _, _ in pairs}) < len(pairs)  # some leads match on both rules
    groups = duplicate_groups({k: np.asarray(v) for k, v in dup.items()})
    got = {
        frozenset([*k.split(", "), *d.split(", ")]): set(r.split(" and "))
        for k, d, r in zip(groups["kept"], groups["duplicates"], groups["rules"])
    }
    assert got == duplicate_groups_twin(pairs)
    assert int(groups["n_duplicates"].sum()) == res["closed_loop"].summary()["n_duplicates"]
    shown = table_after(section(page, "closed-loop"), "<b>Duplicates")
    listed = [i for row in shown[1:] for i in row[1].split(", ")]
    assert len(listed) == len(set(listed))  # no duplicate lead twice
    assert "email and name+company" in {row[3] for row in shown[1:]}


# ----------------------------------------------------------------------------- layout and labels


def test_tables_sit_in_scrolling_wrappers_with_wrapping_headers(page: str) -> None:
    assert page.count('<table class="data">') == page.count(
        '<div class="scroll"><table class="data">'
    )
    css = page.split("<style>", 1)[1].split("</style>", 1)[0]
    assert ".scroll{overflow-x:auto" in css
    assert re.search(r"table\.data th\{[^}]*white-space:normal", css)


def test_every_figure_names_its_unit_and_period(page: str) -> None:
    charts = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    headings = [" ".join(re.findall(r'<text [^>]*class="heading">(.*?)</text>', c)) for c in charts]
    assert len(headings) == 6 and all(headings)
    for h in headings:
        assert re.search(r"\(count\)|%|business hours", _html.unescape(h)), h
        assert re.search(r"\d{4}-\d{2}-\d{2}", _html.unescape(h)), h  # dates of the data
    for name in ("funnel", "attribution", "grid", "closed-loop"):
        title = re.search(r"<h2>(.*?)</h2>", section(page, name))
        assert title is not None and PERIOD in _html.unescape(title.group(1))
    sla = section(page, "sla")
    assert sla.count('class="axis-title"') == 4  # both charts name both axes
    assert card(page, "leads")[1] == f"entered the funnel, {PERIOD}"
