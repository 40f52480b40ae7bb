"""Rows to columns: records (dicts or pydantic models) and object columns of plain numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import DataValidationError

__all__ = ["records_to_dict", "tighten"]


def records_to_dict(records: list[Any], table: str) -> dict[str, np.ndarray]:
    if not records:
        return {}
    rows: list[Mapping[str, Any]] = []
    for i, rec in enumerate(records):
        if isinstance(rec, Mapping):
            rows.append(rec)
        elif hasattr(rec, "model_dump"):
            rows.append(_flatten_model(rec.model_dump()))
        else:
            raise DataValidationError(
                f"record of type {type(rec).__name__} is neither a pydantic model nor a dict",
                table=table,
                rows=[i],
                fix="pass pydantic models (e.g. alignment.Touchpoint) or dicts",
            )
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(r.keys()))
    out: dict[str, np.ndarray] = {}
    for name in names:
        vals = [r.get(name) for r in rows]
        arr = np.empty(len(vals), dtype=object)
        arr[:] = vals
        out[name] = tighten(arr)
    return out


def _flatten_model(d: Mapping[str, Any]) -> dict[str, Any]:
    """Lift the free ``attributes`` / ``stages`` mappings of a model dump into columns."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        if k in ("attributes", "extra", "stages") and isinstance(v, Mapping):
            for ik, iv in v.items():
                out.setdefault(str(ik), iv)
        else:
            out[k] = v
    return out


_LOOK = 64
"""Values :func:`tighten` looks at before it reads the whole column."""


def tighten(arr: np.ndarray) -> np.ndarray:
    """Turn an object array of plain numbers/bools into a numeric array (None → NaN).

    Any other value (a string, say) among the first rows leaves the array as it is at once:
    a column of text is not read value by value.
    """
    if any(v is not None and not isinstance(v, (bool, int, float)) for v in arr[:_LOOK].tolist()):
        return arr  # (neither all bools nor all numbers)
    vals = [v for v in arr.tolist() if v is not None]
    if not vals:
        return arr
    if all(isinstance(v, bool) for v in vals):
        if len(vals) == arr.size:
            return arr.astype(bool)
        return arr
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        if len(vals) == arr.size and all(isinstance(v, int) for v in vals):
            try:  # exact: never through float (ids above 2**53 would merge)
                return np.array(vals, dtype=np.int64)
            except OverflowError:  # beyond int64: kept as Python ints (exact)
                return arr
        try:
            return np.array([np.nan if v is None else v for v in arr.tolist()], dtype=float)
        except OverflowError:  # an int beyond a float (10**400): left for the column's check
            return arr
    return arr
