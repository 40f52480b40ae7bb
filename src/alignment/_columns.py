"""Column containers and checks of the core, in numpy only: Categorical, RawColumns, numeric.

The reading options of the call (:mod:`alignment._options`) apply here: the decimal mark of
amounts written as text (:func:`numeric`) and the folding of category spellings
(:func:`fold_spellings`, :func:`fold_values`).

Re-exported by :mod:`alignment._frames` (the dataframe boundary), where they were first defined.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from ._options import current, note_spellings
from ._parallel import Pending
from ._params import is_decimal_number, is_integer, is_na, number_float
from ._parse import parse_money, parse_number
from .errors import DataValidationError, ParameterError, reject_rows


class Later:
    """An array made on first use (:meth:`value`, from any thread, once), whose size is known
    before: the sorted distinct strings of a factorised column, which most calls never read
    (they group by the codes), held as a :class:`Lazy` field until someone does.

    Subclasses define :meth:`_make`.  Pickled as the array made.
    """

    size: int
    dtype = np.dtype(object)

    def __init__(self, size: int) -> None:
        self.size = int(size)
        self._made: np.ndarray | None = None
        self._lock = threading.Lock()

    def _make(self) -> np.ndarray:
        raise NotImplementedError

    def value(self) -> np.ndarray:
        """The array (made now if it was not yet)."""
        with self._lock:
            if self._made is None:
                self._made = self._make()
            return self._made

    @property
    def shape(self) -> tuple[int]:
        return (self.size,)

    def __len__(self) -> int:
        return self.size

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self.value()
        if copy or (dtype is not None and np.dtype(dtype) != out.dtype):
            return np.array(out, dtype=dtype, copy=True)
        return out

    def __getitem__(self, index: Any) -> Any:
        return self.value()[index]

    def __reduce__(self) -> tuple[Any, ...]:
        return (np.asarray, (self.value(),))

    def take(self, index: Any) -> np.ndarray:
        """The values at ``index`` (integer positions)."""
        return np.asarray(self.value().take(index))

    def subset(self, mask: np.ndarray) -> np.ndarray | Later:
        """The values where the boolean ``mask`` is true (not made yet where that is cheap)."""
        return np.asarray(self.value()[mask])

    def __getattr__(self, name: str) -> Any:  # (any other array attribute: of the array made)
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.value(), name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.value())

    def __eq__(self, other: object) -> Any:  # (compared as the array made, element-wise)
        return self.value() == other

    def __ne__(self, other: object) -> Any:
        return self.value() != other

    __hash__ = None  # type: ignore[assignment]  # (as an array: not hashable)

    def first_is_empty(self) -> bool:
        """Whether the first string is ``""`` (where an empty key sorts)."""
        return bool(self.size) and self.value()[0] == ""


class Lazy:
    """A dataclass field that may hold a :class:`Later`: made into its array on first read (and
    kept).  :func:`stored` reads the field as it is, made or not."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = "_" + name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:  # (no default: the field is required)
            raise AttributeError(self._slot[1:])
        value = obj.__dict__[self._slot]
        if isinstance(value, Later):
            value = value.value()
            obj.__dict__[self._slot] = value  # (every thread gets the one array made)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self._slot] = value


def lazy_field(cls: type, name: str) -> None:
    """Make the dataclass field ``name`` of ``cls`` a :class:`Lazy` one (after the dataclass is
    made: the field keeps no default, and type checkers see its declared type)."""
    field = Lazy()
    field.__set_name__(cls, name)
    setattr(cls, name, field)


def subset(values: np.ndarray | Later, mask: np.ndarray) -> Any:
    """``values[mask]`` for an array, :meth:`Later.subset` for values not made yet."""
    return values.subset(mask) if isinstance(values, Later) else values[mask]


def occurring(codes: np.ndarray, cats: np.ndarray, sort_keys: np.ndarray | None) -> Categorical:
    """The :class:`Categorical` of ``codes`` (``-1``: missing) into sorted ``cats``, only the
    categories that occur kept (the codes renumbered when one does not)."""
    seen = np.zeros(len(cats) + 1, dtype=bool)
    seen[codes] = True  # (a scatter into a small table: code -1 marks the last slot)
    used = seen[:-1]
    if not used.all():
        new_code = np.append(np.cumsum(used, dtype=np.int32) - 1, np.int32(-1))
        codes = new_code[codes]
        cats = subset(cats, used)
        sort_keys = None if sort_keys is None else sort_keys[used]
    return Categorical(codes.astype(np.int32, copy=False), cats, sort_keys)


