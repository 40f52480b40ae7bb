"""A bool is never a number and a number never text (alignment._columns.numeric / text); a
parameter of several column names is never one string; from_paths names its separator."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment._columns import numeric, text
from alignment.errors import DataValidationError, ParameterError
from alignment.tables import Journeys, LeadTable

TS = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[s]")
TOUCHES = {"lead_id": ["a"], "timestamp": TS[:1], "channel": ["x"]}


@pytest.mark.parametrize(
    "revenue", [[True], np.array([True]), np.array([np.True_], dtype=object), [np.False_]]
)
def test_a_bool_revenue_is_refused(revenue: Any) -> None:
    conv = {"lead_id": ["a"], "converted_at": TS[1:], "revenue": revenue}
    with pytest.raises(DataValidationError) as e:
        Journeys.build(TOUCHES, conv)
    assert (e.value.table, e.value.column, e.value.rows) == ("conversions", "revenue", [0])
    assert isinstance(e.value.value, (bool, np.bool_))


@pytest.mark.parametrize("column", ["total_conversions", "total_conversion_value", "total_null"])
def test_bool_counts_and_values_of_paths_are_refused(column: str) -> None:
    data: dict[str, Any] = {
        "path": ["a > b", "b"],
        "total_conversions": [1, 2],
        "total_conversion_value": [5.0, 0.5],
        "total_null": [0, 3],
    }
    data[column] = [2, True] if column != "total_conversion_value" else np.array([True, False])
    with pytest.raises(DataValidationError) as e:
        Journeys.from_paths(data)
    err = e.value
    assert (err.table, err.column) == ("paths", column)
    assert err.rows == ([1] if column != "total_conversion_value" else [0, 1])
    assert "bool" in str(err) or "expected numbers" in str(err)


def test_a_lead_table_reads_its_flags_as_zero_and_one() -> None:
    leads = {"lead_id": ["a", "b"], "created_at": TS, "is_duplicate": [True, False]}
    lt = LeadTable.build(leads)
    assert lt.numeric["is_duplicate"].tolist() == [1.0, 0.0]
    explicit = LeadTable.build(
        {**leads, "is_duplicate": np.array([True, None], dtype=object)}, numeric=["is_duplicate"]
    )
    assert explicit.numeric["is_duplicate"].tolist()[0] == 1.0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0, 1e6), st.integers(0, 10**6)), max_size=20),
       st.data())  # fmt: skip
def test_one_bool_anywhere_in_a_number_column_is_named(values: list[Any], data: Any) -> None:
    at = data.draw(st.integers(0, len(values)))
    flag = data.draw(st.sampled_from([True, False, np.True_, np.False_]))
    column = np.array([*values[:at], flag, *values[at:]], dtype=object)
    with pytest.raises(DataValidationError) as e:
        numeric(column, column="amount", table="deals", allow_missing=True)
    assert e.value.rows == [at] and e.value.column == "amount"
    ok = numeric(np.array(values, dtype=object), column="amount", allow_missing=True)
    assert ok.size == len(values)  # the same column without the bool is read
    flags = numeric(column, column="f", allow_missing=True, flags=True)
    assert flags[at] == float(flag)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.just(float("nan")), st.text(max_size=5)), max_size=20),
       st.data())  # fmt: skip
def test_one_number_or_bool_anywhere_in_a_text_column_is_named(
    values: list[Any], data: Any
) -> None:
    text(np.array(values, dtype=object), column="email", table="leads")  # text or missing: read
    at = data.draw(st.integers(0, len(values)))
    odd = data.draw(st.sampled_from([1.5, 0, True, np.int64(7), b"x", ["a"]]))
    column = np.empty(len(values) + 1, dtype=object)
    column[:] = [*values[:at], None, *values[at:]]
    column[at] = odd
    with pytest.raises(DataValidationError, match="not text") as e:
        text(column, column="email", table="leads")
    assert (e.value.table, e.value.column, e.value.rows) == ("leads", "email", [at])


@pytest.mark.parametrize("name", ["stages", "categorical", "numeric"])
@pytest.mark.parametrize("given", ["mql_at", b"mql_at", 5, {"mql_at"}])
def test_column_lists_are_not_one_string(name: str, given: Any) -> None:
    leads = {"lead_id": ["a", "b"], "created_at": TS, "mql_at": TS}
    with pytest.raises(ParameterError, match=f"{name} must be a sequence of column names") as e:
        LeadTable.build(leads, **{name: given})
    assert repr(given) in str(e.value)
    assert LeadTable.build(leads, stages=np.array(["mql_at"])).stages.keys() == {"mql_at"}
    assert LeadTable.build(leads, stages=("mql_at",)).stages.keys() == {"mql_at"}


@pytest.mark.parametrize("sep", ["", None, 5])
def test_from_paths_names_its_separator(sep: Any) -> None:
    with pytest.raises(ParameterError, match="sep must be a non-empty string") as e:
        Journeys.from_paths({"path": ["a > b"], "total_conversions": [1]}, sep=sep)
    assert "column name" not in str(e.value) and repr(sep) in str(e.value)
