"""Ids stay exact or are refused (never merged); numbers outside their range are refused.

Regression tests for two classes of silent corruption: integer ids above 2**53 given as records
went through float and merged; float ids were cast to int (1.5 and 1.7 became one lead); epoch
numbers outside the datetime64 range wrapped to 1970 or became NaT ("not reached"); integer
revenue of 2**63 given as records wrapped negative.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment import funnel
from alignment.errors import AlignmentError, DataValidationError
from alignment.tables import LeadTable

DAY = "2024-01-01"


def journeys(ids: list[Any], revenue: list[Any]) -> tuple[list[dict[str, Any]], list[Any]]:
    touches = [{"lead_id": i, "timestamp": DAY, "channel": f"c{k}"} for k, i in enumerate(ids)]
    conv = [
        {"lead_id": i, "converted_at": "2024-01-02", "revenue": r}
        for i, r in zip(ids, revenue, strict=True)
    ]
    return touches, conv


# ------------------------------------------------------------------------- ids stay exact
@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(2**53, 2**63 - 1), min_size=2, max_size=6, unique=True))
def test_large_integer_ids_as_records_stay_distinct(ids: list[int]) -> None:
    table = LeadTable.build([{"lead_id": i, "created_at": DAY} for i in ids])
    assert sorted(int(x) for x in table.ids) == sorted(ids)
    revenue = [float(k + 1) for k in range(len(ids))]
    res = alignment.attribute(*journeys(ids, revenue))
    assert res.totals() == {f"c{k}": revenue[k] for k in range(len(ids))}  # no journey merged
    assert sorted(int(x) for x in res.touches()["lead_id"]) == sorted(ids)


@pytest.mark.parametrize(
    ("ids", "problem"),
    [
        ([1.5, 1.7], "not a whole number"),
        ([1e20, 2e20], "2\\*\\*53 or more"),
        ([2.0**53, -(2.0**53)], "2\\*\\*53 or more"),  # (2**53 + 1 as a float: 2**53)
    ],
)
def test_ids_that_would_collide_are_refused(ids: Any, problem: str) -> None:
    data = {"lead_id": ids, "created_at": [DAY] * len(ids)}
    with pytest.raises(DataValidationError, match=problem) as err:
        LeadTable.build(data)
    assert err.value.column == "lead_id" and list(err.value.rows) == [0, 1]
    # as records (numpy scalars stay objects): refused too
    with pytest.raises(DataValidationError, match=f"{problem}|expected strings"):
        alignment.attribute(*journeys(list(ids), [1.0, 2.0]))


@pytest.mark.parametrize(
    "ids", [np.array([2**63 + 1, 2**63], dtype=np.uint64), [2**64 + 1, 2**64], [2**63 + 1, 2**63]]
)
def test_ids_beyond_int64_are_keyed_exactly_as_text(ids: Any) -> None:
    table = LeadTable.build({"lead_id": ids, "created_at": [DAY] * 2})
    assert [str(i) for i in table.ids.tolist()] == [str(int(i)) for i in ids]  # (two leads)
    res = alignment.attribute(*journeys(list(ids), [1.0, 2.0]))
    assert res.totals() == {"c0": 1.0, "c1": 2.0}  # (no journey merged)


def test_whole_float_ids_are_read_as_integers() -> None:
    table = LeadTable.build({"lead_id": [1.0, 2.0, 2.0**53 - 1], "created_at": [DAY] * 3})
    assert table.ids.tolist() == [1, 2, 2**53 - 1]


def test_float_ids_of_2_pow_53_do_not_merge_journeys() -> None:
    # an id column with a blank is read as floats: 2**53 + 1 becomes 2.0**53
    touches = {"lead_id": np.array([2.0**53, 2.0**53 + 1]), "timestamp": [DAY] * 2}
    conv = {"lead_id": [2.0**53], "converted_at": ["2024-01-02"], "revenue": [1.0]}
    with pytest.raises(DataValidationError, match="2\\*\\*53 or more") as err:
        alignment.attribute({**touches, "channel": ["a", "b"]}, conv)
    assert err.value.column == "lead_id"


# ------------------------------------------------------------------------ numbers in range
def test_integer_revenue_beyond_int64_does_not_wrap() -> None:
    for big in (2**63, 2**64):
        res = alignment.attribute(*journeys([1], [big]))
        assert res.totals() == {"c0": float(big)}
        assert res.summary()["converted_revenue"] > 0


@pytest.mark.parametrize(
    "timestamp",
    [
        np.array([2**62]),  # seconds: far beyond year 146,000
        np.array([-(2**63)]),  # int64 minimum (the NaT sentinel)
        np.array([2**63 + 5], dtype=np.uint64),
        [1e30],
        [-1e30],
        [float("inf")],
    ],
)
def test_epoch_numbers_outside_the_range_are_refused(timestamp: Any) -> None:
    touches = {"lead_id": [1], "timestamp": timestamp, "channel": ["a"]}
    conv = {"lead_id": [1], "converted_at": ["2024-01-02"], "revenue": [5.0]}
    with pytest.raises(DataValidationError, match="epoch number outside") as err:
        alignment.attribute(touches, conv)
    assert err.value.column == "timestamp" and list(err.value.rows) == [0]


def test_optional_stage_epoch_out_of_range_is_refused_not_not_reached() -> None:
    leads = {
        "lead_id": [1, 2],
        "created_at": [DAY, DAY],
        "mql_at": [1e30, np.nan],  # NaN: not reached (allowed); 1e30: an error
    }
    with pytest.raises(DataValidationError, match="epoch number outside") as err:
        funnel.observe(leads, stages=["created_at", "mql_at"])
    assert err.value.column == "mql_at" and list(err.value.rows) == [0]


def test_epoch_numbers_in_range_are_exact() -> None:
    ms = np.array([1_700_000_000_123, -5], dtype=np.int64)
    from alignment._time import as_utc_datetime64

    out, _ = as_utc_datetime64(ms, column="t", epoch_unit="ms")
    assert out.astype(np.int64).tolist() == [1_700_000_000_123_000, -5_000]
    big = np.array([2**53 + 1], dtype=np.int64)  # microseconds: exact, not through float
    out, _ = as_utc_datetime64(big, column="t", epoch_unit="us")
    assert out.astype(np.int64).tolist() == [2**53 + 1]


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.integers(-(2**64), 2**64), st.floats(allow_nan=False)))
def test_any_epoch_number_gives_an_instant_or_a_typed_error(x: Any) -> None:
    from alignment._time import as_utc_datetime64

    try:
        out, _ = as_utc_datetime64(np.asarray([x]), column="t")
    except (AlignmentError, OverflowError) as exc:
        assert isinstance(exc, AlignmentError), repr(exc)  # never a raw OverflowError
        return
    assert not np.isnat(out[0])
    assert abs(out[0].astype(np.int64)) <= 2**62
