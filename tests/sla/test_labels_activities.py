"""A record and a table row judge a value alike (a blank activity kind is missing; a persona's
keywords and the leads' values both ignore surrounding whitespace), and exact duplicate activity
rows are counted once by the SLA engines, with a warning that counts them."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import alignment
from alignment.errors import AlignmentWarning
from alignment.models import Activity
from alignment.scoring import match_personas
from alignment.sla import evaluate, speed_to_lead
from alignment.tables import ActivityLog

# ----------------------------------------------------------------------------- blank kinds


@pytest.mark.parametrize("kind", ["", "   ", "\t"])
def test_blank_kind_is_missing_in_a_record_and_in_a_table(kind: str) -> None:
    rec = Activity(lead_id="L1", timestamp="2024-03-04T11:00Z", kind=kind)
    assert rec.kind is None
    log = ActivityLog.build(
        {"lead_id": ["L1", "L1"], "timestamp": ["2024-03-04T11:00Z"] * 2, "kind": [kind, "call"]}
    )
    assert log.kind is not None
    assert log.kind.values().tolist() == [None, "call"]
    assert log.kind.codes.tolist()[0] == -1


def test_a_record_without_kind_is_a_table_row_without_kind() -> None:
    assert Activity(lead_id="L1", timestamp="2024-03-04T11:00Z").kind is None
    assert Activity(lead_id="L1", timestamp="2024-03-04T11:00Z", kind=" call ").kind == " call "


def test_blank_kind_is_not_an_attempt() -> None:
    leads = {
        "lead_id": ["L1"],
        "created_at": ["2024-03-04T08:00Z"],
        "assigned_at": ["2024-03-04T10:00Z"],
    }
    acts = {
        "lead_id": ["L1", "L1"],
        "timestamp": ["2024-03-04T11:00Z", "2024-03-04T12:00Z"],
        "kind": ["  ", "call"],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlignmentWarning)
        r = speed_to_lead(leads, acts, connect_outcomes=None)
    lead = r.to_frame(backend="dict")
    assert lead["attempts"].tolist() == [1]
    assert lead["rep_delay"].tolist() == [2.0]  # 10:00 → 12:00 (the call), not 11:00


# ----------------------------------------------------------------------------- personas


def test_persona_keywords_and_lead_values_ignore_surrounding_whitespace() -> None:
    leads = {
        "lead_id": ["a", "b", "c"],
        "created_at": ["2024-01-01"] * 3,
        "industry": ["Software ", " software", "Retail"],
        "country": ["  DE", "DE", "FR"],
    }
    p = alignment.Persona(name="dach it", industries=(" software",), regions=("de ",))
    assert p.industries == ("software",) and p.regions == ("de",)
    match = match_personas(leads, [p], columns={"regions": "country"})
    assert match.persona.tolist() == ["dach it", "dach it", None]


# ----------------------------------------------------------------------------- duplicate rows


def _leads() -> dict[str, Any]:
    return {
        "lead_id": ["L1", "L2"],
        "created_at": ["2024-03-04T08:00Z"] * 2,
        "assigned_at": ["2024-03-04T10:00Z"] * 2,
        "mql_at": ["2024-03-04T08:00Z"] * 2,
        "owner": ["ana", "ben"],
    }


def _acts() -> dict[str, Any]:
    # rows 1 and 3 repeat rows 0 and 2 exactly; row 4 differs from row 0 by its outcome only
    return {
        "lead_id": ["L1", "L1", "L2", "L2", "L1"],
        "timestamp": ["2024-03-04T11:00Z", "2024-03-04T11:00Z", "2024-03-04T12:00Z",
                      "2024-03-04T12:00Z", "2024-03-04T11:00Z"],
        "kind": ["call"] * 5,
        "rep": ["ana", "ana", "ben", "ben", "ana"],
        "outcome": ["no_answer", "no_answer", "connected", "connected", "connected"],
    }  # fmt: skip


def _duplicate_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if "repeat another row exactly" in str(w.message)]


def test_speed_to_lead_counts_an_exact_duplicate_row_once() -> None:
    acts = _acts()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        r = speed_to_lead(_leads(), acts)
    lead = r.to_frame(backend="dict")
    assert lead["attempts"].tolist() == [2, 1]  # L1: no_answer + connected; L2: one call
    assert lead["status"].tolist() == ["connected", "connected"]
    assert r.summary()["activities"] == 3  # the distinct activities (the warning: 2 more rows)
    (msg,) = _duplicate_warnings(record)
    assert "2 activity row(s)" in msg and "rows 1, 3" in msg
    assert acts["lead_id"] == ["L1", "L1", "L2", "L2", "L1"]  # the caller's data is untouched


def test_speed_to_lead_without_duplicates_does_not_warn() -> None:
    acts = {k: [v[0], v[2], v[4]] for k, v in _acts().items()}
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        r = speed_to_lead(_leads(), acts)
    assert r.to_frame(backend="dict")["attempts"].tolist() == [2, 1]
    assert _duplicate_warnings(record) == []


def test_evaluate_counts_an_exact_duplicate_row_once() -> None:
    sla = {"sales": {"first_touch": {"within": "1d"}}}
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        r = evaluate(sla, _leads(), _acts(), as_of="2024-03-10T00:00Z")
    (msg,) = _duplicate_warnings(record)
    assert msg.startswith("sla.evaluate: 2 activity row(s)") and "rows 1, 3" in msg
    assert r.leads["activities"].tolist() == [2, 1]
    assert r.summary["n_activities"] == r.summary["activities_counted"] == 3


def test_duplicate_rows_beyond_five_are_counted_in_the_warning() -> None:
    n = 8
    acts = {
        "lead_id": ["L1"] * n,
        "timestamp": ["2024-03-04T11:00Z"] * n,
        "kind": ["call"] * n,
        "rep": ["ana"] * n,
        "outcome": ["no_answer"] * n,
    }
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        r = speed_to_lead(_leads(), acts)
    (msg,) = _duplicate_warnings(record)
    assert "7 activity row(s)" in msg and "rows 1, 2, 3, 4, 5 (and 2 more)" in msg
    assert r.to_frame(backend="dict")["attempts"].tolist() == [1, 0]
    assert np.asarray(r.to_frame(backend="dict")["attempts"]).sum() == 1
