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
from alignment.io import _persons
from alignment.io._persons import combine, first_per_group
from alignment.io._values import CodedText

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


def _py_first_per_group(groups: list[int], order: list[int], n: int) -> list[int]:
    firsts = [-1] * n
    for place, row in enumerate(order):
        if firsts[groups[row]] < 0:
            firsts[groups[row]] = place
    return firsts


def _py_combine(table: dict[str, list[Any]], groups: list[int], order: list[int], n: int):
    """Per group: the earliest instant (``None``: NaT); else the first value present in
    ``order`` (``None``, NaN, a negative code: missing), the first row's when none is."""
    out: dict[str, list[Any]] = {}
    for name, values in table.items():
        col = []
        for g in range(n):
            mine = [values[r] for r in order if groups[r] == g]
            if name in ("_src", "_row"):
                col.append(mine[0])
            elif name == "at":
                present = [v for v in mine if v is not None]
                col.append(min(present) if present else None)
            else:
                present = [v for v in mine if not _gone(v)]
                col.append(present[0] if present else mine[0])
        out[name] = col
    return out


def _gone(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, int) and v < 0)


@st.composite
def _people(draw: Any) -> tuple[dict[str, list[Any]], list[int], list[int], int]:
    n = draw(st.integers(1, 8))
    size = draw(st.integers(n, 30))
    groups = list(range(n)) + draw(
        st.lists(st.integers(0, n - 1), min_size=size - n, max_size=size - n)
    )
    groups = draw(st.permutations(groups))
    order = draw(st.permutations(range(size)))
    if draw(st.booleans()):  # (as documented: sorted by group, any order within)
        order = sorted(order, key=lambda r: groups[r])
    maybe = st.one_of(st.none(), st.integers(0, 5))
    table = {
        "_src": draw(st.lists(st.integers(0, 2), min_size=size, max_size=size)),
        "_row": list(range(size)),
        "at": draw(st.lists(maybe, min_size=size, max_size=size)),
        "code": draw(st.lists(st.integers(-1, 3), min_size=size, max_size=size)),
        "amount": draw(
            st.lists(st.sampled_from([1.5, 2.0, float("nan")]), min_size=size, max_size=size)
        ),
        "text": draw(st.lists(st.sampled_from([None, "a", "b"]), min_size=size, max_size=size)),
        "flag": draw(st.lists(st.booleans(), min_size=size, max_size=size)),
    }
    return table, groups, order, n


def _typed(table: dict[str, list[Any]]) -> dict[str, np.ndarray]:
    at = np.array([np.datetime64("NaT") if v is None else v for v in table["at"]], "M8[us]")
    return {
        "_src": np.array(table["_src"], dtype=np.int16),
        "_row": np.array(table["_row"], dtype=np.int32),
        "at": at,
        "code": CodedText(np.array(table["code"]), np.array(["x", "y", "z", "w"], dtype=object)),
        "amount": np.array(table["amount"]),
        "text": np.array(table["text"], dtype=object),
        "flag": np.array(table["flag"]),
    }


def _listed(values: np.ndarray) -> list[Any]:
    if values.dtype.kind == "M":
        return [None if np.isnat(v) else int(v.view(np.int64)) for v in values]
    if isinstance(values, CodedText):
        return values.codes().tolist()
    return values.tolist()


@settings(max_examples=300, deadline=None)
@given(_people())
def test_combine_takes_each_groups_earliest_instant_and_first_value_present(case: Any) -> None:
    table, groups, order, n = case
    got = combine(_typed(table), np.array(groups), np.array(order), n, ("flag",))
    want = _py_combine({k: v for k, v in table.items() if k != "flag"}, groups, order, n)
    assert list(got) == list(want)
    for name, values in got.items():
        listed = _listed(values)
        if name == "amount":  # (NaN: compared as None)
            listed = [None if v != v else v for v in listed]
            want[name] = [None if v != v else v for v in want[name]]
        assert listed == want[name], name
    assert isinstance(got["code"], CodedText)


@settings(max_examples=300, deadline=None)
@given(_people())
def test_first_per_group_is_each_groups_first_place(case: Any) -> None:
    _, groups, order, n = case
    order = sorted(order, key=lambda r: groups[r])
    got = first_per_group(np.array(groups), np.array(order), n + 2)  # (two groups empty)
    assert got.tolist() == _py_first_per_group(groups, order, n + 2)


@st.composite
def _records(draw: Any) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    size = draw(st.integers(0, 30))
    ints = st.lists(st.integers(0, 4), min_size=size, max_size=size)
    p = {
        "_src": np.array(draw(st.lists(st.integers(0, 2), min_size=size, max_size=size)), np.int16),
        "_row": np.array(draw(ints), dtype=np.int32),
        "created_at": np.array(draw(ints), dtype="M8[us]"),
    }
    return p, np.array(draw(ints), dtype=np.int64), np.array(draw(ints), dtype=np.int64)


@settings(max_examples=300, deadline=None)
@given(_records())
def test_record_order_is_by_person_table_then_creation_id_and_row(case: Any) -> None:
    p, row, own = case
    src, file_row, created = (p[k].tolist() for k in ("_src", "_row", "created_at"))
    pairs = list(zip(row.tolist(), src))
    dup = [pairs.count(pair) > 1 for pair in pairs]

    def key(i: int) -> tuple[Any, ...]:
        later = (created[i], int(own[i])) if dup[i] else (0, 0)  # (within a block of several)
        return (*pairs[i], *later, file_row[i], i)

    want = sorted(range(row.size), key=key)
    order, slots, block = _persons._record_order(p, row, own)
    assert order.tolist() == want
    assert slots.tolist() == [k for k, i in enumerate(want) if dup[i]]
    keys = [pairs[i] for i in order[slots].tolist()]
    assert block.tolist() == [len(set(keys[: k + 1])) - 1 for k in range(len(keys))]
