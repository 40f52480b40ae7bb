"""The Salesforce preset on a small hand-written export with the usual mess."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from io_exports import SALESFORCE, columns_of, frames, left_out, person_ids, write_export

import alignment
from alignment.errors import DataValidationError, MissingColumnError

# naive dates of the fixtures are read as UTC on purpose
pytestmark = pytest.mark.filterwarnings("ignore:naive instants:alignment.AlignmentWarning")


@pytest.fixture
def crm(tmp_path: Path) -> alignment.io.CRMData:
    return alignment.io.read_crm("salesforce", write_export(tmp_path, SALESFORCE))


def _money(text: str | None) -> float:
    """Plain-Python reading of the fixture's amounts ("$3,150.00", "12,500.00", "500")."""
    return 0.0 if text is None else float(text.replace("$", "").replace(",", ""))


def _issue(crm: alignment.io.CRMData, table: str, problem: str) -> alignment.io.DataIssue:
    hits = [i for i in crm.issues if i.table == table and i.problem == problem]
    assert len(hits) == 1, (table, problem, crm.issues)
    return hits[0]


def test_persons_merge_converted_lead_and_contact(crm: alignment.io.CRMData) -> None:
    leads = crm.leads
    assert leads["lead_id"].tolist() == ["0031", "0032", "0038", "00Q2", "00Q3"]
    ann = leads["lead_id"].tolist().index("0031")
    # created at the lead's creation (earliest record), the lead's values first
    assert leads["created_at"][ann] == np.datetime64("2024-01-02T09:00:00", "us")
    assert leads["title"][ann] == "CTO" and leads["company"][ann] == "Acme"
    assert leads["sql_at"][ann] == np.datetime64("2024-02-01", "us")
    assert leads["owner"][ann] == "Alice Rep"
    assert leads["company_size"][ann] == 1200.0
    assert bool(leads["is_converted"][ann]) is True
    # a contact with no lead row is a person; its values are the contact's
    dee = leads["lead_id"].tolist().index("0032")
    assert leads["email"][dee] == "dee@delta.com" and leads["country"][dee] == "FR"
    merged = _issue(crm, "Lead", "duplicate person: the same person as a Contact record")
    assert merged.rows == (0,) and merged.column == "ConvertedContactId"


def test_stages_derived_from_deals(crm: alignment.io.CRMData) -> None:
    i = crm.leads["lead_id"].tolist().index("0031")
    assert crm.leads["opportunity_at"][i] == np.datetime64("2024-02-05", "us")
    assert crm.leads["won_at"][i] == np.datetime64("2024-03-01", "us")
    j = crm.leads["lead_id"].tolist().index("0032")  # contact on an open deal and a won deal
    assert crm.leads["opportunity_at"][j] == np.datetime64("2024-02-10", "us")
    assert crm.leads["won_at"][j] == np.datetime64("2024-04-01", "us")


def test_deals_flags_money_and_close(crm: alignment.io.CRMData) -> None:
    d = crm.deals
    assert d["deal_id"].tolist() == ["0061", "0062", "0063", "0064"]
    assert d["amount"].tolist() == [3150.0, 12500.0, 5000.0, 1000.0]
    assert d["won"].tolist() == [True, True, False, False]
    assert np.isnat(d["closed_at"][2])  # open: its CloseDate is a plan, not a close
    assert d["closed_at"][3] == np.datetime64("2024-02-28", "us")
    assert crm.currency == "$"


def test_revenue_and_costs_conserved(crm: alignment.io.CRMData) -> None:
    opp = columns_of(SALESFORCE["Opportunity"])
    won = [v.strip().casefold() in ("true", "1") for v in opp["IsWon"]]
    expected = sum(_money(a) for a, w in zip(opp["Amount"], won) if w)
    assert crm.deals["amount"][crm.deals["won"]].sum() == expected == 15650.0
    camp = columns_of(SALESFORCE["Campaign"])
    assert crm.costs["cost"].sum() == sum(_money(c) for c in camp["ActualCost"]) == 2500.0


def test_conversions_person_with_two_won_deals(crm: alignment.io.CRMData) -> None:
    conv = crm.conversions
    assert conv["lead_id"].tolist() == ["0031", "0031"]
    assert conv["revenue"].tolist() == [3150.0, 12500.0]


def test_deal_with_two_contacts(crm: alignment.io.CRMData) -> None:
    dc = crm.deal_contacts
    pairs = sorted(zip(dc["deal_id"].tolist(), dc["lead_id"].tolist(), dc["is_primary"].tolist()))
    assert pairs == [
        ("0061", "0031", True),
        ("0062", "0031", True),
        ("0062", "0032", False),
        ("0063", "0032", True),
    ]


def test_touches(crm: alignment.io.CRMData) -> None:
    t = crm.touchpoints
    assert t["lead_id"].tolist() == ["0031", "0031", "00Q2"]  # the lead's touch is the person's
    # FirstRespondedDate when given, else CreatedDate
    assert t["timestamp"].tolist()[1] == np.datetime64("2024-01-20T15:00:00", "us").item()
    assert t["campaign"].tolist() == ["Spring Search", "Q1 Webinar", "Spring Search"]
    # "Paid Search" / "paid search" folded into one channel
    assert set(t["channel"].tolist()) == {"Paid Search", "webinar"}
    assert set(crm.leads["source"].tolist()) == {"Paid Search", "Referral", "webinar"}


