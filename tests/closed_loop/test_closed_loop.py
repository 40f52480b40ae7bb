"""alignment.closed_loop: per-key funnel outcomes, costs, ROI, duplicates, incomplete leads."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment.closed_loop import ClosedLoopReport, closed_loop
from alignment.errors import DataValidationError, MissingColumnError, ParameterError


def base_leads() -> dict[str, list[Any]]:
    return {
        "lead_id": ["a", "b", "c", "d", "e", "f"],
        "created_at": ["2024-03-01T10:00Z"] * 6,
        "mql_at": ["2024-03-02T00:00Z", "2024-03-02T00:00Z", None, "2024-03-02T00:00Z",
                   "2024-03-02T00:00Z", "2024-03-02T00:00Z"],
        "sal_at": ["2024-03-03T00:00Z", None, None, "2024-03-03T00:00Z", None, "2024-03-03T00:00Z"],
        "rejected_at": [None, "2024-03-03T00:00Z", None, None, "2024-03-03T00:00Z", None],
        "rejection_reason": [None, "competitor", None, None, "wrong_size", None],
        "sql_at": ["2024-03-04T00:00Z", None, None, "2024-03-04T00:00Z", None, None],
        "source": ["web", "web", "ads", "ads", "web", None],
        "campaign": ["c1", "c1", "c2", "c2", "c1", "c2"],
        "email": [" Ann@X.com", "ann@x.COM ", None, "d@x.com", "e@x.com", ""],
        "name": ["Ann Lee", "Bo", "Cy", "Dee  Dee", "dee dee", "Fi"],
        "company": ["Acme", "Acme", "Foo", "Bar Inc", "bar  inc", "Baz"],
    }  # fmt: skip


DEALS = {"lead_id": ["a", "a", "d", "b"], "amount": [100.0, 50.0, 30.0, 70.0],
         "won": [True, False, True, False]}  # fmt: skip


def row_of(report: ClosedLoopReport, **key: str) -> dict[str, Any]:
    t = report.table
    mask = np.ones(t.n_rows, dtype=bool)
    for k, v in key.items():
        mask &= t[k] == v
    (i,) = np.flatnonzero(mask)
    return {c: t[c][i] for c in t.columns}


def test_per_campaign_worked_example() -> None:
    costs = {"campaign": ["c1", "c2"], "cost": [50.0, 0.0]}
    r = closed_loop(base_leads(), deals=DEALS, costs=costs, by="campaign")
    c1 = row_of(r, campaign="c1")
    assert (c1["leads"], c1["mqls"], c1["accepted"], c1["rejected"], c1["sqls"], c1["won"]) == (
        3, 3, 1, 2, 1, 1
    )  # fmt: skip
    assert c1["acceptance_rate"] == pytest.approx(1 / 3)
    assert c1["sql_rate"] == 1.0
    assert c1["revenue"] == 100.0  # the lost 50 deal is not revenue
    assert c1["cost"] == 50.0 and c1["cost_per_lead"] == pytest.approx(50 / 3)
    assert c1["roi"] == pytest.approx((100 - 50) / 50)
    c2 = row_of(r, campaign="c2")
    assert (c2["leads"], c2["mqls"], c2["accepted"], c2["sqls"]) == (3, 2, 2, 1)
    assert c2["acceptance_rate"] == 1.0 and c2["cost_per_lead"] == 0.0
    assert c2["revenue"] == 30.0 and c2["cost"] == 0.0
    assert np.isnan(c2["roi"])  # zero cost: ROI undefined
    assert c2["won"] == 1 and c2["win_rate"] == pytest.approx(1 / 1)
    assert r.summary["revenue"] == 130.0


def test_rejection_reasons_counted() -> None:
    r = closed_loop(base_leads(), by="campaign")
    rr = r.rejection_reasons
    got = sorted(zip(rr["campaign"].tolist(), rr["reason"].tolist(), rr["count"].tolist()))
    assert got == [("c1", "competitor", 1), ("c1", "wrong_size", 1)]


def test_blank_rejection_reason_is_counted_as_missing() -> None:
    leads = {
        "lead_id": ["a", "b", "c", "d"],
        "created_at": ["2024-01-01Z"] * 4,
        "campaign": ["c1"] * 4,
        "rejected_at": ["2024-01-02Z"] * 4,
        "rejection_reason": [None, "", "   ", "wrong_size"],
    }
    rr = closed_loop(leads, by="campaign").rejection_reasons
    got = sorted(zip(rr["campaign"].tolist(), rr["reason"].tolist(), rr["count"].tolist()))
    assert got == [("c1", "(missing)", 3), ("c1", "wrong_size", 1)]


def skipping_leads() -> dict[str, list[object]]:
    """Leads that skip stages (sales-sourced, imported): b and c have no mql_at, a no sql_at,
    d is won by its deal without an sql_at."""
    return {
        "lead_id": ["a", "b", "c", "d"],
        "created_at": ["2024-01-01Z"] * 4,
        "campaign": ["c1", "c1", "c1", "c2"],
        "mql_at": ["2024-01-02Z", "2024-01-02Z", None, "2024-01-02Z"],
        "sal_at": [None, "2024-01-03Z", "2024-01-03Z", "2024-01-03Z"],
        "sql_at": [None, "2024-01-04Z", "2024-01-04Z", None],
        "won_at": [None, None, "2024-01-09Z", None],
    }


def test_stage_rates_count_only_leads_that_reached_both_stages() -> None:
    deals = {"lead_id": ["c", "d"], "amount": [10.0, 20.0], "won": [True, True]}
    t = closed_loop(skipping_leads(), deals=deals, by="campaign").table.to_frame(backend="dict")
    assert t["mqls"].tolist() == [2, 1] and t["accepted"].tolist() == [2, 1]
    # c1: of the MQLs a, b only b was accepted (c was accepted without being an MQL)
    assert t["acceptance_rate"].tolist() == [0.5, 1.0]
    assert t["sql_rate"].tolist() == [1.0, 0.0]
    # c2: d is won (its deal) but was never an SQL: no SQL, no win rate (was 1 / 0)
    assert t["won"].tolist() == [1, 1] and t["win_rate"][0] == 0.5  # c of the SQLs b, c
    assert np.isnan(t["win_rate"][1])
    for rate in ("acceptance_rate", "sql_rate", "win_rate"):
        assert np.nanmax(t[rate]) <= 1.0


def test_missing_key_values_are_grouped_not_dropped() -> None:
    r = closed_loop(base_leads(), by=("source", "campaign"))
    assert int(r.table["leads"].sum()) == 6
    assert row_of(r, source="(missing)", campaign="c2")["leads"] == 1


def test_coarse_costs_are_placed_only_when_asked_and_unmatched_cost_kept() -> None:
    costs = {"campaign": ["c1", "c9"], "cost": [60.0, 10.0]}
    r = closed_loop(base_leads(), costs=costs, by=("source", "campaign"), allocate="leads")
    assert row_of(r, source="web", campaign="c1")["cost"] == pytest.approx(60.0)
    assert row_of(r, source="ads", campaign="c2")["cost"] == 0.0  # no c2 cost: measured 0
    extra = row_of(r, source="(unallocated)", campaign="c9")
    assert extra["leads"] == 0 and extra["cost"] == 10.0
    assert np.isnan(extra["cost_per_lead"]) and "no lead shares its campaign" in extra["note"]
    assert r.table["cost"].sum() == pytest.approx(70.0)
    assert r.summary["unmatched_amount_rows"] == 1
    # a cost without any key column is placed only by an allocation
    r2 = closed_loop(base_leads(), costs={"cost": [12.0]}, by="campaign", allocate="leads")
    assert r2.table["cost"].tolist() == pytest.approx([6.0, 6.0])
    r3 = closed_loop(base_leads(), costs={"cost": [12.0]}, by="campaign")
    assert np.isnan(row_of(r3, campaign="c1")["cost"])
    assert row_of(r3, campaign="(unallocated)")["cost"] == 12.0


def test_revenue_column_when_no_deals() -> None:
    leads = base_leads()
    leads["revenue"] = [10.0, 0.0, 0.0, 5.0, None, 0.0]
    leads["won_at"] = ["2024-03-09T00:00Z", None, None, "2024-03-09T00:00Z", None, None]
    r = closed_loop(leads, by="campaign")
    assert row_of(r, campaign="c1")["revenue"] == 10.0
    assert row_of(r, campaign="c2")["won"] == 1


def test_attribution_totals_are_used() -> None:
    class FakeAttribution:
        def totals(self, by: str = "channel") -> dict[str, float]:
            assert by == "campaign"
            return {"c1": 80.0, "c2": 20.0, "c3": 5.0}

    r = closed_loop(base_leads(), attribution=FakeAttribution(), costs={"campaign": ["c1"], "cost": [40.0]},
                    by="campaign")  # fmt: skip
    assert row_of(r, campaign="c1")["attributed_revenue"] == 80.0
    assert row_of(r, campaign="c1")["attributed_roi"] == pytest.approx(1.0)
    assert row_of(r, campaign="c3")["attributed_revenue"] == 5.0  # kept although no lead
    assert r.summary["attributed_revenue"] == pytest.approx(105.0)


def test_with_real_attribution_result() -> None:
    import alignment
    from alignment import Journeys

    tp = {
        "lead_id": ["a", "a", "d"],
        "timestamp": ["2024-03-01T00:00Z", "2024-03-02T00:00Z", "2024-03-01T00:00Z"],
        "channel": ["email", "web", "web"],
        "campaign": ["c1", "c2", "c2"],
        "converted_at": ["2024-03-05T00:00Z"] * 3,
        "revenue": [100.0, 100.0, 30.0],
    }
    res = alignment.attribute(Journeys.build(tp, touch_categorical=["campaign"]), model="linear")
    r = closed_loop(base_leads(), attribution=res, by="campaign")
    assert row_of(r, campaign="c1")["attributed_revenue"] == pytest.approx(50.0)
    assert row_of(r, campaign="c2")["attributed_revenue"] == pytest.approx(80.0)


def test_duplicates_by_email_and_by_name_at_company() -> None:
    r = closed_loop(base_leads(), by="campaign")
    d = r.duplicates
    got = sorted(zip(d["lead_id"].tolist(), d["duplicate_of"].tolist(), d["rule"].tolist()))
    assert got == [("b", "a", "email"), ("e", "d", "name+company")]
    assert r.summary["n_duplicates"] == 2


def test_first_and_last_name_columns() -> None:
    leads = {
        "lead_id": ["x", "y", "z"],
        "created_at": ["2024-03-01T00:00Z"] * 3,
        "first_name": ["Jo", "jo ", "Jo"],
        "last_name": ["Smith", "SMITH", "Smith"],
        "company": ["Acme", "acme", "Other"],
        "campaign": ["c", "c", "c"],
    }
    r = closed_loop(leads, by="campaign", required=())
    assert r.duplicates["lead_id"].tolist() == ["y"]
    assert r.incomplete.n_rows == 0


def test_incomplete_leads_listed_per_field() -> None:
    r = closed_loop(base_leads(), by="campaign", required=("email", "source", "phone"))
    inc = r.incomplete
    pairs = sorted(zip(inc["lead_id"].tolist(), inc["field"].tolist()))
    assert ("c", "email") in pairs and ("f", "email") in pairs and ("f", "source") in pairs
    assert sum(1 for _, f in pairs if f == "phone") == 6  # absent column: missing everywhere
    assert r.summary()["absent_required_columns"] == ("phone",)
    assert r.summary["n_incomplete"] == 6


def test_errors() -> None:
    with pytest.raises(MissingColumnError, match="region"):
        closed_loop(base_leads(), by="region")
    with pytest.raises(ParameterError):
        closed_loop(base_leads(), by=())
    with pytest.raises(DataValidationError, match="not in the lead table"):
        closed_loop(
            base_leads(), deals={"lead_id": ["zz"], "amount": [1.0], "won": [True]}, by="campaign"
        )
    with pytest.raises(DataValidationError, match="negative"):
        closed_loop(base_leads(), costs={"campaign": ["c1"], "cost": [-1.0]}, by="campaign")
    with pytest.raises(DataValidationError, match="yes/no"):
        closed_loop(
            base_leads(),
            deals={"lead_id": ["a"], "amount": [1.0], "won": ["Closed Lost"]},
            by="campaign",
        )


def test_frames_and_html() -> None:
    pd = pytest.importorskip("pandas")
    r = closed_loop(pd.DataFrame(base_leads()), by="campaign")
    assert isinstance(r.to_frame(), pd.DataFrame)
    assert isinstance(r.duplicates.to_frame("dict"), dict)
    assert "<table" in r._repr_html_()
    assert "ClosedLoopReport" in repr(r)


# --------------------------------------------------------------------------- twin


def twin_duplicates(emails: list[str | None]) -> set[tuple[int, int]]:
    first: dict[str, int] = {}
    out = set()
    for i, e in enumerate(emails):
        if e is None or not " ".join(e.split()):
            continue
        k = " ".join(e.split()).casefold()
        if k in first:
            out.add((i, first[k]))
        else:
            first[k] = i
    return out


@settings(max_examples=50, deadline=None)
@given(
    emails=st.lists(st.one_of(st.none(), st.sampled_from(["a@x", " A@x", "b@y", "B@Y ", "  ", "c", "a  @x", "A\t@X", "\tc\n"])),
                    min_size=1, max_size=12),
    camp=st.data(),
)  # fmt: skip
def test_duplicates_and_counts_match_twin(emails: list[str | None], camp: st.DataObject) -> None:
    n = len(emails)
    campaigns = camp.draw(st.lists(st.sampled_from(["c1", "c2", "c3"]), min_size=n, max_size=n))
    won = camp.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    leads = {
        "lead_id": [f"L{i}" for i in range(n)],
        "created_at": ["2024-01-01T00:00Z"] * n,
        "email": emails,
        "campaign": campaigns,
        "won_at": ["2024-02-01T00:00Z" if w else None for w in won],
    }
    r = closed_loop(leads, by="campaign", required=("email",))
    got = {
        (int(a[1:]), int(b[1:]))
        for a, b in zip(r.duplicates["lead_id"], r.duplicates["duplicate_of"])
    }
    assert got == twin_duplicates(emails)
    for i in range(r.table.n_rows):
        c = r.table["campaign"][i]
        assert r.table["leads"][i] == campaigns.count(c)
        assert r.table["won"][i] == sum(w for w, cc in zip(won, campaigns) if cc == c)
    missing = {i for i, e in enumerate(emails) if e is None or not e.strip()}
    assert set(int(x[1:]) for x in r.incomplete["lead_id"]) == missing
