"""LeadTable: one row per lead, in the caller's row order."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._colnames import check_required, column_list
from .._frame_types import table_frames
from .._frames import (
    Categorical,
    factorize,
    numeric,
    read_table,
    to_native,
)
from .._lookup import lookup
from .._rows import object_kind
from .._stages import KNOWN_STAGES
from .._time import TIME_DTYPE, Awareness
from ..errors import reject_rows
from ._arrays import _own, owned
from ._common import (
    _check_awareness,
    _html_preview,
    _key_codes,
    _python_ints,
    _readonly,
    _time_column,
    as_key_text,
)
from ._labels import label_columns

_NAT = np.datetime64("NaT", "us")

#: lead columns that are labels whatever holds them: integer codes (campaign ``101``, also
#: ``101.0`` in a float column a missing value made float) and a column of missing values
#: only are read as labels (``"101"``), as the touches' label columns are
LEAD_LABELS = frozenset({"source", "campaign"})


# ----------------------------------------------------------------------------- LeadTable


#: the error of duplicate lead ids (the Dask backend raises the same across partitions)
DUPLICATE_ID = "duplicate lead id"
DUPLICATE_ID_FIX = (
    "lead ids must be unique; deduplicate the leads (see alignment.closed_loop for duplicate "
    "detection)"
)
#: how to supply a missing anchor column (``LeadTable._read(anchors=)``)
ANCHOR_FIX = (
    "add the instant column to the leads (a LeadTable: build it with the column among its "
    "stages=), or name another of the leads' instant columns (lead_anchor=, opportunity_anchor=, "
    "won_anchor=)"
)


@dataclass(frozen=True)
class AnchoredLeads:
    """Leads whose ``anchors`` columns are read as instants too, whatever their name: how
    :func:`alignment.attribute` hands the lead columns its model's anchor parameters name to
    the builders that read the leads (:meth:`LeadTable._read`)."""

    data: Any
    anchors: tuple[str, ...]


def default_stages(
    names: Iterable[str], kind_of: Callable[[str], str], *, id: str, created_at: str
) -> list[str]:
    """The stage columns :meth:`LeadTable.build` reads when none are named: the known stages
    present, and any other ``*_at`` column of datetimes or text (``kind_of(name)``: the numpy
    dtype kind of a column, asked only of those)."""
    return [
        c
        for c in names
        if c not in (id, created_at)
        and (c in KNOWN_STAGES or (c.endswith("_at") and kind_of(c) in "MO"))
    ]


@dataclass(frozen=True, eq=False)
class LeadTable:
    """One row per lead, in the caller's row order.

    Attributes
    ----------
    ids : ndarray
        Lead ids (``int64`` or object ``str``), unique.
    created_at : ndarray of datetime64[us]
        Creation instants (UTC).
    stages : dict of str to ndarray of datetime64[us]
        Lifecycle stage instants (``mql_at``, ``sql_at``, ``won_at`` …); ``NaT`` = not reached.
    categorical : dict of str to Categorical
        String attributes (source, campaign, persona, owner, account_id, industry …).
    numeric : dict of str to ndarray of float64
        Numeric attributes (company_size …); ``NaN`` = missing.
    backend : str
        The caller's backend, used by :meth:`to_frame` by default.
    id_column : str
        Name of the id column.
    exact : dict of str to ndarray
        The values as read of the ``numeric`` columns given as integers or flags, where a
        value is a key (``funnel.observe(by=)``): an integer column as its integers (its
        float64 copy rounds those beyond 2**53; ``0`` where missing, the rows ``NaN`` in
        ``numeric``), Python ints beyond int64 as their text (``"100000000000000000001"``;
        ``""`` where missing), a flag column as ``True``/``False`` (``None`` = missing) in an
        object array.
    """

    ids: np.ndarray
    created_at: np.ndarray
    stages: dict[str, np.ndarray] = field(default_factory=dict)
    categorical: dict[str, Categorical] = field(default_factory=dict)
    numeric: dict[str, np.ndarray] = field(default_factory=dict)
    backend: str = "dict"
    id_column: str = "lead_id"
    exact: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def n_leads(self) -> int:
        """Number of leads."""
        return int(self.ids.size)

    def __len__(self) -> int:
        return self.n_leads

    @property
    def columns(self) -> list[str]:
        """Every column name."""
        return [self.id_column, "created_at", *self.stages, *self.categorical, *self.numeric]

    def column(self, name: str) -> np.ndarray:
        """Values of column ``name`` (categoricals decoded to ``str``).

        Raises
        ------
        MissingColumnError
            If there is no such column.
        """
        from ..errors import MissingColumnError

        if name in (self.id_column, "id", "lead_id") and name not in self.categorical:
            return self.ids
        if name == "created_at":
            return self.created_at
        if name in self.stages:
            return self.stages[name]
        if name in self.categorical:
            return self.categorical[name].values()
        if name in self.numeric:
            return self.numeric[name]
        raise MissingColumnError(
            f"no column {name!r}; available: {', '.join(self.columns)}", column=name, table="leads"
        )

    def categories(self, name: str) -> Categorical:
        """Column ``name`` as a :class:`Categorical` (string columns and stage-free keys).

        Raises
        ------
        MissingColumnError
            If there is no such string column.
        """
        from ..errors import MissingColumnError

        if name in self.categorical:
            return self.categorical[name]
        if name in (self.id_column, "lead_id"):
            return factorize(self.ids, column=name, table="leads")
        raise MissingColumnError(
            f"no string column {name!r}; string columns: {', '.join(self.categorical) or '(none)'}",
            column=name,
            table="leads",
        )

    def positions(
        self, ids: Any, *, column: str | None = None, table: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Row positions of ``ids`` in this table (hash lookup).

        Parameters
        ----------
        ids : sequence, 1-D array or Categorical
            The ids to find (a whole-number float is the integer id: ``1.0`` finds ``1``;
            bytes are not text: ``b"a"`` does not find ``"a"``).
        column, table : str, optional
            The column (and table) holding ``ids``, named when an id is refused (a dict or
            list is no id).

        Returns
        -------
        positions : ndarray of int64
            Row of each id (``-1`` where not found).
        found : ndarray of bool

        Raises
        ------
        ParameterError
            ``ids`` is one id (a string, a number, ``None``) or an array of more than one
            dimension.
        """
        _one_dimension(ids)
        if isinstance(ids, (list, tuple)) and any(_beyond_int64(v) for v in ids):
            ids = np.asarray(ids, dtype=object)  # (numpy would round them to floats)
        if isinstance(ids, np.ndarray):
            ids = as_key_text(ids)  # (ints beyond int64: keyed as their text)
        return lookup(self.ids, ids, column=column, table=table)

    def take(self, index: np.ndarray) -> LeadTable:
        """Rows at ``index`` (a subset or a permutation).

        Parameters
        ----------
        index : ndarray of int or bool
            Row positions, each at most once (negative ones count from the end), or a mask
            of one flag per lead.

        Raises
        ------
        ParameterError
            A position out of range or repeated (a lead table holds each lead once), a mask
            of another length, or positions that are not integers.
        """
        idx = _take_rows(index, self.ids)
        out = replace(
            self,
            ids=self.ids[idx],
            created_at=self.created_at[idx],
            stages={k: v[idx] for k, v in self.stages.items()},
            categorical={k: owned(v.take(idx), copy=False) for k, v in self.categorical.items()},
            numeric={k: v[idx] for k, v in self.numeric.items()},
            exact={k: v[idx] for k, v in self.exact.items()},
        )
        _readonly(out.ids, out.created_at, *out.stages.values(), *out.numeric.values())
        _readonly(*out.exact.values())
        return out

    def to_dict(self) -> dict[str, np.ndarray]:
        """Columns as a dict of numpy arrays (categoricals decoded)."""
        out: dict[str, np.ndarray] = {self.id_column: self.ids, "created_at": self.created_at}
        out.update(self.stages)
        out.update({k: v.values() for k, v in self.categorical.items()})
        out.update(self.numeric)
        return out

    @table_frames
    def to_frame(self, backend: str | None = None) -> Any:
        """The table as a frame in ``backend`` (default: the caller's)."""
        return to_native(self.to_dict(), backend, default=self.backend)

    def __repr__(self) -> str:
        return f"LeadTable(n_leads={self.n_leads}, columns={self.columns})"

    def _repr_html_(self) -> str:
        return _html_preview(
            f"LeadTable: {self.n_leads:,} leads, {len(self.stages)} stage column(s)",
            self.to_dict(),
        )

    @classmethod
    def build(
        cls,
        data: Any,
        *,
        id: str = "lead_id",
        created_at: str = "created_at",
        stages: Sequence[str] | None = None,
        categorical: Sequence[str] | None = None,
        numeric: Sequence[str] | None = None,
    ) -> LeadTable:
        """Build a lead table from a frame, a dict of arrays or a sequence of :class:`alignment.Lead`.

        Parameters
        ----------
        data : frame, dict or sequence
            One row per lead.
        id, created_at : str
            Names of the id and creation-time columns.
        stages : list, tuple or 1-D array of str, optional
            Stage columns; default: the :data:`KNOWN_STAGES` present plus any other datetime
            column whose name ends in ``_at``.  A name given here that is not a column is an
            error (unknown stage).
        categorical, numeric : list, tuple or 1-D array of str, optional
            Columns to read as strings / numbers; default: inferred from the data types (a
            bool column is a number column: its flags are read as 0 and 1), but ``source``
            and ``campaign`` (:data:`LEAD_LABELS`) are labels whatever holds them: integer
            codes are their text (``101`` → ``"101"``), a column of missing values only is
            missing labels, and a flag or a number with a fraction is refused where the
            column is used.

        Raises
        ------
        DataValidationError
            Missing id or creation time, duplicate ids, bad types, mixed naive/aware datetimes.
        ParameterError
            ``stages``, ``categorical`` or ``numeric`` is one string (``stages="mql_at"``: pass
            ``["mql_at"]``) or not a sequence.
        """
        return cls._read(
            data,
            id=id,
            created_at=created_at,
            stages=stages,
            categorical=categorical,
            numeric=numeric,
        )[0]

    @classmethod
    def _read(
        cls,
        data: Any,
        *,
        id: str = "lead_id",
        created_at: str = "created_at",
        stages: Sequence[str] | None = None,
        categorical: Sequence[str] | None = None,
        numeric: Sequence[str] | None = None,
        anchors: Sequence[str] = (),
    ) -> tuple[LeadTable, dict[str, Awareness]]:
        """:meth:`build`, and the time columns read with whether each was timezone-aware (for
        a builder that checks them with the instants of its other tables).

        ``anchors``: columns also read as stage instants whatever their name; each must be
        ``created_at`` or a column (a stage, for a built table) - else :data:`ANCHOR_FIX`.

        Raises
        ------
        DataValidationError, ParameterError
            As :meth:`build`.
        """
        table = "leads"
        if isinstance(data, AnchoredLeads):
            data, anchors = data.data, [*anchors, *data.anchors]
        anchors = column_list(anchors, "anchors")
        fix = dict.fromkeys(anchors, ANCHOR_FIX)
        if isinstance(data, LeadTable):
            check_required(anchors, ["created_at", *data.stages], table, fix=fix)
            return data, {}
        stages, categorical, numeric = (
            None if v is None else column_list(v, k)
            for k, v in (("stages", stages), ("categorical", categorical), ("numeric", numeric))
        )
        raw = read_table(
            data,
            table=table,
            required=[id, created_at, *(stages or ()), *anchors],
            all_columns=True,
            fix=fix,
        )
        ids_raw = raw.columns[id]
        keys = _key_codes(ids_raw, column=id, table=table)
        ids = np.asarray(ids_raw)
        if ids.dtype.kind == "f":
            ids = ids.astype(np.int64)
        elif ids.dtype.kind in "iu":
            ids = _own(ids, (ids_raw,))  # (read-only below: never the caller's array)
        elif ids.dtype.kind not in "iu":
            ids = keys.uniques[keys.codes]
        dup = (
            np.bincount(keys.codes, minlength=keys.uniques.size) > 1
            if keys.codes.size
            else np.zeros(0, bool)
        )
        if dup.any():
            reject_rows(
                dup[keys.codes],
                DUPLICATE_ID,
                column=id,
                table=table,
                values=ids,
                fix=DUPLICATE_ID_FIX,
            )
        flags: dict[str, Awareness] = {}
        created, flags[created_at] = _time_column(raw, created_at, table, check=False)
        stage_names: list[str]
        kind_of = functools.cache(lambda c: _kind(raw.columns[c]))  # (read when needed)
        if stages is None:
            stage_names = default_stages(raw.columns, kind_of, id=id, created_at=created_at)
        else:
            stage_names = list(stages)
        stage_names += [
            a for a in dict.fromkeys(anchors) if a not in (id, created_at, *stage_names)
        ]
        stage_arrays: dict[str, np.ndarray] = {}
        for s in stage_names:
            col = raw.columns[s]
            if col.dtype.kind == "O" and all(v is None for v in col.tolist()):
                arr = np.full(col.size, _NAT, dtype=TIME_DTYPE)
                aware: Awareness = None
            else:
                arr, aware = _time_column(raw, s, table, allow_missing=True, check=False)
            flags[s] = aware
            _readonly(arr)
            stage_arrays[s] = arr
        _check_awareness(flags, table)
        rest = [c for c in raw.columns if c not in (id, created_at, *stage_names)]
        coded: list[str] = []  # (label columns of numbers: checked where they are used)
        if categorical is None:
            coded = [c for c in rest if c in LEAD_LABELS and kind_of(c) in "iuf"]
            cat_names = [
                c for c in rest if c not in (numeric or ()) and (kind_of(c) in "OUS" or c in coded)
            ]
        else:
            cat_names = list(categorical)
        if numeric is None:
            num_names = [c for c in rest if c not in cat_names and kind_of(c) in "iufb"]
        else:
            num_names = list(numeric)
        for c in [*cat_names, *num_names]:
            if c not in raw.columns:
                from ..errors import MissingColumnError

                raise MissingColumnError(f"column {c!r} not found", column=c, table=table)
        cats = label_columns(raw, cat_names, table, None, on_use=coded)
        nums: dict[str, np.ndarray] = {}
        exact: dict[str, np.ndarray] = {}
        for c in num_names:
            arr = numeric_(raw.columns[c], column=c, table=table, allow_missing=True, flags=True)
            _readonly(arr)
            nums[c] = arr
            kept = raw.integers.get(c)
            kept = _exact_values(raw.columns[c], arr, kind_of(c)) if kept is None else kept
            if kept is not None:
                _readonly(kept)
                exact[c] = kept
        _readonly(ids, created)
        built = cls(
            ids=ids,
            created_at=created,
            stages=stage_arrays,
            categorical=cats,
            numeric=nums,
            backend=raw.backend,
            id_column=id,
            exact=exact,
        )
        return built, flags


