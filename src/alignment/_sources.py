"""Lazy and warehouse inputs, and files on disk, read by column before they reach numpy.

A *source* is an input that is not yet in memory: a Polars ``LazyFrame``, a DuckDB relation, an
Ibis table (any lazy frame narwhals reads), a ``pyarrow.dataset.Dataset``, or the path of a CSV
(``.csv``, ``.tsv``, optionally ``.gz``) or Parquet (``.parquet``, ``.pq``) file.
:func:`open_source` learns its column names without reading its rows; :meth:`Source.collect`
then reads only the columns a table needs, as an eager PyArrow table or Polars frame that
:mod:`alignment._frames` turns into numpy columns.  Rows come in the order the source yields
them (the file's order; a lazy query's collected order), and error rows are positions in it.

PyArrow's CSV reader types the columns of a CSV file (:func:`read_arrow_csv`, shared with
:func:`alignment._files.read_csv`).  The checks of an input's column names (required ones
present, none repeated) live here too, for every kind of input.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import gzip
import importlib.util
import io
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from ._cells import joined
from ._factorize import SAMPLE_ROWS, many_distinct, sample_distinct
from ._headers import CSVFormatError, gzipped, open_bytes, read_header
from ._parallel import n_threads, run_all
from ._pool import arrow_pool
from ._timetext import PAD, Utf8Text
from ._utf8 import checked_utf8
from .errors import DataValidationError

__all__ = [
    "FILES_EXTRA",
    "CSVFormatError",
    "Source",
    "few_valued_csv",
    "offset_instants",
    "offset_instants_of",
    "open_source",
    "open_text",
    "read_arrow_csv",
    "read_header",
    "require_pyarrow",
    "split_arrow",
]

#: cell texts read as booleans (any other text in the column makes it a text column)
TRUE_VALUES = ("true", "True", "TRUE", "yes", "Yes", "YES")
FALSE_VALUES = ("false", "False", "FALSE", "no", "No", "NO")

FILES_EXTRA = "pip install 'smarketing-alignment[files]' (or pip install pyarrow)"
"""How to install the file readers (PyArrow)."""

_LAZY_ROOTS = frozenset({"polars", "duckdb", "ibis", "sqlframe", "pyspark"})
"""Packages whose lazy frames narwhals reads (Dask frames have their own backend, not this)."""

_SUFFIXES = {".csv": ",", ".tsv": "\t", ".parquet": "", ".pq": ""}
_SUPPORTED = ".csv, .tsv, .csv.gz, .tsv.gz, .parquet or .pq"


@dataclass(frozen=True)
class Source:
    """An input read by column: its names now, the needed columns on :meth:`collect`.

    Attributes
    ----------
    names : tuple of str
        Every column of the source, in its order.
    kind : str
        What it is, for messages (``"Polars LazyFrame"``, ``"CSV file 'x.csv'"`` …).
    """

    names: tuple[str, ...]
    kind: str
    _collect: Callable[[list[str]], Any]
    _table: str

    def collect(self, columns: Sequence[str]) -> Any:
        """Read ``columns`` (names of :attr:`names`) into an eager PyArrow table or Polars frame.

        No column asked for reads the first one, so that the frame still counts the rows.

        Raises
        ------
        DataValidationError
            The source cannot be read or evaluated (the message carries the reader's).
        """
        wanted = list(columns) or list(self.names[:1])  # (none: one column, for the row count)
        try:
            return self._collect(wanted)
        except (DataValidationError, ImportError):
            raise
        except Exception as exc:  # a reader's or a query engine's own error, at the boundary
            raise DataValidationError(
                f"cannot read the {self.kind}: {_first_line(exc)}",
                table=self._table,
                fix="check that the input can be read (collected) on its own",
            ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0]


def _has(mod: str) -> bool:
    return importlib.util.find_spec(mod) is not None


def require_pyarrow(path: Path) -> None:
    """Raise the one-line ``ImportError`` of a file that needs PyArrow, when it is not installed.

    Raises
    ------
    ImportError
        PyArrow is not installed (the message names the file and how to install it).
    """
    if not _has("pyarrow"):
        raise ImportError(f"reading {path.name!r} needs PyArrow: {FILES_EXTRA}", name="pyarrow")


def open_source(data: Any, *, table: str) -> Source | None:
    """The :class:`Source` of ``data``, or ``None`` when ``data`` is not a source.

    Parameters
    ----------
    data : Any
        The caller's data.  A ``str`` or path-like is always taken as a file path.
    table : str
        Name of the argument, for error messages.

    Raises
    ------
    DataValidationError
        A path that is not an existing file of a supported kind, an unreadable header, or a lazy
        frame whose schema cannot be resolved.
    ImportError
        A file needs PyArrow, which is not installed.
    """
    if isinstance(data, (str, os.PathLike)):
        return _file_source(data, table)
    root = type(data).__module__.partition(".")[0]
    if root == "pyarrow":
        import pyarrow.dataset as ds

        if isinstance(data, ds.Dataset):
            dataset = data
            return Source(
                tuple(str(n) for n in dataset.schema.names),
                "PyArrow dataset",
                lambda cols: dataset.to_table(columns=cols),
                table,
            )
    if root in _LAZY_ROOTS:
        return _lazy_source(data, table)
    return None


def _lazy_source(data: Any, table: str) -> Source | None:
    import narwhals.stable.v2 as nw

    frame = nw.from_native(data, pass_through=True)
    if not isinstance(frame, nw.LazyFrame):
        return None
    impl = frame.implementation
    kind = f"{impl} {type(data).__name__}"
    try:
        names = tuple(str(c) for c in frame.columns)
    except Exception as exc:  # the query engine cannot resolve the schema
        raise DataValidationError(
            f"cannot read the columns of the {kind}: {_first_line(exc)}",
            table=table,
            fix="check that the query runs on its own",
        ) from exc
    # Polars collects to Polars; a warehouse relation to PyArrow (Polars without PyArrow)
    to_polars = not impl.is_polars() and not _has("pyarrow")

    def collect(cols: list[str]) -> Any:
        chosen = frame.select(cols)
        eager = chosen.collect(backend="polars") if to_polars else chosen.collect()
        return eager.to_native()

    return Source(names, kind, collect, table)


def _file_source(data: str | os.PathLike[Any], table: str) -> Source:
    path = Path(os.fsdecode(data))
    fix = f"pass an existing {_SUPPORTED} file, or the data itself (a frame, a dict or records)"
    if not path.exists():
        raise DataValidationError(
            f"no file {str(path)!r} (a string is read as the path of a file)",
            table=table,
            value=str(path),
            fix=fix,
        )
    if path.is_dir():
        raise DataValidationError(
            f"{str(path)!r} is a directory, not a file",
            table=table,
            value=str(path),
            fix="pass one file, or pyarrow.dataset.dataset(path) for a directory of files",
        )
    sfx = [s.lower() for s in path.suffixes]
    if sfx[-1:] == [".gz"]:
        sfx = sfx[:-1] if sfx[-2:-1] in ([".csv"], [".tsv"]) else []
    if sfx[-1:] == [] or sfx[-1] not in _SUFFIXES:
        raise DataValidationError(
            f"cannot read {path.name!r}: unsupported file type (expected {_SUPPORTED})",
            table=table,
            value=str(path),
            fix=fix,
        )
    delimiter = _SUFFIXES[sfx[-1]]
    require_pyarrow(path)
    kind = f"file {str(path)!r}"
    if not delimiter:
        import pyarrow.parquet as pq

        names = _guard(lambda: tuple(pq.read_schema(path).names), kind, table)
        return Source(names, kind, lambda cols: pq.read_table(path, columns=cols), table)
    header = _guard(lambda: read_header(path, delimiter), kind, table)
    return Source(
        tuple(header),
        kind,
        lambda cols: read_arrow_csv(path, header, delimiter, include=cols),
        table,
    )


def _guard(read: Callable[[], Any], kind: str, table: str) -> Any:
    try:
        return read()
    except Exception as exc:  # the file's reader: not a readable CSV / Parquet file
        raise DataValidationError(
            f"cannot read the {kind}: {_first_line(exc)}",
            table=table,
            fix=getattr(exc, "fix", None)
            or "check the file's format (a header row of unique names for CSV), and that it "
            "is UTF-8 text or Parquet",
        ) from exc


@contextlib.contextmanager
def arrow_input(path: Path) -> Iterator[Any]:
    """The file for PyArrow's CSV readers: a ``.gz`` one (in any case) as a stream
    decompressed explicitly (PyArrow would tell compression by the suffix, case-sensitively),
    any other as its path; closed on leaving."""
    if not gzipped(path):
        yield path
        return
    import pyarrow as pa

    with pa.input_stream(str(path), compression="gzip") as stream:
        yield stream


def open_text(path: Path, mode: str) -> IO[str]:
    """Open a text file for CSV, decompressing a ``.gz`` one (UTF-8, universal newlines off)."""
    if gzipped(path):
        raw: Any = gzip.open(path, mode + "b")
        return io.TextIOWrapper(raw, encoding="utf-8", newline="")
    return open(path, mode, encoding="utf-8", newline="")


def _is_text_column(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def read_arrow_csv(
    path: Path,
    names: list[str],
    delimiter: str,
    *,
    include: Sequence[str] | None = None,
    locate: bool = False,
    text: bool = False,
    dictionaries: Sequence[str] = (),
) -> Any:
    """Read a CSV file whose header is ``names`` into a PyArrow table (only ``include``, if given).

    Columns named ``id`` or ending in ``_id`` are text; an empty cell is missing; ``true`` /
    ``false`` (or ``yes`` / ``no``) are booleans.  ``locate`` re-reads on one thread to name
    the first ragged row.  ``text`` reads every column as text, exactly as written.
    ``dictionaries``: text columns read dictionary-encoded (the same values; each block's
    distinct values hashed by PyArrow's parsing threads as they are read:
    :func:`few_valued_csv`).  When every column read is typed (``text``), PyArrow does not
    check the strings are UTF-8 as it converts them; they are checked after, faster
    (:func:`~._utf8.checked_utf8`).

    Raises
    ------
    CSVFormatError
        A row with another number of fields, or unparsable content.
    NotUTF8Error
        A string read that is not UTF-8 (a :class:`UnicodeDecodeError`).
    """
    import pyarrow as pa

    rows: list[Any] = []

    def invalid(row: Any) -> str:  # remember the first ragged row, then let PyArrow raise
        rows.append(row)
        return "error"

    kinds = {n: pa.string() for n in names if text or _is_text_column(n)}
    kinds.update({n: pa.dictionary(pa.int32(), pa.string()) for n in dictionaries})
    typed = set(include if include is not None else names) <= set(kinds)  # (no type inferred)
    read, parse, convert = _csv_options(
        names, delimiter, kinds, include, threads=not locate, block=CSV_BLOCK
    )
    convert.check_utf8 = not typed  # (typed: checked after, faster: :mod:`._utf8`)
    if locate:
        parse.invalid_row_handler = invalid
    elif typed:
        table = _read_in_parts(path, read, parse, convert)  # (None: read it whole, below)
        if table is not None:
            return checked_utf8(table)
    try:
        table = _read_whole(path, read, parse, convert)
    except pa.ArrowInvalid as exc:
        if rows:
            row = rows[0]
            where = f"line {row.number}" if row.number is not None else "a row"
            raise CSVFormatError(
                f"{where} has {row.actual_columns} fields, the header has {row.expected_columns}"
            ) from None
        if not locate and "Expected" in str(exc) and "columns" in str(exc):
            again = functools.partial(read_arrow_csv, path, names, delimiter, include=include)
            return again(locate=True, text=text, dictionaries=dictionaries)
        raise CSVFormatError(str(exc).splitlines()[0]) from None
    return checked_utf8(table) if typed else table


BLOCK_MAX = 1 << 30
"""Bytes of the largest block :func:`_read_whole` reads a file in: a value of a CSV file may be
that long."""


def _read_whole(path: Path, read: Any, parse: Any, convert: Any) -> Any:
    """PyArrow's read of a whole CSV file, again when it stops at the size of its blocks: a
    value longer than a block (a note of many MB, which PyArrow calls a straddling object) read
    with blocks four times larger, up to the file's size (:data:`BLOCK_MAX` for a compressed
    file); a header row without a line break (a table with no rows) read with one.  The
    first read, with the usual block size, is the only one of any other file."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    alone: bytes | None = None  # (a header row alone: read from these bytes)
    packed = gzipped(path)
    while True:  # (a few times at most: the block grows fourfold up to its limit)
        try:
            with arrow_input(path) as file:
                return pcsv.read_csv(
                    file if alone is None else pa.BufferReader(alone + b"\n"),
                    read_options=read,
                    parse_options=parse,
                    convert_options=convert,
                    memory_pool=arrow_pool(),
                )
        except pa.ArrowInvalid as exc:
            block = read.block_size
            limit = BLOCK_MAX if packed else min(BLOCK_MAX, _file_size(path) + 1)
            header = "Could not skip initial" in str(exc) and alone is None
            if header:
                alone = _header_alone(path, block)
                if alone is not None:
                    continue
            if ("straddl" in str(exc) or header) and block < limit:
                read = copy.copy(read)
                read.block_size = min(block * 4, limit)
            else:
                raise


