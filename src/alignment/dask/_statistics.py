"""The stand-in model that records a data-driven model's partition statistics on Dask."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np

from .._guard import failing, guarded_call
from ..base import AttributionModel, ChannelCredit

__all__ = ["StatsCollector"]


class StatsCollector(AttributionModel):
    """A channel-level model that records the partition statistic of the model it stands for.

    The attribution engine hands it the journeys without ineligible touches (after the
    conversion, outside the lookback); it keeps ``model.partial_stats`` of them and returns a
    placeholder credit that conserves revenue (the real credit comes from the merged
    statistics, ``model.credit_from_stats``).
    """

    name: ClassVar[str] = "_dask_statistics"
    description: ClassVar[str] = "partition statistics of a data-driven model"
    kind: ClassVar[Literal["touch", "channel"]] = "channel"
    stats_: Any

    def __init__(self, model: AttributionModel | None = None) -> None:
        self.model = model

    def fit(self, journeys: Any) -> StatsCollector:
        return self

    def channel_credit(self, journeys: Any) -> ChannelCredit:
        assert self.model is not None
        fail = failing("attribution model", self.model)
        self.stats_ = guarded_call(self.model, "partial_stats", journeys, fail=fail)
        names = np.asarray(journeys.channel.categories, dtype=object)
        conv = np.asarray(journeys.conversions, dtype=np.float64)
        return self._placeholder(journeys, names, conv)

    @staticmethod
    def _placeholder(journeys: Any, names: np.ndarray, conv: np.ndarray) -> ChannelCredit:
        lengths = np.diff(np.asarray(journeys.offsets))
        att = (lengths > 0) & (conv > 0)
        total_rev = float(np.asarray(journeys.revenue, dtype=np.float64)[att].sum())
        total_conv = float(conv[att].sum())
        first = {str(names[0]): total_rev} if names.size else {}
        first_c = {str(names[0]): total_conv} if names.size else {}
        return ChannelCredit(conversions=first_c, revenue=first, details={})
