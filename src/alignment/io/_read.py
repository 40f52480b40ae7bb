"""``read_crm``: a CRM's exports to one :class:`~alignment.io.CRMData`."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from .._crm import CodedColumns, CRMData, DataIssues, empty_tables
from .._later_tables import LaterTable
from .._options import reading
from .._parallel import submit
from .._time import TIME_DTYPE
from ..errors import DataValidationError, ParameterError, UnknownModelError
from ._context import PERSON, ROW, SRC, Context, Table, concat, take
from ._deals import build_deals, flag_deals_without_contact, link_deal_contacts
from ._link import (
    apply_lookups,
    derive_stages,
    fold_spellings,
    keep_flagged,
    link_people,
    with_cost,
)
from ._locate import Raw, locate, read_later
from ._order import canonical_order
from ._persons import build_people
from ._preset import Preset
from ._presets import PRESETS
from ._typing import empty_table, read_plan, require, type_table
from ._values import CodedText, Options, shared_texts

__all__ = ["read_crm"]

#: our columns each table must have
REQUIRED: Mapping[str, tuple[str, ...]] = {
    "leads": ("lead_id", "created_at"),
    "touchpoints": ("lead_id", "timestamp"),
    "deals": ("deal_id", "created_at", "amount"),
    "deal_contacts": ("deal_id", "lead_id"),
    "activities": ("lead_id", "timestamp"),
    "costs": ("cost",),
    "lookup": (),
}

#: working columns that are not part of the result
INTERNAL = (SRC, ROW, PERSON, "merged_into", "contact_ids", "primary_contact_id")

#: the columns each result table is sorted by first (then every other column)
SORT_FIRST: Mapping[str, tuple[str, ...]] = {
    "leads": ("lead_id",),
    "touchpoints": ("lead_id", "timestamp"),
    "deals": ("deal_id",),
    "deal_contacts": ("deal_id", "lead_id"),
    "activities": ("lead_id", "timestamp"),
    "costs": ("campaign", "channel"),
}


def _preset(preset: str | Preset) -> Preset:
    if isinstance(preset, Preset):
        return preset
    if isinstance(preset, str):
        key = preset.strip().casefold()
        if key in PRESETS:
            return PRESETS[key]
        raise UnknownModelError("CRM preset", preset, list(PRESETS))
    raise ParameterError(
        f"preset must be 'salesforce', 'hubspot' or an alignment.io.Preset, got "
        f"{type(preset).__name__}"
    )


def _won_stages(preset: Preset, won_stages: str | Sequence[str] | None) -> tuple[str, ...] | None:
    if won_stages is None:
        return preset.won_stages
    stages = (won_stages,) if isinstance(won_stages, str) else tuple(won_stages)
    if not stages or not all(isinstance(s, str) and s.strip() for s in stages):
        raise ParameterError(f"won_stages must be non-empty strings, got {won_stages!r}")
    return stages


def _read_tables(
    preset: Preset, source: Any, won: tuple[str, ...] | None, ctx: Context
) -> dict[str, Table]:
    found = locate(preset, source)
    tables: dict[str, Table] = {}
    present = [spec for spec in preset.tables if spec.name in found]

    def start(i: int) -> Callable[[], Raw] | None:  # (the next file parsed while this is typed)
        if i >= len(present):
            return None
        spec = present[i]
        return read_later(spec.name, found[spec.name], functools.partial(read_plan, spec, ctx))

    upcoming = start(0)
    for spec in preset.tables:  # a loop over the export's tables
        if spec.name not in found:
            tables[spec.name] = empty_table(spec, ctx)
            ctx.note(spec.name, "table not found (optional)", "read as empty")
            continue
        assert upcoming is not None
        raw = upcoming()
        upcoming = start(present.index(spec) + 1)
        t = type_table(raw, spec, ctx)
        needed = list(REQUIRED[spec.feeds])
        if spec.feeds == "deals":
            needed.append("won" if won is None else "stage")
        needed += [lk.key for lk in preset.lookups if preset.table(lk.table) is spec]
        require(t, spec, needed, ctx)
        tables[spec.name] = keep_flagged(t, spec, ctx)
    return tables


def _feeding(preset: Preset, tables: Mapping[str, Table], feeds: str) -> list[Table]:
    return [tables[t.name] for t in preset.tables if t.feeds == feeds]


def _finish(name: str, t: Table, coded: CodedColumns) -> dict[str, np.ndarray] | LaterTable:
    """The result table: internal columns dropped, core columns present, rows in a canonical
    order (the same for any row order of the files), arrays read-only.  The text columns held
    as codes stay so (a :class:`LaterTable`: their strings are written when the bundle's table
    is first read); the persons' ids, when they are strings already, go to ``coded``."""
    core = empty_tables()[name]
    cols = {k: v for k, v in t.items() if k not in INTERNAL}  # (coded texts: strings last)
    n = next(iter(cols.values())).size if cols else 0
    for k, empty in core.items():
        if k not in cols:
            cols[k] = _missing_of(empty.dtype, n)
    first = [c for c in SORT_FIRST[name] if c in cols]
    rest = sorted(c for c in cols if c not in first)
    known = {"lead_id": t[PERSON]} if PERSON in t else {}  # (person rows: ids in order)
    order = canonical_order(cols, first, rest, n, known)
    held: dict[str, Any] = {}
    for k, v in take(cols, order).items():  # (text held as codes: see CRMData)
        if isinstance(v, CodedText):
            width = np.int32 if v.texts.size < 2**31 else np.int64
            held[k] = (_readonly(v.codes().astype(width, copy=False)), v.texts)
        else:
            held[k] = _readonly(v)
    ids = held.get("lead_id")
    if name == "leads" and isinstance(ids, np.ndarray):
        # the persons' ids, one per row and in order: their own texts (not hashed again by
        # every engine that keys its rows on them)
        coded[name, "lead_id"] = (ids, _readonly(np.arange(ids.size, dtype=np.int32)), ids)
    if any(isinstance(v, tuple) for v in held.values()):
        return LaterTable(held, n)
    return held


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _missing_of(dtype: np.dtype[Any], n: int) -> np.ndarray:
    if dtype.kind == "O":
        return np.full(n, None, dtype=object)
    if dtype.kind == "M":
        return np.full(n, np.datetime64("NaT"), dtype=TIME_DTYPE)
    if dtype.kind == "f":
        return np.full(n, np.nan)
    return np.zeros(n, dtype=dtype)