def _header_alone(path: Path, block: int) -> bytes | None:
    """The bytes of a CSV file that is one line without a line break (a header row), shorter
    than a block; ``None`` for any other file."""
    with open_bytes(path) as fh:
        head = fh.read(block + 1)
    return None if len(head) > block or b"\n" in head or b"\r" in head else head


PART_MIN = 1 << 25
"""Bytes of an uncompressed CSV file per part parsed on its own thread, at least
(:func:`_read_in_parts`): a file of 64 MB or more is parsed in two parts, and so on up to
one part per thread."""


def _read_in_parts(path: Path, read: Any, parse: Any, convert: Any) -> Any:
    """A CSV file (every column typed: no type inferred) parsed in parts, each by PyArrow's
    streaming reader on its own thread; ``None`` when it must be read whole: a compressed
    file, a part PyArrow cannot read, or a cut that is not between two rows.

    PyArrow's whole-file reader parses in parallel too, but first finds where each block's
    last row ends (a second pass over the text, quote-aware), and it reads the whole file
    into new memory ahead of the parsing: for 5.7·10^6 rows (747 MB) 1.8–1.9 s of CPU against
    1.2–1.3 s here.  Each cut is made after a line break in the middle of the file and is
    kept only if the part before it ends with a whole row: a line break inside a quoted value
    either leaves its row short of fields (PyArrow's error) or, in the last column, ends the
    value read (checked); then the file is read whole.  The file is memory-mapped.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    size = _file_size(path)
    if gzipped(path) or size < 1:
        return None
    try:
        buffer = pa.memory_map(str(path)).read_buffer()
    except OSError:
        return None
    cuts = _row_cuts(buffer, size, max(1, min(n_threads(), size // PART_MIN)))
    names, last = read.column_names, read.column_names[-1]
    include = list(convert.include_columns) or names
    checked = copy.copy(convert)  # (the last column read too, to check each cut)
    checked.include_columns = include if last in include else [*include, last]
    head, rest = copy.copy(read), copy.copy(read)
    head.use_threads = rest.use_threads = False  # (one thread per part)
    rest.skip_rows = 0  # (the header row is in the first part)

    def part(i: int) -> Any:
        piece = pa.BufferReader(buffer.slice(cuts[i], cuts[i + 1] - cuts[i]))
        options = (head if i == 0 else rest, parse, checked if i < len(cuts) - 2 else convert)
        with pcsv.open_csv(piece, *options, memory_pool=arrow_pool()) as rows:
            return rows.read_all()

    try:
        parts = run_all([functools.partial(part, i) for i in range(len(cuts) - 1)])
    except pa.ArrowInvalid:
        return None
    if not all(_ends_a_row(t, last) for t in parts[:-1]):
        return None
    return pa.concat_tables([t.select(include) for t in parts])


def _row_cuts(buffer: Any, size: int, n: int) -> list[int]:
    """``[0, …, size]``: the file cut into ``n`` parts (fewer when a part has no line break),
    each cut just after the first line break from an ``n``-th of the file on."""
    cuts = [0]
    for k in range(1, n):  # a loop over the cuts
        start = max(cuts[-1], k * size // n)
        window = bytes(buffer.slice(start, min(_CUT_WINDOW, size - start)))
        found = window.find(b"\n")
        if found >= 0 and start + found + 1 < size:
            cuts.append(start + found + 1)
    return [*cuts, size]


_CUT_WINDOW = 1 << 20


def _ends_a_row(table: Any, last: str) -> bool:
    """Whether a part's last row is whole: the value of the file's last column in it does not
    end with a line break (a part cut inside a quoted value of that column does)."""
    if table.num_rows == 0:
        return False
    value = table.column(last)[table.num_rows - 1]
    value = value.value if hasattr(value, "dictionary") else value  # (a dictionary's entry)
    if not value.is_valid:
        return True
    return not bytes(value.as_buffer()).endswith((b"\n", b"\r"))  # (bytes: not yet checked)


CSV_BLOCK = 1 << 22
"""Bytes of a CSV file PyArrow parses as one block: each column of the table read is one chunk
per block, a dictionary column one dictionary per block.  4 MB rather than PyArrow's 1 MB: a
10^6-person read has a quarter as many chunks (user time about 0.15 s less per read, in 7 of
8 pairs; wall time within the noise)."""

FEW_VALUES_FILE = 1 << 24
"""Bytes of a CSV file from which :func:`few_valued_csv` samples its first block (a smaller
file is read in a few blocks: no hashing worth moving)."""

_SAMPLE_BLOCK, _SAMPLE_MIN, _SAMPLE_REPEATS = 1 << 20, 1024, 16


def few_valued_csv(
    path: Path, names: list[str], delimiter: str, include: Sequence[str]
) -> list[str]:
    """The columns of ``include`` whose values repeat in the first block of a long CSV file
    (each distinct value 16 times or more among at least 1,024 values), to be read as
    dictionaries (:func:`read_arrow_csv`); ``[]`` for a file under :data:`FEW_VALUES_FILE`
    bytes, or one whose first block PyArrow cannot read (the full read says why).

    A column chosen is hashed by PyArrow's parsing threads, block by block, as Parquet's few
    valued columns are decoded (statuses, campaigns, owners, dates: 0.02–0.08 s of CPU less
    each at 5.7·10^6 rows).  A sample is no proof: a column whose first rows repeat and the
    rest hardly (ids sorted) costs more CPU to unify, never other values.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    if not include or _file_size(path) < FEW_VALUES_FILE:
        return []
    kinds = {n: pa.string() for n in include}
    read, parse, convert = _csv_options(
        names, delimiter, kinds, include, threads=False, block=_SAMPLE_BLOCK
    )
    try:  # (the path, not a memory map PyArrow's read-ahead could still read once it is closed)
        with (
            arrow_input(path) as file,
            pcsv.open_csv(
                file,
                read_options=read,
                parse_options=parse,
                convert_options=convert,
                memory_pool=arrow_pool(),
            ) as rows,
        ):
            block = rows.read_next_batch()
    except (pa.ArrowInvalid, OSError, StopIteration):
        return []
    out = []
    for name in include:  # a loop over columns
        column = block.column(name)
        values = len(column) - column.null_count
        distinct = pc.count_distinct(column, memory_pool=arrow_pool()).as_py()
        repeated = int(distinct) * _SAMPLE_REPEATS <= values
        if values >= _SAMPLE_MIN and repeated:
            out.append(name)
    return out


