"""alignment.score on Dask reports the in-memory diagnostics: each partition's, merged."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
dask = pytest.importorskip("dask", reason="dask is not installed (extra 'dask')")
dd = pytest.importorskip("dask.dataframe")

import alignment  # noqa: E402
from alignment.datasets import synthetic_crm  # noqa: E402
from alignment.scoring._breakdown import merge_diagnostics  # noqa: E402


def _tables(numeric_ids: bool) -> tuple[Any, Any]:
    crm = synthetic_crm(240, seed=9)
    leads, touches = pd.DataFrame(crm.leads), pd.DataFrame(crm.touchpoints)
    n_unknown = 9  # more than the five shown, spread over the partitions
    extra = touches.iloc[: n_unknown * 2].copy()
    extra["lead_id"] = [f"ZZ{i % n_unknown}" for i in range(n_unknown * 2)]
    touches = pd.concat([touches, extra], ignore_index=True)
    if numeric_ids:  # ids as integers: the unknown ones shown in numeric order (2 before 10)
        codes = {v: i for i, v in enumerate(sorted(set(leads["lead_id"]) | set(touches.lead_id)))}
        leads["lead_id"] = leads["lead_id"].map(codes).astype(np.int64)
        touches["lead_id"] = touches["lead_id"].map(codes).astype(np.int64)
    return leads, touches


@pytest.mark.parametrize("numeric_ids", [False, True])
@pytest.mark.parametrize("nparts", [1, 3, 7])
def test_dask_diagnostics_are_those_in_memory(numeric_ids: bool, nparts: int) -> None:
    leads, touches = _tables(numeric_ids)
    kw: dict[str, Any] = {"scorer": "grid", "as_of": "2024-03-15", "window": "30d"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mem = alignment.score(leads, touches, **kw)
        with dask.config.set(scheduler="synchronous"):
            res = alignment.score(
                dd.from_pandas(leads, npartitions=nparts, sort=False),
                dd.from_pandas(touches, npartitions=nparts, sort=False),
                **kw,
            )
            got = res.diagnostics
    want = mem.diagnostics
    assert want["unmatched_touches"] == 18 and want["unmatched_journeys"] == 9
    assert want["touches_after_as_of"] > 0 and want["touches_outside_window"] > 0
    assert len(want["unmatched_keys"]) == 5
    assert got == want


def test_merged_counts_add_lists_unite_and_disagreements_are_left_out() -> None:
    a = {"touches": 3, "unscored_kinds": ["call"], "kind_column": "kind", "x": 1.5,
         "unmatched_keys": ["10", "3"], "flag": True}  # fmt: skip
    b = {"touches": 4, "unscored_kinds": ["ad", "call"], "kind_column": "kind", "x": 2.5,
         "unmatched_keys": ["2", "20", "4", "5"], "only_b": 0, "flag": False}  # fmt: skip
    out = merge_diagnostics(a, b, key_order=float)
    assert out == {
        "touches": 7,
        "unscored_kinds": ["ad", "call"],
        "kind_column": "kind",
        "unmatched_keys": ["2", "3", "4", "5", "10"],
        "only_b": 0,
    }  # "x" and "flag" differ: no merged value would be right
    assert merge_diagnostics(a, b)["unmatched_keys"] == ["10", "2", "20", "3", "4"]


def _unknown_lead_warnings(run: Any) -> list[str]:
    """The texts of the warnings about touches of unknown leads issued while ``run()`` runs."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        run()
    return [str(w.message) for w in seen if "not in the leads were not scored" in str(w.message)]


@pytest.mark.parametrize("scheduler", ["threads", "sync"])
@pytest.mark.parametrize("numeric_ids", [False, True])
@pytest.mark.parametrize("nparts", [1, 3, 7])
def test_dask_warns_once_with_the_totals_of_the_run(
    nparts: int, numeric_ids: bool, scheduler: str
) -> None:
    leads, touches = _tables(numeric_ids)
    kw: dict[str, Any] = {"scorer": "grid", "as_of": "2024-03-15", "window": "30d"}
    want = _unknown_lead_warnings(lambda: alignment.score(leads, touches, **kw))
    assert len(want) == 1 and want[0].startswith("18 touch(es) of 9 lead id(s) not in the leads")

    def run() -> None:
        with dask.config.set(scheduler=scheduler):
            res = alignment.score(
                dd.from_pandas(leads, npartitions=nparts, sort=False),
                dd.from_pandas(touches, npartitions=nparts, sort=False),
                **kw,
            )
            res.summary()  # the pass that merges the diagnostics (run once, kept)
            assert res.diagnostics["unmatched_touches"] == 18
            res.breakdown()
            res.to_frame(backend="pandas")  # every partition scored again: no warning of its own

    assert _unknown_lead_warnings(run) == want


def test_the_warning_crosses_from_worker_processes_as_data() -> None:
    leads, touches = _tables(False)
    kw: dict[str, Any] = {"scorer": "grid", "as_of": "2024-03-15", "window": "30d"}
    want = _unknown_lead_warnings(lambda: alignment.score(leads, touches, **kw))

    def run() -> None:
        with dask.config.set(scheduler="processes", num_workers=2):
            alignment.score(
                dd.from_pandas(leads, npartitions=3, sort=False),
                dd.from_pandas(touches, npartitions=3, sort=False),
                **kw,
            ).summary()

    assert _unknown_lead_warnings(run) == want
