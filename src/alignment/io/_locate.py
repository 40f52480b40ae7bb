"""Finding the tables of an export (a folder or a dict) and reading them as raw columns.

CSV files are read by PyArrow's reader with every column as text, exactly as written
(:func:`alignment._sources.read_arrow_csv`), Parquet files by :mod:`alignment._files`, and
frames by :func:`alignment._frames.read_table`: this package never imports a dataframe
library.  The text columns of a file are factorised by one hash pass each
(:func:`alignment._factorize.hash_factorize`), or, when only carried to the result and
mostly distinct, taken as one string per row (:func:`alignment._factorize.row_texts`).
"""

from __future__ import annotations

import contextvars
import fnmatch
import functools
import gzip
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from .._columns import Refused
from .._files import read_parquet
from .._filetexts import hash_factorize, row_texts, text_columns
from .._frames import POOL_MIN_ROWS, read_table
from .._headers import delimiter_fix, gzipped
from .._parallel import Pending, ahead, submit
from .._sourcelists import list_elements
from .._sources import (
    CSVFormatError,
    few_valued_csv,
    read_arrow_csv,
    read_header,
    require_pyarrow,
    split_arrow,
)
from .._utf8 import NotUTF8Error
from ..errors import AlignmentError, DataValidationError, MissingColumnError, ParameterError
from ._preset import ExportTable, Preset, norm_name
from ._values import CodedText

__all__ = [
    "Plan",
    "Raw",
    "empty_file",
    "locate",
    "read_later",
    "read_source",
    "spreadsheets",
    "unread_sheets",
]

T = TypeVar("T")

#: which columns of a file to read, given its column names: (the columns, those of them read
#: as UTF-8 bytes: instants, parsed without a Python string per cell, those of them only
#: carried to the result: taken as one string per row when their values hardly repeat)
Plan = Callable[[Sequence[str]], tuple[list[str], list[str], list[str]]]

#: the elements of a column of lists, read when asked: each row's length (``-1``: a null list)
#: and the elements one after the other; ``None`` when they are not single values
Elements = Callable[[], tuple[np.ndarray, Any] | None]

#: file name endings read, longest first
EXTENSIONS = (".csv.gz", ".csv", ".parquet")


@dataclass(frozen=True)
class Raw:
    """One table as read: its columns by their name, before any typing.

    Attributes
    ----------
    name : str
        The preset's table name.
    origin : str
        The file name, or ``"frame"``.
    n_rows : int
        Number of rows.
    columns : mapping of str to array
        Numpy arrays or :class:`~alignment._frames.Categorical` columns.
    wall : frozenset of str
        Datetime columns of a frame or Parquet file that carried no time zone: wall times of
        the export's zone (numpy ``datetime64`` arrays of a dict are UTC, as everywhere).
    lists : mapping of str to callable
        Its columns that hold no one value per row (lists, records: refused when read), each
        with what reads its elements one after the other where the reader takes a list of ids
        (:func:`alignment._sourcelists.list_elements`; ``None``: not a column of lists of values).
    """

    name: str
    origin: str
    n_rows: int
    columns: Mapping[str, Any]
    wall: frozenset[str]
    lists: Mapping[str, Elements] = field(default_factory=dict)


def _lists(columns: Mapping[str, Any], data: Any, table: str) -> dict[str, Elements]:
    """The columns of ``columns`` held refused (:class:`~alignment._columns.Refused`), each
    with the reading of its elements from ``data``, the frame or table they were read from."""
    held = getattr(columns, "held", None)  # (the columns as held, a refused one not raised)
    if held is None:
        return {}
    return {
        n: functools.partial(list_elements, data, n, table=table)
        for n in columns
        if isinstance(held(n), Refused)
    }


def _stem(filename: str, extensions: Sequence[str] = EXTENSIONS) -> str | None:
    low = filename.casefold()
    for ext in extensions:
        if low.endswith(ext) and len(low) > len(ext):
            return filename[: -len(ext)]
    return None


def _matches(table: ExportTable, stem: str) -> bool:
    key = norm_name(stem)
    return any(fnmatch.fnmatchcase(key, norm_name(p)) for p in table.patterns)


