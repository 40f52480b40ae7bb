"""Plot of an SLA report (``SLAReport.plot``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._charts import (
    histogram,
    lines,
)
from .._params import is_option
from ..errors import ParameterError

if TYPE_CHECKING:
    from ._report import SLAReport


def plot_sla(report: SLAReport, *, ax: Any = None, kind: str = "pace") -> tuple[Any, Any]:
    """``kind="pace"``: delivered vs committed pace per day; ``"response"``: response times."""
    if not is_option(kind, ("pace", "response")):
        raise ParameterError(f"kind must be 'pace' or 'response', got {kind!r}")
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
    ft = report.sla.sales.first_touch
    business = True if ft is None else bool(ft.business_time)
    column = "response_business" if business else "response_wall"
    resp = np.asarray(report.leads[column])
    hours = resp[~np.isnat(resp)].astype("timedelta64[s]").astype(np.float64) / 3600.0
    threshold = None
    label = ""
    if ft is not None:
        from .._time import parse_duration

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
