"""The leads' owners as rep labels, for the SLA report and speed to lead alike."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._columns import Categorical
from .._grouplabel import MISSING_LABEL
from ..errors import MissingColumnError, reject_rows
from ..tables._groups import group_codes
from ..tables._labels import integer_labels

__all__ = ["owner_labels", "split_values"]


def owner_labels(lt: Any) -> np.ndarray | None:
    """Per lead: its owner as a rep label (``None`` where missing); ``None`` without an owner
    column.  Integer owners (ids) are labelled as themselves (``"101"``); a flag column, or a
    number with a fraction, is no rep and is refused."""
    column = _owner_column(lt)
    return None if column is None else np.asarray(column.values(), dtype=object)


def split_values(lt: Any, split_by: str) -> Categorical:
    """The leads' column ``split_by`` of the marketing commitment as split labels, read as every
    ``by=`` reads a lead column (:func:`~alignment.tables._groups.group_codes`): text as itself,
    integer codes as themselves (``"101"``, a ``101.0`` a missing value made float too), flags
    ``"False"``/``"True"``, other numbers by the float (``"2.5"``); code ``-1`` where missing.

    Raises
    ------
    MissingColumnError
        If the leads have no such column of values (text, numbers or flags).
    """
    if split_by in lt.categorical:
        return lt.categorical[split_by]  # type: ignore[no-any-return]
    if split_by not in lt.numeric:
        raise MissingColumnError(
            f"marketing.split_by names {split_by!r}, not a lead column of values",
            column=split_by,
            table="leads",
            fix="split by a lead column of text, integer codes or flags (or the owner column)",
        )
    codes, _, labels = group_codes(lt, split_by, lt.exact.get(split_by))
    if labels.size and labels[-1] == MISSING_LABEL:  # (no number nor flag is labelled so)
        codes, labels = np.where(codes == labels.size - 1, -1, codes), labels[:-1]
    return Categorical(codes=codes.astype(np.int32), categories=labels)


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
