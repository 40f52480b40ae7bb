"""No call changes the caller's objects: arrays handed in stay writeable, values unchanged; and
no result changes when the caller edits its objects after the call."""

from __future__ import annotations

from typing import Any

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


# ------------------------------------------------------- results fixed when the call returns


def _touches() -> dict[str, np.ndarray]:
    return {
        "lead_id": np.array(["a", "a", "b", "c"], dtype=object),
        "timestamp": np.array(
            ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"], dtype="datetime64[us]"
        ),
        "channel": np.array(["email", "seo", "email", "seo"], dtype=object),
        "cost": np.array([10.0, 20.0, 30.0, 40.0]),
    }


def _conversions() -> dict[str, np.ndarray]:
    return {
        "lead_id": np.array(["a", "b"], dtype=object),
        "converted_at": np.array(["2024-03-10", "2024-03-10"], dtype="datetime64[us]"),
        "revenue": np.array([100.0, 50.0]),
    }


def _figures(result: Any) -> dict[str, Any]:
    """What a caller reads of an attribution result (cost and ROI, touch times, summary)."""
    channel = result.to_frame("channel", backend="dict")
    touch = result.to_frame("touch", backend="dict") if result.kind == "touch" else {}
    return {
        "summary": result.summary(),
        **{f"channel.{k}": np.asarray(v).tolist() for k, v in channel.items()},
        **{f"touch.{k}": np.asarray(v).tolist() for k, v in touch.items()},
    }


def _edit_numpy(touches: dict[str, np.ndarray], conv: dict[str, np.ndarray]) -> None:
    touches["cost"][:] = 0.0  # the caller reuses its buffers after the call
    touches["timestamp"][:] = np.datetime64("1999-01-01", "us")
    conv["revenue"][:] = 1.0
    conv["converted_at"][:] = np.datetime64("1999-01-02", "us")


@pytest.mark.parametrize("model", ["linear", "markov"])
def test_attribution_is_fixed_when_the_call_returns(model: str) -> None:
    """Regression: the result kept the caller's cost and timestamp buffers (the touches of a
    rule model's table, read in input order), so its cost, ROI and touch times changed when
    the caller edited its arrays after the call."""
    want = _figures(alignment.attribute(_touches(), _conversions(), model=model))
    touches, conv = _touches(), _conversions()
    result = alignment.attribute(touches, conv, model=model)
    _edit_numpy(touches, conv)
    assert _figures(result) == want
    assert want["channel.cost"] == [40.0, 60.0]


@pytest.mark.filterwarnings("ignore:naive instants:alignment.AlignmentWarning")
def test_attribution_from_pandas_is_fixed_when_the_call_returns() -> None:
    pd = pytest.importorskip("pandas")
    want = _figures(alignment.attribute(_touches(), _conversions(), model="linear"))
    frame, conv = pd.DataFrame(_touches()), pd.DataFrame(_conversions())
    result = alignment.attribute(frame, conv, model="linear")
    frame.loc[:, "cost"] = 1e6  # in place, in the frame's own block
    frame.loc[:, "timestamp"] = pd.Timestamp("1999-01-01")
    conv.loc[:, "revenue"] = 1.0
    assert _figures(result) == want


@pytest.mark.filterwarnings("ignore:naive instants:alignment.AlignmentWarning")
def test_attribution_from_polars_is_fixed_when_the_call_returns() -> None:
    pl = pytest.importorskip("polars")
    want = _figures(alignment.attribute(_touches(), _conversions(), model="linear"))
    frame, conv = pl.DataFrame(_touches()), pl.DataFrame(_conversions())
    result = alignment.attribute(frame, conv, model="linear")
    frame[0, "cost"] = 1e6
    conv[0, "revenue"] = 1.0
    assert _figures(result) == want


def test_tables_hold_no_memory_of_the_callers_arrays() -> None:
    """A table's numbers and instants never share memory with a writable caller array."""
    touches, conv = _touches(), _conversions()
    leads = {
        "lead_id": np.array(["a", "b"], dtype=object),
        "created_at": np.array(["2024-02-01", "2024-02-02"], dtype="datetime64[us]"),
        "mql_at": np.array(["2024-02-03", "NaT"], dtype="datetime64[us]"),
        "company_size": np.array([10.0, 20.0]),
    }
    table = LeadTable.build(leads)
    journeys = Journeys.build(touches, conv, touches="converted")
    held = [table.created_at, *table.stages.values(), *table.numeric.values()]
    held += [*journeys.touch_numeric.values(), journeys.time, journeys.revenue]
    encoded = journeys._input_rows()
    assert encoded is not None  # (the rows as read, kept for every touch in input order)
    held += [encoded.time, *encoded.touch_numeric.values()]
    mine = [*touches.values(), *conv.values(), *leads.values()]
    assert not any(np.shares_memory(h, m) for h in held for m in mine)
    leads["mql_at"][:] = np.datetime64("1999-01-01", "us")
    assert str(table.stages["mql_at"][0]) == "2024-02-03T00:00:00.000000"


def test_journeys_from_arrays_leaves_the_callers_arrays_writable_and_apart() -> None:
    """The table makes its own arrays read-only, never the caller's: revenue, conversions and
    per-touch numbers given to :meth:`Journeys.from_arrays` are taken as copies."""
    revenue, conversions, cost = np.array([10.0, 0.0]), np.array([1.0, 0.0]), np.arange(3.0)
    j = Journeys.from_arrays(
        keys=np.array(["a", "b"]),
        offsets=np.array([0, 2, 3]),
        time=np.array(["2024-01-01", "2024-01-02", "2024-01-03"], dtype="datetime64[us]"),
        channel=np.array([0, 1, 0]),
        channels=np.array(["x", "y"], dtype=object),
        converted_at=np.array(["2024-02-01", "NaT"], dtype="datetime64[us]"),
        revenue=revenue,
        conversions=conversions,
        touch_numeric={"cost": cost},
    )
    for given in (revenue, conversions, cost):
        assert given.flags.writeable
    assert not j.revenue.flags.writeable
    revenue[0], cost[0] = 99.0, 99.0
    assert j.revenue[0] == 10.0 and j.touch_numeric["cost"][0] == 0.0


def test_integer_ids_and_costs_edited_after_the_call_change_no_result() -> None:
    """Integer columns are read into new arrays (ids into codes, costs into floats), not
    copied first: editing them after the call changes nothing either."""
    lead, cost = np.array([7, 7, 9]), np.array([4, 2, 6])
    touches = {
        "lead_id": lead,
        "timestamp": np.array(["2024-01-01", "2024-01-02", "2024-01-03"], dtype="M8[s]"),
        "channel": np.array(["email", "seo", "email"], dtype=object),
        "cost": cost,
    }
    conv = {"lead_id": np.array([7, 9]), "converted_at": np.array(["2024-02-01"] * 2, "M8[s]")}
    conv["revenue"] = np.array([10.0, 20.0])
    res = alignment.attribute(touches, conv, model="linear", tz="UTC")
    before = res.to_frame("channel", backend="dict")
    keys = res.table.keys.tolist()
    lead[:], cost[:] = 9, 1000
    after = res.to_frame("channel", backend="dict")
    assert {k: v.tolist() for k, v in after.items()} == {k: v.tolist() for k, v in before.items()}
    assert res.table.keys.tolist() == keys == [7, 9]
    assert sorted(before["cost"].tolist()) == [2.0, 10.0]  # (seo 2, email 4 + 6)
