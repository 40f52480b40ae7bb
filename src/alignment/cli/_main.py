"""The command line: parser and subcommands.

Public names are re-exported by :mod:`alignment.cli`.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, TextIO

import numpy as np

from .._files import CSVFormatError, open_text, read_csv, read_parquet, write_parquet
from ..errors import AlignmentError

__all__ = ["main", "read_columns", "write_columns"]

#: exit status for bad input (data, parameters, files)
EXIT_ERROR = 1
#: exit status for command-line usage errors (argparse's convention)
EXIT_USAGE = 2

#: rows read between two progress messages on large files
_PROGRESS_ROWS = 500_000


class CLIError(AlignmentError):
    """A problem with the command line's files or options (reported in one line)."""


# ============================================================================ progress


class Progress:
    """Progress messages on stderr (``... step`` then ``done in 0.4 s``); silent when disabled."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr

    def note(self, message: str) -> None:
        if self.enabled:
            print(message, file=self.stream, flush=True)

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Report a step: on a terminal its label shows while it runs; a failed step leaves no
        line behind, so an error stays a single line."""
        start = time.perf_counter()
        tty = self.enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        if tty:
            print(f"... {label}", end="", file=self.stream, flush=True)
        try:
            yield
        except BaseException:
            if tty:
                print("\r\x1b[K", end="", file=self.stream, flush=True)
            raise
        if self.enabled:
            done = f" done in {time.perf_counter() - start:.1f} s"
            print(done if tty else f"... {label}{done}", file=self.stream, flush=True)


# ============================================================================ file I/O


def _suffixes(path: Path) -> list[str]:
    return [s.lower() for s in path.suffixes]


def _is_parquet(path: Path) -> bool:
    return _suffixes(path)[-1:] in (
        [".parquet"],
        [".pq"],
    )


def _no_pyarrow(what: str, files: str = "Parquet files") -> CLIError:
    hint = " (or use CSV)" if files == "Parquet files" else ""
    return CLIError(f"{what} needs PyArrow for {files}: pip install pyarrow{hint}")


def _delimiter(path: Path) -> str:
    sfx = [s for s in _suffixes(path) if s != ".gz"]
    return "\t" if sfx[-1:] == [".tsv"] else ","


def read_columns(
    path: str | Path, *, table: str = "table", progress: Progress | None = None
) -> Any:
    """Read a CSV (``.csv``, ``.tsv``, optionally ``.gz``) or Parquet file.

    Both are read by PyArrow.  CSV columns are typed by PyArrow's CSV reader: numbers become
    ``float64``, ISO-8601 instants ``datetime64[us]`` in UTC (``2024-03-01T09:30:00Z``; an offset
    such as ``+02:00`` is converted to UTC), ``true``/``false`` booleans; everything else stays
    strings (an empty cell is missing).  Columns named ``id`` or ending in ``_id`` always stay
    strings.

    Parameters
    ----------
    path : str or Path
        The file.
    table : str
        What the file holds, for messages.
    progress : Progress, optional
        Reports the rows read on large files.

    Returns
    -------
    dict of str to ndarray, or pyarrow.Table
        Columns for CSV; the PyArrow table for Parquet (the library reads it directly).

    Raises
    ------
    CLIError
        Missing file, empty, unreadable or ragged CSV, PyArrow not installed.
    """
    p = Path(path)
    if not p.is_file():
        raise CLIError(f"{table}: no such file: {str(p)!r}")
    if _is_parquet(p):
        try:
            return read_parquet(p)
        except ImportError:
            raise _no_pyarrow(f"reading {p.name}") from None
        except Exception as exc:  # pyarrow raises its own error types
            raise CLIError(f"{table}: cannot read Parquet file {str(p)!r}: {exc}") from None
    try:
        columns = read_csv(p, delimiter=_delimiter(p))
    except ImportError:
        raise _no_pyarrow(f"reading {p.name}", "CSV and Parquet files") from None
    except CSVFormatError as exc:
        raise CLIError(f"{table}: {str(p)!r} {exc}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CLIError(f"{table}: cannot read {str(p)!r}: {exc}") from None
    n_rows = len(next(iter(columns.values()))) if columns else 0
    if progress is not None and n_rows >= _PROGRESS_ROWS:
        progress.note(f"... {p.name}: {n_rows:,} rows read")
    return columns


def _format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return ""
        return str(value.astype("datetime64[s]")) + "Z"
    if isinstance(value, np.timedelta64):
        if np.isnat(value):
            return ""
        return str(int(value.astype("timedelta64[s]").astype(np.int64)))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        return repr(float(value))
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return str(value)


def _column_texts(arr: np.ndarray) -> list[str]:
    """A column as CSV text (vectorised per dtype; see :func:`write_columns`)."""
    a = np.asarray(arr)
    if a.dtype.kind == "M":
        us = a.astype("datetime64[us]")
        whole = us.astype("datetime64[s]")
        ok = ~np.isnat(us)
        exact = bool((us[ok] == whole[ok]).all())  # seconds, unless sub-second values occur
        out = np.char.add(np.datetime_as_string(whole if exact else us), "Z")
        out[~ok] = ""
        return list(out.tolist())
    if a.dtype.kind == "m":
        txt = a.astype("timedelta64[s]").astype(np.int64).astype(str)
        txt[np.isnat(a)] = ""
        return list(txt.tolist())
    if a.dtype.kind == "b":
        return list(np.where(a, "true", "false").tolist())
    if a.dtype.kind in "iu":
        return list(a.astype(str).tolist())
    if a.dtype.kind == "f":
        txt = a.astype(str)  # shortest repr that round-trips
        txt[np.isnan(a)] = ""
        return list(txt.tolist())
    return ["" if v is None else _format_cell(v) for v in a.tolist()]


def write_columns(path: str | Path, columns: Mapping[str, Any], *, table: str = "output") -> None:
    """Write columns (dict of arrays) as CSV (``.csv``/``.tsv``, optionally ``.gz``) or Parquet.

    ``-`` writes CSV to standard output.  Instants are written as ISO-8601 UTC
    (``2024-03-01T09:30:00Z``), durations as seconds, missing values as empty cells.

    Raises
    ------
    CLIError
        Unwritable path, Parquet without PyArrow.
    """
    cols = {k: np.asarray(v) for k, v in columns.items()}
    if str(path) == "-":
        _write_csv(sys.stdout, cols, ",")
        return
    p = Path(path)
    if p.parent and not p.parent.exists():
        raise CLIError(f"{table}: directory does not exist: {str(p.parent)!r}")
    if _is_parquet(p):
        try:
            write_parquet(cols, p)
        except ImportError:
            raise _no_pyarrow(f"writing {p.name}") from None
        except Exception as exc:  # pyarrow raises its own error types
            raise CLIError(f"{table}: cannot write {str(p)!r}: {exc}") from None
        return
    try:
        with open_text(p, "w") as fh:
            _write_csv(fh, cols, _delimiter(p))
    except OSError as exc:
        raise CLIError(f"{table}: cannot write {str(p)!r}: {exc}") from None


def _write_csv(fh: IO[str], cols: Mapping[str, np.ndarray], delimiter: str) -> None:
    writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
    writer.writerow(list(cols))
    texts = [_column_texts(v) for v in cols.values()]
    writer.writerows(zip(*texts))


# ============================================================================ text tables


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
) -> str:
    """Format columns as an aligned plain-text table (numbers right-aligned)."""
    names = list(columns)
    if not names:
        return ""
    arrays = [_as_objects(columns[n]) for n in names]
    n = len(arrays[0])
    shown = n if max_rows is None else min(n, max_rows)
    cells = [
        [
            _fmt_number(arr[i], pct=name in pct, money=name in money, ratio=name in ratio)
            if not (decimals and name in decimals and isinstance(arr[i], (float, np.floating)))
            or not np.isfinite(arr[i])
            else f"{arr[i]:,.{decimals[name]}f}"
            for i in range(shown)
        ]
        for name, arr in zip(names, arrays)
    ]
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
    return "\n".join(lines)


