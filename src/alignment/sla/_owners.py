"""The leads' owners as rep labels, for the SLA report and speed to lead alike."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._columns import Categorical
from ..errors import MissingColumnError, reject_rows
from ..tables._labels import integer_labels

__all__ = ["owner_labels", "split_values"]


def owner_labels(lt: Any) -> np.ndarray | None:
    """Per lead: its owner as a rep label (``None`` where missing); ``None`` without an owner
    column.  Integer owners (ids) are labelled as themselves (``"101"``); a flag column, or a
    number with a fraction, is no rep and is refused."""
    column = _owner_column(lt)
    return None if column is None else np.asarray(column.values(), dtype=object)


def split_values(lt: Any, split_by: str) -> Categorical:
    """The leads' column ``split_by`` of the marketing commitment, as a string column: the
    owners as their rep labels (integer ids as ``"101"``) when it is ``"owner"``.

    Raises
    ------
    MissingColumnError
        If the leads have no such string column (nor an owner column of integer ids).
    """
    column = _owner_column(lt) if split_by == "owner" else lt.categorical.get(split_by)
    if column is None:
        raise MissingColumnError(
            f"marketing.split_by names {split_by!r}, not a string column",
            column=split_by,
            table="leads",
            fix="split by a string column of the leads (or the owner column)",
        )
    return column


def _owner_column(lt: Any) -> Categorical | None:
    """The owner column as a string column (integer ids labelled as themselves); ``None``
    without one."""
    if "owner" in lt.categorical:
        return lt.categorical["owner"]  # type: ignore[no-any-return]
    if "owner" not in lt.numeric:
        return None
    exact = lt.exact.get("owner")
    values = lt.numeric["owner"]
    fix = "give the owner as a rep name or an integer rep id"
    if exact is not None and exact.dtype.kind == "U":  # (ids beyond int64: their text, exact)
        return integer_labels(exact, np.isnan(values))
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
    return integer_labels(ints, missing)  # (in text order: "101" before "99")
