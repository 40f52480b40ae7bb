"""Plain-Python twins of the SLA engine: business time and per-lead status, one element at a time.

Deliberately written without numpy and without the engine's zone table: zoneinfo per element.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc
US = dt.timedelta(microseconds=1)

Week = Sequence[Sequence[tuple[int, int]]]  # per weekday: (start_us, end_us) from local midnight


def local_to_utc(local: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """Wall time → UTC: first occurrence in a fold, the jump instant in a spring gap."""
    u = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if u.astimezone(zone).replace(tzinfo=None) == local:
        return u
    lo, hi = u - dt.timedelta(days=1), u  # local(lo) < local, local(hi) >= local
    while hi - lo > US:
        mid = lo + (hi - lo) // 2
        if mid.astimezone(zone).replace(tzinfo=None) >= local:
            hi = mid
        else:
            lo = mid
    return hi


def windows(week: Week, holidays: set[dt.date], tz: str, a: dt.datetime, b: dt.datetime):
    zone: dt.tzinfo = UTC if tz == "UTC" else ZoneInfo(tz)
    d = a.astimezone(zone).date() - dt.timedelta(days=1)
    last = b.astimezone(zone).date() + dt.timedelta(days=1)
    while d <= last:
        if d not in holidays:
            midnight = dt.datetime.combine(d, dt.time(0))
            for s, e in week[d.weekday()]:
                ws = local_to_utc(midnight + s * US, zone)
                we = max(local_to_utc(midnight + e * US, zone), ws)
                yield ws, we
        d += dt.timedelta(days=1)


def elapsed_us(week: Week, holidays: set[dt.date], tz: str, a: dt.datetime, b: dt.datetime) -> int:
    """Business microseconds between two aware UTC datetimes (negative when b < a)."""
    if b < a:
        return -elapsed_us(week, holidays, tz, b, a)
    total = dt.timedelta(0)
    for ws, we in windows(week, holidays, tz, a, b):
        lo, hi = max(a, ws), min(b, we)
        if hi > lo:
            total += hi - lo
    return total // US


def add_us(week: Week, holidays: set[dt.date], tz: str, a: dt.datetime, d_us: int) -> dt.datetime:
    """Earliest instant t >= a with d_us business microseconds in [a, t]."""
    if d_us == 0:
        return a
    remaining = dt.timedelta(microseconds=d_us)
    far = a + dt.timedelta(days=400)
    for ws, we in windows(week, holidays, tz, a, far):
        start = max(ws, a)
        if we <= start:
            continue
        avail = we - start
        if remaining <= avail:
            return start + remaining
        remaining -= avail
    raise AssertionError("deadline beyond 400 days")


def lead_status(
    *,
    clock: dt.datetime | None,
    as_of: dt.datetime,
    touches: Sequence[tuple[dt.datetime, str]],
    deadline_of,  # callable(clock) -> deadline
    fraction_of,  # callable(clock, as_of) -> elapsed fraction of the window
    at_risk_after: float,
    kinds: set[str] | None,
) -> str:
    """First-touch status of one lead, by the rules of docs/sla.md."""
    if clock is None or clock > as_of:
        return "n/a"
    counted = sorted(t for t, k in touches if clock <= t <= as_of and (kinds is None or k in kinds))
    deadline = deadline_of(clock)
    if counted:
        return "met" if counted[0] <= deadline else "breached"
    if as_of > deadline:
        return "breached"
    return "at_risk" if fraction_of(clock, as_of) >= at_risk_after else "pending"


def attempts_status(
    *,
    clock: dt.datetime | None,
    as_of: dt.datetime,
    touches: Sequence[tuple[dt.datetime, str]],
    deadline: dt.datetime | None,
    per_kind: dict[str, int],
    fraction: float,
    at_risk_after: float,
) -> tuple[str, dict[str, int]]:
    if clock is None or clock > as_of:
        return "n/a", {}
    assert deadline is not None
    counts = {k: 0 for k in per_kind}
    for t, k in touches:
        if clock <= t <= as_of and t <= deadline and k in counts:
            counts[k] += 1
    if all(counts[k] >= n for k, n in per_kind.items()):
        return "met", counts
    if as_of > deadline:
        return "breached", counts
    return ("at_risk" if fraction >= at_risk_after else "pending"), counts


def accept_status(
    *,
    clock: dt.datetime | None,
    as_of: dt.datetime,
    accepted: dt.datetime | None,
    rejected: dt.datetime | None,
    reason: str | None,
    deadline: dt.datetime | None,
    codes: set[str],
    fraction: float,
    at_risk_after: float,
) -> tuple[str, str]:
    """(decision, status) of the accept/reject commitment for one lead."""
    if clock is None or clock > as_of:
        return "n/a", "n/a"
    assert deadline is not None
    acc = accepted if accepted is not None and accepted <= as_of else None
    rej = rejected if rejected is not None and rejected <= as_of else None
    if rej is not None and (acc is None or rej < acc):
        if rej > deadline:
            return "auto_accepted", "breached"
        return "rejected", ("met" if reason in codes else "breached")
    if acc is not None:
        return "accepted", "met"
    if as_of > deadline:
        return "auto_accepted", "met"
    return "pending", ("at_risk" if fraction >= at_risk_after else "pending")
