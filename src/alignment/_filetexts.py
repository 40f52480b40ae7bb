"""The text columns of a CRM file, factorised as they are read (:mod:`alignment.io`).

A file's text column is read once: ids of touches, statuses, campaign names.  Its values are
hashed by pyarrow (:func:`hash_factorize`) unless its first rows are all distinct (record ids)
or it has many distinct values (ids that repeat): those are sorted by their words instead.
Or they are kept as one Python string per row when they hardly repeat
(:func:`row_texts`: e-mail addresses).  :func:`coded_categorical` gives the
:class:`~alignment._columns.Categorical` of a column held as codes into texts, without a
string per row.  Same results as :func:`alignment._factorize.factorize`: codes into the sorted
distinct values, ``-1`` for null.

Part of the one dataframe boundary: pyarrow is imported lazily, inside the functions.
"""

from __future__ import annotations

import functools
from typing import Any, cast

import numpy as np

from ._cells import ArrowStrings, ArrowText, joined, objects
from ._chunkwords import chunk_words
from ._columns import Categorical, DeferredCategorical, occurring, stored
from ._factorize import (
    HASH_FACTORIZE_MIN_ROWS,
    SAMPLE_ROWS,
    _arrow_index,
    _buffers,
    _bytes_factorize,
    _canonical_keys,
    _dictionary_factorize,
    _encoded_factorize,
    _encoded_parts,
    _entries,
    _from_words,
    _has,
    _ints,
    _is_text,
    _text_of_keys,
    _valid,
    indexed_factorize,
    sample_distinct,
)
from ._pool import arrow_pool

__all__ = [
    "coded_categorical",
    "deferred_categorical",
    "hash_factorize",
    "row_texts",
    "text_columns",
    "whole_cells",
]


def hash_factorize(arr: Any) -> Categorical:
    """Factorise an Arrow string column (plain or dictionary-encoded) by pyarrow's hashing.

    The same :class:`Categorical` as :func:`_arrow_factorize` (sorted categories, ``-1`` for
    null), whatever the number of distinct values: one hash pass over the rows in pyarrow, then
    a sort of the distinct values only (a dictionary column's own dictionary reused).  For the
    text columns of a file, which are read once: pyarrow's hashing is the fastest way while
    its table of distinct values stays in the caches (statuses, campaigns, owners).  A column
    of record ids (its first rows all distinct, :func:`_distinct_head`) is sorted by its words
    instead, not hashed; so is a column of many distinct values (:func:`_many_values`) when
    its strings pack into one 64-bit word each (ids of one format, blanks aside).
    """
    import pyarrow as pa

    if pa.types.is_dictionary(arr.type) and isinstance(arr, pa.ChunkedArray):
        if arr.num_chunks > 1:
            return chunked_dictionary_factorize(arr)
    if pa.types.is_dictionary(arr.type):
        return _dictionary_factorize(joined(arr), _encoded_factorize)
    if _distinct_head(arr):
        out = _words_factorize(arr, distinct=True)  # (record ids: sorted by their words)
        if out is not None:
            return out
    elif _many_values(arr):  # (ids that repeat: sorted by their words when packed in one)
        out = _words_factorize(arr, packed_only=True)
        if out is not None:
            return out
    return _hashed(arr)  # (a chunked column as it is: its strings not joined)


def _words_factorize(arr: Any, **how: bool) -> Categorical | None:
    """:func:`_bytes_factorize` of an Arrow string column (``None`` when it declines): a
    column of ids of one length in several chunks read in place, chunk by chunk
    (:func:`._chunkwords.chunk_words`), not joined into one (6·10^6 campaign members' lead
    ids: 108 MB of bytes not copied, nor 76 MB of the present rows' offsets gathered)."""
    import pyarrow.compute as pc

    found = chunk_words(arr)
    if found is None:
        return _bytes_factorize(joined(arr), **how)  # (``distinct``, ``packed_only``)
    words, present = found

    def decode(first_words: np.ndarray, first: np.ndarray | None) -> np.ndarray:
        if words.canonical:  # the strings are in their words: no gather from the column
            return _text_of_keys(first_words)
        assert first is not None  # (ids not packed in one word: taken from the column)
        rows = first if present is None else np.flatnonzero(present)[first]
        return objects(pc.take(joined(arr), _arrow_index(rows), memory_pool=arrow_pool()))

    m = len(arr) - arr.null_count
    distinct, packed_only = how.get("distinct", False), how.get("packed_only", False)
    cat = _from_words(words, decode, None, m, distinct=distinct, packed_only=packed_only)
    if cat is None or present is None:
        return cat
    codes = np.full(len(arr), -1, dtype=np.int32)
    codes[present] = cat.codes
    return Categorical(codes, stored(cat, "categories"), cat.sort_keys)


