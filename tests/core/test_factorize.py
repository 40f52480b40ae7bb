"""String factorisation paths (bytes kernel, pyarrow, object) agree exactly; hash lookups both ways.

The bytes kernel (:mod:`alignment._strings`) is checked against plain-Python twins: ``sorted(set(
values))`` for the categories and a dict for the grouping of hashes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alignment import _factorize, _spans, _strings, _words
from alignment._cells import string_buffers
from alignment._factorize import (
    _arrow_factorize,
    _bytes_factorize,
    _dictionary_factorize,
    _native_factorize,
)
from alignment._lookup import lookup
from alignment.tables import Journeys
from alignment.tables._common import _Keys, _merge_keys

from .test_tables import CONVERSIONS, TOUCHES, journeys_content

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")

TEXT = st.text(alphabet=st.sampled_from(["a", "b", "é", "Z", "0", " ", "ß", "\u4e2d"]), max_size=4)
SHORT = st.text(alphabet=st.sampled_from(["a", "b", "é", "Z", "0", " "]), max_size=3)  # <= 6 bytes
# lengths around the word boundaries (7, 8, 9, 16 bytes), NUL bytes, multi-byte characters
LONG_TEXT = st.text(
    alphabet=st.sampled_from(["a", "b", "\x00", "é", "\u4e2d", "\U0001f600", "9"]), max_size=20
)


def _decoded(codes: np.ndarray, cats: np.ndarray) -> list[Any]:
    return [None if c < 0 else cats[c] for c in codes.tolist()]


def _twin(values: list[str | None]) -> tuple[list[int], list[str]]:
    """Plain-Python factorisation: sorted distinct values (Python order), codes into them."""
    cats = sorted({v for v in values if v is not None})
    index = {v: i for i, v in enumerate(cats)}
    return [-1 if v is None else index[v] for v in values], cats


@settings(max_examples=250, deadline=None)
@given(
    st.lists(st.one_of(st.none(), LONG_TEXT, TEXT), min_size=1, max_size=60),
    st.sampled_from(["string", "large_string"]),
    st.integers(0, 5),
)
def test_bytes_kernel_matches_python(values: list[str | None], kind: str, start: int) -> None:
    arr = pa.array(values, type=getattr(pa, kind)()).slice(min(start, len(values) - 1))
    got = _bytes_factorize(arr)
    assert got is not None
    codes, cats = _twin(arr.to_pylist())
    assert got.categories.tolist() == cats
    assert got.codes.dtype == np.int32 and got.codes.tolist() == codes
    reference = _arrow_factorize(pa.array(arr.to_pylist(), type=pa.string()))  # pyarrow's path
    np.testing.assert_array_equal(reference.codes, got.codes)


@settings(max_examples=150, deadline=None)
@given(st.lists(SHORT, min_size=1, max_size=40))
def test_sort_keys_are_the_packed_bytes(values: list[str]) -> None:
    got = _bytes_factorize(pa.array(values, type=pa.large_string()))
    assert got is not None and got.sort_keys is not None
    expected = [
        int.from_bytes(v.encode().ljust(7, b"\0"), "big") << 8 | len(v.encode())
        for v in got.categories.tolist()
    ]
    assert got.sort_keys.tolist() == expected
    assert got.sort_keys.tolist() == sorted(expected)  # order-keeping
    assert got.take(np.array([0])).sort_keys is got.sort_keys


def test_no_sort_keys_beyond_seven_bytes() -> None:
    got = _bytes_factorize(pa.array(["abcdefgh", "a"]))
    assert got is not None and got.sort_keys is None
    assert got.categories.tolist() == ["a", "abcdefgh"]


def test_very_long_strings_decline() -> None:
    assert _bytes_factorize(pa.array(["x" * 65, "y"])) is None
    cat = _arrow_factorize(pa.array(["x" * 65, "y", "x" * 65] * 100_000))  # the fallback
    assert cat.categories.tolist() == ["x" * 65, "y"] and cat.codes[:3].tolist() == [0, 1, 0]


def test_group_hashes_matches_a_dict() -> None:
    rng = np.random.default_rng(7)
    distinct = rng.integers(0, 2**64, size=3000, dtype=np.uint64)
    distinct[:500] &= np.uint64(0xFFFF)  # equal leading bits: every one clashes in round 0
    h = distinct[rng.integers(0, distinct.size, size=20_000)]
    grouped = _strings.group_hashes(h)
    ids, used, first, space = grouped.ids, grouped.used, grouped.first, grouped.space
    assert first is not None
    groups: dict[int, int] = {}  # the twin: hash -> id of its first row
    for row, value in enumerate(h.tolist()):
        groups.setdefault(value, int(ids[row]))
        assert ids[row] == groups[value]  # equal hashes, one id
    assert len(set(groups.values())) == len(groups)  # different hashes, different ids
    assert sorted(used.tolist()) == sorted(groups.values()) and used.max() < space
    np.testing.assert_array_equal(ids[first], used)  # each first row is in its group
    np.testing.assert_array_equal(h[first], grouped.hashes)  # and has the group's hash


def test_many_rows_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_strings, "_CHUNK", 4096)  # many chunks, the distinct-count estimate
    rng = np.random.default_rng(3)
    words = np.array([f"id{i:05d}" for i in range(40_000)] + ["a", "b" * 30])
    values = words[rng.integers(0, words.size, size=100_000)]
    got = _bytes_factorize(pa.array(values.tolist(), type=pa.large_string()))
    assert got is not None
    cats, inverse = np.unique(values, return_inverse=True)
    assert got.categories.tolist() == cats.tolist()
    np.testing.assert_array_equal(got.codes, inverse)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(LONG_TEXT, TEXT), min_size=1, max_size=60, unique=True),
    st.sampled_from(["string", "large_string", "string_view"]),
    st.booleans(),
)
def test_distinct_strings_are_sorted_not_hashed(values: list[str], kind: str, repeat: bool) -> None:
    """``distinct=True`` (the categories of a Polars categorical): the strings are sorted, never
    hashed, and give the codes of the general path; a caller that is wrong (a repeated value)
    still gets the right codes, through the hashing path."""
    if repeat:
        values = [*values, values[len(values) // 2]]
    arr = pa.array(values, type=getattr(pa, kind)())
    hashed: list[int] = []  # (the general path: hashed, or sorted with the row numbers)
    real, real_sorting = _strings.group_hashes, _strings._by_sorting

    def spy(h: np.ndarray, **kwargs: Any) -> Any:
        hashed.append(h.size)
        return real(h, **kwargs)

    def sorting_spy(*args: Any, **kwargs: Any) -> Any:
        hashed.append(args[2])
        return real_sorting(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_strings, "group_hashes", spy)
        mp.setattr(_strings, "_by_sorting", sorting_spy)
        got = _bytes_factorize(arr, distinct=True)
    if got is None:  # (strings beyond 64 bytes: the kernel declines either way)
        assert _bytes_factorize(arr) is None
        return
    codes, cats = _twin(values)
    assert got.categories.tolist() == cats
    assert got.codes.dtype == np.int32 and got.codes.tolist() == codes
    general = _bytes_factorize(arr)
    assert general is not None
    np.testing.assert_array_equal(got.codes, general.codes)
    if general.sort_keys is None:
        assert got.sort_keys is None
    else:
        np.testing.assert_array_equal(got.sort_keys, general.sort_keys)
    # grouped only when the strings were not distinct after all; a repeated blank among
    # strings of several words in Arrow's layout (not inline views) is set apart before
    _, data, starts, ends = string_buffers(pa.array(values, type=pa.large_string()))
    words = _words.byte_words(data, starts, ends)
    several = words is not None and words.n_words > 1 and not words.one_length
    inline = kind == "string_view" and max(len(v.encode()) for v in values) <= 12
    blank_apart = values[-1] == "" and several and not inline
    assert bool(hashed) == (repeat and not blank_apart)


def test_hash_collisions_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def constant(word: Any, n_words: int, n: int) -> np.ndarray:  # every string: one hash
        return np.zeros(n, dtype=np.uint64)

    monkeypatch.setattr(_strings, "_hash_words", constant)
    values = ["a longer key", "ANOTHER KEY ~#", "a longer key"]  # (too varied to be packed)
    assert _bytes_factorize(pa.array(values)) is None  # the word-by-word check catches it
    monkeypatch.setattr(_factorize, "HASH_FACTORIZE_MIN_ROWS", 0)
    out = _native_factorize(pl.Series(values), "polars")  # and the fallback is right
    assert out.categories.tolist() == ["ANOTHER KEY ~#", "a longer key"]
    assert out.codes.tolist() == [1, 0, 1]


def test_dictionary_reused_without_unused_repeated_or_null_entries() -> None:
    dictionary = pa.array(["b", "unused", "a", "b", None], type=pa.string())
    indices = pa.array([0, 2, None, 3, 4, 0], type=pa.int32())
    cat = _dictionary_factorize(pa.DictionaryArray.from_arrays(indices, dictionary))
    assert cat.categories.tolist() == ["a", "b"]
    assert cat.codes.tolist() == [1, 0, -1, 1, -1, 1]


@settings(max_examples=100, deadline=None)
@given(st.lists(SHORT, min_size=1, max_size=30), st.lists(SHORT, min_size=1, max_size=30))
def test_merge_by_sort_keys_equals_merge_by_lookup(a: list[str], b: list[str]) -> None:
    ca = _bytes_factorize(pa.array(a, type=pa.large_string()))
    cb = _bytes_factorize(pa.array(b, type=pa.large_string()))
    assert ca is not None and cb is not None and ca.sort_keys is not None
    keyed = _merge_keys(
        _Keys(ca.codes.astype(np.int64), ca.categories, ca.sort_keys),
        _Keys(cb.codes.astype(np.int64), cb.categories, cb.sort_keys),
    )
    plain = _merge_keys(
        _Keys(ca.codes.astype(np.int64), ca.categories),
        _Keys(cb.codes.astype(np.int64), cb.categories),
    )
    for x, y in zip(keyed, plain, strict=True):
        assert x.tolist() == y.tolist()
    union = keyed[0].tolist()
    assert union == sorted(set(a) | set(b))
    assert [union[c] for c in keyed[1]] == a and [union[c] for c in keyed[2]] == b


@pytest.mark.parametrize("threshold", [0, 10**9])
def test_journeys_same_through_every_factorisation(
    monkeypatch: pytest.MonkeyPatch, constructor: Any, threshold: int
) -> None:
    ref = journeys_content(Journeys.build(TOUCHES, CONVERSIONS))
    monkeypatch.setattr(_factorize, "HASH_FACTORIZE_MIN_ROWS", threshold)
    got = journeys_content(Journeys.build(constructor(TOUCHES), constructor(CONVERSIONS)))
    assert got == ref


def test_pandas_arrow_strings_use_the_bytes_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    pd = pytest.importorskip("pandas")
    calls: list[int] = []
    real = _factorize._bytes_factorize

    def spy(arr: Any) -> Any:
        calls.append(len(arr))
        return real(arr)

    monkeypatch.setattr(_factorize, "HASH_FACTORIZE_MIN_ROWS", 0)
    monkeypatch.setattr(_factorize, "_bytes_factorize", spy)
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


def test_lookup_of_a_float_of_2_pow_53_finds_no_integer() -> None:
    # 2.0**53 is also 2**53 + 1 rounded: no exact integer, so it finds neither
    hay = np.array([2**53, 2**53 + 1, 7], dtype=np.int64)
    pos, found = lookup(hay, np.array([2.0**53, 7.0, 2.0**53 - 1]))
    assert pos.tolist() == [-1, 2, -1] and found.tolist() == [False, True, False]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(SHORT, min_size=1, max_size=30, unique=True),
    st.lists(st.integers(0, 40), max_size=40),
    st.sampled_from(["same", "equal", "swapped", "other"]),
)
def test_lookup_of_a_categorical_like_a_dict(
    hay_values: list[str], picks: list[int], how: str
) -> None:
    """A :class:`Categorical` is looked up through its categories; when they are the haystack
    itself (the same array, or equal strings in the same order), its codes are the positions.
    Haystacks that differ in order or in one value go the hashing way: a dict is the oracle."""
    from alignment._columns import Categorical

    hay = np.array(sorted(hay_values), dtype=object)
    if how == "same":
        cats = hay
    elif how == "equal":
        cats = np.array([str(v) + "" for v in hay.tolist()], dtype=object)
    elif how == "swapped":
        cats = hay[::-1].copy()  # (not sorted: the shortcut must not take it)
    else:
        cats = np.array([*hay.tolist()[:-1], hay[-1] + "!"], dtype=object)
    codes = np.array([p if p < cats.size else -1 for p in picks], dtype=np.int32)
    pos, found = lookup(hay, Categorical(codes, cats))
    index = {v: i for i, v in enumerate(hay.tolist())}
    expected = [index.get(cats[c], -1) if c >= 0 else -1 for c in codes.tolist()]
    assert pos.dtype == np.int64
    assert pos.tolist() == expected
    assert found.tolist() == [e >= 0 for e in expected]


def test_lookup_of_a_categorical_of_the_haystack_hashes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Categories equal to the haystack (a bundle's persons and their touches' ids) are found
    by comparing them, not by hashing."""
    from alignment._columns import Categorical

    hay = np.array([f"L{i:05d}" for i in range(100_000)], dtype=object)
    cats = np.array([f"L{i:05d}" for i in range(100_000)], dtype=object)  # (other objects)
    codes = np.array([5, 99_999, -1, 0, 5], dtype=np.int32)
    monkeypatch.setattr(pa, "array", lambda *a, **k: pytest.fail("hashed the strings"))
    pos, found = lookup(hay, Categorical(codes, cats))
    assert pos.tolist() == [5, 99_999, -1, 0, 5]
    assert found.tolist() == [True, True, False, True, True]


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=40))
def test_unicode_arrays_factorise_like_python(values: list[str]) -> None:
    from alignment._frames import factorize

    arr = np.array(values)  # numpy unicode, NUL-padded cells (three code points per word)
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
        cat = _arrow_factorize(arr)
        assert cat.categories.tolist() == ["a", "b"] and cat.codes.tolist() == [1, 0, 1, -1]


