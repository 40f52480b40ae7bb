"""Days and leads after the last custom period: no to-date count, never negative; counted."""

from __future__ import annotations

import warnings

import numpy as np

from alignment.sla import evaluate

LEADS = {
    "lead_id": ["b", "c", "d"],
    "created_at": ["2021-01-01T00:00Z"] * 3,
    "mql_at": ["2021-01-01T10:00Z", "2021-01-04T10:00Z", "2021-01-07T10:00Z"],
}
ACTS = {"lead_id": ["b"], "timestamp": ["2021-01-01T11:00Z"], "kind": ["call"]}
SLA_DOC = {
    "marketing": {
        "qualified_leads": 10,
        "period": "custom",
        "period_starts": ["2021-01-01", "2021-01-03"],
    },
    "sales": {"first_touch": {"within": "1d"}},
}


def _report():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate(SLA_DOC, LEADS, ACTS, as_of="2021-01-08T12:00Z")


def test_days_outside_every_period_have_no_to_date_values() -> None:
    r = _report()
    d = r.daily
    outside = np.isnat(d["period_start"])
    assert outside.tolist() == [False] * 4 + [True] * 4
    for column in ("delivered_to_date", "committed", "pace_to_date"):
        assert np.isnan(d[column][outside]).all()
        assert "outside every custom period" in r.not_measured[column]
    assert d["delivered_to_date"][~outside].tolist() == [1, 1, 0, 1]
    assert d["delivered"].tolist() == [1, 0, 0, 1, 0, 0, 1, 0]


def test_leads_outside_every_period_are_counted_with_the_reason() -> None:
    r = _report()
    assert r.summary["leads_outside_periods"] == 1
    assert "period_starts" in r.summary["leads_outside_periods_reason"]
    assert int(r.periods["leads_assigned"].sum()) + 1 == r.summary["in_scope"]


def test_monthly_periods_leave_no_lead_outside() -> None:
    doc = {"marketing": {"qualified_leads": 10}, "sales": {"first_touch": {"within": "1d"}}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = evaluate(doc, LEADS, ACTS, as_of="2021-01-08T12:00Z")
    assert r.summary["leads_outside_periods"] == 0
    assert "leads_outside_periods_reason" not in r.summary
    assert not np.isnan(r.daily["delivered_to_date"]).any()
