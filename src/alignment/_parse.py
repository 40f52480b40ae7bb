"""Strict parsing of exported values: flags, money and category spellings (numpy only).

Every rule reads a value only when its meaning is certain; anything else is a
:class:`~alignment.errors.DataValidationError` naming the column, the rows, a bad value and the
fix.  The work is done once per *distinct* value (exports repeat values a lot), then spread
back to the rows with the factorisation codes.

Rules (documented in ``docs/io.md``):

* **Flags**: ``bool``; the numbers 0 and 1; the strings ``true/false``, ``yes/no``, ``1/0``
  (any case, surrounding spaces ignored).  Anything else - ``"Closed Lost"``, ``"n"``, ``2``, a
  missing value in a required column - is refused.
* **Money**: numbers; strings with a currency symbol or ISO code before or after the number
  (``"$3,150.00"``, ``"3.150,00 EUR"``), thousands separators in groups of three, a sign or
  accounting parentheses.  ``decimal=","`` reads European exports.  Several currencies in one
  column are refused unless ``rates`` converts them.
* **Numbers** (counts, scores): as money, a sign included, but a currency is refused.
* **Categories**: ``fold_category`` folds case, surrounding spaces and ``_``/``-``/space runs
  (``"Paid Search"``, ``"paid search"``, ``"PAID_SEARCH"`` -> one key); the label kept is
  the most frequent spelling (ties: the first in sorted order).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from ._params import is_option
from .errors import DataValidationError, ParameterError

__all__ = [
    "category_variants",
    "fold_categories",
    "fold_key",
    "fold_labels",
    "fold_role",
    "parse_bool",
    "parse_money",
    "parse_number",
]

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (v != v)  # NaN, pandas NA/NaT


def _missing_mask(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "f":
        return np.asarray(np.isnan(arr), dtype=bool)
    if arr.dtype.kind == "O":
        return np.fromiter((_safe_missing(v) for v in arr.tolist()), bool, arr.size)
    return np.zeros(arr.shape, dtype=bool)


def _safe_missing(v: Any) -> bool:
    try:
        return bool(_is_missing(v))
    except (TypeError, ValueError, ArithmeticError):  # pandas.NA compares to NA; bool(NA)
        # raises; a signalling decimal NaN (Decimal('sNaN')) raises on comparison: a NaN, missing
        return True


def _distinct(arr: np.ndarray, ok: np.ndarray) -> tuple[list[Any], np.ndarray]:
    """Distinct non-missing values (as Python objects) and each row's index into them (-1 missing)."""
    inverse = np.full(arr.shape, -1, dtype=np.int64)
    values = arr[ok]
    if values.size == 0:
        return [], inverse
    if values.dtype.kind == "O":
        keys = np.array([f"{type(v).__name__}\x00{v}" for v in values.tolist()], dtype=object)
        _, first, inv = np.unique(keys, return_index=True, return_inverse=True)
        uniq = values[first].tolist()
    else:
        uniq_arr, inv = np.unique(values, return_inverse=True)
        uniq = uniq_arr.tolist()
    inverse[ok] = inv.ravel()
    return uniq, inverse


def _reject(
    bad_distinct: Sequence[int] | np.ndarray,
    inverse: np.ndarray | None,
    uniq: Sequence[Any],
    problem: str,
    *,
    column: str,
    table: str | None,
    fix: str,
) -> None:
    if not len(bad_distinct):
        return
    if inverse is None:  # (one value per row)
        rows = np.asarray(bad_distinct, dtype=np.int64)
        value = uniq[int(rows[0])]
    else:
        rows = np.flatnonzero(np.isin(inverse, np.asarray(bad_distinct)))
        value = uniq[int(inverse[rows[0]])]
    raise DataValidationError(
        problem,
        column=column,
        table=table,
        rows=rows,
        value=value.item() if isinstance(value, np.generic) else value,
        fix=fix,
    )