# ============================================================================ arguments


def _parse_value(text: str) -> Any:
    """A ``--param`` value: JSON when it parses (numbers, lists, true/false), else the string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _key_values(items: Sequence[str] | None, what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or ():
        if "=" not in item:
            raise CLIError(f"{what} must look like name=value, got {item!r}")
        k, v = item.split("=", 1)
        k = k.strip().replace("-", "_")
        if not k:
            raise CLIError(f"{what} must look like name=value, got {item!r}")
        out[k] = _parse_value(v.strip())
    return out


def _rates(items: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        if "=" not in item:
            raise CLIError(f"--rate must look like stage=rate (e.g. lead=0.04), got {item!r}")
        k, v = item.split("=", 1)
        try:
            rate = float(v.strip().rstrip("%")) / (100.0 if v.strip().endswith("%") else 1.0)
        except ValueError:
            raise CLIError(f"--rate {item!r}: {v!r} is not a number") from None
        if k.strip() in out:
            raise CLIError(f"--rate: stage {k.strip()!r} given twice")
        out[k.strip()] = rate
    return out


def _load_config(path: str | None) -> dict[str, Any]:
    """Read a JSON or TOML document of parameters."""
    if path is None:
        return {}
    p = Path(path)
    if not p.is_file():
        raise CLIError(f"no such file: {path!r}")
    text = p.read_text(encoding="utf-8")
    if p.suffix.lower() == ".toml":
        try:
            import tomllib as toml_reader  # type: ignore[import-not-found,unused-ignore]
        except ModuleNotFoundError:  # pragma: no cover - Python 3.10
            try:
                import tomli as toml_reader  # type: ignore[import-not-found,no-redef,unused-ignore]
            except ModuleNotFoundError:
                raise CLIError("TOML files need Python 3.11+ or tomli; use JSON") from None
        try:
            data = toml_reader.loads(text)
        except toml_reader.TOMLDecodeError as exc:
            raise CLIError(f"invalid TOML in {path!r}: {exc}") from None
    else:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CLIError(f"invalid JSON in {path!r}: {exc}") from None
    if not isinstance(data, dict):
        raise CLIError(f"{path!r} must hold a table/object of parameters")
    return dict(data)


def _common(top: bool = False) -> argparse.ArgumentParser:
    # the sub-commands' copies do not reset an option given before the sub-command
    default: Any = False if top else argparse.SUPPRESS
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=default, help="show the traceback on errors"
    )
    common.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="no progress on stderr"
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``alignment`` command."""
    from .. import __version__

    common = _common()
    parser = argparse.ArgumentParser(
        prog="alignment",
        description=(
            "Sales & marketing alignment as computation: lead scoring, attribution, funnel "
            "planning, SLAs and closed-loop reporting. Start with: alignment demo"
        ),
        parents=[_common(top=True)],
    )
    parser.add_argument("--version", action="version", version=f"alignment {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    # ---- demo
    p = sub.add_parser(
        "demo",
        parents=[common],
        help="run every engine on a synthetic CRM and write the HTML report",
        description=(
            "Generate a synthetic CRM (leads, touches, deals, sales activities, costs), run "
            "scoring, attribution under several models, the funnel, the SLA evaluation and the "
            "closed-loop report, print a summary and write a self-contained HTML report."
        ),
    )
    p.add_argument("--leads", type=int, default=10_000, metavar="N", help="leads (10000)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (0)")
    p.add_argument(
        "--out",
        default="alignment-report.html",
        metavar="FILE",
        help="HTML report to write (alignment-report.html)",
    )
    p.add_argument("--no-report", action="store_true", help="print the summary only")
    p.set_defaults(handler=_cmd_demo)

    # ---- attribute
    p = sub.add_parser(
        "attribute",
        parents=[common],
        help="credit converted revenue to channels (or campaigns …)",
        description=(
            "Attribute revenue to touches and roll it up by a key. TOUCHES has one row per "
            "touch (lead_id, timestamp, channel …); conversions (lead_id, converted_at, "
            "revenue) come from --conversions or from columns on the touch rows."
        ),
    )
    p.add_argument("touchpoints", metavar="TOUCHES", help="touchpoints file (.csv or .parquet)")
    p.add_argument("--conversions", metavar="FILE", help="conversions (or deals) file")
    p.add_argument("--leads", metavar="FILE", help="leads file (keys such as source, persona)")
    p.add_argument(
        "--model",
        action="append",
        dest="models",
        metavar="NAME",
        help="model name; repeat for several models side by side (default linear)",
    )
    p.add_argument("--half-life", metavar="DURATION", help="time_decay half-life, e.g. 7d")
    p.add_argument("--lookback", metavar="DURATION", help="ignore touches older than this")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="another model parameter")
    p.add_argument("--by", default="channel", help="roll-up key (channel, campaign, source …)")
    p.add_argument(
        "--level",
        choices=["key", "touch"],
        default="key",
        help="output one row per key (default) or per touch",
    )
    p.add_argument("--out", metavar="FILE", help="write the table (.csv, .parquet, - = stdout)")
    _column_options(p, lead=True, time=True, channel=True, conversion=True)
    p.set_defaults(handler=_cmd_attribute)

    # ---- score
    p = sub.add_parser(
        "score",
        parents=[common],
        help="score leads (fit × interest grid, logistic …)",
        description=(
            "Score the leads of LEADS (one row per lead) with a registered scorer. The grid "
            "reads its rules from --rules (JSON/TOML: fit_rules, interest_points, fit_cuts …); "
            "a scorer that learns (logistic) is fitted on --target first."
        ),
    )
    p.add_argument("leads", metavar="LEADS", help="leads file (.csv or .parquet)")
    p.add_argument("--touchpoints", metavar="FILE", help="touches (interest for the grid)")
    p.add_argument("--scorer", default="grid", help="scorer name (grid, logistic, a plugin's)")
    p.add_argument("--rules", metavar="FILE", help="JSON/TOML file of scorer parameters")
    p.add_argument(
        "--param", action="append", metavar="NAME=VALUE", help="another scorer parameter"
    )
    p.add_argument("--as-of", metavar="INSTANT", help="evaluation time (grid decay/window)")
    p.add_argument(
        "--target",
        metavar="COLUMN",
        help="outcome column to fit a learning scorer on (0/1, or a stage such as won_at)",
    )
    p.add_argument("--out", metavar="FILE", help="write per-lead scores (.csv, .parquet, -)")
    p.set_defaults(handler=_cmd_score)

    # ---- funnel
    p = sub.add_parser(
        "funnel",
        parents=[common],
        help="plan from a revenue target, or observe a funnel",
        description="Funnel planning (reverse waterfall) and observed conversion.",
    )
    fsub = p.add_subparsers(dest="funnel_command", metavar="ACTION")
    fp = fsub.add_parser(
        "plan",
        parents=[common],
        help="volumes each stage must deliver to reach a revenue target",
        description=(
            "Reverse waterfall: customers = target × share ÷ deal size; each stage's volume = "
            "next stage's volume ÷ its rate. Example: --target 100000 --deal-size 1000 "
            "--rate lead=0.04 → 100 customers, 2,500 leads."
        ),
    )
    fp.add_argument("--target", type=float, required=True, help="revenue target")
    fp.add_argument("--deal-size", type=float, required=True, help="average deal size")
    fp.add_argument(
        "--rate",
        action="append",
        required=True,
        metavar="STAGE=RATE",
        help="a stage's rate to the next stage, top to bottom (repeat), e.g. lead=0.04",
    )
    fp.add_argument("--share", type=float, default=1.0, help="marketing's share (1.0)")
    fp.add_argument("--periods", type=int, help="split per period (e.g. 12 months)")
    fp.add_argument("--out", metavar="FILE", help="write the plan table (.csv, .parquet, -)")
    fp.set_defaults(handler=_cmd_funnel_plan)
    fo = fsub.add_parser(
        "observe",
        parents=[common],
        help="counts, conversion and velocity from lead stage times",
        description="Observed funnel: counts per stage, conversion with intervals, velocity.",
    )
    fo.add_argument("leads", metavar="LEADS", help="leads file (.csv or .parquet)")
    fo.add_argument(
        "--stages",
        default="created_at,mql_at,sal_at,sql_at,opportunity_at,won_at",
        help="comma-separated stage columns, top to bottom",
    )
    fo.add_argument("--mode", choices=["ordered", "any"], default="ordered")
    fo.add_argument("--by", help="segment by a lead column (source, owner …)")
    fo.add_argument("--out", metavar="FILE", help="write the table (.csv, .parquet, -)")
    fo.set_defaults(handler=_cmd_funnel_observe)
    p.set_defaults(handler=_cmd_funnel_help, funnel_parser=p)

    # ---- sla
    p = sub.add_parser(
        "sla",
        parents=[common],
        help="evaluate a marketing–sales agreement on leads and activities",
        description=(
            "Evaluate the agreement (TOML or JSON file) at --as-of: per-lead status, per-period "
            "marketing delivery and sales compliance, and the breach list."
        ),
    )
    p.add_argument("agreement", metavar="AGREEMENT", help="agreement file (.toml or .json)")
    p.add_argument("--leads", required=True, metavar="FILE", help="leads file")
    p.add_argument("--activities", required=True, metavar="FILE", help="sales activities file")
    p.add_argument("--as-of", required=True, metavar="INSTANT", help="evaluation instant")
    p.add_argument("--out", metavar="FILE", help="write per-lead statuses (.csv, .parquet, -)")
    p.add_argument("--breaches", metavar="FILE", help="write the breach list")
    p.add_argument("--periods", metavar="FILE", help="write the per-period summary")
    p.set_defaults(handler=_cmd_sla)

    # ---- plugins
    p = sub.add_parser(
        "plugins",
        parents=[common],
        help="installed plugins, attribution models and scorers",
        description="List the loaded plugins and the models and scorers they register.",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_cmd_plugins)
    return parser


