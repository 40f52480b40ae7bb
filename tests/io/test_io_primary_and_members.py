"""Salesforce: a won deal whose contact roles mark no primary contact is listed (who converted
is not in the export), and a campaign member exported twice is one touch with its ``Id`` mapped
to ``touch_id`` (not by default: reading and checking every member's id costs about a third
of the read of a large export, for exports that overlap)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from io_exports import SALESFORCE, write_export

import alignment

NO_PRIMARY = "contact role of a won deal with no primary contact"
ROLES = """OpportunityId,ContactId,Role,IsPrimary
0061,0031,Decision Maker,true
0062,0032,Influencer,false
0062,0031,Decision Maker,
0063,0032,Economic Buyer,false
"""


def _read(tmp_path: Path, columns: Any = None, **tables: str) -> alignment.io.CRMData:
    folder = write_export(tmp_path, dict(SALESFORCE, **tables))
    return alignment.io.read_crm("salesforce", folder, tz="UTC", columns=columns)


def test_a_won_deal_without_a_primary_role_is_listed(tmp_path: Path) -> None:
    """0062 (won) marks no primary: its two roles are listed, its conversion goes to its first
    contact by id, as documented; 0061 (won, a primary) and 0063 (open) are not listed."""
    crm = _read(tmp_path, OpportunityContactRole=ROLES)
    hits = [i for i in crm.issues if i.problem == NO_PRIMARY]
    assert [(i.table, i.column, i.rows) for i in hits] == [
        ("OpportunityContactRole", "IsPrimary", (1, 2))
    ]
    assert "first contact by contact id" in hits[0].action
    conv = crm.conversions
    assert dict(zip(conv["deal_id"].tolist(), conv["lead_id"].tolist())) == {
        "0061": "0031",
        "0062": "0031",
    }
    dc = crm.deal_contacts
    assert [
        (d, p, bool(f))
        for d, p, f in zip(dc["deal_id"].tolist(), dc["lead_id"].tolist(), dc["is_primary"])
    ] == [
        ("0061", "0031", True),
        ("0062", "0031", False),
        ("0062", "0032", False),
        ("0063", "0032", False),
    ]


def test_an_export_without_is_primary_lists_every_won_deals_roles(tmp_path: Path) -> None:
    roles = "\n".join(r.rsplit(",", 1)[0] for r in ROLES.splitlines()) + "\n"
    crm = _read(tmp_path, OpportunityContactRole=roles)
    hits = [i for i in crm.issues if i.problem == NO_PRIMARY]
    assert [(i.column, i.rows) for i in hits] == [("IsPrimary (absent)", (0, 1, 2))]


def test_the_shipped_roles_mark_a_primary_and_are_not_listed(tmp_path: Path) -> None:
    crm = _read(tmp_path)
    assert not [i for i in crm.issues if i.problem == NO_PRIMARY]


def test_a_member_exported_twice_is_one_touch_with_its_id_mapped(tmp_path: Path) -> None:
    members = SALESFORCE["CampaignMember"].splitlines()
    members = [f"Id,{members[0]}"] + [f"00v{i},{m}" for i, m in enumerate(members[1:])]
    members.append(members[1])  # (00v0 again: an export that overlaps another)
    text = "\n".join(members) + "\n"
    assert "touch_id" not in _read(tmp_path / "a", CampaignMember=text).touchpoints
    ids = {"CampaignMember": {"Id": "touch_id"}}
    crm = _read(tmp_path / "b", columns=ids, CampaignMember=text)
    assert crm.touchpoints["touch_id"].tolist() == ["00v0", "00v1", "00v2"]
    assert crm.touchpoints["lead_id"].tolist() == ["0031", "0031", "00Q2"]
    hits = [i for i in crm.issues if i.problem == "duplicate touch (same Id)"]
    assert [(i.table, i.column, i.rows) for i in hits] == [("CampaignMember", "Id", (0, 6))]
