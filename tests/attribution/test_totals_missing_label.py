"""``AttributionResult.totals(by=)`` shows touches without a value as ``"(missing)"``: a real
value spelled so would share that key, and the dict would keep only one of the two sums
(revenue lost), so it is refused, as the other engines' group-bys refuse it."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import alignment
from alignment.errors import DataValidationError


def _result(campaigns: list[str | None]) -> alignment.AttributionResult:
    touches = pd.DataFrame(
        {
            "lead_id": ["a", "a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"], utc=True),
            "channel": ["x", "y", "x"],
            "campaign": campaigns,
        }
    )
    leads = pd.DataFrame(
        {
            "lead_id": ["a", "b"],
            "created_at": pd.to_datetime(["2023-12-01"] * 2, utc=True),
            "converted_at": pd.to_datetime(["2024-02-01"] * 2, utc=True),
            "revenue": [100.0, 50.0],
        }
    )
    return alignment.attribute(touches, conversions=leads, model="linear")


def test_a_value_spelled_like_the_missing_key_is_refused() -> None:
    result = _result(["(missing)", None, "c"])
    with pytest.raises(DataValidationError) as err:
        result.totals(by="campaign")
    assert (err.value.column, err.value.value) == ("campaign", "(missing)")
    assert "rename the value" in str(err.value)


def test_the_missing_group_alone_keeps_every_unit() -> None:
    totals = _result(["b2b", None, "c"]).totals(by="campaign")
    assert totals == pytest.approx({"b2b": 50.0, "(missing)": 50.0, "c": 50.0})  # (a: 100 / 2)
    assert sum(totals.values()) == pytest.approx(150.0)


def test_no_conversion_at_all_is_said() -> None:
    """Touches without conversions (none given, none on the rows; the leads' ``converted_at``
    is a lead attribute) credit nothing: a warning says so and where conversions are read."""
    touches = pd.DataFrame(
        {
            "lead_id": ["a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03"], utc=True),
            "channel": ["x", "y"],
        }
    )
    leads = pd.DataFrame(
        {
            "lead_id": ["a", "b"],
            "created_at": pd.to_datetime(["2023-12-01"] * 2, utc=True),
            "converted_at": pd.to_datetime(["2024-02-01"] * 2, utc=True),
            "revenue": [100.0, 50.0],
        }
    )
    for kwargs in ({}, {"leads": leads}):
        with pytest.warns(alignment.AlignmentWarning, match="no journey converted.*conversions="):
            result = alignment.attribute(touches, model="linear", **kwargs)
        assert result.attributed_revenue == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", alignment.AlignmentWarning)
        assert alignment.attribute(touches, conversions=leads).attributed_revenue == pytest.approx(
            150.0
        )
