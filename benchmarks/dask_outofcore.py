"""Out-of-core attribution on Dask: >= 10^8 touches in Parquet partitions on disk.

Usage::

    python benchmarks/dask_outofcore.py generate --touches 100_000_000 --out /work/bench-data
    python benchmarks/dask_outofcore.py run --data /work/bench-data --workers 2 --models linear markov

``generate`` writes one Parquet file per chunk of ~10^6 touches (vectorised generator, fixed
seed), each file a contiguous range of ``lead_id`` (int64, sorted), so Dask reads the files
with *known divisions* on the journey key and no shuffle is needed (see ``docs/dask.md``).
Conversion columns (``converted_at``, ``revenue``) sit on the touch rows.

``run`` measures, in the same run:

* the in-memory baseline: ``alignment.attribute(frame, model=...)`` on the first 10 files
  (~10^7 touches) as one pandas frame, warm (best of ``--repeat`` = 3 by CPU time);
  per-core throughput = touches / CPU-seconds of the process (every thread);
* out of core: a ``LocalCluster(processes=True, threads_per_worker=1)`` of 2 workers (memory
  limit 8 GB each; the settings of ``_worker_config``) runs
  ``alignment.attribute(dd.read_parquet(..., dtype_backend="pyarrow"), model=...)`` and
  ``.totals()`` on all the files (after a warm-up call on 2 files; best of ``--repeat`` calls
  by CPU time, as in memory, every call printed); per-core throughput =
  touches / (CPU-seconds of the worker processes + of this process, which holds the client
  and the scheduler), and per wall-second and worker = touches / (wall x workers).

The ratios to the in-memory per-core throughput are printed with the load average.  Peak
memory = peak RSS of each worker process, sampled every 0.2 s.  The data never sit in memory
as a whole.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

CHANNELS = np.array(
    [
        "direct",
        "display",
        "email",
        "events",
        "organic",
        "paid_search",
        "partner",
        "referral",
        "retargeting",
        "social",
        "video",
        "webinar",
    ],
    dtype=object,
)
PROBS = np.array([0.12, 0.08, 0.14, 0.03, 0.13, 0.15, 0.04, 0.06, 0.08, 0.09, 0.04, 0.04])
T0 = np.datetime64("2024-01-01T00:00:00", "us")
DAY_US = 86_400_000_000


def generate_chunk(rng: np.random.Generator, first_lead: int, n_touches: int) -> dict[str, Any]:
    """About ``n_touches`` touches of consecutive leads starting at ``first_lead`` (vectorised)."""
    n_leads = max(1, n_touches // 6)
    lengths = rng.geometric(1 / 6, size=n_leads).astype(np.int64)
    n = int(lengths.sum())
    lead = np.repeat(np.arange(first_lead, first_lead + n_leads, dtype=np.int64), lengths)
    offsets = np.zeros(n_leads + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    start = rng.integers(0, 365 * DAY_US, size=n_leads)
    gaps = rng.exponential(3.0 * DAY_US, size=n).astype(np.int64)
    cum = np.cumsum(gaps)
    base = np.repeat(cum[offsets[:-1]] - gaps[offsets[:-1]], lengths)
    t = np.repeat(start, lengths) + (cum - base)
    chan = rng.choice(CHANNELS.size, size=n, p=PROBS).astype(np.int32)
    converted = rng.random(n_leads) < 0.10
    last = t[offsets[1:] - 1]
    conv_at = np.where(converted, last + rng.exponential(2.0 * DAY_US, size=n_leads), 0)
    revenue = np.where(converted, np.round(rng.lognormal(8.0, 1.0, size=n_leads), 2), np.nan)
    conv_us = np.repeat(conv_at.astype(np.int64), lengths)
    conv_ok = np.repeat(converted, lengths)
    return {
        "lead_id": lead,
        "timestamp": (T0 + t.astype("timedelta64[us]")),
        "channel": chan,
        "converted_at": np.where(
            conv_ok, T0 + conv_us.astype("timedelta64[us]"), np.datetime64("NaT")
        ),
        "revenue": np.repeat(revenue, lengths),
        "n_leads": n_leads,
    }


def generate(total: int, out: Path, chunk: int, seed: int = 0) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written, first, part = 0, 0, 0
    dict_type = pa.dictionary(pa.int32(), pa.string())
    channel_values = pa.array(CHANNELS.tolist(), type=pa.string())
    t_start = time.perf_counter()
    while written < total:
        c = generate_chunk(rng, first, min(chunk, total - written))
        table = pa.table(
            {
                "lead_id": pa.array(c["lead_id"]),
                "timestamp": pa.array(c["timestamp"], type=pa.timestamp("us", tz="UTC")),
                "channel": pa.DictionaryArray.from_arrays(
                    pa.array(c["channel"]), channel_values
                ).cast(dict_type),
                "converted_at": pa.array(c["converted_at"], type=pa.timestamp("us", tz="UTC")),
                "revenue": pa.array(c["revenue"], from_pandas=True),
            }
        )
        pq.write_table(table, out / f"part-{part:05d}.parquet", row_group_size=1 << 20)
        written += table.num_rows
        first += int(c["n_leads"])
        part += 1
        if part % 10 == 0:
            print(f"  {written:,} touches, {first:,} leads, {time.perf_counter() - t_start:.0f} s")
    meta = {"touches": written, "leads": first, "files": part, "seed": seed}
    (out / "_meta.json").write_text(json.dumps(meta))
    print(json.dumps(meta), f"{time.perf_counter() - t_start:.0f} s")


class _MemorySampler:
    """Peak RSS of each worker process, sampled every ``interval`` seconds."""

    def __init__(self, pids: list[int], interval: float = 0.2) -> None:
        import psutil

        self.procs = [psutil.Process(p) for p in pids]
        self.peak = [0] * len(pids)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            for i, p in enumerate(self.procs):
                try:
                    self.peak[i] = max(self.peak[i], p.memory_info().rss)
                except Exception:  # pragma: no cover - a worker restarted
                    pass
            self._stop.wait(self.interval)

    def __enter__(self) -> _MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _cpu(pids: list[int]) -> list[float]:
    import psutil

    out = []
    for p in pids:
        t = psutil.Process(p).cpu_times()
        out.append(t.user + t.system)
    return out


def in_memory(files: list[str], models: list[str], repeat: int = 3) -> dict[str, dict[str, float]]:
    """The baseline: ``alignment.attribute`` on the same rows as ONE in-memory pandas frame.

    Per model: a first call (not timed), then the best of ``repeat`` warm calls by CPU time
    of this process (every thread); ``per_core`` = touches / CPU-seconds.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    import alignment

    frame = pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()
    out: dict[str, dict[str, float]] = {}
    for model in models:
        alignment.attribute(frame, model=model)
        best = (float("inf"), float("inf"))
        for _ in range(repeat):
            w, c = time.perf_counter(), time.process_time()
            alignment.attribute(frame, model=model)
            best = min(best, (time.process_time() - c, time.perf_counter() - w))
        out[model] = {"touches": len(frame), "cpu_s": best[0], "wall_s": best[1]}
        out[model]["per_core"] = len(frame) / best[0]
        print(
            f"in memory  {model:<8} {len(frame):>12,} touches  cpu {best[0]:6.2f} s  "
            f"wall {best[1]:6.2f} s  {out[model]['per_core'] / 1e6:6.2f} M touches per CPU-s",
            flush=True,
        )
    del frame
    return out


