"""Attribution on Dask: rule models per partition, data-driven models from summed statistics."""

from __future__ import annotations

import copy
import functools
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .._frame_types import dict_frames, level_frames
from .._guard import failing, guarded_call, is_builtin, plugin_exceptions
from .._parallel import inline_pool
from .._params import is_option
from .._results import frame_backend
from ..attribution._result import AttributionResult, Measure
from ..base import AttributionModel, ChannelCredit
from ..errors import DataValidationError, ParameterError

if TYPE_CHECKING:
    from ..attribution import Unattributed

from .._options import capture
from ._common import (
    Failure,
    as_ddf,
    dk,
    input_counts,
    input_rows,
    local_frame,
    partition_by_key,
    partition_lists,
    partition_task,
    raising_partition_task,
    require_dask,
    settle,
    tree_reduce,
)
from ._instants import Step, lead_times, refuse_mixed_instants
from ._refusals import merge_refused, raise_refused, refused_columns
from ._statistics import StatsCollector

# ---------------------------------------------------------------------------------------------
# attribution
# ---------------------------------------------------------------------------------------------


@dataclass
class _AttrSummary:
    """What one partition (or a subtree of partitions) contributes."""

    totals: dict[tuple[str, str], dict[str, float]]
    categories: set[str]
    unattributed: list[dict[str, np.ndarray]]
    stats: Any
    #: touch cost per key, per ``by`` (only when the touches carry a ``cost`` column)
    costs: dict[str, dict[str, float]] = field(default_factory=dict)
    n_touches: int = 0
    n_journeys: int = 0
    n_converted: int = 0
    converted_revenue: float = 0.0
    converted_conversions: float = 0.0
    key_ranges: list[tuple[Any, Any]] = field(default_factory=list)
    #: rows of the touches read, by input partition (see :func:`._common.input_counts`)
    touch_rows: dict[int, int] = field(default_factory=dict)
    #: the touch columns refused on use, with their errors (see :mod:`._refusals`)
    refused: dict[str, Failure] = field(default_factory=dict)
    #: the touch columns, in the order the per-touch frame reads them
    touch_names: tuple[str, ...] = ()

    def merge(
        self, other: _AttrSummary, merge_stats: Callable[[Any, Any], Any] | None = None
    ) -> _AttrSummary:
        totals = {k: dict(v) for k, v in self.totals.items()}
        for k, v in other.totals.items():
            t = totals.setdefault(k, {})
            for name, x in v.items():
                t[name] = t.get(name, 0.0) + x
        costs = {b: dict(v) for b, v in self.costs.items()}
        for b, v in other.costs.items():
            c = costs.setdefault(b, {})
            for name, x in v.items():
                c[name] = c.get(name, 0.0) + x
        stats = self.stats
        if other.stats is not None:
            if stats is None:
                stats = other.stats
            else:
                assert merge_stats is not None
                stats = merge_stats(stats, other.stats)
        return _AttrSummary(
            totals=totals,
            categories=self.categories | other.categories,
            unattributed=self.unattributed + other.unattributed,
            stats=stats,
            costs=costs,
            n_touches=self.n_touches + other.n_touches,
            n_journeys=self.n_journeys + other.n_journeys,
            n_converted=self.n_converted + other.n_converted,
            converted_revenue=self.converted_revenue + other.converted_revenue,
            converted_conversions=self.converted_conversions + other.converted_conversions,
            key_ranges=self.key_ranges + other.key_ranges,
            touch_rows={
                p: self.touch_rows.get(p, 0) + other.touch_rows.get(p, 0)
                for p in self.touch_rows.keys() | other.touch_rows.keys()
            },
            refused=merge_refused(self.refused, other.refused),
            touch_names=self.touch_names or other.touch_names,
        )


