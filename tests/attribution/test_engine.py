"""alignment.attribute end to end: oracle, conservation, invariances, errors, eligibility."""

from __future__ import annotations

import copy
import datetime as dt
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment import DataValidationError, ParameterError, PluginError, UnknownModelError
from alignment.base import AttributionModel
from alignment.tables import Journeys

from . import _twins as T
from ._data import HOUR, T0, conv_map, make_data, make_leads, to_backend, to_us

RULES = [
    "first",
    "last",
    "linear",
    "time_decay",
    "position_based",
    "u_shaped",
    "j_shaped",
    "inverse_j",
    "last_non_direct",
    "w_shaped",
    "full_path",
]
ALL_MODELS = sorted(alignment.attribution_models())


def _run(touches, conversions=None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", alignment.AlignmentWarning)
        return alignment.attribute(touches, conversions, **kw)


def _anchor_map(leads: dict) -> dict:
    out = {}
    for i, key in enumerate(leads["lead_id"]):
        row = {}
        for name, col in (
            ("lead_created_at", "created_at"),
            ("opportunity_at", "opportunity_at"),
            ("won_at", "won_at"),
        ):
            v = leads[col][i]
            row[name] = None if np.isnat(v) else int(v.astype("datetime64[us]").astype(np.int64))
        out[str(key)] = row
    return out


# ------------------------------------------------------------------------- oracle
@pytest.mark.parametrize("model", RULES)
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("lookback", [None, "12d"])
def test_rule_models_match_oracle(model: str, seed: int, lookback: str | None) -> None:
    touches, conversions = make_data(seed)
    leads = make_leads(seed, touches, conversions)
    result = _run(touches, conversions, model=model, lookback=lookback, leads=leads)
    lb = None if lookback is None else 12 * 24 * HOUR
    expected, reasons = T.oracle(
        model,
        [str(x) for x in touches["lead_id"]],
        to_us(touches["timestamp"]),
        [str(x) for x in touches["channel"]],
        conv_map(conversions),
        lookback_us=lb,
        anchors=_anchor_map(leads),
    )
    got = result.to_frame(level="touch")
    np.testing.assert_allclose(got["weight"], expected, atol=1e-12)
    un = result.unattributed
    assert dict(zip(un.keys.tolist(), un.reason.tolist())) == reasons


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(
                st.tuples(st.integers(0, 30), st.sampled_from(["direct", "email", "seo"])),
                max_size=5,
            ),
            st.one_of(st.none(), st.tuples(st.integers(0, 35), st.integers(0, 1000))),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(RULES[:9]),
    st.one_of(st.none(), st.integers(1, 20)),
)
def test_oracle_hypothesis(journeys: list, model: str, lookback_days: int | None) -> None:
    lead, time, channel = [], [], []
    conv_lead, conv_time, conv_rev = [], [], []
    for i, (tl, conv) in enumerate(journeys):
        for day, ch in tl:
            lead.append(f"j{i}")
            time.append(day)
            channel.append(ch)
        if conv is not None:
            conv_lead.append(f"j{i}")
            conv_time.append(conv[0])
            conv_rev.append(float(conv[1]))
    day = np.timedelta64(24 * HOUR, "us")
    touches = {
        "lead_id": np.array(lead, dtype=object),
        "timestamp": T0 + np.array(time, dtype=np.int64) * day,
        "channel": np.array(channel, dtype=object),
    }
    conversions = {
        "lead_id": np.array(conv_lead, dtype=object),
        "converted_at": T0 + np.array(conv_time, dtype=np.int64) * day,
        "revenue": np.array(conv_rev),
    }
    lookback = None if lookback_days is None else f"{lookback_days}d"
    result = _run(touches, conversions, model=model, lookback=lookback)
    expected, reasons = T.oracle(
        model,
        lead,
        to_us(touches["timestamp"]),
        channel,
        conv_map(conversions),
        lookback_us=None if lookback_days is None else lookback_days * 24 * HOUR,
    )
    np.testing.assert_allclose(result.to_frame("touch")["weight"], expected, atol=1e-12)
    assert (
        dict(zip(result.unattributed.keys.tolist(), result.unattributed.reason.tolist())) == reasons
    )
    # conservation
    total = sum(conv_rev)
    assert result.attributed_revenue + result.unattributed.total == pytest.approx(total, abs=1e-6)


