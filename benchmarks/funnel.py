"""Benchmark of alignment.funnel: observe over 10^7 leads, plan over 10^6 scenarios.

Run: ``python benchmarks/funnel.py [--leads 10000000] [--scenarios 1000000] [--repeat 5]``.
Prints a Markdown table (the funnel section of ``benchmarks/RESULTS.md``). Fixed seed; each
figure is the best of ``--repeat`` runs (wall clock, ``time.perf_counter``). The lead table is
built once outside the observe timings; its build time is reported on its own row.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import alignment
from alignment import LeadTable
from alignment import funnel as fn

DAY_US = 86_400_000_000
STAGES = ("created_at", "mql_at", "sql_at", "opportunity_at", "won_at")
REACH = (0.30, 0.45, 0.50, 0.25)  # next-step rates of the synthetic funnel


def synthetic_leads(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """n leads over one year; each stage reached with REACH[k], 1% timestamps backwards."""
    rng = np.random.default_rng(seed)
    base = np.datetime64("2024-01-01T00:00:00", "us")
    created = base + rng.integers(0, 365 * DAY_US, n).astype("timedelta64[us]")
    cols: dict[str, np.ndarray] = {"lead_id": np.arange(n, dtype=np.int64), "created_at": created}
    prev = created
    alive = np.ones(n, dtype=bool)
    for name, p in zip(STAGES[1:], REACH):
        step = (rng.exponential(7.0, n) * DAY_US).astype(np.int64)
        step[rng.random(n) < 0.01] *= -1
        alive &= rng.random(n) < p
        t = prev + step.astype("timedelta64[us]")
        cols[name] = np.where(alive, t, np.datetime64("NaT", "us"))
        prev = np.where(alive, t, prev)
    sources = np.array(["ads", "web", "event", "partner", "referral", "email"], dtype=object)
    cols["source"] = sources[rng.integers(0, sources.size, n)]
    return cols


CPU: list[float] = []  # CPU seconds of the last best_of call (process_time)


def best_of(fun: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall-clock time of ``repeat`` runs; the best CPU time goes to ``CPU``."""
    times = []
    cpu = []
    out = None
    for _ in range(repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        out = fun()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU.append(min(cpu))
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=10_000_000)
    ap.add_argument("--scenarios", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    n = args.leads

    data = synthetic_leads(n)
    t_build, leads = best_of(lambda: LeadTable.build(data), 1)
    rows: list[tuple[str, str, float]] = [
        ("LeadTable.build (dict of numpy arrays, once)", f"{n:,} leads", t_build)
    ]
    t, obs = best_of(lambda: fn.observe(leads), args.repeat)
    rows.append(("observe, 5 stages, ordered", f"{n:,} leads", t))
    t, _ = best_of(lambda: fn.observe(leads, mode="any"), args.repeat)
    rows.append(("observe, 5 stages, any", f"{n:,} leads", t))
    t, _ = best_of(lambda: fn.observe(leads, horizon="30d"), max(1, args.repeat // 2))
    rows.append(("observe + Kaplan–Meier (horizon='30d')", f"{n:,} leads", t))
    t, seg = best_of(lambda: fn.observe(leads, by="source"), max(1, args.repeat // 2))
    rows.append((f"observe by='source' ({seg.n_groups} groups)", f"{n:,} leads", t))
    t, coh = best_of(lambda: fn.observe(leads, by="source", cohort="M"), max(1, args.repeat // 2))
    rows.append((f"observe by='source', cohort='M' ({coh.n_groups} groups)", f"{n:,} leads", t))

    s = args.scenarios
    rng = np.random.default_rng(1)
    rates = {k: rng.beta(20 * p, 20 * (1 - p), s) for k, p in zip(STAGES[:-1], REACH)}
    targets = rng.uniform(5e5, 2e6, s)
    t, p = best_of(lambda: fn.plan(targets, 25_000.0, rates), args.repeat)
    rows.append(("plan, 4 stages (Monte Carlo rates)", f"{s:,} scenarios", t))
    t, _ = best_of(lambda: fn.plan(targets, 25_000.0, rates, periods=12), args.repeat)
    rows.append(("plan, 4 stages, periods=12", f"{s:,} scenarios", t))
    t, _ = best_of(lambda: fn.forward(10_000.0, rates, 25_000.0), args.repeat)
    rows.append(("forward, 4 stages", f"{s:,} scenarios", t))

    versions = f"numpy {np.__version__}, Python {platform.python_version()}"
    print(f"alignment {alignment.__version__}, {versions}")
    cpu = platform.processor() or platform.machine()
    print(f"{cpu}, {os.cpu_count()} CPUs (shared), best of {args.repeat}")
    print()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end: {load:.2f}")
    print()
    print("| operation | size | wall s | CPU s |")
    print("|---|---|---:|---:|")
    for (name, size, sec), cpu in zip(rows, CPU):
        print(f"| {name} | {size} | {sec:.3f} | {cpu:.3f} |")
    print()
    print("observed next-step rates:", {k: round(v, 4) for k, v in obs.rates().items()})
    print("median required leads over scenarios:", float(np.median(p.required["created_at"])))


if __name__ == "__main__":
    from _record import captured  # (benchmarks/_record.py: the RESULTS.md fragment)

    with captured("funnel", "Funnel (`benchmarks/funnel.py`)", order=60):
        main()
