"""Strings of one length found in a sorted haystack by a binary search of their bytes.

The categories of a factorised column are sorted and distinct.  When they all have the same
UTF-8 length (Salesforce ids, UUIDs, codes of one format), their bytes in Arrow's layout are a
fixed-width ``bytes`` array for numpy, whose order is the strings' order (UTF-8 byte order is
code-point order, Python's).  Looking a few needles up in such a haystack (the lead ids of the
conversions among those of the touches) is then one ``searchsorted``: no hash table of the
haystack, no Python object per value.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ._columns import Later
from ._pool import arrow_pool
from ._spans import Packing

__all__ = [
    "TEXT_BLOCK",
    "ArrowStrings",
    "ArrowText",
    "PackedText",
    "SoonText",
    "arrow_cells",
    "arrow_of",
    "cell_order",
    "cells_of",
    "holding",
    "joined_cells",
    "joined_strings",
    "keep_cells",
    "may_trim",
    "objects",
    "packed_text",
    "remember",
    "search_cells",
    "search_packed",
    "string_buffers",
    "text_of_cells",
    "text_of_words",
]

_MADE: dict[int, tuple[weakref.ref[np.ndarray], Any]] = {}
_CELLS: dict[int, tuple[weakref.ref[np.ndarray], Any]] = {}

# bytes that may begin or end a string ``str.strip()`` changes: Python's ASCII whitespace, and
# every byte of a multi-byte UTF-8 character (the other whitespace characters are among them)
_EDGE = np.zeros(256, dtype=bool)
_EDGE[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20]] = True
_EDGE[0x80:] = True

_PROBE = 1024  # (the first haystack values are checked for order before all of them)


def string_buffers(arr: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """An Arrow string array in Arrow's layout: the array, its bytes, and the start and end of
    each string in them (views of the offsets: no copy)."""
    import pyarrow as pa

    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.large_string())  # (string views: one copy into Arrow's layout)
    bufs = arr.buffers()
    off_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=off_type)[arr.offset : arr.offset + len(arr) + 1]
    data = np.empty(0, np.uint8) if bufs[2] is None else np.frombuffer(bufs[2], dtype=np.uint8)
    return arr, data, offsets[:-1], offsets[1:]


JOIN_LIMIT = 2**31 - 1
"""Bytes of a chunked column of Arrow ``string`` (32-bit offsets) from which its chunks are
joined as ``large_string``: the joined offsets would overflow 32 bits."""


def joined(arr: Any) -> Any:
    """An Arrow array or chunked array as one array (its chunks joined, a copy; a single chunk
    as it is); a ``string`` column too long for 32-bit offsets is joined as ``large_string``."""
    import pyarrow as pa

    if not isinstance(arr, pa.ChunkedArray):
        return arr
    pool = arrow_pool()
    if pa.types.is_string(arr.type) and arr.nbytes >= JOIN_LIMIT:
        import pyarrow.compute as pc

        arr = pc.cast(arr, pa.large_string(), memory_pool=pool)
    if not arr.num_chunks:
        return arr.combine_chunks()
    if arr.num_chunks == 1:  # (nothing to join: its one chunk, not a copy)
        return arr.chunk(0)
    return pa.concat_arrays(arr.chunks, memory_pool=pool)  # (``combine_chunks`` ignores a pool)


def may_trim(arr: Any) -> np.ndarray | None:
    """The strings of an Arrow string array that ``str.strip()`` may change or that are empty:
    those whose first or last byte is whitespace or part of a non-ASCII character (a superset,
    found from the bytes alone).  ``None`` when the array holds a null."""
    if arr.null_count:
        return None
    _, data, starts, ends = string_buffers(arr)
    out: np.ndarray = starts == ends
    full = np.flatnonzero(~out)
    if full.size:
        out[full] = _EDGE[data[starts[full]]] | _EDGE[data[ends[full] - 1]]
    return out


def arrow_cells(arr: Any) -> np.ndarray | None:
    """The strings of an Arrow string array as one ``bytes`` cell each (``S<width>``, a view of
    its buffer) when they all have one byte length and none is null; otherwise ``None``."""
    if arr.null_count or len(arr) == 0:
        return None
    _, data, starts, ends = string_buffers(arr)
    width = int(ends[0] - starts[0])
    if width == 0 or int(ends[-1] - starts[0]) != width * starts.size:
        return None
    if not bool(np.all(ends - starts == width)):
        return None
    cells: np.ndarray = data[int(starts[0]) : int(ends[-1])].view(f"S{width}")
    return cells


def _cells_of_width(arr: Any, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The strings of ``arr`` that have ``width`` bytes, as ``S<width>`` cells, and their rows
    (a gather of their bytes: the other strings cannot equal a string of ``width`` bytes)."""
    _, data, starts, ends = string_buffers(arr)
    valid = np.ones(len(arr), dtype=bool) if not arr.null_count else _valid_rows(arr)
    rows = np.flatnonzero(valid & (ends - starts == width))
    at = starts[rows].astype(np.int64)[:, None] + np.arange(width, dtype=np.int64)
    cells = np.ascontiguousarray(data[at]).view(f"S{width}").ravel()
    return cells, rows


