"""The example CRM exports of ``examples/exports``: plain CSV checks with the csv module.

They parse, have the columns and row counts README.md documents, hold the totals it states
and the oddities it promises, use Salesforce's id scheme and export styles; the generator
writes them again byte for byte; the 10^6-person benchmark generator writes the same files
and conventions.  When ``alignment.io`` exists, ``read_crm`` on them keeps the won revenue
and the costs.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = ROOT / "examples" / "exports"
README = EXPORTS / "README.md"
SF, HS = EXPORTS / "salesforce", EXPORTS / "hubspot"
API = ("Lead", "Contact", "Campaign", "CampaignMember", "OpportunityContactRole", "User")
REPORT = ("Opportunity", "Task")
API_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$")
API_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
REPORT_TIME = re.compile(
    r"^(1[0-2]|[1-9])/([1-9]|[12]\d|3[01])/\d{4} (1[0-2]|[1-9]):[0-5]\d [AP]M$"
)
REPORT_DATE = re.compile(r"^(1[0-2]|[1-9])/([1-9]|[12]\d|3[01])/\d{4}$")
MONEY = re.compile(r"^\$?\d{1,3}(,\d{3})*\.\d\d$")
HS_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$")
#: the key prefix of the ids in each id column
ID_PREFIX = {
    "Lead.Id": "00Q",
    "Contact.Id": "003",
    "Opportunity.Id": "006",
    "OpportunityContactRole.Id": "00K",
    "Campaign.Id": "701",
    "CampaignMember.Id": "00v",
    "Task.Id": "00T",
    "User.Id": "005",
    "Contact.AccountId": "001",
    "Opportunity.AccountId": "001",
    "Lead.ConvertedAccountId": "001",
    "Lead.ConvertedContactId": "003",
    "Lead.ConvertedOpportunityId": "006",
    "OpportunityContactRole.OpportunityId": "006",
    "OpportunityContactRole.ContactId": "003",
    "CampaignMember.CampaignId": "701",
    "CampaignMember.LeadId": "00Q",
    "CampaignMember.ContactId": "003",
    "Opportunity.CampaignId": "701",
    "Task.WhatId": "006",
}


def rows_of(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows (a byte-order mark is not part of the first name)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def records(path: Path) -> list[dict[str, str]]:
    header, rows = rows_of(path)
    return [dict(zip(header, r)) for r in rows]


def sf(name: str) -> list[dict[str, str]]:
    return records(SF / f"{name}.csv")


def hs(name: str) -> list[dict[str, str]]:
    return records(HS / f"{name}.csv")


def documented() -> dict[str, tuple[int, list[str]]]:
    """README's file table: path -> (rows, columns)."""
    out = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| `([^`]+\.csv)` \| (\d+) \| (.+) \|$", line)
        if m:
            out[m[1]] = (int(m[2]), m[3].split(", "))
    return out


def readme_totals() -> dict[str, float]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```text\n(.*?)```", text, re.S)
    assert block is not None
    pairs = (line.split(" = ") for line in block[1].strip().splitlines())
    return {k: float(v) for k, v in pairs}


def amount(text: str) -> float:
    assert MONEY.match(text) or re.match(r"^\d+(\.\d+)?$", text), text
    return float(text.replace("$", "").replace(",", ""))


def case_safe_suffix(id15: str) -> str:
    """Salesforce's 3-character suffix of a 15-character id (plain-Python oracle)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    out = ""
    for block in range(3):
        bits = sum(1 << i for i, ch in enumerate(id15[block * 5 : block * 5 + 5]) if ch.isupper())
        out += alphabet[bits]
    return out


# --------------------------------------------------------------------------- files


def test_readme_documents_every_file() -> None:
    on_disk = {p.relative_to(EXPORTS).as_posix() for p in EXPORTS.glob("*/*.csv")}
    assert set(documented()) == on_disk
    assert {f"salesforce/{n}.csv" for n in (*API, *REPORT)} <= on_disk
    names = {"contacts", "deals", "interactions", "activities", "costs"}
    assert {f"hubspot/{n}.csv" for n in names} <= on_disk
    total = sum(p.stat().st_size for p in EXPORTS.glob("*/*.csv"))
    assert total < 200_000


@pytest.mark.parametrize("name", sorted(documented()))
def test_file_parses_with_documented_columns(name: str) -> None:
    n_rows, columns = documented()[name]
    raw = (EXPORTS / name).read_bytes()
    assert b"\x00" not in raw
    raw.decode("utf-8")
    header, rows = rows_of(EXPORTS / name)
    assert header == columns
    assert len(rows) == n_rows
    assert all(len(r) == len(header) for r in rows)
    assert len(set(header)) == len(header)


def test_readme_totals_match_the_files() -> None:
    expected = readme_totals()
    won = [o for o in sf("Opportunity") if o["IsWon"] == "TRUE"]
    assert expected["salesforce.won_opportunities"] == len(won)
    assert expected["salesforce.won_amount"] == pytest.approx(
        sum(amount(o["Amount"]) for o in won), abs=0.005
    )
    cost = sum(amount(c["ActualCost"]) for c in sf("Campaign"))
    assert expected["salesforce.actual_cost"] == pytest.approx(cost, abs=0.005)
    responded = [m for m in sf("CampaignMember") if m["HasResponded"] == "true"]
    assert expected["salesforce.responded_members"] == len(responded)
    hs_won = [d for d in hs("deals") if d["Deal Stage"] == "Closed Won"]
    assert expected["hubspot.won_deals"] == len(hs_won)
    assert expected["hubspot.won_amount"] == pytest.approx(
        sum(amount(d["Amount"]) for d in hs_won), abs=0.005
    )
    assert expected["hubspot.cost"] == pytest.approx(
        sum(amount(c["cost"]) for c in hs("costs")), abs=0.005
    )


def test_the_generator_writes_the_committed_files(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, str(EXPORTS / "make_examples.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=dict(os.environ, PYTHONHASHSEED="0"),
    )
    assert res.returncode == 0, res.stderr
    for path in [README, *EXPORTS.glob("*/*.csv")]:
        rel = path.relative_to(EXPORTS)
        assert (tmp_path / rel).read_bytes() == path.read_bytes(), rel


# --------------------------------------------------------------------------- Salesforce


def check_salesforce_styles(folder: Path) -> None:
    """API files: quoted, LF, UTC instants, true/false; report files: BOM, CRLF, local
    ``3/5/2024 2:22 PM`` instants, TRUE/FALSE, amounts with and without a dollar sign."""
    for name in (*API, *REPORT):
        raw = (folder / f"{name}.csv").read_bytes()
        report = name in REPORT
        assert raw.startswith(b"\xef\xbb\xbf") == report, name
        assert raw.lstrip(b"\xef\xbb\xbf").startswith(b'"Id",')
        assert (b"\r\n" in raw) == report, name
        table = records(folder / f"{name}.csv")
        times = {r["CreatedDate"] for r in table}
        assert all((REPORT_TIME if report else API_TIME).match(t) for t in times), name
        for r in table:
            for col in ("IsWon", "IsClosed", "HasResponded", "IsConverted", "IsPrimary"):
                if col in r:
                    assert r[col] in (("TRUE", "FALSE") if report else ("true", "false"))
    for r in records(folder / "Opportunity.csv"):
        assert MONEY.match(r["Amount"]) and REPORT_DATE.match(r["CloseDate"])
    for r in records(folder / "Task.csv"):
        assert REPORT_DATE.match(r["ActivityDate"])
    for name, col in (("Lead", "ConvertedDate"), ("CampaignMember", "FirstRespondedDate")):
        assert all(API_DATE.match(r[col]) for r in records(folder / f"{name}.csv") if r[col])


def test_salesforce_export_styles() -> None:
    check_salesforce_styles(SF)
    dollars = Counter(o["Amount"].startswith("$") for o in sf("Opportunity"))
    assert dollars[True] and dollars[False]  # "$3,150.00" and "12,500.00" both appear


def test_salesforce_ids_follow_the_scheme() -> None:
    seen = 0
    for key, prefix in ID_PREFIX.items():
        obj, col = key.split(".")
        for r in sf(obj):
            value = r[col]
            if not value:
                continue
            assert len(value) == 18 and value.startswith(prefix), (key, value)
            assert value[15:] == case_safe_suffix(value[:15]), (key, value)
            seen += 1
    assert seen > 1_000
    for obj in ("Lead", "Contact", "Opportunity", "CampaignMember", "Task"):
        ids = [r["Id"] for r in sf(obj)]
        assert len(set(ids)) == len(ids)


def test_salesforce_persons() -> None:
    leads, contacts = sf("Lead"), sf("Contact")
    contact_ids = {c["Id"] for c in contacts}
    converted = [r for r in leads if r["IsConverted"] == "true"]
    assert converted and all(r["ConvertedContactId"] in contact_ids for r in converted)
    assert all(r["ConvertedDate"] and r["ConvertedAccountId"] for r in converted)
    assert not any(r["ConvertedContactId"] for r in leads if r["IsConverted"] == "false")
    without_lead = contact_ids - {r["ConvertedContactId"] for r in converted}
    assert len(without_lead) >= 10
    n_persons = len(leads) - len(converted) + len(contacts)
    assert 180 <= n_persons <= 220
    # the duplicate lead: an unconverted lead with the e-mail of a contact
    emails = {c["Email"] for c in contacts}
    assert [r for r in leads if r["IsConverted"] == "false" and r["Email"] in emails]
    assert any(r["MQL_Date__c"] for r in leads) and not all(r["MQL_Date__c"] for r in leads)
    assert all(API_TIME.match(r["MQL_Date__c"]) for r in leads if r["MQL_Date__c"])
    users = {u["Id"] for u in sf("User")}
    assert any(r["OwnerId"].startswith("00G") for r in leads)  # owned by a queue
    assert {r["OwnerId"] for r in leads if not r["OwnerId"].startswith("00G")} <= users


def test_salesforce_spellings_vary() -> None:
    sources = {r["LeadSource"] for r in sf("Lead")}
    assert {"Paid Search", "paid search", "PAID_SEARCH", ""} <= sources
    types = {c["Type"] for c in sf("Campaign")}
    assert {"Paid Search", "paid search", "PAID_SEARCH"} <= types


def test_salesforce_deals() -> None:
    opps, roles = sf("Opportunity"), sf("OpportunityContactRole")
    assert len(opps) == 30
    won = {o["Id"] for o in opps if o["IsWon"] == "TRUE"}
    assert won == {o["Id"] for o in opps if o["StageName"] == "Closed Won"}
    closed = {o["Id"] for o in opps if o["IsClosed"] == "TRUE"}
    assert closed == {o["Id"] for o in opps if o["StageName"].startswith("Closed")}
    primary = Counter(
        r["ContactId"] for r in roles if r["IsPrimary"] == "true" and r["OpportunityId"] in won
    )
    assert max(primary.values()) == 2  # a new logo and an upsell
    per_deal = Counter(r["OpportunityId"] for r in roles)
    two = [d for d, k in per_deal.items() if k == 2]
    assert len(two) == 1
    assert sorted(r["IsPrimary"] for r in roles if r["OpportunityId"] == two[0]) == [
        "false",
        "true",
    ]
    assert len({o["Id"] for o in opps} - set(per_deal)) == 1  # an open deal with no contact
    contacts = {c["Id"] for c in sf("Contact")}
    assert {r["ContactId"] for r in roles} <= contacts


def test_salesforce_members_and_tasks() -> None:
    members, tasks = sf("CampaignMember"), sf("Task")
    persons = {r["Id"] for r in sf("Lead")} | {r["Id"] for r in sf("Contact")}
    campaigns = {c["Id"] for c in sf("Campaign")}
    assert 200 <= len(members) <= 600 and 200 <= len(tasks) <= 600
    assert all(m["CampaignId"] in campaigns for m in members)
    assert all((m["LeadId"] or m["ContactId"]) for m in members)
    assert {m["LeadId"] for m in members if m["LeadId"]} <= persons
    assert {m["ContactId"] for m in members if m["ContactId"]} <= persons
    assert any(m["LeadId"] and m["ContactId"] for m in members)  # converted after joining
    silent = [m for m in members if m["HasResponded"] == "false"]
    assert silent and not any(m["FirstRespondedDate"] for m in silent)
    assert all(m["FirstRespondedDate"] for m in members if m["HasResponded"] == "true")
    unknown = [t for t in tasks if t["WhoId"] not in persons]
    assert [t["WhoId"][:3] for t in unknown if t["WhoId"]] == ["00Q"]  # a deleted lead
    assert any(not t["WhoId"] for t in unknown)
    prefixes = Counter(t["WhoId"][:3] for t in tasks)
    assert prefixes["00Q"] > 10 and prefixes["003"] > 10


# --------------------------------------------------------------------------- HubSpot


def test_hubspot_exports() -> None:
    contacts, deals = hs("contacts"), hs("deals")
    ids = {c["Record ID"] for c in contacts}
    assert all(i.isdigit() for i in ids) and len(ids) == len(contacts)
    for c in contacts:
        for col in ("Create Date", "Became a Marketing Qualified Lead Date"):
            assert not c[col] or HS_TIME.match(c[col])
    listed = [
        d["Associated Contact IDs"].split(";") if d["Associated Contact IDs"] else [] for d in deals
    ]
    assert any(len(x) == 2 and set(x) <= ids for x in listed)  # "1522;1506"
    assert any(x == [] for x in listed)
    assert any(set(x) - ids for x in listed)  # a deleted contact
    won = Counter(x[0] for x, d in zip(listed, deals) if x and d["Deal Stage"] == "Closed Won")
    assert max(won.values()) == 2
    assert {d["Pipeline"] for d in deals} == {"Sales Pipeline"}
    touches = hs("interactions")
    assert {t["lead_id"] for t in touches} - ids  # a touch of a deleted contact
    assert {"Paid Search", "paid search", "PAID_SEARCH"} <= {t["channel"] for t in touches}
    assert all(HS_TIME.match(t["timestamp"]) for t in [*touches, *hs("activities")])
    assert {a["type"] for a in hs("activities")} == {"CALL", "EMAIL", "MEETING"}


# --------------------------------------------------------------------------- benchmark export


def test_benchmark_export_has_the_example_columns_and_conventions(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    from alignment.datasets import synthetic_crm

    res = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "make_salesforce_export.py"),
         "--n", "1500", "--seed", "3", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    for name in (*API, *REPORT):
        assert rows_of(tmp_path / f"{name}.csv")[0] == rows_of(SF / f"{name}.csv")[0]
    check_salesforce_styles(tmp_path)
    crm = synthetic_crm(1500, seed=3)
    won = [o for o in records(tmp_path / "Opportunity.csv") if o["IsWon"] == "TRUE"]
    expected = float(crm.deals["amount"][np.asarray(crm.deals["won"], bool)].sum())
    assert sum(amount(o["Amount"]) for o in won) == pytest.approx(expected, abs=0.01)
    cost = sum(amount(c["ActualCost"]) for c in records(tmp_path / "Campaign.csv"))
    assert cost == pytest.approx(float(crm.costs["cost"].sum()), abs=0.01)
    leads, contacts = records(tmp_path / "Lead.csv"), records(tmp_path / "Contact.csv")
    converted = sum(r["IsConverted"] == "true" for r in leads)
    assert len(leads) - converted + len(contacts) == crm.n_leads  # every person, once
    assert len(records(tmp_path / "Task.csv")) == crm.activities["lead_id"].size
    assert "won_amount = " in (tmp_path / "totals.txt").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- read_crm


def test_read_crm_keeps_salesforce_revenue_and_costs() -> None:
    io = pytest.importorskip("alignment.io")
    crm = io.read_crm(
        "salesforce",
        SF,
        tz="America/New_York",
        dayfirst=False,
        columns={"Lead": {"MQL_Date__c": "mql_at"}},
    )
    expected = readme_totals()
    won = np.asarray(crm.deals["won"], bool)
    assert float(np.sum(crm.deals["amount"][won])) == pytest.approx(
        expected["salesforce.won_amount"], abs=0.005
    )
    assert float(np.sum(crm.costs["cost"])) == pytest.approx(
        expected["salesforce.actual_cost"], abs=0.005
    )
    assert crm.deals["deal_id"].size == 30
    assert crm.touchpoints["lead_id"].size == expected["salesforce.responded_members"]
    mql = sum(bool(r["MQL_Date__c"]) for r in sf("Lead"))
    assert int((~np.isnat(crm.leads["mql_at"])).sum()) == mql
    assert {"Task", "CampaignMember"} <= {i.table for i in crm.issues}


def test_read_crm_keeps_hubspot_revenue_and_costs() -> None:
    io = pytest.importorskip("alignment.io")
    crm = io.read_crm(
        "hubspot",
        HS,
        tz="America/New_York",
        columns={"activities": {"contact_id": "lead_id", "type": "kind", "owner": "rep"}},
    )
    expected = readme_totals()
    won = np.asarray(crm.deals["won"], bool)
    assert int(won.sum()) == expected["hubspot.won_deals"]
    assert float(np.sum(crm.deals["amount"][won])) == pytest.approx(
        expected["hubspot.won_amount"], abs=0.005
    )
    assert float(np.sum(crm.costs["cost"])) == pytest.approx(expected["hubspot.cost"], abs=0.005)
    assert crm.n_leads == len(hs("contacts"))
    assert crm.activities["lead_id"].size == len(hs("activities"))