def locate(preset: Preset, source: Any) -> dict[str, Any]:
    """Each table of ``preset`` found in ``source``: ``{table name: path or data}``.

    Parameters
    ----------
    preset : Preset
    source : str, os.PathLike or mapping
        A folder (tables found by file name) or ``{table name: path or frame}``.

    Raises
    ------
    ParameterError
        The folder does not exist, two files match one table, or a dict key names no table.
    MissingColumnError
        A required table is absent.
    """
    if isinstance(source, Mapping):
        found = _from_mapping(preset, source)
        where = "the tables given"
    elif isinstance(source, (str, os.PathLike)):
        folder = Path(source)
        if not folder.is_dir():
            raise ParameterError(
                f"{str(folder)!r} is not a folder; pass the folder of the export files or "
                "{table name: path or frame}"
            )
        found = _from_folder(preset, folder)
        where = f"folder {str(folder)!r}"
    else:
        raise ParameterError(
            "source must be a folder or a {table name: path or frame} mapping, got "
            f"{type(source).__name__}"
        )
    for t in preset.tables:
        if t.name not in found and not t.optional:
            sheets = spreadsheets(t, source, others=True)
            unread = f" ({unread_sheets(sheets)})" if sheets else ""
            excel = any(_stem(n, ARCHIVES) is None for n in sheets)
            frame = "pandas.read_excel(path, dtype=str)" if excel else "path or frame"
            raise MissingColumnError(
                f"no {t.name} table in {where}{unread}",
                table=t.name,
                fix=f"export the {t.name} table as a CSV file named like "
                f"{', '.join(repr(p + '.csv') for p in t.patterns)}, or pass "
                f"{{{t.name!r}: {frame}}}",
            )
    return found


#: spreadsheet files: never read (named when no file of a table is found)
SPREADSHEETS = (".xlsx", ".xlsm", ".xls")

#: archives: never read, named so too (HubSpot sends a large export as a ``.zip``)
ARCHIVES = (".zip",)


def spreadsheets(table: ExportTable, source: Any, *, others: bool = False) -> list[str]:
    """The spreadsheet and archive files of a folder ``source`` named like ``table`` (else,
    ``others``, all of them; ``[]`` for a mapping, or a folder without any)."""
    if isinstance(source, Mapping) or not Path(source).is_dir():
        return []
    unread = (*SPREADSHEETS, *ARCHIVES)
    stems = {p.name: _stem(p.name, unread) for p in sorted(Path(source).iterdir())}
    sheets = {name: stem for name, stem in stems.items() if stem is not None}
    named = [name for name, stem in sheets.items() if _matches(table, stem)]
    return named or (list(sheets) if others else [])


def _shown(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names[:5]) + (" …" if len(names) > 5 else "")


def unread_sheets(names: Sequence[str]) -> str:
    """The spreadsheet and archive files ``names`` said to be left unread (the first five
    of each named)."""
    zips = [n for n in names if _stem(n, ARCHIVES) is not None]
    sheets = [n for n in names if n not in zips]
    said = []
    if sheets:
        said.append(f"{_shown(sheets)}: spreadsheet files are not read, only CSV and Parquet")
    if zips:
        said.append(f"{_shown(zips)}: archives are not read (unzip them into the folder)")
    return "; ".join(said)


def _from_folder(preset: Preset, folder: Path) -> dict[str, Any]:
    files = sorted(p for p in folder.iterdir() if _stem(p.name) is not None)
    for p in files:  # a loop over the folder's export files
        if not p.is_file():  # (a directory, or a link to nothing: never taken as absent)
            kind = "a directory" if p.is_dir() else "not a readable file (a broken link?)"
            raise ParameterError(
                f"{str(p)!r} is {kind}; rename or remove it, or pass the file as "
                "{table name: path}"
            )
    found: dict[str, Any] = {}
    for t in preset.tables:  # a loop over the tables and the files of one folder
        hits = [p for p in files if _matches(t, _stem(p.name) or "")]
        if len(hits) > 1:
            raise ParameterError(
                f"several files match the {t.name} table: {', '.join(p.name for p in hits)}; "
                f"keep one in {str(folder)!r} or pass {{{t.name!r}: path}}"
            )
        if hits:
            found[t.name] = hits[0]
    return found


