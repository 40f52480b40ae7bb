"""``read_crm``: a CRM's exports to one :class:`~alignment.io.CRMData`."""

from __future__ import annotations

import contextvars
import functools
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .._crm import CodedColumns, CRMData, DataIssues
from .._later_tables import LaterTable
from .._options import reading
from .._parallel import ahead, settle, threads_on
from .._time import TIME_DTYPE
from ..errors import DataValidationError, MissingColumnError, ParameterError, UnknownModelError
from ..tables._deals import check_deal_options
from ._context import READ, ROW, Context, Table
from ._link import keep_first_ids, keep_flagged
from ._locate import Raw, empty_file, locate, read_later, spreadsheets, unread_sheets
from ._preset import ExportTable, Preset
from ._presets import PRESETS
from ._stages import Linker, needed_first
from ._typing import empty_table, read_plan, require, type_table
from ._values import Options

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


def _won_stages(preset: Preset, won_stages: Any) -> tuple[str, ...] | None:
    """``won_stages`` as a tuple of stage names (a string: one stage), checked as the engines
    check theirs (:func:`~alignment.tables.check_deal_options`)."""
    if won_stages is None:
        return preset.won_stages
    return check_deal_options([won_stages] if isinstance(won_stages, str) else won_stages, False)


def _won_by_flag(preset: Preset, won_stages: Any) -> Preset:
    """``preset`` reading won from the ``won`` flag the caller mapped with ``columns=`` (a
    mapping never does nothing): the preset's won stages no longer decide, their deals are
    checked against the flag instead (:attr:`Preset.stage_outcomes`: a disagreement is
    listed, the flag deciding).

    Raises
    ------
    ParameterError
        A ``won`` flag mapped with ``columns=`` and ``won_stages=`` given as well: won would
        be read from both.
    """
    mapped = [
        f"{t.name}.{c}"
        for t in preset.tables
        if t.feeds == "deals"
        for c in t.given
        if t.columns.get(c) == "won"
    ]
    if not mapped:
        return preset
    if won_stages is not None:
        raise ParameterError(
            f"won is read from the flag {mapped[0]!r} mapped with columns= and from the stage "
            f"with won_stages={won_stages!r}: pass one of them (the flag, or won_stages= "
            f"without mapping the flag)"
        )
    if preset.won_stages is None:
        return preset
    outcomes = {**dict.fromkeys(preset.won_stages, "won"), **preset.stage_outcomes}
    return replace(preset, won_stages=None, stage_outcomes=outcomes)


def _rates(rates: Any) -> dict[str, float] | None:
    """``rates`` as a new ``{currency: factor}`` dict: text keys, finite positive numbers.

    Raises
    ------
    ParameterError
        Anything else (a list, a NaN, negative, infinite or text factor, an empty key).
    """
    if rates is None:
        return None
    expected = "a mapping of currency to a finite positive factor, e.g. {'EUR': 1.08, '$': 1.0}"
    if not isinstance(rates, Mapping):
        raise ParameterError(f"rates must be {expected}, got {type(rates).__name__}")
    out: dict[str, float] = {}
    for key, factor in rates.items():  # a loop over the currencies
        number = isinstance(factor, (int, float, np.integer, np.floating))
        if not number or isinstance(factor, (bool, np.bool_)) or not 0 < factor < np.inf:
            raise ParameterError(f"rates[{key!r}] must be a finite number > 0, got {factor!r}")
        if not isinstance(key, str) or not key.strip():
            raise ParameterError(f"rates must be {expected}; got the key {key!r}")
        out[key.strip()] = float(factor)
    return out


