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

import numpy as np

from .._frames import factorize
from ._values import CodedText

__all__ = ["canonical_order", "first_order", "sort_key"]

_WORD = 63  # bits of a non-negative int64


def sort_key(values: np.ndarray) -> np.ndarray:
    """An array that sorts like ``values`` (codes ranked like their texts, instants as int64)."""
    if isinstance(values, CodedText):  # (the ranks of its texts, each text ranked once)
        ranks = factorize(values.texts, column="sort", allow_missing=True).codes
        key: np.ndarray = np.append(ranks.astype(np.int64), -1)[values.codes()]
        return key
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


def first_order(keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray | None]:
    """The rows sorted by ``keys`` (the first the most significant), and whether each sorted
    row ties with the next on every key when the sort tells it (else ``None``).

    Two integer keys (a person's row, an instant) are sorted as one combined key when it fits
    in 62 bits.  That sort need not be stable: :func:`canonical_order` orders tied rows by
    the other columns, and rows tied on every column are the same row of the result.
    """
    if len(keys) == 2 and all(k.dtype.kind in "iu" for k in keys) and keys[0].size:
        combined = _combined(*(k.astype(np.int64, copy=False) for k in keys))
        if combined is not None:
            return _sorted_words(combined)
    return np.lexsort(keys[::-1]), None


def _combined(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """``(a - min a) * width + (b - min b) // step`` (non-negative), or ``None`` when that
    does not fit in 62 bits (``step``: the instants' common step, e.g. whole seconds)."""
    a0, b0 = int(a.min()), int(b.min())
    span = int(b.max()) - b0
    if span >= 2**62:
        return None
    low = b - b0
    step = int(np.gcd.reduce(low)) or 1  # (instants in whole seconds: 10**6)
    width = span // step + 1
    if (int(a.max()) - a0 + 1) * width >= 2**62:
        return None
    if step > 1:
        low //= step
    out = a - a0
    out *= width
    out += low
    return out


def _sorted_words(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows in the order of the non-negative int64 ``key``, and the sorted rows' ties.

    With the row number in the low bits of one word, a sort of the words' values; else an
    argsort of the key.
    """
    n = key.size
    row_bits = _bits(n - 1)
    if _bits(int(key.max())) + row_bits <= _WORD:
        words = key << row_bits
        words |= np.arange(n, dtype=np.int64)
        words.sort()
        order = words & ((1 << row_bits) - 1)
        words >>= row_bits  # (the sorted keys)
        return order, words[1:] == words[:-1]
    order = np.argsort(key)
    return order, ties(key[order])


def canonical_order(
    cols: Mapping[str, np.ndarray],
    first: list[str],
    rest: list[str],
    n: int,
    known: Mapping[str, np.ndarray],
) -> np.ndarray:
    """The rows sorted by the ``first`` columns, then by the ``rest`` in turn: rows that tie on
    the first columns are sorted by the others (the order of one sort by every column).
    ``known``: sort keys of columns known already (ranks of the values)."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    keys = [known[c] if c in known else sort_key(cols[c]) for c in first]
    tie: np.ndarray | None
    order, tie = first_order(keys) if keys else (np.arange(n, dtype=np.int64), None)
    if n < 2 or not rest:
        return order
    if tie is None:
        tie = np.ones(n - 1, dtype=bool)
        for key in keys:  # a loop over the first columns
            tie &= ties(key[order])
    pos, run = _runs(np.flatnonzero(tie))  # (positions in ``order`` of the tied rows)
    for c in rest:  # a loop over the other columns, while rows tie
        if not pos.size:
            break
        key = sort_key(cols[c][order[pos]])
        within = _within_runs(run, key)  # (stable: earlier columns' order kept)
        order[pos] = order[pos[within]]
        key, run = key[within], run[within]
        members, run = _runs(np.flatnonzero((run[1:] == run[:-1]) & ties(key)))
        pos = pos[members]
    return order


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
            words.sort()
            out: np.ndarray = words & ((1 << pos_bits) - 1)
            return out
    return np.lexsort((key, run))
