"""Reading options of one call: time zone, day order, date format, decimal mark, category folding.

An engine entry point (``attribute``, ``score``, ``funnel.observe``, ``sla.evaluate``,
``closed_loop``) runs its body inside :func:`reading`; the readers of the tables pick the options
up with :func:`current` (a :mod:`contextvars` variable: each thread and each asynchronous task
sees its own; a Dask partition task re-enters the options captured when the graph was built,
see :func:`capture`).

What the readers could not decide for certain is noted and reported once per call, as one
:class:`~alignment.errors.AlignmentWarning` per kind, when the outermost :func:`reading` exits:

* naive instants read as UTC (no ``tz``), naming every ``table.column``;
* wall times moved or disambiguated by daylight-saving rules (see :mod:`alignment._time`);
* category spellings that differ only by case, spaces, ``_`` or ``-`` (without
  ``normalize="casefold"``).

An engine's own warnings (touches of unknown leads, anchors a model needs that the journeys
lack ...) are issued with :func:`warn`: at once, except in a part of a call — a Dask task
entered with :meth:`Captured.enter` and a ``held`` dict — where they are kept, once each, as
data the task returns, so that the backend issues them once for the whole call.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal, ParamSpec, TypeVar

import numpy as np

from ._grouplabel import LabelSeen
from ._params import DISABLE_BACKENDS, env_flag, is_option
from ._time import Awareness, localize, read_instant, read_instants, time_zone
from .errors import AlignmentWarning, ParameterError

__all__ = [
    "Captured",
    "HeldWarning",
    "ReadingOptions",
    "capture",
    "current",
    "in_part",
    "is_empty",
    "merged_notes",
    "note_cut",
    "note_naive",
    "note_parts",
    "note_spellings",
    "note_variants",
    "noted",
    "part_notes",
    "read_as_of",
    "read_time",
    "reading",
    "reads_options",
    "warn",
]

Normalize = Literal["casefold"] | None
_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass(frozen=True)
class ReadingOptions:
    """The options in force (see :func:`reading`)."""

    tz: str | None = None
    normalize: Normalize = None
    decimal: str = "."
    dayfirst: bool | None = None
    date_format: str | None = None


@dataclass
class _Notes:
    """What the readers of one call noted, reported when the call ends (keys keep order)."""

    naive: dict[str, None] = field(default_factory=dict)
    naive_args: dict[str, None] = field(default_factory=dict)  # arguments (as_of) read as UTC
    aware: dict[str, None] = field(default_factory=dict)  # table.column read timezone-aware
    dst: dict[str, list[int]] = field(default_factory=dict)  # table.column: [ambiguous, gap]
    variants: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    #: table.column: its distinct spellings (grouped into variants when reported, so that the
    #: spellings of several parts of a call are grouped together)
    spellings: dict[str, dict[str, None]] = field(default_factory=dict)
    cut: dict[str, int] = field(default_factory=dict)  # table.column: instants cut to us
    #: (table, column): a label column's "(missing)" values and rows without a value, found
    #: by a part of a call (see :func:`alignment._grouplabel.kept_labels`), judged over all
    labels: dict[tuple[str, str], LabelSeen] = field(default_factory=dict)


#: an engine warning kept by a part of a call: (category, message)
HeldWarning = tuple[type[Warning], str]


@dataclass(frozen=True)
class _Scope:
    options: ReadingOptions
    notes: _Notes
    #: the engine warnings of a part of a call (see :func:`warn`); None: issued at once
    held: dict[HeldWarning, None] | None = None
    #: what the readers of a part of a call noted (naive columns, daylight-saving changes,
    #: cut instants, spelling variants), returned by the part as data and added to the call's
    #: by the backend (:func:`note_parts`); None: noted for the call itself
    part: _Notes | None = None


_SCOPE: ContextVar[_Scope | None] = ContextVar("alignment_reading", default=None)
_DEFAULT = ReadingOptions()


def current() -> ReadingOptions:
    """The reading options in force (defaults outside any :func:`reading`)."""
    scope = _SCOPE.get()
    return _DEFAULT if scope is None else scope.options


@contextlib.contextmanager
def reading(
    tz: str | None = None,
    normalize: Normalize = None,
    decimal: str | None = None,
    dayfirst: bool | None = None,
    date_format: str | None = None,
) -> Iterator[ReadingOptions]:
    """Run a block with these reading options; report what the readers noted at the end.

    Parameters
    ----------
    tz : str, optional
        IANA zone of naive instants (``"America/New_York"``); without it they are read as UTC
        and a warning names their columns.
    normalize : {"casefold"}, optional
        Fold the spellings of ``channel``, ``source`` and ``campaign`` (case, spaces, ``_``,
        ``-``) to one key; without it, a warning lists the spellings that would fold together.
    decimal : {".", ","}, optional
        Decimal mark of amounts written as text (default ``"."``).
    dayfirst : bool, optional
        Day order of slash dates (``05/03/2024``).
    date_format : str, optional
        ``strptime`` format of every instant written as text.

    Raises
    ------
    ParameterError
        Unknown zone, or an option of the wrong type or value.

    Notes
    -----
    Inside another :func:`reading` (an engine calling another), an option left ``None`` keeps
    the outer value, and the notes are reported once, when the outermost block exits (not when
    it exits through an exception).
    """
    outer = _SCOPE.get()
    base = _DEFAULT if outer is None else outer.options
    options = ReadingOptions(
        tz=base.tz if tz is None else tz,
        normalize=base.normalize if normalize is None else normalize,
        decimal=base.decimal if decimal is None else decimal,
        dayfirst=base.dayfirst if dayfirst is None else dayfirst,
        date_format=base.date_format if date_format is None else date_format,
    )
    _validate(options)
    scope = (
        _Scope(options, _Notes())
        if outer is None
        else _Scope(options, outer.notes, outer.held, outer.part)
    )
    token = _SCOPE.set(scope)
    try:
        yield options
    finally:
        _SCOPE.reset(token)
    if outer is None:
        _report(scope.notes)


def reads_options(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """An engine entry point run inside :func:`reading` with its ``tz=`` and ``normalize=``.

    The function declares both keyword-only parameters (for its signature and documentation);
    they take effect here, around the whole call (the backend dispatch included).  A value of
    ``ALIGNMENT_DISABLE_BACKENDS`` that is not a flag is refused first, whatever the inputs.
    """

    @functools.wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        env_flag(DISABLE_BACKENDS)
        given: dict[str, Any] = dict(kwargs)
        with reading(tz=given.get("tz"), normalize=given.get("normalize")):
            return fn(*args, **kwargs)

    return run


def _validate(options: ReadingOptions) -> None:
    if options.tz is not None:
        time_zone(options.tz)
    if not is_option(options.normalize, (None, "casefold")):
        raise ParameterError(f"normalize must be 'casefold' or None, got {options.normalize!r}")
    if not is_option(options.decimal, (".", ",")):
        raise ParameterError(f"decimal must be '.' or ',', got {options.decimal!r}")
    if options.dayfirst is not None and not isinstance(options.dayfirst, (bool, np.bool_)):
        raise ParameterError(f"dayfirst must be True, False or None, got {options.dayfirst!r}")
    if options.date_format is not None and (
        not isinstance(options.date_format, str) or "%" not in options.date_format
    ):
        raise ParameterError(
            "date_format must be a strptime format such as '%d/%m/%Y %H:%M', "
            f"got {options.date_format!r}"
        )


# ------------------------------------------------------------------------------------ notes


def _notes() -> _Notes | None:
    """Where the readers note: a part's own notes in a part of a call, else the call's."""
    scope = _SCOPE.get()
    if scope is None:
        return None
    return scope.notes if scope.part is None else scope.part


def _name_notes() -> list[_Notes]:
    """Where the names of the columns read (naive, aware) are noted: the call's notes, which
    the other parts of the call read in the same process (a column's kind is checked against
    the other tables'), and a part's own, which it returns to the call from any process."""
    scope = _SCOPE.get()
    if scope is None:
        return []
    return [scope.notes] if scope.part is None else [scope.notes, scope.part]


def note_naive(table: str | None, column: str) -> None:
    """Naive instants of ``table.column`` were read as UTC (reported at the end of the call)."""
    for notes in _name_notes():  # (the call's, and a part's)
        notes.naive[_where(table, column)] = None


def note_dst(table: str | None, column: str, ambiguous: int, nonexistent: int) -> None:
    """Wall times of ``table.column`` that occur twice or never in their zone."""
    notes = _notes()
    if notes is not None and (ambiguous or nonexistent):
        counts = notes.dst.setdefault(_where(table, column), [0, 0])
        counts[0] += int(ambiguous)
        counts[1] += int(nonexistent)


def note_cut(table: str | None, column: str, cut: int) -> None:
    """Instants of ``table.column`` with a part below a microsecond, cut to microseconds."""
    notes = _notes()
    if notes is not None and cut:
        where = _where(table, column)
        notes.cut[where] = notes.cut.get(where, 0) + int(cut)


def note_parts(part: _Notes | None) -> None:
    """Add what the parts of a call noted (:func:`merged_notes` of theirs) to the call's
    warnings; outside a call, warn at once."""
    if part is None:
        return
    with reading():  # (inside the call: noted for its warnings; outside: reported on exit)
        scope = _SCOPE.get()
        if scope is not None:
            _merge_into(scope.notes, part)


def merged_notes(a: _Notes | None, b: _Notes | None) -> _Notes | None:
    """What two parts of a call noted, together (counts added, names and spellings once
    each, in order); ``None`` when neither noted anything."""
    if a is None or b is None:
        return a if b is None else b
    out = _Notes()
    _merge_into(out, a)
    _merge_into(out, b)
    return out


def _merge_into(into: _Notes, part: _Notes) -> None:
    for name in ("naive", "naive_args", "aware"):  # (a loop over three kinds of names)
        getattr(into, name).update(getattr(part, name))
    for where, (ambiguous, gap) in part.dst.items():
        counts = into.dst.setdefault(where, [0, 0])
        counts[0] += ambiguous
        counts[1] += gap
    for where, n in part.cut.items():
        into.cut[where] = into.cut.get(where, 0) + n
    for where, groups in part.variants.items():
        seen = into.variants.setdefault(where, [])
        seen.extend(g for g in groups if g not in seen)
    for where, spellings in part.spellings.items():
        into.spellings.setdefault(where, {}).update(spellings)
    for key, label in part.labels.items():
        known = into.labels.get(key)
        into.labels[key] = label if known is None else known.merged(label)


def part_notes() -> _Notes:
    """Empty notes for a part of a call to note into (see :meth:`Captured.enter`)."""
    return _Notes()


def is_empty(notes: _Notes) -> bool:
    """Whether ``notes`` holds nothing to report or add."""
    return not any(vars(notes).values())


def note_spellings(table: str | None, column: str, spellings: Any) -> None:
    """The distinct spellings of ``table.column`` (``normalize`` was not given): those that fold
    to one key are named in the call's warning, grouped over every part of the call."""
    notes = _notes()
    if notes is not None and len(spellings):
        notes.spellings.setdefault(_where(table, column), {}).update(
            dict.fromkeys(str(v) for v in spellings)
        )


def note_variants(table: str | None, column: str, groups: Sequence[tuple[str, ...]]) -> None:
    """Spellings of ``table.column`` that fold to one key (``normalize`` was not given)."""
    notes = _notes()
    if notes is not None and groups:
        seen = notes.variants.setdefault(_where(table, column), [])
        seen.extend(g for g in groups if g not in seen)


def warn(message: str, category: type[Warning] = AlignmentWarning, stacklevel: int = 1) -> None:
    """Issue an engine's warning, or keep it when the call runs in parts.

    Parameters
    ----------
    message : str
        The warning's text.
    category : type of Warning, default AlignmentWarning
        Its class.
    stacklevel : int, default 1
        As for :func:`warnings.warn`, counted from the caller of this function.

    Notes
    -----
    In a part of a call (a Dask task run inside :meth:`Captured.enter` with a ``held`` dict)
    the warning is kept in that dict, once, for the task to return as data: the backend issues
    the warnings of every part once for the whole call, as memory issues them once.
    """
    scope = _SCOPE.get()
    if scope is not None and scope.held is not None:
        scope.held[(category, message)] = None
        return
    warnings.warn(message, category, stacklevel=stacklevel + 1)


def in_part() -> bool:
    """Whether this runs in a part of a call (a Dask task): what holds for the whole input
    (such as a value that no row carries) cannot be judged from the part's rows alone."""
    scope = _SCOPE.get()
    return scope is not None and scope.held is not None


def _where(table: str | None, column: str) -> str:
    return f"{table}.{column}" if table else column


def _report(notes: _Notes) -> None:
    # frames: _report, the reading() generator, contextlib's __exit__, the engine, its caller
    level = 5
    if notes.naive:
        warnings.warn(
            "naive instants (without time zone) were read as UTC in "
            f"{', '.join(notes.naive)}; fix: pass tz='America/New_York' (the zone of the "
            "export) or make the column timezone-aware",
            AlignmentWarning,
            stacklevel=level,
        )
    if notes.dst:
        parts = [
            f"{where}: {a} ambiguous (read as the first occurrence), {g} in a skipped hour "
            "(moved forward by the gap)"
            for where, (a, g) in notes.dst.items()
        ]
        warnings.warn(
            "wall times changed by daylight-saving rules: " + "; ".join(parts) + "; fix: check "
            "these rows, or export the instants with their UTC offset",
            AlignmentWarning,
            stacklevel=level,
        )
    if notes.cut:
        parts = [f"{where} ({n:,} values)" for where, n in notes.cut.items()]
        warnings.warn(
            "instants finer than a microsecond were cut to microseconds in "
            f"{', '.join(parts)}: instants less than a microsecond apart may be tied (then in "
            "input order); fix: round the column to microseconds if that is its precision",
            AlignmentWarning,
            stacklevel=level,
        )
    variants = _variants(notes)
    if variants:
        parts = [
            f"{where}: " + "; ".join(" / ".join(repr(s) for s in g) for g in groups)
            for where, groups in variants.items()
        ]
        warnings.warn(
            "category spellings that differ only by case, spaces, '_' or '-' are counted "
            "apart: " + "; ".join(parts) + "; fix: pass normalize='casefold'",
            AlignmentWarning,
            stacklevel=level,
        )


def _variants(notes: _Notes) -> dict[str, list[tuple[str, ...]]]:
    """The spelling variants noted, with those of the distinct spellings noted (grouped now)."""
    from ._parse import category_variants

    out = {where: list(groups) for where, groups in notes.variants.items()}
    for where, spellings in notes.spellings.items():
        groups = category_variants(np.array(list(spellings), dtype=object))
        seen = out.setdefault(where, [])
        seen.extend(g for g in groups if g not in seen)
    return {where: groups for where, groups in out.items() if groups}


# ----------------------------------------------------------------------- reading time columns


def read_time(
    values: Any,
    *,
    column: str,
    table: str | None,
    allow_missing: bool = False,
    frame_aware: bool | None = None,
) -> tuple[np.ndarray, Awareness]:
    """A column of instants read with the options in force; naive-as-UTC and DST rows noted.

    Parameters
    ----------
    values : array-like
        As for :func:`alignment._time.as_utc_datetime64`.
    column, table : str
        Names for messages.
    allow_missing : bool
        Whether missing instants may appear.
    frame_aware : bool, optional
        For a datetime column of a frame: whether it carried a time zone (``False``: naive
        wall times, read in ``tz`` when given).

    Returns
    -------
    times : ndarray of datetime64[us]
    awareness : bool or None
        As for :func:`~alignment._time.as_utc_datetime64` (``False`` only for naive values
        read as UTC); ``None`` when every value is missing (a column with no instant is
        neither naive nor aware, whatever its dtype).
    """
    options = current()
    note_cut(table, column, finer_than_us(values))
    read = read_instants(
        values,
        column=column,
        table=table,
        allow_missing=allow_missing,
        tz=options.tz,
        dayfirst=options.dayfirst,
        date_format=options.date_format,
    )
    times, aware, ambiguous, gap = read
    if frame_aware is not None:
        aware = frame_aware
        if not frame_aware and options.tz is not None:
            times, ambiguous, gap = localize(times, options.tz, column=column, table=table)
            aware = True
    if np.isnat(times).all():  # no instant at all: neither naive nor aware
        aware = None
    if aware is False:
        note_naive(table, column)
    elif aware:
        _note_aware(table, column)
    note_dst(table, column, int(ambiguous.sum()), int(gap.sum()))
    return times, aware


_FINER = {"ns": 10**3, "ps": 10**6, "fs": 10**9, "as": 10**12}  # (units per microsecond)
_CHUNK = 1 << 20


def finer_than_us(values: Any) -> int:
    """How many instants of a numpy ``datetime64`` column finer than microseconds (``ns`` …)
    have a part below a microsecond, which reading them as ``datetime64[us]`` cuts; ``0`` for
    any other column.  One pass in chunks of :data:`_CHUNK` values (no full-size temporary)."""
    if not isinstance(values, np.ndarray) or values.dtype.kind != "M":
        return 0
    per = _FINER.get(np.datetime_data(values.dtype)[0])
    if per is None:
        return 0
    ticks = values.reshape(-1).view(np.int64)
    cut = 0
    for at in range(0, ticks.size, _CHUNK):  # a loop over chunks of a million values
        part = ticks[at : at + _CHUNK]
        below = part % per
        if below.any():  # (NaT's tick is not a value)
            cut += int(np.count_nonzero(below[part != np.iinfo(np.int64).min]))
    return cut


def read_as_of(value: Any, *, name: str = "as_of") -> np.datetime64:
    """An engine's ``as_of`` (or another instant argument) read with the call's options.

    With ``tz=`` a naive value is a wall time of that zone.  Without it a naive value is read
    as UTC and named in the call's warning, as a naive column is; mixed with timezone-aware
    instants read in the same call (before or after it) it is refused, as mixing naive and
    aware columns is.

    Raises
    ------
    ParameterError
        The value cannot be read, or it is naive while the data read in the call is aware.
    """
    instant, aware = read_instant(value, name=name, tz=current().tz)
    if aware is False:
        seen = noted("aware")
        if seen:
            raise _naive_argument(name, seen)
        for notes in _name_notes():  # (the call's, and a part's)
            notes.naive[name] = notes.naive_args[name] = None
    return instant


def _note_aware(table: str | None, column: str) -> None:
    where = _where(table, column)
    naive = noted("naive_args")
    if naive:
        raise _naive_argument(next(iter(naive)), {where: None})
    for notes in _name_notes():  # (the call's, and a part's)
        notes.aware[where] = None


def noted(kind: str) -> dict[str, None]:
    """The names of ``kind`` (``"naive"``, ``"aware"``, ``"naive_args"``) noted so far by the
    call and, in a part of it, by the part."""
    names: dict[str, None] = {}
    for notes in _name_notes():
        names.update(getattr(notes, kind))
    return names


def _naive_argument(name: str, aware: dict[str, None]) -> ParameterError:
    return ParameterError(
        f"{name} is naive (no time zone) while the instants of {', '.join(aware)} are "
        f"timezone-aware: naive and aware instants are mixed and the meaning of {name} would "
        f"be a guess; fix: give {name} an offset (e.g. '2024-03-04T10:00Z' or "
        "'2024-03-04T10:00-05:00'), or pass tz= (the zone of the naive values)"
    )


# ------------------------------------------------------------------------------- Dask tasks


@dataclass(frozen=True)
class Captured:
    """Reading options (and where to note) captured when a task graph is built.

    Pass it to the task; the task runs inside :meth:`enter`.  In the same process (the threaded
    scheduler) the notes reach the caller's call and are reported with it; a task run in
    another process reads with the same options (its notes stay there).
    """

    options: ReadingOptions
    notes: _Notes | None

    @contextlib.contextmanager
    def enter(
        self, held: dict[HeldWarning, None] | None = None, part: _Notes | None = None
    ) -> Iterator[ReadingOptions]:
        """Run a block with the captured options, noting into the captured call; with ``held``,
        the engine warnings of the block are kept there (see :func:`warn`), not issued; with
        ``part``, what its readers note is kept there (see :func:`note_parts`)."""
        token = _SCOPE.set(_Scope(self.options, self.notes or _Notes(), held, part))
        try:
            yield self.options
        finally:
            _SCOPE.reset(token)

    def __dask_tokenize__(self) -> Any:
        return ("alignment.reading", self.options, id(self.notes))


def capture() -> Captured:
    """The reading options in force, to re-enter in a task (see :class:`Captured`)."""
    scope = _SCOPE.get()
    return Captured(current(), None if scope is None else scope.notes)
