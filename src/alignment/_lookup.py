"""Keys of one table found in another (:func:`lookup`), for every reader of two tables.

Hashing in general; one pass of comparisons when both hold the same sorted values; a binary
search of the bytes when the haystack holds sorted strings of one length, as the categories
of Salesforce ids are.  Part of the one dataframe boundary (with :mod:`._frames`): pyarrow is
imported lazily, inside the functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._cells import ArrowText, arrow_of, search_cells, search_packed
from ._columns import Categorical
from ._factorize import _has
from ._parse import _missing_mask
from ._rows import object_kind
from .errors import reject_rows

__all__ = ["lookup"]


def lookup(
    haystack: np.ndarray, needles: Any, *, column: str | None = None, table: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``needles`` in ``haystack`` (whose values are unique), by hashing (or, for
    fewer needles than a haystack of sorted strings of one UTF-8 length, a binary search).

    Parameters
    ----------
    haystack : ndarray
        Unique values (integers or strings).
    needles : ndarray, sequence or Categorical
        Values to find.  A :class:`Categorical` is looked up through its categories only.
    column, table : str, optional
        The caller's column (and table) holding ``needles``, named when a needle is refused.

    Returns
    -------
    positions : ndarray of int64
        Index into ``haystack`` (``-1`` where absent).
    found : ndarray of bool
    """
    if isinstance(needles, Categorical):
        if _same_values(needles.categories, haystack):  # (the categories are the haystack)
            codes = needles.codes.astype(np.int64)
            return codes, codes >= 0
        pos_c, _ = lookup(haystack, needles.categories)
        ok = needles.codes >= 0
        pos = np.full(needles.codes.size, -1, dtype=np.int64)
        pos[ok] = pos_c[needles.codes[ok]]
        return pos, pos >= 0
    haystack, needles = _ints_as_text(haystack), _ints_as_text(needles)
    packed = _search_packed(haystack, needles)  # (the haystack's text not read at all)
    if packed is not None:
        return packed, packed >= 0
    made = arrow_of(haystack)  # (the kernel's Arrow strings: searched, not made into objects)
    needles_made = arrow_of(needles) if made is not None else None
    increasing = isinstance(haystack, ArrowText)  # (sorted distinct strings, by construction)
    if needles_made is not None:  # (both the kernel's: no Python string on either side)
        searched = search_cells(made, needles_made, increasing=increasing)
        if searched is not None:
            return searched, searched >= 0
    q = np.asarray(needles)
    if made is not None and q.dtype.kind in "OU" and _has("pyarrow"):
        searched = _search_made(made, q, increasing)
        if searched is not None:
            return searched, searched >= 0
    hay, q = _integral(np.asarray(haystack)), _integral(q)  # (1.0 is the key 1)
    if q.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=bool)
    if hay.dtype.kind in "iu" and q.dtype.kind in "iu":
        order = np.argsort(hay, kind="stable")
        sorted_hay = hay[order]
        pos = np.searchsorted(sorted_hay, q)
        found = pos < sorted_hay.size
        found[found] = sorted_hay[pos[found]] == q[found]
        out = np.full(q.size, -1, dtype=np.int64)
        out[found] = order[pos[found]]
        return out, found
    hay_s, q_s = _objects(hay), _objects(q)
    if _has("pyarrow"):
        import pyarrow.compute as pc

        q_a, hay_a = _as_arrow_text(q_s), _as_arrow_text(hay_s)
        if q_a is not None and hay_a is not None and not hay_a.null_count:
            if len(hay_a) <= len(q_a):
                idx = pc.index_in(q_a, value_set=hay_a)  # hash table on the haystack
                out = np.asarray(idx.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
                return out, out >= 0
            searched = search_cells(hay_a, q_a)  # (sorted ids of one length: no hashing)
            if searched is not None:
                return searched, searched >= 0
            # fewer needles: hash the distinct needles and probe with the haystack (cheaper
            # than building a table of the whole haystack); haystack values are unique
            enc = pc.dictionary_encode(q_a)
            hit = np.asarray(
                pc.index_in(hay_a, value_set=enc.dictionary)
                .fill_null(-1)
                .to_numpy(zero_copy_only=False),
                dtype=np.int64,
            )
            pos_u = np.full(len(enc.dictionary) + 1, -1, dtype=np.int64)  # last slot: null
            found_hay = np.flatnonzero(hit >= 0)
            pos_u[hit[found_hay]] = found_hay
            codes = np.asarray(
                enc.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64
            )
            out = pos_u[codes]
            return out, out >= 0
    _refuse_unhashable(hay_s)
    _refuse_unhashable(q_s, column=column, table=table)
    _refuse_mixed(q_s, column=column, table=table)
    index = {
        v: i for i, v in enumerate(hay_s.tolist())
    }  # hashing: O(n), no Python comparisons sort
    out = np.fromiter((index.get(v, -1) for v in q_s.tolist()), dtype=np.int64, count=q_s.size)
    return out, out >= 0


#: floats hold every integer below 2**53 apart; from here on they do not (``2**53 + 1`` is
#: rounded to ``2.0**53``), so a float of 2**53 or more is no exact integer
EXACT_FLOAT = 2.0**53


def _integral(values: np.ndarray) -> np.ndarray:
    """Float keys as the tables key them: a whole number as the integer (``1.0`` is the key
    ``1``, as an integer or as the text ``"1"``); other floats stay apart (as their text)."""
    if values.dtype.kind != "f":
        return values
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(values) & (values == np.round(values)) & (np.abs(values) < EXACT_FLOAT)
    if whole.all():
        return values.astype(np.int64)
    out = values.astype(str).astype(object)
    out[whole] = values[whole].astype(np.int64).astype(str)
    return out


def _ints_as_text(values: Any) -> Any:
    """Keys held as Python ints in objects (beyond int64 too; ``None`` where missing) as their
    text, as every key column keys them: ``10`` finds the key ``"10"`` (and the integer ``10``,
    met by its text), ``10**20`` the key ``"100000000000000000000"``, exactly; other values as
    they are."""
    if isinstance(values, (list, tuple)):
        values = np.asarray(values, dtype=object)
    if not isinstance(values, np.ndarray) or values.dtype.kind != "O" or values.size == 0:
        return values
    if object_kind(values) != "f":  # (text, flags, a mix: read as they are)
        return values
    missing = _missing_mask(values)
    items = values.tolist()
    if not all(
        m or (isinstance(v, (int, np.integer)) and not isinstance(v, bool))
        for v, m in zip(items, missing.tolist(), strict=True)
    ):
        return values  # (floats or decimals among them: read as numbers)
    return np.array(
        [None if m else str(v) for v, m in zip(items, missing.tolist(), strict=True)], dtype=object
    )


def _objects(values: np.ndarray) -> np.ndarray:
    """Keys as Python objects, numbers as their text (so that ``1`` finds the key ``"1"``);
    bytes stay bytes (``b"a"`` is not the text ``"a"``)."""
    return (
        values
        if values.dtype.kind == "O"
        else values.astype(object if values.dtype.kind == "S" else str).astype(object)
    )


def _refuse_unhashable(
    ids: np.ndarray, *, column: str | None = None, table: str | None = None
) -> None:
    """Refuse ids that are no value an id can be (a dict or list left in an id column, e.g.
    a JSON object): they cannot be looked up.  The caller's rows are named when the caller
    reads its table in :func:`alignment.errors.caller_rows`; its column and table when the
    caller gives them."""
    kinds = (dict, list, set, bytearray, np.ndarray)
    bad = np.fromiter((isinstance(v, kinds) for v in ids.tolist()), dtype=bool, count=ids.size)
    reject_rows(
        bad,
        "a key (an id of a row looked up in another table) that is not text or a number "
        "(a dict, list or array) cannot be looked up",
        column=column,
        values=ids,
        fix="give each row its id as text or a number",
        table=table,
    )


def _refuse_mixed(ids: np.ndarray, *, column: str | None, table: str | None) -> None:
    """Refuse an object column of keys mixing text and numbers (``[1.0, "A"]``), as a key
    column read in its own table is: whether ``1.0`` is the key ``1`` or the text ``"1.0"`` would
    be a guess (a column of numbers alone is keyed as numbers, one of text alone as text)."""
    if ids.dtype.kind != "O" or ids.size == 0:
        return
    values = ids.tolist()
    text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=ids.size)
    if not text.any():
        return
    number = np.fromiter(
        (isinstance(v, (bool, int, float, np.number)) and v == v for v in values),
        dtype=bool,
        count=ids.size,
    )
    first = values[int(np.argmax(number))] if number.any() else None
    reject_rows(
        number,
        f"expected strings, found {type(first).__name__} (a key column mixing text and "
        "numbers: a number is neither surely its text nor surely a number key)",
        column=column,
        values=ids,
        fix="give every key as text (or every key as an integer)",
        table=table,
    )


