"""Numeric columns of an eager frame (a narwhals series) as numpy: integers with nulls kept
exact beside their floats, decimals whole read as integers (exact: no float rounding of a
19-digit id), other decimals as their nearest floats, bools with nulls as objects.  Part of the
one dataframe boundary (with :mod:`._frames`)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["nullable_flags"]


def _nw() -> Any:
    import narwhals.stable.v2 as nw

    return nw


def _nullable_integers(s: Any, dtype: Any) -> np.ndarray | None:
    """An integer column holding nulls as its integers, ``0`` where missing (the column
    itself is read as floats, which round those of 2**53 or more); ``None`` for any other."""
    nw = _nw()
    if not dtype.is_integer() or dtype in (nw.Int128, nw.UInt128) or not s.null_count():
        return None
    return np.asarray(s.fill_null(0).to_numpy())


def _numbers(s: Any, dtype: Any) -> np.ndarray:
    """A numeric (or bool, without nulls) column: nulls ``NaN``, decimals ``float64``."""
    nw = _nw()
    if dtype in (nw.Int128, nw.UInt128):  # no numpy type: Python ints (exact)
        return np.asarray(s.to_list(), dtype=object)
    if s.null_count() and dtype.is_integer() and _beyond_float(s):
        # integers with nulls that floats cannot hold exactly: kept as Python ints
        return np.asarray(s.to_list(), dtype=object)
    if s.null_count() or dtype == nw.Decimal:  # (a decimal: its nearest float)
        return np.asarray(s.cast(nw.Float64).to_numpy(), dtype=float)
    return np.asarray(s.to_numpy())


def _nullable_bools(s: Any) -> np.ndarray:
    """A bool column with nulls as ``True``/``False``/``None`` objects (two vectorised
    passes; no Python object made per row)."""
    flags = np.asarray(s.fill_null(False).to_numpy(), dtype=bool)
    return nullable_flags(flags, np.asarray(s.is_null().to_numpy(), dtype=bool))


def nullable_flags(flags: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """A bool-or-missing column: ``True``/``False`` objects, ``None`` where ``missing``.

    Parameters
    ----------
    flags : bool array, shape (n,)
        The flags (their value where ``missing`` is ignored).
    missing : bool array, shape (n,)
        Where the flag has no value.

    Returns
    -------
    numpy.ndarray
        An object array of ``True``, ``False`` and ``None`` (no Python object made per row).
    """
    out: np.ndarray = np.array([False, True], dtype=object)[flags.astype(np.intp)]
    out[missing] = None
    return out


def _beyond_float(s: Any) -> bool:
    """Whether an integer column holds a value of 2**53 or more in magnitude (as floats, it
    could not be told from its neighbours)."""
    lo, hi = s.min(), s.max()
    if _is_null(lo) or _is_null(hi):  # (no value: a pandas Int64 column of pd.NA only)
        return False
    return max(abs(int(lo)), abs(int(hi))) >= 2**53


def _is_null(value: Any) -> bool:
    """``None``, or a missing-value marker of a frame library (``pd.NA``, ``NaN``)."""
    if value is None or type(value).__name__ == "NAType":  # (pd.NA: no truth value)
        return True
    return bool(value != value)  # (NaN)
