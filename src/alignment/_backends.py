"""The backend dispatch: which execution backend, if any, takes a call's inputs.

The engines compute on in-memory numpy tables.  Inputs too large for one machine (a Dask
DataFrame, for instance) are run by a *backend*: a module that registers itself here and drives
the engines' documented partial → merge → finalize protocols partition by partition.

An engine's public entry point asks :func:`find` whether a backend takes its inputs; it never
imports a backend.  A backend is found in two ways:

* it called :func:`register` (``import alignment.dask`` does);
* an installed distribution declares it under the entry-point group ``alignment.backends``,
  named after the top-level package of the input type it takes (``dask = "alignment.dask"``):
  when an input's type comes from that package, the entry point's module is imported, which
  registers it.  ``ALIGNMENT_DISABLE_BACKENDS=1`` (or ``true``, ``yes``, ``on``) turns this
  discovery off; ``0``, ``false``, ``no``, ``off`` or unset leave it on, any other value is
  refused (:class:`~alignment.errors.ParameterError`) by every call that reads a table, whatever
  its input, before anything else is read.

The core imports no backend; a backend imports the engines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._params import DISABLE_BACKENDS, env_flag
from .errors import ParameterError, PluginError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

__all__ = ["Backend", "find", "register", "registered", "unregister"]

#: the entry-point group under which distributions declare backends
ENTRY_POINT_GROUP = "alignment.backends"


@dataclass(frozen=True)
class Backend:
    """An execution backend.

    Parameters
    ----------
    name : str
        Short name (``"dask"``).
    accepts : callable
        ``accepts(obj) -> bool``: whether ``obj`` is an input this backend runs.
    operations : dict of str to callable
        The engine operations it implements, by name (``"attribute"``, ``"score"``,
        ``"fit_logistic"``, ``"funnel_observe"``, ``"sla_evaluate"``); each takes the same
        arguments as the in-memory entry point.
    """

    name: str
    accepts: Callable[[Any], bool]
    operations: dict[str, Callable[..., Any]]

    def operation(self, name: str) -> Callable[..., Any]:
        """The implementation of operation ``name``; :class:`ParameterError` if it has none."""
        try:
            return self.operations[name]
        except KeyError:
            raise ParameterError(
                f"the {self.name} backend does not run {name!r}; "
                f"it runs: {', '.join(sorted(self.operations)) or '(nothing)'}. "
                "Collect the input into memory (e.g. .compute()) first"
            ) from None


_REGISTRY: dict[str, Backend] = {}


def register(backend: Backend) -> None:
    """Register ``backend`` (replacing one of the same name)."""
    _REGISTRY[backend.name] = backend


def unregister(name: str) -> None:
    """Remove the backend registered under ``name`` (no error if there is none)."""
    _REGISTRY.pop(name, None)


def registered() -> tuple[str, ...]:
    """Names of the registered backends."""
    return tuple(_REGISTRY)


def _root_package(obj: Any) -> str:
    return (type(obj).__module__ or "").partition(".")[0]


def _discover(roots: set[str]) -> None:
    """Import the declared backends whose name is the root package of one of the inputs."""
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in roots and ep.name not in _REGISTRY:
            _load(ep)


def _load(ep: EntryPoint) -> None:
    """Import a declared backend's module (which registers it); :class:`PluginError` naming the
    entry point and its distribution if that fails."""
    try:
        ep.load()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # (SystemExit too: a backend cannot end the program)
        dist = ep.dist.metadata["Name"] if ep.dist is not None else None
        raise PluginError(
            f"the backend entry point {ep.name} = {ep.value!r} (group {ENTRY_POINT_GROUP!r}, "
            f"distribution {dist!r}) failed to import: {exc!r}; reinstall or uninstall "
            f"{dist or 'the distribution'}, or set {DISABLE_BACKENDS}=1 to stop looking for backends",
            plugin=ep.name,
        ) from exc


def find(*inputs: Any) -> Backend | None:
    """The backend that takes any of ``inputs``, or ``None`` (compute in memory).

    ``None`` inputs are ignored.  Plain Python, numpy, pandas, Polars and PyArrow inputs never
    trigger a discovery: only an input whose type comes from a package that a backend is
    declared for does.  ``ALIGNMENT_DISABLE_BACKENDS`` is read first, whatever the inputs: a
    value that is not a flag is refused (:class:`ParameterError`) before any input is looked at.
    """
    disabled = env_flag(DISABLE_BACKENDS)
    present = [x for x in inputs if x is not None]
    roots = {_root_package(x) for x in present}
    roots -= {"builtins", "numpy", "pandas", "polars", "pyarrow", "alignment"}
    if roots and not disabled:
        _discover(roots)
    for backend in _REGISTRY.values():
        if any(backend.accepts(x) for x in present):
            return backend
    return None
