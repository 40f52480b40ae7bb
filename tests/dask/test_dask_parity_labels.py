"""A label column holding the text "(missing)" and rows without a value is refused on Dask as
in memory (the same error, column and rows) when the two sit in different partitions, on
every scheduler; the text alone (no row without a value anywhere) is a group as in memory."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
dask = pytest.importorskip("dask")

import alignment  # noqa: E402
from alignment import datasets, funnel, sla  # noqa: E402
from alignment.errors import AlignmentError  # noqa: E402


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call()
    except AlignmentError as exc:
        rows = None if exc.rows is None else list(exc.rows)
        return (type(exc).__name__, str(exc), exc.column, exc.table, rows, exc.n_rows)


def _leads(source: list[Any]) -> pd.DataFrame:
    n = len(source)
    base = pd.Timestamp("2024-01-01", tz="UTC")
    return pd.DataFrame(
        {
            "lead_id": [f"L{i:02d}" for i in range(n)],
            "created_at": [base + pd.Timedelta(days=i) for i in range(n)],
            "mql_at": [base + pd.Timedelta(days=i + 2) for i in range(n)],
            "source": pd.array(source, dtype=object),
        }
    )


# "(missing)" in rows 0 and 2 (first partition), rows without a source in the second
MERGING = ["(missing)", "web", "(missing)", "ads", None, "web"]
ALONE = ["(missing)", "web", "(missing)", "ads", "ads", "web"]


@pytest.mark.parametrize("scheduler", ["sync", "processes"])
def test_funnel_by_refused_across_partitions(scheduler: str) -> None:
    df = _leads(MERGING)
    want = _outcome(lambda: funnel.observe(df, stages=["created_at", "mql_at"], by="source"))
    assert want[0] == "DataValidationError" and want[4] == [0, 2] and want[5] == 2
    with dask.config.set(scheduler=scheduler):
        ddf = dd.from_pandas(df, npartitions=2, sort=False)
        assert not ddf.partitions[1].compute()["source"].eq("(missing)").any()
        got = _outcome(lambda: funnel.observe(ddf, stages=["created_at", "mql_at"], by="source"))
    assert got == want


def test_funnel_label_without_missing_rows_is_a_group() -> None:
    df = _leads(ALONE)
    want = funnel.observe(df, stages=["created_at", "mql_at"], by="source")
    with dask.config.set(scheduler="sync"):
        got = funnel.observe(
            dd.from_pandas(df, npartitions=2, sort=False),
            stages=["created_at", "mql_at"],
            by="source",
        )
    assert list(got.group_values) == list(want.group_values) == ["(missing)", "ads", "web"]
    assert got.counts.tolist() == want.counts.tolist()


def _touches(campaign: list[Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    keys = ["A0", "A1", "B0", "B1"]
    touches = pd.DataFrame(
        {
            "lead_id": [k for k in keys for _ in range(2)],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"] * 4, utc=True),
            "channel": ["email", "search"] * 4,
            "campaign": campaign,
        }
    )
    conversions = pd.DataFrame(
        {
            "lead_id": keys,
            "converted_at": pd.to_datetime(["2024-02-01"] * 4, utc=True),
            "revenue": [10.0, 20.0, 30.0, 40.0],
        }
    )
    return touches, conversions


@pytest.mark.parametrize("scheduler", ["sync", "processes"])
@pytest.mark.parametrize("merging", [True, False])
def test_attribution_totals_by_across_partitions(scheduler: str, merging: bool) -> None:
    """Touches of A* in one partition ("(missing)"), of B* in another (a missing campaign)."""
    last = None if merging else "c2"
    t, c = _touches(["(missing)", "c1", "c1", "c1", "c2", "c2", "c2", last])
    want = _outcome(lambda: alignment.attribute(t, c, model="linear").totals(by="campaign"))
    with dask.config.set(scheduler=scheduler):
        dt = dd.from_pandas(t.set_index("lead_id"), npartitions=1, sort=True)
        dt = dt.repartition(divisions=["A0", "B0", "B9"], force=True)
        res = alignment.attribute(dt, dd.from_pandas(c, npartitions=1), model="linear")
        got = _outcome(lambda: res.totals(by="campaign"))
    if merging:
        assert want[0] == "DataValidationError" and want[2:4] == ("campaign", "touchpoints")
    else:
        assert want == {"(missing)": pytest.approx(5.0), "c1": 25.0, "c2": 70.0}
    assert got == want


@pytest.mark.parametrize("scheduler", ["sync", "processes"])
def test_sla_split_by_refused_across_partitions(scheduler: str) -> None:
    crm = datasets.synthetic_crm(60, seed=1, days=30)
    leads = pd.DataFrame(crm.leads).sort_values("lead_id", ignore_index=True)
    acts = pd.DataFrame(crm.activities)
    doc = datasets.sla_example(60, 30)
    doc["marketing"]["split_by"] = "owner"
    leads["owner"] = pd.array(["o"] * len(leads), dtype=object)
    leads.loc[0, "owner"] = "(missing)"
    leads.loc[len(leads) - 1, "owner"] = None
    want = _outcome(lambda: sla.evaluate(doc, leads, acts, as_of=crm.as_of))
    assert want[0] == "DataValidationError" and want[4] == [0]
    with dask.config.set(scheduler=scheduler):
        # indexed by lead with known divisions: the first and the last lead stay apart
        ld = dd.from_pandas(leads.set_index("lead_id"), npartitions=2, sort=True)
        assert not ld.partitions[1].compute()["owner"].eq("(missing)").any()
        got = _outcome(
            lambda: sla.evaluate(doc, ld, dd.from_pandas(acts, npartitions=2), as_of=crm.as_of)
        )
    assert got == want
