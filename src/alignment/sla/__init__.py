"""SLA engine (placeholder while building)."""

from ._calendar import BusinessCalendar

__all__ = ["BusinessCalendar"]