def _valid_rows(arr: Any) -> np.ndarray:
    return np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def _increasing(cells: np.ndarray) -> bool:
    """Whether the cells are strictly increasing (first a short probe: an unsorted haystack,
    as ids in input order, is usually told at once)."""
    head = cells[: _PROBE + 1]
    if not bool(np.all(head[1:] > head[:-1])):
        return False
    return bool(np.all(cells[1:] > cells[:-1]))


def search_cells(haystack: Any, needles: Any, *, increasing: bool = False) -> np.ndarray | None:
    """Positions of ``needles`` in ``haystack`` (Arrow string arrays; ``-1`` where absent) by a
    binary search, when the haystack holds sorted distinct strings of one byte length and
    there are no more needles than haystack values; otherwise ``None`` (the caller hashes).
    ``increasing``: the haystack is known to be sorted and distinct (an :class:`ArrowText`'s
    strings), so its order is not checked again.

    Numpy compares ``bytes`` cells with their trailing zero bytes left out: for cells of one
    width that is the order and the equality of the whole bytes (the shorter of two stripped
    cells had zeros, the smallest byte, where the other goes on).
    """
    if len(needles) == 0 or len(needles) > len(haystack):
        return None
    hay = arrow_cells(haystack)
    if hay is None or not (increasing or _increasing(hay)):
        return None
    width = hay.dtype.itemsize
    q = arrow_cells(needles)
    rows = None
    if q is None or q.dtype.itemsize != width:
        q, rows = _cells_of_width(needles, width)
    pos = np.searchsorted(hay, q)
    found = pos < hay.size
    found[found] = hay[pos[found]] == q[found]
    hit = np.where(found, pos, -1)
    if rows is None:
        return hit
    out = np.full(len(needles), -1, dtype=np.int64)
    out[rows] = hit
    return out


def remember(objects: np.ndarray, arrow: Any) -> np.ndarray:
    """Note that the object array ``objects`` (made read-only here) holds the strings of the
    Arrow array ``arrow`` (:func:`arrow_of` gives it back while ``objects`` lives): the
    factoriser's categories keep their bytes, so a lookup in them needs no conversion back."""
    return _note(_MADE, objects, arrow)


def _note(
    notes: dict[int, tuple[weakref.ref[np.ndarray], Any]], objects: np.ndarray, value: Any
) -> np.ndarray:
    """Note ``value`` for the object array ``objects`` (made read-only: the value describes
    its strings) while it lives (:func:`_noted`)."""
    objects.flags.writeable = False
    key = id(objects)
    notes[key] = (weakref.ref(objects), value)
    weakref.finalize(objects, notes.pop, key, None)
    return objects


def _noted(notes: dict[int, tuple[weakref.ref[np.ndarray], Any]], objects: Any) -> Any:
    """What :func:`_note` noted for ``objects`` (``None``: nothing, or another array since)."""
    entry = notes.get(id(objects))
    return None if entry is None or entry[0]() is not objects else entry[1]


def arrow_of(objects: Any) -> Any:
    """The Arrow strings behind ``objects``: those of an :class:`ArrowStrings` (an
    :class:`ArrowText`), or those :func:`remember` noted for an object array; ``None``
    otherwise."""
    if isinstance(objects, ArrowStrings):
        return objects.arrow
    return _noted(_MADE, objects)


def keep_cells(objects: np.ndarray, cells: np.ndarray | None) -> np.ndarray:
    """Note that the object array ``objects`` (made read-only here) holds the strings whose
    UTF-8 bytes are ``cells`` (one ``bytes`` cell each, as :func:`cells_of` gives them), so
    that :func:`cells_of` gives them back while ``objects`` lives; ``None``: nothing noted."""
    return objects if cells is None else _note(_CELLS, objects, cells)