def _hashed(arr: Any) -> Categorical:
    """Factorise an Arrow string column by pyarrow's hashing (one pass over the rows, its
    chunks as they are), then its distinct values: sorted by pyarrow when few, by their words
    (:func:`_entries`) when its first rows are mostly distinct (ids: 10^5 distinct account ids
    sorted in 15 ms of CPU rather than 26, their Python strings made only when read)."""
    import pyarrow.compute as pc

    head = arr.slice(0, SAMPLE_ROWS)
    present = len(head) - head.null_count
    if present < DISTINCT_HEAD_MIN or 2 * sample_distinct(arr) < present:
        return _encoded_factorize(arr)
    dictionary, index = _encoded_parts(pc.dictionary_encode(arr, memory_pool=arrow_pool()))
    return indexed_factorize(index, _entries(dictionary, None, None))


DISTINCT_HEAD_MIN = 4096
"""Values present among a column's first rows from which, when half of them are distinct, its
distinct values are sorted by their words rather than by pyarrow (:func:`_hashed`)."""


def chunked_dictionary_factorize(arr: Any) -> Categorical:
    """Factorise an Arrow dictionary column of several chunks (a CSV file's blocks, a Parquet
    file's row groups), each with its own dictionary, chunk by chunk: the entries of every
    chunk's dictionary factorised together (a few per chunk), then each chunk's indices mapped
    through its entries' codes into the rows' codes (:func:`_chunk_codes`).  No dictionaries
    unified, no indices joined or widened to 64 bits: one pass over the rows, and the
    categories no row uses found from the entries each chunk uses (5.7·10^6 rows of four
    columns: 0.28 → 0.1 → 0.05 s of CPU).  The same :class:`Categorical` as
    :func:`_dictionary_factorize` of the column joined."""
    import pyarrow as pa

    chunks = [c for c in arr.chunks if len(c)]
    keys = [_buffers(c.dictionary) for c in chunks]  # (what each chunk's dictionary views)
    first: dict[tuple[Any, ...], int] = {}  # (each distinct dictionary: its first entry)
    distinct: list[Any] = []  # (a dictionary shared by chunks is factorised once)
    for key, c in zip(keys, chunks):  # a loop over the chunks (one per block of rows)
        if key not in first:
            first[key] = sum(map(len, distinct))
            distinct.append(c.dictionary)
    values = pa.chunked_array(distinct, type=arr.type.value_type)
    entries = _encoded_factorize(values)  # (the entries of the dictionaries, in turn)
    cats = stored(entries, "categories")
    codes = np.empty(sum(len(c) for c in chunks), dtype=np.int32)
    used = np.zeros(len(cats) + 1, dtype=bool)  # (the categories some row has; last: null)
    missed: list[tuple[np.ndarray, np.ndarray]] = []  # (chunks whose first rows miss entries)
    row = 0
    for key, chunk in zip(keys, chunks):  # a loop over the chunks
        entry, size = first[key], len(chunk.dictionary)
        lookup = np.append(entries.codes[entry : entry + size], np.int32(-1))  # (-1: null)
        index = _chunk_codes(chunk.indices, lookup, codes[row : row + len(chunk)])
        seen = _entries_used(index[:_PROBE_ROWS], size)
        used[lookup[seen]] = True
        if not seen[:size].all():
            missed.append((index, lookup))
        row += len(chunk)
    for index, lookup in missed:  # (a loop over the chunks of entries still unseen: few)
        if not used[lookup].all():
            used[lookup[_entries_used(index, lookup.size - 1)]] = True
    if not used[:-1].all():  # (an entry no row uses: the categories renumbered)
        return occurring(codes, cats, entries.sort_keys)
    return Categorical(codes, cats, entries.sort_keys)


_PROBE_ROWS = 1024
"""Rows of a dictionary chunk whose entries are counted (:func:`chunked_dictionary_factorize`):
a chunk's dictionary holds the values of its rows, most of them met in its first rows; all
its rows are counted only for categories no chunk's first rows have."""


def _chunk_codes(indices: Any, lookup: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Write the codes of a dictionary chunk's rows into ``out``: ``lookup`` (the code of each
    entry, then ``-1`` for null) at each row's index.  Returns those indices (a null's: the
    null slot, ``lookup.size - 1``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    size, nulls = lookup.size - 1, indices.null_count
    if nulls:
        wide = pc.cast(indices, pa.int64(), memory_pool=arrow_pool())  # (room for the slot)
        indices = pc.coalesce(wide, pa.scalar(size, pa.int64()), memory_pool=arrow_pool())
    index = _ints(indices)  # (a view of its buffer)
    if not nulls and np.array_equal(lookup[:-1], np.arange(size)):
        out[...] = index  # (the entries' codes are their indices: a copy, no gather)
    else:
        np.take(lookup, index, out=out)  # (an index out of range raises, as a gather does)
    return index