def breakdown(files: list[str], arrow: bool, model: str = "linear", repeat: int = 3) -> None:
    """CPU time per partition of ~10^6 touches, step by step, in this process (no cluster)."""
    import pyarrow as pa

    import alignment
    import dask

    def cpu(fn: Any) -> float:
        best = float("inf")
        for _ in range(repeat):
            c = time.process_time()
            fn()
            best = min(best, time.process_time() - c)
        return 1000 * best / len(files)

    parts = _read(files, False, arrow).to_delayed()
    frames = [p.compute(scheduler="sync").reset_index() for p in parts]
    kind = "pandas"
    if arrow:  # what the backend hands the engine: the partition's Arrow arrays as a table
        frames = [pa.Table.from_pandas(f, preserve_index=False) for f in frames]
        kind = "Arrow"
    with dask.config.set(scheduler="synchronous"):
        steps = [
            (
                f"read: Parquet -> {kind}-backed pandas (the read task)",
                cpu(lambda: dask.compute(*parts)),
            ),
            (
                f"engine: alignment.attribute({kind} partition, model={model!r})",
                cpu(lambda: [alignment.attribute(f, model=model) for f in frames]),
            ),
            (
                "the Dask call, synchronous scheduler (read + engine + graph + combine)",
                cpu(lambda: alignment.attribute(_read(files, False, arrow), model=model).totals()),
            ),
        ]
    print()
    print(f"CPU ms per partition (mean of {len(files)} files, best of {repeat}), {model}:")
    for label, ms in steps:
        print(f"- {label}: {ms:.1f} ms")


