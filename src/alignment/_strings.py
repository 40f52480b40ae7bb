"""Exact factorisation of string columns from their bytes, in numpy (no Python object per row).

A string column reaches the library as bytes: Arrow's layout (one UTF-8 buffer and the offset
of each string in it: pandas' Arrow-backed strings, Polars' strings, PyArrow arrays) or numpy's
fixed-width unicode cells.  Each string is read as a few 64-bit *words* that keep its order:
big-endian bytes, zero-padded (plus the length when the padding could be ambiguous), or, for
numpy cells, three code points per word.  Comparing the words of two strings one after the
other compares the strings (UTF-8 byte order is code-point order, which is Python's).

:func:`factorize_words` then

1. packs strings of several words into one word when the bits that vary between them fit in
   64 (ids of one format: Salesforce ids of one object, numbered codes; the packed words keep
   the strings' order and tell them apart exactly),
2. hashes the words of every row (one 64-bit value per row; a bijection of a single word),
3. groups the rows by hash in a table indexed by the hash's leading bits (a few numpy scatters
   and gathers: no comparison sort of the rows, no hash table of Python objects; rows whose
   slot is taken by another hash go to a second, smaller table, and so on),
4. sorts only the distinct strings, by their words (words the same for every string, as the
   shared prefix of CRM ids, are left out),
5. with several words per string, checks every row against its category's words, a block of
   rows at a time (exact: two different strings with one hash could not share a group; the
   caller falls back when it happens).

Strings of one byte length stored one after the other (as ids of one format are) have their
words read in place, at a fixed stride, rather than gathered.

It returns the codes (``int32``, in the sorted order) and one row per category; the caller
takes the category strings from its own storage for those rows only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ._parallel import run_both, split_rows, threads_on

__all__ = [
    "MAX_WORDS",
    "Decoder",
    "Factorized",
    "Groups",
    "Words",
    "byte_words",
    "factorize_words",
    "group_hashes",
    "unicode_words",
    "view_words",
]

WordFn = Callable[[int, "np.ndarray | slice | None"], np.ndarray]
"""``word(i, rows)``: word ``i`` of the given rows (an index array, a slice of rows, or
``None``: every row), ``uint64``, a fresh array."""


class Words(NamedTuple):
    """How to read a column's strings as words."""

    word: WordFn
    n_words: int
    canonical: bool
    """One word per string in the layout every column shares (at most 7 UTF-8 bytes,
    big-endian, the length in the last byte): comparable between columns."""


MAX_WORDS = 8
"""Longer strings (more than 64 bytes, or 24 code points) are left to the caller's fallback."""

_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MAX_TABLE_BITS = 24
_M1_INV = np.uint64(pow(0xFF51AFD7ED558CCD, -1, 2**64))
_M2_INV = np.uint64(pow(0xC4CEB9FE1A85EC53, -1, 2**64))
_CHUNK = 1 << 20
_BLOCK = 1 << 16  # rows per block of the element-wise passes (their temporaries stay in cache)

# _KEEP[r]: the r leading bytes of a big-endian word
_KEEP = np.array(
    [0] + [((1 << (8 * r)) - 1) << (8 * (8 - r)) for r in range(1, 9)], dtype=np.uint64
)


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


class Factorized(NamedTuple):
    """What :func:`factorize_words` finds."""

    codes: np.ndarray
    """The rank of each row's string among the distinct strings (``int32``)."""
    rows: np.ndarray | None
    """One row holding each distinct string, in sorted order (``int64``; ``None`` when not
    needed and not found)."""
    first_words: np.ndarray
    """The first word of each distinct string, in sorted order (``uint64``; of strings of
    several words whose varying bits were packed into one (:func:`_narrow_spans`), the packed
    word)."""
    decoded: np.ndarray | None
    """``decode``'s value for the distinct strings, in sorted order (``None`` without it)."""


Decoder = Callable[[np.ndarray, "np.ndarray | None"], np.ndarray]
"""``decode(first_words, rows)``: one value per distinct string (its text), given the first
word and one row of each (``None`` when rows were not looked for), in sorted order."""

_ASIDE = 1 << 16
"""From this many distinct one-word strings on, they are decoded on a helper thread."""


