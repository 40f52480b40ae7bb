"""Review round 4: integer ids of 2**53 or more with a missing id name the missing row; a
``by=`` group no lead of the table holds is not listed; flags among text are refused in one
wording in memory and on Dask; a cost keyed to a ``by=`` column of flags or numbers is read as
the same kind (the text ``"True"`` is not the flag ``True``)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import alignment
from alignment.closed_loop import closed_loop
from alignment.errors import DataValidationError
from alignment.sla import speed_to_lead
from alignment.tables import LeadTable

pd = pytest.importorskip("pandas")

BIG = 2**53 + 1
FLAG_PROBLEM = "expected strings, found bool (a flag is no label: not the text 'True')"


from _outcomes import outcome as _outcome  # noqa: E402


def _days(n: int, day: str = "2024-01-01") -> np.ndarray:
    return np.array([day] * n, "datetime64[us]")


# ------------------------------------------------------------------ 1. big integer ids, one missing

MISSING_KEY = "missing key (NaN/None)"


@pytest.mark.parametrize("ids", [[BIG, None, BIG + 1], [10**20, None, 3], [1, None, 3]])
def test_integer_lead_ids_with_a_missing_id_name_the_missing_row(ids: list[Any]) -> None:
    got = _outcome(lambda: LeadTable.build({"lead_id": ids, "created_at": _days(3)}))
    assert got == ("DataValidationError", MISSING_KEY, "lead_id", "leads", [1], 1)
    with pytest.raises(DataValidationError, match="every row needs a key"):
        LeadTable.build({"lead_id": ids, "created_at": _days(3)})


def test_big_integer_touch_and_conversion_ids_with_a_missing_id_name_it() -> None:
    touches = {"lead_id": [BIG, BIG + 1, None], "timestamp": _days(3), "channel": ["e", "s", "a"]}
    conv = {
        "lead_id": [BIG, BIG + 1],
        "converted_at": _days(2, "2024-02-01"),
        "revenue": [1.0, 2.0],
    }
    got = _outcome(lambda: alignment.attribute(touches, conv, model="linear").totals())
    assert got == ("DataValidationError", MISSING_KEY, "lead_id", "touchpoints", [2], 1)
    touches = {"lead_id": [BIG, BIG + 1], "timestamp": _days(2), "channel": ["e", "s"]}
    conv = {"lead_id": [BIG, None, BIG + 1], "converted_at": _days(3, "2024-02-01"),
            "revenue": [1.0, 5.0, 2.0]}  # fmt: skip
    got = _outcome(lambda: alignment.attribute(touches, conv, model="linear").totals())
    assert got == ("DataValidationError", MISSING_KEY, "lead_id", "conversions", [1], 1)


def test_big_integer_ids_without_a_missing_id_read_exactly() -> None:
    lt = LeadTable.build({"lead_id": [BIG, 7, BIG + 1], "created_at": _days(3)})
    assert lt.ids.dtype == np.int64
    assert lt.ids.tolist() == [BIG, 7, BIG + 1]  # (never merged by a float)


# ------------------------------------------------------------------ 2. by= groups of a subset


def _subset() -> LeadTable:
    leads = pd.DataFrame(
        {
            "lead_id": ["a", "b", "c", "d", "e"],
            "created_at": pd.to_datetime(["2024-01-01 09:00"] * 5),
            "assigned_at": pd.to_datetime(["2024-01-01 10:00"] * 5),
            "source": ["web", "zzz", "ads", "web", "ads"],
        }
    )
    return LeadTable.build(leads).take(np.array([0, 2, 3, 4]))  # lead "b" ("zzz") left out


def test_speed_to_lead_by_lists_only_the_groups_the_leads_hold() -> None:
    acts = pd.DataFrame(
        {
            "lead_id": ["a", "c"],
            "timestamp": pd.to_datetime(["2024-01-01 11:00", "2024-01-01 12:00"]),
            "kind": ["call", "call"],
            "rep": ["r1", "r2"],
            "outcome": ["connected", None],
        }
    )
    lt = _subset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by = dict(speed_to_lead(lt, acts, by="source", as_of="2024-02-01").by)
        funnel = alignment.funnel.observe(lt, stages=["created_at", "assigned_at"], by="source")
    assert list(by["source"]) == ["ads", "web"]  # (no "zzz" group of 0 leads)
    assert by["leads"].tolist() == [2, 2]
    assert by["attempted"].tolist() == [1, 1]
    assert [str(v) for v in funnel.to_frame().iloc[:, 0]] == ["ads", "web"]  # (as funnel)


# ------------------------------------------------------------------ 3. flags among text


_CONV = {
    "lead_id": ["A0", "A1", "B0", "B1"],
    "converted_at": pd.to_datetime(["2024-02-01"] * 4, utc=True),
    "revenue": [10.0, 20.0, 30.0, 40.0],
}


def _touches(kind: list[Any]) -> Any:
    return pd.DataFrame(
        {
            "lead_id": [k for k in ["A0", "A1", "B0", "B1"] for _ in range(2)],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"] * 4, utc=True),
            "channel": ["email", "search"] * 4,
            "kind": np.array(kind, dtype=object),
        }
    )


@pytest.mark.parametrize(
    ("kind", "rows"),
    [
        (["a", "b", "a", "b", True, False, True, None], [4, 5, 6]),
        ([None, "b", None, None, True, False, True, None], [4, 5, 6]),
        ([True, False, True, None] * 2, [0, 1, 2, 4, 5, 6]),
    ],
)
def test_flags_among_labels_are_refused_in_one_wording(kind: list[Any], rows: list[int]) -> None:
    conv = pd.DataFrame(_CONV)
    res = alignment.attribute(_touches(kind), conv, model="linear")
    got = _outcome(lambda: res.to_frame("touch"))
    assert got == ("DataValidationError", FLAG_PROBLEM, "kind", "touchpoints", rows[:5], len(rows))


def test_flags_among_labels_word_alike_in_memory_and_on_dask() -> None:
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    t = _touches(["a", "b", "a", "b", True, False, True, None])
    conv = pd.DataFrame(_CONV)
    memory = _outcome(lambda: alignment.attribute(t, conv, model="linear").to_frame("touch"))
    with dask.config.set({"dataframe.convert-string": False, "scheduler": "sync"}):
        k = dd.from_pandas(t.set_index("lead_id"), npartitions=1, sort=True)
        k = k.repartition(divisions=["A0", "B0", "B9"], force=True)
        res = alignment.attribute(k, dd.from_pandas(conv, npartitions=1))
        on_dask = _outcome(lambda: res.to_frame(level="touch").compute())
    assert memory == ("DataValidationError", FLAG_PROBLEM, "kind", "touchpoints", [4, 5, 6], 3)
    assert on_dask[1:3] == memory[1:3] and on_dask[4:] == memory[4:]


# ------------------------------------------------------------------ 4. cost keys of a by= column

_LEADS = pd.DataFrame(
    {
        "lead_id": ["a", "b", "c", "d"],
        "created_at": pd.to_datetime(["2024-01-01"] * 4),
        "mql_at": pd.to_datetime(["2024-01-02"] * 4),
        "won_at": pd.to_datetime(["2024-02-01", None, None, "2024-02-03"]),
        "revenue": [100.0, np.nan, np.nan, 50.0],
        "flag": [True, False, None, True],
        "score": [1.5, 2.0, 2.0, np.nan],
        "n": [101, 7, 7, 101],
        "source": ["web", "101", "ads", "web"],
    }
)


def _costs_by(by: str, keys: Any) -> Any:
    """Cost per group of ``closed_loop(by=by)`` with costs keyed by ``keys``, or the error."""

    def run() -> dict[str, float]:
        costs = pd.DataFrame({by: keys, "cost": [10.0, 5.0]})
        table = dict(closed_loop(_LEADS, by=by, required=[], costs=costs).table)
        return {str(k): float(c) for k, c in zip(table[by], table["cost"], strict=True)}

    return _outcome(run)


def test_costs_keyed_by_flags_meet_the_leads_flag_groups() -> None:
    got = _costs_by("flag", [True, False])
    assert got == {"False": 5.0, "True": 10.0, "(missing)": 0.0}
    nullable = _costs_by("flag", pd.array([True, None], "boolean"))
    assert nullable == {"False": 0.0, "True": 10.0, "(missing)": 5.0}


@pytest.mark.parametrize(
    ("by", "keys", "value"),
    [("flag", ["True", "False"], "True"), ("flag", [1, 0], 1), ("n", ["101", "7"], "101"),
     ("n", [True, False], True), ("score", ["1.5", "2"], "1.5")],
)  # fmt: skip
def test_costs_keyed_by_another_kind_are_refused(by: str, keys: list[Any], value: Any) -> None:
    got = _costs_by(by, keys)
    assert got[0] == "DataValidationError" and got[2:] == (by, "costs", [0, 1], 2)
    assert got[1].startswith(f"the leads' {by!r} holds ")
    with pytest.raises(DataValidationError, match="key these rows by") as info:
        closed_loop(_LEADS, by=by, required=[], costs=pd.DataFrame({by: keys, "cost": [1.0, 2.0]}))
    assert info.value.value == value


def test_costs_keyed_by_numbers_meet_the_leads_number_groups() -> None:
    assert _costs_by("score", [1.5, 2.0]) == {"1.5": 10.0, "2": 5.0, "(missing)": 0.0}
    assert _costs_by("n", [101, 7]) == {"7": 5.0, "101": 10.0}
    assert _costs_by("n", [101.0, 7.0]) == {"7": 5.0, "101": 10.0}  # (whole floats: codes)


def test_costs_keyed_by_text_still_meet_text_groups() -> None:
    assert _costs_by("source", ["web", "ads"]) == {"101": 0.0, "ads": 5.0, "web": 10.0}
    assert _costs_by("source", [101, 7]) == {"101": 10.0, "ads": 0.0, "web": 0.0, "7": 5.0}
