"""Shapley-value attribution over channel sets (data-driven, channel level).

The cooperative game (Zhao et al. 2018, "Shapley Value Methods for Attribution Modeling in
Online Advertising", arXiv:1804.05327; the "simplified Shapley value" of Google Ads Data Hub):
the players are the channels; the worth of a coalition ``S`` is the value of the converting
journeys whose channel set lies inside ``S``::

    v(S) = sum over T ⊆ S of r(T),   r(T) = value of the converting journeys whose set of
                                            distinct channels is exactly T

and channel ``i`` gets its Shapley value::

    phi_i = sum over S ⊆ N \\ {i} of |S|! (n - |S| - 1)! / n! · (v(S ∪ {i}) - v(S)).

Since ``r`` are the Harsanyi dividends of ``v``, ``phi_i = sum over T ∋ i of r(T) / |T|``
(Zhao et al.'s simplified formula): each converting journey's value is split equally among
its *distinct* channels.  Efficiency gives ``sum_i phi_i = v(N)``: the credit sums to the
total.  See ``docs/attribution/shapley.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from .._params import is_option
from ..base import AttributionModel, ChannelCredit
from ..errors import ParameterError
from ._credit import channel_codes, channel_sets
from ._stats import PathStats, distinct_sorted, journey_arrays

if TYPE_CHECKING:
    from ..tables import Journeys

__all__ = [
    "MAX_EXACT_CHANNELS",
    "ShapleyAttribution",
    "coalition_values",
    "shapley_from_dividends",
    "shapley_from_values",
]

#: largest number of channels for which the 2^n coalition computation is used
MAX_EXACT_CHANNELS = 16


def _segment_or(bits: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Bitwise OR of each segment (0 for an empty segment)."""
    n = offsets.size - 1
    out = np.zeros(n, dtype=np.int64)
    if n == 0 or bits.size == 0:
        return out
    bits = np.asarray(bits)
    starts = offsets[:-1]
    nonempty = offsets[1:] > starts
    out[nonempty] = np.bitwise_or.reduceat(bits, starts[nonempty])
    return out


def _popcount(x: np.ndarray, n_bits: int) -> np.ndarray:
    """Number of set bits of each element of ``x`` (non-negative, below ``2**n_bits``)."""
    count = np.zeros(x.shape, dtype=np.int64)
    for b in range(n_bits):  # loop over bits (channels)
        count += (x >> b) & 1
    return count


