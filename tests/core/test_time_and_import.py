"""Time normalisation, durations, and a cheap ``import alignment``."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alignment._time import as_utc_datetime64, parse_duration, parse_instant
from alignment.errors import DataValidationError, ParameterError


@pytest.mark.parametrize(
    "text,seconds",
    [
        ("7d", 7 * 86400),
        ("36h", 36 * 3600),
        ("90m", 5400),
        ("45s", 45),
        ("2w", 14 * 86400),
        ("1d12h", 36 * 3600),
        ("1.5d", 36 * 3600),
        (" 3 h ", 3 * 3600),
    ],
)
def test_parse_duration_strings(text: str, seconds: int) -> None:
    assert parse_duration(text) == np.timedelta64(seconds, "s")


def test_parse_duration_objects() -> None:
    assert parse_duration(dt.timedelta(hours=2)) == np.timedelta64(2, "h")
    assert parse_duration(np.timedelta64(3, "D")) == np.timedelta64(3, "D")


@pytest.mark.parametrize(
    "bad", ["", "7", "seven days", "7x", "-1d", 7, None, True, np.timedelta64("NaT")]
)
def test_parse_duration_errors(bad: object) -> None:
    with pytest.raises(ParameterError):
        parse_duration(bad)


def test_zero_duration() -> None:
    with pytest.raises(ParameterError, match="> 0"):
        parse_duration("0d")
    assert parse_duration("0d", allow_zero=True) == np.timedelta64(0, "s")


def test_instants_from_every_kind() -> None:
    expected = np.datetime64("2024-03-01T08:30:00", "us")
    paris = dt.timezone(dt.timedelta(hours=1))
    cases = [
        np.array(["2024-03-01T08:30:00"], dtype="datetime64[s]"),
        np.array([dt.datetime(2024, 3, 1, 9, 30, tzinfo=paris)], dtype=object),
        np.array([dt.datetime(2024, 3, 1, 8, 30)], dtype=object),
        np.array(["2024-03-01T09:30:00+01:00"], dtype=object),
        np.array(["2024-03-01T08:30:00Z"], dtype=object),
        np.array([1709281800]),
        np.array([1709281800.0]),
    ]
    for values in cases:
        out, _ = as_utc_datetime64(values, column="t")
        assert out.dtype == np.dtype("datetime64[us]")
        assert out[0] == expected, values


@pytest.mark.parametrize("folds", [(0, 1), (1, 0), (1, 1, 0, 0)])
def test_a_dst_overlap_keeps_each_fold(folds: tuple[int, ...]) -> None:
    """The two 01:30 of a DST overlap are equal in Python and an hour apart as instants."""
    zoneinfo = pytest.importorskip("zoneinfo")
    new_york = zoneinfo.ZoneInfo("America/New_York")
    values = [dt.datetime(2024, 11, 3, 1, 30, tzinfo=new_york, fold=f) for f in folds]
    out, _ = as_utc_datetime64(np.array(values, dtype=object), column="t")
    utc = {0: np.datetime64("2024-11-03T05:30", "us"), 1: np.datetime64("2024-11-03T06:30", "us")}
    assert out.tolist() == [utc[f].item() for f in folds]


@pytest.mark.parametrize(
    "values",
    [
        np.array([1_700_000_000_000_000, 1_700_000_000], dtype="datetime64[s]"),
        np.array([2**40, 0], dtype="datetime64[D]"),
        np.array([np.datetime64(2**62, "s"), np.datetime64("2024-01-01", "s")], dtype=object),
    ],
)
def test_coarse_datetime64_beyond_the_range_is_refused(values: np.ndarray) -> None:
    """numpy's cast to microseconds would wrap these to another year."""
    with pytest.raises(DataValidationError) as info:
        as_utc_datetime64(values, column="t")
    assert info.value.rows == [0]
    assert "outside the supported range" in str(info.value)


def test_aware_datetimes_whose_utc_date_leaves_years_1_to_9999() -> None:
    """Read as their ISO text is: numpy's microseconds hold the instant Python cannot."""
    values = [
        dt.datetime(1, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))),
        dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-12))),
    ]
    out, _ = as_utc_datetime64(np.array(values, dtype=object), column="t")
    texts, _ = as_utc_datetime64(
        np.array(["0001-01-01T01:00:00+14:00", "9999-12-31T23:00:00-12:00"], dtype=object),
        column="t",
    )
    assert out.tolist() == texts.tolist()
    assert parse_instant(values[0]) == texts[0]


def test_awareness_reported() -> None:
    _, aware = as_utc_datetime64(
        np.array([dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)]), column="t"
    )
    _, naive = as_utc_datetime64(np.array([dt.datetime(2024, 1, 1)]), column="t")
    _, neutral = as_utc_datetime64(np.array([0]), column="t")
    assert (aware, naive, neutral) == (True, False, None)


def test_missing_allowed_only_when_asked() -> None:
    values = np.array([None, "2024-01-01"], dtype=object)
    out, _ = as_utc_datetime64(values, column="t", allow_missing=True)
    assert np.isnat(out[0])
    with pytest.raises(DataValidationError, match="missing instant"):
        as_utc_datetime64(values, column="t")


def test_parse_instant() -> None:
    assert parse_instant("2024-01-01T00:00:00Z") == np.datetime64("2024-01-01", "us")
    with pytest.raises(ParameterError):
        parse_instant("not a date")
    with pytest.raises(ParameterError):
        parse_instant(None)


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=23))
def test_duration_compound_property(days: int, hours: int) -> None:
    assert parse_duration(f"{days}d{hours}h", allow_zero=True) == np.timedelta64(
        days * 24 + hours, "h"
    )


def test_import_is_cheap() -> None:
    """``import alignment`` must not import heavy optional modules (measured: see benchmarks/RESULTS.md)."""
    code = (
        "import sys, alignment; "
        "heavy = [m for m in ('pandas', 'polars', 'pyarrow', 'scipy', 'narwhals', 'matplotlib') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
