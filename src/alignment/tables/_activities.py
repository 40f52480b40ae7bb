"""ActivityLog: sales activities grouped by lead (CSR)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._colnames import by_keyword
from .._columns import DeferredCategorical
from .._frame_types import table_frames
from .._frames import (
    Categorical,
    read_table,
    to_native,
)
from .._params import is_option
from .._segments import group_sort
from .._textnorm import blank_as_missing
from ..errors import ParameterError, reject_rows
from ._common import (
    _check_awareness,
    _html_preview,
    _key_codes,
    _readonly,
    _time_column,
)
from ._journeys import _EventLog, _readable
from ._labels import label_columns
from ._leads import LeadTable

#: the label columns of an activity, by their default names
_LABELS = ("kind", "rep", "outcome")


@dataclass(frozen=True, eq=False)
class ActivityLog(_EventLog):
    """Sales activities (calls, emails, meetings) grouped by lead in CSR layout.

    When built with ``leads=``, the groups are exactly the leads' rows, in the lead table's
    order (``keys == leads.ids``), so per-lead results line up with the lead table.

    Attributes
    ----------
    keys : ndarray
        Lead ids, one per group.
    offsets : ndarray of int64
        CSR offsets.
    time : ndarray of datetime64[us]
        Activity instants, sorted within each lead.
    row : ndarray of int64
        Caller row of each activity.
    kind, rep, outcome : Categorical or None
        Kind (call, email, meeting …), sales rep, outcome of each activity.
    unknown_rows : ndarray of int64
        Caller rows of activities whose lead is not in ``leads`` (only with ``unknown="report"``).
    """

    kind: Categorical | None = None
    rep: Categorical | None = None
    outcome: Categorical | None = None
    unknown_rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    backend: str = "dict"

    @property
    def n_activities(self) -> int:
        """Number of activities."""
        return self.n_events

    @property
    def lead_index(self) -> np.ndarray:
        """Lead (group) index of every activity."""
        return self.group_index

    def __len__(self) -> int:
        return self.n_events

    def __repr__(self) -> str:
        return f"ActivityLog(n_leads={self.n_groups}, n_activities={self.n_activities})"

    def _repr_html_(self) -> str:
        title = f"ActivityLog: {self.n_activities:,} activities of {self.n_groups:,} leads"
        refused = [n for n in _LABELS if (c := getattr(self, n)) is not None and not _readable(c)]
        if refused:  # (a default column that is no label: shown refused, not raised here)
            title += f"; refused where used (not labels): {', '.join(map(repr, refused))}"
        return _html_preview(title, self._columns(skip=refused))

    def to_dict(self) -> dict[str, np.ndarray]:
        """Activity-level columns as numpy arrays.

        Raises
        ------
        DataValidationError
            A ``kind``, ``rep`` or ``outcome`` column read by default that holds no label
            (flags, numbers with a fraction): refused where it is used (see :meth:`build`).
        """
        return self._columns()

    def _columns(self, skip: Sequence[str] = ()) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {
            "lead_id": self.keys[self.group_index],
            "timestamp": self.time,
        }
        for name in _LABELS:
            cat = getattr(self, name)
            if cat is not None and name not in skip:
                out[name] = cat.values()
        return out

    @table_frames
    def to_frame(self, backend: str | None = None) -> Any:
        """Activity-level frame in ``backend`` (default: the caller's)."""
        return to_native(self.to_dict(), backend, default=self.backend)

    @classmethod
    def build(
        cls,
        data: Any,
        *,
        lead: str = "lead_id",
        time: str = "timestamp",
        kind: str = "kind",
        rep: str = "rep",
        outcome: str = "outcome",
        leads: Any = None,
        unknown: str = "raise",
    ) -> ActivityLog:
        """Build an activity log from a frame, a dict or a sequence of :class:`alignment.Activity`.

        Parameters
        ----------
        data : frame, dict or sequence
            One row per activity.
        lead, time, kind, rep, outcome : str
            Column names (``kind``, ``rep``, ``outcome`` are optional columns).
        leads : LeadTable or data for :meth:`LeadTable.build`, optional
            Align the groups with the leads' rows.
        unknown : {"raise", "report"}
            Activities of leads not in ``leads``: raise :class:`DataValidationError`, or keep
            them out of the groups and list their rows in ``unknown_rows``.

        Raises
        ------
        DataValidationError
            Missing columns, NaN/NaT in the lead or time column, activities of unknown leads,
            naive activity times with timezone-aware leads (or the reverse) without ``tz=``.
            A ``kind``, ``rep`` or ``outcome`` column that holds no label (flags, numbers
            with a fraction) when named other than by default; read by its default name, it
            is refused where it is used instead (grouping or filtering by it, a frame showing
            it), with the same error: a stray column nothing reads does not fail the build.
        """
        return cls._build(
            data, lead=lead, time=time, kind=kind, rep=rep, outcome=outcome, leads=leads,
            unknown=unknown, option="unknown='report'",
        )  # fmt: skip

    @classmethod
    def _build(
        cls,
        data: Any,
        *,
        lead: str,
        time: str,
        kind: str,
        rep: str,
        outcome: str,
        leads: Any,
        unknown: str,
        option: str,
    ) -> ActivityLog:
        """:meth:`build`; ``option`` is the caller's own way to keep an activity of an unknown
        lead out (``"unknown='report'"``), named in the refusal's fix."""
        if isinstance(data, ActivityLog):
            return data
        if not is_option(unknown, ("raise", "report")):
            raise ParameterError(f"unknown must be 'raise' or 'report', got {unknown!r}")
        at = "activities"
        fix = by_keyword({lead: "lead", time: "time"})
        raw = read_table(
            data, table=at, required=[lead, time], optional=[kind, rep, outcome], fix=fix
        )
        t, aware = _time_column(raw, time, at, check=False)
        unknown_rows = np.empty(0, np.int64)
        lt, lead_flags = LeadTable._read(leads) if leads is not None else (None, {})
        _check_awareness({time: aware}, at, also={("leads", c): v for c, v in lead_flags.items()})
        if lt is not None:
            pos, found = lt.positions(raw.columns[lead], column=lead, table=at)
            if not found.all():
                if unknown == "raise":
                    reject_rows(
                        ~found,
                        "activity for an unknown lead",
                        column=lead,
                        table=at,
                        values=raw.columns[lead],
                        fix=f"add the lead, drop the activity, or pass {option}",
                    )
                unknown_rows = np.flatnonzero(~found).astype(np.int64)
            codes = pos
            keys = lt.ids
            n = lt.n_leads
            sel = np.flatnonzero(found)
        else:
            k = _key_codes(raw.columns[lead], column=lead, table=at)
            codes, keys, n = k.codes, k.uniques, k.uniques.size
            sel = np.arange(codes.size)
        sub_order, offsets, sorted_time = group_sort(codes[sel], t[sel], n)
        order = sel[sub_order]
        on_use = [c for c, name in zip((kind, rep, outcome), _LABELS, strict=True) if c == name]
        present = [c for c in (kind, rep, outcome) if c in raw.columns]
        cats = label_columns(raw, present, at, order, on_use=on_use)
        if kind in cats and not isinstance(cats[kind], DeferredCategorical):
            cats[kind] = blank_as_missing(cats[kind])  # (a blank kind: missing, as in an Activity)
        out = cls(
            keys=keys,
            offsets=offsets,
            time=sorted_time,
            row=order.astype(np.int64),
            kind=cats.get(kind),
            rep=cats.get(rep),
            outcome=cats.get(outcome),
            unknown_rows=unknown_rows,
            backend=raw.backend,
        )
        _readonly(out.offsets, out.time, out.row)
        return out
