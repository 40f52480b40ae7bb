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


NOW = dt.datetime(2024, 1, 1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"stages": {"mql_at": dt.datetime(2024, 2, 1)}},
        {"stages": {"created_at": dt.datetime(2024, 2, 1)}},
        {"attributes": {"source": "event"}},
        {"attributes": {"lead_id": "x"}},
        {"attributes": {"created_at": "x"}},
        {"attributes": {"mql_at": "x"}},
        {"stages": {"demo_at": NOW}, "attributes": {"demo_at": "x"}},
    ],
)
def test_a_stage_or_attribute_named_like_a_column_of_the_lead_is_refused(kwargs: dict) -> None:
    name = next(iter(next(iter(kwargs.values()))))
    with pytest.raises(ModelValidationError, match=f"'{name}'.*fix: rename|'{name}'.*{name}="):
        Lead(lead_id="a", created_at=NOW, source="web", **kwargs)


def test_free_items_of_a_record_never_replace_its_fields_in_a_table() -> None:
    from pydantic import BaseModel

    class Row(BaseModel):
        lead_id: str
        created_at: dt.datetime
        attributes: dict[str, str]

    with pytest.raises(DataValidationError, match="'lead_id' in attributes") as exc:
        LeadTable.build([Row(lead_id="a", created_at=NOW, attributes={"lead_id": "b"})])
    assert exc.value.rows == [0]


def test_records_keep_text_as_given_as_the_tables_do() -> None:
    import alignment

    touches = {"lead_id": ["L1 ", "L1 "], "timestamp": ["2024-01-01", "2024-01-02"],
               "channel": ["web", "email"]}  # fmt: skip
    deal = Deal(**DEAL | {"lead_id": "L1 "}, amount=100.0, won=True)
    assert deal.lead_id == "L1 "
    result = alignment.attribute(touches, [deal], model="linear", tz="UTC").summary()
    assert result["attributed_revenue"] == 100.0 and result["unattributed_revenue"] == 0.0
    for blank in ("  ", " \t"):  # (a blank id is a key of a table too)
        lead = Lead(lead_id=blank, created_at="2024-01-01T00:00Z")
        assert LeadTable.build([lead]).ids.tolist() == [blank]
        assert LeadTable.build({"lead_id": [blank], "created_at": ["2024-01-01"]}).ids.tolist() == [
            blank
        ]
    with pytest.raises(ModelValidationError, match="channel must not be empty or blank"):
        Touchpoint(lead_id="L", timestamp="2024-01-01T00:00Z", channel="  ")  # (as the table)


def test_a_field_with_no_value_in_any_record_has_the_column_of_its_type() -> None:
    import alignment
    from alignment import Journeys, Persona

    leads = [
        Lead(lead_id="a", created_at=NOW, industry="Software"),
        Lead(lead_id="b", created_at=NOW),
    ]
    table = LeadTable.build(leads)
    assert table.numeric["company_size"].dtype == np.float64
    assert np.isnan(table.numeric["company_size"]).all()
    assert "company_size" not in table.categorical
    frame = {"lead_id": ["a", "b"], "created_at": np.array([NOW, NOW], "datetime64[us]"),
             "industry": ["Software", None], "company_size": np.array([np.nan, np.nan])}  # fmt: skip
    smb = [Persona(name="smb", company_size_max=50)]
    got = alignment.match_personas(leads, smb).persona.tolist()
    assert got == alignment.match_personas(frame, smb).persona.tolist() == [None, None]
    touches = Journeys.build([Touchpoint(lead_id="a", timestamp=NOW, channel="web")])
    cost = touches.to_frame(backend="dict")["cost"]
    assert cost.dtype == np.float64 and np.isnan(cost).all()


def test_the_rows_of_a_table_make_records_again() -> None:
    from alignment import Journeys

    now = NOW.replace(tzinfo=dt.timezone.utc)
    leads = [Lead(lead_id="a", created_at=now, company_size=10), Lead(lead_id="b", created_at=now)]
    rows = LeadTable.build(leads).to_frame(backend="pandas").to_dict("records")
    assert [Lead(**row) for row in rows] == leads
    touches = [
        Touchpoint(lead_id="a", timestamp=now, channel="web"),
        Touchpoint(lead_id="a", timestamp=now, channel="ads", cost=2.0),
    ]
    drop = ("converted_at", "revenue")
    rows = Journeys.build(touches).to_frame(backend="pandas").to_dict("records")
    assert [Touchpoint(**{k: v for k, v in r.items() if k not in drop}) for r in rows] == touches
    for missing in (float("nan"), np.float64("nan"), Decimal("NaN")):
        assert Lead(lead_id="a", created_at=now, company_size=missing).company_size is None
        assert Touchpoint(lead_id="a", timestamp=now, channel="w", cost=missing).cost is None
    for bad, says in ((float("inf"), "finite"), (-1, "greater than or equal to 0")):
        with pytest.raises(ModelValidationError, match=says):
            Touchpoint(lead_id="a", timestamp=now, channel="w", cost=bad)
        with pytest.raises(ModelValidationError, match="company_size"):
            Lead(lead_id="a", created_at=now, company_size=bad)
    with pytest.raises(ModelValidationError, match="amount must be a finite number >= 0"):
        Deal(**DEAL, amount=float("nan"))  # (required: a missing amount is refused)


@pytest.mark.parametrize(
    "neutral", [np.datetime64("2024-02-01"), 1706745600, np.int64(1706745600), 1706745600.0]
)
def test_a_neutral_instant_goes_with_the_others_as_in_a_table(neutral: object) -> None:
    feb = dt.datetime(2024, 2, 1)
    lead = Lead(lead_id="a", created_at=NOW, mql_at=neutral, stages={"demo_at": neutral})
    assert lead.mql_at == lead.stages["demo_at"] == feb  # (naive beside naive: UTC)
    assert lead.model_copy(update={"owner": "o"}).mql_at == feb
    table = LeadTable.build({"lead_id": ["a"], "created_at": np.array([NOW], dtype=object),
                             "mql_at": np.array([neutral])})  # fmt: skip
    assert LeadTable.build([lead]).stages["mql_at"].tolist() == table.stages["mql_at"].tolist()
    deal = Deal(**DEAL | {"created_at": NOW, "closed_at": neutral}, amount=1.0, won=True)
    assert deal.closed_at == feb
    utc = dt.timezone.utc
    aware = Lead(lead_id="a", created_at=NOW.replace(tzinfo=utc), mql_at=neutral)
    assert aware.mql_at == feb.replace(tzinfo=utc)  # (aware beside aware)
    alone = Lead(lead_id="a", created_at=neutral)
    assert alone.created_at == feb.replace(tzinfo=utc)
    with pytest.raises(ModelValidationError, match="naive and timezone-aware"):  # (a real mix)
        Lead(lead_id="a", created_at=NOW, mql_at=feb.replace(tzinfo=utc), sql_at=neutral)
