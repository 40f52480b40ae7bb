"""The byte reader of instants with fewer full-size temporaries, against plain-Python twins.

The rows of each length are found from one ``uint8`` key per row (``_width_keys``), the
rows of one layout copied as whole items (``_rows_of``), and the bytes read past the last
string come from the room a file's column keeps after them (``padded_bytes``): each gives
what reading each string alone gives.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import alignment._timetext as tt
from alignment._sources import _utf8_of_chunks
from alignment._timetext import MISSING, PAD, Utf8Text, padded_bytes, parse_texts, parse_utf8

_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: values of several lengths, several layouts of one length, empty, long and unreadable ones
_VALUES = [
    "3/30/2024 4:39 PM",
    "3/5/2024 4:39 PM",
    "12/5/2024 4:39 PM",
    "3/15/2024 11:09 AM",
    "12/31/2024 11:59 PM",
    "2024-01-27T04:11:49.000+0000",
    "2024-02-30T04:11:49.000+0000",
    "2024-01-27",
    "",
    "13/13/2024 1:00 PM",
    "x" * 50,
    "2024-01-27T04:11:49.000000000000000000000+0000",
]


def _twin(values: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Each string read on its own (``None``: missing)."""
    us = np.zeros(len(values), dtype=np.int64)
    kind = np.full(len(values), MISSING, dtype=np.int8)
    for i, v in enumerate(values):  # a loop over the rows (the twin's)
        if v is not None:
            one = parse_texts([v.strip()], dayfirst=False, date_format=None, by_value=True)
            us[i], kind[i] = one.us[0], one.kind[0]
    return us, kind


@_SETTINGS
@given(st.lists(st.one_of(st.none(), st.sampled_from(_VALUES)), min_size=0, max_size=300))
def test_arrow_column_read_like_each_string(values: list[str | None]) -> None:
    rows = values * 20  # (each layout shared by enough rows to be read from the bytes)
    column = pa.chunked_array([pa.array(rows[:7], pa.string()), pa.array(rows[7:], pa.string())])
    text = _utf8_of_chunks(column.chunks, False)
    got = parse_utf8(text, dayfirst=False, strip=True)
    us, kind = _twin(rows)
    np.testing.assert_array_equal(got.kind, kind)
    read = kind > 0
    np.testing.assert_array_equal(got.us[read], us[read])


def test_width_keys_of_nulls_empty_and_long_rows() -> None:
    strings = ["ab", "", "x" * 40, "y" * 41, "z" * 300, "abc"]
    text = Utf8Text.from_strings(strings)
    null = np.array([False, False, False, False, False, True])
    keys = tt._width_keys(Utf8Text(text.data, text.offsets, null))
    assert keys.dtype == np.uint8
    assert keys.tolist() == [2, 0, 40, 41, 41, 0]


def test_null_row_with_bytes_is_missing_not_read() -> None:
    # (a null slot may hold bytes: never read)
    strings = ["3/30/2024 4:39 PM"] * 20
    text = Utf8Text.from_strings(strings)
    null = np.zeros(20, dtype=bool)
    null[3] = True
    got = parse_utf8(Utf8Text(text.data, text.offsets, null), dayfirst=False)
    assert got.kind[3] == MISSING
    assert (np.delete(got.kind, 3) == tt.NAIVE).all()
    assert got.us[0] == np.datetime64("2024-03-30T16:39", "us").astype(np.int64)


def test_rows_of_is_the_masked_rows() -> None:
    chars = np.arange(10 * 16, dtype=np.uint8).reshape(10, 16)
    picked = np.array([0, 3, 4, 9])
    np.testing.assert_array_equal(tt._rows_of(chars, picked), chars[picked])
    assert tt._rows_of(chars, np.zeros(0, dtype=np.int64)).shape == (0, 16)