def _attribute_local(
    touches: Any,
    conversions: Any,
    leads: Any,
    *,
    spec: dict[str, Any],
    model: Any,
    part: int | None = None,
    **params: Any,
) -> Any:
    """The in-memory engine on one partition (frames as pandas, key as a column); ``part``:
    the input partition number of untagged touches (see :func:`local_frame`)."""
    from ..attribution import attribute as attribute_in_memory

    key = spec["lead"]
    res = attribute_in_memory(
        local_frame(touches, key, "touchpoints", part, arrow=True),
        local_frame(conversions, key, "conversions", arrow=True),
        model=model,
        lead=key,
        time=spec["time"],
        channel=spec["channel"],
        converted_at=spec["converted_at"],
        revenue=spec["revenue"],
        lookback=spec["lookback"],
        leads=local_frame(leads, spec.get("leads_key", key), "leads", arrow=True),
        won_stages=spec.get("won_stages"),
        reset=spec.get("reset", False),
        **params,
    )
    if res.table.key_column != key:  # journeys keyed by deal (several won deals per person)
        raise _per_deal_refused(key)
    return res


def _per_deal_refused(key: str) -> ParameterError:
    return ParameterError(
        f"several won deals for one {key!r} (or a deal with several contacts) are not supported "
        "on Dask yet: attribute them in memory (pass the frames computed, e.g. ddf.compute()), "
        f"or keep one won deal per {key!r}"
    )


@partition_task
@inline_pool  # a Dask task: no thread pool of its own
def _attr_partition(
    touches: Any,
    conversions: Any,
    leads: Any,
    *,
    spec: dict[str, Any],
    by: Sequence[str],
    statistic: bool,
    part: int | None = None,
) -> _AttrSummary:
    model: Any = spec["model"]
    params = dict(spec["model_params"])
    if statistic:
        model = StatsCollector(model)
        params = {}
    res = _attribute_local(touches, conversions, leads, spec=spec, model=model, part=part, **params)
    j = res.table  # (not res.journeys: that would sort the unconverted touches of rule models)
    totals: dict[tuple[str, str], dict[str, float]] = {}
    costs: dict[str, dict[str, float]] = {}
    if not statistic:
        for b in by:
            for measure in ("revenue", "conversions"):
                totals[(b, measure)] = res.totals(by=b, measure=measure)
            if "cost" in j.touch_numeric:  # the in-memory per-key table: cost of every touch
                table = res.to_frame(level=b, backend="dict")
                if "cost" in table:
                    costs[b] = {str(k): float(c) for k, c in zip(table[b], table["cost"])}
    u = res.unattributed
    converted = np.asarray(j.converted, dtype=bool)
    return _AttrSummary(
        totals=totals,
        categories={str(x) for x in j.channel.categories},
        unattributed=[
            {
                "keys": np.asarray(u.keys, dtype=object),
                "revenue": np.asarray(u.revenue, dtype=np.float64),
                "conversions": np.asarray(u.conversions, dtype=np.float64),
                "reason": np.asarray(u.reason, dtype=object),
            }
        ]
        if len(u)
        else [],
        stats=getattr(res.model, "stats_", None) if statistic else None,
        costs=costs,
        n_touches=int(res.summary()["touches"]),  # every input touch of the partition
        n_journeys=int(j.n_journeys),
        n_converted=int(converted.sum()),
        converted_revenue=float(np.asarray(j.revenue)[converted].sum()),
        converted_conversions=float(np.asarray(j.conversions)[converted].sum()),
        key_ranges=_key_range(touches, spec["lead"]),
        touch_rows=input_counts("touchpoints", len(touches)),
        refused=refused_columns(j),
        touch_names=tuple(getattr(j, "touch_columns", None) or ()),
    )


def _key_range(touches: Any, key: str) -> list[tuple[Any, Any]]:
    """The first and last key of a partition indexed by the key (in the index's order, that of
    the divisions: the journeys' keys may be text where the index holds numbers)."""
    index = touches.index if touches is not None and touches.index.name == key else None
    return [(index.min(), index.max())] if index is not None and len(index) else []


