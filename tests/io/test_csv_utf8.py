"""CSV text read by PyArrow without its own UTF-8 check, checked after (``alignment._utf8``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from io_exports import SALESFORCE, with_parts, write_export

import alignment
from alignment.errors import DataValidationError

pa = pytest.importorskip("pyarrow")

from alignment._sources import read_arrow_csv  # noqa: E402
from alignment._utf8 import NotUTF8Error, checked_utf8  # noqa: E402

# UTF-8 cells (ASCII, 2-, 3- and 4-byte characters, an empty cell) and cells that are not:
# a stray byte, a truncated character, a surrogate, an overlong encoding, past U+10FFFF
_GOOD = [b"", b"a", b"caf\xc3\xa9", b"\xe2\x82\xac9", b"\xf0\x9f\x98\x80", b"\xef\xbf\xbf"]
_BAD = [b"\xff", b"x\x80y", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80"]


def _first_bad(rows: list[list[bytes]], columns: list[int]) -> tuple[int, int] | None:
    """The plain-Python oracle: the first cell, column by column, that is not UTF-8."""
    for j in columns:  # a loop over the columns read, in order
        for i, row in enumerate(rows):  # a loop over the rows
            try:
                row[j].decode("utf-8")
            except UnicodeDecodeError:
                return j, i
    return None


@given(
    rows=st.lists(
        st.lists(st.sampled_from(_GOOD + _BAD[:1]) | st.sampled_from(_BAD), min_size=3, max_size=3),
        min_size=1,
        max_size=60,
    ),
    include=st.sampled_from([None, ["c", "a"], ["b"]]),
    dictionaries=st.sampled_from([[], ["b"], ["a", "c"]]),
    parts=st.integers(1, 3),
)
@settings(max_examples=150, deadline=None)
def test_strings_checked_as_python_decodes_them(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[list[bytes]],
    include: list[str] | None,
    dictionaries: list[str],
    parts: int,
) -> None:
    """Every value read is UTF-8 as Python decodes it, or the first one that is not, column by
    column in the order read, is named (column, row and bytes), in parts or whole, plain or
    dictionary-encoded; columns not read are not checked."""
    path = tmp_path_factory.mktemp("utf8") / "t.csv"
    path.write_bytes(b"a,b,c\n" + b"".join(b",".join(r) + b"\n" for r in rows))
    names = ["a", "b", "c"]
    read = include or names
    dicts = [d for d in dictionaries if d in read]
    bad = _first_bad(rows, [names.index(n) for n in read])
    error: NotUTF8Error | None = None
    try:
        table = with_parts(
            parts,
            lambda: read_arrow_csv(
                path, names, ",", include=include, text=True, dictionaries=dicts
            ),
        )
    except NotUTF8Error as exc:  # (a UnicodeDecodeError)
        error = exc
    if bad is None:
        assert error is None
        expected = {n: [r[names.index(n)].decode() or None for r in rows] for n in read}
        assert table.to_pydict() == expected
    else:
        j, i = bad
        assert error is not None and isinstance(error, UnicodeDecodeError)
        assert (error.column, error.row, error.object) == (names[j], i, rows[i][j])


def test_chunks_of_ascii_and_of_other_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A column read in many blocks: blocks of ASCII and of other UTF-8 text pass, a bad byte
    in a late block is named by its row in the whole file, in a plain and a dictionary
    column."""
    import alignment._sources as sources

    monkeypatch.setattr(sources, "CSV_BLOCK", 1 << 16)
    names = ["Id", "Name"]
    rows = [f"{i},{'Zoë' if i % 1000 == 7 and i < 20_000 else 'Ann'}" for i in range(60_000)]
    good = tmp_path / "good.csv"
    good.write_text("Id,Name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    for dictionaries in ([], ["Name"]):
        table = read_arrow_csv(good, names, ",", text=True, dictionaries=dictionaries)
        assert table.column("Name").num_chunks > 1
        assert table.column("Name").to_pylist()[7] == "Zoë"
        assert checked_utf8(table) is table
    data = good.read_bytes().replace(b"\n51234,Ann\n", b"\n51234,Ann\xe9\n")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(data)
    for dictionaries in ([], ["Name"]):
        with pytest.raises(NotUTF8Error) as info:
            read_arrow_csv(bad, names, ",", text=True, dictionaries=dictionaries)
        assert (info.value.column, info.value.row) == ("Name", 51234)
        assert info.value.object == b"Ann\xe9" and info.value.start == 3


def test_read_crm_names_the_column_and_row(tmp_path: Path) -> None:
    """A long export file with one value that is not UTF-8 (past the header's first block):
    the error names the table, file, column, row and value, and how to fix it."""
    folder = write_export(tmp_path, SALESFORCE)
    lines = (folder / "Lead.csv").read_text().splitlines()
    head, first = lines[0], lines[1].split(",")
    body = []
    for i in range(5000):  # a loop making rows (the test's data)
        cells = list(first)
        cells[0] = f"00QX{i}"
        body.append(",".join(cells))
    text = "\n".join([head, *body]) + "\n"
    at = head.split(",").index("Company")
    cells = body[4321].split(",")
    cells[at] = "Acme\udcff"
    text = text.replace(body[4321], ",".join(cells))
    (folder / "Lead.csv").write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(DataValidationError) as info:
        alignment.io.read_crm("salesforce", folder)
    error = info.value
    assert error.table == "Lead" and error.column == "Company" and error.rows == [4321]
    assert "not UTF-8" in str(error) and "Lead.csv" in str(error)
    assert error.fix == "save the file as UTF-8" and error.value == b"Acme\xff"
