"""Dask plumbing shared by the engines' drivers: detection, co-partitioning by key, tree reductions.

A partition task runs the in-memory engine; what the engine would warn about is kept by the task
(:func:`alignment._options.warn`) and returned as data with its value (:class:`Held`), carried up
the reduction like a data error (:class:`Failure`), and issued by :func:`settle`, once each for
the whole run, as memory issues it once for the whole call.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from .._grouplabel import LabelSeen, kept_labels, merged_label_error
from .._options import (
    Captured,
    HeldWarning,
    capture,
    is_empty,
    merged_notes,
    note_parts,
    part_notes,
)
from .._rows import tighten
from ..errors import MAX_ROWS_SHOWN, DataValidationError, ParameterError
from ..tables._common import _EXACT_FLOAT

#: column added to both frames of a co-partitioning shuffle (dropped again in the partitions)
_PART = "__alignment_part__"
#: input partition number and position in it of every row (the caller's row, for errors)
_SRC_PART = "__alignment_src_part__"
_SRC_POS = "__alignment_src_pos__"
_F = TypeVar("_F", bound=Callable[..., Any])
#: requirement string of the optional extra
REQUIREMENT = "dask[dataframe,distributed]>=2025.1"


# ---------------------------------------------------------------------------------------------
# detection and partitioning
# ---------------------------------------------------------------------------------------------


def is_dask_collection(obj: Any) -> bool:
    """True when ``obj`` is a Dask collection (DataFrame, Series, Array, Delayed …).

    Never imports dask: an object can only be a Dask collection if its type comes from a
    module under ``dask`` that is already imported.
    """
    if "dask" not in sys.modules:
        return False
    module = type(obj).__module__ or ""
    if not (module == "dask" or module.startswith(("dask.", "dask_expr"))):
        return False
    from dask.base import is_dask_collection as _is

    return bool(_is(obj))


def dk() -> Any:
    """The ``dask`` module (untyped: looked up dynamically)."""
    import importlib

    return importlib.import_module("dask")


def require_dask() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - the extra is installed in CI
        raise ImportError(
            f"this needs Dask: pip install 'smarketing-alignment[dask]' (or {REQUIREMENT!r})"
        ) from exc
    return dd


def as_ddf(data: Any, what: str) -> Any:
    """A dask DataFrame from a dask frame, a pandas frame or a dict of columns.

    A pandas frame (or dict) is wrapped as it is: its ``object`` columns keep their Python
    values (not turned into text, as ``dd.from_pandas`` does by default), so that a flag among
    labels (``True``) is refused as memory refuses it, not read as the word ``"True"``.
    """
    dd = require_dask()
    if data is None:
        return None
    if is_dask_collection(data):
        return data
    import pandas as pd

    if isinstance(data, Mapping):
        data = pd.DataFrame(dict(data))
    if isinstance(data, pd.DataFrame):
        with dk().config.set({"dataframe.convert-string": False}):
            return dd.from_pandas(data, npartitions=1)
    raise ParameterError(
        f"{what} must be a dask.dataframe.DataFrame (or a pandas frame / dict of columns) "
        f"when the main input is a Dask collection; got {type(data).__name__}"
    )


def _keyed_by_index(ddf: Any, key: str) -> bool:
    """Indexed by ``key`` with known, strictly increasing divisions: partitions hold whole keys
    (not when a column is named ``key`` too: memory reads the column, and so is it read here)."""
    if ddf.index.name != key or key in ddf.columns or not ddf.known_divisions:
        return False
    div = list(ddf.divisions)
    return all(a < b for a, b in itertools.pairwise(div))


def _hash_part(pdf: Any, key: str, n: int) -> Any:
    """Partition number of every row: hash of the key's text (:func:`key_text`: keys that the
    in-memory engines match go to one partition)."""
    import pandas as pd

    values = pdf.index if key not in pdf.columns else pdf[key]
    h = pd.util.hash_array(key_text(values), categorize=False)
    out = pdf.copy(deep=False)
    out[_PART] = (h % np.uint64(max(n, 1))).astype(np.int64)
    return out


def key_text(values: Any) -> np.ndarray:
    """Every key as the text the in-memory key matching compares: an integer's digits, a whole
    float below 2**53 as its integer's (``30.0``: ``"30"``, as a float key column is read),
    text as it is; a ``category`` through its categories.

    Vectorised (a column of Python numbers is typed first, as memory reads it); the values are
    not copied when they are text already (read only).  Keys that memory refuses (missing, not
    whole) get some value: their rows fail in their partition.
    """
    import pandas as pd

    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):
        per_category = np.append(key_text(s.cat.categories), "")
        by_code: np.ndarray = per_category[s.cat.codes.to_numpy()]  # (code -1: the last entry)
        return by_code
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    if numeric and (pd.api.types.is_float_dtype(s.dtype) or s.hasnans):
        arr = s.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        arr = s.to_numpy()
        if arr.dtype.kind == "O":
            if pd.api.types.infer_dtype(arr, skipna=True) in ("string", "empty"):
                return arr  # (text, or nothing but missing values: hashed as they are)
            arr = tighten(arr)
    if arr.dtype.kind != "f":
        return arr.astype(str).astype(object)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(arr) & (arr == np.round(arr)) & (np.abs(arr) < _EXACT_FLOAT)
    out = np.empty(arr.size, dtype=object)
    out[whole] = arr[whole].astype(np.int64).astype(str)
    out[~whole] = arr[~whole].astype(str)
    return out


def partition_by_key(
    frames: Sequence[Any],
    key: str | Sequence[str],
    npartitions: int | None = None,
    *,
    tag: bool = False,
) -> tuple[list[Any], bool]:
    """Co-partition frames so that every value of the journey key sits in one partition.

    Parameters
    ----------
    frames : sequence of dask DataFrame (or None)
        The first is the main (largest) frame; the others (conversions, leads, activities) are
        brought to the same partitions.
    key : str or sequence of str
        The key column of each frame (one name for all, or one per frame).  A frame may also
        hold the key as its index.
    npartitions : int, optional
        Partitions after a shuffle (default: those of the main frame).
    tag : bool, default False
        Tag the rows of every frame that is moved (:func:`tag_rows`), so that errors name the
        caller's rows; a main frame left in place is not tagged (no extra columns): its
        partition ``i`` is input partition ``i``, row for row (pass ``part=i`` to
        :func:`local_frame`).

    Returns
    -------
    (frames, shuffled)
        Frames with the same number of partitions, partition ``i`` of each holding the same
        keys, and whether a shuffle was needed.

    Notes
    -----
    No shuffle when the main frame is indexed by the key with known divisions (e.g.
    ``dd.read_parquet(path, index="lead_id", calculate_divisions=True)`` on files written in
    key order); the other frames are then sent to the main frame's divisions (``set_index``
    with those divisions — a shuffle of the small frames only).  Otherwise every frame is
    hash-partitioned on the key's text: a full shuffle (all rows over the network, spilled
    to disk by the workers when needed) — the cost ``docs/dask.md`` explains how to avoid.
    """
    keys = [key] * len(frames) if isinstance(key, str) else list(key)
    main = frames[0]
    if _keyed_by_index(main, keys[0]):
        out = [main]
        for f, k in zip(frames[1:], keys[1:]):
            f = tag_rows(f) if tag else f
            out.append(None if f is None else _to_divisions(f, k, list(main.divisions)))
        return out, False
    n = int(npartitions or main.npartitions)
    out = []
    for f, k in zip(frames, keys):
        if f is None:
            out.append(None)
            continue
        f = tag_rows(f) if tag else f
        if f.index.name == k and k not in f.columns:
            f = f.reset_index()
        out.append(_to_parts(f.map_partitions(_hash_part, k, n), n))
    return out, True


def _to_parts(tagged: Any, n: int) -> Any:
    """Every row of ``tagged`` sent to the partition its :data:`_PART` names (``0 … n-1``).

    Partitioned by that number itself, as an index with one division per partition (not by a
    hash of it, which sent rows to other partitions than the ones chosen: with two
    partitions, every row to the second).
    """
    return tagged.set_index(_PART, divisions=list(range(n + 1)))


def _to_divisions(f: Any, key: str, divisions: list[Any]) -> Any:
    """Frame ``f`` sent to the main frame's ``divisions``: partition ``i`` holds the rows whose
    key memory matches with a key of the main frame's partition ``i``.

    A frame indexed by the key with divisions of the same kind (numbers, or text) is moved
    as it is; any other is routed by :func:`division_of` (the key compared by its text, as
    memory compares it: an id ``"10"`` meets an index ``10``, ``30.0`` meets ``30``).
    """
    keyed = f.index.name == key and key not in f.columns and f.known_divisions
    if keyed and _division_kind(f.divisions) == _division_kind(divisions) != "":
        if tuple(f.divisions) == tuple(divisions):
            return f
        return f.repartition(divisions=divisions, force=True)
    if f.index.name == key and key not in f.columns:
        f = f.reset_index()
    if _division_kind(divisions) == "":  # (instants …: compared as they are)
        return f.set_index(key, divisions=divisions)
    return _to_parts(f.map_partitions(_division_part, key, divisions), len(divisions) - 1)


def _division_kind(divisions: Sequence[Any]) -> str:
    """``"number"`` or ``"text"`` when every division is one, else ``""``."""
    if all(isinstance(d, str) for d in divisions):
        return "text"
    numbers = (int, float, np.integer, np.floating)
    if all(isinstance(d, numbers) and not isinstance(d, (bool, np.bool_)) for d in divisions):
        return "number"
    return ""


def _division_part(pdf: Any, key: str, divisions: list[Any]) -> Any:
    """The partition with :func:`division_of` of every row's key as column :data:`_PART`."""
    out = pdf.copy(deep=False)
    out[_PART] = division_of(pdf[key], divisions)
    return out


