"""Time normalisation: instants and durations, converted once at the boundary.

Rules (documented in ``docs/tables.md``, section "Time zones and formats"):

* Instants are stored as ``numpy.datetime64[us]`` in **UTC** (naive numpy values that *mean* UTC).
  ``NaT`` marks a missing instant (allowed only in optional columns such as ``mql_at``).
* Timezone-aware ``datetime`` objects (or aware frame columns) and strings with an offset
  (``Z``, ``+02:00``, ``-0500``) are converted to UTC.
* Naive values (``datetime`` objects, strings without offset) are wall times of the zone ``tz``
  (an IANA name such as ``"America/New_York"``) and converted to UTC; without ``tz`` they are
  read as UTC (the caller reports that: see :mod:`alignment._options`).  ``row_tz`` gives a
  zone per row instead.
* ``numpy.datetime64`` values are the library's own representation: UTC, whatever ``tz`` says.
  Epoch numbers are seconds since 1970-01-01 UTC (``epoch_unit`` changes the unit).
* Wall times that a zone skips (the spring-forward gap) are moved forward by the gap
  (02:30 on a day the clock jumps from 02:00 to 03:00 reads as 03:30); wall times that occur
  twice (fall-back) are read as the first occurrence.  :func:`localize` reports both.
* Mixing naive and aware values in one column without ``tz`` is an error: the meaning would be
  a guess.
* Strings: ISO-8601 (``2024-03-05T14:22:05.123Z``, ``2024-03-05 14:22``, ``2024-03-05`` = local
  midnight), slash dates ``03/05/2024``, ``03/05/2024 2:22 PM``, ``3/5/2024 14:22`` (the day order
  is required: ``dayfirst=``), dotted dates ``05.03.2024 14:22`` (always day first), blank or
  ``"NaT"`` = missing; ``date_format`` (``strptime`` syntax) replaces these rules for every
  string.  Each distinct string is read once.
* Durations: :class:`datetime.timedelta`, :class:`numpy.timedelta64`, or strings such as
  ``"7d"``, ``"36h"``, ``"90m"``, ``"45s"``, ``"2w"`` or combinations like ``"1d12h"``.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Literal, NamedTuple

import numpy as np

from ._distinct import factorize_objects
from ._params import is_decimal_number, is_na, is_option, number_float
from ._timetext import (
    AWARE,
    MISSING,
    NAIVE,
    NEEDS_DAYFIRST,
    Utf8Text,
    datetime_us,
    day_order_hint,
    parse_texts,
    parse_utf8,
)
from ._timezones import localize, time_zone
from .errors import DataValidationError, ParameterError, reject_rows

__all__ = [
    "TIME_DTYPE",
    "Awareness",
    "Instants",
    "as_utc_datetime64",
    "duration_parts",
    "localize",
    "parse_duration",
    "parse_instant",
    "read_instant",
    "read_instants",
    "read_only_view",
    "time_zone",
]

TIME_DTYPE = np.dtype("datetime64[us]")
DURATION_DTYPE = np.dtype("timedelta64[us]")

#: ``True`` aware input (or naive values read in a given zone), ``False`` naive values read as
#: UTC, ``None`` neutral (numpy datetime64 or epoch numbers).
Awareness = bool | None

_EPOCH_FACTORS = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": None}
#: one component of a duration text: a number and a unit (case-sensitive; longest unit first)
_DUR_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|min|us|w|d|h|m|s)")
#: microseconds per unit of a duration text
DURATION_UNIT_US = {
    "w": 7 * 86_400e6,
    "d": 86_400e6,
    "h": 3_600e6,
    "min": 60e6,
    "m": 60e6,
    "s": 1e6,
    "ms": 1e3,
    "us": 1.0,
}
_DUR_UNITS = "w (weeks), d (days), h (hours), m or min (minutes), s, ms, us"
_DAYFIRST_FIX = (
    "pass dayfirst=True (05/03/2024 = 5 March) or dayfirst=False, or date_format= "
    "(e.g. '%m/%d/%Y %I:%M %p')"
)


class Instants(NamedTuple):
    """What :func:`read_instants` read.

    Attributes
    ----------
    times : ndarray of datetime64[us]
        The instants in UTC (``NaT`` where missing).
    awareness : bool or None
        As returned by :func:`as_utc_datetime64`.
    ambiguous : ndarray of bool
        Rows whose wall time occurs twice in their zone (read as the first occurrence).
    nonexistent : ndarray of bool
        Rows whose wall time the zone skips (moved forward by the gap).
    """

    times: np.ndarray
    awareness: Awareness
    ambiguous: np.ndarray
    nonexistent: np.ndarray


# ------------------------------------------------------------------------------- instants


def as_utc_datetime64(
    values: Any,
    *,
    column: str,
    table: str | None = None,
    allow_missing: bool = False,
    epoch_unit: Literal["s", "ms", "us", "ns"] = "s",
    tz: str | None = None,
    dayfirst: bool | None = None,
    date_format: str | None = None,
    row_tz: Any = None,
) -> tuple[np.ndarray, Awareness]:
    """Normalise a column of instants to ``datetime64[us]`` UTC.

    Parameters
    ----------
    values : array-like
        ``datetime64`` array, epoch numbers, ``datetime`` objects, strings (see the module
        rules), or ``None``.  Never changed.
    column : str
        Column name, for error messages.
    table : str, optional
        Table name, for error messages.
    allow_missing : bool
        Whether ``None``/``NaT``/``NaN``/blank strings may appear (then stored as ``NaT``).
    epoch_unit : {"s", "ms", "us", "ns"}
        Unit of epoch numbers.
    tz : str, optional
        IANA zone of naive values (naive ``datetime`` objects, strings without offset).  Aware
        values keep their own offset; ``numpy.datetime64`` values and epoch numbers are UTC.
    dayfirst : bool, optional
        Day order of slash dates: ``True`` reads ``05/03/2024`` as 5 March, ``False`` as 3 May.
        Required when a slash date appears (and ``date_format`` is not given).
    date_format : str, optional
        ``strptime`` format used for every string value instead of the built-in formats.
    row_tz : array-like of str or None, optional
        A zone per row for its naive value (``None`` in a row: ``tz``).

    Returns
    -------
    times : ndarray of datetime64[us]
    awareness : bool or None
        ``True`` if the input carried time zones or naive values were read in a zone,
        ``False`` if naive values were read as UTC, ``None`` if neutral (numpy datetime64
        or epoch numbers).

    Raises
    ------
    DataValidationError
        Missing values where not allowed, mixed naive/aware values (without ``tz``),
        unreadable values, slash dates without ``dayfirst`` (every bad row is named).
    ParameterError
        Unknown zone in ``tz``, or parameters of the wrong type.
    """
    read = read_instants(
        values,
        column=column,
        table=table,
        allow_missing=allow_missing,
        epoch_unit=epoch_unit,
        tz=tz,
        dayfirst=dayfirst,
        date_format=date_format,
        row_tz=row_tz,
    )
    return read.times, read.awareness


def read_instants(
    values: Any,
    *,
    column: str,
    tz: str | None = None,
    table: str | None = None,
    row_tz: Any = None,
    dayfirst: bool | None = None,
    date_format: str | None = None,
    epoch_unit: Literal["s", "ms", "us", "ns"] = "s",
    allow_missing: bool = False,
) -> Instants:
    """:func:`as_utc_datetime64` with the rows moved forward (gap) or disambiguated (overlap).

    Same parameters; returns :class:`Instants` (io lists those rows as data issues).
    """
    _check_parameters(tz, dayfirst, date_format, epoch_unit)
    distinct = _distinct_of(values, dayfirst=dayfirst, date_format=date_format)
    if distinct is None:
        times = _neutral_times(values, epoch_unit, column=column, table=table)
        flags = np.zeros(times.shape, dtype=bool)
        read = Instants(times, None, flags, flags.copy())
    else:
        wall, kind, inverse = distinct
        _check_read(kind, inverse, values, date_format, column=column, table=table)
        read = _in_zones(wall, kind, inverse, tz, row_tz, source=values, column=column, table=table)
    if not allow_missing:
        missing = np.isnat(read.times)
        if missing.any():
            rows = np.flatnonzero(missing)
            raise DataValidationError(
                "missing instant (NaT/None/NaN/blank) in a required time column",
                column=column,
                table=table,
                rows=rows,
                value=_value_at(values, int(rows[0])),
                fix="drop or fill these rows before building the table",
            )
    return read


def _value_at(values: Any, row: int) -> Any:
    try:
        value = values[row]
    except (TypeError, IndexError, KeyError):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _check_parameters(
    tz: str | None, dayfirst: bool | None, date_format: str | None, epoch_unit: str
) -> None:
    if tz is not None:
        time_zone(tz)
    if dayfirst is not None and not isinstance(dayfirst, (bool, np.bool_)):
        raise ParameterError(f"dayfirst must be True, False or None, got {dayfirst!r}")
    if date_format is not None and (not isinstance(date_format, str) or "%" not in date_format):
        raise ParameterError(
            f"date_format must be a strptime format such as '%d/%m/%Y %H:%M', got {date_format!r}"
        )
    if not is_option(epoch_unit, _EPOCH_FACTORS):
        raise ParameterError(f"epoch_unit must be one of 's', 'ms', 'us', 'ns', got {epoch_unit!r}")


def _neutral_times(values: Any, epoch_unit: str, *, column: str, table: str | None) -> np.ndarray:
    """numpy datetime64 (UTC) or epoch numbers."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return read_only_view(datetimes_as_us(arr, column=column, table=table))
    if arr.dtype.kind in "iuf":
        return _from_numbers(arr, epoch_unit, column=column, table=table)
    if arr.size == 0:
        return np.empty(arr.shape, dtype=TIME_DTYPE)
    raise DataValidationError(
        f"cannot read instants from dtype {arr.dtype}",
        column=column,
        table=table,
        fix="pass datetimes (aware or UTC), numpy datetime64, strings or epoch seconds",
    )


