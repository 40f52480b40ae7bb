"""Closed-loop report: what happened to every lead, per source / campaign / persona.

Sales reports back on every lead (accepted, rejected and why, SQL, won, revenue); marketing
sees lead validity, campaign performance and ROI.  Data-quality problems the two teams argue
about — duplicate leads and incomplete leads — are counted and listed.  See
``docs/closed_loop.md`` for the definitions.

The module itself can be called like :func:`closed_loop`: ``alignment.closed_loop(crm,
by="source")`` is ``alignment.closed_loop.closed_loop(crm, by="source")``.

>>> report = closed_loop(leads, costs=costs, by=("campaign",))  # doctest: +SKIP
>>> report.table.to_frame("pandas")  # doctest: +SKIP
"""

import sys
import types
from typing import Any

from ._engine import DEFAULT_REQUIRED, UNALLOCATED, ClosedLoopReport, ClosedLoopTable, closed_loop

__all__ = ["DEFAULT_REQUIRED", "UNALLOCATED", "ClosedLoopReport", "ClosedLoopTable", "closed_loop"]


class _CallableModule(types.ModuleType):
    """This module, callable as :func:`closed_loop` (``alignment.closed_loop(crm, by=...)``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> ClosedLoopReport:
        return closed_loop(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
