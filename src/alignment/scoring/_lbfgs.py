"""The one L-BFGS driver of the logistic fit, in memory and on Dask.

``LogisticScorer.fit`` (one partition: the rows in memory) and ``alignment.dask``'s
``fit_logistic`` (partial log-loss and gradient summed over partitions) differ only in how they
evaluate the objective; everything else is here, once: class weights, the single-class and
identifiability checks, the preconditioning (columns centred and scaled), the starting point
(the intercept at the weighted log-odds of the outcome), the solver and its options, and the
fitted attributes with the convergence warning — as scikit-learn keeps its loss apart from its
solvers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import ConvergenceWarning, DataValidationError

__all__ = [
    "check_both_classes",
    "check_identifiable",
    "class_factor",
    "minimize",
    "preconditioner",
    "start_point",
    "store_fit",
]


def class_factor(class_weight: Any, sw_sum: float, swy: float) -> tuple[float, float] | None:
    """Weight multipliers ``(positive, negative)`` of ``class_weight`` (``None``: none).

    ``"balanced"``: each class weighs half of the total sample weight ``sw_sum`` (of which
    ``swy`` is positive); a mapping gives the weight of class 1 / True and class 0 / False.
    """
    if class_weight == "balanced":
        return sw_sum / (2.0 * swy), sw_sum / (2.0 * (sw_sum - swy))
    if isinstance(class_weight, Mapping):
        return (
            float(class_weight.get(1, class_weight.get(True, 1.0))),
            float(class_weight.get(0, class_weight.get(False, 1.0))),
        )
    return None


def check_both_classes(n_positive: int, n_negative: int) -> None:
    """Refuse outcomes of a single class (rows with positive weight only)."""
    if n_positive and n_negative:
        return
    raise DataValidationError(
        "outcomes contain a single class "
        f"({'all lost' if n_positive == 0 else 'all won'}); a logistic model needs both",
        column="y",
        value=0.0 if n_positive == 0 and n_negative else (1.0 if n_positive else None),
        fix="fit on a sample with both won and lost leads",
    )


def check_identifiable(
    l2: float, fit_intercept: bool, constant: np.ndarray, names: Sequence[Any] | np.ndarray
) -> None:
    """Without a ridge penalty, a constant column and the intercept are not identifiable."""
    if l2 != 0.0 or not fit_intercept or not constant.size:
        return
    bad = np.flatnonzero(constant)
    if bad.size:
        raise DataValidationError(
            "constant feature column(s) with l2 = 0: the coefficient and the intercept "
            "are not identifiable",
            table="X",
            column=str(names[bad[0]]),
            fix="drop the constant column(s) or use l2 > 0 (their coefficient is then 0)",
        )


def preconditioner(col_sum: np.ndarray, col_sumsq: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """Column means and scales (a constant column keeps scale 1) from additive moments."""
    mean = col_sum / n
    std = np.sqrt(np.maximum(col_sumsq / n - mean * mean, 0.0))
    return mean, np.where(std > 1e-12 * np.maximum(np.abs(mean), 1.0), std, 1.0)


def start_point(p: int, fit_intercept: bool, prior: float) -> np.ndarray:
    """Zero coefficients; the intercept at the log-odds of the weighted positive share."""
    x0 = np.zeros(p + (1 if fit_intercept else 0))
    if fit_intercept:
        x0[p] = np.log(prior / (1.0 - prior))
    return x0


def minimize(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray, max_iter: int, tol: float
) -> Any:
    """scipy's L-BFGS-B on ``fun`` (value and gradient), with the fit's stopping rules."""
    from scipy.optimize import minimize as scipy_minimize

    return scipy_minimize(
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


def store_fit(est: Any, res: Any, w: np.ndarray, b: float, scale: float) -> None:
    """The fitted attributes of ``est`` from the solver's result; warns when not converged."""
    est.coef_ = np.array(w, dtype=np.float64)
    est.intercept_ = float(b)
    est.n_iter_ = int(res.nit)
    est.converged_ = bool(res.success)
    est.objective_ = float(res.fun) * scale
    if not res.success:
        warnings.warn(
            f"LogisticScorer did not converge after {est.n_iter_} iterations "
            f"({res.message}); increase max_iter, loosen tol or scale the features",
            ConvergenceWarning,
            stacklevel=3,
        )


def separated(X: np.ndarray, y: np.ndarray, sw: np.ndarray, w: np.ndarray, b: float) -> bool:
    """Whether the model ``(w, b)`` puts every row of positive weight on its own outcome's
    side (a strictly positive margin); ``True`` for no such row (a partition may hold none)."""
    margin = (X @ w + b) * np.where(y == 1.0, 1.0, -1.0)
    return bool(np.all(margin[sw > 0] > 0))


def warn_separated(est: Any, X: np.ndarray, y: np.ndarray, sw: np.ndarray, l2: float) -> None:
    """Without a penalty (``l2=0``), outcomes the fitted model separates perfectly (every row of
    positive weight on its own side) have no finite maximum likelihood: the coefficients grow
    with the iterations, and their values are the solver's stopping point, not an estimate.
    Marks the fit as not converged and warns."""
    if l2 > 0 or not np.any(sw > 0):
        return
    if separated(X, y, sw, est.coef_, float(est.intercept_)):
        mark_separated(est, stacklevel=3)


def mark_separated(est: Any, stacklevel: int) -> None:
    """Marks a fit on perfectly separated outcomes as not converged, with a warning at the
    caller ``stacklevel`` frames up (as :func:`warnings.warn` counts them)."""
    est.converged_ = False
    warnings.warn(
        "the outcomes are perfectly separated by the features: with l2=0 the coefficients "
        "have no finite value (these depend on tol and max_iter); pass l2 > 0",
        ConvergenceWarning,
        stacklevel=stacklevel + 1,
    )
