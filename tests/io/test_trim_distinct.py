"""The distinct texts of a column read from a file are trimmed like ``str.strip()``, blank
ones read as missing; only the values whose bytes may change are trimmed in Python
(:func:`alignment._cells.may_trim`), the others kept as they are, with their Arrow bytes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

import alignment._cells as cells  # noqa: E402
import alignment.io._values as values  # noqa: E402
from alignment._columns import Categorical  # noqa: E402
from alignment._factorize import _encoded_factorize  # noqa: E402
from alignment._filetexts import row_texts  # noqa: E402

# every character Python strips (its whitespace), ASCII, and a few others of 2 to 4 bytes
_SPACES = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
_CHARS = st.one_of(
    st.sampled_from(_SPACES),
    st.characters(min_codepoint=0, max_codepoint=0x7F),
    st.sampled_from("é€😀\u200b\ufeff"),
)
_TEXT = st.text(_CHARS, max_size=6)


@given(st.lists(_TEXT, max_size=40))
@example(["", " ", "\x1c", "\x85a", "a\u3000", "\u200ba", "ab"])
@settings(max_examples=300, deadline=None)
def test_may_trim_flags_every_string_strip_changes(words: list[str]) -> None:
    flags = cells.may_trim(pa.array(words, type=pa.string()))
    assert flags is not None
    for word, flag in zip(words, flags.tolist()):
        if word == "" or word.strip() != word:
            assert flag, repr(word)
        if word and word.isascii() and word.strip() == word:
            assert not flag, repr(word)  # (plain ASCII is never flagged for nothing)


def test_may_trim_declines_nulls_and_reads_slices() -> None:
    assert cells.may_trim(pa.array(["a", None])) is None
    arr = pa.array([" a", "b", "c ", "d"], type=pa.large_string()).slice(1, 2)
    assert cells.may_trim(arr).tolist() == [False, True]


@given(st.lists(_TEXT, min_size=1, max_size=60))
@settings(max_examples=300, deadline=None)
def test_distinct_texts_trimmed_as_python_does(words: list[str]) -> None:
    cat = _encoded_factorize(pa.array(words, type=pa.string()))
    assert cells.arrow_of(cat.categories) is not None  # (the fast path is taken)
    before = cat.categories.copy()
    codes, texts = values._distinct_text(cat)
    assert texts.tolist() == [c.strip() or None for c in cat.categories.tolist()]
    assert np.array_equal(codes, cat.codes)
    assert cat.categories.tolist() == before.tolist()  # (the categories are not changed)
    coded, missing = values.coded_text(cat)
    rows = values.plain(coded).tolist()
    assert rows == [w.strip() or None for w in words]
    assert missing.tolist() == [w.strip() == "" for w in words]


def test_values_that_need_no_trim_are_shared_with_their_bytes() -> None:
    cat = _encoded_factorize(pa.array(["b", "a", "b", "c"]))
    _, texts = values._distinct_text(cat)
    assert texts is cat.categories
    assert not texts.flags.writeable
    assert cells.arrow_of(texts) is not None


def test_only_the_values_that_may_change_are_stripped() -> None:
    class Spied(str):
        stripped = 0

        def strip(self, chars: str | None = None) -> str:
            Spied.stripped += 1
            return str.strip(self, chars)

    arrow = pa.array(["a", " b", "c", "d\t"])
    objs = cells.remember(np.array([Spied(w) for w in arrow.to_pylist()], dtype=object), arrow)
    _, texts = values._distinct_text(Categorical(np.arange(4), objs))
    assert texts.tolist() == ["a", "b", "c", "d"]
    assert Spied.stripped == 2


@given(st.lists(st.one_of(st.none(), _TEXT), min_size=1, max_size=40))
@settings(max_examples=200, deadline=None)
def test_row_texts_remember_their_bytes(words: list[str | None]) -> None:
    arr = pa.array(words, type=pa.string())
    out = row_texts(arr)
    if out is None:  # (values that repeat are hashed instead)
        return
    codes, strings = out
    assert cells.arrow_of(strings).to_pylist() == strings.tolist()
    assert [None if c < 0 else strings[c] for c in codes] == words
    coded, _ = values.coded_text(values.CodedText(codes, strings))
    assert values.plain(coded).tolist() == [
        None if w is None else (w.strip() or None) for w in words
    ]
