"""``funnel.plan_from`` plans only from an ordered observation: in ``mode="any"`` the next-step
rates count leads that reached both stages, and where leads skip a stage their product is not
the share of leads won."""

from __future__ import annotations

import pytest

from alignment import funnel
from alignment.errors import ParameterError

_T, _N = "2024-01-01T00:00Z", None
# 10 leads; 5 reach mql; 1 of those is won and 3 more are won without an mql
_LEADS = {
    "lead_id": [f"L{i}" for i in range(10)],
    "created_at": [_T] * 10,
    "mql_at": [_T] * 5 + [_N] * 5,
    "won_at": [_T] + [_N] * 4 + [_T] * 3 + [_N] * 2,
}
_STAGES = ["created_at", "mql_at", "won_at"]


def test_plan_from_an_any_mode_observation_is_refused_naming_the_fix() -> None:
    obs = funnel.observe(_LEADS, stages=_STAGES, mode="any")
    assert obs.counts.tolist() == [[10, 5, 4]]  # 4 of 10 won, yet the rates multiply to 0.1
    assert obs.rates() == {"lead": 0.5, "mql": 0.2}
    with pytest.raises(ParameterError, match="mode='ordered'") as info:
        funnel.plan_from(obs, revenue_target=40_000, average_deal_size=1_000)
    assert "mode='any'" in str(info.value)


def test_plan_from_an_ordered_observation_inverts_its_waterfall() -> None:
    obs = funnel.observe(_LEADS, stages=_STAGES, mode="ordered")
    assert obs.counts.tolist() == [[10, 5, 1]]  # (the skippers leave the waterfall)
    p = funnel.plan_from(obs, revenue_target=40_000, average_deal_size=1_000)
    assert p.overall_rate == pytest.approx(0.1)
    assert p.required == pytest.approx({"lead": 400.0, "mql": 200.0})
