"""Building blocks shared by the result objects of every engine.

:class:`ReportTable` is the immutable table of equal-length numpy columns that the SLA and
closed-loop results are made of.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, overload

import numpy as np

from ._frame_types import table_frames
from ._frames import BACKENDS, read_only_view, to_native
from ._params import is_option

__all__ = ["CallableDict", "ReportTable", "Result", "frame_backend", "read_only_view", "share_of"]

_HTML_ROWS = 20


def share_of(values: np.ndarray, total: float) -> np.ndarray:
    """``values / total``; NaN throughout when ``total`` is 0 (a share of nothing is 0 / 0:
    not measured, and the result's ``not_measured`` says why)."""
    return np.asarray(values / total if total != 0 else np.full(values.shape, np.nan))


@overload
def frame_backend(backend: Any, default: str) -> str: ...
@overload
def frame_backend(backend: Any, default: str | None) -> str | None: ...
def frame_backend(backend: Any, default: str | None) -> str | None:
    """The backend of a ``to_frame`` call: ``backend``, or ``default`` when it is ``None``.

    Raises
    ------
    ParameterError
        ``backend`` is neither ``None`` nor a backend's name (text): pandas' ``NA``, an array …
        (an unknown name is refused where the frame is built).
    """
    if backend is None:
        return default
    if not isinstance(backend, str):
        from .errors import ParameterError

        raise ParameterError(
            f"backend must be one of {', '.join(map(repr, BACKENDS))} or None, got {backend!r}"
        )
    return backend


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

    The base class holds what is shared (the levels check, the old ``to_frame`` call forms);
    each result class defines the four methods with these signatures, and
    ``tests/core/test_results.py`` checks that they do.
    """

    #: the levels ``to_frame`` accepts (the first is the default, ``level=None``)
    levels: ClassVar[tuple[str, ...]] = ()

    def _level(self, level: str | None) -> str:
        """``level`` checked against :attr:`levels` (``None`` → the first)."""
        from .errors import ParameterError

        if level is None:
            return self.levels[0]
        if not is_option(level, self.levels):
            raise ParameterError(
                f"level must be one of {', '.join(map(repr, self.levels))}, got {level!r}"
            )
        return level

    def _table_frame(self, level: str | None, backend: str | None) -> Any:
        """``to_frame`` of results whose levels are attributes holding a :class:`ReportTable`."""
        level, backend = self._frame_args(level, backend)
        table: ReportTable = getattr(self, level)
        return table.to_frame(backend)

    def _frame_args(
        self,
        level: str | None,
        backend: str | None,
        *,
        open_levels: bool = False,
        old: tuple[str, str | None] = ("", None),
    ) -> tuple[str, str | None]:
        """``(level, backend)`` of a ``to_frame`` call, old call forms included.

        ``to_frame("pandas")`` — the backend as the first argument, the form before levels
        existed — still works, with a :class:`DeprecationWarning`; so does ``old`` = (the
        deprecated keyword that named the level, e.g. ``"table"``, and its value).
        ``open_levels``: any level name is accepted (results that roll up by any key check it
        themselves).
        """
        if level is not None and not isinstance(level, str):
            from .errors import ParameterError

            raise ParameterError(f"level must be a level's name or None, got {level!r}")
        frame_backend(backend, None)
        if level in BACKENDS and level not in self.levels and backend is None:
            warnings.warn(
                f"{type(self).__name__}.to_frame({level!r}): pass the backend by keyword, "
                f"to_frame(backend={level!r}); the first argument is the level",
                DeprecationWarning,
                stacklevel=3,
            )
            level, backend = None, level
        if old[1] is not None:
            warnings.warn(
                f"to_frame({old[0]}=...) is deprecated; use to_frame(level=...)",
                DeprecationWarning,
                stacklevel=3,
            )
            if level is not None and level != old[1]:
                from .errors import ParameterError

                raise ParameterError(
                    f"to_frame got level={level!r} and {old[0]}={old[1]!r}; pass level only"
                )
            level = old[1]
        if open_levels and level is not None:
            return level, backend
        return self._level(level), backend


class CallableDict(dict[str, Any]):
    """A dict of headline figures that is also callable.

    ``report.summary()`` (the result contract) returns a plain ``dict`` copy;
    ``report.summary["x"]`` — the form from before the contract, when ``summary`` was a dict
    attribute — keeps working.
    """

    def __call__(self) -> dict[str, Any]:
        return dict(self)


class ReportTable(Mapping[str, np.ndarray]):
    """An immutable table of equal-length numpy columns.

    Behaves as a read-only mapping column name → array; :meth:`to_frame` gives the caller's
    backend (pandas, Polars, PyArrow or a dict of arrays), ``_repr_html_`` a notebook table.
    ``not_measured`` maps a column to why its missing (NaN) cells have no value; the notebook
    view writes them ``n/a`` with that reason.
    """

    title: ClassVar[str] = "table"

    def __init__(
        self,
        columns: Mapping[str, np.ndarray],
        *,
        backend: str | None = None,
        not_measured: Mapping[str, str] | None = None,
    ) -> None:
        #: per column, why its missing (NaN) cells have no value: shown as "n/a (reason)"
        self.not_measured: dict[str, str] = dict(not_measured or {})
        cols: dict[str, np.ndarray] = {}
        n: int | None = None
        for k, v in columns.items():
            arr = read_only_view(v)  # a view: the caller's array stays writeable
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

    @table_frames
    def to_frame(self, backend: str | None = None) -> Any:
        """The table in ``backend`` (``"pandas"``, ``"polars"``, ``"pyarrow"``, ``"dict"``).

        Default: the backend of the caller's lead data.
        """
        cols = {  # every backend reads microsecond durations (Polars refuses seconds)
            k: (v.astype("timedelta64[us]") if v.dtype.kind == "m" else v)
            for k, v in self._columns.items()
        }
        return to_native(cols, frame_backend(backend, self._backend))

    def _repr_html_(self) -> str:
        from ._display import preview

        title = f"{self.title} ({self._n:,} rows)"
        return preview(title, self._columns, max_rows=_HTML_ROWS, rates=True, na=self.not_measured)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._n} rows; columns: {', '.join(self._columns)})"
