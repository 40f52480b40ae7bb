"""Attribution on Dask: rule models per partition, data-driven models from summed statistics."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from .._parallel import inline_pool
from ..base import AttributionModel, ChannelCredit
from ..errors import DataValidationError, ParameterError

if TYPE_CHECKING:
    from ..attribution import Unattributed

from ._common import (
    as_ddf,
    dk,
    local_frame,
    partition_by_key,
    partition_lists,
    require_dask,
    tree_reduce,
)

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
    first = np.full(n_groups, n, dtype=np.int64)
    np.minimum.at(first, dense, np.arange(n, dtype=np.int64))
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

        n = self.n_paths
        lengths = np.diff(self.offsets)
        position = np.arange(int(self.offsets[-1]), dtype=np.int64) - np.repeat(
            self.offsets[:-1], lengths
        )
        width = len(str(max(n - 1, 0)))
        keys = np.char.zfill(np.arange(n).astype(str), width).astype(object)
        return Journeys.from_arrays(
            keys=keys,
            offsets=self.offsets,
            time=position,
            channel=self.codes.astype(np.int32),
            channels=self.names.astype(str),
            revenue=self.revenue,
            conversions=self.conversions,
            non_conversions=self.non_conversions,
            timed=False,
        )


def _distinct_sorted(
    offsets: np.ndarray, codes: np.ndarray, n_codes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per sequence, its distinct codes in ascending order (channel sets), as CSR."""
    from ..attribution._partition import channel_sets

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
        from ..attribution._partition import markov_counts

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

        from ..attribution._partition import credit_from_fit, markov_solve

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


class _StatsCollector(AttributionModel):
    """A channel-level model that records sufficient statistics of the eligible journeys.

    The attribution engine hands it the journeys without ineligible touches (after the
    conversion, outside the lookback); it aggregates them into :class:`PathStats` and returns
    a placeholder credit that conserves revenue (the real credit comes from the combined
    statistics).
    """

    name: ClassVar[str] = "_dask_statistics"
    description: ClassVar[str] = "sufficient statistics for distributed data-driven models"
    kind: ClassVar[Literal["touch", "channel"]] = "channel"
    stats_: Any

    def __init__(
        self, statistic: str = "sets", collapse_repeats: bool = True, order: int = 1
    ) -> None:
        self.statistic = statistic
        self.collapse_repeats = collapse_repeats
        self.order = order

    def fit(self, journeys: Any) -> _StatsCollector:
        return self

    def channel_credit(self, journeys: Any) -> ChannelCredit:
        from ..attribution._partition import channel_codes, collapse_runs

        _, raw = channel_codes(journeys, purpose="enter a data-driven model")
        names = np.asarray(journeys.channel.categories, dtype=object)
        codes = raw.astype(np.int64)
        offsets = np.asarray(journeys.offsets, dtype=np.int64)
        conv = np.asarray(journeys.conversions, dtype=np.float64)
        non = np.asarray(journeys.non_conversions, dtype=np.float64)
        rev = np.where(conv > 0, np.asarray(journeys.revenue, dtype=np.float64), 0.0)
        if self.statistic == "markov":
            self.stats_ = MarkovCounts.of(
                offsets,
                codes,
                names,
                conv,
                non,
                rev,
                order=self.order,
                collapse_repeats=self.collapse_repeats,
            )
            return self._placeholder(journeys, names, conv)
        if self.statistic == "sets":
            offsets, codes = _distinct_sorted(offsets, codes, names.size)
        elif self.collapse_repeats:
            offsets, codes = collapse_runs(offsets, codes)
        self.stats_ = PathStats.aggregate(names, offsets, codes, conv, non, rev)
        return self._placeholder(journeys, names, conv)

    @staticmethod
    def _placeholder(journeys: Any, names: np.ndarray, conv: np.ndarray) -> ChannelCredit:
        lengths = np.diff(np.asarray(journeys.offsets))
        att = (lengths > 0) & (conv > 0)
        total_rev = float(np.asarray(journeys.revenue, dtype=np.float64)[att].sum())
        total_conv = float(conv[att].sum())
        first = {str(names[0]): total_rev} if names.size else {}
        first_c = {str(names[0]): total_conv} if names.size else {}
        return ChannelCredit(conversions=first_c, revenue=first, details={})


