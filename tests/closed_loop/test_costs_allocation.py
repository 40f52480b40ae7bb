"""Closed-loop costs: placed only along the lead columns they carry; allocation on request.

Costs per campaign reported by source were spread evenly per lead over every source (identical
cost per lead on every row).  Now a cost row reaches a key only along the columns it carries;
otherwise it stays on an "(unallocated)" row with its reason, unless ``allocate=`` asks for a
split by leads or by attributed revenue.  The cost over all rows is the cost table's total.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment.closed_loop import UNALLOCATED, closed_loop
from alignment.datasets import synthetic_crm
from alignment.errors import ParameterError

from .test_closed_loop import DEALS, base_leads, row_of

COSTS = {"campaign": ["c1", "c9"], "channel": ["ads", "mail"], "cost": [60.0, 10.0]}


# --------------------------------------------------------------------------- worked example


def test_none_keeps_uncarried_cost_on_unallocated_rows() -> None:
    r = closed_loop(base_leads(), costs=COSTS, by=("source", "campaign"))
    web = row_of(r, source="web", campaign="c1")
    assert math.isnan(web["cost"]) and math.isnan(web["roi"]) and web["note"] is None
    c1 = row_of(r, source=UNALLOCATED, campaign="c1")
    assert c1["leads"] == 0 and c1["cost"] == 60.0
    assert math.isnan(c1["roi"]) and math.isnan(c1["cost_per_lead"])
    assert "costs carry campaign, not source" in c1["note"] and "allocate=" in c1["note"]
    assert row_of(r, source=UNALLOCATED, campaign="c9")["cost"] == 10.0
    s = r.summary()
    assert s["cost"] == 70.0 and s["unallocated_cost"] == 70.0 and s["allocate"] == "none"
    assert "carry campaign" in r.not_measured["cost"]
    assert "no allocation" in r.allocation_text and "70 of cost is unallocated" in r.allocation_text


@pytest.mark.parametrize("wrap", [list, lambda v: np.array(v, dtype=object)])
def test_pandas_na_in_a_costs_key_reads_as_missing(wrap: Any) -> None:
    pd = pytest.importorskip("pandas")

    def costs(missing: Any) -> dict[str, Any]:
        return {"campaign": wrap(["c1", missing]), "cost": [60.0, 10.0]}

    expect = closed_loop(base_leads(), costs=costs(None), by="campaign").summary()
    got = closed_loop(base_leads(), costs=costs(pd.NA), by="campaign").summary()
    assert repr(got) == repr(expect) and got["cost"] == 70.0 and got["unmatched_amount_rows"] == 1


def test_leads_splits_within_the_carried_campaign() -> None:
    leads = base_leads()
    leads["source"] = ["web", "ads", "ads", "ads", "web", None]  # c1: a web, b ads, e web
    r = closed_loop(leads, costs=COSTS, by="source", allocate="leads")
    # c1's 60 over its three leads: web 2/3, ads 1/3; c2 has no cost; c9 has no lead
    assert row_of(r, source="web")["cost"] == pytest.approx(40.0)
    assert row_of(r, source="ads")["cost"] == pytest.approx(20.0)
    assert row_of(r, source="(missing)")["cost"] == 0.0
    c9 = row_of(r, source=UNALLOCATED)
    assert c9["cost"] == 10.0 and "no lead shares its campaign" in c9["note"]
    # cost per lead differs by source: no even spread
    assert row_of(r, source="web")["cost_per_lead"] == pytest.approx(40.0 / 2)
    assert row_of(r, source="ads")["cost_per_lead"] == pytest.approx(20.0 / 3)
    assert r.allocation_text.startswith("Costs allocated by leads")


def test_cost_carrying_every_key_is_never_split() -> None:
    r = closed_loop(base_leads(), deals=DEALS, costs=COSTS, by="campaign", allocate="leads")
    assert row_of(r, campaign="c1")["cost"] == 60.0
    c9 = row_of(r, campaign="c9")  # a key no lead has: its own row, not unallocated
    assert c9["leads"] == 0 and c9["cost"] == 10.0 and c9["roi"] == -1.0
    assert c9["note"] == "no lead has this key"
    assert r.summary()["unallocated_cost"] == 0.0
    # without deals nor a revenue column, revenue is not measured: ROI too
    r2 = closed_loop(base_leads(), costs=COSTS, by="campaign")
    assert math.isnan(row_of(r2, campaign="c1")["revenue"])
    assert math.isnan(row_of(r2, campaign="c1")["roi"])
    assert r2.not_measured["roi"] == "no deals= and no revenue column"


def test_revenue_splits_by_attributed_revenue_of_the_leads() -> None:
    leads = base_leads()
    leads["source"] = ["web", "ads", "ads", "ads", "web", None]
    tp = {
        "lead_id": ["a", "b", "e"],
        "timestamp": ["2024-03-01T00:00Z"] * 3,
        "channel": ["email", "web", "web"],
        "campaign": ["c1", "c1", "c1"],
        "converted_at": ["2024-03-05T00:00Z"] * 3,
        "revenue": [30.0, 90.0, 0.0],
    }
    journeys = alignment.Journeys.build(tp, leads=leads, touch_categorical=["campaign"])
    res = alignment.attribute(journeys, model="linear")
    r = closed_loop(leads, costs=COSTS, attribution=res, by="source", allocate="revenue")
    # c1's leads: a (web) earned 30, b (ads) 90, e (web) 0 -> 60 split 1:3
    assert row_of(r, source="web")["cost"] == pytest.approx(15.0)
    assert row_of(r, source="ads")["cost"] == pytest.approx(45.0)
    assert row_of(r, source=UNALLOCATED)["cost"] == 10.0


def test_revenue_allocation_needs_per_touch_credit() -> None:
    with pytest.raises(ParameterError, match="attribution="):
        closed_loop(base_leads(), costs=COSTS, by="source", allocate="revenue")
    with pytest.raises(ParameterError, match="allocate must be one of"):
        closed_loop(base_leads(), costs=COSTS, by="source", allocate="evenly")  # type: ignore[arg-type]


def test_attribution_totals_are_placed_like_costs() -> None:
    class Totals:
        def totals(self, by: str = "channel") -> dict[str, float]:
            return {"c1": 80.0, "c2": 20.0}

    r = closed_loop(base_leads(), attribution=Totals(), by=("source", "campaign"))
    assert row_of(r, source=UNALLOCATED, campaign="c1")["attributed_revenue"] == 80.0
    assert math.isnan(row_of(r, source="web", campaign="c1")["attributed_revenue"])
    assert r.summary()["attributed_revenue"] == 100.0
    r2 = closed_loop(
        base_leads(), attribution=Totals(), by=("source", "campaign"), allocate="leads"
    )
    assert row_of(r2, source="web", campaign="c1")["attributed_revenue"] == pytest.approx(80.0)


def test_synthetic_crm_no_identical_cost_per_lead() -> None:
    crm = synthetic_crm(1_500, seed=4)
    none = alignment.closed_loop(crm, by="source")
    t = none.table
    placed = t["source"] != UNALLOCATED
    assert np.isnan(np.asarray(t["cost"], float)[placed]).all()
    assert float(np.nansum(t["cost"])) == pytest.approx(float(crm.costs["cost"].sum()), rel=1e-12)
    leads = alignment.closed_loop(crm, by="source", allocate="leads")
    cpl = np.asarray(leads.table["cost_per_lead"], float)[leads.table["leads"] > 0]
    assert np.unique(np.round(cpl, 6)).size > 1  # sources differ by campaign mix


# --------------------------------------------------------------------------- twin + properties


def twin_allocate(
    leads: list[tuple[str, str]], costs: list[tuple[str | None, float]], allocate: str
) -> dict[str, float]:
    """Plain-Python placement of campaign costs on sources (``by="source"``)."""
    out: dict[str, float] = defaultdict(float)
    for campaign, amount in costs:
        camp = campaign if campaign is not None else "(missing)"
        sharing = [src for src, c in leads if c == camp]
        if allocate == "none" or not sharing:
            out[UNALLOCATED] += amount
            continue
        for src in sharing:
            out[src] += amount / len(sharing)
    return dict(out)


lead_rows = st.lists(
    st.tuples(st.sampled_from(["web", "ads", "mail"]), st.sampled_from(["c1", "c2", "c3"])),
    min_size=1,
    max_size=15,
)
cost_rows = st.lists(
    st.tuples(
        st.sampled_from(["c1", "c2", "c3", "c4", None]),
        st.integers(0, 10_000).map(lambda c: c / 4),
    ),
    max_size=10,
)


def run(leads: list[tuple[str, str]], costs: list[tuple[str | None, float]], allocate: str) -> Any:
    lead_cols = {
        "lead_id": [f"L{i}" for i in range(len(leads))],
        "created_at": ["2024-01-01T00:00Z"] * len(leads),
        "source": [s for s, _ in leads],
        "campaign": [c for _, c in leads],
    }
    cost_cols = {"campaign": [c for c, _ in costs], "cost": [a for _, a in costs]}
    return closed_loop(lead_cols, costs=cost_cols, by="source", allocate=allocate, required=())


@settings(max_examples=60, deadline=None)
@given(leads=lead_rows, costs=cost_rows, allocate=st.sampled_from(["none", "leads"]))
def test_matches_twin_and_conserves_cost(
    leads: list[tuple[str, str]], costs: list[tuple[str | None, float]], allocate: str
) -> None:
    r = run(leads, costs, allocate)
    total = math.fsum(a for _, a in costs)
    cost = np.asarray(r.table["cost"], dtype=float)
    if allocate == "none":  # sums of quarters: exact
        assert float(np.nansum(cost)) == total
    else:
        assert math.fsum(np.nan_to_num(cost)) == pytest.approx(total, rel=1e-12, abs=1e-9)
    assert r.summary()["cost"] == pytest.approx(total)
    want = twin_allocate(leads, costs, allocate)
    got = {str(s): float(c) for s, c in zip(r.table["source"], cost) if not np.isnan(c)}
    for src, amount in want.items():
        assert got.get(src, 0.0) == pytest.approx(amount, rel=1e-12, abs=1e-9)
    assert sum(v for k, v in got.items() if k not in want) == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(leads=lead_rows, costs=cost_rows, data=st.data())
def test_row_order_invariance_and_no_mutation(
    leads: list[tuple[str, str]], costs: list[tuple[str | None, float]], data: st.DataObject
) -> None:
    perm = data.draw(st.permutations(range(len(leads))))
    cperm = data.draw(st.permutations(range(len(costs))))
    a = run(leads, costs, "leads")
    b = run([leads[i] for i in perm], [costs[i] for i in cperm], "leads")

    def per_source(r: Any) -> dict[str, float]:
        return {str(s): float(c) for s, c in zip(r.table["source"], r.table["cost"])}

    pa, pb = per_source(a), per_source(b)
    assert pa.keys() == pb.keys()
    for k in pa:
        assert pa[k] == pytest.approx(pb[k], rel=1e-12, abs=1e-9)


def test_caller_arrays_untouched() -> None:
    campaign = np.array(["c1", "c9"], dtype=object)
    cost = np.array([60.0, 10.0])
    leads = {k: np.array(v, dtype=object) for k, v in base_leads().items()}
    before = {k: v.copy() for k, v in leads.items()}
    closed_loop(leads, costs={"campaign": campaign, "cost": cost}, by="source", allocate="leads")
    assert campaign.tolist() == ["c1", "c9"] and cost.tolist() == [60.0, 10.0]
    assert cost.flags.writeable and campaign.flags.writeable
    for k, v in leads.items():
        assert v.tolist() == before[k].tolist() and v.flags.writeable


def _allocated_by_revenue(person: str, deals_keyed: bool = False) -> dict[str, list[Any]]:
    leads = {
        "lead_id": ["a", "b", "c"],
        "created_at": ["2024-01-01Z"] * 3,
        "source": ["web", "ads", "ads"],
        "campaign": ["c1", "c1", "c1"],
    }
    touches = {
        person: ["a", "b", "c"],
        "timestamp": ["2024-01-02Z", "2024-01-03Z", "2024-01-04Z"],
        "channel": ["email", "seo", "seo"],
        "campaign": ["c1", "c1", "c1"],
    }
    conversions = {
        person: ["a", "b"],
        "converted_at": ["2024-02-01Z"] * 2,
        "revenue": [300.0, 100.0],
    }
    if deals_keyed:
        conversions = {  # (a has two won deals: journeys keyed by deal)
            "deal_id": ["D1", "D2", "D3"],
            person: ["a", "b", "a"],
            "closed_at": ["2024-02-01Z", "2024-02-01Z", "2024-03-01Z"],
            "amount": [300.0, 100.0, 60.0],
            "won": [True, True, True],
        }
    attribution = alignment.attribute(touches, conversions, lead=person, model="linear")
    report = closed_loop(
        leads,
        deals={"lead_id": ["a", "b"], "amount": [300.0, 100.0], "won": [True, True]},
        costs={"campaign": ["c1"], "cost": [40.0]},
        attribution=attribution,
        attribution_by="campaign",
        by=("source", "campaign"),
        allocate="revenue",
    )
    table = report.to_frame(backend="dict")
    return {k: list(table[k]) for k in ("source", "cost")}


def test_allocate_revenue_finds_the_person_whatever_its_column_name() -> None:
    """The attribution's person column may be named by ``lead=``: the cost of c1 (40) is split
    by attributed revenue, 10 to ads and 30 to web, as with ``lead_id``."""
    want = {"source": ["ads", "web"], "cost": [10.0, 30.0]}
    assert _allocated_by_revenue("lead_id") == want
    assert _allocated_by_revenue("person") == want
    by_deal = _allocated_by_revenue("lead_id", deals_keyed=True)["cost"]  # (ads 100, web 360)
    assert by_deal == pytest.approx([40 * 100 / 460, 40 * 360 / 460], rel=1e-12)
    with pytest.raises(ParameterError, match="needs the person of each attributed touch"):
        _allocated_by_revenue("person", deals_keyed=True)


# ------------------------------------------------- attributed revenue of persons not among the leads

_TWO_LEADS = {
    "lead_id": ["a", "b"],
    "created_at": ["2024-01-01Z"] * 2,
    "source": ["web", "ads"],
    "campaign": ["c1", "c1"],
}


def _credit_of(persons: list[str], revenue: list[float]) -> Any:
    """A linear attribution with one touch of campaign c1 per person."""
    n = len(persons)
    tp = {
        "lead_id": persons,
        "timestamp": ["2024-03-01T00:00Z"] * n,
        "channel": ["web"] * n,
        "campaign": ["c1"] * n,
        "converted_at": ["2024-03-05T00:00Z"] * n,
        "revenue": revenue,
    }
    return alignment.attribute(
        alignment.Journeys.build(tp, touch_categorical=["campaign"]), model="linear"
    )


@pytest.mark.parametrize("allocate", ["revenue", "leads", "none"])
def test_revenue_of_persons_not_among_the_leads_stays_unallocated(allocate: str) -> None:
    """zz (no lead) earned 50 on c1: it reaches no lead's key, whatever the allocation; a (web)
    keeps its 30 and b (ads) its 90 (by revenue; by leads, c1's 120 is split 60/60)."""
    res = _credit_of(["a", "b", "zz"], [30.0, 90.0, 50.0])
    r = closed_loop(
        _TWO_LEADS,
        costs={"campaign": ["c1"], "cost": [60.0]},
        attribution=res,
        by=("source", "campaign"),
        allocate=allocate,  # type: ignore[arg-type]
    )
    web, ads = row_of(r, source="web", campaign="c1"), row_of(r, source="ads", campaign="c1")
    if allocate == "revenue":
        assert (web["attributed_revenue"], ads["attributed_revenue"]) == pytest.approx((30, 90))
        assert (web["cost"], ads["cost"]) == pytest.approx((15.0, 45.0))
    elif allocate == "leads":
        assert (web["attributed_revenue"], ads["attributed_revenue"]) == pytest.approx((60, 60))
    else:
        assert math.isnan(web["attributed_revenue"]) and math.isnan(ads["attributed_revenue"])
    extra = row_of(r, source=UNALLOCATED, campaign="c1")
    assert extra["leads"] == 0
    assert extra["attributed_revenue"] == pytest.approx(50.0 if allocate != "none" else 170.0)
    assert "attributed revenue of persons not among the leads" in extra["note"]
    s = r.summary()
    assert s["attributed_revenue_outside_leads"] == pytest.approx(50.0)
    assert s["unmatched_amount_rows"] == 1
    total = sum(res.totals(by="campaign").values())
    assert float(np.nansum(r.table["attributed_revenue"])) == pytest.approx(total)
    assert s["attributed_revenue"] == pytest.approx(170.0)


def test_revenue_of_persons_not_among_the_leads_one_key_column() -> None:
    """by="campaign": zz's 50 is not campaign c1's leads' revenue; it stays on its own row."""
    r = closed_loop(_TWO_LEADS, attribution=_credit_of(["a", "b", "zz"], [30.0, 90.0, 50.0]),
                    by="campaign")  # fmt: skip
    assert row_of(r, campaign="c1")["attributed_revenue"] == pytest.approx(120.0)
    extra = row_of(r, campaign=UNALLOCATED)
    assert extra["attributed_revenue"] == pytest.approx(50.0) and extra["leads"] == 0
    assert extra["note"] == "attributed revenue of persons not among the leads"


@pytest.mark.parametrize("allocate", ["revenue", "leads", "none"])
def test_every_person_a_lead_no_unallocated_revenue(allocate: str) -> None:
    res = _credit_of(["a", "b"], [30.0, 90.0])
    r = closed_loop(_TWO_LEADS, attribution=res, by=("source", "campaign"), allocate=allocate)  # type: ignore[arg-type]
    s = r.summary()
    assert s["attributed_revenue_outside_leads"] == 0.0
    assert s["unmatched_amount_rows"] == (1 if allocate == "none" else 0)
    if allocate == "revenue":
        assert row_of(r, source="web", campaign="c1")["attributed_revenue"] == 30.0
        assert row_of(r, source="ads", campaign="c1")["attributed_revenue"] == 90.0
    notes = [n for n in r.table["note"] if n is not None]
    assert all("persons not among the leads" not in n for n in notes)


def test_revenue_allocation_note_says_which_case_happened() -> None:
    """allocate="revenue": a cost of a campaign no lead has says so; a cost of a campaign whose
    leads earned nothing says that."""
    leads = {**_TWO_LEADS, "lead_id": ["a", "b"], "campaign": ["c1", "c2"]}
    res = _credit_of(["a"], [30.0])  # (b, the lead of c2, earned nothing)
    costs = {"campaign": ["c1", "c2", "c9"], "cost": [60.0, 20.0, 10.0]}
    r = closed_loop(leads, costs=costs, attribution=res, by=("source", "campaign"), allocate="revenue")  # fmt: skip
    assert row_of(r, source="web", campaign="c1")["cost"] == 60.0
    c2 = row_of(r, source=UNALLOCATED, campaign="c2")
    assert c2["cost"] == 20.0
    assert c2["note"] == "no attributed revenue among the leads sharing its campaign"
    c9 = row_of(r, source=UNALLOCATED, campaign="c9")
    assert c9["cost"] == 10.0 and c9["note"] == "no lead shares its campaign"
