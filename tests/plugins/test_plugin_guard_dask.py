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


class MergeRaises(_Protocol):
    name: ClassVar[str] = "guard_dask_merge_raises"

    def merge_stats(self, a: float, b: float) -> float:
        raise ArithmeticError("cannot add")


class MergeInPlace(_Protocol):
    """Merges into its first argument (allowed: it gets copies), same numbers as memory."""

    name: ClassVar[str] = "guard_dask_merge_in_place"

    def partial_stats(self, journeys: Any) -> Any:
        return {"revenue": [float(journeys.revenue.sum())]}

    def merge_stats(self, a: Any, b: Any) -> Any:
        a["revenue"][0] += b["revenue"][0]
        return a

    def channel_credit(self, journeys: Any) -> ChannelCredit:
        names = [str(c) for c in journeys.channel.categories]
        return self.credit_from_stats(self.partial_stats(journeys), names)

    def credit_from_stats(self, stats: Any, channels: Any) -> ChannelCredit:
        first = sorted(channels)[0]  # everything to the first channel
        return ChannelCredit({first: 1.0}, {first: float(stats["revenue"][0])})


def test_in_place_merges_get_copies_and_the_in_memory_numbers() -> None:
    crm = alignment.datasets.synthetic_crm(n_leads=60, seed=1)
    frames = crm.to_frames("pandas")
    conversions = pd.DataFrame(frames["conversions"])
    touches = dd.from_pandas(frames["touchpoints"], npartitions=3)
    got = alignment.dask.attribute(
        touches, dd.from_pandas(conversions, npartitions=2), model=MergeInPlace()
    )
    want = alignment.attribute(frames["touchpoints"], conversions, model=MergeInPlace())
    assert got.totals() == pytest.approx(want.totals(), rel=1e-9)


@pytest.mark.parametrize(
    ("model", "needle"),
    [
        (MergeRaises(), "raised ArithmeticError in merge_stats"),
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
