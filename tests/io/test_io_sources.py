"""Where the tables come from: folders (by file name), dicts of paths or frames, any backend."""

from __future__ import annotations

import csv
import gzip
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from io_exports import (
    SALESFORCE,
    assert_same_crm,
    columns_of,
    frames,
    issue_set,
    with_parts,
    write_export,
)

import alignment
from alignment._frames import to_native
from alignment.errors import DataValidationError, ParameterError, UnknownModelError

# naive dates of the fixtures are read as UTC on purpose
pytestmark = pytest.mark.filterwarnings("ignore:naive instants:alignment.AlignmentWarning")


@pytest.fixture
def reference(tmp_path: Path) -> alignment.io.CRMData:
    return alignment.io.read_crm("salesforce", write_export(tmp_path / "ref", SALESFORCE))


def _same(a: alignment.io.CRMData, b: alignment.io.CRMData) -> None:
    assert_same_crm(a, b)
    assert issue_set(a) == issue_set(b)


def test_file_names_case_plural_and_gzip(tmp_path: Path, reference: alignment.io.CRMData) -> None:
    renamed = {
        "Lead": "leads",
        "Contact": "CONTACTS",
        "Opportunity": "Opportunities",
        "OpportunityContactRole": "opportunity_contact_roles",
        "Campaign": "campaign",
        "CampaignMember": "Campaign-Members",
        "Task": "tasks",
        "User": "Users",
    }
    tables = {renamed[k]: v for k, v in SALESFORCE.items()}
    folder = write_export(tmp_path / "gz", tables, ext=".csv.gz")
    (folder / "notes.txt").write_text("not a table")
    (folder / "Account.csv").write_text("Id,Name\n1,x\n")  # not a table of the preset
    _same(reference, alignment.io.read_crm("salesforce", folder))


def test_parquet_files(tmp_path: Path, reference: alignment.io.CRMData) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    folder = tmp_path / "pq"
    folder.mkdir()
    for name, text in SALESFORCE.items():
        pq.write_table(to_native(columns_of(text), "pyarrow"), folder / f"{name}.parquet")
    _same(reference, alignment.io.read_crm("salesforce", folder))


def test_parquet_row_groups_and_dictionaries(
    tmp_path: Path, reference: alignment.io.CRMData
) -> None:
    """Files of several row groups, some text columns dictionary-encoded and others not: the
    few-valued ones are read as dictionaries (their own per row group), the rest as strings;
    the same data either way."""
    pq = pytest.importorskip("pyarrow.parquet")
    folder = tmp_path / "pq"
    folder.mkdir()
    for name, text in SALESFORCE.items():
        table = to_native(columns_of(text), "pyarrow")
        plain = [n for i, n in enumerate(table.column_names) if i % 2]  # (every other column)
        encoded = [n for n in table.column_names if n not in plain]
        pq.write_table(table, folder / f"{name}.parquet", row_group_size=2, use_dictionary=encoded)
    _same(reference, alignment.io.read_crm("salesforce", folder))


@given(
    values=st.lists(st.sampled_from(["", "a", "Closed Won", "b" * 20, None]), max_size=40),
    group=st.integers(1, 9),
    dictionary=st.booleans(),
)
@settings(max_examples=40, deadline=None)
def test_parquet_read_as_dictionaries_same_values(
    tmp_path_factory: pytest.TempPathFactory, values: list[str | None], group: int, dictionary: bool
) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from alignment._files import read_parquet
    from alignment._filetexts import hash_factorize

    path = tmp_path_factory.mktemp("pq") / "t.parquet"
    ids = [f"id{i}" for i in range(len(values))]
    table = pa.table({"v": pa.array(values, pa.string()), "id": ids, "n": range(len(values))})
    pq.write_table(table, path, row_group_size=group, use_dictionary=dictionary)
    read = read_parquet(path, lambda names: [n for n in names if n != "id"], dictionaries=True)
    assert read.column_names == ["v", "n"]  # (only the columns chosen)
    assert (
        read.column("v").to_pylist() == values
        and read.column("n").to_pylist() == table["n"].to_pylist()
    )
    assert pa.types.is_dictionary(read.schema.field("v").type) == (dictionary and len(values) > 0)
    ours, plain = hash_factorize(read.column("v")), hash_factorize(table.column("v"))
    assert np.array_equal(ours.codes, plain.codes)
    assert ours.categories.tolist() == plain.categories.tolist()


