"""What ``read_crm`` refuses, and how its errors name the table, column, rows and value
(docs/errors.md): amounts, ids, options, headers and files it cannot read for certain."""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from io_exports import HUBSPOT, SALESFORCE, columns_of, write_export

import alignment
from alignment.errors import DataValidationError, MissingColumnError, ParameterError

pytest.importorskip("pyarrow")

AMOUNT = '"12,500.00"'  # (Opportunity row 1, a won deal)


def _refused(folder: Any, **options: Any) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        alignment.io.read_crm("salesforce", folder, tz="UTC", **options)
    return info.value


def _named(error: DataValidationError, table: str, column: str, rows: list[int], value: Any):
    assert (error.table, error.column, error.rows, error.value) == (table, column, rows, value)
    assert table in str(error) and repr(column) in str(error) and repr(value) in str(error)
    assert error.fix


# ------------------------------------------------------------------- amounts and costs


@pytest.mark.parametrize("text", ["-12,500.00", "(12,500.00)", "$-5", "-12500"])
def test_a_negative_amount_is_refused(tmp_path: Path, text: str) -> None:
    opp = SALESFORCE["Opportunity"].replace(AMOUNT, f'"{text}"')
    error = _refused(write_export(tmp_path, dict(SALESFORCE, Opportunity=opp)))
    _named(error, "Opportunity", "Amount", [1], text)
    assert "negative amount" in error.problem


def test_a_negative_cost_is_refused(tmp_path: Path) -> None:
    campaign = SALESFORCE["Campaign"].replace(",500", ",-500")
    error = _refused(write_export(tmp_path, dict(SALESFORCE, Campaign=campaign)))
    _named(error, "Campaign", "ActualCost", [1], "-500")
    assert "negative amount" in error.problem


def test_an_amount_too_long_for_a_float_is_refused(tmp_path: Path) -> None:
    huge = "9" * 400  # (float() reads it as inf)
    opp = SALESFORCE["Opportunity"].replace(AMOUNT, huge)
    error = _refused(write_export(tmp_path, dict(SALESFORCE, Opportunity=opp)))
    _named(error, "Opportunity", "Amount", [1], huge)
    assert "not a finite amount" in error.problem


@pytest.mark.parametrize("bad", [np.inf, -np.inf, -3.0])
def test_a_frame_amount_that_is_not_finite_or_negative_is_refused(bad: float) -> None:
    tables: dict[str, Any] = {k: columns_of(v) for k, v in SALESFORCE.items()}
    amounts = np.array([3150.0, bad, 5000.0, 1000.0])
    tables["Opportunity"] = dict(tables["Opportunity"], Amount=amounts)
    error = _refused(tables)
    _named(error, "Opportunity", "Amount", [1], bad)
    assert amounts[1] == bad  # (the caller's array as it was)


def test_a_number_column_keeps_its_sign_but_not_infinity(tmp_path: Path) -> None:
    lead = SALESFORCE["Lead"].replace('"1,200"', "1" + "0" * 400)
    error = _refused(write_export(tmp_path, dict(SALESFORCE, Lead=lead)))
    assert (error.table, error.column, error.rows) == ("Lead", "NumberOfEmployees", [0])


@pytest.mark.parametrize("text", ["$1,200", "1,200 EUR", "EUR 1200"])
def test_a_count_naming_a_currency_is_refused(tmp_path: Path, text: str) -> None:
    """A count (``NumberOfEmployees``, kind "number") is not money: a currency in it is
    refused, never dropped."""
    lead = SALESFORCE["Lead"].replace('"1,200"', f'"{text}"')
    error = _refused(write_export(tmp_path, dict(SALESFORCE, Lead=lead)))
    _named(error, "Lead", "NumberOfEmployees", [0], text)
    assert "currency in a column of numbers" in error.problem


