"""A naive as_of follows the tables' rule: tz= wall time, refused with aware data, else warned."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest

from alignment import AlignmentWarning, funnel
from alignment.errors import ParameterError
from alignment.sla import evaluate

SLA_DOC = {"sales": {"first_touch": {"within": "2h"}}}
AWARE = {
    "lead_id": ["a"],
    "created_at": ["2024-03-04T14:00Z"],
    "assigned_at": ["2024-03-04T14:00Z"],
}
NAIVE = {"lead_id": ["a"], "created_at": ["2024-03-04 14:00"], "assigned_at": ["2024-03-04 14:00"]}
ACTS = {"lead_id": ["a"], "timestamp": ["2024-03-04T18:00Z"], "kind": ["call"]}
ACTS_NAIVE = {"lead_id": ["a"], "timestamp": ["2024-03-04 18:00"], "kind": ["call"]}


@pytest.mark.parametrize("as_of", [dt.datetime(2024, 3, 4, 15, 0), "2024-03-04 15:00"])
def test_naive_as_of_with_aware_data_is_refused(as_of: object) -> None:
    with pytest.raises(ParameterError, match=r"as_of is naive.*leads\.created_at.*pass tz="):
        evaluate(SLA_DOC, AWARE, ACTS, as_of=as_of)


def test_naive_as_of_with_tz_is_a_wall_time_of_tz() -> None:
    r = evaluate(SLA_DOC, AWARE, ACTS, as_of="2024-03-04 10:00", tz="America/New_York")
    assert r.summary["as_of"] == np.datetime64("2024-03-04T15:00")


def test_naive_as_of_with_naive_data_is_utc_and_named_in_the_warning() -> None:
    with pytest.warns(AlignmentWarning, match=r"read as UTC in as_of"):
        r = evaluate(SLA_DOC, NAIVE, ACTS_NAIVE, as_of="2024-03-04 15:00")
    assert r.summary["as_of"] == np.datetime64("2024-03-04T15:00")


def test_aware_as_of_warns_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = evaluate(SLA_DOC, AWARE, ACTS, as_of="2024-03-04T15:00Z")
    assert r.summary["in_scope"] == 1


def test_funnel_reads_as_of_by_the_same_rule() -> None:
    leads = {"lead_id": ["a"], "created_at": ["2024-01-01T00:00Z"], "mql_at": ["2024-01-03T00:00Z"]}
    with pytest.raises(ParameterError, match="as_of is naive"):
        funnel.observe(leads, stages=["created_at", "mql_at"], as_of="2024-01-02 00:00")
    obs = funnel.observe(
        leads, stages=["created_at", "mql_at"], as_of="2024-01-02 00:00", tz="America/New_York"
    )
    assert obs.counts.tolist() == [[1, 0]]


def test_dask_funnel_reads_as_of_by_the_same_rule() -> None:
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    frame = pd.DataFrame(
        {
            "lead_id": ["a", "b"],
            "created_at": pd.to_datetime(["2024-01-01T00:00Z"] * 2),
            "mql_at": pd.to_datetime(["2024-01-03T00:00Z", None], utc=True),
        }
    )
    leads = dd.from_pandas(frame, npartitions=2)
    stages = ["created_at", "mql_at"]
    with pytest.raises(ParameterError, match="as_of is naive"):
        funnel.observe(leads, stages=stages, as_of="2024-01-02 00:00")
    for as_of, tz in [("2024-01-02 00:00", "America/New_York"), ("2024-01-02T00:00Z", None)]:
        on_dask = funnel.observe(leads, stages=stages, as_of=as_of, tz=tz)
        in_memory = funnel.observe(frame, stages=stages, as_of=as_of, tz=tz)
        assert on_dask.counts.tolist() == in_memory.counts.tolist() == [[2, 0]]
