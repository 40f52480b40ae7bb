"""Hostile but realistic exports: cells a spreadsheet wrote (error values, ids in scientific
notation), exports left zipped, and tasks exported twice with their ``Id`` mapped."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from io_exports import HUBSPOT, SALESFORCE, write_export

import alignment
from alignment.errors import DataValidationError, MissingColumnError


def _read(tmp_path: Path, preset: str, **edits: str) -> alignment.io.CRMData:
    folder = write_export(
        tmp_path / "export", {**(HUBSPOT if preset == "hubspot" else SALESFORCE), **edits}
    )
    return alignment.io.read_crm(preset, folder, tz="UTC")


@pytest.mark.parametrize("error", ["#N/A", "#VALUE!", "#NAME?", "#REF!", "#DIV/0!"])
def test_a_spreadsheet_error_value_in_a_text_column_is_refused(tmp_path: Path, error: str) -> None:
    deals = HUBSPOT["deals"].replace("appointmentscheduled", error)
    with pytest.raises(DataValidationError) as info:
        _read(tmp_path, "hubspot", deals=deals)
    e = info.value
    assert (e.table, e.column, e.rows, e.value) == ("deals", "Deal Stage", [2], error)
    assert "spreadsheet's error value" in str(e) and "export the table again" in str(e)


def test_a_spreadsheet_error_value_in_an_id_or_a_channel_is_refused(tmp_path: Path) -> None:
    campaigns = SALESFORCE["Campaign"].replace("webinar", "#N/A")
    with pytest.raises(DataValidationError) as info:
        _read(tmp_path / "a", "salesforce", Campaign=campaigns)
    assert (info.value.table, info.value.column, info.value.rows) == ("Campaign", "Type", [1])
    opportunities = SALESFORCE["Opportunity"].replace(",0012,", ",#REF!,")
    with pytest.raises(DataValidationError) as info:
        _read(tmp_path / "b", "salesforce", Opportunity=opportunities)
    e = info.value
    assert (e.table, e.column, e.rows, e.value) == ("Opportunity", "AccountId", [2], "#REF!")


def test_an_id_in_scientific_notation_is_refused(tmp_path: Path) -> None:
    contacts = HUBSPOT["contacts"].replace("\n1506,", "\n1.50601E+11,")
    with pytest.raises(DataValidationError) as info:
        _read(tmp_path / "a", "hubspot", contacts=contacts)
    e = info.value
    assert (e.table, e.column, e.rows, e.value) == ("contacts", "Record ID", [1], "1.50601E+11")
    assert "scientific notation" in str(e)
    deals = HUBSPOT["deals"].replace("1522;1506", "1522;1.50601E+11")
    with pytest.raises(DataValidationError) as info:
        _read(tmp_path / "b", "hubspot", deals=deals)
    assert (info.value.column, info.value.rows) == ("Associated Contact IDs", [0])
    tasks = SALESFORCE["Task"].replace("003X", "3.1E+12")
    with pytest.raises(DataValidationError) as info:
        _read(tmp_path / "c", "salesforce", Task=tasks)
    assert (info.value.table, info.value.column, info.value.rows) == ("Task", "WhoId", [3])


def test_the_cells_of_a_frame_are_checked_too(tmp_path: Path) -> None:
    tables = {
        name: pd.read_csv(write_export(tmp_path, HUBSPOT) / f"{name}.csv", dtype=str)
        for name in HUBSPOT
    }
    tables["deals"].loc[1, "Deal Stage"] = "#VALUE!"
    with pytest.raises(DataValidationError) as info:
        alignment.io.read_crm("hubspot", tables, tz="UTC")
    assert (info.value.table, info.value.column, info.value.rows) == ("deals", "Deal Stage", [1])


def test_text_that_only_looks_like_a_spreadsheet_cell_is_read_as_written(tmp_path: Path) -> None:
    contacts = HUBSPOT["contacts"].replace("CTO", "#1 E+ fan").replace(",VP\n", ",1E+5 club\n")
    crm = _read(tmp_path, "hubspot", contacts=contacts)
    titles = dict(zip(crm.leads["lead_id"].tolist(), crm.leads["title"].tolist(), strict=True))
    assert titles["1522"] == "#1 E+ fan" and titles["1506"] == "1E+5 club"


def test_a_zipped_export_is_named_when_its_table_is_not_found(tmp_path: Path) -> None:
    folder = write_export(tmp_path, {"contacts": HUBSPOT["contacts"]})
    with zipfile.ZipFile(folder / "hubspot-crm-exports-all-deals-2024-04-02.zip", "w") as z:
        z.writestr("hubspot-crm-exports-all-deals-2024-04-02.csv", HUBSPOT["deals"])
    with zipfile.ZipFile(folder / "activities.zip", "w") as z:
        z.writestr("activities.csv", HUBSPOT["activities"])
    with pytest.raises(MissingColumnError) as info:
        alignment.io.read_crm("hubspot", folder, tz="UTC")
    assert "'hubspot-crm-exports-all-deals-2024-04-02.zip': archives are not read" in str(
        info.value
    )
    assert "unzip them into the folder" in str(info.value)
    assert "read_excel" not in str(info.value)
    (folder / "deals.csv").write_text(HUBSPOT["deals"], encoding="utf-8")
    crm = alignment.io.read_crm("hubspot", folder, tz="UTC")
    problems = [i.problem for i in crm.issues if i.table == "activities"]
    assert problems == [
        "table not found (optional) ('activities.zip': archives are not read (unzip them into "
        "the folder))"
    ]


_TASKS = """Id,WhoId,ActivityDate,CreatedDate,TaskSubtype,Type,OwnerId,Status,CallDisposition
00T1,00Q1,2024-01-03,2024-01-03T10:00:00Z,Call,Call,0051,Completed,Connected
00T2,00Q2,2024-01-04,2024-01-04T10:00:00Z,,Call,0052,Completed,No answer
00T1,00Q1,2024-01-03,2024-01-03T10:00:00Z,Call,Call,0051,Completed,Connected
"""


def test_a_task_exported_twice_counts_once_when_its_id_is_mapped(tmp_path: Path) -> None:
    folder = write_export(tmp_path, {**SALESFORCE, "Task": _TASKS})
    plain = alignment.io.read_crm("salesforce", folder, tz="UTC")
    assert plain.activities["lead_id"].size == 3 and "activity_id" not in plain.activities
    crm = alignment.io.read_crm(
        "salesforce", folder, tz="UTC", columns={"Task": {"Id": "activity_id"}}
    )
    assert crm.activities["activity_id"].tolist() == ["00T1", "00T2"]
    assert crm.activities["lead_id"].tolist() == ["0031", "00Q2"]
    (dup,) = [i for i in crm.issues if i.table == "Task"]
    assert (dup.column, dup.problem, dup.rows) == ("Id", "duplicate task (same Id)", (0, 2))
    assert np.array_equal(np.sort(crm.activities["timestamp"]), crm.activities["timestamp"])


def test_an_error_value_after_spaces_is_refused_as_one_before_them(tmp_path: Path) -> None:
    for i, cell in enumerate(['" #N/A"', "  #REF!", '"#N/A "']):
        deals = HUBSPOT["deals"].replace("appointmentscheduled", cell)
        with pytest.raises(DataValidationError) as info:
            _read(tmp_path / str(i), "hubspot", deals=deals)
        assert (info.value.column, info.value.rows) == ("Deal Stage", [2])
        assert "spreadsheet's error value" in str(info.value)


@pytest.mark.parametrize("form", ["csv", "pandas", "dict"])
def test_an_error_value_in_a_fallback_column_is_named_alike_in_every_input_form(
    tmp_path: Path, form: str
) -> None:
    # row 0's kind comes from TaskSubtype; its Type cell, a failed formula, is refused all the
    # same, naming that column and that row, whatever form the export comes in
    tasks = SALESFORCE["Task"].replace("Call,Call,0051", "Call,#N/A,0051")
    folder = write_export(tmp_path / "export", {**SALESFORCE, "Task": tasks})
    if form == "csv":
        source: object = folder
    else:
        frames = {  # (not pandas' default: "#N/A" read as NaN)
            n: pd.read_csv(folder / f"{n}.csv", dtype=str, keep_default_na=False, na_values=[""])
            for n in SALESFORCE
        }
        source = frames
        if form == "dict":
            source = {
                n: {c: [None if pd.isna(v) else v for v in df[c]] for c in df}
                for n, df in frames.items()
            }
    with pytest.raises(DataValidationError) as info:
        alignment.io.read_crm("salesforce", source, tz="UTC")
    e = info.value
    assert (e.table, e.column, e.rows, e.value) == ("Task", "Type", [0], "#N/A")
