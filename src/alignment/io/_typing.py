"""One export table to a working table: their columns found, typed and coalesced into ours."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from .._colnames import close_name
from .._frames import POOL_MIN_ROWS
from .._headers import delimiter_fix, other_delimiter
from .._options import note_naive
from .._parallel import Pending, submit
from .._time import check_zones
from ..errors import DataValidationError, MissingColumnError
from ._context import ROW, SRC, Context, Table
from ._lists import LISTED_IDS, listed_ids
from ._locate import Raw
from ._preset import ExportTable
from ._sheetcells import refuse_sheet_cells
from ._values import (
    CodedText,
    Typed,
    coded_text,
    empty_like_kind,
    is_missing,
    overlaid,
    read_kind,
)

__all__ = ["empty_table", "read_plan", "require", "required_values", "type_table"]


def _resolve(spec: ExportTable, names: Sequence[str]) -> dict[str, list[str]]:
    """Our column -> the file's columns mapped to it (priority order); exact name first, then
    the same name in another case or with other spaces.

    Raises
    ------
    MissingColumnError
        A column of the map that several columns match ignoring case and spaces (none of
        them mapped by its own name): which one is meant is not guessed.
    """
    loose: dict[str, list[str]] = {}
    for n in names:
        loose.setdefault(n.casefold().strip(), []).append(n)
    found: dict[str, list[str]] = {}
    for theirs, ours in spec.columns.items():
        if ours is None:
            continue
        if theirs in names:
            hit = theirs
        else:
            candidates = loose.get(theirs.casefold().strip(), [])
            if len(candidates) > 1 and not any(c in spec.columns for c in candidates):
                raise missing_column(spec, ours, [theirs], names)
            if len(candidates) != 1:
                continue
            hit = candidates[0]
        if hit not in found.get(ours, []):
            found.setdefault(ours, []).append(hit)
    return found


#: our text columns only carried to the result (never merged on, linked, looked up, folded
#: or sorted by): a file's column of them is taken as one string per row when its values
#: hardly repeat
CARRIED = frozenset({"email", "company", "name"})


def read_plan(
    spec: ExportTable, ctx: Context, names: Sequence[str]
) -> tuple[list[str], list[str], list[str]]:
    """The columns of a file with columns ``names`` that ``spec`` maps (the others are never
    read), those of them that only feed instants (read as bytes), and those that only feed
    text carried to the result (:data:`CARRIED`)."""
    # (the first call: all of the file's named columns; an unnamed one can never be mapped)
    ctx.headers.setdefault(spec.name, [n for n in names if n])
    found = _resolve(spec, names)
    used = {n for theirs in found.values() for n in theirs}

    def feeding(keep: Callable[[str], bool]) -> set[str]:
        return {n for ours, theirs in found.items() if keep(ours) for n in theirs}

    times = feeding(lambda ours: ctx.kind(ours) == "time")
    carried = feeding(lambda ours: ours in CARRIED and ctx.kind(ours) == "text")
    return (
        [n for n in names if n in used],
        [n for n in names if n in times - feeding(lambda ours: ctx.kind(ours) != "time")],
        [n for n in names if n in carried - feeding(lambda ours: ours not in CARRIED)],
    )


def type_table(raw: Raw, spec: ExportTable, ctx: Context) -> Table:
    """Read ``raw`` with the column map of ``spec``: a working table with ``_src``/``_row``."""
    src = ctx.src(spec.name)
    out: Table = {  # (narrow types: these two columns follow every row through the read)
        SRC: np.full(raw.n_rows, src, dtype=np.int16),
        ROW: np.arange(raw.n_rows, dtype=np.int32 if raw.n_rows < 2**31 else np.int64),
    }
    resolved = _resolve(spec, list(raw.columns))
    zones = None
    if ZONE in resolved:  # each row's zone, for its wall times (before the instants are read)
        zones, _ = _coalesce(raw, spec.name, resolved[ZONE], "text", ctx)
        check_zones(zones, column="/".join(resolved[ZONE]), table=spec.name)
    later: dict[str, Pending[tuple[np.ndarray, np.ndarray]]] = {}
    for ours, theirs in resolved.items():
        ctx.their[(spec.name, ours)] = "/".join(theirs)
        kind = ctx.kind(ours)
        try:
            if _keeps_codes(spec, ours, ctx):  # (text: typed apart, on the pool when long)
                later[ours] = _text_later(raw, spec.name, ours, theirs, kind, ctx)
                continue
            lists = (spec.feeds, ours) in LISTED_IDS and kind == "text"
            coded = kind == "money" and "currency" in resolved  # (converted by that column)
            out[ours], missing = _coalesce(
                raw, spec.name, theirs, kind, ctx, zones, lists=lists, coded=coded
            )
            if _sheet_text(ours, ctx):
                refuse_sheet_cells(raw, spec.name, ours, theirs, out[ours])
        except Exception:
            _typed_texts(later)  # (an error of a column before is raised first)
            raise
        if ctx.kind(ours) == "flag" and ours not in BLANK_IS_FALSE and missing.any():
            _typed_texts(later)
            raise DataValidationError(
                "missing value in a required yes/no column",
                column="/".join(theirs),
                table=spec.name,
                rows=np.flatnonzero(missing),
                fix="fill these cells with true or false (or map another column with columns=)",
            )
    texts = _typed_texts(later)
    return {k: texts[k] if k in texts else out[k] for k in [SRC, ROW, *resolved]}


def _sheet_text(ours: str, ctx: Context) -> bool:
    """Whether our column ``ours`` is text checked for spreadsheet cells: not a zone (an
    unknown zone is refused already) nor text only carried to the result (:data:`CARRIED`)."""
    return ctx.kind(ours) == "text" and ours != ZONE and ours not in CARRIED


def _text_later(
    raw: Raw, table: str, ours: str, theirs: Sequence[str], kind: str, ctx: Context
) -> Pending[tuple[np.ndarray, np.ndarray]]:
    """:func:`_text` of one column: on the pool for a long text column (its file's columns
    taken here: the pool never waits on itself), else at once."""
    own = Raw(raw.name, raw.origin, raw.n_rows, {n: raw.columns[n] for n in theirs}, raw.wall)
    step = functools.partial(_text, own, table, ours, theirs, kind, ctx)
    if kind == "text" and raw.n_rows >= POOL_MIN_ROWS:
        return submit(contextvars.copy_context().run, step)  # (the caller's reading options)
    return Pending(value=step())


def _text(
    raw: Raw, table: str, ours: str, theirs: Sequence[str], kind: str, ctx: Context
) -> tuple[np.ndarray, np.ndarray]:
    """A column kept as codes when it is text (:func:`_coded`), else read as ``kind``
    (:func:`_coalesce`, which notes nothing for text: text columns are typed in any order);
    its spreadsheet cells refused (:func:`~._sheetcells.refuse_sheet_cells`)."""
    coded = _coded(raw, theirs)
    got = coded if coded is not None else _coalesce(raw, table, theirs, kind, ctx)
    if _sheet_text(ours, ctx):
        refuse_sheet_cells(raw, table, ours, theirs, got[0])
    return got


def _typed_texts(later: Mapping[str, Pending[tuple[np.ndarray, np.ndarray]]]) -> Table:
    """The text columns typed apart (in column order: the first error raised)."""
    return {ours: pending.result()[0] for ours, pending in later.items()}


#: tables whose text columns are kept as :class:`CodedText` (ids looked up once per distinct
#: id; rows filtered, merged and sorted as integers; strings made once the rows are final);
#: never the columns of deals, whose ids are compared as strings
CODED_TABLES = frozenset({"touchpoints", "activities", "leads"})


#: id columns of the other tables kept as :class:`CodedText`: persons are merged, and deal
#: contacts linked, on the codes of one vocabulary (:func:`~._values.shared_texts`)
CODED_IDS = frozenset(
    {("leads", "lead_id"), ("leads", "merged_into"), ("deal_contacts", "lead_id")}
)


def _keeps_codes(spec: ExportTable, ours: str, ctx: Context) -> bool:
    if (spec.feeds, ours) in CODED_IDS:
        return True
    return spec.feeds in CODED_TABLES and ctx.kind(ours) == "text" and ours != ZONE


def _coded(raw: Raw, theirs: Sequence[str]) -> tuple[CodedText, np.ndarray] | None:
    """:func:`_coalesce` of text columns as :class:`CodedText` (``None``: not all text)."""
    parts = [coded_text(raw.columns[name]) for name in theirs]
    values: CodedText | None = None
    missing: np.ndarray | None = None
    for part in parts:  # a loop over the columns that feed one of ours
        if part is None:
            return None
        got, blank = part
        if values is None or missing is None:
            values, missing = got, blank
            continue
        values = overlaid(values, got, missing)  # (the first column holding a value)
        missing = missing & blank
    if values is None or missing is None:
        return None
    return values, missing


#: our column holding each row's IANA zone: the zone of that row's wall times (``tz`` otherwise)
ZONE = "time_zone"


def _coalesce(
    raw: Raw,
    table: str,
    theirs: Sequence[str],
    kind: str,
    ctx: Context,
    zones: np.ndarray | None = None,
    *,
    lists: bool = False,
    coded: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Their columns typed, the first with a value winning row by row; what reading found is
    recorded (currencies, naive instants read as UTC, wall times changed by daylight saving).
    ``lists``: a column of lists is read element by element (:func:`~._lists.listed_ids`).
    ``coded``: amounts of a table with a currency column, which names each row's currency and
    converts it by ``rates=`` (:func:`~._deals.build_deals`): a currency written in the amounts
    converts nothing (never twice; with ``rates=`` it must be one of theirs), and is the read's
    currency only without ``rates=``."""
    values: np.ndarray | None = None
    missing: np.ndarray | None = None
    rates = ctx.opts.rates
    if coded:  # (a symbol written in the amounts: known to rates=, converted by factor 1)
        rates = None if rates is None else dict.fromkeys(rates, 1.0)
    opts = replace(ctx.opts, rates=rates)
    for name in theirs:  # a loop over the columns that feed one of ours
        got = listed_ids(raw, name, table, ctx) if lists else None
        if got is None:
            got = read_kind(
                raw.columns[name],
                kind,
                column=name,
                table=table,
                opts=opts,
                wall=name in raw.wall,
                row_tz=zones,
            )
        used = ~got.missing if missing is None else missing & ~got.missing
        if got.currency and not (coded and ctx.opts.rates is not None):
            ctx.currencies[f"{table}.{name}"] = got.currency
        if got.naive_utc and used.any():
            note_naive(table, name)
        _note_wall_times(got, used, table, name, ctx, zones is not None)
        if values is None or missing is None:
            values, missing = got.values, got.missing
        elif missing.any():  # (none missing: the values stand, no copy)
            values = np.where(missing, got.values, values)
            missing = missing & got.missing
    assert values is not None and missing is not None
    return values, missing


