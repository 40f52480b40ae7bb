"""Kernels of the link and of the final order of ``read_crm``, against plain-Python twins.

* the deal of each deal contact found by the rank of its id (one factorisation of the deals'
  ids and of their contacts'), as looking the ids up finds it;
* the canonical order of a table whose later columns split none of the runs of tied rows
  (those columns are skipped), as one sort by every column orders it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment._lookup import lookup
from alignment.io._context import DEAL_RANK, ROW, SRC, Context
from alignment.io._deals import _deal_rows, build_deals
from alignment.io._order import canonical_order
from alignment.io._presets import PRESETS
from alignment.io._values import CodedText, Options

SETTINGS = settings(max_examples=150, deadline=None)

_IDS = st.sampled_from(["006A", "006B", "006C", "006D", "006E"])


def _deals(ids: list[str], won: list[bool], amounts: list[bool]) -> dict[str, np.ndarray]:
    n = len(ids)
    return {
        SRC: np.full(n, 2, dtype=np.int16),  # (the Opportunity table)
        ROW: np.arange(n, dtype=np.int32),
        "deal_id": np.array(ids, dtype=object),
        "created_at": np.full(n, np.datetime64("2024-01-01"), dtype="datetime64[us]"),
        "closed_at": np.full(n, np.datetime64("2024-02-01"), dtype="datetime64[us]"),
        "amount": np.where(np.array(amounts, dtype=bool), 10.0, np.nan),
        "won": np.array(won, dtype=bool),
        "is_closed": np.array(won, dtype=bool),
    }


def _contacts(ids: list[str | None]) -> dict[str, np.ndarray]:
    n = len(ids)
    return {
        SRC: np.full(n, 3, dtype=np.int16),
        ROW: np.arange(n, dtype=np.int32),
        "deal_id": np.array(ids, dtype=object),
    }


@SETTINGS
@given(
    deals=st.lists(st.tuples(_IDS, st.booleans(), st.booleans()), min_size=1, max_size=12),
    contacts=st.lists(st.one_of(st.none(), _IDS, st.just("006Z")), max_size=15),
)
def test_a_contacts_deal_found_by_rank_is_the_deal_its_id_names(
    deals: list[tuple[str, bool, bool]], contacts: list[str | None]
) -> None:
    """Each contact's deal row (``-1``: none, no id or an unknown one) and whether its deal
    is one left out (won without an amount) are those of a dictionary of the deals' ids,
    whether the deals' ids were factorised with the contacts' (ranks) or not (a lookup)."""
    ctx = Context(PRESETS["salesforce"], Options(None, None, None, ".", None))
    ids, won, amounts = (list(x) for x in zip(*deals))
    named = _contacts(contacts)
    kept, _, left = build_deals([_deals(ids, won, amounts)], None, ctx, named)
    assert DEAL_RANK in named  # (factorised together: ranks given)
    rows, of_left = _deal_rows(named, kept, left)
    plain = {k: v for k, v in named.items() if k != DEAL_RANK}
    looked, of_left_looked = _deal_rows(plain, kept, {"deal_id": left["deal_id"]})
    row_of = {d: i for i, d in enumerate(kept["deal_id"].tolist())}
    gone = set(left["deal_id"].tolist())
    assert rows.tolist() == looked.tolist() == [row_of.get(c, -1) for c in contacts]  # type: ignore[arg-type]
    want_left = [c in gone and c not in row_of for c in contacts]
    assert (of_left & (rows < 0)).tolist() == (of_left_looked & (looked < 0)).tolist() == want_left
    # (the ranks sort like the ids: the deals' canonical order by id is kept)
    assert np.argsort(kept[DEAL_RANK]).tolist() == np.argsort(kept["deal_id"]).tolist()


def test_contacts_whose_ids_are_not_text_are_looked_up() -> None:
    """Contacts' deal ids of numbers cannot be factorised with the deals' text: the deals keep
    their own ranks and the contacts' ids are looked up, as before ranks were given."""
    ctx = Context(PRESETS["salesforce"], Options(None, None, None, ".", None))
    named = _contacts([None, None])
    named["deal_id"] = np.array([1, 7], dtype=object)
    kept, _, left = build_deals([_deals(["1", "2"], [True, True], [True, True])], None, ctx, named)
    assert DEAL_RANK not in named and kept[DEAL_RANK].tolist() == [0, 1]
    rows, of_left = _deal_rows(named, kept, left)
    assert rows.tolist() == lookup(kept["deal_id"], named["deal_id"])[0].tolist()
    assert of_left.tolist() == [False, False]


_CELL = st.integers(0, 3)


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 1), _CELL, _CELL, _CELL), max_size=40),
    st.booleans(),
)
def test_the_order_is_that_of_one_sort_by_every_column(
    rows: list[tuple[int, ...]], constant: bool
) -> None:
    """Rows tied on the first columns are ordered by the others in turn, a column that splits
    none of the runs left out: the rows in the order of a sort by every column."""
    if constant:  # (a later column that is one value within each run)
        rows = [(a, b, c, a, e) for a, b, c, _, e in rows]
    n = len(rows)
    cols: dict[str, Any] = {
        name: np.array([r[i] for r in rows], dtype=np.int64).reshape(n)
        for i, name in enumerate("abcde")
    }
    texts = np.array(["w", "x", "y", "z"], dtype=object)  # (a coded column: ranks of texts)
    cols["c"] = CodedText(np.array([r[2] for r in rows], dtype=np.int32).reshape(n), texts)
    order = canonical_order(cols, ["a", "b"], ["c", "d", "e"], n, {})
    got = [tuple(int(cols[k].view(np.ndarray)[i]) for k in "abcde") for i in order.tolist()]
    assert got == sorted(rows)
    assert sorted(order.tolist()) == list(range(n))