def division_of(values: Any, divisions: Sequence[Any]) -> np.ndarray:
    """Partition of ``divisions`` (numbers or text) holding the key that memory matches with
    each of ``values``: compared by :func:`key_text`, the text memory compares (integer keys,
    or whole floats, against numeric divisions: by their numbers, which find the same).

    A value that no key of those divisions can match (the text ``"010"`` or ``"x"`` against
    numbers, a missing value) goes to partition 0, where memory's reading of it (no match,
    or its error) takes place.
    """
    import pandas as pd

    direct = _numeric_division(values, divisions)
    if direct is not None:
        return direct
    text = pd.Series(key_text(values), dtype=object)
    found = text.notna().to_numpy()
    text = text.where(found, "")
    if _division_kind(divisions) != "text":
        whole = text.str.fullmatch(r"-?[0-9]+").to_numpy()
        num = pd.Series(divisions[0], index=text.index, dtype=object)
        same = np.zeros(len(text), dtype=bool)
        for rows in (whole, ~whole):  # (integers apart: exact beyond 2**53)
            if rows.any():
                parsed = pd.to_numeric(text[rows], errors="coerce")
                same[rows] = parsed.notna().to_numpy() & (key_text(parsed) == text[rows].to_numpy())
                num[rows] = parsed.to_numpy(dtype=object)
        found = found & same
        text = num.where(found, divisions[0])
    bounds = np.asarray(divisions, dtype=object)
    keys = text.to_numpy(dtype=object)
    part = np.searchsorted(bounds, keys, side="right") - 1
    return np.where(found, np.clip(part, 0, len(divisions) - 2), 0).astype(np.int64)