def cells_of(objects: Any) -> np.ndarray | None:
    """The strings of an object array (none missing) as ``bytes`` cells (``S<width>``) in
    numpy's order and equality of which they are in Python's: those :func:`keep_cells` noted,
    else a view of the Arrow strings behind it (:func:`arrow_of`) when they all have one byte
    length; ``None`` otherwise (no string is converted here).

    A sort or a comparison of cells is one ``memcmp`` per pair, without a Python object: a
    stable sort of two sorted runs of 10^6 ids merges them in a twentieth of the time it
    takes on their strings."""
    if len(objects) == 0:
        return np.empty(0, dtype="S1")
    noted: np.ndarray | None = _noted(_CELLS, objects)
    if noted is not None:
        return noted
    arrow = arrow_of(objects)
    return None if arrow is None else arrow_cells(arrow)


def joined_cells(parts: list[np.ndarray | None]) -> np.ndarray | None:
    """The cells of strings one after the other (:func:`cells_of` of their concatenation);
    ``None`` when a part has none.  Cells of several widths are padded with zero bytes by
    numpy, whose comparisons leave trailing zeros out: that keeps the strings' order and
    equality unless a string holds a zero byte (``None`` then)."""
    if any(p is None for p in parts):
        return None
    cells = [p for p in parts if p is not None and p.size]
    if not cells:
        return np.empty(0, dtype="S1")
    if len({c.dtype.itemsize for c in cells}) > 1 and any(
        bool((c.view(np.uint8) == 0).any()) for c in cells
    ):
        return None
    return np.concatenate(cells)


