"""The plugin manager and the model registries of :mod:`alignment`.

Attribution models and lead scorers are registered through two :mod:`pluggy` hooks
(:mod:`alignment.hookspecs`).  The library's own models are *default plugins*
(:data:`DEFAULT_PLUGINS`) registered through exactly the same hooks as third-party packages,
which are discovered from the entry-point group ``alignment``::

    [project.entry-points.alignment]
    myplugin = "myplugin"

Loading is lazy: nothing happens at ``import alignment``; the first registry call
(:func:`attribution_models`, :func:`get_scorer` …) loads the plugins.  The environment variable
``ALIGNMENT_LOAD_PLUGINS`` (read when plugins load) restricts the third-party plugins: unset
loads every installed plugin, ``""`` loads none, ``"a,b"`` only those (entry-point or
distribution names).  The built-in models always load.

A plugin that fails to import, implements an unknown hook, raises from a hook or registers
something invalid (a bad name, a class that does not follow the contract, a name already taken)
is reported as a :class:`alignment.PluginError` naming the plugin, with the original exception
kept as ``__cause__``; the error is issued as an :class:`alignment.AlignmentWarning` and kept in
:func:`plugin_errors`, and the library keeps working with the other plugins.  A plugin's
registrations are all-or-nothing per hook: if its hook fails, none of that hook's models are
registered.

The registries are a function of the plugins registered with :func:`plugin_manager`: a plugin
registered (or unregistered) later, e.g. an object with ``@alignment.hookimpl`` methods in a
notebook or a test, is picked up by the next registry call.

Examples
--------
>>> import alignment
>>> from alignment.plugins import get_attribution_model
>>> names = alignment.attribution_models()  # name -> one-line description
"""

from __future__ import annotations

import difflib
import functools
import importlib
import importlib.metadata
import itertools
import os
import re
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pluggy

from . import hookspecs
from ._params import check_flag, is_option
from ._registrations import (
    HOOKS,
    PluginInfo,
    Registration,
    guarded_build,
    validate,
)
from ._registrations import (
    Kind as Kind,
)
from .base import AttributionModel, Estimator, Scorer
from .errors import (
    AlignmentError,
    AlignmentWarning,
    ParameterError,
    PluginError,
    UnknownModelError,
)

__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "ENV_VAR",
    "PluginInfo",
    "Registration",
    "attribution_models",
    "get_attribution_model",
    "get_registration",
    "get_scorer",
    "list_plugins",
    "load_plugins",
    "plugin_errors",
    "plugin_manager",
    "reset_plugins",
    "scorers",
]

DEFAULT_PLUGINS: tuple[str, ...] = ("alignment.attribution._plugin", "alignment.scoring._plugin")
"""Modules holding the built-in models, registered first through the same hooks as plugins."""
ENTRY_POINT_GROUP = "alignment"
"""The entry-point group third-party plugins declare."""
ENV_VAR = "ALIGNMENT_LOAD_PLUGINS"
"""Environment variable restricting which third-party plugins load."""

_M = TypeVar("_M", bound=Estimator)


@dataclass
class _Registry:
    key: tuple[Any, ...]
    models: dict[Kind, dict[str, Registration]]
    aliases: dict[Kind, dict[str, str]]
    errors: list[PluginError]


@dataclass
class _State:
    pm: pluggy.PluginManager | None = None
    #: plugin name -> (version, distribution, builtin)
    meta: dict[str, tuple[str | None, str | None, bool]] = field(default_factory=dict)
    load_errors: list[PluginError] = field(default_factory=list)
    registry: _Registry | None = None


_lock = threading.RLock()
_state = _State()


# ----------------------------------------------------------------------------------------------
# loading


_GENERATIONS = itertools.count()  # never repeats, across managers too


class _Manager(pluggy.PluginManager):
    """The plugin manager, counting its (un)registrations.

    The registry cache is keyed on :attr:`generation`, which no (un)registration can reuse (an
    ``id()`` of a freed plugin object can be given to the next one).
    """

    def __init__(self, project_name: str) -> None:
        super().__init__(project_name)
        self.generation = next(_GENERATIONS)

    def register(self, plugin: object, name: str | None = None) -> str | None:
        try:
            return super().register(plugin, name)
        finally:
            self.generation = next(_GENERATIONS)

    def unregister(self, plugin: object | None = None, name: str | None = None) -> Any:
        try:
            return super().unregister(plugin, name)
        finally:
            self.generation = next(_GENERATIONS)