def test_sort_keys_on_the_dictionary_path_too() -> None:
    few = pa.array(["b", "a", "b", None, "ccc"] * 10)  # (few categories: pyarrow's encoding)
    cat = _arrow_factorize(few)
    assert cat.categories.tolist() == ["a", "b", "ccc"]
    many = _bytes_factorize(pa.array(["ccc", "a", "b"]))
    assert many is not None and cat.sort_keys is not None
    assert cat.sort_keys.tolist() == many.sort_keys.tolist()  # one layout for every path
    ints = _arrow_factorize(pa.array([3, 1, 3]).dictionary_encode())
    assert ints.sort_keys is None  # (not strings: no text layout)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), LONG_TEXT, TEXT), min_size=1, max_size=50), st.integers(0, 5))
def test_string_views_read_in_place_match_python(values: list[str | None], start: int) -> None:
    if not hasattr(pl, "CompatLevel"):
        pytest.skip("this Polars has no string views")
    series = pl.Series(values, dtype=pl.String).slice(min(start, len(values) - 1))
    got = _bytes_factorize(series.to_arrow(compat_level=pl.CompatLevel.newest()))
    assert got is not None
    codes, cats = _twin(series.to_list())
    assert got.categories.tolist() == cats and got.codes.tolist() == codes
    plain = _bytes_factorize(series.to_arrow())  # Arrow's offsets layout: the same sort keys
    assert plain is not None
    same = got.sort_keys is None and plain.sort_keys is None
    assert same or np.array_equal(got.sort_keys, plain.sort_keys)


