"""Seeded synthetic journeys for the attribution tests (plain dicts of numpy arrays)."""

from __future__ import annotations

from typing import Any

import numpy as np

CHANNELS = ["direct", "email", "paid_search", "seo", "social", "webinar"]
CAMPAIGNS = ["spring", "summer", "autumn"]
T0 = np.datetime64("2024-01-01T00:00:00", "us")
HOUR = 3_600_000_000


def make_data(
    seed: int, n_leads: int = 40, *, max_touches: int = 6, ties: bool = True
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Touchpoints (unsorted, with time ties and touches after conversion) and conversions.

    Some converted leads have no touches at all; about half the leads convert.
    """
    rng = np.random.default_rng(seed)
    leads = np.array([f"L{i:03d}" for i in range(n_leads)], dtype=object)
    n_touch = rng.integers(0, max_touches + 1, size=n_leads)
    lead_col = np.repeat(leads, n_touch)
    hours = rng.integers(0, 24 * 40, size=lead_col.size)
    if ties:
        hours[rng.random(hours.size) < 0.2] = 24 * 10  # ties
    else:
        hours = rng.permutation(24 * 45)[: lead_col.size]  # distinct instants
    time = T0 + (hours.astype(np.int64) * HOUR).astype("timedelta64[us]")
    channel = rng.choice(np.array(CHANNELS, dtype=object), size=lead_col.size)
    campaign = rng.choice(np.array(CAMPAIGNS, dtype=object), size=lead_col.size)
    cost = rng.integers(0, 5, size=lead_col.size).astype(np.float64)
    perm = rng.permutation(lead_col.size)
    touches = {
        "lead_id": lead_col[perm],
        "timestamp": time[perm],
        "channel": channel[perm],
        "campaign": campaign[perm],
        "cost": cost[perm],
    }
    conv = rng.random(n_leads) < 0.55
    conv_hours = rng.integers(24 * 5, 24 * 45, size=n_leads)
    conversions = {
        "lead_id": leads[conv],
        "converted_at": T0 + (conv_hours[conv].astype(np.int64) * HOUR).astype("timedelta64[us]"),
        "revenue": rng.integers(1, 50, size=int(conv.sum())).astype(np.float64) * 100,
    }
    return touches, conversions


def make_leads(
    seed: int, touches: dict[str, np.ndarray], conversions: dict[str, Any]
) -> dict[str, np.ndarray]:
    """Leads for every key, with sources and (sometimes missing) stage instants."""
    rng = np.random.default_rng(seed + 1000)
    ids = np.unique(
        np.concatenate([touches["lead_id"], conversions["lead_id"]]).astype(str)
    ).astype(object)
    n = ids.size
    created = T0 + (rng.integers(0, 24 * 30, size=n) * HOUR).astype("timedelta64[us]")
    opp = T0 + (rng.integers(24 * 5, 24 * 40, size=n) * HOUR).astype("timedelta64[us]")
    opp[rng.random(n) < 0.3] = np.datetime64("NaT")
    won = T0 + (rng.integers(24 * 5, 24 * 45, size=n) * HOUR).astype("timedelta64[us]")
    won[rng.random(n) < 0.5] = np.datetime64("NaT")
    return {
        "lead_id": ids,
        "created_at": created,
        "opportunity_at": opp,
        "won_at": won,
        "source": rng.choice(np.array(["ads", "event", "referral"], dtype=object), size=n),
    }


def to_us(t: np.ndarray) -> list[int]:
    return [int(x) for x in np.asarray(t, dtype="datetime64[us]").astype(np.int64)]


def conv_map(conversions: dict[str, np.ndarray]) -> dict[str, tuple[int, float]]:
    return {
        str(k): (int(t), float(r))
        for k, t, r in zip(
            conversions["lead_id"],
            np.asarray(conversions["converted_at"]).astype("datetime64[us]").astype(np.int64),
            conversions["revenue"],
        )
    }


def to_backend(data: dict[str, np.ndarray], backend: str) -> Any:
    if backend == "dict":
        return data
    if backend == "pandas":
        import pandas as pd

        return pd.DataFrame({k: (list(v) if v.dtype.kind == "O" else v) for k, v in data.items()})
    if backend == "polars":
        import polars as pl

        return pl.DataFrame({k: (list(v) if v.dtype.kind == "O" else v) for k, v in data.items()})
    if backend == "pyarrow":
        import pyarrow as pa

        return pa.table({k: (list(v) if v.dtype.kind == "O" else v) for k, v in data.items()})
    raise ValueError(backend)
