"""The built-in scorers, registered through the plugin hook like any third party's.

Listed in :data:`alignment.plugins.DEFAULT_PLUGINS`.
"""

from __future__ import annotations

from ..hookspecs import RegisterCallback, hookimpl

__all__ = ["register_scorers"]


@hookimpl
def register_scorers(register: RegisterCallback) -> None:
    """Register the fit × interest grid (``"grid"``) and the logistic scorer (``"logistic"``)."""
    from ._grid import FitInterestGrid
    from ._logistic import LogisticScorer

    register(FitInterestGrid, name="grid", aliases=("fit_interest", "fit_interest_grid"))
    register(LogisticScorer, name="logistic", aliases=("logistic_regression",))
