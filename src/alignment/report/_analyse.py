"""The standard analyses of a CRM bundle, as the report shows them.

:func:`analyse` runs every engine on a :class:`alignment.io.CRMData` bundle — scores, the
attribution models side by side, the funnel and a plan, the SLA (when the bundle or the caller
gives an agreement) and the closed loop — and :func:`report_inputs` turns the results into the
keyword arguments of :func:`alignment.report.build_report`.  ``alignment demo`` and
``write_report(crm, path)`` share them, so the command line and the library report the same
numbers.  The engines are called through their public API; nothing is re-aggregated here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

import numpy as np

from .._time import parse_instant
from ..errors import ParameterError, reject_rows

__all__ = [
    "ACCOUNT_CONTACTS",
    "ACCOUNT_KEY",
    "ACCOUNT_MODEL",
    "ACCOUNT_OUTCOME",
    "STANDARD_FEATURES",
    "STANDARD_FIT_RULES",
    "STANDARD_GRID",
    "STANDARD_MODELS",
    "STANDARD_STAGES",
    "account_analyses",
    "analyse",
    "report_inputs",
    "won_leads",
    "won_of_scores",
]

_T = TypeVar("_T")
#: runs one named step of the analysis (the command line times it and shows progress)
Step = Callable[[str, Callable[[], Any]], Any]

#: fit rules of the synthetic company's grid (points for its ideal customer profile)
STANDARD_FIT_RULES: list[dict[str, Any]] = [
    {
        "column": "persona",
        "isin": ["revops_leader", "enterprise_buyer"],
        "points": 15,
        "name": "core persona",
    },
    {"column": "persona", "equals": "ops_manager", "points": 8, "name": "secondary persona"},
    {
        "column": "seniority",
        "isin": ["executive", "director"],
        "points": 10,
        "name": "senior title",
    },
    {"column": "company_size", "min": 200, "points": 8, "name": "200+ employees"},
    {"column": "industry", "isin": ["software", "fintech"], "points": 5, "name": "target industry"},
    {
        "column": "email",
        "contains": ["gmail.com", "outlook.com", "yahoo.com"],
        "points": -5,
        "name": "free-mail address",
    },
]
#: the grid's cut points (fit A–D, interest 1–4)
STANDARD_GRID: dict[str, Any] = {"fit_cuts": (30, 20, 10), "interest_cuts": (200, 120, 60)}
#: attribution models compared side by side
STANDARD_MODELS: tuple[str, ...] = (
    "first",
    "last",
    "linear",
    "time_decay",
    "position_based",
    "w_shaped",
    "markov",
    "shapley",
)
#: logistic scorer features of the synthetic company (explicit attributes known on arrival)
STANDARD_FEATURES: tuple[str, ...] = (
    "company_size",
    "industry",
    "country",
    "seniority",
    "persona",
    "source",
)
#: funnel stages, top to bottom (those the leads have are observed)
STANDARD_STAGES: tuple[str, ...] = (
    "created_at",
    "mql_at",
    "sal_at",
    "sql_at",
    "opportunity_at",
    "won_at",
)
#: the account analyses: the leads' account column, the journeys' contacts, the model and
#: the stage whose reaching is credited (see :func:`account_analyses`)
ACCOUNT_KEY = "account_id"
ACCOUNT_CONTACTS: Literal["roles"] = "roles"
ACCOUNT_MODEL = "linear"
ACCOUNT_OUTCOME = "mql_at"
#: the closed loop's keys (those the leads have)
_CLOSED_LOOP_BY = ("source", "campaign")


def _run(label: str, fn: Callable[[], _T]) -> _T:
    return fn()


def won_leads(crm: Any) -> np.ndarray:
    """Per lead of the bundle: whether it is won (``won_at`` set, else a won deal's contact)."""
    leads = crm.leads
    if "won_at" in leads:
        return np.asarray(~np.isnat(leads["won_at"]))
    return np.isin(
        np.asarray(leads["lead_id"]).astype(str), np.asarray(crm.conversions["lead_id"]).astype(str)
    )


def won_of_scores(crm: Any, scores: Any) -> np.ndarray:
    """Per scored lead, in the scores' order: whether it is won (:func:`won_leads`), found by
    its id (``scores.ids``) among the bundle's leads, whatever the order the scores are in.

    Raises
    ------
    DataValidationError
        A scored id that is not a lead of the bundle (its rows named: their outcome is not
        known).
    """
    from .._lookup import lookup

    ids = np.asarray(scores.ids)
    pos, found = lookup(np.asarray(crm.leads["lead_id"]), ids)
    reject_rows(
        ~found,
        "scored lead id(s) not among the bundle's leads: their outcome is not known",
        column=str(getattr(scores, "id_column", "lead_id")),
        values=ids,
        table="scores",
        fix="score the bundle's leads, or pass converted= (one outcome per scored lead, in "
        "the scores' order)",
    )
    won: np.ndarray = won_leads(crm)[pos]
    return won


def analyse(
    crm: Any,
    *,
    sla: Any = None,
    as_of: Any = None,
    fit_rules: Sequence[Mapping[str, Any]] | None = None,
    models: Sequence[str] = STANDARD_MODELS,
    allocate: str = "leads",
    step: Step | None = None,
) -> dict[str, Any]:
    """Every engine on a CRM bundle: the results the report shows.

    Parameters
    ----------
    crm : CRMData
        The bundle (:func:`alignment.io.read_crm`, :func:`alignment.datasets.synthetic_crm`).
    sla : SLA, dict or path, optional
        The agreement to evaluate; default the bundle's own (synthetic data has one); without
        any, no SLA is evaluated.
    as_of : instant, optional
        The evaluation instant of the analyses that depend on one (the SLA, the accounts'
        engagement) and of the report's header; default the bundle's ``as_of``.
    fit_rules : sequence of dict, optional
        Fit rules of the fit × interest grid; default the synthetic company's
        (:data:`STANDARD_FIT_RULES`) for synthetic data; without rules for other data, no
        grid is scored.
    models : sequence of str
        Attribution models compared side by side.
    allocate : {"none", "leads", "revenue"}
        How the closed loop places campaign costs on source × campaign keys (see
        :func:`alignment.closed_loop.closed_loop`); the report names it.
    step : callable, optional
        ``step(label, fn)`` runs each analysis (default: calls ``fn``); the command line
        times it.

    Returns
    -------
    dict
        ``crm``, ``lead_table``, ``journeys``, ``scores`` (or None), ``attribution`` (model
        → result), ``funnel``, ``plan`` (or None), ``plan_target``, ``deal_size``, ``sla``
        (or None), ``closed_loop`` (or None), ``accounts`` (or None: see
        :func:`account_analyses`), ``as_of`` (the instant given, or None).
    """
    from .._crm import is_crm

    if not is_crm(crm):
        raise ParameterError(
            f"expected a CRMData bundle (alignment.io.read_crm or synthetic_crm), got "
            f"{type(crm).__name__}"
        )
    run: Step = step or _run
    out: dict[str, Any] = {"crm": crm, "as_of": as_of}
    lt, journeys = run(
        "building lead and journey tables", lambda: (crm.lead_table(), crm.journeys())
    )
    out["lead_table"], out["journeys"] = lt, journeys
    out["scores"] = _scores(crm, lt, journeys, fit_rules, run)
    out["attribution"] = _attribution(crm, models, run)
    out.update(_funnel(crm, lt, run))
    out["sla"] = _sla(crm, lt, sla, as_of, run)
    out["closed_loop"] = _closed_loop(crm, out["attribution"], allocate, run)
    out["accounts"] = account_analyses(crm, run, as_of=as_of)
    return out


def _scores(
    crm: Any, lt: Any, journeys: Any, fit_rules: Sequence[Mapping[str, Any]] | None, run: Step
) -> Any:
    from ..scoring import score

    rules = fit_rules
    if rules is None and crm.source == "synthetic":
        rules = STANDARD_FIT_RULES
    if rules is None:
        return None
    return run(
        "scoring leads (fit × interest grid)",
        lambda: score(lt, journeys, scorer="grid", fit_rules=list(rules), **STANDARD_GRID),
    )


def _attribution(crm: Any, models: Sequence[str], run: Step) -> dict[str, Any]:
    """Each model's ``alignment.attribute(crm, model=...)``: the bundle's won deals credited
    as the API credits them (a journey per won deal, over its contacts' touches).  The deal
    journeys are built once, by the first model's call, and the other models credit the
    journeys that call built (:func:`_deal_journeys`): the same numbers, without rebuilding
    them from the bundle per model (0.5–0.8 s a model at 2·10^5 leads)."""
    results: dict[str, Any] = {}
    for name in models:  # loop over models (a handful)

        def one(model: str = name) -> Any:
            return _deal_journeys(crm, results, model)

        results[name] = run(f"attribution: {name}", one)
    return results


def _deal_journeys(crm: Any, done: Mapping[str, Any], model: str) -> Any:
    """``attribute(crm, model=model)``, crediting the journeys of a result of ``done`` (an
    earlier ``attribute(crm)`` of this bundle) when there is one."""
    from ..attribution import attribute

    first = next(iter(done.values()), None)
    return attribute(crm if first is None else first.journeys, model=model)


def _funnel(crm: Any, lt: Any, run: Step) -> dict[str, Any]:
    """The observed funnel, and a plan for next quarter (+20% revenue) when it can be made."""
    from .. import funnel as funnel_mod

    stages = [s for s in STANDARD_STAGES if s == "created_at" or s in crm._columns("leads")]
    obs = run("observing the funnel", lambda: funnel_mod.observe(lt, stages=stages))
    revenue = float(crm.conversions["revenue"].sum())
    n_won = int(won_leads(crm).sum())
    deal = revenue / n_won if n_won else 1.0
    target = max(round(1.2 * revenue, -3), 1000.0)
    out: dict[str, Any] = {"funnel": obs, "plan_target": target, "deal_size": deal, "plan": None}
    if n_won:
        try:
            out["plan"] = run(
                "planning next quarter (+20% revenue)",
                lambda: funnel_mod.plan_from(
                    obs, revenue_target=target, average_deal_size=deal, periods=3
                ),
            )
        except ParameterError:  # a stage that never converts: no plan from these rates
            out["plan"] = None
    return out


def _sla(crm: Any, lt: Any, agreement: Any, as_of: Any, run: Step) -> Any:
    from .. import sla as sla_mod

    agreement = agreement if agreement is not None else crm.sla
    if agreement is None:
        return None
    when = as_of if as_of is not None else crm.as_of
    if when is None:
        raise ParameterError(
            "the SLA needs an evaluation instant: pass as_of= (the bundle has none)"
        )
    return run(
        "evaluating the SLA",
        lambda: sla_mod.evaluate(agreement, lt, crm._coded_table("activities"), as_of=when),
    )


def _closed_loop(crm: Any, attribution: Mapping[str, Any], allocate: str, run: Step) -> Any:
    from ..closed_loop import closed_loop

    by = tuple(c for c in _CLOSED_LOOP_BY if c in crm._columns("leads"))
    if not by:
        return None
    credit = attribution.get("time_decay")
    if credit is None:
        credit = _deal_journeys(crm, attribution, "time_decay")
    return run(
        f"closed-loop report by {' and '.join(by)}",
        lambda: closed_loop(
            crm,
            attribution=credit,
            attribution_by="campaign" if "campaign" in by else by[0],
            by=by,
            allocate=allocate,  # type: ignore[arg-type]
        ),
    )


def account_analyses(
    crm: Any, step: Step | None = None, *, as_of: Any = None
) -> dict[str, Any] | None:
    """The B2B analyses of a bundle: account attribution, MQL attribution, engagement.

    ``account`` is linear attribution of the won revenue over account journeys
    (``key="account_id"``, ``contacts="roles"``: each won deal's journey holds the touches of
    the deal's contacts), ``mql`` linear attribution of the leads' reaching MQL
    (``outcome="mql_at"``, one conversion per lead), ``engagement`` the accounts'
    :func:`alignment.scoring.account_engagement` with its defaults.  An analysis whose data
    the bundle lacks (no ``account_id`` lead column, no deal contacts, no lead that reached
    MQL, no ``kind`` of touch for the engagement's interest points) is ``None``; ``None`` when
    all are.  ``as_of`` is the engagement's instant (default the bundle's ``as_of``).
    """
    from ..attribution import attribute
    from ..scoring import account_engagement

    run: Step = step or _run
    leads = crm.leads
    has_account = ACCOUNT_KEY in leads and bool(np.asarray(leads[ACCOUNT_KEY]).size)
    has_contacts = bool(np.asarray(crm.deal_contacts["lead_id"]).size)
    has_mql = ACCOUNT_OUTCOME in leads and bool((~np.isnat(leads[ACCOUNT_OUTCOME])).any())
    out: dict[str, Any] = {"account": None, "mql": None, "engagement": None}
    if has_account and has_contacts:
        out["account"] = run(
            "attribution: account journeys (linear, deal contacts)",
            lambda: attribute(crm, model=ACCOUNT_MODEL, key=ACCOUNT_KEY, contacts=ACCOUNT_CONTACTS),
        )
    if has_mql:
        out["mql"] = run(
            "attribution: MQLs (linear)",
            lambda: attribute(crm, model=ACCOUNT_MODEL, outcome=ACCOUNT_OUTCOME),
        )
    if has_account and "kind" in crm._columns("touchpoints"):  # interest points: by kind
        out["engagement"] = run(
            "account engagement", lambda: account_engagement(crm, key=ACCOUNT_KEY, as_of=as_of)
        )
    return out if any(v is not None for v in out.values()) else None


def report_inputs(res: Mapping[str, Any], *, title: str | None = None) -> dict[str, Any]:
    """The keyword arguments of :func:`alignment.report.build_report` for :func:`analyse`'s
    results (sections without a result are left out)."""
    crm = res["crm"]
    as_of = res.get("as_of")
    when = crm.as_of if as_of is None else parse_instant(as_of)  # the report's instant (UTC)
    period = span = ""
    if crm.start is not None and crm.as_of is not None:
        span = f"{str(crm.start)[:10]} → {str(crm.as_of - np.timedelta64(1, 'D'))[:10]}"
        period = f" created {span} · data as of {str(crm.as_of)[:10]}"
        if as_of is not None:  # the instant the SLA and the engagement are evaluated at
            period += f" · evaluated as of {str(when)[:10]}"
    plan_period = "the next quarter (3 monthly periods"
    plan_period += f" from {str(when)[:10]})" if when is not None else ")"
    origin = (
        f"generated by alignment demo (seed {crm.seed})"
        if crm.source == "synthetic"
        else f"read from {crm.source}"
    )
    default_title = (
        "Sales & marketing alignment — synthetic company"
        if crm.source == "synthetic"
        else "Sales & marketing alignment report"
    )
    out: dict[str, Any] = {
        "title": title or default_title,
        "subtitle": f"{crm.n_leads:,} leads{period} · {origin}",
        "funnel": res["funnel"],
        "plan": res.get("plan"),
        "attribution": res["attribution"] or None,
        "sla": res.get("sla"),
        "closed_loop": res.get("closed_loop"),
        "accounts": res.get("accounts"),
        "currency": getattr(crm, "currency", None),
        "period": span or None,
        "plan_period": plan_period,
    }
    if res.get("scores") is not None:
        out["scores"] = res["scores"]
        out["converted"] = won_of_scores(crm, res["scores"])
    return out
