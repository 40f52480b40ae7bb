"""Strings of several words packed into one by the spans of a sample of the rows
(:func:`alignment._strings.sampled_spans`): every row is checked as it is packed, and a row that
varies outside those spans sends the call to the spans of every row, with the same codes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import _parallel, _spans, _strings

pa = pytest.importorskip("pyarrow")

from alignment._factorize import _bytes_factorize  # noqa: E402


def _twin(values: list[str]) -> tuple[list[int], list[str]]:
    cats = sorted(set(values))
    index = {v: i for i, v in enumerate(cats)}
    return [index[v] for v in values], cats


def _spied(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Record what the sampled and the full spans gave."""
    seen: dict[str, list[Any]] = {"sampled": [], "full": []}
    sampled, full = _strings.sampled_spans, _strings.narrow_spans

    def spy_sampled(*args: Any, **kwargs: Any) -> Any:
        seen["sampled"].append(sampled(*args, **kwargs))
        return seen["sampled"][-1]

    def spy_full(*args: Any, **kwargs: Any) -> Any:
        seen["full"].append(full(*args, **kwargs))
        return seen["full"][-1]

    monkeypatch.setattr(_strings, "sampled_spans", spy_sampled)
    monkeypatch.setattr(_strings, "narrow_spans", spy_full)
    return seen


def _small_blocks(monkeypatch: pytest.MonkeyPatch, threads: str) -> None:
    monkeypatch.setenv(_parallel.ENV_VAR, threads)
    monkeypatch.setattr(_parallel, "SPLIT_MIN_ROWS", 1)
    monkeypatch.setattr(_strings, "_BLOCK", 8)
    monkeypatch.setattr(_spans, "_BLOCK", 8)
    monkeypatch.setattr(_spans, "_SAMPLE_ROWS", 2)


@pytest.mark.parametrize("threads", ["1", "2"])
@pytest.mark.parametrize(
    ("usual", "odd"),
    [("AAA", "AAZ"), ("www", "wwa"), ("aaa", "aaw")],  # (bits set and cleared; cleared; set)
)
def test_a_row_outside_the_sampled_spans_sends_the_call_to_every_row(
    monkeypatch: pytest.MonkeyPatch, threads: str, usual: str, odd: str
) -> None:
    """Ids that differ in their last characters, but for one row in the middle (not sampled)
    that differs earlier: the sample's spans miss its bits, the packing finds it (a bit set
    where the others have it clear, or clear where they have it set), and the spans of every
    row take over: the codes and categories are Python's."""
    _small_blocks(monkeypatch, threads)
    seen = _spied(monkeypatch)
    values = [f"00Q5g00000{usual}{i % 97:04d}" for i in range(1000)]
    values[501] = f"00Q5g00000{odd}0001"  # (differs in a byte the sample never saw vary)
    got = _bytes_factorize(pa.array(values, type=pa.large_string()))
    codes, cats = _twin(values)
    assert got is not None
    assert got.categories.tolist() == cats and got.codes.tolist() == codes
    assert seen["sampled"] and seen["sampled"][0] is not None
    assert seen["full"] and seen["full"][0] is not None  # (the full scan ran: still 64 bits)
    full_width = sum(w for _, _, w in seen["full"][0][0])
    assert full_width > sum(w for _, _, w in seen["sampled"][0][0])


@pytest.mark.parametrize("threads", ["1", "2"])
def test_sorted_ids_are_packed_from_the_sample_alone(
    monkeypatch: pytest.MonkeyPatch, threads: str
) -> None:
    """Ids in ascending order (an export sorted by id): the sample's blocks spread over the
    rows, the last ones among them, see the highest varying bits; no row is scanned twice."""
    _small_blocks(monkeypatch, threads)
    seen = _spied(monkeypatch)
    base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    ids = sorted(
        "00Q5g00000" + base62[i // 62 % 62] + base62[i % 62] + "XYZ" for i in range(0, 3000, 7)
    )
    values = [ids[i // 3] for i in range(3 * len(ids))]
    got = _bytes_factorize(pa.array(values, type=pa.large_string()))
    codes, cats = _twin(values)
    assert got is not None
    assert got.categories.tolist() == cats and got.codes.tolist() == codes
    assert seen["sampled"] and seen["sampled"][0] is not None
    assert seen["full"] == []


def test_a_sample_that_varies_too_much_skips_the_full_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """UUIDs vary in more than 64 bits in the sample already: hashed word by word, with no
    scan of every row."""
    import uuid

    seen = _spied(monkeypatch)
    rng = np.random.default_rng(4)
    values = [str(uuid.UUID(int=int(x))) for x in rng.integers(0, 2**62, size=400)]
    got = _bytes_factorize(pa.array(values, type=pa.large_string()))
    codes, cats = _twin(values)
    assert got is not None
    assert got.categories.tolist() == cats and got.codes.tolist() == codes
    assert seen["sampled"] == [None] and seen["full"] == []


@given(
    tails=st.lists(st.text(alphabet="0123456789AZaz", min_size=5, max_size=5), min_size=2),
    stray=st.integers(0, 10_000),
    where=st.integers(0, 10_000),
    threads=st.sampled_from(["1", "2"]),
)
@settings(max_examples=120, deadline=None)
def test_codes_are_pythons_whatever_the_sample_sees(
    tails: list[str], stray: int, where: int, threads: str
) -> None:
    """One row differs from the others anywhere in its bytes, at any place in the rows: the
    codes and categories are Python's, by the sampled spans or by those of every row."""
    values = [f"0063x00000{tails[i % len(tails)]}AAA" for i in range(300)]
    row = where % len(values)
    text = list(values[row])
    text[stray % len(text)] = "~"
    values[row] = "".join(text)
    with pytest.MonkeyPatch.context() as mp:
        _small_blocks(mp, threads)
        got = _bytes_factorize(pa.array(values, type=pa.large_string()))
    codes, cats = _twin(values)
    assert got is not None
    assert got.categories.tolist() == cats and got.codes.tolist() == codes
