"""The report's small kernels against plain-Python twins, with properties: the closed loop's
roll-up, duplicate groups, amounts in a currency, durations in words, required counts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment.report._closed_loop import rollup
from alignment.report._format import Money, ceil_count, money_of
from alignment.report._quality import duplicate_groups
from alignment.report._terms import _duration

from .test_report_face import duplicate_groups_twin

SUMMED = ("leads", "mqls", "accepted", "rejected", "sqls", "won", "revenue", "cost")


def rollup_twin(rows: list[dict[str, Any]], key: str | None) -> dict[str, dict[str, float]]:
    """Per key, one row at a time: sums (NaN when no row measured) and the engine's ratios."""
    out: dict[str, dict[str, float]] = {}
    for r in rows:
        g = out.setdefault("total" if key is None else str(r[key]), {c: math.nan for c in SUMMED})
        for c in SUMMED:
            if not math.isnan(r[c]):
                g[c] = (0.0 if math.isnan(g[c]) else g[c]) + r[c]

    def ratio(a: float, b: float) -> float:
        return a / b if b > 0 else math.nan

    for g in out.values():
        g["acceptance_rate"] = ratio(g["accepted"], g["mqls"])
        g["sql_rate"] = ratio(g["sqls"], g["accepted"])
        g["win_rate"] = ratio(g["won"], g["sqls"])
        g["cost_per_lead"] = ratio(g["cost"], g["leads"])
        has = g["leads"] > 0 and g["cost"] > 0
        g["roi"] = (g["revenue"] - g["cost"]) / g["cost"] if has else math.nan
    return out


def as_columns(rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    cols = {"source": np.array([r["source"] for r in rows], dtype=object)}
    cols.update({c: np.array([r[c] for r in rows], dtype=float) for c in SUMMED})
    return cols


def compare(got: dict[str, np.ndarray], want: dict[str, dict[str, float]], key: str) -> None:
    assert sorted(got[key].tolist()) == sorted(want)
    for i, name in enumerate(got[key].tolist()):
        for col, value in want[name].items():
            assert np.isclose(got[col][i], value, equal_nan=True), (name, col)


def test_rollup_of_the_demo_matches_plain_python() -> None:
    crm = alignment.synthetic_crm(800, seed=4)
    cl = alignment.closed_loop.closed_loop(crm, by=("source", "campaign"), allocate="leads")
    t = {k: np.asarray(v) for k, v in cl.to_frame(backend="dict").items()}
    rows = [{k: t[k][i] for k in ("source", *SUMMED)} for i in range(t["leads"].size)]
    rows = [{k: (float(v) if k != "source" else v) for k, v in r.items()} for r in rows]
    compare(rollup(t, "source"), rollup_twin(rows, "source"), "source")
    compare(rollup(t, None), rollup_twin(rows, None), "key")
    # a key of one row: the ratios are the engine's own
    one = {k: v[:1] for k, v in t.items()}
    for col in ("acceptance_rate", "sql_rate", "win_rate", "cost_per_lead", "roi"):
        assert np.isclose(rollup(one, None)[col][0], t[col][0], equal_nan=True), col


def test_rollup_rates_count_only_leads_that_reached_both_stages() -> None:
    leads = {
        "lead_id": ["a", "b", "c", "d"],
        "created_at": ["2024-01-01Z"] * 4,
        "source": ["web"] * 4,
        "campaign": ["c1", "c1", "c2", "c2"],
        "mql_at": ["2024-01-02Z", None, None, "2024-01-02Z"],  # b, c skipped MQL
        "sal_at": ["2024-01-03Z"] * 4,
    }
    cl = alignment.closed_loop.closed_loop(leads, by=("source", "campaign"))
    t = {k: np.asarray(v) for k, v in cl.to_frame(backend="dict").items()}
    assert t["acceptance_rate"].tolist() == [1.0, 1.0]
    for key in ("source", None):  # 2 of the 2 MQLs accepted (not 4 of 2)
        assert rollup(t, key)["acceptance_rate"].tolist() == [1.0]


_ROW = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["web", "ads", "events", "(unallocated)"]),
        **{c: st.integers(0, 50).map(float) for c in SUMMED[:6]},
        "revenue": st.one_of(st.just(math.nan), st.floats(0, 1e6)),
        "cost": st.one_of(st.just(math.nan), st.floats(0, 1e5)),
    }
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_ROW, min_size=1, max_size=25), seed=st.integers(0, 2**16))
def test_rollup_properties(rows: list[dict[str, Any]], seed: int) -> None:
    cols = as_columns(rows)
    before = {k: v.copy() for k, v in cols.items()}
    by = rollup(cols, "source")
    compare(by, rollup_twin(rows, "source"), "source")
    total = rollup(cols, None)
    for c in SUMMED:  # conservation: the groups add up to the total
        assert np.isclose(np.nansum(by[c]), np.nansum(total[c]))
    order = np.random.default_rng(seed).permutation(len(rows))
    shuffled = rollup({k: v[order] for k, v in cols.items()}, "source")
    where = {name: i for i, name in enumerate(shuffled["source"].tolist())}
    assert sorted(where) == sorted(by["source"].tolist())
    for i, name in enumerate(by["source"].tolist()):  # row order does not matter
        for c in by:
            if c != "source":
                assert np.isclose(shuffled[c][where[name]], by[c][i], equal_nan=True), (name, c)
    for k, v in cols.items():  # the caller's columns are untouched
        assert np.array_equal(v, before[k], equal_nan=v.dtype.kind == "f")


