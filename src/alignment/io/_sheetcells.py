"""Cells a spreadsheet wrote in place of a value, never read as text.

An export opened and saved in a spreadsheet may hold its error values (``#N/A``, ``#VALUE!``
…: a formula that failed) where a value was, and long numeric ids turned into numbers in
scientific notation (``1.23E+17``: the id's other digits are lost).  Read as text, the first
would be a channel, a stage or a person's id ``"#N/A"``, the second an id that matches no
record, or that merges every record whose id it rounds.  Both are refused, naming the table,
column, rows and value.  Amounts, numbers and instants refuse them already (not a number, not
a date).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._cells import ArrowStrings, holding
from .._columns import Categorical, stored
from ..errors import DataValidationError
from ._locate import Raw
from ._values import CodedText

__all__ = ["refuse_sheet_cells"]

#: the error values a spreadsheet writes in a cell (compared case-folded, trimmed)
SHEET_ERRORS = frozenset(
    e.casefold()
    for e in (
        "#N/A",
        "#VALUE!",
        "#REF!",
        "#DIV/0!",
        "#NUM!",
        "#NAME?",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#GETTING_DATA",
    )
)

#: an id (or one id of a list) in a spreadsheet's scientific notation
_SCIENTIFIC = re.compile(r"(?:^|[;,\s])[+-]?[0-9](?:\.[0-9]+)?[eE]\+[0-9]+(?:$|[;,\s])")


def _is_id(ours: str) -> bool:
    return ours.endswith(("_id", "_ids")) or ours == "merged_into"


def _suspects(texts: Any) -> np.ndarray:
    """Positions of the strings of ``texts`` that hold ``#`` or ``+`` (anywhere: an error
    value may come with spaces before it): the only ones checked further."""
    return holding(texts, ("#", "+"))


def _strings_at(texts: Any, at: np.ndarray) -> list[str]:
    if isinstance(texts, ArrowStrings) and not texts.is_made():
        return texts.strings_at(at)
    return [str(s) for s in np.asarray(texts, dtype=object)[at]]


def _bad(texts: Any, is_id: bool, at: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``texts`` of spreadsheet error values and (``is_id``) of ids in
    scientific notation (among ``at``, the suspects, when found already)."""
    at = _suspects(texts) if at is None else at
    if not at.size:
        return at, at
    strings = _strings_at(texts, at)  # (a few: only the suspects)
    errors = np.array([s.strip().casefold() in SHEET_ERRORS for s in strings], dtype=bool)
    sci = np.array([is_id and _SCIENTIFIC.search(s) is not None for s in strings], dtype=bool)
    return at[errors], at[sci & ~errors]


def _distinct(column: Any) -> tuple[Any, np.ndarray] | None:
    """The strings of a file's column as held, each once, and each row's code into them: a
    factorised column's categories, a coded column's texts (``None``: another column)."""
    if isinstance(column, CodedText):
        return column.texts, column.codes()
    if isinstance(column, Categorical):
        return stored(column, "categories"), column.codes
    return None


def _check(
    texts: Any,
    codes: np.ndarray | None,
    table: str,
    column: str,
    is_id: bool,
    at: np.ndarray | None = None,
) -> None:
    """Refuse the spreadsheet cells among ``texts`` (the rows' codes into them, ``None``: one
    per row; ``at``: the suspects, when found already)."""
    errors, sci = _bad(texts, is_id, at)
    for bad, (problem, fix) in ((errors, _WHY["error"]), (sci, _WHY["scientific"])):
        if bad.size:
            rows = bad if codes is None else np.flatnonzero(np.isin(codes, bad))
            first = _strings_at(texts, bad[:1])[0]
            raise DataValidationError(
                problem, table=table, column=column, rows=rows, value=first, fix=fix
            )


_WHY = {
    "error": (
        "a spreadsheet's error value (a formula that failed), not a value",
        "correct these cells, or export the table again from the CRM and read that file "
        "(a file saved from a spreadsheet holds what its formulas gave)",
    ),
    "scientific": (
        "an id written in scientific notation by a spreadsheet (its other digits are lost)",
        "export the table again from the CRM and read that file, without opening and "
        "saving it in a spreadsheet (or import the column as text there)",
    ),
}


def refuse_sheet_cells(
    raw: Raw, table: str, ours: str, theirs: Sequence[str], typed: np.ndarray
) -> None:
    """Refuse the spreadsheet cells of the columns ``theirs`` of ``raw`` (the file of the
    export table ``table``) read as our text column ``ours``, ``typed`` (their values, the
    first with a value winning).  A factorised column's distinct values are checked once
    each; the values of the others (frames, dicts, columns of lists) in ``typed``.

    Raises
    ------
    DataValidationError
        A spreadsheet error value in a text column, or an id in scientific notation in an id
        column (ours ending in ``_id``, ``_ids``, or ``merged_into``).
    """
    is_id = _is_id(ours)
    held = [None if n in raw.lists else _distinct(raw.columns[n]) for n in theirs]
    unread = []
    for name, got in zip(theirs, held, strict=True):  # a loop over the columns feeding ours
        if got is not None:
            _check(got[0], got[1], table, name, is_id)
        elif name in raw.lists or not _checked_as_held(raw.columns[name], table, name, is_id):
            unread.append(name)
    if unread:  # (columns of lists, mixed cells: the values read, as typed)
        texts, codes = _distinct(typed) or (typed, None)
        _check(texts, codes, table, "/".join(unread), is_id)


def _checked_as_held(column: Any, table: str, name: str, is_id: bool) -> bool:
    """Refuse the spreadsheet cells of a frame's or dict's column as held (every row of it,
    as a file's column is checked, whichever column gives the value read); ``False`` when
    its values are not all text or missing (then checked as typed)."""
    cells = np.asarray(column)
    if cells.dtype.kind not in "OUT":
        return cells.dtype.kind in "biufcmM"  # (numbers, flags, instants: no text cell)
    texts = cells.astype(object)
    try:
        at = _suspects(texts)
    except (TypeError, ValueError):  # (not all text: Arrow's type errors are of these kinds)
        return False
    _check(texts, None, table, name, is_id, at)
    return True
