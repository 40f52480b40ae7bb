"""Dask gives the in-memory answer or the in-memory error, with the caller's row positions.

Regression tests: duplicate lead ids in different partitions passed ``funnel.observe`` and
``score`` on Dask; error rows were partition-relative; Shapley with no eligible touch crashed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
dask = pytest.importorskip("dask")

from _dask_data import touches_with_bad_channels  # noqa: E402

import alignment  # noqa: E402
from alignment import funnel, sla  # noqa: E402
from alignment.errors import DataValidationError, ParameterError  # noqa: E402


@pytest.fixture(autouse=True)
def _processes() -> Any:
    # worker processes: errors cross a pickle boundary, and hash seeds differ per worker
    with dask.config.set(scheduler="processes", num_workers=2):
        yield


def leads(n: int = 40) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": [f"L{i:03d}" for i in range(n)],
            "created_at": pd.Timestamp("2024-01-01", tz="UTC")
            + pd.to_timedelta(np.arange(n), unit="h"),
            "mql_at": pd.Timestamp("2024-01-03", tz="UTC"),
            "industry": ["saas", "retail"] * (n // 2),
        }
    )


def same_error(mem: Callable[[], Any], on_dask: Callable[[], Any]) -> DataValidationError:
    with pytest.raises(DataValidationError) as want:
        mem()
    for _ in range(2):  # the same error every time
        with pytest.raises(DataValidationError) as got:
            on_dask()
        g, w = got.value, want.value
        assert (g.problem, g.column, g.table) == (w.problem, w.column, w.table)
        assert (g.rows, g.n_rows) == (w.rows, w.n_rows)
        assert str(g.value) == str(w.value)
    return got.value


def test_duplicate_lead_ids_across_partitions_funnel() -> None:
    df = leads()
    df.loc[35, "lead_id"] = "L002"  # same id in the first and the last partition
    err = same_error(
        lambda: funnel.observe(df, stages=["created_at", "mql_at"]),
        lambda: funnel.observe(dd.from_pandas(df, npartitions=4), stages=["created_at", "mql_at"]),
    )
    assert err.rows == [2, 35]


def test_duplicate_lead_ids_across_partitions_score() -> None:
    df = leads()
    df.loc[39, "lead_id"] = "L000"
    kw = {"scorer": "grid", "fit_rules": [{"column": "industry", "equals": "saas", "points": 5}]}
    err = same_error(
        lambda: alignment.score(df, **kw).summary(),
        lambda: alignment.score(dd.from_pandas(df, npartitions=3), **kw).summary(),
    )
    assert err.rows == [0, 39]


def test_bad_rows_are_named_by_input_position_after_a_shuffle() -> None:
    rng = np.random.default_rng(0)
    n = 60
    touches = pd.DataFrame(
        {
            "lead_id": rng.integers(0, 12, n),
            "timestamp": pd.Timestamp("2024-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 100, n), unit="h"),
            "channel": rng.choice(["a", "b", "c"], n).astype(object),
        }
    )
    touches.loc[[41, 53], "channel"] = ""  # empty channel names: refused, rows 41 and 53
    conv = pd.DataFrame(
        {
            "lead_id": np.arange(12),
            "converted_at": pd.Timestamp("2024-02-01", tz="UTC"),
            "revenue": 10.0,
        }
    )
    err = same_error(
        lambda: alignment.attribute(touches, conv),
        lambda: alignment.attribute(
            dd.from_pandas(touches, npartitions=4, sort=False),
            dd.from_pandas(conv, npartitions=2, sort=False),
        ),
    )
    assert err.column == "channel" and err.rows == [41, 53]


def test_bad_rows_of_keyed_touches_are_named_by_input_position() -> None:
    # indexed by the key with known divisions: the touches are not moved (nor tagged); a
    # partition's rows are its input rows, renumbered over the whole frame
    touches = touches_with_bad_channels()  # rows in the second and the last partition
    keyed = dd.from_pandas(touches.set_index("lead_id"), npartitions=4, sort=True)
    assert keyed.known_divisions and keyed.npartitions > 2
    err = same_error(lambda: alignment.attribute(touches), lambda: alignment.attribute(keyed))
    assert err.column == "channel" and err.rows == [7, 52, 58] and err.n_rows == 3
    assert "__alignment" not in " ".join(map(str, keyed.columns))


def test_sla_bad_activity_rows_by_input_position() -> None:
    df = leads(20)
    acts = pd.DataFrame(
        {
            "lead_id": [f"L{i % 20:03d}" for i in range(30)],
            "timestamp": pd.Timestamp("2024-01-04", tz="UTC"),
            "kind": ["call"] * 30,
        }
    )
    acts["timestamp"] = acts["timestamp"].astype(object)
    acts.loc[27, "timestamp"] = "not a time"
    agreement = {"sales": {"first_touch": {"within": "1d"}}}
    err = same_error(
        lambda: sla.evaluate(agreement, df, acts, as_of="2024-02-01T00:00Z"),
        lambda: sla.evaluate(
            agreement,
            dd.from_pandas(df, npartitions=2),
            dd.from_pandas(acts, npartitions=3),
            as_of="2024-02-01T00:00Z",
        ),
    )
    assert err.rows == [27]


@pytest.mark.parametrize("model", ["shapley", "markov", "linear"])
def test_no_eligible_touch_gives_the_in_memory_result(model: str) -> None:
    touches = pd.DataFrame(
        {
            "lead_id": [1, 1, 2, 2],
            "timestamp": pd.to_datetime(["2024-01-05", "2024-01-06"] * 2, utc=True),
            "channel": ["a", "b", "a", "b"],
        }
    )
    conv = pd.DataFrame(  # converted before every touch: nothing is eligible
        {
            "lead_id": [1, 2],
            "converted_at": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
            "revenue": [10.0, 5.0],
        }
    )
    mem = alignment.attribute(touches, conv, model=model)
    got = alignment.attribute(
        dd.from_pandas(touches, npartitions=2), dd.from_pandas(conv, npartitions=1), model=model
    )
    assert got.totals() == mem.totals() == {"a": 0.0, "b": 0.0}
    assert got.unattributed.total == mem.unattributed.total == 15.0


def test_a_stage_outcome_is_refused_on_dask_whatever_frame_holds_the_leads() -> None:
    """Regression: with the leads as a Dask frame too, the leads were read in memory before the
    backend was known ("leads: cannot read a table from a DataFrame"); now the refusal is the
    one given with pandas leads."""
    df = leads(4)
    touches = pd.DataFrame(
        {"lead_id": ["L000", "L001"], "timestamp": pd.Timestamp("2024-01-02", tz="UTC"),
         "channel": ["email", "seo"]}
    )  # fmt: skip
    on_dask = dd.from_pandas(touches, npartitions=1)
    for held in (df, dd.from_pandas(df, npartitions=2)):
        with pytest.raises(ParameterError, match="outcome= are not supported on this backend"):
            alignment.attribute(on_dask, held, outcome="mql_at")
        with pytest.raises(ParameterError, match="outcome= are not supported on this backend"):
            alignment.attribute(on_dask, leads=held, outcome="mql_at")


def fit_frame(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "w": 1.0})
    return X.assign(y=(X["a"] + rng.normal(size=n) > 0).astype(int))


def same_fit_error(X: pd.DataFrame, scheduler: str = "sync") -> DataValidationError:
    """The in-memory fit's error, from the Dask fit (``"processes"``: the scheduler of the
    other tests of this file, where errors cross a pickle boundary; slower)."""
    from alignment.scoring import LogisticScorer

    with dask.config.set(scheduler=scheduler):
        return same_error(
            lambda: LogisticScorer().fit(X[["a", "b"]], X["y"], sample_weight=X["w"]),
            lambda: LogisticScorer().fit(dd.from_pandas(X, npartitions=3), "y", sample_weight="w"),
        )


@pytest.mark.parametrize(
    ("column", "rows", "bad"),
    [
        ("y", [150, 350, 351], 2),  # outcomes: rows named inside their partition
        ("b", [20, 350], np.nan),  # features, weights: no rows, column nor value named
        ("a", [399], np.inf),
        ("w", [5, 350], -1.0),
    ],
)
def test_fit_errors_name_the_rows_of_the_whole_frame(
    column: str, rows: list[int], bad: Any
) -> None:
    X = fit_frame()
    X.loc[rows, column] = bad
    assert same_fit_error(X).rows == rows
    if column == "w":  # (one case: the slow scheduler)
        assert same_fit_error(X, scheduler="processes").rows == rows


def test_fit_reports_the_error_memory_checks_first_whatever_partition_holds_it() -> None:
    """Features before outcomes before weights, and a feature's column before the next one:
    the errors of the partitions are not ranked by their first row."""
    X = fit_frame()
    X.loc[[3, 390], "w"] = -1.0
    X.loc[[10, 300], "y"] = 5
    X.loc[[395], "b"] = np.nan
    assert same_fit_error(X).column == "b"
    X.loc[[399], "a"] = np.nan
    assert same_fit_error(X).rows == [399]
    X.loc[[395, 399], ["a", "b"]] = 1.0
    assert same_fit_error(X).column == "y"


def test_fit_on_text_features_names_the_columns_and_the_way_out() -> None:
    """A text or category feature (encoded by memory, which a partition cannot do alone) was a
    raw ValueError from numpy ("could not convert string to float")."""
    from alignment.scoring import LogisticScorer

    X = fit_frame().assign(
        segment=pd.Categorical(["smb", "ent"] * 200), plan=np.array(["a", "b"] * 200, dtype=object)
    )
    for cols, named in ((["a", "segment", "plan"], ["segment", "plan"]), (["a", "plan"], ["plan"])):
        ddf = dd.from_pandas(X[[*cols, "y"]], npartitions=3)
        with pytest.raises(DataValidationError, match="numeric features only") as info:
            LogisticScorer().fit(ddf, "y")
        assert info.value.column == named[0] and str(named) in info.value.problem
        assert "encode them first" in str(info.value) and "in memory on a sample" in str(info.value)
