"""Helpers of the tables: key codes, sorting, offsets, categoricals, time columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .._columns import Later, stored
from .._frames import (
    Categorical,
    RawColumns,
    factorize,
    factorize_ints,
    numeric,
)
from .._lookup import EXACT_FLOAT, lookup
from .._options import noted, read_time
from .._parse import _missing_mask
from .._rows import object_kind, whole_decimal
from .._time import Awareness
from ..errors import DataValidationError, reject_rows


def _html_preview(title: str, columns: Mapping[str, np.ndarray], rows: int = 10) -> str:
    """A notebook preview: a title and the first ``rows`` rows as an HTML table."""
    from .._display import preview

    return preview(title, columns, max_rows=rows)


def _readonly(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


#: a time column of one of the tables of a call: ``(table, column)``
Where = tuple[str, str]

_MIXED_FIX = "make every datetime timezone-aware (e.g. attach UTC) or every one naive (read as UTC)"


def _check_awareness(
    flags: Mapping[str, Awareness], table: str, *, also: Mapping[Where, Awareness] | None = None
) -> None:
    """Refuse naive and timezone-aware instants mixed in one call (``tz=`` not given).

    Parameters
    ----------
    flags : mapping of str to bool or None
        The time columns of ``table`` read so far, and whether each is timezone-aware
        (``None``: neither, such as ``datetime64`` or epoch values).
    table : str
        The table of ``flags``.
    also : mapping of (table, column) to bool or None, optional
        Time columns of other tables read with it (the conversions and leads of
        :meth:`Journeys.build`).

    Raises
    ------
    DataValidationError
        Naive and aware columns among ``flags``, ``also`` and the columns of the other tables
        read in the same engine call (:mod:`alignment._options` notes them); the error names the
        (first) naive column and its table, and lists both kinds (columns of ``table`` by name,
        others as ``table.column``).
    """
    read = {(table, c): v for c, v in flags.items()}
    read.update({w: v for w, v in (also or {}).items() if w not in read})
    read.update({w: v for w, v in _call_instants(table).items() if w not in read})
    naive = [w for w, v in read.items() if v is False]
    aware = [w for w, v in read.items() if v is True]
    if naive and aware:
        t, c = naive[0]
        raise DataValidationError(
            f"naive datetimes in {_named(naive, t)} mixed with timezone-aware ones in "
            f"{_named(aware, t)}",
            table=t,
            column=c,
            fix=_MIXED_FIX,
        )


def _call_instants(table: str) -> dict[Where, Awareness]:
    """The time columns of the other tables read so far in the engine call: aware, or naive
    read as UTC (empty outside an engine call; instant arguments such as ``as_of`` left out)."""
    args = noted("naive_args")
    read: dict[Where, Awareness] = {}
    for names, kind in ((noted("aware"), True), (noted("naive"), False)):
        for where in names:
            other, _, column = where.partition(".")
            if column and other != table and where not in args:
                read[(other, column)] = kind
    return read


def _named(columns: Sequence[Where], table: str) -> list[str]:
    """Columns as named in an error about ``table``: its own by name, others' as table.column."""
    return [c if t == table else f"{t}.{c}" for t, c in columns]


def _time_column(
    raw: RawColumns, name: str, table: str, *, allow_missing: bool = False, check: bool = True
) -> tuple[np.ndarray, Awareness]:
    """A time column read with the reading options of the call (see :mod:`alignment._options`).

    With ``check``, refused at once when its kind (naive or aware) differs from that of
    another table of the call; a table of several time columns passes ``False`` and checks
    them together (:func:`_check_awareness`), so that the error names them all whichever
    table was read first.
    """
    times, aware = read_time(
        raw.columns[name],
        column=name,
        table=table,
        allow_missing=allow_missing,
        frame_aware=raw.aware.get(name),
    )
    if check:
        _check_awareness({name: aware}, table)
    return times, aware


# ----------------------------------------------------------------------------- keys and sorting


