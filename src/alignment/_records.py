"""The base of every pydantic model of the library: frozen (deeply) and one error rule.

* Invalid fields raise :class:`~alignment.errors.ModelValidationError` — a
  :class:`~alignment.errors.DataValidationError` naming the model, the field and the bad value,
  with pydantic's details in ``errors`` and pydantic's exception chained as ``__cause__`` —
  from the constructor, ``model_validate``, ``model_validate_json``, ``model_validate_strings``
  and ``model_copy(update=...)`` alike (a changed copy is validated as a new record).
* Mapping fields are stored as :class:`FrozenDict` and lists as :class:`FrozenList` (a
  ``dict`` and a ``list`` that refuse changes), sets as ``frozenset``, all the way down, so a
  frozen model is frozen all the way down and hashable; both serialise as the ``dict`` and
  ``list`` they are.  Changing a field, a mapping or a list raises ``TypeError`` (as changing
  a tuple does); ``model_copy(update=...)`` makes a changed copy.
* Field types shared by the records read values as the tables do: :data:`Flag` (a ``bool``
  only), :data:`Count` and :data:`Real` (a number, a ``decimal.Decimal`` read as its nearest
  float, never a ``bool`` nor text such as ``"100"``; :data:`OptionalCount` and
  :data:`OptionalReal` read a ``NaN`` as ``None``, as a number column reads it), :data:`WonFlag` (the deals table's
  ``won`` rule), :data:`Instant` (the tables' instant rule, see :func:`record_instant`) and
  :data:`OptionalInstant` (the same, what a table reads as missing being ``None``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any, NoReturn

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo

from ._params import is_decimal_number, is_na, number_float
from ._parse import parse_bool
from ._time import as_utc_datetime64
from .errors import DataValidationError, ModelValidationError

__all__ = [
    "Count",
    "Flag",
    "FrozenDict",
    "FrozenList",
    "FrozenModel",
    "Instant",
    "OptionalCount",
    "OptionalInstant",
    "OptionalReal",
    "Real",
    "WonFlag",
    "model_error",
    "neutral_instant",
    "optional_instant",
    "record_instant",
]


class FrozenDict(dict[Any, Any]):
    """A ``dict`` that cannot be changed (and so can be hashed)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("this mapping belongs to a frozen model and cannot be changed")

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset((k, _hashable(v)) for k, v in self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))


class FrozenList(list[Any]):
    """A ``list`` that cannot be changed (and so can be hashed); serialised as a list."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("this list belongs to a frozen model and cannot be changed")

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = remove = pop = clear = sort = reverse = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(_hashable(v) for v in self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenList, (list(self),))


def _hashable(value: Any) -> Any:
    if isinstance(value, list) and not isinstance(value, FrozenList):
        return tuple(_hashable(v) for v in value)
    return value


def _frozen(value: Any) -> Any:
    """``value`` with every mapping, list and set inside it (at any depth) frozen."""
    if isinstance(value, FrozenDict | FrozenList):
        return value
    if isinstance(value, Mapping):
        return FrozenDict({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return FrozenList(_frozen(v) for v in value)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, set):
        return frozenset(value)
    return value


# ------------------------------------------------------------------------ shared field types


def _flag(value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise ValueError(f"expected True or False, got {type(value).__name__} {value!r}")


def _won(value: Any, info: ValidationInfo) -> bool:
    """The deals table's rule for ``won`` (``alignment._parse.parse_bool``), one value."""
    try:
        return bool(parse_bool(np.array([value], dtype=object), column=info.field_name or "")[0])
    except DataValidationError:
        raise ValueError(
            f"expected True/False or the text true/false, yes/no, 1/0 (as the deals table "
            f"reads 'won'), got {type(value).__name__} {value!r}"
        ) from None


def _number(value: Any) -> Any:
    if is_decimal_number(value):  # (a Decimal: its nearest float, as a number column reads it)
        return number_float(value) if isinstance(value, Decimal) else value
    raise ValueError(
        f"expected a number, got {type(value).__name__} {value!r} (a bool or text is not read "
        "as a number)"
    )


