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
    r"|(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}))" + _TIME + _OFFSET + r"\s*",
    re.ASCII,  # digits 0-9 only (the fast path reads them as code points)
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
    rest = _fixed_width(texts, todo, dayfirst, us, kind)
    matched: list[int] = []
    groups: list[tuple[str | None, ...]] = []
    unmatched: list[int] = []
    match = _FORMATS.fullmatch
    for i in rest:
        m = match(texts[i])
        if m is None:
            unmatched.append(i)
        else:
            matched.append(i)
            groups.append(m.groups())
    if matched:
        where = np.asarray(matched, dtype=np.int64)
        _assemble(where, _fields_of_groups(groups), dayfirst, us, kind)
    _parse_each(texts, unmatched, us, kind, _from_iso)
    return TextInstants(us, kind)


#: a layout (length and non-digit characters) shared by at least this many strings is read
#: with numpy, without a regular expression per string
_MIN_LAYOUT = 16
_MAX_LAYOUTS = 4


def _fixed_width(
    texts: Sequence[str],
    todo: Sequence[int],
    dayfirst: bool | None,
    us: np.ndarray,
    kind: np.ndarray,
) -> list[int]:
    """Strings of a common layout read column-wise with numpy; returns the positions left.

    Strings of one length whose non-digit characters are the same (``"2024-03-05 14:22"``,
    ``"2024-03-06 09:05"``) have their fields at the same places: one representative is
    matched with the regular expression, the fields of all are read from its spans.
    """
    if len(todo) < _MIN_LAYOUT:
        return list(todo)
    positions = np.asarray(todo, dtype=np.int64)
    lengths = np.fromiter((len(texts[i]) for i in todo), dtype=np.int64, count=len(todo))
    done = np.zeros(positions.size, dtype=bool)
    for length in np.unique(lengths).tolist():  # loop over distinct lengths
        members = np.flatnonzero(lengths == length)
        if members.size < _MIN_LAYOUT or not 0 < length <= 40:
            continue
        chars = np.array([texts[i] for i in positions[members]], dtype=f"<U{length}")
        code = chars.view(np.uint32).reshape(members.size, length).astype(np.int64)
        digit = (code >= 48) & (code <= 57)
        layout = np.where(digit, -1, code)
        left = np.ones(members.size, dtype=bool)
        for _ in range(_MAX_LAYOUTS):  # loop over the distinct layouts of this length
            if left.sum() < _MIN_LAYOUT:
                break
            first = int(np.argmax(left))
            same = left & (layout == layout[first]).all(axis=1)
            left &= ~same
            m = _FORMATS.fullmatch(texts[int(positions[members[first]])])
            if m is None or same.sum() < _MIN_LAYOUT:
                continue
            rows = members[same]
            _assemble(positions[rows], _fields_of_spans(m, code[same] - 48), dayfirst, us, kind)
            done[rows] = True
    left_over: list[int] = positions[~done].tolist()
    return left_over


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


@dataclass(frozen=True, eq=False)
class _Fields:
    """Numeric fields of matched strings (``a``/``b``: the two day-month numbers in written
    order; ``sep`` 0 ISO, 1 slash, 2 dotted; ``twelve``/``pm`` the 12-hour clock)."""

    year: np.ndarray
    a: np.ndarray
    b: np.ndarray
    sep: np.ndarray
    hour: np.ndarray
    minute: np.ndarray
    second: np.ndarray
    frac: np.ndarray  # microseconds
    twelve: np.ndarray
    pm: np.ndarray
    offset: np.ndarray  # seconds east of UTC
    has_offset: np.ndarray
    offset_ok: np.ndarray


_SEP = {None: 0, "/": 1, ".": 2}


def _ints(col: Sequence[str | None]) -> np.ndarray:
    return np.array(["0" if v is None else v for v in col], dtype=np.int64)


def _fields_of_groups(groups: list[tuple[str | None, ...]]) -> _Fields:
    """Fields of regular-expression matches (one tuple of groups per string)."""
    Y, m, d, a, sep, b, y, H, M, S, f, p, z = zip(*groups)
    sep_code = np.array([_SEP[s] for s in sep], dtype=np.int8)
    iso = sep_code == 0
    offset, offset_ok = _offsets(z)
    return _Fields(
        year=np.where(iso, _ints(Y), _ints(y)),
        a=np.where(iso, _ints(m), _ints(a)),  # ISO: month then day
        b=np.where(iso, _ints(d), _ints(b)),
        sep=sep_code,
        hour=_ints(H),
        minute=_ints(M),
        second=_ints(S),
        frac=np.array([0 if v is None else int((v + "00000")[:6]) for v in f], dtype=np.int64),
        twelve=np.array([v is not None for v in p], dtype=bool),
        pm=np.array([v is not None and v in "Pp" for v in p], dtype=bool),
        offset=offset,
        has_offset=np.array([v is not None for v in z], dtype=bool),
        offset_ok=offset_ok,
    )


