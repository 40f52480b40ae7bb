"""The label of the group of rows without a value, and the refusal of a real value that equals it.

A group-by (``funnel.observe(by=...)``, ``closed_loop(by=...)``, ``speed_to_lead(by=...)``, the
SLA's ``marketing.split_by``, ``AttributionResult.totals(by=...)``) shows the rows whose value is
missing as one more group labelled :data:`MISSING_LABEL`.  A cell whose text really is that label,
in a column that also has rows without a value, would be shown under the same name: two
populations under one key.  Such a value is refused, with the rows that hold it; without
missing rows it is a group like any other.

In a part of a call (a Dask partition, inside :func:`kept_labels`) a column may hold the
value in one part and rows without a value in another: each part keeps what it found
(:class:`LabelSeen`), even both halves, and the backend refuses the merged column as memory
refuses it (:func:`merged_label_error`): with the rows of every part, whatever the
partitioning.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DataValidationError

__all__ = [
    "MISSING_LABEL",
    "LabelSeen",
    "kept_labels",
    "merged_label_error",
    "refuse_missing_label",
]

#: The group label of the rows without a value.
MISSING_LABEL = "(missing)"


def refuse_missing_label(
    categories: Any, codes: Any, *, column: str, table: str = "leads", rows: bool = True
) -> None:
    """Refuse a column (its distinct ``categories`` and each row's code into them, ``-1`` for
    missing) that holds the text :data:`MISSING_LABEL` as a real value and rows without a value,
    which would be shown under the same label; ``rows=False``: the codes are not in the
    caller's row order (the rows are not named).

    Raises
    ------
    DataValidationError
        Naming the column and the rows holding the value: shown as a group, it would merge with
        the group of the rows without a value.
    """
    codes = np.asarray(codes)
    hit = np.flatnonzero(np.asarray(categories, dtype=object) == MISSING_LABEL)
    missing = bool((codes < 0).any())
    if hit.size == 0 and not missing:
        return
    held = np.flatnonzero(np.isin(codes, hit)) if hit.size else np.zeros(0, np.int64)
    kept = _KEPT.get()
    if kept is None:
        if hit.size and missing:
            raise merged_label_error(column, table, held if rows else None)
        return
    # a part of a call: judged over every part (the rows of the others too)
    seen = LabelSeen(held.tolist() if rows else None, int(held.size), missing, bool(hit.size))
    before = kept.get((table, column))
    kept[(table, column)] = seen if before is None else before.merged(seen)


@dataclass(frozen=True)
class LabelSeen:
    """What a part of a call found in a label column: the rows holding :data:`MISSING_LABEL`
    (``None``: not in the caller's row order), their count, whether rows lack a value, and
    whether the value is among the column's values (``listed``: as memory judges it, among
    the categories, even where none of the rows judged holds it)."""

    rows: list[Any] | None = None
    n: int = 0
    missing: bool = False
    listed: bool = False

    def merged(self, other: LabelSeen) -> LabelSeen:
        """Both findings together (rows once each, in order: a column may be judged twice)."""
        missing, listed = self.missing or other.missing, self.listed or other.listed
        if self.rows is None or other.rows is None:
            return LabelSeen(None, max(self.n, other.n), missing, listed)
        rows = sorted({*self.rows, *other.rows})
        return LabelSeen(rows, len(rows), missing, listed)

    @property
    def merges(self) -> bool:
        """Whether the value and rows without a value are both there (refused)."""
        return self.listed and self.missing


_KEPT: ContextVar[dict[tuple[str, str], LabelSeen] | None] = ContextVar(
    "alignment_labels", default=None
)


@contextlib.contextmanager
def kept_labels() -> Iterator[dict[tuple[str, str], LabelSeen]]:
    """Run a part of a call: what a label column holds (:data:`MISSING_LABEL`, rows lacking a
    value, or both) is kept in the dict yielded (by ``(table, column)``), not refused, for the
    backend to judge over every part (the refusal names the rows of every part)."""
    kept: dict[tuple[str, str], LabelSeen] = {}
    token = _KEPT.set(kept)
    try:
        yield kept
    finally:
        _KEPT.reset(token)


def merged_label_error(column: str, table: str, rows: Any) -> DataValidationError:
    """The refusal of :func:`refuse_missing_label` (``rows``: those holding the value, or
    ``None``)."""
    return DataValidationError(
        f"the text {MISSING_LABEL!r} is the label of the group of rows without a {column}: "
        "grouped, these rows would merge with the rows that have no value",
        column=column,
        table=table,
        rows=rows,
        value=MISSING_LABEL,
        fix="leave the cell empty if it means no value, or rename the value",
    )
