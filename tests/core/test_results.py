"""Every result object follows the one result contract (docs/results.md).

``to_frame(level=None, backend=None)`` with ``levels`` (the first is the default),
``summary()`` -> dict of plain scalars, ``_repr_html_()`` -> str, ``plot(ax=None, ...)``;
unknown levels are refused; old call forms still work with a DeprecationWarning.
"""

from __future__ import annotations

import inspect
import math
import warnings
from typing import Any

import numpy as np
import pytest

import alignment
from alignment import funnel
from alignment._results import Result
from alignment.cli import _main as cli
from alignment.errors import ParameterError
from alignment.scoring import match_personas

SCALARS = (bool, int, float, str, type(None), np.datetime64)


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    demo = cli.run_demo(400, seed=2)
    crm = demo["crm"]
    personas = crm.personas
    out: dict[str, Any] = {
        "attribution": next(iter(demo["attribution"].values())),
        "scores": demo["scores"],
        "logistic scores": demo["logistic"],
        "funnel observation": demo["funnel"],
        "plan": demo["plan"],
        "forecast": funnel.forward(1_000, {"inquiry": 0.1, "mql": 0.85, "sql": 0.3}),
        "rep plan": funnel.rep_plan(1_200_000, 10_000, {"lead": 0.10}),
        "sla report": demo["sla"],
        "closed loop": demo["closed_loop"],
        "persona match": match_personas(crm.leads, personas),
    }
    return out


NAMES = [
    "attribution",
    "scores",
    "logistic scores",
    "funnel observation",
    "plan",
    "forecast",
    "rep plan",
    "sla report",
    "closed loop",
    "persona match",
]


@pytest.mark.parametrize("name", NAMES)
def test_signatures(results: dict[str, Any], name: str) -> None:
    r = results[name]
    assert isinstance(r, Result)
    assert r.levels and all(isinstance(x, str) for x in r.levels)
    params = list(inspect.signature(type(r).to_frame).parameters.values())
    assert [p.name for p in params[1:3]] == ["level", "backend"]
    assert params[1].default is None and params[2].default is None
    plot = list(inspect.signature(type(r).plot).parameters.values())
    assert plot[1].name == "ax" and plot[1].default is None
    assert all(p.kind is p.KEYWORD_ONLY for p in plot[2:] if p.kind is not p.VAR_KEYWORD)


@pytest.mark.parametrize("name", NAMES)
def test_summary_is_a_dict_of_scalars(results: dict[str, Any], name: str) -> None:
    s = results[name].summary()
    assert type(s) is dict and s
    bad = {
        k: type(v).__name__
        for k, v in s.items()
        if not isinstance(v, SCALARS)
        and not (isinstance(v, tuple) and all(isinstance(x, str) for x in v))  # names
    }
    assert not bad, f"{name}: summary values that are not plain scalars: {bad}"
    s["__probe__"] = 1  # a copy: changing it changes nothing in the result
    assert "__probe__" not in results[name].summary()


@pytest.mark.parametrize("name", NAMES)
def test_every_level_in_every_backend(results: dict[str, Any], name: str) -> None:
    r = results[name]
    for level in r.levels:
        try:
            ref = r.to_frame(level, backend="dict")
        except ParameterError as exc:  # a level this result cannot give names why
            assert "period" in str(exc) or "per-touch" in str(exc), exc
            continue
        assert isinstance(ref, dict) and ref
        n = {len(v) for v in ref.values()}
        assert len(n) == 1
        for backend in ("pandas", "polars", "pyarrow"):
            frame = r.to_frame(level, backend=backend)
            assert type(frame).__module__.split(".")[0] == backend
            assert list(frame.columns if backend != "pyarrow" else frame.column_names) == list(ref)
    default = r.to_frame(backend="dict")
    first = r.to_frame(r.levels[0], backend="dict")
    assert list(default) == list(first)


@pytest.mark.parametrize("name", NAMES)
def test_unknown_level_is_refused(results: dict[str, Any], name: str) -> None:
    with pytest.raises(ParameterError):
        results[name].to_frame("no_such_level", backend="dict")


@pytest.mark.parametrize("name", NAMES)
def test_old_backend_first_form_warns_and_works(results: dict[str, Any], name: str) -> None:
    r = results[name]
    with pytest.warns(DeprecationWarning, match="backend"):
        old = r.to_frame("dict")
    assert list(old) == list(r.to_frame(backend="dict"))


@pytest.mark.parametrize("name", NAMES)
def test_html_and_plot(results: dict[str, Any], name: str) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = results[name]
    html = r._repr_html_()
    assert isinstance(html, str) and "<" in html
    fig, ax = plt.subplots()
    got_fig, got_ax = r.plot(ax=ax)
    assert got_ax is ax and got_fig is fig
    plt.close(fig)


def test_callable_summaries_keep_the_old_subscript_form(results: dict[str, Any]) -> None:
    for name in ("sla report", "closed loop"):
        r = results[name]
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (docs/results.md: both spellings, no warning)
            assert r.summary["n_leads"] == r.summary()["n_leads"]


def test_breaches_is_an_attribute_that_filters(results: dict[str, Any]) -> None:
    report = results["sla report"]
    every = report.breaches
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (docs/results.md: both spellings, no warning)
        assert report.breaches() is every
    first = report.breaches("first_touch")
    assert set(first["commitment"].tolist()) <= {"first_touch"}
    assert first.n_rows == int((every["commitment"] == "first_touch").sum())
    with pytest.raises(ParameterError, match="first_touch"):
        report.breaches("lunch")


def test_no_result_recomputes_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    crm = alignment.datasets.synthetic_crm(n_leads=300, seed=5)
    result = alignment.attribute(crm.touchpoints, crm.conversions, model="linear")
    assert result.table.touches == "converted"  # the fast path: converted journeys only

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the model ran again")

    monkeypatch.setattr(type(result.model), "weights", refuse)
    frame = result.to_frame(backend="dict")  # every input touch, without running the model
    assert len(frame["weight"]) == result.summary()["touches"]
    assert math.isclose(float(np.sum(frame["credit"])), result.attributed_revenue, rel_tol=1e-9)
