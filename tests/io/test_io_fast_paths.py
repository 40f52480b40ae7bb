"""The fast paths of read_crm give what the plain ones give.

Files are read with their instants as bytes, their text columns hashed once each by pyarrow,
and the text of persons, touches and tasks (looked-up campaigns and owners too) as codes
(:class:`~alignment.io._values.CodedText`); the canonical row order sorts by the other columns
only where the first ones tie.  Each is checked against its plain twin: strings read one by
one, ids as Python strings, one ``numpy.lexsort`` over every column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from io_exports import HUBSPOT, SALESFORCE, assert_same_crm, columns_of, write_export

import alignment
import alignment._sources as sources
import alignment._timetext as tt
import alignment.io._locate as locate_
import alignment.io._typing as typing_
from alignment.io._context import concat
from alignment.io._link import _taken, _with_refs
from alignment.io._order import canonical_order, first_order, sort_key
from alignment.io._values import CodedText, as_text, coded_text, find, is_missing, plain

pytestmark = pytest.mark.filterwarnings("ignore:naive instants:alignment.AlignmentWarning")

EXPORTS = {"salesforce": SALESFORCE, "hubspot": HUBSPOT}
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _csv(cols: dict[str, np.ndarray], rows: np.ndarray) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(cols))
    for r in rows.tolist():
        writer.writerow(["" if v[r] is None else v[r] for v in cols.values()])
    return out.getvalue()


@st.composite
def exports(draw: Any) -> tuple[str, dict[str, str]]:
    """A preset and its tables with rows repeated, dropped and shuffled (as CSV text)."""
    preset = draw(st.sampled_from(sorted(EXPORTS)))
    tables = {}
    for name, text in EXPORTS[preset].items():
        cols = columns_of(text)
        n = len(next(iter(cols.values())))
        rows = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=40))
        tables[name] = _csv(cols, np.array(rows, dtype=np.int64))
    return preset, tables


def _read(preset: str, folder: Path) -> alignment.io.CRMData | tuple[Any, ...]:
    try:
        return alignment.io.read_crm(preset, folder)
    except alignment.AlignmentError as exc:
        return (type(exc), str(exc))


@SETTINGS
@given(case=exports())
def test_files_read_fast_like_plain(
    case: tuple[str, dict[str, str]], tmp_path_factory: Any
) -> None:
    preset, tables = case
    folder = write_export(tmp_path_factory.mktemp("export"), tables)
    fast = _read(preset, folder)
    with pytest.MonkeyPatch.context() as mp:  # every string alone, text as strings
        mp.setattr(tt, "_MIN_LAYOUT", 10**9)
        mp.setattr(typing_, "CODED_TABLES", frozenset())
        mp.setattr(typing_, "CODED_IDS", frozenset())  # (ids as strings, then coded)
        mp.setattr(sources, "_repeated", lambda column: False)  # no dictionary encoding
        mp.setattr(sources, "_varied", lambda column: True)  # every instant as bytes
        mp.setattr(locate_, "text_columns", lambda table: (table, {}))  # text: read_table's
        slow = _read(preset, folder)
    if isinstance(fast, tuple) or isinstance(slow, tuple):
        assert fast == slow
        return
    assert_same_crm(fast, slow)
    assert [str(i) for i in fast.issues] == [str(i) for i in slow.issues]


@st.composite
def tables(draw: Any) -> tuple[dict[str, np.ndarray], list[str], list[str]]:
    n = draw(st.integers(1, 40))
    small = st.integers(0, 2)
    cols = {
        "a": np.array(draw(st.lists(small, min_size=n, max_size=n)), dtype=np.int64),
        "b": np.array(
            draw(st.lists(st.sampled_from(["x", "y", "Y", None]), min_size=n, max_size=n)),
            dtype=object,
        ),
        "c": np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))),
        "d": np.array(draw(st.lists(st.sampled_from([0.0, 1.5, np.nan]), min_size=n, max_size=n))),
        "e": (np.array(draw(st.lists(small, min_size=n, max_size=n))) * 10**6).astype(
            "datetime64[us]"
        ),
    }
    first = draw(st.sampled_from([[], ["a"], ["b"], ["a", "e"], ["e", "a"]]))
    return cols, first, sorted(c for c in cols if c not in first)


@settings(max_examples=200, deadline=None)
@given(tables())
def test_order_is_one_sort_by_every_column(
    case: tuple[dict[str, np.ndarray], list[str], list[str]],
) -> None:
    cols, first, rest = case
    n = cols["a"].size
    want = np.lexsort([sort_key(cols[c]) for c in reversed([*first, *rest])])
    got = canonical_order(cols, first, rest, n, {})
    # the same rows in the same order: rows tied on every column may come in either order
    assert sorted(got.tolist()) == list(range(n))
    for values in cols.values():
        np.testing.assert_array_equal(values[got], values[want])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=50),
    st.sampled_from([1, 10**6, 7]),
    st.booleans(),
)
def test_two_integer_keys_sort_like_lexsort(people: list[int], step: int, nat: bool) -> None:
    a = np.array(people, dtype=np.int64)
    b = (a[::-1] % 3) * step + 1_700_000_000_000_000
    if nat:  # a huge span: the combined key does not fit, lexsort is used
        b[0] = np.iinfo(np.int64).min
    (got, tie), want = first_order([a, b]), np.lexsort((b, a))
    assert sorted(got.tolist()) == list(range(a.size))  # (tied rows: in either order)
    np.testing.assert_array_equal(a[got], a[want])
    np.testing.assert_array_equal(b[got], b[want])
    if tie is not None:  # (the sort's ties: of both keys)
        np.testing.assert_array_equal(
            tie, (a[got][1:] == a[got][:-1]) & (b[got][1:] == b[got][:-1])
        )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["b", "a ", "a", " ", "B", None]), min_size=1, max_size=30))
def test_coded_text_sorts_like_its_strings(values: list[str | None]) -> None:
    got = coded_text(np.array(values, dtype=object))
    assert got is not None
    coded = got[0]
    key, text_key = sort_key(coded), sort_key(plain(coded))
    np.testing.assert_array_equal(
        np.argsort(key, kind="stable"), np.argsort(text_key, kind="stable")
    )
    np.testing.assert_array_equal(key[1:] == key[:-1], text_key[1:] == text_key[:-1])


def test_coded_text_is_the_text() -> None:
    col = np.array(["b ", None, "a", " ", "b", "a"], dtype=object)
    got = coded_text(col)
    assert got is not None
    coded, missing = got
    assert plain(coded).tolist() == ["b", None, "a", None, "b", "a"]
    assert missing.tolist() == [False, True, False, True, False, False]
    assert is_missing(coded).tolist() == missing.tolist()
    part = coded[np.array([4, 1, 2])]
    assert isinstance(part, CodedText) and plain(part).tolist() == ["b", None, "a"]
    pos, found = find(np.array(["a", "c", "b"], dtype=object), coded)
    assert pos.tolist() == [2, -1, 0, -1, 2, 0]
    assert found.tolist() == [True, False, True, False, True, True]
    assert coded_text(np.array([1, 2])) is None  # not text: read as before


def test_coded_columns_joined() -> None:
    ctx: Any = type("Ctx", (), {"kind": staticmethod(lambda c: "text")})()

    def coded(values: list[str | None]) -> CodedText:
        got = coded_text(np.array(values, dtype=object))
        assert got is not None
        return got[0]

    one = {"_row": np.arange(2), "id": coded(["x", None])}
    two = {"_row": np.arange(2), "id": coded(["y", "x"])}
    three = {"_row": np.arange(1), "id": np.array(["z"], dtype=object)}
    joined = concat([one, two], ctx)["id"]
    assert isinstance(joined, CodedText) and plain(joined).tolist() == ["x", None, "y", "x"]
    mixed = concat([one, three], ctx)["id"]
    assert not isinstance(mixed, CodedText) and mixed.tolist() == ["x", None, "z"]


def test_looked_up_text_coded_like_plain() -> None:
    ctx: Any = type("Ctx", (), {"kind": staticmethod(lambda c: "text")})()
    values = np.array(["Spring", None, "Q1"], dtype=object)  # the looked-up table's column
    got = coded_text(np.array(["c1", "zz", None, "c3", "c1"], dtype=object))
    assert got is not None
    refs = got[0]
    at = np.array([0, -1, -1, 2, 1])  # (row 4 finds a row without a value)
    coded = _taken(values, at, refs, ctx, "campaign")
    text = _taken(values, at, plain(refs), ctx, "campaign")
    assert isinstance(coded, CodedText) and not isinstance(text, CodedText)
    assert plain(coded).tolist() == text.tolist() == ["Spring", None, None, "Q1", None]
    absent = np.array([False, True, False, False, False])
    kept = _with_refs(coded, refs, absent)
    assert isinstance(kept, CodedText)
    want = ["Spring", "zz", None, "Q1", None]
    assert plain(kept).tolist() == _with_refs(text, plain(refs), absent).tolist() == want
    assert plain(coded).tolist() == ["Spring", None, None, "Q1", None]  # (not changed)


def test_text_given_one_string_per_row_is_the_text() -> None:
    # a file's carried column, one string per row ("" where null); values may repeat
    texts = np.array([" a", "", "b ", "a", "  ", "b"], dtype=object)
    rows = CodedText(np.array([0, -1, 2, 3, 4, 5]), texts)
    want = ["a", None, "b", "a", None, "b"]
    assert as_text(rows).tolist() == want
    got = coded_text(rows)
    assert got is not None
    coded, missing = got
    assert plain(coded).tolist() == want
    assert missing.tolist() == [v is None for v in want]
    assert texts.tolist() == [" a", "", "b ", "a", "  ", "b"]  # (not changed)


def test_instants_parsed_on_the_pool_like_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long file's instants are parsed on the pool while the rest of it is read (every file
    counts as long here): the same bundle and issues as parsed at once."""
    folder = write_export(tmp_path / "export", SALESFORCE)
    at_once = _read("salesforce", folder)
    submitted: list[Any] = []
    real_submit = locate_.submit

    def spy(fn: Any, *args: Any) -> Any:
        submitted.append(fn)
        return real_submit(fn, *args)

    monkeypatch.setattr(locate_, "POOL_MIN_ROWS", 0)
    monkeypatch.setattr(locate_, "submit", spy)
    pooled = _read("salesforce", folder)
    assert any(getattr(fn, "func", None) is sources._instants_or_bytes for fn in submitted)
    assert not isinstance(at_once, tuple) and not isinstance(pooled, tuple)
    assert_same_crm(pooled, at_once)
    assert [str(i) for i in pooled.issues] == [str(i) for i in at_once.issues]