@pytest.mark.parametrize("backend", ["dict", "pandas", "polars", "pyarrow"])
def test_frames_from_codes_equal_frames_from_strings(backend: str) -> None:
    from alignment._columns import Categorical
    from alignment._frames import to_native

    cat = Categorical(np.array([1, -1, 0, 1], dtype=np.int32), np.array(["a", "b"], dtype=object))
    from_codes = to_native({"c": cat, "x": np.arange(4)}, backend)
    from_strings = to_native({"c": cat.values(), "x": np.arange(4)}, backend)
    if backend == "dict":
        assert from_codes["c"].tolist() == ["b", None, "a", "b"] == from_strings["c"].tolist()
    else:
        assert from_codes.equals(from_strings)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), TEXT, st.just("")), min_size=0, max_size=40))
def test_polars_columns_of_few_values_factorised_by_polars(values: list[str | None]) -> None:
    from alignment._factorize import _polars_categorical

    got = _polars_categorical(pl.Series(values, dtype=pl.String))
    codes, cats = _twin(values)
    assert got.categories.tolist() == cats and got.codes.tolist() == codes
    assert got.codes.dtype == np.int32


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            # (at most 12 bytes: the strings a view holds inline; "é" is two)
            st.text(alphabet="ab0é\x00", max_size=7).filter(lambda s: len(s.encode()) <= 12),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_polars_short_strings_factorised_in_their_views(values: list[str | None]) -> None:
    """With pyarrow loaded, a Polars column of strings of at most 12 bytes is factorised in
    place from its string views (no Polars categorical, no copy); the codes are Python's."""
    calls: list[Any] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_factorize, "_polars_categorical", lambda *a: calls.append(a))
        mp.setattr(_factorize, "_arrow_factorize", lambda *a: calls.append(a))
        got = _factorize._native_factorize(pl.Series(values, dtype=pl.String), "polars")
    assert not calls  # (neither Polars' categorical nor the Arrow paths)
    codes, cats = _twin(values)
    assert got.categories.tolist() == cats and got.codes.tolist() == codes


