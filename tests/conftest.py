"""Shared fixtures: the backend constructor fixture runs a case for every input kind."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

from alignment._frames import to_native

BACKENDS = ["dict", "pandas", "polars", "pyarrow"]


def make_input(columns: Mapping[str, Any], backend: str) -> Any:
    """Build the caller's data for ``backend`` from plain columns (lists or arrays)."""
    cols = {}
    for k, v in columns.items():
        arr = np.asarray(v)
        if arr.dtype.kind in "US" or (arr.dtype.kind == "O"):
            arr = np.asarray(list(v), dtype=object)
        cols[k] = arr
    if backend == "dict":
        return {k: (list(v) if v.dtype.kind == "O" else v) for k, v in cols.items()}
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    return to_native(cols, backend)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Name of an input backend: dict, pandas, polars, pyarrow."""
    return str(request.param)


@pytest.fixture
def constructor(backend: str) -> Callable[[Mapping[str, Any]], Any]:
    """Turn plain columns into the caller's data for the current backend."""

    def build(columns: Mapping[str, Any]) -> Any:
        return make_input(columns, backend)

    return build