def test_parquet_large_dictionaries_read_as_strings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    import alignment._files as files

    path = tmp_path / "t.parquet"
    table = pa.table({"few": ["x", "y"] * 50, "many": [f"value {i:04d}" for i in range(100)]})
    pq.write_table(table, path)
    monkeypatch.setattr(files, "SMALL_DICTIONARY", 64)  # (the 100 distinct values exceed it)
    read = files.read_parquet(path, dictionaries=True)
    assert pa.types.is_dictionary(read.schema.field("few").type)
    assert pa.types.is_string(read.schema.field("many").type)
    assert read.to_pydict() == table.to_pydict()
    assert files.read_parquet(path).schema == table.schema  # (the default: as written)


@pytest.mark.parametrize("ext", [".csv", ".csv.gz"])
@pytest.mark.parametrize("repeats", [1, 2])
def test_csv_few_valued_columns_read_as_dictionaries(
    tmp_path: Path,
    reference: alignment.io.CRMData,
    monkeypatch: pytest.MonkeyPatch,
    ext: str,
    repeats: int,
) -> None:
    """Every file sampled and read in blocks of a few rows: the columns whose sample repeats
    are read as dictionaries (one per block; with ``repeats`` 1, every column of two values or
    more, ids and amounts too), the data the same as read as plain text; compressed files and
    a spreadsheet-saved one (byte-order mark, CRLF, every field quoted) too."""
    pytest.importorskip("pyarrow")
    import alignment._sources as sources
    import alignment.io._locate as locate

    monkeypatch.setattr(sources, "FEW_VALUES_FILE", 0)
    monkeypatch.setattr(sources, "_SAMPLE_MIN", 2)
    monkeypatch.setattr(sources, "_SAMPLE_REPEATS", repeats)
    monkeypatch.setattr(sources, "CSV_BLOCK", 400)  # (a few rows per block)
    chosen: dict[str, list[str]] = {}
    sample = sources.few_valued_csv

    def spy(path: Path, *args: object) -> list[str]:
        chosen[path.name.split(".")[0]] = sample(path, *args)  # type: ignore[arg-type]
        return chosen[path.name.split(".")[0]]

    monkeypatch.setattr(locate, "few_valued_csv", spy)
    folder = write_export(tmp_path / "csv", SALESFORCE, ext=ext)
    if ext == ".csv":
        cols = columns_of(SALESFORCE["Opportunity"])
        lines = [",".join(f'"{c}"' for c in cols)]
        for i in range(len(next(iter(cols.values())))):
            lines.append(",".join(f'"{v[i] or ""}"' for v in cols.values()))
        text = "\ufeff" + "\r\n".join(lines) + "\r\n"
        (folder / "Opportunity.csv").write_bytes(text.encode())
    _same(reference, alignment.io.read_crm("salesforce", folder))
    assert "Status" in chosen["Lead"]  # (Open three times in four rows)
    if repeats == 1:
        assert {"Id", "Amount"} <= set(chosen["Opportunity"])
    else:
        assert "Id" not in chosen["Lead"] and "Email" not in chosen["Lead"]


