"""Instants written as text: the formats of real exports, read with numpy.

Used by :mod:`alignment._time` (the rules are documented there and in ``docs/tables.md``).  The
common formats are matched by one regular expression.  Strings are read column-wise from their
UTF-8 bytes: the strings of one length whose non-digit characters are the same
(``"2024-03-05T14:22:05.000+0000"``, ``"3/5/2024 2:22 PM"``) have their fields at the same
places, so one representative is matched with the regular expression and the digits of all are
read from its spans as a ``(rows, length)`` byte matrix, every row checked (digits where the
layout has digits, month, day, hour ... in range).  The rest (a rare layout, a character beyond
ASCII) is read one distinct string at a time with the same expression, other ISO-8601 forms
through :meth:`datetime.datetime.fromisoformat`, and ``date_format`` through
:meth:`datetime.datetime.strptime`.  Both ways give the same instants and refuse the same
strings.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._parallel import run_both

__all__ = [
    "PAD",
    "TextInstants",
    "Utf8Text",
    "calendar_date",
    "padded_bytes",
    "parse_texts",
    "parse_utf8",
]

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
    re.ASCII,  # digits 0-9 only (the byte path reads them as code points)
)
_MISSING_TEXT = frozenset({"", "NaT"})
_US_PER_S = 1_000_000


@dataclass(frozen=True, eq=False)
class TextInstants:
    """Strings read: microseconds since 1970 (wall time or UTC) and a kind per value.

    ``kind`` is :data:`NAIVE` (``us`` is a wall time), :data:`AWARE` (``us`` is UTC), or a
    negative status (:data:`UNREADABLE`, :data:`NEEDS_DAYFIRST`, :data:`MISSING`).
    """

    us: np.ndarray  # int64
    kind: np.ndarray  # int8


@dataclass(frozen=True, eq=False)
class Utf8Text:
    """A column of strings as UTF-8 bytes (Arrow's layout, numpy arrays only).

    Row ``i`` is ``data[offsets[i]:offsets[i + 1]]``; ``null`` marks the rows without a value
    (their bytes are not read).  Never changed once made.  :mod:`alignment._time` reads the
    strings of such a column trimmed, as the text cells of a file are.
    """

    data: np.ndarray  # uint8
    offsets: np.ndarray  # int64, one more than the rows
    null: np.ndarray  # bool

    @classmethod
    def from_strings(cls, texts: Sequence[str]) -> Utf8Text:
        """The bytes of Python strings (lone surrogates kept, as ``surrogatepass`` writes them)."""
        n = len(texts)
        joined = "".join(texts)
        if joined.isascii():
            data = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
            lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
        else:
            encoded = [s.encode("utf-8", "surrogatepass") for s in texts]
            data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
            lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(data, offsets, np.zeros(n, dtype=bool))

    def __len__(self) -> int:
        return int(self.null.size)

    @property
    def size(self) -> int:
        """Number of rows."""
        return len(self)

    def __getitem__(self, row: int) -> str | None:
        """The string of one row (``None`` when null)."""
        return self.strings(np.array([row], dtype=np.int64))[0]

    def strings(self, rows: np.ndarray) -> list[str | None]:
        """The strings of ``rows`` (positions), ``None`` where null."""
        rows = np.arange(len(self))[rows]  # (negative positions too)
        buf = self.data.tobytes() if rows.size > 64 else None
        out: list[str | None] = []
        for r, lo, hi in zip(  # a loop over the rows asked for (the slow path's)
            rows.tolist(), self.offsets[rows].tolist(), self.offsets[rows + 1].tolist()
        ):
            raw = buf[lo:hi] if buf is not None else self.data[lo:hi].tobytes()
            out.append(None if self.null[r] else raw.decode("utf-8", "surrogatepass"))
        return out

    def to_objects(self) -> np.ndarray:
        """Every row as a Python string (``None`` where null), an object array."""
        out = np.empty(len(self), dtype=object)
        out[:] = self.strings(np.arange(len(self)))
        return out


def parse_texts(
    texts: Sequence[str],
    *,
    dayfirst: bool | None,
    date_format: str | None,
    by_value: bool = False,
) -> TextInstants:
    """Read distinct strings as instants (see the module rules); never raises for bad values.

    ``by_value`` reads each string on its own (the reference the byte path is tested against).
    """
    n = len(texts)
    us = np.zeros(n, dtype=np.int64)
    kind = np.full(n, UNREADABLE, dtype=np.int8)
    if date_format is not None:
        todo = _mark_missing(texts, range(n), kind)
        _parse_each(texts, todo, us, kind, lambda s: _dt.datetime.strptime(s.strip(), date_format))
        return TextInstants(us, kind)
    if by_value or n < _MIN_LAYOUT:
        rest: Sequence[int] = range(n)
    else:
        rest = _parse_bytes(Utf8Text.from_strings(texts), dayfirst, us, kind).tolist()
    _parse_strings(texts, _mark_missing(texts, rest, kind), dayfirst, us, kind)
    return TextInstants(us, kind)


def parse_utf8(text: Utf8Text, *, dayfirst: bool | None, strip: bool = False) -> TextInstants:
    """Read every row of ``text`` (null rows: :data:`MISSING`); ``strip`` trims each string
    first (what a reader of exports does), which only matters to the strings read one by one."""
    n = len(text)
    us = np.zeros(n, dtype=np.int64)
    kind = np.full(n, UNREADABLE, dtype=np.int8)
    kind[text.null] = MISSING
    rest = _parse_bytes(text, dayfirst, us, kind)
    if rest.size:  # the rows left, read once per distinct string
        strings = [s.strip() if strip else s for s in text.strings(rest) if s is not None]
        index: dict[str, int] = {}
        inverse = np.fromiter(
            (index.setdefault(s, len(index)) for s in strings), dtype=np.int64, count=len(strings)
        )
        read = parse_texts(list(index), dayfirst=dayfirst, date_format=None, by_value=True)
        us[rest], kind[rest] = read.us[inverse], read.kind[inverse]
    return TextInstants(us, kind)


def _mark_missing(texts: Sequence[str], todo: Sequence[int], kind: np.ndarray) -> list[int]:
    """Blank and ``"NaT"`` strings marked missing; returns the others."""
    rest: list[int] = []
    for i in todo:  # a loop over the distinct strings the byte path left
        if texts[i].strip() in _MISSING_TEXT:
            kind[i] = MISSING
        else:
            rest.append(i)
    return rest


def _parse_strings(
    texts: Sequence[str],
    todo: Sequence[int],
    dayfirst: bool | None,
    us: np.ndarray,
    kind: np.ndarray,
) -> None:
    """The regular expression on each string, then ``fromisoformat`` on those it leaves."""
    matched: list[int] = []
    groups: list[tuple[str | None, ...]] = []
    unmatched: list[int] = []
    match = _FORMATS.fullmatch
    for i in todo:
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


#: a layout (length and non-digit characters) shared by at least this many strings is read
#: from the bytes; longer strings, and the layouts beyond the first few of one length, are read
#: one by one
_MIN_LAYOUT = 16
_MAX_LAYOUTS = 8
_MAX_WIDTH = 40
#: rows read at once: the byte matrices and their temporaries stay a few megabytes, which the
#: allocator reuses from one chunk to the next (tens of megabytes would be mapped afresh, and
#: their pages faulted in, for every chunk)
_CHUNK = 1 << 18


def _parse_bytes(
    text: Utf8Text, dayfirst: bool | None, us: np.ndarray, kind: np.ndarray
) -> np.ndarray:
    """Rows of the common layouts read from their bytes (empty strings and null rows:
    missing); returns the rows left to read one by one (not null)."""
    key = _width_keys(text)
    kind[key == 0] = MISSING
    left = key > 0
    counts = np.bincount(key, minlength=_MAX_WIDTH + 2)
    widths = [w for w in range(1, _MAX_WIDTH + 1) if counts[w] >= _MIN_LAYOUT]
    if not widths:
        return np.flatnonzero(left)
    # rows are read 8 bytes at a time: the bytes after a row's end are zeroed after reading
    data = padded_bytes(text.data)
    chunks: list[tuple[int, np.ndarray]] = []
    for width in widths:  # a loop over lengths
        rows = np.flatnonzero(key == width)
        chunks += [(width, rows[lo : lo + _CHUNK]) for lo in range(0, rows.size, _CHUNK)]

    def read(some: list[tuple[int, np.ndarray]]) -> None:
        for width, part in some:  # a loop over chunks of rows (each writes its own rows)
            chars = _byte_matrix(data, text.offsets[part], width)
            left[part[_read_layouts(chars, width, part, dayfirst, us, kind)]] = False

    if len(chunks) > 1:  # (the chunks taken in turn by two threads: numpy releases the GIL)
        run_both(lambda: read(chunks[::2]), lambda: read(chunks[1::2]))
    else:
        read(chunks)
    return np.flatnonzero(left)


def _width_keys(text: Utf8Text) -> np.ndarray:
    """Each row's length in bytes as ``uint8``: 0 for an empty string or a null row, and
    ``_MAX_WIDTH + 1`` for any string longer than ``_MAX_WIDTH``."""
    lengths = np.diff(text.offsets)
    np.minimum(lengths, _MAX_WIDTH + 1, out=lengths)
    key = lengths.astype(np.uint8)
    key[text.null] = 0
    return key


#: zero bytes after the last string that :func:`_byte_matrix` may read
PAD = _MAX_WIDTH + 8


def padded_bytes(data: np.ndarray) -> np.ndarray:
    """``data`` followed by at least :data:`PAD` readable bytes (of any value): a view of
    the array it is a view of when that array holds them already, else a copy."""
    base = data.base
    if isinstance(base, np.ndarray) and base.dtype == np.uint8 and base.ndim == 1:
        start = data.ctypes.data - base.ctypes.data
        fits = base.flags.c_contiguous and data.flags.c_contiguous
        if fits and 0 <= start and start + data.size + PAD <= base.size:
            out: np.ndarray = base[start : start + data.size + PAD]
            return out
    return np.concatenate([data, np.zeros(PAD, dtype=np.uint8)])


def _byte_matrix(data: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """The ``width`` bytes from each start, zero-padded to a multiple of 8 columns."""
    padded = -(-width // 8) * 8
    # every run of ``padded`` bytes as one item: gathering copies whole rows
    runs = np.ndarray((data.size - padded + 1,), dtype=f"V{padded}", buffer=data, strides=(1,))
    chars: np.ndarray = runs[starts].view(np.uint8).reshape(starts.size, padded)
    if width < padded:  # (the bytes past the end all in the last word: one AND of words)
        keep = np.zeros(8, dtype=np.uint8)
        keep[: width - padded + 8] = 0xFF
        chars.view(np.uint64)[:, -1] &= keep.view(np.uint64)[0]
    return chars


def _layout_words(chars: np.ndarray) -> np.ndarray:
    """The layout of each string: its bytes with every ASCII digit made ``"0"``, as 8-byte words.

    Arithmetic on the bytes (``c - (c - 48)`` where ``c`` is a digit, ``c`` elsewhere): three
    passes of byte arithmetic, without the masked select of ``numpy.where``.
    """
    shift = chars - np.uint8(48)  # (wraps around below "0": only digits are under 10)
    shift *= shift < 10
    layout: np.ndarray = (chars - shift).view(np.uint64)
    return layout


def _read_layouts(
    chars: np.ndarray,
    width: int,
    rows: np.ndarray,
    dayfirst: bool | None,
    us: np.ndarray,
    kind: np.ndarray,
) -> np.ndarray:
    """Strings of one length read layout by layout; returns which of ``rows`` were read.

    ``chars``: their bytes, zero-padded to a multiple of 8 columns (compared 8 at a time).  A
    string with a byte beyond ASCII never matches the regular expression, nor shares the
    layout of one that does.
    """
    layout = _layout_words(chars)
    left = np.ones(rows.size, dtype=bool)
    done = np.zeros(rows.size, dtype=bool)
    for _ in range(_MAX_LAYOUTS):  # a loop over the distinct layouts of this length
        first = int(np.argmax(left))
        if not left[first]:
            break
        same = layout[:, 0] == layout[first, 0]
        for j in range(1, layout.shape[1]):  # a loop over 8-byte words
            same &= layout[:, j] == layout[first, j]
        same &= left
        left &= ~same
        n_same = int(np.count_nonzero(same))
        m = _FORMATS.fullmatch(chars[first, :width].tobytes().decode("utf-8", "replace"))
        if m is None or n_same < _MIN_LAYOUT:
            continue
        if n_same == rows.size:  # (one layout: no copy)
            _assemble(rows, _fields_of_spans(m, chars), dayfirst, us, kind)
            return np.ones(rows.size, dtype=bool)
        picked = np.flatnonzero(same)
        _assemble(rows[picked], _fields_of_spans(m, _rows_of(chars, picked)), dayfirst, us, kind)
        done |= same
    return done


def _rows_of(chars: np.ndarray, picked: np.ndarray) -> np.ndarray:
    """The rows ``picked`` (positions) of a byte matrix, each copied as one item."""
    items = chars.view(f"V{chars.shape[1]}").reshape(chars.shape[0])
    out: np.ndarray = items[picked].view(np.uint8).reshape(picked.size, chars.shape[1])
    return out


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
    """Numeric fields of matched strings, int32 (``a``/``b``: the two day-month numbers in
    written order; ``sep`` 0 ISO, 1 slash, 2 dotted; ``twelve``/``pm`` the 12-hour clock).
    ``sep``, ``twelve``, ``pm``, ``has_offset`` and ``offset_ok`` are 0-d when shared by all."""

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
    return np.array(["0" if v is None else v for v in col], dtype=np.int32)


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
        frac=np.array([0 if v is None else int((v + "00000")[:6]) for v in f], dtype=np.int32),
        twelve=np.array([v is not None for v in p], dtype=bool),
        pm=np.array([v is not None and v in "Pp" for v in p], dtype=bool),
        offset=offset,
        has_offset=np.array([v is not None for v in z], dtype=bool),
        offset_ok=offset_ok,
    )


def _fields_of_spans(m: re.Match[str], chars: np.ndarray) -> _Fields:
    """Fields of strings laid out like the match ``m``, read from their bytes (ASCII)."""
    n = chars.shape[0]

    def number(group: str, start: int | None = None, end: int | None = None) -> np.ndarray:
        lo, hi = m.span(group)
        lo, hi = (lo if start is None else start), (hi if end is None else end)
        if lo < 0 or hi <= lo:
            return np.zeros(n, dtype=np.int32)
        out = chars[:, lo].astype(np.int32 if hi - lo <= 8 else np.int64)
        for j in range(lo + 1, hi):  # a loop over the digits of one field
            out *= 10
            out += chars[:, j]
        out -= _ZEROS[hi - lo]
        return out.astype(np.int32, copy=False)

    iso = m["Y"] is not None
    frac = number("f")
    width = len(m["f"] or "")
    frac = frac * 10 ** (6 - width) if width <= 6 else frac // 10 ** (width - 6)
    z = m["z"]
    offset = np.zeros(n, dtype=np.int32)
    offset_ok = np.array(True)
    if z is not None and z not in "Zz":
        lo, hi = m.span("z")
        hh = number("z", lo + 1, lo + 3)
        mm = number("z", hi - 2, hi) if hi - lo > 3 else np.zeros(n, dtype=np.int32)
        offset = (-1 if z[0] == "-" else 1) * (hh * 3600 + mm * 60)
        offset_ok = (hh < 24) & (mm < 60)
    p = m["p"]
    return _Fields(
        year=number("Y" if iso else "y"),
        a=number("m" if iso else "a"),
        b=number("d" if iso else "b"),
        sep=np.array(_SEP[m["sep"]], dtype=np.int8),
        hour=number("H"),
        minute=number("M"),
        second=number("S"),
        frac=frac,
        twelve=np.array(p is not None),
        pm=np.array(p is not None and p in "Pp"),
        offset=offset,
        has_offset=np.array(z is not None),
        offset_ok=offset_ok,
    )


#: the value of k "0" characters read as a k-digit number (subtracted once per field)
_ZEROS = [48 * int("1" * k) if k else 0 for k in range(10)]
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int32)
_DAYS_BEFORE_MONTH = np.concatenate([[0], np.cumsum(_MONTH_DAYS)[:-1]]).astype(np.int32)
_YEARS = np.arange(10_000, dtype=np.int64)
#: per year 0-9999: whether it is a leap year, and its first day (days since 1970, proleptic
#: Gregorian calendar)
_LEAP = (_YEARS % 4 == 0) & ((_YEARS % 100 != 0) | (_YEARS % 400 == 0))
_YEAR_START = (_YEARS - 1) * 365 + (_YEARS - 1) // 4 - (_YEARS - 1) // 100 + (_YEARS - 1) // 400
_YEAR_START = (_YEAR_START - 719_162).astype(np.int32)  # (days from 0001-01-01 to 1970-01-01)


def _pick(cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``numpy.where``, without a pass when ``cond`` is one value for all."""
    if cond.ndim == 0:
        return a if bool(cond) else b
    return np.where(cond, a, b)


def _assemble(
    where: np.ndarray, f: _Fields, dayfirst: bool | None, us: np.ndarray, kind: np.ndarray
) -> None:
    """Fields to microseconds, checked with numpy; the kind of each string set."""
    slash = f.sep == 1
    day_first = (f.sep == 2) | (slash & bool(dayfirst))
    month, day = _pick(day_first, f.b, f.a), _pick(day_first, f.a, f.b)
    ok = (f.year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    ok &= (f.minute <= 59) & (f.second <= 59) & f.offset_ok
    ok &= _pick(f.twelve, (f.hour >= 1) & (f.hour <= 12), f.hour <= 23)
    twelve_hour = np.where(f.hour == 12, 0, f.hour) + 12 * f.pm if f.twelve.any() else f.hour
    hour = _pick(f.twelve, twelve_hour, f.hour)
    m0 = np.clip(month, 1, 12) - 1
    leap = _LEAP[f.year]  # (four digits: 0-9999)
    ok &= day <= _MONTH_DAYS[m0] + (leap & (m0 == 1))
    days = _YEAR_START[f.year] + _DAYS_BEFORE_MONTH[m0] + (leap & (m0 >= 2))
    days += np.where(ok, day - 1, 0)
    seconds = days.astype(np.int64) * 86_400 + ((hour * 60 + f.minute) * 60 + f.second - f.offset)
    us[where] = seconds * _US_PER_S + f.frac
    kind[where] = np.where(ok, _pick(f.has_offset, np.int8(AWARE), np.int8(NAIVE)), UNREADABLE)
    if dayfirst is None:  # the day order is unknown: no slash date is read
        kind[where[np.broadcast_to(slash, where.shape)]] = NEEDS_DAYFIRST


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
        np.array([s for s, _ in pairs], dtype=np.int32),
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


_ISO_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?=$|[T ])")


def calendar_date(value: Any) -> _dt.date:
    """A calendar date (a holiday, the first day of a period): the date *as written*.

    A ``date``, a ``datetime`` (its own date: an aware one keeps its local date, not its
    UTC date), a ``numpy.datetime64`` (a UTC instant: its UTC date) or a text read as the
    instants are read (``"2024-07-14"``, ``"2024-07-14T22:00-05:00"`` is 14 July, the date as
    written; ``"14.07.2024"``).  Numbers and bools are refused: ``20240714`` is not a date.

    Raises
    ------
    ValueError
        The value is not a date (the message names it and the forms accepted).
    """
    if isinstance(value, _dt.date) and value == value:  # (pandas' NaT is unequal to itself)
        return value.date() if isinstance(value, _dt.datetime) else value
    if isinstance(value, np.datetime64) and not np.isnat(value):
        return _dt.date.fromisoformat(str(value.astype("datetime64[D]")))
    if isinstance(value, str):
        text = value.strip()
        read = parse_texts([text], dayfirst=None, date_format=None)
        kind, us = int(read.kind[0]), int(read.us[0])
        iso = _ISO_DAY.match(text)
        if kind == AWARE and iso is not None:
            return _dt.date.fromisoformat(iso.group(1))
        if kind == NAIVE:
            return _dt.date(1970, 1, 1) + _dt.timedelta(microseconds=us)
    raise ValueError(
        f"cannot read {value!r} ({type(value).__name__}) as a calendar date; give a date, a "
        "datetime or a text such as '2024-07-14' (numbers are not read as dates)"
    )
