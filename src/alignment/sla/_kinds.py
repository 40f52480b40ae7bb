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

__all__ = ["category_hits", "fold_names"]


def fold_names(names: Iterable[str]) -> frozenset[str]:
    """The names stripped and case-folded."""
    return frozenset(v.strip().casefold() for v in names)


def category_hits(categories: Any, names: frozenset[str]) -> np.ndarray:
    """Per category (distinct value) of a column: its folded value is in the folded ``names``;
    one more ``False`` at the end, so that indexing with a code ``-1`` (missing) gives ``False``."""
    folded = [str(c).strip().casefold() in names for c in np.asarray(categories).tolist()]
    return np.array([*folded, False], dtype=bool)
