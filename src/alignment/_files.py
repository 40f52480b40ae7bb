"""Files on disk: Parquet through narwhals (PyArrow underneath), behind the one dataframe boundary.

The face (``alignment.cli``) reads and writes files through these functions and never imports a
dataframe library itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import narwhals as nw
import numpy as np

from ._frames import to_native

__all__ = ["read_parquet", "write_parquet"]


def _require_pyarrow() -> None:
    """Raise ImportError when PyArrow's Parquet module cannot be imported."""
    import pyarrow.parquet  # noqa: F401


def read_parquet(path: str | Path) -> Any:
    """Read a Parquet file into a PyArrow table.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    pyarrow.Table
        The file's columns, read by PyArrow.

    Raises
    ------
    ImportError
        PyArrow is not installed.
    """
    _require_pyarrow()
    return nw.read_parquet(str(path), backend="pyarrow").to_native()


def write_parquet(columns: Mapping[str, np.ndarray], path: str | Path) -> None:
    """Write columns of numpy arrays to a Parquet file (through PyArrow).

    Parameters
    ----------
    columns : mapping of str to ndarray
        Equal-length columns.
    path : str or Path
        The file to write.

    Raises
    ------
    ImportError
        PyArrow is not installed.
    """
    _require_pyarrow()
    nw.from_native(to_native(dict(columns), "pyarrow"), eager_only=True).write_parquet(str(path))