def _attr_mapped(
    touches: Any,
    conversions: Any,
    leads: Any,
    *,
    partition_info: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """:func:`_attr_partition` as a ``map_partitions`` function (the partition number from Dask)."""
    part = None if partition_info is None else int(partition_info["number"])
    return _attr_partition(touches, conversions, leads, part=part, **kwargs)


class DaskAttributionResult(AttributionResult):
    """The result of ``alignment.attribute`` on Dask: an :class:`AttributionResult`.

    The same result contract, with the same levels and defaults (``docs/results.md``):
    ``to_frame(level=None, backend=None)`` — ``"touch"`` (default) is a lazy
    ``dask.dataframe.DataFrame`` of per-touch credit (one partition per input partition); a
    key (``"channel"``, ``"campaign"`` …) is the small per-key table in ``backend``.
    ``summary()``, ``totals()``, ``_repr_html_()`` and ``plot()`` as in memory.  Channel totals
    (and the unattributed journeys) are computed when ``alignment.attribute`` runs;
    ``totals(by=other_key)`` runs one more distributed pass.  The per-touch members of the
    in-memory result that would pull every touch into memory (``journeys``, ``weights``,
    ``credit`` …) raise a :class:`~alignment.errors.ParameterError` that points to
    ``to_frame("touch")``.
    """

    levels: ClassVar[tuple[str, ...]] = ("touch", "channel")
    #: whether the touches were shuffled by lead (keys split across partitions)
    shuffled: bool
    #: number of input partitions
    npartitions: int
    _summary: _AttrSummary
    _rerun: Callable[[Sequence[str]], _AttrSummary]
    _touch_frame: Callable[[], Any]
    _channel: str
    _totals: dict[tuple[str, str], dict[str, float]]
    _costs: dict[str, dict[str, float]]

    def __init__(
        self,
        *,
        model: AttributionModel,
        model_name: str,
        summary: _AttrSummary,
        channel_credit: ChannelCredit | None,
        unattributed: Unattributed,
        rerun: Callable[[Sequence[str]], _AttrSummary],
        touch_frame: Callable[[], Any],
        shuffled: bool,
        npartitions: int,
        channel_name: str,
    ) -> None:
        state = {
            "model": model,
            "model_name": model_name,
            "channel_credit": channel_credit,
            "unattributed": unattributed,
            "support_weights": None,
            "backend": "pandas",
            "names": {},
            "lookback": None,
            "shuffled": shuffled,
            "npartitions": npartitions,
            "_summary": summary,
            "_rerun": rerun,
            "_touch_frame": touch_frame,
            "_channel": channel_name,
            "_totals": dict(summary.totals),
            "_costs": dict(summary.costs),
        }
        for name, value in state.items():  # a frozen dataclass: set once, here
            object.__setattr__(self, name, value)

    def _in_memory_only(self, what: str) -> ParameterError:
        return ParameterError(
            f"{what} on Dask would pull every touch into memory; use to_frame('touch') (a lazy "
            "Dask frame of per-touch credit) or totals()/to_frame(key) for roll-ups"
        )

    @property
    def table(self) -> Any:
        """Not held on Dask (see :meth:`to_frame`)."""
        raise self._in_memory_only("the journeys table")

    @property
    def journeys(self) -> Any:
        """Not held on Dask (see :meth:`to_frame`)."""
        raise self._in_memory_only("journeys")

    @property
    def eligible(self) -> np.ndarray:
        """Not held on Dask (see :meth:`to_frame`)."""
        raise self._in_memory_only("eligible")

    @property
    def weights(self) -> np.ndarray | None:
        """Not held on Dask (see :meth:`to_frame`)."""
        raise self._in_memory_only("weights")

    @dict_frames
    def touches(self, backend: str | None = "dict") -> Any:
        """Not held on Dask: ``to_frame("touch")`` is the lazy per-touch frame."""
        raise self._in_memory_only("touches()")

    @property
    def kind(self) -> str:
        """``"touch"`` (rule-based) or ``"channel"`` (data-driven)."""
        return "channel" if self.channel_credit is not None else "touch"

    @property
    def details(self) -> dict[str, Any]:
        """Model details of data-driven models (transition matrix, removal effects …)."""
        return {} if self.channel_credit is None else dict(self.channel_credit.details)

    def _norm_by(self, by: str) -> str:
        return "channel" if by == self._channel else by

    def totals(self, by: str = "channel", measure: Measure | None = None) -> dict[str, float]:
        """Credit rolled up by a key, exactly as ``AttributionResult.totals``."""
        from ..attribution._result import totals_args

        measure = totals_args(by, "revenue" if measure is None else measure)
        by = self._norm_by(by)
        if self.channel_credit is not None:
            if by != "channel":
                raise ParameterError(
                    f"totals(by={by!r}) needs per-touch weights, but {self.model_name!r} is a "
                    "data-driven model that credits channels only; use by='channel'"
                )
            src = (
                self.channel_credit.revenue
                if measure == "revenue"
                else self.channel_credit.conversions
            )
            out = {c: float(src.get(c, 0.0)) for c in sorted(self._summary.categories)}
            for k, v in src.items():
                out.setdefault(str(k), float(v))
            return out
        if (by, measure) not in self._totals:
            extra = self._rerun([by])
            self._totals.update(extra.totals)
            self._costs.update(extra.costs)
        t = self._totals[(by, measure)]
        return {k: t[k] for k in sorted(t)}

    @property
    def attributed_revenue(self) -> float:
        """Revenue credited to touches / channels."""
        return float(sum(self.totals().values()))

    @property
    def converted_revenue(self) -> float:
        """Revenue of every converted journey (attributed or not)."""
        return self._summary.converted_revenue

    @level_frames
    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
        """``level="touch"`` (default): lazy Dask frame of per-touch credit; else a per-key table.

        The per-touch frame stays lazy: a backend other than ``None`` (or ``"dask"``) is refused
        there; its ``.compute()`` is pandas.  The per-key table (``conversions``, ``revenue``,
        ``share``, and for rule-based models whose touches carry a ``cost`` column, ``cost`` and
        ``roi`` as in memory) is small and returned in ``backend`` (default pandas).
        """
        level, backend = self._frame_args(level, backend, open_levels=True)
        if level == "touch":
            if self.channel_credit is not None:
                raise ParameterError(
                    f"to_frame(level='touch') needs per-touch weights, but {self.model_name!r} "
                    "is a data-driven model that credits channels only"
                )
            if not is_option(backend, (None, "dask")):
                raise ParameterError(
                    f"to_frame(level='touch', backend={backend!r}): per-touch credit on Dask is "
                    "a lazy Dask frame; call to_frame('touch') and .compute() it (pandas)"
                )
            return self._touch_frame()
        from .._frames import to_native
        from ..attribution._partition import credit_table

        by = self._norm_by(level)
        cols = credit_table(level, self.totals(level, "revenue"), self.totals(level, "conversions"))
        cost_of = self._costs.get(by)
        if cost_of is not None:
            cost = np.array([cost_of.get(str(k), 0.0) for k in cols[level]], dtype=np.float64)
            roi = np.full(cost.size, np.nan)
            np.divide(cols["revenue"] - cost, cost, out=roi, where=cost != 0)
            cols["cost"] = cost
            cols["roi"] = roi
        return to_native(cols, frame_backend(backend, "pandas"))

    def summary(self) -> dict[str, Any]:
        """Model, journey counts, the revenue reconciliation and how the data were partitioned."""
        s = self._summary
        return {
            "model": self.model_name,
            "outcome": self.outcome,
            "measure": self.measure,
            "journeys": s.n_journeys,
            "touches": s.n_touches,
            "converted_journeys": s.n_converted,
            "converted_revenue": s.converted_revenue,
            "attributed_revenue": self.attributed_revenue,
            "unattributed_revenue": self.unattributed.total,
            "partitions": self.npartitions,
            "shuffled": self.shuffled,
        }

    def _repr_html_(self) -> str:
        from .._display import preview

        s = self.summary()
        cols = self.to_frame("channel", backend="dict")
        order = np.argsort(-cols["revenue"], kind="stable")
        note = (
            f"{s['journeys']:,} journeys in {s['partitions']} partitions; revenue "
            f"{s['converted_revenue']:,.2f} = attributed {s['attributed_revenue']:,.2f} + "
            f"unattributed {s['unattributed_revenue']:,.2f}"
        )
        return preview(
            f"Attribution on Dask — model {s['model']}",
            {k: v[order] for k, v in cols.items()},
            note=note,
            kinds={"revenue": "money"},
            rates=True,
        )

    def plot(
        self,
        ax: Any = None,
        *,
        by: str = "channel",
        measure: Measure = "revenue",
        compare: Mapping[str, AttributionResult] | None = None,
    ) -> tuple[Any, Any]:
        """Bar chart of the credit per key, as ``AttributionResult.plot`` (``plot`` extra)."""
        from ..attribution._partition import plot_attribution

        return plot_attribution(self, ax=ax, by=by, measure=measure, compare=compare)

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"DaskAttributionResult(model={s['model']!r}, journeys={s['journeys']}, "
            f"touches={s['touches']}, partitions={s['partitions']}, "
            f"attributed_revenue={s['attributed_revenue']:.6g})"
        )


