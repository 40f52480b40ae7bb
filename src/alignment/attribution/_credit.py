"""Shared private helpers of the channel-level (data-driven) attribution models."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._segments import segment_ids, sorted_unique
from ..errors import DataValidationError

if TYPE_CHECKING:
    from ..tables import Journeys

__all__ = ["channel_codes", "channel_sets", "collapse_runs"]


def channel_codes(journeys: Journeys, *, purpose: str) -> tuple[list[str], np.ndarray]:
    """Channel names and per-touch channel codes, refusing touches without a channel.

    Parameters
    ----------
    journeys : Journeys
        The journeys handed to a channel-level model.
    purpose : str
        Completes the error message "touches without a channel cannot ...", e.g.
        ``"enter the Markov chain"``.

    Returns
    -------
    (names, codes)
        ``names`` the channel vocabulary as ``str``, ``codes`` the channel code of each touch.

    Raises
    ------
    DataValidationError
        When a touch has no channel (code ``-1``), naming the caller's rows.
    """
    names = [str(c) for c in journeys.channel.categories]
    codes = np.asarray(journeys.channel.codes)
    if codes.size and int(codes.min()) < 0:
        bad = np.flatnonzero(codes < 0)
        raise DataValidationError(
            f"touches without a channel cannot {purpose}",
            column="channel",
            rows=np.asarray(journeys.row)[bad],
            value=None,
            fix="fill the missing channels (e.g. with 'unknown') or drop those touches",
            table="touchpoints",
        )
    return names, codes


def collapse_runs(
    offsets: np.ndarray, codes: np.ndarray, keep_touch: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Drop consecutive repeats of a channel within each journey (and unkept touches)."""
    n_touches = codes.size
    keep = np.ones(n_touches, dtype=bool)
    if n_touches > 1:
        np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    starts = offsets[:-1][offsets[:-1] < offsets[1:]]
    keep[starts] = True
    if keep_touch is not None:
        # a repeat of a dropped touch is not a repeat any more: drop the whole journeys first
        keep &= keep_touch
    cum = np.zeros(n_touches + 1, dtype=np.int64)
    np.cumsum(keep, out=cum[1:])
    return cum[offsets], codes[keep]


def channel_sets(
    offsets: np.ndarray, codes: np.ndarray, n_channels: int, use: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct channels of every journey: ``(journey, channel)`` pairs, sorted by both.

    Parameters
    ----------
    offsets, codes
        CSR journeys (``codes`` in ``[0, n_channels)``).
    n_channels : int
        Number of channel codes.
    use : bool array, shape (n_journeys,), optional
        Only these journeys (default: all).

    Returns
    -------
    (journey, channel) : int64 arrays
    """
    jid = segment_ids(offsets)
    chan = np.asarray(codes, dtype=np.int64)
    if use is not None:
        touch_use = np.repeat(use, np.diff(offsets))
        jid, chan = jid[touch_use], chan[touch_use]
    base = max(int(n_channels), 1)
    key = sorted_unique(jid * base + chan, bound=(offsets.size - 1) * base)
    return key // base, key % base
