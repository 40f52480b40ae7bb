"""Benchmark of alignment.scoring: grid scoring of 10^7 leads, logistic fit on 10^6 × 20 rows.

Run: ``python benchmarks/scoring.py [--leads 10000000] [--rows 1000000] [--features 20]
[--repeat 3] [--skip-grid] [--skip-logistic]``.

Prints a Markdown table (the scoring section of ``benchmarks/RESULTS.md``).  Fixed seeds; each
figure is the best of ``--repeat`` runs, as wall clock (``time.perf_counter``) and as CPU time of
this process (``time.process_time``, all threads) — on a shared machine the CPU time is the
better estimate of the wall time on an idle one.  Tables are built once, outside the timings,
straight from typed arrays.

* grid: :meth:`FitInterestGrid.score` on a lead table of ``--leads`` leads (5 fit rules on
  categorical and numeric columns, cells and actions), then with interest from ~2 touches per
  lead (points per kind, half-life decay, a cap per kind, a 90-day window).
* logistic: :class:`LogisticScorer` (L-BFGS-B, analytic gradient) vs scikit-learn's
  ``LogisticRegression(solver="lbfgs")`` on the same synthetic matrix (``C = 1 / l2``), with
  BLAS limited to 1 and to 2 threads (threadpoolctl; rows marked "default" without it).
  Both objectives are evaluated with the same function; the relative difference is reported.
  scikit-learn and threadpoolctl are optional (``pip install alignment[bench]``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import alignment
from alignment.scoring import FitInterestGrid, LogisticScorer, logistic_objective
from alignment.tables import Categorical, Journeys, LeadTable

DAY_US = 86_400_000_000


Row = tuple[str, str, float, float, str]  # case, size, wall s, CPU s, notes


def best_of(fun: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Best wall-clock and best CPU time (this process, all threads) over ``repeat`` runs."""
    walls, cpus = [], []
    out = None
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fun()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), out


def _cat(rng: np.random.Generator, n: int, values: list[str], missing: float = 0.05) -> Any:
    cats = np.array(sorted(values), dtype=object)
    codes = rng.integers(0, cats.size, n).astype(np.int32)
    codes[rng.random(n) < missing] = -1
    return Categorical(codes, cats)


def synthetic_leads(n: int, seed: int = 0) -> LeadTable:
    rng = np.random.default_rng(seed)
    t0 = np.datetime64("2024-01-01T00:00:00", "us")
    size = rng.lognormal(5.0, 1.5, n)
    size[rng.random(n) < 0.1] = np.nan
    return LeadTable(
        ids=np.arange(n, dtype=np.int64),
        created_at=t0 + rng.integers(0, 365 * DAY_US, n).astype("timedelta64[us]"),
        categorical={
            "title": _cat(
                rng,
                n,
                [
                    "VP Sales",
                    "CTO",
                    "Engineer",
                    "Director IT",
                    "Analyst",
                    "Intern",
                    "Chief Revenue Officer",
                    "Manager",
                ],
            ),
            "industry": _cat(rng, n, ["Software", "Retail", "Finance", "Health", "Energy"]),
            "country": _cat(rng, n, ["US", "DE", "FR", "UK", "JP", "BR"]),
        },
        numeric={"company_size": size},
    )


def synthetic_journeys(n: int, seed: int = 0, mean_touches: float = 2.0) -> Journeys:
    rng = np.random.default_rng(seed + 1)
    counts = rng.poisson(mean_touches, n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    m = int(offsets[-1])
    t0 = np.datetime64("2024-01-01T00:00:00", "us")
    time_ = t0 + np.sort(rng.integers(0, 365 * DAY_US, m)).astype("timedelta64[us]")
    # times must be sorted within each journey; globally sorted times satisfy that
    kinds = np.array(sorted(["form", "webinar", "page_view", "email_click", "chat"]), dtype=object)
    return Journeys.from_arrays(
        keys=np.arange(n, dtype=np.int64),
        offsets=offsets,
        time=time_,
        channel=Categorical(
            rng.integers(0, 3, m).astype(np.int32),
            np.array(["email", "event", "web"], dtype=object),
        ),
        touch_columns={"kind": Categorical(rng.integers(0, kinds.size, m).astype(np.int32), kinds)},
    )


RULES = [
    {"column": "title", "contains": ["vp", "chief", "director", "cto"], "points": 15},
    {"column": "industry", "in": ["Software", "Finance"], "points": 10},
    {"column": "country", "equals": "FR", "points": -2},
    {"column": "company_size", "min": 1000, "points": 20},
    {"column": "company_size", "max": 10, "points": -5},
]


def bench_grid(n: int, repeat: int) -> list[Row]:
    rows: list[Row] = []
    c0, t0 = time.process_time(), time.perf_counter()
    leads = synthetic_leads(n)
    rows.append(
        ("build synthetic LeadTable (not timed below)", f"{n:,} leads",
         time.perf_counter() - t0, time.process_time() - c0, "")
    )  # fmt: skip
    grid = FitInterestGrid(fit_rules=RULES, fit_cuts=(30, 20, 10))
    t, c, res = best_of(lambda: alignment.score(leads, scorer=grid), repeat)
    rows.append(
        ("alignment.score, grid: fit rules → cell + action", f"{n:,} leads, 5 rules", t, c,
         "target ≤ 0.5 s")
    )  # fmt: skip
    t, c, summ = best_of(res.summary, repeat)
    rows.append(("ScoreResult.summary() (counts per cell)", f"{n:,} leads", t, c, ""))
    t, c, _ = best_of(lambda: res["cell"], 1)
    rows.append(
        ("decode the cell labels (first access: one string per lead)", f"{n:,} leads", t, c, "")
    )
    counts = (summ["cell"], summ["n"])
    c0, t0 = time.process_time(), time.perf_counter()
    journeys = synthetic_journeys(n)
    rows.append(
        ("build synthetic Journeys (not timed below)", f"{journeys.n_touches:,} touches",
         time.perf_counter() - t0, time.process_time() - c0, "")
    )  # fmt: skip
    full = FitInterestGrid(fit_rules=RULES, half_life="14d", caps={"page_view": 10.0}, window="90d")
    t, c, _ = best_of(lambda: alignment.score(leads, journeys, scorer=full), repeat)
    rows.append(
        ("alignment.score, grid: fit + interest (decay, cap, window)",
         f"{n:,} leads, {journeys.n_touches:,} touches", t, c, "")
    )  # fmt: skip
    top = ", ".join(f"{c}: {k:,}" for c, k in zip(*counts) if k > n // 20)
    rows.append(("(cells with > 5% of the leads)", top, float("nan"), float("nan"), ""))
    return rows


@contextlib.contextmanager
def blas_threads(k: int) -> Iterator[str]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield "default"
        return
    with threadpool_limits(limits=k, user_api="blas"):
        yield str(k)


def synthetic_matrix(n: int, p: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = rng.standard_normal(p) * 0.5
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w - 1.0)))).astype(np.float64)
    return X, y


