"""The final tables of ``read_crm`` (:func:`alignment.io._final.finish`), against plain-Python
twins: the rows still in, sorted by the first columns then by every other column, each column
taken in that order (text columns of few texts gathered as narrower codes, widened back).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment._later_tables import LaterTable
from alignment.io._context import LIVE, PERSON, ROW, SRC
from alignment.io._final import finish, first_sorted
from alignment.io._values import CodedText

SETTINGS = settings(max_examples=150, deadline=None)

_DAY = 86_400 * 10**6  # (microseconds)


def _texts(n: int) -> np.ndarray:
    return np.array([f"t{i:05d}" for i in range(n)], dtype=object)


def _touches(
    rows: list[tuple[int, int, int, int, int, bool]], shared: bool = True
) -> dict[str, np.ndarray]:
    """Touches of rows (person, day, kind code, campaign code, channel code, still in): the
    kinds of 2 texts, the campaigns of 300 (int16 codes), the channels of 40 000 (int32).
    ``shared``: the persons' ids held as codes that are the persons' rows (as a read links
    them), else as a copy of them."""
    person, day, kind, campaign, channel, live = (np.array(c) for c in zip(*rows))
    n = len(rows)
    rows_of = person.astype(np.int32)
    ids = np.array([f"p{i}" for i in range(int(person.max()) + 1)], dtype=object)
    stamp = (np.datetime64("2024-01-01", "us") + day * _DAY).astype("datetime64[us]")
    return {
        SRC: np.zeros(n, dtype=np.int16),
        ROW: np.arange(n, dtype=np.int32),
        "lead_id": CodedText(rows_of if shared else rows_of.copy(), ids),
        PERSON: rows_of,
        "timestamp": stamp,
        "kind": CodedText(kind - 1, _texts(2)),  # (-1: missing)
        "campaign": CodedText(campaign - 1, _texts(300)),
        "channel": CodedText(channel - 1, _texts(40_000)),
        LIVE: live.astype(bool),
    }


def _strings(codes: np.ndarray, texts: np.ndarray) -> list[Any]:
    return [None if c < 0 else texts[c] for c in codes.tolist()]


def _twin(t: dict[str, np.ndarray]) -> list[tuple[Any, ...]]:
    """The rows still in as (person, instant, campaign, channel, kind), sorted as tuples (the
    other columns by their names; a missing text first, as its code -1 ranks)."""
    keep = np.flatnonzero(t[LIVE])
    cols = [t[PERSON], t["timestamp"].view(np.int64)]
    cols += [t[c].codes() for c in _TEXTS]  # (texts ranked as codes)
    return sorted(tuple(int(c[i]) for c in cols) for i in keep)


_TEXTS = ("campaign", "channel", "kind")

_ROW = st.tuples(
    st.integers(0, 6),
    st.integers(0, 3),
    st.integers(0, 2),
    st.sampled_from([0, 1, 2, 299, 300]),
    st.sampled_from([0, 1, 7, 39_999, 40_000]),
    st.booleans(),
)


@SETTINGS
@given(st.lists(_ROW, min_size=1, max_size=40), st.booleans(), st.booleans())
def test_the_touches_are_those_of_one_sort_by_every_column(
    rows: list[tuple[int, int, int, int, int, bool]], early: bool, shared: bool
) -> None:
    """The persons' ids and the instants read back from the sorted keys, or gathered."""
    t = _touches(rows, shared)
    if not t[LIVE].any():
        t[LIVE][0] = True
    done = first_sorted("touchpoints", dict(t)) if early else None
    table, _ = finish("touchpoints", t, done)
    assert isinstance(table, LaterTable)
    want = _twin(t)
    got = table.columns  # (codes held as they are, strings not made)
    person = got["lead_id"][0]
    assert person.dtype == np.int32
    assert got["timestamp"].dtype == np.dtype("datetime64[us]")
    found = [person.tolist(), got["timestamp"].view(np.int64).tolist()]
    for c, n in zip(_TEXTS, (300, 40_000, 2)):
        codes, texts = got[c]
        assert codes.dtype == np.int32 and texts.size == n  # (widened back)
        assert not codes.flags.writeable
        found.append(codes.tolist())
    assert list(zip(*found)) == want
    for c in _TEXTS:  # (the caller's columns untouched)
        assert t[c].dtype == np.int32


def test_a_text_column_of_few_texts_keeps_its_missing_values_and_texts() -> None:
    t = _touches([(2, 1, 0, 300, 0, True), (0, 3, 2, 0, 40_000, True), (1, 0, 1, 1, 1, False)])
    table, _ = finish("touchpoints", t)
    assert isinstance(table, LaterTable)
    cols = table.columns
    assert cols["lead_id"][0].tolist() == [0, 2]
    assert _strings(*cols["kind"]) == ["t00001", None]
    assert _strings(*cols["campaign"]) == [None, "t00299"]
    assert _strings(*cols["channel"]) == ["t39999", None]
