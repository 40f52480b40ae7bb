"""Conversions from deals: the strict won filter, several won deals per person, deals with
several contacts, CRMData input, the (deal, touch) pair builder and its plain-Python twin."""

from __future__ import annotations

import copy
import dataclasses
import math
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment import DataValidationError, MissingColumnError, ParameterError
from alignment.tables import Journeys
from alignment.tables._deal_journeys import deal_touch_pairs

from ._data import HOUR, T0, make_data

ALL_MODELS = sorted(alignment.attribution_models())
DOCS = Path(__file__).resolve().parents[2] / "docs" / "attribution" / "index.md"
DAY = np.timedelta64(24 * HOUR, "us")


def _run(touches: Any, deals: Any = None, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", alignment.AlignmentWarning)
        return alignment.attribute(touches, deals, **kw)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


# ------------------------------------------------------------------------- worked example (docs)
TOUCHES = {
    "lead_id": ["A", "A", "A", "B", "B", "C", "C"],
    "timestamp": [
        "2024-03-01",
        "2024-03-05",
        "2024-03-20",
        "2024-03-03",
        "2024-03-08",
        "2024-03-02",
        "2024-03-12",
    ],
    "channel": ["email", "webinar", "paid_search", "seo", "email", "social", "email"],
}
DEALS = {
    "deal_id": ["D1", "D2", "D3", "D4", "D5"],
    "closed_at": ["2024-03-10", "2024-03-25", "2024-03-09", "2024-03-30", "2024-03-15"],
    "amount": [1000.0, 300.0, 600.0, 900.0, 200.0],
    "won": [True, True, True, False, True],
}
DEAL_CONTACTS = {
    "deal_id": ["D1", "D2", "D3", "D3", "D4"],
    "lead_id": ["A", "A", "B", "C", "B"],
    "role": ["buyer", "buyer", "champion", "user", "buyer"],
    "is_primary": [True, True, True, False, True],
}


@pytest.mark.parametrize(
    ("reset", "expected"),
    [
        (
            False,
            {"email": 800.0, "paid_search": 100.0, "seo": 200.0, "social": 200.0, "webinar": 600.0},
        ),
        (
            True,
            {"email": 700.0, "paid_search": 300.0, "seo": 200.0, "social": 200.0, "webinar": 500.0},
        ),
    ],
)
def test_docs_worked_example(reset: bool, expected: dict[str, float]) -> None:
    r = _run(TOUCHES, DEALS, deal_contacts=DEAL_CONTACTS, model="linear", reset=reset)
    assert r.totals() == pytest.approx(expected, abs=1e-9)
    assert r.unattributed.keys.tolist() == ["D5"]
    assert r.unattributed.by_reason() == {"no touches": 200.0}
    assert sum(r.totals().values()) + r.unattributed.total == pytest.approx(2100.0)
    f = r.to_frame("touch", backend="dict")
    assert f["deal_id"].size == (9 if not reset else 7)
    # A's email of 03-01 is in D1's and (without reset) D2's journey: credited once per deal
    email_a = (f["lead_id"] == "A") & (f["channel"] == "email")
    assert sorted(f["deal_id"][email_a].tolist()) == (["D1", "D2"] if not reset else ["D1"])
    # C's email after D3's close is in D3's journey, ineligible
    late = (f["lead_id"] == "C") & (f["channel"] == "email")
    assert f["deal_id"][late].tolist() == ["D3"] and not f["eligible"][late].any()
    assert r.summary()["touches"] == 7
    text = DOCS.read_text()
    for channel, value in expected.items():
        assert f"{channel} {value:,.0f}" in text, (channel, value)


def test_docs_section_exists() -> None:
    text = DOCS.read_text()
    assert "## Deals: several per person, several contacts per deal" in text
    assert "won_stages" in text and "reset=True" in text and "deal_contacts" in text


# ------------------------------------------------------------------------- strict won flag
def _deals_export(won: list[Any]) -> dict[str, Any]:
    n = len(won)
    return {
        "deal_id": [f"O{i}" for i in range(n)],
        "lead_id": [f"L{i}" for i in range(n)],
        "Close Date": [f"2024-02-{i + 1:02d}" for i in range(n)],
        "Amount": [100.0 * (i + 1) for i in range(n)],
        "won": won,
    }


def _touches_for(n: int) -> dict[str, Any]:
    return {
        "lead_id": [f"L{i}" for i in range(n)],
        "timestamp": ["2024-01-15"] * n,
        "channel": ["email"] * n,
    }


@pytest.mark.parametrize("bad", ["Closed Lost", "n", "2", None, float("nan"), "won"])
def test_text_won_is_read_strictly(bad: Any) -> None:
    deals = _deals_export(["yes", "no", bad, "TRUE"])
    with pytest.raises(DataValidationError) as err:
        _run(_touches_for(4), deals, converted_at="Close Date", revenue="Amount")
    assert err.value.column == "won" and err.value.table == "conversions"
    assert err.value.rows == [2]
    assert "won_stages" in (err.value.fix or "")


def test_won_flags_in_every_accepted_form_and_overrides_keep_the_filter() -> None:
    forms = ["yes", "No", " TRUE ", "false", 1, 0, True, False]
    deals = _deals_export(forms)
    r = _run(_touches_for(8), deals, converted_at="Close Date", revenue="Amount")
    won_amounts = [100.0 * (i + 1) for i, v in enumerate([1, 0, 1, 0, 1, 0, 1, 0]) if v]
    assert r.converted_revenue == sum(won_amounts) == 1600.0
    assert r.totals() == {"email": 1600.0}
    # the same with booleans: the same numbers
    same = _run(
        _touches_for(8),
        _deals_export([bool(i % 2 == 0) for i in range(8)]),
        converted_at="Close Date",
        revenue="Amount",
    )
    assert same.totals() == r.totals()


def test_deals_with_overrides_never_skip_the_won_filter() -> None:
    # the report: 607,000 attributed instead of the 198,300 won
    deals = {
        "deal_id": ["O1", "O2", "O3", "O4"],
        "lead_id": ["L0", "L1", "L2", "L3"],
        "Close Date": ["2024-02-01"] * 4,
        "Amount": [198_300.0, 250_000.0, 100_000.0, 58_700.0],
        "won": [True, False, False, False],
    }
    r = _run(_touches_for(4), deals, converted_at="Close Date", revenue="Amount")
    assert sum(r.totals().values()) + r.unattributed.total == 198_300.0


def test_stage_without_won_needs_won_stages() -> None:
    deals = _deals_export([True, False])
    deals["stage"] = ["Closed Won", "Closed Lost"]
    del deals["won"]
    with pytest.raises(MissingColumnError) as err:
        _run(_touches_for(2), deals, converted_at="Close Date", revenue="Amount")
    assert "won_stages" in (err.value.fix or "")
    r = _run(
        _touches_for(2),
        deals,
        converted_at="Close Date",
        revenue="Amount",
        won_stages=["closed won"],
    )
    assert r.converted_revenue == 100.0


def test_won_stages_fold_case_and_separators_and_win_over_the_won_flag() -> None:
    deals = _deals_export(["no", "no", "no", "no"])
    deals["stage"] = ["Closed Won", "closed_won", "CLOSED-WON", "Closed Lost"]
    r = _run(
        _touches_for(4),
        deals,
        converted_at="Close Date",
        revenue="Amount",
        won_stages=["Closed Won"],
    )
    assert r.converted_revenue == 100.0 + 200.0 + 300.0


@pytest.mark.parametrize(
    ("won_stages", "error", "match"),
    [
        ("Closed Won", ParameterError, "list of stage names"),
        ([""], ParameterError, "non-empty"),
        (["Won!"], DataValidationError, "none of won_stages"),
    ],
)
def test_bad_won_stages(won_stages: Any, error: type, match: str) -> None:
    deals = _deals_export([True, False])
    deals["stage"] = ["Closed Won", "Closed Lost"]
    with pytest.raises(error, match=match):
        _run(
            _touches_for(2),
            deals,
            converted_at="Close Date",
            revenue="Amount",
            won_stages=won_stages,
        )


def test_won_stages_without_stage_column_and_missing_stage() -> None:
    with pytest.raises(MissingColumnError) as err:
        _run(
            _touches_for(2),
            _deals_export([True, False]),
            won_stages=["Won"],
            converted_at="Close Date",
            revenue="Amount",
        )
    assert err.value.column == "stage"
    deals = _deals_export([True, False])
    deals["stage"] = ["Won", None]
    with pytest.raises(DataValidationError, match="missing stage") as err2:
        _run(
            _touches_for(2), deals, won_stages=["Won"], converted_at="Close Date", revenue="Amount"
        )
    assert err2.value.rows == [1]


def test_reset_must_be_a_bool() -> None:
    with pytest.raises(ParameterError, match="reset"):
        _run(TOUCHES, DEALS, reset="yes")


def test_errors_of_won_rows_name_the_callers_rows() -> None:
    deals = {
        "deal_id": ["O1", "O2", "O3", "O4"],
        "lead_id": ["L0", "L1", "L2", "L3"],
        "closed_at": [None, "2024-02-01", None, "2024-02-03"],  # open deals have no close
        "amount": [10.0, 20.0, 30.0, -5.0],
        "won": [False, True, False, True],
    }
    with pytest.raises(DataValidationError) as err:
        _run(_touches_for(4), deals)
    assert err.value.column == "amount" and err.value.rows == [3]
    deals["amount"][3] = 5.0
    assert _run(_touches_for(4), deals).converted_revenue == 25.0


# ------------------------------------------------------------------------- several per person
def test_one_deal_per_person_keeps_person_journeys() -> None:
    touches, conversions = make_data(3)
    n = conversions["lead_id"].size
    deals = {
        "deal_id": np.array([f"D{i}" for i in range(n)], dtype=object),
        "lead_id": conversions["lead_id"],
        "closed_at": conversions["converted_at"],
        "amount": conversions["revenue"],
        "won": np.ones(n, dtype=bool),
    }
    for model in ("linear", "time_decay", "markov"):
        a = _run(touches, conversions, model=model)
        b = _run(touches, deals, model=model, reset=True)
        assert b.table.key_column == "lead_id"
        assert a.totals() == b.totals()
        assert a.unattributed.keys.tolist() == b.unattributed.keys.tolist()


def test_several_won_deals_without_deal_ids_are_refused() -> None:
    conv = {
        "lead_id": ["A", "A"],
        "converted_at": ["2024-03-10", "2024-03-25"],
        "revenue": [1.0, 2.0],
    }
    with pytest.raises(DataValidationError, match="more than one conversion") as err:
        _run(TOUCHES, conv)
    assert err.value.rows == [0, 1] and "deal_id" in (err.value.fix or "")


def test_duplicate_deal_ids_are_refused() -> None:
    deals = dict(DEALS, deal_id=["D1", "D2", "D3", "D4", "D1"])
    with pytest.raises(DataValidationError, match="duplicate deal id") as err:
        _run(TOUCHES, deals, deal_contacts=DEAL_CONTACTS)
    assert err.value.rows == [0, 4]


def test_deals_table_with_lead_column_and_several_deals_per_person() -> None:
    deals = {
        "deal_id": ["D1", "D2"],
        "lead_id": ["A", "A"],
        "closed_at": ["2024-03-10", "2024-03-25"],
        "amount": [1000.0, 300.0],
        "won": [True, True],
    }
    r = _run(TOUCHES, deals, model="last")
    # D1: webinar (03-05) last; D2: paid_search (03-20) last
    assert r.totals() == {
        "email": 0.0,
        "paid_search": 300.0,
        "seo": 0.0,
        "social": 0.0,
        "webinar": 1000.0,
    }
    # B and C keep one journey each, without a deal id
    assert r.table.keys.tolist() == ["D1", "D2", None, None]


# ------------------------------------------------------------------------- contacts
def test_contact_rows_of_unknown_deals_are_refused() -> None:
    dc = dict(DEAL_CONTACTS, deal_id=["D1", "D2", "D3", "D9", "D4"])
    with pytest.raises(DataValidationError, match="unknown deal") as err:
        _run(TOUCHES, DEALS, deal_contacts=dc)
    assert err.value.table == "deal_contacts" and err.value.rows == [3]


def test_a_person_listed_twice_is_one_contact() -> None:
    dc = {k: [*v, v[2]] for k, v in DEAL_CONTACTS.items()}
    a = _run(TOUCHES, DEALS, deal_contacts=DEAL_CONTACTS)
    b = _run(TOUCHES, DEALS, deal_contacts=dc)
    assert a.totals() == b.totals()


@pytest.mark.parametrize("contacts", [None, "primary", "roles"])
def test_a_deal_no_contact_row_names_is_credited_to_its_own_lead(contacts: Any) -> None:
    # D5 names its lead C but has no row in deal_contacts: its journey is C's (social on 03-02,
    # email on 03-12, before its close on 03-15); D6 names no lead either: no touches
    deals = {k: [*v, "2024-03-15" if k == "closed_at" else v[-1]] for k, v in DEALS.items()}
    deals = dict(deals, deal_id=[*DEALS["deal_id"], "D6"], lead_id=["B", "B", "A", "A", "C", None])
    r = _run(TOUCHES, deals, deal_contacts=DEAL_CONTACTS, contacts=contacts)
    expected = {"email": 900.0, "paid_search": 100.0, "seo": 200.0, "social": 300.0}
    if contacts == "primary":  # (D3: its primary contact B only: seo and email)
        expected.update(email=1000.0, seo=300.0, social=100.0)
    assert r.totals() == {**expected, "webinar": 600.0}
    assert r.unattributed.by_reason() == {"no touches": 200.0}
    assert r.unattributed.keys.tolist() == ["D6"]


def test_a_deal_no_contact_row_names_keeps_its_integer_lead() -> None:
    touches = {"lead_id": [1, 2], "timestamp": ["2024-03-01", "2024-03-02"], "channel": ["a", "b"]}
    deals = {"deal_id": ["D1", "D2"], "lead_id": [1, 2], "closed_at": ["2024-03-10"] * 2,
             "amount": [100.0, 200.0], "won": [True, True]}  # fmt: skip
    r = _run(touches, deals, deal_contacts={"deal_id": ["D1"], "lead_id": [1]})
    assert r.totals() == _run(touches, deals).totals() == {"a": 100.0, "b": 200.0}


@pytest.mark.parametrize("contact_leads, deal_leads", [([1], ["1", "2"]), (["1"], [1, 2])])
@pytest.mark.parametrize("contacts", [None, "roles"])
def test_a_deal_no_contact_row_names_meets_contacts_of_another_key_kind_as_text(
    contact_leads: list[Any], deal_leads: list[Any], contacts: Any
) -> None:
    # integer leads on one side, text on the other: the same journeys as with one kind
    touches = {"lead_id": [1, 2], "timestamp": ["2024-03-01", "2024-03-02"], "channel": ["a", "b"]}
    deals = {"deal_id": ["D1", "D2"], "lead_id": deal_leads, "closed_at": ["2024-03-10"] * 2,
             "amount": [100.0, 200.0], "won": [True, True]}  # fmt: skip
    dc = {"deal_id": ["D1"], "lead_id": contact_leads, "role": ["champion"]}
    same = dict(deals, lead_id=[1, 2])
    want = _run(touches, same, deal_contacts=dict(dc, lead_id=[1]), contacts=contacts)
    r = _run(touches, deals, deal_contacts=dc, contacts=contacts)
    assert r.totals() == want.totals() == {"a": 100.0, "b": 200.0}
    assert r.unattributed.by_reason() == {}


def test_a_deal_no_contact_row_names_with_a_missing_lead_keeps_no_contact() -> None:
    touches = {"lead_id": [1, 2], "timestamp": ["2024-03-01", "2024-03-02"], "channel": ["a", "b"]}
    deals = {"deal_id": ["D1", "D2", "D3"], "lead_id": [1.0, 2.0, np.nan],
             "closed_at": ["2024-03-10"] * 3, "amount": [100.0, 200.0, 50.0],
             "won": [True, True, True]}  # fmt: skip
    r = _run(touches, deals, deal_contacts={"deal_id": ["D1"], "lead_id": ["1"]})
    assert r.totals() == {"a": 100.0, "b": 200.0}
    assert r.unattributed.keys.tolist() == ["D3"]


def test_lead_attributes_of_a_deal_are_its_primary_contacts() -> None:
    leads = {
        "lead_id": ["A", "B", "C"],
        "created_at": ["2024-02-01", "2024-02-02", "2024-02-03"],
        "source": ["ads", "event", "referral"],
    }
    r = _run(TOUCHES, DEALS, deal_contacts=DEAL_CONTACTS, leads=leads)
    # D3 (600) has B as primary; D1 and D2 are A's
    assert r.totals(by="source") == {"ads": 1300.0, "event": 600.0, "referral": 0.0}
    dc = dict(DEAL_CONTACTS, is_primary=[True, True, False, True, True])
    r2 = _run(TOUCHES, DEALS, deal_contacts=dc, leads=leads)
    assert r2.totals(by="source") == {"ads": 1300.0, "event": 0.0, "referral": 600.0}


def test_deal_contacts_need_deals_and_a_prebuilt_table_takes_none() -> None:
    with pytest.raises(ParameterError, match="deals as conversions"):
        _run(TOUCHES, deal_contacts=DEAL_CONTACTS)
    j = Journeys.build(TOUCHES, DEALS, deal_contacts=DEAL_CONTACTS)
    assert j.key_column == "deal_id"
    with pytest.raises(ParameterError, match="prebuilt"):
        _run(j, deal_contacts=DEAL_CONTACTS)
    assert _run(j).totals() == _run(TOUCHES, DEALS, deal_contacts=DEAL_CONTACTS).totals()


# ------------------------------------------------------------------------- CRMData
def test_crm_bundle_gives_the_numbers_of_its_journeys() -> None:
    full = alignment.datasets.synthetic_crm(n_leads=600, seed=4)
    # with its primary contacts only, a bundle's deals are its persons' journeys; with every
    # contact of a deal (the bundle's buying groups), the deal is credited over all of them
    prim = full.deal_contacts["is_primary"]
    crm = dataclasses.replace(
        full, deal_contacts={k: v[prim] for k, v in full.deal_contacts.items()}
    )
    won = float(crm.deals["amount"][crm.deals["won"]].sum())
    for model in ("linear", "w_shaped", "markov"):
        a = _run(crm, model=model)
        b = _run(crm.journeys(), model=model)
        assert a.totals() == pytest.approx(b.totals(), rel=1e-12, abs=1e-9)
        assert _close(a.attributed_revenue + a.unattributed.total, won)
        c = _run(full, model=model)
        assert _close(c.attributed_revenue + c.unattributed.total, won)
    with pytest.raises(ParameterError, match="CRMData"):
        _run(crm, crm.deals)


def test_crm_bundle_with_a_deal_of_two_contacts() -> None:
    crm = alignment.datasets.synthetic_crm(n_leads=600, seed=5)
    dc = crm.deal_contacts
    won_ids = crm.deals["deal_id"][crm.deals["won"]]
    other = crm.deals["lead_id"][~crm.deals["won"]][0]  # a person with touches, not a buyer
    extra = {
        "deal_id": np.append(dc["deal_id"], won_ids[0]),
        "lead_id": np.append(dc["lead_id"], other),
        "role": np.append(dc["role"], "user"),
        "is_primary": np.append(dc["is_primary"], False),
    }
    crm2 = dataclasses.replace(crm, deal_contacts=extra)
    for model in ALL_MODELS:
        r = _run(crm2, model=model)
        assert r.table.key_column == "deal_id"
        won = float(crm.deals["amount"][crm.deals["won"]].sum())
        assert _close(r.attributed_revenue + r.unattributed.total, won)


# ------------------------------------------------------------------------- pair builder twin
def _twin_pairs(
    keys: list[int], times: list[int], close: list[int], pairs: list[tuple[int, int]], reset: bool
) -> list[tuple[int, int]]:
    """Plain-Python (deal, touch) pairs, straight from the definition."""
    deals_of: dict[int, list[int]] = defaultdict(list)
    for d, k in pairs:
        deals_of[k].append(d)
    out = []
    for k, ds in deals_of.items():
        last = max(ds, key=lambda e: (close[e], e))
        for d in ds:
            earlier = [close[e] for e in ds if close[e] < close[d]]
            prev = max(earlier) if earlier else None
            for i in range(len(keys)):
                if keys[i] != k:
                    continue
                t = times[i]
                if t <= close[d] and (not reset or prev is None or t > prev):
                    out.append((d, i))
                elif d == last and t > close[d]:
                    out.append((d, i))
    return sorted(out)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 30)), max_size=25),
    st.lists(st.integers(0, 30), min_size=0, max_size=6),
    st.data(),
    st.booleans(),
)
def test_pair_builder_matches_its_twin(
    touches: list[tuple[int, int]], close: list[int], data: Any, reset: bool
) -> None:
    n_keys = 5
    cand = [(d, k) for d in range(len(close)) for k in range(n_keys)]
    pairs = data.draw(st.lists(st.sampled_from(cand), unique=True) if cand else st.just([]))
    keys = [k for k, _ in touches]
    times = [t for _, t in touches]
    touch, deal = deal_touch_pairs(
        np.array(keys, dtype=np.int64),
        T0 + np.array(times, dtype=np.int64) * DAY,
        n_keys,
        T0 + np.array(close, dtype=np.int64) * DAY,
        np.array([d for d, _ in pairs], dtype=np.int64),
        np.array([k for _, k in pairs], dtype=np.int64),
        reset=reset,
    )
    got = sorted(zip(deal.tolist(), touch.tolist()))
    assert got == _twin_pairs(keys, times, close, pairs, reset)


