"""Oracle tests: every kernel of alignment._segments against its plain-Python twin."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _segments as seg


@st.composite
def segmented(draw: st.DrawFn, max_segments: int = 12, max_len: int = 6) -> tuple:
    lengths = draw(st.lists(st.integers(0, max_len), min_size=0, max_size=max_segments))
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64)
    n = int(offsets[-1])
    values = np.array(draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)), dtype=np.float64)
    mask = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    return offsets, values, mask


def _random_case(rng: np.random.Generator, n_seg: int) -> tuple:
    lengths = rng.integers(0, 8, size=n_seg)
    lengths[rng.random(n_seg) < 0.2] = 0
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    n = int(offsets[-1])
    return offsets, rng.integers(-5, 6, size=n).astype(np.float64), rng.random(n) < 0.4


def _check_all(offsets: np.ndarray, values: np.ndarray, mask: np.ndarray) -> None:
    off = offsets.tolist()
    vals = values.tolist()
    msk = mask.tolist()
    assert seg.segment_ids(offsets).tolist() == seg._py_segment_ids(off)
    np.testing.assert_allclose(seg.segment_sum(values, offsets), seg._py_segment_sum(vals, off))
    assert seg.segment_count(mask, offsets).tolist() == seg._py_segment_count(msk, off)
    assert seg.segment_any(mask, offsets).tolist() == seg._py_segment_any(msk, off)
    np.testing.assert_array_equal(
        seg.segment_max(values, offsets, empty=-99.0), seg._py_segment_max(vals, off, -99.0)
    )
    np.testing.assert_array_equal(
        seg.segment_min(values, offsets, empty=99.0), seg._py_segment_min(vals, off, 99.0)
    )
    np.testing.assert_allclose(
        seg.segment_normalize(values, offsets), seg._py_segment_normalize(vals, off), atol=1e-12
    )
    assert seg.segment_first(offsets).tolist() == seg._py_segment_first(off)
    assert seg.segment_last(offsets).tolist() == seg._py_segment_last(off)
    assert seg.position_in_segment(offsets).tolist() == seg._py_position_in_segment(off)
    assert seg.position_from_end(offsets).tolist() == seg._py_position_from_end(off)
    assert seg.segment_first_true(mask, offsets).tolist() == seg._py_segment_first_true(msk, off)
    assert seg.segment_last_true(mask, offsets).tolist() == seg._py_segment_last_true(msk, off)
    assert seg.segment_argmax(values, offsets).tolist() == seg._py_segment_argmax(vals, off)
    limits = np.linspace(-3, 3, offsets.size - 1)
    assert seg.segment_last_at_or_before(values, offsets, limits).tolist() == (
        seg._py_segment_last_at_or_before(vals, off, limits.tolist())
    )
    which = np.flatnonzero(mask[: offsets.size - 1]) if offsets.size > 1 else np.array([], int)
    sub, index = seg.gather_segments(offsets, which)
    py_sub, py_index = seg._py_gather_segments(off, which.tolist())
    assert sub.tolist() == py_sub and index.tolist() == py_index
    per = np.arange(offsets.size - 1, dtype=np.float64)
    assert seg.broadcast(per, offsets).tolist() == [per[i] for i in seg._py_segment_ids(off)]


@settings(max_examples=80, deadline=None)
@given(segmented())
def test_kernels_match_twins_hypothesis(case: tuple) -> None:
    _check_all(*case)


@pytest.mark.parametrize("n_seg", [0, 1, 5, 2000])
def test_kernels_match_twins_seeded(n_seg: int) -> None:
    _check_all(*_random_case(np.random.default_rng(n_seg), n_seg))


def test_only_empty_segments_and_trailing_empties() -> None:
    offsets = np.array([0, 0, 0, 0], dtype=np.int64)
    _check_all(offsets, np.empty(0), np.empty(0, dtype=bool))
    offsets = np.array([0, 2, 2, 3, 3, 3], dtype=np.int64)
    _check_all(offsets, np.array([1.0, 5.0, 2.0]), np.array([True, False, True]))
    assert seg.segment_sum(np.array([1.0, 5.0, 2.0]), offsets).tolist() == [6, 0, 2, 0, 0]


def test_one_element_segments() -> None:
    offsets = np.arange(6, dtype=np.int64)
    values = np.array([3.0, -1.0, 0.0, 2.0, 7.0])
    _check_all(offsets, values, values > 0)
    np.testing.assert_array_equal(seg.segment_normalize(values, offsets), [1, 1, 0, 1, 1])


def test_datetime_kernels() -> None:
    t = np.array(["2024-01-01", "2024-01-03", "2024-01-02"], dtype="datetime64[us]")
    offsets = np.array([0, 2, 2, 3], dtype=np.int64)
    limits = np.array(["2024-01-02", "NaT", "2024-01-02"], dtype="datetime64[us]")
    assert seg.segment_last_at_or_before(t, offsets, limits).tolist() == [0, -1, 2]
    assert seg.segment_argmax(t, offsets).tolist() == [1, -1, 2]


def test_large_sum_is_exact_for_integers() -> None:
    rng = np.random.default_rng(7)
    offsets, _, _ = _random_case(rng, 100_000)
    ones = np.ones(int(offsets[-1]))
    np.testing.assert_array_equal(seg.segment_sum(ones, offsets), np.diff(offsets))


@pytest.mark.parametrize(
    "offsets", [[1, 2], [0, 3, 2], [[0, 1]], []], ids=["start", "decreasing", "2d", "empty"]
)
def test_check_offsets_rejects(offsets: list) -> None:
    with pytest.raises(ValueError):
        seg.check_offsets(offsets)


def test_check_offsets_length() -> None:
    assert seg.check_offsets([0, 1, 3], 3).dtype == np.int64
    with pytest.raises(ValueError):
        seg.check_offsets([0, 1, 3], 4)


# --------------------------------------------------------------------------------- group_sort


def _check_group_sort(codes: np.ndarray, times: np.ndarray, n_groups: int) -> None:
    before = (codes.copy(), times.copy())
    order, offsets, sorted_times = seg.group_sort(codes, times, n_groups)
    p_order, p_offsets, p_times = seg._py_group_sort(codes.tolist(), times.tolist(), n_groups)
    assert order.dtype == np.int64 and offsets.dtype == np.int64
    assert order.tolist() == p_order
    assert offsets.tolist() == p_offsets
    assert sorted_times.dtype == times.dtype
    assert sorted_times.tolist() == p_times
    np.testing.assert_array_equal(codes, before[0])  # inputs are not mutated
    np.testing.assert_array_equal(times, before[1])


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda g: st.tuples(
            st.just(g),
            st.lists(st.tuples(st.integers(0, g - 1), st.integers(-3, 3)), max_size=40),
        )
    )
)
def test_group_sort_matches_twin_hypothesis(case: tuple) -> None:
    """Few distinct times: many ties, which must keep their input order."""
    n_groups, pairs = case
    codes = np.array([p[0] for p in pairs], dtype=np.int64)
    times = np.array([p[1] for p in pairs], dtype=np.int64)
    _check_group_sort(codes, times, n_groups)


@pytest.mark.parametrize("seed", range(5))
def test_group_sort_matches_twin_seeded(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, g = 3000, 400
    codes = rng.integers(0, g, n)
    t0 = np.datetime64("2024-01-01T00:00:00", "us")
    times = t0 + rng.integers(0, 10**13, n).astype("timedelta64[us]")
    times[rng.random(n) < 0.1] = t0  # ties at one instant
    _check_group_sort(codes, times, g + 3)  # trailing empty groups


def test_group_sort_presorted_and_grouped_only_inputs() -> None:
    codes = np.array([0, 0, 1, 1, 1, 3])
    times = np.array([1, 5, 2, 2, 9, 0])
    order, offsets, sorted_times = seg.group_sort(codes, times, 4)  # already in order
    assert order.tolist() == list(range(6))
    assert offsets.tolist() == [0, 2, 5, 5, 6]
    assert sorted_times.tolist() == times.tolist()
    # grouped but times unsorted within a group; then ungrouped with sorted times
    _check_group_sort(np.array([0, 0, 1, 1]), np.array([5, 1, 3, 3]), 2)
    _check_group_sort(np.array([1, 0, 1, 0]), np.array([1, 2, 3, 4]), 2)
    _check_group_sort(np.array([], dtype=np.int64), np.array([], dtype=np.int64), 3)


def test_group_sort_equals_lexsort_on_a_large_shuffled_case() -> None:
    rng = np.random.default_rng(7)
    n, g = 200_000, 30_000
    codes = rng.integers(0, g, n)
    times = rng.integers(0, 50, n) * 1_000_000  # many ties within a group
    order, offsets, sorted_times = seg.group_sort(codes, times, g)
    expected = np.lexsort((np.arange(n), times, codes))
    np.testing.assert_array_equal(order, expected)
    np.testing.assert_array_equal(sorted_times, times[expected])
    np.testing.assert_array_equal(np.diff(offsets), np.bincount(codes, minlength=g))


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.integers(0, 40), max_size=60),
    kind=st.sampled_from(["int64", "uint32", "int8", "str", "bool"]),
    bounded=st.booleans(),
)
def test_sorted_unique_matches_twin(values: list[int], kind: str, bounded: bool) -> None:
    if kind == "str":
        a = np.array([f"k{v}" for v in values], dtype=str)
    elif kind == "bool":
        a = np.array([v % 2 == 0 for v in values], dtype=bool)
    else:
        a = np.array(values, dtype=kind)
    bound = 41 if bounded and kind not in ("str", "bool") else None
    before = a.copy()
    got = seg.sorted_unique(a, bound=bound)
    assert got.tolist() == seg._py_sorted_unique(a.tolist())
    assert got.dtype == a.dtype
    np.testing.assert_array_equal(a, before)  # the input is not sorted in place
    np.testing.assert_array_equal(got, np.unique(a))


def test_sorted_unique_other_dtypes_as_numpy() -> None:
    """Floats and instants keep ``np.unique``'s meaning: one NaN, one NaT."""
    f = np.array([2.0, np.nan, 1.0, np.nan, 2.0])
    np.testing.assert_array_equal(seg.sorted_unique(f), np.array([1.0, 2.0, np.nan]))
    t = np.array(["2024-01-02", "NaT", "2024-01-01", "NaT"], dtype="datetime64[s]")
    assert seg.sorted_unique(t).tolist() == np.unique(t).tolist()
    assert seg.sorted_unique(t).size == 3
    big = np.random.default_rng(0).integers(0, 10**12, 5000)
    np.testing.assert_array_equal(seg.sorted_unique(big), np.unique(big))
    codes = np.random.default_rng(1).integers(0, 900, 5000)
    np.testing.assert_array_equal(seg.sorted_unique(codes, bound=900), np.unique(codes))


def test_sorted_unique_codes_outside_the_bound_are_sorted() -> None:
    """A ``bound`` the values do not keep is no presence table's (never wrapped around)."""
    a = np.array([-1, 2, 7, 2], dtype=np.int64)
    assert seg.sorted_unique(a, bound=5).tolist() == [-1, 2, 7]
