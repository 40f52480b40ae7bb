"""Dask parity: the rows of a per-touch frame's refusal, the ``"(missing)"`` label judged over
every partition (all its rows, whatever the partitioning), and a pandas frame given with a Dask
one read as memory reads it (a flag among labels refused, not turned into text)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
dask = pytest.importorskip("dask")

import alignment  # noqa: E402
from alignment import funnel  # noqa: E402
from alignment.errors import AlignmentError, AlignmentWarning  # noqa: E402

SCHEDULERS = ["sync", "processes"]
UTC = "2024-01-01T00:00:00Z"


def _outcome(call: Callable[[], Any]) -> Any:
    """The error of a call (type, problem, column, table, rows, count), or its value."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AlignmentWarning)
            return call()
    except AlignmentError as exc:
        return (type(exc).__name__, exc.problem, exc.column, exc.table, list(exc.rows), exc.n_rows)


def _keyed(frame: Any, divisions: list[str]) -> Any:
    """The frame indexed by lead id, in partitions of these divisions (not moved)."""
    ddf = dd.from_pandas(frame.set_index("lead_id"), npartitions=1, sort=True)
    return ddf.repartition(divisions=divisions, force=True)


# ------------------------------------------------------------------ per-touch frame rows

_KIND_TOUCHES = pd.DataFrame(
    {
        "lead_id": [k for k in ["A0", "A1", "B0", "B1"] for _ in range(2)],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"] * 4, utc=True),
        "channel": ["email", "search"] * 4,
        "kind": [1.0, 2.0, 3.0, 4.0, 5.0, 6.5, 7.0, 8.0],  # (6.5: no label, row 5)
    }
)
_KIND_CONV = pd.DataFrame(
    {
        "lead_id": ["A0", "A1", "B0", "B1"],
        "converted_at": pd.to_datetime(["2024-02-01"] * 4, utc=True),
        "revenue": [10.0, 20.0, 30.0, 40.0],
    }
)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize("keyed", [True, False])  # (touches left in place; shuffled by lead)
def test_touch_frame_names_the_input_row_of_a_refused_default_label(
    scheduler: str, keyed: bool
) -> None:
    mem = _outcome(
        lambda: alignment.attribute(_KIND_TOUCHES, _KIND_CONV, model="linear").to_frame("touch")
    )
    assert mem[0] == "DataValidationError" and mem[2:] == ("kind", "touchpoints", [5], 1)
    with dask.config.set(scheduler=scheduler):
        touches = (
            _keyed(_KIND_TOUCHES, ["A0", "B0", "B9"])
            if keyed
            else dd.from_pandas(_KIND_TOUCHES, npartitions=2, sort=False)
        )
        res = alignment.attribute(touches, dd.from_pandas(_KIND_CONV, npartitions=1))
        got = _outcome(lambda: res.to_frame(level="touch").compute())
        by_kind = _outcome(lambda: res.totals(by="kind"))
    assert got == mem
    assert by_kind == mem


# ------------------------------------------------------------------ "(missing)" over partitions


def _leads(source: list[Any]) -> Any:
    n = len(source)
    return pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "created_at": pd.to_datetime(["2024-01-01"] * n, utc=True),
            "mql_at": pd.to_datetime(["2024-01-05"] * n, utc=True),
            "source": source,
        }
    )


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize(
    ("source", "rows"),
    [
        # (a partition holds the value and the missing row, the other the value only)
        (["(missing)", "web", "(missing)", "ads", None, "(missing)"], [0, 2, 5]),
        (["(missing)", None, "web", "(missing)", "x", "(missing)"], [0, 3, 5]),
        # (the value in one partition, the missing row in the other)
        (["(missing)", "web", "(missing)", "ads", None, "x"], [0, 2]),
    ],
)
def test_missing_label_refusal_names_the_rows_of_every_partition(
    scheduler: str, source: list[Any], rows: list[int]
) -> None:
    leads = _leads(source)
    stages = ["created_at", "mql_at"]
    mem = _outcome(lambda: funnel.observe(leads, stages=stages, by="source"))
    assert mem[2:] == ("source", "leads", rows, len(rows))
    with dask.config.set(scheduler=scheduler):
        ddf = dd.from_pandas(leads, npartitions=2, sort=False)
        got = _outcome(lambda: funnel.observe(ddf, stages=stages, by="source"))
    assert got == mem


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_missing_label_without_missing_rows_is_a_group_as_in_memory(scheduler: str) -> None:
    leads = _leads(["(missing)", "web", "(missing)", "ads", "web", "(missing)"])
    stages = ["created_at", "mql_at"]
    mem = funnel.observe(leads, stages=stages, by="source").summary()
    with dask.config.set(scheduler=scheduler):
        ddf = dd.from_pandas(leads, npartitions=2, sort=False)
        got = funnel.observe(ddf, stages=stages, by="source").summary()
    assert got == mem