def _numeric_division(values: Any, divisions: Sequence[Any]) -> np.ndarray | None:
    """:func:`division_of` by a search of the numbers themselves, when it finds what the text
    would: integer keys (or whole floats below 2**53) against numeric divisions, compared
    exactly.  ``None`` for any other keys (text, missing, not whole …)."""
    keys = None if _division_kind(divisions) != "number" else _whole_numbers(values)
    if keys is None:
        return None
    bounds = np.asarray(divisions)
    if bounds.dtype.kind == "f" and keys.size and np.abs(keys).max() < _EXACT_FLOAT:
        hay, needles = bounds, keys.astype(np.float64)  # (exact: both hold these numbers)
    elif bounds.dtype.kind == "i":
        hay, needles = bounds.astype(np.int64), keys
    else:  # (beyond 64 bits, or an empty float search: through the text)
        return None
    part = np.searchsorted(hay, needles, side="right") - 1
    return np.clip(part, 0, len(divisions) - 2).astype(np.int64)


def _whole_numbers(values: Any) -> np.ndarray | None:
    """``values`` as ``int64`` when each is an integer of that range (a float: a whole one
    below 2**53), else ``None``."""
    dtype = getattr(values, "dtype", None)
    if not isinstance(dtype, np.dtype) or dtype.kind not in "iuf":
        return None
    arr = np.asarray(values)
    if not arr.size:
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(arr) & (arr == np.round(arr)) & (np.abs(arr) < _EXACT_FLOAT)
        return arr.astype(np.int64) if whole.all() else None
    if arr.dtype.kind == "u" and arr.max() > np.iinfo(np.int64).max:
        return None
    return arr.astype(np.int64, copy=False)