def stored(obj: Any, name: str) -> Any:
    """Field ``name`` of ``obj`` as it is held: an array, or a :class:`Later` not made yet."""
    value = obj.__dict__.get("_" + name)
    if value is None and isinstance(obj, DeferredCategorical):  # (that of the column made)
        return stored(obj._made(), name)
    return getattr(obj, name) if value is None else value


@dataclass(frozen=True, eq=False)
class Categorical:
    """A factorised string column: ``int32`` codes into sorted ``categories``.

    Parameters
    ----------
    codes : ndarray of int32
        One code per row; ``-1`` marks a missing value.
    categories : ndarray of object
        The distinct values (``str``), sorted ascending.
    sort_keys : ndarray of uint64, optional
        One exact, order-keeping integer per category, in the layout every column shares
        (strings of at most 7 UTF-8 bytes: the bytes big-endian, the length in the last byte),
        so that two columns' categories can be matched by integer search; ``None`` when not
        known.
    """

    codes: np.ndarray
    categories: np.ndarray  # (a :class:`Lazy` field: an array, or a :class:`Later`)
    sort_keys: np.ndarray | None = None

    @property
    def n_categories(self) -> int:
        """Number of distinct values."""
        return int(stored(self, "categories").size)

    def __len__(self) -> int:
        return int(self.codes.size)

    def values(self) -> np.ndarray:
        """Decode to an object array of ``str`` (``None`` where missing)."""
        out = np.empty(self.codes.size, dtype=object)
        ok = self.codes >= 0
        if self.categories.size:
            out[ok] = self.categories[self.codes[ok]]
        out[~ok] = None
        return out

    # array-like behaviour, so a factorised column can stand where an object array is expected
    @property
    def dtype(self) -> np.dtype[Any]:
        """``object`` (the decoded values are strings)."""
        return np.dtype(object)

    @property
    def size(self) -> int:
        """Number of rows."""
        return int(self.codes.size)

    @property
    def ndim(self) -> int:
        """Always 1."""
        return 1

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        values = self.values()
        return values if dtype is None else values.astype(dtype)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (int, np.integer)):
            code = int(self.codes[index])
            return None if code < 0 else self.categories[code]
        return self.values()[index]

    def tolist(self) -> list[Any]:
        """Decoded values as a list."""
        return list(self.values().tolist())

    def take(self, index: np.ndarray) -> Categorical:
        """Rows at ``index`` (same categories)."""
        index = np.asarray(index)
        if index.dtype.kind in "iu":  # (faster gather)
            return Categorical(
                np.take(self.codes, index), stored(self, "categories"), self.sort_keys
            )
        return Categorical(self.codes[index], stored(self, "categories"), self.sort_keys)  # mask

    def per_value(self, fn: Callable[[np.ndarray], np.ndarray], fill: Any) -> np.ndarray:
        """``fn`` of the distinct values, at each row.

        Parameters
        ----------
        fn : callable
            Takes an object array of ``str`` and returns one result per text (an array).  It
            must give equal results to equal texts, and its results should be read only for
            which rows share one (codes of the values' groups) or for each value's own result
            (a flag): a column read from files may call it on its texts rather than on its
            sorted categories.
        fill : scalar
            The result of a missing row.

        Returns
        -------
        numpy.ndarray
            One result per row.
        """
        return np.asarray(np.append(fn(self.categories), fill)[self.codes])

    def pick(self, pos: np.ndarray) -> Categorical:
        """Rows at integer positions, a missing row where the position is ``-1``.

        Parameters
        ----------
        pos : array of int
            Positions of rows of this column, or ``-1``.

        Returns
        -------
        Categorical
            The rows, with the same categories.

        Raises
        ------
        ParameterError
            If a position is not an integer from ``-1`` to the number of rows minus one.
        """
        pos = _positions(pos, self.size)
        codes = np.append(self.codes, np.int32(-1))[pos]  # (index -1: the -1 slot)
        return Categorical(codes, stored(self, "categories"), self.sort_keys)

    def code_of(self, value: str) -> int:
        """Code of ``value``, or ``-1`` when absent."""
        i = int(np.searchsorted(self.categories, value))
        if i < self.categories.size and self.categories[i] == value:
            return i
        return -1


lazy_field(Categorical, "categories")


