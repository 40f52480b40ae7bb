"""The HubSpot preset: contacts and deals by property label or internal name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from io_exports import HUBSPOT, columns_of, frames, left_out, person_ids, write_export

import alignment
from alignment.errors import ParameterError

# naive dates of the fixtures are read as UTC on purpose
pytestmark = pytest.mark.filterwarnings("ignore:naive instants:alignment.AlignmentWarning")


def _names(tables: dict[str, str]) -> dict[str, str]:
    """HubSpot's own export file names for contacts and deals."""
    out = {}
    for k, v in tables.items():
        out[f"hubspot-crm-exports-all-{k}-2024-04-02" if k in ("contacts", "deals") else k] = v
    return out


@pytest.fixture
def crm(tmp_path: Path) -> alignment.io.CRMData:
    return alignment.io.read_crm("hubspot", write_export(tmp_path, _names(HUBSPOT)))


def _issues(crm: alignment.io.CRMData) -> set[tuple[str, str | None, str, tuple[int, ...]]]:
    return {(i.table, i.column, i.problem, i.rows) for i in crm.issues}


def test_contacts(crm: alignment.io.CRMData) -> None:
    leads = crm.leads
    assert leads["lead_id"].tolist() == ["1506", "1522", "1530"]
    ann = 1
    assert leads["mql_at"][ann] == np.datetime64("2024-01-05T10:00", "us")
    assert leads["sql_at"][ann] == np.datetime64("2024-01-20T10:00", "us")
    assert leads["account_id"][ann] == "901" and leads["owner"][ann] == "Alice Rep"
    assert leads["source"].tolist() == ["Paid Search", "Paid Search", "ORGANIC_SEARCH"]
    assert ("contacts", "Record ID", "duplicate person (same Id)", (2, 3)) in _issues(crm)


def test_deals_won_by_stage_and_contacts_split(crm: alignment.io.CRMData) -> None:
    d = crm.deals
    assert d["deal_id"].tolist() == ["801", "802", "803", "804", "805"]
    assert d["won"].tolist() == [True, True, False, False, False]  # "Closed Won", "closedwon"
    assert np.isnat(d["closed_at"][2]) and not np.isnat(d["closed_at"][3])
    assert d["account_id"].tolist()[:2] == ["901", "901"]  # "901;902": the first listed
    dc = crm.deal_contacts
    assert list(zip(dc["deal_id"].tolist(), dc["lead_id"].tolist(), dc["is_primary"].tolist())) == [
        ("801", "1506", False),
        ("801", "1522", True),  # the first listed in "1522;1506"
        ("802", "1522", True),
        ("803", "1530", True),
    ]
    conv = crm.conversions
    assert conv["lead_id"].tolist() == ["1522", "1522"]
    assert conv["revenue"].sum() == 15650.0


def test_revenue_and_costs_conserved(crm: alignment.io.CRMData) -> None:
    deals = columns_of(HUBSPOT["deals"])
    won = [s.replace(" ", "").casefold() == "closedwon" for s in deals["Deal Stage"]]
    written = [float(a.replace("$", "").replace(",", "")) for a in deals["Amount"]]
    assert crm.deals["amount"][crm.deals["won"]].sum() == sum(a for a, w in zip(written, won) if w)
    costs = columns_of(HUBSPOT["costs"])
    expected = sum(float(c.replace("$", "").replace(",", "")) for c in costs["cost"] if c)
    assert crm.costs["cost"].sum() == expected


def test_issues(crm: alignment.io.CRMData) -> None:
    issues = _issues(crm)
    expected = {
        ("deals", "Associated Company IDs", "several companies", (1,)),
        ("deals", "Associated Contact IDs", "deal contact of an unknown person", (4,)),
        ("deals", "Record ID", "deal with no contact", (3, 4)),
        ("interactions", "lead_id", "touch of an unknown person", (3,)),
        ("interactions", "channel", "touch without a channel", (4,)),
        ("activities", "lead_id", "activity of an unknown person", (1,)),
        ("costs", "cost", "cost row without a cost", (2,)),
    }
    assert expected <= issues
    folded = {(t, c) for t, c, p, _ in issues if p.startswith("spelling variant")}
    assert folded == {
        ("contacts", "Original Source"),
        ("interactions", "channel"),
        ("interactions", "campaign"),
    }


def test_touches_folded_with_costs(crm: alignment.io.CRMData) -> None:
    t = crm.touchpoints
    assert t["campaign"].tolist() == ["Spring Search", "Spring Search", "Q1 Webinar"]
    assert set(t["channel"].tolist()) <= set(crm.costs["channel"].tolist())
    assert crm.costs["period"].tolist() == ["2024-01", "2024-01"]


def test_nothing_lost(crm: alignment.io.CRMData) -> None:
    n = {k: len(next(iter(columns_of(v).values()))) for k, v in HUBSPOT.items()}
    ids = person_ids({"contacts": columns_of(HUBSPOT["contacts"])})
    assert crm.leads["lead_id"].tolist() == sorted(set(ids))
    assert crm.touchpoints["lead_id"].size == n["interactions"] - len(left_out(crm, "interactions"))
    assert crm.activities["lead_id"].size == n["activities"] - len(left_out(crm, "activities"))
    assert crm.costs["cost"].size == n["costs"] - len(left_out(crm, "costs"))
    assert crm.deals["deal_id"].size == n["deals"]


