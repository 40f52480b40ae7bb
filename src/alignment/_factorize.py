"""String factorisation for the dataframe boundary (:mod:`alignment._frames`).

A string column becomes ``int32`` codes into its sorted distinct values (a
:class:`~alignment._columns.Categorical`) without a Python object per row where possible:
Arrow string columns (pandas, Polars, PyArrow) from their bytes (:mod:`._strings`, or
pyarrow's dictionary encoding for columns of few categories), a dictionary the column already
has (Polars categoricals, pandas categories) reused, numpy unicode arrays from their bytes
(ASCII text) or code points, or hashed by pyarrow (few categories).

Part of the one dataframe boundary: with ``_frames``, ``_files``, ``_filetexts`` and
``_textnorm``, the only modules that import pandas, Polars or PyArrow (always lazily, inside
the functions that need them).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np

from ._cells import (
    ArrowText,
    SoonText,
    arrow_of,
    joined,
    packed_text,
    remember,
    string_buffers,
    text_of_cells,
    text_of_words,
)
from ._cells import objects as _objects
from ._columns import Categorical, occurring, stored
from ._digits import factorize_numbered
from ._pool import arrow_pool
from ._strings import Decoder, Soon, WordsText, factorize_ints, factorize_words
from ._words import (
    Words,
    ascii_text,
    ascii_words,
    byte_words,
    inline_views,
    long_view_words,
    unicode_words,
    view_words,
)
from .errors import DataValidationError, reject_rows

__all__ = [
    "HASH_FACTORIZE_MIN_ROWS",
    "factorize",
    "factorize_ints",
    "missing_checked",
]


def _native_factorize(native: Any, backend: str) -> Categorical:
    """Factorise a native string column without materialising Python strings per row."""
    arrow: Any = None
    if backend == "pandas":
        arrow = _pandas_arrow(native)
        if arrow is None:
            import pandas as pd

            c, u = pd.factorize(native, sort=True, use_na_sentinel=True)
            return Categorical(np.asarray(c, dtype=np.int32), np.asarray(u, dtype=object))
    elif backend == "polars" and (viewed := _loaded_views(native)) is not None:
        return viewed
    elif backend == "polars" and _few_polars_strings(native):
        return _polars_categorical(native)
    elif backend == "polars" and _has("pyarrow"):
        if isinstance(native.dtype, _polars().Categorical):
            return _polars_physical(native)
        arrow = _polars_views(native) if native.dtype.is_(_polars().String) else None
        if arrow is None:  # (Categorical / Enum: a dictionary of plain strings)
            arrow = native.to_arrow()
    elif backend == "pyarrow" and _has("pyarrow"):
        arrow = native
    if arrow is not None:
        return _arrow_factorize(arrow)
    values = np.asarray(native.to_numpy() if hasattr(native, "to_numpy") else native, dtype=object)
    return _object_factorize(values, column="?", table=None)


def _polars_views(native: Any) -> Any:
    """A Polars string column as Arrow string views, its own layout (no copy); ``None`` from
    an older Polars."""
    try:
        return native.to_arrow(compat_level=_polars().CompatLevel.newest())
    except (AttributeError, TypeError):  # older Polars
        return None


def _loaded_views(native: Any) -> Categorical | None:
    """A Polars string column factorised from its string views when pyarrow is already loaded
    (it is not imported for this: a Polars-only process keeps :func:`_polars_categorical`):
    short strings (channels, stages, short codes) in place (:func:`_view_factorize`), few
    longer ones hashed by pyarrow, others as any Arrow strings; ``None`` otherwise."""
    import sys

    if "pyarrow" not in sys.modules or not native.dtype.is_(_polars().String):
        return None
    import pyarrow as pa

    arrow = _polars_views(native)
    if arrow is None or not pa.types.is_string_view(arrow.type):
        return None
    viewed = _view_factorize(arrow)
    if viewed is not None:
        return viewed
    if _few_polars_strings(native):  # (longer channel names, campaigns …)
        return _encoded_factorize(arrow)  # (one thread, beside the other columns' kernels)
    return _arrow_factorize(arrow)  # (the column read once, its sample counted once)


def _few_polars_strings(native: Any) -> bool:
    """A Polars string column that looks like a few categories (channels, kinds …)."""
    if not native.dtype.is_(_polars().String) or len(native) == 0:
        return False
    n = min(len(native), SAMPLE_ROWS)
    return not many_distinct(int(native.head(SAMPLE_ROWS).n_unique()), n)


def _polars_categorical(native: Any) -> Categorical:
    """Factorise a Polars string column of few distinct values with Polars itself: the sorted
    distinct values (Polars orders strings by their UTF-8 bytes, as Python does), then the
    column cast to an ``Enum`` of them; its physical codes are the codes (no pyarrow import)."""
    pl = _polars()
    distinct = native.drop_nulls().unique().sort()
    k = len(distinct)
    physical = native.cast(pl.Enum(distinct)).to_physical()
    codes = np.asarray(physical.fill_null(k).to_numpy()).astype(np.int32)
    if native.null_count():
        codes[codes == k] = -1
    return Categorical(codes, np.asarray(distinct.to_numpy(), dtype=object))


def _polars_physical(native: Any) -> Categorical:
    """Factorise a Polars ``Categorical`` column through its physical codes.

    Polars' categories may be shared by the whole process (converting the column to Arrow
    rebuilds a dictionary of all of them, about a second for a million): the rows' physical
    codes are read as they are, one row of each code in use is cast to text by Polars, those
    distinct strings are factorised, and the codes mapped through their ranks (one gather)."""
    pl = _polars()
    n = len(native)
    physical = native.to_physical()
    valid = np.asarray(native.is_not_null().to_numpy()) if native.null_count() else None
    phys = np.asarray(physical.drop_nulls().to_numpy())  # (the valid rows, in order)
    if phys.size == 0:
        return Categorical(np.full(n, -1, dtype=np.int32), np.empty(0, dtype=object))
    space = int(phys.max()) + 1
    if space > 4 * phys.size + 1024:  # (a large shared mapping: its codes compacted)
        local, _ = factorize_ints(phys)
        space = int(local.max()) + 1
    else:
        local = phys
    index_type = np.int32 if phys.size < 2**31 else np.int64
    row_of = np.full(space, -1, dtype=index_type)  # one valid row of each code in use
    row_of[local] = np.arange(phys.size, dtype=index_type)
    used = np.flatnonzero(row_of >= 0)
    rows = row_of[used].astype(np.int64)
    rows = rows if valid is None else np.flatnonzero(valid)[rows]
    distinct = native.gather(rows).cast(pl.String).to_arrow()
    cat = _distinct_factorize(distinct)  # (distinct strings: their codes are their ranks)
    rank = np.full(space, -1, dtype=np.int32)
    rank[used] = cat.codes
    codes = np.take(rank, local)
    if valid is not None:
        codes = _with_nulls(codes, np.flatnonzero(valid), n)
    return Categorical(codes, stored(cat, "categories"), cat.sort_keys)  # (text not made)


def _pandas_arrow(native: Any) -> Any:
    """A pandas column of strings as an Arrow array (zero-copy), or ``None``: Arrow-backed
    strings as they are, a categorical of strings as its dictionary and codes."""
    if not _has("pyarrow"):
        return None
    import pyarrow as pa

    if type(native.array).__name__ == "ArrowStringArray":
        return pa.array(native)  # zero-copy for arrow-backed strings
    if str(native.dtype) == "category" and native.cat.categories.inferred_type == "string":
        arrow = pa.array(native)
        if pa.types.is_dictionary(arrow.type) and _is_text(arrow.type.value_type):
            return arrow
    return None


HASH_FACTORIZE_MIN_ROWS = 200_000
"""Columns at least this long, with many distinct values, are factorised from their bytes by
hashing (:mod:`._strings`) when pyarrow is installed; others by pyarrow's dictionary
encoding."""

SAMPLE_ROWS = 20_000


def many_distinct(n_distinct: int, n_sampled: int) -> bool:
    """Whether a column looks like ids (hashing pays) rather than a few categories: more than
    5 % distinct in its first rows (exact either way; few categories: pyarrow's is faster)."""
    return n_distinct * 20 > n_sampled


def _polars() -> Any:
    import polars

    return polars


def _is_text(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def _bytes_factorize(
    arr: Any, *, distinct: bool = False, packed_only: bool = False
) -> Categorical | None:
    """Factorise an Arrow string array from its offsets and bytes (:mod:`._strings`).

    ``None`` when the kernel declines (very long strings, a 64-bit hash collision, or with
    ``packed_only`` strings too varied to be packed into one word each): the caller then uses
    pyarrow's dictionary encoding.  ``distinct``: the strings are known to be distinct (and not
    null): sorted, not hashed (checked; see :func:`factorize_words`).
    """
    import pyarrow as pa

    if pa.types.is_string_view(arr.type):
        viewed = _view_factorize(arr, distinct=distinct, packed_only=packed_only)
        if viewed is not None:
            return viewed
    arr, data, starts, ends = string_buffers(arr)
    n = len(arr)
    rows: np.ndarray | None = None
    if arr.null_count:
        rows = np.flatnonzero(_valid(arr))
        starts, ends = starts[rows], ends[rows]
    words = byte_words(data, starts, ends)
    if words is None:
        return None
    empty: np.ndarray | None = None
    if words.n_words > 1 and not words.one_length:  # (ids with blanks: the blanks set apart)
        blank = starts == ends
        if blank.any():
            kept = np.flatnonzero(~blank)
            empty = np.flatnonzero(blank) if rows is None else rows[blank]
            rows = kept if rows is None else rows[kept]
            starts, ends = starts[kept], ends[kept]
            words = byte_words(data, starts, ends)
            assert words is not None  # (the same strings or fewer)

    def decode(first_words: np.ndarray, first: np.ndarray | None) -> np.ndarray:
        if words.canonical:  # the strings are in their words: no gather from the column
            return _text_of_keys(first_words)
        assert first is not None
        return _objects(arr.take(_arrow_index(first if rows is None else rows[first])))

    out = _from_words(words, decode, rows, n, distinct=distinct, packed_only=packed_only)
    return out if out is None or empty is None else _blank_first(out, empty)


def _long_views(arr: Any) -> Words | None:
    """The words of Arrow string views of out-of-line strings of one length laid one after
    another (:func:`._words.long_view_words`); ``None`` for another layout, or nulls."""
    if arr.null_count or len(arr) == 0:
        return None
    bufs = arr.buffers()
    views = np.frombuffer(bufs[1], dtype=np.uint8).reshape(-1, 16)
    datas = [np.frombuffer(b, dtype=np.uint8) for b in bufs[2:]]
    return long_view_words(views[arr.offset : arr.offset + len(arr)], datas)


def _all_words_decoder(words: Words) -> Decoder:
    """A :data:`Decoder` of strings of one length from all their words, read at one row of
    each (the rows are looked for: the strings have several words)."""
    text = _words_text(words.length_word, words.one_length)
    return lambda _, first: text([words.word(i, first) for i in range(words.n_words)])


def _blank_first(cat: Categorical, empty: np.ndarray) -> Categorical:
    """``cat`` (of the strings that are not empty) with the empty string as its first category,
    the code of the rows ``empty``: the empty string sorts before every other.

    Ids with blanks (a campaign member's lead id, empty when it is a contact) are factorised
    without them: the blanks' zero words would make every bit of the ids vary, where the ids
    alone differ in few enough bits to be packed into one word each and sorted
    (:func:`._strings.factorize_words`)."""
    import pyarrow as pa

    codes = np.array(cat.codes, dtype=np.int32)
    np.add(codes, 1, out=codes, where=codes >= 0)
    codes[empty] = 0
    cats = stored(cat, "categories")  # (strings not made yet stay so)
    if isinstance(cats, ArrowText):  # (the text made, or waited for, on first use)

        def with_blank() -> ArrowText:
            arrow = cats.arrow
            return ArrowText(pa.concat_arrays([pa.array([""], type=arrow.type), arrow]))

        lazy: Any = SoonText(cats.size + 1, with_blank, True)
        return Categorical(codes, lazy, None)
    arrow = arrow_of(cats)
    if arrow is None:
        return Categorical(codes, np.concatenate([np.array([""], dtype=object), cats]), None)
    with_blank = pa.concat_arrays([pa.array([""], type=arrow.type), arrow])
    both = np.concatenate([np.array([""], dtype=object), np.asarray(cats)])
    return Categorical(codes, remember(both, with_blank), None)


def _from_words(
    words: Words,
    decode: Decoder,
    rows: np.ndarray | None,
    n: int,
    *,
    distinct: bool,
    packed_only: bool = False,
) -> Categorical | None:
    """The :class:`Categorical` of the strings ``words`` reads (the valid ``rows`` of ``n``,
    or all of them), or ``None`` when the kernel declines."""
    m = n if rows is None else rows.size
    text = None if words.canonical else _words_text(words.length_word, words.one_length)
    numbered = words.canonical and not distinct  # (numbered ids: counted, not hashed)
    out = (factorize_numbered(words.word, m, decode) if numbered else None) or factorize_words(
        words.word,
        words.n_words,
        m,
        need_rows=False,
        decode=decode,
        distinct=distinct,
        text=text,
        packed_only=packed_only,
    )
    if out is None:
        return None
    decoded = out.decoded
    assert decoded is not None
    if isinstance(decoded, Soon):  # (the text written beside the caller's next steps)
        decoded = SoonText(
            decoded.size, decoded.made, decoded.head.first_is_empty(), some=decoded.some
        )
    if out.packing is not None and isinstance(decoded, ArrowText):
        decoded.packed = packed_text(
            out.packing, words.one_length, words.n_words, words.length_word
        )
    codes = _with_nulls(out.codes, rows, n)
    return Categorical(codes, decoded, out.first_words if words.canonical else None)


def _words_text(length_word: bool, one_length: int = 0) -> WordsText:
    """The text of strings from all their byte words (:func:`._words.byte_words`,
    :func:`._words.view_words`): big-endian bytes, zero-padded; the length is the last word,
    ``one_length`` (strings of one length), or (strings without a zero byte) the number of
    bytes that are not zero."""

    def text(words: list[np.ndarray]) -> np.ndarray:
        lengths = words[-1] if length_word else None
        return text_of_words(words[:-1] if length_word else words, lengths, one_length)

    return text


def _ints(arr: Any, null: int = 0) -> np.ndarray:
    """An Arrow integer array as numpy, read from its buffer (``null`` where missing).

    (pyarrow's own ``to_numpy`` imports pandas, a quarter of a second, on first use.)
    """
    dtype = np.dtype(arr.type.to_pandas_dtype())
    values = np.frombuffer(arr.buffers()[1], dtype=dtype)[arr.offset : arr.offset + len(arr)]
    if not arr.null_count:
        return values
    out_type = np.int64 if null < 0 and dtype.kind == "u" else dtype
    return np.where(_valid(arr), values.astype(out_type), np.array(null, dtype=out_type))


def _valid(arr: Any) -> np.ndarray:
    """Which entries of an Arrow array are not null (bool per entry)."""
    n = len(arr)
    bitmap = arr.buffers()[0]
    if bitmap is None or not arr.null_count:
        return np.ones(n, dtype=bool)
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little")
    return bits[arr.offset : arr.offset + n].astype(bool)


def _arrow_index(index: np.ndarray) -> Any:
    """``int64`` positions as an Arrow array, zero-copy (``pa.array`` would import pandas)."""
    import pyarrow as pa

    a = np.ascontiguousarray(index, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), a.size, [None, pa.py_buffer(a)])


def _with_nulls(codes: np.ndarray, rows: np.ndarray | None, n: int) -> np.ndarray:
    """Codes of the non-null ``rows`` spread over all ``n`` rows (``-1`` for nulls)."""
    if rows is None:
        return codes
    full = np.full(n, -1, dtype=np.int32)
    full[rows] = codes
    return full


def _text_of_keys(keys: np.ndarray) -> np.ndarray:
    """The strings of canonical sort keys (:attr:`Categorical.sort_keys`)."""
    import pyarrow as pa

    if hasattr(pa, "string_view"):  # (pyarrow 16 on: the strings as views of their words)
        views = pa.py_buffer(inline_views(keys))
        text = pa.Array.from_buffers(pa.string_view(), keys.size, [None, views])
        return ArrowText(text)  # type: ignore[return-value]  # (the strings made on first use)
    cells = keys.byteswap().view(np.uint8).reshape(-1, 8)
    return text_of_cells(cells, (keys & np.uint64(0xFF)).astype(np.int64))


def _view_factorize(
    arr: Any, *, distinct: bool = False, packed_only: bool = False
) -> Categorical | None:
    """Factorise Arrow string views in place: strings all inline (at most 12 bytes), or all of
    one longer length and laid one after another (:func:`._words.long_view_words`).

    ``None`` for other long strings, or when the kernel declines (see :func:`_bytes_factorize`).
    """
    n = len(arr)
    buf = arr.buffers()[1]
    views = np.frombuffer(buf, dtype=np.uint8).reshape(-1, 16)[arr.offset : arr.offset + n]
    lengths = views[:, :4].view("<i4")[:, 0]  # (a strided view: converted a block at a time)
    if n and int(lengths[:SAMPLE_ROWS].max()) > 12:  # (long strings: known from the first)
        long = _long_views(arr)  # (ids of one format, laid in order: read in place)
        if long is None:
            return None
        of_words = _all_words_decoder(long)
        return _from_words(long, of_words, None, n, distinct=distinct, packed_only=packed_only)
    rows: np.ndarray | None = None
    if arr.null_count:
        rows = np.flatnonzero(_valid(arr))
        views, lengths = views[rows], lengths[rows]
    words = view_words(views, lengths)
    if words is None:
        return None

    def decode(first_words: np.ndarray, first: np.ndarray | None) -> np.ndarray:
        if words.canonical:  # the strings are in their words
            return _text_of_keys(first_words)
        assert first is not None
        return text_of_cells(views[first, 4:], lengths[first])  # (no take of views)

    return _from_words(words, decode, rows, n, distinct=distinct, packed_only=packed_only)


def factorize(
    values: np.ndarray | Categorical,
    *,
    column: str,
    table: str | None = None,
    allow_missing: bool = False,
) -> Categorical:
    """Factorise a string column into sorted categories and ``int32`` codes.

    Parameters
    ----------
    values : ndarray
        Strings (object or unicode array), or any values that are turned into strings.
    column, table : str
        Names for error messages.
    allow_missing : bool
        Whether ``None``/``NaN`` may appear (code ``-1``); otherwise it is an error.

    Returns
    -------
    Categorical

    Raises
    ------
    DataValidationError
        Missing values where not allowed, or values that are not strings.
    """
    cat: Categorical | None = None
    if isinstance(values, Categorical):
        cat = values
    else:
        arr = np.asarray(values)
        if arr.dtype.kind in "iub":
            arr = arr.astype(str).astype(object)
        elif arr.dtype.kind == "f":
            bad = ~np.isfinite(arr)
            obj = np.empty(arr.size, dtype=object)
            obj[~bad] = arr[~bad].astype(str)
            obj[bad] = None
            arr = obj
        elif arr.dtype.kind == "U" and arr.ndim == 1 and arr.dtype.itemsize:
            cat = _unicode_factorize(arr)  # no Python object per row
            if cat is None:
                arr = arr.astype(object)
        elif arr.dtype.kind in "US":
            arr = arr.astype(object)
        elif arr.dtype.kind != "O":
            raise DataValidationError(
                f"expected strings, got dtype {arr.dtype}",
                column=column,
                table=table,
                fix="pass the column as strings",
            )
        if cat is None:
            cat = _object_factorize(np.asarray(arr), column=column, table=table)
    return missing_checked(cat, column, table, allow_missing)


def missing_checked(cat: Categorical, column: str, table: str | None, allow: bool) -> Categorical:
    """``cat``, its missing values refused (named) unless ``allow``."""
    if not allow:
        reject_rows(
            cat.codes < 0,
            "missing value (None/NaN/null) in a required column",
            column=column,
            table=table,
            fix="drop or fill these rows",
        )
    return cat


def _has(mod: str) -> bool:
    return importlib.util.find_spec(mod) is not None


def _arrow_factorize(arr: Any) -> Categorical:
    import pyarrow as pa

    arr = joined(arr)
    if pa.types.is_dictionary(arr.type):
        return _dictionary_factorize(arr)
    if (
        len(arr) >= HASH_FACTORIZE_MIN_ROWS
        and _is_text(arr.type)
        and many_distinct(sample_distinct(arr), min(len(arr), SAMPLE_ROWS))
    ):
        out = _bytes_factorize(arr)
        if out is not None:
            return out
    return _encoded_factorize(arr)


def _encoded_factorize(arr: Any) -> Categorical:
    """Factorise an Arrow array by pyarrow's dictionary encoding (one hash pass over the rows),
    then a sort of the distinct values only.  A chunked array is encoded as it is (one
    dictionary for all its chunks): its indices are joined, not its strings."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pool = arrow_pool()
    enc = pc.dictionary_encode(arr, memory_pool=pool)
    dictionary, raw = _encoded_parts(enc)
    if pa.types.is_string_view(dictionary.type):  # (Arrow cannot sort string views yet)
        dictionary = dictionary.cast(pa.large_string())
    order = _ints(pc.array_sort_indices(dictionary, memory_pool=pool)).astype(np.int64)
    if np.array_equal(order, np.arange(order.size)):
        codes = raw.astype(np.int32)  # dictionary already sorted (nulls are -1): one copy
    else:
        remap = np.empty(order.size + 1, dtype=np.int32)
        remap[order] = np.arange(order.size, dtype=np.int32)
        remap[-1] = -1
        codes = remap[raw]  # -1 indexes the sentinel slot
    ordered = pc.take(dictionary, _arrow_index(order), memory_pool=pool)
    cats = remember(_objects(ordered), ordered)  # (its bytes kept for lookups and trimming)
    return Categorical(codes, cats, _canonical_keys(ordered))


def _encoded_parts(enc: Any) -> tuple[Any, np.ndarray]:
    """The dictionary and each row's index (``-1``: null) of a dictionary-encoded Arrow array,
    plain or chunked (whose chunks share one dictionary, else are unified first)."""
    import pyarrow as pa

    if not isinstance(enc, pa.ChunkedArray):
        return enc.dictionary, _ints(enc.indices, null=-1)  # (int32, no copy without nulls)
    if enc.num_chunks == 0:
        return pa.array([], type=enc.type.value_type), np.empty(0, dtype=np.int32)
    first = _buffers(enc.chunk(0).dictionary)
    if any(_buffers(c.dictionary) != first for c in enc.chunks[1:]):
        enc = enc.unify_dictionaries()
    parts = [_ints(c.indices, null=-1) for c in enc.chunks]
    return enc.chunk(0).dictionary, parts[0] if len(parts) == 1 else np.concatenate(parts)


def _buffers(a: Any) -> tuple[Any, ...]:
    """What an Arrow array views (its buffers' places, its length and offset): no value read."""
    return (len(a), a.offset, *((b.address, b.size) if b else None for b in a.buffers()))


def _canonical_keys(sorted_values: Any) -> np.ndarray | None:
    """:attr:`Categorical.sort_keys` of sorted distinct Arrow strings (``None`` when a value is
    longer than 7 bytes, or null)."""
    if sorted_values.null_count or not _is_text(sorted_values.type):
        return None
    _, data, starts, ends = string_buffers(sorted_values)
    words = byte_words(data, starts, ends)
    if words is None or not words.canonical:
        return None
    return words.word(0, None)


def sample_distinct(arr: Any) -> int:
    """Distinct values among the first rows of an Arrow string array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    head = arr.slice(0, SAMPLE_ROWS)
    if pa.types.is_string_view(head.type):
        head = head.cast(pa.large_string())
    return int(pc.count_distinct(head, memory_pool=arrow_pool()).as_py())


def _dictionary_factorize(
    arr: Any,
    factorize_values: Callable[[Any], Categorical] | None = None,
    objects: np.ndarray | None = None,
) -> Categorical:
    """Reuse the dictionary an Arrow array already has (Polars enums, pandas categories,
    Parquet dictionary pages): factorise the dictionary, then map the indices through it.

    A dictionary already sorted (pandas sorts the categories it infers) is not sorted again:
    its indices are the codes.  Categories are the values that occur, sorted (unused or
    repeated dictionary entries and null entries are dropped), as for a plain string column.
    ``factorize_values`` factorises an unsorted dictionary (default: its entries, distinct as
    a dictionary's usually are, sorted rather than hashed: :func:`_distinct_factorize`).
    ``objects``: the dictionary's values as Python strings already (the categories of a sorted
    dictionary are then taken from them, not made again).
    """
    import pyarrow as pa

    entries = _entries(arr.dictionary, factorize_values, objects)
    kind = np.int32 if entries[0] is None else np.int64  # (an index per row, -1: null)
    return indexed_factorize(_ints(arr.indices.cast(pa.from_numpy_dtype(kind)), null=-1), entries)


def _entries(
    values: Any,
    factorize_values: Callable[[Any], Categorical] | None,
    objects: np.ndarray | None,
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
    """The factorised entries of a dictionary (Arrow strings): the code of each entry
    (``None`` when they are sorted and distinct: each its own position), the categories and
    their :attr:`Categorical.sort_keys`."""
    import pyarrow as pa

    if pa.types.is_string_view(values.type):  # (Arrow cannot take or sort string views yet)
        values = values.cast(pa.large_string())
    if _strictly_increasing(values):
        cats = _objects(values) if objects is None else np.array(objects, dtype=object)
        return None, cats, _canonical_keys(values)
    dict_cat = (factorize_values or _distinct_factorize)(values)
    return dict_cat.codes, stored(dict_cat, "categories"), dict_cat.sort_keys


def indexed_factorize(
    index: np.ndarray, entries: tuple[np.ndarray | None, np.ndarray, np.ndarray | None]
) -> Categorical:
    """The :class:`Categorical` of rows given as an ``index`` (``-1``: missing) into a
    dictionary's :func:`_entries`: each row's entry's code, the categories that occur."""
    entry_codes, cats, sort_keys = entries
    if entry_codes is None:  # (a read-only index is shared: it cannot change; others copied)
        codes = index.astype(np.int32, copy=index.flags.writeable)
    else:
        codes = np.append(entry_codes, np.int32(-1))[index]  # index -1: the null slot
    return occurring(codes, cats, sort_keys)


def _distinct_factorize(values: Any) -> Categorical:
    """Factorise Arrow strings that are most likely distinct (a dictionary's entries, the
    categories of a Polars categorical): sorted by their bytes, not hashed.  Exact whatever
    they hold: repeated strings are caught and hashed, nulls and long strings go the general
    way (:func:`_arrow_factorize`)."""

    values = joined(values)
    if not values.null_count and _is_text(values.type):
        out = _bytes_factorize(values, distinct=True)
        if out is not None:
            return out
    return _arrow_factorize(values)


def _strictly_increasing(values: Any) -> bool:
    """Whether Arrow strings (without nulls) are distinct and in ascending order, judged on
    their order-keeping words (:mod:`._strings`): one pass, no sort."""
    if values.null_count or not _is_text(values.type):
        return False
    _, data, starts, ends = string_buffers(values)
    words = byte_words(data, starts, ends)
    if words is None:  # (very long strings: sorted by the general path)
        return False
    undecided = np.ones(max(starts.size - 1, 0), dtype=bool)  # neighbours equal so far
    for i in range(words.n_words):  # (loop over the words of a string: at most MAX_WORDS)
        w = words.word(i, None)
        before, after = w[:-1], w[1:]
        if np.any(undecided & (before > after)):
            return False
        undecided &= before == after
    return not undecided.any()  # (neighbours equal in every word: a repeated value)


def _unicode_factorize(arr: np.ndarray) -> Categorical | None:
    """Factorise a numpy unicode array without a Python object per row (``None``: the caller
    reads its strings).

    A long column of few categories (channels, statuses) is hashed by pyarrow as fixed-width
    binary cells; ASCII text from its bytes (:func:`._words.ascii_words`: the words of the same
    strings in Arrow's layout, numbered ids counted); other text from its code points
    (:mod:`._strings`); wide cells by pyarrow again (``None`` without it).  Equal strings have
    equal cells (numpy pads with NULs), so every way is exact; only the distinct cells are
    turned back into strings.
    """
    a = np.ascontiguousarray(arr)
    if _few_cells(a):
        return _cells_factorize(a)
    ascii_ = ascii_words(a)  # (ASCII text: the words of its bytes, as Arrow strings have)
    if ascii_ is not None and (ascii_.canonical or _has("pyarrow")):

        def decode(first_words: np.ndarray, first: np.ndarray | None) -> np.ndarray:
            if first is not None:
                rows: np.ndarray = a[first].astype(object)
                return rows
            # (with pyarrow: Arrow strings, made into Python strings on first read)
            return _text_of_keys(first_words) if _has("pyarrow") else ascii_text(first_words)

        cat = _from_words(ascii_, decode, None, a.size, distinct=False)
        if cat is not None:
            return cat
    words = unicode_words(a)
    out = None if words is None else factorize_words(words.word, words.n_words, a.size)
    if out is not None:
        assert out.rows is not None
        return Categorical(out.codes, a[out.rows].astype(object))
    return _cells_factorize(a) if _has("pyarrow") else None


def _few_cells(a: np.ndarray) -> bool:
    """Whether a long unicode column looks like a few categories (:func:`many_distinct` of its
    first rows) and pyarrow is there to hash its cells (six times faster than the words
    kernel for 6·10^6 rows of 12 channels)."""
    if a.size < HASH_FACTORIZE_MIN_ROWS or not _has("pyarrow"):
        return False
    return not many_distinct(np.unique(a[:SAMPLE_ROWS]).size, SAMPLE_ROWS)


def _cells_factorize(a: np.ndarray) -> Categorical:
    """Factorise a contiguous unicode array by hashing its cells as binary values (pyarrow),
    then sorting the distinct cells only."""
    import pyarrow as pa
    import pyarrow.compute as pc

    width = a.dtype.itemsize
    cells = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), a.size, [None, pa.py_buffer(a)])
    enc = pc.dictionary_encode(cells)
    k = len(enc.dictionary)
    data = enc.dictionary.buffers()[1]
    uniq = np.frombuffer(data, dtype=a.dtype, count=k, offset=enc.dictionary.offset * width)
    order = np.argsort(uniq, kind="stable")
    rank = np.empty(k, dtype=np.int32)
    rank[order] = np.arange(k, dtype=np.int32)
    raw = np.asarray(enc.indices.to_numpy(zero_copy_only=False))
    return Categorical(np.take(rank, raw), uniq[order].astype(object))


