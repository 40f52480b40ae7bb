"""``observe(by=)`` on Dask groups integer and flag columns by their own values, as in memory:
distinct integers beyond 2**53 stay apart, labels read ``"101"`` and ``"True"``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
dask = pytest.importorskip("dask")

from alignment import funnel  # noqa: E402


@pytest.fixture(autouse=True)
def _synchronous() -> Any:
    with dask.config.set(scheduler="sync"):
        yield


def _leads() -> pd.DataFrame:
    base = pd.Timestamp("2024-01-01", tz="UTC")
    n = 12
    return pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "created_at": [base + pd.Timedelta(days=i) for i in range(n)],
            "mql_at": [base + pd.Timedelta(days=i + 1) if i % 2 else pd.NaT for i in range(n)],
            "owner": np.array([2**53, 2**53 + 1, 101, 7] * 3, dtype=np.int64),
            "flag": [True, False, True] * 4,
            "account": pd.array([2**53, None, 2**53 + 1, 101] * 3, dtype="Int64"),
        }
    )


@pytest.mark.parametrize(
    ("by", "labels"),
    [
        ("owner", ["7", "101", "9007199254740992", "9007199254740993"]),
        ("flag", ["False", "True"]),
        ("account", ["101", "9007199254740992", "9007199254740993", "(missing)"]),
    ],
)
def test_integer_and_flag_groups_match_in_memory(by: str, labels: list[str]) -> None:
    df = _leads()
    stages = ["created_at", "mql_at"]
    mem = funnel.observe(df, stages=stages, by=by).to_frame(backend="pandas")
    got = funnel.observe(dd.from_pandas(df, npartitions=3), stages=stages, by=by)
    frame = got.to_frame(backend="pandas")
    assert list(frame[by]) == labels
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), mem.reset_index(drop=True))
