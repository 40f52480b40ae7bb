"""Our tables as a read returns them: working columns dropped, rows in a canonical order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._columns import Later
from .._crm import CodedColumns, empty_tables
from .._later_tables import LaterTable
from .._segments import take_rows
from .._time import TIME_DTYPE
from ._context import DEAL, DEAL_RANK, LIVE, PERSON, ROW, SRC, Table, take
from ._order import SortedKeys, canonical_order, sort_first
from ._values import CodedText, code_width

__all__ = ["INTERNAL", "SORT_FIRST", "FirstSorted", "finish", "first_sorted"]

#: working columns that are not part of the result
INTERNAL = (
    SRC,
    ROW,
    PERSON,
    DEAL,
    DEAL_RANK,
    LIVE,
    "merged_into",
    "contact_ids",
    "primary_contact_id",
)

#: the columns each result table is sorted by first (then every other column)
SORT_FIRST: Mapping[str, tuple[str, ...]] = {
    "leads": ("lead_id",),
    "touchpoints": ("lead_id", "timestamp"),
    "deals": ("deal_id",),
    "deal_contacts": ("deal_id", "lead_id"),
    "activities": ("lead_id", "timestamp"),
    "costs": ("campaign", "channel"),
}


#: rows sorted by a table's first columns, whether each ties with the next, and their keys
#: when sorted as one combined key (see :func:`~._order.first_order`)
FirstSorted = tuple[np.ndarray, "np.ndarray | None", "SortedKeys | None"]


def _columns(name: str, t: Table) -> tuple[Table, list[str], list[str], int, Table]:
    """The columns of the result (core columns added), its first and other sort columns, its
    number of rows, and the sort keys known already (the persons' rows)."""
    cols = {k: v for k, v in t.items() if k not in INTERNAL}  # (coded texts: strings last)
    n = next(iter(cols.values())).size if cols else 0
    for k, empty in empty_tables()[name].items():
        if k not in cols:
            cols[k] = _missing_of(empty.dtype, n)
    first = [c for c in SORT_FIRST[name] if c in cols]
    rest = sorted(c for c in cols if c not in first)
    known = {"lead_id": t[PERSON]} if PERSON in t else {}  # (person rows: ids in order)
    if DEAL_RANK in t:  # (the ranks of the deal ids, from their one factorisation)
        known["deal_id"] = t[DEAL_RANK]
    return cols, first, rest, n, known


def first_sorted(name: str, t: Table) -> FirstSorted:
    """The rows still in sorted by the table's first columns (:func:`~._order.first_sorted`):
    worked out before its other columns are final (the touches while spellings are folded)."""
    cols, first, _, n, known = _columns(name, t)
    return _first_sorted(cols, first, n, known, t.get(LIVE))


def _first_sorted(
    cols: Table, first: list[str], n: int, known: Table, live: np.ndarray | None
) -> FirstSorted:
    found: list[SortedKeys] = []
    order, tie = sort_first(cols, first, n, known, live, found)
    return order, tie, found[0] if found else None


def finish(
    name: str, t: Table, done: FirstSorted | None = None
) -> tuple[dict[str, np.ndarray] | LaterTable, CodedColumns]:
    """The result table: internal columns dropped, core columns present, the rows still in
    (:data:`~._context.LIVE`) in a canonical order (the same for any row order of the
    files), arrays read-only.  ``done``: the rows sorted by the first columns already
    (:func:`first_sorted`).  The text columns held
    as codes stay so (a :class:`LaterTable`: their strings are written when the bundle's table
    is first read); the persons' ids, when they are strings already, are returned as coded
    columns."""
    coded: CodedColumns = {}
    cols, first, rest, n, known = _columns(name, t)
    live = t.get(LIVE)
    done = _first_sorted(cols, first, n, known, live) if done is None else done
    order = canonical_order(cols, first, rest, n, known, live, done[:2])  # (rows still in)
    in_order = order.size == n and bool(np.all(order == np.arange(n)))  # (the persons: ids sorted)
    n = order.size
    held: dict[str, Any] = {}
    if in_order:
        rows = {k: _view(v) for k, v in cols.items()}
    else:
        rows = _take(cols, order, _decoded(cols, first, known, done[2]))
    for k, v in rows.items():  # (text held as codes: see CRMData)
        if isinstance(v, CodedText):
            width = code_width(v.texts.size)
            held[k] = (_readonly(v.codes().astype(width, copy=False)), v.texts)
        elif isinstance(v, Later):  # (strings not made yet: the persons' ids, one per row)
            held[k] = (_readonly(np.arange(n, dtype=code_width(n))), v)
        else:
            held[k] = _readonly(v)
    ids = held.get("lead_id")
    if name == "leads" and isinstance(ids, np.ndarray):
        # the persons' ids, one per row and in order: their own texts (not hashed again by
        # every engine that keys its rows on them)
        coded[name, "lead_id"] = (ids, _readonly(np.arange(ids.size, dtype=np.int32)), ids)
    if any(isinstance(v, tuple) for v in held.values()):
        return LaterTable(held, n), coded
    return held, coded


#: the narrower codes of a text column of few texts, by the number of its texts (at most)
_NARROW = ((2**7 - 1, np.int8), (2**15 - 1, np.int16))


def _decoded(cols: Table, first: list[str], known: Table, found: SortedKeys | None) -> Table:
    """The first columns in the sorted order, read back from the sorted keys (no gather of
    their rows): instants or integers sorted as they are, and the persons' ids held as codes
    that are the persons' rows (the rows tied on both keys hold the same values)."""
    if found is None or len(first) != 2:
        return {}
    out: Table = {}
    own = [_own_key(cols[c], known.get(c)) for c in first]
    a_type = cols[first[0]].dtype if own[0] and cols[first[0]].dtype.kind in "iu" else None
    for c, key, its in zip(first, found.keys(a_type), own):  # (the two first columns)
        values = cols[c]
        if its and isinstance(values, CodedText):
            out[c] = CodedText(key, values.texts)  # (the first key: made as its codes)
        elif its:
            kind = values.dtype.kind
            out[c] = key.view(values.dtype) if kind == "M" else key.astype(values.dtype, copy=False)
    return out


def _own_key(values: np.ndarray, known: np.ndarray | None) -> bool:
    """Whether a column's sort key holds its own values: the codes of a coded text that are its
    known key (the persons' rows), or instants or integers not known otherwise."""
    if known is not None:
        return isinstance(values, CodedText) and _same(values.codes(), known)
    return type(values) is np.ndarray and values.dtype.kind in "iuM"


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays are the same memory read the same way."""
    return (a.dtype, a.shape, a.strides, a.__array_interface__["data"][0]) == (
        b.dtype,
        b.shape,
        b.strides,
        b.__array_interface__["data"][0],
    )


def _take(cols: Table, order: np.ndarray, decoded: Table) -> Table:
    """The rows at ``order`` of every column (:func:`~._context.take`) but those ``decoded``
    already, the codes of a text column of few texts gathered as narrower integers (the
    column then stays in the CPU caches: a gather of random rows reads a quarter of the
    memory), then widened back."""
    narrow = {k: _narrow(v) for k, v in cols.items() if k not in decoded}
    out = take({k: v for k, v in cols.items() if narrow.get(k, 0) is None}, order)
    out.update(decoded)
    index = order.astype(np.intp, copy=False)
    for k, v in cols.items():  # (a loop over the columns: the text columns of few texts)
        codes = narrow.get(k)
        if codes is not None and isinstance(v, CodedText):
            out[k] = CodedText(take_rows(codes, index), v.texts)  # (codes widened back)
    return {k: out[k] for k in cols}


def _narrow(values: np.ndarray) -> np.ndarray | None:
    """The codes of a text column of few texts as narrower integers (else ``None``)."""
    if isinstance(values, CodedText) and values.codes().dtype.itemsize > 2:
        for most, dtype in _NARROW:  # (a loop over two widths)
            if values.texts.size <= most:
                return values.codes().astype(dtype)
    return None


def _view(values: np.ndarray) -> np.ndarray:
    """A view of a column (strings not made yet: as they are)."""
    if isinstance(values, Later):
        return values
    out: np.ndarray = values.view()
    return out


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _missing_of(dtype: np.dtype[Any], n: int) -> np.ndarray:
    if dtype.kind == "O":
        return np.full(n, None, dtype=object)
    if dtype.kind == "M":
        return np.full(n, np.datetime64("NaT"), dtype=TIME_DTYPE)
    if dtype.kind == "f":
        return np.full(n, np.nan)
    return np.zeros(n, dtype=dtype)
