"""Evaluation of lead scores against outcomes (pure numpy / scipy).

All functions take plain arrays (``y_true`` binary 0/1 or bool, scores or probabilities as
floats) and validate them: mismatched lengths, NaN or infinite values and non-binary labels raise
:class:`alignment.DataValidationError`.  Tables are returned as ``dict[str, numpy.ndarray]``
(one entry per column) unless ``backend`` names a frame library (``"pandas"``, ``"polars"``,
``"pyarrow"``), in which case the table comes back as that frame.

Functions
---------
roc_auc
    Area under the ROC curve from ranks (ties count one half), optionally weighted.
log_loss
    Mean (or summed) binary cross-entropy.
brier
    Mean squared difference between probability and outcome.
lift_table
    Lift and cumulative gains by score bin (deciles by default).
calibration_table
    Predicted vs observed rate per probability bin, with confidence intervals.
cell_conversion
    Conversion rate per grid cell (or any label) with Wilson or Jeffreys intervals.
binomial_interval
    The interval used by the two tables above.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, overload

import numpy as np

from .._grouplabel import MISSING_LABEL
from .._params import Number, check_flag, is_integer, is_option
from .._parse import _missing_mask
from .._segments import group_max, group_min
from ..errors import DataValidationError, ParameterError, reject_rows
from ._outcomes import binary_outcome

__all__ = [
    "binomial_interval",
    "brier",
    "calibration_table",
    "cell_conversion",
    "lift_table",
    "log_loss",
    "roc_auc",
]

#: probabilities are clipped to ``[LOG_LOSS_EPS, 1 - LOG_LOSS_EPS]`` in :func:`log_loss`
LOG_LOSS_EPS = 1e-15


# --------------------------------------------------------------------------- validation
def _labels(y: Any, *, name: str = "y_true") -> np.ndarray:
    return binary_outcome(y, column=name)


def _floats(x: Any, *, name: str, n: int | None = None) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        arr = arr.ravel()
    if arr.dtype.kind not in "iufb":
        raise DataValidationError(
            "values must be numeric",
            column=name,
            value=arr[0] if arr.size else None,
            fix="pass a numeric array",
        )
    out = arr.astype(np.float64)
    if n is not None and out.size != n:
        raise DataValidationError(
            f"length {out.size} does not match the labels' length {n}",
            column=name,
            fix="pass one value per label, in the same order",
        )
    _refuse(
        ~np.isfinite(out),
        out,
        "values must be finite (no NaN or infinity)",
        column=name,
        fix="fill or drop the missing values before evaluating",
    )
    return out


def _refuse(bad: np.ndarray, values: np.ndarray, problem: str, *, column: str, fix: str) -> None:
    """Raise :class:`DataValidationError` naming the rows where ``bad`` holds (if any)."""
    reject_rows(bad, problem, column=column, values=values, fix=fix)


def _weights(w: Any, n: int) -> np.ndarray:
    if w is None:
        return np.ones(n, dtype=np.float64)
    out = _floats(w, name="sample_weight", n=n)
    _refuse(
        out < 0,
        out,
        "weights must be non-negative",
        column="sample_weight",
        fix="pass non-negative weights",
    )
    return out


def _probabilities(p: Any, n: int, *, name: str = "y_prob") -> np.ndarray:
    out = _floats(p, name=name, n=n)
    _refuse(
        (out < 0.0) | (out > 1.0),
        out,
        "probabilities must lie in [0, 1]",
        column=name,
        fix="pass probabilities (e.g. LogisticScorer.predict_proba), not raw scores",
    )
    return out


def _cell_labels(lab: np.ndarray) -> np.ndarray:
    """Cell labels as text, every missing one (``None``, ``NaN``, ``pd.NA``, ``NaT``) as
    :data:`MISSING_LABEL`; a label holding that text itself beside missing ones is refused."""
    missing = _missing_mask(lab)
    text = np.where(missing, "", lab).astype(str)
    if missing.any():
        reject_rows(
            text == MISSING_LABEL,
            f"the text {MISSING_LABEL!r} is the label of the cells without a value: these rows "
            "would merge with the rows that have no cell",
            column="cell",
            values=lab,
            fix="leave the cell empty if it means no value, or rename the value",
        )
    return np.where(missing, MISSING_LABEL, text)


def _table(columns: dict[str, np.ndarray], backend: str | None) -> Any:
    if is_option(backend, (None, "dict")):
        return columns
    from .._frames import to_native

    return to_native(columns, backend)


# --------------------------------------------------------------------------- metrics
def roc_auc(y_true: Any, y_score: Any, *, sample_weight: Any = None) -> float:
    """Area under the ROC curve, computed from ranks.

    .. math::

        \\mathrm{AUC} = \\frac{\\sum_{i: y_i=1} \\sum_{j: y_j=0} w_i w_j
        \\left([s_i > s_j] + \\tfrac12 [s_i = s_j]\\right)}{W_1 W_0}

    i.e. the probability that a random positive scores above a random negative, ties counting
    one half (the Mann–Whitney statistic with average ranks).  ``O(n log n)``.

    Parameters
    ----------
    y_true : array-like of 0/1 or bool
        Outcomes.
    y_score : array-like of float
        Scores (any monotone scale; higher = more likely positive).
    sample_weight : array-like of float, optional
        Non-negative weights.

    Returns
    -------
    float

    Raises
    ------
    DataValidationError
        If only one class is present (the AUC is undefined), on NaN scores or length mismatch.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    y = _labels(y_true)
    s = _floats(y_score, name="y_score", n=y.size)
    w = _weights(sample_weight, y.size)
    wp = w * y
    wn = w * (1.0 - y)
    tot_p = float(wp.sum())
    tot_n = float(wn.sum())
    if tot_p <= 0.0 or tot_n <= 0.0:
        raise DataValidationError(
            "ROC AUC needs both positive and negative outcomes (with positive weight)",
            column="y_true",
            fix="evaluate on a sample that contains both converted and unconverted leads",
        )
    order = np.argsort(s, kind="stable")
    ss = s[order]
    # group ties: group id per sorted position
    new = np.empty(ss.size, dtype=bool)
    new[:1] = True
    np.not_equal(ss[1:], ss[:-1], out=new[1:])
    gid = np.cumsum(new) - 1
    n_groups = int(gid[-1]) + 1
    gp = np.bincount(gid, weights=wp[order], minlength=n_groups)
    gn = np.bincount(gid, weights=wn[order], minlength=n_groups)
    neg_below = np.cumsum(gn) - gn
    auc = float(np.dot(gp, neg_below + 0.5 * gn)) / (tot_p * tot_n)
    return auc


