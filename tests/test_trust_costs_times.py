"""Trust: closed-loop cost keys read as the leads' labels, a time column with no instant next to
aware ones, and the closed-loop command on leads without any default key column.

Each test pins a value (hand-computed) or a typed refusal naming what is wrong and the fix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alignment
from alignment import DataValidationError, MissingColumnError
from alignment.cli import main
from alignment.closed_loop import closed_loop
from alignment.tables import LeadTable

# --------------------------------------------------------------------------- closed-loop cost keys


def _leads() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": ["a", "b", "c"],
            "created_at": pd.to_datetime(["2024-01-01"] * 3, utc=True),
            "source": ["ads", "ads", "seo"],
            "campaign": [101, 101, 202],
        }
    )


def _cost_rows(costs: object) -> dict[tuple[str, str], tuple[int, float, object]]:
    report = closed_loop(_leads(), costs=costs, by=["source", "campaign"])
    tab = report.table.to_frame("pandas")
    return {
        (s, c): (int(n), float(cost), note)
        for s, c, n, cost, note in zip(
            tab["source"], tab["campaign"], tab["leads"], tab["cost"], tab["note"]
        )
    }


@pytest.mark.parametrize(
    "campaign",
    [
        [101, 202, np.nan],  # a float column: a missing value made the codes 101.0
        [101, 202, None],  # Python ints and None
        pd.array([101, 202, None], dtype="Int64"),
    ],
    ids=["float-nan", "objects", "Int64"],
)
def test_cost_key_with_a_missing_value_matches_the_leads_integer_codes(campaign: object) -> None:
    costs = pd.DataFrame(
        {"source": ["ads", "seo", "ads"], "campaign": campaign, "cost": [100.0, 50.0, 7.0]}
    )
    rows = _cost_rows(costs)
    # 100 on ads/101 (2 leads), 50 on seo/202 (1 lead); 7 kept apart on the missing key
    assert rows == {
        ("ads", "101"): (2, 100.0, None),
        ("seo", "202"): (1, 50.0, None),
        ("ads", "(missing)"): (0, 7.0, "no lead has this key"),
    }


def test_cost_key_from_a_dict_with_a_missing_value() -> None:
    costs = {"source": ["ads", "ads"], "campaign": [101.0, float("nan")], "cost": [9.0, 1.0]}
    rows = _cost_rows(costs)
    assert rows[("ads", "101")] == (2, 9.0, None)
    assert rows[("ads", "(missing)")] == (0, 1.0, "no lead has this key")
    assert ("ads", "101.0") not in rows


@pytest.mark.parametrize(
    ("campaign", "bad"),
    [([1.5, 202.0], "a number with a fraction"), ([True, False], "found bool")],
    ids=["fraction", "flag"],
)
def test_cost_key_that_is_no_label_is_refused_naming_the_rows(campaign: list, bad: str) -> None:
    costs = pd.DataFrame({"source": ["ads", "seo"], "campaign": campaign, "cost": [1.0, 2.0]})
    with pytest.raises(DataValidationError, match=bad) as info:
        closed_loop(_leads(), costs=costs, by=["source", "campaign"])
    err = info.value
    assert (err.table, err.column) == ("costs", "campaign")
    assert list(err.rows) == ([0] if bad.startswith("a number") else [0, 1])


# --------------------------------------------------------------------------- a time column, no instant


def _times_leads(mql: object) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": ["a", "b"],
            "created_at": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
            "mql_at": mql,
        }
    )


def _touches() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": ["a", "b"],
            "channel": ["email", "ads"],
            "timestamp": pd.to_datetime(["2023-12-31", "2024-01-01"], utc=True),
        }
    )


def test_time_column_without_any_instant_is_neither_naive_nor_aware() -> None:
    leads = _times_leads(pd.NaT)
    assert leads["mql_at"].dtype.kind == "M" and leads["mql_at"].dt.tz is None  # naive dtype
    lt = LeadTable.build(leads)
    assert np.isnat(lt.stages["mql_at"]).all()
    assert lt.n_leads == 2
    res = alignment.attribute(_touches(), leads, outcome="mql_at")
    assert int(np.asarray(res.table.converted, dtype=bool).sum()) == 0  # no conversion from it
    assert res.attributed_revenue == 0.0


def test_time_column_with_one_naive_instant_next_to_aware_is_still_refused() -> None:
    leads = _times_leads(pd.to_datetime([None, "2024-01-05"]))
    with pytest.raises(DataValidationError, match="naive datetimes in") as info:
        LeadTable.build(leads)
    assert info.value.column == "mql_at"
    with pytest.raises(DataValidationError, match="naive datetimes in"):
        alignment.attribute(_touches(), leads, outcome="mql_at")


# --------------------------------------------------------------------------- closed-loop command


def test_closed_loop_command_names_the_missing_default_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,created_at,email\n1,2024-01-01T00:00:00Z,a@x.com\n")
    assert main(["closed-loop", str(leads)]) != 0
    err = capsys.readouterr().err
    assert "not a string column" not in err
    assert "source, campaign, persona" in err and "none of them" in err
    assert "--by" in err


def test_closed_loop_by_an_absent_column_says_it_is_absent() -> None:
    with pytest.raises(MissingColumnError, match="'region', which is not a column of") as info:
        closed_loop(_leads(), by="region")
    assert info.value.fix is not None and "by=" in info.value.fix
