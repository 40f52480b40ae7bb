"""Scoring on Dask: per-partition scores and the logistic fit over summed partial objectives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._parallel import inline_pool
from ..errors import DataValidationError

if TYPE_CHECKING:
    from ..scoring import LogisticScorer

from ._common import (
    as_ddf,
    dk,
    local_frame,
    partition_by_key,
    partition_lists,
    require_dask,
    tree_reduce,
)

# ---------------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------------


@inline_pool  # a Dask task: no thread pool of its own
def _score_partition(leads: Any, touches: Any, *, scorer: Any, key: str) -> Any:
    from ..scoring import score as score_in_memory

    ld = local_frame(leads, key)
    tp = local_frame(touches, key)
    return score_in_memory(ld, tp, scorer=scorer).to_frame(backend="pandas")


def score(
    leads: Any,
    touchpoints: Any = None,
    *,
    scorer: Any = "grid",
    **params: Any,
) -> Any:
    """:func:`alignment.score` on Dask: apply a scorer to every partition of the leads.

    Parameters
    ----------
    leads : dask.dataframe.DataFrame
        One row per lead (``lead_id`` as a column or the index).
    touchpoints : dask.dataframe.DataFrame, optional
        The leads' touches, co-partitioned with the leads by ``lead_id`` (shuffled unless
        the leads are indexed by ``lead_id`` with known divisions).
    scorer : str or Scorer
        A registered name or an instance; a scorer that needs fitting must be fitted (e.g. by
        :func:`fit_logistic` or in memory on a sample).
    **params
        Constructor parameters when ``scorer`` is a name.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy: ``alignment.score(...).to_frame()`` of each partition (one row per lead).

    Notes
    -----
    A scorer must score each lead from its own row and touches.  The one data-dependent
    default of the built-ins — the grid's ``as_of`` (latest touch time when not given) — is
    computed over all touches first and fixed, so every partition decays to the same instant.
    """
    delayed = dk().delayed

    from ..base import check_is_fitted, clone
    from ..plugins import get_scorer

    dd = require_dask()
    model = get_scorer(scorer, **params)
    if getattr(type(model), "requires_fit", False):
        check_is_fitted(model)
    lead_ddf = as_ddf(leads, "leads")
    touch_ddf = as_ddf(touchpoints, "touchpoints")
    key = "lead_id"
    if touch_ddf is not None:
        p = model.get_params() if hasattr(model, "get_params") else {}
        if "as_of" in p and p["as_of"] is None and not getattr(type(model), "requires_fit", False):
            tcol = "timestamp"
            if tcol in touch_ddf.columns:
                latest = touch_ddf[tcol].max().compute()
                if latest is not None and not (isinstance(latest, float) and np.isnan(latest)):
                    model = clone(model).set_params(as_of=latest)
        frames, _ = partition_by_key([lead_ddf, touch_ddf], key)
    else:
        frames = [lead_ddf, None]
    parts = partition_lists(frames)
    return dd.from_delayed(
        [delayed(_score_partition, pure=True)(*pp, scorer=model, key=key) for pp in parts],
        verify_meta=False,
    )


@inline_pool  # a Dask task: no thread pool of its own
def _logistic_block(
    X: Any, y: Any, sw: Any, *, columns: Sequence[str], y_col: str | None, w_col: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One partition as (X float64 C-contiguous, y 0/1 float, sample weight)."""
    Xn = np.ascontiguousarray(X[list(columns)].to_numpy(dtype=np.float64))
    yv = X[y_col] if y_col is not None else y
    wv = X[w_col] if w_col is not None else sw
    from ..scoring._logistic import as_outcome

    yy = as_outcome(np.asarray(yv), Xn.shape[0])
    ww = np.ones(Xn.shape[0]) if wv is None else np.asarray(wv, dtype=np.float64).ravel()
    return Xn, yy, ww


