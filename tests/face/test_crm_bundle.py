"""Every engine and the report accept a CRMData bundle, with the numbers of the explicit call.

``alignment.score(crm)``, ``alignment.funnel.observe(crm)``, ``alignment.sla.evaluate(sla,
crm)``, ``alignment.closed_loop(crm, by=...)``, ``alignment.build_report(crm)`` and
``alignment.write_report(crm, path)``; the demo and ``build_report(crm)`` share one pipeline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import alignment
from alignment.cli import _main as cli
from alignment.datasets import synthetic_crm
from alignment.errors import ParameterError

WHEN = dt.datetime(2024, 4, 1, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def crm() -> Any:
    return synthetic_crm(700, seed=9)


def same_columns(a: Any, b: Any) -> None:
    assert list(a) == list(b)
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        if x.dtype.kind == "f":
            assert np.array_equal(x, y, equal_nan=True), k
        else:
            assert x.tolist() == y.tolist(), k


def section_ids(html: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)">', html)


# --------------------------------------------------------------------------- engines


def test_score_takes_a_bundle(crm: Any) -> None:
    rules = [{"column": "persona", "equals": "ops_manager", "points": 8}]
    a = alignment.score(crm, fit_rules=rules)
    b = alignment.score(crm.leads, crm.touchpoints, fit_rules=rules)
    same_columns(a.to_frame(backend="dict"), b.to_frame(backend="dict"))
    assert float(np.asarray(a["interest"]).max()) > 0  # the bundle's touches were used


def test_observe_takes_a_bundle_and_its_stages(crm: Any) -> None:
    obs = alignment.funnel.observe(crm)
    ref = alignment.funnel.observe(crm.leads)
    assert obs.stages == ref.stages
    assert np.array_equal(obs.counts, ref.counts)
    trimmed = dataclasses.replace(
        crm, leads={k: v for k, v in crm.leads.items() if k != "opportunity_at"}
    )
    obs2 = alignment.funnel.observe(trimmed)  # the default stages the bundle has
    assert obs2.stages == ("created_at", "mql_at", "sql_at", "won_at")


def test_evaluate_takes_a_bundle(crm: Any) -> None:
    a = alignment.sla.evaluate(crm.sla, crm)
    b = alignment.sla.evaluate(crm.sla, crm.leads, crm.activities, as_of=crm.as_of)
    assert a.summary() == b.summary()
    same_columns(a.periods, b.periods)
    later = alignment.sla.evaluate(crm.sla, crm, as_of="2024-05-01")
    assert later.as_of == np.datetime64("2024-05-01T00:00:00", "us")
    with pytest.raises(ParameterError, match="activities are required"):
        alignment.sla.evaluate(crm.sla, crm.leads, as_of=crm.as_of)
    with pytest.raises(ParameterError, match="as_of is required"):
        alignment.sla.evaluate(crm.sla, crm.leads, crm.activities)
    with pytest.raises(ParameterError, match="as_of is required"):
        alignment.sla.evaluate(crm.sla, dataclasses.replace(crm, as_of=None))


def test_closed_loop_takes_a_bundle(crm: Any) -> None:
    conv = crm.conversions
    deals = {
        "lead_id": conv["lead_id"],
        "amount": conv["revenue"],
        "won": [True] * len(conv["revenue"]),
    }
    a = alignment.closed_loop(crm, by="source", allocate="leads")
    b = alignment.closed_loop.closed_loop(
        crm.leads, deals=deals, costs=crm.costs, by="source", allocate="leads"
    )
    same_columns(a.table, b.table)
    assert a.summary()["revenue"] == pytest.approx(float(conv["revenue"].sum()))
    assert a.summary()["cost"] == pytest.approx(float(crm.costs["cost"].sum()))
    # an empty cost table in a bundle means costs were not exported: not measured
    empty = {k: v[:0] for k, v in crm.costs.items()}
    c = alignment.closed_loop(dataclasses.replace(crm, costs=empty), by="source")
    assert c.not_measured["cost"] == "no costs= given"


# --------------------------------------------------------------------------- report


def test_demo_and_build_report_share_the_analyses() -> None:
    res = cli.run_demo(500, seed=4)
    from_demo = alignment.build_report(**cli.report_inputs(res), generated_at=WHEN)
    from_crm = alignment.build_report(synthetic_crm(500, seed=4), generated_at=WHEN)
    assert str(from_demo) == str(from_crm)
    sections = ["funnel", "attribution", "grid", "sla", "closed-loop", "accounts", "glossary"]
    assert section_ids(from_crm) == sections


def test_write_report_forms(crm: Any, tmp_path: Path) -> None:
    p = alignment.write_report(crm, tmp_path / "crm.html", generated_at=WHEN)
    text = p.read_text(encoding="utf-8")
    assert text == str(alignment.build_report(crm, generated_at=WHEN))
    assert "Costs allocated by leads" in text
    obs = alignment.funnel.observe(crm)
    old = alignment.write_report(tmp_path / "old.html", funnel=obs, generated_at=WHEN)
    kw = alignment.write_report(path=tmp_path / "kw.html", funnel=obs, generated_at=WHEN)
    assert old.read_text(encoding="utf-8") == kw.read_text(encoding="utf-8")
    with pytest.raises(ParameterError, match="path"):
        alignment.write_report(crm)
    with pytest.raises(ParameterError, match="once"):
        alignment.write_report(tmp_path / "a.html", tmp_path / "b.html", funnel=obs)
    with pytest.raises(ParameterError, match="directory does not exist"):
        alignment.write_report(crm, tmp_path / "no" / "r.html")


def test_report_options_of_a_bundle(crm: Any) -> None:
    none = str(alignment.build_report(crm, allocate="none", models=("linear",), generated_at=WHEN))
    assert "no allocation" in none and "(unallocated)" in none
    no_sla = dataclasses.replace(crm, sla=None)
    ids = section_ids(str(alignment.build_report(no_sla, models=("linear",))))
    assert "sla" not in ids
    with_sla = alignment.build_report(no_sla, sla=crm.sla, models=("linear",))
    assert "sla" in section_ids(str(with_sla))
    given = alignment.sla.evaluate(crm.sla, crm)
    page = alignment.build_report(no_sla, sla=given, models=("linear",), generated_at=WHEN)
    assert "sla" in section_ids(str(page))
    with pytest.raises(ParameterError, match="CRMData"):
        alignment.build_report({"leads": {}})


def test_report_of_an_export_without_personas_nor_acceptance(crm: Any) -> None:
    keep = ("lead_id", "created_at", "email", "company", "source", "campaign", "owner",
            "mql_at", "assigned_at", "sql_at", "won_at")  # fmt: skip
    export = dataclasses.replace(
        crm,
        source="custom",
        leads={k: crm.leads[k] for k in keep},
        sla=None,
        personas=[],
    )
    html = str(alignment.build_report(export, models=("linear", "markov"), generated_at=WHEN))
    assert section_ids(html) == ["funnel", "attribution", "closed-loop", "accounts", "glossary"]
    assert "read from custom" in html
    assert "no accepted_at (or sal_at) column" in html  # acceptance n/a, never 0.0%


def test_issue_rows_given_as_positions_read_as_a_tuple_of_ints() -> None:
    """The reader hands an issue its rows as an array of positions (a read names millions of
    rows): they are counted without being made, and read as the same tuple of ints as rows
    given as a tuple; the caller's array is copied, never changed."""
    import pickle

    from alignment._crm import DataIssue, DataIssues

    positions = np.array([2, 5, 9], dtype=np.int64)
    lazy = DataIssue("Lead", "Id", positions, "problem", "action")
    plain = DataIssue("Lead", "Id", (2, 5, 9), "problem", "action")
    assert (
        lazy.n_rows == 3 and "_rows" in vars(lazy) and isinstance(vars(lazy)["_rows"], np.ndarray)
    )
    assert lazy.rows == (2, 5, 9) and all(type(r) is int for r in lazy.rows)
    assert lazy == plain and hash(lazy) == hash(plain) and str(lazy) == str(plain)
    assert dataclasses.asdict(lazy)["rows"] == (2, 5, 9)
    assert pickle.loads(pickle.dumps(DataIssue("T", None, positions, "p", "a"))).rows == (2, 5, 9)
    assert DataIssues([lazy, plain]).n_rows() == 6
    unread = DataIssue("Lead", "Id", positions, "problem", "action")
    positions[0] = 7
    assert positions.flags.writeable and unread.rows == (2, 5, 9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        lazy.rows = (1,)  # type: ignore[misc]


def test_attribute_of_a_bundle_without_deal_contacts() -> None:
    """A bundle read without deal contacts (its deals name no person) is attributed: nothing
    won reaches a person's touches, and a won deal's amount is unattributed, counted."""
    from alignment.cli._inputs import _own_preset

    leads = {"lead_id": np.array(["L1", "L2"], dtype=object), "source": np.array(["web", "ads"], dtype=object),
             "created_at": np.array(["2024-01-01", "2024-01-03"], dtype="datetime64[us]")}  # fmt: skip
    deals = {"deal_id": np.array(["D1"], dtype=object), "amount": np.array([100.0]),
             "created_at": np.array(["2024-01-05"], dtype="datetime64[us]"),
             "closed_at": np.array(["2024-01-09"], dtype="datetime64[us]"), "won": np.array([True])}  # fmt: skip
    for tables in ({"leads": leads}, {"leads": leads, "deals": deals}):
        bundle = alignment.io.read_crm(_own_preset(tables), tables)
        s = alignment.attribute(bundle, model="linear").summary()
        won = float(deals["amount"].sum()) if "deals" in tables else 0.0
        assert (s["converted_revenue"], s["unattributed_revenue"]) == (won, won)
        assert '<section id="attribution">' in alignment.build_report(bundle, models=["linear"])


def text(values: list[Any]) -> np.ndarray:
    """A text column of a hand-made bundle table."""
    return np.array(values, dtype=object)


def times(values: list[Any]) -> np.ndarray:
    """A naive microsecond time column of a hand-made bundle table."""
    return np.array(values, dtype="datetime64[us]")


def _accounts_bundle() -> Any:
    """Persons p1 (account A1), p2 and p3 (no account), each with a touch; won deals D1 (p1,
    50), D2 (p2, 1,000), D3 (p3, 500) and D4 (no contact, 200)."""
    from alignment._crm import empty_tables

    tables = empty_tables()
    tables["leads"] = {
        "lead_id": text(["p1", "p2", "p3"]),
        "created_at": times(["2024-01-01"] * 3),
        "account_id": text(["A1", None, None]),
    }
    tables["touchpoints"] = {
        "lead_id": text(["p1", "p2", "p3"]),
        "timestamp": times(["2024-01-10"] * 3),
        "channel": text(["email", "event", "web"]),
        "campaign": text(["c1", "c2", "c3"]),
    }
    tables["deals"] = {
        "deal_id": text(["D1", "D2", "D3", "D4"]),
        "account_id": text(["A1", None, None, None]),
        "amount": np.array([50.0, 1000.0, 500.0, 200.0]),
        "created_at": times(["2024-02-01"] * 4),
        "closed_at": times(["2024-03-01"] * 4),
        "won": np.ones(4, dtype=bool),
        "stage": text(["Closed Won"] * 4),
    }
    tables["deal_contacts"] = {
        "deal_id": text(["D1", "D2", "D3"]),
        "lead_id": text(["p1", "p2", "p3"]),
        "role": text([None] * 3),
        "is_primary": np.ones(3, dtype=bool),
    }
    return alignment.io.CRMData(**tables)


def test_journeys_keep_the_won_deals_without_a_contact() -> None:
    """A won deal no person is linked to is a journey without touches, as attribute(crm) keeps
    it: its revenue is converted and unattributed, never dropped."""
    crm = _accounts_bundle()
    assert crm.won_without_contact["deal_id"].tolist() == ["D4"]
    assert crm.conversions["deal_id"].tolist() == ["D1", "D2", "D3"]
    journeys = crm.journeys()
    assert journeys.key_column == "deal_id" and float(journeys.revenue.sum()) == 1750.0
    s = alignment.attribute(journeys, model="linear").summary()
    assert s == alignment.attribute(crm, model="linear").summary()
    assert (s["converted_revenue"], s["unattributed_revenue"]) == (1750.0, 200.0)


def test_a_won_deal_no_contact_row_names_is_its_own_leads() -> None:
    """Deal contacts that list some deals only: a deal they do not list is its own lead_id's,
    per deal, in the bundle's conversions, journeys, closed loop and attribute(crm); a deal
    with neither stays without a contact."""
    crm = _accounts_bundle()
    deals = dict(crm.deals, lead_id=text(["p1", "p2", "p3", None]))
    contacts = {k: v[:1] for k, v in crm.deal_contacts.items()}  # D1 only
    crm = dataclasses.replace(crm, deals=deals, deal_contacts=contacts)
    assert crm.conversions["lead_id"].tolist() == ["p1", "p2", "p3"]
    assert crm.won_without_contact["deal_id"].tolist() == ["D4"]
    s = alignment.attribute(crm, model="linear").summary()
    assert s == alignment.attribute(crm.journeys(), model="linear").summary()
    assert (s["attributed_revenue"], s["unattributed_revenue"]) == (1550.0, 200.0)
    loop = alignment.closed_loop(crm, by="account_id").summary()
    assert (loop["revenue"], loop["unallocated_revenue"]) == (1750.0, 200.0)


def test_account_journeys_leave_out_persons_without_an_account() -> None:
    """A missing account is no account: persons without one (their touches and won deals)
    and won deals without a contact are left out of the account journeys, counted in a
    warning; never pooled under an account 'None', never refused."""
    crm = _accounts_bundle()
    with pytest.warns(alignment.errors.AlignmentWarning) as caught:
        journeys = crm.journeys(key="account_id")
    assert np.asarray(journeys.keys).tolist() == ["A1"]
    assert journeys.n_touches == 1 and journeys.revenue.tolist() == [50.0]
    message = str(caught[0].message)
    assert "2 person(s) without 'account_id' (first: 'p2')" in message
    assert "2 touch(es) and 2 won deal(s) (revenue 1,500.00)" in message
    assert "1 won deal(s) with no contact (revenue 200.00)" in message
    assert crm._conversions_by("account_id")["account_id"].tolist() == ["A1"]


def test_a_bundle_without_deal_contacts_credits_won_deals_to_their_own_lead() -> None:
    """Deals that name their person (``lead_id``) in a bundle without deal contacts (a custom
    preset's deals with a person column): the bundle's conversions, journeys and closed loop
    credit them to that person, as attribute(crm) does, not as deals without a contact."""
    from alignment._crm import empty_tables

    tables = empty_tables()
    tables["leads"] = {"lead_id": text(["p1", "p2"]), "created_at": times(["2024-01-01"] * 2),
                       "source": text(["web", "ads"])}  # fmt: skip
    tables["touchpoints"] = {"lead_id": text(["p1", "p2"]), "timestamp": times(["2024-01-10"] * 2),
                             "channel": text(["email", "web"]), "campaign": text(["c1", "c2"])}  # fmt: skip
    tables["deals"] = {"deal_id": text(["D1", "D2", "D3"]), "lead_id": text(["p1", "p2", None]),
                       "amount": np.array([100.0, 40.0, 7.0]),
                       "created_at": times(["2024-02-01"] * 3), "closed_at": times(["2024-03-01"] * 3),
                       "won": np.ones(3, dtype=bool), "stage": text(["Closed Won"] * 3)}  # fmt: skip
    crm = alignment.io.CRMData(**tables)
    assert crm.conversions["deal_id"].tolist() == ["D1", "D2"]
    assert crm.conversions["lead_id"].tolist() == ["p1", "p2"]
    assert crm.won_without_contact["deal_id"].tolist() == ["D3"]
    s = alignment.closed_loop(crm, by="source").summary()
    assert (s["revenue"], s["unallocated_revenue"]) == (147.0, 7.0)
    j = alignment.attribute(crm.journeys(), model="linear").summary()
    assert (j["attributed_revenue"], j["unattributed_revenue"]) == (140.0, 7.0)