# ------------------------------------------------------------------------- conservation
@pytest.mark.parametrize("model", ALL_MODELS)
def test_conservation_every_model(model: str) -> None:
    touches, conversions = make_data(3, n_leads=60)
    result = _run(touches, conversions, model=model, lookback="20d")
    total = float(conversions["revenue"].sum())
    credited = sum(result.totals().values())
    assert credited + result.unattributed.total == pytest.approx(total, rel=1e-12)
    conv = sum(result.totals(measure="conversions").values())
    assert conv + result.unattributed.conversions.sum() == pytest.approx(
        conversions["lead_id"].size
    )
    frame = result.to_frame(level="channel")
    assert frame["share"].sum() == pytest.approx(1.0)
    assert result.unattributed.total > 0  # the data has unattributed journeys of each kind
    assert set(result.unattributed.by_reason()) == {
        "no touches",
        "all touches after conversion",
        "outside lookback",
    }


# ------------------------------------------------------------------------- invariances
@pytest.mark.parametrize("model", ["linear", "time_decay", "w_shaped", "last_non_direct", "markov"])
def test_row_order_invariance(model: str) -> None:
    # ties in time are ordered by input row (documented), so invariance needs distinct instants
    touches, conversions = make_data(5, ties=False)
    leads = make_leads(5, touches, conversions)
    a = _run(touches, conversions, model=model, leads=leads)
    perm = np.random.default_rng(1).permutation(touches["lead_id"].size)
    shuffled = {k: v[perm] for k, v in touches.items()}
    cperm = np.random.default_rng(2).permutation(conversions["lead_id"].size)
    b = _run(shuffled, {k: v[cperm] for k, v in conversions.items()}, model=model, leads=leads)
    ta, tb = a.totals(), b.totals()
    assert ta.keys() == tb.keys()
    np.testing.assert_allclose(list(ta.values()), list(tb.values()), rtol=1e-12)
    if a.kind == "touch":
        wa = a.to_frame("touch")["weight"]
        wb = b.to_frame("touch")["weight"]
        np.testing.assert_allclose(wb, wa[perm], atol=1e-15)


def test_no_mutation_of_inputs() -> None:
    touches, conversions = make_data(6)
    leads = make_leads(6, touches, conversions)
    before = [copy.deepcopy(x) for x in (touches, conversions, leads)]
    for model in ["linear", "w_shaped", "time_decay"]:
        _run(touches, conversions, model=model, leads=leads, lookback="10d")
    for old, new in zip(before, (touches, conversions, leads)):
        assert old.keys() == new.keys()
        for k in old:
            np.testing.assert_array_equal(old[k], new[k])


def test_model_instance_not_mutated_and_deterministic() -> None:
    touches, conversions = make_data(7)
    model = alignment.attribution.TimeDecay(half_life="3d")
    a = _run(touches, conversions, model=model)
    b = _run(touches, conversions, model=model)
    assert model.get_params() == {"half_life": "3d"}
    np.testing.assert_array_equal(a.weights, b.weights)


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
@pytest.mark.parametrize("model", ["time_decay", "position_based", "markov"])
def test_same_result_for_every_backend(backend: str, model: str) -> None:
    pytest.importorskip(backend)
    touches, conversions = make_data(8)
    ref = _run(touches, conversions, model=model)
    res = _run(to_backend(touches, backend), to_backend(conversions, backend), model=model)
    assert res.backend == backend
    ta, tb = ref.totals(), res.totals()
    np.testing.assert_allclose(list(tb.values()), list(ta.values()), rtol=1e-12)
    frame = res.to_frame(level="channel")
    mod = type(frame).__module__.split(".")[0]
    assert mod == backend
    if ref.kind == "touch":
        touch = res.to_frame(level="touch", backend="dict")
        np.testing.assert_allclose(touch["weight"], ref.to_frame("touch")["weight"], atol=1e-15)
        assert touch["lead_id"].tolist() == touches["lead_id"].tolist()


