"""SLAReport.reps: compliance per sales rep, against a lead-by-lead plain-Python twin."""

from __future__ import annotations

import math
import statistics
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment import sla
from alignment.sla._reps import rep_compliance

COLUMNS = [
    "rep",
    "leads",
    "first_touch_met",
    "first_touch_decided",
    "first_touch_compliance",
    "attempts_met",
    "attempts_decided",
    "attempts_compliance",
    "response_median_hours",
]


def twin(leads: dict[str, np.ndarray]) -> list[tuple[Any, ...]]:
    """Lead by lead, in plain Python: the same table, rows in the documented order."""
    per: dict[str, dict[str, Any]] = {}
    for i in range(len(leads["lead_id"])):
        if not bool(leads["in_scope"][i]):
            continue
        o = leads["owner"][i]
        rep = "(unassigned)" if o is None else str(o)
        r = per.setdefault(rep, {"leads": 0, "ft": [0, 0], "at": [0, 0], "resp": []})
        r["leads"] += 1
        for key, col in (("ft", "first_touch_status"), ("at", "attempts_status")):
            s = leads[col][i] if col in leads else None
            r[key][0] += s == "met"
            r[key][1] += s in ("met", "breached")
        resp = leads["response_business"][i]
        if not np.isnat(resp):
            r["resp"].append(int(resp.astype("timedelta64[s]").astype(np.int64)) / 3600)
    rows = []
    for rep in sorted(per):
        r = per[rep]
        ft = r["ft"][0] / r["ft"][1] if r["ft"][1] else math.nan
        at = r["at"][0] / r["at"][1] if r["at"][1] else math.nan
        med = statistics.median(r["resp"]) if r["resp"] else math.nan
        rows.append((rep, r["leads"], *r["ft"], ft, *r["at"], at, med))
    return sorted(rows, key=lambda row: -row[4] if not math.isnan(row[4]) else math.inf)


def as_rows(table: Any) -> list[tuple[Any, ...]]:
    return list(zip(*(table[c].tolist() for c in COLUMNS)))


def same(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x[:4] == y[:4] and x[5:7] == y[5:7]
        for i in (4, 7, 8):
            assert (math.isnan(x[i]) and math.isnan(y[i])) or x[i] == pytest.approx(y[i], 1e-12)


@pytest.fixture(scope="module")
def report() -> Any:
    crm = alignment.datasets.synthetic_crm(n_leads=800, seed=4)
    return sla.evaluate(crm.sla, crm.leads, crm.activities, as_of=crm.as_of)


def test_columns_and_level(report: Any) -> None:
    assert list(report.reps) == COLUMNS
    assert "reps" in report.levels
    frame = report.to_frame("reps", backend="dict")
    assert list(frame) == COLUMNS and frame["rep"].tolist() == report.reps["rep"].tolist()
    assert int(report.reps["leads"].sum()) == report.summary()["in_scope"]


def test_matches_the_lead_by_lead_twin(report: Any) -> None:
    leads = {k: np.asarray(v) for k, v in report.leads.items()}
    same(as_rows(report.reps), twin(leads))


@settings(max_examples=30, deadline=None)
@given(
    owners=st.lists(st.sampled_from(["ana", "bo", None, "cy"]), min_size=0, max_size=40),
    seed=st.integers(0, 2**16),
)
def test_random_tables_and_row_order(owners: list[Any], seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = len(owners)
    statuses = np.array(["n/a", "met", "pending", "at_risk", "breached"], dtype=object)
    resp = rng.integers(0, 40 * 3600, n).astype("timedelta64[s]")
    resp[rng.random(n) < 0.3] = np.timedelta64("NaT")
    leads = {
        "lead_id": np.arange(n),
        "owner": np.array(owners, dtype=object),
        "in_scope": rng.random(n) < 0.8,
        "first_touch_status": statuses[rng.integers(0, 5, n)],
        "attempts_status": statuses[rng.integers(0, 5, n)],
        "response_business": resp,
    }
    got = as_rows(rep_compliance(leads))
    same(got, twin(leads))
    perm = rng.permutation(n)
    shuffled = rep_compliance({k: v[perm] for k, v in leads.items()})
    same(as_rows(shuffled), got)


def test_the_declared_count_columns_are_the_tables_count_columns(report: Any) -> None:
    """A backend sums exactly the columns the engine declares additive (no name parsing)."""
    from alignment.sla._evaluate import (
        daily_count_columns,
        period_count_columns,
        split_column,
    )

    agreement = report.sla
    periods, daily = list(report.periods), list(report.daily)
    assert split_column(agreement) in periods
    assert set(period_count_columns(agreement)) <= set(periods)
    assert set(daily_count_columns(agreement)) <= set(daily)
    derived = {"date", "period_start", "committed", "pace_to_date", "delivered_to_date"}
    assert set(daily) - derived == set(daily_count_columns(agreement))
    status_counts = [
        c for c in periods if c.endswith(("_met", "_breached", "_pending", "_at_risk"))
    ]
    assert status_counts == [c for c in period_count_columns(agreement) if c in status_counts]


def test_median_response_is_in_business_hours_whatever_the_windows_clock() -> None:
    # a wall-clock window (72 h); assigned Friday 16:30, called Monday 09:30: 65 wall hours, 1
    # business hour on the default calendar.  The rep's median is in business hours, as the
    # period table's response_median and the report, and as RepCompliance says
    agreement = {"sales": {"first_touch": {"within": "72h"}}}
    leads = {
        "lead_id": ["a"], "owner": ["ann"], "created_at": ["2024-03-01T16:00Z"],
        "assigned_at": ["2024-03-01T16:30Z"],
    }  # fmt: skip
    acts = {"lead_id": ["a"], "timestamp": ["2024-03-04T09:30Z"], "kind": ["call"]}
    r = sla.evaluate(agreement, leads, acts, as_of="2024-03-05T00:00Z")
    assert r.leads["response_wall"][0] == np.timedelta64(65 * 3600, "s")
    assert r.reps["response_median_hours"].tolist() == [1.0]
    assert r.periods["response_median"].tolist() == [np.timedelta64(3600, "s")]
    doc = " ".join((sla.RepCompliance.__doc__ or "").split())
    assert "in business hours on the report's calendar" in doc
    assert "whatever clock the first-touch window counts in" in doc