def _column_options(
    p: argparse.ArgumentParser, *, lead: bool, time: bool, channel: bool, conversion: bool
) -> None:
    g = p.add_argument_group("column names")
    if lead:
        g.add_argument("--lead-col", default="lead_id", help="journey key column (lead_id)")
    if time:
        g.add_argument("--time-col", default="timestamp", help="touch time column (timestamp)")
    if channel:
        g.add_argument("--channel-col", default="channel", help="channel column (channel)")
    if conversion:
        g.add_argument("--converted-at-col", default="converted_at", help="(converted_at)")
        g.add_argument("--revenue-col", default="revenue", help="(revenue)")


# ============================================================================ commands


def _progress(args: argparse.Namespace) -> Progress:
    return Progress(not getattr(args, "quiet", False))


def _emit(text: str) -> None:
    print(text, flush=True)


def _write_or_print(out: str | None, columns: Mapping[str, Any], title: str, **fmt: Any) -> None:
    if out:
        write_columns(out, columns, table=title)
        if out != "-":
            print(f"wrote {title} to {out}", file=sys.stderr)
    else:
        _emit(text_table(columns, **fmt))


def _cmd_funnel_help(args: argparse.Namespace) -> int:
    args.funnel_parser.print_help()
    return EXIT_USAGE


