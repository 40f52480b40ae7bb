"""alignment.score through the registry, ScoreResult, backends, conformance kit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import alignment
from alignment.errors import UnknownModelError
from alignment.plugins import get_scorer, scorers
from alignment.scoring import FitInterestGrid, LogisticScorer, ScoreResult, metrics
from alignment.testing import parametrize_with_checks

from ._data import make_leads, make_touches

RULES = [
    {"column": "title", "contains": ["vp", "chief"], "points": 15, "name": "senior title"},
    {"column": "industry", "in": ["Software"], "points": 10},
    {"column": "company_size", "min": 1000, "points": 20},
]


@parametrize_with_checks([FitInterestGrid(), LogisticScorer()])
def test_conformance(model: Any, check: Any) -> None:
    check(model)


def test_registry_names() -> None:
    names = scorers() if not callable(getattr(scorers(), "keys", None)) else list(scorers())
    assert "grid" in str(names) and "logistic" in str(names)
    assert isinstance(get_scorer("grid"), FitInterestGrid)
    assert isinstance(get_scorer("logistic", l2=2.0), LogisticScorer)
    assert isinstance(get_scorer("fit_interest"), FitInterestGrid)
    with pytest.raises(UnknownModelError):
        alignment.score(make_leads(0, 3), scorer="gird")


def _backends() -> list[str]:
    out = ["dict"]
    for b in ("pandas", "polars", "pyarrow"):
        try:
            __import__(b)
        except ImportError:  # pragma: no cover
            continue
        out.append(b)
    return out


def _to_backend(data: dict[str, np.ndarray], backend: str) -> Any:
    if backend == "dict":
        return data
    from alignment._frames import to_native

    return to_native(data, backend)


@pytest.mark.parametrize("backend", _backends())
def test_same_answer_in_every_backend(backend: str) -> None:
    leads = make_leads(3, 25)
    touches = make_touches(leads, 3)
    ref = alignment.score(leads, touches, fit_rules=RULES, half_life="7d")
    res = alignment.score(
        _to_backend(leads, backend), _to_backend(touches, backend), fit_rules=RULES, half_life="7d"
    )
    np.testing.assert_allclose(res.scores, ref.scores)
    frame = res.to_frame()
    if backend == "pandas":
        import pandas as pd

        assert isinstance(frame, pd.DataFrame)
        assert frame["lead_id"].tolist() == list(leads["lead_id"])
        assert list(frame.columns[:4]) == ["lead_id", "fit", "interest", "cell"]
    elif backend == "polars":
        import polars as pl

        assert isinstance(frame, pl.DataFrame)
    elif backend == "pyarrow":
        import pyarrow as pa

        assert isinstance(frame, pa.Table)
    else:
        assert isinstance(frame, dict)
    assert isinstance(res.to_frame(backend="dict"), dict)


def test_caller_row_order_kept() -> None:
    leads = make_leads(4, 20)
    perm = np.random.default_rng(0).permutation(20)
    shuffled = {k: v[perm] for k, v in leads.items()}
    res = alignment.score(shuffled, fit_rules=RULES)
    assert res.to_frame()["lead_id"].tolist() == list(leads["lead_id"][perm])


def test_summary_and_html() -> None:
    leads = make_leads(5, 40)
    touches = make_touches(leads, 5)
    res = alignment.score(leads, touches, fit_rules=RULES, mql_fit=10, mql_interest=20)
    summ = res.to_frame("breakdown")
    assert summ["cell"].tolist()[:2] == ["A1", "A2"] and len(summ["cell"]) == 16
    head = res.summary()
    assert head["leads"] == 40 and head["mqls"] == int(res["mql"].sum())
    assert head["mean_score"] == pytest.approx(float(np.mean(res.scores)))
    assert all(isinstance(v, (int, float, str)) for v in head.values())
    with pytest.warns(DeprecationWarning, match="breakdown"):
        old = res.summary("dict")  # the form from before the result contract
    assert old["n"].tolist() == summ["n"].tolist()
    assert summ["n"].sum() == 40
    for cell, n in zip(summ["cell"], summ["n"]):
        assert n == int((res["cell"] == cell).sum())
    assert summ["mql"].sum() == int(res["mql"].sum())
    html = res._repr_html_()
    assert "<table" in html and "A" in html and "30 more leads" in html
    assert "ScoreResult" in repr(res) and len(res) == 40
    # the grid separates winners: conversion per cell straight from the result
    conv = (np.arange(40) % 3 == 0).astype(int)
    tab = metrics.cell_conversion(res, conv)
    assert tab["n"].sum() == 40


def test_every_column_is_read_only_text_ones_too() -> None:
    """A decoded text column cannot be written into (to_frame and explain read it later)."""
    leads = make_leads(5, 40)
    res = alignment.score(leads, make_touches(leads, 5), fit_rules=RULES)
    cells = res["cell"].tolist()
    for name in res.names:
        assert not res[name].flags.writeable, name
    with pytest.raises(ValueError):
        res["cell"][:] = "D4"
    with pytest.raises(ValueError):
        res["action"][:] = "edited"
    assert res.to_frame(backend="dict")["cell"].tolist() == cells
    assert res.explain(0)["cell"] == cells[0]


def test_logistic_summary_bands_and_probability_result() -> None:
    leads = make_leads(6, 60)
    rng = np.random.default_rng(0)
    y = (rng.random(60) < 0.4).astype(int)
    y[:2] = [0, 1]
    model = LogisticScorer(min_count=3).fit(alignment.LeadTable.build(leads), y)
    res = alignment.score(leads, scorer=model)
    assert isinstance(res, ScoreResult)
    summ = res.to_frame("breakdown")
    assert summ["n"].sum() == 60 and len(summ["band"]) == 10
    np.testing.assert_allclose(res["probability"], res.scores)
    assert 0.0 <= metrics.roc_auc(y, res.scores) <= 1.0


def test_sequence_of_lead_models() -> None:
    leads = [
        alignment.Lead(lead_id="a", created_at="2024-01-01T00:00:00Z", title="VP Sales"),
        alignment.Lead(lead_id="b", created_at="2024-01-02T00:00:00Z", title="Intern"),
    ]
    res = alignment.score(leads, fit_rules=[{"column": "title", "contains": "vp", "points": 40}])
    assert res["cell"].tolist() == ["A4", "D4"]
    assert res.explain("a")["contributions"][0]["points"] == 40.0