def bench_logistic(n: int, p: int, repeat: int) -> list[Row]:
    """Runs alternate (alignment, scikit-learn, alignment, …) so both see the same load."""
    rows: list[Row] = []
    X, y = synthetic_matrix(n, p)
    ones = np.ones(n)
    l2 = 1.0
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        LogisticRegression = None

    def ours_fit() -> Any:
        return LogisticScorer(l2=l2, n_threads=None).fit(X, y)

    def sk_fit() -> Any:
        # tol=1e-6: the loosest tolerance at which scikit-learn reaches the optimum to 1e-7
        # relative in the objective on this problem (its default 1e-4 stops short)
        assert LogisticRegression is not None
        return LogisticRegression(C=1.0 / l2, solver="lbfgs", tol=1e-6, max_iter=1000).fit(X, y)

    def default_fit() -> Any:  # n_threads=1: the scorer limits BLAS itself
        return LogisticScorer(l2=l2).fit(X, y)

    for k in (1, 2):
        with blas_threads(k) as label:
            if k == 2:
                t_d, c_d, dflt = best_of(default_fit, repeat)
                rows.append(
                    (f"logistic fit, alignment default n_threads=1 (BLAS allowed: {label})",
                     f"{n:,} × {p}", t_d, c_d, f"{dflt.n_iter_} iterations")
                )  # fmt: skip
            ours_runs, sk_runs = [], []
            ours = sk = None
            for _ in range(repeat):
                tw, tc, ours = best_of(ours_fit, 1)
                ours_runs.append((tw, tc))
                if LogisticRegression is not None:
                    tw, tc, sk = best_of(sk_fit, 1)
                    sk_runs.append((tw, tc))
            assert ours is not None
            t_o = min(r[0] for r in ours_runs)
            c_o = min(r[1] for r in ours_runs)
            rows.append(
                (f"logistic fit, alignment (BLAS threads: {label})", f"{n:,} × {p}", t_o, c_o,
                 f"{ours.n_iter_} iterations, objective {ours.objective_:.10g}")
            )  # fmt: skip
            if sk is not None:
                t_s = min(r[0] for r in sk_runs)
                c_s = min(r[1] for r in sk_runs)
                params = np.append(sk.coef_.ravel(), sk.intercept_)
                obj_sk = logistic_objective(params, X, y, ones, l2)[0]
                rel = abs(ours.objective_ - obj_sk) / abs(obj_sk)
                rows.append(
                    (f"logistic fit, scikit-learn lbfgs (BLAS threads: {label})", f"{n:,} × {p}",
                     t_s, c_s,
                     f"{int(sk.n_iter_[0])} iterations; objective relative difference {rel:.1e}; "
                     f"alignment / scikit-learn: wall {t_o / t_s:.2f}, CPU {c_o / c_s:.2f}")
                )  # fmt: skip
    return rows


def machine() -> str:
    import scipy

    try:
        import sklearn

        skv = sklearn.__version__
    except ImportError:
        skv = "not installed"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs (shared; "
        f"load average at the end {load}), "
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"scikit-learn {skv}, alignment {alignment.__version__}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=10_000_000)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-grid", action="store_true")
    ap.add_argument("--skip-logistic", action="store_true")
    args = ap.parse_args()
    rows: list[Row] = []
    if not args.skip_grid:
        rows += bench_grid(args.leads, args.repeat)
    if not args.skip_logistic:
        rows += bench_logistic(args.rows, args.features, args.repeat)
    print(f"Machine: {machine()}\n")
    print("| case | size | best wall (s) | best CPU (s) | notes |")
    print("|---|---|---:|---:|---|")
    for case, size, t, c, note in rows:
        ts = "" if np.isnan(t) else f"{t:.3f}"
        cs = "" if np.isnan(c) else f"{c:.3f}"
        print(f"| {case} | {size} | {ts} | {cs} | {note} |")


if __name__ == "__main__":
    from _record import captured  # (benchmarks/_record.py: the RESULTS.md fragment)

    with captured("scoring", "Scoring (`benchmarks/scoring.py`)", order=61):
        main()
