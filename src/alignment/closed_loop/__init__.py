"""Closed-loop report: what happened to every lead, per source / campaign / persona.

Sales reports back on every lead (accepted, rejected and why, SQL, won, revenue); marketing
sees lead validity, campaign performance and ROI.  Data-quality problems the two teams argue
about — duplicate leads and incomplete leads — are counted and listed.  See
``docs/closed_loop.md`` for the definitions.

>>> report = closed_loop(leads, costs=costs, by=("campaign",))  # doctest: +SKIP
>>> report.table.to_frame("pandas")  # doctest: +SKIP
"""

from ._engine import DEFAULT_REQUIRED, ClosedLoopReport, ClosedLoopTable, closed_loop

__all__ = ["DEFAULT_REQUIRED", "ClosedLoopReport", "ClosedLoopTable", "closed_loop"]
