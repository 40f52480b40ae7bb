"""Plugin registrations: what a registration is, and the one place it is validated.

:mod:`alignment.plugins` (the registries) calls :func:`validate` on every model a plugin
registers; :class:`Registration` and :class:`PluginInfo` are re-exported there.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .base import AttributionModel, Estimator, Scorer
from .errors import AlignmentError, ParameterError, PluginError

__all__ = [
    "Kind",
    "PluginInfo",
    "Registration",
    "check_param_names",
    "guarded_build",
    "hook_of",
    "validate",
]

Kind = Literal["attribution model", "scorer"]

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

#: hook name -> (registry kind, required base class)
HOOKS: dict[str, tuple[Kind, type[Estimator]]] = {
    "register_attribution_models": ("attribution model", AttributionModel),
    "register_scorers": ("scorer", Scorer),
}


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin, as listed by :func:`list_plugins`.

    Attributes
    ----------
    name : str
        The plugin's name: its entry-point name, or the module name of a built-in plugin.
    version : str or None
        The version of the distribution providing it (the library's version for built-ins,
        ``None`` for plugins registered at runtime).
    hooks : tuple of str
        The hooks it implements, sorted.
    distribution : str or None
        The name of the installed distribution that declared the entry point.
    builtin : bool
        Whether it is one of :data:`DEFAULT_PLUGINS`.
    """

    name: str
    version: str | None
    hooks: tuple[str, ...]
    distribution: str | None = None
    builtin: bool = False


@dataclass(frozen=True)
class Registration:
    """A registered model, as stored in a registry.

    Attributes
    ----------
    kind : {"attribution model", "scorer"}
        The registry.
    name : str
        The registered name.
    factory : callable
        The class (or factory) that builds the model from keyword parameters.
    description : str
        One-line description.
    plugin : str
        The name of the plugin that registered it.
    aliases : tuple of str
        Other names that resolve to it.
    """

    kind: Kind
    name: str
    factory: Callable[..., Any]
    description: str
    plugin: str
    aliases: tuple[str, ...] = ()

    def _failure(self, problem: str) -> PluginError:
        """The error of this model misbehaving, naming it and its plugin."""
        return PluginError(f"{self.kind} {self.name!r} {problem}", plugin=self.plugin)

    def build(self, **params: Any) -> Any:
        """Instantiate the model with ``params`` (validated against its signature).

        A third party's constructor or factory that raises is a :class:`PluginError` naming
        the model and its plugin (see :func:`guarded_build`).
        """
        check_param_names(self, params)
        model = guarded_build(self.factory, params, self._failure)
        base = HOOKS[hook_of(self.kind)][1]
        if not isinstance(model, base):
            raise PluginError(
                f"the factory registered as {self.kind} {self.name!r} returned "
                f"{type(model).__name__}, which is not a subclass of "
                f"alignment.base.{base.__name__}",
                plugin=self.plugin,
            )
        if not getattr(type(model), "name", ""):
            type(model).name = self.name
        return model


def guarded_build(
    factory: Callable[..., Any], params: Mapping[str, Any], fail: Callable[[str], PluginError]
) -> Any:
    """``factory(**params)``: a third party's model class (or factory) building a model.

    Parameters
    ----------
    factory : callable
        The registered class or factory function.
    params : mapping of str to object
        The model's parameters.
    fail : callable
        ``fail(problem)`` builds the :class:`PluginError` naming the model and its plugin.

    Returns
    -------
    object
        What the factory returned (its type is checked by the caller).

    Raises
    ------
    PluginError
        The constructor or factory raised (an :class:`AlignmentError` it raises, such as a
        ``ParameterError``, passes as it is); the library's own are called directly.
    """
    if str(getattr(factory, "__module__", "")).startswith("alignment."):
        return factory(**params)
    try:
        return factory(**params)
    except AlignmentError:
        raise
    except Exception as exc:
        what = "its constructor" if isinstance(factory, type) else "its factory"
        given = f" with parameters {sorted(params)}" if params else ""
        raise fail(f"raised {type(exc).__name__} in {what}{given}: {exc}") from exc


def hook_of(kind: Kind) -> str:
    return next(h for h, (k, _) in HOOKS.items() if k == kind)


def description_of(obj: Any) -> str:
    desc = getattr(obj, "description", "")
    if isinstance(desc, str) and desc.strip():
        return desc.strip().splitlines()[0].strip()
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if isinstance(doc, str) and doc.strip():
        return doc.strip().splitlines()[0].strip()
    return ""


