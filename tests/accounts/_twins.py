"""Plain-Python twins of the account matching: one value, one lead at a time.

Written from the rules of ``docs/accounts.md``, not from the vectorised code: the tests check
that both give the same answers.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

SUFFIXES = {
    "inc", "incorporated", "corp", "corporation", "co", "company", "cos", "llc", "llp", "lp",
    "lc", "pllc", "ltd", "limited", "plc", "pty", "pte", "pvt", "ulc", "gmbh", "mbh", "ag",
    "kg", "kgaa", "se", "sa", "sas", "sarl", "sl", "sau", "srl", "spa", "bv", "nv", "oy",
    "oyj", "ab", "as", "asa", "aps", "kk", "kft", "zrt", "sro", "doo", "sp", "zoo",
}  # fmt: skip
PLACEHOLDERS = {
    "na",
    "n a",
    "none",
    "null",
    "nil",
    "unknown",
    "not applicable",
    "not provided",
    "test",
}


def missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def fold_domain(v: Any) -> str | None:
    if missing(v):
        return None
    s = str(v).strip().lower()
    if s.startswith("mailto:"):
        s = s[len("mailto:") :]
    if "://" in s:
        s = s.split("://", 1)[1]
        for sep in "/?#":
            s = s.split(sep, 1)[0]
        s = s.rsplit("@", 1)[-1]
    else:
        s = s.rsplit("@", 1)[-1]
        for sep in "/?#":
            s = s.split(sep, 1)[0]
    s = s.split(":", 1)[0].strip(" .<>\"'")
    if s.startswith("www."):
        s = s[4:]
    if s.find(".") <= 0 or " " in s or ".." in s:
        return None
    return s


def _char(c: str) -> str:
    if c in ".'’":
        return ""
    if c in string.punctuation or c.isspace():
        return " "
    return c


def fold_name(v: Any) -> str | None:
    if missing(v):
        return None
    s = str(v)
    if any(ord(c) > 127 for c in s):
        s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
        s = s.casefold()
    s = "".join(_char(c) for c in s.lower())
    words = [w for w in s.split(" ") if w and w != "and"]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    out = " ".join(words).strip()
    return None if out in PLACEHOLDERS or not out else out


def _groups(keys: Iterable[tuple[str | None, Any]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for key, account in keys:
        if key is not None:
            out.setdefault(key, []).append(account)
    return out


def indel_score(a: str, b: str) -> float:
    """``2·LCS(a, b) / (len(a) + len(b))``, the LCS by dynamic programming (one division)."""
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b):
            cur.append(prev[j] + 1 if ca == cb else max(prev[j + 1], cur[j]))
        prev = cur
    return 2 * prev[-1] / (len(a) + len(b))


def match_one(
    lead: dict[str, Any],
    domains: dict[str, list[Any]],
    names: dict[str, list[Any]],
    *,
    by: Sequence[str],
    threshold: float,
    fuzzy: bool,
    free: set[str],
) -> tuple[list[Any], str, float]:
    """(tied or single accounts, method, score) of one lead."""
    for step in by:
        if step == "domain":
            d = fold_domain(lead.get("email"))
            if d is not None and d not in free and d in domains:
                return domains[d], "domain", 1.0
            continue
        n = fold_name(lead.get("company"))
        if n is None:
            continue
        if n in names:
            return names[n], "name", 1.0
        if not fuzzy:
            continue
        best, tied = 0.0, []
        for other, accounts in names.items():
            if other[:3] != n[:3]:
                continue
            score = indel_score(n, other)
            if score < threshold:
                continue
            if score > best:
                best, tied = score, list(accounts)
            elif score == best:
                tied += accounts
        if tied:
            return tied, "name", best
    return [], "none", 0.0


def match(
    leads: list[dict[str, Any]],
    accounts: list[dict[str, Any]],
    *,
    by: Sequence[str] = ("domain", "name"),
    threshold: float = 0.9,
    fuzzy: bool = True,
    free: Iterable[str] = (),
) -> list[tuple[Any, str, float, bool, list[Any]]]:
    """Per lead: (account id or None, method, score, ambiguous, sorted candidates if tied)."""
    domains = _groups(
        (fold_domain(a.get("domain")) or fold_domain(a.get("website")), a["account_id"])
        for a in accounts
    )
    names = _groups((fold_name(a.get("name")), a["account_id"]) for a in accounts)
    out = []
    free_set = set(free)
    for lead in leads:
        tied, method, score = match_one(
            lead, domains, names, by=by, threshold=threshold, fuzzy=fuzzy, free=free_set
        )
        single = tied[0] if len(tied) == 1 else None
        many = sorted(tied, key=str) if len(tied) > 1 else []
        out.append((single, method, score, len(tied) > 1, many))
    return out
