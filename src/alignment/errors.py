"""The exception and warning hierarchy of :mod:`alignment`.

Every error the library raises on purpose derives from :class:`AlignmentError`, so a
caller can catch them all at once.  Data errors (:class:`DataValidationError`) name the
column, the first offending rows, how many rows are affected, the bad value and the fix.

Examples
--------
>>> import alignment
>>> try:
...     alignment.Deal(deal_id="", lead_id="L1", created_at="2024-01-01T00:00:00Z", amount=1.0)
... except alignment.DataValidationError as exc:
...     print(type(exc).__name__, exc.table, exc.column)
ModelValidationError Deal deal_id
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "AlignmentError",
    "AlignmentWarning",
    "ConvergenceWarning",
    "DataValidationError",
    "MissingColumnError",
    "ModelValidationError",
    "NotFittedError",
    "ParameterError",
    "PluginError",
    "UnknownModelError",
    "reject_rows",
]

#: how many offending rows an error message shows
MAX_ROWS_SHOWN = 5


class AlignmentError(Exception):
    """Root of every error raised on purpose by :mod:`alignment`."""


class DataValidationError(AlignmentError, ValueError):
    """Input data that cannot be used as given.

    Parameters
    ----------
    problem : str
        What is wrong, in one sentence.
    column : str, optional
        The column (or field) at fault.
    rows : sequence of int or ndarray, optional
        Positions (0-based, in the caller's row order) of the offending rows; the first
        :data:`MAX_ROWS_SHOWN` are shown, and the count of all of them.
    value : object, optional
        An offending value (the first one).
    fix : str, optional
        How to fix the input.
    table : str, optional
        The table or argument the column belongs to (``"touchpoints"``, ``"leads"`` …).

    Attributes
    ----------
    column, rows, n_rows, value, fix, table, problem
        The parts of the message, kept for programs that handle the error.
    """

    def __init__(
        self,
        problem: str,
        *,
        column: str | None = None,
        rows: Sequence[int] | np.ndarray | None = None,
        value: Any = None,
        fix: str | None = None,
        table: str | None = None,
    ) -> None:
        self.problem = problem
        self.column = column
        self.table = table
        if rows is not None:
            arr = np.asarray(rows, dtype=np.int64).ravel()
            self.rows: list[int] = [int(r) for r in arr[:MAX_ROWS_SHOWN]]
            self.n_rows: int = int(arr.size)
        else:
            self.rows = []
            self.n_rows = 0
        self.value = value
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.table:
            where.append(self.table)
        if self.column is not None:
            where.append(f"column {self.column!r}")
        head = (" ".join(where) + ": ") if where else ""
        parts = [head + self.problem]
        if self.n_rows:
            shown = ", ".join(str(r) for r in self.rows)
            more = (
                f" (and {self.n_rows - len(self.rows)} more)"
                if self.n_rows > len(self.rows)
                else ""
            )
            parts.append(f"{self.n_rows} row(s) affected, first at position(s) {shown}{more}")
        if self.value is not None:
            parts.append(f"bad value: {self.value!r}")
        if self.fix:
            parts.append(f"fix: {self.fix}")
        return "; ".join(parts)


def reject_rows(
    bad: np.ndarray,
    problem: str,
    *,
    column: str | None = None,
    values: Any = None,
    fix: str | None = None,
    table: str | None = None,
    positions: np.ndarray | None = None,
) -> None:
    """Raise :class:`DataValidationError` for the rows where ``bad`` is true; return otherwise.

    The one helper for "find the bad rows, name them": every check of a column goes
    ``reject_rows(mask, problem, column=..., values=column_values, fix=..., table=...)``.

    Parameters
    ----------
    bad : ndarray of bool
        One flag per row, true where the row is unusable.
    problem : str
        What is wrong, in one sentence.
    column, fix, table : str, optional
        As in :class:`DataValidationError`.
    values : array-like, optional
        The column's values, aligned with ``bad``; the first bad one is shown.
    positions : ndarray of int, optional
        The caller's row position of each flagged row (when ``bad`` is aligned with a sorted
        or filtered view); default: the index of the row in ``bad``.

    Raises
    ------
    DataValidationError
        When any row is flagged.

    Examples
    --------
    >>> import numpy as np
    >>> from alignment.errors import reject_rows
    >>> x = np.array([1.0, -2.0, 3.0])
    >>> reject_rows(x < 0, "revenue must be >= 0", column="revenue", values=x, fix="drop refunds")
    Traceback (most recent call last):
    ...
    alignment.errors.DataValidationError: column 'revenue': revenue must be >= 0; 1 row(s) affected, first at position(s) 1; bad value: -2.0; fix: drop refunds
    """
    mask = np.asarray(bad, dtype=bool)
    if not mask.any():
        return
    rows = np.flatnonzero(mask)
    first = None
    if values is not None:
        first = np.asarray(values)[rows[0]] if np.ndim(values) else values
        if isinstance(first, np.generic):  # shown as a plain Python value
            first = first.item()
    shown = rows if positions is None else np.asarray(positions)[rows]
    raise DataValidationError(problem, column=column, rows=shown, value=first, fix=fix, table=table)


class ModelValidationError(DataValidationError):
    """A record model (``Lead``, ``Deal``, ``SLA`` …) built from invalid fields.

    The one rule for model validation: the constructor and ``model_validate`` raise this
    :class:`DataValidationError`; ``table`` names the model, ``column`` the (first) field,
    ``value`` its bad input, and ``errors`` keeps pydantic's details (a list of dicts with
    ``loc``, ``msg``, ``type``, ``input``); pydantic's exception is the ``__cause__``.
    """

    errors: list[Any]

    def __init__(self, problem: str, **kwargs: Any) -> None:
        super().__init__(problem, **kwargs)
        self.errors = []


class MissingColumnError(DataValidationError, KeyError):
    """A required column is not in the input."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self._message()


class ParameterError(AlignmentError, ValueError):
    """A parameter of a call or of a model is invalid (e.g. a half-life of zero)."""


class UnknownModelError(AlignmentError, LookupError):
    """A model, scorer or plugin name that is not registered.

    Parameters
    ----------
    kind : str
        ``"attribution model"``, ``"scorer"`` …
    name : str
        The name asked for.
    available : sequence of str
        The registered names; the message lists them and suggests a close match.
    """

    def __init__(self, kind: str, name: str, available: Sequence[str]) -> None:
        import difflib

        self.kind = kind
        self.name = name
        self.available = sorted(available)
        close = difflib.get_close_matches(name, self.available, n=1)
        self.suggestion = close[0] if close else None
        msg = f"unknown {kind} {name!r}; available: {', '.join(self.available) or '(none)'}"
        if self.suggestion:
            msg += f". Did you mean {self.suggestion!r}?"
        super().__init__(msg)

    def __str__(self) -> str:
        return str(self.args[0])


class PluginError(AlignmentError):
    """A plugin failed to load or to register, or registered something invalid.

    Parameters
    ----------
    message : str
        What went wrong.
    plugin : str, optional
        The plugin's name; the original exception is kept as ``__cause__``.
    """

    def __init__(self, message: str, *, plugin: str | None = None) -> None:
        self.plugin = plugin
        super().__init__(f"plugin {plugin!r}: {message}" if plugin else message)


class NotFittedError(AlignmentError, AttributeError):
    """A model that learns was used before :meth:`fit`."""


class AlignmentWarning(UserWarning):
    """Root of the warnings issued by :mod:`alignment`."""


class ConvergenceWarning(AlignmentWarning):
    """An iterative fit stopped before converging."""
