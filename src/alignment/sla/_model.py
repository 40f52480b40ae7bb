"""The service-level agreement between marketing and sales, as a frozen pydantic model.

:class:`SLA` is re-exported by :mod:`alignment.models` and evaluated by
:func:`alignment.sla.evaluate`.  An agreement is written in code or kept in a plain document
(dict, JSON or TOML — never pickle, never ``eval``)::

    [marketing]
    qualified_leads = 100          # per period
    period = "M"                   # "M" month, "W" ISO week (Monday), or "custom" + period_starts

    [marketing.quality]
    min_grid_cell = "B2"           # A1 is best; "B2" admits A1, A2, B1, B2

    [sales.first_touch]
    within = "1d"                  # one business day
    business_time = true

    [sales.attempts]
    within = "5d"
    business_time = true
    per_kind = { call = 5, email = 5 }

    [sales.accept]
    within = "48h"

Durations are strings such as ``"36h"``, ``"5d"``, ``"1d12h"`` or :class:`datetime.timedelta`.
With ``business_time = true`` a duration is measured on the business calendar and its
**days and weeks are business days and business weeks**: ``"1d"`` is one business day (the
calendar's :attr:`~alignment.sla.BusinessCalendar.day_length`, 8 h for the default 09:00–17:00
calendar), ``"1w"`` is the calendar's weekly working time (40 h by default), while hours,
minutes and seconds are business hours, minutes and seconds.  A :class:`~datetime.timedelta`
is stored as seconds (``"86400s"``), i.e. always literal time.  Without ``business_time``
durations are wall-clock time.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from .._records import Count, Flag, FrozenModel, Real
from .._time import parse_duration
from .._timetext import calendar_date
from ..errors import ParameterError
from ._kinds import fold_names

__all__ = [
    "DEFAULT_REASON_CODES",
    "SLA",
    "AcceptCommitment",
    "AttemptsCommitment",
    "CalendarSpec",
    "FirstTouchCommitment",
    "MarketingCommitment",
    "QualityGate",
    "SalesCommitment",
]

#: Reason codes sales may give when rejecting a lead (the practitioner template's list).
DEFAULT_REASON_CODES: tuple[str, ...] = (
    "wrong_size",
    "wrong_persona",
    "wrong_geography",
    "existing_customer",
    "competitor",
    "unverified_contact",
    "duplicate",
    "other",
)

_CELL_RE = re.compile(r"^[A-Z][1-9]$")


def _duration_text(value: Any) -> str:
    """Validate a duration and keep its text (a timedelta becomes whole microseconds/seconds)."""
    if isinstance(value, _dt.timedelta | np.timedelta64):
        us = int(parse_duration(value, name="duration").astype(np.int64))
        return f"{us // 1_000_000}s" if us % 1_000_000 == 0 else f"{us}us"
    if not isinstance(value, str):
        raise ValueError(
            f"expected a duration such as '36h', '5d' or a timedelta, got {type(value).__name__}"
        )
    if value.strip().startswith("-"):
        raise ValueError(f"duration must be > 0, got the negative duration {value!r}")
    try:
        parse_duration(value, name="duration")  # refuses negative, zero and unreadable values
    except ParameterError as exc:
        raise ValueError(str(exc)) from None
    return value.strip().replace(" ", "")


#: A strictly positive duration, kept as text (``"36h"``, ``"5d"``, ``"86400s"``).
Duration = Annotated[str, BeforeValidator(_duration_text)]


#: A calendar date as written (:func:`~alignment._timetext.calendar_date`; numbers refused).
Day = Annotated[_dt.date, BeforeValidator(calendar_date)]


_Frozen = FrozenModel


def _some_kinds(kinds: tuple[str, ...]) -> tuple[str, ...]:
    if not kinds:
        raise ValueError(
            "kinds is empty: no activity would count, and every lead would be breached; omit "
            "kinds to count every kind, or list e.g. ['call', 'email']"
        )
    return kinds


#: Activity kinds of a commitment: at least one (``None``, every kind, is written by omitting it).
Kinds = Annotated[tuple[str, ...], AfterValidator(_some_kinds)]

#: The largest count an agreement holds: floats hold every integer up to 2**53 exactly, and the
#: commitments are measured as floats (paces) and int64 columns (attempts).
MAX_COUNT = 2**53

#: A count of an agreement (:data:`~alignment._records.Count`), at most :data:`MAX_COUNT`.
BoundedCount = Annotated[Count, Field(le=MAX_COUNT)]


class CalendarSpec(_Frozen):
    """The business calendar an agreement is measured on (see :class:`alignment.sla.BusinessCalendar`).

    Attributes
    ----------
    hours : dict or str, optional
        Working hours per weekday, e.g. ``{"mon": ["09:00-12:00", "13:00-17:00"], "fri": "09:00-15:00"}``,
        or one string such as ``"08:00-18:00"`` for Monday to Friday. ``None``: Monday–Friday 09:00–17:00.
    holidays : tuple of date
        Non-working local dates.
    tz : str
        IANA time zone of the working hours and holidays (``"Europe/Paris"``); default ``"UTC"``.
    """

    hours: dict[str, str | list[str]] | str | None = None
    holidays: tuple[Day, ...] = ()
    tz: str = "UTC"

    @model_validator(mode="after")
    def _check_calendar(self) -> CalendarSpec:
        from ._calendar import BusinessCalendar

        try:
            BusinessCalendar(hours=self.hours, holidays=self.holidays, tz=self.tz)
        except ParameterError as exc:
            raise ValueError(str(exc)) from None
        return self


class QualityGate(_Frozen):
    """Which delivered leads count as *qualified* for the marketing commitment.

    Every condition that is set must hold (logical AND); unset conditions admit every lead.
    A lead missing the column a condition needs does not qualify.

    Attributes
    ----------
    min_grid_cell : str, optional
        Minimum fit × engagement cell, ``A1`` best: ``"B2"`` admits A1, A2, B1 and B2
        (fit letter ≤ B **and** engagement digit ≤ 2). Read from the lead column ``cell_column``.
    min_score : float, optional
        Minimum score (inclusive), read from the numeric lead column ``score_column``.
    personas : tuple of str, optional
        Admitted personas (lead column ``persona``).
    sources : tuple of str, optional
        Admitted sources (lead column ``source``).
    cell_column, score_column : str
        Lead columns holding the grid cell (default ``"grid_cell"``) and the score (``"score"``).
    """

    min_grid_cell: str | None = None
    min_score: Real | None = None
    personas: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    cell_column: str = "grid_cell"
    score_column: str = "score"

    @field_validator("min_score")
    @classmethod
    def _score(cls, v: float | None) -> float | None:
        if v is not None and not np.isfinite(v):
            raise ValueError(
                f"min_score must be a finite number, got {v}: no score is at least NaN (every "
                "lead would be unqualified) and every score is at least -inf (omit the field)"
            )
        return v

    @field_validator("min_grid_cell")
    @classmethod
    def _cell(cls, v: str | None) -> str | None:
        if v is not None:
            v = v.upper()
            if not _CELL_RE.match(v):
                raise ValueError(
                    f"min_grid_cell must be a letter and a digit such as 'A1' or 'B2', got {v!r}"
                )
        return v

    @field_validator("personas", "sources")
    @classmethod
    def _non_empty(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if v is not None and len(v) == 0:
            raise ValueError("an empty list admits no lead; omit the field to admit every lead")
        return v


class MarketingCommitment(_Frozen):
    """Marketing's promise: a number of qualified leads per period.

    Attributes
    ----------
    qualified_leads : int
        Qualified leads committed per period (> 0, at most ``2**53``: :data:`MAX_COUNT`), in
        total over all reps / segments.
    period : {"M", "W", "custom"}
        Calendar month, ISO week (Monday to Sunday) or the custom periods of ``period_starts``,
        all in the business calendar's time zone.
    period_starts : tuple of date, optional
        Required with ``period="custom"``: strictly increasing first days of the periods; the
        last period ends where the next one would start, taken as the same length as the
        previous one.
    quality : QualityGate
        Which leads count as qualified.
    delivered_at : str
        The lead stage whose time is the delivery instant (default ``"mql_at"``).
    split_by : str, optional
        Lead column splitting the commitment (``"owner"`` for per rep, or a segment column).
    split : dict of str to int, optional
        Commitment per value of ``split_by`` (each at most :data:`MAX_COUNT`), adding up to
        ``qualified_leads``; values not listed are committed 0. Keys are the values' labels;
        integer and flag keys are taken as theirs (``{101: 40}`` is ``{"101": 40}``). Without ``split`` but with ``split_by``, the total is shared
        equally among the values seen.
    pacing : {"linear"}
        The pace to date is the commitment × the elapsed fraction of the period (a straight line).
    """

    qualified_leads: BoundedCount = Field(gt=0)
    period: Literal["M", "W", "custom"] = "M"
    period_starts: tuple[Day, ...] | None = None
    quality: QualityGate = QualityGate()
    delivered_at: str = "mql_at"
    split_by: str | None = None
    split: dict[str, BoundedCount] | None = None
    pacing: Literal["linear"] = "linear"

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, v: Any) -> Any:
        if isinstance(v, str):
            aliases = {"m": "M", "month": "M", "monthly": "M", "w": "W", "week": "W",
                       "weekly": "W", "custom": "custom"}  # fmt: skip
            key = v.strip().lower()
            if key not in aliases:
                raise ValueError(f"unknown period {v!r}; use 'M' (month), 'W' (week) or 'custom'")
            return aliases[key]
        return v

    @field_validator("split", mode="before")
    @classmethod
    def _split_keys(cls, v: Any) -> Any:
        """Integer and flag keys as the labels ``split_by`` gives their values (``101`` is
        ``"101"``, ``True`` is ``"True"``), so that a split of an integer or flag column may
        be written with its values; other keys are left to the field's check."""
        if not isinstance(v, Mapping):
            return v
        out: dict[Any, Any] = {}
        for k, n in v.items():  # (a loop over the agreement's few keys)
            label = _split_label(k)
            if label in out:
                raise ValueError(f"split keys name the value {label!r} twice (as {k!r} too)")
            out[label] = n
        return out

    @model_validator(mode="after")
    def _check(self) -> MarketingCommitment:
        if self.period == "custom":
            starts = self.period_starts
            if not starts or len(starts) < 1:
                raise ValueError("period='custom' needs period_starts (first day of each period)")
            if any(b <= a for a, b in itertools.pairwise(starts)):
                raise ValueError("period_starts must be strictly increasing")
            if len(starts) < 2:
                raise ValueError("period_starts needs at least two dates to know a period length")
        elif self.period_starts is not None:
            raise ValueError("period_starts is only used with period='custom'")
        if self.split is not None:
            if self.split_by is None:
                raise ValueError("split needs split_by (the lead column it splits on)")
            if any(v < 0 for v in self.split.values()):
                raise ValueError("split commitments must be >= 0")
            if sum(self.split.values()) != self.qualified_leads:
                raise ValueError(
                    f"split commitments sum to {sum(self.split.values())}, not to "
                    f"qualified_leads = {self.qualified_leads} (the total over every "
                    f"{self.split_by} value): the report would commit one number per period and "
                    "another over the rows of its split; make them add up (or omit split to "
                    "share the total equally)"
                )
        return self


