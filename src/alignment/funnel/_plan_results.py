"""Result classes of funnel planning: Plan, Forecast, Sensitivity, RepPlan."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, NamedTuple, cast

import numpy as np
from numpy.typing import NDArray

from .._display import preview as html_table
from .._frame_types import level_frames, table_frames
from .._results import Result
from ..errors import ParameterError
from ._base import (
    Figure,
    FloatArray,
    FloatOrArray,
    _flat,
    _out,
    _to_frame,
)

__all__ = ["Forecast", "Plan", "RepPlan", "Sensitivity"]


# --------------------------------------------------------------------------- planning results
def _mean(x: Any) -> float:
    """A scalar, or the mean over scenarios, as a plain float."""
    return float(np.mean(np.asarray(x, dtype=np.float64)))


def _headline(result: Plan[Any] | _StageChart, shape: tuple[int, ...]) -> str:
    """One line of a result's summary (figures to 6 significant digits, the means over the
    scenarios when there are several), never its arrays."""
    figures = ", ".join(
        f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v!r}"
        for k, v in result.summary().items()
    )
    means = f"; means over {int(np.prod(shape))} scenarios" if shape else ""
    return f"{type(result).__name__}({figures}{means})"


class StageBars(NamedTuple):
    """What a stage bar chart draws: the volume of each stage and of a last bar (customers,
    won, deals), with the rates between them, per scenario."""

    stages: Sequence[str]
    volumes: Mapping[str, FloatOrArray]
    last: tuple[str, FloatOrArray]
    rates: Mapping[str, FloatOrArray]
    shape: tuple[int, ...]
    title: str
    ylabel: str = "volume"


class _StageChart(Result):
    """A result drawn as stage bars (:class:`StageBars`), one scenario or their mean."""

    def __repr__(self) -> str:
        return _headline(self, self._bars().shape)

    def summary(self) -> dict[str, Any]:
        """Headline figures (each chart's class says which)."""
        raise NotImplementedError

    def _bars(self) -> StageBars:
        raise NotImplementedError

    def plot(self, ax: Any = None, *, scenario: int | None = None) -> tuple[Any, Any]:
        """Bars of the volume per stage, with the rates between them (``plot`` extra).

        What the bars count is in the class's Notes.

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
        from ._plot import plot_stage_bars

        return plot_stage_bars(self._bars(), ax=ax, scenario=scenario)


@dataclass(frozen=True, eq=False, repr=False)
class Plan(Result, Generic[Figure]):
    """A reverse-waterfall plan: what each stage must deliver to reach a revenue target.

    ``Plan[float]`` when :func:`plan` got numbers (each figure a ``float``), ``Plan[ndarray]``
    when it got an array (each figure a float64 array over the scenarios).

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

    revenue_target: Figure
    average_deal_size: Figure
    marketing_share: Figure
    stages: tuple[str, ...]
    rates: dict[str, Figure]
    customers: Figure
    required: dict[str, Figure]
    required_whole: dict[str, Figure]
    overall_rate: Figure
    period_weights: FloatArray | None = None
    per_period: dict[str, FloatArray] | None = None
    shape: tuple[int, ...] = ()

    @property
    def top(self) -> str:
        """Name of the top stage (the one marketing delivers)."""
        return self.stages[0]

    @property
    def revenue(self) -> Figure:
        """Revenue the plan must source: ``revenue_target × marketing_share``."""
        out = _out(np.asarray(self.customers) * np.asarray(self.average_deal_size), not self.shape)
        return cast("Figure", out)

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

    @level_frames
    def to_frame(
        self,
        level: str | None = None,
        backend: str | None = None,
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

    def __repr__(self) -> str:
        return _headline(self, self.shape)

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
        return html_table("Funnel plan", self._columns("stages"), note=note, rates=True)

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
        from ._plot import plot_stage_bars

        volumes = self.required_whole if whole else self.required
        title = "funnel plan: volume required per stage"
        chart = StageBars(
            self.stages, volumes, ("customers", self.customers), self.rates, self.shape, title
        )
        return plot_stage_bars(chart, ax=ax, scenario=scenario)


@dataclass(frozen=True, eq=False, repr=False)
class Forecast(_StageChart, Generic[Figure]):
    """Expected volumes downstream of a stage (the result of :func:`forward`).

    ``Forecast[float]`` for numbers in, ``Forecast[ndarray]`` when an input was an array.

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
    rates: dict[str, Figure]
    volumes: dict[str, Figure]
    customers: Figure
    revenue: Figure | None
    overall_rate: Figure
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

    @level_frames
    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
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
        return html_table("Funnel forecast", self._columns(), note=note, rates=True)

    def _bars(self) -> StageBars:
        """Expected volume per stage and won customers."""
        title = "funnel forecast: expected volume per stage"
        won = ("won", self.customers)
        return StageBars(self.stages, self.volumes, won, self.rates, self.shape, title)


@dataclass(frozen=True, eq=False, repr=False)
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

    def __repr__(self) -> str:
        best = f"{self.best!r}, factor={float(self.factor[0]):.6g}" if self.stages.size else None
        return f"Sensitivity(stages={self.stages.size}, best={best})"

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

    @table_frames
    def to_frame(self, backend: str | None = None) -> Any:
        """One row per stage, best improvement first."""
        return _to_frame(self._columns(), backend)

    def _repr_html_(self) -> str:
        note = f"best: {self.best}"
        return html_table("Funnel sensitivity", self._columns(), note=note, rates=True)

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


@dataclass(frozen=True, eq=False, repr=False)
class RepPlan(_StageChart, Generic[Figure]):
    """What one sales rep needs per month to meet quota (the result of :func:`rep_plan`).

    ``RepPlan[float]`` for numbers in, ``RepPlan[ndarray]`` when an input was an array.

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

    quota_per_month: Figure
    deals_per_month: Figure
    required_per_month: dict[str, Figure]
    leads_per_month: Figure
    leads_per_month_whole: Figure
    plan: Plan[Figure] = field(repr=False)

    levels = ("stages",)

    def summary(self) -> dict[str, Any]:
        """Monthly figures for one rep (means over the scenarios when there are several)."""
        return {
            "quota_per_month": _mean(self.quota_per_month),
            "deals_per_month": _mean(self.deals_per_month),
            "leads_per_month": _mean(self.leads_per_month),
            "leads_per_month_whole": _mean(self.leads_per_month_whole),
        }

    @level_frames
    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
        """One row per (scenario,) stage with the monthly volume per rep."""
        _, backend = self._frame_args(level, backend)
        cols = self.plan._columns("stages")
        cols["per_month"] = cols.pop("required")
        cols["per_month_whole"] = cols.pop("required_whole")
        return _to_frame(cols, backend)

    def _repr_html_(self) -> str:
        cols = self.plan._columns("stages")
        note = f"deals per month: {np.mean(self.deals_per_month):,.2f}"
        return html_table("Rep plan (per month)", cols, note=note, rates=True)

    def _bars(self) -> StageBars:
        """Monthly volume per stage one rep needs, down to deals."""
        plan, deals = self.plan, ("deals", self.deals_per_month)
        volumes = self.required_per_month
        return StageBars(
            plan.stages, volumes, deals, plan.rates, plan.shape, "per rep and month", "per month"
        )