def _object_factorize(arr: np.ndarray, *, column: str, table: str | None) -> Categorical:
    if arr.size == 0:
        return Categorical(np.empty(0, dtype=np.int32), np.empty(0, dtype=object))
    if _has("pyarrow"):
        import pyarrow as pa

        try:
            pa_arr = pa.array(arr, type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
        else:
            return _arrow_factorize(pa_arr)
    missing = np.fromiter(
        (v is None or (isinstance(v, float) and v != v) for v in arr), bool, arr.size
    )
    present = arr[~missing]
    bad = [i for i, v in enumerate(present[: min(present.size, 1000)]) if not isinstance(v, str)]
    if bad:
        pos = np.flatnonzero(~missing)[bad]
        raise DataValidationError(
            f"expected strings, found {type(present[bad[0]]).__name__}",
            column=column,
            table=table,
            rows=pos,
            value=present[bad[0]],
            fix="convert the column to strings",
        )
    try:
        cats, inv = np.unique(present.astype(str), return_inverse=True)
    except TypeError:
        raise DataValidationError(
            "values of mixed types cannot be compared", column=column, table=table
        ) from None
    codes = np.full(arr.size, -1, dtype=np.int32)
    codes[~missing] = inv.astype(np.int32).ravel()
    return Categorical(codes, cats.astype(object))