def _cmd_attribute(args: argparse.Namespace) -> int:
    from ..attribution import attribute

    prog = _progress(args)
    models = list(dict.fromkeys(args.models or ["linear"]))
    params = _key_values(args.param, "--param")
    if args.half_life is not None:
        if "time_decay" not in models:
            raise CLIError("--half-life applies to --model time_decay (use --param for others)")
        params["half_life"] = args.half_life
    with prog.step(f"reading {args.touchpoints}"):
        touches = read_columns(args.touchpoints, table="touchpoints", progress=prog)
        conversions = (
            read_columns(args.conversions, table="conversions", progress=prog)
            if args.conversions
            else None
        )
        leads = read_columns(args.leads, table="leads", progress=prog) if args.leads else None
    results = {}
    for name in models:
        model_params = dict(params)
        if args.half_life is not None and name != "time_decay":
            model_params.pop("half_life")  # --half-life is time_decay's, not the others'

        with prog.step(f"attributing with {name}"):
            results[name] = attribute(
                touches,
                conversions,
                model=name,
                lead=args.lead_col,
                time=args.time_col,
                channel=args.channel_col,
                converted_at=args.converted_at_col,
                revenue=args.revenue_col,
                lookback=args.lookback,
                leads=leads,
                **model_params,
            )
    if args.level == "touch":
        if len(results) > 1:
            raise CLIError("--level touch takes one --model")
        (res,) = results.values()
        _write_or_print(args.out, res.to_frame(level="touch", backend="dict"), "touch credit")
        return 0
    if len(results) == 1:
        (res,) = results.values()
        table = res.to_frame(level=args.by, backend="dict")
        _write_or_print(args.out, table, "attribution", pct=("share",), money=("revenue", "cost"))
    else:
        totals = {name: r.totals(by=args.by) for name, r in results.items()}
        keys = sorted(set().union(*totals.values()))
        table = {args.by: np.array(keys, dtype=object)}
        for name, t in totals.items():
            table[name] = np.array([t.get(k, 0.0) for k in keys])
        _write_or_print(args.out, table, "attribution", money=tuple(results))
    first = next(iter(results.values()))
    un = first.unattributed
    total = float(first.converted_revenue)
    prog.note(
        f"revenue {total:,.2f} converted; {first.attributed_revenue:,.2f} attributed, "
        f"{un.total:,.2f} unattributed"
    )
    return 0


