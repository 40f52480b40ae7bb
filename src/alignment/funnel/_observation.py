"""Funnel observation from lead stage timestamps: FunnelObservation, observe, plan_from."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, cast, overload

import numpy as np
from numpy.typing import NDArray

from .._backends import find as find_backend
from .._display import preview as html_table
from .._frame_types import level_frames
from .._options import read_as_of, reads_options
from .._params import Number, is_integer
from .._results import Result, frame_backend
from ..errors import ParameterError
from ._base import (
    DEFAULT_STAGES,
    FloatArray,
    _to_frame,
)
from ._lifecycle import check_count, check_skipped
from ._observe import (
    group_codes,
    lead_table,
    observation_arrays,
    read_only,
    stage_times,
)
from ._plan_results import (
    Plan,
)
from ._planning import (
    plan,
)

__all__ = ["FunnelObservation", "observe", "plan_from"]


# --------------------------------------------------------------------------- observation
@dataclass(frozen=True, eq=False, repr=False)
class FunnelObservation(Result):
    """What a funnel really converts, measured from lead stage timestamps.

    Arrays are indexed ``[group, stage]`` (``G`` groups × ``S`` stages) or
    ``[group, transition]`` (``S − 1`` transitions, transition *k* is stage *k* → *k+1*).
    Without ``by``/``cohort`` there is one group.

    Attributes
    ----------
    stages : tuple of str
        Stage columns, top to bottom (``stages[0]`` is the entry, normally ``created_at``).
    labels : tuple of str
        Stage names used by :func:`plan_from`: ``"mql_at"`` → ``"mql"``,
        ``"created_at"`` → ``"lead"``.
    mode, interval, confidence, out_of_order_policy, as_of
        The options used (``as_of`` as ``datetime64[us]`` UTC).
    by : str or None
        Lead column used for segmentation; ``group_values`` holds each group's value
        (``"(missing)"`` for leads without one).
    cohort : str or None
        Entry-period frequency; ``group_cohorts`` holds each group's period start (UTC day).
    counts : ndarray of int64, shape (G, S)
        Leads reaching each stage.
    converted : ndarray of int64, shape (G, S-1)
        Leads that reached stage *k* and stage *k+1* (equals ``counts[:, k+1]`` in ordered mode).
    next_rate, next_low, next_high : ndarray, shape (G, S-1)
        Next-step conversion ``converted / counts[:, k]`` and its confidence interval.
    cumulative, cumulative_low, cumulative_high : ndarray, shape (G, S)
        Cumulative conversion ``counts[:, k] / counts[:, 0]`` and its confidence interval.
    n_durations, out_of_order : ndarray of int64, shape (G, S-1)
        Durations used for velocity, and conversions whose timestamps run backwards.
    median_days, mean_days, p90_days : ndarray, shape (G, S-1)
        Velocity: time from stage *k* to stage *k+1* among converted leads, in days.
    horizon_days : float or None
        The ``horizon`` of the Kaplan–Meier estimate, in days.
    km_rate : ndarray, shape (G, S-1), or None
        Kaplan–Meier estimate of the share of leads at stage *k* reaching stage *k+1* within
        ``horizon`` (open leads censored), when ``horizon`` was given.
    backend : str
        The caller's backend (of the lead table), used by :meth:`to_frame` by default.
    n_leads, n_entered, n_excluded : int
        Leads given, leads counted at the entry stage, leads that entered after ``as_of``;
        ``n_not_entered`` (property) are those without an entry timestamp, so the three add
        up to ``n_leads``.

    Notes
    -----
    A ratio with no lead in its denominator (``0 / 0``) is ``nan`` and its interval is
    ``[0, 1]``; velocity without any converted lead is ``nan`` (``n_durations`` is 0).
    :meth:`plot` draws the leads per stage with their conversion (the ``plot`` extra) and
    returns ``(fig, ax)``.
    """

    stages: tuple[str, ...]
    labels: tuple[str, ...]
    mode: str
    interval: str
    confidence: float
    out_of_order_policy: str
    as_of: np.datetime64 | None
    by: str | None
    cohort: str | None
    group_values: NDArray[np.object_] | None
    group_cohorts: NDArray[np.datetime64] | None
    counts: NDArray[np.int64]
    converted: NDArray[np.int64]
    next_rate: FloatArray
    next_low: FloatArray
    next_high: FloatArray
    cumulative: FloatArray
    cumulative_low: FloatArray
    cumulative_high: FloatArray
    n_durations: NDArray[np.int64]
    out_of_order: NDArray[np.int64]
    median_days: FloatArray
    mean_days: FloatArray
    p90_days: FloatArray
    horizon_days: float | None
    km_rate: FloatArray | None
    n_leads: int
    n_entered: int
    n_excluded: int
    backend: str = "dict"

    @property
    def n_not_entered(self) -> int:
        """Leads without a timestamp at the entry stage (only when ``stages[0]`` is optional)."""
        return self.n_leads - self.n_entered - self.n_excluded

    @property
    def n_groups(self) -> int:
        """Number of groups (rows of ``counts``)."""
        return int(self.counts.shape[0])

    def group_index(self, group: int | str | tuple[Any, ...] | None = None) -> int:
        """Row of a group: an int, a ``by`` value, a cohort start, or ``(by value, cohort)``."""
        if group is None:
            if self.n_groups != 1:
                raise ParameterError(
                    f"this observation has {self.n_groups} groups; choose one with group= "
                    "(a row number, a by= value, or (value, cohort start))"
                )
            return 0
        if is_integer(group):
            if not 0 <= int(group) < self.n_groups:
                raise ParameterError(f"group {group} out of range 0..{self.n_groups - 1}")
            return int(group)
        mask = np.ones(self.n_groups, dtype=bool)
        wanted = group if isinstance(group, tuple) else (group,)
        factors: list[np.ndarray] = []
        if self.group_values is not None:
            factors.append(self.group_values)
        if self.group_cohorts is not None:
            factors.append(self.group_cohorts)
        if len(wanted) != len(factors):
            raise ParameterError(
                f"group {group!r} does not match the grouping "
                f"(by={self.by!r}, cohort={self.cohort!r})"
            )
        for want, values in zip(wanted, factors):
            if values.dtype.kind == "M":
                mask &= values == np.datetime64(want, "D")
            else:
                mask &= values == str(want)
        hits = np.flatnonzero(mask)
        if hits.size != 1:
            raise ParameterError(f"no group {group!r}; see observation.to_frame() for the groups")
        return int(hits[0])

    def rates(self, group: int | str | tuple[Any, ...] | None = None) -> dict[str, float]:
        """Observed next-step rates of one group as ``{label: rate to the next stage}``.

        The last stage is the won stage, so the mapping has ``S − 1`` entries, ready for
        :func:`plan`.
        """
        g = self.group_index(group)
        return {self.labels[k]: float(self.next_rate[g, k]) for k in range(len(self.stages) - 1)}

    def _group_columns(self, repeat: int) -> dict[str, np.ndarray]:
        cols: dict[str, np.ndarray] = {}
        if self.group_values is not None and self.by is not None:
            cols[self.by] = np.repeat(self.group_values, repeat)
        if self.group_cohorts is not None:
            cols["cohort"] = np.repeat(self.group_cohorts, repeat)
        return cols

    def _transition_columns(self) -> dict[str, np.ndarray]:
        """One row per group × transition: rates with intervals, velocity."""
        cols = self._group_columns(len(self.stages) - 1)
        cols["from_stage"] = np.tile(np.array(self.labels[:-1], dtype=object), self.n_groups)
        cols["to_stage"] = np.tile(np.array(self.labels[1:], dtype=object), self.n_groups)
        cols["n_from"] = self.counts[:, :-1].ravel()
        cols["converted"] = self.converted.ravel()
        cols["rate"] = self.next_rate.ravel()
        cols["rate_low"] = self.next_low.ravel()
        cols["rate_high"] = self.next_high.ravel()
        cols["n_durations"] = self.n_durations.ravel()
        cols["out_of_order"] = self.out_of_order.ravel()
        cols["median_days"] = self.median_days.ravel()
        cols["mean_days"] = self.mean_days.ravel()
        cols["p90_days"] = self.p90_days.ravel()
        if self.km_rate is not None:
            cols["km_rate"] = self.km_rate.ravel()
        return cols

    def _stage_columns(self) -> dict[str, np.ndarray]:
        """One row per group × stage: counts, cumulative conversion with intervals."""
        cols = self._group_columns(len(self.stages))
        cols["stage"] = np.tile(np.array(self.labels, dtype=object), self.n_groups)
        cols["count"] = self.counts.ravel()
        cols["cumulative"] = self.cumulative.ravel()
        cols["cumulative_low"] = self.cumulative_low.ravel()
        cols["cumulative_high"] = self.cumulative_high.ravel()
        return cols

    #: the column builder of each level (the first is the default)
    _tables: ClassVar[dict[str, Callable[[FunnelObservation], dict[str, np.ndarray]]]] = {
        "transitions": _transition_columns,
        "stages": _stage_columns,
    }
    levels = tuple(_tables)

    @level_frames
    def to_frame(
        self,
        level: str | None = None,
        backend: str | None = None,
        *,
        table: str | None = None,
    ) -> Any:
        """The observation as a table in the caller's backend.

        Parameters
        ----------
        level : {"transitions", "stages"}, default "transitions"
            One row per group × transition (rates with intervals, velocity), or one row per
            group × stage (counts, cumulative conversion with intervals).
        backend : {"pandas", "polars", "pyarrow", "dict"} or None
            Output backend; default: the backend the leads came in.
        table : {"transitions", "stages"}, optional
            Deprecated name of ``level``.
        """
        level, backend = self._frame_args(level, backend, old=("table", table))
        return _to_frame(self._tables[level](self), frame_backend(backend, self.backend))

    def summary(self) -> dict[str, Any]:
        """Leads counted and the top-to-bottom conversion over every group."""
        top, bottom = int(self.counts[:, 0].sum()), int(self.counts[:, -1].sum())
        return {
            "leads": int(self.n_leads),
            "entered": int(self.n_entered),
            "not_entered": int(self.n_not_entered),
            "excluded_after_as_of": int(self.n_excluded),
            "groups": int(self.n_groups),
            "stages": len(self.stages),
            "reached_top": top,
            "reached_bottom": bottom,
            "top_to_bottom_rate": bottom / top if top else math.nan,
        }

    def __repr__(self) -> str:
        s = self.summary()
        split = "".join(f", {k}={v!r}" for k, v in (("by", self.by), ("cohort", self.cohort)) if v)
        rate = s["top_to_bottom_rate"]
        return (
            f"FunnelObservation(leads={s['leads']}, entered={s['entered']}, "
            f"stages={s['stages']}, groups={s['groups']}{split}, mode={self.mode!r}, "
            f"top_to_bottom_rate={'n/a' if math.isnan(rate) else f'{rate:.1%}'})"
        )

    @property
    def not_measured(self) -> dict[str, str]:
        """Per column of :meth:`to_frame`, why its NaN cells have no value (shown ``n/a``)."""
        return {
            "rate": "no lead reached the stage it converts from",
            "cumulative": "no lead entered the funnel",
            "median_days": "no lead made the step",
            "mean_days": "no lead made the step",
            "p90_days": "no lead made the step",
            "km_rate": "no lead reached the stage it converts from",
        }

    def _repr_html_(self) -> str:
        note = (
            f"{self.n_entered:,} leads, mode={self.mode}, {self.interval} "
            f"{self.confidence:.0%} intervals"
            + (f", {self.n_excluded:,} created after as_of not counted" if self.n_excluded else "")
        )
        return html_table(
            "Observed funnel",
            self._transition_columns(),
            note=note,
            rates=True,
            na=self.not_measured,
        )

    def plot(
        self, ax: Any = None, *, group: int | str | tuple[Any, ...] | None = None
    ) -> tuple[Any, Any]:
        """Bars of the leads reaching each stage, with next-step conversion (``plot`` extra).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw on it; default a new figure.
        group : int, str or tuple, optional
            One group (as in :meth:`group_index`), with its conversion rates written between
            the bars; default: the only group, or every group side by side.

        Returns
        -------
        (Figure, Axes)
        """
        from ._plot import plot_observation

        return plot_observation(self, ax=ax, group=group)


@reads_options
def observe(
    leads: Any = None,
    stages: Sequence[str] | None = None,
    mode: Literal["ordered", "any"] = "ordered",
    by: str | None = None,
    cohort: str | None = None,
    as_of: Any = None,
    confidence: float = 0.95,
    interval: Literal["wilson", "jeffreys"] = "wilson",
    out_of_order: Literal["keep", "drop"] = "keep",
    horizon: Any = None,
    lost: str | None = None,
    *,
    tz: str | None = None,
    normalize: Literal["casefold"] | None = None,
    events: Any = None,
    count: Literal["leads", "entries"] = "leads",
    skipped: Literal["fill", "ignore"] = "fill",
) -> FunnelObservation:
    """Measure a funnel from lead stage timestamps (or from stage events).

    Parameters
    ----------
    leads : LeadTable, CRMData or anything :meth:`LeadTable.build` accepts
        One row per lead with ``created_at`` and stage timestamps (``NaT``/missing = not reached);
        a :class:`alignment.io.CRMData` bundle gives its leads.
    stages : sequence of str, optional
        Stage columns top to bottom; the first is the entry (``created_at``), the last
        the won stage.  Default :data:`DEFAULT_STAGES`; for a CRMData bundle, those of
        :data:`DEFAULT_STAGES` its leads have.
    mode : {"ordered", "any"}
        ``"ordered"``: a lead that skipped a stage is excluded from every later stage.
        ``"any"``: a lead counts at every stage it has a timestamp for.
    by : str, optional
        Lead column to segment by (source, campaign, persona, owner …); missing values form a
        ``"(missing)"`` group.
    cohort : {"D", "W", "M", "Q", "Y"}, optional
        Group by the period of entry (``created_at``, UTC; weeks start on Monday).
    as_of : instant, optional
        Snapshot time: stage timestamps after it count as not reached yet, leads created after it
        are not counted (reported in ``n_excluded``).
    tz : str, optional
        IANA zone of naive instants (e.g. ``"America/New_York"``); default UTC, with a warning.
    normalize : {"casefold"}, optional
        Fold the spellings of channel, source and campaign (``"PAID_SEARCH"`` -> ``"paid
        search"``); see "Time zones and formats" and "Category spellings" in the tables guide.
    confidence : float
        Confidence level of the intervals.
    interval : {"wilson", "jeffreys"}
        Binomial interval for the conversion rates.
    out_of_order : {"keep", "drop"}
        A stage timestamp earlier than the previous stage's: ``"keep"`` counts the lead at the
        stage but leaves the negative duration out of velocity; ``"drop"`` treats the stage as
        not reached.
    horizon : duration, optional
        E.g. ``"30d"``: also estimate, Kaplan–Meier style, the share of leads at each stage that
        reach the next one within ``horizon`` (``km_rate``), counting leads still open as
        censored at the end of observation (``as_of``, else the latest timestamp in the data).
    lost : str, optional
        Column of closed-lost instants (e.g. ``"lost_at"``) used with ``horizon``: a lost lead
        that did not convert is not censored (it will never convert).
    events : frame, dict, records or CRMData, optional
        Stage events (``lead_id``, ``stage``, ``at``) instead of ``leads``; a
        :class:`LifecycleHistory` may also be passed as ``leads``.  See :func:`history`.
    count : {"leads", "entries"}
        With events: each lead once at its first entry of each stage, or every pass through
        the funnel (a recycled lead counted again; see "Lifecycle history" in the docs).
    skipped : {"fill", "ignore"}
        With events: the rule for skipped stages (see :func:`history`).

    Returns
    -------
    FunnelObservation

    Notes
    -----
    Leads still open (reached stage *k*, not yet *k+1*) are not conversions: they stay in the
    denominator of the *k → k+1* rate, so recent cohorts show lower rates until they mature; use
    ``cohort=`` and ``as_of=`` to compare cohorts of equal age. Velocity is measured on converted
    leads only. Formulas: ``docs/funnel.md``.
    """
    if by is not None and not isinstance(by, str):
        raise ParameterError(f"by must be a lead column name or None, got {by!r}")
    if events is not None or _is_history(leads):
        options = _options(locals())
        from ._history_observe import observe_events

        args, kwargs = observe_events(leads, events, **options)
        return observation_from_counts(*args, **kwargs)
    if leads is None:
        raise ParameterError("observe needs the leads, or stage events as events=")
    check_count(count)
    check_skipped(skipped)
    if count != "leads" or skipped != "fill":
        raise ParameterError("count= and skipped= apply to stage events: pass events=")
    leads, stages = _bundle(leads, stages)
    given = _options(locals())  # the call's options as given, before any is normalised below
    del given["count"], given["skipped"]
    backend = find_backend(leads)
    if backend is not None:
        return cast("FunnelObservation", backend.operation("funnel_observe")(leads, **given))

    from .._time import parse_duration
    from ._observe import (
        check_observe_params,
        count_stages,
    )

    stages, labels = check_observe_params(stages, mode, interval, confidence)
    instant = None if as_of is None else read_as_of(as_of)
    span = None if horizon is None else parse_duration(horizon, name="horizon")
    if lost is not None and span is None:
        raise ParameterError("lost= is used by the Kaplan–Meier estimate: give horizon= too")
    lt = lead_table(leads, [*stages, *([lost] if lost else [])])
    times = stage_times(lt, stages)
    lost_times = None if lost is None else stage_times(lt, [lost])[0]

    group, n_groups, group_values, group_cohorts = _groups(lt, by, cohort)
    raw = count_stages(
        times,
        mode=mode,
        group=group,
        n_groups=n_groups,
        as_of=instant,
        out_of_order=out_of_order,
        horizon=span,
        lost=lost_times,
    )
    options = {"stages": stages, "labels": labels, "mode": mode, "interval": interval,
               "confidence": confidence, "out_of_order": out_of_order, "as_of": instant,
               "by": by, "cohort": cohort}  # fmt: skip
    return observation_from_counts(
        options,
        (group_values, group_cohorts),
        (raw.counts, raw.converted, raw.n_durations, raw.out_of_order),
        (raw.median_days, raw.mean_days, raw.p90_days),
        (int(lt.n_leads), raw.n_entered, raw.n_excluded),
        horizon_days=None if span is None else float(span.astype(np.int64)) / 86_400e6,
        km_rate=raw.km_rate,
        backend=str(getattr(lt, "backend", "dict") or "dict"),
    )


def _options(given: dict[str, Any]) -> dict[str, Any]:
    """The options of an ``observe`` call (``tz`` and ``normalize`` apply around it)."""
    return {k: v for k, v in given.items() if k not in ("leads", "events", "tz", "normalize")}


def _is_history(leads: Any) -> bool:
    from ._history import LifecycleHistory

    return isinstance(leads, LifecycleHistory)


def _bundle(leads: Any, stages: Sequence[str] | None) -> tuple[Any, Sequence[str]]:
    """A CRMData bundle's leads (and the default stages it has); else as given."""
    from .._crm import is_crm

    if is_crm(leads):
        table = leads._coded_table("leads")  # (text as codes: no strings written)
        if stages is None:
            stages = tuple(s for s in DEFAULT_STAGES if s == "created_at" or s in table)
        leads = table
    return leads, DEFAULT_STAGES if stages is None else stages


def observation_from_counts(
    options: dict[str, Any],
    groups: tuple[Any, Any],
    counts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    velocity: tuple[np.ndarray, np.ndarray, np.ndarray],
    leads: tuple[int, int, int],
    *,
    horizon_days: float | None = None,
    km_rate: np.ndarray | None = None,
    backend: str = "dict",
) -> FunnelObservation:
    """A :class:`FunnelObservation` from counts per group (in memory, or summed on Dask).

    ``options``: stages, labels, mode, interval, confidence, out_of_order, as_of, by, cohort;
    ``groups``: the group values and cohorts (or ``None``); ``counts``: per group and stage
    counts, conversions, timed transitions and out-of-order pairs; ``velocity``: median, mean
    and p90 days; ``leads``: leads read, entered and excluded (created after ``as_of``).
    """
    o = options
    group_values, group_cohorts = groups
    confidence = float(o["confidence"])
    return FunnelObservation(
        stages=o["stages"],
        labels=o["labels"],
        mode=o["mode"],
        interval=o["interval"],
        confidence=confidence,
        out_of_order_policy=o["out_of_order"],
        as_of=o["as_of"],
        by=o["by"],
        cohort=None if o["cohort"] is None else str(o["cohort"]).upper(),
        group_values=None if group_values is None else read_only(group_values),
        group_cohorts=None if group_cohorts is None else read_only(group_cohorts),
        **observation_arrays(*counts, *velocity, confidence, o["interval"]),
        horizon_days=horizon_days,
        km_rate=None if km_rate is None else read_only(km_rate),
        n_leads=int(leads[0]),
        n_entered=int(leads[1]),
        n_excluded=int(leads[2]),
        backend=backend,
    )


def _groups(
    lt: Any, by: str | None, cohort: str | None
) -> tuple[NDArray[np.int64] | None, int, NDArray[np.object_] | None, Any]:
    """Each lead's group (segment × entry cohort), the number of groups and their labels."""
    from ._observe import cohort_codes, combine_groups

    codes: list[NDArray[np.int64]] = []
    sizes: list[int] = []
    by_labels: NDArray[np.object_] | None = None
    coh_starts: NDArray[np.datetime64] | None = None
    if by is not None:
        c, k, by_labels = group_codes(lt, by, lt.exact.get(by))
        codes.append(c)
        sizes.append(k)
    if cohort is not None:
        c, coh_starts = cohort_codes(lt.created_at, cohort)
        codes.append(c)
        sizes.append(int(coh_starts.size))
    if not codes:
        return None, 1, None, None
    group, n_groups, parts = combine_groups(codes, sizes)
    j = 0
    group_values = None
    group_cohorts = None
    if by_labels is not None:
        group_values = by_labels[parts[j]]
        j += 1
    if coh_starts is not None:
        group_cohorts = coh_starts[parts[j]]
    return group, n_groups, group_values, group_cohorts


@overload
def plan_from(
    observation: FunnelObservation,
    revenue_target: Number,
    average_deal_size: Number,
    marketing_share: Number = 1.0,
    periods: int | Sequence[float] | NDArray[Any] | None = None,
    group: int | str | tuple[Any, ...] | None = None,
) -> Plan[float]: ...
@overload
def plan_from(
    observation: FunnelObservation,
    revenue_target: Any,
    average_deal_size: Any,
    marketing_share: Any = 1.0,
    periods: int | Sequence[float] | NDArray[Any] | None = None,
    group: int | str | tuple[Any, ...] | None = None,
) -> Plan[FloatArray]: ...
def plan_from(
    observation: FunnelObservation,
    revenue_target: Any,
    average_deal_size: Any,
    marketing_share: Any = 1.0,
    periods: int | Sequence[float] | NDArray[Any] | None = None,
    group: int | str | tuple[Any, ...] | None = None,
) -> Plan[Any]:
    """A :class:`Plan` from observed next-step rates.

    Parameters
    ----------
    observation : FunnelObservation
        The result of :func:`observe`.
    revenue_target, average_deal_size, marketing_share, periods
        As in :func:`plan`.
    group : int, str or tuple, optional
        Which group's rates to use when the observation is segmented.

    Returns
    -------
    Plan
        ``Plan[float]`` for numbers in, ``Plan[ndarray]`` when an input is an array.

    Raises
    ------
    ParameterError
        A stage with no observed conversion (rate 0) or no lead at all (0 of 0): a plan cannot
        be built from it.  An observation of ``mode="any"``: its next-step rates count the
        leads that reached both stages, so where leads skip a stage their product is not the
        share of entering leads that is won, and the plan would be wrong; observe with
        ``mode="ordered"`` (the waterfall a plan inverts).
    """
    if not isinstance(observation, FunnelObservation):
        raise ParameterError(
            "plan_from needs a FunnelObservation (from observe()); "
            f"got {type(observation).__name__}"
        )
    if observation.mode != "ordered":
        raise ParameterError(
            f"plan_from needs the rates of the ordered waterfall; this observation is of "
            f"mode={observation.mode!r}, whose next-step rates (leads that reached both stages) "
            "do not multiply to the share of leads won when leads skip a stage; fix: observe "
            "with mode='ordered' to plan (mode='any' describes the stages reached)"
        )
    g = observation.group_index(group)
    rates = observation.rates(g)
    for k, (label, rate) in enumerate(rates.items()):
        n_from = int(observation.counts[g, k])
        if n_from == 0:
            raise ParameterError(
                f"no lead reached stage {label!r} in the observed data, so its conversion rate is "
                "unknown; observe a longer period or give the rates to plan() by hand"
            )
        if rate <= 0:
            nxt = observation.labels[k + 1]
            raise ParameterError(
                f"observed conversion from {label!r} to {nxt!r} is 0 (0 of {n_from} leads); "
                "a plan needs every stage to convert. Observe a longer period, merge stages, "
                "or give the rates to plan() by hand"
            )
    return plan(revenue_target, average_deal_size, rates, marketing_share, periods)
