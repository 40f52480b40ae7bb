"""Packed words beside their row numbers (:func:`alignment._spans.fit_spans`): spans that add up
to a few bits too many for the sort are cut where their bits never vary (the high bit of every
ASCII byte), so 18-character Salesforce ids are sorted with their rows whole; the cut spans
keep the strings' order and unpack to their words.  The text of the distinct strings is made
beside the caller (:class:`alignment._cells.SoonText`), a block of strings at a time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _cells, _factorize, _parallel, _sortcodes, _spans, _strings, _words

pa = pytest.importorskip("pyarrow")


def _ascii_ids(n: int, seed: int) -> list[str]:
    """18-character ids that differ in their 8th to 15th characters (55 bits, 48 without the
    high bit of each byte)."""
    rng = np.random.default_rng(seed)
    base62 = list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    return ["00Q5g000" + "".join(rng.choice(base62, 7)) + "AAA" for _ in range(n)]


def _words_of(values: list[str]) -> Any:
    words = _words.byte_words(*_cells.string_buffers(pa.array(values, type=pa.large_string()))[1:])
    assert words is not None
    return words


def _varying(words: Any) -> list[np.uint64]:
    return [
        np.bitwise_or.reduce(words.word(i, None) ^ words.word(i, slice(0, 1)))
        for i in range(words.n_words)
    ]


def test_a_span_is_cut_at_a_bit_that_never_varies_only_when_it_pays() -> None:
    word1 = sum(1 << b for b in range(8, 43) if b not in (15, 23, 31, 39))  # (ASCII: bit 7 clear)
    varying = [np.uint64(0), np.uint64(word1), np.uint64(0x7F << 48)]
    assert _spans.fit_spans(varying) == [(1, 8, 35), (2, 48, 7)]  # (42 bits: fits in 64)
    assert _spans.fit_spans(varying, 41) == [(1, 16, 27), (1, 8, 7), (2, 48, 7)]
    three = [(1, 32, 11), (1, 24, 7), (1, 16, 7), (1, 8, 7), (2, 48, 7)]
    assert _spans.fit_spans(varying, 39) == three  # (three cuts reach 39 bits)
    # cuts that reach within MAX_DROPPED_BITS of ``fit`` are made (four cuts: 38 bits) ...
    four = [(1, 40, 3), (1, 32, 7), (1, 24, 7), (1, 16, 7), (1, 8, 7), (2, 48, 7)]
    assert _spans.fit_spans(varying, 30) == four
    # ... cuts that cannot are not (42 bits fit in 64 already)
    assert _spans.fit_spans(varying, 29) == [(1, 8, 35), (2, 48, 7)]
    wide = [np.uint64(2**64 - 1 - (1 << 7)), np.uint64(0xFF)]  # (71 bits even cut: not packed)
    assert _spans.fit_spans(wide) is None


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.text(alphabet="0aZz~é\x00", max_size=20), min_size=1, max_size=40),
    fit=st.integers(1, 64),
)
def test_cut_spans_keep_the_order_and_unpack_to_the_words(values: list[str], fit: int) -> None:
    words = _words_of(values)
    spans = _spans.fit_spans(_varying(words), fit)
    if spans is None:
        assert sum(w for *_, w in _spans.bit_spans(_varying(words))) > 64
        return
    assert len(spans) <= max(_spans.MAX_SPANS, len(_spans.bit_spans(_varying(words))))
    refs = [words.word(i, slice(0, 1)) for i in range(words.n_words)]
    packed = _spans.packed_words(words.word, spans, refs, checked=True)(0, None)
    if spans:
        assert int(packed.max()) < 2 ** sum(w for *_, w in spans)
    encoded = [v.encode() for v in values]
    for i in range(len(values)):  # packed words compare as the strings' bytes do
        for j in range(len(values)):
            assert (packed[i] < packed[j]) == (encoded[i] < encoded[j])
    unpacked = _spans.unpacked(packed, spans, refs)
    for i in range(words.n_words):
        np.testing.assert_array_equal(unpacked[i], words.word(i, None))


def test_salesforce_ids_are_sorted_whole_beside_their_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids whose varying bits are one too many beside the row numbers: a bit that never varies
    is cut out, and the sort leaves no bit out (no row-by-row check of left-out bits)."""
    ids = _ascii_ids(3000, 1)
    rng = np.random.default_rng(2)
    values = [ids[i] for i in rng.integers(0, len(ids), 20_000)]
    words = _words_of(values)
    full = sum(w for *_, w in _spans.bit_spans(_varying(words)))
    row_bits = (len(values) - 1).bit_length()
    assert full + row_bits > 64  # (55 bits beside 15 row bits: the test is sound)
    widths: list[int] = []
    real = _sortcodes.sorted_codes

    def spy(key: Any, width: int, n: int, beside: Any = None) -> Any:
        widths.append(width)
        return real(key, width, n, beside)

    def no_check(*_: Any) -> bool:
        raise AssertionError("a left-out bit was checked")

    monkeypatch.setattr(_strings, "sorted_codes", spy)
    monkeypatch.setattr(_sortcodes, "_all_match", no_check)
    monkeypatch.setattr(_spans, "_BLOCK", 1 << 20)  # (one sample: every row in it)
    got = _factorize._bytes_factorize(pa.array(values))
    assert got is not None and widths and widths[0] + row_bits <= 64
    cats = sorted(set(values))
    at = {v: i for i, v in enumerate(cats)}
    assert got.categories.tolist() == cats
    assert got.codes.tolist() == [at[v] for v in values]


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.text(alphabet="0aZé\x00", max_size=15), min_size=1, max_size=60),
    block=st.integers(1, 5),
    layout=st.sampled_from(["large_string", "string"]),
)
def test_text_written_a_block_at_a_time(values: list[str], block: int, layout: str) -> None:
    """Several lengths, NUL bytes, multi-byte characters, one length: the categories are
    Python's whatever the block of strings written at a time."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_cells, "TEXT_BLOCK", block)
        got = _factorize._bytes_factorize(pa.array(values, type=getattr(pa, layout)()))
        assert got is not None
        cats = got.categories.tolist()
    assert cats == sorted(set(values))
    at = {v: i for i, v in enumerate(cats)}
    assert got.codes.tolist() == [at[v] for v in values]


@pytest.mark.parametrize("threads", ["1", "2"])
@pytest.mark.parametrize("blank", [False, True])
def test_categories_made_beside_the_caller(
    monkeypatch: pytest.MonkeyPatch, threads: str, blank: bool
) -> None:
    """The codes come back before the categories' text is made: the text is a
    :class:`SoonText` (made on a helper thread, or on first use with threads off) that knows
    at once whether its first string is empty, and gives Python's strings when read."""
    monkeypatch.setenv(_parallel.ENV_VAR, threads)
    monkeypatch.setattr(_strings, "SOON_TEXT_MIN", 8)
    values = _ascii_ids(50, 3) * 3 + ([""] if blank else [])
    made: list[int] = []
    real = _factorize.text_of_words

    def counted(*args: Any) -> Any:
        made.append(1)
        return real(*args)

    monkeypatch.setattr(_factorize, "text_of_words", counted)
    cat = _factorize._bytes_factorize(pa.array(values, type=pa.large_string()))
    assert cat is not None
    held = cat.__dict__["_categories"]
    assert isinstance(held, _cells.SoonText)
    assert held.first_is_empty() is blank  # (from the first string alone)
    if threads == "1":
        assert made == [1]  # (the first string only: the rest on first use)
    assert cat.categories.tolist() == sorted(set(values))
    assert len(made) == 2  # (the text made once)
    assert held.arrow.to_pylist() == sorted(set(values))
    assert len(made) == 2
    at = {v: i for i, v in enumerate(sorted(set(values)))}
    assert cat.codes.tolist() == [at[v] for v in values]


def test_an_error_making_the_text_is_raised_when_it_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = _factorize.text_of_words

    def fails(byte_words: list[np.ndarray], *args: Any) -> Any:
        if byte_words[0].size > 1:
            raise MemoryError("no room for the text")
        return real(byte_words, *args)

    monkeypatch.setattr(_factorize, "text_of_words", fails)
    monkeypatch.setattr(_strings, "SOON_TEXT_MIN", 8)
    cat = _factorize._bytes_factorize(pa.array(_ascii_ids(20, 4), type=pa.large_string()))
    assert cat is not None
    with pytest.raises(MemoryError, match="no room"):
        cat.categories.tolist()


def test_few_strings_get_their_text_at_once() -> None:
    cat = _factorize._bytes_factorize(pa.array(_ascii_ids(20, 5), type=pa.large_string()))
    assert cat is not None
    held = cat.__dict__["_categories"]
    assert isinstance(held, _cells.ArrowText) and not isinstance(held, _cells.SoonText)
