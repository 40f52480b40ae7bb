"""Lifecycle history from stage events: :func:`history` and :class:`LifecycleHistory`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray

from .._display import preview as html_table
from .._options import read_as_of, reads_options
from .._params import is_option
from .._results import Result, frame_backend
from .._segments import sorted_unique
from ..errors import ParameterError, reject_rows
from ._base import DEFAULT_STAGES, _to_frame
from ._lifecycle import NAT, Entries, Skipped, check_skipped, stage_entries, stage_key, stage_names
from ._observe import cohort_codes, read_only, stage_label, velocity_days

__all__ = ["DEFAULT_HISTORY_STAGES", "LifecycleHistory", "history"]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
TIME = np.dtype("datetime64[us]")
SPAN = np.dtype("timedelta64[us]")

DEFAULT_HISTORY_STAGES: tuple[str, ...] = tuple(stage_label(s) for s in DEFAULT_STAGES)
"""Default stages of :func:`history`: ``("lead", "mql", "sql", "opportunity", "won")``."""

#: why a cell of the "stages" level has no value
_NO_TIME = "no entry of the stage has ended (or every one was a filled skip)"


@dataclass(frozen=True, eq=False, repr=False)
class LifecycleHistory(Result):
    """Per lead and stage: when it entered, when it left, how long it stayed, re-entries.

    Built by :func:`history`; ``funnel.observe(history)`` measures its funnel (each lead
    once, or once per entry with ``count="entries"``).  Entries are sorted by lead (``keys``
    order), then time.

    Attributes
    ----------
    keys : ndarray
        Lead ids (sorted), one per lead with at least one entry.
    stages : tuple of str
        Stage names, top to bottom (``"lead"``, ``"mql"`` …).
    skipped : {"fill", "ignore"}
        The rule applied to skipped stages.
    as_of : numpy.datetime64
        End of observation (UTC): open entries are timed up to it; events after it were left
        out (``after_as_of_rows``).
    lead, rank : ndarray of int64
        Per entry: lead (index into ``keys``) and stage (index into ``stages``).
    entered, exited : ndarray of datetime64[us]
        Per entry: start, and end (``NaT`` while the lead is still in the stage).
    entry : ndarray of int64
        1 for a lead's first entry of a stage, 2 for its second (after a recycle) …
    filled, recycled : ndarray of bool
        A skipped stage filled at the jump instant (``skipped="fill"``); a re-entry to an
        earlier stage.
    event_rows : ndarray of int64
        Per entry: the caller's row of the event that made it (for a filled entry, the jump);
        for a bundle's lead columns, the row of the events taken stage by stage.
    offsets : ndarray of int64
        CSR offsets of each lead's entries.
    n_events : int
        Rows read; each is used (``event_rows``), a repeat (``repeat_rows``), after ``as_of``
        (``after_as_of_rows``) or of an undeclared stage (``unknown_rows``).
    backend : str
        The caller's backend, the default of :meth:`to_frame`.
    """

    keys: np.ndarray
    stages: tuple[str, ...]
    skipped: str
    as_of: np.datetime64
    lead: IntArray
    rank: IntArray
    entered: NDArray[np.datetime64]
    exited: NDArray[np.datetime64]
    entry: IntArray
    filled: BoolArray
    recycled: BoolArray
    event_rows: IntArray
    offsets: IntArray
    n_events: int
    repeat_rows: IntArray
    after_as_of_rows: IntArray
    unknown_rows: IntArray
    backend: str = "dict"

    # ------------------------------------------------------------------ derived arrays

    @property
    def n_leads(self) -> int:
        """Number of leads with at least one entry."""
        return int(self.keys.size)

    @property
    def n_entries(self) -> int:
        """Number of stage entries (filled ones included)."""
        return int(self.rank.size)

    @property
    def is_open(self) -> BoolArray:
        """Per entry: the lead is still in the stage at ``as_of``."""
        return np.isnat(self.exited)

    @cached_property
    def time_in_stage(self) -> NDArray[np.timedelta64]:
        """Per entry: ``exited − entered``, or ``as_of − entered`` while open."""
        end = np.where(self.is_open, self.as_of, self.exited)
        return read_only((end - self.entered).astype(SPAN))

    @cached_property
    def first_entered(self) -> NDArray[np.datetime64]:
        """``(n_leads, n_stages)``: each lead's first entry of each stage (``NaT``: never)."""
        out = np.full((self.n_leads, len(self.stages)), NAT, dtype=np.int64)
        first = self.entry == 1
        out[self.lead[first], self.rank[first]] = self.entered[first].view(np.int64)
        return read_only(out.view(TIME))

    @property
    def started(self) -> NDArray[np.datetime64]:
        """Per lead: the instant of its first entry (its first event)."""
        return self.entered[self.offsets[:-1]]

    def stage_index(self, stage: str) -> int:
        """Position of a stage in :attr:`stages` (``"mql"``, ``"MQL"`` or ``"mql_at"``)."""
        keys = [stage_key(s) for s in self.stages]
        want = stage_key(stage)
        if want not in keys:
            raise ParameterError(f"no stage {stage!r}; stages: {', '.join(self.stages)}")
        return keys.index(want)

    # ------------------------------------------------------------------ tables

    def _entry_columns(self) -> dict[str, np.ndarray]:
        labels = np.array(self.stages, dtype=object)
        return {
            "lead_id": self.keys[self.lead],
            "stage": labels[self.rank],
            "entry": self.entry,
            "entered": self.entered,
            "exited": self.exited,
            "time_in_stage": self.time_in_stage,
            "recycled": self.recycled,
            "filled": self.filled,
        }

    def _stage_columns(self) -> dict[str, np.ndarray]:
        s = len(self.stages)

        def per_stage(mask: BoolArray) -> IntArray:
            return np.bincount(self.rank[mask], minlength=s).astype(np.int64)

        timed = ~self.is_open & ~self.filled
        spans = (self.exited[timed] - self.entered[timed]).astype(SPAN).view(np.int64)
        n, mean, median, p90 = velocity_days(spans, self.rank[timed], s)
        everything = np.ones(self.rank.size, dtype=bool)
        return {
            "stage": np.array(self.stages, dtype=object),
            "leads": per_stage(self.entry == 1),
            "entries": per_stage(everything),
            "recycles": per_stage(self.recycled),
            "filled": per_stage(self.filled),
            "open": per_stage(self.is_open),
            "timed": n,
            "median_days": median,
            "p90_days": p90,
            "mean_days": mean,
        }

    def _lead_columns(self) -> dict[str, np.ndarray]:
        last = self.offsets[1:] - 1
        starts = self.offsets[:-1]
        rec = np.concatenate(([0], np.cumsum(self.recycled)))
        return {
            "lead_id": self.keys,
            "stage": np.array(self.stages, dtype=object)[self.rank[last]],
            "since": self.entered[last],
            "started": self.entered[starts],
            "entries": np.diff(self.offsets),
            "recycles": rec[self.offsets[1:]] - rec[starts],
        }

    #: the column builder of each level (the first is the default)
    _tables: ClassVar[dict[str, Callable[[LifecycleHistory], dict[str, np.ndarray]]]] = {
        "entries": _entry_columns,
        "stages": _stage_columns,
        "leads": _lead_columns,
    }
    levels = tuple(_tables)

    not_measured: ClassVar[dict[str, str]] = {
        "median_days": _NO_TIME,
        "p90_days": _NO_TIME,
        "mean_days": _NO_TIME,
    }

    def to_frame(self, level: str | None = None, backend: Any = None) -> Any:
        """The history as a table in the caller's backend.

        Parameters
        ----------
        level : {"entries", "stages", "leads"}, default "entries"
            ``"entries"``: one row per stage entry (``lead_id``, ``stage``, ``entry``,
            ``entered``, ``exited`` — ``NaT`` while in the stage —, ``time_in_stage`` to the
            exit or to ``as_of``, ``recycled``, ``filled``).  ``"stages"``: one row per stage
            (``leads`` that entered it, ``entries``, ``recycles``, ``filled``, ``open``, and
            the ``median_days`` / ``p90_days`` / ``mean_days`` of the ``timed`` entries: ended
            and not filled).  ``"leads"``: one row per lead (current ``stage``, ``since``,
            ``started``, ``entries``, ``recycles``).
        backend : {"pandas", "polars", "pyarrow", "dict"} or None
            Output backend; default: the backend the events came in.
        """
        level, backend = self._frame_args(level, backend)
        return _to_frame(self._tables[level](self), frame_backend(backend, self.backend))

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"LifecycleHistory(leads={s['leads']}, entries={s['entries']}, "
            f"stages={tuple(self.stages)!r}, recycles={s['recycles']}, open={s['open']})"
        )

    def summary(self) -> dict[str, Any]:
        """Headline figures: leads, events (and what became of each), entries, recycles."""
        return {
            "leads": self.n_leads,
            "events": int(self.n_events),
            "events_used": int(sorted_unique(self.event_rows).size),
            "repeats": int(self.repeat_rows.size),
            "after_as_of": int(self.after_as_of_rows.size),
            "unknown_stage": int(self.unknown_rows.size),
            "entries": self.n_entries,
            "recycles": int(np.count_nonzero(self.recycled)),
            "filled": int(np.count_nonzero(self.filled)),
            "open": int(np.count_nonzero(self.is_open)),
            "skipped": self.skipped,
            "as_of": None if np.isnat(self.as_of) else self.as_of,
        }

    def _repr_html_(self) -> str:
        s = self.summary()
        note = (
            f"{s['leads']:,} leads, {s['entries']:,} entries ({s['recycles']:,} recycles, "
            f"{s['filled']:,} filled skips), as of {str(self.as_of)[:16]}"
        )
        return html_table(
            "Lifecycle history", self._stage_columns(), note=note, na=self.not_measured
        )

    def plot(self, ax: Any = None, *, stat: Literal["median", "p90", "mean"] = "median") -> Any:
        """Bars of the time spent in each stage, in days (``plot`` extra).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw on it; default a new figure.
        stat : {"median", "p90", "mean"}
            Which statistic of the timed entries.

        Returns
        -------
        (Figure, Axes)
        """
        from .._charts import bars

        if not is_option(stat, ("median", "p90", "mean")):
            raise ParameterError(f"stat must be 'median', 'p90' or 'mean'; got {stat!r}")
        cols = self._stage_columns()
        return bars(
            self.stages,
            {f"{stat} days in stage": cols[f"{stat}_days"]},
            ax=ax,
            title="Time in stage",
            ylabel="days",
        )

    # ------------------------------------------------------------------ time to a stage

    def time_to(self, stage: str, *, cohort: str | None = None, backend: Any = None) -> Any:
        """Days from a lead's first event to its first entry of ``stage``, per entry cohort.

        Parameters
        ----------
        stage : str
            ``"mql"``, ``"sql"``, ``"won"`` … (case and ``_at`` ignored).
        cohort : {"D", "W", "M", "Q", "Y"}, optional
            Group the leads by the period of their first event (UTC; weeks start on Monday).
        backend : {"pandas", "polars", "pyarrow", "dict"} or None
            Output backend; default: the backend the events came in.

        Returns
        -------
        frame
            One row per cohort (one row without ``cohort``): ``cohort`` (period start),
            ``stage``, ``leads``, ``reached`` (by ``as_of``), ``not_reached``, and
            ``median_days``, ``p90_days``, ``mean_days`` among the leads that reached it
            (``NaN`` when none did).

        Notes
        -----
        The statistics describe the leads that reached the stage by ``as_of``; those that did
        not are counted in ``not_reached``, not estimated (no Kaplan–Meier correction), so a
        young cohort's times are those of its fast leads.
        """
        k = self.stage_index(stage)
        start = self.started
        first = self.first_entered[:, k]
        group: IntArray | None = None
        n_groups = 1
        cols: dict[str, np.ndarray] = {}
        if cohort is not None:
            group, periods = cohort_codes(start, cohort)
            n_groups = int(periods.size)
            cols["cohort"] = periods
        reached = ~np.isnat(first)
        spans = (first[reached] - start[reached]).astype(SPAN).view(np.int64)
        n, mean, median, p90 = velocity_days(
            spans, None if group is None else group[reached], n_groups
        )
        leads = (
            np.array([self.n_leads], dtype=np.int64)
            if group is None
            else np.bincount(group, minlength=n_groups).astype(np.int64)
        )
        cols.update(
            stage=np.full(n_groups, self.stages[k], dtype=object),
            leads=leads,
            reached=n,
            not_reached=leads - n,
            median_days=median,
            p90_days=p90,
            mean_days=mean,
        )
        if group is not None:  # periods without leads are not listed
            keep = leads > 0
            cols = {name: col[keep] for name, col in cols.items()}
        return _to_frame(cols, frame_backend(backend, self.backend))


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Events:
    """Events read from the caller's table, in its row order."""

    codes: IntArray  # lead code per row
    keys: np.ndarray  # sorted lead ids
    rank: IntArray  # stage index per row, -1 for a stage not declared
    at: IntArray  # int64 microseconds per row
    backend: str