def parse_bool(
    values: Any,
    *,
    column: str,
    table: str | None = None,
    missing: bool | None = None,
    fix: str | None = None,
) -> np.ndarray:
    """Read a column of flags strictly.

    Parameters
    ----------
    values : array-like
        ``bool``, 0/1 numbers, or the strings true/false, yes/no, 1/0 (any case).
    column, table : str
        Names for error messages.
    missing : bool, optional
        The value of a missing entry (``None``/``NaN``).  When ``None`` (default), a missing
        entry is an error.
    fix : str, optional
        The remedy named in the error (e.g. ``"pass won_stages= ..."``).

    Returns
    -------
    ndarray of bool
        A new array (the input is never changed).

    Raises
    ------
    DataValidationError
        A value that is not one of the accepted forms, or a missing value when ``missing`` is
        ``None``.
    """
    arr = np.asarray(values)
    fix = fix or "use true/false, yes/no or 1/0 (or map the column's values to booleans first)"
    if arr.dtype.kind == "b":
        return arr.astype(bool, copy=True)
    miss = _missing_mask(arr)
    if miss.any() and missing is None:
        rows = np.flatnonzero(miss)
        raise DataValidationError(
            "missing value in a required yes/no column",
            column=column,
            table=table,
            rows=rows,
            value=arr[int(rows[0])],
            fix=fix,
        )
    out = np.full(arr.shape, bool(missing), dtype=bool)
    uniq, inverse = _distinct(arr, ~miss)
    mapped = np.zeros(len(uniq), dtype=bool)
    bad: list[int] = []
    for i, v in enumerate(uniq):
        flag = _one_bool(v)
        if flag is None:
            bad.append(i)
        else:
            mapped[i] = flag
    _reject(
        bad,
        inverse,
        uniq,
        "not a yes/no value",
        column=column,
        table=table,
        fix=fix,
    )
    ok = inverse >= 0
    out[ok] = mapped[inverse[ok]]
    return out


def _one_bool(v: Any) -> bool | None:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return bool(v) if v in (0, 1) else None
    if isinstance(v, str):
        s = v.strip().casefold()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    return None


# ----------------------------------------------------------------------------------- money

_SYMBOLS = {"$": "$", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF"}
_MONEY_RE = re.compile(
    r"""^\s*(?P<open>\()?\s*(?P<sign1>[-+])?\s*
        (?P<pre>[$€£¥₹]|[A-Z]{3}(?=\s*[0-9.,(+-]))?\s*(?P<sign2>[-+])?\s*
        (?P<num>[0-9.,'\u00a0\u202f ]*[0-9][0-9.,'\u00a0\u202f ]*)\s*
        (?P<post>[$€£¥₹]|[A-Z]{3})?\s*(?P<close>\))?\s*$""",
    re.VERBOSE,
)


def _number_pattern(decimal: str) -> re.Pattern[str]:
    thousands = r"[,'\u00a0\u202f ]" if decimal == "." else r"[.'\u00a0\u202f ]"
    dec = re.escape(decimal)
    digit = "[0-9]"  # (ASCII digits only: float() would read other scripts' digits too)
    return re.compile(
        rf"^(?:{digit}{{1,3}}(?:{thousands}{digit}{{3}})+|{digit}+)(?:{dec}{digit}*)?$"
        rf"|^{dec}{digit}+$"
    )


#: amounts written as plain numbers (ASCII digits, a sign, the decimal mark): read by
#: ``float`` at once, as :func:`_written_amount` reads them (a tenth of its time)
_PLAIN_AMOUNT = {
    ".": re.compile(r"-?[0-9]+(?:\.[0-9]+)?"),
    ",": re.compile(r"-?[0-9]+(?:,[0-9]+)?"),
}


def _one_amount(v: Any, decimal: str, pattern: re.Pattern[str]) -> tuple[float, str] | None:
    """(amount, currency or "") of one value, ``None`` when it cannot be read for certain."""
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v), ""
    if isinstance(v, Decimal):  # (its nearest float, as a frame's decimal column is read)
        return (float(v), "") if v.is_finite() else None
    if not isinstance(v, str):
        return None
    if _PLAIN_AMOUNT[decimal].fullmatch(v):
        return float(v.replace(",", ".")), ""
    return _written_amount(v, decimal, pattern)


def _written_amount(v: str, decimal: str, pattern: re.Pattern[str]) -> tuple[float, str] | None:
    """:func:`_one_amount` of a string, with separators, a sign or a currency."""
    m = _MONEY_RE.match(v)
    if m is None or bool(m["open"]) != bool(m["close"]):
        return None
    if (m["pre"] and m["post"]) or (m["sign1"] and m["sign2"]):
        return None
    num = m["num"].strip()
    if not pattern.match(num):
        return None
    digits = re.sub(r"[^0-9" + re.escape(decimal) + "]", "", num).replace(decimal, ".")
    amount = float(digits)
    if m["open"] or (m["sign1"] or m["sign2"]) == "-":
        amount = -amount
    cur = m["pre"] or m["post"] or ""
    return amount, _SYMBOLS.get(cur, cur)


