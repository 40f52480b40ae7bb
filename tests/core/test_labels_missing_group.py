"""A lead whose group value is the text ``"(missing)"`` (the label of the group of leads without a
value) is refused by every group-by, never merged with the leads that have no value."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import alignment
from alignment import funnel
from alignment.closed_loop import closed_loop
from alignment.errors import DataValidationError
from alignment.sla import evaluate, speed_to_lead

NAT = np.datetime64("NaT", "us")


def ts(values: list[str | None]) -> np.ndarray:
    return np.array([NAT if v is None else np.datetime64(v, "us") for v in values])


def leads(source: list[Any]) -> dict[str, Any]:
    n = len(source)
    return {
        "lead_id": [f"L{i}" for i in range(n)],
        "created_at": ts(["2024-03-04T08:00"] * n),
        "mql_at": ts((["2024-03-05T08:00", None] * n)[:n]),
        "assigned_at": ts(["2024-03-04T10:00"] * n),
        "owner": ["ana"] * n,
        "source": source,
    }


def one_call() -> dict[str, Any]:
    return {
        "lead_id": ["L0"],
        "timestamp": ts(["2024-03-04T11:00"]),
        "kind": ["call"],
        "outcome": ["connected"],
    }


SOURCES = ["web", "(missing)", None, "web", "(missing)"]  # rows 1 and 4 hold the label


def _refused(excinfo: pytest.ExceptionInfo[DataValidationError], column: str) -> None:
    err = excinfo.value
    assert err.column == column and err.table == "leads"
    assert err.rows == [1, 4] and err.n_rows == 2
    assert err.value == "(missing)" and err.fix and "empty" in err.fix


def test_funnel_by_refuses_the_missing_label() -> None:
    with pytest.raises(DataValidationError, match="label of the group") as e:
        funnel.observe(leads(SOURCES), stages=["created_at", "mql_at"], by="source")
    _refused(e, "source")


def test_funnel_by_without_the_label_keeps_missing_apart() -> None:
    obs = funnel.observe(
        leads(["web", "ads", None, "web"]), stages=["created_at", "mql_at"], by="source"
    )
    f = obs.to_frame(backend="dict")
    assert f["source"].tolist() == ["ads", "web", "(missing)"]
    assert f["n_from"].tolist() == [1, 2, 1] and f["converted"].tolist() == [0, 1, 1]


def test_closed_loop_by_refuses_the_missing_label() -> None:
    with pytest.raises(DataValidationError, match="label of the group") as e:
        closed_loop(leads(SOURCES), by="source")
    _refused(e, "source")


def test_closed_loop_refuses_the_label_after_casefold() -> None:
    with pytest.raises(DataValidationError, match="label of the group") as e:
        closed_loop(leads(["web", "(MISSING)", None]), by="source", normalize="casefold")
    assert e.value.rows == [1]


def test_closed_loop_rejection_reason_refuses_the_missing_label() -> None:
    data = {
        "lead_id": ["a", "b", "c"],
        "created_at": ["2024-01-01Z"] * 3,
        "campaign": ["c1"] * 3,
        "rejected_at": ["2024-01-02Z"] * 3,
        "rejection_reason": [None, "(missing)", "wrong_size"],
    }
    with pytest.raises(DataValidationError, match="label of the group") as e:
        closed_loop(data, by="campaign")
    assert e.value.column == "rejection_reason" and e.value.rows == [1]


def test_speed_to_lead_by_refuses_the_missing_label() -> None:
    with pytest.raises(DataValidationError, match="label of the group") as e:
        speed_to_lead(leads(SOURCES), one_call(), by="source")
    _refused(e, "source")


def test_speed_to_lead_by_counts_missing_apart() -> None:
    r = speed_to_lead(leads(["web", None, "web"]), one_call(), by="source")
    by = r.to_frame("by", backend="dict")
    assert by["source"].tolist() == ["web", "(missing)"]  # (missing last, as funnel.observe)
    assert by["leads"].tolist() == [2, 1] and by["connected"].tolist() == [1, 0]


def test_sla_split_by_refuses_the_missing_label() -> None:
    sla = {
        "marketing": {"qualified_leads": 4, "split_by": "source"},
        "sales": {"first_touch": {"within": "1d"}},
    }
    with pytest.raises(DataValidationError, match="label of the group") as e:
        evaluate(sla, leads(SOURCES), one_call(), as_of="2024-03-10T00:00Z")
    _refused(e, "source")


def test_dask_funnel_by_refuses_the_missing_label() -> None:
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    dask = pytest.importorskip("dask")
    frame = pd.DataFrame(leads(SOURCES))
    with dask.config.set(scheduler="sync"), pytest.raises(DataValidationError, match="label"):
        funnel.observe(
            dd.from_pandas(frame, npartitions=2), stages=["created_at", "mql_at"], by="source"
        )


def test_the_label_without_missing_rows_is_a_group_like_any_other() -> None:
    """Nothing merges when no lead lacks a value: the text is grouped as itself, in the
    funnel, the closed loop and speed to lead alike."""
    source = ["web", "(missing)", "web", "(missing)"]
    obs = funnel.observe(leads(source), stages=["created_at", "mql_at"], by="source")
    f = obs.to_frame(backend="dict")
    assert f["source"].tolist() == ["(missing)", "web"]
    assert f["n_from"].tolist() == [2, 2]
    report = alignment.closed_loop(leads(source), by="source")
    assert sorted(np.asarray(report.to_frame(backend="dict")["source"]).tolist()) == [
        "(missing)",
        "web",
    ]


def test_attribution_channel_spelled_like_the_label_is_kept() -> None:
    """A channel is never missing (a blank one is refused): a channel named "(missing)" is
    credited as itself, in memory and in totals."""
    touches = {
        "lead_id": ["a", "a", "b"],
        "timestamp": ts(["2024-01-01T00:00", "2024-01-02T00:00", "2024-01-03T00:00"]),
        "channel": ["(missing)", "email", "email"],
    }
    conv = {
        "lead_id": ["a", "b"],
        "converted_at": ts(["2024-02-01T00:00"] * 2),
        "revenue": [10.0, 20.0],
    }
    result = alignment.attribute(touches, conv, model="linear")
    assert result.totals() == pytest.approx({"(missing)": 5.0, "email": 25.0})
