"""Persons: the records of every table feeding ``leads``, merged into one row per person.

A record whose ``merged_into`` names another record (a converted Salesforce lead names its
contact) is the same person as that record, under that record's id; two records with the same
id are one person too.  Every id any record had resolves to its person (:meth:`People.resolve`),
so a touch or a task naming the lead record of a converted lead finds the person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._frames import factorize, lookup
from .._segments import group_min
from .._time import TIME_DTYPE
from ._context import ROW, SRC, Context, Table, concat
from ._preset import ExportTable
from ._typing import required_values
from ._values import is_missing

__all__ = ["People", "build_people", "combine", "first_per_group"]

_BIG = np.iinfo(np.int64).max


@dataclass(frozen=True)
class People:
    """The persons and the resolution of record ids to person ids."""

    leads: Table
    keys: np.ndarray
    person: np.ndarray

    def resolve(self, ids: np.ndarray) -> np.ndarray:
        """The person id of each record id (``None`` where it names no person)."""
        out = np.full(ids.size, None, dtype=object)
        if self.keys.size == 0 or ids.size == 0:
            return out
        pos, found = lookup(self.keys, ids)
        out[found] = self.person[pos[found]]
        return out

    def index(self, person_ids: np.ndarray) -> np.ndarray:
        """Row of each person id in :attr:`leads` (``-1`` where absent)."""
        if person_ids.size == 0 or self.leads["lead_id"].size == 0:
            return np.full(person_ids.size, -1, dtype=np.int64)
        pos, _ = lookup(self.leads["lead_id"], person_ids)
        return pos


def first_per_group(groups: np.ndarray, order: np.ndarray, n_groups: int) -> np.ndarray:
    """For each group, the position (in ``order``) of its first row; ``order`` sorts by group."""
    first = np.full(n_groups, -1, dtype=np.int64)
    ranks = np.arange(order.size, dtype=np.int64)
    first_rank = group_min(ranks, groups[order], n_groups, _BIG)
    ok = first_rank < _BIG
    first[ok] = first_rank[ok]
    return first


def _unique_first(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys (sorted) and the first row holding each."""
    cat = factorize(keys, column="lead_id", allow_missing=False)
    first = group_min(np.arange(keys.size, dtype=np.int64), cat.codes, cat.categories.size, _BIG)
    return cat.categories, first


def _final_ids(own: np.ndarray, link: np.ndarray, linked: np.ndarray, depth: int) -> np.ndarray:
    """Each record's person id: the record it links to, followed to its end (chains allowed)."""
    final = np.where(linked, link, own)
    uniq, first = _unique_first(own)
    for _ in range(depth):  # a loop over link levels, not rows
        pos, found = lookup(uniq, final)
        nxt = final.copy()
        nxt[found] = final[first[pos[found]]]
        if np.array_equal(nxt, final):
            break
        final = nxt
    return final


def _merge_issues(
    p: Table, linked: np.ndarray, known: np.ndarray, specs: Sequence[ExportTable], ctx: Context
) -> None:
    for spec in specs:  # a loop over the person tables
        if spec.merges_into is None:
            continue
        here = p[SRC] == ctx.src(spec.name)
        target = spec.merges_into
        ctx.flag(
            p,
            here & linked & known,
            "merged_into",
            f"duplicate person: the same person as a {target} record",
            f"merged into one person (its id: the {target}'s Id)",
        )
        ctx.flag(
            p,
            here & linked & ~known,
            "merged_into",
            f"links to a {target} record that is not in the export",
            "kept as one person under the linked Id",
        )
    own_cat = factorize(p["lead_id"], column="lead_id")
    alone = ~linked
    counts = np.bincount(own_cat.codes[alone], minlength=own_cat.categories.size)
    repeated = alone & (counts[own_cat.codes] > 1)
    ctx.flag(p, repeated, "lead_id", "duplicate person (same Id)", "merged into one person")


def combine(
    p: Table, groups: np.ndarray, order: np.ndarray, n: int, skip: Sequence[str] = ()
) -> Table:
    """One value per group and column: the earliest instant, else the first value present in
    ``order`` (tables in preset order, then file rows); ``_src``/``_row`` of the first row."""
    out: Table = {}
    g_sorted = groups[order]
    for name, values in p.items():  # a loop over columns
        if name in skip:
            continue
        sorted_values = values[order]
        if name in (SRC, ROW):
            first = first_per_group(groups, order, n)
            out[name] = sorted_values[first]
            continue
        if sorted_values.dtype.kind == "M":
            ints = sorted_values.view(np.int64)
            ints = np.where(np.isnat(sorted_values), _BIG, ints)
            low = group_min(ints, g_sorted, n, _BIG)
            out[name] = np.where(low == _BIG, np.iinfo(np.int64).min, low).view(TIME_DTYPE)
            continue
        present = ~is_missing(sorted_values)
        ranks = np.where(present, np.arange(order.size, dtype=np.int64), _BIG)
        first_present = group_min(ranks, g_sorted, n, _BIG)
        ok = first_present < _BIG
        filled = np.empty(n, dtype=sorted_values.dtype)
        filled[ok] = sorted_values[first_present[ok]]
        if (~ok).any():
            filled[~ok] = sorted_values[first_per_group(groups, order, n)[~ok]]
        out[name] = filled
    return out


def build_people(parts: Sequence[Table], specs: Sequence[ExportTable], ctx: Context) -> People:
    """Merge the person records of ``parts`` (in preset order) into one row per person."""
    p = concat(parts, ctx)
    required_values(p, "lead_id", "record id", ctx)
    required_values(p, "created_at", "creation instant", ctx)
    own = p["lead_id"]
    link = p.get("merged_into", np.full(own.size, None, dtype=object))
    linked = ~is_missing(link)
    final = _final_ids(own, link, linked, depth=len(parts) + 1)
    own_uniq, _ = _unique_first(own)
    _, known = lookup(own_uniq, link) if own.size else (None, np.zeros(0, dtype=bool))
    _merge_issues(p, linked, known & linked, specs, ctx)
    cat = factorize(final, column="lead_id")
    order = np.lexsort((p[ROW], p[SRC], cat.codes))
    leads = {"lead_id": cat.categories.astype(object)}
    leads.update(combine(p, cat.codes, order, cat.categories.size, ("lead_id", "merged_into")))
    keys, first = _unique_first(np.concatenate([own, final]))
    person = np.concatenate([final, final])[first]
    return People(leads, keys, person)
