"""The Markov chain of the journeys: counting, the exact solve, removal effects (kernels).

The journeys define an absorbing Markov chain::

    (start) -> channel states -> (conversion) | (null)

estimated from transition counts of converting *and* non-converting journeys (each journey
weighted by its multiplicity ``conversions + non_conversions``, so aggregated paths count as
many times as they occurred).  The probability of reaching ``(conversion)`` from ``(start)``
is computed exactly by solving the linear system of absorption probabilities (no simulation).
The removal effect of a channel is ``1 - P(conversion | channel removed) / P(conversion)``;
removing a channel sends every transition into a state that contains it to ``(null)``.
Channel credit is the normalised removal effect times the number of conversions (and times
the converted revenue).  See ``docs/attribution/markov.md``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._segments import position_in_segment
from ..base import ChannelCredit
from ._credit import collapse_runs

if TYPE_CHECKING:
    pass

__all__ = [
    "MarkovChainCounts",
    "MarkovFit",
    "credit_from_fit",
    "markov_counts",
    "markov_removal_effects",
    "markov_solve",
]

#: label of the start state, the conversion state and the null state
START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"
#: above this many nodes the transition counts are kept sparse (scipy.sparse)
_DENSE_MAX_NODES = 2000
#: up to this many transient nodes the systems are solved densely (numpy.linalg); above, with
#: SuperLU (single-threaded: multi-threaded BLAS on mid-sized systems is slow on busy machines)
_DENSE_SOLVE_MAX = 64
#: state codes below this bound are compacted with a lookup table instead of np.unique
_LUT_MAX = 1 << 22
#: touches per chunk of the transition counting
_CHUNK = 1 << 20


@dataclass
class MarkovFit:
    """The exact solution of the absorbing chain (returned by :func:`markov_removal_effects`).

    Attributes
    ----------
    states : list of str
        Node labels: ``"(start)"``, the transient states, ``"(conversion)"``, ``"(null)"``.
        For ``order=1`` a state is a channel name; for ``order=k>1`` it is the tuple of the
        last (up to) ``k`` channels joined with ``" > "`` (oldest first).
    state_channels : list of tuple of int
        Channel codes of each transient state (oldest first).
    counts : ndarray or scipy.sparse matrix
        Weighted transition counts between the nodes (rows: from, columns: to).
    conversion_probability : float
        Probability of absorption in ``(conversion)`` from ``(start)``.
    expected_value : float
        Expected converted revenue per started journey (value-weighted chain).
    removal_effects : ndarray
        ``1 - P_c / P`` per channel code (0 for channels that never occur).
    removal_effects_value : ndarray
        ``1 - V_c / V`` per channel code on the value-weighted chain.
    total_conversions, total_revenue : float
        Conversions and converted revenue of the journeys with at least one touch.
    """

    states: list[str]
    state_channels: list[tuple[int, ...]]
    counts: Any
    conversion_probability: float
    expected_value: float
    removal_effects: np.ndarray
    removal_effects_value: np.ndarray
    total_conversions: float
    total_revenue: float
    n_paths: float = 0.0
    extras: dict[str, Any] = field(default_factory=dict)

    def transition_matrix(self) -> Any:
        """Row-normalised transition probabilities (absorbing rows are self-loops)."""
        n = len(self.states)
        if isinstance(self.counts, np.ndarray):
            counts = self.counts.copy()
            counts[n - 2, n - 2] = 1.0
            counts[n - 1, n - 1] = 1.0
            rows = counts.sum(axis=1)
            rows[rows == 0] = 1.0
            return counts / rows[:, None]
        from scipy import sparse

        counts = sparse.csr_array(self.counts, copy=True).tolil()
        counts[n - 2, n - 2] = 1.0
        counts[n - 1, n - 1] = 1.0
        csr = sparse.csr_array(counts)
        rows = np.asarray(csr.sum(axis=1)).ravel()
        rows[rows == 0] = 1.0
        return sparse.csr_array(sparse.csr_array(sparse.diags(1.0 / rows)) @ csr)


def markov_removal_effects(
    offsets: np.ndarray,
    codes: np.ndarray,
    n_channels: int,
    conversions: np.ndarray,
    non_conversions: np.ndarray,
    revenue: np.ndarray,
    *,
    order: int = 1,
    collapse_repeats: bool = True,
    channel_names: list[str] | None = None,
) -> MarkovFit:
    """Solve the absorbing Markov chain of the journeys exactly and return removal effects.

    :func:`markov_counts` followed by :func:`markov_solve`.

    Parameters
    ----------
    offsets : ndarray of int64, shape (n_journeys + 1,)
        CSR offsets of the journeys' touches.
    codes : ndarray of int, shape (n_touches,)
        Channel code of each touch (``0 <= code < n_channels``), in journey order.
    n_channels : int
        Number of channel codes.
    conversions, non_conversions, revenue : ndarray of float64, shape (n_journeys,)
        Per-journey multiplicities and converted revenue.  A journey's transitions count
        ``conversions + non_conversions`` times; its last state moves to ``(conversion)`` with
        weight ``conversions`` and to ``(null)`` with weight ``non_conversions``.
    order : int
        Order ``k`` of the chain: a state is the tuple of the last (up to) ``k`` channels.
    collapse_repeats : bool
        Merge consecutive touches of the same channel before building states.
    channel_names : list of str, optional
        Names used in state labels (default: the codes as strings).

    Returns
    -------
    MarkovFit
    """
    chain = markov_counts(
        offsets,
        codes,
        n_channels,
        conversions,
        non_conversions,
        revenue,
        order=order,
        collapse_repeats=collapse_repeats,
    )
    names = channel_names if channel_names is not None else [str(c) for c in range(n_channels)]
    return markov_solve(
        chain.counts,
        chain.value_in,
        chain.state_channels,
        n_channels,
        names,
        total_conversions=chain.total_conversions,
        total_revenue=chain.total_revenue,
        n_paths=chain.n_paths,
    )


@dataclass
class MarkovChainCounts:
    """The counting step of the chain (returned by :func:`markov_counts`).

    Everything is additive: the counts of disjoint sets of journeys, once their nodes are
    matched by channel tuple, sum to the counts of the union (``alignment.dask`` relies on it).

    Attributes
    ----------
    state_channels : list of tuple of int
        Channel codes of each transient state (oldest first); node ``i + 1`` is state ``i``.
    counts : ndarray or scipy.sparse.csr_array, shape (n_states + 3, n_states + 3)
        Weighted transition counts between the nodes ``(start)``, the states,
        ``(conversion)``, ``(null)`` (rows: from, columns: to); dense up to 2000 nodes.
    value_in : ndarray of float64, shape (n_states + 1,)
        Converted revenue flowing from each node (``(start)`` first) into ``(conversion)``.
    total_conversions, total_revenue : float
        Conversions and converted revenue of the journeys with at least one touch.
    n_paths : float
        Sum of the multiplicities of the journeys in the chain.
    """

    state_channels: list[tuple[int, ...]]
    counts: Any
    value_in: np.ndarray
    total_conversions: float
    total_revenue: float
    n_paths: float


def _states(
    offsets: np.ndarray, codes: np.ndarray, n_channels: int, order: int
) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """The state of every touch (its last ``order`` channels) and each state's channels.

    Returns ``(sid, state_channels)``: a dense state number per touch, numbered in the order
    of the state codes, and per state its channel codes, oldest first.  An order beyond the
    longest journey gives the states of that journey's length (no touch has more history),
    so the work is bounded by it, whatever the order.
    """
    longest = int(np.diff(offsets).max()) if offsets.size > 1 else 1
    order = max(1, min(order, longest))
    base = n_channels + 1
    if order == 1:
        state_code = codes
    else:
        pos = position_in_segment(offsets)
        big = base**order >= 2**62
        digits = np.zeros((codes.size, order if big else 0), dtype=np.int64)
        state_code = np.zeros(codes.size, dtype=np.int64)
        for j in range(order):
            shifted = np.zeros(codes.size, dtype=np.int64)
            if j < codes.size:
                shifted[j:] = codes[: codes.size - j].astype(np.int64) + 1
            shifted[pos < j] = 0
            if big:
                digits[:, j] = shifted
            else:
                state_code += shifted * base**j
        if big:
            _, state_code = np.unique(digits, axis=0, return_inverse=True)
            state_code = state_code.ravel()
    code_bound = int(state_code.max()) + 1 if state_code.size else 0
    if code_bound <= _LUT_MAX:
        present = np.zeros(code_bound, dtype=bool)
        present[state_code] = True  # (no int64 copy of the codes, as bincount would make)
        uniq = np.flatnonzero(present)
        lut = (np.cumsum(present) - 1).astype(np.int32 if code_bound < 2**31 else np.int64)
        sid = lut[state_code]
    else:
        uniq, sid = np.unique(state_code, return_inverse=True)
        sid = sid.ravel()
    n_states = int(uniq.size)

    # channels of each state (oldest first)
    state_channels: list[tuple[int, ...]] = []
    if order == 1:
        state_channels = [(int(c),) for c in uniq]
    else:
        # any touch in a state tells its channels: take one per state
        at = np.zeros(n_states, dtype=np.int64)
        at[sid] = np.arange(sid.size, dtype=np.int64)
        depth = np.minimum(order, pos[at] + 1)
        history = np.full((n_states, order), -1, dtype=np.int64)  # oldest first, -1 = none
        for j in range(order):  # loop over the order
            valid = np.flatnonzero(depth > j)
            chan = codes[at[valid] - j]
            history[valid, order - 1 - j] = chan
        state_channels = [tuple(int(c) for c in row if c >= 0) for row in history.tolist()]

    return sid, state_channels


def markov_counts(
    offsets: np.ndarray,
    codes: np.ndarray,
    n_channels: int,
    conversions: np.ndarray,
    non_conversions: np.ndarray,
    revenue: np.ndarray,
    *,
    order: int = 1,
    collapse_repeats: bool = True,
) -> MarkovChainCounts:
    """Count the states and weighted transitions of the journeys' chain (no solve).

    Parameters are those of :func:`markov_removal_effects` (without ``channel_names``).

    Returns
    -------
    MarkovChainCounts
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    codes = np.asarray(codes)
    codes = codes.astype(np.int32 if n_channels < 2**31 - 1 else np.int64, copy=False)
    conversions = np.asarray(conversions, dtype=np.float64)
    non_conversions = np.asarray(non_conversions, dtype=np.float64)
    revenue = np.asarray(revenue, dtype=np.float64)
    lengths = np.diff(offsets)
    mult = conversions + non_conversions

    has_touch = lengths > 0
    total_conversions = float(conversions[has_touch].sum())
    total_revenue = float(revenue[has_touch & (conversions > 0)].sum())

    # journeys that occur zero times carry no transitions: drop their touches
    active = has_touch & (mult > 0)
    keep_touch = None if bool(np.all(active | ~has_touch)) else np.repeat(active, lengths)
    if collapse_repeats or keep_touch is not None:
        if collapse_repeats:
            offsets, codes = collapse_runs(offsets, codes, keep_touch)
        else:
            assert keep_touch is not None
            cum = np.zeros(codes.size + 1, dtype=np.int64)
            np.cumsum(keep_touch, out=cum[1:])
            offsets, codes = cum[offsets], codes[keep_touch]
        lengths = np.diff(offsets)
    active = lengths > 0

    sid, state_channels = _states(offsets, codes, n_channels, order)
    n_states = len(state_channels)

    # ---- transition counts --------------------------------------------------------------
    n_nodes = n_states + 3  # (node of a state: its number + 1; node 0 is the start)
    sel: Any = slice(None) if bool(active.all()) else active
    first_idx = offsets[:-1][sel]
    last_idx = offsets[1:][sel] - 1
    mult_a = mult[sel]
    weighted = not bool(np.all(mult_a == 1.0))
    touch_w = np.repeat(mult_a, lengths[sel]) if weighted else None
    last_node = sid[last_idx] + 1
    ends = _Ends(sid[first_idx] + 1, last_node, mult_a, conversions[sel], non_conversions[sel])
    # pairs (i, i + 1) that cross from one journey into the next
    boundary = last_idx[last_idx < sid.size - 1]
    if n_nodes <= _DENSE_MAX_NODES:
        counts: Any = _dense_counts(sid, n_nodes, boundary, touch_w, ends)
    else:
        counts = _sparse_counts(sid, n_nodes, boundary, touch_w, ends)

    # value flowing into (conversion): revenue per last state
    conv_revenue = np.where(conversions > 0, revenue, 0.0)
    value_in = np.bincount(last_node, weights=conv_revenue[sel], minlength=n_nodes)[: n_states + 1]

    return MarkovChainCounts(
        state_channels=state_channels,
        counts=counts,
        value_in=value_in,
        total_conversions=total_conversions,
        total_revenue=total_revenue,
        n_paths=float(mult_a.sum()),
    )


