"""LogisticScorer: objective twin, gradient, optimum, encoder, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import approx_fprime, minimize

import alignment
from alignment.errors import (
    ConvergenceWarning,
    DataValidationError,
    NotFittedError,
    ParameterError,
)
from alignment.scoring import LeadEncoder, LogisticScorer, logistic_objective

from ._data import make_leads
from ._twins import py_logistic_objective


def _data(seed: int = 0, n: int = 200, p: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * np.array([1.0, 10.0, 0.1, 3.0])[:p]
    w = rng.normal(size=p) / np.array([1.0, 10.0, 0.1, 3.0])[:p]
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w - 0.5)))).astype(float)
    return X, y


@pytest.mark.parametrize("seed", range(3))
def test_objective_matches_plain_python_twin(seed: int) -> None:
    X, y = _data(seed, n=40)
    rng = np.random.default_rng(seed)
    w = rng.normal(size=4)
    b = 0.3
    sw = rng.random(40) * 2
    val, _ = logistic_objective(np.append(w, b), X, y, sw, 0.7)
    assert val == pytest.approx(py_logistic_objective(list(w), b, X, list(y), list(sw), 0.7))
    # without intercept
    val0, g0 = logistic_objective(w, X, y, sw, 0.7, fit_intercept=False)
    assert val0 == pytest.approx(py_logistic_objective(list(w), 0.0, X, list(y), list(sw), 0.7))
    assert g0.shape == (4,)


def test_loss_form_matches_logaddexp() -> None:
    # the objective evaluates log(1 + e^z) as max(z, 0) - log(max(σ, 1 - σ)); oracle: logaddexp
    z = np.concatenate([np.linspace(-800, 800, 4001), [-1e-12, 0.0, 1e-12, 36.0, 37.0, 38.0]])
    X = z.reshape(-1, 1)
    y = (np.arange(z.size) % 2).astype(float)
    sw = np.ones(z.size)
    val, _ = logistic_objective(np.array([1.0]), X, y, sw, 0.0, fit_intercept=False)
    ref = float(np.sum(np.logaddexp(0.0, z) - y * z))
    assert val == pytest.approx(ref, rel=1e-14)
    for zi in (-50.0, -3.0, 0.0, 2.5, 40.0):
        v, _ = logistic_objective(
            np.array([zi]), np.ones((1, 1)), np.zeros(1), np.ones(1), 0.0, False
        )
        assert abs(v - np.logaddexp(0.0, zi)) <= 4e-15 * max(1.0, abs(zi))


def test_objective_is_stable_for_huge_logits() -> None:
    X = np.array([[1000.0], [-1000.0]])
    y = np.array([0.0, 1.0])
    val, grad = logistic_objective(np.array([1.0, 0.0]), X, y, np.ones(2), 0.0)
    assert val == pytest.approx(2000.0)
    assert np.isfinite(grad).all()


@pytest.mark.parametrize("seed", range(3))
def test_gradient_matches_finite_differences(seed: int) -> None:
    X, y = _data(seed, n=80)
    rng = np.random.default_rng(seed + 7)
    sw = rng.random(80) + 0.5
    params = rng.normal(size=5) * 0.1
    for fi in (True, False):
        prm = params if fi else params[:4]
        _, g = logistic_objective(prm, X, y, sw, 1.3, fi)
        num = approx_fprime(prm, lambda q, fi=fi: logistic_objective(q, X, y, sw, 1.3, fi)[0], 1e-6)
        np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("l2", [0.0, 0.5, 10.0])
def test_fit_reaches_direct_scipy_minimum(l2: float) -> None:
    X, y = _data(1, n=300)
    sw = np.random.default_rng(2).random(300) + 0.5
    model = LogisticScorer(l2=l2).fit(X, y, sample_weight=sw)
    assert model.converged_
    ref = minimize(
        lambda q: logistic_objective(q, X, y, sw, l2),
        np.zeros(5),
        jac=True,
        method="BFGS",
        options={"gtol": 1e-10, "maxiter": 10_000},
    )
    assert model.objective_ == pytest.approx(ref.fun, rel=1e-9)
    assert model.objective_ <= ref.fun * (1 + 1e-10)
    np.testing.assert_allclose(
        np.append(model.coef_, model.intercept_), ref.x, rtol=1e-4, atol=1e-5
    )
    assert model.objective(X, y, sw) == pytest.approx(model.objective_, rel=1e-12)


def test_matches_scikit_learn_when_installed() -> None:
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = _data(4, n=400)
    ours = LogisticScorer(l2=2.0).fit(X, y)
    ref = sk.LogisticRegression(C=0.5, tol=1e-10, max_iter=10_000).fit(X, y)
    ref_obj = logistic_objective(
        np.append(ref.coef_.ravel(), ref.intercept_), X, y, np.ones(400), 2.0
    )[0]
    assert ours.objective_ == pytest.approx(ref_obj, rel=1e-9)


def test_predict_contributions_explain() -> None:
    X, y = _data(0)
    m = LogisticScorer().fit(X, y)
    z = m.decision_function(X)
    np.testing.assert_allclose(m.contributions(X).sum(axis=1) + m.intercept_, z)
    p = m.predict_proba(X)
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-z)))
    assert p.ndim == 1
    assert (m.predict(X) == (p >= 0.5)).all()
    ex = m.explain(X, None, 3)
    assert sum(e["points"] for e in ex) == pytest.approx(z[3])
    assert ex[-1]["rule"] == "(intercept)"
    assert abs(ex[0]["points"]) >= abs(ex[1]["points"])
    out = m.score(X)
    assert set(out) >= {"score", "probability", "logit"}


def test_sample_weight_equals_duplicated_rows() -> None:
    X, y = _data(2, n=60)
    w = np.random.default_rng(0).integers(1, 4, size=60)
    a = LogisticScorer(l2=1.0).fit(X, y, sample_weight=w)
    b = LogisticScorer(l2=1.0).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-5, atol=1e-6)
    assert a.objective_ == pytest.approx(b.objective_, rel=1e-9)


def test_class_weight_balanced_and_mapping() -> None:
    X, y = _data(3, n=100)
    n1 = y.sum()
    n0 = y.size - n1
    bal = LogisticScorer(class_weight="balanced").fit(X, y)
    sw = np.where(y == 1, y.size / (2 * n1), y.size / (2 * n0))
    ref = LogisticScorer().fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(bal.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
    m = LogisticScorer(class_weight={0: 1.0, 1: 3.0}).fit(X, y)
    ref2 = LogisticScorer().fit(X, y, sample_weight=np.where(y == 1, 3.0, 1.0))
    np.testing.assert_allclose(m.coef_, ref2.coef_, rtol=1e-6, atol=1e-9)


def test_row_order_invariance() -> None:
    X, y = _data(5)
    perm = np.random.default_rng(1).permutation(y.size)
    a = LogisticScorer().fit(X, y)
    b = LogisticScorer().fit(X[perm], y[perm])
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-7, atol=1e-10)


# ----------------------------------------------------------------------------- bad input
def test_nan_features_are_typed_errors() -> None:
    X, y = _data(0, n=20)
    X[3, 2] = np.nan
    with pytest.raises(DataValidationError) as exc:
        LogisticScorer().fit(X, y)
    assert exc.value.column == "x2" and exc.value.rows == [3]
    good = LogisticScorer().fit(*_data(0, n=20))
    with pytest.raises(DataValidationError):
        good.predict_proba(X)


def test_constant_column() -> None:
    X, y = _data(0, n=50)
    X[:, 1] = 5.0
    m = LogisticScorer(l2=1.0).fit(X, y)
    assert abs(m.coef_[1]) < 1e-6  # documented: penalty drives it to 0
    with pytest.raises(DataValidationError) as exc:
        LogisticScorer(l2=0.0).fit(X, y)
    assert exc.value.column == "x1"


def test_single_class_and_mismatched_lengths() -> None:
    X, _ = _data(0, n=20)
    with pytest.raises(DataValidationError, match="single class"):
        LogisticScorer().fit(X, np.ones(20))
    with pytest.raises(DataValidationError):
        LogisticScorer().fit(X, np.ones(19))
    with pytest.raises(DataValidationError):
        LogisticScorer().fit(X, np.full(20, 2.0))
    with pytest.raises(DataValidationError):
        LogisticScorer().fit(X, np.r_[np.ones(10), np.zeros(10)], sample_weight=np.ones(3))
    with pytest.raises(DataValidationError):
        LogisticScorer().fit(X, np.r_[np.ones(10), np.zeros(10)], sample_weight=-np.ones(20))
    m = LogisticScorer().fit(X, np.r_[np.ones(10), np.zeros(10)])
    with pytest.raises(DataValidationError):
        m.predict_proba(X[:, :2])


def test_parameters_and_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        LogisticScorer().predict_proba(np.zeros((2, 2)))
    X, y = _data(0, n=20)
    for bad in (
        {"l2": -1.0},
        {"max_iter": 0},
        {"tol": 0.0},
        {"class_weight": "auto"},
        {"class_weight": {2: 1.0}},
        {"min_count": 0},
    ):
        with pytest.raises(ParameterError):
            LogisticScorer(**bad).fit(X, y)  # type: ignore[arg-type]


def test_convergence_warning() -> None:
    X, y = _data(0)
    with pytest.warns(ConvergenceWarning):
        m = LogisticScorer(max_iter=1).fit(X, y)
    assert not m.converged_


# ----------------------------------------------------------------------------- lead tables
def _lead_table(seed: int = 0, n: int = 120) -> tuple[alignment.LeadTable, np.ndarray]:
    data = make_leads(seed, n)
    rng = np.random.default_rng(seed)
    size = np.nan_to_num(data["company_size"], nan=100.0)
    logit = -1.0 + (size > 2000) * 1.5 + (data["industry"] == "Software") * 1.0
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    closed = rng.random(n) < 0.8
    t = np.datetime64("2024-06-01T00:00:00", "us")
    nat = np.datetime64("NaT", "us")
    data["won_at"] = np.where(closed & won, t, nat)
    data["lost_at"] = np.where(closed & ~won, t, nat)
    return alignment.LeadTable.build(data), (closed, won)  # type: ignore[return-value]


def test_fit_on_lead_table_with_won_lost_stages() -> None:
    table, (closed, won) = _lead_table()
    m = LogisticScorer(min_count=5).fit(table)
    assert m.n_open_ == int((~closed).sum())
    assert list(m.feature_names_in_) == ["company_size", "title", "industry", "country"]
    assert "company_size=(missing)" in m.feature_names_
    assert any(n.startswith("industry=") for n in m.feature_names_)
    # the same fit through an explicit y on the closed leads
    enc_X = m.encoder_.transform_leads(table)  # type: ignore[union-attr]
    ref = LogisticScorer(min_count=5).fit(enc_X[closed], won[closed].astype(float))
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
    res = alignment.score(table, scorer=m)
    p = res.to_frame()["probability"]
    assert p.shape == (table.n_leads,) and ((p > 0) & (p < 1)).all()
    ex = res.explain(table.ids[0])
    assert sum(c["points"] for c in ex["contributions"]) == pytest.approx(ex["logit"])


def test_score_by_name_needs_fit() -> None:
    table, _ = _lead_table()
    with pytest.raises(NotFittedError):
        alignment.score(table, scorer="logistic")


def test_lead_table_without_outcomes() -> None:
    data = make_leads(0, 20)
    with pytest.raises(DataValidationError):
        LogisticScorer().fit(alignment.LeadTable.build(data))


def test_encoder_baseline_pooling_unknown_levels() -> None:
    cols = {
        "industry": np.array(["a"] * 5 + ["b"] * 3 + ["c"] * 1 + [None] * 3, dtype=object),
        "size": np.arange(12, dtype=float),
    }
    enc = LeadEncoder(min_count=3).fit(cols)
    # baseline = most frequent ("a"); "c" is rare → pooled; "(missing)" kept (3 rows)
    assert enc.baselines_ == {"industry": "a"}
    assert enc.feature_names_ == ["industry=(missing)", "industry=b", "industry=(other)", "size"]
    M = enc.transform(cols)
    assert M[0].tolist() == [0, 0, 0, 0]
    assert M[5].tolist() == [0, 1, 0, 5]
    assert M[8].tolist() == [0, 0, 1, 8]
    assert M[9].tolist() == [1, 0, 0, 9]
    new = {"industry": np.array(["zzz", "b"], dtype=object), "size": np.array([1.0, 2.0])}
    N = enc.transform(new)
    assert N[0].tolist() == [0, 0, 1, 1]  # unknown level → "(other)"
    assert enc.unknown_counts_ == {"industry": 1}
    # without a pooled level, unknown levels fall back to the baseline (all zeros)
    enc2 = LeadEncoder(min_count=1).fit({"k": np.array(["x", "x", "y"], dtype=object)})
    assert enc2.transform({"k": np.array(["new"], dtype=object)}).tolist() == [[0.0]]
    # constant columns are dropped
    enc3 = LeadEncoder().fit({"k": np.array(["x"] * 20, dtype=object), "v": np.ones(20)})
    assert enc3.dropped_ == ["k"]
    with pytest.raises(DataValidationError):
        LeadEncoder().fit({"v": np.array([1.0, np.nan])})


def test_frame_input_sets_feature_names_in() -> None:
    pd = pytest.importorskip("pandas")
    X, y = _data(0, n=60)
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "seg": np.where(X[:, 2] > 0, "hi", "lo")})
    m = LogisticScorer().fit(df, y)
    assert list(m.feature_names_in_) == ["a", "b", "seg"]
    assert list(m.feature_names_) == ["a", "b", "seg=lo"] or list(m.feature_names_) == [
        "a",
        "b",
        "seg=hi",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = m.predict_proba(df)
    assert p.shape == (60,)


def _py_encode(values: list, levels_count: dict, min_count: int, new: list) -> list[list[float]]:
    """Plain-Python twin of the encoder for one string column."""
    counts = {k: v for k, v in levels_count.items() if v > 0}
    kept = sorted(k for k, v in counts.items() if v >= min_count)
    pooled = any(v < min_count for v in counts.values())
    if len(kept) + pooled <= 1:
        return [[] for _ in new]
    baseline = sorted(kept, key=lambda k: (-counts[k], k))[0]
    cols = sorted(k for k in kept if k != baseline) + (["(other)"] if pooled else [])
    rows = []
    for v in new:
        level = "(missing)" if v is None else v
        row = [0.0] * len(cols)
        if level in cols and level != "(other)":
            row[cols.index(level)] = 1.0
        elif level != baseline and pooled:
            row[cols.index("(other)")] = 1.0
        rows.append(row)
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_encoder_matches_twin(seed: int) -> None:
    rng = np.random.default_rng(seed)
    levels = ["a", "b", "c", "d", "e", None]
    probs = rng.dirichlet(np.ones(len(levels)))
    train = [levels[i] for i in rng.choice(len(levels), size=60, p=probs)]
    new = [levels[i] for i in rng.choice(len(levels), size=20)] + ["zz", None]
    min_count = int(rng.integers(1, 15))
    enc = LeadEncoder(min_count=min_count).fit({"c": np.array(train, dtype=object)})
    got = enc.transform({"c": np.array(new, dtype=object)})
    counts: dict = {}
    for v in train:
        k = "(missing)" if v is None else v
        counts[k] = counts.get(k, 0) + 1
    expect = _py_encode(train, counts, min_count, new)
    assert got.tolist() == expect


_X4, _Y4 = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 1, 0, 1])


@pytest.mark.parametrize("weights", [{0: 0.0, 1: 1.0}, {0: 1.0, 1: 0.0}])
def test_a_class_weight_of_zero_is_refused_not_fitted_to_infinity(weights: dict) -> None:
    """A class of weight 0 leaves a single class to fit: refused, where it gave an intercept
    of -inf reported as converged, or a raw ZeroDivisionError."""
    with pytest.raises(ParameterError, match="a class of weight 0 leaves a single class"):
        LogisticScorer(class_weight=weights).fit(_X4, _Y4)


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ([1.0, 1.0], "2 sample weights for 4 rows"),
        ([-1.0, 1.0, 1.0, 1.0], "finite and >= 0"),
        ([np.nan, 1.0, 1.0, 1.0], "finite and >= 0"),
        (["a", 1, 1, 1], "sample weights must be numbers"),
        (np.array([True, 1, 1, 1], dtype=object), "sample weights must be numbers"),
    ],
)
def test_sample_weights_are_checked_by_fit_and_objective(weights: object, match: str) -> None:
    with pytest.raises(DataValidationError, match=match) as info:
        LogisticScorer().fit(_X4, _Y4, sample_weight=weights)
    assert info.value.column == "sample_weight"
    fitted = LogisticScorer().fit(_X4, _Y4)
    with pytest.raises(DataValidationError, match=match):
        fitted.objective(_X4, _Y4, sample_weight=weights)


def test_flags_in_an_object_array_are_outcomes_and_a_bad_one_is_named() -> None:
    flags = np.array([False, True, False, True], dtype=object)
    got = LogisticScorer().fit(_X4, flags).coef_
    assert np.allclose(got, LogisticScorer().fit(_X4, _Y4).coef_)
    with pytest.raises(DataValidationError, match="0/1 or booleans") as info:
        LogisticScorer().fit(_X4, np.array([False, True, True, None], dtype=object))
    assert info.value.rows == [3]


def test_unpenalised_fit_on_separated_outcomes_says_the_coefficients_are_not_estimates() -> None:
    """l2=0 on outcomes the features separate: no finite optimum; the fit is marked not
    converged and warns, where it reported convergence to values set by ``tol`` alone."""
    y = np.array([0, 0, 1, 1])
    with pytest.warns(ConvergenceWarning, match="perfectly separated"):
        m = LogisticScorer(l2=0.0).fit(_X4, y)
    assert not m.converged_
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert LogisticScorer(l2=1.0).fit(_X4, y).converged_  # (penalised: a finite optimum)
        assert LogisticScorer(l2=0.0).fit(_X4, _Y4).converged_  # (overlapping outcomes)
