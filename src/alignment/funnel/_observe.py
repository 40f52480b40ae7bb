"""Vectorised kernels behind :func:`alignment.funnel.observe` (private).

All kernels take plain ``datetime64[us]`` arrays (``NaT`` = stage not reached) and int64 group
codes; no Python loop runs per lead (loops are over stages only).  Plain-Python twins of these
kernels live in ``tests/funnel/twins.py`` and are compared on seeded and generated data.

Definitions (documented in ``docs/funnel.md``):

* A lead *enters* the funnel at stage 0 (``created_at``); with ``as_of`` a lead created after
  ``as_of`` is not counted (it is reported as excluded), and a stage timestamp after ``as_of`` is
  treated as not reached yet.
* ``mode="ordered"``: a lead reaches stage *k* if it reached stage *k−1* and has a stage-*k*
  timestamp; a lead that skipped a stage is excluded from every later stage.
* ``mode="any"``: a lead reaches stage *k* if it has a stage-*k* timestamp.
* *Out of order*: a stage-*k* timestamp earlier than the stage-(*k−1*) timestamp. With
  ``out_of_order="keep"`` (default) the lead still reaches stage *k* (the funnel defines the order,
  not the clocks) but the negative duration is left out of the velocity statistics and counted in
  ``out_of_order``; with ``"drop"`` it does not reach stage *k* (nor, in ordered mode, any later
  stage).
* Conversions *k−1 → k*: leads that reached both stages (in ordered mode all leads reaching *k*).
* Velocity *k−1 → k*: durations ``t_k − t_{k−1}`` of converted leads with ``t_k ≥ t_{k−1}``, in
  days; median and p90 use linear interpolation between order statistics (numpy's default).

Used by alignment.dask
-----------------------
The Dask twin of :func:`alignment.funnel.observe` counts every partition with the same
kernels and combines the counts and raw durations; these are the only internals it may use:

* :func:`lead_table`, :func:`stage_times`, :func:`group_codes`, :func:`cohort_codes`,
  :func:`combine_groups` — the lead table, stage instants and group codes of a partition.
* :func:`count_stages` (with ``return_durations=True``) — additive counts and raw durations.
* :func:`velocity_days` — number, mean, median, p90 of gathered durations.
* :func:`rates_of` — next-step / cumulative rates and intervals from summed counts.
* :func:`check_observe_params` — the parameter checks of ``observe``.
* :func:`observation_arrays` — the read-only per-group arrays of a ``FunnelObservation``.
* :func:`read_only` — immutable arrays of the observation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray

from .._params import is_number, is_option
from .._segments import group_stats
from ..errors import ParameterError
from ..tables._groups import group_codes
from ._plan import stage_index

if TYPE_CHECKING:
    from ..tables import LeadTable

__all__ = [
    "StageCounts",
    "check_observe_params",
    "cohort_codes",
    "combine_groups",
    "count_stages",
    "group_codes",
    "km_within",
    "lead_table",
    "observation_arrays",
    "proportion_interval",
    "rates_of",
    "read_only",
    "stage_label",
    "stage_times",
    "velocity_days",
]

US_PER_DAY = 86_400_000_000.0
#: up to this many groups, per-group quantiles use a radix bucketing + selection, else a sort
#: up to this many stages, grouped counts come from one (group, stage pattern) histogram
PATTERN_MAX_STAGES = 16

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class StageCounts:
    """Raw per-group results of :func:`count_stages` (shapes ``(G, S)`` / ``(G, S-1)``)."""

    counts: IntArray
    converted: IntArray
    n_durations: IntArray
    out_of_order: IntArray
    median_days: FloatArray
    mean_days: FloatArray
    p90_days: FloatArray
    km_rate: FloatArray | None
    n_entered: int
    n_excluded: int
    #: with ``return_durations=True``: per transition ``k-1 -> k``, the positions of the leads
    #: whose duration enters velocity and their raw int64 microsecond durations
    durations: tuple[tuple[IntArray, IntArray], ...] | None = None


def _group_count(mask: BoolArray, group: IntArray | None, n_groups: int) -> IntArray:
    if group is None:
        return np.array([np.count_nonzero(mask)], dtype=np.int64)
    return np.bincount(group[mask], minlength=n_groups).astype(np.int64)


def _checked_times(
    times: Sequence[NDArray[np.datetime64]], mode: str, out_of_order: str
) -> list[NDArray[np.datetime64]]:
    """The stage arrays as datetime64[us], after checking the options and their shapes."""
    if not is_option(mode, ("ordered", "any")):
        raise ParameterError(f"mode must be 'ordered' or 'any'; got {mode!r}")
    if not is_option(out_of_order, ("keep", "drop")):
        raise ParameterError(f"out_of_order must be 'keep' or 'drop'; got {out_of_order!r}")
    if len(times) < 2:
        raise ParameterError("a funnel needs at least two stages (entry and one more)")
    t = [np.asarray(x).astype("datetime64[us]", copy=False) for x in times]
    n = t[0].size
    if any(x.shape != (n,) for x in t):
        raise ParameterError("all stage arrays must be 1-d with the same length")
    return t


def _km_stage(
    t_prev: IntArray,
    t_next: IntArray,
    both: BoolArray,
    prev_reached: BoolArray,
    end: int,
    h_us: int,
    lost_mask: BoolArray | None,
    group: IntArray | None,
    n_groups: int,
) -> FloatArray:
    """Kaplan–Meier share converting to the next stage within the horizon, per group."""
    # only records ending within the horizon matter one by one; the others are at risk
    # throughout and only counted (per group) — no gather of the whole risk set
    with np.errstate(over="ignore"):
        ev_in = both & (t_next - t_prev <= h_us)
        open_in = prev_reached & ~both & (end - t_prev <= h_us)
    if lost_mask is not None:
        open_in &= ~lost_mask
    sel = np.flatnonzero(ev_in | open_in)
    event = both[sel]
    start = t_prev[sel]
    t_event = np.where(event, np.maximum(t_next[sel] - start, 0), end - start)
    return km_within(
        t_event,
        event,
        None if group is None else group[sel],
        n_groups,
        h_us,
        n_total=_group_count(prev_reached, group, n_groups),
    )


def _counts_from_patterns(
    pattern: NDArray[np.uint16], group: IntArray, n_groups: int, s: int
) -> tuple[IntArray, IntArray]:
    """Counts per stage and conversions per step from one histogram of (group, stages reached)."""
    width = 1 << s
    hist = np.bincount(group * width + pattern, minlength=n_groups * width)
    hist = hist.reshape(n_groups, width)
    bits = (np.arange(width)[:, None] >> np.arange(s)[None, :]) & 1  # (pattern, stage)
    pairs = bits[:, 1:] & bits[:, :-1]  # reached stage k-1 and stage k
    return hist @ bits, hist @ pairs


def count_stages(
    times: Sequence[NDArray[np.datetime64]],
    *,
    mode: Literal["ordered", "any"] = "ordered",
    group: IntArray | None = None,
    n_groups: int = 1,
    as_of: np.datetime64 | None = None,
    out_of_order: Literal["keep", "drop"] = "keep",
    horizon: np.timedelta64 | None = None,
    lost: NDArray[np.datetime64] | None = None,
    return_durations: bool = False,
) -> StageCounts:
    """Counts, conversions and velocity per group and stage.

    Parameters
    ----------
    times : sequence of datetime64[us] arrays
        One array per stage, all of the same length; stage 0 is the entry (``NaT`` there means
        the lead never entered and is not counted).
    mode, out_of_order, as_of
        See the module docstring.
    group : int64 array, optional
        Group code per lead in ``[0, n_groups)``.
    n_groups : int
        Number of groups (1 without ``group``).
    horizon : timedelta64, optional
        When given, also the Kaplan–Meier share converting within ``horizon`` (see
        :func:`km_within`); open leads are censored at the end of observation (``as_of``, else
        the latest stage timestamp).
    lost : datetime64[us] array, optional
        Closed-lost instants: a lead lost (by the end of observation) that did not convert is
        never going to, so it stays at risk for the whole horizon instead of being censored.
    return_durations : bool
        Also return the raw velocity durations (``StageCounts.durations``), e.g. to combine
        the quantiles of several partitions exactly.
    """
    t = _checked_times(times, mode, out_of_order)
    n = t[0].size
    ti = [x.view(np.int64) for x in t]
    nat = np.iinfo(np.int64).min
    cutoff = (
        None if as_of is None else int(np.asarray(as_of).astype("datetime64[us]").view(np.int64))
    )

    def present(k: int) -> BoolArray:
        has: BoolArray = ti[k] != nat
        if cutoff is not None:
            has &= ti[k] <= cutoff
        return has

    entered = ti[0] != nat
    if as_of is not None:
        late = entered & ~present(0)
        n_excluded = int(np.count_nonzero(late))
        entered = entered & ~late
    else:
        n_excluded = 0
    s = len(t)
    counts = np.zeros((n_groups, s), dtype=np.int64)
    converted = np.zeros((n_groups, s - 1), dtype=np.int64)
    n_dur = np.zeros((n_groups, s - 1), dtype=np.int64)
    ooo = np.zeros((n_groups, s - 1), dtype=np.int64)
    med = np.full((n_groups, s - 1), np.nan)
    mean = np.full((n_groups, s - 1), np.nan)
    p90 = np.full((n_groups, s - 1), np.nan)
    km = np.full((n_groups, s - 1), np.nan) if horizon is not None else None
    h_us = (
        0 if horizon is None else int(np.asarray(horizon).astype("timedelta64[us]").view(np.int64))
    )
    if horizon is not None and h_us <= 0:
        raise ParameterError(f"horizon must be a positive duration; got {horizon!r}")
    end: int = 0
    if km is not None:
        # NaT is the smallest int64, so the int64 maximum ignores it
        end = cutoff if cutoff is not None else max(int(x.max()) if x.size else nat for x in ti)
    lost_mask: BoolArray | None = None
    if km is not None and lost is not None:
        li = np.asarray(lost).astype("datetime64[us]", copy=False).view(np.int64)
        if li.shape != (n,):
            raise ParameterError("the lost column must have one instant per lead")
        lost_mask = (li != nat) & (li <= end)
    # with groups, counts come from one histogram of (group, pattern of stages reached):
    # one bincount over the leads instead of two per stage
    use_pattern = (
        group is not None and s <= PATTERN_MAX_STAGES and n_groups * (1 << s) <= max(n, 1 << 16)
    )
    pattern = np.zeros(n, dtype=np.uint16) if use_pattern else None
    if pattern is not None:
        pattern |= entered
    else:
        counts[:, 0] = _group_count(entered, group, n_groups)
    prev_reached = entered
    durations: list[tuple[IntArray, IntArray]] | None = [] if return_durations else None
    for k in range(1, s):
        has = present(k) & entered
        both = has & prev_reached
        backwards = both & (ti[k] < ti[k - 1])
        if out_of_order == "drop":
            has = has & ~backwards
            both = both & ~backwards
        reached = both if mode == "ordered" else has
        if pattern is not None:
            pattern |= reached.astype(np.uint16) << np.uint16(k)
        else:
            converted[:, k - 1] = _group_count(both, group, n_groups)
            counts[:, k] = (
                converted[:, k - 1] if mode == "ordered" else _group_count(reached, group, n_groups)
            )
        bw = np.flatnonzero(backwards)
        ooo[:, k - 1] = (
            np.array([bw.size], dtype=np.int64)
            if group is None
            else np.bincount(group[bw], minlength=n_groups)
        )
        timed = both & ~backwards
        idx = np.flatnonzero(timed)
        dur = ti[k][idx] - ti[k - 1][idx]
        g = None if group is None else group[idx]
        n_dur[:, k - 1], mean[:, k - 1], med[:, k - 1], p90[:, k - 1] = velocity_days(
            dur, g, n_groups
        )
        if durations is not None:
            durations.append((idx, dur))
        if km is not None:
            km[:, k - 1] = _km_stage(
                ti[k - 1], ti[k], both, prev_reached, end, h_us, lost_mask, group, n_groups
            )
        prev_reached = reached if mode == "ordered" else has
    if pattern is not None and group is not None:
        counts[:], converted[:] = _counts_from_patterns(pattern, group, n_groups, s)
    return StageCounts(
        counts=counts,
        converted=converted,
        n_durations=n_dur,
        out_of_order=ooo,
        median_days=med,
        mean_days=mean,
        p90_days=p90,
        km_rate=km,
        n_entered=int(np.count_nonzero(entered)),
        n_excluded=n_excluded,
        durations=None if durations is None else tuple(durations),
    )


def velocity_days(
    durations: IntArray, group: IntArray | None, n_groups: int
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """Per group: number, mean, median and p90 (in days) of int64 microsecond durations."""
    cnt, mu, qv = group_stats(durations, group, n_groups, (0.5, 0.9))
    return cnt, mu / US_PER_DAY, qv[:, 0] / US_PER_DAY, qv[:, 1] / US_PER_DAY


def rates_of(
    counts: IntArray,
    converted: IntArray,
    confidence: float,
    interval: Literal["wilson", "jeffreys"],
) -> dict[str, FloatArray]:
    """Rates of a funnel from its counts ``(G, S)`` and conversions ``(G, S-1)``.

    Next-step rate ``converted[k] / counts[k]`` and cumulative rate ``counts[k] / counts[0]``
    (NaN when the denominator is 0), each with its :func:`proportion_interval`: keys
    ``next_rate``, ``next_low``, ``next_high``, ``cumulative``, ``cumulative_low``,
    ``cumulative_high``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        den_next = counts[:, :-1]
        next_rate = np.where(den_next > 0, converted / np.maximum(den_next, 1), np.nan)
        den_cum = counts[:, :1]
        cumulative = np.where(den_cum > 0, counts / np.maximum(den_cum, 1), np.nan)
    next_low, next_high = proportion_interval(converted, den_next, float(confidence), interval)
    cum_low, cum_high = proportion_interval(
        counts, np.broadcast_to(den_cum, counts.shape), float(confidence), interval
    )
    return {
        "next_rate": next_rate,
        "next_low": next_low,
        "next_high": next_high,
        "cumulative": cumulative,
        "cumulative_low": cum_low,
        "cumulative_high": cum_high,
    }


