"""Kernels of the persons' ids, against plain-Python twins.

* :func:`alignment.io._values._entry_before` (each text's last vocabulary entry at or before
  it in the stable order of a sorted vocabulary then the texts) is the running maximum of the
  vocabulary's places, whether the texts are sorted (read from their places alone) or not.
* :func:`alignment.io._persons._rows_of_ids` (the person's row of every id code) is, for an
  id a record holds, the person of its first record, and for an id only linked to, itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alignment.io._persons import _rows_of_ids
from alignment.io._values import _entry_before, places_in

_WORDS = st.text(alphabet="ab0Q", max_size=3)


def _entry_before_twin(order: list[int], n_vocab: int, n_texts: int) -> list[int]:
    out, last = [-1] * n_texts, -1
    for i in order:
        if i < n_vocab:
            last = max(last, i)
        else:
            out[i - n_vocab] = last
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS), st.lists(_WORDS), st.booleans())
@example(["a", "b"], ["b", "c"], True)
@example([], ["a"], True)
@example(["b"], ["a", "a", "b"], True)
def test_entry_before_is_the_last_vocabulary_entry_at_or_before(
    vocab: list[str], texts: list[str], sort: bool
) -> None:
    hay = sorted(vocab)  # (sorted, repeats allowed)
    needles = sorted(texts) if sort else texts
    both = np.array([*hay, *needles, None], dtype=object)[:-1]
    order = np.argsort(both, kind="stable")
    got = _entry_before(order, len(hay), len(needles))
    assert got.tolist() == _entry_before_twin(order.tolist(), len(hay), len(needles))
    where = {v: i for i, v in enumerate(hay)}  # (each text's last equal entry)
    found = places_in(np.array([*hay, None], dtype=object)[:-1], both[len(hay) :])
    assert found is not None
    assert found.tolist() == [where.get(t, -1) for t in needles]


@st.composite
def _records(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Records' own id codes, their persons' codes (one per own id, as the records of one id
    are linked alike), the row of each person (ascending codes), and the number of codes."""
    n_codes = draw(st.integers(1, 8))
    own = np.array(draw(st.lists(st.integers(0, n_codes - 1), min_size=1, max_size=20)))
    person_of_id = draw(st.lists(st.integers(0, n_codes - 1), min_size=n_codes, max_size=n_codes))
    final = np.array(person_of_id)[own]
    persons = np.unique(final)
    row = np.searchsorted(persons, final)
    return own, final, row, n_codes


def _rows_twin(own: list[int], final: list[int], row: list[int], n_codes: int) -> list[int]:
    """Old rule: each id (a record's or one linked to) and its person: the person of the
    first record holding it, else itself; the row of that person."""
    row_of = dict(zip(final, row))
    out = [-1] * (n_codes + 1)
    for code in sorted(set(own) | set(final)):
        held = [i for i, o in enumerate(own) if o == code]
        out[code] = row_of[final[held[0]] if held else code]
    return out


@settings(max_examples=300, deadline=None)
@given(_records())
def test_rows_of_ids_is_each_ids_person(case: tuple[np.ndarray, ...]) -> None:
    own, final, row, n_codes = case
    got = _rows_of_ids(own, final, row, int(row.max()) + 1, int(n_codes))
    assert got.dtype == np.int32
    want = _rows_twin(own.tolist(), final.tolist(), row.tolist(), int(n_codes))
    assert got.tolist() == want
