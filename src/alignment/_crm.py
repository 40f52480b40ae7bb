"""The one bundle of CRM tables every engine accepts: :class:`CRMData` (numpy only).

Built by :func:`alignment.io.read_crm` from a CRM's exports and by
:func:`alignment.datasets.synthetic_crm`.  Each table is a dict of numpy column arrays (strings
as ``object`` arrays with ``None`` for missing, instants ``datetime64[us]`` UTC with ``NaT``,
numbers ``float64``, flags ``bool``), read-only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from ._filetexts import deferred_categorical
from ._frame_types import pandas_frames
from ._later_tables import TABLE_LOCK, LaterTable, TableField, held_rows
from ._params import is_option

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    from ._frame_types import Columns
    from .models import Persona
    from .tables import ActivityLog, Journeys, LeadTable

__all__ = ["OPTIONAL_TABLES", "TABLES", "CRMData", "DataIssue", "DataIssues", "is_crm"]

#: the tables of a bundle, in the order they are listed
TABLES = ("leads", "touchpoints", "deals", "deal_contacts", "activities", "costs")

#: the tables a bundle may hold (empty when its source has none): listed after :data:`TABLES`
OPTIONAL_TABLES = ("stage_events",)

_TIME = np.dtype("datetime64[us]")


class _Rows:
    """The ``rows`` of a :class:`DataIssue`: given as a tuple, or as an array of row positions
    (the reader's, sorted) that becomes the tuple of Python ints on its first read.  A read of
    a large export names millions of rows; most are only counted (:meth:`DataIssue.n_rows`)."""

    _key = "_rows"

    def __get__(self, obj: Any, owner: type | None = None) -> tuple[int, ...]:
        if obj is None:  # (no default: the field is required)
            raise AttributeError("rows")
        held = obj.__dict__[self._key]
        if isinstance(held, np.ndarray):
            held = tuple(held.tolist())
            obj.__dict__[self._key] = held
        return held  # type: ignore[no-any-return]

    def __set__(self, obj: Any, value: Any) -> None:
        if isinstance(value, np.ndarray):
            value = np.array(value, dtype=np.int64)  # (its own copy, never the caller's)
            value.flags.writeable = False
        else:
            value = tuple(int(r) for r in value)
        obj.__dict__[self._key] = value

    @classmethod
    def count(cls, obj: Any) -> int:
        return len(obj.__dict__[cls._key])


@dataclass(frozen=True)
class DataIssue:
    """One data-quality finding made while reading an export.

    Attributes
    ----------
    table : str
        The table it was found in (the CRM's table name, e.g. ``"Opportunity"``, or ours).
    column : str or None
        The column concerned, when one is.
    rows : tuple of int
        Zero-based row positions in that table's file or frame.  The reader hands them over as
        an array of positions, made a tuple of Python ints on the first read of ``rows``
        (:attr:`n_rows` counts them without it): a large export's findings name millions of
        rows.  Rows given as an array are copied.
    problem : str
        What is wrong (``"duplicate person"``, ``"touch of an unknown person"`` ...).
    action : str
        What was done about it (``"merged into the contact"``, ``"left out"`` ...).
    """

    table: str
    column: str | None
    rows: tuple[int, ...]
    problem: str
    action: str

    @property
    def n_rows(self) -> int:
        """Number of rows (without making :attr:`rows`)."""
        return _Rows.count(self)

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        first = ", ".join(str(r) for r in self.rows[:5]) + (" ..." if len(self.rows) > 5 else "")
        return f"{where}: {self.problem} ({len(self.rows)} row(s): {first}) -> {self.action}"


# (set after the class is made: the field keeps no default, its reads and writes go through
# the descriptor; a frozen dataclass's __init__ writes it with object.__setattr__)
setattr(DataIssue, "rows", _Rows())  # noqa: B010


class DataIssues(Sequence[DataIssue]):
    """The findings of one read, as a read-only sequence with a frame view."""

    __slots__ = ("_items",)

    def __init__(self, items: Sequence[DataIssue] = ()) -> None:
        self._items = tuple(items)

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[DataIssue]:
        return iter(self._items)

    def __repr__(self) -> str:
        if not self._items:
            return "DataIssues(none)"
        return "DataIssues(\n" + "\n".join(f"  {i}" for i in self._items) + "\n)"

    def n_rows(self) -> int:
        """Number of rows named by all findings."""
        return sum(i.n_rows for i in self._items)

    @pandas_frames
    def to_frame(self, backend: str = "pandas") -> Any:
        """One row per finding: table, column, n_rows, rows, problem, action.

        Parameters
        ----------
        backend : {"pandas", "polars", "pyarrow", "dict"}
        """
        from ._frames import to_native

        items = self._items
        cols = {
            "table": np.array([i.table for i in items], dtype=object),
            "column": np.array([i.column for i in items], dtype=object),
            "n_rows": np.array([i.n_rows for i in items], dtype=np.int64),
            "rows": np.array([", ".join(map(str, i.rows)) for i in items], dtype=object),
            "problem": np.array([i.problem for i in items], dtype=object),
            "action": np.array([i.action for i in items], dtype=object),
        }
        return to_native(cols, backend)


def _empty(names: Mapping[str, np.dtype[Any] | type]) -> dict[str, np.ndarray]:
    return {k: np.empty(0, dtype=v) for k, v in names.items()}


CodedColumns = dict[tuple[str, str], tuple[Any, ...]]
"""``(table, column)`` → ``(array, codes, texts)``, or ``(array, Categorical)`` once factorised."""


@dataclass(frozen=True, repr=False)
class CRMData:
    """A CRM's tables, read once, for every engine.

    The reader and the synthetic generator may hand a table over with its text columns as
    codes into their texts: the table's dict of arrays is then made on its first read (each
    row's string written once, under a lock), the same as an eager table.  The engines read
    such columns through their codes and never make the strings.

    Attributes
    ----------
    leads : dict of str to ndarray
        One row per person: ``lead_id``, ``created_at``, the stage instants (``mql_at``,
        ``sql_at`` ...), ``source``, ``email``, ``account_id`` and any other lead column.
    touchpoints : dict of str to ndarray
        ``lead_id``, ``timestamp``, ``channel``, ``campaign`` (+ ``kind``, ``cost`` when known).
    deals : dict of str to ndarray
        ``deal_id``, ``account_id``, ``amount``, ``created_at``, ``closed_at``, ``won``
        (bool), ``stage``.
    deal_contacts : dict of str to ndarray
        ``deal_id``, ``lead_id``, ``role``, ``is_primary``: the persons of each deal (many to
        many).
    activities : dict of str to ndarray
        ``lead_id``, ``timestamp``, ``kind``, ``rep`` (+ ``outcome``).
    costs : dict of str to ndarray
        ``campaign``, ``channel``, ``cost`` (+ ``month`` when known).
    stage_events : dict of str to ndarray
        ``lead_id``, ``stage``, ``at``: the lifecycle changes of the leads (what CRMs export
        as lifecycle or status history; recycled leads re-enter a stage).  Empty when the
        source has none (``alignment.funnel.history`` then reads the leads' stage instants).
    issues : DataIssues
        Data-quality findings of the read: every input row is used or listed here.
    source : str
        Where the data came from (``"salesforce"``, ``"hubspot"``, ``"synthetic"`` ...).
    tz : str or None
        The zone naive timestamps of the files were read in (``None``: UTC).
    currency : str or None
        The currency amounts were written in, when the export named one.
    personas : list of alignment.Persona
        Persona definitions that come with the data (synthetic data has them).
    sla : dict or None
        An example agreement that comes with the data (synthetic data has one).
    start, as_of : numpy.datetime64 or None
        The first day covered and the extraction instant.
    seed : int or None
        The seed of synthetic data.
    """

    # (each table a dict of arrays; the reader may hand one over with its text columns as codes,
    # the strings then written on the first read of the table: see ._later_tables)
    leads: TableField = TableField()  # noqa: RUF009 (a descriptor)
    touchpoints: TableField = TableField()  # noqa: RUF009 (a descriptor)
    deals: TableField = TableField()  # noqa: RUF009 (a descriptor)
    deal_contacts: TableField = TableField()  # noqa: RUF009 (a descriptor)
    activities: TableField = TableField()  # noqa: RUF009 (a descriptor)
    costs: TableField = TableField()  # noqa: RUF009 (a descriptor)
    stage_events: dict[str, np.ndarray] = field(default_factory=lambda: empty_stage_events())
    issues: DataIssues = field(default_factory=DataIssues, repr=False)
    source: str = "custom"
    tz: str | None = None
    currency: str | None = None
    personas: list[Persona] = field(default_factory=list, repr=False)
    sla: dict[str, Any] | None = field(default=None, repr=False)
    start: np.datetime64 | None = None
    as_of: np.datetime64 | None = None
    seed: int | None = None
    _coded: CodedColumns = field(default_factory=dict, init=False, repr=False, compare=False)
    """Text columns the reader held as codes, by ``(table, column)``: the column's array as it
    was read, the codes (``-1``: missing) and the texts they index.  Engines read such a
    column through its codes (:meth:`_coded_table`) while the table still holds that array."""

    # ------------------------------------------------------------------ views

    def _coded_table(self, name: str) -> dict[str, Any]:
        """The table ``name`` with the text columns known as codes given as factorised columns.

        A column is given so only while the table holds the very array the reader made (the
        arrays are read-only: the same array, the same values); any other column as it is.  A
        table not made yet (its text held as codes) is not made for this.
        """
        held = self.__dict__.get(name)
        table = self._later_table(name, held) if isinstance(held, LaterTable) else None
        if table is None:
            table = dict(getattr(self, name))
        for (tname, column), entry in list(self._coded.items()):  # (others may add entries)
            if tname != name or entry[0] is None or table.get(column) is not entry[0]:
                continue
            if len(entry) == 3:  # (factorised on first use of its codes, then kept)
                cat = deferred_categorical(entry[1], entry[2])
                if cat is None:
                    continue
                entry = self._coded[tname, column] = (entry[0], cat)
            table[column] = entry[1]
        return table

    def _later_table(self, name: str, held: LaterTable) -> dict[str, Any] | None:
        """A table not made yet, its text columns as factorised columns (``None`` when they
        cannot be: without pyarrow)."""
        table: dict[str, Any] = {}
        for column, value in held.columns.items():
            if not isinstance(value, tuple):
                table[column] = value
                continue
            with TABLE_LOCK:  # (the table may be made meanwhile: its array then kept)
                entry = self._coded.get((name, column))
                if entry is None or len(entry) == 3:
                    cat = deferred_categorical(*value)
                    if cat is None:
                        return None
                    # (kept: the table made later keeps it beside its array, see _made)
                    entry = self._coded.get((name, column))  # (as it is now)
                    if entry is None or len(entry) == 3:
                        made = None if entry is None else entry[0]
                        entry = self._coded[name, column] = (made, cat)
            table[column] = entry[1]
        return table

    def _made(self, name: str, held: LaterTable, table: dict[str, np.ndarray]) -> None:
        """The table ``name`` was made of ``held``: each text column's codes are kept beside the
        array made of them (for :meth:`_coded_table`)."""
        for column, value in held.columns.items():
            if isinstance(value, tuple):
                entry = self._coded.get((name, column))
                kept = (*value,) if entry is None or len(entry) == 3 else (entry[1],)
                self._coded[name, column] = (table[column], *kept)

    def _columns(self, name: str) -> list[str]:
        """The column names of the table ``name`` (its strings not written for this)."""
        held = self.__dict__.get(name)
        return list(held.columns if isinstance(held, LaterTable) else getattr(self, name))

    def _rows(self, name: str) -> int:
        """The number of rows of the table ``name`` (its strings not written for this)."""
        return (
            held_rows(self.__dict__[name])
            if name in self.__dict__
            else _n_rows(getattr(self, name))
        )

    @property
    def n_leads(self) -> int:
        """Number of persons."""
        held = self.__dict__["leads"]
        return held.n_rows if isinstance(held, LaterTable) else int(held["lead_id"].shape[0])

    def tables(self) -> dict[str, dict[str, np.ndarray]]:
        """All tables by name (:data:`TABLES` order, then ``conversions``, then the optional
        tables the bundle holds rows of)."""
        out = {name: getattr(self, name) for name in TABLES}
        out["conversions"] = self.conversions
        for name in OPTIONAL_TABLES:
            if _n_rows(getattr(self, name)):
                out[name] = getattr(self, name)
        return out

    @overload
    def to_frames(self, backend: Literal["pandas"] = "pandas") -> dict[str, pd.DataFrame]: ...
    @overload
    def to_frames(self, backend: Literal["polars"]) -> dict[str, pl.DataFrame]: ...
    @overload
    def to_frames(self, backend: Literal["pyarrow"]) -> dict[str, pa.Table]: ...
    @overload
    def to_frames(self, backend: Literal["dict"]) -> dict[str, Columns]: ...
    @overload
    def to_frames(self, backend: str) -> dict[str, Any]: ...
    def to_frames(self, backend: str = "pandas") -> dict[str, Any]:
        """Every table as a data frame of the given backend.

        Parameters
        ----------
        backend : {"pandas", "polars", "pyarrow", "dict"}
            The frame library to build (it must be installed).

        Returns
        -------
        dict of str to frame
            Keys as in :meth:`tables`; instants come back as UTC-aware datetimes.
        """
        from ._frames import to_native

        return {name: to_native(cols, backend) for name, cols in self.tables().items()}

    @cached_property
    def conversions(self) -> dict[str, np.ndarray]:
        """The won deals as conversions of their primary person.

        ``lead_id`` (the deal's primary contact: the first listed in ``deal_contacts`` among
        those marked primary, or among all its contacts when none is marked, as the engines
        take it; :func:`alignment.io.read_crm` sorts them by deal and contact id, so the
        first by id; for a deal no row of the deal contacts names, the deal's own ``lead_id``
        as ``attribute(crm)`` reads it), ``deal_id``, ``converted_at`` (close instant) and ``revenue``
        (amount).  Won deals with no contact are left out (see :attr:`issues`): they are
        :attr:`won_without_contact`.
        """
        won, lead, found = self._won_contacts
        return _won_table(self.deals, won[found], lead=lead[found])

    @cached_property
    def won_without_contact(self) -> dict[str, np.ndarray]:
        """The won deals no person is linked to (no row of the deal contacts, no ``lead_id`` of
        their own): ``deal_id``, ``converted_at``, ``revenue``.

        Their revenue is no person's: the engines given the bundle keep it apart
        (``closed_loop`` on an unallocated row, ``journeys()`` and ``attribute`` as journeys
        without touches, unattributed).
        """
        won, _, found = self._won_contacts
        return _won_table(self.deals, won[~found])

    @cached_property
    def _won_contacts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows of the won deals, each one's primary contact (``None``: no contact) and
        whether it has one."""
        deals, dc = self.deals, self.deal_contacts
        if "won" not in deals or deals["deal_id"].size == 0:
            none = np.empty(0, dtype=np.int64)
            return none, np.empty(0, dtype=object), np.empty(0, dtype=bool)
        won = np.flatnonzero(deals["won"])
        lead = np.full(won.size, None, dtype=object)
        found = np.zeros(won.size, dtype=bool)
        if dc["deal_id"].size:
            found = _primary_contacts(deals, dc, won, lead)
        if "lead_id" in deals:  # (a deal no contact row names: its own lead_id, as attribute)
            from ._parse import _missing_mask

            own = np.asarray(deals["lead_id"], dtype=object)[won]
            fill = ~found & ~_missing_mask(own)
            lead[fill] = own[fill]
            found |= fill
        return won, lead, found

    def lead_table(self) -> LeadTable:
        """The persons as an :class:`alignment.LeadTable`."""
        from .tables import LeadTable

        return LeadTable.build(self.leads)

    def activity_log(self) -> ActivityLog:
        """The sales activities as an :class:`alignment.ActivityLog`."""
        from .tables import ActivityLog

        return ActivityLog.build(self.activities)

    def journeys(self, *, key: str | None = None) -> Journeys:
        """Touchpoints and won deals as :class:`alignment.Journeys` (journey key = person).

        The person's source, campaign and persona are attached as journey columns, and
        ``lead_created_at`` / ``opportunity_at`` as anchors (used by W-shaped and full-path
        attribution).  Each won deal is a conversion of its primary contact; the journeys are
        keyed by deal (``deal_id``) when a person has several won deals, or a won deal no
        contact (:attr:`won_without_contact`: a journey without touches, so its revenue is
        unattributed, as ``attribute(crm)`` counts it).

        Parameters
        ----------
        key : str, optional
            A lead column to group journeys by instead of the person (e.g. ``"account_id"``):
            one journey per value, converted at its first won deal's close with the revenue
            of all its won deals.  The persons without a value belong to no journey: they,
            their touches and won deals (and the won deals with no contact) are left out,
            counted in an :class:`alignment.errors.AlignmentWarning`.
        """
        from ._crm_journeys import account_journeys, person_journeys

        if key is not None and not is_option(key, ("lead_id",)):
            return account_journeys(self, key)
        return person_journeys(self)

    def _conversions_by(self, key: str) -> dict[str, np.ndarray]:
        from ._crm_journeys import rollup

        return rollup(self.leads, self.conversions, key)[0]

    def __repr__(self) -> str:
        names = [*TABLES, *(n for n in OPTIONAL_TABLES if _n_rows(getattr(self, n)))]
        sizes = ", ".join(f"{n}={self._rows(n)}" for n in names)
        return f"CRMData(source={self.source!r}, {sizes}, issues={len(self.issues)})"


#: the columns of a conversion and the deal columns they are: (name, deal column, dtype)
_WON_COLUMNS = (
    ("deal_id", "deal_id", object),
    ("converted_at", "closed_at", _TIME),
    ("revenue", "amount", np.float64),
)


def _primary_contacts(
    deals: Mapping[str, np.ndarray], dc: Mapping[str, np.ndarray], won: np.ndarray, lead: np.ndarray
) -> np.ndarray:
    """Whether each won deal (rows ``won``) has a row in the deal contacts ``dc``; where it has,
    ``lead`` is set to its primary contact (the first marked ``is_primary``, else its first)."""
    primary = np.asarray(dc.get("is_primary", np.zeros(dc["deal_id"].size, bool)), bool)
    order = np.lexsort((~primary, dc["deal_id"].astype(str)))  # primary first per deal
    ids = dc["deal_id"].astype(str)[order]
    first = np.ones(ids.size, dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    contact_deal, contact_lead = ids[first], dc["lead_id"][order][first]
    deal_ids = deals["deal_id"].astype(str)[won]
    pos = np.minimum(np.searchsorted(contact_deal, deal_ids), contact_deal.size - 1)
    found: np.ndarray = contact_deal[pos] == deal_ids
    lead[found] = contact_lead[pos[found]]
    return found


def _won_table(
    deals: dict[str, np.ndarray], rows: np.ndarray, *, lead: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """The won deals at ``rows`` as conversions (``lead_id`` first when given), read-only."""
    out = {} if lead is None else {"lead_id": lead}
    for name, column, dtype in _WON_COLUMNS:  # (a table without won deals may lack some)
        out[name] = deals[column][rows] if column in deals else np.empty(0, dtype=dtype)
    for arr in out.values():
        arr.flags.writeable = False
    return out


def _n_rows(table: Mapping[str, np.ndarray]) -> int:
    return int(next(iter(table.values())).shape[0]) if table else 0


def is_crm(data: Any) -> bool:
    """Whether ``data`` is a :class:`CRMData` bundle."""
    return isinstance(data, CRMData)


def empty_stage_events() -> dict[str, np.ndarray]:
    """An empty ``stage_events`` table (``lead_id``, ``stage``, ``at``), read-only."""
    out = _empty({"lead_id": np.dtype(object), "stage": np.dtype(object), "at": _TIME})
    for arr in out.values():
        arr.flags.writeable = False
    return out


def empty_tables() -> dict[str, dict[str, np.ndarray]]:
    """Empty tables with the bundle's core columns (for a CRM that lacks a table)."""
    obj = np.dtype(object)
    return {
        "leads": _empty({"lead_id": obj, "created_at": _TIME}),
        "touchpoints": _empty(
            {"lead_id": obj, "timestamp": _TIME, "channel": obj, "campaign": obj}
        ),
        "deals": _empty(
            {
                "deal_id": obj,
                "account_id": obj,
                "amount": np.float64,
                "created_at": _TIME,
                "closed_at": _TIME,
                "won": bool,
                "stage": obj,
            }
        ),
        "deal_contacts": _empty({"deal_id": obj, "lead_id": obj, "role": obj, "is_primary": bool}),
        "activities": _empty({"lead_id": obj, "timestamp": _TIME, "kind": obj, "rep": obj}),
        "costs": _empty({"campaign": obj, "channel": obj, "cost": np.float64}),
    }
