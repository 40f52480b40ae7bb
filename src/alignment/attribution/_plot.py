"""Plot of an attribution result (``AttributionResult.plot``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._charts import (
    bar_totals,
)
from .._params import is_option
from ..errors import ParameterError

if TYPE_CHECKING:
    from ._result import AttributionResult


def plot_attribution(
    result: AttributionResult,
    *,
    ax: Any = None,
    by: str = "channel",
    measure: str = "revenue",
    compare: Mapping[str, AttributionResult] | None = None,
) -> tuple[Any, Any]:
    """Credit per key of one attribution result, or of several models side by side."""
    if not is_option(measure, ("revenue", "conversions")):
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
    # a stage outcome's revenue is its conversions (each lead is worth 1): no money to show
    money = measure == "revenue" and any(r.measure == "revenue" for r in results.values())
    what = "credited revenue" if money else "credited conversions"
    label = ", ".join(totals) if len(totals) <= 3 else f"{len(totals)} models"
    return bar_totals(totals, ax=ax, title=f"{what} by {by} ({label})", ylabel=what, xlabel=by)
