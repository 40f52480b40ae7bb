"""Group codes of a lead column (``by=``): one reading for every engine grouping leads by a
column (``funnel.observe``, ``speed_to_lead``, ``closed_loop``), so that a column is grouped,
labelled and refused alike whichever groups it.

Text is labelled as itself; integers as themselves, compared exactly (``"101"``); flags
``"False"``/``"True"``; a float column's whole numbers as integers (``101.0``, what a missing
value makes of an integer column, is ``"101"``) and its other values by the float (``"2.5"``);
leads without a value form one more group, :data:`~alignment._grouplabel.MISSING_LABEL`, and a
text column holding that text beside leads without a value is refused naming the rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._colnames import close_name
from .._grouplabel import MISSING_LABEL, refuse_missing_label
from ..errors import ParameterError
from ._labels import whole_numbers

if TYPE_CHECKING:
    from ._leads import LeadTable

__all__ = ["group_codes"]


def group_codes(
    lt: LeadTable, by: str, values: NDArray[Any] | None = None
) -> tuple[NDArray[np.int64], int, NDArray[np.object_]]:
    """Codes (missing → an extra ``"(missing)"`` group), count and labels of a lead column;
    a text column holding the text ``"(missing)"`` is refused (:func:`refuse_missing_label`).

    ``values``: the column's exact values (``LeadTable.exact``) for an integer or flag
    column: integers labelled as themselves (``"101"``, never merged by rounding), flags
    ``"False"``/``"True"``; without them a number column's float64 copy is grouped.
    """
    from .._frames import factorize

    if by in lt.categorical:
        cat = lt.categorical[by]
    else:
        if values is None:
            try:
                values = lt.column(by)
            except KeyError as exc:  # MissingColumnError: say it in terms of by=
                raise _unknown_by(lt, by) from exc
        if values.dtype.kind == "M":
            raise ParameterError(
                f"by={by!r} is a time column; use cohort='M'/'W'/'D' to group by entry period"
            )
        if values.dtype.kind in "fiu":  # numbers: numeric order, labels as text
            exact_ints = values.dtype.kind in "iu" and by in lt.numeric
            return _number_codes(values, np.isnan(lt.numeric[by]) if exact_ints else None)
        if values.dtype.kind == "b" or by in lt.exact:  # flags (object: None = missing)
            return _flag_codes(values)
        cat = factorize(
            np.asarray(values, dtype=object), column=by, table="leads", allow_missing=True
        )
    refuse_missing_label(cat.categories, cat.codes, column=by)
    return _with_missing(
        np.asarray(cat.codes, dtype=np.int64), np.asarray(cat.categories, dtype=object)
    )


def _number_codes(
    values: NDArray[Any], missing: NDArray[np.bool_] | None = None
) -> tuple[NDArray[np.int64], int, NDArray[np.object_]]:
    """Group codes of a number column in numeric order: integers compared and labelled exactly
    (``"101"``), in a float column too (``101.0``, what a missing value makes of an integer
    column, is ``"101"``: :func:`~alignment.tables._labels.whole_numbers`, the label reader's
    rule), other floats as their ``repr`` (``"2.5"``); ``NaN`` is missing, and for integers
    the rows flagged in ``missing``."""
    if missing is None:
        missing = np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.size, bool)
    uniq, inv = np.unique(values[~missing], return_inverse=True)
    codes = np.full(values.size, -1, dtype=np.int64)
    codes[~missing] = inv.ravel()
    if values.dtype.kind in "iu":
        names = [str(u) for u in uniq.tolist()]  # (one per distinct value)
    else:
        whole = whole_numbers(uniq, np.zeros(uniq.size, dtype=bool)).tolist()
        names = [str(int(u)) if w else repr(u) for u, w in zip(uniq.tolist(), whole, strict=True)]
    return _with_missing(codes, np.array(names, dtype=object))


def _flag_codes(values: NDArray[Any]) -> tuple[NDArray[np.int64], int, NDArray[np.object_]]:
    """Group codes of a flag column (``True``/``False``, ``None`` = missing), labelled
    ``"False"`` and ``"True"``."""
    missing = np.equal(values, np.array(None, dtype=object)).astype(bool)
    flags = np.where(missing, -1, np.equal(values, np.array(True, dtype=object))).astype(np.int64)
    present = np.bincount(flags[~missing], minlength=2) > 0
    codes = np.where(missing, -1, np.cumsum(present)[flags.clip(0)] - 1).astype(np.int64)
    return _with_missing(codes, np.array(["False", "True"], dtype=object)[present])


def _unknown_by(lt: LeadTable, by: str) -> ParameterError:
    """The error of a ``by=`` that is not a lead column: the leads' columns by the names the
    caller gave them (the id column as named in the leads), and the closest one."""
    names = lt.columns
    close = close_name(by, names)
    hint = f"; did you mean {close!r}?" if close else ""
    return ParameterError(f"by={by!r} is not a lead column; available: {', '.join(names)}{hint}")


def _with_missing(
    codes: NDArray[np.int64], labels: NDArray[np.object_]
) -> tuple[NDArray[np.int64], int, NDArray[np.object_]]:
    missing = codes < 0
    if missing.any():
        codes = np.where(missing, labels.size, codes)
        labels = np.append(labels, np.array([MISSING_LABEL], dtype=object))
    return codes, int(labels.size), labels
