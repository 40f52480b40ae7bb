"""Sufficient statistics of the data-driven attribution models (the partition protocol).

A partitioned run (``alignment.dask``, or :func:`alignment.testing.check_partitioned_credit` in
memory) computes a model's statistic on every partition, merges them, and computes the credit
once from the merged statistic:

* Markov: :class:`MarkovCounts`, the transition counts of the chain keyed by channel names;
* Shapley: :class:`PathStats` of the distinct channel sets.

Both are additive: merging the statistics of two partitions gives the statistic of their union.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._segments import group_min
from ..base import ChannelCredit
from ._credit import channel_codes, channel_sets
from ._markov_chain import credit_from_fit, markov_counts, markov_solve

__all__ = ["MarkovCounts", "PathStats", "distinct_sorted", "group_sequences", "journey_arrays"]


def journey_arrays(
    journeys: Any, *, purpose: str = "enter a data-driven model"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(names, offsets, codes, conversions, non_conversions, revenue)`` of ``journeys``.

    ``revenue`` is the converted revenue (0 where a journey did not convert); touches without a
    channel are refused (:func:`channel_codes`).
    """
    _, raw = channel_codes(journeys, purpose=purpose)
    names = np.asarray(journeys.channel.categories, dtype=object)
    conv = np.asarray(journeys.conversions, dtype=np.float64)
    non = np.asarray(journeys.non_conversions, dtype=np.float64)
    rev = np.where(conv > 0, np.asarray(journeys.revenue, dtype=np.float64), 0.0)
    offsets = np.asarray(journeys.offsets, dtype=np.int64)
    return names, offsets, raw.astype(np.int64), conv, non, rev


# ---------------------------------------------------------------------------------------------
# sufficient statistics of data-driven attribution models: distinct paths
# ---------------------------------------------------------------------------------------------


