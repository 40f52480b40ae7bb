"""Small hand-written CRM exports with the mess real ones have (as CSV text)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

SALESFORCE: dict[str, str] = {
    "Lead": """Id,CreatedDate,Email,Company,LeadSource,Status,IsConverted,ConvertedContactId,ConvertedAccountId,ConvertedDate,OwnerId,Title,Industry,NumberOfEmployees,Country
00Q1,2024-01-02T09:00:00Z,ann@acme.com,Acme,Paid Search,Converted,true,0031,0011,2024-02-01,0051,CTO,Software,"1,200",US
00Q2,2024-01-03T10:00:00Z,bob@beta.com,Beta,paid search,Open,false,,,,0052,VP,Retail,50,DE
00Q3,2024-01-04T11:00:00Z,cy@gamma.com,Gamma,Webinar,Open,0,,,,0099,,,,
00Q4,2024-01-05T11:00:00Z,eve@eps.com,Eps,Paid Search,Open,1,0038,0018,2024-01-20,0051,CEO,,,
""",
    "Contact": """Id,CreatedDate,Email,AccountId,LeadSource,OwnerId,Title,MailingCountry
0031,2024-02-01T12:00:00Z,ann@acme.com,0011,Paid Search,0051,,US
0032,2024-01-10T08:00:00Z,dee@delta.com,0012,Referral,0052,CFO,FR
""",
    "Opportunity": """Id,AccountId,Name,Amount,CreatedDate,CloseDate,IsWon,IsClosed,StageName,OwnerId
0061,0011,Acme deal,"$3,150.00",2024-02-05T00:00:00Z,2024-03-01,true,true,Closed Won,0051
0062,0011,Acme upsell,"12,500.00",2024-03-05T00:00:00Z,2024-04-01,1,1,Closed Won,0051
0063,0012,Delta deal,"5,000.00",2024-02-10T00:00:00Z,2024-05-01,false,false,Negotiation,0052
0064,0013,Orphan deal,"1,000.00",2024-02-11T00:00:00Z,2024-02-28,0,1,Closed Lost,0052
""",
    "OpportunityContactRole": """OpportunityId,ContactId,Role,IsPrimary
0061,0031,Decision Maker,true
0062,0031,Decision Maker,true
0062,0032,Influencer,false
0063,0032,Economic Buyer,true
0063,0039,Other,false
0069,0031,Other,false
""",
    "Campaign": """Id,Name,Type,ActualCost
7011,Spring Search,Paid Search,"$2,000.00"
7012,Q1 Webinar,webinar,500
7013,Newsletter,Email,
""",
    "CampaignMember": """CampaignId,ContactId,LeadId,HasResponded,FirstRespondedDate,CreatedDate,Status
7011,,00Q1,true,2024-01-02,2024-01-02T09:00:00Z,Clicked
7012,0031,00Q1,true,,2024-01-20T15:00:00Z,Attended
7011,,00Q2,true,2024-01-05,2024-01-03T10:00:00Z,Clicked
7013,0032,,false,,2024-01-11T08:00:00Z,Sent
7012,,00Q9,true,2024-01-21,2024-01-21T00:00:00Z,Attended
7014,,00Q3,true,2024-01-22,2024-01-22T00:00:00Z,Visited
""",
    "Task": """WhoId,ActivityDate,CreatedDate,TaskSubtype,Type,OwnerId,Status,CallDisposition
00Q1,2024-01-03,2024-01-03T10:00:00Z,Call,Call,0051,Completed,Connected
0031,,2024-02-02T10:00:00Z,Email,,0051,Completed,
00Q2,2024-01-04,2024-01-04T10:00:00Z,,Call,0052,Completed,No answer
003X,2024-01-05,2024-01-05T10:00:00Z,Call,,0052,Completed,
,2024-01-06,2024-01-06T10:00:00Z,Call,,0052,Completed,
""",
    "User": """Id,Name
0051,Alice Rep
0052,Bob Rep
""",
}

HUBSPOT: dict[str, str] = {
    "contacts": """Record ID,Create Date,Email,Became a Marketing Qualified Lead Date,Became a Sales Qualified Lead Date,Original Source,Company Name,Associated Company ID,Contact owner,Job Title
1522,2024-01-02 09:00,ann@acme.com,2024-01-05 10:00,2024-01-20 10:00,Paid Search,Acme,901,Alice Rep,CTO
1506,2024-01-03 10:00,bob@beta.com,2024-01-06 11:00,,paid search,Beta,902,Bob Rep,VP
1530,2024-01-04 11:00,cy@gamma.com,,,ORGANIC_SEARCH,Gamma,903,,
1530,2024-01-04 11:00,cy@gamma.com,,,ORGANIC_SEARCH,Gamma,903,,
""",
    "deals": """Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Associated Contact IDs,Associated Company IDs
