"""The HubSpot preset: contacts and deals by property label or internal name."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from io_exports import (
    HUBSPOT,
    assert_same_crm,
    columns_of,
    frames,
    issue_set,
    left_out,
    person_ids,
    write_export,
)

import alignment
from alignment.errors import DataValidationError, ParameterError

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


def test_a_primary_contact_not_among_the_deals_contacts_is_listed(tmp_path: Path) -> None:
    """A primary contact not among the deal's Associated Contact IDs is never silently
    ignored: the deal is listed, its first listed contact primary (as with no primary)."""
    tables = dict(HUBSPOT)
    header, rest = tables["deals"].split("\n", 1)
    named = ["1530", "1522", "", "", ""]  # (801 lists "1522;1506"; 802 lists "1522")
    rows = [f"{line},{p}" for line, p in zip(rest.strip().split("\n"), named)]
    tables["deals"] = header + ",Primary Contact\n" + "\n".join(rows) + "\n"
    crm = alignment.io.read_crm(
        "hubspot",
        write_export(tmp_path, tables),
        columns={"deals": {"Primary Contact": "primary_contact_id"}},
    )
    dc = crm.deal_contacts
    first = dc["deal_id"] == "801"
    assert dict(zip(dc["lead_id"][first].tolist(), dc["is_primary"][first].tolist())) == {
        "1506": False,
        "1522": True,
    }
    assert crm.conversions["lead_id"].tolist() == ["1522", "1522"]
    problem = "deal whose primary contact is not among its contacts"
    assert ("deals", "Primary Contact", problem, (0,)) in _issues(crm)


_FLAGGED_DEALS = """Record ID,Deal Stage,Amount,Close Date,Create Date,Associated Contact IDs,Is Closed Won
1,Contract Signed,1000,2024-03-20,2024-03-10,1522,true
2,Closed Won,2000,2024-03-20,2024-03-10,1506,false
3,Closed Lost,3000,2024-03-20,2024-03-10,1530,true
4,Negotiation,500,2024-03-20,2024-03-10,1530,false
"""


def test_a_mapped_won_flag_decides_over_the_stage(tmp_path: Path) -> None:
    """A won flag mapped with columns= is read (a mapping never does nothing): the preset's
    won stages no longer decide, the deals whose stage says otherwise are listed."""
    folder = write_export(tmp_path, {"contacts": HUBSPOT["contacts"], "deals": _FLAGGED_DEALS})
    crm = alignment.io.read_crm(
        "hubspot", folder, tz="UTC", columns={"deals": {"Is Closed Won": "won"}}
    )
    d = crm.deals
    assert d["won"].tolist() == [True, False, True, False]
    assert (~np.isnat(d["closed_at"])).tolist() == [True, False, True, False]
    assert crm.conversions["revenue"].sum() == 4000.0
    issues = _issues(crm)
    won_stage = "deal in a won stage whose won flag is false"
    assert ("deals", "Deal Stage", won_stage, (1,)) in issues
    assert ("deals", "Deal Stage", "won deal in a lost stage", (2,)) in issues
    with pytest.raises(ParameterError, match="won_stages") as info:
        alignment.io.read_crm(
            "hubspot",
            folder,
            tz="UTC",
            columns={"deals": {"Is Closed Won": "won"}},
            won_stages="Contract Signed",
        )
    assert "'deals.Is Closed Won'" in str(info.value)


def test_current_property_labels(tmp_path: Path) -> None:
    """HubSpot's current labels of hs_analytics_source and associatedcompanyid."""
    contacts = "Record ID,Create Date,Original Traffic Source,Primary Associated Company ID\n"
    contacts += "101,2024-03-01,Paid Search,9001\n102,2024-03-02,Organic Search,\n"
    deals = HUBSPOT["deals"].split("\n", 1)[0] + "\n"
    folder = write_export(tmp_path, {"contacts": contacts, "deals": deals})
    crm = alignment.io.read_crm("hubspot", folder, tz="UTC")
    assert crm.leads["source"].tolist() == ["Paid Search", "Organic Search"]
    assert crm.leads["account_id"].tolist() == ["9001", None]


def test_number_of_employees_is_read_as_its_band(tmp_path: Path) -> None:
    """HubSpot's Number of Employees is a dropdown of ranges: its text, never a number."""
    contacts = "Record ID,Create Date,Number of Employees\n"
    contacts += "101,2024-03-01,25-50\n102,2024-03-02,1000+\n103,2024-03-03,\n"
    deals = HUBSPOT["deals"].split("\n", 1)[0] + "\n"
    folder = write_export(tmp_path, {"contacts": contacts, "deals": deals})
    crm = alignment.io.read_crm("hubspot", folder, tz="UTC")
    assert crm.leads["company_size_band"].tolist() == ["25-50", "1000+", None]
    assert "company_size" not in crm.leads


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


