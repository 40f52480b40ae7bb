"""Distinct strings whose bytes are known (:func:`alignment._cells.cells_of`) are sorted and
compared by their bytes when ids are merged (:func:`~alignment.io._values.shared_texts`) and
looked up (:func:`~alignment.io._values.places_in`): the same results as their strings give."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

import alignment._cells as cells  # noqa: E402
import alignment.io._values as values  # noqa: E402
from alignment._factorize import _encoded_factorize  # noqa: E402

# one byte each: a zero byte too, which numpy's comparisons of padded cells would lose
_ALPHABET = "ab\x00Q~"


def _words(width: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=_ALPHABET, min_size=width, max_size=width)


def _with_bytes(words: list[str]) -> np.ndarray:
    """An object array of ``words`` with its Arrow strings noted, as the reader makes them."""
    return cells.remember(np.array(words, dtype=object), pa.array(words, type=pa.string()))


def _raw(c: np.ndarray) -> list[bytes]:
    """Each cell's bytes, its trailing zero bytes too (``tolist`` leaves them out)."""
    return [bytes(r) for r in c.view(np.uint8).reshape(c.size, c.dtype.itemsize)]


def test_cells_of_views_strings_of_one_length_only() -> None:
    same = _with_bytes(["ab", "b\x00", "\x00a"])
    got = cells.cells_of(same)
    assert got is not None and _raw(got) == [b"ab", b"b\x00", b"\x00a"]
    assert cells.cells_of(_with_bytes(["a", "bc"])) is None  # (widths differ)
    assert cells.cells_of(np.array(["ab", "cd"], dtype=object)) is None  # (no bytes known)
    assert cells.cells_of(np.empty(0, dtype=object)).size == 0


def test_joined_cells_pad_only_strings_without_a_zero_byte() -> None:
    two, three = np.array([b"ab"], dtype="S2"), np.array([b"cde"], dtype="S3")
    joined = cells.joined_cells([two, three])
    assert joined is not None and joined.tolist() == [b"ab", b"cde"]
    assert cells.joined_cells([np.array([b"a\x00"], dtype="S2"), three]) is None
    assert cells.joined_cells([two, None]) is None
    same = cells.joined_cells([np.array([b"a\x00"], dtype="S2"), two])
    assert same is not None and _raw(same) == [b"a\x00", b"ab"]  # (one width: zeros kept)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 3).flatmap(lambda w: st.sets(_words(w))),
    st.integers(1, 3).flatmap(lambda w: st.lists(_words(w))),
    st.booleans(),
)
@example({"a\x00"}, ["a\x00", "a\x00"], True)
@example({"a\x00", "ab"}, ["a"], True)
def test_places_in_by_bytes_finds_each_text_like_a_dictionary(
    vocab: set[str], texts: list[str], sort: bool
) -> None:
    hay = _with_bytes(sorted(vocab))
    needles = _with_bytes(sorted(texts) if sort else texts)
    widths = {len(w) for w in [*vocab, *texts]}
    zero = any("\x00" in w for w in [*vocab, *texts])
    if vocab and texts and (len(widths) == 1 or not zero):  # (the bytes are used)
        assert cells.joined_cells([cells.cells_of(hay), cells.cells_of(needles)]) is not None
    got = values.places_in(hay, needles)
    where = {v: i for i, v in enumerate(hay.tolist())}
    assert got is not None
    assert got.tolist() == [where.get(t, -1) for t in needles.tolist()]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), _words(2)), min_size=1, max_size=30),
    st.lists(st.one_of(st.none(), _words(2)), min_size=1, max_size=30),
)
def test_shared_texts_by_bytes_is_the_strings_vocabulary(
    first: list[str | None], second: list[str | None]
) -> None:
    columns, plain_columns = [], []
    for words in (first, second):  # a loop over two columns
        cat = _encoded_factorize(pa.array(words, type=pa.string()))
        coded, _ = values.coded_text(cat)
        columns.append(coded)
        texts = np.array(coded.texts.tolist(), dtype=object)  # (no bytes noted)
        plain_columns.append(values.CodedText(coded.codes(), texts))
    if all(c.texts.size for c in columns):
        assert all(cells.cells_of(c.texts) is not None for c in columns)
    got, vocab = values.shared_texts(columns)
    want, want_vocab = values.shared_texts(plain_columns)
    assert vocab.tolist() == want_vocab.tolist() == sorted({w for w in first + second if w})
    assert [g.codes().tolist() for g in got] == [w.codes().tolist() for w in want]
    noted = cells.cells_of(vocab)
    if noted is not None:  # (the vocabulary keeps its bytes for the lookups)
        assert _raw(noted) == [v.encode() for v in vocab.tolist()]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", " ", "  ", "ab", "a\x00", "ba", " b", "ab "]), min_size=1))
