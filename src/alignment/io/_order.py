"""The canonical row order of ``read_crm``'s tables, the same for any row order of the files.

A table's rows are sorted by its first columns (a person's row and an instant, a deal ...),
then, where rows tie on those, by every other column in turn: the order of one sort by every
column (:func:`canonical_order`), with the later columns read only for the rows that tie.

Two integer keys are sorted as one combined key.  When the combined key and the row number fit
in one 64-bit word, the words are sorted as values (numpy's vectorised sort of integers, several
times faster than an argsort) and the row is read back from the word's low bits; the sorted
words also tell which rows tie, with no gather of the keys.  Rows tied on the first columns
are ordered by the next column with one sort per column of the tied rows only, their run and
key packed in one word in the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from .._cells import ArrowText
from .._frames import factorize
from .._sortwords import sort_words
from ._values import CodedText

__all__ = ["SortedKeys", "canonical_order", "first_order", "sort_first", "sort_key"]

_WORD = 63  # bits of a non-negative int64
BLOCK = 1 << 16
"""Rows per block of the blockwise steps (their temporaries then stay in the CPU caches)."""


def sort_key(values: np.ndarray) -> np.ndarray:
    """An array that sorts like ``values`` (codes ranked like their texts, instants as int64)."""
    if isinstance(values, CodedText):  # (the ranks of its texts, each text ranked once)
        ranks = factorize(values.texts, column="sort", allow_missing=True).codes
        key: np.ndarray = np.append(ranks.astype(np.int64), -1)[values.codes()]
        return key
    if isinstance(values, ArrowText):  # (sorted distinct strings, by construction)
        return np.arange(values.size, dtype=np.int64)
    kind = values.dtype.kind
    if kind == "O":
        if _increasing(values):  # (ids already in order: no need to factorise them)
            return np.arange(values.size, dtype=np.int64)
        return factorize(values, column="sort", allow_missing=True).codes
    if kind == "M":
        return values.view(np.int64)
    if kind == "b":
        return values.astype(np.int8)
    return values


def _increasing(values: np.ndarray) -> bool:
    """Whether the values are strictly increasing strings (``False`` when not comparable)."""
    if values.size < 2 or not isinstance(values[0], str):
        return False
    try:
        return bool(np.all(values[1:] > values[:-1]))
    except TypeError:  # None or another type among them
        return False


def ties(key: np.ndarray) -> np.ndarray:
    """Whether each row equals the next one (NaN equal to NaN, as a sort places them)."""
    same = np.asarray(key[1:] == key[:-1], dtype=bool)
    if key.dtype.kind == "f":
        same |= np.isnan(key[1:]) & np.isnan(key[:-1])
    return same


def _bits(x: int) -> int:
    return max(int(x), 0).bit_length()


class SortedKeys(NamedTuple):
    """The two keys of the sorted rows, as the sort left them: one combined word per row,
    ``(a - a0) * width + (b - b0) // step``, ``width`` a power of two."""

    words: np.ndarray
    a0: int
    width: int
    b0: int
    step: int

    def keys(
        self, a_type: np.dtype[np.integer[Any]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The keys ``a`` (as ``a_type``, which must hold each; default ``int64``) and ``b``
        (``int64``) of the sorted rows, from their words, which are then ``b``'s (no new
        array of every row for it)."""
        shift = self.width.bit_length() - 1  # (no division: a shift and a mask)
        a = np.empty(self.words.size, dtype=np.int64 if a_type is None else a_type)
        np.right_shift(self.words, shift, out=a, casting="unsafe")  # (cast a block at a time)
        a += self.a0
        b = self.words
        b &= self.width - 1
        if self.step > 1:
            b *= self.step
        b += self.b0
        return a, b


def first_order(
    keys: list[np.ndarray],
    live: np.ndarray | None = None,
    found: list[SortedKeys] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The rows sorted by ``keys`` (the first the most significant), and whether each sorted
    row ties with the next on every key when the sort tells it (else ``None``).  ``live``:
    the rows to sort (a mask; default: all), the others left out of the order.

    Two integer keys (a person's row, an instant) are sorted as one combined key when it fits
    in 62 bits; the rows left out take the largest key, after every other, and are cut off.
    That sort need not be stable: :func:`canonical_order` orders tied rows by the other
    columns, and rows tied on every column are the same row of the result.  ``found``: gets
    the keys of the sorted rows when that combined key is sorted (:class:`SortedKeys`).
    """
    m = keys[0].size if live is None else int(np.count_nonzero(live))
    if m == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=bool)
    if len(keys) == 2 and all(_small_int(k) for k in keys):
        a, b = keys
        (a0, a1), (b0, b1) = _range(a, live), _range(b, live)
        span = b1 - b0
        if span < 2**62:
            step = _step(b, b0, live)  # (instants in whole seconds: 10**6)
            width = 1 << _bits(span // step)  # (a power of two: keys read back by a shift)
            top = (a1 - a0) * width + span // step + (live is not None)  # (rows left out)
            if top < 2**62:
                key = _Combined(a, a0, width, b, b0, step, live, top)
                order, tie, words = _sorted_words(key, top)
                if found is not None:
                    found.append(SortedKeys(words[:m], a0, width, b0, step))
                return order[:m], tie[: m - 1]
    if live is None:
        return np.lexsort(keys[::-1]), None
    rows = np.flatnonzero(live)
    return rows[np.lexsort([k[rows] for k in keys[::-1]])], None


def _range(key: np.ndarray, live: np.ndarray | None) -> tuple[int, int]:
    """The least and the greatest value of the rows of ``live`` (default: all)."""
    if live is None:
        return int(key.min()), int(key.max())
    info = np.iinfo(key.dtype)
    low = np.min(key, where=live, initial=info.max)
    return int(low), int(np.max(key, where=live, initial=info.min))


def _small_int(key: np.ndarray) -> bool:
    """Whether ``key`` holds integers that int64 holds (signed, or unsigned below 64 bits)."""
    return key.dtype.kind == "i" or (key.dtype.kind == "u" and key.dtype.itemsize < 8)


def _step(b: np.ndarray, b0: int, live: np.ndarray | None = None) -> int:
    """The greatest common divisor of ``b - b0`` (1 when every value is ``b0``) over the rows
    of ``live`` (default: all), by blocks."""
    step = 0
    for lo in range(0, b.size, BLOCK):  # (a loop over blocks: no temporary of every row)
        gap = np.subtract(b[lo : lo + BLOCK], b0, dtype=np.int64)
        if live is not None:
            gap[~live[lo : lo + BLOCK]] = 0  # (gcd(x, 0) is x: the rows left out do not count)
        step = int(np.gcd(step, np.gcd.reduce(gap)))
        if step == 1:
            break
    return step or 1


class _Combined(NamedTuple):
    """``(a - a0) * width + (b - b0) // step`` (``width`` above every ``(b - b0) // step``): a
    non-negative key below 2**62, ``top`` at most;
    ``top`` itself for the rows ``live`` leaves out."""

    a: np.ndarray
    a0: int
    width: int
    b: np.ndarray
    b0: int
    step: int
    live: np.ndarray | None = None
    top: int = 0

    def into(self, out: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """The keys of rows ``lo:hi`` written to ``out`` (of ``hi - lo`` rows)."""
        np.subtract(self.a[lo:hi], self.a0, out=out, dtype=np.int64)
        out *= self.width
        low = np.subtract(self.b[lo:hi], self.b0, dtype=np.int64)
        if self.step > 1:
            low //= self.step
        out += low
        if self.live is not None:
            out[~self.live[lo:hi]] = self.top
        return out


def _sorted_words(key: _Combined, top: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows in the order of the combined ``key`` (at most ``top``), whether each sorted
    row ties with the next, and the sorted keys.

    With the row number in the low bits of one word, a sort of the words' values (the words
    written block by block: no temporary of every row); else an argsort of the key.
    """
    n = key.a.size
    row_bits = _bits(n - 1)
    if _bits(top) + row_bits > _WORD:
        combined = key.into(np.empty(n, dtype=np.int64), 0, n)
        order = np.argsort(combined)
        combined = combined[order]
        return order, ties(combined), combined
    words = np.empty(n, dtype=np.int64)
    for lo in range(0, n, BLOCK):  # (a loop over blocks of rows)
        hi = min(lo + BLOCK, n)
        block = key.into(words[lo:hi], lo, hi)
        block <<= row_bits
        block |= np.arange(lo, hi, dtype=np.int64)
    sort_words(words)  # (a person's rows side by side: clustered words)
    order = words & ((1 << row_bits) - 1)
    words >>= row_bits  # (the sorted keys)
    return order, words[1:] == words[:-1], words


def sort_first(
    cols: Mapping[str, np.ndarray],
    first: list[str],
    n: int,
    known: Mapping[str, np.ndarray],
    live: np.ndarray | None = None,
    found: list[SortedKeys] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The rows (of ``live``, default all ``n``) sorted by the ``first`` columns, and whether
    each ties with the next when the sort tells it (:func:`first_order`, ``found`` too)."""
    return _sorted_by(_keys(cols, first, known), n, live, found)


def _keys(
    cols: Mapping[str, np.ndarray], first: list[str], known: Mapping[str, np.ndarray]
) -> list[np.ndarray]:
    return [known[c] if c in known else sort_key(cols[c]) for c in first]


def _sorted_by(
    keys: list[np.ndarray], n: int, live: np.ndarray | None, found: list[SortedKeys] | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    if keys:
        return first_order(keys, live, found)
    return np.arange(n, dtype=np.int64) if live is None else np.flatnonzero(live), None


def canonical_order(
    cols: Mapping[str, np.ndarray],
    first: list[str],
    rest: list[str],
    n: int,
    known: Mapping[str, np.ndarray],
    live: np.ndarray | None = None,
    done: tuple[np.ndarray, np.ndarray | None] | None = None,
) -> np.ndarray:
    """The rows sorted by the ``first`` columns, then by the ``rest`` in turn: rows that tie on
    the first columns are sorted by the others (the order of one sort by every column).
    ``known``: sort keys of columns known already (ranks of the values).  ``live``: the rows
    to sort (a mask; default: all ``n``), the others left out of the order.  ``done``: the
    rows sorted by the first columns already (:func:`sort_first`, whose order is taken over)."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    keys: list[np.ndarray] | None = None
    if done is None:
        keys = _keys(cols, first, known)
        order, tie = _sorted_by(keys, n, live)
    else:
        order, tie = done
    n = order.size
    if n < 2 or not rest:
        return order
    if tie is None:
        tie = np.ones(n - 1, dtype=bool)
        for key in _keys(cols, first, known) if keys is None else keys:  # (the first columns)
            tie &= ties(key[order])
    pos, run = _runs(np.flatnonzero(tie))  # (positions in ``order`` of the tied rows)
    for c in rest:  # a loop over the other columns, while rows tie
        if not pos.size:
            break
        values = cols[c][order[pos]]
        if _splits_no_run(run, values.codes() if isinstance(values, CodedText) else None):
            continue  # (its codes, so its texts, one within each run: all stays as it is)
        key = sort_key(values)
        if _splits_no_run(run, key):  # (the order and the runs stay as they are)
            continue
        within = _within_runs(run, key)  # (stable: earlier columns' order kept)
        order[pos] = order[pos[within]]
        key, run = key[within], run[within]
        members, run = _runs(np.flatnonzero((run[1:] == run[:-1]) & ties(key)))
        pos = pos[members]
    return order


def _splits_no_run(run: np.ndarray, key: np.ndarray | None) -> bool:
    """Whether ``key`` is one value (NaN: one value) within each run of ``run`` (runs side
    by side): a stable sort of each run by it keeps every row where it is (``None``: not
    known, ``False``)."""
    return key is not None and not bool(np.any((run[1:] == run[:-1]) & ~ties(key)))


def _runs(tied: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of the runs of tied rows and the run of each, from the (sorted) rows ``tied``
    that tie with the next row: each such row and the row after it, in order."""
    if not tied.size:
        return tied, tied
    starts = np.ones(tied.size, dtype=bool)  # the tie that begins a run
    np.not_equal(tied[1:], tied[:-1] + 1, out=starts[1:])
    run = np.cumsum(starts) - 1
    at = np.arange(tied.size) + run  # (each run before has one more row: its last)
    ends = np.flatnonzero(np.append(starts[1:], True))  # the tie that ends a run
    last = ends + run[ends] + 1
    rows = np.empty(tied.size + ends.size, dtype=np.int64)
    runs = np.empty(rows.size, dtype=np.int64)
    rows[at], runs[at] = tied, run
    rows[last], runs[last] = tied[ends] + 1, run[ends]
    return rows, runs


def _within_runs(run: np.ndarray, key: np.ndarray) -> np.ndarray:
    """``np.lexsort((key, run))`` (stable): integer keys as one sort of words holding the run,
    the key and the position, when they fit in 63 bits."""
    if key.dtype.kind in "bi" or (key.dtype.kind == "u" and key.dtype.itemsize < 8):
        k0 = int(key.min())
        key_bits, run_bits = _bits(int(key.max()) - k0), _bits(int(run[-1]))
        pos_bits = _bits(key.size - 1)
        if run_bits + key_bits + pos_bits <= _WORD:
            words = run << key_bits
            words += key.astype(np.int64) - k0
            words <<= pos_bits
            words |= np.arange(key.size, dtype=np.int64)
            sort_words(words)  # (the runs in order: mostly sorted already)
            out: np.ndarray = words & ((1 << pos_bits) - 1)
            return out
    return np.lexsort((key, run))
