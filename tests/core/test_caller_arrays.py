"""No call changes the caller's objects: arrays handed in stay writeable, values unchanged."""

from __future__ import annotations

import numpy as np
import pytest

import alignment
from alignment import Journeys, LeadTable
from alignment._results import ReportTable


def writable(*arrays: np.ndarray) -> None:
    for a in arrays:
        assert a.flags.writeable
        before = a.copy()
        a[0] = a[1]  # the caller may still write to it
        a[0] = before[0]


def test_lead_table_leaves_the_caller_arrays_writeable() -> None:
    ids = np.array([1, 2, 3])
    created = np.array(["2024-01-01", "2024-01-02", "2024-01-03"], dtype="datetime64[us]")
    size = np.array([10.0, 20.0, 30.0])
    LeadTable.build({"lead_id": ids, "created_at": created, "company_size": size})
    writable(ids, created, size)


def test_journeys_and_attribution_leave_the_caller_arrays_writeable() -> None:
    lead = np.array(["a", "a", "b"], dtype=object)
    ts = np.array(["2024-01-01", "2024-01-02", "2024-01-03"], dtype="datetime64[us]")
    channel = np.array(["email", "search", "email"], dtype=object)
    conv = {
        "lead_id": np.array(["a", "b"], dtype=object),
        "converted_at": np.array(["2024-01-05", "2024-01-06"], dtype="datetime64[us]"),
        "revenue": np.array([100.0, 50.0]),
    }
    touches = {"lead_id": lead, "timestamp": ts, "channel": channel}
    Journeys.build(touches, conv)
    result = alignment.attribute(touches, conv, model="linear")
    result.to_frame(backend="dict")
    writable(lead, ts, channel, *conv.values())


def test_paths_and_report_tables_leave_the_caller_arrays_writeable() -> None:
    value = np.array([10.0, 0.0])
    conversions = np.array([1.0, 0.0])
    Journeys.from_paths(
        {"path": ["a > b", "b"], "total_conversions": conversions, "total_conversion_value": value,
         "total_null": [0.0, 3.0]}
    )  # fmt: skip
    writable(value, conversions)
    col = np.array([1.0, 2.0])
    ReportTable({"x": col})
    writable(col)


def test_pandas_input_stays_writeable() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {"lead_id": [1, 2], "created_at": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
         "company_size": [10.0, 20.0]}
    )  # fmt: skip
    LeadTable.build(frame)
    frame.loc[0, "company_size"] = 11.0  # pandas may still write to its own buffer
    assert frame["company_size"].tolist() == [11.0, 20.0]


def test_the_tables_themselves_are_read_only() -> None:
    created = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[us]")
    table = LeadTable.build({"lead_id": np.array([1, 2]), "created_at": created})
    with pytest.raises(ValueError, match="read-only"):
        table.ids[0] = 5


def test_one_rule_for_empty_channels_and_negative_revenue() -> None:
    """Issue classes: a frame's empty channel name is refused like Touchpoint(channel=""), and
    negative revenue on the closed-loop leads table is an error, as tables.md says."""
    from alignment.errors import DataValidationError

    ts = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[us]")
    with pytest.raises(DataValidationError, match="empty channel name"):
        Journeys.build({"lead_id": ["a", "a"], "timestamp": ts, "channel": ["  ", "email"]})
    with pytest.raises(Exception, match="channel"):
        alignment.Touchpoint(lead_id="a", timestamp="2024-01-01T00:00:00Z", channel="")
    leads = {
        "lead_id": ["a", "b"],
        "created_at": ts,
        "source": ["ads", "web"],
        "revenue": [100.0, -50.0],
    }
    with pytest.raises(DataValidationError, match="negative revenue"):
        alignment.closed_loop.closed_loop(leads, by="source")
