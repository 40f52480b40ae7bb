"""Conversions read from the caller's table: won deals only, and the contacts of each deal.

A table that looks like deals (it has ``won``, or ``stage``, or ``closed_at`` and ``amount``)
is always read as its won deals, whatever conversion columns the caller names: the ``won``
flag is read strictly (:func:`alignment._parse.parse_bool`), or ``won_stages`` names the won
values of ``stage``.  The contacts of a deal are its key column (one per deal) or the rows of
a ``deal_contacts`` table (any number per deal).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._colnames import FIXED_NAME, by_keyword, check_required
from .._frames import Categorical, factorize, read_table
from .._lookup import lookup
from .._options import read_time
from .._params import check_flag
from .._parse import _missing_mask, fold_key, fold_role, parse_bool
from .._time import Awareness
from ..errors import DataValidationError, MissingColumnError, ParameterError, reject_rows
from ._common import _check_awareness, _key_codes, _Keys, _merge_keys, amounts
from ._leads import LeadTable

#: the id column of deals (and of ``deal_contacts``): the journey key of deal-keyed journeys
DEAL_KEY = "deal_id"
#: the creation instant of deals: the opportunity anchor of their journeys
DEAL_CREATED = "created_at"
#: the anchor a deal's ``created_at`` fills (``w_shaped`` / ``full_path`` opportunity anchor)
OPPORTUNITY_ANCHOR = "opportunity_at"

_CT = "conversions"
_DC = "deal_contacts"


@dataclass(frozen=True, eq=False)
class Contacts:
    """The (conversion, person) contact pairs of the conversions.

    Attributes
    ----------
    keys : _Keys
        The person (journey key) of each pair.
    conv : ndarray of int64
        The conversion of each pair.
    primary : ndarray of int64
        Per conversion, its primary pair (``-1`` for a deal without a contact).
    rows : ndarray of int64
        The caller's row of each pair (in ``deal_contacts``, or the conversion's row for a
        deal's own lead).
    role : Categorical or None
        The person's ``role`` in the deal, per pair (when ``deal_contacts`` has that column).
    """

    keys: _Keys
    conv: np.ndarray
    primary: np.ndarray
    rows: np.ndarray
    role: Categorical | None = None


@dataclass(frozen=True, eq=False)
class Conversions:
    """The won conversions of the caller's table and their contacts.

    Attributes
    ----------
    time, revenue : ndarray
        Conversion instant (``datetime64[us]``) and value, one per conversion.
    rows : ndarray of int64
        The caller's row of each conversion.
    ids : ndarray or None
        The ``deal_id`` of each conversion (``None`` when the table has no such column).
    instants : dict of str to bool or None
        The time columns read (the conversion instant's, then the deals' ``created_at``) and
        whether each carried a time zone.
    pairs : Contacts
        The contacts of each conversion.
    created : ndarray of datetime64[us] or None
        The deals' own ``created_at`` (``NaT`` where unknown), one per conversion, when the
        table is a deals table with that column: the opportunity anchor of their journeys.
    """

    time: np.ndarray
    revenue: np.ndarray
    rows: np.ndarray
    ids: np.ndarray | None
    instants: dict[str, Awareness]
    pairs: Contacts
    created: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of conversions."""
        return int(self.time.size)

    def per_deal(self, pair_codes: np.ndarray, keys: np.ndarray, key_name: str) -> bool:
        """Whether the journeys must be keyed by deal: a key with several conversions, or a
        conversion with no contact or several.

        Without a ``deal_id`` column, several conversions of one key are refused.
        """
        several = np.bincount(pair_codes, minlength=keys.size) > 1
        per_conv = np.bincount(self.pairs.conv, minlength=self.n)
        if not several.any() and bool((per_conv == 1).all()):
            return False
        if self.ids is None:
            reject_rows(
                several[pair_codes],
                "more than one conversion for a journey",
                column=key_name,
                table=_CT,
                values=keys[pair_codes],
                positions=self.pairs.rows,
                fix=f"give each conversion its id in a {DEAL_KEY!r} column (each is then "
                "attributed on its own), or keep one conversion per journey",
            )
        return True


