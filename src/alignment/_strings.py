"""Exact factorisation of string columns from their bytes, in numpy (no Python object per row).

The strings come as 64-bit *words* that keep their order (:mod:`._words`: big-endian bytes or
code points; comparing the words of two strings one after the other compares the strings).
:func:`factorize_words` then

1. packs strings of several words into one word when the bits that vary between them fit in
   64 (ids of one format: Salesforce ids of one object, numbered codes; the packed words keep
   the strings' order and tell them apart exactly, and unpack to the strings' words),
2. hashes the words of every row (one 64-bit value per row; a bijection of a single word),
3. groups the rows by hash in a table indexed by the hash's leading bits (a few numpy scatters
   and gathers: no comparison sort of the rows, no hash table of Python objects; rows whose
   slot is taken by another hash go to a second, smaller table, and so on),
4. sorts only the distinct strings, by their words (words the same for every string, as the
   shared prefix of CRM ids, are left out),
5. with several words per string, checks every row against its category's words, a block of
   rows at a time (exact: two different strings with one hash could not share a group; the
   caller falls back when it happens).

It returns the codes (``int32``, in the sorted order) and the text of the distinct strings:
made from their words when each string is in one word (its own, or packed), otherwise taken
by the caller from its own storage, for one row of each string.  Integers are grouped the same
way, one word each (:func:`factorize_ints`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ._parallel import ahead, run_both, split_rows, threads_on
from ._sortcodes import sorted_codes
from ._spans import (
    Packing,
    Span,
    Wider,
    bit_spans,
    fit_spans,
    narrow_spans,
    packed_words,
    sampled_spans,
    unpacked,
)
from ._words import WordFn

__all__ = [
    "ASIDE",
    "Decoder",
    "Factorized",
    "Groups",
    "WordsText",
    "factorize_ints",
    "factorize_words",
    "group_hashes",
    "ranked_codes",
]

_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MAX_TABLE_BITS = 24
_M1_INV = np.uint64(pow(0xFF51AFD7ED558CCD, -1, 2**64))
_M2_INV = np.uint64(pow(0xC4CEB9FE1A85EC53, -1, 2**64))
_CHUNK = 1 << 20
_BLOCK = 1 << 16  # rows per block of the element-wise passes (their temporaries stay in cache)


def _mix(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (a bijection: distinct inputs stay distinct), in place."""
    for c0 in range(0, x.size, _CHUNK):  # (chunks: a small temporary)
        _xorshift_multiply(x[c0 : c0 + _CHUNK], _M1, _M2)
    return x


def _unmix(x: np.ndarray) -> np.ndarray:
    """The inverse of :func:`_mix`, in place: the same steps with the inverse multipliers in
    reverse order (``x ^= x >> 33`` is its own inverse on 64 bits)."""
    for c0 in range(0, x.size, _CHUNK):
        _xorshift_multiply(x[c0 : c0 + _CHUNK], _M2_INV, _M1_INV)
    return x


def _xorshift_multiply(x: np.ndarray, first: np.uint64, second: np.uint64) -> np.ndarray:
    tmp = x >> _S33
    x ^= tmp
    x *= first
    np.right_shift(x, _S33, out=tmp)
    x ^= tmp
    x *= second
    np.right_shift(x, _S33, out=tmp)
    x ^= tmp
    return x


def _hash_words(word: WordFn, n_words: int, n: int) -> np.ndarray:
    """One 64-bit hash per row, a block of rows at a time (words, mixing: one pass, in cache)."""
    h = np.empty(n, dtype=np.uint64)

    def rows_of(lo: int, hi: int) -> None:
        for c0 in range(lo, hi, _BLOCK):
            rows = slice(c0, min(hi, c0 + _BLOCK))
            hb = _mix(word(0, rows))  # (word() returns a fresh array: mixed in place)
            for i in range(1, n_words):  # loop over the words of a string (at most MAX_WORDS)
                w = word(i, rows)
                w += _GOLDEN
                hb ^= w
                hb = _mix(hb)
            h[rows] = hb

    split_rows(rows_of, n, align=_BLOCK)
    return h


