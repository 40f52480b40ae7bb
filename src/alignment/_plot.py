"""Plotting for the result objects (private): the one module that imports matplotlib.

matplotlib is an optional dependency (the ``plot`` extra: ``pip install 'alignment[plot]'``).
It is imported lazily, on the first call that needs a new figure, never at ``import alignment``.
The backend is left to matplotlib: it picks ``inline`` in notebooks and falls back to the
non-interactive ``Agg`` backend on a machine without a display; nothing here calls
``matplotlib.use``, so a backend chosen by the caller (``MPLBACKEND=Agg``, ``%matplotlib``) is
kept.

Every function draws on the given ``ax`` (or on a new figure) and returns ``(fig, ax)``.  The
``plot_*`` adapters turn a result object into the arrays the drawing functions take; the
result classes' ``.plot()`` methods delegate to them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import DataValidationError, ParameterError

if TYPE_CHECKING:
    from .attribution._result import AttributionResult
    from .closed_loop import ClosedLoopReport
    from .funnel import Forecast, FunnelObservation, Plan, RepPlan, Sensitivity
    from .scoring._result import ScoreResult
    from .sla._report import SLAReport

__all__ = [
    "PLOT_EXTRA_MESSAGE",
    "bar_totals",
    "bars",
    "figure_axes",
    "funnel_bars",
    "heatmap",
    "histogram",
    "lines",
    "plot_attribution",
    "plot_closed_loop",
    "plot_forecast",
    "plot_observation",
    "plot_plan",
    "plot_rep_plan",
    "plot_scores",
    "plot_sensitivity",
    "plot_sla",
]

#: message of the ImportError raised when matplotlib is missing
PLOT_EXTRA_MESSAGE = "plotting needs matplotlib: pip install 'alignment[plot]'"

_FIGSIZE = (7.5, 4.2)


# ----------------------------------------------------------------------------- figure / axes
def _pyplot() -> Any:
    """``matplotlib.pyplot``, imported on first use (raises ImportError when absent)."""
    import matplotlib.pyplot as plt

    return plt


def figure_axes(ax: Any = None, *, figsize: tuple[float, float] = _FIGSIZE) -> tuple[Any, Any]:
    """``(ax.figure, ax)`` for a given axes, else a new figure with one axes.

    Raises
    ------
    ImportError
        When matplotlib is not installed; the message names the ``plot`` extra.
    """
    if ax is not None:
        if not hasattr(ax, "bar") or not hasattr(ax, "figure"):
            raise ParameterError(
                f"ax must be a matplotlib Axes, got {type(ax).__name__}; "
                "pass ax=None to draw on a new figure"
            )
        return ax.figure, ax
    try:
        plt = _pyplot()
    except ImportError as exc:
        raise ImportError(PLOT_EXTRA_MESSAGE, name="matplotlib") from exc
    fig, new_ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, new_ax


def _num(value: float) -> str:
    """Compact label of a bar value: 1,234 / 12.3 / 0.123 / '' for NaN."""
    if not np.isfinite(value):
        return ""
    a = abs(value)
    if a >= 100 or a == 0 or float(value).is_integer():
        return f"{value:,.0f}"
    if a >= 1:
        return f"{value:,.1f}"
    return f"{value:.3g}"


def _pct(value: float) -> str:
    return "–" if not np.isfinite(value) else f"{value:.1%}"


def _float_series(name: str, values: Any, n: int) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != (n,):
        raise ParameterError(
            f"series {name!r} has shape {arr.shape}, expected ({n},) (one per key)"
        )
    return arr


# ----------------------------------------------------------------------------- drawing functions
def bars(
    labels: Sequence[Any],
    series: Mapping[str, Any],
    *,
    ax: Any = None,
    title: str = "",
    ylabel: str = "",
    xlabel: str = "",
    value_labels: bool = True,
) -> tuple[Any, Any]:
    """Bars per label; several series side by side (one colour and legend entry each).

    Parameters
    ----------
    labels : sequence
        One tick label per position.
    series : mapping of str to array-like
        Name → one value per label.  A single series gets its values written on the bars.
    ax : matplotlib Axes, optional
        Draw on it; default a new figure.
    """
    if not series:
        raise ParameterError("nothing to plot: no series given")
    names = [str(x) for x in labels]
    n, k = len(names), len(series)
    fig, ax = figure_axes(ax)
    x = np.arange(n, dtype=np.float64)
    width = 0.8 / k
    for j, (name, values) in enumerate(series.items()):
        v = _float_series(name, values, n)
        container = ax.bar(x + (j - (k - 1) / 2) * width, v, width * 0.95, label=str(name))
        if value_labels and k == 1:
            ax.bar_label(container, labels=[_num(t) for t in v], fontsize=8, padding=2)
    long = n > 6 or any(len(s) > 10 for s in names)
    ax.set_xticks(
        x, names, rotation=35 if long else 0, ha="right" if long else "center", fontsize=9
    )
    if k > 1:
        ax.legend(fontsize=8, frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    if ylabel:
        ax.set_ylabel(ylabel)
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def bar_totals(
    totals: Mapping[str, float] | Mapping[str, Mapping[str, float]],
    *,
    ax: Any = None,
    title: str = "",
    ylabel: str = "",
    xlabel: str = "",
    sort: bool = True,
) -> tuple[Any, Any]:
    """Bar chart of totals per key; a mapping of mappings draws one series per outer key.

    Keys are the union of the series' keys (a key absent from a series counts 0), ordered by
    the first series, largest first (``sort=True``) or as given.
    """
    if not totals:
        raise ParameterError("nothing to plot: no totals given")
    first = next(iter(totals.values()))
    nested: dict[str, Mapping[str, float]]
    if isinstance(first, Mapping):
        nested = {str(k): v for k, v in totals.items()}  # type: ignore[misc]
    else:
        nested = {"total": totals}  # type: ignore[dict-item]
    keys: list[str] = []
    seen: set[str] = set()
    for per_key in nested.values():
        for key in per_key:
            if str(key) not in seen:
                seen.add(str(key))
                keys.append(str(key))
    lead = {str(k): float(v) for k, v in next(iter(nested.values())).items()}
    if sort:
        keys.sort(key=lambda key: -lead.get(key, 0.0))
    series = {
        name: np.array([float({str(k): v for k, v in per.items()}.get(key, 0.0)) for key in keys])
        for name, per in nested.items()
    }
    return bars(keys, series, ax=ax, title=title, ylabel=ylabel, xlabel=xlabel)


def funnel_bars(
    stages: Sequence[str],
    volumes: Any,
    *,
    rates: Any = None,
    ax: Any = None,
    title: str = "",
    ylabel: str = "volume",
) -> tuple[Any, Any]:
    """Volume per stage as bars, with the conversion between consecutive stages written above.

    Parameters
    ----------
    stages : sequence of str
        Stage names, top of the funnel first.
    volumes : array-like of float, or mapping of str to array-like
        Volume per stage; a mapping draws one series per group side by side (no rate labels).
    rates : array-like of float, optional
        ``len(stages) − 1`` conversion rates (stage *k* → *k+1*), written between the bars as
        ``→ 12.3%``; default: the ratio of consecutive volumes.
    """
    names = [str(s) for s in stages]
    if isinstance(volumes, Mapping):
        return bars(names, volumes, ax=ax, title=title, ylabel=ylabel)
    v = _float_series("volume", volumes, len(names))
    if rates is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(v[:-1] > 0, v[1:] / np.where(v[:-1] > 0, v[:-1], 1.0), np.nan)
    else:
        r = _float_series("rates", rates, len(names) - 1)
    fig, ax = bars(names, {ylabel or "volume": v}, ax=ax, title=title, ylabel=ylabel)
    top = float(np.nanmax(v)) if v.size and np.isfinite(v).any() else 1.0
    ax.set_ylim(0, max(top, 1e-12) * 1.3)
    trans = ax.get_xaxis_transform()  # x in data, y in axes fraction
    for k, rate in enumerate(r):
        ax.text(
            k + 0.5,
            0.95,
            f"→ {_pct(float(rate))}",
            transform=trans,
            ha="center",
            va="top",
            fontsize=8,
            color="0.3",
        )
    return fig, ax


def heatmap(
    matrix: Any,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    ax: Any = None,
    title: str = "",
    colorbar_label: str = "",
    percent: bool = False,
    row_title: str = "",
    col_title: str = "",
    colorbar: bool = True,
) -> tuple[Any, Any]:
    """A grid of values as an image with every cell's value written in it (NaN left blank)."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape != (len(row_labels), len(col_labels)):
        raise ParameterError(
            f"heat map of shape {m.shape} does not match {len(row_labels)} row and "
            f"{len(col_labels)} column labels"
        )
    fig, ax = figure_axes(ax)
    image = ax.imshow(np.ma.masked_invalid(m), cmap="Blues", aspect="auto")
    ax.set_xticks(np.arange(m.shape[1]), [str(c) for c in col_labels])
    ax.set_yticks(np.arange(m.shape[0]), [str(r) for r in row_labels])
    finite = m[np.isfinite(m)]
    mid = (float(finite.min()) + float(finite.max())) / 2 if finite.size else 0.0
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            val = float(m[i, j])
            text = (_pct(val) if percent else _num(val)) if np.isfinite(val) else "–"
            color = "white" if np.isfinite(val) and val > mid else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=9, color=color)
    if colorbar:
        bar = fig.colorbar(image, ax=ax, label=colorbar_label)
        if percent:
            from matplotlib.ticker import PercentFormatter

            bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if title:
        ax.set_title(title, fontsize=10)
    if row_title:
        ax.set_ylabel(row_title)
    if col_title:
        ax.set_xlabel(col_title)
    return fig, ax


