"""Trust: group labels of lead columns, attribution, the command line and the report, fed
hostile but realistic inputs.

Each test pins a value (hand-computed) or a typed refusal where a number used to be silently
wrong, a label misread, or a raw library exception escaped.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import alignment
from alignment import DataValidationError, funnel
from alignment.tables import LeadTable

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


# ------------------------------------------- integer campaign codes on the leads are labels


def _coded_leads(campaign: list[object]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": ["a", "b", "c"],
            "created_at": pd.to_datetime(["2023-12-30"] * 3, utc=True),
            "source": ["web", "ads", "web"],
            "campaign": campaign,
            "persona": ["x", "y", "x"],
        }
    )


def test_closed_loop_groups_by_integer_campaign_codes_of_the_leads() -> None:
    # campaign 101 / 102 with a missing value (pandas: a float column) used to be refused
    # ("not a string column"), failing the closed loop and the whole report
    out = alignment.closed_loop(_coded_leads([101, None, 102])).to_frame("pandas")
    rows = out[["source", "campaign", "leads"]].to_dict("records")
    assert rows == [
        {"source": "ads", "campaign": "(missing)", "leads": 1},
        {"source": "web", "campaign": "101", "leads": 1},
        {"source": "web", "campaign": "102", "leads": 1},
    ]


def test_closed_loop_reads_an_empty_campaign_column_as_missing() -> None:
    # an export's empty campaign column (all NaN) is missing campaigns, not a number column
    out = alignment.closed_loop(_coded_leads([np.nan] * 3)).to_frame("pandas")
    assert out["campaign"].tolist() == ["(missing)", "(missing)"]
    assert out["leads"].tolist() == [1, 2]


def test_campaign_with_a_fraction_is_refused_where_it_is_used() -> None:
    leads = _coded_leads([1.5, None, 102])
    assert LeadTable.build(leads).n_leads == 3  # (a call that never reads it does not fail)
    with pytest.raises(DataValidationError, match="fraction") as info:
        alignment.closed_loop(leads)
    assert info.value.column == "campaign"


def test_attribution_totals_by_integer_campaign_of_the_leads() -> None:
    touches = pd.DataFrame(
        {
            "lead_id": ["a", "a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-02"], utc=True),
            "channel": ["email", "search", "email"],
            "converted_at": pd.to_datetime(["2024-01-10", "2024-01-10", "2024-01-11"], utc=True),
            "revenue": [100.0, 100.0, 50.0],
        }
    )
    res = alignment.attribute(touches, leads=_coded_leads([101, None, 102]))
    assert res.totals(by="campaign") == {"101": 100.0, "102": 0.0, "(missing)": 50.0}


# ------------------------------------------------------------ attribution: duplicate deal ids


def test_a_deal_id_won_for_two_persons_is_refused_not_counted_twice() -> None:
    # one won deal per person (journeys keyed by person): d1 for a (100) and for b (50) was
    # credited as 150 of revenue; a deal id given twice is refused wherever the key is
    touches = pd.DataFrame(
        {
            "lead_id": ["a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
            "channel": ["email", "search"],
        }
    )
    deals = pd.DataFrame(
        {
            "deal_id": ["d1", "d2", "d1"],
            "lead_id": ["a", "b", "b"],
            "closed_at": pd.to_datetime(["2024-01-10"] * 3, utc=True),
            "amount": [100.0, 50.0, 30.0],
            "won": [True, False, True],
        }
    )
    with pytest.raises(DataValidationError, match="duplicate deal id") as info:
        alignment.attribute(touches, deals)
    assert (info.value.column, info.value.rows) == ("deal_id", [0, 2])
    assert alignment.attribute(touches, deals.iloc[:2]).totals() == {"email": 100.0, "search": 0.0}


def test_a_lead_column_holding_the_missing_label_is_named_as_the_leads() -> None:
    # the refusal of a lead column holding the text "(missing)" named the touchpoints table
    touches = pd.DataFrame(
        {
            "lead_id": ["a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
            "channel": ["email", "search"],
            "converted_at": pd.to_datetime(["2024-01-10", "2024-01-11"], utc=True),
            "revenue": [100.0, 50.0],
        }
    )
    leads = _coded_leads(["x", "y", "z"]).assign(source=["(missing)", None, "web"])
    res = alignment.attribute(touches, leads=leads)
    with pytest.raises(DataValidationError, match="'\\(missing\\)'") as info:
        res.totals(by="source")
    assert (info.value.table, info.value.column) == ("leads", "source")
