"""Hook specifications of :mod:`alignment` (specs only).

Plugins implement these with the :data:`alignment.hookimpl` marker.  Each hook receives a
``register`` callback from the host so that every registration is validated in one place::

    register(cls_or_factory, *, name, aliases=())

The built-in models are registered through exactly these hooks.
"""

from __future__ import annotations

from typing import Any, Protocol

import pluggy

__all__ = [
    "RegisterCallback",
    "hookimpl",
    "hookspec",
    "register_attribution_models",
    "register_scorers",
]

hookspec = pluggy.HookspecMarker("alignment")
"""The marker of the hook specifications (:mod:`alignment.hookspecs`); plugins use
:data:`hookimpl`."""
hookimpl = pluggy.HookimplMarker("alignment")
"""The marker plugin authors put on their hook implementations."""


class RegisterCallback(Protocol):
    """The ``register`` callable passed to the ``register_*`` hooks."""

    def __call__(self, cls_or_factory: Any, *, name: str, aliases: tuple[str, ...] = ()) -> None:
        """Register a model class (or a zero-argument-compatible factory) under ``name``."""


@hookspec
def register_attribution_models(register: RegisterCallback) -> None:
    """Register attribution models.

    Call ``register(cls, name="my_model", aliases=("alias",))`` once per model.  ``cls`` must
    satisfy the :class:`alignment.base.AttributionModel` contract: calling it with keyword
    parameters returns a model whose ``weights(journeys)`` (rule-based) or
    ``channel_credit(journeys)`` (data-driven) method computes credit.

    Parameters
    ----------
    register : RegisterCallback
        Host callback; raises :class:`alignment.PluginError` on an invalid or duplicate name.
    """


@hookspec
def register_scorers(register: RegisterCallback) -> None:
    """Register lead scorers.

    Call ``register(cls, name="my_scorer", aliases=())`` once per scorer.  ``cls`` must satisfy
    the :class:`alignment.base.Scorer` contract: ``fit(...)`` returns ``self`` and
    ``score(leads, touchpoints=None)`` returns per-lead arrays including ``"score"``.

    Parameters
    ----------
    register : RegisterCallback
        Host callback; raises :class:`alignment.PluginError` on an invalid or duplicate name.
    """
