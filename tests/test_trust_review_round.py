"""Regressions found by a review of the scoring, label and deal-id fixes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import alignment
from alignment import LeadTable
from alignment.errors import DataValidationError
from alignment.scoring._logistic import LogisticScorer
from alignment.scoring._rules import Rule, evaluate_rule

_CREATED = ["2024-01-01T00:00:00Z"] * 3


@pytest.mark.parametrize(
    ("rule", "met"),
    [
        ({"equals": 101}, [True, False, False]),
        ({"equals": 101.0}, [True, False, False]),
        ({"isin": [101.0, 102.0]}, [True, False, True]),
        ({"equals": 101.5}, [False, False, False]),
    ],
)
def test_a_rule_written_with_floats_meets_a_float_column_of_codes(rule, met):
    # a campaign column of codes with a gap is read as floats, then labelled "101", "102"
    leads = LeadTable.build(
        {"lead_id": list("abc"), "created_at": _CREATED, "campaign": [101.0, np.nan, 102.0]}
    )
    got, known = evaluate_rule(Rule(column="campaign", **rule), leads)
    assert got.tolist() == met
    assert known.tolist() == [True, False, True]


def test_a_logistic_model_fitted_on_a_lead_flag_column_takes_the_same_flags():
    n = 40
    data = {
        "lead_id": [f"l{i}" for i in range(n)],
        "created_at": ["2024-01-01T00:00:00Z"] * n,
        "is_customer": [bool(i % 2) for i in range(n)],
        "employees": [float(i) for i in range(n)],
    }
    y = np.array([i % 3 == 0 for i in range(n)], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticScorer(features=["is_customer", "employees"]).fit(LeadTable.build(data), y)
        frame = {k: np.array(data[k]) for k in ("is_customer", "employees")}
        as_dict = model.predict_proba(frame)
        as_floats = model.predict_proba(
            {"is_customer": frame["is_customer"].astype(float), "employees": frame["employees"]}
        )
    np.testing.assert_allclose(as_dict, as_floats, rtol=0, atol=1e-12)
    with pytest.raises(DataValidationError, match="is_customer"):
        model.predict_proba({"is_customer": np.array(["yes"] * n), "employees": frame["employees"]})


_TOUCHES = {
    "lead_id": ["a", "a", "b", "c"],
    "timestamp": ["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-01"],
    "channel": ["x", "y", "x", "z"],
}


@pytest.mark.parametrize(
    "deal_ids",
    [
        np.array(["d1", None, "d3"], dtype=object),
        [1.0, float("nan"), 3.0],
        ["d1", "", "d3"],
        ["d1", "  ", "d3"],
        np.array([None, None, None], dtype=object),
    ],
)
def test_conversions_keyed_by_person_may_leave_the_deal_id_out(deal_ids):
    conversions = {
        "lead_id": ["a", "b", "c"],
        "converted_at": ["2024-02-01"] * 3,
        "revenue": [10.0, 20.0, 5.0],
        "deal_id": deal_ids,
    }
    totals = alignment.attribute(_TOUCHES, conversions).totals()
    # linear credit: a's 10 split over x and y, b's 20 to x, c's 5 to z
    assert dict(totals) == {"x": 25.0, "y": 5.0, "z": 5.0}


def test_conversions_keyed_by_person_still_refuse_a_deal_id_given_twice():
    conversions = {
        "lead_id": ["a", "b", "c"],
        "converted_at": ["2024-02-01"] * 3,
        "revenue": [10.0, 20.0, 5.0],
        "deal_id": np.array(["d1", None, "d1"], dtype=object),
    }
    with pytest.raises(DataValidationError, match="duplicate deal id") as err:
        alignment.attribute(_TOUCHES, conversions)
    assert err.value.rows == [0, 2]
