"""Kernels of the readers' link and order stages, against plain-Python twins.

* :func:`alignment._sortwords.sort_words` sorts 64-bit words in place like ``sorted``, by
  either of numpy's sorts (merge sort for clustered words, quicksort otherwise), and
  :func:`~alignment._sortwords.clustered` tells words clustered by a person's rows, or in
  order, from words in no order.
* :func:`alignment._cells.cell_order` (the ids' bytes sorted as ``void`` cells) is the stable
  order of the bytes, as ``sorted`` gives it, and numpy's stable argsort of the ``bytes``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _sortwords
from alignment._cells import cell_order
from alignment._sortwords import clustered, sort_words


@st.composite
def _words(draw: Any) -> np.ndarray:
    unsigned = draw(st.booleans())
    top = 2**64 - 1 if unsigned else 2**63 - 1
    low = 0 if unsigned else -(2**63)
    values = draw(st.lists(st.integers(low, top), max_size=200))
    return np.array(values, dtype=np.uint64 if unsigned else np.int64)


@settings(max_examples=300, deadline=None)
@given(_words())
def test_sort_words_is_sorted_whichever_sort_is_chosen(words: np.ndarray) -> None:
    want = sorted(words.tolist())
    got = words.copy()
    sort_words(got)
    assert got.dtype == words.dtype
    assert got.tolist() == want


def _person_words(rng: np.random.Generator, n: int, per: int) -> np.ndarray:
    """``person << 32 | instant`` words of ``per`` rows of each person, the persons in no order."""
    person = np.repeat(rng.permutation(n // per), per)
    instant = rng.integers(0, 2**20, person.size)
    out: np.ndarray = (person.astype(np.int64) << 32) | instant
    return out


def test_clustered_tells_a_persons_rows_and_sorted_words_from_words_in_no_order() -> None:
    rng = np.random.default_rng(7)
    shuffled = rng.integers(0, 2**62, 100_000)
    assert not clustered(shuffled)
    assert not clustered(rng.integers(0, 2**64 - 1, 100_000, dtype=np.uint64))
    assert clustered(_person_words(rng, 100_000, 4))
    assert clustered(np.sort(shuffled))
    assert clustered(np.sort(shuffled)[::-1].copy())  # (one descending run)
    assert not clustered(np.sort(shuffled)[:100])  # (too few to sample: the default sort)
    assert not clustered(np.sort(shuffled).astype(np.float64))  # (64-bit integers only)


@pytest.mark.parametrize("per", [1, 2, 8])
def test_sort_words_of_many_rows_matches_numpys_sort(per: int, monkeypatch: Any) -> None:
    rng = np.random.default_rng(per)
    words = _person_words(rng, 60_000, per)
    kinds: list[str] = []
    sort = np.ndarray.sort

    class Spy(np.ndarray):  # (records the sort chosen)
        def sort(self, *args: Any, kind: Any = None, **kw: Any) -> None:
            kinds.append(kind)
            sort(self, *args, kind=kind, **kw)

    got = words.copy().view(Spy)
    sort_words(got)
    assert kinds == ["quicksort" if per == 1 else "stable"]
    np.testing.assert_array_equal(got.view(np.ndarray), np.sort(words))
    assert _sortwords.clustered(words) is (per > 1)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 20), st.lists(st.binary(min_size=0, max_size=20), max_size=60))
def test_cell_order_is_the_stable_order_of_the_bytes(width: int, raw: list[bytes]) -> None:
    # (zero bytes and bytes past 0x7f among them; cells of one width, zero-padded as numpy pads)
    padded = [(b + bytes(width))[:width] for b in raw]
    cells = np.array(padded, dtype=f"S{width}")
    want = sorted(range(len(padded)), key=lambda k: (padded[k], k))
    assert cell_order(cells).tolist() == want
    assert cell_order(cells).tolist() == np.argsort(cells, kind="stable").tolist()


def test_cell_order_of_strings_is_their_stable_argsort() -> None:
    words = np.array(["b", "a", "b", "", "a"], dtype=object)
    assert cell_order(words).tolist() == [3, 1, 4, 0, 2]