numeric_ = numeric  # the builder's parameter shadows the function name


def _take_rows(index: Any, ids: np.ndarray) -> np.ndarray:
    """The row positions of :meth:`LeadTable.take` of a table of lead ``ids`` (``index``:
    positions or a mask)."""
    from ..errors import ParameterError

    n = ids.size
    idx = np.asarray(index)
    if idx.dtype.kind == "b":
        if idx.shape != (n,):
            raise ParameterError(
                f"take() mask has shape {idx.shape} for {n} leads; fix: give one flag per lead"
            )
        return np.flatnonzero(idx)
    if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
        raise ParameterError(
            f"take() takes a 1-D array of row positions (integers) or a mask of {n} flags, "
            f"got {idx.dtype} values of shape {idx.shape}"
        )
    idx = idx.astype(np.int64)
    out = (idx < -n) | (idx >= n)
    if out.any():
        raise ParameterError(
            f"take() position {int(idx[out][0])} is out of range for {n} leads (positions "
            f"{-n} to {n - 1}); {int(out.sum())} position(s) out of range"
        )
    idx = np.where(idx < 0, idx + n, idx)
    seen = np.bincount(idx, minlength=n) if idx.size else np.zeros(0, np.int64)
    if (seen > 1).any():
        row = int(np.flatnonzero(seen > 1)[0])
        raise ParameterError(
            f"take() repeats row {row} (lead {ids[row]!r}); a lead table holds each lead "
            "once; fix: pass each position at most once"
        )
    return idx


