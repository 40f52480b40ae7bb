"""Amounts written as text on Dask: read as memory reads them (thousands separators, currency
signs, the call's decimal mark) or refused with memory's error (same column, rows, value); an
engine without a Dask backend refuses a Dask frame saying so."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
dask = pytest.importorskip("dask")

import alignment  # noqa: E402
from alignment._options import reading  # noqa: E402
from alignment.errors import AlignmentError, DataValidationError  # noqa: E402

TOUCHES = pd.DataFrame(
    {
        "lead_id": ["L1", "L1", "L2", "L3", "L4"],
        "timestamp": pd.to_datetime(
            ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"], utc=True
        ),
        "channel": ["email", "search", "event", "email", "search"],
    }
)


def _conversions(revenue: list[Any]) -> Any:
    return pd.DataFrame(
        {
            "lead_id": ["L1", "L2", "L3", "L4"],
            "converted_at": pd.to_datetime(["2024-02-01"] * 4, utc=True),
            "revenue": revenue,
        }
    )


def _outcome(t: Any, c: Any) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = alignment.attribute(t, c)
    except AlignmentError as exc:
        return (type(exc).__name__, exc.problem, exc.column, list(exc.rows), repr(exc.value))
    return {k: round(v, 9) for k, v in res.totals().items()}


@pytest.mark.parametrize("convert_string", [True, False])
@pytest.mark.parametrize(
    ("revenue", "decimal", "want"),
    [
        (
            ["1,200.50", "300", "50.25", "10"],
            ".",
            {"email": 650.5, "event": 300.0, "search": 610.25},
        ),
        (
            ["$1,200.50", 300, "50.25", 10.0],
            ".",
            {"email": 650.5, "event": 300.0, "search": 610.25},
        ),
        (
            ["1.200,50", "300", "50,25", "10"],
            ",",
            {"email": 650.5, "event": 300.0, "search": 610.25},
        ),
        (["1,200.50", "abc", "50.25", "10"], ".", None),
        (["1,200.50", "300", "", "10"], ".", None),
    ],
)
def test_text_amounts_read_or_refused_as_in_memory(
    revenue: list[Any], decimal: str, want: Any, convert_string: bool
) -> None:
    c = _conversions(revenue)
    with reading(decimal=decimal):
        mem = _outcome(TOUCHES, c)
        with dask.config.set({"scheduler": "sync", "dataframe.convert-string": convert_string}):
            got = _outcome(
                dd.from_pandas(TOUCHES, npartitions=2, sort=False),
                dd.from_pandas(c, npartitions=2, sort=False),
            )
    if want is not None:
        assert mem == pytest.approx(want)
    else:
        assert mem[0] == "DataValidationError" and mem[2] == "revenue"
    assert got == mem


def test_closed_loop_refuses_a_dask_frame_naming_what_to_do() -> None:
    leads = pd.DataFrame({"lead_id": ["L1", "L2"], "created_at": ["2024-01-01"] * 2})
    deals = pd.DataFrame(
        {"deal_id": ["D1"], "lead_id": ["L1"], "amount": ["1,200.50"], "won": [True]}
    )
    with pytest.raises(DataValidationError) as info:
        alignment.closed_loop(dd.from_pandas(leads, npartitions=1), deals=deals, by="source")
    assert info.value.table == "leads"
    assert "a Dask collection: this function runs in memory" in str(info.value)
    assert "ddf.compute()" in str(info.value)
