"""An SLA split of an integer or flag column written with the column's values as keys: the keys
are the labels split_by gives those values ("101", "True"), so the commitments land on the leads'
groups; two keys naming one value are refused."""

from __future__ import annotations

import warnings

import pytest

from alignment.errors import ModelValidationError
from alignment.sla import SLA, evaluate

LEADS = {
    "lead_id": ["a", "b", "c"],
    "created_at": ["2024-01-02T00:00Z"] * 3,
    "mql_at": ["2024-01-03T00:00Z"] * 3,
    "tier": [101, 102, 101],
    "vip": [True, False, True],
}


def _committed(split_by: str, split: dict[object, int]) -> dict[str, tuple[float, int]]:
    doc = {"qualified_leads": 10, "period": "M", "split_by": split_by, "split": split}
    sla = SLA.from_dict({"marketing": doc})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = evaluate(
            sla, LEADS, {"lead_id": [], "timestamp": []}, as_of="2024-01-20T00:00Z"
        ).periods
    return {
        str(k): (float(c), int(d))
        for k, c, d in zip(p[split_by], p["committed"], p["delivered"], strict=True)
    }


def test_integer_keys_are_the_labels_of_an_integer_column() -> None:
    assert _committed("tier", {101: 7, 102: 3}) == {"101": (7.0, 2), "102": (3.0, 1)}
    assert _committed("tier", {"101": 7, "102": 3}) == {"101": (7.0, 2), "102": (3.0, 1)}


def test_flag_keys_are_the_labels_of_a_flag_column() -> None:
    assert _committed("vip", {True: 6, False: 4}) == {"False": (4.0, 1), "True": (6.0, 2)}


def test_two_keys_naming_one_value_are_refused() -> None:
    doc = {"qualified_leads": 5, "split_by": "tier", "split": {101: 3, "101": 2}}
    with pytest.raises(ModelValidationError, match="twice"):
        SLA.from_dict({"marketing": doc})
