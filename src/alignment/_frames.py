"""The one dataframe boundary of :mod:`alignment`.

Everything that reads columns from a caller's data, or gives results back in the caller's
backend, goes through this module.  Inside the library there are only numpy arrays.

Accepted inputs
---------------
* a pandas, Polars or PyArrow table (through narwhals; none of them is a dependency);
* a lazy or warehouse input: a Polars ``LazyFrame``, a DuckDB relation, an Ibis table, a
  ``pyarrow.dataset.Dataset``, or the path of a CSV / Parquet file (:mod:`._sources`): only the
  needed columns are collected, and rows are numbered in the collected order;
* a ``dict`` mapping column names to arrays or lists;
* a sequence of pydantic models (e.g. :class:`alignment.Touchpoint`) or of plain dicts.

Outputs (:func:`to_native`) go back to the caller's backend: ``"pandas"``, ``"polars"``,
``"pyarrow"`` or ``"dict"`` (a dict of numpy arrays, the default for dict and model input).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._columns import Categorical, RawColumns, _Columns, numeric
from ._parallel import n_threads, submit
from ._rows import records_to_dict, tighten
from ._sources import Source, check_required, open_source, refuse_duplicates
from ._time import TIME_DTYPE
from .errors import DataValidationError, ParameterError, reject_rows

__all__ = [
    "BACKENDS",
    "Backend",
    "Categorical",
    "RawColumns",
    "factorize",
    "factorize_ints",
    "numeric",
    "read_table",
    "to_native",
]

Backend = str
BACKENDS = ("pandas", "polars", "pyarrow", "dict")


def _nw() -> Any:
    import narwhals.stable.v2 as nw

    return nw


def is_frame_like(data: Any) -> bool:
    """Whether ``data`` comes from a dataframe library (checked by module, nothing imported)."""
    return type(data).__module__.split(".")[0] in {
        "pandas",
        "polars",
        "pyarrow",
        "modin",
        "cudf",
        "dask",
    }


def is_frame(data: Any) -> bool:
    """Whether ``data`` is a dataframe narwhals understands (pandas, Polars, PyArrow …)."""
    if isinstance(data, (dict, list, tuple, np.ndarray)) or data is None:
        return False
    mod = type(data).__module__.split(".")[0]
    if mod not in {"pandas", "polars", "pyarrow", "modin", "cudf", "dask"}:
        return False
    nw = _nw()
    obj = nw.from_native(data, eager_only=True, pass_through=True)
    return obj is not data


def read_table(
    data: Any,
    *,
    table: str,
    required: Sequence[str] = (),
    optional: Sequence[str] = (),
    all_columns: bool = False,
) -> RawColumns:
    """Read columns from a frame, a lazy input, a file path, a dict of arrays or records.

    Parameters
    ----------
    data : frame, lazy frame, path, dict or sequence
        The caller's data.  A lazy input or a file (see :mod:`._sources`) is collected with only
        the needed columns; its rows are numbered in the order it yields them.
    table : str
        Name of the argument (``"touchpoints"``, ``"leads"`` …) for error messages.
    required : sequence of str
        Columns that must be present.
    optional : sequence of str
        Columns read when present.
    all_columns : bool
        Read every column of the input (``required`` must still be present).

    Returns
    -------
    RawColumns

    Raises
    ------
    MissingColumnError
        A required column is absent.
    DataValidationError
        The input is of an unsupported kind, columns have different lengths, a path is not a
        readable file of a supported kind, or a lazy query fails.
    ImportError
        A file path, and PyArrow is not installed.
    """
    n_threads()  # a bad ALIGNMENT_NUM_THREADS is refused on every input, not on large ones only
    source = open_source(data, table=table)
    if source is not None:
        return _read_source(
            source, table=table, required=required, optional=optional, all_columns=all_columns
        )
    if isinstance(data, Mapping):
        names = tuple(str(k) for k in data.keys())
        backend: Backend = "dict"
        getter = _dict_getter(data, table)
    elif _check_unique_names(data, table) or is_frame(data):
        return _read_frame(
            data, table=table, required=required, optional=optional, all_columns=all_columns
        )
    elif isinstance(data, bytes) or not isinstance(data, Sequence):
        raise DataValidationError(
            f"cannot read a table from a {type(data).__name__}",
            table=table,
            fix="pass a pandas/Polars/PyArrow frame (eager or lazy), a DuckDB relation, a file "
            "path, a dict of arrays, or a list of records",
        )
    else:
        records = list(data)
        data_dict = records_to_dict(records, table)
        if not records:  # no records: every column, with no rows
            data_dict = {name: np.empty(0, dtype=object) for name in (*required, *optional)}
        names = tuple(data_dict.keys())
        backend = "dict"
        getter = _dict_getter(data_dict, table)
    wanted = list(names) if all_columns else [*required, *optional]
    check_required(required, names, table)
    cols: dict[str, np.ndarray] = {}
    for name in dict.fromkeys(wanted):
        if name in names:
            cols[name] = getter(name)
    n_rows = _common_length(cols, table)
    if not cols and names:
        n_rows = len(getter(names[0]))
    return RawColumns(cols, n_rows, backend, names, {})


def _common_length(cols: Mapping[str, np.ndarray], table: str) -> int:
    lengths = {k: len(v) for k, v in cols.items()}
    if len(set(lengths.values())) > 1:
        raise DataValidationError(
            f"columns have different lengths: {lengths}",
            table=table,
            fix="give every column the same number of rows",
        )
    return next(iter(lengths.values()), 0)


def _dict_getter(data: Mapping[Any, Any], table: str) -> Any:
    def get(name: str) -> np.ndarray:
        value = data[name]
        if isinstance(value, np.ndarray):
            arr = value
        else:
            if is_frame(value) or hasattr(value, "to_numpy"):
                value = value.to_numpy()
            try:
                arr = np.asarray(value)
            except (ValueError, TypeError) as exc:
                raise DataValidationError(
                    f"cannot read the column as an array ({exc})", column=name, table=table
                ) from None
            if arr.dtype.kind in "US" or arr.size == 0:  # (no rows: no type either)
                arr = np.asarray(value, dtype=object)
        if arr.dtype.kind == "O" and arr.ndim == 1:
            arr = tighten(arr)
        if arr.ndim != 1:
            raise DataValidationError(
                f"expected a 1-D column, got shape {arr.shape}",
                column=name,
                table=table,
                fix="pass one flat array or list per column",
            )
        view: np.ndarray = arr.view()  # marking it read-only leaves the caller's array alone
        return view

    return get


def _check_unique_names(data: Any, table: str) -> bool:
    """Two columns of one name: which one is meant would be a guess (``False`` when unique)."""
    if not is_frame_like(data):
        return False
    listed = getattr(data, "column_names", None)  # PyArrow (its .columns are the arrays)
    names = [str(c) for c in (listed if listed is not None else getattr(data, "columns", ()))]
    return refuse_duplicates(names, table)


def _read_source(
    source: Source,
    *,
    table: str,
    required: Sequence[str],
    optional: Sequence[str],
    all_columns: bool,
) -> RawColumns:
    """Collect only the columns asked for (all with ``all_columns``) of a lazy input or file."""
    names = source.names
    refuse_duplicates(names, table)
    check_required(required, names, table)
    wanted = (
        list(names)
        if all_columns
        else [c for c in dict.fromkeys([*required, *optional]) if c in names]
    )
    frame = source.collect(wanted)
    return _read_frame(
        frame, table=table, required=(), optional=wanted, all_columns=False, names=names
    )


def _read_frame(
    data: Any,
    *,
    table: str,
    required: Sequence[str],
    optional: Sequence[str],
    all_columns: bool,
    names: tuple[str, ...] | None = None,
) -> RawColumns:
    """Numpy columns of an eager frame; ``names``: the input's columns when ``data`` holds some."""
    nw = _nw()
    frame = nw.from_native(data, eager_only=True)
    held = tuple(str(c) for c in frame.columns)
    names = held if names is None else names
    check_required(required, names, table)
    wanted = (
        list(held)
        if all_columns
        else [c for c in dict.fromkeys([*required, *optional]) if c in held]
    )
    impl = frame.implementation
    backend: Backend = (
        "pandas"
        if impl.is_pandas_like()
        else "polars"
        if impl.is_polars()
        else "pyarrow"
        if impl.is_pyarrow()
        else str(impl)
    )
    cols: dict[str, Any] = {}  # arrays, Categorical, or Pending (a column still being encoded)
    aware: dict[str, bool] = {}
    schema = frame.schema
    n_rows = int(frame.shape[0])
    for name in wanted:
        s = frame[name]
        dtype = schema[name]
        if dtype == nw.Datetime:
            tz = getattr(dtype, "time_zone", None)
            aware[name] = tz is not None
            if tz is not None:
                if str(tz) not in ("UTC", "Etc/UTC"):  # (UTC values need no conversion)
                    s = s.dt.convert_time_zone("UTC")
                s = s.dt.replace_time_zone(None)
            cols[name] = np.asarray(s.to_numpy()).astype(TIME_DTYPE, copy=False)
        elif dtype == nw.Date:
            cols[name] = np.asarray(s.to_numpy()).astype(TIME_DTYPE, copy=False)
        elif dtype in (nw.String, nw.Categorical, nw.Enum):
            # hashing strings releases the GIL: factorise each long string column on the pool,
            # overlapping with the caller's work until it reads the column (short ones inline:
            # a thread hand-off would cost more than it saves)
            if n_rows >= POOL_MIN_ROWS:
                cols[name] = submit(_native_factorize, s.to_native(), backend)
            else:
                cols[name] = _native_factorize(s.to_native(), backend)
        elif dtype.is_numeric() or dtype == nw.Boolean:
            if dtype in (nw.Int128, nw.UInt128):  # no numpy type: Python ints (exact)
                cols[name] = np.asarray(s.to_list(), dtype=object)
            elif s.null_count() and dtype.is_integer() and _beyond_float(s):
                # integers with nulls that floats cannot hold exactly: kept as Python ints
                cols[name] = np.asarray(s.to_list(), dtype=object)
            elif s.null_count():
                cols[name] = np.asarray(s.cast(nw.Float64).to_numpy(), dtype=float)
            else:
                cols[name] = np.asarray(s.to_numpy())
        elif s.null_count() == n_rows:  # a column of nulls only: None (Polars would say NaN)
            cols[name] = np.full(n_rows, None, dtype=object)
        else:
            cols[name] = np.asarray(s.to_numpy(), dtype=object)
    return RawColumns(_Columns(cols), int(frame.shape[0]), backend, names, aware)


