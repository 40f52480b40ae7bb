"""The synthetic data set's period at the edges of the years a datetime holds, the refusal of
a misspelt ``ALIGNMENT_DISABLE_BACKENDS`` by every entry point, and read-only time columns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pytest

import alignment
from alignment import _frames, _time
from alignment.datasets import _phases, sla_example, synthetic_crm
from alignment.errors import DataValidationError, ParameterError

# ------------------------------------------------------------------ the synthetic period

_YEAR_ONE = np.datetime64("0001-01-01T00:00", "us")
_LAST_INSTANT = np.datetime64("9999-12-31T23:59:59.999999", "us")


def _instants(crm: alignment.CRMData) -> np.ndarray:
    """Every instant of every table of ``crm`` (``NaT`` dropped)."""
    found = [np.asarray(col) for tab in crm.tables().values() for col in tab.values()]
    found.append(np.asarray(crm.stage_events["at"]))
    times = np.concatenate([col.astype("datetime64[us]") for col in found if col.dtype.kind == "M"])
    out: np.ndarray = times[~np.isnat(times)]
    return out


@pytest.mark.parametrize(
    "start",
    ["0001-01-01", "0001-06-30", "0001-12-31", date(1, 3, 1), np.datetime64("0001-01-01")],
)
def test_a_start_whose_first_touches_fall_before_year_one_is_refused(start: Any) -> None:
    # (the touches before a lead's creation fell in year 0, which no datetime holds)
    with pytest.raises(ParameterError, match=r"start must be from 0002-01-01 to 9999-12-30, got"):
        synthetic_crm(50, seed=1, start=start)


def test_a_start_on_the_last_day_is_refused_naming_the_range() -> None:
    with pytest.raises(ParameterError, match=r"start must be from 0002-01-01 to 9999-12-30, got "):
        synthetic_crm(5, seed=1, start="9999-12-31", days=1)


def test_the_earliest_start_keeps_every_instant_in_year_one_or_later() -> None:
    crm = synthetic_crm(3_000, seed=2, start="0002-01-01")
    times = _instants(crm)
    assert times.min() >= _YEAR_ONE
    touches = crm.touchpoints["timestamp"]
    assert touches.min() >= crm.start - np.timedelta64(365, "D")
    assert touches.min() < crm.start  # (journeys start before their lead is created)
    assert all(isinstance(t, object) and t.year >= 1 for t in touches.astype(object)[:50])


@pytest.mark.parametrize(("start", "days"), [("9999-06-01", 91), ("9999-12-30", 1)])
def test_a_late_period_keeps_every_instant_on_or_before_as_of(start: str, days: int) -> None:
    crm = synthetic_crm(2_000, seed=3, start=start, days=days)
    times = _instants(crm)
    assert times.max() <= crm.as_of <= _LAST_INSTANT
    assert crm.as_of == np.datetime64(start, "D") + np.timedelta64(days, "D")
    assert type(times.max().astype(object)).__name__ == "datetime"  # (a datetime holds it)


def test_touches_before_a_creation_reach_back_at_most_the_lookback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_phases, "_LOOKBACK_H", 24.0 * 3)  # three days instead of a year
    crm = synthetic_crm(1_000, seed=4)
    tp, leads = crm.touchpoints, crm.leads
    lead = np.searchsorted(leads["lead_id"], tp["lead_id"])
    created = leads["created_at"][lead]
    before = tp["timestamp"] < created
    assert before.any()
    reach = (created - tp["timestamp"])[before]
    assert reach.max() == np.timedelta64(3, "D")  # (some journeys reached further: cut)
    # a journey's touches stay in order: time never goes back within a lead
    same = lead[1:] == lead[:-1]
    assert (tp["timestamp"][1:][same] >= tp["timestamp"][:-1][same]).all()


# ------------------------------------------------------------------ ALIGNMENT_DISABLE_BACKENDS

_TOUCHES = {
    "lead_id": ["a", "a", "b"],
    "timestamp": np.array(["2024-01-01", "2024-01-05", "2024-01-02"], dtype="datetime64[us]"),
    "channel": ["email", "search", "email"],
    "converted_at": np.array(["2024-01-10", "2024-01-10", "NaT"], dtype="datetime64[us]"),
    "revenue": [100.0, 100.0, np.nan],
}


def _as(kind: str) -> Any:
    if kind == "dict":
        return dict(_TOUCHES)
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(_TOUCHES)
    if kind == "pandas":
        return frame
    if kind == "polars":
        return pytest.importorskip("polars").from_pandas(frame)
    return pytest.importorskip("dask.dataframe").from_pandas(frame, npartitions=1)


_CALLS: dict[str, Callable[[Any], Any]] = {
    "attribute": lambda data: alignment.attribute(data, model="linear"),
    "score": lambda data: alignment.score(data),  # (no created_at: refused once read)
    "observe": lambda data: alignment.funnel.observe(data),
    "observe_bad_by": lambda data: alignment.funnel.observe(data, by=5),  # (refused after)
    "sla": lambda data: alignment.sla.evaluate(alignment.SLA.from_dict(sla_example()), data, data),
    "closed_loop": lambda data: alignment.closed_loop(data),
    "fit": lambda data: alignment.scoring.LogisticScorer().fit(data, "revenue"),
}


@pytest.mark.parametrize("kind", ["dict", "pandas", "polars", "dask"])
@pytest.mark.parametrize("call", sorted(_CALLS))
def test_a_value_that_is_no_flag_is_refused_first_by_every_entry_point(
    kind: str, call: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _as(kind)
    monkeypatch.setenv("ALIGNMENT_DISABLE_BACKENDS", "banana")
    with pytest.raises(ParameterError) as info:
        _CALLS[call](data)
    message = str(info.value)
    assert "ALIGNMENT_DISABLE_BACKENDS='banana' is not a flag" in message
    assert "1 (or true, yes, on) or to 0 (or false, no, off), or unset it" in message


@pytest.mark.parametrize("kind", ["dict", "pandas", "polars"])
@pytest.mark.parametrize("value", ["0", "off", "", "1", "Yes"])
def test_the_flag_values_leave_in_memory_inputs_as_they_are(
    kind: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _as(kind)
    monkeypatch.setenv("ALIGNMENT_DISABLE_BACKENDS", value)
    result = alignment.attribute(data, model="linear", tz="UTC")
    assert result.totals() == {"email": 50.0, "search": 50.0}


def test_turned_off_a_dask_frame_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _as("dask")
    monkeypatch.setenv("ALIGNMENT_DISABLE_BACKENDS", "1")
    monkeypatch.setattr("alignment._backends._REGISTRY", {})
    with pytest.raises(DataValidationError, match="ALIGNMENT_DISABLE_BACKENDS is set"):
        alignment.attribute(data, model="linear")


# ------------------------------------------------------------------ read-only time columns


def test_a_datetime_column_is_read_as_a_read_only_view_of_the_callers_array() -> None:
    assert not hasattr(_time, "_read_only")  # (one helper: the frames' is the time module's)
    assert _frames.read_only_view is _time.read_only_view
    caller = np.array(["2024-01-01T10:00", "2024-01-02T11:00"], dtype="datetime64[us]")
    times = _time.read_instants(caller, column="timestamp").times
    assert np.shares_memory(times, caller)  # (not copied)
    assert not times.flags.writeable
    assert caller.flags.writeable  # the caller's array keeps its flags
    caller[0] = np.datetime64("2025-01-01T00:00", "us")
    assert times[0] == np.datetime64("2025-01-01T00:00", "us")


# ------------------------------------------------------------------ sla_example's parameters


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((-5,), "n_leads must be a non-negative integer, got -5"),
        (("a",), "n_leads must be a non-negative integer, got 'a'"),
        ((None,), "n_leads must be a non-negative integer, got None"),
        ((True,), "n_leads must be a non-negative integer, got True"),
        ((5.5,), "n_leads must be a non-negative integer, got 5.5"),
        ((float("nan"),), "n_leads must be a non-negative integer, got nan"),
        ((10**400,), "n_leads must be at most 100_000_000"),
        ((10_000, 0), "days must be a positive integer, got 0"),
        ((10_000, -3), "days must be a positive integer, got -3"),
        ((10_000, "x"), "days must be a positive integer, got 'x'"),
        ((10_000, 10**400), r"days must be at most 3651693 \(from 0002-01-01 to 9999-12-31\)"),
    ],
)
def test_sla_example_refuses_what_is_no_count(args: tuple[Any, ...], match: str) -> None:
    # (these were raw TypeError/OverflowError/ValueError, or a silent commitment of 1)
    with pytest.raises(ParameterError, match=match):
        sla_example(*args)


@pytest.mark.parametrize(
    ("args", "per_month"),
    [((), 600), ((0,), 1), ((np.int64(100), np.int64(30)), 20), ((10_000, 3_651_693), 1)],
)
def test_sla_example_scales_with_the_lead_volume(args: tuple[Any, ...], per_month: int) -> None:
    # 0.18 * 10_000 * 30.4 / 91 = 601.3 → 600 (rounded to tens), at least one
    assert sla_example(*args)["marketing"]["qualified_leads"] == per_month


# ------------------------------------------------------------------ plugins.get_registration


@pytest.mark.parametrize("name", [5, None, b"linear", ["linear"]])
def test_get_registration_refuses_a_name_that_is_no_text(name: Any) -> None:
    with pytest.raises(ParameterError, match=r"name must be the name of a registered attribution"):
        alignment.plugins.get_registration("attribution model", name)
    assert alignment.plugins.get_registration("attribution model", " Linear ").name == "linear"


# ------------------------------------------------------------------ PERSONAS


def test_an_edit_of_personas_changes_nothing_the_generator_makes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = synthetic_crm(400, seed=5)
    spec = alignment.datasets.PERSONAS["revops_leader"]
    monkeypatch.setitem(spec, "industries", [*spec["industries"], "retail", "government"])
    monkeypatch.setitem(spec, "company_size", (1, 300_000))
    monkeypatch.setitem(alignment.datasets.PERSONAS, "extra", dict(spec))
    after = synthetic_crm(400, seed=5)  # (the same seed: the same data)
    assert after.leads["persona"].tolist() == before.leads["persona"].tolist()
    assert [p.name for p in after.personas] == ["revops_leader", "ops_manager", "enterprise_buyer"]
    assert after.personas[0].industries == ("software", "fintech", "media")
    assert sla_example()["marketing"]["quality"]["personas"] == [p.name for p in after.personas]


def test_a_pandas_integer_column_without_a_value_is_read_as_missing() -> None:
    pd = pytest.importorskip("pandas")
    from alignment import datasets

    frames = datasets.synthetic_crm(50, seed=1).to_frames()
    leads, touches = frames["leads"], frames["touchpoints"]
    empty = pd.array([pd.NA] * len(leads), dtype="Int64")
    base = alignment.score(leads, touches).to_frame(backend="pandas")
    got = alignment.score(leads.assign(extra=empty), touches).to_frame(backend="pandas")
    assert got["score"].tolist() == base["score"].tolist()
    observed = alignment.funnel.observe(leads.assign(extra=empty))
    assert observed.summary() == alignment.funnel.observe(leads).summary()
