"""Instants finer than a microsecond on Dask: cut as in memory, and warned as in memory — once
per call, counted over every partition, whichever scheduler runs the partitions (a worker
process's count comes back as data with its summary)."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
dask = pytest.importorskip("dask")

import alignment  # noqa: E402
from alignment import datasets, funnel, sla  # noqa: E402

CUT = "finer than a microsecond"


def _ns(values: Any, every: int, ns: int = 7) -> Any:
    """``values`` as ``datetime64[ns, UTC]`` with ``ns`` nanoseconds added to every
    ``every``-th row (missing ones stay missing)."""
    s = pd.Series(pd.to_datetime(values, utc=True, format="ISO8601")).astype("datetime64[ns, UTC]")
    bump = np.where(np.arange(len(s)) % every == 0, ns, 0).astype("timedelta64[ns]")
    return s + pd.to_timedelta(bump)


def _cut_warnings(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = call()
    return value, [str(w.message) for w in caught if CUT in str(w.message)]


def _parts(df: Any, n: int) -> Any:
    return dd.from_pandas(df, npartitions=n, sort=False)


def _touches() -> tuple[Any, Any]:
    n = 12
    t = pd.DataFrame(
        {
            "lead_id": [f"L{i % 4}" for i in range(n)],
            "timestamp": _ns([f"2024-01-{i + 1:02d}T08:00:00Z" for i in range(n)], every=3),
            "channel": ["email", "search", "event"] * 4,
        }
    )
    c = pd.DataFrame(
        {
            "lead_id": ["L0", "L1", "L2"],
            "converted_at": _ns(["2024-02-01T00:00:00Z"] * 3, every=2),
            "revenue": [100.0, 50.0, 25.0],
        }
    )
    return t, c


@pytest.mark.parametrize("scheduler", ["sync", "processes"])
def test_attribute_warns_the_cut_once_counted_over_partitions(scheduler: str) -> None:
    t, c = _touches()
    mem, want = _cut_warnings(lambda: alignment.attribute(t, c))
    assert want == [
        "instants finer than a microsecond were cut to microseconds in touchpoints.timestamp "
        "(4 values), conversions.converted_at (2 values): instants less than a microsecond "
        "apart may be tied (then in input order); fix: round the column to microseconds if "
        "that is its precision"
    ]
    with dask.config.set(scheduler=scheduler):
        got, texts = _cut_warnings(lambda: alignment.attribute(_parts(t, 3), _parts(c, 2)))
        assert got.totals() == pytest.approx(mem.totals())
        # a later pass over the same partitions (totals by a column) warns no more
        assert _cut_warnings(lambda: got.totals(by="channel"))[1] == []
    assert texts == want


@pytest.mark.parametrize("scheduler", ["sync", "processes"])
def test_funnel_sla_and_score_warn_the_cut_as_memory(scheduler: str) -> None:
    crm = datasets.synthetic_crm(120, seed=3)
    leads, acts = pd.DataFrame(crm.leads), pd.DataFrame(crm.activities)
    for col in [c for c in leads.columns if c.endswith("_at")]:  # (all aware, some cut)
        leads[col] = _ns(leads[col], every=5, ns=7 if col in ("created_at", "mql_at") else 0)
    acts["timestamp"] = _ns(acts["timestamp"], every=4)
    touches = pd.DataFrame(crm.touchpoints)
    touches["timestamp"] = _ns(touches["timestamp"], every=6)
    doc = datasets.sla_example(120, 40)
    calls: dict[str, Callable[[Any, Any, Any], Any]] = {
        "funnel": lambda ld, ac, tp: funnel.observe(ld).summary(),
        "sla": lambda ld, ac, tp: sla.evaluate(doc, ld, ac, as_of=crm.as_of).summary,
        "score": lambda ld, ac, tp: alignment.score(ld, tp).summary(),
    }
    for name, call in calls.items():
        want = _cut_warnings(functools.partial(call, leads, acts, touches))[1]
        assert len(want) == 1 and "leads.created_at (24 values)" in want[0], (name, want)
        with dask.config.set(scheduler=scheduler):
            got = _cut_warnings(
                functools.partial(call, _parts(leads, 3), _parts(acts, 2), _parts(touches, 4))
            )[1]
        assert got == want, name
