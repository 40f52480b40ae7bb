"""Funnel calculator: revenue targets to lead targets, observed conversion and velocity.

Planning (pure, vectorised over scenarios):

* :func:`plan` — reverse waterfall from a revenue target to the volume each stage must deliver.
* :func:`forward` — expected volumes, customers and revenue downstream of a stage.
* :func:`sensitivity` — which single-stage improvement helps most.
* :func:`rep_plan` — leads a rep needs per month to meet quota (the SLA volume commitment).
* :func:`sales_velocity` — opportunities × deal size × win rate ÷ cycle length.

Observation (from lead stage timestamps):

* :func:`observe` — counts per stage, next-step and cumulative conversion with confidence intervals,
  velocity between stages, by segment and by entry cohort.
* :func:`plan_from` — a :class:`Plan` from observed rates.

Lifecycle history (from stage events: lead, stage, instant):

* :func:`history` — per lead and stage: entered, exited, time in stage, re-entries
  (:class:`LifecycleHistory`, with ``time_to`` per cohort and ``observe``).

Formulas and worked examples: ``docs/funnel.md``.

Examples
--------
>>> from alignment import funnel
>>> p = funnel.plan(revenue_target=100_000, average_deal_size=1_000, rates={"lead": 0.04})
>>> p.customers, p.required["lead"]
(100.0, 2500.0)
"""

from ._base import DEFAULT_STAGES
from ._history import DEFAULT_HISTORY_STAGES, LifecycleHistory, history
from ._observation import FunnelObservation, observe, plan_from
from ._plan_results import Forecast, Plan, RepPlan, Sensitivity
from ._planning import forward, plan, rep_plan, sales_velocity, sensitivity

__all__ = [
    "DEFAULT_HISTORY_STAGES",
    "DEFAULT_STAGES",
    "Forecast",
    "FunnelObservation",
    "LifecycleHistory",
    "Plan",
    "RepPlan",
    "Sensitivity",
    "forward",
    "history",
    "observe",
    "plan",
    "plan_from",
    "rep_plan",
    "sales_velocity",
    "sensitivity",
]
