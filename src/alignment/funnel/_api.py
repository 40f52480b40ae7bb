"""Funnel planning and observation (compatibility module: the code lives in the modules below).

Public names are re-exported by :mod:`alignment.funnel`.
"""

from __future__ import annotations

from ._base import DEFAULT_STAGES
from ._observation import FunnelObservation, observe, plan_from
from ._plan_results import Forecast, Plan, RepPlan, Sensitivity
from ._planning import forward, plan, rep_plan, sales_velocity, sensitivity

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