def test_padded_bytes_views_the_room_after_a_column() -> None:
    column = pa.chunked_array([pa.array(["ab", None, "cde"]), pa.array(["f"])])
    text = _utf8_of_chunks(column.chunks, False)
    assert bytes(text.data) == b"abcdef"
    assert text.strings(np.arange(4)) == ["ab", None, "cde", "f"]
    padded = padded_bytes(text.data)
    assert np.shares_memory(padded, text.data)  # (no copy of the column's bytes)
    assert padded.size == 6 + PAD
    assert bytes(padded[:6]) == b"abcdef"


def test_padded_bytes_copies_when_there_is_no_room() -> None:
    data = np.frombuffer(b"abcdef", dtype=np.uint8)
    for given_data in (data, np.arange(10, dtype=np.uint8)[2:8]):
        padded = padded_bytes(given_data)
        assert not np.shares_memory(padded, given_data)
        assert padded.size == 6 + PAD
        np.testing.assert_array_equal(padded[:6], given_data)
        assert not padded[6:].any()


def test_joined_one_chunk_is_the_chunk_itself() -> None:
    """A chunked array of one chunk is that chunk, not a copy; several chunks are joined."""
    from alignment._cells import joined

    one = pa.chunked_array([pa.array(["a", None, "bc"])])
    got = joined(one)
    assert got.buffers()[2].address == one.chunk(0).buffers()[2].address
    assert got.to_pylist() == ["a", None, "bc"]
    several = pa.chunked_array([pa.array(["a", None]), pa.array(["bc"]), pa.array([], pa.string())])
    assert joined(several).to_pylist() == ["a", None, "bc"]
    stamps = pa.chunked_array([pa.array([1, None], pa.timestamp("us", tz="UTC"))])
    assert joined(stamps).to_pylist() == stamps.to_pylist()


@given(st.lists(st.one_of(st.none(), st.integers(0, 4 * 10**9)), max_size=30), st.integers(1, 3))
@_SETTINGS
def test_offset_instants_with_and_without_nulls(seconds: list[int | None], parts: int) -> None:
    """Instants read by the cast (nulls as NaT, none: the cast's own values) equal each text
    read on its own."""
    import datetime as dt

    from alignment._sources import offset_instants

    texts = [
        None
        if s is None
        else (dt.datetime(1990, 1, 1) + dt.timedelta(seconds=s)).strftime(
            "%Y-%m-%dT%H:%M:%S.000+0000"
        )
        for s in seconds
    ]
    cut = len(texts) // parts
    pieces = [texts[:cut], texts[cut:]] if parts > 1 else [texts]
    got = offset_instants(pa.chunked_array([pa.array(p, pa.string()) for p in pieces]))
    want = np.array(
        [np.datetime64("NaT") if t is None else np.datetime64(t[:19], "us") for t in texts],
        dtype="datetime64[us]",
    )
    assert got is not None
    np.testing.assert_array_equal(got, want)


@given(st.integers(0, 20), st.integers(0, 3))
@_SETTINGS
def test_row_texts_of_mostly_distinct_values(distinct_in_20: int, nulls: int) -> None:
    """Carried text whose first rows are 3 in 4 distinct or more is one string per row (code
    ``r`` for row ``r``, ``-1`` where null); fewer distinct: hashed; each row's text is its
    value either way."""
    from alignment._filetexts import row_texts

    values: list[str | None] = [f"co {i}" if i % 20 < distinct_in_20 else "co" for i in range(2000)]
    for k in range(nulls):
        values[7 * k + 1] = None
    got = row_texts(pa.chunked_array([pa.array(values[:900]), pa.array(values[900:])]))
    assert got is not None
    codes, strings = got
    texts = np.asarray(strings)
    assert [None if c < 0 else texts[c] for c in codes] == values
    per_row = 4 * len({v for v in values if v is not None}) >= 3 * len(values)
    rows = np.where([v is None for v in values], -1, np.arange(len(values)))
    assert np.array_equal(codes, rows) == per_row