def test_a_count_is_never_converted_by_rates(tmp_path: Path) -> None:
    crm = alignment.io.read_crm(
        "salesforce", write_export(tmp_path, SALESFORCE), tz="UTC", rates={"$": 2.0}
    )
    assert crm.deals["amount"].tolist() == [6300.0, 25000.0, 10000.0, 2000.0]  # (converted)
    sizes = dict(zip(crm.leads["lead_id"].tolist(), crm.leads["company_size"].tolist()))
    assert (sizes["0031"], sizes["00Q2"]) == (1200.0, 50.0)  # (counts: as written)
    lead = SALESFORCE["Lead"].replace('"1,200"', '"EUR 1,200"')
    error = _refused(
        write_export(tmp_path / "eur", dict(SALESFORCE, Lead=lead)), rates={"EUR": 1.1, "$": 1.0}
    )
    _named(error, "Lead", "NumberOfEmployees", [0], "EUR 1,200")  # (never 1320 employees)


def test_a_count_that_is_not_a_number_is_named_as_one(tmp_path: Path) -> None:
    lead = SALESFORCE["Lead"].replace('"1,200"', '"51-200"')
    error = _refused(write_export(tmp_path, dict(SALESFORCE, Lead=lead)))
    _named(error, "Lead", "NumberOfEmployees", [0], "51-200")
    words = f"{error.problem} {error.fix}".casefold()
    assert "not a number" in words and "amount" not in words and "money" not in words


def test_an_amount_in_other_digits_is_refused(tmp_path: Path) -> None:
    arabic = "\u0661\u0662\u0665\u0660\u0660"  # 12500 in Arabic-Indic digits
    opp = SALESFORCE["Opportunity"].replace(AMOUNT, arabic)
    error = _refused(write_export(tmp_path, dict(SALESFORCE, Opportunity=opp)))
    _named(error, "Opportunity", "Amount", [1], arabic)


# ------------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    "rates",
    [
        [1.0],
        {"$": float("nan")},
        {"$": -1.0},
        {"$": 0},
        {"$": float("inf")},
        {"$": "2"},
        {"$": True},
        {1: 1.0},
        {" ": 1.0},
    ],
)
def test_rates_are_checked(tmp_path: Path, rates: Any) -> None:
    with pytest.raises(ParameterError, match="rates"):
        alignment.io.read_crm(
            "salesforce", write_export(tmp_path, SALESFORCE), tz="UTC", rates=rates
        )


def test_rates_are_not_changed_and_convert(tmp_path: Path) -> None:
    rates = {"$": 2}
    crm = alignment.io.read_crm(
        "salesforce", write_export(tmp_path, SALESFORCE), tz="UTC", rates=rates
    )
    assert rates == {"$": 2}
    assert crm.deals["amount"].tolist() == [6300.0, 25000.0, 10000.0, 2000.0]


@pytest.mark.parametrize("stages", [5, [5], [""], [], {"won": 1}])
def test_won_stages_of_another_type_are_refused(tmp_path: Path, stages: Any) -> None:
    with pytest.raises(ParameterError, match="won_stages") as info:
        alignment.io.read_crm("salesforce", write_export(tmp_path, SALESFORCE), won_stages=stages)
    assert repr(stages) in str(info.value)


def test_a_won_stage_as_a_string_is_one_stage(tmp_path: Path) -> None:
    crm = alignment.io.read_crm(
        "salesforce", write_export(tmp_path, SALESFORCE), tz="UTC", won_stages="Closed Won"
    )
    assert crm.deals["won"].tolist() == [True, True, False, False]


# ----------------------------------------------------------------------------------- ids


def _lead_ids(ids: np.ndarray) -> dict[str, Any]:
    empty = np.empty(0, dtype=object)
    return {
        "Lead": {"Id": ids, "CreatedDate": np.array(["2024-01-02T09:00:00Z"] * len(ids))},
        "Contact": {"Id": empty, "CreatedDate": empty},
        "Opportunity": {"Id": empty, "CreatedDate": empty, "Amount": empty, "IsWon": empty},
        "OpportunityContactRole": {"OpportunityId": empty, "ContactId": empty},
        "CampaignMember": {
            "LeadId": empty,
            "CreatedDate": empty,
            "HasResponded": empty,
            "CampaignId": empty,
        },
    }