_CAMPAIGN_TOUCHES = pd.DataFrame(
    {
        "lead_id": [k for k in ["A0", "A1", "B0", "B1"] for _ in range(2)],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"] * 4, utc=True),
        "channel": ["email", "search"] * 4,
        # A* converted (one touch without a campaign); B* not: "(missing)" among the values
        "campaign": ["c1", None, "c1", "c1", "(missing)", "c2", "c2", "c2"],
    }
)
_CAMPAIGN_CONV = pd.DataFrame(
    {
        "lead_id": ["A0", "A1"],
        "converted_at": pd.to_datetime(["2024-02-01"] * 2, utc=True),
        "revenue": [10.0, 20.0],
    }
)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize("divisions", [["A0", "B9"], ["A0", "B0", "B9"]])
def test_missing_label_verdict_does_not_depend_on_the_partitioning(
    scheduler: str, divisions: list[str]
) -> None:
    def totals(touches: Any, conv: Any) -> Any:
        return alignment.attribute(touches, conv, model="linear").totals(by="campaign")

    mem = _outcome(lambda: totals(_CAMPAIGN_TOUCHES, _CAMPAIGN_CONV))
    assert mem[0] == "DataValidationError" and mem[2:] == ("campaign", "touchpoints", [], 0)
    assert "'(missing)'" in mem[1]
    with dask.config.set(scheduler=scheduler):
        touches = _keyed(_CAMPAIGN_TOUCHES, divisions)
        got = _outcome(lambda: totals(touches, dd.from_pandas(_CAMPAIGN_CONV, npartitions=1)))
    assert got == mem


# ------------------------------------------------------------------ a flag among the kinds

_SCORE_LEADS = pd.DataFrame(
    {"lead_id": ["L0", "L1", "L2"], "created_at": pd.to_datetime(["2024-01-01"] * 3, utc=True)}
)
_FLAG_TOUCHES = pd.DataFrame(
    {
        "lead_id": ["L0", "L0", "L1", "L2", "L2"],
        "timestamp": pd.to_datetime(["2024-01-02"] * 5, utc=True),
        "channel": ["email"] * 5,
        "kind": ["email_open", "form_submit", "email_open", "form_submit", True],
    }
)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_score_refuses_a_flag_among_the_kinds_of_pandas_touches_as_memory(scheduler: str) -> None:
    mem = _outcome(lambda: alignment.score(_SCORE_LEADS, _FLAG_TOUCHES))
    assert mem[0] == "DataValidationError" and mem[2:] == ("kind", "touchpoints", [4], 1)
    with dask.config.set(scheduler=scheduler):  # (Dask's default: object columns made text)
        leads = dd.from_pandas(_SCORE_LEADS, npartitions=2, sort=False)
        got = _outcome(lambda: alignment.score(leads, _FLAG_TOUCHES))
        with dask.config.set({"dataframe.convert-string": False}):  # (the caller's Dask frame)
            touches = dd.from_pandas(_FLAG_TOUCHES, npartitions=2, sort=False)
        on_dask = _outcome(lambda: alignment.score(leads, touches))
    assert got == mem
    assert on_dask == mem
    assert _FLAG_TOUCHES["kind"].iloc[4] is True  # (the caller's frame untouched)


@pytest.mark.parametrize("npartitions", [2, 3])
def test_an_index_named_like_the_key_column_is_not_read_as_the_key(npartitions: int) -> None:
    # memory reads the lead_id column; an index of other values named lead_id (row numbers
    # from 100 on, sorted: known divisions) must not be taken for it
    import numpy as np

    rng = np.random.default_rng(0)
    n = 300
    start = pd.Timestamp("2024-01-01", tz="UTC")
    touches = pd.DataFrame(
        {
            "lead_id": [f"L{x}" for x in rng.integers(0, 40, n)],
            "timestamp": start + pd.to_timedelta(rng.integers(0, 30 * 24 * 60, n), unit="min"),
            "channel": rng.choice(["ads", "email", "search"], n),
        }
    )
    conversions = pd.DataFrame(
        {
            "lead_id": [f"L{x}" for x in range(0, 40, 2)],
            "converted_at": start + pd.Timedelta(days=31),
            "revenue": 100.0,
        }
    )
    memory = alignment.attribute(touches, conversions, model="linear").totals()
    indexed = touches.set_index(pd.Index(range(100, 100 + n), name="lead_id"))
    with dask.config.set(scheduler="sync"):
        got = alignment.attribute(
            dd.from_pandas(indexed, npartitions=npartitions),
            dd.from_pandas(conversions, npartitions=2),
            model="linear",
        ).totals()
    assert got.keys() == memory.keys()
    assert all(abs(got[k] - memory[k]) < 1e-9 for k in memory)