def _fields_of_spans(m: re.Match[str], digits: np.ndarray) -> _Fields:
    """Fields of strings laid out like the match ``m``, read from their digit codes."""
    n = digits.shape[0]

    def number(group: str, start: int | None = None, end: int | None = None) -> np.ndarray:
        lo, hi = m.span(group)
        lo, hi = (lo if start is None else start), (hi if end is None else end)
        if lo < 0 or hi <= lo:
            return np.zeros(n, dtype=np.int64)
        return digits[:, lo:hi] @ (10 ** np.arange(hi - lo - 1, -1, -1, dtype=np.int64))

    iso = m["Y"] is not None
    frac = number("f")
    width = len(m["f"] or "")
    frac = frac * 10 ** (6 - width) if width <= 6 else frac // 10 ** (width - 6)
    z = m["z"]
    offset = np.zeros(n, dtype=np.int64)
    offset_ok = np.ones(n, dtype=bool)
    if z is not None and z not in "Zz":
        lo, hi = m.span("z")
        hh = number("z", lo + 1, lo + 3)
        mm = number("z", hi - 2, hi) if hi - lo > 3 else np.zeros(n, dtype=np.int64)
        offset = (-1 if z[0] == "-" else 1) * (hh * 3600 + mm * 60)
        offset_ok = (hh < 24) & (mm < 60)
    p = m["p"]
    return _Fields(
        year=number("Y" if iso else "y"),
        a=number("m" if iso else "a"),
        b=number("d" if iso else "b"),
        sep=np.full(n, _SEP[m["sep"]], dtype=np.int8),
        hour=number("H"),
        minute=number("M"),
        second=number("S"),
        frac=frac,
        twelve=np.full(n, p is not None),
        pm=np.full(n, p is not None and p in "Pp"),
        offset=offset,
        has_offset=np.full(n, z is not None),
        offset_ok=offset_ok,
    )


def _assemble(
    where: np.ndarray, f: _Fields, dayfirst: bool | None, us: np.ndarray, kind: np.ndarray
) -> None:
    """Fields to microseconds, checked with numpy; the kind of each string set."""
    slash = f.sep == 1
    day_first = (f.sep == 2) | (slash & bool(dayfirst))
    month = np.where(day_first, f.b, f.a)
    day = np.where(day_first, f.a, f.b)
    ok = (f.year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    ok &= (f.minute <= 59) & (f.second <= 59) & f.offset_ok
    ok &= np.where(f.twelve, (f.hour >= 1) & (f.hour <= 12), f.hour <= 23)
    hour = np.where(f.twelve, f.hour % 12 + 12 * f.pm, f.hour)
    months = np.where(ok, (f.year - 1970) * 12 + month - 1, 0)
    start = months.astype("datetime64[M]").astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[M]").astype("datetime64[D]") - start).astype(np.int64)
    ok &= day <= length
    days = start.astype(np.int64) + np.where(ok, day - 1, 0)
    seconds = days * 86_400 + (hour * 60 + f.minute) * 60 + f.second - f.offset
    us[where] = seconds * _US_PER_S + f.frac
    kind[where] = np.where(ok, np.where(f.has_offset, AWARE, NAIVE), UNREADABLE)
    if dayfirst is None:  # the day order is unknown: no slash date is read
        kind[where[slash]] = NEEDS_DAYFIRST


def _offsets(z: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Offsets east of UTC in seconds (0 for none or ``Z``) and whether each is valid."""
    seen: dict[str | None, tuple[int, bool]] = {}
    for v in set(z):  # few distinct offsets
        if v is None or v in "Zz":
            seen[v] = (0, True)
            continue
        digits = v[1:].replace(":", "")
        hh, mm = int(digits[:2]), int(digits[2:] or 0)
        seen[v] = ((-1 if v[0] == "-" else 1) * (hh * 3600 + mm * 60), hh < 24 and mm < 60)
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
