"""Kernels of the deals' lists and of the persons' merge, against plain-Python twins.

* :func:`alignment.io._deals.first_of_list` (the first id each cell lists, and whether it
  lists several) is, cell by cell, the first of its items split on the separator and trimmed
  (``None`` for a missing cell or one listing none), whether the cells are read from their
  bytes (:func:`alignment._filetexts.whole_cells`: none may list several or need trimming)
  or split.
* :func:`alignment.io._persons._final_codes` (each record's person: its link followed level by
  level through the first record of each id, the records of one id sharing one link) follow
  only the linked records.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alignment._filetexts import whole_cells
from alignment.io._deals import first_of_list
from alignment.io._persons import _BIG, _final_codes, _first_records

_CELLS = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.text(alphabet="a0;é \xa0\x1f\t", max_size=4),
)


def _first_of_list_twin(values: list[Any], sep: str) -> tuple[list[Any], list[bool]]:
    first: list[Any] = []
    several: list[bool] = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            first.append(None)
            several.append(False)
            continue
        items = [x.strip() for x in v.split(sep) if x.strip()]
        first.append(items[0] if items else None)
        several.append(len(items) > 1)
    return first, several


@settings(max_examples=300, deadline=None)
@given(st.lists(_CELLS, max_size=12))
@example(["0065e00000QDZlZAAX", None, "0065e00000qR9X8AAK", float("nan")])
@example(["a;b", "a"])
@example([" a", "a"])
@example(["a\xa0", "b"])
@example(["é", "a"])
@example(["", "a"])
@example(["a\x1f"])
def test_first_of_list_is_its_twin(cells: list[Any]) -> None:
    values = np.empty(len(cells), dtype=object)
    values[:] = cells
    given_values = values.copy()
    first, several = first_of_list(values, ";")
    want_first, want_several = _first_of_list_twin(cells, ";")
    assert first.dtype == object
    assert first.tolist() == want_first
    assert several.tolist() == want_several
    assert all(a is b for a, b in zip(values.tolist(), given_values.tolist()))  # (not mutated)


def test_whole_cells_only_when_no_cell_may_change() -> None:
    ids = np.array(["0065e00000QDZlZAAX", None, "0065e00000qR9X8AAK"], dtype=object)
    assert whole_cells(ids, ";").tolist() == ids.tolist()  # (read from their bytes)
    nan = np.array(["a", float("nan")], dtype=object)
    assert whole_cells(nan, ";").tolist() == ["a", None]
    for cells in (["a;b"], [" a"], ["a\xa0"], ["é"], [""], ["a\t"], [1522]):
        values = np.empty(len(cells), dtype=object)
        values[:] = cells
        assert whole_cells(values, ";") is None, cells  # (split, as before)


def _final_codes_twin(own: list[int], link: list[int], depth: int) -> list[int]:
    """Each record's person: every record starts at its link (else its own id) and, level by
    level, takes the current person of the first record holding that id."""
    first = {}
    for i, code in enumerate(own):
        first.setdefault(code, i)
    final = [lk if lk >= 0 else code for code, lk in zip(own, link)]
    for _ in range(depth):
        final = [final[first[f]] if f in first else f for f in final]
    return final


@st.composite
def _records(draw: Any) -> tuple[list[int], list[int], int]:
    n_codes = draw(st.integers(1, 8))
    own = draw(st.lists(st.integers(0, n_codes - 1), min_size=1, max_size=10))
    by_id = {code: draw(st.integers(-1, n_codes - 1)) for code in set(own)}
    return own, [by_id[code] for code in own], n_codes  # (one link per id: _links_by_id)


@settings(max_examples=300, deadline=None)
@given(_records(), st.integers(1, 4))
@example(([0, 1, 2], [1, 2, -1], 3), 3)  # (a chain: 0 -> 1 -> 2)
@example(([0, 0, 1], [1, 1, -1], 2), 2)  # (a repeated id linked)
def test_final_codes_is_its_twin(records: tuple[list[int], list[int], int], depth: int) -> None:
    own_list, link_list, n_codes = records
    own = np.array(own_list, dtype=np.int32)
    link = np.array(link_list, dtype=np.int32)
    first = _first_records(own, n_codes)
    assert first.tolist() == [own_list.index(c) if c in own_list else _BIG for c in range(n_codes)]
    final = _final_codes(own, link, first, depth)
    assert final.tolist() == _final_codes_twin(own_list, link_list, depth)