def test_polars_few_long_strings_hashed_by_pyarrow_when_it_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Channel names past 12 bytes (``"organic_search"``), few of them: with pyarrow loaded,
    hashed by pyarrow in one thread (Polars' own categorical would use its thread pool beside
    the other columns' kernels); the codes are Python's either way."""
    values = ["organic_search", "email", None, "social_organic", "email"] * 40
    monkeypatch.setattr(_factorize, "_polars_categorical", lambda *a: pytest.fail("Polars'"))
    got = _factorize._native_factorize(pl.Series(values, dtype=pl.String), "polars")
    codes, cats = _twin(values)
    assert got.categories.tolist() == cats and got.codes.tolist() == codes


def test_polars_long_strings_declined_by_the_views_from_their_first_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Strings past 12 bytes in the first rows: the view path declines without reading the
    rest (the words of the views are never asked for), and the column is factorised by the
    other paths, as Python would."""
    values = ["a string of many bytes", "b"] * 50
    arrow = pl.Series(values).to_arrow(compat_level=pl.CompatLevel.newest())
    monkeypatch.setattr(_factorize, "view_words", lambda *a: pytest.fail("views read"))
    assert _factorize._view_factorize(arrow) is None
    got = _factorize._native_factorize(pl.Series(values), "polars")
    codes, cats = _twin(values)
    assert got.categories.tolist() == cats and got.codes.tolist() == codes


def test_polars_input_with_integer_ids_imports_neither_pyarrow_nor_pandas() -> None:
    import subprocess
    import sys

    code = """
import sys, numpy as np, polars as pl, alignment
n = 300
touches = pl.DataFrame({"lead_id": np.arange(n) % 50, "channel": ["email", "ads", "seo"] * 100,
    "timestamp": pl.Series(np.arange(n) * 10**9, dtype=pl.Datetime("ns", "UTC"))})
conv = pl.DataFrame({"lead_id": [1, 2], "revenue": [10.0, 5.0],
    "converted_at": pl.Series([10**13, 10**13], dtype=pl.Datetime("ns", "UTC"))})
result = alignment.attribute(touches, conv, model="linear")
assert abs(sum(result.totals().values()) - 15.0) < 1e-9
print(sorted(m for m in ("pyarrow", "pandas") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"  # (each costs a quarter of a second on a first call)


def test_split_passes_give_the_same_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hashing, the clash check and the codes split over two threads: the same result."""
    from alignment import _parallel

    rng = np.random.default_rng(5)
    words = np.array([f"k{i}" for i in range(3000)] + ["a much longer key number 1", ""])
    values = words[rng.integers(0, words.size, size=50_000)].tolist()
    arr = pa.array(values, type=pa.large_string())
    alone = _bytes_factorize(arr)
    monkeypatch.setenv(_parallel.ENV_VAR, "2")
    monkeypatch.setattr(_parallel, "SPLIT_MIN_ROWS", 1)
    monkeypatch.setattr(_strings, "_CHUNK", 4096)  # several chunks per half
    monkeypatch.setattr(_words, "_CHUNK", 4096)  # (and of the words read)
    split = _bytes_factorize(arr)
    assert alone is not None and split is not None
    codes, cats = _twin(values)
    assert split.categories.tolist() == cats and split.codes.tolist() == codes
    np.testing.assert_array_equal(split.codes, alone.codes)


@pytest.mark.parametrize("threads", ["1", "2"])
def test_short_keys_decoded_aside_and_scattered_by_two(
    monkeypatch: pytest.MonkeyPatch, threads: str
) -> None:
    """Short keys (one word each): the table written by two threads, the text made on a helper
    thread while the codes are ranked; the same codes and categories as Python's."""
    from alignment import _parallel

    rng = np.random.default_rng(11)
    words = np.array([f"L{i}" for i in range(5000)] + ["", "é", "Z9"])
    values = words[rng.integers(0, words.size, size=40_000)].tolist()
    monkeypatch.setenv(_parallel.ENV_VAR, threads)
    monkeypatch.setattr(_parallel, "SPLIT_MIN_ROWS", 1)
    monkeypatch.setattr(_strings, "_CHUNK", 4096)  # several chunks per half
    monkeypatch.setattr(_words, "_CHUNK", 4096)  # (and of the words read)
    monkeypatch.setattr(_strings, "ASIDE", 16)
    codes, cats = _twin(values)
    for arr in (pa.array(values, type=pa.large_string()), pa.array(values, type=pa.string())):
        got = _bytes_factorize(arr)
        assert got is not None and got.sort_keys is not None
        assert got.categories.tolist() == cats and got.codes.tolist() == codes
    ints = rng.integers(-(10**12), 10**12, size=300)[rng.integers(0, 300, size=20_000)]
    int_codes, uniq = _factorize.factorize_ints(ints)
    np.testing.assert_array_equal(uniq[int_codes], ints)
    np.testing.assert_array_equal(uniq, np.unique(ints))


@settings(max_examples=120, deadline=None)
@given(
    prefix=st.sampled_from(["", "00Q5g00000", "contact-2024-", "\x00\x00\x00\x00\x00\x00\x00\x00"]),
    tails=st.lists(st.text(alphabet="0aZé\x00", max_size=12), min_size=1, max_size=40),
    picks=st.lists(st.integers(0, 39), min_size=1, max_size=300),
    threads=st.sampled_from(["1", "2"]),
)
def test_long_keys_sharing_a_prefix_match_python(
    prefix: str, tails: list[str], picks: list[int], threads: str
) -> None:
    """Keys of several words that share a prefix (as CRM ids do: words the same for every key
    are left out of the sort and checked against one value): Python's codes and categories,
    with the row check done a block at a time over one or two threads."""
    from alignment import _parallel

    values = [prefix + tails[p % len(tails)] for p in picks]
    codes, cats = _twin(values)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(_parallel.ENV_VAR, threads)
        mp.setattr(_parallel, "SPLIT_MIN_ROWS", 1)
        mp.setattr(_strings, "_BLOCK", 16)  # several blocks per thread
        mp.setattr(_spans, "_BLOCK", 16)
        got = _bytes_factorize(pa.array(values, type=pa.large_string()))
    assert got is not None
    assert got.categories.tolist() == cats and got.codes.tolist() == codes


@pytest.mark.parametrize("threads", ["1", "2"])
def test_collision_in_a_late_block_is_caught(monkeypatch: pytest.MonkeyPatch, threads: str) -> None:
    """Two different long keys sharing a hash, the second in one of the last rows only (its
    group's row is the last row written: the first key), so only the last block (on the
    calling thread when split) sees it: the check finds it and the caller falls back."""
    from alignment import _parallel

    def by_prefix(word: Any, n_words: int, n: int) -> np.ndarray:  # hash of the first word only
        return _strings._mix(word(0, None))

    monkeypatch.setattr(_strings, "_hash_words", by_prefix)
    monkeypatch.setattr(_strings, "sampled_spans", lambda *_, **__: None)  # (the word-by-word path)
    monkeypatch.setenv(_parallel.ENV_VAR, threads)
    monkeypatch.setattr(_parallel, "SPLIT_MIN_ROWS", 1)
    monkeypatch.setattr(_strings, "_BLOCK", 64)
    values = ["00Q5g00000AAAAAAA"] * 5000 + ["00Q5g00000zzzzzzz", "00Q5g00000AAAAAAA"]
    assert _bytes_factorize(pa.array(values, type=pa.large_string())) is None
    monkeypatch.setattr(_factorize, "HASH_FACTORIZE_MIN_ROWS", 0)
    out = _native_factorize(pl.Series(values), "polars")
    codes, cats = _twin(values)
    assert out.categories.tolist() == cats and out.codes.tolist() == codes


@settings(max_examples=150, deadline=None)
@given(
    width=st.integers(1, 30),
    cells=st.lists(st.binary(min_size=30, max_size=30), min_size=1, max_size=60),
    cut=st.integers(0, 3),
    data=st.data(),
)
def test_fixed_width_words_read_in_place_equal_the_gathered_words(
    width: int, cells: list[bytes], cut: int, data: Any
) -> None:
    """Strings of one byte length that follow one another (CRM ids of one format) have their
    words read at a fixed stride: the same words as the general gather, for every row, every
    slice of rows (the last rows' windows near the buffer's end) and rows picked by index."""
    from alignment._words import byte_words

    values = [c[:width] for c in cells]
    arr = pa.array(values, type=pa.large_binary()).slice(cut if cut < len(values) else 0)
    bufs = arr.buffers()  # (Arrow's layout, as _string_buffers reads text)
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    arrow = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.empty(0, np.uint8)
    # Arrow's buffer, and one that ends with the last string (its last windows pass the end)
    exact = np.frombuffer(b"".join(values[cut:] or values), dtype=np.uint8)
    n = len(arr)
    bounds = np.arange(n + 1, dtype=np.int64) * width
    for buf, starts, ends in ((arrow, offsets[:-1], offsets[1:]), (exact, bounds[:-1], bounds[1:])):
        assert _words._fixed_width(starts, ends, width) == (n >= 2)  # (the path tested)
        fixed = byte_words(buf, starts, ends)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(_words, "_fixed_width", lambda *_: False)
            general = byte_words(buf, starts, ends)
        assert fixed is not None and general is not None
        assert fixed.canonical == general.canonical
        if n >= 2 and not fixed.canonical:  # (one length: no length word, whatever the bytes)
            assert fixed.one_length == width and not fixed.length_word
        assert fixed.n_words == general.n_words - int(general.length_word and not fixed.length_word)
        lo = data.draw(st.integers(0, n))
        hi = data.draw(st.integers(lo, n))
        picked = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=5)), dtype=np.int64)
        for i in range(fixed.n_words):
            for rows in (None, slice(lo, hi), picked):
                np.testing.assert_array_equal(fixed.word(i, rows), general.word(i, rows))


