"""Strings found among packed ids without their text (:class:`alignment._spans.Packing`).

Ids of one length whose varying bits the kernel packed into one word (Salesforce ids of one
object and org) are looked up by packing the needles alike and searching the sorted packed
words: the haystack's text is not made (a few of its strings can be read alone), and the
positions are those of a dictionary of the haystack, whatever the needles (other lengths,
bits outside the spans, missing values, non-ASCII bytes)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _cells, _factorize, _lookup, _spans, _strings

pa = pytest.importorskip("pyarrow")

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _ids(n: int, seed: int, prefix: str = "00Q5g00000") -> list[str]:
    """Distinct 18-character ids: a shared prefix, then 8 varying base-62 characters."""
    rng = np.random.default_rng(seed)
    out: set[str] = set()
    while len(out) < n:
        out.add(prefix + "".join(rng.choice(list(_BASE62), 8)))
    return sorted(out)


def _oracle(hay: list[str], needles: list[Any]) -> list[int]:
    at = {v: i for i, v in enumerate(hay)}
    return [at.get(v, -1) if isinstance(v, str) else -1 for v in needles]


def _packed_categories(values: list[str]) -> Any:
    """The categories of ``values`` factorised by the kernel, as held (text not yet made)."""
    cat = _factorize._bytes_factorize(pa.array(values, type=pa.large_string()))
    assert cat is not None
    held = cat.__dict__["_categories"]
    assert isinstance(held, _cells.ArrowText) and held.packed is not None
    return held


def _text_made(held: Any) -> bool:
    return isinstance(held, _cells.SoonText) and held._made_by is None


@pytest.fixture
def few_strings_soon(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_strings, "SOON_TEXT_MIN", 8)


def _needles(hay: list[str], seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    picks = [hay[int(i)] for i in rng.integers(0, len(hay), 40)]
    others = [
        "00Q5g00000zzzzzzz",  # (17 bytes)
        "00Q5g00000zzzzzzzzz",  # (19 bytes)
        "00Q5h00000AAAAAAAA",  # (a bit outside the spans differs)
        "00Q5g00000AAAAAAA\u00e9"[:18],  # (a two-byte character: 19 bytes)
        "00Q5g00000" + "\x00" * 8,  # (zero bytes: the padding of shorter strings)
        "",
        None,
    ]
    return picks + others + _ids(20, seed + 1)


@pytest.mark.usefixtures("few_strings_soon")
@pytest.mark.parametrize("threads", ["1", "2"])
def test_lookup_in_packed_ids_needs_no_text(monkeypatch: pytest.MonkeyPatch, threads: str) -> None:
    from alignment import _parallel

    monkeypatch.setenv(_parallel.ENV_VAR, threads)
    hay = _ids(300, 1)
    held = _packed_categories([hay[i % 300] for i in range(900)][::-1])
    needles = _needles(hay, 2)
    pos, found = _lookup.lookup(held, np.array(needles, dtype=object))
    assert pos.tolist() == _oracle(hay, needles)
    assert found.tolist() == [p >= 0 for p in _oracle(hay, needles)]
    assert not _text_made(held)  # (found from the packed words alone)
    arrow = pa.array([v for v in needles if v is not None], type=pa.string())
    pos, _ = _lookup.lookup(held, _cells.ArrowText(arrow))  # (the kernel's own strings)
    assert pos.tolist() == _oracle(hay, arrow.to_pylist())
    assert not _text_made(held)
    assert held.arrow.to_pylist() == hay  # (still the same strings when read)


@pytest.mark.usefixtures("few_strings_soon")
def test_a_few_packed_ids_are_read_without_the_rest() -> None:
    hay = _ids(200, 3)
    held = _packed_categories(hay * 2)
    assert isinstance(held, _cells.SoonText)
    assert held.take(np.array([5, -1, 0])).tolist() == [hay[5], hay[-1], hay[0]]
    assert held.take(np.array([[1, 2], [3, 4]])).tolist() == [hay[1:3], hay[3:5]]
    assert not _text_made(held)
    with pytest.raises(IndexError):
        held.take(np.array([200]))
    assert held.take(np.array([7])).tolist() == [hay[7]]
    assert held.tolist() == hay and _text_made(held)
    assert held.take(np.array([7])).tolist() == [hay[7]]  # (from the text, once made)


@settings(max_examples=150, deadline=None)
@given(
    tails=st.lists(st.text(alphabet=_BASE62 + "é-", min_size=9, max_size=9), min_size=1),
    extra=st.lists(st.one_of(st.text(max_size=20), st.none()), max_size=10),
    prefix=st.sampled_from(["00Q5g0000", "003Dn0000", "a0b1c2d3e"]),
)
def test_packing_positions_match_a_dictionary(
    tails: list[str], extra: list[Any], prefix: str
) -> None:
    """Strings of one byte length are packed (or not: the lookup then answers otherwise), and
    every needle is found exactly where a dictionary of the haystack has it."""
    values = [prefix + t for t in tails]
    widths = {len(v.encode()) for v in values}
    cat = _factorize._bytes_factorize(pa.array(values * 2, type=pa.large_string()))
    assert cat is not None
    hay = sorted(set(values))
    needles = [*values, *extra, *(v[:-1] + "0" for v in values)]
    held = cat.__dict__["_categories"]
    got = _cells.search_packed(held, pa.array(needles, type=pa.string()))
    if got is None:  # (not packed: another layout)
        assert not isinstance(held, _cells.ArrowText) or held.packed is None
        return
    assert len(widths) == 1 and widths.pop() >= 8
    assert got.tolist() == _oracle(hay, needles)


def test_packing_is_kept_only_for_strings_of_one_length_in_bytes() -> None:
    packing = _spans.Packing([(0, 0, 8)], [np.zeros(1, np.uint64)], np.arange(3, dtype=np.uint64))
    assert _cells.packed_text(packing, 18, 3, False) is not None
    assert _cells.packed_text(packing, 7, 1, False) is None  # (one canonical word)
    assert _cells.packed_text(packing, 0, 2, False) is None  # (strings of several lengths)
    assert _cells.packed_text(packing, 18, 4, True) is None  # (a length word)
    assert _cells.search_packed(np.array(["a"], dtype=object), pa.array(["a"])) is None


def test_positions_check_the_bits_outside_the_spans() -> None:
    """A needle equal to a haystack string in the packed bits but not outside them is absent:
    the packed word alone would find it."""
    refs = [np.array([0xAB00], dtype=np.uint64)]
    packing = _spans.Packing([(0, 0, 8)], refs, np.array([1, 5, 9], dtype=np.uint64))
    words = [np.array([0xAB05, 0xAC05, 0xAB09, 0xAB02], dtype=np.uint64)]
    assert packing.positions(words).tolist() == [1, -1, 2, -1]


@pytest.mark.parametrize("packed", [True, False])
def test_bytes_and_lone_surrogates_are_not_taken_for_text(
    monkeypatch: pytest.MonkeyPatch, packed: bool
) -> None:
    """A ``bytes`` needle is not the string of its UTF-8 (PyArrow would read it so), and a lone
    surrogate has no UTF-8: neither is found, and neither raises."""
    if not packed:  # (the haystack's text searched instead: another path, the same rule)
        monkeypatch.setattr(_lookup, "_search_packed", lambda *_: None)
    hay = _ids(300, 5)
    held = _packed_categories(hay * 2)
    for needles in (
        np.array([hay[3].encode(), hay[4]], dtype=object),
        np.array(["\ud800", hay[4]], dtype=object),
        np.array([b"x", None], dtype=object),
    ):
        pos, _ = _lookup.lookup(held, needles)
        assert pos.tolist() == _oracle(hay, needles.tolist())
