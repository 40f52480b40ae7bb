"""Conversions and lead attributes of journeys (read by Journeys.build)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._colnames import by_keyword, check_required
from .._frames import Categorical, RawColumns, numeric, read_table
from .._lookup import lookup
from .._segments import group_max, group_min
from .._time import TIME_DTYPE, Awareness
from ..errors import MissingColumnError, reject_rows
from ._common import _key_codes, _Keys, _time_column, check_total
from ._labels import label_columns, touch_names
from ._leads import LeadTable

_NAT = np.datetime64("NaT", "us")


def _conversions_on_touches(
    raw: RawColumns,
    tcodes: np.ndarray,
    n: int,
    converted_at: str,
    revenue: str,
    key_name: str,
    flags: dict[str, Awareness],
) -> tuple[np.ndarray, np.ndarray]:
    tt = "touchpoints"
    ctime, flags[converted_at] = _time_column(
        raw, converted_at, tt, allow_missing=True, check=False
    )
    has = ~np.isnat(ctime)
    rev_col = raw.columns.get(revenue)
    if rev_col is None:
        from ..errors import MissingColumnError

        raise MissingColumnError(
            f"column {converted_at!r} is on the touchpoints but {revenue!r} is not",
            column=revenue,
            table=tt,
            fix="add the revenue column, or pass conversions= separately",
        )
    rev_all = numeric(rev_col, column=revenue, table=tt, allow_missing=True, nonnegative=True)
    check_total(rev_all, column=revenue, table=tt)
    reject_rows(
        has & np.isnan(rev_all),
        "a conversion time without revenue",
        column=revenue,
        table=tt,
        fix="give the revenue of every conversion",
    )
    conv_at = np.full(n, _NAT, dtype=TIME_DTYPE)
    rev = np.zeros(n)
    if not has.any():
        return conv_at, rev
    j = tcodes[has]
    t = ctime[has].view(np.int64)
    r = rev_all[has]
    tmin = group_min(t, j, n, np.iinfo(np.int64).max)
    tmax = group_max(t, j, n, np.iinfo(np.int64).min)
    rmin = group_min(r, j, n, np.inf)
    rmax = group_max(r, j, n, -np.inf)
    conflict = (tmin != tmax) | (rmin != rmax)
    seen = np.zeros(n, dtype=bool)
    seen[j] = True
    conflict &= seen
    reject_rows(
        conflict[j],
        "conflicting conversion values within one journey",
        column=converted_at,
        table=tt,
        positions=np.flatnonzero(has),
        fix=f"every touch of a journey must carry the same {converted_at!r} and {revenue!r} "
        "(or none)",
    )
    conv_at[seen] = tmin[seen].view(TIME_DTYPE)
    rev[seen] = rmin[seen]
    return conv_at, rev


def _journey_attributes(
    leads: LeadTable,
    lead_pos: np.ndarray | None,
    tcodes: np.ndarray,
    uniques: np.ndarray,
    key_name: str,
    lead: str,
) -> tuple[dict[str, np.ndarray], dict[str, Categorical]]:
    """Per-journey anchors and lead attributes (earliest instant over a journey's leads).

    Keyed by lead, a journey's lead row is its touches' (``lead_pos``, found already: every
    touch's lead is known); only the keys without a touch (conversions alone) are looked up.
    """
    n = uniques.size
    if key_name == lead:
        pos = np.full(n, -1, dtype=np.int64)
        if lead_pos is not None:
            pos[tcodes] = lead_pos  # (the touches of one key share its lead)
        alone = np.flatnonzero(pos < 0)
        if alone.size:
            pos[alone] = leads.positions(uniques[alone])[0]
        found = pos >= 0
        anchors = {}
        for name, arr in [("lead_created_at", leads.created_at), *leads.stages.items()]:
            a = np.full(n, _NAT, dtype=TIME_DTYPE)
            a[found] = arr[pos[found]]
            anchors[name] = a
        jcols = {name: cat.pick(pos) for name, cat in leads.categorical.items()}  # (-1: none)
        return anchors, jcols
    # account-level journeys: the key's leads are found through the lead table
    key_cat = leads.categorical[key_name] if key_name in leads.categorical else None
    anchors = {}
    if key_cat is None:
        return anchors, {}
    kpos, valid = lookup(uniques, key_cat)
    big = np.iinfo(np.int64).max
    for name, arr in [("lead_created_at", leads.created_at), *leads.stages.items()]:
        ok = valid & ~np.isnat(arr)
        a = group_min(arr[ok].view(np.int64), kpos[ok], n, big)
        out = a.view(TIME_DTYPE).copy()
        out[a == big] = _NAT
        anchors[name] = out
    return anchors, {}


def _touch_keys(
    raw: RawColumns, lead: str, key_name: str, lead_table: LeadTable | None, tt: str
) -> tuple[_Keys, np.ndarray | None]:
    """The journey key of every touch (its own column, or its lead's column in ``leads``).

    Also returns each touch's lead row in ``lead_table`` (``None`` without leads); a touch of
    a lead that is not in ``leads`` is refused.
    """
    lead_pos: np.ndarray | None = None
    if lead_table is not None:
        lead_pos, found = lead_table.positions(raw.columns[lead], column=lead, table=tt)
        reject_rows(
            ~found,
            "touch for an unknown lead",
            column=lead,
            table=tt,
            values=raw.columns[lead],
            fix="add the lead to the leads table, or drop its touches",
        )
    if key_name != lead and key_name not in raw.columns:
        if lead_table is None or key_name not in lead_table.categorical:
            raise MissingColumnError(
                f"journey key {key_name!r} is neither a touchpoint column nor a lead column",
                column=key_name,
                table=tt,
                fix=f"add {key_name!r} to the touchpoints, or pass leads= with that column",
            )
        assert lead_pos is not None
        key_values = lead_table.categorical[key_name].values()[lead_pos]
    else:
        key_values = raw.columns[key_name]
    # (text keys made on first read: the journeys keep them in a lazy field)
    return _key_codes(key_values, column=key_name, table=tt, lazy=True), lead_pos


def _read_touches(
    touchpoints: Any,
    columns: Mapping[str, str],
    optional: list[str],
    touch_categorical: Sequence[str] | None,
    touch_numeric: Sequence[str] | None,
) -> RawColumns:
    """The touch rows, with the columns ``columns`` (keyword → name: lead, time, channel) and
    those the caller named; a missing one is named with its keyword (``time='your_column'``)."""
    tt = "touchpoints"
    fix = by_keyword({name: keyword for keyword, name in columns.items()})
    raw = read_table(
        touchpoints, table=tt, required=[*columns.values()], optional=optional, fix=fix
    )
    named = [*(touch_categorical or ()), *(touch_numeric or ())]
    leave_out = "rename the column, or leave it out of touch_categorical= / touch_numeric="
    check_required(named, raw.names, tt, fix=leave_out)
    return raw


def _touch_columns(
    raw: RawColumns,
    touch_categorical: Sequence[str] | None,
    touch_numeric: Sequence[str] | None,
    tt: str,
) -> tuple[dict[str, Categorical], dict[str, np.ndarray]]:
    """The kept touch columns in input order (validated over every row, whatever is kept).

    Label columns kept by default (the caller named none: ``touch_categorical=None``) are
    refused when used, not when read (:func:`~alignment.tables._labels.label_columns`,
    ``on_use``)."""
    cat_names, num_names, _ = touch_names(touch_categorical, touch_numeric)
    present = [c for c in cat_names if c in raw.columns]
    on_use = present if touch_categorical is None else []
    cats = label_columns(raw, present, tt, None, on_use=on_use)
    nums: dict[str, np.ndarray] = {}
    for c in num_names:
        if c in raw.columns:
            nums[c] = numeric(
                raw.columns[c], column=c, table=tt, allow_missing=True, nonnegative=(c == "cost")
            )
    return cats, nums