def _entries_used(index: np.ndarray, size: int) -> np.ndarray:
    """Which of ``size`` dictionary entries, and the null slot after them, ``index`` uses."""
    used: np.ndarray = np.bincount(index, minlength=size + 1) > 0
    return used


MANY_VALUES = 100_000
"""Distinct values a text column has (estimated, :func:`_many_values`) from which it is
sorted by its words rather than hashed by pyarrow: hashing slows down as its table outgrows
the caches, sorting does not (6·10^6 Salesforce ids: hashing takes 0.13 s of CPU for 10^4
distinct ids, 0.33 s for 10^5 and 0.74 s for 4.9·10^5; sorting 0.30–0.43 s for any)."""

_BLOCKS, _BLOCK_ROWS = 8, 4096


def _many_values(arr: Any) -> bool:
    """Whether a long Arrow string column has :data:`MANY_VALUES` distinct values or more, as
    estimated from blocks of rows spread over it.

    The values found in the first half of the blocks and in the second half are compared as
    two catches of the same population (Lincoln–Petersen): ``D ≈ a·b / (values in both)``.
    Rows in any order: a few values in random order are found in both halves; ids whose rows
    are grouped (a person's touches one after the other) seldom are."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(arr)
    rows = min(_BLOCK_ROWS, n // _BLOCKS)
    if n < HASH_FACTORIZE_MIN_ROWS or not rows or not _is_text(arr.type):
        return False
    step = (n - rows) // (_BLOCKS - 1)
    blocks = [arr.slice(k * step, rows) for k in range(_BLOCKS)]
    halves = [_concat(blocks[: _BLOCKS // 2]), _concat(blocks[_BLOCKS // 2 :])]
    if pa.types.is_string_view(arr.type):
        halves = [h.cast(pa.large_string()) for h in halves]
    pool = arrow_pool()
    a, b = (int(pc.count_distinct(h, memory_pool=pool).as_py()) for h in halves)
    both = a + b - int(pc.count_distinct(_concat(halves), memory_pool=pool).as_py())
    return a * b >= MANY_VALUES * max(both, 1)


def _concat(parts: list[Any]) -> Any:
    """Arrow arrays or chunked arrays as one chunked array (no copy)."""
    import pyarrow as pa

    chunks = [c for p in parts for c in (p.chunks if isinstance(p, pa.ChunkedArray) else [p])]
    return pa.chunked_array(chunks, type=parts[0].type)


def _distinct_head(arr: Any) -> bool:
    """Whether a long Arrow string column looks like record ids: its first rows all distinct
    and present.  Sorting distinct strings by their words takes a third of the CPU time of
    hashing them (976,556 Salesforce ids: 0.14 against 0.45 s); a repeat further down is
    caught and hashed (:func:`factorize_words`), so the result is exact either way."""
    n = len(arr)
    if n < HASH_FACTORIZE_MIN_ROWS or not _is_text(arr.type):
        return False
    return sample_distinct(arr) == min(n, SAMPLE_ROWS)  # (nulls are not counted as distinct)


def coded_categorical(codes: np.ndarray, texts: np.ndarray) -> Categorical | None:
    """The :class:`Categorical` of the column whose row ``r`` is ``texts[codes[r]]`` (missing
    where the code is ``-1`` or the text ``None``), without a string per row: the same as
    factorising those strings.  ``texts`` may repeat a value or hold unused ones.  ``None``
    without pyarrow (the caller then reads the strings)."""
    if not _has("pyarrow"):
        return None
    import pyarrow as pa

    by_rows = texts.size >= codes.size > 0
    if isinstance(texts, ArrowStrings) and not texts.is_made():  # (their Arrow strings)
        if isinstance(texts, ArrowText):  # (sorted and distinct: each its own category)
            return indexed_factorize(codes, (None, texts, _canonical_keys(texts.arrow)))
        factorize_values = _encoded_factorize if by_rows else None
        return indexed_factorize(codes, _entries(texts.arrow, factorize_values, None))
    objects = np.asarray(texts, dtype=object)
    if _sorted_long(objects):  # (the persons' ids, a hashed column's texts: no Arrow copy)
        return indexed_factorize(codes, (None, objects.copy(), None))
    dictionary = pa.array(objects, type=pa.string(), from_pandas=True)
    # texts of a hashed column are distinct (sorted, not hashed again); one text per row (a
    # column of mostly distinct values kept as it was read, e-mail addresses) may repeat:
    # hashed by pyarrow (long texts: half the time of the byte-word kernel).  The rows' codes
    # are the dictionary's indices as they are (-1: missing)
    entries = _entries(dictionary, _encoded_factorize if by_rows else None, texts)
    return indexed_factorize(codes, entries)


def _sorted_long(texts: np.ndarray) -> bool:
    """Whether Python texts are ``str``, strictly increasing, and one of them is longer than 7
    characters: their own order is the categories' (code point order, that of their UTF-8
    bytes), and they have no sort keys (:attr:`Categorical.sort_keys`: 7 bytes at most), so
    they need no Arrow copy.  ``False`` for anything else (``None``, other objects)."""
    if texts.size < 2:
        return False
    try:
        if max(map(len, texts.tolist())) <= 7:
            return False
        return bool(np.all(texts[1:] > texts[:-1]))
    except TypeError:  # (a None, a number …: the general way)
        return False


def deferred_categorical(codes: np.ndarray, texts: np.ndarray) -> Categorical | None:
    """:func:`coded_categorical`, made on first use of the codes or categories (a
    :class:`~alignment._columns.DeferredCategorical`); ``None`` without pyarrow."""
    if not _has("pyarrow"):
        return None
    make = functools.partial(_made, codes, texts)  # (a partial of a module function: pickles)
    return DeferredCategorical(make, codes.size, source=(codes, texts))


def _made(codes: np.ndarray, texts: np.ndarray) -> Categorical:
    cat = coded_categorical(codes, texts)
    assert cat is not None  # (pyarrow is there)
    return cat


def text_columns(table: Any) -> tuple[Any, dict[str, Any]]:
    """The string columns (plain or dictionary-encoded) of a PyArrow table taken out: the table
    of its other columns, and ``{name: column}`` of those (to :func:`hash_factorize`)."""
    import pyarrow as pa

    texts: dict[str, Any] = {}
    if len(set(table.column_names)) < table.num_columns:  # (refused where it is read)
        return table, texts
    for name, column in zip(table.column_names, table.columns):  # a loop over columns
        kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            texts[str(name)] = column
    return table.drop_columns(list(texts)), texts


def row_texts(arr: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """An Arrow string column carried to a result as ``(codes, strings)``: its strings
    (:class:`~alignment._cells.ArrowStrings`, made only when they are first read) and each
    row's code (``-1`` where null); ``None`` when it is not a string column, or empty.

    Text only carried to a result (e-mail addresses, company names) is never grouped or
    sorted by the reader: values mostly distinct (3 in 4 of its first rows) are one string
    per row, code ``r`` for row ``r`` (``""`` where null); others are hashed once, their
    distinct values in the order met, not sorted.  (Company names, 91 in 100 distinct among a
    lead export's first rows and 28 in 100 of its 10^6 rows: hashed, 0.17–0.33 s of CPU; one
    string per row, 0.01 s, and 50 MB more of strings held by the result.)
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    n = len(arr)
    if n == 0:
        return None
    if sample_distinct(arr) * 4 < 3 * min(n, SAMPLE_ROWS):  # (values that repeat)
        dictionary, codes = _encoded_parts(pc.dictionary_encode(arr, memory_pool=arrow_pool()))
        return codes, cast(np.ndarray, ArrowStrings(dictionary))
    arr = joined(arr)
    codes = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)  # (as CodedText keeps them)
    if arr.null_count:
        codes[~_valid(arr)] = -1
        arr = pc.coalesce(arr, pa.scalar("", arr.type), memory_pool=arrow_pool())  # (never read)
    return codes, cast(np.ndarray, ArrowStrings(arr))  # (made on first use; reads as an array)


