"""The HubSpot example export: contacts and deals by property label, plus interactions,
activities and costs tables.

See README.md for the story and the messy parts; ``make_examples.py`` writes the files.
"""

from __future__ import annotations

import numpy as np
import sf_format as sf
from common import (
    AS_OF,
    CO_A,
    CO_B,
    DAY,
    FIRST,
    HOUR,
    LAST,
    NAT,
    START,
    TITLES,
    TZ,
    Columns,
    cat,
    cumcount,
    days,
    instants,
    join,
    office_hours,
    pick,
)

HS_OWNERS = ("Ana Lopez", "Ben Carter", "Chloe Martin", "Dev Patel")
HS_SOURCES = (
    "Organic Search",
    "Paid Search",
    "Email Marketing",
    "Social Media",
    "Referrals",
    "Direct Traffic",
    "Offline Sources",
)
#: (campaign, channel, cost): the costs.csv rows; touches name the campaign and its channel
HS_CAMPAIGNS = (
    ("Google Ads - Brand", "Paid Search", 6200.00),
    ("Google Ads - Generic", "Paid Search", 11350.00),
    ("Blog", "Organic Search", 2400.00),
    ("Monthly Newsletter", "Email", 450.00),
    ("Webinar: Forecasting 101", "Webinar", 1800.00),
    ("LinkedIn Lead Gen", "Paid Social", 7300.00),
    ("Partner Referrals", "Referral", 0.00),
    ("RevOps Summit", "Events", 14525.50),
)
HS_OPEN = (
    "Appointment Scheduled",
    "Qualified To Buy",
    "Presentation Scheduled",
    "Decision Maker Bought-In",
    "Contract Sent",
)
HS_UNKNOWN = 1499  # a contact deleted before the export: still named by a deal and a touch


def hs_datetime(t: np.ndarray) -> np.ndarray:
    """UTC instants as HubSpot writes them: naive portal time ``2024-03-05 14:22``."""
    wall = sf.local(t, TZ)
    s = np.char.replace(np.datetime_as_string(wall.astype("datetime64[m]")), "T", " ")
    return np.where(np.isnat(wall), "", s).astype(object)


