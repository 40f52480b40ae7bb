"""take_rows: ``values[index]``, a long index gathered in two halves on two threads."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from alignment._parallel import SPLIT_MIN_ROWS, inline
from alignment._segments import take_rows
from alignment.io._context import take
from alignment.io._values import CodedText


@settings(max_examples=50, deadline=None)
@given(
    values=hnp.arrays(
        st.sampled_from([np.int16, np.int32, np.int64, np.float64, "M8[us]", bool]),
        st.integers(1, 40),
    ),
    data=st.data(),
)
def test_take_rows_is_fancy_indexing(values: np.ndarray, data: st.DataObject) -> None:
    """Any positions, negative ones too, give what ``values[index]`` gives, and the input
    is left as it was."""
    n = values.size
    index = np.asarray(data.draw(st.lists(st.integers(-n, n - 1), max_size=60)), dtype=np.int64)
    before = values.copy()
    got = take_rows(values, index)
    np.testing.assert_array_equal(got, values[index])
    assert got.dtype == values.dtype
    np.testing.assert_array_equal(values, before)


@pytest.mark.parametrize("threads", [True, False])
def test_a_long_index_split_in_two_gives_the_same_rows(threads: bool) -> None:
    rng = np.random.default_rng(3)
    values = rng.integers(0, 10**9, size=SPLIT_MIN_ROWS // 2)
    index = rng.integers(-values.size, values.size, size=SPLIT_MIN_ROWS + 12_345)
    values.flags.writeable = False  # (read-only input: only read)
    if threads:
        got = take_rows(values, index)
    else:
        with inline():
            got = take_rows(values, index)
    np.testing.assert_array_equal(got, values[index])


def test_a_position_out_of_range_raises_as_indexing_does() -> None:
    values = np.arange(SPLIT_MIN_ROWS, dtype=np.int64)
    index = np.zeros(SPLIT_MIN_ROWS, dtype=np.int64)
    index[-1] = values.size  # (in the second half)
    with pytest.raises(IndexError):
        take_rows(values, index)
    with pytest.raises(IndexError):
        take_rows(values[:5], np.array([5]))
    index[-1] = -values.size - 1  # (below the first row)
    with pytest.raises(IndexError):
        take_rows(values, index)
    with pytest.raises(IndexError):
        take_rows(values[:0], np.array([0]))


def test_objects_masks_and_subclasses_are_indexed_as_they_are() -> None:
    texts = np.array(["a", None, "c"], dtype=object)
    np.testing.assert_array_equal(take_rows(texts, np.array([2, 0])), texts[[2, 0]])
    rows = np.arange(6 * SPLIT_MIN_ROWS // 4, dtype=np.int64).reshape(-1, 2)  # (rows of pairs)
    index = np.arange(rows.shape[0] - 1, -1, -1)
    np.testing.assert_array_equal(take_rows(rows, index), rows[index])
    mask = np.array([True, False, True])
    np.testing.assert_array_equal(take_rows(np.arange(3), mask), np.array([0, 2]))
    coded = CodedText(np.array([1, -1, 0]), np.array(["x", "y"], dtype=object))
    got = take_rows(coded, np.array([0, 2]))
    assert isinstance(got, CodedText) and got.texts is coded.texts


def test_a_working_table_keeps_its_coded_texts_through_a_long_take() -> None:
    """io's ``take``: every column gathered, coded text staying codes into the same texts."""
    rng = np.random.default_rng(5)
    n = SPLIT_MIN_ROWS + 7
    texts = np.array(["email", "paid search", "webinar"], dtype=object)
    table = {
        "_row": np.arange(n, dtype=np.int32),
        "channel": CodedText(rng.integers(-1, 3, size=n), texts),
        "timestamp": rng.integers(0, 10**15, size=n).astype("M8[us]"),
    }
    order = rng.permutation(n)
    got = take(table, order)
    assert isinstance(got["channel"], CodedText) and got["channel"].texts is texts
    np.testing.assert_array_equal(got["channel"].codes(), table["channel"].codes()[order])
    np.testing.assert_array_equal(got["_row"], table["_row"][order])
    np.testing.assert_array_equal(got["timestamp"], table["timestamp"][order])
