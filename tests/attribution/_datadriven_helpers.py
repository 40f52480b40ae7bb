"""Helpers for the data-driven model tests: small journeys as plain Python and as Journeys."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from alignment.tables import Journeys

#: (channels in order, conversions, non_conversions, revenue)
Path = tuple[list[str], float, float, float]


def make_journeys(paths: list[Path], channels: list[str] | None = None) -> Journeys:
    """Untimed Journeys (one per path, multiplicities as given) built with ``from_arrays``."""
    vocab = sorted(channels if channels is not None else {c for p in paths for c in p[0]})
    index = {c: i for i, c in enumerate(vocab)}
    lengths = [len(p[0]) for p in paths]
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64)
    codes = np.array([index[c] for p in paths for c in p[0]], dtype=np.int32)
    position = np.concatenate([np.arange(n) for n in lengths]) if paths else np.zeros(0)
    width = len(str(max(len(paths) - 1, 0)))
    return Journeys.from_arrays(
        keys=np.array([str(i).zfill(width) for i in range(len(paths))], dtype=object),
        offsets=offsets,
        time=position.astype(np.int64),
        channel=codes,
        channels=vocab,
        conversions=np.array([p[1] for p in paths], dtype=np.float64),
        non_conversions=np.array([p[2] for p in paths], dtype=np.float64),
        revenue=np.array([p[3] for p in paths], dtype=np.float64),
        timed=False,
    )


def random_paths(
    rng: np.random.Generator,
    n: int,
    n_channels: int,
    *,
    max_len: int = 5,
    max_count: int = 2,
    allow_empty: bool = True,
) -> list[Path]:
    """Seeded random paths with counts in ``0..max_count`` and revenue where converted."""
    names = [f"c{k}" for k in range(n_channels)]
    out: list[Path] = []
    for _ in range(n):
        length = int(rng.integers(0 if allow_empty else 1, max_len + 1))
        chans = [names[int(c)] for c in rng.integers(0, n_channels, length)]
        conv = float(rng.integers(0, max_count + 1))
        null = float(rng.integers(0, max_count + 1))
        rev = float(rng.integers(1, 100)) if conv > 0 else 0.0
        out.append((chans, conv, null, rev))
    return out


@st.composite
def paths_strategy(draw: Any, channels: str = "abcd", max_paths: int = 8) -> list[Path]:
    """Hypothesis: lists of paths over a few channels, with counts and revenue."""
    n = draw(st.integers(1, max_paths))
    out: list[Path] = []
    for _ in range(n):
        chans = draw(st.lists(st.sampled_from(list(channels)), max_size=5))
        conv = float(draw(st.integers(0, 3)))
        null = float(draw(st.integers(0, 3)))
        rev = float(draw(st.integers(0, 500))) if conv > 0 else 0.0
        out.append((chans, conv, null, rev))
    return out


def total_conversions(paths: list[Path]) -> float:
    return float(sum(p[1] for p in paths if p[0]))


def total_revenue(paths: list[Path]) -> float:
    return float(sum(p[3] for p in paths if p[0] and p[1] > 0))
