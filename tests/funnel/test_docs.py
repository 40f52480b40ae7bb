"""The worked examples of docs/funnel.md, recomputed."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment import funnel as fn

DOC = Path(__file__).resolve().parents[2] / "docs" / "funnel.md"


def test_docs_page_states_the_worked_examples() -> None:
    text = DOC.read_text(encoding="utf-8")
    for figure in ("$100,000", "$1,000", "4 %", "2,500 leads", "1.53 %", "15.3 customers"):
        assert figure in text
    assert "$2,326 per day" in text
    assert "100 leads a month" in text
    assert "6,536" in text and "5,942" in text
    for name in fn.__all__:
        if name != "DEFAULT_STAGES":
            assert f"::: alignment.funnel.{name}" in text


def test_docs_numbers() -> None:
    p = fn.plan(100_000, 1_000, {"lead": 0.04})
    assert (p.customers, p.required_whole["lead"]) == (100.0, 2500.0)
    rates = {"inquiry": 0.10, "mql": 0.85, "sal": 0.60, "sql": 0.30}
    w = fn.plan(100_000, 1_000, rates)
    assert round(w.overall_rate * 100, 2) == 1.53  # type: ignore[operator]
    assert fn.forward(1_000, rates).customers == pytest.approx(15.3)
    assert w.required_whole == {"inquiry": 6536.0, "mql": 654.0, "sal": 556.0, "sql": 334.0}
    s = fn.sensitivity(rates, revenue_target=100_000, average_deal_size=1_000)
    assert s.best == "inquiry" and s.required_after is not None
    assert round(float(s.required_after[0])) == 5942
    assert [str(x) for x in s.stages] == ["inquiry", "sql", "sal", "mql"]
    assert round(float(s.factor[1]), 3) == 1.033
    assert fn.rep_plan(1_200_000, 10_000, {"lead": 0.10}).leads_per_month == pytest.approx(100)
    v = fn.sales_velocity(18, 42_000, 0.24, 78)
    assert round(v) == 2326 and round(v, 2) == 2326.15  # type: ignore[arg-type]
    assert fn.plan(21, 1, {"a": 0.7}).required_whole["a"] == 30.0


def test_docstring_examples_run() -> None:
    import doctest

    from alignment.funnel import _observation, _plan_results, _planning

    attempted = 0
    for module in (_plan_results, _planning, _observation):
        result = doctest.testmod(module, verbose=False)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted >= 6
