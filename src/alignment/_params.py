"""Checks of parameters given by callers: numpy scalars and arrays count as numbers and lists.

One rule everywhere: a parameter that takes a number accepts a Python ``int``/``float`` or a
numpy integer/floating scalar (never a ``bool``); one that takes a sequence accepts a list,
a tuple or a 1-D numpy array.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["Number", "is_integer", "is_number", "number_sequence"]

#: the static type of a number parameter (a Python or numpy scalar); an overload typed with it
#: returns ``float`` where the same call with an array returns an array
Number = float | np.floating[Any] | np.integer[Any]


def is_number(value: Any) -> bool:
    """A real number (Python or numpy), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def is_integer(value: Any) -> bool:
    """An integer (Python or numpy), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def number_sequence(value: Any) -> list[Any] | None:
    """The items of a list, tuple or 1-D array (``None`` for anything else, text included)."""
    if isinstance(value, np.ndarray):
        return value.tolist() if value.ndim == 1 else None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return None
    return list(value)
