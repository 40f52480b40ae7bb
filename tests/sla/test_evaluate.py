"""alignment.sla.evaluate: worked examples, edge cases, twin comparison, file-based agreement."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sla_twin import add_us, attempts_status, elapsed_us, lead_status

import alignment
from alignment import SLA, Activity, ActivityLog, AlignmentWarning, LeadTable
from alignment.errors import DataValidationError, MissingColumnError, ParameterError
from alignment.sla import BusinessCalendar, SLAReport, evaluate

UTC = dt.timezone.utc
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sla_agreement.toml"
H_US = 3_600_000_000

BASIC = {
    "sales": {
        "first_touch": {"within": "1d", "business_time": True},
        "attempts": {"within": "5d", "business_time": True, "per_kind": {"call": 2, "email": 1}},
        "accept": {"within": "48h"},
    }
}


def leads_dict(**cols: list[object]) -> dict[str, list[object]]:
    n = len(next(iter(cols.values())))
    base: dict[str, list[object]] = {
        "lead_id": [f"L{i}" for i in range(n)],
        "created_at": ["2024-03-01T08:00Z"] * n,
    }
    base.update(cols)
    return base


def acts(*rows: tuple[str, str, str]) -> dict[str, list[str]]:
    return {
        "lead_id": [r[0] for r in rows],
        "timestamp": [r[1] for r in rows],
        "kind": [r[2] for r in rows],
    }


def col(report: SLAReport, name: str) -> list[object]:
    return report.leads[name].tolist()


# --------------------------------------------------------------------------- worked example


def test_friday_lead_touched_monday_morning() -> None:
    leads = leads_dict(mql_at=["2024-03-01T16:30Z"], accepted_at=[None])  # no decision yet
    a = acts(("L0", "2024-03-04T09:30Z", "call"))
    r = evaluate(BASIC, leads, a, as_of="2024-03-04T12:00Z")
    assert col(r, "response_business") == [dt.timedelta(hours=1)]
    assert col(r, "response_wall") == [dt.timedelta(hours=65)]
    assert col(r, "first_touch_status") == ["met"]
    # one business day from Friday 16:30 = Monday 16:30
    assert r.leads["first_touch_deadline"][0] == np.datetime64("2024-03-04T16:30")
    # 5 business days (40 h) from Friday 16:30 = next Friday 16:30
    assert r.leads["attempts_deadline"][0] == np.datetime64("2024-03-08T16:30")
    assert col(r, "attempts_status") == ["pending"]
    assert col(r, "attempts_call") == [1] and col(r, "attempts_email") == [0]
    # 48 wall-clock hours: Sunday 16:30, passed without decision → auto-accepted
    assert col(r, "decision") == ["auto_accepted"] and col(r, "accept_status") == ["met"]
    assert col(r, "status") == ["pending"]


def test_five_calls_and_five_emails_in_five_business_days() -> None:
    sla = {"sales": {"attempts": {"within": "5d", "business_time": True,
                                  "per_kind": {"call": 5, "email": 5}}}}  # fmt: skip
    leads = leads_dict(mql_at=["2024-03-04T09:00Z", "2024-03-04T09:00Z"])
    rows = [
        ("L0", f"2024-03-0{4 + i}T1{j}:00Z", k)
        for i in range(5)
        for j, k in ((0, "call"), (1, "email"))
    ]
    rows += [("L1", f"2024-03-0{4 + i}T10:00Z", "call") for i in range(5)]
    rows += [("L1", "2024-03-11T10:00Z", "email")]  # after the deadline (Friday 17:00)
    r = evaluate(sla, leads, acts(*rows), as_of="2024-03-12T00:00Z")
    assert col(r, "attempts_status") == ["met", "breached"]
    assert col(r, "attempts_call") == [5, 5] and col(r, "attempts_email") == [5, 0]
    b = r.breaches()
    assert b["lead_id"].tolist() == ["L1"] and b["reason"].tolist() == ["short_of_attempts"]


# --------------------------------------------------------------------------- edge cases


def test_leads_without_activity_pending_at_risk_breached() -> None:
    sla = {"sales": {"first_touch": {"within": "4h", "business_time": False}}, "at_risk_after": 0.5}
    leads = leads_dict(mql_at=["2024-03-04T11:00Z", "2024-03-04T09:30Z", "2024-03-04T06:00Z"])
    r = evaluate(sla, leads, acts(), as_of="2024-03-04T12:00Z")
    assert col(r, "first_touch_status") == ["pending", "at_risk", "breached"]
    assert r.breaches()["reason"].tolist() == ["no_touch"]
    assert r.summary["activities_counted"] == 0


def test_touch_exactly_at_deadline_is_met_and_late_touch_breached() -> None:
    sla = {"sales": {"first_touch": {"within": "2h", "business_time": False}}}
    leads = leads_dict(mql_at=["2024-03-04T10:00Z", "2024-03-04T10:00Z"])
    a = acts(("L0", "2024-03-04T12:00Z", "call"), ("L1", "2024-03-04T12:00:01Z", "call"))
    r = evaluate(sla, leads, a, as_of="2024-03-05T00:00Z")
    assert col(r, "first_touch_status") == ["met", "breached"]
    assert r.breaches()["reason"].tolist() == ["late_touch"]


def test_activities_before_assignment_and_after_as_of() -> None:
    leads = leads_dict(mql_at=["2024-03-04T10:00Z"])
    a = acts(
        ("L0", "2024-03-01T10:00Z", "call"),  # before assignment
        ("L0", "2024-03-04T11:00Z", "call"),
        ("L0", "2024-03-08T11:00Z", "call"),  # after as_of
    )
    r = evaluate(BASIC, leads, a, as_of="2024-03-05T00:00Z")
    assert col(r, "activities") == [3]
    assert col(r, "activities_before_assignment") == [1]
    assert col(r, "activities_after_as_of") == [1]
    assert col(r, "activities_counted") == [1]
    assert r.leads["first_touch_at"][0] == np.datetime64("2024-03-04T11:00")
    assert col(r, "attempts_call") == [1]


@pytest.mark.parametrize("assigned", ["2024-03-06T00:00Z", "2024-03-10T00:00Z", None])
def test_an_activity_after_as_of_is_after_as_of_whatever_the_assignment(
    assigned: str | None,
) -> None:
    # the assignment is not known at as_of (later, or never recorded): the call after as_of
    # is not known either, so it is "after as_of", never "before assignment"
    sla = {"sales": {"first_touch": {"within": "2h"}}}
    leads = leads_dict(assigned_at=[assigned])
    a = acts(("L0", "2024-03-07T12:00Z", "call"))
    r = evaluate(sla, leads, a, as_of="2024-03-05T00:00Z")
    assert col(r, "activities_before_assignment") == [0]
    assert col(r, "activities_after_as_of") == [1]
    assert r.summary["activities_before_assignment"] == 0
    assert r.summary["activities_after_as_of"] == 1


def test_unknown_leads_raise_or_are_reported() -> None:
    leads = leads_dict(mql_at=["2024-03-04T10:00Z"])
    a = acts(("L0", "2024-03-04T11:00Z", "call"), ("ghost", "2024-03-04T12:00Z", "call"))
    with pytest.raises(DataValidationError, match="not in the lead table") as exc:
        evaluate(BASIC, leads, a, as_of="2024-03-05T00:00Z")
    assert exc.value.rows == [1] and exc.value.value == "ghost"
    r = evaluate(BASIC, leads, a, as_of="2024-03-05T00:00Z", unknown_leads="ignore")
    assert r.summary["activities_unknown_lead"] == 1
    assert r.unknown_activities["lead_id"].tolist() == ["ghost"]
    assert r.unknown_activities["row"].tolist() == [1]
    assert col(r, "activities") == [1]


def test_reassigned_lead_clock_restarts() -> None:
    sla = {"sales": {"first_touch": {"within": "2h", "business_time": False}}}
    leads = leads_dict(
        mql_at=["2024-03-04T09:00Z", "2024-03-04T09:00Z"],
        reassigned_at=["2024-03-04T13:00Z", None],
        owner=["bob", "ann"],
    )
    a = acts(("L0", "2024-03-04T10:00Z", "call"), ("L0", "2024-03-04T14:00Z", "call"))
    r = evaluate(sla, leads, a, as_of="2024-03-05T00:00Z")
    assert col(r, "reassigned") == [True, False]
    assert r.leads["clock_start"][0] == np.datetime64("2024-03-04T13:00")
    assert r.leads["first_touch_at"][0] == np.datetime64("2024-03-04T14:00")
    assert col(r, "activities_before_assignment") == [1, 0]
    assert col(r, "first_touch_status") == ["met", "breached"]
    assert r.summary["reassigned"] == 1


def test_assigned_at_column_wins_over_mql_and_unassigned_leads() -> None:
    sla = {"sales": {"first_touch": {"within": "1h", "business_time": False}}}
    leads = leads_dict(
        mql_at=["2024-03-04T09:00Z", "2024-03-04T09:00Z", None],
        assigned_at=["2024-03-04T10:00Z", "2024-03-06T10:00Z", None],
    )
    a = acts(("L0", "2024-03-04T10:30Z", "call"))
    r = evaluate(sla, leads, a, as_of="2024-03-05T00:00Z")
    assert col(r, "first_touch_status") == ["met", "n/a", "n/a"]
    assert r.summary["not_assigned"] == 1 and r.summary["assigned_after_as_of"] == 1
    assert r.summary["in_scope"] == 1


def test_accept_reject_rules() -> None:
    sla = {"sales": {"accept": {"within": "24h", "reason_codes": ["competitor", "wrong_size"]}}}
    leads = leads_dict(
        mql_at=["2024-03-04T09:00Z"] * 6,
        sal_at=["2024-03-04T10:00Z", None, None, None, None, None],
        rejected_at=[None, "2024-03-04T12:00Z", "2024-03-04T12:00Z", "2024-03-06T12:00Z", None,
                     "2024-03-04T12:00Z"],
        rejection_reason=[None, "competitor", "too_cheap", "wrong_size", None, None],
    )  # fmt: skip
    r = evaluate(sla, leads, acts(), as_of="2024-03-07T00:00Z")
    assert col(r, "decision") == [
        "accepted", "rejected", "rejected", "auto_accepted", "auto_accepted", "rejected"
    ]  # fmt: skip
    assert col(r, "accept_status") == ["met", "met", "breached", "breached", "met", "breached"]
    assert col(r, "reason_valid") == [True, True, False, True, True, False]
    reasons = dict(zip(r.breaches()["lead_id"].tolist(), r.breaches()["reason"].tolist()))
    assert reasons == {"L2": "invalid_reason", "L3": "late_rejection", "L5": "missing_reason"}
    # before the window closes, an undecided lead is pending
    r2 = evaluate(sla, leads, acts(), as_of="2024-03-04T11:00Z")
    assert col(r2, "decision")[4] == "pending" and col(r2, "accept_status")[4] == "pending"


def test_blank_rejection_reason_is_missing_and_spaces_around_a_code_are_ignored() -> None:
    # an empty cell of a CSV or Excel export ("", "   ") is no reason: missing, not invalid
    sla = {"sales": {"accept": {"within": "48h"}}}
    leads = leads_dict(
        assigned_at=["2024-03-04T10:00Z"] * 5,
        rejected_at=["2024-03-05T10:00Z"] * 5,
        rejection_reason=[None, "", "   ", " wrong_size ", "Wrong_Size"],
    )
    r = evaluate(sla, leads, acts(), as_of="2024-03-10T00:00Z")
    assert col(r, "rejection_reason") == [None, None, None, " wrong_size ", "Wrong_Size"]
    assert col(r, "reason_valid") == [False, False, False, True, False]
    assert col(r, "accept_status") == ["breached"] * 3 + ["met", "breached"]
    reasons = dict(zip(r.breaches()["lead_id"].tolist(), r.breaches()["reason"].tolist()))
    assert reasons == {
        "L0": "missing_reason", "L1": "missing_reason", "L2": "missing_reason",
        "L4": "invalid_reason",
    }  # fmt: skip


def test_missing_assignment_and_gate_columns() -> None:
    leads = {"lead_id": ["a"], "created_at": ["2024-03-01T00:00Z"]}
    with pytest.raises(MissingColumnError, match="assignment"):
        evaluate(BASIC, leads, acts(), as_of="2024-03-05T00:00Z")
    sla = {"marketing": {"qualified_leads": 5, "quality": {"personas": ["cto"]}}}
    with pytest.raises(MissingColumnError, match="persona"):
        evaluate(sla, leads_dict(mql_at=["2024-03-04T00:00Z"]), acts(), as_of="2024-03-05T00:00Z")
    sla2 = {"sales": {"first_touch": {"within": "1h", "kinds": ["call"]}}}
    no_kind = {"lead_id": ["L0"], "timestamp": ["2024-03-04T00:00Z"]}
    with pytest.raises(MissingColumnError, match="kind"):
        evaluate(sla2, leads_dict(mql_at=["2024-03-04T00:00Z"]), no_kind, as_of="2024-03-05T00:00Z")


def test_first_touch_kinds_filter() -> None:
    sla = {"sales": {"first_touch": {"within": "2h", "business_time": False, "kinds": ["call"]}}}
    leads = leads_dict(mql_at=["2024-03-04T10:00Z"])
    a = acts(("L0", "2024-03-04T10:10Z", "email"), ("L0", "2024-03-04T11:00Z", "call"))
    r = evaluate(sla, leads, a, as_of="2024-03-05T00:00Z")
    assert r.leads["first_touch_at"][0] == np.datetime64("2024-03-04T11:00")


def test_kinds_are_compared_case_insensitively_as_in_speed_to_lead() -> None:
    sla = {"sales": {"first_touch": {"within": "1d", "business_time": False,
                                     "kinds": ["call", " EMAIL "]},
                     "attempts": {"within": "5d", "per_kind": {"call": 1, "email": 1}}}}  # fmt: skip
    leads = leads_dict(assigned_at=["2024-03-04T10:00Z"])
    a = acts(("L0", "2024-03-04T11:00Z", "Call"), ("L0", "2024-03-04T12:00Z", "Email"))
    r = evaluate(sla, leads, a, as_of="2024-03-12T00:00Z")
    assert r.leads["first_touch_at"][0] == np.datetime64("2024-03-04T11:00")
    assert col(r, "first_touch_status") == ["met"]
    assert col(r, "attempts_call") == [1] and col(r, "attempts_email") == [1]
    assert col(r, "attempts") == [2] and col(r, "attempts_status") == ["met"]
    assert r.breaches()["reason"].tolist() == []
    speed = alignment.sla.speed_to_lead(leads, a, connect_outcomes=None)
    assert speed.leads["status"][0] == "attempted"
    twice = {"sales": {"attempts": {"within": "5d", "per_kind": {"call": 1, "Call": 2}}}}
    with pytest.raises(DataValidationError, match="per_kind names one kind twice"):
        evaluate(twice, leads, a, as_of="2024-03-12T00:00Z")


def test_a_kind_no_activity_carries_is_warned_once_with_the_kinds_that_occur() -> None:
    leads = leads_dict(assigned_at=["2024-03-04T10:00Z"] * 2)
    a = acts(("L0", "2024-03-04T11:00Z", "Call"), ("L1", "2024-03-04T12:00Z", "Email"))
    typo = {"name": "inbound", "sales": {
        "first_touch": {"within": "1d", "business_time": False, "kinds": ["Cal"]},
        "attempts": {"within": "5d", "per_kind": {"call": 1, "emial": 1}}}}  # fmt: skip
    with pytest.warns(AlignmentWarning) as caught:
        r = evaluate(typo, leads, a, as_of="2024-03-12T00:00Z")
    assert col(r, "first_touch_status") == ["breached", "breached"]  # (the figures stand)
    texts = [str(w.message) for w in caught if issubclass(w.category, AlignmentWarning)]
    assert len(texts) == 1
    msg = texts[0]
    assert "'inbound'" in msg and "sales.first_touch.kinds ['Cal']" in msg
    assert "sales.attempts.per_kind ['emial']" in msg and "'call'" not in msg.split(":")[1]
    assert "kinds are 'Call', 'Email'" in msg and "fix:" in msg
    # a CRMData bundle takes the same path (its kinds: call, email, meeting)
    with pytest.warns(AlignmentWarning, match=r"kinds \['Cal'\].* 'call', 'email', 'meeting'"):
        evaluate({"sales": {"first_touch": {"within": "1d", "kinds": ["Cal"]}}},
                 alignment.synthetic_crm(50, seed=1))  # fmt: skip


def test_kinds_that_match_do_not_warn() -> None:
    leads = leads_dict(assigned_at=["2024-03-04T10:00Z"])
    a = acts(("L0", "2024-03-04T11:00Z", "Call"))
    fine = {"sales": {"first_touch": {"within": "1d", "kinds": ["call", "meeting"]},
                      "attempts": {"within": "5d", "kinds": ["CALL"], "per_kind": {"call": 1}}}}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", AlignmentWarning)
        r = evaluate(fine, leads, a, as_of="2024-03-12T00:00Z")
        evaluate(fine, leads, acts(), as_of="2024-03-12T00:00Z")  # (no activity: no kind)
    assert col(r, "attempts_status") == ["met"]


def test_activity_inputs_prebuilt_log_and_models() -> None:
    leads = LeadTable.build(leads_dict(mql_at=["2024-03-04T10:00Z", "2024-03-04T10:00Z"]))
    rows = acts(("L1", "2024-03-04T11:00Z", "call"), ("L0", "2024-03-04T12:00Z", "email"))
    aligned = ActivityLog.build(rows, leads=leads)
    models = [
        Activity(lead_id="L1", timestamp=dt.datetime(2024, 3, 4, 11, tzinfo=UTC), kind="call"),
        Activity(lead_id="L0", timestamp=dt.datetime(2024, 3, 4, 12, tzinfo=UTC), kind="email"),
    ]
    outs = [evaluate(BASIC, leads, x, as_of="2024-03-05T00:00Z") for x in (rows, aligned, models)]
    for r in outs[1:]:
        for name in outs[0].leads:
            np.testing.assert_array_equal(r.leads[name], outs[0].leads[name])


def test_prebuilt_log_with_reported_unknown_rows() -> None:
    leads = LeadTable.build(leads_dict(mql_at=["2024-03-04T10:00Z"]))
    rows = acts(("L0", "2024-03-04T11:00Z", "call"), ("zz", "2024-03-04T11:00Z", "call"))
    log = ActivityLog.build(rows, leads=leads, unknown="report")
    with pytest.raises(DataValidationError):
        evaluate(BASIC, leads, log, as_of="2024-03-05T00:00Z")
    r = evaluate(BASIC, leads, log, as_of="2024-03-05T00:00Z", unknown_leads="ignore")
    assert r.unknown_activities["row"].tolist() == [1]
    assert r.summary["n_activities"] == 2


# --------------------------------------------------------------------------- periods & daily


def marketing_fixture() -> tuple[dict[str, object], dict[str, list[object]]]:
    sla = {
        "marketing": {
            "qualified_leads": 10,
            "period": "W",
            "split_by": "owner",
            "split": {"ann": 6, "bob": 4},
            "quality": {"min_grid_cell": "B2", "sources": ["web", "ads"]},
        },
        "sales": {"first_touch": {"within": "1h", "business_time": False}},
    }
    leads = leads_dict(
        mql_at=["2024-03-04T10:00Z", "2024-03-05T10:00Z", "2024-03-05T11:00Z",
                "2024-03-06T10:00Z", "2024-03-11T10:00Z", "2024-03-12T10:00Z"],
        owner=["ann", "ann", "bob", "bob", "ann", None],
        grid_cell=["A1", "C1", "B2", "B1", "A3", "A1"],
        source=["web", "web", "ads", "fair", "web", "web"],
    )  # fmt: skip
    return sla, leads


def test_periods_delivered_committed_pace() -> None:
    sla, leads = marketing_fixture()
    a = acts(("L0", "2024-03-04T10:30Z", "call"), ("L2", "2024-03-05T13:00Z", "call"))
    r = evaluate(sla, leads, a, as_of="2024-03-12T12:00Z")  # Tuesday of the 2nd week
    p = r.periods
    keys = list(zip(p["period_start"].astype(str).tolist(), p["owner"].tolist()))
    assert keys == [
        ("2024-03-04", "(missing)"), ("2024-03-04", "ann"), ("2024-03-04", "bob"),
        ("2024-03-11", "(missing)"), ("2024-03-11", "ann"), ("2024-03-11", "bob"),
    ]  # fmt: skip
    # qualified: L0 (A1 web), L2 (B2 ads) in week 1; L5 (A1 web, no owner) in week 2
    assert p["delivered"].tolist() == [0, 1, 1, 1, 0, 0]
    assert p["delivered_unqualified"].tolist() == [0, 1, 1, 0, 1, 0]
    assert p["committed"].tolist() == [0, 6, 4, 0, 6, 4]
    frac2 = (1 * 24 + 12) / (7 * 24)
    np.testing.assert_allclose(p["pace_to_date"], [0, 6, 4, 0, 6 * frac2, 4 * frac2])
    assert p["first_touch_met"].tolist() == [0, 1, 0, 0, 0, 0]
    assert p["first_touch_breached"].tolist() == [0, 1, 2, 1, 1, 0]
    np.testing.assert_allclose(p["first_touch_compliance"][:3], [np.nan, 0.5, 0.0])
    assert p["response_median"][1] == np.timedelta64(30, "m")
    assert np.isnat(p["response_median"][0])
    assert p["response_p90"][2] == np.timedelta64(2, "h")


def test_a_period_without_pace_has_no_on_pace_verdict() -> None:
    """Nothing committed (or not started yet): on_pace is missing, with the reason, not True."""
    sla, leads = marketing_fixture()
    r = evaluate(sla, leads, acts(), as_of="2024-03-12T12:00Z")
    p = r.periods
    assert p["pace_to_date"][[0, 3]].tolist() == [0.0, 0.0]
    assert p["on_pace"].tolist() == [None, False, False, None, False, False]
    assert r.not_measured["on_pace"] == r.not_measured["delivered_vs_pace"]
    week_two_not_started = evaluate(sla, leads, acts(), as_of="2024-03-11T00:00Z").periods
    assert week_two_not_started["on_pace"].tolist() == [None, False, False, None, None, None]


def test_grid_cells_that_are_not_cells_are_refused() -> None:
    sla = {"marketing": {"qualified_leads": 10, "quality": {"min_grid_cell": "A1"}},
           "sales": {"first_touch": {"within": "1d"}}}  # fmt: skip
    for bad in ("11", "?1", "-1", "A0", "AA1"):
        cells = ["A1", bad, "B1", bad]
        leads = leads_dict(mql_at=["2024-03-04T10:00Z"] * 4, grid_cell=cells)
        with pytest.raises(DataValidationError, match="not a grid cell") as info:
            evaluate(sla, leads, acts(), as_of="2024-03-12T00:00Z")
        err = info.value
        assert err.column == "grid_cell" and list(err.rows) == [1, 3] and err.value == bad
    # case and spaces are not the cell's; missing or blank cells do not qualify
    cells = [" a1 ", None, "", "B1"]
    leads = leads_dict(mql_at=["2024-03-04T10:00Z"] * 4, grid_cell=cells)
    r = evaluate(sla, leads, acts(), as_of="2024-03-12T00:00Z")
    assert r.periods["delivered"].tolist() == [1]
    assert r.periods["delivered_unqualified"].tolist() == [3]


def test_a_zoned_calendar_refuses_placeholder_dates_with_their_rows() -> None:
    sla = {"sales": {"first_touch": {"within": "1d"}}, "calendar": {"tz": "Europe/Paris"}}
    leads = leads_dict(assigned_at=["2024-03-04T10:00Z", "0001-01-01T00:00Z"])
    a = acts(("L0", "2024-03-04T11:00Z", "call"))
    with pytest.raises(DataValidationError, match="time zone cannot place") as info:
        evaluate(sla, leads, a, as_of="2024-03-10T00:00Z")
    assert (info.value.table, info.value.column, info.value.rows) == ("leads", "assigned_at", [1])
    fine = leads_dict(assigned_at=["2024-03-04T10:00Z"] * 2)
    bad = acts(("L1", "9999-12-31T00:00Z", "call"), ("L0", "2024-03-04T11:00Z", "call"))
    with pytest.raises(DataValidationError, match="time zone cannot place") as info:
        evaluate(sla, fine, bad, as_of="9999-12-31T12:00Z")
    assert (info.value.table, info.value.column, info.value.rows) == (
        "activities",
        "timestamp",
        [0],
    )
    # an activity after as_of is not known yet, hence never placed
    r = evaluate(sla, fine, bad, as_of="2024-03-10T00:00Z")
    assert col(r, "first_touch_status") == ["met", "breached"]


def test_periods_response_quantiles_match_numpy() -> None:
    rng = np.random.default_rng(3)
    n = 300
    mql = np.datetime64("2024-03-01T00:00") + rng.integers(0, 60 * 86_400, n).astype(
        "timedelta64[s]"
    )
    owner = rng.choice(["a", "b", "c"], n).tolist()
    touch = mql + rng.integers(0, 5 * 86_400, n).astype("timedelta64[s]")
    leads = {
        "lead_id": [f"L{i}" for i in range(n)],
        "created_at": mql,
        "mql_at": mql,
        "owner": owner,
    }
    a = {"lead_id": [f"L{i}" for i in range(n)], "timestamp": touch, "kind": ["call"] * n}
    sla = {"marketing": {"qualified_leads": 50, "split_by": "owner"},
           "sales": {"first_touch": {"within": "1d"}}}  # fmt: skip
    r = evaluate(sla, leads, a, as_of="2024-06-01T00:00Z")
    resp = r.leads["response_business"].astype(np.int64)
    month = mql.astype("datetime64[M]")
    for i in range(r.periods.n_rows):
        sel = (month == r.periods["period_start"][i].astype("datetime64[M]")) & (
            np.array(owner) == r.periods["owner"][i]
        )
        if sel.any():
            for q, name in ((0.5, "response_median"), (0.9, "response_p90")):
                want = np.round(np.quantile(resp[sel], q))
                assert r.periods[name][i].astype(np.int64) == want


def test_split_by_an_owner_column_of_integer_ids() -> None:
    # CRM owner ids (HubSpot): split by their labels, as the leads table reads them ("101")
    sla = {
        "marketing": {"qualified_leads": 3, "period": "M", "split_by": "owner",
                      "split": {"101": 2, "99": 1}},
        "sales": {"first_touch": {"within": "1d"}},
    }  # fmt: skip
    owner = np.array([101, 99, 101], dtype=np.int64)
    leads = leads_dict(mql_at=["2024-03-04T10:00Z"] * 3, owner=owner.tolist())
    leads["owner"] = owner  # type: ignore[assignment]
    r = evaluate(sla, leads, acts(), as_of="2024-03-10T00:00Z")
    p = r.periods
    assert p["owner"].tolist() == ["101", "99"]
    assert p["delivered"].tolist() == [2, 1] and p["committed"].tolist() == [2, 1]
    assert col(r, "owner") == ["101", "99", "101"]
    assert owner.tolist() == [101, 99, 101]


def test_split_by_a_column_that_holds_no_values_is_refused() -> None:
    sla = {"marketing": {"qualified_leads": 3, "split_by": "mql_at"}}  # (a time column)
    leads = leads_dict(mql_at=["2024-03-04T10:00Z"] * 2, score=[1.5, 2.0])
    with pytest.raises(MissingColumnError, match="not a lead column of values") as info:
        evaluate(sla, leads, acts(), as_of="2024-03-10T00:00Z")
    assert info.value.column == "mql_at" and info.value.fix


def test_daily_series_accounts_for_everything() -> None:
    sla, leads = marketing_fixture()
    a = acts(("L0", "2024-03-04T10:30Z", "call"), ("L2", "2024-03-05T13:00Z", "call"))
    r = evaluate(sla, leads, a, as_of="2024-03-12T12:00Z")
    d = r.daily
    assert d["date"][0] == np.datetime64("2024-03-04") and d["date"][-1] == np.datetime64(
        "2024-03-12"
    )
    assert int(d["delivered"].sum()) == int(r.periods["delivered"].sum())
    assert int(d["leads_assigned"].sum()) == r.summary["in_scope"]
    assert int(d["activities"].sum()) == r.summary["activities_counted"]
    assert int(d["first_touch_breaches"].sum()) == r.summary["first_touch_breached"]
    # delivered to date restarts each week; pace is a straight line to the commitment
    assert d["delivered_to_date"].tolist() == [1, 2, 2, 2, 2, 2, 2, 0, 1]
    np.testing.assert_allclose(d["pace_to_date"][:7], 10 * np.arange(1, 8) / 7)


def test_custom_periods_and_equal_split() -> None:
    sla = {
        "marketing": {"qualified_leads": 9, "period": "custom",
                      "period_starts": ["2024-03-01", "2024-03-10"], "split_by": "owner"},
        "sales": {"first_touch": {"within": "1h", "business_time": False}},
    }  # fmt: skip
    leads = leads_dict(
        mql_at=["2024-02-20T10:00Z", "2024-03-02T10:00Z", "2024-03-12T10:00Z"],
        owner=["a", "b", "c"],
    )
    r = evaluate(sla, leads, acts(), as_of="2024-03-15T00:00Z")
    p = r.periods
    assert sorted(set(p["period_start"].astype(str).tolist())) == ["2024-03-01", "2024-03-10"]
    assert p["period_end"].astype(str).tolist()[-1] == "2024-03-19"
    np.testing.assert_allclose(p["committed"], [3.0] * 6)
    assert int(p["delivered"].sum()) == 2  # the February lead is outside every period


# --------------------------------------------------------------------------- output objects


def test_frames_and_html() -> None:
    pytest.importorskip("pandas")
    pytest.importorskip("polars")
    import pandas as pd
    import polars as pl

    sla, leads = marketing_fixture()
    r = evaluate(sla, pd.DataFrame(leads), acts(("L0", "2024-03-04T10:30Z", "call")),
                 as_of="2024-03-12T12:00Z")  # fmt: skip
    assert isinstance(r.leads.to_frame(), pd.DataFrame)  # the caller's backend
    assert isinstance(r.periods.to_frame("polars"), pl.DataFrame)
    assert isinstance(r.daily.to_frame("dict"), dict)
    assert len(r.breaches().to_frame()) == r.breaches().n_rows
    for obj in (r, r.leads, r.periods, r.daily, r.breaches()):
        html = obj._repr_html_()
        assert "<table" in html
    assert r.breaches("first_touch").n_rows == r.summary["first_touch_breached"]
    with pytest.raises(ParameterError, match="unknown commitment"):
        r.breaches("speed")
    assert "SLAReport" in repr(r)


def test_sla_accepts_model_and_dict_and_calendar_override() -> None:
    sla = SLA.from_dict(BASIC)
    leads = leads_dict(mql_at=["2024-03-01T16:30Z"])
    a = acts(("L0", "2024-03-04T09:30Z", "call"))
    r1 = evaluate(sla, leads, a, as_of="2024-03-05T00:00Z")
    r2 = evaluate(BASIC, leads, a, as_of="2024-03-05T00:00Z")
    assert r1.leads["response_business"][0] == r2.leads["response_business"][0]
    cal = BusinessCalendar(hours="00:00-24:00")
    r3 = evaluate(sla, leads, a, as_of="2024-03-05T00:00Z", calendar=cal)
    assert r3.leads["response_business"][0] == np.timedelta64(17, "h")
    assert r3.calendar is cal


# --------------------------------------------------------------------------- twin comparison

ZONES = ["UTC", "Europe/Paris", "America/New_York"]
T0 = dt.datetime(2024, 3, 1, tzinfo=UTC)
SPAN = 90 * 86_400  # covers the March/April DST changes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tz=st.sampled_from(ZONES),
    holidays=st.sets(st.dates(dt.date(2024, 3, 1), dt.date(2024, 6, 1)), max_size=8),
    clocks=st.lists(st.one_of(st.none(), st.integers(0, SPAN)), min_size=1, max_size=6),
    touches=st.lists(
        st.tuples(
            st.integers(0, 5),
            st.integers(0, SPAN + 20 * 86_400),
            st.sampled_from(["call", "email"]),
        ),
        max_size=25,
    ),
    as_of=st.integers(0, SPAN + 10 * 86_400),
    within_h=st.integers(1, 30),
    business=st.booleans(),
    threshold=st.sampled_from([0.5, 0.75, 1.0]),
    kinds=st.sampled_from([None, {"call"}]),
)
def test_per_lead_status_matches_twin(  # type: ignore[no-untyped-def]
    tz, holidays, clocks, touches, as_of, within_h, business, threshold, kinds
) -> None:
    week = [[(9 * H_US, 17 * H_US)]] * 5 + [[], []]
    cal = BusinessCalendar(holidays=sorted(holidays), tz=tz)
    n = len(clocks)
    at = lambda s: T0 + dt.timedelta(seconds=s)  # noqa: E731
    clock_dt = [None if c is None else at(c) for c in clocks]
    tch = [(i % n, at(s), k) for i, s, k in touches]
    as_of_dt = at(as_of)
    sla = {
        "sales": {
            "first_touch": {
                "within": f"{within_h}h",
                "business_time": business,
                "kinds": None if kinds is None else list(kinds),
            },
            "attempts": {"within": f"{within_h}h", "business_time": business,
                         "per_kind": {"call": 2, "email": 1}},
        },
        "at_risk_after": threshold,
    }  # fmt: skip
    leads = {
        "lead_id": [f"L{i}" for i in range(n)],
        "created_at": [T0] * n,
        "mql_at": clock_dt,
    }
    a = {
        "lead_id": [f"L{i}" for i, _, _ in tch],
        "timestamp": [t for _, t, _ in tch],
        "kind": [k for _, _, k in tch],
    }
    r = evaluate(sla, leads, a, as_of=as_of_dt, calendar=cal)
    d_us = within_h * H_US

    def deadline_of(c: dt.datetime) -> dt.datetime:
        return (
            add_us(week, holidays, tz, c, d_us) if business else c + dt.timedelta(microseconds=d_us)
        )

    def fraction_of(c: dt.datetime, now: dt.datetime) -> float:
        el = (
            elapsed_us(week, holidays, tz, c, now)
            if business
            else (now - c) // dt.timedelta(microseconds=1)
        )
        return el / d_us

    for i in range(n):
        mine = [(t, k) for j, t, k in tch if j == i]
        want = lead_status(
            clock=clock_dt[i], as_of=as_of_dt, touches=mine, deadline_of=deadline_of,
            fraction_of=fraction_of, at_risk_after=threshold, kinds=kinds,
        )  # fmt: skip
        assert r.leads["first_touch_status"][i] == want
        c = clock_dt[i]
        in_scope = c is not None and c <= as_of_dt
        want_a, counts = attempts_status(
            clock=c, as_of=as_of_dt, touches=mine,
            deadline=deadline_of(c) if in_scope else None,  # type: ignore[arg-type]
            per_kind={"call": 2, "email": 1},
            fraction=fraction_of(c, as_of_dt) if in_scope else 0.0,  # type: ignore[arg-type]
            at_risk_after=threshold,
        )  # fmt: skip
        assert r.leads["attempts_status"][i] == want_a
        if in_scope:
            assert r.leads["attempts_call"][i] == counts["call"]
            assert r.leads["attempts_email"][i] == counts["email"]
    # nothing lost: every activity is in exactly one class
    total = r.leads["activities"]
    np.testing.assert_array_equal(
        total,
        r.leads["activities_counted"] + r.leads["activities_before_assignment"]
        + r.leads["activities_after_as_of"],
    )  # fmt: skip
    assert int(total.sum()) == len(tch)


# --------------------------------------------------------------------------- agreement from file


def generate(n: int, seed: int = 0) -> tuple[dict[str, object], dict[str, object]]:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-06-01T00:00", "s")
    mql = start + rng.integers(0, 60 * 86_400, n).astype("timedelta64[s]")
    leads = {
        "lead_id": np.array([f"L{i}" for i in range(n)], dtype=object),
        "created_at": mql - np.timedelta64(1, "D"),
        "mql_at": mql,
        "owner": rng.choice(["ann", "bob", "chen", "dana"], n).astype(object),
        "grid_cell": rng.choice(["A1", "A2", "B1", "B3", "C1"], n).astype(object),
        "source": rng.choice(["web", "webinar", "referral", "fair"], n).astype(object),
        "rejected_at": np.where(
            rng.random(n) < 0.1, mql + np.timedelta64(5, "h"), np.datetime64("NaT")
        ),
        "rejection_reason": rng.choice(["competitor", "wrong_size", "because"], n).astype(object),
    }
    k = rng.poisson(6, n)
    lead_of = np.repeat(np.arange(n), k)
    t = (
        mql[lead_of]
        + rng.exponential(2 * 86_400, lead_of.size).astype("timedelta64[s]")
        - np.timedelta64(3600, "s")
    )
    activities = {
        "lead_id": leads["lead_id"][lead_of],  # type: ignore[index]
        "timestamp": t,
        "kind": rng.choice(["call", "email", "meeting"], lead_of.size).astype(object),
    }
    return leads, activities


def test_agreement_from_toml_evaluates_generated_data() -> None:
    sla = SLA.from_toml(EXAMPLE)
    leads, activities = generate(400)
    r = alignment.sla.evaluate(sla, leads, activities, as_of="2024-07-20T12:00Z")
    assert r.calendar.tz == "Europe/Paris"
    s = r.summary
    assert s["n_leads"] == 400
    assert s["in_scope"] + s["not_assigned"] + s["assigned_after_as_of"] == 400
    assert (
        s["activities_counted"] + s["activities_before_assignment"] + s["activities_after_as_of"]
        + s["activities_unknown_lead"] == s["n_activities"]
    )  # fmt: skip
    for name in ("first_touch", "attempts", "accept", "overall"):
        assert (
            sum(s[f"{name}_{x}"] for x in ("n/a", "met", "pending", "at_risk", "breached")) == 400
        )
    assert s["first_touch_breached"] > 0 and s["first_touch_met"] > 0
    assert set(r.periods["owner"].tolist()) == {"ann", "bob", "chen", "dana"}
    assert r.periods["committed"].sum() == 100 * len(set(r.periods["period_start"].tolist()))
    assert (
        r.daily.n_rows
        == (np.datetime64("2024-07-20") - np.datetime64("2024-06-01")).astype(int) + 1
    )
    b = r.breaches()
    assert b.n_rows == s["first_touch_breached"] + s["attempts_breached"] + s["accept_breached"]
    assert set(b["reason"].tolist()) <= {"no_touch", "late_touch", "short_of_attempts",
                                         "late_rejection", "invalid_reason", "missing_reason"}  # fmt: skip
    # the quality gate: only A1/A2/B1 from web/webinar/referral are delivered
    q = np.isin(leads["grid_cell"], ["A1", "A2", "B1"]) & np.isin(  # type: ignore[arg-type]
        leads["source"],
        ["web", "webinar", "referral"],  # type: ignore[arg-type]
    )
    delivered = leads["mql_at"] <= np.datetime64("2024-07-20T12:00")  # type: ignore[operator]
    assert int(r.periods["delivered"].sum()) == int((q & delivered).sum())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 20 * 86_400)),  # clock
            st.one_of(st.none(), st.integers(0, 25 * 86_400)),  # accepted
            st.one_of(st.none(), st.integers(0, 25 * 86_400)),  # rejected
            st.sampled_from([None, "competitor", "spam"]),
        ),
        min_size=1,
        max_size=8,
    ),
    as_of=st.integers(0, 25 * 86_400),
    within_h=st.integers(1, 72),
    business=st.booleans(),
)
def test_accept_status_matches_twin(rows, as_of, within_h, business) -> None:  # type: ignore[no-untyped-def]
    from sla_twin import accept_status

    week = [[(9 * H_US, 17 * H_US)]] * 5 + [[], []]
    at = lambda s: None if s is None else T0 + dt.timedelta(seconds=s)  # noqa: E731
    n = len(rows)
    leads = {
        "lead_id": [f"L{i}" for i in range(n)],
        "created_at": [T0] * n,
        "mql_at": [at(r[0]) for r in rows],
        "accepted_at": [at(r[1]) for r in rows],
        "rejected_at": [at(r[2]) for r in rows],
        "rejection_reason": [r[3] for r in rows],
    }
    sla = {
        "sales": {
            "accept": {
                "within": f"{within_h}h",
                "business_time": business,
                "reason_codes": ["competitor", "wrong_size"],
            }
        }
    }
    as_of_dt = at(as_of)
    r = evaluate(sla, leads, acts(), as_of=as_of_dt)
    d_us = within_h * H_US
    for i, (c, a, j, reason) in enumerate(rows):
        clock = at(c)
        in_scope = clock is not None and clock <= as_of_dt
        deadline = fraction = None
        if in_scope:
            assert clock is not None
            if business:
                deadline = add_us(week, set(), "UTC", clock, d_us)
                fraction = elapsed_us(week, set(), "UTC", clock, as_of_dt) / d_us
            else:
                deadline = clock + dt.timedelta(microseconds=d_us)
                fraction = (as_of_dt - clock) / dt.timedelta(microseconds=d_us)
        want = accept_status(
            clock=clock,
            as_of=as_of_dt,
            accepted=at(a),
            rejected=at(j),
            reason=reason,
            deadline=deadline,
            codes={"competitor", "wrong_size"},
            fraction=fraction or 0.0,
            at_risk_after=0.75,
        )
        assert (r.leads["decision"][i], r.leads["accept_status"][i]) == want


def test_bad_call_parameters() -> None:
    leads = leads_dict(mql_at=["2024-03-04T10:00Z"])
    with pytest.raises(ParameterError, match="unknown_leads"):
        evaluate(BASIC, leads, acts(), as_of="2024-03-05T00:00Z", unknown_leads="drop")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="as_of"):
        evaluate(BASIC, leads, acts(), as_of=None)


# ------------------------------------------------------------- as known at as_of (no time travel)


@pytest.mark.parametrize(
    ("as_of", "status", "reassigned"),
    [("2024-03-04T11:30Z", "met", False), ("2024-03-04T13:30Z", "at_risk", True)],
)
def test_a_reassignment_after_as_of_is_not_known_yet(
    as_of: str, status: str, reassigned: bool
) -> None:
    sla = {"sales": {"first_touch": {"within": "2h", "business_time": False}}}
    leads = leads_dict(mql_at=["2024-03-04T09:00Z"], reassigned_at=["2024-03-04T12:00Z"])
    a = acts(("L0", "2024-03-04T10:00Z", "call"))
    r = evaluate(sla, leads, a, as_of=as_of)
    assert col(r, "in_scope") == [True]
    assert col(r, "first_touch_status") == [status]
    assert col(r, "reassigned") == [reassigned]


def test_acceptance_and_rejection_after_as_of_are_not_known_yet() -> None:
    sla = {"sales": {"accept": {"within": "48h"}}}
    leads = leads_dict(
        mql_at=["2024-03-04T09:00Z"] * 2,
        accepted_at=["2024-03-05T09:00Z", None],
        rejected_at=[None, "2024-03-05T09:00Z"],
        rejection_reason=[None, "competitor"],
    )
    early = evaluate(sla, leads, acts(), as_of="2024-03-04T18:00Z")
    late = evaluate(sla, leads, acts(), as_of="2024-03-06T18:00Z")
    assert col(early, "accept_status") == ["pending", "pending"]
    assert col(late, "accept_status")[0] == "met"


def test_every_custom_period_that_started_is_reported() -> None:
    sla = {
        "marketing": {
            "qualified_leads": 7,
            "period": "custom",
            "period_starts": ["2024-03-15", "2024-04-01"],
        }
    }
    leads = leads_dict(mql_at=["2024-03-16T09:00Z"] * 5)
    got = {}
    for as_of in ("2024-03-01", "2024-03-20", "2024-04-19", "2024-06-01"):
        r = evaluate(sla, leads, acts(), as_of=as_of + "T00:00Z")
        f = r.to_frame("periods", backend="dict")
        got[as_of] = (
            [str(x)[:10] for x in f["period_start"]],
            [int(x) for x in f["delivered"]],
        )
    assert got["2024-03-01"] == ([], [])
    assert got["2024-03-20"] == (["2024-03-15"], [5])
    # the last period is over: still reported, with 0 of 7 delivered
    assert got["2024-04-19"] == (["2024-03-15", "2024-04-01"], [5, 0])
    assert got["2024-06-01"] == got["2024-04-19"]


def test_an_integer_owner_is_reported_as_its_id_and_a_flag_owner_is_refused() -> None:
    """The leads table reports integer owners as themselves ("101"), as speed_to_lead names
    them, where they were reported missing; a flag is no owner and is refused."""
    leads = leads_dict(mql_at=["2024-03-01T09:00Z"] * 3, owner=[101, None, 7])
    a = acts(("L0", "2024-03-01T10:00Z", "call"))
    r = evaluate(BASIC, leads, a, as_of="2024-03-04T12:00Z")
    assert col(r, "owner") == ["101", None, "7"]
    named = evaluate(BASIC, leads_dict(mql_at=["2024-03-01T09:00Z"], owner=["ana"]), a,
                     as_of="2024-03-04T12:00Z")  # fmt: skip
    assert col(named, "owner") == ["ana"]
    with pytest.raises(DataValidationError, match="flag") as info:
        evaluate(BASIC, leads_dict(mql_at=["2024-03-01T09:00Z"] * 2, owner=[True, False]), a,
                 as_of="2024-03-04T12:00Z")  # fmt: skip
    assert info.value.column == "owner"
