"""Several attribution results side by side: one frame, one row per key, one column per model."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict, overload

import numpy as np
from typing_extensions import Unpack

from .._frames import BACKENDS, to_native
from .._params import check_flag
from .._results import frame_backend
from ..errors import ParameterError
from ._result import Measure

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    from .._frame_types import Columns

#: what :func:`compare` compares: a mapping label → result, or a sequence of results
_Results = Mapping[str, Any] | Sequence[Any]


class _By(TypedDict, total=False):
    """The keyword arguments of :func:`compare` besides ``backend`` (for its overloads)."""

    by: str
    share: bool
    measure: Measure


__all__ = ["compare"]


def _labelled(results: Any) -> dict[str, Any]:
    """``{label: result}`` from a mapping, or from a sequence labelled by model name."""
    if isinstance(results, Mapping):
        pairs = list(results.items())
        for label, _ in pairs:
            if not isinstance(label, str) or not label:
                raise ParameterError(
                    f"compare: labels must be non-empty strings, got {label!r}; use "
                    "{'name': result} with a string name per model"
                )
        _check_results((f"results[{label!r}]", r) for label, r in pairs)
    elif isinstance(results, Sequence) and not isinstance(results, (str, bytes)):
        _check_results((f"results[{i}]", r) for i, r in enumerate(results))
        pairs = [(str(getattr(r, "model_name", "")), r) for r in results]
        names = [label for label, _ in pairs]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ParameterError(
                f"compare: several results of the model(s) {repeated} would share a column "
                "label; pass a mapping {label: result} with one label per result"
            )
    else:
        raise ParameterError(
            "compare: results must be a mapping {label: AttributionResult} or a sequence of "
            f"AttributionResult, got {type(results).__name__}"
        )
    if not pairs:
        raise ParameterError("compare: no result to compare; pass at least one result")
    return dict(pairs)


def _check_results(named: Iterable[tuple[str, Any]]) -> None:
    """Raise when one of the ``(where, value)`` pairs is not an attribution result."""
    for where, r in named:
        if not callable(getattr(r, "totals", None)):
            raise ParameterError(
                f"compare: {where} is of type {type(r).__name__}, not an attribution result; "
                "pass the results of alignment.attribute"
            )


def _default_backend(results: Mapping[str, Any]) -> str:
    """The results' common frame backend, else pandas when installed, else a dict."""
    backends = {getattr(r, "backend", "dict") for r in results.values()}
    if len(backends) == 1 and (only := backends.pop()) in BACKENDS and only != "dict":
        return str(only)
    return "pandas" if importlib.util.find_spec("pandas") is not None else "dict"


@overload
def compare(
    results: _Results, *, backend: Literal["pandas"], **kw: Unpack[_By]
) -> pd.DataFrame: ...
@overload
def compare(
    results: _Results, *, backend: Literal["polars"], **kw: Unpack[_By]
) -> pl.DataFrame: ...
@overload
def compare(results: _Results, *, backend: Literal["pyarrow"], **kw: Unpack[_By]) -> pa.Table: ...
@overload
def compare(results: _Results, *, backend: Literal["dict"], **kw: Unpack[_By]) -> Columns: ...
@overload
def compare(results: _Results, *, backend: str | None = None, **kw: Unpack[_By]) -> Any: ...
def compare(
    results: _Results,
    *,
    by: str = "channel",
    share: bool = False,
    measure: Measure = "revenue",
    backend: str | None = None,
) -> Any:
    """Attribution results side by side: one row per key, one column per model.

    Parameters
    ----------
    results : mapping of str to AttributionResult, or sequence of AttributionResult
        The results to compare.  A mapping labels each column; a sequence is labelled by each
        result's ``model_name`` (two results of one model need a mapping).
    by : str, default "channel"
        The key of the rows: ``"channel"`` or any key :meth:`AttributionResult.totals`
        accepts (a touch column, or a lead column when ``leads=`` was given).
    share : bool, default False
        ``False``: the credited revenue (or conversions).  ``True``: each model's share of
        what it attributed, a fraction summing to 1 per column (NaN in every row for a
        model that attributed nothing: a share of nothing is 0 / 0, as in
        ``to_frame(level="channel")``).  Anything but
        ``True``/``False`` (text such as ``"false"`` included) is a ``ParameterError``.
    measure : {"revenue", "conversions"}, default "revenue"
        Credited revenue, or fractional conversions.
    backend : {"pandas", "polars", "pyarrow", "dict"}, optional
        Default: the backend of the results' input when they share a frame backend, else
        pandas when it is installed, else a dict of numpy arrays.

    Returns
    -------
    frame
        Column ``by`` (every key credited by any model; a key one model does not know gets
        0 there), then one float column per model, in the order given.  Rows are ordered by
        the mean share across the models, largest first (ties by key).

    Raises
    ------
    ParameterError
        No result, a value that is not an attribution result, ``share`` not a bool, labels that are not strings or
        repeat (a sequence with two results of one model), a label equal to ``by``, an
        unknown ``by`` key or ``measure``, or a backend that is not installed.

    Examples
    --------
    >>> import alignment
    >>> from alignment.datasets import synthetic_crm
    >>> journeys = synthetic_crm(n_leads=500, seed=3).journeys()
    >>> results = [alignment.attribute(journeys, model=m) for m in ("first", "last")]
    >>> table = alignment.compare(results, share=True, backend="dict")
    >>> list(table)
    ['channel', 'first', 'last']
    >>> [round(float(table[m].sum()), 6) for m in ("first", "last")]
    [1.0, 1.0]
    """
    share = check_flag(share, "compare: share")
    labelled = _labelled(results)
    if by in labelled:
        raise ParameterError(
            f"compare: the label {by!r} is also the name of the key column; rename that label"
        )
    totals = {label: r.totals(by=by, measure=measure) for label, r in labelled.items()}
    keys = sorted(set().union(*(t.keys() for t in totals.values())))
    values = np.array([[t.get(k, 0.0) for k in keys] for t in totals.values()], dtype=np.float64)
    sums = values.sum(axis=1, keepdims=True)
    shares = np.divide(values, sums, out=np.zeros_like(values), where=sums != 0)
    order = np.argsort(-shares.mean(axis=0), kind="stable")  # (nothing credited: 0 here)
    shares[(sums == 0).ravel()] = np.nan  # a share of nothing is not measured
    cols: dict[str, np.ndarray] = {by: np.array(keys, dtype=object)[order]}
    shown = shares if share else values
    for i, label in enumerate(totals):
        cols[label] = shown[i][order]
    return to_native(cols, frame_backend(backend, _default_backend(labelled)))
