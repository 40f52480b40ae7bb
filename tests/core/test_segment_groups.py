"""The group reductions of alignment._segments against their plain-Python twins."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _segments as seg

rows = st.lists(st.tuples(st.integers(0, 5), st.integers(-(10**6), 10**6)), min_size=0, max_size=60)


@settings(max_examples=60, deadline=None)
@given(data=rows, n_extra=st.integers(0, 3))
def test_group_min_max_match_the_twins(data: list[tuple[int, int]], n_extra: int) -> None:
    groups = [g for g, _ in data]
    values = [v for _, v in data]
    n = (max(groups) + 1 if groups else 0) + n_extra
    g, v = np.array(groups, dtype=np.int64), np.array(values, dtype=np.int64)
    big = np.iinfo(np.int64).max
    assert seg.group_min(v, g, n, big).tolist() == seg._py_group_min(values, groups, n, big)
    assert seg.group_max(v, g, n, -big).tolist() == seg._py_group_max(values, groups, n, -big)
    perm = np.random.default_rng(len(data)).permutation(len(data))
    assert seg.group_min(v[perm], g[perm], n, big).tolist() == seg.group_min(v, g, n, big).tolist()


@settings(max_examples=60, deadline=None)
@given(data=rows, many=st.booleans())
def test_group_quantiles_match_the_twin(data: list[tuple[int, int]], many: bool) -> None:
    groups = [g * (60 if many else 1) for g, _ in data]  # many groups: the sort path
    values = [v for _, v in data]
    n = max(groups) + 2 if groups else 1
    qs = (0.0, 0.5, 0.9, 1.0)
    got = seg.group_quantiles(np.array(values), np.array(groups), n, qs)
    want = seg._py_group_quantiles(values, groups, n, qs)
    for a, b in zip(got, want):
        for x, y in zip(a.tolist(), b):
            assert (math.isnan(x) and math.isnan(y)) or math.isclose(
                x, y, rel_tol=1e-12, abs_tol=1e-9
            )
