"""Columns that already carry a dictionary: the dictionary is reused, the answer is unchanged.

Two fast paths: an Arrow dictionary already sorted (pandas sorts the categories it infers) is
not sorted again, and a Polars ``Categorical`` is read through its physical codes (its
categories may be shared by every categorical of the process).  Each is checked against the
plain-Python factorisation of the same values.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _factorize
from alignment._factorize import _dictionary_factorize, _native_factorize, _strictly_increasing

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

# lengths around the word boundaries (7, 8, 9 bytes), NUL bytes, multi-byte characters
VALUES = st.text(
    alphabet=st.sampled_from(["a", "b", "\x00", "é", "\u4e2d", "9", " "]), min_size=0, max_size=10
)


def _twin(values: list[str | None]) -> tuple[list[int], list[str]]:
    """Plain-Python factorisation: sorted distinct values (Python order), codes into them."""
    cats = sorted({v for v in values if v is not None})
    index = {v: i for i, v in enumerate(cats)}
    return [-1 if v is None else index[v] for v in values], cats


def _same_as_python(cat: Any, values: list[str | None]) -> None:
    codes, cats = _twin(values)
    assert cat.codes.dtype == np.int32
    assert cat.codes.tolist() == codes
    assert cat.categories.tolist() == cats
    if cat.sort_keys is not None:  # (sort keys, when given, keep the categories' order)
        keys = cat.sort_keys
        assert keys.size == len(cats) and bool(np.all(keys[1:] > keys[:-1]))


@settings(max_examples=150, deadline=None)
@given(st.lists(VALUES, min_size=1, max_size=40, unique=True))
def test_strictly_increasing_is_python_order(values: list[str]) -> None:
    arr = pa.array(values, type=pa.large_string())
    assert _strictly_increasing(arr) == all(a < b for a, b in itertools.pairwise(values))
    ordered = pa.array(sorted(values), type=pa.string())
    assert _strictly_increasing(ordered)
    if len(values) > 1:  # a repeated value is not strictly increasing
        doubled = sorted([*values, values[0]])
        assert not _strictly_increasing(pa.array(doubled))


def test_strictly_increasing_declines_nulls_and_long_strings() -> None:
    assert not _strictly_increasing(pa.array(["a", None, "b"]))
    assert not _strictly_increasing(pa.array(["a" * 70, "b" * 70]))  # (past the word kernel)
    assert _strictly_increasing(pa.array([], type=pa.string()))
    assert _strictly_increasing(pa.array(["a", "a\x00", "b"]))  # NUL bytes: after the prefix


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(st.none(), VALUES), min_size=1, max_size=50),
    st.lists(VALUES, max_size=5),
    st.booleans(),
)
def test_arrow_dictionary_sorted_or_not(
    values: list[str | None], extra: list[str], shuffle: bool
) -> None:
    """Sorted dictionaries (unused entries included) and shuffled ones give the same answer."""
    entries = sorted({v for v in values if v is not None} | set(extra))
    if shuffle:
        entries = entries[::-1]
    index = {v: i for i, v in enumerate(entries)}
    indices = pa.array([None if v is None else index[v] for v in values], type=pa.int32())
    arr = pa.DictionaryArray.from_arrays(indices, pa.array(entries, type=pa.string()))
    _same_as_python(_dictionary_factorize(arr), values)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), VALUES), min_size=1, max_size=50), st.booleans())
def test_pandas_categories_sorted_or_not(values: list[str | None], reorder: bool) -> None:
    s = pd.Series(values, dtype=object).astype("category")
    if reorder:  # categories in another order, plus one that never occurs
        cats = [*list(s.cat.categories)[::-1], "never seen"]
        s = s.cat.set_categories(cats)
    _same_as_python(_native_factorize(s, "pandas"), values)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), VALUES), min_size=1, max_size=50), st.integers(0, 3))
def test_polars_categoricals_through_their_codes(values: list[str | None], start: int) -> None:
    # categories shared with other columns of the process: codes far apart, most unused
    other = pl.Series([f"other {i}" for i in range(50)]).cast(pl.Categorical)
    s = pl.Series(values, dtype=pl.String).cast(pl.Categorical)
    assert len(other) == 50
    start = min(start, len(values) - 1)
    _same_as_python(_native_factorize(s[start:], "polars"), values[start:])


def test_polars_categorical_in_chunks_and_all_null() -> None:
    a = pl.Series(["b", None, "a"]).cast(pl.Categorical)
    b = pl.Series(["c", "a"]).cast(pl.Categorical)
    chunked = a.append(b)  # (two chunks)
    assert chunked.n_chunks() == 2
    _same_as_python(_native_factorize(chunked, "polars"), ["b", None, "a", "c", "a"])
    nulls = pl.Series([None, None], dtype=pl.String).cast(pl.Categorical)
    _same_as_python(_native_factorize(nulls, "polars"), [None, None])
    empty = pl.Series([], dtype=pl.String).cast(pl.Categorical)
    _same_as_python(_native_factorize(empty, "polars"), [])


def test_polars_categorical_never_converted_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """The column itself is never converted to Arrow (only the distinct strings are)."""
    s = pl.Series(["b", "a", "b"] * 10).cast(pl.Categorical)
    seen: list[tuple[int, bool]] = []
    real = _factorize._bytes_factorize

    def spy(arr: Any, *, distinct: bool = False) -> Any:
        seen.append((len(arr), distinct))
        return real(arr, distinct=distinct)

    monkeypatch.setattr(_factorize, "_bytes_factorize", spy)
    _same_as_python(_native_factorize(s, "polars"), ["b", "a", "b"] * 10)
    assert seen == [(2, True)]  # the two distinct strings, sorted (not hashed)


def test_sorted_dictionary_not_sorted_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pandas category column (sorted categories) is not factorised again."""
    s = pd.Series(["b", "a", None, "c"] * 5).astype("category")

    def fail(arr: Any) -> Any:
        raise AssertionError("the sorted dictionary was factorised again")

    monkeypatch.setattr(_factorize, "_arrow_factorize", fail)
    monkeypatch.setattr(_factorize, "_bytes_factorize", fail)
    got = _dictionary_factorize(pa.array(s))
    _same_as_python(got, ["b", "a", None, "c"] * 5)


