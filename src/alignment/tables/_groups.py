"""Group codes of a lead column (``by=``): one reading for every engine grouping leads by a
column (``funnel.observe``, ``speed_to_lead``, ``closed_loop``), so that a column is grouped,
labelled and refused alike whichever groups it.

Text is labelled as itself; integers as themselves, compared exactly (``"101"``; Python ints
beyond int64 too, ``"100000000000000000001"``); flags
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
from .._parse import _missing_mask
from .._rows import object_kind
from ..errors import ParameterError, reject_rows
from ._labels import whole_numbers

if TYPE_CHECKING:
    from ._leads import LeadTable

__all__ = ["group_codes", "labels_like"]


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
        if values.dtype.kind == "U" and by in lt.numeric:  # (ints beyond int64, as text)
            missing = np.isnan(lt.numeric[by])
            return _number_codes(_ints_of_text(values, missing), missing)
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
    if values.dtype.kind in "iuO":  # (integers; Python ints beyond int64 in objects)
        names = [str(u) for u in uniq.tolist()]  # (one per distinct value)
    else:
        whole = whole_numbers(uniq, np.zeros(uniq.size, dtype=bool)).tolist()
        names = [str(int(u)) if w else repr(u) for u, w in zip(uniq.tolist(), whole, strict=True)]
    return _with_missing(codes, np.array(names, dtype=object))


def _big_ints(values: NDArray[Any]) -> bool:
    """Whether the objects ``values`` hold integers (beyond int64: Python ints; ``None``
    where missing), not flags."""
    return values.dtype.kind == "O" and object_kind(values) == "f"


def _ints_of_text(text: NDArray[Any], missing: NDArray[np.bool_]) -> NDArray[np.object_]:
    """The integers beyond int64 a lead column holds, from their text (``LeadTable.exact``), as
    Python ints (``None`` where missing): compared and ordered exactly."""
    out = np.full(text.size, None, dtype=object)
    out[~missing] = [int(v) for v in text[~missing].tolist()]
    return out


def _flag_codes(values: NDArray[Any]) -> tuple[NDArray[np.int64], int, NDArray[np.object_]]:
    """Group codes of a flag column (``True``/``False``, ``None`` = missing), labelled
    ``"False"`` and ``"True"``."""
    missing = np.equal(values, np.array(None, dtype=object)).astype(bool)
    flags = np.where(missing, -1, np.equal(values, np.array(True, dtype=object))).astype(np.int64)
    return _with_missing(flags, np.array(["False", "True"], dtype=object))


_KINDS = {
    "flags": "the text 'True' is not the flag True, nor is the number 1",
    "numbers": "the text '101' is not the number 101, nor is the flag True",
}


def labels_like(
    lt: LeadTable, by: str, values: Any, exact: NDArray[Any] | None, *, table: str
) -> NDArray[np.object_] | None:
    """Another table's key column for the leads' ``by`` column of flags or numbers, labelled as
    :func:`group_codes` labels the leads' (``"True"``, ``"101"``, ``"2.5"``, ``"(missing)"``
    where missing); ``None`` for a text column of the leads (read as labels elsewhere).

    A key of another kind than the leads' column (text keying flags or numbers, a number
    keying flags, a flag keying numbers) is refused naming its rows: the text ``"True"`` is
    not the flag ``True``.  Integer codes may be met by whole floats (``101.0`` is ``"101"``).
    ``exact``: the integers of an integer column with missing values (``RawColumns.integers``).
    """
    if by in lt.categorical:
        return None
    lead = lt.exact.get(by)
    lead = lt.column(by) if lead is None else lead
    kind = "flags" if lead.dtype.kind in "bO" else "numbers" if lead.dtype.kind in "fiuU" else ""
    if not kind:
        return None
    text = hasattr(values, "codes")  # (a Categorical: text)
    arr = np.asarray(values.codes if text else values)
    missing = arr < 0 if text else _missing_mask(arr)
    ok = np.zeros(arr.size, bool) if text else _of_kind(arr, kind)
    reject_rows(
        ~missing & ~ok,
        f"the leads' {by!r} holds {kind}: a key of another kind meets none ({_KINDS[kind]})",
        column=by,
        table=table,
        values=values,
        fix=f"key these rows by {kind}, as the leads' {by!r} holds them (or give both as text)",
    )
    if kind == "flags":
        codes, _, labels = _flag_codes(np.where(missing, np.array(None, object), arr))
    elif exact is not None or arr.dtype.kind in "iu":  # (integers compared exactly)
        codes, _, labels = _number_codes(arr if exact is None else exact, missing)
    elif _big_ints(arr):  # (Python ints beyond int64: compared exactly)
        codes, _, labels = _number_codes(np.where(missing, np.array(None, object), arr), missing)
    else:
        codes, _, labels = _number_codes(np.where(missing, np.nan, arr).astype(np.float64))
    return labels[codes]


def _of_kind(arr: NDArray[Any], kind: str) -> NDArray[np.bool_]:
    """Where ``arr`` holds a flag (``kind`` ``"flags"``) or a number, never a bool."""
    if arr.dtype.kind != "O":
        return np.full(arr.size, arr.dtype.kind in ("b" if kind == "flags" else "fiu"))
    test = _is_flag if kind == "flags" else _is_number
    return np.fromiter(map(test, arr.tolist()), dtype=bool, count=arr.size)


def _is_flag(v: Any) -> bool:
    return isinstance(v, (bool, np.bool_))


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not _is_flag(v)


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
    """Only the labels some lead holds (a text column's categories may name values no lead of
    the table holds: a subset's, say), in their order, then ``"(missing)"`` when a lead has no
    value (code ``-1``)."""
    missing = codes < 0
    held = np.bincount(codes[~missing], minlength=labels.size) > 0
    if not held.all():
        codes = np.where(missing, -1, np.cumsum(held)[codes.clip(0)] - 1).astype(np.int64)
        labels = labels[held]
    if missing.any():
        codes = np.where(missing, labels.size, codes)
        labels = np.append(labels, np.array([MISSING_LABEL], dtype=object))
    return codes, int(labels.size), labels
