"""The link of a read, done stage by stage as soon as the export tables a stage needs are read.

A stage makes one of our tables from the working tables that feed it: the persons merged
(``leads``), the deals and their contacts, the touches and the activities linked to the
persons, the costs.  :class:`Linker` runs each stage once its tables (and the tables their
lookups take from) are read, while the next file is parsed, then folds the spellings, derives
the stage instants and puts each table in order (on the pool) as soon as its inputs are
final.  The persons' tables are read first (:func:`needed_first`): every other stage needs
the persons.

A stage's findings are its own part of the list (``(LINK, stage)``), so the list reads in the
stages' order whenever they ran; an error of a stage is raised once every table is read, the
first in the stages' order (as when the stages ran after the reading).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from .._crm import CodedColumns
from .._later_tables import LaterTable
from .._parallel import Pending, submit
from ._context import LINK, Context, Table, concat
from ._deals import (
    build_deals,
    flag_deals_without_contact,
    keep_first_listed,
    link_deal_contacts,
)
from ._final import SORT_FIRST, FirstSorted, finish, first_sorted
from ._link import FOLDED, apply_lookups, derive_stages, fold_spellings, link_people, with_cost
from ._persons import People, build_people
from ._preset import Preset

__all__ = ["STAGES", "Linker", "needed_first"]

#: the stages, in the order their findings are listed: each stage and our tables it reads
STAGES: Mapping[str, tuple[str, ...]] = {
    "leads": ("leads",),
    "deals": ("deals", "deal_contacts"),
    "touchpoints": ("touchpoints",),
    "activities": ("activities",),
    "costs": ("costs",),
}

#: our tables in the order of the result, and the stage making each
MADE_BY: Mapping[str, str] = {
    "leads": "leads",
    "touchpoints": "touchpoints",
    "deals": "deals",
    "deal_contacts": "deals",
    "activities": "activities",
    "costs": "costs",
}

Finished = tuple[dict[str, Any] | LaterTable, CodedColumns]


def _own(preset: Preset, stage: str) -> list[str]:
    """The export tables feeding a stage, in the preset's order."""
    return [t.name for t in preset.tables if t.feeds in STAGES[stage]]


def _needs(preset: Preset, stage: str) -> set[str]:
    """The export tables a stage needs read: its own, and those their lookups take from."""
    own = set(_own(preset, stage))
    return own | {preset.table(lk.table).name for lk in preset.lookups if own & set(lk.into)}


def needed_first(preset: Preset) -> list[str]:
    """The tables the persons need (theirs, then the tables their lookups take from)."""
    own = _own(preset, "leads")
    names = [t.name for t in preset.tables]
    return own + sorted(_needs(preset, "leads") - set(own), key=names.index)


