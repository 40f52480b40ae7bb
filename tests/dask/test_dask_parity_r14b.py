"""Dask parity: naive and aware instants across tables, spelling variants of a score, and
hash partitioning that sends every row to the partition it names."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
dask = pytest.importorskip("dask")

from _dask_data import close  # noqa: E402

import alignment  # noqa: E402
from alignment import sla  # noqa: E402
from alignment.dask._common import partition_by_key  # noqa: E402
from alignment.errors import AlignmentError, AlignmentWarning  # noqa: E402

NAIVE, AWARE = "2024-01-01 08:00", "2024-01-02T10:00:00Z"
SCHEDULERS = ["sync", "processes"]
RULE = {"sales": {"first_touch": {"within": "1d"}}}
AS_OF = "2024-01-10T00:00:00Z"


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AlignmentWarning)
            res = call()
            if hasattr(res, "totals"):
                return res.totals()
            if hasattr(res, "to_frame"):
                return res.to_frame(backend="pandas").sort_values("lead_id").to_dict("list")
            return res.summary
    except AlignmentError as exc:
        return (type(exc).__name__, exc.problem, exc.column, exc.table, list(exc.rows), exc.n_rows)


# ------------------------------------------------------------ naive and aware across tables

#: leads L2 … L4, naive; the touches (or activities) of L0 and L1, aware: in memory, the
#: mixed-instants error; keyed by the lead id, partition 0 holds the touches only and
#: partition 1 the leads only, so that no partition sees both kinds
_LEADS = pd.DataFrame(
    {
        "lead_id": ["L2", "L3", "L4"],
        "created_at": [NAIVE] * 3,
        "assigned_at": [NAIVE] * 3,
        "industry": ["saas"] * 3,
    }
)
_TOUCHES = pd.DataFrame(
    {
        "lead_id": ["L0", "L0", "L1"],
        "timestamp": [AWARE] * 3,
        "channel": ["email", "search", "email"],
        "converted_at": [None, AWARE, None],
        "revenue": [0.0, 10.0, 0.0],
    }
)
_ACTS = pd.DataFrame({"lead_id": ["L0", "L0", "L1"], "timestamp": [AWARE] * 3, "kind": "call"})


def _keyed(frame: pd.DataFrame) -> Any:
    """The frame indexed by lead id, partition 0 holding L0 and L1, partition 1 L2 … L4."""
    ddf = dd.from_pandas(frame.set_index("lead_id"), npartitions=1, sort=True)
    return ddf.repartition(divisions=["L0", "L2", "L4"], force=True)


_MIXED_CASES: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
    "attribute": (
        lambda: alignment.attribute(_TOUCHES, leads=_LEADS),
        lambda: alignment.attribute(
            _keyed(_TOUCHES), leads=dd.from_pandas(_LEADS, npartitions=2, sort=False)
        ),
    ),
    "score": (
        lambda: alignment.score(_LEADS, _TOUCHES[["lead_id", "timestamp", "channel"]]),
        lambda: alignment.score(
            _keyed(_LEADS), _keyed(_TOUCHES[["lead_id", "timestamp", "channel"]])
        ),
    ),
    "sla": (
        lambda: sla.evaluate(RULE, _LEADS, _ACTS, as_of=AS_OF),
        lambda: sla.evaluate(RULE, _keyed(_LEADS), _keyed(_ACTS), as_of=AS_OF),
    ),
}


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize("engine", sorted(_MIXED_CASES))
def test_naive_and_aware_tables_in_different_partitions_refused_as_memory(
    engine: str, scheduler: str
) -> None:
    """Memory refuses naive leads with aware touches (or activities).  Each table was
    checked over its own partitions only, and a partition that holds one table's rows sees
    one kind: attribution raised "touch for an unknown lead", SLA a missing column, and
    scoring on processes scored the leads (the touches' kind noted in another process)."""
    mem, dsk = _MIXED_CASES[engine]
    want = _outcome(mem)
    with dask.config.set(scheduler=scheduler):
        got = _outcome(dsk)
    assert want == (
        "DataValidationError",
        "naive datetimes in ['created_at', 'assigned_at'] mixed with timezone-aware ones in "
        f"['{'activities' if engine == 'sla' else 'touchpoints'}.timestamp']",
        "created_at",
        "leads",
        [],
        0,
    )
    assert got == want


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_aware_leads_with_naive_touches_name_the_touches_as_memory(scheduler: str) -> None:
    leads = _LEADS.assign(created_at=AWARE, assigned_at=AWARE)
    touches = _TOUCHES.assign(timestamp=NAIVE, converted_at=[None, NAIVE, None])
    want = _outcome(lambda: alignment.attribute(touches, leads=leads))
    with dask.config.set(scheduler=scheduler):
        got = _outcome(
            lambda: alignment.attribute(
                _keyed(touches), leads=dd.from_pandas(leads, npartitions=2, sort=False)
            )
        )
    assert want[:4] == (
        "DataValidationError",
        "naive datetimes in ['timestamp'] mixed with timezone-aware ones in "
        "['leads.created_at', 'leads.assigned_at']",
        "timestamp",
        "touchpoints",
    )
    assert got == want


# ------------------------------------------------------------------ spellings of a score


def _spelled() -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = [f"L{i}" for i in range(12)]
    leads = pd.DataFrame(
        {
            "lead_id": ids,
            "created_at": "2024-01-01T00:00:00Z",
            "source": ["WEB form"] * 6 + ["web-form"] * 6,  # (one spelling per partition)
            "industry": "saas",
        }
    )
    touches = pd.DataFrame(
        {"lead_id": ids, "timestamp": "2024-01-03T00:00:00Z", "channel": "email"}
    )
    return leads, touches


def _spelling_warnings(call: Callable[[], Any]) -> tuple[list[str], Any]:
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = call()
    return [str(w.message) for w in rec if "spellings" in str(w.message)], res


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize("with_touches", [True, False])
def test_score_warns_of_spelling_variants_from_the_call_as_memory(
    scheduler: str, with_touches: bool
) -> None:
    """Memory's ``score`` warns of ``leads.source`` spellings that fold together; on Dask the
    call issued nothing (the warning waited for a ``summary()`` that a caller computing the
    per-lead frame never runs)."""
    leads, touches = _spelled()
    t = touches if with_touches else None
    want, mem = _spelling_warnings(lambda: alignment.score(leads, t))
    assert want == [
        "category spellings that differ only by case, spaces, '_' or '-' are counted apart: "
        "leads.source: 'WEB form' / 'web-form'; fix: pass normalize='casefold'"
    ]
    with dask.config.set(scheduler=scheduler):
        got, res = _spelling_warnings(
            lambda: alignment.score(
                dd.from_pandas(leads, npartitions=2, sort=False),
                None if t is None else dd.from_pandas(t, npartitions=2, sort=False),
            )
        )
        again, _ = _spelling_warnings(lambda: (res.summary(), res.to_frame(backend="pandas")))
        frame = res.to_frame(backend="pandas").sort_values("lead_id").reset_index(drop=True)
    assert got == want
    assert again == []  # (once for the call, as in memory)
    expected = mem.to_frame(backend="pandas").sort_values("lead_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)
    assert {k: v for k, v in res.summary().items() if k != "partitions"} == mem.summary()


# ------------------------------------------------------------------ hash partitioning


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize("parts", [2, 4])
def test_hash_partitioning_balances_the_keys(scheduler: str, parts: int) -> None:
    """The partition number of a row was hashed again by the shuffle: with two partitions,
    every row went to the second.  Every row now lands in the partition its key's hash
    names: the partitions are balanced, and each key is in one partition of every frame."""
    n_keys = 2000
    touches = pd.DataFrame(
        {"lead_id": [f"L{i % n_keys}" for i in range(3 * n_keys)], "x": np.arange(3 * n_keys)}
    )
    leads = pd.DataFrame({"lead_id": [f"L{i}" for i in range(n_keys)], "y": 1})
    with dask.config.set(scheduler=scheduler):
        (ft, fl), shuffled = partition_by_key(
            [dd.from_pandas(touches, npartitions=parts), dd.from_pandas(leads, npartitions=3)],
            "lead_id",
        )
        t_parts = dask.compute(*ft.to_delayed())
        l_parts = dask.compute(*fl.to_delayed())
    assert shuffled and len(t_parts) == len(l_parts) == parts
    sizes = np.array([len(p) for p in l_parts])
    assert sizes.sum() == n_keys
    assert sizes.min() > 0.8 * n_keys / parts and sizes.max() < 1.2 * n_keys / parts
    assert sum(len(p) for p in t_parts) == len(touches)
    for i, (tp, lp) in enumerate(zip(t_parts, l_parts, strict=True)):
        keys = set(lp["lead_id"])
        assert set(tp["lead_id"]) == keys  # (every lead has its touches here)
        assert len(tp) == 3 * len(keys)
        for j, other in enumerate(l_parts):
            assert j == i or not keys & set(other["lead_id"])


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_balanced_partitions_give_the_memory_numbers(scheduler: str) -> None:
    from alignment import datasets

    crm = datasets.synthetic_crm(300, seed=4)
    touches = pd.DataFrame(crm.touchpoints)
    conversions = pd.DataFrame(crm.conversions)
    leads = pd.DataFrame(crm.leads)[["lead_id", "created_at", "industry", "source"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlignmentWarning)
        want = alignment.attribute(touches, conversions, model="position_based").totals()
        mem_scores = alignment.score(leads, touches).to_frame(backend="pandas")
        with dask.config.set(scheduler=scheduler):
            got = alignment.attribute(
                dd.from_pandas(touches, npartitions=2),
                dd.from_pandas(conversions, npartitions=2),
                model="position_based",
            ).totals()
            res = alignment.score(
                dd.from_pandas(leads, npartitions=2), dd.from_pandas(touches, npartitions=2)
            )
            lengths = res.to_frame().map_partitions(len).compute().tolist()
            scores = res.to_frame(backend="pandas")
    close(got, want)
    assert len(lengths) == 2 and min(lengths) > 0.3 * len(leads)  # (both partitions score)
    a = scores.sort_values("lead_id").reset_index(drop=True)
    b = mem_scores.sort_values("lead_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
