"""Typed core records: :class:`Persona`, :class:`Lead`, :class:`Touchpoint`, :class:`Deal`,
:class:`Activity` and :class:`SLA`.

These pydantic (v2) models are frozen and validated.  They describe *one* record; millions of
records belong in the columnar tables of :mod:`alignment.tables`, which accept sequences of
these models as one of their inputs.

Instants are read by the rules of the tables (see :func:`alignment._records.record_instant`):
a ``datetime`` is stored as given (aware datetimes stay aware, naive ones mean UTC); text,
``numpy.datetime64`` and epoch numbers (seconds) are read as a table column reads them, so a
record and a table built from the same values hold the same instants.  An optional instant
(``Lead.mql_at``, ``Deal.closed_at`` …) is ``None`` where a table reads the value as missing
(``NaT``, ``NaN``, pandas' ``NA``: the rows of ``DataFrame.to_dict("records")``).  A
``numpy.datetime64`` or an epoch number (UTC, with no kind of its own) goes with the other
instants of the record, as in a table: naive beside naive ``datetime`` values, aware
otherwise.  Flags are ``bool`` and numbers are numbers (a ``decimal.Decimal`` is read as its
nearest float): a ``bool`` or text such as ``"100"`` is refused (``Deal.won`` also takes the
deals table's true/false, yes/no, 1/0); an optional number (``Lead.company_size``,
``Touchpoint.cost``) is ``None`` where a table reads the value as missing (``NaN``, the value
a table writes for a missing number).  Text is kept as given, surrounding whitespace included,
as the tables keep it (``" L1 "`` is the key ``" L1 "``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ._params import keyword_problem
from ._records import (
    Count,
    FrozenModel,
    Instant,
    OptionalCount,
    OptionalInstant,
    OptionalReal,
    Real,
    WonFlag,
    neutral_instant,
)
from ._stages import KNOWN_STAGES

__all__ = ["SLA", "Activity", "Deal", "Lead", "Persona", "Touchpoint"]  # noqa: F822 (SLA: alias below)


def _nonempty(value: str, name: str) -> str:
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """Naive → UTC (documented rule); aware kept."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def _aware(value: dt.datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


_R = TypeVar("_R", bound=FrozenModel)


def _times_of(record: FrozenModel, fields: tuple[str, ...]) -> dict[str, dt.datetime | None]:
    """The instants of ``record``: its instant ``fields``, then its extra ``stages`` if any."""
    times = {k: getattr(record, k) for k in fields}
    times.update(getattr(record, "stages", {}))
    return times


def _read_times(data: Any, handler: Callable[[Any], _R], fields: tuple[str, ...]) -> _R:
    """The record of ``data``, its neutral instants (a ``numpy.datetime64`` or an epoch number:
    UTC, with no kind of their own) naive where every other instant is naive, as a table reads
    them beside naive values (aware UTC otherwise)."""
    record = handler(data)
    if not isinstance(data, Mapping):
        return record
    stages = data.get("stages")
    given = {k: data.get(k) for k in fields} | (dict(stages) if isinstance(stages, Mapping) else {})
    stored = _times_of(record, fields)
    neutral = {k for k, v in given.items() if neutral_instant(v) and stored.get(k) is not None}
    others = [v for k, v in stored.items() if k not in neutral and v is not None]
    if not neutral or not others or any(_aware(v) for v in others):
        return record
    naive = {k: v.replace(tzinfo=None) for k, v in stored.items() if k in neutral and v}
    update: dict[str, Any] = {k: v for k, v in naive.items() if k in fields}
    if isinstance(stages, Mapping):
        update["stages"] = {k: naive.get(k, v) for k, v in stages.items()}
    return handler({**data, **update})


class _Record(FrozenModel):
    """A record of a table's row: text is kept as given (surrounding whitespace included), as
    the tables keep it, so a record and a table built from the same values hold the same keys."""

    model_config = ConfigDict(str_strip_whitespace=False)


