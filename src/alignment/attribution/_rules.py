"""Rule-based attribution models (``kind = "touch"``): one weight per touch.

Each model has a pure array kernel (``*_weights`` functions below, vectorised with
:mod:`alignment._segments`) and a thin :class:`~alignment.base.AttributionModel` wrapper that
reads the arrays from a :class:`~alignment.tables.Journeys` table.  The formulas and worked
examples are in ``docs/attribution/rules.md``; the plain-Python twins live in
``tests/attribution/_twins.py``.

Every converted journey with at least one touch before its conversion gets weights that are
non-negative and sum to 1; touches at or after the conversion time and touches of journeys
without a conversion get 0.  (The engine :func:`alignment.attribute` removes ineligible touches
before calling a model; the models apply the same rule themselves so they are correct on any
table.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .. import _segments as seg
from .._frames import Categorical
from .._options import warn
from .._params import is_number
from .._time import parse_duration
from ..base import AttributionModel
from ..errors import AlignmentWarning, DataValidationError, ParameterError

if TYPE_CHECKING:
    from ..tables import Journeys

__all__ = [
    "FirstTouch",
    "FullPath",
    "InverseJShaped",
    "JShaped",
    "JourneyView",
    "LastNonDirect",
    "LastTouch",
    "Linear",
    "PositionBased",
    "RuleModel",
    "TimeDecay",
    "WShaped",
    "first_weights",
    "last_non_direct_weights",
    "last_weights",
    "linear_weights",
    "position_based_weights",
    "role_weights",
    "time_decay_weights",
]


# --------------------------------------------------------------------------------------------
# kernels on plain arrays
#
# offsets   : int64, length n_journeys + 1 (CSR)
# converted : bool per journey
# every touch of a converted journey is assumed to precede its conversion (the models
# guarantee this, see RuleModel.weights)
# --------------------------------------------------------------------------------------------


def _one_hot(offsets: np.ndarray, index: np.ndarray, converted: np.ndarray) -> np.ndarray:
    w = np.zeros(int(offsets[-1]), dtype=np.float64)
    idx = index[(index >= 0) & converted]
    w[idx] = 1.0
    return w


def first_weights(offsets: np.ndarray, converted: np.ndarray) -> np.ndarray:
    """First touch: weight 1 on the first touch of each converted journey."""
    return _one_hot(offsets, seg.segment_first(offsets), converted)


def last_weights(offsets: np.ndarray, converted: np.ndarray) -> np.ndarray:
    """Last touch: weight 1 on the last touch of each converted journey."""
    return _one_hot(offsets, seg.segment_last(offsets), converted)


def linear_weights(offsets: np.ndarray, converted: np.ndarray) -> np.ndarray:
    """Linear: ``1 / n`` on each of the ``n`` touches of a converted journey."""
    lengths = np.diff(offsets)
    per = np.where(converted & (lengths > 0), 1.0 / np.maximum(lengths, 1), 0.0)
    return seg.broadcast(per, offsets)


def time_decay_weights(
    offsets: np.ndarray,
    time: np.ndarray,
    converted_at: np.ndarray,
    half_life: np.timedelta64,
    converted: np.ndarray,
) -> np.ndarray:
    """Time decay: ``2 ** (-Δt / half_life)`` normalised per journey.

    ``Δt = converted_at - time``.  The exponent is taken relative to the journey's most recent
    touch (``Δt - min Δt``), which leaves the normalised weights unchanged but keeps the largest
    raw weight at exactly 1, so long journeys never underflow to 0/0.
    """
    # a converted journey without a conversion time decays from its latest touch (the
    # per-journey shift below makes the reference instant irrelevant)
    known = converted & ~np.isnat(converted_at)
    conv_i = np.where(known, converted_at, np.datetime64(0, "us")).astype(np.int64)
    t_i = time.astype("datetime64[us]").astype(np.int64)
    h = float(half_life.astype("timedelta64[us]").astype(np.int64))
    dt = (seg.broadcast(conv_i, offsets) - t_i).astype(np.float64) / h
    dt -= seg.broadcast(seg.segment_min(dt, offsets, empty=0.0), offsets)
    raw = np.exp2(-dt)
    raw *= seg.broadcast(converted, offsets)
    return seg.segment_normalize(raw, offsets)


def role_weights(
    offsets: np.ndarray,
    roles: Sequence[tuple[np.ndarray, float]],
    rest: float,
    converted: np.ndarray,
) -> np.ndarray:
    """Shares by role, the remainder spread over the touches without a role.

    Parameters
    ----------
    offsets : ndarray of int64
        CSR offsets.
    roles : sequence of (index per journey, share)
        For each role (first touch, lead-creation touch, …) the index of the touch holding it in
        each journey (``-1`` = the role is absent in that journey) and its share.
    rest : float
        Share spread evenly over the touches of a journey that hold no role.
    converted : ndarray of bool
        Per journey.

    Returns
    -------
    ndarray of float64
        Per touch.  A touch holding several roles (anchors that coincide) receives the sum of
        their shares.  Absent roles, and the rest share when every touch holds a role, are
        dropped and the remaining shares renormalised to 1.  Journeys whose present shares sum
        to 0 get zeros (the models' parameter validation prevents this).
    """
    n_touches = int(offsets[-1])
    n = offsets.size - 1
    w = np.zeros(n_touches, dtype=np.float64)
    has_role = np.zeros(n_touches, dtype=bool)
    total = np.zeros(n, dtype=np.float64)
    for index, share in roles:
        present = (index >= 0) & converted
        idx = index[present]
        w[idx] += share  # one touch per journey per role: indices are distinct
        has_role[idx] = True
        total += np.where(present, share, 0.0)
    free = ~has_role
    n_free = seg.segment_count(free, offsets)
    with_rest = converted & (n_free > 0)
    total += np.where(with_rest, rest, 0.0)
    per_free = np.where(with_rest, rest / np.maximum(n_free, 1), 0.0)
    w += np.where(free, seg.broadcast(per_free, offsets), 0.0)
    safe = np.where(total > 0, total, 1.0)
    out: np.ndarray = w / seg.broadcast(safe, offsets)
    return out


def position_based_weights(
    offsets: np.ndarray, first: float, middle: float, last: float, converted: np.ndarray
) -> np.ndarray:
    """Position-based: ``first`` on the first touch, ``last`` on the last, ``middle`` split.

    One touch gets 100%; two touches get ``first`` and ``last`` renormalised.
    """
    roles = [(seg.segment_first(offsets), first), (seg.segment_last(offsets), last)]
    return role_weights(offsets, roles, middle, converted)


def last_non_direct_weights(
    offsets: np.ndarray, excluded: np.ndarray, converted: np.ndarray
) -> np.ndarray:
    """Last touch whose channel is not excluded; plain last touch if every channel is excluded."""
    idx = seg.segment_last_true(~excluded, offsets)
    fallback = seg.segment_last(offsets)
    idx = np.where(idx >= 0, idx, fallback)
    return _one_hot(offsets, idx, converted)


# --------------------------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------------------------


def _check_share(model: str, name: str, value: Any) -> float:
    if not is_number(value):
        raise ParameterError(f"{model}: {name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ParameterError(f"{model}: {name} must be finite and >= 0, got {value!r}")
    return v


@dataclass(frozen=True, eq=False)
class JourneyView:
    """The converted journeys of a :class:`~alignment.tables.Journeys`, compacted.

    Rule kernels only ever give weight to converted journeys (about 10% of journeys in
    typical data), so the models work on this compact view and scatter the result back:
    the cost is O(touches of converted journeys), not O(all touches).

    Attributes mirror :class:`Journeys` (``offsets``, ``time``, ``channel``, ``converted_at``,
    ``converted`` (all true), ``anchors``, ``timed``); ``index`` maps each touch of the view
    to its position in the full table.
    """

    offsets: np.ndarray
    time: np.ndarray
    channel: Categorical
    converted_at: np.ndarray
    anchors: dict[str, np.ndarray]
    timed: bool
    index: np.ndarray
    journeys: np.ndarray  # journey index (in the full table) of each view journey

    @property
    def n_journeys(self) -> int:
        return int(self.offsets.size - 1)

    @property
    def n_touches(self) -> int:
        return int(self.offsets[-1])

    @property
    def converted(self) -> np.ndarray:
        return np.ones(self.n_journeys, dtype=bool)

    @classmethod
    def of(cls, journeys: Journeys) -> JourneyView:
        """The converted journeys of ``journeys``, all their touches."""
        which = np.flatnonzero(np.asarray(journeys.converted, dtype=bool))
        sub, index = seg.gather_segments(journeys.offsets, which)
        ch = journeys.channel
        return cls(
            offsets=sub,
            time=journeys.time[index],
            channel=Categorical(ch.codes[index], ch.categories),
            converted_at=journeys.converted_at[which],
            anchors={k: np.asarray(v)[which] for k, v in (journeys.anchors or {}).items()},
            timed=bool(journeys.timed),
            index=index,
            journeys=which,
        )

    def select_touches(self, mask: np.ndarray) -> JourneyView:
        """Keep the touches where ``mask`` is true (every journey is kept)."""
        counts = seg.segment_count(mask, self.offsets)
        off = np.zeros(counts.size + 1, dtype=np.int64)
        np.cumsum(counts, out=off[1:])
        return replace(
            self,
            offsets=off,
            time=self.time[mask],
            channel=Categorical(self.channel.codes[mask], self.channel.categories),
            index=self.index[mask],
        )

    def before_conversion(self) -> JourneyView:
        """Drop touches at or after the conversion (journeys without a conversion time keep all)."""
        if not self.timed or self.n_touches == 0:
            return self
        last = seg.segment_last(self.offsets)
        has = last >= 0
        conv = self.converted_at[has]
        late = (self.time[last[has]] >= conv) & ~np.isnat(conv)
        if not bool(late.any()):
            return self
        limit = seg.broadcast(self.converted_at, self.offsets)
        return self.select_touches((self.time < limit) | np.isnat(limit))


class RuleModel(AttributionModel):
    """Base of the rule-based models: handles eligibility, then calls :meth:`_weights`.

    Only converted journeys get weights, so the rule runs on a compact
    :class:`JourneyView` of them; touches at or after a journey's conversion time are
    removed from the view first, so they get 0.
    """

    kind: ClassVar[Any] = "touch"

    def weights(self, journeys: Journeys) -> np.ndarray:
        """Per-touch weights (``float64``, length ``journeys.n_touches``)."""
        self.validate_params()
        view = JourneyView.of(journeys).before_conversion()
        return self.scatter(view, self._weights(view), journeys.n_touches)

    @staticmethod
    def scatter(view: JourneyView, w: np.ndarray, n_touches: int) -> np.ndarray:
        """Weights of the view's touches placed into a full-length zero array."""
        out = np.zeros(n_touches, dtype=np.float64)
        out[view.index] = w
        return out

    def _weights(self, journeys: JourneyView) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class FirstTouch(RuleModel):
    """First touch: 100% of the credit to the first touch of the journey."""

    description: ClassVar[str] = "first touch gets 100%"

    def __init__(self) -> None:
        pass

    def _weights(self, journeys: JourneyView) -> np.ndarray:
        return first_weights(journeys.offsets, np.asarray(journeys.converted, dtype=bool))


class LastTouch(RuleModel):
    """Last touch: 100% of the credit to the last touch before the conversion."""

    description: ClassVar[str] = "last touch before conversion gets 100%"

    def __init__(self) -> None:
        pass

    def _weights(self, journeys: JourneyView) -> np.ndarray:
        return last_weights(journeys.offsets, np.asarray(journeys.converted, dtype=bool))


class Linear(RuleModel):
    """Linear: every touch of the journey gets ``1 / n``."""

    description: ClassVar[str] = "equal credit (1/n) to every touch"

    def __init__(self) -> None:
        pass

    def _weights(self, journeys: JourneyView) -> np.ndarray:
        return linear_weights(journeys.offsets, np.asarray(journeys.converted, dtype=bool))


class TimeDecay(RuleModel):
    """Time decay: weight ``2 ** (-Δt / half_life)`` normalised per journey.

    Parameters
    ----------
    half_life : str, timedelta or numpy.timedelta64, default "7d"
        Time after which a touch's weight halves (must be > 0).

    Notes
    -----
    Needs timed journeys (aggregated paths have no touch times: :class:`DataValidationError`).
    """

    description: ClassVar[str] = "weight halves every half_life before the conversion (default 7d)"

    def __init__(self, half_life: Any = "7d") -> None:
        self.half_life = half_life

    def validate_params(self) -> None:
        parse_duration(self.half_life, name="time_decay: half_life")

    def _weights(self, journeys: JourneyView) -> np.ndarray:
        if not journeys.timed:
            raise DataValidationError(
                "time_decay needs touch and conversion times; aggregated paths have none",
                table="journeys",
                fix="use a position rule (linear, position_based …) or a data-driven model",
            )
        h = parse_duration(self.half_life, name="time_decay: half_life")
        return time_decay_weights(
            journeys.offsets,
            journeys.time,
            journeys.converted_at,
            h,
            np.asarray(journeys.converted, dtype=bool),
        )


class PositionBased(RuleModel):
    """Position-based (U-shaped by default): shares for the first, middle and last touches.

    Parameters
    ----------
    first, middle, last : float, default 0.4, 0.2, 0.4
        Non-negative shares (normalised to sum to 1; ``first + last`` must be > 0).  The middle
        share is split evenly over the touches between the first and the last.  One touch gets
        100%; two touches get ``first`` and ``last`` renormalised (U: 50/50).
    """

    description: ClassVar[str] = "first/middle/last shares (default U-shaped 40/20/40)"

    def __init__(self, first: float = 0.4, middle: float = 0.2, last: float = 0.4) -> None:
        self.first = first
        self.middle = middle
        self.last = last

    def _shares(self) -> tuple[float, float, float]:
        label = self.name or "position_based"
        f = _check_share(label, "first", self.first)
        m = _check_share(label, "middle", self.middle)
        la = _check_share(label, "last", self.last)
        if f + la <= 0:
            raise ParameterError(
                f"{label}: first + last must be > 0 (two-touch journeys would get no credit), "
                f"got first={self.first!r}, last={self.last!r}"
            )
        total = f + m + la
        return f / total, m / total, la / total

    def validate_params(self) -> None:
        self._shares()

    def _weights(self, journeys: JourneyView) -> np.ndarray:
        f, m, la = self._shares()
        return position_based_weights(
            journeys.offsets, f, m, la, np.asarray(journeys.converted, dtype=bool)
        )


class JShaped(PositionBased):
    """J-shaped position-based preset: 20% first, 20% middle, 60% last (2 touches: 25/75)."""

    description: ClassVar[str] = "position-based 20/20/60 (J-shaped)"

    def __init__(self, first: float = 0.2, middle: float = 0.2, last: float = 0.6) -> None:
        self.first = first
        self.middle = middle
        self.last = last


class InverseJShaped(PositionBased):
    """Inverse-J position-based preset: 60% first, 20% middle, 20% last (2 touches: 75/25)."""

    description: ClassVar[str] = "position-based 60/20/20 (inverse J)"

    def __init__(self, first: float = 0.6, middle: float = 0.2, last: float = 0.2) -> None:
        self.first = first
        self.middle = middle
        self.last = last


#: the anchor parameters of the rule models and their defaults (the journeys' anchor names)
DEFAULT_ANCHORS: dict[str, str] = {
    "lead_anchor": "lead_created_at",
    "opportunity_anchor": "opportunity_at",
    "won_anchor": "won_at",
}
#: the anchor of the leads' creation instant, and the lead column it is read from
_CREATED = ("lead_created_at", "created_at")


def named_anchors(model: Any) -> list[str]:
    """The lead columns a model's anchor parameters name in place of their defaults (read as
    instants whatever their name; the creation instant is always read)."""
    names = (getattr(model, attr, d) for attr, d in DEFAULT_ANCHORS.items())
    chosen = [a for a, d in zip(names, DEFAULT_ANCHORS.values()) if a != d]
    return [a for a in dict.fromkeys(chosen) if isinstance(a, str) and a not in _CREATED]


def _anchor(journeys: JourneyView, name: str) -> np.ndarray | None:
    """The journeys' ``name`` anchor instants (``created_at``: the lead creation's), if any."""
    anchors = getattr(journeys, "anchors", None) or {}
    if name == _CREATED[1] and name not in anchors:
        name = _CREATED[0]
    return anchors.get(name)


def _anchor_index(journeys: JourneyView, anchor: str) -> np.ndarray:
    """Index of the last touch at or before the journey's ``anchor`` instant (-1 if none)."""
    at = _anchor(journeys, anchor)
    if at is None or not journeys.timed:
        return np.full(journeys.n_journeys, -1, dtype=np.int64)
    return seg.segment_last_at_or_before(journeys.time, journeys.offsets, at)


def _warn_missing_anchors(journeys: JourneyView, names: Sequence[str], model: str) -> None:
    anchors = getattr(journeys, "anchors", None) or {}
    missing = [a for a in names if _anchor(journeys, a) is None]
    if missing and journeys.n_journeys:
        warn(
            f"{model}: the journeys carry no {', '.join(repr(a) for a in missing)} anchor(s), so "
            "those roles are absent in every journey and their shares are redistributed; pass "
            "leads= holding those instant columns to alignment.attribute, or name other lead "
            "columns with lead_anchor=, opportunity_anchor=, won_anchor= (anchors available: "
            f"{sorted(anchors) or 'none'})",
            AlignmentWarning,
            stacklevel=5,
        )


class WShaped(RuleModel):
    """W-shaped: first touch, lead-creation touch, opportunity-creation touch, rest.

    Parameters
    ----------
    first, lead_creation, opportunity_creation, rest : float, default 0.3, 0.3, 0.3, 0.1
        Non-negative shares (``first`` > 0), normalised to sum to 1.
    lead_anchor, opportunity_anchor : str
        Names of the per-journey anchor instants in ``journeys.anchors`` (filled from
        ``leads=`` by :func:`alignment.attribute`: lead ``created_at`` and ``opportunity_at``;
        another name is read from that lead column, whatever its name, and a column the leads
        lack is a :class:`MissingColumnError`; ``"created_at"`` is the lead's creation).

    Notes
    -----
    The touch holding an anchor role is the last touch at or before the anchor instant.
    Anchors that coincide on one touch add their shares on that touch; an anchor that is
    missing (``NaT``, no touch at or before it) drops its share, and the rest share is dropped
    when every touch holds a role; the remaining shares are renormalised to 1.
    """

    description: ClassVar[str] = "30% first, 30% lead-creation, 30% opportunity touch, 10% rest"
    _roles: ClassVar[tuple[str, ...]] = ("first", "lead_creation", "opportunity_creation")

    def __init__(
        self,
        first: float = 0.3,
        lead_creation: float = 0.3,
        opportunity_creation: float = 0.3,
        rest: float = 0.1,
        lead_anchor: str = DEFAULT_ANCHORS["lead_anchor"],
        opportunity_anchor: str = DEFAULT_ANCHORS["opportunity_anchor"],
    ) -> None:
        self.first = first
        self.lead_creation = lead_creation
        self.opportunity_creation = opportunity_creation
        self.rest = rest
        self.lead_anchor = lead_anchor
        self.opportunity_anchor = opportunity_anchor

    def _shares(self) -> tuple[list[float], float]:
        label = self.name or type(self).__name__
        shares = [_check_share(label, r, getattr(self, r)) for r in self._roles]
        rest = _check_share(label, "rest", self.rest)
        if shares[0] <= 0:
            raise ParameterError(f"{label}: first must be > 0, got {self.first!r}")
        for attr in ("lead_anchor", "opportunity_anchor", "won_anchor"):
            if hasattr(self, attr) and not isinstance(getattr(self, attr), str):
                raise ParameterError(f"{label}: {attr} must be a string anchor name")
        return shares, rest

    def validate_params(self) -> None:
        self._shares()

    def _anchor_roles(self, journeys: JourneyView) -> list[np.ndarray]:
        label = self.name or type(self).__name__
        _warn_missing_anchors(journeys, [self.lead_anchor, self.opportunity_anchor], label)
        return [
            _anchor_index(journeys, self.lead_anchor),
            _anchor_index(journeys, self.opportunity_anchor),
        ]

    def _weights(self, journeys: JourneyView) -> np.ndarray:
        shares, rest = self._shares()
        offsets = journeys.offsets
        indices = [seg.segment_first(offsets), *self._anchor_roles(journeys)]
        return role_weights(
            offsets,
            list(zip(indices, shares)),
            rest,
            np.asarray(journeys.converted, dtype=bool),
        )


class FullPath(WShaped):
    """Full path: first, lead-creation, opportunity-creation and closed-won touches, rest.

    Parameters
    ----------
    first, lead_creation, opportunity_creation, closed_won, rest : float
        Default 0.225 each and 0.1 for the rest; non-negative, ``first`` > 0, normalised.
    lead_anchor, opportunity_anchor, won_anchor : str
        Anchor names in ``journeys.anchors``.  When the won anchor is missing for a journey its
        conversion time is used (the conversion is the closed-won deal), so the closed-won
        touch is then the last touch before the conversion.

    Notes
    -----
    Coinciding and missing anchors follow the rules of :class:`WShaped`.
    """

    description: ClassVar[str] = "22.5% first, lead, opportunity and won touches, 10% rest"
    _roles: ClassVar[tuple[str, ...]] = (
        "first",
        "lead_creation",
        "opportunity_creation",
        "closed_won",
    )

    def __init__(
        self,
        first: float = 0.225,
        lead_creation: float = 0.225,
        opportunity_creation: float = 0.225,
        closed_won: float = 0.225,
        rest: float = 0.1,
        lead_anchor: str = DEFAULT_ANCHORS["lead_anchor"],
        opportunity_anchor: str = DEFAULT_ANCHORS["opportunity_anchor"],
        won_anchor: str = DEFAULT_ANCHORS["won_anchor"],
    ) -> None:
        self.first = first
        self.lead_creation = lead_creation
        self.opportunity_creation = opportunity_creation
        self.closed_won = closed_won
        self.rest = rest
        self.lead_anchor = lead_anchor
        self.opportunity_anchor = opportunity_anchor
        self.won_anchor = won_anchor

    def _anchor_roles(self, journeys: JourneyView) -> list[np.ndarray]:
        roles = super()._anchor_roles(journeys)
        won = _anchor(journeys, self.won_anchor)
        if won is None:
            won_at = journeys.converted_at
        else:
            won_at = np.where(np.isnat(won), journeys.converted_at, won)
        if journeys.timed:
            won_idx = seg.segment_last_at_or_before(journeys.time, journeys.offsets, won_at)
        else:
            won_idx = seg.segment_last(journeys.offsets)
        return [*roles, won_idx]


class LastNonDirect(RuleModel):
    """Last non-direct touch: the last touch whose channel is not excluded.

    Parameters
    ----------
    exclude : str or sequence of str, default ("direct",)
        Channels to skip (compared case-insensitively, surrounding spaces ignored).

    Notes
    -----
    A converted journey made only of excluded channels falls back to plain last touch, so
    its revenue is still attributed (to the excluded channel) instead of being lost.
    """

    description: ClassVar[str] = "last touch skipping excluded channels such as 'direct'"

    def __init__(self, exclude: Any = ("direct",)) -> None:
        self.exclude = exclude

    def _excluded_names(self) -> set[str]:
        ex = self.exclude
        if isinstance(ex, str):
            ex = (ex,)
        try:
            items = list(ex)
        except TypeError:
            raise ParameterError(
                f"last_non_direct: exclude must be a channel name or a sequence of them, "
                f"got {self.exclude!r}"
            ) from None
        if not all(isinstance(x, str) for x in items):
            raise ParameterError(f"last_non_direct: exclude must hold strings, got {items!r}")
        return {x.strip().casefold() for x in items}

    def validate_params(self) -> None:
        self._excluded_names()

    def _weights(self, journeys: JourneyView) -> np.ndarray:
        names = self._excluded_names()
        cats = journeys.channel.categories
        excluded_cat = np.array([str(c).strip().casefold() in names for c in cats], dtype=bool)
        codes = journeys.channel.codes
        lookup = np.append(excluded_cat, False)  # code -1 (missing) → not excluded
        excluded = lookup[np.where(codes >= 0, codes, excluded_cat.size)]
        return last_non_direct_weights(
            journeys.offsets, excluded, np.asarray(journeys.converted, dtype=bool)
        )
