"""An option parameter (one of a few texts) refuses anything else with a ``ParameterError``.

pandas' ``NA`` and a numpy array have no truth value once compared with a choice, and a list or
a dict cannot be looked up in a set or a mapping of choices: each is refused like any other
value that is not one of the choices, by an error naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest

import alignment
from alignment import MarkovAttribution, ShapleyAttribution, funnel
from alignment.accounts import match
from alignment.errors import ParameterError
from alignment.io import ExportTable, Lookup, Preset
from alignment.scoring import match_personas, metrics
from alignment.scoring._grid import FitInterestGrid

pd = pytest.importorskip("pandas")

#: values that are none of an option's choices: pandas' NA, an array of texts, a list, a dict
BAD_VALUES = {
    "NA": pd.NA,
    "array": np.array(["all", "converted"]),
    "list": ["all"],
    "dict": {"all": 1},
}


@cache
def _crm() -> Any:
    return alignment.synthetic_crm(n_leads=60, seed=1)


@cache
def _attribution() -> Any:
    return alignment.attribute(_crm())


@cache
def _sla_report() -> Any:
    crm = _crm()
    return alignment.sla.evaluate(crm.sla, crm.leads, crm.activities, as_of=crm.as_of)


def _plot(call: Callable[[], Any]) -> Any:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    return call()


def _leads() -> Any:
    return _crm().tables()["leads"]


def _preset(**options: Any) -> Preset:
    return Preset("p", (ExportTable("a", "leads", {}),), **options)


_ACCOUNTS = {"account_id": ["A1"], "domain": ["acme.com"], "name": ["Acme"]}
_PERSON = {"lead_id": ["l1"], "email": ["a@acme.com"], "company": ["Acme"]}
_PERSONAS = [{"name": "everyone", "rules": []}]
_SENSITIVITY = {"lead": 0.1, "mql": 0.5}

#: entry point → (the parameter its error names, the call with the option's value)
CALLS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "LeadTable.to_frame": ("backend", lambda v: _crm().lead_table().to_frame(backend=v)),
    "Journeys.to_frame": ("backend", lambda v: _crm().journeys().to_frame(backend=v)),
    "ActivityLog.to_frame": ("backend", lambda v: _crm().activity_log().to_frame(backend=v)),
    "CRMData.to_frames": ("backend", lambda v: _crm().to_frames(backend=v)),
    "Journeys.build": (
        "touches",
        lambda v: alignment.Journeys.build(_crm().tables()["touchpoints"], touches=v),
    ),
    "attribute(contacts=)": (
        "contacts",
        lambda v: alignment.attribute(_crm(), key="account_id", contacts=v),
    ),
    "ActivityLog.build": (
        "unknown",
        lambda v: alignment.ActivityLog.build(_crm().tables()["activities"], unknown=v),
    ),
    "AttributionResult.plot": ("measure", lambda v: _plot(lambda: _attribution().plot(measure=v))),
    "MarkovAttribution": (
        "revenue_basis",
        lambda v: MarkovAttribution(revenue_basis=v).channel_credit(_crm().journeys()),
    ),
    "ShapleyAttribution(value=)": (
        "value",
        lambda v: ShapleyAttribution(value=v).channel_credit(_crm().journeys()),
    ),
    "ShapleyAttribution(method=)": (
        "method",
        lambda v: ShapleyAttribution(method=v).channel_credit(_crm().journeys()),
    ),
    "funnel.history(skipped=)": ("skipped", lambda v: funnel.history(_crm(), skipped=v)),
    "funnel.history(unknown=)": ("unknown", lambda v: funnel.history(_crm(), unknown=v)),
    "funnel.observe(count=)": ("count", lambda v: funnel.observe(funnel.history(_crm()), count=v)),
    "StageHistory.plot": ("stat", lambda v: _plot(lambda: funnel.history(_crm()).plot(stat=v))),
    "funnel.rep_plan": (
        "period",
        lambda v: funnel.rep_plan(300_000, 10_000, {"lead": 0.1}, period=v),
    ),
    "Sensitivity.plot": (
        "measure",
        lambda v: _plot(
            lambda: funnel.sensitivity(
                _SENSITIVITY, revenue_target=1e5, average_deal_size=1e3
            ).plot(measure=v)
        ),
    ),
    "metrics.binomial_interval": ("method", lambda v: metrics.binomial_interval(3, 10, method=v)),
    "metrics.calibration_table": (
        "strategy",
        lambda v: metrics.calibration_table([0, 1, 1], [0.1, 0.5, 0.9], n_bins=2, strategy=v),
    ),
    "match_personas": ("strategy", lambda v: match_personas(_leads(), _PERSONAS, strategy=v)),
    "FitInterestGrid(persona_strategy=)": (
        "persona_strategy",
        lambda v: FitInterestGrid(persona_strategy=v).validate_params(),
    ),
    "FitInterestGrid(mql_grade=)": (
        "mql_grade",
        lambda v: FitInterestGrid(
            grade_rules=[{"column": "title", "contains": ["vp"], "steps": 2}], mql_grade=v
        ).validate_params(),
    ),
    "plugins.get_registration": (
        "kind",
        lambda v: alignment.plugins.get_registration(v, "linear"),
    ),
    "build_report(currency=)": (
        "position",
        lambda v: alignment.build_report(currency={"symbol": "$", "position": v}),
    ),
    "io.ExportTable": ("feeds", lambda v: ExportTable("a", v, {})),
    "io.Lookup(keep_ref=)": (
        "keep_ref",
        lambda v: Lookup("User", "Id", "OwnerId", {"Name": "owner"}, ("Lead",), keep_ref=v),
    ),
    "io.Preset(types=)": ("types", lambda v: _preset(types={"x": v})),
    "io.Preset(stage_outcomes=)": ("stage_outcomes", lambda v: _preset(stage_outcomes={"Won": v})),
    "closed_loop(attribution_by=)": (
        "attribution_by",
        lambda v: alignment.closed_loop(_crm(), attribution=_attribution(), attribution_by=v),
    ),
    "ClosedLoopReport.plot(measures=)": (
        "measure",
        lambda v: _plot(lambda: alignment.closed_loop(_crm()).plot(measures=v)),
    ),
    "ClosedLoopReport.plot(measures=[...])": (
        "measure",
        lambda v: _plot(lambda: alignment.closed_loop(_crm()).plot(measures=[v])),
    ),
    "accounts.match(by=[...])": ("by", lambda v: match(_PERSON, _ACCOUNTS, by=[v])),
    "CRMData.journeys(key=)": ("key", lambda v: _crm().journeys(key=v)),
    "funnel.observe(leads, count=)": ("count", lambda v: funnel.observe(_crm(), count=v)),
    "funnel.observe(leads, skipped=)": ("skipped", lambda v: funnel.observe(_crm(), skipped=v)),
    "SLAReport.plot(kind=)": ("kind", lambda v: _plot(lambda: _sla_report().plot(kind=v))),
    "SLAReport.breaches(commitment=)": (
        "commitment",
        lambda v: _sla_report().breaches(commitment=v),
    ),
    "SpeedToLead.plot(level=)": (
        "level",
        lambda v: _plot(lambda: alignment.sla.speed_to_lead(_crm()).plot(level=v)),
    ),
    "metrics.lift_table(backend=)": (
        "backend",
        lambda v: metrics.lift_table([0, 1, 1], [0.1, 0.5, 0.9], n_bins=2, backend=v),
    ),
}


@pytest.mark.parametrize("value", list(BAD_VALUES.values()), ids=list(BAD_VALUES))
@pytest.mark.parametrize("entry", list(CALLS))
def test_an_option_refuses_a_value_that_is_none_of_its_choices(entry: str, value: Any) -> None:
    name, call = CALLS[entry]
    with pytest.raises(ParameterError, match=name):
        call(value)


def test_a_table_frames_in_its_own_backend_when_none_is_given() -> None:
    table = alignment.LeadTable.build(
        pd.DataFrame({"lead_id": ["a"], "created_at": ["2024-01-01"]})
    )
    assert isinstance(table.to_frame(), pd.DataFrame)
    assert isinstance(table.to_frame(backend=None), pd.DataFrame)
    assert isinstance(table.to_frame(backend="dict"), dict)
