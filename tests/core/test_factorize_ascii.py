"""Numpy unicode arrays of ASCII text factorised from their bytes (:func:`alignment._words.
ascii_words`): the same codes, categories and sort keys as plain Python and as the same strings
in Arrow's layout, numbered ids counted (:mod:`alignment._digits`), and the code-point path for
anything else (text that is not ASCII, numpy 1.x, no pyarrow for long strings)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment._factorize as fz
from alignment import _words
from alignment._factorize import factorize

needs_strings = pytest.mark.skipif(
    _words._STR_LEN is None, reason="numpy 1.x: unicode cells take the code-point path"
)
pytestmark = needs_strings

_ASCII = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=9)


def _python(values: list[str]) -> tuple[list[int], list[str]]:
    cats = sorted(set(values))
    rank = {v: i for i, v in enumerate(cats)}
    return [rank[v] for v in values], cats


def _spy(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[bool]:
    """Record whether each call of ``module.name`` answered (``False``: ``None``)."""
    calls: list[bool] = []
    real = getattr(module, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(module, name, spy)
    return calls


def _check(values: list[str], monkeypatch: pytest.MonkeyPatch, *, by_bytes: bool) -> Any:
    arr = np.array(values, dtype=str)
    before = arr.copy()
    calls = _spy(monkeypatch, fz, "ascii_words")
    cat = factorize(arr, column="lead_id")
    assert calls == [by_bytes]  # (the byte path answered, or declined, as expected)
    codes, cats = _python(arr.tolist())  # (numpy's own strings: trailing NULs dropped)
    assert cat.codes.tolist() == codes
    assert cat.categories.tolist() == cats
    assert all(type(c) is str for c in cat.categories.tolist())
    np.testing.assert_array_equal(arr, before)  # (the caller's array unchanged)
    return cat


@settings(max_examples=150, deadline=None)
@given(values=st.lists(_ASCII, min_size=1, max_size=60))
def test_ascii_cells_match_python(values: list[str]) -> None:
    """Any ASCII text (NULs inside, empty strings, every length up to 9) is read by its bytes
    and gives Python's sorted distinct strings."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _check(values, monkeypatch, by_bytes=True)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(_ASCII.filter(lambda v: len(v.rstrip("\x00")) <= 7), min_size=1))
def test_sort_keys_are_those_of_arrow_strings(values: list[str]) -> None:
    """Short strings get the canonical sort keys the same strings have in Arrow's layout
    (columns of both kinds are matched by them)."""
    pa = pytest.importorskip("pyarrow")
    arr = np.array(values, dtype=str)
    cat = factorize(arr, column="x")
    arrow = fz._bytes_factorize(pa.array(arr.tolist(), type=pa.large_string()))
    assert arrow is not None
    np.testing.assert_array_equal(cat.codes, arrow.codes)
    assert cat.sort_keys is not None
    np.testing.assert_array_equal(cat.sort_keys, arrow.sort_keys)


def test_numbered_ids_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    ids = np.char.add("L", np.arange(5000).astype("U6"))[rng.integers(0, 5000, 30_000)]
    counted = _spy(monkeypatch, fz, "factorize_numbered")
    _check(ids.tolist(), monkeypatch, by_bytes=True)
    assert counted == [True]


def test_long_ids_are_read_by_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """18-character Salesforce ids (several words each, some rows shorter)."""
    rng = np.random.default_rng(4)
    base = np.char.add("00Q5e00000", np.char.zfill(np.arange(3000).astype("U8"), 8))
    ids = base[rng.integers(0, base.size, 20_000)].tolist()
    ids[::7] = ["00Q5e0000A"] * len(ids[::7])  # (a shorter id among them)
    _check(ids, monkeypatch, by_bytes=True)


