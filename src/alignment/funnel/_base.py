"""Shared pieces of the funnel: types, default stages, array helpers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from typing_extensions import TypeVar

from .._params import Number
from ._observe import (
    read_only,
)

__all__ = ["DEFAULT_STAGES"]

FloatArray = NDArray[np.float64]
#: a Python float for scalar inputs, a float64 array when any input is an array
FloatOrArray = float | FloatArray
#: rates of one scenario: ``{stage: rate}``, or ``(stage, rate)`` pairs, top to bottom
NumberRates = Mapping[str, Number] | Sequence[tuple[str, Number]]
#: what a planning result holds per figure: ``float`` (one scenario, numbers in) or a float64
#: array (several scenarios: an array in); ``Plan`` alone means ``Plan[float]``
Figure = TypeVar("Figure", float, FloatArray, default=float)

DEFAULT_STAGES: tuple[str, ...] = ("created_at", "mql_at", "sql_at", "opportunity_at", "won_at")
"""Default stage columns of :func:`observe` (SiriusDecisions-style waterfall)."""

_QUOTA_MONTHS = {"year": 12.0, "quarter": 3.0, "month": 1.0}


def _out(arr: FloatArray, scalar: bool) -> Any:
    """A Python float for a scalar scenario, else a read-only float64 array of our own.

    Typed ``Any``: the public functions' overloads say which (``float`` for numbers in).
    """
    if scalar:
        return float(arr)
    return read_only(np.array(arr, dtype=np.float64))


def _to_frame(columns: dict[str, np.ndarray], backend: Any) -> Any:
    from .._frames import to_native

    return to_native(columns, backend)


def _flat(value: FloatOrArray, shape: tuple[int, ...]) -> FloatArray:
    return np.broadcast_to(np.asarray(value, dtype=np.float64), shape).ravel()
