"""Lead scoring: personas, the fit × interest grid, a logistic scorer and evaluation metrics.

>>> import alignment
>>> leads = {"lead_id": ["a", "b"], "created_at": ["2024-01-01", "2024-01-02"],
...          "title": ["VP Sales", "Intern"]}
>>> touches = {"lead_id": ["a", "a", "b"], "channel": ["web", "web", "web"],
...            "kind": ["form", "webinar", "page_view"],
...            "timestamp": ["2024-01-03", "2024-01-04", "2024-01-04"]}
>>> result = alignment.score(leads, touches, scorer="grid",
...     fit_rules=[{"column": "title", "contains": ["vp"], "points": 30}])
>>> result.to_frame()["cell"].tolist()
['A2', 'D4']

See ``docs/scoring/`` for the formulas and worked examples.
"""

from __future__ import annotations

from typing import Any, Literal

from .._backends import find as find_backend
from .._options import reads_options
from . import metrics
from ._accounts import (
    DEFAULT_ROLES_REQUIRED,
    DEFAULT_TIERS,
    AccountEngagement,
    account_engagement,
)
from ._breakdown import warn_unmatched
from ._encoder import LeadEncoder
from ._grid import DEFAULT_INTEREST_POINTS, GRADES, FitInterestGrid, decay_factor, default_actions
from ._logistic import LogisticScorer, logistic_objective
from ._personas import PersonaMatch, assign_personas, match_personas
from ._result import ScoreResult
from ._rules import Rule

__all__ = [
    "DEFAULT_INTEREST_POINTS",
    "DEFAULT_ROLES_REQUIRED",
    "DEFAULT_TIERS",
    "GRADES",
    "AccountEngagement",
    "FitInterestGrid",
    "LeadEncoder",
    "LogisticScorer",
    "PersonaMatch",
    "Rule",
    "ScoreResult",
    "account_engagement",
    "assign_personas",
    "decay_factor",
    "default_actions",
    "logistic_objective",
    "match_personas",
    "metrics",
    "score",
]


def _bundle(leads: Any, touchpoints: Any) -> tuple[Any, Any]:
    """A CRMData bundle's leads and touchpoints (when it has any and none were passed)."""
    from .._crm import is_crm

    if not is_crm(leads):
        return leads, touchpoints
    if touchpoints is None and leads._rows("touchpoints"):  # (its strings not written)
        touchpoints = leads._coded_table("touchpoints")
    return leads._coded_table("leads"), touchpoints


@reads_options
def score(
    leads: Any,
    touchpoints: Any = None,
    *,
    scorer: Any = "grid",
    tz: str | None = None,
    normalize: Literal["casefold"] | None = None,
    **params: Any,
) -> ScoreResult:
    """Score leads with a registered scorer.

    Parameters
    ----------
    leads : LeadTable, CRMData, frame, dict of arrays, or sequence of alignment.Lead
        One row per lead (see :meth:`alignment.LeadTable.build`).  A
        :class:`alignment.io.CRMData` bundle gives its leads, and its touchpoints unless
        ``touchpoints`` is passed (none when the bundle has no touch).
    touchpoints : Journeys, frame, dict, or sequence of alignment.Touchpoint, optional
        The leads' touches (journey key = lead id; columns ``lead_id``, ``timestamp``,
        ``channel`` and optionally ``kind``), or an :class:`alignment.ActivityLog` of sales
        activities (points per activity ``kind``).  Touches of leads not in ``leads`` are not
        scored; they are counted in ``result.diagnostics`` and an
        :class:`alignment.AlignmentWarning` is issued.
    scorer : str or Scorer, default "grid"
        A registered name (``"grid"``, ``"logistic"``, a plugin's) or a scorer instance (a
        :class:`LogisticScorer` must be fitted first).
    tz : str, optional
        IANA zone of naive instants (e.g. ``"America/New_York"``); default UTC, with a warning.
    normalize : {"casefold"}, optional
        Fold the spellings of channel, source and campaign (``"PAID_SEARCH"`` -> ``"paid
        search"``); see "Time zones and formats" and "Category spellings" in the tables guide.
    **params
        Constructor parameters when ``scorer`` is a name.

    Returns
    -------
    ScoreResult
        Per-lead columns in the caller's row order; ``to_frame()``, ``summary()``,
        ``explain(lead_id)``.

    Raises
    ------
    UnknownModelError
        Unknown scorer name.
    NotFittedError
        A scorer that needs fitting has not been fitted.
    PluginError
        A scorer from outside the library (a plugin's, or an instance passed in) raised, changed
        the tables it was given or its own parameters, or returned output that breaks the
        :class:`alignment.base.Scorer` contract (missing ``"score"``, wrong length, non-finite
        scores); the message names the scorer and its plugin, the cause is chained.
    """
    leads, touchpoints = _bundle(leads, touchpoints)
    backend = find_backend(leads, touchpoints)
    if backend is not None:
        return backend.operation("score")(leads, touchpoints, scorer=scorer, **params)  # type: ignore[no-any-return]
    result = score_tables(leads, touchpoints, scorer=scorer, **params)
    warn_unmatched(result.diagnostics, stacklevel=3)
    return result


def _touch_labels(model: Any) -> list[str] | None:
    """The touch label columns to keep for ``model``: the defaults (``None``), or those and
    the kind column the caller named (``kind_column="type"``), which the defaults leave out."""
    kind = getattr(model, "kind_column", "kind")
    if not isinstance(kind, str) or kind in ("kind", "channel"):
        return None
    return [kind]


def score_tables(
    leads: Any, touchpoints: Any = None, *, scorer: Any = "grid", **params: Any
) -> ScoreResult:
    """:func:`score` of in-memory tables, without its warning about touches of unknown leads.

    Used by alignment.dask: each partition is scored with it, and the warning is issued once
    for the whole run, from the diagnostics of every partition merged
    (:func:`~alignment.scoring._breakdown.warn_unmatched`).  Arguments, result and errors are
    those of :func:`score` (in memory, within the reading options in force).
    """
    from .._guard import failing, guarded_call, is_builtin
    from ..errors import DataValidationError, ParameterError
    from ..plugins import get_scorer
    from ..tables import ActivityLog, Journeys, LeadTable

    model = get_scorer(scorer, **params)
    table = leads if isinstance(leads, LeadTable) else LeadTable.build(leads)
    journeys: Any = None
    if touchpoints is not None:
        if isinstance(touchpoints, (Journeys, ActivityLog)):
            journeys = touchpoints
        else:
            journeys = Journeys.build(touchpoints, touch_categorical=_touch_labels(model))
    if getattr(type(model), "requires_fit", False):
        from ..base import check_is_fitted

        check_is_fitted(model)
    fail = failing("scorer", model)
    if callable(getattr(model, "score_details", None)):
        out = guarded_call(model, "score_details", table, journeys, fail=fail)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise fail(f"score_details() returned {type(out).__name__}; expected (columns, info)")
        columns, info = out
    else:
        if isinstance(journeys, ActivityLog):
            raise ParameterError(
                f"scorer {type(model).__name__} takes touchpoints (Journeys), not an ActivityLog"
            )
        columns, info = guarded_call(model, "score", table, journeys, fail=fail), {}
    try:
        result = ScoreResult(
            table.ids,
            columns,
            scorer=model,
            leads=table,
            touchpoints=journeys,
            backend=table.backend,
            id_column=table.id_column,
            info=info,
        )
    except DataValidationError as exc:
        if is_builtin(model):
            raise
        raise fail(f"returned output that breaks the Scorer contract: {exc}") from exc
    return result