def _check_key_ranges(ranges: list[tuple[Any, Any]], key: str) -> None:
    """Partitions trusted to be keyed must not share a key (the known-divisions shortcut)."""
    ordered = sorted(ranges, key=lambda r: r[0])
    for (_, hi), (lo, _) in itertools.pairwise(ordered):
        if not hi < lo:
            raise DataValidationError(
                "the frame's divisions say partitions hold distinct journey keys, but key "
                f"{lo!r} occurs in two partitions",
                column=key,
                value=lo,
                fix="rewrite the files so that no journey spans two files, or pass the frame "
                "without a key index (it is then shuffled on the key)",
            )


#: the column names and options of ``alignment.attribute``, with their defaults
_OPTIONS: dict[str, Any] = {
    "model": "linear",
    "lead": "lead_id",
    "time": "timestamp",
    "channel": "channel",
    "converted_at": "converted_at",
    "revenue": "revenue",
    "lookback": None,
    "leads": None,
    "deal_contacts": None,
    "won_stages": None,
    "reset": False,
}


def attribute(touchpoints: Any, conversions: Any = None, **options: Any) -> DaskAttributionResult:
    """:func:`alignment.attribute` on Dask DataFrames (same arguments, same numbers).

    ``alignment.attribute`` calls it for Dask inputs with its own arguments: ``touchpoints``
    (one row per touch; the journey key is a column or the index), ``conversions`` and
    ``leads`` (Dask frames co-partitioned with the touches by the key), the column names,
    ``model``, ``lookback`` and the model's parameters.

    Notes
    -----
    Rule-based models run per partition and their per-key totals are summed.  Data-driven
    models run through their partition protocol (``partial_stats`` on every partition,
    ``merge_stats`` up a reduction tree, one ``credit_from_stats``): ``markov`` sums transition
    counts, ``shapley`` channel-set counts, and a plugin model that implements the protocol
    runs the same way.  A data-driven model without it is refused with :class:`ParameterError`.
    Deals are read as in memory (the strict ``won`` flag, or ``won_stages``), but deal-keyed
    journeys (several won deals per person, ``deal_contacts=``) are refused with
    :class:`ParameterError`: not supported on Dask yet.
    """
    require_dask()
    o = {k: options.pop(k, v) for k, v in _OPTIONS.items()}  # the rest: model parameters
    m = _partitioned_model(o["model"], options)
    statistic = m.kind == "channel"
    lead, leads, channel = o["lead"], o["leads"], o["channel"]
    if o["deal_contacts"] is not None:
        raise _per_deal_refused(lead)
    spec = {  # the in-memory engine gets the instance itself (parameters already applied)
        **{
            k: o[k]
            for k in (
                "lead",
                "time",
                "channel",
                "converted_at",
                "revenue",
                "lookback",
                "won_stages",
                "reset",
            )
        },
        "model": m,
        "model_params": {},
        "leads_key": lead,
    }
    inputs = {
        "touchpoints": as_ddf(touchpoints, "touchpoints"),
        "conversions": as_ddf(conversions, "conversions"),
        "leads": as_ddf(leads, "leads"),
    }
    with input_rows(inputs):  # (mixed naive and aware instants: over all partitions)
        refuse_mixed_instants(inputs, _read_steps(o, inputs["leads"], conversions is None))
    frames, shuffled = partition_by_key(list(inputs.values()), lead, tag=True)
    parts = partition_lists(frames)

    def run(by: Sequence[str], stat: bool, warn: bool = False) -> _AttrSummary:
        with input_rows(inputs):
            check = None if shuffled else lead
            return _run_partitions(frames, spec, by, stat, m, check, warn=warn)

    summary = run(() if statistic else ("channel",), statistic, warn=True)
    unattributed = _unattributed(summary, lead)
    credit = _stats_credit(m, summary, unattributed) if statistic else None
    return DaskAttributionResult(
        model=m,
        model_name=m.name or type(m).__name__,
        summary=summary,
        channel_credit=credit,
        unattributed=unattributed,
        rerun=lambda by: run(by, False),
        touch_frame=lambda: _touch_frame(parts, spec, summary, shuffled),
        shuffled=shuffled,
        npartitions=len(parts),
        channel_name=channel,
    )


