"""Deals and the persons of each deal (many to many).

Won is the ``won`` flag, or the stage when ``won_stages`` is given; closed is the
``is_closed`` flag (or won or a lost stage); a deal's ``closed_at`` is kept only once it is
closed.  Contacts come from a table feeding ``deal_contacts`` (Salesforce's
OpportunityContactRole) and from a ``contact_ids`` cell of the deals (HubSpot's "Associated
Contact IDs", ``"1522;1506"``, or a column of lists read as its ids joined so, :mod:`._lists`:
the first listed is the primary one unless a ``primary_contact_id`` column names it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._frames import Categorical, factorize, factorize_ints
from .._lookup import lookup
from .._segments import gather_segments, lex_order, position_in_segment, segment_ids
from .._time import TIME_DTYPE
from ._context import DEAL, DEAL_RANK, PERSON, ROW, SRC, Context, Table, concat, take
from ._persons import People, combine, first_per_group
from ._typing import required_values
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


def _dedupe_deals(d: Table, ctx: Context) -> Table:
    cat = factorize(d["deal_id"], column="deal_id")
    order = lex_order((d[ROW], d[SRC], cat.codes))
    keep = np.zeros(cat.codes.size, dtype=bool)
    keep[order[first_per_group(cat.codes, order, cat.categories.size)]] = True
    counts = np.bincount(cat.codes, minlength=cat.categories.size)
    ctx.flag(
        d,
        counts[cat.codes] > 1,
        "deal_id",
        "duplicate {noun} (same Id)",
        "the first in the file is kept, the others are not used",
    )
    return take(dict(d, **{DEAL_RANK: cat.codes}), keep)


def _won_and_closed(d: Table, won_stages: Sequence[str] | None, ctx: Context) -> None:
    n = d[ROW].size
    if won_stages is not None:  # (a deal without a stage: its outcome is not known)
        d["won"] = in_stages(d["stage"], won_stages)
        ctx.flag(
            d,
            is_missing(d["stage"]),
            "stage",
            "{noun} without a stage",
            "kept as open (not won, no close date): map or fill the stage to count it",
        )
    lost = (
        in_stages(d["stage"], ctx.preset.lost_stages)
        if "stage" in d and ctx.preset.lost_stages
        else np.zeros(n, dtype=bool)
    )
    if "is_closed" in d:
        closed = d["is_closed"] | d["won"]
    else:
        closed = d["won"] | lost
        if not ctx.preset.lost_stages and "closed_at" in d:
            closed = closed | ~np.isnat(d["closed_at"])
    closed_at = d.get("closed_at", np.full(n, np.datetime64("NaT"), dtype=TIME_DTYPE))
    d["closed_at"] = np.where(closed, closed_at, np.datetime64("NaT")).astype(TIME_DTYPE)


def build_deals(
    parts: Sequence[Table], won_stages: Sequence[str] | None, ctx: Context
) -> tuple[Table, Table]:
    """The deals (one row per deal id) and the contacts listed in their ``contact_ids``.

    No table of deals (a preset without one): no deals, and no contacts listed.
    """
    d = concat(parts, ctx)
    if not d:
        return {}, {}
    required_values(d, "deal_id", "deal id", ctx)
    required_values(d, "created_at", "creation instant", ctx)
    d = _dedupe_deals(d, ctx)
    _won_and_closed(d, won_stages, ctx)
    no_amount = d["won"] & np.isnan(d["amount"])
    ctx.flag(d, no_amount, "amount", "won {noun} without an amount", "left out")
    no_close = d["won"] & np.isnat(d["closed_at"]) & ~no_amount
    ctx.flag(d, no_close, "closed_at", "won {noun} without a close date", "left out")
    d = take(d, ~(no_amount | no_close))
    keep_first_listed(d, "account_id", ctx)
    return d, _listed_contacts(d, ctx)


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
        named = d["primary_contact_id"][rows]
        has = ~is_missing(named)
        primary = np.where(has, np.equal(items, named), primary)
    return {
        SRC: d[SRC][rows],
        ROW: d[ROW][rows],
        "deal_id": d["deal_id"][rows],
        "lead_id": items,
        "role": np.full(rows.size, None, dtype=object),
        "is_primary": np.asarray(primary, dtype=bool),
    }


def link_deal_contacts(dc: Table, deals: Table, people: People, ctx: Context) -> Table:
    """Deal contacts whose deal and person are known, one row per (deal, person)."""
    if not dc:
        return {}
    deal_row, known_deal = lookup(deals["deal_id"], dc["deal_id"])
    known_deal &= ~is_missing(dc["deal_id"])
    ctx.flag(dc, ~known_deal, "deal_id", "deal contact of an unknown deal", "left out")
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
    merged["is_primary"] = primary
    return merged


def flag_deals_without_contact(deals: Table, dc: Table, ctx: Context) -> None:
    """List the deals no known person is linked to (kept: their revenue stays in the deals)."""
    if not deals:
        return
    has = np.zeros(deals[ROW].size, dtype=bool)
    if dc and dc["deal_id"].size and has.size:  # (each linked deal's row)
        has[dc[DEAL]] = True
    ctx.flag(deals, ~has, "deal_id", "{noun} with no contact", "kept; no person is linked to it")
