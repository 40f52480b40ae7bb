"""Per-segment (per-journey) kernels over CSR offsets.

A *segmented* array is a flat array ``values`` plus ``offsets`` (``int64``, length
``n_segments + 1``, ``offsets[0] == 0``, monotone non-decreasing, ``offsets[-1] == len(values)``):
segment ``i`` is ``values[offsets[i]:offsets[i + 1]]`` and may be empty.  In :mod:`alignment`
a segment is a journey and an element is a touch (see :class:`alignment.tables.Journeys`).

Every kernel here is vectorised (``np.ufunc.reduceat`` on the starts of the non-empty
segments, so empty segments never read a neighbour's value) and has a plain-Python twin named
``_py_<kernel>`` that defines what it computes; the tests compare the two on seeded and
hypothesis-generated data (empty segments, one element, large inputs).

Orders of non-negative integer keys live here too: :func:`lex_order` is ``np.lexsort`` (and
:func:`stable_order` a stable ``np.argsort``) by one sort of the keys packed into int64 words
when their bits fit, which the tests compare with numpy's.  :func:`sorted_unique` is
``np.unique`` of a flat array by one sort (or a presence table of small codes).

Conventions
-----------
* Index results are positions in the flat array, ``-1`` for "none" (empty segment or no
  element satisfies the condition).
* Reductions of an empty segment return the reduction's identity or an explicit ``empty``
  value (``segment_sum`` → 0, ``segment_max`` → ``empty``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._parallel import split_rows
from ._sortwords import sort_words

__all__ = [
    "broadcast",
    "check_offsets",
    "gather_segments",
    "group_max",
    "group_min",
    "group_quantiles",
    "group_sort",
    "group_stats",
    "lex_order",
    "position_from_end",
    "position_in_segment",
    "segment_any",
    "segment_argmax",
    "segment_count",
    "segment_first",
    "segment_first_true",
    "segment_ids",
    "segment_last",
    "segment_last_at_or_before",
    "segment_last_true",
    "segment_lengths",
    "segment_max",
    "segment_min",
    "segment_normalize",
    "segment_sum",
    "sorted_unique",
    "stable_order",
    "take_rows",
]


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def check_offsets(offsets: Any, n_values: int | None = None) -> np.ndarray:
    """Validate CSR ``offsets`` and return them as ``int64``.

    Parameters
    ----------
    offsets : array-like of int
        Segment boundaries, length ``n_segments + 1``.
    n_values : int, optional
        Length of the flat array the offsets index; ``offsets[-1]`` must equal it.

    Raises
    ------
    ValueError
        If the offsets are not one-dimensional, do not start at 0, decrease, or do not end at
        ``n_values``.  (A programming error inside the library, not a user data error.)
    """
    off = np.asarray(offsets, dtype=np.int64)
    if off.ndim != 1 or off.size == 0 or off[0] != 0:
        raise ValueError("offsets must be a 1-d integer array starting at 0")
    if off.size > 1 and bool((np.diff(off) < 0).any()):
        raise ValueError("offsets must be non-decreasing")
    if n_values is not None and int(off[-1]) != n_values:
        raise ValueError(f"offsets end at {int(off[-1])}, expected {n_values}")
    return off


def segment_lengths(offsets: np.ndarray) -> np.ndarray:
    """Number of elements per segment (``int64``)."""
    return np.diff(offsets)


def segment_ids(offsets: np.ndarray) -> np.ndarray:
    """Segment index of every element (``int64``, length ``offsets[-1]``)."""
    n = offsets.size - 1
    return np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))


def broadcast(per_segment: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Repeat one value per segment onto every element of that segment."""
    return np.repeat(per_segment, np.diff(offsets))


def _reduceat(
    ufunc: np.ufunc, values: np.ndarray, offsets: np.ndarray, empty: Any, dtype: Any
) -> np.ndarray:
    """``ufunc`` reduced over each segment; ``empty`` for empty segments.

    Only the starts of non-empty segments are passed to ``reduceat``: because the segments tile
    the flat array, the start of the next non-empty segment is exactly the end of the current
    one, so no masking of results is needed and no index can run past the end.
    """
    n = offsets.size - 1
    out = np.full(n, empty, dtype=dtype)
    if n == 0 or values.size == 0:
        return out
    starts = offsets[:-1]
    nonempty = offsets[1:] > starts
    out[nonempty] = ufunc.reduceat(values, starts[nonempty])
    return out


