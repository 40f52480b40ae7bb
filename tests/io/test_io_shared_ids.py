"""Ids coded against one vocabulary: persons merged, linked and folded on integer codes.

Each kernel is checked against its string twin: the ids (or spellings) as Python strings,
factorised or looked up one column at a time, values taken after sorting every row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment._parse import fold_categories
from alignment.io._context import concat
from alignment.io._link import _folded_columns
from alignment.io._persons import People, combine
from alignment.io._values import CodedText, coded_text, plain, shared_texts

SETTINGS = settings(max_examples=150, deadline=None)

#: ids that sort differently as text and as their lengths, spaces to trim, blanks, missing
WORDS = ["a", "b", "B", "ab", "a b", " a", "b ", "é", "00Q1", "0031", " ", ""]


def _coded(values: list[str | None]) -> CodedText:
    got = coded_text(np.array(values, dtype=object))
    assert got is not None
    return got[0]


@st.composite
def columns(draw: Any) -> tuple[list[np.ndarray], list[list[str | None]]]:
    """Text columns, some as codes (a subset of their rows: texts no row holds), some as
    strings; and the trimmed strings each stands for."""
    cols: list[np.ndarray] = []
    want: list[list[str | None]] = []
    for _ in range(draw(st.integers(0, 4))):
        values = draw(st.lists(st.sampled_from([*WORDS, None]), max_size=12))
        trimmed = [None if v is None or not v.strip() else v.strip() for v in values]
        if draw(st.booleans()):
            rows = draw(st.lists(st.integers(0, max(len(values) - 1, 0)), max_size=len(values)))
            rows = [r for r in rows if r < len(values)]
            cols.append(_coded(values)[np.array(rows, dtype=np.int64)])
            want.append([trimmed[r] for r in rows])
        else:
            cols.append(np.array(trimmed, dtype=object))
            want.append(trimmed)
    return cols, want


@SETTINGS
@given(columns())
def test_shared_texts_is_one_factorisation(case: tuple[list[np.ndarray], list[Any]]) -> None:
    cols, want = case
    before = [plain(c).tolist() for c in cols]
    coded, vocab = shared_texts(cols)
    texts = {t for c in cols for t in (c.texts if isinstance(c, CodedText) else c) if t}
    assert vocab.tolist() == sorted(texts)  # sorted, distinct, every text of every column
    for col, got, values in zip(cols, coded, want):
        assert isinstance(got, CodedText) and got.texts is vocab
        assert plain(got).tolist() == values
        assert col.size == got.size
    assert [plain(c).tolist() for c in cols] == before  # the inputs are not changed


@SETTINGS
@given(columns())
def test_folded_columns_like_folding_the_rows(case: tuple[list[np.ndarray], list[Any]]) -> None:
    cols, want = case
    rows = [v for values in want for v in values]
    folded = fold_categories(np.array(rows, dtype=object)).tolist()
    got = _folded_columns(cols)
    start = 0
    for (new, changed), values in zip(got, want):
        stop = start + len(values)
        assert plain(new).tolist() == folded[start:stop]
        assert changed.tolist() == [a != b for a, b in zip(values, folded[start:stop])]
        start = stop


@SETTINGS
@given(columns(), st.data())
def test_folded_columns_count_only_the_rows_still_in(
    case: tuple[list[np.ndarray], list[Any]], data: Any
) -> None:
    """Rows left out already (a touch without a response) are folded as if gone: their
    spellings are not counted, and the rows still in are folded like those rows alone."""
    cols, want = case
    lives = [
        np.array(data.draw(st.lists(st.booleans(), min_size=len(v), max_size=len(v))), dtype=bool)
        for v in want
    ]
    kept = [v for values, live in zip(want, lives) for v, k in zip(values, live) if k]
    folded = iter(fold_categories(np.array(kept, dtype=object)).tolist())
    got = _folded_columns(cols, lives)
    for (new, changed), values, live in zip(got, want, lives):
        for value, k, after, moved in zip(values, live, plain(new).tolist(), changed.tolist()):
            if k:
                expected = next(folded)
                assert after == expected
                assert moved == (value != expected)


@st.composite
def ids_and_people(draw: Any) -> tuple[People, np.ndarray]:
    """A vocabulary, the person row of each of its ids, and ids to resolve (coded)."""
    vocab = np.array(sorted(set(draw(st.lists(st.sampled_from(WORDS[:10]), max_size=8)))))
    vocab = vocab.astype(object)
    n_persons = draw(st.integers(1, 4))
    person_of = draw(
        st.lists(st.integers(-1, n_persons - 1), min_size=vocab.size, max_size=vocab.size)
    )
    rows = np.array([*person_of, -1], dtype=np.int64)
    leads = {"lead_id": np.array([f"p{i}" for i in range(n_persons)], dtype=object)}
    codes = draw(st.lists(st.integers(-1, vocab.size - 1), max_size=10))
    return People(leads, vocab, rows), CodedText(np.array(codes, dtype=np.int64), vocab)


@SETTINGS
@given(ids_and_people())
def test_rows_of_codes_like_rows_of_strings(case: tuple[People, CodedText]) -> None:
    people, ids = case
    by_code = people.rows_of(ids)
    by_text = people.rows_of(plain(ids))  # (not coded against the vocabulary: by strings)
    np.testing.assert_array_equal(by_code, by_text)
    text = {t: int(r) for t, r in zip(people.vocab.tolist(), people.row_of.tolist())}
    assert by_code.tolist() == [-1 if t is None else text[t] for t in plain(ids).tolist()]


@st.composite
def groups(draw: Any) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, int]:
    n = draw(st.integers(1, 30))
    k = draw(st.integers(1, n))
    group = np.array(
        draw(
            st.permutations(
                [*range(k), *draw(st.lists(st.integers(0, k - 1), min_size=n - k, max_size=n - k))]
            )
        ),
        dtype=np.int64,
    )
    order = np.array(draw(st.permutations(range(n))), dtype=np.int64)
    nat = np.datetime64("NaT", "us")
    t = draw(
        st.lists(
            st.sampled_from([nat, *np.arange(3).astype("datetime64[us]")]), min_size=n, max_size=n
        )
    )
    table = {
        "_src": np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))),
        "_row": np.arange(n, dtype=np.int64),
        "text": np.array(
            draw(st.lists(st.sampled_from(["x", "y", None]), min_size=n, max_size=n)), dtype=object
        ),
        "amount": np.array(
            draw(st.lists(st.sampled_from([1.0, 2.5, np.nan]), min_size=n, max_size=n))
        ),
        "flag": np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))),
        "at": np.array(t, dtype="datetime64[us]"),
    }
    return table, group, order, k


@SETTINGS
@given(groups())
def test_combine_like_sorting_every_row(case: tuple[dict[str, np.ndarray], Any, Any, int]) -> None:
    table, group, order, k = case
    got = combine(table, group, order, k)
    for g in range(k):
        rows = [r for r in order.tolist() if group[r] == g]  # the group's rows, in order
        for name, values in table.items():
            cells = [values[r] for r in rows]
            if name == "at":
                present = [c for c in cells if not np.isnat(c)]
                want = min(present) if present else np.datetime64("NaT", "us")
                assert got[name][g] == want or (np.isnat(want) and np.isnat(got[name][g]))
                continue
            present = [c for c in cells if c is not None and not (isinstance(c, float) and c != c)]
            want = present[0] if present and name not in ("_src", "_row") else cells[0]
            assert got[name][g] == want or (want != want and got[name][g] != got[name][g])


def test_coded_ids_joined_on_one_vocabulary() -> None:
    ctx: Any = type("Ctx", (), {"kind": staticmethod(lambda c: "text")})()
    (one, two), vocab = shared_texts([np.array(["x", None], object), np.array(["y"], object)])
    lacking = {"_row": np.arange(3), "other": np.zeros(3)}  # (a table without the column)
    joined = concat([{"_row": np.arange(2), "id": one}, {"_row": np.arange(1), "id": two}], ctx)
    assert isinstance(joined["id"], CodedText) and joined["id"].texts is vocab
    assert plain(joined["id"]).tolist() == ["x", None, "y"]
    with_blank = concat([{"_row": np.arange(2), "id": one}, lacking], ctx)["id"]
    assert isinstance(with_blank, CodedText) and with_blank.texts is vocab
    assert plain(with_blank).tolist() == ["x", None, None, None, None]
