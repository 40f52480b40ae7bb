"""Lead-to-account matching: :func:`match` (by e-mail domain, then by company name)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._colnames import name_it_with
from .._frames import Categorical, factorize, read_table
from .._lookup import lookup
from .._params import check_flag, is_number, is_option
from .._segments import gather_segments
from ..errors import MissingColumnError, ParameterError, reject_rows
from ._fold import FREE_MAIL_DOMAINS, domain_keys, fold_domains, name_keys
from ._fuzzy import _offsets, fuzzy_pairs, require_rapidfuzz
from ._result import METHODS, AccountMatch, _decoded, is_missing

__all__ = ["DEFAULT_COLUMNS", "DEFAULT_THRESHOLD", "STEPS", "match"]

DEFAULT_THRESHOLD = 0.9
"""The lowest fuzzy score of a name match.  A score of 0.9 allows one edit (a typo, a missing
letter) per ten characters or so: ``"acme software"`` matches ``"acme sofware"`` (0.96) while
short names that differ by a letter stay apart (``"acme"`` / ``"acne"``: 0.75)."""

STEPS = ("domain", "name")
"""The matching steps: ``"domain"`` (e-mail domain = account domain or website) and ``"name"``
(folded company name = folded account name, exactly or fuzzily)."""

DEFAULT_COLUMNS: dict[str, str] = {
    "lead_id": "lead_id",
    "email": "email",
    "company": "company",
    "account_id": "account_id",
    "domain": "domain",
    "website": "website",
    "name": "name",
}
"""Role → column read: the leads' ``lead_id``, ``email``, ``company``; the accounts'
``account_id``, ``domain`` and/or ``website``, ``name``.  Override with ``columns=``."""

_Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]  # lead key, account key, score


@dataclass
class _State:
    """The decisions so far, per lead row."""

    n: int
    account: np.ndarray = field(init=False)
    method: np.ndarray = field(init=False)
    score: np.ndarray = field(init=False)
    ambiguous: np.ndarray = field(init=False)
    tied: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.account = np.full(self.n, -1, dtype=np.int64)
        self.method = np.zeros(self.n, dtype=np.int8)
        self.score = np.zeros(self.n, dtype=np.float64)
        self.ambiguous = np.zeros(self.n, dtype=bool)


@dataclass(frozen=True)
class _Keys:
    """Folded keys of one side and, for the accounts, their rows grouped by key."""

    key: Categorical
    order: np.ndarray  # rows sorted by key (keyed rows only)
    offsets: np.ndarray  # CSR offsets of each key in ``order``

    @classmethod
    def of(cls, key: Categorical, *, grouped: bool = True) -> _Keys:
        """``grouped=False``: the key only (the leads need no grouping)."""
        if not grouped:
            return cls(key, np.empty(0, np.int64), np.zeros(1, np.int64))
        keyed = np.flatnonzero(key.codes >= 0)
        order, offsets = _offsets(key.codes[keyed].astype(np.int64), key.n_categories)
        return cls(key, keyed[order], offsets)


def _check_by(by: Any) -> tuple[str, ...]:
    steps = (by,) if isinstance(by, str) else tuple(by) if isinstance(by, Iterable) else None
    if not steps or not all(is_option(s, STEPS) for s in steps) or len(set(steps)) != len(steps):
        raise ParameterError(
            f"by must name the steps 'domain' and/or 'name', each once, got {by!r}"
        )
    return steps


def _check_threshold(threshold: Any) -> float:
    if not is_number(threshold) or isinstance(threshold, bool) or not 0 < threshold <= 1:
        raise ParameterError(
            f"threshold must be a number in (0, 1], got {threshold!r}; the default, "
            f"{DEFAULT_THRESHOLD}, allows about one edit per ten characters"
        )
    return float(threshold)


def _free_domains(free_mail: Any) -> np.ndarray:
    if free_mail is None:
        return np.asarray(sorted(FREE_MAIL_DOMAINS), dtype=object)
    if isinstance(free_mail, (str, bytes)) or not isinstance(free_mail, Collection):
        raise ParameterError(
            f"free_mail must be a collection of domains, got {free_mail!r}; "
            "extend the default with FREE_MAIL_DOMAINS | {'example.net'}"
        )
    given = list(free_mail)
    bad = [d for d in given if not isinstance(d, str)]
    folded = fold_domains(np.asarray([d for d in given if isinstance(d, str)], dtype=object))
    bad += [d for d, f in zip(given, folded) if f is None]
    if bad:
        raise ParameterError(f"free_mail holds values that are not domains: {bad[:5]!r}")
    return np.asarray(sorted(set(folded.tolist())), dtype=object)


def _column_names(columns: Mapping[str, str] | None) -> dict[str, str]:
    names = dict(DEFAULT_COLUMNS)
    if columns:
        unknown = sorted(set(columns) - set(names))
        if unknown:
            raise ParameterError(f"unknown column roles {unknown}; known: {sorted(names)}")
        names.update(columns)
    return names


def _columns_fix(names: Mapping[str, str], roles: Mapping[str, str | None]) -> dict[str, str]:
    """Per column of ``roles`` (role → the step that does without it, if any), how to supply
    it when missing: ``columns={role: ...}``, or matching by the other step alone."""
    out = {}
    for role, other in roles.items():  # a loop over a table's few roles
        fix = name_it_with(f"columns={{{role!r}: 'your_column'}}")
        out[names[role]] = fix + (f", or match by={other!r} alone" if other else "")
    return out


def _ids(values: Any, *, column: str, table: str, unique: bool) -> np.ndarray:
    """The id column, decoded into the result's own array (never a view of the caller's
    column); missing ids (and repeated ones when ``unique``) are refused."""
    ids = np.array(_decoded(values), copy=True)
    cat = factorize(values, column=column, table=table)
    if unique:
        repeated = np.bincount(cat.codes, minlength=cat.n_categories)[cat.codes] > 1
        reject_rows(
            repeated,
            "repeated account id: a lead matched to it would name two accounts",
            column=column,
            values=ids,
            table=table,
            fix="keep one row per account",
        )
    return ids


def _read_leads(
    leads: Any, steps: tuple[str, ...], names: Mapping[str, str]
) -> tuple[np.ndarray, dict[str, _Keys], str]:
    wanted = {"domain": "email", "name": "company"}
    required = [names["lead_id"], *(names[wanted[s]] for s in steps)]
    fix = _columns_fix(names, {"lead_id": None, "email": "name", "company": "domain"})
    raw = read_table(leads, table="leads", required=required, fix=fix)
    ids = _ids(raw.columns[names["lead_id"]], column=names["lead_id"], table="leads", unique=False)
    keys: dict[str, _Keys] = {}
    if "domain" in steps:
        col = names["email"]
        keys["domain"] = _Keys.of(
            domain_keys(raw.columns[col], column=col, table="leads"), grouped=False
        )
    if "name" in steps:
        col = names["company"]
        keys["name"] = _Keys.of(
            name_keys(raw.columns[col], column=col, table="leads"), grouped=False
        )
    return ids, keys, raw.backend


def _account_domains(raw: Any, names: Mapping[str, str]) -> Categorical:
    """The accounts' folded domain: the ``domain`` column, else the ``website`` column."""
    present = [names[r] for r in ("domain", "website") if names[r] in raw.columns]
    if not present:
        raise MissingColumnError(
            "the accounts have neither a domain nor a website column",
            column=names["domain"],
            table="accounts",
            fix="add one, map it with columns={'domain': ...}, or match by=('name',)",
        )
    folded = [domain_keys(raw.columns[c], column=c, table="accounts").values() for c in present]
    combined = folded[0]
    for more in folded[1:]:
        combined = np.where(is_missing(combined), more, combined)
    return factorize(combined, column=present[0], table="accounts", allow_missing=True)