class Groups(NamedTuple):
    """Rows grouped by hash (:func:`group_hashes`)."""

    ids: np.ndarray
    """The group id of each row (``int32``; ``int64`` beyond 2**31 rows): its slot, in the id
    space of all rounds' tables."""
    used: np.ndarray
    """The ids in use, one per group (``int64``)."""
    hashes: np.ndarray
    """The hash of each group (aligned with ``used``)."""
    first: np.ndarray | None
    """One row of each group (aligned with ``used``), when asked for."""
    space: int
    """Size of the id space (ids are below it)."""


def group_hashes(h: np.ndarray, *, rows: bool = True, round_: int = 0) -> Groups:
    """Group the rows by their 64-bit hash, in tables indexed by the hash's leading bits.

    Every row writes its hash into its slot; the hash that stays there (the last written;
    without ``rows``, the rows are written by two threads and either may write last) owns the
    slot.  Rows whose hash differs from their slot's go to the next round (a smaller
    table, another slot function), so rows with equal hashes share a group and rows with
    different hashes never do.  Rows are handled in chunks (bounded temporaries).

    Parameters
    ----------
    h : ndarray of uint64
        One hash per row (well mixed: its leading bits index the table).
    rows : bool
        Also find one row of each group (one more scatter).
    round_ : int
        Recursion depth (each round re-mixes the hashes of the rows it received).
    """
    n = h.size
    key = h if round_ == 0 else _mix(h ^ np.uint64(round_ * 0x5851F42D4C957F2D % 2**64))
    # two to four slots per distinct hash: a small table is a fast one (it stays in cache)
    bits = min(max(_distinct_estimate(key).bit_length() + 1, 4), _MAX_TABLE_BITS)
    shift = np.uint64(64 - bits)
    index_type = np.int32 if n < 2**31 else np.int64
    table = np.empty(1 << bits, dtype=np.uint64)
    seen = np.zeros(1 << bits, dtype=bool)
    owner = np.empty(1 << bits, dtype=index_type) if rows else None
    ids = np.empty(n, dtype=index_type)
    slots = _Slots(key, h, shift, ids, table, seen, owner)
    if owner is None:  # two writers: either hash may stay in a shared slot; the check sees it
        split_rows(slots.fill, n, align=_CHUNK)
    else:  # (one writer: a slot's owner row is the row whose hash stayed)
        slots.fill(0, n)
    del key, slots
    clashes = _clashes(table, ids, h)
    used = np.flatnonzero(seen)
    hashes = table[used]
    first = None if owner is None else owner[used].astype(np.int64)
    space = 1 << bits
    del table, seen, owner
    if clashes:
        clash = np.concatenate(clashes)
        sub = group_hashes(h[clash], rows=rows, round_=round_ + 1)
        ids[clash] = space + sub.ids
        used = np.concatenate([used, space + sub.used])
        hashes = np.concatenate([hashes, sub.hashes])
        if first is not None and sub.first is not None:
            first = np.concatenate([first, clash[sub.first]])
        space += sub.space
    return Groups(ids, used, hashes, first, space)


class _Slots(NamedTuple):
    """One round's table (:func:`group_hashes`) and the arrays its rows are written from."""

    key: np.ndarray
    h: np.ndarray
    shift: np.uint64
    ids: np.ndarray
    table: np.ndarray
    seen: np.ndarray
    owner: np.ndarray | None

    def fill(self, lo: int, hi: int) -> None:
        """Rows ``lo:hi`` write their slot, their hash (the last written stays) and, with
        ``owner``, their row number."""
        for c0 in range(lo, hi, _CHUNK):  # (loops over chunks of 2**20 rows)
            c1 = min(hi, c0 + _CHUNK)
            slot = (self.key[c0:c1] >> self.shift).view(np.intp)  # (< 2**24: fits in intp)
            self.ids[c0:c1] = slot
            self.table[slot] = self.h[c0:c1]
            self.seen[slot] = True
            if self.owner is not None:  # (in the same order)
                self.owner[slot] = np.arange(c0, c1, dtype=self.ids.dtype)


