"""The argument parser of the ``alignment`` command, one function per sub-command."""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable
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

    parser = argparse.ArgumentParser(
        prog="alignment",
        description=(
            "Sales & marketing alignment as computation: lead scoring, attribution, funnel "
            "planning, SLAs and closed-loop reporting. Start with: alignment demo"
        ),
        parents=[_common(top=True)],
    )
    parser.add_argument("--version", action="version", version=f"alignment {__version__}")
    commands = _Commands(parser, "command", "COMMAND", _common())

    _add_demo(commands)
    _add_attribute(commands)
    _add_score(commands)
    _add_funnel(commands)
    _add_sla(commands)
    _add_plugins(commands)
    return parser


class _Commands:
    """The sub-commands of one parser, each with the common options and its handler."""

    def __init__(
        self,
        parser: argparse.ArgumentParser,
        dest: str,
        metavar: str,
        common: argparse.ArgumentParser,
    ) -> None:
        self.sub = parser.add_subparsers(dest=dest, metavar=metavar)
        self.common = common

    def add(
        self, name: str, handler: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        """The sub-command ``name``, run by ``handler``.

        The handler's docstring is the sub-command's help: its first line the one-line help
        of the command list, the rest the description.
        """
        about = inspect.getdoc(handler) or ""
        help, _, description = about.partition("\n\n")
        p = self.sub.add_parser(name, parents=[self.common], help=help, description=description)
        p.set_defaults(handler=handler)
        return p


def _input_file(
    p: argparse.ArgumentParser, name: str, metavar: str, kind: str = ".csv or .parquet"
) -> None:
    """The positional input file ``name`` (``kind``: the formats read)."""
    p.add_argument(name, metavar=metavar, help=f"{name} file ({kind})")


def _out_option(p: argparse.ArgumentParser, what: str) -> None:
    """``--out FILE``: where to write ``what``."""
    p.add_argument("--out", metavar="FILE", help=f"write {what} (.csv, .parquet, - = stdout)")


def _param_option(p: argparse.ArgumentParser, what: str) -> None:
    """``--param NAME=VALUE`` (repeatable): another parameter of the ``what``."""
    p.add_argument(
        "--param", action="append", metavar="NAME=VALUE", help=f"another {what} parameter"
    )


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


def _add_demo(commands: _Commands) -> None:
    """``alignment demo``."""
    p = commands.add("demo", _cmd_demo)
    p.add_argument("--leads", type=int, default=10_000, metavar="N", help="leads (10000)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (0)")
    p.add_argument(
        "--out",
        default="alignment-report.html",
        metavar="FILE",
        help="HTML report to write (alignment-report.html)",
    )
    p.add_argument("--no-report", action="store_true", help="print the summary only")


def _add_attribute(commands: _Commands) -> None:
    """``alignment attribute``."""
    p = commands.add("attribute", _cmd_attribute)
    _input_file(p, "touchpoints", "TOUCHES")
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
    _param_option(p, "model")
    p.add_argument("--by", default="channel", help="roll-up key (channel, campaign, source …)")
    p.add_argument(
        "--level",
        choices=["key", "touch"],
        default="key",
        help="output one row per key (default) or per touch",
    )
    _out_option(p, "the table")
    _column_options(p, lead=True, time=True, channel=True, conversion=True)


def _add_score(commands: _Commands) -> None:
    """``alignment score``."""
    p = commands.add("score", _cmd_score)
    _input_file(p, "leads", "LEADS")
    p.add_argument("--touchpoints", metavar="FILE", help="touches (interest for the grid)")
    p.add_argument("--scorer", default="grid", help="scorer name (grid, logistic, a plugin's)")
    p.add_argument("--rules", metavar="FILE", help="JSON/TOML file of scorer parameters")
    _param_option(p, "scorer")
    p.add_argument("--as-of", metavar="INSTANT", help="evaluation time (grid decay/window)")
    p.add_argument(
        "--target",
        metavar="COLUMN",
        help="outcome column to fit a learning scorer on (0/1, or a stage such as won_at)",
    )
    _out_option(p, "per-lead scores")


def _add_funnel(commands: _Commands) -> None:
    """``alignment funnel plan`` and ``alignment funnel observe``."""
    p = commands.add("funnel", _cmd_funnel_help)
    p.set_defaults(funnel_parser=p)
    actions = _Commands(p, "funnel_command", "ACTION", commands.common)
    fp = actions.add("plan", _cmd_funnel_plan)
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
    _out_option(fp, "the plan table")
    fo = actions.add("observe", _cmd_funnel_observe)
    _input_file(fo, "leads", "LEADS")
    fo.add_argument(
        "--stages",
        default="created_at,mql_at,sal_at,sql_at,opportunity_at,won_at",
        help="comma-separated stage columns, top to bottom",
    )
    fo.add_argument("--mode", choices=["ordered", "any"], default="ordered")
    fo.add_argument("--by", help="segment by a lead column (source, owner …)")
    _out_option(fo, "the table")


def _add_sla(commands: _Commands) -> None:
    """``alignment sla``."""
    p = commands.add("sla", _cmd_sla)
    _input_file(p, "agreement", "AGREEMENT", ".toml or .json")
    p.add_argument("--leads", required=True, metavar="FILE", help="leads file")
    p.add_argument("--activities", required=True, metavar="FILE", help="sales activities file")
    p.add_argument("--as-of", required=True, metavar="INSTANT", help="evaluation instant")
    _out_option(p, "per-lead statuses")
    p.add_argument("--breaches", metavar="FILE", help="write the breach list")
    p.add_argument("--periods", metavar="FILE", help="write the per-period summary")


def _add_plugins(commands: _Commands) -> None:
    """``alignment plugins``."""
    p = commands.add("plugins", _cmd_plugins)
    p.add_argument("--json", action="store_true", help="machine-readable output")
