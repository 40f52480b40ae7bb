"""The SLA pydantic model: construction, documents, validation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

import alignment
from alignment.datasets import synthetic_crm
from alignment.errors import ModelValidationError, ParameterError
from alignment.sla._model import DEFAULT_REASON_CODES, SLA

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sla_agreement.toml"

TEMPLATE = {
    "name": "template",
    "marketing": {"qualified_leads": 100, "period": "M", "quality": {"min_grid_cell": "b2"}},
    "sales": {
        "first_touch": {"within": "1d", "business_time": True},
        "attempts": {"within": "5d", "business_time": True, "per_kind": {"call": 5, "email": 5}},
        "accept": {"within": "48h"},
    },
}


def test_reexported_from_models_and_top_level() -> None:
    from alignment.models import SLA as FromModels

    assert FromModels is SLA
    assert alignment.SLA is SLA


def test_from_dict_and_round_trip() -> None:
    sla = SLA.from_dict(TEMPLATE)
    assert sla.marketing is not None and sla.marketing.quality.min_grid_cell == "B2"
    assert sla.sales.attempts is not None and sla.sales.attempts.required == 10
    assert sla.sales.accept is not None and sla.sales.accept.reason_codes == DEFAULT_REASON_CODES
    assert SLA.from_dict(sla.to_dict()) == sla
    json.dumps(sla.to_dict())  # JSON-ready


def test_frozen() -> None:
    sla = SLA.from_dict(TEMPLATE)
    with pytest.raises(TypeError, match="frozen"):
        sla.name = "other"  # type: ignore[misc]


def test_from_json_text_and_file(tmp_path: Path) -> None:
    text = json.dumps(TEMPLATE)
    assert SLA.from_json(text) == SLA.from_dict(TEMPLATE)
    p = tmp_path / "sla.json"
    p.write_text(text)
    assert SLA.from_json(p) == SLA.from_json(str(p))
    with pytest.raises(ParameterError, match="no such file"):
        SLA.from_json(tmp_path / "missing.json")
    with pytest.raises(ParameterError, match="invalid JSON"):
        SLA.from_json("{not json")


def test_from_toml_example_file() -> None:
    sla = SLA.from_toml(EXAMPLE)
    assert sla.marketing is not None and sla.marketing.qualified_leads == 100
    assert sla.calendar is not None and sla.calendar.tz == "Europe/Paris"
    assert sla.sales.first_touch is not None and sla.sales.first_touch.within == "1d"


def test_from_toml_errors(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text("marketing = [")
    with pytest.raises(ParameterError, match="invalid TOML"):
        SLA.from_toml(p)
    with pytest.raises(ParameterError, match="no such file"):
        SLA.from_toml(tmp_path / "none.toml")


def test_timedelta_durations_are_kept_literal() -> None:
    sla = SLA(sales={"first_touch": {"within": dt.timedelta(hours=4)}})
    assert sla.sales.first_touch is not None and sla.sales.first_touch.within == "14400s"


@pytest.mark.parametrize(
    ("patch", "match"),
    [
        ({"sales": {"first_touch": {"within": "-1h"}}}, "must be > 0"),
        ({"sales": {"first_touch": {"within": "0h"}}}, "must be > 0"),
        ({"sales": {"first_touch": {"within": "soon"}}}, "cannot read"),
        ({"sales": {"attempts": {"minimum": 0, "within": "5d"}}}, "greater than or equal to 1"),
        ({"sales": {"attempts": {"within": "5d"}}}, "minimum"),
        ({"sales": {"attempts": {"within": "5d", "per_kind": {"call": 0}}}}, "K < 1"),
        ({"sales": {"accept": {"within": "1d", "reason_codes": []}}}, "reason_codes is empty"),
        ({"marketing": {"qualified_leads": 10, "period": "fortnight"}}, "unknown period"),
        ({"marketing": {"qualified_leads": 0}}, "greater than 0"),
        ({"marketing": {"qualified_leads": 5, "period": "custom"}}, "period_starts"),
        (
            {
                "marketing": {
                    "qualified_leads": 5,
                    "period": "custom",
                    "period_starts": ["2024-02-01", "2024-01-01"],
                }
            },
            "strictly increasing",
        ),
        ({"marketing": {"qualified_leads": 5, "split": {"r1": 5}}}, "split needs split_by"),
        ({"marketing": {"qualified_leads": 5, "quality": {"min_grid_cell": "A10"}}}, "letter"),
        ({"marketing": {"qualified_leads": 5, "quality": {"personas": []}}}, "admits no lead"),
        ({"calendar": {"tz": "Nowhere/Land"}, "marketing": {"qualified_leads": 1}}, "time zone"),
        (
            {"calendar": {"hours": {"mon": "18:00-09:00"}}, "marketing": {"qualified_leads": 1}},
            "ends",
        ),
        ({}, "commits nobody"),
        ({"sales": {"accept": {"within": "1d", "reason_codes": ["too_cheap"]}}}, "unknown reason"),
        ({"marketing": {"qualified_leads": 5}, "surprise": 1}, "Extra inputs"),
        ({"marketing": {"qualified_leads": 5}, "at_risk_after": 0}, "greater than 0"),
    ],
)
def test_validation_errors(patch: dict[str, object], match: str) -> None:
    with pytest.raises(ModelValidationError, match=match):
        SLA.from_dict(patch)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"sales": {"attempts": {"minimum": 10**30, "within": "14d"}}}, "sales.attempts.minimum"),
        (
            {"sales": {"attempts": {"within": "5d", "per_kind": {"call": 2**53 + 1}}}},
            "sales.attempts.per_kind.call",
        ),
        (
            {"sales": {"attempts": {"within": "5d", "per_kind": {"call": 2**53, "email": 1}}}},
            "sales.attempts",
        ),
        ({"marketing": {"qualified_leads": 10**400}}, "marketing.qualified_leads"),
        (
            {"marketing": {"qualified_leads": 5, "split_by": "owner", "split": {"r1": 2**60}}},
            "marketing.split.r1",
        ),
    ],
)
def test_counts_beyond_what_floats_hold_are_refused(patch: dict[str, object], field: str) -> None:
    with pytest.raises(ModelValidationError, match=f"'{field}'"):
        SLA.from_dict(patch)


def test_largest_count_is_evaluated() -> None:
    sla = SLA.from_dict({"sales": {"attempts": {"minimum": 2**53, "within": "14d"}}})
    report = alignment.sla.evaluate(sla, synthetic_crm(50, seed=1))
    leads = report.leads
    assert (np.asarray(leads["attempts_required"]) == 2**53).all()
    assert "met" not in set(np.asarray(leads["attempts_status"]).tolist())


def test_custom_period_and_rejection_codes() -> None:
    sla = SLA.from_dict(
        {
            "marketing": {
                "qualified_leads": 30,
                "period": "custom",
                "period_starts": ["2024-01-01", "2024-01-15", "2024-02-01"],
                "split_by": "owner",
                "split": {"ann": 20, "bob": 10},
            },
            "sales": {
                "accept": {
                    "within": "24h",
                    "reason_codes": ["too_small", "spam", "competitor"],
                    "extra_reason_codes": ["too_small", "spam"],
                }
            },
        }
    )
    assert sla.marketing is not None and sla.marketing.period == "custom"
    assert sla.sales.accept is not None
    assert sla.sales.accept.reason_codes == ("too_small", "spam", "competitor")


def test_docs_json_and_toml_examples_are_the_same_agreement() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "sla.md").read_text()
    block = docs.split("### The same agreement in JSON")[1].split("```json")[1].split("```")[0]
    assert SLA.from_json(block) == SLA.from_toml(EXAMPLE)
    toml_block = docs.split("### Example agreement (TOML)")[1].split("```toml")[1].split("```")[0]
    import tomllib

    assert SLA.from_dict(tomllib.loads(toml_block)) == SLA.from_toml(EXAMPLE).model_copy(update={})
