"""SLA engine: business time and the evaluation of a marketing–sales agreement.

>>> from alignment.sla import BusinessCalendar, evaluate, speed_to_lead
>>> BusinessCalendar().elapsed(["2024-03-01T16:30Z"], ["2024-03-04T09:30Z"])
array([3600], dtype='timedelta64[s]')

See ``docs/sla.md``.
"""

from ._calendar import BusinessCalendar
from ._evaluate import STATUSES, evaluate
from ._model import SLA
from ._report import (
    BreachList,
    DailySeries,
    LeadStatus,
    PeriodSummary,
    RepCompliance,
    ReportTable,
    SLAReport,
)
from ._speed import (
    ATTEMPT_KINDS,
    CONNECT_OUTCOMES,
    SPEED_STATUSES,
    SpeedTable,
    SpeedToLead,
    speed_to_lead,
)

__all__ = [
    "ATTEMPT_KINDS",
    "CONNECT_OUTCOMES",
    "SLA",
    "SPEED_STATUSES",
    "STATUSES",
    "BreachList",
    "BusinessCalendar",
    "DailySeries",
    "LeadStatus",
    "PeriodSummary",
    "RepCompliance",
    "ReportTable",
    "SLAReport",
    "SpeedTable",
    "SpeedToLead",
    "evaluate",
    "speed_to_lead",
]