def _clashes(table: np.ndarray, ids: np.ndarray, h: np.ndarray) -> list[np.ndarray]:
    """The rows whose slot holds another hash than theirs, in row order (a list of chunks)."""
    found: dict[int, np.ndarray] = {}

    def check(lo: int, hi: int) -> None:
        for c0 in range(lo, hi, _CHUNK):
            c1 = min(hi, c0 + _CHUNK)
            found[c0] = np.flatnonzero(np.take(table, ids[c0:c1], mode="clip") != h[c0:c1]) + c0

    split_rows(check, h.size, align=_CHUNK)
    return [found[c0] for c0 in sorted(found) if found[c0].size]


def _distinct_estimate(key: np.ndarray) -> int:
    """Number of distinct hashes, estimated by linear counting (an upper bound: the row count).

    The leading bits of the hashes mark a bitmap; with ``m`` bits of which a share ``v`` stay
    clear, about ``-m ln v`` distinct values were seen (Whang et al., 1990).
    """
    n = key.size
    if n < 1 << 16:
        return n
    bits = min(20, n.bit_length())
    seen = np.zeros(1 << bits, dtype=bool)
    seen[(key >> np.uint64(64 - bits)).view(np.intp)] = True
    clear = (1 << bits) - int(np.count_nonzero(seen))
    if clear == 0:
        return n
    return min(n, int(-(1 << bits) * np.log(clear / (1 << bits))) + 1)


class Soon(NamedTuple):
    """The text of the distinct strings, being made on a helper thread (:func:`._parallel.ahead`;
    on the first call of ``made`` when threads are off): the caller goes on with the codes."""

    size: int
    """The number of distinct strings."""
    made: Callable[[], Any]
    """Waits for the text (``decode``'s value) and gives it."""
    head: Any
    """``decode``'s value for the first string alone (made at once)."""
    some: Callable[[np.ndarray], Any] | None = None
    """``decode``'s value for the distinct strings at the given positions alone (``None``: not
    offered): a few of them read before (or without) the whole text."""


class Factorized(NamedTuple):
    """What :func:`factorize_words` finds."""

    codes: np.ndarray
    """The rank of each row's string among the distinct strings (``int32``)."""
    rows: np.ndarray | None
    """One row holding each distinct string, in sorted order (``int64``; ``None`` when not
    needed and not found)."""
    first_words: np.ndarray
    """The first word of each distinct string, in sorted order (``uint64``; of strings of
    several words whose varying bits were packed into one (:func:`narrow_spans`), the packed
    word)."""
    decoded: Any
    """``decode``'s value for the distinct strings, in sorted order (``None`` without it), or
    a :class:`Soon` one."""
    packing: Packing | None = None
    """How the strings were packed into :attr:`first_words` (``None``: they were not), so that
    other strings can be found among them without their text."""


Decoder = Callable[[np.ndarray, "np.ndarray | None"], np.ndarray]
"""``decode(first_words, rows)``: one value per distinct string (its text), given the first
word and one row of each (``None`` when rows were not looked for), in sorted order."""

WordsText = Callable[[list[np.ndarray]], np.ndarray]
"""``text(words)``: the text of strings given all their words (one array per word)."""

ASIDE = 1 << 16
"""From this many distinct one-word strings on, they are decoded on a helper thread."""