# ---------------------------------------------------------------------------------------------
# attribution
# ---------------------------------------------------------------------------------------------


@dataclass
class _AttrSummary:
    """What one partition (or a subtree of partitions) contributes."""

    totals: dict[tuple[str, str], dict[str, float]]
    categories: set[str]
    unattributed: list[dict[str, np.ndarray]]
    stats: Any
    #: touch cost per key, per ``by`` (only when the touches carry a ``cost`` column)
    costs: dict[str, dict[str, float]] = field(default_factory=dict)
    n_touches: int = 0
    n_journeys: int = 0
    n_converted: int = 0
    converted_revenue: float = 0.0
    key_ranges: list[tuple[Any, Any]] = field(default_factory=list)

    def merge(self, other: _AttrSummary) -> _AttrSummary:
        totals = {k: dict(v) for k, v in self.totals.items()}
        for k, v in other.totals.items():
            t = totals.setdefault(k, {})
            for name, x in v.items():
                t[name] = t.get(name, 0.0) + x
        costs = {b: dict(v) for b, v in self.costs.items()}
        for b, v in other.costs.items():
            c = costs.setdefault(b, {})
            for name, x in v.items():
                c[name] = c.get(name, 0.0) + x
        stats = self.stats
        if other.stats is not None:
            stats = other.stats if stats is None else stats.merge(other.stats)
        return _AttrSummary(
            totals=totals,
            categories=self.categories | other.categories,
            unattributed=self.unattributed + other.unattributed,
            stats=stats,
            costs=costs,
            n_touches=self.n_touches + other.n_touches,
            n_journeys=self.n_journeys + other.n_journeys,
            n_converted=self.n_converted + other.n_converted,
            converted_revenue=self.converted_revenue + other.converted_revenue,
            key_ranges=self.key_ranges + other.key_ranges,
        )


def _attribute_local(
    touches: Any,
    conversions: Any,
    leads: Any,
    *,
    spec: dict[str, Any],
    model: Any,
    **params: Any,
) -> Any:
    """The in-memory engine on one partition (frames as pandas, key as a column)."""
    from ..attribution import attribute as attribute_in_memory

    key = spec["lead"]
    return attribute_in_memory(
        local_frame(touches, key),
        local_frame(conversions, key),
        model=model,
        lead=key,
        time=spec["time"],
        channel=spec["channel"],
        converted_at=spec["converted_at"],
        revenue=spec["revenue"],
        lookback=spec["lookback"],
        leads=local_frame(leads, spec.get("leads_key", key)),
        **params,
    )


@inline_pool  # a Dask task: no thread pool of its own
def _attr_partition(
    touches: Any,
    conversions: Any,
    leads: Any,
    *,
    spec: dict[str, Any],
    by: Sequence[str],
    statistic: str | None,
    collapse_repeats: bool,
) -> _AttrSummary:
    model: Any = spec["model"]
    params = dict(spec["model_params"])
    if statistic is not None:
        model = _StatsCollector(
            statistic=statistic, collapse_repeats=collapse_repeats, order=spec["order"]
        )
        params = {}
    res = _attribute_local(touches, conversions, leads, spec=spec, model=model, **params)
    j = res.table  # (not res.journeys: that would sort the unconverted touches of rule models)
    totals: dict[tuple[str, str], dict[str, float]] = {}
    costs: dict[str, dict[str, float]] = {}
    if statistic is None:
        for b in by:
            for measure in ("revenue", "conversions"):
                totals[(b, measure)] = res.totals(by=b, measure=measure)
            if "cost" in j.touch_numeric:  # the in-memory per-key table: cost of every touch
                table = res.to_frame(level=b, backend="dict")
                if "cost" in table:
                    costs[b] = {str(k): float(c) for k, c in zip(table[b], table["cost"])}
    u = res.unattributed
    keys = np.asarray(j.keys)
    converted = np.asarray(j.converted, dtype=bool)
    return _AttrSummary(
        totals=totals,
        categories={str(x) for x in j.channel.categories},
        unattributed=[
            {
                "keys": np.asarray(u.keys, dtype=object),
                "revenue": np.asarray(u.revenue, dtype=np.float64),
                "conversions": np.asarray(u.conversions, dtype=np.float64),
                "reason": np.asarray(u.reason, dtype=object),
            }
        ]
        if len(u)
        else [],
        stats=getattr(res.model, "stats_", None) if statistic is not None else None,
        costs=costs,
        n_touches=int(res.summary()["touches"]),  # every input touch of the partition
        n_journeys=int(j.n_journeys),
        n_converted=int(converted.sum()),
        converted_revenue=float(np.asarray(j.revenue)[converted].sum()),
        key_ranges=[(keys[0], keys[-1])] if keys.size else [],
    )


