"""Scoring on Dask: per-partition scores and the logistic fit over summed partial objectives."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence, Set
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from .._frame_types import level_frames, pandas_frames
from .._guard import failing, guarded_clone, guarded_params, guarded_set_params
from .._parallel import inline_pool
from .._params import is_option
from .._results import frame_backend
from ..errors import DataValidationError, ParameterError
from ..scoring import ScoreResult
from ..scoring._breakdown import (
    BreakdownStats,
    band_range,
    headline,
    merge,
    stats_of,
    table,
    warn_unmatched,
)

if TYPE_CHECKING:
    from ..scoring import LogisticScorer
    from ..scoring._encoder import LeadEncoder

from .._options import capture
from ._common import (
    Failure,
    as_ddf,
    dk,
    input_rows,
    local_frame,
    partition_by_key,
    partition_lists,
    partition_task,
    raising_partition_task,
    reject_duplicate_ids,
    require_dask,
    settle,
    source_pairs,
    tag_rows,
    tree_reduce,
)
from ._flags import encoder_columns, flag_encoder, level_columns
from ._instants import latest_instant, lead_times, refuse_mixed_instants

# ---------------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------------


@inline_pool  # a Dask task: no thread pool of its own
def _score_local(leads: Any, touches: Any, *, scorer: Any, key: str) -> Any:
    """The in-memory engine on one partition; its warning about touches of unknown leads is
    issued once for the whole run, from the merged diagnostics (see :meth:`DaskScoreResult.
    diagnostics`)."""
    from ..scoring import score_tables

    return score_tables(
        local_frame(leads, key, "leads"), local_frame(touches, key, "touchpoints"), scorer=scorer
    )


@raising_partition_task
def _score_partition(leads: Any, touches: Any, *, scorer: Any, key: str) -> Any:
    return _score_local(leads, touches, scorer=scorer, key=key).to_frame(backend="pandas")


@partition_task
def _stats_partition(
    leads: Any, touches: Any, *, scorer: Any, key: str, bands: tuple[float, float] | None
) -> BreakdownStats:
    return stats_of(_score_local(leads, touches, scorer=scorer, key=key), bands)


class DaskScoreResult(ScoreResult):
    """The result of ``alignment.score`` on Dask: a :class:`~alignment.scoring.ScoreResult`.

    The same result contract (``docs/results.md``): ``to_frame(level=None, backend=None)`` —
    ``"leads"`` (default) is a lazy ``dask.dataframe.DataFrame`` with one row per lead (the
    in-memory ``to_frame()`` of each partition), or, with a ``backend``, that table computed
    into it; ``"breakdown"`` is the small table of :meth:`breakdown`.  :meth:`summary`,
    :meth:`breakdown`, ``len()``, ``_repr_html_()`` and :meth:`plot` run one distributed pass
    of per-partition counts and sums, summed (the same code as in memory) and kept.  The
    per-lead members that would pull every lead into memory (``result["score"]``,
    ``columns``, ``scores``, ``explain``, ``conversion``) raise a
    :class:`~alignment.errors.ParameterError` that points to ``to_frame()``.
    """

    def __init__(
        self,
        frame: Any,
        *,
        scorer: Any,
        stats: Callable[[Any], Any],
        npartitions: int,
        inputs: Mapping[str, Any] | None = None,
    ) -> None:
        self.scorer = scorer
        self.backend = "dask"
        self.id_column = "lead_id"
        self.npartitions = npartitions
        self._frame = frame
        self._stats_of = stats
        self._stats: BreakdownStats | None = None
        self._diagnostics: dict[str, Any] | None = None
        self._inputs = {k: v for k, v in (inputs or {}).items() if v is not None}

    # ------------------------------------------------------------------ statistics
    def _breakdown_stats(self) -> BreakdownStats:
        """Per-partition counts and sums, merged (bands need the score range first); the
        run's warnings are issued once, with the first pass."""
        if self._stats is None:
            dask = dk()
            with input_rows(self._inputs):
                first: BreakdownStats = settle(dask.compute(self._stats_of(None))[0])
                if first.bands is not None:  # the ten bands span the range of all scores
                    lo, hi = band_range(first.score_min, first.score_max, first.n)
                    bands = dask.compute(self._stats_of((lo, hi)))[0]
                    first = settle(bands, warn=False)  # (the same partitions again)
            self._stats = first
            warn_unmatched(first.diagnostics, stacklevel=3)
        return self._stats

    @property  # (read from the partitions on first use)
    def diagnostics(self) -> dict[str, Any]:
        """The in-memory diagnostics of the whole run (touches of unknown leads, unscored
        touches ...): each partition's, merged (:func:`~alignment.scoring._breakdown.
        merge_diagnostics`) in the pass of :meth:`summary`, which is run once and kept.  That
        pass issues the in-memory warning about touches of unknown leads, once for the run
        (total counts, the first unknown ids in key order)."""
        if self._diagnostics is None:
            self._diagnostics = dict(self._breakdown_stats().diagnostics)
        return self._diagnostics

    @diagnostics.setter
    def diagnostics(self, value: dict[str, Any]) -> None:
        self._diagnostics = value

    def _in_memory_only(self, what: str) -> ParameterError:
        return ParameterError(
            f"{what} on Dask would pull every lead into memory; use to_frame() (a lazy Dask "
            "frame of the scores) or summary()/breakdown()"
        )

    @property
    def names(self) -> list[str]:
        """The output columns (the id column excluded)."""
        return [str(c) for c in self._frame.columns if c != self.id_column]

    def __contains__(self, key: object) -> bool:
        return key in self.names

    def __len__(self) -> int:
        return self._breakdown_stats().n

    def __getitem__(self, key: str) -> np.ndarray:
        raise self._in_memory_only(f"result[{key!r}]")

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """Not held on Dask (see :meth:`to_frame`)."""
        raise self._in_memory_only("columns")

    @property
    def scores(self) -> np.ndarray:
        """Not held on Dask (see :meth:`to_frame`)."""
        raise self._in_memory_only("scores")

    def explain(self, lead: Any) -> dict[str, Any]:
        """Not available on Dask: score the lead's rows in memory and explain there."""
        raise self._in_memory_only("explain()")

    def conversion(self, converted: Any, by: str = "cell") -> Any:
        """Not available on Dask: needs one outcome per lead in memory order."""
        raise self._in_memory_only("conversion()")

    # ------------------------------------------------------------------ contract
    @level_frames
    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
        """``"leads"`` (default): the lazy frame of scores; ``"breakdown"``: the small table.

        With a ``backend`` (``"pandas"``, ``"polars"``, ``"pyarrow"``, ``"dict"``) the leads
        table is computed into it; ``"dask"`` or ``None`` keeps it lazy.
        """
        from .._frames import to_native

        if is_option(level, ("dask",)) and backend is None:
            level, backend = None, "dask"
        if is_option(backend, ("dask",)):
            backend = None
        level, backend = self._frame_args(level, backend)
        if level == "breakdown":
            return self.breakdown(backend)
        if backend is None:
            return self._frame
        with input_rows(self._inputs):
            pdf = self._frame.compute()
        return to_native({str(c): pdf[c].to_numpy() for c in pdf.columns}, backend)

    @pandas_frames
    def breakdown(self, backend: str | None = None) -> Any:
        """Counts per cell and action, per action, or per score band (as in memory)."""
        from .._frames import to_native

        return to_native(table(self._breakdown_stats()), frame_backend(backend, "pandas"))

    def summary(self, backend: Any = None) -> dict[str, Any]:
        """Headline figures, as in memory, plus the number of partitions."""
        if backend is not None:
            raise ParameterError("summary() takes no backend; use to_frame('breakdown', backend)")
        return {**headline(self._breakdown_stats()), "partitions": self.npartitions}

    def _repr_html_(self) -> str:
        from .._display import preview

        s = self.summary()
        title = f"ScoreResult on Dask — {s['scorer']}, {s['leads']:,} leads"
        note = f"{s['partitions']} partitions; per-lead scores: to_frame() (lazy)"
        return preview(title, self.breakdown("dict"), note=note, rates=True)

    def plot(self, ax: Any = None, *, converted: Any = None, bins: int = 30) -> tuple[Any, Any]:
        """The grid heat map as in memory; without cells, the lead counts of the ten bands.

        ``converted`` needs per-lead outcomes in memory order and is refused on Dask; ``bins``
        does not apply (the ten bands of :meth:`breakdown` are drawn).
        """
        if converted is not None:
            raise self._in_memory_only("plot(converted=...)")
        if "cell" in self:
            from ..scoring._plot import plot_scores

            return plot_scores(self, ax=ax)
        from .._charts import bars

        t = self.breakdown("dict")
        labels = [f"{lo:.3g}–{hi:.3g}" for lo, hi in zip(t["lower"], t["upper"], strict=True)]
        title = f"scores of {len(self):,} leads ({type(self.scorer).__name__})"
        return bars(labels, {"leads": t["n"]}, ax=ax, title=title, ylabel="leads")

    def compute(self) -> Any:
        """The leads table as pandas (deprecated: ``to_frame(backend="pandas")``)."""
        warnings.warn(
            "alignment.dask.score now returns a DaskScoreResult; use "
            "result.to_frame() (lazy) or result.to_frame(backend='pandas') instead of compute()",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._frame.compute()

    def __repr__(self) -> str:
        return (
            f"DaskScoreResult(scorer={type(self.scorer).__name__}, "
            f"partitions={self.npartitions}, columns={self.names})"
        )


def _key_order(touches: Any, key: str) -> Callable[[str], Any]:
    """The order of the journeys' keys, as text (their ``str`` in the diagnostics): numbers
    for a numeric id column (``2`` before ``10``), else text."""
    dtype = getattr(touches, "dtypes", {}).get(key) if touches is not None else None
    numeric = dtype is not None and getattr(dtype, "kind", "O") in "iuf"
    return float if numeric else str


def score(
    leads: Any,
    touchpoints: Any = None,
    *,
    scorer: Any = "grid",
    **params: Any,
) -> DaskScoreResult:
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
    DaskScoreResult
        A :class:`~alignment.scoring.ScoreResult`: ``to_frame()`` is the lazy
        ``dask.dataframe.DataFrame`` of ``alignment.score(...).to_frame()`` of each partition
        (one row per lead); ``summary()`` and ``breakdown()`` as in memory.

    Notes
    -----
    A scorer must score each lead from its own row and touches.  The one data-dependent
    default of the built-ins — the grid's ``as_of`` (latest touch time when not given) — is
    computed over all touches first and fixed, so every partition decays to the same instant.
    The call runs one pass over the partitions, that of ``summary()`` (kept for it): as in
    memory, the call raises the data errors and issues the warnings — touches of lead ids not
    in the leads (the totals of the whole run, once, not once per partition), naive instants
    read as UTC, spellings that fold together without ``normalize="casefold"`` … — which
    computing the lazy per-lead frame, a second pass, does not issue again.
    """
    from ..base import check_is_fitted
    from ..plugins import get_scorer

    delayed = dk().delayed
    require_dask()
    model = get_scorer(scorer, **params)
    fail = failing("scorer", model)
    if getattr(type(model), "requires_fit", False):
        check_is_fitted(model)
    lead_ddf = as_ddf(leads, "leads")
    touch_ddf = as_ddf(touchpoints, "touchpoints")
    key = "lead_id"
    inputs = {"leads": lead_ddf, "touchpoints": touch_ddf}
    with input_rows({k: v for k, v in inputs.items() if v is not None}):  # (over all partitions)
        refuse_mixed_instants(  # (the leads, then the touches: memory's order)
            inputs, [("leads", lead_times(lead_ddf)), ("touchpoints", ["timestamp"])]
        )
    if touch_ddf is not None:
        p = guarded_params(model, fail)
        if "as_of" in p and p["as_of"] is None and not getattr(type(model), "requires_fit", False):
            tcol = "timestamp"
            if tcol in touch_ddf.columns:
                latest = latest_instant(touch_ddf, tcol, "touchpoints")
                if latest is not None:
                    model = guarded_set_params(guarded_clone(model, fail), fail, as_of=latest)
        frames, _ = partition_by_key([tag_rows(lead_ddf), tag_rows(touch_ddf)], key)
    else:
        reject_duplicate_ids(lead_ddf, key)  # not shuffled: a duplicate may span partitions
        frames = [tag_rows(lead_ddf), None]
    parts = partition_lists(frames)
    options = capture()  # (stats() may run after the call returned)
    order = _key_order(touch_ddf, key)

    def stats(bands: tuple[float, float] | None) -> Any:
        run = delayed(_stats_partition, pure=True)
        return tree_reduce(
            [run(*pp, scorer=model, key=key, bands=bands, reading=options) for pp in parts],
            partial(merge, key_order=order),
        )

    result = DaskScoreResult(None, scorer=model, stats=stats, npartitions=len(parts), inputs=inputs)
    result._breakdown_stats()  # (memory's errors and warnings, from the call: see the Notes)
    with input_rows(result._inputs):  # (its meta: the first partition, computed)
        result._frame = _score_frame(parts, model, key, options)
    return result


def _score_frame(parts: list[list[Any]], model: Any, key: str, options: Any) -> Any:
    """The lazy frame of the scores of every partition (one row per lead)."""
    run = dk().delayed(_score_partition, pure=True)
    tasks = [run(*pp, scorer=model, key=key, reading=options) for pp in parts]
    return require_dask().from_delayed(tasks, verify_meta=False)


#: a fit's features that are not numbers: what to do instead
_TEXT_FEATURES_FIX = (
    "encode them first (e.g. one 0/1 column per value: dd.get_dummies on categorized "
    "columns), or fit in memory on a sample (LogisticScorer().fit(X.sample(frac=0.1)"
    ".compute(), y), which encodes them) and score the Dask frame with alignment.score"
)


class _Refused:
    """A partition's first data error in the order memory checks a fit's inputs: ``step``
    ``-1`` a feature of text, ``j`` non-finite values of feature ``j``, ``p`` the outcomes,
    ``p + 1`` the sample weights (see :func:`_first_refusal`)."""

    def __init__(self, step: int, failure: Failure) -> None:
        self.step, self.failure = step, failure


def _refuse_text_features(X: Any, columns: Sequence[str]) -> None:
    """Features of a type that holds no numbers (text, category, instants), from the frame's
    dtypes, before any pass: memory encodes categories, which a partition cannot do alone."""
    import pandas as pd

    def numeric(dtype: Any) -> bool:
        t = pd.api.types
        return t.is_numeric_dtype(dtype) or t.is_bool_dtype(dtype) or t.is_object_dtype(dtype)

    text = [c for c in columns if not numeric(X[c].dtype)]
    if text:
        raise _text_features(text)


def _text_features(columns: Sequence[str], value: Any = None) -> DataValidationError:
    return DataValidationError(
        f"a logistic fit on a Dask frame takes numeric features only; column(s) {list(columns)} "
        "hold text or categories",
        table="X",
        column=columns[0],
        value=value,
        fix=_TEXT_FEATURES_FIX,
    )


def _feature_matrix(X: Any, columns: Sequence[str], skip: Set[str] = frozenset()) -> np.ndarray:
    """A partition's features as float64, C-contiguous (nulls NaN); a column of Python values
    read as memory reads it (numbers), one of text refused; the columns ``skip`` (encoded as
    levels) left 0."""
    import pandas as pd

    from .._rows import tighten

    out = np.zeros((len(X), len(columns)), dtype=np.float64)
    for j, c in enumerate(columns):  # loop over columns
        if c in skip:
            continue
        s = X[c]
        if pd.api.types.is_object_dtype(s.dtype):
            values = tighten(s.to_numpy())
            if values.dtype.kind not in "iufb":
                text = [v for v in values.tolist() if isinstance(v, str)][:1]
                raise _text_features([c], text[0] if text else None)
            out[:, j] = values
        else:
            out[:, j] = s.to_numpy(dtype=np.float64, na_value=np.nan)
    return out


@inline_pool  # a Dask task: no thread pool of its own
def _logistic_block(
    X: Any,
    y: Any,
    sw: Any,
    *,
    part: int,
    columns: Sequence[str],
    y_col: str | None,
    w_col: str | None,
    encoder: LeadEncoder | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | _Refused:
    """Input partition ``part`` as (X float64 C-contiguous, y 0/1 float, sample weight), or
    its first data error in memory's order (:class:`_Refused`, rows named in the partition).
    With ``encoder`` (:func:`~._flags.flag_encoder`), its flags of levels are one-hot encoded."""
    from ..scoring._encoder import reject_nonfinite_feature
    from ..scoring._logistic import _sample_weights, as_outcome

    step = -1
    levels = level_columns(encoder)
    try:
        Xn = _feature_matrix(X, columns, levels)
        for step, c in enumerate(columns):  # loop over columns: the first one refused
            x = Xn[:, step]
            reject_nonfinite_feature(~np.isfinite(x), x, c)
        if encoder is not None:
            Xn = encoder.transform(encoder_columns(X, columns, Xn, levels))
        step = len(columns)
        yy = as_outcome(np.asarray(X[y_col] if y_col is not None else y), Xn.shape[0])
        step += 1
        ww = _sample_weights(X[w_col] if w_col is not None else sw, Xn.shape[0])
    except DataValidationError as exc:
        if exc.rows:
            exc.source_rows = source_pairs((part, None), exc.rows)  # type: ignore[attr-defined]
        return _Refused(step, Failure(exc))
    return Xn, yy, ww


@inline_pool  # a Dask task: no thread pool of its own
def _logistic_stats(block: tuple[np.ndarray, np.ndarray, np.ndarray] | _Refused) -> dict[str, Any]:
    if isinstance(block, _Refused):
        return {"refused": block}
    X, y, sw = block
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
    }


def _add_dicts(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    if "refused" in a or "refused" in b:
        return {"refused": _first_refusal(a.get("refused"), b.get("refused"))}
    out = {}
    for k in a:
        if k == "min":
            out[k] = np.minimum(a[k], b[k])
        elif k == "max":
            out[k] = np.maximum(a[k], b[k])
        else:
            out[k] = a[k] + b[k]
    return out


def _first_refusal(a: _Refused | None, b: _Refused | None) -> _Refused | None:
    """The error memory raises of two partitions': the earlier check's; one check's errors
    merged (their rows together, :meth:`Failure.worse`).  Every partition reports its first
    check that fails, so the merged errors of the first check are all of its rows."""
    if a is None or b is None:
        return a if b is None else b
    if a.step != b.step:
        return a if a.step < b.step else b
    return _Refused(a.step, a.failure.worse(b.failure))


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
    min_count: int = 10,
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
    min_count : int, default 10
        As in :class:`LogisticScorer`: the levels of a flag with missing values (pandas
        ``boolean``, Arrow ``bool``) seen in fewer rows are pooled into ``"(other)"``.

    Returns
    -------
    LogisticScorer
        Fitted (``coef_``, ``intercept_``, ``n_iter_``, ``converged_``, ``objective_``,
        ``feature_names_in_``); ``predict_proba`` takes frames with the same columns.

    Raises
    ------
    DataValidationError
        A feature of text or categories (naming the columns); else the error of the in-memory
        fit (non-finite features, outcomes other than 0/1, bad weights), its rows counted in
        the whole frame.
    """
    from ..scoring import LogisticScorer
    from ..scoring import _lbfgs as lbfgs

    require_dask()
    est = LogisticScorer(
        l2=l2,
        fit_intercept=fit_intercept,
        class_weight=class_weight,
        max_iter=max_iter,
        tol=tol,
        min_count=min_count,
    )
    est.validate_params()
    X = as_ddf(X, "X")
    inputs, blocks, encoder = _blocks(X, y, sample_weight, features, est.min_count)
    cols = inputs if encoder is None else list(encoder.feature_names_)
    with input_rows({"X": X, "": X}):  # (outcome and weight errors name no table: X's rows)
        st = _checked_moments(blocks)
    n, p = int(st["n"]), len(cols)
    sw_sum, swy = float(st["sw"]), float(st["swy"])
    factor = lbfgs.class_factor(class_weight, sw_sum, swy)
    if factor is not None:
        pos, neg = factor[0] * swy, factor[1] * (sw_sum - swy)
        scale, prior = pos + neg, pos / (pos + neg)
    else:
        scale, prior = sw_sum, swy / sw_sum
    lbfgs.check_identifiable(float(l2), fit_intercept, st["max"] - st["min"] == 0.0, cols)
    mean, std = lbfgs.preconditioner(st["sum"], st["sumsq"], n)
    fun = _PartitionedLoss(blocks, p, fit_intercept, float(l2) / scale, scale, factor, mean, std)
    res = lbfgs.minimize(fun, lbfgs.start_point(p, fit_intercept, prior), max_iter, tol)
    est.encoder_ = encoder
    est.n_open_ = 0
    est.feature_names_in_ = np.asarray(
        inputs if encoder is None else encoder.input_names_, dtype=object
    )
    est.feature_names_ = np.asarray(cols, dtype=object)
    lbfgs.store_fit(est, res, *fun.to_original(np.asarray(res.x, dtype=np.float64)), scale)
    if float(l2) == 0.0 and _all_separated(blocks, est):
        lbfgs.mark_separated(est, stacklevel=2)
    return est


@inline_pool  # a Dask task: no thread pool of its own
def _separated_block(
    block: tuple[np.ndarray, np.ndarray, np.ndarray], w: np.ndarray, b: float
) -> bool:
    from ..scoring import _lbfgs as lbfgs

    return lbfgs.separated(*block, w, b)


def _all_separated(blocks: list[Any], est: LogisticScorer) -> bool:
    """Whether the fitted model separates the outcomes of every partition perfectly
    (:func:`alignment.scoring._lbfgs.separated`): an unpenalised fit then has no finite
    optimum."""
    dask = dk()
    w, b = np.asarray(est.coef_, dtype=np.float64), float(est.intercept_)
    flags = dask.compute(*[dask.delayed(_separated_block)(blk, w, b) for blk in blocks])
    return all(flags)


def _blocks(
    X: Any, y: Any, sample_weight: Any, features: Sequence[str] | None, min_count: int
) -> tuple[list[str], list[Any], LeadEncoder | None]:
    """The feature columns, the persisted partitions as (X, y, weight) numpy blocks, and the
    encoder of flags with missing values (:func:`~._flags.flag_encoder`)."""
    dask = dk()
    delayed = dask.delayed
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
    _refuse_text_features(X, cols)
    encoder = flag_encoder(X, cols, min_count)
    blocks = [
        delayed(_logistic_block, pure=True)(
            a, b, c, part=i, columns=cols, y_col=y_col, w_col=w_col, encoder=encoder
        )
        for i, (a, b, c) in enumerate(zip(xs, ys, ws))
    ]
    return cols, list(dask.persist(*blocks)), encoder


def _checked_moments(blocks: list[Any]) -> dict[str, Any]:
    """Additive moments of every partition, summed; refuses what the fit cannot use (the
    error memory raises: the first check failed, naming rows by partition and position)."""
    from ..scoring import _lbfgs as lbfgs

    dask = dk()
    (st,) = dask.compute(
        tree_reduce([dask.delayed(_logistic_stats)(b) for b in blocks], _add_dicts)
    )
    if "refused" in st:  # (rows renumbered in the whole frame by the caller's input_rows)
        st["refused"].failure.raise_()
    if int(st["n"]) == 0:
        raise DataValidationError("no rows with an outcome to fit on", column="y", table="X")
    lbfgs.check_both_classes(int(st["n_pos_rows"]), int(st["n_neg_rows"]))
    return dict(st)


class _PartitionedLoss:
    """The preconditioned objective: partial log-losses summed over partitions, plus the ridge."""

    def __init__(
        self,
        blocks: list[Any],
        p: int,
        fit_intercept: bool,
        l2s: float,
        scale: float,
        factor: tuple[float, float] | None,
        mean: np.ndarray,
        std: np.ndarray,
    ) -> None:
        self.blocks, self.p, self.fit_intercept = blocks, p, fit_intercept
        self.l2s, self.scale, self.factor = l2s, scale, factor
        self.shift = mean if fit_intercept else None
        self.std = std

    def to_original(self, v: np.ndarray) -> tuple[np.ndarray, float]:
        w = v[: self.p] / self.std
        if not self.fit_intercept:
            return w, 0.0
        b = float(v[self.p])
        if self.shift is not None:
            b -= float(np.dot(w, self.shift))
        return w, b

    def __call__(self, v: np.ndarray) -> tuple[float, np.ndarray]:
        dask = dk()
        p = self.p
        w, b = self.to_original(np.asarray(v, dtype=np.float64))
        params = np.append(w, b) if self.fit_intercept else w
        nodes = [
            dask.delayed(_logistic_partial, pure=True)(
                blk,
                params,
                scale=self.scale,
                class_factor=self.factor,
                fit_intercept=self.fit_intercept,
            )
            for blk in self.blocks
        ]
        (total,) = dask.compute(tree_reduce(nodes, _sum_partials))
        value = total[0] + 0.5 * self.l2s * float(np.dot(w, w))
        grad = np.array(total[1], dtype=np.float64)
        grad[:p] += self.l2s * w
        if self.fit_intercept and self.shift is not None:
            grad[:p] -= grad[p] * self.shift
        grad[:p] /= self.std
        return value, grad