def factorize_words(
    word: WordFn,
    n_words: int,
    n: int,
    *,
    need_rows: bool = True,
    decode: Decoder | None = None,
    distinct: bool = False,
    text: WordsText | None = None,
    packed_only: bool = False,
) -> Factorized | None:
    """Sorted codes of ``n`` strings given as order-keeping words, exactly.

    Parameters
    ----------
    word : callable
        ``word(i, rows)`` gives word ``i`` (``uint64``, a fresh array) of ``rows`` (``None``:
        all rows).  Two strings are equal exactly when all their words are, and ordered as their
        words are, compared first to last.
    n_words : int
        Number of words per string (at least 1).
    n : int
        Number of rows.
    need_rows : bool
        Whether the caller needs a row of each distinct string (with one word per string, the
        word itself may be enough: it is then not looked for).
    decode : callable, optional
        Makes the text of the distinct strings (see :data:`Decoder`).  With one word per
        string and no rows asked for, it runs while the rows' codes are made (on a helper
        thread when threads are on: making Python strings holds the GIL, sorting and gathering
        numbers do not).
    distinct : bool
        The caller knows the strings to be distinct (the categories of a dictionary): they are
        sorted by their words, with no hashing.  Two equal neighbours after the sort (the
        caller was wrong) send the strings through the hashing path after all.
    text : callable, optional
        Makes the text of strings from all their words (see :data:`WordsText`).  When the
        strings end up in one word each (one word, or several packed into one), ``decode`` is
        then not used: the text is made from the distinct words (unpacked), and no row of each
        string is looked for.
    packed_only : bool
        Strings of several words are factorised only when they can be packed into one word
        each (then sorted, not hashed); ``None`` otherwise, for the caller's own hashing.

    Returns
    -------
    Factorized or None
        ``None`` if two different strings shared a 64-bit hash, or (``packed_only``) could not
        be packed (the caller factorises another way).
    """
    if n == 0:
        empty_words = np.empty(0, np.uint64)
        decoded = None if decode is None else decode(empty_words, np.empty(0, dtype=np.int64))
        return Factorized(
            np.empty(0, dtype=np.int32), np.empty(0, dtype=np.int64), empty_words, decoded
        )

    options = _Options(need_rows, decode, distinct, text)
    if n_words > 1:  # strings that differ in at most 64 bits: one packed word each
        fit = 64 - max(1, (n - 1).bit_length())  # (packed words beside a row number: sorted)
        sampled = sampled_spans(word, n_words, n, fit=fit)
        if sampled is not None:
            try:  # (the spans a sample of the rows gives, every row checked as it is packed)
                return _packed_factorize(word, n, sampled, options, checked=True)
            except Wider:  # (a row varies outside them: the spans of every row)
                narrow = narrow_spans(word, n_words, n, fit=fit)
                if narrow is not None:
                    return _packed_factorize(word, n, narrow, options)
        if packed_only:
            return None
    return _factorize(word, n_words, n, None, options)


class _Options(NamedTuple):
    need_rows: bool
    decode: Decoder | None
    distinct: bool
    text: WordsText | None


def _packed_factorize(
    word: WordFn,
    n: int,
    narrow: tuple[list[Span], list[np.ndarray]],
    options: _Options,
    *,
    checked: bool = False,
) -> Factorized | None:
    """:func:`_factorize` of the strings' packed words (``narrow``: the spans packed and the
    words of one string), with the :class:`Packing` that finds other strings among them."""
    found = _factorize(packed_words(word, *narrow, checked=checked), 1, n, narrow, options)
    return None if found is None else found._replace(packing=Packing(*narrow, found.first_words))


