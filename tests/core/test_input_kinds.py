"""Shared input checks: flags are bools, column names are strings, integers too large for a
float are named, numpy masked entries are missing values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import alignment
from alignment._params import check_flag
from alignment.errors import DataValidationError, ParameterError

T = {"lead_id": ["a", "b"], "timestamp": ["2024-01-01Z"] * 2, "channel": ["e", "w"]}
C = {"lead_id": ["a", "b"], "converted_at": ["2024-01-05Z"] * 2, "revenue": [100.0, 5.0]}
BIG = 10**400


# ------------------------------------------------------------------------------------ flags
@given(st.booleans())
def test_check_flag_accepts_python_and_numpy_bools(value: bool) -> None:
    assert check_flag(value, "x") is value
    assert check_flag(np.bool_(value), "x") is value


@given(
    st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.lists(st.booleans(), max_size=2))
)
def test_check_flag_refuses_everything_else(value: Any) -> None:
    with pytest.raises(ParameterError) as info:
        check_flag(value, "my_flag")
    assert "my_flag must be True or False" in str(info.value)
    assert repr(value) in str(info.value)


@pytest.mark.parametrize("flag", ["no", "false", 0, None])
def test_attribute_reset_and_markov_collapse_repeats_refuse_text(flag: Any) -> None:
    with pytest.raises(ParameterError, match="reset must be True or False"):
        alignment.attribute(T, C, reset=flag)
    with pytest.raises(ParameterError, match="collapse_repeats must be True or False"):
        alignment.attribute(T, C, model="markov", collapse_repeats=flag)


@pytest.mark.parametrize("flag", ["no", "false", 0, None])
def test_other_public_flags_refuse_text(flag: Any) -> None:
    """``Journeys.to_dict(caller_order=)``, ``log_loss(normalize=)`` and
    ``load_plugins(force=)``: text is never read as true."""
    from alignment.plugins import load_plugins
    from alignment.scoring.metrics import log_loss
    from alignment.tables import Journeys

    journeys = Journeys.build(T, C)
    with pytest.raises(ParameterError, match="caller_order must be True or False"):
        journeys.to_dict(caller_order=flag)
    with pytest.raises(ParameterError, match="normalize must be True or False"):
        log_loss([1, 0], [0.5, 0.5], normalize=flag)
    with pytest.raises(ParameterError, match="force must be True or False"):
        load_plugins(force=flag)
    assert journeys.to_dict(caller_order=np.True_)["channel"].tolist() == ["e", "w"]


# ---------------------------------------------------------------------- integers too large
@pytest.mark.parametrize(
    ("touches", "conversions", "table", "column"),
    [
        (T, {**C, "revenue": [1.0, BIG]}, "conversions", "revenue"),
        ({**T, "cost": [BIG, 1]}, C, "touchpoints", "cost"),
    ],
)
def test_integer_too_large_for_a_float_is_named(
    touches: Any, conversions: Any, table: str, column: str
) -> None:
    with pytest.raises(DataValidationError, match="too large for a float") as info:
        alignment.attribute(touches, conversions)
    err = info.value
    assert (err.table, err.column, err.value) == (table, column, BIG)
    assert err.rows == ([1] if column == "revenue" else [0])
    assert err.fix


def test_epoch_integer_too_large_for_a_float_is_out_of_range() -> None:
    with pytest.raises(DataValidationError, match="outside the supported range") as info:
        alignment.attribute({**T, "timestamp": [BIG, 0]}, C)
    assert (info.value.column, info.value.rows) == ("timestamp", [0])


def test_text_among_numbers_still_says_expected_numbers() -> None:
    with pytest.raises(DataValidationError, match="expected numbers") as info:
        alignment.attribute({**T, "cost": [1.0, object()]}, C)
    assert info.value.rows == [1]


# ----------------------------------------------------------------------------- column names
@pytest.mark.parametrize("name", [5, None, 2.5, ("channel",)])
def test_a_column_keyword_that_is_not_text_is_a_parameter_error(name: Any) -> None:
    with pytest.raises(ParameterError, match="column names must be strings") as info:
        alignment.attribute(T, C, channel=name)
    assert repr(name) in str(info.value)
    assert "touchpoints" in str(info.value)


def test_integer_frame_labels_are_text() -> None:
    pd = pytest.importorskip("pandas")
    touches = pd.DataFrame({0: ["a"], 1: ["2024-01-01Z"], 2: ["e"]})
    conversions = pd.DataFrame({0: ["a"], "converted_at": ["2024-01-05Z"], "revenue": [1.0]})
    with pytest.raises(ParameterError, match="read as text: '0'"):
        alignment.attribute(touches, conversions, lead=0, time=1, channel=2)
    result = alignment.attribute(touches, conversions, lead="0", time="1", channel="2")
    assert result.totals() == {"e": 1.0}


def test_missing_column_hint_ignores_non_text_labels() -> None:
    pd = pytest.importorskip("pandas")
    touches = pd.DataFrame({0: ["a"], "timestamp": ["2024-01-01Z"], "channel": ["e"]})
    with pytest.raises(alignment.MissingColumnError, match="lead_id"):
        alignment.attribute(touches, {k: v[:1] for k, v in C.items()})


# ---------------------------------------------------------------------------- masked arrays
def test_masked_revenue_is_missing_not_its_hidden_value() -> None:
    revenue = np.ma.masked_array([100.0, 5.0], mask=[True, False])
    with pytest.raises(DataValidationError, match="missing value") as info:
        alignment.attribute(T, {**C, "revenue": revenue})
    assert (info.value.column, info.value.rows) == ("revenue", [0])
    assert revenue.data[0] == 100.0 and bool(revenue.mask[0])  # the caller's array unchanged


@pytest.mark.parametrize(
    "channel",
    [
        np.ma.masked_array(np.array(["e", "w"], dtype=object), mask=[False, True]),
        np.ma.masked_array(["e", "w"], mask=[False, True]),
    ],
)
def test_masked_channel_is_missing(channel: Any) -> None:
    with pytest.raises(DataValidationError, match="missing value") as info:
        alignment.attribute({**T, "channel": channel}, C)
    assert (info.value.column, info.value.rows) == ("channel", [1])


def test_masked_instant_is_missing() -> None:
    times = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[us]")
    masked = np.ma.masked_array(times, mask=[True, False])
    with pytest.raises(DataValidationError, match="missing instant") as info:
        alignment.attribute({**T, "timestamp": masked}, C)
    assert info.value.rows == [0]


def test_masked_array_without_masked_entries_reads_as_its_values() -> None:
    plain = alignment.attribute(T, C).totals()
    masked = {**C, "revenue": np.ma.masked_array([100.0, 5.0], mask=[False, False])}
    assert alignment.attribute(T, masked).totals() == plain == {"e": 100.0, "w": 5.0}
    ints = {**C, "revenue": np.ma.masked_array([100, 5])}
    assert alignment.attribute(T, ints).totals() == plain


# ------------------------------------------------------------------------------ pandas' NA
def test_pandas_na_is_missing_like_none_in_time_and_number_columns() -> None:
    pd = pytest.importorskip("pandas")
    when = dt.datetime(2024, 1, 1, 10)
    base = {"lead_id": ["a", "b", "c"], "created_at": [when] * 3}
    for missing in (None, pd.NA):
        stage = pd.Series([missing, pd.Timestamp(when), pd.Timestamp(when)], dtype=object)
        lt = alignment.LeadTable.build(pd.DataFrame({**base, "mql_at": stage}))
        assert np.isnat(lt.stages["mql_at"][0]) and not np.isnat(lt.stages["mql_at"][1])
        size = pd.Series([1.0, missing, 2.0], dtype=object)
        lt = alignment.LeadTable.build(pd.DataFrame({**base, "size": size}))
        np.testing.assert_array_equal(lt.numeric["size"], [1.0, np.nan, 2.0])
    touches = {"lead_id": ["a", "a", "b"], "timestamp": [when] * 3, "channel": ["x", "y", "x"]}
    costs = {**touches, "cost": [1.0, pd.NA, 2.0]}
    journeys = alignment.Journeys.build(costs, touch_numeric=["cost"])
    assert np.isnan(journeys.touch_numeric["cost"]).sum() == 1
    with pytest.raises(DataValidationError, match="missing instant") as info:  # (required)
        alignment.Journeys.build({**touches, "timestamp": [when, pd.NA, when]})
    assert info.value.rows == [1]


# ------------------------------------------------------- pandas object columns, every cell read
@pytest.mark.parametrize("bad", [True, 5, ["a"]])
@pytest.mark.parametrize("row", [50, 150])
def test_pandas_object_text_column_checks_every_cell(bad: Any, row: int) -> None:
    pd = pytest.importorskip("pandas")
    n = 200
    channel = ["email"] * n
    channel[row] = bad
    touches = pd.DataFrame(
        {
            "lead_id": [f"L{i % 7}" for i in range(n)],
            "timestamp": pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC"),
            "channel": pd.Series(channel, dtype=object),
        }
    )
    with pytest.raises(DataValidationError) as info:
        alignment.Journeys.build(touches, pd.DataFrame(C))
    assert "expected strings" in str(info.value)
    assert info.value.rows is not None and list(info.value.rows) == [row]


@pytest.mark.parametrize("cells", [[["10"]], [[10.0, 5.0]], [[1.0], [2.0]]])
def test_list_cells_of_a_pandas_number_column_are_refused(cells: list[Any]) -> None:
    pd = pytest.importorskip("pandas")
    n = len(cells)
    conversions = pd.DataFrame(
        {
            "lead_id": ["a", "b"][:n],
            "converted_at": pd.to_datetime(["2024-01-05"] * n, utc=True),
            "revenue": pd.Series(cells, dtype=object),
        }
    )
    with pytest.raises(DataValidationError) as info:
        alignment.Journeys.build(T, conversions)
    assert info.value.column == "revenue"
    assert info.value.rows == list(range(n))
    assert "expected numbers" in str(info.value)


def test_frame_dates_and_times_beyond_the_range_are_refused() -> None:
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    big = [2**62, 0]
    columns = [
        pa.array([2**30, 0], pa.date32()),
        pa.array(big, pa.timestamp("s")),
        pl.Series(big).cast(pl.Datetime("ms")),
        pl.Series([2**30, 0]).cast(pl.Date),
    ]
    for column in columns:
        data = {"lead_id": ["a", "b"], "timestamp": column, "channel": ["e", "w"]}
        frame = pa.table(data) if isinstance(column, pa.Array) else pl.DataFrame(data)
        with pytest.raises(DataValidationError) as info:
            alignment.Journeys.build(frame, C)
        assert (info.value.column, info.value.rows) == ("timestamp", [0])


def test_a_dict_keyed_by_non_strings_is_read_by_the_text_of_its_keys() -> None:
    """A dict's key 0 is the column "0", as the errors list it and as a frame's integer label
    is read (it raised a raw KeyError); keys 0 and "0" together are refused."""
    touches = {0: ["a"], "timestamp": ["2024-01-01T00:00:00Z"], "channel": ["x"]}
    j = alignment.Journeys.build(touches, lead="0")
    assert j.n_touches == 1 and list(np.asarray(j.keys)) == ["a"]
    with pytest.raises(alignment.DataValidationError, match="two columns named '0'"):
        alignment.Journeys.build({**touches, "0": ["b"]}, lead="0")


def test_revenue_adding_up_past_the_largest_float_is_refused() -> None:
    """Two conversions of 1e308 each: every total would be inf (rule models returned it, and
    Markov blamed a plugin); the revenue column is named, wherever the revenue is read."""
    tp = {"lead_id": ["a", "b"], "timestamp": ["2024-01-01T00:00:00Z"] * 2, "channel": ["x", "x"]}
    cv = {"lead_id": ["a", "b"], "converted_at": ["2024-01-05T00:00:00Z"] * 2,
          "revenue": [1e308, 1e308]}  # fmt: skip
    for model in ("linear", "markov"):
        with pytest.raises(alignment.DataValidationError, match="add up past") as info:
            alignment.attribute(tp, cv, model=model)
        assert info.value.column == "revenue"
    on_rows = {**tp, "converted_at": cv["converted_at"], "revenue": cv["revenue"]}
    with pytest.raises(alignment.DataValidationError, match="add up past"):
        alignment.attribute(on_rows, model="linear")
    fine = alignment.attribute(tp, {**cv, "revenue": [1e307, 1e307]}, model="linear")
    assert fine.totals() == {"x": pytest.approx(2e307)}


def test_an_id_that_is_a_dict_is_refused_where_it_is_looked_up() -> None:
    """A JSON object left in an id column: a DataValidationError naming its row and value
    where the ids are looked up in another table (it was a raw TypeError: unhashable)."""
    leads = {"lead_id": ["a", "b"], "created_at": ["2024-01-01T00:00:00Z"] * 2}
    bad = {"id": "a"}
    acts = {"lead_id": ["a", bad], "timestamp": ["2024-01-01T02:00:00Z"] * 2, "kind": ["call"] * 2}
    with pytest.raises(alignment.DataValidationError, match="not text or a number") as info:
        alignment.sla.speed_to_lead(leads, acts, assigned="created_at")
    assert info.value.rows == [1] and info.value.value == bad
    assert (info.value.table, info.value.column) == ("activities", "lead_id")
    with pytest.raises(alignment.DataValidationError, match="activities column 'lead_id'"):
        alignment.ActivityLog.build(acts, leads=leads)


_LEADS = {"lead_id": ["a", "b"], "created_at": ["2024-01-01T00:00:00Z"] * 2, "source": ["x", "y"]}
_AT = ["2024-01-01T02:00:00Z"] * 2
_DICT_ID = {"id": "a"}
_TOUCHES = {
    "lead_id": ["a", _DICT_ID],
    "timestamp": _AT,
    "channel": ["web"] * 2,
    "kind": ["visit"] * 2,
}


@pytest.mark.parametrize(
    ("table", "call"),
    [
        ("touchpoints", lambda: alignment.attribute(
            _TOUCHES, {"lead_id": ["a"], "converted_at": ["2024-01-05T00:00:00Z"],
                       "revenue": [1.0]}, leads=_LEADS, model="linear")),
        ("deals", lambda: alignment.closed_loop(
            _LEADS, by="source", deals={"lead_id": ["a", _DICT_ID], "amount": [1.0, 2.0],
                                        "won": [True, False]})),
        ("touchpoints", lambda: alignment.scoring.account_engagement(
            {**_LEADS, "account_id": ["x", "x"]}, _TOUCHES, as_of="2024-02-01T00:00:00Z")),
        ("deal_contacts", lambda: alignment.scoring.account_engagement(
            {**_LEADS, "account_id": ["x", "x"]}, {k: v[:1] for k, v in _TOUCHES.items()},
            deal_contacts={"lead_id": ["a", _DICT_ID], "role": ["buyer", "user"]},
            as_of="2024-02-01T00:00:00Z")),
    ],
)  # fmt: skip
def test_an_id_that_is_a_dict_is_refused_naming_its_table_and_column(table: str, call: Any) -> None:
    """The refusal of an id that cannot be looked up names the caller's table and column."""
    with pytest.raises(alignment.DataValidationError, match="not text or a number") as info:
        call()
    assert (info.value.table, info.value.column) == (table, "lead_id")
    assert f"{table} column 'lead_id'" in str(info.value)
    assert info.value.rows == [1] and info.value.value == _DICT_ID
