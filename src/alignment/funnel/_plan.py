"""Pure planning kernels for :mod:`alignment.funnel` (private).

Every function here works on scalars or numpy arrays that broadcast together; nothing is
mutated and nothing is cached.  The public wrappers and result objects live in
:mod:`alignment.funnel`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._colnames import close_name
from .._params import is_decimal_number, is_integer, number_float
from ..errors import ParameterError

__all__ = [
    "as_positive",
    "as_rates",
    "ceil_whole",
    "check_finite",
    "period_weights",
    "required_volumes",
    "stage_index",
]

FloatArray = NDArray[np.float64]

#: relative tolerance used when rounding volumes up to whole leads (floating noise such as
#: 2500.0000000000005 must not become 2501)
_CEIL_RTOL = 1e-9


def _as_float(value: Any, *, name: str) -> FloatArray:
    """``value`` as float64: a number (Python or numpy, or a ``decimal.Decimal``, never a
    bool) or an array of them.

    Arrays (scenarios) may be numpy integer/floating arrays, or lists/tuples (nested for
    several dimensions) of numbers; bools, text and numeric strings are refused, as are
    integers too large for a float.  A Decimal is read as its nearest float.
    """
    if is_decimal_number(value):
        items: Any = value
    elif isinstance(value, (str, bytes)) or not (
        isinstance(value, (Sequence, np.ndarray)) or hasattr(value, "__array__")
    ):
        raise _not_numbers(name, value)
    else:
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError):  # (ragged lists)
            raise _not_numbers(name, value) from None
        if arr.dtype.kind in "iuf" and not isinstance(value, Sequence):  # a numeric array
            return arr.astype(np.float64, copy=False)
        if arr.dtype.kind not in "iufO":  # bool, text, datetime ... arrays
            raise _not_numbers(name, value)
        # a list's items one by one: numpy reads [100, True] as integers
        arr = np.asarray(value, dtype=object)
        if not all(is_decimal_number(v) for v in arr.ravel().tolist()):
            raise _not_numbers(name, value)
        items = arr
    try:
        return np.asarray(np.vectorize(number_float, otypes=[np.float64])(items))
    except OverflowError:
        raise ParameterError(
            f"{name} holds an integer too large for a float (beyond about 1.8e308); "
            "give a smaller number"
        ) from None


def _not_numbers(name: str, value: Any) -> ParameterError:
    shown = repr(value)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    duration = isinstance(value, (np.timedelta64, timedelta)) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "m"
    )
    hint = "; convert a duration to a number first, e.g. span / np.timedelta64(1, 'D') for days"
    hint = hint if duration else ""
    return ParameterError(
        f"{name} must be a number or an array of numbers (a bool, text, a duration or a date "
        f"is not a number), got {shown}{hint}"
    )


def _first_bad(arr: FloatArray, bad: NDArray[np.bool_]) -> str:
    if arr.ndim == 0:
        return repr(float(arr))
    idx = np.flatnonzero(bad.ravel())
    return f"{int(idx.size)} value(s), first {float(arr.ravel()[idx[0]])!r} at index {int(idx[0])}"


def as_positive(value: Any, *, name: str, allow_zero: bool = False) -> FloatArray:
    """``value`` as a float64 array, checked finite and > 0 (or >= 0)."""
    arr = _as_float(value, name=name)
    if arr.size == 0:
        raise ParameterError(f"{name} is empty; give a number or a non-empty array")
    bad = ~np.isfinite(arr) | ((arr < 0) if allow_zero else (arr <= 0))
    if bad.any():
        rule = "non-negative" if allow_zero else "positive"
        raise ParameterError(f"{name} must be finite and {rule}; got {_first_bad(arr, bad)}")
    return arr


def check_finite(value: Any, *, what: str) -> None:
    """Refuse a result that overflowed to infinity (e.g. a target over a tiny deal size)."""
    arr = np.asarray(value, dtype=np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ParameterError(
            f"{what} overflows a float (beyond about 1.8e308) for these inputs; got "
            f"{_first_bad(arr, bad)}; check the units of the inputs (a deal size or a rate "
            "such as 1e-320 is almost certainly a mistake)"
        )


def as_fraction(value: Any, *, name: str, allow_zero: bool = False) -> FloatArray:
    """``value`` as a float64 array in (0, 1] (or [0, 1])."""
    arr = _as_float(value, name=name)
    if arr.size == 0:
        raise ParameterError(f"{name} is empty; give a number or a non-empty array")
    low_bad = (arr < 0) if allow_zero else (arr <= 0)
    bad = ~np.isfinite(arr) | low_bad | (arr > 1)
    if bad.any():
        interval = "[0, 1]" if allow_zero else "(0, 1]"
        raise ParameterError(
            f"{name} must be a fraction in {interval}; got {_first_bad(arr, bad)} "
            "(write 4% as 0.04)"
        )
    return arr


def as_rates(rates: Any) -> tuple[tuple[str, ...], tuple[FloatArray, ...]]:
    """Validate an ordered mapping ``stage -> rate to the next stage``.

    Returns the stage names (top to bottom) and the rates as float64 arrays.
    """
    if isinstance(rates, Mapping):
        items = list(rates.items())
    elif isinstance(rates, Sequence) and not isinstance(rates, str | bytes):
        items = []
        for item in rates:
            if not (isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2):
                raise ParameterError(
                    "rates must be a mapping {stage: rate} ordered top to bottom "
                    f"(or a sequence of (stage, rate) pairs); got item {item!r}"
                )
            items.append((item[0], item[1]))
    else:
        raise ParameterError(
            "rates must be a mapping {stage: rate to the next stage} ordered top to bottom, "
            f"e.g. {{'lead': 0.04}}; got {type(rates).__name__}"
        )
    if not items:
        raise ParameterError(
            "rates is empty; give at least one stage, e.g. {'lead': 0.04} (lead-to-customer rate)"
        )
    names: list[str] = []
    arrays: list[FloatArray] = []
    for name, rate in items:
        if not isinstance(name, str) or not name:
            raise ParameterError(f"stage names must be non-empty strings; got {name!r}")
        if name in names:
            raise ParameterError(f"stage {name!r} appears twice in rates")
        names.append(name)
        arrays.append(as_fraction(rate, name=f"rate of stage {name!r}"))
    return tuple(names), tuple(arrays)


def stage_index(stages: Sequence[str], stage: str | None) -> int:
    """Position of ``stage`` in ``stages`` (``None`` → 0), with a helpful error."""
    if stage is None:
        return 0
    if stage not in stages:
        close = close_name(str(stage), list(stages))
        hint = f" Did you mean {close!r}?" if close else ""
        raise ParameterError(
            f"unknown stage {stage!r}; the stages are {', '.join(map(repr, stages))}.{hint}"
        )
    return list(stages).index(stage)


def required_volumes(customers: FloatArray, rates: Sequence[FloatArray]) -> list[FloatArray]:
    """Reverse waterfall: volume each stage must deliver to end with ``customers``.

    ``required[k] = customers / (rates[k] * rates[k+1] * ... * rates[-1])``; computed bottom-up
    (one multiplication per stage) so it broadcasts over any number of scenarios.
    """
    out: list[FloatArray] = [customers] * len(rates)
    below = customers
    for k in range(len(rates) - 1, -1, -1):
        below = below / rates[k]
        out[k] = below
    return out


def ceil_whole(values: FloatArray) -> FloatArray:
    """Round volumes up to whole units, ignoring floating noise (relative 1e-9)."""
    v = np.asarray(values, dtype=np.float64)
    nearest = np.round(v)
    # within floating noise of a whole number: that number (never more than the noise below v);
    # otherwise the next whole number up
    noise = np.abs(v - nearest) <= np.abs(v) * _CEIL_RTOL
    return np.where(noise, nearest, np.ceil(v))


def period_weights(periods: Any) -> FloatArray | None:
    """``None`` → ``None``; ``n`` → ``n`` equal weights; a sequence → weights summing to 1."""
    if periods is None:
        return None
    if isinstance(periods, bool):
        raise ParameterError(f"periods must be a count or a sequence of weights; got {periods!r}")
    if is_integer(periods):
        if periods < 1:
            raise ParameterError(f"periods must be at least 1; got {periods}")
        return np.full(int(periods), 1.0 / int(periods))
    weights = _as_float(periods, name="periods")
    if weights.ndim != 1 or weights.size == 0:
        raise ParameterError(
            "periods must be a count (e.g. 12) or a 1-d sequence of period weights; "
            f"got shape {weights.shape}"
        )
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        raise ParameterError(
            f"period weights must be finite and non-negative; got {_first_bad(weights, bad)}"
        )
    total = float(weights.sum())
    if total <= 0:
        raise ParameterError("period weights sum to 0; give at least one positive weight")
    return weights / total
