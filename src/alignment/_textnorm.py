"""Texts normalised for matching (duplicate leads by e-mail, by name and company).

The rules: tabs, line breaks and no-break spaces become spaces, runs of spaces collapse to one,
surrounding whitespace goes (Python's ``str.strip``) and the text is lower-cased (``str.lower``).
:func:`matching_codes` gives each text a code that it shares exactly with the texts equal to it
once normalised.

Numpy's string functions apply the rules to any text.  They are slow on many distinct texts
(888,250 distinct e-mail addresses: 2.7 s), so when pyarrow is installed the texts with nothing
to replace (ASCII, no tab, line break, NUL or double space: nearly all of them) are only
stripped and lower-cased by pyarrow's kernels, where ``str.strip`` and ``str.lower`` have
simple equivalents (0.46 s for those addresses); numpy applies the rules to the others.

Part of the one dataframe boundary (pyarrow imported lazily, inside the function that needs it).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from ._columns import Categorical, stored
from .errors import reject_rows

__all__ = ["blank", "blank_as_missing", "matching_codes", "reason_texts"]

#: characters that become a space before runs of spaces collapse
SPACES = ("\t", "\n", "\r", "\x0b", "\x0c", "\xa0")
#: what ``str.strip`` removes from ASCII text without tabs or line breaks
_ASCII_STRIP = " \x1c\x1d\x1e\x1f"


def matching_codes(texts: np.ndarray) -> np.ndarray:
    """One ``int64`` code per text, equal exactly for texts equal once normalised; ``-1`` for
    texts empty once normalised (blank).  Codes are otherwise arbitrary (not an order).

    Parameters
    ----------
    texts : ndarray of str
        The texts (e.g. the categories of a column), not modified.
    """
    n = texts.size
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if importlib.util.find_spec("pyarrow") is None:
        return _numpy_codes(texts)
    return _arrow_codes(texts)


def blank(texts: np.ndarray) -> np.ndarray:
    """Whether each ``str`` is empty or whitespace only (what ``str.strip`` leaves empty).

    One test per text (``str.isspace``), without numpy's fixed-width copy of the texts: for
    the 888,250 distinct e-mail addresses of a million persons, 0.05 s instead of 1.5 s.
    """
    out = np.empty(texts.size, dtype=bool)
    out[:] = [not t or t.isspace() for t in texts.tolist()]  # a loop over the texts
    return out


def blank_as_missing(column: Categorical) -> Categorical:
    """``column`` with its blank values (empty or whitespace only: an empty cell of a CSV or
    Excel export) missing, as ``None`` is (same categories; ``column`` is not modified).

    Parameters
    ----------
    column : Categorical
        A string column.

    Returns
    -------
    Categorical
        The rows, a blank one with code ``-1``.
    """
    codes = np.where(column.per_value(blank, True), np.int32(-1), column.codes)
    return Categorical(codes.astype(np.int32), stored(column, "categories"), column.sort_keys)


def reason_texts(lt: Any, column: str) -> Categorical | None:
    """The leads' text column ``column`` (a rejection reason) with blank values missing, as
    :func:`blank_as_missing` gives them; ``None`` when the leads have no such column.

    A column read as numbers is no text: empty throughout (``NaN`` only: an empty column of a
    CSV export, read by pandas as ``float64``) it is a column of missing values; a number or a
    flag in it (a reason code ``1``) is refused, never read as missing.

    Raises
    ------
    DataValidationError
        Naming the column, the rows holding a number or a flag and the first of them.
    """
    if column in lt.categorical:
        return blank_as_missing(lt.categorical[column])
    if column not in lt.numeric:
        return None
    values = np.asarray(lt.numeric[column], dtype=np.float64)
    exact = lt.exact.get(column)
    reject_rows(
        ~np.isnan(values),
        "a number or a flag where a text code is expected (it is no reason code)",
        column=column,
        table="leads",
        values=_as_given(values) if exact is None else exact,
        fix="give the reasons as text (wrong_size, competitor …), or leave the cells empty "
        "where there is none",
    )
    return Categorical(np.full(values.size, -1, dtype=np.int32), np.empty(0, dtype=object))


def _as_given(values: np.ndarray) -> np.ndarray:
    """Numbers read as floats shown as given: whole ones as integers (a code ``7``, not
    ``7.0``)."""
    shown = values.astype(object)
    whole = np.isfinite(values) & (np.abs(values) < 2**53)
    whole[whole] = values[whole] == np.round(values[whole])
    shown[whole] = values[whole].astype(np.int64).astype(object)
    return shown


def _normalised(texts: np.ndarray) -> np.ndarray:
    """The rules with numpy's string functions (any text; a numpy text array)."""
    cats = np.asarray(texts, dtype=str)
    if cats.size == 0:  # (numpy's replace fails on no text)
        return cats
    for ws in SPACES:  # a loop over six characters
        cats = np.char.replace(cats, ws, " ")
    while True:  # each pass halves the longest run of spaces: a loop over passes, not values
        if not bool((np.char.find(cats, "  ") >= 0).any()):
            break
        cats = np.char.replace(cats, "  ", " ")
    return np.asarray(np.char.lower(np.char.strip(cats)))


def _numpy_codes(texts: np.ndarray) -> np.ndarray:
    norm = _normalised(texts)
    _, inverse = np.unique(norm, return_inverse=True)
    codes = inverse.ravel().astype(np.int64)
    codes[norm == ""] = -1
    return codes


def _arrow_codes(texts: np.ndarray) -> np.ndarray:
    """Texts with nothing to replace stripped and lower-cased by pyarrow, the others normalised
    by numpy (NUL too: numpy's text arrays drop trailing NULs); one dictionary encoding of all
    of them gives the codes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(np.asarray(texts, dtype=object), type=pa.large_string())
    odd = pc.match_substring_regex(arr, "[\t\n\r\x0b\x0c\x00]|  ")
    plain = pc.and_(pc.string_is_ascii(arr), pc.invert(odd))
    fast = np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
    rows = np.concatenate([np.flatnonzero(fast), np.flatnonzero(~fast)])
    quick = pc.ascii_lower(pc.utf8_trim(arr.filter(plain), characters=_ASCII_STRIP))
    other = pa.array(_normalised(texts[~fast]).astype(object), type=pa.large_string())
    encoded = pc.dictionary_encode(pa.concat_arrays([quick, other]))
    index = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    blank = np.asarray(pc.equal(encoded.dictionary, "").to_numpy(zero_copy_only=False))
    codes = np.empty(texts.size, dtype=np.int64)
    codes[rows] = np.where(blank[index], -1, index)
    return codes