def _read_tables(
    preset: Preset, source: Any, won: tuple[str, ...] | None, link: Linker, ctx: Context
) -> None:
    """Every export table, typed, and handed to ``link``: each link stage runs as soon as its
    tables are read (:meth:`~._stages.Linker.ready`), while the next files are read on helper
    threads (:data:`AHEAD`); the persons' tables are read first
    (:func:`~._stages.needed_first`).

    An error of a table read before its turn in the preset's order is raised at its turn,
    once the tables before it are read: the first error in that order is the one raised."""
    found = locate(preset, source)
    # (an optional table's empty file: read as an absent table is, the file named)
    empty = {t.name: why for t in preset.tables if t.optional and (why := _empty(found, t))}
    found = {name: item for name, item in found.items() if name not in empty}
    first = needed_first(preset)
    order = [preset.table(n) for n in first] + [t for t in preset.tables if t.name not in first]
    present = [spec for spec in order if spec.name in found]
    tables: dict[str, Table] = {}
    read: set[str] = set()  # (the tables read, the persons' too once handed to the merge)
    later: dict[str, Exception] = {}  # (errors of tables read before their turn)

    parsing: dict[int, Callable[[], Raw]] = {}
    first_parsed = threading.Event()  # (the first file is parsed alone: see type_later)

    def start(i: int, count: int = AHEAD) -> None:  # (the next files read while one is typed)
        for j in range(i, min(i + count, len(present))):  # a loop over the next files
            if j not in parsing:
                spec = present[j]
                plan = functools.partial(read_plan, spec, ctx)
                after = first_parsed.set if j == 0 else None
                parsing[j] = read_later(spec.name, found[spec.name], plan, after)

    typing: dict[int, Callable[[], Table]] = {}

    def type_later(i: int) -> None:  # (the next table typed while this one is linked)
        if i < len(present) and i not in typing:
            start(i, 1 if i == 0 else AHEAD)
            spec = present[i]
            step = functools.partial(
                _typed_file,
                preset,
                spec,
                parsing.pop(i),
                won,
                ctx.part(READ, preset.tables.index(spec)),
            )
            typing[i] = ahead(
                functools.partial(contextvars.copy_context().run, step),
                name="alignment-type",
                pooled=True,
            )
            if i == 0 and threads_on():  # (the first file parsed alone, then the next ones)
                first_parsed.wait()
                start(1)

    try:
        for spec in order:  # a loop over the export's tables
            part = ctx.part(READ, preset.tables.index(spec))
            if spec.name not in found:
                tables[spec.name] = empty_table(spec, part)
                read.add(spec.name)
                if spec.name in empty:
                    part.note(spec.name, f"file {empty[spec.name]}", "read as empty (optional)")
                else:
                    sheets = spreadsheets(spec, source)
                    unread = f" ({unread_sheets(sheets)})" if sheets else ""
                    part.note(spec.name, f"table not found (optional){unread}", "read as empty")
            else:
                j = present.index(spec)
                type_later(j)
                try:
                    tables[spec.name] = typing.pop(j)()
                    read.add(spec.name)
                except Exception as exc:
                    if _due(preset, spec, read):
                        raise
                    later[spec.name] = exc
                start(j + 1)
                type_later(j + 1)
            for name, error in later.items():  # a loop over the tables read before their turn
                if _due(preset, preset.table(name), read):
                    raise error
            if not later:
                link.ready(tables, read)
    except BaseException:  # (raised once no file of the export is still being read)
        settle([*typing.values(), *parsing.values()])
        raise


def _empty(found: Mapping[str, Any], spec: ExportTable) -> str | None:
    """Why the file found for ``spec`` holds no table (its name and :func:`~._locate.empty_file`'s
    reason), ``None`` when it holds one or is no file."""
    item = found.get(spec.name)
    why = None if item is None else empty_file(item)
    return None if item is None or why is None else f"{Path(item).name!r} {why}"


AHEAD = 4
"""Files read ahead of the one being typed, each on a helper thread (parsed by PyArrow without
the GIL, then factorised on the pool): while the link stages run on the calling thread."""


def _typed_file(
    preset: Preset,
    spec: ExportTable,
    parsed: Callable[[], Raw],
    won: tuple[str, ...] | None,
    ctx: Context,
) -> Table:
    """:func:`_typed` of a file once it is read (``parsed``)."""
    return _typed(preset, spec, parsed(), won, ctx)