def km_within(
    time: IntArray,
    event: BoolArray,
    group: IntArray | None,
    n_groups: int,
    horizon: int,
    *,
    n_total: IntArray | None = None,
) -> FloatArray:
    """Kaplan–Meier share of records with an event within ``horizon``, per group.

    ``1 − S(horizon)`` with ``S(h) = Π_{event times t ≤ h} (1 − d_t / n_t)``: ``d_t`` events at
    ``t``, ``n_t`` records with ``time ≥ t`` (censored records at ``t`` are still at risk).
    Records ending within the horizon are sorted once by (group, time, events first); record
    *j* then contributes ``1 − 1 / n_at_risk(j)``, whose product over tied events equals
    ``1 − d_t / n_t``. Records ending after the horizon are only counted (at risk throughout);
    ``n_total`` (records per group, including ones not passed because they end after the
    horizon) lets the caller skip them. Groups without records give ``nan``.
    """
    g = np.zeros(time.size, dtype=np.int64) if group is None else group.astype(np.int64)
    inside = time <= horizon
    idx = np.flatnonzero(inside)
    g_in = g[idx]
    n_in = np.bincount(g_in, minlength=n_groups)
    n = np.bincount(g, minlength=n_groups) if n_total is None else np.asarray(n_total)
    out = np.full(n_groups, np.nan)
    t = np.maximum(time[idx], 0).astype(np.int64)
    censored = (~event[idx]).astype(np.int64)
    span = 2 * (horizon + 1)
    if span * max(n_groups, 1) < 2**62:
        key = g_in * span + t * 2 + censored
        key.sort()
        g_s = key // span
        ev_s = (key % 2) == 0
    else:  # pragma: no cover - astronomically many groups × long horizons
        order = np.lexsort((censored, t, g_in))
        g_s, ev_s = g_in[order], event[idx][order]
    starts = np.concatenate(([0], np.cumsum(n_in)[:-1]))
    at_risk = n[g_s] - (np.arange(g_s.size) - starts[g_s])
    with np.errstate(divide="ignore"):
        logf = np.log1p(-1.0 / at_risk[ev_s])
    log_s = np.bincount(g_s[ev_s], weights=logf, minlength=n_groups)
    has = n > 0
    out[has] = 1.0 - np.exp(log_s[has])
    return out