def _crm_events(crm: Any, stages: Sequence[str] | None) -> tuple[dict[str, Any], Sequence[str]]:
    """A bundle's stage events: its ``stage_events`` table when it has rows, else one event
    per stage instant of its leads (``created_at`` is the entry stage ``lead``)."""
    table = getattr(crm, "stage_events", None)
    if table and next(iter(table.values())).shape[0]:
        return table, DEFAULT_HISTORY_STAGES if stages is None else stages
    leads = crm.leads
    by_key = {stage_key(c): c for c in leads if c == "created_at" or c.endswith("_at")}
    if stages is None:
        stages = tuple(s for s in DEFAULT_HISTORY_STAGES if s in by_key)
    ids, names, times = [], [], []
    for label in stage_names(stages):
        column = by_key.get(stage_key(label))
        if column is None:
            raise ParameterError(
                f"no lead column for stage {label!r}; stage columns: {', '.join(by_key.values())}"
            )
        t = np.asarray(leads[column]).astype(TIME, copy=False)
        has = ~np.isnat(t)
        ids.append(leads["lead_id"][has])
        names.append(np.full(int(has.sum()), label, dtype=object))
        times.append(t[has])
    events = {
        "lead_id": np.concatenate(ids) if ids else np.empty(0, dtype=object),
        "stage": np.concatenate(names) if names else np.empty(0, dtype=object),
        "at": np.concatenate(times) if times else np.empty(0, dtype=TIME),
    }
    return events, stages


