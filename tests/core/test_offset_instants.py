"""Instants with their UTC offset read by PyArrow's cast (:func:`alignment._sources.offset_instants`).

The cast is a shortcut for the file columns whose every value is an ISO 8601 instant with its
offset: it must read exactly what the library's own parser reads, and it must never read a
value that parser would read otherwise (a wall time, an impossible date) or refuse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import alignment.io
from alignment import _sources
from alignment._timetext import AWARE, parse_texts

pa = pytest.importorskip("pyarrow")

EXPORT = Path(__file__).resolve().parents[2] / "examples" / "exports" / "salesforce"


def _column(values: list[str | None], chunks: int = 1) -> Any:
    whole = pa.array(values, type=pa.string())
    cut = max(1, len(values) // chunks)
    parts = [whole.slice(i, cut) for i in range(0, len(values), cut)] or [whole]
    return pa.chunked_array(parts, type=pa.string())


def _parsed(values: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """What the library's own parser reads: kind and microseconds of each value."""
    texts = [v.strip() if v is not None else "" for v in values]
    read = parse_texts(texts, dayfirst=False, date_format=None, by_value=True)
    return read.kind, read.us


def _two(n: int) -> st.SearchStrategy[str]:
    return st.integers(0, n).map(lambda v: f"{v:02d}")


_OFFSETS = st.one_of(
    st.sampled_from(["Z", "z", "", "+00", "-00:00"]),
    st.tuples(st.sampled_from("+-"), _two(25), _two(61), st.sampled_from(["", ":"])).map(
        lambda t: f"{t[0]}{t[1]}{t[3]}{t[2]}"
    ),
    st.tuples(st.sampled_from("+-"), _two(25)).map(lambda t: t[0] + t[1]),
)

_INSTANTS = st.builds(
    lambda y, mo, d, sep, h, mi, s, frac, off, pad: (
        f"{pad}{y:04d}-{mo}-{d}{sep}{h}:{mi}{s}{frac}{off}{pad[::-1]}"
    ),
    st.integers(1, 9999),
    _two(13),
    _two(32),
    st.sampled_from(["T", " ", "t"]),
    _two(25),
    _two(61),
    st.one_of(st.just(""), _two(61).map(lambda v: ":" + v)),
    st.one_of(st.just(""), st.integers(0, 10).map(lambda k: "." + "1234567890"[:k])),
    _OFFSETS,
    st.sampled_from(["", "", "", " "]),
)

_NOISE = st.text(alphabet="0123456789-:T Z+.,tz/", max_size=32)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(_INSTANTS, _INSTANTS, _NOISE, st.none(), st.just("2024-01-27T04:11:49.000+0000")),
        min_size=1,
        max_size=12,
    ),
    st.integers(1, 3),
)
def test_cast_reads_what_the_parser_reads(values: list[str | None], chunks: int) -> None:
    """Where the cast reads the column, every value is an instant the parser reads as aware,
    at the same microsecond (nulls: ``NaT``); a value the parser reads otherwise (a wall time,
    nothing) makes the cast give the column back."""
    got = _sources.offset_instants(_column(values, chunks))
    kind, us = _parsed(values)
    present = np.array([v is not None for v in values])
    if got is None:
        return
    assert got.dtype == np.dtype("datetime64[us]") and got.size == len(values)
    assert np.isnat(got[~present]).all()
    assert (kind[present] == AWARE).all(), [v for v, k in zip(values, kind) if k != AWARE]
    np.testing.assert_array_equal(got[present].view(np.int64), us[present])


@pytest.mark.parametrize(
    "odd",
    [
        "2024-01-27T04:11:49.000",  # a wall time: never read as UTC
        "2024-01-27",  # a date alone
        " 2024-01-27T04:11:49.000+0000",  # a space around it (the parser trims it)
        "2024-02-30T04:11:49.000+0000",  # 30 February
        "2024-01-27T04:11:49.000+2400",  # an offset of a day
        "3/5/2024 2:22 PM",
    ],
)
def test_one_other_value_gives_the_column_back(odd: str) -> None:
    good = [f"2024-01-{d:02d}T10:00:00.000+0100" for d in range(1, 29)]
    assert _sources.offset_instants(_column(good)) is not None
    assert _sources.offset_instants(_column([*good[:9], odd, *good[9:]], chunks=3)) is None


