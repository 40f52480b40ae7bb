"""Closed loop: the won revenue per lead, from ``deals=`` or from the leads' ``revenue`` column."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._colnames import FIXED_NAME
from .._frames import numeric, read_table
from .._options import warn
from ..errors import reject_rows

__all__ = [
    "deal_revenue",
    "lead_revenue",
    "refuse_overflow",
    "revenue_gap",
    "warn_not_won_revenue",
]


def refuse_overflow(
    amounts: np.ndarray,
    *,
    column: str,
    table: str,
    positions: np.ndarray | None = None,
) -> None:
    """Refuse amounts (``>= 0``, NaN: none) whose total is beyond the largest float (about
    1.8e308): that total, and a key's holding them, would be ``inf``, never a number.

    The rows named are those from which the running total overflows (``positions``: each
    amount's row in the caller's table, when ``amounts`` is a selection of it).
    """
    with np.errstate(over="ignore"):  # (an overflow to inf is what is looked for)
        running = np.cumsum(np.where(np.isnan(amounts), 0.0, amounts))
    reject_rows(
        np.isinf(running) & (amounts > 0),
        "amounts whose total is beyond the largest float (about 1.8e308): their sum would "
        "be infinite",
        column=column,
        table=table,
        values=amounts,
        positions=positions,
        fix="check the units of these amounts (a value near 1e308 is almost certainly a "
        "mistake), or express them in thousands or millions",
    )


def lead_revenue(lt: Any) -> np.ndarray | None:
    """The leads' ``revenue`` column as float64 (NaN: no value); ``None`` when there is none.

    A text column (``"12,500.00"``, ``"$3,150"``: a CSV or Excel export) is read by the
    library's number reading (:func:`alignment._frames.numeric`, as ``attribute()`` reads a
    text revenue): strictly, an unreadable value is a :class:`DataValidationError`, and so
    is a flag (``True`` is no amount).
    """
    flags = lt.exact.get("revenue")
    if flags is not None and flags.dtype.kind == "O":  # (a flag column: True is not 1)
        numeric(flags, column="revenue", table="leads", allow_missing=True)
    if "revenue" in lt.numeric:
        values = np.asarray(lt.numeric["revenue"], dtype=np.float64)
    elif "revenue" in lt.categorical:
        text = lt.categorical["revenue"].values()
        values = numeric(text, column="revenue", table="leads", allow_missing=True)
    else:
        return None
    reject_rows(
        values < 0,
        "negative revenue",
        column="revenue",
        table="leads",
        values=values,
        fix="revenue is won revenue and must be >= 0; record refunds or credits separately",
    )
    refuse_overflow(values, column="revenue", table="leads")
    return values


def warn_not_won_revenue(lt: Any, values: np.ndarray, not_won: np.ndarray) -> None:
    """Warn that the revenue values of leads that are not won (``not_won``) are left out."""
    rows = np.flatnonzero(not_won & (values != 0))
    if not rows.size:
        return
    first = lt.column(lt.id_column)[rows[0]]
    warn(
        f"closed_loop: {rows.size:,} lead(s) that are not won have a revenue value (total "
        f"{float(values[rows].sum()):,.2f}; first: lead {first!r} at row {int(rows[0])}); it "
        "is left out: revenue is won revenue; mark those leads won (won_at) if they are, "
        "or pass their deals with deals=",
        stacklevel=5,  # (the caller of closed_loop)
    )


def revenue_gap(lt: Any, won_without: np.ndarray, what: str, fix: str) -> str | None:
    """Why a key's revenue is NaN: its won leads without a known revenue, ``what`` they lack
    (``None``: none)."""
    rows = np.flatnonzero(won_without)
    if not rows.size:
        return None
    first = lt.column(lt.id_column)[rows[0]]
    return (
        f"{rows.size} won lead(s) have {what} (first: lead {first!r} at row {int(rows[0])}); "
        f"a key with such a lead has no revenue total; {fix}"
    )


def deal_revenue(lt: Any, deals: Any) -> tuple[np.ndarray, np.ndarray]:
    """Won revenue per lead and whether it has a won deal (a deal of an unknown lead is refused)."""
    from .._parse import parse_bool

    n = lt.n_leads
    raw = read_table(deals, table="deals", required=["lead_id", "amount", "won"], fix=FIXED_NAME)
    amount = numeric(
        raw.columns["amount"], column="amount", table="deals", nonnegative=True, allow_missing=True
    )
    w = parse_bool(
        raw.columns["won"],
        column="won",
        table="deals",
        fix="use True/False (or yes/no, 1/0) for won; map the deal stages to it first",
    )
    reject_rows(  # (an open or lost deal's amount is not used: it may be empty)
        w & np.isnan(amount),
        "won deal without an amount",
        column="amount",
        table="deals",
        values=raw.columns["amount"],
        fix="fill the amount of every won deal (its revenue would otherwise be unknown)",
    )
    pos, found = lt.positions(raw.columns["lead_id"], column="lead_id", table="deals")
    reject_rows(
        ~found,
        "deal of a lead that is not in the lead table",
        column="lead_id",
        table="deals",
        values=raw.columns["lead_id"],
        fix="add the lead or drop the deal (its revenue would otherwise be lost)",
    )
    refuse_overflow(amount[w], column="amount", table="deals", positions=np.flatnonzero(w))
    revenue = np.bincount(pos[w], weights=amount[w], minlength=n)
    return revenue, np.bincount(pos[w], minlength=n) > 0
