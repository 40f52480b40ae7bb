"""A call's outcome for tests that compare engines or inputs: its value, or its error's fields."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from alignment.errors import AlignmentError


def outcome(call: Callable[[], Any], *, count: bool = True) -> Any:
    """The value of ``call()`` (warnings ignored), or the error it raised as ``(type name,
    problem, column, table, rows, count)``; without ``count`` when ``count=False``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call()
    except AlignmentError as exc:
        rows = None if exc.rows is None else list(exc.rows)
        fields = (type(exc).__name__, exc.problem, exc.column, exc.table, rows)
        return (*fields, exc.n_rows) if count else fields
