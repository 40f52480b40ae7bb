"""An export file written with another separator (Excel in many locales writes ``;``) is
refused by name before any row is read, by ``read_crm`` and the CLI alike."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from io_exports import SALESFORCE, write_export

import alignment
import alignment.io
from alignment.errors import DataValidationError

pytest.importorskip("pyarrow")


def _semicolons(text: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(csv.reader(io.StringIO(text)))
    return out.getvalue()


def test_read_crm_names_the_file_separated_by_semicolons(tmp_path: Path) -> None:
    tables = dict(SALESFORCE)
    tables["Lead"] = _semicolons(tables["Lead"])
    folder = write_export(tmp_path / "export", tables)
    with pytest.raises(DataValidationError) as err:
        alignment.io.read_crm("salesforce", folder, tz="UTC")
    message = str(err.value)
    assert "Lead" in message and "separated by ';', not by commas" in message
    assert "CSV UTF-8 (Comma delimited)" in message and "sep=';'" in message


def test_read_crm_reads_the_same_export_with_commas(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "export", dict(SALESFORCE))
    crm = alignment.io.read_crm("salesforce", folder, tz="UTC")
    assert crm.n_leads > 0


def test_the_cli_names_it_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from alignment.cli import main

    path = tmp_path / "touches.csv"
    path.write_text("lead_id;timestamp;channel\nL1;2024-01-01;email\n", encoding="utf-8")
    assert main(["attribute", str(path)]) != 0
    err = capsys.readouterr().err
    assert "touches.csv' has a header row of one column" in err
    assert "separated by ';', not by commas" in err and "sep=';'" in err