def test_activities_and_reps(crm: alignment.io.CRMData) -> None:
    a = crm.activities
    assert a["lead_id"].tolist() == ["0031", "0031", "00Q2"]
    assert a["rep"].tolist() == ["Alice Rep", "Alice Rep", "Bob Rep"]
    assert a["kind"].tolist() == ["Call", "Email", "Call"]  # TaskSubtype, else Type


def test_every_issue_kind(crm: alignment.io.CRMData) -> None:
    expected = {
        ("CampaignMember", "not a touch (no response)", (3,)),
        ("CampaignMember", "not found in the Campaign export", (5,)),
        ("CampaignMember", "touch of an unknown person", (4,)),
        ("CampaignMember", "touch without a channel", (5,)),
        ("Lead", "not found in the User export", (2,)),
        ("Lead", "duplicate person: the same person as a Contact record", (0,)),
        ("Lead", "links to a Contact record that is not in the export", (3,)),
        ("OpportunityContactRole", "deal contact of an unknown deal", (5,)),
        ("OpportunityContactRole", "deal contact of an unknown person", (4,)),
        ("Opportunity", "opportunity with no contact", (3,)),
        ("Task", "task with no person", (4,)),
        ("Task", "task of an unknown person", (3,)),
        ("Campaign", "campaign without a cost", (2,)),
        ("Lead", "spelling variant of a value (case, spaces, '_' or '-')", (1, 2)),
    }
    assert {(i.table, i.problem, i.rows) for i in crm.issues} == expected
    frame = crm.issues.to_frame("dict")
    assert frame["n_rows"].sum() == crm.issues.n_rows()


def test_nothing_lost(crm: alignment.io.CRMData) -> None:
    n = {name: len(next(iter(columns_of(text).values()))) for name, text in SALESFORCE.items()}
    assert crm.touchpoints["lead_id"].size == n["CampaignMember"] - len(
        left_out(crm, "CampaignMember")
    )
    assert crm.activities["lead_id"].size == n["Task"] - len(left_out(crm, "Task"))
    assert crm.costs["cost"].size == n["Campaign"] - len(left_out(crm, "Campaign"))
    assert crm.deal_contacts["deal_id"].size == n["OpportunityContactRole"] - len(
        left_out(crm, "OpportunityContactRole")
    )
    assert crm.deals["deal_id"].size == n["Opportunity"] - len(left_out(crm, "Opportunity"))
    ids = person_ids({k: columns_of(v) for k, v in SALESFORCE.items()})
    assert crm.leads["lead_id"].tolist() == sorted(set(ids))


def test_tables_read_only(crm: alignment.io.CRMData) -> None:
    for table in crm.tables().values():
        for arr in table.values():
            assert not arr.flags.writeable


def test_columns_override_maps_a_custom_stage(tmp_path: Path) -> None:
    tables = dict(SALESFORCE)
    lines = tables["Lead"].splitlines()
    lines[0] += ",MQL_Date__c"
    lines[1:] = [ln + ("," if i else ",2024-01-10T00:00:00Z") for i, ln in enumerate(lines[1:])]
    tables["Lead"] = "\n".join(lines) + "\n"
    crm = alignment.io.read_crm(
        "salesforce",
        write_export(tmp_path, tables),
        columns={"Lead": {"MQL_Date__c": "mql_at", "ConvertedDate": "sal_at"}},
    )
    i = crm.leads["lead_id"].tolist().index("0031")
    assert crm.leads["mql_at"][i] == np.datetime64("2024-01-10", "us")
    assert crm.leads["sal_at"][i] == np.datetime64("2024-02-01", "us")
    assert "sql_at" not in crm.leads  # the preset's mapping was overridden


def test_columns_none_drops_a_mapping(tmp_path: Path) -> None:
    crm = alignment.io.read_crm(
        "salesforce", write_export(tmp_path, SALESFORCE), columns={"Lead": {"Industry": None}}
    )
    assert "industry" not in crm.leads


def test_won_stages_override_is_won(tmp_path: Path) -> None:
    crm = alignment.io.read_crm(
        "salesforce", write_export(tmp_path, SALESFORCE), won_stages=["negotiation"]
    )
    assert crm.deals["won"].tolist() == [False, False, True, False]


def test_normalize_none_keeps_spellings(tmp_path: Path) -> None:
    with pytest.warns(alignment.AlignmentWarning, match="'Paid Search' / 'paid search'"):
        crm = alignment.io.read_crm(
            "salesforce", write_export(tmp_path, SALESFORCE), normalize=None
        )
    assert {"Paid Search", "paid search"} <= set(crm.leads["source"].tolist())
    assert not any("spelling" in i.problem for i in crm.issues)


def test_unreadable_amount_is_named(tmp_path: Path) -> None:
    tables = dict(SALESFORCE)
    tables["Opportunity"] = tables["Opportunity"].replace('"5,000.00"', "lots")
    with pytest.raises(DataValidationError) as info:
        alignment.io.read_crm("salesforce", write_export(tmp_path, tables))
    err = info.value
    assert (err.table, err.column, err.rows, err.value) == ("Opportunity", "Amount", [2], "lots")


def test_bad_flag_is_named(tmp_path: Path) -> None:
    tables = dict(SALESFORCE)
    tables["Opportunity"] = tables["Opportunity"].replace(",false,false,", ",nope,false,")
    with pytest.raises(DataValidationError) as info:
        alignment.io.read_crm("salesforce", write_export(tmp_path, tables))
    assert (info.value.table, info.value.column, info.value.rows) == ("Opportunity", "IsWon", [2])


