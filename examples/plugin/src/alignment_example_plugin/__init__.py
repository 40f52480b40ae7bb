"""An example plugin for :mod:`alignment`.

It registers one attribution model and one lead scorer through the two hooks of
:mod:`alignment.hookspecs`.  The entry point in ``pyproject.toml``::

    [project.entry-points.alignment]
    example = "alignment_example_plugin"

tells ``alignment`` to import this module and call the hook implementations below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np

import alignment
from alignment.base import AttributionModel, Scorer
from alignment.errors import ParameterError

if TYPE_CHECKING:
    from alignment import Journeys, LeadTable
    from alignment.hookspecs import RegisterCallback

__all__ = ["FirstAndLast", "TouchCount", "register_attribution_models", "register_scorers"]
__version__ = "0.1.0"


class FirstAndLast(AttributionModel):
    """Split each conversion between the first and the last touch of its journey.

    Parameters
    ----------
    first_share : float, default 0.5
        Share of the credit given to the first touch; the last touch gets the rest.  A journey
        with a single touch gives it all the credit; touches in the middle get nothing.
    """

    name: ClassVar[str] = "first_and_last"
    description: ClassVar[str] = "first and last touch share the credit (first_share / rest)"
    kind: ClassVar[Literal["touch", "channel"]] = "touch"

    def __init__(self, first_share: float = 0.5) -> None:
        self.first_share = first_share

    def validate_params(self) -> None:
        share = self.first_share
        if isinstance(share, bool) or not isinstance(share, (int, float)):
            raise ParameterError(f"first_share must be a number, got {share!r}")
        if not 0.0 <= float(share) <= 1.0:
            raise ParameterError(f"first_share must be between 0 and 1, got {share!r}")

    def weights(self, journeys: Journeys) -> np.ndarray:
        self.validate_params()
        offsets = np.asarray(journeys.offsets, dtype=np.int64)
        lengths = np.diff(offsets)
        credited = np.asarray(journeys.converted, dtype=bool) & (lengths > 0)
        first = offsets[:-1][credited]
        last = offsets[1:][credited] - 1
        w = np.zeros(int(journeys.n_touches), dtype=np.float64)
        share = float(self.first_share)
        w[first] += share  # indices are unique within each statement
        w[last] += 1.0 - share  # a single touch is both first and last: 1.0
        return w


class TouchCount(Scorer):
    """Score a lead by its touches: points per touch, optionally per channel.

    Parameters
    ----------
    channel_points : mapping of str to float, optional
        Points for a touch in each channel; channels not listed get ``default_points``.
    default_points : float, default 1.0
        Points for a touch in any other channel.
    """

    name: ClassVar[str] = "touch_count"
    description: ClassVar[str] = "engagement score: points per touch, optionally per channel"

    def __init__(
        self, channel_points: Mapping[str, float] | None = None, default_points: float = 1.0
    ) -> None:
        self.channel_points = channel_points
        self.default_points = default_points

    def validate_params(self) -> None:
        values = [self.default_points, *(self.channel_points or {}).values()]
        for value in values:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParameterError(f"points must be numbers, got {value!r}")
            if not np.isfinite(value):
                raise ParameterError(f"points must be finite, got {value!r}")

    def score(
        self, leads: LeadTable, touchpoints: Journeys | None = None
    ) -> Mapping[str, np.ndarray]:
        self.validate_params()
        n = int(leads.n_leads)
        score = np.zeros(n, dtype=np.float64)
        touches = np.zeros(n, dtype=np.float64)
        if touchpoints is None or touchpoints.n_touches == 0:
            return {"score": score, "touches": touches}
        points = dict(self.channel_points or {})
        categories = np.asarray(touchpoints.channel.categories, dtype=object)
        per_channel = np.array(
            [float(points.get(str(c), self.default_points)) for c in categories], dtype=np.float64
        )
        codes = np.asarray(touchpoints.channel.codes, dtype=np.int64)
        per_touch = np.where(codes >= 0, per_channel[np.maximum(codes, 0)], self.default_points)
        index = np.asarray(touchpoints.journey_index, dtype=np.int64)
        n_journeys = int(touchpoints.n_journeys)
        per_journey = np.bincount(index, weights=per_touch, minlength=n_journeys)
        count = np.bincount(index, minlength=n_journeys).astype(np.float64)
        pos, found = leads.positions(touchpoints.keys)
        score[pos[found]] = per_journey[found]
        touches[pos[found]] = count[found]
        return {"score": score, "touches": touches}


@alignment.hookimpl
def register_attribution_models(register: RegisterCallback) -> None:
    """Register :class:`FirstAndLast` as ``"first_and_last"``."""
    register(FirstAndLast, name="first_and_last")


@alignment.hookimpl
def register_scorers(register: RegisterCallback) -> None:
    """Register :class:`TouchCount` as ``"touch_count"``."""
    register(TouchCount, name="touch_count")
