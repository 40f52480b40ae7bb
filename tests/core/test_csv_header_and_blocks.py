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
    [(b"Id,Name,Id\n", "'Id' repeated"), (b"Id,,Name\n", "column 1 is empty")],
)
def test_a_bad_header_is_named(tmp_path: Path, header: bytes, named: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(header)
    with pytest.raises(CSVFormatError, match=named):
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
