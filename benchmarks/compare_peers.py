"""alignment next to the open-source attribution libraries, end to end, from one run.

Usage::

    python benchmarks/compare_peers.py                   # 10^4, 10^5 and 10^6 journeys
    python benchmarks/compare_peers.py --sizes 100000 --repeat 3

The peers are optional benchmark extras, never dependencies of alignment; each one that is not
importable is listed as such and left out:

* ``marketing-attribution-models`` (import ``mam``): Polars, long "session" frame;
* ``channelattribution`` (import ``ChannelAttribution``): C++, paths aggregated with pandas
  (``"a > b > c"``, conversions, value, nulls), Markov by simulation;
* ``mta`` (import ``mta``): pure Python over the aggregated paths, credits conversion counts
  (run up to ``--mta-max`` journeys only: its loops over paths take minutes beyond).

Data: ``benchmarks/attribution_compare.py``'s generator (1 + Poisson(5) touches per journey, 12
string channels, ~10 % converting, strictly increasing times and the conversion after the last
touch, so every library sees the same touches; rows shuffled).  Each library starts from the long
touch frame: alignment and ChannelAttribution / mta from one **pandas** frame (``lead_id``,
``timestamp``, ``channel``; the paths are built with pandas inside the timed call), mam from the
same rows as a Polars frame with its session columns.  alignment runs twice: string lead ids
(``"L123"``) and the same journeys with integer ids.  Times are the best of ``--repeat`` runs, the
libraries taking turns; ``peer / alignment`` is the fastest peer's time over alignment's (string
ids).  ``agreement``: the largest difference of channel shares between a peer and alignment's
model of the same definition (value-weighted; mta: conversion counts), where one exists.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.metadata
import io
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from _record import captured, markdown_table
from attribution_compare import (
    ALIGNMENT_PARAMS,
    CHANNELS,
    PAIRS,
    make_data,
    mam_totals,
    max_diff,
    new_mam,
    to_polars,
)

import alignment

MODELS = ["first", "last", "linear", "position_based", "time_decay", "markov", "shapley"]
#: ChannelAttribution's heuristic columns (value-weighted) per alignment model
CA_HEURISTIC = {
    "first": "first_touch_value",
    "last": "last_touch_value",
    "linear": "linear_touch_value",
}
#: mta's methods per alignment model (mta credits conversions, normalised)
MTA_METHODS = {
    "first": ("first_touch", {}),
    "last": ("last_touch", {}),
    "linear": ("linear", {"share": "proportional"}),
    "position_based": ("position_based", {}),
    "time_decay": ("time_decay", {}),
    "markov": ("markov", {}),
    "shapley": ("shapley", {}),
}


def peer(module: str, distribution: str) -> tuple[Any, str]:
    """The peer's module and version, or ``(None, "not installed")``."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # (ChannelAttribution prints a banner)
            mod = importlib.import_module(module)
        return mod, importlib.metadata.version(distribution)
    except ImportError:
        return None, "not installed"


