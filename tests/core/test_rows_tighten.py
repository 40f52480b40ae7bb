"""``tighten`` (object columns of numbers or bools made numeric) against its plain twin.

The early exit on text among the first rows must give what reading every value gives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment._rows import tighten


def tighten_twin(arr: np.ndarray) -> np.ndarray:
    """Every value read: all bools → bool, all ints → int64, numbers with None → float."""
    vals = [v for v in arr.tolist() if v is not None]
    if not vals:
        return arr
    if all(isinstance(v, bool) for v in vals):
        return arr.astype(bool) if len(vals) == arr.size else arr
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        if len(vals) == arr.size and all(isinstance(v, int) for v in vals):
            try:
                return np.array(vals, dtype=np.int64)
            except OverflowError:
                return arr
        return np.array([np.nan if v is None else v for v in arr.tolist()], dtype=float)
    return arr


def same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    if a.dtype == object:
        assert a.tolist() == b.tolist()
    else:
        np.testing.assert_array_equal(a, b)


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["none", "bool", "int", "float"]), min_size=0, max_size=3),
    st.lists(VALUES, max_size=150),
    st.integers(0, 200),
    st.text(max_size=3),
)
def test_tighten_matches_its_twin(kinds: list[str], extra: list[Any], at: int, text: str) -> None:
    # columns of one or a few kinds (the cases that become numeric), some with a string put
    # before or after the first 64 rows, and free mixes
    pick = {"none": None, "bool": True, "int": 7, "float": 2.5}
    base = [pick[k] for k in kinds] * 40 + extra
    for values in (base, [*base[:at], text, *base[at:]], extra):
        arr = np.array([*values, None], dtype=object)[:-1]  # (an object array, even of ints)
        before = arr.copy()
        same(tighten(arr), tighten_twin(arr))
        assert arr.tolist() == before.tolist()


def test_a_late_string_keeps_the_column_as_it_is() -> None:
    arr = np.array([1, 2, 3] * 40 + ["x"], dtype=object)
    out = tighten(arr)
    assert out is arr and out.dtype == object


def test_text_first_is_not_read_as_numbers() -> None:
    arr = np.array(["1", 2, 3], dtype=object)
    assert tighten(arr) is arr


def test_object_kind_reads_the_values_missing_ones_aside() -> None:
    import datetime as dt
    from decimal import Decimal

    from alignment._rows import object_kind

    when = dt.datetime(2024, 1, 1)

    def kind(*values: Any) -> str:
        return object_kind(np.array(values, dtype=object))

    assert kind(True, None, False, float("nan")) == "b"
    assert kind(when, None, dt.date(2024, 1, 2), np.datetime64("NaT"), float("nan")) == "M"
    assert kind(1.5, None, Decimal("2"), np.int64(3)) == "f"
    assert kind(True, 1.5) == kind(when, 1.5) == kind("a", 1.5) == kind(None, None) == "O"
    assert kind(*([None] * 70), "text", True) == "O"  # (text after the first rows too)