def _typed(
    preset: Preset, spec: ExportTable, raw: Raw, won: tuple[str, ...] | None, ctx: Context
) -> Table:
    """One table read into a working table, its required columns checked and the rows its
    flag leaves out listed."""
    t = type_table(raw, spec, ctx)
    needed = list(REQUIRED[spec.feeds])
    if spec.feeds == "deals":
        needed.append("won" if won is None else "stage")
    needed += [lk.key for lk in preset.lookups if preset.table(lk.table) is spec]
    require(t, spec, needed, ctx.headers.get(spec.name, [str(n) for n in raw.columns]))
    _require_flag(t, spec)
    _require_links(t, spec, ctx)
    return keep_first_ids(keep_flagged(t, spec, ctx), spec, ctx)


def _their_columns(spec: ExportTable, ours: str) -> tuple[str, str]:
    """Their columns mapped to our column ``ours`` (``'A' or 'B'``), and the first step of a fix
    exporting them (none when none is mapped)."""
    named = " or ".join(repr(c) for c in spec.theirs(ours)) or "none mapped"
    return named, "" if named == "none mapped" else f"export {named} with the table, or "


def _require_flag(t: Table, spec: ExportTable) -> None:
    """Raise :class:`MissingColumnError` when a table that keeps only the rows its flag
    (``keep_when``) holds has no column for the flag: read without it, every row would be
    kept, those it leaves out too (every campaign member a touch)."""
    ours = spec.keep_when
    if ours is None or ours in t:
        return
    named, export = _their_columns(spec, ours)
    raise MissingColumnError(
        f"no column for {ours!r} (looked for {named}): only the rows where it is true are "
        f"read (the others are {spec.skip_reason!r}), so which rows to read is not known",
        column=(spec.theirs(ours) or [ours])[0],
        table=spec.name,
        fix=f"{export}map a yes/no column of the table to it with "
        f"columns={{{spec.name!r}: {{'Their Column': {ours!r}}}}}",
    )


def _require_links(t: Table, spec: ExportTable, ctx: Context) -> None:
    """Raise :class:`MissingColumnError` when records of a table that ``merges_into`` another
    are converted (``is_converted`` true) but the table has no column naming the record each
    became (``merged_into``): each would be a second person beside the record it became."""
    if spec.merges_into is None or "merged_into" in t or "is_converted" not in t:
        return
    converted = np.flatnonzero(t["is_converted"])
    if not converted.size:
        return
    named, export = _their_columns(spec, "merged_into")
    flag = ctx.their_name(spec.name, "is_converted")
    raise MissingColumnError(
        f"converted records ({flag} true) but no column for 'merged_into' (looked for "
        f"{named}): the {spec.merges_into} record each became is not known, so each would be "
        f"a second person beside it",
        column=(spec.theirs("merged_into") or ["merged_into"])[0],
        table=spec.name,
        rows=t[ROW][converted],
        fix=f"{export}read every record as a person of its own with "
        f"columns={{{spec.name!r}: {{{flag!r}: None}}}}",
    )


def _due(preset: Preset, spec: ExportTable, read: set[str]) -> bool:
    """Whether every table before ``spec`` in the preset's order has been read."""
    return all(t.name in read for t in preset.tables[: preset.tables.index(spec)])


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
    first = _extreme(result["leads"]["created_at"], latest=False)
    if first is None:
        return None, None
    ends = (_extreme(v) for t in result.values() for v in t.values() if v.dtype.kind == "M")
    latest = max(e for e in ends if e is not None)
    day = np.timedelta64(1, "D")
    start = first.astype("datetime64[D]").astype(TIME_DTYPE)
    as_of = (latest.astype("datetime64[D]") + day).astype(TIME_DTYPE)
    return start, as_of


_NAT = np.iinfo(np.int64).min


