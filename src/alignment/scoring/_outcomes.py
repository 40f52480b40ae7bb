"""The one check of 0/1 outcomes (won / lost, converted / not) in the scoring engine."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._params import is_number
from ..errors import DataValidationError, reject_rows

__all__ = ["binary_outcome"]

_FIX = "encode won / converted as 1 or True and lost as 0 or False"


def binary_outcome(y: Any, *, column: str = "y", n: int | None = None) -> np.ndarray:
    """Outcomes as float64 0/1 from booleans or 0/1 numbers; a typed error otherwise.

    Parameters
    ----------
    y : array-like
        One outcome per row.
    column : str
        The name the error gives the outcomes.
    n : int, optional
        The number of rows the outcomes must match.

    Raises
    ------
    DataValidationError
        A wrong length, a non-numeric outcome, or a number other than 0 and 1 (naming the rows).
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        arr = arr.ravel()
    if n is not None and arr.size != n:
        raise DataValidationError(
            f"{arr.size} outcomes for {n} rows",
            column=column,
            fix="pass one outcome per lead (per row), in the same order",
        )
    if arr.dtype == bool:
        return arr.astype(np.float64)
    if arr.dtype.kind == "O":  # (a pandas object column of flags: each value read, or named)
        arr = _object_outcomes(arr, column)
    if arr.dtype.kind not in "iuf":
        reject_rows(
            np.ones(arr.size, dtype=bool),
            "outcomes must be 0/1 or booleans",
            column=column,
            values=arr,
            fix=_FIX,
        )
    out = arr.astype(np.float64)
    reject_rows(
        ~((out == 0.0) | (out == 1.0)),
        "outcomes must be 0 or 1",
        column=column,
        values=arr,
        fix=_FIX,
    )
    return out


def _object_outcomes(arr: np.ndarray, column: str) -> np.ndarray:
    """An object array of flags and 0/1 numbers as float64; the rows of any other value (text,
    ``None``, ``NaN``) named.  A loop over the rows: object arrays only."""
    values = arr.tolist()
    flags = [isinstance(v, (bool, np.bool_)) for v in values]
    ok = [f or (is_number(v) and v in (0, 1)) for v, f in zip(values, flags)]
    reject_rows(
        ~np.array(ok, dtype=bool),
        "outcomes must be 0/1 or booleans",
        column=column,
        values=arr,
        fix=_FIX,
    )
    return np.array([float(v) for v in values], dtype=np.float64)