def _beyond_int64(v: Any) -> bool:
    return isinstance(v, int) and not -(2**63) <= v < 2**63


def _one_dimension(ids: Any) -> None:
    """Refuse ids for :meth:`LeadTable.positions` that are no list of ids."""
    ndim = getattr(ids, "ndim", None)
    if ndim is None:
        if ids is None or isinstance(ids, (str, bytes)) or not hasattr(ids, "__len__"):
            ndim = 0
        else:
            try:
                ndim = np.ndim(ids)
            except ValueError:  # (nested lists of unequal lengths)
                ndim = 2
    if ndim != 1:
        from ..errors import ParameterError

        shape = "one id" if ndim == 0 else f"an array of {ndim} dimensions"
        raise ParameterError(
            f"positions() takes a list of ids, got {shape} ({type(ids).__name__}: {ids!r:.60}); "
            "fix: pass a list or a 1-D array of ids, e.g. positions([id])"
        )


def _exact_values(column: Any, floats: np.ndarray, kind: str) -> np.ndarray | None:
    """The exact values of a number column read as ``floats`` (see ``LeadTable.exact``): a
    copy of an integer column, the flags of a bool one; ``None`` for other numbers."""
    if kind == "b":
        return np.asarray(np.where(np.isnan(floats), None, floats == 1), dtype=object)
    if getattr(column, "dtype", None) is not None and column.dtype.kind in "iu":
        return np.array(column, copy=True)
    if kind == "f" and isinstance(column, np.ndarray) and column.dtype.kind == "O":
        given = ~np.isnan(floats)  # (Python ints beyond int64: their text, exact)
        return np.where(given, column, "").astype(str) if _python_ints(column[given]) else None
    return None


def _kind(column: Any) -> str:
    """The numpy dtype kind of a lead column; an object column's, that of its values
    (:func:`~alignment._rows.object_kind`: bools with ``None`` are flags, ``datetime`` values
    instants, as the same column given as a frame's typed column is read)."""
    kind: str = column.dtype.kind
    return object_kind(column) if kind == "O" and isinstance(column, np.ndarray) else kind
