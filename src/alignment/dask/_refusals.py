"""The touch columns refused on use (a default label column holding no label), judged over
every partition.

A column kept by default that holds no label (a ``kind`` of fractions, a stray flag column) is
refused where it is used (:func:`alignment.tables._labels.label_columns`): by the per-touch
frame, which shows every touch column.  The frame's partitions are computed apart, so the first
one refused would end the computation naming its rows only; instead, the pass of
``alignment.attribute`` notes each partition's refusals (no extra pass: the column was read when
the partition's table was built), merges them over every partition, and ``to_frame("touch")``
raises the merged error, naming the rows of all, as memory does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._columns import DeferredCategorical
from ..errors import DataValidationError
from ._common import Failure, carried, input_rows

__all__ = ["merge_refused", "raise_refused", "refused_columns"]


def refused_columns(journeys: Any) -> dict[str, Failure]:
    """The touch columns of a partition's table refused on use, each with its error (rows by
    input partition and position), in the table's column order."""
    out: dict[str, Failure] = {}
    for name, column in (getattr(journeys, "touch_columns", None) or {}).items():
        if not isinstance(column, DeferredCategorical):
            continue
        try:
            column.codes  # noqa: B018 (read: a column refused on use raises its error)
        except DataValidationError as exc:
            out[name] = carried(exc)
    return out


def merge_refused(a: Mapping[str, Failure], b: Mapping[str, Failure]) -> dict[str, Failure]:
    """The refusals of two sets of partitions: one error per column naming the rows of both
    (:meth:`Failure.worse`), columns in the order first met."""
    out = dict(a)
    for name, failure in b.items():
        out[name] = out[name].worse(failure) if name in out else failure
    return out


def raise_refused(
    refused: Mapping[str, Failure], order: tuple[str, ...], lengths: np.ndarray
) -> None:
    """Raise the error of the first refused column in ``order`` (the touch columns, as the
    per-touch frame reads them), its rows renumbered in the whole touch input (``lengths``:
    the row count of every input partition); return when none is refused."""
    if not refused:
        return
    first = min(refused, key=lambda n: order.index(n) if n in order else len(order))
    with input_rows({"touchpoints": lengths}):
        refused[first].raise_()
