"""Funnel planning and observation: the public functions and result classes.

Public names are re-exported by :mod:`alignment.funnel`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import NDArray

from .._backends import find as find_backend
from .._display import preview as html_table
from .._results import Result
from ..errors import ParameterError
from ._observe import (
    group_codes,
    lead_table,
    read_only,
    stage_times,
)
from ._plan import (
    as_fraction,
    as_positive,
    as_rates,
    ceil_whole,
    period_weights,
    required_volumes,
    stage_index,
)

__all__ = [
    "DEFAULT_STAGES",
    "Forecast",
    "FunnelObservation",
    "Plan",
    "RepPlan",
    "Sensitivity",
    "forward",
    "observe",
    "plan",
    "plan_from",
    "rep_plan",
    "sales_velocity",
    "sensitivity",
]

FloatArray = NDArray[np.float64]
#: a Python float for scalar inputs, a float64 array when any input is an array
FloatOrArray = float | FloatArray

#: default stage columns of :func:`observe` (SiriusDecisions-style waterfall)
DEFAULT_STAGES: tuple[str, ...] = ("created_at", "mql_at", "sql_at", "opportunity_at", "won_at")

_QUOTA_MONTHS = {"year": 12.0, "quarter": 3.0, "month": 1.0}


def _out(arr: FloatArray, scalar: bool) -> FloatOrArray:
    """A Python float for a scalar scenario, else a read-only float64 array of our own."""
    if scalar:
        return float(arr)
    return read_only(np.array(arr, dtype=np.float64))


def _to_frame(columns: dict[str, np.ndarray], backend: Any) -> Any:
    from .._frames import to_native

    return to_native(columns, backend)


def _flat(value: FloatOrArray, shape: tuple[int, ...]) -> FloatArray:
    return np.broadcast_to(np.asarray(value, dtype=np.float64), shape).ravel()


# --------------------------------------------------------------------------- planning results
def _mean(x: Any) -> float:
    """A scalar, or the mean over scenarios, as a plain float."""
    return float(np.mean(np.asarray(x, dtype=np.float64)))


@dataclass(frozen=True, eq=False)
class Plan(Result):
    """A reverse-waterfall plan: what each stage must deliver to reach a revenue target.

    Attributes
    ----------
    revenue_target, average_deal_size, marketing_share : float or ndarray
        The inputs (arrays when planning several scenarios at once).
    stages : tuple of str
        Stage names, top to bottom.
    rates : dict of str to float or ndarray
        Each stage's conversion rate to the next stage (the last stage's rate is to won).
    customers : float or ndarray
        ``revenue_target × marketing_share ÷ average_deal_size``.
    required : dict of str to float or ndarray
        Unrounded volume each stage must deliver: ``customers ÷ (rate_k × … × rate_last)``.
    required_whole : dict of str to float or ndarray
        ``required`` rounded up to whole units (floating noise below 1e-9 relative ignored).
    overall_rate : float or ndarray
        Product of all rates (top-of-funnel to customer).
    period_weights : ndarray or None
        Normalised period weights when ``periods`` was given.
    per_period : dict of str to ndarray or None
        Per-period volume of each stage and of ``"customers"``,
        shape ``scenario_shape + (n_periods,)``.
    shape : tuple of int
        Scenario shape (``()`` for a single scenario).

    Notes
    -----
    :meth:`plot` draws the reverse waterfall (the ``plot`` extra) and returns ``(fig, ax)``.
    """

    revenue_target: FloatOrArray
    average_deal_size: FloatOrArray
    marketing_share: FloatOrArray
    stages: tuple[str, ...]
    rates: dict[str, FloatOrArray]
    customers: FloatOrArray
    required: dict[str, FloatOrArray]
    required_whole: dict[str, FloatOrArray]
    overall_rate: FloatOrArray
    period_weights: FloatArray | None = None
    per_period: dict[str, FloatArray] | None = None
    shape: tuple[int, ...] = ()

    @property
    def top(self) -> str:
        """Name of the top stage (the one marketing delivers)."""
        return self.stages[0]

    @property
    def revenue(self) -> FloatOrArray:
        """Revenue the plan must source: ``revenue_target × marketing_share``."""
        return _out(np.asarray(self.customers) * np.asarray(self.average_deal_size), not self.shape)

    def _columns(self, kind: str = "stages") -> dict[str, np.ndarray]:
        n_s = int(np.prod(self.shape)) if self.shape else 1
        if kind == "stages":
            scenario = np.repeat(np.arange(n_s, dtype=np.int64), len(self.stages))
            stage = np.tile(np.array(self.stages, dtype=object), n_s)
            cols: dict[str, np.ndarray] = {}
            if self.shape:
                cols["scenario"] = scenario

            def stack(d: Mapping[str, FloatOrArray]) -> FloatArray:
                return np.stack([_flat(d[s], self.shape) for s in self.stages], axis=1).ravel()

            cols["stage"] = stage
            cols["rate"] = stack(self.rates)
            cols["required"] = stack(self.required)
            cols["required_whole"] = stack(self.required_whole)
            return cols
        if kind == "periods":
            if self.per_period is None or self.period_weights is None:
                raise ParameterError("this plan has no periods; call plan(..., periods=12)")
            n_p = self.period_weights.size
            keys = [*self.stages, "customers"]
            cols = {}
            if self.shape:
                cols["scenario"] = np.repeat(np.arange(n_s, dtype=np.int64), n_p)
            cols["period"] = np.tile(np.arange(1, n_p + 1, dtype=np.int64), n_s)
            cols["weight"] = np.tile(self.period_weights, n_s)
            for key in keys:
                cols[key] = np.asarray(self.per_period[key], dtype=np.float64).reshape(-1)
            return cols
        raise ParameterError(f"kind must be 'stages' or 'periods'; got {kind!r}")

    levels = ("stages", "periods")

    def to_frame(
        self,
        level: str | None = None,
        backend: Any = None,
        *,
        kind: Literal["stages", "periods"] | None = None,
    ) -> Any:
        """The plan as a table in the caller's backend.

        Parameters
        ----------
        level : {"stages", "periods"}, default "stages"
            One row per (scenario,) stage, or one row per (scenario,) period.
        backend : {"pandas", "polars", "pyarrow", "dict"} or None
            Output backend (see :func:`alignment._frames.to_native`).
        kind : {"stages", "periods"}, optional
            Deprecated name of ``level``.
        """
        level, backend = self._frame_args(level, backend, old=("kind", kind))
        return _to_frame(self._columns(level), backend)

    def summary(self) -> dict[str, Any]:
        """Headline figures (means over the scenarios when there are several)."""
        return {
            "scenarios": int(np.prod(self.shape)) if self.shape else 1,
            "stages": len(self.stages),
            "top_stage": self.top,
            "revenue": _mean(self.revenue),
            "customers": _mean(self.customers),
            "overall_rate": _mean(self.overall_rate),
            "required_top": _mean(self.required[self.top]),
            "required_top_whole": _mean(self.required_whole[self.top]),
        }

    def _repr_html_(self) -> str:
        note = f"customers needed: {np.mean(self.customers):,.2f}" + (
            f" (mean over {int(np.prod(self.shape))} scenarios)" if self.shape else ""
        )
        return html_table("Funnel plan", self._columns("stages"), note=note)

    def plot(
        self, ax: Any = None, *, scenario: int | None = None, whole: bool = True
    ) -> tuple[Any, Any]:
        """Bars of the volume each stage must deliver, down to customers, with the rates.

        Needs the ``plot`` extra (matplotlib).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw on it; default a new figure.
        scenario : int, optional
            With several scenarios: the one to draw (flat index); default their mean.
        whole : bool, default True
            Draw ``required_whole`` (rounded up) rather than ``required``.

        Returns
        -------
        (Figure, Axes)
        """
        from ._plot import plot_plan

        return plot_plan(self, ax=ax, scenario=scenario, whole=whole)


@dataclass(frozen=True, eq=False)
class Forecast(Result):
    """Expected volumes downstream of a stage (the result of :func:`forward`).

    Attributes
    ----------
    stages : tuple of str
        The starting stage and every stage below it.
    rates : dict of str to float or ndarray
        Rate of each of those stages to the next.
    volumes : dict of str to float or ndarray
        Expected volume entering each stage.
    customers : float or ndarray
        Expected won customers.
    revenue : float or ndarray or None
        ``customers × average_deal_size`` when a deal size was given.
    overall_rate : float or ndarray
        Product of the rates from the starting stage to won.
    shape : tuple of int
        Scenario shape (``()`` for a single scenario).

    Notes
    -----
    :meth:`plot` draws the expected volumes (the ``plot`` extra) and returns ``(fig, ax)``.
    """

    stages: tuple[str, ...]
    rates: dict[str, FloatOrArray]
    volumes: dict[str, FloatOrArray]
    customers: FloatOrArray
    revenue: FloatOrArray | None
    overall_rate: FloatOrArray
    shape: tuple[int, ...] = ()

    def _columns(self) -> dict[str, np.ndarray]:
        n_s = int(np.prod(self.shape)) if self.shape else 1
        names = [*self.stages, "won"]
        cols: dict[str, np.ndarray] = {}
        if self.shape:
            cols["scenario"] = np.repeat(np.arange(n_s, dtype=np.int64), len(names))
        cols["stage"] = np.tile(np.array(names, dtype=object), n_s)
        vols = [_flat(self.volumes[s], self.shape) for s in self.stages]
        vols.append(_flat(self.customers, self.shape))
        cols["volume"] = np.stack(vols, axis=1).ravel()
        rates = [_flat(self.rates[s], self.shape) for s in self.stages]
        rates.append(np.full(n_s, np.nan))
        cols["rate_to_next"] = np.stack(rates, axis=1).ravel()
        return cols

    levels = ("stages",)

    def to_frame(self, level: str | None = None, backend: Any = None) -> Any:
        """One row per (scenario,) stage plus ``"won"``: volume and rate to the next stage."""
        _, backend = self._frame_args(level, backend)
        return _to_frame(self._columns(), backend)

    def summary(self) -> dict[str, Any]:
        """Headline figures (means over the scenarios when there are several)."""
        return {
            "scenarios": int(np.prod(self.shape)) if self.shape else 1,
            "from_stage": self.stages[0],
            "customers": _mean(self.customers),
            "revenue": math.nan if self.revenue is None else _mean(self.revenue),
            "overall_rate": _mean(self.overall_rate),
        }

    def _repr_html_(self) -> str:
        note = "" if self.revenue is None else f"expected revenue: {np.mean(self.revenue):,.2f}"
        return html_table("Funnel forecast", self._columns(), note=note)

    def plot(self, ax: Any = None, *, scenario: int | None = None) -> tuple[Any, Any]:
        """Bars of the expected volume per stage and won, with the rates (``plot`` extra).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw on it; default a new figure.
        scenario : int, optional
            With several scenarios: the one to draw (flat index); default their mean.

        Returns
        -------
        (Figure, Axes)
        """
        from ._plot import plot_forecast

        return plot_forecast(self, ax=ax, scenario=scenario)


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """Single-stage improvements ranked by effect (the result of :func:`sensitivity`).

    Rows are sorted best first.  Improving stage *k* from ``rate`` to ``improved_rate``
    multiplies the overall rate by ``factor = improved_rate / rate``, so the ranking is the
    same for "fewest leads needed" and "most revenue added".

    Attributes
    ----------
    stages, rate, improved_rate, factor : ndarray
        One entry per stage, ranked.
    required_before, required_after, leads_saved : ndarray or None
        Top-of-funnel volume needed for ``revenue_target`` before / after the improvement
        (when a target was given).
    customers_added, revenue_added : ndarray or None
        Extra customers / revenue from ``volume`` at the top stage (when a volume was given;
        revenue needs ``average_deal_size``).

    Notes
    -----
    :meth:`plot` draws the ranked effects (the ``plot`` extra) and returns ``(fig, ax)``.
    """

    stages: NDArray[np.object_]
    rate: FloatArray
    improved_rate: FloatArray
    factor: FloatArray
    required_before: FloatArray | None = None
    required_after: FloatArray | None = None
    leads_saved: FloatArray | None = None
    customers_added: FloatArray | None = None
    revenue_added: FloatArray | None = None

    @property
    def best(self) -> str:
        """The stage whose improvement helps most."""
        return str(self.stages[0])

    def _columns(self) -> dict[str, np.ndarray]:
        cols: dict[str, np.ndarray] = {
            "rank": np.arange(1, self.stages.size + 1, dtype=np.int64),
            "stage": self.stages,
            "rate": self.rate,
            "improved_rate": self.improved_rate,
            "factor": self.factor,
        }
        for name in (
            "required_before",
            "required_after",
            "leads_saved",
            "customers_added",
            "revenue_added",
        ):
            value = getattr(self, name)
            if value is not None:
                cols[name] = value
        return cols

    def to_frame(self, backend: Any = None) -> Any:
        """One row per stage, best improvement first."""
        return _to_frame(self._columns(), backend)

    def _repr_html_(self) -> str:
        return html_table("Funnel sensitivity", self._columns(), note=f"best: {self.best}")

    def plot(self, ax: Any = None, *, measure: str | None = None) -> tuple[Any, Any]:
        """Bars of the effect of improving each stage, best first (``plot`` extra).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw on it; default a new figure.
        measure : {"leads_saved", "customers_added", "revenue_added", "factor"}, optional
            Default: the first one computed.

        Returns
        -------
        (Figure, Axes)
        """
        from ._plot import plot_sensitivity

        return plot_sensitivity(self, ax=ax, measure=measure)


@dataclass(frozen=True, eq=False)
class RepPlan(Result):
    """What one sales rep needs per month to meet quota (the result of :func:`rep_plan`).

    Attributes
    ----------
    quota_per_month : float or ndarray
        Quota converted to a month (year ÷ 12, quarter ÷ 3).
    deals_per_month : float or ndarray
        ``quota_per_month ÷ average_deal_size``.
    required_per_month : dict of str to float or ndarray
        Monthly volume each stage must deliver to the rep (marketing-sourced part when
        ``marketing_share < 1``).
    leads_per_month : float or ndarray
        Monthly volume at the top stage — the volume commitment of an SLA.
    leads_per_month_whole : float or ndarray
        ``leads_per_month`` rounded up to whole leads.
    plan : Plan
        The underlying monthly plan.

    Notes
    -----
    :meth:`plot` draws the monthly volumes (the ``plot`` extra) and returns ``(fig, ax)``.
    """

    quota_per_month: FloatOrArray
    deals_per_month: FloatOrArray
    required_per_month: dict[str, FloatOrArray]
    leads_per_month: FloatOrArray
    leads_per_month_whole: FloatOrArray
    plan: Plan = field(repr=False)

    levels = ("stages",)

    def summary(self) -> dict[str, Any]:
        """Monthly figures for one rep (means over the scenarios when there are several)."""
        return {
            "quota_per_month": _mean(self.quota_per_month),
            "deals_per_month": _mean(self.deals_per_month),
            "leads_per_month": _mean(self.leads_per_month),
            "leads_per_month_whole": _mean(self.leads_per_month_whole),
        }

    def to_frame(self, level: str | None = None, backend: Any = None) -> Any:
        """One row per (scenario,) stage with the monthly volume per rep."""
        _, backend = self._frame_args(level, backend)
        cols = self.plan._columns("stages")
        cols["per_month"] = cols.pop("required")
        cols["per_month_whole"] = cols.pop("required_whole")
        return _to_frame(cols, backend)

    def _repr_html_(self) -> str:
        cols = self.plan._columns("stages")
        note = f"deals per month: {np.mean(self.deals_per_month):,.2f}"
        return html_table("Rep plan (per month)", cols, note=note)

    def plot(self, ax: Any = None, *, scenario: int | None = None) -> tuple[Any, Any]:
        """Bars of the monthly volume per stage one rep needs, down to deals (``plot`` extra).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw on it; default a new figure.
        scenario : int, optional
            With several scenarios: the one to draw (flat index); default their mean.

        Returns
        -------
        (Figure, Axes)
        """
        from ._plot import plot_rep_plan

        return plot_rep_plan(self, ax=ax, scenario=scenario)


# --------------------------------------------------------------------------- planning functions
def plan(
    revenue_target: Any,
    average_deal_size: Any,
    rates: Any,
    marketing_share: Any = 1.0,
    periods: int | Sequence[float] | NDArray[Any] | None = None,
) -> Plan:
    """Reverse waterfall: the volume each stage must deliver to reach a revenue target.

    Parameters
    ----------
    revenue_target : float or array-like
        Revenue to reach (> 0).
    average_deal_size : float or array-like
        Average won deal value (> 0).
    rates : mapping of str to float or array-like
        Ordered top to bottom: each stage's conversion rate to the next stage, the last
        stage's rate is to won. Each rate in (0, 1].
    marketing_share : float or array-like
        Share of the target marketing must source, in (0, 1].
    periods : int or sequence of float, optional
        ``12`` → twelve equal periods; a sequence → period weights (normalised to sum 1),
        e.g. a seasonal calendar.

    Returns
    -------
    Plan

    Notes
    -----
    ``customers = revenue_target × marketing_share ÷ average_deal_size`` and
    ``required[k] = customers ÷ (rate_k × rate_{k+1} × … × rate_last)``. All arguments
    broadcast together (numpy rules), so arrays of targets or rates plan many scenarios at once
    (Monte Carlo over uncertain rates).

    Examples
    --------
    >>> p = plan(100_000, 1_000, {"lead": 0.04})
    >>> p.required_whole["lead"]
    2500.0
    """
    target = as_positive(revenue_target, name="revenue_target")
    deal = as_positive(average_deal_size, name="average_deal_size")
    share = as_fraction(marketing_share, name="marketing_share")
    names, rate_arrays = as_rates(rates)
    weights = period_weights(periods)
    try:
        shape = np.broadcast_shapes(
            target.shape, deal.shape, share.shape, *(r.shape for r in rate_arrays)
        )
    except ValueError as exc:
        raise ParameterError(f"plan inputs do not broadcast together: {exc}") from exc
    scalar = shape == ()
    customers = target * share / deal
    req = required_volumes(customers, rate_arrays)
    overall = np.ones(shape)
    for r in rate_arrays:
        overall = overall * r
    per_period: dict[str, FloatArray] | None = None
    if weights is not None:
        per_period = {
            name: read_only(np.multiply.outer(np.broadcast_to(v, shape), weights))
            for name, v in zip(names, req)
        }
        per_period["customers"] = read_only(
            np.multiply.outer(np.broadcast_to(customers, shape), weights)
        )
    return Plan(
        revenue_target=_out(target, scalar),
        average_deal_size=_out(deal, scalar),
        marketing_share=_out(share, scalar),
        stages=names,
        rates={n: _out(r, scalar) for n, r in zip(names, rate_arrays)},
        customers=_out(np.broadcast_to(customers, shape), scalar),
        required={n: _out(np.broadcast_to(v, shape), scalar) for n, v in zip(names, req)},
        required_whole={
            n: _out(ceil_whole(np.broadcast_to(v, shape)), scalar) for n, v in zip(names, req)
        },
        overall_rate=_out(overall, scalar),
        period_weights=None if weights is None else read_only(weights),
        per_period=per_period,
        shape=tuple(shape),
    )


def forward(
    volume: Any,
    rates: Any,
    average_deal_size: Any = None,
    stage: str | None = None,
) -> Forecast:
    """Expected volumes, customers and revenue downstream of a stage.

    Parameters
    ----------
    volume : float or array-like
        Volume entering ``stage`` (>= 0).
    rates : mapping of str to float or array-like
        Ordered top to bottom, as in :func:`plan`.
    average_deal_size : float or array-like, optional
        When given, ``revenue = customers × average_deal_size``.
    stage : str, optional
        Stage the volume enters (default: the top stage).

    Returns
    -------
    Forecast

    Examples
    --------
    >>> f = forward(1_000, {"inquiry": 0.10, "mql": 0.85, "sal": 0.60, "sql": 0.30})
    >>> round(f.customers, 6)
    15.3
    """
    vol = as_positive(volume, name="volume", allow_zero=True)
    names, rate_arrays = as_rates(rates)
    start = stage_index(names, stage)
    deal = (
        None
        if average_deal_size is None
        else as_positive(average_deal_size, name="average_deal_size")
    )
    names, rate_arrays = names[start:], rate_arrays[start:]
    shapes = [vol.shape, *(r.shape for r in rate_arrays)] + (
        [deal.shape] if deal is not None else []
    )
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError as exc:
        raise ParameterError(f"forward inputs do not broadcast together: {exc}") from exc
    scalar = shape == ()
    volumes: dict[str, FloatOrArray] = {}
    current = np.broadcast_to(vol, shape).astype(np.float64)
    overall = np.ones(shape)
    for name, r in zip(names, rate_arrays):
        volumes[name] = _out(np.broadcast_to(current, shape), scalar)
        current = current * r
        overall = overall * r
    customers = np.broadcast_to(current, shape)
    revenue = None if deal is None else _out(np.broadcast_to(customers * deal, shape), scalar)
    return Forecast(
        stages=names,
        rates={n: _out(r, scalar) for n, r in zip(names, rate_arrays)},
        volumes=volumes,
        customers=_out(customers, scalar),
        revenue=revenue,
        overall_rate=_out(np.broadcast_to(overall, shape), scalar),
        shape=tuple(shape),
    )


def sensitivity(
    rates: Any,
    *,
    revenue_target: float | None = None,
    average_deal_size: float | None = None,
    volume: float | None = None,
    marketing_share: float = 1.0,
    step: float = 0.01,
    relative: bool = False,
) -> Sensitivity:
    """Rank single-stage improvements by how much they help.

    Parameters
    ----------
    rates : mapping of str to float
        Ordered top to bottom, as in :func:`plan` (scalars).
    revenue_target : float, optional
        With ``average_deal_size``: report top-of-funnel volume needed before/after and the
        leads saved.
    average_deal_size : float, optional
        Deal size (needed with ``revenue_target``; turns ``customers_added`` into revenue).
    volume : float, optional
        Top-of-funnel volume: report customers (and revenue) added.
    marketing_share : float
        As in :func:`plan`.
    step : float
        Improvement: ``+step`` rate points (``0.01`` = one point) or, with ``relative=True``,
        ``× (1 + step)``. Improved rates are capped at 1.
    relative : bool
        Relative instead of absolute improvement.

    Returns
    -------
    Sensitivity
        Ranked best first (ties keep funnel order).

    Examples
    --------
    >>> s = sensitivity({"inquiry": 0.10, "mql": 0.85, "sal": 0.60, "sql": 0.30})
    >>> s.best
    'inquiry'
    """
    names, rate_arrays = as_rates(rates)
    if any(r.ndim for r in rate_arrays):
        raise ParameterError("sensitivity takes scalar rates; loop over scenarios or use plan()")
    if not np.isfinite(step) or step <= 0:
        raise ParameterError(f"step must be a positive number; got {step!r}")
    r = np.array([float(a) for a in rate_arrays])
    improved = np.minimum(r * (1.0 + step) if relative else r + step, 1.0)
    factor = improved / r
    order = np.argsort(-factor, kind="stable")
    overall = float(np.prod(r))
    result: dict[str, Any] = {}
    if revenue_target is not None:
        if average_deal_size is None:
            raise ParameterError("revenue_target needs average_deal_size")
        p = plan(revenue_target, average_deal_size, dict(zip(names, r)), marketing_share)
        before = np.full(r.size, float(p.required[names[0]]))
        after = before / factor
        result.update(required_before=before, required_after=after, leads_saved=before - after)
    if volume is not None:
        vol = float(as_positive(volume, name="volume", allow_zero=True))
        added = vol * overall * (factor - 1.0)
        result["customers_added"] = added
        if average_deal_size is not None:
            deal = float(as_positive(average_deal_size, name="average_deal_size"))
            result["revenue_added"] = added * deal
    return Sensitivity(
        stages=read_only(np.array(names, dtype=object)[order]),
        rate=read_only(r[order]),
        improved_rate=read_only(improved[order]),
        factor=read_only(factor[order]),
        **{k: read_only(v[order]) for k, v in result.items()},
    )


def rep_plan(
    quota: Any,
    average_deal_size: Any,
    rates: Any,
    period: Literal["year", "quarter", "month"] = "year",
    marketing_share: Any = 1.0,
) -> RepPlan:
    """Leads a sales rep needs per month to meet quota.

    Parameters
    ----------
    quota : float or array-like
        The rep's revenue quota for ``period`` (> 0).
    average_deal_size : float or array-like
        Average won deal value (> 0).
    rates : mapping of str to float or array-like
        Ordered top to bottom, as in :func:`plan`.
    period : {"year", "quarter", "month"}
        Period the quota covers; it is spread evenly over its months.
    marketing_share : float or array-like
        Share of the rep's deals marketing sources (the rest the rep sources).

    Returns
    -------
    RepPlan
        ``leads_per_month`` is the volume an SLA's marketing commitment should carry.

    Examples
    --------
    >>> r = rep_plan(1_200_000, 10_000, {"lead": 0.10})
    >>> r.leads_per_month
    100.0
    """
    if period not in _QUOTA_MONTHS:
        raise ParameterError(f"period must be one of 'year', 'quarter', 'month'; got {period!r}")
    q = as_positive(quota, name="quota")
    monthly = plan(q / _QUOTA_MONTHS[period], average_deal_size, rates, marketing_share)
    scalar = not monthly.shape
    top = monthly.stages[0]
    return RepPlan(
        quota_per_month=monthly.revenue_target,
        deals_per_month=_out(
            np.asarray(monthly.revenue_target) / np.asarray(monthly.average_deal_size), scalar
        ),
        required_per_month=dict(monthly.required),
        leads_per_month=monthly.required[top],
        leads_per_month_whole=monthly.required_whole[top],
        plan=monthly,
    )


def sales_velocity(
    opportunities: Any,
    average_deal_size: Any,
    win_rate: Any,
    cycle_days: Any,
) -> FloatOrArray:
    """Sales velocity: revenue per day the pipeline produces.

    Parameters
    ----------
    opportunities : float or array-like
        Open opportunities (>= 0).
    average_deal_size : float or array-like
        Average won deal value (> 0).
    win_rate : float or array-like
        Share of opportunities won, in [0, 1].
    cycle_days : float or array-like
        Average sales-cycle length in days (> 0).

    Returns
    -------
    float or ndarray
        ``opportunities × average_deal_size × win_rate ÷ cycle_days``.

    Examples
    --------
    >>> round(sales_velocity(18, 42_000, 0.24, 78))
    2326
    """
    opp = as_positive(opportunities, name="opportunities", allow_zero=True)
    deal = as_positive(average_deal_size, name="average_deal_size")
    win = as_fraction(win_rate, name="win_rate", allow_zero=True)
    days = as_positive(cycle_days, name="cycle_days")
    try:
        shape = np.broadcast_shapes(opp.shape, deal.shape, win.shape, days.shape)
    except ValueError as exc:
        raise ParameterError(f"sales_velocity inputs do not broadcast together: {exc}") from exc
    return _out(np.broadcast_to(opp * deal * win / days, shape), shape == ())


# --------------------------------------------------------------------------- observation
@dataclass(frozen=True, eq=False)
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
        if isinstance(group, int | np.integer) and not isinstance(group, bool):
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

    def _columns(self, table: str) -> dict[str, np.ndarray]:
        s = len(self.stages)
        if table == "transitions":
            cols = self._group_columns(s - 1)
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
        if table == "stages":
            cols = self._group_columns(s)
            cols["stage"] = np.tile(np.array(self.labels, dtype=object), self.n_groups)
            cols["count"] = self.counts.ravel()
            cols["cumulative"] = self.cumulative.ravel()
            cols["cumulative_low"] = self.cumulative_low.ravel()
            cols["cumulative_high"] = self.cumulative_high.ravel()
            return cols
        raise ParameterError(f"table must be 'transitions' or 'stages'; got {table!r}")

    levels = ("transitions", "stages")

    def to_frame(
        self,
        level: str | None = None,
        backend: Any = None,
        *,
        table: Literal["transitions", "stages"] | None = None,
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
        return _to_frame(self._columns(level), backend or self.backend)

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

    def _repr_html_(self) -> str:
        note = (
            f"{self.n_entered:,} leads, mode={self.mode}, {self.interval} "
            f"{self.confidence:.0%} intervals"
            + (f", {self.n_excluded:,} created after as_of not counted" if self.n_excluded else "")
        )
        return html_table("Observed funnel", self._columns("transitions"), note=note)

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


def observe(
    leads: Any,
    stages: Sequence[str] = DEFAULT_STAGES,
    mode: Literal["ordered", "any"] = "ordered",
    by: str | None = None,
    cohort: str | None = None,
    as_of: Any = None,
    confidence: float = 0.95,
    interval: Literal["wilson", "jeffreys"] = "wilson",
    out_of_order: Literal["keep", "drop"] = "keep",
    horizon: Any = None,
    lost: str | None = None,
) -> FunnelObservation:
    """Measure a funnel from lead stage timestamps.

    Parameters
    ----------
    leads : LeadTable or anything :meth:`LeadTable.build` accepts
        One row per lead with ``created_at`` and stage timestamps (``NaT``/missing = not reached).
    stages : sequence of str
        Stage columns top to bottom; the first is the entry (``created_at``), the last
        the won stage.
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
    backend = find_backend(leads)
    if backend is not None:
        return cast(
            "FunnelObservation",
            backend.operation("funnel_observe")(
                leads,
                stages,
                mode,
                by,
                cohort,
                as_of,
                confidence,
                interval,
                out_of_order,
                horizon,
                lost,
            ),
        )

    from .._time import parse_duration, parse_instant
    from ._observe import (
        check_observe_params,
        cohort_codes,
        combine_groups,
        count_stages,
        observation_arrays,
    )

    stages, labels = check_observe_params(stages, mode, interval, confidence)
    instant = None if as_of is None else parse_instant(as_of, name="as_of")
    span = None if horizon is None else parse_duration(horizon, name="horizon")
    if lost is not None and span is None:
        raise ParameterError("lost= is used by the Kaplan–Meier estimate: give horizon= too")
    lt = lead_table(leads, [*stages, *([lost] if lost else [])])
    times = stage_times(lt, stages)
    lost_times = None if lost is None else stage_times(lt, [lost])[0]

    codes: list[NDArray[np.int64]] = []
    sizes: list[int] = []
    by_labels: NDArray[np.object_] | None = None
    coh_starts: NDArray[np.datetime64] | None = None
    if by is not None:
        c, k, by_labels = group_codes(lt, by)
        codes.append(c)
        sizes.append(k)
    if cohort is not None:
        c, coh_starts = cohort_codes(lt.created_at, cohort)
        codes.append(c)
        sizes.append(int(coh_starts.size))
    if codes:
        group, n_groups, parts = combine_groups(codes, sizes)
        j = 0
        group_values = None
        group_cohorts = None
        if by_labels is not None:
            group_values = by_labels[parts[j]]
            j += 1
        if coh_starts is not None:
            group_cohorts = coh_starts[parts[j]]
    else:
        group, n_groups, group_values, group_cohorts = None, 1, None, None

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
    return FunnelObservation(
        stages=stages,
        labels=labels,
        mode=mode,
        interval=interval,
        confidence=float(confidence),
        out_of_order_policy=out_of_order,
        as_of=instant,
        by=by,
        cohort=None if cohort is None else str(cohort).upper(),
        group_values=None if group_values is None else read_only(group_values),
        group_cohorts=None if group_cohorts is None else read_only(group_cohorts),
        **observation_arrays(
            raw.counts,
            raw.converted,
            raw.n_durations,
            raw.out_of_order,
            raw.median_days,
            raw.mean_days,
            raw.p90_days,
            float(confidence),
            interval,
        ),
        horizon_days=None if span is None else float(span.astype(np.int64)) / 86_400e6,
        km_rate=None if raw.km_rate is None else read_only(raw.km_rate),
        n_leads=int(lt.n_leads),
        n_entered=raw.n_entered,
        n_excluded=raw.n_excluded,
        backend=str(getattr(lt, "backend", "dict") or "dict"),
    )


def plan_from(
    observation: FunnelObservation,
    revenue_target: Any,
    average_deal_size: Any,
    marketing_share: Any = 1.0,
    periods: int | Sequence[float] | NDArray[Any] | None = None,
    group: int | str | tuple[Any, ...] | None = None,
) -> Plan:
    """A :class:`Plan` from observed next-step rates.

    Parameters
    ----------
    observation : FunnelObservation
        The result of :func:`observe`.
    revenue_target, average_deal_size, marketing_share, periods
        As in :func:`plan`.
    group : int, str or tuple, optional
        Which group's rates to use when the observation is segmented.

    Raises
    ------
    ParameterError
        A stage with no observed conversion (rate 0) or no lead at all (0 of 0): a plan cannot
        be built from it.
    """
    if not isinstance(observation, FunnelObservation):
        raise ParameterError(
            "plan_from needs a FunnelObservation (from observe()); "
            f"got {type(observation).__name__}"
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
