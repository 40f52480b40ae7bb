"""Typed columns of Parquet files and frames read as the same data written as CSV text
(docs/io.md): dates alone, decimal amounts, bools read as text; and the typed columns
``read_crm`` refuses (lists), the column names it cannot choose between, and ``columns=``."""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from io_exports import SALESFORCE, assert_same_crm, columns_of, issue_set, write_export

import alignment
from alignment.errors import DataValidationError, MissingColumnError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pcsv = pytest.importorskip("pyarrow.csv")

TZ = "America/New_York"


def _read(src: Any, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return alignment.io.read_crm("salesforce", src, tz=TZ, **kw)


def _texts() -> dict[str, Any]:
    """The Salesforce export as PyArrow tables of strings."""
    return {
        n: pa.table({k: pa.array(v.tolist(), pa.string()) for k, v in columns_of(t).items()})
        for n, t in SALESFORCE.items()
    }


def _with(tables: dict[str, Any], table: str, column: str, values: Any) -> dict[str, Any]:
    out = dict(tables)
    t = out[table]
    out[table] = t.set_column(t.column_names.index(column), column, values)
    return out


def _csv(tables: dict[str, Any], folder: Path) -> Path:
    folder.mkdir()
    for n, t in tables.items():
        pcsv.write_csv(t, folder / f"{n}.csv")
    return folder


def _kinds(tables: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The same tables as Parquet files, PyArrow, Polars and pandas frames."""
    folder.mkdir()
    for n, t in tables.items():
        pq.write_table(t, folder / f"{n}.parquet")
    out: dict[str, Any] = {"parquet": folder, "pyarrow": tables}
    try:
        import polars as pl

        out["polars"] = {k: pl.from_arrow(v) for k, v in tables.items()}
    except ImportError:
        pass
    try:
        import pandas as pd

        out["pandas"] = {k: v.to_pandas() for k, v in tables.items()}
        out["pandas arrow"] = {
            k: v.to_pandas(types_mapper=pd.ArrowDtype) for k, v in tables.items()
        }
    except ImportError:
        pass
    return out


def _assert_all_same(ref: Any, sources: dict[str, Any], **kw: Any) -> None:
    for kind, src in sources.items():
        crm = _read(src, **kw)
        assert_same_crm(ref, crm)
        assert issue_set(ref) == issue_set(crm), kind


def test_dates_alone_are_midnight_in_tz_for_every_input(tmp_path: Path) -> None:
    base = _texts()
    written = base["Lead"].column("ConvertedDate").to_pylist()
    dates = [None if x is None else dt.date.fromisoformat(x) for x in written]
    assert None in dates  # (a null too: NaT, as an empty cell)
    ref = _read(_csv(base, tmp_path / "csv"))
    got = ref.leads["sql_at"]
    assert np.datetime64("2024-02-01T05:00") in got  # midnight in New York, as UTC
    typed = _with(base, "Lead", "ConvertedDate", pa.array(dates, pa.date32()))
    _assert_all_same(ref, _kinds(typed, tmp_path / "pq"))
    _assert_all_same(
        ref, {"date64": _with(base, "Lead", "ConvertedDate", pa.array(dates, pa.date64()))}
    )


@pytest.mark.parametrize("null", [False, True])
def test_decimal_amounts_are_read_as_numbers_for_every_input(tmp_path: Path, null: bool) -> None:
    base = _texts()
    amounts = [
        decimal.Decimal(x.replace("$", "").replace(",", ""))
        for x in base["Opportunity"].column("Amount").to_pylist()
    ]
    if null:
        amounts[2] = None  # (an open deal with no amount)
    plain = [None if a is None else str(a) for a in amounts]
    ref = _read(
        _csv(_with(base, "Opportunity", "Amount", pa.array(plain, pa.string())), tmp_path / "csv")
    )
    assert ref.deals["amount"][0] == 3150.0
    typed = _with(base, "Opportunity", "Amount", pa.array(amounts, pa.decimal128(12, 2)))
    _assert_all_same(ref, _kinds(typed, tmp_path / "pq"))


@pytest.mark.parametrize("flags", [[True, False, None, True], [True, False, False, True]])
def test_bools_read_as_text_are_spelled_true_false_for_every_input(
    tmp_path: Path, flags: list[bool | None]
) -> None:
    base = _texts()
    written = [None if f is None else str(f).lower() for f in flags]
    written += [None] * (base["Lead"].num_rows - len(flags))
    flags = flags + [None] * (base["Lead"].num_rows - len(flags))
    ref = _read(
        _csv(_with(base, "Lead", "Title", pa.array(written, pa.string())), tmp_path / "csv")
    )
    assert {"true", "false"} <= set(ref.leads["title"].tolist())
    typed = _with(base, "Lead", "Title", pa.array(flags, pa.bool_()))
    sources = _kinds(typed, tmp_path / "pq")
    sources["dict"] = {
        k: {c: v.column(c).to_numpy(zero_copy_only=False) for c in v.column_names}
        for k, v in typed.items()
    }
    _assert_all_same(ref, sources)


def test_a_mapped_list_column_is_refused_naming_it(tmp_path: Path) -> None:
    base = _texts()
    emails = [[x] if x else None for x in base["Lead"].column("Email").to_pylist()]
    typed = _with(base, "Lead", "Email", pa.array(emails, pa.list_(pa.string())))
    for kind, src in _kinds(typed, tmp_path / "pq").items():
        with pytest.raises(DataValidationError) as info:
            _read(src)
        err = info.value
        assert (err.table, err.column) == ("Lead", "Email"), kind
        assert "several values per cell" in str(err) and "join the values with ';'" in str(err)
        assert err.rows[0] == 0 and "ann@acme.com" in str(err.value), kind


def test_an_unmapped_list_column_is_left_alone(tmp_path: Path) -> None:
    base = _texts()
    lead = base["Lead"]
    tags = pa.array([["a", "b"]] * lead.num_rows, pa.list_(pa.string()))
    typed = dict(base, Lead=lead.append_column("Tags", tags))
    ref = _read(base)
    _assert_all_same(ref, _kinds(typed, tmp_path / "pq"))


def _lead_with(header: str, cells: str) -> dict[str, str]:
    head, *rows = SALESFORCE["Lead"].splitlines()
    return dict(SALESFORCE, Lead="\n".join([head + header, *[r + cells for r in rows]]) + "\n")


def test_an_optional_column_matched_twice_ignoring_case_is_refused(tmp_path: Path) -> None:
    tables = _lead_with(",EMAIL", ",other@x.com")
    tables["Lead"] = tables["Lead"].replace("Email", "email", 1)
    src = write_export(tmp_path / "a", tables)
    with pytest.raises(MissingColumnError) as info:
        _read(src)
    text = str(info.value)
    assert info.value.table == "Lead" and info.value.column == "Email"
    assert "'email' and 'EMAIL' both match ignoring case" in text
    assert "columns={'Lead': {'email': 'email'}}" in text
    crm = _read(src, columns={"Lead": {"EMAIL": "email"}})  # the caller picks one
    assert crm.leads["email"].tolist()[0] == "other@x.com"


def test_a_mapped_column_not_in_the_file_is_refused_with_a_close_name(tmp_path: Path) -> None:
    src = write_export(tmp_path / "a", _lead_with(",MQL_Date__c", ",2024-01-10"))
    with pytest.raises(MissingColumnError) as info:
        _read(src, columns={"Lead": {"MQL_Date_c": "mql_at"}})
    assert (info.value.table, info.value.column) == ("Lead", "MQL_Date_c")
    assert "did you mean 'MQL_Date__c'?" in str(info.value) and "'Email'" in str(info.value)
    assert "mql_at" in _read(src, columns={"Lead": {"mql_date__c": "mql_at"}}).leads


def test_a_mapped_column_comes_before_the_presets(tmp_path: Path) -> None:
    head, *rows = SALESFORCE["Lead"].splitlines()
    detail = [f"Detail{i}" if i != 1 else "" for i in range(len(rows))]
    lines = [head + ",Detail__c", *[f"{r},{d}" for r, d in zip(rows, detail)]]
    src = write_export(tmp_path / "a", dict(SALESFORCE, Lead="\n".join(lines) + "\n"))
    preset = _read(src).leads
    mapped = _read(src, columns={"Lead": {"Detail__c": "source"}}).leads
    assert mapped["lead_id"].tolist() == preset["lead_id"].tolist()
    leads = columns_of(SALESFORCE["Lead"])
    ids = mapped["lead_id"].tolist()
    for i, lead in enumerate(leads["Id"].tolist()):  # (leads not merged into a contact)
        if lead in ids:
            j = ids.index(lead)
            # the caller's column wins; the preset's fills only the cell it leaves empty
            assert mapped["source"][j] == (detail[i] or preset["source"][j]), lead
    assert "Detail0" in mapped["source"].tolist() and "Detail0" not in preset["source"].tolist()


@pytest.mark.parametrize("ext", [".CSV.GZ", ".csv.GZ"])
def test_a_gzip_file_in_upper_case_is_decompressed(
    tmp_path: Path, ext: str, capfd: pytest.CaptureFixture[str]
) -> None:
    ref = _read(write_export(tmp_path / "ref", SALESFORCE))
    folder = write_export(tmp_path / "up", SALESFORCE)
    (folder / "Lead.csv").unlink()
    (folder / f"Lead{ext}").write_bytes(gzip.compress(SALESFORCE["Lead"].encode()))
    assert_same_crm(ref, _read(folder))
    assert "Exception ignored" not in capfd.readouterr().err
