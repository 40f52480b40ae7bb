"""Packed words: the bits that tell strings of one format apart, in one order-keeping word.

Ids of one format (Salesforce ids of one object and org, numbered codes) share most of their
bytes: the bits that vary between them (their *spans*) often fit in one 64-bit word beside a
row number, which keeps their order (:func:`packed_words`).  :mod:`._strings` sorts those
words instead of hashing the strings; :class:`Packing` finds other strings among them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._parallel import split_rows
from ._sortcodes import MAX_DROPPED_BITS
from ._words import WordFn

__all__ = [
    "MAX_SPANS",
    "Packing",
    "Span",
    "Wider",
    "bit_spans",
    "cut_spans",
    "fit_spans",
    "narrow_spans",
    "packed_words",
    "sampled_spans",
    "stray",
    "unpacked",
]

_BLOCK = 1 << 16  # rows per block of the element-wise passes (their temporaries stay in cache)

Span = tuple[int, int, int]
"""``(word, low, width)``: bits ``low … low + width - 1`` of a word."""


class Wider(Exception):
    """A row varies in bits outside the spans of a sample of the rows (see :func:`packed_words`)."""


_SAMPLE_BLOCKS = 16  # blocks of rows spread over the rows (the last ones among them) ...
_SAMPLE_ROWS = 1 << 12  # ... of this many rows, beside the first block, for the sampled spans


def sampled_spans(
    word: WordFn, n_words: int, n: int, *, fit: int = 64
) -> tuple[list[Span], list[np.ndarray]] | None:
    """:func:`narrow_spans` of a sample of the rows: the first block and
    :data:`_SAMPLE_BLOCKS` small blocks spread over the rest (the last rows among them).  The
    bits that vary in the sample vary in the rows, so ``None`` (too wide) holds for all of
    them; spans that are not, hold only once every row is checked (:func:`packed_words`)."""
    refs = [word(i, slice(0, 1)) for i in range(n_words)]
    ends = np.linspace(min(n, _BLOCK), n, _SAMPLE_BLOCKS).astype(np.int64)
    blocks = [slice(0, min(n, _BLOCK))] + [slice(max(0, e - _SAMPLE_ROWS), e) for e in ends]
    varying = [
        np.bitwise_or.reduce([np.bitwise_or.reduce(word(i, b) ^ refs[i]) for b in blocks])
        for i in range(n_words)  # (over the words: at most MAX_WORDS)
    ]
    spans = fit_spans(varying, fit)
    return None if spans is None else (spans, refs)


def narrow_spans(
    word: WordFn, n_words: int, n: int, *, fit: int = 64
) -> tuple[list[Span], list[np.ndarray]] | None:
    """The spans of bits that vary between the strings, one per word that varies (its highest
    to its lowest varying bit), when they add up to at most 64 bits, and the words of the first
    string (which hold the bits outside the spans); ``None`` otherwise.  Spans wider than
    ``fit`` in all are cut where they hold bits that never vary (:func:`fit_spans`).

    Ids of one format (Salesforce ids of one object and org, numbered codes) share most of
    their bytes: the bits that tell them apart then fit in one word, which keeps their order
    (:func:`packed_words`).  Every row is read, over two threads: callers look at a sample first
    (:func:`sampled_spans`), so strings that vary too much (e-mails, UUIDs) never get here.
    """
    refs = [word(i, slice(0, 1)) for i in range(n_words)]
    found: list[list[np.uint64]] = []

    def scan(lo: int, hi: int) -> None:
        part = [np.uint64(0)] * n_words
        for c0 in range(lo, hi, _BLOCK):
            rows = slice(c0, min(hi, c0 + _BLOCK))
            for i in range(n_words):  # (over the words: at most MAX_WORDS)
                part[i] |= np.bitwise_or.reduce(word(i, rows) ^ refs[i])
        found.append(part)

    split_rows(scan, n, align=_BLOCK)
    varying = [np.bitwise_or.reduce(np.array(col, dtype=np.uint64)) for col in zip(*found)]
    spans = fit_spans(varying, fit)
    return None if spans is None else (spans, refs)


def bit_spans(varying: list[Any]) -> list[Span]:
    """``(word, low, width)`` of each word whose ``varying`` bits (an OR of differences) are
    not all clear: from its lowest to its highest varying bit."""
    spans = []
    for i, bits in enumerate(int(v) for v in varying):
        if bits:
            low = (bits & -bits).bit_length() - 1
            spans.append((i, low, bits.bit_length() - low))
    return spans


def fit_spans(varying: list[Any], fit: int = 64) -> list[Span] | None:
    """:func:`bit_spans`; cut (:func:`cut_spans`) when they add up to more than ``fit`` bits and
    the cuts bring them to ``fit``; or when they add up to more than ``fit`` and
    :data:`~._sortcodes.MAX_DROPPED_BITS` (the low bits a sort beside the rows leaves out, then
    checks) and the cuts bring them within those; or to 64 from more.  ``None`` when they add
    up to more than 64 bits even cut.

    A task's who-ids (lead and contact ids, 1.9·10^6 rows beside 21 bits of row numbers) vary
    in 58 bits, 47 once cut: sorted with 4 low bits left out (of the last character of an
    18-character Salesforce id, a checksum of the others), 0.16 → 0.12 s of CPU, where the 58
    bits were hashed."""
    spans = bit_spans(varying)
    total = sum(width for _, _, width in spans)
    if total > fit:
        cut = cut_spans(spans, varying, total - fit)
        cut_total = sum(width for _, _, width in cut)
        slack = fit + MAX_DROPPED_BITS  # (a sort beside the rows leaves out that many low bits)
        # (more spans cost more shifts: only when it pays)
        if cut_total <= fit or total > 64 or total > slack >= cut_total:
            spans, total = cut, cut_total
    return spans if total <= 64 else None


MAX_SPANS = 8
"""Spans are cut (:func:`cut_spans`) into at most this many: each costs a shift and a mask a row."""


def cut_spans(spans: list[Span], varying: list[Any], excess: int) -> list[Span]:
    """``spans`` without their widest runs of bits that never vary (``varying`` clear), until
    ``excess`` bits are gone, no such run is left, or there are :data:`MAX_SPANS`: a span cut
    in two keeps its high part first, so the packed words keep the strings' order.

    Salesforce ids: the high bit of every ASCII byte never varies, and 18-character ids of one
    object and org differ in 42 bits, one too many beside the 23 bits of 6·10^6 row numbers;
    without one of those bits they are sorted with their rows whole (:mod:`._sortcodes`)."""
    runs: list[tuple[int, int, int]] = []  # (width, word, lowest bit) of each run of clear bits
    for i, low, width in spans:
        bits, top = int(varying[i]), low + width
        at = low
        while at < top:
            start = at
            while not bits >> at & 1:  # (the span's highest bit is set: the run ends below it)
                at += 1
            if at > start:
                runs.append((at - start, i, start))
            at += 1
    cut: list[tuple[int, int, int]] = []
    for run in sorted(runs, key=lambda r: -r[0]):  # (widest first: the fewest cuts)
        if excess <= 0 or len(spans) + len(cut) >= MAX_SPANS:
            break
        cut.append(run)
        excess -= run[0]
    out: list[Span] = []
    for i, low, width in spans:
        top = low + width
        for run_width, j, start in sorted(cut, key=lambda r: -r[2]):  # (high parts first)
            if j == i and low <= start < top:
                out.append((i, start + run_width, top - start - run_width))
                top = start
        out.append((i, low, top - low))
    return out


def packed_words(
    word: WordFn, spans: list[Span], refs: list[np.ndarray] | None = None, *, checked: bool = False
) -> WordFn:
    """One word per string: the spans of :func:`narrow_spans`, in order (the first word's
    highest).  Strings compare as their packed words do: the bits left out are the same in
    every string, and those kept keep their order.

    ``checked`` (spans of a sample of the rows, :func:`sampled_spans`): every word of the rows
    is read, and a row whose bits outside the spans are not those of ``refs`` (the words of one
    string) raises :class:`Wider`.
    """
    outside: list[np.uint64] = []
    if checked:
        assert refs is not None
        inside = [0] * len(refs)
        for i, low, width in spans:
            inside[i] |= ((1 << width) - 1) << low
        outside = [np.uint64(~bits & (2**64 - 1)) for bits in inside]
    last = {i: k for k, (i, _, _) in enumerate(spans)}  # (a word's last span: read in place)

    def packed(_: int, rows: np.ndarray | slice | None) -> np.ndarray:
        read: dict[int, np.ndarray] = {}
        for i, mask in enumerate(outside):  # (over the words: at most MAX_WORDS)
            w = word(i, rows)
            if w.size and stray(w, refs[i][0], mask):  # type: ignore[index]
                raise Wider
            read[i] = w
        out: np.ndarray | None = None
        for k, (i, low, width) in enumerate(spans):
            w = read.pop(i) if i in read else word(i, rows)
            if last[i] == k:
                w >>= np.uint64(low)
            else:  # (a word cut in several spans: kept whole for the next)
                read[i] = w
                w = w >> np.uint64(low)
            w &= np.uint64((1 << width) - 1)
            if out is None:
                out = w
            else:  # (widths below 64 when there are several spans)
                out <<= np.uint64(width)
                out |= w
        if out is None:  # (every string the same)
            out = word(0, rows)
            out[...] = 0
        return out

    return packed


def stray(w: np.ndarray, ref: np.uint64, mask: np.uint64) -> bool:
    """Whether a word of some row differs from ``ref`` in a bit of ``mask``: a bit is the same
    in every row exactly when its OR and its AND over the rows agree with ``ref`` (two
    reductions, no temporary array)."""
    want = ref & mask
    high = np.bitwise_or.reduce(w) & mask
    return bool(high != want) or bool(np.bitwise_and.reduce(w) & mask != want)


def unpacked(packed: np.ndarray, spans: list[Span], refs: list[np.ndarray]) -> list[np.ndarray]:
    """The inverse of :func:`packed_words`: every word of the strings whose packed words are given,
    the bits outside the spans taken from ``refs`` (the words of one of the strings)."""
    words = [np.full(packed.size, r[0], dtype=np.uint64) for r in refs]
    shift = 0
    for i, low, width in reversed(spans):  # (the last span sits in the lowest bits)
        mask = np.uint64((1 << width) - 1)
        bits = (packed >> np.uint64(shift)) & mask
        words[i] &= ~(mask << np.uint64(low))
        words[i] |= bits << np.uint64(low)
        shift += width
    return words


class Packing(NamedTuple):
    """How the strings of a column were packed (:func:`packed_words`), and their packed words:
    other strings' words (in the same layout) are found among them by packing them alike."""

    spans: list[Span]
    refs: list[np.ndarray]
    """The words of one of the strings (the bits outside the spans: the same in all)."""
    keys: np.ndarray
    """The distinct strings' packed words, sorted (``uint64``)."""

    def positions(self, words: list[np.ndarray]) -> np.ndarray:
        """The position in :attr:`keys` of the strings of ``words`` (one array per word, in the
        column's layout), ``-1`` where absent: a string whose bits outside the spans are not
        those of the column's strings is none of them."""
        n = words[0].size if words else 0
        inside = [0] * len(self.refs)
        for i, low, width in self.spans:
            inside[i] |= ((1 << width) - 1) << low
        same = np.ones(n, dtype=bool)
        for i, bits in enumerate(inside):  # (over the words: at most MAX_WORDS)
            outside = np.uint64(~bits & (2**64 - 1))
            same &= (words[i] & outside) == (self.refs[i][0] & outside)
        key = packed_words(lambda i, _: words[i].copy(), self.spans)(0, None)
        pos = np.searchsorted(self.keys, key)
        found = same & (pos < self.keys.size)
        found[found] = self.keys[pos[found]] == key[found]
        return np.where(found, pos, -1).astype(np.int64)