class DeferredCategorical(Categorical):
    """A :class:`Categorical` factorised on first use of its ``codes``, ``categories`` or
    ``sort_keys``.

    For the text columns of a CRM bundle, held as codes into texts (``CRMData._coded``): an
    engine reads every lead column, but most calls group by a few of them; a column nobody
    groups by (e-mail addresses: a million distinct texts) is then never sorted.  Rows taken
    (:meth:`take`) stay deferred and share the one factorisation of the whole column, so the
    values are those of ``make().take(index)`` whenever they are made.  The codes made are
    read-only.

    Parameters
    ----------
    make : callable
        Returns the whole column's :class:`Categorical` (called at most once per column).
    size : int
        The number of rows of the whole column.
    source : (ndarray, ndarray), optional
        What ``make`` factorises: codes (``-1``: missing) into texts (``None``: missing; a
        text may repeat), so that :meth:`per_value` need not factorise.
    """

    _whole: _Once
    _index: np.ndarray | None  # (rows of the whole column; -1: a missing row)
    _size: int
    _source: tuple[np.ndarray, np.ndarray] | None

    def __init__(
        self,
        make: Callable[[], Categorical],
        size: int,
        source: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self._set("_whole", _Once(make))
        self._set("_index", None)
        self._set("_size", int(size))
        self._set("_source", source)

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)  # (frozen: set once, or a cache of the values)

    def _made(self) -> Categorical:
        made: Categorical | None = self.__dict__.get("_cat")
        if made is None:
            whole = self._whole.value()
            made = whole if self._index is None else whole.pick(self._index)
            made.codes.flags.writeable = False
            self._set("_cat", made)
        return made

    @property
    def codes(self) -> np.ndarray:  # (read-only properties over the dataclass fields)
        return self._made().codes

    @property
    def categories(self) -> np.ndarray:
        return self._made().categories

    @property
    def sort_keys(self) -> np.ndarray | None:
        return self._made().sort_keys

    @property
    def made(self) -> bool:
        """Whether the column has been factorised (by this view or another of the column)."""
        return self._whole.done()

    def __len__(self) -> int:
        return self._size

    @property
    def size(self) -> int:
        """Number of rows (known without factorising)."""
        return self._size

    def take(self, index: np.ndarray) -> Categorical:
        """Rows at ``index`` (a subset or a permutation), deferred as well."""
        index = np.asarray(index)
        return self.pick(np.flatnonzero(index) if index.dtype.kind == "b" else index)

    def pick(self, pos: np.ndarray) -> Categorical:
        """:meth:`Categorical.pick` (``-1``: a missing row), deferred as well."""
        pos = _positions(pos, self._size)
        if self._index is not None:
            pos = np.append(self._index, -1)[pos]
        out = object.__new__(DeferredCategorical)
        out._set("_whole", self._whole)
        out._set("_index", pos)
        out._set("_size", int(pos.size))
        out._set("_source", self._source)
        return out

    def per_value(self, fn: Callable[[np.ndarray], np.ndarray], fill: Any) -> np.ndarray:
        """:meth:`Categorical.per_value`; before the column is made, ``fn`` of its texts
        (those present) instead of its categories: nothing sorted."""
        if self._source is None or self.made:
            return super().per_value(fn, fill)
        codes, texts = self._source
        present = np.flatnonzero(np.asarray(texts != None, dtype=bool))  # noqa: E711
        got = np.asarray(fn(texts[present]))
        per_text = np.full(texts.size + 1, fill, dtype=np.result_type(got, np.asarray(fill)))
        per_text[present] = got  # (the last slot: code -1)
        rows = codes if self._index is None else np.append(codes, -1)[self._index]
        return np.asarray(per_text[rows])

    def __repr__(self) -> str:
        return f"DeferredCategorical(size={self._size}, made={self.made})"


def _positions(pos: Any, size: int) -> np.ndarray:
    """``pos`` as an integer array of row positions or ``-1`` (:meth:`Categorical.pick`)."""
    arr = np.asarray(pos)
    if arr.size and arr.dtype.kind not in "iu":
        raise ParameterError(
            f"pick takes integer positions from -1 (a missing row) to {size - 1}, got "
            f"{arr.dtype} values; pass row positions as integers"
        )
    if arr.size and (arr.min() < -1 or arr.max() >= size):
        raise ParameterError(
            f"pick takes integer positions from -1 (a missing row) to {size - 1}, got "
            f"values from {arr.min()} to {arr.max()}"
        )
    return arr.astype(np.intp, copy=False) if arr.size else np.zeros(0, dtype=np.intp)


