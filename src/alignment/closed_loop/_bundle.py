"""What a :class:`alignment.io.CRMData` bundle gives the closed-loop report.

Its leads, its won deals per lead (each credited to its primary contact, ``crm.conversions``)
and its costs, unless the caller passes them; and what its deals say beyond the deals per
lead: the persons of its won deals (a contact won by its stage whose deal's amount is its
primary contact's has revenue 0, never ``NaN``) and the won deals with no contact (no lead's
revenue: kept on an unallocated row).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._crm import is_crm

#: the note of the row holding the revenue of a bundle's won deals with no contact
NO_CONTACT_NOTE = "revenue of won deals with no contact (no lead to credit)"


@dataclass(frozen=True)
class Bundle:
    """The persons of a bundle's won deals (``contacts``: their ids, the primary ones
    included) and the amounts of its won deals with no contact (``alone``)."""

    contacts: np.ndarray
    alone: np.ndarray

    def on_won_deal(self, lt: Any) -> np.ndarray:
        """Per lead of ``lt``, whether it is a person of one of the won deals."""
        out = np.zeros(lt.n_leads, dtype=bool)
        pos, found = lt.positions(self.contacts)
        out[pos[found]] = True
        return out


def from_bundle(leads: Any, deals: Any, costs: Any) -> tuple[Any, Any, Any, Bundle]:
    """A CRMData bundle's leads, won deals (per primary contact) and costs, and what its
    deals say beyond them (:class:`Bundle`); else as given (with an empty :class:`Bundle`)."""
    extra = Bundle(np.empty(0, dtype=object), np.zeros(0))
    if not is_crm(leads):
        return leads, deals, costs, extra
    crm = leads
    if deals is None:
        conv, dc = crm.conversions, crm.deal_contacts
        deals = {
            "lead_id": conv["lead_id"],
            "amount": conv["revenue"],
            "won": np.ones(conv["lead_id"].shape[0], dtype=bool),
        }
        won_ids = np.asarray(conv["deal_id"]).astype(str)
        on_won = np.isin(np.asarray(dc["deal_id"]).astype(str), won_ids)
        alone = np.asarray(crm.won_without_contact["revenue"], dtype=np.float64)
        extra = Bundle(np.asarray(dc["lead_id"], dtype=object)[on_won], alone)
    if costs is None and crm.costs and next(iter(crm.costs.values())).shape[0]:
        costs = crm.costs
    return crm._coded_table("leads"), deals, costs, extra
