"""Rows to columns: records (dicts or pydantic models), object columns of plain numbers, and
the kind of the values an object column holds."""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin

import numpy as np

from ._params import is_decimal_number, is_na
from .errors import DataValidationError

__all__ = ["holds_wide_int", "object_kind", "records_to_dict", "tighten", "tighten_exact"]


def records_to_dict(records: list[Any], table: str) -> dict[str, np.ndarray]:
    if not records:
        return {}
    rows: list[Mapping[str, Any]] = []
    for i, rec in enumerate(records):
        if isinstance(rec, Mapping):
            rows.append(rec)
        elif hasattr(rec, "model_dump"):
            rows.append(_flatten_model(rec.model_dump(), table, i))
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
    declared = _declared_kinds(records)
    out: dict[str, np.ndarray] = {}
    for name in names:
        vals = [r.get(name) for r in rows]
        arr = np.empty(len(vals), dtype=object)
        arr[:] = vals
        out[name] = arr  # (tightened as a dict's column is, integers with missing values exact)
        if declared.get(name) and all(map(_missing, vals)):  # (no value: the field's type)
            out[name] = np.full(len(vals), *_NO_VALUE[declared[name]])
    return out


_FREE = ("attributes", "extra", "stages")
"""The free mappings of a model whose items become columns."""


def _flatten_model(d: Mapping[str, Any], table: str, row: int) -> dict[str, Any]:
    """Lift the free ``attributes`` / ``stages`` mappings of a model dump into columns.

    Raises
    ------
    DataValidationError
        A name of a free mapping is a field of the model, or a name of another one: the
        column would hold one of the two values.
    """
    out = {k: v for k, v in d.items() if not (k in _FREE and isinstance(v, Mapping))}
    for k in (k for k in _FREE if isinstance(d.get(k), Mapping)):
        for ik, iv in d[k].items():
            if str(ik) in out:
                raise DataValidationError(
                    f"the name {str(ik)!r} in {k} is also a field or another item of the record",
                    table=table,
                    column=str(ik),
                    rows=[row],
                    fix=f"rename the item of {k}, or give its value in one place only",
                )
            out[str(ik)] = iv
    return out


_NO_VALUE: dict[str, tuple[Any, np.dtype[Any]]] = {
    "f": (np.nan, np.dtype(np.float64)),
    "M": (np.datetime64("NaT", "us"), np.dtype("datetime64[us]")),
}
"""The column of a declared number (``"f"``) or instant (``"M"``) field with no value."""


def _declared_kinds(records: list[Any]) -> dict[str, str]:
    """The kind (``"f"`` number, ``"M"`` instant) of the fields the models among ``records``
    declare, by their types (so a field with no value in any record is typed as declared)."""
    kinds: dict[str, str] = {}
    for cls in dict.fromkeys(type(r) for r in records if not isinstance(r, Mapping)):
        for name, field in getattr(cls, "model_fields", {}).items():
            kind = _annotation_kind(field.annotation)
            if kind:
                kinds.setdefault(name, kind)
    return kinds


def _annotation_kind(annotation: Any) -> str:
    """``"f"`` for a number type, ``"M"`` for an instant, ``""`` otherwise (``Optional``,
    unions and ``Annotated`` looked through)."""
    types_ = set(_plain_types(annotation)) - {type(None)}
    if types_ and types_ <= {int, float}:
        return "f"
    return "M" if types_ == {dt.datetime} else ""


