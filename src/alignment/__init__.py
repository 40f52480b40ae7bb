"""alignment — sales & marketing alignment as computation.

Lead scoring (fit × interest grid, logistic), attribution (rule-based and data-driven), funnel
planning and observation, SLA evaluation and closed-loop reporting, on columnar numpy tables,
extensible with plugins.

Heavy submodules are imported lazily on first use, so ``import alignment`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    AlignmentError,
    AlignmentWarning,
    ConvergenceWarning,
    DataValidationError,
    MissingColumnError,
    ModelValidationError,
    NotFittedError,
    ParameterError,
    PluginError,
    UnknownModelError,
)
from .hookspecs import hookimpl

__version__ = "0.1.0"
"""The version of the library (of the distribution ``smarketing-alignment``)."""

# name -> module that defines it; resolved on first attribute access
_LAZY: dict[str, str] = {
    # models
    "Persona": "alignment.models",
    "Lead": "alignment.models",
    "Touchpoint": "alignment.models",
    "Deal": "alignment.models",
    "Activity": "alignment.models",
    "SLA": "alignment.sla",
    # tables
    "Categorical": "alignment.tables",
    "Journeys": "alignment.tables",
    "LeadTable": "alignment.tables",
    "ActivityLog": "alignment.tables",
    # plugins
    "list_plugins": "alignment.plugins",
    "attribution_models": "alignment.plugins",
    "scorers": "alignment.plugins",
    "get_attribution_model": "alignment.plugins",
    "get_scorer": "alignment.plugins",
    "plugin_errors": "alignment.plugins",
    # engines
    "attribute": "alignment.attribution",
    "compare": "alignment.attribution",
    "AttributionResult": "alignment.attribution",
    "score": "alignment.scoring",
    "ScoreResult": "alignment.scoring",
    "FitInterestGrid": "alignment.scoring",
    "LogisticScorer": "alignment.scoring",
    "match_personas": "alignment.scoring",
    "MarkovAttribution": "alignment.attribution",
    "ShapleyAttribution": "alignment.attribution",
    "synthetic_crm": "alignment.datasets",
    "BusinessCalendar": "alignment.sla",
    "SLAReport": "alignment.sla",
    "ClosedLoopReport": "alignment.closed_loop",
    "Unattributed": "alignment.attribution",
    "build_report": "alignment.report",
    "write_report": "alignment.report",
}
_SUBMODULES = {
    "accounts",
    "attribution",
    "base",
    "closed_loop",
    "datasets",
    "funnel",
    "io",
    "models",
    "plugins",
    "report",
    "scoring",
    "sla",
    "tables",
    "testing",
}

__all__ = [
    "SLA",
    "Activity",
    "ActivityLog",
    "AlignmentError",
    "AlignmentWarning",
    "AttributionResult",
    "BusinessCalendar",
    "Categorical",
    "ClosedLoopReport",
    "ConvergenceWarning",
    "DataValidationError",
    "Deal",
    "FitInterestGrid",
    "Journeys",
    "Lead",
    "LeadTable",
    "LogisticScorer",
    "MarkovAttribution",
    "MissingColumnError",
    "ModelValidationError",
    "NotFittedError",
    "ParameterError",
    "Persona",
    "PluginError",
    "SLAReport",
    "ScoreResult",
    "ShapleyAttribution",
    "Touchpoint",
    "Unattributed",
    "UnknownModelError",
    "__version__",
    "attribute",
    "attribution_models",
    "build_report",
    "compare",
    "get_attribution_model",
    "get_scorer",
    "hookimpl",
    "list_plugins",
    "match_personas",
    "plugin_errors",
    "score",
    "scorers",
    "synthetic_crm",
    "write_report",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"alignment.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'alignment' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(__all__) | _SUBMODULES)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from . import accounts as accounts
    from . import attribution as attribution
    from . import base as base
    from . import funnel as funnel
    from . import io as io
    from . import models as models
    from . import plugins as plugins
    from . import report as report
    from . import scoring as scoring
    from . import sla as sla
    from . import tables as tables
    from . import testing as testing
    from .attribution import (
        AttributionResult,
        MarkovAttribution,
        ShapleyAttribution,
        Unattributed,
        attribute,
        compare,
    )
    from .closed_loop import ClosedLoopReport
    from .datasets import synthetic_crm
    from .models import Activity, Deal, Lead, Persona, Touchpoint
    from .plugins import (
        attribution_models,
        get_attribution_model,
        get_scorer,
        list_plugins,
        plugin_errors,
        scorers,
    )
    from .report import build_report, write_report
    from .scoring import FitInterestGrid, LogisticScorer, ScoreResult, match_personas, score
    from .sla import SLA, BusinessCalendar, SLAReport
    from .tables import ActivityLog, Categorical, Journeys, LeadTable
