"""The base of every pydantic model of the library: frozen (deeply) and one error rule.

* Invalid fields raise :class:`~alignment.errors.ModelValidationError` — a
  :class:`~alignment.errors.DataValidationError` naming the model, the field and the bad value,
  with pydantic's details in ``errors`` and pydantic's exception chained as ``__cause__`` —
  from the constructor and from ``model_validate`` alike.
* Mapping fields are stored as :class:`FrozenDict` (a ``dict`` that refuses changes), so a
  frozen model is frozen all the way down and hashable.  Changing a field or a mapping raises
  ``TypeError`` (as changing a tuple does); ``model_copy(update=...)`` makes a changed copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import ModelValidationError

__all__ = ["FrozenDict", "FrozenModel", "model_error"]


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


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping) and not isinstance(value, FrozenDict):
        return FrozenDict({k: _frozen(v) for k, v in value.items()})
    return value


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


class FrozenModel(BaseModel):
    """Frozen, strict about extra fields; errors as :class:`ModelValidationError`."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise model_error(type(self), exc) from exc

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Any:
        """As pydantic's, with the library's error (:class:`ModelValidationError`)."""
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as exc:
            raise model_error(cls, exc) from exc

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError(
            f"{type(self).__name__} is frozen: build a new one, e.g. "
            f"record.model_copy(update={{{name!r}: ...}})"
        )

    def __delattr__(self, name: str) -> None:
        raise TypeError(f"{type(self).__name__} is frozen")

    def model_post_init(self, context: Any, /) -> None:
        for name, value in self.__dict__.items():
            if isinstance(value, Mapping) and not isinstance(value, FrozenDict):
                object.__setattr__(self, name, _frozen(value))
