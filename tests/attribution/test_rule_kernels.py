"""Rule kernels (plain arrays) against the plain-Python twins, and the documented check cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment.attribution import _rules as R

from . import _twins as T

DAY = np.timedelta64(86_400_000_000, "us")
T0 = np.datetime64("2024-01-01T00:00:00", "us")


def _arrays(journeys: list[tuple[list[float], float | None]]) -> tuple:
    """journeys: (touch days sorted ascending, conversion day or None) → CSR arrays."""
    lengths = [len(t) for t, _ in journeys]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    days = np.array([d for t, _ in journeys for d in t], dtype=np.float64)
    time = T0 + np.round(days * 86_400e6).astype(np.int64).astype("timedelta64[us]")
    conv = np.array(
        [
            T0 + np.timedelta64(round(c * 86_400e6), "us")
            if c is not None
            else np.datetime64("NaT")
            for _, c in journeys
        ],
        dtype="datetime64[us]",
    )
    converted = np.array([c is not None for _, c in journeys], dtype=bool)
    return offsets, time, conv, converted


@st.composite
def journeys_strategy(draw: st.DrawFn) -> list[tuple[list[float], float | None]]:
    out = []
    for _ in range(draw(st.integers(0, 8))):
        touches = sorted(draw(st.lists(st.integers(0, 60), max_size=7)))
        conv = draw(st.one_of(st.none(), st.integers(61, 90)))
        out.append(([float(x) for x in touches], None if conv is None else float(conv)))
    return out


def _expected(journeys: list, twin: object, **params: object) -> list[float]:
    out: list[float] = []
    for touches, conv in journeys:
        if conv is None or not touches:
            out.extend([0.0] * len(touches))
        else:
            out.extend(twin(len(touches), times=touches, converted_at=conv, **params))  # type: ignore[operator]
    return out


@settings(max_examples=60, deadline=None)
@given(journeys_strategy())
def test_simple_kernels_match_twins(journeys: list) -> None:
    offsets, time, conv, converted = _arrays(journeys)
    np.testing.assert_allclose(R.first_weights(offsets, converted), _expected(journeys, T.first))
    np.testing.assert_allclose(R.last_weights(offsets, converted), _expected(journeys, T.last))
    np.testing.assert_allclose(R.linear_weights(offsets, converted), _expected(journeys, T.linear))
    np.testing.assert_allclose(
        R.time_decay_weights(offsets, time, conv, 7 * DAY, converted),
        _expected(journeys, T.time_decay, half_life_days=7.0),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        R.time_decay_weights(offsets, time, conv, DAY // 2, converted),
        _expected(journeys, T.time_decay, half_life_days=0.5),
        atol=1e-12,
    )


@settings(max_examples=60, deadline=None)
@given(journeys_strategy(), st.tuples(*[st.integers(0, 5)] * 3).filter(lambda s: s[0] + s[2] > 0))
def test_position_based_kernel_matches_twin(journeys: list, shares: tuple) -> None:
    f, m, la = (x / sum(shares) for x in shares)
    offsets, _, _, converted = _arrays(journeys)
    np.testing.assert_allclose(
        R.position_based_weights(offsets, f, m, la, converted),
        _expected(journeys, T.position_based, first_share=f, middle=m, last_share=la),
        atol=1e-12,
    )


@settings(max_examples=60, deadline=None)
@given(journeys_strategy(), st.data())
def test_anchor_kernel_matches_twin(journeys: list, data: st.DataObject) -> None:
    offsets, time, _conv, converted = _arrays(journeys)
    n = len(journeys)
    anchors = [
        [data.draw(st.one_of(st.none(), st.integers(-5, 70))) for _ in range(n)] for _ in range(2)
    ]
    anchor_arrays = [
        np.array(
            [T0 + a * DAY if a is not None else np.datetime64("NaT") for a in col],
            dtype="datetime64[us]",
        )
        for col in anchors
    ]
    from alignment import _segments as seg

    roles = [(seg.segment_first(offsets), 0.3)] + [
        (seg.segment_last_at_or_before(time, offsets, a), 0.3) for a in anchor_arrays
    ]
    got = R.role_weights(offsets, roles, 0.1, converted)
    expected: list[float] = []
    for j, (touches, c) in enumerate(journeys):
        if c is None or not touches:
            expected.extend([0.0] * len(touches))
            continue
        expected.extend(
            T.anchored(
                len(touches),
                times=touches,
                shares=[0.3, 0.3, 0.3],
                anchor_times=[anchors[0][j], anchors[1][j]],
                rest=0.1,
            )
        )
    np.testing.assert_allclose(got, expected, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["direct", "Direct ", "email", "seo"]), max_size=6), max_size=8
    )
)
def test_last_non_direct_kernel_matches_twin(paths: list) -> None:
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in paths])]).astype(np.int64)
    flat = [c for p in paths for c in p]
    excluded = np.array([c.strip().casefold() == "direct" for c in flat], dtype=bool)
    converted = np.ones(len(paths), dtype=bool)
    expected: list[float] = []
    for p in paths:
        expected.extend(T.last_non_direct(len(p), channels=p) if p else [])
    np.testing.assert_array_equal(R.last_non_direct_weights(offsets, excluded, converted), expected)


def test_time_decay_check_case() -> None:
    # Adobe: touches 0, 0, 6 and 9 days before conversion, half-life 7 days
    journeys = [([0.0, 3.0, 9.0, 9.0], 9.0)]
    offsets, time, conv, converted = _arrays(journeys)
    # the engine passes only touches strictly before the conversion; emulate "0 days before" as 1 µs
    time[2:] -= np.timedelta64(1, "us")
    w = R.time_decay_weights(offsets, time, conv, 7 * DAY, converted)
    assert np.round(w * 100, 1).tolist() == [13.8, 18.6, 33.8, 33.8]


def test_time_decay_google_case() -> None:
    # Google: a touch 8 days before conversion gets half the credit of one 1 day before
    offsets, time, conv, converted = _arrays([([0.0, 7.0], 8.0)])
    w = R.time_decay_weights(offsets, time, conv, 7 * DAY, converted)
    assert w[0] == pytest.approx(w[1] / 2)


def test_time_decay_no_underflow_for_old_touches() -> None:
    offsets, time, conv, converted = _arrays([([0.0, 1.0], 5000.0)])
    w = R.time_decay_weights(offsets, time, conv, np.timedelta64(3_600_000_000, "us"), converted)
    assert np.isfinite(w).all() and w.sum() == pytest.approx(1.0)
    assert w[0] == pytest.approx(2.0**-24 / (1 + 2.0**-24), rel=1e-12)


@pytest.mark.parametrize(
    ("shares", "two", "four"),
    [
        ((0.4, 0.2, 0.4), [0.5, 0.5], [0.4, 0.1, 0.1, 0.4]),
        ((0.2, 0.2, 0.6), [0.25, 0.75], [0.2, 0.1, 0.1, 0.6]),
        ((0.6, 0.2, 0.2), [0.75, 0.25], [0.6, 0.1, 0.1, 0.2]),
    ],
    ids=["u", "j", "inverse_j"],
)
def test_position_based_presets(shares: tuple, two: list, four: list) -> None:
    offsets = np.array([0, 1, 3, 7], dtype=np.int64)
    converted = np.ones(3, dtype=bool)
    w = R.position_based_weights(offsets, *shares, converted)
    np.testing.assert_allclose(w, [1.0, *two, *four])
