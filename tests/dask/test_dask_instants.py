"""Naive and timezone-aware instants mixed across Dask partitions: refused as in memory (the
same problem, column and rows), whichever partitions hold which kind; read alike with tz=."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
dask = pytest.importorskip("dask")

import alignment  # noqa: E402
from alignment.errors import AlignmentError, AlignmentWarning  # noqa: E402

NAIVE, AWARE = "2024-01-01 08:00", "2024-01-02T10:00:00Z"


def _outcome(call: Any) -> Any:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AlignmentWarning)
            res = call()
    except AlignmentError as exc:
        return (type(exc).__name__, exc.problem, exc.column, exc.table, list(exc.rows), exc.n_rows)
    return {k: round(v, 9) for k, v in res.totals().items()}


def _both(t: pd.DataFrame, c: pd.DataFrame, parts: int, **kw: Any) -> tuple[Any, Any]:
    want = _outcome(lambda: alignment.attribute(t, c, **kw))
    with dask.config.set(scheduler="sync"):
        got = _outcome(
            lambda: alignment.attribute(
                dd.from_pandas(t, npartitions=parts, sort=False),
                dd.from_pandas(c, npartitions=min(parts, len(c)), sort=False),
                **kw,
            )
        )
    return want, got


def _touches(times: list[str]) -> pd.DataFrame:
    n = len(times)
    return pd.DataFrame(
        {
            "lead_id": [f"L{i % 7}" for i in range(n)],
            "timestamp": times,
            "channel": ["email", "search", "event"] * (n // 3) + ["email"] * (n % 3),
        }
    )


def _conversions(at: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"lead_id": ["L0", "L3"], "converted_at": [at, at], "revenue": [100.0, 50.0]}
    )


@pytest.mark.parametrize("parts", [2, 3, 5])
@pytest.mark.parametrize("n_aware", [1, 4, 10, 16])
def test_one_column_mixed_over_partitions(parts: int, n_aware: int) -> None:
    rng = np.random.default_rng(n_aware * 10 + parts)
    times = [NAIVE] * 20
    for i in rng.choice(20, size=n_aware, replace=False):
        times[i] = AWARE
    want, got = _both(_touches(times), _conversions("2024-02-01T00:00:00Z"), parts)
    assert want[0] == "DataValidationError" and "mixed" in want[1]
    assert got == want  # (the rows of the rarer kind, naive on a tie, in input order)


@pytest.mark.parametrize("parts", [1, 3])
def test_touches_and_conversions_of_different_kinds(parts: int) -> None:
    want, got = _both(_touches([AWARE] * 12), _conversions("2024-02-01"), parts)
    assert want[0] == "DataValidationError" and "naive datetimes" in want[1]
    assert got == want


def test_zoned_datetimes_beside_naive_text() -> None:
    t = _touches([AWARE] * 12)
    t["timestamp"] = pd.to_datetime(t["timestamp"], utc=True)
    want, got = _both(t, _conversions("2024-02-01"), 3)
    assert want[0] == "DataValidationError" and got == want


@pytest.mark.parametrize("parts", [1, 4])
def test_with_tz_the_naive_values_are_read_in_the_zone(parts: int) -> None:
    times = [NAIVE, AWARE] * 8
    want, got = _both(_touches(times), _conversions("2024-02-01"), parts, tz="Europe/Paris")
    assert isinstance(want, dict) and got == want


def test_one_kind_everywhere_is_read_as_in_memory() -> None:
    want, got = _both(_touches([NAIVE] * 15), _conversions("2024-02-01"), 4)
    assert isinstance(want, dict) and got == want


@pytest.mark.parametrize("parts", [2, 3, 6])
def test_each_lead_of_one_kind_is_not_read_two_ways(parts: int) -> None:
    """Every partition may hold one kind only (a lead's touches share one): refused all the
    same, where each partition alone would read its instants its own way."""
    t = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(6) for _ in range(3)],
            "timestamp": [NAIVE if i < 4 else AWARE for i in range(6) for _ in range(3)],
            "channel": ["email", "search", "event"] * 6,
        }
    )
    want, got = _both(t, _conversions(NAIVE), parts)
    assert want[0] == "DataValidationError" and (want[4], want[5]) == ([12, 13, 14, 15, 16], 6)
    assert got == want
