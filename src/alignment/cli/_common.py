"""The command line's shared pieces: exit statuses, its error type and progress messages."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import TextIO

from ..errors import AlignmentError

__all__ = ["EXIT_ERROR", "EXIT_USAGE", "CLIError", "Progress"]

#: exit status for bad input (data, parameters, files)
EXIT_ERROR = 1
#: exit status for command-line usage errors (argparse's convention)
EXIT_USAGE = 2
#: rows read from which a file's row count is reported
_PROGRESS_ROWS = 500_000


class CLIError(AlignmentError):
    """A problem with the command line's files or options (reported in one line)."""


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