def test_missing_required_column(tmp_path: Path) -> None:
    tables = dict(SALESFORCE)
    tables["Opportunity"] = tables["Opportunity"].replace("IsWon", "Won__c")
    with pytest.raises(MissingColumnError) as info:
        alignment.io.read_crm("salesforce", write_export(tmp_path, tables))
    assert info.value.table == "Opportunity" and info.value.column == "IsWon"
    assert "columns=" in (info.value.fix or "")


def test_missing_required_value(tmp_path: Path) -> None:
    tables = dict(SALESFORCE)
    tables["Contact"] = tables["Contact"].replace("0032,2024-01-10T08:00:00Z", "0032,")
    with pytest.raises(DataValidationError) as info:
        alignment.io.read_crm("salesforce", write_export(tmp_path, tables))
    assert (info.value.table, info.value.column, info.value.rows) == ("Contact", "CreatedDate", [1])


def test_won_deal_without_amount_is_listed(tmp_path: Path) -> None:
    tables = dict(SALESFORCE)
    tables["Opportunity"] = tables["Opportunity"].replace('"$3,150.00"', "")
    crm = alignment.io.read_crm("salesforce", write_export(tmp_path, tables))
    assert "0061" not in crm.deals["deal_id"].tolist()
    assert _issue(crm, "Opportunity", "won opportunity without an amount").rows == (0,)
    assert _issue(crm, "OpportunityContactRole", "deal contact of a deal left out").rows == (0,)
    assert _issue(crm, "OpportunityContactRole", "deal contact of an unknown deal").rows == (5,)


def test_optional_tables_absent(tmp_path: Path) -> None:
    tables = {k: v for k, v in SALESFORCE.items() if k in ("Lead", "Contact", "Opportunity")}
    tables["OpportunityContactRole"] = SALESFORCE["OpportunityContactRole"]
    tables["CampaignMember"] = "CampaignId,ContactId,LeadId,HasResponded,CreatedDate\n"
    crm = alignment.io.read_crm("salesforce", write_export(tmp_path, tables))
    absent = {i.table for i in crm.issues if i.problem == "table not found (optional)"}
    assert absent == {"Campaign", "Task", "User"}
    assert crm.costs["cost"].size == 0 and crm.activities["lead_id"].size == 0
    assert crm.touchpoints["lead_id"].size == 0
    assert set(crm.touchpoints) >= {"lead_id", "timestamp", "channel", "campaign"}
    owner = crm.leads["owner"][crm.leads["lead_id"].tolist().index("0031")]
    assert owner == "0051"  # no User export: the owner is shown by its id


def test_required_table_absent(tmp_path: Path) -> None:
    tables = {k: v for k, v in SALESFORCE.items() if k != "Opportunity"}
    with pytest.raises(MissingColumnError) as info:
        alignment.io.read_crm("salesforce", write_export(tmp_path, tables))
    assert info.value.table == "Opportunity"


def test_engines_accept_the_bundle(crm: alignment.io.CRMData) -> None:
    lt = crm.lead_table()
    assert len(lt.ids) == crm.n_leads
    # each won deal of the person with two is attributed on its own, revenue conserved
    result = alignment.attribute(crm, model="linear")
    credit = result.to_frame(backend="dict")["credit"]
    assert credit.sum() == pytest.approx(15650.0)


def test_local_times_dayfirst_false(tmp_path: Path) -> None:
    tables = dict(SALESFORCE)
    tables["Lead"] = tables["Lead"].replace("2024-01-03T10:00:00Z", "03/05/2024 2:22 PM")
    crm = alignment.io.read_crm(
        "salesforce", write_export(tmp_path, tables), tz="America/New_York", dayfirst=False
    )
    i = crm.leads["lead_id"].tolist().index("00Q2")
    # March 5th, 14:22 in New York (EST, UTC-5)
    assert crm.leads["created_at"][i] == np.datetime64("2024-03-05T19:22:00", "us")
    j = crm.leads["lead_id"].tolist().index("0031")  # Z-suffixed values keep their zone
    assert crm.leads["created_at"][j] == np.datetime64("2024-01-02T09:00:00", "us")
    assert crm.tz == "America/New_York"


def test_duplicate_opportunity_and_contact_role(tmp_path: Path) -> None:
    tables = dict(SALESFORCE)
    opp = tables["Opportunity"].splitlines()
    tables["Opportunity"] = "\n".join([*opp, opp[1].replace('"$3,150.00"', "999")]) + "\n"
    tables["OpportunityContactRole"] += "0061,0031,Buyer,false\n0061,00Q1,,false\n"
    crm = alignment.io.read_crm("salesforce", write_export(tmp_path, tables))
    assert crm.deals["deal_id"].tolist().count("0061") == 1
    assert crm.deals["amount"][0] == 3150.0  # the first in the file is kept
    assert _issue(crm, "Opportunity", "duplicate opportunity (same Id)").rows == (0, 4)
    # the lead record 00Q1 is the same person as contact 0031: one deal contact, primary
    assert _issue(crm, "OpportunityContactRole", "duplicate deal contact").rows == (0, 6, 7)
    first = crm.deal_contacts["deal_id"] == "0061"
    assert crm.deal_contacts["lead_id"][first].tolist() == ["0031"]
    assert crm.deal_contacts["is_primary"][first].tolist() == [True]
    assert crm.deal_contacts["role"][first].tolist() == ["Decision Maker"]