def _read_steps(o: Mapping[str, Any], leads: Any, on_touches: bool) -> list[Step]:
    """The time columns of the tables of a call, in the order memory reads and checks them
    (:meth:`alignment.tables.Journeys.build`): the touches' time, the leads' instants, the
    conversions' time, then the touches' again (with their conversion time when they hold
    it), checked with all the others."""
    time, converted_at = o["time"], o["converted_at"]
    steps: list[Step] = [("touchpoints", [time])]
    if leads is not None:
        steps.append(("leads", lead_times(leads, id=o["lead"])))
    if not on_touches:
        steps.append(("conversions", [converted_at]))
    steps.append(("touchpoints", [time, converted_at] if on_touches else [time]))
    return steps


def _stats_credit(
    m: AttributionModel, summary: _AttrSummary, unattributed: Unattributed
) -> ChannelCredit:
    """The model's ``credit_from_stats`` on the merged statistics, checked as in memory
    (:func:`alignment.attribution._engine.check_channel_credit`): it must conserve the
    conversions and revenue of the attributed journeys (converted less unattributed)."""
    from ..attribution._engine import check_channel_credit

    name = m.name or type(m).__name__
    cc = guarded_call(
        m,
        "credit_from_stats",
        summary.stats,
        sorted(summary.categories),
        fail=failing("attribution model", m),
    )
    expected = {
        "revenue": summary.converted_revenue - float(np.sum(unattributed.revenue)),
        "conversions": summary.converted_conversions - float(np.sum(unattributed.conversions)),
    }
    return check_channel_credit(cc, name, summary.categories, expected, summary.n_touches)


