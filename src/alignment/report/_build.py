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

import numpy as np

from ..errors import ParameterError
from . import _html as H
from ._accounts import accounts_section
from ._closed_loop import closed_loop_section
from ._document import Report
from ._format import Context, money_of
from ._glossary import glossary_section
from ._grid import _grid_section
from ._inputs import check_models, check_results, check_rows, stamp
from ._sections import KPI, _attribution_section, _funnel_section, _plan_only
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
    accounts: Mapping[str, Any] | None = None,
    generated_at: _dt.datetime | np.datetime64 | str | None = None,
    as_of: Any = None,
    fit_rules: Sequence[Mapping[str, Any]] | None = None,
    models: Sequence[str] | None = None,
    allocate: str = "leads",
    currency: str | Mapping[str, Any] | None = None,
    period: str | None = None,
    plan_period: str | None = None,
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
    converted : array-like of bool or 0/1, optional
        Outcome per scored lead (e.g. won), in the scores' order; required with ``scores``
        without a bundle.  Read as :meth:`ScoreResult.conversion` reads it: text, NaN or
        instants are refused, never read as won.  With a bundle, the default is each scored
        lead's won flag, found by its id (``scores.ids``) among the bundle's leads, whatever
        the scores' row order.
    sla : SLAReport, optional
        From :func:`alignment.sla.evaluate`.  With a bundle, also an agreement (``SLA``, dict
        or path) to evaluate on it.
    closed_loop : ClosedLoopReport, optional
        From :func:`alignment.closed_loop.closed_loop`.
    closed_loop_rows : int, default 40
        Rows of the closed-loop table shown (largest revenue first): a non-negative integer.
    accounts : mapping, optional
        The account analyses (``"account"``: account attribution, ``"mql"``: MQL
        attribution, ``"engagement"``: :func:`alignment.scoring.account_engagement`; any may
        be None), as :func:`alignment.report._analyse.account_analyses` returns them; with a
        bundle they are computed when its data allows.
    generated_at : datetime, datetime64 or str, optional
        Time stamp in the footer, written in UTC (default: now).  A timezone-aware value or a
        string with an offset is converted to UTC; a naive one is read as UTC, with an
        :class:`~alignment.errors.AlignmentWarning` saying so.
    as_of, fit_rules, models, allocate
        With a bundle: the evaluation instant of the SLA and of the accounts' engagement,
        named in the header and the plan's start (default the bundle's), the grid's fit
        rules (default the synthetic company's for synthetic data, else no grid), the
        attribution models (default all standard ones) and how campaign costs are placed on
        the closed loop's source × campaign keys (``"leads"``, ``"revenue"`` or ``"none"``).
        ``models`` is a sequence of names (``["linear"]``; one string is refused).  Each
        model credits the bundle's won deals as :func:`alignment.attribute` ``(crm,
        model=...)`` does (one journey per won deal), so the report's figures are the API's.
    currency : str or mapping, optional
        How amounts are written: a symbol or code placed before the amount (``"$"``,
        ``"EUR"``), or a mapping ``{"symbol": "€", "decimals": 2, "position": "after"}``
        (``decimals`` 0–6, default 0; ``position`` ``"before"`` or ``"after"``).  Default: the
        bundle's ``currency`` when it names one, else none (plain numbers labelled
        "amount").
    period : str, optional
        The data's period, added to headings and chart titles (e.g. ``"2024-01-01 →
        2024-03-31"``); default for a bundle: the leads' creation period.
    plan_period : str, optional
        The period the funnel plan covers (e.g. ``"Q2 2024"``); default for a bundle: the
        next quarter after the data, else the plan's number of periods.

    Returns
    -------
    Report
        The HTML document (UTF-8 text, no script, no external resource): a ``str``, which a
        notebook displays as the rendered page.

    Raises
    ------
    ParameterError
        Nothing to report; a result keyword given something other than its engine's result
        (``attribution="linear"``, ``funnel=`` text, ``sla=`` an agreement without a bundle
        …), named with what it takes; ``scores`` without ``converted`` or with a different
        length; a ``currency`` that is not a symbol, code or mapping of the keys above;
        ``closed_loop_rows`` that is not a non-negative integer; ``generated_at`` that is not
        an instant; ``models`` that is one string.
    DataValidationError
        ``converted`` holding anything but 0/1 or booleans; with a bundle, scores of lead ids
        the bundle does not have (without ``converted=``).
    """
    from .. import __version__

    if crm is not None and currency is None:
        currency = getattr(crm, "currency", None)
    money = money_of(currency)  # the arguments are checked before any analysis runs
    rows, names = check_rows(closed_loop_rows), check_models(models)
    when = stamp(generated_at)
    given = {"funnel": funnel, "plan": plan, "attribution": attribution, "scores": scores,
             "converted": converted, "sla": sla, "closed_loop": closed_loop, "accounts": accounts}  # fmt: skip
    check_results(given, bundle=crm is not None)
    if crm is not None:
        inputs = _bundle_inputs(crm, given, as_of, fit_rules, names, allocate)
        funnel, plan, attribution = inputs["funnel"], inputs["plan"], inputs["attribution"]
        scores, converted, sla = inputs["scores"], inputs["converted"], inputs["sla"]
        closed_loop, accounts = inputs["closed_loop"], inputs.get("accounts")
        title = title or inputs["title"]
        subtitle = subtitle or inputs["subtitle"]
        period = period or inputs.get("period")
        plan_period = plan_period or inputs.get("plan_period")
    title = title or "Sales & marketing alignment report"
    ctx = Context(money, period or "", plan_period or "")
    if all(x is None for x in (funnel, plan, attribution, scores, sla, closed_loop, accounts)):
        raise ParameterError("build_report: give at least one result (funnel, attribution …)")
    if scores is not None and converted is None:
        raise ParameterError(
            "build_report: scores need converted= (one outcome per lead, e.g. won) for the grid"
        )
    mapping: dict[str, Any] | None = None
    if attribution is not None:
        mapping = (
            dict(attribution)
            if isinstance(attribution, Mapping)
            else {str(getattr(attribution, "model_name", "model")): attribution}
        )
    results = {"funnel": funnel, "plan": plan, "attribution": mapping, "scores": scores,
               "converted": converted, "sla": sla, "closed_loop": closed_loop,
               "accounts": accounts}  # fmt: skip
    kpis, sections, nav = _sections(results, ctx, rows)
    body = H.cards(kpis) + "".join(sections) if kpis else "".join(sections)
    footer = (
        f"Generated by alignment {__version__} on {when}. "
        "Charts are inline SVG drawn by the library; the page has no script and loads nothing."
    )
    return Report(H.page(title, subtitle or "", nav, body, footer))


def _sections(
    r: Mapping[str, Any], ctx: Context, closed_loop_rows: int
) -> tuple[list[KPI], list[str], list[tuple[str, str]]]:
    """The KPI cards, the sections (the glossary last) and the navigation links."""
    sections: list[str] = []
    nav: list[tuple[str, str]] = []
    kpis: list[KPI] = []
    if r["funnel"] is not None:
        html_f, k = _funnel_section(r["funnel"], r["plan"], ctx)
        kpis += k
        sections.append(html_f)
        nav.append(("funnel", "Funnel"))
    elif r["plan"] is not None:
        sections.append(_plan_only(r["plan"], ctx))
        nav.append(("funnel", "Funnel"))
    if r["attribution"] is not None:
        html_a, k = _attribution_section(r["attribution"], ctx)
        kpis += k
        sections.append(html_a)
        nav.append(("attribution", "Attribution"))
    if r["scores"] is not None:
        sections.append(_grid_section(r["scores"], r["converted"], ctx))
        nav.append(("grid", "Fit × interest"))
    if r["sla"] is not None:
        html_s, k = _sla_section(r["sla"], ctx)
        kpis += k
        sections.append(html_s)
        nav.append(("sla", "SLA"))
    if r["closed_loop"] is not None:
        sections.append(closed_loop_section(r["closed_loop"], closed_loop_rows, ctx))
        nav.append(("closed-loop", "Closed loop"))
    if r["accounts"] is not None and any(v is not None for v in r["accounts"].values()):
        sections.append(accounts_section(r["accounts"], ctx))
        nav.append(("accounts", "Accounts"))
    sections.append(
        glossary_section(
            funnel=r["funnel"] is not None or r["plan"] is not None,
            attribution=r["attribution"],
            grid=r["scores"] is not None,
            sla=r["sla"] is not None,
            closed_loop=r["closed_loop"] is not None,
        )
    )
    nav.append(("glossary", "Glossary"))
    return kpis, sections, nav


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
        No path, its directory does not exist, it is a directory, or it cannot be written
        (``cannot write '<path>': <reason>; fix: …``; the ``OSError`` as ``__cause__``); or see
        :func:`build_report`.
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
    if p.is_dir():  # (before the report is built: nothing to wait for)
        raise _unwritable(p, "it is a directory", f"name the file, e.g. {str(p / 'report.html')!r}")
    text = build_report(crm, **kwargs) if crm is not None else build_report(**kwargs)
    try:
        p.write_text(text, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise _unwritable(p, reason, "choose a file in a folder you can write to") from exc
    return p


def _unwritable(path: Path, reason: str, fix: str) -> ParameterError:
    """The error of a report file that cannot be written: the path, why, and the fix."""
    return ParameterError(f"write_report: cannot write {str(path)!r}: {reason}; fix: {fix}")


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
    for k in ("funnel", "plan", "attribution", "scores", "converted", "closed_loop", "accounts"):
        if given[k] is not None:
            inputs[k] = given[k]
    inputs.setdefault("scores", None)
    if given["scores"] is not None and given["converted"] is None:  # (not the bundle's scores)
        inputs.pop("converted", None)
    if inputs["scores"] is not None and inputs.get("converted") is None:
        from ._analyse import won_of_scores

        inputs["converted"] = won_of_scores(crm, inputs["scores"])
    inputs.setdefault("converted", None)
    return inputs
