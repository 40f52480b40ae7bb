"""A read that fails leaves nothing running: the files read ahead are waited for before the
error is raised, so a process that ends on the error ends cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from io_exports import SALESFORCE, write_export

import alignment
from alignment.errors import DataValidationError


def _failing_export(folder: Path, repeat: int = 20_000) -> Path:
    """The Salesforce export with one ragged Lead row, and campaign members and tasks long
    enough to be still parsing when the leads fail."""
    tables = dict(SALESFORCE)
    for name in ("CampaignMember", "Task"):
        head, *rows = SALESFORCE[name].splitlines()
        tables[name] = "\n".join([head, *rows * repeat]) + "\n"
    lead = SALESFORCE["Lead"].splitlines()
    lead[2] += ",extra"  # (row 1: one field too many)
    tables["Lead"] = "\n".join(lead) + "\n"
    return write_export(folder, tables)


def _helpers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name in ("alignment-read", "alignment-type")]


def test_no_reader_outlives_a_failed_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIGNMENT_NUM_THREADS", "2")
    folder = _failing_export(tmp_path)
    with pytest.raises(DataValidationError) as err:
        alignment.io.read_crm("salesforce", folder, tz="UTC")
    assert err.value.table == "Lead"
    assert _helpers() == []


def test_a_process_ending_on_the_error_exits_cleanly(tmp_path: Path) -> None:
    """Before, the interpreter could stop while PyArrow still parsed a file on a daemon
    thread, and abort (SIGABRT) in about one run of five; five runs in a row now exit 0."""
    folder = _failing_export(tmp_path)
    script = textwrap.dedent(
        f"""
        import alignment
        from alignment.errors import DataValidationError
        try:
            alignment.io.read_crm("salesforce", {str(folder)!r}, tz="UTC")
        except DataValidationError:
            pass
        """
    )
    env = {**os.environ, "ALIGNMENT_NUM_THREADS": "2"}
    for _ in range(5):  # a loop over fresh processes
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env)
        assert done.returncode == 0, done.stderr.decode()[-500:]
