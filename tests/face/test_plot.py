"""``.plot()`` of every result object (the ``plot`` extra): returns ``(fig, ax)`` and draws the data.

Skipped when matplotlib is not installed; the error without it is tested by replacing the
lazy import.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

mpl = pytest.importorskip(
    "matplotlib", reason="plotting tests need matplotlib (pip install 'smarketing-alignment[plot]')"
)
mpl.use("Agg")  # non-interactive; the same as MPLBACKEND=Agg

import matplotlib.pyplot as plt  # noqa: E402

import alignment  # noqa: E402
from alignment import _charts as _plot  # noqa: E402
from alignment import funnel  # noqa: E402
from alignment.datasets import SyntheticCRM, synthetic_crm  # noqa: E402
from alignment.errors import DataValidationError, ParameterError  # noqa: E402
from alignment.scoring import LogisticScorer, metrics  # noqa: E402

STAGES = ["created_at", "mql_at", "sal_at", "sql_at", "opportunity_at", "won_at"]
RATES = {"inquiry": 0.10, "mql": 0.85, "sal": 0.60, "sql": 0.30}
FIT_RULES = [
    {"column": "seniority", "isin": ["executive", "director"], "points": 15},
    {"column": "company_size", "min": 200, "points": 10},
    {"column": "persona", "isin": ["revops_leader", "enterprise_buyer"], "points": 10},
]


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def crm() -> SyntheticCRM:
    return synthetic_crm(n_leads=2000, seed=0)


@pytest.fixture(scope="module")
def attributions(crm: SyntheticCRM) -> dict[str, Any]:
    journeys = crm.journeys()
    return {m: alignment.attribute(journeys, model=m) for m in ("linear", "first", "markov")}


@pytest.fixture(scope="module")
def grid(crm: SyntheticCRM) -> Any:
    return alignment.score(
        crm.lead_table(),
        crm.journeys(),
        scorer="grid",
        fit_rules=FIT_RULES,
        interest_cuts=(200, 120, 60),
    )


@pytest.fixture(scope="module")
def sla_report(crm: SyntheticCRM) -> Any:
    return alignment.sla.evaluate(crm.sla, crm.lead_table(), crm.activities, as_of=crm.as_of)


@pytest.fixture(scope="module")
def loop(crm: SyntheticCRM) -> Any:
    return alignment.closed_loop.closed_loop(
        crm.lead_table(), deals=crm.deals, costs=crm.costs, by=("source",), allocate="leads"
    )


def tick_labels(ax: Any, axis: str = "x") -> list[str]:
    ticks = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in ticks]


def bar_heights(ax: Any) -> np.ndarray:
    return np.array([p.get_height() for p in ax.patches])


def is_pair(out: Any) -> bool:
    return (
        isinstance(out, tuple)
        and len(out) == 2
        and isinstance(out[0], mpl.figure.Figure)
        and isinstance(out[1], mpl.axes.Axes)
        and out[1].figure is out[0]
    )


# ----------------------------------------------------------------------------- attribution
def test_attribution_bars_per_channel(attributions: dict[str, Any]) -> None:
    r = attributions["linear"]
    out = r.plot()
    assert is_pair(out)
    _, ax = out
    totals = r.totals(by="channel")
    assert len(ax.patches) == len(totals)
    labels = tick_labels(ax)
    assert sorted(labels) == sorted(totals)
    # largest first, heights are the totals of their labels
    np.testing.assert_allclose(bar_heights(ax), [totals[k] for k in labels])
    assert list(bar_heights(ax)) == sorted(bar_heights(ax), reverse=True)


def test_attribution_other_key_and_measure(attributions: dict[str, Any]) -> None:
    r = attributions["linear"]
    _, ax = r.plot(by="persona", measure="conversions")
    totals = r.totals(by="persona", measure="conversions")
    assert dict(zip(tick_labels(ax), bar_heights(ax))) == pytest.approx(totals)


def test_attribution_models_side_by_side(attributions: dict[str, Any]) -> None:
    r = attributions["linear"]
    _, ax = r.plot(compare=attributions)  # contains r itself: not drawn twice
    n_channels = len(r.totals(by="channel"))
    assert len(ax.patches) == n_channels * len(attributions)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(attributions)
    _, ax2 = r.plot(compare={"markov": attributions["markov"]})
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == ["linear", "markov"]
    markov = attributions["markov"].totals(by="channel")
    heights = bar_heights(ax2)[n_channels:]  # second series
    assert dict(zip(tick_labels(ax2), heights)) == pytest.approx(markov)


def test_attribution_bad_key(attributions: dict[str, Any]) -> None:
    with pytest.raises(ParameterError, match="cannot group by"):
        attributions["linear"].plot(by="no_such_column")
    with pytest.raises(ParameterError, match="measure"):
        attributions["linear"].plot(measure="profit")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- scoring
def test_score_grid_heat_map_of_counts(grid: Any) -> None:
    _, ax = grid.plot()
    assert len(ax.images) == 1
    table = grid.to_frame("breakdown", backend="dict")
    cells = [str(c) for c in table["cell"]]
    rows = tick_labels(ax, "y")
    cols = tick_labels(ax, "x")
    assert rows == list(dict.fromkeys(c[0] for c in cells))  # fit letters A, B, …
    assert cols == [str(i) for i in range(1, len(cols) + 1)]
    image = np.ma.filled(ax.images[0].get_array(), np.nan)
    for cell, n in zip(cells, table["n"]):
        assert image[rows.index(cell[0]), cols.index(cell[1:])] == n
    assert image.sum() == len(grid)


def test_score_grid_heat_map_of_conversion(grid: Any, crm: SyntheticCRM) -> None:
    won = ~np.isnat(crm.leads["won_at"])
    _, ax = grid.plot(converted=won)
    rows, cols = tick_labels(ax, "y"), tick_labels(ax, "x")
    image = np.ma.filled(ax.images[0].get_array(), np.nan)
    oracle = metrics.cell_conversion(grid, won, backend="dict")
    for cell, n, rate in zip(oracle["cell"], oracle["n"], oracle["rate"]):
        value = image[rows.index(cell[0]), cols.index(cell[1:])]
        if n:
            assert value == pytest.approx(rate)
        else:
            assert np.isnan(value)


def test_score_bad_outcome(grid: Any) -> None:
    with pytest.raises(DataValidationError, match="one outcome per lead"):
        grid.plot(converted=np.ones(3, dtype=bool))


def test_scores_without_cells_histogram(crm: SyntheticCRM) -> None:
    leads = crm.lead_table()
    model = LogisticScorer(features=["company_size", "seniority", "source"]).fit(leads)
    result = alignment.score(leads, scorer=model)
    assert "cell" not in result
    _, ax = result.plot(bins=12)
    assert len(ax.patches) == 12
    assert sum(bar_heights(ax)) == len(result)
    with pytest.raises(ParameterError, match="bins"):  # a duration is not a count of bins
        result.plot(bins=np.timedelta64(12))
    with pytest.raises(ParameterError, match="grid scorer"):
        result.plot(converted=np.zeros(len(result), dtype=bool))


# ----------------------------------------------------------------------------- funnel
def rate_labels(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_text().startswith("→")]


def test_observed_funnel_bars_and_rates(crm: SyntheticCRM) -> None:
    obs = funnel.observe(crm.lead_table(), stages=STAGES)
    _, ax = obs.plot()
    assert tick_labels(ax) == list(obs.labels)
    np.testing.assert_array_equal(bar_heights(ax), obs.counts[0])
    assert rate_labels(ax) == [f"→ {r:.1%}" for r in obs.next_rate[0]]


def test_observed_funnel_groups(crm: SyntheticCRM) -> None:
    obs = funnel.observe(crm.lead_table(), stages=["created_at", "mql_at", "won_at"], by="source")
    _, ax = obs.plot()
    assert len(ax.patches) == obs.n_groups * 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        str(v)
        for v in obs.group_values  # type: ignore[union-attr]
    ]
    one = str(obs.group_values[0])  # type: ignore[index]
    _, ax1 = obs.plot(group=one)
    np.testing.assert_array_equal(bar_heights(ax1), obs.counts[0])
    assert one in ax1.get_title()
    with pytest.raises(ParameterError, match="no group"):
        obs.plot(group="no such source")


def test_plan_bars(crm: SyntheticCRM) -> None:
    p = funnel.plan(revenue_target=1_530_000, average_deal_size=10_000, rates=RATES)
    _, ax = p.plot()
    assert tick_labels(ax) == [*RATES, "customers"]
    np.testing.assert_allclose(
        bar_heights(ax), [*(p.required_whole[s] for s in RATES), p.customers]
    )
    assert rate_labels(ax) == [f"→ {r:.1%}" for r in RATES.values()]
    _, ax2 = p.plot(whole=False)
    np.testing.assert_allclose(bar_heights(ax2)[:-1], [p.required[s] for s in RATES])


def test_plan_scenarios() -> None:
    sql = np.array([0.2, 0.3, 0.4])
    p = funnel.plan(revenue_target=1e6, average_deal_size=1e4, rates={"lead": 0.1, "sql": sql})
    _, ax = p.plot()
    np.testing.assert_allclose(bar_heights(ax)[0], np.mean(p.required_whole["lead"]))
    assert "mean of 3 scenarios" in ax.get_title()
    _, ax1 = p.plot(scenario=2)
    np.testing.assert_allclose(bar_heights(ax1)[0], np.asarray(p.required_whole["lead"])[2])
    with pytest.raises(ParameterError, match="scenario"):
        p.plot(scenario=3)


def test_forecast_sensitivity_rep_plan() -> None:
    fc = funnel.forward(1_000, RATES, average_deal_size=10_000)
    _, ax = fc.plot()
    assert tick_labels(ax) == [*RATES, "won"]
    np.testing.assert_allclose(bar_heights(ax)[-1], fc.customers)

    sens = funnel.sensitivity(RATES, revenue_target=1_530_000, average_deal_size=10_000)
    _, ax = sens.plot()
    assert len(ax.patches) == len(RATES)
    assert sens.leads_saved is not None
    np.testing.assert_allclose(bar_heights(ax), sens.leads_saved)
    assert tick_labels(ax)[0].startswith(sens.best)
    with pytest.raises(ParameterError, match="not available"):
        sens.plot(measure="revenue_added")

    rep = funnel.rep_plan(quota=600_000, average_deal_size=12_000, rates={"lead": 0.05})
    _, ax = rep.plot()
    assert tick_labels(ax) == ["lead", "deals"]
    np.testing.assert_allclose(bar_heights(ax), [rep.leads_per_month, rep.deals_per_month])


# ----------------------------------------------------------------------------- SLA
def test_sla_pace_lines(sla_report: Any) -> None:
    out = sla_report.plot()
    assert is_pair(out)
    _, ax = out
    assert len(ax.lines) == 3
    by_label = {line.get_label(): line for line in ax.lines}
    assert set(by_label) == {"delivered to date", "committed pace", "committed (period)"}
    y = np.asarray(by_label["delivered to date"].get_ydata(), dtype=np.float64)
    np.testing.assert_array_equal(y[~np.isnan(y)], sla_report.daily["delivered_to_date"])
    # one gap per new period
    n_periods = np.unique(sla_report.daily["period_start"]).size
    assert int(np.isnan(y).sum()) == n_periods - 1


def test_sla_response_histogram(sla_report: Any) -> None:
    _, ax = sla_report.plot(kind="response")
    resp = np.asarray(sla_report.leads["response_business"])
    assert sum(bar_heights(ax)) == int((~np.isnat(resp)).sum())
    assert len(ax.patches) == 30
    (window,) = ax.lines  # the first-touch window: 1 business day = 8 h on the default calendar
    assert window.get_xdata()[0] == pytest.approx(8.0)
    with pytest.raises(ParameterError, match="kind"):
        sla_report.plot(kind="pie")


# ----------------------------------------------------------------------------- closed loop
def test_closed_loop_bars(loop: Any) -> None:
    _, ax = loop.plot()
    t = loop.table
    n = t.n_rows
    assert len(ax.patches) == 2 * n  # revenue and cost per source (fewer than top=20)
    order = np.argsort(-np.asarray(t["revenue"]), kind="stable")
    assert tick_labels(ax) == [str(t["source"][i]) for i in order]
    np.testing.assert_allclose(bar_heights(ax)[:n], np.asarray(t["revenue"])[order])
    np.testing.assert_allclose(bar_heights(ax)[n:], np.asarray(t["cost"])[order])


def test_closed_loop_roi_top_and_bad_measure(loop: Any) -> None:
    _, ax = loop.plot(measures="roi", top=3)
    roi = np.asarray(loop.table["roi"])
    assert len(ax.patches) == 3
    np.testing.assert_allclose(bar_heights(ax), np.sort(roi[np.isfinite(roi)])[::-1][:3])
    assert "top 3 of" in ax.get_title()
    with pytest.raises(ParameterError, match="unknown measure"):
        loop.plot(measures=("revenue", "profit"))
    with pytest.raises(ParameterError, match="top"):
        loop.plot(top=0)


# ----------------------------------------------------------------------------- shared behaviour
def test_draws_on_a_given_axes(
    attributions: dict[str, Any], grid: Any, sla_report: Any, loop: Any
) -> None:
    fig, axes = plt.subplots(2, 3)
    results = [attributions["linear"], grid, sla_report, loop]
    results.append(funnel.plan(revenue_target=1e6, average_deal_size=1e4, rates={"lead": 0.04}))
    results.append(funnel.forward(1_000, RATES))
    for result, ax in zip(results, axes.ravel()):
        out = result.plot(ax=ax)
        assert out[0] is fig and out[1] is ax
        assert ax.patches or ax.lines or ax.images
    assert len(plt.get_fignums()) == 1  # no figure of its own


def test_not_an_axes(attributions: dict[str, Any]) -> None:
    with pytest.raises(ParameterError, match="matplotlib Axes"):
        attributions["linear"].plot(ax="left")


def test_missing_matplotlib_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, attributions: dict[str, Any], sla_report: Any
) -> None:
    def no_matplotlib() -> Any:
        raise ImportError("No module named 'matplotlib'")

    monkeypatch.setattr(_plot, "_pyplot", no_matplotlib)
    for call in (attributions["linear"].plot, sla_report.plot):
        with pytest.raises(
            ImportError, match=r"pip install 'smarketing-alignment\[plot\]'"
        ) as info:
            call()
        assert info.value.name == "matplotlib"


def test_import_does_not_load_matplotlib() -> None:
    code = (
        "import sys, alignment, alignment.attribution, alignment.scoring, alignment.funnel, "
        "alignment.sla, alignment.closed_loop, alignment.report\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_getting_started_plotting_example(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``pycon`` example of docs/getting-started.md (section Plotting) runs as shown."""
    import doctest
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "getting-started.md"
    text = page.read_text("utf-8")
    section = text[text.index("## Plotting") :]
    start = section.index("```pycon\n") + len("```pycon\n")
    example = section[start : section.index("```", start)]
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest(example, {}, "getting-started", str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 10
    assert (tmp_path / "review.png").stat().st_size > 0
