"""Typing the columns of an export with the shared strict rules (numpy only).

Text is trimmed (an empty cell is missing), flags go through :func:`alignment._parse.parse_bool`,
money through :func:`alignment._parse.parse_money`, numbers (counts: no currency) through
:func:`alignment._parse.parse_number`, instants through
:func:`alignment._time.as_utc_datetime64`.  Text and instants are worked out once per distinct
value, then spread back to the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from .._cells import (
    ArrowStrings,
    arrow_cells,
    arrow_of,
    cell_order,
    cells_of,
    joined_cells,
    joined_strings,
    keep_cells,
    may_trim,
    text_of_cells,
)
from .._columns import Later, nested_column, stored
from .._frames import Categorical, factorize
from .._lookup import lookup
from .._parse import parse_bool, parse_money, parse_number
from .._segments import take_rows
from .._sources import offset_instants_of
from .._time import TIME_DTYPE, Awareness, localize, read_instants
from .._timetext import Utf8Text
from ..errors import DataValidationError, reject_rows

__all__ = [
    "CodedText",
    "Options",
    "Typed",
    "as_coded",
    "as_text",
    "code_width",
    "coded_text",
    "empty_like_kind",
    "file_rows",
    "find",
    "is_missing",
    "joined_texts",
    "overlaid",
    "places_in",
    "plain",
    "read_kind",
    "shared_texts",
    "texts_at",
]

_NAT = np.datetime64("NaT", "us")
_INT32_LIMIT = 2**31 - 1  # (codes of a CodedText fit in int32 below this many texts)


@dataclass(frozen=True)
class Options:
    """The reading options of :func:`alignment.io.read_crm` that type values."""

    tz: str | None = None
    dayfirst: bool | None = None
    date_format: str | None = None
    decimal: str = "."
    rates: Mapping[str, float] | None = None


#: floats from here on do not hold every integer (``2.0**53 == 2**53 + 1`` once rounded): a
#: float id there, or one that is not whole, is refused rather than read as another id
_EXACT_FLOAT = 2.0**53


class _Inexact:
    """The mark of a float :func:`_clean` refuses (its rows are named after)."""


_INEXACT = _Inexact()


#: a bool's text, as a bool column's (``True``: ``"true"``, whatever held it)
_BOOL_TEXT = {True: "true", False: "false"}


def _clean(value: Any) -> str | _Inexact | None:
    if value is None or (isinstance(value, (float, np.floating)) and value != value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return _BOOL_TEXT[bool(value)]
    if isinstance(value, (float, np.floating)):
        if not (value.is_integer() and abs(value) < _EXACT_FLOAT):
            return _INEXACT
        return str(int(value))
    return str(value).strip() or None


def _refuse_nested(values: np.ndarray, column: str, table: str | None) -> None:
    """Refuse an object column holding lists or records (a pandas column of a list type
    read as Python values), as a frame's column of such a type is refused."""
    nested = np.asarray(np.frompyfunc(_is_nested, 1, 1)(values), dtype=bool)
    if nested.any():
        rows = np.flatnonzero(nested)
        kind = type(values[int(rows[0])]).__name__
        raise nested_column(column, table, kind, rows, values[int(rows[0])]).error()


def _is_nested(value: Any) -> bool:
    return isinstance(value, (list, tuple, dict, set, np.ndarray))


def _refuse_inexact(
    bad: np.ndarray,
    values: np.ndarray,
    column: str,
    table: str | None,
    rows: np.ndarray | None = None,
) -> None:
    """Refuse the floats of a text column (an id) that are not whole, not finite or 2**53 or
    more: read as text they would be another id, or merge two (``rows``: see :func:`_text`)."""
    shown: Any = values
    if rows is not None and bad.any():  # (the elements of lists: the rows holding them)
        bad, shown = file_rows(bad, rows), values[np.flatnonzero(bad)[0]]
    reject_rows(
        bad,
        "a number that is not a whole number below 2**53 in a text (id) column",
        column=column,
        values=shown,
        table=table,
        fix="store the ids as text (or as integers) in the frame, e.g. "
        "df[col] = df[col].astype('Int64').astype(str) for whole numbers",
    )