def _from_mapping(preset: Preset, source: Mapping[Any, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in source.items():
        hits = [t for t in preset.tables if isinstance(key, str) and _matches(t, key)]
        if not hits:
            raise ParameterError(
                f"{key!r} is not a table of the {preset.name} preset; its tables: "
                + ", ".join(t.name for t in preset.tables)
            )
        name = hits[0].name
        if name in found:
            raise ParameterError(f"the {name} table is given twice (as {key!r} too)")
        found[name] = value
    return found


#: bytes of a file read to tell it empty: a file of blanks longer than this is read, and
#: refused for its header
_BLANKS_READ = 4096


def empty_file(item: Any) -> str | None:
    """Why a file holds no table, when it does not (``"is empty (0 bytes)"``, or ``"is empty
    (no header row)"`` for a CSV file of blanks: spaces, line breaks, a byte-order mark);
    ``None`` for a file with content, or for anything but a file (a frame)."""
    if not isinstance(item, (str, os.PathLike)):
        return None
    path = Path(item)
    try:
        if not path.is_file():
            return None
        if path.stat().st_size == 0:
            return "is empty (0 bytes)"
        if not path.name.casefold().endswith((".csv", ".csv.gz")):
            return None
        with gzip.open(path, "rb") if gzipped(path) else open(path, "rb") as fh:
            head = fh.read(_BLANKS_READ + 1)
    except (OSError, EOFError):  # (not read here: the reader names the file's fault)
        return None
    if len(head) > _BLANKS_READ or head.removeprefix(b"\xef\xbb\xbf").strip():
        return None
    return "is empty (0 bytes)" if not head else "is empty (no header row)"


def read_source(name: str, item: Any, plan: Plan | None = None) -> Raw:
    """Read one table: a path (``.csv``, ``.csv.gz``, ``.parquet``) or a frame / dict of arrays.

    ``plan`` chooses the columns of a file to read (default: all, as text or as typed).

    Raises
    ------
    ParameterError
        A path that does not exist or of another kind.
    DataValidationError
        A file that cannot be read (not UTF-8, ragged rows, not Parquet ...).
    """
    if isinstance(item, (str, os.PathLike)):
        return _read_file(name, Path(item), plan)
    raw = read_table(item, table=name, all_columns=True)
    wall = frozenset(k for k, v in raw.aware.items() if not v)
    return Raw(name, "frame", raw.n_rows, raw.columns, wall, _lists(raw.columns, item, name))


class _Joined(Mapping[str, Any]):
    """The columns of a file in its order, from several mappings (the first holding a name
    wins); a column still being factorised on the pool is awaited when read."""

    def __init__(self, names: Sequence[str], parts: Sequence[Mapping[str, Any]]):
        self._names = [n for n in names if any(n in p for p in parts)]
        self._parts = parts

    def __getitem__(self, name: str) -> Any:
        part = next(p for p in self._parts if name in p)
        value = part[name]
        if isinstance(value, Pending):
            value = value.result()
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _planned(name: str, path: Path, table: Any, plan: Plan | None) -> Raw:
    """A PyArrow table of a file as a :class:`Raw`, only the columns of ``plan``.

    Instants of many distinct values are taken as bytes (:func:`split_arrow`); every other
    text column is factorised by one hash pass of its rows (on the pool when long), or taken
    as one string per row (``as_rows`` of mostly distinct values); the other columns are read
    by :func:`read_table`.
    """
    names = [str(n) for n in table.column_names]
    keep, as_bytes, as_rows = plan(names) if plan is not None else (names, [], [])
    big = table.num_rows >= POOL_MIN_ROWS  # (instants parsed on the pool meanwhile)
    _, texts, n_rows = split_arrow(table, [], as_bytes, run=submit if big else None)
    rest, strings = text_columns(table.select([n for n in keep if n not in texts]))

    def hashed(names: Iterable[str]) -> dict[str, Any]:
        return {
            k: submit(hash_factorize, strings[k]) if big else hash_factorize(strings[k])
            for k in names
        }

    coded = hashed(k for k in strings if k not in as_rows)  # (on the pool while the rows are cut)
    rows = {k: row_texts(v) for k, v in strings.items() if k in as_rows}
    coded.update(hashed(k for k in strings if k in as_rows and rows[k] is None))
    parts: list[Mapping[str, Any]] = [texts, coded]
    parts.append({k: CodedText(*v) for k, v in rows.items() if v is not None})
    wall: frozenset[str] = frozenset()
    lists: dict[str, Elements] = {}
    if rest.num_columns:
        raw = read_table(rest, table=name, all_columns=True)
        wall = frozenset(k for k, v in raw.aware.items() if not v)
        parts.append(raw.columns)
        lists = _lists(raw.columns, rest, name)  # (a Parquet file's columns of lists)
    return Raw(name, path.name, n_rows, _Joined(names, parts), wall, lists)


def read_later(
    name: str, item: Any, plan: Plan | None = None, parsed: Callable[[], None] | None = None
) -> Callable[[], Raw]:
    """:func:`read_source` in two steps: a file is read from now on, on a helper thread, while
    the caller works on the tables before (its text parsed by PyArrow, without the GIL, then
    its text columns factorised and its instants parsed on the pool); the call returned
    waits for it (a frame is read then, all of it).  Errors are raised by that call.
    ``parsed``: called on the helper once PyArrow has parsed the file, or failed to (the
    caller may then start reading the next files: the first file's columns go to the pool
    first)."""
    if not isinstance(item, (str, os.PathLike)):
        if parsed is not None:  # (a frame: nothing to parse first)
            parsed()
        return lambda: read_source(name, item, plan)
    path = Path(item)
    run = contextvars.copy_context().run  # (the caller's reading options)
    read = functools.partial(run, _read_file, name, path, plan, parsed)
    return ahead(read, name="alignment-read", pooled=True)


def _read_file(
    name: str, path: Path, plan: Plan | None, parsed: Callable[[], None] | None = None
) -> Raw:
    try:
        table = _file_table(name, path, plan)
    finally:
        if parsed is not None:
            parsed()
    return _translated(name, path, lambda: _planned(name, path, table, plan))


def _file_table(name: str, path: Path, plan: Plan | None) -> Any:
    """A file's columns of ``plan`` as a PyArrow table (CSV: every column as text)."""
    if not path.is_file():
        raise ParameterError(f"{name}: no file {str(path)!r}")
    low = path.name.casefold()
    if not low.endswith(EXTENSIONS):
        raise ParameterError(
            f"{name}: cannot read {path.name!r}; use .csv, .csv.gz or .parquet files"
        )
    require_pyarrow(path)
    empty = empty_file(path)
    if empty is not None:
        raise DataValidationError(
            f"file {path.name!r} {empty}",
            table=name,
            fix=f"export the {name} table again, its header row at least",
        )

    def parse() -> Any:
        if low.endswith(".parquet"):  # (only the columns of the plan decoded)
            choose = None if plan is None else lambda names: plan(names)[0]
            return read_parquet(path, choose, dictionaries=True)
        names = read_header(path, ",", unnamed=True)  # (an unnamed column is never mapped)
        include = [n for n in names if n] if plan is None else plan(names)[0]
        few = few_valued_csv(path, names, ",", include)
        return read_arrow_csv(path, names, ",", include=include, text=True, dictionaries=few)

    return _translated(name, path, parse)


def _translated(name: str, path: Path, step: Callable[[], T]) -> T:
    """``step()``, the errors of reading a file raised as :class:`DataValidationError`."""
    try:
        return step()
    except AlignmentError:  # (ours: a column the plan cannot choose, named already)
        raise
    except CSVFormatError as exc:
        raise DataValidationError(
            f"file {path.name!r} {exc}",
            table=name,
            fix="export the table again as CSV"
            if exc.delimiter is None
            else delimiter_fix(exc.delimiter, f"the frame as {{{name!r}: frame}}"),
        ) from None
    except NotUTF8Error as exc:  # (a value: its column and row named; or the header's)
        if exc.marked is not None:
            what = f"is {exc.marked} text, not UTF-8"
        else:
            what = "is not UTF-8 text" + (" (a name of its header row)" if exc.row is None else "")
        raise DataValidationError(
            f"file {path.name!r} {what}",
            table=name,
            column=exc.column,
            rows=None if exc.row is None else [exc.row],
            value=exc.object,
            fix="save the file as UTF-8",
        ) from None
    except UnicodeDecodeError:
        raise DataValidationError(
            f"file {path.name!r} is not UTF-8 text", table=name, fix="save the file as UTF-8"
        ) from None
    except (OSError, ValueError) as exc:  # PyArrow's errors derive from these
        raise DataValidationError(
            f"cannot read file {path.name!r}: {str(exc).splitlines()[0] if str(exc) else exc!r}",
            table=name,
            fix="check that the file is a complete CSV or Parquet export",
        ) from None