def factorize_words(
    word: WordFn,
    n_words: int,
    n: int,
    *,
    need_rows: bool = True,
    decode: Decoder | None = None,
    distinct: bool = False,
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

    Returns
    -------
    Factorized or None
        ``None`` if two different strings shared a 64-bit hash (the caller factorises another
        way).
    """
    if n == 0:
        empty_words = np.empty(0, np.uint64)
        decoded = None if decode is None else decode(empty_words, np.empty(0, dtype=np.int64))
        return Factorized(
            np.empty(0, dtype=np.int32), np.empty(0, dtype=np.int64), empty_words, decoded
        )

    need_rows = need_rows or n_words > 1  # (the words of several-word strings are not text)
    if n_words > 1:  # strings that differ in at most 64 bits: one packed word each
        spans = _narrow_spans(word, n_words, n)
        if spans is not None:
            word, n_words = _packed(word, spans), 1
    if distinct:
        found = _factorize_distinct(word, n_words, n, need_rows=need_rows, decode=decode)
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
        return order, _ranked_codes(ids, used[order], space, n)

    aside = n_words == 1 and groups.first is None and used.size >= _ASIDE and threads_on()
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
    the strings that share it by the next words (:func:`_by_first_word`)."""
    spans = _bit_spans([np.bitwise_or.reduce(k ^ k[0]) if k.size else 0 for k in keys])
    if len(spans) <= 1:
        return np.argsort(keys[spans[0][0]] if spans else keys[0])
    if sum(width for _, _, width in spans) > 64:
        return _by_first_word([keys[i] for i, _, _ in spans])
    return np.argsort(_packed(lambda i, _: keys[i].copy(), spans)(0, None))


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


Span = tuple[int, int, int]
"""``(word, low, width)``: bits ``low … low + width - 1`` of a word."""


def _narrow_spans(word: WordFn, n_words: int, n: int) -> list[Span] | None:
    """The spans of bits that vary between the strings, one per word that varies (its highest
    to its lowest varying bit), when they add up to at most 64 bits; ``None`` otherwise.

    Ids of one format (Salesforce ids of one object and org, numbered codes) share most of
    their bytes: the bits that tell them apart then fit in one word, which keeps their order
    (:func:`_packed`).  The first block of rows is looked at first, so that strings that vary
    too much (e-mails, UUIDs) cost one block only; then every row, over two threads.
    """
    head = slice(0, min(n, _BLOCK))
    refs = [word(i, slice(0, 1)) for i in range(n_words)]
    varying = [np.bitwise_or.reduce(word(i, head) ^ refs[i]) for i in range(n_words)]
    if _spans(varying) is None:
        return None
    found: list[list[np.uint64]] = []

    def scan(lo: int, hi: int) -> None:
        part = [np.uint64(0)] * n_words
        for c0 in range(lo, hi, _BLOCK):
            rows = slice(c0, min(hi, c0 + _BLOCK))
            for i in range(n_words):  # (over the words: at most MAX_WORDS)
                part[i] |= np.bitwise_or.reduce(word(i, rows) ^ refs[i])
        found.append(part)

    split_rows(scan, n, align=_BLOCK)
    return _spans([np.bitwise_or.reduce(np.array(col, dtype=np.uint64)) for col in zip(*found)])


def _bit_spans(varying: list[Any]) -> list[Span]:
    """``(word, low, width)`` of each word whose ``varying`` bits (an OR of differences) are
    not all clear: from its lowest to its highest varying bit."""
    spans = []
    for i, bits in enumerate(int(v) for v in varying):
        if bits:
            low = (bits & -bits).bit_length() - 1
            spans.append((i, low, bits.bit_length() - low))
    return spans


def _spans(varying: list[Any]) -> list[Span] | None:
    spans = _bit_spans(varying)
    return spans if sum(width for _, _, width in spans) <= 64 else None


def _packed(word: WordFn, spans: list[Span]) -> WordFn:
    """One word per string: the spans of :func:`_narrow_spans`, in order (the first word's
    highest).  Strings compare as their packed words do: the bits left out are the same in
    every string, and those kept keep their order."""

    def packed(_: int, rows: np.ndarray | slice | None) -> np.ndarray:
        out = word(spans[0][0] if spans else 0, rows)
        if not spans:  # (every string the same)
            out[...] = 0
        for k, (i, low, width) in enumerate(spans):
            w = out if k == 0 else word(i, rows)
            w >>= np.uint64(low)
            w &= np.uint64((1 << width) - 1)
            if k:  # (widths below 64 when there are several spans)
                out <<= np.uint64(width)
                out |= w
        return out

    return packed


def _ranked_codes(ids: np.ndarray, sorted_ids: np.ndarray, space: int, n: int) -> np.ndarray:
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


# ----------------------------------------------------------------------------- word sources


def _by_chunks(
    block: Callable[[Any], np.ndarray], n: int, rows: np.ndarray | slice | None
) -> np.ndarray:
    """``block(sel)`` over all ``n`` rows (``rows=None``), over a slice of them, or over
    ``rows``, a chunk of rows at a time (``sel``: a slice, or a chunk of ``rows``): bounded
    temporaries, one output array."""
    if isinstance(rows, slice):  # (a block of rows: its temporaries are small)
        return block(rows)
    m = n if rows is None else rows.size
    out = np.empty(m, dtype=np.uint64)
    for c0 in range(0, m, _CHUNK):
        c1 = min(m, c0 + _CHUNK)
        out[c0:c1] = block(slice(c0, c1) if rows is None else rows[c0:c1])
    return out


def _max_length(starts: np.ndarray, ends: np.ndarray) -> int:
    """The longest of the strings ``starts[r] : ends[r]`` (0 for none), in chunks."""
    out = 0
    for c0 in range(0, starts.size, _CHUNK):
        c1 = c0 + _CHUNK
        out = max(out, int(np.max(ends[c0:c1] - starts[c0:c1])))
    return out


def byte_words(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> Words | None:
    """Words of byte strings ``data[starts[r] : ends[r]]`` (Arrow's layout).

    ``starts`` and ``ends`` are integer arrays (for a whole Arrow array: its offsets without the
    last, and without the first).

    Word ``i`` holds bytes ``8i … 8i+7`` big-endian, zero-padded.  Strings of at most 7 bytes
    fit in one word with their length in the last byte.  Longer ones get one word per 8 bytes,
    plus their length as a last word when a zero byte occurs in the data (zero padding would
    otherwise not tell ``"a"`` from ``"a\\x00"``).

    Returns
    -------
    Words or None
        ``None`` when a string is longer than ``8 * MAX_WORDS`` bytes.
    """
    data = np.asarray(data, dtype=np.uint8)
    max_len = _max_length(starts, ends)
    if max_len > 8 * MAX_WORDS:
        return None
    if data.size < 8:  # (the strided reader needs 8 bytes)
        data = np.concatenate([data, np.zeros(8, dtype=np.uint8)])
    # every 8-byte window of the buffer, read in place (native order, swapped after the gather)
    reader = np.ndarray((data.size - 7,), dtype=np.uint64, buffer=data, strides=(1,))
    last = data.size - 8
    n_bytes = max(1, -(-max_len // 8))
    with_length = max_len > 7 and not bool(data.all())
    short = max_len <= 7

    def block(i: int, st: np.ndarray, en: np.ndarray) -> np.ndarray:
        ln: np.ndarray = np.subtract(en, st, dtype=np.int64)
        if i == n_bytes:  # the length word
            return ln.view(np.uint64)
        pos = st + np.int64(8 * i)  # (int64: also for 32-bit offsets)
        tail = np.flatnonzero(pos > last)  # (windows past the buffer's end: the last strings)
        shift = np.minimum(pos[tail] - last, 7).astype(np.uint64) * np.uint64(8)
        pos[tail] = last
        w = reader[pos]
        w.byteswap(inplace=True)  # big-endian: the first byte is the most significant
        w[tail] <<= shift
        w &= _KEEP[np.clip(ln - 8 * i, 0, 8) if max_len > 8 else ln]
        if short:
            w |= ln.view(np.uint64)  # (lengths are int64 >= 0)
        out: np.ndarray = w
        return out

    def word(i: int, rows: np.ndarray | slice | None) -> np.ndarray:
        if fixed is None:
            return _by_chunks(lambda sel: block(i, starts[sel], ends[sel]), starts.size, rows)
        if isinstance(rows, np.ndarray):
            return fixed.gather(i, rows)
        lo, hi, _ = (slice(0, starts.size) if rows is None else rows).indices(starts.size)
        return fixed.rows(i, lo, hi)

    fixed = (
        _FixedWidth(reader, block, starts, ends, max_len)
        if _fixed_width(starts, ends, max_len)
        else None
    )
    return Words(word, n_bytes + int(with_length), short)


def _fixed_width(starts: np.ndarray, ends: np.ndarray, max_len: int) -> bool:
    """Whether the strings all have ``max_len`` bytes and follow one another in the buffer (as
    CRM ids of one format do): their words are then read in place, at a fixed stride."""
    n = starts.size
    if n < 2 or max_len == 0 or int(ends[-1]) - int(starts[0]) != n * max_len:
        return False
    # (contiguous, and n strings of at most max_len bytes filling n * max_len: all max_len)
    return all(
        np.array_equal(starts[c0 + 1 : c0 + _CHUNK + 1], ends[c0 : min(c0 + _CHUNK, n - 1)])
        for c0 in range(0, n - 1, _CHUNK)
    )


class _FixedWidth(NamedTuple):
    """Strings of ``width`` bytes each, one after the other in the buffer (:func:`_fixed_width`):
    their words are read from the buffer's 8-byte windows (``reader``) at a fixed stride;
    ``block`` (the general reader) makes the last few rows, whose window would pass the end."""

    reader: np.ndarray
    block: Callable[[int, np.ndarray, np.ndarray], np.ndarray]
    starts: np.ndarray
    ends: np.ndarray
    width: int

    def rows(self, i: int, lo: int, hi: int) -> np.ndarray:
        """Word ``i`` of rows ``lo:hi``: a strided copy (no gather)."""
        out = np.empty(hi - lo, dtype=np.uint64)
        if 8 * i >= self.width:  # (the length word: the same for every row)
            out.fill(self.width)
            return out
        base = int(self.starts[0]) + 8 * i
        inside = min(hi, (self.reader.size - 1 - base) // self.width + 1)  # windows that fit
        if inside > lo:
            part = out[: inside - lo]
            stop = base + self.width * (inside - 1) + 1
            part[...] = self.reader[base + self.width * lo : stop : self.width]
            _in_order(part, i, self.width)
        start = max(lo, inside)
        if hi > start:
            out[start - lo :] = self.block(i, self.starts[start:hi], self.ends[start:hi])
        return out

    def gather(self, i: int, rows: np.ndarray) -> np.ndarray:
        """Word ``i`` of the given ``rows``: one gather of the windows at ``start + width * row``."""
        if 8 * i >= self.width:
            return np.full(rows.size, self.width, dtype=np.uint64)
        pos = int(self.starts[0]) + 8 * i + self.width * rows.astype(np.int64)
        late = np.flatnonzero(pos > self.reader.size - 1)  # (windows past the buffer's end)
        pos[late] = 0
        out: np.ndarray = self.reader[pos]
        _in_order(out, i, self.width)
        if late.size:
            out[late] = self.block(i, self.starts[rows[late]], self.ends[rows[late]])
        return out


def _in_order(w: np.ndarray, i: int, width: int) -> None:
    """Windows read in native order made word ``i`` of strings of ``width`` bytes, in place."""
    w.byteswap(inplace=True)
    w &= _KEEP[min(width - 8 * i, 8)]
    if width <= 7:
        w |= np.uint64(width)


def unicode_words(cells: np.ndarray) -> Words | None:
    """Words of a numpy unicode array: three 21-bit code points per word, zero-padded.

    Numpy ignores trailing NULs of a cell, and so does this (equal cells, equal words).

    Returns
    -------
    Words or None
        ``None`` for wide cells (more than ``3 * MAX_WORDS`` code points) or values that are
        not code points.
    """
    a = np.ascontiguousarray(cells)
    width = a.dtype.itemsize // 4
    if width == 0 or width > 3 * MAX_WORDS:
        return None
    cp = a.view(np.uint32).reshape(a.size, width)
    if cp.size and int(cp.max()) >= 1 << 21:
        return None
    n_words = -(-width // 3)

    def word(i: int, rows: np.ndarray | slice | None) -> np.ndarray:
        block = cp if rows is None else cp[rows]
        w = np.zeros(block.shape[0], dtype=np.uint64)
        for j in range(3):  # three code points per word
            col = 3 * i + j
            w <<= np.uint64(21)
            if col < width:
                w |= block[:, col].astype(np.uint64)
        return w

    return Words(word, n_words, False)


def view_words(views: np.ndarray, lengths: np.ndarray) -> Words | None:
    """Words of strings held inline in Arrow string views (Polars' strings), read in place.

    ``views`` is the ``(n, 16)`` byte matrix of the views (rows may be strided): a 4-byte
    length, then the string itself when it is at most 12 bytes long; ``lengths`` are those
    lengths (any integer type, e.g. a strided ``int32`` view of ``views``).  Longer strings live
    in other buffers: ``None``.
    The words are those of :func:`byte_words` (the same values, the same shared layout for
    strings of at most 7 bytes); from 8 bytes on, the length is always a last word.
    """
    max_len = int(lengths.max()) if lengths.size else 0
    if max_len > 12:
        return None
    short = max_len <= 7
    n_bytes = 1 if max_len <= 8 else 2

    def block(i: int, cells: np.ndarray, lens: np.ndarray) -> np.ndarray:
        ln = lens.astype(np.int64)
        if i == n_bytes:  # the length word
            return ln.view(np.uint64)
        if i == 0:  # inline bytes 0-7, then 8-11: little-endian loads, swapped
            w = cells[:, 4:12].view("<u8")[:, 0].astype(np.uint64)
        else:
            w = cells[:, 12:16].view("<u4")[:, 0].astype(np.uint64)
        w.byteswap(inplace=True)  # (the string's first byte is now the most significant)
        w &= _KEEP[np.clip(ln - 8 * i, 0, 8) if max_len > 8 else ln]
        if short:
            w |= ln.view(np.uint64)
        out: np.ndarray = w
        return out

    def word(i: int, rows: np.ndarray | slice | None) -> np.ndarray:
        return _by_chunks(lambda sel: block(i, views[sel], lengths[sel]), lengths.size, rows)

    return Words(word, 1 if short else n_bytes + 1, short)
