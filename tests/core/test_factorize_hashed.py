"""Text columns of a file factorised by pyarrow's hashing (:func:`hash_factorize`): the same
codes and categories as the plain-Python factorisation, whatever the layout of the column
(string, large string, several chunks, a dictionary with repeated, unused or null entries)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment._factorize import _arrow_factorize
from alignment._filetexts import hash_factorize, row_texts, text_columns

pa = pytest.importorskip("pyarrow")

from .test_factorize_dictionaries import VALUES  # noqa: E402
from .test_factorize_dictionaries import _same_as_python as _same_codes  # noqa: E402

CELLS = st.lists(st.one_of(st.none(), VALUES), min_size=0, max_size=60)


def _same_as_python(cat: Any, values: list[str | None]) -> None:
    _same_codes(cat, values)
    assert all(type(c) is str for c in cat.categories.tolist())


@settings(max_examples=200, deadline=None)
@given(CELLS, st.sampled_from(["string", "large_string"]), st.integers(1, 6), st.booleans())
def test_plain_and_chunked_columns_match_python(
    values: list[str | None], kind: str, n_chunks: int, sliced: bool
) -> None:
    # chunks of their own or slices of one array (offsets), empty ones among them: a chunked
    # column is encoded as it is (one dictionary for its chunks), its indices joined
    typ = getattr(pa, kind)()
    whole = pa.array(values, type=typ)
    cut = np.linspace(0, len(values), n_chunks + 1).astype(int)
    chunks = [
        whole.slice(a, b - a) if sliced else pa.array(values[a:b], type=typ)
        for a, b in itertools.pairwise(cut)
    ]
    column = pa.chunked_array(chunks, type=typ)
    _same_as_python(hash_factorize(column), values)
    _same_as_python(hash_factorize(whole), values)


def test_encoded_chunks_with_dictionaries_of_their_own_are_unified() -> None:
    """Chunks encoded one by one (each its own dictionary) give the rows' values all the same."""
    from alignment._factorize import _encoded_parts

    parts = [["b", "a", None], ["c", "b"], ["a"]]
    enc = pa.chunked_array([pa.array(p, type=pa.string()).dictionary_encode() for p in parts])
    dictionary, indices = _encoded_parts(enc)
    values = [v for p in parts for v in p]
    got = [None if i < 0 else dictionary[int(i)].as_py() for i in indices]
    assert got == values
    empty = pa.chunked_array([], type=pa.dictionary(pa.int32(), pa.string()))
    assert _encoded_parts(empty)[1].size == 0


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(st.none(), VALUES), min_size=1, max_size=12),
    st.lists(st.integers(-1, 30), min_size=0, max_size=60),
)
def test_dictionary_columns_match_python(dictionary: list[str | None], picks: list[int]) -> None:
    # repeated, unused and null dictionary entries; null indices (-1)
    idx = [None if p < 0 else p % len(dictionary) for p in picks]
    column = pa.DictionaryArray.from_arrays(
        pa.array(idx, type=pa.int32()), pa.array(dictionary, type=pa.string())
    )
    values = [None if i is None else dictionary[i] for i in idx]
    _same_as_python(hash_factorize(column), values)


@settings(max_examples=60, deadline=None)
@given(CELLS)
def test_same_as_the_general_arrow_path(values: list[str | None]) -> None:
    arr = pa.array(values, type=pa.string())
    ours, general = hash_factorize(arr), _arrow_factorize(arr)
    assert np.array_equal(ours.codes, general.codes)
    assert ours.categories.tolist() == general.categories.tolist()


def test_many_rows_of_repeated_ids() -> None:
    rng = np.random.default_rng(3)
    ids = np.array([f"00Q5e{i:013d}" for i in rng.integers(0, 5_000, 60_000)], dtype=object)
    ids[rng.random(ids.size) < 0.1] = None
    values = ids.tolist()
    _same_as_python(hash_factorize(pa.array(values, type=pa.string())), values)


IDS = st.sampled_from(
    [f"00Q5e0000{i:09d}" for i in (0, 7, 42, 10**6, 5 * 10**8)]  # (18 characters)
    + [f"0035e{i:010d}" for i in (3, 10**9)]  # (15 characters)
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.just(""), IDS), min_size=1, max_size=60),
    st.integers(1, 4),
    st.sampled_from(["string", "large_string", "string_view"]),
    st.integers(0, 3),
)
def test_ids_with_blanks_sorted_by_their_words(
    values: list[str | None], n_chunks: int, kind: str, start: int
) -> None:
    """A column of many values is sorted by its words, its blanks set apart (the empty string
    first): the same codes and categories as Python's, and pyarrow does not hash it.  Chunks
    of their own or sliced from one array (offsets); ids of two lengths."""
    import alignment._filetexts as ft

    hashed: list[int] = []
    typ = getattr(pa, kind)()
    whole = pa.array(values, type=typ).slice(min(start, len(values) - 1))
    values = whole.to_pylist()
    cut = np.linspace(0, len(values), n_chunks + 1).astype(int)
    column = pa.chunked_array([whole.slice(a, b - a) for a, b in itertools.pairwise(cut)], typ)
    real = ft._encoded_factorize
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ft, "_distinct_head", lambda arr: False)
        mp.setattr(ft, "_many_values", lambda arr: True)
        mp.setattr(ft, "_encoded_factorize", lambda arr: hashed.append(1) or real(arr))
        _same_as_python(hash_factorize(column), values)
    # ids of one length (blanks aside) differ in at most 36 bits here: packed into one word
    # each, not hashed; a lead's 18-character id beside a contact's 15-character one may not
    # pack (then hashed by pyarrow, the same result)
    if len({len(v) for v in values if v}) <= 1:
        assert not hashed


