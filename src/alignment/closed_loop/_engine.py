"""The closed-loop engine and its report.

Public names are re-exported by :mod:`alignment.closed_loop`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .._columns import fold_values
from .._frames import numeric, read_table
from .._options import reads_options
from .._results import CallableDict, ReportTable, Result
from ..errors import DataValidationError, MissingColumnError, ParameterError, reject_rows

__all__ = [
    "DEFAULT_REQUIRED",
    "ClosedLoopReport",
    "ClosedLoopTable",
    "closed_loop",
]

#: Fields a lead must have to be complete, unless ``required=`` says otherwise.
DEFAULT_REQUIRED: tuple[str, ...] = ("email", "company", "source")
MISSING = "(missing)"


class ClosedLoopTable(ReportTable):
    """Per key: leads, MQLs, acceptance, rejections, SQL, won, revenue, cost, ROI."""

    title = "closed-loop report"


class _Listing(ReportTable):
    title = "listing"


class ClosedLoopReport(Result):
    """The result of :func:`closed_loop`.

    Follows the result contract (``docs/results.md``): ``to_frame(level=None, backend=None)``
    with the levels ``"table"`` (default), ``"rejection_reasons"``, ``"duplicates"``,
    ``"incomplete"``; ``summary()``; ``plot(ax=None, ...)``.

    Attributes
    ----------
    table : ClosedLoopTable
        One row per key of ``by`` (plus rows holding cost or attributed revenue that matched
        no lead, with ``leads == 0``).
    rejection_reasons : ReportTable
        One row per key and rejection reason: ``count``.
    duplicates : ReportTable
        One row per (duplicate lead, rule): ``lead_id``, ``duplicate_of`` (the first lead of the
        group in the caller's order), ``rule`` (``"email"`` or ``"name+company"``).
    incomplete : ReportTable
        One row per (lead, missing required field): ``lead_id``, ``field``.
    summary : callable dict
        ``summary()``: totals and data-quality counts (``n_duplicates`` and ``n_incomplete``
        count leads); ``summary["x"]`` also works.

    Notes
    -----
    :meth:`plot` draws revenue / cost / ROI per key (the ``plot`` extra), ``(fig, ax)``.
    """

    def __init__(
        self,
        table: ClosedLoopTable,
        rejection_reasons: ReportTable,
        duplicates: ReportTable,
        incomplete: ReportTable,
        summary: dict[str, Any],
    ) -> None:
        self.table = table
        self.rejection_reasons = rejection_reasons
        self.duplicates = duplicates
        self.incomplete = incomplete
        self.summary = CallableDict(summary)

    levels = ("table", "rejection_reasons", "duplicates", "incomplete")

    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
        """One of the report's tables (see :attr:`levels`) in ``backend`` (default: the caller's)."""
        return self._table_frame(level, backend)

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"ClosedLoopReport({self.table.n_rows} keys, {s['n_leads']} leads, "
            f"{s['n_duplicates']} duplicates, {s['n_incomplete']} incomplete)"
        )

    def _repr_html_(self) -> str:
        s = self.summary
        quality = (
            f"<p>{s['n_duplicates']} duplicate lead(s), {s['n_incomplete']} incomplete lead(s) "
            f"of {s['n_leads']}.</p>"
        )
        return f"<div>{self.table._repr_html_()}{quality}</div>"

    def plot(
        self,
        ax: Any = None,
        *,
        measures: str | Sequence[str] = ("revenue", "cost"),
        top: int | None = 20,
    ) -> tuple[Any, Any]:
        """Bars of revenue, cost, ROI … per key, largest first (needs the ``plot`` extra).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw on it; default a new figure.
        measures : str or sequence of str, default ("revenue", "cost")
            Numeric columns of :attr:`table` (``"roi"``, ``"attributed_revenue"``,
            ``"leads"``, ``"acceptance_rate"`` …), drawn side by side.
        top : int or None, default 20
            Keys shown, ranked by the first measure (``None``: every key).

        Returns
        -------
        (Figure, Axes)
        """
        from ._plot import plot_closed_loop

        return plot_closed_loop(self, ax=ax, measures=measures, top=top)


# ----------------------------------------------------------------------------- helpers


def _norm_codes(cat: Any) -> np.ndarray:
    """Codes of the normalised values of a Categorical (``-1`` = missing or blank).

    Normalisation, vectorised over the distinct values with ``numpy.char``: tabs and line
    breaks become spaces, runs of spaces collapse to one, surrounding spaces go, and the text
    is lower-cased.
    """
    cats = np.asarray(cat.categories, dtype=str)
    if cats.size == 0:
        return np.full(cat.codes.size, -1, dtype=np.int64)
    for ws in ("\t", "\n", "\r", "\x0b", "\x0c", "\xa0"):
        cats = np.char.replace(cats, ws, " ")
    while True:  # each pass halves the longest run of spaces: a loop over passes, not values
        has_run = np.char.find(cats, "  ") >= 0
        if not has_run.any():
            break
        cats = np.char.replace(cats, "  ", " ")
    cats = np.char.lower(np.char.strip(cats))
    _, inv = np.unique(cats, return_inverse=True)
    mapped = inv.ravel().astype(np.int64)
    mapped[cats == ""] = -1
    return np.asarray(np.append(mapped, -1)[cat.codes])


def _pair(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One code per (a, b) pair; -1 when either is missing."""
    if a.size == 0:
        return a
    return np.where((a >= 0) & (b >= 0), a * (int(b.max()) + 1) + b, -1)


