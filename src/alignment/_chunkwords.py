"""The words of a chunked Arrow string column of ids, read in place chunk by chunk.

A file's text column is read in blocks of rows, a chunk each.  When its present strings all
have one byte length and follow one another in their chunk's bytes (ids of one format; a null
holds no byte), each chunk's strings are read as words in place, at a fixed stride
(:func:`._words.runs_words`): the same words as those of the column joined into one buffer,
without that copy of its bytes, nor an array of the present rows' offsets.

Part of the one dataframe boundary: pyarrow is imported lazily, inside the functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._cells import string_buffers
from ._factorize import _valid
from ._words import MAX_WORDS, Run, Words, fixed_width, runs_words

__all__ = ["chunk_words"]


def chunk_words(arr: Any) -> tuple[Words, np.ndarray | None] | None:
    """The words of the present strings of a chunked Arrow ``string`` (or ``large_string``)
    column of at least two chunks, read chunk by chunk, and which rows are present (``None``
    without nulls).

    ``None`` for any other column: another type, a single chunk, no present string, a present
    string of another byte length than the first (or empty, or longer than
    ``8 * MAX_WORDS`` bytes), or a null holding bytes.
    """
    import pyarrow as pa

    if not isinstance(arr, pa.ChunkedArray) or arr.num_chunks < 2:
        return None
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    parts: list[Run] = []
    present: list[np.ndarray] = []  # (each chunk's present rows, when the column has nulls)
    width, m = 0, 0
    for chunk in arr.chunks:  # (a loop over the chunks: one per block of rows)
        _, data, starts, ends = string_buffers(chunk)
        ok = _valid(chunk) if chunk.null_count else None
        if arr.null_count:
            present.append(np.ones(len(chunk), dtype=bool) if ok is None else ok)
        count = len(chunk) - chunk.null_count
        if not count:
            continue
        width = width or _first_width(starts, ends, ok)
        if not 0 < width <= 8 * MAX_WORDS or not _laid(starts, ends, ok, width):
            return None
        parts.append((m, m + count, fixed_width(data, int(starts[0]), width)))
        m += count
    if not parts:
        return None
    return runs_words(parts, m, width), np.concatenate(present) if present else None


def _first_width(starts: np.ndarray, ends: np.ndarray, ok: np.ndarray | None) -> int:
    """The byte length of the first present string (``ok``: which rows are, ``None``: all)."""
    row = 0 if ok is None else int(np.argmax(ok))
    return int(ends[row]) - int(starts[row])


def _laid(starts: np.ndarray, ends: np.ndarray, ok: np.ndarray | None, width: int) -> bool:
    """Whether each present string of a chunk has ``width`` bytes and each null none: the
    present strings then follow one another from the chunk's first offset."""
    lengths = ends - starts
    return bool(np.all(lengths == (width if ok is None else ok * np.int64(width))))
