"""Shapley attribution: bitmask/zeta kernel vs brute-force permutations, examples, edge cases."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment.attribution import _shapley as S
from alignment.attribution._shapley import ShapleyAttribution
from alignment.errors import ParameterError

from ._datadriven_helpers import (
    Path,
    make_journeys,
    paths_strategy,
    random_paths,
    total_conversions,
    total_revenue,
)

HAND: list[Path] = [
    (["A", "B", "A"], 1.0, 0.0, 100.0),
    (["A"], 1.0, 4.0, 60.0),
    (["B", "C"], 2.0, 1.0, 30.0),
    (["C", "A", "B"], 1.0, 0.0, 90.0),
    (["B"], 0.0, 7.0, 0.0),
]


def _twin(paths: list[Path]) -> tuple[dict[str, Fraction], dict[str, Fraction]]:
    conv = S._py_shapley([(p[0], p[1]) for p in paths])
    rev = S._py_shapley([(p[0], p[3] if p[1] > 0 else 0.0) for p in paths])
    return conv, rev


def _assert_matches_twin(paths: list[Path], method: str = "auto") -> None:
    credit = ShapleyAttribution(method=method).channel_credit(make_journeys(paths))  # type: ignore[arg-type]
    conv, rev = _twin(paths)
    for ch in credit.conversions:
        assert credit.conversions[ch] == pytest.approx(float(conv.get(ch, 0)), abs=1e-9), ch
        assert credit.revenue[ch] == pytest.approx(float(rev.get(ch, 0)), abs=1e-9), ch


# ---------------------------------------------------------------------------- worked example


def test_hand_example() -> None:
    """docs/attribution/shapley.md: the worked example."""
    credit = ShapleyAttribution().channel_credit(make_journeys(HAND))
    assert credit.conversions == pytest.approx({"A": 11 / 6, "B": 11 / 6, "C": 4 / 3})
    assert credit.revenue == pytest.approx({"A": 140.0, "B": 95.0, "C": 45.0})
    assert credit.details["method"] == "subsets"
    assert credit.details["players"] == ["A", "B", "C"]
    by_conv = ShapleyAttribution(value="conversions").channel_credit(make_journeys(HAND))
    assert by_conv.conversions == pytest.approx(credit.conversions)
    assert by_conv.revenue == pytest.approx(
        {"A": 280 * 11 / 30, "B": 280 * 11 / 30, "C": 280 * 8 / 30}
    )


def test_hand_example_coalition_values() -> None:
    # players A=bit0, B=bit1, C=bit2; converting journeys' channel sets: AB, A, BC (x2), ABC
    masks = np.array([0b011, 0b001, 0b110, 0b111])
    v = S.coalition_values(masks, np.array([1.0, 1.0, 2.0, 1.0]), 3)
    #            {}  A   B   AB  C   AC  BC  ABC
    np.testing.assert_allclose(v, [0, 1, 0, 2, 0, 1, 2, 5])
    np.testing.assert_allclose(S.shapley_from_values(v, 3), [11 / 6, 11 / 6, 4 / 3])


def test_twin_definition_by_permutations() -> None:
    """The brute-force twin itself on a game small enough to check by hand."""
    phi = S._py_shapley([(["a", "b"], 6.0), (["a"], 2.0)])
    # orders (a, b): a adds v({a}) = 2, b adds 6; (b, a): b adds 0, a adds 8
    assert phi == {"a": Fraction(5), "b": Fraction(3)}


# ------------------------------------------------------------------------------- twin oracle


@pytest.mark.parametrize("seed", range(15))
@pytest.mark.parametrize("method", ["subsets", "dividends"])
def test_matches_twin_seeded(seed: int, method: str) -> None:
    rng = np.random.default_rng(seed)
    paths = random_paths(rng, int(rng.integers(1, 20)), int(rng.integers(1, 7)))
    _assert_matches_twin(paths, method)


@settings(max_examples=50, deadline=None)
@given(paths=paths_strategy(channels="abcde"), method=st.sampled_from(["subsets", "dividends"]))
def test_matches_twin_hypothesis(paths: list[Path], method: str) -> None:
    _assert_matches_twin(paths, method)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 9),
    data=st.data(),
)
def test_zeta_shapley_equals_dividend_formula(n: int, data: st.DataObject) -> None:
    """phi_i = sum over T containing i of r(T) / |T| (Harsanyi dividends) on random games."""
    r = np.array(data.draw(st.lists(st.integers(0, 50), min_size=1 << n, max_size=1 << n)), float)
    r[0] = 0.0
    masks = np.arange(1 << n)
    phi = S.shapley_from_values(S.coalition_values(masks, r, n), n)
    expected = [
        sum(r[m] / bin(m).count("1") for m in range(1, 1 << n) if m >> i & 1) for i in range(n)
    ]
    np.testing.assert_allclose(phi, expected, rtol=1e-12, atol=1e-9)
    assert phi.sum() == pytest.approx(r.sum())


def test_shapley_from_values_matches_permutations_on_a_non_additive_game() -> None:
    """The 2**n formula is the Shapley value of any game (checked by enumerating orders)."""
    rng = np.random.default_rng(3)
    n = 4
    v = rng.random(1 << n)
    v[0] = 0.0
    phi = S.shapley_from_values(v, n)
    brute = np.zeros(n)
    perms = list(itertools.permutations(range(n)))
    for perm in perms:
        mask = 0
        for p in perm:
            brute[p] += v[mask | (1 << p)] - v[mask]
            mask |= 1 << p
    np.testing.assert_allclose(phi, brute / len(perms), rtol=1e-12)


# ---------------------------------------------------------------------- many channels / limits


def _many_channel_paths(n_channels: int, seed: int = 0) -> list[Path]:
    rng = np.random.default_rng(seed)
    names = [f"ch{k:02d}" for k in range(n_channels)]
    paths: list[Path] = [([name], 1.0, 0.0, 10.0) for name in names]  # every channel converts
    for _ in range(30):
        chans = [names[int(c)] for c in rng.integers(0, n_channels, int(rng.integers(1, 6)))]
        conv = float(rng.integers(0, 3))
        paths.append((chans, conv, 1.0, float(rng.integers(1, 50)) if conv else 0.0))
    return paths


def _dividend_twin(paths: list[Path], idx: int) -> dict[str, float]:
    out: dict[str, float] = {}
    for p in paths:
        chans = set(p[0])
        val = p[idx] if p[1] > 0 else 0.0
        for c in chans:
            out[c] = out.get(c, 0.0) + val / len(chans)
    return out


@pytest.mark.parametrize("n_channels", [18, 40])  # 32-bit and 64-bit masks
def test_more_than_16_channels(n_channels: int) -> None:
    paths = _many_channel_paths(n_channels)
    j = make_journeys(paths)
    with pytest.raises(ParameterError, match="16 channels") as err:
        ShapleyAttribution(method="subsets").channel_credit(j)
    assert "Group rare channels" in str(err.value)
    credit = ShapleyAttribution().channel_credit(j)  # auto → dividends, same values
    assert credit.details["method"] == "dividends"
    assert credit.conversions == pytest.approx(_dividend_twin(paths, 1))
    assert credit.revenue == pytest.approx(_dividend_twin(paths, 3))


def test_only_channels_of_converting_journeys_count_towards_the_limit() -> None:
    paths: list[Path] = [(["a", "b"], 1.0, 0.0, 5.0), (["b"], 2.0, 0.0, 8.0)]
    paths += [([f"x{k:02d}"], 0.0, 3.0, 0.0) for k in range(30)]
    credit = ShapleyAttribution(method="subsets").channel_credit(make_journeys(paths))
    assert credit.details["players"] == ["a", "b"]
    assert credit.conversions["a"] == pytest.approx(0.5)
    assert credit.conversions["x00"] == 0.0


def test_vocabulary_beyond_62_channels() -> None:
    """Bitmasks over a compacted channel index when the vocabulary exceeds 62 names."""
    vocab = [f"v{k:03d}" for k in range(80)]
    paths: list[Path] = [
        (["v079", "v001", "v079"], 1.0, 0.0, 12.0),
        (["v001"], 1.0, 1.0, 3.0),
        (["v050", "v079"], 0.0, 2.0, 0.0),
        (["v070", "v001", "v065"], 2.0, 0.0, 9.0),
    ]
    j = make_journeys(paths, channels=vocab)
    for method in ("subsets", "dividends"):
        credit = ShapleyAttribution(method=method).channel_credit(j)  # type: ignore[arg-type]
        conv, rev = _twin(paths)
        for ch in vocab:
            assert credit.conversions[ch] == pytest.approx(float(conv.get(ch, 0)))
            assert credit.revenue[ch] == pytest.approx(float(rev.get(ch, 0)))


# ------------------------------------------------------------------------------ properties


@settings(max_examples=40, deadline=None)
@given(paths=paths_strategy(), value=st.sampled_from(["revenue", "conversions"]))
def test_credit_sums_to_totals(paths: list[Path], value: str) -> None:
    credit = ShapleyAttribution(value=value).channel_credit(make_journeys(paths))  # type: ignore[arg-type]
    assert sum(credit.conversions.values()) == pytest.approx(total_conversions(paths), abs=1e-9)
    assert sum(credit.revenue.values()) == pytest.approx(total_revenue(paths), abs=1e-9)
    assert all(v >= 0 for v in credit.conversions.values())


@settings(max_examples=30, deadline=None)
@given(paths=paths_strategy(), seed=st.integers(0, 2**32 - 1))
def test_row_order_invariance_and_determinism(paths: list[Path], seed: int) -> None:
    perm = np.random.default_rng(seed).permutation(len(paths))
    a = ShapleyAttribution().channel_credit(make_journeys(paths))
    b = ShapleyAttribution().channel_credit(make_journeys([paths[i] for i in perm]))
    c = ShapleyAttribution().channel_credit(make_journeys(paths))
    assert a.revenue == pytest.approx(b.revenue, abs=1e-9)
    assert a.conversions == pytest.approx(b.conversions, abs=1e-9)
    assert a.revenue == c.revenue


def test_order_and_repeats_within_a_journey_do_not_matter() -> None:
    a = ShapleyAttribution().channel_credit(make_journeys([(["a", "b", "a", "a"], 1.0, 0.0, 8.0)]))
    b = ShapleyAttribution().channel_credit(make_journeys([(["b", "a"], 1.0, 0.0, 8.0)]))
    assert a.revenue == b.revenue == {"a": 4.0, "b": 4.0}


# ------------------------------------------------------------------------------ edge cases


def test_no_conversions() -> None:
    credit = ShapleyAttribution().channel_credit(make_journeys([(["a", "b"], 0.0, 5.0, 0.0)]))
    assert credit.conversions == {"a": 0.0, "b": 0.0}
    assert credit.revenue == {"a": 0.0, "b": 0.0}
    assert credit.details["players"] == []


def test_single_channel() -> None:
    credit = ShapleyAttribution().channel_credit(
        make_journeys([(["a"], 2.0, 1.0, 7.5), (["a", "a"], 1.0, 0.0, 2.5)])
    )
    assert credit.conversions == {"a": 3.0}
    assert credit.revenue == {"a": 10.0}


def test_touchless_journeys_are_not_credited() -> None:
    credit = ShapleyAttribution().channel_credit(
        make_journeys([([], 1.0, 0.0, 50.0), (["a"], 1.0, 0.0, 5.0)])
    )
    assert credit.revenue == {"a": 5.0}


def test_zero_revenue_with_value_conversions() -> None:
    credit = ShapleyAttribution(value="conversions").channel_credit(
        make_journeys([(["a"], 1.0, 0.0, 0.0), (["a", "b"], 1.0, 0.0, 0.0)])
    )
    assert credit.conversions == pytest.approx({"a": 1.5, "b": 0.5})
    assert credit.revenue == {"a": 0.0, "b": 0.0}


@pytest.mark.parametrize("params", [{"value": "profit"}, {"method": "monte_carlo"}])
def test_bad_parameters(params: dict[str, object]) -> None:
    model = ShapleyAttribution(**params)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        model.channel_credit(make_journeys(HAND))


def test_model_contract() -> None:
    model = ShapleyAttribution()
    assert model.kind == "channel"
    assert model.get_params() == {"value": "revenue", "method": "auto"}


def test_conformance_kit() -> None:
    from alignment.testing import check_attribution_model

    for model in (ShapleyAttribution(), ShapleyAttribution(value="conversions")):
        results = check_attribution_model(model)
        assert all(r.status in ("passed", "skipped") for r in results)
        assert sum(r.status == "passed" for r in results) >= 8


def test_registered_as_shapley() -> None:
    from alignment.plugins import get_attribution_model

    assert isinstance(get_attribution_model("shapley", value="conversions"), ShapleyAttribution)