def _duplicates_of(codes: np.ndarray) -> np.ndarray:
    """For each row, the first row with the same code (itself if first; -1 when code is -1)."""
    n = codes.size
    out = np.full(n, -1, dtype=np.int64)
    ok = codes >= 0
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    order = idx[np.lexsort((idx, codes[idx]))]
    c = codes[order]
    starts = np.r_[True, c[1:] != c[:-1]]
    first = order[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    out[order] = first
    return out


def _lead_codes(lt: Any, name: str) -> np.ndarray | None:
    if name in lt.categorical:
        return _norm_codes(lt.categorical[name])
    return None


def _missing_mask(lt: Any, name: str) -> np.ndarray:
    n = lt.n_leads
    if name in lt.categorical:
        cat = lt.categorical[name]
        cats = np.asarray(cat.categories, dtype=str)
        blank = np.append(np.char.strip(cats) == "", True) if cats.size else np.ones(1, bool)
        return np.asarray(blank[cat.codes])
    if name in lt.stages:
        return np.asarray(np.isnat(lt.stages[name]))
    if name in lt.numeric:
        return np.asarray(np.isnan(lt.numeric[name]))
    if name in ("created_at", lt.id_column):
        return np.zeros(n, dtype=bool)
    return np.ones(n, dtype=bool)  # the column is absent: every lead lacks it


def _stage_set(lt: Any, *names: str) -> np.ndarray:
    for name in names:
        if name in lt.stages:
            return np.asarray(~np.isnat(lt.stages[name]))
    return np.zeros(lt.n_leads, dtype=bool)


def _unique_rows(
    codes: Sequence[np.ndarray], sizes: Sequence[int], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of integer code columns (sorted) and each row's index among them.

    The columns are combined into one mixed-radix int64 key (one integer ``unique``) when the
    key fits, else ``numpy.unique(axis=0)``.
    """
    if not codes:
        return np.zeros((1 if n else 0, 0), dtype=np.int64), np.zeros(n, dtype=np.int64)
    if float(np.prod([max(s, 1) for s in sizes], dtype=np.float64)) < 2.0**62:
        key = np.zeros(n, dtype=np.int64)
        for c, size in zip(codes, sizes):  # loop over key columns
            key = key * max(size, 1) + c
        ukey, inv = np.unique(key, return_inverse=True)
        rows = np.empty((ukey.size, len(codes)), dtype=np.int64)
        rest = ukey.copy()
        for j in range(len(codes) - 1, -1, -1):
            size = max(sizes[j], 1)
            rows[:, j] = rest % size
            rest //= size
        return rows, inv.ravel()
    stacked = np.stack(codes, axis=1)
    rows, inv = np.unique(stacked, axis=0, return_inverse=True)
    return rows, inv.ravel()


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


# ----------------------------------------------------------------------------- main


@reads_options
def closed_loop(
    leads: Any,
    *,
    deals: Any = None,
    costs: Any = None,
    attribution: Any = None,
    by: str | Sequence[str] = ("source", "campaign", "persona"),
    required: Sequence[str] = DEFAULT_REQUIRED,
    attribution_by: str | None = None,
    cost_column: str = "cost",
    tz: str | None = None,
    normalize: Literal["casefold"] | None = None,
) -> ClosedLoopReport:
    """Closed-loop report per key, with duplicate and incomplete leads.

    Parameters
    ----------
    leads : LeadTable or anything :meth:`alignment.LeadTable.build` accepts
        Columns used: the ``by`` columns (strings; a missing value is the key ``"(missing)"``),
        stages ``mql_at``, ``accepted_at`` (else ``sal_at``), ``rejected_at``, ``sql_at``,
        ``won_at``, the string ``rejection_reason``, the numeric ``revenue`` (when no
        ``deals``); ``email``, ``name`` (or ``first_name`` + ``last_name``) and ``company`` for
        duplicates.
    deals : frame, dict or sequence of :class:`alignment.Deal`, optional
        Columns ``lead_id``, ``amount``, ``won``: a lead is won when it has a won deal, its
        revenue is the sum of its won deals' amounts. A deal of an unknown lead is an error.
    costs : frame, dict, optional
        Column ``cost_column`` (>= 0) and any of the ``by`` columns. Rows are summed per value
        of the ``by`` columns they carry; when that is coarser than ``by`` (e.g. cost per
        campaign, report per campaign and persona) the cost is shared among the keys in
        proportion to their leads. Cost that matches no lead becomes a row with ``leads == 0``.
    attribution : AttributionResult, optional
        Its ``totals(by=attribution_by)`` gives ``attributed_revenue``, shared among the keys
        like costs.
    by : str or sequence of str
        The key columns.
    required : sequence of str
        Fields a complete lead has (default :data:`DEFAULT_REQUIRED`); a field that is not a
        column at all is missing for every lead.
    attribution_by : str, optional
        Key of the attribution totals; default ``by`` when it is one column, else
        ``"campaign"`` if in ``by``, else ``by[0]``.
    cost_column : str
        Name of the cost column in ``costs``.
    tz : str, optional
        IANA zone (e.g. ``"America/New_York"``) of naive instants in the inputs (strings without
        offset, naive datetimes, naive frame columns); without it they are read as UTC and an
        :class:`alignment.AlignmentWarning` names their columns (see "Time zones and formats"
        in ``docs/tables.md``).
    normalize : {"casefold"}, optional
        ``"casefold"`` folds the spellings of channel, source and campaign (case, spaces, ``_``,
        ``-``): ``"Paid Search"`` and ``"PAID_SEARCH"`` are both read as ``"paid search"``;
        without it, such variants are warned about.

    Returns
    -------
    ClosedLoopReport

    Notes
    -----
    ``acceptance_rate = accepted / mqls`` (MQL→SAL), ``sql_rate = sqls / accepted`` (SAL→SQL),
    ``win_rate = won / sqls``, ``cost_per_lead = cost / leads``,
    ``roi = (revenue − cost) / cost`` and ``attributed_roi = (attributed_revenue − cost) / cost``.
    A ratio with a zero denominator (no MQL, no cost …) is ``NaN``: undefined, never 0 or inf.
    """
    from ..tables import LeadTable

    by_cols = (by,) if isinstance(by, str) else tuple(by)
    if not by_cols:
        raise ParameterError("closed_loop: by must name at least one lead column")
    lt = LeadTable.build(leads)
    g = _groups(lt, by_cols)
    stages, revenue = _outcomes(lt, deals)
    out = _funnel_columns(g, stages, revenue)
    extra_rows: list[dict[str, Any]] = []
    cost = np.zeros(g.n)
    if costs is not None:
        raw = read_table(costs, table="costs", required=[cost_column], optional=by_cols)
        amounts = numeric(
            raw.columns[cost_column], column=cost_column, table="costs", nonnegative=True
        )
        keys = {
            c: fold_values(raw.columns[c], column=c, table="costs")
            for c in by_cols
            if c in raw.columns
        }
        cost = _allocate(g, out["leads"], keys, amounts, "cost", extra_rows)
    attributed = _attributed(g, out["leads"], attribution, attribution_by, extra_rows)
    if extra_rows:  # unmatched amounts become their own rows (nothing is lost)
        cost, attributed = _append_unmatched(out, cost, attributed, extra_rows, by_cols)
    _money_columns(out, cost, attributed)
    duplicates = _duplicates(lt)
    incomplete, absent = _incomplete(lt, required)
    summary: dict[str, Any] = {
        "n_leads": lt.n_leads,
        "n_keys": g.n,
        "mqls": int(stages["mql"].sum()),
        "accepted": int(stages["accepted"].sum()),
        "rejected": int(stages["rejected"].sum()),
        "sqls": int(stages["sqls"].sum()),
        "won": int(stages["won"].sum()),
        "revenue": float(revenue.sum()),
        "cost": float(cost.sum()),
        "unmatched_amount_rows": len(extra_rows),
        "n_duplicates": int(np.unique(duplicates["row"]).size),
        "n_incomplete": int(np.unique(incomplete["row"]).size),
        "absent_required_columns": tuple(absent),
    }
    if attributed is not None:
        summary["attributed_revenue"] = float(attributed.sum())
    return ClosedLoopReport(
        ClosedLoopTable(out, backend=lt.backend),
        _Listing(_rejection_reasons(lt, g, stages["rejected"]), backend=lt.backend),
        duplicates,
        incomplete,
        summary,
    )


@dataclass
class _Groups:
    """The groups of ``by``: key values per column, each group's codes, each lead's group."""

    by: tuple[str, ...]
    values: list[np.ndarray]  # per by column: its categories and MISSING last
    sizes: list[int]
    uniq: np.ndarray  # (groups, by columns) codes
    gid: np.ndarray  # group of each lead
    keys: dict[str, np.ndarray]  # per by column: the group's key

    @property
    def n(self) -> int:
        return int(self.uniq.shape[0])


def _groups(lt: Any, by_cols: tuple[str, ...]) -> _Groups:
    for c in by_cols:
        if c not in lt.categorical:
            raise MissingColumnError(
                f"closed_loop groups by {c!r}, which is not a string column of the leads; "
                f"string columns: {', '.join(lt.categorical) or '(none)'}",
                column=c,
                table="leads",
            )
    key_values = []
    codes = []
    for c in by_cols:  # loop over key columns
        cat = lt.categorical[c]
        vals = np.append(cat.categories.astype(object), MISSING)
        key_values.append(vals)
        codes.append(np.where(cat.codes < 0, vals.size - 1, cat.codes).astype(np.int64))
    sizes = [v.size for v in key_values]
    uniq, gid = _unique_rows(codes, sizes, lt.n_leads)
    keys = {c: key_values[j][uniq[:, j]] for j, c in enumerate(by_cols)}
    return _Groups(by_cols, key_values, sizes, uniq, gid, keys)


def _outcomes(lt: Any, deals: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per lead: MQL, accepted, rejected, SQL and won flags, and the won revenue."""
    stages = {
        "mql": _stage_set(lt, "mql_at"),
        "accepted": _stage_set(lt, "accepted_at", "sal_at"),
        "rejected": _stage_set(lt, "rejected_at"),
        "sqls": _stage_set(lt, "sql_at"),
        "won": _stage_set(lt, "won_at"),
    }
    revenue: np.ndarray = np.zeros(lt.n_leads)
    if deals is not None:
        revenue, won_deal = _deal_revenue(lt, deals)
        stages["won"] = stages["won"] | won_deal
    elif "revenue" in lt.numeric:
        revenue = np.nan_to_num(lt.numeric["revenue"], nan=0.0)
        reject_rows(
            revenue < 0,
            "negative revenue",
            column="revenue",
            table="leads",
            values=revenue,
            fix="revenue is won revenue and must be >= 0; record refunds or credits separately",
        )
    return stages, revenue


def _deal_revenue(lt: Any, deals: Any) -> tuple[np.ndarray, np.ndarray]:
    """Won revenue per lead and whether it has a won deal (a deal of an unknown lead is refused)."""
    n = lt.n_leads
    raw = read_table(deals, table="deals", required=["lead_id", "amount", "won"])
    amount = numeric(raw.columns["amount"], column="amount", table="deals", nonnegative=True)
    deal_won = np.asarray(raw.columns["won"])
    if deal_won.dtype.kind != "b":
        if deal_won.dtype.kind == "O" and all(
            isinstance(v, bool | np.bool_) for v in deal_won.tolist()
        ):
            deal_won = deal_won.astype(bool)
        else:
            raise DataValidationError(
                f"expected booleans, got dtype {deal_won.dtype}",
                column="won",
                table="deals",
                fix="use True/False for won",
            )
    pos, found = lt.positions(raw.columns["lead_id"])
    reject_rows(
        ~found,
        "deal of a lead that is not in the lead table",
        column="lead_id",
        table="deals",
        values=raw.columns["lead_id"],
        fix="add the lead or drop the deal (its revenue would otherwise be lost)",
    )
    w = deal_won.astype(bool)
    revenue = np.bincount(pos[w], weights=amount[w], minlength=n)
    return revenue, np.bincount(pos[w], minlength=n) > 0


def _funnel_columns(
    g: _Groups, stages: dict[str, np.ndarray], revenue: np.ndarray
) -> dict[str, np.ndarray]:
    """Per group: leads, MQLs, acceptance, SQLs, won and their rates, revenue."""

    def gsum(mask_or_values: np.ndarray) -> np.ndarray:
        return np.bincount(g.gid, weights=mask_or_values.astype(np.float64), minlength=g.n)

    out: dict[str, np.ndarray] = dict(g.keys)
    out["leads"] = np.bincount(g.gid, minlength=g.n)
    out["mqls"] = gsum(stages["mql"]).astype(np.int64)
    out["accepted"] = gsum(stages["accepted"]).astype(np.int64)
    out["rejected"] = gsum(stages["rejected"]).astype(np.int64)
    out["acceptance_rate"] = _safe_ratio(out["accepted"], out["mqls"])
    out["sqls"] = gsum(stages["sqls"]).astype(np.int64)
    out["sql_rate"] = _safe_ratio(out["sqls"], out["accepted"])
    out["won"] = gsum(stages["won"]).astype(np.int64)
    out["win_rate"] = _safe_ratio(out["won"], out["sqls"])
    out["revenue"] = gsum(revenue)
    return out


def _row_codes(
    g: _Groups, cols: list[str], keys: dict[str, np.ndarray], m: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each amount row's key as codes of the shared columns, and whether every part is known."""
    row_codes = np.zeros((m, len(cols)), dtype=np.int64)
    known = np.ones(m, dtype=bool)
    for j, c in enumerate(cols):
        vals = g.values[g.by.index(c)]
        kv = np.asarray(keys[c], dtype=object)
        kv = np.where(np.array([v is None for v in kv.tolist()], dtype=bool), MISSING, kv)
        kv = kv.astype(str).astype(object)
        order = np.argsort(vals.astype(str))
        sv = vals.astype(str)[order]
        p = np.minimum(np.searchsorted(sv, kv.astype(str)), sv.size - 1)
        hit = sv[p] == kv.astype(str)
        known &= hit
        row_codes[:, j] = np.where(hit, order[p], -1)
    return row_codes, known


def _allocate(
    g: _Groups,
    leads_n: np.ndarray,
    keys: dict[str, np.ndarray],
    amounts: np.ndarray,
    what: str,
    extra_rows: list[dict[str, Any]],
) -> np.ndarray:
    """Share amounts keyed by a subset of ``by`` among the groups, by lead count.

    Amount rows whose key matches no group are appended to ``extra_rows`` (kept, not lost).
    """
    cols = [c for c in g.by if c in keys]
    m = amounts.size
    if m == 0:
        return np.zeros(g.n)
    row_codes, known = _row_codes(g, cols, keys, m)
    sub_cols = [g.by.index(c) for c in cols]
    gsub = g.uniq[:, sub_cols] if cols else np.zeros((g.n, 0), np.int64)
    sub_keys, sub_of_group = _unique_rows(
        [gsub[:, j] for j in range(gsub.shape[1])], [g.sizes[j] for j in sub_cols], g.n
    )
    sub_of_group = sub_of_group.ravel()
    leads_in_sub = np.bincount(sub_of_group, weights=leads_n, minlength=sub_keys.shape[0])
    # position of each amount row's key among sub_keys
    if cols:
        lookup = {tuple(r): i for i, r in enumerate(sub_keys.tolist())}  # per distinct key
        sub_of_row = np.array(
            [lookup.get(tuple(r), -1) if k else -1 for r, k in zip(row_codes.tolist(), known)],
            dtype=np.int64,
        )
    else:
        sub_of_row = np.zeros(m, dtype=np.int64)
    matched = sub_of_row >= 0
    sub_amount = np.bincount(
        sub_of_row[matched], weights=amounts[matched], minlength=sub_keys.shape[0]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(leads_in_sub[sub_of_group] > 0, leads_n / leads_in_sub[sub_of_group], 0.0)
    for i in np.flatnonzero(~matched).tolist():  # unmatched amount rows (rare), kept
        row = {c: (str(keys[c][i]) if keys[c][i] is not None else MISSING) for c in cols}
        extra_rows.append({"what": what, "key": row, "amount": float(amounts[i])})
    out: np.ndarray = sub_amount[sub_of_group] * share
    return out


def _attributed(
    g: _Groups,
    leads_n: np.ndarray,
    attribution: Any,
    attribution_by: str | None,
    extra_rows: list[dict[str, Any]],
) -> np.ndarray | None:
    """Attributed revenue per group (the attribution totals shared like costs)."""
    if attribution is None:
        return None
    if not hasattr(attribution, "totals"):
        raise ParameterError("closed_loop: attribution must be an AttributionResult")
    by_cols = g.by
    key = attribution_by or (
        by_cols[0] if len(by_cols) == 1 else ("campaign" if "campaign" in by_cols else by_cols[0])
    )
    if key not in by_cols:
        raise ParameterError(f"closed_loop: attribution_by={key!r} must be one of by={by_cols}")
    totals = attribution.totals(by=key)
    names = np.array(list(totals.keys()), dtype=object)
    vals = np.array([float(v) for v in totals.values()], dtype=np.float64)
    return _allocate(g, leads_n, {key: names}, vals, "attributed_revenue", extra_rows)


def _append_unmatched(
    out: dict[str, np.ndarray],
    cost: np.ndarray,
    attributed: np.ndarray | None,
    extra_rows: list[dict[str, Any]],
    by_cols: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows for amounts that matched no group (leads 0), merged per key."""
    merged: dict[tuple[str, ...], dict[str, float]] = {}
    for e in extra_rows:
        k = tuple(e["key"].get(c, MISSING) for c in by_cols)
        merged.setdefault(k, {"cost": 0.0, "attributed_revenue": 0.0})[e["what"]] += e["amount"]
    ks = list(merged)
    x = len(ks)
    for j, c in enumerate(by_cols):
        out[c] = np.concatenate([out[c], np.array([k[j] for k in ks], dtype=object)])
    for col in ("leads", "mqls", "accepted", "rejected", "sqls", "won"):
        out[col] = np.concatenate([out[col], np.zeros(x, dtype=np.int64)])
    for col in ("acceptance_rate", "sql_rate", "win_rate"):
        out[col] = np.concatenate([out[col], np.full(x, np.nan)])
    out["revenue"] = np.concatenate([out["revenue"], np.zeros(x)])
    cost = np.concatenate([cost, np.array([merged[k]["cost"] for k in ks])])
    if attributed is not None:
        extra = np.array([merged[k]["attributed_revenue"] for k in ks])
        attributed = np.concatenate([attributed, extra])
    return cost, attributed


def _money_columns(
    out: dict[str, np.ndarray], cost: np.ndarray, attributed: np.ndarray | None
) -> None:
    if attributed is not None:
        out["attributed_revenue"] = attributed
    out["cost"] = cost
    out["cost_per_lead"] = _safe_ratio(cost, out["leads"].astype(np.float64))
    out["roi"] = _safe_ratio(out["revenue"] - cost, cost)
    if attributed is not None:
        out["attributed_roi"] = _safe_ratio(attributed - cost, cost)


def _rejection_reasons(lt: Any, g: _Groups, rejected: np.ndarray) -> dict[str, np.ndarray]:
    """Per group and rejection reason: the count of rejected leads."""
    rr: dict[str, np.ndarray] = {c: np.empty(0, dtype=object) for c in g.by}
    rr["reason"] = np.empty(0, dtype=object)
    rr["count"] = np.empty(0, dtype=np.int64)
    if "rejection_reason" in lt.categorical and rejected.any():
        rc = lt.categorical["rejection_reason"]
        rvals = np.append(rc.categories.astype(object), MISSING)
        rcode = np.where(rc.codes < 0, rvals.size - 1, rc.codes)
        pair = g.gid[rejected] * rvals.size + rcode[rejected]
        up, cnt = np.unique(pair, return_counts=True)
        gi, r = up // rvals.size, up % rvals.size
        rr = {c: g.keys[c][gi] for c in g.by}
        rr["reason"] = rvals[r]
        rr["count"] = cnt.astype(np.int64)
    return rr


def _duplicates(lt: Any) -> _Listing:
    """One row per (duplicate lead, rule): by email, and by name + company."""
    n = lt.n_leads
    parts: list[tuple[np.ndarray, np.ndarray, str]] = []
    email = _lead_codes(lt, "email")
    name: np.ndarray | None = _lead_codes(lt, "name")
    if name is None:
        fn, ln = _lead_codes(lt, "first_name"), _lead_codes(lt, "last_name")
        if fn is not None and ln is not None:
            name = _pair(fn, ln)
    company = _lead_codes(lt, "company")
    by_name = _pair(name, company) if name is not None and company is not None else None
    for codes, rule in ((email, "email"), (by_name, "name+company")):
        if codes is None:
            continue
        first = _duplicates_of(codes)
        d = np.flatnonzero((first >= 0) & (first != np.arange(n)))
        parts.append((d, first[d], rule))
    drows = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, dtype=np.int64)
    dfirst = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, dtype=np.int64)
    drule = (
        np.concatenate([np.full(p[0].size, p[2], dtype=object) for p in parts])
        if parts
        else np.empty(0, dtype=object)
    )
    return _Listing(
        {"lead_id": lt.ids[drows], "duplicate_of": lt.ids[dfirst], "rule": drule, "row": drows},
        backend=lt.backend,
    )


def _incomplete(lt: Any, required: Sequence[str]) -> tuple[_Listing, list[str]]:
    """One row per (lead, missing required field), in row order; and the absent columns."""
    inc_rows: list[np.ndarray] = []
    inc_field: list[np.ndarray] = []
    absent = []
    for f in required:  # loop over required fields
        miss = _missing_mask(lt, f)
        if f not in lt.columns:
            absent.append(f)
        idx = np.flatnonzero(miss)
        inc_rows.append(idx)
        inc_field.append(np.full(idx.size, f, dtype=object))
    irows = np.concatenate(inc_rows) if inc_rows else np.empty(0, dtype=np.int64)
    ifield = np.concatenate(inc_field) if inc_field else np.empty(0, dtype=object)
    order = np.argsort(irows, kind="stable")
    listing = _Listing(
        {"lead_id": lt.ids[irows[order]], "field": ifield[order], "row": irows[order]},
        backend=lt.backend,
    )
    return listing, absent
