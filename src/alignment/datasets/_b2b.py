"""The buying-group phase of the synthetic CRM: contact roles, deal contacts, stage events.

It runs after every phase of :data:`._phases.PHASES` with a random generator of its own
(seeded from the data set's seed), so the tables those phases make keep every value: only the
lead ``role`` column, the ``deal_contacts`` and the ``stage_events`` tables come from here.
All of it is vectorised (no Python loop per lead or deal).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .._segments import lex_order, stable_order

__all__ = ["ROLES", "buying_groups"]

ROLES = ("decision_maker", "champion", "influencer", "user")
"""The buying-group roles of the synthetic company's contacts."""

#: P(role | seniority), rows in the generator's seniority order (executive, director,
#: manager, individual, other), columns in :data:`ROLES` order
_ROLE_BY_SENIORITY = np.array(
    [
        [0.70, 0.15, 0.10, 0.05],
        [0.35, 0.35, 0.20, 0.10],
        [0.05, 0.40, 0.35, 0.20],
        [0.00, 0.15, 0.30, 0.55],
        [0.00, 0.05, 0.35, 0.60],
    ]
)
_NO_ROLE = 0.05  # share of leads whose role the CRM does not know
_STAGE_COLUMNS = (
    ("lead", "created_at"),
    ("mql", "mql_at"),
    ("sql", "sql_at"),
    ("opportunity", "opportunity_at"),
    ("won", "won_at"),
)
_US_PER_DAY = 86_400 * 1_000_000
_LEAD, _MQL = 0, 1  # positions of "lead" and "mql" in _STAGE_COLUMNS


def _roles(rng: np.random.Generator, sen_code: np.ndarray) -> np.ndarray:
    """A role per lead drawn from its seniority (``None`` for a few)."""
    u = rng.random(sen_code.size)
    pick = np.zeros(sen_code.size, dtype=np.intp)
    for cum in np.cumsum(_ROLE_BY_SENIORITY, axis=1).T:  # (a loop over the four roles)
        pick += u > cum[sen_code]  # the number of cumulative shares below the draw
    np.minimum(pick, len(ROLES) - 1, out=pick)
    out: np.ndarray = np.array(ROLES, dtype=object)[pick]
    out[rng.random(sen_code.size) < _NO_ROLE] = None
    return out


def _deal_contacts(rng: np.random.Generator, g: SimpleNamespace, role: np.ndarray) -> None:
    """Each deal's opener (primary) plus one to three other leads of its account."""
    deals, n = g.deals, g.n
    opener = g.deal_rows
    acc = g.lead_acc[opener]
    order = stable_order(g.lead_acc)
    size = np.bincount(g.lead_acc, minlength=g.n_acc)
    start = np.concatenate(([0], np.cumsum(size)[:-1]))
    k = rng.integers(1, 4, opener.size)
    deal = np.repeat(np.arange(opener.size), k)
    lead = order[start[acc[deal]] + (rng.random(deal.size) * size[acc[deal]]).astype(np.int64)]
    end = np.where(np.isnat(deals["closed_at"]), g.as_of, deals["closed_at"])
    keep = (lead != opener[deal]) & ~g.leads["is_duplicate"][lead]
    keep &= g.leads["created_at"][lead] <= end[deal]
    deal, lead = deal[keep], lead[keep]
    pair = np.sort(deal.astype(np.int64) * max(n, 1) + lead)
    first = np.ones(pair.size, dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    pair = pair[first]  # (np.unique's values)
    deal = np.concatenate((np.arange(opener.size), pair // max(n, 1)))
    lead = np.concatenate((opener, pair % max(n, 1)))
    primary = np.arange(deal.size) < opener.size
    rows = lex_order((lead, ~primary, deal))
    deal, lead, primary = deal[rows], lead[rows], primary[rows]
    g.deal_contacts = {
        "deal_id": deals["deal_id"][deal],
        "lead_id": g.lead_ids[lead],
        "role": np.where(role[lead] == np.array(None), "influencer", role[lead]).astype(object),
        "is_primary": primary,
    }


def _stage_events(rng: np.random.Generator, g: SimpleNamespace) -> None:
    """One event per stage instant of a lead, plus recycles: a rejected lead goes back to
    ``lead`` when rejected, and some of those qualify again (``mql``) days later."""
    leads = g.leads
    rows: list[np.ndarray] = []
    stages: list[np.ndarray] = []
    ats: list[np.ndarray] = []

    def add(stage: int, row: np.ndarray, at: np.ndarray) -> None:
        rows.append(row)
        stages.append(np.full(row.size, stage, dtype=np.int8))
        ats.append(at)

    for s, (_stage, column) in enumerate(_STAGE_COLUMNS):  # a loop over the five stages
        has = np.flatnonzero(~np.isnat(leads[column]))
        add(s, has, leads[column][has])
    rejected = np.flatnonzero(~np.isnat(leads["rejected_at"]))
    add(_LEAD, rejected, leads["rejected_at"][rejected])
    delay = rng.integers(3 * _US_PER_DAY, 30 * _US_PER_DAY, rejected.size).astype("timedelta64[us]")
    again = leads["rejected_at"][rejected] + delay
    back = (rng.random(rejected.size) < 0.4) & (again <= g.as_of)
    add(_MQL, rejected[back], again[back])
    row, stage, at = np.concatenate(rows), np.concatenate(stages), np.concatenate(ats)
    # stable: a lead's events at one instant stay in stage order (the concatenation order)
    instant = at.view(np.int64)
    order = lex_order((row, instant - instant.min() if instant.size else instant))
    names = np.array([name for name, _column in _STAGE_COLUMNS], dtype=object)
    g.stage_events = {
        "lead_id": g.lead_ids[row[order]],
        "stage": names[stage[order]],
        "at": at[order].astype("datetime64[us]"),
    }


def buying_groups(g: SimpleNamespace) -> None:
    """Add the lead ``role`` column, the deal contacts and the stage events to ``g``."""
    rng = np.random.default_rng([int(g.seed), 15])
    role = _roles(rng, g.sen_code)
    g.leads = {**g.leads, "role": role}
    _deal_contacts(rng, g, role)
    _stage_events(rng, g)