@settings(max_examples=200, deadline=None)
@given(
    n_words=st.integers(1, 4),
    masks=st.lists(  # (narrow varying spans: packed; wide or many: sorted word by word)
        st.one_of(
            st.tuples(st.integers(0, 2**24 - 1), st.integers(0, 40)).map(lambda t: t[0] << t[1]),
            st.integers(0, 2**64 - 1),
        ),
        min_size=4,
        max_size=4,
    ),
    base=st.lists(st.integers(0, 2**64 - 1), min_size=4, max_size=4),
    raw=st.lists(st.lists(st.integers(0, 2**64 - 1), min_size=4, max_size=4), max_size=40),
)
def test_word_order_is_the_order_of_the_word_tuples(
    n_words: int, masks: list[int], base: list[int], raw: list[list[int]]
) -> None:
    """Distinct strings sorted by the bits that vary between them (shared words left out,
    varying spans packed into one word when they fit in 64 bits, else one word after the
    other): the order of their word tuples compared as Python integers."""
    # each word: a shared base with some bits (the mask's) varying between the strings
    tuples = sorted(
        {tuple((base[i] & ~masks[i]) | (r[i] & masks[i]) for i in range(n_words)) for r in raw}
    )
    rng = np.random.default_rng(len(tuples))
    shuffled = [tuples[j] for j in rng.permutation(len(tuples))]
    keys = [np.array([t[i] for t in shuffled], dtype=np.uint64) for i in range(n_words)]
    order = _strings._word_order(keys)
    assert [shuffled[j] for j in order] == tuples


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.sampled_from(["00Q5g", "00Q5g0000", "contact-", "ABCDEFGHIJKLMNOPQRSTUVW"]),
    tails=st.lists(st.text(alphabet="0123456789", min_size=6, max_size=6), min_size=1, max_size=30),
    picks=st.lists(st.integers(0, 29), min_size=1, max_size=200),
    threads=st.sampled_from(["1", "2"]),
)
def test_narrow_keys_packed_into_one_word_match_python(
    prefix: str, tails: list[str], picks: list[int], threads: str
) -> None:
    """Long keys of one length that differ in a few bits (a shared prefix, then digits): the
    bits that vary are packed into one word (the path is checked), and the codes and
    categories are Python's."""
    from alignment import _parallel

    values = [prefix + tails[p % len(tails)] for p in picks]
    spans: list[Any] = []
    real = _strings.sampled_spans

    def spy(*args: Any, **kwargs: Any) -> Any:
        spans.append(real(*args, **kwargs))
        return spans[-1]

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(_parallel.ENV_VAR, threads)
        mp.setattr(_parallel, "SPLIT_MIN_ROWS", 1)
        mp.setattr(_strings, "_BLOCK", 8)  # the first block, then every row over two threads
        mp.setattr(_spans, "_BLOCK", 8)
        mp.setattr(_spans, "_SAMPLE_ROWS", 2)  # (a sample that may miss bits: rows checked)
        mp.setattr(_strings, "sampled_spans", spy)
        got = _bytes_factorize(pa.array(values, type=pa.large_string()))
    codes, cats = _twin(values)
    assert got is not None
    assert got.categories.tolist() == cats and got.codes.tolist() == codes
    assert spans and spans[0] is not None  # (digits after a shared prefix: at most 64 bits)