def _factorize(
    word: WordFn,
    n_words: int,
    n: int,
    narrow: tuple[list[Span], list[np.ndarray]] | None,
    options: _Options,
) -> Factorized | None:
    """:func:`factorize_words` of the strings' own words, or of their packed words (``narrow``:
    the spans packed and the words of one string)."""
    need_rows, decode, distinct, text = options
    spans, refs = narrow if narrow is not None else (None, [])
    soon = text is not None and n_words == 1  # the text from the (unpacked) words themselves
    if soon:
        assert text is not None
        decode = _text_decoder(text, spans, refs)
    else:
        need_rows = need_rows or n_words > 1  # (several words: a row of each, to check them)
    if distinct:
        found = _factorize_distinct(word, n_words, n, need_rows=need_rows, decode=decode)
        if found is not None:
            return found
    if n_words == 1:  # keys and row numbers in one word: sorted together, not hashed
        found = _by_sorting(word, spans, n, decode, need_rows=need_rows, soon=soon)
        if found is not None:
            return found
    h = _hash_words(word, n_words, n)
    groups = group_hashes(h, rows=need_rows)
    del h
    ids, used, space = groups.ids, groups.used, groups.space
    if n_words == 1:  # hashed by a bijection: equal hashes are equal words, and back
        keys = [_unmix(groups.hashes)]
    else:
        assert groups.first is not None
        keys = [word(i, groups.first) for i in range(n_words)]

    def sort_and_code() -> tuple[np.ndarray, np.ndarray]:
        order = _word_order(keys)  # (of the distinct strings only)
        return order, ranked_codes(ids, used[order], space, n)

    aside = n_words == 1 and groups.first is None and used.size >= ASIDE and threads_on()
    decoded: np.ndarray | None
    if decode is not None and aside:
        # one word per string, no rows wanted: the sorted words are the text; sorted again
        # (np.sort, no permutation) and decoded on a helper thread while the codes are made
        decoded, (order, codes) = run_both(lambda: decode(np.sort(keys[0]), None), sort_and_code)
        first = None
    else:
        order, codes = sort_and_code()
        if n_words > 1 and not _same_words(word, [k[order] for k in keys], codes):
            return None
        first = None if groups.first is None else groups.first[order]
        decoded = None if decode is None else decode(keys[0][order], first)
    return Factorized(codes, first, keys[0][order], decoded)


SOON_TEXT_MIN = 1 << 15
"""Distinct strings from which their text is made on a helper thread (:class:`Soon`); fewer
are made at once (a thread costs more than they do)."""


def _by_sorting(
    word: WordFn,
    spans: list[Span] | None,
    n: int,
    decode: Decoder | None,
    *,
    need_rows: bool,
    soon: bool = False,
) -> Factorized | None:
    """:func:`factorize_words` of one word per string by :func:`sorted_codes`: the packed
    words (``spans``), or the strings' own words from their highest varying bit down (the bits
    above it are the same in every string).  ``None`` when they do not fit beside the rows.
    A row of each string comes with the sort; it is given (to ``decode`` too) when asked for.

    ``soon``: ``decode`` makes the text of the words alone; of at least
    :data:`SOON_TEXT_MIN` strings, it is made on a helper thread while the caller goes on
    (:class:`Soon`)."""
    if spans is not None:
        width = sum(w for _, _, w in spans)
        high = np.uint64(0)
    else:
        narrow = narrow_spans(word, 1, n)  # (one word always fits: never None)
        assert narrow is not None
        varying, refs = narrow
        width = varying[0][1] + varying[0][2] if varying else 1
        high = refs[0][0] & ~np.uint64((1 << width) - 1) if width < 64 else np.uint64(0)
    mask = np.uint64((1 << width) - 1) if width < 64 else np.uint64(2**64 - 1)

    def key(rows: slice) -> np.ndarray:
        w = word(0, rows)
        if spans is None:
            w &= mask
        return w

    def text(keys: np.ndarray, first: np.ndarray) -> Any:
        if decode is None:
            return None
        if soon and keys.size >= SOON_TEXT_MIN:  # (the text written beside the caller's steps)
            full = keys | high
            whole = lambda: decode(full, None)  # noqa: E731
            if spans is None:
                return Soon(full.size, ahead(whole), decode(full[:1], None))
            # packed strings are found without their text (:class:`._spans.Packing`): it is
            # made on first use, and a few of them alone (a thread would make it for nothing)
            return Soon(full.size, whole, decode(full[:1], None), lambda at: decode(full[at], None))
        return decode(keys | high, first if need_rows else None)

    found = sorted_codes(key, width, n, text)
    if found is None:
        return None
    rows = found.first if need_rows else None
    return Factorized(found.codes, rows, found.keys | high, found.beside)