@inline_pool  # a Dask task: no thread pool of its own
def _logistic_stats(block: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict[str, Any]:
    X, y, sw = block
    bad = ~np.isfinite(sw) | (sw < 0)
    nonfinite = ~np.isfinite(X)
    return {
        "n": X.shape[0],
        "sum": X.sum(axis=0),
        "sumsq": np.einsum("ij,ij->j", X, X),
        "min": X.min(axis=0) if X.shape[0] else np.full(X.shape[1], np.inf),
        "max": X.max(axis=0) if X.shape[0] else np.full(X.shape[1], -np.inf),
        "sw": float(sw.sum()),
        "swy": float(np.dot(sw, y)),
        "n_pos_rows": int(((y == 1.0) & (sw > 0)).sum()),
        "n_neg_rows": int(((y == 0.0) & (sw > 0)).sum()),
        "bad_weights": int(bad.sum()),
        "nonfinite": int(nonfinite.sum()),
    }


def _add_dicts(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k in a:
        if k == "min":
            out[k] = np.minimum(a[k], b[k])
        elif k == "max":
            out[k] = np.maximum(a[k], b[k])
        else:
            out[k] = a[k] + b[k]
    return out


@inline_pool  # a Dask task: no thread pool of its own
def _logistic_partial(
    block: tuple[np.ndarray, np.ndarray, np.ndarray],
    params: np.ndarray,
    *,
    scale: float,
    class_factor: tuple[float, float] | None,
    fit_intercept: bool,
) -> tuple[float, np.ndarray]:
    """Unpenalised summed log-loss and its gradient on one partition (original coordinates)."""
    from ..scoring import logistic_objective

    X, y, sw = block
    w = sw / scale
    if class_factor is not None:
        w = w * np.where(y == 1.0, class_factor[0], class_factor[1])
    value, grad = logistic_objective(params, X, y, w, 0.0, fit_intercept)
    return float(value), np.asarray(grad, dtype=np.float64)


def _sum_partials(
    a: tuple[float, np.ndarray], b: tuple[float, np.ndarray]
) -> tuple[float, np.ndarray]:
    return a[0] + b[0], a[1] + b[1]


def fit_logistic(
    X: Any,
    y: Any = None,
    *,
    sample_weight: Any = None,
    l2: float = 1.0,
    fit_intercept: bool = True,
    class_weight: str | Mapping[Any, float] | None = None,
    max_iter: int = 1000,
    tol: float = 1e-8,
    features: Sequence[str] | None = None,
) -> LogisticScorer:
    """Fit :class:`alignment.scoring.LogisticScorer` on a Dask DataFrame of numeric features.

    One scipy L-BFGS-B optimiser runs on the client; every evaluation of the objective sums
    the per-partition log-loss and gradient (``alignment.scoring.logistic_objective`` on each
    partition, kept in worker memory) with a tree reduction, then adds the ridge penalty.
    The objective, its preconditioning (columns centred and scaled, weights divided by their
    sum), the starting point and the stopping rules are those of ``LogisticScorer.fit``, so
    the fit is the in-memory fit up to floating-point summation order.

    Parameters
    ----------
    X : dask.dataframe.DataFrame
        Numeric feature columns (plus the outcome / weight columns when named by ``y`` /
        ``sample_weight``).  Categorical columns: encode them first, or fit in memory on a
        sample and apply the model with :func:`score`.
    y : str or dask Series
        Outcome (0/1 or bool): a column of ``X`` or a Series with ``X``'s partitions.
    sample_weight : str or dask Series, optional
    l2, fit_intercept, class_weight, max_iter, tol
        As in :class:`LogisticScorer`.
    features : sequence of str, optional
        Feature columns (default: every column of ``X`` except ``y`` / ``sample_weight``).

    Returns
    -------
    LogisticScorer
        Fitted (``coef_``, ``intercept_``, ``n_iter_``, ``converged_``, ``objective_``,
        ``feature_names_in_``); ``predict_proba`` takes frames with the same columns.
    """
    import warnings

    from scipy.optimize import minimize

    from ..errors import ConvergenceWarning
    from ..scoring import LogisticScorer

    dask = dk()
    delayed = dask.delayed

    require_dask()
    est = LogisticScorer(
        l2=l2,
        fit_intercept=fit_intercept,
        class_weight=class_weight,
        max_iter=max_iter,
        tol=tol,
    )
    est.validate_params()
    X = as_ddf(X, "X")
    y_col = y if isinstance(y, str) else None
    w_col = sample_weight if isinstance(sample_weight, str) else None
    if y is None:
        raise DataValidationError(
            "outcomes are required when fitting on a Dask frame",
            column="y",
            fix="pass y= (a column name of X, or a dask Series with X's partitions)",
        )
    cols = (
        list(features)
        if features is not None
        else [c for c in X.columns if c not in {y_col, w_col}]
    )
    missing = [c for c in [*cols, *(c for c in (y_col, w_col) if c)] if c not in X.columns]
    if missing:
        raise DataValidationError(
            f"column(s) {missing} not in X",
            column=missing[0],
            table="X",
            fix=f"available: {list(X.columns)}",
        )
    xs = X.to_delayed()
    ys = [None] * len(xs) if y_col is not None else y.to_delayed()
    ws = (
        [None] * len(xs)
        if (sample_weight is None or w_col is not None)
        else sample_weight.to_delayed()
    )
    if len(ys) != len(xs) or len(ws) != len(xs):
        raise DataValidationError(
            "y / sample_weight do not have X's partitions",
            column="y",
            fix="pass column names of X, or Series built from X (same partitions)",
        )
    blocks = [
        delayed(_logistic_block, pure=True)(a, b, c, columns=cols, y_col=y_col, w_col=w_col)
        for a, b, c in zip(xs, ys, ws)
    ]
    blocks = list(dask.persist(*blocks))
    (st,) = dask.compute(tree_reduce([delayed(_logistic_stats)(b) for b in blocks], _add_dicts))
    n, p = int(st["n"]), len(cols)
    if st["nonfinite"]:
        raise DataValidationError(
            f"{st['nonfinite']} non-finite feature value(s) (NaN or inf)",
            table="X",
            fix="impute or drop the missing values first",
        )
    if st["bad_weights"]:
        raise DataValidationError(
            "sample weights must be finite and >= 0",
            column="sample_weight",
            value=None,
        )
    if n == 0:
        raise DataValidationError("no rows with an outcome to fit on", column="y", table="X")
    if st["n_pos_rows"] == 0 or st["n_neg_rows"] == 0:
        raise DataValidationError(
            "outcomes contain a single class "
            f"({'all lost' if st['n_pos_rows'] == 0 else 'all won'}); a logistic model needs both",
            column="y",
            fix="fit on a sample with both won and lost leads",
        )
    sw_sum, swy = float(st["sw"]), float(st["swy"])
    factor: tuple[float, float] | None = None
    if class_weight == "balanced":
        factor = (sw_sum / (2.0 * swy), sw_sum / (2.0 * (sw_sum - swy)))
    elif isinstance(class_weight, Mapping):
        factor = (
            float(class_weight.get(1, class_weight.get(True, 1.0))),
            float(class_weight.get(0, class_weight.get(False, 1.0))),
        )
    if factor is not None:
        pos = factor[0] * swy
        neg = factor[1] * (sw_sum - swy)
        scale, prior = pos + neg, pos / (pos + neg)
    else:
        scale, prior = sw_sum, swy / sw_sum
    l2f = float(l2)
    if l2f == 0.0 and fit_intercept and p:
        const = np.flatnonzero(st["max"] - st["min"] == 0.0)
        if const.size:
            raise DataValidationError(
                "constant feature column(s) with l2 = 0: the coefficient and the intercept "
                "are not identifiable",
                table="X",
                column=str(cols[const[0]]),
                fix="drop the constant column(s) or use l2 > 0 (their coefficient is then 0)",
            )
    l2s = l2f / scale
    mean = st["sum"] / n
    var = np.maximum(st["sumsq"] / n - mean * mean, 0.0)
    std = np.sqrt(var)
    std = np.where(std > 1e-12 * np.maximum(np.abs(mean), 1.0), std, 1.0)
    shift = mean if fit_intercept else None
    x0 = np.zeros(p + (1 if fit_intercept else 0))
    if fit_intercept:
        x0[p] = np.log(prior / (1.0 - prior))

    def to_original(v: np.ndarray) -> tuple[np.ndarray, float]:
        w = v[:p] / std
        if not fit_intercept:
            return w, 0.0
        b = float(v[p])
        if shift is not None:
            b -= float(np.dot(w, shift))
        return w, b

    def fun(v: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = to_original(np.asarray(v, dtype=np.float64))
        params = np.append(w, b) if fit_intercept else w
        nodes = [
            delayed(_logistic_partial, pure=True)(
                blk,
                params,
                scale=scale,
                class_factor=factor,
                fit_intercept=fit_intercept,
            )
            for blk in blocks
        ]
        (total,) = dask.compute(tree_reduce(nodes, _sum_partials))
        value = total[0] + 0.5 * l2s * float(np.dot(w, w))
        grad = np.array(total[1], dtype=np.float64)
        grad[:p] += l2s * w
        if fit_intercept and shift is not None:
            grad[:p] -= grad[p] * shift
        grad[:p] /= std
        return value, grad

    res = minimize(
        fun,
        x0,
        jac=True,
        method="L-BFGS-B",
        options={
            "maxiter": int(max_iter),
            "gtol": float(tol),
            "ftol": 64 * np.finfo(float).eps,
            "maxls": 50,
        },
    )
    w_opt, b_opt = to_original(np.asarray(res.x, dtype=np.float64))
    est.coef_ = np.array(w_opt, dtype=np.float64)
    est.intercept_ = float(b_opt)
    est.n_iter_ = int(res.nit)
    est.converged_ = bool(res.success)
    est.objective_ = float(res.fun) * scale
    est.encoder_ = None
    est.n_open_ = 0
    est.feature_names_in_ = np.asarray(cols, dtype=object)
    est.feature_names_ = np.asarray(cols, dtype=object)
    if not res.success:
        warnings.warn(
            f"LogisticScorer did not converge after {est.n_iter_} iterations "
            f"({res.message}); increase max_iter, loosen tol or scale the features",
            ConvergenceWarning,
            stacklevel=2,
        )
    return est
