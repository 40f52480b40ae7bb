"""Instants read from their bytes, layout by layout, against the string-by-string reader.

The byte path (``_parse_bytes``: strings of one length and layout read column-wise) must give
exactly what reading each string alone gives (``parse_texts(..., by_value=True)``), and both
must agree with a plain-Python twin built on :class:`datetime.datetime` for the formats of real
exports; invalid strings (month 13, hour 24, 30 February, stray characters) are refused by both,
and the errors of a column are the same whichever way it was read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import alignment
import alignment._timetext as tt
from alignment._time import as_utc_datetime64
from alignment._timetext import (
    AWARE,
    MISSING,
    NAIVE,
    NEEDS_DAYFIRST,
    UNREADABLE,
    Utf8Text,
    parse_texts,
    parse_utf8,
)
from alignment.errors import DataValidationError

_EPOCH = dt.datetime(1970, 1, 1)
_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------ the plain-Python twin


@dataclass(frozen=True)
class Parts:
    """What a string writes: ``a``/``b`` the two day-month numbers in written order."""

    year: int
    a: int
    b: int
    hour: int
    minute: int
    second: int
    frac: str  # the digits written after the seconds ("" for none)
    pm: bool
    offset: str  # "", "Z", "+0000", "-05:00" ...


@dataclass(frozen=True)
class Format:
    name: str
    write: Callable[[Parts], str]
    order: str = "iso"  # "iso" (month first), "slash" (dayfirst decides), "dotted" (day first)
    twelve: bool = False  # a 12-hour clock (AM/PM)


def _api(p: Parts) -> str:
    return f"{p.year:04d}-{p.a:02d}-{p.b:02d}T{p.hour:02d}:{p.minute:02d}:{p.second:02d}.{p.frac}{p.offset}"


FORMATS = [
    Format("api", _api),
    Format(
        "iso minutes", lambda p: f"{p.year:04d}-{p.a:02d}-{p.b:02d} {p.hour:02d}:{p.minute:02d}"
    ),
    Format("iso date", lambda p: f"{p.year:04d}-{p.a:02d}-{p.b:02d}"),
    Format(
        "report",
        lambda p: f"{p.a}/{p.b}/{p.year:04d} {p.hour}:{p.minute:02d} {'PM' if p.pm else 'AM'}",
        order="slash",
        twelve=True,
    ),
    Format(
        "slash padded",
        lambda p: f"{p.a:02d}/{p.b:02d}/{p.year:04d} {p.hour:02d}:{p.minute:02d}",
        order="slash",
    ),
    Format(
        "dotted",
        lambda p: f"{p.a:02d}.{p.b:02d}.{p.year:04d} {p.hour:02d}:{p.minute:02d}:{p.second:02d}",
        order="dotted",
    ),
]

_UNITS = {"iso minutes": ("second", "frac"), "iso date": ("hour", "minute", "second", "frac")}


def twin(fmt: Format, p: Parts, dayfirst: bool | None) -> tuple[int, int]:
    """The microseconds and kind the rules give, from the parts (``datetime`` checks them)."""
    if fmt.order == "slash" and dayfirst is None:
        return 0, NEEDS_DAYFIRST
    day_first = fmt.order == "dotted" or (fmt.order == "slash" and bool(dayfirst))
    month, day = (p.b, p.a) if day_first else (p.a, p.b)
    zero = _UNITS.get(fmt.name, ())
    hour = 0 if "hour" in zero else p.hour
    minute = 0 if "minute" in zero else p.minute
    second = 0 if "second" in zero or fmt.name in ("report", "slash padded") else p.second
    frac = "" if "frac" in zero or fmt.name != "api" else p.frac
    if fmt.twelve:
        if not 1 <= hour <= 12:
            return 0, UNREADABLE
        hour = hour % 12 + (12 if p.pm else 0)
    offset = p.offset if fmt.name == "api" else ""
    east = 0
    if offset not in ("", "Z"):
        digits = offset[1:].replace(":", "")
        hh, mm = int(digits[:2]), int(digits[2:] or 0)
        if hh >= 24 or mm >= 60:
            return 0, UNREADABLE
        east = (-1 if offset[0] == "-" else 1) * (hh * 3600 + mm * 60)
    micro = int((frac + "00000")[:6]) if frac else 0
    try:
        wall = dt.datetime(p.year, month, day, hour, minute, second, micro)
    except ValueError:
        return 0, UNREADABLE
    us = (wall - _EPOCH) // dt.timedelta(microseconds=1) - east * 1_000_000
    return us, AWARE if offset else NAIVE


# ------------------------------------------------------------------------------- strategies

#: mostly valid numbers, with the invalid ones real exports have (month 13, hour 24 ...)
_MONTH = st.one_of(st.integers(1, 12), st.sampled_from([0, 13]))
_DAY = st.one_of(st.integers(1, 28), st.integers(29, 31), st.sampled_from([0, 32]))
_HOUR = st.one_of(st.integers(0, 23), st.just(24))
_SIXTY = st.one_of(st.integers(0, 59), st.just(60))
_YEAR = st.one_of(st.integers(1970, 2035), st.sampled_from([0, 1, 1600, 2000, 2100, 9999]))
_OFFSET = st.sampled_from(["", "Z", "+0000", "-0500", "+05:30", "-03", "+2400", "+0160"])


@st.composite
def parts(draw: st.DrawFn) -> Parts:
    return Parts(
        year=draw(_YEAR),
        a=draw(_MONTH),
        b=draw(_DAY),
        hour=draw(_HOUR),
        minute=draw(_SIXTY),
        second=draw(_SIXTY),
        frac=draw(st.text("0123456789", min_size=1, max_size=9)),
        pm=draw(st.booleans()),
        offset=draw(_OFFSET),
    )


@st.composite
def columns(draw: st.DrawFn) -> tuple[Format, list[Parts], list[str]]:
    """One format, 16 to 80 strings of it (enough to share layouts)."""
    fmt = draw(st.sampled_from(FORMATS))
    rows = draw(st.lists(parts(), min_size=16, max_size=80))
    return fmt, rows, [fmt.write(p) for p in rows]


def _same(a: tt.TextInstants, b: tt.TextInstants) -> None:
    np.testing.assert_array_equal(a.kind, b.kind)
    ok = a.kind > 0
    np.testing.assert_array_equal(a.us[ok], b.us[ok])


# ------------------------------------------------------------------------------------ tests


@_SETTINGS
@given(columns(), st.sampled_from([None, True, False]))
def test_bytes_read_like_each_string_and_like_the_twin(
    column: tuple[Format, list[Parts], list[str]], dayfirst: bool | None
) -> None:
    fmt, rows, texts = column
    fast = parse_texts(texts, dayfirst=dayfirst, date_format=None)
    slow = parse_texts(texts, dayfirst=dayfirst, date_format=None, by_value=True)
    _same(fast, slow)
    _same(parse_utf8(Utf8Text.from_strings(texts), dayfirst=dayfirst), slow)
    want = [twin(fmt, p, dayfirst) for p in rows]
    np.testing.assert_array_equal(fast.kind, [k for _, k in want])
    ok = fast.kind > 0
    np.testing.assert_array_equal(fast.us[ok], np.array([u for u, _ in want])[ok])


@_SETTINGS
@given(
    columns(),
    st.lists(
        st.tuples(st.integers(0, 200), st.integers(0, 40), st.sampled_from(list("x#é :/-.T\t"))),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from([None, True, False]),
)
def test_stray_characters_are_refused_alike(
    column: tuple[Format, list[Parts], list[str]],
    edits: list[tuple[int, int, str]],
    dayfirst: bool | None,
) -> None:
    _, _, texts = column
    texts = list(texts)
    for row, at, char in edits:  # a stray character written into some strings
        s = texts[row % len(texts)]
        texts[row % len(texts)] = s[: at % (len(s) + 1)] + char + s[at % (len(s) + 1) :]
    texts += ["", "  ", "NaT", " NaT ", "\u00a02024-03-05", "2024-03-05\x00"]
    fast = parse_texts(texts, dayfirst=dayfirst, date_format=None)
    slow = parse_texts(texts, dayfirst=dayfirst, date_format=None, by_value=True)
    _same(fast, slow)
    _same(parse_utf8(Utf8Text.from_strings(texts), dayfirst=dayfirst), slow)
    stripped = [s.strip() for s in texts]
    trimmed = parse_utf8(Utf8Text.from_strings(texts), dayfirst=dayfirst, strip=True)
    _same(trimmed, parse_texts(stripped, dayfirst=dayfirst, date_format=None, by_value=True))
    assert (fast.kind[-6:-2] == MISSING).all()


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_the_byte_path_reads_a_whole_column(fmt: Format) -> None:
    """Not vacuous: a column of one zero-padded format is read from its bytes, no string left
    to read one by one (the report format has a few layouts, each read as such)."""
    rng = np.random.default_rng(7)
    rows = [
        Parts(2024, int(m), int(d), int(h), int(mi), int(s), "000", bool(pm), "+0000")
        for m, d, h, mi, s, pm in zip(
            rng.integers(1, 13, 400),
            rng.integers(1, 29, 400),
            rng.integers(1, 13, 400),
            rng.integers(0, 60, 400),
            rng.integers(0, 60, 400),
            rng.integers(0, 2, 400),
        )
    ]
    texts = [fmt.write(p) for p in rows]
    text = Utf8Text.from_strings(texts)
    us = np.zeros(len(texts), dtype=np.int64)
    kind = np.full(len(texts), UNREADABLE, dtype=np.int8)
    left = tt._parse_bytes(text, False, us, kind)
    if fmt.name == "report":  # (layouts shared by fewer than 16 strings are read one by one)
        assert left.size < len(texts) // 4
    else:
        assert left.size == 0
    read = ~np.isin(np.arange(len(texts)), left)
    want = [twin(fmt, p, False) for p in rows]
    np.testing.assert_array_equal(kind[read], np.array([k for _, k in want])[read])
    valid = read & (kind > 0)
    assert valid.sum() > len(texts) // 3
    np.testing.assert_array_equal(us[valid], np.array([u for u, _ in want])[valid])


@given(st.lists(st.binary(min_size=16, max_size=16), min_size=1, max_size=40))
def test_layout_words_make_every_digit_zero(rows: list[bytes]) -> None:
    """The layout of each string (its bytes, every ASCII digit made "0"), against the bytes
    made one at a time; any byte value may occur (non-ASCII, NUL, those just around the digits)."""
    chars = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(len(rows), 16).copy()
    kept = chars.copy()
    got = tt._layout_words(chars)
    want = [bytes(b"0"[0] if 48 <= c <= 57 else c for c in row) for row in rows]
    assert got.dtype == np.uint64 and got.shape == (len(rows), 2)
    assert [got[i].tobytes() for i in range(len(rows))] == want
    np.testing.assert_array_equal(chars, kept)  # (the bytes read are not changed)


def test_layout_words_of_every_byte() -> None:
    chars = np.arange(256, dtype=np.uint8).reshape(32, 8)
    got = tt._layout_words(chars).view(np.uint8).ravel()
    np.testing.assert_array_equal(got, np.where((chars >= 48) & (chars <= 57), 48, chars).ravel())


def test_utf8_text_rows_and_strings() -> None:
    texts = ["2024-03-05", "", "é 2024", "\udcff", "x"]
    text = Utf8Text.from_strings(texts)
    assert len(text) == 5 and text.size == 5
    assert text.strings(np.arange(5)) == texts
    assert text[-1] == "x" and text[2] == "é 2024"
    nulls = Utf8Text(text.data, text.offsets, np.array([False, True, False, False, False]))
    assert nulls.to_objects().tolist() == ["2024-03-05", None, "é 2024", "\udcff", "x"]
    read = parse_utf8(nulls, dayfirst=None)
    assert read.kind.tolist() == [NAIVE, MISSING, UNREADABLE, UNREADABLE, UNREADABLE]


def _error(call: Callable[[], object]) -> tuple[object, ...]:
    with pytest.raises(DataValidationError) as info:
        call()
    e = info.value
    return (e.problem, e.column, e.table, e.rows, e.n_rows, e.value, e.fix)


@pytest.mark.parametrize(
    "bad",
    [
        "2024-13-05T10:00:00.000+0000",  # month 13
        "2024-02-30T10:00:00.000+0000",  # 30 February
        "2024-02-05T24:00:00.000+0000",  # hour 24
        "2024-02-05T10:00:00.000+2400",  # an offset of a day
        "2024-02-05T10:0x:00.000+0000",  # a stray character
        "2024-02-05 10:00",  # naive among aware instants
        "3/5/2024 2:22 PM",  # a slash date without the day order
    ],
)
def test_errors_are_the_same_either_way(bad: str, monkeypatch: pytest.MonkeyPatch) -> None:
    good = [f"2024-01-{d:02d}T10:{m:02d}:00.000+0000" for d in range(1, 29) for m in (0, 30)]
    values = np.array([*good[:20], bad, *good[20:40], bad, *good[40:]], dtype=object)
    first = _error(lambda: as_utc_datetime64(values, column="t", table="x"))
    assert first[3] == [20, 41] or first[0].startswith("naive and")
    monkeypatch.setattr(tt, "_MIN_LAYOUT", 10**9)  # every string read alone
    assert _error(lambda: as_utc_datetime64(values, column="t", table="x")) == first


def _export(folder: Path, created: list[str]) -> Path:
    folder.mkdir()
    rows = "\n".join(f"00Q{i},{c}" for i, c in enumerate(created))
    (folder / "Lead.csv").write_text(f"Id,CreatedDate\n{rows}\n", encoding="utf-8")
    (folder / "Contact.csv").write_text("Id,CreatedDate\n", encoding="utf-8")
    (folder / "Opportunity.csv").write_text(
        "Id,Amount,CreatedDate,IsWon\n006A,10,2024-01-02T00:00:00Z,true\n", encoding="utf-8"
    )
    (folder / "OpportunityContactRole.csv").write_text(
        "OpportunityId,ContactId\n006A,00Q0\n", encoding="utf-8"
    )
    (folder / "CampaignMember.csv").write_text(
        "LeadId,CreatedDate,HasResponded\n00Q0,2024-01-03T00:00:00Z,true\n", encoding="utf-8"
    )
    return folder


def _frames(folder: Path) -> dict[str, dict[str, np.ndarray]]:
    """The export as dicts of object arrays (read without the byte path)."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for path in folder.glob("*.csv"):
        head, *lines = path.read_text(encoding="utf-8").splitlines()
        cells = [line.split(",") for line in lines]
        out[path.stem] = {
            name: np.array([c[j] or None for c in cells], dtype=object)
            for j, name in enumerate(head.split(","))
        }
    return out