@pytest.mark.parametrize(
    "values",
    [["é", "e", "é"], ["L1", "L2", "Ω"], ["x" * 65, "y"]],
    ids=["accent", "greek", "wide"],
)
def test_other_text_takes_the_code_point_path(
    values: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = _check(values, monkeypatch, by_bytes=False)
    assert cat.sort_keys is None


def test_without_numpy_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """numpy 1.x (no ``numpy.strings``): the code-point path, the same answer."""
    monkeypatch.setattr(_words, "_STR_LEN", None)
    assert _words.ascii_words(np.array(["a", "b"])) is None
    _check(["b", "a", "b", "c"], monkeypatch, by_bytes=False)


def test_without_pyarrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short strings need numpy alone; longer ones (text made by pyarrow) take the code-point
    path when pyarrow is missing."""
    monkeypatch.setattr(fz, "_has", lambda mod: False)
    short = _check(["L3", "L1", "L3", "L20"], monkeypatch, by_bytes=True)
    assert short.categories.tolist() == ["L1", "L20", "L3"]
    long = ["00Q5e0000000000002", "00Q5e0000000000001", "00Q5e0000000000002"]
    from_words = _spy(monkeypatch, fz, "_from_words")
    cat = factorize(np.array(long), column="x")
    assert cat.codes.tolist() == [1, 0, 1]
    assert cat.categories.tolist() == sorted(set(long))
    assert from_words == []  # (not read by its bytes)


def test_strided_and_read_only_input(monkeypatch: pytest.MonkeyPatch) -> None:
    base = np.array(["b", "x", "a", "x", "b", "x"] * 500)
    view = base[::2]
    base.flags.writeable = False
    cat = factorize(view, column="x")
    assert cat.categories.tolist() == ["a", "b"]
    assert cat.codes[:3].tolist() == [1, 0, 1]
    assert not base.flags.writeable


def test_ascii_text_inverts_the_words() -> None:
    values = np.array(["", "a", "a\x00b", "L123456", "\x7f"], dtype="U7")
    words = _words.ascii_words(values)
    assert words is not None and words.canonical
    keys = words.word(0, None)
    assert _words.ascii_text(keys).tolist() == values.tolist()


def test_few_categories_are_hashed_as_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long column of a few channels goes to pyarrow's hashing of its cells (without pyarrow,
    to the words kernel): the same answer."""
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(5)
    names = np.array(["paid_search", "email", "événement", "webinar", "a\x00b", ""])
    values = names[rng.integers(0, names.size, fz.HASH_FACTORIZE_MIN_ROWS + 7)]
    codes, cats = _python(values.tolist())
    for pyarrow_there in (True, False):
        with monkeypatch.context() as m:
            if not pyarrow_there:
                m.setattr(fz, "_has", lambda mod: False)
            cells = _spy(m, fz, "_cells_factorize")
            cat = factorize(values, column="channel")
            assert cells == ([True] if pyarrow_there else [])
        assert cat.codes.tolist() == codes
        assert cat.categories.tolist() == cats


def test_many_distinct_long_column_is_not_hashed_as_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = np.char.add("L", np.arange(fz.HASH_FACTORIZE_MIN_ROWS).astype("U6"))[::-1]
    cells = _spy(monkeypatch, fz, "_cells_factorize")
    cat = factorize(ids, column="lead_id")
    assert cells == []
    assert cat.categories.tolist() == sorted(ids.tolist())
    assert cat.categories[cat.codes].tolist() == ids.tolist()


@pytest.mark.parametrize("ids", ["numbered", "salesforce"])
def test_journeys_from_unicode_arrays_equal_journeys_from_objects(
    ids: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Journeys and attribution from a dict of numpy unicode arrays (ids and channels past the
    pool's size: the byte and cell paths) equal those from the same values as Python objects."""
    import alignment
    from alignment.tables import Journeys

    from .test_tables import journeys_content

    rng = np.random.default_rng(6)
    n = fz.HASH_FACTORIZE_MIN_ROWS + 1000
    if ids == "numbered":
        names = np.char.add("L", np.arange(60_000).astype("U6"))
    else:
        names = np.char.add("00Q5e00000", np.char.zfill(np.arange(60_000).astype("U8"), 8))
    lead = names[rng.integers(0, names.size, n)]
    channel = np.array(["paid_search", "email", "webinar", "direct"])[rng.integers(0, 4, n)]
    time = np.datetime64("2024-01-01", "us") + rng.integers(0, 10**12, n).astype("m8[us]")
    won = np.unique(lead[:5000])
    touches = {"lead_id": lead, "timestamp": time, "channel": channel}
    conversions = {
        "lead_id": won,
        "converted_at": np.full(won.size, np.datetime64("2024-02-01", "us")),
        "revenue": rng.integers(1, 1000, won.size).astype(float),
    }

    def objects(d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {k: v.astype(object) if v.dtype.kind == "U" else v for k, v in d.items()}

    from_words = _spy(monkeypatch, fz, "_from_words")
    cells = _spy(monkeypatch, fz, "_cells_factorize")
    built = Journeys.build(touches, conversions)
    assert True in from_words and True in cells  # (ids by their bytes, channels as cells)
    monkeypatch.undo()
    assert journeys_content(built) == journeys_content(
        Journeys.build(objects(touches), objects(conversions))
    )
    got = alignment.attribute(touches, conversions, model="linear").totals()
    want = alignment.attribute(objects(touches), objects(conversions), model="linear").totals()
    assert sorted(got) == sorted(want)
    np.testing.assert_allclose([got[k] for k in sorted(got)], [want[k] for k in sorted(want)])


def _outcome(fn: Any, data: dict[str, np.ndarray]) -> Any:
    try:
        return "ok", fn(data)
    except Exception as exc:  # (the error itself is compared: type and message)
        return "error", type(exc).__name__, str(exc)


@pytest.mark.parametrize("n", [20, 60_000], ids=["inline", "on the pool"])
@pytest.mark.parametrize("bad", [None, "timestamp", "cost", "channel"])
def test_unicode_columns_read_like_object_columns(n: int, bad: str | None) -> None:
    """Unicode columns of a dict are factorised as they are read (as a frame's strings are;
    long ones on the pool): times, amounts and names written as text give the same journeys,
    and the same errors, as the same values held as Python objects."""
    from alignment.tables import Journeys

    from .test_tables import journeys_content

    rng = np.random.default_rng(7)
    start = np.datetime64("2024-01-01T00:00:00")
    data = {
        "lead_id": np.char.add("L", rng.integers(0, n // 4 + 1, n).astype("U6")),
        "timestamp": np.datetime_as_string(start + rng.integers(0, 10**6, n).astype("m8[s]")),
        "channel": np.array(["email", "paid search", "Paid Search"])[rng.integers(0, 3, n)],
        "cost": np.array(["12.50", "3", "$1,000.00"])[rng.integers(0, 3, n)],
    }
    if bad is not None:  # (one unreadable value: a time, an amount, a blank channel)
        data[bad] = data[bad].astype("U32")
        data[bad][n // 2] = {"timestamp": "not a time", "cost": "abc", "channel": " "}[bad]
    objects = {k: v.astype(object) for k, v in data.items()}

    def build(d: dict[str, np.ndarray]) -> Any:
        return journeys_content(Journeys.build(d))

    got = _outcome(build, data)
    assert got == _outcome(build, objects)
    assert got[0] == ("ok" if bad is None else "error")
