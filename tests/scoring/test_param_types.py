"""Scoring parameters of the wrong type are refused (flags are bools, counts are not bools,
class weights name both classes), and a min/max rule reads a text column strictly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import alignment
from alignment.errors import DataValidationError, ParameterError
from alignment.scoring import LeadEncoder, LogisticScorer

X = np.array([[0.0], [1.0], [2.0], [3.0]])
Y = [0, 1, 0, 1]
TEXT_FLAGS = ["no", "false", "False", "", 0, 1, None]


@pytest.mark.parametrize("flag", TEXT_FLAGS)
def test_fit_intercept_must_be_a_bool(flag: Any) -> None:
    with pytest.raises(ParameterError, match="fit_intercept must be True or False") as info:
        LogisticScorer(fit_intercept=flag).fit(X, Y)
    assert repr(flag) in str(info.value)


def test_fit_intercept_bools_still_work() -> None:
    assert LogisticScorer(fit_intercept=False).fit(X, Y).intercept_ == 0.0
    assert LogisticScorer(fit_intercept=np.bool_(True)).fit(X, Y).intercept_ != 0.0


def test_dask_fit_logistic_refuses_a_text_fit_intercept() -> None:
    pytest.importorskip("dask.dataframe")
    import pandas as pd

    from alignment.dask import fit_logistic
    from dask import dataframe as dd

    frame = dd.from_pandas(pd.DataFrame({"x": X[:, 0], "y": Y}), npartitions=2)
    with pytest.raises(ParameterError, match=r"fit_intercept must be True or False.*'no'"):
        fit_logistic(frame, "y", fit_intercept="no")


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"max_iter": True}, "max_iter"),
        ({"min_count": True}, "min_count"),
        ({"max_iter": 10.0}, "max_iter"),
    ],
)
def test_counts_are_integers_not_bools(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ParameterError, match=f"{name} must be a positive integer"):
        LogisticScorer(**kwargs).validate_params()


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({0: 1.0}, "no weight for class 1"),
        ({1: 3.0}, "no weight for class 0"),
        ({0: 1.0, 1: "3"}, "values finite numbers"),
        ({0: 1.0, "1": 3.0}, "keys must be 0/1"),
        ({0: 1.0, 2: 3.0}, "keys must be 0/1"),
    ],
)
def test_class_weight_mapping_gives_both_classes(weights: dict[Any, Any], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        LogisticScorer(class_weight=weights).fit(X, Y)


def test_class_weight_with_both_classes_fits() -> None:
    m = LogisticScorer(class_weight={0: 1.0, 1: 3.0}).fit(X, Y)
    assert np.isfinite(m.intercept_)


@pytest.mark.parametrize("param", ["impute", "exclude_identifiers"])
@pytest.mark.parametrize("flag", ["no", 1, None])
def test_lead_encoder_flags_must_be_bools(param: str, flag: Any) -> None:
    with pytest.raises(ParameterError, match=f"{param} must be True or False") as info:
        LeadEncoder().fit({"x": np.array([1.0, 2.0])}, **{param: flag})
    assert repr(flag) in str(info.value)


def test_score_as_of_too_large_for_a_float_is_a_parameter_error() -> None:
    leads = {"lead_id": ["a"], "created_at": ["2024-01-01Z"]}
    with pytest.raises(ParameterError, match=r"as_of.*outside the supported range"):
        alignment.score(leads, as_of=10**400)


LEADS = {
    "lead_id": ["L1", "L2", "L3", "L4"],
    "created_at": ["2024-01-15"] * 4,
    "company_size": ["800", "1,200", "5000+", "big"],
}


def test_range_rule_on_text_names_the_values_that_are_not_numbers() -> None:
    rule = {"name": "size", "column": "company_size", "min": 200, "max": 10_000, "points": 10}
    with pytest.raises(DataValidationError) as info:
        alignment.score(LEADS, fit_rules=[rule], tz="UTC")
    err = info.value
    assert err.column == "company_size"
    assert err.table == "leads"
    assert err.rows == [2, 3]
    assert err.value == "5000+"
    assert "min/max" in str(err) and "give numbers" in str(err)


def test_range_grade_rule_on_text_refuses_too() -> None:
    rule = {"column": "company_size", "min": 200, "steps": 2, "else_steps": -2}
    with pytest.raises(DataValidationError, match="company_size") as info:
        alignment.score(LEADS, grade_rules=[rule], tz="UTC")
    assert info.value.rows == [2, 3]


def test_range_rule_reads_text_numbers_like_the_library() -> None:
    leads = {**LEADS, "company_size": ["800", "1,200", "15,000", None]}
    rule = {"column": "company_size", "min": 1_000, "max": 10_000, "points": 10}
    grade = {"column": "company_size", "min": 1_000, "steps": 2, "else_steps": -2}
    frame = alignment.score(leads, fit_rules=[rule], grade_rules=[grade], tz="UTC").to_frame(
        backend="dict"
    )
    assert [float(v) for v in frame["fit"]] == [0.0, 10.0, 0.0, 0.0]
    # 800 fails (else_steps), 1,200 and 15,000 meet min, a missing size moves neither way
    assert list(frame["grade"]) == ["F", "C-", "C-", "D"]
