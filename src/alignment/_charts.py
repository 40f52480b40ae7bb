"""Drawing functions for the result objects' ``.plot()`` (private): the one module that imports matplotlib.

matplotlib is an optional dependency (the ``plot`` extra: ``pip install 'smarketing-alignment[plot]'``).
It is imported lazily, on the first call that needs a new figure, never at ``import alignment``.
The backend is left to matplotlib: it picks ``inline`` in notebooks and falls back to the
non-interactive ``Agg`` backend on a machine without a display; nothing here calls
``matplotlib.use``, so a backend chosen by the caller (``MPLBACKEND=Agg``, ``%matplotlib``) is
kept.

Every function draws on the given ``ax`` (or on a new figure) and returns ``(fig, ax)``.  Each
engine package keeps its own ``_plot`` adapter that turns its result object into the arrays
these functions take.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._params import is_integer
from .errors import ParameterError

__all__ = [
    "PLOT_EXTRA_MESSAGE",
    "bar_totals",
    "bars",
    "figure_axes",
    "funnel_bars",
    "heatmap",
    "histogram",
    "lines",
]

#: message of the ImportError raised when matplotlib is missing
PLOT_EXTRA_MESSAGE = "plotting needs matplotlib: pip install 'smarketing-alignment[plot]'"

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
    if not is_integer(bins) or bins < 1:
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
