"""The journeys of a :class:`alignment.io.CRMData` bundle (``crm.journeys()``).

Per person: the touches and the won deals, each credited to its primary contact; a won deal
with no contact is a journey of its own, without touches (as ``attribute(crm)`` keeps it).
Per value of a lead column (``key="account_id"``): the won deals rolled up per value; the
persons without a value belong to no such journey, and they and their won deals are left out
with a warning that counts them (a missing account is not an account).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._params import is_option

if TYPE_CHECKING:
    from ._crm import CRMData
    from .tables import Journeys

_TIME = np.dtype("datetime64[us]")


def person_journeys(crm: CRMData) -> Journeys:
    """The bundle's touches and won deals keyed by person (by deal when one must be).

    The won deals are the conversions, their primary contacts the deal contacts: a person
    with several won deals has one journey per deal, and a won deal with no contact is a
    journey without touches (its revenue unattributed, never lost).
    """
    conv, alone = crm.conversions, crm.won_without_contact
    deals = {
        name: np.concatenate([conv[name], alone[name]])
        for name in ("deal_id", "converted_at", "revenue")
    }
    contacts = {"deal_id": conv["deal_id"], "lead_id": conv["lead_id"]}
    return _build(crm, deals, deal_contacts=contacts)


def account_journeys(crm: CRMData, key: str) -> Journeys:
    """The bundle's touches and won deals keyed by the lead column ``key``.

    The persons without a ``key`` value, their touches and won deals, and the won deals with
    no contact are left out, counted in an :class:`alignment.errors.AlignmentWarning`.
    """
    from ._lookup import lookup
    from ._options import warn

    leads = crm.leads
    conversions, dropped = rollup(leads, crm.conversions, key)
    absent = _absent(leads, key)
    touches = crm._coded_table("touchpoints")  # (text columns as codes: no strings made)
    n_touches = 0
    if absent.any():
        pos, found = lookup(leads["lead_id"], touches["lead_id"])
        out = found & absent[np.where(found, pos, 0)]  # (unknown persons: refused by build)
        n_touches = int(out.sum())
        touches = _rows(touches, np.flatnonzero(~out))
    alone = crm.won_without_contact["revenue"]
    if absent.any() or alone.size:
        warn(
            _left_out(leads, key, absent, n_touches, crm.conversions["revenue"][dropped], alone),
            stacklevel=3,
        )
    return _build(
        crm,
        {k: conversions[k] for k in ("lead_id", key, "converted_at", "revenue")},
        touches=touches,
        key=key,
    )


def _build(
    crm: CRMData, conversions: dict[str, np.ndarray], *, touches: Any = None, **options: Any
) -> Journeys:
    from .tables import Journeys

    touches = crm._coded_table("touchpoints") if touches is None else touches
    return Journeys.build(
        touches,
        conversions,
        leads=crm._coded_table("leads"),
        touch_categorical=[c for c in ("campaign", "content", "kind") if c in touches],
        touch_numeric=[c for c in ("cost",) if c in touches],
        **options,
    )


def _rows(table: dict[str, Any], rows: np.ndarray) -> dict[str, Any]:
    """The rows ``rows`` of a table whose columns are arrays or factorised columns."""
    return {c: v[rows] if isinstance(v, np.ndarray) else v.take(rows) for c, v in table.items()}


def _left_out(
    leads: dict[str, np.ndarray],
    key: str,
    absent: np.ndarray,
    n_touches: int,
    revenue: np.ndarray,
    alone: np.ndarray,
) -> str:
    """The warning naming what the journeys keyed by ``key`` leave out."""
    parts = []
    if absent.any():
        first = leads["lead_id"][np.flatnonzero(absent)[0]]
        parts.append(
            f"{int(absent.sum()):,} person(s) without {key!r} (first: {first!r}), with "
            f"{n_touches:,} touch(es) and {revenue.size:,} won deal(s) (revenue "
            f"{float(revenue.sum()):,.2f})"
        )
    if alone.size:
        parts.append(
            f"{alone.size:,} won deal(s) with no contact (revenue {float(alone.sum()):,.2f})"
        )
    give = [f"the persons their {key!r}"] if absent.any() else []
    give += ["the deals their contacts"] if alone.size else []
    return (
        f"crm.journeys(key={key!r}) leaves out what belongs to no {key!r}: "
        + "; ".join(parts)
        + f"; fix: give {' and '.join(give)} in the export, or attribute per person "
        "(crm.journeys()), which keeps every touch and won deal"
    )


def _check_key(leads: dict[str, np.ndarray], key: str) -> None:
    from .errors import ParameterError

    if not is_option(key, leads):
        raise ParameterError(
            f"key must be a lead column, got {key!r}; available: {', '.join(leads)}"
        )


def _absent(leads: dict[str, np.ndarray], key: str) -> np.ndarray:
    """Per person, whether it has no value in the lead column ``key``."""
    _check_key(leads, key)
    out: np.ndarray = np.equal(leads[key], np.array(None, dtype=object)).astype(bool)
    return out


def rollup(
    leads: dict[str, np.ndarray], conversions: dict[str, np.ndarray], key: str
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Won deals rolled up per value of a lead column: the first won deal's close time and
    the summed revenue of all won deals (one conversion per journey).

    A deal whose person has no value is in no roll-up (a missing value is no key): the
    second array flags those deals among ``conversions``.
    """
    from ._segments import group_min

    ids = leads["lead_id"]
    order = np.argsort(ids, kind="stable")
    pos = order[np.searchsorted(ids, conversions["lead_id"], sorter=order)]
    dropped = _absent(leads, key)[pos]
    kept = np.flatnonzero(~dropped)
    values = leads[key][pos[kept]]
    if values.size == 0:
        empty = {
            "lead_id": np.empty(0, dtype=object),
            key: np.empty(0, dtype=object),
            "converted_at": np.empty(0, dtype=_TIME),
            "revenue": np.empty(0, dtype=np.float64),
        }
        return empty, dropped
    uniq, inv = np.unique(values.astype(str), return_inverse=True)
    inv = inv.ravel()
    first = group_min(
        conversions["converted_at"][kept].view(np.int64), inv, uniq.size, np.iinfo(np.int64).max
    )
    revenue = np.bincount(inv, weights=conversions["revenue"][kept], minlength=uniq.size)
    first_lead = np.empty(uniq.size, dtype=object)
    first_lead[inv[::-1]] = conversions["lead_id"][kept][::-1]
    rolled = {
        "lead_id": first_lead,
        key: uniq.astype(object),
        "converted_at": first.view(_TIME),
        "revenue": revenue,
    }
    return rolled, dropped