def hs_people(rng: np.random.Generator, n: int = 100) -> Columns:
    """HubSpot contacts with their lifecycle dates (before the deals)."""
    ids = 1501 + np.sort(rng.choice(250, n, replace=False))
    companies = np.array([f"{a} {b}" for a in CO_A for b in CO_B], dtype=object)[
        rng.choice(96, 40, replace=False)
    ]
    company_ids = 9_870_000_000 + np.sort(rng.choice(10_000_000, 40, replace=False))
    company = rng.integers(0, 40, n)
    company[rng.random(n) < 0.1] = -1  # no company (a personal address)
    created = office_hours(rng, START + rng.integers(0, 150, n) * DAY)
    mql = np.where(rng.random(n) < 0.55, created + days(rng.exponential(4, n) + 0.1), NAT)
    sql = np.where(rng.random(n) < 0.45, mql + days(rng.exponential(5, n) + 0.1), NAT)
    mql[mql > AS_OF - DAY] = NAT  # not reached yet
    sql[np.isnat(mql) | (sql > AS_OF - DAY)] = NAT
    names = rng.permutation(len(FIRST) * len(LAST))[:n]
    return {
        "id": ids,
        "first": pick(FIRST, names // len(LAST)),
        "last": pick(LAST, names % len(LAST)),
        "company": np.where(company >= 0, companies[company], ""),
        "company_id": np.where(company >= 0, company_ids[company].astype(str), ""),
        "created": created,
        "mql": mql,
        "sql": sql,
        "source": rng.integers(0, len(HS_SOURCES), n),
        "owner": np.where(rng.random(n) < 0.15, "", pick(HS_OWNERS, rng.integers(0, 4, n))),
        "title": pick(TITLES, rng.integers(0, len(TITLES), n)),
    }


def hs_deals(rng: np.random.Generator, c: Columns) -> Columns:
    """18 deals of the earliest sales-qualified contacts: deals 0 and 1 both won by one
    contact, deal 2 won with two contacts, deal 3 lost naming a deleted contact first, deal 17
    open with none."""
    sql = np.flatnonzero(~np.isnat(c["sql"]))
    sql = sql[np.argsort(c["sql"][sql])]
    company = c["company_id"]
    mates = [i for i in sql[1:] if company[i] and (company == company[i]).sum() > 1]
    who = np.r_[sql[0], sql[0], mates[0], np.setdiff1d(sql[1:], mates[:1])[:15]]
    n = who.size
    created = office_hours(rng, c["sql"][who] + days(rng.uniform(0, 3, n)))
    close = office_hours(rng, created + days(rng.uniform(10, 45, n)))
    created[1] = office_hours(rng, close[:1] + 10 * DAY)[0]
    close[1] = office_hours(rng, created[1:2] + 30 * DAY)[0]
    closed = close < AS_OF - DAY
    closed[-1] = False
    won = closed & (rng.random(n) < 0.6)
    won[:3], won[3] = True, False
    if not closed[:4].all():
        raise RuntimeError("the chosen deals do not close inside the export")
    close[~closed] = AS_OF + days(rng.uniform(5, 60, (~closed).sum()))
    stage = np.where(won, "Closed Won", "Closed Lost").astype(object)
    stage[~closed] = pick(HS_OPEN, rng.integers(0, len(HS_OPEN), (~closed).sum()))
    ids = c["id"][who].astype(str).astype(object)
    second = c["id"][(company == company[who[2]]) & (c["id"] != c["id"][who[2]])][0]
    ids[2] = f"{ids[2]};{second}"
    ids[3] = f"{HS_UNKNOWN};{ids[3]}"
    ids[-1] = ""
    amount = np.round(rng.lognormal(np.log(15_000), 0.5, n) / 50) * 50
    return {
        "who": who,
        "id": 18_200_000_000 + np.sort(rng.choice(1_000_000, n, replace=False)),
        "created": created,
        "close": close,
        "won": won,
        "stage": stage,
        "contacts": ids,
        "amount": amount,
    }


def hs_contact_rows(c: Columns, d: Columns) -> Columns:
    """contacts.csv by property label; lifecycle stage = the last stage reached."""
    n = c["id"].size
    opp = np.full(n, NAT)
    customer = opp.copy()
    opp[d["who"][::-1]] = d["created"][::-1]
    won = np.flatnonzero(d["won"])
    customer[d["who"][won][::-1]] = d["close"][won][::-1]
    stage = np.where(np.arange(n) % 5 == 0, "Subscriber", "Lead").astype(object)
    for when, label in (
        (c["mql"], "Marketing Qualified Lead"),
        (c["sql"], "Sales Qualified Lead"),
        (opp, "Opportunity"),
        (customer, "Customer"),
    ):
        stage[~np.isnat(when)] = label
    return {
        "Record ID": c["id"].astype(str),
        "First Name": c["first"],
        "Last Name": c["last"],
        "Email": join(
            np.char.lower(c["first"].astype(str)),
            ".",
            np.char.lower(c["last"].astype(str)),
            "@",
            np.where(
                c["company"] == "",
                "gmail.com",
                np.char.add(
                    np.char.replace(np.char.lower(c["company"].astype(str)), " ", ""),
                    ".example.com",
                ),
            ),
        ),
        "Create Date": hs_datetime(c["created"]),
        "Lifecycle Stage": stage,
        "Became a Marketing Qualified Lead Date": hs_datetime(c["mql"]),
        "Became a Sales Qualified Lead Date": hs_datetime(c["sql"]),
        "Became an Opportunity Date": hs_datetime(opp),
        "Became a Customer Date": hs_datetime(customer),
        "Original Source": pick(HS_SOURCES, c["source"]),
        "Company Name": c["company"],
        "Associated Company ID": c["company_id"],
        "Contact owner": c["owner"],
        "Job Title": c["title"],
    }


def hs_deal_rows(c: Columns, d: Columns) -> Columns:
    """deals.csv by property label (plain amounts, ``;``-separated associations)."""
    amount = np.array([f"{a:.0f}" if a == int(a) else f"{a}" for a in d["amount"]], dtype=object)
    return {
        "Record ID": d["id"].astype(str),
        "Deal Name": join(
            np.where(c["company"][d["who"]] == "", c["last"][d["who"]], c["company"][d["who"]]),
            np.where(np.arange(d["id"].size) == 1, " - upsell", " - new deal"),
        ),
        "Deal Stage": d["stage"],
        "Amount": amount,
        "Close Date": hs_datetime(d["close"]),
        "Create Date": hs_datetime(d["created"]),
        "Associated Contact IDs": d["contacts"],
        "Associated Company IDs": c["company_id"][d["who"]],
        "Pipeline": np.full(d["id"].size, "Sales Pipeline", dtype=object),
        "Deal owner": pick(HS_OWNERS, 2 + d["id"] % 2),
    }


def hs_interaction_rows(rng: np.random.Generator, c: Columns) -> Columns:
    """interactions.csv (our column names): 1-4 campaign touches per contact, the channel
    spelled three ways; the last row is a touch of the deleted contact."""
    n = c["id"].size
    who = np.repeat(np.arange(n), np.minimum(1 + rng.poisson(0.8, n), 4))
    first = cumcount(who) == 0
    at = np.where(
        first,
        c["created"][who],
        instants(rng, c["created"][who] - 20 * DAY, c["created"][who] + 40 * DAY),
    )
    at = np.minimum(at, AS_OF - DAY)
    camp = rng.integers(0, len(HS_CAMPAIGNS), who.size)
    channel = sf.mixed_spellings(
        pick([h[1] for h in HS_CAMPAIGNS], camp), rng.choice(3, who.size, p=(0.6, 0.2, 0.2))
    )
    return {
        "lead_id": np.r_[c["id"][who], HS_UNKNOWN].astype(str).astype(object),
        "timestamp": hs_datetime(np.r_[at, START + 60 * DAY]),
        "channel": cat(channel, "Paid Search"),
        "campaign": cat(pick([h[0] for h in HS_CAMPAIGNS], camp), "Google Ads - Brand"),
    }


def hs_activity_rows(rng: np.random.Generator, c: Columns) -> Columns:
    """activities.csv (HubSpot-like names: needs ``columns=``): the reps' calls, e-mails and
    meetings with marketing-qualified contacts."""
    ok = ~np.isnat(c["mql"])
    who = np.repeat(np.arange(c["id"].size), np.where(ok, rng.integers(1, 5, ok.size), 0))
    at = np.minimum(instants(rng, c["mql"][who], c["mql"][who] + 30 * DAY), AS_OF - HOUR)
    owner = np.where(c["owner"][who] == "", HS_OWNERS[0], c["owner"][who])
    return {
        "contact_id": c["id"][who].astype(str),
        "timestamp": hs_datetime(at),
        "type": pick(("CALL", "EMAIL", "MEETING"), rng.choice(3, who.size, p=(0.5, 0.35, 0.15))),
        "owner": owner,
    }


def hubspot(rng: np.random.Generator) -> dict[str, Columns]:
    """The five HubSpot files, by name."""
    c = hs_people(rng)
    d = hs_deals(rng, c)
    return {
        "contacts": hs_contact_rows(c, d),
        "deals": hs_deal_rows(c, d),
        "interactions": hs_interaction_rows(rng, c),
        "activities": hs_activity_rows(rng, c),
        "costs": {
            "campaign": np.array([h[0] for h in HS_CAMPAIGNS], dtype=object),
            "channel": np.array([h[1] for h in HS_CAMPAIGNS], dtype=object),
            "cost": np.array([f"{h[2]:.2f}" for h in HS_CAMPAIGNS], dtype=object),
        },
    }
