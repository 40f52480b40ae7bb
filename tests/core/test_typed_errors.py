"""Hostile arguments get a typed AlignmentError, never a raw numpy/pandas/pydantic exception.

Regression tests for the raw exceptions of the reliability issue: NaT in aware object columns,
durations too large, duplicate column names, bad arguments of from_paths / BusinessCalendar /
sla.evaluate / match_personas, model validation (one rule: ModelValidationError), and the
thread-count variable read on every input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import alignment
from alignment import funnel, sla
from alignment.cli import _main as cli
from alignment.errors import (
    AlignmentError,
    DataValidationError,
    ModelValidationError,
    ParameterError,
)
from alignment.scoring import match_personas
from alignment.sla import BusinessCalendar
from alignment.tables import Journeys, LeadTable

pd = pytest.importorskip("pandas")

UTC = dt.timezone.utc
T = {"lead_id": [1], "timestamp": ["2024-01-01"], "channel": ["a"]}
C = {"lead_id": [1], "converted_at": ["2024-01-02"], "revenue": [5.0]}
LEADS = {"lead_id": [1], "created_at": ["2024-01-01"], "mql_at": ["2024-01-01"]}
NO_ACTS: dict[str, list[Any]] = {"lead_id": [], "timestamp": [], "kind": []}
HUGE = "99999999999999999999d"


def test_pandas_nat_among_aware_datetimes_is_missing() -> None:
    aware = [dt.datetime(2024, 1, 2, tzinfo=UTC), pd.NaT]
    lt = LeadTable.build(
        {
            "lead_id": [1, 2],
            "created_at": [dt.datetime(2024, 1, 1, tzinfo=UTC)] * 2,
            "mql_at": aware,
        }
    )
    assert np.isnat(lt.stages["mql_at"]).tolist() == [False, True]
    zoned = pd.Series(pd.to_datetime(["2024-01-01T10:00", None]).tz_localize("Europe/Paris"))
    frame = pd.DataFrame(
        {"lead_id": [1, 2], "created_at": pd.Timestamp("2024-01-01", tz="UTC"), "mql_at": zoned}
    )
    assert np.isnat(LeadTable.build(frame).stages["mql_at"]).tolist() == [False, True]


@pytest.mark.parametrize(
    "call",
    [
        lambda: alignment.attribute(T, C, lookback=HUGE),
        lambda: alignment.attribute(T, C, lookback=dt.timedelta.max),
        lambda: alignment.attribute(T, C, model="time_decay", half_life=HUGE),
        lambda: BusinessCalendar().add(np.array(["2024-01-01"], dtype="datetime64[us]"), HUGE),
        lambda: sla.evaluate(
            {"sales": {"first_touch": {"within": HUGE}}}, LEADS, NO_ACTS, as_of="2024-02-01"
        ),
    ],
)
def test_durations_too_large_are_typed_errors(call: Callable[[], Any]) -> None:
    with pytest.raises(AlignmentError, match="10,000 years"):
        call()


def test_cli_half_life_too_large_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["attribute", "missing.csv", "--model", "time_decay", "--half-life", HUGE])
    assert code != 0
    err = capsys.readouterr().err
    assert "unexpected error" not in err.lower()


def test_duplicate_column_names_are_named() -> None:
    frame = pd.DataFrame(
        [[1, "2024-01-01", "a", "b"]], columns=["lead_id", "timestamp"] + ["channel"] * 2
    )
    with pytest.raises(DataValidationError, match="duplicate column name") as err:
        alignment.attribute(frame, C)
    assert err.value.column == "channel" and err.value.table == "touchpoints"


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: Journeys.from_paths(pd.DataFrame({"path": ["a > b"]}), conversions=None),
            ParameterError,
            "conversions",
        ),
        (
            lambda: funnel.sensitivity(
                {"lead": 0.1, "mql": 0.5}, revenue_target=1e6, average_deal_size=1e4, step="1"
            ),
            ParameterError,
            "step",
        ),
        (
            lambda: BusinessCalendar().elapsed(
                np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[us]"),
                np.array(["2024-01-03"] * 3, dtype="datetime64[us]"),
            ),
            ParameterError,
            "lengths",
        ),
        (
            lambda: sla.evaluate("agreement.txt", LEADS, NO_ACTS, as_of="2024-02-01"),
            ParameterError,
            "toml",
        ),
        (
            lambda: sla.evaluate(
                {"sales": {"first_touch": {"within": "1d"}}},
                LEADS,
                NO_ACTS,
                as_of="2024-02-01",
                calendar="UTC",
            ),
            ParameterError,
            "BusinessCalendar",
        ),
        (lambda: match_personas(LEADS, ["IT"]), ModelValidationError, "Persona"),
    ],
)
def test_bad_arguments_are_typed_errors(call: Callable[[], Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_sla_agreement_files_are_read(tmp_path: Path) -> None:
    path = tmp_path / "agreement.toml"
    path.write_text('[sales.first_touch]\nwithin = "1d"\n')
    r = sla.evaluate(path, LEADS, NO_ACTS, as_of="2024-02-01")
    assert r.leads["first_touch_status"].tolist() == ["breached"]
    assert sla.evaluate(str(path), LEADS, NO_ACTS, as_of="2024-02-01").summary == r.summary


# ------------------------------------------------------------------ one rule for models
@pytest.mark.parametrize(
    ("build", "model", "field"),
    [
        (
            lambda: alignment.Deal(deal_id="", lead_id="L1", created_at="2024-01-01", amount=1.0),
            "Deal",
            "deal_id",
        ),
        (
            lambda: alignment.Deal(deal_id="D", lead_id="L1", created_at="2024-01-01", amount=-1),
            "Deal",
            "amount",
        ),
        (
            lambda: alignment.Touchpoint(lead_id="a", timestamp="2024-01-01", channel=""),
            "Touchpoint",
            "channel",
        ),
        (
            lambda: alignment.Touchpoint(
                lead_id="a", timestamp="2024-01-01", channel="x", cost=float("inf")
            ),
            "Touchpoint",
            "cost",
        ),
        (
            lambda: alignment.SLA.from_dict({"marketing": {"leads": 7}}),
            "SLA",
            "marketing.qualified_leads",
        ),
        (
            lambda: alignment.SLA.model_validate({"sales": {"first_touch": {"within": "-1d"}}}),
            "SLA",
            "sales.first_touch.within",
        ),
    ],
)
def test_model_validation_raises_model_validation_error(
    build: Callable[[], Any], model: str, field: str
) -> None:
    with pytest.raises(ModelValidationError) as err:
        build()
    e = err.value
    assert isinstance(e, DataValidationError) and isinstance(e, AlignmentError)
    assert e.table == model and e.column == field
    assert e.errors and all("msg" in d and "loc" in d for d in e.errors)  # pydantic's details
    assert e.__cause__ is not None  # pydantic's exception, chained
    assert alignment.ModelValidationError is ModelValidationError


def test_models_are_deeply_frozen_and_hashable() -> None:
    lead = alignment.Lead(
        lead_id="a",
        created_at="2024-01-01T00:00:00Z",
        stages={"demo_at": "2024-01-02T00:00:00Z"},
        attributes={"vertical": "saas"},
    )
    with pytest.raises(TypeError, match="frozen"):
        lead.stages["x_at"] = "junk"  # type: ignore[index]
    with pytest.raises(TypeError, match="frozen"):
        lead.attributes.update(vertical="retail")
    with pytest.raises(TypeError, match="frozen"):
        lead.lead_id = "b"  # type: ignore[misc]
    same = alignment.Lead.model_validate(lead.model_dump())
    assert hash(lead) == hash(same) and lead == same
    assert lead.model_copy(update={"lead_id": "b"}).lead_id == "b"


def test_thread_count_variable_is_checked_on_every_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIGNMENT_NUM_THREADS", "abc")
    with pytest.raises(ParameterError, match="ALIGNMENT_NUM_THREADS"):
        alignment.attribute(T, C)  # a tiny input: no pool needed, still refused
    monkeypatch.setenv("ALIGNMENT_NUM_THREADS", "1")
    assert alignment.attribute(T, C).totals() == {"a": 5.0}
