"""Conformance checks of what a model must leave alone: its inputs' containers, its parameters.

The engines refuse a third-party model that changes its inputs or its own parameters (see
:mod:`alignment._guard`); these checks find it first, calling the model directly on real tables
and naming the call, the container or the parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .._guard import describe_change, fingerprint, param_change, params_of
from ..base import Scorer
from ._data import make_lead_data
from ._kit import _fail, _fresh, _is_touch, _journeys, _lead_table, _standard_journeys

__all__ = ["check_no_container_mutation", "check_no_param_drift"]

#: (what the call is, the call, its inputs by name)
_Call = tuple[str, Callable[[], Any], dict[str, Any]]


def _calls(model: Any) -> Iterator[_Call]:
    """The calls an engine makes on the model, in order: ``fit``, then two uses."""
    if isinstance(model, Scorer):
        leads, touchpoints, y = make_lead_data()
        table, journeys = _lead_table(leads), _journeys(touchpoints)
        inputs: dict[str, Any] = {"leads": table, "touchpoints": journeys, "y": y}
        yield "fit()", lambda: model.fit(table, y, touchpoints=journeys), inputs
        for which in ("the first", "a second"):
            yield f"{which} score()", lambda: model.score(table, journeys), inputs
        return
    journeys_ = _standard_journeys()
    use = "weights" if _is_touch(model) else "channel_credit"
    inputs = {"journeys": journeys_}
    yield "fit()", lambda: model.fit(journeys_), inputs
    for which in ("the first", "a second"):
        yield f"{which} {use}()", lambda: getattr(model, use)(journeys_), inputs


def check_no_container_mutation(model: Any) -> None:
    """No call adds, removes or replaces an entry of an input's containers, nor writes an array.

    The containers are the dict fields of the tables (``journeys.touch_numeric``,
    ``touch_columns``, ``anchors``, ``journey_columns``; ``leads.stages``, ``categorical``,
    ``numeric``): a key a model adds would leak into the caller's table and later results.
    """
    model = _fresh(model)
    for call, run, inputs in _calls(model):
        before = fingerprint(inputs)
        run()
        change = describe_change(before, fingerprint(inputs))
        if change is not None:
            raise _fail(
                model,
                f"{call} changed its input ({change}); a model must only read its inputs "
                "(copy a container before adding to it)",
            )


def check_no_param_drift(model: Any) -> None:
    """``get_params()`` is the same after ``fit``, after a use and after a second use."""
    model = _fresh(model)
    params = params_of(model)
    for call, run, _ in _calls(model):
        run()
        drift = param_change(params, params_of(model))
        if drift is not None:
            raise _fail(
                model,
                f"{drift} by {call}; parameters are the caller's settings: store what the "
                "model learns in attributes ending in '_' (e.g. self.scale_)",
            )
