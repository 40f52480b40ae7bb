"""A read's working tables hold no more memory than they need: a filter that keeps every row
shares the arrays (no copy), and text columns held as codes use 32-bit codes."""

from __future__ import annotations

import numpy as np

from alignment.io._context import take
from alignment.io._values import CodedText, plain


def _table() -> dict[str, np.ndarray]:
    return {
        "_row": np.arange(5, dtype=np.int64),
        "lead_id": CodedText(np.array([1, 0, -1, 1, 0]), np.array(["a", "b"], dtype=object)),
        "timestamp": np.arange(5).astype("datetime64[us]"),
    }


def test_a_mask_keeping_every_row_shares_the_arrays() -> None:
    t = _table()
    kept = take(t, np.ones(5, dtype=bool))
    assert kept is not t and list(kept) == list(t)
    assert all(kept[k] is t[k] for k in t)


def test_other_masks_and_positions_copy_the_rows() -> None:
    t = _table()
    some = take(t, np.array([True, False, True, True, False]))
    assert some["_row"].tolist() == [0, 2, 3]
    assert plain(some["lead_id"]).tolist() == ["b", None, "b"]
    assert not np.shares_memory(some["_row"], t["_row"])
    moved = take(t, np.array([4, 0], dtype=np.int64))
    assert moved["_row"].tolist() == [4, 0] and plain(moved["lead_id"]).tolist() == ["a", "b"]
    empty = take(t, np.zeros(0, dtype=bool)[:0])
    assert all(v.size == 0 for v in empty.values())


def test_coded_text_keeps_32_bit_codes_through_gathers() -> None:
    col = CodedText(np.array([1, 0, -1, 1], dtype=np.int64), np.array(["a", "b"], dtype=object))
    assert col.codes().dtype == np.int32
    sub = col[np.array([3, 2])]
    assert isinstance(sub, CodedText) and sub.codes().dtype == np.int32
    assert plain(sub).tolist() == ["b", None]