def _read(files: list[str], shuffle: bool, arrow: bool) -> Any:
    """The touches as Dask reads them: Arrow-backed partitions unless ``arrow`` is False."""
    import dask.dataframe as dd

    backend = {"dtype_backend": "pyarrow"} if arrow else {}
    if shuffle:  # the key as a plain column: alignment must shuffle on it
        return dd.read_parquet(files, **backend)
    return dd.read_parquet(files, index="lead_id", calculate_divisions=True, **backend)


def _one_run(
    client: Any, pids: list[int], files: list[str], model: str, shuffle: bool, arrow: bool
) -> dict[str, Any]:
    """One timed out-of-core call: wall, CPU of every worker and of this process (the client
    and, in a LocalCluster, the scheduler), peak RSS per worker."""
    import alignment

    ddf = _read(files, shuffle, arrow)
    cpu0, client0 = _cpu(pids), time.process_time()
    load0 = os.getloadavg()[0]
    with _MemorySampler(pids) as mem:
        t = time.perf_counter()
        res = alignment.attribute(ddf, model=model)
        totals = res.totals()
        elapsed = time.perf_counter() - t
    cpu = [b - a for a, b in zip(cpu0, _cpu(pids))]
    client_cpu = time.process_time() - client0
    n_touches = res.summary()["touches"]
    return {
        "model": model,
        "workers": len(pids),
        "files": len(files),
        "touches": n_touches,
        "shuffled": res.shuffled,
        "seconds": elapsed,
        "cpu_s_per_worker": cpu,
        "client_cpu_s": client_cpu,
        "peak_rss_gb_per_worker": [round(p / 1e9, 2) for p in mem.peak],
        "load_avg_1min": [round(load0, 1), round(os.getloadavg()[0], 1)],
        "attributed_revenue": round(sum(totals.values()), 2),
        "unattributed_revenue": round(res.unattributed.total, 2),
    }


