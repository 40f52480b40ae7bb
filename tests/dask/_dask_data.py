"""Data and comparisons shared by the Dask tests (imported as a plain module: this folder is
not a package, so that it never shadows the ``dask`` library)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

RTOL = 1e-9


def close(a: dict[str, float], b: dict[str, float]) -> None:
    """Same keys in the same order, values equal to ``RTOL``."""
    assert list(a) == list(b)
    for k in a:
        assert b[k] == pytest.approx(a[k], rel=RTOL, abs=1e-9), k


def conversions(
    rng: np.random.Generator,
    ids: np.ndarray,
    converted: np.ndarray,
    t0: pd.Timestamp,
    days: tuple[int, int],
) -> pd.DataFrame:
    """One conversion per ``converted`` id, ``days[0]`` to ``days[1]`` days after ``t0``."""
    minutes = rng.integers(days[0] * 24 * 60, days[1] * 24 * 60, converted.sum())
    return pd.DataFrame(
        {
            "lead_id": ids[converted],
            "converted_at": t0 + pd.to_timedelta(minutes, unit="min"),
            "revenue": rng.integers(100, 5000, int(converted.sum())).astype(float),
        }
    )


def touches_with_bad_channels() -> pd.DataFrame:
    """12 leads of 5 touches each (conversion columns on the rows) whose rows 7, 52 and 58
    have an empty channel name (refused): rows in the second and the last of 4 partitions."""
    touches = pd.DataFrame(
        {
            "lead_id": np.repeat(np.arange(12), 5),
            "timestamp": pd.Timestamp("2024-01-01", tz="UTC")
            + pd.to_timedelta(np.tile(np.arange(5), 12), unit="h"),
            "channel": np.array(["a", "b", "c"] * 20, dtype=object),
            "converted_at": pd.Timestamp("2024-02-01", tz="UTC"),
            "revenue": 10.0,
        }
    )
    touches.loc[[7, 52, 58], "channel"] = ""
    return touches
