"""Holidays and custom period starts are calendar dates as written; numbers are refused."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

from alignment import SLA
from alignment.errors import ModelValidationError, ParameterError
from alignment.sla import BusinessCalendar


@pytest.mark.parametrize(
    "holidays",
    [
        2024,
        True,
        "2024-07-14",
        dt.date(2024, 7, 14),
        np.datetime64("2024-07-14"),
        np.array("2024-07-14", dtype="datetime64[D]"),  # (raised numpy's 0-d iteration error)
        np.array([["2024-07-14"]], dtype="datetime64[D]"),
    ],
)
def test_holidays_not_a_list_are_refused(holidays: object) -> None:
    with pytest.raises(ParameterError, match="holidays must be a list of dates"):
        BusinessCalendar(holidays=holidays)


@pytest.mark.parametrize(
    "value", [20240714, True, 1.5, "1720915200", None, np.datetime64("NaT"), pd.NaT]
)
def test_numbers_bools_and_missing_are_not_dates(value: object) -> None:
    with pytest.raises(ParameterError, match="as a calendar date"):
        BusinessCalendar(holidays=[value])
    with pytest.raises(ModelValidationError, match=r"calendar\.holidays\.0"):
        SLA.from_dict(
            {"sales": {"first_touch": {"within": "1d"}}, "calendar": {"holidays": [value]}}
        )


def test_an_aware_holiday_keeps_the_date_as_written() -> None:
    minus5 = dt.timezone(dt.timedelta(hours=-5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cal = BusinessCalendar(
            holidays=["2024-07-14T22:00-05:00", dt.datetime(2024, 7, 14, 22, tzinfo=minus5)]
        )
    assert cal.holidays.tolist() == [dt.date(2024, 7, 14)]
    assert BusinessCalendar(holidays=["14.07.2024", np.datetime64("2024-07-14")]).holidays.size == 1


def test_period_starts_refuse_epoch_numbers() -> None:
    with pytest.raises(ModelValidationError, match=r"marketing\.period_starts\.0"):
        SLA.from_dict(
            {"marketing": {"qualified_leads": 1, "period": "custom", "period_starts": [0, 2592000]}}
        )


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
def test_period_and_daily_dates_leave_as_local_dates(backend: str) -> None:
    # Auckland's April starts at 2024-03-31T11:00Z: its first day is the date 2024-04-01, never
    # the instant 2024-04-01T00:00Z
    pytest.importorskip(backend)
    from alignment.sla import evaluate

    sla = {
        "calendar": {"tz": "Pacific/Auckland"},
        "marketing": {"qualified_leads": 10, "period": "M"},
        "sales": {"first_touch": {"within": "1d", "business_time": True}},
    }
    at = ["2024-03-31T19:30Z"]
    leads = {"lead_id": ["a"], "created_at": at, "mql_at": at, "assigned_at": at}
    acts = {"lead_id": ["a"], "timestamp": ["2024-03-31T19:45Z"], "kind": ["call"]}
    r = evaluate(sla, leads, acts, as_of="2024-03-31T20:00Z")
    periods = r.periods.to_frame(backend=backend)
    daily = r.daily.to_frame(backend=backend)

    def values(frame: object, column: str) -> list[object]:
        col = frame[column]  # type: ignore[index]
        return list(col.to_pylist() if backend == "pyarrow" else col.to_list())

    assert values(periods, "period_start") == [dt.date(2024, 4, 1)]
    assert values(periods, "period_end") == [dt.date(2024, 5, 1)]
    assert values(daily, "date") == [dt.date(2024, 4, 1)]
