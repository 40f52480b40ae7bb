"""Links between tables: lookups, rows kept by a flag, touches and activities to persons,
costs, category spellings and the stage instants derived from deals."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._cells import ArrowText
from .._frames import factorize
from .._options import note_variants
from .._parallel import ahead
from .._parse import category_variants, fold_categories, fold_labels
from .._segments import group_min
from .._time import TIME_DTYPE
from ..errors import DataValidationError
from ._context import DEAL, LIVE, LOOKUP, PERSON, ROW, Context, Table, take, take_column
from ._currency import in_one_currency
from ._order import BLOCK
from ._persons import People, first_per_group
from ._preset import ExportTable, Lookup, Preset
from ._typing import required_values
from ._values import (
    CodedText,
    empty_like_kind,
    find,
    is_missing,
    overlaid,
    plain,
    shared_texts,
)

__all__ = [
    "FOLDED",
    "apply_lookups",
    "derive_stages",
    "fold_spellings",
    "keep_first_ids",
    "keep_flagged",
    "link_people",
    "with_cost",
]

#: columns whose spellings are folded together (one vocabulary per group)
FOLDED: tuple[tuple[tuple[str, str], ...], ...] = (
    (("leads", "source"), ("touchpoints", "channel"), ("costs", "channel")),
    (("touchpoints", "campaign"), ("costs", "campaign"), ("leads", "campaign")),
)

_BIG = np.iinfo(np.int64).max


#: our tables linked to the persons by :func:`link_people`, which keeps their rows as a mask
LINKED = ("touchpoints", "activities")


def keep_flagged(t: Table, spec: ExportTable, ctx: Context) -> Table:
    """The rows whose ``keep_when`` flag is true; the others listed as ``skip_reason`` (a
    table without the flag's column is refused before, never read as all true).

    A table linked to the persons (:data:`LINKED`) that no lookup takes from keeps every row,
    those left out marked in :data:`~._context.LIVE`: its rows are gathered once, in order,
    when it is final."""
    if spec.keep_when is None:
        return t
    keep = t[spec.keep_when]
    required_values(t, spec.keep_when, "yes/no value", ctx)
    ctx.flag(t, ~keep, spec.keep_when, spec.skip_reason, "left out")
    if spec.feeds in LINKED and all(lk.table != spec.name for lk in ctx.preset.lookups):
        out = {k: v for k, v in t.items() if k != spec.keep_when}
        out[LIVE] = np.asarray(keep, dtype=bool)
        return out
    out = take(t, keep)
    del out[spec.keep_when]
    return out


#: our column holding the id of each row of a table feeding touches or activities: a row
#: whose id a row before it holds is a copy of it (a campaign member exported twice)
ROW_IDS: Mapping[str, str] = {"touchpoints": "touch_id", "activities": "activity_id"}


def _id_column(spec: ExportTable, preset: Preset) -> str | None:
    """Our column whose ids are each one row of ``spec``'s table: :data:`ROW_IDS`, or the key
    other tables look ids up by in a table read only so or for its costs (a ``User`` or a
    ``Campaign`` ``Id``); ``None`` for any other table (persons and deals are merged by theirs
    later)."""
    if spec.feeds in ROW_IDS:
        return ROW_IDS[spec.feeds]
    keys = {lk.key for lk in preset.lookups if preset.table(lk.table) is spec}
    return keys.pop() if spec.feeds in ("lookup", "costs") and len(keys) == 1 else None


def _id_codes(ids: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes of a column of ids, one per distinct id (``-1``: none), and their number: a
    coded column's own codes when its texts are distinct (Arrow's factorised strings),
    else codes into the sorted distinct strings (:func:`~._values.shared_texts`)."""
    if isinstance(ids, CodedText) and isinstance(ids.texts, ArrowText):
        return ids.codes(), ids.texts.size
    (coded,), vocab = shared_texts([ids])
    return coded.codes(), vocab.size


def keep_first_ids(t: Table, spec: ExportTable, ctx: Context) -> Table:
    """The rows of ``t`` but those whose id (:func:`_id_column`) a row before them in the file
    holds; every row of a repeated id is listed ("duplicate campaign (same Id)"), the first
    kept.  Rows with no id are kept, and rows left out already (:data:`~._context.LIVE`)
    neither count nor are listed.  A table linked to the persons keeps its rows, those left
    out marked in :data:`~._context.LIVE`."""
    ours = _id_column(spec, ctx.preset)
    if ours is None or ours not in t or not t[ours].size:
        return t
    codes, n_ids = _id_codes(t[ours])
    live = t.get(LIVE)
    at = np.flatnonzero(codes >= 0 if live is None else (codes >= 0) & live)
    counts = np.bincount(codes[at], minlength=n_ids)
    if not bool((counts > 1).any()):
        return t
    first = group_min(at, codes[at], n_ids, _BIG)  # (each id's first row)
    repeated = np.zeros(codes.size, dtype=bool)
    repeated[at] = counts[codes[at]] > 1
    keep = np.ones(codes.size, dtype=bool)
    keep[at] = first[codes[at]] == at
    noun = "record" if spec.noun == "row" else "{noun}"
    ctx.flag(
        t,
        repeated,
        ours,
        f"duplicate {noun} (same Id)",
        "the first in the file is kept, the others are not used",
    )
    return dict(t, **{LIVE: live & keep}) if live is not None else take(t, keep)


def _one_lookup(
    lk: Lookup, i: int, source: Table, tables: dict[str, Table], into: Sequence[str], ctx: Context
) -> None:
    keys = source.get(lk.key)
    if keys is None or keys.size == 0:
        keys = np.empty(0, dtype=object)
        order = first = np.empty(0, dtype=np.int64)
    else:
        present = np.flatnonzero(~is_missing(keys))
        keys_p = keys[present]
        uniq, inv = np.unique(keys_p.astype(str), return_inverse=True)
        order = np.lexsort((present, inv.ravel()))
        first = present[order[first_per_group(inv.ravel(), order, uniq.size)]]
        keys = uniq.astype(object)
    for j, name in enumerate(lk.into):  # a loop over the reading tables
        t = tables[name]
        if name not in into or lk.ref not in t:
            continue
        ctx_j = ctx.part(LOOKUP, i, j)
        for theirs, ours in lk.take.items():
            listed = ctx.their_name(ctx.preset.table(lk.table).name, theirs)
            ctx.their[(name, ours)] = f"{lk.table}.{listed}"
        refs = t[lk.ref]
        kept = t.get(lk.keep_ref) if lk.keep_ref is not None else None
        distinct = isinstance(refs, CodedText) and lk.keep_ref not in t
        if distinct:  # each distinct reference looked up once, its columns spread to the rows
            assert isinstance(refs, CodedText)
            refs, rows = _distinct_refs(refs)
        new, absent = _looked_up(lk, keys, first, source, refs, kept, ctx_j)
        if distinct:
            rows = rows.astype(np.intp, copy=False)  # (once: numpy gathers by intp positions)
            new = {k: take_column(v, rows) for k, v in new.items()}
            absent = absent[rows]
        t.update(new)
        if lk.keep_ref is not None:
            action = f"{lk.keep_ref} shown as the Id itself"
        else:
            action = f"{', '.join(lk.take.values())} left empty"
        ctx_j.flag(t, absent, lk.ref, f"not found in the {lk.table} export", action)


def _looked_up(
    lk: Lookup,
    keys: np.ndarray,
    first: np.ndarray,
    source: Table,
    refs: np.ndarray,
    kept: np.ndarray | None,
    ctx: Context,
) -> tuple[Table, np.ndarray]:
    """The columns a lookup takes for the references ``refs`` (the reference itself in
    ``keep_ref`` where it is not found: ``kept``, its column before, when it is not taken),
    and the references not found."""
    if keys.size:
        pos, found = find(keys, refs)
    else:
        pos, found = np.zeros(refs.size, np.int64), np.zeros(refs.size, bool)
    at = np.full(refs.size, -1, dtype=np.int64)  # the looked-up row of each row
    at[found] = first[pos[found]]
    new = {
        ours: _taken(source.get(theirs), at, refs, ctx, ours) for theirs, ours in lk.take.items()
    }
    absent = ~found & ~is_missing(refs)
    if lk.keep_ref is not None:
        before = new.get(lk.keep_ref, kept)
        assert before is not None
        new[lk.keep_ref] = _with_refs(before, refs, absent)
    return new, absent


def _distinct_refs(refs: CodedText) -> tuple[CodedText, np.ndarray]:
    """The distinct references of a coded column, one per text and a last one missing, and
    each row's among them."""
    n = refs.texts.size
    codes = np.append(np.arange(n, dtype=np.int64), -1)
    rows = np.where(refs.codes() < 0, n, refs.codes())
    return CodedText(codes, refs.texts), rows


def _taken(
    values: np.ndarray | None, at: np.ndarray, refs: np.ndarray, ctx: Context, ours: str
) -> np.ndarray:
    """The looked-up table's ``values`` at row ``at`` of each row (``-1``: none, missing); text
    taken into a coded table stays codes (into the looked-up table's few rows)."""
    kind = ctx.kind(ours)
    if values is not None and kind == "text" and isinstance(refs, CodedText):
        texts = plain(values)
        present = np.flatnonzero(~is_missing(texts))
        renumber = np.full(texts.size + 1, -1, dtype=np.int64)  # (last slot: row -1)
        renumber[present] = np.arange(present.size)
        return CodedText(renumber[at], texts[present])
    out = empty_like_kind(kind, at.size)
    found = at >= 0
    if values is not None and found.any():
        out[found] = values[at[found]]
    return out


def _with_refs(kept: np.ndarray, refs: np.ndarray, absent: np.ndarray) -> np.ndarray:
    """``kept`` with the references themselves where they were ``absent`` (a new array)."""
    if isinstance(kept, CodedText) and isinstance(refs, CodedText):
        return overlaid(kept, refs, absent)
    out: np.ndarray = plain(kept).copy()
    out[absent] = plain(refs[absent])
    return out


def apply_lookups(
    lookups: Sequence[Lookup], tables: dict[str, Table], ctx: Context, into: Sequence[str]
) -> None:
    """Fill the columns each lookup takes from its table into the reading tables ``into`` (in
    place on the working tables); the findings of lookup ``i`` into its ``j``-th table are
    part ``(LOOKUP, i, j)`` of the list."""
    for i, lk in enumerate(lookups):  # a loop over the preset's lookups
        if set(lk.into) & set(into):
            _one_lookup(lk, i, tables[ctx.preset.table(lk.table).name], tables, into, ctx)


def link_people(t: Table, people: People, ctx: Context, *, channel: bool = False) -> Table:
    """Rows whose person is known, ``lead_id`` set to the person id; the others listed.

    ``channel``: touches, which must name a channel too (the others listed after).
    """
    if not t or t[ROW].size == 0:
        t = dict(t, lead_id=plain(t["lead_id"])) if "lead_id" in t else t
        return _with_channel_column(t) if channel else t
    blank = is_missing(t["lead_id"])
    row = people.rows_of(t["lead_id"])
    unknown = (row < 0) & ~blank
    ctx.flag(t, blank, "lead_id", "{noun} with no person", "left out")
    ctx.flag(t, unknown, "lead_id", "{noun} of an unknown person", "left out")
    keep = ~(blank | unknown)
    if LIVE in t:  # (rows left out before: as if gone)
        keep &= t[LIVE]
    required_values(t, "timestamp", "instant", ctx, among=keep)
    # the person ids as codes into the persons' ids (strings only once the rows are final)
    t = dict(t, lead_id=CodedText(row, people.leads["lead_id"]), **{PERSON: row})
    if channel:
        t = _with_channel_column(t)
        none = is_missing(t["channel"]) & keep
        ctx.flag(t, none, "channel", "{noun} without a channel", "left out; map a channel column")
        keep &= ~none
    if LIVE in t:  # (the rows gathered once, in order, by the table's finish)
        return dict(t, **{LIVE: keep})
    return take(t, keep)


def _with_channel_column(t: Table) -> Table:
    if not t or "channel" in t:
        return t
    return dict(t, channel=np.full(t[ROW].size, None, dtype=object))


def with_cost(t: Table, ctx: Context) -> Table:
    """Cost rows that give a cost, in one currency (a ``currency`` column: Salesforce's
    ``CurrencyIsoCode``, :func:`~._currency.in_one_currency`); the others listed."""
    if not t:
        return t
    in_one_currency(t, "cost", ctx)
    none = np.isnan(t["cost"])
    ctx.flag(t, none, "cost", "{noun} without a cost", "not a cost row")
    return take(t, ~none)


def fold_spellings(tables: Mapping[str, Table], ctx: Context, *, fold: bool) -> None:
    """Fold the spellings of sources, channels and campaigns (in place), listing the rows;
    without ``fold``, the spellings that would fold are only noted (one warning per read).

    The vocabularies are folded side by side (each on its own thread: their columns are
    apart), then their rows listed and their columns replaced in turn."""
    groups = [[(t, c) for t, c in group if tables.get(t) and c in tables[t]] for group in FOLDED]
    if not fold:
        for t, c in (pair for present in groups for pair in present):  # a loop over columns
            values = plain(tables[t][c])
            live = tables[t].get(LIVE)
            note_variants(t, c, category_variants(values if live is None else values[live]))
        return
    steps = [
        functools.partial(
            _folded_columns,
            [tables[t][c] for t, c in present],
            [tables[t].get(LIVE) for t, c in present],
        )
        for present in groups
        if present
    ]
    done = [ahead(step, name="alignment-fold") for step in steps[:-1]]
    try:
        last = [steps[-1]()] if steps else []
    except Exception:
        for d in done:  # (an error of a vocabulary before is raised first)
            d()
        raise
    folded = [d() for d in done] + last
    for present, columns in zip([p for p in groups if p], folded):  # a loop over vocabularies
        for (t, c), (new, changed) in zip(present, columns):
            ctx.flag(
                tables[t],
                changed,
                c,
                "spelling variant of a value (case, spaces, '_' or '-')",
                "read as the most frequent spelling",
            )
            tables[t][c] = new


def _folded_columns(
    cols: list[np.ndarray], lives: Sequence[np.ndarray | None] | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`~alignment._parse.fold_categories` of several columns together, worked out per
    distinct value of them all (a column of codes stays codes): each column folded, and the
    rows it changes.  ``lives``: each column's rows still in (:data:`~._context.LIVE`; ``None``:
    all), the only ones whose spellings count."""
    lives = [None] * len(cols) if lives is None else lives
    try:
        coded, vocab = shared_texts(cols)
    except DataValidationError:  # not all text: value by value
        values = [_live_values(plain(c), m, None) for c, m in zip(cols, lives)]
        folded, changes = _folded(np.concatenate(values))
        ends = np.cumsum([v.size for v in values])
        return list(zip(np.split(folded, ends[:-1]), np.split(changes, ends[:-1])))
    # (each column counted where it is, no joined copy; slot 0: code -1, missing)
    each = [_counts(c.codes(), m, vocab.size) for c, m in zip(coded, lives)]
    counts = np.zeros(vocab.size, dtype=np.int64)
    for seen in each:  # a loop over columns
        counts += seen
    labels = fold_labels(vocab, counts)
    relabel = np.append(np.asarray(labels != vocab, dtype=bool), False)  # (code -1: kept)
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for col, c, seen in zip(cols, coded, each):  # a loop over columns
        if not relabel[:-1][seen > 0].any():  # (none of its values changes: no gather)
            out.append((col, np.zeros(c.size, dtype=bool)))
            continue
        changed = relabel[c.codes()]
        if not changed.any():
            out.append((col, changed))
        elif isinstance(col, CodedText):
            out.append((CodedText(c.codes(), labels), changed))
        else:
            new = col.copy()
            new[changed] = labels[c.codes()[changed]]
            out.append((new, changed))
    return out


def _counts(codes: np.ndarray, live: np.ndarray | None, k: int) -> np.ndarray:
    """How many rows (of ``live``; ``None``: all) hold each code in ``[0, k)`` (``-1``: none),
    block by block."""
    out = np.zeros(k + 1, dtype=np.int64)  # (slot 0: code -1, missing)
    for lo in range(0, codes.size, BLOCK):  # (a loop over blocks of rows)
        block = _live_values(
            codes[lo : lo + BLOCK], None if live is None else live[lo : lo + BLOCK], -1
        )
        out += np.bincount(block + 1, minlength=k + 1)
    return out[1:]


def _live_values(values: np.ndarray, live: np.ndarray | None, gone: Any) -> np.ndarray:
    """``values`` with ``gone`` in the rows no longer in (``live``: ``None`` for all in)."""
    return values if live is None else np.where(live, values, gone)


def _folded(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~alignment._parse.fold_categories` of a column, worked out per distinct value,
    and the rows it changes."""
    try:
        cat = factorize(values, column="", allow_missing=True)
    except DataValidationError:  # not all text: value by value
        folded = fold_categories(values)
        return folded, np.asarray(np.not_equal(folded, values), dtype=bool) & ~is_missing(values)
    # (code -1, missing, counted in the first slot and never changed: no mask of the rows)
    counts = np.bincount(cat.codes + 1, minlength=cat.categories.size + 1)[1:]
    labels = fold_labels(cat.categories, counts)
    relabel = np.asarray(labels != cat.categories, dtype=bool)
    changed = np.append(relabel, False)[cat.codes]
    if not changed.any():
        return values, changed
    out = values.copy()
    out[changed] = labels[cat.codes[changed]]
    return out, changed


def derive_stages(leads: Table, deals: Table, dc: Table, people: People) -> None:
    """``opportunity_at`` (first deal created) and ``won_at`` (first won deal closed) of each
    person, when the person tables do not give them (in place)."""
    n = leads["lead_id"].size
    wanted = [c for c in ("opportunity_at", "won_at") if c not in leads]
    if not wanted:
        return
    if not dc or dc["deal_id"].size == 0:
        for c in wanted:
            leads[c] = np.full(n, np.datetime64("NaT"), dtype=TIME_DTYPE)
        return
    deal_pos = dc[DEAL]  # (each deal contact's deal: a row of the deals)
    person = dc[PERSON] if PERSON in dc else people.index(dc["lead_id"])
    won = deals["won"][deal_pos]
    sources = {"opportunity_at": (deals["created_at"][deal_pos], np.ones(won.size, bool))}
    sources["won_at"] = (deals["closed_at"][deal_pos], won)
    for c in wanted:
        times, use = sources[c]
        ints = np.where(use & ~np.isnat(times), times.view(np.int64), _BIG)
        low = group_min(ints, person, n, _BIG)
        leads[c] = np.where(low == _BIG, np.iinfo(np.int64).min, low).view(TIME_DTYPE)
