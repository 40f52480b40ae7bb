"""Activity kinds and outcomes named by the caller, compared case-insensitively (private).

One rule for :func:`alignment.sla.speed_to_lead` (``attempt_kinds``, ``connect_outcomes``) and
:func:`alignment.sla.evaluate` (an agreement's ``kinds`` and ``per_kind``): a name matches a
value of the activities when both are equal once stripped and case-folded (``"Call"`` is
``"call"``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["carried", "category_hits", "fold_names", "missing_names", "some_values"]


def fold_names(names: Iterable[str]) -> frozenset[str]:
    """The names stripped and case-folded."""
    return frozenset(v.strip().casefold() for v in names)


def category_hits(categories: Any, names: frozenset[str]) -> np.ndarray:
    """Per category (distinct value) of a column: its folded value is in the folded ``names``;
    one more ``False`` at the end, so that indexing with a code ``-1`` (missing) gives ``False``."""
    folded = [str(c).strip().casefold() in names for c in np.asarray(categories).tolist()]
    return np.array([*folded, False], dtype=bool)


def carried(categories: Any, codes: Any) -> list[str]:
    """The distinct values, as sorted text, that some row of a coded column carries (the
    categories whose code occurs: one pass over the codes, no Python loop per row)."""
    cats, codes = np.asarray(categories), np.asarray(codes)
    used = np.zeros(cats.size, dtype=bool)
    used[codes[codes >= 0]] = True
    return sorted({str(v) for v in cats[used].tolist()})


def missing_names(names: Iterable[str], values: Iterable[str]) -> list[str]:
    """The ``names`` (as written) that match none of ``values`` once both are folded."""
    present = fold_names(values)
    return [n for n in names if n.strip().casefold() not in present]


def some_values(values: list[str], limit: int = 8) -> str:
    """The first ``limit`` of ``values`` quoted, and how many there are when more."""
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown if len(values) <= limit else f"{shown} ... ({len(values)} in all)"