def check_deal_options(won_stages: Any, reset: Any) -> tuple[str, ...] | None:
    """``won_stages`` as a tuple of names (or ``None``); ``reset`` must be a bool."""
    check_flag(reset, "reset")
    if won_stages is None:
        return None
    if isinstance(won_stages, (str, bytes)) or not isinstance(won_stages, (Sequence, np.ndarray)):
        raise ParameterError(
            f"won_stages must be a list of stage names, got {won_stages!r} "
            "(e.g. won_stages=['Closed Won'])"
        )
    names = list(won_stages)
    bad = [s for s in names if not isinstance(s, str) or not s.strip()]
    if bad or not names:
        raise ParameterError(
            f"won_stages must be non-empty stage names, got {won_stages!r} "
            "(e.g. won_stages=['Closed Won'])"
        )
    return tuple(names)


@contextlib.contextmanager
def caller_rows(positions: np.ndarray, table: str) -> Iterator[None]:
    """Data errors of ``table`` raised inside name the caller's rows (``positions[row]``)."""
    try:
        yield
    except DataValidationError as exc:
        if exc.table == table and exc.rows:
            exc.rows = [int(positions[r]) for r in exc.rows]
            exc.args = (exc._message(),)
        raise


def read_conversions(
    conversions: Any,
    *,
    key_name: str,
    lead: str,
    converted_at: str,
    revenue: str,
    leads: LeadTable | None,
    won_stages: Sequence[str] | None = None,
    deal_contacts: Any = None,
    role_weights: Mapping[str, float] | None = None,
    key_contacts: Any = None,
) -> Conversions:
    """The won conversions of ``conversions`` (see the module notes).

    ``key_contacts``: deal contacts read only to find the account (``key_name``) of a deal
    that has neither its own nor a lead column naming one: its primary contact's.
    """
    probe = read_table(
        conversions,
        table=_CT,
        optional=[
            key_name,
            lead,
            converted_at,
            revenue,
            "closed_at",
            "amount",
            "won",
            "stage",
            DEAL_KEY,
            DEAL_CREATED,
        ],
    )
    cols = probe.columns
    dealish = bool({"won", "stage"} & set(cols)) or {"closed_at", "amount"} <= set(cols)
    tcol = converted_at if converted_at in cols or not dealish else "closed_at"
    vcol = revenue if revenue in cols or not dealish else "amount"
    kcol = key_name if key_name in cols else lead
    required = [tcol, vcol, kcol if deal_contacts is None else DEAL_KEY]
    shapes = (
        f"(conversions need the journey key ({key_name!r}), {converted_at!r} and {revenue!r}, "
        f"or deals with 'closed_at', 'amount' and 'won'; {DEAL_KEY!r} with deal_contacts=)"
    )
    keywords = {kcol: "lead", tcol: "converted_at", vcol: "revenue"}
    fixes = {**by_keyword(keywords), DEAL_KEY: FIXED_NAME}
    check_required(required, probe.names, _CT, fix=fixes, need=shapes)
    won = _won(cols, won_stages)
    rows = np.arange(probe.n_rows, dtype=np.int64) if won is None else np.flatnonzero(won)

    def pick(name: str) -> Any:
        col = cols[name]
        return col if won is None else col.take(rows) if isinstance(col, Categorical) else col[rows]

    instants: dict[str, Awareness] = {}
    with caller_rows(rows, _CT):
        ctime, instants[tcol] = read_time(
            pick(tcol), column=tcol, table=_CT, frame_aware=probe.aware.get(tcol)
        )
        crev = amounts(pick(vcol), column=vcol, table=_CT)
        created = None
        if dealish and DEAL_CREATED in cols and DEAL_CREATED != tcol:
            created, instants[DEAL_CREATED] = read_time(
                pick(DEAL_CREATED),
                column=DEAL_CREATED,
                table=_CT,
                allow_missing=True,
                frame_aware=probe.aware.get(DEAL_CREATED),
            )
    _check_awareness(instants, _CT)
    ids = np.asarray(cols[DEAL_KEY])[rows] if DEAL_KEY in cols else None
    if ids is not None:  # (keyed by person: the ids given; by deal, every row's: later)
        with_id = _with_id(ids)
        deal_codes(ids[with_id], rows[with_id])
    if deal_contacts is not None:
        if key_name != lead:
            raise ParameterError(
                f"deal_contacts= names persons ({lead!r}); it cannot be combined with journeys "
                f"keyed by {key_name!r}"
            )
        pairs = _read_contacts(deal_contacts, np.asarray(cols[DEAL_KEY]), rows, lead, role_weights)
        pairs = _with_own_leads(pairs, pick, cols, lead, rows)
    else:
        table = "deals" if dealish or DEAL_KEY in cols else _CT
        with caller_rows(rows, _CT):
            own_key, need = _own_keys(pick, cols, kcol, key_name, lead)
        via = None
        if need is not None:
            via = _lead_of(pick, cols, lead, need.size)
            if key_contacts is not None and DEAL_KEY in cols:  # (caller's rows as they are)
                fill = np.equal(via, np.array(None, dtype=object)).astype(bool)
                via[fill] = _primary_leads(key_contacts, np.asarray(cols[DEAL_KEY]), rows, lead)[
                    fill
                ]
        with caller_rows(rows, _CT), caller_rows(rows, table):
            keys = _conversion_keys(own_key, need, via, pick, cols, key_name, lead, leads, table)
        own = np.arange(rows.size, dtype=np.int64)
        pairs = Contacts(keys=keys, conv=own, primary=own, rows=rows)
    return Conversions(
        time=ctime,
        revenue=crev,
        rows=rows,
        ids=ids,
        instants=instants,
        pairs=pairs,
        created=created,
    )