def validate(
    kind: Kind,
    base: type[Estimator],
    cls_or_factory: Any,
    name: Any,
    aliases: Any,
    plugin: str,
) -> Registration:
    what = f"{kind} {name!r}"
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise PluginError(
            f"invalid {kind} name {name!r}: use lowercase letters, digits and underscores, "
            "starting with a letter (e.g. 'time_decay')",
            plugin=plugin,
        )
    if isinstance(aliases, str) or not isinstance(aliases, (tuple, list)):
        raise PluginError(
            f"aliases of {what} must be a tuple of names, got {aliases!r}", plugin=plugin
        )
    for alias in aliases:
        if not isinstance(alias, str) or not _NAME_RE.match(alias):
            raise PluginError(
                f"invalid alias {alias!r} of {what}: use lowercase letters, digits and "
                "underscores, starting with a letter",
                plugin=plugin,
            )
    if len(set(aliases) | {name}) != len(aliases) + 1:
        raise PluginError(f"repeated name among the aliases of {what}", plugin=plugin)
    if isinstance(cls_or_factory, type):
        cls = cls_or_factory
        if not issubclass(cls, base):
            raise PluginError(
                f"{what}: {cls.__module__}.{cls.__qualname__} is not a subclass of "
                f"alignment.base.{base.__name__}",
                plugin=plugin,
            )
        if inspect.isabstract(cls):
            raise PluginError(f"{what}: {cls.__qualname__} is abstract", plugin=plugin)
        own_name = cls.__dict__.get("name", "")
        if own_name and own_name != name and own_name not in aliases:
            raise PluginError(
                f"{what}: class {cls.__qualname__} declares name = {own_name!r}; register it "
                f"under that name or add {own_name!r} to its aliases",
                plugin=plugin,
            )
        if base is AttributionModel:
            model_kind = getattr(cls, "kind", None)
            if model_kind not in ("touch", "channel"):
                raise PluginError(
                    f"{what}: kind must be 'touch' or 'channel', got {model_kind!r}",
                    plugin=plugin,
                )
            method = "weights" if model_kind == "touch" else "channel_credit"
            if getattr(cls, method) is getattr(AttributionModel, method):
                raise PluginError(
                    f"{what}: kind = {model_kind!r} but {cls.__qualname__} does not implement "
                    f"{method}()",
                    plugin=plugin,
                )
        else:
            if getattr(cls, "score", None) is Scorer.score:
                raise PluginError(
                    f"{what}: {cls.__qualname__} does not implement score()", plugin=plugin
                )
        if not isinstance(cls.__dict__.get("requires_fit", cls.requires_fit), bool):
            raise PluginError(f"{what}: requires_fit must be a bool", plugin=plugin)
    elif callable(cls_or_factory) and not isinstance(cls_or_factory, Estimator):
        pass  # a factory: its result is checked when it is called
    else:
        raise PluginError(
            f"{what}: register a class (or a factory function), not {cls_or_factory!r}",
            plugin=plugin,
        )
    description = description_of(cls_or_factory)
    if not description:
        raise PluginError(
            f"{what} has no description: set the class attribute `description` to one line "
            "saying what it does",
            plugin=plugin,
        )
    return Registration(
        kind=kind,
        name=name,
        factory=cls_or_factory,
        description=description,
        plugin=plugin,
        aliases=tuple(aliases),
    )


def check_param_names(reg: Registration, params: dict[str, Any]) -> None:
    if not params:
        return
    factory = reg.factory
    if isinstance(factory, type) and issubclass(factory, Estimator):
        valid = factory._param_names()
        has_var_kw = any(
            p.kind is p.VAR_KEYWORD for p in inspect.signature(factory.__init__).parameters.values()
        )
    else:
        try:
            sig = inspect.signature(factory)
        except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
            return
        valid = [p.name for p in sig.parameters.values() if p.kind is not p.VAR_KEYWORD]
        has_var_kw = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    unknown = [k for k in params if k not in valid]
    if unknown and not has_var_kw:
        hints = []
        for k in unknown:
            close = difflib.get_close_matches(k, valid, n=1)
            hints.append(f"{k!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ParameterError(
            f"{reg.kind} {reg.name!r} has no parameter {', '.join(hints)}; "
            f"valid parameters: {', '.join(valid) or '(none)'}"
        )
