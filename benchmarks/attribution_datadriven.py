"""Benchmark of the data-driven attribution kernels (Markov, Shapley) and of path parsing.

Usage::

    python benchmarks/attribution_datadriven.py                    # 10^4, 10^5, 10^6 journeys
    python benchmarks/attribution_datadriven.py --sizes 10000 --repeat 5
    python benchmarks/attribution_datadriven.py --channelattribution   # + ChannelAttribution

Cells read "best wall time (best CPU time)".

Synthetic data (seeded): ``n`` journeys, 1 + Poisson(5) touches each (mean ~6), 12 channels
drawn with unequal popularity, ~10% converting with gamma-distributed revenue.  The
``Journeys`` is prebuilt (``Journeys.from_arrays``); timings are best-of-``--repeat`` of

* ``markov k=1`` / ``markov k=2``: ``MarkovAttribution(order=k).channel_credit(journeys)``;
* ``shapley``: ``ShapleyAttribution().channel_credit(journeys)`` (2^12 coalitions);
* ``shapley dividends``: the same values by the dividend formula (``method="dividends"``);
* ``from_paths``: ``Journeys.from_paths`` on the same journeys aggregated to distinct paths
  (string parsing + validation), with the number of distinct paths;
* ``markov k=1 (paths)``: the Markov kernel on the aggregated table (same result).

With ``--channelattribution`` (and the package installed in the running interpreter) it also
times ``ChannelAttribution.markov_model`` (order 1, its default settings) on the aggregated
paths for comparison; that package is never a dependency.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from alignment.attribution._markov import MarkovAttribution
from alignment.attribution._shapley import ShapleyAttribution
from alignment.tables import Journeys

N_CHANNELS = 12
CHANNELS = [f"ch{k:02d}" for k in range(N_CHANNELS)]


def make_journeys(n: int, seed: int = 0) -> Journeys:
    """Seeded synthetic journeys (see the module docstring)."""
    rng = np.random.default_rng(seed)
    lengths = 1 + rng.poisson(5, n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    popularity = rng.dirichlet(np.full(N_CHANNELS, 2.0))
    codes = rng.choice(N_CHANNELS, size=int(offsets[-1]), p=popularity).astype(np.int32)
    converted = rng.random(n) < 0.1
    revenue = np.where(converted, rng.gamma(2.0, 500.0, n), 0.0)
    position = np.arange(codes.size, dtype=np.int64) - np.repeat(offsets[:-1], lengths)
    width = len(str(n - 1))
    keys = np.char.zfill(np.arange(n).astype(str), width).astype(object)
    return Journeys.from_arrays(
        keys=keys,
        offsets=offsets,
        time=position,
        channel=codes,
        channels=CHANNELS,
        conversions=converted.astype(np.float64),
        non_conversions=(~converted).astype(np.float64),
        revenue=revenue,
        timed=False,
    )


def aggregate(j: Journeys) -> dict[str, Any]:
    """The journeys aggregated to distinct paths, as other tools export them."""
    names = np.asarray(j.channel.categories, dtype=object)
    parts = names[j.channel.codes]
    strings = np.array(
        [" > ".join(parts[a:b]) for a, b in zip(j.offsets[:-1], j.offsets[1:])], dtype=object
    )
    uniq, inv = np.unique(strings, return_inverse=True)
    return {
        "path": uniq,
        "total_conversions": np.bincount(inv, weights=j.conversions, minlength=uniq.size),
        "total_conversion_value": np.bincount(inv, weights=j.revenue, minlength=uniq.size),
        "total_null": np.bincount(inv, weights=j.non_conversions, minlength=uniq.size),
    }


def best(fn: Callable[[], Any], repeat: int) -> str:
    """Best wall time and best CPU time (process, all threads) of ``repeat`` runs.

    On a shared machine the CPU time is the steadier figure; both are reported.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return f"{min(walls):.3f} s ({min(cpus):.3f})"


def channelattribution_time(agg: dict[str, Any], repeat: int) -> str | None:
    try:
        import pandas as pd
        from ChannelAttribution import markov_model  # type: ignore[import-not-found]
    except ImportError:
        return None
    df = pd.DataFrame(agg)
    return best(
        lambda: markov_model(
            df,
            "path",
            "total_conversions",
            var_value="total_conversion_value",
            var_null="total_null",
            order=1,
            out_more=True,
            verbose=0,
        ),
        repeat,
    )


def run_size(n: int, repeat: int, with_ca: bool) -> list[str]:
    """One table row: the timings at ``n`` journeys."""
    j = make_journeys(n)
    row = [f"{n:,}", f"{j.n_touches:,}"]
    m1, m2 = MarkovAttribution(), MarkovAttribution(order=2)
    sh, shd = ShapleyAttribution(), ShapleyAttribution(method="dividends")
    row.append(best(lambda: m1.channel_credit(j), repeat))
    row.append(best(lambda: m2.channel_credit(j), repeat))
    row.append(best(lambda: sh.channel_credit(j), repeat))
    row.append(best(lambda: shd.channel_credit(j), repeat))
    agg = aggregate(j)
    row.append(f"{agg['path'].size:,}")
    row.append(best(lambda: Journeys.from_paths(agg), repeat))
    pj = Journeys.from_paths(agg)
    a, b = m1.channel_credit(j), m1.channel_credit(pj)
    assert all(np.isclose(a.revenue[c], b.revenue[c]) for c in a.revenue)
    row.append(best(lambda: m1.channel_credit(pj), repeat))
    if with_ca:
        t = channelattribution_time(agg, 1)
        row.append("not installed" if t is None else t)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--channelattribution", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    print(
        f"# data-driven attribution kernels — {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}, numpy {np.__version__}"
    )
    header = [
        "journeys",
        "touches",
        "markov k=1",
        "markov k=2",
        "shapley",
        "shapley dividends",
        "paths",
        "from_paths",
        "markov k=1 (paths)",
    ]
    if args.channelattribution:
        header.append("ChannelAttribution markov k=1 (paths)")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for n in sizes:
        print(
            "| " + " | ".join(run_size(n, args.repeat, args.channelattribution)) + " |", flush=True
        )


if __name__ == "__main__":
    from _record import captured  # (benchmarks/_record.py: the RESULTS.md fragment)

    with captured(
        "attribution_datadriven",
        "Attribution: data-driven models (`benchmarks/attribution_datadriven.py`)",
        order=30,
    ):
        main()
