"""Benchmark: building Journeys from unsorted long frames, and the cost of ``import alignment``.

Run by hand: ``python benchmarks/tables.py [--journeys 1000000]``.  Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time

import numpy as np


def synthetic(n_journeys: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    lens = rng.poisson(5, n_journeys) + 1
    n = int(lens.sum())
    lead = np.repeat(np.arange(n_journeys), lens)[rng.permutation(n)]
    t = (rng.integers(1_700_000_000, 1_700_000_000 + 90 * 86400, n) * 1_000_000).astype(
        "datetime64[us]"
    )
    channels = np.array([f"channel_{i}" for i in range(12)], dtype=object)
    return {"lead_id": lead, "timestamp": t, "channel": channels[rng.integers(0, 12, n)]}


def best_of(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def import_time(repeat: int = 5) -> float:
    code = "import time; s = time.perf_counter(); import alignment; print(time.perf_counter() - s)"
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(repeat)
    ]
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--journeys", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    from alignment.tables import Journeys

    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, "
        f"numpy {np.__version__}"
    )
    print(f"import alignment (median of 5, fresh interpreter): {import_time():.3f} s\n")
    print("| journeys | touches | input | build (s) | baseline np.argsort stable (s) | ratio |")
    print("|---:|---:|---|---:|---:|---:|")
    for n in args.journeys:
        data = synthetic(n)
        key = data["lead_id"]
        base = best_of(lambda: np.argsort(key, kind="stable"))  # noqa: B023
        frames = {"dict": data}
        try:
            import pandas as pd

            frames["pandas"] = pd.DataFrame(data)
        except ImportError:
            pass
        try:
            import polars as pl

            frames["polars"] = pl.DataFrame(data)
        except ImportError:
            pass
        for name, frame in frames.items():
            t = best_of(lambda: Journeys.build(frame))  # noqa: B023
            print(f"| {n:,} | {key.size:,} | {name} | {t:.3f} | {base:.3f} | {t / base:.1f} |")


if __name__ == "__main__":
    from _record import captured  # (benchmarks/_record.py: the RESULTS.md fragment)

    with captured("tables", "Tables and import (`benchmarks/tables.py`)", order=20):
        main()
