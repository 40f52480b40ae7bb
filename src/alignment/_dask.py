"""The engines on Dask: distributed twins of the public entry points (optional extra ``dask``).

Every function here takes the same arguments as its in-memory twin, with
``dask.dataframe.DataFrame`` inputs, and gives the same numbers (to floating-point summation
order, 1e-9 relative):

=========================  ===========================================================
in memory                  on Dask
=========================  ===========================================================
``alignment.attribute``    :func:`attribute` → :class:`DaskAttributionResult`
``alignment.score``        :func:`score` → lazy ``dask.dataframe.DataFrame`` of scores
``LogisticScorer.fit``     :func:`fit_logistic` → a fitted :class:`LogisticScorer`
``funnel.observe``         :func:`funnel_observe` → :class:`FunnelObservation`
``sla.evaluate``           :func:`sla_evaluate` → :class:`SLAReport`
=========================  ===========================================================

How: inputs keyed by journey (touches, conversions, activities) are brought to partitions
that hold whole journeys — nothing to do when the frame is indexed by the key with known
divisions, otherwise one hash shuffle on the key (:func:`partition_by_key`).  Each partition
runs the in-memory engine (numpy kernels) and returns a small summary; summaries are combined
by a ``dask.delayed`` tree reduction.  Data-driven attribution models combine sufficient
statistics and run ONE exact solve on the client: Markov sums the per-partition transition
counts (:class:`MarkovCounts`, counted by the engine's own ``markov_counts``) and
solves the combined absorbing chain once (``markov_solve``); Shapley sums converting journeys per distinct channel
set (:class:`PathStats`) and runs the in-memory model on those aggregated paths
(``Journeys.from_arrays``, which gives the same result as the expanded journeys).  See
``docs/dask.md``.

Engine internals come only from each engine's partition-kernel surface (its module docstring
section "Used by alignment._dask"): ``alignment.attribution._partition``,
``alignment._funnel_observe``, ``alignment.sla._evaluate``, ``alignment.scoring._logistic``;
everything else is the engines' public API.

``import alignment`` never imports dask; :func:`is_dask_collection` only looks at
``sys.modules``.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from ._parallel import inline_pool
from .base import AttributionModel, ChannelCredit
from .errors import DataValidationError, ParameterError

if TYPE_CHECKING:
    from .attribution import Unattributed
    from .funnel import FunnelObservation
    from .scoring import LogisticScorer
    from .sla import SLAReport

__all__ = [
    "DaskAttributionResult",
    "MarkovCounts",
    "PathStats",
    "attribute",
    "fit_logistic",
    "funnel_observe",
    "group_sequences",
    "is_dask_collection",
    "partition_by_key",
    "score",
    "sla_evaluate",
    "stage_durations",
]

#: column added to both frames of a co-partitioning shuffle (dropped again in the partitions)
_PART = "__alignment_part__"
#: requirement string of the optional extra
REQUIREMENT = "dask[dataframe,distributed]>=2025.1"


# ---------------------------------------------------------------------------------------------
# detection and partitioning
# ---------------------------------------------------------------------------------------------


def is_dask_collection(obj: Any) -> bool:
    """True when ``obj`` is a Dask collection (DataFrame, Series, Array, Delayed …).

    Never imports dask: an object can only be a Dask collection if its type comes from a
    module under ``dask`` that is already imported.
    """
    if "dask" not in sys.modules:
        return False
    module = type(obj).__module__ or ""
    if not (module == "dask" or module.startswith(("dask.", "dask_expr"))):
        return False
    from dask.base import is_dask_collection as _is

    return bool(_is(obj))


def _dk() -> Any:
    """The ``dask`` module (untyped: looked up dynamically)."""
    import importlib

    return importlib.import_module("dask")


def _require_dask() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - the extra is installed in CI
        raise ImportError(
            f"this needs Dask: pip install 'alignment[dask]' (or {REQUIREMENT!r})"
        ) from exc
    return dd


def _as_ddf(data: Any, what: str) -> Any:
    """A dask DataFrame from a dask frame, a pandas frame or a dict of columns."""
    dd = _require_dask()
    if data is None:
        return None
    if is_dask_collection(data):
        return data
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return dd.from_pandas(data, npartitions=1)
    if isinstance(data, Mapping):
        return dd.from_pandas(pd.DataFrame(dict(data)), npartitions=1)
    raise ParameterError(
        f"{what} must be a dask.dataframe.DataFrame (or a pandas frame / dict of columns) "
        f"when the main input is a Dask collection; got {type(data).__name__}"
    )


def _keyed_by_index(ddf: Any, key: str) -> bool:
    """Indexed by ``key`` with known, strictly increasing divisions: partitions hold whole keys."""
    if ddf.index.name != key or not ddf.known_divisions:
        return False
    div = list(ddf.divisions)
    return all(a < b for a, b in itertools.pairwise(div))


def _hash_part(pdf: Any, key: str, n: int) -> Any:
    """Partition number of every row: hash of the key's text (same text → same partition)."""
    import pandas as pd

    values = pdf.index if key not in pdf.columns else pdf[key]
    text = pd.Series(np.asarray(values, dtype=object)).astype(str).to_numpy(dtype=object)
    h = pd.util.hash_array(text, categorize=False)
    out = pdf.copy(deep=False)
    out[_PART] = (h % np.uint64(max(n, 1))).astype(np.int64)
    return out


