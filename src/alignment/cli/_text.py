"""Plain-text output of the command line: aligned tables and the SLA summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._display import NA, na_caption
from ..report._read import not_measured_of, summary_of

__all__ = ["sla_summary_text", "text_table"]


def _fmt_number(v: Any, pct: bool = False, money: bool = False, ratio: bool = False) -> str:
    import datetime as dt

    if v is None:
        return "-"
    if isinstance(v, dt.timedelta):
        return _fmt_duration(np.timedelta64(int(v.total_seconds()), "s"))
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return "-" if np.isnat(v) else str(v.astype("datetime64[m]")).replace("T", " ")
    if isinstance(v, np.timedelta64):
        return "-" if np.isnat(v) else _fmt_duration(v)
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return "-"
        if pct:
            return f"{100 * v:.1f}%"
        if ratio:
            return f"{v:.2f}x"
        if money:
            return f"{v:,.0f}"
        if float(v).is_integer() and abs(v) < 1e15:
            return f"{int(v):,}"
        return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.1f}"
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return f"{int(v):,}"
    return str(v)


def _fmt_duration(v: np.timedelta64) -> str:
    s = float(v.astype("timedelta64[s]").astype(np.int64))
    if s < 3600:
        return f"{s / 60:.0f} min"
    if s < 86400 * 2:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} d"


def _as_objects(values: Any) -> np.ndarray:
    """Values as an object array, keeping numpy datetimes/durations (NaT stays NaT)."""
    arr = np.asarray(values)
    if arr.dtype.kind in "mM":
        out = np.empty(arr.shape, dtype=object)
        out[:] = list(arr)
        return out
    return np.asarray(arr, dtype=object)


def text_table(
    columns: Mapping[str, Sequence[Any] | np.ndarray],
    *,
    max_rows: int | None = 30,
    pct: Sequence[str] = (),
    money: Sequence[str] = (),
    ratio: Sequence[str] = (),
    decimals: Mapping[str, int] | None = None,
    indent: str = "  ",
    na: Mapping[str, str] | None = None,
) -> str:
    """Format columns as an aligned plain-text table (numbers right-aligned).

    ``na`` maps a column to why its missing (NaN) cells have no value: they read ``n/a`` and
    a line under the table gives the reasons.
    """
    names = list(columns)
    if not names:
        return ""
    arrays = [_as_objects(columns[n]) for n in names]
    n = len(arrays[0])
    shown = n if max_rows is None else min(n, max_rows)
    na = dict(na or {})
    used: dict[str, str] = {}

    def cell(name: str, v: Any) -> str:
        if name in na and _is_missing(v):
            used[name] = na[name]
            return NA
        if decimals and name in decimals and isinstance(v, (float, np.floating)):
            if np.isfinite(v):
                return f"{v:,.{decimals[name]}f}"
        return _fmt_number(v, pct=name in pct, money=name in money, ratio=name in ratio)

    cells = [[cell(name, arr[i]) for i in range(shown)] for name, arr in zip(names, arrays)]
    numeric = [
        shown > 0
        and all(
            isinstance(arr[i], (int, float, np.number, np.timedelta64)) or arr[i] is None
            for i in range(shown)
        )
        for arr in arrays
    ]
    widths = [max([len(h), *(len(c) for c in col)]) for h, col in zip(names, cells)]
    lines = [
        (
            indent
            + "  ".join(
                h.rjust(w) if num else h.ljust(w) for h, w, num in zip(names, widths, numeric)
            )
        ).rstrip()
    ]
    for i in range(shown):
        lines.append(
            indent
            + "  ".join(
                col[i].rjust(w) if num else col[i].ljust(w)
                for col, w, num in zip(cells, widths, numeric)
            ).rstrip()
        )
    if shown < n:
        lines.append(f"{indent}… {n - shown:,} more rows")
    if used:
        lines.append(indent + na_caption(used))
    return "\n".join(lines)


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(v))
    return isinstance(v, (float, np.floating)) and not np.isfinite(v)


def sla_summary_text(report: Any) -> str:
    """Per-period marketing delivery and sales compliance as text."""
    per = report.periods.to_frame("dict")
    s = summary_of(report)
    as_of = np.datetime64(s["as_of"], "us")
    started = np.asarray(per["period_start"]).astype("datetime64[us]") < as_of
    per = {k: np.asarray(v)[started] for k, v in per.items()}
    cols: dict[str, Any] = {
        "period": np.array([str(d) for d in per["period_start"]], dtype=object),
    }
    if "split" in per and len(set(per["split"].tolist())) > 1:
        cols["split"] = per["split"]
    for name in (
        "committed",
        "delivered",
        "delivered_vs_committed",
        "leads_assigned",
        "first_touch_compliance",
        "attempts_compliance",
        "accept_compliance",
        "response_median",
    ):
        if name in per:
            cols[name] = per[name]
    lines = [
        f"SLA as of {str(s['as_of'])[:16].replace('T', ' ')}: {s['in_scope']:,} leads in scope, "
        f"{s['breaches']:,} breaches",
        text_table(
            cols,
            pct=(
                "delivered_vs_committed",
                "first_touch_compliance",
                "attempts_compliance",
                "accept_compliance",
            ),
            max_rows=None,
            na=not_measured_of(report),
        ),
    ]
    return "\n".join(lines)