def test_blank_first_keeps_the_arrow_strings() -> None:
    """The categories' Arrow strings (for lookups without a conversion) include the blank."""
    from alignment._cells import ArrowText, arrow_of
    from alignment._factorize import _bytes_factorize

    values = ["00Q5e0000000000042", "", None, "00Q5e0000000000007", ""]
    cat = _bytes_factorize(pa.array(values, type=pa.string()))
    assert cat is not None
    cats = cat.categories
    arrow = cats.arrow if isinstance(cats, ArrowText) else arrow_of(cats)
    assert arrow is not None and arrow.to_pylist() == ["", *sorted(v for v in values if v)]
    _same_as_python(cat, values)


def test_too_varied_strings_are_hashed_by_pyarrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Strings that cannot be packed into one word each (e-mail addresses) are left to pyarrow's
    hashing, not to the kernel's own: the same result."""
    import alignment._filetexts as ft
    from alignment import _strings

    rng = np.random.default_rng(5)
    values = [f"{rng.integers(10**12)}@{'abcdefgh'[rng.integers(8)]}.example" for _ in range(3000)]
    values = values * 3
    monkeypatch.setattr(ft, "_many_values", lambda arr: True)
    hashed_words: list[int] = []
    real = _strings._hash_words
    monkeypatch.setattr(_strings, "_hash_words", lambda *a: hashed_words.append(1) or real(*a))
    _same_as_python(hash_factorize(pa.array(values, type=pa.string())), values)
    assert not hashed_words


@pytest.mark.parametrize("kind", ["string", "string_view"])
def test_short_varied_strings_not_packed_are_declined(kind: str) -> None:
    """``packed_only``: strings too varied to pack into one word are left to the caller, in
    Arrow's layout and as inline string views alike."""
    from alignment import _strings
    from alignment._factorize import _bytes_factorize

    rng = np.random.default_rng(2)
    values = ["".join(map(chr, rng.integers(33, 127, 11))) for _ in range(500)] + ["x" * 9]
    hashed: list[int] = []
    real = _strings._hash_words
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_strings, "_hash_words", lambda *a: hashed.append(1) or real(*a))
        got = _bytes_factorize(pa.array(values, type=getattr(pa, kind)()), packed_only=True)
    assert got is None and not hashed
    _same_as_python(hash_factorize(pa.array(values, type=getattr(pa, kind)())), values)


def test_chunks_too_long_for_32_bit_offsets_joined_as_large_strings() -> None:
    """A chunked ``string`` column whose text passes 2 GiB is joined as ``large_string``
    (the limit lowered here): the same codes, and no offset overflow."""
    from alignment import _cells

    values = [f"00Q5e0000{i % 7:09d}" if i % 5 else "" for i in range(400)]
    column = pa.chunked_array([pa.array(values[:150]), pa.array(values[150:])])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_cells, "JOIN_LIMIT", 100)
        whole = _cells.joined(column)
        assert pa.types.is_large_string(whole.type) and whole.to_pylist() == values
        mp.setattr("alignment._filetexts._many_values", lambda arr: True)
        _same_as_python(hash_factorize(column), values)
    assert pa.types.is_string(_cells.joined(column).type)  # (below the limit: as it is)