@example(["00", "", "01", "00"])
def test_coded_text_keeps_the_bytes_of_the_values_blanks_leave(words: list[str]) -> None:
    cat = _encoded_factorize(pa.array(words, type=pa.string()))
    coded, missing = values.coded_text(cat)
    assert values.plain(coded).tolist() == [w.strip() or None for w in words]
    assert missing.tolist() == [not w.strip() for w in words]
    noted = cells.cells_of(coded.texts)
    if noted is not None:
        assert _raw(noted) == [t.encode() for t in coded.texts.tolist()]
    kept = {w for w in words if w.strip()}
    if kept and all(w == w.strip() and len(w) == 2 for w in kept):
        assert noted is not None  # (blank values only: the others keep their bytes)


_CODED_PART = st.lists(st.sampled_from(["ab", "ba", "Q~", None]), max_size=12).flatmap(
    lambda rows: st.sampled_from(["coded", "own texts", "missing"]).map(lambda how: (rows, how))
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_CODED_PART, min_size=2, max_size=4))
def test_joined_coded_parts_read_as_their_strings_one_after_the_other(
    parts: list[tuple[list[str | None], str]],
) -> None:
    from alignment.io._context import _joined

    shared = np.array(["Q~", "ab", "ba"], dtype=object)
    pieces: list[np.ndarray] = []
    for rows, how in parts:  # a loop over parts: its own vocabulary, the shared one, or none
        if how == "missing":
            pieces.append(np.full(len(rows), None, dtype=object))
            rows[:] = [None] * len(rows)
            continue
        texts = shared if how == "coded" else np.array(sorted({r for r in rows if r}), object)
        at = {t: i for i, t in enumerate(texts.tolist())}
        pieces.append(values.CodedText(np.array([at.get(r, -1) for r in rows]), texts))
    if not any(isinstance(p, values.CodedText) for p in pieces):
        return
    before = [p.copy() for p in pieces]
    out = _joined(pieces)
    assert isinstance(out, values.CodedText) and out.dtype == np.int32
    assert values.plain(out).tolist() == [r for rows, _ in parts for r in rows]
    for p, b in zip(pieces, before):  # (the parts are not changed)
        assert np.array_equal(np.asarray(p), np.asarray(b))


_EDGY = st.sampled_from(["", " ", "ab", "ba", " ab", "ab ", "a\x00", "Q~", "é", "\u00a0x"])


def _unmade(words: list[str], sort: bool) -> cells.ArrowStrings:
    kind = cells.ArrowText if sort else cells.ArrowStrings
    return kind(pa.array(sorted(set(words)) if sort else words, type=pa.string()))


@settings(max_examples=300, deadline=None)
@given(st.lists(_EDGY, max_size=20), st.booleans())
@example(["", " ", "ab"], True)
@example(["ab", "", "ba"], False)
def test_strings_not_made_read_as_the_strings_made(words: list[str], sort: bool) -> None:
    from alignment._columns import Categorical

    lazy, made = _unmade(words, sort), _unmade(words, sort)
    np.asarray(made)  # (its Python strings made now: the reading as it was)
    if sort:
        at = {w: i for i, w in enumerate(sorted(set(words)))}
        codes = np.array([at[w] for w in words], dtype=np.int32)
        got, want = (values.coded_text(Categorical(codes, c)) for c in (lazy, made))
    else:
        codes = np.arange(len(words), dtype=np.int32)
        got, want = (values.coded_text(values.CodedText(codes, c)) for c in (lazy, made))
    assert got is not None and want is not None
    # kept unmade when no string but blank ones may change (judged by the edge bytes alone)
    trimmed = all(w == w.strip() and w.isascii() for w in words if w.strip())
    assert isinstance(got[0].texts, cells.ArrowStrings) == trimmed
    if trimmed:  # (still not made; a sorted vocabulary keeps its kind and its order)
        assert not got[0].texts.is_made() and not lazy.is_made()
        assert isinstance(got[0].texts, cells.ArrowText) == sort
        assert got[0].texts.size == len({w for w in words if w.strip()}) or not sort
    assert values.plain(got[0]).tolist() == values.plain(want[0]).tolist()
    assert got[1].tolist() == want[1].tolist() == [not w.strip() for w in words]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_EDGY, max_size=6), min_size=2, max_size=4))
