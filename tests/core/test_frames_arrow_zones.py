"""Time zone-aware Arrow columns are read as the instants they store (UTC), in any zone.

An Arrow timestamp with a time zone holds UTC instants; the reader takes them as they are
(no conversion pass).  Twin: the instants computed with Python's ``datetime`` (``zoneinfo``),
with nulls, sub-second values and both sides of DST changes.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

from alignment._frames import read_table  # noqa: E402

ZONES = [
    "UTC",
    "Etc/UTC",
    "America/New_York",
    "Europe/Paris",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
]
LO = int(dt.datetime(1990, 1, 1, tzinfo=dt.UTC).timestamp() * 1e6)
HI = int(dt.datetime(2040, 1, 1, tzinfo=dt.UTC).timestamp() * 1e6)


def twin(micros: list[int | None]) -> np.ndarray:
    """The UTC instants, computed one by one with ``datetime`` (NaT for a null)."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    out = [
        np.datetime64("NaT", "us")
        if m is None
        else np.datetime64((epoch + dt.timedelta(microseconds=m)).replace(tzinfo=None), "us")
        for m in micros
    ]
    return np.array(out, dtype="datetime64[us]")


@settings(max_examples=40, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    unit=st.sampled_from(["us", "ms", "s"]),
    micros=st.lists(st.one_of(st.none(), st.integers(LO, HI)), min_size=1, max_size=30),
)
def test_aware_arrow_column_is_read_as_its_instants(
    zone: str, unit: str, micros: list[int | None]
) -> None:
    scale = {"us": 1, "ms": 1_000, "s": 1_000_000}[unit]
    micros = [None if m is None else m - m % scale for m in micros]
    values = [None if m is None else m // scale for m in micros]
    arr = pa.array(values, type=pa.timestamp(unit, tz=zone))
    table = pa.table({"t": arr})
    raw = read_table(table, table="touchpoints", required=["t"])
    got = raw.columns["t"]
    assert got.dtype == np.dtype("datetime64[us]")
    np.testing.assert_array_equal(got, twin(micros))
    assert raw.aware["t"]


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Paris"])
def test_instants_on_both_sides_of_a_dst_change(zone: str) -> None:
    z = zoneinfo.ZoneInfo(zone)
    walls = [dt.datetime(2024, 3, 10, 1, 59), dt.datetime(2024, 3, 31, 3, 1)]
    walls += [dt.datetime(2024, 11, 3, 1, 30, fold=f) for f in (0, 1)]
    instants = [w.replace(tzinfo=z).astimezone(dt.UTC) for w in walls]
    table = pa.table({"t": pa.array(instants, type=pa.timestamp("us", tz=zone))})
    got = read_table(table, table="t", required=["t"]).columns["t"]
    want = np.array([i.replace(tzinfo=None) for i in instants], dtype="datetime64[us]")
    np.testing.assert_array_equal(got, want)


def test_caller_table_is_not_changed() -> None:
    arr = pa.array([0, None, 86_400_000_000], type=pa.timestamp("us", tz="Asia/Kolkata"))
    table = pa.table({"t": arr})
    before = table.to_pylist()
    read_table(table, table="t", required=["t"])
    assert table.to_pylist() == before and table.schema.field("t").type.tz == "Asia/Kolkata"


@settings(max_examples=40, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    unit=st.sampled_from(["us", "ns", "s"]),
    micros=st.lists(st.one_of(st.none(), st.integers(LO, HI)), min_size=1, max_size=30),
)
def test_aware_pandas_column_in_any_zone_is_read_as_its_instants(
    zone: str, unit: str, micros: list[int | None]
) -> None:
    """A pandas column with a time zone (``datetime64[us, America/New_York]``, a type the
    dataframe layer does not name) is read as its UTC instants, as ``datetime64[us]`` (not as
    Python timestamps), aware, and the caller's column is left as it was."""
    pd = pytest.importorskip("pandas")
    if unit == "s":
        micros = [None if m is None else m - m % 1_000_000 for m in micros]
    utc = pd.to_datetime(pd.Series(micros, dtype="Int64"), unit="us", utc=True)
    frame = pd.DataFrame({"t": utc.dt.tz_convert(zone).astype(f"datetime64[{unit}, {zone}]")})
    before = frame.copy()
    raw = read_table(frame, table="touchpoints", required=["t"])
    got = raw.columns["t"]
    assert got.dtype == np.dtype("datetime64[us]")
    np.testing.assert_array_equal(got, twin(micros))
    assert raw.aware["t"]
    pd.testing.assert_frame_equal(frame, before)