def _stage_ranks(values: Any, labels: tuple[str, ...], column: str, unknown: str) -> IntArray:
    """Stage index of each row (a loop over the distinct names), ``-1`` for an undeclared one."""
    from .._frames import factorize

    cat = factorize(values, column=column, table="events", allow_missing=False)
    index = {stage_key(s): k for k, s in enumerate(labels)}
    table = np.array([index.get(stage_key(c), -1) for c in cat.categories], dtype=np.int64)
    rank = table[cat.codes] if table.size else np.full(cat.codes.size, -1, dtype=np.int64)
    if unknown == "raise" and bool((rank < 0).any()):
        reject_rows(
            rank < 0,
            f"a stage that is not one of stages= ({', '.join(labels)})",
            column=column,
            table="events",
            values=cat.values(),
            fix="declare it in stages= (top to bottom), drop those rows, or pass "
            "unknown='report' to leave them out (listed in unknown_rows)",
        )
    return rank


def _read_events(
    events: Any, labels: tuple[str, ...], names: tuple[str, str, str], unknown: str
) -> _Events:
    from .._colnames import by_keyword
    from .._frames import read_table
    from ..tables._common import _key_codes, _time_column

    lead, stage, at = names
    fix = by_keyword({lead: "lead", stage: "stage", at: "at"})
    raw = read_table(events, table="events", required=[lead, stage, at], fix=fix)
    keys = _key_codes(raw.columns[lead], column=lead, table="events")
    t, _ = _time_column(raw, at, "events")
    rank = _stage_ranks(raw.columns[stage], labels, stage, unknown)
    return _Events(
        codes=np.asarray(keys.codes, dtype=np.int64),
        keys=keys.uniques,
        rank=rank,
        at=t.astype(TIME, copy=False).view(np.int64),
        backend=raw.backend,
    )