801,Acme deal,Closed Won,"$3,150.00",2024-03-01 12:00,2024-02-05 09:00,1522;1506,901
802,Acme upsell,closedwon,"12,500.00",2024-04-01 12:00,2024-03-05 09:00,1522,901;902
803,Gamma deal,appointmentscheduled,"5,000.00",,2024-02-10 09:00,1530,903
804,Lost deal,Closed Lost,"1,000.00",2024-02-28 12:00,2024-02-11 09:00,,
805,Ghost deal,Closed Lost,200,2024-02-28 12:00,2024-02-11 09:00,1999,
""",
    "interactions": """lead_id,timestamp,channel,campaign,kind
1522,2024-01-02 09:00,Paid Search,Spring Search,click
1522,2024-01-10 09:00,Webinar,Q1 Webinar,attended
1506,2024-01-03 10:00,paid search,spring search,click
1999,2024-01-03 10:00,Email,Newsletter,open
1530,2024-01-04 10:00,,Newsletter,open
""",
    "activities": """lead_id,timestamp,kind,rep,outcome
1522,2024-01-03 10:00,call,Alice Rep,connected
1999,2024-01-03 10:00,call,Alice Rep,no answer
""",
    "costs": """campaign,channel,cost,period
Spring Search,Paid Search,"$2,000.00",2024-01
Q1 Webinar,Webinar,500,2024-01
Newsletter,Email,,2024-01
""",
}


def write_export(folder: Path, tables: dict[str, str], ext: str = ".csv") -> Path:
    """Write ``tables`` as files ``<name><ext>`` in ``folder`` (``.csv``, ``.csv.gz``)."""
    import gzip

    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        path = folder / f"{name}{ext}"
        if ext.endswith(".gz"):
            with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
                fh.write(text)
        else:
            path.write_text(text, encoding="utf-8")
    return folder


def columns_of(text: str) -> dict[str, np.ndarray]:
    """A CSV text as columns of ``str`` (``None`` for an empty cell), as written."""
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    return {
        h: np.array([r[i] if r[i] != "" else None for r in body], dtype=object)
        for i, h in enumerate(header)
    }


def frames(tables: dict[str, str], backend: str) -> dict[str, Any]:
    """The tables as frames of ``backend`` (``"pandas"``, ``"polars"``, ``"pyarrow"``, ``"dict"``)."""
    from alignment._frames import to_native

    return {name: to_native(columns_of(text), backend) for name, text in tables.items()}


def assert_same_crm(a: Any, b: Any) -> None:
    """Two bundles hold the same tables (values, dtypes, row order) and the same currency."""
    for name in ("leads", "touchpoints", "deals", "deal_contacts", "activities", "costs"):
        ta, tb = getattr(a, name), getattr(b, name)
        assert list(ta) == list(tb), name
        for col in ta:
            x, y = ta[col], tb[col]
            assert x.dtype == y.dtype, (name, col, x.dtype, y.dtype)
            if x.dtype.kind == "f":
                np.testing.assert_array_equal(x, y, err_msg=f"{name}.{col}")
            else:
                assert x.tolist() == y.tolist(), (name, col, x, y)
    assert a.currency == b.currency
    assert a.source == b.source


def issue_set(crm: Any, perms: dict[str, np.ndarray] | None = None) -> set[tuple[Any, ...]]:
    """The issues as a set, rows mapped back through ``perms`` (table -> original row per row)."""
    out = set()
    for i in crm.issues:
        rows = np.asarray(i.rows, dtype=np.int64)
        if perms and i.table in perms:
            rows = perms[i.table][rows]
        out.add((i.table, i.column, i.problem, i.action, frozenset(rows.tolist())))
    return out


def left_out(crm: Any, table: str) -> set[int]:
    """Rows of an export table that the issues say were left out (not used)."""
    rows: set[int] = set()
    for i in crm.issues:
        if i.table == table and (i.action.startswith(("left out", "not a cost"))):
            rows.update(i.rows)
    return rows


def person_ids(tables: dict[str, dict[str, np.ndarray]]) -> list[str]:
    """Plain-Python oracle: the person id of every person record (a converted lead's is its
    contact's), Salesforce or HubSpot column names."""
    out = []
    for name, cols in tables.items():
        if name in ("Lead", "Contact"):
            links = cols.get("ConvertedContactId", [None] * len(cols["Id"]))
            out += [link or own for own, link in zip(cols["Id"].tolist(), list(links))]
        elif name == "contacts":
            out += cols["Record ID"].tolist()
    return out


def with_parts(parts: int, read: Callable[[], Any]) -> Any:
    """``read()`` with every uncompressed CSV file cut in ``parts`` parts, however small
    (``alignment._sources._read_in_parts``)."""
    import alignment._sources as sources

    saved = sources.PART_MIN, sources.n_threads
    sources.PART_MIN, sources.n_threads = 1, lambda: parts
    try:
        return read()
    finally:
        sources.PART_MIN, sources.n_threads = saved
