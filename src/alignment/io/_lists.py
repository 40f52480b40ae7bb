"""Columns of lists read element by element where the reader takes several ids in one cell.

A deal's contacts (HubSpot's "Associated Contact IDs") and companies ("Associated Company
IDs") are written by a CSV export as ids joined with the preset's separator, ``"1522;1506"``;
a Parquet file or a frame may hold them as a column of lists instead (``list<int64>``,
``list<string>``, a Polars ``List``).  Each element is one id, typed as an id of a column of
its own is (a float that is not whole refused, the rows of the file named), then the ids of
a row are joined as the CSV export writes them: what follows reads both alike.  A null or
empty list is a row without ids, as an empty cell is; a null or blank element is listed and
left out.  A column of lists feeding any other column is refused (one value per row).
"""

from __future__ import annotations

import numpy as np

from .._frames import read_table
from ..errors import reject_rows
from ._context import Context
from ._locate import Raw
from ._values import Typed, file_rows, is_missing, read_kind

__all__ = ["LISTED_IDS", "listed_ids"]

#: (table fed, our column) read as a list of ids in each cell (see :mod:`._deals`)
LISTED_IDS = frozenset({("deals", "contact_ids"), ("deals", "account_id")})


def listed_ids(raw: Raw, name: str, table: str, ctx: Context) -> Typed | None:
    """Their column ``name`` of ``raw`` read element by element when it holds lists of single
    values: each row's ids joined with the preset's separator (``None``: no id); ``None``
    when it is no such column (read as any column is).

    Raises
    ------
    DataValidationError
        An id that cannot be read (:func:`~._values.read_kind`), or that holds the separator
        (it would be read as several).
    """
    read = raw.lists.get(name)
    got = None if read is None else read()
    if got is None:
        return None
    lengths, elements = got
    rows = np.repeat(np.arange(lengths.size), np.maximum(lengths, 0))
    values = read_table({name: elements}, table=table, all_columns=True).columns[name]
    typed = read_kind(
        values, "text", column=name, table=table, opts=ctx.opts, wall=False, rows=rows
    )
    ids, missing = typed.values, typed.missing
    sep = ctx.preset.separator
    _refuse_separator(ids, missing, rows, sep, name, table)
    if missing.any():
        ctx.note(
            table,
            "missing id in a list of ids",
            "left out; the other ids of the list are read",
            column=name,
            rows=np.flatnonzero(file_rows(missing, rows)),
        )
    joined = _joined(ids[~missing], rows[~missing], lengths.size, sep)
    return Typed(joined, is_missing(joined))


def _refuse_separator(
    ids: np.ndarray, missing: np.ndarray, rows: np.ndarray, sep: str, column: str, table: str
) -> None:
    present = np.flatnonzero(~missing)
    holds = np.zeros(ids.size, dtype=bool)
    if present.size:
        holds[present] = np.char.find(ids[present].astype(str), sep) >= 0
    if holds.any():
        reject_rows(
            file_rows(holds, rows),
            f"an id in a list of ids holds the separator {sep!r} (it would be several ids)",
            column=column,
            values=ids[np.flatnonzero(holds)[0]],
            table=table,
            fix="give one id per element of the list",
        )


def _joined(ids: np.ndarray, rows: np.ndarray, n: int, sep: str) -> np.ndarray:
    """The ids of each of ``n`` rows joined with ``sep`` (``None``: a row without any);
    ``rows``, the row of each id, in order."""
    out = np.full(n, None, dtype=object)
    if not ids.size:
        return out
    first = np.ones(ids.size, dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    pieces = ids.copy()
    pieces[~first] = np.add(sep, ids[~first])  # (elementwise, in C: sep + id)
    starts = np.flatnonzero(first)
    out[rows[starts]] = np.add.reduceat(pieces, starts)
    return out
