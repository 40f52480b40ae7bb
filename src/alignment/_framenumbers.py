"""Numeric columns of an eager frame (a narwhals series) as numpy: integers with nulls kept
exact beside their floats, decimals whole read as integers (exact: no float rounding of a
19-digit id), other decimals as their nearest floats, bools with nulls as objects.  Part of the
one dataframe boundary (with :mod:`._frames`)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["nullable_flags", "whole_decimals"]


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
    if dtype == nw.Decimal and (ints := _big_whole(s)) is not None:
        return ints  # (whole decimals beyond int64: exact)
    if s.null_count() or dtype == nw.Decimal:  # (a decimal with a fraction: its nearest float)
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


def whole_decimals(s: Any, dtype: Any) -> tuple[Any, Any]:
    """A decimal column whose every value is whole (``decimal128(18, 0)`` ids of a database
    export; ``100.00``) as the integers it holds, exactly (no float rounds a 19-digit id):
    read from here on as an integer column is; any other column (or decimals with a fraction,
    read as their nearest floats) as it is.  Judged in Arrow, vectorised."""
    nw = _nw()
    if dtype != nw.Decimal or not _whole(s):
        return s, dtype
    try:
        return s.cast(nw.Int64), nw.Int64
    except Exception:  # (any backend's overflow: beyond int64, Python ints in _numbers)
        return s, dtype


def _whole(s: Any) -> bool:
    """Whether a decimal column holds no fraction (nulls aside): its values rescaled to no
    decimal place lose nothing (``False`` without PyArrow: read as floats)."""
    try:
        import pyarrow as pa

        arrow = s.to_arrow()
        whole = (pa.decimal256 if pa.types.is_decimal256(arrow.type) else pa.decimal128)(
            arrow.type.precision, 0
        )
        arrow.cast(whole, safe=True)
    except Exception:  # (a fraction: the rescale loses data; or no PyArrow)
        return False
    return True


def _big_whole(s: Any) -> np.ndarray | None:
    """A whole decimal column beyond int64 as Python ints (``None`` where missing: ``None`` or
    pandas' ``NA``), read as a
    dict's column of them is; ``None`` for any other decimal column."""
    from ._rows import _missing, tighten_exact

    if not _whole(s):
        return None
    ints = [None if _missing(v) else int(v) for v in s.to_list()]
    return tighten_exact(np.array(ints, dtype=object))[0]