def parse_money(
    values: Any,
    *,
    column: str,
    table: str | None = None,
    decimal: str = ".",
    rates: Mapping[str, float] | None = None,
    allow_missing: bool = False,
    nonnegative: bool = False,
) -> tuple[np.ndarray, str | None]:
    """Read a column of amounts: numbers or text with separators and a currency.

    Parameters
    ----------
    values : array-like
        Numbers or strings such as ``"12,500.00"``, ``"$3,150.00"``, ``"(250.00)"``,
        ``"EUR 1.200,50"`` (with ``decimal=","``).
    column, table : str
        Names for error messages.
    decimal : {".", ","}
        The decimal mark; the other one (and spaces or ``'``) may separate thousands.
    rates : mapping of str to float, optional
        Conversion factors by currency (code such as ``"EUR"`` or the symbol ``"$"``) to one
        reporting currency; required when a column holds several currencies.  An amount that
        names no currency is in the column's one currency (factor 1 when the column names
        none); in a column of several currencies it is refused.
    allow_missing : bool
        Whether missing values may appear (kept as ``NaN``).
    nonnegative : bool
        Whether a negative amount (``-5``, ``"(250.00)"``) is refused: amounts and costs.

    Returns
    -------
    amounts : ndarray of float64
        A new array.
    currency : str or None
        The one currency the column was written in (``None`` when no value named one, or when
        ``rates`` converted them).

    Raises
    ------
    DataValidationError
        A value that is not an amount, a grouping that fits neither decimal mark (``"12,50"``
        with ``decimal="."``), several currencies without ``rates``, a currency missing from
        ``rates``, an amount naming no currency among several, a missing value when not allowed, a value that is not finite (``inf``, or
        too many digits for a float), or a negative amount when ``nonnegative``.
    """
    if not is_option(decimal, (".", ",")):
        raise ParameterError(f"decimal must be '.' or ',', got {decimal!r}")
    arr = np.asarray(values)
    if arr.dtype.kind in "iufb" and arr.dtype.kind != "b":
        out = arr.astype(np.float64, copy=True)
        _check_missing(np.isnan(out), arr, allow_missing, column, table)
        _check_amounts(out, None, arr, nonnegative=nonnegative, column=column, table=table)
        return out, None
    other = "," if decimal == "." else "."
    uniq, inverse, amounts, currencies = _read_distinct(
        arr,
        decimal,
        allow_missing,
        "expected numbers: not an amount",
        column=column,
        table=table,
        fix=f"write amounts as numbers such as 12500.00 or '$12,500.00' (for '1.234,56' pass "
        f"decimal='{other}')",
    )
    currency = _one_currency(currencies, inverse, uniq, rates, column=column, table=table)
    if rates is not None and len(uniq):
        named = {c for c in currencies.tolist() if c}
        own = named.pop() if len(named) == 1 else ""  # (of the amounts naming none)
        amounts = amounts * np.array([float(rates.get(c or own, 1.0)) for c in currencies])
    _check_amounts(amounts, inverse, uniq, nonnegative=nonnegative, column=column, table=table)
    out = np.full(arr.shape, np.nan, dtype=np.float64)
    ok = inverse >= 0
    out[ok] = amounts[inverse[ok]]
    return out, currency


def parse_number(
    values: Any,
    *,
    column: str,
    table: str | None = None,
    decimal: str = ".",
    allow_missing: bool = False,
) -> np.ndarray:
    """Read a column of numbers (counts such as employees, scores, probabilities): numbers,
    or text written as amounts are (``"1,200"``, ``"-3"``, ``"1.200,5"`` with
    ``decimal=","``), but never naming a currency: a count is not money.

    Parameters
    ----------
    values : array-like
        Numbers or strings.
    column, table : str
        Names for error messages.
    decimal : {".", ","}
        The decimal mark; the other one (and spaces or ``'``) may separate thousands.
    allow_missing : bool
        Whether missing values may appear (kept as ``NaN``).

    Returns
    -------
    ndarray of float64
        A new array.

    Raises
    ------
    DataValidationError
        A value that is not a number, one naming a currency (``"$1,000"``, ``"EUR 40"``), a
        value that is not finite, or a missing value when not allowed.
    """
    arr = np.asarray(values)
    if arr.dtype.kind in "iuf":
        out = arr.astype(np.float64, copy=True)
        _check_missing(np.isnan(out), arr, allow_missing, column, table, noun="number")
        _check_finite(out, None, arr, "number", column=column, table=table)
        return out
    other = "," if decimal == "." else "."
    uniq, inverse, numbers, currencies = _read_distinct(
        arr,
        decimal,
        allow_missing,
        "not a number",
        column=column,
        table=table,
        fix=f"write numbers such as 1200 or '1,200' (for '1.200,5' pass decimal='{other}')",
        noun="number",
    )
    _reject(
        [i for i, c in enumerate(currencies.tolist()) if c],
        inverse,
        uniq,
        "a currency in a column of numbers (a count, not an amount)",
        column=column,
        table=table,
        fix="write the numbers without a currency sign or code ('1000' or '1,000')",
    )
    _check_finite(numbers, inverse, uniq, "number", column=column, table=table)
    out = np.full(arr.shape, np.nan, dtype=np.float64)
    ok = inverse >= 0
    out[ok] = numbers[inverse[ok]]
    return out