def _with_id(ids: np.ndarray) -> np.ndarray:
    """Where an optional ``deal_id`` column holds an id (not missing, not blank text): the
    ids a conversion keyed by person may give or not, each at most once."""
    blank = np.zeros(ids.shape, dtype=bool)
    if ids.dtype.kind == "U":
        blank = np.char.strip(ids) == ""
    elif ids.dtype.kind == "O":  # (the rows of a deals table: no hot path)
        blank[:] = [isinstance(v, str) and not v.strip() for v in ids.tolist()]
    out: np.ndarray = ~_missing_mask(ids) & ~blank
    return out


def deal_codes(ids: np.ndarray, rows: np.ndarray | None = None) -> _Keys:
    """The codes of the deal ids ``ids`` (the caller's ``rows``, when a selection of them);
    an id given twice is a :class:`DataValidationError` naming the rows: one deal counted
    twice, or two deals under one id, would be a guess."""
    with caller_rows(np.arange(ids.size) if rows is None else rows, _CT):
        deals = _key_codes(ids, column=DEAL_KEY, table=_CT)
    reject_rows(
        (np.bincount(deals.codes, minlength=deals.uniques.size) > 1)[deals.codes],
        "duplicate deal id",
        column=DEAL_KEY,
        table=_CT,
        values=ids,
        positions=rows,
        fix="give each deal its own id (one row per deal)",
    )
    return deals