@dataclass(frozen=True)
class _Ends:
    """The transitions at the ends of the journeys: (start) -> first state, weighted by the
    journey's multiplicity; last state -> (conversion) and -> (null), by its counts."""

    first_node: np.ndarray
    last_node: np.ndarray
    start_w: np.ndarray
    conv_w: np.ndarray
    null_w: np.ndarray


def _pair_counts(
    sid: np.ndarray, n_nodes: int, boundary: np.ndarray, touch_w: np.ndarray | None
) -> np.ndarray:
    """Counts of the transitions between consecutive touches' states (weighted by ``touch_w``),
    as a dense ``n_nodes * n_nodes`` float vector; pairs at ``boundary`` (sorted positions of
    journeys' last touches) cross into the next journey and are dropped.

    Unweighted, a chunk of touches at a time (exact integer counts, small temporaries);
    weighted, in one pass (the sums in one order).
    """
    dump = n_nodes * n_nodes
    n = sid.size - 1
    step = max(n, 1) if touch_w is not None else max(_CHUNK, 4 * dump)
    total: np.ndarray = np.zeros(dump + 1, dtype=np.int64 if touch_w is None else np.float64)
    for c0 in range(0, max(n, 0), step):  # (chunks of touches)
        c1 = min(n, c0 + step)
        pair = sid[c0:c1].astype(np.int64)
        pair *= n_nodes
        pair += sid[c0 + 1 : c1 + 1]
        pair += n_nodes + 1  # (nodes are states + 1)
        lo, hi = np.searchsorted(boundary, [c0, c1])
        pair[boundary[lo:hi] - c0] = dump
        if touch_w is None:
            total += np.bincount(pair, minlength=dump + 1)
        else:
            total = np.bincount(pair, weights=touch_w[c0:c1], minlength=dump + 1)
    return total[:dump].astype(np.float64)


