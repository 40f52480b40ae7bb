"""The built-in attribution models, registered through the plugin hook like any third party's.

Listed in :data:`alignment.plugins.DEFAULT_PLUGINS`.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..hookspecs import RegisterCallback, hookimpl

__all__ = ["register_attribution_models"]

#: data-driven built-ins: registry name → (module, class)
_DATA_DRIVEN: dict[str, tuple[str, str]] = {
    "markov": ("alignment.attribution._markov", "MarkovAttribution"),
    "shapley": ("alignment.attribution._shapley", "ShapleyAttribution"),
}


def _optional(module: str, cls: str) -> Any:
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:  # not written yet: skip, but never hide a broken import inside
            return None
        raise
    return getattr(mod, cls)


@hookimpl
def register_attribution_models(register: RegisterCallback) -> None:
    """Register every built-in attribution model."""
    from . import _rules as r

    register(r.FirstTouch, name="first", aliases=("first_touch",))
    register(r.LastTouch, name="last", aliases=("last_touch",))
    register(r.Linear, name="linear")
    register(r.TimeDecay, name="time_decay")
    register(r.PositionBased, name="position_based", aliases=("u_shaped",))
    register(r.JShaped, name="j_shaped")
    register(r.InverseJShaped, name="inverse_j", aliases=("inverse_j_shaped",))
    register(r.WShaped, name="w_shaped")
    register(r.FullPath, name="full_path")
    register(r.LastNonDirect, name="last_non_direct")
    for name, (module, cls_name) in _DATA_DRIVEN.items():
        cls = _optional(module, cls_name)
        if cls is not None:
            register(cls, name=name)
