"""The argument parser of the ``alignment`` command, one function per sub-command."""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from ..funnel import DEFAULT_STAGES
from ._args import _flag
from ._commands import (
    _cmd_attribute,
    _cmd_funnel_help,
    _cmd_funnel_observe,
    _cmd_funnel_plan,
    _cmd_plugins,
    _cmd_score,
    _cmd_sla,
)
from ._crm_commands import _cmd_closed_loop, _cmd_report
from ._demo import DEMO_REPORT, _cmd_demo
from ._io import HTML_FILES, TABLE_FILES, file_kind

__all__ = ["build_parser", "parse"]


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments of the command line, an optional positional after the options included.

    ``alignment sla AGREEMENT --preset salesforce EXPORT`` gives ``EXPORT`` after an option,
    which argparse leaves over: it is the command's ``trailing`` positional when that is unset.
    """
    args, extra = parser.parse_known_args(argv)
    command = getattr(args, "command_parser", None)
    name = getattr(command, "trailing", None)
    if name and getattr(args, name, None) is None and extra and not extra[0].startswith("-"):
        setattr(args, name, extra.pop(0))
    if extra:
        (command or parser).error(f"unrecognized arguments: {' '.join(extra)}")
    return args


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
        formatter_class=lambda prog: argparse.HelpFormatter(prog, max_help_position=28),
    )
    parser.add_argument("--version", action="version", version=f"alignment {__version__}")
    commands = _Commands(parser, "command", "COMMAND", _common())

    _add_demo(commands)
    _add_attribute(commands)
    _add_score(commands)
    _add_funnel(commands)
    _add_sla(commands)
    _add_closed_loop(commands)
    _add_report(commands)
    _add_plugins(commands)
    return parser


class _Parser(argparse.ArgumentParser):
    """A sub-command's parser.

    Its help may end with text made when it is shown (``more_help``: the registered models
    are listed without loading the plugins on every run); ``trailing`` names an optional
    positional that may also come after the options (see :func:`parse`).
    """

    more_help: Callable[[], str] | None = None
    trailing: str | None = None

    def format_help(self) -> str:
        text = super().format_help()
        return text + "\n" + self.more_help() + "\n" if self.more_help else text


class _Commands:
    """The sub-commands of one parser, each with the common options and its handler."""

    def __init__(
        self,
        parser: argparse.ArgumentParser,
        dest: str,
        metavar: str,
        common: argparse.ArgumentParser,
    ) -> None:
        self.sub = parser.add_subparsers(dest=dest, metavar=metavar, parser_class=_Parser)
        self.common = common

    def add(self, name: str, handler: Callable[[argparse.Namespace], int]) -> _Parser:
        """The sub-command ``name``, run by ``handler``.

        The handler's docstring is the sub-command's help: its first line the one-line help
        of the command list, the rest the description.
        """
        about = inspect.getdoc(handler) or ""
        help, _, description = about.partition("\n\n")
        common: Any = self.common  # a plain parser, as a parent of the _Parser made here
        p = self.sub.add_parser(name, parents=[common], help=help, description=description)
        p.set_defaults(handler=handler, command_parser=p)
        return p


def _input_file(
    p: argparse.ArgumentParser, name: str, metavar: str, kind: str = ".csv or .parquet"
) -> None:
    """The positional input file ``name`` (``kind``: the formats read)."""
    p.add_argument(name, metavar=metavar, help=f"{name} file ({kind})")


def _input_or_export(p: argparse.ArgumentParser, name: str, metavar: str) -> None:
    """The positional input: a file of ``name``, or with ``--preset`` the export folder."""
    p.add_argument(
        name,
        metavar=metavar,
        help=f"{name} file (.csv or .parquet); with --preset, the folder of the CRM export",
    )


def _file_type(kinds: tuple[str, ...], stdout: bool) -> Callable[[str], str]:
    """An argparse type: a file name ending in one of ``kinds`` (``-``: standard output)."""

    def check(text: str) -> str:
        if (stdout and text == "-") or file_kind(text, kinds):
            return text
        dash = " or - (standard output)" if stdout else ""
        raise argparse.ArgumentTypeError(
            f"cannot write {text!r}: the file's ending says its format: {', '.join(kinds)}{dash}"
        )

    return check


def _whole_number(least: int, what: str) -> Callable[[str], int]:
    """An argparse type: a whole number of ``least`` or more (another value is a usage error);
    ``what`` names it in the message."""

    def check(text: str) -> int:
        try:
            value: int | None = int(text)
        except ValueError:
            value = None
        if value is None or value < least:
            raise argparse.ArgumentTypeError(
                f"{what} is a whole number of {least} or more, got {text!r}"
            )
        return value

    return check


#: a random seed: a whole number of 0 or more (numpy's rule)
_seed = _whole_number(0, "a random seed")


def _out_option(p: argparse.ArgumentParser, what: str) -> None:
    """``--out FILE``: where to write ``what`` (its format by its ending)."""
    p.add_argument(
        "--out",
        metavar="FILE",
        type=_file_type(TABLE_FILES, stdout=True),
        help=f"write {what}: .csv, .tsv (.gz), .parquet, .json, or - (CSV on stdout)",
    )


def _read_options(p: argparse.ArgumentParser, *, persons: bool = True) -> None:
    """How the inputs are read: a CRM export (``--preset`` …), column names (``--map``)."""
    from ..io import PRESETS

    g = p.add_argument_group(
        "reading a CRM export",
        "With --preset the input is the folder of the CRM's export files, read by "
        "alignment.io.read_crm; without it, the files hold our tables.",
    )
    g.add_argument("--preset", choices=sorted(PRESETS), help="the CRM that wrote the export")
    g.add_argument("--tz", metavar="ZONE", help="time zone of instants without an offset")
    g.add_argument(
        "--map",
        action="append",
        metavar="[TABLE.]THEIRS=OURS",
        help="read their column as ours, e.g. Lead.MQL_Date__c=mql_at (repeat; OURS empty "
        "drops theirs); without --preset, renames a column of the files",
    )
    g.add_argument(
        "--dayfirst", type=_flag, metavar="true|false", help="03/05/2024 is 3 May (true)"
    )
    g.add_argument("--date-format", metavar="FORMAT", help="strptime format, e.g. %%d.%%m.%%Y")
    g.add_argument("--decimal", choices=[".", ","], help="decimal mark of amounts (.)")
    g.add_argument(
        "--won-stage",
        action="append",
        dest="won_stages",
        metavar="STAGE",
        help="a deal stage that means won (repeat)",
    )
    g.add_argument(
        "--currency-rate",
        action="append",
        metavar="CUR=FACTOR",
        help="factor to one currency when amounts are in several (repeat), e.g. EUR=1.08",
    )
    if persons:
        c = p.add_argument_group("column names")
        c.add_argument("--lead-id", metavar="COLUMN", help="the leads' id column (lead_id)")
        c.add_argument(
            "--created-at", metavar="COLUMN", help="the leads' creation time column (created_at)"
        )


def _param_option(p: argparse.ArgumentParser, what: str) -> None:
    """``--param NAME=VALUE`` (repeatable): another parameter of the ``what``."""
    p.add_argument(
        "--param", action="append", metavar="NAME=VALUE", help=f"another {what} parameter"
    )


def _column_options(p: argparse.ArgumentParser) -> None:
    """The column names of ``attribute``'s touches and conversions."""
    g = p.add_argument_group("column names")
    for flags, default, about in (
        (("--lead-col", "--lead-id"), "lead_id", "journey key"),
        (("--time-col",), "timestamp", "touch time"),
        (("--channel-col",), "channel", "channel"),
        (("--converted-at-col",), "converted_at", "conversion time"),
        (("--revenue-col",), "revenue", "revenue"),
    ):
        g.add_argument(*flags, default=default, metavar="COLUMN", help=f"{about} ({default})")


