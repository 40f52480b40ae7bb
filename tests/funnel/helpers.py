"""Test helpers: read any backend's frame back as plain lists."""

from __future__ import annotations

from typing import Any

BACKENDS = ["dict", "pandas", "polars", "pyarrow"]


def as_lists(frame: Any) -> dict[str, list[Any]]:
    """Columns of a dict / pandas / Polars / PyArrow frame as Python lists."""
    if isinstance(frame, dict):
        return {k: list(v.tolist()) for k, v in frame.items()}
    module = type(frame).__module__
    if module.startswith("pandas"):
        return {str(k): frame[k].tolist() for k in frame.columns}
    if module.startswith("polars"):
        return {k: frame[k].to_list() for k in frame.columns}
    if module.startswith("pyarrow"):
        return {k: frame.column(k).to_pylist() for k in frame.column_names}
    raise TypeError(type(frame))
