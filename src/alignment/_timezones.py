"""Time zones: wall times of an IANA zone converted to UTC, vectorised (numpy and zoneinfo).

The rules (documented in :mod:`alignment._time` and ``docs/tables.md``): a wall time that the
zone skips (spring-forward gap) is moved forward by the gap; a wall time that occurs twice
(fall-back) is read as its first occurrence.  Both are reported, so a reader can list them.
"""

from __future__ import annotations

import datetime as _dt
import zoneinfo

import numpy as np

from .errors import ParameterError, reject_rows

__all__ = ["localize", "time_zone"]

TIME_DTYPE = np.dtype("datetime64[us]")
_HOUR_US = 3_600_000_000
_DAY_US = 24 * _HOUR_US


def time_zone(tz: str, *, name: str = "tz") -> zoneinfo.ZoneInfo:
    """The zone named ``tz`` (IANA name such as ``"Europe/Berlin"``).

    Raises
    ------
    ParameterError
        If ``tz`` is not a string or names no zone.
    """
    if isinstance(tz, str) and tz.strip():
        try:
            return zoneinfo.ZoneInfo(tz.strip())
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise ParameterError(
        f"{name}: unknown time zone {tz!r}; pass an IANA zone name such as "
        "'America/New_York', 'Europe/Berlin' or 'UTC' (the zone of the export)"
    )


