"""Write a Salesforce-style export of N persons from ``alignment.synthetic_crm`` (vectorised).

Usage::

    python benchmarks/make_salesforce_export.py                    # 10^6 persons, CSV
    python benchmarks/make_salesforce_export.py --n 100000 --out /tmp/sf --format parquet

The eight files of ``examples/exports/salesforce`` with the same columns and conventions (see
that folder's README.md and ``sf_format.py``, shared with its generator): Lead, Contact,
Campaign, CampaignMember, OpportunityContactRole and User as API exports (UTC instants
``2024-03-05T14:22:05.000+0000``, ``true``/``false``), Opportunity and Task as report exports
saved from a spreadsheet (naive America/New_York instants ``3/5/2024 2:22 PM``,
``TRUE``/``FALSE``, amounts ``$3,150.00`` or ``12,500.00``, byte-order mark, CRLF);
``LeadSource`` and ``Campaign.Type`` spelled three ways.  Parquet files hold the same text.

How the synthetic company becomes Salesforce objects:

* a person with a qualified (``sql_at``) date or a deal is a converted lead and a contact
  (converted at ``sql_at``, else at its first deal); about 8% of them are contacts with no
  lead row; the others are leads only; leads with no owner belong to a queue;
* touches are responded campaign members, one per person and campaign (the first touch;
  Salesforce keeps one membership per campaign); about 10% of persons also have a membership
  they never responded to; the campaign's ``Type`` is the touch channel, ``ActualCost`` the
  sum of the campaign's costs; direct touches (no campaign) belong to "Website - Direct";
* deals are opportunities, deal contacts contact roles, activities tasks (``WhoId`` the lead
  before the conversion, the contact after), owners and reps users.

Each file lists its rows by their creation instant, as Salesforce lists a query's rows (by
record id, which follows creation): a person's campaign members and tasks are spread over the
file.  ``--order person`` writes each person's records side by side instead, the order of the
exports measured in ``benchmarks/RESULTS.md`` before its section "Rows in creation order".

Totals written to ``totals.txt`` next to the files: won amount, cost, rows per file.
Requires PyArrow (CSV and Parquet writers).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples" / "exports"))

import sf_format as sf

import alignment

try:
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover
    sys.exit("make_salesforce_export.py needs PyArrow (pip install pyarrow)")

# ASCII columns (ids, instants, dates, amounts, flags) as bytes: a quarter of the memory
ids = partial(sf.sf_ids, text=False)
instant = partial(sf.api_datetime, text=False)
date = partial(sf.api_date, text=False)
report_time = partial(sf.report_datetime, text=False)
CREATED = "_created"  # (a table's creation instants, to order its rows; never written)
report_date = partial(sf.report_date, text=False)
money = partial(sf.money, text=False)
flags = partial(sf.flags, text=False)

TZ = "America/New_York"
DAY = np.timedelta64(86_400_000_000, "us")
OPEN_STAGES = np.array(["Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote"])
EXCEL = ("Opportunity", "Task")
Table = dict[str, Any]


# --------------------------------------------------------------------------- column helpers
# Text columns of millions of rows are factorised with PyArrow (hashing, no Python objects
# compared); the per-value work then runs once per distinct value.


def _factorize(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values as ``str`` with ``None`` -> empty)."""
    enc = pc.dictionary_encode(pa.array(values, type=pa.string()), null_encoding="encode")
    uniq = np.array([v or "" for v in enc.dictionary.to_pylist()], dtype=str)
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), uniq


def _text(values: Any) -> np.ndarray:
    """A text column as ``str`` (``None`` -> empty)."""
    codes, uniq = _factorize(values)
    return uniq[codes]


def _label(values: Any) -> np.ndarray:
    """``paid_search`` -> ``Paid Search`` (once per distinct value)."""
    codes, uniq = _factorize(values)
    return np.array([u.replace("_", " ").title() for u in uniq.tolist()], dtype=str)[codes]


def _index(keys: Any, values: Any) -> np.ndarray:
    """Position of each value in ``keys`` (every value is present)."""
    found = pc.index_in(pa.array(values, type=pa.string()), value_set=pa.array(keys, pa.string()))
    return found.to_numpy(zero_copy_only=False).astype(np.int64)


