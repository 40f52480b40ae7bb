"""Business time: weekly working hours, holidays and a time zone, vectorised.

How it works (see ``docs/sla.md``):

1. **Zone table.** The calendar's UTC offsets over the data's range are found by probing
   :mod:`zoneinfo` on a 6-hour grid of instants and refining every change by bisection to the
   second. This gives transition instants ``T`` (UTC) and offsets ``o`` (``o[0]`` before
   ``T[0]``, ``o[j+1]`` after ``T[j]``); UTC → local is one ``searchsorted``.
   (A zone changing its offset twice within 6 hours would be missed; no IANA zone does.)
2. **Window table.** For every local date of the range (``numpy`` day arithmetic, holidays
   removed with ``numpy.isin``), every working interval of that weekday gives a window in local
   wall time, converted to UTC with the zone table: a wall time that occurs twice (autumn) is
   read as its first occurrence, a wall time that does not exist (spring gap) as the instant
   the clocks jump. Hence a 00:00–04:00 window on a spring-forward night lasts 3 real hours.
3. **Cumulative business time.** With window starts ``ws``, lengths ``L`` and running totals
   ``C``, the business time since the table's origin of an instant ``t`` is
   ``C[i] + clip(t − ws[i], 0, L[i])`` where ``i`` is the last window starting at or before
   ``t`` (``searchsorted``). ``elapsed(a, b) = F(b) − F(a)``; ``add(a, d)`` inverts ``F`` with a
   second ``searchsorted``. The cost is ``O(D·k + n log(D·k))`` for ``D`` days, ``k`` intervals
   a day and ``n`` instants: no Python loop per row.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from .._time import (
    DURATION_UNIT_US,
    TIME_DTYPE,
    as_utc_datetime64,
    duration_parts,
    parse_duration,
)
from .._timetext import calendar_date
from ..errors import ParameterError, reject_rows

__all__ = ["BusinessCalendar", "check_zone_range"]

_US = 1_000_000
_DAY_US = 86_400 * _US
_PROBE_US = 6 * 3_600 * _US
_NAT = np.iinfo(np.int64).min
#: Python's datetime range (years 1-9999), where :mod:`zoneinfo` places instants, in µs
_PY_FIRST_US = (_dt.datetime.min - _dt.datetime(1970, 1, 1)) // _dt.timedelta(microseconds=1)
_PY_LAST_US = (_dt.datetime.max - _dt.datetime(1970, 1, 1)) // _dt.timedelta(microseconds=1)
#: the instants a zoned calendar reads in data: a year inside Python's range, whose edges
#: hold placeholders (0001-01-01, 9999-12-31) rather than moments; the year leaves room for
#: the working windows and deadlines around the instants
ZONE_FIRST = np.datetime64("0002-01-01T00:00", "us")
ZONE_END = np.datetime64("9999-01-01T00:00", "us")
_ZONE_OUTSIDE = (
    "an instant a time zone cannot place (a zoned business calendar reads instants from "
    "0002-01-01 to before 9999-01-01)"
)
_ZONE_FIX = (
    "dates such as 0001-01-01 or 9999-12-31 stand for a missing value: clear them (None/NaT), "
    "or use a calendar without tz"
)
_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

Interval = tuple[int, int]  # microseconds from local midnight, [start, end)


def _clock(value: Any, what: str) -> int:
    """Local wall-clock time of day → microseconds since midnight ("24:00" allowed)."""
    if isinstance(value, _dt.time) and value.tzinfo is not None:
        raise ParameterError(
            f"BusinessCalendar: {what}: {value!r} has a time zone ({value.tzinfo}); business "
            "hours are wall-clock times of the calendar's tz; pass naive times"
        )
    if isinstance(value, _dt.time):
        return ((value.hour * 60 + value.minute) * 60 + value.second) * _US + value.microsecond
    if isinstance(value, str):
        m = _TIME_RE.match(value.strip())
        if m:
            h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
            if mi < 60 and s < 60 and (h < 24 or (h == 24 and mi == 0 and s == 0)):
                return ((h * 60 + mi) * 60 + s) * _US
    raise ParameterError(
        f"BusinessCalendar: {what}: cannot read {value!r} as a time of day 'HH:MM'"
    )


def _interval(value: Any, what: str) -> Interval:
    if isinstance(value, str):
        parts = value.split("-")
        if len(parts) != 2:
            raise ParameterError(f"BusinessCalendar: {what}: expected 'HH:MM-HH:MM', got {value!r}")
        start, end = _clock(parts[0], what), _clock(parts[1], what)
    elif isinstance(value, Sequence) and len(value) == 2:
        start, end = _clock(value[0], what), _clock(value[1], what)
    else:
        raise ParameterError(
            f"BusinessCalendar: {what}: expected 'HH:MM-HH:MM' or (start, end), got {value!r}"
        )
    if end <= start:
        raise ParameterError(f"BusinessCalendar: {what}: interval {value!r} ends before it starts")
    return start, end


def _parse_hours(hours: Any) -> tuple[tuple[Interval, ...], ...]:
    if hours is None:
        hours = "09:00-17:00"
    if isinstance(hours, str):
        hours = {d: hours for d in _DAY_NAMES[:5]}
    if not isinstance(hours, Mapping):
        raise ParameterError(
            "BusinessCalendar: hours must be None, 'HH:MM-HH:MM' (Monday–Friday) or a mapping "
            f"weekday -> intervals, got {type(hours).__name__}"
        )
    week: list[list[Interval]] = [[] for _ in range(7)]
    seen: set[int] = set()
    for key, spec in hours.items():
        if isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 6:
            day = key
        elif isinstance(key, str) and key.strip().lower() in _WEEKDAYS:
            day = _WEEKDAYS[key.strip().lower()]
        else:
            raise ParameterError(
                f"BusinessCalendar: unknown weekday {key!r}; use 0–6 (Monday = 0) or 'mon'…'sun'"
            )
        if day in seen:
            raise ParameterError(f"BusinessCalendar: weekday {key!r} given twice")
        seen.add(day)
        what = f"hours[{key!r}]"
        if spec is None:
            items: list[Any] = []
        elif isinstance(spec, str) or (
            isinstance(spec, Sequence)
            and len(spec) == 2
            and not isinstance(spec[0], (list, tuple))
            and not (isinstance(spec[0], str) and "-" in spec[0])
        ):
            items = [spec]
        elif isinstance(spec, Iterable):
            items = list(spec)
        else:
            raise ParameterError(f"BusinessCalendar: {what}: cannot read {spec!r}")
        ivs = sorted(_interval(v, what) for v in items)
        for (_, e1), (s2, _) in itertools.pairwise(ivs):
            if s2 < e1:
                raise ParameterError(f"BusinessCalendar: {what}: intervals overlap")
        week[day] = ivs
    if not any(week):
        raise ParameterError("BusinessCalendar: no working hours at all in the week")
    return tuple(tuple(w) for w in week)


def _parse_holidays(holidays: Any) -> np.ndarray:
    """Holidays as sorted distinct ``datetime64[D]`` (see :func:`~alignment._timetext.calendar_date`)."""
    if holidays is None:
        return np.empty(0, dtype="datetime64[D]")
    flat = not isinstance(holidays, np.ndarray) or holidays.ndim == 1  # (a 0-d array is one date)
    if (
        isinstance(holidays, str | bytes | _dt.date | np.datetime64)
        or not isinstance(holidays, Iterable)
        or not flat
    ):
        raise ParameterError(
            f"BusinessCalendar: holidays must be a list of dates, got {type(holidays).__name__} "
            f"{holidays!r}; e.g. holidays=['2024-07-14', datetime.date(2024, 12, 25)]"
        )
    out = []
    for h in holidays:
        try:
            out.append(np.datetime64(calendar_date(h), "D"))
        except ValueError as exc:
            raise ParameterError(f"BusinessCalendar: holiday {exc}") from None
    return np.unique(np.array(out, dtype="datetime64[D]"))


def business_duration_us(text: str, *, day_us: int, week_us: int) -> int:
    """Length in business microseconds of a duration text measured in business time.

    Days count ``day_us`` each and weeks ``week_us`` each; other units are literal (the units
    of :func:`~alignment._time.duration_parts`).
    """
    per_unit = {**DURATION_UNIT_US, "d": float(day_us), "w": float(week_us)}
    return round(sum(n * per_unit[unit] for n, unit in duration_parts(text)))


def _broadcast(
    a: np.ndarray, b: np.ndarray, name_a: str, name_b: str
) -> tuple[np.ndarray, np.ndarray]:
    """numpy broadcasting, with a typed error naming both arguments."""
    try:
        x, y = np.broadcast_arrays(a, b)
        return x, y
    except ValueError:
        raise ParameterError(
            f"{name_a} ({np.shape(a)}) and {name_b} ({np.shape(b)}) have lengths that do not "
            "match: give arrays of the same length, or one scalar"
        ) from None


class BusinessCalendar:
    """Working hours per weekday, holidays and a time zone; business time between instants.

    Parameters
    ----------
    hours : None, str or mapping, optional
        ``None``: Monday–Friday 09:00–17:00. A string ``"HH:MM-HH:MM"``: those hours Monday to
        Friday. A mapping weekday → intervals, weekday as ``0``–``6`` (Monday = 0) or a name
        (``"mon"``, ``"tuesday"`` …), intervals as ``"09:00-12:00"``, ``("09:00", "12:00")``,
        naive :class:`datetime.time` pairs, or a list of those; ``"24:00"`` closes a day.
        Weekdays not listed are not working days. Hours are wall-clock times of ``tz``.
    holidays : iterable of date, optional
        Non-working **local** dates (``datetime.date``, ISO strings, ``datetime64``).
    tz : str
        IANA time zone in which the hours and holidays are read (default ``"UTC"``).

    Raises
    ------
    ParameterError
        Unreadable hours or holidays, an unknown zone, or a :class:`datetime.time` with a
        ``tzinfo`` (business hours are wall-clock times of ``tz``: pass naive times).

    Examples
    --------
    >>> cal = BusinessCalendar()
    >>> cal.elapsed(["2024-03-01T16:30:00Z"], ["2024-03-04T09:30:00Z"])
    array([3600], dtype='timedelta64[s]')
    """

    def __init__(self, hours: Any = None, holidays: Any = (), tz: str = "UTC") -> None:
        self._week = _parse_hours(hours)
        self._holidays = _parse_holidays(holidays)
        self.tz = str(tz)
        self._zone: Any = None
        # the last zone table computed: (lo, hi, transitions, offsets); exact for [lo, hi]
        self._zone_cache: tuple[int, int, np.ndarray, np.ndarray] | None = None
        if self.tz.upper() != "UTC":
            import zoneinfo

            try:
                self._zone = zoneinfo.ZoneInfo(self.tz)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ParameterError(
                    f"BusinessCalendar: unknown time zone {tz!r}; use an IANA name such as "
                    "'Europe/Paris' or 'America/New_York'"
                ) from None
        week_us = sum(e - s for day in self._week for s, e in day)
        self._week_us = int(week_us)
        self._day_us = int(week_us // sum(1 for day in self._week if day))

    # --- description ------------------------------------------------------------------------
    @property
    def hours(self) -> dict[str, list[str]]:
        """Working intervals per weekday name (``"HH:MM:SS-HH:MM:SS"``), working days only."""

        def fmt(us: int) -> str:
            s = us // _US
            return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"

        return {
            _DAY_NAMES[d]: [f"{fmt(s)}-{fmt(e)}" for s, e in ivs]
            for d, ivs in enumerate(self._week)
            if ivs
        }

    @property
    def holidays(self) -> np.ndarray:
        """Holidays as sorted unique ``datetime64[D]`` local dates."""
        return np.array(self._holidays, copy=True)

    @property
    def day_length(self) -> np.timedelta64:
        """One business day: weekly working time ÷ number of working weekdays (8 h by default)."""
        return np.timedelta64(self._day_us, "us")

    @property
    def week_length(self) -> np.timedelta64:
        """Working time of a week without holidays (40 h by default)."""
        return np.timedelta64(self._week_us, "us")

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(hours={self.hours!r}, holidays={len(self._holidays)} dates, "
            f"tz={self.tz!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return (
            self._week == other._week
            and self.tz == other.tz
            and np.array_equal(self._holidays, other._holidays)
        )

    __hash__ = None  # type: ignore[assignment]

    # --- durations ----------------------------------------------------------------------------
    def business_duration(self, value: Any, *, name: str = "duration") -> np.timedelta64:
        """A duration measured in business time, as ``timedelta64[us]``.

        Strings count days as business days (:attr:`day_length`) and weeks as business weeks
        (:attr:`week_length`); hours, minutes and seconds are literal. ``timedelta`` and
        ``timedelta64`` values are literal business time. Zero is allowed, negatives are not.
        """
        us = int(parse_duration(value, name=name, allow_zero=True).astype(np.int64))
        if isinstance(value, str):
            us = business_duration_us(value, day_us=self._day_us, week_us=self._week_us)
        return np.timedelta64(us, "us")

    # --- zone ---------------------------------------------------------------------------------
    def _zone_table(self, lo_us: int, hi_us: int) -> tuple[np.ndarray, np.ndarray]:
        """Transitions (UTC µs) and offsets (µs, one more than transitions) over [lo, hi]."""
        if self._zone is None:
            return np.empty(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
        cached = self._zone_cache
        if cached is not None and cached[0] <= lo_us and hi_us <= cached[1]:
            return cached[2], cached[3]
        early = lo_us < _PY_FIRST_US + 2 * _DAY_US
        if early or hi_us > _PY_LAST_US - 2 * _DAY_US:
            raise ParameterError(
                f"BusinessCalendar(tz={self.tz!r}): {_ZONE_OUTSIDE}; the instants and their "
                f"working days reach {'before the year 1' if early else 'past the year 9999'}; "
                f"{_ZONE_FIX}"
            )
        zone = self._zone
        utc = _dt.timezone.utc
        epoch = _dt.datetime(1970, 1, 1, tzinfo=utc)

        def offset(us: int) -> int:
            moment = epoch + _dt.timedelta(microseconds=us)
            off = moment.astimezone(zone).utcoffset()
            assert off is not None
            return off // _dt.timedelta(microseconds=1)

        lo = (lo_us // _PROBE_US - 1) * _PROBE_US
        hi = (hi_us // _PROBE_US + 2) * _PROBE_US
        grid = list(range(lo, hi + 1, _PROBE_US))
        offs = [offset(g) for g in grid]
        trans: list[int] = []
        values = [offs[0]]
        for k in range(len(grid) - 1):  # loop over probe points (days), not rows
            if offs[k] != offs[k + 1]:
                a, b = grid[k], grid[k + 1]  # offset(a) old, offset(b) new
                while b - a > _US:
                    mid = a + (b - a) // 2 // _US * _US
                    if mid <= a:
                        break
                    if offset(mid) == offs[k]:
                        a = mid
                    else:
                        b = mid
                trans.append(b)
                values.append(offs[k + 1])
        out = np.array(trans, dtype=np.int64), np.array(values, dtype=np.int64)
        self._zone_cache = (lo + _PROBE_US, hi - _PROBE_US, out[0], out[1])
        return out

    @staticmethod
    def _local(utc_us: np.ndarray, table: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        trans, offs = table
        if trans.size <= 16:  # a few changes in range: one vectorised pass per change
            out = utc_us + offs[0]
            for j in range(trans.size):  # loop over DST transitions, not rows
                out += np.where(utc_us >= trans[j], offs[j + 1] - offs[j], 0)
            return np.asarray(out)
        return np.asarray(utc_us + offs[np.searchsorted(trans, utc_us, side="right")])

    @staticmethod
    def _utc(local_us: np.ndarray, table: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Local wall time → UTC: first occurrence in a fold, the jump instant in a gap."""
        trans, offs = table
        if trans.size == 0:
            return np.asarray(local_us - offs[0])
        old, new = offs[:-1], offs[1:]
        wall_key = trans + np.maximum(old, new)  # zoneinfo's fold=0 local transition times
        idx = np.searchsorted(wall_key, local_us, side="right")
        out = local_us - offs[idx]
        nxt = np.minimum(idx, trans.size - 1)
        in_gap = (idx < trans.size) & (new[nxt] > old[nxt]) & (local_us >= trans[nxt] + old[nxt])
        return np.where(in_gap, trans[nxt], out)

    def to_local(self, instants: Any) -> np.ndarray:
        """UTC instants → local wall-clock ``datetime64[us]`` (naive) in the calendar's zone."""
        t = _as_us(instants, "instants")
        if t.size == 0:
            return np.empty(t.shape, dtype=TIME_DTYPE)
        ok = t != _NAT
        if ok.all():  # fast path: no NaT, no masked copies
            table = self._zone_table(int(t.min()), int(t.max()))
            return np.asarray(self._local(t, table).view(TIME_DTYPE))
        out = np.full(t.shape, _NAT, dtype=np.int64)
        if ok.any():
            tv = t[ok]
            table = self._zone_table(int(tv.min()), int(tv.max()))
            out[ok] = self._local(tv, table)
        return out.view(TIME_DTYPE)

    def local_dates(self, instants: Any) -> np.ndarray:
        """Local calendar dates (``datetime64[D]``) of UTC instants; NaT stays NaT."""
        return self.to_local(instants).astype("datetime64[D]")

    def from_local(self, local: Any) -> np.ndarray:
        """Local wall-clock times (naive ``datetime64``) → UTC ``datetime64[us]``.

        A wall time that occurs twice is read as its first occurrence; one inside a
        spring-forward gap as the instant the clocks jump.
        """
        t = np.asarray(local, dtype=TIME_DTYPE).view(np.int64)
        ok = t != _NAT
        out = np.full(t.shape, _NAT, dtype=np.int64)
        if ok.any():
            lo, hi = int(t[ok].min()) - 2 * _DAY_US, int(t[ok].max()) + 2 * _DAY_US
            out[ok] = self._utc(t[ok], self._zone_table(lo, hi))
        return out.view(TIME_DTYPE)

    # --- windows -----------------------------------------------------------------------------
    def windows(self, start: Any, end: Any) -> tuple[np.ndarray, np.ndarray]:
        """Working windows (UTC ``datetime64[us]`` starts and ends) overlapping ``[start, end]``."""
        a = int(_as_us([start], "start")[0])
        b = int(_as_us([end], "end")[0])
        if a == _NAT or b == _NAT or b < a:
            raise ParameterError("BusinessCalendar.windows: need start <= end, both set")
        ws, we, _ = self._table(a, b)
        keep = (we > a) & (ws < b)
        return ws[keep].view(TIME_DTYPE), we[keep].view(TIME_DTYPE)

    def _table(self, lo_us: int, hi_us: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Windows covering every local date touching [lo, hi]: starts, ends (UTC µs), cumsum."""
        day0 = lo_us // _DAY_US - 2
        day1 = hi_us // _DAY_US + 2
        days = np.arange(day0, day1 + 1, dtype=np.int64)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        working = ~np.isin(days, self._holidays.astype(np.int64))
        starts: list[np.ndarray] = []
        ends: list[np.ndarray] = []
        for wd, ivs in enumerate(self._week):  # loop over weekdays and intervals only
            sel = days[working & (weekday == wd)] * _DAY_US
            for s, e in ivs:
                starts.append(sel + s)
                ends.append(sel + e)
        ls = np.concatenate(starts) if starts else np.empty(0, dtype=np.int64)
        le = np.concatenate(ends) if ends else np.empty(0, dtype=np.int64)
        order = np.argsort(ls, kind="stable")
        ls, le = ls[order], le[order]
        table = self._zone_table(lo_us - 2 * _DAY_US, hi_us + 2 * _DAY_US)
        ws = self._utc(ls, table)
        we = np.maximum(self._utc(le, table), ws)
        cum = np.zeros(ws.size + 1, dtype=np.int64)
        np.cumsum(we - ws, out=cum[1:])
        return ws, we, cum

    @staticmethod
    def _cumulative(t: np.ndarray, ws: np.ndarray, we: np.ndarray, cum: np.ndarray) -> np.ndarray:
        if ws.size == 0:
            return np.zeros(t.shape, dtype=np.int64)
        i = np.searchsorted(ws, t, side="right") - 1
        j = np.maximum(i, 0)
        inside = np.clip(t - ws[j], 0, we[j] - ws[j])
        return np.where(i < 0, 0, cum[j] + inside)

    # --- the two operations -------------------------------------------------------------------
    def elapsed(self, start: Any, end: Any, *, unit: Literal["s", "ms", "us"] = "s") -> np.ndarray:
        """Business time between instants, element-wise.

        Parameters
        ----------
        start, end : array-like of instants
            Anything :func:`alignment._time.as_utc_datetime64` reads (``datetime64``, aware
            datetimes, ISO strings, epoch seconds); broadcast against each other. ``NaT`` is
            allowed and gives ``NaT``.
        unit : {"s", "ms", "us"}
            Unit of the result; sub-unit remainders are truncated toward zero.

        Returns
        -------
        ndarray of timedelta64[unit]
            The sum of the overlaps of ``[start, end]`` with the working windows; negative
            (``−elapsed(end, start)``) when ``end < start``.
        """
        a = _as_us(start, "start")
        b = _as_us(end, "end")
        a, b = _broadcast(a, b, "start", "end")
        ok = (a != _NAT) & (b != _NAT)
        out = np.zeros(a.shape, dtype=np.int64)
        if ok.any():
            av, bv = a[ok], b[ok]
            lo = int(min(av.min(), bv.min()))
            hi = int(max(av.max(), bv.max()))
            ws, we, cum = self._table(lo, hi)
            out[ok] = self._cumulative(bv, ws, we, cum) - self._cumulative(av, ws, we, cum)
        div = {"s": _US, "ms": 1_000, "us": 1}[unit]
        res = np.sign(out) * (np.abs(out) // div)
        res[~ok] = _NAT
        return np.asarray(res.view(f"timedelta64[{unit}]"))

    def add(self, start: Any, duration: Any) -> np.ndarray:
        """The instant at which ``duration`` of business time has elapsed since ``start``.

        Parameters
        ----------
        start : array-like of instants
            ``NaT`` gives ``NaT``.
        duration : str, timedelta, timedelta64 or array of timedelta64
            Business time, >= 0 (see :meth:`business_duration` for strings: ``"1d"`` is one
            business day). Broadcast against ``start``.

        Returns
        -------
        ndarray of datetime64[us]
            The deadline: the earliest instant ``t >= start`` with ``elapsed(start, t) == duration``
            (a deadline at the end of a working window stays there, it does not jump to the next
            window).
        """
        a = _as_us(start, "start")
        if isinstance(duration, np.ndarray) and duration.dtype.kind == "m":
            if np.isnat(duration).any() or (duration < np.timedelta64(0)).any():
                raise ParameterError("BusinessCalendar.add: durations must be set and >= 0")
            d = duration.astype("timedelta64[us]").view(np.int64)
        else:
            d = np.asarray(self.business_duration(duration).astype(np.int64))
        a, d = _broadcast(a, d, "start", "duration")
        ok = a != _NAT
        out = np.full(a.shape, _NAT, dtype=np.int64)
        if not ok.any():
            return out.view(TIME_DTYPE)
        av, dv = a[ok], d[ok]
        lo, hi0 = int(av.min()), int(av.max())
        weeks = int(dv.max()) // self._week_us + 1
        span = (weeks + 1) * 7 * _DAY_US + int(self._holidays.size) * _DAY_US
        while True:  # grows the table until every deadline is inside it (a few rounds at most)
            ws, we, cum = self._table(lo, hi0 + span)
            target = self._cumulative(av, ws, we, cum) + dv
            if ws.size and int(target.max()) <= int(cum[-1]):
                break
            span *= 2
        k = np.searchsorted(cum[1:], target, side="left")
        deadline = ws[k] + (target - cum[k])
        out[ok] = np.where(dv == 0, av, np.maximum(deadline, av))
        return out.view(TIME_DTYPE)

    def _count_by_local_day(self, utc_us: np.ndarray, first_day: int, n_days: int) -> np.ndarray:
        """How many instants (int64 µs UTC, no NaT) fall on each local day ``first_day + i``.

        The instants are binned by a width ``g`` dividing every UTC offset, every transition's
        time of day and the day (15 min or 1 h for modern zones), so each bin lies inside one
        local day: one subtraction, one division and one ``bincount`` per instant.
        """
        if utc_us.size == 0:
            return np.zeros(n_days, dtype=np.int64)
        lo, hi = int(utc_us.min()), int(utc_us.max())
        trans, offs = self._zone_table(lo, hi)
        g = math.gcd(_DAY_US, *[int(o) for o in offs.tolist()])
        g = math.gcd(g, *[int(t) % _DAY_US for t in trans.tolist()])
        t0 = lo // g * g
        n_bins = (hi - t0) // g + 1
        if n_bins > 4 * utc_us.size + 1_000_000:  # odd zone: per-instant conversion is cheaper
            days = self._local(utc_us, (trans, offs)) // _DAY_US - first_day
        else:
            counts = np.bincount((utc_us - t0) // g, minlength=n_bins)
            starts = t0 + np.arange(n_bins, dtype=np.int64) * g
            days = self._local(starts, (trans, offs)) // _DAY_US - first_day
            keep = (days >= 0) & (days < n_days)
            return np.bincount(days[keep], weights=counts[keep], minlength=n_days).astype(np.int64)
        keep = (days >= 0) & (days < n_days)
        return np.bincount(days[keep], minlength=n_days)

    def _business_clock(self, lo_us: int, hi_us: int, max_duration_us: int = 0) -> _BusinessClock:
        """Cumulative business time valid on [lo, hi] and for deadlines up to max_duration after."""
        weeks = max_duration_us // self._week_us + 1
        span = (weeks + 1) * 7 * _DAY_US + int(self._holidays.size) * _DAY_US
        return _BusinessClock(*self._table(lo_us, hi_us + span))

    def is_working(self, instants: Any) -> np.ndarray:
        """Whether each instant falls inside a working window (``False`` for NaT)."""
        t = _as_us(instants, "instants")
        ok = t != _NAT
        out = np.zeros(t.shape, dtype=bool)
        if ok.any():
            tv = t[ok]
            ws, we, _ = self._table(int(tv.min()), int(tv.max()))
            if ws.size:
                i = np.searchsorted(ws, tv, side="right") - 1
                j = np.maximum(i, 0)
                out[ok] = (i >= 0) & (tv < we[j])
        return out


class _BusinessClock:
    """``F(t)``: business µs since the table's origin, and its inverse (deadlines).

    Used by :func:`alignment.sla.evaluate` to compute ``F`` once per lead and derive elapsed
    times and deadlines from it. Valid for instants inside the table it was built on.
    """

    def __init__(self, ws: np.ndarray, we: np.ndarray, cum: np.ndarray) -> None:
        self.ws, self.we, self.cum = ws, we, cum

    def F(self, t: np.ndarray) -> np.ndarray:
        return BusinessCalendar._cumulative(t, self.ws, self.we, self.cum)

    def deadline(self, start: np.ndarray, f_start: np.ndarray, duration_us: int) -> np.ndarray:
        """Earliest instant with ``duration_us`` business time since ``start`` (F(start) given)."""
        if duration_us == 0:
            return np.array(start, copy=True)
        target = f_start + duration_us
        if self.ws.size == 0 or (target.size and int(target.max()) > int(self.cum[-1])):
            raise ParameterError("internal: business clock table too short")  # pragma: no cover
        k = np.searchsorted(self.cum[1:], target, side="left")
        return np.asarray(np.maximum(self.ws[k] + (target - self.cum[k]), start))


def check_zone_range(
    calendar: BusinessCalendar | None,
    us: np.ndarray,
    *,
    column: str,
    table: str,
    positions: np.ndarray | None = None,
) -> None:
    """Refuse the instants (int64 µs, ``NaT`` allowed) of a column that a zoned ``calendar``
    will place in its zone but cannot: before :data:`ZONE_FIRST` or from :data:`ZONE_END`.

    Raises
    ------
    DataValidationError
        Naming ``table``, ``column``, the rows (``positions``: the caller's row of each
        instant, default its index) and the first such instant.
    """
    if calendar is None or calendar._zone is None or us.size == 0:
        return
    first, end = int(ZONE_FIRST.astype(np.int64)), int(ZONE_END.astype(np.int64))
    bad = (us != _NAT) & ((us < first) | (us >= end))
    reject_rows(
        bad,
        _ZONE_OUTSIDE,
        column=column,
        table=table,
        values=us.view(TIME_DTYPE),
        fix=_ZONE_FIX,
        positions=positions,
    )


def _as_us(values: Any, column: str) -> np.ndarray:
    """Instants → int64 microseconds (NaT → int64 min), any shape."""
    if isinstance(values, np.ndarray) and values.dtype == TIME_DTYPE:
        return values.view(np.int64)
    arr = np.asarray(values) if not isinstance(values, (str, _dt.datetime)) else np.array([values])
    if arr.ndim == 0:
        arr = arr.reshape(1)
    times, _ = as_utc_datetime64(arr.ravel(), column=column, allow_missing=True)
    return times.view(np.int64).reshape(arr.shape)