def test_many_values_estimated_from_blocks() -> None:
    """Grouped ids (each one's rows together) and shuffled ids of many values are told from a
    few values in any order."""
    from alignment._filetexts import MANY_VALUES, _many_values

    rng = np.random.default_rng(11)
    n = 600_000
    grouped = np.repeat(np.arange(n // 4), 4)  # (150,000 ids, 4 rows each, in order)
    shuffled = rng.integers(0, 3 * MANY_VALUES, n)
    few = rng.integers(0, MANY_VALUES // 20, n)
    few_sorted = np.sort(few)

    def col(ids: np.ndarray) -> Any:
        return pa.array([f"00Q{i:015d}" for i in ids.tolist()], type=pa.string())

    assert _many_values(col(grouped)) and _many_values(col(shuffled))
    assert not _many_values(col(few)) and not _many_values(col(few_sorted))
    assert not _many_values(col(grouped[:1000]))  # (short columns: hashed)


def test_text_columns_takes_out_the_string_columns_only() -> None:
    table = pa.table(
        {
            "a": pa.array(["x", None, "y"]),
            "n": pa.array([1, 2, 3]),
            "d": pa.array(["p", "q", "p"]).dictionary_encode(),
            "b": pa.array(["u", "v", "w"], type=pa.large_string()),
            "f": pa.array([True, False, None]),
        }
    )
    rest, texts = text_columns(table)
    assert rest.column_names == ["n", "f"]
    assert list(texts) == ["a", "d", "b"]
    assert texts["a"].to_pylist() == ["x", None, "y"]
    assert table.num_columns == 5  # (the caller's table is left as it is)


def test_text_columns_leaves_repeated_names_to_the_reader() -> None:
    table = pa.Table.from_arrays([pa.array(["x"]), pa.array(["y"])], names=["a", "a"])
    rest, texts = text_columns(table)
    assert texts == {} and rest.num_columns == 2


@settings(max_examples=100, deadline=None)
@given(st.lists(VALUES, min_size=1, max_size=40, unique=True), st.booleans())
def test_row_texts_are_the_rows(distinct: list[str], null: bool) -> None:
    values: list[str | None] = list(distinct)
    if null and len(values) >= 20:  # (a null among mostly distinct values)
        values[3] = None
    got = row_texts(pa.chunked_array([pa.array(values, type=pa.string())]))
    assert got is not None  # (every value distinct)
    codes, strings = got
    assert codes.tolist() == [-1 if v is None else r for r, v in enumerate(values)]
    assert [strings[c] if c >= 0 else None for c in codes.tolist()] == values


@pytest.mark.parametrize(
    ("values", "n_texts"),
    [
        (["b", "a", None] * 40, 2),  # (repeated: hashed, the distinct values in the order met)
        ([f"v{i}" for i in range(95)] + ["v0"] * 5, 100),  # (mostly distinct: one per row)
        ([f"v{i}" for i in range(90)] + ["v0"] * 10, 100),  # (3 in 4 distinct: one per row)
        ([f"v{i}" for i in range(70)] + ["v0"] * 30, 70),  # (fewer: hashed)
    ],
)
def test_row_texts_read_as_the_rows_their_strings_not_made(
    values: list[str | None], n_texts: int
) -> None:
    from alignment._cells import ArrowStrings

    for arr in (pa.array(values), pa.chunked_array([values[:7], values[7:]], pa.string())):
        got = row_texts(arr)
        assert got is not None
        codes, strings = got
        assert isinstance(strings, ArrowStrings) and not strings.is_made()
        assert len(strings) == n_texts
        assert [strings[c] if c >= 0 else None for c in codes.tolist()] == values


def test_row_texts_declines_other_types() -> None:
    assert row_texts(pa.array(["a", "b"]).dictionary_encode()) is None
    assert row_texts(pa.array([1, 2])) is None
    assert row_texts(pa.array([], type=pa.string())) is None


@settings(max_examples=150, deadline=None)
@given(
    st.lists(VALUES, min_size=1, max_size=12, unique=True),
    st.lists(st.one_of(st.none(), VALUES), min_size=0, max_size=40),
    st.sampled_from(["string", "large_string"]),
)
def test_columns_of_distinct_first_rows_are_sorted_and_exact(
    head: list[str], tail: list[str | None], kind: str
) -> None:
    """Record ids (the first rows all distinct) are sorted by their words, not hashed: the
    same codes as plain Python, also when a value repeats or is null further down."""
    import alignment._factorize as fz
    import alignment._filetexts as ft

    values: list[str | None] = [*head, *tail]
    calls: list[bool] = []
    real = ft._bytes_factorize

    def spy(arr: Any, *, distinct: bool = False) -> Any:
        calls.append(distinct)
        return real(arr, distinct=distinct)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ft, "HASH_FACTORIZE_MIN_ROWS", 1)
        mp.setattr(ft, "SAMPLE_ROWS", len(head))
        mp.setattr(fz, "SAMPLE_ROWS", len(head))
        mp.setattr(ft, "_bytes_factorize", spy)
        _same_as_python(hash_factorize(pa.array(values, type=getattr(pa, kind)())), values)
        assert calls == [True]
        # a repeat or a null among the first rows: hashed by pyarrow
        calls.clear()
        repeated = [head[0], *values]
        mp.setattr(ft, "SAMPLE_ROWS", len(head) + 1)
        mp.setattr(fz, "SAMPLE_ROWS", len(head) + 1)
        _same_as_python(hash_factorize(pa.array(repeated, type=pa.string())), repeated)
        with_null = [None, *values]
        _same_as_python(hash_factorize(pa.array(with_null, type=pa.string())), with_null)
        assert calls == []