def test_blank_flag_is_refused(tmp_path: Path) -> None:
    tables = dict(SALESFORCE)
    tables["CampaignMember"] = tables["CampaignMember"].replace("7011,,00Q2,true,", "7011,,00Q2,,")
    with pytest.raises(DataValidationError) as info:
        alignment.io.read_crm("salesforce", write_export(tmp_path, tables))
    err = info.value
    assert (err.table, err.column, err.rows) == ("CampaignMember", "HasResponded", [2])
    assert "yes/no" in err.problem


def test_currencies(tmp_path: Path) -> None:
    tables = dict(SALESFORCE)
    tables["Opportunity"] = tables["Opportunity"].replace('"12,500.00"', '"EUR 12,500.00"')
    with pytest.raises(DataValidationError, match="several currencies") as info:
        alignment.io.read_crm("salesforce", write_export(tmp_path / "a", tables))
    assert (info.value.table, info.value.column) == ("Opportunity", "Amount")
    rates = {"$": 1.0, "EUR": 1.1}
    with pytest.raises(DataValidationError, match="naming no currency") as info:
        alignment.io.read_crm("salesforce", write_export(tmp_path / "b", tables), rates=rates)
    error = info.value  # ('5,000.00' may be in $ or in EUR: never guessed)
    assert (error.table, error.column, error.rows, error.value) == (
        "Opportunity",
        "Amount",
        [2, 3],
        "5,000.00",
    )
    for plain in ('"5,000.00"', '"1,000.00"'):  # a loop over the amounts naming no currency
        tables["Opportunity"] = tables["Opportunity"].replace(plain, plain.replace('"', '"$', 1))
    crm = alignment.io.read_crm("salesforce", write_export(tmp_path / "d", tables), rates=rates)
    assert crm.deals["amount"].tolist() == pytest.approx([3150.0, 13750.0, 5000.0, 1000.0])
    assert crm.currency is None  # converted: the currency is the one the rates convert to
    costs = dict(SALESFORCE)
    costs["Campaign"] = costs["Campaign"].replace('"$2,000.00"', '"€2,000.00"')
    with pytest.raises(DataValidationError, match=r"Campaign\.ActualCost in EUR"):
        alignment.io.read_crm("salesforce", write_export(tmp_path / "c", costs))


def test_lookup_table_without_its_key(tmp_path: Path) -> None:
    tables = dict(SALESFORCE, User="UserId,Name\n0051,Alice Rep\n")
    with pytest.raises(MissingColumnError) as info:
        alignment.io.read_crm("salesforce", write_export(tmp_path, tables))
    assert (info.value.table, info.value.column) == ("User", "Id")


def test_report_of_the_bundle(crm: alignment.io.CRMData, tmp_path: Path) -> None:
    """The walk of docs/io.md ends in the report (a person with two won deals included)."""
    path = alignment.write_report(crm, tmp_path / "review.html")
    assert "15,650" in Path(path).read_text(encoding="utf-8")


def _lead_rows_with_id(lead_id: str, *rows: int) -> dict[str, str]:
    """The Salesforce export with the given Lead rows taking the Id ``lead_id``."""
    tables = dict(SALESFORCE)
    lead = tables["Lead"].splitlines()
    for r in rows:  # a loop over the rows changed
        lead[r + 1] = lead_id + lead[r + 1][lead[r + 1].index(",") :]
    tables["Lead"] = "\n".join(lead) + "\n"
    return tables


def test_a_lead_exported_twice_one_copy_converted_is_one_person(tmp_path: Path) -> None:
    """Rows 1 and 3 share the Id 00Q2; row 3 is converted (to 0038, not in the export).  Both
    rows are listed as one duplicated person, who is the converted copy's: the touch and the
    task naming 00Q2 reach 0038."""
    crm = alignment.io.read_crm(
        "salesforce", write_export(tmp_path, _lead_rows_with_id("00Q2", 3)), tz="UTC"
    )
    assert _issue(crm, "Lead", "duplicate person (same Id)").rows == (1, 3)
    ids = crm.leads["lead_id"].tolist()
    assert "00Q2" not in ids
    assert ids.count("0038") == 1
    assert crm.touchpoints["lead_id"].tolist() == ["0031", "0031", "0038"]
    assert "0038" in crm.activities["lead_id"].tolist()  # (Task row 2: WhoId 00Q2)
    person = ids.index("0038")
    assert crm.leads["created_at"][person] == np.datetime64("2024-01-03T10:00:00", "us")


def test_copies_of_one_lead_converted_to_different_contacts(tmp_path: Path) -> None:
    """Rows 0 (converted to 0031) and 3 (to 0038) share the Id 00Q1: one person, the first
    copy's link, and the other link listed."""
    crm = alignment.io.read_crm(
        "salesforce", write_export(tmp_path, _lead_rows_with_id("00Q1", 3)), tz="UTC"
    )
    assert _issue(crm, "Lead", "duplicate person (same Id)").rows == (0, 3)
    other = [i for i in crm.issues if i.table == "Lead" and "first copy" in i.problem]
    assert [i.rows for i in other] == [(3,)]
    assert other[0].column == "ConvertedContactId"
    ids = crm.leads["lead_id"].tolist()
    assert "0038" not in ids and "00Q1" not in ids and ids.count("0031") == 1