def _add_demo(commands: _Commands) -> None:
    """``alignment demo``."""
    p = commands.add("demo", _cmd_demo)
    p.add_argument(
        "--leads",
        type=_whole_number(1, "the number of leads"),
        default=10_000,
        metavar="N",
        help="leads, a whole number >= 1 (10000)",
    )
    p.add_argument(
        "--seed", type=_seed, default=0, metavar="S", help="random seed, a whole number >= 0 (0)"
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        type=_file_type(HTML_FILES, stdout=False),
        help=f"HTML report to write ({DEMO_REPORT})",
    )
    p.add_argument("--no-report", action="store_true", help="print the summary only (no --out)")


def _add_attribute(commands: _Commands) -> None:
    """``alignment attribute``."""
    p = commands.add("attribute", _cmd_attribute)
    p.more_help = _models_help
    _input_or_export(p, "touchpoints", "TOUCHES")
    p.add_argument("--conversions", metavar="FILE", help="conversions (or deals) file")
    p.add_argument("--leads", metavar="FILE", help="leads file (keys such as source, persona)")
    p.add_argument(
        "--model",
        action="append",
        dest="models",
        metavar="NAME",
        help="model name (listed below); repeat for several side by side (default linear)",
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
    _read_options(p, persons=False)
    _column_options(p)
    p.set_defaults(won_plain=True)  # deals files: won by stage


def _models_help() -> str:
    """The registered attribution models (plugins' included), for ``attribute --help``."""
    from ..plugins import attribution_models

    models = attribution_models()
    width = max(map(len, models), default=0)
    lines = [f"  {name.ljust(width)}  {about}" for name, about in models.items()]
    return "attribution models (--model NAME):\n" + "\n".join(lines)


def _add_score(commands: _Commands) -> None:
    """``alignment score``."""
    p = commands.add("score", _cmd_score)
    _input_or_export(p, "leads", "LEADS")
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
    _read_options(p)


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
    _input_or_export(fo, "leads", "LEADS")
    fo.add_argument(
        "--stages",
        help="comma-separated stage columns, top to bottom (default "
        f"{','.join(DEFAULT_STAGES)}; of a CRM export, those its leads have)",
    )
    fo.add_argument("--mode", choices=["ordered", "any"], default="ordered")
    fo.add_argument("--by", help="segment by a lead column (source, owner …)")
    _out_option(fo, "the table")
    _read_options(fo)


def _add_sla(commands: _Commands) -> None:
    """``alignment sla``."""
    p = commands.add("sla", _cmd_sla)
    _input_file(p, "agreement", "AGREEMENT", ".toml or .json")
    p.add_argument(
        "export", nargs="?", metavar="EXPORT", help="with --preset: the CRM export's folder"
    )
    p.trailing = "export"
    p.add_argument("--leads", metavar="FILE", help="leads file (without --preset)")
    p.add_argument("--activities", metavar="FILE", help="sales activities file (without --preset)")
    p.add_argument(
        "--as-of", metavar="INSTANT", help="evaluation instant (default: a CRM export's end)"
    )
    _out_option(p, "per-lead statuses")
    table_file = _file_type(TABLE_FILES, stdout=True)
    p.add_argument("--breaches", metavar="FILE", type=table_file, help="write the breach list")
    p.add_argument(
        "--periods", metavar="FILE", type=table_file, help="write the per-period summary"
    )
    _read_options(p)


def _add_closed_loop(commands: _Commands) -> None:
    """``alignment closed-loop``."""
    p = commands.add("closed-loop", _cmd_closed_loop)
    _input_or_export(p, "leads", "LEADS")
    p.add_argument("--deals", metavar="FILE", help="deals file: lead_id, amount, won")
    p.add_argument("--costs", metavar="FILE", help="costs file: cost and lead columns (campaign …)")
    p.add_argument(
        "--by",
        help="comma-separated lead columns (default: those of source,campaign,persona the "
        "leads have)",
    )
    p.add_argument(
        "--allocate",
        choices=["none", "leads"],
        default="none",
        help="costs that do not name every --by column: kept apart (none) or split over the "
        "keys by leads",
    )
    _out_option(p, "the table")
    _read_options(p)


def _add_report(commands: _Commands) -> None:
    """``alignment report``."""
    p = commands.add("report", _cmd_report)
    p.add_argument(
        "source",
        metavar="FOLDER",
        help="the CRM export's folder (--preset), or a folder of our tables (leads.csv, "
        "touchpoints.csv, deals.csv, deal_contacts.csv, activities.csv, costs.csv)",
    )
    p.add_argument(
        "--out",
        default="alignment-report.html",
        metavar="FILE",
        type=_file_type(HTML_FILES, stdout=False),
        help="the HTML report to write (alignment-report.html)",
    )
    p.add_argument("--sla", metavar="AGREEMENT", help="an agreement (.toml or .json) to evaluate")
    p.add_argument(
        "--as-of", metavar="INSTANT", help="evaluation instant (default: the data's end)"
    )
    p.add_argument(
        "--model",
        action="append",
        dest="models",
        metavar="NAME",
        help="attribution models side by side (repeat; default the demo's eight)",
    )
    p.add_argument(
        "--allocate",
        choices=["none", "leads", "revenue"],
        default="leads",
        help="how campaign costs reach the source × campaign rows (leads)",
    )
    p.add_argument("--title", help="the report's title")
    _read_options(p)
    p.set_defaults(won_plain=True)  # our deals table: won by stage


def _add_plugins(commands: _Commands) -> None:
    """``alignment plugins``."""
    p = commands.add("plugins", _cmd_plugins)
    p.add_argument("--json", action="store_true", help="machine-readable output")