def _first_per(group: np.ndarray, size: int, values: np.ndarray) -> np.ndarray:
    """The smallest ``values`` (int64) per group (``iinfo.max`` where none)."""
    out = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, group, values)
    return out


class Persons:
    """Who is a lead, a contact or both, and the ids and dates that follow from it."""

    def __init__(self, crm: Any, rng: np.random.Generator) -> None:
        leads = crm.leads
        self.n = n = leads["lead_id"].size
        self.ids = leads["lead_id"]
        self.dc_deal = _index(crm.deals["deal_id"], crm.deal_contacts["deal_id"])
        self.dc_person = _index(self.ids, crm.deal_contacts["lead_id"])
        created = crm.deals["created_at"][self.dc_deal].view(np.int64)
        first_deal = _first_per(self.dc_person, n, created)
        sql_ok = ~np.isnat(leads["sql_at"])
        self.converted = sql_ok | (first_deal < np.iinfo(np.int64).max)
        self.conv_at = np.where(sql_ok, leads["sql_at"].view(np.int64), first_deal)
        self.conv_at = self.conv_at.view("datetime64[us]")
        self.conv_at[~self.converted] = np.datetime64("NaT")
        self.has_lead = ~(self.converted & (rng.random(n) < 0.08))
        self.lead_id = ids("Lead", np.arange(n))
        self.contact_id = ids("Contact", np.arange(n))
        self.account_id = ids("Account", _factorize(leads["account_id"])[0])
        spelling = rng.choice(3, n, p=(0.7, 0.15, 0.15))
        self.source = sf.mixed_spellings(_label(leads["source"]), spelling)

    def who(self, person: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(LeadId, ContactId) of records made at ``at``: the lead until the conversion."""
        conv = self.converted[person]
        as_lead = self.has_lead[person] & ~(conv & (at >= self.conv_at[person]))
        lead = np.where(as_lead, self.lead_id[person], b"")
        return lead, np.where(conv, self.contact_id[person], b"")


# --------------------------------------------------------------------------- objects


def users(crm: Any) -> tuple[Table, np.ndarray]:
    """User rows for every owner and rep, and their sorted logins (to look ids up)."""
    names = np.union1d(_factorize(crm.leads["owner"])[1], _factorize(crm.activities["rep"])[1])
    names = names[names != ""]
    first = np.array([x.split(".")[0].title() for x in names.tolist()], dtype=str)
    last = np.array([x.split(".")[-1].title() for x in names.tolist()], dtype=str)
    email = np.char.add(names, "@acme-demo.example.com")
    table = {
        "Id": ids("User", np.arange(names.size)),
        "Username": email,
        "FirstName": first,
        "LastName": last,
        "Name": np.char.add(np.char.add(first, " "), last),
        "Email": email,
        "Title": np.full(names.size, "Sales Representative"),
        "IsActive": flags(np.ones(names.size, dtype=bool)),
        "CreatedDate": instant(np.full(names.size, crm.start - 200 * DAY)),
    }
    return table, names


def _user_ids(logins: np.ndarray, names: Any) -> np.ndarray:
    """User ids of logins (``None``: the unassigned-leads queue)."""
    codes, uniq = _factorize(names)
    pos = np.searchsorted(logins, uniq).clip(0, max(logins.size - 1, 0))
    found = np.where(uniq == "", ids("Queue", [0])[0], ids("User", pos))
    return found[codes]


def campaigns(crm: Any) -> tuple[Table, np.ndarray]:
    """One campaign per distinct touch or cost campaign (direct touches: "Website - Direct"),
    and each touch's campaign position."""
    touch, names = _factorize(crm.touchpoints["campaign"])
    names = np.union1d(
        np.where(names == "(none)", "Website - Direct", names), _factorize(crm.costs["campaign"])[1]
    )
    raw = np.where(names == "Website - Direct", "(none)", names)
    touch = _index(raw, _factorize(crm.touchpoints["campaign"])[1])[touch]
    channel_code, channels = _factorize(crm.touchpoints["channel"])
    channel = np.zeros(names.size, dtype=np.int64)
    channel[touch[::-1]] = channel_code[::-1]  # the first touch's channel
    cost_of = _index(raw, crm.costs["campaign"])
    cost = np.bincount(cost_of, weights=crm.costs["cost"], minlength=names.size)
    start = np.full(names.size, crm.start)
    table = {
        "Id": ids("Campaign", np.arange(names.size)),
        "Name": names,
        "Type": sf.mixed_spellings(_label(channels[channel]), np.arange(names.size)),
        "Status": np.full(names.size, "In Progress"),
        "IsActive": flags(np.ones(names.size, dtype=bool)),
        "StartDate": date(start),
        "EndDate": date(np.full(names.size, crm.as_of)),
        "BudgetedCost": money(np.round(cost * 1.1, -2)),
        "ActualCost": money(cost),
        "OwnerId": ids("User", np.zeros(names.size, dtype=np.int64)),
        "CreatedDate": instant(start - 10 * DAY),
    }
    return table, touch


def leads_and_contacts(crm: Any, p: Persons, logins: np.ndarray) -> tuple[Table, Table]:
    """Lead rows (persons with a lead) and Contact rows (converted persons)."""
    L = crm.leads
    first_opp = np.full(p.n, b"", dtype="S18")
    order = np.argsort(p.dc_deal, kind="stable")[::-1]  # the first deal of a person wins
    first_opp[p.dc_person[order]] = ids("Opportunity", p.dc_deal[order])
    status = np.full(p.n, "Open - Not Contacted", dtype="U22")
    status[~np.isnat(L["assigned_at"])] = "Working - Contacted"
    status[~np.isnat(L["rejected_at"])] = "Closed - Not Converted"
    status[p.converted] = "Closed - Converted"
    size = np.asarray(L["company_size"], dtype=np.float64)
    owner = _user_ids(logins, L["owner"])
    names = {
        k: L[c]
        for k, c in (
            ("FirstName", "first_name"),
            ("LastName", "last_name"),
            ("Email", "email"),
            ("Title", "title"),
        )
    }
    lead = {
        "Id": p.lead_id,
        **names,
        "Company": L["company"],
        "Industry": _label(L["industry"]),
        "NumberOfEmployees": np.where(
            np.isnan(size), "", np.nan_to_num(size).astype(np.int64).astype(str)
        ),
        "Country": L["country"],
        "LeadSource": p.source,
        "Status": status,
        "OwnerId": owner,
        "IsConverted": flags(p.converted),
        "ConvertedContactId": np.where(p.converted, p.contact_id, b""),
        "ConvertedAccountId": np.where(p.converted, p.account_id, b""),
        "ConvertedOpportunityId": first_opp,
        "ConvertedDate": date(p.conv_at, TZ),
        "CreatedDate": instant(L["created_at"]),
        "MQL_Date__c": instant(L["mql_at"]),
        CREATED: L["created_at"],
    }
    c = p.converted
    queue = np.char.startswith(owner, sf.PREFIX["Queue"].encode())
    contact = {
        "Id": p.contact_id,
        "AccountId": p.account_id,
        **names,
        "LeadSource": p.source,
        "OwnerId": np.where(queue, ids("User", [0])[0], owner),  # a queue owns no contact
        "MailingCountry": L["country"],
        "CreatedDate": instant(np.where(p.has_lead, p.conv_at, L["created_at"])),
        CREATED: np.where(p.has_lead, p.conv_at, L["created_at"]),
    }
    return _rows(lead, "Lead", p.has_lead), _rows(contact, "Contact", c)


def _rows(table: Table, name: str, keep: Any) -> Table:
    """The object's columns in file order, for the kept rows (and their creation instants,
    :data:`CREATED`, when the table has them)."""
    names = [*sf.COLUMNS[name], *([CREATED] if CREATED in table else [])]
    return {k: np.asarray(table[k])[keep] for k in names}


def _in_order(table: Table, order: str) -> Table:
    """The rows as the export lists them: ``"created"``, by their creation instant (as
    Salesforce lists a query's rows without ``ORDER BY``, by record id, which follows creation);
    ``"person"``, each person's records side by side (as the figures of
    ``benchmarks/RESULTS.md`` up to its section "Rows in creation order" were read)."""
    rows: Any = slice(None)
    if order == "created" and CREATED in table:
        rows = np.argsort(np.asarray(table[CREATED]), kind="stable")
    return {k: np.asarray(v)[rows] for k, v in table.items() if k != CREATED}


def members(crm: Any, p: Persons, campaign: Table, touch_campaign: np.ndarray, rng: Any) -> Table:
    """CampaignMember rows: the first touch per person and campaign (responded), plus a
    membership without response for about 10% of persons."""
    n_campaigns = campaign["Id"].size
    person = _index(p.ids, crm.touchpoints["lead_id"])
    at = crm.touchpoints["timestamp"]
    key = person * n_campaigns + touch_campaign
    order = np.lexsort((at, key))
    keep = order[np.r_[True, key[order][1:] != key[order][:-1]]]
    extra = np.flatnonzero(rng.random(p.n) < 0.1)
    extra_campaign = rng.integers(0, n_campaigns, extra.size)
    new = ~np.isin(extra * n_campaigns + extra_campaign, key[keep])
    person = np.r_[person[keep], extra[new]]
    which = np.r_[touch_campaign[keep], extra_campaign[new]]
    created = np.r_[at[keep], crm.leads["created_at"][extra[new]] + DAY]
    responded = np.arange(person.size) < keep.size
    lead, contact = p.who(person, created)
    return {
        "Id": ids("CampaignMember", np.arange(person.size)),
        "CampaignId": campaign["Id"][which],
        "LeadId": lead,
        "ContactId": contact,
        "Status": np.where(responded, "Responded", "Sent"),
        "HasResponded": flags(responded),
        "FirstRespondedDate": np.where(responded, date(created, TZ), b""),
        "CreatedDate": instant(created),
        CREATED: created,
    }


def opportunities(crm: Any, p: Persons, logins: np.ndarray, rng: Any) -> tuple[Table, Table]:
    """Opportunity rows (report style) and OpportunityContactRole rows (API style)."""
    D, dc = crm.deals, crm.deal_contacts
    n = D["deal_id"].size
    person = _index(p.ids, D["lead_id"])
    won, closed = np.asarray(D["won"], bool), ~np.isnat(D["closed_at"])
    stage = np.where(won, "Closed Won", "Closed Lost").astype("U20")
    stage[~closed] = OPEN_STAGES[np.arange(n)[~closed] % OPEN_STAGES.size]
    close = np.where(closed, D["closed_at"], D["created_at"] + 45 * DAY)
    opp = {
        "Id": ids("Opportunity", np.arange(n)),
        "AccountId": p.account_id[person],
        "Name": np.char.add(_text(crm.leads["company"])[person], " - New Business"),
        "Type": np.full(n, "New Business"),
        "StageName": stage,
        "Amount": money(D["amount"], rng.random(n) < 0.7),
        "Probability": np.where(won, 100, np.where(closed, 0, 20)).astype(str),
        "CloseDate": report_date(close, TZ),
        "IsClosed": flags(closed, upper=True),
        "IsWon": flags(won, upper=True),
        "LeadSource": p.source[person],
        "CampaignId": np.full(n, ""),
        "OwnerId": _user_ids(logins, crm.leads["owner"])[person],
        "CreatedDate": report_time(D["created_at"], TZ),
        CREATED: D["created_at"],
    }
    roles = {
        "Id": ids("OpportunityContactRole", np.arange(p.dc_deal.size)),
        "OpportunityId": opp["Id"][p.dc_deal],
        "ContactId": p.contact_id[p.dc_person],
        "Role": _label(dc["role"]),
        "IsPrimary": flags(dc["is_primary"]),
        "CreatedDate": instant(D["created_at"][p.dc_deal]),
        CREATED: D["created_at"][p.dc_deal],
    }
    return opp, roles


def tasks(crm: Any, p: Persons, logins: np.ndarray) -> Table:
    """Task rows (report style): WhoId the lead before the conversion, the contact after."""
    A = crm.activities
    person = _index(p.ids, A["lead_id"])
    lead, contact = p.who(person, A["timestamp"])
    kind = _label(A["kind"])
    return {
        "Id": ids("Task", np.arange(person.size)),
        "WhoId": np.where(lead != b"", lead, contact),
        "WhatId": np.full(person.size, ""),
        "Subject": kind,
        "Type": kind,
        "TaskSubtype": np.where(kind == "Meeting", "Task", kind),
        "Status": np.full(person.size, "Completed"),
        "ActivityDate": report_date(A["timestamp"], TZ),
        "OwnerId": _user_ids(logins, A["rep"]),
        "CreatedDate": report_time(A["timestamp"], TZ),
        CREATED: A["timestamp"],
    }


def build(
    n: int, seed: int = 0, order: str = "created"
) -> tuple[dict[str, Table], dict[str, float]]:
    """The eight objects of ``synthetic_crm(n, seed)`` and its totals (won amount, cost), the
    rows of each in the ``order`` of :func:`_in_order`."""
    crm = alignment.synthetic_crm(n, seed=seed)
    rng = np.random.default_rng(seed)
    p = Persons(crm, rng)
    user, logins = users(crm)
    campaign, touch_campaign = campaigns(crm)
    lead, contact = leads_and_contacts(crm, p, logins)
    opp, roles = opportunities(crm, p, logins, rng)
    files = {
        "User": user,
        "Campaign": campaign,
        "Lead": lead,
        "Contact": contact,
        "Opportunity": opp,
        "OpportunityContactRole": roles,
        "CampaignMember": members(crm, p, campaign, touch_campaign, rng),
        "Task": tasks(crm, p, logins),
    }
    totals = {
        "won_amount": float(crm.deals["amount"][np.asarray(crm.deals["won"], bool)].sum()),
        "actual_cost": float(crm.costs["cost"].sum()),
    }
    return {k: _in_order(_rows(files[k], k, slice(None)), order) for k in sf.COLUMNS}, totals


def _arrow(values: Any) -> Any:
    """A column as an Arrow string array (bytes columns lose numpy's NUL padding)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "S":
        return pa.array(arr).cast(pa.string())
    return pc.fill_null(pa.array(arr, type=pa.string()), "")


def write(files: dict[str, Table], out: Path, fmt: str) -> None:
    """Each object as ``<Name>.csv`` (every field quoted; BOM and CRLF for the report files)
    or ``<Name>.parquet`` (the same text)."""
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    for name, cols in files.items():
        table = pa.table({k: _arrow(v) for k, v in cols.items()})
        if fmt == "parquet":
            pq.write_table(table, out / f"{name}.parquet")
            continue
        excel = name in EXCEL
        opts = pcsv.WriteOptions(
            quoting_style="all_valid", quoting_header="all_valid", eol="\r\n" if excel else "\n"
        )
        with open(out / f"{name}.csv", "wb") as fh:
            if excel:
                fh.write("\ufeff".encode())
            pcsv.write_csv(table, fh, write_options=opts)


def write_totals(out: Path, files: dict[str, Table], totals: dict[str, float]) -> str:
    """``totals.txt``: won amount, cost and rows per file, as ``key = value`` lines."""
    lines = [f"{k} = {v:.2f}" for k, v in totals.items()]
    lines += [f"rows.{name} = {next(iter(cols.values())).size}" for name, cols in files.items()]
    text = "\n".join(lines) + "\n"
    (out / "totals.txt").write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of persons")
    parser.add_argument("--out", type=Path, default=None, help="folder (default: a temp one)")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--order",
        choices=("created", "person"),
        default="created",
        help="rows by creation instant, as real exports list them (default), or by person",
    )
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.gettempdir()) / f"sf_export_{args.n}_{args.format}"
    t0 = time.perf_counter()
    files, totals = build(args.n, args.seed, args.order)
    t1 = time.perf_counter()
    write(files, out, args.format)
    t2 = time.perf_counter()
    text = write_totals(out, files, totals)
    print(f"{args.n:,} persons -> {out} ({args.format})")
    print(f"  build {t1 - t0:6.1f} s   write {t2 - t1:6.1f} s   total {t2 - t0:6.1f} s")
    print("  " + text.rstrip().replace("\n", "\n  "))


if __name__ == "__main__":
    main()
