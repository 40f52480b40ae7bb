"""Instants written as text: the formats of real exports, read once per distinct string.

Used by :mod:`alignment._time` (the rules are documented there and in ``docs/tables.md``).  The
common formats are matched by one regular expression and assembled with numpy (no ``datetime``
object per value); other ISO-8601 forms go through :meth:`datetime.datetime.fromisoformat`, and
``date_format`` through :meth:`datetime.datetime.strptime`.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["TextInstants", "parse_texts"]

#: kind of a parsed value: a wall time without offset (local), or an instant in UTC
NAIVE, AWARE = 1, 2
#: status of a value that could not be read
UNREADABLE, NEEDS_DAYFIRST, MISSING = -1, -2, -3

_TIME = (
    r"(?:(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"(?:\s*(?P<p>[AaPp])\.?[Mm]\.?)?)?"
)
_OFFSET = r"\s*(?P<z>[Zz]|[+-]\d{2}(?::?\d{2})?)?"
_FORMATS = re.compile(
    r"\s*(?:(?P<Y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"|(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}))" + _TIME + _OFFSET + r"\s*"
)
_MISSING_TEXT = frozenset({"", "NaT"})
_US_PER_S = 1_000_000


@dataclass(frozen=True, eq=False)
class TextInstants:
    """Distinct strings read: microseconds since 1970 (wall time or UTC) and a kind per value.

    ``kind`` is :data:`NAIVE` (``us`` is a wall time), :data:`AWARE` (``us`` is UTC), or a
    negative status (:data:`UNREADABLE`, :data:`NEEDS_DAYFIRST`, :data:`MISSING`).
    """

    us: np.ndarray  # int64
    kind: np.ndarray  # int8


def parse_texts(
    texts: Sequence[str], *, dayfirst: bool | None, date_format: str | None
) -> TextInstants:
    """Read distinct strings as instants (see the module rules); never raises for bad values."""
    n = len(texts)
    us = np.zeros(n, dtype=np.int64)
    kind = np.full(n, UNREADABLE, dtype=np.int8)
    missing = [i for i, s in enumerate(texts) if s.strip() in _MISSING_TEXT]
    kind[missing] = MISSING
    todo = [i for i in range(n) if kind[i] != MISSING]
    if date_format is not None:
        _parse_each(texts, todo, us, kind, lambda s: _dt.datetime.strptime(s.strip(), date_format))
        return TextInstants(us, kind)
    matched: list[int] = []
    groups: list[tuple[str | None, ...]] = []
    rest: list[int] = []
    match = _FORMATS.fullmatch
    for i in todo:
        m = match(texts[i])
        if m is None:
            rest.append(i)
        else:
            matched.append(i)
            groups.append(m.groups())
    if matched:
        _assemble(np.asarray(matched, dtype=np.int64), groups, dayfirst, us, kind)
    _parse_each(texts, rest, us, kind, _from_iso)
    return TextInstants(us, kind)


def _from_iso(s: str) -> _dt.datetime:
    s = s.strip()
    return _dt.datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s)


def _parse_each(
    texts: Sequence[str],
    positions: Sequence[int],
    us: np.ndarray,
    kind: np.ndarray,
    parse: Callable[[str], _dt.datetime],
) -> None:
    """The slow path: one ``datetime`` per distinct string (unreadable ones keep their status)."""
    for i in positions:
        try:
            value = parse(texts[i])
        except (ValueError, TypeError, OverflowError):
            continue
        us[i], kind[i] = datetime_us(value)


def datetime_us(value: _dt.datetime) -> tuple[int, int]:
    """Microseconds since 1970 of a ``datetime``: UTC when aware, the wall time when naive."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        return (value - _EPOCH_UTC) // _ONE_US, AWARE
    return (value.replace(tzinfo=None) - _EPOCH) // _ONE_US, NAIVE


_EPOCH = _dt.datetime(1970, 1, 1)
_EPOCH_UTC = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_ONE_US = _dt.timedelta(microseconds=1)


def _ints(col: Sequence[str | None], default: str = "0") -> np.ndarray:
    return np.array([default if v is None else v for v in col], dtype=np.int64)


def _assemble(
    where: np.ndarray,
    groups: list[tuple[str | None, ...]],
    dayfirst: bool | None,
    us: np.ndarray,
    kind: np.ndarray,
) -> None:
    """Matched strings to microseconds, checked field by field with numpy."""
    Y, m, d, a, sep, b, y, H, M, S, f, p, z = zip(*groups)
    slash = np.array([s == "/" for s in sep], dtype=bool)
    dotted = np.array([s == "." for s in sep], dtype=bool)
    iso = ~(slash | dotted)
    first, second = _ints(a), _ints(b)
    day_first = dotted | (slash & bool(dayfirst))
    year = np.where(iso, _ints(Y), _ints(y))
    month = np.where(iso, _ints(m), np.where(day_first, second, first))
    day = np.where(iso, _ints(d), np.where(day_first, first, second))
    hour, minute, sec = _ints(H), _ints(M), _ints(S)
    frac = np.array([0 if v is None else int((v + "00000")[:6]) for v in f], dtype=np.int64)
    ok = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (minute <= 59) & (sec <= 59)
    pm = np.array([v is not None and v in "Pp" for v in p], dtype=bool)
    twelve = np.array([v is not None for v in p], dtype=bool)
    ok &= np.where(twelve, (hour >= 1) & (hour <= 12), hour <= 23)
    hour = np.where(twelve, hour % 12 + 12 * pm, hour)
    offset, off_ok = _offsets(z)
    ok &= off_ok
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0)
    start = months.astype("datetime64[M]").astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[M]").astype("datetime64[D]") - start).astype(np.int64)
    ok &= day <= length
    days = start.astype(np.int64) + np.where(ok, day - 1, 0)
    seconds = days * 86_400 + (hour * 60 + minute) * 60 + sec - offset
    us[where] = seconds * _US_PER_S + frac
    has_offset = np.array([v is not None for v in z], dtype=bool)
    kind[where] = np.where(ok, np.where(has_offset, AWARE, NAIVE), UNREADABLE)
    if dayfirst is None:  # the day order is unknown: no slash date is read
        kind[where[slash]] = NEEDS_DAYFIRST


def _offsets(z: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Offsets east of UTC in seconds (0 for none or ``Z``) and whether each is valid."""
    seen: dict[str | None, tuple[int, bool]] = {}
    for v in set(z):
        if v is None or v in "Zz":
            seen[v] = (0, True)
            continue
        digits = v[1:].replace(":", "")
        hh, mm = int(digits[:2]), int(digits[2:] or 0)
        sign = -1 if v[0] == "-" else 1
        seen[v] = (sign * (hh * 3600 + mm * 60), hh < 24 and mm < 60)
    pairs = [seen[v] for v in z]
    return (
        np.array([s for s, _ in pairs], dtype=np.int64),
        np.array([g for _, g in pairs], dtype=bool),
    )


def day_order_hint(texts: Sequence[str]) -> str:
    """A hint on the day order from the slash dates seen (``"13/05/2024"`` must be day first)."""
    first_big = second_big = None
    for s in texts:
        m = _FORMATS.fullmatch(s)
        if m is None or m["sep"] != "/":
            continue
        if int(m["a"]) > 12 and first_big is None:
            first_big = s
        if int(m["b"]) > 12 and second_big is None:
            second_big = s
    if first_big and not second_big:
        return f" ({first_big!r} suggests dayfirst=True)"
    if second_big and not first_big:
        return f" ({second_big!r} suggests dayfirst=False)"
    return ""