# -- association columns as columns of lists (Parquet, Arrow, Polars, pandas ArrowDtype) --

CONTACT_IDS, COMPANY_IDS = "Associated Contact IDs", "Associated Company IDs"


def _arrow(columns: dict[str, Any] | None = None, table: str = "deals") -> dict[str, Any]:
    """The export as PyArrow tables of strings, the columns of ``table`` in ``columns``
    replaced by the Arrow arrays given."""
    pa = pytest.importorskip("pyarrow")
    out = {
        n: pa.table({k: pa.array(v.tolist(), pa.string()) for k, v in columns_of(t).items()})
        for n, t in HUBSPOT.items()
    }
    t = out[table]
    for name, column in (columns or {}).items():
        t = t.set_column(t.column_names.index(name), name, column)
    out[table] = t
    return out


def _lists(cells: list[Any], kind: str) -> Any:
    """A column of lists of ``kind`` (``"int64"``, ``"string"``, ``"float64"`` ...)."""
    pa = pytest.importorskip("pyarrow")
    return pa.array(cells, pa.list_(getattr(pa, kind)()))


def _split(cell: str | None, kind: str) -> list[Any] | None:
    """A cell of ids joined with ';' as the list of its ids (``None``: an empty cell)."""
    if cell is None:
        return None
    return [int(x) if kind == "int64" else x for x in cell.split(";")]


