"""Duration units are case-sensitive; "M" (a month, in SLA periods) is not a duration unit."""

from __future__ import annotations

import numpy as np
import pytest

import alignment
from alignment import funnel
from alignment._time import parse_duration
from alignment.errors import ModelValidationError, ParameterError
from alignment.sla import BusinessCalendar


@pytest.mark.parametrize(
    ("text", "us"),
    [
        ("1ms", 1_000),
        ("90min", 5_400_000_000),
        ("90m", 5_400_000_000),
        ("1d12h", 129_600_000_000),
        ("2us", 2),
    ],
)
def test_documented_units(text: str, us: int) -> None:
    assert parse_duration(text) == np.timedelta64(us, "us")


def test_capital_m_is_refused_with_the_fix() -> None:
    with pytest.raises(ParameterError, match=r"'M' is not a unit.*'30d', or '1m' for a minute"):
        parse_duration("1M")
    with pytest.raises(ParameterError, match="lower case"):
        parse_duration("36H")


def test_every_engine_refuses_one_capital_m() -> None:
    leads = {"lead_id": ["a"], "created_at": ["2024-01-01T00:00Z"], "mql_at": ["2024-01-10T00:00Z"]}
    with pytest.raises(ParameterError, match="horizon: cannot read '1M'"):
        funnel.observe(leads, stages=["created_at", "mql_at"], horizon="1M")
    touches = {"lead_id": ["A"], "timestamp": ["2024-03-01T00:00Z"], "channel": ["e"]}
    conv = {"lead_id": ["A"], "converted_at": ["2024-03-10T00:00Z"], "revenue": [1.0]}
    with pytest.raises(ParameterError, match="lookback: cannot read '1M'"):
        alignment.attribute(touches, conv, lookback="1M")
    with pytest.raises(ModelValidationError, match="'M' is not a unit"):
        alignment.SLA.from_dict({"sales": {"first_touch": {"within": "1M"}}})


def test_business_durations_share_the_grammar() -> None:
    cal = BusinessCalendar()
    assert cal.business_duration("1d") == np.timedelta64(8 * 3_600_000_000, "us")
    assert cal.business_duration("1ms") == np.timedelta64(1_000, "us")
    with pytest.raises(ParameterError, match="'M' is not a unit"):
        cal.business_duration("1M")
