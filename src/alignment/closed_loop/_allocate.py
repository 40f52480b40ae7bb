"""Placing amounts (costs, attributed revenue) on the keys of a closed-loop report.

An amount row is placed only along the lead columns it carries:

* When it carries every ``by`` column, it goes to the key it names (a key no lead has becomes
  its own row with no lead).
* Otherwise it can be placed only when the caller asks for an allocation: ``"leads"`` splits
  it over the keys in proportion to the leads that share the lead columns it carries (cost of
  campaign X over the sources of campaign X's leads), ``"revenue"`` in proportion to the
  attributed revenue of those leads.  With ``"none"`` (the default) it stays on an
  *unallocated* row: ``"(unallocated)"`` in the ``by`` columns it does not carry, with the
  reason.  Nothing is ever spread silently and nothing is lost.

Vectorised: the keys are integer codes combined with :func:`unique_rows`; no Python loop per
lead or per amount row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from .._grouplabel import MISSING_LABEL, refuse_missing_label
from .._parse import _missing_mask
from ..tables._groups import group_codes

__all__ = [
    "ALLOCATIONS",
    "MISSING",
    "UNALLOCATED",
    "Allocate",
    "Placement",
    "column_codes",
    "place",
    "sum_by_text",
    "unique_rows",
    "unplaced",
    "with_unplaced",
]

MISSING = MISSING_LABEL
UNALLOCATED = "(unallocated)"
Allocate = Literal["none", "leads", "revenue"]
#: the allocations ``closed_loop(allocate=...)`` accepts
ALLOCATIONS: tuple[str, ...] = ("none", "leads", "revenue")


@dataclass(frozen=True)
class Placement:
    """Where amounts went: per key of the report, and rows that hold amounts without leads.

    ``per_group`` has one amount per key (group) of the report; ``extra_keys`` (per ``by``
    column, text), ``extra_amount``, ``extra_note`` (why the row has no lead) and
    ``unallocated`` describe the other rows, one per amount row (merged later).
    ``group_note`` says why ``per_group`` is NaN (amounts that could not be placed on any key).
    """

    per_group: np.ndarray
    extra_keys: dict[str, np.ndarray]
    extra_amount: np.ndarray
    extra_note: np.ndarray
    unallocated: np.ndarray
    group_note: str | None = None


def unique_rows(
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


def column_codes(lt: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A lead column's values (its labels, then ``"(missing)"``) and lead codes.

    A missing value gets the code of ``"(missing)"``: missing is a key, never dropped; a
    column holding the text ``"(missing)"`` is refused (it would merge with the missing key).
    A column of numbers or flags is labelled as ``funnel.observe(by=)`` labels it
    (:func:`~alignment.tables._groups.group_codes`: integer codes as ``"101"``).
    """
    if name not in lt.categorical:
        codes, _, labels = group_codes(lt, name, lt.exact.get(name))
        if labels.size == 0 or labels[-1] != MISSING:  # (no lead without a value)
            labels = np.append(labels, np.array([MISSING], dtype=object))
        return labels, codes
    cat = lt.categorical[name]
    refuse_missing_label(cat.categories, cat.codes, column=name)
    values = np.append(np.asarray(cat.categories, dtype=object), MISSING)
    codes = np.where(cat.codes < 0, values.size - 1, cat.codes).astype(np.int64)
    return values, codes


def _text(values: Any) -> np.ndarray:
    """Amount-row key values as text; ``None``, NaN, NaT and pandas' ``NA`` read as
    ``"(missing)"``."""
    kv = np.asarray(values, dtype=object)
    try:
        with np.errstate(invalid="ignore"):
            none = np.array(None, dtype=object)
            missing = np.equal(kv, none).astype(bool) | np.not_equal(kv, kv).astype(bool)
    except (TypeError, ValueError):  # pandas' NA has no truth value: read value by value
        missing = _missing_mask(kv)
    return np.where(missing, MISSING, kv).astype(str)


def _match(vocabulary: np.ndarray, text: np.ndarray) -> np.ndarray:
    """Position of each text in ``vocabulary`` (``-1`` when absent), by one sort."""
    voc = vocabulary.astype(str)
    if voc.size == 0 or text.size == 0:
        return np.full(text.size, -1, dtype=np.int64)
    order = np.argsort(voc, kind="stable")
    sv = voc[order]
    p = np.minimum(np.searchsorted(sv, text), sv.size - 1)
    return np.where(sv[p] == text, order[p], -1).astype(np.int64)