def test_internal_names(tmp_path: Path) -> None:
    internal = {
        "Record ID": "hs_object_id",
        "Create Date": "createdate",
        "Email": "email",
        "Original Source": "hs_analytics_source",
        "Became a Marketing Qualified Lead Date": "hs_lifecyclestage_marketingqualifiedlead_date",
        "Deal Stage": "dealstage",
        "Close Date": "closedate",
        "Amount": "amount",
    }
    tables = dict(HUBSPOT)
    for table in ("contacts", "deals"):
        header, rest = tables[table].split("\n", 1)
        cols = [internal.get(c, c) for c in header.split(",")]
        tables[table] = ",".join(cols) + "\n" + rest
    by_label = alignment.io.read_crm("hubspot", write_export(tmp_path / "a", HUBSPOT))
    by_name = alignment.io.read_crm("hubspot", write_export(tmp_path / "b", tables))
    assert by_name.leads["mql_at"].tolist() == by_label.leads["mql_at"].tolist()
    assert by_name.deals["won"].tolist() == by_label.deals["won"].tolist()
    assert by_name.leads["source"].tolist() == by_label.leads["source"].tolist()


def test_won_stages_parameter(tmp_path: Path) -> None:
    crm = alignment.io.read_crm(
        "hubspot", write_export(tmp_path, HUBSPOT), won_stages="appointmentscheduled"
    )
    # 803 is won now, but has no close date: left out and listed
    assert crm.deals["deal_id"].tolist() == ["801", "802", "804", "805"]
    assert not crm.deals["won"].any()
    assert ("deals", "Close Date", "won deal without a close date", (2,)) in _issues(crm)
    with pytest.raises(ParameterError):
        alignment.io.read_crm("hubspot", write_export(tmp_path, HUBSPOT), won_stages=[""])


def test_primary_contact_column(tmp_path: Path) -> None:
    tables = dict(HUBSPOT)
    header, rest = tables["deals"].split("\n", 1)
    lines = rest.strip().split("\n")
    lines[0] += ",1506"
    tables["deals"] = (
        header
        + ",Primary Contact\n"
        + "\n".join(ln if i == 0 else ln + "," for i, ln in enumerate(lines))
        + "\n"
    )
    crm = alignment.io.read_crm(
        "hubspot",
        write_export(tmp_path, tables),
        columns={"deals": {"Primary Contact": "primary_contact_id"}},
    )
    dc = crm.deal_contacts
    first = dc["deal_id"] == "801"
    assert dict(zip(dc["lead_id"][first].tolist(), dc["is_primary"][first].tolist())) == {
        "1506": True,
        "1522": False,
    }
    assert crm.conversions["lead_id"].tolist() == ["1506", "1522"]


def test_typed_frames_give_the_same_bundle(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    text = alignment.io.read_crm("hubspot", write_export(tmp_path, HUBSPOT))
    typed = frames(HUBSPOT, "pandas")
    c = typed["contacts"]
    c["Record ID"] = c["Record ID"].astype(int)  # ids as numbers, as pandas reads them
    c["Associated Company ID"] = c["Associated Company ID"].astype(float)
    c["Create Date"] = pd.to_datetime(c["Create Date"]).dt.tz_localize("UTC")
    d = typed["deals"]
    d["Record ID"] = d["Record ID"].astype("int64")
    d["Amount"] = [3150.0, 12500.0, 5000.0, 1000.0, 200.0]
    again = alignment.io.read_crm("hubspot", typed)
    from io_exports import assert_same_crm

    assert_same_crm(text, again)


def test_naive_times_read_as_utc_are_reported(tmp_path: Path) -> None:
    with pytest.warns(alignment.AlignmentWarning, match=r"contacts\.Create Date"):
        alignment.io.read_crm("hubspot", write_export(tmp_path, HUBSPOT))


def test_wall_times_changed_by_daylight_saving(tmp_path: Path) -> None:
    tables = dict(HUBSPOT)
    tables["contacts"] = (
        tables["contacts"]
        .replace("1506,2024-01-03 10:00", "1506,2024-03-10 02:30")  # skipped hour
        .replace("1522,2024-01-02 09:00", "1522,2024-11-03 01:30")  # hour seen twice
    )
    crm = alignment.io.read_crm("hubspot", write_export(tmp_path, tables), tz="America/New_York")
    found = {(i.table, i.column, i.rows, i.action) for i in crm.issues if "wall time" in i.problem}
    assert found == {
        ("contacts", "Create Date", (1,), "moved forward by the gap"),
        ("contacts", "Create Date", (0,), "read as the first occurrence"),
    }
    created = dict(zip(crm.leads["lead_id"].tolist(), crm.leads["created_at"].tolist()))
    assert created["1506"] == np.datetime64("2024-03-10T07:30", "us").item()  # 03:30 EDT
    assert created["1522"] == np.datetime64("2024-11-03T05:30", "us").item()  # 01:30 EDT


def test_a_deal_without_a_stage_is_listed_not_silently_open(tmp_path: Path) -> None:
    """The stage says whether a HubSpot deal is won: an empty one is listed, and the deal is
    kept as open (not won, its close date not used)."""
    tables = dict(HUBSPOT)
    tables["deals"] = tables["deals"].replace("802,Acme upsell,closedwon,", "802,Acme upsell,,")
    crm = alignment.io.read_crm("hubspot", write_export(tmp_path, _names(tables)))
    assert ("deals", "Deal Stage", "deal without a stage", (1,)) in _issues(crm)
    at = crm.deals["deal_id"].tolist().index("802")
    assert not crm.deals["won"][at] and np.isnat(crm.deals["closed_at"][at])
    assert not any("without a stage" in i.problem for i in _read(tmp_path / "whole", HUBSPOT))


def _read(folder: Path, tables: dict[str, str]) -> alignment.io.DataIssues:
    return alignment.io.read_crm("hubspot", write_export(folder, _names(tables))).issues
