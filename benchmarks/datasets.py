"""Time ``alignment.datasets.synthetic_crm`` (the synthetic CRM generator) per phase.

Usage::

    python benchmarks/datasets.py                      # 10^6 leads, best of 3
    python benchmarks/datasets.py --leads 100000 --repeat 5

Reports the wall, user and system time of the whole call (its first call in the process apart:
that one also imports the models it returns), then of reading every table of the bundle once
(``crm.tables()``: the touches' and activities' text is held as codes, its strings written on
first read), and the CPU time of each phase of the generator
(``alignment.datasets._phases.PHASES``, in drawing order), with the size of what it produced.
System time is mostly the kernel handing the process fresh memory, which some virtual
machines charge dearly for (see ``docs/performance.md``, Memory).
"""

from __future__ import annotations

import argparse
import resource
import time
from types import SimpleNamespace

import numpy as np
from _record import captured, markdown_table

from alignment.datasets import synthetic_crm
from alignment.datasets._phases import PHASES
from alignment.datasets._vocabulary import TIME_DTYPE


def phases(n: int, repeat: int) -> dict[str, float]:
    """Best CPU time of each phase over ``repeat`` generations (same seed)."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        start = np.datetime64("2024-01-01", "D").astype(TIME_DTYPE)
        as_of = start + np.timedelta64(91, "D").astype("timedelta64[us]")
        g = SimpleNamespace(rng=np.random.default_rng(0), n=n, t_start=start, as_of=as_of, days=91)
        for phase in PHASES:
            c = time.process_time()
            phase(g)
            c = time.process_time() - c
            best[phase.__name__] = min(best.get(phase.__name__, float("inf")), c)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    t = time.perf_counter()
    crm = synthetic_crm(args.leads)
    first = time.perf_counter() - t
    runs = []  # (wall, user, system) of each call
    made = []  # (wall, user, system) of reading every table of it afterwards
    for _ in range(args.repeat):
        del crm
        r, t = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        crm = synthetic_crm(args.leads)
        wall, after = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF)
        runs.append((wall, after.ru_utime - r.ru_utime, after.ru_stime - r.ru_stime))
        t = time.perf_counter()
        crm.tables()  # (the text held as codes: its strings written now)
        wall, done = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF)
        made.append((wall, done.ru_utime - after.ru_utime, done.ru_stime - after.ru_stime))
    sizes = ", ".join(f"{name} {crm._rows(name):,}" for name in
                      ("leads", "touchpoints", "deals", "activities", "costs"))  # fmt: skip
    print(f"synthetic_crm({args.leads:,}): {sizes} rows")
    print()
    best = min(runs)
    rows = [
        ["synthetic_crm, first call (imports included)", f"{first:.2f}", "", ""],
        [
            f"synthetic_crm, best of {args.repeat}",
            f"{best[0]:.2f}",
            f"{best[1]:.2f}",
            f"{best[2]:.2f}",
        ],
        ["synthetic_crm, least user time", "", f"{min(r[1] for r in runs):.2f}", ""],
        [
            "then every table read once (the strings of text held as codes written), best",
            *(f"{v:.2f}" for v in min(made)),
        ],
        [
            "synthetic_crm and every table read, best of the sums",
            *(
                f"{v:.2f}"
                for v in min((a + b, c + d, e + f) for (a, c, e), (b, d, f) in zip(runs, made))
            ),
        ],
    ]
    rows += [[f"phase {k}", "", f"{v:.3f}", ""] for k, v in phases(args.leads, args.repeat).items()]
    print(
        "each call (wall s, user / system s): "
        + ", ".join(f"{w:.2f} ({u:.2f} / {y:.2f})" for w, u, y in runs)
    )
    print()
    print(
        markdown_table(
            ["step", "wall (s)", "user s (phases: CPU s)", "system (s)"], rows, align="lrrr"
        )
    )


if __name__ == "__main__":
    with captured("datasets", "Synthetic CRM (`benchmarks/datasets.py`)", order=80):
        main()