def factorize_ints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (``int64``) and sorted distinct values of an integer array, by hashing.

    The hash grouping of :func:`factorize_words` costs O(n) and only the distinct values are
    sorted, where ``np.unique`` sorts all ``n`` values.
    """
    a = np.asarray(values).astype(np.int64, copy=False)
    sign = np.uint64(1 << 63)  # (flipping it keeps the order of signed values as unsigned)

    def word(i: int, rows: np.ndarray | slice | None) -> np.ndarray:
        w: np.ndarray = (a if rows is None else a[rows]).view(np.uint64) ^ sign
        return w

    out = factorize_words(word, 1, a.size, need_rows=False)
    assert out is not None  # (one word: no collision check can fail)
    return out.codes.astype(np.int64), (out.first_words ^ sign).view(np.int64)


def _factorize_distinct(
    word: WordFn, n_words: int, n: int, *, need_rows: bool, decode: Decoder | None
) -> Factorized | None:
    """:func:`factorize_words` of strings known to be distinct: sorted by their words, with no
    hashing (each row is its own category).  ``None`` when two rows have the same words after
    all (equal strings are neighbours once sorted)."""
    keys = [word(i, None) for i in range(n_words)]
    order = _word_order(keys)
    sorted_keys = [k[order] for k in keys]
    del keys
    same = np.ones(n - 1, dtype=bool)
    for k in sorted_keys:  # (over the words: at most MAX_WORDS)
        same &= k[1:] == k[:-1]
    if same.any():
        return None
    codes = np.empty(n, dtype=np.int32)
    codes[order] = np.arange(n, dtype=np.int32)
    first = order.astype(np.int64) if need_rows else None
    decoded = None if decode is None else decode(sorted_keys[0], first)
    return Factorized(codes, first, sorted_keys[0], decoded)


def _word_order(keys: list[np.ndarray]) -> np.ndarray:
    """The order of the distinct strings given by their words (``keys[0]`` first).

    Only the bits that vary between the strings decide it: a word the same for every string
    (the shared prefix of CRM ids) is left out, and when the varying span of each remaining
    word (its highest to its lowest varying bit) adds up to at most 64 bits, the spans are
    packed into one word, in order, and sorted at once (the same order: the bits left out are
    the same in every string); otherwise they are sorted by the first varying word, and only
    the strings that share it by the next words (:func:`_by_first_word`).  Spans too wide to be
    sorted beside the row numbers lose the runs of bits no string sets (:func:`fit_spans`):
    the 10^6 ids ``"L0"`` … ``"L999999"`` vary over 52 bits, 42 once the top two bits of
    each digit's byte are cut."""
    varying = [np.bitwise_or.reduce(k ^ k[0]) if k.size else 0 for k in keys]
    row_bits = max(1, (keys[0].size - 1).bit_length())
    spans = fit_spans(varying, fit=64 - row_bits)  # (cut to fit beside the rows when it can)
    if spans is None:
        return _by_first_word([keys[i] for i, _, _ in bit_spans(varying)])
    if not spans:
        return np.argsort(keys[0])
    width = sum(w for _, _, w in spans)
    return _argsort_words(packed_words(lambda i, _: keys[i].copy(), spans)(0, None), width)


