"""The Markov kernel split in a counting step and a solve step (used per partition by Dask)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignment.attribution._markov import markov_counts, markov_removal_effects, markov_solve

from ._datadriven_helpers import Path, make_journeys, paths_strategy


def _arrays(paths: list[Path]) -> tuple[np.ndarray, ...]:
    j = make_journeys(paths)
    return (
        np.asarray(j.offsets),
        np.asarray(j.channel.codes),
        np.asarray(j.conversions, dtype=np.float64),
        np.asarray(j.non_conversions, dtype=np.float64),
        np.asarray(j.revenue, dtype=np.float64),
        np.asarray([str(c) for c in j.channel.categories], dtype=object),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paths_strategy(), st.integers(1, 3), st.booleans())
def test_counts_then_solve_is_removal_effects(
    paths: list[Path], order: int, collapse: bool
) -> None:
    offsets, codes, conv, non, rev, names = _arrays(paths)
    k = names.size
    whole = markov_removal_effects(
        offsets, codes, k, conv, non, rev, order=order, collapse_repeats=collapse
    )
    chain = markov_counts(offsets, codes, k, conv, non, rev, order=order, collapse_repeats=collapse)
    fit = markov_solve(
        chain.counts,
        chain.value_in,
        chain.state_channels,
        k,
        [str(c) for c in range(k)],
        total_conversions=chain.total_conversions,
        total_revenue=chain.total_revenue,
        n_paths=chain.n_paths,
    )
    assert fit.states == whole.states
    assert fit.conversion_probability == whole.conversion_probability
    assert fit.expected_value == whole.expected_value
    np.testing.assert_array_equal(fit.removal_effects, whole.removal_effects)
    np.testing.assert_array_equal(fit.removal_effects_value, whole.removal_effects_value)
    assert (fit.total_conversions, fit.total_revenue, fit.n_paths) == (
        whole.total_conversions,
        whole.total_revenue,
        whole.n_paths,
    )


def test_counts_are_additive_over_journeys() -> None:
    """Counts of two halves with the same states sum to the counts of the whole."""
    paths: list[Path] = [
        (["a", "b"], 1.0, 0.0, 10.0),
        (["b"], 0.0, 1.0, 0.0),
        (["a", "b"], 0.0, 1.0, 0.0),
        (["b"], 1.0, 0.0, 5.0),
    ]
    offsets, codes, conv, non, rev, names = _arrays(paths)
    whole = markov_counts(offsets, codes, names.size, conv, non, rev)
    parts = []
    for half in (paths[:2], paths[2:]):
        o, c, cv, nc, rv, _ = _arrays(half)
        parts.append(markov_counts(o, c, names.size, cv, nc, rv))
    assert all(p.state_channels == whole.state_channels for p in parts)
    np.testing.assert_allclose(parts[0].counts + parts[1].counts, whole.counts)
    np.testing.assert_allclose(parts[0].value_in + parts[1].value_in, whole.value_in)
    assert parts[0].total_revenue + parts[1].total_revenue == whole.total_revenue


def test_solve_accepts_sparse_counts() -> None:
    pytest.importorskip("scipy")
    from scipy import sparse

    offsets, codes, conv, non, rev, names = _arrays(
        [(["a", "b"], 1.0, 0.0, 10.0), (["b", "a"], 0.0, 1.0, 0.0)]
    )
    chain = markov_counts(offsets, codes, names.size, conv, non, rev)
    dense = markov_solve(chain.counts, chain.value_in, chain.state_channels, 2, ["a", "b"])
    sp = markov_solve(
        sparse.coo_array(chain.counts), chain.value_in, chain.state_channels, 2, ["a", "b"]
    )
    assert isinstance(sp.counts, np.ndarray)
    np.testing.assert_array_equal(sp.removal_effects, dense.removal_effects)