def tag_rows(ddf: Any) -> Any:
    """The frame with each row's input partition number and position (for error rows).

    Costs no pass over the data: the numbers come from each partition's own index.
    """
    if ddf is None or _SRC_PART in ddf.columns:
        return ddf
    return ddf.map_partitions(_add_positions)


def _add_positions(pdf: Any, partition_info: Mapping[str, Any] | None = None) -> Any:
    out = pdf.copy(deep=False)
    out[_SRC_PART] = np.int64(partition_info["number"] if partition_info else 0)
    out[_SRC_POS] = np.arange(len(pdf), dtype=np.int64)
    return out


#: per Dask task: the input rows of the local frames, by table name
_LOCAL_ROWS = threading.local()


def local_frame(
    pdf: Any,
    key: str,
    table: str | None = None,
    part: int | None = None,
    *,
    arrow: bool = False,
) -> Any:
    """A partition as a plain pandas frame with the key as a column (helper columns dropped).

    Tagged rows (:func:`tag_rows`) come back in input order, whatever the shuffle did, and
    their input positions are kept for the errors of ``table`` (see :func:`input_rows`).
    An untagged partition given its input partition number ``part`` (a frame that was not
    moved) is that input partition: its rows are named by their position in it.
    With ``arrow``, a partition whose columns are all Arrow-backed (``dtype_backend=
    "pyarrow"``) comes back as the ``pyarrow.Table`` of those arrays (no copy, see
    :func:`arrow_table`).
    """
    if pdf is None:
        return None
    rows = getattr(_LOCAL_ROWS, "rows", None) if table is not None else None
    if _SRC_PART in pdf.columns:
        pdf = pdf.sort_values([_SRC_PART, _SRC_POS], kind="stable")
        if rows is not None:
            rows[table] = (pdf[_SRC_PART].to_numpy(), pdf[_SRC_POS].to_numpy())
        pdf = pdf.drop(columns=[_SRC_PART, _SRC_POS])
    elif rows is not None and part is not None:
        rows[table] = (part, None)
    if _PART in pdf.columns:
        pdf = pdf.drop(columns=[_PART])
    if pdf.index.name == key and key not in pdf.columns:
        pdf = pdf.reset_index()
    else:
        pdf = pdf.reset_index(drop=True)
    return arrow_table(pdf) if arrow else pdf


def arrow_table(pdf: Any) -> Any:
    """A pandas frame of Arrow-backed columns as a ``pyarrow.Table`` (the same arrays, no copy).

    The engines read an Arrow table's columns as they are (null counts from the arrays,
    dictionaries kept as codes, time zone-aware instants as stored) where a pandas frame
    costs a pass per column.  Any other frame (a NumPy-backed column, a column name that is
    not a unique string) is returned as it is.
    """
    import pandas as pd

    names = list(pdf.columns)
    if (
        not names
        or not all(isinstance(t, pd.ArrowDtype) for t in pdf.dtypes)
        or not all(isinstance(c, str) for c in names)
        or len(set(names)) != len(names)
    ):
        return pdf
    import pyarrow as pa

    return pa.Table.from_pandas(pdf, preserve_index=False)