def _won(cols: Any, won_stages: Sequence[str] | None) -> np.ndarray | None:
    """Which rows are won deals (``None``: every row is a conversion)."""
    if won_stages is not None:
        if "stage" not in cols:
            raise MissingColumnError(
                "won_stages= reads the won deals from the 'stage' column, which is absent",
                column="stage",
                table=_CT,
                fix="add the deals' stage column, or leave won_stages out to read the 'won' flag",
            )
        return _stage_won(cols["stage"], won_stages)
    if "won" in cols:
        return parse_bool(
            cols["won"],
            column="won",
            table=_CT,
            fix="write 'won' as true/false, yes/no or 1/0, or pass won_stages=[...] to read the "
            "won deals from the 'stage' column",
        )
    if "stage" in cols:
        raise MissingColumnError(
            "the deals have a 'stage' column but no 'won' flag, so which deals are won is unknown",
            column="won",
            table=_CT,
            fix="pass won_stages=[...] naming the won stage(s) (e.g. won_stages=['Closed Won']), "
            "or add a true/false 'won' column",
        )
    return None


def _stage_won(values: Any, won_stages: Sequence[str]) -> np.ndarray:
    """Deals whose stage is one of ``won_stages`` (case, spaces, ``_`` and ``-`` folded)."""
    cat = factorize(values, column="stage", table=_CT, allow_missing=True)
    reject_rows(
        cat.codes < 0,
        "missing stage",
        column="stage",
        table=_CT,
        fix="give every deal its stage (open and lost deals too)",
    )
    wanted = {fold_key(s) for s in won_stages}
    found = [fold_key(str(c)) in wanted for c in cat.categories.tolist()]  # per distinct stage
    if cat.codes.size and not any(found):
        raise DataValidationError(
            f"none of won_stages {list(won_stages)} is a stage of the deals; stages found: "
            f"{cat.categories.tolist()[:10]}",
            column="stage",
            table=_CT,
            value=list(won_stages),
            fix="name the won stage(s) as they are written in the 'stage' column",
        )
    return np.asarray(found, dtype=bool)[cat.codes] if found else np.zeros(0, dtype=bool)


def _own_keys(
    pick: Callable[[str], Any], cols: Mapping[str, Any], kcol: str, key_name: str, lead: str
) -> tuple[Any, np.ndarray | None]:
    """The conversions' own key column (``kcol``), and, for an account key (``key_name`` is
    not the ``lead``), which conversions have none there (``None``: every one has its own)."""
    if key_name == lead:
        return pick(kcol), None
    if key_name not in cols:
        return None, np.ones(len(pick(kcol)), dtype=bool)
    own = factorize(pick(key_name), column=key_name, table=_CT, allow_missing=True)
    need = np.asarray(own.codes < 0)
    return (pick(key_name), None) if not need.any() else (own.values(), need)


def _lead_of(pick: Callable[[str], Any], cols: Mapping[str, Any], lead: str, n: int) -> np.ndarray:
    """The conversions' lead column as objects (``None`` where missing, or without one)."""
    if lead not in cols:
        return np.full(n, None, dtype=object)
    return np.asarray(
        factorize(pick(lead), column=lead, table=_CT, allow_missing=True).values(), dtype=object
    )


def _primary_leads(
    deal_contacts: Any, deal_ids: np.ndarray, won_rows: np.ndarray, lead: str
) -> np.ndarray:
    """Per won deal: the lead of its primary contact in ``deal_contacts`` (``None``: none)."""
    pairs = _read_contacts(deal_contacts, deal_ids, won_rows, lead)
    out = np.full(won_rows.size, None, dtype=object)
    has = pairs.primary >= 0
    out[has] = pairs.keys.uniques[pairs.keys.codes[pairs.primary[has]]]
    return out