def _cells(
    lead_codes: list[np.ndarray], row_codes: list[np.ndarray], sizes: list[int]
) -> tuple[np.ndarray, np.ndarray, int]:
    """One cell code per lead and per amount row for the same combination of column codes."""
    n, m = lead_codes[0].size if lead_codes else 0, row_codes[0].size if row_codes else 0
    both = [np.concatenate([a, b]) for a, b in zip(lead_codes, row_codes)]
    cells, inv = unique_rows(both, sizes, n + m)
    return inv[:n], inv[n:], int(cells.shape[0])


def _match_groups(uniq: np.ndarray, sizes: list[int], row_codes: list[np.ndarray]) -> np.ndarray:
    """The group whose key has exactly each row's codes (``-1``: no lead has that key)."""
    n_groups = uniq.shape[0]
    lead_side = [uniq[:, j] for j in range(uniq.shape[1])]
    g_cell, r_cell, n_cells = _cells(lead_side, row_codes, sizes)
    lookup = np.full(n_cells, -1, dtype=np.int64)
    lookup[g_cell] = np.arange(n_groups, dtype=np.int64)
    out: np.ndarray = lookup[r_cell]
    return out


def place(
    g: Any,
    lt: Any,
    keys: dict[str, np.ndarray],
    amounts: np.ndarray,
    *,
    allocate: str,
    weights: np.ndarray | None,
    what: str,
) -> Placement:
    """Place amount rows on the groups ``g`` of the leads ``lt`` (see the module docstring).

    Parameters
    ----------
    g : closed-loop groups
        ``by``, ``uniq`` (group codes per ``by`` column), ``sizes``, ``gid`` (group per lead).
    lt : LeadTable
    keys : dict of str to ndarray
        The amount rows' values of the lead columns they carry.
    amounts : ndarray
        One amount per row (>= 0).
    allocate : {"none", "leads", "revenue"}
    weights : ndarray, optional
        Per lead, the weight of ``allocate`` (leads: 1, revenue: attributed revenue).
    what : str
        What the amounts are, for the notes (``"costs"``).
    """
    carried = [c for c in keys if c in lt.categorical or c in g.by]
    m = amounts.size
    text = {c: _text(keys[c]) for c in carried}
    codes = {c: _match(column_codes(lt, c)[0], text[c]) for c in carried}
    per_group = np.zeros(g.n)
    missing_by = [c for c in g.by if c not in carried]
    if m == 0:
        return _placement(per_group, g.by, text, np.zeros(0, bool), amounts, "", False)
    if not missing_by:  # the rows name a key of the report: placed there, never split
        rows = [codes[c] for c in g.by]
        known = np.ones(m, dtype=bool)
        for r in rows:  # loop over key columns
            known &= r >= 0
        gi = np.full(m, -1, dtype=np.int64)
        gi[known] = _match_groups(g.uniq, list(g.sizes), [r[known] for r in rows])
        hit = gi >= 0
        per_group = np.bincount(gi[hit], weights=amounts[hit], minlength=g.n).astype(np.float64)
        return _placement(per_group, g.by, text, ~hit, amounts, "no lead has this key", False)
    if allocate == "none" or weights is None:
        note = (
            f"{what} carry {', '.join(carried) or 'no lead column'}, not {', '.join(missing_by)}: "
            "pass allocate='leads' or allocate='revenue' to place them"
        )
        nothing = np.full(g.n, np.nan)  # no key's amount is known: not measured, not 0
        placement = _placement(nothing, g.by, text, np.ones(m, bool), amounts, note, True)
        return replace(placement, group_note=note)
    per_group, placed, shared = _split(g, lt, carried, codes, amounts, weights)
    of = f"the leads sharing its {', '.join(carried)}" if carried else "the leads"
    no_lead = f"no lead shares its {', '.join(carried)}"
    note = np.where(shared, f"no attributed revenue among {of}", no_lead)[~placed]
    return _placement(per_group, g.by, text, ~placed, amounts, note, True)


