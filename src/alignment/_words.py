"""Strings read as 64-bit *words* that keep their order, from the bytes a column holds.

Arrow's layout (one UTF-8 buffer and the offset of each string in it: pandas' Arrow-backed
strings, Polars' strings, PyArrow arrays), Arrow's string views and numpy's fixed-width unicode
cells.  Each string is read as a few words: big-endian bytes, zero-padded (plus the length when
the padding could be ambiguous), or, for numpy cells, three code points per word.  Comparing
the words of two strings one after the other compares the strings (UTF-8 byte order is
code-point order, which is Python's).  :mod:`._strings` factorises the strings from them.

Strings of one byte length stored one after the other (as ids of one format are) have their
words read in place, at a fixed stride, rather than gathered.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "MAX_WORDS",
    "FixedWidth",
    "WordFn",
    "Words",
    "ascii_text",
    "ascii_words",
    "byte_words",
    "fixed_width",
    "inline_views",
    "long_view_words",
    "runs_words",
    "unicode_words",
    "view_words",
]

_CHUNK = 1 << 20
_BLOCK = 1 << 16  # rows per block of the element-wise passes (their temporaries stay in cache)

WordFn = Callable[[int, "np.ndarray | slice | None"], np.ndarray]
"""``word(i, rows)``: word ``i`` of the given rows (an index array, a slice of rows, or
``None``: every row), ``uint64``, a fresh array."""


class Words(NamedTuple):
    """How to read a column's strings as words."""

    word: WordFn
    n_words: int
    canonical: bool
    """One word per string in the layout every column shares (at most 7 UTF-8 bytes,
    big-endian, the length in the last byte): comparable between columns."""
    length_word: bool = False
    """The last word is the string's length (otherwise, for strings of several words, the
    strings all have :attr:`one_length` bytes, or hold no zero byte: the length is the number
    of bytes that are not zero)."""
    one_length: int = 0
    """The byte length of every string, when they all have one (``0`` otherwise)."""


MAX_WORDS = 8
"""Longer strings (more than 64 bytes, or 24 code points) are left to the caller's fallback."""

_STR_LEN: Callable[[np.ndarray], np.ndarray] | None = getattr(
    getattr(np, "strings", None), "str_len", None
)  # (numpy 2 on: the length of each unicode cell, its trailing NULs left out)

# _KEEP[r]: the r leading bytes of a big-endian word
_KEEP = np.array(
    [0] + [((1 << (8 * r)) - 1) << (8 * (8 - r)) for r in range(1, 9)], dtype=np.uint64
)


def _by_chunks(
    block: Callable[[Any], np.ndarray], n: int, rows: np.ndarray | slice | None
) -> np.ndarray:
    """``block(sel)`` over all ``n`` rows (``rows=None``), over a slice of them, or over
    ``rows``, a chunk of rows at a time (``sel``: a slice, or a chunk of ``rows``): bounded
    temporaries, one output array."""
    if isinstance(rows, slice):  # (a block of rows: its temporaries are small)
        return block(rows)
    m = n if rows is None else rows.size
    out = np.empty(m, dtype=np.uint64)
    for c0 in range(0, m, _CHUNK):
        c1 = min(m, c0 + _CHUNK)
        out[c0:c1] = block(slice(c0, c1) if rows is None else rows[c0:c1])
    return out


def _max_length(starts: np.ndarray, ends: np.ndarray) -> int:
    """The longest of the strings ``starts[r] : ends[r]`` (0 for none), in chunks."""
    out = 0
    for c0 in range(0, starts.size, _CHUNK):
        c1 = c0 + _CHUNK
        out = max(out, int(np.max(ends[c0:c1] - starts[c0:c1])))
    return out