def _read_accounts(
    accounts: Any, steps: tuple[str, ...], names: Mapping[str, str]
) -> tuple[np.ndarray, dict[str, _Keys]]:
    required = [names["account_id"]] + ([names["name"]] if "name" in steps else [])
    optional = [names["domain"], names["website"]] if "domain" in steps else []
    fix = _columns_fix(names, {"account_id": None, "name": "domain"})
    raw = read_table(accounts, table="accounts", required=required, optional=optional, fix=fix)
    col = names["account_id"]
    ids = _ids(raw.columns[col], column=col, table="accounts", unique=True)
    keys: dict[str, _Keys] = {}
    if "domain" in steps:
        keys["domain"] = _Keys.of(_account_domains(raw, names))
    if "name" in steps:
        col = names["name"]
        keys["name"] = _Keys.of(name_keys(raw.columns[col], column=col, table="accounts"))
    return ids, keys


def _open_keys(state: _State, lead: _Keys) -> np.ndarray:
    """Per lead key: whether an undecided lead has it."""
    used = np.zeros(lead.key.n_categories, dtype=bool)
    codes = lead.key.codes
    used[codes[(state.method == 0) & (codes >= 0)]] = True
    return used


def _exact_pairs(lead: _Keys, account: _Keys, usable: np.ndarray) -> tuple[_Pairs, np.ndarray]:
    """Pairs of equal keys (score 1), and which lead keys found one."""
    pos, found = lookup(account.key.categories, lead.key.categories)
    found &= usable
    keys = np.flatnonzero(found)
    return (keys, pos[keys], np.ones(keys.size)), found