def _target_array(leads: Any, column: str) -> np.ndarray:
    from ..tables import LeadTable

    lt = LeadTable.build(leads)
    if column in lt.stages:
        return np.asarray(~np.isnat(lt.stages[column]))
    if column in lt.numeric:
        y = lt.numeric[column]
        if np.isnan(y).any():
            raise CLIError(f"--target column {column!r} has missing values")
        return np.asarray(y != 0)
    if column == lt.id_column or column in lt.categorical or column == "created_at":
        raise CLIError(f"--target {column!r} must be a 0/1 column or a stage column such as won_at")
    raise CLIError(f"--target column {column!r} not found; columns: {', '.join(lt.columns)}")


def _cmd_score(args: argparse.Namespace) -> int:
    from ..plugins import get_scorer
    from ..tables import LeadTable

    prog = _progress(args)
    params = _load_config(args.rules)
    params.update(_key_values(args.param, "--param"))
    if args.as_of is not None:
        params["as_of"] = args.as_of
    with prog.step(f"reading {args.leads}"):
        leads = read_columns(args.leads, table="leads", progress=prog)
        touches = (
            read_columns(args.touchpoints, table="touchpoints", progress=prog)
            if args.touchpoints
            else None
        )
    lt = LeadTable.build(leads)
    scorer = get_scorer(args.scorer, **params)
    if type(scorer).requires_fit:
        if not args.target:
            raise CLIError(
                f"scorer {args.scorer!r} learns from outcomes: give --target (e.g. --target won_at)"
            )
        y = _target_array(lt, args.target)
        with prog.step(f"fitting {args.scorer} on {args.target}"):
            scorer.fit(lt, y, touchpoints=touches)
    from ..scoring import score

    with prog.step(f"scoring {lt.n_leads:,} leads"):
        result = score(lt, touches, scorer=scorer)
    frame = result.to_frame("dict")
    if args.out:
        write_columns(args.out, frame, table="scores")
        if args.out != "-":
            prog.note(f"wrote scores to {args.out}")
    else:
        _emit(text_table(frame, max_rows=20))
    if "cell" in frame:
        summary = result.summary("dict")
        keep = np.asarray(summary["n"]) > 0
        _emit("\nleads per cell")
        _emit(
            text_table(
                {
                    k: np.asarray(v)[keep]
                    for k, v in summary.items()
                    if k in ("cell", "action", "n", "share")
                },
                pct=("share",),
                max_rows=None,
            )
        )
    return 0


def _cmd_funnel_plan(args: argparse.Namespace) -> int:
    from ..funnel import plan

    rates = _rates(args.rate)
    p = plan(
        revenue_target=args.target,
        average_deal_size=args.deal_size,
        rates=rates,
        marketing_share=args.share,
        periods=args.periods,
    )
    table = p.to_frame(backend="dict")
    if args.out:
        write_columns(args.out, table, table="plan")
        return 0
    _emit(
        f"revenue target {args.target:,.0f} × share {args.share:g} ÷ deal size "
        f"{args.deal_size:,.0f} = {float(np.asarray(p.customers)):,.1f} customers"
    )
    _emit(text_table(table, max_rows=None, pct=("rate",)))
    if args.periods:
        _emit("\nper period")
        _emit(text_table(p.to_frame(backend="dict", kind="periods"), max_rows=None))
    return 0


def _cmd_funnel_observe(args: argparse.Namespace) -> int:
    from ..funnel import observe

    prog = _progress(args)
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    if len(stages) < 2:
        raise CLIError("--stages needs at least two comma-separated stage columns")
    with prog.step(f"reading {args.leads}"):
        leads = read_columns(args.leads, table="leads", progress=prog)
    obs = observe(leads, stages=stages, mode=args.mode, by=args.by)
    table = obs.to_frame(backend="dict")
    _write_or_print(args.out, table, "funnel", pct=("rate", "rate_low", "rate_high"), max_rows=None)
    return 0


def _sla_from_file(path: str) -> Any:
    from ..models import SLA

    p = Path(path)
    if not p.is_file():
        raise CLIError(f"agreement: no such file: {path!r}")
    if p.suffix.lower() == ".toml":
        return SLA.from_toml(p)
    if p.suffix.lower() == ".json":
        return SLA.from_json(p)
    raise CLIError(f"agreement {path!r}: use a .toml or .json file")


