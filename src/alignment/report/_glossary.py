"""The report's glossary: the words both teams must read the same way.

Stages (lead, MQL, SAL, SQL, opportunity, won), the SLA's terms, the attribution models the
report shows (with the settings they ran with) and the closed loop's measures; only the terms
of the sections on the page are listed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .._guard import failing, guarded_repr
from . import _html as H
from ._format import model_label

__all__ = ["glossary_section"]

_STAGES = (
    ("Lead", "A person who entered the funnel: a new contact from any source."),
    (
        "MQL",
        "Marketing-qualified lead: a lead marketing judges ready for sales (it passed the "
        "agreed fit and interest bar) and hands over.",
    ),
    (
        "SAL",
        "Sales-accepted lead: an MQL sales accepted to work (or did not reject in time).",
    ),
    (
        "SQL",
        "Sales-qualified lead: a lead sales confirmed as a real buying opportunity to pursue.",
    ),
    ("Opportunity", "A deal sales is working, with an amount and an expected close."),
    ("Won", "A closed deal: the lead became a customer; its amount is won revenue."),
    ("Conversion", "The share of the leads at one stage that reach the next."),
)
_GRID = (
    ("Fit", "Who the lead is: points from explicit attributes (persona, title, size …)."),
    ("Interest", "What the lead did: points from touches (visits, downloads, events …)."),
    ("Cell", "Fit letter and interest digit, e.g. A1 (best fit, highest interest)."),
)
_SLA = (
    ("SLA", "The service-level agreement: what marketing and sales each promised."),
    (
        "Pace line",
        "The commitment spread evenly over its period: the target to date, pro-rated to the "
        "share of the period elapsed.",
    ),
    (
        "Business hours",
        "Working time on the agreement's calendar only (nights, weekends and holidays do not "
        "count); response times are measured in them.",
    ),
    ("First touch", "The first sales activity (call, e-mail …) on a lead after assignment."),
    ("Attempts", "Sales activities on a lead within the agreed window after assignment."),
    ("Accept / reject", "Sales' decision on a lead, with a reason code when rejected."),
    ("Breach", "A commitment not met within its window; a lead can breach several."),
    ("Pending", "A lead still inside its window: neither met nor breached yet."),
    ("Compliance", "Met ÷ decided (met or breached) leads."),
)
_CLOSED_LOOP = (
    ("ROI", "Return on investment: (revenue − cost) ÷ cost, shown as a percentage."),
    ("Attributed revenue", "Won revenue credited to the campaign by an attribution model."),
    ("Cost per lead", "Cost ÷ leads of the key."),
)
_MODELS = {
    "first": "all the credit to the first touch of the journey",
    "last": "all the credit to the last touch before the conversion",
    "linear": "equal credit to every touch",
    "time_decay": "more credit to the touches nearer the conversion (the weight halves every "
    "half-life)",
    "position_based": "fixed shares for the first touch, the last touch and the touches "
    "between (U-shaped)",
    "w_shaped": "fixed shares for the first touch, the lead-creation touch and the "
    "opportunity touch, the rest shared by the others",
    "markov": "data-driven: each channel's removal effect — the conversions the journeys would "
    "lose without it — in a Markov chain of channel transitions",
    "shapley": "data-driven: each channel's average marginal contribution to conversion over "
    "every set of channels (Shapley value)",
    "last_non_direct": "all the credit to the last touch that is not a direct visit",
}
_SETTINGS = re.compile(r"^\w+\((.+)\)$")


def _model_terms(attribution: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Each model shown, with what it credits and the settings it ran with."""
    out = []
    for name, result in attribution.items():  # loop over models (a handful)
        model = getattr(result, "model", None)
        text = _MODELS.get(name) or str(getattr(model, "description", "") or "a custom model")
        shown = None if model is None else guarded_repr(model, failing("attribution model", model))
        settings = _SETTINGS.match(shown) if shown is not None else None
        if settings:
            text += f" (run with {settings.group(1)})"
        out.append((f"{model_label(name)} attribution", text[:1].upper() + text[1:] + "."))
    return out


def glossary_section(
    *,
    funnel: bool,
    attribution: Mapping[str, Any] | None,
    grid: bool,
    sla: bool,
    closed_loop: bool,
) -> str:
    """The glossary of the sections shown."""
    terms: list[tuple[str, str]] = []
    if funnel or closed_loop or sla:
        terms += _STAGES
    if grid:
        terms += _GRID
    if sla:
        terms += _SLA
    if attribution:
        terms += _model_terms(attribution)
    if closed_loop:
        terms += _CLOSED_LOOP
    return H.section(
        "glossary",
        "Glossary",
        "The words of this report, as both teams read them.",
        H.glossary(terms),
    )
