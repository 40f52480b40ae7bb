"""docs/accounts.md: its code runs as written and gives the numbers computed by hand there."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest

from alignment.accounts import fold_domains, fold_names, match

pytest.importorskip("rapidfuzz")
pytest.importorskip("pandas")
from rapidfuzz import fuzz

DOC = Path(__file__).resolve().parents[2] / "docs" / "accounts.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCK = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)[0]
HAND = re.findall(
    r"^\| (L\d+) \| \w+ \| .*? \| (\S+) \| (\w+) \| ([\d.]+) \| (.*?) \|$", TEXT, re.M
)


@pytest.fixture(scope="module")
def ns() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(BLOCK, str(DOC), "exec"), namespace)  # the doc's own code, as written
    return namespace


def test_the_hand_table_is_what_match_gives(ns: dict[str, Any]) -> None:
    assert len(HAND) == 10
    frame = ns["m"].to_frame(backend="dict")
    for i, (lead, account, method, score, ambiguous) in enumerate(HAND):
        assert frame["lead_id"][i] == lead
        assert frame["account_id"][i] == (None if account == "—" else account)
        assert frame["method"][i] == method
        assert frame["score"][i] == pytest.approx(float(score), abs=5e-4)
        assert bool(frame["ambiguous"][i]) == ambiguous.startswith("**yes**")
    assert frame["score"][4] == pytest.approx(10 / 11) and frame["score"][7] == pytest.approx(
        18 / 19
    )


def test_the_candidates_and_the_summary(ns: dict[str, Any]) -> None:
    c = ns["m"].to_frame("candidates", backend="dict")
    assert list(zip(c["lead_id"].tolist(), c["account_id"].tolist())) == [
        ("L7", "A5"), ("L7", "A6"), ("L8", "A7"), ("L8", "A8"),
    ]  # fmt: skip
    assert "**yes** (A5, A6)" in TEXT and "**yes** (A7, A8)" in TEXT
    assert ns["m"].summary() == {
        "leads": 10, "matched": 6, "ambiguous": 2, "unmatched": 2, "by_domain": 4,
        "by_name": 4, "match_rate": 0.6, "threshold": 0.9, "accounts": 8,
        "accounts_without_keys": 0,
    }  # fmt: skip
    assert ns["m"].counts() == {"domain": 4, "name": 4, "none": 2}
    assert "6 matched, 2 ambiguous, 2 unmatched" in TEXT and "match rate 0.6" in TEXT


def test_the_folded_names_column(ns: dict[str, Any]) -> None:
    rows = [
        [c.strip() for c in line.strip("|").split("|")]
        for line in TEXT.splitlines()
        if re.match(r"^\| A\d \|", line)
    ]
    assert len(rows) == 8
    assert fold_names([r[3] for r in rows]).tolist() == [r[4] for r in rows]
    assert ns["accounts"]["name"] == [r[3] for r in rows]
    assert ns["accounts"]["domain"] == [r[1] or None for r in rows]
    assert ns["accounts"]["website"] == [r[2] or None for r in rows]


def test_the_hand_scores_are_rapidfuzz_ratios() -> None:
    """The LCS arithmetic of the table and of the threshold section, pair by pair."""
    hand = {
        ("globx", "globex"): 10 / 11,
        ("initek", "initech"): 10 / 13,
        ("initek", "initrode"): 10 / 14,
        ("acme sale", "acme"): 8 / 13,
        ("acme sale", "acme sales"): 18 / 19,
        ("acme sale", "acme scale"): 18 / 19,
        ("acme sofware", "acme software"): 24 / 25,
    }
    for (a, b), score in hand.items():
        assert fuzz.ratio(a, b) / 100 == pytest.approx(score)
    assert "10/13 = 0.769" in TEXT and "10/14 = 0.714" in TEXT and "24/25 = 0.96" in TEXT
    # below the threshold, L6's best account would be initech at 10/13
    low = match({"lead_id": ["L6"], "company": ["Initek"]},
                {"account_id": ["A3", "A4"], "name": ["Initech LLC", "Initrode GmbH"]},
                by="name", threshold=0.75)  # fmt: skip
    assert low.account_id.tolist() == ["A3"] and low.score[0] == pytest.approx(10 / 13)


def test_the_folding_examples_of_the_rules() -> None:
    assert (
        fold_domains(["Jane@ACME.com", "https://www.acme.com/about?x=1", "acme.com."]).tolist()
        == ["acme.com"] * 3
    )
    assert fold_names(["Acme, Inc.", "ACME Inc", "Acme"]).tolist() == ["acme"] * 3
    assert fold_names(["Procter & Gamble", "Procter and Gamble"]).tolist() == ["procter gamble"] * 2
    assert fold_names(["Müller GmbH & Co. KG", "Inc", "Société", "S.A.", "McDonald's"]).tolist() == [
        "muller", "inc", "societe", "sa", "mcdonalds",
    ]  # fmt: skip
