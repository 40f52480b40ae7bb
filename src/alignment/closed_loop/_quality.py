"""Data quality of a closed-loop report: duplicate leads and incomplete leads.

Normalisation runs on the distinct values (:mod:`alignment._textnorm`); grouping is one sort.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._results import ReportTable
from .._textnorm import blank, matching_codes

__all__ = ["Listing", "duplicates", "incomplete"]


class Listing(ReportTable):
    """A listing of leads (duplicates, incomplete leads, rejection reasons)."""

    title = "listing"


def _norm_codes(cat: Any) -> np.ndarray:
    """Codes of the normalised values of a Categorical (``-1`` = missing or blank): tabs and
    line breaks become spaces, runs of spaces collapse to one, surrounding spaces go, and the
    text is lower-cased (:func:`alignment._textnorm.matching_codes`, over the distinct values).
    """
    return np.asarray(cat.per_value(matching_codes, -1))  # (the groups only are read)


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
        return np.asarray(cat.per_value(blank, True))
    if name in lt.stages:
        return np.asarray(np.isnat(lt.stages[name]))
    if name in lt.numeric:
        return np.asarray(np.isnan(lt.numeric[name]))
    if name in ("created_at", lt.id_column):
        return np.zeros(n, dtype=bool)
    return np.ones(n, dtype=bool)  # the column is absent: every lead lacks it


def duplicates(lt: Any) -> Listing:
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
    return Listing(
        {"lead_id": lt.ids[drows], "duplicate_of": lt.ids[dfirst], "rule": drule, "row": drows},
        backend=lt.backend,
    )


def incomplete(lt: Any, required: Sequence[str]) -> tuple[Listing, list[str]]:
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
    listing = Listing(
        {"lead_id": lt.ids[irows[order]], "field": ifield[order], "row": irows[order]},
        backend=lt.backend,
    )
    return listing, absent