def partition_by_key(
    frames: Sequence[Any], key: str | Sequence[str], npartitions: int | None = None
) -> tuple[list[Any], bool]:
    """Co-partition frames so that every value of the journey key sits in one partition.

    Parameters
    ----------
    frames : sequence of dask DataFrame (or None)
        The first is the main (largest) frame; the others (conversions, leads, activities) are
        brought to the same partitions.
    key : str or sequence of str
        The key column of each frame (one name for all, or one per frame).  A frame may also
        hold the key as its index.
    npartitions : int, optional
        Partitions after a shuffle (default: those of the main frame).

    Returns
    -------
    (frames, shuffled)
        Frames with the same number of partitions, partition ``i`` of each holding the same
        keys, and whether a shuffle was needed.

    Notes
    -----
    No shuffle when the main frame is indexed by the key with known divisions (e.g.
    ``dd.read_parquet(path, index="lead_id", calculate_divisions=True)`` on files written in
    key order); the other frames are then sent to the main frame's divisions (``set_index``
    with those divisions — a shuffle of the small frames only).  Otherwise every frame is
    hash-partitioned on the key's text: a full shuffle (all rows over the network, spilled
    to disk by the workers when needed) — the cost ``docs/dask.md`` explains how to avoid.
    """
    keys = [key] * len(frames) if isinstance(key, str) else list(key)
    main = frames[0]
    if _keyed_by_index(main, keys[0]):
        out = [main]
        for f, k in zip(frames[1:], keys[1:]):
            if f is None:
                out.append(None)
            elif f.index.name == k and f.known_divisions and f.divisions == main.divisions:
                out.append(f)
            elif f.index.name == k and f.known_divisions:
                out.append(f.repartition(divisions=list(main.divisions), force=True))
            else:
                if f.index.name == k:
                    f = f.reset_index()
                out.append(f.set_index(k, divisions=list(main.divisions)))
        return out, False
    n = int(npartitions or main.npartitions)
    out = []
    for f, k in zip(frames, keys):
        if f is None:
            out.append(None)
            continue
        if f.index.name == k and k not in f.columns:
            f = f.reset_index()
        tagged = f.map_partitions(_hash_part, k, n)
        out.append(tagged.shuffle(on=_PART, npartitions=n))
    return out, True


def _local(pdf: Any, key: str) -> Any:
    """A partition as a plain pandas frame with the key as a column (helper columns dropped)."""
    if pdf is None:
        return None
    if _PART in pdf.columns:
        pdf = pdf.drop(columns=[_PART])
    if pdf.index.name == key and key not in pdf.columns:
        pdf = pdf.reset_index()
    else:
        pdf = pdf.reset_index(drop=True)
    return pdf


def _parts(frames: Sequence[Any]) -> list[list[Any]]:
    """Per partition, the delayed partition of every frame (None for absent frames)."""
    delayed = [None if f is None else f.to_delayed() for f in frames]
    n = max(len(d) for d in delayed if d is not None)
    for d in delayed:
        if d is not None and len(d) != n:  # pragma: no cover - partition_by_key guarantees it
            raise AssertionError("frames are not co-partitioned")
    return [[None if d is None else d[i] for d in delayed] for i in range(n)]


