"""Account journeys: which persons' touches make up a deal's journey (``contacts=``).

``contacts="all"``: every lead of the deal's account (``leads[key] ==`` the deal's account);
``"primary"``: the deal's primary contact only (its first ``is_primary`` row of
``deal_contacts``, else the deal's own lead column); ``"roles"``: the deal's contacts in
``deal_contacts``, each touch weighted by its person's ``role`` (``role_weights``).  The result
is a :class:`~alignment.tables._deals.Conversions` whose contact pairs name persons (leads):
the deal-keyed journey machinery (:mod:`alignment.tables._deal_journeys`) does the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from .._lookup import lookup
from .._params import is_option
from .._parse import fold_role
from ..errors import MissingColumnError, ParameterError
from ._common import _Keys
from ._deals import Contacts, Conversions, read_conversions, role_weight_lut
from ._leads import LeadTable

#: the ``contacts=`` modes of account journeys
CONTACT_MODES = ("all", "primary", "roles")
#: touch columns of account journeys: the person's role in the deal and its weight
ROLE = "role"
ROLE_WEIGHT = "role_weight"


def check_contacts(
    contacts: Any, role_weights: Any, *, key: str, lead: str
) -> dict[str, float] | None:
    """Validate ``contacts=`` / ``role_weights=``; the role weights as a dict (or ``None``,
    without contacts: ``contacts=None`` reads neither).

    Role weights must be finite and > 0 (a zero would leave a deal's revenue nowhere to go);
    they are only read with ``contacts="roles"``.
    """
    if contacts is None:
        return None
    if not is_option(contacts, CONTACT_MODES):
        raise ParameterError(
            f"contacts must be one of {', '.join(repr(m) for m in CONTACT_MODES)}, got {contacts!r}"
        )
    if contacts == "all" and key == lead:
        raise ParameterError(
            f"contacts='all' takes the touches of every person of the deal's account: pass "
            f"key='account_id' (the account column of the leads), not the person key {lead!r}"
        )
    if role_weights is None:
        return None
    if contacts != "roles":
        raise ParameterError(
            f"role_weights= weights the touches by their person's role in the deal: it needs "
            f"contacts='roles', got contacts={contacts!r}"
        )
    if not isinstance(role_weights, Mapping):
        raise ParameterError(
            f"role_weights must be a mapping of role to weight, got {role_weights!r} "
            "(e.g. {'decision_maker': 2.0, 'influencer': 1.0})"
        )
    out: dict[str, float] = {}
    for role, w in role_weights.items():
        try:
            v = float(w)
        except (TypeError, ValueError):
            v = float("nan")
        if not isinstance(role, str) or not np.isfinite(v) or v <= 0:
            raise ParameterError(
                f"role_weights: {role!r}: {w!r} is not a role name with a finite weight > 0; "
                "give each role (a string) a positive weight (roles left out weigh 1)"
            )
        folded = fold_role(role)
        if out.get(folded, v) != v:
            raise ParameterError(
                f"role_weights gives the role {folded!r} two weights under two spellings "
                f"({out[folded]!r} and {v!r}; spellings are folded: 'Decision Maker' = "
                "'decision_maker'); give each role one weight"
            )
        out[folded] = v
    return out


def read_deal_conversions(
    conversions: Any,
    *,
    contacts: str | None,
    key_name: str,
    lead: str,
    role_weights: dict[str, float] | None = None,
    **read: Any,
) -> Conversions:
    """The conversions of ``conversions``: the won deals with their contacts by ``contacts``
    mode (account journeys), or as :func:`read_conversions` reads them (``contacts=None``)."""
    if contacts is None:
        return read_conversions(conversions, key_name=key_name, lead=lead, **read)
    return account_conversions(
        conversions,
        contacts=contacts,
        key_name=key_name,
        lead=lead,
        role_weights=role_weights,
        **read,
    )


def account_conversions(
    conversions: Any,
    *,
    contacts: str,
    key_name: str,
    lead: str,
    converted_at: str,
    revenue: str,
    leads: LeadTable | None,
    won_stages: Sequence[str] | None,
    deal_contacts: Any,
    role_weights: dict[str, float] | None = None,
) -> Conversions:
    """The won deals of ``conversions`` with their contact pairs naming persons (``lead``).

    Deals without a ``deal_id`` column are numbered by their row in the caller's table; a
    person listed twice for one deal keeps its largest role weight (``role_weights``).
    """
    read: dict[str, Any] = dict(
        lead=lead, converted_at=converted_at, revenue=revenue, leads=leads, won_stages=won_stages
    )
    if contacts == "all":
        conv = read_conversions(
            conversions, key_name=key_name, deal_contacts=None, key_contacts=deal_contacts, **read
        )
        conv = replace(conv, pairs=_account_pairs(conv.pairs, leads, key_name))
    elif contacts == "roles":
        if deal_contacts is None:
            raise ParameterError(
                "contacts='roles' reads each deal's contacts and their role from deal_contacts=: "
                "pass it (a CRMData bundle brings its own)",
            )
        conv = read_conversions(
            conversions,
            key_name=lead,
            deal_contacts=deal_contacts,
            role_weights=role_weights,
            **read,
        )
    else:
        conv = read_conversions(conversions, key_name=lead, deal_contacts=deal_contacts, **read)
        conv = replace(conv, pairs=_primary_pairs(conv.pairs))
    if conv.ids is None:
        conv = replace(conv, ids=conv.rows.copy())
    return conv


def _primary_pairs(pairs: Contacts) -> Contacts:
    """Only each deal's primary pair."""
    has = pairs.primary >= 0
    keep = pairs.primary[has]
    primary = np.full(pairs.primary.size, -1, dtype=np.int64)
    primary[has] = np.arange(keep.size, dtype=np.int64)
    role = None if pairs.role is None else pairs.role.take(keep)
    return Contacts(
        keys=_Keys(pairs.keys.codes[keep], pairs.keys.uniques),
        conv=pairs.conv[keep],
        primary=primary,
        rows=pairs.rows[keep],
        role=role,
    )


def _account_pairs(pairs: Contacts, leads: LeadTable | None, key_name: str) -> Contacts:
    """(deal, lead) pairs: every lead of each deal's account (``pairs`` name the accounts).

    A deal's primary pair is its first lead (lead-table order); a deal whose account has no
    lead has no contact (its revenue is unattributed: no touches).
    """
    if leads is None or key_name not in leads.categorical:
        raise MissingColumnError(
            f"contacts='all' finds the persons of an account through the leads' {key_name!r} "
            "column, which is missing",
            column=key_name,
            table="leads",
            fix=f"pass leads= with a {key_name!r} column",
        )
    acc = leads.categorical[key_name]
    # each deal's account as a category of the leads' account column (-1: no such lead)
    pos, _ = lookup(acc.categories, pairs.keys.uniques)
    deal_acc = pos[pairs.keys.codes]
    ok = acc.codes >= 0
    by_acc = np.flatnonzero(ok)[np.argsort(acc.codes[ok], kind="stable")]
    count = np.bincount(acc.codes[ok], minlength=acc.categories.size)
    start = np.cumsum(count) - count
    n_of = np.where(deal_acc >= 0, count[np.maximum(deal_acc, 0)], 0)
    lo = np.where(deal_acc >= 0, start[np.maximum(deal_acc, 0)], 0)
    first = np.cumsum(n_of) - n_of
    idx = np.arange(int(n_of.sum()), dtype=np.int64) + np.repeat(lo - first, n_of)
    person = by_acc[idx]
    conv = np.repeat(pairs.conv, n_of)
    primary = np.full(pairs.primary.size, -1, dtype=np.int64)
    primary[pairs.conv[n_of > 0]] = first[n_of > 0]
    uniq, inverse = np.unique(person, return_inverse=True)
    return Contacts(
        keys=_Keys(inverse.astype(np.int64).ravel(), leads.ids[uniq]),
        conv=conv,
        primary=primary,
        rows=np.repeat(pairs.rows, n_of),
    )


def role_weight_of(role: Any, role_weights: dict[str, float] | None) -> np.ndarray:
    """Weight of each category of ``role`` (a :class:`Categorical`), then of a missing role:
    ``role_weights`` of its folded spelling, 1 for roles it does not name and for a missing
    role (see :func:`~alignment.tables._deals.role_weight_lut`)."""
    return role_weight_lut(role, role_weights)