def _registry_key(pm: pluggy.PluginManager) -> tuple[Any, ...]:
    names = tuple(n for n, _ in pm.list_name_plugin())
    return (getattr(pm, "generation", id(pm)), names)


def _new_manager() -> pluggy.PluginManager:
    pm = _Manager("alignment")
    pm.add_hookspecs(hookspecs)
    return pm


def _requested_plugins() -> dict[str, str] | None:
    """Normalised name -> name as written, from ``ALIGNMENT_LOAD_PLUGINS`` (None: unset)."""
    raw = os.environ.get(ENV_VAR)
    if raw is None:
        return None
    return {_normalize_dist(part): part.strip() for part in raw.split(",") if part.strip()}


def _normalize_dist(name: str) -> str:
    return re.sub(r"[-_.\s]+", "-", name.strip()).lower()


def _is_missing_module(exc: ModuleNotFoundError, module: str) -> bool:
    missing = exc.name
    return missing is not None and (module == missing or module.startswith(missing + "."))


def _register(
    pm: pluggy.PluginManager, plugin: object, name: str, errors: list[PluginError]
) -> bool:
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        err = PluginError(f"invalid hook implementation: {exc}", plugin=name)
        err.__cause__ = exc
        errors.append(err)
        return False
    except ValueError as exc:  # name or object already registered
        err = PluginError(f"could not be registered: {exc}", plugin=name)
        err.__cause__ = exc
        errors.append(err)
        return False
    return True


def _drop_pending(pm: pluggy.PluginManager) -> list[PluginError]:
    """Run ``check_pending`` until clean, unregistering each plugin with unknown hooks."""
    errors: list[PluginError] = []
    for _ in range(1000):
        try:
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin) or repr(exc.plugin)
            known = sorted(HOOKS)
            unknown = re.findall(r"unknown hook '([^']+)'", str(exc))
            hint = ""
            if unknown:
                close = difflib.get_close_matches(unknown[0], known, n=1)
                hint = f". Did you mean {close[0]!r}?" if close else ""
            err = PluginError(
                f"implements an unknown hook ({exc}); known hooks: {', '.join(known)}{hint}; "
                "the plugin was not loaded",
                plugin=name,
            )
            err.__cause__ = exc
            errors.append(err)
            if pm.is_registered(exc.plugin):
                pm.unregister(exc.plugin)
            else:  # pragma: no cover - defensive: cannot make progress
                break
        else:
            break
    return errors


def _load_into(pm: pluggy.PluginManager, state: _State) -> None:
    errors: list[PluginError] = []
    from . import __version__

    for module_name in DEFAULT_PLUGINS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if _is_missing_module(exc, module_name):
                continue  # this built-in is not part of the installed library
            err = PluginError(f"failed to import {module_name!r}: {exc}", plugin=module_name)
            err.__cause__ = exc
            errors.append(err)
            continue
        except Exception as exc:
            err = PluginError(f"failed to import {module_name!r}: {exc}", plugin=module_name)
            err.__cause__ = exc
            errors.append(err)
            continue
        if _register(pm, module, module_name, errors):
            state.meta[module_name] = (__version__, "alignment", True)

    requested = _requested_plugins()
    found: set[str] = set()
    seen: dict[str, tuple[str, str]] = {}  # entry-point name -> (value, description)
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        dist_name = dist.metadata["Name"] if dist is not None else None
        version = dist.version if dist is not None else None
        if requested is not None:
            keys = {_normalize_dist(ep.name)}
            if dist_name:
                keys.add(_normalize_dist(dist_name))
            if not keys & requested.keys():
                continue
            found |= keys & requested.keys()
        where = f"{ep.value!r} (distribution {dist_name!r})"
        if ep.name in seen:
            if seen[ep.name][0] == ep.value:
                continue  # the same entry point seen twice on sys.path
            errors.append(
                PluginError(
                    f"two entry points share this name: {seen[ep.name][1]} and {where}; "
                    "the second was not loaded",
                    plugin=ep.name,
                )
            )
            continue
        seen[ep.name] = (ep.value, where)
        try:
            obj = ep.load()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # (SystemExit too: importing a plugin cannot end the program)
            err = PluginError(f"failed to import {where}: {exc!r}", plugin=ep.name)
            err.__cause__ = exc
            errors.append(err)
            continue
        if _register(pm, obj, ep.name, errors):
            state.meta[ep.name] = (version, dist_name, False)

    if requested is not None:
        for missing in sorted(requested.keys() - found):
            errors.append(
                PluginError(
                    f"{ENV_VAR} asks for it but no installed distribution declares an "
                    f"{ENTRY_POINT_GROUP!r} entry point with that name",
                    plugin=requested[missing],
                )
            )
    errors.extend(_drop_pending(pm))
    state.load_errors = errors
    for err in errors:
        warnings.warn(str(err), AlignmentWarning, stacklevel=4)


