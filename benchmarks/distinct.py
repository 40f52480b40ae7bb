"""Benchmark: distinct values of large arrays, ``numpy.unique`` against ``sorted_unique``.

Since numpy 2.3, ``np.unique(a)`` without ``return_index`` / ``return_inverse`` /
``return_counts`` finds the distinct values with a hash table; when most values are distinct
that is many times slower than one sort.  :func:`alignment._segments.sorted_unique` sorts (or
marks small codes in a table).  This prints, in one run, both on the same arrays, and the two
kernels that use it on the largest arrays: the distinct channels of every journey
(``channel_sets``, Shapley's dividends and its partition statistics on Dask) and Shapley's
partition statistics.

Run by hand: ``python benchmarks/distinct.py [--n 1000000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from alignment._segments import sorted_unique
from alignment.attribution._credit import channel_sets


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """Fastest wall time of ``repeat`` calls."""
    times = []
    for _ in range(repeat):  # (a loop over the repeats)
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def journeys(n: int, n_channels: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """CSR journeys of 1–11 touches over ``n_channels`` channels."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 12, n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets, rng.integers(0, n_channels, int(offsets[-1]))


def unique_channel_sets(offsets: np.ndarray, codes: np.ndarray, n_channels: int) -> np.ndarray:
    """``channel_sets`` as it was: ``np.unique`` of the packed (journey, channel) keys."""
    journey = np.repeat(np.arange(offsets.size - 1), np.diff(offsets))
    out: np.ndarray = np.unique(journey * n_channels + codes)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, repeat = args.n, args.repeat
    rng = np.random.default_rng(1)
    arrays = {
        "int64, all distinct": rng.permutation(n).astype(np.int64) * 7919,
        "int64, n/10 distinct": rng.integers(0, n // 10, n),
        "int64, 12 distinct": rng.integers(0, 12, n),
        "18-char ids (str), all distinct": np.char.add("00Q", rng.permutation(n).astype("U15")),
    }
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load "
        f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}, numpy {np.__version__}; "
        f"n = {n:,}, best of {repeat}"
    )
    print("| array | np.unique s | sorted_unique s | ratio |")
    print("|---|---:|---:|---:|")
    for label, a in arrays.items():  # (a loop over four arrays)
        assert np.array_equal(np.unique(a), sorted_unique(a))
        t_np = best_of(lambda a=a: np.unique(a), repeat)
        t_ours = best_of(lambda a=a: sorted_unique(a), repeat)
        print(f"| {label} | {t_np:.3f} | {t_ours:.3f} | {t_np / t_ours:.1f}x |")
    offsets, codes = journeys(n)
    pairs = channel_sets(offsets, codes, 12)
    keys = unique_channel_sets(offsets, codes, 12)
    assert np.array_equal(pairs[0] * 12 + pairs[1], keys)
    t_np = best_of(lambda: unique_channel_sets(offsets, codes, 12), repeat)
    t_ours = best_of(lambda: channel_sets(offsets, codes, 12), repeat)
    print(
        f"| channel sets of {n:,} journeys ({int(offsets[-1]):,} touches) | {t_np:.3f} | "
        f"{t_ours:.3f} | {t_np / t_ours:.1f}x |"
    )


if __name__ == "__main__":
    main()
