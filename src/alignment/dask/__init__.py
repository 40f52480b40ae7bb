"""The Dask backend: the engines on ``dask.dataframe`` inputs (optional extra ``dask``).

Pass a ``dask.dataframe.DataFrame`` to a public entry point and this backend runs it: the
entry point finds the backend through :mod:`alignment._backends` (the ``alignment.backends``
entry point of this distribution imports this module, which registers it).  Each function
here takes the same arguments as its in-memory entry point and gives the same numbers (to floating-point summation
order, 1e-9 relative):

=========================  ===========================================================
in memory                  on Dask
=========================  ===========================================================
``alignment.attribute``    :func:`attribute` → :class:`DaskAttributionResult`
``alignment.score``        :func:`score` → :class:`DaskScoreResult`
``LogisticScorer.fit``     :func:`fit_logistic` → a fitted :class:`LogisticScorer`
``funnel.observe``         :func:`funnel_observe` → :class:`FunnelObservation`
``sla.evaluate``           :func:`sla_evaluate` → :class:`SLAReport`
=========================  ===========================================================

How: inputs keyed by journey (touches, conversions, activities) are brought to partitions
that hold whole journeys — nothing to do when the frame is indexed by the key with known
divisions, otherwise one hash shuffle on the key (:func:`partition_by_key`).  Each partition
runs the in-memory engine (numpy kernels) and returns a small summary;
summaries are combined by a ``dask.delayed`` tree reduction.  Data-driven attribution models run
through their partition protocol (``AttributionModel.partial_stats`` on every partition,
``merge_stats`` up the tree, ONE ``credit_from_stats`` on the client): Markov sums transition
counts (:class:`MarkovCounts`) and solves the combined chain once; Shapley sums journeys per
distinct channel set (:class:`PathStats`); a plugin model with the protocol runs the same way.
The backend never asks which model it runs.  See ``docs/dask.md``.

Engine internals come only from each engine's partition-kernel surface (its module docstring
section "Used by alignment.dask"): ``alignment.attribution._partition``,
``alignment.funnel._observe``, ``alignment.sla._evaluate``, ``alignment.scoring._logistic``,
the shared logistic driver ``alignment.scoring._lbfgs``, the mergeable score breakdown
``alignment.scoring._breakdown`` and ``alignment.scoring.score_tables`` (the in-memory score
without its warning, issued once per run from the merged diagnostics);
everything else is the engines' public API.

Warnings: a partition task keeps the in-memory engine's warnings and returns them as data with
its summary; they are issued once for the whole run (see :mod:`alignment.dask._common`).

``import alignment`` never imports dask or this module; :func:`is_dask_collection` only
looks at ``sys.modules``.

"""

from __future__ import annotations

from .._backends import Backend, register
from ..attribution._partition import MarkovCounts, PathStats, group_sequences
from ._attribution import DaskAttributionResult, attribute
from ._common import REQUIREMENT, is_dask_collection, partition_by_key
from ._funnel import funnel_observe, stage_durations
from ._scoring import DaskScoreResult, fit_logistic, score
from ._sla import sla_evaluate

__all__ = [
    "REQUIREMENT",
    "DaskAttributionResult",
    "DaskScoreResult",
    "MarkovCounts",
    "PathStats",
    "attribute",
    "fit_logistic",
    "funnel_observe",
    "group_sequences",
    "is_dask_collection",
    "partition_by_key",
    "score",
    "sla_evaluate",
    "stage_durations",
]

#: the backend this module registers on import
BACKEND = Backend(
    name="dask",
    accepts=is_dask_collection,
    operations={
        "attribute": attribute,
        "score": score,
        "fit_logistic": fit_logistic,
        "funnel_observe": funnel_observe,
        "sla_evaluate": sla_evaluate,
    },
)
register(BACKEND)
