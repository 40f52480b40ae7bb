"""Time ``alignment.io.read_crm`` on a Salesforce export, then the first attribution.

Usage::

    python benchmarks/read_crm.py                              # 10^5 and 10^6 persons, CSV
    python benchmarks/read_crm.py --sizes 100000 --format parquet
    python benchmarks/read_crm.py --folder /tmp/sf_export_1000000_csv    # an existing export

For each size the export is written by ``make_salesforce_export.py`` (not timed; reused when
the folder already holds it), then the benchmark times

* ``read``: ``alignment.io.read_crm("salesforce", folder, tz="America/New_York",
  dayfirst=False, columns={"Lead": {"MQL_Date__c": "mql_at"}})``;
* ``attribute``: the first ``alignment.attribute(crm, model="linear")`` on the result (through
  ``crm.journeys()`` when ``attribute`` does not take a ``CRMData`` yet);
* ``score``, ``observe``, ``closed loop``: the first ``alignment.score(crm)``,
  ``alignment.funnel.observe(crm)`` and ``alignment.closed_loop(crm, by="source")`` after it,
  then ``attribute again``: a second attribution (the bundle's codes are factorised on first
  use, by whichever engine reads them first);

and, before each read, ``pyarrow`` / ``pyarrow CPU s``: the floor, PyArrow alone reading the
same columns of the same files (``pyarrow.csv.read_csv`` every mapped column as text, or
``pyarrow.parquet.read_table``); ``read / pyarrow`` is the ratio of the wall times.  It
checks that the read conserved the won revenue and the campaign costs written in the
export's ``totals.txt``.  ``peak RSS`` is the process's high-water mark after the step (it
includes the generator's when the export was written in the same run).  ``read s`` is the
best of ``--repeat`` reads; the first line printed names the machine, its load and the
versions.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import alignment

HERE = Path(__file__).resolve().parent
READ_ARGS: dict[str, Any] = {
    "tz": "America/New_York",
    "dayfirst": False,
    "columns": {"Lead": {"MQL_Date__c": "mql_at"}},
}


def _io() -> Any:
    """``alignment.io``, imported only now (the benchmark file imports without it)."""
    try:
        return importlib.import_module("alignment.io")
    except ImportError as exc:
        sys.exit(f"alignment.io is not available in this checkout ({exc}); nothing to time")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export(n: int, fmt: str, root: Path) -> Path:
    """The folder of an ``n``-person export, written now unless it is there already."""
    folder = root / f"sf_export_{n}_{fmt}_created"  # (rows in creation order)
    if not (folder / "totals.txt").is_file():
        sys.path.insert(0, str(HERE))
        import make_salesforce_export as gen

        files, totals = gen.build(n)
        gen.write(files, folder, fmt)
        gen.write_totals(folder, files, totals)
    return folder


def totals(folder: Path) -> dict[str, float]:
    """``totals.txt`` of an export (``key = value`` lines)."""
    out = {}
    for line in (folder / "totals.txt").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(" = ")
        out[key.strip()] = float(value)
    return out


def attribute(crm: Any) -> tuple[Any, str]:
    """The linear attribution of the read CRM (and how it was called)."""
    try:
        return alignment.attribute(crm, model="linear"), "crm"
    except alignment.AlignmentError:
        return alignment.attribute(crm.journeys(), model="linear"), "crm.journeys()"


ENGINES: dict[str, Any] = {
    "score s": lambda crm: alignment.score(crm),
    "observe s": lambda crm: alignment.funnel.observe(crm),
    "closed loop s": lambda crm: alignment.closed_loop(crm, by="source"),
    "attribute again s": lambda crm: alignment.attribute(crm, model="linear"),
}
"""The other engines on the read bundle, after the first attribution, in this order."""


def machine() -> str:
    """The machine, its load and the versions, in one line."""
    versions = [f"Python {platform.python_version()}", f"numpy {np.__version__}"]
    for name in ("pyarrow", "polars"):
        try:
            versions.append(f"{name} {importlib.import_module(name).__version__}")
        except ImportError:
            versions.append(f"no {name}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = os.environ.get("ALIGNMENT_NUM_THREADS", "default")
    huge = os.environ.get("NUMPY_MADVISE_HUGEPAGE", "default")
    cpu = platform.processor() or platform.system()
    info = Path("/proc/cpuinfo")
    if info.is_file():
        names = [x for x in info.read_text().splitlines() if x.startswith("model name")]
        cpu = names[0].split(":", 1)[1].strip() if names else cpu
    return (
        f"{cpu} ({platform.machine()}), {cpus} CPUs, "
        f"load average {load}; {', '.join(versions)}; alignment {alignment.__version__}; "
        f"ALIGNMENT_NUM_THREADS={threads}; NUMPY_MADVISE_HUGEPAGE={huge}"
    )


def _mapped(io: Any, path: Path, names: list[str]) -> list[str]:
    """The columns of one export file that ``read_crm`` reads (those the preset maps)."""
    preset = io.SALESFORCE.with_columns(READ_ARGS["columns"])
    stem = path.name.split(".")[0]
    tables = [t for t in preset.tables if t.name == stem]
    mapped = {theirs for t in tables for theirs, ours in t.columns.items() if ours is not None}
    return [n for n in names if n in mapped]


def bare_read(folder: Path) -> tuple[float, float]:
    """The floor: wall and CPU seconds of PyArrow alone reading the same columns of the same
    files (``pyarrow.csv.read_csv`` every column as text, ``pyarrow.parquet.read_table``)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    io = _io()
    files = sorted(f for f in folder.iterdir() if f.suffix in (".csv", ".parquet"))
    t0, c0 = time.perf_counter(), time.process_time()
    for path in files:  # a loop over the export's files
        if path.suffix == ".parquet":
            names = pq.read_schema(path).names
            pq.read_table(path, columns=_mapped(io, path, names))
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            names = [n.strip() for n in next(csv.reader(fh))]
        cols = _mapped(io, path, names)
        convert = pcsv.ConvertOptions(
            include_columns=cols, column_types={n: pa.string() for n in cols}
        )
        pcsv.read_csv(path, convert_options=convert)
    return time.perf_counter() - t0, time.process_time() - c0