@pytest.mark.parametrize(
    ("ids", "row", "value"),
    [
        (np.array([2.0, 1.5]), 1, 1.5),
        (np.array([1.0, 2.0**53]), 1, 2.0**53),
        (np.array([3.0, np.inf]), 1, np.inf),
        (np.array(["a", 2.5], dtype=object), 1, 2.5),
        (np.array(["a", 2.0**60], dtype=object), 1, 2.0**60),
    ],
)
def test_a_float_id_that_is_not_exact_is_refused(ids: np.ndarray, row: int, value: Any) -> None:
    error = _refused(_lead_ids(ids))
    _named(error, "Lead", "Id", [row], value)


def test_two_ids_above_two_to_the_53_are_never_merged() -> None:
    ids = np.array([9007199254740993.0, 9007199254740992.0])  # (one float once rounded)
    error = _refused(_lead_ids(ids))
    assert (error.table, error.column, error.rows) == ("Lead", "Id", [0, 1])


def test_whole_float_ids_read_as_their_integer() -> None:
    crm = alignment.io.read_crm("salesforce", _lead_ids(np.array([1522.0, 7.0])), tz="UTC")
    assert sorted(crm.leads["lead_id"].tolist()) == ["1522", "7"]


# ------------------------------------------------------------------------------ findings


def test_a_contact_listed_twice_in_one_cell_is_one_row(tmp_path: Path) -> None:
    deals = HUBSPOT["deals"].replace("1522;1506,901", "1522;1522,901", 1)
    crm = alignment.io.read_crm(
        "hubspot", write_export(tmp_path, dict(HUBSPOT, deals=deals)), tz="UTC"
    )
    (issue,) = [i for i in crm.issues if i.problem == "duplicate deal contact"]
    assert (issue.table, issue.rows, issue.n_rows) == ("deals", (0,), 1)


# ------------------------------------------------------------------------ missing columns


def test_a_missing_column_names_the_columns_and_a_close_one(tmp_path: Path) -> None:
    opp = SALESFORCE["Opportunity"].replace(",Amount,", ",Amt,", 1)
    with pytest.raises(MissingColumnError) as info:
        alignment.io.read_crm(
            "salesforce", write_export(tmp_path, dict(SALESFORCE, Opportunity=opp))
        )
    error = info.value
    assert (error.table, error.column) == ("Opportunity", "Amount")
    assert "'StageName'" in str(error) and "did you mean 'Amt'?" in str(error)
    assert "{'Opportunity': {'Amt': 'amount'}}" in error.fix


def test_two_columns_matching_one_name_are_named(tmp_path: Path) -> None:
    opp = SALESFORCE["Opportunity"].replace(",Amount,", ",amount,", 1)
    opp = opp.replace(",OwnerId\n", ",AMOUNT\n", 1)
    with pytest.raises(MissingColumnError) as info:
        alignment.io.read_crm(
            "salesforce", write_export(tmp_path, dict(SALESFORCE, Opportunity=opp))
        )
    assert "'amount' and 'AMOUNT' both match" in str(info.value)
    assert "columns={'Opportunity': {'amount': 'amount'}}" in str(info.value)


@pytest.mark.parametrize(("sep", "named"), [(";", "';'"), ("\t", "tabs"), ("|", "'|'")])
def test_a_file_separated_otherwise_than_by_commas_is_named(
    tmp_path: Path, sep: str, named: str
) -> None:
    """Excel in a European locale saves "CSV" with ``;``: the header reads as one name."""
    lead = "\n".join(line.replace(",", sep) for line in SALESFORCE["Lead"].splitlines())
    with pytest.raises(DataValidationError) as info:  # (from its header, before any row)
        alignment.io.read_crm("salesforce", write_export(tmp_path, dict(SALESFORCE, Lead=lead)))
    error = info.value
    assert error.table == "Lead"
    assert f"separated by {named}, not by commas" in error.problem
    assert "did you mean" not in str(error)
    assert f"sep={sep!r}" in error.fix and "{'Lead': frame}" in error.fix


