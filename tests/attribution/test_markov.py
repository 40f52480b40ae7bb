"""Markov removal-effect attribution: kernel vs plain-Python twin, worked examples, edge cases."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignment.attribution import _markov_chain as M
from alignment.attribution._markov import MarkovAttribution, markov_removal_effects
from alignment.errors import ParameterError

from ._datadriven_helpers import (
    Path,
    make_journeys,
    paths_strategy,
    random_paths,
    total_conversions,
    total_revenue,
)


def _twin_credit(paths: list[Path], **kw: object) -> tuple[dict[str, float], dict[str, float]]:
    tw = M._py_markov(paths, **kw)  # type: ignore[arg-type]
    total = sum(tw["re"].values(), Fraction(0))
    conv = {c: float(r / total * tw["conversions"]) if total else 0.0 for c, r in tw["re"].items()}
    rev = {c: float(r / total * tw["revenue"]) if total else 0.0 for c, r in tw["re"].items()}
    return conv, rev


def _assert_matches_twin(paths: list[Path], order: int, collapse: bool) -> None:
    credit = MarkovAttribution(order=order, collapse_repeats=collapse).channel_credit(
        make_journeys(paths)
    )
    tw = M._py_markov(paths, order=order, collapse_repeats=collapse)
    d = credit.details
    assert d["conversion_probability"] == pytest.approx(float(tw["p"]), abs=1e-12)
    assert d["expected_value"] == pytest.approx(float(tw["v"]), rel=1e-9, abs=1e-9)
    for ch, re in d["removal_effects"].items():
        assert re == pytest.approx(float(tw["re"].get(ch, 0)), abs=1e-9), ch
    for ch, re in d["removal_effects_value"].items():
        assert re == pytest.approx(float(tw["re_value"].get(ch, 0)), abs=1e-9), ch
    conv, rev = _twin_credit(paths, order=order, collapse_repeats=collapse)
    for ch in credit.conversions:
        assert credit.conversions[ch] == pytest.approx(conv.get(ch, 0.0), rel=1e-9, abs=1e-9)
        assert credit.revenue[ch] == pytest.approx(rev.get(ch, 0.0), rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------------------- worked examples

HAND = [(["A", "B"], 1.0, 0.0, 100.0), (["A"], 0.0, 1.0, 0.0), (["B"], 1.0, 0.0, 50.0)]
ORDER2 = [
    (["a", "b", "c"], 1.0, 0.0, 30.0),
    (["b", "c"], 0.0, 1.0, 0.0),
    (["a", "c"], 1.0, 0.0, 60.0),
]


def test_hand_example_order_1() -> None:
    """docs/attribution/markov.md, example 1."""
    credit = MarkovAttribution().channel_credit(make_journeys(HAND))
    d = credit.details
    assert d["conversion_probability"] == pytest.approx(2 / 3)
    assert d["removal_effects"] == pytest.approx({"A": 0.5, "B": 1.0})
    assert credit.conversions == pytest.approx({"A": 2 / 3, "B": 4 / 3})
    assert credit.revenue == pytest.approx({"A": 50.0, "B": 100.0})
    assert d["states"] == ["(start)", "A", "B", "(conversion)", "(null)"]
    expected = np.array(
        [
            [0, 2 / 3, 1 / 3, 0, 0],
            [0, 0, 1 / 2, 0, 1 / 2],
            [0, 0, 0, 1, 0],
            [0, 0, 0, 1, 0],
            [0, 0, 0, 0, 1],
        ]
    )
    np.testing.assert_allclose(d["transition_matrix"], expected)


def test_hand_example_order_2_and_order_1() -> None:
    """docs/attribution/markov.md, example 2: the same data under order 1 and order 2."""
    c2 = MarkovAttribution(order=2).channel_credit(make_journeys(ORDER2))
    assert c2.details["conversion_probability"] == pytest.approx(2 / 3)
    assert c2.details["removal_effects"] == pytest.approx({"a": 0.75, "b": 0.5, "c": 1.0})
    assert c2.conversions == pytest.approx({"a": 2 / 3, "b": 4 / 9, "c": 8 / 9})
    assert c2.revenue == pytest.approx({"a": 30.0, "b": 20.0, "c": 40.0})
    assert set(c2.details["states"]) == {
        "(start)", "a", "b", "a > b", "a > c", "b > c", "(conversion)", "(null)",
    }  # fmt: skip
    c1 = MarkovAttribution(order=1).channel_credit(make_journeys(ORDER2))
    assert c1.details["removal_effects"] == pytest.approx({"a": 2 / 3, "b": 2 / 3, "c": 1.0})
    assert c1.revenue == pytest.approx({"a": 90 * 2 / 7, "b": 90 * 2 / 7, "c": 90 * 3 / 7})


@pytest.mark.parametrize("collapse", [True, False])
def test_order_beyond_the_longest_journey_is_that_length(collapse: bool) -> None:
    """No touch has more history than its journey: any order from the longest journey's
    length up gives the same chain (an order such as 2**62 looped that many times)."""
    journeys = make_journeys(ORDER2)  # longest journey: 3 touches
    want = MarkovAttribution(order=3, collapse_repeats=collapse).channel_credit(journeys)
    for order in (4, 2**62, 10**6):
        got = MarkovAttribution(order=order, collapse_repeats=collapse).channel_credit(journeys)
        assert got.revenue == want.revenue and got.conversions == want.conversions
        assert set(got.details["states"]) == set(want.details["states"])
        assert got.details["removal_effects"] == want.details["removal_effects"]


def test_value_basis_differs_from_conversion_basis() -> None:
    paths = [(["a"], 1.0, 1.0, 1000.0), (["b"], 1.0, 0.0, 10.0)]
    j = make_journeys(paths)
    by_conv = MarkovAttribution().channel_credit(j)
    by_value = MarkovAttribution(revenue_basis="value").channel_credit(j)
    # separate paths: conversion basis splits revenue by conversions (RE = 1 each),
    # value basis by the value each channel's paths carry (RE = 1000/1010 and 10/1010)
    assert by_conv.revenue == pytest.approx({"a": 505.0, "b": 505.0})
    assert by_value.revenue == pytest.approx({"a": 1000.0, "b": 10.0})
    # a shared path makes the value chain differ
    paths = [(["a", "b"], 1.0, 0.0, 1000.0), (["b"], 1.0, 1.0, 10.0), (["a"], 0.0, 1.0, 0.0)]
    j = make_journeys(paths)
    tw = M._py_markov(paths)
    rv = {c: float(x) for c, x in tw["re_value"].items()}
    total = sum(rv.values())
    credit = MarkovAttribution(revenue_basis="value").channel_credit(j)
    assert credit.revenue == pytest.approx({c: x / total * 1010.0 for c, x in rv.items()})
    assert credit.conversions == pytest.approx(MarkovAttribution().channel_credit(j).conversions)


# ------------------------------------------------------------------------------- twin oracle


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(("order", "collapse"), [(1, True), (1, False), (2, True), (3, False)])
def test_matches_twin_seeded(seed: int, order: int, collapse: bool) -> None:
    rng = np.random.default_rng(seed)
    paths = random_paths(rng, int(rng.integers(1, 15)), int(rng.integers(1, 5)))
    if not any(p[0] for p in paths):
        paths.append((["c0"], 1.0, 0.0, 5.0))
    _assert_matches_twin(paths, order, collapse)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paths=paths_strategy(), order=st.integers(1, 3), collapse=st.booleans())
def test_matches_twin_hypothesis(paths: list[Path], order: int, collapse: bool) -> None:
    if not any(p[0] for p in paths):
        paths = [*paths, (["a"], 0.0, 1.0, 0.0)]
    _assert_matches_twin(paths, order, collapse)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("switch", ["_DENSE_MAX_NODES", "_DENSE_SOLVE_MAX"])
def test_sparse_solver_matches_dense(
    seed: int, switch: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(100 + seed)
    paths = random_paths(rng, 40, 5, max_len=6, allow_empty=False)
    j = make_journeys(paths)
    dense = MarkovAttribution(order=2).channel_credit(j)
    assert isinstance(dense.details["transition_matrix"], np.ndarray)
    monkeypatch.setattr(M, switch, 0)
    sparse = MarkovAttribution(order=2).channel_credit(j)
    assert sparse.conversions == pytest.approx(dense.conversions, rel=1e-9)
    assert sparse.revenue == pytest.approx(dense.revenue, rel=1e-9)
    assert sparse.details["removal_effects"] == pytest.approx(
        dense.details["removal_effects"], abs=1e-12
    )
    mat = sparse.details["transition_matrix"]
    mat = mat if isinstance(mat, np.ndarray) else mat.toarray()
    np.testing.assert_allclose(mat, dense.details["transition_matrix"], atol=1e-12)
    _assert_matches_twin(paths, 2, True)


def test_large_state_codes_use_unique_paths() -> None:
    """Orders whose state codes exceed the lookup table / int64 go through np.unique."""
    rng = np.random.default_rng(7)
    paths = random_paths(rng, 8, 12, max_len=6, allow_empty=False)
    _assert_matches_twin(paths, 7, False)  # 13**7 > 2**22: np.unique on codes
    many = [([f"k{c}" for c in p[0]], p[1], p[2], p[3]) for p in paths]
    channels = [f"kc{c}" for c in range(40)]  # 41**12 >= 2**62: unique rows
    j = make_journeys(many, channels=channels)
    credit = MarkovAttribution(order=12, collapse_repeats=False).channel_credit(j)
    tw = M._py_markov(many, order=12, collapse_repeats=False)
    assert credit.details["conversion_probability"] == pytest.approx(float(tw["p"]))
    for ch, re in tw["re"].items():
        assert credit.details["removal_effects"][ch] == pytest.approx(float(re), abs=1e-9)


# ------------------------------------------------------------------------------ properties


@settings(max_examples=40, deadline=None)
@given(
    paths=paths_strategy(),
    order=st.integers(1, 3),
    basis=st.sampled_from(["conversions", "value"]),
)
def test_credit_sums_to_totals(paths: list[Path], order: int, basis: str) -> None:
    model = MarkovAttribution(order=order, revenue_basis=basis)  # type: ignore[arg-type]
    credit = model.channel_credit(make_journeys(paths))
    conv, rev = total_conversions(paths), total_revenue(paths)
    assert sum(credit.conversions.values()) == pytest.approx(conv, rel=1e-9, abs=1e-9)
    assert sum(credit.revenue.values()) == pytest.approx(rev, rel=1e-9, abs=1e-9)
    assert all(v >= 0 for v in credit.revenue.values())
    n_paths = sum(p[1] + p[2] for p in paths if p[0])
    # the fitted chain reproduces the observed conversion rate exactly
    expected_p = conv / n_paths if n_paths else 0.0
    assert credit.details["conversion_probability"] == pytest.approx(expected_p, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(paths=paths_strategy(), seed=st.integers(0, 2**32 - 1))
def test_row_order_invariance_and_determinism(paths: list[Path], seed: int) -> None:
    perm = np.random.default_rng(seed).permutation(len(paths))
    shuffled = [paths[i] for i in perm]
    a = MarkovAttribution(order=2).channel_credit(make_journeys(paths))
    b = MarkovAttribution(order=2).channel_credit(make_journeys(shuffled))
    c = MarkovAttribution(order=2).channel_credit(make_journeys(paths))
    assert a.revenue == pytest.approx(b.revenue, rel=1e-9, abs=1e-9)
    assert a.conversions == pytest.approx(b.conversions, rel=1e-9, abs=1e-9)
    assert a.revenue == c.revenue  # bit-for-bit reproducible


@settings(max_examples=30, deadline=None)
@given(paths=paths_strategy())
def test_collapse_does_not_change_order_1(paths: list[Path]) -> None:
    j = make_journeys(paths)
    a = MarkovAttribution(collapse_repeats=True).channel_credit(j)
    b = MarkovAttribution(collapse_repeats=False).channel_credit(j)
    assert a.revenue == pytest.approx(b.revenue, rel=1e-9, abs=1e-9)
    assert a.details["removal_effects"] == pytest.approx(b.details["removal_effects"], abs=1e-9)


def test_collapse_changes_order_2_states() -> None:
    paths = [(["a", "a", "b"], 1.0, 0.0, 10.0), (["a", "b", "b"], 0.0, 1.0, 0.0)]
    j = make_journeys(paths)
    collapsed = MarkovAttribution(order=2).channel_credit(j).details["states"]
    kept = MarkovAttribution(order=2, collapse_repeats=False).channel_credit(j).details["states"]
    assert "a > a" not in collapsed and "b > b" not in collapsed
    assert "a > a" in kept and "b > b" in kept


def test_multiplicity_equals_repetition() -> None:
    """A path with counts gives the same answer as the path repeated."""
    agg = [(["a", "b"], 2.0, 3.0, 40.0), (["b"], 1.0, 1.0, 5.0), (["a"], 0.0, 2.0, 0.0)]
    rep: list[Path] = []
    for chans, conv, null, rev in agg:
        each = rev / conv if conv else 0.0
        rep += [(chans, 1.0, 0.0, each)] * int(conv) + [(chans, 0.0, 1.0, 0.0)] * int(null)
    for order in (1, 2):
        a = MarkovAttribution(order=order).channel_credit(make_journeys(agg))
        b = MarkovAttribution(order=order).channel_credit(make_journeys(rep))
        assert a.revenue == pytest.approx(b.revenue, rel=1e-12)
        assert a.conversions == pytest.approx(b.conversions, rel=1e-12)


# ------------------------------------------------------------------------------ edge cases


def test_no_conversions_gives_zero_credit() -> None:
    paths = [(["a", "b"], 0.0, 1.0, 0.0), (["b"], 0.0, 3.0, 0.0)]
    credit = MarkovAttribution().channel_credit(make_journeys(paths))
    assert credit.conversions == {"a": 0.0, "b": 0.0}
    assert credit.revenue == {"a": 0.0, "b": 0.0}
    assert credit.details["conversion_probability"] == 0.0
    assert credit.details["removal_effects"] == {"a": 0.0, "b": 0.0}


def test_no_touches_at_all() -> None:
    paths = [([], 1.0, 0.0, 10.0), ([], 0.0, 1.0, 0.0)]
    credit = MarkovAttribution().channel_credit(make_journeys(paths, channels=["a"]))
    assert credit.revenue == {"a": 0.0}
    assert credit.details["n_paths"] == 0.0


def test_single_channel_takes_everything() -> None:
    paths = [(["a", "a"], 1.0, 0.0, 10.0), (["a"], 2.0, 5.0, 32.0)]
    credit = MarkovAttribution().channel_credit(make_journeys(paths))
    assert credit.conversions == pytest.approx({"a": 3.0})
    assert credit.revenue == pytest.approx({"a": 42.0})
    assert credit.details["removal_effects"] == pytest.approx({"a": 1.0})


def test_journeys_without_touches_or_weight_are_left_out() -> None:
    base = [(["a", "b"], 1.0, 1.0, 10.0), (["b"], 1.0, 0.0, 4.0)]
    extra = [([], 1.0, 0.0, 99.0), (["a", "c"], 0.0, 0.0, 0.0)]
    a = MarkovAttribution().channel_credit(make_journeys(base, channels=["a", "b", "c"]))
    b = MarkovAttribution().channel_credit(make_journeys(base + extra))
    assert b.revenue == pytest.approx(a.revenue)
    assert b.revenue["c"] == 0.0
    assert sum(b.revenue.values()) == pytest.approx(14.0)  # the touchless 99 is not credited


def test_unused_channel_gets_zero() -> None:
    credit = MarkovAttribution().channel_credit(
        make_journeys([(["a"], 1.0, 0.0, 1.0)], channels=["a", "z"])
    )
    assert credit.revenue == {"a": 1.0, "z": 0.0}


@pytest.mark.parametrize(
    "params",
    [
        {"order": 0},
        {"order": -1},
        {"order": 1.5},
        {"order": True},
        {"order": np.timedelta64(2, "D")},  # numpy counts a duration among its integers
        {"collapse_repeats": "yes"},
        {"revenue_basis": "profit"},
    ],
)
def test_bad_parameters(params: dict[str, object]) -> None:
    model = MarkovAttribution(**params)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        model.validate_params()
    with pytest.raises(ParameterError):
        model.channel_credit(make_journeys(HAND))


def test_model_contract() -> None:
    model = MarkovAttribution(order=2)
    assert model.kind == "channel"
    assert model.get_params() == {
        "order": 2,
        "collapse_repeats": True,
        "revenue_basis": "conversions",
    }
    j = make_journeys(HAND)
    before = (j.offsets.copy(), j.channel.codes.copy(), j.revenue.copy())
    model.channel_credit(j)
    np.testing.assert_array_equal(j.offsets, before[0])
    np.testing.assert_array_equal(j.channel.codes, before[1])
    np.testing.assert_array_equal(j.revenue, before[2])


def test_kernel_on_plain_arrays() -> None:
    """The kernel works on bare CSR arrays (no Journeys)."""
    fit = markov_removal_effects(
        np.array([0, 2, 3, 4]),
        np.array([0, 1, 0, 1]),
        2,
        np.array([1.0, 0.0, 1.0]),
        np.array([0.0, 1.0, 0.0]),
        np.array([100.0, 0.0, 50.0]),
    )
    np.testing.assert_allclose(fit.removal_effects, [0.5, 1.0])
    assert fit.total_revenue == 150.0


def test_conformance_kit() -> None:
    from alignment.testing import check_attribution_model

    for model in (MarkovAttribution(order=2), MarkovAttribution(revenue_basis="value")):
        results = check_attribution_model(model)
        assert all(r.status in ("passed", "skipped") for r in results)
        assert sum(r.status == "passed" for r in results) >= 8


def test_registered_as_markov() -> None:
    from alignment.plugins import get_attribution_model

    assert isinstance(get_attribution_model("markov", order=2), MarkovAttribution)


def _py_counts(paths: list[Path], collapse: bool) -> dict[tuple[int, int], float]:
    """Plain-Python twin of the order-1 transition counts (nodes: 0 start, channel states
    1.. in channel order, then conversion and null)."""
    present = sorted({c for p in paths for c in p[0]})
    node = {c: i + 1 for i, c in enumerate(present)}
    conv_node, null_node = len(present) + 1, len(present) + 2
    out: dict[tuple[int, int], float] = {}

    def add(a: int, b: int, w: float) -> None:
        out[(a, b)] = out.get((a, b), 0.0) + w

    for chans, conv, non, _ in paths:
        seq = [c for i, c in enumerate(chans) if not (collapse and i and chans[i - 1] == c)]
        if not seq or conv + non == 0:
            continue
        add(0, node[seq[0]], conv + non)
        for a, b in itertools.pairwise(seq):
            add(node[a], node[b], conv + non)
        add(node[seq[-1]], conv_node, conv)
        add(node[seq[-1]], null_node, non)
    return out


@pytest.mark.parametrize("collapse", [True, False])
def test_transition_counts_in_chunks(collapse: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Journeys of multiplicity 1 are counted a chunk of touches at a time: the exact counts of
    the twin, journeys that straddle a chunk's edge included, and those of one pass."""
    rng = np.random.default_rng(11)
    paths: list[Path] = []
    for _ in range(300):
        chans = [f"c{k}" for k in rng.integers(0, 3, size=int(rng.integers(1, 7)))]
        conv = float(rng.random() < 0.3)
        paths.append((chans, conv, 1.0 - conv, 10.0 * conv))
    j = make_journeys(paths)
    args = (j.offsets, j.channel.codes, 3, j.conversions, j.non_conversions, j.revenue)
    whole = M.markov_counts(*args, collapse_repeats=collapse).counts
    monkeypatch.setattr(M, "_CHUNK", 1)  # chunks of 4 * 6**2 = 144 touches
    chunked = M.markov_counts(*args, collapse_repeats=collapse).counts
    np.testing.assert_array_equal(chunked, whole)
    expected = np.zeros_like(whole)
    for (a, b), w in _py_counts(paths, collapse).items():
        expected[a, b] = w
    np.testing.assert_array_equal(chunked, expected)
    assert j.n_touches > 3 * 144  # (several chunks)
