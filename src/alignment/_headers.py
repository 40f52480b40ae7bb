"""The header row of a CSV file: its column names, read and checked before any row is.

Only the header's bytes are decoded here, so that a value further down that is not UTF-8 is
named by its column and row when PyArrow reads the rows (:mod:`alignment._sources`).
"""

from __future__ import annotations

import csv
import gzip
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, cast

from ._colnames import repeated_names
from ._utf8 import NotUTF8Error

__all__ = [
    "DELIMITERS",
    "CSVFormatError",
    "byte_lines",
    "delimiter_fix",
    "gzipped",
    "open_bytes",
    "other_delimiter",
    "read_header",
]

#: the delimiters other than a comma a header row may be written with, by their name (Excel
#: saves "CSV" with ``;`` in many locales)
DELIMITERS = {"commas": ",", "';'": ";", "tabs": "\t", "'|'": "|"}


class CSVFormatError(ValueError):
    """A CSV file that cannot be read as a table (empty, bad header, ragged or unparsable rows);
    ``delimiter``: the name (a key of :data:`DELIMITERS`) of the delimiter its header row is
    written with when it is not a comma (:func:`delimiter_fix` says how to mend it)."""

    def __init__(self, problem: str, delimiter: str | None = None) -> None:
        super().__init__(problem)
        self.delimiter = delimiter
        self.fix = None if delimiter is None else delimiter_fix(delimiter)


def gzipped(path: Path) -> bool:
    """Whether a file is gzip-compressed: its last suffix ``.gz`` in any case (``.CSV.GZ``)."""
    return path.suffix.lower() == ".gz"


def open_bytes(path: Path) -> IO[bytes]:
    """Open a CSV file's bytes, decompressing a ``.gz`` one."""
    if gzipped(path):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")


_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def byte_lines(fh: IO[bytes], block: int = 1 << 16) -> Iterator[bytes]:
    """A file's lines, each ending at ``\\n``, ``\\r\\n`` or ``\\r`` alone (as PyArrow's)."""
    pending = b""
    while chunk := fh.read(block):
        lines = (pending + chunk).splitlines(keepends=True)
        pending = lines.pop()  # (it may go on in the next block, or be a \r before a \n)
        yield from lines
    if pending:
        yield pending


def _header_lines(first: bytes, rest: Iterator[bytes], delimiter: str) -> Iterator[str]:
    """The lines of the header row, each decoded alone (only as many as its quotes need: the
    rows after it are PyArrow's, which names a value that is not UTF-8 by column and row).

    Raises
    ------
    NotUTF8Error
        A line of the header that is not UTF-8 (the name holding the bad byte named).
    """
    sep = delimiter.encode()
    for line in itertools.chain([first], rest):  # (the header's lines: one, unless quoted)
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            start = line.rfind(sep, 0, exc.start) + 1
            end = line.find(sep, exc.start)
            name = line[start : len(line) if end < 0 else end].rstrip(b"\r\n")
            raise NotUTF8Error(name, exc.start - start, None, None) from None


def read_header(path: Path, delimiter: str, *, unnamed: bool = False) -> list[str]:
    """The header row's column names (stripped, without a byte-order mark), validated.

    Only the header row's bytes are decoded, so that a value further down that is not UTF-8
    is named by its column and row when the rows are read (lines end with ``\\n``, ``\\r\\n``
    or ``\\r``).  ``unnamed``: empty names are kept as ``""`` (no name selects them).

    Raises
    ------
    CSVFormatError
        No header row, one not CSV, an empty (unless ``unnamed``) or repeated name (named).
    NotUTF8Error
        A header that is not UTF-8, or a UTF-16 file (its byte-order mark).
    """
    with open_bytes(path) as fh:
        lines = byte_lines(fh)
        first = next(lines, b"")
        if first.startswith(_UTF16_MARKS):
            raise NotUTF8Error(first[:2], 0, None, None, encoding="UTF-16")
        first = first.removeprefix(b"\xef\xbb\xbf")  # a mark before a quoted name too
        try:
            header = next(csv.reader(_header_lines(first, lines, delimiter), delimiter=delimiter))
        except StopIteration:
            raise CSVFormatError("is empty (no header row)") from None
        except csv.Error as exc:
            raise CSVFormatError(f"has a header row that cannot be read as CSV ({exc})") from None
    names = [h.strip() for h in header]
    if names and names[0].startswith("\ufeff"):
        names[0] = names[0][1:].strip()
    if not names or ("" in names and not unnamed):
        at = f"column {names.index('') + 1} of {len(names)}" if names else "line 1"
        raise CSVFormatError(
            f"needs a header row of non-empty column names ({at} is empty: name it or remove it; "
            "pandas' to_csv() writes its index so, unless index=False)"
        )
    if (other := other_delimiter(names, read_with=delimiter)) is not None:
        ours = "tabs" if delimiter == "\t" else "commas"
        raise CSVFormatError(
            f"has a header row of one column, {names[0][:80]!r}: its columns are separated by "
            f"{other}, not by {ours}",
            other,
        )
    twice = repeated_names([n for n in names if n])
    if twice:
        raise CSVFormatError(
            f"needs a header row of unique column names ({', '.join(map(repr, twice))} repeated)"
        )
    return names


def other_delimiter(
    names: Sequence[str], looked_for: Sequence[str] = (), read_with: str = ","
) -> str | None:
    """The delimiter other than ``read_with`` (its name, a key of :data:`DELIMITERS`) of a
    header read with ``read_with``: a name holding it that is the header's only one, or whose
    parts hold a column looked for (``'Record ID;Create Date'``); ``None`` otherwise."""
    keys = {t.casefold().strip() for t in looked_for}
    for name, sep in DELIMITERS.items():  # a loop over four delimiters
        if sep == read_with:
            continue
        for n in names:  # a loop over the header's names
            parts = [p.casefold().strip() for p in n.split(sep)]
            if len(parts) > 1 and (len(names) == 1 or keys.intersection(parts)):
                return name
    return None


def delimiter_fix(delimiter: str, frame: str = "the frame") -> str:
    """How to mend a file written with ``delimiter`` (a key of :data:`DELIMITERS`), passing
    the frame read as ``frame`` says."""
    if DELIMITERS[delimiter] == ",":
        return (
            f"name the file .csv, or read it with pandas.read_csv(path, dtype=str) and pass {frame}"
        )
    return (
        "save it as comma-separated CSV (Excel: 'CSV UTF-8 (Comma delimited)'), or read it with "
        f"pandas.read_csv(path, sep={DELIMITERS[delimiter]!r}, dtype=str) and pass {frame}"
    )