def _partitioned_model(model: Any, model_params: dict[str, Any]) -> AttributionModel:
    """The model, checked to run partition by partition (see ``AttributionModel.partitionable``)."""
    from ..plugins import get_attribution_model

    m = get_attribution_model(model, **model_params)
    name = m.name or type(m).__name__
    fail = failing("attribution model", m)
    if m.kind not in ("touch", "channel"):
        raise ParameterError(f"attribution model {name!r} has kind {m.kind!r}")
    partitionable = guarded_call(m, "partitionable", fail=fail)
    if not isinstance(partitionable, (bool, np.bool_)):
        raise fail(f"partitionable() returned {type(partitionable).__name__}; expected a bool")
    if not partitionable:
        what = (
            "credits channels from the whole data set"
            if m.kind == "channel"
            else "must be fitted on the whole data set"
        )
        raise ParameterError(
            f"attribution model {name!r} {what}, so it cannot run partition by partition on "
            "Dask; implement partial_stats, merge_stats and credit_from_stats (the partition "
            "protocol of alignment.base.AttributionModel, docs/plugins/contracts.md), or use a "
            "rule-based model, 'markov' or 'shapley'"
        )
    guarded_call(m, "validate_params", fail=fail)
    return m


def _merge_of(model: AttributionModel) -> Callable[[Any, Any], Any]:
    """The model's ``merge_stats``; a third-party one gets copies of the statistics (it may
    merge in place) and its exceptions become a :class:`PluginError` naming it."""
    if is_builtin(model):
        return model.merge_stats
    fail = failing("attribution model", model)

    def merge(a: Any, b: Any) -> Any:
        with plugin_exceptions("merge_stats", fail):
            return model.merge_stats(copy.deepcopy(a), copy.deepcopy(b))

    return merge


