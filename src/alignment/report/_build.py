"""The report builder: engine results to one HTML page.

Public names are re-exported by :mod:`alignment.report`.  Each section lives in its own module
(``_sections``: funnel, attribution, closed loop; ``_grid``; ``_sla``) and reads the engines'
results through ``_read``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any

from ..errors import ParameterError
from . import _html as H
from ._document import Report
from ._grid import _grid_section
from ._sections import KPI, _attribution_section, _closed_loop_section, _funnel_section, _plan_only
from ._sla import _sla_section

__all__ = ["build_report", "write_report"]


def build_report(
    crm: Any = None,
    /,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    funnel: Any = None,
    plan: Any = None,
    attribution: Any = None,
    scores: Any = None,
    converted: Any = None,
    sla: Any = None,
    closed_loop: Any = None,
    closed_loop_rows: int = 40,
    generated_at: _dt.datetime | None = None,
    as_of: Any = None,
    fit_rules: Sequence[Mapping[str, Any]] | None = None,
    models: Sequence[str] | None = None,
    allocate: str = "leads",
) -> Report:
    """Build the self-contained HTML report from a CRM bundle or from engine results.

    ``build_report(crm)`` runs the standard analyses of a :class:`alignment.io.CRMData`
    bundle (funnel and plan, fit × interest grid, attribution models side by side, the SLA
    when the bundle or ``sla=`` gives an agreement, the closed loop by source and campaign:
    :func:`alignment.report._analyse.analyse`, the analyses of ``alignment demo``) and reports
    them; results passed as keywords replace the computed ones.  Without a bundle, pass the
    results to report.

    Parameters
    ----------
    crm : CRMData, optional
        The bundle to analyse (positional).
    title, subtitle : str, optional
        Page heading (default ``"Sales & marketing alignment report"``; for a bundle, one
        naming its source, leads and period).
    funnel : FunnelObservation, optional
        From :func:`alignment.funnel.observe` (unsegmented; for a segmented one the first
        segment is shown).
    plan : Plan, optional
        From :func:`alignment.funnel.plan` / :func:`~alignment.funnel.plan_from`.
    attribution : AttributionResult or mapping of str to AttributionResult, optional
        One result, or several models side by side (name → result).
    scores : ScoreResult, optional
        Grid scores (columns ``cell`` and ``action``).
    converted : array-like of bool, optional
        Outcome per scored lead (e.g. won), in the scores' order; required with ``scores``.
    sla : SLAReport, optional
        From :func:`alignment.sla.evaluate`.  With a bundle, also an agreement (``SLA``, dict
        or path) to evaluate on it.
    closed_loop : ClosedLoopReport, optional
        From :func:`alignment.closed_loop.closed_loop`.
    closed_loop_rows : int, default 40
        Rows of the closed-loop table shown (largest revenue first).
    generated_at : datetime, optional
        Time stamp in the footer (default: now, UTC).
    as_of, fit_rules, models, allocate
        With a bundle: the SLA's evaluation instant (default the bundle's), the grid's fit
        rules (default the synthetic company's for synthetic data, else no grid), the
        attribution models (default all standard ones) and how campaign costs are placed on
        the closed loop's source × campaign keys (``"leads"``, ``"revenue"`` or ``"none"``).

    Returns
    -------
    Report
        The HTML document (UTF-8 text, no script, no external resource): a ``str``, which a
        notebook displays as the rendered page.

    Raises
    ------
    ParameterError
        Nothing to report, ``scores`` without ``converted`` or with a different length.
    """
    from .. import __version__

    if crm is not None:
        given = {"funnel": funnel, "plan": plan, "attribution": attribution, "scores": scores,
                 "converted": converted, "sla": sla, "closed_loop": closed_loop}  # fmt: skip
        inputs = _bundle_inputs(crm, given, as_of, fit_rules, models, allocate)
        funnel, plan, attribution = inputs["funnel"], inputs["plan"], inputs["attribution"]
        scores, converted, sla = inputs["scores"], inputs["converted"], inputs["sla"]
        closed_loop = inputs["closed_loop"]
        title = title or inputs["title"]
        subtitle = subtitle or inputs["subtitle"]
    title = title or "Sales & marketing alignment report"
    if all(x is None for x in (funnel, plan, attribution, scores, sla, closed_loop)):
        raise ParameterError("build_report: give at least one result (funnel, attribution …)")
    if scores is not None and converted is None:
        raise ParameterError(
            "build_report: scores need converted= (one outcome per lead, e.g. won) for the grid"
        )
    sections: list[str] = []
    nav: list[tuple[str, str]] = []
    kpis: list[KPI] = []
    if funnel is not None or plan is not None:
        if funnel is not None:
            html_f, k = _funnel_section(funnel, plan)
            kpis += k
        else:
            html_f = _plan_only(plan)
        sections.append(html_f)
        nav.append(("funnel", "Funnel"))
    if attribution is not None:
        mapping = (
            dict(attribution)
            if isinstance(attribution, Mapping)
            else {str(getattr(attribution, "model_name", "model")): attribution}
        )
        if not mapping:
            raise ParameterError("build_report: attribution is an empty mapping")
        html_a, k = _attribution_section(mapping)
        kpis += k
        sections.append(html_a)
        nav.append(("attribution", "Attribution"))
    if scores is not None:
        sections.append(_grid_section(scores, converted))
        nav.append(("grid", "Fit × interest"))
    if sla is not None:
        html_s, k = _sla_section(sla)
        kpis += k
        sections.append(html_s)
        nav.append(("sla", "SLA"))
    if closed_loop is not None:
        sections.append(_closed_loop_section(closed_loop, closed_loop_rows))
        nav.append(("closed-loop", "Closed loop"))
    when = generated_at or _dt.datetime.now(_dt.timezone.utc)
    body = H.cards(kpis) + "".join(sections) if kpis else "".join(sections)
    footer = (
        f"Generated by alignment {__version__} on {when.strftime('%Y-%m-%d %H:%M')} UTC. "
        "Charts are inline SVG drawn by the library; the page has no script and loads nothing."
    )
    return Report(H.page(title, subtitle or "", nav, body, footer))


def write_report(data: Any = None, path: str | Path | None = None, **kwargs: Any) -> Path:
    """Write the report to a file (UTF-8); returns the path.

    ``write_report(crm, "review.html")`` analyses a CRM bundle and writes its report
    (:func:`build_report` ``(crm, **kwargs)``); ``write_report("review.html", funnel=...,
    ...)`` writes the report of the results given, as :func:`build_report` ``(**kwargs)``.

    Parameters
    ----------
    data : CRMData or path
        The bundle, or (without a bundle) the file to write.
    path : str or Path, optional
        The file to write, after a bundle.
    **kwargs
        The keyword arguments of :func:`build_report`.

    Raises
    ------
    ParameterError
        No path, or its directory does not exist (or see :func:`build_report`).
    """
    from .._crm import is_crm

    crm = data if is_crm(data) else None
    target = path if crm is not None else (data if data is not None else path)
    if crm is None and data is not None and path is not None:
        raise ParameterError(
            "write_report: give the path once: write_report(crm, path) or write_report(path, ...)"
        )
    if target is None or not isinstance(target, (str, PurePath)):
        raise ParameterError(
            f"write_report: expected the path of the HTML file to write, got {target!r}; "
            "e.g. write_report(crm, 'review.html')"
        )
    p = Path(target)
    if not p.parent.exists():
        raise ParameterError(f"write_report: directory does not exist: {str(p.parent)!r}")
    text = build_report(crm, **kwargs) if crm is not None else build_report(**kwargs)
    p.write_text(text, encoding="utf-8")
    return p


def _bundle_inputs(
    crm: Any,
    given: dict[str, Any],
    as_of: Any,
    fit_rules: Sequence[Mapping[str, Any]] | None,
    models: Sequence[str] | None,
    allocate: str,
) -> dict[str, Any]:
    """The report inputs of a bundle's standard analyses; results given replace them."""
    from .._crm import is_crm
    from ..sla import SLAReport
    from ._analyse import STANDARD_MODELS, analyse, report_inputs

    if not is_crm(crm):
        raise ParameterError(
            f"build_report: the positional argument is a CRMData bundle, got {type(crm).__name__}; "
            "pass results by keyword (funnel=, attribution= ...)"
        )
    agreement = given["sla"]
    res = analyse(
        crm,
        sla=None if isinstance(agreement, SLAReport) else agreement,
        as_of=as_of,
        fit_rules=fit_rules,
        models=STANDARD_MODELS if models is None else models,
        allocate=allocate,
    )
    inputs = report_inputs(res)
    if isinstance(agreement, SLAReport):
        inputs["sla"] = agreement
    for k in ("funnel", "plan", "attribution", "scores", "converted", "closed_loop"):
        if given[k] is not None:
            inputs[k] = given[k]
    inputs.setdefault("scores", None)
    if inputs["scores"] is not None and inputs.get("converted") is None:
        from ._analyse import won_leads

        inputs["converted"] = won_leads(crm)
    inputs.setdefault("converted", None)
    return inputs
