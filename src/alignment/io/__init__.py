"""From a CRM's exports to :class:`CRMData`: :func:`read_crm` and the presets.

>>> import alignment
>>> crm = alignment.io.read_crm("salesforce", "exports/", tz="America/New_York")  # doctest: +SKIP

Built-in presets: ``"salesforce"`` (standard objects by their API field names) and
``"hubspot"`` (contacts and deals exports by property label or internal name); any other CRM
is described with a :class:`Preset`.  :func:`reading` applies the same reading options
(``tz``, ``dayfirst``, ``date_format``, ``decimal``, ``normalize``) to the engines' own
readers for a block of calls.  See ``docs/io.md``.
"""

from __future__ import annotations

from .._crm import CRMData, DataIssue, DataIssues
from .._options import reading
from ._preset import ExportTable, Lookup, Preset, kind_of
from ._presets import HUBSPOT, PRESETS, SALESFORCE
from ._read import read_crm

__all__ = [
    "HUBSPOT",
    "PRESETS",
    "SALESFORCE",
    "CRMData",
    "DataIssue",
    "DataIssues",
    "ExportTable",
    "Lookup",
    "Preset",
    "kind_of",
    "read_crm",
    "reading",
]
