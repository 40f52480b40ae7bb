"""Records read values as the tables do: frozen deeply, flags, numbers, instants, every entry point."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import SLA
from alignment._parse import parse_bool
from alignment.errors import DataValidationError, ModelValidationError
from alignment.models import Deal, Lead, Touchpoint
from alignment.tables import LeadTable

DEAL = dict(
    deal_id="D1", lead_id="L1", created_at="2024-01-01T00:00Z", closed_at="2024-02-01T00:00Z"
)
CAL = {"sales": {"first_touch": {"within": "1d"}}, "calendar": {"hours": {"mon": ["09:00-12:00"]}}}


def test_lists_inside_a_record_are_frozen_and_serialise_as_lists() -> None:
    s = SLA.from_dict(CAL)
    hours = s.calendar.hours["mon"]
    with pytest.raises(TypeError, match="frozen model"):
        hours[0] = "22:00-23:59"
    with pytest.raises(TypeError, match="frozen model"):
        hours.append("13:00-17:00")
    assert hash(s) == hash(SLA.from_dict(CAL))
    assert s.to_dict()["calendar"]["hours"] == {"mon": ["09:00-12:00"]}
    assert SLA.model_validate_json(s.model_dump_json()) == s


def test_every_validation_entry_point_raises_the_library_error() -> None:
    with pytest.raises(ModelValidationError, match="created_at") as exc:
        Lead.model_validate_json('{"lead_id": "L", "created_at": "not a time"}')
    assert exc.value.table == "Lead"
    with pytest.raises(ModelValidationError, match="within"):
        SLA.model_validate_json('{"sales": {"first_touch": {"within": "0h"}}}')
    with pytest.raises(ModelValidationError, match="created_at"):
        Lead.model_validate_strings({"lead_id": "L", "created_at": "garbage"})


def test_model_copy_validates_the_changed_copy() -> None:
    lead = Lead(lead_id="L", created_at="2024-01-02T00:00Z")
    with pytest.raises(ModelValidationError, match="before created_at"):
        lead.model_copy(update={"mql_at": dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)})
    with pytest.raises(ModelValidationError, match="mql_at"):
        lead.model_copy(update={"mql_at": "garbage"})
    with pytest.raises(ModelValidationError, match="mqll_at"):
        lead.model_copy(update={"mqll_at": "2024-01-03T00:00Z"})
    later = lead.model_copy(update={"mql_at": "2024-01-03T00:00Z"})
    assert later.mql_at == dt.datetime(2024, 1, 3, tzinfo=dt.timezone.utc)
    assert later.model_fields_set == {"lead_id", "created_at", "mql_at"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("business_time", "yes"),
        ("business_time", "on"),
        ("business_time", 1),
    ],
)
def test_sla_flags_take_only_bools(field: str, value: object) -> None:
    with pytest.raises(ModelValidationError, match="expected True or False"):
        SLA.from_dict({"sales": {"first_touch": {"within": "1d", field: value}}})


@pytest.mark.parametrize("value", ["100", True, b"5"])
def test_numbers_are_never_bools_nor_text(value: object) -> None:
    with pytest.raises(ModelValidationError, match="expected a number"):
        SLA.from_dict({"marketing": {"qualified_leads": value}})
    with pytest.raises(ModelValidationError, match="expected a number"):
        SLA.from_dict({"sales": {"attempts": {"within": "1d", "minimum": value}}})
    with pytest.raises(ModelValidationError, match="company_size"):
        Lead(lead_id="L", created_at="2024-03-01T00:00Z", company_size=value)
    with pytest.raises(ModelValidationError, match="cost"):
        Touchpoint(lead_id="L", timestamp="2024-03-01T00:00Z", channel="e", cost=value)
    with pytest.raises(ModelValidationError, match="amount"):
        Deal(**DEAL, amount=value)


def test_numbers_of_numpy_still_read() -> None:
    assert Deal(**DEAL, amount=np.float64(3.5)).amount == 3.5
    assert (
        Lead(lead_id="L", created_at="2024-03-01T00:00Z", company_size=np.int64(7)).company_size
        == 7
    )


@pytest.mark.parametrize(
    "won", ["y", "on", "t", "n", "off", "yes", "no", "true", "FALSE", "1", "0", 1, 0, 1.0, 2, True]
)
def test_deal_won_reads_what_the_deals_table_reads(won: object) -> None:
    try:
        expected = bool(parse_bool(np.array([won], dtype=object), column="won")[0])
    except DataValidationError:
        with pytest.raises(ModelValidationError, match="true/false, yes/no, 1/0"):
            Deal(**DEAL, amount=1.0, won=won)
    else:
        assert Deal(**DEAL, amount=1.0, won=won).won is expected


def test_epoch_numbers_are_seconds_as_in_the_tables() -> None:
    with pytest.raises(ModelValidationError, match="outside the years 1-9999"):
        Lead(lead_id="L", created_at=1_700_000_000_000)
    assert LeadTable.build({"lead_id": ["L"], "created_at": [1_700_000_000_000]}).created_at[0] > (
        np.datetime64("9999-12-31")
    )
    with pytest.raises(ModelValidationError, match="not a date/time"):
        Touchpoint(lead_id="L", timestamp="1700000000", channel="w")
    with pytest.raises(ModelValidationError, match="bool"):
        Touchpoint(lead_id="L", timestamp=True, channel="w")


def _table_instant(value: object) -> np.datetime64:
    return LeadTable.build({"lead_id": ["L"], "created_at": [value]}).created_at[0]


def _model_instant(value: object) -> np.datetime64:
    built = LeadTable.build([Lead(lead_id="L", created_at=value)])
    return built.created_at[0]


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=-62_000_000_000, max_value=253_000_000_000))
def test_model_and_table_read_epoch_seconds_alike(seconds: int) -> None:
    assert _model_instant(seconds) == _table_instant(seconds)


@settings(max_examples=40, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    st.sampled_from(["", "Z", "+05:30", "-08:00"]),
)
def test_model_and_table_read_iso_text_alike(when: dt.datetime, offset: str) -> None:
    text = when.isoformat(timespec="microseconds") + offset
    assert _model_instant(text) == _table_instant(text)
    assert json.loads(Lead(lead_id="L", created_at=text).model_dump_json())["lead_id"] == "L"


@pytest.mark.parametrize(
    "missing", [None, np.datetime64("NaT"), np.datetime64("NaT", "us"), float("nan"), ""]
)
def test_a_missing_optional_instant_is_none_as_in_the_tables(missing: object) -> None:
    assert Deal(**{**DEAL, "closed_at": missing}, amount=1.0).closed_at is None
    assert Lead(lead_id="L", created_at="2024-03-01T00:00Z", mql_at=missing).mql_at is None
    with pytest.raises(ModelValidationError, match="created_at"):  # (required)
        Lead(lead_id="L", created_at=missing)


def test_records_of_pandas_rows_read_their_missing_markers() -> None:
    pd = pytest.importorskip("pandas")
    for missing in (pd.NaT, pd.NA):
        assert Deal(**{**DEAL, "closed_at": missing}, amount=1.0).closed_at is None
        assert Lead(lead_id="L", created_at="2024-03-01T00:00Z", sql_at=missing).sql_at is None
    frame = pd.DataFrame(
        {
            "deal_id": ["d1", "d2"],
            "lead_id": ["L1", "L2"],
            "created_at": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
            "closed_at": pd.to_datetime(["2024-02-01", None], utc=True),
            "amount": [10.0, 20.0],
        }
    )
    deals = [Deal(**row) for row in frame.to_dict("records")]
    assert [d.closed_at is None for d in deals] == [False, True]


def test_decimal_amounts_are_numbers_as_in_the_tables() -> None:
    assert Deal(**DEAL, amount=Decimal("1250.50")).amount == 1250.5
    touch = Touchpoint(lead_id="L", timestamp="2024-03-01T00:00Z", channel="e", cost=Decimal("0.1"))
    assert touch.cost == 0.1
    lead = Lead(lead_id="L", created_at="2024-03-01T00:00Z", company_size=Decimal("12"))
    assert lead.company_size == 12
    for bad in (Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-1")):
        like = float("nan") if bad.is_nan() else float(bad)  # (refused alike)
        for amount in (bad, like):
            with pytest.raises(ModelValidationError, match="must be a finite number >= 0"):
                Deal(**DEAL, amount=amount)
    with pytest.raises(ModelValidationError, match="company_size"):  # (not a whole number)
        Lead(lead_id="L", created_at="2024-03-01T00:00Z", company_size=Decimal("1.5"))
