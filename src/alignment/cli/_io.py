"""Files of the command line: CSV and Parquet in, CSV and Parquet out (see ``docs/cli.md``).

Reading goes through :mod:`alignment._files` (PyArrow's readers, behind the dataframe boundary);
writing CSV is plain :mod:`csv` over numpy text columns.
"""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from .._files import CSVFormatError, open_text, read_csv, read_parquet, write_parquet
from .._options import reading
from ._common import _PROGRESS_ROWS, CLIError, Progress, not_a_file

__all__ = ["HTML_FILES", "TABLE_FILES", "file_kind", "read_columns", "write_columns"]

#: the file endings a table is written as (``-``: CSV on standard output)
TABLE_FILES = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".parquet", ".pq", ".json")
#: the file endings of a report
HTML_FILES = (".html", ".htm")


def _suffixes(path: Path) -> list[str]:
    return [s.lower() for s in path.suffixes]


def file_kind(path: str | Path, kinds: tuple[str, ...]) -> str | None:
    """The ending of ``kinds`` that ``path`` has (longest first), or ``None``."""
    name = Path(path).name.lower()
    for ending in sorted(kinds, key=len, reverse=True):
        if name.endswith(ending) and len(name) > len(ending):
            return ending
    return None


def _is_parquet(path: Path) -> bool:
    return _suffixes(path)[-1:] in (
        [".parquet"],
        [".pq"],
    )


def _no_pyarrow(what: str, files: str = "Parquet files") -> CLIError:
    hint = " (or use CSV)" if files == "Parquet files" else ""
    return CLIError(f"{what} needs PyArrow for {files}: pip install pyarrow{hint}")


def _delimiter(path: Path) -> str:
    sfx = [s for s in _suffixes(path) if s != ".gz"]
    return "\t" if sfx[-1:] == [".tsv"] else ","