#: flags whose empty cell means "no" (any other flag must be filled)
BLANK_IS_FALSE = frozenset({"is_primary"})


def _note_wall_times(
    got: Typed, used: np.ndarray, table: str, column: str, ctx: Context, by_row: bool
) -> None:
    """The wall times that daylight saving makes ambiguous or skips, in ``tz`` or, with a
    column of zones (``by_row``), in each row's zone."""
    zone = "the row's time zone" if by_row else ctx.opts.tz
    if got.ambiguous is not None and (got.ambiguous & used).any():
        ctx.note(
            table,
            f"wall time that occurs twice in {zone} (daylight saving ends)",
            "read as the first occurrence",
            column=column,
            rows=np.flatnonzero(got.ambiguous & used),
        )
    if got.nonexistent is not None and (got.nonexistent & used).any():
        ctx.note(
            table,
            f"wall time that does not exist in {zone} (daylight saving starts)",
            "moved forward by the gap",
            column=column,
            rows=np.flatnonzero(got.nonexistent & used),
        )


def empty_table(spec: ExportTable, ctx: Context) -> Table:
    """The table of an absent optional export table: every column of its map, no rows."""
    ctx.src(spec.name)
    out: Table = {SRC: np.empty(0, dtype=np.int16), ROW: np.empty(0, dtype=np.int32)}
    for ours in spec.ours():
        out[ours] = empty_like_kind(ctx.kind(ours), 0)
    return out


