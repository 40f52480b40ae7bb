"""Stage events to stage entries: the reader and the vectorised kernel of ``funnel.history``.

A *stage event* says "lead *l* was in stage *s* from instant *t*" (what CRMs export as
lifecycle or status changes).  Per lead, events are read in the order (instant, stage rank);
the rules, documented in ``docs/funnel.md`` ("Lifecycle history"):

* an event of the stage the lead is already in is a *repeat*: it changes nothing (its row is
  listed in ``repeats``);
* an event of a later stage is a move forward; the stages jumped over are *skipped*: with
  ``skipped="fill"`` each gets an entry that starts and ends at the jump instant (``filled``),
  with ``skipped="ignore"`` they are not reached.  Stages before a lead's first event are
  skipped stages too;
* an event of an earlier stage is a *re-entry* (a recycle): a new entry of that stage
  (``recycled``).

Every entry ends (``exited``) where the lead's next entry starts; the last one is open.
Plain-Python twin: ``tests/funnel/test_history.py``.  No Python loop runs per lead or event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .._params import is_option
from .._segments import position_in_segment, segment_last
from ..errors import ParameterError
from ._observe import stage_label

__all__ = [
    "NAT",
    "Entries",
    "check_count",
    "check_skipped",
    "stage_entries",
    "stage_key",
    "stage_names",
]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
#: the int64 view of NaT
NAT = np.iinfo(np.int64).min

Skipped = Literal["fill", "ignore"]


def stage_key(name: Any) -> str:
    """How a stage name is matched: ``"MQL"``, ``"mql"`` and ``"mql_at"`` are one stage,
    ``"created_at"`` is the entry stage ``"lead"``."""
    return stage_label(str(name).strip().casefold())


def stage_names(stages: Sequence[str]) -> tuple[str, ...]:
    """The stage names (labels, ``_at`` dropped), top to bottom, checked."""
    if isinstance(stages, str):
        raise ParameterError("stages must be a sequence of stage names, not one string")
    labels = tuple(stage_label(str(s).strip()) for s in stages)
    if not labels:
        raise ParameterError("stages needs at least one stage, e.g. ['lead', 'mql', 'sql']")
    keys = [stage_key(s) for s in labels]
    if len(set(keys)) != len(keys):
        raise ParameterError(f"stages has duplicates (case and '_at' ignored): {list(labels)}")
    return labels


def check_skipped(skipped: str) -> None:
    if not is_option(skipped, ("fill", "ignore")):
        raise ParameterError(f"skipped must be 'fill' or 'ignore'; got {skipped!r}")


def check_count(count: str) -> None:
    if not is_option(count, ("leads", "entries")):
        raise ParameterError(f"count must be 'leads' or 'entries'; got {count!r}")


@dataclass(frozen=True)
class Entries:
    """Stage entries, sorted by lead, then time (then stage for equal instants).

    ``lead``, ``rank``, ``entered``, ``exited`` (int64 microseconds, :data:`NAT` while open),
    ``entry`` (1 for a lead's first entry of a stage, 2 for its second …), ``filled`` (a
    skipped stage filled at the jump instant), ``recycled`` (a re-entry to an earlier stage),
    ``event`` (the input event that made the entry), ``offsets`` (CSR offsets of the leads
    into the entries) and ``repeats`` (input events that changed nothing).
    """

    lead: IntArray
    rank: IntArray
    entered: IntArray
    exited: IntArray
    entry: IntArray
    filled: BoolArray
    recycled: BoolArray
    event: IntArray
    offsets: IntArray
    repeats: IntArray


def _occurrence(lead: IntArray, rank: IntArray, n_stages: int) -> IntArray:
    """1 for the first entry of each (lead, stage), 2 for the second … (entries in time order)."""
    key = lead * n_stages + rank
    order = np.argsort(key, kind="stable")
    k = key[order]
    starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
    offsets = np.append(starts, k.size).astype(np.int64)
    out = np.empty(k.size, dtype=np.int64)
    out[order] = position_in_segment(offsets) + 1
    return out


def stage_entries(
    lead: IntArray,
    rank: IntArray,
    at: IntArray,
    n_leads: int,
    n_stages: int,
    *,
    skipped: Skipped = "fill",
) -> Entries:
    """The stage entries of events (lead code, stage rank, int64 instant per event)."""
    check_skipped(skipped)
    lead = np.asarray(lead, dtype=np.int64)
    rank = np.asarray(rank, dtype=np.int64)
    at = np.asarray(at, dtype=np.int64)
    order = np.lexsort((rank, at, lead))
    ls, rs, ts = lead[order], rank[order], at[order]
    first = np.ones(ls.size, dtype=bool)
    first[1:] = ls[1:] != ls[:-1]
    repeat = ~first
    repeat[1:] &= rs[1:] == rs[:-1]
    keep = ~repeat
    ls, rs, ts, ev, first = ls[keep], rs[keep], ts[keep], order[keep], first[keep]
    prev = np.empty_like(rs)
    prev[1:] = rs[:-1]
    prev[first] = -1  # before its first event a lead is "above" the top stage
    back = rs < prev
    fills = np.where(~back, rs - prev - 1, 0) if skipped == "fill" else np.zeros_like(rs)
    sizes = fills + 1  # one entry per event, plus the stages it fills
    block = np.zeros(sizes.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=block[1:])
    pos = position_in_segment(block)
    e_lead = np.repeat(ls, sizes)
    e_rank = np.repeat(rs - fills, sizes) + pos
    entered = np.repeat(ts, sizes)
    filled = pos < np.repeat(fills, sizes)
    recycled = np.repeat(back, sizes)  # (a re-entry fills nothing: its block is one entry)
    offsets = np.zeros(n_leads + 1, dtype=np.int64)
    np.cumsum(np.bincount(e_lead, minlength=n_leads), out=offsets[1:])
    exited = np.empty_like(entered)
    exited[:-1] = entered[1:]
    last = segment_last(offsets)
    exited[last[last >= 0]] = NAT
    return Entries(
        lead=e_lead,
        rank=e_rank,
        entered=entered,
        exited=exited,
        entry=_occurrence(e_lead, e_rank, n_stages),
        filled=filled,
        recycled=recycled,
        event=np.repeat(ev, sizes).astype(np.int64),
        offsets=offsets,
        repeats=np.sort(order[repeat]).astype(np.int64),
    )