# ------------------------------------------------------------------------- properties
@st.composite
def crm_tables(draw: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    n_people = draw(st.integers(1, 5))
    n_touch = draw(st.integers(0, 14))
    slots = draw(st.lists(st.integers(0, 400), min_size=n_touch, max_size=n_touch, unique=True))
    touches = {
        "lead_id": np.array(
            [f"P{draw(st.integers(0, n_people - 1))}" for _ in range(n_touch)], dtype=object
        ),
        "timestamp": T0 + np.array(slots, dtype=np.int64) * (DAY // 10),
        "channel": np.array(
            [draw(st.sampled_from(["direct", "email", "seo", "social"])) for _ in range(n_touch)],
            dtype=object,
        ),
    }
    n_deal = draw(st.integers(1, 5))
    deals = {
        "deal_id": np.array([f"D{i}" for i in range(n_deal)], dtype=object),
        "closed_at": T0
        + np.array([draw(st.integers(0, 40)) for _ in range(n_deal)], dtype=np.int64) * DAY,
        "amount": np.array([float(draw(st.integers(0, 1000))) for _ in range(n_deal)]),
        "won": np.array(
            [draw(st.sampled_from(["yes", "no", "true"])) for _ in range(n_deal)], dtype=object
        ),
    }
    rows = draw(
        st.lists(
            st.tuples(st.integers(0, n_deal - 1), st.integers(0, n_people - 1), st.booleans()),
            max_size=8,
        )
    )
    contacts = {
        "deal_id": np.array([f"D{d}" for d, _, _ in rows], dtype=object),
        "lead_id": np.array([f"P{p}" for _, p, _ in rows], dtype=object),
        "is_primary": np.array([b for _, _, b in rows], dtype=bool),
    }
    return touches, deals, contacts


def _permuted(table: dict[str, Any], seed: int) -> dict[str, Any]:
    n = next(iter(table.values())).size
    perm = np.random.default_rng(seed).permutation(n)
    return {k: v[perm] for k, v in table.items()}


@settings(max_examples=60, deadline=None)
@given(crm_tables(), st.sampled_from(ALL_MODELS), st.booleans(), st.integers(0, 10**6))
def test_conservation_order_and_no_mutation(
    tables: tuple[dict[str, Any], ...], model: str, reset: bool, seed: int
) -> None:
    touches, deals, contacts = tables
    before = copy.deepcopy(tables)
    r = _run(touches, deals, deal_contacts=contacts, model=model, reset=reset)
    won = np.isin(deals["won"], ["yes", "true"])
    expected = float(deals["amount"][won].sum())
    assert _close(r.attributed_revenue + r.unattributed.total, expected)
    assert _close(r.converted_revenue, expected)
    assert sorted(r.unattributed.keys.tolist()) == r.unattributed.keys.tolist()
    for a, b in zip(tables, before):
        for k in a:
            assert np.array_equal(a[k], b[k]) and a[k].flags.writeable
    p = _run(
        _permuted(touches, seed),
        _permuted(deals, seed + 1),
        deal_contacts=_permuted(contacts, seed + 2),
        model=model,
        reset=reset,
    )
    assert p.totals() == pytest.approx(r.totals(), rel=1e-9, abs=1e-9)
    assert p.unattributed.keys.tolist() == r.unattributed.keys.tolist()
    assert p.unattributed.reason.tolist() == r.unattributed.reason.tolist()


# ------------------------------------------------------------------------- Dask
def test_dask_refuses_deal_keyed_journeys_and_reads_won_strictly() -> None:
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    dask = pytest.importorskip("dask")
    touches = pd.DataFrame(TOUCHES)
    touches["timestamp"] = pd.to_datetime(touches["timestamp"], utc=True)
    deals = pd.DataFrame(
        {
            "deal_id": ["D1", "D2", "D3"],
            "lead_id": ["A", "A", "B"],
            "closed_at": pd.to_datetime(["2024-03-10", "2024-03-25", "2024-03-09"], utc=True),
            "amount": [1000.0, 300.0, 600.0],
            "won": ["yes", "yes", "no"],
        }
    )
    td, ddeals = dd.from_pandas(touches, npartitions=2), dd.from_pandas(deals, npartitions=2)
    with dask.config.set(scheduler="synchronous"):
        with pytest.raises(ParameterError, match="not supported on Dask yet"):
            alignment.attribute(td, ddeals, model="linear").totals()
        with pytest.raises(ParameterError, match="not supported on Dask yet"):
            alignment.attribute(td, ddeals, deal_contacts=DEAL_CONTACTS)
        one = deals[deals["deal_id"] != "D2"]
        got = alignment.attribute(td, dd.from_pandas(one, npartitions=2), model="linear")
        want = alignment.attribute(touches, one, model="linear")
        assert got.totals() == pytest.approx(want.totals())
        assert got.converted_revenue == want.converted_revenue == 1000.0


@pytest.mark.parametrize("reset", [False, True])
def test_channel_cost_counts_each_touch_once_on_deal_journeys(reset: bool) -> None:
    """A touch before two won deals sits in both deals' journeys; its cost is the cost of one
    touch: email 10, webinar 100, paid search 40, whatever the model credits."""
    touches = {
        "lead_id": ["A", "A", "A"],
        "timestamp": ["2024-03-01Z", "2024-03-05Z", "2024-03-20Z"],
        "channel": ["email", "webinar", "paid_search"],
        "cost": [10.0, 100.0, 40.0],
    }
    deals = {
        "deal_id": ["D1", "D2"],
        "lead_id": ["A", "A"],
        "closed_at": ["2024-03-10Z", "2024-03-25Z"],
        "amount": [1000.0, 300.0],
        "won": [True, True],
    }
    res = alignment.attribute(touches, deals, model="linear", reset=reset)
    table = res.to_frame(level="channel", backend="dict")
    got = dict(zip(table["channel"].tolist(), table["cost"].tolist()))
    assert got == {"email": 10.0, "webinar": 100.0, "paid_search": 40.0}
    revenue = dict(zip(table["channel"].tolist(), table["revenue"].tolist()))
    roi = dict(zip(table["channel"].tolist(), table["roi"].tolist()))
    assert roi["email"] == pytest.approx((revenue["email"] - 10.0) / 10.0)


def test_channel_cost_of_a_bundle_is_the_cost_of_its_touches() -> None:
    """``attribute(crm)`` keys journeys by deal; the channels' cost adds up to the touches'."""
    from alignment.datasets import synthetic_crm

    crm = synthetic_crm(2000, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = alignment.attribute(crm, model="linear")
        table = res.to_frame(level="channel", backend="dict")
    touch_cost = np.nansum(np.asarray(crm.touchpoints["cost"], dtype=np.float64))
    assert float(np.sum(table["cost"])) == pytest.approx(touch_cost, rel=1e-12)