def _conversion_keys(
    own: Any,
    need: np.ndarray | None,
    via: np.ndarray | None,
    pick: Callable[[str], Any],
    cols: Mapping[str, Any],
    key_name: str,
    lead: str,
    leads: LeadTable | None,
    table: str,
) -> _Keys:
    """The journey key of each conversion: its own column; an account key it lacks there is
    its lead's in ``leads`` (``via``: the deal's lead, else its primary contact).  A deal
    whose account is found nowhere is refused, naming the deals, their rows and lead."""
    column = key_name if key_name in cols else lead
    if need is None or via is None:
        return _key_codes(own, column=column, table=_CT)
    if key_name not in cols and (leads is None or key_name not in leads.categorical):
        raise DataValidationError(
            f"conversions are keyed by {lead!r} but journeys by {key_name!r}",
            table=table,
            column=lead,
            fix=f"add {key_name!r} to the {table} or pass leads= with that column",
        )
    keys = np.full(need.size, None, dtype=object) if own is None else np.array(own, dtype=object)
    sel = np.flatnonzero(need & ~np.equal(via, np.array(None, dtype=object)).astype(bool))
    if leads is not None and key_name in leads.categorical and sel.size:
        pos, found = leads.positions(via[sel])
        keys[sel[found]] = leads.categorical[key_name].values()[pos[found]]
    ids = np.asarray(pick(DEAL_KEY), dtype=object) if DEAL_KEY in cols else None
    bad = np.equal(keys, np.array(None, dtype=object)).astype(bool)
    named = "" if ids is None else f" (deal_id {', '.join(repr(i) for i in ids[bad][:5])})"
    reject_rows(
        bad,
        f"a won deal without its own {key_name!r} takes its lead's, but its lead is missing, "
        f"not in the leads or without {key_name!r}{named}",
        column=column,
        table=table,
        values=via,
        fix=f"give the deal its {key_name!r}, or a lead (its {lead!r} or primary deal contact) "
        f"whose row of the leads has one; or drop the deal",
    )
    return _key_codes(keys, column=column, table=_CT)


def role_weight_lut(
    role: Categorical | None, role_weights: Mapping[str, float] | None
) -> np.ndarray:
    """Weight of each category of ``role``, then of a missing role: the weight of its folded
    spelling in ``role_weights`` (``"Decision Maker"`` = ``"decision_maker"``), 1 for roles
    it does not name and for a missing role.

    Raises
    ------
    ParameterError
        A ``role_weights`` role that no row of the deal contacts holds (its weight would
        silently never apply).
    """
    cats = [] if role is None else [str(c) for c in role.categories.tolist()]
    folded = [fold_role(c) for c in cats]  # (one pass over the distinct roles)
    rw = {fold_role(k): v for k, v in (role_weights or {}).items()}
    unmatched = sorted(set(rw) - set(folded))
    if unmatched:
        held = ", ".join(repr(c) for c in cats[:10]) if role is not None else ""
        raise ParameterError(
            f"role_weights names role(s) {unmatched} that no deal contact holds, so their "
            "weight would never apply; "
            + (f"the deal contacts' roles: {held}" if held else "the deal contacts have no role")
            + "; name the roles as deal_contacts writes them (spellings are folded: "
            "'Decision Maker' = 'decision_maker'), or leave them out"
        )
    return np.array([rw.get(f, 1.0) for f in folded] + [1.0], dtype=np.float64)


def _role_rank(role: Categorical | None) -> np.ndarray:
    """Rank of each category of ``role`` by its folded spelling, then of a missing role
    (last)."""
    cats = [] if role is None else [fold_role(str(c)) for c in role.categories.tolist()]
    rank = np.full(len(cats) + 1, len(cats), dtype=np.int64)
    rank[np.argsort(np.array(cats, dtype=object), kind="stable")] = np.arange(len(cats))
    return rank