def _extreme(instants: np.ndarray, latest: bool = True) -> Any:
    """The latest (or earliest) instant of a ``datetime64`` column, ``None`` if all ``NaT``:
    one pass over its integers, no copy (``NaT`` is the smallest integer)."""
    ints = instants.view(np.int64)
    if latest:
        value = int(ints.max()) if ints.size else _NAT
    else:
        present = ints != _NAT
        top = np.iinfo(np.int64).max
        value = int(np.min(ints, where=present, initial=top)) if present.any() else _NAT
    return None if value == _NAT else np.array(value, dtype=np.int64).view(instants.dtype)[()]


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
        A column mapped to one of ours the preset fills already comes first: its value wins,
        the preset's columns fill only the cells it leaves empty (drop them with ``None`` to
        read the caller's alone).  A column named that the file does not have is an error.
    dayfirst : bool, optional
        Whether ``03/05/2024`` is the 3rd of May (``True``) or March 5th (``False``); needed
        when the files write dates that way.
    date_format : str, optional
        An explicit ``strptime`` format of the timestamps (``"%d.%m.%Y %H:%M"``).
    decimal : {".", ","}
        The decimal mark of amounts written as text (``","`` for ``"1.234,56"``).
    won_stages : str or sequence of str, optional
        Deal stages that mean "won" (case-folded).  Default: Salesforce reads ``IsWon``;
        HubSpot ``("closedwon", "Closed Won")``, unless a ``won`` flag is mapped with
        ``columns=``: the flag then decides, a deal whose stage says otherwise listed in the
        issues (giving both is a ``ParameterError``).
    normalize : {"casefold", None}
        Fold the spellings of sources, channels and campaigns (``"Paid Search"`` and
        ``"paid search"`` become one, the most frequent spelling); ``None`` keeps them apart.
    rates : mapping of str to float, optional
        Conversion factors to one currency when amounts are written in several
        (``{"EUR": 1.08, "$": 1.0}``): finite numbers above 0.  An amount naming no currency
        is in its column's one currency; in a column of several it is refused.

    Returns
    -------
    CRMData
        One row per person in ``leads``; every input row is used or listed in ``issues``.

    Raises
    ------
    ParameterError
        An invalid option, an unknown table name, a folder that does not exist, several files
        for one table, ``won_stages=`` with a ``won`` flag mapped in ``columns=``.
    MissingColumnError
        A required table, or a required column of a table, is absent; a column named in
        ``columns=`` is not in its table; several columns match a mapped one ignoring case.
    DataValidationError
        A value that cannot be read for certain (an instant, an amount, a flag), a mapped
        column of lists, or a required value that is missing; the error names the table,
        column, rows and fix.
    UnknownModelError
        An unknown preset name.

    Examples
    --------
    >>> import alignment
    >>> crm = alignment.io.read_crm("salesforce", "exports/")  # doctest: +SKIP
    >>> crm.issues.to_frame()  # doctest: +SKIP
    """
    spec = _won_by_flag(_preset(preset).with_columns(columns), won_stages)
    won = _won_stages(spec, won_stages)
    factors = _rates(rates)
    # the shared reading options: checked there, and naive instants read as UTC are reported
    # in one warning naming their columns when the read ends
    with reading(
        tz=tz, normalize=normalize, decimal=decimal, dayfirst=dayfirst, date_format=date_format
    ):
        opts = Options(tz, dayfirst, date_format, decimal, factors)
        ctx = Context(spec, opts)
        link = Linker(spec, won, ctx, fold=normalize is not None)
        _read_tables(spec, source, won, link, ctx)
        coded: CodedColumns = {}
        result = link.result(coded)
    start, as_of = _span(result)
    crm = CRMData(
        leads=result["leads"],
        touchpoints=result["touchpoints"],
        deals=result["deals"],
        deal_contacts=result["deal_contacts"],
        activities=result["activities"],
        costs=result["costs"],
        issues=DataIssues(ctx.findings()),
        source=spec.name,
        tz=tz,
        currency=_currency(ctx),
        start=start,
        as_of=as_of,
    )
    crm._coded.update(coded)
    return crm
