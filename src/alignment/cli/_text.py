"""Text output of the command line: tables (laid out by ``rich``) and the SLA summary."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._display import NA, na_caption
from ..report._format import hours_of
from ..report._read import not_measured_of, sla_started, summary_of
from ._common import is_terminal
from ._hints import cli_hint

__all__ = ["sla_summary_text", "text_table"]


def _fmt_number(
    v: Any, pct: bool = False, money: bool = False, ratio: bool = False, hours: bool = False
) -> str:
    import datetime as dt

    if v is None:
        return "-"
    if isinstance(v, dt.timedelta):
        v = np.timedelta64(int(v.total_seconds()), "s")
    if hours and isinstance(v, np.timedelta64) and not np.isnat(v):
        return f"{float(hours_of(v)):.1f} h"
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
    hours: Sequence[str] = (),
    decimals: Mapping[str, int] | None = None,
    indent: str = "  ",
    na: Mapping[str, str] | None = None,
    terminal: bool | None = None,
) -> str:
    """Format columns as a text table (numbers right-aligned), laid out by ``rich``.

    The durations of the ``hours`` columns are written in hours (``56.0 h``), one unit for the
    whole column; other durations in the unit that suits each value.  ``na`` maps a column to
    why its missing (NaN) cells have no value: they read ``n/a`` and a line under the table
    gives the reasons.  On a terminal (``terminal``; default: whether
    standard output is one) the header is bold and underlined by a rule; elsewhere the table
    is plain ASCII (a dashed rule under the header): no colour, no box drawing.
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
        return _fmt_number(
            v, pct=name in pct, money=name in money, ratio=name in ratio, hours=name in hours
        )

    cells = [[cell(name, arr[i]) for i in range(shown)] for name, arr in zip(names, arrays)]
    numeric = [shown > 0 and all(_is_number(arr[i]) for i in range(shown)) for arr in arrays]
    tty = is_terminal(sys.stdout) if terminal is None else terminal
    lines = [indent + ln.rstrip() for ln in _render(names, cells, numeric, tty, len(indent))]
    if shown < n:
        lines.append(f"{indent}… {n - shown:,} more rows")
    if used:
        lines.append(indent + na_caption(used))
    return "\n".join(lines)


def _is_number(v: Any) -> bool:
    return v is None or isinstance(v, (int, float, np.number, np.timedelta64))


#: off a terminal, the header is underlined by a dashed rule (plain ASCII, no box drawing)
_PLAIN_BOX = "    \n    \n -- \n    \n    \n    \n    \n    \n"


def _render(
    names: Sequence[str], cells: Sequence[Sequence[str]], numeric: Sequence[bool], tty: bool,
    indent: int,
) -> list[str]:  # fmt: skip
    """The table's lines: a bold header over a rule on a terminal; plain ASCII elsewhere."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(
        box=box.SIMPLE_HEAD if tty else box.Box(_PLAIN_BOX, ascii=True),
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),  # with the (blank) column divider: two spaces between columns
        header_style="bold" if tty else "",
    )
    for name, num in zip(names, numeric):
        table.add_column(Text(name), justify="right" if num else "left", no_wrap=not tty)
    for row in zip(*cells):
        table.add_row(*(Text(c) for c in row))
    width = max(shutil.get_terminal_size().columns - indent, 40) if tty else 1_000_000
    out = io.StringIO()
    console = Console(
        file=out, width=width, force_terminal=tty, no_color=not tty, highlight=False,
        emoji=False, markup=False, color_system="standard" if tty else None,
    )  # fmt: skip
    console.print(table)
    return out.getvalue().rstrip("\n").splitlines()


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(v))
    return isinstance(v, (float, np.floating)) and not np.isfinite(v)


def sla_summary_text(report: Any) -> str:
    """Per-period marketing delivery and sales compliance as text (the data as it is; the notes
    of its ``n/a`` cells in the command line's words); response times in hours, as the report
    writes them."""
    per = sla_started(report, report.periods.to_frame("dict"), "period_start")
    s = summary_of(report)
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
            hours=("response_median",),
            max_rows=None,
            na={k: cli_hint(v) for k, v in not_measured_of(report).items()},
        ),
    ]
    return "\n".join(lines)