def test_a_spreadsheet_in_the_folder_is_named(tmp_path: Path) -> None:
    """A table saved as a spreadsheet is not read: the error names the file and says how to
    read it; an optional table's spreadsheet is named in its issue."""
    folder = write_export(tmp_path, SALESFORCE)
    (folder / "Lead.csv").unlink()
    (folder / "Leads.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(MissingColumnError) as info:
        alignment.io.read_crm("salesforce", folder, tz="UTC")
    error = info.value
    assert error.table == "Lead" and "'Leads.xlsx': spreadsheet files are not read" in str(error)
    assert "CSV" in error.fix and "pandas.read_excel" in error.fix
    (folder / "Leads.xlsx").unlink()
    (folder / "Lead.csv").write_text(SALESFORCE["Lead"], encoding="utf-8")
    (folder / "Task.csv").unlink()
    (folder / "Task.xls").write_bytes(b"\xd0\xcf")
    crm = alignment.io.read_crm("salesforce", folder, tz="UTC")
    (issue,) = [i for i in crm.issues if i.table == "Task"]
    assert "table not found (optional) ('Task.xls': spreadsheet files" in issue.problem
    other = [i for i in crm.issues if i.table == "User" and "not found (optional)" in i.problem]
    assert not other  # (the User table is read; no other table names Task.xls)


# ---------------------------------------------------------------------------------- files


def _lead_bytes(folder: Path, old: bytes, new: bytes) -> Path:
    path = folder / "Lead.csv"
    path.write_bytes(path.read_bytes().replace(old, new, 1))
    return folder


def test_a_byte_that_is_not_utf8_near_the_top_is_named(tmp_path: Path) -> None:
    folder = _lead_bytes(write_export(tmp_path, SALESFORCE), b"Gamma", b"G\xe4mma")
    error = _refused(folder)
    _named(error, "Lead", "Company", [2], b"G\xe4mma")
    assert "not UTF-8" in str(error)


def test_a_byte_that_is_not_utf8_near_the_top_of_a_gz_file_is_named(tmp_path: Path) -> None:
    folder = write_export(tmp_path, SALESFORCE, ext=".csv.gz")
    path = folder / "Lead.csv.gz"
    path.write_bytes(
        gzip.compress(gzip.decompress(path.read_bytes()).replace(b"Gamma", b"G\xe4mma"))
    )
    _named(_refused(folder), "Lead", "Company", [2], b"G\xe4mma")


def test_a_header_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    folder = _lead_bytes(write_export(tmp_path, SALESFORCE), b"Company", b"C\xe4mpany")
    error = _refused(folder)
    assert (error.table, error.value) == ("Lead", b"C\xe4mpany")
    assert "header" in str(error) and "UTF-8" in error.fix


def test_a_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    folder = write_export(tmp_path, SALESFORCE)
    (folder / "Lead.csv").write_bytes(SALESFORCE["Lead"].encode("utf-16"))
    error = _refused(folder)
    assert error.table == "Lead" and "UTF-16" in str(error) and "UTF-8" in error.fix


@pytest.mark.parametrize("text", ["Id,Name\n", "Id,Name", "Id,Name\r\n"])
def test_a_table_with_a_header_only_is_empty(tmp_path: Path, text: str) -> None:
    folder = write_export(tmp_path, SALESFORCE)
    (folder / "User.csv").write_text(text, encoding="utf-8")
    crm = alignment.io.read_crm("salesforce", folder, tz="UTC")
    assert "0051" in crm.leads["owner"].tolist()  # (no user: the id shown)


def test_a_value_longer_than_a_block_is_read(tmp_path: Path) -> None:
    lines = SALESFORCE["Lead"].splitlines()
    note = "A" * (9 << 20)  # (longer than two of the reader's 4 MB blocks)
    body = [f'"{note if i == 1 else "x"}",{line}' for i, line in enumerate(lines[1:])]
    lead = "\n".join(["Description," + lines[0], *body]) + "\n"
    crm = alignment.io.read_crm(
        "salesforce", write_export(tmp_path, dict(SALESFORCE, Lead=lead)), tz="UTC"
    )
    want = alignment.io.read_crm("salesforce", write_export(tmp_path / "b", SALESFORCE), tz="UTC")
    assert crm.leads["lead_id"].tolist() == want.leads["lead_id"].tolist()


def test_a_repeated_header_name_is_named(tmp_path: Path) -> None:
    folder = _lead_bytes(write_export(tmp_path, SALESFORCE), b"Company", b"Email")
    error = _refused(folder)
    assert error.table == "Lead" and "'Email' repeated" in str(error)


@pytest.mark.parametrize("ext", [".csv", ".csv.gz"])
def test_files_without_pyarrow_say_how_to_install_it(
    tmp_path: Path, ext: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_export(tmp_path, SALESFORCE, ext=ext)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # (as Python sees a missing package)
    with pytest.raises(ImportError) as info:
        alignment.io.read_crm("salesforce", folder, tz="UTC")
    assert type(info.value) is ImportError and info.value.name == "pyarrow"
    extra = re.escape(alignment._sources.FILES_EXTRA)
    pattern = rf"reading '\w+{re.escape(ext)}' needs PyArrow: {extra}"
    assert re.fullmatch(pattern, str(info.value)), str(info.value)


@pytest.mark.parametrize("kind", ["directory", "broken link"])
def test_a_table_name_that_is_not_a_file_is_refused(tmp_path: Path, kind: str) -> None:
    folder = write_export(tmp_path, SALESFORCE)
    task = folder / "Task.csv"
    task.unlink()
    if kind == "directory":
        task.mkdir()
    else:
        task.symlink_to(folder / "nothing.csv")
    with pytest.raises(ParameterError, match=r"Task\.csv"):
        alignment.io.read_crm("salesforce", folder, tz="UTC")


@pytest.mark.parametrize(
    ("content", "why"),
    [(b"", "is empty (0 bytes)"), (b"\xef\xbb\xbf\r\n \n", "is empty (no header row)")],
)
def test_an_empty_file_is_named_empty(tmp_path: Path, content: bytes, why: str) -> None:
    """An optional table's empty file reads as an absent table does, the file named; a
    required table's is refused as empty (not as a header with an empty name)."""
    folder = write_export(tmp_path, SALESFORCE)
    (folder / "Task.csv").write_bytes(content)
    crm = alignment.io.read_crm("salesforce", folder, tz="UTC")
    assert crm.activities["lead_id"].size == 0
    listed = [(i.table, i.problem, i.action) for i in crm.issues if i.table == "Task"]
    assert listed == [("Task", f"file 'Task.csv' {why}", "read as empty (optional)")]
    (folder / "Lead.csv").write_bytes(content)
    error = _refused(folder)
    assert (error.table, error.problem) == ("Lead", f"file 'Lead.csv' {why}")
    assert "header row" in (error.fix or "")


def test_an_empty_gz_file_is_named_empty(tmp_path: Path) -> None:
    folder = write_export(tmp_path, {k: v for k, v in SALESFORCE.items() if k != "Task"})
    with gzip.open(folder / "Task.csv.gz", "wb") as fh:
        fh.write(b"\n")
    crm = alignment.io.read_crm("salesforce", folder, tz="UTC")
    assert [i.problem for i in crm.issues if i.table == "Task"] == [
        "file 'Task.csv.gz' is empty (no header row)"
    ]