class DaskAttributionResult:
    """The result of :func:`attribute` on Dask: the same roll-ups as ``AttributionResult``.

    Channel totals (and the unattributed journeys) are computed when :func:`attribute` runs;
    ``totals(by=other_key)`` runs one more distributed pass; ``to_frame(level="touch")``
    returns a lazy ``dask.dataframe.DataFrame`` (one partition per input partition).
    """

    def __init__(
        self,
        *,
        model: AttributionModel,
        model_name: str,
        summary: _AttrSummary,
        channel_credit: ChannelCredit | None,
        unattributed: Unattributed,
        rerun: Callable[[Sequence[str]], _AttrSummary],
        touch_frame: Callable[[], Any],
        shuffled: bool,
        npartitions: int,
        channel_name: str,
    ) -> None:
        self.model = model
        self.model_name = model_name
        self.channel_credit = channel_credit
        self.unattributed = unattributed
        self.shuffled = shuffled
        self.npartitions = npartitions
        self._summary = summary
        self._rerun = rerun
        self._touch_frame = touch_frame
        self._channel = channel_name
        self._totals = dict(summary.totals)
        self._costs = dict(summary.costs)

    @property
    def kind(self) -> str:
        """``"touch"`` (rule-based) or ``"channel"`` (data-driven)."""
        return "channel" if self.channel_credit is not None else "touch"

    @property
    def details(self) -> dict[str, Any]:
        """Model details of data-driven models (transition matrix, removal effects …)."""
        return {} if self.channel_credit is None else dict(self.channel_credit.details)

    def _norm_by(self, by: str) -> str:
        return "channel" if by == self._channel else by

    def totals(self, by: str = "channel", measure: str = "revenue") -> dict[str, float]:
        """Credit rolled up by a key, exactly as ``AttributionResult.totals``."""
        if measure not in ("revenue", "conversions"):
            raise ParameterError(f"measure must be 'revenue' or 'conversions', got {measure!r}")
        by = self._norm_by(by)
        if self.channel_credit is not None:
            if by != "channel":
                raise ParameterError(
                    f"totals(by={by!r}) needs per-touch weights, but {self.model_name!r} is a "
                    "data-driven model that credits channels only; use by='channel'"
                )
            src = (
                self.channel_credit.revenue
                if measure == "revenue"
                else self.channel_credit.conversions
            )
            out = {c: float(src.get(c, 0.0)) for c in sorted(self._summary.categories)}
            for k, v in src.items():
                out.setdefault(str(k), float(v))
            return out
        if (by, measure) not in self._totals:
            extra = self._rerun([by])
            self._totals.update(extra.totals)
            self._costs.update(extra.costs)
        t = self._totals[(by, measure)]
        return {k: t[k] for k in sorted(t)}

    @property
    def attributed_revenue(self) -> float:
        """Revenue credited to touches / channels."""
        return float(sum(self.totals().values()))

    @property
    def converted_revenue(self) -> float:
        """Revenue of every converted journey (attributed or not)."""
        return self._summary.converted_revenue

    def to_frame(self, level: str = "channel", backend: str | None = None) -> Any:
        """``level="touch"``: lazy Dask frame of per-touch credit; else a per-key table.

        The per-key table (``conversions``, ``revenue``, ``share``, and for rule-based models
        whose touches carry a ``cost`` column, ``cost`` and ``roi`` as in memory) is small and
        returned in ``backend`` (default pandas).
        """
        if level == "touch":
            if self.channel_credit is not None:
                raise ParameterError(
                    f"to_frame(level='touch') needs per-touch weights, but {self.model_name!r} "
                    "is a data-driven model that credits channels only"
                )
            return self._touch_frame()
        from .._frames import to_native
        from ..attribution._partition import credit_table

        by = self._norm_by(level)
        cols = credit_table(level, self.totals(level, "revenue"), self.totals(level, "conversions"))
        cost_of = self._costs.get(by)
        if cost_of is not None:
            cost = np.array([cost_of.get(str(k), 0.0) for k in cols[level]], dtype=np.float64)
            roi = np.full(cost.size, np.nan)
            np.divide(cols["revenue"] - cost, cost, out=roi, where=cost != 0)
            cols["cost"] = cost
            cols["roi"] = roi
        return to_native(cols, backend or "pandas")

    def summary(self) -> dict[str, Any]:
        """Model, journey counts, the revenue reconciliation and how the data were partitioned."""
        s = self._summary
        return {
            "model": self.model_name,
            "journeys": s.n_journeys,
            "touches": s.n_touches,
            "converted_journeys": s.n_converted,
            "converted_revenue": s.converted_revenue,
            "attributed_revenue": self.attributed_revenue,
            "unattributed_revenue": self.unattributed.total,
            "partitions": self.npartitions,
            "shuffled": self.shuffled,
        }

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"DaskAttributionResult(model={s['model']!r}, journeys={s['journeys']}, "
            f"touches={s['touches']}, partitions={s['partitions']}, "
            f"attributed_revenue={s['attributed_revenue']:.6g})"
        )


