"""AttributionResult: totals by any key, frames, unattributed, display."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import alignment
from alignment import ParameterError

from ._data import make_data, make_leads, to_backend


def _run(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", alignment.AlignmentWarning)
        return alignment.attribute(*args, **kw)


@pytest.fixture(scope="module")
def data():
    touches, conversions = make_data(11, n_leads=80)
    return touches, conversions, make_leads(11, touches, conversions)


def _manual_group(keys: np.ndarray, values: np.ndarray) -> dict:
    out: dict = {}
    for k, v in zip(keys.tolist(), values.tolist()):
        out[k] = out.get(k, 0.0) + v
    return out


@pytest.mark.parametrize("measure", ["revenue", "conversions"])
@pytest.mark.parametrize("by", ["channel", "campaign"])
def test_totals_by_touch_column_match_touch_frame(data, by: str, measure: str) -> None:
    touches, conversions, _ = data
    r = _run(touches, conversions, model="position_based")
    frame = r.to_frame("touch")
    col = "credit" if measure == "revenue" else "conversion_credit"
    expected = _manual_group(frame[by], frame[col])
    got = r.totals(by=by, measure=measure)
    assert set(got) == set(expected)
    for k in got:
        assert got[k] == pytest.approx(expected[k], abs=1e-9)


def test_totals_by_lead_column(data) -> None:
    touches, conversions, leads = data
    r = _run(touches, conversions, model="linear", leads=leads)
    frame = r.to_frame("touch")
    source_of = dict(zip(leads["lead_id"].tolist(), leads["source"].tolist()))
    expected = _manual_group(
        np.array([source_of[k] for k in frame["lead_id"]], dtype=object), frame["credit"]
    )
    got = r.totals(by="source")
    for k in expected:
        assert got[k] == pytest.approx(expected[k])
    assert sum(got.values()) == pytest.approx(sum(r.totals().values()))
    keyed = r.to_frame(level="source")
    assert keyed["source"].tolist() == sorted(expected)


def test_unknown_by_key_and_measure(data) -> None:
    touches, conversions, _ = data
    r = _run(touches, conversions, model="linear")
    with pytest.raises(ParameterError, match="source"):
        r.totals(by="source")  # a lead column without leads=
    with pytest.raises(ParameterError):
        r.totals(measure="profit")  # type: ignore[arg-type]


def test_channel_frame_with_cost_and_roi(data) -> None:
    touches, conversions, _ = data
    r = _run(touches, conversions, model="linear")
    f = r.to_frame(level="channel")
    assert list(f) == ["channel", "conversions", "revenue", "share", "cost", "roi"]
    cost = _manual_group(touches["channel"], touches["cost"])
    np.testing.assert_allclose(f["cost"], [cost[k] for k in f["channel"]])
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = (f["revenue"] - f["cost"]) / f["cost"]
    np.testing.assert_allclose(f["roi"], roi)
    np.testing.assert_allclose(f["share"], f["revenue"] / f["revenue"].sum())


def test_no_cost_columns_without_cost(data) -> None:
    touches, conversions, _ = data
    t = {k: v for k, v in touches.items() if k != "cost"}
    f = _run(t, conversions, model="linear").to_frame(level="channel")
    assert list(f) == ["channel", "conversions", "revenue", "share"]


def test_missing_by_values_are_reported_not_dropped(data) -> None:
    touches, conversions, _ = data
    t = dict(touches)
    camp = t["campaign"].copy()
    camp[::3] = None
    t["campaign"] = camp
    r = _run(t, conversions, model="linear")
    got = r.totals(by="campaign")
    assert "(missing)" in got
    frame = r.to_frame("touch")
    assert frame["campaign"].tolist() == camp.tolist()  # missing values come back as None
    assert sum(got.values()) == pytest.approx(sum(r.totals().values()))


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
def test_touch_frame_in_caller_backend_and_order(data, backend: str) -> None:
    pytest.importorskip(backend)
    touches, conversions, _ = data
    r = _run(to_backend(touches, backend), to_backend(conversions, backend), model="linear")
    frame = r.to_frame(level="touch")
    assert type(frame).__module__.split(".")[0] == backend
    d = r.to_frame(level="touch", backend="dict")
    assert d["lead_id"].tolist() == touches["lead_id"].tolist()
    assert {"weight", "credit", "eligible"} <= set(d)
    un = r.unattributed.to_frame()
    assert type(un).__module__.split(".")[0] == backend


def test_touches_method_has_rows(data) -> None:
    touches, conversions, _ = data
    r = _run(touches, conversions, model="linear")
    t = r.touches()
    assert t["row"].tolist() == list(range(touches["lead_id"].size))


def test_data_driven_result(data) -> None:
    if "markov" not in alignment.attribution_models():
        pytest.skip("markov not registered")
    touches, conversions, _ = data
    r = _run(touches, conversions, model="markov")
    assert r.kind == "channel"
    assert r.details  # transition matrix, removal effects …
    f = r.to_frame(level="channel")
    assert f["revenue"].sum() == pytest.approx(sum(r.totals().values()))
    with pytest.raises(ParameterError, match="data-driven"):
        r.to_frame(level="touch")
    with pytest.raises(ParameterError, match="data-driven"):
        r.totals(by="campaign")
    assert "markov" in r._repr_html_()


def test_repr_html_and_summary(data) -> None:
    touches, conversions, _ = data
    r = _run(touches, conversions, model="time_decay", lookback="10d")
    html = r._repr_html_()
    assert "<table" in html and "time_decay" in html and "unattributed" in html
    s = r.summary()
    assert s["attributed_revenue"] + s["unattributed_revenue"] == pytest.approx(
        s["converted_revenue"]
    )
    assert "<table" in r.unattributed._repr_html_()
    assert "Unattributed(" in repr(r.unattributed)
    assert "AttributionResult(" in repr(r)


def test_result_arrays_are_read_only(data) -> None:
    touches, conversions, _ = data
    r = _run(touches, conversions, model="linear")
    assert r.weights is not None
    with pytest.raises(ValueError):
        r.weights[0] = 5.0


def test_eligible_and_unattributed_are_read_only() -> None:
    """Nothing the result hands out can be written into (its figures could then drift)."""
    crm = alignment.datasets.synthetic_crm(n_leads=100, seed=2)
    r = _run(crm.touchpoints, crm.conversions, model="linear")
    assert not r.eligible.flags.writeable
    with pytest.raises(ValueError):
        r.eligible[:] = False
    day = lambda s: np.array(s, dtype="datetime64[us]")  # noqa: E731
    tp = {"lead_id": np.array(["a", "b"], object), "timestamp": day(["2024-01-01", "2024-01-02"]),
          "channel": np.array(["x", "y"], object)}  # fmt: skip
    revenue = np.array([100.0, 40.0])
    cv = {"lead_id": np.array(["a", "z"], object), "converted_at": day(["2024-02-01"] * 2),
          "revenue": revenue}  # fmt: skip
    r = _run(tp, cv, model="linear")
    u = r.unattributed
    assert u.keys.tolist() == ["z"] and u.total == 40.0
    for arr in (u.keys, u.revenue, u.conversions, u.reason):
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[:] = arr[::-1]
    assert r.summary()["unattributed_revenue"] == 40.0 and revenue.flags.writeable


def test_data_driven_details_and_credit_cannot_be_edited(data) -> None:
    """details is a copy with read-only arrays; the credit per channel refuses edits."""
    touches, conversions, _ = data
    r = _run(touches, conversions, model="markov")
    d = r.details
    matrix, effects = d["transition_matrix"].sum(), dict(d["removal_effects"])
    assert not d["transition_matrix"].flags.writeable
    with pytest.raises(ValueError):
        d["transition_matrix"][...] = 0.0
    d["removal_effects"].clear()
    d["states"].append("edited")
    assert r.details["transition_matrix"].sum() == matrix
    assert r.details["removal_effects"] == effects and "edited" not in r.details["states"]
    totals, summary = r.totals(), r.summary()
    channel = next(iter(r.channel_credit.revenue))
    with pytest.raises(TypeError):
        r.channel_credit.revenue[channel] += 1e6  # type: ignore[index]
    with pytest.raises(TypeError):
        r.channel_credit.conversions[channel] = 0.0  # type: ignore[index]
    assert r.totals() == totals and r.summary() == summary
