"""Attribution at 10^7 touches: the first call against warm calls, memory, the touch-level frame.

Usage::

    python benchmarks/scale.py                                  # 10^7 touches, Polars, int ids
    python benchmarks/scale.py --journeys 1666667 --models linear,position_based,markov

Each model runs in a fresh process (so that its first call is a real first call: imports,
first-touch pages).  The library's modules are byte-compiled once beforehand, into a temporary
cache (``PYTHONPYCACHEPREFIX``, by a small untimed run of each model), as installing a
package does: a checkout run with
``PYTHONDONTWRITEBYTECODE`` would otherwise compile every module of the library in each first
call (about 0.1 s of CPU), which no installed copy does; ``--source`` measures that case.  The
data of ``benchmarks/attribution.py`` (1 + Poisson(5) touches per
journey, 12 string channels, ~10 % converting, rows shuffled, integer lead ids) as Polars frames,
then

* ``first call``: the first ``alignment.attribute(touches, conversions, model=...)`` of the
  process, and ``warm``: the best of three later calls (``first / warm`` is the ratio), with
  the CPU time of the process (every thread) during each: on a loaded machine the wall time
  varies, the CPU time much less;
* ``peak +MB``: the rise of the resident-set high-water mark during the first call (Linux
  ``VmHWM`` reset through ``/proc/self/clear_refs``) over the input frames (whose size is shown),
  and ``traced``: the peak of numpy's allocations (``tracemalloc``) during a later call;
* ``to_frame``: ``result.to_frame(level="touch")`` (one row per input touch, in the caller's
  order) of a warm result: its time (and over the warm call's), the rise of the high-water mark
  during it and the size of the frame it returns.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from typing import Any

from _record import captured, markdown_table

import alignment
from attribution import make_data, to_polars


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def _reset_peak() -> float:
    gc.collect()
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return _status_mb("VmRSS")


def child(journeys: int, model: str) -> dict[str, Any]:
    """Everything measured in this (fresh) process for one model."""
    data = make_data(journeys, keys="int")
    touches, conversions = to_polars(data["touch"]), to_polars(data["conv"])
    del data
    warnings.simplefilter("ignore", alignment.AlignmentWarning)
    out: dict[str, Any] = {"touches": touches.height, "input_mb": touches.estimated_size() / 2**20}
    out["input_mb"] += conversions.estimated_size() / 2**20
    base = _reset_peak()
    t, c = time.perf_counter(), time.process_time()
    result = alignment.attribute(touches, conversions, model=model)
    out["first"], out["first_cpu"] = time.perf_counter() - t, time.process_time() - c
    out["peak_mb"] = _status_mb("VmHWM") - base
    del result
    gc.collect()
    tracemalloc.start()
    result = alignment.attribute(touches, conversions, model=model)
    out["traced_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    del result
    warm = []
    for _ in range(3):
        gc.collect()
        t, c = time.perf_counter(), time.process_time()
        result = alignment.attribute(touches, conversions, model=model)
        warm.append((time.perf_counter() - t, time.process_time() - c))
    out["warm"], out["warm_cpu"] = min(warm)
    if result.kind == "touch":
        base = _reset_peak()
        t = time.perf_counter()
        frame = result.to_frame(level="touch")
        out["to_frame"] = time.perf_counter() - t
        out["to_frame_peak_mb"] = _status_mb("VmHWM") - base
        out["frame_mb"] = frame.estimated_size() / 2**20
    return out


def _compiled_env(models: list[str]) -> dict[str, str]:
    """An environment whose processes read byte-compiled modules: a small untimed run of each
    model compiles, into a temporary cache, every module a first call imports."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache = tempfile.mkdtemp(prefix="scale-pycache-")
    atexit.register(shutil.rmtree, cache, ignore_errors=True)
    for model in models:
        cmd = [sys.executable, __file__, "--journeys", "20000", "--child", model]
        subprocess.run(cmd, capture_output=True, check=True, env=env)
    return env


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--journeys", type=int, default=1_666_667, help="~6 touches each")
    ap.add_argument("--models", default="linear,position_based,markov")
    ap.add_argument(
        "--source", action="store_true", help="no byte-compiled library: compiled in each call"
    )
    ap.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.journeys, args.child)))
        return
    models = args.models.split(",")
    env = None if args.source else _compiled_env(models)
    rows = []
    for model in models:
        cmd = [sys.executable, __file__, "--journeys", str(args.journeys), "--child", model]
        run = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
        got = json.loads(run.stdout)
        row = [
            model,
            f"{got['touches']:,}",
            f"{got['input_mb']:.0f}",
            f"{got['first']:.3f}",
            f"{got['warm']:.3f}",
            f"{got['first'] / got['warm']:.2f}",
            f"{got['first_cpu']:.3f} / {got['warm_cpu']:.3f}",
            f"{got['peak_mb']:.0f}",
            f"{got['traced_mb']:.0f}",
        ]
        if "to_frame" in got:
            row += [
                f"{got['to_frame']:.3f}",
                f"{got['to_frame'] / got['warm']:.2f}",
                f"{got['to_frame_peak_mb']:.0f}",
                f"{got['frame_mb']:.0f}",
            ]
        else:
            row += ["—"] * 4
        rows.append(row)
        print(" | ".join(row), flush=True)
    header = [
        "model",
        "touches",
        "input MB",
        "first call (s)",
        "warm (s)",
        "first / warm",
        "CPU s first / warm",
        "peak +MB (first call)",
        "traced MB",
        "to_frame touch (s)",
        "to_frame / warm",
        "to_frame peak +MB",
        "frame MB",
    ]
    print()
    print(markdown_table(header, rows, align="l" + "r" * (len(header) - 1)))


if __name__ == "__main__":
    if "--child" in sys.argv:
        main()
    else:
        with captured("scale", "Attribution at 10^7 touches (`benchmarks/scale.py`)", order=12):
            main()
