"""Evaluation metrics against brute-force twins and hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from alignment.errors import DataValidationError, ParameterError
from alignment.scoring import metrics

from ._twins import py_auc


def test_auc_hand_example() -> None:
    assert metrics.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    # a tie between a positive and a negative counts one half
    assert metrics.roc_auc([0, 1], [0.5, 0.5]) == 0.5
    assert metrics.roc_auc([0, 1], [0.1, 0.9]) == 1.0
    assert metrics.roc_auc([1, 0], [0.1, 0.9]) == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_auc_matches_pairwise_twin_seeded(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    y = (rng.random(n) < 0.4).astype(int)
    y[:2] = [0, 1]
    s = rng.integers(0, 6, size=n).astype(float)  # many ties
    w = rng.random(n) * 3
    assert metrics.roc_auc(y, s) == pytest.approx(py_auc(list(y), list(s)), abs=1e-12)
    assert metrics.roc_auc(y, s, sample_weight=w) == pytest.approx(
        py_auc(list(y), list(s), list(w)), abs=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(-3, 3), st.floats(0.1, 5.0)), min_size=2, max_size=30
    )
)
def test_auc_matches_pairwise_twin_property(rows: list[tuple[bool, int, float]]) -> None:
    y = [int(r[0]) for r in rows]
    s = [float(r[1]) for r in rows]
    w = [r[2] for r in rows]
    if len(set(y)) < 2:
        with pytest.raises(DataValidationError):
            metrics.roc_auc(y, s)
        return
    assert metrics.roc_auc(y, s, sample_weight=w) == pytest.approx(py_auc(y, s, w), abs=1e-9)
    # invariant under a strictly increasing transform of the scores
    assert metrics.roc_auc(y, np.exp(s)) == pytest.approx(py_auc(y, s), abs=1e-9)


def test_auc_matches_mann_whitney() -> None:
    rng = np.random.default_rng(3)
    y = (rng.random(200) < 0.3).astype(int)
    s = rng.normal(size=200) + y
    u = stats.mannwhitneyu(s[y == 1], s[y == 0]).statistic
    assert metrics.roc_auc(y, s) == pytest.approx(u / (y.sum() * (200 - y.sum())))


def test_log_loss_and_brier_by_hand() -> None:
    y = [1, 0, 1]
    p = [0.9, 0.2, 0.6]
    expect = -(math.log(0.9) + math.log(0.8) + math.log(0.6)) / 3
    assert metrics.log_loss(y, p) == pytest.approx(expect)
    assert metrics.log_loss(y, p, normalize=False) == pytest.approx(3 * expect)
    assert metrics.log_loss(y, p, sample_weight=[2, 0, 0]) == pytest.approx(-math.log(0.9))
    assert metrics.brier(y, p) == pytest.approx((0.01 + 0.04 + 0.16) / 3)
    # a confident mistake is finite thanks to clipping
    assert math.isfinite(metrics.log_loss([1], [0.0]))


def test_lift_table_twin() -> None:
    rng = np.random.default_rng(0)
    n = 103
    y = (rng.random(n) < 0.3).astype(int)
    s = rng.random(n) + 0.5 * y
    tab = metrics.lift_table(y, s)
    order = sorted(range(n), key=lambda i: -s[i])
    overall = y.mean()
    cum = 0
    for b in range(10):
        members = [order[k] for k in range(n) if (k * 10) // n == b]
        pos = sum(y[i] for i in members)
        cum += pos
        assert tab["n"][b] == len(members)
        assert tab["positives"][b] == pos
        assert tab["lift"][b] == pytest.approx(pos / len(members) / overall)
        assert tab["cum_gain"][b] == pytest.approx(cum / y.sum())
    assert tab["cum_gain"][-1] == pytest.approx(1.0)
    assert tab["cum_lift"][-1] == pytest.approx(1.0)


def test_calibration_table() -> None:
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.05, 0.15, 0.85, 0.95, 0.9, 0.55])
    tab = metrics.calibration_table(y, p, n_bins=2)
    assert tab["n"].tolist() == [2, 4]
    assert tab["observed"][1] == pytest.approx(0.75)
    assert tab["mean_predicted"][0] == pytest.approx(0.1)
    q = metrics.calibration_table(y, p, n_bins=3, strategy="quantile")
    assert q["n"].tolist() == [2, 2, 2]
    assert (q["ci_low"] <= q["observed"]).all() and (q["observed"] <= q["ci_high"]).all()


def test_binomial_intervals_against_formulas() -> None:
    k = np.array([0, 3, 10, 0])
    n = np.array([10, 10, 10, 0])
    lo, hi = metrics.binomial_interval(k, n, method="wilson")
    z = stats.norm.ppf(0.975)
    for i in range(3):
        ph = k[i] / n[i]
        c = (ph + z * z / (2 * n[i])) / (1 + z * z / n[i])
        h = z * math.sqrt(ph * (1 - ph) / n[i] + z * z / (4 * n[i] ** 2)) / (1 + z * z / n[i])
        assert lo[i] == pytest.approx(max(c - h, 0.0))
        assert hi[i] == pytest.approx(min(c + h, 1.0))
    assert math.isnan(lo[3]) and math.isnan(hi[3])
    jlo, jhi = metrics.binomial_interval(k, n, method="jeffreys")
    assert jlo[0] == 0.0 and jhi[2] == 1.0
    assert jlo[1] == pytest.approx(stats.beta.ppf(0.025, 3.5, 7.5))
    assert jhi[1] == pytest.approx(stats.beta.ppf(0.975, 3.5, 7.5))
    with pytest.raises(ParameterError):
        metrics.binomial_interval(k, n, level=1.5)
    with pytest.raises(ParameterError):
        metrics.binomial_interval(k, n, method="exact")  # type: ignore[arg-type]


def test_cell_conversion() -> None:
    cells = ["A1", "A1", "B2", "A1", "D4", None]
    conv = [1, 1, 0, 0, 0, 1]
    tab = metrics.cell_conversion(cells, conv, order=["A1", "A2", "B2", "D4"])
    assert tab["cell"].tolist() == ["A1", "A2", "B2", "D4", "(missing)"]
    assert tab["n"].tolist() == [3, 0, 1, 1, 1]
    assert tab["conversions"].tolist() == [2, 0, 0, 0, 1]
    assert tab["rate"][0] == pytest.approx(2 / 3)
    assert math.isnan(tab["rate"][1])
    jt = metrics.cell_conversion(cells, conv, method="jeffreys")
    assert jt["cell"].tolist() == ["(missing)", "A1", "B2", "D4"]
    pd = pytest.importorskip("pandas")
    frame = metrics.cell_conversion(cells, conv, backend="pandas")
    assert isinstance(frame, pd.DataFrame)


@pytest.mark.parametrize(
    "call",
    [
        lambda: metrics.roc_auc([0, 1, 1], [0.1, 0.2]),  # mismatched lengths
        lambda: metrics.roc_auc([1, 1, 1], [0.1, 0.2, 0.3]),  # single class
        lambda: metrics.roc_auc([0, 1], [0.1, float("nan")]),  # NaN score
        lambda: metrics.roc_auc([0, 2], [0.1, 0.2]),  # not binary
        lambda: metrics.roc_auc(["a", "b"], [0.1, 0.2]),
        lambda: metrics.log_loss([0, 1], [0.5, 1.5]),  # not a probability
        lambda: metrics.brier([0, 1], [0.5, 0.5], sample_weight=[-1, 1]),
        lambda: metrics.cell_conversion(["A1"], [1, 0]),
        lambda: metrics.lift_table([], []),
    ],
)
def test_bad_input_is_typed(call: object) -> None:
    with pytest.raises(DataValidationError):
        call()  # type: ignore[operator]


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError):
        metrics.lift_table([0, 1], [0.1, 0.2], n_bins=0)
    for duration in (np.timedelta64(2, "D"), np.timedelta64(2)):  # not a count of bins
        with pytest.raises(ParameterError, match="n_bins"):
            metrics.lift_table([0, 1], [0.1, 0.2], n_bins=duration)  # type: ignore[arg-type]
        with pytest.raises(ParameterError, match="n_bins"):
            metrics.calibration_table([0, 1], [0.1, 0.2], n_bins=duration)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        metrics.calibration_table([0, 1], [0.1, 0.2], strategy="odd")  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(3))
def test_calibration_uniform_matches_twin(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = rng.random(57)
    p[:3] = [0.0, 1.0, 0.5]
    y = (rng.random(57) < p).astype(int)
    tab = metrics.calibration_table(y, p, n_bins=5)
    for b in range(5):
        members = [i for i in range(57) if min(int(p[i] * 5), 4) == b]
        assert tab["n"][b] == len(members)
        if members:
            assert tab["mean_predicted"][b] == pytest.approx(np.mean([p[i] for i in members]))
            assert tab["observed"][b] == pytest.approx(np.mean([y[i] for i in members]))
        else:
            assert math.isnan(tab["observed"][b])
