"""What :func:`alignment.attribute` credits (``outcome=``): won revenue, a lifecycle stage, or
pipeline.

* ``outcome=None`` (``"revenue"``): the converted revenue of the conversions (won deals).
* a stage column of the leads (``"mql_at"``, ``"sql_at"`` …): every lead that reached the stage
  is one conversion of value 1 at that instant (``measure="conversions"``).
* ``"pipeline"``: every deal (won, lost or open) is a conversion at its ``created_at`` worth
  its ``amount`` (``measure="revenue"``).

The stage and pipeline outcomes are turned into an ordinary conversions table here, so every
model, option and check of the engine applies to them unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._colnames import FIXED_NAME
from .._frames import Categorical, numeric, read_table
from .._options import read_time
from .._params import is_option
from ..errors import MissingColumnError, ParameterError
from ..tables._deals import DEAL_CREATED, DEAL_KEY
from ..tables._leads import LeadTable

#: the outcome of ordinary attribution (won revenue) and of pipeline attribution
REVENUE = "revenue"
PIPELINE = "pipeline"
_DEALS = "deals"


@dataclass(frozen=True)
class Outcome:
    """The inputs of one outcome: conversions and leads for the engine, and its labels."""

    conversions: Any
    leads: Any
    deal_contacts: Any
    name: str
    measure: str


def outcome_inputs(
    outcome: Any,
    conversions: Any,
    leads: Any,
    deal_contacts: Any,
    *,
    from_crm: bool,
    lead: str,
    key: str | None,
    converted_at: str,
    revenue: str,
    won_stages: Any = None,
    anchors: Sequence[str] = (),
) -> Outcome:
    """The conversions (and leads) that credit ``outcome`` (see the module notes); a stage
    outcome reads the leads' ``anchors`` columns (the model's anchor parameters) too."""
    if is_option(outcome, (None, REVENUE)):
        return Outcome(conversions, leads, deal_contacts, REVENUE, "revenue")
    if not isinstance(outcome, str) or not outcome:
        raise ParameterError(
            f"outcome must be a stage column of the leads (e.g. 'mql_at'), 'pipeline' or "
            f"'revenue', got {outcome!r}"
        )
    if outcome == PIPELINE:
        if conversions is None:
            raise ParameterError(
                "outcome='pipeline' credits the deals' amounts at their creation: pass the deals "
                "(with created_at and amount) as conversions"
            )
        keep = [DEAL_KEY, lead, *([key] if key else [])]
        table = _pipeline(conversions, keep=keep, converted_at=converted_at, revenue=revenue)
        return Outcome(table, leads, deal_contacts, PIPELINE, "revenue")
    if key not in (None, lead):
        raise ParameterError(
            f"outcome={outcome!r} credits each lead's reaching a stage: it is attributed per "
            f"lead, not per account (leave key= and contacts= out)"
        )
    if won_stages is not None:
        raise ParameterError(
            f"won_stages= names the won deals, but outcome={outcome!r} credits each lead's "
            "reaching a stage, not won deals: won_stages does not apply (leave it out, or "
            "leave outcome= out to credit the won deals' revenue)"
        )
    if deal_contacts is not None and not from_crm:
        raise ParameterError(
            f"deal_contacts= links won deals to their persons, but outcome={outcome!r} credits "
            "each lead's reaching a stage, not won deals: deal_contacts does not apply (leave "
            "it out, or leave outcome= out to credit the won deals' revenue)"
        )
    if from_crm:
        source = leads
    elif conversions is not None and leads is not None:
        raise ParameterError(
            f"outcome={outcome!r} reads the stage instants from the leads: pass the leads once "
            "(as the second argument or as leads=), without other conversions"
        )
    else:
        source = conversions if conversions is not None else leads
    if source is None:
        raise ParameterError(
            f"outcome={outcome!r} reads the stage instants from the leads: pass them "
            "(alignment.attribute(touches, leads, outcome=...))"
        )
    read = LeadTable._read  # (with the anchors' columns, whatever their name)
    lt = source if isinstance(source, LeadTable) else read(source, id=lead, anchors=anchors)[0]
    table = _stage(lt, outcome, lead=lead, converted_at=converted_at, revenue=revenue)
    return Outcome(table, lt, None, outcome, "conversions")


def _stage(
    lt: LeadTable, stage: str, *, lead: str, converted_at: str, revenue: str
) -> dict[str, np.ndarray]:
    """One conversion of value 1 per lead that reached ``stage``, at that instant."""
    if stage == "created_at":
        at = lt.created_at
    elif stage in lt.stages:
        at = lt.stages[stage]
    else:
        raise MissingColumnError(
            f"outcome={stage!r} is not a stage column of the leads; stage columns: "
            f"{', '.join(['created_at', *lt.stages])}",
            column=stage,
            table="leads",
            fix=f"name one of those stage columns (e.g. outcome={[*lt.stages, 'created_at'][0]!r}), "
            "add the stage instant to the leads, or pass outcome='pipeline' with the deals",
        )
    reached = ~np.isnat(at)
    return {
        lead: lt.ids[reached],
        converted_at: at[reached],
        revenue: np.ones(int(reached.sum()), dtype=np.float64),
    }


def _pipeline(
    deals: Any, *, keep: list[str], converted_at: str, revenue: str
) -> dict[str, np.ndarray]:
    """Every deal as a conversion at its ``created_at`` worth its ``amount``; the ``keep``
    columns (deal id, lead, account) are carried over when present."""
    raw = read_table(
        deals,
        table=_DEALS,
        required=[DEAL_CREATED, "amount"],
        optional=list(dict.fromkeys(keep)),
        fix=FIXED_NAME,
    )
    at, _ = read_time(
        raw.columns[DEAL_CREATED],
        column=DEAL_CREATED,
        table=_DEALS,
        frame_aware=raw.aware.get(DEAL_CREATED),
    )
    amount = numeric(raw.columns["amount"], column="amount", table=_DEALS, nonnegative=True)
    out: dict[str, np.ndarray] = {}
    for name in keep:
        if name in raw.columns:
            col = raw.columns[name]
            out[name] = col.values() if isinstance(col, Categorical) else np.asarray(col)
    out[converted_at] = at
    out[revenue] = amount
    return out
