"""A record and a table row judge a value alike (a blank activity kind is missing; a persona's
keywords and the leads' values both ignore surrounding whitespace)."""

from __future__ import annotations

import warnings

import pytest

import alignment
from alignment.errors import AlignmentWarning
from alignment.models import Activity
from alignment.scoring import match_personas
from alignment.sla import speed_to_lead
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