def _plain_types(annotation: Any) -> list[Any]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _plain_types(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [t for a in get_args(annotation) for t in _plain_types(a)]
    return [annotation]


_LOOK = 64
"""Values :func:`tighten` looks at before it reads the whole column."""


def _missing(v: Any) -> bool:
    """``None`` or pandas' ``NA``: no value (a float ``NaN`` is a number, in a number column)."""
    return v is None or is_na(v)


def holds_wide_int(value: Any, floats: np.ndarray) -> bool:
    """Whether a list or tuple numpy read as ``floats`` holds a Python int beyond int64
    (``[2**63, 3]``: numpy makes floats of them, rounding neighbours onto one value); the
    floats are looked at first, so a column of plain numbers is not read value by value."""
    with np.errstate(invalid="ignore"):
        if not bool((np.abs(floats) >= 2.0**63).any()):
            return False
    return any(
        isinstance(v, int) and not isinstance(v, bool) and not -(2**63) <= v < 2**63 for v in value
    )


def tighten(arr: np.ndarray) -> np.ndarray:
    """Turn an object array of plain numbers/bools into a numeric array (``None`` and pandas'
    ``NA`` → NaN).

    Any other value (a string, say) among the first rows leaves the array as it is at once:
    a column of text is not read value by value.  Bools with a missing value stay objects
    (a bool is not a number: see :func:`object_kind`).
    """
    if any(not _missing(v) and not isinstance(v, (bool, int, float)) for v in arr[:_LOOK].tolist()):
        return arr  # (neither all bools nor all numbers)
    vals = [v for v in arr.tolist() if not _missing(v)]
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
            return np.array([np.nan if _missing(v) else v for v in arr.tolist()], dtype=float)
        except OverflowError:  # an int beyond a float (10**400): left for the column's check
            return arr
    return arr


def whole_decimal(v: Any) -> bool:
    """Whether ``v`` is a ``decimal.Decimal`` holding a whole number (``Decimal("101")``,
    ``Decimal("100.00")``; never ``NaN`` nor an infinity)."""
    return isinstance(v, Decimal) and v.is_finite() and v == v.to_integral_value()


def ints_of_decimals(arr: np.ndarray) -> np.ndarray:
    """An object column of whole decimals (beside ints and missing values) with the decimals
    as the Python ints they hold, exactly (as a frame's whole decimal column is read: ids of a
    database export); any other column as it is (text at once, from its first rows)."""
    if arr.dtype.kind != "O" or any(isinstance(v, str) for v in arr[:_LOOK].tolist()):
        return arr
    items = arr.tolist()
    if not any(isinstance(v, Decimal) for v in items) or not all(
        whole_decimal(v)
        or _missing(v)
        or (isinstance(v, float) and v != v)  # (a NaN: missing, as beside Python ints)
        or (isinstance(v, int) and not isinstance(v, bool))
        for v in items
    ):
        return arr
    return np.array([int(v) if isinstance(v, Decimal) else v for v in items], dtype=object)


def tighten_exact(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`tighten`, Python ints with missing values (``[2**53 + 1, None, 3]``) read as a
    frame's integer column with nulls is, never through floats alone.

    Whole decimals are read as the integers they hold (:func:`ints_of_decimals`).

    Returns
    -------
    values : ndarray
        As :func:`tighten` gives them; but ints with missing values, one of them 2**53 or more
        in magnitude (a float would round it onto its neighbour), are Python ints with ``None``
        where missing.
    integers : ndarray of int64 or None
        For ints with missing values (``None``, pandas' ``NA`` or ``NaN``), the integers
        exact, ``0`` where missing (as ``RawColumns.integers`` holds them); else ``None``.
    """
    arr = ints_of_decimals(arr)
    out = tighten(arr)
    if arr.dtype.kind != "O" or out.dtype.kind != "f":
        return out, None
    missing = np.isnan(out)
    items = arr.tolist()
    if not all(
        m or (isinstance(v, int) and not isinstance(v, bool))
        for v, m in zip(items, missing.tolist(), strict=True)
    ):
        return out, None  # (a float among them: a column of numbers)
    try:
        exact = np.array([0 if m else v for v, m in zip(items, missing, strict=True)], np.int64)
    except OverflowError:  # beyond int64: Python ints (exact), as without missing values
        return arr, None
    if exact.max() < 2**53 and exact.min() > -(2**53):
        return out, exact
    values = arr.copy()
    values[missing] = None
    return values, exact


def object_kind(arr: np.ndarray) -> str:
    """The numpy dtype kind of the values of an object column, missing values aside.

    ``"b"``: bools (a nullable flag); ``"M"``: instants (``datetime``, ``date``, numpy
    ``datetime64``); ``"f"``: numbers (a ``decimal.Decimal`` included, never a bool); ``"O"``:
    text, a mix, or no value at all.  Missing are ``None``, pandas' ``NA`` and ``NaT``, and a
    float ``NaN`` beside bools or instants.  Text among the first rows decides at once;
    otherwise one value of each type is looked at (the types are found in one pass in C),
    then, only beside bools or instants, the floats.
    """
    if any(isinstance(v, str) for v in arr[:_LOOK].tolist()):
        return "O"  # (text: the column is not read value by value)
    items = arr.tolist()
    one_of_each = dict(zip(map(type, items), items, strict=True))
    kinds = {_value_kind(v) for v in one_of_each.values()} - {""}
    if kinds in ({"f", "b"}, {"f", "M"}):  # (NaN only: missing beside them)
        if all(v != v for v in items if isinstance(v, float)) and all(
            isinstance(v, float) for v in one_of_each.values() if _value_kind(v) == "f"
        ):
            kinds.discard("f")
    return kinds.pop() if len(kinds) == 1 else "O"


def _value_kind(v: Any) -> str:
    """The kind of one value (``""``: missing); see :func:`object_kind`."""
    if _missing(v) or (isinstance(v, dt.datetime) and v != v):  # (pandas' NaT)
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "b"
    if isinstance(v, (dt.date, np.datetime64)):
        return "M"
    return "f" if is_decimal_number(v) else "O"
