"""The checks of :func:`alignment.report.build_report`'s arguments, before anything is built.

A result passed by keyword is the engine's result (or, for ``attribution=``, a mapping of model
names to results): an object offering what the report reads of it.  Anything else is a
:class:`~alignment.errors.ParameterError` naming the parameter and what it takes, never an
``AttributeError`` from deep inside a section.  The
footer's time stamp is read as the library reads every instant parameter.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._params import is_integer
from ..errors import AlignmentWarning, ParameterError

__all__ = ["check_models", "check_results", "check_rows", "stamp"]

#: the parts of ``accounts=`` (each takes the result of the same name in :data:`_TAKES`)
_ACCOUNT_PARTS = ("account", "mql", "engagement")

#: per result parameter: what it takes (for the message) and the attributes the report reads
#: of it (a result is read through them: any object that has them is reported, as the
#: engines' results and their Dask twins are)
_TAKES: dict[str, tuple[str, tuple[str, ...]]] = {
    "funnel": ("a FunnelObservation (alignment.funnel.observe)", ("to_frame",)),
    "plan": ("a Plan (alignment.funnel.plan or plan_from)", ("to_frame", "revenue_target")),
    "attribution": (
        "an AttributionResult (alignment.attribute)",
        ("totals", "converted_revenue", "unattributed"),
    ),
    "scores": ("a ScoreResult (alignment.score)", ("conversion",)),
    "sla": ("an SLAReport (alignment.sla.evaluate)", ("to_frame", "summary", "periods")),
    "closed_loop": (
        "a ClosedLoopReport (alignment.closed_loop)",
        ("table", "rejection_reasons", "duplicates"),
    ),
    "account": ("an AttributionResult (alignment.attribute)", ("totals", "unattributed")),
    "mql": ("an AttributionResult (alignment.attribute)", ("totals", "unattributed")),
    "engagement": (
        "an AccountEngagement (alignment.scoring.account_engagement)",
        ("to_frame", "summary", "key"),
    ),
}


def _is(value: Any, name: str) -> bool:
    """Whether ``value`` is what parameter ``name`` takes (it has what the report reads)."""
    return all(hasattr(value, a) for a in _TAKES[name][1])


def _refuse(name: str, value: Any, expects: str, fix: str = "") -> ParameterError:
    return ParameterError(
        f"build_report: {name}= takes {expects}, got {type(value).__name__}"
        + (f"; {fix}" if fix else "")
    )


def check_results(given: Mapping[str, Any], *, bundle: bool) -> None:
    """Each result given is of the kind its parameter takes.

    ``sla=`` with a bundle also takes an agreement (evaluated on the bundle, and checked
    there); ``attribution=`` takes one result or a non-empty mapping of model names to results;
    ``accounts=`` a mapping of ``"account"``, ``"mql"`` and ``"engagement"`` to their results
    (or None).

    Raises
    ------
    ParameterError
        Naming the parameter, what it takes and the type given.
    """
    for name in ("funnel", "plan", "scores", "closed_loop", "sla"):
        value = given.get(name)
        if value is None or _is(value, name):
            continue
        if name == "sla" and bundle:
            continue  # an agreement to evaluate on the bundle (read by alignment.sla)
        fix = (
            "an agreement (SLA, dict or path) is evaluated only with a bundle: "
            "build_report(crm, sla=...)"
            if name == "sla"
            else ""
        )
        raise _refuse(name, value, _TAKES[name][0], fix)
    _check_attribution(given.get("attribution"))
    _check_accounts(given.get("accounts"))


def _check_attribution(value: Any) -> None:
    if value is None or _is(value, "attribution"):
        return
    expects = f"{_TAKES['attribution'][0]} or a mapping of model names to them"
    if not isinstance(value, Mapping):
        fix = (
            "pass a result, e.g. attribution=alignment.attribute(crm, model='linear'); with a "
            "bundle, choose the models with models=[...]"
        )
        raise _refuse("attribution", value, expects, fix)
    if not value:
        raise ParameterError("build_report: attribution is an empty mapping")
    for key, result in value.items():
        if not isinstance(key, str):
            raise ParameterError(
                f"build_report: attribution= takes {expects}; the key {key!r} is not a str"
            )
        if not _is(result, "attribution"):
            raise ParameterError(
                f"build_report: attribution= takes {expects}; its entry {key!r} is "
                f"{type(result).__name__}"
            )


def _check_accounts(value: Any) -> None:
    if value is None:
        return
    expects = "a mapping of 'account', 'mql' and 'engagement' to their results (or None)"
    if not isinstance(value, Mapping):
        raise _refuse("accounts", value, expects)
    unknown = [k for k in value if k not in _ACCOUNT_PARTS]
    if unknown:
        raise ParameterError(
            f"build_report: accounts= has unknown part(s) {unknown!r}; it takes {expects}"
        )
    for part, result in value.items():
        if result is not None and not _is(result, part):
            raise ParameterError(
                f"build_report: accounts[{part!r}] takes {_TAKES[part][0]} or None, got "
                f"{type(result).__name__}"
            )


def check_rows(value: Any) -> int:
    """``closed_loop_rows``: a non-negative integer (Python or numpy; not a bool)."""
    if not is_integer(value) or value < 0:
        raise ParameterError(
            f"build_report: closed_loop_rows must be a non-negative integer (rows of the "
            f"closed-loop table shown, largest revenue first), got {value!r}"
        )
    return int(value)


def check_models(models: Any) -> list[str] | None:
    """``models``: ``None`` or a sequence of model names; one string is not read letter by
    letter (pass ``["linear"]``), as every parameter of several names refuses one string."""
    if models is None:
        return None
    if isinstance(models, str) or not isinstance(models, (Sequence, np.ndarray)):
        raise ParameterError(
            f"build_report: models= takes a sequence of attribution model names, got "
            f"{models!r}; e.g. models=[{models!r}]"
            if isinstance(models, str)
            else f"build_report: models= takes a sequence of attribution model names, got "
            f"{type(models).__name__}"
        )
    names = list(models)
    bad = [m for m in names if not isinstance(m, str)]
    if bad:
        raise ParameterError(
            f"build_report: models= takes attribution model names (str), got {bad[0]!r}"
        )
    return names


def stamp(generated_at: Any) -> str:
    """The footer's time stamp, ``YYYY-MM-DD HH:MM UTC``: now by default; a timezone-aware
    value (or a string with an offset) converted to UTC; a naive one read as UTC, with an
    :class:`~alignment.errors.AlignmentWarning` saying so (as every naive instant argument
    read without ``tz=``).

    Raises
    ------
    ParameterError
        A value that is not an instant (a datetime, datetime64, ISO string or epoch seconds).
    """
    import datetime as _dt

    from .._time import read_instant

    if generated_at is None:
        when = np.datetime64(_dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None), "m")
    else:
        instant, aware = read_instant(generated_at, name="build_report: generated_at")
        if aware is False:
            warnings.warn(
                f"build_report: generated_at {generated_at!r} is naive (no time zone) and was "
                "read as UTC; fix: give it a time zone (e.g. datetime.timezone.utc) or an "
                "offset",
                AlignmentWarning,
                stacklevel=3,
            )
        when = instant.astype("datetime64[m]")
    return f"{np.datetime_as_string(when, unit='m').replace('T', ' ')} UTC"