@dataclass(frozen=True, eq=False)
class _Keys:
    codes: np.ndarray  # int32 or int64 per row, index into uniques
    uniques: np.ndarray  # sorted distinct keys (int64 or object str)
    sort_keys: np.ndarray | None = None  # string keys: Categorical.sort_keys, when known


def _key_codes(values: np.ndarray, *, column: str, table: str, lazy: bool = False) -> _Keys:
    """Codes of a key column into its sorted distinct keys (``lazy``: text keys may stay a
    :class:`Later` until read, for a caller that keeps them in a :class:`Lazy` field)."""
    if isinstance(values, Categorical):
        cat = factorize(values, column=column, table=table, allow_missing=False)
        return _checked_string_keys(cat, column=column, table=table, lazy=lazy)
    arr = np.asarray(values)
    if arr.dtype.kind == "b":
        reject_rows(
            np.ones(arr.shape, dtype=bool),
            "a bool where a key is expected (True is not the key 'True' nor 1)",
            column=column,
            table=table,
            values=arr,
            fix="give the keys as text or integers",
        )
    if _wide_ints(arr):  # (beyond int64: keyed exactly, as their text)
        return _key_codes(arr.astype(str).astype(object), column=column, table=table, lazy=lazy)
    if arr.dtype.kind in "iu":
        a = arr.astype(np.int64, copy=False)
        if a.size == 0:
            return _Keys(np.empty(0, np.int64), np.empty(0, np.int64))
        lo, hi = int(a.min()), int(a.max())
        if hi - lo < 4 * a.size + 1024:  # dense range: O(n) ranking
            present = np.zeros(hi - lo + 1, dtype=bool)
            for c0 in range(0, a.size, _CHUNK):  # (chunks: no full-length temporary)
                present[a[c0 : c0 + _CHUNK] - lo] = True
            # int32 ranks (when they fit): a smaller table to gather from
            rank = np.cumsum(present, dtype=np.int32 if hi - lo < 2**31 - 1 else np.int64) - 1
            codes = np.empty(a.size, dtype=rank.dtype)
            for c0 in range(0, a.size, _CHUNK):
                np.take(rank, a[c0 : c0 + _CHUNK] - lo, out=codes[c0 : c0 + _CHUNK], mode="clip")
            return _Keys(codes, np.flatnonzero(present).astype(np.int64) + lo)
        codes, uniq = factorize_ints(a)
        return _Keys(codes, uniq)
    if arr.dtype.kind == "f":
        _reject_missing_keys(~np.isfinite(arr), column=column, table=table)
        reject_rows(
            arr != np.round(arr),
            "a float key that is not a whole number (it would be read as another key)",
            column=column,
            table=table,
            values=arr,
            fix="pass keys as integers or text",
        )
        reject_rows(
            np.abs(arr) >= _EXACT_FLOAT,
            "a float key of 2**53 or more (floats cannot hold it exactly: keys would merge)",
            column=column,
            table=table,
            values=arr,
            fix="read the key column as integers or text (e.g. dtype=str in pandas.read_csv)",
        )
        return _key_codes(arr.astype(np.int64), column=column, table=table)
    if arr.dtype.kind == "O" and object_kind(arr) == "f":  # (ints with None: 2**53 or more)
        _reject_missing_keys(_missing_mask(arr), column=column, table=table)
        decimals = [isinstance(v, Decimal) for v in arr.tolist()]
        reject_rows(
            np.array([d and not v.is_finite() for d, v in zip(decimals, arr.tolist())], bool),
            "a decimal key that is not a finite number (NaN or infinity)",
            column=column,
            table=table,
            values=arr,
            fix="give every row a whole-number or text key",
        )
        reject_rows(
            np.array([d and not whole_decimal(v) for d, v in zip(decimals, arr.tolist())], bool),
            "a decimal key with a fractional part (it would be read as another key)",
            column=column,
            table=table,
            values=arr,
            fix="pass keys as integers or text (a whole decimal is the integer key)",
        )
        if _python_ints(arr):  # (beyond int64: keyed exactly, as their text)
            text = arr.astype(str).astype(object)
            return _key_codes(text, column=column, table=table, lazy=lazy)
    cat = factorize(values, column=column, table=table, allow_missing=False)
    return _checked_string_keys(cat, column=column, table=table, lazy=lazy)


