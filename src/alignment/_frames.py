"""The one dataframe boundary of :mod:`alignment`.

Everything that reads columns from a caller's data, or gives results back in the caller's
backend, goes through this module.  Inside the library there are only numpy arrays.

Accepted inputs
---------------
* a pandas, Polars or PyArrow table (through narwhals; none of them is a dependency);
* a lazy or warehouse input: a Polars ``LazyFrame``, a DuckDB relation, an Ibis table, a
  ``pyarrow.dataset.Dataset``, or the path of a CSV / Parquet file (:mod:`._sources`): only the
  needed columns are collected, and rows are numbered in the collected order;
* a ``dict`` mapping column names to arrays or lists (numpy unicode arrays are factorised as
  they are read, as a frame's string columns are: a long one on the pool);
* a sequence of pydantic models (e.g. :class:`alignment.Touchpoint`) or of plain dicts.

Outputs (:func:`to_native`) go back to the caller's backend: ``"pandas"``, ``"polars"``,
``"pyarrow"`` or ``"dict"`` (a dict of numpy arrays, the default for dict and model input).
Keys of one table are found in another by :func:`alignment._lookup.lookup`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np

from ._colnames import ColumnFix, check_column_names, check_required, refuse_duplicates
from ._columns import Categorical, RawColumns, _Columns, nested_column, numeric
from ._factorize import _has, _native_factorize, factorize, factorize_ints
from ._framenumbers import (
    _nullable_bools,
    _nullable_integers,
    _numbers,
    nullable_flags,
    whole_decimals,
)
from ._options import finer_than_us, note_cut
from ._parallel import n_threads, submit
from ._params import DISABLE_BACKENDS, env_flag, is_option
from ._rows import holds_wide_int, records_to_dict, tighten_exact
from ._sources import Source, open_source
from ._time import TIME_DTYPE, datetimes_as_us, read_only_view
from .errors import DataValidationError, ParameterError

__all__ = [
    "BACKENDS",
    "Backend",
    "Categorical",
    "RawColumns",
    "factorize",
    "factorize_ints",
    "nullable_flags",
    "numeric",
    "read_only_view",
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


def _discovery_note() -> str:
    """What to add to the refusal of an input of unknown kind when backends are not looked for
    (a Dask frame is run by its backend, found by discovery)."""
    if not env_flag(DISABLE_BACKENDS):
        return ""
    return (
        f" ({DISABLE_BACKENDS} is set: installed backends are not looked for; unset it, or "
        "import the backend, e.g. import alignment.dask)"
    )


def _dask_note(data: Any) -> str:
    """What to add to the refusal of a Dask collection: read here by a function that has no
    Dask backend (``closed_loop`` …; see ``docs/dask.md``)."""
    module = type(data).__module__ or ""
    if not (module == "dask" or module.startswith(("dask.", "dask_expr"))):
        return ""
    return (
        " (a Dask collection: this function runs in memory; the Dask backend runs attribute, "
        "score, LogisticScorer.fit, funnel.observe and sla.evaluate — compute the frame "
        "first, e.g. ddf.compute(), or aggregate it on Dask)"
    )


def read_table(
    data: Any,
    *,
    table: str,
    required: Sequence[str] = (),
    optional: Sequence[str] = (),
    all_columns: bool = False,
    fix: ColumnFix = None,
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
    fix : str or mapping of str to str, optional
        How to supply a missing required column in the caller's terms (see
        :data:`._colnames.ColumnFix`); default: rename it or pass its name.

    Returns
    -------
    RawColumns

    Raises
    ------
    ParameterError
        A name in ``required`` or ``optional`` is not a string.
    MissingColumnError
        A required column is absent.
    DataValidationError
        The input is of an unsupported kind, columns have different lengths, a path is not a
        readable file of a supported kind, or a lazy query fails.
    ImportError
        A file path, and PyArrow is not installed.
    """
    n_threads()  # a bad ALIGNMENT_NUM_THREADS is refused on every input, not on large ones only
    env_flag(DISABLE_BACKENDS)  # (and so is a bad ALIGNMENT_DISABLE_BACKENDS, not on Dask only)
    check_column_names([*required, *optional], table)
    source = open_source(data, table=table)
    if source is not None:
        return _read_source(
            source,
            table=table,
            required=required,
            optional=optional,
            all_columns=all_columns,
            fix=fix,
        )
    integers: dict[str, np.ndarray] = {}  # (of a dict's ints with missing values, and Arrow's)
    if isinstance(data, Mapping):
        named = _named_by_text(data, table)
        names = tuple(named)
        backend: Backend = "dict"
        getter = _dict_getter(named, table, integers)
    elif _check_unique_names(data, table) or is_frame(data):
        return _read_frame(
            data,
            table=table,
            required=required,
            optional=optional,
            all_columns=all_columns,
            fix=fix,
        )
    elif isinstance(data, bytes) or not isinstance(data, Sequence):
        raise DataValidationError(
            f"cannot read a table from a {type(data).__name__}{_discovery_note()}"
            f"{_dask_note(data)}",
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
        getter = _dict_getter(data_dict, table, integers)
    wanted = list(names) if all_columns else [*required, *optional]
    check_required(required, names, table, fix=fix)
    cols: dict[str, np.ndarray] = {}
    aware: dict[str, bool] = {}
    for name in dict.fromkeys(wanted):
        if name in names:
            cols[name] = getter(name)
    n_rows = _common_length(cols, table)
    _read_arrow_columns(cols, aware, integers, table)
    for name, col in cols.items():  # unicode text, factorised as a frame's strings are
        if isinstance(col, np.ndarray) and col.dtype.kind == "U":
            cols[name] = _soon(n_rows, factorize, col, column=name, table=table, allow_missing=True)
    if not cols and names:
        n_rows = len(getter(names[0]))
    return RawColumns(_Columns(cols), n_rows, backend, names, aware, integers)


def _read_arrow_columns(
    cols: dict[str, Any], aware: dict[str, bool], integers: dict[str, np.ndarray], table: str
) -> None:
    """PyArrow arrays among a dict's columns, read as a PyArrow table's columns are (strings
    factorised from their bytes, instants with their zone, integers with nulls exact), in
    place."""
    arrow = {k: v for k, v in cols.items() if type(v).__module__.split(".")[0] == "pyarrow"}
    if not arrow:
        return
    import pyarrow as pa

    read = _read_frame(
        pa.table(arrow), table=table, required=list(arrow), optional=[], all_columns=False
    )
    held = read.columns
    assert isinstance(held, _Columns)
    cols.update({name: held.held(name) for name in arrow})  # (a column being encoded: pending)
    aware.update(read.aware)
    integers.update(read.integers)


def _common_length(cols: Mapping[str, np.ndarray], table: str) -> int:
    lengths = {k: len(v) for k, v in cols.items()}
    if len(set(lengths.values())) > 1:
        raise DataValidationError(
            f"columns have different lengths: {lengths}",
            table=table,
            fix="give every column the same number of rows",
        )
    return next(iter(lengths.values()), 0)


def _holds_bool(value: Any) -> bool:
    """Whether a list or tuple holds a bool, which numpy would read as 1 or 0 among numbers
    (the column's checks then see it, and name it as the caller wrote it)."""
    return isinstance(value, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in value)


def _named_by_text(data: Mapping[Any, Any], table: str) -> dict[str, Any]:
    """A dict of columns keyed by the text of its keys (a key ``0`` is the column ``"0"``, as
    a frame's integer label is): the name an error lists is the name that reads it.  Two keys
    of one text (``0`` and ``"0"``) are refused."""
    named = {str(k): v for k, v in data.items()}
    if len(named) < len(data):
        texts = [str(k) for k in data]
        twice = sorted({t for t in texts if texts.count(t) > 1})
        raise DataValidationError(
            f"two columns named {twice[0]!r} (keys {[k for k in data if str(k) == twice[0]]!r})",
            column=twice[0],
            table=table,
            fix="give each column its own name",
        )
    return named


def _dict_getter(data: Mapping[Any, Any], table: str, integers: dict[str, np.ndarray]) -> Any:
    """Reads a dict's column; Python ints with missing values record their integers exact in
    ``integers``, as an integer column with nulls of a frame does (:func:`tighten_exact`)."""

    def get(name: str) -> np.ndarray:
        value = data[name]
        if isinstance(value, Categorical):  # (a column factorised already: its codes are read)
            return value  # type: ignore[return-value]
        if type(value).__module__.split(".")[0] == "pyarrow" and hasattr(value, "type"):
            return value  # type: ignore[no-any-return]  # (an Arrow array: read as Arrow's)
        if isinstance(value, np.ma.MaskedArray):
            arr = _unmasked(value)
        elif isinstance(value, np.ndarray):
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
            elif arr.dtype.kind in "iuf" and _holds_bool(value):  # ([2, True]: not [2, 1])
                arr = np.asarray(value, dtype=object)
            elif arr.dtype.kind == "f" and holds_wide_int(value, arr):  # ([2**63, 3]: exact)
                arr = np.asarray(value, dtype=object)
        if arr.dtype.kind == "O" and arr.ndim == 1:
            arr, exact = tighten_exact(arr)
            if exact is not None:
                integers[name] = exact
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


def _unmasked(value: np.ma.MaskedArray) -> np.ndarray:
    """A numpy masked array's values, a masked entry read as missing (a new array).

    A float column gets ``NaN``, a datetime column ``NaT``, any other ``None`` in an object
    column: the usual rules for
    missing values then apply (a missing revenue or key is refused, a missing stage is not
    reached).  The hidden value under the mask is never read.
    """
    mask: np.ndarray = np.ma.getmaskarray(value)
    data: np.ndarray = np.asarray(value.data)
    if not mask.any():
        return data
    if data.dtype.kind in "fmM":  # (NaN, NaT: the column keeps its type)
        filled: np.ndarray = data.copy()
        filled[mask] = np.nan if data.dtype.kind == "f" else np.datetime64("NaT")
        return filled
    out: np.ndarray = data.astype(object)
    out[mask] = None
    return out


def _soon(n_rows: int, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` for a column of ``n_rows``: on the pool when long (hashing strings
    releases the GIL: it overlaps the caller's work until the column is read), at once when
    short (a thread hand-off would cost more than it saves)."""
    if n_rows >= POOL_MIN_ROWS:
        return submit(fn, *args, **kwargs)
    return fn(*args, **kwargs)


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
    fix: ColumnFix = None,
) -> RawColumns:
    """Collect only the columns asked for (all with ``all_columns``) of a lazy input or file."""
    names = source.names
    refuse_duplicates(names, table)
    check_required(required, names, table, fix=fix)
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
    fix: ColumnFix = None,
) -> RawColumns:
    """Numpy columns of an eager frame; ``names``: the input's columns when ``data`` holds some."""
    nw = _nw()
    frame = nw.from_native(data, eager_only=True)
    labels = {str(c): c for c in frame.columns}  # (a pandas label may be an int: read as text)
    held = tuple(labels)
    names = held if names is None else names
    check_required(required, names, table, fix=fix)
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
    integers: dict[str, np.ndarray] = {}
    schema = frame.schema
    n_rows = int(frame.shape[0])
    for name in wanted:
        s, dtype = whole_decimals(frame.get_column(labels[name]), schema[labels[name]])
        cols[name], zone = _frame_column(s, dtype, backend, n_rows, name, table)
        if zone is not None:
            aware[name] = zone
        if (ints := _nullable_integers(s, dtype)) is not None:
            integers[name] = ints
    return RawColumns(_Columns(cols), n_rows, backend, names, aware, integers)


def _frame_column(
    s: Any, dtype: Any, backend: Backend, n_rows: int, name: str, table: str
) -> tuple[Any, bool | None]:
    """One column of an eager frame (a narwhals series) as numpy, and for instants whether
    they carried a time zone (``None``: not instants).

    Instants are ``datetime64[us]`` in UTC; a date alone is midnight, a wall time of ``tz``
    as a naive instant is; decimals are ``float64`` (as their nearest float); bools with
    nulls ``True``/``False``/``None`` objects; a nested column (list, struct) is refused
    when read (:class:`~alignment._columns.Refused`): it holds no one value per cell.
    """
    nw = _nw()
    zoned = _pandas_zoned(s.to_native()) if backend == "pandas" else None
    if zoned is not None:  # (a pandas zone narwhals does not type: read as stored)
        return _instants(zoned, name, table), True
    if dtype == nw.Datetime:
        tz = getattr(dtype, "time_zone", None)
        if tz is not None and backend != "pyarrow":  # (Arrow holds the UTC instants)
            if str(tz) not in ("UTC", "Etc/UTC"):  # (UTC values need no conversion)
                s = s.dt.convert_time_zone("UTC")
            s = s.dt.replace_time_zone(None)
        return _instants(np.asarray(s.to_numpy()), name, table), tz is not None
    if dtype == nw.Date:  # (cast by the backend: nulls NaT, whatever holds the dates)
        millis = np.asarray(s.cast(nw.Datetime("ms")).to_numpy())  # (any int32 of days fits)
        return datetimes_as_us(millis, column=name, table=table), False
    plain = _decoded(s.to_native(), backend) if dtype in (nw.Categorical, nw.Enum) else None
    if plain is not None:  # (a dictionary of numbers or instants: read as its values)
        s = nw.from_native(plain, series_only=True)
        return _frame_column(s, s.dtype, backend, n_rows, name, table)
    if dtype == nw.String and backend == "pandas" and not _pandas_all_text(s.to_native()):
        dtype = nw.Object  # (typed from its first rows: the other values read one by one)
    if dtype in (nw.String, nw.Categorical, nw.Enum):
        return _soon(n_rows, _native_factorize, s.to_native(), backend), None
    if dtype == nw.Boolean and s.null_count():  # (as a dict's list of bools with None)
        return _nullable_bools(s), None
    if dtype.is_numeric() or dtype == nw.Boolean:
        return _numbers(s, dtype), None
    if dtype in (nw.List, nw.Array, nw.Struct):
        null = np.asarray(s.is_null().to_numpy(), dtype=bool)
        first = s.drop_nulls().head(1).to_list()
        return nested_column(
            name, table, str(dtype), np.flatnonzero(~null), first[0] if first else None
        ), None
    if s.null_count() == n_rows:  # a column of nulls only: None (Polars would say NaN)
        return np.full(n_rows, None, dtype=object), None
    return tighten_exact(np.asarray(s.to_numpy(), dtype=object))[0], None  # (as a dict's is)


def _decoded(native: Any, backend: Backend) -> Any:
    """A dictionary column of numbers, bools or instants (a pandas ``category`` of ints …) as
    a native column of its values (integer ids stay integers); ``None``: text, or a mix."""
    arrow = native.type if backend == "pyarrow" else getattr(native.dtype, "pyarrow_dtype", None)
    if arrow is not None:  # (an Arrow dictionary, pandas' ArrowDtype of one included)
        import pyarrow.types as t

        if not (t.is_primitive(arrow.value_type) or t.is_decimal(arrow.value_type)):
            return None  # (text: factorised)
        if backend == "pyarrow":
            return native.cast(arrow.value_type)
        import pandas as pd  # (pandas' ArrowDtype of a dictionary)

        return native.astype(pd.ArrowDtype(arrow.value_type))
    if backend == "pandas" and (kind := native.cat.categories.dtype.kind) in "biufM":
        nullable = {"b": "boolean", "i": "Int64", "u": "UInt64"} if native.isna().any() else {}
        return native.astype(nullable.get(kind, native.cat.categories.dtype))
    return None  # (a Polars Categorical or Enum holds text)


def _pandas_all_text(native: Any) -> bool:
    """Whether a pandas column typed as text holds text in every cell (missing ones aside):
    narwhals types an ``object`` column from its first rows, a later bool, number, bytes or
    list is not text (one vectorised pass over the column)."""
    import pandas as pd

    if native.dtype != object:  # (a string dtype holds text only)
        return True
    return bool(pd.api.types.infer_dtype(native, skipna=True) in ("string", "empty"))


def _instants(arr: np.ndarray, name: str, table: str) -> np.ndarray:
    """A frame's ``datetime64`` column as ``datetime64[us]``; the values with a part below a
    microsecond, which the cast cuts, are noted for the call's warning."""
    note_cut(table, name, finer_than_us(arr))
    return datetimes_as_us(arr, column=name, table=table)


def _pandas_zoned(native: Any) -> np.ndarray | None:
    """The UTC instants of a pandas column with a time zone (``datetime64[us, Europe/Paris]``),
    as naive ``datetime64`` of its unit; ``None`` for any other column."""
    import pandas as pd

    if not isinstance(getattr(native, "dtype", None), pd.DatetimeTZDtype):
        return None
    utc = native.dt.tz_convert("UTC").dt.tz_localize(None)
    return np.asarray(utc.to_numpy())


POOL_MIN_ROWS = 50_000
"""String columns at least this long are factorised on the thread pool (:mod:`._parallel`)."""


def _no_values(v: np.ndarray) -> bool:
    """An object column with no value to type it by (empty or all None): typed as text."""
    return not any(x is not None for x in v.tolist())


def to_native(
    columns: Mapping[str, np.ndarray | Categorical],
    backend: Backend | None = None,
    *,
    dictionary: Collection[str] = (),
    default: Backend = "dict",
) -> Any:
    """Build a frame (or a dict of arrays) in ``backend`` from numpy columns.

    Parameters
    ----------
    columns : mapping of str to ndarray or Categorical
        Equal-length columns.  ``datetime64`` columns are returned as UTC datetimes, except
        calendar dates (``datetime64[D]``), which stay dates: Arrow ``date32``, Polars
        ``Date``, ``datetime.date`` objects in pandas (``None`` for NaT); a
        :class:`Categorical` as strings (built from its codes: no Python object per row for
        Polars and PyArrow).  Numeric columns are not copied where the backend can hold numpy
        memory (Polars): pass arrays nothing writes to afterwards.
    backend : {"pandas", "polars", "pyarrow", "dict"}, optional
        Default ``default``.
    dictionary : collection of str
        :class:`Categorical` columns returned dictionary-encoded (the same values, one small
        integer per row): a pandas ``category``, a Polars ``Enum`` of the categories, a PyArrow
        ``dictionary``; strings in a ``"dict"`` of arrays.
    default : {"pandas", "polars", "pyarrow", "dict"}
        The backend when ``backend`` is ``None`` (a table's: the one it was read from).

    Raises
    ------
    ParameterError
        Unknown backend, or the backend's package is not installed.
    """
    if not is_option(backend, (None, "", *BACKENDS)):
        raise ParameterError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    backend = backend or default
    if backend != "dict" and not _has(backend):
        raise ParameterError(
            f"backend {backend!r} is not installed; `pip install {backend}` or use backend='dict'"
        )
    if backend == "dict":
        return {
            k: v.values() if isinstance(v, Categorical) else np.asarray(v)
            for k, v in columns.items()
        }
    coded = {k for k, v in columns.items() if isinstance(v, Categorical)}
    prepared: dict[str, Any] = {
        k: v if k in coded else _instants_as_us(np.asarray(v)) for k, v in columns.items()
    }
    encoded = {k for k in coded if k in dictionary and _text_categories(prepared[k])}
    if backend == "pandas":
        return _pandas_frame(prepared, encoded)
    if backend == "polars":
        return _polars_frame(prepared, encoded)
    return _arrow_table(prepared, encoded)


def _instants_as_us(v: np.ndarray) -> np.ndarray:
    return v.astype(TIME_DTYPE, copy=False) if v.dtype.kind == "M" and not _is_date(v) else v


def _is_date(v: np.ndarray) -> bool:
    """A column of calendar dates (``datetime64[D]``): a date, not an instant."""
    return v.dtype.kind == "M" and np.datetime_data(v.dtype)[0] == "D"


def _text_categories(cat: Categorical) -> bool:
    """Whether a column's categories can be a dictionary of strings (always, when factorised)."""
    return all(isinstance(c, str) for c in cat.categories.tolist())


def _signed_codes(cat: Categorical) -> np.ndarray:
    """The codes (``-1`` missing) in the smallest signed integer type that holds them."""
    k = cat.n_categories
    dtype = np.int8 if k <= 127 else np.int16 if k <= 32_767 else np.int32
    return np.asarray(cat.codes).astype(dtype, copy=False)


def _pandas_frame(cols: Mapping[str, Any], encoded: Collection[str]) -> Any:
    import pandas as pd

    series = {}
    for k, v in cols.items():
        if k in encoded:
            s = pd.Series(pd.Categorical.from_codes(_signed_codes(v), v.categories.tolist()))
        elif isinstance(v, Categorical) or v.dtype.kind == "O":
            s = pd.Series(v.values() if isinstance(v, Categorical) else v, dtype=object)
        elif _is_date(v):  # datetime.date objects (None for NaT), as Arrow's date32 in pandas
            s = pd.Series(v.astype(object), dtype=object)
        elif v.dtype.kind == "M":
            s = pd.Series(v).dt.tz_localize("UTC")
        else:
            s = pd.Series(v, copy=False)  # (the frame copies its columns once)
        series[k] = s
    return pd.DataFrame(series)


def _polars_frame(cols: Mapping[str, Any], encoded: Collection[str]) -> Any:
    import polars as pl

    series = []
    for k, v in cols.items():
        if k in encoded:
            s = _polars_enum(k, v)
        elif isinstance(v, Categorical):
            s = _polars_strings(k, v)
        elif v.dtype.kind == "O":
            s = pl.Series(k, v.tolist(), dtype=pl.String if _no_values(v) else None)
        elif _is_date(v):
            s = pl.Series(k, v, dtype=pl.Date)
        elif v.dtype.kind == "M" and not np.isnat(v).any():  # the numpy memory, no copy
            s = pl.Series(k, v.view(np.int64)).cast(pl.Datetime("us", "UTC"))
        elif v.dtype.kind == "M":
            s = pl.Series(k, v).dt.replace_time_zone("UTC")
        else:
            s = pl.Series(k, v)
        series.append(s)
    return pl.DataFrame(series)


def _arrow_table(cols: Mapping[str, Any], encoded: Collection[str]) -> Any:
    import pyarrow as pa

    arrays = {}
    for k, v in cols.items():
        if k in encoded:
            codes = _signed_codes(v)
            index = pa.array(codes, mask=codes < 0 if (codes < 0).any() else None)
            arrays[k] = pa.DictionaryArray.from_arrays(
                index, pa.array(v.categories.tolist(), type=pa.string())
            )
        elif isinstance(v, Categorical):
            arrays[k] = _arrow_strings(v)
        elif _is_date(v):
            arrays[k] = pa.array(v, type=pa.date32())
        elif v.dtype.kind == "M":
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


def _polars_strings(name: str, cat: Categorical) -> Any:
    """A factorised column as a Polars string Series (nulls where missing), from its codes."""
    import polars as pl

    codes = np.asarray(cat.codes)
    missing = np.flatnonzero(codes < 0)
    index = pl.Series(np.where(codes < 0, 0, codes) if missing.size else codes)
    if missing.size:
        index = index.scatter(missing, None)
    values = pl.Series(name, cat.categories.tolist(), dtype=pl.String)
    return values.gather(index).alias(name)


def _polars_enum(name: str, cat: Categorical) -> Any:
    """A factorised column as a Polars ``Enum`` of its categories (nulls where missing), from
    its codes: one small integer per row, no string per row."""
    import polars as pl

    enum = pl.Enum(cat.categories.tolist())
    physical = pl.Series(name, [], dtype=enum).to_physical().dtype
    index = pl.Series(name, np.asarray(cat.codes)).cast(physical, strict=False)  # -1: null
    to_enum = getattr(index.cat, "to", None)
    if to_enum is None:  # (a Polars without it: through the strings)
        return _polars_strings(name, cat).cast(enum)
    return to_enum(enum)


def _arrow_strings(cat: Categorical) -> Any:
    """A factorised column as an Arrow string array (nulls where missing), from its codes."""
    import pyarrow as pa

    codes = np.asarray(cat.codes)
    missing = codes < 0
    index = pa.array(codes, mask=missing if missing.any() else None)
    return pa.array(cat.categories.tolist(), type=pa.string()).take(index)