def _search_made(made: Any, q: np.ndarray, increasing: bool) -> np.ndarray | None:
    """:func:`._cells.search_cells` of needles ``q`` in the Arrow strings a factoriser made
    (``None``: not strings, or the search declines)."""
    q_a = _as_arrow_text(q)
    return None if q_a is None else search_cells(made, q_a, increasing=increasing)


def _as_arrow_text(q: np.ndarray) -> Any:
    """``str`` values (``None`` or NaN: null) as an Arrow string array; ``None`` when they are
    not all strings (``bytes`` are not text: PyArrow would take them for their UTF-8), or hold
    a lone surrogate (no UTF-8 of its own)."""
    import pyarrow as pa

    try:
        out = pa.array(q.astype(object) if q.dtype.kind == "U" else q, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):
        return None
    if pa.types.is_null(out.type):  # (no value at all)
        return out.cast(pa.string())
    return out if pa.types.is_string(out.type) or pa.types.is_large_string(out.type) else None


def _search_packed(haystack: Any, needles: Any) -> np.ndarray | None:
    """:func:`._cells.search_packed` of needles given as the kernel's strings or as ``str``
    values (``None``: the haystack's strings were not packed, or the needles are not text)."""
    if not isinstance(haystack, ArrowText) or haystack.packed is None:
        return None
    arrow = arrow_of(needles)
    if arrow is None:
        q = np.asarray(needles)
        if q.dtype.kind not in "OU" or not _has("pyarrow"):
            return None
        arrow = _as_arrow_text(q)
    return None if arrow is None else search_packed(haystack, arrow)


_EQUAL_CHUNK = 1 << 16


def _same_values(categories: np.ndarray, haystack: Any) -> bool:
    """Whether ``haystack`` holds ``categories`` in the same order (then a category's code is its
    position there): the same array, or equal strings at every position.

    The lead ids of a table and the categories of its touches' lead ids are one sorted set as
    often as not (a CRM bundle's persons and their touches): one pass of comparisons instead
    of hashing both.  Checked at its ends and middle first, so that other haystacks cost little.
    """
    hay = haystack if isinstance(haystack, np.ndarray) else None
    if hay is None or hay.ndim != 1 or hay.size != categories.size or hay.dtype != categories.dtype:
        return False
    if hay is categories or hay.size == 0:
        return True
    if hay.dtype.kind not in "OU":
        return False
    probe = np.unique(np.linspace(0, hay.size - 1, num=min(hay.size, 64)).astype(np.int64))
    if not bool(np.all(hay[probe] == categories[probe])):
        return False
    return all(  # (in chunks: no full-length temporary)
        bool(np.array_equal(hay[c0 : c0 + _EQUAL_CHUNK], categories[c0 : c0 + _EQUAL_CHUNK]))
        for c0 in range(0, hay.size, _EQUAL_CHUNK)
    )
