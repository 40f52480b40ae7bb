"""A column factorised on first use (``DeferredCategorical``) is the column it stands for.

The text columns of a bundle read by ``read_crm`` are factorised only when an engine reads
their codes: rows taken or picked before that stay deferred and share one factorisation.
Whatever the chain of takes and picks, the values must be those of the same chain on the
factorised column, made once, and never before they are read.
"""

from __future__ import annotations

import functools
import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment._columns import Categorical, DeferredCategorical
from alignment._frames import factorize
from alignment._textnorm import blank, matching_codes

WORDS = st.sampled_from(["b", "a", "c", "é", "a1", "L10", "L2"])


def eager(values: list[str | None]) -> Categorical:
    arr = np.array([*values, None], dtype=object)[:-1]
    return factorize(arr, column="c", table="t", allow_missing=True)


def deferred(values: list[str | None], calls: list[int]) -> DeferredCategorical:
    def make() -> Categorical:
        calls.append(1)
        return eager(values)

    return DeferredCategorical(make, len(values))


def step(cat: Categorical, op: tuple[str, Any]) -> Categorical:
    kind, index = op
    return cat.pick(index) if kind == "pick" else cat.take(index)


@st.composite
def chains(draw: st.DrawFn) -> tuple[list[str | None], list[tuple[str, Any]]]:
    values = draw(st.lists(st.one_of(st.none(), WORDS), min_size=1, max_size=15))
    n, ops = len(values), []
    for _ in range(draw(st.integers(0, 3))):  # (a few takes and picks, each on the last)
        kind = draw(st.sampled_from(["take", "mask", "pick"]))
        if kind == "mask":
            index: Any = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
            ops.append(("take", index))
            n = int(index.sum())
        elif n:
            low = -1 if kind == "pick" else 0
            picked = draw(st.lists(st.integers(low, n - 1), max_size=12))
            ops.append((kind, np.array(picked, dtype=np.int64)))
            n = len(picked)
    return values, ops


@settings(max_examples=200, deadline=None)
@given(chains())
def test_a_deferred_column_is_the_column_it_stands_for(
    chain: tuple[list[str | None], list[tuple[str, Any]]],
) -> None:
    values, ops = chain
    calls: list[int] = []
    got: Categorical = deferred(values, calls)
    want = eager(values)
    for op in ops:
        got, want = step(got, op), step(want, op)
    assert isinstance(got, DeferredCategorical) and not got.made and calls == []
    assert len(got) == got.size == len(want)  # (sizes known without factorising)
    np.testing.assert_array_equal(got.codes, want.codes)
    assert got.codes.dtype == want.codes.dtype == np.int32
    assert got.categories.tolist() == want.categories.tolist()
    assert got.values().tolist() == want.values().tolist()
    assert not got.codes.flags.writeable
    assert calls == [1] and got.made


def test_views_of_one_column_share_its_factorisation() -> None:
    calls: list[int] = []
    whole = deferred(["b", None, "a", "b"], calls)
    head, picked = whole.take(np.array([0, 1])), whole.pick(np.array([3, -1, 2]))
    assert picked.values().tolist() == ["b", None, "a"]
    assert head.values().tolist() == ["b", None]
    assert whole.values().tolist() == ["b", None, "a", "b"]
    assert calls == [1] and whole.made and head.made


def test_pick_marks_minus_one_missing() -> None:
    cat = eager(["x", "y"])
    out = cat.pick(np.array([1, -1, 0, 1]))
    assert out.values().tolist() == ["y", None, "x", "y"]
    assert out.categories is cat.categories and out.codes.dtype == np.int32
    empty = Categorical(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=object))
    assert empty.pick(np.array([-1, -1])).codes.tolist() == [-1, -1]


