"""Tables of converted journeys only (``touches="converted"``) and the results built on them.

``alignment.attribute`` sorts only the converted journeys' touches for the built-in rule models;
everything a caller can see must equal the computation over every touch.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import alignment
from alignment import DataValidationError, ParameterError
from alignment.tables import Journeys

from ._data import make_data, make_leads, to_backend

RULES = ["first", "last", "linear", "time_decay", "position_based", "w_shaped", "full_path"]


def _content(j: Journeys) -> dict[str, Any]:
    return {
        "keys": [str(k) for k in j.keys],
        "offsets": j.offsets.tolist(),
        "time": j.time.astype(np.int64).tolist(),
        "row": j.row.tolist(),
        "channel": j.channel.values().tolist(),
        "campaign": j.touch_columns["campaign"].values().tolist(),
        "cost": j.touch_numeric["cost"].tolist(),
        "converted_at": j.converted_at.astype(np.int64).tolist(),
        "revenue": j.revenue.tolist(),
        "anchors": {k: v.astype(np.int64).tolist() for k, v in j.anchors.items()},
    }


@pytest.mark.parametrize("seed", range(4))
def test_converted_table_is_the_full_table_without_unconverted_touches(seed: int) -> None:
    touches, conversions = make_data(seed)
    leads = make_leads(seed, touches, conversions)
    full = Journeys.build(touches, conversions, leads=leads)
    part = Journeys.build(touches, conversions, leads=leads, touches="converted")
    assert full.touches == "all" and part.touches == "converted"
    assert part.n_input_rows == full.n_input_rows == touches["lead_id"].size
    expected = full.select_touches(full.converted[full.journey_index])
    assert _content(part) == _content(expected)
    assert part.n_journeys == full.n_journeys  # every journey stays, with or without touches
    assert _content(part.all_touches()) == _content(full)
    assert part.all_touches() is part.all_touches()  # sorted once
    assert full.all_touches() is full


def test_converted_only_still_validates_every_row() -> None:
    touches, conversions = make_data(0)
    unconverted = sorted(set(touches["lead_id"]) - set(conversions["lead_id"]))
    bad = dict(touches)
    bad["channel"] = touches["channel"].copy()
    row = int(np.flatnonzero(touches["lead_id"] == unconverted[0])[0])
    bad["channel"][row] = None
    with pytest.raises(DataValidationError, match="missing") as err:
        Journeys.build(bad, conversions, touches="converted")
    assert row in list(err.value.rows)


def test_touches_option_errors() -> None:
    touches, conversions = make_data(1)
    with pytest.raises(ParameterError, match="touches must be"):
        Journeys.build(touches, conversions, touches="some")  # type: ignore[arg-type]
    part = Journeys.build(touches, conversions, touches="converted")
    derived = part.select_touches(np.ones(part.n_touches, dtype=bool))
    with pytest.raises(ParameterError, match="touches='all'"):
        derived.all_touches()


def _quiet(*args: Any, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", alignment.AlignmentWarning)
        return alignment.attribute(*args, **kw)


@pytest.mark.parametrize("backend", ["dict", "pandas", "polars"])
@pytest.mark.parametrize("model", RULES)
def test_result_from_rows_equals_result_over_every_touch(model: str, backend: str) -> None:
    touches, conversions = make_data(3)
    leads = make_leads(3, touches, conversions)
    t, c = to_backend(touches, backend), to_backend(conversions, backend)
    fast = _quiet(t, c, model=model, leads=leads, lookback="30d")
    ref = _quiet(
        Journeys.build(t, c, leads=leads), model=model, lookback="30d"
    )  # a prebuilt table: every touch
    assert fast.table.touches == "converted" and ref.table.touches == "all"
    assert fast.table.n_touches < ref.table.n_touches
    assert fast.totals() == pytest.approx(ref.totals(), abs=1e-9)
    assert fast.totals("campaign", "conversions") == pytest.approx(
        ref.totals("campaign", "conversions"), abs=1e-12
    )
    assert fast.summary() == pytest.approx(ref.summary())
    # every per-touch view covers every input touch, as over the full table
    assert _content(fast.journeys) == _content(ref.journeys)
    np.testing.assert_array_equal(fast.eligible, ref.eligible)
    np.testing.assert_allclose(fast.weights, ref.weights, atol=1e-12)
    np.testing.assert_allclose(fast.credit, ref.credit, atol=1e-9)
    np.testing.assert_allclose(fast.conversion_credit, ref.conversion_credit, atol=1e-12)
    a, b = fast.to_frame(level="touch", backend="dict"), ref.to_frame(level="touch", backend="dict")
    assert list(a) == list(b)
    for name in a:
        if a[name].dtype.kind == "f":
            np.testing.assert_allclose(a[name], b[name], atol=1e-9)
        else:
            np.testing.assert_array_equal(a[name], b[name])
    # cost and ROI count the costs of every touch, converted or not
    fa = fast.to_frame(level="channel", backend="dict")
    fb = ref.to_frame(level="channel", backend="dict")
    np.testing.assert_allclose(fa["cost"], fb["cost"])
    np.testing.assert_allclose(fa["roi"], fb["roi"], equal_nan=True)
    assert fast.touches()["row"].tolist() == ref.touches()["row"].tolist()


def test_sequence_models_and_prebuilt_tables_keep_every_touch() -> None:
    touches, conversions = make_data(2)
    assert _quiet(touches, conversions, model="markov").table.touches == "all"
    assert _quiet(touches, conversions, model="shapley").table.touches == "all"
    j = Journeys.build(touches, conversions)
    assert _quiet(j, model="linear").table is j


@pytest.mark.parametrize("backend", ["dict", "pandas", "polars", "pyarrow"])
def test_touch_frame_from_rows_as_read_equals_the_sorted_path(backend: str) -> None:
    touches, conversions = make_data(5)
    leads = make_leads(5, touches, conversions)
    t, c = to_backend(touches, backend), to_backend(conversions, backend)
    result = _quiet(t, c, model="position_based", leads=leads, lookback="20d")
    direct = result._input_order_columns()  # in input order, no sort of every touch
    assert direct is not None
    sorted_back = result._every_touch()._touch_columns()  # sorted into journeys and back
    assert list(direct) == list(sorted_back)
    for name, value in direct.items():
        a, b = np.asarray(value), np.asarray(sorted_back[name])  # (Categorical: decoded)
        assert a.dtype == b.dtype and a.tolist() == b.tolist(), name
    frame = result.to_frame(level="touch")  # the caller's backend, from the direct columns
    text = [k for k, v in sorted_back.items() if isinstance(v, alignment._frames.Categorical)]
    assert "channel" in text  # (dictionary-encoded in a frame: category, Enum, dictionary)
    reference = alignment._frames.to_native(sorted_back, backend, dictionary=text)
    if backend == "dict":
        assert {k: v.tolist() for k, v in frame.items()} == {
            k: v.tolist() for k, v in reference.items()
        }
    else:
        assert frame.equals(reference)
    derived = result.table.select_touches(np.ones(result.table.n_touches, dtype=bool))
    assert derived._input_rows() is None  # a derived table has no rows as read
