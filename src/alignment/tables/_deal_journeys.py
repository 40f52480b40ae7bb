"""Deal-keyed journeys: one journey per won deal, over the touches of all its contacts.

Used by ``Journeys.build`` when a person has several won deals, or a deal several contacts
(or none).  A deal's journey holds, for each of its contacts, the contact's touches at or
before the deal's close (with ``reset``: only those after the contact's previous won close),
and, when the deal is the contact's last won deal, the contact's later touches (ineligible,
as in a person's journey).  A touch is thus repeated once per deal whose journey holds it.
Persons without a won deal keep one journey each, without a deal id.
"""

from __future__ import annotations

import numpy as np

from .._frames import Categorical
from .._segments import group_min, group_sort, sorted_unique
from .._time import TIME_DTYPE
from ._common import _Encoded
from ._contacts import ROLE, ROLE_WEIGHT, role_weight_of
from ._deals import DEAL_KEY, Conversions, deal_codes, deal_created_anchor

_NAT = np.datetime64("NaT", "us")


def deal_touch_pairs(
    key_of_touch: np.ndarray,
    time: np.ndarray,
    n_keys: int,
    close: np.ndarray,
    pair_deal: np.ndarray,
    pair_key: np.ndarray,
    *,
    reset: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The (deal, touch) pairs of deal-keyed journeys: see :func:`deal_touch_pair_index`."""
    touch, deal, _ = deal_touch_pair_index(
        key_of_touch, time, n_keys, close, pair_deal, pair_key, reset=reset
    )
    return touch, deal


def deal_touch_pair_index(
    key_of_touch: np.ndarray,
    time: np.ndarray,
    n_keys: int,
    close: np.ndarray,
    pair_deal: np.ndarray,
    pair_key: np.ndarray,
    *,
    reset: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (deal, touch) pairs of deal-keyed journeys (see the module notes).

    Parameters
    ----------
    key_of_touch : ndarray of int
        Person (journey key code) of each touch, in ``[0, n_keys)``.
    time : ndarray of datetime64[us]
        Instant of each touch.
    n_keys : int
        Number of persons.
    close : ndarray of datetime64[us]
        Close instant of each deal (no ``NaT``); deals are numbered in their final order, which
        also breaks ties between deals of one person closing at the same instant.
    pair_deal, pair_key : ndarray of int
        The (deal, person) contact pairs, each pair once.
    reset : bool
        Only the touches after the person's previous won close count for a deal.

    Returns
    -------
    touch : ndarray of int64
        Index of the touch of each pair.
    deal : ndarray of int64
        The deal of each pair.
    pair : ndarray of int64
        The contact pair (index into ``pair_deal``) each (deal, touch) pair comes from.

    Notes
    -----
    Vectorised: the touches are sorted by (person, time) once; each contact pair's touches are
    a slice of that order, found by binary search on (person, time rank), and the slices are
    expanded with ``repeat``.  O((touches + pairs) log + output).
    """
    order, offsets, stime = group_sort(key_of_touch, time, n_keys)
    c = np.asarray(close).view(np.int64)
    # instants ranked among the distinct closes (a small table, searched in cache): a touch
    # ranks as many closes as fall strictly before it, a close its own place, so a touch is at
    # or before a close exactly when its rank is at most the close's
    grid = sorted_unique(c)
    span = np.int64(grid.size + 1)
    # (person, time rank): ascending along `order`, so a person's touches up to an instant end
    # at one searchsorted position
    rank_t = np.searchsorted(grid, stime.view(np.int64))
    flat = np.asarray(key_of_touch, dtype=np.int64)[order] * span + rank_t
    by = np.lexsort((pair_deal, c[pair_deal], pair_key))
    k = np.asarray(pair_key, dtype=np.int64)[by]
    d = np.asarray(pair_deal, dtype=np.int64)[by]
    rank = np.searchsorted(grid, c[d])
    first = np.r_[True, k[1:] != k[:-1]] if k.size else np.zeros(0, dtype=bool)
    last = np.r_[k[1:] != k[:-1], True] if k.size else np.zeros(0, dtype=bool)
    lo = offsets[k]
    if reset:
        prev = _previous_close(rank, first)
        has = prev >= 0
        lo[has] = np.searchsorted(flat, k[has] * span + prev[has], side="right")
    hi = np.searchsorted(flat, k * span + rank, side="right")
    hi[last] = offsets[k[last] + 1]  # the person's last deal keeps the later touches
    counts = hi - lo
    start = np.cumsum(counts) - counts
    pos = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(lo - start, counts)
    return order[pos], np.repeat(d, counts), np.repeat(by, counts)


def _previous_close(rank: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Per pair (sorted by person, close): the rank of the person's previous distinct close
    instant, ``-1`` for the person's first."""
    start = first.copy()
    start[1:] |= rank[1:] != rank[:-1]
    run = np.cumsum(start) - 1
    starts = np.flatnonzero(start)
    prev = np.where(first[starts], -1, rank[starts - 1])
    out: np.ndarray = prev[run]
    return out


def deal_encoded(
    enc: _Encoded,
    conv: Conversions,
    pair_codes: np.ndarray,
    *,
    reset: bool,
    persons: bool = False,
    role_weights: dict[str, float] | None = None,
) -> _Encoded:
    """Re-key person-keyed encoded touches (``enc``) by won deal (see the module notes).

    The journeys are the won deals in ``deal_id`` order, then the persons without a won deal
    (key ``None``).  A deal's anchors are the earliest of its contacts'; its lead attributes
    are its primary contact's.  The touches gain the person column (``enc.key_column``).
    With ``persons`` (account journeys) each touch also carries its own person's lead
    attributes, the person's ``role`` in the deal (when the contacts have one) and its
    ``role_weight`` (``role_weights``; 1 for unnamed roles and touches of no deal).
    """
    assert conv.ids is not None
    deals = deal_codes(conv.ids, conv.rows)
    n_deal, n_keys = conv.n, enc.keys.size
    close = np.empty(n_deal, dtype=TIME_DTYPE)
    close[deals.codes] = conv.time
    revenue = np.empty(n_deal, dtype=np.float64)
    revenue[deals.codes] = conv.revenue
    pair_deal = np.asarray(deals.codes, dtype=np.int64)[conv.pairs.conv]
    touch, deal, pair = deal_touch_pair_index(
        enc.codes, enc.time, n_keys, close, pair_deal, pair_codes, reset=reset
    )
    has_deal = np.bincount(pair_codes, minlength=n_keys) > 0
    alone = np.flatnonzero(~has_deal & (np.bincount(enc.codes, minlength=n_keys) > 0))
    journey_of_key = np.full(n_keys, -1, dtype=np.int64)
    journey_of_key[alone] = n_deal + np.arange(alone.size)
    alone_touch = np.flatnonzero(~has_deal[enc.codes])
    rows = np.concatenate([touch, alone_touch])
    codes = np.concatenate([deal, journey_of_key[enc.codes[alone_touch]]])
    by_row = np.argsort(rows, kind="stable")  # ties in time keep the input order, as per person
    rows, codes = rows[by_row], codes[by_row]
    extra_cat: dict[str, Categorical] = {}
    extra_num: dict[str, np.ndarray] = {}
    if persons:
        pair_of = np.concatenate([pair, np.full(alone_touch.size, -1, dtype=np.int64)])[by_row]
        extra_cat, extra_num = _person_columns(enc, conv, rows, pair_of, role_weights)
    keys = np.empty(n_deal + alone.size, dtype=object)
    keys[:n_deal] = deals.uniques
    primary = np.full(n_deal, -1, dtype=np.int64)
    has_primary = conv.pairs.primary >= 0
    primary[np.asarray(deals.codes)[has_primary]] = pair_codes[conv.pairs.primary[has_primary]]
    person = Categorical(enc.codes.astype(np.int32), enc.keys.astype(object))
    return _Encoded(
        keys=keys,
        codes=codes,
        time=enc.time[rows],
        channel=enc.channel.take(rows),
        touch_columns={
            enc.key_column: person.take(rows),
            **{k: v.take(rows) for k, v in enc.touch_columns.items()},
            **extra_cat,
        },
        touch_numeric={**{k: v[rows] for k, v in enc.touch_numeric.items()}, **extra_num},
        converted_at=np.concatenate([close, np.full(alone.size, _NAT, dtype=TIME_DTYPE)]),
        revenue=np.concatenate([revenue, np.zeros(alone.size)]),
        anchors=deal_created_anchor(
            {
                name: _deal_anchor(a, pair_deal, pair_codes, n_deal, alone)
                for name, a in enc.anchors.items()
            },
            n_deal + alone.size,
            deals.codes,
            conv.created,
        ),
        journey_columns={
            name: c.pick(np.concatenate([primary, alone]))  # (-1: none)
            for name, c in enc.journey_columns.items()
        },
        key_column=DEAL_KEY,
        backend=enc.backend,
        n_rows=enc.n_rows,
        rows=rows,
    )


def _person_columns(
    enc: _Encoded,
    conv: Conversions,
    rows: np.ndarray,
    pair_of: np.ndarray,
    role_weights: dict[str, float] | None,
) -> tuple[dict[str, Categorical], dict[str, np.ndarray]]:
    """Per (deal, touch) element: its person's lead attributes, role and role weight."""
    person = enc.codes[rows]
    cats = {
        name: c.take(person)
        for name, c in enc.journey_columns.items()
        if name not in enc.touch_columns
    }
    role = conv.pairs.role
    if role is not None:
        cats[ROLE] = role.pick(pair_of)  # (-1: none)
    weight_of = role_weight_of(role, role_weights)
    code = np.full(rows.size, -1, dtype=np.int64) if role is None else cats[ROLE].codes
    return cats, {ROLE_WEIGHT: weight_of[np.where(code >= 0, code, weight_of.size - 1)]}


def _deal_anchor(
    per_key: np.ndarray, pair_deal: np.ndarray, pair_key: np.ndarray, n_deal: int, alone: np.ndarray
) -> np.ndarray:
    """A deal's anchor: the earliest of its contacts' (``NaT`` when none has one)."""
    a = per_key[pair_key]
    ok = ~np.isnat(a)
    big = np.iinfo(np.int64).max
    first = group_min(a[ok].view(np.int64), pair_deal[ok], n_deal, big)
    out = first.view(TIME_DTYPE).copy()
    out[first == big] = _NAT
    return np.concatenate([out, per_key[alone]])
