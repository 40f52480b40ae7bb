"""Time normalisation: instants and durations, converted once at the boundary.

Rules (documented in ``docs/tables.md``):

* Instants are stored as ``numpy.datetime64[us]`` in **UTC** (naive numpy values that *mean* UTC).
  ``NaT`` marks a missing instant (allowed only in optional columns such as ``mql_at``).
* Timezone-aware ``datetime`` objects (or aware frame columns) are converted to UTC.
* Naive ``datetime`` objects, ``numpy.datetime64`` values and naive frame columns are taken as UTC.
* Mixing naive and aware ``datetime`` objects in one table is an error: the meaning would be a guess.
* Epoch numbers are seconds since 1970-01-01 UTC (``epoch_unit`` changes the unit).
* ISO-8601 strings are parsed (an offset such as ``+02:00`` or ``Z`` is honoured).
* Durations: :class:`datetime.timedelta`, :class:`numpy.timedelta64`, or strings such as
  ``"7d"``, ``"36h"``, ``"90m"``, ``"45s"``, ``"2w"`` or combinations like ``"1d12h"``.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Literal

import numpy as np

from ._params import is_number
from .errors import DataValidationError, ParameterError, reject_rows

__all__ = [
    "TIME_DTYPE",
    "Awareness",
    "as_utc_datetime64",
    "parse_duration",
    "parse_instant",
]

TIME_DTYPE = np.dtype("datetime64[us]")
DURATION_DTYPE = np.dtype("timedelta64[us]")

#: ``True`` aware input, ``False`` naive datetime objects, ``None`` neutral (numpy / epoch).
Awareness = bool | None

_EPOCH_FACTORS = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": None}
_DUR_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*(w|d|h|m|s|ms|us)", re.IGNORECASE)
_DUR_US = {
    "w": 7 * 86_400e6,
    "d": 86_400e6,
    "h": 3_600e6,
    "m": 60e6,
    "s": 1e6,
    "ms": 1e3,
    "us": 1.0,
}


def _bad_rows(mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask)


def as_utc_datetime64(
    values: Any,
    *,
    column: str,
    table: str | None = None,
    allow_missing: bool = False,
    epoch_unit: Literal["s", "ms", "us", "ns"] = "s",
) -> tuple[np.ndarray, Awareness]:
    """Normalise a column of instants to ``datetime64[us]`` UTC.

    Parameters
    ----------
    values : array-like
        ``datetime64`` array, epoch numbers, ``datetime`` objects, ISO strings, or ``None``.
    column : str
        Column name, for error messages.
    table : str, optional
        Table name, for error messages.
    allow_missing : bool
        Whether ``None``/``NaT``/``NaN`` may appear (then stored as ``NaT``).
    epoch_unit : {"s", "ms", "us", "ns"}
        Unit of epoch numbers.

    Returns
    -------
    times : ndarray of datetime64[us]
    awareness : bool or None
        ``True`` if the input carried time zones, ``False`` if it was naive ``datetime``
        objects or naive strings, ``None`` if neutral (numpy datetime64 or epoch numbers).

    Raises
    ------
    DataValidationError
        Missing values where not allowed, mixed naive/aware values, unparseable values.
    """
    arr = np.asarray(values)
    aware: Awareness = None
    if arr.dtype.kind == "M":
        out = arr.astype(TIME_DTYPE)
    elif arr.dtype.kind in "iuf":
        out = _from_numbers(arr, epoch_unit, column=column, table=table)
    elif arr.dtype.kind in "OUS":
        out, aware = _from_objects(arr, column=column, table=table)
    elif arr.size == 0:
        out = np.empty(0, dtype=TIME_DTYPE)
    else:
        raise DataValidationError(
            f"cannot read instants from dtype {arr.dtype}",
            column=column,
            table=table,
            fix="pass datetimes (aware or UTC), numpy datetime64, ISO strings or epoch seconds",
        )
    if not allow_missing:
        missing = np.isnat(out)
        if missing.any():
            rows = _bad_rows(missing)
            raise DataValidationError(
                "missing instant (NaT/None/NaN) in a required time column",
                column=column,
                table=table,
                rows=rows,
                value=values[int(rows[0])] if hasattr(values, "__getitem__") else None,
                fix="drop or fill these rows before building the table",
            )
    return out, aware


#: the largest epoch number accepted, in microseconds (±146,000 years: well inside the int64
#: range of datetime64[us], so the exact integer conversion below cannot overflow)
_MAX_US = float(2**62)


def _from_numbers(
    arr: np.ndarray, unit: str, *, column: str | None, table: str | None
) -> np.ndarray:
    """Epoch numbers (NaN = missing) as instants; numbers outside the datetime range refused.

    A number that ``datetime64[us]`` cannot hold would otherwise wrap (to 1970 or another
    year) or turn into NaT ("not reached") silently.
    """
    as_float = arr.astype(np.float64)
    with np.errstate(over="ignore"):  # overflow to inf is caught just below
        us = as_float / 1000.0 if unit == "ns" else as_float * float(_EPOCH_FACTORS[unit] or 1)
    reject_rows(
        np.isinf(as_float) | (np.abs(us) > _MAX_US),
        f"epoch number outside the supported range of ±146,000 years (epoch_unit={unit!r})",
        column=column,
        table=table,
        values=arr,
        fix="check the unit of the epoch numbers (epoch_unit=) or pass datetimes / ISO strings",
    )
    out = np.full(arr.shape, np.datetime64("NaT"), dtype=TIME_DTYPE)
    ok = ~np.isnan(as_float)
    if arr.dtype.kind in "iu":  # exact integer arithmetic (floats lose digits above 2**53)
        ints = arr[ok].astype(np.int64)
        us_int = ints // 1000 if unit == "ns" else ints * (_EPOCH_FACTORS[unit] or 1)
        out[ok] = us_int.astype(TIME_DTYPE)
    elif unit == "ns":
        out[ok] = (as_float[ok] // 1000).astype(np.int64).astype(TIME_DTYPE)
    else:
        out[ok] = np.round(us[ok]).astype(np.int64).astype(TIME_DTYPE)
    return out


def _from_objects(
    arr: np.ndarray, *, column: str, table: str | None
) -> tuple[np.ndarray, Awareness]:
    flat = arr.ravel()
    out = np.full(flat.shape, np.datetime64("NaT"), dtype=TIME_DTYPE)
    kinds = np.zeros(flat.shape, dtype=np.int8)  # 0 missing/neutral, 1 naive, 2 aware
    bad: list[tuple[int, DataValidationError]] = []
    for i, v in enumerate(flat.tolist()):  # object columns are the slow path by nature
        if v is None or (isinstance(v, float) and v != v):
            continue
        try:
            parsed, kind = _one_instant(v, column=column, table=table, row=i)
        except DataValidationError as exc:  # every bad row is named, not the first only
            bad.append((i, exc))
            continue
        out[i] = parsed
        kinds[i] = kind
    if bad:
        first = bad[0][1]
        raise DataValidationError(
            first.problem,
            column=column,
            table=table,
            rows=[i for i, e in bad if e.problem == first.problem],
            value=first.value,
            fix=first.fix,
        )
    naive = kinds == 1
    aware_mask = kinds == 2
    if naive.any() and aware_mask.any():
        reject_rows(
            naive if naive.sum() <= aware_mask.sum() else aware_mask,
            "naive and timezone-aware instants are mixed",
            column=column,
            table=table,
            values=flat,
            fix="make every instant timezone-aware (e.g. attach UTC) or every one naive "
            "(read as UTC)",
        )
    awareness: Awareness = True if aware_mask.any() else (False if naive.any() else None)
    return out.reshape(arr.shape), awareness


def _one_instant(v: Any, *, column: str, table: str | None, row: int) -> tuple[np.datetime64, int]:
    if (
        isinstance(v, _dt.datetime) and v != v
    ):  # pandas NaT (a datetime that is not equal to itself)
        return np.datetime64("NaT", "us"), 0
    if isinstance(v, _dt.datetime):
        if v.tzinfo is not None and v.utcoffset() is not None:
            utc = v.astimezone(_dt.timezone.utc).replace(tzinfo=None)
            return np.datetime64(utc, "us"), 2
        return np.datetime64(v, "us"), 1
    if isinstance(v, _dt.date):
        return np.datetime64(v, "us"), 1
    if isinstance(v, np.datetime64):
        return v.astype(TIME_DTYPE), 0
    if isinstance(v, str):
        s = v.strip()
        try:
            parsed = _dt.datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s)
        except ValueError:
            raise DataValidationError(
                "not an ISO-8601 instant",
                column=column,
                table=table,
                rows=[row],
                value=v,
                fix="use ISO-8601 strings such as '2024-03-01T09:30:00+00:00'",
            ) from None
        return _one_instant(parsed, column=column, table=table, row=row)
    if is_number(v):
        us = float(v) * 1_000_000
        if us != us:  # NaN: missing, as in a float column
            return np.datetime64("NaT", "us"), 0
        reject_rows(
            np.array([not abs(us) <= _MAX_US]),
            "epoch number outside the supported range of ±146,000 years (epoch_unit='s')",
            column=column,
            table=table,
            values=[v],
            positions=np.array([row]),
            fix="check the unit of the epoch numbers or pass datetimes / ISO strings",
        )
        return np.datetime64(round(us), "us"), 0
    # pandas Timestamp is a datetime subclass; anything else is unsupported
    raise DataValidationError(
        f"cannot read an instant from a {type(v).__name__}",
        column=column,
        table=table,
        rows=[row],
        value=v,
        fix="pass datetimes, numpy datetime64, ISO strings or epoch seconds",
    )


def parse_instant(value: Any, *, name: str = "as_of") -> np.datetime64:
    """Normalise one instant (datetime, datetime64, ISO string or epoch seconds) to UTC ``datetime64[us]``.

    Raises
    ------
    ParameterError
        If the value is missing or cannot be read.
    """
    if value is None:
        raise ParameterError(f"{name}: an instant is required, got None")
    try:
        out, _ = as_utc_datetime64(np.array([value], dtype=object), column=name)
    except DataValidationError as exc:
        raise ParameterError(f"{name}: {exc.problem}; got {value!r}") from None
    result: np.datetime64 = out[0].astype(TIME_DTYPE)
    return result


#: the longest duration accepted, in microseconds (10,000 years): an instant (±146,000 years)
#: plus or minus it stays inside datetime64[us], so no arithmetic on it can wrap
_MAX_DURATION_US = 10_000 * 366 * 86_400 * 1_000_000
_TOO_LONG = _MAX_DURATION_US + 1


def parse_duration(
    value: Any, *, name: str = "duration", allow_zero: bool = False
) -> np.timedelta64:
    """Parse a duration into ``numpy.timedelta64[us]``.

    Parameters
    ----------
    value : timedelta, numpy.timedelta64 or str
        ``"7d"``, ``"36h"``, ``"90m"``, ``"45s"``, ``"2w"``, ``"1d12h"``, ``"1.5d"`` …
    name : str
        Parameter name, for error messages.
    allow_zero : bool
        Whether a zero duration is acceptable. Negative durations are always refused.

    Raises
    ------
    ParameterError
        If the value is not a duration, is negative, or is zero when not allowed.

    Examples
    --------
    >>> parse_duration("36h")
    numpy.timedelta64(129600000000,'us')
    """
    if isinstance(value, bool):
        us = None
    elif isinstance(value, _dt.timedelta):
        us = value // _dt.timedelta(microseconds=1)
    elif isinstance(value, np.timedelta64):
        if np.isnat(value):
            raise ParameterError(f"{name}: NaT is not a duration")
        us = int(value.astype(DURATION_DTYPE).astype(np.int64))
    elif isinstance(value, str):
        s = value.strip().replace(" ", "")
        pos = 0
        total = 0.0
        for m in _DUR_RE.finditer(s):
            if m.start() != pos:
                break
            total += float(m.group(1)) * _DUR_US[m.group(2).lower()]
            pos = m.end()
        us = (
            (round(total) if total <= _MAX_DURATION_US else _TOO_LONG)
            if (pos == len(s) and s)
            else None
        )
        if us is None:
            raise ParameterError(
                f"{name}: cannot read {value!r} as a duration; "
                "use e.g. '7d', '36h', '90m', '45s', '2w' or '1d12h'"
            )
    else:
        us = None
    if us is None:
        raise ParameterError(
            f"{name}: expected a timedelta, numpy.timedelta64 or a string like '7d', "
            f"got {type(value).__name__} {value!r}"
        )
    if us < 0 or (us == 0 and not allow_zero):
        raise ParameterError(f"{name}: must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    if us > _MAX_DURATION_US:
        raise ParameterError(
            f"{name}: {value!r} is longer than the longest duration supported (10,000 years); "
            "for no limit, leave the parameter unset (None) where it is optional"
        )
    return np.timedelta64(us, "us")