def log_loss(
    y_true: Any, y_prob: Any, *, sample_weight: Any = None, normalize: bool = True
) -> float:
    """Binary cross-entropy ``-[y log p + (1 - y) log(1 - p)]``, averaged (or summed).

    Probabilities are clipped to ``[1e-15, 1 - 1e-15]`` so a confident mistake costs about 34.5
    instead of infinity.

    Parameters
    ----------
    y_true : array-like of 0/1 or bool
    y_prob : array-like of float in [0, 1]
        Predicted probability of the positive outcome.
    sample_weight : array-like, optional
    normalize : bool, default True
        Weighted mean if true, weighted sum otherwise.

    Examples
    --------
    >>> round(log_loss([1, 0], [0.5, 0.5]), 6)
    0.693147
    """
    normalize = check_flag(normalize, "log_loss: normalize")
    y = _labels(y_true)
    p = np.clip(_probabilities(y_prob, y.size), LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS)
    w = _weights(sample_weight, y.size)
    losses = -(y * np.log(p) + (1.0 - y) * np.log1p(-p))
    total = float(np.dot(w, losses))
    if not normalize:
        return total
    wsum = float(w.sum())
    if wsum <= 0:
        raise DataValidationError("no observations with positive weight", column="y_true")
    return total / wsum


