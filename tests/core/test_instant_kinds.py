"""``instant_kinds`` (the rows' kinds without raising, for Dask's check over partitions) agrees
with ``read_instants``: both kinds exactly where memory refuses the mix, else its awareness."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment._time import instant_kinds, read_instants
from alignment.errors import DataValidationError

VALUES = st.sampled_from(
    ["2024-01-01", "2024-01-01 08:00", "2024-01-02T10:00:00Z", "2024-01-02T10:00:00+02:00",
     "junk", "2024-02-30", None, ""]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(VALUES, min_size=1, max_size=12), st.sampled_from([None, "Europe/Paris"]))
def test_kinds_agree_with_read_instants(values: list[str | None], tz: str | None) -> None:
    arr = np.array(values, dtype=object)
    naive, aware = instant_kinds(arr, tz=tz, dayfirst=None, date_format=None)
    assert not (naive & aware).any()
    try:
        read = read_instants(arr, column="t", tz=tz, allow_missing=True)
    except DataValidationError as exc:
        if "mixed" in exc.problem:
            assert naive.any() and aware.any()
            minority = naive if naive.sum() <= aware.sum() else aware
            assert list(exc.rows) == np.flatnonzero(minority).tolist()[: len(exc.rows)]
        return  # (other problems: unreadable values, reported by the reader)
    assert not (naive.any() and aware.any())
    expected = True if aware.any() else (False if naive.any() else None)
    assert read.awareness == expected
    assert (aware | naive).tolist() == (~np.isnat(read.times)).tolist()


def test_numbers_and_datetimes_have_no_kind() -> None:
    for values in (np.arange(3), np.array(["2024-01-01"], dtype="datetime64[us]")):
        naive, aware = instant_kinds(values, tz=None, dayfirst=None, date_format=None)
        assert not naive.any() and not aware.any()


def test_unreadable_column_gives_no_kind_rather_than_an_error() -> None:
    arr = np.array(["03/05/2024", "2024-01-01"], dtype=object)  # (slash date: needs dayfirst)
    naive, aware = instant_kinds(arr, tz=None, dayfirst=None, date_format=None)
    assert naive.dtype == bool and aware.dtype == bool
    with pytest.raises(DataValidationError):
        read_instants(arr, column="t")


ZONED_VALUES = st.sampled_from(
    ["2024-01-01 08:00", "2024-03-31 02:30", "2024-10-27 02:30", "2024-10-27 03:30",
     "2024-01-02T10:00:00Z", "junk", None, ""]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(ZONED_VALUES, min_size=1, max_size=12), st.sampled_from([None, "Europe/Paris"]))
def test_bytes_read_as_the_strings_are(values: list[str | None], tz: str | None) -> None:
    """A column of UTF-8 bytes (one value per row, read in place) gives the kinds, instants,
    ambiguous and skipped wall times, and errors, of the same strings as Python objects."""
    from alignment._timetext import Utf8Text

    arr = np.array(values, dtype=object)
    strings = Utf8Text.from_strings([v or "" for v in values])
    text = Utf8Text(strings.data, strings.offsets, np.array([v is None for v in values]))
    for a, b in zip(
        instant_kinds(arr, tz=tz, dayfirst=None, date_format=None),
        instant_kinds(text, tz=tz, dayfirst=None, date_format=None),
    ):
        assert a.tolist() == b.tolist()
    try:
        want = read_instants(arr, column="t", tz=tz, allow_missing=True)
    except DataValidationError as exc:
        with pytest.raises(DataValidationError) as info:
            read_instants(text, column="t", tz=tz, allow_missing=True)
        assert info.value.problem == exc.problem and list(info.value.rows) == list(exc.rows)
        return
    got = read_instants(text, column="t", tz=tz, allow_missing=True)
    assert got.times.tolist() == want.times.tolist() and got.awareness == want.awareness
    assert got.ambiguous.tolist() == want.ambiguous.tolist()
    assert got.nonexistent.tolist() == want.nonexistent.tolist()
