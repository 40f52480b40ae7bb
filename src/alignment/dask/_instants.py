"""Naive and timezone-aware instants mixed across Dask partitions, refused as in memory.

In memory, a time column that holds both naive instants (``"2024-01-01"``) and instants with a
zone (``"2024-01-02T10:00:00Z"``) is refused, naming the rows of the rarer kind, and so are a
touch time column and a conversion time column of different kinds.  A partition sees its own
rows only: two partitions of one kind each would be read each its own way.  So before the
engine runs, the kinds of each text time column are counted over all partitions (a column of
datetimes has one kind, given by its type); when both occur, a second pass finds the rows of
the rarer kind, and the error is the one memory raises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._frames import read_table
from .._options import Captured, capture, current
from .._time import MIXED_FIX, MIXED_PROBLEM, instant_kinds
from ..errors import MAX_ROWS_SHOWN, DataValidationError
from ..tables._common import _check_awareness, _time_column
from ._common import dk, tree_reduce, with_reading

__all__ = ["Step", "latest_instant", "lead_times", "refuse_mixed_instants"]

#: a table of a call and its time columns, as the in-memory engine reads them
Step = tuple[str, Sequence[str]]


def _kinds(values: Any, *, reading: Captured) -> tuple[np.ndarray, np.ndarray]:
    with reading.enter():  # (the reading options of the call: tz=, dayfirst= …)
        options = current()
        return instant_kinds(
            np.asarray(values, dtype=object),
            tz=options.tz,
            dayfirst=options.dayfirst,
            date_format=options.date_format,
        )


def _counts(values: Any, *, reading: Captured) -> tuple[int, int]:
    naive, aware = _kinds(values, reading=reading)
    return int(naive.sum()), int(aware.sum())


def _rows(values: Any, *, naive: bool, reading: Captured) -> tuple[np.ndarray, int, Any]:
    """The first rows of a kind in a partition (as many as an error shows), their count and the
    first one's value."""
    kinds = _kinds(values, reading=reading)
    rows = np.flatnonzero(kinds[0] if naive else kinds[1])
    return rows[:MAX_ROWS_SHOWN], int(rows.size), (values.iloc[int(rows[0])] if rows.size else None)


def _column_kind(ddf: Any, column: str, table: str, held: set[str]) -> bool | None:
    """The kind of a time column over all partitions (``True``: aware, ``False``: naive,
    ``None``: no instant of either kind); raises as memory does when it holds both.
    ``held``: the datetime columns holding an instant (:func:`_held`)."""
    import pandas as pd

    dtype = ddf[column].dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) and column not in held:
        return None  # (no instant at all: neither naive nor aware, whatever its type, as memory)
    if getattr(dtype, "tz", None) is not None:  # (datetimes with a zone)
        return True
    if pd.api.types.is_datetime64_dtype(dtype):  # (naive datetimes: read in tz= when given)
        return current().tz is not None
    if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
        return None  # (epoch numbers: no zone)
    reading = capture()
    delayed = dk().delayed
    parts = ddf[column].to_delayed()
    counts = dk().compute(*[delayed(_counts)(p, reading=reading) for p in parts])
    n_naive = sum(c[0] for c in counts)
    n_aware = sum(c[1] for c in counts)
    if n_naive and n_aware:
        _raise_mixed(parts, n_naive <= n_aware, column, table, reading)
    return True if n_aware else (False if n_naive else None)


def _raise_mixed(
    parts: Sequence[Any], naive: bool, column: str, table: str, reading: Captured
) -> None:
    """The in-memory error: the rows of the rarer kind (naive on a tie), as (partition,
    position) pairs, renumbered by :func:`._common.input_rows`."""
    delayed = dk().delayed
    found = dk().compute(*[delayed(_rows)(p, naive=naive, reading=reading) for p in parts])
    pairs = [(p, int(r)) for p, (rows, _, _) in enumerate(found) for r in rows.tolist()]
    pairs = pairs[:MAX_ROWS_SHOWN]  # (partitions in input order: the first rows of the input)
    value = next(v for rows, _, v in found if rows.size)
    err = DataValidationError(
        MIXED_PROBLEM, column=column, table=table, rows=[0] * len(pairs), value=value, fix=MIXED_FIX
    )
    err.n_rows = sum(n for _, n, _ in found)  # (all of them; the rows shown: renumbered)
    err.args = (err._message(),)
    err.source_rows = pairs  # type: ignore[attr-defined]
    raise err