def test_touchpoint_and_deal_models_input() -> None:
    utc = dt.timezone.utc
    tps = [
        alignment.Touchpoint(
            lead_id="a", timestamp=dt.datetime(2024, 1, 1, tzinfo=utc), channel="email"
        ),
        alignment.Touchpoint(
            lead_id="a", timestamp=dt.datetime(2024, 1, 3, tzinfo=utc), channel="seo"
        ),
        alignment.Touchpoint(
            lead_id="b", timestamp=dt.datetime(2024, 1, 2, tzinfo=utc), channel="seo"
        ),
    ]
    deals = [
        alignment.Deal(
            deal_id="d1",
            lead_id="a",
            created_at=dt.datetime(2024, 1, 4, tzinfo=utc),
            closed_at=dt.datetime(2024, 1, 5, tzinfo=utc),
            amount=300.0,
            won=True,
        ),
        alignment.Deal(
            deal_id="d2",
            lead_id="b",
            created_at=dt.datetime(2024, 1, 4, tzinfo=utc),
            closed_at=dt.datetime(2024, 1, 5, tzinfo=utc),
            amount=999.0,
            won=False,
        ),
    ]
    r = _run(tps, deals, model="linear")
    assert r.totals() == {"email": 150.0, "seo": 150.0}
    # a second won deal of the same person (an upsell) is its own conversion
    upsell = alignment.Deal(
        deal_id="d3",
        lead_id="a",
        created_at=dt.datetime(2024, 1, 6, tzinfo=utc),
        closed_at=dt.datetime(2024, 1, 9, tzinfo=utc),
        amount=60.0,
        won=True,
    )
    r2 = _run(tps, [*deals, upsell], model="linear")
    assert r2.totals() == {"email": 180.0, "seo": 180.0}
    assert r2.unattributed.keys.tolist() == []
    r3 = _run(tps, [*deals, upsell], model="linear", reset=True)
    assert r3.totals() == {"email": 150.0, "seo": 150.0}
    assert r3.unattributed.keys.tolist() == ["d3"]
    assert r3.unattributed.reason.tolist() == ["no touches"]


def test_prebuilt_journeys_input() -> None:
    touches, conversions = make_data(9)
    j = Journeys.build(touches, conversions)
    a = _run(j, model="linear")
    b = _run(touches, conversions, model="linear")
    assert a.totals() == b.totals()
    with pytest.raises(ParameterError, match="prebuilt"):
        _run(j, conversions, model="linear")


# ------------------------------------------------------------------------- conversions on touches
def test_conversion_columns_on_touch_rows() -> None:
    touches, conversions = make_data(10)
    cm = conv_map(conversions)
    n = touches["lead_id"].size
    conv_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    rev = np.full(n, np.nan)
    for i, key in enumerate(touches["lead_id"]):
        if key in cm:
            conv_at[i] = np.datetime64(cm[key][0], "us")
            rev[i] = cm[key][1]
    on_rows = dict(touches, converted_at=conv_at, revenue=rev)
    a = _run(on_rows, model="linear")
    b = _run(touches, conversions, model="linear")
    # on-row conversions cannot express converted leads without touches: compare the rest
    assert a.totals() == b.totals()
    assert a.unattributed.total == pytest.approx(
        b.unattributed.total - b.unattributed.by_reason().get("no touches", 0.0)
    )