def test_pandas_na_in_a_date_column_of_a_frame_is_missing() -> None:
    pd = pytest.importorskip("pandas")
    read = {}
    for missing in (None, pd.NA):
        tables = frames(SALESFORCE, "pandas")
        lead = tables["Lead"]
        lead["ConvertedDate"] = pd.Series(
            [
                dt.date.fromisoformat(d) if isinstance(d, str) else missing
                for d in lead["ConvertedDate"]
            ],
            dtype=object,
        )
        read[missing is None] = alignment.io.read_crm("salesforce", tables, tz="America/New_York")
    assert read[False].leads["lead_id"].tolist() == read[True].leads["lead_id"].tolist()
    for name, column in read[True].leads.items():
        assert np.array_equal(read[False].leads[name], column, equal_nan=column.dtype.kind in "fmM")


_OPP_HEAD = "Id,AccountId,Name,Amount,CreatedDate,CloseDate,IsWon,IsClosed,StageName,OwnerId\n"


def _without(text: str, column: str) -> str:
    """A CSV text without one of its columns."""
    rows = list(csv.reader(io.StringIO(text)))
    j = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(r[:j] + r[j + 1 :] for r in rows)
    return out.getvalue()


def _deals_of(tmp_path: Path, opportunities: str, roles: str, **options: Any) -> Any:
    """A read of the fixture with its Opportunity and OpportunityContactRole rows replaced."""
    tables = dict(SALESFORCE, Opportunity=opportunities, OpportunityContactRole=roles)
    return alignment.io.read_crm("salesforce", write_export(tmp_path, tables), **options)


def test_opportunities_without_isclosed_are_refused(tmp_path: Path) -> None:
    """Every opportunity has a CloseDate (the expected one while open): without IsClosed an
    open deal cannot be told from a lost one, and it was read as closed."""
    no_flag = _without(SALESFORCE["Opportunity"], "IsClosed")
    with pytest.raises(MissingColumnError, match="cannot be told from a lost one") as info:
        alignment.io.read_crm(
            "salesforce", write_export(tmp_path / "a", dict(SALESFORCE, Opportunity=no_flag))
        )
    assert (info.value.table, info.value.column) == ("Opportunity", "IsClosed")
    assert "export 'IsClosed'" in (info.value.fix or "")
    # a preset whose lost stages tell a closed deal: a deal in neither a won nor a lost stage
    # is open, its CloseDate not kept
    with_lost = dataclasses.replace(alignment.io.SALESFORCE, lost_stages=("Closed Lost",))
    crm = alignment.io.read_crm(
        with_lost, write_export(tmp_path / "b", dict(SALESFORCE, Opportunity=no_flag))
    )
    d = crm.deals
    assert d["deal_id"].tolist() == ["0061", "0062", "0063", "0064"]
    assert np.isnat(d["closed_at"]).tolist() == [False, False, True, False]
    assert crm.as_of == np.datetime64("2024-04-02", "us")  # (not the open deal's 2024-05-01)


def test_opportunity_without_a_stage_is_open_as_listed(tmp_path: Path) -> None:
    """With won_stages=, an opportunity with no StageName is listed as kept open: it is open
    in the bundle too (not won, not closed, no close date), whatever IsClosed says."""
    opps = _OPP_HEAD + (
        "0061,0011,A,100,2024-02-05T00:00:00Z,2024-03-01,true,true,Closed Won,0051\n"
        "0066,0013,F,600,2024-02-11T00:00:00Z,2024-02-28,true,true,,0052\n"
    )
    roles = "OpportunityId,ContactId,Role,IsPrimary\n0061,0031,,true\n0066,0032,,true\n"
    crm = _deals_of(tmp_path, opps, roles, won_stages=["Closed Won"])
    issue = _issue(crm, "Opportunity", "opportunity without a stage")
    assert issue.rows == (1,) and "kept as open (not won, no close date)" in issue.action
    d = crm.deals
    assert d["won"].tolist() == [True, False]
    assert d["is_closed"].tolist() == [True, False]
    assert np.isnat(d["closed_at"]).tolist() == [False, True]


def test_contradicting_won_and_closed_flags_are_listed(tmp_path: Path) -> None:
    """IsWon, IsClosed and StageName that contradict each other: the flags decide (a won deal
    is closed), each contradiction listed with the rule applied."""
    opps = _OPP_HEAD + (
        "0061,0011,A,100,2024-02-05T00:00:00Z,2024-09-01,true,false,Negotiation,0051\n"
        "0062,0011,B,200,2024-03-05T00:00:00Z,2024-04-01,false,true,Closed Won,0051\n"
        "0065,0013,E,500,2024-02-11T00:00:00Z,2024-02-28,false,false,Closed Lost,0052\n"
        "0067,0013,G,700,2024-02-11T00:00:00Z,,false,true,Closed Lost,0052\n"
        "0068,0013,H,800,2024-02-11T00:00:00Z,2024-02-28,true,true,closed lost,0052\n"
    )
    roles = "OpportunityId,ContactId,Role,IsPrimary\n" + "".join(
        f"{o},0031,,true\n" for o in ("0061", "0062", "0065", "0067", "0068")
    )
    crm = _deals_of(tmp_path, opps, roles)
    listed = {
        (i.column, i.problem, i.rows, i.action) for i in crm.issues if i.table == "Opportunity"
    }
    assert listed == {
        (
            "IsClosed",
            "won opportunity whose closed flag is false",
            (0,),
            "read as won and closed (a won deal is closed)",
        ),
        (
            "StageName",
            "opportunity in a won stage whose won flag is false",
            (1,),
            "read as not won, as the won flag says",
        ),
        (
            "StageName",
            "opportunity in a closed stage whose closed flag is false",
            (2,),
            "read as open, as the closed flag says",
        ),
        ("StageName", "won opportunity in a lost stage", (4,), "read as won, as the won flag says"),
        (
            "CloseDate",
            "lost opportunity without a close date",
            (3,),
            "kept as closed and lost, with no closed_at (its close instant is not known)",
        ),
    }
    d = crm.deals
    assert d["won"].tolist() == [True, False, False, False, True]
    assert d["is_closed"].tolist() == [True, True, False, True, True]
    assert np.isnat(d["closed_at"]).tolist() == [False, False, True, True, False]
    assert crm.conversions["deal_id"].tolist() == ["0061", "0068"]