def test_polars_categorical_codes_spread_over_a_large_mapping() -> None:
    """Codes far beyond the column's length (a long-lived process's shared categories) are
    compacted, never used to size a table."""
    earlier = pl.Series([f"earlier {i}" for i in range(3000)]).cast(pl.Categorical)
    values = ["z", None, "b", "z", "new one"]
    s = pl.Series(values, dtype=pl.String).cast(pl.Categorical)
    assert int(s.to_physical().max()) > 4 * len(values) + 1024  # (while `earlier` lives)
    _same_as_python(_native_factorize(s, "polars"), values)
    assert len(earlier) == 3000


@settings(max_examples=150, deadline=None)
@given(
    chunks=st.lists(
        st.tuples(
            st.lists(st.one_of(st.none(), VALUES), min_size=0, max_size=6),  # (its dictionary)
            st.lists(st.one_of(st.none(), st.integers(0, 5)), max_size=12),  # (its indices)
        ),
        min_size=2,
        max_size=6,
    )
)
def test_chunked_dictionaries_factorised_chunk_by_chunk(
    chunks: list[tuple[list[str | None], list[int | None]]],
) -> None:
    """Chunks with dictionaries of their own (null, repeated and unused entries, null indices,
    empty chunks): the rows' values factorised, as the plain-Python twin and the file reader's
    path (:func:`~alignment._filetexts.hash_factorize`) do."""
    from alignment._filetexts import chunked_dictionary_factorize, hash_factorize

    arrays, values = [], []
    for dictionary, indices in chunks:  # a loop over the chunks
        if not dictionary:
            dictionary, indices = ["x"], [None if i is None else 0 for i in indices]
        indices = [None if i is None else i % len(dictionary) for i in indices]
        arrays.append(
            pa.DictionaryArray.from_arrays(
                pa.array(indices, type=pa.int32()), pa.array(dictionary, type=pa.string())
            )
        )
        values += [None if i is None else dictionary[i] for i in indices]
    column = pa.chunked_array(arrays, type=pa.dictionary(pa.int32(), pa.string()))
    _same_as_python(chunked_dictionary_factorize(column), values)
    _same_as_python(hash_factorize(column), values)


def test_a_dictionary_shared_by_chunks_is_factorised_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from alignment import _filetexts

    dictionary = pa.array(["b", "a", None, "c"])
    chunks = [
        pa.DictionaryArray.from_arrays(pa.array(ix, type=pa.int32()), dictionary)
        for ix in ([0, 1, None], [3, 2, 0], [1])
    ]
    column = pa.chunked_array(chunks)
    seen: list[int] = []
    encode = _filetexts._encoded_factorize
    monkeypatch.setattr(
        _filetexts, "_encoded_factorize", lambda v: seen.append(len(v)) or encode(v)
    )
    values = ["b", "a", None, "c", None, "b", "a"]
    _same_as_python(_filetexts.chunked_dictionary_factorize(column), values)
    assert seen == [4]  # (its four entries, once)