def proportion_interval(
    x: NDArray[np.integer], n: NDArray[np.integer], confidence: float, method: str
) -> tuple[FloatArray, FloatArray]:
    """Two-sided confidence interval of a binomial proportion ``x / n`` (vectorised).

    ``"wilson"``: ``(p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n)`` with
    ``z = Φ⁻¹(1 − α/2)``. ``"jeffreys"``: quantiles ``α/2`` and ``1 − α/2`` of
    ``Beta(x + ½, n − x + ½)``, lower bound 0 when ``x = 0`` and upper bound 1 when ``x = n``.
    ``n = 0`` gives ``[0, 1]``.
    """
    from .._stats import binomial_interval

    if not 0.0 < confidence < 1.0:
        raise ParameterError(f"confidence must be in (0, 1), e.g. 0.95; got {confidence!r}")
    if not is_option(method, ("wilson", "jeffreys")):
        raise ParameterError(f"interval must be 'wilson' or 'jeffreys'; got {method!r}")
    xf = np.asarray(x, dtype=np.float64)
    nf = np.asarray(n, dtype=np.float64)
    low, high = binomial_interval(xf, nf, confidence, method)
    # exact bounds at the edges (avoid 1e-17 noise); no information ([0, 1]) when n = 0
    low = np.where(xf == 0, 0.0, low)
    high = np.where(xf == nf, 1.0, high)
    empty = nf == 0
    low = np.where(empty, 0.0, low)
    high = np.where(empty, 1.0, high)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def _dense_codes(keys: IntArray) -> tuple[IntArray, IntArray]:
    """Map int64 keys to dense codes ``0..K-1`` in ascending key order; returns (codes, uniques)."""
    if keys.size == 0:
        return keys.astype(np.int64), keys.astype(np.int64)
    lo = int(keys.min())
    span = int(keys.max()) - lo + 1
    if span <= max(4 * keys.size, 1 << 16):
        shifted = keys - lo
        present = np.bincount(shifted, minlength=span) > 0
        mapping = np.cumsum(present) - 1
        uniques = (np.flatnonzero(present) + lo).astype(np.int64)
        if uniques.size == span:  # every key present: a shift, no remapping gather
            return (keys - lo if lo else keys.astype(np.int64, copy=False)), uniques
        return mapping[shifted].astype(np.int64, copy=False), uniques
    uniques, codes = np.unique(keys, return_inverse=True)
    return codes.astype(np.int64).ravel(), uniques.astype(np.int64)