def _check_key_ranges(ranges: list[tuple[Any, Any]], key: str) -> None:
    """Partitions trusted to be keyed must not share a key (the known-divisions shortcut)."""
    ordered = sorted(ranges, key=lambda r: r[0])
    for (_, hi), (lo, _) in itertools.pairwise(ordered):
        if not hi < lo:
            raise DataValidationError(
                "the frame's divisions say partitions hold distinct journey keys, but key "
                f"{lo!r} occurs in two partitions",
                column=key,
                value=lo,
                fix="rewrite the files so that no journey spans two files, or pass the frame "
                "without a key index (it is then shuffled on the key)",
            )


def attribute(
    touchpoints: Any,
    conversions: Any = None,
    *,
    model: str | AttributionModel | type[AttributionModel] = "linear",
    lead: str = "lead_id",
    time: str = "timestamp",
    channel: str = "channel",
    converted_at: str = "converted_at",
    revenue: str = "revenue",
    lookback: Any = None,
    leads: Any = None,
    **model_params: Any,
) -> DaskAttributionResult:
    """:func:`alignment.attribute` on Dask DataFrames (same arguments, same numbers).

    Parameters
    ----------
    touchpoints : dask.dataframe.DataFrame
        One row per touch; the journey key ``lead`` is a column or the index.
    conversions, leads : dask.dataframe.DataFrame, optional
        As in :func:`alignment.attribute`; co-partitioned with the touches by the key.
    model, lead, time, channel, converted_at, revenue, lookback, **model_params
        As in :func:`alignment.attribute`.

    Returns
    -------
    DaskAttributionResult

    Notes
    -----
    Rule-based models run per partition and their per-key totals are summed.  ``markov``
    sums the transition counts of every partition and solves the combined chain once;
    ``shapley`` sums converting journeys per distinct channel set and computes the Shapley
    values once.  Other data-driven (plugin) models are
    refused with :class:`ParameterError` (they have no combinable statistic).
    """
    compute, delayed = dk().compute, dk().delayed

    from ..attribution import RuleModel, Unattributed
    from ..plugins import get_attribution_model

    require_dask()
    m = get_attribution_model(model, **model_params)
    model_name = m.name or type(m).__name__
    statistic: str | None = None
    collapse = True
    order = 1
    if not isinstance(m, RuleModel) and m.kind == "channel":
        if model_name == "markov":
            statistic = "markov"
            collapse = bool(getattr(m, "collapse_repeats", True))
            order = int(getattr(m, "order", 1))
            m.validate_params()
        elif model_name == "shapley":
            statistic = "sets"
        else:
            raise ParameterError(
                f"attribution model {model_name!r} credits channels from the whole data set; "
                "on Dask only 'markov' and 'shapley' (combinable statistics) and touch-level "
                "models are supported"
            )
    elif m.kind != "touch":
        raise ParameterError(f"attribution model {model_name!r} has kind {m.kind!r}")
    elif getattr(m, "requires_fit", False) and not isinstance(m, RuleModel):
        raise ParameterError(
            f"attribution model {model_name!r} must be fitted on the whole data set, which is "
            "not distributed; use a rule-based model, 'markov' or 'shapley'"
        )
    if isinstance(m, RuleModel):
        m.validate_params()
    # the in-memory engine gets the instance itself (parameters already applied)
    spec = {
        "model": m,
        "model_params": {},
        "lead": lead,
        "time": time,
        "channel": channel,
        "converted_at": converted_at,
        "revenue": revenue,
        "lookback": lookback,
        "leads_key": lead,
        "order": order,
    }
    t_ddf = as_ddf(touchpoints, "touchpoints")
    frames, shuffled = partition_by_key(
        [t_ddf, as_ddf(conversions, "conversions"), as_ddf(leads, "leads")], lead
    )
    parts = partition_lists(frames)

    def run(by: Sequence[str], stat: str | None) -> _AttrSummary:
        nodes = [
            delayed(_attr_partition, pure=True)(
                *p, spec=spec, by=tuple(by), statistic=stat, collapse_repeats=collapse
            )
            for p in parts
        ]
        out: _AttrSummary = compute(tree_reduce(nodes, _AttrSummary.merge))[0]
        if not shuffled:
            _check_key_ranges(out.key_ranges, lead)
        return out

    summary = run(("channel",) if statistic is None else (), statistic)
    credit: ChannelCredit | None = None
    if statistic is not None:
        from ..attribution import attribute as attribute_in_memory

        if statistic == "markov":
            mc = summary.stats
            if mc is None or not mc.edges:
                mc = MarkovCounts(edges={}, value_in={}, names=set())
            credit = mc.credit(
                sorted(summary.categories),
                order=order,
                revenue_basis=str(getattr(m, "revenue_basis", "conversions")),
            )
        else:
            stats = summary.stats if summary.stats is not None else PathStats.empty()
            combined = attribute_in_memory(stats.journeys(), model=m)
            credit = combined.channel_credit
            m = combined.model

    un = summary.unattributed
    if un:
        ukeys = np.concatenate([u["keys"] for u in un])
        korder = _key_order(ukeys)
        cols = {k: np.concatenate([u[k] for u in un])[korder] for k in un[0]}
    else:
        cols = {
            "keys": np.zeros(0, dtype=object),
            "revenue": np.zeros(0),
            "conversions": np.zeros(0),
            "reason": np.zeros(0, dtype=object),
        }
    unattributed = Unattributed(
        keys=cols["keys"],
        revenue=cols["revenue"],
        conversions=cols["conversions"],
        reason=cols["reason"],
        backend="pandas",
        key_name=lead,
    )

    def touch_frame() -> Any:
        import dask.dataframe as dd

        return dd.from_delayed(
            [delayed(_touch_partition, pure=True)(*p, spec=spec) for p in parts],
            verify_meta=False,
        )

    return DaskAttributionResult(
        model=m,
        model_name=model_name,
        summary=summary,
        channel_credit=credit,
        unattributed=unattributed,
        rerun=lambda by: run(by, None),
        touch_frame=touch_frame,
        shuffled=shuffled,
        npartitions=len(parts),
        channel_name=channel,
    )


def _key_order(keys: np.ndarray) -> np.ndarray:
    """Ascending key order (the order of an in-memory table's journeys)."""
    try:
        return np.argsort(keys, kind="stable")
    except TypeError:  # mixed types: by text
        return np.argsort(keys.astype(str), kind="stable")


@inline_pool  # a Dask task: no thread pool of its own
def _touch_partition(touches: Any, conversions: Any, leads: Any, *, spec: dict[str, Any]) -> Any:
    res = _attribute_local(touches, conversions, leads, spec=spec, model=spec["model"])
    return res.to_frame(level="touch", backend="pandas")
