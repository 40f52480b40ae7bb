"""On Dask too, a third-party model's partition methods are guarded (exceptions name it)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")

import alignment  # noqa: E402
import alignment.dask  # noqa: E402
from alignment.base import AttributionModel, ChannelCredit  # noqa: E402
from alignment.errors import PluginError  # noqa: E402


class _Protocol(AttributionModel):
    """A data-driven model with the partition protocol (everything to one channel)."""

    name: ClassVar[str] = "guard_dask_protocol"
    description: ClassVar[str] = "partition protocol"
    kind: ClassVar[Literal["touch", "channel"]] = "channel"

    def channel_credit(self, journeys: Any) -> ChannelCredit:
        return self.credit_from_stats(self.partial_stats(journeys), [])

    def partial_stats(self, journeys: Any) -> float:
        return float(journeys.revenue.sum())

    def merge_stats(self, a: float, b: float) -> float:
        return a + b

    def credit_from_stats(self, stats: Any, channels: Any) -> ChannelCredit:
        return ChannelCredit({"all": 1.0}, {"all": float(stats or 0.0)})


class StatsRaise(_Protocol):
    name: ClassVar[str] = "guard_dask_stats_raise"

    def partial_stats(self, journeys: Any) -> float:
        raise OverflowError("too many journeys")


class CreditRaises(_Protocol):
    name: ClassVar[str] = "guard_dask_credit_raises"

    def credit_from_stats(self, stats: Any, channels: Any) -> ChannelCredit:
        raise LookupError("no channel")


class StatsAddColumn(_Protocol):
    name: ClassVar[str] = "guard_dask_stats_add"

    def partial_stats(self, journeys: Any) -> float:
        journeys.touch_numeric["leak"] = journeys.time
        return super().partial_stats(journeys)


@pytest.mark.parametrize(
    ("model", "needle"),
    [
        (StatsRaise(), "raised OverflowError in partial_stats"),
        (CreditRaises(), "raised LookupError in credit_from_stats"),
        (StatsAddColumn(), r"changed the journeys.*key\(s\) added \['leak'\]"),
    ],
)
def test_partition_methods_are_guarded(model: AttributionModel, needle: str) -> None:
    crm = alignment.datasets.synthetic_crm(n_leads=60, seed=1)
    frames = crm.to_frames("pandas")
    touches = dd.from_pandas(frames["touchpoints"], npartitions=2)
    conversions = dd.from_pandas(pd.DataFrame(frames["conversions"]), npartitions=2)
    with pytest.raises(PluginError, match=needle) as info:
        alignment.dask.attribute(touches, conversions, model=model)
    assert f"attribution model {type(model).name!r}" in str(info.value)
    assert info.value.__cause__ is not None or "changed" in needle