def _step_pairs(
    step: str, state: _State, lead: _Keys, account: _Keys, free: np.ndarray, fuzzy: float | None
) -> _Pairs:
    usable = _open_keys(state, lead)
    if step == "domain":  # a free-mail domain never names an employer
        usable &= ~np.isin(lead.key.categories, free)
        return _exact_pairs(lead, account, usable)[0]
    (keys, choice, score), found = _exact_pairs(lead, account, usable)
    if fuzzy is None:
        return keys, choice, score
    rest = np.flatnonzero(usable & ~found)
    q, c, s = fuzzy_pairs(lead.key.categories[rest], account.key.categories, fuzzy)
    return (
        np.concatenate([keys, rest[q]]),
        np.concatenate([choice, c]),
        np.concatenate([score, s]),
    )


def _settle(state: _State, step: str, lead: _Keys, account: _Keys, pairs: _Pairs) -> None:
    """Decide the undecided leads whose key has pairs: one account, or a tie (ambiguous)."""
    keys, choice, score = pairs
    n_keys = lead.key.n_categories
    per_choice = np.diff(account.offsets)
    n_accounts = np.bincount(keys, weights=per_choice[choice], minlength=n_keys)
    best = np.zeros(n_keys)
    best[keys] = score  # (every pair of a key has the key's best score)
    first = np.zeros(n_keys, dtype=np.int64)
    first[keys] = account.order[account.offsets[choice]]
    codes = lead.key.codes
    rows = np.flatnonzero((state.method == 0) & (codes >= 0))
    rows = rows[n_accounts[codes[rows]] > 0]
    tie = n_accounts[codes[rows]] > 1
    state.method[rows] = METHODS.index(step)
    state.score[rows] = best[codes[rows]]
    state.ambiguous[rows] = tie
    state.account[rows[~tie]] = first[codes[rows[~tie]]]
    tied = rows[tie]
    by_key, key_offsets = _offsets(keys, n_keys)
    sub, idx = gather_segments(key_offsets, codes[tied])
    pair_rows = np.repeat(tied, np.diff(sub))
    sub, idx = gather_segments(account.offsets, choice[by_key][idx])
    state.tied.append((np.repeat(pair_rows, np.diff(sub)), account.order[idx]))


def _keyless(keys: Mapping[str, _Keys], n: int) -> np.ndarray:
    """Rows of the accounts with no usable key for any step."""
    reachable = np.zeros(n, dtype=bool)
    for k in keys.values():
        reachable |= k.key.codes >= 0
    return np.flatnonzero(~reachable)


def _inputs(leads: Any, accounts: Any) -> tuple[Any, Any]:
    from .._crm import is_crm

    if is_crm(leads):
        if accounts is None:
            accounts = getattr(leads, "accounts", None)
        leads = leads.leads
    if accounts is None:
        raise ParameterError(
            "match needs the accounts: a table with account_id, domain or website, and name"
        )
    return leads, accounts


