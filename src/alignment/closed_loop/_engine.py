"""The closed-loop engine and its report.

Public names are re-exported by :mod:`alignment.closed_loop`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .._colnames import by_keyword
from .._columns import FOLDED_COLUMNS
from .._frame_types import level_frames
from .._frames import numeric, read_table
from .._grouplabel import refuse_missing_label
from .._options import reads_options
from .._params import is_option, number_sequence
from .._results import CallableDict, ReportTable, Result
from .._segments import sorted_unique
from .._textnorm import reason_texts
from ..errors import AlignmentError, MissingColumnError, ParameterError
from ..tables._groups import labels_like
from ..tables._labels import label_category
from ._allocate import (
    ALLOCATIONS,
    MISSING,
    UNALLOCATED,
    Allocate,
    Placement,
    column_codes,
    place,
    sum_by_text,
    unique_rows,
    unplaced,
    with_unplaced,
)
from ._bundle import NO_CONTACT_NOTE, from_bundle
from ._quality import Listing, duplicates, incomplete
from ._revenue import (
    deal_revenue,
    lead_revenue,
    refuse_overflow,
    revenue_gap,
    warn_not_won_revenue,
)

__all__ = [
    "DEFAULT_REQUIRED",
    "UNALLOCATED",
    "ClosedLoopReport",
    "ClosedLoopTable",
    "closed_loop",
]

#: Fields a lead must have to be complete, unless ``required=`` says otherwise.
DEFAULT_REQUIRED: tuple[str, ...] = ("email", "company", "source")

#: the count columns of the report: (column, the lead stages that set it, in order of preference)
_STAGES: dict[str, tuple[str, ...]] = {
    "mqls": ("mql_at",),
    "accepted": ("accepted_at", "sal_at"),
    "rejected": ("rejected_at",),
    "sqls": ("sql_at",),
    "won": ("won_at",),
}
#: ratio columns: (numerator, denominator, why a cell is NaN when the denominator is 0); the
#: numerator counts only the leads of the denominator (those that reached both stages)
_RATIOS: dict[str, tuple[str, str, str]] = {
    "acceptance_rate": ("accepted", "mqls", "no MQL"),
    "sql_rate": ("sqls", "accepted", "no accepted lead"),
    "win_rate": ("won", "sqls", "no SQL"),
}
#: the note of the row holding the attributed revenue of persons who are not leads
_OUTSIDE_NOTE = "attributed revenue of persons not among the leads"


class ClosedLoopTable(ReportTable):
    """Per key: leads, MQLs, acceptance, rejections, SQL, won, revenue, cost, ROI, note."""

    title = "closed-loop report"


class ClosedLoopReport(Result):
    """The result of :func:`closed_loop`.

    Follows the result contract (``docs/results.md``): ``to_frame(level=None, backend=None)``
    with the levels ``"table"`` (default), ``"rejection_reasons"``, ``"duplicates"``,
    ``"incomplete"``; ``summary()``; ``plot(ax=None, ...)``.

    Attributes
    ----------
    table : ClosedLoopTable
        One row per key of ``by``, plus rows holding amounts without leads (``leads == 0``): a
        key no lead has, and *unallocated* rows (``"(unallocated)"`` in the key columns the
        amounts do not carry); ``note`` says why such a row has no lead.
    rejection_reasons : ReportTable
        One row per key and rejection reason: ``count``.
    duplicates : ReportTable
        One row per (duplicate lead, rule): ``lead_id``, ``duplicate_of`` (the first lead of the
        group in the caller's order), ``rule`` (``"email"`` or ``"name+company"``).
    incomplete : ReportTable
        One row per (lead, missing required field): ``lead_id``, ``field``.
    summary : callable dict
        ``summary()``: totals and data-quality counts (``n_duplicates`` and ``n_incomplete``
        count leads), ``allocate``, ``unallocated_cost``; ``summary["x"]`` also works.
    not_measured : dict of str to str
        Per column of :attr:`table`, why its ``NaN`` cells have no value.

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

    @property
    def not_measured(self) -> dict[str, str]:
        """Per column of :attr:`table`, why its ``NaN`` cells have no value."""
        return dict(self.table.not_measured)

    @property
    def allocation_text(self) -> str:
        """How the costs were placed on the keys, in words (for reports)."""
        return allocation_text(self.summary)

    @level_frames
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
        from .._display import esc

        s = self.summary
        quality = (
            f"<p>{s['n_duplicates']} duplicate lead(s), {s['n_incomplete']} incomplete lead(s) "
            f"of {s['n_leads']}. {esc(self.allocation_text)}</p>"
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


def allocation_text(summary: Any) -> str:
    """How the costs of a closed-loop report were placed, in words (reads its summary)."""
    how = summary.get("allocate", "none")
    if summary.get("cost") is None or summary.get("cost") != summary.get("cost"):
        return "No costs given: cost, cost per lead and ROI are not measured."
    left = float(summary.get("unallocated_cost", 0.0))
    if how == "none":
        text = "Costs placed only on the keys they carry (no allocation)"
    else:
        text = f"Costs allocated by {'leads' if how == 'leads' else 'attributed revenue'}"
    if left > 0:
        text += f"; {left:,.0f} of cost is unallocated (its own row, see note)"
    return text + "."


# ----------------------------------------------------------------------------- main


@reads_options
def closed_loop(
    leads: Any,
    *,
    deals: Any = None,
    costs: Any = None,
    attribution: Any = None,
    by: str | Sequence[str] = ("source", "campaign", "persona"),
    required: str | Sequence[str] = DEFAULT_REQUIRED,
    attribution_by: str | None = None,
    cost_column: str = "cost",
    allocate: Allocate = "none",
    tz: str | None = None,
    normalize: Literal["casefold"] | None = None,
) -> ClosedLoopReport:
    """Closed-loop report per key, with duplicate and incomplete leads.

    Parameters
    ----------
    leads : LeadTable, CRMData or anything :meth:`alignment.LeadTable.build` accepts
        Columns used: the ``by`` columns (any lead column, labelled as ``funnel.observe(by=)``
        labels it: text, integer codes as ``"101"``, flags; a missing value is the key
        ``"(missing)"``),
        stages ``mql_at``, ``accepted_at`` (else ``sal_at``), ``rejected_at``, ``sql_at``,
        ``won_at``, the string ``rejection_reason``, the numeric ``revenue`` (when no
        ``deals``); ``email``, ``name`` (or ``first_name`` + ``last_name``) and ``company`` for
        duplicates.  A :class:`alignment.io.CRMData` bundle gives the leads, and the deals
        (won deals credited to their primary contact) and costs unless they are passed.
    deals : frame, dict or sequence of :class:`alignment.Deal`, optional
        Columns ``lead_id``, ``amount``, ``won`` (flags: true/false, yes/no, 1/0): a lead is
        won when it has a won deal, its revenue is the sum of its won deals' amounts. A deal of
        an unknown lead is an error.
    costs : frame, dict, optional
        Column ``cost_column`` (>= 0) and any lead columns (``campaign``, ``source`` …; other
        columns such as ``channel`` or ``month`` are summed over).  A cost row is placed only
        along the lead columns it carries: on its key when it carries every ``by`` column;
        otherwise as ``allocate`` says.
    attribution : AttributionResult, optional
        Its ``totals(by=attribution_by)`` gives ``attributed_revenue``, placed on the keys like
        costs; the part credited to persons who are not among the leads (known from per-touch
        credit) stays on an unallocated row, ``summary()["attributed_revenue_outside_leads"]``.
    by : str or sequence of str
        The key columns.
    required : str or sequence of str
        Fields a complete lead has (default :data:`DEFAULT_REQUIRED`); one string is one field
        (``required="email"``); a field that is not a column at all is missing for every lead.
    attribution_by : str, optional
        Key of the attribution totals; default ``by`` when it is one column, else
        ``"campaign"`` if in ``by``, else ``by[0]``.
    cost_column : str
        Name of the cost column in ``costs``.
    allocate : {"none", "leads", "revenue"}, default "none"
        Amounts that do not carry every ``by`` column (costs per campaign, report per
        source): ``"none"`` keeps them on an unallocated row (``"(unallocated)"`` in the
        columns they do not carry, the reason in ``note``); ``"leads"`` splits each row over
        the keys in proportion to the leads sharing the lead columns it carries (campaign X's
        leads per source); ``"revenue"`` in proportion to those leads' attributed revenue
        (needs ``attribution``, a rule-based model with per-touch credit).
    tz : str, optional
        IANA zone of naive instants (e.g. ``"America/New_York"``); default UTC, with a warning.
    normalize : {"casefold"}, optional
        Fold the spellings of channel, source and campaign (``"PAID_SEARCH"`` -> ``"paid
        search"``); see "Time zones and formats" and "Category spellings" in the tables guide.

    Returns
    -------
    ClosedLoopReport

    Notes
    -----
    ``acceptance_rate = accepted / mqls`` (MQL→SAL), ``sql_rate = sqls / accepted`` (SAL→SQL),
    ``win_rate = won / sqls``, ``cost_per_lead = cost / leads``,
    ``roi = (revenue − cost) / cost`` and ``attributed_roi = (attributed_revenue − cost) / cost``.
    A ratio with a zero denominator (no MQL, no cost …) is ``NaN``: undefined, never 0 or inf.
    A count whose stage column the leads do not have (no ``accepted_at`` nor ``sal_at`` …) is
    ``NaN`` (not measured), and so are the ratios that use it; without costs, cost and ROI are
    ``NaN``.  :attr:`ClosedLoopReport.not_measured` gives the reason per column.  The cost over
    all rows (unallocated ones included) is the cost table's total.
    """
    from ..tables import LeadTable

    leads, deals, costs, bundle = from_bundle(leads, deals, costs)
    alone = bundle.alone
    by_cols = _field_names(by, "by", "by=['source', 'campaign']")
    required = _field_names(required, "required", "required=['email', 'company']")
    if not by_cols:
        raise ParameterError("closed_loop: by must name at least one lead column")
    if not is_option(allocate, ALLOCATIONS):
        raise ParameterError(
            f"closed_loop: allocate must be one of {', '.join(map(repr, ALLOCATIONS))}, "
            f"got {allocate!r}"
        )
    lt = LeadTable.build(leads)
    g = _groups(lt, by_cols)
    stages, revenue, measured, revenue_gap = _outcomes(lt, deals, bundle.on_won_deal(lt))
    out = _funnel_columns(g, stages, revenue, measured)
    weights = _weights(lt, allocate, attribution)
    cost_place, cost_total = _costs(g, lt, costs, cost_column, allocate, weights)
    attr_place = _attributed(g, lt, attribution, attribution_by, allocate, weights)
    rev_place = unplaced(g.n, by_cols, alone, NO_CONTACT_NOTE)
    n_extra = _money_columns(out, g, cost_place, attr_place, rev_place, measured["revenue"])
    reasons = _reasons(measured, cost_place, attr_place, n_extra, revenue_gap)
    dup = duplicates(lt)
    inc, absent = incomplete(lt, required)
    summary: dict[str, Any] = {"n_leads": lt.n_leads, "n_keys": g.n}
    for col in _STAGES:  # loop over the count columns
        summary[col] = int(stages[col].sum()) if measured[col] else float("nan")
    summary.update(
        {
            "revenue": float(revenue.sum() + alone.sum()) if measured["revenue"] else float("nan"),
            "unallocated_revenue": float(alone.sum()),
            "cost": cost_total,
            "allocate": allocate,
            "unallocated_cost": float(np.nansum(out["cost"][out["unallocated"]])),
            "unmatched_amount_rows": n_extra,
            "n_duplicates": int(sorted_unique(dup["row"]).size),
            "n_incomplete": int(sorted_unique(inc["row"]).size),
            "absent_required_columns": tuple(absent),
        }
    )
    if attr_place is not None:
        summary["attributed_revenue"] = float(np.nansum(out["attributed_revenue"]))
        outside = attr_place.extra_note == _OUTSIDE_NOTE
        summary["attributed_revenue_outside_leads"] = float(attr_place.extra_amount[outside].sum())
    del out["unallocated"]
    return ClosedLoopReport(
        ClosedLoopTable(out, backend=lt.backend, not_measured=reasons),
        Listing(_rejection_reasons(lt, g, stages["rejected"]), backend=lt.backend),
        dup,
        inc,
        summary,
    )


def _field_names(value: Any, name: str, example: str) -> tuple[str, ...]:
    """``by`` or ``required`` as a tuple of field names: one string is one field."""
    if isinstance(value, str):
        return (value,)
    items = number_sequence(value)  # (a list, a tuple or a 1-D array)
    if items is None:
        raise ParameterError(
            f"closed_loop: {name} must be a field name or a list of field names, e.g. "
            f"{example}, got {value!r}"
        )
    names = tuple(items)
    bad = [f for f in names if not isinstance(f, str) or not f]
    if bad:
        raise ParameterError(
            f"closed_loop: {name} names lead columns (non-empty strings), got {bad[0]!r}"
        )
    return names


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
    labels = [*lt.categorical, *lt.numeric]
    for c in by_cols:
        if c not in labels:
            what = "not a text or number column of" if c in lt.columns else "not a column of"
            raise MissingColumnError(
                f"closed_loop groups by {c!r}, which is {what} the leads; "
                f"text and number columns: {', '.join(labels) or '(none)'}",
                column=c,
                table="leads",
                fix="name lead columns in by= (e.g. by='source'), or add the column",
            )
    key_values = []
    codes = []
    for c in by_cols:  # loop over key columns
        values, lead_codes = column_codes(lt, c)
        key_values.append(values)
        codes.append(lead_codes)
    sizes = [v.size for v in key_values]
    uniq, gid = unique_rows(codes, sizes, lt.n_leads)
    keys = {c: key_values[j][uniq[:, j]] for j, c in enumerate(by_cols)}
    return _Groups(by_cols, key_values, sizes, uniq, gid, keys)


def _outcomes(
    lt: Any, deals: Any, on_deal: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, bool], str | None]:
    """Per lead: MQL, accepted, rejected, SQL and won flags, the won revenue; which of them the
    data measures (a stage column the leads do not have is not measured); and why some revenue
    is missing (won leads without a revenue value), ``None`` when none is.

    ``on_deal``: per lead, whether it is a person of a bundle's won deal; one won by its stage
    with no won deal of its own is a contact whose deal's amount is its primary's (revenue 0).
    """
    stages: dict[str, np.ndarray] = {}
    measured: dict[str, bool] = {}
    for col, names in _STAGES.items():  # loop over the count columns
        name = next((s for s in names if s in lt.stages), None)
        measured[col] = name is not None
        stages[col] = (
            np.asarray(~np.isnat(lt.stages[name]))
            if name is not None
            else np.zeros(lt.n_leads, dtype=bool)
        )
    revenue: np.ndarray = np.zeros(lt.n_leads)
    values = None if deals is not None else lead_revenue(lt)
    measured["revenue"] = deals is not None or values is not None
    gap = None
    if deals is not None:
        revenue, won_deal = deal_revenue(lt, deals)
        # won, says the lead; no won deal says how much (a contact of a won deal: its amount
        # is its primary contact's, counted once)
        unknown = stages["won"] & ~won_deal & ~on_deal
        revenue = np.where(unknown, np.nan, revenue)
        gap = revenue_gap(lt, unknown, "no won deal in deals=", "add its won deal to deals=")
        stages["won"] = stages["won"] | won_deal
        measured["won"] = True
    elif values is not None:
        # a lead not won has no revenue (a value it carries, such as an open opportunity's
        # amount, is left out, with a warning; without won_at the column is the won revenue);
        # a won lead without a value is missing data (NaN, with the reason in not_measured)
        absent = np.isnan(values)
        not_won = ~stages["won"] & (measured["won"] | absent)
        warn_not_won_revenue(lt, values, not_won & ~absent)
        revenue = np.where(not_won, 0.0, values)
        gap = revenue_gap(
            lt,
            absent & stages["won"],
            "no revenue value",
            "fill the revenue of won leads, or pass deals=",
        )
    return stages, revenue, measured, gap


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _funnel_columns(
    g: _Groups, stages: dict[str, np.ndarray], revenue: np.ndarray, measured: dict[str, bool]
) -> dict[str, np.ndarray]:
    """Per group: leads, the stage counts and their rates, revenue (NaN when not measured)."""

    def gsum(mask_or_values: np.ndarray) -> np.ndarray:
        return np.bincount(g.gid, weights=mask_or_values.astype(np.float64), minlength=g.n)

    out: dict[str, np.ndarray] = dict(g.keys)
    out["leads"] = np.bincount(g.gid, minlength=g.n)
    for col in _STAGES:  # loop over the count columns
        out[col] = gsum(stages[col]).astype(np.int64) if measured[col] else np.full(g.n, np.nan)
    for name, (num, den, _) in _RATIOS.items():  # loop over ratio columns
        # converted: the leads that reached both stages (one that skipped the earlier stage
        # is no conversion from it), as funnel.observe counts a conversion
        both = gsum(stages[num] & stages[den]) if measured[num] else np.full(g.n, np.nan)
        out[name] = _safe_ratio(both, out[den])
    out["revenue"] = gsum(revenue) if measured["revenue"] else np.full(g.n, np.nan)
    order = ["leads", "mqls", "accepted", "rejected", "acceptance_rate", "sqls", "sql_rate"]
    order += ["won", "win_rate", "revenue"]
    return {**g.keys, **{c: out[c] for c in order}}


def _weights(lt: Any, allocate: str, attribution: Any) -> np.ndarray | None:
    """Per lead, the weight of the allocation: 1 (leads), attributed revenue (revenue)."""
    if allocate == "leads":
        return np.ones(lt.n_leads)
    if allocate != "revenue":
        return None
    fix = "use allocate='leads', or a rule-based model (linear, time_decay …) with per-touch credit"
    if attribution is None or not hasattr(attribution, "touches"):
        raise ParameterError(
            "closed_loop: allocate='revenue' splits costs by attributed revenue: pass "
            f"attribution= (an AttributionResult); or {fix}"
        )
    try:
        touches = attribution.touches(backend="dict")
    except AlignmentError as exc:
        raise ParameterError(
            f"closed_loop: allocate='revenue' needs per-touch credit; {fix}"
        ) from exc
    key = _person_column(touches, attribution)
    pos, found = lt.positions(np.asarray(touches[key]))
    credit = np.asarray(touches["credit"], dtype=np.float64)
    if not found.any() and credit.any():  # (credit, but on no lead of this table)
        raise ParameterError(
            f"closed_loop: allocate='revenue': no person of the attribution (column {key!r}) "
            "is among the leads' ids; fix: attribute the same leads (their lead_id), or use "
            "allocate='leads'"
        )
    return np.bincount(pos[found], weights=credit[found], minlength=lt.n_leads)


def _person_column(touches: Mapping[str, Any], attribution: Any) -> str:
    """The column of an attribution's touches naming their person: ``lead_id``, else the key of
    person-keyed journeys (``lead="person"``)."""
    if "lead_id" in touches:
        return "lead_id"
    key = str(getattr(getattr(attribution, "table", None), "key_column", ""))
    if key in touches and key != "deal_id":
        return key
    raise ParameterError(
        "closed_loop: allocate='revenue' needs the person of each attributed touch, and the "
        f"attribution's touches name none as 'lead_id' (columns: {', '.join(map(repr, touches))}); "
        "fix: attribute with the person column named lead_id, or use allocate='leads'"
    )


def _costs(
    g: _Groups, lt: Any, costs: Any, cost_column: str, allocate: str, weights: np.ndarray | None
) -> tuple[Placement | None, float]:
    """The costs placed on the groups, and the cost table's total (NaN without costs)."""
    if costs is None:
        return None, float("nan")
    fix = by_keyword({cost_column: "cost_column"})
    raw = read_table(costs, table="costs", required=[cost_column], all_columns=True, fix=fix)
    amounts = numeric(raw.columns[cost_column], column=cost_column, table="costs", nonnegative=True)
    refuse_overflow(amounts, column=cost_column, table="costs")
    keys = {
        c: _cost_key(raw, c, lt)
        for c in raw.columns
        if (c in lt.categorical or c in g.by) and c != cost_column
    }
    placed = place(g, lt, keys, amounts, allocate=allocate, weights=weights, what="costs")
    return placed, float(amounts.sum())


def _cost_key(raw: Any, column: str, lt: Any) -> np.ndarray:
    """A key column of the costs read as the leads' labels are (text, or integer codes as
    their text: ``101`` and a ``101.0`` a missing value made float are both ``"101"``; a flag
    or ``1.5`` refused naming the rows), spellings folded as the call folds them; ``None``
    where missing.  A cost whose key is the text ``"(missing)"`` is refused, naming its rows,
    when costs or leads have rows without a value: it would be placed on their key.  Keying
    the leads' column of flags or numbers, it holds the same kind, labelled as the leads' are
    (:func:`~alignment.tables._groups.labels_like`)."""
    like = labels_like(lt, column, raw.columns[column], raw.integers.get(column), table="costs")
    if like is not None:
        return like
    cat = label_category(
        raw.columns[column],
        column=column,
        table="costs",
        fold=column in FOLDED_COLUMNS,
        exact=raw.integers.get(column),
    )
    labels, lead_codes = column_codes(lt, column)
    leads_missing = bool((lead_codes == labels.size - 1).any())
    # (a lead without a value is one more row without a value: its key is "(missing)" too)
    codes = np.append(cat.codes, -1) if leads_missing else cat.codes
    refuse_missing_label(cat.categories, codes, column=column, table="costs")
    return cat.values()


def _attributed(
    g: _Groups,
    lt: Any,
    attribution: Any,
    attribution_by: str | None,
    allocate: str,
    weights: np.ndarray | None,
) -> Placement | None:
    """Attributed revenue per group: the attribution totals placed like costs."""
    if attribution is None:
        return None
    if not hasattr(attribution, "totals"):
        raise ParameterError("closed_loop: attribution must be an AttributionResult")
    by_cols = g.by
    key = attribution_by
    if key is None:
        key = by_cols[0] if len(by_cols) == 1 or "campaign" not in by_cols else "campaign"
    if not is_option(key, by_cols):
        raise ParameterError(f"closed_loop: attribution_by={key!r} must be one of by={by_cols}")
    totals = attribution.totals(by=key)
    names = np.array(list(totals.keys()), dtype=object)
    vals = np.array([float(v) for v in totals.values()], dtype=np.float64)
    # (the same credit as the totals', summed in another order: never more than a total)
    outside = np.minimum(_outside_leads(lt, attribution, key, names), vals)
    what = "attribution totals"
    placed = place(
        g, lt, {key: names}, vals - outside, allocate=allocate, weights=weights, what=what
    )
    kept = {key: names.astype(str)} if len(by_cols) > 1 else {}  # (one column: no key of a lead)
    return with_unplaced(placed, by_cols, kept, outside, _OUTSIDE_NOTE)


def _outside_leads(lt: Any, attribution: Any, key: str, names: np.ndarray) -> np.ndarray:
    """Per attribution total, the part credited to touches of persons who are not among the
    leads (0 when the attribution has no per-touch credit naming the person and ``key``)."""
    none = np.zeros(names.size)
    persons = _persons_of(attribution)
    if persons is not None and bool(lt.positions(persons)[1].all()):
        return none  # (every person a lead: no per-touch credit made for it)
    try:
        touches = attribution.touches(backend="dict")
        person = _person_column(touches, attribution)
    except (AlignmentError, AttributeError):
        return none
    revenue = getattr(attribution, "measure", "revenue") == "revenue"
    column = "credit" if revenue else "conversion_credit"
    if key not in touches or column not in touches:
        return none
    _, out = lt.positions(np.asarray(touches[person]))
    out = ~out
    if not out.any():
        return none
    credit = np.asarray(touches[column], dtype=np.float64)[out]
    return sum_by_text(names, np.asarray(touches[key], dtype=object)[out], credit)


def _persons_of(attribution: Any) -> np.ndarray | None:
    """The distinct persons an attribution's journeys hold (their touches' ``lead_id``, else
    the keys of person-keyed journeys); ``None`` when the table does not say."""
    table = getattr(attribution, "table", None)
    column = (getattr(table, "touch_columns", None) or {}).get("lead_id")
    if column is not None and hasattr(column, "categories"):
        return np.asarray(column.categories)
    if table is not None and getattr(table, "key_column", "deal_id") != "deal_id":
        return np.asarray(table.keys)
    return None


def _extra_rows(
    by: tuple[str, ...], placements: Sequence[Placement | None]
) -> tuple[dict[str, np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]:
    """The rows holding amounts without leads, merged per key: keys, the amounts of each
    placement (cost, attributed revenue, revenue), whether the row is unallocated, its note."""
    parts = [(p, j) for j, p in enumerate(placements) if p is not None]
    keys = {
        c: np.concatenate([p.extra_keys[c] for p, _ in parts] or [np.empty(0, object)]) for c in by
    }
    m = keys[by[0]].size
    amount = np.zeros((m, len(placements)))
    start = 0
    for p, j in parts:  # cost, attributed revenue, revenue
        amount[start : start + p.extra_amount.size, j] = p.extra_amount
        start += p.extra_amount.size
    notes = np.concatenate([p.extra_note for p, _ in parts] or [np.empty(0, object)])
    unalloc = np.concatenate([p.unallocated for p, _ in parts] or [np.empty(0, bool)])
    codes, sizes = [], []
    for c in by:  # loop over key columns
        u, inv = np.unique(keys[c].astype(str), return_inverse=True)
        codes.append(inv.ravel().astype(np.int64))
        sizes.append(u.size)
    rows, inv = unique_rows(codes, sizes, m)
    k = rows.shape[0]
    first = np.full(k, m, dtype=np.int64)
    np.minimum.at(first, inv, np.arange(m))
    merged_notes = np.empty(k, dtype=object)
    for r in range(k):  # loop over the distinct extra keys (a handful)
        merged_notes[r] = "; ".join(dict.fromkeys(notes[inv == r].tolist()))
    return (
        {c: keys[c][first] for c in by},
        [np.bincount(inv, weights=a, minlength=k) for a in amount.T],
        np.bincount(inv, weights=unalloc, minlength=k) > 0,
        merged_notes,
    )


def _money_columns(
    out: dict[str, np.ndarray],
    g: _Groups,
    cost: Placement | None,
    attributed: Placement | None,
    revenue: Placement,
    revenue_measured: bool,
) -> int:
    """Append the rows without leads, then cost, attributed revenue, ROI and note columns.

    Returns the number of rows appended.
    """
    keys, (x_cost, x_attr, x_rev), x_unalloc, x_note = _extra_rows(
        g.by, (cost, attributed, revenue)
    )
    x = x_cost.size
    for c in g.by:  # loop over key columns
        out[c] = np.concatenate([out[c], keys[c]])
    for col in ("leads", *_STAGES, *_RATIOS):  # loop over columns
        kind = out[col].dtype.kind
        zero = col == "leads" or (kind != "f")
        fill = np.zeros(x, dtype=out[col].dtype) if zero else np.full(x, np.nan)
        out[col] = np.concatenate([out[col], fill])
    out["revenue"] = np.concatenate([out["revenue"], x_rev if revenue_measured else x_rev * np.nan])
    unallocated = np.concatenate([np.zeros(g.n, dtype=bool), x_unalloc])
    if attributed is not None:
        out["attributed_revenue"] = np.concatenate([attributed.per_group, x_attr])
    spent = (
        np.concatenate([cost.per_group, x_cost]) if cost is not None else np.full(g.n + x, np.nan)
    )
    out["cost"] = spent
    out["cost_per_lead"] = _safe_ratio(spent, out["leads"].astype(np.float64))
    out["roi"] = np.where(unallocated, np.nan, _safe_ratio(out["revenue"] - spent, spent))
    if attributed is not None:
        att = out["attributed_revenue"]
        out["attributed_roi"] = np.where(unallocated, np.nan, _safe_ratio(att - spent, spent))
    out["note"] = np.concatenate([np.full(g.n, None, dtype=object), x_note])
    out["unallocated"] = unallocated
    return x


def _reasons(
    measured: dict[str, bool],
    cost: Placement | None,
    attributed: Placement | None,
    n_extra: int,
    revenue_gap: str | None = None,
) -> dict[str, str]:
    """Per column, why its NaN cells have no value."""
    absent = {
        "mqls": "the leads have no mql_at column",
        "accepted": "the leads have no accepted_at (or sal_at) column",
        "rejected": "the leads have no rejected_at column",
        "sqls": "the leads have no sql_at column",
        "won": "the leads have no won_at column and no deals= were given",
        "revenue": "no deals= and no revenue column",
    }
    out = {col: why for col, why in absent.items() if not measured[col]}
    if revenue_gap:
        out["revenue"] = revenue_gap
    for name, (num, den, why) in _RATIOS.items():  # loop over ratio columns
        out[name] = out.get(num) or out.get(den) or why
    extra = "; a row without leads holds amounts only (see note)" if n_extra else ""
    if cost is None:
        cost_why: str | None = "no costs= given"
    else:
        cost_why = cost.group_note
    if cost_why:
        out["cost"] = cost_why
    if attributed is not None and attributed.group_note:
        out["attributed_revenue"] = attributed.group_note
    out["cost_per_lead"] = cost_why or "no lead" + extra
    out["roi"] = cost_why or out.get("revenue") or "no cost" + extra
    if attributed is not None:
        out["attributed_roi"] = cost_why or attributed.group_note or "no cost" + extra
    return out


def _rejection_reasons(lt: Any, g: _Groups, rejected: np.ndarray) -> dict[str, np.ndarray]:
    """Per group and rejection reason: the count of rejected leads (every rejected lead: one
    without a reason, the leads having no ``rejection_reason`` column included, under
    ``"(missing)"``)."""
    rr: dict[str, np.ndarray] = {c: np.empty(0, dtype=object) for c in g.by}
    rr["reason"] = np.empty(0, dtype=object)
    rr["count"] = np.empty(0, dtype=np.int64)
    rc = reason_texts(lt, "rejection_reason")
    if rejected.any():
        categories = np.empty(0, dtype=object) if rc is None else rc.categories.astype(object)
        codes = np.full(lt.n_leads, -1, dtype=np.int32) if rc is None else rc.codes
        refuse_missing_label(categories, codes, column="rejection_reason")
        rvals = np.append(categories, MISSING)
        rcode = np.where(codes < 0, rvals.size - 1, codes)
        pair = g.gid[rejected] * rvals.size + rcode[rejected]
        up, cnt = np.unique(pair, return_counts=True)
        gi, r = up // rvals.size, up % rvals.size
        rr = {c: g.keys[c][gi] for c in g.by}
        rr["reason"] = rvals[r]
        rr["count"] = cnt.astype(np.int64)
    return rr