def frames(n: int) -> dict[str, Any]:
    """The pandas frames (string and integer ids) and mam's Polars frame, from one data set."""
    import pandas as pd

    data = make_data(n)
    touch, conv = data["touch"], data["conv"]

    def pandas_frame(cols: dict[str, np.ndarray]) -> Any:
        out = {k: v for k, v in cols.items() if k in ("lead_id", "timestamp", "channel")}
        out |= {k: v for k, v in cols.items() if k in ("converted_at", "revenue")}
        frame = pd.DataFrame(out)
        for k in ("timestamp", "converted_at"):
            if k in frame:
                frame[k] = frame[k].dt.tz_localize("UTC")
        return frame

    def as_int(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        ids = np.char.lstrip(cols["lead_id"].astype(str), "L").astype(np.int64)
        return {**cols, "lead_id": ids}

    return {
        "str": (pandas_frame(touch), pandas_frame(conv)),
        "int": (pandas_frame(as_int(touch)), pandas_frame(as_int(conv))),
        "mam": to_polars(touch),
        "touches": data["n_touches"],
    }


def paths(touches: Any, conversions: Any) -> Any:
    """Journeys aggregated by path with pandas: path, conversions, value, nulls."""
    ordered = touches.sort_values(["lead_id", "timestamp"], kind="stable")
    path = ordered.groupby("lead_id", sort=False)["channel"].agg(" > ".join)
    value = conversions.set_index("lead_id")["revenue"].reindex(path.index)
    table = path.to_frame("path")
    table["total_conversions"] = value.notna().astype(np.int64)
    table["total_conversion_value"] = value.fillna(0.0)
    table["total_null"] = 1 - table["total_conversions"]
    return table.groupby("path", as_index=False).sum()


def channel_attribution(ca: Any, model: str) -> Callable[[Any, Any], dict[str, float]]:
    """ChannelAttribution end to end (paths, then the model): value credit per channel."""

    def run(touches: Any, conversions: Any) -> dict[str, float]:
        agg = paths(touches, conversions)
        with contextlib.redirect_stdout(io.StringIO()):
            if model == "markov":
                res = ca.markov_model(
                    agg, "path", "total_conversions", var_value="total_conversion_value",
                    var_null="total_null", order=1, verbose=0,
                )  # fmt: skip
                col = "total_conversion_value"
            else:
                res = ca.heuristic_models(
                    agg, "path", "total_conversions", var_value="total_conversion_value"
                )
                col = CA_HEURISTIC[model]
        return dict(zip(res["channel_name"].astype(str), res[col].astype(float), strict=True))

    return run


def mta_peer(mta: Any, model: str) -> Callable[[Any, Any], dict[str, float]]:
    """mta end to end (paths, then the model): share of conversions per channel."""
    method, kwargs = MTA_METHODS[model]

    def run(touches: Any, conversions: Any) -> dict[str, float]:
        agg = paths(touches, conversions)[["path", "total_conversions", "total_null"]]
        with contextlib.redirect_stdout(io.StringIO()):
            m = mta.MTA(data=agg, allow_loops=True, add_timepoints=False)
            getattr(m, method)(**kwargs)
        return {str(k): float(v) for k, v in m.attribution[method].items()}

    return run


def race(
    calls: dict[str, Callable[[], Any]], repeat: int
) -> tuple[dict[str, float], dict[str, Any]]:
    """Best wall time of each call, the calls taking turns; and each call's last result."""
    import gc
    import time

    best: dict[str, float] = {k: float("inf") for k in calls}
    out: dict[str, Any] = {}
    for _ in range(repeat):
        for label, fn in calls.items():
            gc.collect()
            t = time.perf_counter()
            out[label] = fn()
            best[label] = min(best[label], time.perf_counter() - t)
    return best, out


def run_size(n: int, repeat: int, peers: dict[str, Any], mta_max: int) -> list[list[str]]:
    data = frames(n)
    pdf, pconv = data["str"]
    print(f"\n{n:,} journeys, {data['touches']:,} touches", flush=True)
    rows = []
    for model in MODELS:
        params = ALIGNMENT_PARAMS.get(model, {})
        calls: dict[str, Callable[[], Any]] = {
            "alignment str": lambda f=data["str"], m=model, p=params: alignment.attribute(
                *f, model=m, **p
            ),
            "alignment int": lambda f=data["int"], m=model, p=params: alignment.attribute(
                *f, model=m, **p
            ),
        }
        if peers["mam"] is not None:
            runner, kwargs = PAIRS[model]
            calls["mam"] = lambda r=runner, k=kwargs: mam_totals(
                getattr(new_mam(peers["mam"].MAM, data["mam"]), r)(**k)
            )
        if peers["ChannelAttribution"] is not None and (model in CA_HEURISTIC or model == "markov"):
            ca = channel_attribution(peers["ChannelAttribution"], model)
            calls["ChannelAttribution"] = lambda ca=ca: ca(pdf, pconv)
        if peers["mta"] is not None and n <= mta_max:
            mt = mta_peer(peers["mta"], model)
            calls["mta"] = lambda mt=mt: mt(pdf, pconv)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            best, out = race(calls, repeat)
        ours = out["alignment str"]
        value, count = ours.totals("channel", "revenue"), ours.totals("channel", "conversions")
        row = [f"{n:,}", model, f"{best['alignment str']:.3f}", f"{best['alignment int']:.3f}"]
        agree = []
        for name in ("mam", "ChannelAttribution", "mta"):
            if name not in calls:
                row.append("—")
                continue
            row.append(f"{best[name]:.3f}")
            reference = count if name == "mta" else value
            agree.append(f"{name} {max_diff(reference, out[name]):.1e}")
        peer_times = [best[k] for k in ("mam", "ChannelAttribution", "mta") if k in best]
        fastest = min(peer_times) if peer_times else float("nan")
        row += [f"{fastest / best['alignment str']:.1f}", f"{fastest / best['alignment int']:.1f}"]
        row.append("; ".join(agree))
        rows.append(row)
        print(" | ".join(row), flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--mta-max", type=int, default=10_000, help="largest size run with mta")
    args = ap.parse_args()
    peers = {}
    for module, dist in (
        ("mam", "marketing-attribution-models"),
        ("ChannelAttribution", "channelattribution"),
        ("mta", "mta"),
    ):
        peers[module], version = peer(module, dist)
        print(f"{dist}: {version}")
    print(
        f"alignment {importlib.metadata.version('smarketing-alignment')}; channels: {len(CHANNELS)}"
    )
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")  # warm-up (imports, first-call costs), not reported
        run_size(300, 1, peers, args.mta_max)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        rows += run_size(n, args.repeat, peers, args.mta_max)
    header = [
        "journeys",
        "model",
        "alignment, str ids (s)",
        "alignment, int ids (s)",
        "mam (s)",
        "ChannelAttribution (s)",
        "mta (s)",
        "fastest peer / alignment (str)",
        "fastest peer / alignment (int)",
        "agreement (max share difference)",
    ]
    print()
    print(markdown_table(header, rows, align="rl" + "r" * 7 + "l"))


if __name__ == "__main__":
    with captured(
        "compare_peers",
        "alignment and the open-source peers (`benchmarks/compare_peers.py`)",
        order=35,
    ):
        main()
