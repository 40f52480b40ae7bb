"""The argument parser of the ``alignment`` command, one function per sub-command."""

from __future__ import annotations

import argparse
from typing import Any

from ._commands import (
    _cmd_attribute,
    _cmd_funnel_help,
    _cmd_funnel_observe,
    _cmd_funnel_plan,
    _cmd_plugins,
    _cmd_score,
    _cmd_sla,
)
from ._demo import _cmd_demo

__all__ = ["build_parser"]


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

    _add_demo(sub, common)
    _add_attribute(sub, common)
    _add_score(sub, common)
    _add_funnel(sub, common)
    _add_sla(sub, common)
    _add_plugins(sub, common)
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


def _add_demo(sub: Any, common: argparse.ArgumentParser) -> None:
    """``alignment demo``."""
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


def _add_attribute(sub: Any, common: argparse.ArgumentParser) -> None:
    """``alignment attribute``."""
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


def _add_score(sub: Any, common: argparse.ArgumentParser) -> None:
    """``alignment score``."""
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


def _add_funnel(sub: Any, common: argparse.ArgumentParser) -> None:
    """``alignment funnel plan`` and ``alignment funnel observe``."""
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


def _add_sla(sub: Any, common: argparse.ArgumentParser) -> None:
    """``alignment sla``."""
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


def _add_plugins(sub: Any, common: argparse.ArgumentParser) -> None:
    """``alignment plugins``."""
    p = sub.add_parser(
        "plugins",
        parents=[common],
        help="installed plugins, attribution models and scorers",
        description="List the loaded plugins and the models and scorers they register.",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_cmd_plugins)
