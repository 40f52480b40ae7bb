"""Account engagement: :func:`account_engagement` and :class:`AccountEngagement`.

Per account (or any lead column given as ``key``): the decayed interest of its contacts'
touches, its engaged contacts, the buying-group roles its contacts hold against the roles
required, and a tier by percentile of the score.  See ``docs/scoring/accounts.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._colnames import FIXED_NAME, name_it_with
from .._columns import text
from .._frames import Categorical, factorize, read_table, to_native
from .._lookup import lookup
from .._options import read_time, reads_options
from .._params import is_number
from .._parse import fold_role
from .._results import Result, frame_backend, read_only_view
from .._segments import group_sum
from .._time import parse_duration, parse_instant
from ..errors import DataValidationError, ParameterError, reject_rows
from ..tables._labels import label_category
from ._grid import DEFAULT_INTEREST_POINTS, decay_factor

__all__ = [
    "DEFAULT_ROLES_REQUIRED",
    "DEFAULT_TIERS",
    "AccountEngagement",
    "account_engagement",
]

DEFAULT_TIERS: tuple[tuple[str, float], ...] = (("A", 0.10), ("B", 0.20), ("C", 0.30), ("D", 0.40))
"""Tiers best first with the share of accounts each takes: the top 10 % of accounts by score
are ``"A"``, the next 20 % ``"B"``, the next 30 % ``"C"``, the rest ``"D"``."""

DEFAULT_ROLES_REQUIRED: tuple[str, ...] = ("decision_maker", "champion")
"""The buying-group roles an account needs by default: someone who signs and someone who sells
the purchase inside the account."""

_US_PER_DAY = 86_400e6
_ROUND = 12  # digits the percentile and the tier cut-offs are compared at


def join_roles(mask: np.ndarray, names: Sequence[str], *, empty: Any) -> np.ndarray:
    """Per row of ``mask`` (rows × roles): the names of its roles joined by ``", "`` in
    ``names`` order, ``empty`` when it has none (a loop over the roles, not the rows)."""
    out = np.full(mask.shape[0], "", dtype=object)
    for j, name in enumerate(names):
        sep = np.where(out != "", ", ", "").astype(object)
        out = out + np.where(mask[:, j], sep + name, "").astype(object)
    return np.where(out != "", out, empty).astype(object)


@dataclass(frozen=True, eq=False, repr=False)
class AccountEngagement(Result):
    """Engagement per account: the result of :func:`account_engagement`.

    Follows the result contract (``docs/results.md``): ``to_frame(level=None,
    backend=None)`` with the levels ``"accounts"`` (default: one row per account, best score
    first), ``"contacts"`` (one row per lead, in the leads' order) and ``"tiers"`` (accounts
    per tier), ``summary()``, ``_repr_html_()``, ``plot(ax=None)``.

    Attributes
    ----------
    key : str
        The lead column accounts are read from (``"account_id"``).
    accounts : ndarray
        Account ids (as strings, sorted).
    score : ndarray of float64
        Per account: the sum of its contacts' interest.
    contacts, engaged_contacts, touches : ndarray of int64
        Per account: its leads, those with at least one touch in the window, and their touches
        in the window.
    role_names : tuple of str
        Every role found (folded, sorted), then the required roles nobody holds.
    has_role : ndarray of bool
        ``(accounts, roles)``: some contact of the account holds the role.
    roles_required : tuple of str
        The folded required roles.
    percentile : ndarray of float64
        Per account: the share of accounts with a strictly higher score (0 for the best).
    tier_code : ndarray of int64
        Per account: index into :attr:`tiers`.
    tiers : tuple of (str, float)
        Tier names best first, with the share of accounts each takes.
    lead_ids : ndarray
        Lead ids, in the leads' order.
    lead_account : ndarray of int64
        Per lead: index into :attr:`accounts`, ``-1`` when it has none.
    interest : ndarray of float64
        Per lead: its touches' points, decayed to ``as_of`` (touches in the window only).
    lead_touches : ndarray of int64
        Per lead: its touches in the window.
    lead_roles : ndarray of object
        Per lead: its roles, joined by ``", "`` (``None`` when it has none).
    counts : dict of str to int
        Touches and leads by what was done with them (see :meth:`summary`).
    as_of : numpy.datetime64 or None
        The instant ages are measured at (``None``: no touch).
    half_life_days, window_days : float
        The decay half-life and the window (``inf``: no window).
    backend : str
        The caller's backend, the default of :meth:`to_frame`.
    """

    key: str
    accounts: np.ndarray
    score: np.ndarray
    contacts: np.ndarray
    engaged_contacts: np.ndarray
    touches: np.ndarray
    role_names: tuple[str, ...]
    has_role: np.ndarray
    roles_required: tuple[str, ...]
    percentile: np.ndarray
    tier_code: np.ndarray
    tiers: tuple[tuple[str, float], ...]
    lead_ids: np.ndarray
    lead_account: np.ndarray
    interest: np.ndarray
    lead_touches: np.ndarray
    lead_roles: np.ndarray
    counts: dict[str, int]
    as_of: np.datetime64 | None
    half_life_days: float
    window_days: float
    backend: str = "dict"

    levels: ClassVar[tuple[str, ...]] = ("accounts", "contacts", "tiers")
    not_measured: ClassVar[dict[str, str]] = {
        "roles_coverage": "no role is required (roles_required=())",
        "share": "no account (every lead is without one): 0 of 0 accounts is no share",
    }

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                object.__setattr__(self, f.name, read_only_view(value))

    # ------------------------------------------------------------------ derived columns

    @property
    def tier(self) -> np.ndarray:
        """The tier name per account (object array)."""
        names = np.array([t for t, _ in self.tiers], dtype=object)
        return np.asarray(names[self.tier_code], dtype=object)

    def _required_mask(self) -> np.ndarray:
        return np.isin(np.array(self.role_names, dtype=object), list(self.roles_required))

    def _joined(self, mask: np.ndarray) -> np.ndarray:
        """Per account: the names of the roles set in ``mask`` (accounts × roles), joined."""
        return join_roles(mask, self.role_names, empty="")

    @property
    def roles_present(self) -> np.ndarray:
        """Per account: the roles its contacts hold, sorted and joined by ``", "``."""
        return self._joined(self.has_role)

    @property
    def roles_missing(self) -> np.ndarray:
        """Per account: the required roles no contact holds, joined by ``", "``."""
        return self._joined(~self.has_role & self._required_mask()[None, :])

    @property
    def roles_coverage(self) -> np.ndarray:
        """Per account: the share of the required roles held (NaN when none is required)."""
        req = self._required_mask()
        if not req.any():
            return np.full(self.accounts.size, np.nan)
        held = np.count_nonzero(self.has_role[:, req], axis=1)
        return np.asarray(held / np.count_nonzero(req), dtype=np.float64)

    def _order(self) -> np.ndarray:
        """Accounts best score first, ties by account id."""
        return np.lexsort((np.arange(self.accounts.size), -self.score))

    # ------------------------------------------------------------------ tables

    def _account_columns(self) -> dict[str, np.ndarray]:
        o = self._order()
        coverage = self.roles_coverage
        return {
            self.key: self.accounts[o],
            "score": self.score[o],
            "contacts": self.contacts[o],
            "engaged_contacts": self.engaged_contacts[o],
            "touches": self.touches[o],
            "roles_present": self.roles_present[o],
            "roles_missing": self.roles_missing[o],
            "roles_coverage": coverage[o],
            "buying_group_complete": (coverage[o] == 1.0),
            "percentile": self.percentile[o],
            "tier": self.tier[o],
        }

    def _contact_columns(self) -> dict[str, np.ndarray]:
        lut = np.empty(self.accounts.size + 1, dtype=object)
        lut[:-1] = self.accounts
        lut[-1] = None
        return {
            "lead_id": self.lead_ids,
            self.key: lut[self.lead_account],
            "role": self.lead_roles,
            "touches": self.lead_touches,
            "interest": self.interest,
            "engaged": self.lead_touches > 0,
        }

    def _tier_columns(self) -> dict[str, np.ndarray]:
        k = len(self.tiers)
        n = np.bincount(self.tier_code, minlength=k).astype(np.int64)
        lo = np.full(k, np.nan)
        hi = np.full(k, np.nan)
        np.fmin.at(lo, self.tier_code, self.score)
        np.fmax.at(hi, self.tier_code, self.score)
        return {
            "tier": np.array([t for t, _ in self.tiers], dtype=object),
            "target_share": np.array([s for _, s in self.tiers], dtype=np.float64),
            "accounts": n,
            "share": n / self.accounts.size if self.accounts.size else np.full(k, np.nan),
            "min_score": lo,
            "max_score": hi,
        }

    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
        """``"accounts"``: the key column, ``score``, ``contacts``, ``engaged_contacts``,
        ``touches``, ``roles_present``, ``roles_missing``, ``roles_coverage``,
        ``buying_group_complete``, ``percentile``, ``tier`` per account, best score first;
        ``"contacts"``: ``lead_id``, the key column, ``role``, ``touches``, ``interest``,
        ``engaged`` per lead (the leads' order); ``"tiers"``: ``tier``, ``target_share``,
        ``accounts``, ``share``, ``min_score``, ``max_score`` (NaN for an empty tier; ``share``
        is NaN for every tier when there is no account: 0 of 0 is no share)."""
        level, backend = self._frame_args(level, backend)
        if level == "contacts":
            cols = self._contact_columns()
        elif level == "tiers":
            cols = self._tier_columns()
        else:
            cols = self._account_columns()
        return to_native(cols, frame_backend(backend, self.backend))

    def __repr__(self) -> str:
        s = self.summary()
        tiers = " ".join(f"{k[5:]}:{v}" for k, v in s.items() if k.startswith("tier_"))
        return (
            f"AccountEngagement(key={self.key!r}, accounts={s['accounts']}, "
            f"engaged_accounts={s['engaged_accounts']}, contacts={s['contacts']}, "
            f"buying_group_complete={s['buying_group_complete']}, tiers={tiers!r})"
        )

    def summary(self) -> dict[str, Any]:
        """Accounts, engaged accounts, accounts per tier, accounts with the full buying group;
        contacts and engaged contacts; then what was done with every touch and lead row
        (``touches_used`` + ``touches_outside_window`` + ``touches_after_as_of`` +
        ``touches_unknown_lead`` + ``touches_without_account`` = ``touches``)."""
        coverage = self.roles_coverage
        per_tier = np.bincount(self.tier_code, minlength=len(self.tiers))
        out: dict[str, Any] = {
            "accounts": int(self.accounts.size),
            "engaged_accounts": int(np.count_nonzero(self.engaged_contacts)),
            "buying_group_complete": int(np.count_nonzero(coverage == 1.0)),
            "contacts": int(np.count_nonzero(self.lead_account >= 0)),
            "engaged_contacts": int(self.engaged_contacts.sum()),
            "score_total": float(self.score.sum()),
        }
        out.update({f"tier_{t}": int(c) for (t, _), c in zip(self.tiers, per_tier)})
        out.update(self.counts)
        out["as_of"] = self.as_of
        out["half_life_days"] = self.half_life_days
        out["window_days"] = self.window_days
        return out

    def _repr_html_(self) -> str:
        from .._display import preview

        s = self.summary()
        return preview(
            f"Account engagement — {s['accounts']:,} accounts, {s['engaged_accounts']:,} "
            f"engaged, {s['buying_group_complete']:,} with the full buying group",
            self._account_columns(),
            rates=True,
            na=self.not_measured,
        )

    def plot(self, ax: Any = None) -> tuple[Any, Any]:
        """Bar chart of the accounts per tier (needs the ``plot`` extra)."""
        from .._charts import bar_totals

        cols = self._tier_columns()
        totals = {str(t): float(n) for t, n in zip(cols["tier"], cols["accounts"])}
        return bar_totals(
            totals, ax=ax, title="Accounts per tier", ylabel="accounts", xlabel="tier", sort=False
        )


# ---------------------------------------------------------------------------------- parameters


def _check_tiers(tiers: Any) -> tuple[tuple[str, float], ...]:
    items = list(tiers.items()) if isinstance(tiers, Mapping) else tiers
    fix = (
        "pass e.g. {'A': 0.1, 'B': 0.2, 'C': 0.3, 'D': 0.4}: names best first, shares summing to 1"
    )
    try:
        pairs = [(str(name), share) for name, share in items]
    except (TypeError, ValueError):
        raise ParameterError(f"tiers must be (name, share) pairs, got {tiers!r}; {fix}") from None
    ok = all(is_number(s) and not isinstance(s, bool) and 0 < float(s) <= 1 for _, s in pairs)
    names = [n for n, _ in pairs]
    if not pairs or not ok or len(set(names)) != len(names):
        raise ParameterError(f"tiers must be distinct names with shares in (0, 1], got {tiers!r}")
    total = sum(float(s) for _, s in pairs)
    if abs(total - 1.0) > 1e-9:
        raise ParameterError(f"the tier shares must sum to 1, got {total!r}; {fix}")
    return tuple((n, float(s)) for n, s in pairs)


def _check_roles(roles: Any) -> tuple[str, ...]:
    if isinstance(roles, str) or not isinstance(roles, (Sequence, set, frozenset)):
        raise ParameterError(
            f"roles_required must be a sequence of role names, got {roles!r}; "
            "e.g. ('decision_maker', 'champion')"
        )
    bad = [r for r in roles if not isinstance(r, str) or not r.strip()]
    if bad:
        raise ParameterError(f"roles_required holds values that are not role names: {bad!r}")
    return tuple(sorted({fold_role(r) for r in roles}))


def _check_points(points: Any) -> dict[str, float]:
    if points is None:
        return dict(DEFAULT_INTEREST_POINTS)
    if not isinstance(points, Mapping):
        raise ParameterError("interest_points must be a mapping {kind: points}")
    out: dict[str, float] = {}
    for k, v in points.items():
        if not is_number(v) or isinstance(v, bool) or not np.isfinite(float(v)):
            raise ParameterError(f"interest_points[{k!r}] must be a finite number, got {v!r}")
        out[str(k)] = float(v)
    return out


# ---------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Leads:
    ids: np.ndarray
    account: Categorical  # codes -1: no account
    roles: list[tuple[np.ndarray, np.ndarray]]  # (lead rows, role strings) from each source
    backend: str
    counts: dict[str, int]


def _role_pairs(
    rows: np.ndarray, values: Any, *, table: str, keep: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, folded roles)`` of the rows whose role is a non-blank string.

    ``values`` is the whole ``role`` column of ``table``, checked as text (a number or a bool
    is refused, naming its row of the table); ``keep`` picks the rows of ``rows`` from it.
    """
    text(values, column="role", table=table)
    vals = np.asarray(values, dtype=object)
    vals = vals if keep is None else vals[keep]
    ok = np.fromiter((isinstance(v, str) and bool(v.strip()) for v in vals.tolist()), bool)
    ok = ok.reshape(vals.shape)
    uniq, inv = np.unique(vals[ok].astype(str), return_inverse=True)
    folded = np.array([fold_role(u) for u in uniq.tolist()], dtype=object)
    return rows[ok], folded[inv.ravel()] if uniq.size else np.empty(0, dtype=object)


def _lead_columns(leads: Any) -> tuple[Any, str | None]:
    """``leads`` as a table to read, and its backend when it is a :class:`LeadTable` (read
    through its columns, its id column as ``lead_id``)."""
    from ..tables import LeadTable

    if not isinstance(leads, LeadTable):
        return leads, None
    return {**leads.to_dict(), "lead_id": leads.ids}, leads.backend


def _read_leads(leads: Any, key: str, deal_contacts: Any) -> _Leads:
    fix = {"lead_id": FIXED_NAME, key: name_it_with("key='your_column'")}
    data, backend = _lead_columns(leads)
    raw = read_table(data, table="leads", required=("lead_id", key), optional=("role",), fix=fix)
    ids_cat = factorize(raw.columns["lead_id"], column="lead_id", table="leads")
    ids = ids_cat.values()
    repeated = np.bincount(ids_cat.codes, minlength=ids_cat.n_categories)[ids_cat.codes] > 1
    reject_rows(
        repeated,
        "repeated lead id: its touches could not be given to one account",
        column="lead_id",
        values=ids,
        table="leads",
        fix="keep one row per lead",
    )
    # an account id is a label: integer ids as their integers ("101", not "101.0")
    account = label_category(raw.columns[key], column=key, table="leads",
                             exact=raw.integers.get(key))  # fmt: skip
    roles: list[tuple[np.ndarray, np.ndarray]] = []
    counts = {"leads_without_account": int(np.count_nonzero(account.codes < 0))}
    if "role" in raw.columns:
        roles.append(_role_pairs(np.arange(ids.size), raw.columns["role"], table="leads"))
    if deal_contacts is not None:
        dc = read_table(
            deal_contacts, table="deal_contacts", required=("lead_id", "role"), fix=FIXED_NAME
        )
        pos, found = lookup(ids, dc.columns["lead_id"], column="lead_id", table="deal_contacts")
        counts["deal_contacts_unknown_lead"] = int(np.count_nonzero(~found))
        roles.append(_role_pairs(pos[found], dc.columns["role"], table="deal_contacts", keep=found))
    return _Leads(np.asarray(ids), account, roles, backend or raw.backend, counts)


@dataclass(frozen=True)
class _Touches:
    lead: np.ndarray  # row in the leads, -1: unknown lead
    age_us: np.ndarray  # int64 age at as_of
    points: np.ndarray  # undecayed points of the kind
    as_of: np.datetime64 | None
    unscored: int


def _read_touches(
    touches: Any, ids: np.ndarray, kind_column: str, points: Mapping[str, float], as_of: Any
) -> _Touches:
    fix = {"lead_id": FIXED_NAME, "timestamp": FIXED_NAME}
    fix[kind_column] = name_it_with("kind_column='your_column'")
    required = ("lead_id", "timestamp", kind_column)
    raw = read_table(touches, table="touchpoints", required=required, fix=fix)
    pos, _ = lookup(ids, raw.columns["lead_id"], column="lead_id", table="touchpoints")
    times, _ = read_time(
        raw.columns["timestamp"],
        column="timestamp",
        table="touchpoints",
        frame_aware=raw.aware.get("timestamp"),
    )
    kind = label_category(raw.columns[kind_column], column=kind_column, table="touchpoints",
                          exact=raw.integers.get(kind_column))  # fmt: skip
    cats = np.asarray(kind.categories, dtype=object).astype(str)
    lut = np.zeros(cats.size + 1, dtype=np.float64)
    scored = np.zeros(cats.size + 1, dtype=bool)
    for i, c in enumerate(cats.tolist()):  # one pass over the distinct kinds
        if c in points:
            lut[i], scored[i] = points[c], True
    codes = np.asarray(kind.codes, dtype=np.int64)  # -1 (missing kind) reads the last slot
    if as_of is None:
        as_of = times.max() if times.size else None
    age = np.empty(0, np.int64)
    if as_of is not None:
        age = np.int64(np.datetime64(as_of, "us").astype(np.int64)) - times.view(np.int64)
    return _Touches(
        np.asarray(pos, dtype=np.int64),
        age,
        lut[codes],
        as_of,
        int(np.count_nonzero(~scored[codes])),
    )


# ---------------------------------------------------------------------------------- computing


def _tier_codes(
    score: np.ndarray, tiers: tuple[tuple[str, float], ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile (share of accounts scoring strictly higher) and tier per account; accounts
    with no positive score take the last tier."""
    n = score.size
    ranked = np.sort(score)
    higher = n - np.searchsorted(ranked, score, side="right")
    pct = higher / max(n, 1)
    cuts = np.round(np.cumsum([s for _, s in tiers]), _ROUND)
    code = np.searchsorted(cuts, np.round(pct, _ROUND), side="right")
    code = np.minimum(code, len(tiers) - 1)
    code[score <= 0] = len(tiers) - 1
    return pct.astype(np.float64), code.astype(np.int64)


def _roles(
    lead: _Leads, required: tuple[str, ...], n_acc: int
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Role names, the (accounts × roles) presence matrix and each lead's joined roles."""
    rows = np.concatenate([r for r, _ in lead.roles] or [np.empty(0, np.int64)]).astype(np.int64)
    vals = np.concatenate([v for _, v in lead.roles] or [np.empty(0, object)]).astype(object)
    found = sorted(set(np.unique(vals.astype(str)).tolist()) if vals.size else set())
    names = (*found, *sorted(set(required) - set(found)))
    code = np.searchsorted(np.array(found, dtype=object), vals) if vals.size else rows
    n = lead.ids.size
    per_lead = np.zeros((n, len(names)), dtype=bool)
    per_lead[rows, code] = True
    acc = np.asarray(lead.account.codes, dtype=np.int64)
    has = np.zeros((n_acc, len(names)), dtype=bool)
    with_acc = acc >= 0
    np.logical_or.at(has, acc[with_acc], per_lead[with_acc])
    joined = join_roles(per_lead, names, empty=None)
    return names, has, joined


@reads_options
def account_engagement(
    leads: Any,
    touches: Any = None,
    *,
    key: str = "account_id",
    half_life: Any = "30d",
    window: Any = "90d",
    as_of: Any = None,
    interest_points: Mapping[str, float] | None = None,
    kind_column: str = "kind",
    roles_required: Sequence[str] = DEFAULT_ROLES_REQUIRED,
    deal_contacts: Any = None,
    tiers: Any = DEFAULT_TIERS,
    tz: str | None = None,
) -> AccountEngagement:
    """Engagement per account: decayed contact interest, engaged contacts, buying-group roles
    and a tier.

    A touch's *contact interest* is the points of its kind (as the interest axis of the
    fit × interest grid: :data:`DEFAULT_INTEREST_POINTS` unless ``interest_points`` is given)
    times ``2 ** (-age / half_life)``, its age measured at ``as_of``.  Touches older than
    ``window`` or after ``as_of`` count for nothing.  An account's ``score`` is the sum over
    its contacts' touches; an *engaged contact* has at least one touch in the window (of any
    kind).  Accounts are ranked by score: an account's ``percentile`` is the share of accounts
    scoring strictly higher, and the tiers take the accounts in order of their shares
    (:data:`DEFAULT_TIERS`: top 10 % ``"A"``, next 20 % ``"B"``, next 30 % ``"C"``, rest
    ``"D"``); tied accounts share a tier and an account with no positive score takes the last.

    Parameters
    ----------
    leads : CRMData, LeadTable, frame, dict of arrays or records
        One row per lead: ``lead_id``, the ``key`` column (missing: the lead has no account)
        and optionally ``role``.  A :class:`alignment.io.CRMData` gives its leads, touchpoints,
        deal contacts and ``as_of``; a :class:`alignment.tables.LeadTable` its columns.
    touches : frame, dict of arrays or records, optional
        ``lead_id``, ``timestamp`` and the ``kind_column`` (required unless ``leads`` is a
        CRMData).
    key : str, default "account_id"
        The lead column naming the account.
    half_life : str or timedelta, default "30d"
        Age at which a touch's points are halved.
    window : str, timedelta or None, default "90d"
        Touches older than this are ignored (``None``: no window).
    as_of : instant, optional
        Where ages are measured; default the bundle's ``as_of``, else the latest touch.
    interest_points : mapping of str to float, optional
        Points per touch kind; kinds without points score 0.
    kind_column : str, default "kind"
        The touch column naming the kind.
    roles_required : sequence of str, default :data:`DEFAULT_ROLES_REQUIRED`
        The buying-group roles an account needs (folded: ``"Decision Maker"`` =
        ``"decision_maker"``); ``()`` requires none (``roles_coverage`` is then NaN).
    deal_contacts : frame, dict of arrays or records, optional
        ``lead_id``, ``role`` rows (the bundle's table for a CRMData).  A lead's roles are
        those of the ``role`` lead column and of its deal-contact rows together.
    tiers : mapping or sequence of (str, float), default :data:`DEFAULT_TIERS`
        Tier names best first with the share of accounts each takes (shares sum to 1).
    tz : str, optional
        IANA zone of naive instants (default UTC, with a warning).

    Returns
    -------
    AccountEngagement

    Raises
    ------
    MissingColumnError
        A required column is absent.
    DataValidationError
        A repeated or missing lead id, a missing or unreadable timestamp, no touches, or a
        role that is not text (a number or a bool in the leads' or the deal contacts'
        ``role``; a blank or missing role is no role).
    ParameterError
        A bad duration, instant, tier list, role list or points mapping.
    """
    from .._crm import is_crm

    crm_as_of = None
    if is_crm(leads):
        crm = leads
        touches = crm._coded_table("touchpoints") if touches is None else touches
        if deal_contacts is None and crm.deal_contacts["lead_id"].size:
            deal_contacts = crm.deal_contacts
        crm_as_of, leads = crm.as_of, crm._coded_table("leads")
    if touches is None:
        raise DataValidationError(
            "no touches given",
            table="touchpoints",
            fix="pass the touches (lead_id, timestamp, kind)",
        )
    half = parse_duration(half_life, name="half_life")
    span = None if window is None else parse_duration(window, name="window")
    when = parse_instant(as_of, tz=tz) if as_of is not None else crm_as_of
    tier_list = _check_tiers(tiers)
    required = _check_roles(roles_required)
    lead = _read_leads(leads, key, deal_contacts)
    t = _read_touches(touches, lead.ids, kind_column, _check_points(interest_points), when)
    return _engagement(lead, t, key, half, span, required, tier_list)


def _engagement(
    lead: _Leads,
    t: _Touches,
    key: str,
    half: np.timedelta64,
    span: np.timedelta64 | None,
    required: tuple[str, ...],
    tiers: tuple[tuple[str, float], ...],
) -> AccountEngagement:
    n_leads, n_acc = lead.ids.size, lead.account.n_categories
    acc = np.asarray(lead.account.codes, dtype=np.int64)
    known = t.lead >= 0
    has_acc = known.copy()
    has_acc[known] = acc[t.lead[known]] >= 0
    after = t.age_us < 0
    window_us = np.inf if span is None else int(span.astype(np.int64))
    outside = ~after & (t.age_us > window_us)
    used = has_acc & ~after & ~outside
    half_days = float(half.astype(np.int64)) / _US_PER_DAY
    weight = t.points[used] * decay_factor(t.age_us[used] / _US_PER_DAY, half_life_days=half_days)
    # sums in (group, value) order: tied accounts score the same bits in any row order
    interest = group_sum(weight, t.lead[used], n_leads)
    n_touch = np.bincount(t.lead[used], minlength=n_leads).astype(np.int64)
    with_acc = acc >= 0
    a = acc[with_acc]
    score = group_sum(weight, acc[t.lead[used]], n_acc)
    pct, code = _tier_codes(score, tiers)
    names, has_role, joined = _roles(lead, required, n_acc)
    counts = {
        "touches": int(t.lead.size),
        "touches_used": int(np.count_nonzero(used)),
        "touches_outside_window": int(np.count_nonzero(has_acc & outside)),
        "touches_after_as_of": int(np.count_nonzero(has_acc & after)),
        "touches_unknown_lead": int(np.count_nonzero(~known)),
        "touches_without_account": int(np.count_nonzero(known & ~has_acc)),
        "touches_unscored_kind": t.unscored,
        **lead.counts,
    }
    return AccountEngagement(
        key=key,
        accounts=np.asarray(lead.account.categories, dtype=object),
        score=score,
        contacts=np.bincount(a, minlength=n_acc).astype(np.int64),
        engaged_contacts=np.bincount(a, n_touch[with_acc] > 0, n_acc).astype(np.int64),
        touches=np.bincount(a, n_touch[with_acc], n_acc).astype(np.int64),
        role_names=names,
        has_role=has_role,
        roles_required=required,
        percentile=pct,
        tier_code=code,
        tiers=tiers,
        lead_ids=lead.ids,
        lead_account=acc,
        interest=interest,
        lead_touches=n_touch,
        lead_roles=joined,
        counts=dict(counts),
        as_of=t.as_of,
        half_life_days=half_days,
        window_days=np.inf if span is None else float(span.astype(np.int64)) / _US_PER_DAY,
        backend=lead.backend,
    )
