"""Deals and the persons of each deal (many to many).

Won is the ``won`` flag, or the stage when ``won_stages`` is given; closed is the
``is_closed`` flag (or won or a lost stage); a deal's ``closed_at`` is kept only once it is
closed.  Flags that contradict each other or the stage are listed, the flags deciding.  A
``currency`` column gives each amount's currency (one for the read, or converted by
``rates=``).  Contacts come from a table feeding ``deal_contacts`` (Salesforce's
OpportunityContactRole) and from a ``contact_ids`` cell of the deals (HubSpot's "Associated
Contact IDs", ``"1522;1506"``, or a column of lists read as its ids joined so, :mod:`._lists`:
the first listed is the primary one unless a ``primary_contact_id`` column names it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._filetexts import whole_cells
from .._frames import Categorical, factorize, factorize_ints
from .._lookup import lookup
from .._segments import gather_segments, lex_order, position_in_segment, segment_ids
from .._time import TIME_DTYPE
from ..errors import DataValidationError, MissingColumnError
from ._context import DEAL, DEAL_RANK, PERSON, ROW, SRC, Context, Table, concat, take
from ._currency import in_one_currency
from ._persons import People, combine, first_per_group
from ._typing import missing_column, required_values
from ._values import CodedText, is_missing

__all__ = [
    "build_deals",
    "first_of_list",
    "in_stages",
    "keep_first_listed",
    "link_deal_contacts",
    "split_ids",
]


def in_stages(values: np.ndarray, stages: Sequence[str]) -> np.ndarray:
    """Whether each value is one of ``stages`` (case folded, trimmed; missing: false)."""
    cat = factorize(values, column="stage", allow_missing=True)
    wanted = {s.strip().casefold() for s in stages}
    hit = np.array([c.strip().casefold() in wanted for c in cat.categories.tolist()], dtype=bool)
    out = np.zeros(cat.codes.size, dtype=bool)
    ok = cat.codes >= 0
    if hit.size:
        out[ok] = hit[cat.codes[ok]]
    return out


def _lists(values: np.ndarray, sep: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes of each row, CSR offsets and flat items of the distinct cells split on ``sep``."""
    return _split_cells(factorize(values, column="ids", allow_missing=True), sep)