def load_plugins(force: bool = False) -> pluggy.PluginManager:
    """Load the built-in and the installed plugins (once) and return the plugin manager.

    Parameters
    ----------
    force : bool, default False
        Reload from scratch (re-reads ``ALIGNMENT_LOAD_PLUGINS`` and the installed entry points).

    Returns
    -------
    pluggy.PluginManager
        The manager; plugins that failed are listed by :func:`plugin_errors`.
    """
    force = check_flag(force, "load_plugins: force")
    with _lock:
        if force:
            reset_plugins()
        if _state.pm is None:
            pm = _new_manager()
            _load_into(pm, _state)
            _state.pm = pm
        return _state.pm


def plugin_manager() -> pluggy.PluginManager:
    """Return the (loaded) :class:`pluggy.PluginManager` of project ``"alignment"``.

    Plugins registered on it later (``plugin_manager().register(obj, name="x")``) are picked up
    by the next registry call; unregister them with ``plugin_manager().unregister(name="x")``.
    """
    return load_plugins()


def reset_plugins() -> None:
    """Forget every loaded plugin and registration; the next registry call loads again."""
    with _lock:
        _state.pm = None
        _state.meta.clear()
        _state.load_errors = []
        _state.registry = None


# ----------------------------------------------------------------------------------------------
# registration (the one place where registrations are validated)


def _run_hooks(pm: pluggy.PluginManager) -> _Registry:
    dropped = _drop_pending(pm)  # plugins registered at runtime with unknown hooks
    _state.load_errors.extend(dropped)
    for err in dropped:
        warnings.warn(str(err), AlignmentWarning, stacklevel=5)
    errors: list[PluginError] = []
    plugins = pm.list_name_plugin()
    registry = _Registry(
        key=_registry_key(pm),
        models={"attribution model": {}, "scorer": {}},
        aliases={"attribution model": {}, "scorer": {}},
        errors=errors,
    )
    for hook_name, (kind, base) in HOOKS.items():
        caller: pluggy.HookCaller = getattr(pm.hook, hook_name)
        impls = caller.get_hookimpls()
        for plugin_name, plugin in plugins:
            for impl in impls:
                if impl.plugin is not plugin:
                    continue
                try:
                    _call_one(registry, kind, base, hook_name, impl, plugin_name)
                except PluginError as exc:
                    registry.errors.append(exc)
    return registry