def _beyond_float(s: Any) -> bool:
    """Whether an integer column holds a value above 2**53 in magnitude (floats would round it)."""
    lo, hi = s.min(), s.max()
    return lo is not None and max(abs(int(lo)), abs(int(hi))) > 2**53


def _native_factorize(native: Any, backend: str) -> Categorical:
    """Factorise a native string column without materialising Python strings per row."""
    arrow: Any = None
    if backend == "pandas":
        if _has("pyarrow") and type(native.array).__name__ == "ArrowStringArray":
            import pyarrow as pa

            arrow = pa.array(native)  # zero-copy for arrow-backed strings
        else:
            import pandas as pd

            c, u = pd.factorize(native, sort=True, use_na_sentinel=True)
            return Categorical(np.asarray(c, dtype=np.int32), np.asarray(u, dtype=object))
    elif backend == "polars" and _has("pyarrow"):
        if (
            len(native) >= HASH_FACTORIZE_MIN_ROWS
            and native.dtype.is_(_polars().String)
            and _many_distinct(native.head(_SAMPLE).n_unique(), min(len(native), _SAMPLE))
        ):
            out = _hash_factorize(native)
            if out is not None:
                return out
        arrow = None
        if native.dtype.is_(_polars().String):
            try:  # Polars' own string layout (string_view), without a copy
                arrow = native.to_arrow(compat_level=_polars().CompatLevel.newest())
            except (AttributeError, TypeError):  # older Polars
                arrow = None
        if arrow is None:  # (Categorical / Enum: a dictionary of plain strings)
            arrow = native.to_arrow()
    elif backend == "pyarrow" and _has("pyarrow"):
        arrow = native
    if arrow is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if (
            backend != "polars"  # (a Polars column has been tried above)
            and len(arrow) >= HASH_FACTORIZE_MIN_ROWS
            and (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type))
            and _has("polars")
            and _many_distinct(
                pc.count_distinct(arrow.slice(0, _SAMPLE)).as_py(), min(len(arrow), _SAMPLE)
            )
        ):
            out = _hash_factorize(_polars().from_arrow(arrow))
            if out is not None:
                return out
        codes, cats = _arrow_factorize(arrow)
        return Categorical(codes, cats)
    values = np.asarray(native.to_numpy() if hasattr(native, "to_numpy") else native, dtype=object)
    codes, cats = _object_factorize(values, column="?", table=None)
    return Categorical(codes, cats)