def read_columns(
    path: str | Path, *, table: str = "table", progress: Progress | None = None
) -> Any:
    """Read a CSV (``.csv``, ``.tsv``, optionally ``.gz``) or Parquet file.

    Both are read by PyArrow.  CSV columns are typed by PyArrow's CSV reader: numbers become
    ``float64``, ISO-8601 instants ``datetime64[us]`` in UTC (``2024-03-01T09:30:00Z``; an offset
    such as ``+02:00`` is converted to UTC), ``true``/``false`` booleans; everything else stays
    strings (an empty cell is missing).  Columns named ``id`` or ending in ``_id`` always stay
    strings.

    Parameters
    ----------
    path : str or Path
        The file.
    table : str
        What the file holds, for messages.
    progress : Progress, optional
        Reports the rows read on large files.

    Returns
    -------
    dict of str to ndarray, or pyarrow.Table
        Columns for CSV; the PyArrow table for Parquet (the library reads it directly).

    Raises
    ------
    CLIError
        Missing file (or a directory), empty, unreadable or ragged CSV, PyArrow not installed.
    """
    p = Path(path)
    if not p.is_file():
        raise not_a_file(p, table)
    if _is_parquet(p):
        try:
            return read_parquet(p)
        except ImportError:
            raise _no_pyarrow(f"reading {p.name}") from None
        except Exception as exc:  # pyarrow raises its own error types
            raise CLIError(f"{table}: cannot read Parquet file {str(p)!r}: {exc}") from None
    try:
        with reading():  # (its columns of naive instants named once, as read as UTC)
            columns = read_csv(p, delimiter=_delimiter(p), table=table)
    except ImportError:
        raise _no_pyarrow(f"reading {p.name}", "CSV and Parquet files") from None
    except CSVFormatError as exc:
        fix = f"; fix: {exc.fix}" if exc.fix else ""
        raise CLIError(f"{table}: {str(p)!r} {exc}{fix}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CLIError(f"{table}: cannot read {str(p)!r}: {exc}") from None
    n_rows = len(next(iter(columns.values()))) if columns else 0
    if progress is not None and n_rows >= _PROGRESS_ROWS:
        progress.note(f"... {p.name}: {n_rows:,} rows read")
    return columns


def _format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return ""
        return str(value.astype("datetime64[s]")) + "Z"
    if isinstance(value, np.timedelta64):
        if np.isnat(value):
            return ""
        return str(int(value.astype("timedelta64[s]").astype(np.int64)))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        return repr(float(value))
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return str(value)


def _column_texts(arr: np.ndarray) -> list[str]:
    """A column as CSV text (vectorised per dtype; see :func:`write_columns`)."""
    a = np.asarray(arr)
    if a.dtype.kind == "M" and np.datetime_data(a.dtype)[0] == "D":  # calendar dates: 2024-04-01
        days = np.datetime_as_string(a)
        days[np.isnat(a)] = ""
        return list(days.tolist())
    if a.dtype.kind == "M":
        us = a.astype("datetime64[us]")
        whole = us.astype("datetime64[s]")
        ok = ~np.isnat(us)
        exact = bool((us[ok] == whole[ok]).all())  # seconds, unless sub-second values occur
        out = np.char.add(np.datetime_as_string(whole if exact else us), "Z")
        out[~ok] = ""
        return list(out.tolist())
    if a.dtype.kind == "m":
        txt = a.astype("timedelta64[s]").astype(np.int64).astype(str)
        txt[np.isnat(a)] = ""
        return list(txt.tolist())
    if a.dtype.kind == "b":
        return list(np.where(a, "true", "false").tolist())
    if a.dtype.kind in "iu":
        return list(a.astype(str).tolist())
    if a.dtype.kind == "f":
        txt = a.astype(str)  # shortest repr that round-trips
        txt[np.isnan(a)] = ""
        return list(txt.tolist())
    return ["" if v is None else _format_cell(v) for v in a.tolist()]


def write_columns(path: str | Path, columns: Mapping[str, Any], *, table: str = "output") -> None:
    """Write columns (dict of arrays) as CSV, Parquet or JSON, by the file's ending.

    ``.csv``/``.tsv`` (optionally ``.gz``), ``.parquet``/``.pq``, or ``.json`` (a list of
    records); ``-`` writes CSV to standard output.  Instants are written as ISO-8601 UTC
    (``2024-03-01T09:30:00Z``), calendar dates (``datetime64[D]``) as dates (``2024-03-01``),
    durations as seconds, missing values as empty cells (``null``
    in JSON).

    Raises
    ------
    CLIError
        Another ending (nothing is written), an unwritable path, Parquet without PyArrow.
    """
    cols = {k: np.asarray(v) for k, v in columns.items()}
    if str(path) == "-":
        _write_csv(sys.stdout, cols, ",")
        return
    p = Path(path)
    kind = file_kind(p, TABLE_FILES)
    if kind is None:
        raise CLIError(
            f"{table}: cannot write {p.name!r}: use a file ending in {', '.join(TABLE_FILES)} "
            "(or - for CSV on standard output)"
        )
    if p.parent and not p.parent.exists():
        raise CLIError(f"{table}: directory does not exist: {str(p.parent)!r}")
    if kind == ".json":
        _write_json(p, cols, table)
        return
    if _is_parquet(p):
        try:
            write_parquet(cols, p)
        except ImportError:
            raise _no_pyarrow(f"writing {p.name}") from None
        except Exception as exc:  # pyarrow raises its own error types
            raise CLIError(f"{table}: cannot write {str(p)!r}: {exc}") from None
        return
    try:
        with open_text(p, "w") as fh:
            _write_csv(fh, cols, _delimiter(p))
    except OSError as exc:
        raise CLIError(f"{table}: cannot write {str(p)!r}: {exc}") from None


def _write_csv(fh: IO[str], cols: Mapping[str, np.ndarray], delimiter: str) -> None:
    writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
    writer.writerow(list(cols))
    texts = [_column_texts(v) for v in cols.values()]
    writer.writerows(zip(*texts))


def _json_values(arr: np.ndarray) -> list[Any]:
    """A column as JSON values: numbers (``null`` for NaN), flags, ISO-8601 UTC text, text."""
    a = np.asarray(arr)
    if a.dtype.kind in "Mm":
        return [t or None for t in _column_texts(a)]
    if a.dtype.kind == "f":
        out = a.astype(object)
        out[np.isnan(a)] = None
        return list(out.tolist())
    if a.dtype.kind in "biu":
        return list(a.tolist())
    return [v if v is None or isinstance(v, str) else _format_cell(v) for v in a.tolist()]


def _write_json(path: Path, cols: Mapping[str, np.ndarray], table: str) -> None:
    import json

    names = list(cols)
    values = [_json_values(v) for v in cols.values()]
    records = [dict(zip(names, row)) for row in zip(*values)]
    try:
        path.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", "utf-8")
    except OSError as exc:
        raise CLIError(f"{table}: cannot write {str(path)!r}: {exc}") from None
