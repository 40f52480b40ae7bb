"""The synthetic CRM's buying groups: contact roles, deal contacts and stage events."""

from __future__ import annotations

import numpy as np
import pytest

import alignment
from alignment.datasets import synthetic_crm
from alignment.datasets._b2b import ROLES


@pytest.fixture(scope="module")
def crm() -> alignment.io.CRMData:
    return synthetic_crm(n_leads=3000, seed=7)


def test_lead_roles(crm: alignment.io.CRMData) -> None:
    role = crm.leads["role"]
    assert role.dtype == object and not role.flags.writeable
    known = role[np.not_equal(role, None)]
    assert set(known.tolist()) == set(ROLES)
    assert 0 < np.count_nonzero(np.equal(role, None)) < 0.1 * role.size
    # executives decide more often than individual contributors
    sen = crm.leads["seniority"]
    dm = np.equal(role, "decision_maker")
    assert dm[sen == "executive"].mean() > 0.5 > dm[sen == "individual"].mean()


def test_deal_contacts(crm: alignment.io.CRMData) -> None:
    dc, deals = crm.deal_contacts, crm.deals
    ids, per_deal = np.unique(dc["deal_id"], return_counts=True)
    assert ids.tolist() == sorted(deals["deal_id"].tolist())
    assert per_deal.max() > 1 and per_deal.mean() > 1.5  # several contacts per deal
    primaries = np.unique(dc["deal_id"][dc["is_primary"]], return_counts=True)[1]
    assert primaries.size == ids.size and (primaries == 1).all()
    # the primary is the lead who opened the deal; every contact is of the deal's account
    opener = dict(zip(deals["deal_id"].tolist(), deals["lead_id"].tolist()))
    prim = dc["is_primary"]
    assert [opener[d] for d in dc["deal_id"][prim]] == dc["lead_id"][prim].tolist()
    account = dict(zip(crm.leads["lead_id"].tolist(), crm.leads["account_id"].tolist()))
    deal_acc = dict(zip(deals["deal_id"].tolist(), deals["account_id"].tolist()))
    assert all(account[lead] == deal_acc[d] for d, lead in zip(dc["deal_id"], dc["lead_id"]))
    pairs = list(zip(dc["deal_id"].tolist(), dc["lead_id"].tolist()))
    assert len(pairs) == len(set(pairs))
    assert set(dc["role"].tolist()) <= set(ROLES)
    # the conversions (won deals per primary contact) are the deals' openers
    won = deals["won"]
    assert sorted(crm.conversions["lead_id"].tolist()) == sorted(deals["lead_id"][won].tolist())


def test_stage_events(crm: alignment.io.CRMData) -> None:
    ev = crm.stage_events
    assert set(ev) == {"lead_id", "stage", "at"} and ev["at"].dtype == np.dtype("datetime64[us]")
    assert set(ev["stage"].tolist()) == {"lead", "mql", "sql", "opportunity", "won"}
    assert (np.diff(ev["at"].view(np.int64)) >= 0).all()  # in time order
    assert (ev["at"] <= crm.as_of).all()
    leads = crm.leads
    for stage, column in (("mql", "mql_at"), ("sql", "sql_at"), ("won", "won_at")):
        has = ~np.isnat(leads[column])
        got = set(ev["lead_id"][ev["stage"] == stage].tolist())
        assert set(leads["lead_id"][has].tolist()) <= got
    n_lead = np.count_nonzero(ev["stage"] == "lead")
    n_rejected = np.count_nonzero(~np.isnat(leads["rejected_at"]))
    assert n_lead == leads["lead_id"].size + n_rejected  # created, then back when rejected
    history = alignment.funnel.history(crm)
    assert history.summary()["recycles"] >= n_rejected > 0
    assert history.summary()["events_used"] == ev["lead_id"].size


def test_bundle_lists_the_new_table(crm: alignment.io.CRMData) -> None:
    assert "stage_events" in crm.tables() and "stage_events=" in repr(crm)
    empty = synthetic_crm(n_leads=0)
    assert empty.stage_events["lead_id"].size == 0 and "stage_events" not in empty.tables()
    bare = alignment.io.CRMData(**{k: getattr(crm, k) for k in alignment._crm.TABLES})
    assert bare.stage_events["lead_id"].size == 0 and not bare.stage_events["at"].flags.writeable


def test_account_engagement_of_the_bundle(crm: alignment.io.CRMData) -> None:
    result = alignment.scoring.account_engagement(crm)
    s = result.summary()
    assert s["accounts"] == np.unique(crm.leads["account_id"]).size
    assert 0 < s["buying_group_complete"] < s["accounts"]
    assert s["tier_A"] > 0 and s["tier_D"] > 0