def test_contact_roles_of_a_deal_left_out(tmp_path: Path) -> None:
    """The roles of an opportunity left out (won without a close date) are named so, not as
    of an unknown deal; the deal gives its persons no opportunity_at either."""
    opps = _OPP_HEAD + (
        "0061,0011,A,100,2024-02-05T00:00:00Z,2024-03-01,true,true,Closed Won,0051\n"
        "0063,0012,C,300,2024-01-20T00:00:00Z,,true,true,Closed Won,0052\n"
    )
    roles = "OpportunityId,ContactId,Role,IsPrimary\n0061,0031,,true\n0063,0032,,true\n"
    crm = _deals_of(tmp_path, opps, roles)
    assert _issue(crm, "Opportunity", "won opportunity without a close date").rows == (1,)
    issue = _issue(crm, "OpportunityContactRole", "deal contact of a deal left out")
    assert (issue.column, issue.rows, issue.action) == ("OpportunityId", (1,), "left out")
    assert not [i for i in crm.issues if "unknown deal" in i.problem]
    ids = crm.leads["lead_id"].tolist()
    assert np.isnat(crm.leads["opportunity_at"][ids.index("0032")])
    assert crm.leads["opportunity_at"][ids.index("0031")] == np.datetime64("2024-02-05", "us")


def test_several_primary_contacts_are_listed(tmp_path: Path) -> None:
    """Two roles marked IsPrimary on one opportunity: listed; the conversion goes to the first
    by contact id, whatever the order of the rows."""
    contacts = (
        SALESFORCE["Contact"] + "0033,2024-01-10T08:00:00Z,z@delta.com,0012,Referral,0052,,FR\n"
    )
    rows = ["0062,0033,Decision Maker,true", "0062,0032,Influencer,true", "0061,0031,,true"]
    seen = []
    for k, order in enumerate((rows, rows[::-1])):  # a loop over two row orders
        roles = "OpportunityId,ContactId,Role,IsPrimary\n" + "\n".join(order) + "\n"
        tables = dict(SALESFORCE, Contact=contacts, OpportunityContactRole=roles)
        crm = alignment.io.read_crm("salesforce", write_export(tmp_path / str(k), tables))
        issue = _issue(crm, "OpportunityContactRole", "several primary contacts of one deal")
        assert issue.column == "IsPrimary"
        assert sorted(order.index(r) for r in rows[:2]) == list(issue.rows)
        assert "first of them by contact id" in issue.action
        cv = crm.conversions
        seen.append(dict(zip(cv["deal_id"].tolist(), cv["lead_id"].tolist())))
    assert seen[0] == seen[1] == {"0061": "0031", "0062": "0032"}


def test_currency_iso_code_of_each_opportunity(tmp_path: Path) -> None:
    """A multi-currency org's CurrencyIsoCode: one currency is the read's currency; several
    are refused without rates= (naming the rows) and converted row by row with them."""
    head = "Id,AccountId,Name,Amount,CurrencyIsoCode,CreatedDate,CloseDate,IsWon,IsClosed,StageName,OwnerId\n"
    body = (
        "0061,0011,A,100,{0},2024-02-05T00:00:00Z,2024-03-01,true,true,Closed Won,0051\n"
        "0062,0011,B,200,{1},2024-03-05T00:00:00Z,2024-04-01,true,true,Closed Won,0051\n"
        "0063,0012,C,300,{2},2024-02-10T00:00:00Z,2024-04-01,true,true,Closed Won,0052\n"
    )
    roles = "OpportunityId,ContactId,Role,IsPrimary\n0061,0031,,true\n0063,0032,,true\n"
    campaign = SALESFORCE["Campaign"].replace('"$2,000.00"', "2000")  # (no currency named)
    tables = dict(SALESFORCE, Campaign=campaign, OpportunityContactRole=roles)

    def read(codes: tuple[str, ...], name: str, **options: Any) -> Any:
        opps = head + body.format(*codes)
        folder = write_export(tmp_path / name, dict(tables, Opportunity=opps))
        return alignment.io.read_crm("salesforce", folder, **options)

    one = read(("EUR", "EUR", ""), "one")  # (a row naming none: the column's one currency)
    assert one.currency == "EUR" and one.deals["amount"].tolist() == [100.0, 200.0, 300.0]
    assert "currency" not in one.deals
    with pytest.raises(DataValidationError, match="several currencies") as info:
        read(("EUR", "USD", "JPY"), "several")
    err = info.value
    assert (err.table, err.column, err.rows, err.value) == (
        "Opportunity",
        "CurrencyIsoCode",
        [1, 2],
        "USD",
    )
    rates = {"EUR": 1.1, "USD": 1.0, "JPY": 0.01}
    crm = read(("EUR", "USD", "JPY"), "rates", rates=rates)
    assert crm.deals["amount"].tolist() == pytest.approx([110.0, 200.0, 3.0])
    assert crm.currency is None  # (converted: in the currency the rates convert to)
    with pytest.raises(DataValidationError, match="currency not in rates") as info:
        read(("EUR", "USD", "GBP"), "unknown", rates=rates)
    assert (info.value.column, info.value.rows, info.value.value) == ("CurrencyIsoCode", [2], "GBP")
    with pytest.raises(DataValidationError, match="naming no currency") as info:
        read(("EUR", "USD", ""), "none", rates=rates)
    assert (info.value.column, info.value.rows) == ("CurrencyIsoCode", [2])
    # amounts that write their currency too ("EUR 100"): converted once, by the column
    body = body.replace(",100,", ",EUR 100,").replace(",200,", ",USD 200,")
    body = body.replace(",300,", ",JPY 300,")
    crm = read(("EUR", "USD", "JPY"), "written", rates=rates)
    assert crm.deals["amount"].tolist() == pytest.approx([110.0, 200.0, 3.0])


