"""Names of the lifecycle stages the library knows (shared by the records and the tables)."""

from __future__ import annotations

__all__ = ["KNOWN_STAGES"]

KNOWN_STAGES: tuple[str, ...] = (
    "mql_at",
    "sal_at",
    "sql_at",
    "opportunity_at",
    "won_at",
    "lost_at",
    "assigned_at",
    "accepted_at",
    "rejected_at",
)
"""Lifecycle stage columns recognised on leads (teams may declare more with ``stages=``)."""