def _one_row_per_contact(
    used: np.ndarray,
    conv: np.ndarray,
    person: np.ndarray,
    primary_flag: np.ndarray,
    weight: np.ndarray,
    rank: np.ndarray,
) -> np.ndarray:
    """The kept rows (of ``used``): one per (conversion, person), ordered per conversion
    primary contact first, then by each person's first row.

    A person listed twice for one deal keeps the row of its largest role weight, then of its
    first role in folded text order (a missing role last): the same row in any row order.
    The person is the primary contact when any of its rows is marked ``is_primary``.
    """
    if not used.size:
        return used
    c, p = conv[used], person[used]
    by = np.lexsort((used, rank[used], -weight[used], p, c))
    sc, sp = c[by], p[by]
    head = np.flatnonzero(np.r_[True, (np.diff(sc) != 0) | (np.diff(sp) != 0)])
    best = used[by][head]
    any_primary = np.logical_or.reduceat(primary_flag[used][by], head)
    first_row = np.minimum.reduceat(used[by], head)
    return best[np.lexsort((first_row, ~any_primary, sc[head]))]


def _read_contacts(
    deal_contacts: Any,
    deal_ids: np.ndarray,
    won_rows: np.ndarray,
    lead: str,
    role_weights: Mapping[str, float] | None = None,
) -> Contacts:
    """The (conversion, person) pairs of ``deal_contacts`` for the won deals.

    Every contact row must name a deal of the table; rows of deals that are not won are not
    used.  A person listed twice for one deal is one contact, with its largest role weight
    (``role_weights``), then its first role in folded text order.  Each won deal's primary
    contact is its first person marked ``is_primary`` (else its first person).
    """
    raw = read_table(
        deal_contacts, table=_DC, required=[DEAL_KEY, lead], optional=["is_primary", "role"]
    )
    all_deals = deal_codes(deal_ids)
    dkeys = _key_codes(raw.columns[DEAL_KEY], column=DEAL_KEY, table=_DC)
    persons = _key_codes(raw.columns[lead], column=lead, table=_DC)
    pos, found = lookup(all_deals.uniques, dkeys.uniques)
    reject_rows(
        ~found[dkeys.codes],
        "contact of an unknown deal",
        column=DEAL_KEY,
        table=_DC,
        values=raw.columns[DEAL_KEY],
        fix="add the deal to the deals table, or drop these contact rows",
    )
    row_of_deal = np.empty(all_deals.uniques.size, dtype=np.int64)
    row_of_deal[all_deals.codes] = np.arange(deal_ids.size)
    conv_of_row = np.full(deal_ids.size, -1, dtype=np.int64)
    conv_of_row[won_rows] = np.arange(won_rows.size)
    conv = conv_of_row[row_of_deal[pos[dkeys.codes]]]
    primary_flag = (
        parse_bool(raw.columns["is_primary"], column="is_primary", table=_DC, missing=False)
        if "is_primary" in raw.columns
        else np.zeros(conv.size, dtype=bool)
    )
    role = None
    if "role" in raw.columns:
        role = factorize(raw.columns["role"], column="role", table=_DC, allow_missing=True)
    rows_role = np.full(conv.size, -1, dtype=np.int64) if role is None else role.codes
    weight = role_weight_lut(role, role_weights)[rows_role]  # (-1: the missing role's slot)
    rank = _role_rank(role)[rows_role]
    person = persons.codes.astype(np.int64)
    order = _one_row_per_contact(
        np.flatnonzero(conv >= 0), conv, person, primary_flag, weight, rank
    )
    pair_conv = conv[order]
    primary = _first_pairs(pair_conv, won_rows.size)
    keys = _used_keys(persons, order)
    kept_role = None if role is None else role.take(order)
    return Contacts(keys=keys, conv=pair_conv, primary=primary, rows=order, role=kept_role)


def _first_pairs(pair_conv: np.ndarray, n: int) -> np.ndarray:
    """Per conversion (of ``n``), its first pair in ``pair_conv`` (sorted by conversion; ``-1``:
    none)."""
    primary = np.full(n, -1, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, np.diff(pair_conv) != 0]) if pair_conv.size else pair_conv
    primary[pair_conv[starts]] = starts
    return primary