def _optional_number(value: Any) -> Any:
    """An optional number: ``None`` for what a table's number column reads as missing
    (``None``, a ``NaN`` of a float, numpy or ``Decimal``, pandas' ``NA``), else :func:`_number`."""
    if value is None or is_na(value):
        return None
    number = _number(value)
    return None if number != number else number  # (NaN: missing)


def neutral_instant(value: Any) -> bool:
    """Whether ``value`` is an instant without a kind of its own: a ``numpy.datetime64`` or an
    epoch number, UTC by the tables' rule, which goes with naive and aware values alike."""
    return isinstance(value, np.datetime64) or (
        is_decimal_number(value) and not isinstance(value, bool | np.bool_)
    )


def record_instant(value: Any, info: ValidationInfo | None = None) -> Any:
    """One instant of a record, read by the rules of the tables (:mod:`alignment._time`).

    A ``datetime`` is kept as given (aware or naive); text and other values are read as a
    table column reads them (epoch numbers are seconds, digit text such as ``"1700000000"`` is
    refused, a ``bool`` is refused): an instant with an offset, a ``numpy.datetime64`` (UTC)
    or an epoch number becomes an aware UTC ``datetime``, a naive text a naive ``datetime``
    (read as UTC by the tables).  ``None`` is kept (pydantic refuses it for a required field).

    Raises
    ------
    ValueError
        The value is not an instant (a missing one such as ``NaT`` included), or lies outside
        the years 1–9999 a ``datetime`` holds; the model turns it into
        :class:`~alignment.errors.ModelValidationError`.
    """
    return _instant(value, info, optional=False)


def optional_instant(value: Any, info: ValidationInfo | None = None) -> Any:
    """An optional instant of a record: ``None`` for a value a table's time column reads as
    missing (``None``, ``NaT`` of pandas or numpy, a float ``NaN``, pandas' ``NA``, blank
    text), else as :func:`record_instant` reads it.

    Raises
    ------
    ValueError
        As :func:`record_instant`.
    """
    return _instant(value, info, optional=True)


def _instant(value: Any, info: ValidationInfo | None, *, optional: bool) -> Any:
    if value is None or (isinstance(value, dt.datetime) and value == value):
        return value
    name = (info.field_name if info is not None else None) or "instant"
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"expected an instant, got the bool {value!r}")
    try:
        times, awareness = as_utc_datetime64(
            np.array([value], dtype=object), column=name, allow_missing=optional
        )
    except DataValidationError as exc:
        raise ValueError(f"{exc.problem}; got {value!r}; fix: {exc.fix}") from None
    if np.isnat(times[0]):  # (missing, in an optional field)
        return None
    out = times[0].astype(object)
    if not isinstance(out, dt.datetime):
        raise ValueError(
            f"{value!r} is outside the years 1-9999 a datetime holds (epoch numbers are "
            "seconds since 1970, as in the tables)"
        )
    return out if awareness is False else out.replace(tzinfo=dt.timezone.utc)


#: A flag: ``True`` or ``False`` only (Python or numpy); text and numbers are refused.
Flag = Annotated[bool, BeforeValidator(_flag)]
#: The deals table's ``won``: a bool, the numbers 0/1 or the text true/false, yes/no, 1/0.
WonFlag = Annotated[bool, BeforeValidator(_won)]
#: An integer count: a number (Python or numpy, or a Decimal), never a bool nor text.
Count = Annotated[int, BeforeValidator(_number)]
#: A real number: a number (Python or numpy, or a Decimal), never a bool nor text.
Real = Annotated[float, BeforeValidator(_number)]
#: An optional count: as :data:`Count`, and ``None`` for what a table's number column reads as
#: missing (``NaN`` included: the value a table writes for a missing number).
OptionalCount = Annotated[int | None, BeforeValidator(_optional_number)]
#: An optional real number: as :data:`Real`, and ``None`` as :data:`OptionalCount` reads it.
OptionalReal = Annotated[float | None, BeforeValidator(_optional_number)]
#: An instant read by the tables' rules (see :func:`record_instant`).
Instant = Annotated[dt.datetime, BeforeValidator(record_instant)]
#: An optional instant: as :data:`Instant`, and ``None`` for what a table's time column reads
#: as missing (see :func:`optional_instant`).
OptionalInstant = Annotated[dt.datetime | None, BeforeValidator(optional_instant)]


