"""Calls of third-party attribution models: they cannot break the books.

A model from outside the library (a plugin, or an instance the caller passes) is called on a
table it cannot alter: the table's dict fields are its own copies, so a key it adds does not
leak into the caller's table or later results, and a change to the arrays it reads (forcing
them writeable and writing) or to its own parameters is detected after the call and refused.
Its exceptions become a :class:`PluginError` naming the model and its plugin, the cause
chained.  The library's own models are called directly (no copies, no checks).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..base import AttributionModel
from ..errors import AlignmentError

__all__ = ["guarded_call", "is_builtin"]


def is_builtin(model: AttributionModel) -> bool:
    """Whether the model's class is one of the library's own."""
    return type(model).__module__.startswith("alignment.")


def _view(a: np.ndarray) -> np.ndarray:
    """A read-only view: numpy refuses to make a view of a read-only array writeable."""
    v: np.ndarray = a.view()
    v.flags.writeable = False
    return v


def _shielded(journeys: Any) -> Any:
    """The same table: read-only views of its arrays, its own copies of the containers."""
    arrays = ("offsets", "time", "row", "converted_at", "revenue", "conversions", "non_conversions")
    return replace(
        journeys,
        **{name: _view(getattr(journeys, name)) for name in arrays},
        touch_columns=dict(journeys.touch_columns),
        touch_numeric={k: _view(np.asarray(v)) for k, v in journeys.touch_numeric.items()},
        anchors=dict(journeys.anchors),
        journey_columns=dict(journeys.journey_columns),
    )


def _checksum(values: np.ndarray) -> float:
    """A position-weighted sum: a changed, moved or swapped value changes it (O(n), no copy)."""
    a = np.asarray(values)
    if a.dtype.kind in "Mm":
        a = a.view(np.int64)
    a = a.astype(np.float64, copy=False)
    if a.size == 0:
        return 0.0
    weights = (np.arange(a.size, dtype=np.float64) % 97.0) + 1.0
    return float(np.nansum(a * weights)) + float(np.isnan(a).sum())


def _fingerprint(journeys: Any) -> tuple[Any, ...]:
    arrays = [
        journeys.offsets,
        journeys.time,
        journeys.channel.codes,
        journeys.revenue,
        journeys.conversions,
        journeys.non_conversions,
        *journeys.touch_numeric.values(),
    ]
    containers = tuple(
        tuple(getattr(journeys, name))
        for name in ("touch_columns", "touch_numeric", "anchors", "journey_columns")
    )
    return (*(_checksum(a) for a in arrays), containers)


def _params(model: AttributionModel) -> str:
    try:
        return repr(sorted(model.get_params().items()))
    except Exception:  # a model whose parameters cannot be listed: nothing to compare
        return ""


def guarded_call(model: AttributionModel, method: str, journeys: Any, fail: Any) -> Any:
    """``getattr(model, method)(journeys)``, guarded for a third-party model.

    ``fail(problem)`` builds the :class:`PluginError` naming the model and its plugin.
    """
    if is_builtin(model):
        return getattr(model, method)(journeys)
    table = _shielded(journeys)
    before, params = _fingerprint(table), _params(model)
    try:
        out = getattr(model, method)(table)
    except AlignmentError:
        raise
    except Exception as exc:
        raise fail(f"raised {type(exc).__name__} in {method}(): {exc}") from exc
    if _fingerprint(table) != before:
        raise fail(
            f"changed the journeys it was given in {method}() (a model must only read them; "
            "copy what it needs to change)"
        )
    if _params(model) != params:
        raise fail(
            f"changed its own parameters in {method}() (store what it learns in attributes "
            "ending in '_', e.g. self.weights_)"
        )
    return out
