"""Observation kernels on plain datetime64[us] arrays, against the plain-Python twin."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from alignment import ParameterError
from alignment._segments import group_stats
from alignment.funnel._observe import (
    cohort_codes,
    combine_groups,
    count_stages,
    proportion_interval,
)

from .twins import km_twin, observe_twin, quantile, wilson

EPOCH = dt.datetime(2024, 1, 1)


def random_funnel(
    rng: np.random.Generator, n: int, stages: int = 5, p_reach: float = 0.6, p_back: float = 0.05
) -> list[np.ndarray]:
    """Stage times: each stage reached with p_reach, some timestamps running backwards."""
    base = np.datetime64("2024-01-01T00:00:00", "us")
    t0 = base + rng.integers(0, 90 * 86_400_000_000, n).astype("timedelta64[us]")
    out = [t0]
    prev = t0
    for _ in range(1, stages):
        step = rng.exponential(5 * 86_400e6, n).astype(np.int64).astype("timedelta64[us]")
        back = rng.random(n) < p_back
        step = np.where(back, -step, step)
        t = prev + step
        t = np.where(rng.random(n) < p_reach, t, np.datetime64("NaT", "us"))
        out.append(t)
        prev = np.where(np.isnat(t), prev, t)
    return out


def to_py(times: list[np.ndarray]) -> list[list[dt.datetime | None]]:
    cols = [[None if np.isnat(v) else v.astype(dt.datetime) for v in col] for col in times]
    return [list(row) for row in zip(*cols)]


def check_against_twin(
    times: list[np.ndarray],
    groups: np.ndarray | None,
    n_groups: int,
    *,
    mode: Any,
    as_of: np.datetime64 | None = None,
    out_of_order: Any = "keep",
) -> None:
    res = count_stages(
        times, mode=mode, group=groups, n_groups=n_groups, as_of=as_of, out_of_order=out_of_order
    )
    twin = observe_twin(
        to_py(times),
        None if groups is None else groups.tolist(),
        mode=mode,
        as_of=None if as_of is None else as_of.astype(dt.datetime),
        out_of_order=out_of_order,
    )
    for g in range(n_groups):
        key = None if groups is None else g
        if key not in twin:
            assert res.counts[g].sum() == 0
            continue
        t = twin[key]
        assert res.counts[g].tolist() == t["counts"]
        assert res.converted[g].tolist() == t["converted"]
        assert res.out_of_order[g].tolist() == t["out_of_order"]
        for k, durs in enumerate(t["durations"]):
            assert res.n_durations[g, k] == len(durs)
            if durs:
                assert res.mean_days[g, k] == pytest.approx(sum(durs) / len(durs), rel=1e-9)
                assert res.median_days[g, k] == pytest.approx(quantile(durs, 0.5), rel=1e-9)
                assert res.p90_days[g, k] == pytest.approx(quantile(durs, 0.9), rel=1e-9)
            else:
                assert math.isnan(res.median_days[g, k]) and math.isnan(res.mean_days[g, k])
    assert res.n_entered == sum(t["counts"][0] for t in twin.values())


@pytest.mark.parametrize("mode", ["ordered", "any"])
@pytest.mark.parametrize("policy", ["keep", "drop"])
@pytest.mark.parametrize("grouped", [False, True])
def test_seeded_against_twin(mode: str, policy: str, grouped: bool) -> None:
    rng = np.random.default_rng(42)
    times = random_funnel(rng, 600)
    groups = rng.integers(0, 4, 600).astype(np.int64) if grouped else None
    check_against_twin(times, groups, 4 if grouped else 1, mode=mode, out_of_order=policy)


def test_as_of_against_twin() -> None:
    rng = np.random.default_rng(3)
    times = random_funnel(rng, 400)
    as_of = np.datetime64("2024-02-15T00:00:00", "us")
    check_against_twin(times, None, 1, mode="ordered", as_of=as_of)
    res = count_stages(times, as_of=as_of)
    assert res.n_excluded == int((times[0] > as_of).sum())
    assert res.n_entered + res.n_excluded == 400  # nothing lost


instants = st.one_of(st.none(), st.integers(0, 50).map(lambda d: EPOCH + dt.timedelta(hours=d)))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(instants, instants, instants, instants), min_size=0, max_size=40),
    mode=st.sampled_from(["ordered", "any"]),
    policy=st.sampled_from(["keep", "drop"]),
    n_groups=st.integers(1, 3),
    data=st.data(),
)
def test_generated_against_twin(
    rows: list[tuple[Any, ...]], mode: str, policy: str, n_groups: int, data: st.DataObject
) -> None:
    rows = [(EPOCH, *r[1:]) if r[0] is None and i % 2 else r for i, r in enumerate(rows)]
    cols = [
        np.array([np.datetime64(r[k], "us") if r[k] else np.datetime64("NaT") for r in rows])
        .astype("datetime64[us]")
        .reshape(-1)
        for k in range(4)
    ]
    groups = np.array(
        data.draw(st.lists(st.integers(0, n_groups - 1), min_size=len(rows), max_size=len(rows))),
        dtype=np.int64,
    )
    res = count_stages(
        cols,
        mode=mode,  # type: ignore[arg-type]
        group=groups,
        n_groups=n_groups,
        out_of_order=policy,  # type: ignore[arg-type]
        horizon=np.timedelta64(20, "h"),
    )
    check_against_twin(cols, groups, n_groups, mode=mode, out_of_order=policy)
    twin = observe_twin(to_py(cols), groups.tolist(), mode=mode, out_of_order=policy)
    assert res.km_rate is not None
    for g in range(n_groups):
        for k in range(3):
            want = km_twin(twin[g]["km"][k], 20 / 24) if g in twin else math.nan
            got = res.km_rate[g, k]
            assert (math.isnan(want) and math.isnan(got)) or got == pytest.approx(want, abs=1e-12)
    if mode == "ordered":  # counts never increase down the funnel
        assert np.all(np.diff(res.counts, axis=1) <= 0)
        assert np.array_equal(res.converted, res.counts[:, 1:])
    assert np.all(res.converted <= res.counts[:, :-1])


def test_skip_and_backwards_rules_by_hand() -> None:
    nat = np.datetime64("NaT", "us")
    d = [np.datetime64(f"2024-01-{x:02d}", "us") if x else nat for x in range(32)]
    created = np.array([d[1], d[1], d[1], d[1]])
    mql = np.array([d[2], nat, d[5], d[3]])
    sql = np.array([d[4], d[3], d[2], nat])  # lead 1 skipped MQL; lead 2's SQL is before its MQL
    times = [created, mql, sql]
    ordered = count_stages(times, mode="ordered")
    assert ordered.counts.tolist() == [[4, 3, 2]]  # lead 1 excluded after skipping; lead 2 kept
    assert ordered.out_of_order.tolist() == [[0, 1]]
    assert ordered.n_durations.tolist() == [[3, 1]]
    assert ordered.median_days[0, 1] == pytest.approx(2.0)  # only lead 0: Jan 2 → Jan 4
    dropped = count_stages(times, mode="ordered", out_of_order="drop")
    assert dropped.counts.tolist() == [[4, 3, 1]]
    anym = count_stages(times, mode="any")
    assert anym.counts.tolist() == [[4, 3, 3]]  # lead 1 counts at SQL in "any" mode
    assert anym.converted.tolist() == [[3, 2]]  # but it is not an MQL → SQL conversion


@pytest.mark.parametrize("n_groups", [1, 8, 300])  # selection path and sort path
def test_group_quantiles_matches_numpy(n_groups: int) -> None:
    rng = np.random.default_rng(n_groups)
    values = rng.integers(-50, 1000, 3000).astype(np.int64)
    groups = rng.integers(0, n_groups, 3000).astype(np.int64)
    groups[groups == 5] = 6 if n_groups > 6 else 0  # group 5 empty
    n, mean, q = group_stats(values, groups, n_groups, (0.5, 0.9, 0.0, 1.0))
    assert n.sum() == 3000
    for g in range(n_groups):
        v = values[groups == g]
        assert n[g] == v.size
        if v.size:
            assert mean[g] == pytest.approx(v.mean())
            assert q[g].tolist() == pytest.approx(np.quantile(v, [0.5, 0.9, 0, 1]).tolist())
        else:
            assert np.isnan(mean[g]) and np.isnan(q[g]).all()


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_wilson_matches_scipy_and_textbook(confidence: float) -> None:
    x = np.array([0, 1, 5, 37, 50, 50, 0])
    n = np.array([10, 10, 50, 100, 50, 1000, 0])
    low, high = proportion_interval(x, n, confidence, "wilson")
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    for i in range(x.size):
        assert (low[i], high[i]) == pytest.approx(wilson(int(x[i]), int(n[i]), z), abs=1e-12)
        if n[i]:
            ci = stats.binomtest(int(x[i]), int(n[i])).proportion_ci(confidence, method="wilson")
            assert (low[i], high[i]) == pytest.approx((ci.low, ci.high), abs=1e-9)
    assert (low[-1], high[-1]) == (0.0, 1.0)


def test_jeffreys_matches_beta_quantiles() -> None:
    x = np.array([0, 3, 20, 20])
    n = np.array([20, 20, 20, 200])
    low, high = proportion_interval(x, n, 0.9, "jeffreys")
    assert low[0] == 0.0 and high[2] == 1.0
    for i in (1, 3):
        b = stats.beta(x[i] + 0.5, n[i] - x[i] + 0.5)
        assert (low[i], high[i]) == pytest.approx((b.ppf(0.05), b.ppf(0.95)))
    assert np.all(low <= x / n) and np.all(x / n <= high)


def test_interval_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="confidence"):
        proportion_interval(np.array([1]), np.array([2]), 1.5, "wilson")
    with pytest.raises(ParameterError, match="interval"):
        proportion_interval(np.array([1]), np.array([2]), 0.9, "exact")


def test_cohort_codes() -> None:
    t = np.array(
        ["2024-01-31T23:00", "2024-02-01T00:00", "2024-01-01T05:00", "2024-03-31", "2023-12-31"],
        dtype="datetime64[us]",
    )
    codes, starts = cohort_codes(t, "M")
    assert [str(s) for s in starts] == ["2023-12-01", "2024-01-01", "2024-02-01", "2024-03-01"]
    assert codes.tolist() == [1, 2, 1, 3, 0]
    codes, starts = cohort_codes(t, "W")
    # 2024-01-01 was a Monday; 2023-12-31 a Sunday (week of Monday 2023-12-25)
    assert str(starts[0]) == "2023-12-25"
    assert str(starts[codes[2]]) == "2024-01-01"
    assert all(np.datetime64(s, "D").astype(dt.date).weekday() == 0 for s in starts)
    codes, starts = cohort_codes(t, "Q")
    assert [str(s) for s in starts] == ["2023-10-01", "2024-01-01"]
    codes, starts = cohort_codes(t, "y")
    assert codes.tolist() == [1, 1, 1, 1, 0]
    codes, starts = cohort_codes(t, "D")
    assert np.array_equal(starts[codes], t.astype("datetime64[D]"))  # empty days may be listed
    with pytest.raises(ParameterError, match="cohort"):
        cohort_codes(t, "H")


def test_combine_groups_keeps_only_present_pairs() -> None:
    a = np.array([0, 1, 1, 2, 0], dtype=np.int64)
    b = np.array([3, 0, 0, 3, 3], dtype=np.int64)
    group, n, parts = combine_groups([a, b], [3, 4])
    assert n == 3
    pairs = {(int(parts[0][g]), int(parts[1][g])) for g in range(n)}
    assert pairs == {(0, 3), (1, 0), (2, 3)}
    for i in range(5):
        assert (parts[0][group[i]], parts[1][group[i]]) == (a[i], b[i])


def test_kernel_bad_parameters() -> None:
    t = [np.array(["2024-01-01"], dtype="datetime64[us]")] * 2
    with pytest.raises(ParameterError, match="mode"):
        count_stages(t, mode="some")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="out_of_order"):
        count_stages(t, out_of_order="fix")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="two stages"):
        count_stages(t[:1])
    with pytest.raises(ParameterError, match="same length"):
        count_stages([t[0], np.array([], dtype="datetime64[us]")])


@pytest.mark.parametrize(("size", "years"), [(5_000, 3), (200, 400)])  # day table / sparse
@pytest.mark.parametrize("freq", ["D", "W", "M", "Q", "Y"])
def test_cohorts_match_numpy_calendar(size: int, years: int, freq: str) -> None:
    rng = np.random.default_rng(size)
    us = rng.integers(-years * 365 * 86_400_000_000, years * 365 * 86_400_000_000, size)
    t = us.astype("datetime64[us]")
    codes, starts = cohort_codes(t, freq)
    got = starts[codes]
    day = t.astype("datetime64[D]")
    if freq == "D":
        want = day
    elif freq == "W":
        want = day - ((day.view(np.int64) + 3) % 7).astype("timedelta64[D]")
    else:
        month = t.astype("datetime64[M]").view(np.int64)
        step = {"M": 1, "Q": 3, "Y": 12}[freq]
        want = (month - month % step).astype("datetime64[M]").astype("datetime64[D]")
    assert np.array_equal(got, want)
    assert np.all(np.diff(starts.view(np.int64)) > 0)


def test_km_within_direct_and_with_n_total() -> None:
    from alignment.funnel._observe import km_within

    rng = np.random.default_rng(9)
    time = rng.integers(0, 40, 400).astype(np.int64)
    event = rng.random(400) < 0.5
    group = rng.integers(0, 3, 400).astype(np.int64)
    full = km_within(time, event, group, 4, 20)
    inside = time <= 20
    part = km_within(
        time[inside],
        event[inside],
        group[inside],
        4,
        20,
        n_total=np.bincount(group, minlength=4),
    )
    assert np.allclose(full, part, equal_nan=True)
    assert np.isnan(full[3])
    for g in range(3):
        recs = [(float(t), bool(e)) for t, e, gg in zip(time, event, group) if gg == g]
        assert full[g] == pytest.approx(km_twin(recs, 20.0), abs=1e-12)
    # without censoring KM is the plain share converting within the horizon
    all_events = km_within(time, np.ones(400, dtype=bool), None, 1, 20)
    assert all_events[0] == pytest.approx(np.mean(time <= 20))


@pytest.mark.parametrize("mode", ["ordered", "any"])
def test_many_stages_use_the_per_stage_counting_path(mode: str) -> None:
    # 17 stages: too many for the (group, pattern) histogram; the per-stage bincounts are used
    rng = np.random.default_rng(17)
    times = random_funnel(rng, 300, stages=17, p_reach=0.9, p_back=0.1)
    groups = rng.integers(0, 3, 300).astype(np.int64)
    check_against_twin(times, groups, 3, mode=mode, out_of_order="drop")
    check_against_twin(times, groups, 3, mode=mode, out_of_order="keep")


def test_interval_is_the_metrics_interval_where_defined() -> None:
    """One implementation: the funnel's interval is ``scoring.metrics.binomial_interval`` with
    exact 0 / 1 bounds at the edges and ``[0, 1]`` (instead of NaN) when n = 0."""
    from alignment.scoring.metrics import binomial_interval

    rng = np.random.default_rng(7)
    n = rng.integers(0, 60, 200)
    x = rng.integers(0, 61, 200) % (n + 1)
    for method in ("wilson", "jeffreys"):
        low, high = proportion_interval(x, n, 0.9, method)
        lo_m, hi_m = binomial_interval(x, n, method=method, level=0.9)  # type: ignore[arg-type]
        inner = (n > 0) & (x > 0) & (x < n)
        np.testing.assert_array_equal(low[inner], lo_m[inner])
        np.testing.assert_array_equal(high[inner], hi_m[inner])
        assert np.all(low[x == 0] == 0.0) and np.all(high[x == n] == 1.0)
        assert np.isnan(lo_m[n == 0]).all() and np.all(low[n == 0] == 0.0)
