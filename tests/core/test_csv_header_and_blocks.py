"""The header row of a CSV file read alone (``alignment._sources.read_header``), and files
PyArrow's reader stops on at its block size (``read_arrow_csv``)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

from alignment._sources import CSV_BLOCK, CSVFormatError, read_arrow_csv, read_header
from alignment._utf8 import NotUTF8Error


def test_only_the_header_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbfId,Name\n1,G\xe4mma\n")  # (a bad byte in the first row)
    assert read_header(path, ",") == ["Id", "Name"]
    with pytest.raises(NotUTF8Error) as err:
        read_arrow_csv(path, ["Id", "Name"], ",", text=True)
    assert (err.value.column, err.value.row, err.value.object) == ("Name", 0, b"G\xe4mma")


def test_a_quoted_header_over_two_lines_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress('Id,"Na\nme"\n1,x\xe4\n'.encode("latin-1")))
    assert read_header(path, ",") == ["Id", "Na\nme"]


def test_a_header_that_is_not_utf8_names_its_name(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"Id,N\xe4me,Email\n1,x,y\n")
    with pytest.raises(NotUTF8Error) as err:
        read_header(path, ",")
    assert (err.value.column, err.value.row, err.value.object) == (None, None, b"N\xe4me")
    assert "header" in str(err.value)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_a_utf16_file_is_named(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "t.csv"
    text = "Id,Name\n1,x\n".encode(codec)
    path.write_bytes(text if codec == "utf-16" else b"\xfe\xff" + text)
    with pytest.raises(NotUTF8Error) as err:
        read_header(path, ",")
    assert err.value.marked == "UTF-16" and "UTF-16" in str(err.value)


@pytest.mark.parametrize(
    ("header", "named"),
    [(b"Id,Name,Id\n", "'Id' repeated"), (b"Id,,Name\n", "column 2 of 3 is empty")],
)
def test_a_bad_header_is_named(tmp_path: Path, header: bytes, named: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(header)
    with pytest.raises(CSVFormatError, match=named):
        read_header(path, ",")


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_lines_ending_with_a_lone_cr_are_read(tmp_path: Path, suffix: str) -> None:
    """Classic Mac line breaks (``\\r`` alone): the header is its first line, as PyArrow reads
    the rows after it (a ``\\r`` inside a quoted value kept)."""
    data = b'Id,"Name",Email\r1,x,a@b.c\r2,y,"c\rd"\r'
    path = tmp_path / f"t{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    names = read_header(path, ",")
    assert names == ["Id", "Name", "Email"]
    table = read_arrow_csv(path, names, ",", text=True)
    assert table.to_pydict() == {"Id": ["1", "2"], "Name": ["x", "y"], "Email": ["a@b.c", "c\rd"]}
    quoted = tmp_path / "q.csv"
    quoted.write_bytes(b'Id,"Na\rme"\r1,x\r')  # (a quoted \r in a name: not a line break)
    assert read_header(quoted, ",") == ["Id", "Na\rme"]


def test_a_header_split_over_blocks_is_read(tmp_path: Path) -> None:
    from alignment._headers import byte_lines

    path = tmp_path / "t.csv"
    path.write_bytes(b"Id,Name\r\n1,x\r2,y\n")
    with path.open("rb") as fh:  # (a \r\n cut between two blocks is one line break)
        assert list(byte_lines(fh, block=3)) == [b"Id,Name\r\n", b"1,x\r", b"2,y\n"]


def test_unnamed_columns_are_kept_empty_when_asked(tmp_path: Path) -> None:
    """An empty name (pandas' index written by ``to_csv()``, a trailing comma), several too:
    refused (counted from 1), or kept as ``""`` with ``unnamed=True``."""
    path = tmp_path / "t.csv"
    path.write_bytes(b",Id,Name,\n0,1,x,\n")
    with pytest.raises(CSVFormatError, match=r"column 1 of 4 is empty.*index=False"):
        read_header(path, ",")
    assert read_header(path, ",", unnamed=True) == ["", "Id", "Name", ""]
    path.write_bytes(b"Id,Name,Id,\n")
    with pytest.raises(CSVFormatError, match="'Id' repeated"):
        read_header(path, ",", unnamed=True)


def test_a_header_csv_cannot_read_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"Id," + b"x" * 200_000 + b"\n")  # (over the csv module's field limit)
    with pytest.raises(CSVFormatError, match="header row that cannot be read as CSV"):
        read_header(path, ",")


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
@pytest.mark.parametrize("text", [True, False])
def test_a_header_without_a_line_break_is_an_empty_table(
    tmp_path: Path, suffix: str, text: bool
) -> None:
    path = tmp_path / f"t{suffix}"
    data = b"Id,Name"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    table = read_arrow_csv(path, ["Id", "Name"], ",", text=text)
    again = tmp_path / "u.csv"
    again.write_bytes(data + b"\n")
    assert (
        table.num_rows == 0
        and table.schema == read_arrow_csv(again, ["Id", "Name"], ",", text=text).schema
    )


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_a_value_longer_than_a_block_is_read(tmp_path: Path, suffix: str) -> None:
    note = "A" * (2 * CSV_BLOCK + 7)
    data = f'Id,Note\n1,x\n2,"{note}"\n3,y\n'.encode()
    path = tmp_path / f"t{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    table = read_arrow_csv(path, ["Id", "Note"], ",", text=True)
    assert table.column("Id").to_pylist() == ["1", "2", "3"]
    assert table.column("Note").to_pylist()[1] == note


def test_a_ragged_file_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"Id,Name\n1,x\n2,y,z\n")
    with pytest.raises(CSVFormatError, match="fields"):
        read_arrow_csv(path, ["Id", "Name"], ",", text=True)


@pytest.mark.parametrize(
    ("text", "named", "sep"),
    [
        ("lead_id;timestamp;channel\nL1;2024-01-01;email\n", "';'", ";"),
        ("lead_id\ttimestamp\tchannel\nL1\t2024-01-01\temail\n", "tabs", "\t"),
        ("lead_id|timestamp\nL1|2024-01-01\n", "'|'", "|"),
    ],
)
def test_a_file_separated_by_another_character_is_named(
    tmp_path: Path, text: str, named: str, sep: str
) -> None:
    """A header read as one column holding another delimiter: the file is refused up front
    (its rows would read as one column of text), naming the delimiter and the fix."""
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CSVFormatError) as err:
        read_header(path, ",")
    assert f"separated by {named}, not by commas" in str(err.value)
    assert err.value.delimiter == named and f"sep={sep!r}" in str(err.value.fix)
    assert repr(text.splitlines()[0]) in str(err.value)
    with pytest.raises(CSVFormatError):  # (the readers of exports alike)
        read_header(path, ",", unnamed=True)


def test_a_one_column_file_without_another_separator_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("lead_id\nL1\n", encoding="utf-8")
    assert read_header(path, ",") == ["lead_id"]
    semi = tmp_path / "s.csv"
    semi.write_text("a;b,c\n1;2,3\n", encoding="utf-8")  # (two columns: the ';' is a name's)
    assert read_header(semi, ",") == ["a;b", "c"]


def test_a_tsv_file_separated_by_commas_is_named(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("lead_id,timestamp\nL1,2024-01-01\n", encoding="utf-8")
    with pytest.raises(CSVFormatError) as err:
        read_header(path, "\t")
    assert "separated by commas, not by tabs" in str(err.value)
    assert err.value.fix is not None and "name the file .csv" in err.value.fix
    assert read_header(path, ",") == ["lead_id", "timestamp"]