def _currency(ctx: Context) -> str | None:
    found = sorted(set(ctx.currencies.values()))
    if len(found) > 1:
        where = ", ".join(f"{k} in {v}" for k, v in sorted(ctx.currencies.items()))
        raise DataValidationError(
            f"amounts are written in several currencies ({where})",
            fix="pass rates={currency: factor} to convert them to one currency",
        )
    return found[0] if found else None


def _span(held: Mapping[str, Mapping[str, np.ndarray] | LaterTable]) -> tuple[Any, Any]:
    """The first day of the persons and the end of the last day with any instant."""
    result = {k: t.arrays() if isinstance(t, LaterTable) else t for k, t in held.items()}
    created = result["leads"]["created_at"]
    created = created[~np.isnat(created)]
    if created.size == 0:
        return None, None
    latest = max(
        v[~np.isnat(v)].max()
        for t in result.values()
        for v in t.values()
        if v.dtype.kind == "M" and (~np.isnat(v)).any()
    )
    day = np.timedelta64(1, "D")
    start = created.min().astype("datetime64[D]").astype(TIME_DTYPE)
    as_of = (latest.astype("datetime64[D]") + day).astype(TIME_DTYPE)
    return start, as_of


def read_crm(
    preset: str | Preset,
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    tz: str | None = None,
    columns: Mapping[str, Mapping[str, str | None]] | None = None,
    dayfirst: bool | None = None,
    date_format: str | None = None,
    decimal: str = ".",
    won_stages: str | Sequence[str] | None = None,
    normalize: Literal["casefold"] | None = "casefold",
    rates: Mapping[str, float] | None = None,
) -> CRMData:
    """Read a CRM's exports into one :class:`~alignment.io.CRMData`.

    Parameters
    ----------
    preset : {"salesforce", "hubspot"} or Preset
        The CRM: a built-in preset, or an :class:`~alignment.io.Preset` for any other CRM.
    source : str, os.PathLike or mapping
        A folder holding the export files (found by their names, ``.csv``, ``.csv.gz`` or
        ``.parquet``; ``Lead.csv``, ``leads.csv.gz``, ``Lead.parquet`` …), or
        ``{table name: path or frame}`` (pandas, Polars or PyArrow frames, dicts of arrays).
    tz : str, optional
        The IANA time zone of naive timestamps in the files (``"America/New_York"``); default:
        UTC.  Timestamps with an offset (``...Z``, ``+02:00``) keep theirs.
    columns : mapping, optional
        ``{table name: {their column: our column}}``: extends or overrides the preset's column
        maps (``{"Lead": {"MQL_Date__c": "mql_at"}}``); ``None`` as our column drops theirs.
    dayfirst : bool, optional
        Whether ``03/05/2024`` is the 3rd of May (``True``) or March 5th (``False``); needed
        when the files write dates that way.
    date_format : str, optional
        An explicit ``strptime`` format of the timestamps (``"%d.%m.%Y %H:%M"``).
    decimal : {".", ","}
        The decimal mark of amounts written as text (``","`` for ``"1.234,56"``).
    won_stages : str or sequence of str, optional
        Deal stages that mean "won" (case-folded).  Default: Salesforce reads ``IsWon``;
        HubSpot ``("closedwon", "Closed Won")``.
    normalize : {"casefold", None}
        Fold the spellings of sources, channels and campaigns (``"Paid Search"`` and
        ``"paid search"`` become one, the most frequent spelling); ``None`` keeps them apart.
    rates : mapping of str to float, optional
        Conversion factors to one currency when amounts are written in several
        (``{"EUR": 1.08, "$": 1.0}``).

    Returns
    -------
    CRMData
        One row per person in ``leads``; every input row is used or listed in ``issues``.

    Raises
    ------
    ParameterError
        An invalid option, an unknown table name, a folder that does not exist, several files
        for one table.
    MissingColumnError
        A required table, or a required column of a table, is absent.
    DataValidationError
        A value that cannot be read for certain (an instant, an amount, a flag), or a
        required value that is missing; the error names the table, column, rows and fix.
    UnknownModelError
        An unknown preset name.

    Examples
    --------
    >>> import alignment
    >>> crm = alignment.io.read_crm("salesforce", "exports/")  # doctest: +SKIP
    >>> crm.issues.to_frame()  # doctest: +SKIP
    """
    spec = _preset(preset).with_columns(columns)
    won = _won_stages(spec, won_stages)
    # the shared reading options: checked there, and naive instants read as UTC are reported
    # in one warning naming their columns when the read ends
    with reading(
        tz=tz, normalize=normalize, decimal=decimal, dayfirst=dayfirst, date_format=date_format
    ):
        opts = Options(tz, dayfirst, date_format, decimal, rates)
        ctx = Context(spec, opts)
        tables = _read_tables(spec, source, won, ctx)
        apply_lookups(spec.lookups, tables, ctx)
        coded: CodedColumns = {}
        result = _link_all(spec, tables, won, ctx, fold=normalize is not None, coded=coded)
    start, as_of = _span(result)
    crm = CRMData(
        leads=result["leads"],
        touchpoints=result["touchpoints"],
        deals=result["deals"],
        deal_contacts=result["deal_contacts"],
        activities=result["activities"],
        costs=result["costs"],
        issues=DataIssues(ctx.issues),
        source=spec.name,
        tz=tz,
        currency=_currency(ctx),
        start=start,
        as_of=as_of,
    )
    crm._coded.update(coded)
    return crm


