"""FitInterestGrid: twins for rules and decay, properties, worked examples, bad input."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment.errors import (
    AlignmentWarning,
    DataValidationError,
    MissingColumnError,
    ParameterError,
)
from alignment.scoring import FitInterestGrid, Rule, decay_factor, default_actions
from alignment.scoring._rules import evaluate_rule

from ._data import T0, make_leads, make_touches
from ._twins import py_decay, py_grid, py_rule_met

RULES = [
    Rule("title", 15, contains=["vp", "chief", "director"], name="senior title"),
    Rule("industry", 10, isin=["Software", "Finance"]),
    Rule("country", -2, equals="FR"),
    Rule("company_size", 20, min=1000),
    Rule("company_size", -5, max=10),
    Rule("company_size", 3, min=100, max=500),
]
POINTS = {"form": 50.0, "webinar": 20.0, "page_view": 1.0, "email_click": 2.0}


def _tables(seed: int, n: int = 25) -> tuple[dict[str, Any], dict[str, Any], Any, Any]:
    leads = make_leads(seed, n)
    touches = make_touches(leads, seed)
    return leads, touches, alignment.LeadTable.build(leads), alignment.Journeys.build(touches)


# ----------------------------------------------------------------------------- rule twin
@pytest.mark.parametrize("seed", range(4))
def test_rule_evaluation_matches_twin(seed: int) -> None:
    leads, _, table, _ = _tables(seed)
    for rule in [*RULES, Rule("industry", 1, equals="software"), Rule("title", 1, contains="ENG")]:
        met, known = evaluate_rule(rule, table)
        expect = [py_rule_met(rule, v) for v in leads[rule.column]]
        assert met.tolist() == expect, rule.label
        col = leads[rule.column]
        assert known.tolist() == [
            not (v is None or (isinstance(v, float) and np.isnan(v))) for v in col
        ]


def test_decay_twin_and_hubspot_example() -> None:
    ages = np.array([0.0, 1.0, 7.0, 13.9, 14.0, 29.99, 30.0, 61.0, -3.0])
    hl = decay_factor(ages, half_life_days=7.0)
    st_ = decay_factor(ages, rate=0.5, period_days=30.0)
    for i, a in enumerate(ages):
        assert hl[i] == pytest.approx(py_decay(a, 7.0, None, None))
        assert st_[i] == pytest.approx(py_decay(a, None, 0.5, 30.0))
    # DEFINITIONS: 10 points with 50 %/month decay → 5 after a month
    assert 10 * decay_factor(np.array([30.0]), rate=0.5, period_days=30.0)[0] == 5.0
    assert 10 * decay_factor(np.array([29.0]), rate=0.5, period_days=30.0)[0] == 10.0
    assert decay_factor(np.array([7.0]), half_life_days=7.0)[0] == 0.5


CONFIGS: list[dict[str, Any]] = [
    {},
    {"half_life": "7d"},
    {"decay_rate": 0.5, "decay_period": "30d"},
    {"window": "30d"},
    {"caps": {"form": 60.0, "page_view": 3.0}, "total_cap": 100.0},
    {"half_life": "10d", "window": "45d", "caps": {"webinar": 25.0},
     "as_of": "2024-05-01T00:00:00Z"},
]  # fmt: skip


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("cfg", CONFIGS)
def test_grid_matches_twin(seed: int, cfg: dict[str, Any]) -> None:
    leads, touches, table, journeys = _tables(seed)
    grid = FitInterestGrid(fit_rules=RULES, interest_points=POINTS, **cfg)
    out = grid.score(table, journeys)
    day = 86_400e6
    kw: dict[str, Any] = {
        "half_life_days": 7.0 if cfg.get("half_life") == "7d" else (
            10.0 if cfg.get("half_life") == "10d" else None),
        "rate": cfg.get("decay_rate"),
        "period_days": 30.0 if "decay_rate" in cfg else None,
        "window_days": {"30d": 30.0, "45d": 45.0}.get(cfg.get("window", ""), None),
        "caps": cfg.get("caps"),
        "total_cap": cfg.get("total_cap"),
        "as_of": np.datetime64("2024-05-01T00:00:00", "us") if "as_of" in cfg else None,
    }  # fmt: skip
    assert day > 0
    twin = py_grid(leads, touches, fit_rules=RULES, points=POINTS, **kw)
    np.testing.assert_allclose(out["fit"], [t["fit"] for t in twin])
    np.testing.assert_allclose(
        out["interest"], [t["interest"] for t in twin], rtol=1e-12, atol=1e-9
    )
    assert out["cell"].tolist() == [t["cell"] for t in twin]
    acts = default_actions(4, 4)
    assert out["action"].tolist() == [acts[c] for c in out["cell"]]
    np.testing.assert_allclose(out["score"], out["fit"] + out["interest"])


# ----------------------------------------------------------------------------- properties
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), perm_seed=st.integers(0, 10_000))
def test_row_order_invariance(seed: int, perm_seed: int) -> None:
    leads, touches, table, journeys = _tables(seed, 15)
    grid = FitInterestGrid(fit_rules=RULES, half_life="5d", caps={"form": 70.0})
    a = grid.score(table, journeys)
    perm = np.random.default_rng(perm_seed).permutation(15)
    tperm = np.random.default_rng(perm_seed + 1).permutation(touches["lead_id"].size)
    t2 = alignment.LeadTable.build({k: v[perm] for k, v in leads.items()})
    j2 = alignment.Journeys.build({k: v[tperm] for k, v in touches.items()})
    b = grid.score(t2, j2)
    for key in ("fit", "interest", "score"):
        np.testing.assert_allclose(a[key][perm], b[key], rtol=1e-12, atol=1e-12)
    assert (a["cell"][perm] == b["cell"]).all()


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    which=st.integers(0, len(RULES) - 1),
    extra=st.floats(0.0, 50.0),
    kind=st.sampled_from(sorted(POINTS)),
    extra_pts=st.floats(0.0, 30.0),
)
def test_monotone_in_points(
    seed: int, which: int, extra: float, kind: str, extra_pts: float
) -> None:
    _, _, table, journeys = _tables(seed, 15)
    base = FitInterestGrid(fit_rules=RULES, interest_points=POINTS, half_life="9d").score(
        table, journeys
    )
    rules = list(RULES)
    r = rules[which]
    rules[which] = Rule(r.column, r.points + extra, name=r.name, equals=r.equals, isin=r.isin,
                        contains=r.contains, min=r.min, max=r.max)  # fmt: skip
    pts = dict(POINTS)
    pts[kind] += extra_pts
    more = FitInterestGrid(fit_rules=rules, interest_points=pts, half_life="9d").score(
        table, journeys
    )
    assert (more["fit"] >= base["fit"]).all()
    assert (more["interest"] >= base["interest"] - 1e-12).all()
    assert (more["score"] >= base["score"] - 1e-12).all()
    # a better score never moves a lead to a worse cell on either axis
    assert all(
        m[0] <= b[0] and int(m[1:]) <= int(b[1:]) for m, b in zip(more["cell"], base["cell"])
    )


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    half_life=st.floats(0.5, 60.0),
    rate=st.floats(0.01, 0.99),
)
def test_decay_never_increases_a_score(seed: int, half_life: float, rate: float) -> None:
    _, _, table, journeys = _tables(seed, 15)
    caps = {"form": 80.0}
    plain = FitInterestGrid(interest_points=POINTS, caps=caps).score(table, journeys)
    hl = FitInterestGrid(interest_points=POINTS, caps=caps, half_life=f"{half_life}d").score(
        table, journeys
    )
    pct = FitInterestGrid(interest_points=POINTS, caps=caps, decay_rate=rate).score(table, journeys)
    assert (hl["interest"] <= plain["interest"] + 1e-12).all()
    assert (pct["interest"] <= plain["interest"] + 1e-12).all()
    assert (hl["interest"] >= 0).all()


# ----------------------------------------------------------------------------- grade, MQL
def test_grade_ladder_pardot_example() -> None:
    leads = {
        "lead_id": ["a", "b", "c", "d"],
        "created_at": ["2024-01-01"] * 4,
        "industry": ["Software", "Retail", None, "Software"],
        "company_size": [500.0, 5.0, np.nan, 2000.0],
        "title": ["VP Sales", "Intern", "CTO", "VP IT"],
    }
    grade_rules = [  # Pardot default profile: 2/3 letter per criterion
        {"column": "industry", "equals": "Software", "steps": 2, "else_steps": -2},
        {"column": "company_size", "min": 100, "steps": 2, "else_steps": -2},
        {"column": "title", "contains": ["vp", "cto"], "steps": 2},
        {"column": "company_size", "min": 1000, "steps": 3},
    ]
    res = alignment.score(leads, grade_rules=grade_rules, mql_grade="B-", interest_points={})
    # a: D +2 +2 +2 = 6 steps up → index 8 = "B"; b: D -2 -2 → clipped at F;
    # c: only the title criterion is known → D + 2 = "C-"; d: D + 2+2+2+3 = 11 → "A"
    assert res["grade"].tolist() == ["B", "F", "C-", "A"]
    assert res["mql"].tolist() == [True, False, False, True]


def test_default_actions_and_cells() -> None:
    acts = default_actions(4, 4)
    assert acts["A1"] == "sales_ready" and acts["B2"] == "sales_ready"
    assert acts["A4"] == "nurture" and acts["B3"] == "nurture"
    assert acts["D4"] == "disqualify" and acts["C3"] == "disqualify"
    assert acts["D1"] == "review" and acts["C2"] == "review"
    assert default_actions(3, 3)["B2"] == "sales_ready"  # A–B high, 1–2 high with ceil(3/2)=2
    leads = {"lead_id": ["x", "y"], "created_at": ["2024-01-01"] * 2, "title": ["VP", "Intern"]}
    res = alignment.score(
        leads,
        fit_rules=[{"column": "title", "contains": "vp", "points": 50}],
        fit_cuts=(40,),
        interest_cuts=(10,),
        actions={"A2": "call_anyway"},
    )
    assert res["cell"].tolist() == ["A2", "B2"]
    assert res["action"].tolist() == ["call_anyway", "disqualify"]


def test_mql_thresholds_on_both_axes() -> None:
    _, _, table, journeys = _tables(1, 20)
    res = FitInterestGrid(fit_rules=RULES, mql_fit=15, mql_interest=40).score(table, journeys)
    assert (res["mql"] == ((res["fit"] >= 15) & (res["interest"] >= 40))).all()


# ----------------------------------------------------------------------------- explanation
def test_explanation_adds_up() -> None:
    _, _, table, journeys = _tables(2, 20)
    res = alignment.score(
        table, journeys, fit_rules=RULES, half_life="7d", caps={"form": 55.0}, total_cap=90.0
    )
    for i in range(20):
        ex = res.explain(i)
        fit = sum(c["points"] for c in ex["contributions"] if c["axis"] == "fit")
        interest = sum(c["points"] for c in ex["contributions"] if c["axis"] == "interest")
        assert fit == pytest.approx(ex["fit"])
        assert interest == pytest.approx(ex["interest"], abs=1e-9)
    assert res.explain(str(table.ids[3]))["lead_id"] == table.ids[3]
    with pytest.raises(ParameterError):
        res.explain("nobody")
    with pytest.raises(ParameterError, match="unknown lead id"):  # a duration is no position
        res.explain(np.timedelta64(3))


# ----------------------------------------------------------------------------- diagnostics
def test_unmatched_touches_are_reported() -> None:
    _, touches, table, _ = _tables(0, 10)
    extra = {k: np.concatenate([v, v[:2]]) for k, v in touches.items()}
    extra["lead_id"][-2:] = ["ghost", "ghost"]
    with pytest.warns(AlignmentWarning, match="not scored"):
        res = alignment.score(table, extra)
    assert res.diagnostics["unmatched_touches"] == 2
    assert res.diagnostics["unmatched_keys"] == ["ghost"]
    assert res.diagnostics["unscored_kinds"] == ["chat"]


def test_touches_after_as_of_and_window() -> None:
    leads = {"lead_id": ["a"], "created_at": ["2024-01-01"]}
    touches = {
        "lead_id": ["a"] * 4,
        "channel": ["web"] * 4,
        "kind": ["form", "webinar", "page_view", "form"],
        "timestamp": ["2024-01-01", "2024-01-20", "2024-01-30", "2024-03-01"],
    }
    res = alignment.score(leads, touches, as_of="2024-02-01", window="14d")
    assert res["interest"].tolist() == [21.0]  # the webinar and the page view are inside
    assert res.diagnostics["touches_after_as_of"] == 1
    assert res.diagnostics["touches_outside_window"] == 1
    res2 = alignment.score(leads, touches, as_of="2024-02-01")
    assert res2["interest"].tolist() == [71.0]


def test_kind_falls_back_to_channel() -> None:
    leads = {"lead_id": ["a"], "created_at": ["2024-01-01"]}
    touches = {"lead_id": ["a", "a"], "channel": ["form", "webinar"],
               "timestamp": ["2024-01-02", "2024-01-03"]}  # fmt: skip
    res = alignment.score(leads, touches)
    assert res["interest"].tolist() == [70.0]
    assert res.diagnostics["kind_column"] == "channel"


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "params",
    [
        {"fit_cuts": (10, 20)},
        {"fit_cuts": ()},
        {"interest_cuts": (5, "x")},
        {"half_life": "7d", "decay_rate": 0.5},
        {"decay_rate": 1.5},
        {"half_life": "0d"},
        {"half_life": "soon"},
        {"caps": {"form": -1}},
        {"total_cap": -3},
        {"actions": {"Z9": "x"}},
        {"mql_grade": "Q"},
        {"mql_grade": "B-"},  # needs grade_rules
        {"interest_points": {"form": float("nan")}},
        {"fit_rules": [{"column": "title", "points": 3}]},
        {"fit_rules": [{"column": "title", "equals": "x", "contains": "y"}]},
        {"fit_rules": [{"column": "title", "equals": "x", "bogus": 1}]},
        {"fit_rules": [{"column": "x", "min": 5, "max": 1}]},
        {"grade_rules": [{"column": "x", "equals": "y", "steps": 4}]},
        {"grade_rules": [{"column": "x", "equals": "y", "steps": np.timedelta64(1, "D")}]},
        # an empty keyword is found in every title; numpy drops a trailing NUL
        {"fit_rules": [{"column": "title", "contains": [""], "points": 5}]},
        {"fit_rules": [{"column": "title", "contains": ["vp", "  "], "points": 5}]},
        {"fit_rules": [{"column": "title", "contains": ["\x00"], "points": 5}]},
        {"fit_rules": [{"column": "industry", "equals": "software\x00", "points": 5}]},
        {"fit_rules": [{"column": "industry", "isin": ["software\x00"], "points": 5}]},
        {"persona_strategy": "worst"},
        {"fit_rules": "title"},
    ],
)
def test_bad_parameters(params: dict[str, Any]) -> None:
    with pytest.raises(ParameterError):
        FitInterestGrid(**params).validate_params()


def test_bad_columns() -> None:
    _, _, table, _ = _tables(0, 5)
    with pytest.raises(MissingColumnError):
        FitInterestGrid(fit_rules=[{"column": "nope", "equals": "x", "points": 1}]).score(table)
    with pytest.raises(DataValidationError):
        FitInterestGrid(fit_rules=[{"column": "company_size", "contains": "x"}]).score(table)
    with pytest.raises(ParameterError):
        FitInterestGrid(fit_rules=[{"column": "company_size", "equals": "big"}]).score(table)
    with pytest.raises(DataValidationError):
        FitInterestGrid(fit_rules=[{"persona": "X", "points": 1}]).score(table)


def test_scores_without_touches_and_empty() -> None:
    _, _, table, _ = _tables(0, 5)
    out = FitInterestGrid(fit_rules=RULES).score(table)
    assert (out["interest"] == 0).all()
    empty = alignment.LeadTable.build({"lead_id": np.array([], dtype=object),
                                       "created_at": np.array([], dtype="datetime64[us]")})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = FitInterestGrid().score(empty)
    assert res["score"].shape == (0,)
    assert T0 is not None


def test_activity_log_as_behaviour() -> None:
    leads = {"lead_id": ["a", "b"], "created_at": ["2024-01-01"] * 2}
    acts = {
        "lead_id": ["b", "a", "b", "b"],
        "timestamp": ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"],
        "kind": ["meeting", "call", "call", "email"],
    }
    log = alignment.ActivityLog.build(acts, leads=leads)
    pts = {"meeting": 30.0, "call": 5.0}
    res = alignment.score(leads, log, interest_points=pts, caps={"call": 6.0})
    assert res["interest"].tolist() == [5.0, 35.0]
    assert res.diagnostics["unscored_kinds"] == ["email"]
    contrib = res.explain("b")["contributions"]
    assert {c["rule"]: c["points"] for c in contrib} == {"call": 5.0, "email": 0.0, "meeting": 30.0}
