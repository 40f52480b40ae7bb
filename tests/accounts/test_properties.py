"""Properties of alignment.accounts.match: the plain-Python twin, row order, conservation."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment.accounts import FREE_MAIL_DOMAINS, AccountMatch, match

from . import _twins

pytest.importorskip("rapidfuzz")

NAMES = ["Acme, Inc.", "ACME", "Acme Sales", "Acme Scale", "Acme Sale", "Acme Software",
         "Acme Sofware", "Globex Corp", "Globex", "Globx", "Glubex", "Initech LLC", "Initrode",
         "Initek", "Umbrella", "The Company", "N/A", None]  # fmt: skip
DOMAINS = ["acme.com", "www.acme.com", "https://Acme.com/x", "globex.com", "initech.io",
           "umbrella.com", "gmail.com", "bad", None]  # fmt: skip
EMAILS = ["jo@acme.com", "al@ACME.com", "ed@globex.com", "mo@gmail.com", "kim@yahoo.com",
          "li@initech.io", "x@umbrella.com", "bad", None]  # fmt: skip

account = st.fixed_dictionaries(
    {
        "domain": st.sampled_from(DOMAINS),
        "website": st.sampled_from(DOMAINS),
        "name": st.sampled_from(NAMES),
    }
)
lead = st.fixed_dictionaries({"email": st.sampled_from(EMAILS), "company": st.sampled_from(NAMES)})
options = st.fixed_dictionaries(
    {
        "by": st.sampled_from([("domain", "name"), ("name", "domain"), ("domain",), ("name",)]),
        "threshold": st.sampled_from([0.6, 0.8, 0.9, 10 / 11, 18 / 19, 1.0]),
        "fuzzy": st.booleans(),
    }
)


def tables(
    leads: list[dict[str, Any]], accounts: list[dict[str, Any]]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    lt = {"lead_id": np.array([f"L{i}" for i in range(len(leads))], dtype=object)}
    for col in ("email", "company"):
        lt[col] = np.array([r[col] for r in leads], dtype=object)
    at = {"account_id": np.arange(len(accounts)) * 10}
    for col in ("domain", "website", "name"):
        at[col] = np.array([r[col] for r in accounts], dtype=object)
    return lt, at


def rows(m: AccountMatch) -> list[tuple[Any, ...]]:
    """Per lead: account id, method, score, ambiguous, sorted tied accounts."""
    tied: dict[int, list[Any]] = {}
    for r, a in zip(m.candidate_rows.tolist(), m.candidate_accounts.tolist()):
        tied.setdefault(r, []).append(m.account_ids[a])
    return [
        (a, meth, s, amb, sorted(tied.get(i, []), key=str))
        for i, (a, meth, s, amb) in enumerate(
            zip(m.account_id.tolist(), m.method.tolist(), m.score.tolist(), m.ambiguous.tolist())
        )
    ]


@settings(max_examples=250, deadline=None)
@given(st.lists(lead, max_size=12), st.lists(account, max_size=8), options)
def test_the_twin_gives_the_same_matches(
    leads: list[dict[str, Any]], accounts: list[dict[str, Any]], opts: dict[str, Any]
) -> None:
    lt, at = tables(leads, accounts)
    m = match(lt, at, **opts)
    recs = [dict(r, account_id=i * 10) for i, r in enumerate(accounts)]
    assert rows(m) == _twins.match(leads, recs, free=FREE_MAIL_DOMAINS, **opts)


@settings(max_examples=150, deadline=None)
@given(st.lists(lead, max_size=12), st.lists(account, max_size=8), options, st.randoms())
def test_row_order_does_not_change_any_lead(
    leads: list[dict[str, Any]], accounts: list[dict[str, Any]], opts: dict[str, Any], rnd: Any
) -> None:
    lt, at = tables(leads, accounts)
    base = {lid: r for lid, r in zip(lt["lead_id"].tolist(), rows(match(lt, at, **opts)))}
    lp = np.array(rnd.sample(range(len(leads)), len(leads)), dtype=np.int64)
    ap = np.array(rnd.sample(range(len(accounts)), len(accounts)), dtype=np.int64)
    shuffled = match({k: v[lp] for k, v in lt.items()}, {k: v[ap] for k, v in at.items()}, **opts)
    assert {lid: r for lid, r in zip(shuffled.ids.tolist(), rows(shuffled))} == base


@settings(max_examples=150, deadline=None)
@given(st.lists(lead, max_size=12), st.lists(account, max_size=8), options)
def test_every_lead_is_counted_once_and_inputs_stay_untouched(
    leads: list[dict[str, Any]], accounts: list[dict[str, Any]], opts: dict[str, Any]
) -> None:
    lt, at = tables(leads, accounts)
    before = copy.deepcopy((lt, at))
    m = match(lt, at, **opts)
    for got, kept in zip((lt, at), before):
        for k in kept:
            assert got[k].tolist() == kept[k].tolist() and got[k].flags.writeable
    n = len(leads)
    assert sum(m.counts().values()) == n
    s = m.summary()
    assert s["matched"] + s["ambiguous"] + s["unmatched"] == n
    none = m.method_code == 0
    assert (m.score[none] == 0).all() and not m.ambiguous[none].any()
    assert ((m.score[~none] >= opts["threshold"]) | (m.score[~none] == 1.0)).all()
    assert ((m.account >= 0) == (~none & ~m.ambiguous)).all()
    tied = np.bincount(m.candidate_rows, minlength=n)
    assert (tied[m.ambiguous] >= 2).all() and (tied[~m.ambiguous] == 0).all()
    frame = m.to_frame("methods", backend="dict")
    assert frame["leads"].sum() == n
    assert (frame["matched"] + frame["ambiguous"])[:2].tolist() == frame["leads"][:2].tolist()
