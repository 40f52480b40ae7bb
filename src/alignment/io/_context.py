"""The state of one read: typed tables as dicts of columns, and the issues found so far.

Every working table carries two internal columns, ``_src`` (which export table a row comes
from) and ``_row`` (its 0-based row in that table's file or frame), so that a row left out or
changed is named in :attr:`CRMData.issues` by the CRM's table, column and row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._crm import DataIssue
from .._segments import take_rows
from ._preset import Preset
from ._values import (
    CodedText,
    Options,
    code_width,
    empty_like_kind,
    is_missing,
    joined_texts,
    plain,
)

__all__ = [
    "DEAL",
    "DEAL_RANK",
    "LINK",
    "LIVE",
    "LOOKUP",
    "PERSON",
    "READ",
    "ROW",
    "SRC",
    "Context",
    "Table",
    "concat",
    "n_rows",
    "take",
    "take_column",
]

#: a working table: our column name -> array (all of one length)
Table = dict[str, np.ndarray]

SRC, ROW = "_src", "_row"
#: a linked table's row of each person in the persons table (whose ids are sorted)
PERSON = "_person"
#: a deal contact's row of its deal in the deals table
DEAL = "_deal"
#: the rank of a deal's id among the deals' ids (from their one factorisation): the sort key
#: of ``deal_id`` in the deals and in their contacts, without factorising the ids again
DEAL_RANK = "_deal_rank"
#: the rows still in a linked table (touches, tasks): rows its flag or its links leave out
#: stay in its columns until the table is put in order (one gather, not one per step); a
#: finding names only rows still in (:meth:`Context.flag`)
LIVE = "_live"


def n_rows(table: Table) -> int:
    """Number of rows of a working table."""
    return int(table[ROW].size) if ROW in table else 0


def take(table: Table, index: np.ndarray) -> Table:
    """The rows at ``index`` (positions or a mask), every column.

    A mask that keeps every row gives the same arrays, not copies: the working tables replace
    their columns and never write into them, and a read's tables are large (a fresh copy of a
    touch table is hundreds of megabytes of new memory)."""
    if index.dtype == bool and index.size and bool(index.all()):
        return dict(table)
    if index.dtype.kind in "iu" and index.dtype != np.intp and len(table) > 1:
        index = index.astype(np.intp)  # (once: numpy gathers by intp positions only)
    return {k: take_column(v, index) for k, v in table.items()}


def take_column(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """One column's rows at ``index`` (a long column of numbers or codes: two threads)."""
    if isinstance(values, CodedText):
        return CodedText(take_rows(values.codes(), index), values.texts)
    return take_rows(values, index)


#: the stages of a read, in the order their findings are listed (:meth:`Context.part`)
READ, LOOKUP, LINK = 0, 1, 2


