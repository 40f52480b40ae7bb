"""Files on disk: CSV and Parquet read by PyArrow, behind the one dataframe boundary.

The face (``alignment.cli``) reads and writes files through these functions and never imports a
dataframe library itself.  Typing a CSV column is PyArrow's job (its CSV reader infers numbers,
booleans, ISO-8601 instants with their offsets, text); its options are stated once in
:mod:`alignment._sources` (which also reads a file path given as a table's input), and this module
converts the table to numpy columns through :mod:`alignment._frames`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import narwhals as nw
import numpy as np

from ._frames import Categorical, read_table, to_native
from ._options import note_naive
from ._pool import arrow_pool
from ._sources import CSVFormatError, open_text, read_arrow_csv, read_header

__all__ = ["CSVFormatError", "open_text", "read_csv", "read_parquet", "write_parquet"]


def read_csv(
    path: str | Path, *, delimiter: str = ",", table: str | None = None
) -> dict[str, np.ndarray]:
    """Read a CSV file (optionally gzip-compressed) into numpy columns with PyArrow's reader.

    PyArrow types each column by content: integers and decimals become ``float64``, ISO-8601
    instants ``datetime64[us]`` in UTC (an offset such as ``+02:00`` is converted), dates
    ``datetime64[us]`` at midnight UTC, ``true``/``false`` (or ``yes``/``no``) booleans; anything
    else is text (``object`` arrays of ``str``).  An empty cell is missing (``None``, ``NaN`` or
    ``NaT``; a boolean column with a missing cell becomes ``float64``).  Columns named ``id`` or
    ending in ``_id`` are always text, so ``007`` keeps its zeros.

    Parameters
    ----------
    path : str or Path
        The file (``.gz`` is decompressed).
    delimiter : str, default ","
        The field separator (``"\\t"`` for TSV).
    table : str, optional
        What the file holds (default: its name), naming its columns of naive instants: those
        are noted as read as UTC (:func:`alignment._options.note_naive`: one warning at the end
        of the outermost :func:`~alignment._options.reading` scope).

    Returns
    -------
    dict of str to ndarray
        The columns in file order.

    Raises
    ------
    ImportError
        PyArrow is not installed.
    CSVFormatError
        Empty file, bad header, a row with another number of fields, or unparsable content.
    OSError, UnicodeDecodeError
        The file cannot be read as UTF-8 text.
    """
    import pyarrow as pa
    import pyarrow.csv  # (ImportError first: no file is opened without a reader)

    p = Path(path)
    names = read_header(p, delimiter)
    arrow = read_arrow_csv(p, names, delimiter)
    for field in arrow.schema:  # (a loop over the columns) instants without a zone: UTC, said
        kind = field.type
        if pa.types.is_date(kind) or (pa.types.is_timestamp(kind) and kind.tz is None):
            note_naive(table or p.name, field.name)
    raw = read_table(arrow, table=p.name, all_columns=True)
    out: dict[str, np.ndarray] = {}
    for name in names:
        col: Any = raw.columns[name]
        if isinstance(col, Categorical):
            col = col.values()
        arr = np.asarray(col)
        out[name] = arr.astype(np.float64) if arr.dtype.kind in "iu" else arr
    return out


def _parquet_reader() -> None:
    """Import PyArrow's Parquet module now: an ``ImportError`` here means "no PyArrow" (narwhals
    may hold the module from an earlier call, so its own import is no test of availability)."""
    import pyarrow.parquet  # noqa: F401


SMALL_DICTIONARY = 1 << 15
"""Bytes (compressed) of a Parquet column's dictionary page, at most, in every row group, for
the column to be read as a dictionary (few distinct values: statuses, campaigns, dates)."""


def read_parquet(
    path: str | Path,
    choose: Callable[[list[str]], Sequence[str]] | None = None,
    *,
    dictionaries: bool = False,
) -> Any:
    """Read a Parquet file into a PyArrow table.

    Parameters
    ----------
    path : str or Path
        The file.
    choose : callable, optional
        Given the names of the file's columns (from its footer, no value read), the names of
        the columns to read, in file order; default: every column.  The columns not chosen are
        never decoded.
    dictionaries : bool
        Read the string columns of few distinct values (a small dictionary page in every row
        group, :data:`SMALL_DICTIONARY`) as Arrow dictionaries: their values are decoded once
        per distinct value, not once per row, and they need no hashing afterwards.  The same
        values either way.

    Returns
    -------
    pyarrow.Table
        The file's columns (those chosen), read by PyArrow.

    Raises
    ------
    ImportError
        PyArrow is not installed.
    """
    _parquet_reader()
    if choose is None and not dictionaries:
        return nw.read_parquet(str(path), backend="pyarrow").to_native()
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as file:  # (its footer)
        names = [str(n) for n in file.schema_arrow.names]
        chosen = names if choose is None else list(choose(names))
        repeated = sorted({n for n in chosen if names.count(n) > 1})
        if repeated:
            raise ValueError(
                f"it needs unique column names; {', '.join(map(repr, repeated))} "
                "appears more than once"
            )
        few = _few_values(file, chosen) if dictionaries else []
    if len(set(names)) < len(names):  # (a dataset refuses names it does not read repeated)
        return pq.read_table(path, columns=chosen, read_dictionary=few or None)
    import pyarrow.dataset as ds  # (its scan takes a memory pool; pq.read_table does not)

    options = ds.ParquetReadOptions(dictionary_columns=few)
    files = ds.dataset(str(path), format=ds.ParquetFileFormat(read_options=options))
    return files.to_table(columns=chosen, memory_pool=arrow_pool())


def _few_values(file: Any, names: Sequence[str]) -> list[str]:
    """The string columns among ``names`` whose dictionary page is small in every row group
    (from the footer: no page is read)."""
    import pyarrow as pa

    meta = file.metadata
    paths = [meta.schema.column(j).path for j in range(meta.num_columns)]
    # (a leaf's dotted path; a top-level name that another leaf's path repeats is left out)
    at = {p: j for j, p in enumerate(paths) if paths.count(p) == 1}
    schema = file.schema_arrow
    out = []
    for name in names:  # a loop over columns
        j = at.get(name)
        kind = schema.field(name).type
        if j is None or not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            continue
        chunks = [meta.row_group(g).column(j) for g in range(meta.num_row_groups)]
        if chunks and all(_small_dictionary(c) for c in chunks):
            out.append(name)
    return out


def _small_dictionary(chunk: Any) -> bool:
    """Whether a column chunk starts with a dictionary page of at most
    :data:`SMALL_DICTIONARY` bytes (the data pages follow it)."""
    if not chunk.has_dictionary_page or chunk.dictionary_page_offset is None:
        return False
    size = int(chunk.data_page_offset) - int(chunk.dictionary_page_offset)
    return 0 < size <= SMALL_DICTIONARY


def write_parquet(columns: Mapping[str, np.ndarray], path: str | Path) -> None:
    """Write columns of numpy arrays to a Parquet file (through PyArrow).

    Parameters
    ----------
    columns : mapping of str to ndarray
        Equal-length columns.
    path : str or Path
        The file to write.

    Raises
    ------
    ImportError
        PyArrow is not installed.
    """
    _parquet_reader()
    nw.from_native(to_native(dict(columns), "pyarrow"), eager_only=True).write_parquet(str(path))
