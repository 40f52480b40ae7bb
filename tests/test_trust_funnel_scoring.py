"""Trust: hostile but realistic inputs to the scoring metrics, fit rules and logistic scorer.

Each test pins a value (hand-computed) or a typed refusal where a number used to be silently
wrong, a missing value was read as text, or text / a flag was read as a number.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import alignment
from alignment import DataValidationError, ParameterError
from alignment.scoring import LogisticScorer, account_engagement, match_personas, metrics

# --------------------------------------------------------------------------- cell_conversion


@pytest.mark.parametrize(
    "cells",
    [
        ["A1", None, np.nan, "D4", "A1"],
        pd.array(["A1", pd.NA, None, "D4", "A1"], dtype="string[pyarrow]"),
        pd.Series(["A1", None, np.nan, "D4", "A1"], dtype=object),
        pl.Series(["A1", None, None, "D4", "A1"]),
        pa.chunked_array([["A1", None, None, "D4", "A1"]]),
    ],
    ids=["list", "string[pyarrow]", "pandas-object", "polars", "pyarrow"],
)
def test_cell_conversion_groups_every_missing_label_as_missing(cells: object) -> None:
    # None, NaN and pd.NA are one group "(missing)", never the text cells "nan" / "<NA>"
    tab = metrics.cell_conversion(cells, [1, 1, 0, 0, 0])
    assert tab["cell"].tolist() == ["(missing)", "A1", "D4"]
    assert tab["n"].tolist() == [2, 2, 1]
    assert tab["conversions"].tolist() == [1, 1, 0]
    assert tab["rate"].tolist() == [0.5, 0.5, 0.0]


def test_cell_conversion_refuses_the_missing_label_beside_missing_cells() -> None:
    with pytest.raises(DataValidationError, match=r"\(missing\)") as err:
        metrics.cell_conversion(["(missing)", None, "A1"], [1, 0, 0])
    assert err.value.rows is not None and list(err.value.rows) == [0]
    # without missing cells the text is an ordinary label
    tab = metrics.cell_conversion(["(missing)", "A1"], [1, 0])
    assert tab["cell"].tolist() == ["(missing)", "A1"]


# --------------------------------------------------------------------------- binomial_interval


@pytest.mark.parametrize(
    ("k", "n", "match"),
    [
        (11, 10, "exceed"),
        (-1, 10, "non-negative"),
        (np.nan, 10, "non-negative"),
        (3, np.inf, "non-negative"),
        (True, 10, "not a count"),
        ("3", 10, "not a count"),
        (3, "10", "not a count"),
        (np.array([1, 2]), np.array([10, 0]), "index 1"),
        (np.array([1, 2, 3]), np.array([10, 5]), "broadcast"),
    ],
)
def test_binomial_interval_refuses_impossible_counts(k: object, n: object, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        metrics.binomial_interval(k, n)


def test_binomial_interval_of_valid_counts_is_unchanged() -> None:
    z = 1.959963984540054
    p, n = 0.3, 10
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert metrics.binomial_interval(3, 10) == pytest.approx((c - h, c + h))
    lo, hi = metrics.binomial_interval(np.array([0, 3]), np.array([0, 10]))
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    assert (lo[1], hi[1]) == pytest.approx((c - h, c + h))


# --------------------------------------------------------------------------- fit rules

_LEADS = {
    "lead_id": ["L1", "L2", "L3"],
    "created_at": ["2024-01-15T00:00:00Z", "2024-01-20T00:00:00Z", "2024-02-01T00:00:00Z"],
}


def _fit(column: object, rule: dict[str, object], frame: str = "dict") -> list[float]:
    leads = dict(_LEADS, x=column)
    data = pd.DataFrame(leads) if frame == "pandas" else leads
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", alignment.AlignmentWarning)
        res = alignment.score(data, scorer="grid", fit_rules=[dict(rule, column="x")])
    return [float(v) for v in res.to_frame()["fit"]]


def test_range_rule_on_a_flag_column_is_refused() -> None:
    # True / False read as 1 / 0 would meet min=0 always and min=200 never
    for flags in ([True, False, True], pd.array([True, pd.NA, False], dtype="boolean")):
        with pytest.raises(DataValidationError, match="flags") as err:
            _fit(flags, {"min": 0, "points": 10}, frame="pandas")
        assert err.value.column == "x"
    # an equals rule on the flags reads them as flags
    assert _fit([True, False, True], {"equals": True, "points": 10}) == [10.0, 0.0, 10.0]


def test_flag_rule_on_a_text_column_is_refused() -> None:
    # the text "True" is not the flag True (nor "true", "yes")
    with pytest.raises(ParameterError, match="flag"):
        _fit(["True", "False", "yes"], {"equals": True, "points": 10})
    with pytest.raises(ParameterError, match="flag"):
        _fit(["True", "False", "yes"], {"isin": ["yes", True], "points": 10})
    # compared with the text as written, the text rule holds
    assert _fit(["True", "False", "yes"], {"isin": ["True", "yes"], "points": 10}) == [
        10.0,
        0.0,
        10.0,
    ]


@pytest.mark.parametrize(
    "rule",
    [
        {"isin": ["Software", "Finance"], "points": 10},
        {"equals": "Software", "points": 10},
        {"contains": ["soft"], "points": 10},
        {"min": 1, "points": 10},
    ],
)
def test_rule_on_a_column_of_missing_values_only_meets_no_lead(rule: dict[str, object]) -> None:
    # an empty export column (NaN only) is missing values, as a column of None is
    assert _fit([np.nan, np.nan, np.nan], rule) == [0.0, 0.0, 0.0]
    assert _fit([None, None, None], rule) == [0.0, 0.0, 0.0]


# --------------------------------------------------------------------------- logistic scorer


def _model() -> LogisticScorer:
    rng = np.random.default_rng(0)
    n = 60
    X = {
        "size": rng.normal(size=n),
        "ind": rng.choice(["a", "b", "c"], n),
        "flag": rng.random(n) < 0.5,
    }
    y = (rng.random(n) < 0.5).astype(int)
    return LogisticScorer(min_count=1).fit(X, y)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("size", ["0.1"]),
        ("size", ["yes"]),
        ("size", np.array(["0.1"])),
        ("size", pl.Series(["0.1"])),
        ("size", [True]),
        ("flag", ["True"]),
        ("flag", [0.5]),
    ],
)
def test_logistic_predict_refuses_text_or_flags_in_a_number_feature(
    column: str, value: object
) -> None:
    model = _model()
    X = {"size": [0.1], "ind": ["a"], "flag": [True]}
    X[column] = value  # type: ignore[assignment]
    with pytest.raises(DataValidationError) as err:
        model.predict_proba(X)
    assert err.value.column == column
    assert err.value.rows is not None and list(err.value.rows) == [0]


def test_logistic_predict_reads_numbers_and_flags_as_fitted() -> None:
    model = _model()
    X = {"size": [0.1, -0.4], "ind": ["a", "b"], "flag": [True, False]}
    expected = 1.0 / (1.0 + np.exp(-model.decision_function(X)))
    same = {"size": np.array([0.1, -0.4], dtype=object), "ind": ["a", "b"], "flag": [1, 0]}
    assert model.predict_proba(same) == pytest.approx(expected)
    b, w = model.intercept_, dict(zip(model.feature_names_, model.coef_, strict=True))
    z0 = b + 0.1 * w["size"] + w["flag"] + (w["ind=a"] if "ind=a" in w else 0.0)
    assert model.predict_proba(X)[0] == pytest.approx(1.0 / (1.0 + np.exp(-z0)))


def test_logistic_matrix_of_text_is_refused_not_parsed() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2))
    y = (rng.random(40) < 0.5).astype(int)
    with pytest.raises(DataValidationError, match="numeric"):
        LogisticScorer().fit(X.astype(str), y)
    model = LogisticScorer().fit(X, y)
    with pytest.raises(DataValidationError, match="numeric"):
        model.predict_proba(np.array([["0.1", "0.2"]], dtype=object))
    assert model.predict_proba(np.array([[0.1, 0.2]], dtype=object)) == pytest.approx(
        model.predict_proba(np.array([[0.1, 0.2]]))
    )


# --------------------------------------------------------------------------- personas

_PERSONAS = [
    alignment.Persona(name="IT", industries=("Software",), titles=("cto",)),
    alignment.Persona(name="Ent", company_size_min=1000),
]
_PERSONA_LEADS = {
    "lead_id": ["a", "b", "c"],
    "created_at": ["2024-01-01T00:00:00Z"] * 3,
    "industry": ["Software", "Retail", "Software"],
    "title": ["CTO", "cto", "Engineer"],
    "company_size": [2500.0, 40.0, 5000.0],
}


def test_persona_company_size_of_flags_is_refused() -> None:
    # True / False read as 1 / 0 would never reach company_size_min=1000, silently
    leads = dict(_PERSONA_LEADS, company_size=[True, False, True])
    with pytest.raises(DataValidationError, match="flags") as err:
        match_personas(leads, _PERSONAS)
    assert err.value.column == "company_size"


def test_persona_criterion_on_a_column_of_missing_values_only_meets_no_lead() -> None:
    # an empty industry column (NaN only) is missing values, as a column of None is
    for empty in ([np.nan] * 3, [None] * 3):
        leads = dict(_PERSONA_LEADS, industry=empty)
        assert match_personas(leads, _PERSONAS).persona.tolist() == ["Ent", None, "Ent"]
    with pytest.raises(DataValidationError, match="numbers, not text"):
        match_personas(dict(_PERSONA_LEADS, industry=[1, 2, 3]), _PERSONAS)


# --------------------------------------------------------------------------- account engagement


@pytest.mark.parametrize(
    "ids",
    [
        [101, 101, 7, None],
        pd.array([101, 101, 7, pd.NA], dtype="Int64"),
        pl.Series([101, 101, 7, None]),
        pa.array([101, 101, 7, None]),
    ],
    ids=["list", "Int64", "polars", "pyarrow"],
)
def test_account_engagement_labels_integer_account_ids_as_integers(ids: object) -> None:
    leads = {"lead_id": ["L1", "L2", "L3", "L4"], "account_id": ids}
    touches = {
        "lead_id": ["L1", "L2", "L3"],
        "timestamp": ["2024-04-01T00:00:00Z"] * 3,
        "kind": ["form", "webinar", "form"],
    }
    frame = pd.DataFrame(leads) if isinstance(ids, pd.arrays.IntegerArray) else leads
    res = account_engagement(frame, touches, as_of="2024-04-01T00:00:00Z")
    table = res.to_frame(backend="dict")
    # account 101: form 50 + webinar 20 today; account 7: form 50
    assert [str(v) for v in table["account_id"]] == ["101", "7"]
    assert table["score"].tolist() == [70.0, 50.0]
    assert res.summary()["leads_without_account"] == 1


# --------------------------------------------------------------------------- grid kind column

_KIND_LEADS = {"lead_id": ["L1", "L2"], "created_at": ["2024-01-15T00:00:00Z"] * 2}
_KIND_TOUCHES = {
    "lead_id": ["L1", "L1", "L2"],
    "timestamp": ["2024-03-31T00:00:00Z"] * 3,
    "channel": ["web"] * 3,
    "type": ["form", "webinar", "page_view"],
}


def test_grid_reads_the_kind_column_the_caller_names() -> None:
    # kind_column="type" was not kept from the frame: every touch fell back to its channel
    # ("web", no points) and went unscored, interest 0 for every lead
    res = alignment.score(
        _KIND_LEADS, _KIND_TOUCHES, scorer="grid", kind_column="type", as_of="2024-03-31T00:00Z"
    )
    assert res.to_frame(backend="dict")["interest"].tolist() == [70.0, 1.0]  # 50 + 20; 1
    assert res.diagnostics["kind_column"] == "type"
    assert res.diagnostics["unscored_touches"] == 0


def test_grid_kind_column_named_but_absent_is_refused_not_replaced_by_the_channel() -> None:
    with pytest.raises(alignment.MissingColumnError) as err:
        alignment.score(
            _KIND_LEADS, _KIND_TOUCHES, scorer="grid", kind_column="typ", as_of="2024-03-31T00:00Z"
        )
    assert err.value.column == "typ"
    journeys = alignment.Journeys.build(_KIND_TOUCHES)  # (built by hand without the column)
    with pytest.raises(alignment.MissingColumnError, match="'type'"):
        alignment.score(
            _KIND_LEADS, journeys, scorer="grid", kind_column="type", as_of="2024-03-31T00:00Z"
        )
    # the default kind column still falls back to the channel when the touches have none
    touches = {k: v for k, v in _KIND_TOUCHES.items() if k != "type"}
    res = alignment.score(
        _KIND_LEADS, touches, scorer="grid", interest_points={"web": 3}, as_of="2024-03-31T00:00Z"
    )
    assert res.to_frame(backend="dict")["interest"].tolist() == [6.0, 3.0]