#: column names of a table a missing column's error lists, at most
NAMES_SHOWN = 40


def require(
    table: Table, spec: ExportTable, columns: Sequence[str], present: Sequence[str]
) -> None:
    """Raise :class:`MissingColumnError` when one of our ``columns`` was not found among the
    table's columns ``present`` (:func:`missing_column`), or when a column the caller mapped
    (``columns=``) is not among them."""
    for ours in columns:
        if ours not in table:
            raise missing_column(spec, ours, spec.theirs(ours), present)
    loose = {n.casefold().strip() for n in present}
    for theirs in spec.given:
        mapped = spec.columns[theirs]
        if mapped is not None and theirs.casefold().strip() not in loose:
            raise missing_column(spec, mapped, [theirs], present)


def missing_column(
    spec: ExportTable, ours: str, theirs: Sequence[str], present: Sequence[str]
) -> MissingColumnError:
    """The error of our column ``ours`` with no column among ``present`` for it (of
    ``theirs``): naming them, the columns that match ignoring case and spaces when several
    do (which one is meant is not guessed), else a close name."""
    listed = " or ".join(repr(t) for t in theirs) if theirs else "none mapped"
    keys = {t.casefold().strip() for t in theirs}
    several = [n for n in present if n.casefold().strip() in keys]
    shown = ", ".join(repr(n) for n in present[:NAMES_SHOWN]) or "(none)"
    more = f" and {len(present) - NAMES_SHOWN} more" if len(present) > NAMES_SHOWN else ""
    near = [c for t in theirs if (c := close_name(t, present)) is not None]
    other = other_delimiter(present, theirs)
    if other is not None:
        return MissingColumnError(
            f"no column for {ours!r} (looked for {listed}); its columns: {shown}{more}: the "
            f"table's columns are separated by {other}, not by commas",
            column=theirs[0] if theirs else ours,
            table=spec.name,
            fix=delimiter_fix(other, f"the frame as {{{spec.name!r}: frame}}"),
        )
    if len(several) > 1:
        both = "both" if len(several) == 2 else "all"
        found = f"; {' and '.join(map(repr, several))} {both} match ignoring case and spaces"
        pick = several[0]
    else:
        found = f"; did you mean {near[0]!r}?" if near else ""
        pick = near[0] if near else "Their Column"
    return MissingColumnError(
        f"no column for {ours!r} (looked for {listed}); its columns: {shown}{more}{found}",
        column=theirs[0] if theirs else ours,
        table=spec.name,
        fix=f"map their column with columns={{{spec.name!r}: {{{pick!r}: {ours!r}}}}}",
    )


def required_values(
    table: Table, ours: str, what: str, ctx: Context, among: np.ndarray | None = None
) -> None:
    """Raise :class:`DataValidationError` for rows with no value in our column ``ours``
    (only rows of the mask ``among`` when given)."""
    missing = is_missing(table[ours])
    if among is not None:
        missing &= among
    if not missing.any():
        return
    first = int(np.flatnonzero(missing)[0])
    name = ctx.names[int(table[SRC][first])]
    rows = table[ROW][missing & (table[SRC] == table[SRC][first])]
    raise DataValidationError(
        f"missing {what} in a required column",
        column=ctx.their_name(name, ours),
        table=name,
        rows=rows,
        fix=f"fill the {what} of these rows, or map another column to {ours!r} with columns=",
    )
