"""The canonical row order of read_crm's tables against one ``numpy.lexsort`` of every column.

Each path of :mod:`alignment.io._order` is taken on purpose (a spy on numpy's sorts tells
which): two integer keys sorted as words, as an argsort of the combined key, or by lexsort
when the combined key does not fit; the tied rows ordered by words of (run, key, position) or
by lexsort (floats, instants with NaT).  Tables have many ties, as CRM exports do (a person's
activities of one day, duplicated rows).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment.io._order as order_
from alignment.io._order import _runs, canonical_order, first_order, sort_first, sort_key
from alignment.io._values import coded_text

_NAT = np.iinfo(np.int64).min


def _table(rng: np.random.Generator, n: int, *, span: int, nat: bool) -> dict[str, np.ndarray]:
    person = rng.integers(0, max(n // 4, 1), n)
    at = rng.integers(0, span, n) * 3_600_000_000 + 1_700_000_000_000_000
    if nat:
        at[rng.random(n) < 0.05] = _NAT
    kinds = np.array(["call", "email", None, "meeting"], dtype=object)[rng.integers(0, 4, n)]
    coded = coded_text(kinds)
    assert coded is not None
    amount = rng.integers(0, 3, n).astype(np.float64)
    amount[rng.random(n) < 0.2] = np.nan
    return {
        "lead_id": person,
        "timestamp": at.view("datetime64[us]"),
        "kind": coded[0],
        "amount": amount,
        "won": rng.random(n) < 0.5,
        "rep": rng.integers(0, 3, n).astype(np.int32),
    }


def _check(cols: dict[str, np.ndarray], first: list[str]) -> None:
    rest = sorted(c for c in cols if c not in first)
    n = next(iter(cols.values())).size
    before = {
        k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in cols.items()
    }
    got = canonical_order(cols, first, rest, n, {})
    want = np.lexsort([sort_key(cols[c]) for c in reversed([*first, *rest])])
    assert sorted(got.tolist()) == list(range(n))
    for name, values in cols.items():  # rows tied on every column may come in either order
        key = sort_key(values)
        np.testing.assert_array_equal(key[got], key[want], err_msg=name)
        if isinstance(before[name], np.ndarray):
            np.testing.assert_array_equal(values, before[name])  # (not changed)


class _Spy:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        real_lexsort, real_argsort = np.lexsort, np.argsort

        def lexsort(keys: Any, *args: Any, **kwargs: Any) -> np.ndarray:
            self.calls.append("lexsort")
            return real_lexsort(keys, *args, **kwargs)

        def argsort(a: Any, *args: Any, **kwargs: Any) -> np.ndarray:
            self.calls.append("argsort")
            return real_argsort(a, *args, **kwargs)

        fake = type("numpy", (), {})()
        for name in dir(np):
            if not name.startswith("__"):
                setattr(fake, name, getattr(np, name))
        fake.lexsort, fake.argsort = lexsort, argsort
        monkeypatch.setattr(order_, "np", fake)


@pytest.mark.parametrize(("span", "nat", "path"), [(24, False, []), (24, True, ["lexsort"])])
def test_first_order_paths(
    monkeypatch: pytest.MonkeyPatch, span: int, nat: bool, path: list[str]
) -> None:
    rng = np.random.default_rng(span + nat)
    cols = _table(rng, 3_000, span=span, nat=nat)
    keys = [cols["lead_id"], cols["timestamp"].view(np.int64)]
    spy = _Spy(monkeypatch)
    got, tie = first_order(keys)
    assert spy.calls == path  # (words: no argsort, no lexsort)
    want = np.lexsort(keys[::-1])
    for key in keys:
        np.testing.assert_array_equal(key[got], key[want])
    if not nat:
        assert tie is not None
        same = np.ones(got.size - 1, dtype=bool)
        for key in keys:
            same &= key[got][1:] == key[got][:-1]
        np.testing.assert_array_equal(tie, same)


def test_first_order_argsort_when_the_rows_do_not_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    n = 300  # 9 bits of rows beside a key of 2**30 persons times 2**25 steps: argsort
    a = rng.integers(0, 2**30, n)
    a[: n // 2] = a[n // 2 :]  # (persons with several rows)
    b = rng.integers(0, 2**25, n)
    b[: n // 4] = b[n // 2 : n // 2 + n // 4]
    spy = _Spy(monkeypatch)
    got, tie = first_order([a, b])
    assert spy.calls == ["argsort"]
    want = np.lexsort((b, a))
    np.testing.assert_array_equal(a[got], a[want])
    np.testing.assert_array_equal(b[got], b[want])
    assert tie is not None
    np.testing.assert_array_equal(tie, (a[got][1:] == a[got][:-1]) & (b[got][1:] == b[got][:-1]))


@pytest.mark.parametrize("nat", [False, True])
@pytest.mark.parametrize("first", [["lead_id", "timestamp"], ["lead_id"], []])
def test_canonical_order_is_one_sort_by_every_column(nat: bool, first: list[str]) -> None:
    for seed in range(3):
        rng = np.random.default_rng(seed)
        _check(_table(rng, 4_000, span=3, nat=nat), first)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 60), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_canonical_order_small_tables(n: int, span: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    _check(_table(rng, n, span=span, nat=bool(seed % 2)), ["lead_id", "timestamp"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), max_size=40))
def test_runs_are_each_tied_row_and_the_next(tie: list[bool]) -> None:
    rows, runs = _runs(np.flatnonzero(np.array(tie, dtype=bool)))
    want_rows: list[int] = []
    want_runs: list[int] = []
    run = -1
    for i, t in enumerate(tie):  # (a plain-Python twin)
        if not t:
            continue
        if not want_rows or want_rows[-1] != i:
            run += 1
            want_rows.append(i)
            want_runs.append(run)
        want_rows.append(i + 1)
        want_runs.append(run)
    assert rows.tolist() == want_rows
    assert runs.tolist() == want_runs


@pytest.mark.parametrize("block", [1, 7, 64])
def test_blocks_of_any_size(monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    monkeypatch.setattr(order_, "BLOCK", block)
    rng = np.random.default_rng(block)
    cols = _table(rng, 500, span=5, nat=False)
    _check(cols, ["lead_id", "timestamp"])
    b = cols["timestamp"].view(np.int64)
    b0 = int(b.min())
    assert order_._step(b, b0) == int(np.gcd.reduce(b - b0))
    late = np.full(300, 10**6, dtype=np.int64)
    late[-1] += 3  # (the step changes in the last block only)
    assert order_._step(late, 0) == int(np.gcd.reduce(late))
    assert order_._step(np.full(9, 5, dtype=np.int64), 5) == 1  # (one value: step 1)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 400), st.integers(0, 2**32 - 1), st.floats(0, 1), st.booleans(), st.booleans()
)
def test_the_rows_still_in_are_ordered_as_those_rows_alone(
    n: int, seed: int, share: float, known: bool, nat: bool
) -> None:
    """The rows a mask keeps (touches still in) are put in the order the table of those rows
    alone has, given as rows of the whole table; the other rows are left out.  Missing
    instants (NaT) among the rows take the keys of lexsort, not the combined words."""
    rng = np.random.default_rng(seed)
    cols = _table(rng, n, span=4, nat=nat)
    live = rng.random(n) < share
    rows = np.flatnonzero(live)
    first, rest = ["lead_id", "timestamp"], ["amount", "kind", "rep", "won"]
    given_keys = {"lead_id": cols["lead_id"]} if known else {}
    got = canonical_order(cols, first, rest, n, given_keys, live)
    alone = {k: v[rows] for k, v in cols.items()}
    alone_keys = {k: v[rows] for k, v in given_keys.items()}
    want = rows[canonical_order(alone, first, rest, rows.size, alone_keys)]
    assert sorted(got.tolist()) == rows.tolist()
    for name, values in cols.items():  # rows tied on every column may come in either order
        key = sort_key(values)
        np.testing.assert_array_equal(key[got], key[want], err_msg=name)


def test_rows_left_out_may_hold_any_key() -> None:
    """Keys of the rows left out (a person row of -1, a missing instant) neither widen the
    combined key nor come back in the order."""
    person = np.array([3, -1, 0, 3, 0], dtype=np.int64)
    at = np.array([5, np.iinfo(np.int64).min, 7, 2, 7], dtype=np.int64)
    live = np.array([True, False, True, True, True])
    order, tie = first_order([person, at], live)
    assert order.tolist() in ([2, 4, 3, 0], [4, 2, 3, 0])
    assert tie is not None and tie.tolist() == [True, False, False]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 300), st.integers(0, 2**32 - 1), st.booleans())
def test_rows_sorted_by_their_first_columns_early_give_the_same_order(
    n: int, seed: int, nat: bool
) -> None:
    """The touches are sorted by person and instant while their spellings are folded
    (:func:`sort_first`); the order finished from that sort is the order of one call."""
    rng = np.random.default_rng(seed)
    cols = _table(rng, n, span=3, nat=nat)
    live = rng.random(n) < 0.8
    first, rest = ["lead_id", "timestamp"], ["amount", "kind", "rep", "won"]
    known = {"lead_id": cols["lead_id"]}
    early = sort_first(cols, first, n, known, live)
    got = canonical_order(cols, first, rest, n, known, live, early)
    want = canonical_order(cols, first, rest, n, known, live)
    for name, values in cols.items():  # rows tied on every column may come in either order
        key = sort_key(values)
        np.testing.assert_array_equal(key[got], key[want], err_msg=name)
