"""The closed loop's data-quality block: duplicate groups and incomplete leads.

The closed-loop result lists one row per (duplicate lead, matching rule); the report shows
each group of leads that duplicate one another once, with every rule that matched in it
(:func:`duplicate_groups`), so a lead matched by its e-mail and by its name is not listed
twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from . import _html as H
from ._read import columns as _dict

__all__ = ["duplicate_groups", "quality_block"]


def _components(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Component label (its smallest node) of each of ``n`` nodes joined by edges ``a``–``b``.

    Label propagation with pointer jumping: each round is vectorised over the edges, and the
    rounds stop when no label changes.
    """
    label = np.arange(n)
    while True:  # rounds of propagation (few: pointer jumping halves the paths)
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]
        if np.array_equal(new, label):
            return label
        label = new


def duplicate_groups(dup: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One row per group of leads connected by any duplicate rule.

    Parameters
    ----------
    dup : mapping
        The closed loop's ``duplicates`` table: ``lead_id``, ``duplicate_of``, ``rule`` (one
        row per duplicate lead and rule).

    Returns
    -------
    dict of str to ndarray
        ``kept`` (the leads of the group that duplicate no other: the first seen), ``duplicates``
        (the group's duplicate leads), ``n_duplicates`` and ``rules`` (every rule that matched in
        the group), sorted by the kept lead.
    """
    a = np.asarray(dup["lead_id"]).astype(str)
    b = np.asarray(dup["duplicate_of"]).astype(str)
    rules = np.asarray(dup["rule"]).astype(str)
    ids, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
    ea, eb = inv[: a.size], inv[a.size :]
    comp = _components(ea, eb, ids.size)
    is_dup = np.zeros(ids.size, dtype=bool)
    is_dup[ea] = True
    groups = np.unique(comp[ea])
    out: dict[str, list[Any]] = {"kept": [], "duplicates": [], "n_duplicates": [], "rules": []}
    for g in groups.tolist():  # loop over duplicate groups (distinct), not over leads
        members = comp == g
        edges = comp[ea] == g
        out["kept"].append(", ".join(ids[members & ~is_dup].tolist()))
        out["duplicates"].append(", ".join(ids[members & is_dup].tolist()))
        out["n_duplicates"].append(int((members & is_dup).sum()))
        out["rules"].append(" and ".join(np.unique(rules[edges]).tolist()))
    order = np.argsort(np.array(out["kept"], dtype=str), kind="stable")
    return {k: np.array(v, dtype=object if k != "n_duplicates" else np.int64)[order]
            for k, v in out.items()}  # fmt: skip


def quality_block(closed_loop: Any, s: Mapping[str, Any]) -> str:
    """Duplicate groups and incomplete leads, under a heading with their counts."""
    dup = _dict(closed_loop.duplicates)
    inc = _dict(closed_loop.incomplete)
    parts = []
    if dup and len(next(iter(dup.values()))):
        groups = duplicate_groups(dup)
        parts.append(
            f'<div class="prose"><b>Duplicates: {groups["kept"].size:,} groups</b>'
            + H.table(
                groups,
                kinds={"n_duplicates": "int"},
                headers={
                    "kept": "lead kept (first seen)",
                    "n_duplicates": "duplicates (count)",
                    "rules": "matched on",
                },
                max_rows=10,
                caption="Each group of leads that duplicate one another, once, with every rule "
                "that matched in it (email: the same address; name+company: the same person at "
                "the same company).",
            )
            + "</div>"
        )
    if inc and len(next(iter(inc.values()))):
        fields, finv = np.unique(inc["field"].astype(str), return_inverse=True)
        parts.append(
            "<div><b>Incomplete leads: missing field</b>"
            + H.table(
                {"field": fields.astype(object), "leads": np.bincount(finv)},
                kinds={"leads": "int"},
                headers={"leads": "leads (count)"},
                max_rows=None,
                caption="A lead missing several fields counts once per field.",
            )
            + "</div>"
        )
    head = (
        f"<h3>Data quality: {int(s.get('n_duplicates', 0)):,} duplicate and "
        f"{int(s.get('n_incomplete', 0)):,} incomplete leads of {int(s.get('n_leads', 0)):,}</h3>"
    )
    return head + ('<div class="row">' + "".join(parts) + "</div>" if parts else "")