@given(
    values=st.lists(st.sampled_from(["", "a", "Closed Won", '"q"', "b" * 20, None]), max_size=60),
    block=st.sampled_from([64, 256, 1 << 20]),
)
@settings(max_examples=40, deadline=None)
def test_csv_read_as_dictionaries_same_values(
    tmp_path_factory: pytest.TempPathFactory, values: list[str | None], block: int
) -> None:
    pa = pytest.importorskip("pyarrow")
    pcsv = pytest.importorskip("pyarrow.csv")
    import alignment._sources as sources
    from alignment._filetexts import hash_factorize

    path = tmp_path_factory.mktemp("csv") / "t.csv"
    table = pa.table(
        {"v": pa.array(values, pa.string()), "n": [str(i) for i in range(len(values))]}
    )
    pcsv.write_csv(table, path)
    default = sources.CSV_BLOCK
    sources.CSV_BLOCK = block
    try:
        plain = sources.read_arrow_csv(path, ["v", "n"], ",", text=True)
        encoded = sources.read_arrow_csv(path, ["v", "n"], ",", text=True, dictionaries=["v"])
    finally:
        sources.CSV_BLOCK = default
    assert pa.types.is_dictionary(encoded.schema.field("v").type)
    assert encoded.column("v").to_pylist() == plain.column("v").to_pylist()
    assert encoded.column("n").to_pylist() == plain.column("n").to_pylist()
    ours, theirs = hash_factorize(encoded.column("v")), hash_factorize(plain.column("v"))
    assert np.array_equal(ours.codes, theirs.codes)
    assert ours.categories.tolist() == theirs.categories.tolist()


