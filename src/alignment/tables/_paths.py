"""Journeys aggregated by path, as other attribution tools export them.

A row such as ``"a > b > c" | conversions 3 | value 120.0 | null 7`` stands for 10 journeys
that went ``a → b → c``: 3 converted (worth 120.0 together) and 7 did not.  It becomes **one**
journey of :class:`alignment.tables.Journeys` with multiplicities ``conversions = 3``,
``non_conversions = 7`` and ``revenue = 120.0`` — nothing is expanded in memory, and every
model gives the same result as on the expanded long table.  See ``docs/attribution/paths.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._colnames import by_keyword
from .._frames import Categorical, factorize, numeric, read_table
from ..errors import DataValidationError, ParameterError, reject_rows
from ._common import check_total

__all__ = ["ParsedPaths", "parse_paths"]

_TABLE = "paths"
DEFAULT_VALUE = "total_conversion_value"
DEFAULT_NULL = "total_null"


class ParsedPaths:
    """Arrays parsed from aggregated paths (one journey per input row).

    Attributes
    ----------
    offsets : ndarray of int64, shape (n_paths + 1,)
    channel_codes : ndarray of int32, shape (n_touches,)
    channels : ndarray of object (sorted channel names)
    position : ndarray of int64, shape (n_touches,)
        Position of each touch within its path (0-based).
    row : ndarray of int64, shape (n_touches,)
        Input row (path) of each touch.
    conversions, non_conversions, revenue : ndarray of float64, shape (n_paths,)
    """

    def __init__(
        self,
        offsets: np.ndarray,
        channel_codes: np.ndarray,
        channels: np.ndarray,
        conversions: np.ndarray,
        non_conversions: np.ndarray,
        revenue: np.ndarray,
        backend: str = "dict",
    ) -> None:
        self.backend = backend
        self.offsets = offsets
        self.channel_codes = channel_codes
        self.channels = channels
        self.conversions = conversions
        self.non_conversions = non_conversions
        self.revenue = revenue
        lengths = np.diff(offsets)
        n = offsets.size - 1
        self.row = np.repeat(np.arange(n, dtype=np.int64), lengths)
        self.position = np.arange(int(offsets[-1]), dtype=np.int64) - np.repeat(
            offsets[:-1], lengths
        )

    @property
    def n_paths(self) -> int:
        """Number of paths (input rows)."""
        return int(self.offsets.size - 1)


#: joins the rows before one ``str.split``: a standalone segment equal to it marks a row end
_ROW_BREAK = "\x1f"


def _split(rows: list[str], core: str) -> tuple[np.ndarray, np.ndarray]:
    """Split every row on ``core`` with one C-level ``join``/``split`` over all rows.

    Returns the number of segments per row and the flat segments (object array).
    """
    n = len(rows)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    joined = (core + _ROW_BREAK + core).join(rows)
    if joined.count(_ROW_BREAK) == n - 1:
        parts = np.array(joined.split(core), dtype=object)
        brk = parts == _ROW_BREAK
        seg_row = np.cumsum(brk)[~brk]
        return np.bincount(seg_row, minlength=n).astype(np.int64), parts[~brk]
    # the row-break character occurs in a path: count per row instead
    counts = np.array([r.count(core) + 1 for r in rows], dtype=np.int64)
    return counts, np.array(core.join(rows).split(core), dtype=object)


def _counts(raw: np.ndarray, column: str) -> np.ndarray:
    out = numeric(raw, column=column, table=_TABLE, nonnegative=True, count=True)
    reject_rows(
        out != np.floor(out),
        "fractional count: counts of journeys must be whole numbers",
        column=column,
        table=_TABLE,
        values=out,
        fix="round the counts, or check that this is the count column and not a rate",
    )
    return out


def parse_paths(
    data: Any,
    *,
    path: str = "path",
    conversions: str = "total_conversions",
    value: str | None = DEFAULT_VALUE,
    null: str | None = DEFAULT_NULL,
    sep: str = " > ",
) -> ParsedPaths:
    """Parse and validate aggregated paths into CSR arrays (see :func:`journeys_from_paths`)."""
    if not isinstance(sep, str) or not sep:
        raise ParameterError(f"sep must be a non-empty string, got {sep!r}")
    required = [path, conversions]
    optional: list[str] = []
    for name, default in ((value, DEFAULT_VALUE), (null, DEFAULT_NULL)):
        if name is None:
            continue
        (optional if name == default else required).append(name)
    fix = by_keyword(
        {path: "path", conversions: "conversions", value or "": "value", null or "": "null"}
    )
    raw = read_table(data, table=_TABLE, required=required, optional=optional, fix=fix)
    n = raw.n_rows

    # ---- counts and values ---------------------------------------------------------------
    conv = _counts(raw.columns[conversions], conversions)
    nulls = (
        _counts(raw.columns[null], null)
        if null is not None and null in raw.columns
        else np.zeros(n, dtype=np.float64)
    )
    if value is not None and value in raw.columns:
        val = numeric(raw.columns[value], column=value, table=_TABLE, nonnegative=True)
        check_total(val, column=value, table=_TABLE)
        reject_rows(
            (val > 0) & (conv == 0),
            "conversion value on a path without conversions",
            column=value,
            table=_TABLE,
            values=val,
            fix=f"set {value!r} to 0 where {conversions!r} is 0, or fix the conversion count",
        )
    else:
        val = np.zeros(n, dtype=np.float64)

    # ---- path strings: parse each distinct path once, then expand to the rows ------------
    col = raw.columns[path]
    if isinstance(col, Categorical):  # factorised by the frame library already
        path_cat = col
    else:
        arr = np.asarray(col)
        if n and arr.dtype.kind not in "OUS":
            raise DataValidationError(
                f"path must be a string column, got dtype {arr.dtype}",
                column=path,
                table=_TABLE,
                fix="give paths as strings such as 'a > b > c'",
            )
        path_cat = factorize(arr, column=path, table=_TABLE, allow_missing=True)
    row_code = np.asarray(path_cat.codes, dtype=np.int64)
    reject_rows(
        row_code < 0,
        "missing path",
        column=path,
        table=_TABLE,
        fix="drop these rows or give each a path such as 'a > b > c'",
    )
    distinct = [str(x) for x in np.asarray(path_cat.categories, dtype=object).tolist()]
    core = sep.strip() or sep
    seg_count, raw_segments = _split(distinct, core)
    seg_start = np.zeros(len(distinct) + 1, dtype=np.int64)
    np.cumsum(seg_count, out=seg_start[1:])
    # factorise the raw segments, then strip only their distinct values
    raw_cat = factorize(raw_segments, column=path, table=_TABLE)
    stripped = np.char.strip(np.asarray(raw_cat.categories, dtype=str))
    empty_value = np.char.str_len(stripped) == 0
    if empty_value.any():
        bad_path = np.zeros(len(distinct), dtype=bool)
        seg_path = np.repeat(np.arange(len(distinct), dtype=np.int64), seg_count)
        bad_path[seg_path[empty_value[raw_cat.codes]]] = True
        whole = bad_path & (seg_count == 1)  # nothing but spaces
        kind = whole if whole.any() else bad_path
        rows = np.flatnonzero(kind[row_code])
        raise DataValidationError(
            "empty path"
            if whole.any()
            else f"path with an empty step (separator {core!r} at the start, at the end or "
            "twice in a row)",
            column=path,
            table=_TABLE,
            rows=rows,
            value=distinct[int(row_code[rows[0]])],
            fix="drop these rows, or name the channel (e.g. 'direct') of journeys without touches"
            if whole.any()
            else f"remove the stray separators, e.g. 'a {core}  {core} b' → 'a {core} b'",
        )
    channels, merge = np.unique(stripped, return_inverse=True)
    segment_code = merge.ravel().astype(np.int32)[raw_cat.codes]
    # expand: row i holds the segments of its distinct path
    lengths = seg_count[row_code]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    source = np.arange(int(offsets[-1]), dtype=np.int64) + np.repeat(
        seg_start[:-1][row_code] - offsets[:-1], lengths
    )
    codes = segment_code[source]
    return ParsedPaths(
        offsets=offsets,
        channel_codes=codes,
        channels=channels.astype(object),
        conversions=conv,
        non_conversions=nulls,
        revenue=val,
        backend=raw.backend,
    )