def run(folder: Path, repeat: int = 1) -> dict[str, Any]:
    """Time the read (best of ``repeat``, alternating with the bare PyArrow read of the same
    files) and the first attribution of one export folder."""
    io = _io()
    expected = totals(folder)
    best = best_cpu = floor = floor_cpu = float("inf")
    for _ in range(repeat):  # (the result of the last read is used below)
        wall, cpu = bare_read(folder)
        floor, floor_cpu = min(floor, wall), min(floor_cpu, cpu)
        t0, c0 = time.perf_counter(), time.process_time()
        crm = io.read_crm("salesforce", folder, **READ_ARGS)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    peak_read = _peak_mb()
    t1 = time.perf_counter()
    _, how = attribute(crm)
    t2 = time.perf_counter()
    engines = {}
    for label, call in ENGINES.items():  # (a loop over four calls)
        t = time.perf_counter()
        call(crm)
        engines[label] = time.perf_counter() - t
    deals = crm.deals
    won = float(np.asarray(deals["amount"])[np.asarray(deals["won"], bool)].sum())
    cost = float(np.asarray(crm.costs["cost"]).sum())
    size = sum(f.stat().st_size for f in folder.iterdir() if f.name != "totals.txt")
    return {
        "persons": crm.n_leads,
        "files MB": size / 2**20,
        "read s": best,
        "read CPU s": best_cpu,
        "pyarrow s": floor,
        "pyarrow CPU s": floor_cpu,
        "read / pyarrow": best / floor,
        "peak RSS MB": peak_read,
        "load": os.getloadavg()[0],
        "attribute s": t2 - t1,
        **engines,
        "via": how,
        "touches": int(crm.touchpoints["lead_id"].size),
        "deals": int(deals["deal_id"].size),
        "issue rows": crm.issues.n_rows(),
        "won revenue kept": bool(np.isclose(won, expected["won_amount"], rtol=0, atol=0.5)),
        "cost kept": bool(np.isclose(cost, expected["actual_cost"], rtol=0, atol=0.5)),
    }


def _table(rows: list[dict[str, Any]]) -> str:
    names = list(rows[0])

    def cell(v: Any) -> str:
        if isinstance(v, bool):
            return "yes" if v else "NO"
        return f"{v:,.1f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)

    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(cell(r[k]) for k in names) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="persons, comma-separated")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--folder", type=Path, help="time this export folder only")
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")))
    parser.add_argument("--repeat", type=int, default=1, help="reads per export (best kept)")
    args = parser.parse_args(argv)
    print(machine(), flush=True)
    _io()  # fail early, before writing exports
    if args.folder:
        folders = [args.folder]
    else:
        folders = [export(int(n), args.format, args.root) for n in args.sizes.split(",")]
    rows = []
    for folder in folders:
        rows.append({"export": folder.name, **run(folder, args.repeat)})
        print(_table(rows[-1:]), flush=True)
    print()
    print(_table(rows))


if __name__ == "__main__":
    from _record import captured  # (benchmarks/_record.py: the RESULTS.md fragment)

    with captured("read_crm", "Reading a CRM export (`benchmarks/read_crm.py`)", order=50):
        main()