class Failure:
    """A partition's data error, carried as a value up a reduction (see :func:`tree_reduce`).

    So that the error raised is the one at the earliest input row whichever partition fails
    first, and errors of one problem in several partitions are named together, as in memory.
    """

    def __init__(self, exc: DataValidationError) -> None:
        self.exc = exc

    @property
    def first(self) -> tuple[int, int]:
        pairs = getattr(self.exc, "source_rows", None)
        return min(pairs) if pairs else (sys.maxsize, 0)

    def worse(self, other: Any) -> Any:
        """The failure to report of two (the other one if it is not a failure)."""
        if not isinstance(other, Failure):
            return self
        a, b = (self, other) if self.first <= other.first else (other, self)
        ea, eb = a.exc, b.exc
        same = (ea.problem, ea.column, ea.table) == (eb.problem, eb.column, eb.table)
        if not same or not hasattr(eb, "source_rows") or not hasattr(ea, "source_rows"):
            return a
        merged = DataValidationError(
            ea.problem, column=ea.column, value=ea.value, fix=ea.fix, table=ea.table
        )
        pairs = sorted({*ea.source_rows, *eb.source_rows})[:MAX_ROWS_SHOWN]
        merged.n_rows = ea.n_rows + eb.n_rows
        merged.source_rows = pairs  # type: ignore[attr-defined]
        return Failure(merged)

    def raise_(self) -> None:
        raise self.exc


class Held:
    """A partition's value with the engine warnings its task kept (see :func:`with_reading`).

    Carried up a reduction as data (:func:`tree_reduce` joins the warnings of both sides,
    once each, in partition order, and merges what their readers noted)
    and issued by :func:`settle`: a warning of many partitions is issued once for the whole
    run, not once per partition.
    """

    def __init__(self, value: Any, held: Sequence[HeldWarning], notes: Any = None) -> None:
        self.value = value
        self.warnings = tuple(held)
        self.notes = notes


def _kept(value: Any) -> tuple[Any, tuple[HeldWarning, ...], Any]:
    """A partition value without what its task kept: the warnings and the readers' notes."""
    if isinstance(value, Held):
        return value.value, value.warnings, value.notes
    return value, (), None


def holding(value: Any, held: Sequence[HeldWarning], notes: Any = None) -> Any:
    """``value`` with the warnings ``held`` (once each) and what its readers ``notes``d (naive
    columns, cut instants …: see :func:`alignment._options.note_parts`), or the bare value
    when there are none."""
    notes = None if notes is None or is_empty(notes) else notes
    return Held(value, tuple(dict.fromkeys(held)), notes) if held or notes is not None else value


def settle(value: Any, *, warn: bool = True) -> Any:
    """A reduction's result: its failure raised (inside :func:`input_rows`), else its value,
    with the engine warnings its partitions kept issued once each (unless ``warn`` is False:
    another pass over the same data, whose warnings were issued by the first)."""
    if isinstance(value, Failure):
        value.raise_()
    value, held, notes = _kept(value)
    if notes is not None:
        _refuse_merged_labels(notes.labels)
    for category, message in held if warn else ():
        warnings.warn(message, category, stacklevel=3)
    if warn:
        note_parts(notes)  # (noted over every partition, in the call's warnings)
    return value


def with_reading(fn: _F, *, keep: bool = False) -> _F:
    """A Dask task run with the reading options passed as ``reading=capture()``.

    :func:`alignment._options.capture`, called when the graph is built, holds the options of
    the call (time zone, category folding …); the task re-enters them (tasks run on other
    threads or processes, where the caller's context is not set).  The engine warnings of the
    task, and what its readers note (naive columns, cut instants …), are kept, not issued
    (:func:`alignment._options.warn`, :func:`~alignment._options.note_parts`): with ``keep``
    (a task whose value goes up a reduction) they are returned with the value (:func:`holding`); without (a
    task whose output is a frame) they are dropped, the run's warnings being issued by the
    pass that reduces its summaries.
    """

    @functools.wraps(fn)
    def run(*args: Any, reading: Captured | None = None, **kwargs: Any) -> Any:
        held: dict[HeldWarning, None] = {}
        part = part_notes()
        with (reading or capture()).enter(held, part), kept_labels() as labels:
            value = fn(*args, **kwargs)
        part.labels.update(_named_labels(labels))
        if not keep:  # (nothing carries the findings on: judged on this part's rows)
            _refuse_merged_labels(part.labels)
        return holding(value, list(held), part) if keep else value

    return run  # type: ignore[return-value]


