"""Planning: worked examples, properties, vectorisation and bad inputs."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alignment import ParameterError
from alignment import funnel as fn

from .helpers import BACKENDS, as_lists

WATERFALL = {"inquiry": 0.10, "mql": 0.85, "sal": 0.60, "sql": 0.30}

rate = st.floats(min_value=1e-3, max_value=1.0, allow_nan=False)
money = st.floats(min_value=1.0, max_value=1e9, allow_nan=False)
rates_st = st.lists(rate, min_size=1, max_size=6).map(
    lambda rs: {f"s{i}": r for i, r in enumerate(rs)}
)


# ---------------------------------------------------------------- worked examples (docs/funnel.md)
def test_worked_example_revenue_to_leads() -> None:
    p = fn.plan(revenue_target=100_000, average_deal_size=1_000, rates={"lead": 0.04})
    assert p.customers == 100.0
    assert p.required == {"lead": pytest.approx(2500.0)}
    assert p.required_whole == {"lead": 2500.0}
    assert p.overall_rate == pytest.approx(0.04)
    assert p.revenue == pytest.approx(100_000)


def test_worked_example_reverse_waterfall() -> None:
    p = fn.plan(100_000, 1_000, WATERFALL)
    assert p.overall_rate == pytest.approx(0.0153)
    f = fn.forward(1_000, WATERFALL)
    assert f.customers == pytest.approx(15.3)
    assert f.volumes == pytest.approx({"inquiry": 1000, "mql": 100, "sal": 85, "sql": 51})
    assert p.required["inquiry"] == pytest.approx(100 / 0.0153)
    assert p.required_whole["inquiry"] == 6536.0
    assert p.required["sql"] == pytest.approx(100 / 0.30)


def test_worked_example_sales_velocity() -> None:
    v = fn.sales_velocity(18, 42_000, 0.24, 78)
    assert isinstance(v, float)
    assert round(v) == 2326
    assert v == pytest.approx(18 * 42_000 * 0.24 / 78)


def test_marketing_share_and_periods() -> None:
    p = fn.plan(1_200_000, 10_000, {"lead": 0.05}, marketing_share=0.5, periods=12)
    assert p.customers == pytest.approx(60.0)
    assert p.required["lead"] == pytest.approx(1200.0)
    assert p.per_period is not None and p.period_weights is not None
    assert p.per_period["lead"].shape == (12,)
    assert p.per_period["lead"] == pytest.approx(np.full(12, 100.0))
    assert p.per_period["customers"].sum() == pytest.approx(60.0)
    seasonal = fn.plan(1_200_000, 10_000, {"lead": 0.05}, periods=[1, 1, 2])
    assert seasonal.per_period is not None
    assert seasonal.per_period["lead"] == pytest.approx([600.0, 600.0, 1200.0])


def test_required_whole_rounds_up_but_ignores_float_noise() -> None:
    p = fn.plan(100, 1, {"a": 0.3})
    assert p.required["a"] == pytest.approx(333.333333)
    assert p.required_whole["a"] == 334.0
    # 21 / 0.7 is 30.000000000000004 in floating point: that is 30 leads, not 31
    q = fn.plan(21, 1, {"a": 0.7})
    assert q.required["a"] > 30.0
    assert q.required_whole["a"] == 30.0


def test_rep_plan_feeds_sla_volume() -> None:
    r = fn.rep_plan(1_200_000, 10_000, {"lead": 0.10})
    assert r.quota_per_month == pytest.approx(100_000)
    assert r.deals_per_month == pytest.approx(10.0)
    assert r.leads_per_month == pytest.approx(100.0)
    assert r.leads_per_month_whole == 100.0
    q = fn.rep_plan(300_000, 10_000, {"lead": 0.10}, period="quarter")
    assert q.leads_per_month == pytest.approx(100.0)
    m = fn.rep_plan(100_000, 10_000, {"mql": 0.5, "sql": 0.2}, period="month", marketing_share=0.6)
    assert m.required_per_month["mql"] == pytest.approx(60.0)
    assert m.leads_per_month == pytest.approx(60.0)
    frame = m.to_frame()
    assert list(frame["per_month"]) == pytest.approx([60.0, 30.0])


def test_sensitivity_ranks_the_weakest_stage_first() -> None:
    s = fn.sensitivity(WATERFALL, revenue_target=100_000, average_deal_size=1_000, volume=1_000)
    assert list(s.stages) == ["inquiry", "sql", "sal", "mql"]
    assert s.best == "inquiry"
    assert s.improved_rate[0] == pytest.approx(0.11)
    assert s.leads_saved is not None and s.required_after is not None
    assert s.revenue_added is not None and s.customers_added is not None
    # each row checked by re-planning with the one improved rate
    for k, stage in enumerate(s.stages):
        better = dict(WATERFALL, **{str(stage): float(s.improved_rate[k])})
        again = fn.plan(100_000, 1_000, better)
        assert s.required_after[k] == pytest.approx(again.required["inquiry"])
        ahead = fn.forward(1_000, better, 1_000)
        assert ahead.revenue is not None
        assert s.revenue_added[k] == pytest.approx(ahead.revenue - 15.3 * 1_000)
    assert np.all(np.diff(s.leads_saved) <= 1e-9)


def test_sensitivity_caps_at_one_and_relative_step() -> None:
    s = fn.sensitivity({"a": 1.0, "b": 0.5}, step=0.05)
    assert s.improved_rate.tolist() == pytest.approx([0.55, 1.0])
    assert s.factor[-1] == 1.0
    r = fn.sensitivity({"a": 0.2, "b": 0.5}, step=0.1, relative=True)
    assert r.factor == pytest.approx([1.1, 1.1])
    assert list(r.stages) == ["a", "b"]  # ties keep funnel order


def test_forward_from_a_middle_stage() -> None:
    f = fn.forward(51, WATERFALL, average_deal_size=1_000, stage="sql")
    assert f.stages == ("sql",)
    assert f.customers == pytest.approx(15.3)
    assert f.revenue == pytest.approx(15_300)


# ---------------------------------------------------------------- vectorised scenarios
def test_arrays_broadcast_and_match_scalar_plans() -> None:
    rng = np.random.default_rng(7)
    targets = rng.uniform(1e4, 1e6, 50)
    mql = rng.uniform(0.05, 1, 50)
    p = fn.plan(targets, 1_000, {"inquiry": mql, "sql": 0.3}, periods=4)
    assert p.shape == (50,)
    assert isinstance(p.required["inquiry"], np.ndarray)
    assert p.per_period is not None and p.per_period["inquiry"].shape == (50, 4)
    for i in range(0, 50, 7):
        one = fn.plan(float(targets[i]), 1_000, {"inquiry": float(mql[i]), "sql": 0.3})
        assert p.required["inquiry"][i] == pytest.approx(one.required["inquiry"])
        assert p.required_whole["sql"][i] == one.required_whole["sql"]
    frame = p.to_frame()
    assert frame["scenario"].size == 100
    assert fn.plan(1, 1, {"a": np.array([0.5, 0.25])}).customers.tolist() == [1.0, 1.0]  # type: ignore[union-attr]


def test_monte_carlo_over_uncertain_rates() -> None:
    rng = np.random.default_rng(1)
    draws = rng.beta(40, 960, 10_000)  # lead-to-customer rate around 4%
    p = fn.plan(100_000, 1_000, {"lead": draws})
    leads = np.asarray(p.required["lead"])
    assert leads.shape == (10_000,)
    assert 2_300 < np.median(leads) < 2_700
    assert np.all(leads == 100 / draws)


def test_shapes_that_do_not_broadcast() -> None:
    with pytest.raises(ParameterError, match="broadcast"):
        fn.plan(np.ones(3) * 10, 1, {"a": np.full(4, 0.5)})


def test_ceil_whole_ignores_noise_but_not_fractions() -> None:
    from alignment.funnel._plan import ceil_whole

    v = np.array([2500.0000000000005, 2500.3, 2499.9999999999995, 0.0, 1e-12, 7.039035203649536e13])
    out = ceil_whole(v)
    assert out.tolist()[:5] == [2500.0, 2501.0, 2500.0, 0.0, 1.0]
    # large volumes: never more than floating noise below the exact volume (a hypothesis find:
    # subtracting a relative tolerance before ceil used to drop 70,390 leads here)
    assert out[5] >= v[5] * (1 - 1e-9) and out[5] - v[5] < 1


# ---------------------------------------------------------------- properties
@example(
    target=839118385.75,
    deal=1.0,
    rates={"s0": 0.03125, "s1": 0.001953125, "s2": 0.001953125},
    share=0.01,
)
@settings(max_examples=60, deadline=None)
@given(target=money, deal=money, rates=rates_st, share=st.floats(0.01, 1.0))
def test_plan_then_forward_returns_the_target(
    target: float, deal: float, rates: dict[str, float], share: float
) -> None:
    p = fn.plan(target, deal, rates, marketing_share=share)
    top = next(iter(rates))
    f = fn.forward(p.required[top], rates, average_deal_size=deal)
    assert f.revenue == pytest.approx(target * share, rel=1e-9)
    for stage in rates:
        assert f.volumes[stage] == pytest.approx(p.required[stage], rel=1e-9)
        assert p.required_whole[stage] >= p.required[stage] * (1 - 1e-9)
        assert p.required_whole[stage] - p.required[stage] < 1


@settings(max_examples=60, deadline=None)
@given(rates=rates_st, data=st.data())
def test_monotone_in_rates(rates: dict[str, float], data: st.DataObject) -> None:
    stage = data.draw(st.sampled_from(list(rates)))
    better = dict(rates)
    better[stage] = data.draw(st.floats(min_value=rates[stage], max_value=1.0))
    before = fn.plan(1e5, 1e3, rates)
    after = fn.plan(1e5, 1e3, better)
    for s in rates:
        assert after.required[s] <= before.required[s] * (1 + 1e-12)
    assert fn.forward(100, better).customers >= fn.forward(100, rates).customers * (1 - 1e-12)
    # required volumes never increase down the funnel
    req = [before.required[s] for s in rates]
    assert all(a >= b * (1 - 1e-12) for a, b in itertools.pairwise(req))


@settings(max_examples=40, deadline=None)
@given(rates=rates_st)
def test_vectorised_equals_scalar(rates: dict[str, float]) -> None:
    arr = {k: np.array([v, v]) for k, v in rates.items()}
    vec = fn.plan(5e4, 250.0, arr)
    one = fn.plan(5e4, 250.0, rates)
    for s in rates:
        assert np.asarray(vec.required[s]).tolist() == [one.required[s]] * 2


# ---------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rates": {"lead": 0.0}}, r"\(0, 1\]"),
        ({"rates": {"lead": 1.5}}, r"write 4% as 0.04"),
        ({"rates": {"lead": -0.1}}, "rate of stage 'lead'"),
        ({"rates": {"lead": math.nan}}, "fraction"),
        ({"rates": {}}, "rates is empty"),
        ({"rates": [0.1, 0.2]}, "mapping"),
        ({"rates": 0.04}, "mapping"),
        ({"rates": {"": 0.1}}, "non-empty strings"),
        ({"rates": {"lead": np.array([0.1, 0.0])}}, "1 value"),
        ({"average_deal_size": 0}, "average_deal_size must be finite and positive"),
        ({"average_deal_size": -5}, "average_deal_size"),
        ({"revenue_target": 0}, "revenue_target"),
        ({"revenue_target": "lots"}, "revenue_target must be a number"),
        ({"marketing_share": 0}, "marketing_share"),
        ({"marketing_share": 1.2}, "marketing_share"),
        ({"periods": 0}, "at least 1"),
        ({"periods": [1, -1]}, "non-negative"),
        ({"periods": [0, 0]}, "sum to 0"),
        ({"periods": True}, "periods"),
        ({"periods": np.timedelta64(2, "D")}, "periods"),  # a duration is not a count
    ],
)
def test_plan_rejects_bad_inputs(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {
        "revenue_target": 100_000,
        "average_deal_size": 1_000,
        "rates": {"lead": 0.04},
    }
    args.update(kwargs)
    with pytest.raises(ParameterError, match=match):
        fn.plan(**args)  # type: ignore[arg-type]


def test_other_bad_inputs() -> None:
    with pytest.raises(ParameterError, match=r"unknown stage 'sqll'.*Did you mean 'sql'"):
        fn.forward(10, WATERFALL, stage="sqll")
    with pytest.raises(ParameterError, match="volume"):
        fn.forward(-1, WATERFALL)
    with pytest.raises(ParameterError, match="period must be one of"):
        fn.rep_plan(1e5, 1e3, {"lead": 0.1}, period="week")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="win_rate"):
        fn.sales_velocity(18, 42_000, 24, 78)
    with pytest.raises(ParameterError, match="cycle_days"):
        fn.sales_velocity(18, 42_000, 0.24, 0)
    with pytest.raises(ParameterError, match="step"):
        fn.sensitivity(WATERFALL, step=0)
    with pytest.raises(ParameterError, match="average_deal_size"):
        fn.sensitivity(WATERFALL, revenue_target=1e5)
    with pytest.raises(ParameterError, match="twice"):
        fn.plan(1, 1, [("a", 0.5), ("a", 0.5)])
    with pytest.raises(ParameterError, match="scalar"):
        fn.sensitivity({"a": np.array([0.1, 0.2])})


def test_sensitivity_reads_its_numbers_as_plan_does() -> None:
    # an integer beyond int64 is a number (np.isfinite raised a raw TypeError on it)
    huge = fn.sensitivity(WATERFALL, step=2**70)
    assert (huge.improved_rate == 1.0).all()
    with pytest.raises(ParameterError, match="too large for a float"):
        fn.sensitivity(WATERFALL, step=10**400)
    # sensitivity takes one number where plan() takes scenarios (float(array) raised)
    target = {"revenue_target": 1e5, "average_deal_size": 1e3}
    for name, many in {
        "revenue_target": {**target, "revenue_target": [1e5, 2e5]},
        "average_deal_size": {**target, "average_deal_size": np.array([1e3, 2e3])},
        "marketing_share": {**target, "marketing_share": [0.5, 0.6]},
        "volume": {"volume": [100, 200]},
    }.items():
        with pytest.raises(ParameterError, match=f"one {name}"):
            fn.sensitivity(WATERFALL, **many)


def test_inputs_not_mutated() -> None:
    rates = {"a": np.array([0.5, 0.25]), "b": 0.5}
    target = np.array([100.0, 200.0])
    fn.plan(target, 10.0, rates, periods=[1, 2])
    fn.forward(target, rates)
    assert rates["a"].tolist() == [0.5, 0.25] and list(rates) == ["a", "b"]
    assert target.tolist() == [100.0, 200.0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_plan_results_to_frame_and_html(backend: str) -> None:
    p = fn.plan(100_000, 1_000, WATERFALL, periods=12)
    frame = as_lists(p.to_frame(backend=backend))
    assert frame["stage"] == ["inquiry", "mql", "sal", "sql"]
    assert frame["required_whole"] == [6536.0, 654.0, 556.0, 334.0]
    periods = as_lists(p.to_frame("periods", backend=backend))
    assert periods["period"] == list(range(1, 13))
    assert sum(periods["customers"]) == pytest.approx(100.0)
    html = p._repr_html_()
    assert "<table" in html and "inquiry" in html
    f = fn.forward(1_000, WATERFALL, 1_000)
    assert "won" in f._repr_html_()
    s = fn.sensitivity(WATERFALL, volume=1_000)
    assert "best: inquiry" in s._repr_html_()
    assert as_lists(f.to_frame(backend=backend))["volume"] == pytest.approx(
        [1000, 100, 85, 51, 15.3]
    )
    assert as_lists(s.to_frame(backend=backend))["stage"][0] == "inquiry"
    r = fn.rep_plan(1e6, 1e4, WATERFALL)
    assert "Rep plan" in r._repr_html_()
    with pytest.raises(ParameterError, match="no periods"):
        fn.plan(1, 1, {"a": 1.0}).to_frame("periods")


def test_results_do_not_alias_inputs_and_are_read_only() -> None:
    mql = np.array([0.5, 0.25])
    p = fn.plan(100.0, 10.0, {"mql": mql}, periods=2)
    mql[0] = 0.9  # the caller changes their array afterwards
    assert np.asarray(p.rates["mql"]).tolist() == [0.5, 0.25]
    assert np.asarray(p.required["mql"]).tolist() == [20.0, 40.0]
    with pytest.raises(ValueError, match="read-only"):
        np.asarray(p.required["mql"])[0] = 1.0
    assert p.per_period is not None
    with pytest.raises(ValueError, match="read-only"):
        p.per_period["mql"][0, 0] = 1.0


def test_a_printed_plan_is_one_headline_line() -> None:
    rates = {"lead": 0.3, "mql": 0.5}
    one = fn.plan(1000, 10, rates)
    assert repr(one) == (
        "Plan(scenarios=1, stages=2, top_stage='lead', revenue=1000, customers=100, "
        "overall_rate=0.15, required_top=666.667, required_top_whole=667)"
    )
    many = np.arange(1000.0, 201_000.0, 1000.0)
    printed = [
        repr(fn.plan(many, 10, rates)),
        repr(fn.forward(many, rates)),
        repr(fn.rep_plan(many, 10, rates)),
        repr(fn.sensitivity(rates, revenue_target=1000, average_deal_size=10)),
    ]
    for text in printed:
        assert "\n" not in text and "array(" not in text and len(text) < 250
    assert printed[0].endswith("; means over 200 scenarios)")
    assert printed[3] == "Sensitivity(stages=2, best='lead', factor=1.03333)"
