"""Files on disk: CSV and Parquet read by PyArrow, behind the one dataframe boundary.

The face (``alignment.cli``) reads and writes files through these functions and never imports a
dataframe library itself.  Typing a CSV column is PyArrow's job (its CSV reader infers numbers,
booleans, ISO-8601 instants with their offsets, text); this module only states the options and
converts the table to numpy columns through :mod:`alignment._frames`.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import narwhals as nw
import numpy as np

from ._frames import Categorical, read_table, to_native

__all__ = ["CSVFormatError", "read_csv", "read_parquet", "write_parquet"]

#: cell texts read as booleans (any other text in the column makes it a text column)
TRUE_VALUES = ("true", "True", "TRUE", "yes", "Yes", "YES")
FALSE_VALUES = ("false", "False", "FALSE", "no", "No", "NO")


class CSVFormatError(ValueError):
    """A CSV file that cannot be read as a table (empty, bad header, ragged or unparsable rows)."""


def open_text(path: Path, mode: str) -> IO[str]:
    """Open a text file for CSV, decompressing a ``.gz`` one (UTF-8, universal newlines off)."""
    if [s.lower() for s in path.suffixes][-1:] == [".gz"]:
        raw: Any = gzip.open(path, mode + "b")
        return io.TextIOWrapper(raw, encoding="utf-8", newline="")
    return open(path, mode, encoding="utf-8", newline="")


def _header(path: Path, delimiter: str) -> list[str]:
    """The header row's column names (stripped, without a byte-order mark), validated."""
    with open_text(path, "r") as fh:
        try:
            header = next(csv.reader(fh, delimiter=delimiter))
        except StopIteration:
            raise CSVFormatError("is empty (no header row)") from None
    names = [h.strip() for h in header]
    if names and names[0].startswith("\ufeff"):
        names[0] = names[0][1:].strip()
    if not names or "" in names or len(set(names)) != len(names):
        raise CSVFormatError("needs a header row of unique, non-empty column names")
    return names


def _is_text_column(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def _read_arrow(
    path: Path, names: list[str], delimiter: str, *, locate: bool, text: bool = False
) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rows: list[Any] = []

    def invalid(row: Any) -> str:  # remember the first ragged row, then let PyArrow raise
        rows.append(row)
        return "error"

    read = pcsv.ReadOptions(column_names=names, skip_rows=1, use_threads=not locate)
    parse = pcsv.ParseOptions(
        delimiter=delimiter,
        newlines_in_values=True,
        ignore_empty_lines=True,
        invalid_row_handler=invalid if locate else None,
    )
    convert = pcsv.ConvertOptions(
        column_types={n: pa.string() for n in names if text or _is_text_column(n)},
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        true_values=list(TRUE_VALUES),
        false_values=list(FALSE_VALUES),
    )
    try:
        return pcsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        if rows:
            row = rows[0]
            where = f"line {row.number}" if row.number is not None else "a row"
            raise CSVFormatError(
                f"{where} has {row.actual_columns} fields, the header has {row.expected_columns}"
            ) from None
        if not locate and "Expected" in str(exc) and "columns" in str(exc):
            return _read_arrow(path, names, delimiter, locate=True, text=text)  # find the row
        raise CSVFormatError(str(exc).splitlines()[0]) from None


def read_csv(
    path: str | Path, *, delimiter: str = ",", text: bool = False
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
    text : bool, default False
        Read every column as text (``str``, ``None`` for an empty cell), exactly as written:
        the caller types the values itself (:func:`alignment.io.read_crm` does).

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
    import pyarrow.csv  # noqa: F401  (ImportError first: no file is opened without a reader)

    p = Path(path)
    names = _header(p, delimiter)
    table = _read_arrow(p, names, delimiter, locate=False, text=text)
    raw = read_table(table, table=p.name, all_columns=True)
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


def read_parquet(path: str | Path) -> Any:
    """Read a Parquet file into a PyArrow table.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    pyarrow.Table
        The file's columns, read by PyArrow.

    Raises
    ------
    ImportError
        PyArrow is not installed.
    """
    _parquet_reader()
    return nw.read_parquet(str(path), backend="pyarrow").to_native()


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
