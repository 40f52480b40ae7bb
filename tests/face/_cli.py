"""The command run in-process for the command-line tests: its exit code and what it printed."""

from __future__ import annotations

import pytest

from alignment.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``alignment *argv`` through :func:`alignment.cli.main`: its exit code, then the standard
    output and standard error it wrote (read, and so cleared, from ``capsys``)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