@pytest.mark.parametrize("bad", ["2024-13-05T10:00:00.000+0000", "2024-02-05 10:00", ""])
def test_read_crm_reads_files_like_frames(tmp_path: Path, bad: str) -> None:
    """A CSV's instants (read as bytes) give the bundle, or the error, of the same values given
    as a frame (read as strings): same rows named, same value shown."""
    created = [f"2024-01-{d:02d}T{h:02d}:00:00.000+0000" for d in range(1, 29) for h in (9, 17)]
    created[30] = bad
    folder = _export(tmp_path / "export", created)
    frames = _frames(folder)
    try:
        from_file = alignment.io.read_crm("salesforce", folder, tz="Europe/Paris")
    except DataValidationError:
        first = _error(lambda: alignment.io.read_crm("salesforce", folder, tz="Europe/Paris"))
        again = _error(lambda: alignment.io.read_crm("salesforce", frames, tz="Europe/Paris"))
        assert first == again and first[3] == [30]
        return
    from_frames = alignment.io.read_crm("salesforce", frames, tz="Europe/Paris")
    for name in ("leads", "touchpoints", "deals"):
        a, b = getattr(from_file, name), getattr(from_frames, name)
        assert sorted(a) == sorted(b)
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    assert [str(i) for i in from_file.issues] == [str(i) for i in from_frames.issues]