def _end_of_observation(as_of: Any, crm: Any, ev: _Events, known: BoolArray) -> np.datetime64:
    """``as_of`` given, else the bundle's extraction instant, else the latest event."""
    from .._time import parse_instant

    if as_of is not None:
        return read_as_of(as_of)
    if crm is not None and getattr(crm, "as_of", None) is not None:
        return parse_instant(crm.as_of, name="as_of")
    latest = ev.at[known].max() if known.any() else NAT
    out: np.datetime64 = np.array([latest], dtype=np.int64).view(TIME)[0]
    return out


def _build(
    ev: _Events, labels: tuple[str, ...], skipped: Skipped, end: np.datetime64
) -> tuple[Entries, np.ndarray, IntArray, IntArray]:
    """Entries of the usable rows, with the leads renumbered to those that have one; the
    lead ids, the rows used and the rows after ``end``."""
    known = ev.rank >= 0
    late = known & (ev.at > end.astype(TIME).view(np.int64))  # (NaT: no known event)
    use = np.flatnonzero(known & ~late)
    used_keys, codes = np.unique(ev.codes[use], return_inverse=True)
    entries: Entries = stage_entries(
        codes.ravel().astype(np.int64),
        ev.rank[use],
        ev.at[use],
        int(used_keys.size),
        len(labels),
        skipped=skipped,
    )
    return entries, ev.keys[used_keys], use, np.flatnonzero(late)


