"""Label columns (a touch's channel or campaign, an activity's kind, rep or outcome): text, or
integer codes labelled as themselves, whatever holds them.

A label is text.  An integer is a code (a campaign number ``101``): it is the label ``"101"``,
whether it comes in an integer column, in a float column a missing value made float
(``101.0``), or as Python ints in an object column.  A flag (``True``/``False``) or a number
with a fraction (``1.5``) names nothing: refused with the rows, whatever the container (a
typed ``bool`` or ``float`` column, Polars, Arrow, or objects), as an object column holding one
among text always was.  A column mixing text and numbers is refused too (``"101"`` or ``101``
would be a guess).

A column is checked when it is used.  The label columns a table keeps by default (a touch's
``campaign``, ``content`` and ``kind``) are read when the table is built, but one that is no
label (a stray flag column) does not fail a call that never reads it: it is kept as a column
refused on use (:func:`label_columns`, ``on_use``), so that grouping by it, a parameter reading
it, or a touch-level frame showing it raises the very error the build would have raised.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import partial
from typing import Any

import numpy as np

from .._columns import FOLDED_COLUMNS, DeferredCategorical, fold_spellings
from .._factorize import missing_checked
from .._frames import Categorical, RawColumns, factorize
from .._lookup import EXACT_FLOAT
from .._params import is_na
from ..errors import DataValidationError, reject_rows
from ._common import _readonly

__all__ = [
    "channel_column",
    "integer_labels",
    "label_category",
    "label_column",
    "label_columns",
    "touch_names",
    "whole_numbers",
]

_LOOK = 64
_FIX = "give the labels as text (or integer codes)"


def label_column(
    values: Any,
    *,
    column: str,
    table: str,
    allow_missing: bool = True,
    exact: np.ndarray | None = None,
) -> Categorical:
    """A label column factorised (categories in text order, code ``-1`` where missing).

    Parameters
    ----------
    values : ndarray or Categorical
        The column as read (:func:`alignment._frames.read_table`).
    column, table : str
        Names for error messages.
    allow_missing : bool
        Whether a missing value (``None``, ``NaN``) may appear.
    exact : ndarray of int, optional
        The integers of an integer column holding missing values (``RawColumns.integers``),
        ``values`` then being their floats (``NaN`` where missing).

    Returns
    -------
    Categorical

    Raises
    ------
    DataValidationError
        A flag, a number with a fraction, or an integer code of 2**53 or more held as a float,
        naming the rows; a column mixing text and numbers; a missing value where not allowed.
    """
    if isinstance(values, Categorical):
        return factorize(values, column=column, table=table, allow_missing=allow_missing)
    arr = np.asarray(values)
    if arr.dtype.kind == "b":
        _refuse_flags(np.ones(arr.size, dtype=bool), arr, column, table)
    if arr.dtype.kind == "f":
        missing = np.isnan(arr)
        ints = _integral(arr, missing, column, table) if exact is None else exact
        return missing_checked(integer_labels(ints, missing), column, table, allow_missing)
    if arr.dtype.kind in "iu":
        empty = np.zeros(arr.size, dtype=bool)
        return integer_labels(arr, empty)
    if arr.dtype.kind == "O" and (found := _python_only(arr)) is not None:
        flags, missing = found
        if flags:  # (a flag column with missing values, read as objects: refused as one)
            _refuse_flags(~missing, arr, column, table)
        return missing_checked(integer_labels(arr, missing), column, table, allow_missing)
    try:
        return factorize(values, column=column, table=table, allow_missing=allow_missing)
    except DataValidationError:
        if arr.dtype.kind == "O":  # (flags beside text: refused as flags, in the same words)
            _refuse_flags(_flags_in(arr), arr, column, table)
        raise


def _flags_in(arr: np.ndarray) -> np.ndarray:
    """Where an object column holds a flag (``True``/``False``, numpy's too)."""
    flag = (bool, np.bool_)
    return np.fromiter((isinstance(v, flag) for v in arr.tolist()), dtype=bool, count=arr.size)


def _refuse_flags(bad: np.ndarray, arr: np.ndarray, column: str, table: str) -> None:
    """Refuse the flags of a label column (the rows ``bad``), whatever holds them."""
    reject_rows(
        bad,
        "expected strings, found bool (a flag is no label: not the text 'True')",
        column=column,
        table=table,
        values=arr,
        fix=_FIX,
    )


def _python_only(arr: np.ndarray) -> tuple[bool, np.ndarray] | None:
    """For an object column holding only Python ints (an integer column with nulls beyond a
    float's exact range), or only flags (a flag column with nulls), and missing values: whether
    it holds flags, and where it is missing; ``None`` when it holds anything else or nothing
    (text among its first rows is seen at once, without a pass over the column)."""
    if any(isinstance(v, str) for v in arr[:_LOOK].tolist()):
        return None
    values = arr.tolist()
    missing = np.fromiter((v is None or is_na(v) for v in values), dtype=bool, count=arr.size)
    present = [v for v, m in zip(values, missing.tolist(), strict=True) if not m]
    if not present:
        return None
    if all(isinstance(v, bool) for v in present):
        return True, missing
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return False, missing
    return None


def whole_numbers(arr: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Where a float column holds an integer a float holds exactly (a code ``101.0``: no
    fraction, below 2**53), ``missing`` aside: the values labelled as integers.

    Parameters
    ----------
    arr : ndarray of float
        The column.
    missing : ndarray of bool
        Where it has no value.

    Returns
    -------
    ndarray of bool
    """
    with np.errstate(invalid="ignore"):
        whole: np.ndarray = ~missing & (arr == np.round(arr)) & (np.abs(arr) < EXACT_FLOAT)
    return whole


def _integral(arr: np.ndarray, missing: np.ndarray, column: str, table: str) -> np.ndarray:
    """A float column's values as the integer codes they hold (``0`` where missing)."""
    other = ~missing & ~whole_numbers(arr, missing)
    big = other & (np.abs(arr) >= EXACT_FLOAT)
    reject_rows(
        other & ~big,
        "expected strings, found a number with a fraction (it names no label)",
        column=column,
        table=table,
        values=arr,
        fix=_FIX,
    )
    reject_rows(
        big,
        "an integer code of 2**53 or more held as a float (floats cannot hold it exactly: "
        "codes would merge)",
        column=column,
        table=table,
        values=arr,
        fix="read the column as integers or text (e.g. dtype=str in pandas.read_csv)",
    )
    return np.where(missing, 0, arr).astype(np.int64)


def integer_labels(ints: np.ndarray, missing: np.ndarray) -> Categorical:
    """Integers labelled as themselves (``101`` → ``"101"``), categories in text order
    (``"101"`` before ``"99"``, as a text column's are), code ``-1`` where ``missing``; one
    Python string per distinct value, none per row.

    Parameters
    ----------
    ints : ndarray of int
        The integers (any value where ``missing``).
    missing : ndarray of bool
        Where there is no value.

    Returns
    -------
    Categorical
    """
    uniq, inv = np.unique(ints[~missing], return_inverse=True)
    names = np.array([str(u) for u in uniq.tolist()], dtype=object)  # (one per distinct value)
    order = np.argsort(names, kind="stable")
    rank = np.empty(order.size, dtype=np.int32)
    rank[order] = np.arange(order.size, dtype=np.int32)
    codes = np.full(ints.size, -1, dtype=np.int32)
    codes[~missing] = rank[inv.ravel()]
    return Categorical(codes, names[order])


def label_category(
    values: np.ndarray | Categorical,
    *,
    column: str,
    table: str,
    allow_missing: bool = True,
    fold: bool = False,
    exact: np.ndarray | None = None,
) -> Categorical:
    """A label column factorised (:func:`label_column`: text, or integer codes as
    their text; ``exact``: an integer column's integers when it holds missing values); with
    ``fold``, its spellings read with the reading options of the call (folded with
    ``normalize="casefold"``, else variants warned about)."""
    cat = label_column(values, column=column, table=table, allow_missing=allow_missing, exact=exact)
    return fold_spellings(cat, column=column, table=table) if fold else cat


def label_columns(
    raw: RawColumns,
    names: Sequence[str],
    table: str,
    order: np.ndarray | None,
    *,
    on_use: Collection[str] = (),
) -> dict[str, Categorical]:
    """The label columns ``names`` of ``raw`` that it holds (folded where the call folds them),
    in ``order`` when given, their codes read-only.

    A column of ``on_use`` (one kept by default, not named by the caller) that is no label is
    kept as a :class:`~alignment._columns.DeferredCategorical` raising its error (the same
    :class:`DataValidationError`, made anew) when its codes or categories are first read: a call
    that never reads it does not fail, one that does is refused there.
    """
    out: dict[str, Categorical] = {}
    for name in names:
        col = raw.columns.get(name)
        if col is None:
            continue
        read = partial(
            label_category,
            col,
            column=name,
            table=table,
            fold=name in FOLDED_COLUMNS,
            exact=raw.integers.get(name),
        )
        cat = _refused_on_use(read, raw.n_rows) if name in on_use else read()
        if order is not None:
            cat = cat.take(order)
        if not isinstance(cat, DeferredCategorical):  # (its codes are read-only when made)
            _readonly(cat.codes)
        out[name] = cat
    return out


def _refused_on_use(read: partial[Categorical], size: int) -> Categorical:
    """``read()``; when it refuses the column, the column read again on first use (raising)."""
    try:
        return read()
    except DataValidationError:
        return DeferredCategorical(read, size)


def channel_column(raw: Any, channel: str, tt: str) -> Categorical:
    """The channel of every touch (folded spellings); an empty channel name is refused."""
    exact = raw.integers.get(channel)
    chan = label_category(raw.columns[channel], column=channel, table=tt, allow_missing=False,
                     fold=True, exact=exact)  # fmt: skip
    names = np.asarray(chan.categories, dtype=object).astype(str)
    blank = np.flatnonzero(np.char.str_len(np.char.strip(names)) == 0)  # empty or only spaces
    if blank.size:  # (no pass over the rows, and nothing decoded, when every name is fine)
        reject_rows(  # the rule of Touchpoint(channel="") everywhere: a channel has a name
            np.isin(chan.codes, blank),
            "empty channel name",
            column=channel,
            table=tt,
            values=chan,
            fix="name the channel (e.g. 'direct' or 'unknown') or drop these touches",
        )
    return chan


def touch_names(
    touch_categorical: Sequence[str] | None, touch_numeric: Sequence[str] | None
) -> tuple[list[str], list[str], list[str]]:
    """The kept string and numeric touch columns (defaults: campaign, content, kind; cost)."""
    cats = list(touch_categorical) if touch_categorical is not None else ["campaign", "content"]
    if touch_categorical is None:
        cats.append("kind")
    nums = list(touch_numeric) if touch_numeric is not None else ["cost"]
    return cats, nums, [*cats, *nums]