def test_conflicting_conversion_values_on_touch_rows() -> None:
    touches = {
        "lead_id": ["a", "a"],
        "timestamp": ["2024-01-01T00:00Z", "2024-01-02T00:00Z"],
        "channel": ["email", "seo"],
        "converted_at": ["2024-01-05T00:00Z", "2024-01-05T00:00Z"],
        "revenue": [100.0, 200.0],
    }
    with pytest.raises(DataValidationError, match="conflicting"):
        _run(touches, model="linear")


# ------------------------------------------------------------------------- eligibility
def _one_journey(days_before: list[float], **kw):
    conv = np.datetime64("2024-02-01T00:00:00", "us")
    t = conv - (np.array(days_before) * 24 * HOUR).astype(np.int64).astype("timedelta64[us]")
    touches = {
        "lead_id": ["a"] * len(t),
        "timestamp": t,
        "channel": [f"c{i}" for i in range(len(t))],
    }
    conversions = {"lead_id": ["a"], "converted_at": [conv], "revenue": [1000.0]}
    return _run(touches, conversions, **kw)


def test_lookback_boundary_is_inclusive() -> None:
    r = _one_journey([10, 7, 1], model="linear", lookback="7d")
    assert r.to_frame("touch")["weight"].tolist() == [0.0, 0.5, 0.5]
    assert r.to_frame("touch")["eligible"].tolist() == [False, True, True]


def test_touch_at_conversion_time_gets_nothing() -> None:
    r = _one_journey([3, 0, -1], model="linear")
    assert r.to_frame("touch")["weight"].tolist() == [1.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("days", "lookback", "reason"),
    [([0, -2], None, "all touches after conversion"), ([30, 0], "7d", "outside lookback")],
)
def test_unattributed_reasons(days: list, lookback: str | None, reason: str) -> None:
    r = _one_journey(days, model="linear", lookback=lookback)
    assert r.unattributed.reason.tolist() == [reason]
    assert r.unattributed.total == 1000.0
    assert sum(r.totals().values()) == 0.0
    frame = r.unattributed.to_frame()
    assert frame["lead_id"].tolist() == ["a"] and frame["reason"].tolist() == [reason]


def test_converted_journey_without_touches() -> None:
    touches = {"lead_id": ["a"], "timestamp": ["2024-01-01T00:00Z"], "channel": ["email"]}
    conversions = {
        "lead_id": ["a", "z"],
        "converted_at": ["2024-01-05T00:00Z", "2024-01-05T00:00Z"],
        "revenue": [10.0, 5.0],
    }
    r = _run(touches, conversions, model="last")
    assert r.unattributed.reason.tolist() == ["no touches"]
    assert r.unattributed.keys.tolist() == ["z"]
    assert r.totals() == {"email": 10.0}


def test_time_decay_check_case_end_to_end() -> None:
    # touches 0, 0, 6 and 9 days before conversion: "0 days" is 1 second before it
    conv = np.datetime64("2024-02-01T00:00:00", "us")
    sec = np.timedelta64(1_000_000, "us")
    day = np.timedelta64(24 * HOUR, "us")
    t = np.array([conv - 9 * day, conv - 6 * day, conv - sec, conv - sec])
    touches = {"lead_id": ["a"] * 4, "timestamp": t, "channel": ["a", "b", "c", "d"]}
    conversions = {"lead_id": ["a"], "converted_at": [conv], "revenue": [100.0]}
    r = _run(touches, conversions, model="time_decay")
    assert np.round(r.to_frame("touch")["weight"] * 100, 1).tolist() == [13.8, 18.6, 33.8, 33.8]
    r2 = _run(touches, conversions, model="time_decay", half_life="7d")
    np.testing.assert_array_equal(r.weights, r2.weights)


# ------------------------------------------------------------------------- errors
def test_unknown_model() -> None:
    touches, conversions = make_data(0)
    with pytest.raises(UnknownModelError):
        _run(touches, conversions, model="linaer")


