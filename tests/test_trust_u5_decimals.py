"""Lead ids held as decimals (PyArrow ``decimal128``, pandas ``ArrowDtype(decimal)``, Polars
``Decimal``, a pandas object column or a dict's list of ``decimal.Decimal``): a whole decimal is
the integer id, exactly (no float rounds a 19-digit id onto its neighbour); a decimal with a
fraction is refused naming its rows; every input alike."""

from __future__ import annotations

import warnings
from decimal import Decimal
from typing import Any

import pytest

from alignment import LeadTable, attribute
from alignment.errors import DataValidationError

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")

_BIG = 1234567890123456789  # (19 digits: floats merge it with its neighbours)
_KINDS = ["arrow", "pandas-arrow", "polars", "pandas-object", "dict"]


def _ids(kind: str, values: list[Decimal]) -> Any:
    scale = max(-int(v.as_tuple().exponent) for v in values)
    arrow = pa.array(values, type=pa.decimal128(22, scale))
    if kind == "arrow":
        return arrow
    if kind == "pandas-arrow":
        return pd.Series(pd.array(arrow, dtype=pd.ArrowDtype(arrow.type)))
    if kind == "polars":
        return pl.Series(values, dtype=pl.Decimal(22, scale))
    if kind == "pandas-object":
        return pd.Series(values, dtype=object)
    return list(values)


def _frame(kind: str, columns: dict[str, Any]) -> Any:
    if kind == "arrow":
        return pa.table({k: v if k == "lead_id" else pa.array(v) for k, v in columns.items()})
    if kind == "polars":
        return pl.DataFrame(columns)
    return pd.DataFrame(columns) if kind.startswith("pandas") else columns


def _leads(kind: str, values: list[Decimal]) -> Any:
    at = ["2024-01-01T00:00Z"] * len(values)
    return LeadTable.build(_frame(kind, {"lead_id": _ids(kind, values), "created_at": at}))


@pytest.mark.parametrize("kind", _KINDS)
def test_whole_decimal_ids_are_integer_ids_exactly(kind: str) -> None:
    values = [Decimal(_BIG), Decimal(_BIG + 1), Decimal("30.00")]
    lt = _leads(kind, values)
    assert lt.ids.tolist() == [_BIG, _BIG + 1, 30]
    assert lt.positions([_BIG + 1, _BIG, _BIG + 2])[0].tolist() == [1, 0, -1]


@pytest.mark.parametrize("kind", _KINDS)
def test_a_decimal_id_with_a_fraction_is_refused_naming_its_rows(kind: str) -> None:
    with pytest.raises(DataValidationError, match=r"not a whole number|fractional part") as info:
        _leads(kind, [Decimal("10.0"), Decimal("20.5"), Decimal("30.0")])
    assert info.value.column == "lead_id" and info.value.rows == [1]


@pytest.mark.parametrize("kind", _KINDS)
def test_attribute_credits_touches_keyed_by_whole_decimals(kind: str) -> None:
    ids = _ids(kind, [Decimal(_BIG), Decimal(_BIG + 1), Decimal(_BIG + 1)])
    at = ["2024-01-01T00:00Z", "2024-01-01T00:00Z", "2024-01-02T00:00Z"]
    touches = _frame(kind, {"lead_id": ids, "timestamp": at, "channel": ["web", "ads", "mail"]})
    conversions = {
        "lead_id": [_BIG + 1],
        "converted_at": ["2024-01-03T00:00Z"],
        "revenue": [100.0],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = attribute(touches, conversions, model="linear").to_frame(backend="pandas")
    assert [int(v) for v in r["lead_id"].tolist()] == [_BIG, _BIG + 1, _BIG + 1]
    assert r["credit"].tolist() == [0.0, 50.0, 50.0]