def _csv_options(
    names: list[str],
    delimiter: str,
    kinds: dict[str, Any],
    include: Sequence[str] | None,
    *,
    threads: bool,
    block: int,
) -> tuple[Any, Any, Any]:
    """PyArrow's read, parse and convert options for a CSV file whose header is ``names``:
    quoted line breaks kept in their values, empty lines skipped, an empty cell missing."""
    import pyarrow.csv as pcsv

    read = pcsv.ReadOptions(column_names=names, skip_rows=1, use_threads=threads, block_size=block)
    parse = pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=True)
    convert = pcsv.ConvertOptions(
        column_types=kinds,
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        true_values=list(TRUE_VALUES),
        false_values=list(FALSE_VALUES),
        include_columns=None if include is None else list(include),
    )
    return read, parse, convert


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def split_arrow(
    table: Any,
    keep: Sequence[str],
    as_bytes: Sequence[str],
    run: Callable[[Callable[[], Utf8Text | np.ndarray]], Any] | None = None,
) -> tuple[Any, dict[str, Any], int]:
    """The columns ``keep`` of a PyArrow table, those of ``as_bytes`` that hold strings taken
    out when their values are mostly distinct, the other string columns dictionary-encoded
    (each distinct value then factorised once).

    A column taken out is read as UTC instants (``datetime64[us]``) when every value is an
    instant with its UTC offset (:func:`offset_instants`), else as UTF-8 bytes
    (:class:`~alignment._timetext.Utf8Text`, no Python string per row) for the library's own
    parser.  Returns the table of the other columns kept, the columns taken out, and the number
    of rows.  ``run``: what reads a column taken out (default: at once; the caller may put it on
    a pool, PyArrow's cast then parsing the instants without the GIL while it goes on).
    """
    import pyarrow as pa

    texts: dict[str, Any] = {}
    for name in as_bytes:  # a loop over columns
        column = table.column(name)
        large = pa.types.is_large_string(column.type)
        if (large or pa.types.is_string(column.type)) and _varied(column):
            step = functools.partial(_instants_or_bytes, column, large)
            texts[name] = step() if run is None else run(step)
    rest = table.select([n for n in keep if n not in texts])
    for i, column in enumerate(rest.columns):  # a loop over columns
        text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
        if text and _repeated(column):
            # one hash pass over the rows here; the values are then factorised once each
            rest = rest.set_column(i, rest.column_names[i], _dictionary(column))
    return rest, texts, int(table.num_rows)