class _Once:
    """``make()`` called once, on first :meth:`value` (from any thread), then kept."""

    __slots__ = ("_lock", "_make", "_value")

    def __init__(self, make: Callable[[], Categorical]) -> None:
        self._make: Callable[[], Categorical] | None = make
        self._value: Categorical | None = None
        self._lock = threading.Lock()

    def value(self) -> Categorical:
        with self._lock:
            if self._value is None:
                assert self._make is not None
                self._value = self._make()
                self._make = None  # (what it held is no longer needed)
            return self._value

    def done(self) -> bool:
        return self._value is not None

    def __getstate__(self) -> tuple[Callable[[], Categorical] | None, Categorical | None]:
        return self._make, self._value  # (pickled without its lock: a new one when loaded)

    def __setstate__(self, state: tuple[Callable[[], Categorical] | None, Any]) -> None:
        self._make, self._value = state
        self._lock = threading.Lock()


class Refused:
    """A column that cannot be read (a column of lists): its error is raised when the column
    is read, never when it is only present (an unmapped column is left alone)."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[], DataValidationError]) -> None:
        self._make = make

    def error(self) -> DataValidationError:
        """The error, made anew (a fresh traceback for each read)."""
        return self._make()


def nested_column(
    column: str, table: str | None, kind: str, rows: np.ndarray, value: Any
) -> Refused:
    """:class:`Refused` for a column of lists or records (``kind``, e.g. ``List(Int64)``), whose
    cells (the ``rows`` that are not null, the first holding ``value``) hold several values."""

    def make() -> DataValidationError:
        return DataValidationError(
            f"a column of {kind} holds several values per cell, not one value per row",
            column=column,
            table=table,
            rows=rows,
            value=value,
            fix="join the values with ';' as the CRM exports them (ids as '1522;1506'), or "
            "flatten the column (one value per row) before reading it",
        )

    return Refused(make)


def _borrowed(arr: np.ndarray) -> bool:
    """Whether the numbers, instants or flags of ``arr`` are memory its owner may still write:
    a view of numpy memory (a dict column, a pandas block), read-only or not (its owner may make
    it writable again); not an array made while reading (``base is None``) nor a read-only view
    of a foreign buffer (Polars', Arrow's).  Integer and object columns are read into new arrays
    anyway (keys into codes, counts and costs into floats): 48 MB less for 6·10^6 lead ids."""
    if arr.base is None or arr.dtype.kind not in "bfcmM":
        return False
    owner: Any = arr
    while isinstance(owner, np.ndarray):
        if owner.flags.writeable or owner.base is None:  # (a numpy array that owns memory)
            return True
        owner = owner.base
    return False


class _Columns(Mapping[str, np.ndarray]):
    """Columns by name; a column still being computed (:class:`Pending`) is awaited on access.

    A column whose memory the caller may still write (:func:`_borrowed`) is copied when first
    read: the tables and results made from it never change when the caller edits its data.
    """

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, name: str) -> np.ndarray:
        value = self._data[name]
        if isinstance(value, Pending):
            value = self._data[name] = value.result()
        if isinstance(value, Refused):
            raise value.error()
        if not isinstance(value, np.ndarray):
            return value  # type: ignore[no-any-return]
        if _borrowed(value):
            value = self._data[name] = value.copy()
        view: np.ndarray = value.view()  # marking it read-only leaves the column as held
        return view

    def held(self, name: str) -> Any:
        """Column ``name`` as held: an array, a :class:`Categorical`, or still :class:`Pending`."""
        return self._data[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, name: object) -> bool:
        return name in self._data


@dataclass(frozen=True, eq=False)
class RawColumns:
    """Columns read from the caller's data, as numpy arrays.

    Attributes
    ----------
    columns : dict of str to ndarray
        Those asked for and found: text as objects, instants as UTC ``datetime64[us]``, nulls NaN.
    n_rows : int
        Number of rows.
    backend : {"pandas", "polars", "pyarrow", "dict"}
    names : tuple of str
        All column names of the input (found or not asked for).
    aware, integers : dict of str to bool, dict of str to ndarray
        Of a frame's columns: whether a datetime column carried a time zone; an integer column
        with nulls (floats in ``columns``) as its integers, exact, ``0`` where missing.
    """

    columns: Mapping[str, np.ndarray]
    n_rows: int
    backend: str  # the caller's backend
    names: tuple[str, ...]
    aware: dict[str, bool]
    integers: Mapping[str, np.ndarray] = field(default_factory=dict)

    def get(self, name: str) -> np.ndarray | None:
        """Column ``name`` or ``None`` when absent."""
        return self.columns.get(name)


def numeric(
    values: np.ndarray,
    *,
    column: str,
    table: str | None = None,
    allow_missing: bool = False,
    nonnegative: bool = False,
    flags: bool = False,
    count: bool = False,
) -> np.ndarray:
    """Validate a numeric column and return it as ``float64``.

    A bool is never a number (``True`` is not a count of 1 nor a revenue of 1.0): a bool
    column, or a Python/numpy bool in an object column, is refused, unless ``flags``: the
    attribute columns of a lead table (``is_duplicate``), where a flag is a 0/1 feature.
    Text is read strictly: an amount (``"$12,500.00"``), or with ``count`` ``"1,200"`` (no currency).

    Raises
    ------
    DataValidationError
        Non-numeric values (bools included), ``NaN``/``inf`` (unless ``allow_missing``, then
        ``NaN`` is kept but ``inf`` is still refused), or negative values when ``nonnegative``.
    """
    arr = np.asarray(values)
    if arr.dtype.kind == "b" and flags:
        arr = arr.astype(np.float64)
    elif arr.dtype.kind == "b":
        reject_rows(
            np.ones(arr.shape, dtype=bool),
            "a bool where a number is expected (True is not 1)",
            column=column,
            table=table,
            values=arr,
            fix="give the column as numbers",
        )
    if arr.dtype.kind == "U" or (
        arr.dtype.kind == "O" and any(isinstance(v, str) for v in arr.tolist())
    ):  # text amounts ("$3,150.00") or counts ("1,200"): read strictly, never guessed
        kw: dict[str, Any] = dict(column=column, table=table, allow_missing=True)
        kw["decimal"] = current().decimal
        arr = parse_number(arr, **kw) if count else parse_money(arr, **kw)[0]
    if arr.dtype.kind == "O":
        arr = _object_floats(arr, column=column, table=table, flags=flags)
    if arr.dtype.kind not in "iuf":
        raise DataValidationError(
            f"expected numbers, got dtype {arr.dtype}",
            column=column,
            table=table,
            fix="convert the column to numbers",
        )
    out = arr.astype(np.float64, copy=False)
    nan = np.isnan(out)
    inf = np.isinf(out)
    reject_rows(
        inf | (nan & (not allow_missing)),
        "non-finite value (NaN or infinity)",
        column=column,
        table=table,
        values=out,
        fix="drop or fill these rows with finite numbers",
    )
    if nonnegative:
        reject_rows(
            out < 0,
            "negative value",
            column=column,
            table=table,
            values=out,
            fix="values must be >= 0; check the sign or drop these rows",
        )
    return out


def text(values: Any, *, column: str, table: str | None = None) -> None:
    """Refuse a text column holding values that are not text; missing values are allowed.

    A column of numbers or bools is never read as their text (``1.5`` is not the domain
    ``"1.5"``, ``True`` is not the role ``"true"``): every value must be a ``str`` or missing
    (``None``, ``NaN``, pandas' ``NA``/``NaT``).  A float column of ``NaN`` only is a column of
    missing values.  A factorised column (:class:`Categorical`) is text by construction.

    Parameters
    ----------
    values : ndarray or Categorical
        The column (one value per row).
    column, table : str
        Named in the error.

    Raises
    ------
    DataValidationError
        Naming the rows and the first value that is not text.
    """
    if isinstance(values, Categorical):
        return
    arr = np.asarray(values)
    if arr.dtype.kind in "US":
        return
    if arr.dtype.kind == "O":
        from ._parse import _missing_mask

        items = arr.tolist()
        is_str = np.fromiter((isinstance(v, str) for v in items), bool, len(items))
        bad = ~is_str & ~_missing_mask(arr)
    elif arr.dtype.kind == "f":
        bad = ~np.isnan(arr)
    else:  # ints, bools, instants ...: not text
        bad = np.ones(arr.shape, dtype=bool)
    reject_rows(
        bad,
        "a value that is not text",
        column=column,
        table=table,
        values=arr,
        fix="give the column as strings (None where missing)",
    )


def _is_number(v: Any) -> bool:
    """A number of an object column, or missing (``None``, pandas' ``NA``)."""
    return v is None or is_na(v) or is_decimal_number(v)


def _float_of(v: Any) -> Any:
    """One value of an object number column for ``float64``: missing (``None``, pandas' ``NA``)
    as ``NaN``, a Decimal as its nearest float, anything else as it is."""
    if v is None or is_na(v):
        return np.nan
    return number_float(v) if isinstance(v, Decimal) else v


def _too_large(v: Any) -> bool:
    """An integer beyond the range of a float (``10**400``)."""
    if not is_integer(v):
        return False
    try:
        float(v)
    except OverflowError:
        return True
    return False


def _object_floats(
    arr: np.ndarray, *, column: str, table: str | None, flags: bool = False
) -> np.ndarray:
    """An object column of numbers (``None`` or pandas' ``NA`` missing) as ``float64``;
    anything else refused (a bool too, unless ``flags``)."""
    items = arr.tolist()
    if flags or not any(isinstance(v, (bool, np.bool_)) for v in items):  # (a bool: no number)
        try:
            floats = np.array([np.nan if v is None else v for v in items], dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            try:  # (one value at a time: pandas' NA, a Decimal's signalling NaN)
                floats = np.array([_float_of(v) for v in items], dtype=np.float64)
            except (TypeError, ValueError, OverflowError):
                floats = None
        if floats is not None and floats.shape == (len(items),):  # (lists of numbers: 2-D)
            return floats
    huge = [i for i, v in enumerate(items) if _too_large(v)]
    bad = [
        i
        for i, v in enumerate(items)
        if not (_is_number(v) or (flags and isinstance(v, (bool, np.bool_))))
    ]
    if bad or not huge:
        raise DataValidationError(
            "expected numbers",
            column=column,
            table=table,
            rows=bad,
            value=arr[bad[0]] if bad else None,
            fix="convert the column to numbers",
        ) from None
    raise DataValidationError(
        "integer too large for a float (beyond about 1.8e308)",
        column=column,
        table=table,
        rows=huge,
        value=items[huge[0]],
        fix="give amounts in a unit that keeps them below 1e308, or drop these rows",
    ) from None


# ------------------------------------------------------------------------ category spellings

#: columns whose spellings are folded with ``normalize="casefold"`` (the channel of a touch,
#: whatever its column is called, is folded too)
FOLDED_COLUMNS = frozenset({"channel", "source", "campaign"})


def _folded(categories: np.ndarray, *, column: str, table: str | None) -> np.ndarray | None:
    """The folded key of each category (``None``: nothing to change), or variants noted.

    With ``normalize="casefold"`` every spelling becomes its folded key (``"Paid Search"``,
    ``"paid_search"`` -> ``"paid search"``): the label depends on the spelling only, so the
    tables of one call (touches, leads, costs) and the partitions of a Dask frame agree on it.
    Without, spellings that would fold together are noted for the warning of the call.
    """
    from ._parse import fold_key

    if current().normalize != "casefold":
        note_spellings(table, column, categories)  # (grouped when the call reports them)
        return None
    keys = np.array([fold_key(str(c)) for c in categories.tolist()], dtype=object)
    return None if np.array_equal(keys, categories) else keys


def fold_spellings(cat: Categorical, *, column: str, table: str | None) -> Categorical:
    """A factorised category column read with the reading options (see :func:`_folded`).

    Works on the distinct values only; returns ``cat`` itself when nothing changes.
    """
    keys = _folded(cat.categories, column=column, table=table)
    if keys is None:
        return cat
    uniq, remap = np.unique(keys.astype(str), return_inverse=True)
    codes = np.where(cat.codes >= 0, np.take(remap.ravel(), np.maximum(cat.codes, 0)), -1)
    return Categorical(codes.astype(np.int32), uniq.astype(object))


def fold_values(values: Any, *, column: str, table: str | None) -> Any:
    """Values of a category column (``channel``, ``source``, ``campaign``) read with the options.

    For columns of :data:`FOLDED_COLUMNS` only (others are returned as they are).  Non-strings
    (``None`` …) are kept; ``values`` itself is returned when no spelling changes, else a new
    object array.
    """
    if column not in FOLDED_COLUMNS:
        return values
    arr: np.ndarray = np.asarray(values, dtype=object)
    text = np.fromiter((isinstance(v, str) for v in arr.tolist()), bool, arr.size)
    if not text.any():
        return values
    uniq, inverse = np.unique(arr[text].astype(str), return_inverse=True)
    keys = _folded(uniq.astype(object), column=column, table=table)
    if keys is None:
        return values
    out: np.ndarray = arr.copy()
    out[text] = keys[inverse.ravel()]
    return out