def _dense_counts(
    sid: np.ndarray,
    n_nodes: int,
    boundary: np.ndarray,
    touch_w: np.ndarray | None,
    ends: _Ends,
) -> np.ndarray:
    """The transition counts as a dense matrix (the ends' entries are their own cells: row 0,
    and the last two columns)."""
    counts = _pair_counts(sid, n_nodes, boundary, touch_w).reshape(n_nodes, n_nodes)
    counts[0] += np.bincount(ends.first_node, weights=ends.start_w, minlength=n_nodes)
    counts[:, n_nodes - 2] += np.bincount(ends.last_node, weights=ends.conv_w, minlength=n_nodes)
    counts[:, n_nodes - 1] += np.bincount(ends.last_node, weights=ends.null_w, minlength=n_nodes)
    return counts


def _sparse_counts(
    sid: np.ndarray,
    n_nodes: int,
    boundary: np.ndarray,
    touch_w: np.ndarray | None,
    ends: _Ends,
) -> Any:
    """The transition counts as a sparse matrix (large state spaces)."""
    from scipy import sparse

    node = sid.astype(np.int64) + 1
    m = ends.last_node.size
    keep = np.ones(max(node.size - 1, 0), dtype=bool)
    keep[boundary] = False
    pw = touch_w[:-1][keep] if touch_w is not None else np.ones(int(keep.sum()))
    last = ends.last_node.astype(np.int64)
    rows = np.concatenate([node[:-1][keep], np.zeros(ends.first_node.size, np.int64), last, last])
    cols = np.concatenate(
        [
            node[1:][keep],
            ends.first_node.astype(np.int64),
            np.full(m, n_nodes - 2, np.int64),
            np.full(m, n_nodes - 1, np.int64),
        ]
    )
    vals = np.concatenate([pw, ends.start_w, ends.conv_w, ends.null_w])
    counts = sparse.coo_array((vals, (rows, cols)), shape=(n_nodes, n_nodes)).tocsr()
    counts.sum_duplicates()
    return counts


