"""Checks of parameters given by callers: numpy scalars and arrays count as numbers and lists.

One rule everywhere: a parameter that takes a number accepts a Python ``int``/``float`` or a
numpy integer/floating scalar (never a ``bool``, nor a numpy ``timedelta64``/``datetime64``,
which numpy counts among its integers: a duration is not a count of days); a record's number field, a number column and
:func:`alignment.funnel.plan` also read a ``decimal.Decimal`` (:func:`is_decimal_number`, as its
nearest float: :func:`number_float`); one that takes a sequence accepts a list,
a tuple or a 1-D numpy array; one that takes a flag accepts ``True``/``False`` (Python or numpy)
and nothing else (text such as ``"no"`` is never read as true).
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any, TypeGuard

import numpy as np

from .errors import ParameterError

__all__ = [
    "DISABLE_BACKENDS",
    "Number",
    "check_flag",
    "env_flag",
    "is_decimal_number",
    "is_integer",
    "is_na",
    "is_number",
    "is_option",
    "keyword_problem",
    "number_float",
    "number_sequence",
]

#: the static type of a number parameter (a Python or numpy scalar); an overload typed with it
#: returns ``float`` where the same call with an array returns an array
Number = float | np.floating[Any] | np.integer[Any]


#: scalars numpy registers as numbers that are none: flags, durations and instants
_NOT_NUMBERS = (bool, np.bool_, np.timedelta64, np.datetime64)


def is_number(value: Any) -> bool:
    """A real number (Python or numpy), not a bool nor a numpy duration or instant."""
    return isinstance(value, numbers.Real) and not isinstance(value, _NOT_NUMBERS)


def is_decimal_number(value: Any) -> bool:
    """A real number (:func:`is_number`) or a ``decimal.Decimal`` (its NaN and infinities
    included, read as a float's are: see :func:`number_float`)."""
    return is_number(value) or isinstance(value, Decimal)


def number_float(value: Any) -> float:
    """A number of :func:`is_decimal_number` as its nearest float (a Decimal NaN, signalling
    or not, is ``nan``; its infinities are the float's)."""
    if isinstance(value, Decimal) and value.is_nan():  # (float() refuses a signalling NaN)
        return float("nan")
    return float(value)


def is_na(value: Any) -> bool:
    """Whether ``value`` is pandas' ``NA`` (the missing value of its nullable types), known by
    its type: pandas is never imported here."""
    kind = type(value)
    return kind.__name__ == "NAType" and kind.__module__.split(".")[0] == "pandas"


def is_integer(value: Any) -> TypeGuard[int | np.integer[Any]]:
    """An integer (Python or numpy), not a bool nor a numpy duration or instant."""
    return isinstance(value, numbers.Integral) and not isinstance(value, _NOT_NUMBERS)


def is_option(value: Any, choices: Collection[str | None]) -> bool:
    """Whether ``value`` is one of the text ``choices`` (or ``None`` when it is among them).

    Anything else is not compared with the choices, so pandas' ``NA`` or an array (whose
    ``==`` has no truth value) is simply not an option: the caller's ``ParameterError`` names it.
    """
    if value is None:
        return any(choice is None for choice in choices)
    return isinstance(value, str) and value in choices


def keyword_problem(value: str, *, blank_ok: bool = False) -> str | None:
    """Why ``value`` cannot be a text keyword or label compared with lead values (``None``
    when it can): an empty keyword (blank once stripped) is found in every text, and numpy
    drops a text's trailing NUL bytes, so one holding a NUL would not be compared as given.
    ``blank_ok`` lets an exact label (not a keyword) be blank."""
    if not blank_ok and not value.strip():
        return "must not be empty (an empty keyword is found in every text)"
    if "\x00" in value:
        return f"must not hold a NUL byte, got {value!r}"
    return None


def number_sequence(value: Any) -> list[Any] | None:
    """The items of a list, tuple or 1-D array (``None`` for anything else, text included)."""
    if isinstance(value, np.ndarray):
        return value.tolist() if value.ndim == 1 else None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return None
    return list(value)


#: the environment variable that turns the discovery of installed backends off
DISABLE_BACKENDS = "ALIGNMENT_DISABLE_BACKENDS"

_ENV_TRUE = ("1", "true", "yes", "on")
_ENV_FALSE = ("", "0", "false", "no", "off")


def env_flag(name: str) -> bool:
    """Environment variable ``name`` read as a flag: unset is ``False``.

    Parameters
    ----------
    name
        The variable (``"ALIGNMENT_DISABLE_BACKENDS"``).

    Returns
    -------
    bool
        ``True`` for ``1``, ``true``, ``yes``, ``on``; ``False`` for ``0``, ``false``, ``no``,
        ``off``, empty or unset (any case, spaces around ignored).

    Raises
    ------
    ParameterError
        The variable holds anything else: a misspelt value is not guessed at.
    """
    raw = os.environ.get(name, "")
    value = raw.strip().lower()
    if value in _ENV_TRUE or value in _ENV_FALSE:
        return value in _ENV_TRUE
    raise ParameterError(
        f"{name}={raw!r} is not a flag; set it to 1 (or true, yes, on) or to 0 (or false, no, "
        "off), or unset it"
    )


def check_flag(value: Any, name: str) -> bool:
    """``value`` as a Python ``bool``: a flag parameter is ``True`` or ``False`` (Python or numpy).

    Parameters
    ----------
    value
        The caller's value.
    name
        The parameter's name as the caller wrote it (``"relative"``, ``"LogisticScorer:
        fit_intercept"`` ...), named in the error.

    Raises
    ------
    ParameterError
        For anything else: text (``"no"``, ``"false"``), a number (``0``, ``1``), ``None``.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ParameterError(f"{name} must be True or False, got {value!r}")