def gather_segments(offsets: np.ndarray, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and element indices of the sub-table made of the segments ``which``.

    Parameters
    ----------
    offsets : ndarray of int64
        CSR offsets of the full table.
    which : ndarray of int
        Segment indices to keep, in the order wanted (usually ascending).

    Returns
    -------
    sub_offsets : ndarray of int64
        CSR offsets of the kept segments (length ``len(which) + 1``).
    index : ndarray of int64
        Position in the full flat array of every element of the kept segments, so that
        ``values[index]`` is the flat array of the sub-table.  Costs O(kept elements).
    """
    which = np.asarray(which, dtype=np.int64)
    starts = offsets[:-1][which]
    lens = offsets[1:][which] - starts
    sub = np.zeros(which.size + 1, dtype=np.int64)
    np.cumsum(lens, out=sub[1:])
    index = np.arange(int(sub[-1]), dtype=np.int64) + np.repeat(starts - sub[:-1], lens)
    return sub, index


# --------------------------------------------------------------------------------------------
# reductions
# --------------------------------------------------------------------------------------------


def segment_sum(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Sum of each segment (``float64``; 0 for an empty segment)."""
    return _reduceat(np.add, np.asarray(values, dtype=np.float64), offsets, 0.0, np.float64)


def segment_count(mask: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Number of ``True`` elements per segment (``int64``)."""
    return _reduceat(np.add, np.asarray(mask, dtype=np.int64), offsets, 0, np.int64)


def segment_any(mask: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Whether any element of each segment is ``True`` (``False`` for an empty segment)."""
    return _reduceat(np.logical_or, np.asarray(mask, dtype=bool), offsets, False, bool)


def segment_max(values: np.ndarray, offsets: np.ndarray, empty: Any = np.nan) -> np.ndarray:
    """Maximum of each segment; ``empty`` for an empty segment."""
    values = np.asarray(values)
    dtype = np.result_type(values.dtype, np.asarray(empty).dtype)
    return _reduceat(np.maximum, values, offsets, empty, dtype)


def segment_min(values: np.ndarray, offsets: np.ndarray, empty: Any = np.nan) -> np.ndarray:
    """Minimum of each segment; ``empty`` for an empty segment."""
    values = np.asarray(values)
    dtype = np.result_type(values.dtype, np.asarray(empty).dtype)
    return _reduceat(np.minimum, values, offsets, empty, dtype)


def segment_normalize(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Divide each element by its segment's sum (``float64``).

    A segment whose sum is 0 is returned as zeros (never NaN).
    """
    vals = np.asarray(values, dtype=np.float64)
    sums = segment_sum(vals, offsets)
    scale = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums != 0.0)
    out: np.ndarray = vals * broadcast(scale, offsets)
    return out


# --------------------------------------------------------------------------------------------
# positions
# --------------------------------------------------------------------------------------------


def segment_first(offsets: np.ndarray) -> np.ndarray:
    """Index of the first element of each segment, ``-1`` for an empty segment."""
    starts = offsets[:-1]
    return np.where(offsets[1:] > starts, starts, -1).astype(np.int64)


def segment_last(offsets: np.ndarray) -> np.ndarray:
    """Index of the last element of each segment, ``-1`` for an empty segment."""
    ends = offsets[1:]
    return np.where(ends > offsets[:-1], ends - 1, -1).astype(np.int64)


def position_in_segment(offsets: np.ndarray) -> np.ndarray:
    """0-based position of every element within its segment (``int64``)."""
    n = int(offsets[-1])
    out: np.ndarray = np.arange(n, dtype=np.int64) - np.repeat(offsets[:-1], np.diff(offsets))
    return out


def position_from_end(offsets: np.ndarray) -> np.ndarray:
    """0-based position of every element counted from its segment's end (last element → 0)."""
    n = int(offsets[-1])
    return np.repeat(offsets[1:] - 1, np.diff(offsets)) - np.arange(n, dtype=np.int64)


def segment_first_true(mask: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Index of the first ``True`` element of each segment, ``-1`` if there is none."""
    mask = np.asarray(mask, dtype=bool)
    n = mask.size
    idx = np.where(mask, np.arange(n, dtype=np.int64), n)
    first = _reduceat(np.minimum, idx, offsets, n, np.int64)
    return np.where(first < n, first, -1)


def segment_last_true(mask: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Index of the last ``True`` element of each segment, ``-1`` if there is none."""
    mask = np.asarray(mask, dtype=bool)
    idx = np.where(mask, np.arange(mask.size, dtype=np.int64), -1)
    return _reduceat(np.maximum, idx, offsets, -1, np.int64)


def segment_last_at_or_before(
    times: np.ndarray, offsets: np.ndarray, limits: np.ndarray
) -> np.ndarray:
    """Index of the last element with ``times <= limits[segment]``, ``-1`` if none.

    ``times`` need not be sorted within a segment: of the qualifying elements, the one with
    the highest index is returned.  A missing limit (``NaT``/NaN) qualifies nothing.
    """
    mask = times <= broadcast(limits, offsets)
    return segment_last_true(mask, offsets)


def segment_argmax(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Index of the first maximum of each segment, ``-1`` for an empty segment.

    ``values`` must not contain NaN.
    """
    values = np.asarray(values)
    n = values.size
    if n == 0:
        return np.full(offsets.size - 1, -1, dtype=np.int64)
    low = values.min()  # any value <= every element serves as the fill of empty segments
    maxima = segment_max(values, offsets, empty=low)
    return segment_first_true(values == broadcast(maxima, offsets), offsets)


# --------------------------------------------------------------------------------------------
# grouping
# --------------------------------------------------------------------------------------------


def group_sort(
    codes: np.ndarray, times: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stable order by (group code, time, input position), with the groups' CSR offsets.

    Parameters
    ----------
    codes : ndarray of int
        Group of each element, in ``[0, n_groups)``.
    times : ndarray of datetime64 or int64
        Sort key within a group (no NaT).
    n_groups : int
        Number of groups (groups without elements get empty segments).

    Returns
    -------
    order : ndarray of int64
        ``values[order]`` is grouped by code (ascending) and sorted by time within a group;
        ties keep their input order.
    offsets : ndarray of int64
        Length ``n_groups + 1``: group ``g`` is ``order[offsets[g]:offsets[g + 1]]``.
    sorted_times : ndarray
        ``times[order]`` (same dtype as ``times``).

    Notes
    -----
    No comparison sort of all ``n`` elements: the grouping is a counting sort (the COO → CSR
    conversion of :mod:`scipy.sparse`, O(n + n_groups); a canonical CSR row lists its column
    indices, here the input positions, in ascending order), and times are then sorted within
    each group (``sort_indices``, a per-row sort: O(n log k) for groups of size k).  Equal times
    in a group are put back in input order afterwards.  Input already in (code, time) order is
    detected and costs two passes.  On 6·10^6 shuffled elements in 10^6 groups this is about
    2.5× faster than one stable ``np.argsort`` of a composite key (``benchmarks/RESULTS.md``).
    """
    from scipy import sparse

    times = np.asarray(times)
    n = int(times.size)
    c = np.asarray(codes)
    if c.dtype.kind != "i":  # (unsigned differences would wrap around)
        c = c.astype(np.int64)
    t = times.view(np.int64) if times.dtype.kind == "M" else times.astype(np.int64, copy=False)
    if n == 0:
        return np.empty(0, np.int64), np.zeros(n_groups + 1, np.int64), times.copy()
    dk = np.diff(c)
    if bool(np.all(dk >= 0)) and bool(np.all((dk > 0) | (np.diff(t) >= 0))):
        # already sorted (common for exports): offsets from the counts
        offsets = np.zeros(n_groups + 1, dtype=np.int64)
        np.cumsum(np.bincount(c, minlength=n_groups), out=offsets[1:])
        return np.arange(n, dtype=np.int64), offsets, times.copy()
    tmin = int(t.min())
    # int32 coordinates when they fit (scipy would convert them to its index type anyway)
    small = max(n, n_groups) < 2**31 - 1
    itype = np.int32 if small else np.int64
    rows = np.arange(n, dtype=itype)
    grouped = sparse.coo_array(
        (t - tmin, (c.astype(itype, copy=False), rows)), shape=(n_groups, n)
    ).tocsr()
    offsets = grouped.indptr.astype(np.int64, copy=False)
    order = grouped.indices.astype(np.int64, copy=False)
    rel = grouped.data  # times - tmin, in grouped order
    inner = np.ones(n, dtype=bool)  # element continues the group of the one before
    inner[offsets[:-1][offsets[:-1] < n]] = False
    if bool(np.any((rel[1:] < rel[:-1]) & inner[1:])):
        by_time = sparse.csr_array((order, rel, offsets), shape=(n_groups, int(rel.max()) + 1))
        by_time.sort_indices()  # per-row sort of (time, position) pairs by time, in place
        order = by_time.data.astype(np.int64, copy=False)
        rel = by_time.indices
        tie = np.flatnonzero((rel[1:] == rel[:-1]) & inner[1:])
        if tie.size:
            # equal times within a group: restore input order inside each run of ties
            follows = np.zeros(n, dtype=bool)  # the element ties with the one before
            follows[tie + 1] = True
            in_run = follows.copy()
            in_run[tie] = True
            members = np.flatnonzero(in_run)  # positions in a run of equal (group, time)
            run = np.cumsum(~follows[members])  # a new run where a member follows none
            # by (run, input position): one sort of a combined key (distinct: any sort will do;
            # it fits in 64 bits below 2**31 elements)
            pick = (
                np.argsort(run.astype(np.int64) * n + order[members])
                if n < 2**31
                else np.lexsort((order[members], run))
            )
            order[members] = order[members][pick]
    sorted_times = rel.astype(np.int64, copy=False) + tmin
    return (
        order,
        offsets,
        sorted_times.view(times.dtype)
        if times.dtype.kind == "M"
        else sorted_times.astype(times.dtype, copy=False),
    )


def group_min(values: np.ndarray, groups: np.ndarray, n_groups: int, empty: Any) -> np.ndarray:
    """Per group (codes in ``[0, n_groups)``, any order): the smallest value; ``empty`` if none."""
    values = np.asarray(values)
    out = np.full(n_groups, empty, dtype=np.result_type(values.dtype, np.asarray(empty).dtype))
    np.minimum.at(out, np.asarray(groups, dtype=np.intp), values)
    return out


def group_max(values: np.ndarray, groups: np.ndarray, n_groups: int, empty: Any) -> np.ndarray:
    """Per group (codes in ``[0, n_groups)``, any order): the largest value; ``empty`` if none."""
    values = np.asarray(values)
    out = np.full(n_groups, empty, dtype=np.result_type(values.dtype, np.asarray(empty).dtype))
    np.maximum.at(out, np.asarray(groups, dtype=np.intp), values)
    return out


def group_sum(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group (codes in ``[0, n_groups)``, any order): the sum of its values (``float64``,
    0 for an empty group), added in (group, value) order so that the same values in any row
    order give the same bits (equal groups compare equal)."""
    values = np.asarray(values, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.intp)
    order = np.lexsort((values, groups))
    return np.bincount(groups[order], weights=values[order], minlength=n_groups)


#: up to this many groups, quantiles select per group instead of sorting everything
PARTITION_MAX_GROUPS = 256


def _sorted_within_groups(
    values: NDArray[np.int64], group: NDArray[np.int64], n: NDArray[np.int64], n_groups: int
) -> NDArray[np.int64]:
    """``values`` sorted by (group, value): one direct int64 sort of a combined key when it
    fits in int64 (the usual case), else a lexsort."""
    if values.size == 0:
        return values
    lo = int(values.min())
    span = int(values.max()) - lo + 1
    if span * n_groups < 2**62:
        key = group * span + (values - lo)
        key.sort()  # values only: stability is irrelevant
        return key - np.repeat(np.arange(n_groups, dtype=np.int64) * span - lo, n)
    return values[np.lexsort((values, group))]


def group_stats(
    values: NDArray[np.int64], group: NDArray[np.int64] | None, n_groups: int, qs: Sequence[float]
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Per-group count, mean and quantiles (linear interpolation) of int64 ``values``.

    ``group`` ``None``: one group of every value.  Few groups: an O(n) selection per group;
    many: one sort of a combined (group, value) key.

    Returns ``(n, mean, quantiles)`` with ``quantiles`` of shape ``(n_groups, len(qs))``;
    groups without values get ``nan``.
    """
    q = np.asarray(qs, dtype=np.float64)
    if group is None:
        n = np.array([values.size], dtype=np.int64)
        if values.size == 0:
            return n, np.array([np.nan]), np.full((1, q.size), np.nan)
        mean = np.array([values.mean(dtype=np.float64)])
        quant = np.quantile(values, q).astype(np.float64).reshape(1, -1)
        return n, mean, quant
    n = np.bincount(group, minlength=n_groups).astype(np.int64)
    sums = np.bincount(group, weights=values.astype(np.float64), minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, sums / np.maximum(n, 1), np.nan)
    starts = np.concatenate(([0], np.cumsum(n)[:-1]))
    quant = np.full((n_groups, q.size), np.nan)
    has = n > 0
    if n_groups <= PARTITION_MAX_GROUPS:
        # few groups: bucket by group with a radix sort of the small codes, then an O(n)
        # selection per group (a loop over groups, not over leads)
        order = np.argsort(group.astype(np.int16), kind="stable")
        bucketed = values[order]
        for g in np.flatnonzero(has):
            seg = bucketed[starts[g] : starts[g] + n[g]]
            pos = q * (n[g] - 1.0)
            lo = np.floor(pos).astype(np.int64)
            hi = np.minimum(lo + 1, n[g] - 1)
            part = np.partition(seg, np.unique(np.concatenate((lo, hi))))
            vlo = part[lo].astype(np.float64)
            quant[g] = vlo + (pos - lo) * (part[hi].astype(np.float64) - vlo)
        return n, mean, quant
    v = _sorted_within_groups(values, group, n, n_groups)
    if has.any():
        nn = n[has].astype(np.float64)
        st = starts[has]
        pos = q[None, :] * (nn[:, None] - 1.0)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, n[has][:, None] - 1)
        frac = pos - lo
        vlo = v[st[:, None] + lo].astype(np.float64)
        vhi = v[st[:, None] + hi].astype(np.float64)
        quant[has] = vlo + frac * (vhi - vlo)
    return n, mean, quant


def group_quantiles(
    values: np.ndarray, groups: np.ndarray, n_groups: int, qs: tuple[float, ...]
) -> list[np.ndarray]:
    """Per-group quantiles of int64 ``values`` (linear interpolation, as ``numpy.quantile``),
    one array per ``q``; NaN for empty groups (see :func:`group_stats`)."""
    _, _, quant = group_stats(
        np.asarray(values, dtype=np.int64), np.asarray(groups, dtype=np.int64), n_groups, qs
    )
    return [quant[:, i] for i in range(len(qs))]


# --------------------------------------------------------------------------------------------
# plain-Python twins (the definitions; used by the tests)
# --------------------------------------------------------------------------------------------


def _py_group_min(values: Sequence[Any], groups: Sequence[int], n: int, empty: Any) -> list[Any]:
    out = [empty] * n
    for v, g in zip(values, groups):
        out[g] = v if out[g] is empty or v < out[g] else out[g]
    return out


def _py_group_max(values: Sequence[Any], groups: Sequence[int], n: int, empty: Any) -> list[Any]:
    out = [empty] * n
    for v, g in zip(values, groups):
        out[g] = v if out[g] is empty or v > out[g] else out[g]
    return out


def _py_group_quantiles(
    values: Sequence[float], groups: Sequence[int], n: int, qs: Sequence[float]
) -> list[list[float]]:
    members: list[list[float]] = [[] for _ in range(n)]
    for v, g in zip(values, groups):
        members[g].append(float(v))
    out = []
    for q in qs:
        row = []
        for m in members:
            if not m:
                row.append(float("nan"))
                continue
            m = sorted(m)
            pos = (len(m) - 1) * q
            lo, hi = int(pos // 1), -int(-pos // 1)
            row.append(m[lo] + (m[hi] - m[lo]) * (pos - lo))
        out.append(row)
    return out


def _py_segments(offsets: Sequence[int]) -> list[range]:
    return [range(int(offsets[i]), int(offsets[i + 1])) for i in range(len(offsets) - 1)]


def _py_segment_ids(offsets: Sequence[int]) -> list[int]:
    return [i for i, seg in enumerate(_py_segments(offsets)) for _ in seg]


def _py_gather_segments(
    offsets: Sequence[int], which: Sequence[int]
) -> tuple[list[int], list[int]]:
    segs = _py_segments(offsets)
    sub = [0]
    index: list[int] = []
    for i in which:
        index.extend(segs[i])
        sub.append(len(index))
    return sub, index


def _py_segment_sum(values: Sequence[float], offsets: Sequence[int]) -> list[float]:
    return [float(sum(float(values[j]) for j in seg)) for seg in _py_segments(offsets)]


def _py_segment_count(mask: Sequence[bool], offsets: Sequence[int]) -> list[int]:
    return [sum(1 for j in seg if mask[j]) for seg in _py_segments(offsets)]


def _py_segment_any(mask: Sequence[bool], offsets: Sequence[int]) -> list[bool]:
    return [any(bool(mask[j]) for j in seg) for seg in _py_segments(offsets)]


def _py_segment_max(values: Sequence[Any], offsets: Sequence[int], empty: Any) -> list[Any]:
    return [max(values[j] for j in seg) if len(seg) else empty for seg in _py_segments(offsets)]


def _py_segment_min(values: Sequence[Any], offsets: Sequence[int], empty: Any) -> list[Any]:
    return [min(values[j] for j in seg) if len(seg) else empty for seg in _py_segments(offsets)]


def _py_segment_normalize(values: Sequence[float], offsets: Sequence[int]) -> list[float]:
    out: list[float] = []
    for seg in _py_segments(offsets):
        total = sum(float(values[j]) for j in seg)
        out.extend(float(values[j]) / total if total != 0 else 0.0 for j in seg)
    return out


def _py_segment_first(offsets: Sequence[int]) -> list[int]:
    return [seg[0] if len(seg) else -1 for seg in _py_segments(offsets)]


def _py_segment_last(offsets: Sequence[int]) -> list[int]:
    return [seg[-1] if len(seg) else -1 for seg in _py_segments(offsets)]


def _py_position_in_segment(offsets: Sequence[int]) -> list[int]:
    return [k for seg in _py_segments(offsets) for k in range(len(seg))]


def _py_position_from_end(offsets: Sequence[int]) -> list[int]:
    return [len(seg) - 1 - k for seg in _py_segments(offsets) for k in range(len(seg))]


def _py_segment_first_true(mask: Sequence[bool], offsets: Sequence[int]) -> list[int]:
    return [next((j for j in seg if mask[j]), -1) for seg in _py_segments(offsets)]


def _py_segment_last_true(mask: Sequence[bool], offsets: Sequence[int]) -> list[int]:
    return [next((j for j in reversed(seg) if mask[j]), -1) for seg in _py_segments(offsets)]


def _py_segment_last_at_or_before(
    times: Sequence[Any], offsets: Sequence[int], limits: Sequence[Any]
) -> list[int]:
    out = []
    for i, seg in enumerate(_py_segments(offsets)):
        found = -1
        for j in seg:
            if bool(times[j] <= limits[i]):
                found = j
        out.append(found)
    return out


def _py_segment_argmax(values: Sequence[Any], offsets: Sequence[int]) -> list[int]:
    out = []
    for seg in _py_segments(offsets):
        best = -1
        for j in seg:
            if best < 0 or values[j] > values[best]:
                best = j
        out.append(best)
    return out


def _py_group_sort(
    codes: Sequence[int], times: Sequence[Any], n_groups: int
) -> tuple[list[int], list[int], list[Any]]:
    order = sorted(range(len(codes)), key=lambda i: (codes[i], times[i], i))
    offsets = [0]
    for g in range(n_groups):
        offsets.append(offsets[-1] + sum(1 for k in codes if k == g))
    return order, offsets, [times[i] for i in order]


def stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for non-negative integer keys (:func:`lex_order`)."""
    return lex_order((keys,))


def lex_order(keys: Sequence[np.ndarray]) -> np.ndarray:
    """``np.lexsort(keys)`` for non-negative integer (or bool) keys: the last key is the primary.

    When the keys' bits and the row index's fit in 63 bits, the keys are packed into one int64
    above the row index and the values sorted (unique values: the index bits are the stable
    order).  When only the keys fit, their packed values are argsorted and the rows of equal
    values put back in index order.  Otherwise, :func:`_radix_order`.
    """
    if not keys:
        return np.zeros(0, dtype=np.intp)
    n = keys[0].size
    bits = [int(key.max()).bit_length() if n else 0 for key in keys]
    index_bits = (n - 1).bit_length() if n else 0
    if sum(bits) + index_bits <= 63:
        packed = _packed(keys, bits, np.arange(n, dtype=np.int64), index_bits)
        sort_words(packed)
        packed &= (1 << index_bits) - 1
        return packed.astype(np.intp, copy=False)
    if sum(bits) <= 63:
        packed = _packed(keys, bits, np.zeros(n, dtype=np.int64), 0)
        order = np.argsort(packed, kind="quicksort")
        return _ties_by_index(order, packed[order])
    return _radix_order(keys)


def _packed(keys: Sequence[np.ndarray], bits: list[int], out: np.ndarray, shift: int) -> np.ndarray:
    """``keys`` (the first least significant) or'ed into int64 ``out`` from bit ``shift`` up."""
    for key, b in zip(keys, bits):  # (a loop over the keys)
        out |= key.astype(np.int64) << shift
        shift += b
    return out


def _ties_by_index(order: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """``order`` (of sorted values ``ordered``) with each run of equal values in index order."""
    tie = ordered[1:] == ordered[:-1]
    if not tie.any():
        return order
    member = np.zeros(order.size, dtype=bool)  # the rows of a run of equal values
    member[1:] = tie
    member[:-1] |= tie
    slots = np.flatnonzero(member)
    run = np.zeros(order.size, dtype=np.int64)
    np.cumsum(~tie, out=run[1:])
    rows = order[slots]
    order[slots] = rows[lex_order((rows, run[slots]))]  # (the runs keep their slots)
    return order


def _radix_order(keys: Sequence[np.ndarray]) -> np.ndarray:
    """:func:`lex_order` least significant digit first: a stable pass per 16-bit digit of each
    key (numpy sorts 16-bit keys by radix), instead of a merge sort per key."""
    order: np.ndarray | None = None
    for key in keys:  # (a loop over the keys and their digits: a few passes)
        top = int(key.max()) if key.size else 0
        digit = key if order is None else key[order]
        shift = 0
        while True:
            step = np.argsort((digit >> shift if shift else digit).astype(np.uint16), kind="stable")
            order = step if order is None else order[step]
            shift += 16
            if top >> shift == 0:
                break
            digit = digit[step]
    if order is None:
        return np.zeros(0, dtype=np.intp)
    return order


def take_rows(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]`` for integer positions: a long index gathered in two halves on two
    threads (numpy's gather of numbers releases the GIL; the result is the same array).

    Object arrays, subclasses, tables of more than one dimension and other indexes are
    indexed as they are.  The positions are checked once (numpy's ``take`` into ``out``
    otherwise gathers into a temporary copy to check them: 40% slower, and a new array as
    large as the result)."""
    if (
        type(values) is not np.ndarray
        or values.dtype.kind == "O"
        or values.ndim != 1
        or index.ndim != 1
        or index.dtype.kind not in "iu"
    ):
        out: np.ndarray = values[index]
        return out
    if index.size and not -values.size <= int(index.min()) <= int(index.max()) < values.size:
        out = values[index]  # (raises numpy's IndexError, naming the position)
        return out
    taken = np.empty(index.size, dtype=values.dtype)

    def part(lo: int, hi: int) -> None:  # ("wrap": positions checked above; "raise" copies)
        np.take(values, index[lo:hi], out=taken[lo:hi], mode="wrap")

    split_rows(part, index.size)
    return taken


def sorted_unique(values: np.ndarray, bound: int | None = None) -> np.ndarray:
    """The distinct values of a flat integer, bool or text array, ascending (``np.unique``).

    ``np.unique`` without ``return_*`` finds distinct values with a hash table since numpy 2.3,
    which is 10-15 times slower than one sort when most values are distinct (5 s against 0.4 s
    for 6·10^6 journey-channel keys).  This sorts, or, for integer codes known to lie in
    ``[0, bound)`` with ``bound`` at most four times the array's length, marks them in a table.
    Other dtypes (floats and instants, whose NaN/NaT ``np.unique`` merges) go to ``np.unique``.
    """
    a = np.asarray(values)
    if a.ndim != 1 or a.dtype.kind not in "biuUS":
        out: np.ndarray = np.unique(a)
        return out
    top = 0 if bound is None or a.dtype.kind not in "iu" else int(bound)
    if a.size and 0 < top <= 4 * a.size + 1024 and 0 <= int(a.min()) and int(a.max()) < top:
        seen = np.zeros(top, dtype=bool)
        seen[a] = True
        return np.flatnonzero(seen).astype(a.dtype, copy=False)
    s = np.sort(a)
    if s.size < 2:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def _py_sorted_unique(values: Sequence[Any]) -> list[Any]:
    return sorted(set(values))
