"""Integers beyond int64 are keys and ``by=`` groups, exact (``10**20`` and ``10**20 + 1`` stay
apart, as their text); a missing amount is named as missing, not as a non-finite number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import alignment
from _outcomes import outcome
from alignment.closed_loop import closed_loop
from alignment.errors import DataValidationError
from alignment.sla import speed_to_lead
from alignment.tables import LeadTable

BIG = 10**20
WIDE = 2**63  # (beyond int64, within uint64: numpy reads a list of them as floats or uint64)


def _outcome(call: Callable[[], Any]) -> Any:
    """The value of a call, or its error as (type, problem, column, table, rows)."""
    return outcome(call, count=False)


def _days(n: int, day: str = "2024-01-01") -> np.ndarray:
    return np.array([day] * n, "datetime64[us]")


# ------------------------------------------------------------------ 1. ids beyond int64


@pytest.mark.parametrize(
    ("ids", "text"),
    [
        ([BIG, 3, BIG + 1], [str(BIG), "3", str(BIG + 1)]),
        ([WIDE, 3, WIDE + 1], [str(WIDE), "3", str(WIDE + 1)]),  # (numpy: floats)
        ([WIDE, WIDE + 2, WIDE + 1], [str(WIDE), str(WIDE + 2), str(WIDE + 1)]),  # (uint64)
        (np.array([WIDE, 3, WIDE + 1], dtype=np.uint64), [str(WIDE), "3", str(WIDE + 1)]),
    ],
)
def test_lead_ids_beyond_int64_are_keyed_exactly_as_text(ids: Any, text: list[str]) -> None:
    lt = LeadTable.build({"lead_id": ids, "created_at": _days(3)})
    assert [str(i) for i in lt.ids.tolist()] == text  # (three leads: none merged nor refused)
    pos, found = lt.positions([int(t) for t in text[::-1]])
    assert pos.tolist() == [2, 1, 0] and found.all()
    assert lt.positions([BIG + 7])[1].tolist() == [False]


def test_touches_and_conversions_beyond_int64_match_exactly() -> None:
    touches = {"lead_id": [BIG, BIG + 1, 3, BIG], "timestamp": _days(4), "channel": list("esas")}
    conv = {"lead_id": [BIG, BIG + 1], "converted_at": _days(2, "2024-02"), "revenue": [10.0, 20.0]}
    got = _outcome(lambda: alignment.attribute(touches, conv, model="linear").totals())
    assert got == {"a": 0.0, "e": 5.0, "s": 25.0}  # (BIG: e + s; BIG + 1: s alone)
    conv = {"lead_id": [BIG, 3], "converted_at": _days(2, "2024-02"), "revenue": [10.0, 20.0]}
    got = _outcome(lambda: alignment.attribute(touches, conv, model="linear").totals())
    assert got == {"a": 20.0, "e": 5.0, "s": 5.0}  # (an int64 id 3 meets the lead 3)


def test_activities_of_leads_beyond_int64_meet_their_leads() -> None:
    leads = {"lead_id": [BIG, BIG + 1, 3], "created_at": _days(3)}
    at = np.array(["2024-01-01T05", "2024-01-01T07"], "datetime64[us]")
    acts = {"lead_id": [BIG + 1, 3], "timestamp": at, "kind": ["call"] * 2}
    kw: dict[str, Any] = dict(assigned="created_at", connect_outcomes=None, as_of="2024-02-01")
    got = _outcome(lambda: speed_to_lead(leads, acts, **kw).to_frame(backend="dict"))
    assert got["lead_id"].tolist() == [str(BIG), str(BIG + 1), "3"]
    assert got["status"].tolist() == ["not attempted yet", "attempted", "attempted"]
    assert got["rep_delay"][1:].tolist() == [5.0, 7.0]  # (hours: each lead its own calls)


# ------------------------------------------------------------------ 2. by= groups beyond int64

_SEG = [BIG, BIG + 1, 3, None, BIG]
_LABELS = ["3", str(BIG), str(BIG + 1), "(missing)"]


def _leads() -> dict[str, Any]:
    return {
        "lead_id": list("abcde"),
        "created_at": _days(5),
        "assigned_at": _days(5, "2024-01-02"),
        "seg": _SEG,
    }


def test_funnel_by_integers_beyond_int64_labels_them_exactly() -> None:
    funnel = _outcome(
        lambda: alignment.funnel.observe(_leads(), stages=["created_at", "assigned_at"], by="seg")
    )
    table = funnel.to_frame(backend="dict")
    assert table["seg"].tolist() == _LABELS
    assert table["n_from"].tolist() == [1, 2, 1, 1]


def test_speed_to_lead_and_closed_loop_by_integers_beyond_int64() -> None:
    acts = {"lead_id": ["a"], "timestamp": _days(1, "2024-01-01T02"), "kind": ["call"]}
    kw: dict[str, Any] = dict(by="seg", connect_outcomes=None, as_of="2024-02-01")
    by = _outcome(lambda: dict(speed_to_lead(_leads(), acts, **kw).by))
    assert list(by["seg"]) == _LABELS
    assert by["leads"].tolist() == [1, 2, 1, 1]
    costs = {"seg": [BIG, BIG + 1], "cost": [10.0, 5.0]}
    table = _outcome(lambda: dict(closed_loop(_leads(), by="seg", required=[], costs=costs).table))
    assert [str(k) for k in table["seg"]] == _LABELS
    assert table["cost"].tolist() == [0.0, 10.0, 5.0, 0.0]


# ------------------------------------------------------------------ 3. a missing amount

_TOUCHES = {"lead_id": ["a", "b"], "timestamp": _days(2), "channel": ["e", "s"]}
MISSING = "missing value (None, null or NaN: no amount given)"


def _conversions(amounts: Any, deals: bool) -> dict[str, Any]:
    if deals:
        return {"deal_id": ["d1", "d2"], "lead_id": ["a", "b"], "closed_at": _days(2, "2024-02"),
                "amount": amounts, "won": [True, True]}  # fmt: skip
    return {"lead_id": ["a", "b"], "converted_at": _days(2, "2024-02"), "revenue": amounts}


@pytest.mark.parametrize("deals", [False, True])
@pytest.mark.parametrize("missing", [None, float("nan")])
def test_a_missing_amount_is_named_missing(deals: bool, missing: Any) -> None:
    column = "amount" if deals else "revenue"
    conv = _conversions([1.0, missing], deals)
    got = _outcome(lambda: alignment.attribute(_TOUCHES, conv, model="linear"))
    assert got == ("DataValidationError", MISSING, column, "conversions", [1])
    with pytest.raises(DataValidationError, match=r"0 when it brought none\), or drop"):
        alignment.attribute(_TOUCHES, conv, model="linear")


@pytest.mark.parametrize("deals", [False, True])
def test_an_infinite_amount_is_still_named_non_finite(deals: bool) -> None:
    conv = _conversions([1.0, float("inf")], deals)
    got = _outcome(lambda: alignment.attribute(_TOUCHES, conv, model="linear"))
    column = "amount" if deals else "revenue"
    assert got == ("DataValidationError", "non-finite value (NaN or infinity)", column,
                   "conversions", [1])  # fmt: skip


def test_journeys_from_arrays_name_a_missing_revenue() -> None:
    got = _outcome(
        lambda: alignment.Journeys.from_arrays(
            keys=np.array(["a", "b"]),
            offsets=np.array([0, 1, 2]),
            time=_days(2),
            channel=np.array([0, 1]),
            channels=["e", "s"],
            revenue=np.array([1.0, None], dtype=object),
        )
    )
    assert got == ("DataValidationError", MISSING, "revenue", "journeys", [1])


# ------------------------------------------------------------------ 4. optional deal ids, 2**53+


def test_optional_big_deal_ids_with_a_missing_one_are_keyed_exactly() -> None:
    touches = {"lead_id": list("abc"), "timestamp": _days(3), "channel": list("esx")}
    deals = {"deal_id": [2**53 + 1, None, 2**53], "lead_id": list("abc"),
             "closed_at": _days(3, "2024-02"), "amount": [1.0, 2.0, 4.0], "won": [True] * 3}  # fmt: skip
    got = _outcome(lambda: alignment.attribute(touches, deals, model="linear").totals())
    assert got == {"e": 1.0, "s": 2.0, "x": 4.0}
    deals["deal_id"] = [2**53 + 1, None, 2**53 + 1]
    got = _outcome(lambda: alignment.attribute(touches, deals, model="linear").totals())
    assert got == ("DataValidationError", "duplicate deal id", "deal_id", "conversions", [0, 2])


def test_owner_ids_beyond_int64_are_two_reps() -> None:
    leads = {"lead_id": list("abc"), "created_at": _days(3), "owner": [BIG, BIG + 1, None]}
    acts = {"lead_id": ["a"], "timestamp": _days(1, "2024-01-01T02"), "kind": ["call"]}
    kw: dict[str, Any] = dict(assigned="created_at", connect_outcomes=None, as_of="2024-02-01")
    got = _outcome(lambda: speed_to_lead(leads, acts, **kw).to_frame(backend="dict")["rep"])
    assert got.tolist() == [str(BIG), str(BIG + 1), "(no rep)"]


def test_a_pandas_column_of_integers_beyond_int64_with_a_gap_groups_exactly() -> None:
    pd = pytest.importorskip("pandas")
    leads = pd.DataFrame(_leads())  # (an object column: Python ints and None)
    funnel = _outcome(
        lambda: alignment.funnel.observe(leads, stages=["created_at", "assigned_at"], by="seg")
    )
    assert funnel.to_frame(backend="dict")["seg"].tolist() == _LABELS
