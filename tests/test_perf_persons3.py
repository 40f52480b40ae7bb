"""Kernels of the deals' lists, against plain-Python twins.

* :func:`alignment.io._deals.first_of_list` (the first id each cell lists, and whether it
  lists several) is, cell by cell, the first of its items split on the separator and trimmed
  (``None`` for a missing cell or one listing none), whether the cells are read from their
  bytes (:func:`alignment.io._deals._whole_cells`: none may list several or need trimming)
  or split.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alignment.io._deals import _whole_cells, first_of_list

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
    assert _whole_cells(ids, ";").tolist() == ids.tolist()  # (read from their bytes)
    nan = np.array(["a", float("nan")], dtype=object)
    assert _whole_cells(nan, ";").tolist() == ["a", None]
    for cells in (["a;b"], [" a"], ["a\xa0"], ["é"], [""], ["a\t"], [1522]):
        values = np.empty(len(cells), dtype=object)
        values[:] = cells
        assert _whole_cells(values, ";") is None, cells  # (split, as before)