def _call_one(
    registry: _Registry,
    kind: Kind,
    base: type[Estimator],
    hook_name: str,
    impl: pluggy.HookImpl,
    plugin_name: str,
) -> None:
    models = registry.models[kind]
    aliases = registry.aliases[kind]
    staged: list[Registration] = []

    def owner(name: str) -> str | None:
        for reg in staged:
            if name == reg.name or name in reg.aliases:
                return f"{reg.name!r} of plugin {plugin_name!r}"
        target = aliases.get(name)
        if target is not None:
            return f"{target!r} of plugin {models[target].plugin!r}"
        return None

    def register(cls_or_factory: Any, *, name: str, aliases: tuple[str, ...] = ()) -> None:
        reg = validate(kind, base, cls_or_factory, name, aliases, plugin_name)
        for candidate in (reg.name, *reg.aliases):
            taken = owner(candidate)
            if taken is not None:
                raise PluginError(
                    f"{kind} name {candidate!r} is already registered (as {taken}); "
                    f"plugin {plugin_name!r} cannot register it again. Choose another name.",
                    plugin=plugin_name,
                )
        staged.append(reg)

    if impl.hookwrapper or impl.wrapper:
        raise PluginError(f"{hook_name} cannot be implemented as a wrapper", plugin=plugin_name)
    kwargs = {arg: register for arg in impl.argnames if arg == "register"}
    try:
        result = impl.function(**kwargs)
    except PluginError as exc:
        if exc.plugin == plugin_name:
            raise
        raise PluginError(f"hook {hook_name} failed: {exc}", plugin=plugin_name) from exc
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # (SystemExit too: a hook cannot end the program)
        raise PluginError(
            f"hook {hook_name} raised {type(exc).__name__}: {exc}; none of its "
            f"{kind}s were registered",
            plugin=plugin_name,
        ) from exc
    if result is not None:
        raise PluginError(
            f"hook {hook_name} returned {type(result).__name__}; it must return None and call "
            f"register(cls, name=...) for each {kind} instead",
            plugin=plugin_name,
        )
    for reg in staged:
        factory = reg.factory
        if isinstance(factory, type) and not factory.__dict__.get("name"):
            setattr(factory, "name", reg.name)  # noqa: B010 - the class learns its registered name
        models[reg.name] = reg
        for candidate in (reg.name, *reg.aliases):
            aliases[candidate] = reg.name


def _registry() -> _Registry:
    with _lock:
        pm = load_plugins()
        key = _registry_key(pm)
        current = _state.registry
        if current is None or current.key != key:
            previous = {str(e) for e in current.errors} if current else set()
            previous |= {str(e) for e in _state.load_errors}
            current = _run_hooks(pm)
            _state.registry = current
            for err in current.errors:
                if str(err) not in previous:
                    warnings.warn(str(err), AlignmentWarning, stacklevel=4)
        return current


def plugin_errors() -> list[PluginError]:
    """Return the errors of plugins that failed to load or to register (loads if needed).

    Each is a :class:`alignment.PluginError` naming the plugin (``.plugin``) with the original
    exception as ``__cause__`` where there was one.
    """
    registry = _registry()
    return [*_state.load_errors, *registry.errors]


# ----------------------------------------------------------------------------------------------
# public registry functions


def list_plugins() -> list[PluginInfo]:
    """List the loaded plugins: name, version and hooks implemented.

    Returns
    -------
    list of PluginInfo
        Built-in plugins first, then third-party ones in load order.  Plugins that failed to
        load are not listed; see :func:`plugin_errors`.

    Examples
    --------
    >>> import alignment
    >>> [p.name for p in alignment.list_plugins() if p.builtin]  # doctest: +SKIP
    ['alignment.attribution._plugin', 'alignment.scoring._plugin']
    """
    _registry()
    pm = plugin_manager()
    infos = []
    for name, plugin in pm.list_name_plugin():
        callers = pm.get_hookcallers(plugin) or []
        version, dist, builtin = _state.meta.get(name, (None, None, False))
        infos.append(
            PluginInfo(
                name=name,
                version=version,
                hooks=tuple(sorted(c.name for c in callers)),
                distribution=dist,
                builtin=builtin,
            )
        )
    return infos


def attribution_models() -> dict[str, str]:
    """Return the registered attribution models: name → one-line description (sorted by name)."""
    models = _registry().models["attribution model"]
    return {name: models[name].description for name in sorted(models)}


def scorers() -> dict[str, str]:
    """Return the registered lead scorers: name → one-line description (sorted by name)."""
    models = _registry().models["scorer"]
    return {name: models[name].description for name in sorted(models)}


def _normalize_name(name: str) -> str:
    return re.sub(r"[-\s]+", "_", name.strip()).lower()