def _run_partitions(
    frames: list[Any],
    spec: dict[str, Any],
    by: Sequence[str],
    statistic: bool,
    model: AttributionModel,
    check_key: str | None,
    *,
    warn: bool,
) -> _AttrSummary:
    """One distributed pass: every partition through the engine, summaries merged in a tree.

    One task per partition: the engine runs in the task that reads the partition (a
    ``map_partitions`` fused with the read), whose output is the partition's summary.  With
    ``warn`` (the pass of ``alignment.attribute``; not a later pass of ``totals(by=...)``) the
    engine's warnings are issued, once each for the whole run.
    """
    import pandas as pd

    compute = dk().compute
    mapped = frames[0].map_partitions(
        _attr_mapped,
        *frames[1:],
        spec=spec,
        by=tuple(by),
        statistic=statistic,
        reading=capture(),
        meta=pd.Series([], dtype=object),  # (never built: the outputs are summaries)
        align_dataframes=False,  # co-partitioned by partition_by_key
        enforce_metadata=False,
    )
    nodes = list(mapped.to_delayed())
    merge = functools.partial(_AttrSummary.merge, merge_stats=_merge_of(model))
    out: _AttrSummary = settle(compute(tree_reduce(nodes, merge))[0], warn=warn)
    if check_key is not None:
        _check_key_ranges(out.key_ranges, check_key)
    return out


def _unattributed(summary: _AttrSummary, lead: str) -> Unattributed:
    """The unattributed journeys of every partition, in key order."""
    from ..attribution import Unattributed

    un = summary.unattributed
    if un:
        korder = _key_order(np.concatenate([u["keys"] for u in un]))
        cols = {k: np.concatenate([u[k] for u in un])[korder] for k in un[0]}
    else:
        cols = {
            "keys": np.zeros(0, dtype=object),
            "revenue": np.zeros(0),
            "conversions": np.zeros(0),
            "reason": np.zeros(0, dtype=object),
        }
    return Unattributed(
        keys=cols["keys"],
        revenue=cols["revenue"],
        conversions=cols["conversions"],
        reason=cols["reason"],
        backend="pandas",
        key_name=lead,
    )


def _touch_frame(
    parts: list[list[Any]], spec: dict[str, Any], summary: _AttrSummary, shuffled: bool
) -> Any:
    """Lazy per-touch credit, one partition per input partition; its data errors name the rows
    of the whole input, counted by the pass of ``alignment.attribute`` (``summary.touch_rows``).
    A default label column refused on use is refused here, naming the rows of every partition
    (found by that pass: :mod:`._refusals`)."""
    import dask.dataframe as dd

    counts = summary.touch_rows
    lengths = np.array([counts.get(i, 0) for i in range(max(counts, default=-1) + 1)], np.int64)
    raise_refused(summary.refused, summary.touch_names, lengths)  # (every partition's rows)
    run = dk().delayed(_touch_task, pure=True)
    return dd.from_delayed(
        [
            run(*p, spec=spec, part=None if shuffled else i, lengths=lengths, reading=capture())
            for i, p in enumerate(parts)
        ],
        verify_meta=False,
    )


def _key_order(keys: np.ndarray) -> np.ndarray:
    """Ascending key order (the order of an in-memory table's journeys)."""
    try:
        return np.argsort(keys, kind="stable")
    except TypeError:  # mixed types: by text
        return np.argsort(keys.astype(str), kind="stable")


def _touch_task(*frames: Any, lengths: np.ndarray, **kwargs: Any) -> Any:
    """:func:`_touch_partition`, its errors' rows renumbered in the whole touch input."""
    with input_rows({"touchpoints": lengths}):
        return _touch_partition(*frames, **kwargs)


@raising_partition_task
@inline_pool  # a Dask task: no thread pool of its own
def _touch_partition(
    touches: Any, conversions: Any, leads: Any, *, spec: dict[str, Any], part: int | None
) -> Any:
    res = _attribute_local(touches, conversions, leads, spec=spec, model=spec["model"], part=part)
    return res._touch_level("pandas", dictionary=False)  # (strings: one dtype in every part)