def refuse_mixed_instants(
    inputs: Mapping[str, Any],
    steps: Sequence[Step],
    read: dict[tuple[str, str], bool | None] | None = None,
) -> dict[tuple[str, str], bool | None]:
    """Refuse, as memory does, naive and aware instants in one time column or across the time
    columns of all the tables of a call, whichever partitions hold them.

    ``steps`` are the tables in the order the in-memory engine reads them, each with its time
    columns (``(table, columns)``, the tables ``inputs``' Dask frames): each step is checked
    against itself and every step before it, as memory checks a table against the tables of
    the call read before it — the same error (the naive column of the table read last names
    it), raised before any partition runs, so that no partition, which sees its own rows only,
    reads the instants of its tables each its own way.  Run inside
    :func:`._common.input_rows`.

    ``read``: the kinds found by an earlier call for the steps before these (its return), so
    that the checks may be split around another one memory makes between them.
    """
    read = {} if read is None else dict(read)
    for table, columns in steps:
        ddf = inputs.get(table)
        present = [c for c in columns if ddf is not None and c in ddf.columns]
        held = _held(ddf, present)
        flags = {c: _column_kind(ddf, c, table, held) for c in present}
        _check_awareness(flags, table, also=read)  # (the check memory makes, the same error)
        read.update({(table, c): v for c, v in flags.items() if (table, c) not in read})
    return read


def _held(ddf: Any, columns: Sequence[str]) -> set[str]:
    """The datetime columns among ``columns`` that hold an instant in some partition (one pass
    for them all): a column of datetimes without one is of neither kind, as in memory."""
    import pandas as pd

    typed = [c for c in columns if pd.api.types.is_datetime64_any_dtype(ddf[c].dtype)]
    if not typed:
        return set()
    counts = dk().compute(ddf[typed].count())[0]
    return {c for c in typed if int(counts[c])}


def _kind(ddf: Any, column: str) -> str:
    """The numpy dtype kind the in-memory reader gives a column: ``"M"`` for datetimes, ``"O"``
    for text, another letter otherwise."""
    import pandas as pd

    dtype = ddf[column].dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "M"
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return "O"
    return "f"


def lead_times(ddf: Any, *, id: str = "lead_id", created_at: str = "created_at") -> list[str]:
    """The time columns :meth:`alignment.LeadTable.build` reads (and checks together) by default
    from a Dask frame of leads: ``created_at``, then the stage columns."""
    from ..tables._leads import default_stages

    stages = default_stages(ddf.columns, lambda c: _kind(ddf, c), id=id, created_at=created_at)
    return [c for c in (created_at, *stages) if c in ddf.columns]


def latest_instant(ddf: Any, column: str, table: str) -> np.datetime64 | None:
    """The latest instant of a time column, read as memory reads it (UTC ``datetime64[us]``;
    ISO text with offsets, slash dates in the call's day order …), not the column's raw max
    (the text max of ``"…+09:00"`` strings is not the latest instant).

    One pass: each partition read and its max taken, the maxima reduced.  ``None`` when the
    column holds no instant, or a partition holds a value memory refuses (the engine's own
    pass over the rows names it, as memory does).
    """
    run, reading = dk().delayed(_partition_latest, pure=True), capture()
    parts = [run(p, column=column, table=table, reading=reading) for p in ddf[column].to_delayed()]
    latest = dk().compute(tree_reduce(parts, _later))[0]
    return None if isinstance(latest, _Unread) else latest


class _Unread:
    """A partition whose instants could not be read (see :func:`latest_instant`; compared by
    type: a copy comes back from a worker process)."""


@with_reading
def _partition_latest(values: Any, *, column: str, table: str) -> Any:
    """The latest instant of a partition's column (``None``: none; :class:`_Unread`: refused)."""
    try:
        raw = read_table(values.to_frame(name=column), table=table, required=[column])
        times, _ = _time_column(raw, column, table, allow_missing=True, check=False)
    except DataValidationError:
        return _Unread()
    present = times[~np.isnat(times)]
    return present.max() if present.size else None


def _later(a: Any, b: Any) -> Any:
    """The later of two partition maxima (:class:`_Unread` wins, ``None`` loses)."""
    if isinstance(a, _Unread) or b is None:
        return a
    if isinstance(b, _Unread) or a is None:
        return b
    return max(a, b)