def _cmd_sla(args: argparse.Namespace) -> int:
    from ..sla import evaluate

    prog = _progress(args)
    agreement = _sla_from_file(args.agreement)
    with prog.step("reading leads and activities"):
        leads = read_columns(args.leads, table="leads", progress=prog)
        acts = read_columns(args.activities, table="activities", progress=prog)
    with prog.step("evaluating the agreement"):
        report = evaluate(agreement, leads, acts, as_of=args.as_of)
    _emit(sla_summary_text(report))
    if args.out:
        write_columns(args.out, report.leads.to_frame("dict"), table="lead statuses")
    if args.breaches:
        write_columns(args.breaches, report.breaches().to_frame("dict"), table="breaches")
    if args.periods:
        write_columns(args.periods, report.periods.to_frame("dict"), table="periods")
    return 0


def sla_summary_text(report: Any) -> str:
    """Per-period marketing delivery and sales compliance as text."""
    per = report.periods.to_frame("dict")
    as_of = np.datetime64(report.summary["as_of"], "us")
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
    s = report.summary
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
        ),
    ]
    return "\n".join(lines)


def _cmd_plugins(args: argparse.Namespace) -> int:
    from ..plugins import attribution_models, list_plugins, plugin_errors, scorers

    plugins = list_plugins()
    models = attribution_models()
    scoring = scorers()
    errors = plugin_errors()
    if args.json:
        _emit(
            json.dumps(
                {
                    "plugins": [
                        {
                            "name": p.name,
                            "version": p.version,
                            "hooks": list(p.hooks),
                            "builtin": p.builtin,
                        }
                        for p in plugins
                    ],
                    "attribution_models": models,
                    "scorers": scoring,
                    "errors": [str(e) for e in errors],
                },
                indent=2,
            )
        )
        return 0
    _emit("plugins")
    _emit(
        text_table(
            {
                "name": [p.name for p in plugins],
                "version": [p.version or "-" for p in plugins],
                "builtin": ["yes" if p.builtin else "no" for p in plugins],
                "hooks": [", ".join(p.hooks) for p in plugins],
            },
            max_rows=None,
        )
    )
    _emit("\nattribution models")
    _emit(text_table({"name": list(models), "description": list(models.values())}, max_rows=None))
    _emit("\nscorers")
    _emit(text_table({"name": list(scoring), "description": list(scoring.values())}, max_rows=None))
    for e in errors:
        print(f"alignment: warning: {e}", file=sys.stderr)
    return 0


# ============================================================================ demo

#: fit rules of the demo's grid (points for the synthetic company's ideal customer profile)
DEMO_FIT_RULES: list[dict[str, Any]] = [
    {
        "column": "persona",
        "isin": ["revops_leader", "enterprise_buyer"],
        "points": 15,
        "name": "core persona",
    },
    {"column": "persona", "equals": "ops_manager", "points": 8, "name": "secondary persona"},
    {
        "column": "seniority",
        "isin": ["executive", "director"],
        "points": 10,
        "name": "senior title",
    },
    {"column": "company_size", "min": 200, "points": 8, "name": "200+ employees"},
    {"column": "industry", "isin": ["software", "fintech"], "points": 5, "name": "target industry"},
    {
        "column": "email",
        "contains": ["gmail.com", "outlook.com", "yahoo.com"],
        "points": -5,
        "name": "free-mail address",
    },
]
#: the demo grid's cut points (fit A–D, interest 1–4)
DEMO_GRID: dict[str, Any] = {"fit_cuts": (30, 20, 10), "interest_cuts": (200, 120, 60)}
#: attribution models the demo compares side by side
DEMO_MODELS: tuple[str, ...] = (
    "first",
    "last",
    "linear",
    "time_decay",
    "position_based",
    "w_shaped",
    "markov",
    "shapley",
)
#: logistic scorer features (explicit attributes known when the lead arrives)
DEMO_FEATURES: tuple[str, ...] = (
    "company_size",
    "industry",
    "country",
    "seniority",
    "persona",
    "source",
)
DEMO_STAGES: tuple[str, ...] = (
    "created_at",
    "mql_at",
    "sal_at",
    "sql_at",
    "opportunity_at",
    "won_at",
)