def _split_label(key: Any) -> Any:
    """The label of a ``split`` key that is an integer or a flag (:meth:`MarketingCommitment.
    _split_keys`); any other key as it is."""
    if isinstance(key, (bool, np.bool_)):
        return str(bool(key))
    if isinstance(key, (int, np.integer)):
        return str(int(key))
    return key


class FirstTouchCommitment(_Frozen):
    """Sales' promise on speed: a first touch within a time of assignment.

    Attributes
    ----------
    within : Duration
        The response window (``"1d"``, ``"4h"`` …), > 0.
    business_time : bool
        Measure the window on the business calendar (default ``True``).
    kinds : tuple of str, optional
        Activity kinds that count as a touch (default: every kind), compared
        case-insensitively (``"call"`` counts an activity of kind ``"Call"``).
    """

    within: Duration
    business_time: Flag = True
    kinds: Kinds | None = None


class AttemptsCommitment(_Frozen):
    """Sales' promise on depth: at least K attempts within D of assignment.

    Attributes
    ----------
    minimum : int, optional
        K, the attempts required over the counted kinds (≥ 1, at most :data:`MAX_COUNT`).
        Defaults to the sum of ``per_kind`` when that is given.
    within : Duration
        The window D (``"14d"``, ``"5d"`` with ``business_time``), > 0.
    business_time : bool
        Measure the window on the business calendar (default ``False``).
    kinds : tuple of str, optional
        Activity kinds that count as attempts (default: every kind), compared
        case-insensitively.
    per_kind : dict of str to int, optional
        Required attempts per activity kind, all of which must be met, e.g.
        ``{"call": 5, "email": 5}`` for "5 calls and 5 emails" (case-insensitive, as
        ``kinds``; the columns ``attempts_<kind>`` are named as written here); they sum to at
        most :data:`MAX_COUNT`.
    """

    minimum: BoundedCount | None = Field(default=None, ge=1)
    within: Duration
    business_time: Flag = False
    kinds: Kinds | None = None
    per_kind: dict[str, BoundedCount] | None = None

    @field_validator("per_kind")
    @classmethod
    def _per_kind(cls, v: dict[str, int] | None) -> dict[str, int] | None:
        if v is not None:
            if not v:
                raise ValueError("per_kind is empty; omit it or list e.g. {'call': 5}")
            bad = {k: n for k, n in v.items() if n < 1}
            if bad:
                raise ValueError(f"per_kind counts must be >= 1 (K < 1), got {bad}")
            if len(fold_names(v)) < len(v):
                raise ValueError(
                    f"per_kind names one kind twice, in different cases or spaces: {sorted(v)} "
                    "(kinds are compared case-insensitively); list each kind once"
                )
        return v

    @model_validator(mode="after")
    def _check(self) -> AttemptsCommitment:
        if self.minimum is None and self.per_kind is None:
            raise ValueError("attempts needs minimum (K >= 1) or per_kind")
        if self.required > MAX_COUNT:
            raise ValueError(
                f"per_kind counts sum to {self.required}, above the {MAX_COUNT} attempts "
                "an agreement can require; lower the counts"
            )
        return self

    @property
    def required(self) -> int:
        """K: the total attempts required (``minimum``, else the sum of ``per_kind``)."""
        if self.minimum is not None:
            return self.minimum
        assert self.per_kind is not None
        return sum(self.per_kind.values())


