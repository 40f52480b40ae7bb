"""Activities' label columns read by default (``kind``, ``rep``, ``outcome``) are refused where
they are used, as the touches' default label columns are: a stray flag column nothing reads
does not fail the build or an SLA, one that is read raises the build's error (rows named),
never read as the text "True"."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from alignment import sla
from alignment.errors import DataValidationError
from alignment.tables import ActivityLog

FLAG = "expected strings, found bool (a flag is no label: not the text 'True')"
UTC = "2024-01-0{}T10:00:00Z"


def _leads() -> dict[str, Any]:
    return {
        "lead_id": ["L1", "L2"],
        "created_at": ["2024-01-01T09:00:00Z"] * 2,
        "assigned_at": ["2024-01-01T09:00:00Z"] * 2,
        "owner": ["ann", "bob"],
    }


def _acts(**extra: Any) -> dict[str, Any]:
    return {
        "lead_id": ["L2", "L1", "L1"],
        "timestamp": [UTC.format(3), UTC.format(2), UTC.format(1)],
        "kind": ["call", "email", "call"],
        "rep": ["bob", "ann", "ann"],
        "outcome": ["connected", "no_answer", "connected"],
        **extra,
    }


@pytest.mark.parametrize("column", ["kind", "rep", "outcome"])
def test_a_stray_flag_label_column_is_refused_where_used(column: str) -> None:
    acts = _acts(**{column: [True, False, True]})
    log = ActivityLog.build(acts)  # (nothing read yet)
    assert log.n_activities == 3 and log.keys.tolist() == ["L1", "L2"]
    with pytest.raises(DataValidationError) as info:
        log.to_dict()
    err = info.value
    assert (err.problem, err.column, err.table) == (FLAG, column, "activities")
    assert list(err.rows) == [0, 1, 2] and err.n_rows == 3
    assert f"refused where used (not labels): &#x27;{column}&#x27;" in log._repr_html_()


def test_an_sla_not_reading_rep_or_outcome_runs_with_stray_flags() -> None:
    plain = sla.evaluate(_sla(), _leads(), _acts(), as_of="2024-01-10T00:00:00Z")
    stray = _acts(rep=[True, False, True], outcome=np.array([1.5, 2.5, 3.5]))
    got = sla.evaluate(_sla(), _leads(), stray, as_of="2024-01-10T00:00:00Z")
    assert got.summary() == plain.summary()
    assert got.leads["first_touch_status"].tolist() == plain.leads["first_touch_status"].tolist()
    assert got.leads["first_touch_status"].tolist() == ["met", "breached"]


def test_an_sla_reading_kind_refuses_a_flag_kind_with_its_rows() -> None:
    acts = _acts(kind=[True, None, False])
    with pytest.raises(DataValidationError) as info:
        sla.evaluate(_sla(), _leads(), acts, as_of="2024-01-10T00:00:00Z")
    err = info.value
    assert (err.problem, err.column, list(err.rows), err.n_rows) == (FLAG, "kind", [0, 2], 2)


def test_a_label_column_named_by_the_caller_is_refused_at_build() -> None:
    acts = _acts(result=[True, False, True])
    with pytest.raises(DataValidationError) as info:
        ActivityLog.build(acts, outcome="result")
    assert (info.value.problem, info.value.column) == (FLAG, "result")


def _sla() -> dict[str, Any]:
    return {"name": "t", "sales": {"first_touch": {"within": "1d"}}}