def test_csv_few_valued_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first block decides: a column of statuses is chosen; ids, a column still blank in
    the first rows and ids that repeat a few times each are not; a small or broken file
    gives none."""
    pytest.importorskip("pyarrow")
    import alignment._sources as sources

    n = 4000
    rows = ["Id,Status,WhoId,Later"] + [
        f"00Q{i:05d},{'Open' if i % 3 else 'Closed'},003{i // 4:05d},{'' if i < 3000 else 'x'}"
        for i in range(n)
    ]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(rows) + "\n")
    names = ["Id", "Status", "WhoId", "Later"]
    assert sources.few_valued_csv(path, names, ",", names) == []  # (a small file)
    monkeypatch.setattr(sources, "FEW_VALUES_FILE", 0)
    assert sources.few_valued_csv(path, names, ",", names) == ["Status"]
    assert sources.few_valued_csv(path, names, ",", ["Id", "WhoId"]) == []
    packed = tmp_path / "t.csv.gz"  # (compressed: read through PyArrow's stream, not mapped)
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert sources.few_valued_csv(packed, names, ",", names) == ["Status"]
    broken = tmp_path / "broken.csv"
    broken.write_text('Id,Status\n"00Q1,Open\n')
    assert sources.few_valued_csv(broken, ["Id", "Status"], ",", ["Status"]) == []
    assert sources.few_valued_csv(tmp_path / "gone.csv", names, ",", names) == []


def test_parquet_repeated_column_names(tmp_path: Path) -> None:
    """A repeated column name the preset reads is refused with the file and the name; one it
    does not read is left alone (as in a CSV export's own columns)."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    folder = tmp_path / "pq"
    folder.mkdir()
    for name, text in SALESFORCE.items():
        table = to_native(columns_of(text), "pyarrow")
        if name == "Lead":
            extra = pa.array(["x"] * table.num_rows)
            table = pa.Table.from_arrays(
                [*table.columns, extra, extra], names=[*table.column_names, "Notes", "Notes"]
            )
        pq.write_table(table, folder / f"{name}.parquet")
    alignment.io.read_crm("salesforce", folder)  # ("Notes" is not read)
    with pytest.raises(DataValidationError, match="'Notes' appears more than once") as info:
        alignment.io.read_crm("salesforce", folder, columns={"Lead": {"Notes": "notes"}})
    assert info.value.table == "Lead" and "Lead.parquet" in str(info.value)


def test_parquet_dictionaries_of_top_level_columns_only(tmp_path: Path) -> None:
    """A top-level column named like a nested field's dotted path (``s.t``) is not mistaken
    for it when choosing the columns read as dictionaries."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from alignment._files import read_parquet

    path = tmp_path / "t.parquet"
    table = pa.table(
        {
            "s": pa.array([{"t": "a"}, {"t": "b"}]),
            "s.t": pa.array(["x", "y"]),
            "u": pa.array(["x", "x"]),
        }
    )
    pq.write_table(table, path)
    read = read_parquet(path, dictionaries=True)
    assert read.to_pydict() == table.to_pydict()
    assert pa.types.is_dictionary(read.schema.field("u").type)
    assert pa.types.is_string(read.schema.field("s.t").type)
    assert read.schema.field("s").type == table.schema.field("s").type


@pytest.mark.parametrize("backend", ["dict", "pandas", "polars", "pyarrow"])
def test_frames(backend: str, reference: alignment.io.CRMData) -> None:
    if backend != "dict" and importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    _same(reference, alignment.io.read_crm("salesforce", frames(SALESFORCE, backend)))


def test_mapping_of_paths_and_frames(tmp_path: Path, reference: alignment.io.CRMData) -> None:
    folder = write_export(tmp_path / "files", SALESFORCE)
    source: dict[str, object] = {name: folder / f"{name}.csv" for name in SALESFORCE}
    source["lead"] = str(source.pop("Lead"))  # keys loose, paths as str or Path
    source["Task"] = frames({"Task": SALESFORCE["Task"]}, "dict")["Task"]
    _same(reference, alignment.io.read_crm("salesforce", source))


def test_two_files_for_one_table(tmp_path: Path) -> None:
    folder = write_export(tmp_path, SALESFORCE)
    (folder / "Leads.csv").write_text(SALESFORCE["Lead"])
    with pytest.raises(ParameterError, match="several files match the Lead table"):
        alignment.io.read_crm("salesforce", folder)


def test_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="not a folder"):
        alignment.io.read_crm("salesforce", tmp_path / "nowhere")
    with pytest.raises(ParameterError, match="not a table of the salesforce preset"):
        alignment.io.read_crm("salesforce", {"Accounts": {}})
    with pytest.raises(ParameterError, match="given twice"):
        alignment.io.read_crm("salesforce", {"Lead": {}, "Leads": {}})
    with pytest.raises(ParameterError, match="folder or a"):
        alignment.io.read_crm("salesforce", 42)  # type: ignore[arg-type]
    tables = frames(SALESFORCE, "dict")
    with pytest.raises(ParameterError, match="no file"):
        alignment.io.read_crm("salesforce", {**tables, "Lead": tmp_path / "Lead.csv"})
    (tmp_path / "Lead.xlsx").write_text("x")
    with pytest.raises(ParameterError, match="cannot read"):
        alignment.io.read_crm("salesforce", {**tables, "Lead": tmp_path / "Lead.xlsx"})
    with pytest.raises(UnknownModelError, match="hubspot"):
        alignment.io.read_crm("hubspott", tmp_path)


def test_unreadable_files(tmp_path: Path) -> None:
    folder = write_export(tmp_path, SALESFORCE)
    (folder / "Lead.csv").write_text("Id,CreatedDate\n00Q1,2024-01-01,extra\n")
    with pytest.raises(DataValidationError) as info:
        alignment.io.read_crm("salesforce", folder)
    assert info.value.table == "Lead" and "Lead.csv" in str(info.value)
    (folder / "Lead.csv").write_bytes(b"Id,CreatedDate\n\xff\xfe,2024\n")
    with pytest.raises(DataValidationError, match="UTF-8"):
        alignment.io.read_crm("salesforce", folder)


def test_options_checked(tmp_path: Path) -> None:
    folder = write_export(tmp_path, SALESFORCE)
    with pytest.raises(ParameterError, match="time zone"):
        alignment.io.read_crm("salesforce", folder, tz="Mars/Olympus")
    with pytest.raises(ParameterError, match="normalize"):
        alignment.io.read_crm("salesforce", folder, normalize="lower")
    with pytest.raises(ParameterError, match="decimal"):
        alignment.io.read_crm("salesforce", folder, decimal=";")
    with pytest.raises(ParameterError, match="no table"):
        alignment.io.read_crm("salesforce", folder, columns={"Account": {"Name": "company"}})


def test_lazy_submodule() -> None:
    import alignment as a

    assert "io" in dir(a)
    assert a.io.read_crm is alignment.io.read_crm
    assert a.io.CRMData is alignment._crm.CRMData


def test_spreadsheet_saved_csv(tmp_path: Path, reference: alignment.io.CRMData) -> None:
    """A byte-order mark before a quoted header, CRLF line ends, every field quoted."""
    folder = write_export(tmp_path / "bom", SALESFORCE)
    cols = columns_of(SALESFORCE["Opportunity"])
    lines = [",".join(f'"{c}"' for c in cols)]
    for i in range(len(next(iter(cols.values())))):
        lines.append(",".join(f'"{v[i] or ""}"' for v in cols.values()))
    (folder / "Opportunity.csv").write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode())
    _same(reference, alignment.io.read_crm("salesforce", folder))
    cut = with_parts(3, lambda: alignment.io.read_crm("salesforce", folder))
    _same(reference, cut)  # (every file cut in three parts, or read whole where it must be)


def test_lines_ending_with_a_lone_cr(tmp_path: Path, reference: alignment.io.CRMData) -> None:
    """Classic Mac line breaks (Excel for Mac's "CSV" before 2016): read as any other."""
    folder = write_export(tmp_path / "cr", SALESFORCE)
    for path in folder.iterdir():  # (no fixture value holds a line break)
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    _same(reference, alignment.io.read_crm("salesforce", folder))


def test_unnamed_columns_are_ignored(tmp_path: Path, reference: alignment.io.CRMData) -> None:
    """A column with an empty name (pandas' index written by ``to_csv()``, Excel's trailing
    comma), several too, is never mapped: ignored, as a frame's ``'Unnamed: 0'`` is."""
    folder = write_export(tmp_path / "unnamed", SALESFORCE)
    lines = SALESFORCE["Lead"].splitlines()
    indexed = [f",{lines[0]},"] + [f"{i},{line}," for i, line in enumerate(lines[1:])]
    (folder / "Lead.csv").write_text("\n".join(indexed) + "\n", encoding="utf-8")
    _same(reference, alignment.io.read_crm("salesforce", folder))
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(folder / "Lead.csv", dtype=str, keep_default_na=False)
    assert frame.columns[0] == "Unnamed: 0"
    tables = {path.name[:-4]: path for path in folder.iterdir()}
    _same(reference, alignment.io.read_crm("salesforce", {**tables, "Lead": frame}))


def test_datetime_columns_of_frames_and_dicts() -> None:
    """A frame's naive datetimes are wall times of tz; zoned ones keep their instant; numpy
    datetimes of a dict are UTC (the library's own representation)."""
    pd = pytest.importorskip("pandas")
    tables = frames(SALESFORCE, "pandas")
    naive = pd.to_datetime(tables["Contact"]["CreatedDate"]).dt.tz_localize(None)
    tables["Contact"]["CreatedDate"] = naive  # 2024-01-10 08:00 wall time for contact 0032
    crm = alignment.io.read_crm("salesforce", tables, tz="America/New_York")
    i = crm.leads["lead_id"].tolist().index("0032")
    assert crm.leads["created_at"][i] == np.datetime64("2024-01-10T13:00", "us")  # EST
    tables["Contact"]["CreatedDate"] = naive.dt.tz_localize("Europe/Paris")
    crm = alignment.io.read_crm("salesforce", tables, tz="America/New_York")
    assert crm.leads["created_at"][i] == np.datetime64("2024-01-10T07:00", "us")
    as_dict = frames(SALESFORCE, "dict")
    as_dict["Contact"]["CreatedDate"] = naive.to_numpy().astype("datetime64[us]")
    crm = alignment.io.read_crm("salesforce", as_dict, tz="America/New_York")
    assert crm.leads["created_at"][i] == np.datetime64("2024-01-10T08:00", "us")


@pytest.mark.parametrize("kind", ["polars_lazy", "duckdb", "pyarrow_dataset"])
def test_lazy_and_warehouse_sources(
    kind: str, tmp_path: Path, reference: alignment.io.CRMData
) -> None:
    """A Polars LazyFrame, a DuckDB relation or a pyarrow dataset per table: the same bundle."""
    folder = write_export(tmp_path / "lazy", SALESFORCE)
    source: dict[str, object] = {}
    for name in SALESFORCE:
        path = str(folder / f"{name}.csv")
        if kind == "polars_lazy":
            pl = pytest.importorskip("polars")
            source[name] = pl.scan_csv(path, infer_schema=False)
        elif kind == "duckdb":
            duckdb = pytest.importorskip("duckdb")
            source[name] = duckdb.read_csv(path, all_varchar=True)
        else:
            ds = pytest.importorskip("pyarrow.dataset")
            pacsv = pytest.importorskip("pyarrow.csv")
            names = SALESFORCE[name].splitlines()[0].split(",")
            convert = pacsv.ConvertOptions(column_types=dict.fromkeys(names, "string"))
            fmt = ds.CsvFileFormat(convert_options=convert)
            source[name] = ds.dataset(path, format=fmt)
    _same(reference, alignment.io.read_crm("salesforce", source))


def test_per_row_time_zone_column(tmp_path: Path) -> None:
    """A column mapped to ``time_zone`` gives each row the zone of its wall times (``tz``
    where a row has none); an unknown zone is refused."""
    tables = dict(SALESFORCE)
    lines = tables["Lead"].splitlines()
    zones = ["Zone", "Europe/Berlin", "", "Asia/Tokyo", "America/New_York"]
    stamps = ["", "2024-01-02 09:00", "2024-01-03 10:00", "2024-01-04 11:00", "2024-01-05T11:00Z"]
    rows = []
    for i, line in enumerate(lines):
        cells = line.split(",")
        if i:
            cells[1] = stamps[i]
        rows.append(",".join([*cells, zones[i]]))
    tables["Lead"] = "\n".join(rows) + "\n"
    folder = write_export(tmp_path / "zones", tables)
    crm = alignment.io.read_crm(
        "salesforce", folder, tz="America/Chicago", columns={"Lead": {"Zone": "time_zone"}}
    )
    got = dict(zip(crm.leads["lead_id"].tolist(), crm.leads["created_at"].tolist()))
    import datetime as dt

    # 00Q1 is converted: the person is its contact 0031 (created from the contact row)
    assert got["00Q2"] == dt.datetime(2024, 1, 3, 16, 0)  # no zone: tz (Chicago, UTC-6)
    assert got["00Q3"] == dt.datetime(2024, 1, 4, 2, 0)  # Tokyo, UTC+9
    with pytest.raises(alignment.AlignmentError, match="Mars/Olympus") as err:
        bad = dict(tables)
        bad["Lead"] = bad["Lead"].replace("Asia/Tokyo", "Mars/Olympus")
        alignment.io.read_crm(
            "salesforce",
            write_export(tmp_path / "bad", bad),
            columns={"Lead": {"Zone": "time_zone"}},
        )
    assert (err.value.table, err.value.column, err.value.rows) == ("Lead", "Zone", [2])
    assert "row_tz" not in str(err.value)  # (the zone column is named, not a parameter)


def test_wall_times_skipped_in_the_row_zone_name_that_zone(tmp_path: Path) -> None:
    """02:30 on 31 March 2024 does not exist in Paris (it does in New York): the issue says
    it is the row's zone, not ``tz=``."""
    tables = dict(SALESFORCE)
    lines = tables["Lead"].splitlines()
    cells = lines[2].split(",")
    cells[1] = "2024-03-31 02:30"
    lines[2] = ",".join(cells)
    tables["Lead"] = (
        "\n".join(
            [
                lines[0] + ",Zone",
                lines[1] + ",",
                lines[2] + ",Europe/Paris",
                *[x + "," for x in lines[3:]],
            ]
        )
        + "\n"
    )
    crm = alignment.io.read_crm(
        "salesforce",
        write_export(tmp_path, tables),
        tz="America/New_York",
        columns={"Lead": {"Zone": "time_zone"}},
    )
    gap = [i for i in crm.issues if "does not exist" in i.problem]
    assert [(i.table, i.column, i.rows) for i in gap] == [("Lead", "CreatedDate", (1,))]
    assert "row's time zone" in gap[0].problem and "New_York" not in gap[0].problem


@pytest.mark.parametrize("threads", ["1", "2"])
def test_errors_come_in_table_order_while_files_are_parsed_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: str
) -> None:
    """The next file is parsed while a table is typed: an error of the table comes first, as
    when the files are read one after the other, and a bad file after it is then never named."""
    monkeypatch.setenv("ALIGNMENT_NUM_THREADS", threads)
    folder = write_export(tmp_path, SALESFORCE)
    lines = (folder / "Lead.csv").read_text().splitlines()
    head = lines[0].split(",")
    cells = lines[1].split(",")
    cells[head.index("CreatedDate")] = "not a date"
    (folder / "Lead.csv").write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    (folder / "Contact.csv").write_bytes(b"Id,CreatedDate\n\xff\xfe,2024\n")
    with pytest.raises(DataValidationError) as info:
        alignment.io.read_crm("salesforce", folder)
    assert info.value.table == "Lead" and info.value.column == "CreatedDate"
    (folder / "Lead.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError, match="UTF-8") as info:
        alignment.io.read_crm("salesforce", folder)
    assert info.value.table == "Contact"


def test_csv_row_longer_than_a_block(tmp_path: Path) -> None:
    """A row of 5 MB (a long quoted note with line breaks), longer than a block, is read whole."""
    pytest.importorskip("pyarrow")
    from alignment._sources import CSV_BLOCK, read_arrow_csv

    note = ("a long note, quoted\n" * 300_000)[:5_000_000]
    assert len(note) > CSV_BLOCK
    path = tmp_path / "t.csv"
    path.write_text(f'Id,Note\n1,"{note}"\n2,short\n', encoding="utf-8")
    table = read_arrow_csv(path, ["Id", "Note"], ",", text=True)
    assert table.column("Note").to_pylist() == [note, "short"]
    assert table.column("Id").to_pylist() == ["1", "2"]


def _parts_and_whole(
    path: Path,
    names: list[str],
    include: list[str] | None = None,
    parts: int = 4,
    block: int = 1 << 20,
) -> tuple[Any, Any]:
    """The file read in ``parts`` parts (``None``: it could not be) and read whole by PyArrow,
    in blocks of ``block`` bytes."""
    pcsv = pytest.importorskip("pyarrow.csv")
    import alignment._sources as sources

    kinds = {n: pytest.importorskip("pyarrow").string() for n in names}
    options = sources._csv_options(names, ",", kinds, include, threads=True, block=block)
    whole = pcsv.read_csv(path, *options)
    split = with_parts(parts, lambda: sources._read_in_parts(path, *options))
    return split, whole


_CELLS = st.sampled_from(["", "a", "b,c", 'say "hi"', "two\nlines", "crlf\r\nend", "x" * 30, "é"])


@given(
    rows=st.lists(st.lists(_CELLS, min_size=3, max_size=3), max_size=40),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    newline=st.sampled_from(["\n", "\r\n"]),
    parts=st.integers(1, 5),
    include=st.sampled_from([None, ["a", "c"], ["b"]]),
)
@settings(max_examples=150, deadline=None)
def test_csv_read_in_parts_as_read_whole(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[list[str]],
    quoting: int,
    newline: str,
    parts: int,
    include: list[str] | None,
) -> None:
    """Cut anywhere (inside quoted values with line breaks, commas and quotes too), a file
    read in parts has the values of the file read whole, or is read whole."""
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=quoting, lineterminator=newline).writerows([["a", "b", "c"], *rows])
    split, whole = _parts_and_whole(path, ["a", "b", "c"], include, parts)
    with open(path, newline="", encoding="utf-8") as fh:  # (the oracle: Python's own reader)
        parsed = list(csv.reader(fh))[1:]
    expected = {k: [r[j] or None for r in parsed] for j, k in enumerate("abc")}
    assert whole.to_pydict() == {k: expected[k] for k in whole.column_names}
    if split is not None:
        assert split.column_names == whole.column_names
        assert split.to_pydict() == whole.to_pydict()


def test_csv_cut_inside_a_quoted_value_is_refused(tmp_path: Path) -> None:
    """A cut after a line break of a quoted note, in the last column or before it, is not
    between rows: the file is read whole, with the same values."""
    pytest.importorskip("pyarrow")
    import alignment._sources as sources

    note = '"' + "a line of a note\n" * 200 + '"'
    short = [f"{i},x,y" for i in range(100)]
    for names, row in (
        (["Id", "A", "Note"], f"100,x,{note}"),
        (["Id", "Note", "B"], f"100,{note},y"),
    ):
        path = tmp_path / f"{names[-1]}.csv"
        path.write_text("\n".join([",".join(names), *short, row, *short]) + "\n")
        split, whole = _parts_and_whole(path, names, parts=2)
        assert split is None
        read = with_parts(2, lambda p=path, n=names: sources.read_arrow_csv(p, n, ",", text=True))
        assert read.to_pydict() == whole.to_pydict()
        assert read.column("Note").to_pylist()[100] == note[1:-1]


def test_csv_read_in_parts(tmp_path: Path) -> None:
    """A file cut in four parts, each parsed on its own: the rows of the whole file in order;
    the last column read to check the cuts and dropped when not asked for; a compressed file
    and one without line breaks to cut at are read whole."""
    pytest.importorskip("pyarrow")
    import alignment._sources as sources

    names = ["Id", "Status", "Note"]
    lines = [",".join(names)] + [
        f'{i},{"Open" if i % 3 else "Won"},"n, ""{i}"""' for i in range(2000)
    ]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    buffer = pytest.importorskip("pyarrow").memory_map(str(path)).read_buffer()
    cuts = sources._row_cuts(buffer, buffer.size, 4)
    assert len(cuts) == 5 and all(bytes(buffer.slice(c - 1, 1)) == b"\n" for c in cuts[1:-1])
    for include in (None, ["Id", "Status"]):
        split, whole = _parts_and_whole(path, names, include)
        assert split is not None and split.num_rows == 2000
        assert split.to_pydict() == whole.to_pydict()
    single = tmp_path / "one.csv"
    single.write_text("Id,Note\n1," + "x" * 5000)
    assert sources._row_cuts(
        pytest.importorskip("pyarrow").py_buffer(single.read_bytes()), 5010, 3
    ) == [0, 5010]
    gz = tmp_path / "t.csv.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert _parts_and_whole(gz, names)[0] is None


def test_csv_read_in_parts_errors_are_the_whole_reads(tmp_path: Path) -> None:
    """A file a part cannot parse is read whole, and its error is the whole read's; a value
    that is not UTF-8 is named alike, in parts or whole."""
    pytest.importorskip("pyarrow")
    import alignment._sources as sources
    from alignment._utf8 import NotUTF8Error

    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"Id,Note\n" + b"1,ok\n" * 500 + b"2,\xff\xfe\n" + b"3,ok\n" * 500)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("Id,Note\n" + "1,ok\n" * 500 + "2,ok,extra\n" + "3,ok\n" * 500)
    for path, kind in ((bad, NotUTF8Error), (ragged, sources.CSVFormatError)):
        errors = []
        for parts in (1, 4):
            with pytest.raises(kind) as info:
                with_parts(
                    parts, lambda p=path: sources.read_arrow_csv(p, ["Id", "Note"], ",", text=True)
                )
            errors.append(str(info.value))
        assert errors[0] == errors[1]
    assert "line 502" in errors[1]
    with pytest.raises(NotUTF8Error, match="column 'Note', row 500"):
        sources.read_arrow_csv(bad, ["Id", "Note"], ",", text=True)