class AcceptCommitment(_Frozen):
    """Sales' promise to accept or reject each lead within H, with a reason code.

    A lead that is neither accepted nor rejected when the window closes is **auto-accepted**
    (not a breach: the agreement gives sales the right to reject, not a duty to decide).
    A rejection after the window, or without a listed reason code, is a breach and the lead
    stays accepted.

    Attributes
    ----------
    within : Duration
        The decision window H (``"48h"``), > 0.
    business_time : bool
        Measure the window on the business calendar (default ``False``).
    reason_codes : tuple of str
        Admitted rejection reasons (default :data:`DEFAULT_REASON_CODES`). Each must be a
        default code or declared in ``extra_reason_codes``; anything else is a validation
        error (a typo would otherwise turn valid rejections into breaches).
    extra_reason_codes : tuple of str
        The team's own reason codes, beyond the defaults (e.g. ``("student", "spam")``).
    """

    within: Duration
    business_time: Flag = False
    reason_codes: tuple[str, ...] = DEFAULT_REASON_CODES
    extra_reason_codes: tuple[str, ...] = ()

    @field_validator("reason_codes")
    @classmethod
    def _codes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("reason_codes is empty; sales could never reject a lead")
        if len(set(v)) != len(v):
            raise ValueError("reason_codes has duplicates")
        return v

    @model_validator(mode="after")
    def _known_codes(self) -> AcceptCommitment:
        known = set(DEFAULT_REASON_CODES) | set(self.extra_reason_codes)
        unknown = [c for c in self.reason_codes if c not in known]
        if unknown:
            raise ValueError(
                f"unknown reason code(s) {unknown}; the defaults are "
                f"{', '.join(DEFAULT_REASON_CODES)} — declare your own in extra_reason_codes"
            )
        return self


