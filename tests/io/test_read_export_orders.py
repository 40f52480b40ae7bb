"""``read_crm`` reads the same bundle from an export whatever order its files list their rows.

The benchmark generator (``benchmarks/make_salesforce_export.py``) writes the same persons with
each file's rows in creation order (as Salesforce lists them) or with each person's records side
by side.  The reader's fast paths take runs of one id when they are there; the bundle, and the
rows its issues name (mapped through the permutation), must not depend on them.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.io.io_exports import assert_same_crm, issue_set

pytest.importorskip("pyarrow")

ROOT = Path(__file__).resolve().parents[2]
READ_ARGS: dict[str, Any] = {
    "tz": "America/New_York",
    "dayfirst": False,
    "columns": {"Lead": {"MQL_Date__c": "mql_at"}},
}


def _generator() -> Any:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return importlib.import_module("make_salesforce_export")
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def _moved(by_person: dict[str, Any], created: dict[str, Any]) -> dict[str, np.ndarray]:
    """Per file, the by-person row of each row of the creation-order file (matched by Id)."""
    perms = {}
    for name, cols in created.items():
        ids = np.asarray(by_person[name]["Id"])
        where = {v: i for i, v in enumerate(ids.tolist())}
        perms[name] = np.array([where[v] for v in np.asarray(cols["Id"]).tolist()], np.int64)
    return perms


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_creation_order_and_person_order_read_alike(tmp_path: Path, fmt: str) -> None:
    import alignment.io

    gen = _generator()
    by_person, _ = gen.build(3000, seed=5, order="person")
    created, _ = gen.build(3000, seed=5, order="created")
    perms = _moved(by_person, created)
    moved = [n for n, p in perms.items() if not np.array_equal(p, np.arange(p.size))]
    assert {"CampaignMember", "Task", "Lead"} <= set(moved)  # (the orders do differ)
    gen.write(by_person, tmp_path / "person", fmt)
    gen.write(created, tmp_path / "created", fmt)
    a = alignment.io.read_crm("salesforce", tmp_path / "person", **READ_ARGS)
    b = alignment.io.read_crm("salesforce", tmp_path / "created", **READ_ARGS)
    assert a.touchpoints["lead_id"].size > 10_000
    assert_same_crm(a, b)
    assert a.issues and issue_set(a) == issue_set(b, perms)