def _instants_or_bytes(column: Any, large: bool) -> Utf8Text | np.ndarray:
    """A string column as UTC instants (:func:`offset_instants`), else as its UTF-8 bytes."""
    instants = offset_instants(column)
    return _utf8_of_chunks(column.chunks, large) if instants is None else instants


_PROBE_ROWS = 64


def offset_instants(column: Any) -> np.ndarray | None:
    """The UTC instants (``datetime64[us]``, ``NaT`` where null) of an Arrow string column whose
    every value is an ISO 8601 date and time with its UTC offset (``2024-01-27T04:11:49.000+0000``,
    ``…Z``, ``… 04:11:49+01:00``), read by PyArrow's cast; ``None`` as soon as one value is
    anything else (no offset, a date alone, another layout, a space around it, an impossible
    date), and the caller reads the strings itself.

    The cast to a zoned timestamp refuses a value without an offset, so no wall time is taken
    for UTC here; and a value it reads is the instant :mod:`alignment._timetext` reads from the
    same text (``tests/core/test_offset_instants.py``).  It takes a sixth of the time of the
    byte parser on an export's creation instants.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    zoned, pool = pa.timestamp("us", tz="UTC"), arrow_pool()
    try:  # (its first rows first: a cast that fails reads every row before it says so)
        pc.cast(column.slice(0, _PROBE_ROWS), zoned)
        cast = pc.cast(column, zoned, memory_pool=pool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if isinstance(cast, pa.ChunkedArray):
        cast = joined(cast)
    micros = cast.cast(pa.int64())  # (a view of the same buffers)
    if micros.null_count:  # (null: NaT)
        nat = pa.scalar(np.iinfo(np.int64).min, type=pa.int64())
        micros = pc.coalesce(micros, nat, memory_pool=pool)
    out: np.ndarray = micros.to_numpy(zero_copy_only=False).view("datetime64[us]")
    return out


def offset_instants_of(values: np.ndarray) -> np.ndarray | None:
    """:func:`offset_instants` of an object array of strings (``None``: missing); ``None`` when
    a value is anything else, or without PyArrow (the caller reads the strings itself)."""
    try:
        import pyarrow as pa
    except ImportError:
        return None
    try:
        arrow = pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # (not all strings)
        return None
    return offset_instants(arrow)


def _varied(column: Any) -> bool:
    """Whether a column's first rows are mostly distinct (instants read row by row); columns
    of few distinct values (dates) are read once per distinct value instead."""
    n = min(len(column), SAMPLE_ROWS)
    return n == 0 or many_distinct(sample_distinct(column), n)


def _repeated(column: Any) -> bool:
    """Whether the first rows of a column repeat values (half of them or more are repeats)."""
    n = min(len(column), SAMPLE_ROWS)
    return n > 0 and sample_distinct(column) * 2 <= n


def _dictionary(column: Any) -> Any:
    """A string column dictionary-encoded by PyArrow (one chunk)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(joined(column), memory_pool=arrow_pool())  # (past 2 GiB: large)
    return pa.chunked_array([encoded])