def brier(y_true: Any, y_prob: Any, *, sample_weight: Any = None) -> float:
    """Brier score: weighted mean of ``(p - y)^2`` (0 is perfect, 0.25 is a coin flip).

    Examples
    --------
    >>> round(brier([1, 0], [0.8, 0.4]), 12)
    0.1
    """
    y = _labels(y_true)
    p = _probabilities(y_prob, y.size)
    w = _weights(sample_weight, y.size)
    wsum = float(w.sum())
    if wsum <= 0:
        raise DataValidationError("no observations with positive weight", column="y_true")
    return float(np.dot(w, (p - y) ** 2)) / wsum


@overload
def binomial_interval(
    successes: Number,
    trials: Number,
    *,
    method: Literal["wilson", "jeffreys"] = "wilson",
    level: float = 0.95,
) -> tuple[float, float]: ...
@overload
def binomial_interval(
    successes: Any,
    trials: Any,
    *,
    method: Literal["wilson", "jeffreys"] = "wilson",
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]: ...
def binomial_interval(
    successes: Any,
    trials: Any,
    *,
    method: Literal["wilson", "jeffreys"] = "wilson",
    level: float = 0.95,
) -> tuple[Any, Any]:
    """Two-sided confidence interval for a binomial proportion, element-wise.

    * ``"wilson"``: the Wilson score interval
      :math:`\\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}`.
    * ``"jeffreys"``: quantiles ``α/2`` and ``1-α/2`` of ``Beta(k + 1/2, n - k + 1/2)``, with
      the lower bound 0 when ``k = 0`` and the upper bound 1 when ``k = n``.

    Where ``trials == 0`` both bounds are NaN (no information).  Counts are numbers (or arrays
    of them), finite, non-negative, with ``successes <= trials``; anything else (a bool, text,
    NaN, 11 successes of 10 trials) raises :class:`~alignment.ParameterError`.

    Returns
    -------
    (lower, upper) : tuple of float, or of ndarray
        Floats for a number of successes and of trials, arrays (broadcast) otherwise.
    """
    from .._stats import binomial_interval as _interval

    if not 0.0 < level < 1.0:
        raise ParameterError(f"level must lie strictly between 0 and 1, got {level!r}")
    if not is_option(method, ("wilson", "jeffreys")):
        raise ParameterError(f"method must be 'wilson' or 'jeffreys', got {method!r}")
    k, n = _count(successes, "successes"), _count(trials, "trials")
    try:
        k, n = np.broadcast_arrays(k, n)
    except ValueError:
        raise ParameterError(
            f"successes (shape {k.shape}) and trials (shape {n.shape}) do not broadcast; "
            "give one count of trials per count of successes"
        ) from None
    over = k > n
    if over.any():
        at = int(np.flatnonzero(over)[0])
        raise ParameterError(
            f"successes must not exceed trials; got {float(k.flat[at])!r} successes of "
            f"{float(n.flat[at])!r} trials{_at(over, at)}"
        )
    lo, hi = _interval(k, n, level, method)
    if np.ndim(lo) == 0:  # numbers in: numbers out
        return float(lo), float(hi)
    return lo, hi