def with_unplaced(
    placement: Placement,
    by: Sequence[str],
    keys: dict[str, np.ndarray],
    amounts: np.ndarray,
    note: str,
) -> Placement:
    """``placement`` with the amount rows ``amounts`` (> 0) added on unallocated rows.

    ``keys`` are the rows' values of the ``by`` columns they keep; the others read
    ``"(unallocated)"``.  ``note`` says why the rows reach no key.
    """
    extra = _placement(placement.per_group, by, keys, amounts > 0, amounts, note, True)
    return replace(
        placement,
        extra_keys={c: np.concatenate([placement.extra_keys[c], extra.extra_keys[c]]) for c in by},
        extra_amount=np.concatenate([placement.extra_amount, extra.extra_amount]),
        extra_note=np.concatenate([placement.extra_note, extra.extra_note]),
        unallocated=np.concatenate([placement.unallocated, extra.unallocated]),
    )


def unplaced(n_groups: int, by: Sequence[str], amounts: np.ndarray, note: str) -> Placement:
    """The amount rows ``amounts`` (> 0) on unallocated rows only (``"(unallocated)"`` in
    every ``by`` column): amounts of no lead, placed on no key; ``note`` says why."""
    return _placement(np.zeros(n_groups), by, {}, amounts > 0, amounts, note, True)


def sum_by_text(names: np.ndarray, values: Any, amounts: np.ndarray) -> np.ndarray:
    """Per name, the sum of ``amounts`` whose value (read as text, missing as ``"(missing)"``)
    is that name; a value that is no name adds to none."""
    pos = _match(np.asarray(names).astype(str), _text(values))
    ok = pos >= 0
    out: np.ndarray = np.bincount(pos[ok], weights=amounts[ok], minlength=names.size)
    return out.astype(np.float64)


def _split(
    g: Any,
    lt: Any,
    carried: list[str],
    codes: dict[str, np.ndarray],
    amounts: np.ndarray,
    weights: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split each row over the groups of the leads sharing its carried values, by weight.

    Returns the amount per group, whether each row was placed (its leads weigh > 0) and
    whether some lead shares its carried values.
    """
    m = amounts.size
    known = np.ones(m, dtype=bool)
    for c in carried:  # loop over key columns
        known &= codes[c] >= 0
    if carried:
        vocab = [column_codes(lt, c) for c in carried]
        lead_cell, row_cell, n_cells = _cells(
            [v[1] for v in vocab], [codes[c][known] for c in carried], [v[0].size for v in vocab]
        )
    else:  # nothing carried: every lead shares the one (empty) key
        lead_cell = np.zeros(lt.n_leads, dtype=np.int64)
        row_cell = np.zeros(int(known.sum()), dtype=np.int64)
        n_cells = 1
    pair = lead_cell * max(g.n, 1) + g.gid
    upair, pinv = np.unique(pair, return_inverse=True)
    pw = np.bincount(pinv.ravel(), weights=weights, minlength=upair.size)
    p_cell, p_group = upair // max(g.n, 1), upair % max(g.n, 1)
    total = np.bincount(p_cell, weights=pw, minlength=n_cells)
    cell_amount = np.bincount(row_cell, weights=amounts[known], minlength=n_cells)
    ok = total[p_cell] > 0
    share = pw[ok] / total[p_cell[ok]]
    per_group = np.bincount(
        p_group[ok], weights=cell_amount[p_cell[ok]] * share, minlength=g.n
    ).astype(np.float64)
    placed = np.zeros(m, dtype=bool)
    placed[np.flatnonzero(known)] = total[row_cell] > 0
    shared = np.zeros(m, dtype=bool)
    shared[np.flatnonzero(known)] = np.bincount(p_cell, minlength=n_cells)[row_cell] > 0
    return per_group, placed, shared


def _placement(
    per_group: np.ndarray,
    by: Sequence[str],
    text: dict[str, np.ndarray],
    extra: np.ndarray,
    amounts: np.ndarray,
    note: str | np.ndarray,
    unallocated: bool,
) -> Placement:
    """The placement with the rows ``extra`` kept on their own key (carried values, else
    ``"(unallocated)"``)."""
    k = int(extra.sum())
    keys = {
        c: (text[c][extra] if c in text else np.full(k, UNALLOCATED)).astype(object) for c in by
    }
    return Placement(
        per_group=per_group,
        extra_keys=keys,
        extra_amount=amounts[extra].astype(np.float64),
        extra_note=np.broadcast_to(np.asarray(note, dtype=object), (k,)).copy(),
        unallocated=np.full(k, unallocated, dtype=bool),
    )
