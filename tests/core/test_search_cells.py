"""Lookups in sorted strings of one length by a binary search of their bytes
(:mod:`alignment._cells`): the same positions as a dictionary of the haystack, whatever the
needles (other lengths, missing values, bytes below and above ASCII, zero bytes), and the
hashing path for anything else (an unsorted haystack, more needles than haystack values)."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

import alignment._cells as cells  # noqa: E402
import alignment._factorize as fz  # noqa: E402
import alignment._lookup as lookup_mod  # noqa: E402
from alignment._columns import stored  # noqa: E402
from alignment._factorize import factorize  # noqa: E402

_CHARS = st.characters(min_codepoint=0, max_codepoint=0x2FF)  # (NUL, ASCII, 2-byte UTF-8)


def _oracle(hay: list[str], needles: list[str | None]) -> list[int]:
    at = {v: i for i, v in enumerate(hay)}
    return [-1 if v is None else at.get(v, -1) for v in needles]


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record whether each call of ``search_cells`` answered (``False``: it declined)."""
    calls: list[bool] = []
    real = cells.search_cells

    def spy(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(lookup_mod, "search_cells", spy)
    return calls


@st.composite
def _hay_and_needles(draw: Any) -> tuple[list[str], list[str | None]]:
    width = draw(st.integers(1, 12))
    words = st.text(alphabet=_CHARS, min_size=1, max_size=width).map(
        lambda s: (s.encode() + b"x" * width)[:width].decode("utf-8", "ignore")
    )
    hay = sorted(set(draw(st.lists(words, min_size=1, max_size=40))))
    hay = [h for h in hay if len(h.encode()) == width] or ["y" * width]
    others = st.text(alphabet=_CHARS, max_size=width + 2)
    needle = st.one_of(st.sampled_from(hay), others, words, st.none())
    needles = draw(st.lists(needle, min_size=1, max_size=len(hay)))
    return hay, needles


@settings(max_examples=200, deadline=None)
@given(_hay_and_needles())
def test_search_cells_matches_a_dictionary(case: tuple[list[str], list[str | None]]) -> None:
    hay, needles = case
    for kind in (pa.string(), pa.large_string()):
        out = cells.search_cells(pa.array(hay, type=kind), pa.array(needles, type=pa.string()))
        assert out is not None
        assert out.tolist() == _oracle(hay, needles)


def test_zero_bytes_inside_and_at_the_end_are_told_apart() -> None:
    hay = sorted(["a\x00\x00", "a\x00b", "a\x01\x00", "ab\x00", "abc", "zzx", "zzy", "zzz"])
    needles = ["a\x00\x00", "a\x00", "a", "ab\x00", "ab", "abc", "a\x01\x00", "a\x01"]
    out = cells.search_cells(pa.array(hay), pa.array(needles))
    assert out is not None
    assert out.tolist() == _oracle(hay, needles)


def test_sliced_arrays_are_read_at_their_offset() -> None:
    hay = pa.array(["zz", "aa", "ab", "ac", "ad"]).slice(1)
    needles = pa.array(["ad", "x", "ab", "aa"]).slice(1)
    out = cells.search_cells(hay, needles)
    assert out is not None
    assert out.tolist() == [-1, 1, 0]


@pytest.mark.parametrize(
    ("hay", "needles"),
    [
        (["b", "a", "c"], ["a"]),  # not sorted
        (["a", "bb", "c"], ["a"]),  # several lengths
        (["a", "b"], ["a", "b", "c"]),  # more needles than haystack values
        (["a", None, "c"], ["a"]),  # a missing haystack value
    ],
)
def test_other_haystacks_are_declined(hay: list[str | None], needles: list[str]) -> None:
    assert cells.search_cells(pa.array(hay), pa.array(needles)) is None


def test_an_unsorted_haystack_is_told_after_the_probe() -> None:
    hay = [f"{i:06d}" for i in range(5000)]
    hay[3000], hay[3001] = hay[3001], hay[3000]
    assert cells.search_cells(pa.array(hay), pa.array(["000001"])) is None


def _salesforce_like(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    numbers = np.sort(rng.choice(62**4, size=n, replace=False))
    alphabet = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
    digits = [alphabet[(numbers // 62**p) % 62] for p in (3, 2, 1, 0)]
    tail = np.char.add(np.char.add(digits[0], digits[1]), np.char.add(digits[2], digits[3]))
    return np.char.add(np.char.add("00Q5g000000", tail), "AAA")


@pytest.mark.parametrize("source", ["unicode", "arrow"])
def test_factorised_ids_of_one_length_keep_their_bytes_and_are_searched(
    monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    ids = _salesforce_like(3000)
    rows = np.random.default_rng(1).permutation(np.repeat(ids, 3))
    if source == "unicode":
        cat = factorize(rows, column="lead_id")
    else:  # (a column this short is hashed by pyarrow unless the threshold is lowered)
        monkeypatch.setattr(fz, "HASH_FACTORIZE_MIN_ROWS", 1)
        cat = fz._native_factorize(pa.array(rows), "pyarrow")
    assert cat.categories.tolist() == sorted(ids.tolist())
    made = cells.arrow_of(cat.categories)
    assert made is not None and made.to_pylist() == cat.categories.tolist()
    assert not cat.categories.flags.writeable  # (its bytes stay those of its strings)
    calls = _spy(monkeypatch)
    needles = np.array(
        [*ids[::7].tolist(), "00Q5g0000000000XYZ", "nope", ids[0][:15]], dtype=object
    )
    pos, found = lookup_mod.lookup(cat.categories, needles)
    assert calls == [True]
    expected = _oracle(cat.categories.tolist(), needles.tolist())
    assert pos.tolist() == expected
    assert found.tolist() == [p >= 0 for p in expected]


def test_lookup_without_remembered_bytes_converts_then_searches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hay = np.array(sorted(_salesforce_like(500).tolist()), dtype=object)
    assert cells.arrow_of(hay) is None
    calls = _spy(monkeypatch)
    pos, found = lookup_mod.lookup(hay, np.array([hay[5], "x", hay[-1]], dtype=object))
    assert calls == [True]
    assert pos.tolist() == [5, -1, 499]
    assert found.tolist() == [True, False, True]


def test_remembered_bytes_go_with_their_array() -> None:
    arrow = pa.array(["ab", "cd"], type=pa.large_string())
    objects = cells.remember(np.array(["ab", "cd"], dtype=object), arrow)
    key = id(objects)
    assert cells.arrow_of(objects) is arrow
    assert cells.arrow_of(np.array(["ab", "cd"], dtype=object)) is None
    del objects
    gc.collect()
    assert key not in cells._MADE


def test_the_order_of_a_factorisers_strings_is_not_checked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The kernel's categories (an ``ArrowText``, sorted and distinct by construction) are
    searched without a pass over them to check their order; strings that are only remembered
    beside an object array (a reader's, in any order) are checked."""
    checked: list[int] = []
    real = cells._increasing

    def spy(values: Any) -> bool:
        checked.append(values.size)
        return real(values)

    monkeypatch.setattr(cells, "_increasing", spy)
    monkeypatch.setattr(fz, "HASH_FACTORIZE_MIN_ROWS", 1)
    ids = _salesforce_like(2000, seed=5)
    rows = np.random.default_rng(2).permutation(np.repeat(ids, 2))
    cat = fz._native_factorize(pa.array(rows), "pyarrow")
    held = stored(cat, "categories")  # (as the journeys keep them: strings not made yet)
    assert isinstance(held, cells.ArrowText)
    needles = np.array([ids[3], ids[-1], "00Q5g00000000XYZZZ"], dtype=object)
    pos, found = lookup_mod.lookup(held, needles)
    assert found.tolist() == [True, True, False]
    assert checked == []
    assert pos.tolist() == _oracle(sorted(ids.tolist()), needles.tolist())
    shuffled = np.array(ids[::-1].tolist(), dtype=object)  # (remembered, not in order)
    cells.remember(shuffled, pa.array(shuffled.tolist()))
    pos, found = lookup_mod.lookup(shuffled, needles)
    assert found.tolist() == [p >= 0 for p in pos.tolist()]
    assert checked and set(checked) == {shuffled.size}  # (checked: not in order, so hashed)
    assert pos.tolist() == _oracle(shuffled.tolist(), needles.tolist())
