"""The leads' owners as rep labels, for the SLA report and speed to lead alike."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import reject_rows

__all__ = ["owner_labels"]


def owner_labels(lt: Any) -> np.ndarray | None:
    """Per lead: its owner as a rep label (``None`` where missing); ``None`` without an owner
    column.  Integer owners (ids) are labelled as themselves (``"101"``); a flag column, or a
    number with a fraction, is no rep and is refused."""
    if "owner" in lt.categorical:
        return np.asarray(lt.categorical["owner"].values(), dtype=object)
    if "owner" not in lt.numeric:
        return None
    exact = lt.exact.get("owner")
    values = lt.numeric["owner"]
    fix = "give the owner as a rep name or an integer rep id"
    if exact is not None and exact.dtype.kind not in "iu":
        reject_rows(
            ~np.equal(exact, np.array(None, dtype=object)).astype(bool),
            "an owner that is a flag (True/False) names no rep",
            column="owner", values=exact, table="leads", fix=fix,
        )  # fmt: skip
    if exact is not None and exact.dtype.kind in "iu":
        ints, missing = exact, np.isnan(values)  # (an integer column's missing rows: NaN)
    else:
        missing = np.isnan(values)
        reject_rows(
            ~missing & ~((np.abs(values) < 2.0**63) & (values == np.floor(values))),
            "an owner that is a number but not an integer id (a fraction) names no rep",
            column="owner", values=values, table="leads", fix=fix,
        )  # fmt: skip
        ints = np.where(missing, 0, values).astype(np.int64)
    uniq, inv = np.unique(ints, return_inverse=True)
    labels = np.array([str(u) for u in uniq.tolist()], dtype=object)[inv.ravel()]
    labels[missing] = None
    return np.asarray(labels, dtype=object)