class Persona(FrozenModel):
    """A buyer persona, defined by explicit criteria a lead can be matched against by rules.

    Every criterion that is set must hold for a lead to match; an unset criterion matches all.
    """

    name: str = Field(description="Unique persona name, e.g. 'IT decision maker'.")
    description: str = Field("", description="What the persona is, in the teams' words.")
    industries: tuple[str, ...] = Field((), description="Industries that match (case-insensitive).")
    company_size_min: Count | None = Field(
        None, ge=0, description="Smallest company size (employees), inclusive."
    )
    company_size_max: Count | None = Field(
        None, ge=0, description="Largest company size (employees), inclusive."
    )
    titles: tuple[str, ...] = Field(
        (),
        description="Job-title keywords; a lead matches if its title contains any (case-insensitive).",
    )
    seniorities: tuple[str, ...] = Field(
        (), description="Seniority levels that match, e.g. 'director', 'vp'."
    )
    regions: tuple[str, ...] = Field(
        (), description="Countries or regions that match (case-insensitive)."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _nonempty(v, "name")

    @field_validator("industries", "titles", "seniorities", "regions")
    @classmethod
    def _keywords(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for keyword in v:
            problem = keyword_problem(keyword)
            if problem:
                raise ValueError(f"each keyword {problem}")
        return v

    @model_validator(mode="after")
    def _range(self) -> Persona:
        lo, hi = self.company_size_min, self.company_size_max
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"company_size_min ({lo}) is greater than company_size_max ({hi})")
        return self


class Lead(_Record):
    """A lead: who they are (explicit attributes), where they came from, where they are in the funnel.

    Stage instants are optional; ``None`` means the stage was not reached.  Unknown fields are
    refused, so a misspelt stage name (``mqll_at``) is an error; teams with extra stages put
    them in ``stages``, whose names must end in ``_at``.  The names of ``stages`` and
    ``attributes`` become columns of a lead table: a name that is a field of the lead
    (``stages={"mql_at": ...}``, ``attributes={"source": ...}``) or in both mappings is refused.
    """

    lead_id: str = Field(description="Unique lead id.")
    created_at: Instant = Field(description="When the lead was created (aware, or read as UTC).")
    source: str | None = Field(
        None, description="Lead source, e.g. 'paid_search', 'webinar', 'referral'."
    )
    campaign: str | None = Field(None, description="Campaign that generated the lead.")
    persona: str | None = Field(None, description="Persona name, if already known.")
    owner: str | None = Field(None, description="Sales rep who owns the lead.")
    account_id: str | None = Field(
        None, description="Company account; leads of one company share it."
    )
    email: str | None = Field(None, description="Contact e-mail (used for duplicate detection).")
    company: str | None = Field(None, description="Company name.")
    company_size: OptionalCount = Field(
        None, ge=0, description="Number of employees (a NaN is missing: None)."
    )
    industry: str | None = Field(None, description="Industry.")
    title: str | None = Field(None, description="Job title.")
    country: str | None = Field(None, description="Country or region.")
    mql_at: OptionalInstant = Field(None, description="Became a marketing-qualified lead.")
    sal_at: OptionalInstant = Field(None, description="Accepted by sales.")
    sql_at: OptionalInstant = Field(None, description="Became a sales-qualified lead.")
    opportunity_at: OptionalInstant = Field(None, description="Opportunity created.")
    won_at: OptionalInstant = Field(None, description="Closed won.")
    lost_at: OptionalInstant = Field(None, description="Closed lost.")
    assigned_at: OptionalInstant = Field(
        None, description="Assigned to a sales rep (SLA clock start)."
    )
    stages: dict[str, Instant] = Field(
        default_factory=dict, description="Extra stage instants, names ending in '_at'."
    )
    attributes: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, description="Free extra attributes (become columns of a LeadTable)."
    )

    @field_validator("lead_id")
    @classmethod
    def _id(cls, v: str) -> str:
        return _nonempty(v, "lead_id")

    @field_validator("stages")
    @classmethod
    def _stage_names(cls, v: dict[str, dt.datetime]) -> dict[str, dt.datetime]:
        for name in v:
            if name in cls.model_fields:
                raise ValueError(
                    f"stage name {name!r} is a field of Lead (a lead table would hold one "
                    f"{name} column); fix: give it as {name}=... rather than in stages"
                )
            if not name.endswith("_at"):
                raise ValueError(
                    f"unknown stage name {name!r}: extra stage names must end in '_at' "
                    f"(known stages: {', '.join(KNOWN_STAGES)})"
                )
        return v

    @field_validator("attributes")
    @classmethod
    def _attribute_names(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        stages = info.data.get("stages") or {}
        for name in v:
            field = name in cls.model_fields
            if field or name in stages:
                raise ValueError(
                    f"attribute name {name!r} is "
                    + ("a field of Lead" if field else "also a name in stages")
                    + f" (a lead table would hold one {name} column); fix: rename the attribute"
                    + (f" or give its value as {name}=..." if field else "")
                )
        return v

    @model_validator(mode="wrap")
    @classmethod
    def _times(cls, data: Any, handler: Callable[[Any], Lead]) -> Lead:
        lead = _read_times(data, handler, _LEAD_TIMES)
        present = {k: v for k, v in _times_of(lead, _LEAD_TIMES).items() if v is not None}
        if len({_aware(v) for v in present.values()}) > 1:
            raise ValueError(
                "naive and timezone-aware datetimes are mixed; make them all aware (or all naive = UTC)"
            )
        if lead.won_at is not None and lead.lost_at is not None:
            raise ValueError("a lead cannot be both won (won_at) and lost (lost_at)")
        created = _utc(lead.created_at)
        assert created is not None
        for k, v in present.items():
            if k != "created_at" and _utc(v) < created:  # type: ignore[operator]
                raise ValueError(f"{k} ({v}) is before created_at ({lead.created_at})")
        return lead

    def stage_at(self, name: str) -> dt.datetime | None:
        """Instant of stage ``name`` (``"mql_at"`` …) or ``None`` if not reached.

        Raises
        ------
        KeyError
            Unknown stage name (the message lists the known ones).
        """
        if name in ("created_at", *KNOWN_STAGES) and hasattr(self, name):
            value: dt.datetime | None = getattr(self, name)
            return value
        if name in self.stages:
            return self.stages[name]
        raise KeyError(
            f"unknown stage {name!r}; known: created_at, {', '.join(KNOWN_STAGES)}"
            + (f", {', '.join(self.stages)}" if self.stages else "")
        )


#: the instant fields of a lead (checked together: all naive, or all aware)
_LEAD_TIMES = tuple(name for name in Lead.model_fields if name.endswith("_at"))


class Touchpoint(_Record):
    """One marketing (or sales) touch on a lead's journey."""

    lead_id: str = Field(description="The lead touched.")
    timestamp: Instant = Field(description="When the touch happened.")
    channel: str = Field(description="Channel, e.g. 'paid_search', 'email', 'direct'.")
    campaign: str | None = Field(None, description="Campaign.")
    content: str | None = Field(
        None, description="Content asset (ebook, video, article, webinar …)."
    )
    kind: str | None = Field(
        None, description="Kind of touch: page_view, form, email_click, webinar, call …"
    )
    cost: OptionalReal = Field(
        None,
        ge=0,
        allow_inf_nan=False,
        description="Cost of the touch, if known (finite, >= 0; a NaN is missing: None).",
    )

    @field_validator("lead_id")
    @classmethod
    def _id(cls, v: str) -> str:
        return _nonempty(v, "lead_id")

    @field_validator("channel")
    @classmethod
    def _channel(cls, v: str) -> str:
        if not v.strip():  # (a blank channel is refused by the touchpoints table alike)
            raise ValueError(f"channel must not be empty or blank, got {v!r}")
        return v


class Deal(_Record):
    """A deal (opportunity) and its outcome: the conversion revenue is attributed to.

    A won deal is a conversion at ``closed_at`` worth ``amount``.
    """

    deal_id: str = Field(description="Unique deal id.")
    lead_id: str | None = Field(
        None, description="Lead the deal came from (journey key by default)."
    )
    account_id: str | None = Field(
        None, description="Account of the deal (journey key for account-based attribution)."
    )
    created_at: Instant = Field(description="When the deal was created.")
    closed_at: OptionalInstant = Field(
        None, description="When it closed (won or lost); None while open."
    )
    amount: Real = Field(description="Deal value (>= 0).")
    won: WonFlag = Field(
        False,
        description="Whether the deal was won: a bool, 0/1 or the text true/false, yes/no, 1/0 "
        "(as the deals table reads 'won').",
    )

    @field_validator("deal_id")
    @classmethod
    def _id(cls, v: str) -> str:
        return _nonempty(v, "deal_id")

    @field_validator("amount")
    @classmethod
    def _amount(cls, v: float) -> float:
        if not (v >= 0) or v == float("inf"):
            raise ValueError(f"amount must be a finite number >= 0, got {v}")
        return v

    @model_validator(mode="wrap")
    @classmethod
    def _check(cls, data: Any, handler: Callable[[Any], Deal]) -> Deal:
        deal = _read_times(data, handler, ("created_at", "closed_at"))
        if not deal.lead_id and not deal.account_id:
            raise ValueError("a deal needs a lead_id or an account_id")
        if deal.closed_at is not None:
            a, b = deal.created_at, deal.closed_at
            if _aware(a) != _aware(b):
                raise ValueError(
                    "naive and timezone-aware datetimes are mixed in created_at/closed_at"
                )
            if _utc(b) < _utc(a):  # type: ignore[operator]
                raise ValueError(f"closed_at ({b}) is before created_at ({a})")
        elif deal.won:
            raise ValueError("a won deal needs closed_at")
        return deal


class Activity(_Record):
    """A sales action on a lead: a call, an e-mail, a meeting.

    A blank ``kind`` (empty or whitespace only, an empty cell of an export) is a missing kind,
    ``None``, as in an :class:`~alignment.tables.ActivityLog` built from a table: an activity
    of no kind is kept, and counts as an attempt only where every activity does.
    """

    lead_id: str = Field(description="The lead worked.")
    rep: str | None = Field(None, description="Sales rep who acted.")
    timestamp: Instant = Field(description="When.")
    kind: str | None = Field(None, description="call, email, meeting, …; blank is missing")
    outcome: str | None = Field(
        None, description="connected, voicemail, no_answer, accepted, rejected:<reason> …"
    )

    @field_validator("lead_id")
    @classmethod
    def _nonempty_fields(cls, v: str, info: Any) -> str:
        return _nonempty(v, info.field_name)

    @field_validator("kind")
    @classmethod
    def _blank_kind(cls, v: str | None) -> str | None:
        return None if v is None or not v.strip() else v


def __getattr__(name: str) -> Any:
    # The SLA agreement model lives with its engine (:mod:`alignment.sla`); this alias keeps
    # ``alignment.models.SLA`` working without the records importing an engine at import time.
    if name == "SLA":
        from importlib import import_module

        return import_module("alignment.sla").SLA
    raise AttributeError(f"module 'alignment.models' has no attribute {name!r}")
