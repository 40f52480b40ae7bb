"""Texts normalised for matching (:mod:`alignment._textnorm`): pyarrow's kernels on the ASCII
texts group exactly as numpy's string functions and as plain Python do."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _textnorm
from alignment._textnorm import matching_codes

pytest.importorskip("pyarrow")

# ASCII letters in both cases, every kind of whitespace the rules name or str.strip removes,
# NUL, non-ASCII letters whose lower case is special (İ, ẞ, Σ) and a no-break space
TEXT = st.text(
    alphabet=st.sampled_from(
        [
            *("a", "B", "z", "Q", "@", ".", "-", " ", "\t", "\n", "\r", "\x0b", "\x0c"),
            *("\x1c", "\x1f", "\x00", "\xa0", "\u2003", "É", "İ", "ẞ", "Σ", "ß"),
        ]
    ),
    max_size=8,
)
# texts pyarrow normalises (ASCII with nothing to replace), and those once respelled
PLAIN = st.text(alphabet=st.sampled_from(["a", "B", "@", ".", " ", "\x1c"]), max_size=6)


def _python(text: str) -> str:
    """The rules in plain Python (texts without NUL)."""
    for ws in _textnorm.SPACES:
        text = text.replace(ws, " ")
    return re.sub("  +", " ", text).strip().lower()


def _partition(codes: np.ndarray) -> list[Any]:
    """Codes renumbered by first occurrence (blank stays -1): equal lists, equal groupings."""
    seen: dict[int, int] = {}
    return [-1 if c < 0 else seen.setdefault(int(c), len(seen)) for c in codes.tolist()]


def _respelled(text: str, how: int) -> str:
    """The same text once normalised: spaces doubled or turned into tabs, whitespace around,
    ASCII letters in the other case."""
    if how == 0:
        return text.replace(" ", "  ")
    if how == 1:
        return "\x0c " + text.replace(" ", "\t") + "\n\x1c"
    return text.translate(_SWAP)


_SWAP = str.maketrans("abzqBQ", "ABZQbq")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(PLAIN, TEXT), st.integers(0, 3)), max_size=30))
def test_arrow_and_numpy_group_the_same_texts(drawn: list[tuple[str, int]]) -> None:
    texts = [t for t, _ in drawn] + [_respelled(t, how) for t, how in drawn if how < 3]
    arr = np.array([*texts, ""], dtype=object)[:-1]
    before = arr.copy()
    fast = matching_codes(arr)
    slow = _textnorm._numpy_codes(arr)
    assert fast.dtype == np.int64 and fast.shape == (len(texts),)
    assert _partition(fast) == _partition(slow)
    assert arr.tolist() == before.tolist()  # (the caller's texts are not changed)
    plain = [t for t in texts if "\x00" not in t]
    if plain:  # without NUL, numpy's text arrays keep every character: plain Python's rules
        want = [_python(t) for t in plain]
        index = {v: i for i, v in enumerate(dict.fromkeys(want))}
        oracle = np.array([-1 if v == "" else index[v] for v in want])
        keep = np.array(["\x00" not in t for t in texts])
        assert _partition(fast[keep]) == _partition(oracle)


def test_texts_with_nothing_to_replace_never_reach_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    real = _textnorm._normalised

    def spy(texts: np.ndarray) -> np.ndarray:
        seen.append(list(texts))
        return real(texts)

    monkeypatch.setattr(_textnorm, "_normalised", spy)
    texts = np.array([" Ann@X.com", "ann@x.com\t", "İsa", "", " \n "], dtype=object)
    assert _partition(matching_codes(texts)) == [0, 0, 1, -1, -1]
    assert seen == [["ann@x.com\t", "İsa", " \n "]]  # (a tab, not ASCII, a line break)


def test_no_texts() -> None:
    assert matching_codes(np.array([], dtype=object)).shape == (0,)
    assert matching_codes(np.array([], dtype=object)).dtype == np.int64


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=12))
def test_blank_is_what_strip_leaves_empty(texts: list[str]) -> None:
    arr = np.array([*texts, None], dtype=object)[:-1]
    got = _textnorm.blank(arr)
    assert got.dtype == bool and got.tolist() == [t.strip() == "" for t in texts]
    kept = [t for t in texts if "\x00" not in t]  # (numpy's fixed-width text drops NULs)
    if kept:  # numpy's fixed-width strip, what incomplete leads were found with before
        fixed = np.char.strip(np.asarray(kept, dtype=str)) == ""
        assert [g for g, t in zip(got.tolist(), texts) if "\x00" not in t] == fixed.tolist()
