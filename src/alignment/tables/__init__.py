"""Columnar tables: millions of leads, touches and activities as numpy arrays.

* :class:`Journeys` — touchpoints grouped by journey key (a lead id, or an account id) in CSR
  layout, sorted by (key, time, input order), with each journey's conversion.
* :class:`LeadTable` — one row per lead, in the caller's row order.
* :class:`ActivityLog` — sales activities grouped by lead, CSR like :class:`Journeys`.

Build them from a pandas / Polars / PyArrow frame, a dict of arrays, or a sequence of the
pydantic models of :mod:`alignment.models`; all four give identical tables.  Every table goes
back to a frame with ``to_frame(backend=...)``.  Arrays are read-only.

Time rule: every instant is ``datetime64[us]`` in UTC (see :mod:`alignment._time`).
"""

from ._tables import KNOWN_STAGES, ActivityLog, Categorical, Journeys, LeadTable

__all__ = ["KNOWN_STAGES", "ActivityLog", "Categorical", "Journeys", "LeadTable"]
