"""L2-penalised logistic regression minimised with scipy's L-BFGS-B (analytic gradient).

Objective (``w`` the coefficients, ``b`` the intercept, ``s_i`` sample weights times class
weights, ``z_i = x_i·w + b``)::

    J(w, b) = Σ_i s_i · [log(1 + exp(z_i)) − y_i z_i]  +  (l2 / 2) · ‖w‖²

The intercept is not penalised, so ``l2 = 1 / C`` of scikit-learn.  ``log(1 + exp(z))`` is
evaluated as ``max(z, 0) - log(max(σ(z), 1 - σ(z)))`` — as stable as ``np.logaddexp(0, z)``
(they agree to ~2e-15, tested) but it reuses ``σ(z)`` from the gradient, which makes an
evaluation about three times cheaper than with ``logaddexp``.  The gradient is
``∇_w = Xᵀ(s·(σ(z) − y)) + l2·w`` and ``∂_b = Σ s·(σ(z) − y)``.  The optimiser works on
``J / Σ s`` (same minimiser, better-scaled tolerances).

Used by alignment.dask
-----------------------
The Dask twin (``alignment.dask.fit_logistic``) evaluates :func:`logistic_objective` on every
partition and checks the outcomes with the same rule; these are the only internals it may use:

* :func:`logistic_objective` — summed log-loss and gradient (also public in
  ``alignment.scoring``).
* :func:`as_outcome` — outcomes as 0/1 float64, typed errors otherwise.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .._backends import find as find_backend
from .._params import check_flag, is_integer, is_number
from ..base import Scorer, check_is_fitted
from ..errors import DataValidationError, ParameterError, reject_rows
from . import _lbfgs as lbfgs
from ._encoder import LeadEncoder
from ._outcomes import binary_outcome

__all__ = ["LogisticScorer", "as_outcome", "logistic_objective"]


class _LogisticLoss:
    """The objective with preallocated work buffers (no per-call allocation of n-vectors).

    With ``scale`` (and ``shift``) the optimiser's variables are preconditioned coefficients
    ``v = w · scale`` and ``b' = b + w·shift`` — the objective is unchanged (same minimum, same
    value), only better conditioned; :meth:`to_original` maps a solution back to ``(w, b)``.
    ``X`` is never copied.
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray,
        l2: float,
        fit_intercept: bool,
        scale: np.ndarray | None = None,
        shift: np.ndarray | None = None,
    ) -> None:
        self.X = X
        self.scale = scale
        self.shift = shift if (shift is not None and fit_intercept) else None
        self.y = y
        self.sw = sample_weight
        self.swy = sample_weight * y
        self.l2 = float(l2)
        self.fit_intercept = fit_intercept
        n = X.shape[0]
        self.z = np.empty(n, dtype=np.float64)
        self.t = np.empty(n, dtype=np.float64)
        self.q = np.empty(n, dtype=np.float64)

    def __call__(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        from scipy.special import expit

        X = self.X
        p = X.shape[1]
        w, b = self.to_original(params)
        z = np.matmul(X, w, out=self.z)
        if self.fit_intercept:
            z += b
        # log(1 + e^z) = max(z, 0) - log(max(σ(z), 1 - σ(z))): no overflow, and the log only
        # sees [1/2, 1], so it reuses σ(z) (needed for the gradient) instead of a second exp
        r = expit(z, out=self.t)  # σ(z)
        q = np.subtract(1.0, r, out=self.q)
        np.maximum(q, r, out=q)
        np.log(q, out=q)
        loss = -float(np.dot(self.sw, q))
        np.maximum(z, 0.0, out=q)
        loss += float(np.dot(self.sw, q)) - float(np.dot(self.swy, z))
        r -= self.y
        r *= self.sw
        grad = np.empty_like(params)
        grad[:p] = r @ X
        grad[:p] += self.l2 * w
        if self.fit_intercept:
            grad[p] = r.sum()
            if self.shift is not None:
                grad[:p] -= grad[p] * self.shift
        if self.scale is not None:
            grad[:p] /= self.scale
        value = loss + 0.5 * self.l2 * float(np.dot(w, w))
        return value, grad

    def to_original(self, params: np.ndarray) -> tuple[np.ndarray, float]:
        """Coefficients and intercept ``(w, b)`` of the model from optimiser variables."""
        p = self.X.shape[1]
        w = params[:p] if self.scale is None else params[:p] / self.scale
        if not self.fit_intercept:
            return w, 0.0
        b = float(params[p])
        if self.shift is not None:
            b -= float(np.dot(w, self.shift))
        return w, b


def logistic_objective(
    params: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray,
    l2: float,
    fit_intercept: bool = True,
) -> tuple[float, np.ndarray]:
    """Value and gradient of the penalised, summed log-loss.

    Parameters
    ----------
    params : ndarray, shape (p,) or (p + 1,)
        Coefficients, followed by the intercept when ``fit_intercept``.
    X : ndarray, shape (n, p)
    y : ndarray of 0/1 floats, shape (n,)
    sample_weight : ndarray, shape (n,)
    l2 : float
        Penalty strength (intercept excluded).
    fit_intercept : bool

    Returns
    -------
    (value, gradient)
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    loss = _LogisticLoss(
        X,
        np.asarray(y, dtype=np.float64),
        np.asarray(sample_weight, dtype=np.float64),
        l2,
        fit_intercept,
    )
    return loss(np.asarray(params, dtype=np.float64))


def as_outcome(y: Any, n: int) -> np.ndarray:
    """``n`` outcomes as float64 0/1 (booleans or 0/1 numbers); a typed error otherwise."""
    return binary_outcome(y, column="y", n=n)


def _as_matrix(X: Any, names: Sequence[str] | None = None) -> np.ndarray:
    not_numeric = DataValidationError(
        "features must be numeric (text such as '0.1' is never read as a number)",
        table="X",
        fix="pass a numeric matrix, or a frame / LeadTable (categoricals are then encoded)",
    )
    try:
        given = np.asarray(X)
        if given.dtype.kind in "USO" and _holds_text(given):
            raise not_numeric
        arr = np.asarray(given, dtype=np.float64)
    except (TypeError, ValueError):
        raise not_numeric from None
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise DataValidationError(f"features must be 2-D, got {arr.ndim}-D", table="X")
    # cheap screen: a column sum is finite when every entry is (barring overflow)
    if arr.size and np.isfinite(arr.sum(axis=0)).all():
        return np.ascontiguousarray(arr)
    bad = ~np.isfinite(arr)
    if bad.any():
        rows, cols = np.nonzero(bad)
        j = int(cols[0])
        col = names[j] if names is not None and j < len(names) else f"x{j}"
        rows_j = rows[cols == j]
        raise DataValidationError(
            "features must be finite (NaN or infinity found)",
            table="X",
            column=col,
            rows=rows_j,
            value=float(arr[rows_j[0], j]),
            fix="impute or drop missing values before fitting, or pass a LeadTable "
            "(its numeric columns get a missing-value indicator)",
        )
    return np.ascontiguousarray(arr)


def _holds_text(arr: np.ndarray) -> bool:
    """Whether a text or object matrix holds text (an object matrix: each value looked at)."""
    if arr.dtype.kind in "US":
        return True
    return any(isinstance(v, (str, bytes)) for v in arr.ravel().tolist())


_CONTROLLER: list[Any] = []  # the threadpoolctl controller, created once (scanning is slow)


@contextlib.contextmanager
def _blas_threads(n: int | None) -> Iterator[None]:
    """Limit BLAS threads to ``n`` while fitting (needs the optional ``threadpoolctl``)."""
    if n is None:
        yield
        return
    if not _CONTROLLER:
        try:  # optional dependency, imported by name so type checkers need no stubs
            threadpoolctl: Any = importlib.import_module("threadpoolctl")
        except ImportError:
            _CONTROLLER.append(None)
        else:
            _CONTROLLER.append(threadpoolctl.ThreadpoolController())
    controller = _CONTROLLER[0]
    if controller is None:
        yield
        return
    with controller.limit(limits=n, user_api="blas"):
        yield


def _is_lead_table(x: Any) -> bool:
    return hasattr(x, "stages") and hasattr(x, "categorical") and hasattr(x, "n_leads")


def _is_matrix_like(x: Any) -> bool:
    if isinstance(x, np.ndarray):
        return True
    if isinstance(x, (list, tuple)):
        return len(x) == 0 or isinstance(x[0], (list, tuple, np.ndarray, int, float))
    return False


def _sample_weights(sample_weight: Any, n: int) -> np.ndarray:
    """One finite, non-negative weight per row (default 1)."""
    if sample_weight is None:
        return np.ones(n, dtype=np.float64)
    sw = np.asarray(sample_weight).ravel()
    if sw.dtype.kind not in "iuf":  # (text, flags, objects: each value a number, or refused)
        reject_rows(
            np.array([not is_number(v) for v in sw.tolist()], dtype=bool),
            "sample weights must be numbers",
            column="sample_weight",
            values=sw,
            fix="pass one finite weight >= 0 per row",
        )
    sw = sw.astype(np.float64)
    if sw.size != n:
        raise DataValidationError(
            f"{sw.size} sample weights for {n} rows",
            column="sample_weight",
            fix="pass one weight per row",
        )
    reject_rows(
        ~np.isfinite(sw) | (sw < 0),
        "sample weights must be finite and >= 0",
        column="sample_weight",
        values=sw,
    )
    return sw


def _check_class_weight(cw: Any) -> None:
    """``None``, ``"balanced"`` or a mapping with a finite weight > 0 for each class 0 and 1 (a
    class of weight 0 leaves a single class to fit: no finite model)."""
    if cw is None or (isinstance(cw, str) and cw == "balanced"):
        return
    if not isinstance(cw, Mapping):
        raise ParameterError(
            f"class_weight must be None, 'balanced' or a mapping {{0: w0, 1: w1}}, got {cw!r}"
        )
    for k, v in cw.items():
        if (
            isinstance(k, (str, bytes))
            or k not in (0, 1)
            or not is_number(v)
            or not (np.isfinite(v) and v > 0)
        ):
            raise ParameterError(
                f"class_weight keys must be 0/1 and values finite numbers > 0, got {k!r}: {v!r}"
                + ("; a class of weight 0 leaves a single class to fit" if v == 0 else "")
            )
    missing = [c for c in (0, 1) if c not in cw]
    if missing:
        raise ParameterError(
            f"class_weight {dict(cw)!r} gives no weight for class {missing[0]}; give both "
            "classes, e.g. {0: 1.0, 1: 3.0}, or use 'balanced'"
        )


class LogisticScorer(Scorer):
    """Logistic lead scorer: probability of winning from lead attributes.

    scikit-learn-style estimator minimising ``Σ sᵢ·logloss(yᵢ, σ(xᵢ·w + b)) + (l2/2)·‖w‖²``
    with scipy's L-BFGS-B and the analytic gradient (intercept not penalised, so
    ``l2 = 1 / C`` of scikit-learn's ``LogisticRegression``).

    Parameters
    ----------
    l2 : float, default 1.0
        Ridge penalty; ``0`` fits an unpenalised model.
    fit_intercept : bool, default True
        ``True`` or ``False`` (text such as ``"no"`` is a :class:`alignment.ParameterError`).
    class_weight : None, "balanced" or mapping {0: w0, 1: w1}
        Multiplies the sample weights per class; ``"balanced"`` uses ``n / (2 · n_class)``.
        A mapping gives both classes (a missing class is a :class:`alignment.ParameterError`).
    max_iter : int, default 1000
        L-BFGS iterations; a :class:`alignment.ConvergenceWarning` is issued when reached.
    tol : float, default 1e-6
        Stop when the largest gradient component of the per-row objective falls below ``tol``
        (or the relative decrease of the objective below machine precision).
    features : sequence of str, optional
        Lead-table columns to use (default: every numeric and categorical lead column except
        identifier-like ones and stage timestamps, see :class:`LeadEncoder`).
    min_count : int, default 10
        Categorical levels seen fewer times in training are pooled into ``"(other)"``.
    positive : str, default "won_at"
        Stage whose timestamp marks a positive outcome when ``y`` is not given.
    negative : str, default "lost_at"
        Stage whose timestamp marks a negative outcome; leads with neither are left out of the
        fit (reported in ``n_open_``) but scored by :meth:`score`.
    n_threads : int or None, default 1
        BLAS threads used during ``fit`` (through ``threadpoolctl`` when it is installed;
        without it this has no effect).  The products here are matrix–vector products bound by
        memory bandwidth, which extra threads do not speed up on small machines (see
        ``benchmarks/RESULTS.md``); ``None`` leaves BLAS as configured.

    Attributes
    ----------
    coef_ : ndarray, shape (p,)
    intercept_ : float
    n_iter_ : int
    converged_ : bool
    objective_ : float
        Value of the objective at the solution (summed, penalised).
    feature_names_in_ : ndarray of str
        Input column names (only when fitted on a frame, dict or LeadTable).
    feature_names_ : ndarray of str
        Names of the encoded columns (one per coefficient).
    encoder_ : LeadEncoder or None
        The categorical encoder (frame / LeadTable input).
    n_open_ : int
        Leads left out of the fit because they were neither won nor lost.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> model = LogisticScorer(l2=1.0).fit(X, [0, 0, 1, 1])
    >>> bool(model.predict_proba(X)[3] > 0.5)
    True
    """

    name = "logistic"
    description = "L2-penalised logistic regression on lead attributes (L-BFGS)"
    requires_fit = True

    #: fitted attributes (set by :meth:`fit`)
    coef_: np.ndarray
    intercept_: float
    n_iter_: int
    converged_: bool
    objective_: float

    def __init__(
        self,
        l2: float = 1.0,
        fit_intercept: bool = True,
        class_weight: str | Mapping[Any, float] | None = None,
        max_iter: int = 1000,
        tol: float = 1e-6,
        features: Sequence[str] | None = None,
        min_count: int = 10,
        positive: str = "won_at",
        negative: str = "lost_at",
        n_threads: int | None = 1,
    ) -> None:
        self.l2 = l2
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol
        self.features = features
        self.min_count = min_count
        self.positive = positive
        self.negative = negative
        self.n_threads = n_threads

    # ------------------------------------------------------------------ parameters
    def validate_params(self) -> None:
        """Check the hyperparameters; raise :class:`alignment.ParameterError` if invalid."""
        if not is_number(self.l2) or not np.isfinite(self.l2) or self.l2 < 0:
            raise ParameterError(f"l2 must be a finite number >= 0, got {self.l2!r}")
        check_flag(self.fit_intercept, "LogisticScorer: fit_intercept")
        if not is_integer(self.max_iter) or self.max_iter < 1:
            raise ParameterError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        if not is_number(self.tol) or not self.tol > 0:
            raise ParameterError(f"tol must be > 0, got {self.tol!r}")
        _check_class_weight(self.class_weight)
        if not is_integer(self.min_count) or self.min_count < 1:
            raise ParameterError(f"min_count must be a positive integer, got {self.min_count!r}")
        nt = self.n_threads
        if nt is not None and (not is_integer(nt) or nt < 1):
            raise ParameterError(f"n_threads must be None or a positive integer, got {nt!r}")

    # ------------------------------------------------------------------ design matrix
    def _design(self, X: Any, *, fitting: bool) -> tuple[np.ndarray, Any]:
        """Return (matrix, lead table or None)."""
        if _is_lead_table(X):
            if fitting:
                self.encoder_: LeadEncoder | None = LeadEncoder(
                    features=self.features, min_count=self.min_count
                ).fit_leads(X)
                self.feature_names_in_ = np.asarray(self.encoder_.input_names_, dtype=object)
            enc = self.encoder_
            if enc is None:
                raise DataValidationError(
                    "this model was fitted on a numeric matrix; pass a matrix with "
                    f"{self.coef_.size} columns, not a lead table",
                    table="X",
                )
            return enc.transform_leads(X), X
        if _is_matrix_like(X):
            if fitting:
                self.encoder_ = None
                vars(self).pop("feature_names_in_", None)
                arr = _as_matrix(X)
                self.feature_names_ = np.asarray(
                    [f"x{j}" for j in range(arr.shape[1])], dtype=object
                )
                return arr, None
            return _as_matrix(X, list(self.feature_names_)), None
        # frames, dicts of columns, sequences of records
        from .._frames import read_table

        raw = read_table(X, table="X", all_columns=True)
        if fitting:
            self.encoder_ = LeadEncoder(features=self.features, min_count=self.min_count).fit(
                raw.columns, exclude_identifiers=False
            )
            self.feature_names_in_ = np.asarray(self.encoder_.input_names_, dtype=object)
        enc = self.encoder_
        if enc is None:
            cols = [np.asarray(raw.columns[c]) for c in raw.names]
            return _as_matrix(np.column_stack(cols), list(raw.names)), None
        return enc.transform(raw.columns), None

    def _outcome(self, leads: Any, y: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (y as 0/1 floats over the kept rows, kept row mask)."""
        if y is None:
            if not _is_lead_table(leads):
                raise DataValidationError(
                    "outcomes are required when fitting on a matrix or frame",
                    column="y",
                    fix="pass y (1 = won, 0 = lost), or fit on a LeadTable with won/lost stages",
                )
            stages = leads.stages
            if self.positive not in stages or self.negative not in stages:
                missing = [s for s in (self.positive, self.negative) if s not in stages]
                raise DataValidationError(
                    f"the lead table has no stage column(s) {missing} to derive outcomes from",
                    table="leads",
                    column=missing[0],
                    fix=f"add {self.positive!r}/{self.negative!r} timestamps or pass y",
                )
            won = ~np.isnat(stages[self.positive])
            lost = ~np.isnat(stages[self.negative])
            both = won & lost
            if both.any():
                raise DataValidationError(
                    "leads marked both won and lost",
                    table="leads",
                    column=self.negative,
                    rows=np.flatnonzero(both),
                    fix="keep one outcome per lead",
                )
            keep = won | lost
            return won[keep].astype(np.float64), keep
        if isinstance(y, str) and _is_lead_table(leads):
            col = leads.column(y)
            if np.issubdtype(np.asarray(col).dtype, np.datetime64):
                yy = (~np.isnat(col)).astype(np.float64)
            else:
                yy = as_outcome(col, n)
            return yy, np.ones(n, dtype=bool)
        return as_outcome(y, n), np.ones(n, dtype=bool)

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        leads: Any,
        y: Any = None,
        *,
        touchpoints: Any = None,
        sample_weight: Any = None,
    ) -> LogisticScorer:
        """Fit on a numeric matrix, a frame, or a :class:`~alignment.LeadTable` and outcomes.

        Parameters
        ----------
        leads : ndarray (n, p), frame, dict of columns, or LeadTable
            Features.  Frames and lead tables go through the categorical encoder.
        y : array-like of 0/1 or bool, or str, optional
            Outcomes; a string names a lead-table column (a stage column means "reached").
            Default for a lead table: won (``positive`` stage reached) vs lost
            (``negative`` stage reached); open leads are left out (``n_open_``).
        touchpoints : ignored
            Accepted for the :class:`alignment.base.Scorer` contract.
        sample_weight : array-like, optional
            Non-negative weight per row (all rows of ``leads``, before open leads are dropped).

        Returns
        -------
        self
        """
        backend = find_backend(leads)
        if backend is not None:
            fitted = backend.operation("fit_logistic")(
                leads,
                y,
                sample_weight=sample_weight,
                l2=self.l2,
                fit_intercept=self.fit_intercept,
                class_weight=self.class_weight,
                max_iter=self.max_iter,
                tol=self.tol,
                features=self.features,
                min_count=self.min_count,
            )
            for k, v in vars(fitted).items():
                if k.endswith("_"):
                    setattr(self, k, v)
            return self

        self.validate_params()
        X, _ = self._design(leads, fitting=True)
        n = X.shape[0]
        yy, keep = self._outcome(leads, y, n)
        sw = _sample_weights(sample_weight, n)
        self.n_open_ = int(n - keep.sum())
        if not keep.all():
            X = X[keep]
            sw = sw[keep]
        if X.shape[0] == 0:
            raise DataValidationError(
                "no rows with an outcome to fit on", column="y", table="leads"
            )
        weighted = sw > 0
        lbfgs.check_both_classes(
            int((weighted & (yy == 1.0)).sum()), int((weighted & (yy == 0.0)).sum())
        )
        factor = lbfgs.class_factor(self.class_weight, float(sw.sum()), float(np.dot(sw, yy)))
        if factor is not None:
            sw = sw * np.where(yy == 1.0, factor[0], factor[1])
        p = X.shape[1]
        lbfgs.check_identifiable(
            float(self.l2), bool(self.fit_intercept), np.ptp(X, axis=0) == 0.0, self._coef_names(p)
        )
        scale = float(sw.sum())
        x0 = lbfgs.start_point(p, bool(self.fit_intercept), float(np.dot(sw, yy)) / scale)
        # diagonal preconditioning: columns centred and scaled inside the objective (no copy)
        mean, std = lbfgs.preconditioner(X.sum(axis=0), np.einsum("ij,ij->j", X, X), X.shape[0])
        fun = _LogisticLoss(
            X,
            yy,
            sw / scale,
            float(self.l2) / scale,
            bool(self.fit_intercept),
            scale=std,
            shift=mean,
        )
        with _blas_threads(self.n_threads):
            res = lbfgs.minimize(fun, x0, self.max_iter, self.tol)
        w_opt, b_opt = fun.to_original(np.asarray(res.x, dtype=np.float64))
        if "feature_names_" not in vars(self) or self.encoder_ is not None:
            self.feature_names_ = self._coef_names(p)
        lbfgs.store_fit(self, res, w_opt, b_opt, scale)
        lbfgs.warn_separated(self, X, yy, sw, float(self.l2))
        return self

    def _coef_names(self, p: int) -> np.ndarray:
        enc = getattr(self, "encoder_", None)
        if enc is not None:
            return np.asarray(enc.feature_names_, dtype=object)
        names = getattr(self, "feature_names_", None)
        if names is not None and len(names) == p:
            return np.asarray(names, dtype=object)
        return np.asarray([f"x{j}" for j in range(p)], dtype=object)

    # ------------------------------------------------------------------ predict
    def _matrix_for_predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, ("coef_",))
        M, _ = self._design(X, fitting=False)
        if M.shape[1] != self.coef_.size:
            raise DataValidationError(
                f"{M.shape[1]} feature columns, but the model was fitted on {self.coef_.size}",
                table="X",
                fix="pass the same columns as in fit",
            )
        return M

    def decision_function(self, X: Any) -> np.ndarray:
        """Log-odds ``x·w + b`` per row."""
        M = self._matrix_for_predict(X)
        return np.asarray(M @ self.coef_ + self.intercept_, dtype=np.float64)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of the positive outcome (won) per row, 1-D."""
        from scipy.special import expit

        return np.asarray(expit(self.decision_function(X)), dtype=np.float64)

    def predict(self, X: Any, threshold: float = 0.5) -> np.ndarray:
        """Boolean prediction ``predict_proba(X) >= threshold``."""
        return self.predict_proba(X) >= threshold

    def contributions(self, X: Any) -> np.ndarray:
        """Per-row, per-feature contributions ``coef_j · x_ij`` to the log-odds.

        Their row sum plus ``intercept_`` is :meth:`decision_function`.
        """
        M = self._matrix_for_predict(X)
        return np.asarray(M * self.coef_, dtype=np.float64)

    def objective(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Value of the fitted model's objective on ``(X, y)`` (summed, penalised)."""
        M = self._matrix_for_predict(X)
        yy = as_outcome(y, M.shape[0])
        sw = _sample_weights(sample_weight, M.shape[0])
        params = np.append(self.coef_, self.intercept_) if self.fit_intercept else self.coef_
        val, _ = logistic_objective(params, M, yy, sw, float(self.l2), bool(self.fit_intercept))
        return val

    # ------------------------------------------------------------------ Scorer contract
    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        """Score leads: ``score`` and ``probability`` (P(won)), ``logit`` (log-odds)."""
        z = self.decision_function(leads)
        from scipy.special import expit

        p = np.asarray(expit(z), dtype=np.float64)
        return {"score": p, "probability": p, "logit": z}

    def explain(
        self, leads: Any, touchpoints: Any = None, index: int = 0, top: int | None = None
    ) -> list[dict[str, Any]]:
        """Contributions ``coef × value`` of row ``index``, largest absolute first.

        Features contributing exactly 0 are left out; the intercept comes last.  The points add
        up to the row's log-odds (:meth:`decision_function`).
        """
        if _is_lead_table(leads):  # encode only the one lead
            n = int(leads.n_leads)
            if not -n <= index < n:
                raise ParameterError(f"row {index} out of range for {n} leads")
            M = self._matrix_for_predict(leads.take(np.asarray([index], dtype=np.int64)))
            index = 0
        else:
            M = self._matrix_for_predict(leads)
            if not -M.shape[0] <= index < M.shape[0]:
                raise ParameterError(f"row {index} out of range for {M.shape[0]} rows")
        row = M[index] * self.coef_
        names = self._coef_names(self.coef_.size)
        order = np.argsort(-np.abs(row), kind="stable")
        out: list[dict[str, Any]] = []
        for j in order:
            if row[j] == 0.0:
                continue
            out.append(
                {
                    "axis": "logit",
                    "rule": str(names[j]),
                    "value": float(M[index, j]),
                    "coef": float(self.coef_[j]),
                    "points": float(row[j]),
                }
            )
        if top is not None:
            out = out[:top]
        out.append(
            {
                "axis": "logit",
                "rule": "(intercept)",
                "value": 1.0,
                "coef": self.intercept_,
                "points": self.intercept_,
            }
        )
        return out
