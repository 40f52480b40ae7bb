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


def _out(chars: np.ndarray, missing: Any = None, text: bool = True) -> np.ndarray:
    """Rows of ASCII codes (an ``(n, width)`` uint8 matrix) as strings; missing -> empty.

    ``text=False`` keeps them as bytes (``S`` arrays: a quarter of the memory, for millions
    of rows).
    """
    out = chars.view(f"S{chars.shape[1]}").ravel()
    if missing is not None:
        out = np.where(missing, b"", out)
    return out.astype(f"U{chars.shape[1]}") if text else out


def sf_ids(obj: str, numbers: Any, *, text: bool = True) -> np.ndarray:
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
    return _out(chars, text=text)


def _template(pattern: bytes, n: int) -> np.ndarray:
    return np.tile(np.frombuffer(pattern, np.uint8), (n, 1))


def _put(chars: np.ndarray, col: int, values: np.ndarray, width: int) -> None:
    """Write zero-padded decimal ``values`` into columns ``col .. col+width-1``."""
    for k in range(width):
        chars[:, col + width - 1 - k] = 48 + (values // 10**k) % 10


def _ymd(day: np.ndarray, chars: np.ndarray) -> None:
    """``YYYY-MM-DD`` of ``datetime64[D]`` days into the first ten columns."""
    month = day.astype("datetime64[M]")
    _put(chars, 0, month.astype("datetime64[Y]").astype(np.int64) + 1970, 4)
    _put(chars, 5, month.astype(np.int64) % 12 + 1, 2)
    _put(chars, 8, (day - month.astype("datetime64[D]")).astype(np.int64) + 1, 2)


def api_datetime(t: Any, *, text: bool = True) -> np.ndarray:
    """UTC instants as ``2024-03-05T14:22:05.000+0000`` (``NaT`` -> empty)."""
    sec = np.asarray(t, dtype="datetime64[s]").ravel()
    missing = np.isnat(sec)
    sec = np.where(missing, np.datetime64(0, "s"), sec)
    day = sec.astype("datetime64[D]")
    clock = (sec - day).astype(np.int64)
    chars = _template(b"0000-00-00T00:00:00.000+0000", sec.size)
    _ymd(day, chars)
    for col, value in ((11, clock // 3600), (14, clock // 60 % 60), (17, clock % 60)):
        _put(chars, col, value, 2)
    return _out(chars, missing, text)


def api_date(t: Any, tz: str | None = None, *, text: bool = True) -> np.ndarray:
    """The (local) date of instants as ``2024-03-05`` (``NaT`` -> empty)."""
    t = np.asarray(t, dtype="datetime64[us]").ravel()
    day = (local(t, tz) if tz else t).astype("datetime64[D]")
    missing = np.isnat(day)
    chars = _template(b"0000-00-00", t.size)
    _ymd(np.where(missing, np.datetime64(0, "D"), day), chars)
    return _out(chars, missing, text)


def local(t: Any, tz: str) -> np.ndarray:
    """UTC instants as naive local wall-clock instants of ``tz`` (the offset is looked up once
    per hour of the covered span; offsets change on whole hours in the zones used here)."""
    t = np.asarray(t, dtype="datetime64[us]")
    ok = ~np.isnat(t)
    if not ok.any():
        return t.copy()
    hours = t[ok].astype("datetime64[h]").astype(np.int64)
    first = int(hours.min())
    zone = ZoneInfo(tz)
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    offsets = np.array(
        [
            (epoch + timedelta(hours=h)).astimezone(zone).utcoffset() // timedelta(minutes=1)
            for h in range(first, int(hours.max()) + 1)
        ],
        dtype=np.int64,
    )
    out = t.copy()
    out[ok] = t[ok] + offsets[hours - first].astype("timedelta64[m]")
    return out


def _by_distinct(keys: np.ndarray, fmt: Any, text: bool) -> np.ndarray:
    """``fmt`` applied once per distinct integer-like key (``datetime64`` minutes or days),
    spread back to the rows; ``NaT`` -> empty.  No sort: the keys index their span."""
    ok = ~np.isnat(keys)
    codes = keys[ok].astype(np.int64)
    first = int(codes.min()) if codes.size else 0
    used = np.zeros(int(codes.max()) - first + 1 if codes.size else 0, dtype=bool)
    used[codes - first] = True
    seen = np.flatnonzero(used)
    at = np.full(used.size, -1, dtype=np.int64)
    at[seen] = np.arange(seen.size)
    values = (seen + first).astype(keys.dtype).tolist()
    texts = np.array([fmt(v) for v in values] + [""], dtype="U" if text else "S")
    out = np.full(keys.shape, -1, dtype=np.int64)
    out[ok] = at[codes - first]
    return texts[out]


def report_datetime(t: Any, tz: str, *, text: bool = True) -> np.ndarray:
    """UTC instants as naive local ``3/5/2024 2:22 PM`` in ``tz`` (``NaT`` -> empty)."""

    def fmt(d: datetime) -> str:
        hour = d.hour % 12 or 12
        return f"{d.month}/{d.day}/{d.year} {hour}:{d.minute:02d} {'PM' if d.hour >= 12 else 'AM'}"

    return _by_distinct(local(t, tz).astype("datetime64[m]"), fmt, text)


def report_date(t: Any, tz: str, *, text: bool = True) -> np.ndarray:
    """The local date of UTC instants as ``3/5/2024`` (``NaT`` -> empty)."""
    day = local(t, tz).astype("datetime64[D]")
    return _by_distinct(day, lambda d: f"{d.month}/{d.day}/{d.year}", text)


def money(amounts: Any, dollar: Any = False, *, text: bool = True) -> np.ndarray:
    """Amounts as ``12,500.00``, or ``$12,500.00`` where ``dollar`` is true (NaN -> empty)."""
    x = np.round(np.asarray(amounts, dtype=np.float64), 2)
    ok = ~np.isnan(x)
    uniq, inverse = np.unique(x[ok], return_inverse=True)
    plain = [f"{v:,.2f}" for v in uniq.tolist()] + [""]
    texts = np.array([plain, [f"${v}" for v in plain[:-1]] + [""]], dtype="U" if text else "S")
    code = np.full(x.shape, -1, dtype=np.int64)
    code[ok] = inverse.ravel()
    sign = np.broadcast_to(np.asarray(dollar, dtype=bool), x.shape) & ok
    return texts[sign.astype(np.int64), code]


def flags(values: Any, upper: bool = False, *, text: bool = True) -> np.ndarray:
    """Booleans as ``true``/``false`` (API) or ``TRUE``/``FALSE`` (spreadsheet)."""
    yes, no = ("TRUE", "FALSE") if upper else ("true", "false")
    out = np.where(np.asarray(values, dtype=bool), yes, no)
    return out if text else out.astype("S5")


def spellings(label: str) -> tuple[str, str, str]:
    """The three spellings of one picklist value met in real orgs: ``Paid Search``,
    ``paid search`` and ``PAID_SEARCH``."""
    return label, label.lower(), label.upper().replace(" ", "_")


def mixed_spellings(labels: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """Each label in one of its :func:`spellings`, chosen by ``draw`` (0, 1 or 2 per row;
    labels of one word have two distinct spellings only)."""
    uniq, inverse = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    table = np.array([spellings(u) if u else ("", "", "") for u in uniq.tolist()], dtype=str)
    return table[inverse.ravel(), np.asarray(draw, dtype=np.int64) % 3]


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