def group_sequences(offsets: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group identical integer sequences (CSR) exactly, without hashing.

    Returns ``(gid, first)``: the dense group number of every sequence (numbered by the
    refinement, not by first appearance) and the index of the first sequence of each group.  Refinement: start from groups of equal length,
    then for position ``j = 0, 1, …`` split every group by its code at ``j`` (only sequences
    longer than ``j`` take part), so the total work is O(touches · log).
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    codes = np.asarray(codes, dtype=np.int64)
    n = offsets.size - 1
    if n <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lengths = np.diff(offsets)
    _, gid = np.unique(lengths, return_inverse=True)
    gid = gid.ravel().astype(np.int64)
    n_ids = int(gid.max()) + 1
    base = int(codes.max()) + 1 if codes.size else 1
    alive = np.flatnonzero(lengths > 0)
    j = 0
    while alive.size:  # loop over positions within a sequence
        comb = gid[alive] * base + codes[offsets[alive] + j]
        uniq, inv = np.unique(comb, return_inverse=True)
        gid[alive] = n_ids + inv.ravel()
        n_ids += int(uniq.size)
        j += 1
        alive = alive[lengths[alive] > j]
    _, dense = np.unique(gid, return_inverse=True)
    dense = dense.ravel().astype(np.int64)
    n_groups = int(dense.max()) + 1
    first = group_min(np.arange(n, dtype=np.int64), dense, n_groups, n)
    return dense, first


@dataclass
class PathStats:
    """Distinct channel paths (or sets) with their summed multiplicities and revenue.

    ``names`` is the channel vocabulary (sorted), ``offsets``/``codes`` a CSR of the distinct
    paths over ``names``; ``conversions``, ``non_conversions``, ``revenue`` (converted revenue)
    are summed over the journeys with that path.
    """

    names: np.ndarray
    offsets: np.ndarray
    codes: np.ndarray
    conversions: np.ndarray
    non_conversions: np.ndarray
    revenue: np.ndarray

    @property
    def n_paths(self) -> int:
        return int(self.offsets.size - 1)

    @classmethod
    def empty(cls) -> PathStats:
        z = np.zeros(0, dtype=np.float64)
        return cls(np.zeros(0, dtype=object), np.zeros(1, np.int64), np.zeros(0, np.int64), z, z, z)

    @classmethod
    def aggregate(
        cls,
        names: np.ndarray,
        offsets: np.ndarray,
        codes: np.ndarray,
        conversions: np.ndarray,
        non_conversions: np.ndarray,
        revenue: np.ndarray,
    ) -> PathStats:
        """Sum the journeys of identical paths (journeys without touches are left out)."""
        offsets = np.asarray(offsets, dtype=np.int64)
        lengths = np.diff(offsets)
        keep = lengths > 0
        if not bool(keep.all()):
            offsets = np.concatenate([[0], np.cumsum(lengths[keep])]).astype(np.int64)
            conversions, non_conversions, revenue = (
                conversions[keep],
                non_conversions[keep],
                revenue[keep],
            )
            lengths = lengths[keep]
        gid, first = group_sequences(offsets, codes)
        g = first.size
        u_len = lengths[first]
        u_off = np.zeros(g + 1, dtype=np.int64)
        np.cumsum(u_len, out=u_off[1:])
        src = np.repeat(offsets[first] - u_off[:-1], u_len) + np.arange(int(u_off[-1]))
        return cls(
            names=np.asarray(names, dtype=object),
            offsets=u_off,
            codes=np.asarray(codes, dtype=np.int64)[src],
            conversions=np.bincount(gid, weights=conversions, minlength=g),
            non_conversions=np.bincount(gid, weights=non_conversions, minlength=g),
            revenue=np.bincount(gid, weights=revenue, minlength=g),
        )

    def merge(self, other: PathStats) -> PathStats:
        """Union of two statistics (vocabularies merged, identical paths summed)."""
        if other.n_paths == 0:
            return self
        if self.n_paths == 0:
            return other
        names = np.union1d(self.names.astype(str), other.names.astype(str)).astype(object)
        map_a = np.searchsorted(names, self.names.astype(str))
        map_b = np.searchsorted(names, other.names.astype(str))
        codes = np.concatenate([map_a[self.codes], map_b[other.codes]])
        offsets = np.concatenate([self.offsets, other.offsets[1:] + self.offsets[-1]])
        return PathStats.aggregate(
            names,
            offsets,
            codes,
            np.concatenate([self.conversions, other.conversions]),
            np.concatenate([self.non_conversions, other.non_conversions]),
            np.concatenate([self.revenue, other.revenue]),
        )

    def journeys(self) -> Any:
        """The distinct paths as aggregated (untimed) :class:`~alignment.Journeys`."""
        from ..tables import Journeys
        from ..tables._journeys import padded_keys

        n = self.n_paths
        lengths = np.diff(self.offsets)
        position = np.arange(int(self.offsets[-1]), dtype=np.int64) - np.repeat(
            self.offsets[:-1], lengths
        )
        return Journeys.from_arrays(
            keys=padded_keys(n),
            offsets=self.offsets,
            time=position,
            channel=self.codes.astype(np.int32),
            channels=self.names.astype(str),
            revenue=self.revenue,
            conversions=self.conversions,
            non_conversions=self.non_conversions,
            timed=False,
        )


def distinct_sorted(
    offsets: np.ndarray, codes: np.ndarray, n_codes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per sequence, its distinct codes in ascending order (channel sets), as CSR."""
    n = offsets.size - 1
    pj, pc = channel_sets(offsets, codes, n_codes)
    out_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pj, minlength=n), out=out_off[1:])
    return out_off, pc


_START, _CONV, _NULL = ("(start)",), ("(conversion)",), ("(null)",)


@dataclass
class MarkovCounts:
    """Transition counts of the Markov chain keyed by channel NAMES (combinable across partitions).

    Node keys: ``("(start)",)``, ``("(conversion)",)``, ``("(null)",)``, or a state — the
    tuple of its channel names, oldest first.  ``value_in`` is the converted revenue flowing
    from each state into ``(conversion)``.  Counting is done by the attribution engine's own
    ``markov_counts`` on each partition.
    """

    edges: dict[tuple[tuple[str, ...], tuple[str, ...]], float]
    value_in: dict[tuple[str, ...], float]
    names: set[str]
    total_conversions: float = 0.0
    total_revenue: float = 0.0
    n_paths: float = 0.0

    @classmethod
    def of(
        cls,
        offsets: np.ndarray,
        codes: np.ndarray,
        names: np.ndarray,
        conversions: np.ndarray,
        non_conversions: np.ndarray,
        revenue: np.ndarray,
        *,
        order: int,
        collapse_repeats: bool,
    ) -> MarkovCounts:
        str_names = [str(x) for x in names]
        chain = markov_counts(
            offsets,
            codes,
            len(str_names),
            conversions,
            non_conversions,
            revenue,
            order=order,
            collapse_repeats=collapse_repeats,
        )
        node_keys: list[tuple[str, ...]] = [
            _START,
            *(tuple(str_names[c] for c in ch) for ch in chain.state_channels),
            _CONV,
            _NULL,
        ]
        counts = chain.counts
        if isinstance(counts, np.ndarray):
            rows, cols = np.nonzero(counts)
            vals = counts[rows, cols]
        else:
            coo = counts.tocoo()
            rows, cols, vals = coo.row, coo.col, coo.data
        edges: dict[tuple[tuple[str, ...], tuple[str, ...]], float] = {}
        for r, c, v in zip(rows.tolist(), cols.tolist(), vals.tolist()):  # loop over edges
            if v:
                k = (node_keys[r], node_keys[c])
                edges[k] = edges.get(k, 0.0) + float(v)
        value_in: dict[tuple[str, ...], float] = {}
        for node in np.flatnonzero(chain.value_in).tolist():  # loop over states with value
            key = node_keys[node]
            value_in[key] = value_in.get(key, 0.0) + float(chain.value_in[node])
        return cls(
            edges=edges,
            value_in=value_in,
            names=set(str_names),
            total_conversions=chain.total_conversions,
            total_revenue=chain.total_revenue,
            n_paths=chain.n_paths,
        )

    def merge(self, other: MarkovCounts) -> MarkovCounts:
        edges = dict(self.edges)
        for k, v in other.edges.items():
            edges[k] = edges.get(k, 0.0) + v
        value_in = dict(self.value_in)
        for k2, v in other.value_in.items():
            value_in[k2] = value_in.get(k2, 0.0) + v
        return MarkovCounts(
            edges=edges,
            value_in=value_in,
            names=self.names | other.names,
            total_conversions=self.total_conversions + other.total_conversions,
            total_revenue=self.total_revenue + other.total_revenue,
            n_paths=self.n_paths + other.n_paths,
        )

    def credit(self, names: Sequence[str], *, order: int, revenue_basis: str) -> ChannelCredit:
        """One exact solve of the combined chain (the engine's ``markov_solve``)."""
        from scipy import sparse

        names = list(names)
        code = {n: i for i, n in enumerate(names)}
        special = {_START, _CONV, _NULL}
        state_set = {k for e in self.edges for k in e if k not in special}

        def digits(st: tuple[str, ...]) -> tuple[int, ...]:
            return (0,) * (order - len(st)) + tuple(code[c] + 1 for c in st)

        states = sorted(state_set, key=digits)  # the in-memory order of state codes
        n_states = len(states)
        index = {st: i + 1 for i, st in enumerate(states)}
        index[_START] = 0
        index[_CONV] = n_states + 1
        index[_NULL] = n_states + 2
        n_nodes = n_states + 3
        rows = np.array([index[a] for a, _ in self.edges], dtype=np.int64)
        cols = np.array([index[b] for _, b in self.edges], dtype=np.int64)
        vals = np.array(list(self.edges.values()), dtype=np.float64)
        counts = sparse.coo_array((vals, (rows, cols)), shape=(n_nodes, n_nodes)).tocsr()
        value_in = np.zeros(n_states + 1)
        for st, v in self.value_in.items():  # loop over states
            value_in[index[st]] += v
        fit = markov_solve(
            counts,
            value_in,
            [tuple(code[c] for c in st) for st in states],
            len(names),
            names,
            total_conversions=self.total_conversions,
            total_revenue=self.total_revenue,
            n_paths=self.n_paths,
        )
        return credit_from_fit(fit, names, revenue_basis=revenue_basis)
