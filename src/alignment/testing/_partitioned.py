"""The partition check: a model gives the same credit on partitioned journeys as on all of them.

A backend (``alignment.dask``) runs an attribution model partition by partition through the
partition protocol of :class:`~alignment.base.AttributionModel`.  This check does the same in
memory, so a plugin author learns that the model runs on a cluster before having one.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from ..base import AttributionModel, ChannelCredit
from ._kit import SkipCheck, _fail, _fresh, _standard_journeys

if TYPE_CHECKING:
    from ..tables import Journeys

__all__ = ["check_partitioned_credit", "partitioned_credit"]


def _partitions(journeys: Journeys, n_parts: int) -> list[Journeys]:
    """``journeys`` cut into ``n_parts`` contiguous blocks of whole journeys (some may be empty)."""
    n = journeys.n_journeys
    bounds = np.linspace(0, n, n_parts + 1).round().astype(np.int64)
    index = np.arange(n)
    return [
        journeys.select_journeys((index >= lo) & (index < hi))
        for lo, hi in itertools.pairwise(bounds)
    ]


def partitioned_credit(model: AttributionModel, parts: list[Journeys]) -> ChannelCredit:
    """Drive the partition protocol over ``parts``: statistics, merged in order, one credit.

    Parameters
    ----------
    model : AttributionModel
        A data-driven model implementing ``partial_stats``, ``merge_stats`` and
        ``credit_from_stats``.
    parts : list of Journeys
        The partitions (each holds whole journeys).

    Returns
    -------
    ChannelCredit
        ``model.credit_from_stats`` of the merged statistic.
    """
    stats: Any = None
    channels: set[str] = set()
    for part in parts:
        channels |= {str(c) for c in np.asarray(part.channel.categories).tolist()}
        if part.n_journeys == 0:
            continue
        s = model.partial_stats(part)
        stats = s if stats is None else model.merge_stats(stats, s)
    return model.credit_from_stats(stats, sorted(channels))


def check_partitioned_credit(model: AttributionModel, n_parts: int = 3) -> None:
    """Partitioned runs give the credit of the whole (data-driven models with the protocol).

    Cuts the standard test journeys into ``n_parts`` partitions, drives ``partial_stats`` →
    ``merge_stats`` → ``credit_from_stats`` and compares the conversions and revenue per channel
    with ``channel_credit`` on all the journeys (relative 1e-9).  Rule models (per journey) and
    models that do not implement the protocol (they cannot run on a cluster) are skipped.
    """
    model = _fresh(model)
    if model.kind == "touch":
        raise SkipCheck("kind = 'touch': weights are per journey, nothing to merge")
    if not type(model).partitionable():
        raise SkipCheck(
            "does not implement partial_stats / merge_stats / credit_from_stats, so it cannot "
            "run partition by partition (alignment.dask refuses it)"
        )
    journeys = _standard_journeys()
    whole = model.fit(journeys).channel_credit(journeys)
    for parts in (_partitions(journeys, n_parts), _partitions(journeys, 1)):
        got = partitioned_credit(_fresh(model), parts)
        for label in ("conversions", "revenue"):
            a, b = dict(getattr(whole, label)), dict(getattr(got, label))
            keys = sorted(set(a) | set(b))
            x = np.array([float(a.get(k, 0.0)) for k in keys])
            y = np.array([float(b.get(k, 0.0)) for k in keys])
            if not np.allclose(x, y, rtol=1e-9, atol=1e-9):
                raise _fail(
                    model,
                    f"{label} credit over {len(parts)} partitions (partial_stats → merge_stats → "
                    f"credit_from_stats) differs from channel_credit on all the journeys: "
                    f"{dict(zip(keys, y.tolist()))} != {dict(zip(keys, x.tolist()))}",
                )