def _without(text: str, column: str) -> str:
    """A CSV text of the fixture without one of its columns."""
    cols = columns_of(text)
    cols.pop(column)
    lines = [",".join(cols)]
    n = len(next(iter(cols.values())))
    lines += [
        ",".join(f'"{v[i]}"' if v[i] is not None else "" for v in cols.values()) for i in range(n)
    ]
    return "\n".join(lines) + "\n"


def _read(tmp_path: Path, name: str, **tables: str) -> alignment.io.CRMData:
    folder = write_export(tmp_path / name, dict(SALESFORCE, **tables))
    return alignment.io.read_crm("salesforce", folder, tz="UTC")


def test_members_without_their_responded_flag_are_refused(tmp_path: Path) -> None:
    """Without HasResponded, which members are touches is not known: never every member."""
    members = _without(SALESFORCE["CampaignMember"], "HasResponded")
    with pytest.raises(MissingColumnError) as info:
        _read(tmp_path, "a", CampaignMember=members)
    assert (info.value.table, info.value.column) == ("CampaignMember", "HasResponded")
    assert "not a touch (no response)" in info.value.problem
    assert "HasResponded" in (info.value.fix or "") and "columns=" in (info.value.fix or "")


def test_converted_leads_without_their_contact_column_are_refused(tmp_path: Path) -> None:
    lead = _without(SALESFORCE["Lead"], "ConvertedContactId")
    with pytest.raises(MissingColumnError) as info:
        _read(tmp_path, "a", Lead=lead)
    error = info.value
    assert (error.table, error.column, error.rows) == ("Lead", "ConvertedContactId", [0, 3])
    assert "IsConverted" in error.problem and "'IsConverted': None" in (error.fix or "")
    # no converted lead, or IsConverted dropped: every lead is a person of its own
    crm = alignment.io.read_crm(
        "salesforce",
        write_export(tmp_path / "b", dict(SALESFORCE, Lead=lead)),
        tz="UTC",
        columns={"Lead": {"IsConverted": None}},
    )
    assert {"00Q1", "00Q4"} <= set(crm.leads["lead_id"].tolist())


def test_a_converted_lead_without_its_contact_id_is_listed(tmp_path: Path) -> None:
    lead = SALESFORCE["Lead"].replace("true,0031,0011,2024-02-01", "true,,0011,2024-02-01")
    crm = _read(tmp_path, "a", Lead=lead)
    issue = _issue(crm, "Lead", "converted record without the id of the Contact it became")
    assert (issue.column, issue.rows, issue.action) == (
        "ConvertedContactId",
        (0,),
        "kept as a person of its own",
    )
    assert "00Q1" in crm.leads["lead_id"].tolist()


def test_a_campaign_exported_twice_costs_once(tmp_path: Path) -> None:
    """A Campaign Id on two rows is one campaign, the first row's: for the costs and for the
    touches alike; every row of the Id is listed, whatever the file's order."""
    rows = SALESFORCE["Campaign"].splitlines()
    twice = [rows[0], rows[1], rows[1], rows[2], "7012,Q1 Webinar v2,Email,700", rows[3]]
    crm = _read(tmp_path, "a", Campaign="\n".join(twice) + "\n")
    assert crm.costs["cost"].sum() == 2500.0
    assert sorted(crm.costs["campaign"].tolist()) == ["Q1 Webinar", "Spring Search"]
    assert "Email" not in crm.touchpoints["channel"].tolist()
    issue = _issue(crm, "Campaign", "duplicate campaign (same Id)")
    assert (issue.column, issue.rows) == ("Id", (0, 1, 2, 3))
    assert issue.action == "the first in the file is kept, the others are not used"


