"""Every listed bad input raises the typed error with a helpful message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import alignment
from alignment.errors import (
    AlignmentError,
    DataValidationError,
    MissingColumnError,
    ModelValidationError,
    ParameterError,
)
from alignment.tables import Journeys, LeadTable

UTC = dt.timezone.utc
DOCS = Path(__file__).resolve().parents[2] / "docs"
T = np.array(["2024-01-01", "2024-01-02", "2024-01-03"], dtype="datetime64[us]")


def touches(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"lead_id": ["a", "b", "c"], "timestamp": T, "channel": ["x", "y", "z"]}
    base.update(over)
    return base


def test_hierarchy() -> None:
    for cls in (
        DataValidationError,
        MissingColumnError,
        ParameterError,
        alignment.UnknownModelError,
        alignment.PluginError,
        alignment.NotFittedError,
    ):
        assert issubclass(cls, AlignmentError)


def test_missing_column_names_table_column_and_fix(constructor: Any) -> None:
    data = constructor({"lead": ["a"], "timestamp": T[:1], "channel": ["x"]})
    with pytest.raises(MissingColumnError) as err:
        Journeys.build(data)
    msg = str(err.value)
    assert "touchpoints" in msg and "'lead_id'" in msg and "did you mean 'lead'" in msg
    assert err.value.column == "lead_id"


def test_wrong_dtype_for_revenue() -> None:
    conv = {"lead_id": ["a"], "converted_at": T[2:], "revenue": ["lots"]}
    with pytest.raises(DataValidationError, match="expected numbers") as err:
        Journeys.build(touches(), conv)
    assert err.value.column == "revenue"
    assert err.value.value == "lots"


def test_wrong_dtype_for_time() -> None:
    with pytest.raises(DataValidationError, match="ISO-8601") as err:
        Journeys.build(touches(timestamp=["yesterday", "2024-01-01", "2024-01-02"]))
    assert err.value.column == "timestamp" and err.value.rows == [0]


def test_nan_in_key_column(constructor: Any) -> None:
    with pytest.raises(DataValidationError, match="missing") as err:
        Journeys.build(constructor(touches(lead_id=["a", None, "c"])))
    assert err.value.column == "lead_id"
    assert err.value.rows == [1]


def test_nat_in_time_column(constructor: Any) -> None:
    bad = T.copy()
    bad[2] = np.datetime64("NaT")
    with pytest.raises(DataValidationError, match="missing instant") as err:
        Journeys.build(constructor(touches(timestamp=bad)))
    assert err.value.rows == [2]
    assert "fix" in str(err.value)


def test_the_message_quoted_in_the_docs_is_the_real_one() -> None:
    # docs/tables.md ("Errors") quotes the message of a missing instant in full
    text = (DOCS / "tables.md").read_text("utf-8")
    quoted = text.split("fix:\n\n```text\n")[1].split("```")[0]
    bad = T.copy()
    bad[2] = np.datetime64("NaT")
    with pytest.raises(DataValidationError) as err:
        Journeys.build(touches(timestamp=bad))
    assert str(err.value) == " ".join(quoted.split("\n")).strip()


@pytest.mark.parametrize("value", [np.nan, np.inf, -5.0])
def test_non_finite_or_negative_revenue(value: float) -> None:
    conv = {"lead_id": ["a", "b"], "converted_at": T[1:], "revenue": [10.0, value]}
    with pytest.raises(DataValidationError) as err:
        Journeys.build(touches(), conv)
    assert err.value.column == "revenue"
    assert err.value.rows == [1]
    assert ("negative" in str(err.value)) == (value == -5.0)


def test_duplicate_conversion_for_one_journey() -> None:
    conv = {"lead_id": ["a", "a"], "converted_at": T[1:], "revenue": [10.0, 20.0]}
    with pytest.raises(DataValidationError, match="more than one conversion") as err:
        Journeys.build(touches(), conv)
    assert err.value.rows == [0, 1]
    assert err.value.value == "a"


def test_touch_for_unknown_lead() -> None:
    leads = {"lead_id": ["a", "b"], "created_at": T[:2]}
    with pytest.raises(DataValidationError, match="unknown lead") as err:
        Journeys.build(touches(), leads=leads)
    assert err.value.rows == [2]
    assert err.value.value == "c"


def test_empty_key() -> None:
    with pytest.raises(DataValidationError, match="empty key"):
        Journeys.build(touches(lead_id=["a", "", "c"]))


def test_mixed_naive_and_aware_datetimes_in_one_table() -> None:
    ts = [
        dt.datetime(2024, 1, 1, tzinfo=UTC),
        dt.datetime(2024, 1, 2),
        dt.datetime(2024, 1, 3, tzinfo=UTC),
    ]
    with pytest.raises(DataValidationError, match="naive and timezone-aware") as err:
        Journeys.build(touches(timestamp=ts))
    assert err.value.rows == [1]


def test_mixed_naive_and_aware_across_columns() -> None:
    leads = {
        "lead_id": ["a"],
        "created_at": [dt.datetime(2024, 1, 1, tzinfo=UTC)],
        "mql_at": [dt.datetime(2024, 1, 2)],
    }
    with pytest.raises(DataValidationError, match="naive"):
        LeadTable.build(leads)


def test_duplicate_lead_ids() -> None:
    with pytest.raises(DataValidationError, match="duplicate lead id") as err:
        LeadTable.build({"lead_id": ["a", "b", "a"], "created_at": T})
    assert err.value.rows == [0, 2]


def test_unknown_stage_column() -> None:
    with pytest.raises(MissingColumnError, match="mqll_at"):
        LeadTable.build({"lead_id": ["a"], "created_at": T[:1]}, stages=["mqll_at"])


def test_unsupported_input_kind() -> None:
    with pytest.raises(DataValidationError, match="cannot read a table"):
        Journeys.build(42)


def test_columns_of_different_lengths() -> None:
    with pytest.raises(DataValidationError, match="different lengths"):
        Journeys.build({"lead_id": ["a"], "timestamp": T, "channel": ["x", "y", "z"]})


# ---- pydantic models


def test_negative_amount() -> None:
    with pytest.raises(ModelValidationError, match="amount"):
        alignment.Deal(deal_id="d", lead_id="a", created_at="2024-01-01T00:00:00Z", amount=-1)


def test_close_before_creation() -> None:
    with pytest.raises(ModelValidationError, match="before created_at"):
        alignment.Deal(
            deal_id="d",
            lead_id="a",
            created_at="2024-01-02T00:00:00Z",
            closed_at="2024-01-01T00:00:00Z",
            amount=1,
        )


@pytest.mark.parametrize(
    "model,kwargs",
    [
        (
            alignment.Deal,
            {"deal_id": "", "lead_id": "a", "created_at": "2024-01-01T00:00:00Z", "amount": 1},
        ),
        (alignment.Lead, {"lead_id": "", "created_at": "2024-01-01T00:00:00Z"}),
        (
            alignment.Touchpoint,
            {"lead_id": "", "timestamp": "2024-01-01T00:00:00Z", "channel": "x"},
        ),
        (alignment.Activity, {"lead_id": "", "timestamp": "2024-01-01T00:00:00Z", "kind": "call"}),
        (alignment.Persona, {"name": ""}),
    ],
)
def test_empty_id(model: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ModelValidationError, match="must not be empty"):
        model(**kwargs)


def test_unknown_stage_name_on_lead() -> None:
    with pytest.raises(ModelValidationError, match="mqll_at"):
        alignment.Lead(
            lead_id="a", created_at="2024-01-01T00:00:00Z", mqll_at="2024-01-02T00:00:00Z"
        )
    with pytest.raises(ModelValidationError, match="unknown stage name"):
        alignment.Lead(
            lead_id="a", created_at="2024-01-01T00:00:00Z", stages={"demo": "2024-01-02T00:00:00Z"}
        )
    lead = alignment.Lead(
        lead_id="a", created_at="2024-01-01T00:00:00Z", stages={"demo_at": "2024-01-02T00:00:00Z"}
    )
    assert lead.stage_at("demo_at") is not None
    assert lead.stage_at("mql_at") is None
    with pytest.raises(KeyError, match="unknown stage"):
        lead.stage_at("nope")


def test_lead_naive_mixed_with_aware() -> None:
    with pytest.raises(ModelValidationError, match="naive and timezone-aware"):
        alignment.Lead(
            lead_id="a",
            created_at=dt.datetime(2024, 1, 1, tzinfo=UTC),
            mql_at=dt.datetime(2024, 1, 2),
        )


def test_lead_stage_before_creation() -> None:
    with pytest.raises(ModelValidationError, match="before created_at"):
        alignment.Lead(
            lead_id="a", created_at="2024-01-02T00:00:00Z", mql_at="2024-01-01T00:00:00Z"
        )


def test_persona_range() -> None:
    with pytest.raises(ModelValidationError, match="greater than"):
        alignment.Persona(name="p", company_size_min=100, company_size_max=10)


def test_models_are_frozen() -> None:
    t = alignment.Touchpoint(lead_id="a", timestamp="2024-01-01T00:00:00Z", channel="x")
    with pytest.raises(TypeError, match="frozen"):
        t.channel = "y"  # type: ignore[misc]
