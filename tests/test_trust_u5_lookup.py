"""Keys given as Python ints in an object column (beyond int64 too, ``None`` where missing) meet
text keys by their text, as every key column is read (``10`` finds ``"10"``): through
``account_engagement`` (touches and deal contacts found among the leads), never a raw
``OverflowError``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from alignment import LeadTable
from alignment.scoring import account_engagement

_BIG = 10**20


def _engagement(lead_ids: list[str], touch_ids: list[Any]) -> Any:
    leads = {"lead_id": lead_ids, "account_id": ["A", "B"]}
    ids = np.array(touch_ids, dtype=object)
    at = np.array(["2024-01-01T00:00"] * 2, dtype="datetime64[us]")
    touches = {"lead_id": ids, "timestamp": at, "kind": ["demo_request"] * 2}
    contacts = {"lead_id": ids, "role": ["decision_maker", "champion"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return account_engagement(
            leads, touches, as_of="2024-01-02T00:00", deal_contacts=contacts, tz="UTC"
        )


@pytest.mark.parametrize(
    ("touch_ids", "found"),
    [([_BIG, 20], [1, 1]), ([_BIG, None], [1, 0]), ([10**19 + 1, 20], [0, 1])],
)
def test_python_int_keys_meet_text_lead_ids_by_their_text(
    touch_ids: list[Any], found: list[int]
) -> None:
    r = _engagement([str(_BIG), "20"], touch_ids)
    f = r.to_frame(backend="pandas")
    assert f["account_id"].tolist() == ["A", "B"] and f["touches"].tolist() == found
    unknown = found.count(0)
    assert r.counts["touches_unknown_lead"] == unknown
    assert r.counts["deal_contacts_unknown_lead"] == unknown


def test_positions_of_python_ints_among_text_ids() -> None:
    lt = LeadTable.build({"lead_id": [str(_BIG), "10", "30"], "created_at": ["2024-01-01"] * 3})
    pos, found = lt.positions(np.array([10, _BIG, None, 31], dtype=object))
    assert pos.tolist() == [1, 0, -1, -1] and found.tolist() == [True, True, False, False]
