"""A bundle's table whose text columns are held as codes until the table is first read.

:class:`~alignment.CRMData` gives each table as a dict of numpy arrays, text as ``object``
arrays of ``str``.  Making those strings is the longest step of building a large bundle (a
Python string per row of the touches and activities), and the engines never read them: they
group by the codes (``CRMData._coded_table``).  So the reader and the synthetic generator
may hand a table over as a :class:`LaterTable`: its other columns as arrays, each text column
as codes into its texts.  The bundle's attribute (:class:`TableField`) makes the dict of arrays
on first read, once (under a lock), with the values the eager build gives; until then the
engines read the codes.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["TABLE_LOCK", "LaterTable", "TableField", "held_rows", "spread_text"]

TABLE_LOCK = threading.RLock()
"""Held while a table is made and while a bundle's codes of a table not made yet are noted
(tables are made rarely, once each: one lock for every bundle)."""


class LaterTable:
    """A table of ``n_rows`` rows: arrays, and text columns as ``(codes, texts)`` pairs.

    ``codes`` are integers (``-1``: missing) into ``texts``, an object array of ``str`` (a
    text may repeat; ``None`` stands for a missing value too).  Read-only by convention:
    nothing changes it once made.
    """

    __slots__ = ("columns", "n_rows")

    def __init__(
        self, columns: Mapping[str, np.ndarray | tuple[np.ndarray, np.ndarray]], n_rows: int
    ) -> None:
        self.columns = dict(columns)
        self.n_rows = int(n_rows)

    def arrays(self) -> dict[str, np.ndarray]:
        """The columns held as arrays (not the text columns held as codes)."""
        return {k: v for k, v in self.columns.items() if isinstance(v, np.ndarray)}


def spread_text(codes: np.ndarray, texts: np.ndarray) -> np.ndarray:
    """``texts[codes]`` as a new read-only object array, ``None`` where a code is ``-1``."""
    table = np.empty(texts.size + 1, dtype=object)
    table[:-1] = texts
    table[-1] = None
    out: np.ndarray = table[codes]
    out.flags.writeable = False
    return out


def held_rows(held: Any) -> int:
    """The number of rows of a table as held: a dict of arrays or a :class:`LaterTable`."""
    if isinstance(held, LaterTable):
        return held.n_rows
    return int(next(iter(held.values())).shape[0]) if held else 0


class TableField:
    """A bundle's table attribute: a dict of arrays, made from a :class:`LaterTable` on the
    first read (its text columns' strings written then, once).

    The owner keeps what it was given in its instance ``__dict__`` under the same name; when
    the table is made, ``owner._made(name, table)`` is told (to keep the codes of each text
    column beside the array made of them).
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> dict[str, np.ndarray]:
        held = None if obj is None else obj.__dict__.get(self._name)
        if held is None:  # (a dataclass field without a default; a bundle not built yet)
            raise AttributeError(self._name)
        if not isinstance(held, LaterTable):
            return held  # type: ignore[no-any-return]
        with TABLE_LOCK:
            held = obj.__dict__[self._name]
            if isinstance(held, LaterTable):  # (not made by another thread meanwhile)
                table = {
                    k: spread_text(*v) if isinstance(v, tuple) else v
                    for k, v in held.columns.items()
                }
                obj._made(self._name, held, table)
                obj.__dict__[self._name] = held = table
        return held

    def __set__(self, obj: Any, value: dict[str, np.ndarray] | LaterTable) -> None:
        obj.__dict__[self._name] = value
