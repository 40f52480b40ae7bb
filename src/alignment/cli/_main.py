"""The command line: the entry point (:func:`main`).

The pieces live in sibling modules (``_common``, ``_io``, ``_text``, ``_args``, ``_parser``,
``_commands``, ``_demo``); the names below are re-exported here so that
``alignment.cli._main.<name>`` keeps working.  Public names are re-exported by
:mod:`alignment.cli`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from ..errors import AlignmentError
from ._common import EXIT_ERROR, EXIT_USAGE, CLIError, Progress, WarningPrinter
from ._demo import (
    DEMO_FEATURES,
    DEMO_FIT_RULES,
    DEMO_GRID,
    DEMO_MODELS,
    DEMO_STAGES,
    demo_summary_text,
    report_inputs,
    run_demo,
)
from ._hints import cli_hint
from ._inputs import EXPORT_ONLY, UsageError
from ._io import read_columns, write_columns
from ._parser import build_parser, parse
from ._text import sla_summary_text, text_table

__all__ = [
    "DEMO_FEATURES",
    "DEMO_FIT_RULES",
    "DEMO_GRID",
    "DEMO_MODELS",
    "DEMO_STAGES",
    "EXIT_ERROR",
    "EXIT_USAGE",
    "CLIError",
    "Progress",
    "UsageError",
    "build_parser",
    "demo_summary_text",
    "main",
    "read_columns",
    "report_inputs",
    "run_demo",
    "sla_summary_text",
    "text_table",
    "write_columns",
]


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


def _error_line(exc: BaseException, args: argparse.Namespace) -> str:
    """The one line of an error, the library's hints in the command line's words.

    A :class:`CLIError` is the command line's own message (already in its words, its examples
    such as ``lead=0.04`` meant as written): it is shown as it is.
    """
    if isinstance(exc, CLIError):
        return _one_line(exc)
    column = getattr(exc, "column", None) if isinstance(exc, AlignmentError) else None
    table = getattr(exc, "table", None) if isinstance(exc, AlignmentError) else None
    return cli_hint(_one_line(exc), column=column, table=table, options=_options_of(args))


def _options_of(args: argparse.Namespace) -> set[str]:
    """The options the running command takes now (on plain files, not the export's)."""
    parser = getattr(args, "command_parser", None)
    options = set(getattr(parser, "_option_string_actions", ()))
    if getattr(args, "preset", None) is None:  # plain files: the export's options are refused
        options -= {flag for _, flag in EXPORT_ONLY}
    return options


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``alignment`` command; returns the exit status.

    Without a command it prints the help (status 0).  Warnings (a plugin that failed to load,
    instants read as UTC …) are printed once each as ``alignment: warning: …``.
    """
    printer = WarningPrinter()
    with printer.installed():
        parser = build_parser()
        args = parse(parser, argv)
        args.warn = printer
        printer.options = _options_of(args)
        if getattr(args, "handler", None) is None:
            parser.print_help()
            return 0
        return _run(args)


def _run(args: argparse.Namespace) -> int:
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
        getattr(args, "warn", WarningPrinter()).flush()  # (its warnings before the error line)
        if not _is_known(exc):
            print(f"alignment: internal error: {_internal_line(exc)}", file=sys.stderr)
            return EXIT_ERROR
        print(f"alignment: error: {_error_line(exc, args)}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_ERROR


def _is_known(exc: BaseException) -> bool:
    """Whether ``exc`` reports bad input (shown as ``error:``), not a bug of the library.

    The library's own errors, files that cannot be read, and the ``ValueError`` /
    ``LookupError`` of bad input (an unknown encoding …) are known; a bare ``KeyError`` or
    ``IndexError`` is a lookup inside the library that went wrong: a bug, never the user's input
    (its text, such as ``'deal_id'``, would explain nothing).
    """
    if isinstance(exc, AlignmentError):
        return True
    if isinstance(exc, (KeyError, IndexError)):
        return False
    return isinstance(exc, (ValueError, LookupError, OSError))


def _internal_line(exc: BaseException) -> str:
    """The line of a bug: the exception, and the advice to report it."""
    return (
        f"{type(exc).__name__}: {_one_line(exc)}; this is a bug in alignment: please report it "
        "with the command and its traceback (run again with --debug to see it)"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