def _first_of_list_oracle(cells: list[Any], sep: str) -> tuple[list[Any], list[bool]]:
    """first_of_list in plain Python: each cell split on ``sep``, its items trimmed, blanks
    left out; the first item (``None``: none) and whether there were several."""
    firsts, several = [], []
    for cell in cells:  # (an oracle: a loop per cell)
        items = [] if cell is None else [x.strip() for x in cell.split(sep) if x.strip()]
        firsts.append(items[0] if items else None)
        several.append(len(items) > 1)
    return firsts, several


_ID_CELLS = st.one_of(
    st.none(),
    st.sampled_from(["A1", "B2", "C3", "0012", "x"]),
    st.sampled_from(["A1;B2", " A1", "B2 ", "", "  ", ";A1", "A1;;C3", "B2; C3"]),
)


@SETTINGS
@given(cells=st.lists(_ID_CELLS, min_size=1, max_size=40))
def test_first_of_list_matches_splitting_every_cell(cells: list[Any]) -> None:
    """Cells that list one clean id each are taken as they are (no split); any cell with a
    separator, an empty value or spaces at an end sends every cell through the split: both
    give what splitting each cell gives, and the input is not changed."""
    from alignment._frames import factorize
    from alignment.io._deals import _single_ids, first_of_list

    values = np.array(cells, dtype=object)
    before = values.copy()
    first, several = first_of_list(values, ";")
    want_first, want_several = _first_of_list_oracle(cells, ";")
    assert first.tolist() == want_first
    assert several.tolist() == want_several
    assert values.tolist() == before.tolist()
    clean = all(c is None or (c and ";" not in c and c.strip() == c) for c in cells)
    cat = factorize(values, column="ids", allow_missing=True)
    assert (_single_ids(cat, ";") is not None) == clean  # (the fast path taken exactly then)


