"""Integer columns with missing values read alike from every input kind (a dict's list of ints
with ``None`` is integers with missing values, never floats)."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import alignment

_BIG = 2**53
_CREATED = ["2024-01-01T00:00:00Z"] * 4
_WON = [None, "2024-02-01T00:00:00Z", None, None]


def _records(d):
    return [dict(zip(d, row, strict=True)) for row in zip(*d.values(), strict=True)]


_KINDS = {
    "dict": lambda d: d,
    "records": _records,
    "pandas": lambda d: pd.DataFrame({**d, "campaign": pd.array(d["campaign"], dtype="Int64")}),
    "polars": pl.DataFrame,
    "arrow": pa.table,
}


@pytest.mark.parametrize("kind", list(_KINDS))
@pytest.mark.parametrize(
    ("codes", "labels"),
    [
        ([_BIG, None, _BIG + 1, 3], ["3", str(_BIG), str(_BIG + 1), "(missing)"]),
        ([101, None, 102, 3], ["101", "102", "3", "(missing)"]),
    ],
)
def test_integer_codes_with_a_missing_value_are_labelled_alike_whatever_the_input(
    kind, codes, labels
):
    leads = {"lead_id": list("abcd"), "created_at": _CREATED, "campaign": codes, "won_at": _WON}
    got = alignment.funnel.observe(
        _KINDS[kind](leads), by="campaign", stages=["created_at", "won_at"]
    ).to_frame(backend="dict")
    assert got["campaign"].tolist() == labels
    # one lead per code: 2**53 and 2**53 + 1 are two campaigns, not one
    assert got["n_from"].tolist() == [1, 1, 1, 1]
    assert dict(zip(got["campaign"].tolist(), got["converted"].tolist(), strict=True)) == {
        **dict.fromkeys(labels, 0),
        "(missing)": 1,
    }