def _split_cells(cat: Categorical, sep: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_lists` of a column factorised already."""
    lists = [[x.strip() for x in c.split(sep) if x.strip()] for c in cat.categories.tolist()]
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum([len(items) for items in lists], out=offsets[1:])
    flat = np.empty(int(offsets[-1]), dtype=object)
    flat[:] = [x for items in lists for x in items]  # a loop over distinct cells
    return cat.codes.astype(np.int64), offsets, flat


def split_ids(values: np.ndarray, sep: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, items and position in the cell of every id of multi-valued cells."""
    codes, offsets, flat = _lists(values, sep)
    present = np.flatnonzero(codes >= 0)
    sub, index = gather_segments(offsets, codes[present])
    return present[segment_ids(sub)], flat[index], position_in_segment(sub)


def first_of_list(values: np.ndarray, sep: str) -> tuple[np.ndarray, np.ndarray]:
    """The first id of each cell and whether the cell listed several."""
    whole = whole_cells(values, sep)
    if whole is not None:  # (no cell lists several ids or needs trimming, read from bytes)
        return whole, np.zeros(whole.size, dtype=bool)
    cat = factorize(values, column="ids", allow_missing=True)  # (once, for either way)
    single = _single_ids(cat, sep)
    if single is not None:  # (no cell lists several ids or needs trimming: each as it is)
        return single, np.zeros(single.size, dtype=bool)
    codes, offsets, flat = _split_cells(cat, sep)
    lens = np.diff(offsets)
    first = np.full(lens.size, None, dtype=object)
    nonempty = lens > 0
    first[nonempty] = flat[offsets[:-1][nonempty]]
    out = np.full(codes.size, None, dtype=object)
    ok = codes >= 0
    out[ok] = first[codes[ok]]
    several = np.zeros(codes.size, dtype=bool)
    several[ok] = lens[codes[ok]] > 1
    return out, several


def _first_of_coded(values: CodedText, sep: str) -> tuple[CodedText, np.ndarray]:
    """:func:`first_of_list` of a :class:`CodedText`: its texts split, its rows' codes kept
    (``-1`` where the text lists no id)."""
    codes = values.codes()
    first, listed = first_of_list(values.texts, sep)
    present = codes >= 0
    several = np.zeros(codes.size, dtype=bool)
    several[present] = listed[codes[present]]
    none = np.append(first == None, True)  # noqa: E711  (elementwise; last slot: code -1)
    return CodedText(np.where(none[codes], -1, codes), first), several


def _single_ids(cat: Categorical, sep: str) -> np.ndarray | None:
    """Each cell's id (``None`` where missing) when no distinct cell holds ``sep``, is empty or
    has spaces at an end; otherwise ``None`` (the cells are split)."""
    cells = cat.categories.tolist()
    if not all(c and sep not in c and c.strip() == c for c in cells):  # a loop over distinct
        return None
    table = np.empty(len(cells) + 1, dtype=object)  # (last slot: code -1, missing)
    table[:-1] = cells
    out: np.ndarray = table[cat.codes]
    return out


def _deal_codes(d: Table, contacts: Table | None) -> tuple[np.ndarray, int]:
    """The rank of each deal's id among the distinct ids, and their number: one
    factorisation of the deals' ids and of their contacts' (``contacts``, when both are
    plain strings), each contact's rank written to its :data:`DEAL_RANK` (``-1``: no id) so
    that its deal is found by rank, its id not looked up again."""
    ids = d["deal_id"]
    theirs = None if contacts is None else contacts.get("deal_id")
    if theirs is not None and not isinstance(theirs, CodedText) and theirs.dtype.kind == "O":
        if not isinstance(ids, CodedText) and ids.dtype.kind == "O":
            try:
                both = factorize(
                    np.concatenate([ids, theirs]), column="deal_id", allow_missing=True
                )
            except DataValidationError:  # (ids not all text: each table's own way)
                pass
            else:
                assert contacts is not None
                contacts[DEAL_RANK] = both.codes[ids.size :]
                return both.codes[: ids.size], both.categories.size
    cat = factorize(ids, column="deal_id")
    return cat.codes, cat.categories.size


def _dedupe_deals(d: Table, ctx: Context, contacts: Table | None = None) -> Table:
    codes, n = _deal_codes(d, contacts)
    order = lex_order((d[ROW], d[SRC], codes))
    keep = np.zeros(codes.size, dtype=bool)
    first = first_per_group(codes, order, n)
    keep[order[first[first >= 0]]] = True  # (an id only a contact holds: no deal row)
    counts = np.bincount(codes, minlength=n)
    ctx.flag(
        d,
        counts[codes] > 1,
        "deal_id",
        "duplicate {noun} (same Id)",
        "the first in the file is kept, the others are not used",
    )
    return take(dict(d, **{DEAL_RANK: codes}), keep)


def _in(d: Table, stages: Sequence[str]) -> np.ndarray:
    """Whether each deal's stage is one of ``stages`` (no stage column or no stages: none)."""
    if "stage" in d and stages:
        return in_stages(d["stage"], stages)
    return np.zeros(d[ROW].size, dtype=bool)


def _won_and_closed(d: Table, won_stages: Sequence[str] | None, ctx: Context) -> None:
    """``won`` (the flag, or the stage with ``won_stages``), ``is_closed`` (when read) and
    ``closed_at`` kept only for the closed deals; what contradicts itself is listed."""
    n = d[ROW].size
    no_stage = np.zeros(n, dtype=bool)
    if won_stages is not None:  # (a deal without a stage: its outcome is not known)
        d["won"] = in_stages(d["stage"], won_stages)
        no_stage = is_missing(d["stage"])
        ctx.flag(
            d,
            no_stage,
            "stage",
            "{noun} without a stage",
            "kept as open (not won, no close date): map or fill the stage to count it",
        )
    lost = _in(d, ctx.preset.lost_stages)
    named = _check_won(d, lost, won_stages is None, ctx)
    if "is_closed" in d:
        _check_closed(d, named, ctx)
        closed = d["is_closed"] | d["won"]
    else:
        closed = d["won"] | lost
        if not ctx.preset.lost_stages and "closed_at" in d:
            closed = closed | ~np.isnat(d["closed_at"])
    closed &= ~no_stage
    if "is_closed" in d:  # (as read: a won deal is closed, one without a stage open)
        d["is_closed"] = closed
    dated = "closed_at" in d
    closed_at = d.get("closed_at", np.full(n, np.datetime64("NaT"), dtype=TIME_DTYPE))
    d["closed_at"] = np.where(closed, closed_at, np.datetime64("NaT")).astype(TIME_DTYPE)
    if dated:
        ctx.flag(
            d,
            closed & ~d["won"] & np.isnat(d["closed_at"]),
            "closed_at",
            "lost {noun} without a close date",
            "kept as closed and lost, with no closed_at (its close instant is not known)",
        )


def _check_won(d: Table, lost: np.ndarray, by_flag: bool, ctx: Context) -> np.ndarray:
    """List the deals whose ``won`` flag contradicts their stage (a lost stage, or a stage of
    the preset's ``stage_outcomes`` when ``won`` is read from a flag, ``by_flag``): the flag
    decides.  Returns whether each deal's stage names an outcome (won or lost)."""
    won = d["won"]
    outcomes = ctx.preset.stage_outcomes if by_flag else {}
    named_won = _in(d, [s for s, o in outcomes.items() if o == "won"])
    named_lost = lost | _in(d, [s for s, o in outcomes.items() if o == "lost"])
    ctx.flag(
        d,
        named_won & ~won,
        "stage",
        "{noun} in a won stage whose won flag is false",
        "read as not won, as the won flag says",
    )
    ctx.flag(
        d,
        named_lost & won,
        "stage",
        "won {noun} in a lost stage",
        "read as won, as the won flag says",
    )
    named: np.ndarray = named_won | named_lost
    return named


def _check_closed(d: Table, named: np.ndarray, ctx: Context) -> None:
    """List the deals whose ``is_closed`` flag contradicts their ``won`` flag or their stage
    (``named``: a stage naming an outcome): the flags decide, a won deal being closed."""
    won, flagged = d["won"], d["is_closed"]
    ctx.flag(
        d,
        won & ~flagged,
        "is_closed",
        "won {noun} whose closed flag is false",
        "read as won and closed (a won deal is closed)",
    )
    ctx.flag(
        d,
        named & ~won & ~flagged,
        "stage",
        "{noun} in a closed stage whose closed flag is false",
        "read as open, as the closed flag says",
    )


def _closed_known(parts: Sequence[Table], ctx: Context) -> None:
    """Refuse a deals table with close dates but without the closed flag its preset maps,
    when no lost stage tells a closed deal: its close dates cannot (Salesforce's
    ``CloseDate`` is the expected one while the deal is open), so an open deal could not be
    told from a lost one.  (Without close dates nothing is closed: no close is read.)"""
    if ctx.preset.lost_stages:
        return
    for p in parts:  # a loop over the deals' export tables
        if "is_closed" in p or "closed_at" not in p or not p[SRC].size:
            continue
        spec = ctx.preset.table(ctx.names[int(p[SRC][0])])
        theirs = spec.theirs("is_closed")
        if not theirs:
            continue
        present = ctx.headers.get(spec.name) or [
            ctx.their_name(spec.name, c) or c for c in p if c not in (SRC, ROW)
        ]
        error = missing_column(spec, "is_closed", theirs, present)
        head, sep, tail = error.problem.partition("; its columns")
        raise MissingColumnError(
            f"{head}, needed: without it an open {spec.noun} cannot be told from a lost one "
            f"(a close date is kept only once the {spec.noun} is closed){sep}{tail}",
            column=error.column,
            table=spec.name,
            fix=f"export {theirs[0]!r} with the table, or {error.fix}",
        )


def build_deals(
    parts: Sequence[Table],
    won_stages: Sequence[str] | None,
    ctx: Context,
    contacts: Table | None = None,
) -> tuple[Table, Table, Table]:
    """The deals (one row per deal id), the contacts listed in their ``contact_ids`` and the
    deals left out (their ``deal_id`` and :data:`DEAL_RANK`; listed in the issues: won
    without an amount or a close date).  ``contacts``: the deal contacts of their own table,
    whose deal ids are factorised with the deals' (:func:`_deal_codes`).

    No table of deals (a preset without one): no deals, and no contacts listed.

    Raises
    ------
    MissingColumnError
        A deals table with close dates but without the ``is_closed`` column its preset
        maps, when the preset has no lost stages (:func:`_closed_known`).
    DataValidationError
        Amounts in several currencies (a ``currency`` column) without ``rates=``, or a
        currency that ``rates=`` lacks.
    """
    _closed_known(parts, ctx)
    d = concat(parts, ctx)
    if not d:
        return {}, {}, {}
    required_values(d, "deal_id", "deal id", ctx)
    required_values(d, "created_at", "creation instant", ctx)
    in_one_currency(d, "amount", ctx)
    d = _dedupe_deals(d, ctx, contacts)
    _won_and_closed(d, won_stages, ctx)
    no_amount = d["won"] & np.isnan(d["amount"])
    ctx.flag(d, no_amount, "amount", "won {noun} without an amount", "left out")
    no_close = d["won"] & np.isnat(d["closed_at"]) & ~no_amount
    ctx.flag(d, no_close, "closed_at", "won {noun} without a close date", "left out")
    left = no_amount | no_close
    left_out = {k: d[k][left] for k in ("deal_id", DEAL_RANK)}
    d = take(d, ~left)
    keep_first_listed(d, "account_id", ctx)
    return d, _listed_contacts(d, ctx), left_out


def keep_first_listed(t: Table, name: str, ctx: Context) -> None:
    """Column ``name`` of ``t`` (when there) holds the first id each cell lists; the rows
    listing several are in the issues ("several companies" for ``account_id``)."""
    if name not in t:
        return
    values = t[name]
    first: np.ndarray
    if isinstance(values, CodedText):  # (a person's column: its texts split, not its rows)
        first, several = _first_of_coded(values, ctx.preset.separator)
    else:
        first, several = first_of_list(values, ctx.preset.separator)
    what = "several companies" if name == "account_id" else f"several ids in {name}"
    ctx.flag(t, several, name, what, "the first listed is kept")
    t[name] = first


def _listed_contacts(d: Table, ctx: Context) -> Table:
    if "contact_ids" not in d:
        return {}
    rows, items, position = split_ids(d["contact_ids"], ctx.preset.separator)
    for code in np.unique(d[SRC]).tolist():  # the listed contacts are named by their cell
        name = ctx.names[code]
        ctx.their[(name, "lead_id")] = ctx.their_name(name, "contact_ids") or "contact_ids"
    primary = position == 0
    if "primary_contact_id" in d:
        primary = _named_primary(d, rows, items, primary, ctx)
    return {
        SRC: d[SRC][rows],
        ROW: d[ROW][rows],
        "deal_id": d["deal_id"][rows],
        DEAL_RANK: d[DEAL_RANK][rows],
        "lead_id": items,
        "role": np.full(rows.size, None, dtype=object),
        "is_primary": np.asarray(primary, dtype=bool),
    }


def _named_primary(
    d: Table, rows: np.ndarray, items: np.ndarray, first: np.ndarray, ctx: Context
) -> np.ndarray:
    """Whether each listed contact (of the deal ``rows``, ids ``items``) is the one the
    deal's ``primary_contact_id`` names; a deal naming one not among its listed contacts is
    listed, its first listed contact primary (``first``) as when it names none."""
    named = d["primary_contact_id"]
    hit = np.equal(items, named[rows]) & ~is_missing(named[rows])
    found = np.zeros(named.size, dtype=bool)
    found[rows[hit]] = True
    listed = np.zeros(named.size, dtype=bool)
    listed[rows] = True
    ctx.flag(
        d,
        listed & ~is_missing(named) & ~found,
        "primary_contact_id",
        "{noun} whose primary contact is not among its contacts",
        "its first listed contact is read as primary",
    )
    out: np.ndarray = np.where(found[rows], hit, first)
    return out


def _deal_rows(dc: Table, deals: Table, left: Table) -> tuple[np.ndarray, np.ndarray]:
    """Each deal contact's row in ``deals`` (``-1``: none) and whether its deal is one of the
    deals ``left`` out: by the ranks of their ids (:data:`DEAL_RANK`, from one factorisation
    of them all) when every table has them, else by looking the ids up."""
    ids, ranks = dc["deal_id"], dc.get(DEAL_RANK)
    ranked = ranks is not None and ranks.dtype.kind == "i"  # (not when a part had none)
    if ranked and DEAL_RANK in deals and (not left or DEAL_RANK in left):
        assert ranks is not None
        return _by_rank(ranks, deals[DEAL_RANK], left.get(DEAL_RANK))
    deal_row, known = lookup(deals["deal_id"], ids)
    deal_row[~known | is_missing(ids)] = -1
    of_left = np.zeros(ids.size, dtype=bool)
    if left and left["deal_id"].size:
        of_left = lookup(left["deal_id"], ids)[1]
    return deal_row, of_left


def _by_rank(
    ranks: np.ndarray, deal_ranks: np.ndarray, left_ranks: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_deal_rows` of contacts whose deal ids have the ``ranks`` (``-1``: no id) among
    the ids that rank the deals (``deal_ranks``) and the deals left out (``left_ranks``)."""
    every = [r for r in (ranks, deal_ranks, left_ranks) if r is not None]
    n = max(int(r.max(initial=-1)) for r in every) + 2  # (a slot past every rank: rank -1)
    of_rank = np.full(n, -1, dtype=np.int64)
    of_rank[deal_ranks] = np.arange(deal_ranks.size)
    is_left = np.zeros(n, dtype=bool)
    if left_ranks is not None:
        is_left[left_ranks] = True
    return of_rank[ranks], is_left[ranks]


def link_deal_contacts(
    dc: Table, deals: Table, people: People, ctx: Context, left: Table | None = None
) -> Table:
    """Deal contacts whose deal and person are known, one row per (deal, person); those of a
    deal ``left`` out (the left-out deals of :func:`build_deals`) are listed as such, and the
    deals with several primary contacts are listed."""
    if not dc:
        return {}
    deal_row, of_left = _deal_rows(dc, deals, left or {})
    known_deal = deal_row >= 0
    of_left &= ~known_deal
    ctx.flag(dc, of_left, "deal_id", "deal contact of a deal left out", "left out")
    unknown_deal = ~known_deal & ~of_left
    ctx.flag(dc, unknown_deal, "deal_id", "deal contact of an unknown deal", "left out")
    row = people.rows_of(dc["lead_id"])
    unknown = known_deal & (row < 0)
    ctx.flag(dc, unknown, "lead_id", "deal contact of an unknown person", "left out")
    kept = known_deal & ~unknown
    # (the deal's row, one per deal id, and the person's: kept for the later steps)
    dc = take(dict(dc, **{PERSON: row, DEAL: deal_row}), kept)
    dcode = dc[DEAL]
    if DEAL_RANK in deals:  # (the deal ids' ranks: their sort key, known already)
        dc[DEAL_RANK] = deals[DEAL_RANK][dcode]
    pcode = dc[PERSON]  # (the person's row: ids sorted, as their strings are)
    dc["lead_id"] = CodedText(pcode, people.leads["lead_id"])  # (as the touches: strings later)
    pair = dcode * (int(pcode.max(initial=0)) + 1) + pcode
    codes, uniq = factorize_ints(pair)
    order = lex_order((dc[ROW], dc[SRC], codes))
    n = uniq.size
    repeated = np.bincount(codes, minlength=n)[codes] > 1
    ctx.flag(dc, repeated, "lead_id", "duplicate deal contact", "merged into one")
    merged = combine(dc, codes, order, n, ("is_primary",))
    primary = np.zeros(n, dtype=bool)
    if "is_primary" in dc:  # (no such column: no contact is marked primary)
        np.logical_or.at(primary, codes, dc["is_primary"])
        pair_deal = uniq // (int(pcode.max(initial=0)) + 1)  # (each pair's deal row)
        per_deal = np.bincount(pair_deal[primary], minlength=int(dcode.max(initial=-1)) + 1)
        ctx.flag(
            dc,
            dc["is_primary"] & (per_deal[dcode] > 1),
            "is_primary",
            "several primary contacts of one deal",
            "all kept as primary; its conversion goes to the first of them by contact id",
        )
    merged["is_primary"] = primary
    _flag_no_primary(dc, deals, ctx)
    return merged


def _flag_no_primary(dc: Table, deals: Table, ctx: Context) -> None:
    """List the contacts of the won deals none of whose contacts is marked primary: which of
    them converted is not in the export (the conversion goes to the first by contact id, as
    the engines read ``deal_contacts``; see "OpportunityContactRole" in the docs)."""
    if "won" not in deals or not dc["deal_id"].size:
        return
    dcode = dc[DEAL]
    marked = np.zeros(deals["won"].size, dtype=bool)
    if "is_primary" in dc:
        marked[dcode[np.asarray(dc["is_primary"], dtype=bool)]] = True
    ctx.flag(
        dc,
        np.asarray(deals["won"], dtype=bool)[dcode] & ~marked[dcode],
        "is_primary",
        "{noun} of a won deal with no primary contact",
        "kept, not primary; the deal's conversion goes to its first contact by contact id: "
        "mark its primary contact to credit the right person",
    )


def flag_deals_without_contact(deals: Table, dc: Table, ctx: Context) -> None:
    """List the deals no known person is linked to (kept: their revenue stays in the deals)."""
    if not deals:
        return
    has = np.zeros(deals[ROW].size, dtype=bool)
    if dc and dc["deal_id"].size and has.size:  # (each linked deal's row)
        has[dc[DEAL]] = True
    ctx.flag(deals, ~has, "deal_id", "{noun} with no contact", "kept; no person is linked to it")