def cell_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")``; ``bytes`` cells (:func:`cells_of`) sorted as
    ``void`` cells of their width: the same order (both compare every byte of a cell, unsigned,
    a trailing zero the smallest byte), by numpy's merge sort for any type, in two thirds of
    the time its merge sort of ``bytes`` takes."""
    if keys.dtype.kind == "S" and keys.dtype.itemsize:
        keys = keys.view(f"V{keys.dtype.itemsize}")
    order: np.ndarray = np.argsort(keys, kind="stable")
    return order


def objects(arr: Any) -> np.ndarray:
    """An Arrow string array as an object array of ``str`` (``None`` where missing).

    Through pandas' or Polars' converter when one of them is already imported (pyarrow's
    ``to_numpy`` imports pandas otherwise, a quarter of a second on first use).
    """
    import sys

    if "pandas" not in sys.modules and "polars" in sys.modules:
        import polars as pl

        return np.asarray(pl.Series(arr, dtype=pl.String).to_numpy(), dtype=object)
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)


class PackedText(NamedTuple):
    """How the strings of an :class:`ArrowText` were packed by the kernel, when they all have
    one byte length: other strings are found among them from their bytes alone
    (:func:`search_packed`), before (or without) the text being made."""

    packing: Packing
    width: int
    """The byte length of every string (at least 8: words of bytes, without a length word)."""


def packed_text(packing: Packing, one_length: int, n_words: int, length_word: bool) -> Any:
    """The :class:`PackedText` of strings of ``one_length`` bytes read as ``n_words`` words
    (:class:`._words.Words`); ``None`` for another layout (shorter strings, a length word)."""
    if one_length < 8 or length_word or n_words != -(-one_length // 8):
        return None
    return PackedText(packing, one_length)


def _cell_words(cells: np.ndarray, width: int) -> list[np.ndarray]:
    """The words of ``S<width>`` cells in the layout of :mod:`._words` (big-endian bytes,
    zero-padded, 8 to a word; no length word)."""
    m, n_words = cells.size, -(-width // 8)
    padded = np.zeros((m, 8 * n_words), dtype=np.uint8)
    padded[:, :width] = cells.view(np.uint8).reshape(m, width)
    big_endian = padded.view(">u8")
    return [big_endian[:, i].astype(np.uint64) for i in range(n_words)]


def search_packed(haystack: Any, needles: Any) -> np.ndarray | None:
    """Positions of ``needles`` (an Arrow string array) in ``haystack``, an :class:`ArrowText`
    whose strings the kernel packed (:class:`PackedText`), ``-1`` where absent; ``None`` when
    they were not packed.  The haystack's text is not read (it may still be being made): a
    needle of another byte length is absent, the others are packed alike and searched among
    the packed words."""
    packed = haystack.packed if isinstance(haystack, ArrowText) else None
    if packed is None:
        return None
    cells = arrow_cells(needles)  # (the kernel's strings of one length: a view, no gather)
    if cells is not None and cells.dtype.itemsize == packed.width:
        return packed.packing.positions(_cell_words(cells, packed.width))
    cells, rows = _cells_of_width(needles, packed.width)
    out = np.full(len(needles), -1, dtype=np.int64)
    out[rows] = packed.packing.positions(_cell_words(cells, packed.width))
    return out


class ArrowStrings(Later):
    """The strings of an Arrow string array (none null), in its order, as an object array made
    on first use; until then :func:`arrow_of` gives the Arrow strings (their bytes are
    compared, :func:`cells_of`, without a Python string)."""

    def __init__(self, arrow: Any) -> None:
        super().__init__(len(arrow))
        self._arrow = arrow

    @property
    def arrow(self) -> Any:
        """The Arrow strings."""
        return self._arrow

    def _make(self) -> np.ndarray:
        return remember(objects(self.arrow), self.arrow)

    def is_made(self) -> bool:
        """Whether the Python strings were made."""
        return self._made is not None

    def strings_at(self, rows: np.ndarray) -> list[str]:
        """The Python strings at ``rows`` alone (integer positions)."""
        got: list[str] = objects(_take(self.arrow, rows)).tolist()
        return got

    def without(self, rows: np.ndarray) -> ArrowStrings:
        """The strings but those at ``rows`` (sorted positions), still not made; their order
        kept (the strings of an :class:`ArrowText` stay sorted and distinct)."""
        k = rows.size
        if k and rows[-1] == k - 1:  # (the first ones: blank strings sort first)
            left = self.arrow.slice(k)
        else:
            keep = np.ones(self.size, dtype=bool)
            keep[rows] = False
            left = _take(self.arrow, np.flatnonzero(keep))
        return ArrowText(left) if isinstance(self, ArrowText) else ArrowStrings(left)


def joined_strings(parts: list[Any]) -> ArrowStrings | None:
    """Strings not made yet (:class:`ArrowStrings`), one part after the other, still not made
    (their Arrow strings joined); ``None`` when a part is made or not Arrow's."""
    if not parts or not all(isinstance(p, ArrowStrings) and not p.is_made() for p in parts):
        return None
    import pyarrow as pa

    arrows = [p.arrow for p in parts]
    if (
        len({a.type for a in arrows}) > 1
        or pa.types.is_string_view(arrows[0].type)
        or sum(a.nbytes for a in arrows) >= JOIN_LIMIT  # (past 32-bit offsets)
    ):
        arrows = [a.cast(pa.large_string()) for a in arrows]  # (one type to join)
    return ArrowStrings(pa.concat_arrays(arrows, memory_pool=arrow_pool()))


class ArrowText(ArrowStrings):
    """The categories of a factorised column as the Arrow strings the kernel made of their
    bytes; the Python strings are made on first use (most calls group by the codes and never
    read them), and a lookup in them searches the bytes (:func:`search_cells`).

    The strings are distinct and in the order of their bytes (the kernel's decoders make them
    from the sorted distinct words; :meth:`subset` keeps the order): a search in them needs no
    check of that order."""

    packed: PackedText | None = None
    """How the kernel packed the strings (:class:`PackedText`), when it did."""

    def first_is_empty(self) -> bool:
        return bool(self.size) and self.arrow[0].as_py() == ""

    def take(self, index: Any) -> np.ndarray:
        if self._made is not None:
            return np.asarray(self._made.take(index))

        at = _positions(index, self.size).ravel()  # (a few keys: no strings for the rest)
        got: np.ndarray = objects(_take(self.arrow, at)).reshape(np.shape(index))
        return got

    def subset(self, mask: np.ndarray) -> Any:
        if self._made is not None:
            return np.asarray(self._made[mask])
        return ArrowText(_take(self.arrow, np.flatnonzero(mask)))


