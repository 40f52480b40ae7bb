"""The numbers printed in docs/scoring/*.md."""

from __future__ import annotations

import numpy as np
import pytest

import alignment
from alignment.scoring import LogisticScorer, match_personas, metrics


def test_grid_worked_example() -> None:
    leads = {
        "lead_id": ["L1", "L2", "L3"],
        "created_at": ["2024-01-15", "2024-01-20", "2024-02-01"],
        "title": ["VP Marketing", "Marketing Intern", "Director of IT"],
        "industry": ["Software", "Retail", "Finance"],
        "company_size": [800, 12, 5000],
        "email": ["ana@acme.io", "bo@gmail.com", "cy@bank.example"],
    }
    touches = {
        "lead_id": ["L1", "L1", "L1", "L1", "L1", "L2", "L2", "L3", "L3"],
        "timestamp": ["2024-03-31", "2024-03-01", "2024-03-31", "2024-03-31", "2024-03-31",
                      "2024-03-31", "2024-01-31", "2024-03-01", "2024-03-01"],
        "channel": ["web"] * 9,
        "kind": ["form", "webinar", "page_view", "page_view", "page_view",
                 "form", "form", "page_view", "page_view"],
    }  # fmt: skip
    fit_rules = [
        {"name": "senior title", "column": "title", "contains": ["vp", "director", "chief"],
         "points": 15},
        {"name": "target industry", "column": "industry", "isin": ["Software", "Finance"],
         "points": 10},
        {"name": "company size 200–10,000", "column": "company_size", "min": 200,
         "max": 10_000, "points": 10},
        {"name": "free-mail domain", "column": "email",
         "contains": ["@gmail.", "@yahoo.", "@hotmail."], "points": -2},
    ]  # fmt: skip
    result = alignment.score(
        leads,
        touches,
        scorer="grid",
        fit_rules=fit_rules,
        half_life="30d",
        as_of="2024-03-31",
        mql_fit=20,
        mql_interest=50,
    )
    f = result.to_frame()
    assert f["fit"].tolist() == [35.0, -2.0, 35.0]
    np.testing.assert_allclose(f["interest"], [63.0, 62.5, 1.0])
    assert f["cell"].tolist() == ["A2", "D2", "A4"]
    assert f["action"].tolist() == ["sales_ready", "review", "nurture"]
    assert f["mql"].tolist() == [True, False, False]
    np.testing.assert_allclose(f["score"], [98.0, 60.5, 36.0])
    contrib = result.explain("L1")["contributions"]
    assert [(c["axis"], c["rule"], c["points"]) for c in contrib] == [
        ("fit", "senior title", 15.0),
        ("fit", "target industry", 10.0),
        ("fit", "company size 200–10,000", 10.0),
        ("interest", "form", 50.0),
        ("interest", "page_view", 3.0),
        ("interest", "webinar", 10.0),
    ]
    summ = result.to_frame("breakdown")
    assert len(summ["cell"]) == 16
    assert {c for c, n in zip(summ["cell"], summ["n"]) if n} == {"A2", "A4", "D2"}


def test_logistic_worked_example() -> None:
    X = np.array([[0.0], [1.0], [2.0], [3.0], [1.5], [2.5]])
    y = np.array([0, 0, 1, 1, 1, 0])
    model = LogisticScorer(l2=1.0).fit(X, y)
    assert model.coef_[0] == pytest.approx(0.6330, abs=5e-5)
    assert model.intercept_ == pytest.approx(-1.0613, abs=5e-5)
    assert model.objective_ == pytest.approx(3.6928, abs=5e-5)
    np.testing.assert_allclose(
        model.predict_proba(X).round(4), [0.2571, 0.3945, 0.5510, 0.6980, 0.4721, 0.6274]
    )


def test_personas_worked_example() -> None:
    leads = {
        "lead_id": ["a", "b", "c"],
        "created_at": ["2024-01-01"] * 3,
        "industry": ["Software", "software", "Retail"],
        "title": ["CTO", "Engineer", "Store manager"],
        "company_size": [2500, 40, 12],
    }
    personas = [
        alignment.Persona(name="IT leader", industries=("Software",), titles=("cto", "vp")),
        alignment.Persona(name="Enterprise", company_size_min=1000),
        alignment.Persona(name="Small retail", industries=("retail",), company_size_max=50),
    ]
    assert match_personas(leads, personas).persona.tolist() == ["IT leader", None, "Small retail"]
    assert match_personas(leads, personas, strategy="best").persona.tolist() == [
        "IT leader",
        "IT leader",
        "Small retail",
    ]


def test_metrics_worked_example() -> None:
    assert metrics.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    lo, hi = metrics.binomial_interval(3, 10)
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.1078, 0.6032)
    lo, hi = metrics.binomial_interval(3, 10, method="jeffreys")
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.0927, 0.6058)
    tab = metrics.cell_conversion(["A1", "A1", "A1", "D4"], [1, 1, 0, 0])
    assert tab["cell"].tolist() == ["A1", "D4"]
    assert tab["n"].tolist() == [3, 1] and tab["conversions"].tolist() == [2, 0]
    assert tab["rate"].round(3).tolist() == [0.667, 0.0]