def _named_labels(labels: Mapping[tuple[str, str], LabelSeen]) -> dict[Any, LabelSeen]:
    """A task's label findings (see :func:`alignment._grouplabel.kept_labels`) with their rows
    named by (input partition, position), as a data error's rows are (unnamed when the task
    does not know them)."""
    where = getattr(_LOCAL_ROWS, "rows", None) or {}
    out = {}
    for (table, column), seen in labels.items():
        at = where.get(table)
        rows = None if at is None or seen.rows is None else source_pairs(at, seen.rows)
        out[(table, column)] = dataclasses.replace(seen, rows=rows)
    return out


def _refuse_merged_labels(labels: Mapping[tuple[str, str], LabelSeen]) -> None:
    """Memory's refusal of a label column holding the text ``"(missing)"`` and rows without a
    value, found in different partitions (its rows renumbered by :func:`input_rows`)."""
    for (table, column), seen in labels.items():
        if not seen.merges:
            continue
        pairs = None if seen.rows is None else seen.rows[:MAX_ROWS_SHOWN]
        err = merged_label_error(column, table, None if pairs is None else [0] * len(pairs))
        if pairs is not None:
            err.n_rows = seen.n
            err.args = (err._message(),)
            err.source_rows = pairs  # type: ignore[attr-defined]
        raise err


def partition_task(fn: _F, *, carry: bool = True) -> _F:
    """A Dask task whose data errors carry the input partition and position of their rows.

    The task reads its tables with the reading options of the call that built the graph: pass
    ``reading=capture()`` when building it (see :func:`with_reading`).

    With ``carry`` (tasks reduced by :func:`tree_reduce`) the error is returned as a
    :class:`Failure` and the engine's warnings with the value (:class:`Held`); without (tasks
    whose output is a frame), the error is raised and the warnings are dropped.
    """

    task = with_reading(fn, keep=carry)

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        _LOCAL_ROWS.rows = {}
        try:
            return task(*args, **kwargs)
        except DataValidationError as exc:
            failure = carried(exc)
            if carry:
                return failure
            raise
        finally:
            _LOCAL_ROWS.rows = None

    return run  # type: ignore[return-value]


def carried(exc: DataValidationError) -> Failure:
    """A data error met inside a partition task, its rows named by (input partition,
    position) (read by :func:`input_rows`), as a :class:`Failure` to carry up a reduction."""
    where = (getattr(_LOCAL_ROWS, "rows", None) or {}).get(exc.table) if exc.rows else None
    if where is not None and not hasattr(exc, "source_rows"):
        setattr(exc, "source_rows", source_pairs(where, exc.rows))  # noqa: B010
    return Failure(exc)


def input_counts(table: str, n_rows: int) -> dict[int, int]:
    """The rows of ``table`` this partition task read (:func:`local_frame`), counted by input
    partition (``n_rows``: those of an untagged partition): summed over every task, the row
    counts of the input partitions, for :func:`input_rows` inside a later task."""
    where = (getattr(_LOCAL_ROWS, "rows", None) or {}).get(table)
    if where is None:
        return {}
    part, pos = where
    if pos is None:
        return {int(part): int(n_rows)}
    parts, counts = np.unique(np.asarray(part, dtype=np.int64), return_counts=True)
    return dict(zip(parts.tolist(), counts.tolist(), strict=True))


def source_pairs(where: tuple[Any, Any], local_rows: Any) -> list[tuple[int, int]]:
    """(input partition, position) of a partition's rows (read by :func:`input_rows`)."""
    local = np.asarray(local_rows, dtype=np.int64)
    part, pos = where
    if pos is None:  # an untagged partition: input partition ``part`` itself
        return [(int(part), int(r)) for r in local.tolist()]
    return list(zip(part[local].tolist(), pos[local].tolist(), strict=True))


def raising_partition_task(fn: _F) -> _F:
    """:func:`partition_task` that raises (its output feeds a Dask frame, not a reduction)."""
    return partition_task(fn, carry=False)