@settings(max_examples=120, deadline=None)
@example(prefix="", tails=["", "0"], picks=[0, 1], layout="large_string", distinct=False)
@given(
    prefix=st.sampled_from(["", "00Q5g00000", "\x00\x00", "é-"]),
    tails=st.lists(st.text(alphabet="0aZé\x00", max_size=9), min_size=1, max_size=30),
    picks=st.lists(st.integers(0, 29), min_size=1, max_size=200),
    layout=st.sampled_from(["large_string", "string", "string_view"]),
    distinct=st.booleans(),
)
def test_text_made_from_the_words_when_one_word_holds_each_string(
    prefix: str, tails: list[str], picks: list[int], layout: str, distinct: bool
) -> None:
    """Strings in one word each (their own word of 8 bytes, or several words packed into one)
    get their text from the distinct words, unpacked: no row of each is looked for.  The codes
    and categories are Python's, with NUL bytes, several lengths and multi-byte characters, in
    Arrow's layout and in string views; the distinct strings sorted rather than hashed too."""
    values = [prefix + tails[p % len(tails)] for p in picks]
    if distinct:
        values = list(dict.fromkeys(values))
    found: list[Any] = []
    spans: list[Any] = []
    counted: list[Any] = []
    real, real_spans = _strings.factorize_words, _strings.narrow_spans
    real_sampled = _strings.sampled_spans
    real_counted = _factorize.factorize_numbered

    def spy(*args: Any, **kwargs: Any) -> Any:
        found.append(real(*args, **kwargs))
        return found[-1]

    def spy_counted(*args: Any) -> Any:
        counted.append(real_counted(*args))
        return counted[-1]

    def spy_spans(*args: Any, **kwargs: Any) -> Any:
        spans.append(real_spans(*args, **kwargs))
        return spans[-1]

    def spy_sampled(*args: Any, **kwargs: Any) -> Any:  # (a sample's spans: the last word …)
        spans.append(real_sampled(*args, **kwargs))
        return spans[-1]

    arr = pa.array(values, type=getattr(pa, layout)())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_factorize, "factorize_words", spy)
        mp.setattr(_factorize, "factorize_numbered", spy_counted)
        mp.setattr(_strings, "narrow_spans", spy_spans)
        mp.setattr(_strings, "sampled_spans", spy_sampled)
        got = (
            _factorize._view_factorize(arr, distinct=distinct)
            if layout == "string_view"
            else _bytes_factorize(arr, distinct=distinct)
        )
    if got is None:  # (string views longer than 12 bytes are not read in place)
        assert layout == "string_view" and max(len(v.encode()) for v in values) > 12
        return
    codes, cats = _twin(values)
    assert got.categories.tolist() == cats and got.codes.tolist() == codes
    if counted and counted[-1] is not None:  # numbered ids ("", "0" …): counted, from words
        assert not found and counted[-1].rows is None
        return
    assert found and found[-1] is not None
    one_word = not spans or spans[-1] is not None  # (its own word, or several packed)
    assert (found[-1].rows is None) == one_word  # one word: the text came from the words