def whole_cells(values: np.ndarray, sep: str) -> np.ndarray | None:
    """Each cell as it is (``None`` where missing: ``None`` or ``NaN``, as
    :func:`~alignment._frames.factorize` reads them) when, read from the cells' bytes (one
    Arrow conversion, no hashing), none may list several ids or need trimming: none holds
    ``sep``, is empty, or starts or ends with a byte that may begin or end a space (ASCII
    up to ``" "``, or any non-ASCII byte).  ``None`` otherwise, or for cells that are not
    all strings (the distinct cells are then split, as before)."""
    if type(values) is not np.ndarray or values.dtype != object or not _has("pyarrow"):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    _, offsets, data = arr.buffers()
    ends = np.frombuffer(offsets, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    starts, ends = ends[:-1][valid], ends[1:][valid]
    if bool(np.any(ends <= starts)):  # (an empty cell)
        return None
    if starts.size:
        raw = np.frombuffer(data, dtype=np.uint8)
        edges = np.concatenate([raw[starts], raw[ends - 1]])
        if (
            bool(np.any((edges <= 0x20) | (edges >= 0x80)))
            or pc.any(pc.match_substring(arr, sep)).as_py()
        ):
            return None
    out = np.array(values, dtype=object)
    out[~valid] = None
    return out
