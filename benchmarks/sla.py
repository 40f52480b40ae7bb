"""SLA benchmark: evaluate an agreement on 10^6 leads and 10^7 activities with a business calendar.

Usage::

    python benchmarks/sla.py            # 10^6 leads, 10^7 activities
    python benchmarks/sla.py --leads 100000 --activities 1000000

The tables are built once (``LeadTable.build`` / ``ActivityLog.build(leads=...)``, timed
separately); ``evaluate`` is timed on them (best of 3). A plain-Python twin (zoneinfo per
element, loops per lead) computes the first-touch status of a sample of leads for comparison,
and its answers are checked against the engine's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sla"))

import alignment
from alignment import ActivityLog, Categorical, LeadTable
from alignment.sla import BusinessCalendar, evaluate

SLA_DOC = {
    "marketing": {"qualified_leads": 20_000, "period": "M", "split_by": "owner",
                  "quality": {"min_grid_cell": "B2"}},
    "sales": {
        "first_touch": {"within": "1d", "business_time": True},
        "attempts": {"within": "5d", "business_time": True, "per_kind": {"call": 5, "email": 5}},
        "accept": {"within": "48h"},
    },
}  # fmt: skip
HOURS = {d: ["09:00-12:30", "13:30-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
HOLIDAYS = ["2024-05-01", "2024-05-08", "2024-05-09", "2024-05-20", "2024-07-14", "2024-08-15"]
TZ = "Europe/Paris"


def generate(n_leads: int, n_acts: int, seed: int = 42) -> tuple[dict, dict, np.ndarray]:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-03-01T00:00", "s")
    mql = start + rng.integers(0, 180 * 86_400, n_leads).astype("timedelta64[s]")
    ids = np.char.add("L", np.arange(n_leads).astype(str)).astype(object)
    reps = np.array([f"rep{i:02d}" for i in range(50)], dtype=object)
    leads = {
        "lead_id": ids,
        "created_at": mql - np.timedelta64(3600, "s"),
        "mql_at": mql,
        "owner": reps[rng.integers(0, reps.size, n_leads)],
        "grid_cell": np.array(["A1", "A2", "B1", "B2", "B3", "C1"], dtype=object)[
            rng.integers(0, 6, n_leads)
        ],
        "rejected_at": np.where(
            rng.random(n_leads) < 0.1, mql + np.timedelta64(20, "h"), np.datetime64("NaT")
        ),
        "rejection_reason": np.array(["competitor", "wrong_size", "other", "nope"], dtype=object)[
            rng.integers(0, 4, n_leads)
        ],
    }
    lead_of = rng.integers(0, n_leads, n_acts)
    delay = rng.exponential(3 * 86_400, n_acts).astype(np.int64) - 3600
    acts = {
        "lead_id": ids[lead_of],
        "timestamp": mql[lead_of] + delay.astype("timedelta64[s]"),
        "kind": np.array(["call", "email", "meeting"], dtype=object)[rng.integers(0, 3, n_acts)],
    }
    return leads, acts, lead_of


def prebuilt_log(lt: LeadTable, acts: dict, pos: np.ndarray) -> ActivityLog:
    """The activity log in CSR form aligned with the leads, from already-typed arrays.

    Equivalent to ``ActivityLog.build(acts, leads=lt)`` (checked on a sample in
    ``--check``), without re-reading object columns: the benchmark times ``evaluate``.
    """
    ts = acts["timestamp"].astype("datetime64[us]")
    order = np.lexsort((ts, pos))
    offsets = np.zeros(lt.n_leads + 1, dtype=np.int64)
    np.cumsum(np.bincount(pos, minlength=lt.n_leads), out=offsets[1:])
    cats, inv = np.unique(acts["kind"], return_inverse=True)
    return ActivityLog(
        keys=lt.ids,
        offsets=offsets,
        time=ts[order],
        row=order.astype(np.int64),
        kind=Categorical(inv[order].astype(np.int32), cats.astype(object)),
    )


def twin_first_touch(report, leads, acts, sample: np.ndarray, as_of) -> tuple[float, int]:
    """Plain-Python first-touch status for the sampled leads; returns (seconds, mismatches)."""
    from sla_twin import add_us, lead_status

    week = [[(9 * 3600 * 10**6, 12 * 3600 * 10**6 + 1800 * 10**6),
             (13 * 3600 * 10**6 + 1800 * 10**6, 18 * 3600 * 10**6)]] * 5 + [[], []]  # fmt: skip
    hol = {dt.date.fromisoformat(h) for h in HOLIDAYS}
    day_us = 8 * 3600 * 10**6
    utc = dt.timezone.utc
    as_of_dt = as_of.astype(dt.datetime).replace(tzinfo=utc)
    t0 = time.perf_counter()
    wanted = set(sample.tolist())
    by_lead: dict[int, list] = {i: [] for i in wanted}
    pos = {lid: i for i, lid in enumerate(leads["lead_id"][sample].tolist())}
    index = sample
    for lid, ts, k in zip(
        acts["lead_id"].tolist(), acts["timestamp"].tolist(), acts["kind"].tolist()
    ):
        j = pos.get(lid)
        if j is not None:
            by_lead[int(index[j])].append((ts.replace(tzinfo=utc), k))
    mismatches = 0
    for i in sample.tolist():
        clock = leads["mql_at"][i].astype(dt.datetime).replace(tzinfo=utc)
        status = lead_status(
            clock=clock,
            as_of=as_of_dt,
            touches=by_lead[i],
            deadline_of=lambda c: add_us(week, hol, TZ, c, day_us),
            fraction_of=lambda c, now: 0.0,  # at_risk checked separately in the tests
            at_risk_after=2.0,
            kinds=None,
        )
        got = report.leads["first_touch_status"][i]
        if status == "pending":
            status = got if got in ("pending", "at_risk") else status
        mismatches += status != got
    return time.perf_counter() - t0, mismatches


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--activities", type=int, default=10_000_000)
    ap.add_argument("--sample", type=int, default=2_000)
    ap.add_argument("--check", action="store_true", help="compare with ActivityLog.build")
    args = ap.parse_args()
    leads, acts, lead_of = generate(args.leads, args.activities)
    sla = alignment.SLA.from_dict(SLA_DOC)
    cal = BusinessCalendar(hours=HOURS, holidays=HOLIDAYS, tz=TZ)
    as_of = np.datetime64("2024-08-20T12:00", "us")

    t = time.perf_counter()
    lt = LeadTable.build(leads)
    t_leads = time.perf_counter() - t
    t = time.perf_counter()
    log = prebuilt_log(lt, acts, lead_of)
    t_acts = time.perf_counter() - t

    if args.check:  # the prebuilt log equals ActivityLog.build on a slice
        k = 20_000
        small = {c: v[:k] for c, v in leads.items()}
        lt_s = LeadTable.build(small)
        keep = lead_of < k
        a_s = {c: v[keep] for c, v in acts.items()}
        r1 = evaluate(sla, lt_s, ActivityLog.build(a_s, leads=lt_s), as_of=as_of, calendar=cal)
        r2 = evaluate(sla, lt_s, prebuilt_log(lt_s, a_s, lead_of[keep]), as_of=as_of, calendar=cal)
        for c in r1.leads:
            np.testing.assert_array_equal(r1.leads[c], r2.leads[c], err_msg=c)
        print("check: prebuilt log == ActivityLog.build on 20,000 leads")
    times, cpu = [], []
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        report = evaluate(sla, lt, log, as_of=as_of, calendar=cal)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    best = min(times)

    a = np.datetime64("2024-03-01") + np.random.default_rng(1).integers(
        0, 180 * 86_400 * 10**6, args.leads
    ).astype("timedelta64[us]")
    b = a + np.timedelta64(3, "D")
    t = time.perf_counter()
    cal.elapsed(a, b)
    t_elapsed = time.perf_counter() - t
    t = time.perf_counter()
    cal.add(a, "1d")
    t_add = time.perf_counter() - t

    sample = np.random.default_rng(2).choice(
        args.leads, size=min(args.sample, args.leads), replace=False
    )
    t_twin, mismatches = twin_first_touch(report, leads, acts, sample, as_of)
    per_lead_twin = t_twin / sample.size
    per_lead_engine = best / args.leads

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cpu_name = (
        next(
            (
                ln.split(":", 1)[1].strip()
                for ln in open("/proc/cpuinfo")
                if ln.startswith("model name")
            ),
            platform.machine(),
        )
        if os.path.exists("/proc/cpuinfo")
        else platform.machine()
    )
    print(f"machine: {cpu_name}, {os.cpu_count()} cores, "
          f"load average {load:.1f}, "
          f"Python {platform.python_version()}, numpy {np.__version__}")  # fmt: skip
    print()
    print("| step | size | time |")
    print("|---|---|---|")
    print(f"| LeadTable.build | {args.leads:,} leads | {t_leads:.2f} s |")
    print(f"| activity CSR (lexsort, aligned with leads) | {args.activities:,} activities | "
          f"{t_acts:.2f} s |")  # fmt: skip
    print(f"| **evaluate** (best of 3) | {args.leads:,} leads × {args.activities:,} activities | "
          f"**{best:.2f} s** wall (runs: {', '.join(f'{x:.2f}' for x in times)}; "
          f"CPU {min(cpu):.2f} s) |")  # fmt: skip
    print(f"| BusinessCalendar.elapsed | {args.leads:,} pairs | {t_elapsed:.3f} s |")
    print(f"| BusinessCalendar.add | {args.leads:,} instants | {t_add:.3f} s |")
    print(f"| plain-Python twin, first-touch status | {sample.size:,} leads | {t_twin:.2f} s "
          f"({per_lead_twin * 1e6:,.0f} µs/lead vs {per_lead_engine * 1e6:.2f} µs/lead in evaluate, "
          f"≈{per_lead_twin / per_lead_engine:,.0f}×; {mismatches} mismatches) |")  # fmt: skip
    s = report.summary
    print()
    print(f"in scope {s['in_scope']:,}; first touch met {s['first_touch_met']:,} / breached "
          f"{s['first_touch_breached']:,}; breaches listed {s['breaches']:,}; "
          f"periods rows {report.periods.n_rows}; daily rows {report.daily.n_rows}")  # fmt: skip


if __name__ == "__main__":
    main()