def byte_words(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> Words | None:
    """Words of byte strings ``data[starts[r] : ends[r]]`` (Arrow's layout).

    ``starts`` and ``ends`` are integer arrays (for a whole Arrow array: its offsets without the
    last, and without the first).

    Word ``i`` holds bytes ``8i … 8i+7`` big-endian, zero-padded.  Strings of at most 7 bytes
    fit in one word with their length in the last byte.  Longer ones get one word per 8 bytes,
    plus their length as a last word when a zero byte occurs in the data (zero padding would
    otherwise not tell ``"a"`` from ``"a\\x00"``).

    Returns
    -------
    Words or None
        ``None`` when a string is longer than ``8 * MAX_WORDS`` bytes.
    """
    data = np.asarray(data, dtype=np.uint8)
    max_len = _max_length(starts, ends)
    if max_len > 8 * MAX_WORDS:
        return None
    reader, block = _reader(data, max_len)
    n_bytes = max(1, -(-max_len // 8))
    one_length = _fixed_width(starts, ends, max_len)
    # (strings of one length need no length word: none is another's zero-padded prefix)
    with_length = max_len > 7 and not one_length and not bool(data.all())

    def word(i: int, rows: np.ndarray | slice | None) -> np.ndarray:
        if fixed is None:
            return _by_chunks(lambda sel: block(i, starts[sel], ends[sel]), starts.size, rows)
        return fixed.word(i, rows, starts.size)

    fixed = FixedWidth(reader, block, int(starts[0]), max_len) if one_length else None
    return Words(word, n_bytes + int(with_length), max_len <= 7, with_length, max_len * one_length)


Block = Callable[[int, np.ndarray, np.ndarray], np.ndarray]
"""``block(i, starts, ends)``: word ``i`` of the strings ``data[starts[r] : ends[r]]``."""


def _reader(data: np.ndarray, max_len: int) -> tuple[np.ndarray, Block]:
    """Every 8-byte window of a byte buffer, read in place (native order), and the general
    reader of a word of strings of at most ``max_len`` bytes in it (:func:`byte_words`)."""
    if data.size < 8:  # (the strided reader needs 8 bytes)
        data = np.concatenate([data, np.zeros(8, dtype=np.uint8)])
    reader = np.ndarray((data.size - 7,), dtype=np.uint64, buffer=data, strides=(1,))
    last = data.size - 8
    n_bytes = max(1, -(-max_len // 8))
    short = max_len <= 7

    def block(i: int, st: np.ndarray, en: np.ndarray) -> np.ndarray:
        ln: np.ndarray = np.subtract(en, st, dtype=np.int64)
        if i == n_bytes:  # the length word
            return ln.view(np.uint64)
        pos = st + np.int64(8 * i)  # (int64: also for 32-bit offsets)
        tail = np.flatnonzero(pos > last)  # (windows past the buffer's end: the last strings)
        shift = np.minimum(pos[tail] - last, 7).astype(np.uint64) * np.uint64(8)
        pos[tail] = last
        w = reader[pos]
        w.byteswap(inplace=True)  # big-endian: the first byte is the most significant
        w[tail] <<= shift
        w &= _KEEP[np.clip(ln - 8 * i, 0, 8) if max_len > 8 else ln]
        if short:
            w |= ln.view(np.uint64)  # (lengths are int64 >= 0)
        out: np.ndarray = w
        return out

    return reader, block


MAX_RUNS = 1 << 10
"""At most this many runs of strings laid one after another (:func:`long_view_words`)."""


def long_view_words(views: np.ndarray, datas: list[np.ndarray]) -> Words | None:
    """Words of strings held out of line by Arrow string views (longer than 12 bytes), all of
    one byte length and laid one after another in the data buffers ``datas``, as Polars lays
    ids of one format: each buffer's run of strings is read in place at a fixed stride, as
    :func:`byte_words` reads Arrow's plain layout (the same words), with no copy of the bytes.

    ``views`` is the ``(n, 16)`` byte matrix of the views (C-contiguous rows).  ``None`` for
    any other layout (strings of several lengths, or not in the order of the rows): the
    caller then copies them into Arrow's plain layout.
    """
    n = views.shape[0]
    width = int(views[0, :4].view("<u4")[0]) if n else 0
    if width <= 12 or width > 8 * MAX_WORDS:
        return None
    runs = _runs_of_views(views, width, [d.size for d in datas])
    if runs is None:
        return None
    parts = [
        (r0, r1, FixedWidth(*_reader(datas[b], width), base, width)) for r0, r1, b, base in runs
    ]
    return runs_words(parts, n, width)


Run = tuple[int, int, "FixedWidth"]
"""``(first row, end row, reader)``: rows whose strings follow one another in one buffer."""


def runs_words(parts: list[Run], n: int, width: int) -> Words:
    """The :class:`Words` of ``n`` strings of ``width`` bytes held in runs (``parts``, in row
    order, none empty, covering every row of at least one), each read in place by its own
    :class:`FixedWidth` reader: the same words as :func:`byte_words` of the strings laid in
    one buffer."""
    first_rows = [r0 for r0, _, _ in parts]

    def word(i: int, rows: np.ndarray | slice | None) -> np.ndarray:
        if isinstance(rows, np.ndarray):
            out = np.empty(rows.size, dtype=np.uint64)
            run = np.searchsorted(np.array(first_rows), rows, side="right") - 1
            for k in np.unique(run).tolist():  # (a loop over the runs: a few)
                sel = np.flatnonzero(run == k)
                out[sel] = parts[k][2].gather(i, rows[sel] - parts[k][0])
            return out
        lo, hi, _ = (slice(0, n) if rows is None else rows).indices(n)
        k = bisect.bisect_right(first_rows, lo) - 1  # (the run of the first row)
        r0, r1, fixed = parts[k]
        if hi <= r1:  # (one run: most blocks of rows)
            return fixed.rows(i, lo - r0, hi - r0)
        out = np.empty(hi - lo, dtype=np.uint64)
        for r0, r1, fixed in parts[k:]:  # (a loop over the runs: a few)
            a, b = max(lo, r0), min(hi, r1)
            if a >= b:
                break
            fixed.rows(i, a - r0, b - r0, out[a - lo : b - lo])
        return out

    return Words(word, -(-width // 8), width <= 7, False, width)


def _runs_of_views(
    views: np.ndarray, width: int, sizes: list[int]
) -> list[tuple[int, int, int, int]] | None:
    """``(first row, end row, buffer, first byte)`` of each run of rows whose strings (every
    one ``width`` bytes long) follow one another in one buffer; ``None`` when a string has
    another length, a run leaves its buffer, or there are more than :data:`MAX_RUNS` runs.

    The last 8 bytes of a view are its buffer's index and the string's offset in it
    (little-endian ``uint32`` each): within a run, each view's are the previous one's plus
    ``width << 32``, so one subtraction of 64-bit words a row checks both."""
    n = views.shape[0]
    words = views.view("<u8")  # (n, 2): the length and prefix; the buffer and offset
    step = np.uint64(width << 32)
    lengths = views.view("<u4")[:, 0]
    breaks = [0]
    for c0 in range(0, n, _BLOCK):  # (a loop over blocks: the temporaries stay cached)
        c1 = min(n, c0 + _BLOCK)
        if not bool(np.all(lengths[c0:c1] == width)):
            return None
        at = words[max(c0 - 1, 0) : c1, 1]
        new = np.flatnonzero((at[1:] - at[:-1]) != step) + max(c0 - 1, 0) + 1
        breaks.extend(new.tolist())
        if len(breaks) > MAX_RUNS:
            return None
    breaks.append(n)
    runs = []
    for r0, r1 in itertools.pairwise(breaks):  # (a loop over the runs)
        buffer, first = (int(v) for v in views[r0, 8:16].view("<u4"))
        if buffer >= len(sizes) or first + width * (r1 - r0) > sizes[buffer]:
            return None
        runs.append((r0, r1, buffer, first))
    return runs


def inline_views(keys: np.ndarray) -> np.ndarray:
    """Arrow string views (16 bytes each: the length, then the bytes inline) of the strings of
    canonical words (:attr:`Words.canonical`), as ``uint64`` pairs: no byte is copied twice."""
    swapped = keys.byteswap()  # (the bytes in memory order, the length byte last)
    out = np.empty((keys.size, 2), dtype=np.uint64)
    np.left_shift(swapped, np.uint64(32), out=out[:, 0])  # bytes 0-3 after the length
    out[:, 0] |= keys & np.uint64(0xFF)
    np.right_shift(swapped, np.uint64(32), out=out[:, 1])
    out[:, 1] &= np.uint64(0xFFFFFF)  # bytes 4-6 (the length byte out)
    return out


def ascii_words(cells: np.ndarray) -> Words | None:
    """Words of a numpy unicode array of ASCII text: those of its bytes (:func:`byte_words`),
    the same words as the same strings in Arrow's layout (one canonical word for at most 7
    characters).

    Numpy ignores trailing NULs of a cell, and so does this (a string ends after its last code
    point that is not NUL, :func:`numpy.strings.str_len`).

    Returns
    -------
    Words or None
        ``None`` when a code point is not ASCII, a cell is wider than ``8 * MAX_WORDS``, or
        numpy has no ``numpy.strings`` (numpy 1.x).
    """
    a = np.ascontiguousarray(cells)
    width = a.dtype.itemsize // 4
    if _STR_LEN is None or width == 0 or width > 8 * MAX_WORDS:
        return None
    points = a.view(np.uint32).reshape(a.size, width)
    if points.size and int(points.max()) >= 0x80:
        return None
    starts = np.arange(a.size, dtype=np.int64) * width
    ends = starts + np.asarray(_STR_LEN(a), dtype=np.int64)
    return byte_words(points.astype(np.uint8).reshape(-1), starts, ends)


def ascii_text(keys: np.ndarray) -> np.ndarray:
    """The strings (an object array) of canonical words (:attr:`Words.canonical`) of ASCII
    text, with numpy alone: the words' bytes as the code points of 7-character unicode cells
    (whose trailing NULs numpy drops, as it does those of any cell), then as ``str``."""
    points = keys.byteswap().view(np.uint8).reshape(-1, 8)[:, :7].astype(np.uint32)
    out: np.ndarray = points.view("U7").reshape(-1).astype(object)
    return out


def _fixed_width(starts: np.ndarray, ends: np.ndarray, max_len: int) -> bool:
    """Whether the strings all have ``max_len`` bytes and follow one another in the buffer (as
    CRM ids of one format do): their words are then read in place, at a fixed stride."""
    n = starts.size
    if n < 2 or max_len == 0 or int(ends[-1]) - int(starts[0]) != n * max_len:
        return False
    # (contiguous, and n strings of at most max_len bytes filling n * max_len: all max_len)
    if _next_of(starts, ends):  # (Arrow's offsets, without the last and without the first)
        return True
    return all(
        np.array_equal(starts[c0 + 1 : c0 + _CHUNK + 1], ends[c0 : min(c0 + _CHUNK, n - 1)])
        for c0 in range(0, n - 1, _CHUNK)
    )


def _next_of(starts: np.ndarray, ends: np.ndarray) -> bool:
    """Whether ``ends[r]`` is ``starts[r + 1]`` by construction: the two are views of one array
    of offsets, ``ends`` one element after ``starts`` (no value read)."""
    step = starts.itemsize
    return (
        starts.dtype == ends.dtype
        and starts.base is not None
        and starts.base is ends.base
        and starts.strides == ends.strides == (step,)
        and ends.__array_interface__["data"][0] == starts.__array_interface__["data"][0] + step
    )


class FixedWidth(NamedTuple):
    """Strings of ``width`` bytes each, one after the other in a buffer from byte ``first``
    (:func:`_fixed_width`): their words are read from the buffer's 8-byte windows (``reader``)
    at a fixed stride; ``block`` (the general reader) makes the last few rows, whose window
    would pass the end."""

    reader: np.ndarray
    block: Block
    first: int
    width: int

    def word(self, i: int, rows: np.ndarray | slice | None, n: int) -> np.ndarray:
        """Word ``i`` of ``rows`` of the ``n`` strings (see :data:`WordFn`)."""
        if isinstance(rows, np.ndarray):
            return self.gather(i, rows)
        lo, hi, _ = (slice(0, n) if rows is None else rows).indices(n)
        return self.rows(i, lo, hi)

    def rows(self, i: int, lo: int, hi: int, out: np.ndarray | None = None) -> np.ndarray:
        """Word ``i`` of rows ``lo:hi``: a strided copy (no gather), into ``out`` if given."""
        out = np.empty(hi - lo, dtype=np.uint64) if out is None else out
        if 8 * i >= self.width:  # (the length word: the same for every row)
            out.fill(self.width)
            return out
        base = self.first + 8 * i
        inside = min(hi, (self.reader.size - 1 - base) // self.width + 1)  # windows that fit
        if inside > lo:
            part = out[: inside - lo]
            stop = base + self.width * (inside - 1) + 1
            part[...] = self.reader[base + self.width * lo : stop : self.width]
            _in_order(part, i, self.width)
        start = max(lo, inside)
        if hi > start:
            out[start - lo :] = self._late(i, np.arange(start, hi, dtype=np.int64))
        return out

    def gather(self, i: int, rows: np.ndarray) -> np.ndarray:
        """Word ``i`` of the given ``rows``: one gather of the windows at ``start + width * row``."""
        if 8 * i >= self.width:
            return np.full(rows.size, self.width, dtype=np.uint64)
        pos = self.first + 8 * i + self.width * rows.astype(np.int64)
        late = np.flatnonzero(pos > self.reader.size - 1)  # (windows past the buffer's end)
        pos[late] = 0
        out: np.ndarray = self.reader[pos]
        _in_order(out, i, self.width)
        if late.size:
            out[late] = self._late(i, rows[late].astype(np.int64))
        return out

    def _late(self, i: int, rows: np.ndarray) -> np.ndarray:
        """Word ``i`` of rows whose window passes the buffer's end (the general reader)."""
        starts = self.first + self.width * rows
        return self.block(i, starts, starts + self.width)


def fixed_width(data: np.ndarray, first: int, width: int) -> FixedWidth:
    """The reader of strings of ``width`` bytes (1 to ``8 * MAX_WORDS``) laid one after another
    in ``data`` from byte ``first`` (see :class:`FixedWidth`)."""
    reader, block = _reader(np.asarray(data, dtype=np.uint8), width)
    return FixedWidth(reader, block, first, width)


def _in_order(w: np.ndarray, i: int, width: int) -> None:
    """Windows read in native order made word ``i`` of strings of ``width`` bytes, in place."""
    w.byteswap(inplace=True)
    w &= _KEEP[min(width - 8 * i, 8)]
    if width <= 7:
        w |= np.uint64(width)


def unicode_words(cells: np.ndarray) -> Words | None:
    """Words of a numpy unicode array: three 21-bit code points per word, zero-padded.

    Numpy ignores trailing NULs of a cell, and so does this (equal cells, equal words).

    Returns
    -------
    Words or None
        ``None`` for wide cells (more than ``3 * MAX_WORDS`` code points) or values that are
        not code points.
    """
    a = np.ascontiguousarray(cells)
    width = a.dtype.itemsize // 4
    if width == 0 or width > 3 * MAX_WORDS:
        return None
    cp = a.view(np.uint32).reshape(a.size, width)
    if cp.size and int(cp.max()) >= 1 << 21:
        return None
    n_words = -(-width // 3)

    def word(i: int, rows: np.ndarray | slice | None) -> np.ndarray:
        block = cp if rows is None else cp[rows]
        w = np.zeros(block.shape[0], dtype=np.uint64)
        for j in range(3):  # three code points per word
            col = 3 * i + j
            w <<= np.uint64(21)
            if col < width:
                w |= block[:, col].astype(np.uint64)
        return w

    return Words(word, n_words, False)


def view_words(views: np.ndarray, lengths: np.ndarray) -> Words | None:
    """Words of strings held inline in Arrow string views (Polars' strings), read in place.

    ``views`` is the ``(n, 16)`` byte matrix of the views (rows may be strided): a 4-byte
    length, then the string itself when it is at most 12 bytes long; ``lengths`` are those
    lengths (any integer type, e.g. a strided ``int32`` view of ``views``).  Longer strings live
    in other buffers: ``None``.
    The words are those of :func:`byte_words` (the same values, the same shared layout for
    strings of at most 7 bytes); from 8 bytes on, the length is always a last word.
    """
    max_len = int(lengths.max()) if lengths.size else 0
    if max_len > 12:
        return None
    short = max_len <= 7
    n_bytes = 1 if max_len <= 8 else 2

    def block(i: int, cells: np.ndarray, lens: np.ndarray) -> np.ndarray:
        ln = lens.astype(np.int64)
        if i == n_bytes:  # the length word
            return ln.view(np.uint64)
        if i == 0:  # inline bytes 0-7, then 8-11: little-endian loads, swapped
            w = cells[:, 4:12].view("<u8")[:, 0].astype(np.uint64)
        else:
            w = cells[:, 12:16].view("<u4")[:, 0].astype(np.uint64)
        w.byteswap(inplace=True)  # (the string's first byte is now the most significant)
        w &= _KEEP[np.clip(ln - 8 * i, 0, 8) if max_len > 8 else ln]
        if short:
            w |= ln.view(np.uint64)
        out: np.ndarray = w
        return out

    def word(i: int, rows: np.ndarray | slice | None) -> np.ndarray:
        return _by_chunks(lambda sel: block(i, views[sel], lengths[sel]), lengths.size, rows)

    return Words(word, 1 if short else n_bytes + 1, short, not short)
