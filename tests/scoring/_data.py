"""Seeded synthetic leads and touches for the scoring tests."""

from __future__ import annotations

from typing import Any

import numpy as np

T0 = np.datetime64("2024-03-01T00:00:00", "us")
TITLES = ["VP Sales", "Chief Technology Officer", "Engineer", "Director of IT", "Intern", None]
INDUSTRIES = ["Software", "Retail", "Finance", "software", None]
COUNTRIES = ["US", "DE", "FR", "uk", None]
KINDS = ["form", "webinar", "page_view", "email_click", "chat"]


def make_leads(seed: int = 0, n: int = 30) -> dict[str, Any]:
    rng = np.random.default_rng(seed)

    def pick(values: list[Any]) -> np.ndarray:
        return np.array(values, dtype=object)[rng.integers(len(values), size=n)]

    size = rng.integers(1, 5000, size=n).astype(np.float64)
    size[rng.random(n) < 0.15] = np.nan
    return {
        "lead_id": np.array([f"L{i:03d}" for i in range(n)], dtype=object),
        "created_at": (T0 + rng.integers(0, 30, size=n) * np.timedelta64(1, "D")).astype(
            "datetime64[us]"
        ),
        "title": pick(TITLES),
        "industry": pick(INDUSTRIES),
        "country": pick(COUNTRIES),
        "company_size": size,
    }


def make_touches(leads: dict[str, Any], seed: int = 0, max_touches: int = 8) -> dict[str, Any]:
    rng = np.random.default_rng(seed + 1000)
    ids = leads["lead_id"]
    counts = rng.integers(0, max_touches + 1, size=ids.size)
    lid = np.repeat(ids, counts)
    m = lid.size
    hours = rng.integers(0, 24 * 90, size=m)
    return {
        "lead_id": lid,
        "timestamp": (T0 + hours * np.timedelta64(1, "h")).astype("datetime64[us]"),
        "channel": np.array(["web", "email", "event"], dtype=object)[rng.integers(3, size=m)],
        "kind": np.array(KINDS, dtype=object)[rng.integers(len(KINDS), size=m)],
    }
