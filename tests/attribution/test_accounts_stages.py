"""Account journeys (contacts modes, role weights), the deal's created_at anchor, and
stage-level attribution (``outcome=``)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import alignment

DAY = "2024-03-{:02d}T00:00Z"


def _anchor_example() -> tuple[dict, dict, dict]:
    touches = {
        "lead_id": ["a"] * 4,
        "timestamp": [DAY.format(d) for d in (1, 3, 6, 9)],
        "channel": ["email", "search", "social", "events"],
    }
    leads = {"lead_id": ["a"], "created_at": [DAY.format(3)]}
    deals = {
        "deal_id": ["d1"],
        "lead_id": ["a"],
        "created_at": [DAY.format(7)],
        "closed_at": [DAY.format(10)],
        "amount": [1000.0],
        "won": [True],
    }
    return touches, leads, deals


def test_deal_created_at_is_the_w_shaped_opportunity_anchor() -> None:
    # docs/attribution worked example: first 03-01, lead created 03-03 (touch 03-03), deal
    # created 03-07 (last touch at or before: 03-06), rest 03-09 -> 300/300/300/100
    touches, leads, deals = _anchor_example()
    r = alignment.attribute(touches, deals, leads=leads, model="w_shaped")
    got = r.totals()
    assert got == pytest.approx({"email": 300.0, "search": 300.0, "social": 300.0, "events": 100.0})


def test_deal_created_at_overrides_the_leads_opportunity_at() -> None:
    touches, leads, deals = _anchor_example()
    leads = {**leads, "opportunity_at": [DAY.format(1)]}
    r = alignment.attribute(touches, deals, leads=leads, model="w_shaped")
    assert r.totals()["social"] == pytest.approx(300.0)
    # a deal without created_at keeps the lead's opportunity_at (03-01: the first touch holds
    # first and opportunity roles, 600; lead creation 300; rest 100 over two touches)
    deals_nat = {**deals, "created_at": [None]}
    r2 = alignment.attribute(touches, deals_nat, leads=leads, model="w_shaped")
    want = {"email": 600.0, "search": 300.0, "social": 50.0, "events": 50.0}
    assert r2.totals() == pytest.approx(want)
