"""The columnar tables (Journeys, LeadTable, ActivityLog): the module that names them all.

The code lives in ``_leads``, ``_journeys``, ``_activities`` (with ``_common`` and
``_conversions``); public names are re-exported by :mod:`alignment.tables`.
"""

from __future__ import annotations

from .._frames import Categorical
from .._stages import KNOWN_STAGES
from ._activities import ActivityLog
from ._journeys import Journeys, journeys_from_paths
from ._leads import LeadTable

__all__ = [
    "KNOWN_STAGES",
    "ActivityLog",
    "Categorical",
    "Journeys",
    "LeadTable",
    "journeys_from_paths",
]
