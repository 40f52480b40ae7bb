"""Calls of third-party models and scorers: they cannot break the books.

A model or scorer from outside the library (a plugin's, or an instance the caller passes) is
called on inputs it cannot alter: every array it receives is a read-only view (or a read-only
copy when numpy would let it force the view writeable into the caller's memory), every dict
container is its own copy, so a key it adds or removes does not leak into the caller's tables or
later results.  A change to what it received (forcing an array writeable and writing, a key added
to a container) or to its own parameters is detected after the call and refused.  Its exceptions
become a :class:`alignment.errors.PluginError` naming the model and its plugin, the cause chained.
The library's own models are called directly (no copies, no checks).  What a model returns as
numbers is read by :func:`real_numbers` (its ``__array__`` is its own code too).  The registry
guards the one call it makes itself, a third party's constructor or factory building a model by
name (:func:`alignment._registrations.guarded_build`, below this module in the imports).  The
engines' other calls into a model go through this module too: its parameters
(:func:`guarded_params`, :func:`guarded_set_params`), a copy of it (:func:`guarded_clone`) and
its ``repr`` (:func:`guarded_repr`).

The same fingerprints serve the conformance kit (:mod:`alignment.testing`), which calls a model
directly on real tables and reports the container it changed or the parameter that drifted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import inspect
import numbers
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar, cast

import numpy as np

from ._columns import Categorical, DeferredCategorical
from ._registrations import guarded_build
from .base import Estimator, clone
from .errors import AlignmentError, PluginError
from .plugins import Kind, _failure

__all__ = [
    "Fingerprint",
    "Params",
    "describe_change",
    "failing",
    "fingerprint",
    "guarded_call",
    "guarded_clone",
    "guarded_params",
    "guarded_repr",
    "guarded_set_params",
    "is_builtin",
    "param_change",
    "params_of",
    "plugin_exceptions",
    "plugin_failure",
    "real_numbers",
    "rounding_tolerance",
    "shielded",
]

#: name of an input part -> what it was (a digest of an array, the keys of a container)
Fingerprint = dict[str, Any]
#: parameter name -> (value, its repr, the fingerprint of the arrays it holds)
Params = dict[str, tuple[Any, str, Fingerprint]]

#: how deep tables are walked (a table, its containers, their categoricals)
_DEPTH = 4
_E = TypeVar("_E", bound=Estimator)


def is_builtin(model: Any) -> bool:
    """Whether the model's class is one of the library's own.

    Parameters
    ----------
    model : object
        A model or scorer instance.

    Returns
    -------
    bool
        ``True`` when its class is defined in a module of :mod:`alignment`.
    """
    return type(model).__module__.startswith("alignment.")


def plugin_failure(kind: Kind, name: str, problem: str) -> PluginError:
    """The :class:`PluginError` of a model: names the model and the plugin that registered it.

    Parameters
    ----------
    kind : {"attribution model", "scorer"}
        The registry the model belongs to.
    name : str
        The model's registered name (or its class name when it is not registered).
    problem : str
        What it did, completing ``"<kind> '<name>' ..."``.

    Returns
    -------
    PluginError
        With ``plugin`` the registering plugin's name (the model's name when unregistered).
    """
    return _failure(kind, name, problem)


def failing(kind: Kind, model: Any) -> Callable[[str], PluginError]:
    """``fail(problem)`` for :func:`guarded_call`: the :func:`plugin_failure` of ``model``.

    Parameters
    ----------
    kind : {"attribution model", "scorer"}
        The registry the model belongs to.
    model : object
        The model; named by its registered ``name``, else its class name.

    Returns
    -------
    callable
        ``problem -> PluginError``.
    """
    name = str(getattr(model, "name", "") or type(model).__name__)
    return functools.partial(plugin_failure, kind, name)


@contextlib.contextmanager
def plugin_exceptions(method: str, fail: Callable[[str], PluginError]) -> Iterator[None]:
    """A block calling a third party's ``method``: its exception becomes its :class:`PluginError`.

    Parameters
    ----------
    method : str
        The method called in the block, for the message (``"merge_stats"``).
    fail : callable
        ``fail(problem)`` builds the :class:`PluginError` naming the model and its plugin.

    Raises
    ------
    PluginError
        ``raised <Type> in <method>(): <message>``, the exception chained as its cause; an
        :class:`AlignmentError` raised in the block passes as it is.
    """
    try:
        yield
    except AlignmentError:
        raise
    except Exception as exc:
        raise fail(f"raised {type(exc).__name__} in {method}(): {exc}") from exc


# ----------------------------------------------------------------------------------------------
# read-only stand-ins


def _read_only(a: np.ndarray) -> np.ndarray:
    """A read-only view; a read-only copy when the view could be forced writeable.

    numpy lets ``flags.writeable = True`` succeed on a view whose base chain reaches writeable
    memory (e.g. a table's view of the caller's array): such an array is copied.
    """
    probe: np.ndarray = a.view()
    try:
        probe.flags.writeable = True
    except ValueError:
        return probe  # stays read-only: nothing writeable behind it
    safe = a.copy()
    safe.flags.writeable = False
    out: np.ndarray = safe.view()
    out.flags.writeable = False
    return out


def shielded(value: Any, depth: int = _DEPTH) -> Any:
    """The same value, as the model may see it: read-only arrays and its own containers.

    Parameters
    ----------
    value : object
        An input of a model call: an array, a dict, a table (a dataclass such as
        :class:`alignment.Journeys` or :class:`alignment.LeadTable`), or anything else.
    depth : int
        How deep tables and containers are walked.

    Returns
    -------
    object
        Arrays become read-only views, dicts become new dicts of shielded values, dataclass
        tables are rebuilt with shielded fields (a deferred text column is made first: a
        :class:`~alignment._columns.Categorical` of its codes and categories); other values are
        returned as they are.
    """
    if isinstance(value, np.ndarray):
        return _read_only(value)
    if depth <= 0:
        return value
    if isinstance(value, dict):
        return {k: shielded(v, depth - 1) for k, v in value.items()}
    if isinstance(value, DeferredCategorical):  # (made: its constructor takes no fields)
        value = Categorical(value.codes, value.categories, value.sort_keys)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: shielded(getattr(value, f.name), depth - 1)
            for f in dataclasses.fields(value)
            if f.init
        }
        return dataclasses.replace(value, **changes)
    return value


# ----------------------------------------------------------------------------------------------
# fingerprints


def _digest(a: np.ndarray) -> tuple[Any, ...]:
    """Dtype, shape and a digest of the bytes (object arrays: of their element pointers)."""
    flat = np.ascontiguousarray(a).reshape(-1)
    data = flat.tobytes() if flat.dtype.hasobject else flat.view(np.uint8).data
    return (str(a.dtype), a.shape, hashlib.blake2b(data, digest_size=16).digest())


def _walk(value: Any, name: str, out: Fingerprint, depth: int) -> None:
    if isinstance(value, np.ndarray):
        out[name] = _digest(value)
    elif depth <= 0:
        return
    elif isinstance(value, Mapping):
        out[name] = ("keys", tuple(value))
        for k, v in value.items():
            _walk(v, f"{name}[{k!r}]", out, depth - 1)
    elif isinstance(value, (list, tuple)):
        out[name] = ("items", len(value))
        for i, v in enumerate(value):
            _walk(v, f"{name}[{i}]", out, depth - 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _walk(getattr(value, f.name, None), f"{name}.{f.name}", out, depth - 1)


def fingerprint(inputs: Mapping[str, Any]) -> Fingerprint:
    """What the inputs hold: a digest of every array, the keys of every container.

    Parameters
    ----------
    inputs : mapping of str to object
        Input name (``"journeys"``, ``"leads"`` …) → value.

    Returns
    -------
    dict
        Part name (``"journeys.touch_numeric"``, ``"leads.numeric['size']"`` …) → what it holds;
        compare two with :func:`describe_change`.
    """
    out: Fingerprint = {}
    for name, value in inputs.items():
        _walk(value, name, out, _DEPTH)
    return out


def describe_change(before: Fingerprint, after: Fingerprint) -> str | None:
    """The first difference between two fingerprints, in words (``None`` when there is none).

    Parameters
    ----------
    before, after : dict
        Fingerprints of the same inputs (:func:`fingerprint`).

    Returns
    -------
    str or None
        E.g. ``"journeys.touch_numeric: key(s) added ['leak']"`` or
        ``"journeys.revenue: values changed"``.
    """
    for name, was in before.items():
        now = after.get(name)
        if now == was:
            continue
        if isinstance(was, tuple) and was and was[0] == "keys" and now is not None:
            added = [k for k in now[1] if k not in was[1]]
            removed = [k for k in was[1] if k not in now[1]]
            parts = [f"key(s) added {added}"] if added else []
            parts += [f"key(s) removed {removed}"] if removed else []
            return f"{name}: {', '.join(parts) or 'keys reordered'}"
        if now is None:
            return f"{name}: removed"
        return f"{name}: values changed"
    return None


# ----------------------------------------------------------------------------------------------
# parameters


def params_of(model: Any) -> Params | None:
    """The model's parameters with their ``repr`` (``None`` when they cannot be listed).

    Parameters
    ----------
    model : object
        A model or scorer.

    Returns
    -------
    dict or None
        Parameter name → (value, ``repr(value)``, :func:`fingerprint` of the value); the
        ``repr`` catches a change made in place (an item added to a list parameter), the
        fingerprint one made in place in an array (whose ``repr`` abbreviates a large one).
    """
    try:
        return _with_reprs(model.get_params())
    except Exception:  # a model whose parameters cannot be listed: nothing to compare
        return None


def _with_reprs(params: Mapping[str, Any]) -> Params:
    return {k: (v, repr(v), fingerprint({k: v})) for k, v in params.items()}


def _equal(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(np.array_equal(a, b)) if isinstance(a, np.ndarray) else bool(a == b)
    except Exception:  # incomparable values
        return False


def param_change(before: Params | None, after: Params | None) -> str | None:
    """The first parameter that differs between two :func:`params_of`, in words.

    Parameters
    ----------
    before, after : dict or None
        The parameters before and after a call.

    Returns
    -------
    str or None
        E.g. ``"parameter 'scale' changed from 1.0 to 2.0"``; ``None`` when nothing changed
        (or the parameters could not be listed).
    """
    if before is None or after is None:
        return None
    for key in (*before, *(k for k in after if k not in before)):
        if key not in after:
            return f"parameter {key!r} removed"
        if key not in before:
            return f"parameter {key!r} added"
        (was, was_repr, was_held), (now, now_repr, now_held) = before[key], after[key]
        if not _equal(was, now) or was_repr != now_repr:
            return f"parameter {key!r} changed from {was_repr:.80} to {now_repr:.80}"
        in_place = describe_change(was_held, now_held)
        if in_place is not None:
            return f"parameter {key!r} changed in place ({in_place})"
    return None


def guarded_params(model: Any, fail: Callable[[str], PluginError]) -> dict[str, Any]:
    """``model.get_params()``, guarded for a third-party model.

    Parameters
    ----------
    model : object
        The model or scorer.
    fail : callable
        ``fail(problem)`` builds the :class:`PluginError` naming the model and its plugin.

    Returns
    -------
    dict
        A new dict of parameter name → value.

    Raises
    ------
    PluginError
        ``get_params()`` raised, or returned something other than a mapping of parameter
        names (strings).
    """
    if is_builtin(model):
        return dict(model.get_params())
    with plugin_exceptions("get_params", fail):
        params = model.get_params()
        out = dict(params) if isinstance(params, Mapping) else None
    if out is None or not all(isinstance(k, str) for k in out):
        what = type(params).__name__ if out is None else "a dict with a key that is not a string"
        raise fail(
            f"get_params() returned {what}; it must return a dict of parameter name (str) -> "
            "value (alignment.base.Estimator.get_params does)"
        )
    return out


def _checked_params(model: Any, fail: Callable[[str], PluginError]) -> Params:
    """:func:`params_of` a third-party model whose parameters must be readable."""
    params = guarded_params(model, fail)
    with plugin_exceptions("get_params", fail):  # (a parameter's repr is its code too)
        return _with_reprs(params)


def guarded_set_params(model: _E, fail: Callable[[str], PluginError], **params: Any) -> _E:
    """``model.set_params(**params)``, guarded for a third-party model.

    Parameters
    ----------
    model : object
        The model or scorer (changed in place, as ``set_params`` does).
    fail : callable
        ``fail(problem)`` builds the :class:`PluginError` naming the model and its plugin.
    **params
        The parameters to set.

    Returns
    -------
    object
        The model.

    Raises
    ------
    PluginError
        ``set_params`` raised, did not return the model itself, or left a parameter at
        another value (read back with :func:`guarded_params`).
    """
    if is_builtin(model):
        return model.set_params(**params)
    with plugin_exceptions("set_params", fail):
        out = model.set_params(**params)
    if out is not model:
        raise fail(
            f"set_params() returned {type(out).__name__}; it must return the model itself (self)"
        )
    now = guarded_params(model, fail)
    for key, value in params.items():
        if key not in now or not _equal(now[key], value):
            raise fail(
                f"set_params({key}=...) left {key!r} at {now.get(key, '(absent)')!r:.80}, "
                f"not {value!r:.80}; set_params must store each value it is given"
            )
    return model


def guarded_clone(model: _E, fail: Callable[[str], PluginError]) -> _E:
    """:func:`alignment.base.clone` of a model, guarded for a third-party model.

    Parameters
    ----------
    model : object
        The model or scorer.
    fail : callable
        ``fail(problem)`` builds the :class:`PluginError` naming the model and its plugin.

    Returns
    -------
    object
        An unfitted copy: its class built with its parameters.

    Raises
    ------
    PluginError
        ``get_params()`` failed (see :func:`guarded_params`) or the constructor raised (see
        :func:`alignment._registrations.guarded_build`).
    """
    if is_builtin(model):
        return clone(model)
    return cast("_E", guarded_build(type(model), guarded_params(model, fail), fail))


def guarded_repr(model: Any, fail: Callable[[str], PluginError]) -> str:
    """``repr(model)``, guarded for a third-party model.

    Parameters
    ----------
    model : object
        The model or scorer.
    fail : callable
        ``fail(problem)`` builds the :class:`PluginError` naming the model and its plugin.

    Returns
    -------
    str
        Its ``repr`` (that of :class:`alignment.base.Estimator` reads ``get_params()``).

    Raises
    ------
    PluginError
        ``__repr__`` raised (or did not return a string).
    """
    if is_builtin(model):
        return repr(model)
    with plugin_exceptions("__repr__", fail):
        return repr(model)


# ----------------------------------------------------------------------------------------------
# the guarded call


def _named(
    method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """The call's inputs under the method's parameter names (``argN`` when they cannot bind)."""
    try:
        return dict(inspect.signature(method).bind_partial(*args, **kwargs).arguments)
    except (TypeError, ValueError):
        return {**{f"arg{i}": a for i, a in enumerate(args)}, **kwargs}


def guarded_call(
    model: Any, method: str, *args: Any, fail: Callable[[str], PluginError], **kwargs: Any
) -> Any:
    """``getattr(model, method)(*args, **kwargs)``, guarded for a third-party model.

    Parameters
    ----------
    model : object
        The model or scorer.
    method : str
        The method to call (``"weights"``, ``"score"``, ``"fit"`` …).
    *args, **kwargs
        Its inputs; a third-party model gets :func:`shielded` stand-ins.
    fail : callable
        ``fail(problem)`` builds the :class:`PluginError` naming the model and its plugin (see
        :func:`plugin_failure`).

    Returns
    -------
    object
        What the method returned.

    Raises
    ------
    PluginError
        The model raised (an :class:`AlignmentError` it raises passes as it is), changed its
        inputs or changed its own parameters, or its parameters cannot be read (see
        :func:`guarded_params`: the check of its parameters needs them).
    """
    bound = getattr(model, method)
    if is_builtin(model):
        return bound(*args, **kwargs)
    args = tuple(shielded(a) for a in args)
    kwargs = {k: shielded(v) for k, v in kwargs.items()}
    inputs = _named(bound, args, kwargs)
    before, params = fingerprint(inputs), _checked_params(model, fail)
    with plugin_exceptions(method, fail):
        out = bound(*args, **kwargs)
    change = describe_change(before, fingerprint(inputs))
    if change is not None:
        what = re.split(r"[.\[:]", change, maxsplit=1)[0]
        raise fail(
            f"changed the {what} it was given in {method}() ({change}); a model must only read "
            "its inputs (copy what it needs to change)"
        )
    drift = param_change(params, _checked_params(model, fail))
    if drift is not None:
        raise fail(
            f"changed its own parameters in {method}() ({drift}); store what it learns in "
            "attributes ending in '_', e.g. self.weights_"
        )
    return out


def _not_real(a: np.ndarray) -> list[Any]:
    """The first element of ``a`` that is not a real number (``[]`` when all are)."""
    if a.dtype.kind in "biuf" or a.size == 0:
        return []
    flat = a.reshape(-1)
    if a.dtype.kind != "O":
        return [flat[0].item()]
    return [v for v in flat.tolist() if not isinstance(v, numbers.Real)][:1]


#: the rounding allowed per term of a sum: 4 float64 roundings (2**-52 relative each): one of
#: the term itself (a share times an amount), one of adding it, one of the reference sum and
#: one of margin
_ROUNDINGS_PER_TERM = 4 * float(np.finfo(np.float64).eps)


def rounding_tolerance(expected: float, n_terms: int) -> float:
    """How far a model's total may be from ``expected`` by floating-point rounding alone.

    Summing ``n`` non-negative float64 terms one after the other is exact to ``n`` roundings
    of the total (``n × 2**-52`` relative); a term that is itself a product (a share of a
    journey's revenue) adds one rounding, and the engine's own sum of the same amounts
    another.  So a credit that conserves its total is within
    ``4 × 2**-52 × n_terms × max(|expected|, 1)`` of it: about ``9e-10`` relative at a
    million terms, far below any amount a model could lose by mistake (a unit of revenue in
    a billion is ``1e-9``).

    Parameters
    ----------
    expected : float
        The total the model must conserve.
    n_terms : int
        How many terms add up to it (touches credited, plus channels summed).

    Returns
    -------
    float
        The absolute tolerance (> 0).
    """
    return _ROUNDINGS_PER_TERM * max(int(n_terms), 1) * max(abs(float(expected)), 1.0)


def real_numbers(value: Any, what: str, fail: Callable[[str], PluginError]) -> np.ndarray:
    """What a model returned as numbers, as ``float64``; refused unless its values are real
    numbers.

    Ints, floats and flags (arrays, lists or Python numbers) are numbers; text (even
    ``"1.0"``), complex numbers, ``None`` and other objects are not: nothing is converted
    behind the model's back.  Converting the value calls the model's own code (an
    ``__array__``): an exception it raises is the model's failure too.

    Parameters
    ----------
    value : object
        What the model returned.
    what : str
        What the values are, for the message (``"weights"``, ``"revenue credit"``).
    fail : callable
        ``fail(problem)`` builds the :class:`PluginError` naming the model and its plugin.

    Returns
    -------
    ndarray of float64
        The values (same shape).

    Raises
    ------
    PluginError
        The value cannot be read as an array, or holds something that is not a real number.
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise fail(
            f"returned {what} that cannot be read as numbers "
            f"({type(value).__name__}: {type(exc).__name__}: {exc})"
        ) from exc
    bad = _not_real(arr)
    if bad:
        raise fail(
            f"returned {what} holding a value that is not a real number: {bad[0]!r:.60} "
            f"({type(bad[0]).__name__}); return float64 values"
        )
    try:
        return arr.astype(np.float64)
    except (OverflowError, TypeError, ValueError) as exc:  # e.g. an int beyond float range
        raise fail(f"returned {what} that are not float64 numbers ({exc})") from exc
