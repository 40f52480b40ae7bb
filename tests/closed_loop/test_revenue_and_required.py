"""closed_loop: a text revenue column is read strictly (as attribute() reads one), a won lead
without revenue is reported (never counted as 0), and required= takes one name or a list."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from alignment.closed_loop import closed_loop
from alignment.errors import (
    AlignmentWarning,
    DataValidationError,
    MissingColumnError,
    ParameterError,
)

LEADS: dict[str, list[Any]] = {
    "lead_id": ["a", "b", "c"],
    "created_at": ["2024-01-01Z"] * 3,
    "campaign": ["c1", "c1", "c2"],
    "won_at": ["2024-01-05Z", None, "2024-01-05Z"],
    "email": ["a@x.com", "b@y.com", None],
}


def _revenue(report: Any) -> list[float]:
    return [float(v) for v in report.table.to_frame(backend="dict")["revenue"]]


@pytest.mark.parametrize("text", [["10", "0", "5"], ["10.00", None, "$5"]])
def test_text_revenue_is_read_as_numbers(text: list[Any]) -> None:
    number = closed_loop({**LEADS, "revenue": [10.0, 0.0, 5.0]}, by="campaign")
    read = closed_loop({**LEADS, "revenue": text}, by="campaign")
    assert _revenue(read) == _revenue(number) == [10.0, 5.0]
    assert read.summary["revenue"] == 15.0
    assert "revenue" not in read.not_measured


def test_thousands_separators_are_read() -> None:
    report = closed_loop({**LEADS, "revenue": ["12,500.00", None, "3,150"]}, by="campaign")
    assert _revenue(report) == [12_500.0, 3_150.0]


def test_text_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(DataValidationError) as info:
        closed_loop({**LEADS, "revenue": ["10", "oops", "5"]}, by="campaign")
    err = info.value
    assert (err.table, err.column, err.rows, err.value) == ("leads", "revenue", [1], "oops")
    assert err.fix


def test_negative_text_revenue_is_refused() -> None:
    with pytest.raises(DataValidationError, match="negative revenue") as info:
        closed_loop({**LEADS, "revenue": ["10", "0", "-5"]}, by="campaign")
    assert info.value.rows == [2]


@pytest.mark.parametrize("missing", [float("nan"), None])
def test_won_lead_without_revenue_is_reported_not_zero(missing: Any) -> None:
    report = closed_loop({**LEADS, "revenue": [missing, 0.0, 5.0]}, by="campaign")
    c1, c2 = _revenue(report)
    assert math.isnan(c1)  # lead "a" is won and has no revenue: c1's total is unknown
    assert c2 == 5.0
    assert math.isnan(report.summary["revenue"])
    why = report.not_measured["revenue"]
    assert "1 won lead(s) have no revenue value" in why and "'a'" in why


def test_missing_revenue_of_a_lead_not_won_is_no_revenue() -> None:
    report = closed_loop({**LEADS, "revenue": [10.0, None, 5.0]}, by="campaign")
    assert _revenue(report) == [10.0, 5.0]
    assert "revenue" not in report.not_measured


def test_revenue_of_a_lead_not_won_is_left_out_with_a_warning() -> None:
    # lead "b" is not won (no won_at); its value (an open opportunity's amount) is no revenue
    costs = {"campaign": ["c1"], "cost": [10.0]}
    with pytest.warns(AlignmentWarning, match="1 lead\\(s\\) that are not won") as seen:
        report = closed_loop({**LEADS, "revenue": [10.0, 50.0, 5.0]}, costs=costs, by="campaign")
    assert "total 50.00" in str(seen[0].message) and "'b'" in str(seen[0].message)
    assert _revenue(report) == [10.0, 5.0]
    assert report.summary["revenue"] == 15.0
    assert report.table.to_frame(backend="dict")["roi"][0] == 0.0


def test_revenue_column_without_won_at_is_the_won_revenue() -> None:
    leads = {k: v for k, v in LEADS.items() if k != "won_at"}
    report = closed_loop({**leads, "revenue": [10.0, 50.0, 5.0]}, by="campaign")
    assert _revenue(report) == [60.0, 5.0]


def test_required_as_one_string_is_one_field() -> None:
    one = closed_loop(LEADS, by="campaign", required="email")
    listed = closed_loop(LEADS, by="campaign", required=("email",))
    assert one.summary["n_incomplete"] == listed.summary["n_incomplete"] == 1
    assert one.summary["absent_required_columns"] == ()
    inc = one.incomplete.to_frame(backend="dict")
    assert list(inc["field"]) == ["email"] and list(inc["lead_id"]) == ["c"]
    arr = closed_loop(LEADS, by="campaign", required=np.array(["email", "phone"]))
    assert arr.summary["absent_required_columns"] == ("phone",)


@pytest.mark.parametrize("bad", [5, None, {"email": 1}, ["email", 3], [""], b"email"])
def test_required_of_another_type_is_refused(bad: Any) -> None:
    with pytest.raises(ParameterError, match="required") as info:
        closed_loop(LEADS, by="campaign", required=bad)
    assert "closed_loop" in str(info.value)


@pytest.mark.parametrize(
    "bad", [None, 1, {"source": 1}, ["campaign", 3], [""], b"campaign", np.array("campaign")]
)
def test_by_of_another_type_is_refused(bad: Any) -> None:
    # (None and 1 raised a raw TypeError from tuple(by))
    with pytest.raises(ParameterError, match="by") as info:
        closed_loop(LEADS, by=bad)
    assert "closed_loop" in str(info.value)


def test_deal_amount_too_large_for_a_float() -> None:
    deals = {"lead_id": ["a"], "amount": [10**400], "won": [True]}
    with pytest.raises(DataValidationError, match="too large for a float") as info:
        closed_loop(LEADS, deals=deals, by="campaign")
    assert (info.value.table, info.value.column, info.value.rows) == ("deals", "amount", [0])


def test_cost_too_large_for_a_float() -> None:
    with pytest.raises(DataValidationError, match="too large for a float") as info:
        closed_loop(LEADS, costs={"campaign": ["c1"], "cost": [10**400]}, by="campaign")
    assert (info.value.table, info.value.column, info.value.value) == ("costs", "cost", 10**400)


def test_a_lead_won_without_a_won_deal_has_no_revenue_not_zero() -> None:
    """With deals=, a lead the leads call won (won_at) but no won deal prices: its key's revenue
    is NaN with the reason, as a won lead without a revenue value is."""
    leads = {
        "lead_id": ["a", "c"],
        "created_at": ["2024-01-01Z"] * 2,
        "source": ["web", "ads"],
        "won_at": [None, "2024-02-01Z"],
    }
    report = closed_loop(
        leads, deals={"lead_id": ["a"], "amount": [70.0], "won": [True]}, by="source"
    )
    table = report.to_frame(backend="dict")
    got = dict(zip(table["source"].tolist(), table["revenue"].tolist()))
    assert got["web"] == 70.0 and math.isnan(got["ads"])
    reason = report.not_measured["revenue"]
    assert "no won deal in deals=" in reason and "'c'" in reason


def test_an_open_or_lost_deal_may_have_no_amount_a_won_one_may_not() -> None:
    leads = {"lead_id": ["a", "b"], "created_at": ["2024-01-01Z"] * 2, "source": ["web", "ads"]}
    deals = {"lead_id": ["a", "b"], "amount": [100.0, None], "won": [True, False]}
    table = closed_loop(leads, deals=deals, by="source").to_frame(backend="dict")
    assert dict(zip(table["source"].tolist(), table["revenue"].tolist())) == {
        "web": 100.0,
        "ads": 0.0,
    }
    with pytest.raises(DataValidationError, match="won deal without an amount") as err:
        closed_loop(leads, deals={**deals, "won": [False, True]}, by="source")
    assert (err.value.table, err.value.column, err.value.rows) == ("deals", "amount", [1])


def test_deals_without_a_required_column_are_told_to_rename_it() -> None:
    # (no parameter names the deals' columns: "pass its name" would point nowhere)
    with pytest.raises(MissingColumnError) as e:
        closed_loop(LEADS, deals={"lead_id": ["a"], "amount": [5.0]}, by="campaign")
    assert e.value.column == "won" and e.value.table == "deals"
    assert e.value.fix == "rename the column (the names of this table's columns are fixed)"


def test_costs_without_their_cost_column_name_the_keyword() -> None:
    with pytest.raises(MissingColumnError) as e:
        closed_loop(LEADS, costs={"campaign": ["x"], "spend": [5.0]}, by="campaign")
    assert (e.value.column, e.value.table) == ("cost", "costs")
    assert e.value.fix == "rename the column or name yours with cost_column='your_column'"


def _bundle(
    deals: dict[str, list[Any]],
    contacts: list[tuple[str, str, bool]],
    won_at: tuple[str | None, ...] = ("2024-03-01", "2024-03-01", None),
) -> Any:
    """Leads a (web), b (ads), c (ads) won at ``won_at``; the won ``deals`` (deal_id, amount)
    and their ``contacts`` (deal, lead, primary)."""
    from alignment._crm import empty_tables
    from alignment.io import CRMData

    def text(values: list[Any]) -> np.ndarray:
        return np.array(values, dtype=object)

    def times(values: list[Any]) -> np.ndarray:
        return np.array(values, dtype="datetime64[us]")

    tables = empty_tables()
    tables["leads"] = {
        "lead_id": text(["a", "b", "c"]),
        "created_at": times(["2024-01-01"] * 3),
        "won_at": times(list(won_at)),
        "source": text(["web", "ads", "ads"]),
    }
    n = len(deals["deal_id"])
    tables["deals"] = {
        "deal_id": text(deals["deal_id"]),
        "account_id": text([None] * n),
        "amount": np.array(deals["amount"], dtype=np.float64),
        "created_at": times(["2024-02-01"] * n),
        "closed_at": times(["2024-03-01"] * n),
        "won": np.ones(n, dtype=bool),
        "stage": text(["Closed Won"] * n),
    }
    tables["deal_contacts"] = {
        "deal_id": text([d for d, _, _ in contacts]),
        "lead_id": text([lead for _, lead, _ in contacts]),
        "role": text([None] * len(contacts)),
        "is_primary": np.array([p for _, _, p in contacts], dtype=bool),
    }
    return CRMData(**tables)


def test_a_bundles_other_contacts_of_a_won_deal_are_won_with_revenue_0() -> None:
    # D1's amount is its primary contact a's; b, also on D1 and won by its stage, has revenue
    # 0 (never NaN: its won deal is known); c, on D1 but not won by its stage, stays not won
    crm = _bundle({"deal_id": ["D1"], "amount": [1000.0]}, [("D1", "a", True), ("D1", "b", False), ("D1", "c", False)])  # fmt: skip
    report = closed_loop(crm, by="source")
    table = report.to_frame(backend="dict")
    assert table["source"].tolist() == ["ads", "web"]
    assert table["won"].tolist() == [1, 1] and _revenue(report) == [0.0, 1000.0]
    assert report.summary["revenue"] == 1000.0 and "revenue" not in report.not_measured


def test_a_bundles_won_deals_without_a_contact_are_on_an_unallocated_row() -> None:
    # D2 and D3 (1,500) name no person: their revenue is no lead's, never lost
    deals = {"deal_id": ["D1", "D2", "D3"], "amount": [200.0, 1000.0, 500.0]}
    crm = _bundle(deals, [("D1", "b", True)], won_at=(None, "2024-03-01", None))
    report = closed_loop(crm, by="source")
    table = report.to_frame(backend="dict")
    assert table["source"].tolist() == ["ads", "web", "(unallocated)"]
    assert _revenue(report) == [200.0, 0.0, 1500.0] and table["leads"].tolist() == [2, 1, 0]
    assert table["note"][2] == "revenue of won deals with no contact (no lead to credit)"
    assert report.summary["revenue"] == 1700.0 and report.summary["unallocated_revenue"] == 1500.0
    assert "revenue" not in report.not_measured and math.isnan(table["roi"][2])
    # the same bundle with its deals given: the revenue is the deals' (nothing unallocated)
    given = closed_loop(
        crm, deals={"lead_id": ["b"], "amount": [200.0], "won": [True]}, by="source"
    )
    assert given.summary["revenue"] == 200.0 and given.summary["unallocated_revenue"] == 0.0
