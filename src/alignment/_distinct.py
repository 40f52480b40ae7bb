"""The distinct values of an object column (first-seen order) and each row's index into them,
for the readers that read each distinct value once (:mod:`alignment._time`).

Python equality decides what is distinct, with two exceptions: an unhashable value is its own
(it is unreadable anyway), and the two wall times of a DST overlap (``fold`` 0 and 1, equal in
Python, an hour apart as instants) are two values.
"""

from __future__ import annotations

import datetime as _dt
import operator
from typing import Any

import numpy as np

__all__ = ["factorize_objects"]


def factorize_objects(items: list[Any]) -> tuple[list[Any], np.ndarray]:
    """Distinct values (first-seen order) and each item's index into them."""
    try:
        index: dict[Any, int] = dict.fromkeys(items, 0)
    except TypeError:  # an unhashable value: keyed by its position (it is unreadable anyway)
        keys = [v if _hashable(v) else (_UNHASHABLE, i) for i, v in enumerate(items)]
        uniq, inverse = factorize_objects(keys)
        return [items[k[1]] if _is_position(k) else k for k in uniq], inverse
    if any(_ambiguous(v) for v in index):  # (a wall time twice in a zone: keyed by its fold)
        keys = [(_FOLDED, v, v.utcoffset()) if _ambiguous(v) else v for v in items]
        uniq, inverse = _index_of(keys, dict.fromkeys(keys, 0))
        return [k[1] if _is_folded(k) else k for k in uniq], inverse
    return _index_of(items, index)


def _ambiguous(v: Any) -> bool:
    """An aware datetime at a wall time its zone has twice (a DST overlap): equal in Python
    to the other one (``fold`` aside), an hour apart as instants."""
    if not isinstance(v, _dt.datetime) or v.tzinfo is None:
        return False
    try:
        return v.utcoffset() != v.replace(fold=1 - v.fold).utcoffset()
    except (OverflowError, ValueError):
        return False


def _index_of(items: list[Any], index: dict[Any, int]) -> tuple[list[Any], np.ndarray]:
    """The keys of ``index`` (``items`` de-duplicated) and each item's position among them."""
    uniq = list(index)
    for i, key in enumerate(uniq):
        index[key] = i
    if len(items) == 1:
        return uniq, np.zeros(1, dtype=np.int64)
    return uniq, np.array(operator.itemgetter(*items)(index), dtype=np.int64)


_UNHASHABLE = object()


_FOLDED = object()


def _is_folded(key: Any) -> bool:
    return isinstance(key, tuple) and len(key) == 3 and key[0] is _FOLDED


def _is_position(key: Any) -> bool:
    return isinstance(key, tuple) and len(key) == 2 and key[0] is _UNHASHABLE


def _hashable(v: Any) -> bool:
    try:
        hash(v)
    except TypeError:
        return False
    return True