def same_groups(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two code arrays put the rows in the same groups (``-1`` in the same rows)."""
    if not np.array_equal(a < 0, b < 0):
        return False
    pairs = {(int(x), int(y)) for x, y in zip(a.tolist(), b.tolist()) if x >= 0}
    return len({x for x, _ in pairs}) == len(pairs) == len({y for _, y in pairs})


@settings(max_examples=150, deadline=None)
@given(chains(), st.lists(st.one_of(st.none(), WORDS, st.just(" "), st.just("A ")), max_size=4))
def test_per_value_of_a_deferred_column_reads_its_texts(
    chain: tuple[list[str | None], list[tuple[str, Any]]], extra: list[str | None]
) -> None:
    """Before the column is made, ``per_value`` runs on the texts (one per row here, as
    e-mail addresses, plus texts no row uses): each row's flag is the same, and rows share a
    group code exactly when they share one from the made column."""
    values, ops = chain
    texts = np.array([*values, *extra, None], dtype=object)[:-1]
    codes = np.arange(len(values))
    calls: list[int] = []

    def make() -> Categorical:
        calls.append(1)
        return eager(values)

    got: Categorical = DeferredCategorical(make, len(values), source=(codes, texts))
    want = eager(values)
    for op in ops:
        got, want = step(got, op), step(want, op)
    np.testing.assert_array_equal(got.per_value(blank, True), want.per_value(blank, True))
    assert same_groups(got.per_value(matching_codes, -1), want.per_value(matching_codes, -1))
    assert calls == [] and not got.made  # (nothing sorted)
    np.testing.assert_array_equal(got.codes, want.codes)  # (made once its codes are read)
    assert calls == [1] and got.made
    np.testing.assert_array_equal(got.per_value(blank, True), want.per_value(blank, True))


def _whole_column(values: list[str | None]) -> Categorical:
    return eager(values)


def test_a_deferred_column_pickles_made_or_not() -> None:
    """Results and bundles holding deferred columns pickle (a process pool, a cache): the
    column comes back deferred when it was, with the same values once made."""
    values = ["b", None, "a", "b", "c"]
    whole = DeferredCategorical(functools.partial(_whole_column, values), len(values))
    view = whole.pick(np.array([4, -1, 0]))
    back_whole, back_view = pickle.loads(pickle.dumps((whole, view)))
    assert isinstance(back_view, DeferredCategorical) and not back_view.made
    assert back_view.values().tolist() == ["c", None, "b"]
    assert back_whole.made  # (the two views still share one factorisation)
    assert back_whole.values().tolist() == values
    assert not whole.made and view.codes.size == 3 and whole.made  # (the originals, now made)
    made = pickle.loads(pickle.dumps(view))
    assert made.made and made.values().tolist() == ["c", None, "b"]


@pytest.mark.parametrize(
    "pos", [[0, 2], [-2], [0.0], ["a"]], ids=["past", "below", "float", "text"]
)
@pytest.mark.parametrize("deferred_column", [False, True], ids=["made", "deferred"])
def test_pick_refuses_positions_that_are_not_rows(pos: list[Any], deferred_column: bool) -> None:
    from alignment.errors import ParameterError

    cat: Categorical = deferred(["x", "y"], []) if deferred_column else eager(["x", "y"])
    with pytest.raises(ParameterError, match="integer positions from -1"):
        cat.pick(np.array(pos))


def test_the_stored_categories_of_a_deferred_column_are_not_made() -> None:
    """``stored`` gives the categories as the column made holds them: strings not made yet
    (an Arrow text) stay so; a deferred column whose categories are an array gives it."""
    pa = pytest.importorskip("pyarrow")
    from alignment._cells import ArrowText
    from alignment._columns import stored

    text = ArrowText(pa.array(["a1", "b2", "c3"]))
    lazy = DeferredCategorical(lambda: Categorical(np.array([2, 0, -1], np.int32), text), 3)
    got = stored(lazy, "categories")
    assert got is text and not text.is_made()
    assert lazy.categories.tolist() == ["a1", "b2", "c3"] and text.is_made()
    calls: list[int] = []
    plain = deferred(["b", "a"], calls)
    assert np.asarray(stored(plain, "categories")).tolist() == ["a", "b"] and calls == [1]
