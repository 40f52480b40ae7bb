"""The inputs of an SLA measure taken from a CRMData bundle (no other SLA module imported)."""

from __future__ import annotations

from typing import Any

from ..errors import ParameterError

__all__ = ["bundle_inputs"]


def bundle_inputs(
    leads: Any, activities: Any, as_of: Any, *, caller: str, columns: str
) -> tuple[Any, Any, Any]:
    """A CRMData bundle's leads, activities and ``as_of`` (those not passed); else as given.

    Raises
    ------
    ParameterError
        No activities given, nor a bundle to take them from (``columns`` names what they need).
    """
    from .._crm import is_crm

    if is_crm(leads):
        activities = leads._coded_table("activities") if activities is None else activities
        as_of = leads.as_of if as_of is None else as_of
        leads = leads._coded_table("leads")
    if activities is None:
        raise ParameterError(
            f"{caller}: activities are required (the sales activities: {columns}); "
            "or pass a CRMData bundle as leads"
        )
    return leads, activities, as_of
