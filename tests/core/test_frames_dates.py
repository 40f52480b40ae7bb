"""Calendar dates (``datetime64[D]``) leave the library as dates, not as UTC instants.

A local date (an SLA period's start in the calendar's zone, a funnel cohort) is not midnight
UTC: the frames hold it as a date type of their backend, and instants stay UTC instants.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from alignment._frames import to_native

DAYS = np.array(["2024-04-01", "NaT", "2024-05-01"], dtype="datetime64[D]")
WANT = [dt.date(2024, 4, 1), None, dt.date(2024, 5, 1)]
COLS = {"day": DAYS, "at": DAYS.astype("datetime64[us]")}


def test_pandas_dates_are_date_values_and_instants_utc() -> None:
    pd = pytest.importorskip("pandas")
    frame = to_native(COLS, "pandas")
    assert frame["day"].dtype == object
    assert frame["day"].tolist() == WANT
    assert all(type(v) is dt.date for v in frame["day"].dropna())
    assert str(frame["at"].dtype).endswith("UTC]")
    assert frame["at"][0] == pd.Timestamp("2024-04-01", tz="UTC")


def test_pandas_dates_read_back_as_dates_by_arrow_and_polars() -> None:
    pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    frame = to_native({"day": DAYS}, "pandas")
    assert pa.Table.from_pandas(frame).schema.field("day").type == pa.date32()
    pl = pytest.importorskip("polars")
    assert pl.from_pandas(frame).schema["day"] == pl.Date


def test_polars_dates_are_dates() -> None:
    pl = pytest.importorskip("polars")
    frame = to_native(COLS, "polars")
    assert frame.schema["day"] == pl.Date
    assert frame["day"].to_list() == WANT
    assert frame.schema["at"] == pl.Datetime("us", "UTC")


def test_arrow_dates_are_date32() -> None:
    pa = pytest.importorskip("pyarrow")
    table = to_native(COLS, "pyarrow")
    assert table.schema.field("day").type == pa.date32()
    assert table["day"].to_pylist() == WANT
    assert table.schema.field("at").type == pa.timestamp("us", tz="UTC")


def test_dict_keeps_the_numpy_dates() -> None:
    out = to_native(COLS, "dict")
    assert out["day"].dtype == np.dtype("datetime64[D]")
    np.testing.assert_array_equal(out["day"], DAYS)