POOL_MIN_ROWS = 50_000
"""String columns at least this long are factorised on the thread pool (:mod:`._parallel`)."""

HASH_FACTORIZE_MIN_ROWS = 200_000
"""Columns at least this long, with many distinct values, are factorised by hashing
(:func:`_hash_factorize`) when Polars and pyarrow are installed; others by pyarrow's dictionary
encoding."""

_HASH_SEED = 0x5EED_A11C
_SAMPLE = 20_000


def _many_distinct(n_distinct: int, n_sampled: int) -> bool:
    """Whether a column looks like ids (hashing pays) rather than a few categories.

    Judged on its first rows: more than 5 % distinct.  Either way the result is exact; only the
    speed differs (few categories: pyarrow's dictionary encoding of the strings is faster).
    """
    return n_distinct * 20 > n_sampled


def _polars() -> Any:
    import polars

    return polars


def _hash_factorize(s: Any) -> Categorical | None:
    """Factorise a Polars string Series through 64-bit hashes, exactly; ``None`` to fall back.

    Polars hashes the strings (multi-threaded, no Python objects); pyarrow factorises the
    integer hashes.  The result is then checked exactly: every row must equal the first row with
    its hash (a hash collision between two different strings would fail this and fall back to
    string factorisation).  Categories are the distinct strings sorted by their UTF-8 bytes,
    which is Python's string order, as in every other path.  Columns with nulls fall back too.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(s)
    if n == 0 or s.null_count():
        return None
    enc = pc.dictionary_encode(pa.array(s.hash(seed=_HASH_SEED).to_numpy()))
    raw = np.asarray(enc.indices.to_numpy(zero_copy_only=False))  # first-appearance order
    k = len(enc.dictionary)
    first = np.empty(n, dtype=bool)  # rows where a code appears for the first time
    first[0] = True
    np.greater(raw[1:], np.maximum.accumulate(raw)[:-1], out=first[1:])
    first_pos = np.flatnonzero(first)
    if first_pos.size != k or not np.array_equal(raw[first_pos], np.arange(k)):
        return None  # codes not in first-appearance order: do not rely on it
    reps = s.gather(first_pos)
    if not bool((s == reps.gather(raw)).all()):
        return None  # two different strings share a hash
    order = np.asarray(reps.arg_sort().to_numpy(), dtype=np.int64)
    rank = np.empty(k, dtype=np.int32)
    rank[order] = np.arange(k, dtype=np.int32)
    cats = np.asarray(reps.gather(order).to_numpy(), dtype=object)
    return Categorical(np.take(rank, raw), cats)


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
    codes: np.ndarray | None = None
    cats: np.ndarray | None = None
    if isinstance(values, Categorical):
        codes, cats = values.codes, values.categories
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
        elif arr.dtype.kind == "U" and arr.ndim == 1 and arr.dtype.itemsize and _has("pyarrow"):
            codes, cats = _unicode_factorize(arr)  # no Python object per row
        elif arr.dtype.kind in "US":
            arr = arr.astype(object)
        elif arr.dtype.kind != "O":
            raise DataValidationError(
                f"expected strings, got dtype {arr.dtype}",
                column=column,
                table=table,
                fix="pass the column as strings",
            )
        if codes is None:
            codes, cats = _object_factorize(np.asarray(arr), column=column, table=table)
    if not allow_missing:
        reject_rows(
            codes < 0,
            "missing value (None/NaN/null) in a required column",
            column=column,
            table=table,
            fix="drop or fill these rows",
        )
    assert cats is not None
    return Categorical(codes, cats)


def factorize_ints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (``int64``) and sorted distinct values of an integer array, by hashing.

    A hash table (pyarrow's, when installed) costs O(n) and only the distinct values are sorted,
    where ``np.unique`` sorts all ``n`` values.
    """
    a = np.asarray(values).astype(np.int64, copy=False)
    if _has("pyarrow") and a.size:
        import pyarrow as pa
        import pyarrow.compute as pc

        enc = pc.dictionary_encode(pa.array(a))
        uniq = np.asarray(enc.dictionary.to_numpy(zero_copy_only=False), dtype=np.int64)
        order = np.argsort(uniq, kind="stable")
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size)
        raw = np.asarray(enc.indices.to_numpy(zero_copy_only=False))
        return rank[raw], uniq[order]
    uniq, inv = np.unique(a, return_inverse=True)
    return inv.astype(np.int64).ravel(), uniq


