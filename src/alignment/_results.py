"""Building blocks shared by the result objects of every engine.

:class:`ReportTable` is the immutable table of equal-length numpy columns that the SLA and
closed-loop results are made of.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import numpy as np

from ._frames import to_native

__all__ = ["ReportTable", "Result"]

_HTML_ROWS = 20


class Result:
    """The one contract of every result object.

    Every result returned by an engine has these four methods, with the same names, argument
    order and defaults; ``docs/results.md`` documents them once.  None of them recomputes the
    model: they read what the engine computed.

    * ``to_frame(level=None, backend=None)`` — a table of the result.  ``level`` picks which
      table (each class documents its levels; ``None`` is its main table); ``backend`` is
      ``"pandas"``, ``"polars"``, ``"pyarrow"`` or ``"dict"`` (default: the backend of the
      caller's input).
    * ``summary()`` — a ``dict`` of headline figures (plain Python scalars, NaN where not
      measured).
    * ``_repr_html_()`` — the notebook view.
    * ``plot(ax=None, **options)`` — a matplotlib chart; returns ``(figure, axes)``.
    """

    #: the levels ``to_frame`` accepts (the first is the default, ``level=None``)
    levels: ClassVar[tuple[str, ...]] = ()

    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
        """The result as a frame of ``backend``; ``level`` picks the table (see :attr:`levels`)."""
        raise NotImplementedError

    def summary(self) -> dict[str, Any]:
        """Headline figures as a dict of plain Python scalars."""
        raise NotImplementedError

    def _repr_html_(self) -> str:
        raise NotImplementedError

    def plot(self, ax: Any = None, **options: Any) -> tuple[Any, Any]:
        """Draw the result on ``ax`` (default: a new figure); returns ``(figure, axes)``."""
        raise NotImplementedError

    def _level(self, level: str | None) -> str:
        """``level`` checked against :attr:`levels` (``None`` → the first)."""
        from .errors import ParameterError

        if level is None:
            return self.levels[0]
        if level not in self.levels:
            raise ParameterError(
                f"level must be one of {', '.join(map(repr, self.levels))}, got {level!r}"
            )
        return level


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