_FREQS = {"D", "W", "M", "Q", "Y"}


def _floor_days(times: NDArray[np.datetime64]) -> IntArray:
    """Days since 1970-01-01 (floor), by integer division of the microseconds."""
    us = np.asarray(times).astype("datetime64[us]", copy=False).view(np.int64)
    return us // 86_400_000_000


def _period_key(days: IntArray, freq: str) -> IntArray:
    """Period number of day numbers: days (D), Monday of the week in days (W), months since
    1970-01 (M; Q and Y rounded down to their first month)."""
    if freq == "D":
        return days
    if freq == "W":
        out: IntArray = days - (days + 3) % 7  # 1970-01-05 is a Monday: (d + 3) % 7 == 0
        return out
    months: IntArray = days.astype("datetime64[D]").astype("datetime64[M]").view(np.int64)
    if freq == "Q":
        months = months - months % 3
    elif freq == "Y":
        months = months - months % 12
    return months


def cohort_codes(
    created: NDArray[np.datetime64], freq: str
) -> tuple[IntArray, NDArray[np.datetime64]]:
    """Entry-period code per lead and the period starts (``datetime64[D]``, ascending).

    ``freq``: ``"D"`` day, ``"W"`` ISO week starting Monday, ``"M"`` month, ``"Q"`` quarter,
    ``"Y"`` year (UTC). Periods are computed once per calendar day in the data's range (a small
    table) and mapped to the leads with one gather; periods without leads may be listed.
    """
    f = str(freq).upper()
    if f not in _FREQS:
        raise ParameterError(f"cohort must be one of 'D', 'W', 'M', 'Q', 'Y'; got {freq!r}")
    days = _floor_days(created)
    if days.size and (int(days.max()) - int(days.min()) + 1) <= 4 * days.size + 1024:
        lo = int(days.min())
        table = _period_key(np.arange(lo, int(days.max()) + 1, dtype=np.int64), f)
        uniques, table_codes = np.unique(table, return_inverse=True)
        codes = table_codes.astype(np.int64).ravel()[days - lo]
    else:
        codes, uniques = _dense_codes(_period_key(days, f))
    if f in ("D", "W"):
        starts = uniques.astype("datetime64[D]")
    else:
        starts = uniques.astype("datetime64[M]").astype("datetime64[D]")
    return codes, starts


