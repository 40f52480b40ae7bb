"""Persons: the records of every table feeding ``leads``, merged into one row per person.

A record whose ``merged_into`` names another record (a converted Salesforce lead names its
contact) is the same person as that record, under that record's id; two records with the same
id are one person too.  Every id any record had resolves to its person (:meth:`People.rows_of`),
so a touch or a task naming the lead record of a converted lead finds the person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._columns import Later, subset
from .._lookup import lookup
from .._segments import gather_segments, group_min, lex_order
from ._context import ROW, SRC, Context, Table
from ._preset import ExportTable
from ._typing import required_values
from ._values import CodedText, find, is_missing, places_in, shared_texts, texts_at

__all__ = ["People", "build_people", "combine", "first_per_group"]

_BIG = np.iinfo(np.int64).max


@dataclass(frozen=True)
class People:
    """The persons, and the resolution of record ids to persons.

    ``vocab`` are the sorted distinct ids of the person records (their own ids and the ids
    they are merged into), ``row_of`` the row in :attr:`leads` (whose ids are sorted) of the
    person of each (``-1``: none), with one more ``-1`` for code ``-1``.
    """

    leads: Table
    vocab: np.ndarray
    row_of: np.ndarray

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """The row in :attr:`leads` of the person of each record id (``-1``: no person).

        Ids coded against :attr:`vocab` are resolved by their codes (one gather), others by
        their strings.
        """
        if isinstance(ids, CodedText) and ids.texts is self.vocab:
            out: np.ndarray = self.row_of[ids.codes()]
            return out
        if self.vocab.size == 0 or ids.size == 0:
            return np.full(ids.size, -1, dtype=np.int64)
        if isinstance(ids, CodedText):  # (its sorted texts merged into the vocabulary)
            at = places_in(self.vocab, ids.texts)
            if at is not None:  # (each text's person, then one gather of the rows)
                out = self.row_of[np.append(at, -1)][ids.codes()]
                return out
        pos, _ = find(self.vocab, ids)
        out = self.row_of[pos]
        return out

    def index(self, person_ids: np.ndarray) -> np.ndarray:
        """Row of each person id in :attr:`leads` (``-1`` where absent)."""
        if person_ids.size == 0 or self.leads["lead_id"].size == 0:
            return np.full(person_ids.size, -1, dtype=np.int64)
        pos, _ = lookup(self.leads["lead_id"], person_ids)
        return pos


def first_per_group(groups: np.ndarray, order: np.ndarray, n_groups: int) -> np.ndarray:
    """For each group, the position (in ``order``) of its first row; ``order`` sorts by group."""
    ordered = groups[order]
    if ordered.size and (ordered[0] < 0 or not _ascending(ordered)):  # (not as documented)
        ranks = np.arange(order.size, dtype=np.int64)
        first_rank = group_min(ranks, ordered, n_groups, _BIG)
        return np.where(first_rank < _BIG, first_rank, -1)
    return _first_places(ordered, _run_starts(ordered), n_groups)


def _ascending(values: np.ndarray) -> bool:
    return bool(np.all(values[1:] >= values[:-1]))


def _run_starts(ordered: np.ndarray) -> np.ndarray:
    """The positions where a run of equal values of ``ordered`` starts."""
    if not ordered.size:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.append(True, ordered[1:] != ordered[:-1]))


def _first_places(ordered: np.ndarray, starts: np.ndarray, n_groups: int) -> np.ndarray:
    """Each group's first place in ``ordered`` (its runs' ``starts``; ``-1``: no row)."""
    first = np.full(n_groups, -1, dtype=np.int64)
    first[ordered[starts]] = starts
    return first


def _first_records(own: np.ndarray, n_codes: int) -> np.ndarray:
    """The first record holding each id code (``_BIG`` for a code no record holds)."""
    return group_min(np.arange(own.size, dtype=np.int64), own, n_codes, _BIG)


def _final_codes(own: np.ndarray, link: np.ndarray, first: np.ndarray, depth: int) -> np.ndarray:
    """Each record's person (an id code): the record it links to, followed to its end (chains
    allowed); ``link`` is ``-1`` where a record links to none, and the same for every record
    of an id (:func:`_links_by_id`).  Only the linked records are followed: a record linking
    to none is its own id's person, as the first record of its id is."""
    final = np.where(link >= 0, link, own)
    linked = np.flatnonzero(link >= 0)
    for _ in range(depth):  # a loop over link levels, not rows
        now = final[linked]
        at = first[now]
        has = at < _BIG
        nxt = now.copy()
        nxt[has] = final[at[has]]
        if np.array_equal(nxt, now):
            break
        final[linked] = nxt
    return final


