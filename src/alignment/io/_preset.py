"""What a CRM export looks like: :class:`Preset`, :class:`ExportTable` and :class:`Lookup`.

A preset is data only: the tables of an export (file names, column names, which of our tables
each one feeds) and the rules that link them (the column that merges two records of one person,
the reference columns resolved through another table, the deal stages that mean "won").  The
reader (:func:`alignment.io.read_crm`) applies it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

from .._params import is_option
from ..errors import ParameterError

__all__ = ["FEEDS", "KINDS", "ExportTable", "Lookup", "Preset", "kind_of", "norm_name"]

#: our tables an export table can feed ("lookup": read only through a :class:`Lookup`)
FEEDS = ("leads", "touchpoints", "deals", "deal_contacts", "activities", "costs", "lookup")

#: how a column's values are read
KINDS = ("text", "time", "flag", "money", "number")

Feeds = Literal["leads", "touchpoints", "deals", "deal_contacts", "activities", "costs", "lookup"]
Kind = Literal["text", "time", "flag", "money", "number"]

_SEPARATORS = re.compile(r"[\s_\-.]+")
_NUMBERS = frozenset({"company_size", "employees", "probability", "score"})
_MONEY = frozenset({"amount", "cost", "revenue"})


def norm_name(name: str) -> str:
    """A file or table name compared loosely: case folded, without spaces, ``_``, ``-``, ``.``."""
    return _SEPARATORS.sub("", name.casefold())


def kind_of(column: str, types: Mapping[str, str] | None = None) -> str:
    """How our column ``column`` is read: ``types`` first, then its name.

    ``timestamp`` and names ending in ``_at`` are instants; ``won``, ``responded`` and names
    starting with ``is_`` or ``has_`` are flags; ``amount``, ``cost`` and ``revenue`` are money;
    ``company_size``, ``employees``, ``probability``, ``score`` numbers; anything else text.
    """
    if types and column in types:
        return types[column]
    if column == "timestamp" or column.endswith("_at"):
        return "time"
    if column in ("won", "responded") or column.startswith(("is_", "has_")):
        return "flag"
    if column in _MONEY:
        return "money"
    if column in _NUMBERS:
        return "number"
    return "text"


def _plural(name: str) -> str:
    low = name.casefold()
    if low.endswith("y") and low[-2:-1] not in tuple("aeiou"):
        return name[:-1] + "ies"
    if low.endswith("s"):
        return name
    return name + "s"


def _frozen_map(value: Mapping[str, Any], what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ParameterError(f"{what} must be a mapping, got {type(value).__name__}")
    for k, v in value.items():
        if not isinstance(k, str) or not k or not (v is None or (isinstance(v, str) and v)):
            raise ParameterError(
                f"{what}: names must be non-empty strings (None drops a column), got {k!r}: {v!r}"
            )
    return MappingProxyType(dict(value))


@dataclass(frozen=True)
class ExportTable:
    """One table of a CRM export.

    Parameters
    ----------
    name : str
        The CRM's name of the table (``"Lead"``, ``"contacts"``); issues name it.
    feeds : {"leads", "touchpoints", "deals", "deal_contacts", "activities", "costs", "lookup"}
        The table of :class:`~alignment.io.CRMData` its rows become (``"lookup"``: read only to
        resolve a :class:`Lookup`).
    columns : mapping of str to str
        ``{their column: our column}``.  Several of their columns may map to one of ours: the
        first one (in mapping order) with a value wins, row by row.  A column found in the file
        under another case (``"email"`` for ``"Email"``) is matched too.  Columns not listed
        are not read.
    patterns : tuple of str, optional
        File-name patterns (``fnmatch`` style, compared case-insensitively without spaces,
        ``_``, ``-``, ``.``) of the file holding the table, without the extension.  Default:
        the name and its plural (``Opportunity``, ``Opportunities``).
    optional : bool
        Whether the table may be absent (read as empty, with an issue).
    keep_when : str, optional
        Our flag column (e.g. ``"responded"``): rows where it is false are not used, and are
        listed in the issues as ``skip_reason``.
    skip_reason : str
        The issue text of those rows, e.g. ``"not a touch (no response)"``.
    noun : str
        What one row is (``"touch"``, ``"task"``), for issue texts such as
        ``"task of an unknown person"``.
    merges_into : str, optional
        For a table feeding ``leads``: the table whose records our column ``merged_into``
        names (Salesforce: a converted ``Lead`` names its ``Contact``).  Both records become
        one person, with the id of the record named.
    lists : tuple of str
        Our id columns whose cells may list several ids joined by the preset's ``separator``
        (a HubSpot contact's "Associated Company IDs", ``"901;902"``): the first listed is kept,
        and the rows listing several are in the issues.  A deal's ``account_id`` is always read
        so.
    given : tuple of str
        Their columns mapped by the caller (``columns=`` of :func:`~alignment.io.read_crm`,
        set by :meth:`with_columns`): each must be in the file (a missing one is an error,
        never a mapping with no effect).
    """

    name: str
    feeds: Feeds
    columns: Mapping[str, str | None]
    patterns: tuple[str, ...] = ()
    optional: bool = False
    keep_when: str | None = None
    skip_reason: str = "not used"
    noun: str = "row"
    merges_into: str | None = None
    lists: tuple[str, ...] = ()
    given: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ParameterError(f"ExportTable.name must be a non-empty string, got {self.name!r}")
        if not is_option(self.feeds, FEEDS):
            raise ParameterError(
                f"ExportTable {self.name!r}: feeds must be one of {', '.join(FEEDS)}, "
                f"got {self.feeds!r}"
            )
        object.__setattr__(
            self, "columns", _frozen_map(self.columns, f"ExportTable {self.name!r} columns")
        )
        patterns = tuple(self.patterns) or (self.name, _plural(self.name))
        if not all(isinstance(p, str) and p for p in patterns):
            raise ParameterError(f"ExportTable {self.name!r}: patterns must be non-empty strings")
        object.__setattr__(self, "patterns", patterns)
        lists = tuple(self.lists)
        if not all(isinstance(c, str) and c for c in lists):
            raise ParameterError(f"ExportTable {self.name!r}: lists must be non-empty strings")
        object.__setattr__(self, "lists", lists)

    def ours(self) -> list[str]:
        """Our columns the table can give (in first-mapping order)."""
        return list(dict.fromkeys(v for v in self.columns.values() if v is not None))

    def theirs(self, ours: str) -> list[str]:
        """Their columns mapped to our column ``ours`` (in priority order)."""
        return [k for k, v in self.columns.items() if v == ours]

    def with_columns(self, columns: Mapping[str, str | None]) -> ExportTable:
        """A copy whose column map is extended (or overridden) by ``columns``.

        A column of ``columns`` mapped to one of ours the map fills already comes first: its
        value wins, the map's columns fill only the cells it leaves empty (``None`` as our
        column drops one of them).  A column of the map given again takes the new mapping.
        """
        given = _frozen_map(columns, f"columns for {self.name!r}")
        merged: dict[str, str | None] = {}
        for theirs, ours in self.columns.items():  # (a loop over the map's columns)
            ours = given.get(theirs, ours)
            first = [t for t, o in given.items() if o is not None and o == ours]
            merged.update((t, ours) for t in first if t not in merged)
            merged.setdefault(theirs, ours)
        merged.update((t, o) for t, o in given.items() if t not in merged)
        mapped = tuple(t for t, o in given.items() if o is not None)
        return replace(self, columns=merged, given=tuple(dict.fromkeys([*self.given, *mapped])))


@dataclass(frozen=True)
class Lookup:
    """A reference column resolved through another table (an owner id to the owner's name).

    Parameters
    ----------
    table : str
        The table looked into (``"User"``).
    key : str
        Our column of that table holding its ids (``"user_id"``).
    ref : str
        Our column of the reading tables holding the references (``"owner_id"``).
    take : mapping of str to str
        ``{our column of the looked-up table: our column of the reading table}``, e.g.
        ``{"name": "owner"}``.
    into : tuple of str
        The reading tables (``("Lead", "Contact")``).
    keep_ref : str, optional
        Our column that gets the reference itself when it is not found (so an owner missing
        from the ``User`` export is shown by its id rather than not at all); the rows are listed
        in the issues either way.
    """

    table: str
    key: str
    ref: str
    take: Mapping[str, str]
    into: tuple[str, ...]
    keep_ref: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "take", _frozen_map(self.take, f"Lookup {self.table!r} take"))
        object.__setattr__(self, "into", tuple(self.into))
        if not self.into or not all(isinstance(t, str) for t in self.into):
            raise ParameterError(f"Lookup {self.table!r}: into must name the reading tables")
        if self.keep_ref is not None and not is_option(self.keep_ref, tuple(self.take.values())):
            raise ParameterError(
                f"Lookup {self.table!r}: keep_ref must be one of the columns it fills "
                f"({', '.join(self.take.values())}), got {self.keep_ref!r}"
            )


@dataclass(frozen=True)
class Preset:
    """How to read one CRM's exports into :class:`~alignment.io.CRMData`.

    Parameters
    ----------
    name : str
        The CRM (``"salesforce"``); becomes ``CRMData.source``.
    tables : tuple of ExportTable
        The tables of the export.  Tables feeding ``leads`` are merged in this order (the first
        table's value of a column wins when two records of one person both have one).
    lookups : tuple of Lookup
        References resolved through other tables.
    won_stages : tuple of str, optional
        Deal stages that mean "won" (compared case-folded); when ``None``, deals need a
        ``won`` flag column.
    lost_stages : tuple of str
        Deal stages that mean "closed and lost": a deal in one is closed when the deals have
        no ``is_closed`` flag; with the flag, a deal in one that the flags call open or won is
        listed in the issues (the flags are kept).
    stage_outcomes : mapping of str to {"won", "lost"}
        Stage names whose outcome the deals' flags are checked against, without deciding it
        (Salesforce: ``{"Closed Won": "won", "Closed Lost": "lost"}``): a deal whose ``won``
        or ``is_closed`` flag contradicts its stage is listed in the issues, read as the
        flags say.  Only when ``won`` is read from a flag (no ``won_stages``).
    separator : str
        Separator of multi-valued id cells (``"1522;1506"``).
    stages_from_deals : bool
        Derive ``opportunity_at`` (first deal created) and ``won_at`` (first won deal closed)
        of each person from the deals when the person tables do not give them.
    types : mapping of str to str, optional
        How our columns are read when their name does not say it (see
        :func:`~alignment.io.kind_of`): ``"text"``, ``"time"``, ``"flag"``, ``"money"`` or
        ``"number"``.

    Examples
    --------
    >>> from alignment.io import ExportTable, Preset
    >>> tiny = Preset(
    ...     name="tinycrm",
    ...     tables=(
    ...         ExportTable("people", "leads", {"ID": "lead_id", "Created": "created_at"}),
    ...         ExportTable("sales", "deals", {"ID": "deal_id", "Opened": "created_at",
    ...                                         "Value": "amount", "Won?": "won"}),
    ...     ),
    ... )
    >>> [t.name for t in tiny.tables]
    ['people', 'sales']
    """

    name: str
    tables: tuple[ExportTable, ...]
    lookups: tuple[Lookup, ...] = ()
    won_stages: tuple[str, ...] | None = None
    lost_stages: tuple[str, ...] = ()
    stage_outcomes: Mapping[str, str] = field(default_factory=dict)
    separator: str = ";"
    stages_from_deals: bool = True
    types: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        tables = tuple(self.tables)
        object.__setattr__(self, "tables", tables)
        object.__setattr__(self, "lookups", tuple(self.lookups))
        if not tables or not all(isinstance(t, ExportTable) for t in tables):
            raise ParameterError("Preset.tables must be a non-empty tuple of ExportTable")
        names = [norm_name(t.name) for t in tables]
        if len(set(names)) != len(names):
            raise ParameterError(f"Preset {self.name!r}: table names must be distinct")
        if not any(t.feeds == "leads" for t in tables):
            raise ParameterError(f"Preset {self.name!r}: one table at least must feed 'leads'")
        for lk in self.lookups:
            for name in (lk.table, *lk.into):
                self.table(name)  # raises for an unknown table
        bad = {k: v for k, v in dict(self.types).items() if not is_option(v, KINDS)}
        if bad:
            raise ParameterError(f"Preset.types: kinds must be one of {', '.join(KINDS)}: {bad}")
        object.__setattr__(self, "types", MappingProxyType(dict(self.types)))
        if self.won_stages is not None:
            object.__setattr__(self, "won_stages", _stages(self.won_stages, "won_stages"))
        object.__setattr__(self, "lost_stages", _stages(self.lost_stages, "lost_stages"))
        object.__setattr__(self, "stage_outcomes", _outcomes(self.stage_outcomes))
        if not isinstance(self.separator, str) or not self.separator:
            raise ParameterError("Preset.separator must be a non-empty string")

    def table(self, name: str) -> ExportTable:
        """The table called ``name`` (compared loosely, see :func:`norm_name`)."""
        key = norm_name(name)
        for t in self.tables:
            if norm_name(t.name) == key:
                return t
        raise ParameterError(
            f"preset {self.name!r} has no table {name!r}; its tables: "
            + ", ".join(t.name for t in self.tables)
        )

    def with_columns(self, columns: Mapping[str, Mapping[str, str | None]] | None) -> Preset:
        """A copy with the column maps of some tables extended or overridden.

        Parameters
        ----------
        columns : mapping, optional
            ``{table name: {their column: our column}}``; our column ``None`` drops their
            column from the preset's map.
        """
        if not columns:
            return self
        if not isinstance(columns, Mapping):
            raise ParameterError(
                "columns must map table names to {their column: our column}, got "
                f"{type(columns).__name__}"
            )
        updated = {t.name: t for t in self.tables}
        for name, cols in columns.items():
            t = self.table(str(name))
            updated[t.name] = updated[t.name].with_columns(cols)
        return replace(self, tables=tuple(updated[t.name] for t in self.tables))

    def kind(self, column: str) -> str:
        """How our column ``column`` is read (see :func:`kind_of`)."""
        return kind_of(column, self.types)


def _stages(values: Iterable[str] | str, what: str) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    out = tuple(values)
    if not all(isinstance(v, str) and v.strip() for v in out):
        raise ParameterError(f"{what} must be non-empty strings, got {out!r}")
    return out


def _outcomes(values: Mapping[str, str]) -> Mapping[str, str]:
    """``stage_outcomes`` checked: non-empty stage names, each ``"won"`` or ``"lost"``."""
    if not isinstance(values, Mapping):
        raise ParameterError(
            f"stage_outcomes must map stage names to 'won' or 'lost', got {type(values).__name__}"
        )
    for stage, outcome in values.items():
        if not (isinstance(stage, str) and stage.strip()) or not is_option(
            outcome, ("won", "lost")
        ):
            raise ParameterError(
                "stage_outcomes must map non-empty stage names to 'won' or 'lost', got "
                f"{stage!r}: {outcome!r}"
            )
    return MappingProxyType(dict(values))
