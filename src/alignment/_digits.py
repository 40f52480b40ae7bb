"""Sorted codes of short numbered strings (``"L123"``, ``"004711"``) by counting, not hashing.

Ids of one format often differ only in their digits: a fixed prefix and a number, padded with
zeros or not.  Read as canonical words (:mod:`._words`: at most 7 UTF-8 bytes, big-endian, zero
padded, the length in the last byte), the bytes that vary between such strings each hold a digit
or the padding after a shorter string.  Numbering a byte's values 0 (padding), 1 (``"0"``) …
10 (``"9"``), reading the varying bytes as one number in base 11 and the length as its last
digit gives each string a number that keeps the strings' order and tells them apart (the other
bytes are the same in every string).  When those numbers lie in a range below four times the
number of rows, the codes come from a table of that size, as for dense integer keys: mark each
row's number, count, gather.  No hash, no comparison sort.

The byte arithmetic works on all eight bytes of a word at once (SIMD within a register), a block
of rows at a time, the blocks split over two threads.  Anything else (a byte that is not a digit,
a range too wide) declines with ``None``: the caller hashes (:func:`._strings.factorize_words`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._parallel import run_both, split_rows, threads_on
from ._strings import ASIDE, Decoder, Factorized, ranked_codes
from ._words import WordFn

__all__ = ["factorize_numbered"]

_BLOCK = 1 << 17  # rows per block (larger blocks: fewer hand-overs of the GIL between threads)
_SLACK = 1024  # the counting table may have 4 n + _SLACK entries (as for dense integer keys)
_ONES = np.uint64(0x0101010101010101)
_HIGH = np.uint64(0x8080808080808080)
_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_BYTE = np.uint64(0xFF)
_U7 = np.uint64(7)
#: base 11 from the bytes up: pairs of bytes, pairs of those, the two halves
_MERGE = (
    (np.uint64(0x00FF00FF00FF00FF), np.uint64(8), np.uint64(11)),
    (np.uint64(0x0000FFFF0000FFFF), np.uint64(16), np.uint64(11**2)),
    (np.uint64(0x00000000FFFFFFFF), np.uint64(32), np.uint64(11**4)),
)


class _Layout(NamedTuple):
    """Where the digits are: bytes ``low … high`` of the word (byte 0 holds the length), and
    the bytes every string shares."""

    low: int
    high: int
    shared: np.uint64

    @property
    def size(self) -> int:
        """How many numbers the layout can give (the size of the counting table)."""
        return int(11 ** (self.high - self.low + 1))


def _layout(ref: np.uint64, varying: int) -> _Layout | None:
    """The layout of strings whose bits differ from ``ref`` in ``varying``; ``None`` when no
    byte of the text varies (the hashing path makes one code at once)."""
    content = varying >> 8
    if not content:
        return None
    low = ((content & -content).bit_length() - 1) // 8 + 1
    high = (content.bit_length() - 1) // 8 + 1
    digits = ((1 << (8 * (high - low + 1))) - 1) << (8 * low)
    return _Layout(low, high, np.uint64(int(ref) & ~digits & ~0xFF))


def _nonzero(w: np.ndarray) -> np.ndarray:
    """The high bit of each byte of ``w`` that is not zero (the others clear)."""
    out: np.ndarray = w & _LOW7
    out += _LOW7
    out |= w
    out &= _HIGH
    return out


def _count(high_bits: np.ndarray) -> np.ndarray:
    """The number of bytes whose high bit is set (the others clear): one in each, summed into
    the top byte by one multiplication."""
    out: np.ndarray = high_bits >> _U7
    out *= _ONES
    out >>= np.uint64(56)
    return out


def _numbers(w: np.ndarray, lay: _Layout, out: np.ndarray) -> bool:
    """Each word's number under ``lay`` into ``out``; ``False`` if a digit byte holds anything
    but a digit or padding, or a string holds a zero byte (its length would not follow from
    its bytes).  ``w`` is overwritten."""
    nonzero = _nonzero(w)
    nonzero &= ~_BYTE  # (the length byte apart)
    if not np.array_equal(_count(nonzero), w & _BYTE):
        return False
    low, digits = np.uint64(8 * lay.low), np.uint64((1 << (8 * (lay.high - lay.low + 1))) - 1)
    w >>= low  # the digit bytes, the last one lowest
    w &= digits
    nonzero >>= low + _U7  # (one in each digit byte that is not zero)
    nonzero &= digits
    w ^= nonzero * np.uint64(0x30)  # "0" … "9" to 0 … 9 (any other byte: 10 or more)
    big = w & _LOW7
    big += _ONES * np.uint64(0x76)
    big |= w
    big &= _HIGH
    big &= nonzero << _U7
    if bool(big.any()):
        return False
    w += nonzero  # padding 0, "0" … "9" 1 … 10
    for mask, shift, scale in _MERGE:
        upper = w >> shift
        upper &= mask
        upper *= scale
        w &= mask
        w += upper
    out[...] = w
    return True


def _three_digits() -> np.ndarray:
    """The three digit bytes of each number below 11**3 (the last one lowest)."""
    r = np.arange(11**3, dtype=np.uint64)
    out = np.zeros(r.size, dtype=np.uint64)
    for byte in range(3):
        r, digit = np.divmod(r, np.uint64(11))
        digit += (digit > 0) * np.uint64(0x2F)
        out |= digit << np.uint64(8 * byte)
    return out


_THREE = _three_digits()


def _words(numbers: np.ndarray, lay: _Layout) -> np.ndarray:
    """The canonical words of the strings with the given numbers (the inverse of
    :func:`_numbers`): three digit bytes at a time from a table."""
    q = numbers.astype(np.uint32)
    out = np.zeros(q.size, dtype=np.uint64)
    for shift in (0, 24, 48):  # (numbers below 11**7: three pieces of three digits at most)
        q, piece = np.divmod(q, np.uint32(11**3))
        out |= np.take(_THREE, piece) << np.uint64(shift)
    out <<= np.uint64(8 * lay.low)
    out |= lay.shared
    out |= _count(_nonzero(out))  # the length: the bytes that are not zero
    return out


def _pass(
    word: WordFn, n: int, ref: np.uint64, lay: _Layout, out: np.ndarray, present: np.ndarray
) -> _Layout | None:
    """Fill ``out`` with every row's number and mark it in ``present``; the layout all rows
    have (to try again with) when it is not ``lay``, or ``None`` when a row is not numbered."""
    seen: list[int] = []
    bad: list[int] = []

    def block(lo: int, hi: int) -> None:
        for c0 in range(lo, hi, _BLOCK):
            rows = slice(c0, min(hi, c0 + _BLOCK))
            w = word(0, rows)
            seen.append(int(np.bitwise_or.reduce(w ^ ref)))
            if not _numbers(w, lay, out[rows]):
                bad.append(c0)
                return
            present[out[rows]] = True  # (both threads write True only)

    split_rows(block, n, align=_BLOCK)
    if bad:
        return None
    found = _layout(ref, int(np.bitwise_or.reduce(np.array(seen, dtype=np.uint64))))
    return lay if found is None or found == lay else found


def factorize_numbered(word: WordFn, n: int, decode: Decoder) -> Factorized | None:
    """Sorted codes of ``n`` canonical words (:attr:`._words.Words.canonical`) by counting.

    Returns the same codes, distinct words and text as :func:`._strings.factorize_words`, or
    ``None`` when the strings are not numbered ids in a dense range (see the module).
    """
    if n == 0 or n >= 1 << 29:
        return None
    ref = word(0, slice(0, 1))[0]
    lay = _layout(ref, int(np.bitwise_or.reduce(word(0, slice(0, min(n, _BLOCK))) ^ ref)))
    numbers = np.empty(n, dtype=np.int32)  # (below 4 n + _SLACK: int32 while n < 2**29)
    for _ in range(2):  # (the first block's layout, then, if other rows differ, all rows')
        if lay is None or lay.size >= 4 * n + _SLACK:
            return None
        present = np.zeros(lay.size, dtype=bool)
        found = _pass(word, n, ref, lay, numbers, present)
        if found == lay:
            break
        lay = found
    else:
        return None
    distinct = np.flatnonzero(present)
    del present
    keys = _words(distinct, lay)

    def codes() -> np.ndarray:  # (in place of the numbers)
        return ranked_codes(numbers, distinct, lay.size, n)

    if threads_on() and distinct.size >= ASIDE:  # (text holds the GIL, the gather does not)
        decoded, out = run_both(lambda: decode(keys, None), codes)
    else:
        decoded, out = decode(keys, None), codes()
    return Factorized(out, None, keys, decoded)