def _inputs(tables: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The same tables as Parquet files, PyArrow tables, Polars (eager and lazy) and pandas
    (``ArrowDtype``) frames."""
    pq = pytest.importorskip("pyarrow.parquet")
    folder.mkdir()
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet")
    out: dict[str, Any] = {"parquet": folder, "pyarrow": tables}
    with contextlib.suppress(ImportError):
        import polars as pl

        out["polars"] = {k: pl.from_arrow(v) for k, v in tables.items()}
        out["polars lazy"] = {k: v.lazy() for k, v in out["polars"].items()}
    with contextlib.suppress(ImportError):
        import pandas as pd

        out["pandas"] = {k: v.to_pandas(types_mapper=pd.ArrowDtype) for k, v in tables.items()}
    return out


def _pairs(crm: alignment.io.CRMData) -> list[tuple[str, str, bool]]:
    dc = crm.deal_contacts
    return list(zip(dc["deal_id"].tolist(), dc["lead_id"].tolist(), dc["is_primary"].tolist()))


@pytest.mark.parametrize("kind", ["int64", "string"])
def test_association_columns_of_lists_read_as_the_ids_they_list(tmp_path: Path, kind: str) -> None:
    """``[1522, 1506]`` is read as the cell ``"1522;1506"`` is: one association per element
    (one row of the deal contacts per pair, the first primary); ``[901, 902]``: the first
    company kept, listed."""
    ref = alignment.io.read_crm("hubspot", write_export(tmp_path / "csv", HUBSPOT))
    assert _pairs(ref) == [
        ("801", "1506", False),
        ("801", "1522", True),
        ("802", "1522", True),
        ("803", "1530", True),
    ]
    deals = columns_of(HUBSPOT["deals"])
    lists = {
        c: _lists([_split(x, kind) for x in deals[c]], kind) for c in (CONTACT_IDS, COMPANY_IDS)
    }
    assert lists[CONTACT_IDS].to_pylist()[0] == _split("1522;1506", kind)
    for name, src in _inputs(_arrow(lists), tmp_path / "lists").items():
        crm = alignment.io.read_crm("hubspot", src)
        assert_same_crm(ref, crm)
        assert issue_set(crm) == issue_set(ref), name


def test_null_and_empty_lists_are_deals_without_contact_and_null_ids_are_listed(
    tmp_path: Path,
) -> None:
    """A null or empty list is a deal without ids, as an empty cell is (the deal kept and
    listed); a null or blank element is listed and left out, the list's other ids read."""
    pa = pytest.importorskip("pyarrow")
    text = pa.array(["1522", None, None, None, "1999"], pa.string())
    ref = alignment.io.read_crm("hubspot", _arrow({CONTACT_IDS: text}))
    missing = ("deals", CONTACT_IDS, "missing id in a list of ids")
    lists = _lists([[1522, None], None, [], [None], [1999]], "int64")
    for name, src in _inputs(_arrow({CONTACT_IDS: lists}), tmp_path / "lists").items():
        crm = alignment.io.read_crm("hubspot", src)
        assert_same_crm(ref, crm)
        assert crm.deals["deal_id"].tolist() == ["801", "802", "803", "804", "805"], name
        assert _pairs(crm) == [("801", "1522", True)], name
        issues = _issues(crm)
        assert ("deals", "Record ID", "deal with no contact", (1, 2, 3, 4)) in issues, name
        assert issues - _issues(ref) == {(*missing, (0, 3))}, name
    blank = _lists([["1522", " "], [""], ["1522"], None, ["1999"]], "string")
    issues = _issues(alignment.io.read_crm("hubspot", _arrow({CONTACT_IDS: blank})))
    assert (*missing, (0, 1)) in issues
    assert ("deals", "Record ID", "deal with no contact", (1, 3, 4)) in issues


def test_ids_in_lists_are_checked_as_ids_naming_the_rows_of_the_file(tmp_path: Path) -> None:
    """Whole floats are the ids they hold; a float that is not whole is refused, as in a
    column of ids, naming the row of the file (once, for two such ids); an id holding the
    separator is refused (it would be read as several)."""
    whole = _lists([[1522.0, 1506.0], [1522.0], [1530.0], None, [1999.0]], "float64")
    ref = alignment.io.read_crm("hubspot", write_export(tmp_path / "csv", HUBSPOT))
    assert _pairs(alignment.io.read_crm("hubspot", _arrow({CONTACT_IDS: whole}))) == _pairs(ref)
    floats = _lists([[1522.0, 1506.0], [1522.5, 1506.5], [1530.0], None, [1999.0]], "float64")
    for name, src in _inputs(_arrow({CONTACT_IDS: floats}), tmp_path / "floats").items():
        with pytest.raises(DataValidationError, match="not a whole number") as info:
            alignment.io.read_crm("hubspot", src)
        err = info.value
        assert (err.table, err.column, err.rows, err.n_rows) == ("deals", CONTACT_IDS, [1], 1)
        assert err.value == 1522.5, name
    joined = _lists([["1522;1506"], ["1522"], ["1530"], None, ["1999"]], "string")
    with pytest.raises(DataValidationError, match="holds the separator ';'") as info:
        alignment.io.read_crm("hubspot", _arrow({CONTACT_IDS: joined}))
    assert (info.value.column, info.value.rows, info.value.value) == (CONTACT_IDS, [0], "1522;1506")


@pytest.mark.parametrize(
    ("table", "column"),
    [("deals", "Deal Name"), ("contacts", "Associated Company ID"), ("deals", CONTACT_IDS)],
)
def test_other_columns_of_lists_are_still_refused(tmp_path: Path, table: str, column: str) -> None:
    """A column of lists feeding one of our columns that holds one value per row (a deal's
    name, a contact's company), or a column of lists of lists, is refused naming it."""
    pa = pytest.importorskip("pyarrow")
    cells = [None if v is None else [v] for v in columns_of(HUBSPOT[table])[column].tolist()]
    kind = pa.list_(pa.string())
    if column == CONTACT_IDS:  # (lists of lists: no single values)
        cells, kind = [None if c is None else [c] for c in cells], pa.list_(kind)
    tables = _arrow({column: pa.array(cells, kind)}, table)
    for name, src in _inputs(tables, tmp_path / "lists").items():
        with pytest.raises(DataValidationError, match="several values per cell") as info:
            alignment.io.read_crm("hubspot", src)
        assert (info.value.table, info.value.column) == (table, column), name


def test_a_contact_listing_several_companies_keeps_the_first_and_is_listed(
    tmp_path: Path,
) -> None:
    """A contact's "Associated Company IDs" may list several companies, as a deal's do: the
    first listed is its account, and the contact is in the issues (never an account id
    "901;902" made of both)."""
    tables = dict(HUBSPOT)
    contacts = columns_of(tables["contacts"])
    first = (
        contacts["Associated Company ID"]
        .tolist()
        .index(next(v for v in contacts["Associated Company ID"].tolist() if v))
    )
    lines = tables["contacts"].splitlines()
    cells = lines[first + 1].split(",")
    at = lines[0].split(",").index("Associated Company ID")
    company = cells[at]
    cells[at] = f'"{company};999"'
    lines[first + 1] = ",".join(cells)
    tables["contacts"] = "\n".join(lines) + "\n"
    crm = alignment.io.read_crm("hubspot", write_export(tmp_path, _names(tables)))
    assert ("contacts", "Associated Company ID", "several companies", (first,)) in _issues(crm)
    person = crm.leads["lead_id"].tolist().index(contacts["Record ID"].tolist()[first])
    assert crm.leads["account_id"][person] == company
    assert not any(";" in str(v) for v in crm.leads["account_id"].tolist())


_CURRENCY_DEALS = """Record ID,Deal Name,Deal Stage,Amount,Deal Currency Code,Amount in company currency,Close Date,Create Date,Associated Contact IDs
801,A,Closed Won,100,{0},110,2024-03-01 12:00,2024-02-05 09:00,1522
802,B,closedwon,200,{1},200,2024-04-01 12:00,2024-03-05 09:00,1522
803,C,closedwon,30000,{2},201,2024-04-01 12:00,2024-03-05 09:00,1506
"""


def test_deal_currency_code(tmp_path: Path) -> None:
    """The "Deal Currency Code" of each deal: several currencies are refused without rates=
    and converted row by row with them; "Amount in company currency" is not read."""
    costs = HUBSPOT["costs"].replace('"$2,000.00"', "2000")  # (no currency named)

    def read(codes: tuple[str, ...], name: str, **options: Any) -> Any:
        tables = dict(HUBSPOT, costs=costs, deals=_CURRENCY_DEALS.format(*codes))
        return alignment.io.read_crm("hubspot", write_export(tmp_path / name, tables), **options)

    one = read(("EUR", "EUR", "EUR"), "one")
    assert one.currency == "EUR" and one.deals["amount"].tolist() == [100.0, 200.0, 30000.0]
    with pytest.raises(DataValidationError, match="several currencies") as info:
        read(("EUR", "USD", "JPY"), "several")
    assert (info.value.table, info.value.column, info.value.rows) == (
        "deals",
        "Deal Currency Code",
        [1, 2],
    )
    crm = read(("EUR", "USD", "JPY"), "rates", rates={"EUR": 1.1, "USD": 1.0, "JPY": 0.0067})
    assert crm.deals["amount"].tolist() == pytest.approx([110.0, 200.0, 201.0])
    assert crm.currency is None
    company = read(
        ("EUR", "USD", "JPY"),
        "company",
        columns={
            "deals": {
                "Amount in company currency": "amount",
                "Amount": None,
                "Deal Currency Code": None,
            }
        },
    )
    assert company.deals["amount"].tolist() == [110.0, 200.0, 201.0]


def test_lost_deal_without_a_close_date_is_listed(tmp_path: Path) -> None:
    """A lost deal with no Close Date: kept as lost, its close instant not known, listed."""
    tables = dict(HUBSPOT, deals=HUBSPOT["deals"].replace("200,2024-02-28 12:00", "200,"))
    crm = alignment.io.read_crm("hubspot", write_export(tmp_path, tables))
    assert ("deals", "Close Date", "lost deal without a close date", (4,)) in _issues(crm)
    k = crm.deals["deal_id"].tolist().index("805")
    assert np.isnat(crm.deals["closed_at"][k]) and not crm.deals["won"][k]


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_a_contact_exported_twice_with_other_values_is_listed(
    tmp_path: Path, order: tuple[int, int]
) -> None:
    """Two rows of one Record ID: the earliest created row's values, whatever the file's
    order; created at once, the first in the file's, and the other row's values listed."""
    head = "Record ID,Create Date,Email,Original Source,Company Name,Contact owner\n"
    rows = [
        "1522,2024-01-02 09:00,ann@acme.com,Paid Search,Acme,Alice Rep\n",
        "1522,2024-01-01 09:00,ann@acme.org,Referral,Acme Inc,Bob Rep\n",
    ]
    contacts = head + "".join(rows[i] for i in order)
    crm = alignment.io.read_crm("hubspot", write_export(tmp_path, dict(HUBSPOT, contacts=contacts)))
    person = crm.leads["lead_id"].tolist().index("1522")
    assert crm.leads["email"][person] == "ann@acme.org"  # (the earliest created)
    later = order.index(0)  # (the row of the later one in the file)
    disagree = {
        i.column: i.rows
        for i in crm.issues
        if i.problem == "records of one person disagree on this column"
    }
    assert disagree == dict.fromkeys(
        ["Email", "Original Source", "Company Name", "Contact owner"], (later,)
    )
    same = contacts.replace("2024-01-01 09:00", "2024-01-02 09:00")
    crm = alignment.io.read_crm(
        "hubspot", write_export(tmp_path / "b", dict(HUBSPOT, contacts=same))
    )
    first = crm.leads["email"][crm.leads["lead_id"].tolist().index("1522")]
    assert first == rows[order[0]].split(",")[2]  # (created at once: the first in the file)
    assert {i.rows for i in crm.issues if i.column == "Email"} == {(1,)}
