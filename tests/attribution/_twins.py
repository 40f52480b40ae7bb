"""Plain-Python twins of the rule-based models: the definitions the kernels are checked against.

A journey is a list of touches ``(time, channel)`` (time: ``datetime.datetime`` or a number of
days) plus its conversion time (``None`` = not converted) and anchors.  Each twin returns the
weights of one journey as a list of floats, touch by touch, in the journey's order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any


def _days(x: Any) -> float:
    if isinstance(x, dt.timedelta):
        return x.total_seconds() / 86400.0
    return float(x)


def eligible_positions(times: Sequence[Any], converted_at: Any, lookback: Any = None) -> list[int]:
    """Touches strictly before the conversion and not older than ``lookback``."""
    if converted_at is None:
        return []
    out = []
    for i, t in enumerate(times):
        if t < converted_at and (lookback is None or converted_at - t <= lookback):
            out.append(i)
    return out


def first(n: int, **_: Any) -> list[float]:
    return [1.0 if i == 0 else 0.0 for i in range(n)]


def last(n: int, **_: Any) -> list[float]:
    return [1.0 if i == n - 1 else 0.0 for i in range(n)]


def linear(n: int, **_: Any) -> list[float]:
    return [1.0 / n] * n


def time_decay(
    n: int, *, times: Sequence[Any], converted_at: Any, half_life_days: float = 7.0, **_: Any
) -> list[float]:
    raw = [2.0 ** (-_days(converted_at - t) / half_life_days) for t in times]
    total = sum(raw)
    return [r / total for r in raw]


def position_based(
    n: int, *, first_share: float = 0.4, middle: float = 0.2, last_share: float = 0.4, **_: Any
) -> list[float]:
    if n == 1:
        return [1.0]
    if n == 2:
        s = first_share + last_share
        return [first_share / s, last_share / s]
    total = first_share + middle + last_share
    return [first_share / total] + [middle / total / (n - 2)] * (n - 2) + [last_share / total]


def _last_at_or_before(times: Sequence[Any], anchor: Any) -> int | None:
    found = None
    if anchor is None:
        return None
    for i, t in enumerate(times):
        if t <= anchor:
            found = i
    return found


def anchored(
    n: int,
    *,
    times: Sequence[Any],
    shares: Sequence[float],
    anchor_times: Sequence[Any],
    rest: float,
    **_: Any,
) -> list[float]:
    """W-shaped / full path: role 0 is the first touch, the others the anchors' touches."""
    w = [0.0] * n
    holders = [0] + [_last_at_or_before(times, a) for a in anchor_times]
    total = 0.0
    for holder, share in zip(holders, shares):
        if holder is not None:
            w[holder] += share
            total += share
    free = [i for i in range(n) if i not in holders]
    if free:
        for i in free:
            w[i] += rest / len(free)
        total += rest
    return [x / total for x in w]


def last_non_direct(
    n: int, *, channels: Sequence[str], exclude: Sequence[str] = ("direct",), **_: Any
) -> list[float]:
    ex = {e.strip().casefold() for e in exclude}
    keep = [i for i in range(n) if channels[i].strip().casefold() not in ex]
    pick = keep[-1] if keep else n - 1
    return [1.0 if i == pick else 0.0 for i in range(n)]


TWINS: dict[str, Callable[..., list[float]]] = {
    "first": first,
    "last": last,
    "linear": linear,
    "time_decay": time_decay,
    "position_based": position_based,
    "last_non_direct": last_non_direct,
}


def journey_weights(
    twin: Callable[..., list[float]],
    times: Sequence[Any],
    converted_at: Any,
    channels: Sequence[str],
    lookback: Any = None,
    **params: Any,
) -> list[float]:
    """Weights of one whole journey: ineligible touches 0, the twin on the eligible ones."""
    pos = eligible_positions(times, converted_at, lookback)
    out = [0.0] * len(times)
    if not pos:
        return out
    sub_times = [times[i] for i in pos]
    sub_channels = [channels[i] for i in pos]
    w = twin(len(pos), times=sub_times, converted_at=converted_at, channels=sub_channels, **params)
    for i, x in zip(pos, w):
        out[i] = x
    return out


# --------------------------------------------------------------------------------------------
# whole-engine oracle: weights per input row and unattributed reasons, in plain Python
# --------------------------------------------------------------------------------------------

US_PER_DAY = 86_400_000_000

PRESETS = {
    "position_based": (0.4, 0.2, 0.4),
    "u_shaped": (0.4, 0.2, 0.4),
    "j_shaped": (0.2, 0.2, 0.6),
    "inverse_j": (0.6, 0.2, 0.2),
}


def _model_weights(
    model: str,
    times_us: list[int],
    channels: list[str],
    conv_us: int,
    anchors: dict[str, int | None],
    params: dict[str, Any],
) -> list[float]:
    n = len(times_us)
    days = [t / US_PER_DAY for t in times_us]
    conv_days = conv_us / US_PER_DAY
    if model in ("first", "last", "linear"):
        return TWINS[model](n)
    if model == "time_decay":
        hl = params.get("half_life_days", 7.0)
        return time_decay(n, times=days, converted_at=conv_days, half_life_days=hl)
    if model in PRESETS:
        f, m, la = (params.get(k, d) for k, d in zip(("first", "middle", "last"), PRESETS[model]))
        s = f + m + la
        return position_based(n, first_share=f / s, middle=m / s, last_share=la / s)
    if model == "last_non_direct":
        return last_non_direct(n, channels=channels, exclude=params.get("exclude", ("direct",)))
    if model in ("w_shaped", "full_path"):
        lead_at = anchors.get("lead_created_at")
        opp_at = anchors.get("opportunity_at")
        anchor_times: list[Any] = [lead_at, opp_at]
        if model == "w_shaped":
            shares = [0.3, 0.3, 0.3]
            rest = 0.1
        else:
            won_at = anchors.get("won_at")
            anchor_times.append(conv_us if won_at is None else won_at)
            shares = [0.225] * 4
            rest = 0.1
        return anchored(n, times=times_us, shares=shares, anchor_times=anchor_times, rest=rest)
    raise KeyError(model)


def oracle(
    model: str,
    lead: Sequence[str],
    time_us: Sequence[int],
    channel: Sequence[str],
    conversions: dict[str, tuple[int, float]],
    *,
    lookback_us: int | None = None,
    anchors: dict[str, dict[str, int | None]] | None = None,
    params: dict[str, Any] | None = None,
) -> tuple[list[float], dict[str, str]]:
    """Expected weight of every input row and the reason of every unattributed journey."""
    params = params or {}
    rows_of: dict[str, list[int]] = {}
    for r, key in enumerate(lead):
        rows_of.setdefault(key, []).append(r)
    weights = [0.0] * len(lead)
    reasons: dict[str, str] = {}
    for key, (conv_us, _rev) in conversions.items():
        rows = sorted(rows_of.get(key, []), key=lambda r: (time_us[r], r))
        if not rows:
            reasons[key] = "no touches"
            continue
        before = [r for r in rows if time_us[r] < conv_us]
        elig = [r for r in before if lookback_us is None or conv_us - time_us[r] <= lookback_us]
        if not elig:
            reasons[key] = "all touches after conversion" if not before else "outside lookback"
            continue
        w = _model_weights(
            model,
            [time_us[r] for r in elig],
            [channel[r] for r in elig],
            conv_us,
            (anchors or {}).get(key, {}),
            params,
        )
        for r, x in zip(elig, w):
            weights[r] = x
    return weights, reasons