def channel_masks(
    offsets: np.ndarray, codes: np.ndarray, n_channels: int, use: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Channel set of every journey as a bitmask over the channels present in used journeys.

    Parameters
    ----------
    offsets, codes : ndarray
        CSR journeys (``codes`` in ``[0, n_channels)``).
    n_channels : int
        Number of channel codes.
    use : ndarray of bool, shape (n_journeys,)
        Journeys that take part in the game (converting, at least one touch).

    Returns
    -------
    masks : ndarray of int64, shape (n_journeys,)
        Bit ``k`` set when the journey touches ``players[k]`` (only meaningful where ``use``).
    players : ndarray of int64
        Channel codes present in the used journeys, ascending.
    """
    lengths = np.diff(offsets)
    if n_channels <= 62:
        # 32-bit masks while they fit: half the memory traffic over the touches
        small = n_channels <= 31
        one = np.int32(1) if small else np.int64(1)
        codes_n = np.asarray(codes).astype(np.int32 if small else np.int64, copy=False)
        full = _segment_or(np.left_shift(one, codes_n), offsets)
        used = int(np.bitwise_or.reduce(full[use])) if bool(use.any()) else 0
        players = np.flatnonzero((used >> np.arange(n_channels, dtype=np.int64)) & 1)
        if players.size == n_channels:
            return full, players
        masks = np.zeros_like(full)
        for k, c in enumerate(players):  # loop over channels
            masks |= ((full >> int(c)) & 1) << k
        return masks, players
    codes = np.asarray(codes, dtype=np.int64)
    touch_use = np.repeat(use, lengths)
    players = np.unique(codes[touch_use])
    if players.size > 62:
        return np.zeros(offsets.size - 1, dtype=np.int64), players
    lut = np.full(n_channels, -1, dtype=np.int64)
    lut[players] = np.arange(players.size)
    compact = lut[codes]
    bits = np.where(compact >= 0, np.left_shift(np.int64(1), np.maximum(compact, 0)), 0)
    return _segment_or(bits, offsets), players


def coalition_values(masks: np.ndarray, weights: np.ndarray, n_players: int) -> np.ndarray:
    """``v(S)`` for every coalition bitmask ``S`` (length ``2**n_players``).

    ``r = bincount(masks, weights)`` followed by the fast zeta (subset-sum) transform.
    """
    size = 1 << n_players
    v = np.bincount(masks, weights=weights, minlength=size).astype(np.float64)
    for i in range(n_players):  # loop over channels
        v3 = v.reshape(-1, 2, 1 << i)
        v3[:, 1, :] += v3[:, 0, :]
    return v


def shapley_from_values(v: np.ndarray, n_players: int) -> np.ndarray:
    """Exact Shapley values of the game ``v`` given on all ``2**n_players`` coalitions."""
    phi = np.zeros(n_players)
    if n_players == 0:
        return phi
    sizes = _popcount(np.arange(1 << n_players, dtype=np.int64), n_players)
    fact = [math.factorial(k) for k in range(n_players + 1)]
    w = np.array(
        [fact[s] * fact[n_players - s - 1] / fact[n_players] for s in range(n_players)],
        dtype=np.float64,
    )
    for i in range(n_players):  # loop over channels
        v3 = v.reshape(-1, 2, 1 << i)
        s3 = sizes.reshape(-1, 2, 1 << i)
        phi[i] = float(np.sum(w[s3[:, 0, :]] * (v3[:, 1, :] - v3[:, 0, :])))
    return phi


def shapley_from_dividends(
    offsets: np.ndarray,
    codes: np.ndarray,
    n_channels: int,
    use: np.ndarray,
    weights: list[np.ndarray],
) -> list[np.ndarray]:
    """Shapley values by the dividend formula ``phi_i = sum_{T ∋ i} r(T) / |T|``, any n.

    Each used journey's weight is split equally over its distinct channels.  Returns one
    ``float64`` array of length ``n_channels`` per entry of ``weights``.
    """
    n_journeys = offsets.size - 1
    pj, pc = channel_sets(offsets, codes, n_channels, use)
    k = np.bincount(pj, minlength=n_journeys).astype(np.float64)
    out = []
    for wt in weights:
        share = np.divide(wt, k, out=np.zeros(n_journeys), where=k > 0)
        out.append(np.bincount(pc, weights=share[pj], minlength=n_channels)[:n_channels])
    return out


class ShapleyAttribution(AttributionModel):
    """Exact Shapley values of the conversion (or revenue) game over channel sets.

    Parameters
    ----------
    value : {"revenue", "conversions"}, default "revenue"
        The game whose Shapley values give the **revenue** credit.  ``"revenue"``: the game
        ``v(S)`` = converted revenue of the journeys whose channel set lies in ``S`` (revenue
        credit = its Shapley values).  ``"conversions"``: revenue is shared in proportion to
        the Shapley values of the conversion game.  The **conversion** credit is always the
        Shapley value of the conversion game.
    method : {"auto", "subsets", "dividends"}, default "auto"
        ``"subsets"`` evaluates the game on all ``2**n`` coalitions of the ``n`` channels that
        occur in converting journeys (bitmasks, zeta transform, Shapley sum) — at most
        :data:`MAX_EXACT_CHANNELS` (16) channels, otherwise :class:`~alignment.ParameterError`.
        ``"dividends"`` uses the identity ``phi_i = sum_{T ∋ i} r(T) / |T|`` (same values,
        any number of channels).  ``"auto"`` takes ``"subsets"`` up to 16 channels and
        ``"dividends"`` beyond.

    Notes
    -----
    Only converting journeys with at least one touch enter the game (a non-converting journey
    adds nothing to any coalition's worth).  Channels that never occur in a converting journey
    get 0.  Credit sums to the total conversions and converted revenue of those journeys.
    ``ChannelCredit.details`` holds ``players`` (channels of the game), ``method``,
    ``shapley_conversions`` and ``shapley_revenue`` (dict channel → Shapley value of each
    game) and ``value``.
    """

    name: ClassVar[str] = "shapley"
    description: ClassVar[str] = "exact Shapley values of the channel-set conversion game"
    kind: ClassVar[Literal["touch", "channel"]] = "channel"

    def __init__(
        self,
        value: Literal["revenue", "conversions"] = "revenue",
        method: Literal["auto", "subsets", "dividends"] = "auto",
    ) -> None:
        self.value = value
        self.method = method

    def validate_params(self) -> None:
        """Check ``value`` and ``method``."""
        if not is_option(self.value, ("revenue", "conversions")):
            raise ParameterError(
                f"ShapleyAttribution: value must be 'revenue' or 'conversions', got {self.value!r}"
            )
        if not is_option(self.method, ("auto", "subsets", "dividends")):
            raise ParameterError(
                "ShapleyAttribution: method must be 'auto', 'subsets' or 'dividends', "
                f"got {self.method!r}"
            )

    def channel_credit(self, journeys: Journeys) -> ChannelCredit:
        """Credit per channel; see the class docstring."""
        self.validate_params()
        names, codes = channel_codes(journeys, purpose="take part in the Shapley game")
        phi_conv, phi_rev, details = shapley_credit(
            np.asarray(journeys.offsets, dtype=np.int64),
            codes,
            len(names),
            np.asarray(journeys.conversions, dtype=np.float64),
            np.asarray(journeys.revenue, dtype=np.float64),
            method=self.method,
        )
        conv_total = float(phi_conv.sum())
        if self.value == "conversions":
            rev_total = float(phi_rev.sum())
            share = phi_conv / conv_total if conv_total > 0 else np.zeros_like(phi_conv)
            rev = share * rev_total
        else:
            rev = phi_rev
        details["value"] = self.value
        details["players"] = [names[c] for c in details.pop("player_codes")]
        details["shapley_conversions"] = dict(zip(names, (float(x) for x in phi_conv)))
        details["shapley_revenue"] = dict(zip(names, (float(x) for x in phi_rev)))
        return ChannelCredit(
            conversions=dict(zip(names, (float(x) for x in phi_conv))),
            revenue=dict(zip(names, (float(x) for x in rev))),
            details=details,
        )

    # ------------------------------------------------------------ partition protocol
    def partial_stats(self, journeys: Journeys) -> PathStats:
        """Converting (and non-converting) journeys and revenue per distinct channel set."""
        self.validate_params()
        names, offsets, codes, conv, non, rev = journey_arrays(
            journeys, purpose="take part in the Shapley game"
        )
        offsets, codes = distinct_sorted(offsets, codes, names.size)
        return PathStats.aggregate(names, offsets, codes, conv, non, rev)

    def merge_stats(self, a: PathStats, b: PathStats) -> PathStats:
        """Union of two partitions' channel sets (identical sets summed)."""
        return a.merge(b)

    def credit_from_stats(self, stats: PathStats | None, channels: Sequence[str]) -> ChannelCredit:
        """The exact Shapley values of the summed channel-set game."""
        paths = (stats if stats is not None else PathStats.empty()).journeys()
        return self.channel_credit(paths)


def shapley_credit(
    offsets: np.ndarray,
    codes: np.ndarray,
    n_channels: int,
    conversions: np.ndarray,
    revenue: np.ndarray,
    *,
    method: str = "auto",
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Shapley values of the conversion game and of the revenue game, per channel code.

    Returns ``(phi_conversions, phi_revenue, details)``; each array has length ``n_channels``.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    conversions = np.asarray(conversions, dtype=np.float64)
    revenue = np.where(conversions > 0, np.asarray(revenue, dtype=np.float64), 0.0)
    lengths = np.diff(offsets)
    use = (lengths > 0) & ((conversions > 0) | (revenue > 0))
    masks, players = channel_masks(offsets, codes, n_channels, use)
    n = int(players.size)
    if method == "subsets" and n > MAX_EXACT_CHANNELS:
        raise ParameterError(
            f"ShapleyAttribution(method='subsets'): {n} channels occur in converting journeys; "
            f"the coalition computation is exact only up to {MAX_EXACT_CHANNELS} channels "
            f"(2**{MAX_EXACT_CHANNELS} coalitions). Group rare channels (e.g. map them to "
            "'other'), or use method='dividends' (or 'auto'), which gives the same Shapley "
            "values through the Harsanyi-dividend formula for any number of channels."
        )
    phi_conv = np.zeros(n_channels)
    phi_rev = np.zeros(n_channels)
    if method == "dividends" or (method == "auto" and n > MAX_EXACT_CHANNELS):
        used_method = "dividends"
        phi_conv, phi_rev = shapley_from_dividends(
            offsets, codes, n_channels, use, [conversions * use, revenue * use]
        )
    else:
        used_method = "subsets"
        m = masks[use]
        phi_conv[players] = shapley_from_values(coalition_values(m, conversions[use], n), n)
        phi_rev[players] = shapley_from_values(coalition_values(m, revenue[use], n), n)
    details: dict[str, Any] = {"method": used_method, "player_codes": [int(c) for c in players]}
    return phi_conv, phi_rev, details


# --------------------------------------------------------------------------------------------
# plain-Python twin (the definition; used by the tests)
# --------------------------------------------------------------------------------------------


def _py_shapley(journeys: list[tuple[list[str], float]]) -> dict[str, Any]:
    """Brute-force Shapley values by enumerating every ordering of the channels.

    ``journeys`` holds ``(channels, value)``; ``v(S)`` = total value of the journeys with at
    least one channel whose channel set is a subset of ``S``.  Exact with Fractions.
    """
    import itertools
    from fractions import Fraction

    sets = [(frozenset(ch), Fraction(val)) for ch, val in journeys if ch and val]
    players = sorted(set().union(*[s for s, _ in sets])) if sets else []

    def worth(coalition: frozenset[str]) -> Fraction:
        return sum((val for s, val in sets if s <= coalition), Fraction(0))

    phi = {p: Fraction(0) for p in players}
    perms = list(itertools.permutations(players))
    for perm in perms:
        current: frozenset[str] = frozenset()
        before = worth(current)
        for p in perm:
            current = current | {p}
            after = worth(current)
            phi[p] += after - before
            before = after
    return {p: phi[p] / len(perms) for p in players}
