"""What the readers note on Dask — naive instants read as UTC, wall times moved by daylight
saving, spellings that fold together — is warned as in memory, once per call, whichever
scheduler runs the partitions (a worker process's notes come back as data with its summary,
as its counts of instants cut to microseconds do)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
dask = pytest.importorskip("dask")

import alignment  # noqa: E402


def _texts(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = call()
    keep = ("naive instants", "daylight-saving", "fold")
    return value, sorted(str(w.message) for w in caught if any(k in str(w.message) for k in keep))


def _frames() -> tuple[Any, Any]:
    n = 12
    touches = pd.DataFrame(
        {
            "lead_id": [f"L{i % 4}" for i in range(n)],
            # naive wall times; 2024-03-10 02:30 does not exist in New York (a skipped hour)
            "timestamp": pd.to_datetime(
                [f"2024-03-{i + 1:02d} 02:30" for i in range(n)], format="%Y-%m-%d %H:%M"
            ),
            "channel": ["Email", "email", "Search", "search"] * 3,
        }
    )
    conversions = pd.DataFrame(
        {
            "lead_id": ["L0", "L1", "L2", "L3"],
            "converted_at": pd.to_datetime(["2024-04-01"] * 4),
            "revenue": [100.0, 50.0, 25.0, 10.0],
        }
    )
    return touches, conversions


@pytest.mark.parametrize("scheduler", ["sync", "processes"])
@pytest.mark.parametrize("tz", [None, "America/New_York"])
def test_attribute_notes_as_memory(scheduler: str, tz: str | None) -> None:
    t, c = _frames()
    mem, want = _texts(lambda: alignment.attribute(t, c, tz=tz))
    assert want, "the frames note something in memory"
    with dask.config.set(scheduler=scheduler):
        parts = dd.from_pandas(t, npartitions=3, sort=False), dd.from_pandas(c, npartitions=2)
        got, texts = _texts(lambda: alignment.attribute(*parts, tz=tz))
    assert got.totals() == pytest.approx(mem.totals())
    assert texts == want


def test_merged_notes_add_counts_and_keep_names_once() -> None:
    from alignment._options import merged_notes, part_notes

    a, b = part_notes(), part_notes()
    a.naive["t.x"] = None
    a.dst["t.x"] = [1, 0]
    a.cut["t.x"] = 2
    a.variants["t.c"] = [("A", "a")]
    b.naive.update({"t.x": None, "t.y": None})
    b.dst["t.x"] = [0, 3]
    b.cut["t.x"] = 5
    b.variants["t.c"] = [("A", "a"), ("B", "b")]
    m = merged_notes(a, b)
    assert m is not None
    assert list(m.naive) == ["t.x", "t.y"]
    assert m.dst == {"t.x": [1, 3]} and m.cut == {"t.x": 7}
    assert m.variants == {"t.c": [("A", "a"), ("B", "b")]}
    assert merged_notes(None, b) is b and merged_notes(a, None) is a