def run_demo(
    n_leads: int = 10_000, seed: int = 0, progress: Progress | None = None
) -> dict[str, Any]:
    """Run every engine on a synthetic CRM; the results the demo prints and reports.

    Returns
    -------
    dict
        ``crm`` (SyntheticCRM), ``scores`` (grid ScoreResult), ``logistic`` (ScoreResult),
        ``auc``, ``cells`` (cell conversion table), ``attribution`` (model → result),
        ``funnel`` (FunnelObservation), ``plan`` (Plan), ``plan_target``, ``sla``
        (SLAReport), ``closed_loop`` (ClosedLoopReport), ``timings`` (step → seconds).
    """
    from .. import closed_loop as closed_loop_mod
    from .. import funnel as funnel_mod
    from .. import sla as sla_mod
    from ..attribution import attribute
    from ..datasets import synthetic_crm
    from ..scoring import LogisticScorer, metrics, score

    prog = progress or Progress(False)
    out: dict[str, Any] = {"timings": {}}

    def timed(label: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        with prog.step(label):
            value = fn()
        out["timings"][label] = time.perf_counter() - start
        return value

    crm = timed(
        f"generating a synthetic CRM ({n_leads:,} leads, seed {seed})",
        lambda: synthetic_crm(n_leads, seed=seed),
    )
    out["crm"] = crm
    lt, journeys = timed(
        "building lead and journey tables", lambda: (crm.lead_table(), crm.journeys())
    )
    won = ~np.isnat(crm.leads["won_at"])
    closed = won | ~np.isnat(crm.leads["lost_at"])

    grid = timed(
        "scoring leads (fit × interest grid)",
        lambda: score(lt, journeys, scorer="grid", fit_rules=DEMO_FIT_RULES, **DEMO_GRID),
    )
    out["scores"] = grid
    out["cells"] = metrics.cell_conversion(grid, won, backend="dict")

    def logistic() -> Any:
        model = LogisticScorer(l2=1.0, features=list(DEMO_FEATURES)).fit(lt)
        return model, score(lt, scorer=model)

    model, logit = timed("fitting the logistic scorer on won/lost", logistic)
    out["logistic_model"] = model
    out["logistic"] = logit
    p = np.asarray(logit["probability"])
    out["auc"] = float(metrics.roc_auc(won[closed], p[closed])) if closed.any() else math.nan

    results: dict[str, Any] = {}
    for name in DEMO_MODELS:  # loop over models (a handful)

        def run(model: str = name) -> Any:
            return attribute(journeys, model=model)

        results[name] = timed(f"attribution: {name}", run)
    out["attribution"] = results

    obs = timed("observing the funnel", lambda: funnel_mod.observe(lt, stages=list(DEMO_STAGES)))
    out["funnel"] = obs
    revenue = float(crm.conversions["revenue"].sum())
    n_won = int(won.sum())
    deal = revenue / n_won if n_won else 1.0
    target = max(round(1.2 * revenue, -3), 1000.0)
    out["plan_target"] = target
    out["deal_size"] = deal
    out["plan"] = (
        timed(
            "planning next quarter (+20% revenue)",
            lambda: funnel_mod.plan_from(
                obs, revenue_target=target, average_deal_size=deal, periods=3
            ),
        )
        if n_won
        else None
    )

    leads_for_sla = dict(crm.leads)
    leads_for_sla["grid_cell"] = np.asarray(grid["cell"], dtype=object)
    out["sla"] = timed(
        "evaluating the SLA",
        lambda: sla_mod.evaluate(crm.sla, lt, crm.activities, as_of=crm.as_of),
    )
    out["closed_loop"] = timed(
        "closed-loop report by source and campaign",
        lambda: closed_loop_mod.closed_loop(
            lt,
            deals=crm.deals,
            costs=crm.costs,
            attribution=attribute(journeys, model="time_decay"),
            attribution_by="campaign",
            by=("source", "campaign"),
        ),
    )
    return out


def demo_summary_text(res: Mapping[str, Any]) -> str:
    """The demo's terminal summary."""
    crm = res["crm"]
    n = crm.n_leads
    lines: list[str] = []
    w = lines.append
    w(
        f"Synthetic CRM (seed {crm.seed}): {n:,} leads, {len(crm.touchpoints['lead_id']):,} "
        f"touches, {len(crm.deals['deal_id']):,} deals, "
        f"{len(crm.activities['lead_id']):,} sales activities"
    )
    w(
        f"Period {str(crm.start)[:10]} → {str(crm.as_of - np.timedelta64(1, 'D'))[:10]}, "
        f"data as of {str(crm.as_of)[:10]}"
    )

    # funnel
    f = res["funnel"].to_frame(backend="dict")
    w("\nFUNNEL (in order; conversion to the next stage, median days to get there)")
    w(
        text_table(
            {
                "from": f["from_stage"],
                "to": f["to_stage"],
                "leads": f["n_from"],
                "converted": f["converted"],
                "rate": f["rate"],
                "median_days": f["median_days"],
            },
            pct=("rate",),
            decimals={"median_days": 1},
            max_rows=None,
        )
    )
    plan = res.get("plan")
    if plan is not None:
        req = plan.required_whole
        top = next(iter(req))
        w(
            f"  Plan: {res['plan_target']:,.0f} revenue next quarter (+20%) at "
            f"{res['deal_size']:,.0f} per deal needs {float(np.asarray(plan.customers)):,.0f} "
            f"customers and {float(np.asarray(req[top])):,.0f} new leads at today's rates."
        )

    # scoring
    cells = res["cells"]
    w("\nSCORING (fit × interest grid, A1 best): conversion to won per cell")
    keep = np.asarray(cells["n"]) > 0
    w(
        text_table(
            {
                "cell": np.asarray(cells["cell"])[keep],
                "leads": np.asarray(cells["n"])[keep],
                "won": np.asarray(cells["conversions"])[keep],
                "rate": np.asarray(cells["rate"])[keep],
            },
            pct=("rate",),
            max_rows=None,
        )
    )
    sc = res["scores"]
    actions = np.asarray(sc["action"], dtype=object)
    won = ~np.isnat(crm.leads["won_at"])
    parts = []
    for act in ("sales_ready", "nurture", "review", "disqualify"):
        m = actions == act
        if m.any():
            parts.append(f"{act} {int(m.sum()):,} ({100 * won[m].mean():.1f}% won)")
    w("  Actions: " + ", ".join(parts))
    w(f"  Logistic scorer on explicit attributes: ROC AUC {res['auc']:.3f} on closed leads")

    # attribution
    att = res["attribution"]
    totals = {m: r.totals(by="channel") for m, r in att.items()}
    channels = sorted(set().union(*totals.values()))
    total_rev = sum(next(iter(totals.values())).values())
    w(f"\nATTRIBUTION: share of {total_rev:,.0f} won revenue by channel under each model")
    table: dict[str, Any] = {"channel": channels}
    for m, t in totals.items():
        s = sum(t.values()) or 1.0
        table[m] = [t.get(c, 0.0) / s for c in channels]
    w(text_table(table, pct=tuple(totals), max_rows=None))

    # SLA
    w("\nSLA (marketing delivery and sales follow-up per month)")
    w(sla_summary_text(res["sla"]))

    # closed loop
    cl = res["closed_loop"]
    t = cl.table.to_frame("dict")
    by_source: dict[str, list[float]] = {}
    for i in range(len(t["source"])):
        src = str(t["source"][i])
        acc = by_source.setdefault(src, [0.0, 0.0, 0.0, 0.0, 0.0])
        acc[0] += float(t["leads"][i])
        acc[1] += float(t["mqls"][i])
        acc[2] += float(t["won"][i])
        acc[3] += float(np.nan_to_num(t["revenue"][i]))
        acc[4] += float(np.nan_to_num(t["cost"][i]))
    srcs = sorted(by_source, key=lambda s: -by_source[s][3])
    w("\nCLOSED LOOP by source (revenue from won deals, campaign costs)")
    w(
        text_table(
            {
                "source": srcs,
                "leads": [int(by_source[s][0]) for s in srcs],
                "mqls": [int(by_source[s][1]) for s in srcs],
                "won": [int(by_source[s][2]) for s in srcs],
                "revenue": [by_source[s][3] for s in srcs],
                "cost": [by_source[s][4] for s in srcs],
                "roi": [
                    (by_source[s][3] - by_source[s][4]) / by_source[s][4]
                    if by_source[s][4] > 0
                    else math.nan
                    for s in srcs
                ],
            },
            money=("revenue", "cost"),
            ratio=("roi",),
            max_rows=None,
        )
    )
    if "(missing)" in by_source:
        w("  (missing): campaign cost that matched no lead (e.g. outbound or newsletters)")
    s = cl.summary
    w(
        f"  Data quality: {s['n_duplicates']:,} duplicate and {s['n_incomplete']:,} "
        f"incomplete leads of {s['n_leads']:,}"
    )
    return "\n".join(lines)


def _cmd_demo(args: argparse.Namespace) -> int:
    if args.leads < 1:
        raise CLIError(f"--leads must be at least 1, got {args.leads}")
    prog = _progress(args)
    res = run_demo(args.leads, args.seed, prog)
    if not args.no_report:
        from ..report import write_report

        with prog.step(f"writing the HTML report to {args.out}"):
            write_report(args.out, **report_inputs(res))
    _emit(demo_summary_text(res))
    if not args.no_report:
        _emit(f"\nReport: {os.path.abspath(args.out)} (open it in a browser)")
    return 0


def report_inputs(res: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`alignment.report.build_report` for demo results."""
    crm = res["crm"]
    return {
        "title": "Sales & marketing alignment — synthetic company",
        "subtitle": (
            f"{crm.n_leads:,} leads created {str(crm.start)[:10]} → "
            f"{str(crm.as_of - np.timedelta64(1, 'D'))[:10]} · data as of {str(crm.as_of)[:10]}"
            f" · generated by alignment demo (seed {crm.seed})"
        ),
        "funnel": res["funnel"],
        "plan": res.get("plan"),
        "attribution": res["attribution"],
        "scores": res["scores"],
        "converted": ~np.isnat(crm.leads["won_at"]),
        "sla": res["sla"],
        "closed_loop": res["closed_loop"],
    }


# ============================================================================ entry point


def _one_line(exc: BaseException) -> str:
    """A one-line description of an error (pydantic errors condensed to their first problem)."""
    errors = getattr(exc, "errors", None)
    if callable(errors) and type(exc).__name__ == "ValidationError":
        try:
            first = errors()[0]
            loc = ".".join(str(x) for x in first.get("loc", ()))
            n = len(errors())
            more = f" (and {n - 1} more problem(s))" if n > 1 else ""
            return f"invalid {getattr(exc, 'title', 'input')}: {loc}: {first.get('msg')}{more}"
        except Exception:  # pragma: no cover - defensive
            pass
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``alignment`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        status: int = args.handler(args)
        return status
    except KeyboardInterrupt:
        print("alignment: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `alignment ... | head`
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")
        return 0
    except Exception as exc:
        if args.debug:
            raise
        known = isinstance(exc, (AlignmentError, ValueError, LookupError, OSError))
        prefix = "error" if known else f"unexpected error ({type(exc).__name__})"
        print(f"alignment: {prefix}: {_one_line(exc)}", file=sys.stderr)
        if not known:
            print("alignment: run again with --debug for the traceback", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