class Linker:
    """The link of one read: :meth:`ready` after each table is read, :meth:`result` at the
    end."""

    def __init__(self, preset: Preset, won: tuple[str, ...] | None, ctx: Context, *, fold: bool):
        self.preset, self.won, self.ctx, self.fold = preset, won, ctx, fold
        self.made: dict[str, Any] = {}  # each stage's value
        self.errors: dict[str, Exception] = {}  # each failed stage's error
        self.work: dict[str, Table] = {}  # our tables made (working columns)
        self.done: set[str] = set()  # the steps after the stages that have run
        self.final: dict[str, Pending[Finished]] = {}  # our tables put in order
        self.sorting: dict[str, Pending[FirstSorted]] = {}  # (their first columns, early)
        self.sources = {preset.table(lk.table).name for lk in preset.lookups}

    def ready(self, tables: dict[str, Table], read: set[str]) -> None:
        """Run every stage not run yet whose tables are all ``read`` (the lookups into its
        tables applied first), then every later step whose inputs are made.  A stage's own
        tables are handed to it (dropped from ``tables``, unless a lookup takes from them)."""
        for i, stage in enumerate(STAGES):  # a loop over the five stages
            if stage in self.made or stage in self.errors:
                continue
            if not _needs(self.preset, stage) <= read or not self._persons_known(stage):
                continue
            own = _own(self.preset, stage)
            apply_lookups(self.preset.lookups, tables, self.ctx, into=own)
            mine = [tables[n] if n in self.sources else tables.pop(n) for n in own]
            try:
                self.made[stage] = _JOBS[stage](self, mine, self.ctx.part(LINK, i))
            except Exception as exc:  # (raised by result(), in the stages' order)
                self.errors[stage] = exc
        if not self.errors:
            self._after()

    def _persons_known(self, stage: str) -> bool:
        return stage == "leads" or "leads" in self.made

    def _after(self) -> None:
        """The steps after the stages, each once its inputs are made: the spellings folded,
        the stage instants derived, and each table put in order on the pool."""
        for name, stage in MADE_BY.items():  # a loop over our six tables
            if stage in self.made and name not in self.work:
                self.work[name] = self._table(name)
        work = self.work
        for name, t in work.items():  # (sorted by their first columns while the others fold)
            if name not in self.final and name not in self.sorting and _sorted_early(name):
                self.sorting[name] = submit(first_sorted, name, dict(t))  # (a snapshot)
        if "fold" not in self.done and {"leads", "touchpoints", "costs"} <= work.keys():
            fold_spellings(work, self.ctx.part(LINK, len(STAGES)), fold=self.fold)
            self.done.add("fold")
        if "derive" not in self.done and {"leads", "deals"} <= self.made.keys():
            if self.preset.stages_from_deals:
                people = self.made["leads"]
                derive_stages(people.leads, work["deals"], work["deal_contacts"], people)
            self.done.add("derive")
        final = {"leads": {"fold", "derive"}, "touchpoints": {"fold"}, "costs": {"fold"}}
        for name, t in work.items():  # a loop over our tables made
            if name not in self.final and final.get(name, set()) <= self.done:
                early = self.sorting.pop(name, None)
                done = None if early is None else early.result()
                self.final[name] = submit(finish, name, t, done)

    def _table(self, name: str) -> Table:
        value = self.made[MADE_BY[name]]
        if name == "leads":
            return value.leads  # type: ignore[no-any-return]
        if name in ("deals", "deal_contacts"):
            return value[name == "deal_contacts"]  # type: ignore[no-any-return]
        return value  # type: ignore[no-any-return]

    def persons(self) -> People:
        """The persons (the persons' stage error raised when it failed)."""
        if "leads" in self.errors:
            raise self.errors["leads"]
        return self.made["leads"]  # type: ignore[no-any-return]

    def result(self, coded: CodedColumns) -> dict[str, dict[str, Any] | LaterTable]:
        """Our six tables in order (their coded columns into ``coded``); the first error of
        the stages, in their order, raised."""
        for stage in STAGES:  # a loop over the five stages
            if stage in self.errors:
                raise self.errors[stage]
        out: dict[str, dict[str, Any] | LaterTable] = {}
        for name in MADE_BY:  # a loop over our six tables
            out[name], codes = self.final[name].result()
            coded.update(codes)
        return out


Job = Callable[[Linker, list[Table], Context], Any]


def _sorted_early(name: str) -> bool:
    """Whether a table put in order after the spellings are folded (the touches) is sorted by
    its first columns before: none of them is folded."""
    folded = {c for group in FOLDED for t, c in group if t == name}
    return name == "touchpoints" and not folded & set(SORT_FIRST[name])


def _persons(link: Linker, own: list[Table], ctx: Context) -> People:
    specs = [t for t in link.preset.tables if t.feeds == "leads"]
    p = concat(own, ctx)
    own.clear()  # (the tables joined: their rows not kept twice)
    for name in dict.fromkeys(c for t in specs for c in t.lists):  # (HubSpot: a contact's
        keep_first_listed(p, name, ctx)  # companies; none for other presets: no cost)
    return build_people(p, specs, ctx)


def _deals(link: Linker, own: list[Table], ctx: Context) -> tuple[Table, Table]:
    """The deals and their contacts (linked to the persons)."""
    feeds = [t.feeds for t in link.preset.tables if t.feeds in STAGES["deals"]]
    sold = [t for t, f in zip(own, feeds) if f == "deals"]
    named = concat([t for t, f in zip(own, feeds) if f == "deal_contacts"], ctx)
    deals, listed, left = build_deals(sold, link.won, ctx, named)
    dc = link_deal_contacts(concat([named, listed], ctx), deals, link.persons(), ctx, left)
    flag_deals_without_contact(deals, dc, ctx)
    return deals, dc


def _linked(link: Linker, own: list[Table], ctx: Context, *, channel: bool) -> Table:
    return link_people(concat(own, ctx), link.persons(), ctx, channel=channel)


def _costs(_: Linker, own: list[Table], ctx: Context) -> Table:
    return with_cost(concat(own, ctx), ctx)


_JOBS: Mapping[str, Job] = {
    "leads": _persons,
    "deals": _deals,
    "touchpoints": functools.partial(_linked, channel=True),
    "activities": functools.partial(_linked, channel=False),
    "costs": _costs,
}