def lines(
    x: Any,
    series: Mapping[str, Any],
    *,
    ax: Any = None,
    title: str = "",
    ylabel: str = "",
    styles: Mapping[str, str] | None = None,
) -> tuple[Any, Any]:
    """One line per series over ``x`` (numbers or ``datetime64`` dates), with a legend."""
    xs = np.asarray(x)
    fig, ax = figure_axes(ax)
    styles = styles or {}
    for name, values in series.items():
        v = _float_series(name, values, xs.shape[0])
        ax.plot(xs, v, styles.get(name, "-"), label=str(name), linewidth=1.6)
    ax.legend(fontsize=8, frameon=False)
    if xs.dtype.kind == "M":
        fig.autofmt_xdate()
    if title:
        ax.set_title(title, fontsize=10)
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def histogram(
    values: Any,
    *,
    ax: Any = None,
    bins: int = 30,
    threshold: float | None = None,
    threshold_label: str = "",
    title: str = "",
    xlabel: str = "",
) -> tuple[Any, Any]:
    """Histogram of the finite values, with an optional vertical line (e.g. the SLA window)."""
    if not isinstance(bins, int | np.integer) or isinstance(bins, bool) or bins < 1:
        raise ParameterError(f"bins must be a positive int, got {bins!r}")
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    fig, ax = figure_axes(ax)
    ax.hist(v, bins=int(bins), color="C0", alpha=0.85)
    if threshold is not None:
        ax.axvline(threshold, color="C3", linestyle="--", label=threshold_label or None)
        if threshold_label:
            ax.legend(fontsize=8, frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


# ----------------------------------------------------------------------------- adapters
def plot_attribution(
    result: AttributionResult,
    *,
    ax: Any = None,
    by: str = "channel",
    measure: str = "revenue",
    compare: Mapping[str, AttributionResult] | None = None,
) -> tuple[Any, Any]:
    """Credit per key of one attribution result, or of several models side by side."""
    if measure not in ("revenue", "conversions"):
        raise ParameterError(f"measure must be 'revenue' or 'conversions', got {measure!r}")
    results: dict[str, AttributionResult]
    if compare:
        results = dict(compare)
        if not any(r is result for r in results.values()):
            results = {result.model_name: result, **results}
    else:
        results = {result.model_name: result}
    totals = {
        str(name): r.totals(by=by, measure=measure)  # type: ignore[arg-type]
        for name, r in results.items()
    }
    what = "credited revenue" if measure == "revenue" else "credited conversions"
    label = ", ".join(totals) if len(totals) <= 3 else f"{len(totals)} models"
    return bar_totals(totals, ax=ax, title=f"{what} by {by} ({label})", ylabel=what, xlabel=by)


def _cell_grid(names: Sequence[str]) -> tuple[list[str], list[str], np.ndarray] | None:
    """Rows (fit letters) and columns (interest numbers) of grid cells like ``"A1"``."""
    pattern = re.compile(r"^([A-Za-z]+)(\d+)$")
    parsed = [pattern.match(str(n)) for n in names]
    if not names or any(p is None for p in parsed):
        return None
    letters = [p.group(1) for p in parsed if p is not None]
    numbers = [int(p.group(2)) for p in parsed if p is not None]
    rows = list(dict.fromkeys(letters))
    cols = sorted(set(numbers))
    position = np.array(
        [rows.index(a) * len(cols) + cols.index(b) for a, b in zip(letters, numbers)]
    )
    return rows, [str(c) for c in cols], position


def plot_scores(
    result: ScoreResult, *, ax: Any = None, converted: Any = None, bins: int = 30
) -> tuple[Any, Any]:
    """Leads (or conversion when ``converted`` is given) per grid cell, else a score histogram."""
    if "cell" not in result:
        if converted is not None:
            raise ParameterError(
                "converted= needs a grid scorer (cells); this result has no 'cell' column"
            )
        return histogram(
            result.scores,
            ax=ax,
            bins=bins,
            title=f"scores of {len(result):,} leads ({type(result.scorer).__name__})",
            xlabel="score",
        )
    table = result.summary(backend="dict")
    names = [str(c) for c in table["cell"]]
    counts = np.asarray(table["n"], dtype=np.float64)
    values, percent, what = counts, False, "leads"
    if converted is not None:
        y = np.asarray(converted)
        if y.shape != (len(result),):
            raise DataValidationError(
                f"converted has shape {y.shape}, expected ({len(result)},): one outcome per lead",
                column="converted",
                fix="pass one 0/1 or bool per lead, in the order of the scored leads",
            )
        if y.dtype.kind not in "biuf" or not np.isin(y, (0, 1)).all():
            raise DataValidationError(
                "converted must be 0/1 or bool per lead", column="converted", fix="use a bool array"
            )
        cell = np.asarray(result["cell"]).astype(str)
        name_arr = np.asarray(names, dtype=str)
        by_name = np.argsort(name_arr, kind="stable")
        pos = np.minimum(np.searchsorted(name_arr[by_name], cell), len(names) - 1)
        idx = by_name[pos]
        if not bool((name_arr[idx] == cell).all()):  # pragma: no cover - summary lists every cell
            raise DataValidationError("a lead's cell is missing from the grid", column="cell")
        won = np.bincount(idx, weights=y.astype(np.float64), minlength=len(names))
        n = np.bincount(idx, minlength=len(names)).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(n > 0, won / np.where(n > 0, n, 1.0), np.nan)
        percent, what = True, "conversion"
    grid = _cell_grid(names)
    if grid is None:
        fig, ax = bars(names, {what: values}, ax=ax, title=f"{what} per cell", ylabel=what)
        return fig, ax
    rows, cols, position = grid
    matrix = np.full(len(rows) * len(cols), np.nan)
    matrix[position] = values
    return heatmap(
        matrix.reshape(len(rows), len(cols)),
        rows,
        cols,
        ax=ax,
        title=f"{what} per grid cell ({len(result):,} leads)",
        colorbar_label=what,
        percent=percent,
        row_title="fit",
        col_title="interest",
    )


def _scenario(value: Any, shape: tuple[int, ...], scenario: int | None) -> float:
    arr = np.asarray(value, dtype=np.float64)
    if not shape:
        return float(arr)
    flat = np.broadcast_to(arr, shape).reshape(-1)
    if scenario is None:
        return float(flat.mean())
    if not -flat.size <= int(scenario) < flat.size:
        raise ParameterError(f"scenario {scenario} out of range 0..{flat.size - 1}")
    return float(flat[int(scenario)])


def _scenario_note(shape: tuple[int, ...], scenario: int | None) -> str:
    if not shape:
        return ""
    n = int(np.prod(shape))
    return f" (mean of {n:,} scenarios)" if scenario is None else f" (scenario {scenario})"


def plot_plan(
    plan: Plan, *, ax: Any = None, scenario: int | None = None, whole: bool = True
) -> tuple[Any, Any]:
    """Volume each stage must deliver, down to customers, with the planned rates between bars."""
    source = plan.required_whole if whole else plan.required
    vols = [_scenario(source[s], plan.shape, scenario) for s in plan.stages]
    vols.append(_scenario(plan.customers, plan.shape, scenario))
    rates = [_scenario(plan.rates[s], plan.shape, scenario) for s in plan.stages]
    return funnel_bars(
        [*plan.stages, "customers"],
        vols,
        rates=rates,
        ax=ax,
        title="funnel plan: volume required per stage" + _scenario_note(plan.shape, scenario),
    )


def plot_forecast(
    forecast: Forecast, *, ax: Any = None, scenario: int | None = None
) -> tuple[Any, Any]:
    """Expected volume per stage and won customers, with the rates between bars."""
    shape = forecast.shape
    vols = [_scenario(forecast.volumes[s], shape, scenario) for s in forecast.stages]
    vols.append(_scenario(forecast.customers, shape, scenario))
    rates = [_scenario(forecast.rates[s], shape, scenario) for s in forecast.stages]
    return funnel_bars(
        [*forecast.stages, "won"],
        vols,
        rates=rates,
        ax=ax,
        title="funnel forecast: expected volume per stage" + _scenario_note(shape, scenario),
    )


def plot_rep_plan(rep: RepPlan, *, ax: Any = None, scenario: int | None = None) -> tuple[Any, Any]:
    """Monthly volume per stage one rep needs, down to deals."""
    p = rep.plan
    vols = [_scenario(rep.required_per_month[s], p.shape, scenario) for s in p.stages]
    vols.append(_scenario(rep.deals_per_month, p.shape, scenario))
    rates = [_scenario(p.rates[s], p.shape, scenario) for s in p.stages]
    return funnel_bars(
        [*p.stages, "deals"],
        vols,
        rates=rates,
        ax=ax,
        title="per rep and month" + _scenario_note(p.shape, scenario),
        ylabel="per month",
    )


def plot_sensitivity(
    sens: Sensitivity, *, ax: Any = None, measure: str | None = None
) -> tuple[Any, Any]:
    """Effect of improving each stage (ranked): leads saved, customers or revenue added."""
    available = {
        name: getattr(sens, name)
        for name in ("leads_saved", "customers_added", "revenue_added", "factor")
        if getattr(sens, name) is not None
    }
    if measure is None:
        measure = next(iter(available))
    if measure not in available:
        raise ParameterError(
            f"measure {measure!r} is not available; choose one of {', '.join(available)}"
        )
    labels = [
        f"{s} ({_pct(float(a))}→{_pct(float(b))})"
        for s, a, b in zip(sens.stages, sens.rate, sens.improved_rate)
    ]
    return bars(
        labels,
        {measure: available[measure]},
        ax=ax,
        title=f"improving one stage: {measure.replace('_', ' ')} (best: {sens.best})",
        ylabel=measure.replace("_", " "),
    )


def plot_observation(
    obs: FunnelObservation,
    *,
    ax: Any = None,
    group: int | str | tuple[Any, ...] | None = None,
) -> tuple[Any, Any]:
    """Leads reaching each stage with next-step conversion; all groups side by side by default."""
    labels = list(obs.labels)
    if group is not None or obs.n_groups == 1:
        g = obs.group_index(group)
        name = "" if obs.n_groups == 1 else f" — {_group_name(obs, g)}"
        return funnel_bars(
            labels,
            obs.counts[g],
            rates=obs.next_rate[g],
            ax=ax,
            title=f"observed funnel{name} ({int(obs.counts[g, 0]):,} leads)",
            ylabel="leads",
        )
    series = {_group_name(obs, g): obs.counts[g] for g in range(obs.n_groups)}
    return funnel_bars(
        labels,
        series,
        ax=ax,
        title=f"observed funnel by {obs.by or 'cohort'} ({obs.n_entered:,} leads)",
        ylabel="leads",
    )


def _group_name(obs: FunnelObservation, g: int) -> str:
    parts = []
    if obs.group_values is not None:
        parts.append(str(obs.group_values[g]))
    if obs.group_cohorts is not None:
        parts.append(str(obs.group_cohorts[g]))
    return " ".join(parts) or str(g)


def plot_sla(report: SLAReport, *, ax: Any = None, kind: str = "pace") -> tuple[Any, Any]:
    """``kind="pace"``: delivered vs committed pace per day; ``"response"``: response times."""
    if kind == "pace":
        daily = report.daily
        dates = np.asarray(daily["date"])
        start = np.asarray(daily["period_start"])
        # a NaN point at each new period breaks the lines instead of joining the periods
        cut = np.flatnonzero(start[1:] != start[:-1]) + 1

        def gap(values: Any) -> np.ndarray:
            return np.insert(np.asarray(values, dtype=np.float64), cut, np.nan)

        return lines(
            np.insert(dates, cut, dates[cut]),
            {
                "delivered to date": gap(daily["delivered_to_date"]),
                "committed pace": gap(daily["pace_to_date"]),
                "committed (period)": gap(daily["committed"]),
            },
            ax=ax,
            title=f"{report.sla.name}: qualified leads delivered vs committed",
            ylabel="qualified leads",
            styles={"committed pace": "--", "committed (period)": ":"},
        )
    if kind == "response":
        ft = report.sla.sales.first_touch
        business = True if ft is None else bool(ft.business_time)
        column = "response_business" if business else "response_wall"
        resp = np.asarray(report.leads[column])
        hours = resp[~np.isnat(resp)].astype("timedelta64[s]").astype(np.float64) / 3600.0
        threshold = None
        label = ""
        if ft is not None:
            from ._time import parse_duration

            window = (
                report.calendar.business_duration(ft.within, name="within")
                if business
                else parse_duration(ft.within, name="within")
            )
            threshold = float(window.astype("timedelta64[us]").astype(np.int64)) / 3.6e9
            label = f"first-touch window {ft.within}"
        return histogram(
            hours,
            ax=ax,
            threshold=threshold,
            threshold_label=label,
            title=f"first-touch response time ({hours.size:,} touched leads)",
            xlabel="business hours" if business else "hours",
        )
    raise ParameterError(f"kind must be 'pace' or 'response', got {kind!r}")


def plot_closed_loop(
    report: ClosedLoopReport,
    *,
    ax: Any = None,
    measures: str | Sequence[str] = ("revenue", "cost"),
    top: int | None = 20,
) -> tuple[Any, Any]:
    """Revenue, cost, ROI (any numeric columns of the table) per key, largest first."""
    table = report.table
    wanted = [measures] if isinstance(measures, str) else list(measures)
    if not wanted:
        raise ParameterError("measures must name at least one column")
    cols = list(table.columns)
    first_metric = cols.index("leads") if "leads" in cols else 1
    key_cols = cols[:first_metric]
    numeric_cols = [c for c in cols[first_metric:] if np.asarray(table[c]).dtype.kind in "biuf"]
    for m in wanted:
        if m not in numeric_cols:
            raise ParameterError(
                f"closed-loop plot: unknown measure {m!r}; choose from {', '.join(numeric_cols)}"
            )
    if top is not None and (isinstance(top, bool) or int(top) < 1):
        raise ParameterError(f"top must be a positive int or None, got {top!r}")
    n = table.n_rows
    keys = [" / ".join(str(table[c][i]) for c in key_cols) for i in range(n)]
    lead = np.nan_to_num(np.asarray(table[wanted[0]], dtype=np.float64), nan=-np.inf)
    order = np.argsort(-lead, kind="stable")
    shown = order if top is None else order[: int(top)]
    note = "" if shown.size == n else f", top {shown.size} of {n}"
    return bars(
        [keys[i] for i in shown],
        {m: np.asarray(table[m], dtype=np.float64)[shown] for m in wanted},
        ax=ax,
        title=f"closed loop: {', '.join(wanted)} by {' / '.join(key_cols)}{note}",
        xlabel=" / ".join(key_cols),
    )
