"""The report's accounts section and the demo's accounts block: account attribution, MQL
attribution and account engagement, each number recomputed here from the engines."""

from __future__ import annotations

import dataclasses
import html as html_mod
import re
from typing import Any

import numpy as np
import pytest

import alignment
from alignment.cli._demo import demo_summary_text, run_demo
from alignment.datasets import synthetic_crm
from alignment.report import build_report
from alignment.report._analyse import account_analyses
from alignment.report._format import human
from alignment.scoring import account_engagement


@pytest.fixture(scope="module")
def crm() -> Any:
    return synthetic_crm(600, seed=5)


@pytest.fixture(scope="module")
def page(crm: Any) -> str:
    return str(build_report(crm))


def _section(html: str, anchor: str = "accounts") -> str:
    m = re.search(rf'<section id="{anchor}">(.*?)</section>', html, flags=re.S)
    assert m is not None, f"no {anchor} section"
    return m.group(1)


def _tables(section: str) -> dict[str, list[list[str]]]:
    """Each table of the section under its ``<h3>`` heading: rows of cell texts."""
    out: dict[str, list[list[str]]] = {}
    for head, body in re.findall(r"<h3>(.*?)</h3>(.*?)(?=<h3>|$)", section, flags=re.S):
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
        cells = [
            [
                html_mod.unescape(re.sub(r"<[^>]+>", "", c))
                for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, flags=re.S)
            ]
            for r in rows
        ]
        out[html_mod.unescape(head).split(",")[0]] = cells
    return out


def _expected(totals: dict[str, float], fmt: str) -> list[list[str]]:
    keys = sorted(totals, key=lambda k: (-totals[k], k))
    total = sum(totals.values())
    rows = [[human(k), format(totals[k], fmt), f"{100 * totals[k] / total:.1f}%"] for k in keys]
    return [*rows, ["total", format(total, fmt), "100.0%"]]


def test_section_is_in_the_page_and_the_navigation(page: str) -> None:
    assert '<a href="#accounts">Accounts</a>' in page
    tables = _tables(_section(page))
    assert list(tables) == [
        "Account attribution by channel",
        "Account attribution by contact role",
        "MQL attribution by channel",
        "Account engagement tiers (as of 2024-04-01)",
        "Most engaged accounts",
    ]


def test_account_attribution_equals_the_engine(crm: Any, page: str) -> None:
    res = alignment.attribute(crm, model="linear", key="account_id", contacts="roles")
    tables = _tables(_section(page))
    assert tables["Account attribution by channel"][1:] == _expected(
        res.totals(by="channel"), ",.0f"
    )
    assert tables["Account attribution by contact role"][1:] == _expected(
        res.totals(by="role"), ",.0f"
    )
    won = float(np.asarray(crm.deals["amount"])[np.asarray(crm.deals["won"], dtype=bool)].sum())
    assert float(res.converted_revenue) == pytest.approx(won)
    assert sum(res.totals(by="channel").values()) + float(res.unattributed.total) == pytest.approx(
        won
    )


def test_mql_attribution_equals_the_engine(crm: Any, page: str) -> None:
    res = alignment.attribute(crm, model="linear", outcome="mql_at")
    rows = _tables(_section(page))["MQL attribution by channel"]
    assert rows[0] == ["Channel", "credited (conversions)", "share"]
    assert rows[1:] == _expected(res.totals(by="channel"), ",.1f")
    n_mql = int((~np.isnat(crm.leads["mql_at"])).sum())
    assert float(res.converted_revenue) == n_mql  # one conversion per lead that reached MQL
    assert f"{n_mql:,} leads reached MQL" in _section(page)


def test_engagement_tiers_and_top_accounts_equal_the_engine(crm: Any, page: str) -> None:
    eng = account_engagement(crm)
    tiers = eng.to_frame(level="tiers", backend="dict")
    tables = _tables(_section(page))
    got = tables["Account engagement tiers (as of 2024-04-01)"]
    assert [r[:2] for r in got[1:-1]] == [
        [str(t), f"{int(n):,}"] for t, n in zip(tiers["tier"], tiers["accounts"])
    ]
    assert got[-1][:2] == ["total", f"{len(eng.accounts):,}"]
    acc = eng.to_frame(level="accounts", backend="dict")
    top = tables["Most engaged accounts"][1:]
    assert len(top) == min(10, len(acc["account_id"]))
    for i, row in enumerate(top):
        assert row[:3] == [
            str(acc["account_id"][i]),
            str(acc["tier"][i]),
            f"{acc['score'][i]:,.1f}",
        ]


