"""Columns of lists of single values (a deal's contact ids as ``list<int64>``) taken out of a
frame, eager or lazy, or a dict of columns, for :mod:`alignment.io`.

Part of the one dataframe boundary: narwhals and pyarrow are imported lazily, inside the
function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._sources import open_source

__all__ = ["list_elements"]


def list_elements(data: Any, column: str, *, table: str) -> tuple[np.ndarray, Any] | None:
    """Column ``column`` of ``data`` (a frame, eager or lazy, or a dict of columns) when it holds
    lists of single values: each row's length (``-1``: a null list) and the elements, list after
    list, as a PyArrow array (read by PyArrow); ``None`` for any other column."""
    import narwhals.stable.v2 as nw
    import pyarrow as pa
    import pyarrow.compute as pc

    source = None if isinstance(data, Mapping) else open_source(data, table=table)
    if source is not None:
        data = source.collect([column]) if column in source.names else {}
    if isinstance(data, Mapping):
        value = data.get(column)
        if hasattr(value, "buffers") and hasattr(value, "type"):  # (a PyArrow array: one chunk)
            value = pa.chunked_array([value])
        series = nw.from_native(value, series_only=True, pass_through=True)
    else:
        frame = nw.from_native(data, eager_only=True, pass_through=True)
        labels = {str(c): c for c in getattr(frame, "columns", ())}
        series = frame.get_column(labels[column]) if column in labels else None
    if not isinstance(series, nw.Series) or series.dtype not in (nw.List, nw.Array):
        return None
    lists = series.to_arrow()
    if pa.types.is_nested(lists.type.value_type):  # (lists of lists or of records)
        return None
    lengths = pc.list_value_length(lists).fill_null(-1).to_numpy(zero_copy_only=False)
    return np.asarray(lengths, dtype=np.int64), pc.list_flatten(lists)
