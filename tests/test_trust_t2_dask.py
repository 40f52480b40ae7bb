"""Dask parity: the per-touch frame's refusal of a default label column names the rows of every
partition (a kind of fractions, a nullable flag kind with gaps: the same wording whether a
partition has gaps or not); an SLA's leads lacking the assignment stage are refused before
their instants are compared with the activities', as in memory."""

from __future__ import annotations

from typing import Any

import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
dask = pytest.importorskip("dask")

import alignment  # noqa: E402
from alignment import datasets, sla  # noqa: E402

SCHEDULERS = ["sync", "processes"]
FLAG_PROBLEM = "expected strings, found bool (a flag is no label: not the text 'True')"


from _outcomes import outcome as _outcome  # noqa: E402


def _keyed(frame: Any) -> Any:
    """Indexed by lead id: the A* leads in one partition, the B* leads in the other."""
    ddf = dd.from_pandas(frame.set_index("lead_id"), npartitions=1, sort=True)
    return ddf.repartition(divisions=["A0", "B0", "B9"], force=True)


def _touches(kind: Any) -> Any:
    return pd.DataFrame(
        {
            "lead_id": [k for k in ["A0", "A1", "B0", "B1"] for _ in range(2)],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"] * 4, utc=True),
            "channel": ["email", "search"] * 4,
            "kind": kind,
        }
    )


_CONV = pd.DataFrame(
    {
        "lead_id": ["A0", "A1", "B0", "B1"],
        "converted_at": pd.to_datetime(["2024-02-01"] * 4, utc=True),
        "revenue": [10.0, 20.0, 30.0, 40.0],
    }
)
_FRACTION = "expected strings, found a number with a fraction (it names no label)"


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize(
    ("kind", "problem", "rows", "n"),
    [
        # fractions in both partitions (rows 0-3: the first, rows 4-7: the second)
        ([1.0, 2.5, 3.0, 4.0, 5.0, 6.5, 7.0, 8.0], _FRACTION, [1, 5], 2),
        # a nullable flag kind with gaps in the first partition only, then in neither
        (pd.array([True, None, True, False, True, True, False, True]), FLAG_PROBLEM, None, 7),
        (pd.array([None] * 4 + [True] * 4, dtype="boolean"), FLAG_PROBLEM, [4, 5, 6, 7], 4),
        (pd.array([True] + [None] * 6 + [True], dtype="boolean"), FLAG_PROBLEM, [0, 7], 2),
    ],
)
def test_touch_frame_refusal_names_the_rows_of_every_partition(
    scheduler: str, kind: Any, problem: str, rows: list[int] | None, n: int
) -> None:
    touches = _touches(pd.array(kind, dtype="boolean") if problem == FLAG_PROBLEM else kind)
    mem = _outcome(lambda: alignment.attribute(touches, _CONV, model="linear").to_frame("touch"))
    assert mem[:4] == ("DataValidationError", problem, "kind", "touchpoints")
    assert mem[5] == n and (rows is None or mem[4] == rows)
    with dask.config.set(scheduler=scheduler):
        res = alignment.attribute(_keyed(touches), dd.from_pandas(_CONV, npartitions=1))
        got = _outcome(lambda: res.to_frame(level="touch").compute())
        by_kind = _outcome(lambda: res.totals(by="kind"))
        assert res.totals() == pytest.approx({"email": 50.0, "search": 50.0})  # (not read)
    assert got == mem
    assert by_kind == mem


def test_a_flag_kind_with_gaps_is_refused_as_a_flag_in_memory() -> None:
    """The wording and rows do not depend on whether the flags have gaps (every flag row)."""
    gaps = _touches(pd.array([True, None, False, True, None, None, True, False], "boolean"))
    res = alignment.attribute(gaps, _CONV, model="linear")
    got = _outcome(lambda: res.to_frame("touch"))
    assert got == ("DataValidationError", FLAG_PROBLEM, "kind", "touchpoints", [0, 2, 3, 6, 7], 5)


# ------------------------------------------------------------------ SLA: memory's order


def _sla_inputs() -> tuple[Any, Any, Any, Any]:
    crm = datasets.synthetic_crm(40, seed=1, days=30)
    leads = pd.DataFrame(crm.leads).sort_values("lead_id", ignore_index=True)
    leads = leads.drop(columns=["assigned_at", "mql_at"])
    for c in leads.columns:  # aware leads
        if str(leads[c].dtype).startswith("datetime64"):
            leads[c] = leads[c].dt.tz_localize("UTC")
    acts = pd.DataFrame(crm.activities)  # naive activities
    assert str(acts["timestamp"].dtype).startswith("datetime64") and acts["timestamp"].dt.tz is None
    return datasets.sla_example(40, 30), leads, acts, crm.as_of


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize(
    ("kept", "column"),
    [((), "assigned_at"), (("assigned_at",), "mql_at")],  # (mql_at: the delivery stage too)
)
def test_sla_missing_stage_is_refused_before_mixed_instants(
    scheduler: str, kept: tuple[str, ...], column: str
) -> None:
    doc, leads, acts, as_of = _sla_inputs()
    for c in kept:
        leads[c] = leads["created_at"]
    mem = _outcome(lambda: sla.evaluate(doc, leads, acts, as_of=as_of))
    assert mem[0] == "MissingColumnError" and mem[2:4] == (column, "leads")
    with dask.config.set(scheduler=scheduler):
        ld, ad = dd.from_pandas(leads, npartitions=2), dd.from_pandas(acts, npartitions=2)
        got = _outcome(lambda: sla.evaluate(doc, ld, ad, as_of=as_of))
    assert got == mem


def test_sla_with_its_stages_still_refuses_mixed_instants() -> None:
    doc, leads, acts, as_of = _sla_inputs()
    leads["assigned_at"] = leads["mql_at"] = leads["created_at"]
    mem = _outcome(lambda: sla.evaluate(doc, leads, acts, as_of=as_of))
    assert mem[0] == "DataValidationError" and mem[2:4] == ("timestamp", "activities")
    with dask.config.set(scheduler="sync"):
        ld, ad = dd.from_pandas(leads, npartitions=2), dd.from_pandas(acts, npartitions=2)
        got = _outcome(lambda: sla.evaluate(doc, ld, ad, as_of=as_of))
    # (the aware columns listed may differ: on Dask an aware dtype is aware with no instant)
    assert got[0] == mem[0] and got[2:] == mem[2:]
    assert got[1].startswith("naive datetimes in ['timestamp'] mixed with timezone-aware")