def test_demo_summary_prints_the_accounts_block() -> None:
    res = run_demo(400, seed=3)
    text = demo_summary_text(res)
    block = text[text.index("ACCOUNTS:") :]
    credit = res["accounts"]["account"].totals(by="channel")
    mqls = res["accounts"]["mql"].totals(by="channel")
    best = max(credit, key=lambda k: credit[k])
    line = next(ln for ln in block.splitlines() if ln.split()[:1] == [best])
    assert line.split()[1:] == [f"{credit[best]:,.0f}", f"{mqls.get(best, 0.0):,.1f}"]
    tiers = res["accounts"]["engagement"].to_frame(level="tiers", backend="dict")
    parts = ", ".join(f"{t} {int(n):,}" for t, n in zip(tiers["tier"], tiers["accounts"]))
    assert f"Engagement tiers (accounts): {parts};" in block


def _without(crm: Any, *, lead_columns: tuple[str, ...] = (), contacts: bool = True) -> Any:
    leads = {k: v for k, v in crm.leads.items() if k not in lead_columns}
    dc = crm.deal_contacts if contacts else {k: v[:0] for k, v in crm.deal_contacts.items()}
    sla = None if "mql_at" in lead_columns else crm.sla  # the agreement counts MQLs
    return dataclasses.replace(crm, leads=leads, deal_contacts=dc, sla=sla)


def test_skipped_without_accounts_contacts_or_mqls(crm: Any) -> None:
    bare = _without(crm, lead_columns=("account_id", "mql_at"), contacts=False)
    assert account_analyses(bare) is None
    html = str(build_report(bare))
    assert 'id="accounts"' not in html and 'href="#accounts"' not in html
    assert 'id="funnel"' in html


def test_each_part_is_skipped_on_its_own(crm: Any) -> None:
    no_contacts = account_analyses(_without(crm, contacts=False))
    assert no_contacts is not None and no_contacts["account"] is None
    assert no_contacts["mql"] is not None and no_contacts["engagement"] is not None
    no_mql = _without(crm, lead_columns=("mql_at",))
    res = account_analyses(no_mql)
    assert res is not None and res["mql"] is None and res["account"] is not None
    heads = list(_tables(_section(str(build_report(no_mql)))))
    assert "MQL attribution by channel" not in heads
    assert "Account attribution by channel" in heads


def test_caller_bundle_is_not_mutated(crm: Any) -> None:
    before = {k: np.array(v, copy=True) for k, v in crm.leads.items()}
    account_analyses(crm)
    for k, v in crm.leads.items():
        assert np.array_equal(v, before[k]) or (
            v.dtype.kind in "mM" and np.array_equal(np.isnat(v), np.isnat(before[k]))
        )


def test_as_of_reaches_the_engagement_and_the_header(crm: Any) -> None:
    when = "2024-03-01T00:00:00Z"
    html = str(build_report(crm, as_of=when))
    tables = _tables(_section(html))
    got = tables["Account engagement tiers (as of 2024-03-01)"]
    eng = account_engagement(crm, as_of=when)
    tiers = eng.to_frame(level="tiers", backend="dict")
    assert [r[:2] for r in got[1:-1]] == [
        [str(t), f"{int(n):,}"] for t, n in zip(tiers["tier"], tiers["accounts"])
    ]
    top = tables["Most engaged accounts"][1:]
    acc = eng.to_frame(level="accounts", backend="dict")
    assert top[0][:3] == [str(acc["account_id"][0]), str(acc["tier"][0]),
                          f"{acc['score'][0]:,.1f}"]  # fmt: skip
    assert "evaluated as of 2024-03-01" in html and "3 monthly periods from 2024-03-01" in html
    assert "evaluated as of" not in str(build_report(crm))