def _argsort_words(words: np.ndarray, width: int) -> np.ndarray:
    """``np.argsort`` of words below ``2**width`` (a fresh array, sorted here): by one sort of
    ``word << row_bits | row`` when the two fit in 64 bits (numpy's vectorised sort of values,
    twice as fast as its argsort; equal words keep their rows' order), else an argsort."""
    n = words.size
    row_bits = max(1, (n - 1).bit_length())
    if n < 2 or width + row_bits > 64:
        return np.argsort(words)
    words <<= np.uint64(row_bits)
    words |= np.arange(n, dtype=np.uint64)
    words.sort()
    words &= np.uint64((1 << row_bits) - 1)
    return words.astype(np.int64)


def _by_first_word(keys: list[np.ndarray]) -> np.ndarray:
    """The order of distinct strings by their words: sorted by the first word, then the runs
    of strings sharing it (few, when the first word is nearly unique: UUIDs, e-mails) sorted
    by the words after it (a sort of all the words at once costs one pass per word)."""
    order = np.argsort(keys[0])
    first = keys[0][order]
    tied = np.flatnonzero(first[1:] == first[:-1])
    if tied.size == 0:
        return order
    runs = np.zeros(order.size, dtype=bool)
    runs[tied] = runs[tied + 1] = True
    where = np.flatnonzero(runs)  # (sorted positions of the strings that share a first word)
    rows = order[where]
    # within the runs: by the first word (already in order), then by the words after it
    order[where] = rows[np.lexsort([k[rows] for k in keys[:0:-1]] + [first[where]])]
    return order


def _text_decoder(text: WordsText, spans: list[Span] | None, refs: list[np.ndarray]) -> Decoder:
    """A :data:`Decoder` that makes the text from the strings' one word each: their own word
    (``spans`` is ``None``), or the words unpacked from it (:func:`unpacked`)."""

    def decode(first_words: np.ndarray, _: np.ndarray | None) -> np.ndarray:
        return text([first_words] if spans is None else unpacked(first_words, spans, refs))

    return decode


def ranked_codes(ids: np.ndarray, sorted_ids: np.ndarray, space: int, n: int) -> np.ndarray:
    """Each row's rank: the position of its group id in ``sorted_ids`` (one gather per row)."""
    rank = np.empty(space, dtype=np.int32)
    rank[sorted_ids] = np.arange(sorted_ids.size, dtype=np.int32)
    # the codes overwrite the group ids (no second array of n rows)
    codes = ids if ids.dtype == np.int32 else np.empty(n, dtype=np.int32)

    def gather(lo: int, hi: int) -> None:
        for c0 in range(lo, hi, _CHUNK):
            c1 = min(hi, c0 + _CHUNK)
            codes[c0:c1] = np.take(rank, ids[c0:c1], mode="clip")

    split_rows(gather, n, align=_CHUNK)
    return codes


def _same_words(word: WordFn, sorted_keys: list[np.ndarray], codes: np.ndarray) -> bool:
    """Whether every row has the words of its category (no hash collision put two strings in
    one group): ``word(i, rows)`` against ``sorted_keys[i][codes[rows]]``, a block of rows at a
    time (temporaries in cache), the blocks split over two threads.  A word the same for every
    category is compared with that value (no gather)."""
    n = codes.size
    fixed = [k[0] if k.size and bool(k.min() == k.max()) else None for k in sorted_keys]
    varying = [i for i, f in enumerate(fixed) if f is None]
    col = {i: j for j, i in enumerate(varying)}
    # the varying words of a category side by side: one gather (one cache line) per row
    table = np.stack([sorted_keys[i] for i in varying], axis=1) if varying else None
    differ: list[int] = []

    def check(lo: int, hi: int) -> None:
        for c0 in range(lo, hi, _BLOCK):
            rows = slice(c0, min(hi, c0 + _BLOCK))
            expected = None if table is None else np.take(table, codes[rows], axis=0)
            for i, value in enumerate(fixed):  # (over the words: at most MAX_WORDS)
                want = value if expected is None or value is not None else expected[:, col[i]]
                if not bool(np.all(word(i, rows) == want)):
                    differ.append(c0)
                    return

    split_rows(check, n, align=_BLOCK)
    return not differ
