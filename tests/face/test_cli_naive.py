"""Plain files on the command line: instants without a zone are read as UTC and said so, once
per column, whoever types them (PyArrow's reader or the library's parser), and the warning's
fix names what works on plain files (``--tz`` is the export's option)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from alignment.cli import read_columns
from alignment.errors import AlignmentWarning

from ._cli import run

pytest.importorskip("pyarrow")

HEADER = "lead_id,timestamp,channel,converted_at,revenue\n"


def _file(tmp_path: Path, rows: str, name: str = "touches.csv") -> str:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return str(path)


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("alignment: warning:")]


def test_instants_typed_by_the_reader_are_said_to_be_utc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "L1,2024-01-01 10:00,email,2024-02-01,100\nL1,2024-01-02 10:00,paid,2024-02-01,100\n"
    code, out, err = run(capsys, "attribute", _file(tmp_path, rows))
    assert code == 0 and "email" in out
    (line,) = [w for w in _warnings(err) if "naive instants" in w]
    assert "read as UTC in touchpoints.timestamp, touchpoints.converted_at" in line
    assert "fix: write the instants with their offset" in line and "--tz" not in line


def test_instants_with_their_offset_are_not_warned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = (
        "L1,2024-01-01T10:00:00Z,email,2024-02-01T00:00:00+01:00,100\n"
        "L1,2024-01-02T10:00:00-05:00,paid,2024-02-01T00:00:00+01:00,100\n"
    )
    code, _, err = run(capsys, "attribute", _file(tmp_path, rows))
    assert code == 0
    assert not [w for w in _warnings(err) if "naive" in w]


def test_the_parsers_warning_names_no_option_plain_files_refuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A column PyArrow leaves as text (a dotted date) is parsed by the library, whose warning
    advised ``--tz``, which plain files refuse: it now says what works on them."""
    rows = "L1,2024-01-01 10:00,email,,\nL1,05.01.2024 10:00,paid,,\n"
    code, _, err = run(capsys, "attribute", _file(tmp_path, rows))
    assert code == 0
    (line,) = [w for w in _warnings(err) if "touchpoints.timestamp" in w]
    assert "fix: write the instants with their offset" in line and "--tz" not in line


def test_read_columns_warns_once_with_the_table(tmp_path: Path) -> None:
    rows = "L1,2024-01-01,email,2024-02-01,100\n"
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        columns = read_columns(_file(tmp_path, rows), table="touches")
    naive = [str(w.message) for w in seen if issubclass(w.category, AlignmentWarning)]
    assert len(naive) == 1 and "touches.timestamp, touches.converted_at" in naive[0]
    assert columns["timestamp"].dtype.kind == "M"  # (read as UTC midnight, as documented)
    assert columns["timestamp"][0] == np.datetime64("2024-01-01T00:00")


def test_no_conversion_is_said_in_the_command_lines_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "touches.csv"
    path.write_text("lead_id,timestamp,channel\nL1,2024-01-01T10:00:00Z,email\n", encoding="utf-8")
    code, _, err = run(capsys, "attribute", str(path))
    assert code == 0
    (line,) = [w for w in _warnings(err) if "no journey converted" in w]
    assert "pass --conversions FILE" in line and "conversions=" not in line


def test_the_files_of_one_command_are_named_in_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    touches = tmp_path / "touches.csv"
    touches.write_text("lead_id,timestamp,channel\nL1,2024-01-01 10:00,email\n", encoding="utf-8")
    conversions = tmp_path / "won.csv"
    conversions.write_text(
        "lead_id,converted_at,revenue\nL1,2024-02-01 00:00,100\n", encoding="utf-8"
    )
    code, out, err = run(capsys, "attribute", str(touches), "--conversions", str(conversions))
    assert code == 0 and "email" in out
    (line,) = [w for w in _warnings(err) if "naive instants" in w]
    assert "touchpoints.timestamp" in line and "conversions.converted_at" in line