def _link_all(
    spec: Preset,
    tables: Mapping[str, Table],
    won: tuple[str, ...] | None,
    ctx: Context,
    *,
    fold: bool,
    coded: CodedColumns,
) -> dict[str, dict[str, np.ndarray] | LaterTable]:
    persons = [t for t in spec.tables if t.feeds == "leads"]
    ids = {name: _concat(spec, tables, name, ctx) for name in LINKED}
    vocab = share_ids(ids)  # (each table dropped once linked: its rows are not kept twice)
    people = build_people(ids.pop("leads"), vocab, persons, ctx)
    deals, listed = build_deals(_feeding(spec, tables, "deals"), won, ctx)
    dc_in = concat([ids.pop("deal_contacts"), listed], ctx)
    dc = link_deal_contacts(dc_in, deals, people, ctx)
    flag_deals_without_contact(deals, dc, ctx)
    touches = link_people(ids.pop("touchpoints"), people, ctx, channel=True)
    acts = link_people(ids.pop("activities"), people, ctx)
    costs = with_cost(_concat(spec, tables, "costs", ctx), ctx)
    work = {
        "leads": people.leads,
        "touchpoints": touches,
        "deals": deals,
        "deal_contacts": dc,
        "activities": acts,
        "costs": costs,
    }
    fold_spellings(work, ctx, fold=fold)
    if spec.stages_from_deals:
        derive_stages(people.leads, deals, dc, people)
    # the touches, the longest table, are put in order on the pool while the others are
    # (sorting and gathering numbers release the GIL); each table's codes kept in table order
    parts: dict[str, CodedColumns] = {name: {} for name in work}
    longest = max(work, key=lambda name: _rows(work[name]))
    pending = submit(_finish, longest, work[longest], parts[longest])
    out = {name: _finish(name, t, parts[name]) for name, t in work.items() if name != longest}
    out[longest] = pending.result()
    for name in work:  # a loop over the six tables
        coded.update(parts[name])
    return {name: out[name] for name in work}


def _rows(t: Table) -> int:
    return next(iter(t.values())).size if t else 0


#: the tables whose ids name persons, and their columns that do
LINKED: Mapping[str, tuple[str, ...]] = {
    "leads": ("lead_id", "merged_into"),
    "touchpoints": ("lead_id",),
    "activities": ("lead_id",),
    "deal_contacts": ("lead_id",),
}


def share_ids(work: Mapping[str, Table]) -> np.ndarray:
    """Code every id column that names a person against one vocabulary (in place): persons
    are merged, and the other tables linked to them, on integer codes.  Returns the
    vocabulary (sorted distinct ids)."""
    where = [(name, c) for name, cols in LINKED.items() for c in cols if c in work[name]]
    coded, vocab = shared_texts([work[name][c] for name, c in where])
    for (name, c), col in zip(where, coded):  # a loop over columns
        work[name][c] = col
    return vocab


def _concat(spec: Preset, tables: Mapping[str, Table], feeds: str, ctx: Context) -> Table:
    return concat(_feeding(spec, tables, feeds), ctx)