def _read_distinct(
    arr: np.ndarray,
    decimal: str,
    allow_missing: bool,
    problem: str,
    *,
    column: str,
    table: str | None,
    fix: str,
    noun: str = "amount",
) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray]:
    """The distinct values of a column of text amounts or numbers, each row's index into them
    (``-1``: missing), and each one's number and currency (``""``: none named); a value that
    is not one is refused as ``problem``, with ``fix``."""
    miss = _missing_mask(arr) if arr.dtype.kind == "O" else np.zeros(arr.shape, dtype=bool)
    _check_missing(miss, arr, allow_missing, column, table, noun=noun)
    uniq, inverse = _distinct(arr, ~miss)
    pattern = _number_pattern(decimal)
    amounts = np.zeros(len(uniq), dtype=np.float64)
    currencies = np.empty(len(uniq), dtype=object)
    bad: list[int] = []
    for i, v in enumerate(uniq):  # a loop over distinct values
        read = _one_amount(v, decimal, pattern)
        if read is None:
            bad.append(i)
        else:
            amounts[i], currencies[i] = read
    _reject(bad, inverse, uniq, problem, column=column, table=table, fix=fix)
    return uniq, inverse, amounts, currencies


def _check_finite(
    values: np.ndarray,
    inverse: np.ndarray | None,
    uniq: Any,
    noun: str,
    *,
    column: str,
    table: str | None,
) -> None:
    """Refuse values that are not finite (``values`` aligned with ``uniq``, each row's index
    into them in ``inverse``; ``None``: one per row)."""
    _reject(
        np.flatnonzero(np.isinf(values)),
        inverse,
        uniq,
        f"not a finite {noun}",
        column=column,
        table=table,
        fix=f"write a finite {noun} (or leave the cell empty when there is none)",
    )


def _check_amounts(
    amounts: np.ndarray,
    inverse: np.ndarray | None,
    uniq: Any,
    *,
    nonnegative: bool,
    column: str,
    table: str | None,
) -> None:
    """Refuse amounts that are not finite, and negative ones when ``nonnegative`` (``amounts``
    aligned with ``uniq``, each row's index into them in ``inverse``; ``None``: one per row).
    Two vectorised comparisons; the rows are found only when one fails."""
    _check_finite(amounts, inverse, uniq, "amount", column=column, table=table)
    if nonnegative:
        _reject(
            np.flatnonzero(amounts < 0),
            inverse,
            uniq,
            "negative amount (amounts and costs are zero or more)",
            column=column,
            table=table,
            fix="correct these rows, or drop them (refunds and credit notes are not revenue "
            "or costs)",
        )


def _check_missing(
    miss: np.ndarray,
    arr: np.ndarray,
    allow: bool,
    column: str,
    table: str | None,
    *,
    noun: str = "amount",
) -> None:
    if allow or not miss.any():
        return
    rows = np.flatnonzero(miss)
    raise DataValidationError(
        f"missing {noun} in a required column",
        column=column,
        table=table,
        rows=rows,
        value=arr[int(rows[0])],
        fix=f"fill the {noun}s (0 when there is truly none) or drop these rows",
    )


