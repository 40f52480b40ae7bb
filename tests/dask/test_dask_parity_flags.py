"""Flags of Python booleans and missing values in an ``object`` column, fitted on Dask: read
as memory reads them (three levels, one-hot encoded), not refused as text; and nullable
outcomes refused as memory refuses them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
dask = pytest.importorskip("dask")

from alignment import dask as adask  # noqa: E402
from alignment.errors import DataValidationError  # noqa: E402
from alignment.scoring import LogisticScorer  # noqa: E402


def _frame(missing: list[int]) -> Any:
    rng = np.random.default_rng(0)
    n = 60
    x = rng.normal(size=n)
    flag = (rng.random(n) > 0.5).astype(object)
    flag[missing] = None
    converted = x + rng.normal(size=n) > 0
    return pd.DataFrame({"x": x, "flag": flag, "converted": converted})


def _on_dask(df: Any, parts: int = 2) -> Any:
    # (object columns kept as Python objects: Dask's default turns them into text)
    with dask.config.set({"scheduler": "sync", "dataframe.convert-string": False}):
        ddf = dd.from_pandas(df, npartitions=parts, sort=False)
        return adask.fit_logistic(ddf, y="converted", min_count=2)


@pytest.mark.parametrize("missing", [[3, 50], [3, 5, 7]])  # (in both partitions; in one)
def test_an_object_flag_with_missing_values_is_three_levels_as_in_memory(
    missing: list[int],
) -> None:
    df = _frame(missing)
    mem = LogisticScorer(min_count=2).fit(df[["x", "flag"]], df["converted"])
    got = _on_dask(df)
    assert list(mem.feature_names_) == ["x", "flag=(missing)", "flag=False"]
    assert list(got.feature_names_) == list(mem.feature_names_)
    np.testing.assert_allclose(got.coef_, mem.coef_, rtol=1e-4, atol=1e-5)
    assert got.intercept_ == pytest.approx(mem.intercept_, rel=1e-4, abs=1e-5)
    probe = df[["x", "flag"]].iloc[:10]
    np.testing.assert_allclose(got.predict_proba(probe), mem.predict_proba(probe), rtol=1e-4)


def test_an_object_column_of_booleans_and_text_is_still_refused() -> None:
    df = _frame([3])
    df.loc[7, "flag"] = "yes"
    with pytest.raises(DataValidationError) as exc:
        _on_dask(df)
    assert exc.value.column == "flag" and "numeric features only" in str(exc.value)


def test_a_nullable_outcome_is_refused_as_in_memory() -> None:
    df = _frame([])
    y = pd.array(df["converted"].to_numpy(), dtype="boolean")
    y[[5, 40]] = pd.NA
    df["converted"] = y
    with pytest.raises(DataValidationError) as mem:
        LogisticScorer().fit(df[["x"]], df["converted"])
    with pytest.raises(DataValidationError) as got:
        _on_dask(df[["x", "converted"]])
    assert (got.value.problem, got.value.column, list(got.value.rows)) == (
        mem.value.problem,
        mem.value.column,
        [5, 40],
    )
