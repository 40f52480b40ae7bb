"""Compare ``alignment.attribute`` with ``marketing-attribution-models`` (``mam``) on the same data.

Usage::

    python benchmarks/attribution_compare.py                      # 10^4, 10^5 journeys
    python benchmarks/attribution_compare.py --sizes 1000000 --repeat 1

``marketing-attribution-models`` is an optional benchmark extra, never a dependency: when its
import package ``mam`` is not importable the script says so and only times alignment.

Synthetic data (seeded): ``n`` journeys with 1 + Poisson(5) touches (mean ~6), the 12 string
channels of ``benchmarks/attribution.py`` with skewed popularity, ~10 % of journeys converting
with a log-normal value.  Unlike ``benchmarks/attribution.py`` every journey's touch times are
strictly increasing and the conversion comes strictly after the last touch, because ``mam`` has
no conversion time (it credits every touch of a converting journey and breaks time ties by an
unstable sort): on such data both libraries see exactly the same eligible touches.  Rows are
shuffled.  One Polars frame per size holds, per touch row, ``lead_id``, ``timestamp`` (UTC),
``channel`` and -- for ``mam``'s "session" format -- ``has_conversion`` / ``conversion_value``
(true / the value on the journey's last touch row, false / 0 elsewhere); alignment reads the
first three columns of that same frame plus a conversions frame (``lead_id``, ``converted_at``,
``revenue``) built from the same arrays.

Per model it reports

* agreement: the largest absolute difference between the two libraries' channel shares of the
  credited value (credit / total credit), and the same after re-deriving ``mam``'s definition
  from alignment's output where the definitions differ (Markov);
* time: wall and process CPU time (all threads) of ``MAM(frame, ...)`` + ``run_<model>()``
  (mam's preprocessing included) and of ``alignment.attribute(frame, conversions, model=...)``
  (``Journeys.build`` included), best of ``--repeat``; plus the preprocessing alone
  (``MAM(...)`` / ``Journeys.build``).

Model pairs: first / first_click, last / last_click, linear / linear, time_decay (half-life 7 d)
/ time_decay (``half_life_hours=168``), position_based (40/20/40) / position_based, markov
(order 1, ``collapse_repeats=True``) / markov (``transition_to_same_state=False``), shapley
(value-weighted, simplified Shapley) / shapley (``max_size=12``, ``value_column="conv_rate"``).
Results: ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import platform
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import alignment
from alignment.tables import Journeys
from attribution import CHANNELS, T0  # benchmarks/attribution.py (same directory)

N_CHANNELS = len(CHANNELS)
HALF_LIFE_HOURS = 168.0

#: alignment model -> (mam runner name, keyword arguments)
PAIRS: dict[str, tuple[str, dict[str, Any]]] = {
    "first": ("run_first_click", {}),
    "last": ("run_last_click", {}),
    "linear": ("run_linear", {}),
    "time_decay": ("run_time_decay", {"half_life_hours": HALF_LIFE_HOURS}),
    "position_based": ("run_position_based", {}),
    "markov": ("run_markov", {"transition_to_same_state": False}),
    "shapley": ("run_shapley", {"max_size": N_CHANNELS, "value_column": "conv_rate"}),
}
ALIGNMENT_PARAMS: dict[str, dict[str, Any]] = {
    "time_decay": {"half_life": f"{HALF_LIFE_HOURS:g}h"},
    "markov": {"order": 1, "collapse_repeats": True},
}


def make_data(n: int, seed: int = 7) -> dict[str, Any]:
    """Unsorted touch arrays (with mam's session columns) and the conversions of ``n`` journeys."""
    rng = np.random.default_rng(seed)
    lengths = 1 + rng.poisson(5.0, size=n)
    n_t = int(lengths.sum())
    jid = np.repeat(np.arange(n), lengths)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    # strictly increasing times: journey start + cumulative gaps of 1 s .. 10 days
    start = rng.integers(0, 365 * 86_400, size=n)
    gaps = rng.integers(1, 10 * 86_400, size=n_t)
    cum = np.cumsum(gaps)
    secs = start[jid] + cum - np.repeat(cum[offsets[:-1]] - gaps[offsets[:-1]], lengths)
    p = rng.dirichlet(np.ones(N_CHANNELS) * 2.0)
    ch = rng.choice(N_CHANNELS, size=n_t, p=p)
    keys = np.char.add("L", np.arange(n).astype("U8"))
    converted = rng.random(n) < 0.10
    value = np.where(converted, np.round(rng.lognormal(8.0, 1.0, size=n), 2), 0.0)
    last_secs = secs[offsets[1:] - 1]
    conv_secs = last_secs + rng.integers(1, 5 * 86_400, size=n)  # strictly after the last touch
    is_last = np.zeros(n_t, dtype=bool)
    is_last[offsets[1:] - 1] = True
    perm = rng.permutation(n_t)
    return {
        "touch": {
            "lead_id": keys[jid][perm],
            "timestamp": (T0 + (secs * 1_000_000).astype("timedelta64[us]"))[perm],
            "channel": CHANNELS[ch][perm],
            "has_conversion": (is_last & converted[jid])[perm],
            "conversion_value": np.where(is_last, value[jid], 0.0)[perm],
        },
        "conv": {
            "lead_id": keys[converted],
            "converted_at": T0 + (conv_secs[converted] * 1_000_000).astype("timedelta64[us]"),
            "revenue": value[converted],
        },
        "n_touches": n_t,
        "n_converted": int(converted.sum()),
    }


def to_polars(d: dict[str, np.ndarray]) -> Any:
    import polars as pl

    cols = []
    for k, v in d.items():
        s = pl.Series(k, v)
        if v.dtype.kind == "M":
            s = s.dt.replace_time_zone("UTC")
        cols.append(s)
    return pl.DataFrame(cols)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Best wall and best process CPU time of ``repeat`` runs, and the last result."""
    walls, cpus = [], []
    out = None
    for _ in range(repeat):
        gc.collect()
        c, t = time.process_time(), time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus), out


def shares(credit: dict[str, float]) -> dict[str, float]:
    """Credit per channel divided by the total credit (all 12 channels, 0 when absent)."""
    total = sum(credit.values())
    return {c: (credit.get(c, 0.0) / total if total else 0.0) for c in CHANNELS}


def max_diff(a: dict[str, float], b: dict[str, float]) -> float:
    sa, sb = shares(a), shares(b)
    return max(abs(sa[c] - sb[c]) for c in CHANNELS)


def mam_totals(result: Any) -> dict[str, float]:
    d = result.to_dict()
    return {str(c): float(v) for c, v in zip(d["channels"], d["attribution"]) if c is not None}


def markov_mam_style(journeys: Journeys, removal_effects: dict[str, float]) -> dict[str, float]:
    """mam's Markov credit re-derived from alignment's removal effects.

    mam splits each converting journey's value over its *touches* in proportion to the removal
    effect of the touch's channel (a channel touched twice counts twice); alignment credits
    ``normalised removal effect x total converted value`` (the usual definition).
    """
    names = list(journeys.channel.categories)
    re = np.array([removal_effects.get(c, 0.0) for c in names])
    codes = journeys.channel.codes
    w = re[codes]
    j = journeys.journey_index
    per_journey = np.bincount(j, weights=w, minlength=journeys.n_journeys)
    rev = journeys.revenue * journeys.converted
    share = np.divide(w, per_journey[j], out=np.zeros_like(w), where=per_journey[j] > 0)
    credit = np.bincount(codes, weights=share * rev[j], minlength=len(names))
    return dict(zip(names, credit.tolist()))


def new_mam(mam_cls: Any, frame: Any) -> Any:
    """``MAM`` on the session-format Polars frame of :func:`make_data` (its preprocessing)."""
    return mam_cls(
        frame,
        format_type="session",
        channels_colname="channel",
        journey_with_conv_colname="has_conversion",
        datetime_colname="timestamp",
        user_id_colname="lead_id",
        conversion_value_colname="conversion_value",
    )


def run_size(
    n: int, repeat: int, mam_cls: Any, models: list[str], quiet: bool = False
) -> list[list[str]]:
    data = make_data(n)
    frame = to_polars(data["touch"])
    conv = to_polars(data["conv"])
    say = (lambda *a, **k: None) if quiet else print
    say(
        f"\n## {n:,} journeys, {data['n_touches']:,} touches, {data['n_converted']:,} converting",
        flush=True,
    )

    def build() -> Journeys:
        return Journeys.build(frame, conv)

    bw, bc, journeys = timed(build, repeat)
    rows = [[f"{n:,}", "preprocess only", f"{bw:.3f}", f"{bc:.3f}"]]

    def make_mam() -> Any:
        return new_mam(mam_cls, frame)

    if mam_cls is not None:
        mw, mc, _ = timed(make_mam, repeat)
        rows[0] += [f"{mw:.3f}", f"{mc:.3f}", "", ""]
    for model in models:
        params = ALIGNMENT_PARAMS.get(model, {})

        def run_alignment(model: str = model, params: dict[str, Any] = params) -> Any:
            return alignment.attribute(frame, conv, model=model, **params)

        aw, ac, res = timed(run_alignment, repeat)
        a_tot = res.totals(by="channel")
        lost = res.converted_revenue - sum(a_tot.values())
        row = [f"{n:,}", model, f"{aw:.3f}", f"{ac:.3f}"]
        if mam_cls is None:
            rows.append(row)
            say(" | ".join(row), flush=True)
            continue
        runner, kwargs = PAIRS[model]

        def run_mam(runner: str = runner, kwargs: dict[str, Any] = kwargs) -> Any:
            return getattr(make_mam(), runner)(**kwargs)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mw, mc, mres = timed(run_mam, repeat)
        m_tot = mam_totals(mres)
        diff = max_diff(a_tot, m_tot)
        note = ""
        if model == "markov":
            re = res.details["removal_effects"]
            m_re = mres.metadata["removal_effect"]["removal_effect"].to_dict()
            re_diff = max(abs(shares(re)[c] - shares(m_re)[c]) for c in CHANNELS)
            derived = max_diff(markov_mam_style(journeys, re), m_tot)
            note = f"removal-effect shares {re_diff:.1e}; mam-style credit {derived:.1e}"
        elif model == "shapley":
            neg = [c for c, v in m_tot.items() if v < 0]
            note = f"mam channels with negative credit: {', '.join(neg) or 'none'}"
        row += [f"{mw:.3f}", f"{mc:.3f}", f"{diff:.1e}", note]
        rows.append(row)
        say(
            " | ".join(row) + f"  (alignment unattributed {lost:.2f}; "
            f"mam total {sum(m_tot.values()):.2f} vs {res.converted_revenue:.2f})",
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--models", default=",".join(PAIRS))
    args = parser.parse_args()
    try:
        from mam import MAM  # type: ignore[import-not-found]

        mam_cls: Any = MAM
        mam_version = importlib.metadata.version("marketing-attribution-models")
    except ImportError:
        mam_cls, mam_version = None, "not installed"
        print(
            "marketing-attribution-models (import package `mam`) is not importable in this "
            "interpreter: timing alignment only, no agreement check. Install it in a scratch "
            "venv (it is never a dependency of alignment) to compare."
        )
    import polars as pl

    print(
        f"# alignment vs marketing-attribution-models — {platform.machine()}, "
        f"python {platform.python_version()}, numpy {np.__version__}, polars {pl.__version__}, "
        f"alignment {importlib.metadata.version('smarketing-alignment')}, mam {mam_version}"
    )
    header = ["journeys", "model", "alignment wall (s)", "alignment CPU (s)"]
    if mam_cls is not None:
        header += ["mam wall (s)", "mam CPU (s)", "max |share diff|", "notes"]
    rows: list[list[str]] = []
    with warnings.catch_warnings():  # warm-up (imports, first-call costs), not reported
        warnings.simplefilter("ignore")
        run_size(500, 1, mam_cls, args.models.split(","), quiet=True)
    for n in (int(s) for s in args.sizes.split(",")):
        rows += run_size(n, args.repeat, mam_cls, args.models.split(","))
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    from _record import captured  # (benchmarks/_record.py: the RESULTS.md fragment)

    with captured(
        "attribution_compare",
        "Attribution: comparison with marketing-attribution-models (`benchmarks/attribution_compare.py`)",
        order=40,
    ):
        main()
