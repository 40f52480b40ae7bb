"""Decimal values the review of the decimal-id reading found misread: a pandas Arrow decimal
column beyond int64 with a missing value (a raw TypeError), a non-finite decimal key (called
fractional), a float NaN missing among whole decimal ids (the ids merged through floats), a
signalling decimal NaN (a raw decimal.InvalidOperation)."""

from __future__ import annotations

import warnings
from decimal import Decimal

import numpy as np
import pytest

from alignment import LeadTable, funnel
from alignment.errors import DataValidationError

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

_CREATED = ["2024-01-01T00:00Z"] * 3


def test_pandas_arrow_decimal_beyond_int64_with_a_missing_value_is_read() -> None:
    arrow = pa.array([Decimal(10**20), None, Decimal(5)], type=pa.decimal128(38, 0))
    tier = pd.Series(pd.array(arrow, dtype=pd.ArrowDtype(arrow.type)))
    leads = pd.DataFrame({"lead_id": ["a", "b", "c"], "created_at": _CREATED, "tier": tier})
    leads["mql_at"] = _CREATED
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        obs = funnel.observe(leads, stages=["created_at", "mql_at"], by="tier")
    assert obs.group_values.tolist() == ["5", "100000000000000000000", "(missing)"]
    assert obs.counts.tolist() == [[1, 1], [1, 1], [1, 1]]


def test_a_non_finite_decimal_key_is_named_as_such() -> None:
    ids = [Decimal("Infinity"), Decimal(1), Decimal(2)]
    with pytest.raises(DataValidationError) as err:
        LeadTable.build({"lead_id": ids, "created_at": _CREATED})
    assert "not a finite number" in err.value.problem
    assert list(err.value.rows) == [0]


@pytest.mark.parametrize("missing", [None, np.nan])
def test_whole_decimal_ids_with_a_missing_value_stay_apart(missing: object) -> None:
    big = 10**20
    leads = {
        "lead_id": ["a", "b", "c"],
        "created_at": _CREATED,
        "mql_at": _CREATED,
        "acct": [Decimal(big), missing, Decimal(big + 1)],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        obs = funnel.observe(leads, stages=["created_at", "mql_at"], by="acct")
    assert obs.group_values.tolist() == [str(big), str(big + 1), "(missing)"]


def test_a_signalling_decimal_nan_key_is_a_missing_key() -> None:
    with pytest.raises(DataValidationError) as err:
        LeadTable.build(
            {"lead_id": [Decimal("sNaN"), Decimal(1), Decimal(2)], "created_at": _CREATED}
        )
    assert "missing key" in err.value.problem
    assert list(err.value.rows) == [0]