def read_only_view(a: Any) -> np.ndarray:
    """``a`` as a read-only view: a result cannot be edited through it, and the array it
    views (the result's own, or the caller's) keeps its flags; nothing is copied (a column
    that already is ``datetime64[us]`` is read as it is: 10^7 instants are 80 MB)."""
    view: np.ndarray = np.asarray(a).view()
    view.flags.writeable = False
    return view


# ------------------------------------------------------------- object and text values, distinct

#: kinds beyond those of :mod:`._timetext`: numpy/epoch values, naive values read in a zone,
#: epoch numbers out of range, values of an unsupported type, datetime64 values out of range
_NEUTRAL, _ZONED, _OUT_OF_RANGE, _UNSUPPORTED, _BEYOND = 0, 3, -4, -5, -6


#: the error of a column holding naive and timezone-aware instants (also raised for Dask)
MIXED_PROBLEM = "naive and timezone-aware instants are mixed"
MIXED_FIX = (
    "pass tz= (the zone of the naive values), or make every instant timezone-aware or every "
    "one naive (read as UTC)"
)


def instant_kinds(
    values: Any, *, tz: str | None, dayfirst: bool | None, date_format: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``values``: whether it is a naive instant, whether an aware one (naive values
    read in ``tz`` count as aware), as :func:`read_instants` reads them, without raising: the
    rows of other kinds (missing, unreadable) are neither.  For a caller that sees the rows in
    parts (Dask partitions) and checks the mixing of the two kinds over all of them."""
    none = np.zeros(len(values), dtype=bool)
    try:
        distinct = _distinct_of(values, dayfirst=dayfirst, date_format=date_format)
    except DataValidationError:  # (unreadable values: reported where the column is read)
        return none, none.copy()
    if distinct is None:  # numbers, datetime64: no text, no zone
        return none, none.copy()
    _, kind, inverse = distinct
    kinds = kind if inverse is None else np.append(kind, np.int8(_NEUTRAL))[inverse]
    naive = kinds == NAIVE
    aware = (kinds == AWARE) | (kinds == _ZONED)
    if tz is not None:  # (naive values read in the zone: instants)
        aware |= naive
        naive = none
    return naive, aware


def _distinct_of(
    values: Any, *, dayfirst: bool | None, date_format: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """Object, string or factorised input, read once per distinct value.

    Returns (instant per distinct value: datetime64[us], UTC or wall time; its kind; each row's
    index into them, ``-1`` for a missing row, or ``None`` when the values are the rows, new
    arrays of this read), or ``None`` for numeric or datetime64 input.
    """
    if isinstance(values, Utf8Text):  # strings as bytes: each row read (they rarely repeat)
        if date_format is None:
            read = parse_utf8(values, dayfirst=dayfirst, strip=True)
            wall = read.us.astype(TIME_DTYPE)
            wall[read.kind < 0] = np.datetime64("NaT")
            return wall, read.kind, None  # (one value per row: no index)
        values = values.to_objects()
    codes = getattr(values, "codes", None)
    categories = getattr(values, "categories", None)
    if isinstance(codes, np.ndarray) and isinstance(categories, np.ndarray):  # a Categorical
        uniq: list[Any] = categories.tolist()
        inverse = np.asarray(codes, dtype=np.int64).ravel()
    else:
        arr = np.asarray(values)
        if arr.dtype.kind not in "OUS" or arr.size == 0:
            return None
        uniq, inverse = factorize_objects(arr.ravel().tolist())
    wall, kind = _read_distinct(uniq, dayfirst=dayfirst, date_format=date_format)
    return wall, kind, inverse


def _read_distinct(
    values: list[Any], *, dayfirst: bool | None, date_format: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Instant (datetime64[us]; NaT where missing or unreadable) and kind of distinct values."""
    n = len(values)
    us = np.zeros(n, dtype=np.int64)
    kind = np.full(n, _NEUTRAL, dtype=np.int8)
    texts = [i for i, v in enumerate(values) if isinstance(v, str)]
    if texts:
        read = parse_texts([values[i] for i in texts], dayfirst=dayfirst, date_format=date_format)
        us[texts], kind[texts] = read.us, read.kind
    if len(texts) < n:
        others = [i for i, v in enumerate(values) if not isinstance(v, str)]
        pairs = [_one_instant(values[i]) for i in others]
        us[others] = [u for u, _ in pairs]
        kind[others] = [k for _, k in pairs]
    wall = us.astype(TIME_DTYPE)
    wall[kind < 0] = np.datetime64("NaT")
    return wall, kind


def _one_instant(v: Any) -> tuple[int, int]:
    """Microseconds since 1970 and kind of one value that is not a string."""
    if v is None or (isinstance(v, float) and v != v) or is_na(v):
        return 0, MISSING
    if isinstance(v, _dt.datetime):
        if v != v:  # pandas NaT (a datetime that is not equal to itself)
            return 0, MISSING
        offset = v.utcoffset() if v.tzinfo is not None else None
        if offset is not None:  # (wall time less offset: its UTC date may leave years 1-9999)
            wall = int(np.datetime64(v.replace(tzinfo=None), "us").astype(np.int64))
            return wall - offset // _dt.timedelta(microseconds=1), AWARE
        return int(np.datetime64(v, "us").astype(np.int64)), NAIVE
    if isinstance(v, _dt.date):
        return datetime_us(_dt.datetime(v.year, v.month, v.day))
    if isinstance(v, np.datetime64):
        if np.isnat(v):
            return 0, MISSING
        try:
            times = datetimes_as_us(np.array([v]), column=None, table=None)
        except DataValidationError:
            return 0, _BEYOND
        return int(times.astype(np.int64)[0]), _NEUTRAL
    if is_decimal_number(v):
        try:
            us = number_float(v) * 1_000_000
        except OverflowError:  # an integer beyond a float (10**400)
            return 0, _OUT_OF_RANGE
        if us != us:  # NaN: missing, as in a float column
            return 0, MISSING
        return (round(us), _NEUTRAL) if abs(us) <= _MAX_US else (0, _OUT_OF_RANGE)
    return 0, _UNSUPPORTED


def _check_read(
    kind: np.ndarray,
    inverse: np.ndarray | None,
    values: Any,
    date_format: str | None,
    *,
    column: str,
    table: str | None,
) -> None:
    """Every row of an unreadable distinct value named (slash dates without day order first)."""
    bad_kinds = kind < 0
    bad_kinds[kind == MISSING] = False
    if not bad_kinds.any():
        return
    if inverse is None:  # (one value per row)
        inverse = np.arange(kind.size, dtype=np.int64)
    rows_kind = np.append(kind, np.int8(MISSING))[inverse]  # (a missing row: index -1)
    if (kind == NEEDS_DAYFIRST).any():
        rows = np.flatnonzero(rows_kind == NEEDS_DAYFIRST)
        texts = _distinct_values(values, inverse, kind == NEEDS_DAYFIRST)
        raise DataValidationError(
            "slash dates need the day order (is 03/05/2024 3 May or 5 March?)"
            + day_order_hint(texts),
            column=column,
            table=table,
            rows=rows,
            value=_value_at(values, int(rows[0])),
            fix=_DAYFIRST_FIX,
        )
    rows = np.flatnonzero(np.append(bad_kinds, False)[inverse])
    first = _value_at(values, int(rows[0]))
    problem, fix = _problem(int(rows_kind[rows[0]]), first, date_format)
    raise DataValidationError(problem, column=column, table=table, rows=rows, value=first, fix=fix)


def _distinct_values(values: Any, inverse: np.ndarray, wanted: np.ndarray) -> list[Any]:
    """The ``wanted`` distinct values (a mask over them), in their order (one row of each)."""
    first_row = np.full(wanted.size, -1, dtype=np.int64)
    ok = np.flatnonzero(inverse >= 0)
    first_row[inverse[ok][::-1]] = ok[::-1]
    rows = first_row[wanted].tolist()
    return [_value_at(values, r) if r >= 0 else None for r in rows]


def _problem(kind: int, value: Any, date_format: str | None) -> tuple[str, str]:
    if kind == _BEYOND:
        return _BEYOND_PROBLEM, _BEYOND_FIX
    if kind == _OUT_OF_RANGE:
        return (
            "epoch number outside the supported range of ±146,000 years (epoch_unit='s')",
            "check the unit of the epoch numbers or pass datetimes / ISO strings",
        )
    if kind == _UNSUPPORTED:
        return (
            f"cannot read an instant from a {type(value).__name__}",
            "pass datetimes, numpy datetime64, strings or epoch seconds",
        )
    if date_format is not None:
        return (
            f"does not match date_format {date_format!r}",
            "check date_format against the values of the export (strptime syntax)",
        )
    return (
        "not a date/time in a known format",
        "write instants as ISO-8601 ('2024-03-05T14:22:05Z', '2024-03-05 14:22'), slash "
        "dates with dayfirst=, dotted dates ('05.03.2024 14:22'), or pass date_format= "
        "(strptime syntax)",
    )


# ------------------------------------------------------------------------ zones of naive values


def _in_zones(
    wall: np.ndarray,
    kind: np.ndarray,
    inverse: np.ndarray | None,
    tz: str | None,
    row_tz: Any,
    *,
    source: Any,
    column: str,
    table: str | None,
) -> Instants:
    """Spread distinct values to rows, naive ones read in their zone; mixing checked.

    ``inverse`` ``None``: the values are the rows, arrays of this read (changed in place)."""
    if inverse is not None:
        wall, kind = wall.copy(), kind.copy()
    if row_tz is None and tz is not None:  # one zone: localised once per distinct value
        wall, ambiguous, gap = _localized(wall, kind, tz, column=column, table=table)
    else:
        ambiguous, gap = np.zeros(wall.shape, dtype=bool), np.zeros(wall.shape, dtype=bool)
    if inverse is None:
        times, kinds = wall, kind
    else:  # a missing row (index -1) takes the appended last entry: NaT, neutral, not flagged
        times = np.append(wall, np.datetime64("NaT", "us"))[inverse]
        kinds = np.append(kind, np.int8(_NEUTRAL))[inverse]
        ambiguous, gap = np.append(ambiguous, False)[inverse], np.append(gap, False)[inverse]
    if row_tz is not None:
        _row_zones(times, kinds, ambiguous, gap, row_tz, tz, column=column, table=table)
    naive = kinds == NAIVE
    aware = (kinds == AWARE) | (kinds == _ZONED)
    if naive.any() and aware.any():
        rows = np.flatnonzero(naive if naive.sum() <= aware.sum() else aware)
        raise DataValidationError(
            MIXED_PROBLEM,
            column=column,
            table=table,
            rows=rows,
            value=_value_at(source, int(rows[0])),
            fix=MIXED_FIX,
        )
    awareness: Awareness = True if aware.any() else (False if naive.any() else None)
    return Instants(times, awareness, ambiguous, gap)


def _localized(
    wall: np.ndarray, kind: np.ndarray, tz: str, *, column: str, table: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The naive values of ``wall`` read in the zone ``tz`` (their ``kind`` set to zoned, in
    place), with the ambiguous and skipped wall times among them."""
    naive = kind == NAIVE
    if naive.all():  # (every value naive: no mask)
        kind[:] = _ZONED
        return localize(wall, tz, column=column, table=table)
    ambiguous = np.zeros(wall.shape, dtype=bool)
    gap = np.zeros(wall.shape, dtype=bool)
    wall[naive], ambiguous[naive], gap[naive] = localize(
        wall[naive], tz, column=column, table=table
    )
    kind[naive] = _ZONED
    return wall, ambiguous, gap


def _row_zones(
    times: np.ndarray,
    kinds: np.ndarray,
    ambiguous: np.ndarray,
    gap: np.ndarray,
    row_tz: Any,
    tz: str | None,
    *,
    column: str,
    table: str | None,
) -> None:
    """Naive rows read in their row's zone (in place, one pass per distinct zone)."""
    zones = np.asarray(row_tz, dtype=object).ravel()
    if zones.size != times.size:
        raise ParameterError(
            f"row_tz has {zones.size} entries for {times.size} rows of column {column!r}"
        )
    naive = kinds == NAIVE
    uniq, inverse = check_zones(zones, naive, column=column, table=table, zones_of=column)
    for j, zone in enumerate(uniq):
        rows = naive & (inverse == j)
        if _no_zone(zone):
            zone = tz
        if not rows.any() or zone is None:
            continue
        times[rows], ambiguous[rows], gap[rows] = localize(
            times[rows], zone, column=column, table=table
        )
        kinds[rows] = _ZONED


def check_zones(
    zones: np.ndarray,
    used: np.ndarray | None = None,
    *,
    column: str | None,
    table: str | None,
    zones_of: str | None = None,
) -> tuple[list[Any], np.ndarray]:
    """The distinct entries of a column of IANA zone names and each row's (as
    :func:`_factorize_objects`), every entry that a row in ``used`` holds (all rows without
    it) checked: an unknown zone raises :class:`DataValidationError` naming ``column`` (the
    zone column), every row holding it and the value.  An empty entry (``None``, NaN, ``""``) names no zone.
    ``zones_of``: the column whose wall times the zones are for, when ``column`` is not it."""
    zones = np.asarray(zones, dtype=object).ravel()
    uniq, inverse = factorize_objects(zones.tolist())
    for j, zone in enumerate(uniq):  # a loop over the distinct zones
        rows = inverse == j  # (all its rows are listed, once one of them is used)
        if _no_zone(zone) or not (rows if used is None else rows & used).any():
            continue
        if not isinstance(zone, str) or not _is_zone(zone):
            of = "" if zones_of is None else f" (the zones of the wall times of {zones_of!r})"
            reject_rows(
                rows,
                f"unknown time zone {zone!r}{of}",
                column=column,
                table=table,
                values=zones,
                fix="use IANA zone names such as 'America/New_York' (or leave the cell empty "
                "for the zone of tz=)",
            )
    return uniq, inverse


def _no_zone(zone: Any) -> bool:
    """An entry of a zone column that names no zone."""
    return (isinstance(zone, float) and zone != zone) or zone is None or zone == ""


def _is_zone(name: str) -> bool:
    try:
        time_zone(name)
    except ParameterError:
        return False
    return True


#: the largest epoch number accepted, in microseconds (±146,000 years: well inside the int64
#: range of datetime64[us], so the exact integer conversion below cannot overflow)
_MAX_US = float(2**62)


def datetimes_as_us(arr: np.ndarray, *, column: str | None, table: str | None) -> np.ndarray:
    """A ``datetime64`` array as ``datetime64[us]`` (no copy when it is one); a coarser unit's
    value beyond ±146,000 years is refused (numpy's cast would wrap it to another year)."""
    us = arr.astype(TIME_DTYPE, copy=False)
    if np.datetime_data(arr.dtype)[0] in ("us", "ns", "ps", "fs", "as"):  # (cannot overflow)
        return us
    with np.errstate(over="ignore"):
        wrapped = (us.astype(arr.dtype) != arr) | (np.abs(us.view(np.int64)) > _MAX_US)
    reject_rows(
        wrapped & ~np.isnat(arr),
        _BEYOND_PROBLEM,
        column=column,
        table=table,
        values=arr,
        fix=_BEYOND_FIX,
    )
    return us


_BEYOND_PROBLEM = "instant outside the supported range of ±146,000 years"
_BEYOND_FIX = "check the unit of the datetime64 values (epoch microseconds typed as seconds?)"


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


def parse_instant(value: Any, *, name: str = "as_of", tz: str | None = None) -> np.datetime64:
    """Normalise one instant (datetime, datetime64, string or epoch seconds) to UTC ``datetime64[us]``.

    A naive value (string without offset, naive ``datetime``) is a wall time of ``tz``, else
    UTC.  An engine's ``as_of`` is read by :func:`alignment._options.read_as_of` instead, which
    applies the call's ``tz=`` and its naive/aware rule.

    Raises
    ------
    ParameterError
        If the value is missing or cannot be read, or the zone is unknown.
    """
    return read_instant(value, name=name, tz=tz)[0]


def read_instant(
    value: Any, *, name: str = "as_of", tz: str | None = None
) -> tuple[np.datetime64, Awareness]:
    """:func:`parse_instant` and the value's awareness (``False``: naive, read as UTC)."""
    if value is None:
        raise ParameterError(f"{name}: an instant is required, got None")
    try:
        out, aware = as_utc_datetime64(
            np.array([value], dtype=object), column=name, tz=tz, dayfirst=None
        )
    except DataValidationError as exc:
        raise ParameterError(f"{name}: {exc.problem}; got {value!r}") from None
    return out[0].astype(TIME_DTYPE), aware


#: the longest duration accepted, in microseconds (10,000 years): an instant (±146,000 years)
#: plus or minus it stays inside datetime64[us], so no arithmetic on it can wrap
_MAX_DURATION_US = 10_000 * 366 * 86_400 * 1_000_000
_TOO_LONG = _MAX_DURATION_US + 1


def duration_parts(text: str, *, name: str = "duration") -> list[tuple[float, str]]:
    """The (number, unit) components of a duration text such as ``"1d12h"`` (spaces ignored).

    Units are case-sensitive: ``w``, ``d``, ``h``, ``m`` or ``min`` (minutes), ``s``, ``ms``,
    ``us``.  ``"M"`` (the month of an SLA ``period``) is not a duration unit.

    Raises
    ------
    ParameterError
        The text is not a sequence of such components.
    """
    s = text.strip().replace(" ", "")
    parts, pos = [], 0
    for m in _DUR_RE.finditer(s):
        if m.start() != pos:
            break
        parts.append((float(m.group(1)), m.group(2)))
        pos = m.end()
    if not s or pos != len(s):
        hint = (
            " ('M' is not a unit: a month has no fixed length; write '30d', or '1m' for a minute)"
            if "M" in s[pos:]
            else ""
        )
        raise ParameterError(
            f"{name}: cannot read {text!r} as a duration{hint}; use e.g. '7d', '36h', '90m', "
            f"'45s', '2w' or '1d12h' (units, lower case: {_DUR_UNITS})"
        )
    return parts


def parse_duration(
    value: Any, *, name: str = "duration", allow_zero: bool = False
) -> np.timedelta64:
    """Parse a duration into ``numpy.timedelta64[us]``.

    Parameters
    ----------
    value : timedelta, numpy.timedelta64 or str
        ``"7d"``, ``"36h"``, ``"90m"``, ``"45s"``, ``"2w"``, ``"1d12h"``, ``"1.5d"`` … (units
        as :func:`duration_parts` reads them: case-sensitive, ``"M"`` refused).
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
    >>> print(parse_duration("36h"), parse_duration("36h").dtype)
    129600000000 microseconds timedelta64[us]
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
        total = sum(n * DURATION_UNIT_US[unit] for n, unit in duration_parts(value, name=name))
        us = round(total) if total <= _MAX_DURATION_US else _TOO_LONG
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
