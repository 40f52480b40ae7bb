"""The Salesforce example export: eight objects by their API field names, about 200 persons.

See README.md for the story and the messy parts; ``make_examples.py`` writes the files.
"""

from __future__ import annotations

from typing import Any

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

INDUSTRIES = ("Technology", "Financial Services", "Healthcare", "Manufacturing", "Retail")
COUNTRIES = ("United States", "USA", "US", "Canada", "United Kingdom")
SOURCES = ("Web", "Paid Search", "Webinar", "Trade Show", "Partner Referral", "Email", "Other")
SOURCE_P = (0.25, 0.22, 0.15, 0.1, 0.08, 0.12, 0.08)

#: (name, type, status, start, end, budgeted, actual cost); a type's spelling varies on purpose
CAMPAIGNS = (
    ("2024 H1 Google Ads - Brand", "Paid Search", "In Progress", "2024-01-01", "2024-06-30",
     9000, 8412.37),
    ("2024 H1 Google Ads - Generic", "paid search", "In Progress", "2024-01-01", "2024-06-30",
     15000, 16250.00),
    ("Capterra Listing", "PAID_SEARCH", "In Progress", "2024-01-15", "2024-12-31",
     6000, 3150.00),
    ("Webinar series: Pipeline Math", "Webinar", "In Progress", "2024-01-01", "2024-06-30",
     2500, 1875.50),
    ("Webinar series: The SLA Playbook", "webinar", "In Progress", "2024-04-01", "2024-06-30",
     2500, 2210.00),
    ("Newsletter", "Email", "In Progress", "2024-01-01", "2024-12-31", 1200, 600.00),
    ("Nurture - Ops Managers", "EMAIL", "In Progress", "2024-01-01", "2024-12-31", 800, 420.00),
    ("Roadshow 2024 (five cities)", "Trade Show", "In Progress", "2024-01-01", "2024-06-30",
     30000, 28900.00),
    ("LinkedIn ABM - Enterprise", "Paid Social", "In Progress", "2024-02-01", "2024-06-30",
     12000, 12500.00),
    ("Partner Co-marketing", "Partners", "In Progress", "2024-01-01", "2024-12-31", 0, 0.0),
    ("Ebook: The Alignment Guide", "Content Syndication", "Completed", "2024-01-01",
     "2024-05-31", 5000, 4985.25),
    ("Direct Mail - Q3 Gift Box", "Direct Mail", "Planned", "2024-07-15", "2024-08-15",
     7500, 0.0),
)  # fmt: skip
SOURCE_CAMPAIGN = {"Web": 5, "Paid Search": 1, "Webinar": 3, "Trade Show": 7, "Email": 6}
RESPONDED_STATUS = {"Webinar": "Attended", "Trade Show": "Visited Booth"}
SENT_STATUS = {"Webinar": "Registered", "Trade Show": "Invited"}

#: (first, last, title, active); rows 0-3 own leads, 4 owns campaigns, 6 has left
USERS = (
    ("Ana", "Lopez", "Sales Development Rep", True),
    ("Ben", "Carter", "Sales Development Rep", True),
    ("Chloe", "Martin", "Account Executive", True),
    ("Dev", "Patel", "Account Executive", True),
    ("Maya", "Cohen", "Marketing Operations Manager", True),
    ("Sam", "Rivera", "Sales Manager", True),
    ("Jack", "Miller", "Account Executive", False),
)
QUEUE = sf.sf_ids("Queue", [41])[0]  # "Unassigned Leads" queue: owns some leads, not a User
OPEN_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote")
PROBABILITY = {"Prospecting": 10, "Qualification": 20, "Needs Analysis": 40}

N_LEAD_ONLY, N_CONVERTED, N_CONTACT_ONLY, N_ACCOUNTS = 135, 40, 25, 46


