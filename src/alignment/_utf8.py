"""The strings of a CSV table checked to be UTF-8 after PyArrow read them unchecked.

PyArrow's CSV reader checks each value it converts to a string, one by one, while it parses
(for the three large files of a 10^6-person Salesforce export, about 0.1 s of its 1.8 s of
CPU).  Read with that check off (``check_utf8=False``), a column's strings are checked here
instead, a chunk at a time: a chunk whose bytes are all ASCII (one vectorised pass over its
bytes: 0.03 s for the same files) is UTF-8; any other chunk is checked whole by PyArrow
(``validate(full=True)``), as thoroughly as before.  A string that is not
UTF-8 raises :class:`NotUTF8Error` naming its column and row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._cells import string_buffers
from ._segments import sorted_unique

__all__ = ["NotUTF8Error", "checked_utf8"]


class NotUTF8Error(UnicodeDecodeError):
    """A value of a CSV file that is not UTF-8 text: its column and row (0-based, among the
    file's rows after the header), the value's bytes in :attr:`object`.

    In the header row, ``column`` and ``row`` are ``None`` and :attr:`object` holds the bytes
    of the name; :attr:`marked` names the file's encoding when its byte-order mark tells it
    (``"UTF-16"``; ``encoding`` is the codec that failed, ``"utf-8"``)."""

    def __init__(
        self,
        value: bytes,
        start: int,
        column: str | None,
        row: int | None,
        encoding: str | None = None,
    ) -> None:
        if encoding is not None:
            where = f"the file is {encoding} text"
        else:
            where = "the header row" if row is None else f"column {column!r}, row {row}"
        super().__init__("utf-8", value, start, start + 1, where)
        self.column, self.row, self.marked = column, row, encoding


def checked_utf8(table: Any) -> Any:
    """``table`` (a PyArrow table), once every string of its text and dictionary columns is
    found to be UTF-8.

    Raises
    ------
    NotUTF8Error
        The first string, column by column, that is not UTF-8.
    """
    for name, column in zip(table.column_names, table.columns):  # a loop over the columns
        row = 0
        for chunk in column.chunks:  # a loop over the column's chunks (blocks of the file)
            _check_chunk(chunk, str(name), row)
            row += len(chunk)
    return table


def _check_chunk(chunk: Any, column: str, first_row: int) -> None:
    import pyarrow as pa

    values = chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return
    if _all_ascii(values):
        return
    try:
        values.validate(full=True)
    except pa.ArrowInvalid:
        at, value, start = _first_invalid(values)
        if values is not chunk:  # (a dictionary's entry: the first row holding it)
            indices = np.asarray(chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False))
            rows = np.flatnonzero(indices == at)
            at = int(rows[0]) if rows.size else 0
        raise NotUTF8Error(value, start, column, first_row + at) from None


def _all_ascii(values: Any) -> bool:
    """Whether every byte of an Arrow string array's strings is below 0x80."""
    if len(values) == 0:
        return True
    _, data, starts, ends = string_buffers(values)
    used = data[int(starts[0]) : int(ends[-1])]
    return bool(used.size == 0 or used.max() < 0x80)


def _first_invalid(values: Any) -> tuple[int, bytes, int]:
    """The position of the first string of ``values`` that is not UTF-8, its bytes and the
    position of its first bad byte (only strings holding a byte from 0x80 are decoded; if
    Python's decoder takes them all, the first of them)."""
    _, data, starts, ends = string_buffers(values)
    high = np.flatnonzero(data >= 0x80)
    rows = sorted_unique(np.searchsorted(ends, high, side="right"))
    rows = rows[rows < len(values)].tolist()
    for i in rows:  # a loop over the strings not all ASCII
        value = bytes(data[int(starts[i]) : int(ends[i])])
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as exc:
            return i, value, exc.start
    i = rows[0] if rows else 0
    return i, bytes(data[int(starts[i]) : int(ends[i])]), 0
