"""The numbers printed in docs/attribution/index.md."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest

import alignment

DOCS = Path(__file__).resolve().parents[2] / "docs" / "attribution"

TOUCHPOINTS = {
    "lead_id": ["A", "A", "A", "B", "B", "C"],
    "timestamp": [
        "2024-03-01",
        "2024-03-04",
        "2024-03-08",
        "2024-03-02",
        "2024-03-20",
        "2024-01-01",
    ],
    "channel": ["email", "paid_search", "webinar", "paid_search", "email", "social"],
    "campaign": ["spring", "spring", "launch", "spring", "launch", "winter"],
}
CONVERSIONS = {
    "lead_id": ["A", "B", "C", "D"],
    "converted_at": ["2024-03-10", "2024-03-15", "2024-03-10", "2024-03-12"],
    "revenue": [1200.0, 600.0, 300.0, 900.0],
}


def test_index_worked_example() -> None:
    r = alignment.attribute(TOUCHPOINTS, CONVERSIONS, model="linear", lookback="30d")
    assert r.totals() == {"email": 400.0, "paid_search": 1000.0, "social": 0.0, "webinar": 400.0}
    assert r.totals(by="campaign") == {"launch": 400.0, "spring": 1400.0, "winter": 0.0}
    assert r.unattributed.total == 1200.0
    assert r.unattributed.by_reason() == {"no touches": 900.0, "outside lookback": 300.0}
    f = r.to_frame(level="channel")
    assert round(float(f["share"][1]) * 100, 1) == 55.6
    assert sum(r.totals().values()) + r.unattributed.total == 3000.0


def test_index_the_call_runs() -> None:
    """The page's headline call runs as written (its keywords are the model's parameters)."""
    section = (DOCS / "index.md").read_text("utf-8").split("## The call")[1].split("\n## ")[0]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        crm = alignment.synthetic_crm(300, seed=0)
    namespace: dict[str, Any] = {"touchpoints": crm.touchpoints, "conversions": crm.conversions}
    exec(compile(code, "docs/attribution/index.md", "exec"), namespace)
    result = namespace["result"]
    assert (result.model.name, result.model.half_life) == ("time_decay", "7d")
    total = sum(result.totals().values()) + result.unattributed.total
    assert total == pytest.approx(float(sum(crm.conversions["revenue"])))


def test_docs_pages_exist_and_mention_every_rule_model() -> None:
    rules = (DOCS / "rules.md").read_text()
    for name in [
        "first",
        "last",
        "linear",
        "time_decay",
        "position_based",
        "u_shaped",
        "j_shaped",
        "inverse_j",
        "w_shaped",
        "full_path",
        "last_non_direct",
    ]:
        assert f"`{name}`" in rules, name
    index = (DOCS / "index.md").read_text()
    for reason in ["no touches", "all touches after conversion", "outside lookback"]:
        assert reason in index


@pytest.mark.parametrize(("days", "pct"), [((9, 7, 4, 1), (16.48, 20.09, 27.04, 36.39))])
def test_time_decay_formula_numbers_in_docs(days: tuple, pct: tuple) -> None:
    raw = [2 ** (-d / 7) for d in days]
    assert tuple(round(100 * x / sum(raw), 2) for x in raw) == pct
    assert "16.48 %, 20.09 %, 27.04 %, 36.39 %" in (DOCS / "rules.md").read_text()
