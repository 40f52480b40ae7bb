"""Key columns mixing text and numbers are refused wherever they are looked up; the instants
``Journeys.from_arrays`` takes per journey are instants, never plain numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from alignment._columns import Categorical
from alignment._lookup import lookup
from alignment.errors import DataValidationError
from alignment.tables import ActivityLog, Journeys

TIMES = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[us]")
LEADS_TEXT = {"lead_id": ["1", "A"], "created_at": TIMES}


@pytest.mark.parametrize("first", [1.0, 1, True])
def test_touch_keys_mixing_numbers_and_text_are_refused(first: Any) -> None:
    touches = {"lead_id": [first, "A"], "timestamp": TIMES, "channel": ["a", "b"]}
    with pytest.raises(DataValidationError, match="mixing text and numbers") as info:
        Journeys.build(touches, leads=LEADS_TEXT)
    assert (info.value.column, info.value.table, list(info.value.rows)) == (
        "lead_id",
        "touchpoints",
        [0],
    )


def test_activity_keys_mixing_numbers_and_text_are_not_reported_unknown() -> None:
    """Lead 1 exists: its activity is refused for its mixed column, not listed as the
    activity of an unknown lead and dropped."""
    acts = {"lead_id": np.array([1.0, "A"], dtype=object), "timestamp": TIMES}
    with pytest.raises(DataValidationError, match="mixing text and numbers"):
        ActivityLog.build(acts, leads=LEADS_TEXT, unknown="report")


def test_lookup_keeps_numbers_and_text_apart_only_when_unmixed() -> None:
    pos, found = lookup(np.array([1, 2]), np.array([2.0, 1.0]))
    assert pos.tolist() == [1, 0] and found.all()
    pos, found = lookup(np.array(["1", "A"], dtype=object), np.array([1, 5]))
    assert pos.tolist() == [0, -1] and found.tolist() == [True, False]
    with pytest.raises(DataValidationError, match="found float"):
        lookup(np.array([1, 2]), np.array([1.0, "A", None], dtype=object), column="lead_id")


def _arrays(**kwargs: Any) -> Journeys:
    channel = Categorical(np.array([0, 1], dtype=np.int32), np.array(["a", "b"], dtype=object))
    offsets = np.array([0, 1, 2])
    return Journeys.from_arrays(
        keys=np.array([1, 2]), offsets=offsets, time=TIMES, channel=channel, **kwargs
    )


@pytest.mark.parametrize(
    "values, rows",
    [
        (np.array([1, 2]), [0, 1]),
        (np.array([1.5, np.nan]), [0]),
        (np.array([True, False]), [0, 1]),
        (np.array([None, 5], dtype=object), [1]),
    ],
)
@pytest.mark.parametrize("field", ["converted_at", "anchor"])
def test_numbers_are_no_instants_in_from_arrays(values: Any, rows: list[int], field: str) -> None:
    kwargs: dict[str, Any] = (
        {"converted_at": values} if field == "converted_at" else {"anchors": {"mql_at": values}}
    )
    with pytest.raises(DataValidationError, match="no instants") as info:
        _arrays(**kwargs)
    column = "converted_at" if field == "converted_at" else "mql_at"
    assert (info.value.column, list(info.value.rows)) == (column, rows)


def test_instants_and_missing_values_are_read_in_from_arrays() -> None:
    mql = np.array(["2024-01-01T05", "NaT"], dtype="datetime64[h]")
    j = _arrays(converted_at=np.array([np.nan, np.nan]), anchors={"mql_at": mql})
    assert np.isnat(j.converted_at).all()
    assert j.anchors["mql_at"].tolist() == mql.astype("datetime64[us]").tolist()
    assert j.anchors["mql_at"].dtype == np.dtype("datetime64[us]")