def persons(rng: np.random.Generator) -> Columns:
    """One row per person: kind 0 = lead only, 1 = converted lead (+ its contact), 2 = contact
    with no lead.  Contacts belong to accounts (the first 19 accounts have two contacts)."""
    kind = np.repeat([0, 1, 2], [N_LEAD_ONLY, N_CONVERTED, N_CONTACT_ONLY])
    n = kind.size
    names = rng.permutation(len(FIRST) * len(LAST))[:n]
    first, last = pick(FIRST, names // len(LAST)), pick(LAST, names % len(LAST))
    companies = rng.permutation(np.array([f"{a} {b}" for a in CO_A for b in CO_B], dtype=object))
    account = np.full(n, -1)
    extra = N_CONVERTED + N_CONTACT_ONLY - N_ACCOUNTS
    account[kind > 0] = rng.permutation(np.r_[np.arange(N_ACCOUNTS), np.arange(extra)])
    company = np.where(account >= 0, companies[np.maximum(account, 0)], "")
    company[account < 0] = companies[rng.integers(N_ACCOUNTS, companies.size, (account < 0).sum())]
    created = office_hours(rng, START + rng.integers(0, 150, n) * DAY)
    has_mql = (kind == 1) | ((kind == 0) & (rng.random(n) < 0.4))
    mql = np.where(has_mql, created + days(rng.exponential(3.0, n) + 0.05), NAT)
    converted = np.where(kind == 1, mql + days(rng.exponential(6.0, n) + 0.05), NAT)
    late = converted > AS_OF - 20 * DAY  # conversions (and their deals) inside the export
    shift = converted[late] - (AS_OF - 20 * DAY - days(rng.uniform(1, 60, late.sum())))
    for col in (created, mql, converted):
        col[late] -= shift
    email = join(
        np.char.lower(first.astype(str)),
        ".",
        np.char.lower(last.astype(str)),
        "@",
        np.char.replace(np.char.lower(company.astype(str)), " ", ""),
        ".example.com",
    )
    return {
        "kind": kind,
        "first": first,
        "last": last,
        "email": email,
        "company": company,
        "account": account,
        "title": pick(TITLES, rng.integers(0, len(TITLES), n)),
        "created": created,
        "mql": mql,
        "converted": converted,
        "source": sf.mixed_spellings(
            pick(SOURCES, rng.choice(len(SOURCES), n, p=SOURCE_P)),
            rng.choice(3, n, p=(0.7, 0.15, 0.15)),
        ),
        "owner": rng.integers(0, 4, n),
        "lead_id": sf.sf_ids("Lead", 100 + np.arange(n)),
        "contact_id": sf.sf_ids("Contact", 300 + np.arange(n)),
    }


def duplicate_of(p: Columns) -> int:
    """The converted person who fills in a form again later: a second, unconverted lead."""
    conv = np.flatnonzero(p["kind"] == 1)
    return int(conv[np.argsort(p["converted"][conv])[1]])


def memberships(rng: np.random.Generator, p: Columns) -> Columns:
    """1-4 campaigns per person (distinct; the first is the one the person came from and is
    always a response), then the duplicate lead's webinar registration."""
    n = p["kind"].size
    k = np.minimum(1 + rng.poisson(0.65, n), 4)
    who = np.repeat(np.arange(n), k)
    slot = cumcount(who)
    keys = rng.random((n, len(CAMPAIGNS) - 1))  # the planned campaign has no members yet
    labels = np.char.lower(p["source"].astype(str))
    for label, c in SOURCE_CAMPAIGN.items():
        keys[labels == label.lower(), c] = -1.0  # the source's campaign comes first
    campaign = np.argsort(keys, axis=1)[who, slot]
    created = np.where(
        slot == 0,
        p["created"][who] + np.timedelta64(30_000_000, "us"),
        instants(rng, p["created"][who], p["created"][who] + 90 * DAY),
    )
    window = np.array([c[3:5] for c in CAMPAIGNS], dtype="datetime64[D]").astype(created.dtype)
    created = np.maximum(created, office_hours(rng, window[campaign, 0]))
    keep = created < np.minimum(window[campaign, 1] + DAY, AS_OF - 3 * DAY)  # in its window
    who, slot, campaign, created = who[keep], slot[keep], campaign[keep], created[keep]
    responded = (slot == 0) | (rng.random(who.size) < 0.55)
    dup = duplicate_of(p)
    return {
        "who": np.r_[who, dup],
        "dup": np.r_[np.zeros(who.size, bool), True],
        "campaign": np.r_[campaign, 3],
        "created": np.r_[created, p["converted"][dup] + 62 * DAY],
        "responded": np.r_[responded, True],
        "response": np.r_[
            created + days(rng.uniform(0, 2, who.size) * (slot > 0)), p["converted"][dup] + 62 * DAY
        ],
    }


def member_rows(p: Columns, m: Columns) -> Columns:
    """CampaignMember.csv: a converted lead's memberships carry its ContactId too (and lose the
    LeadId when added after the conversion); contacts with no lead have a ContactId only."""
    kind = p["kind"][m["who"]]
    before = (kind == 0) | ((kind == 1) & (m["created"] < p["converted"][m["who"]]))
    before |= m["dup"]
    yes = np.array([RESPONDED_STATUS.get(c[1].title(), "Responded") for c in CAMPAIGNS], object)
    no = np.array([SENT_STATUS.get(c[1].title(), "Sent") for c in CAMPAIGNS], object)
    lead = np.where(m["dup"], sf.sf_ids("Lead", [99])[0], p["lead_id"][m["who"]])
    return {
        "Id": sf.sf_ids("CampaignMember", 2000 + np.arange(m["who"].size)),
        "CampaignId": sf.sf_ids("Campaign", 10 + m["campaign"]),
        "LeadId": np.where(before, lead, ""),
        "ContactId": np.where((kind > 0) & ~m["dup"], p["contact_id"][m["who"]], ""),
        "Status": np.where(m["responded"], yes[m["campaign"]], no[m["campaign"]]),
        "HasResponded": sf.flags(m["responded"]),
        "FirstRespondedDate": np.where(m["responded"], sf.api_date(m["response"], TZ), ""),
        "CreatedDate": sf.api_datetime(m["created"]),
    }


def lead_rows(rng: np.random.Generator, p: Columns, first_opp: np.ndarray) -> Columns:
    """Lead.csv: the lead-only and converted persons, then the duplicate lead (same e-mail as
    a converted contact, 62 days after its conversion, not converted).  Three unworked leads
    are owned by a queue, not a user."""
    dup = duplicate_of(p)
    idx = np.r_[np.flatnonzero(p["kind"] < 2), dup]
    n = idx.size
    conv = np.r_[p["kind"][idx[:-1]] == 1, False]
    status = pick(
        ("Open - Not Contacted", "Working - Contacted", "Closed - Not Converted"),
        rng.integers(0, 3, n),
    )
    status[conv], status[-1] = "Closed - Converted", "Open - Not Contacted"
    created, mql = p["created"][idx], p["mql"][idx]
    created[-1], mql[-1] = p["converted"][dup] + 62 * DAY, NAT
    owner = sf.sf_ids("User", p["owner"][idx])
    queued = np.flatnonzero(np.isnat(mql))[:3]
    owner[queued], status[queued] = QUEUE, "Open - Not Contacted"
    size = np.round(rng.lognormal(5.5, 1.3, n)).astype(np.int64).astype(str)
    return {
        "Id": np.r_[p["lead_id"][idx[:-1]], sf.sf_ids("Lead", [99])],
        "FirstName": p["first"][idx],
        "LastName": p["last"][idx],
        "Email": p["email"][idx],
        "Company": p["company"][idx],
        "Title": p["title"][idx],
        "Industry": pick(INDUSTRIES, rng.integers(0, len(INDUSTRIES), n)),
        "NumberOfEmployees": np.where(rng.random(n) < 0.15, "", size),
        "Country": pick(COUNTRIES, rng.choice(5, n, p=(0.5, 0.2, 0.1, 0.1, 0.1))),
        "LeadSource": np.where(rng.random(n) < 0.05, "", p["source"][idx]),
        "Status": status,
        "OwnerId": owner,
        "IsConverted": sf.flags(conv),
        "ConvertedContactId": np.where(conv, p["contact_id"][idx], ""),
        "ConvertedAccountId": np.where(conv, sf.sf_ids("Account", 500 + p["account"][idx]), ""),
        "ConvertedOpportunityId": np.where(conv, first_opp[idx], ""),
        "ConvertedDate": np.where(conv, sf.api_date(p["converted"][idx], TZ), ""),
        "CreatedDate": sf.api_datetime(created),
        "MQL_Date__c": sf.api_datetime(mql),
    }


def contact_rows(rng: np.random.Generator, p: Columns) -> Columns:
    """Contact.csv: converted leads (created at the conversion) and contacts with no lead
    (entered by sales; many without a lead source)."""
    idx = np.flatnonzero(p["kind"] > 0)
    conv = p["kind"][idx] == 1
    source = np.where(conv | (rng.random(idx.size) < 0.6), p["source"][idx], "")
    return {
        "Id": p["contact_id"][idx],
        "AccountId": sf.sf_ids("Account", 500 + p["account"][idx]),
        "FirstName": p["first"][idx],
        "LastName": p["last"][idx],
        "Email": p["email"][idx],
        "Title": p["title"][idx],
        "LeadSource": source,
        "OwnerId": sf.sf_ids("User", np.where(conv, 2 + p["owner"][idx] % 2, 5)),
        "MailingCountry": pick(COUNTRIES, rng.choice(5, idx.size)),
        "CreatedDate": sf.api_datetime(np.where(conv, p["converted"][idx], p["created"][idx])),
    }


def opportunities(rng: np.random.Generator, p: Columns) -> Columns:
    """30 deals: 0 and 1 the new logo and the upsell of the first customer (both won), 2 a
    won deal with a second contact role, 3-28 one per other contact, 29 an open deal with no
    contact role."""
    contacts = np.flatnonzero(p["kind"] > 0)
    conv = contacts[p["kind"][contacts] == 1]
    star = int(conv[np.argmin(p["converted"][conv])])
    acc = p["account"]
    start = np.where(p["kind"] == 1, p["converted"], p["created"] + 3 * DAY)
    shared = [c for c in contacts if c != star and (acc[contacts] == acc[c]).sum() == 2]
    lead = min(shared, key=lambda c: start[c])  # the earliest: its deal can close in time
    pair = lead, next(c for c in shared if acc[c] == acc[lead] and c != lead)
    rest = rng.permutation(np.setdiff1d(contacts, [star, *pair]))[:27]
    who = np.r_[star, star, pair[0], rest]
    n = who.size
    created = office_hours(rng, start[who] + days(rng.uniform(0, 2, n)))
    cycle = days(rng.uniform(14, 60, n))
    created[1] = office_hours(rng, created[:1] + cycle[:1] + 21 * DAY)[0]  # the upsell
    close = office_hours(rng, created + cycle)
    closed = close < AS_OF - DAY
    closed[-1] = False
    if not closed[:3].all():
        raise RuntimeError("the chosen deals do not close inside the export")
    won = closed & (rng.random(n) < 0.5)
    won[:3] = True
    close[~closed] = AS_OF + days(rng.uniform(5, 60, (~closed).sum()))
    stage = np.where(won, "Closed Won", "Closed Lost").astype(object)
    stage[~closed] = pick(OPEN_STAGES, rng.integers(0, len(OPEN_STAGES), (~closed).sum()))
    new = np.arange(n) != 1
    amount = np.round(rng.lognormal(np.log(np.where(new, 18_000, 6_000)), 0.5) / 50) * 50
    return {
        "who": who,
        "second": np.array([pair[1]]),
        "id": sf.sf_ids("Opportunity", 700 + np.arange(n)),
        "created": created,
        "close": close,
        "closed": closed,
        "won": won,
        "stage": stage,
        "new": new,
        "amount": amount,
    }


def first_opportunity(p: Columns, o: Columns) -> np.ndarray:
    """Per person, the id of the deal opened at its conversion (empty when none)."""
    out = np.full(p["kind"].size, "", dtype=object)
    out[o["who"][::-1]] = o["id"][::-1]  # the first deal of each person wins
    return out


def primary_campaign(p: Columns, m: Columns, o: Columns) -> np.ndarray:
    """The campaign a deal is credited to: its contact's last response before it opened."""
    out = np.full(o["id"].size, "", dtype=object)
    ok = m["responded"] & ~m["dup"]
    for i, (who, at) in enumerate(zip(o["who"], o["created"])):  # 30 deals
        before = ok & (m["who"] == who) & (m["response"] <= at)
        if before.any():
            last = np.flatnonzero(before)[np.argmax(m["response"][before])]
            out[i] = sf.sf_ids("Campaign", [10 + m["campaign"][last]])[0]
    return out


def opportunity_rows(rng: np.random.Generator, p: Columns, o: Columns, campaign: Any) -> Columns:
    """Opportunity.csv, a report export saved again from a spreadsheet (local times,
    TRUE/FALSE, amounts with and without a dollar sign)."""
    n = o["id"].size
    kind = np.where(o["new"], "New Business", "Existing Business").astype(object)
    prob = np.array([PROBABILITY.get(s, 75) for s in o["stage"]])
    prob = np.where(o["won"], 100, np.where(o["closed"], 0, prob))
    return {
        "Id": o["id"],
        "AccountId": sf.sf_ids("Account", 500 + p["account"][o["who"]]),
        "Name": join(p["company"][o["who"]], " - ", kind),
        "Type": kind,
        "StageName": o["stage"],
        "Amount": sf.money(o["amount"], rng.random(n) < 0.7),
        "Probability": prob.astype(str),
        "CloseDate": sf.report_date(o["close"], TZ),
        "IsClosed": sf.flags(o["closed"], upper=True),
        "IsWon": sf.flags(o["won"], upper=True),
        "LeadSource": p["source"][o["who"]],
        "CampaignId": campaign,
        "OwnerId": sf.sf_ids("User", 2 + p["owner"][o["who"]] % 2),
        "CreatedDate": sf.report_datetime(o["created"], TZ),
    }


def contact_role_rows(p: Columns, o: Columns) -> Columns:
    """OpportunityContactRole.csv: the primary contact of each deal but the last, and the
    Economic Buyer of deal 2 (not primary)."""
    deals = np.r_[np.arange(o["id"].size - 1), 2]
    who = np.r_[o["who"][:-1], o["second"]]
    primary = np.arange(deals.size) < deals.size - 1
    return {
        "Id": sf.sf_ids("OpportunityContactRole", 900 + np.arange(deals.size)),
        "OpportunityId": o["id"][deals],
        "ContactId": p["contact_id"][who],
        "Role": np.where(primary, "Decision Maker", "Economic Buyer").astype(object),
        "IsPrimary": sf.flags(primary),
        "CreatedDate": sf.api_datetime(o["created"][deals] + np.where(primary, 0, 2) * DAY),
    }


def task_rows(rng: np.random.Generator, p: Columns, o: Columns) -> Columns:
    """Task.csv, a report export (local times): calls, e-mails and meetings of the reps with
    qualified persons.  WhoId is the lead before its conversion and the contact after; a call
    logged by a rep who has left; one task of a deleted lead (unknown WhoId) and one with no
    WhoId (about the deal only)."""
    kind = p["kind"]
    worked = ~np.isnat(p["mql"]) | (kind == 2)
    k = np.where(
        worked, np.where(kind == 1, rng.integers(2, 6, kind.size), rng.integers(1, 3, kind.size)), 0
    )
    who = np.repeat(np.arange(kind.size), k)
    start = np.where(kind[who] == 2, p["created"][who], p["mql"][who]) + HOUR
    at = office_hours(rng, instants(rng, start, np.minimum(start + 40 * DAY, AS_OF - DAY)))
    as_lead = (kind[who] == 0) | ((kind[who] == 1) & (at < p["converted"][who]))
    what = first_opportunity(p, o)[who]
    opened = np.full(kind.size, NAT)
    opened[o["who"][::-1]] = o["created"][::-1]
    what[np.isnat(opened[who]) | (at < opened[who])] = ""
    sort = rng.permutation(who.size)
    who, at, as_lead, what = who[sort], at[sort], as_lead[sort], what[sort]
    whoid = np.where(as_lead, p["lead_id"][who], p["contact_id"][who])
    owner = np.where(as_lead, p["owner"][who], 2 + p["owner"][who] % 2)
    owner[(at < START + 40 * DAY) & (rng.random(who.size) < 0.3)] = 6  # has left since
    # the two odd ones: a task of a deleted lead, a task about a deal with no person
    whoid = cat(whoid, sf.sf_ids("Lead", [98]), "")
    what = cat(what, "", o["id"][2])
    at = np.r_[at, START + 30 * DAY + 5 * HOUR, o["created"][2] + DAY]
    owner = np.r_[owner, 0, 2]
    t = rng.choice(3, at.size, p=(0.5, 0.35, 0.15))
    return {
        "Id": sf.sf_ids("Task", 5000 + np.arange(at.size)),
        "WhoId": whoid,
        "WhatId": what,
        "Subject": pick(("Call", "Email: follow-up", "Discovery meeting"), t),
        "Type": pick(("Call", "Email", "Meeting"), t),
        "TaskSubtype": pick(("Call", "Email", "Task"), t),
        "Status": np.full(at.size, "Completed", dtype=object),
        "ActivityDate": sf.report_date(at, TZ),
        "OwnerId": sf.sf_ids("User", owner),
        "CreatedDate": sf.report_datetime(at, TZ),
    }


def user_rows() -> Columns:
    """User.csv: four reps, marketing ops, a manager and a rep who has left."""
    first, last = (np.array([u[i] for u in USERS], dtype=object) for i in (0, 1))
    login = join(np.char.lower(first.astype(str)), ".", np.char.lower(last.astype(str)))
    n = len(USERS)
    return {
        "Id": sf.sf_ids("User", np.arange(n)),
        "Username": join(login, "@acme-demo.example.com"),
        "FirstName": first,
        "LastName": last,
        "Name": join(first, " ", last),
        "Email": join(login, "@acme-demo.example.com"),
        "Title": np.array([u[2] for u in USERS], dtype=object),
        "IsActive": sf.flags([u[3] for u in USERS]),
        "CreatedDate": sf.api_datetime(START - 200 * DAY + np.arange(n) * 9 * DAY),
    }


def campaign_rows() -> Columns:
    """Campaign.csv: twelve campaigns, their type spelled three ways for paid search, webinar
    and e-mail; ActualCost is the cost a reader must find."""
    cols = list(zip(*CAMPAIGNS))
    start = np.array(cols[3], dtype="datetime64[D]")
    status = np.array(cols[2], dtype=object)
    return {
        "Id": sf.sf_ids("Campaign", 10 + np.arange(len(CAMPAIGNS))),
        "Name": np.array(cols[0], dtype=object),
        "Type": np.array(cols[1], dtype=object),
        "Status": status,
        "IsActive": sf.flags(status != "Completed"),
        "StartDate": np.datetime_as_string(start).astype(object),
        "EndDate": np.datetime_as_string(np.array(cols[4], dtype="datetime64[D]")).astype(object),
        "BudgetedCost": sf.money(np.array(cols[5], dtype=np.float64)),
        "ActualCost": sf.money(np.array(cols[6], dtype=np.float64)),
        "OwnerId": sf.sf_ids("User", np.full(len(CAMPAIGNS), 4)),
        "CreatedDate": sf.api_datetime(start.astype("datetime64[us]") - 10 * DAY + 15 * HOUR),
    }


def salesforce(rng: np.random.Generator) -> dict[str, Columns]:
    """The eight objects, by name."""
    p = persons(rng)
    m = memberships(rng, p)
    o = opportunities(rng, p)
    return {
        "User": user_rows(),
        "Campaign": campaign_rows(),
        "Lead": lead_rows(rng, p, first_opportunity(p, o)),
        "Contact": contact_rows(rng, p),
        "Opportunity": opportunity_rows(rng, p, o, primary_campaign(p, m, o)),
        "OpportunityContactRole": contact_role_rows(p, o),
        "CampaignMember": member_rows(p, m),
        "Task": task_rows(rng, p, o),
    }