def run(
    data: Path,
    workers: list[int],
    models: list[str],
    limit: int | None,
    shuffle: bool = False,
    baseline_files: int = 10,
    defaults: bool = False,
    arrow: bool = True,
    repeat: int = 3,
) -> list[dict[str, Any]]:
    from distributed import Client, LocalCluster

    import dask

    files = sorted(str(p) for p in data.glob("part-*.parquet"))
    if limit:
        files = files[:limit]
    print(
        "workers: "
        + (
            "Dask's defaults"
            if defaults
            else "without MALLOC_TRIM_THRESHOLD_, profiler off, periodic checks every 1 s"
        )
    )
    print("partitions: " + ("Arrow-backed (dtype_backend='pyarrow')" if arrow else "NumPy-backed"))
    base = in_memory(files[:baseline_files], models, repeat)
    breakdown(files[:5], arrow)
    rows: list[dict[str, Any]] = []
    for nw in workers:
        with (
            dask.config.set(_worker_config(defaults)),
            LocalCluster(
                n_workers=nw,
                threads_per_worker=1,
                processes=True,
                memory_limit="8GB",
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            pids = list(client.run(os.getpid).values())
            for model in models:
                _one_run(client, pids, files[:2], model, shuffle, arrow)  # warm-up
                runs = []
                for _ in range(repeat):
                    row = _one_run(client, pids, files, model, shuffle, arrow)
                    _throughput(row, base[model])
                    print(json.dumps(row), flush=True)
                    runs.append(row)
                rows.append(max(runs, key=lambda r: r["per_core_cpu"]))  # best of, as in memory
    print(f"\nbest of {repeat} by CPU time on each side (every run printed above)")
    _table(rows, base)
    return rows


def _worker_config(defaults: bool) -> dict[str, Any]:
    """The cluster's settings: Dask's defaults less three costs (unless ``defaults``).

    * ``MALLOC_TRIM_THRESHOLD_`` (set by the nanny) turns off glibc's adaptive mmap threshold,
      so every array over 128 KiB is a fresh mapping whose pages fault in (zeroed by the
      kernel) on first use: the workers spent about as much CPU time in the kernel as in the
      engine.
    * the statistical profiler samples the task thread every 10 ms: about half of an idle
      worker's CPU time.
    * the periodic checks (event-loop tick watchdog every 20 ms, system monitor every
      0.5 s, memory monitor every 0.1 s, work stealing every 0.1 s) run every second
      instead (the system monitor every 5 s): they cost the processes of a 2-worker cluster
      about 75 ms of CPU per second of wall time, 12 ms with these intervals.
    """
    import dask

    if defaults:
        return {}
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return {
        "distributed.nanny.pre-spawn-environ": environ,
        "distributed.worker.profile.enabled": False,
        **PERIODIC_CHECKS,
    }


#: the periodic checks of the scheduler, the nannies and the workers, run less often
PERIODIC_CHECKS = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing-interval": "1s",
}


def _throughput(row: dict[str, Any], base: dict[str, float]) -> None:
    """Touches per CPU-second (workers + client) and per wall-second and core, against the
    in-memory per-core throughput."""
    cpu = sum(row["cpu_s_per_worker"]) + row["client_cpu_s"]
    row["per_core_cpu"] = row["touches"] / cpu
    row["per_core_wall"] = row["touches"] / (row["seconds"] * row["workers"])
    row["ratio_cpu"] = row["per_core_cpu"] / base["per_core"]
    row["ratio_wall"] = row["per_core_wall"] / base["per_core"]
    row["cpu_s_per_worker"] = [round(c, 2) for c in row["cpu_s_per_worker"]]
    for k in ("seconds", "client_cpu_s", "ratio_cpu", "ratio_wall"):
        row[k] = round(row[k], 3)
    for k in ("per_core_cpu", "per_core_wall"):
        row[k] = round(row[k])


def _table(rows: list[dict[str, Any]], base: dict[str, dict[str, float]]) -> None:
    from _record import markdown_table

    out = []
    for r in rows:
        b = base[r["model"]]
        out.append(
            [
                r["model"],
                r["workers"],
                f"{r['touches']:,}",
                f"{r['seconds']:.1f}",
                ", ".join(f"{c:.1f}" for c in r["cpu_s_per_worker"]),
                f"{r['client_cpu_s']:.1f}",
                f"{b['per_core'] / 1e6:.2f}",
                f"{r['per_core_cpu'] / 1e6:.2f}",
                f"{r['ratio_cpu']:.0%}",
                f"{r['per_core_wall'] / 1e6:.2f}",
                f"{r['ratio_wall']:.0%}",
                ", ".join(f"{p:.2f}" for p in r["peak_rss_gb_per_worker"]),
                ", ".join(str(x) for x in r["load_avg_1min"]),
            ]
        )
    header = [
        "model",
        "workers",
        "touches",
        "wall (s)",
        "CPU s per worker",
        "client CPU s",
        "in memory M/CPU-s",
        "out of core M/CPU-s",
        "ratio (CPU)",
        "out of core M/(wall s x workers)",
        "ratio (wall)",
        "peak RSS GB per worker",
        "load avg (start, end)",
    ]
    print()
    print(markdown_table(header, out, align="lr" + "r" * (len(header) - 2)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--touches", type=int, default=100_000_000)
    g.add_argument("--out", type=Path, default=Path("/work/bench-data"))
    g.add_argument("--chunk", type=int, default=1_000_000)
    r = sub.add_parser("run")
    r.add_argument("--data", type=Path, default=Path("/work/bench-data"))
    r.add_argument("--workers", type=int, nargs="+", default=[2])
    r.add_argument("--models", nargs="+", default=["linear", "markov"])
    r.add_argument("--limit", type=int, default=None, help="use only the first N files")
    r.add_argument("--baseline-files", type=int, default=10, help="files of the in-memory run")
    r.add_argument(
        "--dask-defaults",
        action="store_true",
        help="Dask's defaults (MALLOC_TRIM_THRESHOLD_=65536, the profiler on, checks 10-50 per s)",
    )
    r.add_argument(
        "--numpy-partitions",
        action="store_true",
        help="read the partitions NumPy-backed (dask's default dtype_backend)",
    )
    r.add_argument(
        "--repeat", type=int, default=3, help="timed calls per model, on each side (best of)"
    )
    r.add_argument("--json", type=Path, default=None)
    r.add_argument(
        "--shuffle", action="store_true", help="read lead_id as a column (forces the shuffle)"
    )
    args = ap.parse_args()
    if args.cmd == "generate":
        generate(args.touches, args.out, args.chunk)
        return
    from _record import captured  # (benchmarks/_record.py: the RESULTS.md fragment)

    title = "Dask: out-of-core attribution (`benchmarks/dask_outofcore.py`)"
    with captured("dask_outofcore", title, order=70):
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, "
            f"python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
        )
        rows = run(
            args.data,
            args.workers,
            args.models,
            args.limit,
            args.shuffle,
            args.baseline_files,
            args.dask_defaults,
            not args.numpy_partitions,
            args.repeat,
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
