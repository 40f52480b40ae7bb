"""Attribution: credit converted revenue to the touches and channels that preceded it.

The entry point is :func:`attribute`; it returns an :class:`AttributionResult`, and
:func:`compare` puts several results side by side.  The built-in
rule-based models are exported here; every model (built-in or from a plugin) can also be given
by its registered name (``alignment.attribution_models()``).

See ``docs/attribution/index.md`` and ``docs/attribution/rules.md``.
"""

from __future__ import annotations

from ._compare import compare
from ._engine import attribute
from ._markov import MarkovAttribution
from ._result import AttributionResult, Unattributed
from ._rules import (
    FirstTouch,
    FullPath,
    InverseJShaped,
    JShaped,
    LastNonDirect,
    LastTouch,
    Linear,
    PositionBased,
    RuleModel,
    TimeDecay,
    WShaped,
)
from ._shapley import ShapleyAttribution

__all__ = [
    "AttributionResult",
    "FirstTouch",
    "FullPath",
    "InverseJShaped",
    "JShaped",
    "LastNonDirect",
    "LastTouch",
    "Linear",
    "MarkovAttribution",
    "PositionBased",
    "RuleModel",
    "ShapleyAttribution",
    "TimeDecay",
    "Unattributed",
    "WShaped",
    "attribute",
    "compare",
]