def _count(value: Any, name: str) -> np.ndarray:
    """A count of :func:`binomial_interval` (a number or an array of them) as float64, checked
    finite and non-negative; a bool or text is refused, never read as 1 or parsed."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf" or isinstance(value, (bool, np.bool_)):
        raise ParameterError(
            f"{name} must be a count or an array of counts (a bool or text is not a count), "
            f"got {value!r}"
        )
    out = arr.astype(np.float64)
    bad = ~np.isfinite(out) | (out < 0)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise ParameterError(
            f"{name} must be finite and non-negative; got {float(out.flat[at])!r}{_at(bad, at)}"
        )
    return out


def _at(mask: np.ndarray, at: int) -> str:
    """`` at index …`` for an array (its flat index), nothing for a number."""
    return f" at index {at}" if mask.ndim else ""


def lift_table(y_true: Any, y_score: Any, *, n_bins: int = 10, backend: str | None = None) -> Any:
    """Lift and cumulative gains by score bin (deciles by default).

    Leads are sorted by score, best first (ties keep input order), and cut into ``n_bins``
    bins of equal size (sizes differ by at most one).  Per bin:

    ``bin`` (1 = best), ``n``, ``positives``, ``rate`` (positives / n), ``lift`` (rate / overall
    rate), ``cum_n``, ``cum_positives``, ``cum_gain`` (share of all positives captured so far),
    ``cum_lift`` (cumulative rate / overall rate).

    Parameters
    ----------
    y_true, y_score : array-like
    n_bins : int, default 10
    backend : {None, "dict", "pandas", "polars", "pyarrow"}
        ``None`` returns a dict of numpy arrays.
    """
    y = _labels(y_true)
    s = _floats(y_score, name="y_score", n=y.size)
    if not is_integer(n_bins) or n_bins < 1:
        raise ParameterError(f"n_bins must be a positive integer, got {n_bins!r}")
    n = y.size
    if n == 0:
        raise DataValidationError("no observations to evaluate", column="y_true")
    order = np.argsort(-s, kind="stable")
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    bins = (pos * n_bins) // n
    cnt = np.bincount(bins, minlength=n_bins).astype(np.float64)
    positives = np.bincount(bins, weights=y, minlength=n_bins)
    overall = float(y.sum()) / n
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(cnt > 0, positives / np.where(cnt > 0, cnt, 1.0), np.nan)
        lift = rate / overall if overall > 0 else np.full(n_bins, np.nan)
        cum_n = np.cumsum(cnt)
        cum_pos = np.cumsum(positives)
        cum_gain = cum_pos / cum_pos[-1] if cum_pos[-1] > 0 else np.full(n_bins, np.nan)
        cum_rate = np.where(cum_n > 0, cum_pos / np.where(cum_n > 0, cum_n, 1.0), np.nan)
        cum_lift = cum_rate / overall if overall > 0 else np.full(n_bins, np.nan)
    cols = {
        "bin": np.arange(1, n_bins + 1, dtype=np.int64),
        "n": cnt.astype(np.int64),
        "positives": positives,
        "rate": rate,
        "lift": lift,
        "cum_n": cum_n.astype(np.int64),
        "cum_positives": cum_pos,
        "cum_gain": cum_gain,
        "cum_lift": cum_lift,
    }
    return _table(cols, backend)


def calibration_table(
    y_true: Any,
    y_prob: Any,
    *,
    n_bins: int = 10,
    strategy: Literal["uniform", "quantile"] = "uniform",
    method: Literal["wilson", "jeffreys"] = "wilson",
    level: float = 0.95,
    backend: str | None = None,
) -> Any:
    """Predicted vs observed conversion rate per probability bin.

    ``strategy="uniform"`` uses bins ``[0, 1/k), [1/k, 2/k) … [(k-1)/k, 1]``;
    ``"quantile"`` uses equal-count bins by rank (as :func:`lift_table`, lowest first).
    Columns: ``bin``, ``lower``/``upper`` (bin edges), ``n``, ``mean_predicted``,
    ``observed``, ``ci_low``, ``ci_high`` (interval of the observed rate, see
    :func:`binomial_interval`).  Empty bins have ``n = 0`` and NaN rates.
    """
    y = _labels(y_true)
    p = _probabilities(y_prob, y.size)
    if not is_integer(n_bins) or n_bins < 1:
        raise ParameterError(f"n_bins must be a positive integer, got {n_bins!r}")
    if not is_option(strategy, ("uniform", "quantile")):
        raise ParameterError(f"strategy must be 'uniform' or 'quantile', got {strategy!r}")
    n = y.size
    if strategy == "uniform":
        bins = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
        edges = np.linspace(0.0, 1.0, n_bins + 1)
        lower, upper = edges[:-1], edges[1:]
    else:
        order = np.argsort(p, kind="stable")
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        bins = (rank * n_bins) // max(n, 1)
        lower = np.full(n_bins, np.nan)
        upper = np.full(n_bins, np.nan)
        if n:
            present = np.unique(bins)
            mins = group_min(p, bins, n_bins, np.inf)
            maxs = group_max(p, bins, n_bins, -np.inf)
            lower[present] = mins[present]
            upper[present] = maxs[present]
    cnt = np.bincount(bins, minlength=n_bins).astype(np.float64)
    sum_p = np.bincount(bins, weights=p, minlength=n_bins)
    pos = np.bincount(bins, weights=y, minlength=n_bins)
    safe = np.where(cnt > 0, cnt, 1.0)
    mean_p = np.where(cnt > 0, sum_p / safe, np.nan)
    observed = np.where(cnt > 0, pos / safe, np.nan)
    lo, hi = binomial_interval(pos, cnt, method=method, level=level)
    cols = {
        "bin": np.arange(1, n_bins + 1, dtype=np.int64),
        "lower": np.asarray(lower, dtype=np.float64),
        "upper": np.asarray(upper, dtype=np.float64),
        "n": cnt.astype(np.int64),
        "mean_predicted": mean_p,
        "observed": observed,
        "ci_low": lo,
        "ci_high": hi,
    }
    return _table(cols, backend)


def cell_conversion(
    cells: Any,
    converted: Any,
    *,
    method: Literal["wilson", "jeffreys"] = "wilson",
    level: float = 0.95,
    order: Any = None,
    backend: str | None = None,
) -> Any:
    """Conversion rate per grid cell (or any label) with a confidence interval.

    "How well does the grid separate winners": for every cell, the number of leads, how many
    converted, the rate and its interval.

    Parameters
    ----------
    cells : array-like of str, or a :class:`~alignment.scoring.ScoreResult`
        The label per lead (e.g. ``"A1"``); for a ``ScoreResult`` its ``cell`` column.
        Missing labels (``None``, ``NaN``, ``pd.NA``, a null of Polars or PyArrow) are grouped
        as ``"(missing)"``; a label holding that text beside missing labels is refused.
    converted : array-like of 0/1 or bool
        Outcome per lead, same order.
    method : {"wilson", "jeffreys"}
    level : float, default 0.95
    order : sequence of str, optional
        Cells to list, in this order (cells absent from the data get ``n = 0``); default: the
        labels present, sorted.
    backend : see :func:`lift_table`

    Returns
    -------
    table with columns ``cell``, ``n``, ``conversions``, ``rate``, ``ci_low``, ``ci_high``.
    """
    if hasattr(cells, "columns") and isinstance(getattr(cells, "columns", None), Mapping):
        if "cell" not in cells.columns:
            raise DataValidationError(
                "this score result has no 'cell' column", column="cell", fix="use a grid scorer"
            )
        cells = cells.columns["cell"]
    lab = np.asarray(cells, dtype=object).ravel()
    y = _labels(converted, name="converted")
    if lab.size != y.size:
        raise DataValidationError(
            f"{lab.size} cells but {y.size} outcomes",
            column="converted",
            fix="pass one outcome per lead, in the same order as the cells",
        )
    lab = _cell_labels(lab)
    present, inv = np.unique(lab, return_inverse=True)
    if order is None:
        names = present
        idx = inv
    else:
        names = np.asarray([str(c) for c in order], dtype=object)
        lut = {str(c): i for i, c in enumerate(names)}
        extra = [str(c) for c in present if c not in lut]
        if extra:
            names = np.concatenate([names, np.asarray(extra, dtype=object)])
            lut.update({c: len(lut) + i for i, c in enumerate(extra)})
        remap = np.asarray([lut[str(c)] for c in present], dtype=np.int64)
        idx = remap[inv] if inv.size else inv
    k = names.size
    cnt = np.bincount(idx, minlength=k).astype(np.float64)
    pos = np.bincount(idx, weights=y, minlength=k)
    rate = np.where(cnt > 0, pos / np.where(cnt > 0, cnt, 1.0), np.nan)
    lo, hi = binomial_interval(pos, cnt, method=method, level=level)
    cols = {
        "cell": np.asarray(names, dtype=object),
        "n": cnt.astype(np.int64),
        "conversions": pos.astype(np.int64),
        "rate": rate,
        "ci_low": lo,
        "ci_high": hi,
    }
    return _table(cols, backend)
