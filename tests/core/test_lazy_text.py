"""Text keys made on first use (:class:`alignment._columns.Later`, :class:`alignment._cells.
ArrowText`): the factoriser's categories stay Arrow strings until someone reads them, a
journey table keeps its text keys so, and every reader (``keys``, ``categories``, a pickle, a
lookup, a subset) sees the same values as when they were made at once."""

from __future__ import annotations

import pickle
import threading
from typing import Any

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")

import alignment  # noqa: E402
import alignment._cells as cells  # noqa: E402
import alignment._factorize as fz  # noqa: E402
import alignment._lookup as lookup_mod  # noqa: E402
from alignment._columns import Categorical, Later, stored  # noqa: E402
from alignment.errors import DataValidationError  # noqa: E402
from alignment.tables import Journeys  # noqa: E402


@pytest.fixture(autouse=True)
def _kernel_for_short_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Columns this short are hashed by pyarrow unless the kernel's threshold is lowered."""
    monkeypatch.setattr(fz, "HASH_FACTORIZE_MIN_ROWS", 1)


def _salesforce(n: int) -> list[str]:
    return [f"00Q5g0000{i:06d}AAA" for i in range(n)]


def _touches(ids: list[str], seed: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    rng = np.random.default_rng(seed)
    lead = rng.choice(np.array(ids, dtype=object), size=6 * len(ids))
    base = np.datetime64("2024-01-01T00:00:00", "us")
    touch = {
        "lead_id": pa.array(lead.tolist(), type=pa.large_string()),
        "timestamp": base + rng.integers(0, 10**6, lead.size).astype("timedelta64[s]"),
        "channel": np.array(["email", "search", "social"], dtype=object)[
            rng.integers(0, 3, lead.size)
        ],
    }
    won = sorted(set(lead.tolist()))[::5]
    conv = {
        "lead_id": pa.array(won, type=pa.large_string()),
        "converted_at": np.full(len(won), base + np.timedelta64(2 * 10**6, "s")),
        "revenue": np.arange(1.0, len(won) + 1.0),
    }
    return touch, conv


def _count_made(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the Arrow arrays made into Python strings from now on (a spy)."""
    made: list[int] = []
    real = cells.objects
    monkeypatch.setattr(cells, "objects", lambda a: made.append(len(a)) or real(a))
    return made


class _Counted(Later):
    made = 0

    def __init__(self, values: list[str]) -> None:
        super().__init__(len(values))
        self._values = values

    def _make(self) -> np.ndarray:
        type(self).made += 1
        return np.array(self._values, dtype=object)


@pytest.mark.parametrize("ids", [[f"L{i}" for i in range(400)], _salesforce(400)])
def test_kernel_categories_are_arrow_text_until_read(ids: list[str]) -> None:
    rows = pa.array(np.random.default_rng(2).choice(np.array(ids, dtype=object), 3000).tolist())
    cat = fz._native_factorize(rows, "pyarrow")
    held = stored(cat, "categories")
    assert isinstance(held, cells.ArrowText)
    assert cat.n_categories == held.size == len(set(rows.to_pylist()))  # (nothing made)
    assert held._made is None
    assert cat.categories.tolist() == sorted(set(rows.to_pylist()))  # made on this read
    assert isinstance(stored(cat, "categories"), np.ndarray)
    assert cells.arrow_of(cat.categories) is held.arrow


def _dictionary_columns(ids: list[str]) -> list[tuple[Any, str]]:
    """The same rows as a Polars ``Categorical`` and an Arrow dictionary of unsorted entries
    (both factorised through their distinct strings: :func:`fz._distinct_factorize`)."""
    picks = np.random.default_rng(3).integers(0, len(ids), 3000)
    values = [ids[p] for p in picks]
    entries = pa.array(ids[::-1])  # (entries not in order: sorted by the kernel)
    columns: list[tuple[Any, str]] = [
        (
            pa.DictionaryArray.from_arrays(pa.array(len(ids) - 1 - picks, pa.int32()), entries),
            "pyarrow",
        )
    ]
    try:
        import polars as pl
    except ImportError:
        return columns
    return [*columns, (pl.Series(values).cast(pl.Categorical), "polars")]


@pytest.mark.parametrize("ids", [[f"L{i}" for i in range(5000)], _salesforce(400)])
def test_dictionary_categories_stay_arrow_text_until_read(ids: list[str]) -> None:
    """A categorical's distinct strings are sorted from their bytes; their text is made only
    when read (it cost 44 ms for the 10^6 ids of a Polars ``Categorical`` at every call)."""
    for column, backend in _dictionary_columns(ids):
        want = column.to_pylist() if backend == "pyarrow" else column.to_list()
        cat = fz._native_factorize(column, backend)
        held = stored(cat, "categories")
        assert isinstance(held, cells.ArrowText) and held._made is None, backend
        assert cat.values().tolist() == want  # (made on this read)
        assert cat.categories.tolist() == sorted(set(want))


@pytest.mark.parametrize("model", ["linear", "markov"])
@pytest.mark.parametrize("ids", [[f"L{i}" for i in range(300)], _salesforce(300)])
def test_journey_keys_stay_arrow_text_through_attribution(ids: list[str], model: str) -> None:
    touch, conv = _touches(ids)
    # (Markov learns from the journeys that did not convert too: all touches)
    journeys = Journeys.build(touch, conv, touches="converted" if model == "linear" else "all")
    held = stored(journeys, "keys")
    assert isinstance(held, cells.ArrowText)
    result = alignment.attribute(journeys, model=model)
    assert held._made is None  # (the call grouped by codes: no Python string was made)
    assert journeys.n_journeys == held.size
    assert journeys.keys.tolist() == sorted(set(touch["lead_id"].to_pylist()))
    plain = alignment.attribute(
        {**touch, "lead_id": np.array(touch["lead_id"].to_pylist(), dtype=object)},
        {**conv, "lead_id": np.array(conv["lead_id"].to_pylist(), dtype=object)},
        model=model,
    )
    got, want = result.totals("channel"), plain.totals("channel")
    assert got.keys() == want.keys()
    assert np.allclose([got[k] for k in want], list(want.values()), rtol=1e-12)
    if model == "linear":  # (per touch: the keys are made for the output, in input order)
        per_touch = result.to_frame(level="touch", backend="dict")
        assert per_touch["lead_id"].tolist() == touch["lead_id"].to_pylist()


def test_select_touches_and_journeys_keep_keys_unmade() -> None:
    touch, conv = _touches(_salesforce(200))
    journeys = Journeys.build(touch, conv)
    expected = journeys.keys.copy()  # (made on a copy of the table built again below)
    journeys = Journeys.build(touch, conv)
    some = journeys.select_touches(journeys.channel.codes == 0)
    assert isinstance(stored(some, "keys"), cells.ArrowText)
    mask = np.zeros(journeys.n_journeys, dtype=bool)
    mask[::3] = True
    fewer = journeys.select_journeys(mask)
    assert isinstance(stored(fewer, "keys"), cells.ArrowText)
    assert fewer.keys.tolist() == expected[mask].tolist()
    assert some.keys.tolist() == expected.tolist()


def test_take_reads_only_the_rows_asked_for() -> None:
    for arrow in (
        pa.array(["", "a", "L1", "L22", "abcdefg"], type=pa.large_string()),
        fz._text_of_keys(np.sort(np.array([0, 1], dtype=np.uint64))).arrow,  # (string views)
    ):
        text = cells.ArrowText(arrow)
        at = np.array([[1, -1], [0, 1]])
        got = text.take(at)
        assert text._made is None
        assert got.tolist() == np.array(arrow.to_pylist(), dtype=object)[at].tolist()
        with pytest.raises(IndexError):
            text.take(np.array([len(arrow)]))
        mask = np.arange(len(arrow)) % 2 == 0
        sub = text.subset(mask)
        assert isinstance(sub, cells.ArrowText)
        assert sub.tolist() == np.array(arrow.to_pylist(), dtype=object)[mask].tolist()


def test_made_once_for_every_thread_and_pickled_as_made() -> None:
    _Counted.made = 0
    cat = Categorical(np.array([1, 0, 1], dtype=np.int32), _Counted(["a", "b"]))
    seen: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: seen.append(cat.categories)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _Counted.made == 1
    assert all(s is seen[0] for s in seen)
    again = Categorical(np.array([0], dtype=np.int32), _Counted(["x", "y"]))
    loaded = pickle.loads(pickle.dumps(again))
    assert isinstance(stored(loaded, "categories"), np.ndarray)
    assert loaded.values().tolist() == ["x"]
    assert cat.take(np.array([0, 2])).values().tolist() == ["b", "b"]


def test_lookup_in_unmade_text_searches_its_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _salesforce(500)
    text = cells.ArrowText(pa.array(ids, type=pa.large_string()))
    made = _count_made(monkeypatch)
    pos, found = lookup_mod.lookup(text, np.array([ids[3], "nope", ids[-1]], dtype=object))
    assert pos.tolist() == [3, -1, 499]
    assert found.tolist() == [True, False, True]
    assert text._made is None and made == []


@pytest.mark.parametrize(
    "ids", [["", "L1", "L2"], ["", "00Q5g0000000001AAA", "00Q5g0000000002AAA"]]
)
def test_an_empty_key_is_refused_without_making_the_text(
    ids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _count_made(monkeypatch)
    rows = [ids[i % 3] for i in range(30)]
    touch = {
        "lead_id": pa.array(rows, type=pa.large_string()),
        "timestamp": np.full(30, np.datetime64("2024-01-01T00:00:00", "us")),
        "channel": np.array(["email"] * 30, dtype=object),
    }
    with pytest.raises(DataValidationError, match="empty key") as err:
        Journeys.build(touch)
    assert "lead_id" in str(err.value)
    assert list(err.value.rows[:3]) == [0, 3, 6]
    assert made == []  # (told from the sort key, or the first string's bytes)


def test_other_tables_of_string_keys_hold_made_arrays() -> None:
    """Only the journeys keep text keys unmade (in their lazy field); every other table of
    string keys holds the made array, as before (``LifecycleHistory.keys``, activity logs)."""
    from alignment import funnel
    from alignment.tables import ActivityLog

    ids = [f"L{i}" for i in range(2000)] * 2  # (many distinct ids: the kernel's path)
    at = np.datetime64("2024-03-01T00:00:00", "us") + np.arange(4000).astype("timedelta64[h]")
    events = {
        "lead_id": pa.array(ids),
        "stage": pa.array(["lead"] * 2000 + ["mql"] * 2000),
        "at": at,
    }
    hist = funnel.history(events, stages=["lead", "mql"])
    assert type(hist.keys) is np.ndarray
    assert hist.keys.tolist() == sorted(set(ids))
    log = ActivityLog.build({"lead_id": pa.array(ids), "timestamp": at})
    assert isinstance(log.keys, np.ndarray) and log.keys.tolist() == sorted(set(ids))


def test_unmade_text_behaves_as_its_array() -> None:
    text = cells.ArrowText(pa.array(["a", "b", "c"], type=pa.large_string()))
    assert (text == "b").tolist() == [False, True, False]
    assert (text != "b").tolist() == [True, False, True]
    assert list(text) == ["a", "b", "c"]
    assert text.copy().tolist() == ["a", "b", "c"]  # (any other array attribute: of the array)
    assert text.ndim == 1 and text.min() == "a"
    with pytest.raises(TypeError):
        hash(text)
    made = np.asarray(text)
    assert made is text.value() and not made.flags.writeable  # (the kernel's: read-only)
    copied = np.array(text, copy=True)
    assert copied is not made and copied.flags.writeable and copied.tolist() == ["a", "b", "c"]
    assert np.asarray(text, dtype="U1").tolist() == ["a", "b", "c"]


def test_key_codes_give_made_keys_unless_asked_for_lazy_ones() -> None:
    from alignment.tables._common import _key_codes

    rows = pa.array(np.random.default_rng(4).choice(np.array(_salesforce(500)), 2000).tolist())
    eager = _key_codes(fz._native_factorize(rows, "pyarrow"), column="lead_id", table="t")
    assert type(eager.uniques) is np.ndarray
    lazy = _key_codes(fz._native_factorize(rows, "pyarrow"), column="lead_id", table="t", lazy=True)
    assert isinstance(lazy.uniques, cells.ArrowText)
    assert lazy.uniques.tolist() == eager.uniques.tolist()


def test_lookup_between_two_unmade_texts_makes_no_string(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _salesforce(300)
    hay = cells.ArrowText(pa.array(ids, type=pa.large_string()))
    needles = cells.ArrowText(pa.array([ids[7], "00Q5g0000999999AAA", ids[0]]))
    made = _count_made(monkeypatch)
    pos, found = lookup_mod.lookup(hay, needles)
    assert pos.tolist() == [7, -1, 0] and found.tolist() == [True, False, True]
    assert made == []


def test_journeys_with_unmade_keys_pickle_as_made() -> None:
    touch, conv = _touches(_salesforce(200))
    journeys = Journeys.build(touch, conv)
    assert isinstance(stored(journeys, "keys"), cells.ArrowText)
    loaded = pickle.loads(pickle.dumps(journeys))
    assert type(stored(loaded, "keys")) is np.ndarray
    assert loaded.keys.tolist() == journeys.keys.tolist()
    assert np.array_equal(loaded.offsets, journeys.offsets)
