"""The partition protocol: a third-party data-driven model runs on a Dask LocalCluster unchanged.

The model below is not a built-in and is not registered: it only implements
``channel_credit`` and the three protocol methods of ``alignment.base.AttributionModel``.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar, Literal

import numpy as np
import pytest

pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")
cloudpickle = pytest.importorskip("cloudpickle")

import pandas as pd  # noqa: E402

import alignment  # noqa: E402
from alignment.base import AttributionModel, ChannelCredit  # noqa: E402
from alignment.errors import ParameterError  # noqa: E402
from alignment.testing import check_partitioned_credit, partitioned_credit  # noqa: E402

# the worker processes cannot import this test module: ship its classes by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _first_channel_sums(journeys: Any) -> dict[str, list[float]]:
    """Per channel: conversions and revenue of the converted journeys that started there."""
    offsets = np.asarray(journeys.offsets)
    codes = np.asarray(journeys.channel.codes)
    names = np.asarray(journeys.channel.categories).astype(str)
    conv = np.asarray(journeys.conversions, dtype=np.float64)
    rev = np.asarray(journeys.revenue, dtype=np.float64)
    out: dict[str, list[float]] = {}
    for i in range(offsets.size - 1):  # plain Python on purpose: a plugin author's model
        if offsets[i + 1] > offsets[i] and conv[i] > 0:
            sums = out.setdefault(str(names[codes[offsets[i]]]), [0.0, 0.0])
            sums[0] += float(conv[i])
            sums[1] += float(rev[i])
    return out


class FirstChannel(AttributionModel):
    """Third-party style: each conversion to the channel its journey started in."""

    description: ClassVar[str] = "conversions to the opening channel"
    kind: ClassVar[Literal["touch", "channel"]] = "channel"

    def channel_credit(self, journeys: Any) -> ChannelCredit:
        return self.credit_from_stats(self.partial_stats(journeys), [])

    def partial_stats(self, journeys: Any) -> dict[str, list[float]]:
        return _first_channel_sums(journeys)

    def merge_stats(self, a: dict[str, list[float]], b: dict[str, list[float]]) -> Any:
        out = {k: list(v) for k, v in a.items()}
        for k, (c, r) in b.items():
            s = out.setdefault(k, [0.0, 0.0])
            s[0] += c
            s[1] += r
        return out

    def credit_from_stats(self, stats: Any, channels: Any) -> ChannelCredit:
        stats = stats or {}
        return ChannelCredit(
            conversions={k: v[0] for k, v in stats.items()},
            revenue={k: v[1] for k, v in stats.items()},
        )


class ForgetfulMerge(FirstChannel):
    """A broken merge: keeps the first partition's statistic only."""

    description: ClassVar[str] = "broken on purpose"

    def merge_stats(self, a: Any, b: Any) -> Any:
        return a


class NoProtocol(AttributionModel):
    """A data-driven model without the protocol."""

    description: ClassVar[str] = "whole-data model"
    kind: ClassVar[Literal["touch", "channel"]] = "channel"

    def channel_credit(self, journeys: Any) -> ChannelCredit:
        return FirstChannel().channel_credit(journeys)


@pytest.fixture(scope="module")
def client() -> Any:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
        memory_limit="2GB",
    )  # fmt: skip
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    crm = alignment.datasets.synthetic_crm(n_leads=400, seed=3)
    frames = crm.to_frames("pandas")
    return frames["touchpoints"], frames["conversions"]


def test_the_kit_passes_a_model_with_the_protocol_and_the_built_ins() -> None:
    check_partitioned_credit(FirstChannel())
    check_partitioned_credit(alignment.get_attribution_model("markov"))
    check_partitioned_credit(alignment.get_attribution_model("markov", order=2))
    check_partitioned_credit(alignment.get_attribution_model("shapley"))


def test_the_kit_catches_a_wrong_merge() -> None:
    with pytest.raises(AssertionError, match="partitions"):
        check_partitioned_credit(ForgetfulMerge())


def test_partitioned_credit_of_no_journey_is_empty() -> None:
    credit = partitioned_credit(FirstChannel(), [])
    assert dict(credit.revenue) == {} and dict(credit.conversions) == {}


def test_third_party_model_on_a_local_cluster_equals_memory(
    client: Any, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    touches, conversions = frames
    memory = alignment.attribute(touches, conversions, model=FirstChannel())
    on_dask = alignment.attribute(
        dd.from_pandas(touches, npartitions=4),
        dd.from_pandas(conversions, npartitions=3),
        model=FirstChannel(),
    )
    assert on_dask.summary()["partitions"] == 4
    a, b = memory.totals(), on_dask.totals()
    assert set(a) == set(b) and sum(a.values()) > 0
    for k in a:
        assert b[k] == pytest.approx(a[k], rel=1e-9, abs=1e-9), k
    assert on_dask.unattributed.total == pytest.approx(memory.unattributed.total, rel=1e-9)


def test_a_data_driven_model_without_the_protocol_is_refused_on_dask(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    touches, conversions = frames
    with pytest.raises(ParameterError, match="partial_stats, merge_stats and credit_from_stats"):
        alignment.attribute(
            dd.from_pandas(touches, npartitions=2),
            dd.from_pandas(conversions, npartitions=2),
            model=NoProtocol(),
        )


def test_the_contracts_page_example_passes_the_partition_check() -> None:
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "plugins" / "contracts.md"
    text = page.read_text()
    start = text.index("### The partition protocol")
    block = text[text.index("```python", start) + len("```python") : text.index("```\n", start + 1)]
    namespace: dict[str, Any] = {}
    exec(compile(block, str(page), "exec"), namespace)  # the documented example, as written
    model = namespace["OpeningChannel"]()
    assert type(model).partitionable()


def test_dask_credit_that_does_not_conserve_revenue_is_refused_as_in_memory(
    client: Any, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    """``credit_from_stats`` is checked as ``channel_credit`` is in memory: a merge that
    forgets partitions loses revenue, which is refused (a PluginError naming the model),
    where the shortfall was in no total and no unattributed reason."""
    from alignment.errors import PluginError

    touches, conversions = frames
    with pytest.raises(PluginError, match=r"ForgetfulMerge|does not add up|sum"):
        alignment.attribute(
            dd.from_pandas(touches, npartitions=3),
            dd.from_pandas(conversions, npartitions=3),
            model=ForgetfulMerge(),
        )
    ok = alignment.attribute(  # (the faithful model passes the same check)
        dd.from_pandas(touches, npartitions=3),
        dd.from_pandas(conversions, npartitions=3),
        model=FirstChannel(),
    )
    s = ok.summary()
    assert s["attributed_revenue"] + s["unattributed_revenue"] == pytest.approx(
        s["converted_revenue"], rel=1e-12
    )