class SoonText(ArrowText):
    """An :class:`ArrowText` still being made: ``made()`` gives it (made on a helper thread
    started by the caller, :func:`._parallel.ahead`, or on this first call when threads are
    off).  Whether its first string is empty is known at once (the caller made that one).

    The kernel's sorted codes are ready before their categories' bytes: the caller goes on
    (the codes are what most steps read) while the bytes are written beside it."""

    def __init__(
        self,
        size: int,
        made: Callable[[], ArrowText],
        first_empty: bool,
        *,
        some: Callable[[np.ndarray], ArrowText] | None = None,
    ) -> None:
        Later.__init__(self, size)
        self._made_by: Callable[[], ArrowText] | None = made
        self._some = some  # (the strings at some positions alone, while the text is not made)
        self._first_empty = first_empty
        self._text: Any = None
        self._text_lock = threading.Lock()  # (not the lock of value(), which reads this)

    @property
    def arrow(self) -> Any:
        """The Arrow strings (waited for if still being made)."""
        with self._text_lock:
            if self._made_by is not None:
                self._text = self._made_by().arrow
                self._made_by = None  # (once: what it holds is let go)
            return self._text

    def first_is_empty(self) -> bool:
        return self._first_empty

    def take(self, index: Any) -> np.ndarray:
        with self._text_lock:
            some = self._some if self._made_by is not None else None
        if some is None:
            return super().take(index)
        at = _positions(index, self.size)
        got: np.ndarray = objects(some(at.ravel()).arrow).reshape(np.shape(index))
        return got


TEXT_BLOCK = 1 << 16
"""Strings per block when their bytes are written from their words (the block stays cached)."""


def text_of_words(
    byte_words: list[np.ndarray], lengths: np.ndarray | None, one_length: int
) -> np.ndarray:
    """The :class:`ArrowText` of strings from their byte words (:mod:`._words`: big-endian bytes,
    zero-padded; ``lengths``, else ``one_length``, else the bytes that are not zero),
    written a block of strings at a time: each block's words as big-endian bytes, then the
    bytes of its strings (all of one block's at once) after those of the blocks before."""
    import pyarrow as pa

    k, width = byte_words[0].size, 8 * len(byte_words)
    cells = np.empty((min(k, TEXT_BLOCK), width), dtype=np.uint8)
    big_endian = cells.view(">u8")  # (a word stored here is byteswapped as it is written)
    offsets = np.zeros(k + 1, dtype=np.int64)
    if one_length:  # (ids of one format: every string's bytes at a known place)
        data = np.empty(k * one_length, dtype=np.uint8)
        offsets[1:] = np.arange(1, k + 1, dtype=np.int64) * one_length
    pieces: list[np.ndarray] = []
    for c0 in range(0, k, TEXT_BLOCK):
        c1 = min(k, c0 + TEXT_BLOCK)
        block, words = cells[: c1 - c0], big_endian[: c1 - c0]
        for j, w in enumerate(byte_words):
            words[:, j] = w[c0:c1]
        if one_length:
            data[c0 * one_length : c1 * one_length].reshape(c1 - c0, -1)[:] = block[:, :one_length]
            continue
        n_bytes = np.count_nonzero(block, axis=1) if lengths is None else lengths[c0:c1]
        offsets[c0 + 1 : c1 + 1] = n_bytes
        pieces.append(block[np.arange(width) < n_bytes[:, None]])
    if not one_length:
        np.cumsum(offsets, out=offsets)
        data = np.concatenate(pieces) if pieces else np.empty(0, dtype=np.uint8)
    text = pa.LargeStringArray.from_buffers(k, pa.py_buffer(offsets), pa.py_buffer(data))
    return ArrowText(text)  # type: ignore[return-value]  # (the strings made on first use)


