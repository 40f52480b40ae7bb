"""SLA ``marketing.split_by`` reads its lead column as every ``by=`` does (integer codes as
``"101"``, whole floats a missing value made as integers, flags ``"False"``/``"True"``, other
numbers by the float), in memory and on Dask with the same labels."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from alignment.errors import MissingColumnError
from alignment.sla import evaluate

pd = pytest.importorskip("pandas")

_SLA = {
    "marketing": {"qualified_leads": 4, "period": "M", "split_by": "region"},
    "sales": {"first_touch": {"within": "1d"}},
}
_NO_ACTS: dict[str, list[Any]] = {"lead_id": [], "timestamp": [], "kind": []}


def _leads(region: Any) -> Any:
    n = len(region)
    at = pd.to_datetime(["2024-03-04T10:00Z"] * n)
    ids = [f"L{i}" for i in range(n)]
    return pd.DataFrame({"lead_id": ids, "created_at": at, "mql_at": at, "region": region})


def _periods(leads: Any) -> tuple[list[str], list[int], list[float]]:
    p = evaluate(_SLA, leads, _NO_ACTS, as_of="2024-03-10T00:00Z").periods
    return p["region"].tolist(), p["delivered"].tolist(), p["committed"].tolist()


@pytest.mark.parametrize(
    ("region", "labels", "delivered"),
    [
        (pd.array([101, 99, 101, 7], dtype="Int64"), ["101", "7", "99"], [2, 1, 1]),
        ([101.0, 99.0, np.nan, 101.0], ["(missing)", "101", "99"], [1, 2, 1]),
        ([True, False, None, True], ["(missing)", "False", "True"], [1, 1, 2]),
        ([2.5, 1.0, 2.5, 2.5], ["1", "2.5"], [1, 3]),
        (["b", "a", None, "a"], ["(missing)", "a", "b"], [1, 2, 1]),
    ],
)
def test_split_by_reads_any_lead_column_as_by_does(
    region: Any, labels: list[str], delivered: list[int]
) -> None:
    got, count, committed = _periods(_leads(region))
    assert got == labels and count == delivered
    real = sum(label != "(missing)" for label in labels)  # (shared by the real keys)
    assert committed == [0.0 if lb == "(missing)" else 4 / real for lb in labels]


def test_split_by_labels_match_speed_to_lead_by() -> None:
    from alignment.sla import speed_to_lead

    leads = _leads([101.0, 99.0, np.nan, 101.0])
    by = (
        speed_to_lead(leads, _NO_ACTS, by="region", assigned="created_at", connect_outcomes=None)
        .by["region"]
        .tolist()
    )
    assert _periods(leads)[0] == sorted(by)


def test_split_by_a_time_or_unknown_column_is_refused() -> None:
    for name in ("mql_at", "nope"):
        sla = {**_SLA, "marketing": {**_SLA["marketing"], "split_by": name}}  # type: ignore[dict-item]
        with pytest.raises(MissingColumnError) as info:
            evaluate(sla, _leads([1, 2, 3, 4]), _NO_ACTS, as_of="2024-03-10T00:00Z")
        assert info.value.column == name and info.value.fix


@pytest.mark.parametrize(
    "region",
    [
        [101, 99, None, 101, 7, 7],
        [True, False, None, True, True, False],
        [1.5, 2.0, 1.5, None, 3, 3],
    ],
)
def test_split_by_on_dask_has_memory_labels(region: list[Any]) -> None:
    dd = pytest.importorskip("dask.dataframe")
    dask = pytest.importorskip("dask")
    leads = _leads(pd.Series(region, dtype=object))
    if all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in region):
        leads["region"] = pd.to_numeric(leads["region"])  # (numbers: NaN where missing)
    want = _periods(leads)
    with dask.config.set({"scheduler": "sync", "dataframe.convert-string": False}):
        parts = dd.from_pandas(leads, npartitions=3, sort=False)
        acts = dd.from_pandas(pd.DataFrame(_NO_ACTS, dtype=object), npartitions=1)
        p = evaluate(_SLA, parts, acts, as_of="2024-03-10T00:00Z").periods
    assert (p["region"].tolist(), p["delivered"].tolist(), p["committed"].tolist()) == want
