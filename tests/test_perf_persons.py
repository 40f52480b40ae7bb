"""Kernels of the persons' stage and of the spreadsheet-cell checks, against plain-Python twins.

* :func:`alignment._cells.holding` (the strings holding any of some parts) gives the positions
  a search of each string gives, whether its bytes hold none of the parts (answered from the
  bytes alone) or some; for Arrow's strings (sliced, chunked, views, nulls) and object arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _cells
from alignment._cells import ArrowStrings, holding, remember

_PARTS = st.lists(st.sampled_from(["#", "+", "é", "ab", "+1", "#N/A"]), min_size=1, max_size=3)
_TEXTS = st.lists(st.one_of(st.none(), st.text(alphabet="ab#+1é/NA ", max_size=6)), max_size=40)


def _twin(texts: list[str | None], parts: list[str]) -> list[int]:
    return [i for i, s in enumerate(texts) if s is not None and any(p in s for p in parts)]


def _as(kind: str, texts: list[str | None]) -> Any:
    """``texts`` as ``holding`` is given them: an object array, Arrow's (sliced from a longer
    array, in chunks, as string views) behind an object array or not made."""
    if kind == "objects":
        return np.array([*texts, None], dtype=object)[:-1]
    arrow: Any = pa.array(["#+", *texts], type=pa.string()).slice(1)  # (bytes before it)
    if kind == "chunked":
        half = len(texts) // 2
        arrow = pa.chunked_array([arrow.slice(0, half), arrow.slice(half)], type=pa.string())
    elif kind == "view":
        arrow = arrow.cast(pa.string_view())
    if kind == "made":
        return remember(np.array([*texts, None], dtype=object)[:-1], arrow)
    return ArrowStrings(arrow)


@settings(max_examples=300, deadline=None)
@given(_TEXTS, _PARTS, st.sampled_from(["objects", "arrow", "chunked", "view", "made"]))
def test_holding_is_a_search_of_each_string(texts: list[str | None], parts: list[str], kind: str):
    got = holding(_as(kind, texts), tuple(parts))
    assert got.tolist() == _twin(texts, parts)


@pytest.mark.parametrize("scan", [1, 2, 3, 5])
def test_a_part_across_two_blocks_of_bytes_is_found(monkeypatch: Any, scan: int) -> None:
    monkeypatch.setattr(_cells, "_SCAN", scan)  # (blocks of a few bytes)
    texts = ["xy", "zq", "w#N/Av", "u", "+", None, "k"]
    for parts in (("#N/A",), ("+", "#N/A"), ("/A",), ("q",), ("qw",), ("k",), ("zz",)):
        got = holding(ArrowStrings(pa.array(texts)), parts)
        assert got.tolist() == _twin(texts, list(parts))


def test_strings_without_the_bytes_are_not_searched_one_by_one(monkeypatch: Any) -> None:
    def refused(*_: Any, **__: Any) -> Any:
        raise AssertionError("each string searched")

    monkeypatch.setattr("pyarrow.compute.match_substring", refused)
    ids = ArrowStrings(pa.array([f"00Q{i:015d}" for i in range(5000)] + [None]))
    assert holding(ids, ("#", "+")).size == 0
    assert holding(np.array(["a", None, "b"], dtype=object), ("#", "+")).size == 0