def test_arrow_strings_as_bytes() -> None:
    """Chunks, slices and nulls of a PyArrow column give the same strings as bytes."""
    pa = pytest.importorskip("pyarrow")
    from alignment._sources import split_arrow

    values = ["2024-03-05", None, "", "é", "3/5/2024 2:22 PM", None, "x" * 50]
    for kind in (pa.string(), pa.large_string()):
        whole = pa.array(values * 3, type=kind)
        chunked = pa.chunked_array([whole.slice(0, 5), whole.slice(5, 9), whole.slice(14)])
        table = pa.table({"t": chunked, "n": pa.array(range(21)), "s": whole})
        rest, texts, n_rows = split_arrow(table, ["t", "s"], ["t", "n"])
        assert n_rows == 21 and rest.column_names == ["s"] and list(texts) == ["t"]
        assert texts["t"].to_objects().tolist() == values * 3
    empty = pa.table({"t": pa.array([], type=pa.string())})
    assert len(split_arrow(empty, ["t"], ["t"])[1]["t"]) == 0


@pytest.mark.parametrize("dayfirst", [False, None])
def test_chunks_read_by_two_threads_give_what_one_thread_gives(
    dayfirst: bool | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The byte path's chunks (several lengths, several layouts, unreadable and ambiguous
    strings among them) are shared by two threads: the instants and their kinds are the same
    as when one thread reads them all, and as reading each string alone."""
    from alignment._parallel import inline

    monkeypatch.setattr(tt, "_CHUNK", 64)  # (many chunks of each length from few rows)
    rng = np.random.default_rng(11)
    pool = [
        "3/5/2024 2:22 PM",
        "12/31/2023 11:59 PM",
        "2024-03-05T14:22:05.000+0000",
        "2024-03-05",
        "13/13/2024 1:00 AM",
        "05/03/2024",
        "not a date",
        "",
        "1/2/2024 9:05 AM",
    ]
    texts = [pool[i] for i in rng.integers(0, len(pool), size=3_000)]
    text = Utf8Text.from_strings(texts)
    two = parse_utf8(text, dayfirst=dayfirst, strip=True)
    with inline():
        one = parse_utf8(text, dayfirst=dayfirst, strip=True)
    alone = parse_texts(texts, dayfirst=dayfirst, date_format=None, by_value=True)
    rest: list[np.ndarray] = []
    for threads in (True, False):  # (the rows the byte path leaves to the string path)
        us, kind = np.zeros(len(texts), np.int64), np.full(len(texts), UNREADABLE, np.int8)
        if threads:
            rest.append(tt._parse_bytes(text, dayfirst, us, kind))
        else:
            with inline():
                rest.append(tt._parse_bytes(text, dayfirst, us, kind))
    np.testing.assert_array_equal(rest[0], rest[1])
    seen: list[np.ndarray] = []  # (the rows of each chunk the two threads read)
    read_layouts = tt._read_layouts

    def recording(chars: np.ndarray, width: int, rows: np.ndarray, *args: object) -> np.ndarray:
        seen.append(rows.copy())
        return read_layouts(chars, width, rows, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(tt, "_read_layouts", recording)
    parse_utf8(text, dayfirst=dayfirst, strip=True)
    lengths = np.array([len(t) for t in texts])
    counts = np.bincount(lengths, minlength=tt._MAX_WIDTH + 1)
    wanted = np.flatnonzero((lengths > 0) & (counts[lengths] >= tt._MIN_LAYOUT))
    read = np.sort(np.concatenate(seen))
    np.testing.assert_array_equal(read, wanted)  # (every row of a common length, once)
    assert len(seen) > 2
    np.testing.assert_array_equal(two.kind, one.kind)
    np.testing.assert_array_equal(two.us[two.kind >= 0], one.us[one.kind >= 0])
    np.testing.assert_array_equal(two.kind, alone.kind)
    np.testing.assert_array_equal(two.us[two.kind >= 0], alone.us[alone.kind >= 0])