def file_rows(bad: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The rows of the file (each once) holding a flagged element of its lists: ``bad`` flags
    the elements, ``rows`` gives the row of each."""
    at = rows[bad]
    out = np.zeros(int(at.max(initial=-1)) + 1, dtype=bool)
    out[at] = True
    return out


def _codes(col: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes (-1 missing) and distinct values of a text column; ``None`` when not all text."""
    if isinstance(col, Categorical):
        return col.codes, col.categories
    if isinstance(col, CodedText):
        return col.codes(), col.texts
    arr = np.asarray(col)
    if arr.dtype.kind in "US":
        arr = arr.astype(object)
    if arr.dtype.kind != "O":
        return None
    try:
        cat = factorize(arr, column="", allow_missing=True)
    except DataValidationError:  # mixed types: not a text column
        return None
    return cat.codes, cat.categories


def _spread(codes: np.ndarray, per_value: np.ndarray, fill: Any, dtype: Any) -> np.ndarray:
    """The value of each row's code, ``fill`` for code ``-1`` (the last entry of the table)."""
    table = np.empty(per_value.size + 1, dtype=dtype)
    table[:-1] = per_value
    table[-1] = fill
    out: np.ndarray = table[codes]
    return out


def _flags_of(codes: np.ndarray, per_value: np.ndarray) -> np.ndarray:
    """:func:`_spread` of flags (``False`` for code ``-1``); no gather when none is set."""
    if not per_value.any():
        return np.zeros(codes.size, dtype=bool)
    return _spread(codes, per_value, False, bool)


def as_text(col: Any) -> np.ndarray:
    """A column as trimmed ``str`` values (``None`` where missing or empty), a new array.

    Whole numbers stored as floats (``1522.0``, as pandas keeps ids with gaps) read as
    ``"1522"``.
    """
    return _text(col)[0]


def _text(
    col: Any, column: str = "", table: str | None = None, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`as_text` and its missing entries (worked out per distinct value when coded);
    ``rows``: the row of the file of each value (the elements of its lists), an error naming
    those rows.

    Raises
    ------
    DataValidationError
        A float that is not a whole number below 2**53 (:data:`_EXACT_FLOAT`)."""
    arr = _array(col)
    kind = _kind(arr)
    if kind in "iu":
        out = np.asarray(arr).astype(str).astype(object)
    elif kind == "b":
        out = np.where(np.asarray(arr), _BOOL_TEXT[True], _BOOL_TEXT[False]).astype(object)
    elif kind == "M":
        times = np.asarray(arr)
        out = np.datetime_as_string(times.astype(TIME_DTYPE)).astype(object)
        out[np.isnat(times)] = None
    elif kind == "f":
        out = _float_text(np.asarray(arr), column, table, rows)
    else:
        coded = _distinct_text(arr)
        if coded is not None:
            codes, cleaned = coded
            none = np.asarray(cleaned == None, dtype=bool)  # noqa: E711 (elementwise)
            return _spread(codes, cleaned, None, object), _spread(codes, none, True, bool)
        # mixed Python values (rare): one value at a time
        given = np.asarray(arr)
        _refuse_nested(given, column, table)
        out = np.asarray(np.frompyfunc(_clean, 1, 1)(given), dtype=object)
        _refuse_inexact(np.asarray(out == _INEXACT, dtype=bool), given, column, table, rows)
    return out, is_missing(out)


def _float_text(
    arr: np.ndarray, column: str, table: str | None, rows: np.ndarray | None = None
) -> np.ndarray:
    """Whole floats below 2**53 as the text of their integer (``1522.0``: ``"1522"``), ``NaN``
    missing; any other float refused (:func:`_refuse_inexact`)."""
    present = ~np.isnan(arr)
    with np.errstate(invalid="ignore"):
        whole = present & (arr == np.round(arr)) & (np.abs(arr) < _EXACT_FLOAT)
    _refuse_inexact(present & ~whole, arr, column, table, rows)
    out = np.full(arr.size, None, dtype=object)
    out[whole] = arr[whole].astype(np.int64).astype(str)
    return out


class CodedText(np.ndarray):
    """A text column as codes into ``texts`` (``-1``: missing), without a string per row.

    For the person ids of touches and tasks, which are only looked up (then replaced by the
    person's id): indexing keeps ``texts`` (a row subset is a :class:`CodedText` too);
    :func:`plain` turns it into strings.  ``texts`` may repeat a value.  The codes are
    ``int32`` (``int64`` past 2**31 texts): half the memory of every gather and filter of
    the rows.
    """

    texts: np.ndarray

    def __new__(cls, codes: np.ndarray, texts: np.ndarray) -> CodedText:
        obj = np.asarray(codes, dtype=code_width(len(texts))).view(cls)
        obj.texts = texts
        return obj

    def __array_finalize__(self, obj: Any) -> None:
        self.texts = getattr(obj, "texts", np.empty(0, dtype=object))

    def codes(self) -> np.ndarray:
        """The codes, as a plain array."""
        return self.view(np.ndarray)


def code_width(n_texts: int) -> type[np.signedinteger[Any]]:
    """The integer type of a :class:`CodedText`'s codes for ``n_texts`` texts."""
    return np.int32 if n_texts < _INT32_LIMIT else np.int64


def plain(values: np.ndarray) -> np.ndarray:
    """``values`` with a :class:`CodedText` turned into strings (``None`` where missing)."""
    if not isinstance(values, CodedText):
        return values
    return _spread(values.codes(), values.texts, None, object)


def texts_at(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The values of a typed column at ``rows``; of a :class:`CodedText`, the strings of those
    rows (``None`` where missing), the others not made (its texts may be Arrow's)."""
    if not isinstance(values, CodedText):
        out: np.ndarray = values[rows]
        return out
    codes = values.codes()[rows]
    present = codes >= 0
    texts = np.full(rows.size, None, dtype=object)
    lazy = values.texts
    if isinstance(lazy, ArrowStrings) and not lazy.is_made():
        texts[present] = lazy.strings_at(codes[present])
    else:
        texts[present] = np.asarray(lazy)[codes[present]]
    return texts


def find(haystack: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`alignment._lookup.lookup` of a typed column (of a :class:`CodedText`: each of
    its texts once)."""
    if isinstance(values, CodedText):
        at, _ = lookup(haystack, values.texts)
        pos: np.ndarray = np.append(at, -1)[values.codes()]
        return pos, pos >= 0
    return lookup(haystack, values)


def places_in(vocab: np.ndarray, texts: np.ndarray) -> np.ndarray | None:
    """The position in ``vocab`` (sorted distinct strings) of each string of ``texts``
    (``-1``: absent), by one stable sort of both: a coded column's texts, sorted already,
    cost one merge of two runs, and no hashing.  Strings whose bytes are known
    (:func:`~alignment._cells.cells_of`) are sorted and compared by their bytes.  ``None``
    when the values do not compare (not all strings)."""
    both = joined_cells([cells_of(vocab), cells_of(texts)])
    try:
        if both is None:
            both = np.concatenate([vocab, texts])
        order = cell_order(both)
    except TypeError:
        return None
    at = _entry_before(order, vocab.size, texts.size)
    mine = both[vocab.size :]
    if int(at.min(initial=0)) >= 0:  # (every text has an entry at or before it: no mask)
        hit = np.asarray(both[at] == mine, dtype=bool)
    else:
        hit = at >= 0
        hit[hit] = np.asarray(both[at[hit]] == mine[hit], dtype=bool)
    out: np.ndarray = np.where(hit, at, -1)
    return out


def _entry_before(order: np.ndarray, n_vocab: int, n_texts: int) -> np.ndarray:
    """For each text, the last vocabulary entry at or before it (``-1``: none) in ``order``,
    the stable order of a sorted vocabulary then the texts (a string of the vocabulary sorts
    before its equals).  Texts sorted (a coded column's, mostly): the entries before the
    ``i``-th text's place are that place less ``i``, read without a pass over every place."""
    theirs = np.flatnonzero(order >= n_vocab)
    ranks = np.arange(n_texts, dtype=np.int64)
    if np.array_equal(order[theirs] - n_vocab, ranks):  # (the texts in their own order)
        out: np.ndarray = theirs - ranks - 1
        return out
    last = np.maximum.accumulate(np.where(order < n_vocab, order, -1))
    at = np.empty(n_texts, dtype=np.int64)
    at[order[theirs] - n_vocab] = last[theirs]
    return at


def joined_texts(parts: list[np.ndarray]) -> np.ndarray:
    """The texts of coded columns one after the other (their bytes kept when all have them:
    :func:`~alignment._cells.cells_of`)."""
    if len(parts) > 1 and (lazy := joined_strings(parts)) is not None:  # (still not made)
        return cast(np.ndarray, lazy)  # (a Later reads as an array)
    texts = np.concatenate(parts) if parts else np.empty(0, dtype=object)
    if len(parts) < 2:
        return texts
    return keep_cells(texts, joined_cells([cells_of(p) for p in parts]))


def overlaid(base: CodedText, over: CodedText, where: np.ndarray) -> CodedText:
    """``base`` with the values of ``over`` where ``where`` holds (missing where ``over`` is):
    its codes shifted past ``base``'s texts, in the codes' own width, one array."""
    texts = joined_texts([base.texts, over.texts])
    out = np.array(base.codes(), dtype=code_width(texts.size))
    codes = over.codes()
    np.add(codes, base.texts.size, out=out, where=where, casting="unsafe")
    np.copyto(out, -1, where=where & (codes < 0))
    return CodedText(out, texts)


def as_coded(values: np.ndarray) -> CodedText:
    """A text column as :class:`CodedText` (its distinct strings found once when it is not
    one already)."""
    if isinstance(values, CodedText):
        return values
    cat = factorize(values, column="", allow_missing=True)
    return CodedText(cat.codes, cat.categories)


def shared_texts(columns: list[np.ndarray]) -> tuple[list[CodedText], np.ndarray]:
    """Text columns coded against one vocabulary: every distinct string of them, sorted.

    Each column's texts are (mostly) sorted already: one stable sort of them all merges those
    runs, without hashing a string (by their bytes when known); the rows keep their codes
    (one gather per column).  Returns the columns (``-1`` where missing) and the vocabulary:
    when the bytes of every string are known and of one length (ids of one format), sorted
    strings (:class:`~alignment._cells.ArrowText`) made from those bytes on first use.
    """
    coded = [as_coded(c) for c in columns]
    parts = [cells_of(c.texts) for c in coded]
    cells = joined_cells(parts)
    widths = {p.dtype.itemsize for p in parts if p is not None and p.size}
    texts = None
    if cells is None or len(widths) != 1:  # (the strings themselves: sorted, or made below)
        texts = np.concatenate([c.texts for c in coded]) if coded else np.empty(0, object)
    keys = texts if cells is None else cells
    assert keys is not None
    order = cell_order(keys)
    ranked = keys[order]
    new = np.ones(keys.size, dtype=bool)
    new[1:] = np.not_equal(ranked[1:], ranked[:-1])
    width = code_width(keys.size)
    code_of = np.empty(keys.size, dtype=width)
    code_of[order] = np.cumsum(new, dtype=width) - 1
    if texts is None:  # (strings of one byte length: made from their bytes on first use)
        vocab = text_of_cells(ranked[new].view(np.uint8).reshape(-1, widths.pop()), None)
    else:
        vocab = keep_cells(texts[order[new]], None if cells is None else ranked[new])
    out, start = [], 0
    for c in coded:  # a loop over columns
        at = np.append(code_of[start : start + c.texts.size], width(-1))  # (-1 stays -1)
        out.append(CodedText(take_rows(at, c.codes()), vocab))
        start += c.texts.size
    return out, vocab


def coded_text(col: Any) -> tuple[CodedText, np.ndarray] | None:
    """A text column as :class:`CodedText` and its missing rows (``None``: not text)."""
    arr = _array(col)
    if isinstance(arr, (Categorical, CodedText)) and (lazy := _still_lazy(arr)) is not None:
        return lazy
    coded = _trimmed(arr) if _kind(arr) in "OUS" else None
    if coded is None:
        return None
    codes, cleaned, cells = coded
    width = code_width(cleaned.size)
    if isinstance(cleaned, Later):  # (not made: trimming changed none of them, none is blank)
        out = np.array(codes, dtype=width)
        return CodedText(out, cleaned), out < 0
    blank = np.asarray(cleaned == None, dtype=bool)  # noqa: E711 (elementwise)
    if not blank.any():  # (no value blank once trimmed: the codes as they are, a copy)
        out = np.array(codes, dtype=width)
        return CodedText(out, cleaned), out < 0
    kept = np.flatnonzero(~blank)
    renumber = np.full(cleaned.size + 1, -1, dtype=width)  # (last slot: code -1)
    renumber[kept] = np.arange(kept.size, dtype=width)
    out = renumber[codes]
    texts = keep_cells(cleaned[kept], None if cells is None else cells[kept])
    return CodedText(out, texts), out < 0


def _still_lazy(col: Categorical | CodedText) -> tuple[CodedText, np.ndarray] | None:
    """:func:`coded_text` of a column whose strings are not made yet (Arrow's:
    :class:`~alignment._cells.ArrowStrings`), keeping them so (made on first use): when
    trimming leaves every string as it is but blank ones, which become missing.  ``None``
    otherwise (or for strings made already).

    Ids that are only looked up (a touch's lead, a task's person) are found by their bytes,
    and e-mail addresses are only carried to the result: their million Python strings need
    never be made."""
    lazy = stored(col, "categories") if isinstance(col, Categorical) else col.texts
    if not isinstance(lazy, ArrowStrings) or lazy.is_made():
        return None
    arrow = lazy.arrow
    edges = may_trim(arrow)
    if edges is None:
        return None
    rows = np.flatnonzero(edges)  # (the strings trimming may change: blank ones only here)
    if any(t.strip() for t in lazy.strings_at(rows)):
        return None
    codes = col.codes if isinstance(col, Categorical) else col.codes()
    if not rows.size:
        out = np.array(codes, dtype=code_width(lazy.size))
        return CodedText(out, cast(np.ndarray, lazy)), out < 0  # (a Later reads as an array)
    texts = lazy.without(rows)
    renumber = np.full(lazy.size + 1, -1, dtype=code_width(texts.size))  # (last: code -1)
    renumber[np.flatnonzero(~edges)] = np.arange(texts.size, dtype=renumber.dtype)
    out = renumber[codes]
    return CodedText(out, cast(np.ndarray, texts)), out < 0


def is_missing(values: np.ndarray) -> np.ndarray:
    """Missing entries of a typed column (``None``, ``NaT``, ``NaN``; flags are never missing)."""
    if isinstance(values, CodedText):
        return np.asarray(values.codes() < 0)
    kind = values.dtype.kind
    if kind == "M":
        return np.asarray(np.isnat(values), dtype=bool)
    if kind == "f":
        return np.asarray(np.isnan(values), dtype=bool)
    if kind == "O":
        return np.asarray(values == None, dtype=bool)  # noqa: E711 (elementwise)
    return np.zeros(values.shape, dtype=bool)


def empty_like_kind(kind: str, n: int) -> np.ndarray:
    """A column of ``n`` missing values of a kind (``False`` for flags)."""
    if kind == "time":
        return np.full(n, _NAT, dtype=TIME_DTYPE)
    if kind in ("money", "number"):
        return np.full(n, np.nan)
    if kind == "flag":
        return np.zeros(n, dtype=bool)
    return np.full(n, None, dtype=object)


def _array(col: Any) -> Any:
    """A column as an array, or as the coded column it is (its codes are not its values)."""
    return col if isinstance(col, (Categorical, CodedText)) else np.asarray(col)


def _kind(arr: Any) -> str:
    """The dtype kind of a column's values (text: ``"O"`` for a :class:`CodedText` too)."""
    return "O" if isinstance(arr, CodedText) else str(arr.dtype.kind)


def _distinct_text(col: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes and trimmed distinct values (``None`` for empty) of a text column, else ``None``."""
    got = _trimmed(col)
    return None if got is None else got[:2]


def _trimmed(col: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """:func:`_distinct_text`, and the bytes of the distinct values before trimming
    (:func:`~alignment._cells.cells_of`) when trimming left every value that is not blank as
    it was (``None`` otherwise): the bytes of those values."""
    arr = _array(col)
    coded = _codes(arr) if _kind(arr) in "OUS" else None
    if coded is None:
        return None
    codes, cats = coded
    arrow = arrow_of(cats)
    edges = None if arrow is None else may_trim(arrow)
    if edges is None:
        stripped = np.empty(cats.size, dtype=object)
        stripped[:] = [c.strip() or None for c in cats.tolist()]  # a loop over distinct values
        return codes, stripped, None
    # the Arrow strings behind the values tell which may change: only those are trimmed
    if not edges.any():
        return codes, cats, cells_of(cats)  # (read-only: a lookup still finds their bytes)
    stripped = cats.copy()
    rows = np.flatnonzero(edges)
    changed = [c.strip() or None for c in cats[rows].tolist()]  # (those values only)
    stripped[rows] = changed
    if rows[-1] != rows.size - 1 or any(c is not None for c in changed):
        return codes, stripped, None
    # (only blank values, sorted first, changed: the bytes of the others, as they were)
    tail = arrow_cells(arrow.slice(rows.size))
    if tail is None:
        return codes, stripped, None
    return codes, stripped, np.concatenate([np.zeros(rows.size, dtype=tail.dtype), tail])


def _by_value(
    coded: tuple[np.ndarray, np.ndarray],
    parse: Callable[[np.ndarray], np.ndarray],
    fill: Any,
    dtype: Any,
) -> np.ndarray:
    """``parse`` of the distinct values, spread back to the rows; an error is raised again by
    parsing the rows, so that it names the rows of the file (not the distinct values)."""
    codes, stripped = coded
    try:
        per_value = parse(stripped)
    except DataValidationError:
        parse(_spread(codes, stripped, None, object))
        raise
    return _spread(codes, per_value, fill, dtype)


@dataclass(frozen=True)
class Typed:
    """One column typed: values, missing entries, and what reading it found."""

    values: np.ndarray
    missing: np.ndarray
    currency: str | None = None
    ambiguous: np.ndarray | None = None
    nonexistent: np.ndarray | None = None
    naive_utc: bool = False


def read_kind(
    col: Any,
    kind: str,
    *,
    column: str,
    table: str,
    opts: Options,
    wall: bool,
    row_tz: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> Typed:
    """Type one column (``wall``: a frame's datetime column without zone, wall times of tz;
    ``row_tz``: the zone of each row's wall time, from the table's ``time_zone`` column;
    ``rows``: text only, the row of the file of each value, when they are the elements of
    its lists).

    Raises
    ------
    DataValidationError
        A value that cannot be read for certain (named with its rows).
    """
    if kind == "time" and row_tz is not None:
        return _zoned_time_column(col, row_tz, column=column, table=table, opts=opts, wall=wall)
    if isinstance(col, Utf8Text):  # (a file's column of instants, as bytes)
        if kind == "time":
            return _bytes_time_column(col, column=column, table=table, opts=opts)
        col = col.to_objects()
    if kind == "text":
        return Typed(*_text(col, column, table, rows))
    coded = _distinct_text(col)
    if kind == "time":
        return _time_column(col, coded, column=column, table=table, opts=opts, wall=wall)

    def apply(parse: Callable[[np.ndarray], np.ndarray], fill: Any, dtype: Any) -> np.ndarray:
        if coded is None:
            return parse(np.asarray(col))
        return _by_value(coded, parse, fill, dtype)

    if kind == "flag":
        missing = apply(lambda v: is_missing(as_text(v)), True, bool)
        flags = apply(
            lambda v: parse_bool(v, column=column, table=table, missing=False), False, bool
        )
        return Typed(flags, missing)
    if kind == "number":  # (a count: never money, no currency, no rates)
        numbers = apply(
            lambda v: parse_number(
                v, column=column, table=table, decimal=opts.decimal, allow_missing=True
            ),
            np.nan,
            np.float64,
        )
        return Typed(numbers, np.isnan(numbers))
    found: list[str | None] = []

    def money(v: np.ndarray) -> np.ndarray:
        amounts, currency = parse_money(
            v,
            column=column,
            table=table,
            decimal=opts.decimal,
            rates=opts.rates,
            allow_missing=True,
            nonnegative=True,
        )
        found.append(currency)
        return amounts

    values = apply(money, np.nan, np.float64)
    return Typed(values, np.isnan(values), found[0])


def _utc(
    values: np.ndarray | Utf8Text, *, column: str, table: str, opts: Options, wall: bool
) -> tuple[np.ndarray, Awareness, np.ndarray, np.ndarray]:
    """Instants in UTC, their awareness, and the wall times a zone has twice or skips.

    A frame's datetime column without zone (``wall``) holds wall times of ``tz`` too; other
    numpy datetimes are UTC, the library's own representation.
    """
    read = read_instants(
        values,
        column=column,
        table=table,
        allow_missing=True,
        tz=opts.tz,
        dayfirst=opts.dayfirst,
        date_format=opts.date_format,
    )
    times, awareness, ambiguous, gap = read
    if wall and isinstance(values, np.ndarray) and values.dtype.kind == "M":
        awareness = False
        if opts.tz is not None:
            times, ambiguous, gap = localize(times, opts.tz, column=column, table=table)
            awareness = True
    return times, awareness, ambiguous, gap


def _bytes_time_column(col: Utf8Text, *, column: str, table: str, opts: Options) -> Typed:
    """Instants read from bytes, each row; an error is raised again by reading the rows as
    text, so that it is the same, whichever way the column was read."""
    try:
        times, awareness, ambiguous, gap = _utc(
            col, column=column, table=table, opts=opts, wall=False
        )
    except DataValidationError:
        text = col.to_objects()
        _time_column(text, _distinct_text(text), column=column, table=table, opts=opts, wall=False)
        raise
    return _typed_times(times, awareness, ambiguous, gap, opts)


def _zoned_time_column(
    col: Any, row_tz: np.ndarray, *, column: str, table: str, opts: Options, wall: bool
) -> Typed:
    """Instants whose wall times are in each row's own zone (``tz`` where the row has none).

    Read row by row (a per-row zone defeats the per-distinct-value path); a naive datetime
    column of a frame is read as the wall times it holds.
    """
    if isinstance(col, Utf8Text):
        values: np.ndarray = col.to_objects()
    elif isinstance(col, Categorical):
        values = col.values()
    elif isinstance(col, CodedText):
        values = plain(col)
    else:
        values = np.asarray(col)
    if values.dtype.kind == "M":
        if not wall:  # numpy instants are UTC, the library's own representation
            return _typed_times(
                values.astype(TIME_DTYPE), None, *(np.zeros(values.shape, bool),) * 2, opts
            )
        text = np.datetime_as_string(values, unit="us").astype(object)
        text[np.isnat(values)] = None
        values = text
    zones = np.asarray(row_tz, dtype=object).copy()
    zones[is_missing(zones)] = None
    times, awareness, ambiguous, gap = read_instants(
        values,
        column=column,
        table=table,
        allow_missing=True,
        tz=opts.tz,
        dayfirst=opts.dayfirst,
        date_format=opts.date_format,
        row_tz=zones,
    )
    return Typed(
        times,
        np.isnat(times),
        ambiguous=ambiguous,
        nonexistent=gap,
        naive_utc=awareness is False and opts.tz is None and bool(is_missing(zones).any()),
    )


def _typed_times(
    times: np.ndarray,
    awareness: Awareness,
    ambiguous: np.ndarray,
    gap: np.ndarray,
    opts: Options,
) -> Typed:
    return Typed(
        times,
        np.isnat(times),
        ambiguous=ambiguous,
        nonexistent=gap,
        naive_utc=awareness is False and opts.tz is None,
    )


#: distinct values from which a column of them all ISO 8601 with an offset is read by PyArrow's
#: cast (fewer: the library's parser, as fast)
CAST_MIN_VALUES = 4096


def _offset_per_value(stripped: np.ndarray) -> np.ndarray | None:
    """The instants of many distinct values (``None`` for missing) when every value is ISO 8601
    with its UTC offset (:func:`alignment._sources.offset_instants`, which reads the same
    instants as the library's parser, a sixth of its time); ``None`` otherwise."""
    if stripped.size < CAST_MIN_VALUES:
        return None
    return offset_instants_of(stripped)


def _time_column(
    col: Any,
    coded: tuple[np.ndarray, np.ndarray] | None,
    *,
    column: str,
    table: str,
    opts: Options,
    wall: bool,
) -> Typed:
    if coded is None:
        raw = col.values() if isinstance(col, Categorical) else np.asarray(plain(col))
        times, awareness, ambiguous, gap = _utc(
            raw, column=column, table=table, opts=opts, wall=wall
        )
    else:
        codes, stripped = coded
        fast = _offset_per_value(stripped) if opts.date_format is None else None
        if fast is not None:  # (every value ISO 8601 with its offset: no wall time, no zone)
            none = np.zeros(codes.size, dtype=bool)
            aware: Awareness = True if bool((~np.isnat(fast)).any()) else None
            return _typed_times(_spread(codes, fast, _NAT, TIME_DTYPE), aware, none, none, opts)
        try:
            per, awareness, amb, skip = _utc(
                stripped, column=column, table=table, opts=opts, wall=wall
            )
        except DataValidationError:  # name the rows of the file, not the distinct values
            rows = _spread(codes, stripped, None, object)
            _utc(rows, column=column, table=table, opts=opts, wall=wall)
            raise
        times = _spread(codes, per, _NAT, TIME_DTYPE)
        ambiguous, gap = (_flags_of(codes, f) for f in (amb, skip))
    return _typed_times(times, awareness, ambiguous, gap, opts)