def test_keys_that_vary_in_more_than_64_bits_are_not_packed() -> None:
    """E-mails, UUIDs: the first block already varies too much, and a key varying only in a
    later block is caught by the scan of every row; both sorted word by word, as Python."""
    import uuid

    rng = np.random.default_rng(2)
    uuids = [str(uuid.UUID(int=int(x))) for x in rng.integers(0, 2**62, size=300)]
    words = _words.byte_words(*_factorize.string_buffers(pa.array(uuids))[1:])
    assert words is not None and _strings.narrow_spans(words.word, words.n_words, 300) is None
    late = ["contact-0000000001"] * (_spans._BLOCK + 5) + ["zz-a-very-different-key-999"]
    words = _words.byte_words(*_factorize.string_buffers(pa.array(late))[1:])
    assert words is not None
    assert _strings.narrow_spans(words.word, words.n_words, len(late)) is None
    for values in (uuids, late):
        got = _bytes_factorize(pa.array(values, type=pa.large_string()))
        codes, cats = _twin(values)
        assert got is not None
        assert got.categories.tolist() == cats and got.codes.tolist() == codes


@settings(max_examples=150, deadline=None)
@given(
    width=st.integers(8, 30),
    texts=st.lists(st.text(alphabet="\x00a\x01zé", min_size=30, max_size=30), min_size=2),
    picks=st.lists(st.integers(0, 1000), min_size=2, max_size=120),
)
def test_strings_of_one_length_with_zero_bytes_need_no_length_word(
    width: int, texts: list[str], picks: list[int]
) -> None:
    """Strings that all have one byte length are told apart by their bytes alone, zero bytes
    (inside and at the end) included: no length word is read, and the text made from the
    words has every byte (its length is the one length)."""
    cells = [t.encode()[:width] for t in texts]
    cells = [c for c in cells if len(c) == width and c.decode("utf-8", "ignore").encode() == c]
    if len(cells) < 2:
        return
    values = [cells[p % len(cells)].decode() for p in picks]
    words = _words.byte_words(*_factorize.string_buffers(pa.array(values))[1:])
    assert words is not None and not words.length_word and words.one_length == width
    got = _bytes_factorize(pa.array(values, type=pa.large_string()))
    codes, cats = _twin(values)
    assert got is not None
    assert got.categories.tolist() == cats and got.codes.tolist() == codes
