"""A cost key holding the text "(missing)" is refused as a lead's is: it would merge with the
key of the rows without a value."""

from __future__ import annotations

import warnings

import pytest

import alignment
from alignment.errors import DataValidationError

_CREATED = ["2024-01-01T00:00:00Z"] * 3


def _report(lead_campaigns, cost_campaigns):
    leads = {"lead_id": list("abc"), "created_at": _CREATED, "campaign": lead_campaigns}
    costs = {"campaign": cost_campaigns, "cost": [10.0, 5.0, 1.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = alignment.closed_loop(leads, costs=costs, by="campaign").to_frame(backend="dict")
    return dict(zip(frame["campaign"].tolist(), frame["cost"].tolist(), strict=True))


@pytest.mark.parametrize(
    ("lead_campaigns", "cost_campaigns"),
    [
        (["x", None, "x"], ["(missing)", None, "x"]),  # with cost rows without a campaign
        (["x", "x", "x"], ["(missing)", None, "x"]),
        (["x", None, "x"], ["(missing)", "x", "x"]),  # with leads without a campaign
    ],
)
def test_a_cost_keyed_by_the_text_missing_is_refused_naming_its_rows(
    lead_campaigns, cost_campaigns
):
    with pytest.raises(DataValidationError, match="'\\(missing\\)' is the label") as err:
        _report(lead_campaigns, cost_campaigns)
    assert err.value.table == "costs"
    assert err.value.column == "campaign"
    assert err.value.rows == [0]
    assert "leave the cell empty" in str(err.value)


def test_cost_keys_without_a_value_and_the_text_alone_are_still_placed():
    # a cost without a campaign goes to the leads without one (10); none is merged
    assert _report(["x", None, "x"], [None, "x", "x"]) == {"x": 6.0, "(missing)": 10.0}
    # no row without a value anywhere: "(missing)" is a campaign like any other
    assert _report(["x", "(missing)", "x"], ["(missing)", "x", "x"]) == {
        "x": 6.0,
        "(missing)": 10.0,
    }