def test_strings_not_made_are_joined_not_made(parts: list[list[str]]) -> None:
    lazy = [_unmade(p, sort=False) for p in parts]
    joined = values.joined_texts(lazy)  # type: ignore[arg-type]
    assert isinstance(joined, cells.ArrowStrings) and not joined.is_made()
    assert np.asarray(joined).tolist() == [w for p in parts for w in p]
    assert not any(p.is_made() for p in lazy)
    np.asarray(lazy[0])  # (a part made: joined as strings)
    assert not isinstance(values.joined_texts(lazy), cells.ArrowStrings)  # type: ignore[arg-type]


def test_mostly_distinct_rows_keep_their_strings_unmade() -> None:
    from alignment._filetexts import row_texts

    emails = [f"p{i}@x.org" for i in range(200)] + [None]
    got = row_texts(pa.array(emails, type=pa.string()))
    assert got is not None
    codes, texts = got
    assert isinstance(texts, cells.ArrowStrings) and not texts.is_made()
    assert codes.tolist() == [*range(200), -1]
    assert values.plain(values.CodedText(codes, texts)).tolist() == emails


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(_words(2), _words(3)), max_size=8), min_size=1, max_size=3))
def test_shared_texts_of_one_byte_length_are_made_on_first_use(parts: list[list[str]]) -> None:
    columns = [values.CodedText(np.arange(len(p)), _with_bytes(p)) for p in parts]
    coded, vocab = values.shared_texts(columns)
    every = [w for p in parts for w in p]
    one_length = len({len(w) for w in every}) == 1
    assert isinstance(vocab, cells.ArrowText) == one_length
    if one_length:
        assert not vocab.is_made()
        assert cells.cells_of(vocab) is not None  # (its bytes, without a string made)
    assert np.asarray(vocab).tolist() == sorted(set(every))
    for got, p in zip(coded, parts):
        assert values.plain(got).tolist() == p


_ROWS = st.lists(
    st.tuples(st.sampled_from(["ab", "ba", None]), st.sampled_from(["Q~", "ab", None])),
    max_size=40,  # (one flag of ``where`` per row)
)


@settings(max_examples=200, deadline=None)
@given(_ROWS, st.lists(st.booleans(), min_size=40, max_size=40))
def test_overlaid_reads_as_the_values_chosen_row_by_row(
    rows: list[tuple[str | None, str | None]], where: list[bool]
) -> None:
    def coded(words: list[str | None]) -> values.CodedText:
        texts = sorted({w for w in words if w is not None})
        at = {t: i for i, t in enumerate(texts)}
        codes = np.array([at.get(w, -1) for w in words], dtype=np.int32)
        return values.CodedText(codes, np.array(texts, dtype=object))

    base, over = coded([b for b, _ in rows]), coded([o for _, o in rows])
    mask = np.array(where[: len(rows)], dtype=bool)
    before = (base.codes().copy(), over.codes().copy())
    got = values.overlaid(base, over, mask)
    want = [o if m else b for (b, o), m in zip(rows, mask.tolist())]
    assert values.plain(got).tolist() == want
    assert got.dtype == np.int32
    assert np.array_equal(base.codes(), before[0]) and np.array_equal(over.codes(), before[1])


def test_strings_too_long_for_32_bit_offsets_are_joined_as_large_strings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cells, "JOIN_LIMIT", 8)  # (the parts' bytes past it)
    parts = [cells.ArrowStrings(pa.array(p, type=pa.string())) for p in (["ab", "c"], ["def"])]
    joined = cells.joined_strings(parts)  # type: ignore[arg-type]
    assert joined is not None and joined.arrow.type == pa.large_string()
    assert np.asarray(joined).tolist() == ["ab", "c", "def"]
