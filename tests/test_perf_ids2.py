"""Ids of a file's text columns factorised from their chunks in place
(:mod:`alignment._chunkwords`), and packed ids cut to be sorted with a few low bits left out
(:func:`alignment._spans.fit_spans`), against plain-Python twins."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment._filetexts as filetexts
from alignment._chunkwords import chunk_words
from alignment._spans import fit_spans

SETTINGS = settings(max_examples=150, deadline=None)

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _word_twin(s: bytes, i: int) -> int:
    """Word ``i`` of one string: its bytes ``8i … 8i+7`` big-endian, zero-padded; a string of
    at most 7 bytes with its length in the last byte."""
    w = int.from_bytes(s[8 * i : 8 * i + 8].ljust(8, b"\0"), "big")
    return w | len(s) if len(s) <= 7 else w


def _chunked(values: list[str | None], cuts: list[int], large: bool = False) -> Any:
    kind = pa.large_string() if large else pa.string()
    bounds = [0, *sorted(c % (len(values) + 1) for c in cuts), len(values)]
    chunks = [pa.array(values[a:b], type=kind) for a, b in itertools.pairwise(bounds)]
    return pa.chunked_array(chunks, type=kind)


@st.composite
def _columns(draw: Any) -> tuple[list[str | None], list[int], bool]:
    width = draw(st.integers(1, 20))
    text = st.text(alphabet="ab\0é", min_size=width, max_size=width)
    same = text.filter(lambda s: len(s.encode()) == width)
    values = draw(st.lists(st.one_of(st.none(), same), min_size=1, max_size=60))
    cuts = draw(st.lists(st.integers(0, 60), min_size=1, max_size=6))
    return values, cuts, draw(st.booleans())


@SETTINGS
@given(_columns(), st.data())
def test_chunk_words_are_those_of_the_strings(column: Any, data: Any) -> None:
    values, cuts, large = column
    arr = _chunked(values, cuts, large)
    found = chunk_words(arr)
    present = [v.encode() for v in values if v is not None]
    if arr.num_chunks < 2 or not present:
        assert found is None
        return
    assert found is not None
    words, mask = found
    width = len(present[0])
    assert (words.n_words, words.one_length, words.canonical) == (-(-width // 8), width, width <= 7)
    want_mask = [v is not None for v in values]
    assert (mask is None and all(want_mask)) or mask.tolist() == want_mask
    m = len(present)
    lo = data.draw(st.integers(0, m))
    hi = data.draw(st.integers(lo, m))
    rows = np.array(data.draw(st.lists(st.integers(0, m - 1), max_size=20)), dtype=np.int64)
    for i in range(words.n_words):
        assert words.word(i, None).tolist() == [_word_twin(s, i) for s in present]
        assert words.word(i, slice(lo, hi)).tolist() == [_word_twin(s, i) for s in present[lo:hi]]
        assert words.word(i, rows).tolist() == [_word_twin(present[r], i) for r in rows.tolist()]


def test_chunk_words_decline_other_layouts() -> None:
    two = pa.chunked_array([pa.array(["ab", "cd"]), pa.array(["ef"])])
    assert chunk_words(two) is not None
    assert chunk_words(pa.chunked_array([pa.array(["ab", "cd", "ef"])])) is None  # (one chunk)
    assert chunk_words(pa.chunked_array([pa.array(["ab", "cde"]), pa.array(["ef"])])) is None
    assert chunk_words(pa.chunked_array([pa.array(["ab"]), pa.array(["efg"])])) is None
    assert chunk_words(pa.chunked_array([pa.array(["", ""]), pa.array([""])])) is None
    long = ["x" * 65, "y" * 65]
    assert chunk_words(pa.chunked_array([pa.array(long[:1]), pa.array(long[1:])])) is None
    nulls = pa.chunked_array([pa.array([None], pa.string()), pa.array([None], pa.string())])
    assert chunk_words(nulls) is None
    # a null holding bytes: offsets 0, 2, 4, 6 with the middle row null
    bitmap = pa.py_buffer(np.packbits([1, 0, 1], bitorder="little").tobytes())
    offsets = pa.py_buffer(np.array([0, 2, 4, 6], dtype=np.int32).tobytes())
    held = pa.Array.from_buffers(pa.string(), 3, [bitmap, offsets, pa.py_buffer(b"abcdef")])
    assert held.to_pylist() == ["ab", None, "ef"]
    assert chunk_words(pa.chunked_array([held, pa.array(["gh"])])) is None
    assert chunk_words(pa.array(["ab", "cd"])) is None  # (not chunked)


def _salesforce_ids(rng: np.random.Generator, prefix: str, n: int, free: int) -> list[str]:
    """``n`` 18-character Salesforce-like ids: a prefix, ``free`` random base-62 characters
    (the rest ``0``), and the three characters telling the case of the 15 before them."""
    chars = np.array(list(_BASE62))[rng.integers(0, 62, size=(n, free))]
    out = []
    for row in chars.tolist():  # (a test's own loop over rows)
        body = (prefix + "5e" + "0" * (13 - len(prefix) - free) + "".join(row))[:15]
        suffix = ""
        for k in range(3):
            bits = sum(1 << j for j, c in enumerate(body[5 * k : 5 * k + 5]) if c.isupper())
            suffix += _SUFFIX[bits]
        out.append(body + suffix)
    return out


def _factorize_twin(values: list[str | None]) -> tuple[list[int], list[str]]:
    cats = sorted({v for v in values if v is not None})
    at = {v: k for k, v in enumerate(cats)}
    return [-1 if v is None else at[v] for v in values], cats


def _no_join(arr: Any) -> Any:
    if isinstance(arr, pa.ChunkedArray) and arr.num_chunks > 1:
        raise AssertionError("a chunked column was joined")
    return arr


@pytest.mark.parametrize("case", ["record ids", "repeated with nulls", "leads and contacts"])
def test_hash_factorize_of_ids_in_chunks(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids in chunks are factorised as the sorted distinct strings, their chunks never joined
    (record ids, sorted; ids that repeat, some missing; lead and contact ids, packed in 47
    bits beside 18 bits of rows and sorted with 1 low bit left out, then checked)."""
    rng = np.random.default_rng(7)
    n = 240_000
    values: list[str | None]
    if case == "record ids":
        values = list(dict.fromkeys(_salesforce_ids(rng, "00Q", n + 2000, 5)))[:n]
    else:
        ids = _salesforce_ids(rng, "00Q", 150_000 if case == "repeated with nulls" else 75_000, 5)
        if case == "leads and contacts":
            ids += _salesforce_ids(rng, "003", 75_000, 5)
        picked = rng.integers(0, len(ids), size=n)
        values = [None if r % 5 == 0 else ids[r] for r in picked.tolist()]
    arr = _chunked(values, list(range(0, n, 31_000)))
    monkeypatch.setattr(filetexts, "joined", _no_join)
    monkeypatch.setattr(filetexts, "_hashed", None)  # (sorted by their words, not hashed)
    cat = filetexts.hash_factorize(arr)
    codes, cats = _factorize_twin(values)
    assert cat.codes.tolist() == codes
    assert [str(c) for c in np.asarray(cat.categories)] == cats


