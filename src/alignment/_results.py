"""Building blocks shared by the result objects of every engine.

:class:`ReportTable` is the immutable table of equal-length numpy columns that the SLA and
closed-loop results are made of.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import numpy as np

from ._frames import to_native

__all__ = ["ReportTable"]

_HTML_ROWS = 20


class ReportTable(Mapping[str, np.ndarray]):
    """An immutable table of equal-length numpy columns.

    Behaves as a read-only mapping column name → array; :meth:`to_frame` gives the caller's
    backend (pandas, Polars, PyArrow or a dict of arrays), ``_repr_html_`` a notebook table.
    """

    title: ClassVar[str] = "table"

    def __init__(self, columns: Mapping[str, np.ndarray], *, backend: str | None = None) -> None:
        cols: dict[str, np.ndarray] = {}
        n: int | None = None
        for k, v in columns.items():
            arr = np.asarray(v)
            arr.flags.writeable = False
            if n is None:
                n = arr.shape[0]
            elif arr.shape[0] != n:
                raise ValueError(f"column {k!r} has {arr.shape[0]} rows, expected {n}")
            cols[k] = arr
        self._columns = cols
        self._n = n or 0
        self._backend = backend

    def __getitem__(self, key: str) -> np.ndarray:
        return self._columns[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return self._n

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names, in order."""
        return tuple(self._columns)

    def to_frame(self, backend: str | None = None) -> Any:
        """The table in ``backend`` (``"pandas"``, ``"polars"``, ``"pyarrow"``, ``"dict"``).

        Default: the backend of the caller's lead data.
        """
        cols = {  # every backend reads microsecond durations (Polars refuses seconds)
            k: (v.astype("timedelta64[us]") if v.dtype.kind == "m" else v)
            for k, v in self._columns.items()
        }
        return to_native(cols, backend or self._backend)

    def _repr_html_(self) -> str:
        from ._display import preview

        return preview(f"{self.title} ({self._n:,} rows)", self._columns, max_rows=_HTML_ROWS)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._n} rows; columns: {', '.join(self._columns)})"
