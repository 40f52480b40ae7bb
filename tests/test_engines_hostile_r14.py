"""Hostile inputs to the engines: rejection reasons that are not text, or not there, and
amounts whose total is beyond a float."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest

from alignment import SLA
from alignment.closed_loop import closed_loop
from alignment.errors import DataValidationError, MissingColumnError, ModelValidationError
from alignment.sla import evaluate

REJECTED = "2024-01-03T00:00Z"
LEADS: dict[str, list[Any]] = {
    "lead_id": ["a", "b", "c", "d"],
    "created_at": ["2024-01-01T00:00Z"] * 4,
    "mql_at": ["2024-01-02T00:00Z"] * 4,
    "rejected_at": [REJECTED, REJECTED, None, REJECTED],
    "campaign": ["c1", "c1", "c2", "c2"],
}
AGREEMENT = SLA.from_dict({"sales": {"accept": {"within": "48h"}}})


def _reasons(report: Any) -> list[tuple[str, str, int]]:
    rr = report.rejection_reasons
    return sorted(zip(rr["campaign"].tolist(), rr["reason"].tolist(), rr["count"].tolist()))


# ------------------------------------------------------------------ closed loop: reasons


def test_an_empty_reason_column_read_as_floats_counts_rejections_as_missing() -> None:
    # an empty column of a CSV export comes out of pandas as float64 NaN: the rejected
    # leads have no reason, as with a column of None, and are not dropped from the table
    leads = pd.DataFrame({**LEADS, "rejection_reason": [np.nan] * 4})
    as_text = closed_loop({**LEADS, "rejection_reason": [None] * 4}, by="campaign")
    got = _reasons(closed_loop(leads, by="campaign"))
    assert got == _reasons(as_text) == [("c1", "(missing)", 2), ("c2", "(missing)", 1)]


def test_without_a_reason_column_every_rejected_lead_is_counted_as_missing() -> None:
    report = closed_loop(LEADS, by="campaign")
    assert _reasons(report) == [("c1", "(missing)", 2), ("c2", "(missing)", 1)]
    assert sum(report.rejection_reasons["count"]) == report.summary["rejected"] == 3


@pytest.mark.parametrize("codes", [[1, 2, None, None], [True, None, None, False]])
def test_reason_codes_that_are_numbers_or_flags_are_refused(codes: list[Any]) -> None:
    with pytest.raises(DataValidationError, match="rejection_reason") as info:
        closed_loop({**LEADS, "rejection_reason": codes}, by="campaign")
    assert info.value.rows is not None and list(info.value.rows)[:1] == [0]


# ------------------------------------------------------------------ SLA: reasons


def test_sla_reason_codes_that_are_numbers_are_refused_not_read_as_missing() -> None:
    leads = {**LEADS, "rejection_reason": [1, 2, None, None]}
    before = copy.deepcopy(leads)
    with pytest.raises(DataValidationError, match="rejection_reason") as info:
        evaluate(AGREEMENT, leads, {"lead_id": [], "timestamp": []}, as_of="2024-01-10T00:00Z")
    assert list(info.value.rows or [])[:2] == [0, 1]
    assert info.value.value == 1 and type(info.value.value) is int  # (as given, not 1.0)
    assert leads == before


def test_sla_an_empty_reason_column_read_as_floats_is_missing_reasons() -> None:
    leads = pd.DataFrame({**LEADS, "rejection_reason": [np.nan] * 4})
    report = evaluate(AGREEMENT, leads, {"lead_id": [], "timestamp": []}, as_of="2024-01-10T00:00Z")
    assert report.leads["accept_status"].tolist() == ["breached", "breached", "met", "breached"]
    reasons = report.breaches("accept").to_frame(backend="dict")["reason"].tolist()
    assert reasons == ["missing_reason"] * 3


# ------------------------------------------------------------------ closed loop: huge amounts


def test_won_deal_amounts_adding_up_beyond_a_float_are_refused() -> None:
    deals = {"lead_id": ["d", "a", "a"], "amount": [5.0, 1e308, 1e308], "won": [True, True, True]}
    with pytest.raises(DataValidationError, match="beyond the largest float") as info:
        closed_loop(LEADS, deals=deals, by="campaign")
    assert info.value.column == "amount" and list(info.value.rows or []) == [2]


def test_lost_deals_do_not_count_towards_the_total() -> None:
    deals = {"lead_id": ["d", "a", "a"], "amount": [5.0, 1e308, 1e308], "won": [True, False, True]}
    table = closed_loop(LEADS, deals=deals, by="campaign").table.to_frame(backend="dict")
    assert table["revenue"].tolist() == [1e308, 5.0]


def test_revenue_column_and_costs_adding_up_beyond_a_float_are_refused() -> None:
    leads = {**LEADS, "won_at": [REJECTED] * 4, "revenue": [1e308, None, 1e308, 1.0]}
    with pytest.raises(DataValidationError, match="beyond the largest float") as info:
        closed_loop(leads, by="campaign")
    assert info.value.column == "revenue" and list(info.value.rows or []) == [2, 3]
    costs = {"campaign": ["c1", "c2"], "cost": [1e308, 1e308]}
    with pytest.raises(DataValidationError, match="beyond the largest float"):
        closed_loop(LEADS, costs=costs, by="campaign")
    near = closed_loop(
        LEADS, costs={"campaign": ["c1", "c2"], "cost": [1e307, 1e307]}, by="campaign"
    )
    assert near.summary["cost"] == 2e307


# ------------------------------------------------------------------ SLA: the agreement


@pytest.mark.parametrize("split", [{"ann": 3, "bob": 3}, {"ann": 8, "bob": 3}])
def test_a_split_not_adding_up_to_the_commitment_is_refused(split: dict[str, int]) -> None:
    # the daily series commits qualified_leads, the period rows the split: they must agree
    doc = {"qualified_leads": 10, "period": "M", "split_by": "owner", "split": split}
    with pytest.raises(ModelValidationError, match="split commitments sum to"):
        SLA.from_dict({"marketing": doc})
    ok = SLA.from_dict({"marketing": {**doc, "split": {"ann": 7, "bob": 3}}})
    assert ok.marketing is not None and ok.marketing.split == {"ann": 7, "bob": 3}


@pytest.mark.parametrize("commitment", ["first_touch", "attempts"])
def test_an_empty_list_of_kinds_is_refused(commitment: str) -> None:
    # no activity could count: every lead would be breached (omit kinds for every kind)
    doc: dict[str, Any] = {"within": "1d", "kinds": []}
    if commitment == "attempts":
        doc["minimum"] = 1
    with pytest.raises(ModelValidationError, match="kinds is empty"):
        SLA.from_dict({"sales": {commitment: doc}})
    kept = SLA.from_dict({"sales": {commitment: {**doc, "kinds": ["Call"]}}}).to_dict()
    assert kept["sales"][commitment]["kinds"] == ["Call"]


# ------------------------------------------------------------------ flags are no numbers


def _delivered(quality: dict[str, Any], **cols: list[Any]) -> tuple[list[int], list[int]]:
    sla = SLA.from_dict({"marketing": {"qualified_leads": 4, "quality": quality}})
    report = evaluate(sla, {**LEADS, **cols}, {"lead_id": [], "timestamp": []}, as_of=REJECTED)
    periods = report.periods.to_frame(backend="dict")
    return periods["delivered"].tolist(), periods["delivered_unqualified"].tolist()


def test_a_score_column_of_flags_is_refused_by_the_quality_gate() -> None:
    assert _delivered({"min_score": 50}, score=[60, np.nan, 40, 50]) == ([2], [2])
    with pytest.raises(DataValidationError, match="score") as info:
        _delivered({"min_score": 50}, score=[True, False, None, True])
    assert list(info.value.rows or []) == [0, 1, 3]


def test_a_score_column_of_text_is_named_as_text_not_as_missing() -> None:
    with pytest.raises(DataValidationError, match="holds text") as info:
        _delivered({"min_score": 50}, score=["high", None, "low", "60"])
    e = info.value
    assert not isinstance(e, MissingColumnError)
    assert (e.column, list(e.rows or []), e.value) == ("score", [0, 2, 3], "high")


@pytest.mark.parametrize("bound", [float("nan"), float("inf"), float("-inf")])
def test_a_minimum_score_that_is_not_finite_is_refused(bound: float) -> None:
    with pytest.raises(ModelValidationError, match="min_score must be a finite number"):
        SLA.from_dict({"marketing": {"qualified_leads": 4, "quality": {"min_score": bound}}})


def test_a_revenue_column_of_flags_is_refused_not_read_as_1_and_0() -> None:
    leads = {**LEADS, "won_at": [REJECTED, None, None, REJECTED]}
    got = closed_loop({**leads, "revenue": [7.0, None, None, 3.0]}, by="campaign")
    assert got.table.to_frame(backend="dict")["revenue"].tolist() == [7.0, 3.0]
    for flags in ([True, None, None, False], pd.Series([True, False, False, True])):
        frame = pd.DataFrame({**leads, "revenue": flags})
        with pytest.raises(DataValidationError, match="revenue") as info:
            closed_loop(frame, by="campaign")
        assert list(info.value.rows or [])[:1] == [0]
