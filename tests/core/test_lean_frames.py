"""Lean frames and time columns: dictionary-encoded text columns, instants not copied.

``to_native(..., dictionary=names)`` gives the named factorised columns as a pandas
``category``, a Polars ``Enum`` or a PyArrow ``dictionary`` with exactly the values of the
string columns it replaces; a time column that already is ``datetime64[us]`` is read as a
read-only view (no copy, the caller's array untouched).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment._frames import Categorical, to_native
from alignment._time import read_instants

BACKENDS = ["pandas", "polars", "pyarrow"]


def _values(frame: Any, name: str, backend: str) -> list[Any]:
    """The column as a list of Python values, ``None`` where missing."""
    if backend == "pandas":
        col = frame[name]
        return [None if v is None or v != v else v for v in col.astype(object).tolist()]
    return list(frame[name].to_list() if backend == "polars" else frame[name].to_pylist())


def _is_dictionary(frame: Any, name: str, backend: str) -> bool:
    if backend == "pandas":
        return str(frame[name].dtype) == "category"
    if backend == "polars":
        import polars as pl

        return isinstance(frame[name].dtype, pl.Enum)
    import pyarrow as pa

    return bool(pa.types.is_dictionary(frame.schema.field(name).type))


def _codes_and_names(n_categories: int, n_rows: int, seed: int) -> Categorical:
    rng = np.random.default_rng(seed)
    names = np.array(sorted({f"c{i:04d}" for i in range(n_categories)}), dtype=object)
    codes = rng.integers(-1, n_categories, size=n_rows).astype(np.int32)
    return Categorical(codes, names)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n_categories", [0, 1, 12, 200, 300, 40_000])
def test_dictionary_columns_hold_the_string_values(backend: str, n_categories: int) -> None:
    pytest.importorskip(backend)
    cat = _codes_and_names(n_categories, 2_000, n_categories) if n_categories else None
    if cat is None:  # no category: every row missing
        cat = Categorical(np.full(5, -1, dtype=np.int32), np.empty(0, dtype=object))
    n = cat.size
    cols = {"channel": cat, "x": np.arange(n, dtype=np.float64)}
    lean = to_native(cols, backend, dictionary=["channel"])
    plain = to_native(cols, backend)
    assert _is_dictionary(lean, "channel", backend)
    assert not _is_dictionary(plain, "channel", backend)
    assert _values(lean, "channel", backend) == _values(plain, "channel", backend)
    assert _values(lean, "channel", backend) == cat.values().tolist()
    assert _values(lean, "x", backend) == cols["x"].tolist()


UTF8 = st.characters(blacklist_categories=("Cs",))  # (Arrow text holds no lone surrogate)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(UTF8, min_size=1, max_size=6), min_size=1, max_size=20, unique=True),
    st.lists(st.integers(-1, 19), max_size=60),
    st.sampled_from(BACKENDS),
)
def test_any_codes_decode_to_the_same_values(
    names: list[str], raw: list[int], backend: str
) -> None:
    pytest.importorskip(backend)
    categories = np.array(sorted(names), dtype=object)
    codes = np.array([c if c < len(names) else -1 for c in raw], dtype=np.int32)
    cat = Categorical(codes, categories)
    before = codes.copy()
    frame = to_native({"k": cat}, backend, dictionary=["k"])
    assert _values(frame, "k", backend) == cat.values().tolist()
    assert np.array_equal(cat.codes, before)  # the codes are not changed


def test_dict_backend_gives_strings_and_other_columns_stay_strings() -> None:
    cat = Categorical(np.array([1, -1, 0], dtype=np.int32), np.array(["a", "b"], dtype=object))
    out = to_native({"k": cat, "j": cat}, "dict", dictionary=["k"])
    assert out["k"].dtype == object and out["k"].tolist() == ["b", None, "a"]
    pl = pytest.importorskip("polars")
    frame = to_native({"k": cat, "j": cat}, "polars", dictionary=["k"])
    assert isinstance(frame["k"].dtype, pl.Enum) and frame["j"].dtype == pl.String


@pytest.mark.parametrize("backend", BACKENDS)
def test_instants_come_back_as_utc_with_missing_ones(backend: str) -> None:
    pytest.importorskip(backend)
    times = np.array(["2024-03-05T14:22:05.123456", "NaT", "1969-12-31T23:59:59"], "M8[us]")
    for values in (times, times[[0, 2]]):  # with and without NaT
        frame = to_native({"t": values}, backend)
        got = _values(frame, "t", backend)
        want = values.astype(object).tolist()
        assert [None if g is None else g.replace(tzinfo=None) for g in got] == want
        assert all(g is None or str(g.tzinfo) == "UTC" for g in got)


def test_polars_frame_shares_the_instants_it_is_given() -> None:
    pl = pytest.importorskip("polars")
    times = (np.arange(1_000, dtype=np.int64) * 1_000_003).astype("M8[us]")
    times.flags.writeable = False  # (what the result passes: a read-only array)
    frame = to_native({"t": times}, "polars")
    assert frame["t"].dtype == pl.Datetime("us", "UTC")
    physical = frame["t"].to_physical().to_numpy()
    assert np.shares_memory(physical, times)  # no copy
    assert np.array_equal(physical, times.view(np.int64))


@pytest.mark.parametrize("unit", ["us", "ns", "s"])
def test_datetime64_us_is_read_without_a_copy_and_left_writeable(unit: str) -> None:
    caller = (np.arange(10, dtype=np.int64) * 86_400).astype("M8[s]").astype(f"M8[{unit}]")
    before = caller.copy()
    read = read_instants(caller, column="t")
    assert read.times.dtype == np.dtype("M8[us]")
    assert np.array_equal(read.times, before.astype("M8[us]"))
    assert np.shares_memory(read.times, caller) == (unit == "us")  # a view only when exact
    assert caller.flags.writeable and np.array_equal(caller, before)
    if unit == "us":
        assert not read.times.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            read.times[0] = np.datetime64("2000-01-01", "us")
        assert np.array_equal(caller, before)


def test_a_missing_instant_in_a_view_is_still_refused() -> None:
    from alignment import DataValidationError

    caller = np.array(["2024-01-01", "NaT"], dtype="M8[us]")
    with pytest.raises(DataValidationError, match="missing instant") as err:
        read_instants(caller, column="t", table="touchpoints")
    assert err.value.rows is not None and list(err.value.rows) == [1]
    assert caller.flags.writeable
