"""Funnel planning: plan, forward, sensitivity, rep_plan, sales_velocity (vectorised over scenarios)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import NDArray

from .._params import Number, check_flag, is_number, is_option
from ..errors import ParameterError
from ._base import (
    _QUOTA_MONTHS,
    FloatArray,
    NumberRates,
    _out,
)
from ._observe import (
    read_only,
)
from ._plan import (
    as_fraction,
    as_positive,
    as_rates,
    ceil_whole,
    check_finite,
    period_weights,
    required_volumes,
    stage_index,
)
from ._plan_results import (
    Forecast,
    Plan,
    RepPlan,
    Sensitivity,
)

__all__ = ["forward", "plan", "rep_plan", "sales_velocity", "sensitivity"]


_Periods = int | Sequence[float] | NDArray[Any] | None


# --------------------------------------------------------------------------- planning functions
@overload
def plan(
    revenue_target: Number,
    average_deal_size: Number,
    rates: NumberRates,
    marketing_share: Number = 1.0,
    periods: _Periods = None,
) -> Plan[float]: ...
@overload
def plan(
    revenue_target: Any,
    average_deal_size: Any,
    rates: Any,
    marketing_share: Any = 1.0,
    periods: _Periods = None,
) -> Plan[FloatArray]: ...
def plan(
    revenue_target: Any,
    average_deal_size: Any,
    rates: Any,
    marketing_share: Any = 1.0,
    periods: _Periods = None,
) -> Plan[Any]:
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
        ``Plan[float]`` when every input is a number (one scenario: each figure a ``float``),
        ``Plan[ndarray]`` when one is an array (a float64 array per figure).

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
    with np.errstate(over="ignore"):
        customers = target * share / deal
        req = required_volumes(customers, rate_arrays)
    check_finite(customers, what="the number of customers (revenue_target / average_deal_size)")
    for name, v in zip(names, req):
        check_finite(v, what=f"the volume required at stage {name!r}")
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


@overload
def forward(
    volume: Number,
    rates: NumberRates,
    average_deal_size: Number | None = None,
    stage: str | None = None,
) -> Forecast[float]: ...
@overload
def forward(
    volume: Any,
    rates: Any,
    average_deal_size: Any = None,
    stage: str | None = None,
) -> Forecast[FloatArray]: ...
def forward(
    volume: Any,
    rates: Any,
    average_deal_size: Any = None,
    stage: str | None = None,
) -> Forecast[Any]:
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
        ``Forecast[float]`` for numbers in, ``Forecast[ndarray]`` when an input is an array.

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
    volumes: dict[str, Any] = {}
    current = np.broadcast_to(vol, shape).astype(np.float64)
    overall = np.ones(shape)
    for name, r in zip(names, rate_arrays):
        volumes[name] = _out(np.broadcast_to(current, shape), scalar)
        current = current * r
        overall = overall * r
    customers = np.broadcast_to(current, shape)
    revenue = None
    if deal is not None:
        with np.errstate(over="ignore"):
            revenue_values = customers * deal
        check_finite(revenue_values, what="the revenue (customers × average_deal_size)")
        revenue = _out(np.broadcast_to(revenue_values, shape), scalar)
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
        Relative instead of absolute improvement (``True`` or ``False``; anything else, text
        included, is a :class:`~alignment.errors.ParameterError`).

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
    if not is_number(step):
        raise ParameterError(f"step must be a positive number; got {step!r}")
    step = _one_number(step, "step", as_positive)
    relative = check_flag(relative, "relative")
    r = np.array([float(a) for a in rate_arrays])
    improved = np.minimum(r * (1.0 + step) if relative else r + step, 1.0)
    factor = improved / r
    order = np.argsort(-factor, kind="stable")
    overall = float(np.prod(r))
    result: dict[str, Any] = {}
    if revenue_target is not None:
        if average_deal_size is None:
            raise ParameterError("revenue_target needs average_deal_size")
        p = plan(
            _one_number(revenue_target, "revenue_target", as_positive),
            _one_number(average_deal_size, "average_deal_size", as_positive),
            dict(zip(names, r)),
            _one_number(marketing_share, "marketing_share", as_fraction),
        )
        before = np.full(r.size, float(p.required[names[0]]))
        after = before / factor
        result.update(required_before=before, required_after=after, leads_saved=before - after)
    if volume is not None:
        vol = _one_number(volume, "volume", as_positive, allow_zero=True)
        added = vol * overall * (factor - 1.0)
        result["customers_added"] = added
        if average_deal_size is not None:
            deal = _one_number(average_deal_size, "average_deal_size", as_positive)
            result["revenue_added"] = added * deal
    return Sensitivity(
        stages=read_only(np.array(names, dtype=object)[order]),
        rate=read_only(r[order]),
        improved_rate=read_only(improved[order]),
        factor=read_only(factor[order]),
        **{k: read_only(v[order]) for k, v in result.items()},
    )


def _one_number(value: Any, name: str, check: Any, *, allow_zero: bool = False) -> float:
    """``value`` read by ``check`` (:func:`as_positive` or :func:`as_fraction`), one number:
    :func:`sensitivity` takes no scenarios."""
    arr = check(value, name=name, allow_zero=allow_zero)
    if arr.ndim:
        raise ParameterError(
            f"sensitivity takes one {name}, got {value!r}; loop over scenarios or use plan()"
        )
    return float(arr)


_Period = Literal["year", "quarter", "month"]


@overload
def rep_plan(
    quota: Number,
    average_deal_size: Number,
    rates: NumberRates,
    period: _Period = "year",
    marketing_share: Number = 1.0,
) -> RepPlan[float]: ...
@overload
def rep_plan(
    quota: Any,
    average_deal_size: Any,
    rates: Any,
    period: _Period = "year",
    marketing_share: Any = 1.0,
) -> RepPlan[FloatArray]: ...
def rep_plan(
    quota: Any,
    average_deal_size: Any,
    rates: Any,
    period: _Period = "year",
    marketing_share: Any = 1.0,
) -> RepPlan[Any]:
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
        ``RepPlan[float]`` for numbers in, ``RepPlan[ndarray]`` when an input is an array.
        ``leads_per_month`` is the volume an SLA's marketing commitment should carry.

    Examples
    --------
    >>> r = rep_plan(1_200_000, 10_000, {"lead": 0.10})
    >>> r.leads_per_month
    100.0
    """
    if not is_option(period, _QUOTA_MONTHS):
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


@overload
def sales_velocity(
    opportunities: Number, average_deal_size: Number, win_rate: Number, cycle_days: Number
) -> float: ...
@overload
def sales_velocity(
    opportunities: Any, average_deal_size: Any, win_rate: Any, cycle_days: Any
) -> FloatArray: ...
def sales_velocity(
    opportunities: Any,
    average_deal_size: Any,
    win_rate: Any,
    cycle_days: Any,
) -> Any:
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
        A ``float`` for numbers in, a float64 array when an input is an array:
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
    with np.errstate(over="ignore"):
        velocity = opp * deal * win / days
    check_finite(velocity, what="the sales velocity")
    return _out(np.broadcast_to(velocity, shape), shape == ())