def get_registration(kind: Kind, name: str) -> Registration:
    """Return the registration of ``name`` (or an alias) in the ``kind`` registry.

    Raises
    ------
    ParameterError
        If ``kind`` is neither ``"attribution model"`` nor ``"scorer"``, or ``name`` is not a
        string.
    UnknownModelError
        If no model is registered under that name; the message lists the available names and
        suggests a close match.
    """
    if not is_option(kind, ("attribution model", "scorer")):
        raise ParameterError(f"kind must be 'attribution model' or 'scorer', got {kind!r}")
    registry = _registry()
    if not isinstance(name, str):
        raise ParameterError(
            f"name must be the name of a registered {kind} (a string), got "
            f"{type(name).__name__} {name!r:.80}; registered: "
            f"{', '.join(registry.models[kind]) or '(none)'}"
        )
    key = _normalize_name(name)
    target = registry.aliases[kind].get(key)
    if target is None:
        available = list(registry.models[kind])
        raise UnknownModelError(kind, name, available)
    return registry.models[kind][target]


def _resolve(kind: Kind, base: type[_M], name_or_instance: Any, params: dict[str, Any]) -> _M:
    model: _M
    if isinstance(name_or_instance, str):
        model = get_registration(kind, name_or_instance).build(**params)
    elif isinstance(name_or_instance, base):
        if params:
            raise ParameterError(
                f"got an instance of {type(name_or_instance).__name__} and parameters "
                f"{sorted(params)}; pass the parameters to its constructor, or pass the {kind} "
                "by name"
            )
        return name_or_instance
    elif isinstance(name_or_instance, type) and issubclass(name_or_instance, base):
        cls_name = str(getattr(name_or_instance, "name", "") or name_or_instance.__name__)
        model = guarded_build(name_or_instance, params, functools.partial(_failure, kind, cls_name))
    else:
        other = AttributionModel if base is Scorer else Scorer
        got = name_or_instance
        if isinstance(got, other) or (isinstance(got, type) and issubclass(got, other)):
            label = "a scorer" if other is Scorer else "an attribution model"
            problem = f"got {label} ({getattr(got, '__name__', type(got).__name__)})"
        else:
            problem = f"got {type(got).__name__} {got!r:.80}"
        raise ParameterError(
            f"expected the name of a registered {kind} or an instance of "
            f"alignment.base.{base.__name__}; {problem}. Registered: "
            f"{', '.join(_registry().models[kind]) or '(none)'}"
        )
    try:
        model.validate_params()
    except AlignmentError:
        raise
    except Exception as exc:  # a third party's validation failing: name it and its plugin
        name = str(getattr(model, "name", "") or type(model).__name__)
        problem = f"raised {type(exc).__name__} in validate_params(): {exc}"
        raise _failure(kind, name, problem) from exc
    return model


def _failure(kind: Kind, name: str, problem: str) -> PluginError:
    """The error of a model that misbehaved: names the model and the plugin that registered it."""
    try:
        plugin = str(get_registration(kind, name).plugin)
    except Exception:  # an unregistered instance: name the model itself
        plugin = name
    return PluginError(f"{kind} {name!r} {problem}", plugin=plugin)


def get_attribution_model(
    name_or_instance: str | AttributionModel | type[AttributionModel], **params: Any
) -> AttributionModel:
    """Return an attribution model from its registered name (or pass an instance through).

    Parameters
    ----------
    name_or_instance : str or AttributionModel
        A registered name or alias (``"time_decay"``; ``-`` and case are normalised), a model
        instance (returned as is), or a model class.
    **params
        Constructor parameters when a name or class is given.

    Returns
    -------
    AttributionModel
        The model, with parameters validated.

    Raises
    ------
    UnknownModelError
        Unknown name; the message lists the registered names and suggests a close match.
    ParameterError
        Unknown or invalid parameters, an instance together with parameters, or an object
        that is not an :class:`alignment.base.AttributionModel`.
    """
    return _resolve("attribution model", AttributionModel, name_or_instance, params)


def get_scorer(name_or_instance: str | Scorer | type[Scorer], **params: Any) -> Scorer:
    """Return a lead scorer from its registered name (or pass an instance through).

    Names, instances and classes resolve as in :func:`get_attribution_model`, with the same
    errors, for :class:`alignment.base.Scorer` instead of models.

    Parameters
    ----------
    name_or_instance : str or Scorer
        A registered name or alias, a scorer instance, or a scorer class.
    **params
        Constructor parameters when a name or class is given.

    Returns
    -------
    Scorer
        The scorer, with parameters validated.

    See Also
    --------
    get_attribution_model : The resolution rules and the errors raised.
    """
    return _resolve("scorer", Scorer, name_or_instance, params)