@dataclass
class Context:
    """What a read knows besides its tables: the preset, the options, the issues.

    The export tables are numbered (``_src``) in the preset's order from the start, whatever
    order they are read in.  A step records its findings in its own part of the list
    (:meth:`part`): the list reads in the order of the steps (:meth:`findings`), whether they
    ran in that order, out of it or on another thread.
    """

    preset: Preset
    opts: Options
    names: list[str] = field(default_factory=list)
    their: dict[tuple[str, str], str] = field(default_factory=dict)
    issues: list[DataIssue] = field(default_factory=list)
    currencies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)  # (each file's column names)
    parts: dict[tuple[int, ...], list[DataIssue]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for spec in self.preset.tables:  # a loop over the export tables
            self.src(spec.name)

    def part(self, *key: int) -> Context:
        """This read's context, its findings recorded in part ``key`` of the list (``(READ,
        table)``, ``(LOOKUP, lookup, table)``, ``(LINK, step)``).  Made by the calling thread
        before a step starts; everything else is shared."""
        return replace(self, issues=self.parts.setdefault(key, []))

    def findings(self) -> list[DataIssue]:
        """Every finding: the parts in the order of their keys, then those of no part."""
        listed = [issue for key in sorted(self.parts) for issue in self.parts[key]]
        return listed + self.issues

    def src(self, name: str) -> int:
        """The ``_src`` code of export table ``name``."""
        if name not in self.names:
            self.names.append(name)
        return self.names.index(name)

    def their_name(self, table: str, ours: str | None) -> str | None:
        """Their column(s) read into our column ``ours`` of ``table`` (``None``: none); when
        the table has none of the columns mapped to ours, those columns marked absent
        (``"CloseDate (absent)"``), and ours when none is mapped."""
        if ours is None:
            return None
        named = self.their.get((table, ours))
        if named is not None:
            return named
        theirs = self.preset.table(table).theirs(ours)
        return f"{'/'.join(theirs)} (absent)" if theirs else ours

    def note(
        self,
        table: str,
        problem: str,
        action: str,
        *,
        column: str | None = None,
        rows: Sequence[int] | np.ndarray = (),
    ) -> None:
        """Record one finding (rows sorted, as file positions, each once: a row whose cell
        lists several ids, ``"1522;1522"``, is one row of the file)."""
        at = np.asarray(rows, dtype=np.int64)
        if at.size > 1 and not bool(np.all(at[1:] > at[:-1])):  # (mostly in order already)
            at = np.sort(at)
            at = at[np.append(True, at[1:] != at[:-1])]
        listed: Any = at  # (the sorted positions: a tuple of ints once read, DataIssue.rows)
        self.issues.append(DataIssue(table, column, listed, problem, action))

    def flag(
        self, table: Table, mask: np.ndarray, ours: str | None, problem: str, action: str
    ) -> None:
        """Record the rows of ``table`` where ``mask`` holds, one finding per export table
        (``{noun}`` in ``problem`` becomes what one row of that table is)."""
        mask = np.asarray(mask, dtype=bool)
        if LIVE in table:  # (rows left out already are not named again)
            mask = mask & table[LIVE]
        if not mask.any():
            return
        every = table[SRC]
        rows = table[ROW][mask]
        if every.size and every.min() == every.max():  # (one export table: its rows as they are)
            src, codes = None, [int(every[0])]
        else:
            src = every[mask]
            codes = np.flatnonzero(np.bincount(src)).tolist()
        for code in codes:  # a loop over export tables
            name = self.names[code]
            text = problem.replace("{noun}", self.preset.table(name).noun)
            mine = rows if src is None else rows[src == code]
            self.note(name, text, action, column=self.their_name(name, ours), rows=mine)

    def kind(self, column: str) -> str:
        """How our column is read (see :meth:`Preset.kind`)."""
        return self.preset.kind(column)


def concat(parts: Sequence[Table], ctx: Context) -> Table:
    """Rows of several working tables, one after the other; a column missing from a part is
    filled with missing values of its kind."""
    parts = [p for p in parts if p]
    if not parts:
        return {}
    if len(parts) == 1:
        return dict(parts[0])
    names = list(dict.fromkeys(k for p in parts for k in p))
    out: Table = {}
    for name in names:
        pieces: list[Any] = []
        for p in parts:
            if name in p:
                pieces.append(p[name])
            elif name == LIVE:
                pieces.append(np.ones(n_rows(p), dtype=bool))
            else:
                pieces.append(empty_like_kind(ctx.kind(name), n_rows(p)))
        out[name] = _joined(pieces)
    return out


def _joined(pieces: list[np.ndarray]) -> np.ndarray:
    """Pieces of one column, one after the other (coded texts stay coded when all are)."""
    coded = [p for p in pieces if isinstance(p, CodedText)]
    if not coded:
        return np.concatenate(pieces)
    if len(coded) < len(pieces):
        if not all(isinstance(p, CodedText) or is_missing(p).all() for p in pieces):
            return np.concatenate([plain(p) for p in pieces])
        texts = coded[0].texts  # (a column a part lacks: all missing, coded as such)
        coded = [
            p if isinstance(p, CodedText) else CodedText(np.full(p.size, -1), texts) for p in pieces
        ]
    if all(p.texts is coded[0].texts for p in coded):  # (one vocabulary: the codes as they are)
        return CodedText(np.concatenate([p.codes() for p in coded]), coded[0].texts)
    texts = joined_texts([p.texts for p in coded])
    out = np.empty(sum(p.size for p in coded), dtype=code_width(texts.size))
    start, offset = 0, 0
    for p in coded:  # a loop over parts: each part's codes shifted past the texts before
        part, codes = out[start : start + p.size], p.codes()
        np.add(codes, offset, out=part, casting="unsafe")
        np.copyto(part, -1, where=codes < 0)
        start, offset = start + p.size, offset + p.texts.size
    return CodedText(out, texts)
