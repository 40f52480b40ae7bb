"""The label of the group of rows without a value, and the refusal of a real value that equals it.

A group-by (``funnel.observe(by=...)``, ``closed_loop(by=...)``, ``speed_to_lead(by=...)``, the
SLA's ``marketing.split_by``, ``AttributionResult.totals(by=...)``) shows the rows whose value is
missing as one more group labelled :data:`MISSING_LABEL`.  A cell whose text really is that label,
in a column that also has rows without a value, would be shown under the same name: two
populations under one key.  Such a value is refused, with the rows that hold it; without
missing rows it is a group like any other.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import DataValidationError

__all__ = ["MISSING_LABEL", "refuse_missing_label"]

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
    hit = np.flatnonzero(np.asarray(categories, dtype=object) == MISSING_LABEL)
    if hit.size == 0 or not bool((np.asarray(codes) < 0).any()):
        return  # (no such value, or no row without a value: nothing merges)
    where = np.flatnonzero(np.isin(np.asarray(codes), hit)) if rows else None
    raise DataValidationError(
        f"the text {MISSING_LABEL!r} is the label of the group of rows without a {column}: "
        "grouped, these rows would merge with the rows that have no value",
        column=column,
        table=table,
        rows=where,
        value=MISSING_LABEL,
        fix="leave the cell empty if it means no value, or rename the value",
    )
