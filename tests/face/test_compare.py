"""``alignment.compare``: attribution results side by side in one frame."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import alignment
from alignment.datasets import synthetic_crm
from alignment.errors import ParameterError

DOCS = Path(__file__).resolve().parents[2] / "docs"
MODELS = ("first", "last", "linear", "markov")


@pytest.fixture(scope="module")
def journeys() -> Any:
    return synthetic_crm(n_leads=800, seed=5).journeys()


@pytest.fixture(scope="module")
def results(journeys: Any) -> list[Any]:
    return [alignment.attribute(journeys, model=m) for m in MODELS]


def twin(labelled: dict[str, Any], by: str, share: bool, measure: str) -> list[tuple]:
    """Plain-Python comparison: rows (key, value per model) by mean share, largest first."""
    totals = {k: r.totals(by=by, measure=measure) for k, r in labelled.items()}
    keys = sorted({key for t in totals.values() for key in t})
    shares = {}
    for label, t in totals.items():
        s = sum(t.values())
        shares[label] = {k: (t.get(k, 0.0) / s if s else 0.0) for k in keys}
    mean = {k: sum(shares[m][k] for m in totals) / len(totals) for k in keys}
    ordered = sorted(keys, key=lambda k: -mean[k])  # stable: ties keep the sorted order
    pick = shares if share else {m: {k: t.get(k, 0.0) for k in keys} for m, t in totals.items()}
    return [(k, *(pick[m][k] for m in totals)) for k in ordered]


def rows(table: dict[str, np.ndarray], by: str = "channel") -> list[tuple]:
    labels = [c for c in table if c != by]
    return [(k, *(float(table[m][i]) for m in labels)) for i, k in enumerate(table[by])]


@pytest.mark.parametrize("share", [False, True])
@pytest.mark.parametrize("measure", ["revenue", "conversions"])
def test_matches_the_plain_python_twin(results: list[Any], share: bool, measure: str) -> None:
    table = alignment.compare(results, share=share, measure=measure, backend="dict")
    assert list(table) == ["channel", *MODELS]
    want = twin({r.model_name: r for r in results}, "channel", share, measure)
    got = rows(table)
    assert [g[0] for g in got] == [w[0] for w in want]
    np.testing.assert_allclose([g[1:] for g in got], [w[1:] for w in want], rtol=1e-12)


def test_revenue_is_conserved_and_shares_sum_to_one(results: list[Any]) -> None:
    revenue = alignment.compare(results, backend="dict")
    shares = alignment.compare(results, share=True, backend="dict")
    for r in results:
        assert revenue[r.model_name].sum() == pytest.approx(r.attributed_revenue, rel=1e-12)
        assert shares[r.model_name].sum() == pytest.approx(1.0, abs=1e-12)
        assert set(revenue["channel"]) == set(r.totals())


def test_rows_by_any_key_and_mapping_labels(journeys: Any) -> None:
    first = alignment.attribute(journeys, model="first")
    decay = alignment.attribute(journeys, model="time_decay", half_life="3d")
    table = alignment.compare({"first touch": first, "3-day decay": decay}, by="campaign",
                              backend="dict")  # fmt: skip
    assert list(table) == ["campaign", "first touch", "3-day decay"]
    assert dict(zip(table["campaign"], table["3-day decay"])) == decay.totals(by="campaign")
    # two results of one model: a mapping labels them; a list cannot
    other = alignment.attribute(journeys, model="first", lookback="7d")
    both = alignment.compare({"all": first, "7 days": other}, backend="dict")
    assert list(both) == ["channel", "all", "7 days"]
    with pytest.raises(ParameterError, match="first"):
        alignment.compare([first, other])


def test_keys_of_one_model_only_show_zero_for_the_others() -> None:
    a = alignment.attribute(
        {"lead_id": ["x", "y"], "timestamp": ["2024-01-01", "2024-01-02"],
         "channel": ["email", "seo"], "converted_at": ["2024-02-01"] * 2, "revenue": [10.0, 30.0]},
        model="first",
    )  # fmt: skip
    b = alignment.attribute(
        {"lead_id": ["z"], "timestamp": ["2024-01-01"], "channel": ["events"],
         "converted_at": ["2024-02-01"], "revenue": [5.0]},
        model="last",
    )  # fmt: skip
    table = alignment.compare([a, b], backend="dict")
    assert rows(table) == [("events", 0.0, 5.0), ("seo", 30.0, 0.0), ("email", 10.0, 0.0)]


def test_default_backend(results: list[Any], journeys: Any) -> None:
    table = alignment.compare(results)
    if importlib.util.find_spec("pandas") is None:
        assert isinstance(table, dict)
    else:
        import pandas as pd

        assert isinstance(table, pd.DataFrame)
        assert list(table.columns) == ["channel", *MODELS]
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame(synthetic_crm(n_leads=300, seed=2).touchpoints)
    conv = pl.DataFrame(synthetic_crm(n_leads=300, seed=2).conversions)
    polars_results = [alignment.attribute(frame, conv, model=m) for m in ("first", "last")]
    assert isinstance(alignment.compare(polars_results), pl.DataFrame)
    assert isinstance(alignment.compare(polars_results, backend="dict"), dict)


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda rs: alignment.compare([]), "no result"),
        (lambda rs: alignment.compare({}), "no result"),
        (lambda rs: alignment.compare([rs[0], {"channel": [1]}]), "not an attribution result"),
        (lambda rs: alignment.compare({1: rs[0]}), "labels must be non-empty strings"),
        (lambda rs: alignment.compare({"channel": rs[0]}), "name of the key column"),
        (lambda rs: alignment.compare(rs[0]), "mapping"),
        (lambda rs: alignment.compare("first"), "mapping"),
        (lambda rs: alignment.compare(rs, measure="cost"), "measure"),
        (lambda rs: alignment.compare(rs, backend="excel"), "backend"),
        (lambda rs: alignment.compare(rs[:2], by="campaign"), "per-touch"),  # markov: channels
        (lambda rs: alignment.compare(rs[-1:], by="nope"), "cannot group by 'nope'"),
    ],
)
def test_bad_calls_are_parameter_errors(results: list[Any], call: Any, needle: str) -> None:
    with pytest.raises(ParameterError, match=re.escape(needle)):
        call(results[::-1])


@pytest.mark.parametrize(
    ("arg", "needle"),
    [
        ([1, 2], "compare: results[0] is of type int, not an attribution result"),
        (["linear", "markov"], "compare: results[0] is of type str, not an attribution result"),
        ({"a": 3}, "compare: results['a'] is of type int, not an attribution result"),
    ],
)
def test_what_is_not_a_result_is_named_by_position(arg: Any, needle: str) -> None:
    # (checked before the labels: never "would share a column label" for things of no model)
    with pytest.raises(ParameterError, match=re.escape(needle)):
        alignment.compare(arg)


def test_a_non_result_after_results_is_named_by_position(results: list[Any]) -> None:
    with pytest.raises(ParameterError, match=re.escape("results[2] is of type int")):
        alignment.compare([*results[:2], 7])


def test_inputs_are_left_alone(results: list[Any]) -> None:
    mapping = {r.model_name: r for r in results}
    before = {k: r.totals() for k, r in mapping.items()}
    table = alignment.compare(mapping, backend="dict")
    table["first"][:] = -1.0  # the frame is the caller's: writing it changes no result
    assert list(mapping) == list(MODELS)
    assert {k: r.totals() for k, r in mapping.items()} == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paths=st.lists(
        st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4),
        min_size=1,
        max_size=6,
    ),
    revenue=st.lists(st.integers(0, 1000), min_size=6, max_size=6),
    perm=st.permutations(["first", "last", "linear"]),
    share=st.booleans(),
)
def test_property_order_of_models_only_orders_columns(
    paths: list[list[str]], revenue: list[int], perm: list[str], share: bool
) -> None:
    lead, time, channel = [], [], []
    for i, path in enumerate(paths):
        for t, ch in enumerate(path):
            lead.append(f"L{i}")
            time.append(np.datetime64("2024-01-01") + np.timedelta64(t, "h"))
            channel.append(ch)
    conv = {"lead_id": [f"L{i}" for i in range(len(paths))],
            "converted_at": [np.datetime64("2024-02-01")] * len(paths),
            "revenue": [float(r) for r in revenue[: len(paths)]]}  # fmt: skip
    touches = {"lead_id": lead, "timestamp": time, "channel": channel}
    by_model = {m: alignment.attribute(touches, conv, model=m) for m in perm}
    table = alignment.compare([by_model[m] for m in perm], share=share, backend="dict")
    base = alignment.compare([by_model[m] for m in sorted(perm)], share=share, backend="dict")
    assert list(table) == ["channel", *perm]
    for m in perm:
        got, want = dict(zip(table["channel"], table[m])), dict(zip(base["channel"], base[m]))
        assert got.keys() == want.keys()
        np.testing.assert_array_equal(list(got.values()), list(want.values()))  # (NaN = NaN)
        total = float(table[m].sum())
        if share:  # a share of nothing (0 / 0) is NaN
            nothing = sum(revenue[: len(paths)]) == 0
            assert total == pytest.approx(1.0) or (nothing and np.isnan(table[m]).all())
        else:
            assert total == pytest.approx(by_model[m].attributed_revenue)


def test_docs_example_runs() -> None:
    text = (DOCS / "attribution" / "index.md").read_text("utf-8")
    section = text.split("## Comparing models")[1].split("\n## ")[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    namespace: dict[str, Any] = {"alignment": alignment, "synthetic_crm": synthetic_crm}
    exec(compile(code, "docs/attribution/index.md", "exec"), namespace)
    assert "compare(" in code


def test_exported_at_the_top_level() -> None:
    assert alignment.compare is alignment.attribution.compare
    assert "compare" in alignment.__all__ and "compare" in alignment.attribution.__all__
