"""Partition kernels of the attribution engine (private; the engine owns and tests them).

Used by alignment.dask
-----------------------
The Dask twin runs the in-memory engine on every partition and combines sufficient
statistics; these are the only engine internals it may use:

* :func:`channel_codes` — channel names and per-touch codes, refusing touches without one.
* :func:`collapse_runs` — drop consecutive repeats of a channel within each journey.
* :func:`channel_sets` — the distinct channels of every journey (Shapley's statistic).
* :func:`markov_counts` — the counting step of the Markov chain (additive across partitions).
* :func:`markov_solve` — one exact solve of (summed) counts → :class:`MarkovFit`.
* :func:`credit_from_fit` — a :class:`MarkovFit` as :class:`~alignment.base.ChannelCredit`.
* :func:`plot_attribution` — the credit chart (it reads ``model_name`` and ``totals``).
* :func:`credit_table` — the per-key credit table (``conversions``, ``revenue``, ``share``).
* :class:`MarkovCounts`, :class:`PathStats`, :func:`group_sequences`, :func:`distinct_sorted` —
  the additive statistics of the built-in data-driven models (``attribution._stats``).

A data-driven model runs partitioned through its protocol methods
(:meth:`~alignment.base.AttributionModel.partial_stats`, ``merge_stats``,
``credit_from_stats``); the backend never asks which model it is.

Everything else in ``alignment.attribution._*`` may change without notice.
"""

from __future__ import annotations

from ._credit import channel_codes, channel_sets, collapse_runs
from ._markov_chain import (
    MarkovChainCounts,
    MarkovFit,
    credit_from_fit,
    markov_counts,
    markov_solve,
)
from ._plot import plot_attribution
from ._result import credit_table
from ._stats import MarkovCounts, PathStats, distinct_sorted, group_sequences

__all__ = [
    "MarkovChainCounts",
    "MarkovCounts",
    "MarkovFit",
    "PathStats",
    "channel_codes",
    "channel_sets",
    "collapse_runs",
    "credit_from_fit",
    "credit_table",
    "distinct_sorted",
    "group_sequences",
    "markov_counts",
    "markov_solve",
    "plot_attribution",
]