def _one_currency(
    currencies: np.ndarray,
    inverse: np.ndarray,
    uniq: Sequence[Any],
    rates: Mapping[str, float] | None,
    *,
    column: str,
    table: str | None,
) -> str | None:
    named = sorted({c for c in currencies.tolist() if c})
    if rates is not None:
        unknown = [i for i, c in enumerate(currencies.tolist()) if c and c not in rates]
        _reject(
            unknown,
            inverse,
            uniq,
            "currency not in rates",
            column=column,
            table=table,
            fix=f"add a rate for each currency of the column ({', '.join(named)})",
        )
        if len(named) > 1:  # (an amount naming none could be in any of them)
            _reject(
                [i for i, c in enumerate(currencies.tolist()) if not c],
                inverse,
                uniq,
                f"amount naming no currency in a column of several ({', '.join(named)})",
                column=column,
                table=table,
                fix="write the currency of each amount ('EUR 1.200,50', '$3,150.00')",
            )
        return None
    if len(named) > 1:
        minority = [i for i, c in enumerate(currencies.tolist()) if c and c != named[0]]
        _reject(
            minority,
            inverse,
            uniq,
            f"several currencies in one column ({', '.join(named)})",
            column=column,
            table=table,
            fix="convert the amounts to one currency first, or pass rates={currency: factor}",
        )
    return named[0] if named else None


# ------------------------------------------------------------------------------ categories

_SEPARATORS = re.compile(r"[\s_\-]+")


def fold_key(value: str) -> str:
    """The folded form of a category value: case folded, trimmed, ``_``/``-``/space runs as one space."""
    return _SEPARATORS.sub(" ", value.casefold()).strip()


def fold_role(value: str) -> str:
    """A role's canonical spelling: case folded, separators as one ``_``
    (``"Decision Maker"`` → ``"decision_maker"``)."""
    return fold_key(value).replace(" ", "_")


def _spellings(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct strings, their counts, their folded keys, and each row's index (-1: not a str)."""
    arr = np.asarray(values, dtype=object)
    ok = np.fromiter((isinstance(v, str) for v in arr.tolist()), bool, arr.size)
    inverse = np.full(arr.shape, -1, dtype=np.int64)
    if not ok.any():
        empty = np.empty(0, dtype=object)
        return empty, np.empty(0, dtype=np.int64), empty, inverse
    uniq, inv, counts = np.unique(arr[ok].astype(str), return_inverse=True, return_counts=True)
    inverse[ok] = inv.ravel()
    keys = np.array([fold_key(s) for s in uniq.tolist()], dtype=object)
    return uniq.astype(object), counts, keys, inverse


def fold_categories(values: Any) -> np.ndarray:
    """Fold the spellings of a category column to one label per folded key.

    Parameters
    ----------
    values : array-like of str or None
        The column (non-strings, e.g. ``None``, are kept as they are).

    Returns
    -------
    ndarray of object
        A new array where every spelling of a key is replaced by its most frequent spelling
        (ties: the first in sorted order).
    """
    arr = np.asarray(values, dtype=object)
    uniq, counts, keys, inverse = _spellings(arr)
    out: np.ndarray = arr.copy()
    if uniq.size == 0:
        return out
    label = _labels(uniq, counts, keys)
    ok = inverse >= 0
    out[ok] = label[inverse[ok]]
    return out


def fold_labels(uniq: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The label of each distinct spelling, as :func:`fold_categories` chooses it.

    Parameters
    ----------
    uniq : ndarray of str
        The distinct spellings, sorted.
    counts : ndarray of int
        How many rows hold each.

    Returns
    -------
    ndarray of object
        The most frequent spelling of each one's folded key (ties: the first in sorted order).
    """
    keys = np.array([fold_key(s) for s in uniq.tolist()], dtype=object)
    return _labels(uniq, counts, keys)


def _labels(uniq: np.ndarray, counts: np.ndarray, keys: np.ndarray) -> np.ndarray:
    best: dict[str, tuple[int, str]] = {}
    for s, c, k in zip(uniq.tolist(), counts.tolist(), keys.tolist()):
        if k not in best or c > best[k][0]:  # uniq is sorted: the first of equal counts stays
            best[k] = (c, s)
    return np.array([best[k][1] for k in keys.tolist()], dtype=object)


def category_variants(values: Any) -> list[tuple[str, ...]]:
    """Groups of distinct spellings that fold to the same key (each group sorted).

    An empty list means the column has no such variants.
    """
    uniq, _, keys, _ = _spellings(np.asarray(values, dtype=object))
    groups: dict[str, list[str]] = {}
    for s, k in zip(uniq.tolist(), keys.tolist()):
        groups.setdefault(k, []).append(s)
    return [tuple(g) for g in groups.values() if len(g) > 1]
