"""speed_to_lead(by=) reads a lead column as funnel.observe(by=) does: integer codes, flags and
numbers grouped and labelled alike, leads without a value last."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import alignment
from alignment.errors import DataValidationError, ParameterError

_AT = ["2024-01-01T09:00:00Z"] * 4
_COLUMNS = {
    "code": ([101, 102, 101, 7], ["7", "101", "102"], [1, 2, 1]),
    "gap": ([101, None, 102, 3], ["3", "101", "102", "(missing)"], [1, 1, 1, 1]),
    "gapf": ([101.0, np.nan, 102.0, 3.0], ["3", "101", "102", "(missing)"], [1, 1, 1, 1]),
    "big": ([2**53, 2**53 + 1, None, 2**53], [str(2**53), str(2**53 + 1), "(missing)"], [2, 1, 1]),
    "frac": ([1.5, 2.0, 1.5, None], ["1.5", "2", "(missing)"], [2, 1, 1]),
    "flag": ([True, False, None, True], ["False", "True", "(missing)"], [1, 2, 1]),
    "text": (["b", None, "a", "b"], ["a", "b", "(missing)"], [1, 2, 1]),
}
_LEADS = {
    "lead_id": list("abcd"),
    "created_at": _AT,
    "assigned_at": _AT,
    "owner": ["r1", "r1", "r2", "r2"],
    "won_at": [None, "2024-02-01T00:00:00Z", None, None],
    **{name: values for name, (values, _, _) in _COLUMNS.items()},
}
_ACTS = {
    "lead_id": ["a", "b"],
    "timestamp": ["2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z"],
    "kind": ["call", "call"],
    "outcome": ["connected", None],
}


def _speed(leads, by):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return alignment.sla.speed_to_lead(leads, _ACTS, by=by)


@pytest.mark.parametrize("by", list(_COLUMNS))
def test_speed_to_lead_groups_a_lead_column_as_funnel_observe_does(by):
    _, labels, leads = _COLUMNS[by]
    speed = _speed(_LEADS, by)
    table = speed.to_frame("by", backend="dict")
    assert table[by].tolist() == labels
    assert table["leads"].tolist() == leads
    funnel = alignment.funnel.observe(_LEADS, by=by, stages=["created_at", "won_at"])
    assert funnel.to_frame(backend="dict")[by].tolist() == labels
    # per lead: its key, as the by table names it
    per_lead = speed.to_frame(backend="dict")[by].tolist()
    assert sorted(set(per_lead), key=labels.index) == labels


def test_speed_to_lead_delays_follow_the_integer_keys():
    table = _speed(_LEADS, "code").to_frame("by", backend="dict")
    # lead a (code 101) attempted 1 h after assignment; lead c (101) not attempted; b (102) 2 h
    assert table["rep_delay_median"][1] == pytest.approx(1.0)
    assert table["rep_delay_median"][2] == pytest.approx(2.0)
    assert table["attempted"].tolist() == [0, 1, 1]


def test_speed_to_lead_by_refuses_as_funnel_observe_does():
    leads = {**_LEADS, "text": ["(missing)", None, "a", "b"]}
    for call in (
        lambda: _speed(leads, "text"),
        lambda: alignment.funnel.observe(leads, by="text", stages=["created_at", "won_at"]),
    ):
        with pytest.raises(DataValidationError, match="'\\(missing\\)' is the label") as err:
            call()
        assert err.value.rows == [0]
    with pytest.raises(ParameterError, match=r"by='cod' is not a lead column.*'code'"):
        _speed(_LEADS, "cod")
    with pytest.raises(ParameterError, match="time column"):
        _speed(_LEADS, "won_at")


@pytest.mark.parametrize("by", list(_COLUMNS))
def test_closed_loop_groups_a_lead_column_as_funnel_observe_does(by):
    _, labels, leads = _COLUMNS[by]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = alignment.closed_loop(_LEADS, by=by).to_frame(backend="dict")
    assert frame[by].tolist() == labels
    assert frame["leads"].tolist() == leads


@pytest.mark.parametrize(
    ("by", "placed"),
    [
        ("code", {"7": 5.0, "101": 30.0, "102": 0.0, "999": 2.0}),
        ("gap", {"3": 0.0, "101": 30.0, "102": 0.0, "(missing)": 0.0, "7": 5.0, "999": 2.0}),
    ],
)
def test_closed_loop_places_costs_on_integer_keys(by, placed):
    # 101.0 (a float cost key) is the campaign "101"; 7 and 999 name no lead of "gap"
    costs = {by: [101.0, 7, 999], "cost": [30.0, 5.0, 2.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = alignment.closed_loop(_LEADS, costs=costs, by=by).to_frame(backend="dict")
    got = dict(zip(frame[by].tolist(), frame["cost"].tolist(), strict=True))
    assert got == placed