def _reject_missing_keys(missing: np.ndarray, *, column: str, table: str) -> None:
    """Rows without a key (NaN, ``None``, pandas' ``NA``) are refused, named by their rows."""
    reject_rows(
        missing,
        "missing key (NaN/None)",
        column=column,
        table=table,
        fix="every row needs a key; drop or fill these rows",
    )


_CHUNK = 1 << 20

_EXACT_FLOAT = EXACT_FLOAT
_INT64_MAX = 2**63 - 1


def _wide_ints(arr: np.ndarray) -> bool:
    """Whether ``arr`` holds uint64 keys above the int64 range: they are keyed exactly, as
    their text (``"9223372036854775808"``), never wrapped onto negative keys; so are Python
    ints beyond int64 (``10**20``), and an integer key of another table meets them by its
    text (:func:`_merge_keys`)."""
    return arr.dtype.kind == "u" and arr.size > 0 and bool(arr.max() > np.uint64(_INT64_MAX))


def _python_ints(arr: np.ndarray) -> bool:
    """Whether the object array ``arr`` holds integers only (Python ints beyond int64: a
    column of them is keyed by their text, exact), no missing value, no bool."""
    return arr.dtype.kind == "O" and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in arr.tolist()
    )


def as_key_text(ids: np.ndarray) -> np.ndarray:
    """Ids to look up among keys: Python ints beyond int64 as their text, as
    :func:`_key_codes` keys them (``10**20`` finds the key ``"100000000000000000000"``)."""
    wide = ids.dtype.kind == "O" and object_kind(ids) == "f" and _python_ints(ids)
    return ids.astype(str).astype(object) if wide or _wide_ints(ids) else ids


def _checked_string_keys(cat: Categorical, *, column: str, table: str, lazy: bool) -> _Keys:
    cats = stored(cat, "categories")  # (strings not made yet stay so: most calls never read them)
    if cat.sort_keys is not None:  # sorted strings (the kernel's): "" can only come first
        empty = np.flatnonzero(cat.sort_keys[:1] == 0)  # (the canonical word of "")
    elif isinstance(cats, Later):  # (the kernel's sorted strings, not made yet)
        empty = np.flatnonzero([cats.size > 0 and cats.first_is_empty()])
    else:
        empty = np.flatnonzero(cats == "")
    if empty.size:
        reject_rows(
            cat.codes == empty[0],
            "empty key",
            column=column,
            table=table,
            values="",
            fix="every row needs a non-empty key",
        )
    uniques = cats if lazy else cat.categories  # (int32 codes, as for integer keys)
    return _Keys(cat.codes, uniques, cat.sort_keys)


def _merge_keys(a: _Keys, b: _Keys) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Union of two key sets: (uniques, codes of a, codes of b) into the union."""
    if a.uniques.dtype.kind != b.uniques.dtype.kind and a.uniques.size and b.uniques.size:
        # int keys on one side, strings on the other: compare as strings
        a = _Keys(a.codes, a.uniques.astype(str).astype(object))
        b = _Keys(b.codes, b.uniques.astype(str).astype(object))
        oa, ob = np.argsort(a.uniques), np.argsort(b.uniques)
        ra, rb = np.empty_like(oa), np.empty_like(ob)
        ra[oa], rb[ob] = np.arange(oa.size), np.arange(ob.size)
        a = _Keys(ra[a.codes], a.uniques[oa])
        b = _Keys(rb[b.codes], b.uniques[ob])
    if b.uniques.size == 0:
        return a.uniques, a.codes, b.codes
    if a.sort_keys is not None and b.sort_keys is not None:  # integer search, both sorted
        pos, found = _search_sorted(a.sort_keys, b.sort_keys)
    else:
        pos, found = lookup(a.uniques, b.uniques)
    if found.all():
        return a.uniques, a.codes, pos[b.codes].astype(np.int64)
    union = np.concatenate([a.uniques, b.uniques[~found]])
    if a.sort_keys is not None and b.sort_keys is not None:
        order = np.argsort(np.concatenate([a.sort_keys, b.sort_keys[~found]]), kind="stable")
    else:
        order = np.argsort(union, kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    b_in_union = np.empty(b.uniques.size, dtype=np.int64)
    b_in_union[found] = pos[found]
    b_in_union[~found] = a.uniques.size + np.arange(int((~found).sum()))
    return union[order], rank[a.codes], rank[b_in_union][b.codes]


def _search_sorted(hay: np.ndarray, needles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``needles`` in the sorted, distinct ``hay`` (``-1`` and ``False`` where absent)."""
    pos = np.searchsorted(hay, needles)
    found = pos < hay.size
    found[found] = hay[pos[found]] == needles[found]
    return np.where(found, pos, -1), found


