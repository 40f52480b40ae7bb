"""The static types of the tables results give back, by ``backend``.

Every public ``to_frame`` returns a pandas ``DataFrame``, a Polars ``DataFrame``, a PyArrow
``Table`` or a ``dict`` of numpy arrays, as its ``backend`` argument says.  The protocols here
tell a type checker which: ``result.to_frame(backend="polars")`` is a ``polars.DataFrame``.
Without ``backend`` the table comes back in the backend of the caller's input, known at run
time only, so it is typed ``Any``; pass ``backend=`` (by keyword) to have it checked.

The decorators :func:`level_frames` and :func:`table_frames` give a ``to_frame`` method that
type; at run time they return the method unchanged.  Nothing here imports a frame library at
run time: they are optional.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, cast, overload

from numpy.typing import NDArray

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa

__all__ = [
    "Columns",
    "JourneyFrames",
    "LevelFrames",
    "TableFrames",
    "dict_frames",
    "journey_frames",
    "level_frames",
    "pandas_frames",
    "table_frames",
]

#: ``backend="dict"``: column name → numpy array
Columns = dict[str, NDArray[Any]]

_D_co = TypeVar("_D_co", covariant=True)


class LevelFrames(Protocol):
    """``to_frame(level=None, backend=None)`` of a result, typed by ``backend``.

    ``backend`` given by keyword as one of the four names gives that backend's type; without
    it (the input's backend), or as a ``str`` variable, the table is ``Any``.
    """

    @overload
    def __call__(self, level: str | None = None, *, backend: Literal["pandas"]) -> pd.DataFrame: ...
    @overload
    def __call__(self, level: str | None = None, *, backend: Literal["polars"]) -> pl.DataFrame: ...
    @overload
    def __call__(self, level: str | None = None, *, backend: Literal["pyarrow"]) -> pa.Table: ...
    @overload
    def __call__(self, level: str | None = None, *, backend: Literal["dict"]) -> Columns: ...
    @overload
    def __call__(self, level: str | None = None, backend: str | None = None) -> Any: ...


class TableFrames(Protocol[_D_co]):
    """``to_frame(backend)`` of a table, typed by ``backend``; ``_D_co`` is the default's type.

    ``backend`` as one of the four names (by position or keyword) gives that backend's type;
    no argument gives ``_D_co`` (``Any``: the input's backend), a ``str`` variable ``Any``.
    """

    @overload
    def __call__(self, backend: Literal["pandas"]) -> pd.DataFrame: ...
    @overload
    def __call__(self, backend: Literal["polars"]) -> pl.DataFrame: ...
    @overload
    def __call__(self, backend: Literal["pyarrow"]) -> pa.Table: ...
    @overload
    def __call__(self, backend: Literal["dict"]) -> Columns: ...
    @overload
    def __call__(self) -> _D_co: ...
    @overload
    def __call__(self, backend: str | None) -> Any: ...


class JourneyFrames(Protocol):
    """``Journeys.to_frame(backend=None, *, caller_order=False)``, typed by ``backend``."""

    @overload
    def __call__(
        self, backend: Literal["pandas"], *, caller_order: bool = False
    ) -> pd.DataFrame: ...
    @overload
    def __call__(
        self, backend: Literal["polars"], *, caller_order: bool = False
    ) -> pl.DataFrame: ...
    @overload
    def __call__(self, backend: Literal["pyarrow"], *, caller_order: bool = False) -> pa.Table: ...
    @overload
    def __call__(self, backend: Literal["dict"], *, caller_order: bool = False) -> Columns: ...
    @overload
    def __call__(self, backend: str | None = None, *, caller_order: bool = False) -> Any: ...


def level_frames(method: Callable[[Any, str | None, Any], Any]) -> LevelFrames:
    """Type a result's ``to_frame(self, level=None, backend=None)`` as :class:`LevelFrames`."""
    return cast("LevelFrames", method)  # the same function, typed


def table_frames(method: Callable[[Any, Any], Any]) -> TableFrames[Any]:
    """Type a table's ``to_frame(self, backend=None)`` as :class:`TableFrames` (default ``Any``)."""
    return cast("TableFrames[Any]", method)  # the same function, typed


def journey_frames(method: Callable[..., Any]) -> JourneyFrames:
    """Type ``Journeys.to_frame`` as :class:`JourneyFrames`."""
    return cast("JourneyFrames", method)  # the same function, typed


def dict_frames(method: Callable[[Any, Any], Any]) -> TableFrames[Columns]:
    """As :func:`table_frames`, for a method whose default backend is ``"dict"``."""
    return cast("TableFrames[Columns]", method)  # the same function, typed


def pandas_frames(method: Callable[[Any, Any], Any]) -> TableFrames[pd.DataFrame]:
    """As :func:`table_frames`, for a method whose default backend is ``"pandas"``."""
    return cast("TableFrames[pd.DataFrame]", method)  # the same function, typed