@pytest.mark.parametrize("ids", [["a", "b", "c"], ["b", "a", "c"]])
def test_a_table_in_order_already_is_not_copied(ids: list[str]) -> None:
    """The persons come out of their merge in the order of their ids: their table is returned
    as it is (read-only views, the working arrays left writeable), not gathered again."""
    from alignment.io._final import finish

    t = {
        "lead_id": np.array(ids, dtype=object),
        "created_at": np.array(["2024-01-02", "2024-01-01", "2024-01-03"], dtype="datetime64[us]"),
    }
    held, _ = finish("leads", t)
    table = held if isinstance(held, dict) else held.arrays()
    assert table["lead_id"].tolist() == sorted(ids)
    in_order = ids == sorted(ids)
    assert np.shares_memory(table["created_at"], t["created_at"]) == in_order
    assert not table["created_at"].flags.writeable and t["created_at"].flags.writeable


@SETTINGS
@given(st.lists(st.sampled_from(["00v1", "00v2", "00v3", None]), min_size=1, max_size=12))
def test_repeated_ids_found_alike_from_arrow_text_and_from_strings(ids: list[str | None]) -> None:
    """The ids of a column factorised by Arrow (distinct texts: its codes taken as they are)
    and of the same column as strings give the same copies kept and listed."""
    import pyarrow as pa

    from alignment._cells import ArrowText
    from alignment.io._context import ROW, SRC, Context
    from alignment.io._link import keep_first_ids
    from alignment.io._values import Options

    texts = sorted({i for i in ids if i is not None})
    codes = np.array([-1 if i is None else texts.index(i) for i in ids])
    plain_ids = np.array(ids, dtype=object)
    arrow_ids = CodedText(codes, ArrowText(pa.array(texts, type=pa.string())))
    preset = alignment.io.SALESFORCE
    spec = preset.table("CampaignMember")
    kept = []
    for column in (plain_ids, arrow_ids):  # (a loop over the two representations)
        ctx = Context(preset, Options(None, None, None, ".", None))
        rows = np.arange(len(ids))
        t = {SRC: np.full(rows.size, ctx.src(spec.name), dtype=np.int16), ROW: rows}
        out = keep_first_ids(dict(t, touch_id=column), spec, ctx)
        kept.append((out[ROW].tolist(), [i.rows for i in ctx.findings()]))
    assert kept[0] == kept[1]
    first = [r for r, i in enumerate(ids) if i is None or ids.index(i) == r]
    assert kept[0][0] == first