@pytest.mark.parametrize("at", [0, 63, 64, 300])
def test_one_other_value_before_or_after_the_first_rows(at: int) -> None:
    """The cast tries the first rows first (a cast that fails reads every row first): a value
    of another layout anywhere still gives the column back; nulls first change nothing."""
    good = [f"2024-01-{d % 28 + 1:02d}T10:00:00.000+0100" for d in range(400)]
    assert _sources.offset_instants(_column(good, chunks=4)) is not None
    odd = [*good[:at], "3/5/2024 2:22 PM", *good[at:]]
    assert _sources.offset_instants(_column(odd, chunks=4)) is None
    late = [None] * 100 + good
    got = _sources.offset_instants(_column(late, chunks=3))
    assert got is not None and np.isnat(got[:100]).all() and not np.isnat(got[100:]).any()


def test_the_instants_are_utc() -> None:
    got = _sources.offset_instants(
        _column(["2024-03-31T01:30:00+02:00", None, "2024-03-30T23:30:00.5Z"])
    )
    assert got is not None
    expected = np.array(["2024-03-30T23:30:00", "NaT", "2024-03-30T23:30:00.5"], "datetime64[us]")
    np.testing.assert_array_equal(got, expected)


def test_read_crm_is_the_same_without_the_cast(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example export read with the cast (its creation instants have offsets) and without
    it (every column through the byte parser): the same tables, the same data issues."""
    taken: list[bool] = []
    cast = _sources.offset_instants

    def counted(column: Any) -> np.ndarray | None:
        out = cast(column)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(_sources, "offset_instants", counted)
    fast = alignment.io.read_crm("salesforce", EXPORT, tz="America/New_York", dayfirst=False)
    assert any(taken) and not all(taken)  # (the cast read some columns, the parser others)
    monkeypatch.setattr(_sources, "offset_instants", lambda column: None)
    slow = alignment.io.read_crm("salesforce", EXPORT, tz="America/New_York", dayfirst=False)
    for name in ("leads", "touchpoints", "deals", "deal_contacts", "activities", "costs"):
        a, b = getattr(fast, name), getattr(slow, name)
        assert list(a) == list(b)
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    assert [str(i) for i in fast.issues] == [str(i) for i in slow.issues]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(_INSTANTS, _INSTANTS, _NOISE, st.none()), min_size=1, max_size=12),
    st.sampled_from([None, "%Y-%m-%d"]),
)
@example(["2024-01-27T04:11:49.000+0000", None, "2024-03-31T02:30:00+02:00"], None)
@example([None, None], None)
def test_distinct_values_cast_like_parsed(
    values: list[str | None], date_format: str | None
) -> None:
    """A column of few distinct values, all ISO 8601 with an offset, is read by the cast per
    distinct value: the same instants and the same findings as the parser's (never with a
    ``date_format``, which the parser applies)."""
    import alignment.io._values as values_

    column = np.array(values, dtype=object)
    opts = values_.Options(tz="Europe/Paris", date_format=date_format)

    def read() -> Any:
        try:
            return values_.read_kind(column, "time", column="c", table="t", opts=opts, wall=False)
        except alignment.errors.DataValidationError as exc:
            return str(exc)

    monkeypatch = pytest.MonkeyPatch()
    with monkeypatch.context() as m:
        m.setattr(values_, "CAST_MIN_VALUES", 1)
        cast = read()
        m.setattr(values_, "offset_instants_of", lambda _: None)
        parsed = read()
    if isinstance(parsed, str) or isinstance(cast, str):
        assert cast == parsed
        return
    np.testing.assert_array_equal(cast.values.view(np.int64), parsed.values.view(np.int64))
    assert cast.missing.tolist() == parsed.missing.tolist()
    assert cast.naive_utc == parsed.naive_utc
    for got, want in ((cast.ambiguous, parsed.ambiguous), (cast.nonexistent, parsed.nonexistent)):
        assert (got is None or not got.any()) == (want is None or not want.any())
