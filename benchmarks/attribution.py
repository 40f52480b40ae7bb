"""Attribution benchmark: end to end from an unsorted long frame, kernels, memory, baseline.

Usage::

    python benchmarks/attribution.py                       # 10^4 and 10^5 journeys
    python benchmarks/attribution.py --sizes 1000000       # 10^6 once, at the end
    python benchmarks/attribution.py --sizes 10000 --models linear,markov --profile

Synthetic data (seeded): ``n`` journeys, touches per journey 1 + Poisson(5) (mean ~6),
12 string channels, ~10% of journeys converting, rows shuffled (unsorted input).  For each
model it reports

* ``e2e pandas`` / ``e2e polars``: ``alignment.attribute(frame, conversions_frame, model=...)``
  from the unsorted frames (reading, validation, sorting, factorising, model, result);
* ``build``: ``Journeys.build`` alone, per backend (the table-building share of e2e);
* ``engine``: ``alignment.attribute(journeys, model=...)`` on a prebuilt ``Journeys``;
* ``kernel``: ``model.weights(journeys)`` (rule models) or ``model.channel_credit(journeys)``
  (data-driven) on the prebuilt, already-eligible ``Journeys``;
* ``peak MB``: measured in a **fresh process** per model (the first call, as a user sees it):
  peak traced memory (``tracemalloc``, numpy allocations) of the pandas end-to-end call, and
  the rise of the process's resident-set high-water mark during it (Linux: ``VmHWM`` after
  resetting it through ``/proc/self/clear_refs``), which also counts pyarrow's, Polars' and
  scipy's own buffers and the modules the call imports; both above the input frames.
* ``/ int``: with ``--keys int,str`` (or ``int,str,cat``), the end-to-end time with string lead
  ids over the time with integer lead ids (same journeys, same run, interleaved);
* ``lead ids alone``: the touches' lead ids made into sorted codes, by the library's kernel and
  by the compiled hash tables of pandas, PyArrow and Polars (``pandas.factorize(sort=True)``,
  ``dictionary_encode`` and a sort of the distinct values, ``rank("dense")``): the share of the
  end-to-end time that grouping rows by string ids costs any reader of these frames.

``--keys`` chooses the lead ids: ``int`` (integer ids in a range twice their count, as
Marketo numbers them), ``wide`` (integer ids spread over 10^10, as HubSpot's record ids are:
the same hashing as text, no dense range),
``str`` (short ``"L123"``-style ids, at most 7 bytes: one 64-bit word each, numbered: the
library counts them rather than hashing them), ``sfid``
(18-character Salesforce ids such as ``00Q5g00000AbCdEFGH``, as Salesforce exports them: three
words each, a shared prefix) and/or ``cat`` (the ``str`` ids held as pandas ``category`` /
Polars ``Categorical``: the library reuses the dictionary).  Channels are strings in all.

It also times a plain-numpy linear-attribution baseline on the same data (np.unique on the
string keys, lexsort, bincount), and, when installed, nothing else (``channelattribution`` and
``marketing-attribution-models`` are optional: listed as "not installed").
Best of ``--repeat`` runs.  Results: ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import platform
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from _record import captured, markdown_table

import alignment
from alignment.plugins import get_attribution_model
from alignment.tables import Journeys

N_CHANNELS = 12
CHANNELS = np.array(
    [
        "direct",
        "email",
        "paid_search",
        "organic_search",
        "social_paid",
        "social_organic",
        "display",
        "referral",
        "webinar",
        "events",
        "affiliate",
        "video",
    ]
)
T0 = np.datetime64("2024-01-01T00:00:00", "us")


def make_data(n: int, seed: int = 42, keys: str = "str") -> dict[str, Any]:
    """Unsorted long touch arrays and a conversion table for ``n`` journeys.

    ``keys="str"``: lead ids like ``"L123"``; ``keys="int"``: integer lead ids (as CRMs such as
    Marketo export them), spread over a range twice the number of leads; ``keys="wide"``:
    integer ids spread over 10^10 (HubSpot's record ids); ``keys="sfid"``: 18-character Salesforce ids (:func:`salesforce_ids`).  The ids are drawn
    from generators of their own: the journeys, conversions and row order are the same for
    every kind of id.
    """
    rng = np.random.default_rng(seed)
    lengths = 1 + rng.poisson(5.0, size=n)
    n_t = int(lengths.sum())
    jid = np.repeat(np.arange(n), lengths)
    # journey start within a year, touches spread over ~60 days after it
    start = rng.integers(0, 365 * 86_400, size=n)
    secs = start[jid] + rng.integers(0, 60 * 86_400, size=n_t)
    ts = T0 + (secs * 1_000_000).astype("timedelta64[us]")
    # channel popularity is skewed; a few channels more likely late in journeys
    p = rng.dirichlet(np.ones(N_CHANNELS) * 2.0)
    ch = rng.choice(N_CHANNELS, size=n_t, p=p)
    if keys == "str":
        lead_keys: np.ndarray = np.char.add("L", np.arange(n).astype("U8"))
    elif keys == "wide":  # (own generator: ids with no dense range, as HubSpot's)
        wide = np.random.default_rng(seed + 3).choice(10**10, size=n, replace=False)
        lead_keys = 10**9 + np.sort(wide).astype(np.int64)
    elif keys == "sfid":  # (own generator: the same journeys as "str", other ids)
        lead_keys = salesforce_ids(n, np.random.default_rng(seed + 1))
    else:  # (own generator too: every kind of id gets the same journeys and conversions)
        ids = np.random.default_rng(seed + 2).choice(2 * n, size=n, replace=False)
        lead_keys = 1_000_000 + np.sort(ids).astype(np.int64)
    converted = rng.random(n) < 0.10
    last = np.zeros(n, dtype=np.int64)
    np.maximum.at(last, jid, secs)
    conv_secs = last + rng.integers(-2 * 86_400, 5 * 86_400, size=n)  # some touches after
    perm = rng.permutation(n_t)
    return {
        "touch": {
            "lead_id": lead_keys[jid][perm],
            "timestamp": ts[perm],
            "channel": CHANNELS[ch][perm],
        },
        "conv": {
            "lead_id": lead_keys[converted],
            "converted_at": T0 + (conv_secs[converted] * 1_000_000).astype("timedelta64[us]"),
            "revenue": np.round(rng.lognormal(8.0, 1.0, size=int(converted.sum())), 2),
        },
        "n_touches": n_t,
    }


BASE62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
CASE_SAFE = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", np.uint8)


def salesforce_ids(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct 18-character Salesforce-style Lead ids, in creation order: key prefix
    ``00Q``, instance ``5g``, ``0``, a 9-character base-62 record number (increasing, with
    gaps) and the 3-character case-safe suffix Salesforce computes from the 15 characters
    (one character per 5, from the positions of its upper-case letters)."""
    record = np.cumsum(rng.integers(1, 120, size=n, dtype=np.int64)) + 62**5
    chars = np.empty((n, 18), dtype=np.uint8)
    chars[:, :6] = np.frombuffer(b"00Q5g0", np.uint8)
    for pos in range(14, 5, -1):  # base 62, last character first
        record, digit = np.divmod(record, 62)
        chars[:, pos] = BASE62[digit]
    upper = (chars[:, :15] >= ord("A")) & (chars[:, :15] <= ord("Z"))
    weights = 1 << np.arange(5)
    for chunk in range(3):
        chars[:, 15 + chunk] = CASE_SAFE[upper[:, 5 * chunk : 5 * chunk + 5] @ weights]
    out: np.ndarray = chars.view("S18").ravel().astype("U18")
    return out


def frames(n: int, keys: str) -> tuple[dict[str, Any], tuple[Any, Any], tuple[Any, Any]]:
    """The data and its pandas and Polars frames (touches, conversions) for one kind of ids.

    ``keys="cat"``: the string ids of ``"str"``, held as pandas ``category`` / Polars
    ``Categorical`` columns (as a dictionary-encoded Parquet file or a categorical dtype gives
    them).
    """
    data = make_data(n, keys="str" if keys == "cat" else keys)
    touch, conv = data["touch"], data["conv"]
    pdf, pconv = to_pandas(touch), to_pandas(conv)
    plf, plconv = to_polars(touch), to_polars(conv)
    if keys == "cat":
        import polars as pl

        pdf["lead_id"] = pdf["lead_id"].astype("category")
        pconv["lead_id"] = pconv["lead_id"].astype("category")
        plf = plf.with_columns(pl.col("lead_id").cast(pl.Categorical))
        plconv = plconv.with_columns(pl.col("lead_id").cast(pl.Categorical))
    return data, (pdf, pconv), (plf, plconv)


def to_pandas(d: dict[str, np.ndarray]) -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            k: (pd.Series(v).dt.tz_localize("UTC") if v.dtype.kind == "M" else v)
            for k, v in d.items()
        }
    )