class SalesCommitment(_Frozen):
    """Sales' promises: speed (first touch), depth (attempts), decision (accept/reject)."""

    first_touch: FirstTouchCommitment | None = None
    attempts: AttemptsCommitment | None = None
    accept: AcceptCommitment | None = None


class SLA(_Frozen):
    """A service-level agreement between marketing and sales.

    Attributes
    ----------
    name : str
        A label for reports.
    marketing : MarketingCommitment, optional
        Marketing's commitment (qualified leads per period).
    sales : SalesCommitment
        Sales' commitments (first touch, attempts, accept/reject).
    calendar : CalendarSpec, optional
        The business calendar; ``evaluate(..., calendar=)`` overrides it; default
        Monday–Friday 09:00–17:00 UTC.
    at_risk_after : float
        A pending commitment is ``at_risk`` once this fraction of its window has elapsed
        (default 0.75, in (0, 1]).
    assigned_at : str
        Lead stage giving the assignment instant; when the lead table has no such stage the
        MQL time (``mql_at``) is used (see ``docs/sla.md``).
    reassigned_at : str
        Lead stage giving the last reassignment instant: when present and set, the clocks
        restart from it.

    Examples
    --------
    >>> sla = SLA.from_dict({
    ...     "marketing": {"qualified_leads": 100, "period": "M"},
    ...     "sales": {"first_touch": {"within": "1d"},
    ...               "attempts": {"minimum": 6, "within": "14d"}},
    ... })
    >>> sla.sales.attempts.required
    6
    """

    name: str = "sla"
    marketing: MarketingCommitment | None = None
    sales: SalesCommitment = SalesCommitment()
    calendar: CalendarSpec | None = None
    at_risk_after: Real = Field(default=0.75, gt=0.0, le=1.0)
    assigned_at: str = "assigned_at"
    reassigned_at: str = "reassigned_at"

    @model_validator(mode="after")
    def _check(self) -> SLA:
        s = self.sales
        if (
            self.marketing is None
            and s.first_touch is None
            and s.attempts is None
            and s.accept is None
        ):
            raise ValueError(
                "the agreement commits nobody: give marketing and/or sales commitments"
            )
        return self

    # --- construction from documents -------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SLA:
        """Build from a plain mapping (e.g. parsed JSON/TOML).

        Raises :class:`~alignment.errors.ModelValidationError` (a ``DataValidationError``)
        naming the field, with pydantic's details in ``errors``.
        """
        if not isinstance(data, Mapping):
            raise ParameterError(
                f"an agreement must be a mapping (or an SLA), got {type(data).__name__}; "
                "read a file with SLA.from_toml / SLA.from_json"
            )
        sla: SLA = cls.model_validate(dict(data))
        return sla

    @classmethod
    def from_json(cls, source: str | Path) -> SLA:
        """Build from a JSON document given as text or as a path to a ``.json`` file."""
        if isinstance(source, Path) or (
            isinstance(source, str) and not source.lstrip().startswith("{")
        ):
            path = Path(source)
            if not path.is_file():
                raise ParameterError(
                    f"SLA.from_json: no such file {str(path)!r} (and not JSON text)"
                )
            source = path.read_text(encoding="utf-8")
        try:
            data = json.loads(source)
        except json.JSONDecodeError as exc:
            raise ParameterError(f"SLA.from_json: invalid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ParameterError("SLA.from_json: the document must be a JSON object")
        return cls.from_dict(data)

    @classmethod
    def from_toml(cls, path: str | Path) -> SLA:
        """Build from a TOML file (``tomllib`` on Python 3.11+, the optional ``tomli`` before)."""
        try:
            import tomllib as toml_reader  # type: ignore[import-not-found,unused-ignore]
        except ModuleNotFoundError:  # pragma: no cover - Python 3.10
            try:
                import tomli as toml_reader  # type: ignore[import-not-found,no-redef,unused-ignore]
            except ModuleNotFoundError:
                raise ParameterError(
                    "SLA.from_toml needs Python 3.11+ or the 'tomli' package; "
                    "or use SLA.from_json / SLA.from_dict"
                ) from None
        p = Path(path)
        if not p.is_file():
            raise ParameterError(f"SLA.from_toml: no such file {str(p)!r}")
        try:
            data = toml_reader.loads(p.read_text(encoding="utf-8"))
        except toml_reader.TOMLDecodeError as exc:
            raise ParameterError(f"SLA.from_toml: invalid TOML in {str(p)!r}: {exc}") from None
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready mapping that :meth:`from_dict` reads back to an equal agreement."""
        out: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        return out
