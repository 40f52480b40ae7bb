"""The command line's shared pieces: exit statuses, its error type, progress and warnings."""

from __future__ import annotations

import contextlib
import re
import sys
import time
import warnings
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, TextIO

from ..errors import AlignmentError, AlignmentWarning

__all__ = [
    "EXIT_ERROR",
    "EXIT_USAGE",
    "CLIError",
    "Progress",
    "UsageError",
    "WarningPrinter",
    "is_terminal",
    "not_a_file",
    "say",
]

#: exit status for bad input (data, parameters, files)
EXIT_ERROR = 1
#: exit status for command-line usage errors (argparse's convention)
EXIT_USAGE = 2
#: rows read from which a file's row count is reported
_PROGRESS_ROWS = 500_000


class CLIError(AlignmentError):
    """A problem with the command line's files or options (reported in one line)."""


class UsageError(CLIError):
    """Options that do not go together (exit status 2, like argparse's usage errors)."""


def not_a_file(path: str | Path, what: str | None = None) -> CLIError:
    """The error of a path given as a file that is not one: a directory, or nothing there.

    Parameters
    ----------
    path : str or Path
        The path given.
    what : str, optional
        What the file holds (``"touchpoints"``, ``"agreement"``), the message's prefix.
    """
    head = f"{what}: " if what else ""
    p = Path(path)
    if p.is_dir():
        return CLIError(f"{head}{str(p)!r} is a directory, not a file; give the file's path")
    if p.exists():
        return CLIError(f"{head}{str(p)!r} is not a regular file; give the file's path")
    return CLIError(f"{head}no such file: {str(p)!r}")


def say(message: str) -> None:
    """A line of results on stderr that ``-q`` does not silence: what a table written to a file
    (or to standard output as CSV) cannot hold, such as the revenue left unattributed or why
    its ``n/a`` cells have no value."""
    print(message, file=sys.stderr, flush=True)


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is an interactive terminal (colours and live progress only there)."""
    return bool(getattr(stream, "isatty", lambda: False)())


class Progress:
    """Progress messages on stderr (``... step done in 0.4 s``); silent when disabled.

    On a terminal the running step shows as a live status line (``rich``); elsewhere (a file,
    a pipe, a test) each step is one plain line once it is done.
    """

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
        if self.enabled and is_terminal(self.stream):
            from rich.console import Console

            console = Console(file=self.stream, highlight=False, markup=False, emoji=False)
            with console.status(f"{label} ..."):
                yield
        else:
            yield
        self.note(f"... {label} done in {time.perf_counter() - start:.1f} s")


class WarningPrinter:
    """Warnings as ``alignment: warning: MESSAGE`` lines on stderr, each distinct one once
    (its hints in the command line's words, see :func:`alignment.cli._hints.cli_hint`).

    Installed by :func:`alignment.cli.main` for the run of one command (in place of Python's
    ``path:line: Category: message`` format), and called directly for the problems a command
    lists itself (plugins that failed to load).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self.seen: set[str] = set()
        #: the options the running command takes (its hints name no other; empty: any)
        self.options: Collection[str] = ()
        #: the columns of naive instants read as UTC (of every file and call of the command:
        #: named in one warning when it ends) and that warning's fix
        self.naive: dict[str, None] = {}
        self.naive_fix = ""

    def __call__(self, message: Warning | str) -> None:

        raw = " ".join(str(message).split())
        if (naive := _NAIVE.fullmatch(raw)) is not None:
            self.naive.update(dict.fromkeys(naive["columns"].split(", ")))
            self.naive_fix = naive["fix"]
            return
        self._print(raw)

    def _print(self, raw: str) -> None:
        from ._hints import cli_hint

        text = cli_hint(raw, options=self.options)
        if text in self.seen:
            return
        self.seen.add(text)
        print(f"alignment: warning: {text}", file=self.stream or sys.stderr, flush=True)

    def show(self, message: Warning | str, *_: Any, **__: Any) -> None:
        """The :func:`warnings.showwarning` hook."""
        self(message)

    @contextlib.contextmanager
    def installed(self) -> Iterator[WarningPrinter]:
        with warnings.catch_warnings():
            # the library's warnings every time (the printer shows each distinct one once)
            warnings.simplefilter("always", AlignmentWarning)
            warnings.showwarning = self.show
            try:
                yield self
            finally:
                self.flush()

    def flush(self) -> None:
        """Print the one warning naming the columns of naive instants noted so far."""
        if self.naive:
            columns, self.naive = ", ".join(self.naive), {}
            fix = self.naive_fix
            if self.options and "--tz" not in self.options:  # (plain files: no --tz)
                fix = _PLAIN_NAIVE_FIX
            self._print(f"{_NAIVE_TEXT}{columns}; fix: {fix}")


#: the library's warning of naive instants read as UTC (one per call; per file for the files
#: the command reads itself)
_NAIVE_TEXT = "naive instants (without time zone) were read as UTC in "
_PLAIN_NAIVE_FIX = (
    "write the instants with their offset (2024-03-05T09:30:00-05:00) if they are not UTC (a "
    "CRM export read with --preset is read in its zone)"
)
_NAIVE = re.compile(re.escape(_NAIVE_TEXT) + r"(?P<columns>[^;]+); fix: (?P<fix>.*)")
