"""The result of :func:`alignment.accounts.match`: :class:`AccountMatch`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._frames import Categorical, factorize, read_table, to_native, with_column
from .._lookup import lookup
from .._params import check_flag
from .._results import Result, frame_backend, read_only_view, share_of
from .._segments import group_max, group_min
from ..errors import ParameterError, reject_rows

__all__ = ["METHODS", "AccountMatch"]

METHODS = ("none", "domain", "name")
"""The ``method`` of a lead: the step that decided it (``"none"``: no account found)."""


def _decoded(column: Any) -> np.ndarray:
    return np.asarray(column.values() if isinstance(column, Categorical) else column)


_NONE = np.array(None, dtype=object)


def is_missing(values: np.ndarray) -> np.ndarray:
    """``None`` or NaN, per value of an object array."""
    return np.asarray(np.equal(values, _NONE) | (values != values), dtype=bool)


@dataclass(frozen=True, eq=False, repr=False)
class AccountMatch(Result):
    """The account of every lead, with how it was found: the result of :func:`match`.

    Follows the result contract (``docs/results.md``): ``to_frame(level=None, backend=None)``
    with the levels ``"leads"`` (default: one row per lead, in the leads' order: ``lead_id``,
    ``account_id``, ``method``, ``score``, ``ambiguous``), ``"methods"`` (leads per method)
    and ``"candidates"`` (the tied accounts of every ambiguous lead), ``summary()``,
    ``_repr_html_()``, ``plot(ax=None)``.

    Attributes
    ----------
    ids : ndarray
        Lead ids, in the leads' row order.
    account_ids : ndarray
        Account ids, in the accounts' row order.
    account : ndarray of int64
        Per lead: the row of its account in the accounts table, ``-1`` when it has none (no
        match, or an ambiguous one).
    method_code : ndarray of int8
        Per lead: index into :data:`METHODS`.
    score : ndarray of float64
        Per lead: 1.0 for a domain or exact folded-name match, the fuzzy similarity (at least
        the threshold) for a fuzzy one, 0.0 for ``"none"``.  An ambiguous lead has the tied
        score.
    ambiguous : ndarray of bool
        Per lead: several accounts tie for it, so none is chosen.
    candidate_rows, candidate_accounts : ndarray of int64
        One pair per (ambiguous lead row, tied account row).
    keyless_accounts : ndarray of int64
        Rows of the accounts that no step can reach: no usable domain (or website) nor name
        for the steps run.
    threshold : float
        The fuzzy threshold of the call.
    by : tuple of str
        The steps of the call, in order.
    lead_column : str
        The lead id column of the leads.
    backend : str
        The backend of the caller's leads (default of :meth:`to_frame`).
    """

    ids: np.ndarray
    account_ids: np.ndarray
    account: np.ndarray
    method_code: np.ndarray
    score: np.ndarray
    ambiguous: np.ndarray
    candidate_rows: np.ndarray
    candidate_accounts: np.ndarray
    keyless_accounts: np.ndarray
    threshold: float
    by: tuple[str, ...]
    lead_column: str = "lead_id"
    backend: str = "dict"

    levels = ("leads", "methods", "candidates")
    #: why a column (or summary figure) is NaN: a share of no leads is 0 / 0
    not_measured: ClassVar[dict[str, str]] = {
        "share": "no lead: a share of no leads (0 / 0) is not measured",
        "match_rate": "no lead: a rate of no leads (0 / 0) is not measured",
    }

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                object.__setattr__(self, f.name, read_only_view(value))

    @property
    def account_id(self) -> np.ndarray:
        """The account id per lead (object array, ``None`` without a single account)."""
        lut = np.empty(self.account_ids.size + 1, dtype=object)
        lut[: self.account_ids.size] = self.account_ids
        lut[-1] = None
        return np.asarray(lut[self.account], dtype=object)

    @property
    def method(self) -> np.ndarray:
        """The method per lead: ``"domain"``, ``"name"`` or ``"none"`` (object array)."""
        return np.asarray(np.array(METHODS, dtype=object)[self.method_code], dtype=object)

    def counts(self) -> dict[str, int]:
        """Leads per method (``"domain"``, ``"name"``, ``"none"``); they sum to the leads."""
        c = np.bincount(self.method_code, minlength=len(METHODS))
        return {m: int(c[METHODS.index(m)]) for m in ("domain", "name", "none")}

    def _method_columns(self) -> dict[str, np.ndarray]:
        order = [METHODS.index(m) for m in ("domain", "name", "none")]
        per_method = np.bincount(self.method_code, minlength=len(METHODS))
        tied_per_method = np.bincount(
            self.method_code, weights=self.ambiguous, minlength=len(METHODS)
        )
        leads = per_method[order].astype(np.int64)
        tied = tied_per_method[order].astype(np.int64)
        return {
            "method": np.array(["domain", "name", "none"], dtype=object),
            "leads": leads,
            "matched": np.where(np.arange(3) < 2, leads - tied, 0),
            "ambiguous": tied,
            "share": share_of(leads, int(self.ids.size)),
        }

    def _candidate_columns(self) -> dict[str, np.ndarray]:
        rows = self.candidate_rows
        return {
            "lead_id": np.asarray(self.ids)[rows],
            "account_id": np.asarray(self.account_ids)[self.candidate_accounts],
            "method": self.method[rows],
            "score": np.asarray(self.score)[rows],
        }

    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
        """``"leads"``: ``lead_id``, ``account_id``, ``method``, ``score``, ``ambiguous`` per
        lead (the leads' order); ``"methods"``: ``method``, ``leads``, ``matched``,
        ``ambiguous``, ``share``; ``"candidates"``: ``lead_id``, ``account_id``, ``method``,
        ``score`` per tied account of an ambiguous lead."""
        level, backend = self._frame_args(level, backend)
        if level == "methods":
            cols = self._method_columns()
        elif level == "candidates":
            cols = self._candidate_columns()
        else:
            cols = {
                "lead_id": self.ids,
                "account_id": self.account_id,
                "method": self.method,
                "score": self.score,
                "ambiguous": self.ambiguous,
            }
        return to_native(cols, frame_backend(backend, self.backend))

    def summary(self) -> dict[str, Any]:
        """Leads; matched, ambiguous and unmatched leads; leads per method; the match rate;
        accounts, and those no step can reach (no usable domain nor name)."""
        n = int(self.ids.size)
        matched = int(np.count_nonzero(self.account >= 0))
        counts = self.counts()
        return {
            "leads": n,
            "matched": matched,
            "ambiguous": int(np.count_nonzero(self.ambiguous)),
            "unmatched": counts["none"],
            "by_domain": counts["domain"],
            "by_name": counts["name"],
            "match_rate": matched / n if n else float("nan"),
            "threshold": float(self.threshold),
            "accounts": int(self.account_ids.size),
            "accounts_without_keys": int(self.keyless_accounts.size),
        }

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"AccountMatch(leads={s['leads']}, matched={s['matched']}, "
            f"ambiguous={s['ambiguous']}, unmatched={s['unmatched']}, accounts={s['accounts']})"
        )

    def _repr_html_(self) -> str:
        from .._display import preview

        s = self.summary()
        return preview(
            f"Account match — {s['matched']:,} of {s['leads']:,} leads matched, "
            f"{s['ambiguous']:,} ambiguous",
            self._method_columns(),
            max_rows=None,
            rates=True,
            na=self.not_measured,
        )

    def plot(self, ax: Any = None) -> tuple[Any, Any]:
        """Bar chart of the leads per method (needs the ``plot`` extra)."""
        from .._charts import bar_totals

        cols = self._method_columns()
        totals = {
            "matched": {str(m): float(v) for m, v in zip(cols["method"], cols["matched"])},
            "ambiguous": {str(m): float(v) for m, v in zip(cols["method"], cols["ambiguous"])},
        }
        totals["unmatched"] = {"none": float(cols["leads"][2])}
        return bar_totals(
            totals, ax=ax, title="Leads per match method", ylabel="leads", xlabel="method",
            sort=False,
        )  # fmt: skip

    def apply(self, leads: Any, *, column: str = "account_id", overwrite: bool = True) -> Any:
        """The leads with the matched account id written in ``column`` (a new table).

        Parameters
        ----------
        leads : frame, dict of arrays, records or CRMData
            The leads that were matched: the same rows in the same order, or any rows whose
            ids are all in the match (then joined by id; a repeated id of the match must have
            one account on all its rows).
        column : str, default ``"account_id"``
            The column to write (replaced when present).
        overwrite : bool, default True
            ``False`` keeps the values already in ``column`` and fills only its missing ones.

        Returns
        -------
        frame, dict or CRMData
            A new table of the leads' kind: a frame in its backend with its column types, a
            dict, a new CRMData (records, lazy frames and paths give a dict of numpy columns);
            the caller's data is left untouched.  A lead with no single account gets ``None``.

        Raises
        ------
        DataValidationError
            A lead id that is not in the match.
        ParameterError
            A match whose repeated lead ids were given different accounts (which row is
            which cannot be told, in any order); an ``overwrite`` that is not ``True`` or
            ``False``.
        """
        from .._crm import is_crm

        overwrite = check_flag(overwrite, "overwrite")
        if is_crm(leads):
            cols = dict(leads.leads)
            cols[column] = self._column_for(cols, column, overwrite)
            return dataclasses.replace(leads, leads=cols)
        fix = f"pass the leads that were matched, with their id column {self.lead_column!r}"
        raw = read_table(
            leads, table="leads", required=(self.lead_column,), optional=(column,), fix=fix
        )
        cols = {name: _decoded(raw.columns[name]) for name in raw.columns}
        return with_column(leads, column, self._column_for(cols, column, overwrite))

    def _id_rows(self) -> np.ndarray:
        """The first row of every distinct lead id of the match; refused when a repeated id's
        rows were given different accounts (its rows, in any order, read the same ids, so
        which account is whose cannot be told)."""
        cat = factorize(self.ids, column=self.lead_column)
        n = cat.n_categories
        codes = np.asarray(cat.codes, dtype=np.int64)
        first = np.full(n, self.ids.size, dtype=np.int64)
        np.minimum.at(first, codes, np.arange(self.ids.size, dtype=np.int64))
        if n == self.ids.size:
            return first
        acc = np.asarray(self.account, dtype=np.int64)
        lo = group_min(acc, codes, n, np.iinfo(np.int64).max)
        hi = group_max(acc, codes, n, np.iinfo(np.int64).min)
        split = np.flatnonzero(lo != hi)
        if split.size:
            shown = ", ".join(repr(v) for v in self.ids[first[split[:5]]].tolist())
            raise ParameterError(
                f"the match has repeated lead ids whose rows got different accounts ({shown}), "
                "so its rows cannot be given back by id (nor by position: the same ids in "
                "another row order read the same); give each lead its own id and match again"
            )
        return first

    def _column_for(self, cols: dict[str, Any], column: str, overwrite: bool) -> np.ndarray:
        ids = _decoded(cols[self.lead_column])
        rows = self._id_rows()  # (checked first: the positional path reads repeated ids too)
        if ids.size == self.ids.size and np.array_equal(ids, self.ids):
            out = self.account_id
        else:
            pos, found = lookup(self.ids[rows], ids)
            reject_rows(
                ~found,
                "lead not in the account match",
                column=self.lead_column,
                values=ids,
                table="leads",
                fix="match these leads first (alignment.accounts.match)",
            )
            out = self.account_id[rows[pos]]
        if not overwrite and column in cols:
            old = np.asarray(_decoded(cols[column]), dtype=object)
            keep = ~is_missing(old)
            out = np.where(keep, old, out)
        return np.asarray(out, dtype=object)