_PAIRS = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 12), st.sampled_from(["email", "name+company"])),
    min_size=1,
    max_size=20,
).map(lambda ps: [(f"L{a:02d}", f"L{b:02d}", r) for a, b, r in ps if a != b])


@settings(max_examples=80, deadline=None)
@given(pairs=_PAIRS, seed=st.integers(0, 2**16))
def test_duplicate_groups_match_union_find(pairs: list[tuple[str, str, str]], seed: int) -> None:
    if not pairs:
        return
    order = np.random.default_rng(seed).permutation(len(pairs))
    for ps in (pairs, [pairs[i] for i in order]):  # row order does not matter
        dup = {
            "lead_id": np.array([a for a, _, _ in ps], dtype=object),
            "duplicate_of": np.array([b for _, b, _ in ps], dtype=object),
            "rule": np.array([r for _, _, r in ps], dtype=object),
        }
        g = duplicate_groups(dup)
        members = [
            frozenset(x for x in (*k.split(", "), *d.split(", ")) if x)
            for k, d in zip(g["kept"], g["duplicates"])
        ]
        got = {m: set(r.split(" and ")) for m, r in zip(members, g["rules"])}
        assert got == duplicate_groups_twin(ps)
        listed = [x for d in g["duplicates"] for x in d.split(", ")]
        assert sorted(listed) == sorted({a for a, _, _ in ps})  # each duplicate once
        assert int(g["n_duplicates"].sum()) == len(listed)


# ----------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("currency", "value", "written"),
    [
        ("$", 1234.5, "$1,234"),
        ("$", -1234.6, "-$1,235"),
        ("$", -0.4, "$0"),
        ("EUR", 836200, "EUR\u00a0836,200"),
        ({"symbol": "€", "decimals": 2, "position": "after"}, 1234.5, "1,234.50\u00a0€"),
        ({"symbol": "CHF", "decimals": 1}, 0.25, "CHF\u00a00.2"),
        (None, 1234.5, "1,234"),
    ],
)
def test_money(currency: Any, value: float, written: str) -> None:
    money = money_of(currency)
    assert money(value) == written
    assert money.unit == (money.symbol or "amount")


def test_money_number_has_no_symbol() -> None:
    assert Money("$", 2).number(-1234.5) == "-1,234.50"
    assert money_of(Money("£")) == Money("£")


@pytest.mark.parametrize(
    ("within", "business", "words"),
    [
        ("1d", True, "1 business day (= 8 business hours)"),
        ("1d12h", True, "1 business day 12 business hours (= 20 business hours)"),
        ("2w", True, "2 business weeks (= 80 business hours)"),
        ("48h", False, "48 hours"),
        ("90m", False, "90 minutes"),
        ("10d", False, "10 days"),
    ],
)
def test_durations_in_words(within: str, business: bool, words: str) -> None:
    calendar = alignment.sla.BusinessCalendar()
    assert _duration(within, business, calendar) == words


@pytest.mark.parametrize(("value", "whole"), [(2398.1, 2399), (909.0, 909), (0.2, 1), (0.0, 0)])
def test_required_counts_round_up(value: float, whole: int) -> None:
    assert ceil_count(value) == whole
