"""The example exports of examples/exports: read as their README shows, totals conserved."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import alignment

EXPORTS = Path(__file__).resolve().parents[2] / "examples" / "exports"
pytestmark = pytest.mark.skipif(
    not (EXPORTS / "README.md").is_file(), reason="the example exports are not in this checkout"
)


def _totals() -> dict[str, float]:
    """The "Expected totals" block the generator writes in the README."""
    text = (EXPORTS / "README.md").read_text(encoding="utf-8")
    return {k: float(v) for k, v in re.findall(r"^(\w+\.\w+) = ([\d.]+)$", text, re.M)}


def test_salesforce_example() -> None:
    crm = alignment.io.read_crm(
        "salesforce",
        EXPORTS / "salesforce",
        tz="America/New_York",
        dayfirst=False,
        columns={"Lead": {"MQL_Date__c": "mql_at"}},
    )
    totals = _totals()
    won = crm.deals["won"]
    assert won.sum() == totals["salesforce.won_opportunities"]
    assert crm.deals["amount"][won].sum() == pytest.approx(totals["salesforce.won_amount"])
    assert crm.costs["cost"].sum() == pytest.approx(totals["salesforce.actual_cost"])
    assert crm.touchpoints["lead_id"].size == totals["salesforce.responded_members"]
    assert (~np.isnat(crm.leads["mql_at"])).any()
    problems = {i.problem for i in crm.issues}
    assert {"not a touch (no response)", "task of an unknown person"} <= problems
    assert not any(i.action == "left out" and i.table == "Opportunity" for i in crm.issues)


def test_hubspot_example() -> None:
    crm = alignment.io.read_crm(
        "hubspot",
        EXPORTS / "hubspot",
        tz="America/New_York",
        columns={"activities": {"contact_id": "lead_id", "type": "kind", "owner": "rep"}},
    )
    totals = _totals()
    won = crm.deals["won"]
    assert won.sum() == totals["hubspot.won_deals"]
    assert crm.deals["amount"][won].sum() == pytest.approx(totals["hubspot.won_amount"])
    assert crm.costs["cost"].sum() == pytest.approx(totals["hubspot.cost"])
    assert crm.activities["lead_id"].size > 0
    assert ("interactions", "touch of an unknown person") in {
        (i.table, i.problem) for i in crm.issues
    }


def test_examples_to_reports(tmp_path: Path) -> None:
    """The two walks of docs/io.md, on the example exports, end in a report."""
    sf = alignment.io.read_crm(
        "salesforce", EXPORTS / "salesforce", tz="America/New_York", dayfirst=False
    )
    hs = alignment.io.read_crm(
        "hubspot",
        EXPORTS / "hubspot",
        tz="America/New_York",
        columns={"activities": {"contact_id": "lead_id", "type": "kind", "owner": "rep"}},
    )
    for name, crm in (("sf", sf), ("hs", hs)):
        path = alignment.write_report(crm, tmp_path / f"{name}.html")
        assert Path(path).stat().st_size > 0


def _read(name: str) -> alignment.io.CRMData:
    if name == "salesforce":
        return alignment.io.read_crm(
            "salesforce", EXPORTS / "salesforce", tz="America/New_York", dayfirst=False
        )
    return alignment.io.read_crm(
        "hubspot",
        EXPORTS / "hubspot",
        tz="America/New_York",
        columns={"activities": {"contact_id": "lead_id", "type": "kind", "owner": "rep"}},
    )


@pytest.mark.parametrize("name", ["salesforce", "hubspot"])
@pytest.mark.parametrize("model", ["linear", "w_shaped", "markov"])
def test_revenue_conserved_from_the_file_to_attribution(name: str, model: str) -> None:
    """attributed + unattributed == the won amounts as written in the export (README totals)."""
    crm = _read(name)
    expected = _totals()[f"{name}.won_amount"]
    result = alignment.attribute(crm, model=model)
    credited = sum(result.totals(by="channel").values())
    assert credited + result.unattributed.revenue == pytest.approx(expected, rel=1e-12)
    assert credited > 0


@pytest.mark.parametrize("name", ["salesforce", "hubspot"])
@pytest.mark.parametrize("allocate", ["none", "leads"])
def test_costs_conserved_from_the_file_to_the_closed_loop(name: str, allocate: str) -> None:
    crm = _read(name)
    key = "salesforce.actual_cost" if name == "salesforce" else "hubspot.cost"
    report = alignment.closed_loop(crm, by="source", allocate=allocate)
    cost = np.asarray(report.to_frame(backend="dict")["cost"], dtype=float)
    assert np.nansum(cost) == pytest.approx(_totals()[key], rel=1e-12)