def combine_groups(
    codes: Sequence[IntArray], sizes: Sequence[int]
) -> tuple[IntArray, int, list[IntArray]]:
    """Combine several code arrays into one dense group code (only non-empty combinations).

    Returns ``(group, n_groups, parts)`` where ``parts[j][g]`` is the code of factor ``j`` of
    group ``g``.
    """
    key = codes[0].astype(np.int64, copy=False)
    for c, size in zip(codes[1:], sizes[1:]):
        key = key * int(size) + c
    group, uniques = _dense_codes(key)
    parts: list[IntArray] = []
    rest = uniques
    for size in reversed(list(sizes)):
        parts.append(rest % int(size))
        rest = rest // int(size)
    parts.reverse()
    return group, int(uniques.size), parts


# --------------------------------------------------------------------------------------------
# lead-table access (used by alignment.funnel and, per partition, by alignment.dask)
# --------------------------------------------------------------------------------------------

_A = TypeVar("_A", bound=np.ndarray)


def read_only(arr: _A) -> _A:
    """``arr`` marked read-only (results are immutable, like the dataclasses holding them)."""
    arr.flags.writeable = False
    return arr


def stage_label(column: str) -> str:
    """``"mql_at"`` → ``"mql"``; ``"created_at"`` → ``"lead"`` (the entry stage)."""
    label = column[:-3] if column.endswith("_at") else column
    return "lead" if label == "created" else label