def text_of_cells(cells: np.ndarray, lengths: np.ndarray | None) -> np.ndarray:
    """Python strings from UTF-8 bytes: row ``r`` is ``cells[r, :lengths[r]]`` (``None``: the
    whole row), made on first use (an :class:`ArrowText`, which reads as an object array: the
    rows must be sorted and distinct strings).

    Strings of one length (ids of one format) keep their Arrow array (:func:`._cells.remember`):
    a lookup in them searches their bytes."""
    import pyarrow as pa

    if lengths is None:
        lengths = np.full(cells.shape[0], cells.shape[1], dtype=np.int64)
    width = int(lengths[0]) if lengths.size else 0
    one_length = lengths.size > 0 and bool(np.all(lengths == width))
    if one_length:
        data = np.ascontiguousarray(cells[:, :width])
        offsets = np.arange(lengths.size + 1, dtype=np.int64) * width
    else:
        data = np.ascontiguousarray(cells[np.arange(cells.shape[1]) < lengths[:, None]])
        offsets = np.zeros(lengths.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
    text = pa.LargeStringArray.from_buffers(lengths.size, pa.py_buffer(offsets), pa.py_buffer(data))
    return ArrowText(text)  # type: ignore[return-value]  # (the strings made on first use)


def _positions(index: Any, size: int) -> np.ndarray:
    """Integer positions into ``size`` values (negative ones from the end), checked."""
    at = np.asarray(index, dtype=np.int64)
    if at.size and (int(at.min()) < -size or int(at.max()) >= size):
        raise IndexError(f"index out of range for {size} values")
    out: np.ndarray = np.where(at < 0, at + size, at)
    return out


def _take(arr: Any, at: np.ndarray) -> Any:
    """Rows ``at`` of an Arrow string array; string views all inline (the kernel's short
    strings: no data buffer) by their 16-byte views, others by Arrow's ``take``."""
    import pyarrow as pa

    if pa.types.is_string_view(arr.type):
        bufs = arr.buffers()
        if len(bufs) == 2 and not arr.null_count:  # (all inline: a view is its string)
            views = np.frombuffer(bufs[1], dtype=np.uint8).reshape(-1, 16)
            rows = np.ascontiguousarray(views[arr.offset : arr.offset + len(arr)][at])
            return pa.Array.from_buffers(arr.type, at.size, [None, pa.py_buffer(rows)])
        arr = arr.cast(pa.large_string())
    import pyarrow.compute as pc

    return pc.take(arr, pa.array(at, type=pa.int64()), memory_pool=arrow_pool())


def holding(texts: Any, parts: tuple[str, ...]) -> np.ndarray:
    """Positions of the strings of ``texts`` (an object array of ``str`` and ``None``, or
    Arrow's) that hold any of ``parts``: by PyArrow's string kernels (the strings not made),
    by numpy's text functions without PyArrow."""
    arrow = arrow_of(texts)
    if arrow is None:
        try:
            import pyarrow as pa
        except ImportError:  # (without PyArrow: numpy's text functions)
            cells = np.asarray(texts, dtype=object)
            low = np.where(cells == None, "", cells).astype(str)  # noqa: E711
            hit = np.zeros(low.shape, dtype=bool)
            for part in parts:  # a loop over the parts looked for
                hit |= np.char.find(low, part) >= 0
            return np.flatnonzero(hit)
        arrow = pa.array(np.asarray(texts, dtype=object), type=pa.large_string(), from_pandas=True)
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        arrow = arrow.cast(pa.large_string())  # (Arrow's string views)
    chunks = arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]
    if not any(_bytes_hold(string_buffers(c), parts) for c in chunks):
        return np.zeros(0, dtype=np.intp)  # (no string holds them: their bytes do not)
    hit = pc.match_substring(arrow, parts[0])
    for part in parts[1:]:  # a loop over the parts looked for
        hit = pc.or_(hit, pc.match_substring(arrow, part))
    return np.flatnonzero(np.asarray(hit.fill_null(False).to_numpy(zero_copy_only=False)))


_SCAN = 1 << 20  # (bytes of the strings searched at once: a copy that stays in the cache)


def _bytes_hold(
    layout: tuple[Any, np.ndarray, np.ndarray, np.ndarray], parts: tuple[str, ...]
) -> bool:
    """Whether the bytes of the strings of an Arrow string array (``layout``: its
    :func:`string_buffers`) hold the UTF-8 bytes of any of ``parts``: ``False`` when none of
    its strings holds one (a string holding one holds its bytes; a null's bytes are searched
    too).  A search of the bytes (``memchr`` for a part of one byte), block by block (a part
    across two blocks found too): a few milliseconds for 10^6 ids, where a search of each
    string takes fifty."""
    _, data, starts, ends = layout
    data = data[starts[0] : ends[-1]] if starts.size else data[:0]
    wanted = [part.encode() for part in parts]
    reach = max((len(w) for w in wanted), default=1) - 1  # (the overlap of two blocks)
    for at in range(0, max(data.size - reach, 1), _SCAN):  # a loop over blocks of bytes
        block = data[at : at + _SCAN + reach].tobytes()
        if any(w in block for w in wanted):
            return True
    return False