def _merge_issues(
    p: Table,
    own: np.ndarray,
    link: np.ndarray,
    first: np.ndarray,
    specs: Sequence[ExportTable],
    ctx: Context,
    counts: np.ndarray,
) -> None:
    """List the records linked to another (named by the table of the record linked to: the
    table ``merges_into`` names, or another one), and the records of a repeated id (``counts``:
    the records of each id code)."""
    linked = link >= 0
    for spec in specs:  # a loop over the person tables
        if spec.merges_into is None:
            continue
        here = (p[SRC] == ctx.src(spec.name)) & linked
        target = ctx.preset.table(spec.merges_into).name
        held = np.zeros(first.size + 1, dtype=bool)  # (the ids a record of the target holds)
        held[own[p[SRC] == ctx.src(target)]] = True
        to_target = held[link]
        ctx.flag(
            p,
            here & to_target,
            "merged_into",
            f"duplicate person: the same person as a {target} record",
            f"merged into one person (its id: the {target}'s Id)",
        )
        stray = np.flatnonzero(here & ~to_target)  # (few: links to another table, or none)
        at = first[link[stray]]
        src = np.where(at < _BIG, p[SRC][np.minimum(at, own.size - 1)], -1)
        for other in specs:  # (a record of another table named where a target is expected)
            _flag_rows(
                p,
                stray[src == ctx.src(other.name)],
                f"duplicate person: the same person as a {other.name} record, named where "
                f"a {target} is expected",
                f"merged into one person with that {other.name}",
                ctx,
            )
        _flag_rows(
            p,
            stray[src < 0],
            f"links to a {target} record that is not in the export",
            "kept as one person under the linked Id",
            ctx,
        )
    if counts.max(initial=0) > 1:  # (converted or not: every record of the id)
        repeated = counts[own] > 1
        ctx.flag(p, repeated, "lead_id", "duplicate person (same Id)", "merged into one person")


def _flag_rows(p: Table, rows: np.ndarray, problem: str, action: str, ctx: Context) -> None:
    """:meth:`Context.flag` of the records at positions ``rows`` (column ``merged_into``)."""
    if rows.size:
        mask = np.zeros(p[ROW].size, dtype=bool)
        mask[rows] = True
        ctx.flag(p, mask, "merged_into", problem, action)


def _unlinked_conversions(
    p: Table, link: np.ndarray, specs: Sequence[ExportTable], ctx: Context
) -> None:
    """List the converted records (``is_converted``) of a table that ``merges_into`` another
    that name no record (an empty ``ConvertedContactId``), their id's other records neither:
    each stays a person of its own."""
    if "is_converted" not in p:
        return
    alone = p["is_converted"] & (link < 0)
    for spec in specs:  # a loop over the person tables
        if spec.merges_into is not None:
            target = ctx.preset.table(spec.merges_into).name
            ctx.flag(
                p,
                alone & (p[SRC] == ctx.src(spec.name)),
                "merged_into",
                f"converted record without the id of the {target} it became",
                "kept as a person of its own",
            )


