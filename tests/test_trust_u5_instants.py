"""Naive instants beside timezone-aware lead columns: a column of aware datetimes holding no
instant is of neither kind on Dask as in memory (not listed in the error, and alone it mixes
nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from alignment import funnel
from alignment.errors import DataValidationError

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
dask = pytest.importorskip("dask")

_STAGES = ["created_at", "mql_at", "sql_at"]


def _leads(sql: list[Any]) -> Any:
    empty = pd.Series([pd.NaT] * 4, dtype="datetime64[ns, UTC]")  # (aware, no instant)
    return pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(4)],
            "created_at": [f"2024-01-0{i + 1}T00:00" for i in range(4)],  # (naive text)
            "mql_at": empty,
            "sql_at": pd.to_datetime(pd.Series(sql), utc=True),
        }
    )


def _outcome(data: Any) -> Any:
    try:
        return funnel.observe(data, stages=_STAGES).counts.tolist()
    except DataValidationError as exc:
        return str(exc)


def _both(leads: Any) -> tuple[Any, Any]:
    with dask.config.set({"scheduler": "sync", "dataframe.convert-string": False}):
        return _outcome(leads), _outcome(dd.from_pandas(leads, npartitions=2, sort=False))


def test_aware_columns_without_an_instant_are_left_out_of_the_message_on_dask() -> None:
    mem, on_dask = _both(_leads(["2024-01-05T00:00Z", None, None, None]))
    assert "timezone-aware ones in ['sql_at']" in mem
    assert on_dask == mem


def test_aware_columns_without_an_instant_mix_nothing_on_dask() -> None:
    mem, on_dask = _both(_leads([None] * 4))
    assert mem == [[4, 0, 0]] and on_dask == mem