def lead_table(leads: Any, stages: Sequence[str]) -> LeadTable:
    from ..tables import LeadTable

    if isinstance(leads, LeadTable):
        return leads
    return LeadTable.build(leads, stages=[s for s in stages if s != "created_at"])


def stage_times(lt: LeadTable, stages: Sequence[str]) -> list[NDArray[np.datetime64]]:
    available = ["created_at", *lt.stages]
    out: list[NDArray[np.datetime64]] = []
    for name in stages:
        if name == "created_at":
            out.append(lt.created_at)
        elif name in lt.stages:
            out.append(lt.stages[name])
        else:
            stage_index(available, name)  # raises with the list and a suggestion
    return out


def check_observe_params(
    stages: Sequence[str],
    mode: str,
    interval: str,
    confidence: float,
    out_of_order: str | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Validate the parameters of ``funnel.observe``; return the stages and their labels.

    ``out_of_order`` is checked too when given (else :func:`count_stages` checks it).
    """
    if not is_option(mode, ("ordered", "any")):
        raise ParameterError(f"mode must be 'ordered' or 'any'; got {mode!r}")
    if not is_option(interval, ("wilson", "jeffreys")):
        raise ParameterError(f"interval must be 'wilson' or 'jeffreys'; got {interval!r}")
    if out_of_order is not None and not is_option(out_of_order, ("keep", "drop")):
        raise ParameterError(f"out_of_order must be 'keep' or 'drop'; got {out_of_order!r}")
    if isinstance(stages, str):
        raise ParameterError("stages must be a sequence of column names, not one string")
    st = tuple(stages)
    if len(st) < 2:
        raise ParameterError("stages needs at least two columns, e.g. ['created_at', 'won_at']")
    if len(set(st)) != len(st):
        raise ParameterError(f"stages has duplicates: {list(st)}")
    labels = tuple(stage_label(s) for s in st)
    if len(set(labels)) != len(labels):
        raise ParameterError(f"stage names collide after removing '_at': {list(labels)}")
    if not is_number(confidence):
        raise ParameterError(
            f"confidence must be a number in (0, 1), e.g. 0.95; got {confidence!r}"
        )
    if not 0.0 < float(confidence) < 1.0:
        raise ParameterError(f"confidence must be in (0, 1), e.g. 0.95; got {confidence!r}")
    return st, labels


def observation_arrays(
    counts: IntArray,
    converted: IntArray,
    n_durations: IntArray,
    out_of_order: IntArray,
    median_days: FloatArray,
    mean_days: FloatArray,
    p90_days: FloatArray,
    confidence: float,
    interval: Literal["wilson", "jeffreys"],
) -> dict[str, Any]:
    """The per-group arrays of a ``FunnelObservation`` as its keyword arguments (read-only).

    ``counts``, ``converted``, the :func:`rates_of`, ``n_durations``, ``out_of_order``,
    ``median_days``, ``mean_days``, ``p90_days``.
    """
    arrays: dict[str, np.ndarray] = {"counts": counts, "converted": converted}
    arrays.update(rates_of(counts, converted, float(confidence), interval))
    arrays.update(
        n_durations=n_durations,
        out_of_order=out_of_order,
        median_days=median_days,
        mean_days=mean_days,
        p90_days=p90_days,
    )
    return {k: read_only(v) for k, v in arrays.items()}
