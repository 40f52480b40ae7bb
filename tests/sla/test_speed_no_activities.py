"""speed_to_lead on an activity table with no rows: every lead not attempted, no raw error."""

from __future__ import annotations

import numpy as np
import pytest

from alignment import sla

LEADS = {
    "lead_id": ["a", "b"],
    "created_at": ["2024-03-01T08:00Z"] * 2,
    "assigned_at": ["2024-03-01T09:00Z", "2024-03-01T10:00Z"],
    "owner": ["ann", "bob"],
}


@pytest.mark.parametrize("with_owner", [True, False])
@pytest.mark.parametrize("with_rep", [True, False])
def test_empty_activity_table_reports_no_response(with_owner: bool, with_rep: bool) -> None:
    leads = dict(LEADS) if with_owner else {k: v for k, v in LEADS.items() if k != "owner"}
    acts: dict[str, list[str]] = {"lead_id": [], "timestamp": [], "kind": [], "outcome": []}
    if with_rep:
        acts["rep"] = []
    result = sla.speed_to_lead(leads, acts)
    table = result.to_frame(backend="dict")
    assert list(table["status"]) == ["not attempted yet"] * 2
    assert np.isnat(table["first_attempt_at"]).all()
    assert np.isnan(table["rep_delay"]).all()
    assert list(table["system_delay"]) == [1.0, 2.0]
    assert list(table["rep"]) == (["ann", "bob"] if with_owner else ["(no rep)"] * 2)
    summary = result.summary()
    assert summary["n_leads"] == 2
    assert summary["not_attempted"] == 2
    assert summary["attempted"] == 0
    assert summary["activities"] == 0
    assert result.not_measured["rep_delay_median"] == "no lead attempted"