@reads_options
def history(
    events: Any,
    *,
    stages: Sequence[str] | None = None,
    as_of: Any = None,
    skipped: Skipped = "fill",
    unknown: Literal["raise", "report"] = "raise",
    lead: str = "lead_id",
    stage: str = "stage",
    at: str = "at",
    tz: str | None = None,
    normalize: Literal["casefold"] | None = None,
) -> LifecycleHistory:
    """Per lead and stage: entered, exited, time in stage and re-entries, from stage events.

    Parameters
    ----------
    events : frame, dict, records or CRMData
        One row per stage change: ``lead_id``, ``stage`` and ``at`` (what CRMs export as
        lifecycle or status history).  A :class:`alignment.io.CRMData` bundle gives one event
        per stage instant of its leads (``created_at`` is the stage ``lead``).
    stages : sequence of str, optional
        Stage names top to bottom; event stages match them ignoring case and a trailing
        ``_at``.  Default :data:`DEFAULT_HISTORY_STAGES` (for a bundle, those its leads have).
    as_of : instant, optional
        End of observation: events after it are left out (``after_as_of_rows``) and open
        entries are timed up to it.  Default: the bundle's ``as_of``, else the latest event.
    skipped : {"fill", "ignore"}
        A move past stages (mql → opportunity, or a first event below the top stage):
        ``"fill"`` gives each skipped stage an entry that starts and ends at the jump instant
        (reached, zero time); ``"ignore"`` leaves them not reached.
    unknown : {"raise", "report"}
        Events of a stage not in ``stages``: refuse them, or leave them out and list their rows
        in ``unknown_rows`` (e.g. "nurture" or "disqualified" statuses outside the funnel).
    lead, stage, at : str
        Column names.
    tz : str, optional
        IANA zone of naive instants; default UTC, with a warning.
    normalize : {"casefold"}, optional
        As for the other readers (no folded column here; accepted for a uniform call).

    Returns
    -------
    LifecycleHistory

    Raises
    ------
    DataValidationError
        A missing lead id, stage or instant, or a stage not declared (``unknown="raise"``),
        naming the rows.
    ParameterError
        An unknown option, or a stage without a lead column (bundle input).

    Notes
    -----
    Per lead, events are read in time order (equal instants: top stage first).  An event of
    the current stage is a repeat (no change, ``repeat_rows``); of a later stage, a move
    forward; of an earlier stage, a re-entry (``recycled``).  Each entry ends where the
    lead's next one starts.  Rules and a worked example: ``docs/funnel.md``.
    """
    from .._crm import is_crm

    check_skipped(skipped)
    if not is_option(unknown, ("raise", "report")):
        raise ParameterError(f"unknown must be 'raise' or 'report'; got {unknown!r}")
    crm = events if is_crm(events) else None
    if crm is not None:
        events, stages = _crm_events(crm, stages)
    labels = stage_names(DEFAULT_HISTORY_STAGES if stages is None else stages)
    ev = _read_events(events, labels, (lead, stage, at), unknown)
    known = ev.rank >= 0
    end = _end_of_observation(as_of, crm, ev, known)
    entries, keys, use, late = _build(ev, labels, skipped, end)
    rows = use[entries.event]
    arrays = {
        "lead": entries.lead,
        "rank": entries.rank,
        "entered": entries.entered.view(TIME),
        "exited": entries.exited.view(TIME),
        "entry": entries.entry,
        "filled": entries.filled,
        "recycled": entries.recycled,
        "event_rows": rows,
        "offsets": entries.offsets,
        "repeat_rows": np.sort(use[entries.repeats]),
        "after_as_of_rows": late.astype(np.int64),
        "unknown_rows": np.flatnonzero(~known).astype(np.int64),
    }
    return LifecycleHistory(
        keys=read_only(np.asarray(keys)),
        stages=labels,
        skipped=skipped,
        as_of=end,
        n_events=int(ev.rank.size),
        backend=ev.backend,
        **{k: read_only(np.asarray(v)) for k, v in arrays.items()},
    )
