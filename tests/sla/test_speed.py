"""alignment.sla.speed_to_lead: the docs' worked example, a plain-Python twin per lead and per
rep, row-order invariance, no mutation, and the refusals of bad input."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sla_twin import elapsed_us

import alignment
from alignment.errors import (
    AlignmentWarning,
    DataValidationError,
    MissingColumnError,
    ParameterError,
)
from alignment.sla import (
    ATTEMPT_KINDS,
    CONNECT_OUTCOMES,
    SPEED_STATUSES,
    BusinessCalendar,
    SpeedToLead,
    speed_to_lead,
)
from alignment.tables import ActivityLog

UTC = dt.timezone.utc
H = 3_600_000_000  # one hour in µs
WEEK = [[(9 * H, 17 * H)]] * 5 + [[], []]  # the default calendar, for the twin
NAT = np.datetime64("NaT", "us")


def ts(values: list[str | None]) -> np.ndarray:
    return np.array([NAT if v is None else np.datetime64(v, "us") for v in values])


# ----------------------------------------------------------------------------- worked example


def example() -> tuple[dict[str, Any], dict[str, Any]]:
    """docs/sla.md, "Speed to lead": four leads, two reps, the week of Monday 2024-03-04."""
    leads = {
        "lead_id": ["L1", "L2", "L3", "L4"],
        "created_at": ts(["2024-03-04T08:00", "2024-03-04T16:00", "2024-03-08T15:00",
                          "2024-03-05T12:00"]),
        "assigned_at": ts(["2024-03-04T10:00", "2024-03-04T16:30", "2024-03-08T16:00",
                           "2024-03-05T14:00"]),
        "owner": ["ana", "ana", "ben", "ben"],
    }  # fmt: skip
    activities = {
        "lead_id": ["L1", "L1", "L2", "L3", "L4"],
        "timestamp": ts(["2024-03-04T11:30", "2024-03-04T15:00", "2024-03-05T09:45",
                         "2024-03-11T10:00", "2024-03-05T14:10"]),
        "kind": ["call", "call", "email", "call", "note"],
        "rep": ["ana", "ana", "ana", "ben", "ben"],
        "outcome": ["no_answer", "connected", "no_reply", "connected", None],
    }  # fmt: skip
    return leads, activities


def test_worked_example_in_business_hours() -> None:
    leads, acts = example()
    r = speed_to_lead(leads, acts, calendar=BusinessCalendar())
    lead = r.to_frame(backend="dict")
    assert lead["system_delay"].tolist() == [1.0, 0.5, 1.0, 2.0]
    assert lead["rep_delay"][:3].tolist() == [1.5, 1.25, 2.0] and math.isnan(lead["rep_delay"][3])
    ttc = lead["time_to_connect"]
    assert ttc[[0, 2]].tolist() == [5.0, 2.0] and np.isnan(ttc[[1, 3]]).all()
    assert lead["status"].tolist() == ["connected", "attempted", "connected", "not attempted yet"]
    assert lead["attempts"].tolist() == [2, 1, 1, 0]  # the note is not an attempt
    reps = r.to_frame("rep", backend="dict")
    assert reps["rep"].tolist() == ["ana", "ben"]
    assert reps["leads"].tolist() == [2, 2]
    assert reps["not_attempted"].tolist() == [0, 1]
    assert reps["attempted"].tolist() == [2, 1]
    assert reps["connected"].tolist() == [1, 1]
    assert np.allclose(reps["system_delay_median"], [0.75, 1.5])
    assert np.allclose(reps["system_delay_p95"], [0.975, 1.95])
    assert np.allclose(reps["rep_delay_median"], [1.375, 2.0])
    assert np.allclose(reps["rep_delay_p95"], [1.4875, 2.0])
    assert np.allclose(reps["time_to_connect_median"], [5.0, 2.0])
    s = r.summary()
    assert s["unit"] == "business hours" and r.unit == "business hours"
    assert (s["system_delay_median"], s["rep_delay_median"]) == (1.0, 1.5)
    assert math.isclose(s["system_delay_p95"], 1.85) and math.isclose(s["rep_delay_p95"], 1.95)
    assert (s["time_to_connect_median"], s["time_to_connect_p95"]) == (3.5, pytest.approx(4.85))
    assert (s["attempted"], s["connected"], s["not_attempted"], s["not_assigned"]) == (3, 2, 1, 0)


def test_worked_example_in_wall_clock_hours() -> None:
    leads, acts = example()
    r = speed_to_lead(leads, acts)
    lead = r.to_frame(backend="dict")
    assert r.unit == "hours"
    assert lead["system_delay"].tolist() == [2.0, 0.5, 1.0, 2.0]
    assert lead["rep_delay"][:3].tolist() == [1.5, 17.25, 66.0]
    assert lead["time_to_connect"][[0, 2]].tolist() == [5.0, 66.0]


def test_by_key_and_crm_bundle() -> None:
    leads, acts = example()
    leads["source"] = ["webinar", "webinar", "paid_search", None]
    r = speed_to_lead(leads, acts, calendar=BusinessCalendar(), by="source")
    by = r.to_frame("by", backend="dict")
    # (leads without a value last, as funnel.observe(by=) and closed_loop(by=) show them)
    assert by["source"].tolist() == ["paid_search", "webinar", "(missing)"]
    assert by["leads"].tolist() == [1, 2, 1]
    assert np.allclose(by["rep_delay_median"][:2], [2.0, 1.375])
    assert math.isnan(by["rep_delay_median"][2])  # its only lead is not attempted yet
    assert r.to_frame(backend="dict")["source"].tolist()[3] == "(missing)"


def test_crm_bundle_gives_leads_and_activities() -> None:
    crm = alignment.synthetic_crm(300, seed=4)
    r = speed_to_lead(crm)
    direct = speed_to_lead(crm.leads, crm.activities)
    assert r.summary() == direct.summary()
    assert r.summary()["activities"] == len(crm.activities["lead_id"])
    with pytest.raises(ParameterError, match="activities are required"):
        speed_to_lead(crm.leads)


# ----------------------------------------------------------------------------- plain-Python twin


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    v = sorted(values)
    pos = q * (len(v) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (pos - lo) * (v[hi] - v[lo])


def _aware(x: np.datetime64) -> dt.datetime | None:
    if np.isnat(x):
        return None
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(
        microseconds=int(x.astype("datetime64[us]").astype(np.int64))
    )


def _hours(a: dt.datetime | None, b: dt.datetime | None, business: bool) -> float:
    if a is None or b is None:
        return math.nan
    us = (
        elapsed_us(WEEK, set(), "UTC", a, b)
        if business
        else (b - a) // dt.timedelta(microseconds=1)
    )
    return us / H


def _clamp(hours: float) -> float:
    """An event before the assignment counts from the assignment (NaN stays NaN)."""
    return hours if math.isnan(hours) or hours > 0 else 0.0


def twin(leads: dict[str, Any], acts: dict[str, Any], business: bool) -> list[dict[str, Any]]:
    """Lead by lead and activity by activity: the documented rules, in plain Python."""
    kinds = {k.casefold() for k in ATTEMPT_KINDS}
    outs = {o.casefold() for o in CONNECT_OUTCOMES}
    rows = []
    for i, lid in enumerate(leads["lead_id"]):
        mine = sorted(
            (acts["timestamp"][j], j)
            for j in range(len(acts["lead_id"]))
            if acts["lead_id"][j] == lid
        )
        created, assigned = _aware(leads["created_at"][i]), _aware(leads["assigned_at"][i])
        attempts = [(t, j) for t, j in mine if (acts["kind"][j] or "").strip().casefold() in kinds]
        connects = [(t, j) for t, j in attempts if (acts["outcome"][j] or "").casefold() in outs]
        first_a = _aware(attempts[0][0]) if attempts else None
        first_c = _aware(connects[0][0]) if connects else None
        owner = leads["owner"][i]
        # the first activity's rep; at a tie, the first rep in text order (missing last)
        tied = sorted(r for t, j in mine if t == mine[0][0] and (r := acts["rep"][j]) is not None)
        rep = owner if owner is not None else (tied[0] if tied else None)
        bad = assigned is not None and assigned < created
        rows.append({
            "rep": rep if rep is not None else "(no rep)",
            "system_delay": math.nan if bad else _hours(created, assigned, business),
            "rep_delay": _clamp(_hours(assigned, first_a, business)),
            "time_to_connect": _clamp(_hours(assigned, first_c, business)),
            "attempts": len(attempts),
            "attempts_before_assignment": sum(
                1 for t, _ in attempts if assigned is None or _aware(t) < assigned
            ),
            "status": "not assigned" if assigned is None else "not attempted yet"
            if first_a is None else "attempted" if first_c is None else "connected",
        })  # fmt: skip
    return rows


def twin_groups(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for rep in sorted({r["rep"] for r in rows}):
        mine = [r for r in rows if r["rep"] == rep]
        out.setdefault("rep", []).append(rep)
        out.setdefault("leads", []).append(len(mine))
        out.setdefault("attempted", []).append(
            sum(r["status"] in ("attempted", "connected") for r in mine)
        )
        out.setdefault("connected", []).append(sum(r["status"] == "connected" for r in mine))
        for d in ("system_delay", "rep_delay", "time_to_connect"):
            vals = [r[d] for r in mine if not math.isnan(r[d])]
            out.setdefault(f"{d}_median", []).append(_quantile(vals, 0.5))
            out.setdefault(f"{d}_p95", []).append(_quantile(vals, 0.95))
    return out


def random_data(seed: int, n: int = 40, m: int = 120) -> tuple[dict[str, Any], dict[str, Any]]:
    rng = np.random.default_rng(seed)
    t0 = np.datetime64("2024-03-01T00:00", "us")
    minutes = lambda k, hi: rng.integers(0, hi, k).astype("timedelta64[m]")  # noqa: E731
    created = t0 + minutes(n, 20 * 24 * 60)
    assigned = created + minutes(n, 4 * 24 * 60) - np.timedelta64(60, "m")  # some before
    assigned[rng.random(n) < 0.2] = NAT
    owners = np.array(["ana", "ben", "chloe", None], dtype=object)
    leads = {
        "lead_id": [f"L{i}" for i in range(n)],
        "created_at": created,
        "assigned_at": assigned,
        "owner": owners[rng.integers(0, 4, n)].tolist(),
    }
    lead_of = rng.integers(0, n, m)
    kinds = np.array(["call", "Email ", "meeting", "note", None], dtype=object)
    outcomes = np.array(["connected", "REPLIED", "no_answer", "held", None], dtype=object)
    acts = {
        "lead_id": [f"L{i}" for i in lead_of],
        "timestamp": created[lead_of] + minutes(m, 6 * 24 * 60) - np.timedelta64(600, "m"),
        "kind": kinds[rng.integers(0, 5, m)].tolist(),
        "rep": np.array(["ana", "ben", None], dtype=object)[rng.integers(0, 3, m)].tolist(),
        "outcome": outcomes[rng.integers(0, 5, m)].tolist(),
    }
    return leads, acts


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return bool(a == b) if not isinstance(a, float) else math.isclose(a, b, abs_tol=1e-9)


@pytest.mark.parametrize(("seed", "business"), [(0, False), (1, True), (2, True), (3, False)])
def test_matches_the_twin(seed: int, business: bool) -> None:
    leads, acts = random_data(seed)
    cal = BusinessCalendar() if business else None
    r = speed_to_lead(leads, acts, calendar=cal)
    got = r.to_frame(backend="dict")
    want = twin(leads, acts, business)
    for col in want[0]:
        assert all(_same(float(x) if isinstance(x, np.floating) else x, w[col])
                   for x, w in zip(got[col].tolist(), want)), col  # fmt: skip
    reps = r.to_frame("rep", backend="dict")
    for col, values in twin_groups(want).items():
        assert all(_same(x, y) for x, y in zip(reps[col].tolist(), values)), col


def test_conservation_every_lead_and_activity_counted() -> None:
    leads, acts = random_data(7)
    r = speed_to_lead(leads, acts, calendar=BusinessCalendar(), by="owner")
    s = r.summary()
    for table in (r.reps, r.by):
        assert table is not None
        assert int(table["leads"].sum()) == s["n_leads"] == 40
        parts = table["not_assigned"] + table["not_attempted"] + table["attempted"]
        assert np.array_equal(parts, table["leads"])
        assert int(table["connected"].sum()) == s["connected"]
    assert s["not_assigned"] + s["not_attempted"] + s["attempted"] == s["n_leads"]
    assert s["activities"] == 120
    assert s["attempts"] == int(r.leads["attempts"].sum())


# ----------------------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), data=st.data())
def test_row_order_invariance_and_no_mutation(seed: int, data: st.DataObject) -> None:
    leads, acts = random_data(seed, n=15, m=40)
    lp = data.draw(st.permutations(range(15)))
    ap = data.draw(st.permutations(range(40)))
    snap_l = {k: np.array(v, copy=True) for k, v in leads.items()}
    arrays = [leads["created_at"], leads["assigned_at"], acts["timestamp"]]
    flags = [a.flags.writeable for a in arrays]
    cal = BusinessCalendar()
    base = speed_to_lead(leads, acts, calendar=cal)
    shuffled = speed_to_lead(
        {k: np.asarray(v, dtype=object if isinstance(v, list) else None)[lp]
         for k, v in leads.items()},
        {k: np.asarray(v, dtype=object if isinstance(v, list) else None)[ap]
         for k, v in acts.items()},
        calendar=cal,
    )  # fmt: skip
    a, b = base.to_frame(backend="dict"), shuffled.to_frame(backend="dict")
    for col in a:
        x, y = np.asarray(a[col])[lp], np.asarray(b[col])
        if x.dtype.kind == "f":
            assert np.array_equal(x, y, equal_nan=True), col
        else:
            assert x.tolist() == y.tolist(), col
    ra, rb = base.to_frame("rep", backend="dict"), shuffled.to_frame("rep", backend="dict")
    for col in ra:
        assert np.array_equal(np.asarray(ra[col]), np.asarray(rb[col]),
                              equal_nan=ra[col].dtype.kind == "f"), col  # fmt: skip
    assert base.summary().keys() == shuffled.summary().keys()
    for k, v in base.summary().items():
        assert _same(v, shuffled.summary()[k]), k
    for k, v in snap_l.items():
        assert np.asarray(leads[k], dtype=v.dtype).tolist() == v.tolist()
    assert [x.flags.writeable for x in arrays] == flags


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_medians_equal_numpy_on_the_per_lead_values(seed: int) -> None:
    leads, acts = random_data(seed, n=30, m=80)
    r = speed_to_lead(leads, acts, calendar=BusinessCalendar())
    lead, reps = r.leads, r.reps
    for i, rep in enumerate(reps["rep"].tolist()):
        for d in ("system_delay", "rep_delay", "time_to_connect"):
            v = lead[d][(lead["rep"] == rep) & ~np.isnan(lead[d])]
            for q, col in ((0.5, f"{d}_median"), (0.95, f"{d}_p95")):
                want = np.quantile(v, q) if v.size else np.nan
                assert np.isclose(reps[col][i], want, rtol=1e-12, equal_nan=True)
    s = r.summary()
    v = lead["rep_delay"][~np.isnan(lead["rep_delay"])]
    assert np.isclose(s["rep_delay_median"], np.median(v) if v.size else np.nan, equal_nan=True)


# ----------------------------------------------------------------------------- rules and refusals


def test_attempt_before_assignment_counts_from_assignment() -> None:
    leads, acts = example()
    acts["timestamp"] = ts(["2024-03-04T09:30", "2024-03-04T15:00", "2024-03-05T09:45",
                            "2024-03-11T10:00", "2024-03-05T14:10"])  # fmt: skip
    lead = speed_to_lead(leads, acts, calendar=BusinessCalendar()).leads
    assert lead["rep_delay"][0] == 0.0  # called at 09:30, assigned at 10:00
    assert lead["first_attempt_at"][0] == np.datetime64("2024-03-04T09:30", "us")
    assert lead["attempts_before_assignment"].tolist() == [1, 0, 0, 0]


def test_not_assigned_and_assigned_before_created() -> None:
    leads, acts = example()
    leads["assigned_at"] = ts([None, "2024-03-04T15:00", "2024-03-08T16:00", "2024-03-05T14:00"])
    r = speed_to_lead(leads, acts, calendar=BusinessCalendar())
    lead = r.leads
    assert lead["status"][0] == "not assigned"  # attempted and connected, but never assigned
    assert np.isnan([lead[d][0] for d in ("system_delay", "rep_delay", "time_to_connect")]).all()
    assert lead["attempts_before_assignment"][0] == 2
    assert lead["assigned_before_created"].tolist() == [False, True, False, False]
    assert math.isnan(lead["system_delay"][1]) and lead["rep_delay"][1] == 2.75
    s = r.summary()
    assert (s["not_assigned"], s["assigned_before_created"]) == (1, 1)
    assert r.not_measured["system_delay"].startswith("not assigned")


def test_kinds_and_outcomes_are_configurable() -> None:
    leads, acts = example()
    r = speed_to_lead(leads, acts, attempt_kinds=["CALL"], connect_outcomes=None)
    lead = r.leads
    assert "time_to_connect" not in lead and "first_connect_at" not in lead
    assert "connected" not in r.reps and "time_to_connect_median" not in r.reps
    assert lead["status"].tolist() == ["attempted", "not attempted yet", "attempted",
                                       "not attempted yet"]  # fmt: skip
    assert "not measured" in r.summary()["connect_not_measured"]
    every = speed_to_lead(leads, acts, attempt_kinds=None).leads
    assert every["attempts"].tolist() == [2, 1, 1, 1]
    assert every["status"][3] == "attempted"


def test_kinds_or_outcomes_that_match_no_activity_are_warned() -> None:
    leads, acts = example()
    with pytest.warns(AlignmentWarning) as caught:
        r = speed_to_lead(leads, acts, attempt_kinds=["Cal", "mail"], connect_outcomes=["conected"])
    assert set(r.leads["status"].tolist()) == {"not attempted yet"}  # (the figures stand)
    texts = [str(w.message) for w in caught if issubclass(w.category, AlignmentWarning)]
    assert len(texts) == 1
    msg = texts[0]
    assert "attempt_kinds ['cal', 'mail']" in msg and "kinds are 'call', 'email', 'note'" in msg
    assert "connect_outcomes ['conected']" in msg and "'connected', 'no_answer'" in msg
    assert "fix:" in msg
    with warnings.catch_warnings():  # one name that matches is enough; None counts every one
        warnings.simplefilter("error", AlignmentWarning)
        speed_to_lead(leads, acts, attempt_kinds=["CALL", "fax"])
        speed_to_lead(leads, acts, attempt_kinds=None, connect_outcomes=None)


def test_rep_falls_back_to_the_first_activity() -> None:
    leads, acts = example()
    leads["owner"] = [None, "ana", None, None]
    rep = speed_to_lead(leads, acts).leads["rep"].tolist()
    assert rep == ["ana", "ana", "ben", "ben"]
    del acts["rep"]
    assert speed_to_lead(leads, acts).leads["rep"].tolist() == [
        "(no rep)", "ana", "(no rep)", "(no rep)"
    ]  # fmt: skip


def test_a_tie_for_the_first_activity_gives_the_rep_in_text_order() -> None:
    leads = {"lead_id": ["L1", "L2"], "created_at": ["2024-03-04 08:00"] * 2,
             "assigned_at": ["2024-03-04 10:00"] * 2}  # fmt: skip
    acts = {"lead_id": ["L1", "L1", "L2", "L2", "L2"], "timestamp": ["2024-03-04 11:00"] * 5,
            "kind": ["call"] * 5, "rep": ["ben", "ana", None, "cy", "bo"],
            "outcome": ["x"] * 5}  # fmt: skip
    for order in ([0, 1, 2, 3, 4], [1, 0, 4, 3, 2], [1, 0, 3, 2, 4]):
        r = speed_to_lead(leads, {k: [v[i] for i in order] for k, v in acts.items()}, tz="UTC")
        assert r.leads["rep"].tolist() == ["ana", "bo"]
        assert r.reps["rep"].tolist() == ["ana", "bo"]


def test_an_integer_owner_is_the_rep_and_a_flag_or_fraction_is_refused() -> None:
    leads, acts = example()
    leads["owner"] = [101, None, 7, 101]
    assert speed_to_lead(leads, acts).leads["rep"].tolist() == ["101", "ana", "7", "101"]
    leads["owner"] = [101.0, float("nan"), 7.0, 101.0]  # (integers with a gap, as floats)
    assert speed_to_lead(leads, acts).leads["rep"].tolist() == ["101", "ana", "7", "101"]
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(leads).assign(owner=pd.array([2**53 + 1, None, 2**53, 101], "Int64"))
    big = [str(2**53 + 1), "ana", str(2**53), "101"]  # (a pandas Int64 column with a gap)
    assert speed_to_lead(frame, acts).leads["rep"].tolist() == big
    for owner, value in (([True, None, False, True], True), ([1.0, 2.5, None, 3.0], 2.5)):
        leads["owner"] = owner
        with pytest.raises(DataValidationError, match="names no rep") as e:
            speed_to_lead(leads, acts)
        assert e.value.column == "owner" and e.value.table == "leads"
        assert e.value.value == value and "integer rep id" in str(e.value)


def test_assigned_created_at_times_the_reps_from_creation() -> None:
    leads, acts = example()
    r = speed_to_lead(leads, acts, assigned="created_at")
    assert r.leads["assigned_at"].tolist() == r.leads["created_at"].tolist()
    assert r.leads["system_delay"].tolist() == [0.0] * 4
    crm = alignment.datasets.synthetic_crm(50, seed=1)
    s = speed_to_lead(crm, assigned="created_at").summary()
    assert s["n_leads"] == 50 and s["not_assigned"] == 0
    no_assignment = {k: v for k, v in leads.items() if k != "assigned_at"}
    with pytest.raises(MissingColumnError) as e:
        speed_to_lead(no_assignment, acts, assigned="sal_at")
    assert "their datetime columns: created_at)" in str(e.value)
    assert "assigned='created_at'" in (e.value.fix or "") and "mql_at" not in str(e.value)


def test_unknown_leads_raise_with_rows_or_are_counted() -> None:
    leads, acts = example()
    acts["lead_id"] = ["L1", "L9", "L2", "L3", "L4"]
    with pytest.raises(DataValidationError) as e:
        speed_to_lead(leads, acts)
    assert e.value.rows is not None and list(e.value.rows) == [1]
    assert e.value.value == "L9" and "pass unknown_leads='ignore'" in (e.value.fix or "")
    r = speed_to_lead(leads, acts, unknown_leads="ignore")
    assert r.summary()["activities_unknown_lead"] == 1 and r.summary()["activities"] == 5
    log = ActivityLog.build(acts)  # a prebuilt log: its keys are looked up
    with pytest.raises(DataValidationError, match="not in the lead table") as e2:
        speed_to_lead(leads, log)
    assert list(e2.value.rows or []) == [1]
    ok = speed_to_lead(leads, log, unknown_leads="ignore")
    assert ok.summary() == r.summary()


def test_prebuilt_tables_give_the_same_result() -> None:
    leads, acts = example()
    a = speed_to_lead(leads, acts, calendar=BusinessCalendar())
    lt = alignment.LeadTable.build(leads)
    b = speed_to_lead(lt, ActivityLog.build(acts), calendar=BusinessCalendar())
    assert a.summary() == b.summary()


def test_refusals() -> None:
    leads, acts = example()
    with pytest.raises(ParameterError, match="BusinessCalendar"):
        speed_to_lead(leads, acts, calendar="09:00-17:00")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="is not a lead column; available: lead_id"):
        speed_to_lead(leads, acts, by="nope")
    with pytest.raises(ParameterError, match="attempt_kinds"):
        speed_to_lead(leads, acts, attempt_kinds=[])
    with pytest.raises(ParameterError, match="unknown_leads"):
        speed_to_lead(leads, acts, unknown_leads="drop")  # type: ignore[arg-type]
    with pytest.raises(MissingColumnError, match="assigned_at"):
        speed_to_lead({k: v for k, v in leads.items() if k != "assigned_at"}, acts)
    with pytest.raises(MissingColumnError, match="kind"):
        speed_to_lead(leads, {k: v for k, v in acts.items() if k != "kind"})
    with pytest.raises(MissingColumnError, match="outcome"):
        speed_to_lead(leads, {k: v for k, v in acts.items() if k != "outcome"})
    r = speed_to_lead(leads, acts)
    with pytest.raises(ParameterError, match="by="):
        r.to_frame("by")
    with pytest.raises(ParameterError, match="level"):
        r.to_frame("account")


def test_a_zoned_calendar_refuses_placeholder_dates_with_their_rows() -> None:
    paris = BusinessCalendar(tz="Europe/Paris")
    leads = {"lead_id": ["L1", "L2", "L3"],
             "created_at": ["2024-03-04T08:00Z", "0001-01-01T00:00Z", "0001-01-01T00:00Z"],
             "assigned_at": ["2024-03-04T10:00Z", "2024-03-04T10:00Z", None]}  # fmt: skip
    acts = {"lead_id": ["L1"], "timestamp": ["2024-03-04T11:00Z"], "kind": ["call"]}
    with pytest.raises(DataValidationError, match="time zone cannot place") as info:
        speed_to_lead(leads, acts, calendar=paris, connect_outcomes=None)
    # L3 has no assignment: its creation is never placed on the calendar
    assert (info.value.table, info.value.column, info.value.rows) == ("leads", "created_at", [1])
    late = {
        "lead_id": ["L1", "L1", "L2"],
        "kind": ["call", "note", "call"],
        "timestamp": ["2024-03-04T11:00Z", "0001-01-01T00:00Z", "9999-12-31T00:00Z"],
    }
    fine = dict(leads, created_at=["2024-03-04T08:00Z"] * 3)
    with pytest.raises(DataValidationError, match="time zone cannot place") as info:
        speed_to_lead(fine, late, calendar=paris, connect_outcomes=None)
    assert (info.value.table, info.value.column, info.value.rows) == (
        "activities",
        "timestamp",
        [2],
    )
    # the note is no attempt (never timed); the same data on UTC is measured
    utc = speed_to_lead(leads, acts, calendar=BusinessCalendar(), connect_outcomes=None)
    assert utc.leads["rep_delay"][0] == 1.0


def test_result_contract_and_views() -> None:
    leads, acts = example()
    r = speed_to_lead(leads, acts, by="owner")
    assert isinstance(r, SpeedToLead) and r.levels == ("lead", "rep", "by")
    assert r.to_frame("by", backend="dict")["owner"].tolist() == ["ana", "ben"]
    assert set(r.leads["status"].tolist()) <= set(SPEED_STATUSES)
    assert "Speed to lead" in r._repr_html_() and "hours" in r._repr_html_()
    assert "SpeedToLead(leads=4" in repr(r)
    with pytest.raises(ValueError):
        r.leads["rep_delay"][0] = 1.0  # read-only
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    fig, ax = r.plot(level="by")
    assert ax.get_ylabel() == "hours" and len(ax.patches) == 4
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_as_of_reads_the_data_as_known_then() -> None:
    leads, acts = example()
    r = speed_to_lead(leads, acts, calendar=BusinessCalendar(), as_of="2024-03-05T13:00Z")
    lead, s = r.leads, r.summary()
    # L1 as before; L2's email (Tue 09:45) is known; L3's call (Mon 03-11) is not, nor is L3
    # itself (created Fri 03-08); L4 is assigned at 14:00, after as_of
    assert lead["status"].tolist() == ["connected", "attempted", "not assigned", "not assigned"]
    assert lead["rep_delay"][1] == 1.25 and np.isnan(lead["rep_delay"][2:]).all()
    assert (s["activities_after_as_of"], s["created_after_as_of"], s["activities"]) == (2, 1, 5)
    crm = alignment.synthetic_crm(200, seed=5)
    assert (
        speed_to_lead(crm).summary()
        == speed_to_lead(crm.leads, crm.activities, as_of=crm.as_of).summary()
    )


# ----------------------------------------------------------------------------- the SLA report


def test_the_sla_report_shows_speed_to_lead() -> None:
    import re

    from alignment.report import build_report

    leads, acts = example()
    agreement = {"sales": {"first_touch": {"within": "1d", "business_time": True}}}
    as_of = "2024-03-12T12:00Z"
    report = alignment.sla.evaluate(agreement, leads, acts, as_of=as_of)
    speed = report.speed
    assert speed is not None and report.speed is speed  # computed once, on demand
    direct = speed_to_lead(leads, acts, calendar=report.calendar, as_of=as_of)
    assert speed.summary() == direct.summary()
    assert speed.to_frame("rep", backend="dict")["rep_delay_median"].tolist() == [1.375, 2.0]
    text = re.sub(r"<[^>]+>", " ", build_report(sla=report))
    text = re.sub(r"\s+", " ", text)
    assert "Speed to lead" in text and "In business hours." in text
    # rep, leads, attempted, connected, system / rep delay medians, rep delay p95, connect
    assert "ana 2 2 1 0.8 1.4 1.5 5.0" in text
    assert "ben 2 1 1 1.5 2.0 2.0 2.0" in text
    assert "all leads 4 3 2 1.0 1.5 1.9 3.5" in text  # the summary's overall figures


def test_the_sla_report_speed_follows_the_activity_columns() -> None:
    leads, acts = example()
    agreement = {"sales": {"first_touch": {"within": "1d", "business_time": True}}}
    bare = {k: v for k, v in acts.items() if k not in ("kind", "outcome")}
    report = alignment.sla.evaluate(agreement, leads, bare, as_of="2024-03-12T12:00Z")
    speed = report.speed
    assert speed is not None and "connect_not_measured" in speed.summary()
    assert speed.leads["attempts"].tolist() == [2, 1, 1, 1]  # every activity is an attempt
    assert "time_to_connect" not in speed.leads


def test_the_sla_report_speed_is_fixed_when_evaluate_returns() -> None:
    """report.speed, computed on first read, reads the evaluation's own tables: editing the
    caller's leads or activities in place after evaluate() changes none of its figures."""
    leads, acts = example()
    leads = {k: np.array(v, dtype=object) if isinstance(v, list) else v for k, v in leads.items()}
    acts = {k: np.array(v, dtype=object) if isinstance(v, list) else v for k, v in acts.items()}
    agreement = {"sales": {"first_touch": {"within": "1d", "business_time": True}}}
    as_of = "2024-03-12T12:00Z"
    kept = alignment.sla.evaluate(
        agreement,
        {k: v.copy() for k, v in leads.items()},
        {k: v.copy() for k, v in acts.items()},
        as_of=as_of,
    )
    report = alignment.sla.evaluate(agreement, leads, acts, as_of=as_of)
    acts["kind"][:] = "note"  # the caller reuses its buffers
    acts["timestamp"][:] = np.datetime64("2024-03-05T12:00", "us")
    leads["assigned_at"][:] = np.datetime64("2024-03-06T00:00", "us")
    speed, want = report.speed, kept.speed
    assert speed is not None and want is not None
    assert speed.summary() == want.summary()
    for level in ("lead", "rep"):
        got, exp = speed.to_frame(level, backend="dict"), want.to_frame(level, backend="dict")
        for name, values in exp.items():
            np.testing.assert_array_equal(np.asarray(got[name]), np.asarray(values), name)
    assigned = report.to_frame("leads", backend="dict")["assigned_at"]
    np.testing.assert_array_equal(assigned, kept.to_frame("leads", backend="dict")["assigned_at"])