def _utf8_of_chunks(chunks: Sequence[Any], large: bool) -> Utf8Text:
    """Arrow string chunks as one :class:`Utf8Text`: their buffers viewed, then joined once."""
    datas: list[np.ndarray] = []
    offsets: list[np.ndarray] = [np.zeros(1, dtype=np.int64)]
    nulls: list[np.ndarray] = []
    end = 0
    for chunk in chunks:  # a loop over the reader's blocks
        n = len(chunk)
        valid_buf, off_buf, data_buf = chunk.buffers()
        if off_buf is None:  # (no rows)
            continue
        width = np.int64 if large else np.int32
        off = np.frombuffer(off_buf, dtype=width)[chunk.offset : chunk.offset + n + 1]
        off = off.astype(np.int64)
        lo, hi = int(off[0]), int(off[-1])
        data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else None
        datas.append(data[lo:hi] if data is not None else np.zeros(0, dtype=np.uint8))
        offsets.append(off[1:] - lo + end)
        if valid_buf is None or chunk.null_count == 0:
            nulls.append(np.zeros(n, dtype=bool))
        else:  # the validity bitmap: bit i of the chunk set where row i holds a value
            bits = np.unpackbits(np.frombuffer(valid_buf, dtype=np.uint8), bitorder="little")
            nulls.append(~bits[chunk.offset : chunk.offset + n].astype(bool))
        end += hi - lo
    data = np.zeros(end + PAD, dtype=np.uint8)  # (the parser reads past the last string)
    if datas:
        np.concatenate(datas, out=data[:end])
    return Utf8Text(
        data[:end],
        np.concatenate(offsets),
        np.concatenate(nulls) if nulls else np.zeros(0, dtype=bool),
    )