def _details(exc: ValidationError) -> list[dict[str, Any]]:
    """pydantic's error details, a nested model's own error expanded under its location."""
    out: list[dict[str, Any]] = []
    for d in exc.errors(include_url=False):
        inner = (d.get("ctx") or {}).get("error")
        if isinstance(inner, ModelValidationError) and inner.errors:
            out += [{**e, "loc": (*d["loc"], *e.get("loc", ()))} for e in inner.errors]
        else:
            out.append(dict(d))
    return out


def model_error(model: type[BaseModel] | str, exc: ValidationError) -> ModelValidationError:
    """pydantic's error as the library's: the model, the first field and value, every detail."""
    name = model if isinstance(model, str) else model.__name__
    details = _details(exc)
    first = details[0] if details else {}
    field = ".".join(str(p) for p in first.get("loc", ())) or None
    problems = "; ".join(
        f"{'.'.join(str(p) for p in d.get('loc', ())) or '(model)'}: {d.get('msg', '')}"
        for d in details
    )
    err = ModelValidationError(
        f"invalid {name}: {problems}",
        column=field,
        value=first.get("input"),
        table=name,
        fix=f"correct the field(s) named; the fields of {name} are documented in its docstring",
    )
    err.errors = details
    return err


@contextmanager
def _library_error(cls: type[Any]) -> Iterator[None]:
    """Pydantic's ``ValidationError`` raised in the block as the library's
    :class:`ModelValidationError` for the record class ``cls``."""
    try:
        yield
    except ValidationError as exc:
        raise model_error(cls, exc) from exc


class FrozenModel(BaseModel):
    """Frozen, strict about extra fields; errors as :class:`ModelValidationError`."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    def __init__(self, /, **data: Any) -> None:
        with _library_error(type(self)):
            super().__init__(**data)

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Any:
        """As pydantic's, with the library's error (:class:`ModelValidationError`)."""
        with _library_error(cls):
            return super().model_validate(obj, **kwargs)

    @classmethod
    def model_validate_json(cls, json_data: Any, **kwargs: Any) -> Any:
        """As pydantic's, with the library's error (:class:`ModelValidationError`)."""
        with _library_error(cls):
            return super().model_validate_json(json_data, **kwargs)

    @classmethod
    def model_validate_strings(cls, obj: Any, **kwargs: Any) -> Any:
        """As pydantic's, with the library's error (:class:`ModelValidationError`)."""
        with _library_error(cls):
            return super().model_validate_strings(obj, **kwargs)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Any:
        """A copy with the fields of ``update`` changed, validated as a new record.

        Raises
        ------
        ModelValidationError
            The changed copy is not a valid record (a bad value, an unknown field, or fields
            that no longer agree, such as ``mql_at`` before ``created_at``).
        """
        if not update:
            return super().model_copy(deep=deep)
        data = {name: self.__dict__[name] for name in self.model_fields_set}
        data.update(update)
        return type(self).model_validate(data)

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError(
            f"{type(self).__name__} is frozen: build a new one, e.g. "
            f"record.model_copy(update={{{name!r}: ...}})"
        )

    def __delattr__(self, name: str) -> None:
        raise TypeError(f"{type(self).__name__} is frozen")

    def model_post_init(self, context: Any, /) -> None:
        for name, value in self.__dict__.items():
            frozen = _frozen(value)
            if frozen is not value:
                object.__setattr__(self, name, frozen)