@pytest.mark.parametrize(
    ("model", "params"),
    [
        ("time_decay", {"half_life": "0d"}),
        ("time_decay", {"half_life": "-3d"}),
        ("time_decay", {"half_life": "soon"}),
        ("position_based", {"first": -0.1}),
        ("position_based", {"first": 0.0, "last": 0.0, "middle": 1.0}),
        ("position_based", {"middle": float("nan")}),
        ("w_shaped", {"rest": -1}),
        ("w_shaped", {"first": 0}),
        ("full_path", {"closed_won": "a lot"}),
        ("last_non_direct", {"exclude": 3}),
        ("last_non_direct", {"exclude": ["direct", None]}),
        ("linear", {"half_life": "7d"}),
    ],
)
def test_bad_parameters(model: str, params: dict) -> None:
    touches, conversions = make_data(0)
    with pytest.raises(ParameterError):
        _run(touches, conversions, model=model, **params)


@pytest.mark.parametrize("lookback", ["0d", "-1d", "tomorrow", 5])
def test_bad_lookback(lookback: object) -> None:
    touches, conversions = make_data(0)
    with pytest.raises(ParameterError):
        _run(touches, conversions, model="linear", lookback=lookback)


def test_missing_column_is_typed() -> None:
    touches, conversions = make_data(0)
    del touches["channel"]
    with pytest.raises(alignment.MissingColumnError):
        _run(touches, conversions)


class _Bad(AttributionModel):
    description = "broken on purpose"

    def __init__(self, mode: str = "nan") -> None:
        self.mode = mode

    def weights(self, journeys: Journeys) -> np.ndarray:
        n = journeys.n_touches
        w = np.full(n, 1.0)
        if self.mode == "nan":
            w[:] = np.nan
        elif self.mode == "short":
            return w[:-1]
        elif self.mode == "negative":
            w[:] = -1.0
        return w  # "sum": all ones do not sum to 1 in multi-touch journeys


@pytest.mark.parametrize("mode", ["nan", "short", "negative", "sum"])
def test_invalid_model_output_raises_plugin_error(mode: str) -> None:
    touches, conversions = make_data(0)
    with pytest.raises(PluginError, match="_Bad"):
        _run(touches, conversions, model=_Bad(mode))


def test_data_driven_model_credit_is_checked() -> None:
    from alignment.base import ChannelCredit

    class Leaky(AttributionModel):
        kind = "channel"
        description = "loses revenue"

        def __init__(self) -> None:
            pass

        def channel_credit(self, journeys: Journeys) -> ChannelCredit:
            return ChannelCredit({"email": 1.0}, {"email": 1.0})

    touches, conversions = make_data(0)
    with pytest.raises(PluginError, match="conserve"):
        _run(touches, conversions, model=Leaky())


# ------------------------------------------------------------------------- hypothesis properties
@settings(max_examples=15, deadline=None)
@given(
    st.integers(0, 10_000),
    st.sampled_from(["linear", "time_decay", "position_based", "last_non_direct", "w_shaped"]),
    st.sampled_from([None, "15d"]),
    st.randoms(use_true_random=False),
)
def test_properties_order_backends_mutation(seed: int, model: str, lookback, rnd) -> None:
    touches, conversions = make_data(seed, n_leads=12, ties=False)
    leads = make_leads(seed, touches, conversions)
    snapshot = {k: v.copy() for k, v in touches.items()}
    ref = _run(touches, conversions, model=model, lookback=lookback, leads=leads)
    # no mutation
    for k in snapshot:
        np.testing.assert_array_equal(snapshot[k], touches[k])
    # conservation
    total = float(conversions["revenue"].sum())
    assert ref.attributed_revenue + ref.unattributed.total == pytest.approx(total, rel=1e-12)
    # row-order invariance
    perm = np.array(
        rnd.sample(range(touches["lead_id"].size), touches["lead_id"].size), dtype=np.int64
    )
    shuffled = _run(
        {k: v[perm] for k, v in touches.items()},
        conversions,
        model=model,
        lookback=lookback,
        leads=leads,
    )
    np.testing.assert_allclose(
        shuffled.to_frame("touch")["weight"], ref.to_frame("touch")["weight"][perm], atol=1e-15
    )
    # same answer for every backend
    w_ref = ref.to_frame("touch")["weight"]
    for backend in ("pandas", "polars", "pyarrow"):
        other = _run(
            to_backend(touches, backend),
            to_backend(conversions, backend),
            model=model,
            lookback=lookback,
            leads=to_backend(leads, backend),
        )
        np.testing.assert_allclose(
            other.to_frame("touch", backend="dict")["weight"], w_ref, atol=1e-15
        )
        assert other.totals(by="source") == pytest.approx(ref.totals(by="source"))


