"""String factorisation paths (hashing, pyarrow, object) agree exactly; hash lookups both ways."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _frames
from alignment._frames import _arrow_factorize, _hash_factorize, _native_factorize, lookup
from alignment.tables import Journeys

from .test_tables import CONVERSIONS, TOUCHES, journeys_content

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")

TEXT = st.text(alphabet=st.sampled_from(["a", "b", "é", "Z", "0", " ", "ß", "\u4e2d"]), max_size=4)


def _decoded(codes: np.ndarray, cats: np.ndarray) -> list[Any]:
    return [None if c < 0 else cats[c] for c in codes.tolist()]


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=60))
def test_hash_factorize_matches_arrow_and_python(values: list[str]) -> None:
    got = _hash_factorize(pl.Series(values, dtype=pl.String))
    assert got is not None
    codes, cats = _arrow_factorize(pa.array(values, type=pa.string()))
    assert got.categories.tolist() == cats.tolist() == sorted(set(values))  # Python's order
    assert got.codes.dtype == np.int32
    np.testing.assert_array_equal(got.codes, codes)
    assert _decoded(got.codes, got.categories) == values


def test_hash_factorize_falls_back_on_nulls_and_collisions(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _hash_factorize(pl.Series(["a", None, "b"])) is None  # nulls: not this path

    def constant_hash(self: Any, seed: int = 0) -> Any:  # every string collides
        return pl.Series(np.zeros(len(self), dtype=np.uint64))

    monkeypatch.setattr(pl.Series, "hash", constant_hash)
    assert _hash_factorize(pl.Series(["b", "a", "b"])) is None  # the exact check catches it
    monkeypatch.setattr(_frames, "HASH_FACTORIZE_MIN_ROWS", 0)
    out = _native_factorize(pl.Series(["b", "a", "b"]), "polars")  # and the fallback is right
    assert out.categories.tolist() == ["a", "b"] and out.codes.tolist() == [1, 0, 1]


@pytest.mark.parametrize("threshold", [0, 10**9])
def test_journeys_same_through_every_factorisation(
    monkeypatch: pytest.MonkeyPatch, constructor: Any, threshold: int
) -> None:
    ref = journeys_content(Journeys.build(TOUCHES, CONVERSIONS))
    monkeypatch.setattr(_frames, "HASH_FACTORIZE_MIN_ROWS", threshold)
    got = journeys_content(Journeys.build(constructor(TOUCHES), constructor(CONVERSIONS)))
    assert got == ref


def test_pandas_arrow_strings_use_the_hash_path(monkeypatch: pytest.MonkeyPatch) -> None:
    pd = pytest.importorskip("pandas")
    calls: list[int] = []
    real = _frames._hash_factorize

    def spy(s: Any) -> Any:
        calls.append(len(s))
        return real(s)

    monkeypatch.setattr(_frames, "HASH_FACTORIZE_MIN_ROWS", 0)
    monkeypatch.setattr(_frames, "_hash_factorize", spy)
    col = pd.Series(["x", "y", "x"], dtype=pd.ArrowDtype(pa.string()))
    if type(col.array).__name__ != "ArrowStringArray":
        col = pd.Series(["x", "y", "x"], dtype="string[pyarrow]")
    out = _native_factorize(col, "pandas")
    assert calls == [3]
    assert out.codes.tolist() == [0, 1, 0] and out.categories.tolist() == ["x", "y"]


@pytest.mark.parametrize("n_needles", [2, 50])  # fewer needles than haystack, and more
def test_lookup_strings_both_directions(n_needles: int) -> None:
    hay = np.array([f"k{i}" for i in range(20)], dtype=object)
    rng = np.random.default_rng(n_needles)
    needles = np.array(
        [f"k{i}" for i in rng.integers(0, 30, n_needles)] + [None], dtype=object
    )  # duplicates, absent keys (k20..k29) and a null
    pos, found = lookup(hay, needles)
    index = {v: i for i, v in enumerate(hay.tolist())}
    expected = [index.get(v, -1) for v in needles.tolist()]
    assert pos.tolist() == expected
    assert found.tolist() == [e >= 0 for e in expected]


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=40))
def test_unicode_arrays_factorise_like_python(values: list[str]) -> None:
    from alignment._frames import factorize

    arr = np.array(values)  # numpy unicode, NUL-padded cells
    got = factorize(arr, column="c")
    assert got.categories.tolist() == sorted(set(values))
    assert got.codes.dtype == np.int32
    assert _decoded(got.codes, got.categories) == values
    np.testing.assert_array_equal(arr, np.array(values))  # input not mutated


def test_unicode_array_slices_and_empty_strings() -> None:
    from alignment._frames import factorize

    base = np.array(["b", "", "a", "b", "ccc", ""])
    got = factorize(base[1::2], column="c")  # a strided view: ["", "b", ""]
    assert got.categories.tolist() == ["", "b"] and got.codes.tolist() == [0, 1, 0]


@pytest.mark.parametrize("kind", ["polars-categorical", "polars-enum", "pandas-category"])
def test_categorical_columns_build_like_strings(kind: str) -> None:
    ref = journeys_content(Journeys.build(TOUCHES, CONVERSIONS))
    if kind.startswith("polars"):
        frame = pl.DataFrame(dict(TOUCHES))
        dtype = (
            pl.Categorical
            if kind.endswith("categorical")
            else pl.Enum(sorted({c for c in TOUCHES["channel"]} | {"unused"}))
        )
        frame = frame.with_columns(
            pl.col("channel").cast(dtype), pl.col("lead_id").cast(pl.Categorical)
        )
        conv = pl.DataFrame(dict(CONVERSIONS))
    else:
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame(dict(TOUCHES))
        frame["channel"] = frame["channel"].astype("category")
        frame["lead_id"] = frame["lead_id"].astype("category")
        conv = pd.DataFrame(dict(CONVERSIONS))
    assert journeys_content(Journeys.build(frame, conv)) == ref


def test_arrow_dictionaries_of_string_views() -> None:
    s = pl.Series(["b", "a", "b", None]).cast(pl.Categorical)
    arrays = [s.to_arrow(), pa.chunked_array([s.to_arrow()])]
    if hasattr(pl, "CompatLevel"):
        arrays.append(s.to_arrow(compat_level=pl.CompatLevel.newest()))  # string_view values
    for arr in arrays:
        codes, cats = _arrow_factorize(arr)
        assert cats.tolist() == ["a", "b"] and codes.tolist() == [1, 0, 1, -1]