def test_hash_factorize_when_left_out_bits_differ() -> None:
    """Ids whose last character is free (no checksum), in pairs apart in its lowest bit: the
    bit left out of the sort differs within a group of the sorted bits, so the ids are hashed
    instead, with the same result."""
    rng = np.random.default_rng(11)
    ids = _salesforce_ids(rng, "00Q", 75_000, 5) + _salesforce_ids(rng, "003", 75_000, 5)
    ids = [s[:-1] + chr(ord(s[-1]) ^ bit) for s in ids[::2] for bit in (0, 1)]  # (pairs)
    picked = rng.integers(0, len(ids), size=240_000)
    values = [None if r % 5 == 0 else ids[r] for r in picked.tolist()]
    cat = filetexts.hash_factorize(_chunked(values, list(range(0, 240_000, 40_000))))
    codes, cats = _factorize_twin(values)
    assert cat.codes.tolist() == codes
    assert [str(c) for c in np.asarray(cat.categories)] == cats


def test_hash_factorize_of_long_record_ids_in_chunks() -> None:
    """Record ids too varied to be packed in one word (32 hexadecimal digits), some missing
    after the first rows: sorted by their words read from the chunks, their text taken from
    the column at a row of each."""
    rng = np.random.default_rng(5)
    digits = np.array(list("0123456789abcdef"))[rng.integers(0, 16, size=(240_000, 32))]
    ids = list(dict.fromkeys("".join(row) for row in digits.tolist()))
    values: list[str | None] = [None if k % 7 == 3 and k > 30_000 else s for k, s in enumerate(ids)]
    cat = filetexts.hash_factorize(_chunked(values, list(range(0, len(values), 50_000))))
    codes, cats = _factorize_twin(values)
    assert cat.codes.tolist() == codes
    assert [str(c) for c in np.asarray(cat.categories)] == cats


def test_fit_spans_cut_within_the_bits_left_out() -> None:
    """Lead and contact ids (``00Q…``/``003…``) vary in 58 bits: 6 of the first word (bits
    41–46), 45 of the second (2–46), 7 of the third (48–54).  Beside 21 bits of rows (``fit``
    43), the cuts of the bits that never vary (bits 3–7, 42–44, then 15, 23, 31 of the
    second word, until 8 spans) bring them to 47: within 8 bits of the fit, cut (they were
    kept whole, 58 bits, and hashed)."""
    varying = [0x62 << 40, 0x7F7F7F7F7F04, 0x7F << 48]
    spans = fit_spans(varying, fit=43)
    assert spans == [
        (0, 45, 2),
        (0, 41, 1),
        (1, 32, 15),
        (1, 24, 7),
        (1, 16, 7),
        (1, 8, 7),
        (1, 2, 1),
        (2, 48, 7),
    ]
    assert sum(w for _, _, w in spans) == 47
    assert fit_spans(varying, fit=38) == [(0, 41, 6), (1, 2, 45), (2, 48, 7)]  # (47 > 38 + 8)
    # lead ids alone (46 bits, 42 cut): beside 23 bits of rows (fit 41) kept whole, 5 low bits
    # left out, rather than cut in 6 spans (each a shift and a mask a row)
    lead = [0, 0x7F7F7F7F7F00, 0x7F << 48]
    assert fit_spans(lead, fit=41) == [(1, 8, 39), (2, 48, 7)]
    assert sum(w for _, _, w in fit_spans(lead, fit=42) or []) == 42  # (cut: fits whole)