def markov_solve(
    counts: Any,
    value_in: np.ndarray,
    state_channels: Sequence[tuple[int, ...]],
    n_channels: int,
    names: Sequence[str],
    *,
    total_conversions: float = 0.0,
    total_revenue: float = 0.0,
    n_paths: float = 0.0,
) -> MarkovFit:
    """Solve the chain of :func:`markov_counts` exactly and compute the removal effects.

    Parameters
    ----------
    counts : ndarray or scipy.sparse array, shape (n_states + 3, n_states + 3)
        Weighted transition counts (nodes ``(start)``, states, ``(conversion)``, ``(null)``).
        Kept dense up to 2000 nodes, sparse (CSR) above, whatever form it comes in.
    value_in : ndarray of float64, shape (n_states + 1,)
        Converted revenue flowing from each node into ``(conversion)``.
    state_channels : sequence of tuple of int
        Channel codes of each state (oldest first).
    n_channels : int
        Number of channel codes.
    names : sequence of str
        Channel names (state labels).
    total_conversions, total_revenue, n_paths : float
        Carried into the :class:`MarkovFit`.

    Returns
    -------
    MarkovFit
    """
    n_states = len(state_channels)
    n_nodes = n_states + 3
    dense = n_nodes <= _DENSE_MAX_NODES
    if isinstance(counts, np.ndarray):
        if not dense:
            from scipy import sparse

            counts = sparse.csr_array(counts)
    elif dense:
        counts = np.asarray(counts.toarray(), dtype=np.float64)
    else:
        from scipy import sparse

        counts = sparse.csr_array(counts)
    value_in = np.asarray(value_in, dtype=np.float64)
    contains = np.zeros((n_states, n_channels), dtype=bool)
    lens = np.fromiter((len(t) for t in state_channels), dtype=np.int64, count=n_states)
    flat = np.fromiter(itertools.chain.from_iterable(state_channels), dtype=np.int64)
    contains[np.repeat(np.arange(n_states), lens), flat] = True
    p, v, p_removed, v_removed = _solve(counts, value_in, contains, n_states, dense=dense)
    re = np.zeros(n_channels)
    re_v = np.zeros(n_channels)
    occurring = contains.any(axis=0)
    if p > 0:
        re[occurring] = np.clip(1.0 - p_removed[occurring] / p, 0.0, 1.0)
    if v > 0:
        re_v[occurring] = np.clip(1.0 - v_removed[occurring] / v, 0.0, 1.0)
    labels = [" > ".join(names[c] for c in chans) for chans in state_channels]
    return MarkovFit(
        states=[START, *labels, CONVERSION, NULL],
        state_channels=list(state_channels),
        counts=counts,
        conversion_probability=p,
        expected_value=v,
        removal_effects=re,
        removal_effects_value=re_v,
        total_conversions=float(total_conversions),
        total_revenue=float(total_revenue),
        n_paths=float(n_paths),
    )


