"""Lead-to-account matching: which account (company) each lead belongs to.

>>> import alignment
>>> leads = {"lead_id": ["l1", "l2"], "email": ["jo@acme.com", "al@gmail.com"],
...          "company": ["Acme", "ACME Inc"]}
>>> accounts = {"account_id": ["A"], "domain": ["acme.com"], "name": ["Acme, Inc."]}
>>> alignment.accounts.match(leads, accounts).method.tolist()
['domain', 'name']

A lead is matched by its e-mail domain against the accounts' domains or websites, then by its
company name against the accounts' names (folded, then fuzzily with rapidfuzz, the
``accounts`` extra).  Ties are marked ambiguous, never guessed.  See ``docs/accounts.md``.
"""

from __future__ import annotations

from ._fold import FREE_MAIL_DOMAINS, LEGAL_SUFFIXES, PLACEHOLDER_NAMES, fold_domains, fold_names
from ._fuzzy import BLOCK_CHARS
from ._match import DEFAULT_COLUMNS, DEFAULT_THRESHOLD, STEPS, match
from ._result import METHODS, AccountMatch

__all__ = [
    "BLOCK_CHARS",
    "DEFAULT_COLUMNS",
    "DEFAULT_THRESHOLD",
    "FREE_MAIL_DOMAINS",
    "LEGAL_SUFFIXES",
    "METHODS",
    "PLACEHOLDER_NAMES",
    "STEPS",
    "AccountMatch",
    "fold_domains",
    "fold_names",
    "match",
]