@contextlib.contextmanager
def input_rows(inputs: Mapping[str, Any]) -> Iterator[None]:
    """Data errors raised inside: rows renumbered to positions in the caller's Dask frames.

    ``inputs`` maps a table name (``"touchpoints"`` …) to the Dask frame given by the caller,
    or to the row counts of its partitions when known (an ``ndarray``: inside a task); a
    partition's error names rows by (input partition, position), turned here into the row's
    position in the whole frame (one pass that counts the rows of each partition).
    """
    try:
        yield
    except DataValidationError as exc:
        pairs = getattr(exc, "source_rows", None)
        ddf = inputs.get(exc.table or "")
        if not pairs or ddf is None:
            raise
        counted = isinstance(ddf, np.ndarray)
        lengths = np.asarray(ddf if counted else ddf.map_partitions(len).compute(), np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        rows = sorted(int(offsets[p] + q) for p, q in pairs)
        err = DataValidationError(
            exc.problem, column=exc.column, rows=rows, value=exc.value, fix=exc.fix, table=exc.table
        )
        if exc.n_rows > len(rows):  # the count of every bad row of the partition
            err.n_rows = exc.n_rows
            err.args = (err._message(),)
        raise err from None


def reject_duplicate_ids(ddf: Any, key: str = "lead_id") -> None:
    """The in-memory duplicate lead id check, across partitions (rows by input position).

    One pass (``value_counts``); a second only when there are duplicates, to name their rows.
    """
    from ..tables._leads import DUPLICATE_ID, DUPLICATE_ID_FIX

    if key not in ddf.columns:
        if ddf.index.name != key:
            return  # the in-memory engine reports the missing column
        ddf = ddf.reset_index()
    counts = ddf[key].value_counts().compute()
    dup = counts[counts > 1]
    if not len(dup):
        return
    values = dup.index.to_numpy()
    tagged = tag_rows(ddf)
    hit = tagged[tagged[key].isin(list(values))][[_SRC_PART, _SRC_POS, key]].compute()
    lengths = np.asarray(ddf.map_partitions(len).compute(), dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    rows = offsets[hit[_SRC_PART].to_numpy()] + hit[_SRC_POS].to_numpy()
    order = np.argsort(rows, kind="stable")
    raise DataValidationError(
        DUPLICATE_ID,
        column=key,
        table="leads",
        rows=rows[order],
        value=hit[key].to_numpy()[order][0],
        fix=DUPLICATE_ID_FIX,
    )


def partition_lists(frames: Sequence[Any]) -> list[list[Any]]:
    """Per partition, the delayed partition of every frame (None for absent frames)."""
    delayed = [None if f is None else f.to_delayed() for f in frames]
    n = max(len(d) for d in delayed if d is not None)
    for d in delayed:
        if d is not None and len(d) != n:  # pragma: no cover - partition_by_key guarantees it
            raise AssertionError("frames are not co-partitioned")
    return [[None if d is None else d[i] for d in delayed] for i in range(n)]


def tree_reduce(items: list[Any], combine: Callable[[Any, Any], Any], fan_in: int = 8) -> Any:
    """Tree reduction of delayed items with a binary ``combine``.

    One task per group of ``fan_in`` items (folded left to right, so the order of the
    items is kept): about ``n / (fan_in - 1)`` tasks for ``n`` items, not ``n - 1``.
    """
    delayed = dk().delayed

    if not items:
        raise ValueError("nothing to reduce")
    fan_in = max(int(fan_in), 2)
    level = list(items)
    while len(level) > 1:
        groups = [level[i : i + fan_in] for i in range(0, len(level), fan_in)]
        level = [g[0] if len(g) == 1 else delayed(_fold, pure=True)(combine, *g) for g in groups]
    return level[0]


def _fold(combine: Callable[[Any, Any], Any], first: Any, *rest: Any) -> Any:
    """``combine`` folded over the values, left to right (see :func:`_combine_or_fail`)."""
    out = first
    for other in rest:
        out = _combine_or_fail(combine, out, other)
    return out


def _combine_or_fail(combine: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    """``combine(a, b)`` with the warnings both kept; a partition's :class:`Failure` wins (the
    worse of two)."""
    if isinstance(a, Failure):
        return a.worse(b)
    if isinstance(b, Failure):
        return b.worse(a)
    (va, ha, na), (vb, hb, nb) = _kept(a), _kept(b)
    return holding(combine(va, vb), ha + hb, merged_notes(na, nb))


def concat_lists(a: list[Any], b: list[Any]) -> list[Any]:
    return a + b