@pytest.mark.parametrize("first", ["Alice Rep", "Alicia Other"])
def test_a_user_exported_twice_is_listed_the_first_kept(tmp_path: Path, first: str) -> None:
    other = {"Alice Rep": "Alicia Other", "Alicia Other": "Alice Rep"}[first]
    users = f"Id,Name\n0051,{first}\n0051,{other}\n0052,Bob Rep\n"
    crm = _read(tmp_path, "a", User=users)
    assert set(crm.activities["rep"].tolist()) == {first, "Bob Rep"}
    issue = _issue(crm, "User", "duplicate record (same Id)")
    assert (issue.column, issue.rows) == ("Id", (0, 1))


def _two_leads(*order: str) -> str:
    head = "Id,CreatedDate,Email,Company,LeadSource,Status,IsConverted,ConvertedContactId,OwnerId\n"
    rows = {
        "a": "00Q1,2024-01-02T09:00:00Z,ann@acme.com,Acme,Webinar,Converted,true,0031,0051\n",
        "b": "00Q5,2024-01-04T11:00:00Z,ann2@acme.com,AcmeCo,Referral,Converted,true,0031,0052\n",
    }
    return head + "".join(rows[k] for k in order)


def test_two_leads_of_one_contact_give_the_earliest_ones_values(tmp_path: Path) -> None:
    """Two leads converted into one contact: the person takes the earliest created lead's
    values, in either order of the file, and the other lead's values are listed."""
    ab = _read(tmp_path, "ab", Lead=_two_leads("a", "b"))
    ba = _read(tmp_path, "ba", Lead=_two_leads("b", "a"))
    person = ab.leads["lead_id"].tolist().index("0031")
    assert ab.leads["company"][person] == "Acme" and ab.leads["owner"][person] == "Alice Rep"
    for name in ("leads", "touchpoints", "deals", "deal_contacts", "activities", "costs"):
        a, b = getattr(ab, name), getattr(ba, name)
        assert {k: v.tolist() for k, v in a.items()} == {k: v.tolist() for k, v in b.items()}
    disagree = "records of one person disagree on this column"
    listed = {i.column: i.rows for i in ab.issues if i.problem == disagree}
    assert listed == dict.fromkeys(["Email", "Company", "LeadSource", "OwnerId"], (1,))
    assert {i.column: i.rows for i in ba.issues if i.problem == disagree} == dict.fromkeys(
        listed, (0,)
    )


def test_a_member_exported_twice_is_one_touch(tmp_path: Path) -> None:
    """With the member's Id mapped, a member on two rows is one touch, the rows listed."""
    members = SALESFORCE["CampaignMember"].splitlines()
    members = [f"Id,{members[0]}"] + [f"00v{i},{m}" for i, m in enumerate(members[1:])]
    members.append(members[1])  # (00v0 again)
    folder = write_export(tmp_path, dict(SALESFORCE, CampaignMember="\n".join(members) + "\n"))
    crm = alignment.io.read_crm(
        "salesforce", folder, tz="UTC", columns={"CampaignMember": {"Id": "touch_id"}}
    )
    assert crm.touchpoints["touch_id"].tolist() == ["00v0", "00v1", "00v2"]
    issue = _issue(crm, "CampaignMember", "duplicate touch (same Id)")
    assert (issue.column, issue.rows) == ("Id", (0, 6))


def test_a_finding_on_a_column_the_file_lacks_names_it_absent(tmp_path: Path) -> None:
    crm = _read(tmp_path, "a", Opportunity=_without(SALESFORCE["Opportunity"], "CloseDate"))
    issue = _issue(crm, "Opportunity", "won opportunity without a close date")
    assert (issue.column, issue.rows) == ("CloseDate (absent)", (0, 1))


def test_a_lead_converted_into_a_lead_is_named_so(tmp_path: Path) -> None:
    lead = SALESFORCE["Lead"].replace("true,0031,0011,2024-02-01", "true,00Q2,0011,2024-02-01")
    crm = _read(tmp_path, "a", Lead=lead)
    problem = (
        "duplicate person: the same person as a Lead record, named where a Contact is expected"
    )
    issue = _issue(crm, "Lead", problem)
    assert (issue.column, issue.rows) == ("ConvertedContactId", (0,))
    assert not [i for i in crm.issues if i.problem.endswith("as a Contact record")]
    assert "00Q2" in crm.leads["lead_id"].tolist() and "00Q1" not in crm.leads["lead_id"].tolist()


def test_campaign_currency_iso_code_converts_each_cost(tmp_path: Path) -> None:
    """A campaign's CurrencyIsoCode says the currency of its ActualCost, as an opportunity's
    says its Amount's: several currencies are refused without rates= and converted row by row
    with it (never summed as one currency)."""
    campaign = (
        "Id,Name,Type,ActualCost,CurrencyIsoCode\n"
        "7011,Spring Search,Paid Search,2000,USD\n7012,Q1 Webinar,webinar,500,EUR\n"
        "7013,Newsletter,Email,,USD\n"
    )

    def read(name: str, **options: Any) -> Any:
        tables = dict(SALESFORCE, Campaign=campaign)
        return alignment.io.read_crm("salesforce", write_export(tmp_path / name, tables), **options)

    with pytest.raises(DataValidationError, match="several currencies") as info:
        read("several")
    assert (info.value.table, info.value.column) == ("Campaign", "CurrencyIsoCode")
    crm = read("rates", rates={"USD": 1.0, "EUR": 1.1, "$": 1.0})  # ("$": the amounts')
    assert sorted(crm.costs["cost"].tolist()) == pytest.approx([550.0, 2000.0])
    assert "currency" not in crm.costs
