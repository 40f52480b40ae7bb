"""How a Salesforce export writes its values: ids, instants, dates, amounts, flags, picklists.

Shared by ``make_examples.py`` (the small example export next to this file) and by
``benchmarks/make_salesforce_export.py`` (the same conventions at 10^6 persons), so both write
the same columns the same way.  numpy and the standard library only; every function works on
whole columns (the Python loops run over *distinct* values: minutes, days, amounts).

Two styles of export are imitated:

* **API** (Data Loader, Bulk API): instants in UTC as ``2024-03-05T14:22:05.000+0000``,
  dates as ``2024-03-05``, flags ``true``/``false``, plain amounts;
* **report** (a report exported to CSV and saved again from a spreadsheet): naive local
  instants as ``3/5/2024 2:22 PM`` in the user's time zone, dates as ``3/5/2024``, flags
  ``TRUE``/``FALSE``, amounts ``$3,150.00`` or ``12,500.00``.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

#: the columns of each object, in file order (API field names)
COLUMNS: dict[str, tuple[str, ...]] = {
    "User": (
        "Id", "Username", "FirstName", "LastName", "Name", "Email", "Title", "IsActive",
        "CreatedDate",
    ),
    "Campaign": (
        "Id", "Name", "Type", "Status", "IsActive", "StartDate", "EndDate", "BudgetedCost",
        "ActualCost", "OwnerId", "CreatedDate",
    ),
    "Lead": (
        "Id", "FirstName", "LastName", "Email", "Company", "Title", "Industry",
        "NumberOfEmployees", "Country", "LeadSource", "Status", "OwnerId", "IsConverted",
        "ConvertedContactId", "ConvertedAccountId", "ConvertedOpportunityId", "ConvertedDate",
        "CreatedDate", "MQL_Date__c",
    ),
    "Contact": (
        "Id", "AccountId", "FirstName", "LastName", "Email", "Title", "LeadSource", "OwnerId",
        "MailingCountry", "CreatedDate",
    ),
    "Opportunity": (
        "Id", "AccountId", "Name", "Type", "StageName", "Amount", "Probability", "CloseDate",
        "IsClosed", "IsWon", "LeadSource", "CampaignId", "OwnerId", "CreatedDate",
    ),
    "OpportunityContactRole": (
        "Id", "OpportunityId", "ContactId", "Role", "IsPrimary", "CreatedDate",
    ),
    "CampaignMember": (
        "Id", "CampaignId", "LeadId", "ContactId", "Status", "HasResponded",
        "FirstRespondedDate", "CreatedDate",
    ),
    "Task": (
        "Id", "WhoId", "WhatId", "Subject", "Type", "TaskSubtype", "Status", "ActivityDate",
        "OwnerId", "CreatedDate",
    ),
}  # fmt: skip

#: the style of each object's file (see the module docstring)
STYLE: dict[str, str] = {
    "User": "api",
    "Campaign": "api",
    "Lead": "api",
    "Contact": "api",
    "OpportunityContactRole": "api",
    "CampaignMember": "api",
    "Opportunity": "report",
    "Task": "report",
}

#: key prefixes of the objects' record ids
PREFIX = {
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "OpportunityContactRole": "00K",
    "Lead": "00Q",
    "Task": "00T",
    "User": "005",
    "Queue": "00G",
    "CampaignMember": "00v",
    "Campaign": "701",
}

_B62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
_SUFFIX = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", np.uint8)
_SPREAD = 387_420_489  # coprime with 62**5: numbers 0 .. 62**5-1 map to distinct codes


def sf_ids(obj: str, numbers: Any) -> np.ndarray:
    """18-character record ids such as ``00Q5e00000AbCdEEAO`` (a distinct id per number).

    The 15-character id (key prefix, pod ``5e``, ``00000``, five base-62 characters spread
    from the number) gets Salesforce's case-safe suffix: for each block of five characters, a
    letter from ``A..Z0..5`` whose bits mark the block's upper-case letters.
    """
    n = np.asarray(numbers, dtype=np.int64).ravel()
    code = ((n + 1) * _SPREAD) % 62**5
    head = np.frombuffer((PREFIX[obj] + "5e00000").encode(), np.uint8)
    chars = np.empty((n.size, 18), dtype=np.uint8)
    chars[:, :10] = head
    for k in range(5):  # five base-62 digits, least significant last
        chars[:, 14 - k] = _B62[(code // 62**k) % 62]
    upper = (chars[:, :15] >= ord("A")) & (chars[:, :15] <= ord("Z"))
    bits = upper.reshape(-1, 3, 5) @ (1 << np.arange(5))
    chars[:, 15:] = _SUFFIX[bits]
    return chars.view("S18").ravel().astype(str).astype(object)


def _text(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    out = values.astype(object)
    out[missing] = ""
    return out


def api_datetime(t: np.ndarray) -> np.ndarray:
    """UTC instants as ``2024-03-05T14:22:05.000+0000`` (``NaT`` -> empty)."""
    t = np.asarray(t, dtype="datetime64[s]")
    s = np.datetime_as_string(t, unit="s")
    return _text(np.char.add(s, ".000+0000"), np.isnat(t))


def api_date(t: np.ndarray, tz: str | None = None) -> np.ndarray:
    """The (local) date of instants as ``2024-03-05`` (``NaT`` -> empty)."""
    t = np.asarray(t, dtype="datetime64[us]")
    day = local(t, tz).astype("datetime64[D]") if tz else t.astype("datetime64[D]")
    return _text(np.datetime_as_string(day), np.isnat(t))


def local(t: np.ndarray, tz: str) -> np.ndarray:
    """UTC instants as naive local wall-clock instants of ``tz`` (offsets looked up once per
    distinct UTC hour; they change on whole hours in the zones used here)."""
    t = np.asarray(t, dtype="datetime64[us]")
    ok = ~np.isnat(t)
    hours, inverse = np.unique(t[ok].astype("datetime64[h]"), return_inverse=True)
    zone = ZoneInfo(tz)
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    offsets = np.array(
        [
            (epoch + timedelta(hours=int(h))).astimezone(zone).utcoffset() // timedelta(minutes=1)
            for h in hours.astype(np.int64)
        ],
        dtype=np.int64,
    )
    out = t.copy()
    out[ok] = t[ok] + offsets[inverse.ravel()].astype("timedelta64[m]")
    return out


def _by_distinct(keys: np.ndarray, ok: np.ndarray, fmt: Any) -> np.ndarray:
    """``fmt`` applied once per distinct key, spread back to the rows (missing -> empty)."""
    out = np.full(keys.shape, "", dtype=object)
    uniq, inverse = np.unique(keys[ok], return_inverse=True)
    texts = np.array([fmt(u) for u in uniq.tolist()] + [""], dtype=object)
    out[ok] = texts[inverse.ravel()]
    return out


def report_datetime(t: np.ndarray, tz: str) -> np.ndarray:
    """UTC instants as naive local ``3/5/2024 2:22 PM`` in ``tz`` (``NaT`` -> empty)."""
    wall = local(t, tz).astype("datetime64[m]")

    def fmt(d: datetime) -> str:
        hour = d.hour % 12 or 12
        return f"{d.month}/{d.day}/{d.year} {hour}:{d.minute:02d} {'PM' if d.hour >= 12 else 'AM'}"

    return _by_distinct(wall, ~np.isnat(wall), fmt)


def report_date(t: np.ndarray, tz: str) -> np.ndarray:
    """The local date of UTC instants as ``3/5/2024`` (``NaT`` -> empty)."""
    day = local(t, tz).astype("datetime64[D]")
    return _by_distinct(day, ~np.isnat(day), lambda d: f"{d.month}/{d.day}/{d.year}")


def money(amounts: np.ndarray, dollar: np.ndarray | bool = False) -> np.ndarray:
    """Amounts as ``12,500.00``, or ``$12,500.00`` where ``dollar`` is true (NaN -> empty)."""
    x = np.round(np.asarray(amounts, dtype=np.float64), 2)
    ok = ~np.isnan(x)
    plain = _by_distinct(x, ok, lambda v: f"{v:,.2f}")
    sign = np.broadcast_to(np.asarray(dollar, dtype=bool), x.shape)
    return np.where(sign & ok, np.char.add("$", plain.astype(str)).astype(object), plain)


def flags(values: np.ndarray, upper: bool = False) -> np.ndarray:
    """Booleans as ``true``/``false`` (API) or ``TRUE``/``FALSE`` (spreadsheet)."""
    yes, no = ("TRUE", "FALSE") if upper else ("true", "false")
    return np.where(np.asarray(values, dtype=bool), yes, no).astype(object)


def spellings(label: str) -> tuple[str, str, str]:
    """The three spellings of one picklist value met in real orgs: ``Paid Search``,
    ``paid search`` and ``PAID_SEARCH``."""
    return label, label.lower(), label.upper().replace(" ", "_")


def mixed_spellings(labels: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """Each label in one of its :func:`spellings`, chosen by ``draw`` (0, 1 or 2 per row;
    labels of one word have two distinct spellings only)."""
    labels = np.asarray(labels, dtype=object)
    uniq, inverse = np.unique(labels.astype(str), return_inverse=True)
    table = np.array([spellings(u) for u in uniq.tolist()], dtype=object).reshape(-1, 3)
    out = table[inverse.ravel(), np.asarray(draw, dtype=np.int64) % 3]
    return np.where(labels == "", "", out).astype(object)


def write_csv(
    path: Path,
    columns: Mapping[str, Sequence[Any]],
    *,
    excel: bool = False,
    quote_all: bool = True,
) -> None:
    """Write one table, every field quoted as Salesforce does (``quote_all=False``: only
    where needed, as HubSpot does).

    ``excel=True`` imitates a file saved again from a spreadsheet: a UTF-8 byte-order mark
    and ``CRLF`` line ends.
    """
    names = list(columns)
    rows = zip(*(np.asarray(columns[c], dtype=object).tolist() for c in names))
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    with open(path, "w", encoding="utf-8-sig" if excel else "utf-8", newline="") as fh:
        out = csv.writer(fh, quoting=quoting, lineterminator="\r\n" if excel else "\n")
        out.writerow(names)
        out.writerows(rows)