def test_subclass_overriding_weights_is_respected() -> None:
    class FirstOnly(alignment.attribution.Linear):
        description = "first touch via an overridden weights()"

        def weights(self, journeys: Journeys) -> np.ndarray:
            return alignment.attribution.FirstTouch().weights(journeys)

    touches, conversions = make_data(4)
    a = _run(touches, conversions, model=FirstOnly())
    b = _run(touches, conversions, model="first")
    np.testing.assert_array_equal(a.weights, b.weights)


@pytest.mark.parametrize(
    ("name", "module"),
    [("markov", "alignment.attribution._markov"), ("shapley", "alignment.attribution._shapley")],
)
def test_data_driven_builtins_registered(name: str, module: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} not written yet")
    assert name in alignment.attribution_models()
    assert alignment.plugins.get_registration("attribution model", name).plugin == (
        "alignment.attribution._plugin"
    )


def test_unknown_by_lists_the_callers_channel_column_name() -> None:
    touches = {
        "lead_id": np.array(["a", "a", "b"]),
        "timestamp": np.array(["2024-01-01", "2024-01-02", "2024-01-03"], dtype="datetime64[s]"),
        "src": np.array(["x", "y", "x"]),
    }
    conversions = {
        "lead_id": np.array(["a", "b"]),
        "converted_at": np.array(["2024-02-01", "2024-02-01"], dtype="datetime64[s]"),
        "revenue": np.array([10.0, 20.0]),
    }
    res = alignment.attribute(touches, conversions, channel="src", tz="UTC")
    with pytest.raises(ParameterError, match=r"available keys are src\b") as info:
        res.totals(by="nope")
    assert "channel" not in str(info.value).split("available keys are")[1].split("(")[0]
    assert res.totals(by="src") == res.totals(by="channel") == {"x": 25.0, "y": 5.0}


def test_unknown_by_with_leads_names_the_real_reason() -> None:
    touches = {
        "lead_id": np.array(["a", "b"]),
        "timestamp": np.array(["2024-01-01", "2024-01-03"], dtype="datetime64[s]"),
        "channel": np.array(["x", "y"]),
        "campaign": np.array(["c1", "c2"]),
        "cost": np.array([1.0, 2.0]),
    }
    conversions = {
        "lead_id": np.array(["a", "b"]),
        "converted_at": np.array(["2024-02-01", "2024-02-01"], dtype="datetime64[s]"),
        "revenue": np.array([10.0, 20.0]),
    }
    leads = {
        "lead_id": np.array(["a", "b"]),
        "created_at": np.array(["2023-12-01", "2023-12-01"], dtype="datetime64[s]"),
        "company_size": np.array([120.0, 40.0]),
        "campaign": np.array(["c1", "c2"]),
    }
    res = alignment.attribute(touches, conversions, leads=leads, tz="UTC")
    with pytest.raises(ParameterError) as info:
        res.totals(by="company_size")
    text = str(info.value)
    assert "no roll-up key" in text and "pass attribute(leads=" not in text
    assert text.endswith("available keys are channel, campaign")  # each key once
    with pytest.raises(ParameterError, match=r"it is a number .* column"):
        res.totals(by="cost")