def _links_by_id(own: np.ndarray, link: np.ndarray, n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    """Every record's link as the link of its id: the records of one id are one person, so a
    record of an id some other record of it links (a lead exported twice, one row converted)
    goes where that record goes; of several links, the first record's.  Also the records
    whose own link differs from their id's (``-1`` where an id links to none)."""
    at = np.flatnonzero(link >= 0)
    first = group_min(at, own[at], n_codes, _BIG)  # (each id's first linked record)
    by_id = np.full(n_codes, -1, dtype=link.dtype)
    has = first < _BIG
    by_id[has] = link[first[has]]
    shared = by_id[own]
    return shared, (link >= 0) & (link != shared)


def _shared_links(
    p: Table, own: np.ndarray, link: np.ndarray, n_codes: int, ctx: Context
) -> np.ndarray:
    """:func:`_links_by_id`, the records whose own link differs listed."""
    link, other = _links_by_id(own, link, n_codes)
    ctx.flag(
        p,
        other,
        "merged_into",
        "record of a duplicated Id linked to another record than its first copy",
        "merged with the first copy's linked record",
    )
    return link


def combine(
    p: Table, groups: np.ndarray, order: np.ndarray, n: int, skip: Sequence[str] = ()
) -> Table:
    """One value per group and column: the earliest instant, else the first value present in
    ``order`` (tables in preset order, then file rows); ``_src``/``_row`` of the first row.

    Worked out on the rows in ``order`` (no column is sorted): one gather of ``n`` values per
    column, each group's first row's.  A group of one row takes that row's values; of the
    groups of several, the other rows are read only for instants (the earliest), and for the
    groups whose first row has no value.
    """
    ordered = groups[order]
    if not _ascending(ordered):  # (only each group's rows' order counts: kept)
        by = np.argsort(ordered, kind="stable")
        order, ordered = order[by], ordered[by]
    starts = _run_starts(ordered)
    first_row = order[_first_places(ordered, starts, n)]
    sizes = np.diff(np.append(starts, ordered.size))
    several = sizes > 1
    others = np.repeat(several, sizes)
    others[starts] = False  # (the places of the other rows of the groups of several)
    rest = _Rest(ordered[starts[several]], order[np.flatnonzero(others)], sizes[several] - 1)
    out: Table = {}
    for name, values in p.items():  # a loop over columns
        if name in skip:
            continue
        taken = values[first_row]  # (a group of one, or of no value present: its first row's)
        if name not in (SRC, ROW) and rest.groups.size:
            (_earliest if values.dtype.kind == "M" else _first_present)(taken, values, rest)
        out[name] = taken  # (coded texts stay coded)
    return out


@dataclass(frozen=True)
class _Rest:
    """The groups of several rows (ascending), and their rows but the first, in order: each
    group's one run of ``counts`` rows."""

    groups: np.ndarray
    rows: np.ndarray
    counts: np.ndarray

    def group_of_each(self) -> np.ndarray:
        return np.repeat(np.arange(self.groups.size, dtype=np.int64), self.counts)

    def offsets(self) -> np.ndarray:
        return np.append(0, np.cumsum(self.counts))


def _instants(values: np.ndarray) -> np.ndarray:
    """Instants as ``int64``, ``_BIG`` for NaT."""
    return np.where(np.isnat(values), _BIG, values.view(np.int64))


def _earliest(taken: np.ndarray, values: np.ndarray, rest: _Rest) -> None:
    """Into ``taken`` (the first rows' instants), each group of several's earliest."""
    low = group_min(_instants(values[rest.rows]), rest.group_of_each(), rest.groups.size, _BIG)
    low = np.minimum(low, _instants(taken[rest.groups]))
    has = np.flatnonzero(low < _BIG)
    taken[rest.groups[has]] = low[has].view(values.dtype)


def _first_present(taken: np.ndarray, values: np.ndarray, rest: _Rest) -> None:
    """Into ``taken`` (the first rows' values), the first value present of each group of
    several whose first row has none (its other rows alone read)."""
    runs = np.flatnonzero(is_missing(taken[rest.groups]))
    if not runs.size:
        return
    sub, at = gather_segments(rest.offsets(), runs)
    first = _first_true(~is_missing(values[rest.rows[at]]), sub)
    found = first >= 0
    taken[rest.groups[runs[found]]] = values[rest.rows[at[first[found]]]]


def _first_true(mask: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The place of each segment's first ``True`` (``-1``: none), by a search among the
    places of the ``True`` (not one reduction per segment: the segments are short)."""
    true = np.flatnonzero(mask)
    if not true.size:
        return np.full(offsets.size - 1, -1, dtype=np.int64)
    nxt = np.searchsorted(true, offsets[:-1])
    at = true[np.minimum(nxt, true.size - 1)]
    return np.where((nxt < true.size) & (at < offsets[1:]), at, -1)


def _record_order(
    p: Table, row: np.ndarray, own: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The records in the order their values are taken (:func:`combine`): by person, then
    table (the preset's order), then, of several records of one table (two leads converted
    into one contact, a contact exported twice), the earliest created first, then by record
    id, then by row of the file.  Also the places in that order of those several records
    (sorted: each block of one person and table is contiguous) and the block of each."""
    order, shared = _by_person((p[ROW], p[SRC]), row)
    tables = int(p[SRC].max(initial=0)) + 1
    ranked = order[shared]  # (the records of a person of several, by person then table)
    key = row[ranked].astype(np.int64) * tables + p[SRC][ranked]
    if not bool(np.any(key[1:] == key[:-1])):  # (no person has two records of one table)
        return order, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    pair = row.astype(np.int64) * tables + p[SRC]
    counts = np.bincount(pair)  # (records of each person and table)
    slots = np.flatnonzero(counts[pair[order]] > 1)  # (few: each block sorted in place)
    rows = order[slots]
    created = p["created_at"][rows].view(np.int64)
    order[slots] = rows[np.lexsort((p[ROW][rows], own[rows], created, pair[rows]))]
    key = pair[rows]  # (the blocks' keys, in order: a block starts where its key does)
    return order, slots, np.cumsum(np.append(True, key[1:] != key[:-1])) - 1


def _by_person(keys: tuple[np.ndarray, ...], row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``lex_order((*keys, row))`` for ``row`` in ``[0, n)``: a person of one record takes the
    place its row gives (the records before it counted), only the records of the persons of
    several are sorted.  Also those records' places (sorted)."""
    counts = np.bincount(row)
    alone = counts[row] == 1
    one, many = np.flatnonzero(alone), np.flatnonzero(~alone)
    order = np.empty(row.size, dtype=np.intp)
    order[(np.cumsum(counts) - 1)[row[one]]] = one
    shared = np.flatnonzero(np.repeat(counts > 1, counts))
    order[shared] = many[lex_order((*(k[many] for k in keys), row[many]))]
    return order, shared


def _looked_up(specs: Sequence[ExportTable], ctx: Context) -> list[str]:
    """Our columns of the person tables a lookup fills (an owner's name follows the owner's
    id, which is compared instead)."""
    names = {s.name for s in specs}
    lookups = ctx.preset.lookups
    return [c for lk in lookups if names & set(lk.into) for c in lk.take.values()]


def _disagreements(
    p: Table,
    order: np.ndarray,
    slots: np.ndarray,
    block: np.ndarray,
    skip: Sequence[str],
    ctx: Context,
) -> None:
    """List, column by column, the records of a block of several of one person and table
    (places ``slots`` of ``order``, in blocks ``block``: :func:`_record_order`) whose value
    differs from the block's first value present: the value the table gives the person (a
    table before it wins, as documented), theirs never taken.  Instants (the earliest is
    taken) are not compared."""
    if not slots.size:
        return
    rows = order[slots]
    places = np.arange(rows.size, dtype=np.int64)
    for name, values in p.items():  # a loop over columns
        if name in (SRC, ROW, *skip) or values.dtype.kind == "M":
            continue
        mine = texts_at(values, rows)
        present = ~is_missing(mine)
        head = group_min(np.where(present, places, _BIG), block, int(block[-1]) + 1, _BIG)
        has = head[block] < _BIG
        differs = np.zeros(rows.size, dtype=bool)
        differs[has] = present[has] & np.asarray(mine[has] != mine[head[block[has]]], dtype=bool)
        if differs.any():
            mask = np.zeros(order.size, dtype=bool)
            mask[rows[differs]] = True
            ctx.flag(
                p,
                mask,
                name,
                "records of one person disagree on this column",
                "the earliest created record's value is kept (then the smaller Id's, then the "
                "first in the file's)",
            )


def build_people(p: Table, specs: Sequence[ExportTable], ctx: Context) -> People:
    """Merge the person records of ``p`` (the tables of ``specs``, in preset order, one after
    the other) into one row per person.

    ``lead_id`` and ``merged_into`` are coded against one vocabulary (their sorted distinct
    strings, :func:`~._values.shared_texts`): records are merged on those integer codes, and
    only the persons' ids are taken as strings.  The ids other tables name are looked up in
    that vocabulary (:meth:`People.rows_of`).
    """
    required_values(p, "lead_id", "record id", ctx)
    required_values(p, "created_at", "creation instant", ctx)
    n = p["lead_id"].size
    ids, vocab = shared_texts([p["lead_id"], p.get("merged_into", np.full(n, None, object))])
    own, link = (c.codes() for c in ids)
    counts = np.bincount(own, minlength=vocab.size)
    repeated = bool(counts.max(initial=0) > 1)
    first = _first_records(own, vocab.size)
    _merge_issues(p, own, link, first, specs, ctx, counts)
    if repeated:  # (else every id's one record keeps its own link)
        link = _shared_links(p, own, link, vocab.size, ctx)
    _unlinked_conversions(p, link, specs, ctx)
    final = _final_codes(own, link, first, depth=len(specs) + 1)
    persons, row_of = _dense_distinct(final, vocab.size)  # (ids in sorted order)
    row = row_of[final]
    order, slots, block = _record_order(p, row, own)
    skip = ("lead_id", "merged_into", *_looked_up(specs, ctx))
    _disagreements(p, order, slots, block, skip, ctx)
    leads = {"lead_id": _picked(vocab, persons)}
    leads.update(combine(p, row, order, persons.size, ("lead_id", "merged_into")))
    return People(leads, vocab, _rows_of_ids(own, final, row, persons.size, vocab.size))


def _rows_of_ids(
    own: np.ndarray, final: np.ndarray, row: np.ndarray, n_persons: int, n_codes: int
) -> np.ndarray:
    """The row in the persons of every id code (``-1``: none, and one more ``-1`` for code
    ``-1``), from each record's ``row``: a record's id goes where its record does (the records
    of one id share their link, so their person), an id only linked to (its code in ``final``
    alone) is the person of the records it ends."""
    width = np.int32 if n_persons < 2**31 else np.int64  # (the rows of 5·10^6 touches)
    rows = np.full(n_codes + 1, -1, dtype=width)  # (the last: code -1, no person)
    moved = np.flatnonzero(final != own)  # (the ids linked to: few, before the records' own)
    rows[final[moved]] = row[moved]
    rows[own] = row
    return rows


def _picked(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]`` for sorted distinct ``rows``; strings not made yet stay so."""
    if not isinstance(values, Later):
        out: np.ndarray = values[rows]
        return out
    if rows.size == values.size:  # (every one of them)
        return values
    mask = np.zeros(values.size, dtype=bool)
    mask[rows] = True
    picked: np.ndarray = subset(values, mask)
    return picked


def _dense_distinct(codes: np.ndarray, n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct codes (sorted) and the index of each code among them (``-1``: absent)."""
    seen = np.zeros(n_codes, dtype=bool)
    seen[codes] = True
    distinct = np.flatnonzero(seen)
    index = np.full(n_codes, -1, dtype=np.int64)
    index[distinct] = np.arange(distinct.size)
    return distinct, index