def _solve(
    counts: Any, value_in: np.ndarray, contains: np.ndarray, n_states: int, *, dense: bool
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Absorption probability of (conversion) and expected value from (start).

    Returns ``(P, V, P_without[c], V_without[c])``.
    """
    n_tr = n_states + 1  # start + transient states
    n_channels = contains.shape[1]
    p_removed = np.zeros(n_channels)
    v_removed = np.zeros(n_channels)
    if dense and n_tr <= _DENSE_SOLVE_MAX:
        c = np.asarray(counts)
        rowsum = c[:n_tr].sum(axis=1)
        if rowsum[0] == 0:
            return 0.0, 0.0, p_removed, v_removed
        rowsum[rowsum == 0] = 1.0
        q = c[:n_tr, :n_tr] / rowsum[:, None]
        rhs = np.column_stack([c[:n_tr, n_tr] / rowsum, value_in / rowsum])
        a = np.eye(n_tr) - q
        x = np.linalg.solve(a, rhs)
        p, v = float(x[0, 0]), float(x[0, 1])
        for ch in np.flatnonzero(contains.any(axis=0)):  # loop over channels
            keep = np.concatenate([[True], ~contains[:, ch]])
            xs = np.linalg.solve(a[np.ix_(keep, keep)], rhs[keep])
            p_removed[ch], v_removed[ch] = xs[0, 0], xs[0, 1]
        return p, v, p_removed, v_removed

    from scipy import sparse
    from scipy.sparse.linalg import splu

    c = sparse.csr_array(counts)
    rowsum = np.asarray(c.sum(axis=1)).ravel()[:n_tr]
    if rowsum[0] == 0:
        return 0.0, 0.0, p_removed, v_removed
    rowsum[rowsum == 0] = 1.0
    inv = sparse.csr_array(sparse.diags(1.0 / rowsum))
    sub = c[:n_tr][:, :n_tr]
    q = sparse.csr_array(inv @ sub)
    conv_col = c[:n_tr][:, [n_tr]].toarray().ravel()
    rhs = np.column_stack([conv_col / rowsum, value_in / rowsum])
    a = sparse.csc_array(sparse.csr_array(sparse.identity(n_tr, format="csr")) - q)
    x = splu(a).solve(rhs)
    p, v = float(x[0, 0]), float(x[0, 1])
    for ch in np.flatnonzero(contains.any(axis=0)):  # loop over channels
        keep_idx = np.flatnonzero(np.concatenate([[True], ~contains[:, ch]]))
        a_k = sparse.csc_array(a[keep_idx][:, keep_idx])
        xs = splu(a_k).solve(rhs[keep_idx])
        p_removed[ch], v_removed[ch] = xs[0, 0], xs[0, 1]
    return p, v, p_removed, v_removed


def _shares(effects: np.ndarray) -> np.ndarray:
    total = float(effects.sum())
    if total <= 0:
        return np.zeros_like(effects)
    return effects / total


def credit_from_fit(
    fit: MarkovFit, names: list[str], *, revenue_basis: str = "conversions"
) -> ChannelCredit:
    """Turn a :class:`MarkovFit` into :class:`~alignment.base.ChannelCredit`."""
    share = _shares(fit.removal_effects)
    share_rev = share
    if revenue_basis == "value" and fit.removal_effects_value.sum() > 0:
        share_rev = _shares(fit.removal_effects_value)
    conv = share * fit.total_conversions
    rev = share_rev * fit.total_revenue
    details: dict[str, Any] = {
        "states": list(fit.states),
        "transition_matrix": fit.transition_matrix(),
        "transition_counts": fit.counts,
        "removal_effects": dict(zip(names, (float(x) for x in fit.removal_effects))),
        "removal_effects_value": dict(zip(names, (float(x) for x in fit.removal_effects_value))),
        "conversion_probability": fit.conversion_probability,
        "expected_value": fit.expected_value,
        "n_paths": fit.n_paths,
        "revenue_basis": revenue_basis,
    }
    return ChannelCredit(
        conversions=dict(zip(names, (float(x) for x in conv))),
        revenue=dict(zip(names, (float(x) for x in rev))),
        details=details,
    )


# --------------------------------------------------------------------------------------------
# plain-Python twin (the definition; used by the tests)
# --------------------------------------------------------------------------------------------


def _py_solve(
    transient: list[Any], prob: dict[Any, dict[Any, Any]], target: Any, reward: dict[Any, Any]
) -> Any:
    """Absorption value from transient[0] by Gauss-Jordan elimination (exact with Fractions).

    Solves ``x_s = sum_t P[s][t] x_t + reward[s]`` over the transient states, where
    transitions to anything not in ``transient`` contribute nothing beyond ``reward``.
    """
    from fractions import Fraction

    index = {s: i for i, s in enumerate(transient)}
    n = len(transient)
    a = [[Fraction(int(i == j)) for j in range(n)] + [Fraction(0)] for i in range(n)]
    for s, i in index.items():
        for t, p in prob.get(s, {}).items():
            if t in index:
                a[i][index[t]] -= p
        a[i][n] = reward.get(s, Fraction(0))
    for col in range(n):
        piv = next(r for r in range(col, n) if a[r][col] != 0)
        a[col], a[piv] = a[piv], a[col]
        f = a[col][col]
        a[col] = [v / f for v in a[col]]
        for r in range(n):
            if r != col and a[r][col] != 0:
                g = a[r][col]
                a[r] = [vr - g * vc for vr, vc in zip(a[r], a[col])]
    return a[0][n]


def _py_markov(
    paths: list[tuple[list[str], float, float, float]],
    *,
    order: int = 1,
    collapse_repeats: bool = True,
) -> dict[str, Any]:
    """Plain-Python Markov removal effects with explicit dict transition counts.

    ``paths`` holds ``(channels, conversions, non_conversions, revenue)`` per journey.  Returns
    ``{"p": P, "v": V, "re": {channel: RE}, "re_value": {...}, "conversions": total,
    "revenue": total}`` with exact :class:`fractions.Fraction` arithmetic.
    """
    from fractions import Fraction

    counts: dict[Any, dict[Any, Fraction]] = {}
    value: dict[Any, Fraction] = {}
    total_conv = Fraction(0)
    total_rev = Fraction(0)
    channels: set[str] = set()

    def add(a: Any, b: Any, w: Fraction) -> None:
        counts.setdefault(a, {})
        counts[a][b] = counts[a].get(b, Fraction(0)) + w

    for chans, conv, null, rev in paths:
        if not chans:
            continue
        total_conv += Fraction(conv)
        if conv > 0:
            total_rev += Fraction(rev)
        seq = list(chans)
        if collapse_repeats:
            seq = [c for i, c in enumerate(seq) if i == 0 or c != seq[i - 1]]
        m = Fraction(conv) + Fraction(null)
        if m == 0:
            continue
        channels.update(seq)
        states = [tuple(seq[max(0, i - order + 1) : i + 1]) for i in range(len(seq))]
        add(START, states[0], m)
        for a, b in itertools.pairwise(states):
            add(a, b, m)
        add(states[-1], CONVERSION, Fraction(conv))
        add(states[-1], NULL, Fraction(null))
        if conv > 0:
            value[states[-1]] = value.get(states[-1], Fraction(0)) + Fraction(rev)

    prob: dict[Any, dict[Any, Fraction]] = {}
    reward_p: dict[Any, Fraction] = {}
    reward_v: dict[Any, Fraction] = {}
    for s, row in counts.items():
        tot = sum(row.values(), Fraction(0))
        if tot == 0:
            continue
        prob[s] = {t: w / tot for t, w in row.items()}
        reward_p[s] = row.get(CONVERSION, Fraction(0)) / tot
        reward_v[s] = value.get(s, Fraction(0)) / tot

    def solve(removed: str | None) -> tuple[Fraction, Fraction]:
        if START not in prob:
            return Fraction(0), Fraction(0)
        transient = [START] + [
            s for s in prob if s != START and (removed is None or removed not in s)
        ]
        return (
            _py_solve(transient, prob, CONVERSION, reward_p),
            _py_solve(transient, prob, CONVERSION, reward_v),
        )

    p, v = solve(None)
    re: dict[str, Fraction] = {}
    re_v: dict[str, Fraction] = {}
    for c in sorted(channels):
        pc, vc = solve(c)
        re[c] = 1 - pc / p if p > 0 else Fraction(0)
        re_v[c] = 1 - vc / v if v > 0 else Fraction(0)
    return {
        "p": p,
        "v": v,
        "re": re,
        "re_value": re_v,
        "conversions": total_conv,
        "revenue": total_rev,
    }
