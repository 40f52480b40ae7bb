"""ScoreResult.conversion: conversion per grid cell or action, against a plain-Python twin."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment.errors import AlignmentError, ParameterError
from alignment.scoring import ScoreResult


def scores(cells: list[Any], actions: list[Any]) -> ScoreResult:
    n = len(cells)
    return ScoreResult(
        np.arange(n),
        {
            "score": np.zeros(n),
            "cell": np.array(cells, dtype=object),
            "action": np.array(actions, dtype=object),
        },
        scorer=None,
    )


def twin(cells: list[Any], actions: list[Any], won: list[int], by: str) -> list[tuple[Any, ...]]:
    groups: dict[str, list[Any]] = {}
    keys = cells if by == "cell" else actions
    missing = "(missing)" if by == "cell" else "None"
    for k, a, w in zip(keys, actions, won):
        label = missing if k is None else str(k)
        g = groups.setdefault(label, [0, 0, "None" if a is None else str(a)])
        g[0] += 1
        g[1] += w
    if by == "cell":
        return [(c, g[2], g[0], g[1], g[1] / g[0]) for c, g in sorted(groups.items())]
    total = len(keys)
    rows = [(a, g[0], g[0] / total, g[1], g[1] / g[0]) for a, g in sorted(groups.items())]
    return sorted(rows, key=lambda r: -r[4])  # stable: ties keep the sorted action order


def rows(table: Any) -> list[tuple[Any, ...]]:
    return list(zip(*(table[c].tolist() for c in table)))


CELLS = st.sampled_from(["A1", "A2", "B1", "D4", None])
ACTIONS = st.sampled_from(["call", "nurture", "avoid", None])


@settings(max_examples=40, deadline=None)
@given(data=st.lists(st.tuples(CELLS, ACTIONS, st.integers(0, 1)), min_size=1, max_size=50))
def test_matches_the_twin_and_ignores_row_order(data: list[tuple[Any, Any, int]]) -> None:
    cells, actions, won = (list(x) for x in zip(*data))
    res = scores(cells, actions)
    for by in ("cell", "action"):
        got = rows(res.conversion(won, by=by))
        want = twin(cells, actions, won, by)
        assert [r[:4] if by == "cell" else r[:2] for r in got] == [
            r[:4] if by == "cell" else r[:2] for r in want
        ]
        assert np.allclose([r[-1] for r in got], [r[-1] for r in want])
    perm = np.random.default_rng(len(data)).permutation(len(data))
    shuffled = scores([cells[i] for i in perm], [actions[i] for i in perm])
    by_cell = rows(shuffled.conversion([won[i] for i in perm], by="cell"))
    assert [(r[0], r[2], r[3]) for r in by_cell] == [
        (r[0], r[2], r[3]) for r in rows(res.conversion(won, by="cell"))
    ]


def test_bad_outcomes_and_arguments() -> None:
    res = scores(["A1", "B2"], ["call", "avoid"])
    with pytest.raises(ParameterError, match="one outcome per scored lead"):
        res.conversion([1, 0, 1])
    with pytest.raises(AlignmentError, match="0 or 1"):
        res.conversion([1, 2])
    with pytest.raises(ParameterError, match="'cell' or 'action'"):
        res.conversion([1, 0], by="persona")
    frame = res.conversion([True, False]).to_frame("dict")
    assert frame["conversion"].tolist() == [1.0, 0.0]