def to_polars(d: dict[str, np.ndarray]) -> Any:
    import polars as pl

    cols = {}
    for k, v in d.items():
        s = pl.Series(k, v)
        if v.dtype.kind == "M":
            s = s.dt.replace_time_zone("UTC")
        cols[k] = s
    return pl.DataFrame(cols)


CPU: dict[str, float] = {}


def best(fn: Callable[[], Any], repeat: int, label: str = "") -> float:
    """Best wall time of ``repeat`` runs; the matching process CPU time goes to ``CPU[label]``.

    On a shared machine the wall time includes waiting for a core; the CPU time does not
    (it can exceed the wall time when a library uses several threads).
    """
    times = []
    cpus = []
    for _ in range(repeat):
        gc.collect()
        c = time.process_time()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    if label:
        CPU[label] = min(cpus)
    return min(times)


def peak_mb(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def peak_rss_mb(fn: Callable[[], Any]) -> float:
    """Rise of the resident-set high-water mark during ``fn()`` (Linux; NaN elsewhere)."""
    try:
        gc.collect()
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset VmHWM to the current RSS
        base = _status_kb("VmRSS")
        fn()
        return (_status_kb("VmHWM") - base) / 1024
    except OSError:
        return float("nan")


def numpy_baseline(touch: dict[str, np.ndarray], conv: dict[str, np.ndarray]) -> np.ndarray:
    """Linear attribution by channel in plain numpy from the raw unsorted arrays."""
    keys, jcode = np.unique(touch["lead_id"], return_inverse=True)
    cpos = np.searchsorted(keys, conv["lead_id"])
    n = keys.size
    conv_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    rev = np.zeros(n)
    conv_at[cpos] = conv["converted_at"]
    rev[cpos] = conv["revenue"]
    chans, ccode = np.unique(touch["channel"], return_inverse=True)
    order = np.lexsort((touch["timestamp"], jcode))
    j = jcode[order]
    t = touch["timestamp"][order]
    elig = t < conv_at[j]
    cnt = np.bincount(j[elig], minlength=n)
    w = np.where(elig, 1.0 / np.maximum(cnt[j], 1), 0.0)
    return np.bincount(ccode[order], weights=w * rev[j], minlength=chans.size)


def numpy_kernel_baseline(offsets: np.ndarray, converted: np.ndarray) -> np.ndarray:
    """Linear weights on an already sorted CSR table (the kernel-level plain-numpy baseline)."""
    lengths = np.diff(offsets)
    per = np.where(converted & (lengths > 0), 1.0 / np.maximum(lengths, 1), 0.0)
    return np.repeat(per, lengths)


def profile_build(frame: Any, conv: Any, label: str) -> None:
    import cProfile
    import pstats

    pr = cProfile.Profile()
    pr.enable()
    Journeys.build(frame, conv)
    pr.disable()
    print(f"\n--- where Journeys.build time goes ({label}) ---")
    pstats.Stats(pr).sort_stats("cumulative").print_stats(18)


Row = tuple[int, str, str, float, float, float, float, float, float, float, float]


def fresh_memory(n: int, keys: str, model: str) -> tuple[float, float]:
    """Peak traced MB and peak RSS rise (MB) of one pandas end-to-end call in a new process."""
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, __file__, "--child-memory", f"{n}:{keys}:{model}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    got = json.loads(out.strip().splitlines()[-1])
    return float(got["traced"]), float(got["rss"])


def child_memory(spec: str) -> None:
    """(In the fresh process) build the frames, then measure one call; print JSON."""
    import json

    n_text, keys, model = spec.split(":")
    data, (pdf, pconv), _ = frames(int(n_text), keys)
    del data, _
    warnings.simplefilter("ignore", alignment.AlignmentWarning)

    def call() -> None:
        alignment.attribute(pdf, pconv, model=model)

    rss = peak_rss_mb(call)  # the first call: its imports and first-touch pages included
    traced = peak_mb(call)
    print(json.dumps({"traced": traced, "rss": rss}))


def prepare(n: int, keys: str, repeat: int) -> dict[str, Any]:
    """Frames of one size and kind of lead id, the build timings, the eligible journeys."""
    data, (pdf, pconv), (plf, plconv) = frames(n, keys)
    touch, conv = data["touch"], data["conv"]
    t_base = best(lambda: numpy_baseline(touch, conv), repeat, "base")
    t_build_pd = best(lambda: Journeys.build(pdf, pconv), repeat, "build_pd")
    t_build_pl = best(lambda: Journeys.build(plf, plconv), repeat, "build_pl")
    t_build_np = best(lambda: Journeys.build(touch, conv), repeat, "build_np")
    journeys = Journeys.build(plf, plconv)
    base_res = alignment.attribute(journeys, model="linear")
    totals = base_res.totals()
    np.testing.assert_allclose(
        [totals[c] for c in sorted(totals)], numpy_baseline(touch, conv), rtol=1e-9
    )
    # the eligible journeys the models see inside the engine
    mask = base_res.eligible
    eligible = journeys if bool(mask.all()) else journeys.select_touches(mask)
    print(
        f"\n== {n:,} journeys, {data['n_touches']:,} touches, "
        f"{conv['lead_id'].size:,} conversions, {keys} lead ids =="
    )
    conv_mask = np.asarray(eligible.converted)
    t_kbase = best(lambda: numpy_kernel_baseline(eligible.offsets, conv_mask), repeat, "kbase")
    print(
        f"numpy baseline, linear from raw string arrays to channel totals (np.unique, lexsort, "
        f"bincount): {t_base:.3f} s (cpu {CPU['base']:.3f}); numpy linear kernel on sorted "
        f"CSR: {t_kbase:.4f} s (cpu {CPU['kbase']:.4f})"
    )
    print(
        f"Journeys.build: pandas {t_build_pd:.3f} s (cpu {CPU['build_pd']:.3f}), polars "
        f"{t_build_pl:.3f} s (cpu {CPU['build_pl']:.3f}), dict of numpy {t_build_np:.3f} s "
        f"(cpu {CPU['build_np']:.3f})"
    )
    hash_floor(pdf, plf, repeat)
    return {"pd": (pdf, pconv), "pl": (plf, plconv), "journeys": journeys, "eligible": eligible}


def hash_floor(pdf: Any, plf: Any, repeat: int) -> None:
    """The touches' lead ids alone made into sorted codes: by the library's kernel (the one
    ``Journeys.build`` runs on a pandas column) and by the compiled hash tables of pandas,
    PyArrow and Polars (what any reader of these frames pays to group rows by the ids).
    The library ranks integer ids in a dense range through a table of the range (no hashing),
    numbered text ids (``"L123"``) through a table of their digits' range, and hashes the
    others, as ``Journeys.build`` does."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    col = pdf["lead_id"]
    arrow = pa.array(col)

    def arrow_sorted() -> None:
        pc.array_sort_indices(pc.dictionary_encode(arrow).dictionary)

    from alignment._factorize import _native_factorize  # (the kernels Journeys.build uses)
    from alignment.tables._common import _key_codes

    def library() -> None:
        if col.dtype.kind in "iu":  # (integer ids: ranked in a range, or hashed when spread)
            _key_codes(col.to_numpy(), column="lead_id", table="touchpoints")
        else:
            _native_factorize(col, "pandas")

    timed = {
        "alignment": library,
        "pandas.factorize(sort=True)": lambda: pd.factorize(col, sort=True),
        "pyarrow dictionary_encode + sort": arrow_sorted,
        "Polars rank('dense')": lambda: plf["lead_id"].rank("dense"),
    }
    parts = []
    for label, fn in timed.items():
        wall = best(fn, repeat, "floor")
        parts.append(f"{label} {wall:.3f} s (cpu {CPU['floor']:.3f})")
    print("lead ids alone, made into sorted codes: " + "; ".join(parts))


def interleaved(calls: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Best wall time of each call over ``repeat`` rounds, the calls taking turns (so that each
    sees the same load of the shared machine); best CPU times go to ``CPU[label]``."""
    walls: dict[str, list[float]] = {k: [] for k in calls}
    cpus: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(repeat):
        for label, fn in calls.items():
            gc.collect()
            c, t = time.process_time(), time.perf_counter()
            fn()
            walls[label].append(time.perf_counter() - t)
            cpus[label].append(time.process_time() - c)
    CPU.update({k: min(v) for k, v in cpus.items()})
    return {k: min(v) for k, v in walls.items()}


def run_size(
    n: int, keys: list[str], models: list[str], repeat: int, profile: bool, memory: bool
) -> list[Row]:
    """Every measurement for one size: end-to-end calls of each kind of lead id interleaved."""
    rep = repeat if n < 1_000_000 else max(1, repeat - 1)
    sets = {k: prepare(n, k, rep) for k in keys}
    rows: list[Row] = []
    for name in models:
        model = get_attribution_model(name)
        calls: dict[str, Callable[[], Any]] = {}
        for k, d in sets.items():
            for b in ("pd", "pl"):
                calls[f"{k} {b}"] = lambda f=d[b], nm=name: alignment.attribute(*f, model=nm)
        e2e = interleaved(calls, rep)
        for k, d in sets.items():
            eligible = d["eligible"]
            if model.kind == "touch":
                kernel = best(lambda m=model, e=eligible: m.weights(e), rep, "kernel")
            else:
                kernel = best(lambda m=model, e=eligible: m.fit(e).channel_credit(e), rep, "kernel")
            engine = best(
                lambda nm=name, j=d["journeys"]: alignment.attribute(j, model=nm), rep, "engine"
            )
            nan = float("nan")
            mem, rss = fresh_memory(n, k, name) if memory else (nan, nan)
            pd_t, pl_t = e2e[f"{k} pd"], e2e[f"{k} pl"]
            pd_c, pl_c = CPU[f"{k} pd"], CPU[f"{k} pl"]
            rows.append((n, k, name, pd_t, pd_c, pl_t, pl_c, engine, kernel, mem, rss))
            print(
                f"{name:16s} {k} ids: e2e pandas {pd_t:7.3f} s (cpu {pd_c:6.3f}) | e2e polars "
                f"{pl_t:7.3f} s (cpu {pl_c:6.3f}) | engine {engine:7.3f} s | kernel "
                f"{kernel:7.4f} s (cpu {CPU['kernel']:6.4f}) | peak {mem:7.1f} MB traced, "
                f"{rss:7.1f} MB RSS"
            )
    if profile:
        for k, d in sets.items():
            profile_build(*d["pd"], f"pandas, {n:,} journeys, {k} ids")
            profile_build(*d["pl"], f"polars, {n:,} journeys, {k} ids")
    return rows


def run(
    sizes: list[int], keys: list[str], models: list[str], repeat: int, profile: bool, memory: bool
) -> None:
    warnings.simplefilter("ignore", alignment.AlignmentWarning)
    import pandas
    import polars
    import scipy

    from alignment._parallel import n_threads

    print(
        f"machine: {platform.machine()}, {platform.system()}, {os.cpu_count()} cpus, "
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"pandas {pandas.__version__}, polars {polars.__version__}; alignment threads: "
        f"{n_threads()}"
    )
    for opt in ("channelattribution", "marketing_attribution_models"):
        print(f"{opt}: {'installed' if importlib.util.find_spec(opt) else 'not installed'}")
    rows: list[Row] = []
    for n in sizes:
        rows.extend(run_size(n, keys, models, repeat, profile, memory))
        gc.collect()
    header = [
        "journeys",
        "lead ids",
        "model",
        "e2e pandas (s)",
        "cpu",
        "e2e polars (s)",
        "cpu",
        "engine on Journeys (s)",
        "kernel (s)",
        "peak MB traced",
        "peak RSS MB",
    ]
    by_key = {(r[0], r[1], r[2]): r for r in rows}
    ratio = all((n, "int", m) in by_key for n, _, m, *_ in rows) and len(keys) > 1
    if ratio:
        header += ["/ int pandas", "/ int polars"]
    table = []
    for n, k, name, a, a_cpu, b, b_cpu, c, d, e, f in rows:
        row = [f"{n:,}", k, name, f"{a:.3f}", f"{a_cpu:.3f}", f"{b:.3f}", f"{b_cpu:.3f}"]
        row += [f"{c:.3f}", f"{d:.4f}", f"{e:.0f}", f"{f:.0f}"]
        if ratio:
            i = by_key[(n, "int", name)]
            row += [f"{a / i[3]:.2f}", f"{b / i[5]:.2f}"] if k != "int" else ["", ""]
        table.append(row)
    print()
    print(markdown_table(header, table, align="rll" + "r" * (len(header) - 3)))


def builtin_models() -> list[str]:
    """Registered models that come with the library (not from third-party plugins)."""
    from alignment.plugins import DEFAULT_PLUGINS, get_registration

    out = []
    for name in sorted(alignment.attribution_models()):
        plugin = str(get_registration("attribution model", name).plugin)
        if plugin in DEFAULT_PLUGINS:
            out.append(name)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated journey counts")
    ap.add_argument("--models", default="", help="comma-separated models (default: all)")
    ap.add_argument("--keys", default="int,str", help="lead ids: int, wide, str, sfid and/or cat")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="cProfile Journeys.build")
    ap.add_argument("--no-memory", action="store_true", help="skip the fresh-process memory runs")
    ap.add_argument("--child-memory", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_memory:
        child_memory(args.child_memory)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    models = [m for m in args.models.split(",") if m] or builtin_models()
    keys = [k for k in args.keys.split(",") if k]
    with captured("attribution", "Attribution end to end (`benchmarks/attribution.py`)", order=10):
        run(sizes, keys, models, args.repeat, args.profile, not args.no_memory)


if __name__ == "__main__":
    main()