def match(
    leads: Any,
    accounts: Any = None,
    *,
    by: str | Iterable[str] = STEPS,
    threshold: float = DEFAULT_THRESHOLD,
    fuzzy: bool = True,
    free_mail: Collection[str] | None = None,
    columns: Mapping[str, str] | None = None,
) -> AccountMatch:
    """Match every lead to an account: by e-mail domain, then by company name.

    Steps run in the order of ``by``; a lead decided by one step (matched, or ambiguous) is
    not looked at by the next.

    * ``"domain"``: the folded domain of the lead's e-mail equals the folded ``domain`` (else
      ``website``) of exactly one account (score 1).  Free-mail domains
      (:data:`~alignment.accounts.FREE_MAIL_DOMAINS`) never match.
    * ``"name"``: the folded company name (legal suffixes, punctuation, case and accents
      folded: ``"Acme, Inc."`` = ``"ACME Inc"`` = ``"Acme"``) equals the folded name of an
      account (score 1); failing that, the most similar folded account name sharing its first
      three characters, with ``score = 2·LCS / (len(a) + len(b)) >= threshold``
      (rapidfuzz's ``fuzz.ratio / 100``, taken as its exact fraction: a score equal to the
      threshold as written, ``8/25`` at ``0.32``, matches).

    Several accounts at a lead's best score (two accounts with one domain or one folded name,
    or a fuzzy tie) make the lead **ambiguous**: no account is chosen, and
    ``to_frame("candidates")`` lists the tied accounts.  The result does not depend on the
    order of the rows of either table.

    Parameters
    ----------
    leads : frame, dict of arrays, records or CRMData
        ``lead_id`` and, per step, ``email`` and ``company``.  A CRMData gives its leads (and
        its accounts, when it carries an ``accounts`` table and none are passed).
    accounts : frame, dict of arrays or records
        ``account_id`` (unique), ``domain`` and/or ``website``, ``name``.
    by : sequence of {"domain", "name"}, default ("domain", "name")
        The steps, in order.
    threshold : float, default 0.9
        The lowest fuzzy score of a name match, in ``(0, 1]``
        (:data:`~alignment.accounts.DEFAULT_THRESHOLD` says why 0.9).
    fuzzy : bool, default True
        Fuzzy name matching (needs rapidfuzz, the ``accounts`` extra); ``False``: exact folded
        names only.
    free_mail : collection of str, optional
        Domains that never match by domain; default
        :data:`~alignment.accounts.FREE_MAIL_DOMAINS`.
    columns : mapping, optional
        Role → column overrides (keys of :data:`~alignment.accounts.DEFAULT_COLUMNS`).

    Returns
    -------
    AccountMatch

    Raises
    ------
    MissingColumnError
        A column a step needs is absent.
    DataValidationError
        A missing lead or account id, a repeated account id, or a value that is not text.
    ParameterError
        An unknown step, a threshold outside ``(0, 1]``, a ``fuzzy`` that is not ``True`` or
        ``False``, a bad ``free_mail`` or column role.
    ImportError
        Fuzzy matching without rapidfuzz installed.

    Examples
    --------
    >>> from alignment.accounts import match
    >>> leads = {"lead_id": ["l1", "l2", "l3"],
    ...          "email": ["jo@acme.com", "al@gmail.com", "mo@gmail.com"],
    ...          "company": ["Acme", "Globex Corp.", "Initech"]}
    >>> accounts = {"account_id": ["A", "G"], "website": ["https://www.acme.com", None],
    ...             "name": ["Acme, Inc.", "Globex"]}
    >>> m = match(leads, accounts)
    >>> m.account_id.tolist(), m.method.tolist()
    (['A', 'G', None], ['domain', 'name', 'none'])
    """
    leads, accounts = _inputs(leads, accounts)
    steps = _check_by(by)
    cutoff = _check_threshold(threshold)
    names = _column_names(columns)
    free = _free_domains(free_mail)
    fuzzy = check_flag(fuzzy, "fuzzy")
    if fuzzy and "name" in steps:
        require_rapidfuzz()
    lead_ids, lead_keys, backend = _read_leads(leads, steps, names)
    account_ids, account_keys = _read_accounts(accounts, steps, names)
    state = _State(lead_ids.size)
    for step in steps:  # a loop over the (two) steps
        lead, account = lead_keys[step], account_keys[step]
        pairs = _step_pairs(step, state, lead, account, free, cutoff if fuzzy else None)
        _settle(state, step, lead, account, pairs)
    tied_rows = np.concatenate([np.empty(0, np.int64), *(r for r, _ in state.tied)])
    tied_accounts = np.concatenate([np.empty(0, np.int64), *(a for _, a in state.tied)])
    order = np.lexsort((tied_accounts, tied_rows))
    return AccountMatch(
        ids=lead_ids,
        account_ids=account_ids,
        account=state.account,
        method_code=state.method,
        score=state.score,
        ambiguous=state.ambiguous,
        candidate_rows=tied_rows[order],
        candidate_accounts=tied_accounts[order],
        keyless_accounts=_keyless(account_keys, account_ids.size),
        threshold=cutoff,
        by=steps,
        lead_column=names["lead_id"],
        backend=backend,
    )