def _with_own_leads(
    pairs: Contacts,
    pick: Callable[[str], Any],
    cols: Mapping[str, Any],
    lead: str,
    rows: np.ndarray,
) -> Contacts:
    """``pairs`` (of the deal contacts) and, for each won deal no contact row names, the deal's
    own ``lead`` (its row of the deals as the pair's row); a deal with neither keeps no
    contact.  Integer keys on one side and text on the other meet as text."""
    alone = np.flatnonzero(np.bincount(pairs.conv, minlength=rows.size) == 0)
    if lead not in cols or not alone.size:
        return pairs
    add, added = _own_lead_keys(pick(lead), alone, lead, rows)
    if not add.size:
        return pairs
    uniques, pair_codes, added_codes = _merge_keys(pairs.keys, added)
    conv = np.concatenate([pairs.conv, add])
    order = np.argsort(conv, kind="stable")  # (a deal's pairs stay together, in their order)
    role = pairs.role
    if role is not None:  # (a deal's own lead has no role in it)
        role = role.pick(np.r_[np.arange(pairs.conv.size), np.full(add.size, -1)][order])
    return Contacts(
        keys=_Keys(np.concatenate([pair_codes, added_codes])[order], uniques),
        conv=conv[order],
        primary=_first_pairs(conv[order], rows.size),
        rows=np.concatenate([pairs.rows, rows[add]])[order],
        role=role,
    )


def _own_lead_keys(
    own: Any, at: np.ndarray, lead: str, rows: np.ndarray
) -> tuple[np.ndarray, _Keys]:
    """Of the conversions at ``at``, those whose own ``lead`` is known, and the keys of these
    leads (each coded once; the errors name the caller's rows of ``rows``)."""
    if not isinstance(own, Categorical) and np.asarray(own).dtype.kind in "biuf":
        taken = np.asarray(own)[at]  # (numbers: only a float can be missing, as NaN)
        kept = np.flatnonzero(np.isfinite(taken))
        with caller_rows(rows[at[kept]], _CT):
            return at[kept], _key_codes(taken[kept], column=lead, table=_CT)
    with caller_rows(rows[at], _CT):
        cat = factorize(_rows_of(own, at), column=lead, table=_CT, allow_missing=True)
    kept = np.flatnonzero(cat.codes >= 0)
    known: Any = cat.take(kept)  # (its categories: the column is not coded again)
    with caller_rows(rows[at[kept]], _CT):
        keys = _key_codes(known, column=lead, table=_CT)
    return at[kept], _used_keys(keys, np.arange(kept.size))


def _rows_of(values: Any, at: np.ndarray) -> Any:
    """The rows ``at`` of a column (an array or a :class:`Categorical`)."""
    return values.take(at) if isinstance(values, Categorical) else np.asarray(values)[at]


def _used_keys(keys: _Keys, sel: np.ndarray) -> _Keys:
    """The keys of the rows ``sel`` of ``keys``, into the distinct keys these rows use."""
    used, inverse = np.unique(keys.codes[sel], return_inverse=True)
    return _Keys(inverse.astype(np.int64).ravel(), keys.uniques[used])


def deal_created_anchor(
    anchors: dict[str, np.ndarray], n: int, at: np.ndarray, created: np.ndarray | None
) -> dict[str, np.ndarray]:
    """``anchors`` with the deals' own ``created_at`` as the opportunity anchor.

    ``at`` is the journey (of ``n``) of each deal; where a deal's ``created_at`` is known it
    replaces the journey's ``opportunity_at`` (from the leads, or ``NaT``).  Unchanged when
    the deals carry no ``created_at``.
    """
    if created is None:
        return anchors
    base = anchors.get(OPPORTUNITY_ANCHOR)
    out = np.full(n, np.datetime64("NaT", "us")) if base is None else base.copy()
    known = ~np.isnat(created)
    out[np.asarray(at)[known]] = created[known]
    return {**anchors, OPPORTUNITY_ANCHOR: out}
