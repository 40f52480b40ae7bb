"""``to_frame(level="touch")``: lean dtypes, the same values in every backend, inputs untouched.

The text columns are dictionary-encoded in a frame (pandas ``category``, Polars ``Enum``,
PyArrow ``dictionary``) and strings in a dict of arrays; every value equals the dict backend's.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import alignment
from alignment.tables import Journeys

from ._data import make_data, make_leads, to_backend

TEXT = ["lead_id", "channel", "campaign"]


def _quiet(*args: Any, **kwargs: Any) -> alignment.AttributionResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", alignment.AlignmentWarning)
        return alignment.attribute(*args, **kwargs)


def _as_lists(frame: Any, backend: str) -> dict[str, list[Any]]:
    if backend == "pandas":
        out = {}
        for name in frame.columns:
            col = frame[name]
            if str(col.dtype).startswith("datetime64"):
                values = col.dt.tz_localize(None).to_numpy().astype("M8[us]").astype(object)
            else:
                values = col.astype(object).to_numpy()
            out[name] = [None if v is None or v != v else v for v in values.tolist()]
        return out
    if backend == "polars":
        frame = frame.with_columns(frame["timestamp"].dt.replace_time_zone(None))
        return {name: frame[name].to_list() for name in frame.columns}
    cols = frame.to_pydict()
    cols["timestamp"] = [t.replace(tzinfo=None) for t in cols["timestamp"]]
    return cols


def _dictionary_columns(frame: Any, backend: str) -> set[str]:
    if backend == "pandas":
        return {c for c in frame.columns if str(frame[c].dtype) == "category"}
    if backend == "polars":
        import polars as pl

        return {c for c in frame.columns if isinstance(frame[c].dtype, pl.Enum)}
    import pyarrow as pa

    return {f.name for f in frame.schema if pa.types.is_dictionary(f.type)}


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
@pytest.mark.parametrize("model", ["linear", "position_based", "time_decay"])
@pytest.mark.parametrize("prebuilt", [False, True])
def test_touch_frame_is_lean_and_holds_the_dict_values(
    backend: str, model: str, prebuilt: bool
) -> None:
    pytest.importorskip(backend)
    touches, conversions = make_data(3)
    leads = make_leads(3, touches, conversions)
    t, c = to_backend(touches, backend), to_backend(conversions, backend)
    before = (to_backend(touches, backend), to_backend(conversions, backend))
    data = Journeys.build(t, c, leads=leads) if prebuilt else t
    result = _quiet(data, None if prebuilt else c, model=model, leads=None if prebuilt else leads)
    frame = result.to_frame(level="touch", backend=backend)
    reference = result.to_frame(level="touch", backend="dict")
    assert _dictionary_columns(frame, backend) == {"channel", "campaign"}
    got = _as_lists(frame, backend)
    assert list(got) == list(reference)
    for name, values in reference.items():
        want = values.astype("M8[us]").astype(object) if values.dtype.kind == "M" else values
        assert got[name] == want.tolist(), name
    assert all(reference[name].dtype == object for name in TEXT)  # strings in a dict
    assert t.equals(before[0]) and c.equals(before[1])  # the caller's frames are unchanged


def test_touch_frame_of_a_polars_input_does_not_copy_its_time_column() -> None:
    pl = pytest.importorskip("polars")
    touches, conversions = make_data(5)
    frame = pl.DataFrame(
        {
            "lead_id": list(touches["lead_id"]),
            "timestamp": pl.Series(touches["timestamp"]).dt.replace_time_zone("UTC"),
            "channel": list(touches["channel"]),
        }
    )
    conv = to_backend(conversions, "polars")
    conv = conv.with_columns(conv["converted_at"].dt.replace_time_zone("UTC"))
    result = _quiet(frame, conv, model="linear")
    out = result.to_frame(level="touch")
    caller = frame["timestamp"].to_physical().to_numpy()
    assert np.shares_memory(out["timestamp"].to_physical().to_numpy(), caller)
    assert out["timestamp"].dtype == frame["timestamp"].dtype
    assert out["timestamp"].equals(frame["timestamp"])
    d = result.to_frame(level="touch", backend="dict")
    assert not d["timestamp"].flags.writeable  # (shared: nothing may write into it)


def test_outcome_column_is_one_category() -> None:
    pl = pytest.importorskip("polars")
    touches, conversions = make_data(2)
    leads = make_leads(2, touches, conversions)
    result = _quiet(touches, leads, model="linear", outcome="opportunity_at")
    frame = result.to_frame(level="touch", backend="polars")
    assert frame["outcome"].dtype == pl.Enum(["opportunity_at"])
    assert set(frame["outcome"].to_list()) == {"opportunity_at"}
    assert result.to_frame(level="touch", backend="dict")["outcome"].tolist() == [
        "opportunity_at"
    ] * len(frame)


def test_touch_frame_numeric_columns_are_read_only_views() -> None:
    cost = np.array([1.0, 2.0, 3.0])
    touches = {"lead_id": ["a", "a", "b"], "channel": ["x", "y", "x"], "cost": cost,
               "timestamp": ["2024-01-01", "2024-01-02", "2024-01-03"]}  # fmt: skip
    conv = {"lead_id": ["a"], "converted_at": ["2024-01-05"], "revenue": [10.0]}
    d = _quiet(touches, conv, model="linear").to_frame(level="touch", backend="dict")
    assert d["cost"].tolist() == [1.0, 2.0, 3.0] and not d["cost"].flags.writeable
    assert cost.flags.writeable and cost.tolist() == [1.0, 2.0, 3.0]  # (the caller's: as it was)
