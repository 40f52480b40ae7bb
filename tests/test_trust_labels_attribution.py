"""Trust: group labels of lead columns, attribution, the command line and the report, fed
hostile but realistic inputs.

Each test pins a value (hand-computed) or a typed refusal where a number used to be silently
wrong, a label misread, or a raw library exception escaped.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from alignment import funnel

# ------------------------------------------------------------------ funnel.observe(by=) labels

_DAY = [datetime(2024, 1, d, tzinfo=timezone.utc) for d in (1, 2, 3)]
_CREATED = [_DAY[0]] * 4
_MQL = [_DAY[1], None, None, _DAY[2]]


def _leads(backend: str, camp: list[object]) -> object:
    data = {
        "lead_id": [1, 2, 3, 4],
        "created_at": _CREATED,
        "mql_at": _MQL,
        "camp": camp,
    }
    if backend == "pandas":
        return pd.DataFrame(data)
    if backend == "polars":
        return pl.DataFrame(data)
    if backend == "pyarrow":
        return pa.table(data)
    return data


@pytest.mark.parametrize("backend", ["dict", "pandas", "polars", "pyarrow"])
def test_observe_by_integer_codes_with_missing_labels_them_as_integers(backend: str) -> None:
    # ints and None: pandas makes the column float (101.0); still the campaign "101"
    obs = funnel.observe(
        _leads(backend, [101, None, 102, 101]), stages=["created_at", "mql_at"], by="camp"
    )
    assert obs.group_values.tolist() == ["101", "102", "(missing)"]
    assert obs.rates("101")["lead"] == 1.0  # leads 1 and 4, both reached mql
    assert obs.rates("102")["lead"] == 0.0


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
def test_observe_by_float_column_labels_whole_values_as_integers(backend: str) -> None:
    # a float column with a fraction: whole values "1", others as the float "2.5" (numeric order)
    obs = funnel.observe(
        _leads(backend, [1.0, 2.5, None, 1.0]), stages=["created_at", "mql_at"], by="camp"
    )
    assert obs.group_values.tolist() == ["1", "2.5", "(missing)"]
    frame = obs.to_frame("pandas")
    assert set(frame["camp"]) == {"1", "2.5", "(missing)"}