def localize(
    naive_us: np.ndarray, tz: str, *, column: str | None = None, table: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert wall times of the zone ``tz`` to UTC, vectorised.

    The UTC offset is looked up once per distinct local day, then per distinct hour of the days
    in which it changes; only the values of hours in which it changes (daylight-saving
    transitions) are resolved one distinct value at a time.

    Parameters
    ----------
    naive_us : ndarray of datetime64
        Wall times (``NaT`` stays ``NaT``).  Never changed.
    tz : str
        IANA zone name.
    column, table : str, optional
        Names for error messages.

    Returns
    -------
    utc : ndarray of datetime64[us]
        The instants in UTC.
    ambiguous : ndarray of bool
        Wall times that occur twice (fall-back): read as the first occurrence.
    nonexistent : ndarray of bool
        Wall times the zone skips (spring-forward gap): moved forward by the gap, e.g. 02:30 on a
        day the clock jumps from 02:00 to 03:00 is read as 03:30.

    Raises
    ------
    ParameterError
        Unknown zone.
    DataValidationError
        Wall times outside the years 1-9999 (no zone rules there).
    """
    zone = time_zone(tz)
    local = np.asarray(naive_us).astype(TIME_DTYPE)  # a new array
    ok = ~np.isnat(local)
    every = bool(ok.all())  # (no NaT: the rows are worked on in place, without masks)
    if not every and not ok.any():
        return local, np.zeros(local.shape, dtype=bool), np.zeros(local.shape, dtype=bool)
    values = local.view(np.int64) if every else local[ok].view(np.int64)
    out_of_range = (values < _MIN_LOCAL_US) | (values > _MAX_LOCAL_US)
    if out_of_range.any():
        reject_rows(
            out_of_range,
            f"instant outside the years 1-9999 cannot be read in the time zone {tz!r}",
            column=column,
            table=table,
            values=local[ok],
            positions=np.flatnonzero(ok),
            fix="check the year of these instants",
        )
    steady, offset = _block_offsets(values, _DAY_US, zone)
    if not steady.all():  # days with a transition: their hours
        in_day = ~steady
        steady[in_day], offset[in_day] = _block_offsets(values[in_day], _HOUR_US, zone)
    unsteady = ~steady
    amb = np.zeros(values.size, dtype=bool)
    gap = np.zeros(values.size, dtype=bool)
    if unsteady.any():
        exact, inv = np.unique(values[unsteady], return_inverse=True)
        off, a, g = _exact_offsets(exact, zone)
        offset[unsteady], amb[unsteady], gap[unsteady] = off[inv], a[inv], g[inv]
    if every:
        values -= offset  # (a view of ``local``, this function's own array)
        return local, amb, gap
    local[ok] = (values - offset).view(TIME_DTYPE)
    ambiguous = np.zeros(local.shape, dtype=bool)
    nonexistent = np.zeros(local.shape, dtype=bool)
    ambiguous[ok], nonexistent[ok] = amb, gap
    return local, ambiguous, nonexistent


#: wall times a ``datetime`` can hold with an hour to spare (years 1-9999)
_MIN_LOCAL_US = int(np.datetime64("0001-01-02", "us").astype(np.int64))
_MAX_LOCAL_US = int(np.datetime64("9999-12-31T22", "us").astype(np.int64))
_ONE_US = _dt.timedelta(microseconds=1)


def _offset_us(wall: _dt.datetime, zone: zoneinfo.ZoneInfo, fold: int) -> int:
    off = wall.replace(tzinfo=zone, fold=fold).utcoffset()
    return 0 if off is None else off // _ONE_US


def _block_offsets(
    values: np.ndarray, unit: int, zone: zoneinfo.ZoneInfo
) -> tuple[np.ndarray, np.ndarray]:
    """Per value: whether one offset holds for its whole local day or hour (``unit`` µs), and
    that offset (µs), looked up once per distinct block.

    A block is steady when the offsets at its first and last microsecond agree, for both
    folds (no transition in it: zones change offset at most once a day).
    """
    blocks, inverse = _distinct(values // unit)
    starts = (blocks * unit).astype(TIME_DTYPE).astype(object).tolist()
    last = _dt.timedelta(microseconds=unit - 1)
    steady = np.zeros(blocks.size, dtype=bool)
    offsets = np.zeros(blocks.size, dtype=np.int64)
    for i, start in enumerate(starts):  # one loop per distinct block, not per row
        end = start + last
        first = _offset_us(start, zone, 0)
        offsets[i] = first
        steady[i] = (
            first == _offset_us(start, zone, 1) == _offset_us(end, zone, 0)
            and _offset_us(end, zone, 1) == first
        )
    inverse = inverse.ravel()
    return steady[inverse], offsets[inverse]


#: a span of blocks (days, hours) up to this long is indexed directly instead of sorted
_DENSE_SPAN = 1 << 22


def _distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and each key's index among them (``np.unique``); keys within a
    short span (the days of a few years) are indexed by a table, not sorted."""
    if keys.size == 0:
        return keys, np.zeros(0, dtype=np.int64)
    lo, hi = int(keys.min()), int(keys.max())
    if hi - lo >= _DENSE_SPAN:
        blocks, inverse = np.unique(keys, return_inverse=True)
        return blocks, inverse.ravel()
    seen = np.zeros(hi - lo + 1, dtype=bool)
    seen[keys - lo] = True
    where = np.flatnonzero(seen)
    index = np.zeros(seen.size, dtype=np.int64)
    index[where] = np.arange(where.size)
    return where + lo, index[keys - lo]


def _exact_offsets(
    values: np.ndarray, zone: zoneinfo.ZoneInfo
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Offset (µs, fold=0), ambiguity and gap of distinct wall times in transition hours."""
    walls = values.astype(TIME_DTYPE).astype(object).tolist()
    offsets = np.zeros(values.size, dtype=np.int64)
    ambiguous = np.zeros(values.size, dtype=bool)
    gap = np.zeros(values.size, dtype=bool)
    for i, wall in enumerate(walls):
        first, second = _offset_us(wall, zone, 0), _offset_us(wall, zone, 1)
        offsets[i] = first  # fold=0: the offset before the transition
        ambiguous[i] = first > second  # clocks turned back: the wall time occurs twice
        gap[i] = first < second  # clocks jumped forward: the wall time never occurs
    return offsets, ambiguous, gap
