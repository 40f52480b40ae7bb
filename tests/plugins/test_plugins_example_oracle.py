"""The example plugin's vectorised kernels against plain-Python twins (hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment import plugins

T0 = np.datetime64("2024-01-01T00:00:00", "us")
HOUR = np.timedelta64(3_600_000_000, "us")
CHANNELS = ("a", "b", "c")


@st.composite
def journey_data(draw: Any) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    n = draw(st.integers(0, 8))
    leads, times, channels, c_lead, c_at, c_rev = [], [], [], [], [], []
    for i in range(n):
        hours = draw(st.lists(st.integers(0, 200), min_size=0, max_size=5, unique=True))
        for h in hours:
            leads.append(f"L{i}")
            times.append(T0 + h * HOUR)
            channels.append(draw(st.sampled_from(CHANNELS)))
        if draw(st.booleans()):
            c_lead.append(f"L{i}")
            c_at.append(T0 + (max(hours, default=0) + 1) * HOUR)
            c_rev.append(float(draw(st.integers(1, 1000))))
    return (
        {
            "lead_id": np.array(leads, dtype=object),
            "timestamp": np.array(times, dtype="datetime64[us]"),
            "channel": np.array(channels, dtype=object),
        },
        {
            "lead_id": np.array(c_lead, dtype=object),
            "converted_at": np.array(c_at, dtype="datetime64[us]"),
            "revenue": np.array(c_rev, dtype=np.float64),
        },
    )


def first_and_last_twin(journeys: Any, share: float) -> np.ndarray:
    """Plain Python: per converted journey, share to the first touch, the rest to the last."""
    out = [0.0] * journeys.n_touches
    for j in range(journeys.n_journeys):
        start, stop = int(journeys.offsets[j]), int(journeys.offsets[j + 1])
        if journeys.converted[j] and stop > start:
            out[start] += share
            out[stop - 1] += 1.0 - share
    return np.array(out)


@settings(max_examples=40, deadline=None)
@given(data=journey_data(), share=st.floats(0.0, 1.0))
def test_first_and_last_matches_twin(
    example_plugin: str, data: tuple[dict[str, np.ndarray], dict[str, np.ndarray]], share: float
) -> None:
    touchpoints, conversions = data
    journeys = alignment.Journeys.build(touchpoints, conversions)
    model = plugins.get_attribution_model("first_and_last", first_share=share)
    np.testing.assert_allclose(model.weights(journeys), first_and_last_twin(journeys, share))


@settings(max_examples=40, deadline=None)
@given(data=journey_data(), points=st.fixed_dictionaries({"a": st.floats(-5, 5)}))
def test_touch_count_matches_twin(
    example_plugin: str,
    data: tuple[dict[str, np.ndarray], dict[str, np.ndarray]],
    points: dict[str, float],
) -> None:
    touchpoints, _ = data
    ids = sorted(set(touchpoints["lead_id"].tolist()) | {"nobody"})
    leads = alignment.LeadTable.build(
        {"lead_id": np.array(ids, dtype=object), "created_at": np.full(len(ids), T0)}
    )
    journeys = alignment.Journeys.build(touchpoints)
    out = plugins.get_scorer("touch_count", channel_points=points).score(leads, journeys)
    for i, lead in enumerate(ids):  # plain-Python twin
        mine = [c for k, c in zip(touchpoints["lead_id"], touchpoints["channel"]) if k == lead]
        assert out["touches"][i] == len(mine)
        assert np.isclose(out["score"][i], sum(points.get(c, 1.0) for c in mine))
