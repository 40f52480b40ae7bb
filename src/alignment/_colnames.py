"""Column names given by callers and found in inputs: names are text, required ones are
present (with a "did you mean"), none repeats."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ._params import number_sequence
from .errors import DataValidationError, MissingColumnError, ParameterError

__all__ = [
    "FIXED_NAME",
    "NAME_IT",
    "ColumnFix",
    "by_keyword",
    "check_column_names",
    "check_required",
    "close_name",
    "column_list",
    "name_it_with",
    "refuse_duplicates",
    "repeated_names",
]

NAME_IT = (
    "rename the column or pass its name to the function's keyword for that column, if it has one"
)
"""How to supply a missing column when the caller says no more (it passed no keyword for it):
renaming always works; a keyword may name it, without a guess at which."""

FIXED_NAME = "rename the column (the names of this table's columns are fixed)"
"""How to supply a missing column whose name no parameter changes."""

ColumnFix = str | Mapping[str, str] | None
"""How to supply a missing column (the ``fix`` of :func:`check_required`): one text for every
column, one per column (a column left out gets :data:`NAME_IT`), or ``None`` (:data:`NAME_IT`)."""


def check_column_names(wanted: Sequence[Any], table: str) -> None:
    """Refuse a column name that is not a string (``channel=5``, ``channel=None``).

    Column names are text: a frame's integer labels are read as their text (``"0"``), so a
    number for a column keyword is never a column's name.

    Raises
    ------
    ParameterError
        Naming the value, its type and the table.
    """
    for c in wanted:
        if not isinstance(c, str):
            as_text = (
                "" if c is None else f" (a frame's column labels are read as text: {str(c)!r})"
            )
            raise ParameterError(
                f"{table}: column names must be strings; got {c!r} ({type(c).__name__}) for a "
                f"column of this table{as_text}; pass the column's name as text, e.g. "
                "channel='channel'"
            )


def column_list(value: Any, name: str) -> list[Any]:
    """The column names of a parameter that takes several (``stages=``): a list, a tuple or a
    1-D array.  One string is not a sequence of names (it would be read letter by letter).

    Raises
    ------
    ParameterError
        Naming the parameter and the value, for one string or anything not a sequence.
    """
    items = number_sequence(value)
    if items is None:
        one = isinstance(value, str)
        raise ParameterError(
            f"{name} must be a sequence of column names{', not one string' if one else ''}; "
            f"got {value!r}; pass a list, e.g. {name}={[value] if one else ['mql_at']!r}"
        )
    return items


def close_name(name: str, names: Sequence[str]) -> str | None:
    """The name of ``names`` closest to ``name`` (:func:`difflib.get_close_matches`), if any
    is close: the "did you mean" of a missing column.

    Names are compared as their spellings folded (case, and spaces, ``-`` and ``.`` as ``_``):
    ``"LEAD_ID"`` and ``"Lead Id"`` are the closest names to ``"lead_id"``; among names of
    one folded spelling, the first is given.

    Examples
    --------
    >>> close_name("lead_id", ["Lead ID", "Channel"])
    'Lead ID'
    >>> close_name("timestamp", ["time_stamp", "channel"])
    'time_stamp'
    >>> close_name("revenue", ["channel"]) is None
    True
    """
    import difflib

    folded: dict[str, str] = {}
    for n in names:  # (one per column name)
        folded.setdefault(_folded(n), n)
    close = difflib.get_close_matches(_folded(name), list(folded), n=1)
    return folded[close[0]] if close else None


def _folded(name: str) -> str:
    """``name`` compared without case, spaces, ``-`` or ``.`` (``"Lead Id"`` → ``"lead_id"``)."""
    return re.sub(r"[\s.\-]+", "_", name.strip().casefold())


def name_it_with(how: str) -> str:
    """How to supply a missing column that the parameter ``how`` names (``"key='your_column'"``)."""
    return f"rename the column or name yours with {how}"


def by_keyword(keywords: Mapping[str, str]) -> dict[str, str]:
    """The fix of each missing column (a :data:`ColumnFix`) from the keyword naming it.

    ``keywords`` maps a column to the caller's parameter whose value it is.

    Examples
    --------
    >>> by_keyword({"at": "at"})
    {'at': "rename the column or name yours with at='your_column'"}
    """
    return {column: name_it_with(f"{kw}='your_column'") for column, kw in keywords.items()}


def check_required(
    required: Sequence[str],
    names: Sequence[str],
    table: str,
    *,
    fix: ColumnFix = None,
    need: str = "",
) -> None:
    """Raise :class:`MissingColumnError` naming the absent ``required`` columns (and near names).

    ``fix`` says how to supply a missing column in the caller's terms (its parameter or
    option naming the column, see :data:`ColumnFix`); by default :data:`NAME_IT`.  ``need``,
    when given, follows it once (what the table needs, e.g. its other accepted shapes).
    """
    check_column_names(required, table)
    missing = [c for c in required if c not in names]
    if missing:
        hints = []
        texts = [n for n in names if isinstance(n, str)]
        for m in missing:
            close = close_name(m, texts)
            if close is not None:
                hints.append(f"{m!r} → did you mean {close!r}?")
        ways = dict.fromkeys(
            fix if isinstance(fix, str) else (fix or {}).get(m, NAME_IT) for m in missing
        )
        raise MissingColumnError(
            f"required column(s) {', '.join(repr(m) for m in missing)} not found; "
            f"available: {', '.join(repr(n) for n in names) or '(none)'}",
            column=missing[0],
            table=table,
            fix=(" ".join(hints) + " " if hints else "") + "; ".join(ways) + (need and f" {need}"),
        )


def refuse_duplicates(names: Sequence[str], table: str) -> bool:
    """``False`` when every name is unique; else the error naming the repeated ones."""
    dup = repeated_names(names)
    if not dup:
        return False
    raise DataValidationError(
        f"duplicate column name(s) {', '.join(map(repr, dup))}",
        column=dup[0],
        table=table,
        fix="rename or drop the repeated columns so that every name is unique",
    )


def repeated_names(names: Sequence[str]) -> list[str]:
    """The names that occur more than once, sorted."""
    counts: dict[str, int] = {}
    for c in names:  # loop over column names
        counts[c] = counts.get(c, 0) + 1
    return sorted(c for c, k in counts.items() if k > 1)