def lookup(haystack: np.ndarray, needles: Any) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``needles`` in ``haystack`` (whose values are unique), by hashing.

    Parameters
    ----------
    haystack : ndarray
        Unique values (integers or strings).
    needles : ndarray, sequence or Categorical
        Values to find.  A :class:`Categorical` is looked up through its categories only.

    Returns
    -------
    positions : ndarray of int64
        Index into ``haystack`` (``-1`` where absent).
    found : ndarray of bool
    """
    if isinstance(needles, Categorical):
        pos_c, _ = lookup(haystack, needles.categories)
        ok = needles.codes >= 0
        pos = np.full(needles.codes.size, -1, dtype=np.int64)
        pos[ok] = pos_c[needles.codes[ok]]
        return pos, pos >= 0
    q = np.asarray(needles)
    hay = np.asarray(haystack)
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
    hay_s = hay.astype(str).astype(object) if hay.dtype.kind != "O" else hay
    q_s = q.astype(str).astype(object) if q.dtype.kind != "O" else q
    if _has("pyarrow"):
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            q_a = pa.array(q_s, type=pa.string(), from_pandas=True)
            hay_a = pa.array(hay_s, type=pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
        else:
            if len(hay_a) <= len(q_a):
                idx = pc.index_in(q_a, value_set=hay_a)  # hash table on the haystack
                out = np.asarray(idx.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
                return out, out >= 0
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
    index = {
        v: i for i, v in enumerate(hay_s.tolist())
    }  # hashing: O(n), no Python comparisons sort
    out = np.fromiter((index.get(v, -1) for v in q_s.tolist()), dtype=np.int64, count=q_s.size)
    return out, out >= 0


def _has(mod: str) -> bool:
    return importlib.util.find_spec(mod) is not None


def _arrow_factorize(arr: Any) -> tuple[np.ndarray, np.ndarray]:
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        values = arr.dictionary
        if pa.types.is_string_view(values.type):  # (Arrow cannot take or sort string views yet)
            values = values.cast(pa.large_string())
        arr = pa.DictionaryArray.from_arrays(arr.indices, values).cast(values.type)
    enc = pc.dictionary_encode(arr)
    dictionary, indices = enc.dictionary, enc.indices
    if pa.types.is_string_view(dictionary.type):  # (Arrow cannot sort string views yet)
        dictionary = dictionary.cast(pa.large_string())
    order = np.asarray(pc.sort_indices(dictionary).to_numpy(zero_copy_only=False), dtype=np.int64)
    if indices.null_count:
        indices = indices.fill_null(-1)
    raw = np.asarray(indices.to_numpy(zero_copy_only=False))  # int32, no copy without nulls
    if np.array_equal(order, np.arange(order.size)):
        codes = raw.astype(np.int32)  # dictionary already sorted (nulls are -1): one copy
    else:
        remap = np.empty(order.size + 1, dtype=np.int32)
        remap[order] = np.arange(order.size, dtype=np.int32)
        remap[-1] = -1
        codes = remap[raw]  # -1 indexes the sentinel slot
    cats = np.asarray(dictionary.take(pa.array(order)).to_numpy(zero_copy_only=False), dtype=object)
    return codes, cats


def _unicode_factorize(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Factorise a numpy unicode array by hashing its fixed-width cells as binary values.

    Equal strings have equal cells (numpy pads with NULs), so pyarrow's dictionary encoding of
    the cells as fixed-size binary values, read in place, is exact; only the distinct cells are
    turned back into strings and sorted (numpy orders them by code point, like Python).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    a = np.ascontiguousarray(arr)
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
    return np.take(rank, raw), uniq[order].astype(object)


def _object_factorize(
    arr: np.ndarray, *, column: str, table: str | None
) -> tuple[np.ndarray, np.ndarray]:
    if arr.size == 0:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=object)
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
    return codes, cats.astype(object)


def _no_values(v: np.ndarray) -> bool:
    """An object column with no value to type it by (empty or all None): typed as text."""
    return not any(x is not None for x in v.tolist())


def to_native(columns: Mapping[str, np.ndarray], backend: Backend | None = None) -> Any:
    """Build a frame (or a dict of arrays) in ``backend`` from numpy columns.

    Parameters
    ----------
    columns : mapping of str to ndarray
        Equal-length columns.  ``datetime64`` columns are returned as UTC datetimes.
    backend : {"pandas", "polars", "pyarrow", "dict"}, optional
        Default ``"dict"``.

    Raises
    ------
    ParameterError
        Unknown backend, or the backend's package is not installed.
    """
    backend = backend or "dict"
    if backend not in BACKENDS:
        raise ParameterError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    cols = {k: np.asarray(v) for k, v in columns.items()}
    if backend == "dict":
        return cols
    if not _has(backend):
        raise ParameterError(
            f"backend {backend!r} is not installed; `pip install {backend}` or use backend='dict'"
        )
    prepared = {k: (v.astype(TIME_DTYPE) if v.dtype.kind == "M" else v) for k, v in cols.items()}
    if backend == "pandas":
        import pandas as pd

        df = pd.DataFrame(
            {
                k: (pd.Series(v, dtype=object) if v.dtype.kind == "O" else v)
                for k, v in prepared.items()
            }
        )
        for k, v in prepared.items():
            if v.dtype.kind == "M":
                df[k] = df[k].dt.tz_localize("UTC")
        return df
    if backend == "polars":
        import polars as pl

        series = []
        for k, v in prepared.items():
            if v.dtype.kind == "O":
                s = pl.Series(k, v.tolist(), dtype=pl.String if _no_values(v) else None)
            else:
                s = pl.Series(k, v)
            if v.dtype.kind == "M":
                s = s.dt.replace_time_zone("UTC")
            series.append(s)
        return pl.DataFrame(series)
    import pyarrow as pa

    arrays = {}
    for k, v in prepared.items():
        if v.dtype.kind == "M":
            arrays[k] = pa.array(v, type=pa.timestamp("us", tz="UTC"))
        elif v.dtype.kind == "O":
            arrays[k] = pa.array(v.tolist(), type=pa.string() if _no_values(v) else None)
        else:
            arrays[k] = pa.array(v)
    return pa.table(arrays)


def with_column(data: Any, name: str, values: np.ndarray) -> Any:
    """A new table: ``data`` with the column ``name`` set to ``values`` (replaced if present).

    A frame keeps its backend, column types and order (through narwhals); a dict gets a new
    dict; other inputs (records, lazy frames, paths) come back as a dict of numpy columns.  The
    caller's data is left untouched.
    """
    if isinstance(data, Mapping):
        return {**data, name: values}
    if is_frame(data):
        nw = _nw()
        frame = nw.from_native(data, eager_only=True)
        column = nw.new_series(name, values.tolist(), backend=frame.implementation)
        return frame.with_columns(column).to_native()
    raw = read_table(data, table="table", all_columns=True)
    cols = {k: (v.values() if isinstance(v, Categorical) else v) for k, v in raw.columns.items()}
    return {**cols, name: values}