def _tree(items: list[Any], combine: Callable[[Any, Any], Any], fan_in: int = 2) -> Any:
    """Tree reduction of delayed items with a binary ``combine``."""
    delayed = _dk().delayed

    if not items:
        raise ValueError("nothing to reduce")
    level = list(items)
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level), fan_in):
            group = level[i : i + fan_in]
            node = group[0]
            for other in group[1:]:
                node = delayed(combine, pure=True)(node, other)
            nxt.append(node)
        level = nxt
    return level[0]


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
        from .tables import Journeys

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
    from .attribution._partition import channel_sets

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
        from .attribution._partition import markov_counts

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

        from .attribution._partition import credit_from_fit, markov_solve

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
        from .attribution._partition import channel_codes, collapse_runs

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
    from .attribution import attribute as attribute_in_memory

    key = spec["lead"]
    return attribute_in_memory(
        _local(touches, key),
        _local(conversions, key),
        model=model,
        lead=key,
        time=spec["time"],
        channel=spec["channel"],
        converted_at=spec["converted_at"],
        revenue=spec["revenue"],
        lookback=spec["lookback"],
        leads=_local(leads, spec.get("leads_key", key)),
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
        from ._frames import to_native
        from .attribution._partition import credit_table

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
    compute, delayed = _dk().compute, _dk().delayed

    from .attribution import RuleModel, Unattributed
    from .plugins import get_attribution_model

    _require_dask()
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
    t_ddf = _as_ddf(touchpoints, "touchpoints")
    frames, shuffled = partition_by_key(
        [t_ddf, _as_ddf(conversions, "conversions"), _as_ddf(leads, "leads")], lead
    )
    parts = _parts(frames)

    def run(by: Sequence[str], stat: str | None) -> _AttrSummary:
        nodes = [
            delayed(_attr_partition, pure=True)(
                *p, spec=spec, by=tuple(by), statistic=stat, collapse_repeats=collapse
            )
            for p in parts
        ]
        out: _AttrSummary = compute(_tree(nodes, _AttrSummary.merge))[0]
        if not shuffled:
            _check_key_ranges(out.key_ranges, lead)
        return out

    summary = run(("channel",) if statistic is None else (), statistic)
    credit: ChannelCredit | None = None
    if statistic is not None:
        from .attribution import attribute as attribute_in_memory

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


# ---------------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------------


@inline_pool  # a Dask task: no thread pool of its own
def _score_partition(leads: Any, touches: Any, *, scorer: Any, key: str) -> Any:
    from .scoring import score as score_in_memory

    ld = _local(leads, key)
    tp = _local(touches, key)
    return score_in_memory(ld, tp, scorer=scorer).to_frame(backend="pandas")


def score(
    leads: Any,
    touchpoints: Any = None,
    *,
    scorer: Any = "grid",
    **params: Any,
) -> Any:
    """:func:`alignment.score` on Dask: apply a scorer to every partition of the leads.

    Parameters
    ----------
    leads : dask.dataframe.DataFrame
        One row per lead (``lead_id`` as a column or the index).
    touchpoints : dask.dataframe.DataFrame, optional
        The leads' touches, co-partitioned with the leads by ``lead_id`` (shuffled unless
        the leads are indexed by ``lead_id`` with known divisions).
    scorer : str or Scorer
        A registered name or an instance; a scorer that needs fitting must be fitted (e.g. by
        :func:`fit_logistic` or in memory on a sample).
    **params
        Constructor parameters when ``scorer`` is a name.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy: ``alignment.score(...).to_frame()`` of each partition (one row per lead).

    Notes
    -----
    A scorer must score each lead from its own row and touches.  The one data-dependent
    default of the built-ins — the grid's ``as_of`` (latest touch time when not given) — is
    computed over all touches first and fixed, so every partition decays to the same instant.
    """
    delayed = _dk().delayed

    from .base import check_is_fitted, clone
    from .plugins import get_scorer

    dd = _require_dask()
    model = get_scorer(scorer, **params)
    if getattr(type(model), "requires_fit", False):
        check_is_fitted(model)
    lead_ddf = _as_ddf(leads, "leads")
    touch_ddf = _as_ddf(touchpoints, "touchpoints")
    key = "lead_id"
    if touch_ddf is not None:
        p = model.get_params() if hasattr(model, "get_params") else {}
        if "as_of" in p and p["as_of"] is None and not getattr(type(model), "requires_fit", False):
            tcol = "timestamp"
            if tcol in touch_ddf.columns:
                latest = touch_ddf[tcol].max().compute()
                if latest is not None and not (isinstance(latest, float) and np.isnan(latest)):
                    model = clone(model).set_params(as_of=latest)
        frames, _ = partition_by_key([lead_ddf, touch_ddf], key)
    else:
        frames = [lead_ddf, None]
    parts = _parts(frames)
    return dd.from_delayed(
        [delayed(_score_partition, pure=True)(*pp, scorer=model, key=key) for pp in parts],
        verify_meta=False,
    )


@inline_pool  # a Dask task: no thread pool of its own
def _logistic_block(
    X: Any, y: Any, sw: Any, *, columns: Sequence[str], y_col: str | None, w_col: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One partition as (X float64 C-contiguous, y 0/1 float, sample weight)."""
    Xn = np.ascontiguousarray(X[list(columns)].to_numpy(dtype=np.float64))
    yv = X[y_col] if y_col is not None else y
    wv = X[w_col] if w_col is not None else sw
    from .scoring._logistic import as_outcome

    yy = as_outcome(np.asarray(yv), Xn.shape[0])
    ww = np.ones(Xn.shape[0]) if wv is None else np.asarray(wv, dtype=np.float64).ravel()
    return Xn, yy, ww


@inline_pool  # a Dask task: no thread pool of its own
def _logistic_stats(block: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict[str, Any]:
    X, y, sw = block
    bad = ~np.isfinite(sw) | (sw < 0)
    nonfinite = ~np.isfinite(X)
    return {
        "n": X.shape[0],
        "sum": X.sum(axis=0),
        "sumsq": np.einsum("ij,ij->j", X, X),
        "min": X.min(axis=0) if X.shape[0] else np.full(X.shape[1], np.inf),
        "max": X.max(axis=0) if X.shape[0] else np.full(X.shape[1], -np.inf),
        "sw": float(sw.sum()),
        "swy": float(np.dot(sw, y)),
        "n_pos_rows": int(((y == 1.0) & (sw > 0)).sum()),
        "n_neg_rows": int(((y == 0.0) & (sw > 0)).sum()),
        "bad_weights": int(bad.sum()),
        "nonfinite": int(nonfinite.sum()),
    }


def _add_dicts(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k in a:
        if k == "min":
            out[k] = np.minimum(a[k], b[k])
        elif k == "max":
            out[k] = np.maximum(a[k], b[k])
        else:
            out[k] = a[k] + b[k]
    return out


@inline_pool  # a Dask task: no thread pool of its own
def _logistic_partial(
    block: tuple[np.ndarray, np.ndarray, np.ndarray],
    params: np.ndarray,
    *,
    scale: float,
    class_factor: tuple[float, float] | None,
    fit_intercept: bool,
) -> tuple[float, np.ndarray]:
    """Unpenalised summed log-loss and its gradient on one partition (original coordinates)."""
    from .scoring import logistic_objective

    X, y, sw = block
    w = sw / scale
    if class_factor is not None:
        w = w * np.where(y == 1.0, class_factor[0], class_factor[1])
    value, grad = logistic_objective(params, X, y, w, 0.0, fit_intercept)
    return float(value), np.asarray(grad, dtype=np.float64)


def _sum_partials(
    a: tuple[float, np.ndarray], b: tuple[float, np.ndarray]
) -> tuple[float, np.ndarray]:
    return a[0] + b[0], a[1] + b[1]


def fit_logistic(
    X: Any,
    y: Any = None,
    *,
    sample_weight: Any = None,
    l2: float = 1.0,
    fit_intercept: bool = True,
    class_weight: str | Mapping[Any, float] | None = None,
    max_iter: int = 1000,
    tol: float = 1e-8,
    features: Sequence[str] | None = None,
) -> LogisticScorer:
    """Fit :class:`alignment.scoring.LogisticScorer` on a Dask DataFrame of numeric features.

    One scipy L-BFGS-B optimiser runs on the client; every evaluation of the objective sums
    the per-partition log-loss and gradient (``alignment.scoring.logistic_objective`` on each
    partition, kept in worker memory) with a tree reduction, then adds the ridge penalty.
    The objective, its preconditioning (columns centred and scaled, weights divided by their
    sum), the starting point and the stopping rules are those of ``LogisticScorer.fit``, so
    the fit is the in-memory fit up to floating-point summation order.

    Parameters
    ----------
    X : dask.dataframe.DataFrame
        Numeric feature columns (plus the outcome / weight columns when named by ``y`` /
        ``sample_weight``).  Categorical columns: encode them first, or fit in memory on a
        sample and apply the model with :func:`score`.
    y : str or dask Series
        Outcome (0/1 or bool): a column of ``X`` or a Series with ``X``'s partitions.
    sample_weight : str or dask Series, optional
    l2, fit_intercept, class_weight, max_iter, tol
        As in :class:`LogisticScorer`.
    features : sequence of str, optional
        Feature columns (default: every column of ``X`` except ``y`` / ``sample_weight``).

    Returns
    -------
    LogisticScorer
        Fitted (``coef_``, ``intercept_``, ``n_iter_``, ``converged_``, ``objective_``,
        ``feature_names_in_``); ``predict_proba`` takes frames with the same columns.
    """
    import warnings

    from scipy.optimize import minimize

    from .errors import ConvergenceWarning
    from .scoring import LogisticScorer

    dask = _dk()
    delayed = dask.delayed

    _require_dask()
    est = LogisticScorer(
        l2=l2,
        fit_intercept=fit_intercept,
        class_weight=class_weight,
        max_iter=max_iter,
        tol=tol,
    )
    est.validate_params()
    X = _as_ddf(X, "X")
    y_col = y if isinstance(y, str) else None
    w_col = sample_weight if isinstance(sample_weight, str) else None
    if y is None:
        raise DataValidationError(
            "outcomes are required when fitting on a Dask frame",
            column="y",
            fix="pass y= (a column name of X, or a dask Series with X's partitions)",
        )
    cols = (
        list(features)
        if features is not None
        else [c for c in X.columns if c not in {y_col, w_col}]
    )
    missing = [c for c in [*cols, *(c for c in (y_col, w_col) if c)] if c not in X.columns]
    if missing:
        raise DataValidationError(
            f"column(s) {missing} not in X",
            column=missing[0],
            table="X",
            fix=f"available: {list(X.columns)}",
        )
    xs = X.to_delayed()
    ys = [None] * len(xs) if y_col is not None else y.to_delayed()
    ws = (
        [None] * len(xs)
        if (sample_weight is None or w_col is not None)
        else sample_weight.to_delayed()
    )
    if len(ys) != len(xs) or len(ws) != len(xs):
        raise DataValidationError(
            "y / sample_weight do not have X's partitions",
            column="y",
            fix="pass column names of X, or Series built from X (same partitions)",
        )
    blocks = [
        delayed(_logistic_block, pure=True)(a, b, c, columns=cols, y_col=y_col, w_col=w_col)
        for a, b, c in zip(xs, ys, ws)
    ]
    blocks = list(dask.persist(*blocks))
    (st,) = dask.compute(_tree([delayed(_logistic_stats)(b) for b in blocks], _add_dicts))
    n, p = int(st["n"]), len(cols)
    if st["nonfinite"]:
        raise DataValidationError(
            f"{st['nonfinite']} non-finite feature value(s) (NaN or inf)",
            table="X",
            fix="impute or drop the missing values first",
        )
    if st["bad_weights"]:
        raise DataValidationError(
            "sample weights must be finite and >= 0",
            column="sample_weight",
            value=None,
        )
    if n == 0:
        raise DataValidationError("no rows with an outcome to fit on", column="y", table="X")
    if st["n_pos_rows"] == 0 or st["n_neg_rows"] == 0:
        raise DataValidationError(
            "outcomes contain a single class "
            f"({'all lost' if st['n_pos_rows'] == 0 else 'all won'}); a logistic model needs both",
            column="y",
            fix="fit on a sample with both won and lost leads",
        )
    sw_sum, swy = float(st["sw"]), float(st["swy"])
    factor: tuple[float, float] | None = None
    if class_weight == "balanced":
        factor = (sw_sum / (2.0 * swy), sw_sum / (2.0 * (sw_sum - swy)))
    elif isinstance(class_weight, Mapping):
        factor = (
            float(class_weight.get(1, class_weight.get(True, 1.0))),
            float(class_weight.get(0, class_weight.get(False, 1.0))),
        )
    if factor is not None:
        pos = factor[0] * swy
        neg = factor[1] * (sw_sum - swy)
        scale, prior = pos + neg, pos / (pos + neg)
    else:
        scale, prior = sw_sum, swy / sw_sum
    l2f = float(l2)
    if l2f == 0.0 and fit_intercept and p:
        const = np.flatnonzero(st["max"] - st["min"] == 0.0)
        if const.size:
            raise DataValidationError(
                "constant feature column(s) with l2 = 0: the coefficient and the intercept "
                "are not identifiable",
                table="X",
                column=str(cols[const[0]]),
                fix="drop the constant column(s) or use l2 > 0 (their coefficient is then 0)",
            )
    l2s = l2f / scale
    mean = st["sum"] / n
    var = np.maximum(st["sumsq"] / n - mean * mean, 0.0)
    std = np.sqrt(var)
    std = np.where(std > 1e-12 * np.maximum(np.abs(mean), 1.0), std, 1.0)
    shift = mean if fit_intercept else None
    x0 = np.zeros(p + (1 if fit_intercept else 0))
    if fit_intercept:
        x0[p] = np.log(prior / (1.0 - prior))

    def to_original(v: np.ndarray) -> tuple[np.ndarray, float]:
        w = v[:p] / std
        if not fit_intercept:
            return w, 0.0
        b = float(v[p])
        if shift is not None:
            b -= float(np.dot(w, shift))
        return w, b

    def fun(v: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = to_original(np.asarray(v, dtype=np.float64))
        params = np.append(w, b) if fit_intercept else w
        nodes = [
            delayed(_logistic_partial, pure=True)(
                blk,
                params,
                scale=scale,
                class_factor=factor,
                fit_intercept=fit_intercept,
            )
            for blk in blocks
        ]
        (total,) = dask.compute(_tree(nodes, _sum_partials))
        value = total[0] + 0.5 * l2s * float(np.dot(w, w))
        grad = np.array(total[1], dtype=np.float64)
        grad[:p] += l2s * w
        if fit_intercept and shift is not None:
            grad[:p] -= grad[p] * shift
        grad[:p] /= std
        return value, grad

    res = minimize(
        fun,
        x0,
        jac=True,
        method="L-BFGS-B",
        options={
            "maxiter": int(max_iter),
            "gtol": float(tol),
            "ftol": 64 * np.finfo(float).eps,
            "maxls": 50,
        },
    )
    w_opt, b_opt = to_original(np.asarray(res.x, dtype=np.float64))
    est.coef_ = np.array(w_opt, dtype=np.float64)
    est.intercept_ = float(b_opt)
    est.n_iter_ = int(res.nit)
    est.converged_ = bool(res.success)
    est.objective_ = float(res.fun) * scale
    est.encoder_ = None
    est.n_open_ = 0
    est.feature_names_in_ = np.asarray(cols, dtype=object)
    est.feature_names_ = np.asarray(cols, dtype=object)
    if not res.success:
        warnings.warn(
            f"LogisticScorer did not converge after {est.n_iter_} iterations "
            f"({res.message}); increase max_iter, loosen tol or scale the features",
            ConvergenceWarning,
            stacklevel=2,
        )
    return est


# ---------------------------------------------------------------------------------------------
# funnel
# ---------------------------------------------------------------------------------------------


def stage_durations(
    times: Sequence[np.ndarray],
    *,
    mode: str,
    as_of: np.datetime64 | None,
    out_of_order: str,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per transition ``k → k+1``: the leads whose duration enters velocity, and the durations.

    ``alignment._funnel_observe.count_stages(..., return_durations=True)``: the raw int64
    microsecond durations instead of their quantiles, so that partitions combine exactly.
    """
    from .funnel._observe import count_stages

    raw = count_stages(
        times,
        mode=mode,  # type: ignore[arg-type]
        as_of=as_of,
        out_of_order=out_of_order,  # type: ignore[arg-type]
        return_durations=True,
    )
    assert raw.durations is not None
    return list(raw.durations)


@dataclass
class _FunnelPart:
    labels: list[tuple[Any, Any]]  # per local group: (by sort key, cohort start)
    by_labels: list[Any]
    counts: np.ndarray
    converted: np.ndarray
    out_of_order: np.ndarray
    durations: list[tuple[np.ndarray, np.ndarray]]  # per transition: (local group, µs)
    n_leads: int
    n_entered: int
    n_excluded: int


def _by_sort_key(label: Any, numeric: bool) -> tuple[int, Any]:
    if label == "(missing)":
        return (1, 0.0 if numeric else "")
    return (0, float(label) if numeric else str(label))


@inline_pool  # a Dask task: no thread pool of its own
def _funnel_partition(
    pdf: Any,
    *,
    stages: tuple[str, ...],
    mode: str,
    by: str | None,
    cohort: str | None,
    as_of: np.datetime64 | None,
    out_of_order: str,
) -> list[_FunnelPart]:
    from .funnel._observe import (
        cohort_codes,
        combine_groups,
        count_stages,
        group_codes,
        lead_table,
        stage_times,
    )

    local = _local(pdf, "lead_id")
    if local is None or len(local) == 0:
        return []
    lt = lead_table(local, stages)
    times = stage_times(lt, stages)
    codes, sizes = [], []
    by_labels: np.ndarray | None = None
    starts: np.ndarray | None = None
    numeric = False
    if by is not None:
        c, k, by_labels = group_codes(lt, by)
        if by not in lt.categorical:
            numeric = np.asarray(lt.column(by)).dtype.kind in "fiub"
        codes.append(c)
        sizes.append(k)
    if cohort is not None:
        c, starts = cohort_codes(lt.created_at, cohort)
        codes.append(c)
        sizes.append(int(starts.size))
    if codes:
        group, n_groups, parts = combine_groups(codes, sizes)
    else:
        group, n_groups, parts = None, 1, []
    raw = count_stages(
        times,
        mode=mode,  # type: ignore[arg-type]
        group=group,
        n_groups=n_groups,
        as_of=as_of,
        out_of_order=out_of_order,  # type: ignore[arg-type]
        return_durations=True,
    )
    assert raw.durations is not None
    labels: list[tuple[Any, Any]] = []
    shown: list[Any] = []
    for g in range(n_groups):  # loop over groups (segments × cohorts)
        j = 0
        bk: Any = None
        ck: Any = None
        lab: Any = None
        if by_labels is not None:
            lab = by_labels[parts[j][g]]
            bk = _by_sort_key(lab, numeric)
            j += 1
        if starts is not None:
            ck = starts[parts[j][g]]
        labels.append((bk, ck))
        shown.append(lab)
    durs = [
        (np.zeros(idx.size, np.int64) if group is None else group[idx], d)
        for idx, d in raw.durations
    ]
    return [
        _FunnelPart(
            labels=labels,
            by_labels=shown,
            counts=raw.counts,
            converted=raw.converted,
            out_of_order=raw.out_of_order,
            durations=durs,
            n_leads=int(lt.n_leads),
            n_entered=raw.n_entered,
            n_excluded=raw.n_excluded,
        )
    ]


def _concat_lists(a: list[Any], b: list[Any]) -> list[Any]:
    return a + b


def funnel_observe(
    leads: Any,
    stages: Sequence[str] | None = None,
    mode: Literal["ordered", "any"] = "ordered",
    by: str | None = None,
    cohort: str | None = None,
    as_of: Any = None,
    confidence: float = 0.95,
    interval: Literal["wilson", "jeffreys"] = "wilson",
    out_of_order: Literal["keep", "drop"] = "keep",
    horizon: Any = None,
    lost: str | None = None,
) -> FunnelObservation:
    """:func:`alignment.funnel.observe` on a Dask DataFrame of leads (same numbers).

    Each partition counts its leads per group and stage (``count_stages``) and returns the
    int64 durations of its converted leads (:func:`stage_durations`).  Counts are summed; the
    mean, median and p90 are computed on the gathered durations exactly as in memory (8 bytes
    per converted lead and transition: 10^7 leads × 4 transitions ≤ 320 MB on the client).
    Leads are one row each: no shuffle.  ``horizon=`` (Kaplan–Meier) is not distributed.
    """
    compute, delayed = _dk().compute, _dk().delayed

    from ._time import parse_instant
    from .funnel import DEFAULT_STAGES, FunnelObservation
    from .funnel._observe import (
        check_observe_params,
        observation_arrays,
        read_only,
        velocity_days,
    )

    _require_dask()
    if horizon is not None or lost is not None:
        raise ParameterError(
            "horizon= / lost= (the Kaplan–Meier estimate) are not distributed; run "
            "alignment.funnel.observe in memory on the stage columns for that estimate"
        )
    st, labels = check_observe_params(
        DEFAULT_STAGES if stages is None else stages, mode, interval, confidence, out_of_order
    )
    if cohort is not None and str(cohort).upper() not in {"D", "W", "M", "Q", "Y"}:
        raise ParameterError(f"cohort must be one of 'D', 'W', 'M', 'Q', 'Y'; got {cohort!r}")
    instant = None if as_of is None else parse_instant(as_of, name="as_of")
    ddf = _as_ddf(leads, "leads")
    nodes = [
        delayed(_funnel_partition, pure=True)(
            p,
            stages=st,
            mode=mode,
            by=by,
            cohort=cohort,
            as_of=instant,
            out_of_order=out_of_order,
        )
        for p in ddf.to_delayed()
    ]
    (parts,) = compute(_tree(nodes, _concat_lists))
    grouped = by is not None or cohort is not None
    all_labels = sorted({lab for p in parts for lab in p.labels}, key=_label_order)
    index = {lab: i for i, lab in enumerate(all_labels)}
    G = len(all_labels) if grouped else 1
    S = len(st)
    counts = np.zeros((G, S), dtype=np.int64)
    converted = np.zeros((G, S - 1), dtype=np.int64)
    ooo = np.zeros((G, S - 1), dtype=np.int64)
    shown: dict[tuple[Any, Any], Any] = {}
    dur_g: list[list[np.ndarray]] = [[] for _ in range(S - 1)]
    dur_v: list[list[np.ndarray]] = [[] for _ in range(S - 1)]
    for p in parts:  # loop over partitions
        gmap = (
            np.array([index[lab] for lab in p.labels], dtype=np.int64)
            if grouped
            else np.zeros(1, np.int64)
        )
        for lab, s in zip(p.labels, p.by_labels):
            shown.setdefault(lab, s)
        np.add.at(counts, gmap, p.counts)
        np.add.at(converted, gmap, p.converted)
        np.add.at(ooo, gmap, p.out_of_order)
        for k, (g, d) in enumerate(p.durations):
            dur_g[k].append(gmap[g])
            dur_v[k].append(d)
    n_dur = np.zeros((G, S - 1), dtype=np.int64)
    med = np.full((G, S - 1), np.nan)
    mean = np.full((G, S - 1), np.nan)
    p90 = np.full((G, S - 1), np.nan)
    for k in range(S - 1):  # loop over transitions
        v = np.concatenate(dur_v[k]) if dur_v[k] else np.zeros(0, np.int64)
        g = np.concatenate(dur_g[k]) if dur_g[k] else np.zeros(0, np.int64)
        n_dur[:, k], mean[:, k], med[:, k], p90[:, k] = velocity_days(v, g if grouped else None, G)
    group_values = None
    group_cohorts = None
    if by is not None:
        group_values = np.array([shown[lab] for lab in all_labels], dtype=object)
    if cohort is not None:
        group_cohorts = np.array([lab[1] for lab in all_labels], dtype="datetime64[D]")
    return FunnelObservation(
        stages=st,
        labels=labels,
        mode=mode,
        interval=interval,
        confidence=float(confidence),
        out_of_order_policy=out_of_order,
        as_of=instant,
        by=by,
        cohort=None if cohort is None else str(cohort).upper(),
        group_values=None if group_values is None else read_only(group_values),
        group_cohorts=None if group_cohorts is None else read_only(group_cohorts),
        **observation_arrays(
            counts, converted, n_dur, ooo, med, mean, p90, float(confidence), interval
        ),
        horizon_days=None,
        km_rate=None,
        n_leads=sum(p.n_leads for p in parts),
        n_entered=sum(p.n_entered for p in parts),
        n_excluded=sum(p.n_excluded for p in parts),
    )


def _label_order(lab: tuple[Any, Any]) -> tuple[Any, ...]:
    bk, ck = lab
    return (
        () if bk is None else bk,
        () if ck is None else (int(np.asarray(ck).astype("datetime64[D]").view(np.int64)),),
    )


# ---------------------------------------------------------------------------------------------
# SLA
# ---------------------------------------------------------------------------------------------


@inline_pool  # a Dask task: no thread pool of its own
def _sla_partition(
    leads: Any,
    activities: Any,
    *,
    sla: Any,
    as_of: Any,
    calendar: Any,
    unknown_leads: str,
) -> list[dict[str, Any]]:
    from .sla import evaluate as evaluate_in_memory
    from .sla._evaluate import periods_of

    ld = _local(leads, "lead_id")
    ac = _local(activities, "lead_id")
    if ld is None or len(ld) == 0:
        if ac is not None and len(ac) and unknown_leads == "raise":
            # no lead here: the in-memory engine raises the same error for these activities
            evaluate_in_memory(sla, {"lead_id": []}, ac, as_of=as_of, calendar=calendar)
        if ac is None or len(ac) == 0:
            return []
    rep = evaluate_in_memory(
        sla,
        ld,
        ac,
        as_of=as_of,
        calendar=calendar,
        unknown_leads=unknown_leads,  # type: ignore[arg-type]
    )
    lt = rep.leads
    cal = rep.calendar
    scope = np.asarray(lt["in_scope"], dtype=bool)
    resp = np.asarray(lt["response_business"])
    has = scope & ~np.isnat(resp)
    clock_day = cal.local_dates(np.where(has, lt["clock_start"], np.datetime64("NaT", "us")))
    start, _ = periods_of(clock_day, rep.sla)
    mk = rep.sla.marketing
    if mk is not None and mk.split_by is not None and len(ld):
        raw = np.asarray(ld[mk.split_by].to_numpy(dtype=object), dtype=object)
        key_pos = np.array(
            [
                "(missing)" if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v)
                for v in raw[has]
            ],
            dtype=object,
        )
    else:
        key_pos = np.full(int(has.sum()), "(all)", dtype=object)
    return [
        {
            "leads": dict(lt.items()),
            "breaches": dict(rep.breaches().items()),
            "unknown": dict(rep.unknown_activities.items()),
            "summary": dict(rep.summary),
            "periods": dict(rep.periods.items()),
            "daily": dict(rep.daily.items()),
            "resp": (start[has], key_pos, resp[has].astype("timedelta64[s]").view(np.int64)),
            "calendar": cal,
            "sla": rep.sla,
            "as_of": rep.as_of,
            "backend": None,
        }
    ]


def _concat_columns(tables: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if not tables:
        return {}
    return {k: np.concatenate([np.asarray(t[k]) for t in tables]) for k in tables[0]}


def _merge_keyed(
    tables: list[dict[str, np.ndarray]],
    key_cols: Sequence[str],
    additive: Sequence[str],
    constant: Sequence[str],
) -> tuple[list[tuple[Any, ...]], dict[str, np.ndarray]]:
    """Rows keyed by ``key_cols``: ``additive`` columns summed, ``constant`` ones taken once."""
    acc: dict[tuple[Any, ...], dict[str, Any]] = {}
    for t in tables:  # loop over partitions
        n = len(next(iter(t.values()))) if t else 0
        keys = list(zip(*(np.asarray(t[c]).tolist() for c in key_cols))) if n else []
        for i, k in enumerate(keys):  # loop over (period, split) or day rows: few
            row = acc.get(k)
            if row is None:
                acc[k] = {c: t[c][i] for c in (*additive, *constant) if c in t}
            else:
                for c in additive:
                    if c in t:
                        row[c] = row[c] + t[c][i]
    order = sorted(acc)
    return order, {
        c: np.array([acc[k].get(c) for k in order])
        for c in (*additive, *constant)
        if any(c in acc[k] for k in order)
    }


def sla_evaluate(
    sla: Any,
    leads: Any,
    activities: Any,
    *,
    as_of: Any,
    calendar: Any = None,
    unknown_leads: Literal["raise", "ignore"] = "raise",
) -> SLAReport:
    """:func:`alignment.sla.evaluate` on Dask DataFrames of leads and activities.

    Leads and activities are co-partitioned by ``lead_id``; each partition is evaluated in
    memory.  ``leads`` / breaches / unknown activities are concatenated (partition order;
    the ``row`` of an unknown activity is its position within its partition), the summary
    counts summed, and ``periods`` / ``daily`` rebuilt from the partitions' counts (summed by
    period × split key and by day), their ratios recomputed, and the response-time median /
    p90 computed exactly from the gathered per-lead response times (8 bytes per touched lead).
    """
    compute, delayed = _dk().compute, _dk().delayed

    from .models import SLA
    from .sla import BreachList, DailySeries, LeadStatus, PeriodSummary, SLAReport
    from .sla._evaluate import UnknownActivities, daily_table, period_table, periods_between

    _require_dask()
    sla_obj = sla if isinstance(sla, SLA) else SLA.from_dict(sla)
    frames, _ = partition_by_key(
        [_as_ddf(leads, "leads"), _as_ddf(activities, "activities")], "lead_id"
    )
    nodes = [
        delayed(_sla_partition, pure=True)(
            a, b, sla=sla_obj, as_of=as_of, calendar=calendar, unknown_leads=unknown_leads
        )
        for a, b in _parts(frames)
    ]
    (parts,) = compute(_tree(nodes, _concat_lists))
    if not parts:
        from .sla import evaluate as evaluate_in_memory

        return evaluate_in_memory(
            sla_obj,
            {"lead_id": []},
            {"lead_id": [], "timestamp": []},
            as_of=as_of,
            calendar=calendar,
        )
    first = parts[0]
    cal = first["calendar"]
    t_asof = first["as_of"]

    # --- periods: counts summed per (period, split key); ratios recomputed ----------------
    ptables = [p["periods"] for p in parts]
    pcols = list(ptables[0])
    split_name = pcols[2]
    counts_cols = [
        c
        for c in pcols
        if c in ("delivered", "delivered_unqualified", "leads_assigned", "touched")
        or c.endswith(("_met", "_breached", "_pending", "_at_risk"))
    ]
    order, merged = _merge_keyed(
        ptables, ["period_start", split_name], counts_cols, ["period_end", "committed"]
    )
    starts_u, ends_u = periods_between(
        np.unique(np.array([k[0] for k in order], dtype="datetime64[D]")), sla_obj
    )  # every period between the first and the last (as in memory)
    keys_u = np.array(sorted({k[1] for k in order}), dtype=object)
    P, K = starts_u.size, keys_u.size
    pos = {k: i for i, k in enumerate(order)}
    row_of = np.array(
        [pos.get((s, k), -1) for s in starts_u.tolist() for k in keys_u.tolist()], dtype=np.int64
    )
    found = row_of >= 0

    def take(col: str) -> np.ndarray:
        arr = np.zeros(P * K, dtype=np.int64)
        if col in merged and found.any():
            arr[found] = np.asarray(merged[col])[row_of[found]]
        return arr

    commitments = [c.removesuffix("_met") for c in pcols if c.endswith("_met")]
    asof_local = int(
        cal.to_local(np.array([t_asof], dtype="datetime64[us]"))[0]
        .astype("datetime64[us]")
        .view(np.int64)
    )
    r_start = np.concatenate([p["resp"][0] for p in parts]).astype("datetime64[D]")
    r_key = np.concatenate([p["resp"][1] for p in parts]).astype(object)
    r_val = np.concatenate([p["resp"][2] for p in parts]).astype(np.int64)
    p_idx = np.searchsorted(starts_u, r_start)
    k_idx = np.searchsorted(keys_u, r_key) if K else np.zeros(r_key.size, np.int64)
    ok = ~np.isnat(r_start) & (p_idx < P)
    if P:
        ok &= starts_u[np.minimum(p_idx, P - 1)] == r_start
    out = period_table(
        sla_obj,
        starts_u,
        ends_u,
        keys_u,
        split_name,
        asof_local,
        {c: take(c) for c in counts_cols},
        commitments,
        r_val[ok],
        (p_idx * K + k_idx)[ok],
    )
    periods = PeriodSummary({c: out[c] for c in pcols if c in out})

    # --- daily: counts summed per day; running totals recomputed ---------------------------
    dtables = [p["daily"] for p in parts]
    dcols = list(dtables[0])
    d_add = [
        c
        for c in dcols
        if c not in ("date", "period_start", "committed", "pace_to_date", "delivered_to_date")
    ]
    d_order, d_merged = _merge_keyed(
        dtables, ["date"], d_add, ["period_start", "committed", "pace_to_date"]
    )
    dates = np.array([k[0] for k in d_order], dtype="datetime64[D]")
    all_days = np.arange(dates.min(), dates.max() + np.timedelta64(1, "D")) if dates.size else dates
    drow = np.searchsorted(dates, all_days)
    daily = daily_table(
        sla_obj,
        all_days,
        {c: np.asarray(d_merged[c], dtype=np.int64)[drow] for c in d_add},
    )
    daily_t = DailySeries(daily)

    # --- per lead, breaches, unknown activities, summary ----------------------------------
    summary: dict[str, Any] = {}
    for p in parts:  # loop over partitions
        for k, v in p["summary"].items():
            summary[k] = v if k == "as_of" else summary.get(k, 0) + v
    return SLAReport(
        leads=LeadStatus(_concat_columns([p["leads"] for p in parts])),
        periods=periods,
        daily=daily_t,
        breaches=BreachList(_concat_columns([p["breaches"] for p in parts])),
        unknown_activities=UnknownActivities(_concat_columns([p["unknown"] for p in parts])),
        summary=summary,
        sla=sla_obj,
        calendar=cal,
        as_of=t_asof,
    )
