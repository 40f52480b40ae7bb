"""Not measured is not zero: a rate with no data behind it is NaN, and "n/a (reason)" on screen.

Regression tests: acceptance shown as 0.0% with no accept column, SLA accept compliance 100%
with no accept/reject data (auto-accept), zero denominators.  Frames hold NaN; notebooks, the
HTML report and the command line write ``n/a`` with the reason.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

import alignment
from alignment import funnel, sla
from alignment._display import NA, na_caption, not_measured, table
from alignment.cli._text import sla_summary_text, text_table
from alignment.closed_loop import closed_loop
from alignment.datasets import synthetic_crm
from alignment.report import build_report

AGREEMENT = {"sales": {"first_touch": {"within": "1d"}, "accept": {"within": "48h"}}}


def leads(**extra: list[Any]) -> dict[str, list[Any]]:
    base: dict[str, list[Any]] = {
        "lead_id": ["a", "b", "c"],
        "created_at": ["2024-03-01T08:00Z"] * 3,
        "mql_at": ["2024-03-01T09:00Z", "2024-03-01T09:00Z", None],
        "source": ["web", "web", "ads"],
    }
    base.update(extra)
    return base


ACTS = {"lead_id": ["a"], "timestamp": ["2024-03-01T10:00Z"], "kind": ["call"]}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --------------------------------------------------------------------------- the helper


def test_one_spelling() -> None:
    assert not_measured("no MQL") == "n/a (no MQL)" and not_measured() == NA == "n/a"
    assert na_caption({"acceptance_rate": "no MQL", "roi": "no cost"}) == (
        "n/a: acceptance rate: no MQL; roi: no cost."
    )
    assert na_caption({}) == ""


def test_table_writes_na_only_where_missing_and_gives_the_reason() -> None:
    html = table(
        {"k": ["x", "y"], "rate": np.array([0.5, np.nan]), "other": np.array([np.nan, 1.0])},
        kinds={"rate": "pct"},
        na={"rate": "no lead", "absent": "never shown"},
    )
    assert '<td class="num">50.0%</td>' in html and ">n/a<" in html
    assert "n/a: rate: no lead." in html and "never shown" not in html
    assert ">–<" in html  # a column without a reason keeps the dash
    clean = table({"rate": np.array([0.5])}, na={"rate": "no lead"})
    assert "n/a" not in clean  # no missing cell: no note


def test_text_table_writes_na_with_the_reason() -> None:
    out = text_table(
        {"k": ["x", "y"], "rate": [0.25, math.nan]}, pct=("rate",), na={"rate": "no MQL"}
    )
    lines = out.splitlines()  # header, rule, rows
    assert lines[2].split()[-1] == "25.0%" and lines[3].split()[-1] == "n/a"
    assert lines[-1].strip() == "n/a: rate: no MQL."


# --------------------------------------------------------------------------- closed loop


def test_closed_loop_acceptance_not_measured_without_an_accept_column() -> None:
    r = closed_loop(leads(), by="source", required=())
    t = r.table
    assert np.isnan(np.asarray(t["accepted"], float)).all()
    assert np.isnan(np.asarray(t["acceptance_rate"], float)).all()
    assert t["mqls"].tolist() == [0, 2]  # sorted keys: ads, web — measured
    assert "accepted_at" in r.not_measured["acceptance_rate"]
    assert math.isnan(r.summary()["accepted"]) and r.summary()["mqls"] == 2
    html = r._repr_html_()
    assert ">n/a<" in html and "no accepted_at (or sal_at) column" in html
    # with the column, a real 0% is a number
    r2 = closed_loop(leads(sal_at=[None, None, None]), by="source", required=())
    rate = r2.table["acceptance_rate"]
    assert math.isnan(rate[0]) and rate[1] == 0.0  # ads: no MQL (0 of 0); web: 0 of 2


def test_closed_loop_without_costs_has_no_cost_nor_roi() -> None:
    r = closed_loop(leads(), by="source", required=())
    assert np.isnan(np.asarray(r.table["cost"], float)).all()
    assert np.isnan(np.asarray(r.table["roi"], float)).all()
    assert r.not_measured["cost"] == "no costs= given" and math.isnan(r.summary()["cost"])


def test_closed_loop_zero_denominators_have_reasons() -> None:
    r = closed_loop(
        leads(sal_at=[None] * 3, sql_at=[None] * 3), by="source", required=(),
        costs={"source": ["web"], "cost": [0.0]},
    )  # fmt: skip
    ads = {c: r.table[c][0] for c in r.table.columns}
    assert ads["source"] == "ads" and math.isnan(ads["acceptance_rate"])  # no MQL
    assert r.not_measured["acceptance_rate"] == "no MQL"
    assert r.not_measured["sql_rate"] == "no accepted lead"
    assert r.not_measured["roi"].startswith("no deals=")  # revenue not measured: no deals


# --------------------------------------------------------------------------- SLA


def test_sla_accept_not_measured_without_decision_columns() -> None:
    r = sla.evaluate(AGREEMENT, leads(), ACTS, as_of="2024-03-10T00:00Z")
    s = r.summary()
    assert s["accept_met"] == 0 and s["accept_n/a"] == 3  # never auto-accepted
    assert "no accepted_at" in s["accept_not_measured"]
    assert np.isnan(np.asarray(r.periods["accept_compliance"], float)).all()
    assert r.leads["decision"].tolist() == ["n/a"] * 3
    assert r.breaches("accept").n_rows == 0
    assert "no accepted_at" in r.not_measured["accept_compliance"]
    html = r._repr_html_()
    assert ">n/a<" in html and "accept compliance: the leads have no accepted_at" in html
    text = sla_summary_text(r)
    assert "n/a" in text and "accept compliance: the leads have no accepted_at" in text
    page = text_of(build_report(sla=r))
    assert "n/a" in page and "accept/reject met: the leads have no accepted_at" in page


def test_sla_accept_measured_with_a_rejected_column() -> None:
    r = sla.evaluate(AGREEMENT, leads(rejected_at=[None] * 3), ACTS, as_of="2024-03-10T00:00Z")
    assert "accept_not_measured" not in r.summary()
    assert r.summary()["accept_met"] == 2  # two assigned leads, auto-accepted after 48 h


def test_sla_compliance_with_nothing_decided_is_na() -> None:
    r = sla.evaluate(AGREEMENT, leads(), ACTS, as_of="2024-03-01T09:30Z")  # all pending
    assert np.isnan(np.asarray(r.periods["first_touch_compliance"], float)).all()
    assert r.not_measured["first_touch_compliance"].startswith("no lead decided")
    assert "first touch compliance: no lead decided" in sla_summary_text(r)


def test_dask_sla_reports_the_same_not_measured() -> None:
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    dask = pytest.importorskip("dask")
    frame = pd.DataFrame(leads())
    acts = pd.DataFrame(ACTS)
    with dask.config.set(scheduler="synchronous"):
        r = sla.evaluate(
            AGREEMENT,
            dd.from_pandas(frame, npartitions=2),
            dd.from_pandas(acts, npartitions=1),
            as_of="2024-03-10T00:00Z",
        )
    m = sla.evaluate(AGREEMENT, frame, acts, as_of="2024-03-10T00:00Z")
    assert r.summary()["accept_not_measured"] == m.summary()["accept_not_measured"]
    assert r.summary()["accept_n/a"] == m.summary()["accept_n/a"] == 3


# --------------------------------------------------------------------------- funnel, scoring


def test_funnel_step_no_lead_reached_is_na() -> None:
    obs = funnel.observe(
        leads(sql_at=[None] * 3, won_at=[None] * 3),
        stages=["created_at", "mql_at", "sql_at", "won_at"],
    )
    rates = obs.rates()
    assert rates["mql"] == 0.0  # 0 of 2: measured
    assert math.isnan(rates["sql"])  # 0 of 0: not measured
    html = obs._repr_html_()
    assert ">n/a<" in html and "no lead reached the stage it converts from" in html
    page = text_of(build_report(funnel=obs))
    assert "n/a (no SQL) to Won" in page


def test_score_breakdown_share_without_leads_is_nan() -> None:
    r = alignment.score({"lead_id": [], "created_at": []}, scorer="grid")
    shares = np.asarray(r.to_frame("breakdown", backend="dict")["share"], float)
    assert shares.size and np.isnan(shares).all()


def test_demo_text_names_the_cost_allocation() -> None:
    from alignment.cli._main import demo_summary_text, run_demo

    text = demo_summary_text(run_demo(600, seed=1))
    assert "Costs allocated by leads" in text


def test_synthetic_report_has_no_accept_rate_from_nothing() -> None:
    crm = synthetic_crm(400, seed=7)
    trimmed = {k: v for k, v in crm.leads.items() if k not in ("sal_at", "rejected_at")}
    r = closed_loop(trimmed, by="source", required=())
    assert np.isnan(np.asarray(r.table["acceptance_rate"], float)).all()