def _validate_offsets(offsets: np.ndarray, n_items: int, name: str) -> np.ndarray:
    off = np.asarray(offsets)
    if off.dtype.kind not in "iu" or off.ndim != 1 or off.size < 1:
        raise DataValidationError(
            "offsets must be a 1-D integer array of length n_groups + 1",
            column="offsets",
            table=name,
        )
    off = off.astype(np.int64)
    if off[0] != 0 or off[-1] != n_items or np.any(np.diff(off) < 0):
        raise DataValidationError(
            f"offsets must start at 0, be non-decreasing and end at {n_items}",
            column="offsets",
            table=name,
            value=(int(off[0]), int(off[-1])),
            fix="build offsets as concatenate([[0], cumsum(lengths)])",
        )
    return off


def _segment_of(offsets: np.ndarray) -> np.ndarray:
    n = offsets.size - 1
    return np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))


@dataclass(frozen=True, eq=False)
class _Encoded:
    """What ``Journeys.build`` read and encoded, in input row order, before sorting."""

    keys: np.ndarray  # sorted journey keys
    codes: np.ndarray  # journey of each input row
    time: np.ndarray  # datetime64[us] per input row
    channel: Categorical
    touch_columns: dict[str, Categorical]
    touch_numeric: dict[str, np.ndarray]
    converted_at: np.ndarray  # per journey
    revenue: np.ndarray  # per journey
    anchors: dict[str, np.ndarray]
    journey_columns: dict[str, Categorical]
    key_column: str
    backend: str
    n_rows: int
    #: caller's row of each element (``None``: element ``i`` is row ``i``); deal-keyed journeys
    #: repeat a touch once per deal whose journey holds it
    rows: np.ndarray | None = None


def check_total(amounts: np.ndarray, *, column: str, table: str) -> None:
    """Refuse amounts, each finite, whose total is not (past the largest float64): every
    total and share made of them would be ``inf`` or ``NaN``.  ``NaN`` (missing) is left out."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.nansum(amounts))
    if not np.isfinite(total):
        raise DataValidationError(
            f"the {column!r} values add up past the largest number a float holds (1.8e308)",
            column=column,
            table=table,
            fix="give the amounts in a larger unit (thousands, millions)",
        )


def amounts(values: np.ndarray, *, column: str, table: str) -> np.ndarray:
    """A column of amounts every row needs (the revenue of a conversion, the amount of a won
    deal) as float64, its total checked (:func:`check_total`).

    Raises
    ------
    DataValidationError
        A negative or infinite amount; a missing one (``None``, a null, ``NaN``: an amount
        not known is neither 0 nor a number), named as missing.
    """
    out = numeric(values, column=column, table=table, allow_missing=True, nonnegative=True)
    reject_rows(
        np.isnan(out),
        "missing value (None, null or NaN: no amount given)",
        column=column,
        table=table,
        fix="give every row its amount (0 when it brought none), or drop these rows",
    )
    check_total(out, column=column, table=table)
    return out
