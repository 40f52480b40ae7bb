"""Kernels of the factorisation of a file's text columns, against plain-Python twins.

* :func:`alignment._filetexts.chunked_dictionary_factorize`: a dictionary column of several
  chunks (each with its own dictionary, of any index type) gives the sorted distinct values
  and codes into them, whichever way each chunk's codes are made (a copy of its indices when
  its entries' codes are its indices, else a gather) and however its entries in use are found
  (its first rows, or all of them when those miss one).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _filetexts
from alignment._filetexts import chunked_dictionary_factorize

pa = pytest.importorskip("pyarrow")

INDEX_TYPES = ["int8", "int16", "int32", "int64", "uint8"]


def _twin(values: list[str | None]) -> tuple[list[int], list[str]]:
    """Plain-Python factorisation: sorted distinct values (Python order), codes into them."""
    cats = sorted({v for v in values if v is not None})
    index = {v: i for i, v in enumerate(cats)}
    return [-1 if v is None else index[v] for v in values], cats


def _check(column: Any, values: list[str | None]) -> None:
    cat = chunked_dictionary_factorize(column)
    codes, cats = _twin(values)
    assert cat.codes.dtype == np.int32
    assert cat.codes.tolist() == codes
    assert cat.categories.tolist() == cats


def _column(chunks: list[tuple[list[str | None], list[int | None]]], kind: str) -> Any:
    arrays = [
        pa.DictionaryArray.from_arrays(pa.array(ix, type=kind), pa.array(d, type=pa.string()))
        for d, ix in chunks
    ]
    return pa.chunked_array(arrays, type=pa.dictionary(pa.type_for_alias(kind), pa.string()))


@settings(max_examples=200, deadline=None)
@given(
    chunks=st.lists(
        st.tuples(
            st.lists(st.one_of(st.none(), st.sampled_from("abcdefg")), min_size=1, max_size=5),
            st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=1, max_size=20),
        ),
        min_size=2,
        max_size=6,
    ),
    kind=st.sampled_from(INDEX_TYPES),
    probe=st.integers(0, 4),
)
def test_chunked_dictionary_is_python_factorisation(
    chunks: list[tuple[list[str | None], list[int | None]]],
    kind: str,
    probe: int,
) -> None:
    """Entries unused, repeated or null, null rows, first rows that miss entries (a short
    probe), dictionaries in sorted order (their indices copied) or not."""
    fixed = [(d, [None if i is None else i % len(d) for i in ix]) for d, ix in chunks]
    values = [None if i is None else d[i] for d, ix in fixed for i in ix]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_filetexts, "_PROBE_ROWS", probe)
        _check(_column(fixed, kind), values)


def test_an_entry_met_after_the_first_rows_is_a_category() -> None:
    """A chunk whose first rows (more than the probe) all hold one value, then another."""
    n = _filetexts._PROBE_ROWS + 10
    first = (["b", "a"], [0] * n + [1])
    second = (["b"], [0, None])
    _check(_column([first, second], "int32"), ["b"] * n + ["a", "b", None])


def test_a_dictionary_of_an_index_type_too_narrow_for_a_null_slot() -> None:
    """128 entries of ``int8`` indices with a null row: the null slot (128) fits no ``int8``."""
    words = [f"w{k:03d}" for k in range(128)]
    ix = [*range(128), None, 5]
    chunk = (words[::-1], ix)
    values = [None if i is None else words[::-1][i] for i in ix]
    _check(_column([chunk, (["x"], [0])], "int8"), [*values, "x"])


def test_sorted_dictionaries_with_nulls_are_gathered() -> None:
    """Entries whose codes are their indices, with null rows: the nulls are ``-1``."""
    chunks = [(["a", "b"], [0, None, 1]), (["a", "b"], [None, 1])]
    _check(_column(chunks, "int32"), ["a", None, "b", None, "b"])


def test_an_entry_no_row_uses_is_not_a_category() -> None:
    chunks = [(["a", "z", "b"], [0, 2] * 700), (["z", "c"], [1, None])]
    _check(_column(chunks, "int16"), ["a", "b"] * 700 + ["c", None])


TEXTS = st.text(alphabet=st.sampled_from(["a", "b", "\x00", "é", "9", " "]), max_size=10)


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(st.lists(st.one_of(st.none(), TEXTS), max_size=12), min_size=1, max_size=4),
    head_min=st.integers(0, 6),
)
def test_hashed_is_python_factorisation(parts: list[list[str | None]], head_min: int) -> None:
    """A chunked string column hashed by pyarrow, its distinct values sorted by their words
    (first rows mostly distinct) or by pyarrow: the plain-Python factorisation either way."""
    column = pa.chunked_array([pa.array(p, type=pa.string()) for p in parts], type=pa.string())
    values = [v for p in parts for v in p]
    codes, cats = _twin(values)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_filetexts, "DISTINCT_HEAD_MIN", head_min)
        cat = _filetexts._hashed(column)
    assert cat.codes.dtype == np.int32
    assert cat.codes.tolist() == codes
    assert cat.categories.tolist() == cats
    if cat.sort_keys is not None:
        assert cat.sort_keys.size == len(cats) and bool(
            np.all(cat.sort_keys[1:] > cat.sort_keys[:-1])
        )


def test_ids_mostly_distinct_are_sorted_by_their_words() -> None:
    """Ids of 18 characters, a few repeated, with nulls, past :data:`DISTINCT_HEAD_MIN`: the
    words' path, the same answer as the plain-Python twin."""
    n = 2 * _filetexts.DISTINCT_HEAD_MIN
    ids = [f"0015e00000{k * 7919 % 100_003:08d}" for k in range(n)]
    values: list[str | None] = [None if k % 5 == 0 else ids[k % (n - 50)] for k in range(n)]
    column = pa.chunked_array([pa.array(values[: n // 2]), pa.array(values[n // 2 :])])
    cat = _filetexts._hashed(column)
    codes, cats = _twin(values)
    assert cat.codes.tolist() == codes
    assert cat.categories.tolist() == cats
