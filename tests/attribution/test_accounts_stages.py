"""Account journeys (contacts modes, role weights), the deal's created_at anchor, and
stage-level attribution (``outcome=``)."""

from __future__ import annotations

import warnings
from collections import defaultdict
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import alignment

DAY = "2024-03-{:02d}T00:00Z"


def _anchor_example() -> tuple[dict, dict, dict]:
    touches = {
        "lead_id": ["a"] * 4,
        "timestamp": [DAY.format(d) for d in (1, 3, 6, 9)],
        "channel": ["email", "search", "social", "events"],
    }
    leads = {"lead_id": ["a"], "created_at": [DAY.format(3)]}
    deals = {
        "deal_id": ["d1"],
        "lead_id": ["a"],
        "created_at": [DAY.format(7)],
        "closed_at": [DAY.format(10)],
        "amount": [1000.0],
        "won": [True],
    }
    return touches, leads, deals


def test_deal_created_at_is_the_w_shaped_opportunity_anchor() -> None:
    # docs/attribution worked example: first 03-01, lead created 03-03 (touch 03-03), deal
    # created 03-07 (last touch at or before: 03-06), rest 03-09 -> 300/300/300/100
    touches, leads, deals = _anchor_example()
    r = alignment.attribute(touches, deals, leads=leads, model="w_shaped")
    got = r.totals()
    assert got == pytest.approx({"email": 300.0, "search": 300.0, "social": 300.0, "events": 100.0})
    # without the deal's created_at there is no opportunity touch: shares renormalised
    no_created = {k: v for k, v in deals.items() if k != "created_at"}
    r0 = alignment.attribute(touches, no_created, leads=leads, model="w_shaped")
    assert [round(r0.totals()[c], 2) for c in ("email", "search", "social", "events")] == [
        428.57,
        428.57,
        71.43,
        71.43,
    ]


def test_deal_created_at_overrides_the_leads_opportunity_at() -> None:
    touches, leads, deals = _anchor_example()
    leads = {**leads, "opportunity_at": [DAY.format(1)]}
    r = alignment.attribute(touches, deals, leads=leads, model="w_shaped")
    assert r.totals()["social"] == pytest.approx(300.0)
    # a deal without created_at keeps the lead's opportunity_at (03-01: the first touch holds
    # first and opportunity roles, 600; lead creation 300; rest 100 over two touches)
    deals_nat = {**deals, "created_at": [None]}
    r2 = alignment.attribute(touches, deals_nat, leads=leads, model="w_shaped")
    want = {"email": 600.0, "search": 300.0, "social": 50.0, "events": 50.0}
    assert r2.totals() == pytest.approx(want)


# ------------------------------------------------------------------ account journeys

ACC_TOUCHES = {
    "lead_id": ["a", "a", "b", "c", "x"],
    "timestamp": [DAY.format(d) for d in (1, 4, 2, 3, 5)],
    "channel": ["email", "search", "events", "social", "email"],
}
ACC_LEADS = {
    "lead_id": ["a", "b", "c", "x"],
    "created_at": [DAY.format(1)] * 4,
    "account_id": ["acme", "acme", "acme", "other"],
    "persona": ["marketing", "finance", "it", None],
}
ACC_DEALS = {
    "deal_id": ["d1"],
    "lead_id": ["a"],
    "account_id": ["acme"],
    "closed_at": [DAY.format(10)],
    "amount": [900.0],
    "won": [True],
}
ACC_CONTACTS = {
    "deal_id": ["d1", "d1"],
    "lead_id": ["a", "b"],
    "role": ["champion", "decision_maker"],
    "is_primary": [True, False],
}


def _acc(contacts: str, **kw: object) -> alignment.AttributionResult:
    dc = None if contacts == "all" else ACC_CONTACTS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return alignment.attribute(
            ACC_TOUCHES,
            ACC_DEALS,
            key="account_id",
            leads=ACC_LEADS,
            contacts=contacts,  # type: ignore[arg-type]
            deal_contacts=dc,
            **kw,  # type: ignore[arg-type]
        )


def test_account_journeys_worked_example() -> None:
    # docs/attribution/index.md "Account journeys": linear over acme's touches before 03-10
    assert _acc("all").totals(by="persona") == pytest.approx(
        {"marketing": 450.0, "finance": 225.0, "it": 225.0}
    )
    assert _acc("primary").totals() == pytest.approx(
        {"email": 450.0, "search": 450.0, "events": 0.0, "social": 0.0}
    )
    assert _acc("roles").totals(by="lead_id") == pytest.approx(
        {"a": 600.0, "b": 300.0, "c": 0.0, "x": 0.0}
    )
    r = _acc("roles", role_weights={"decision_maker": 2.0})
    assert r.totals(by="role") == pytest.approx({"champion": 450.0, "decision_maker": 450.0})
    assert r.totals() == pytest.approx(
        {"email": 225.0, "search": 225.0, "events": 450.0, "social": 0.0}
    )


def test_account_touch_frame_keeps_person_deal_and_account() -> None:
    f = _acc("all").to_frame("touch", backend="dict")
    for col in ("deal_id", "lead_id", "account_id", "persona"):
        assert col in f
    held = f["deal_id"] == "d1"
    assert sorted(f["lead_id"][held].tolist()) == ["a", "a", "b", "c"]
    assert set(f["account_id"][held].tolist()) == {"acme"}
    assert f["credit"].sum() == pytest.approx(900.0)


def test_account_key_on_linear_is_no_longer_a_model_parameter() -> None:
    r = _acc("all", model="linear")
    assert r.attributed_revenue == pytest.approx(900.0)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (dict(contacts="some"), "contacts must be one of"),
        (dict(contacts="roles", role_weights={"champion": 0}), "weight > 0"),
        (dict(contacts="primary", role_weights={"champion": 2.0}), "needs contacts='roles'"),
        (dict(contacts="roles", role_weights=[1.0]), "mapping"),
    ],
)
def test_account_options_are_checked(kw: dict, match: str) -> None:
    with pytest.raises(alignment.ParameterError, match=match):
        alignment.attribute(
            ACC_TOUCHES,
            ACC_DEALS,
            key="account_id",
            leads=ACC_LEADS,
            deal_contacts=ACC_CONTACTS,
            **kw,
        )


def test_roles_need_deal_contacts_and_all_needs_an_account_key() -> None:
    with pytest.raises(alignment.ParameterError, match="deal_contacts"):
        alignment.attribute(
            ACC_TOUCHES, ACC_DEALS, key="account_id", leads=ACC_LEADS, contacts="roles"
        )
    with pytest.raises(alignment.ParameterError, match="key='account_id'"):
        alignment.attribute(ACC_TOUCHES, ACC_DEALS, leads=ACC_LEADS, contacts="all")


def test_role_weights_refused_for_channel_models() -> None:
    with pytest.raises(alignment.ParameterError, match="credits channels only"):
        _acc("roles", role_weights={"decision_maker": 2.0}, model="markov")


def _roles(dc: dict, **kw: object) -> alignment.AttributionResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return alignment.attribute(ACC_TOUCHES, ACC_DEALS, key="account_id", leads=ACC_LEADS,
                                   contacts="roles", deal_contacts=dc, **kw)  # type: ignore[arg-type]  # fmt: skip


def test_role_weights_fold_spellings_and_refuse_roles_nobody_holds() -> None:
    salesforce = {**ACC_CONTACTS, "role": ["Champion", "Decision Maker"]}
    for rw in ({"decision_maker": 2.0}, {"Decision Maker": 2.0}, {"DECISION-MAKER": 2.0}):
        r = _roles(salesforce, role_weights=rw)
        assert r.totals()["events"] == pytest.approx(450.0)
    with pytest.raises(alignment.ParameterError, match="two weights"):
        _roles(salesforce, role_weights={"Decision Maker": 2.0, "decision_maker": 3.0})
    with pytest.raises(alignment.ParameterError, match=r"\['economic_buyer'\] that no deal") as e:
        _roles(salesforce, role_weights={"decision_maker": 2.0, "Economic Buyer": 3.0})
    assert "'Champion', 'Decision Maker'" in str(e.value)
    no_role = {k: v for k, v in ACC_CONTACTS.items() if k != "role"}
    with pytest.raises(alignment.ParameterError, match="the deal contacts have no role"):
        _roles(no_role, role_weights={"decision_maker": 2.0})


def test_a_person_listed_twice_on_a_deal_keeps_one_role_in_any_row_order() -> None:
    dc = {"deal_id": ["d1"] * 3, "lead_id": ["a", "b", "b"],
          "role": ["champion", "decision_maker", "user"], "is_primary": [True, False, False]}  # fmt: skip
    swapped = {k: [v[0], v[2], v[1]] for k, v in dc.items()}
    for kw, role, events in (
        ({"role_weights": {"decision_maker": 2.0}}, "decision_maker", 450.0),  # largest weight
        ({"role_weights": {"user": 3.0}}, "user", 900 * 3 / 5),
        ({}, "decision_maker", 300.0),  # equal weights: the first role in text order
    ):
        a, b = _roles(dc, **kw), _roles(swapped, **kw)
        assert a.totals() == pytest.approx(b.totals())
        assert a.totals()["events"] == pytest.approx(events)
        assert _nonzero(a.totals(by="role")) == _nonzero(b.totals(by="role"))
        assert set(_nonzero(a.totals(by="role"))) == {"champion", role}
    # the person is the primary contact when any of its rows says so
    primary_twice = {"deal_id": ["d1"] * 3, "lead_id": ["b", "a", "b"],
                     "role": ["user", "champion", "decision_maker"],
                     "is_primary": [False, False, True]}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = alignment.attribute(ACC_TOUCHES, ACC_DEALS, key="account_id", leads=ACC_LEADS,
                                contacts="primary", deal_contacts=primary_twice)  # fmt: skip
    assert _nonzero(r.totals()) == pytest.approx({"events": 900.0})


def test_a_deal_without_its_own_account_takes_its_leads_or_its_primary_contacts() -> None:
    deals = {**ACC_DEALS, "deal_id": ["d1", "d2"], "lead_id": ["a", "x"],
             "account_id": ["acme", None], "closed_at": [DAY.format(10)] * 2,
             "amount": [900.0, 100.0], "won": [True, True]}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = alignment.attribute(ACC_TOUCHES, deals, key="account_id", leads=ACC_LEADS)
        assert r.totals(by="account_id")["other"] == pytest.approx(100.0)  # x's account
        no_lead = {k: v for k, v in deals.items() if k != "lead_id"}
        dc = {"deal_id": ["d1", "d2"], "lead_id": ["a", "x"], "is_primary": [True, True]}
        r = alignment.attribute(ACC_TOUCHES, no_lead, key="account_id", leads=ACC_LEADS,
                                deal_contacts=dc)  # fmt: skip
        assert r.totals(by="account_id")["other"] == pytest.approx(100.0)  # its contact's
    assert r.attributed_revenue == pytest.approx(1000.0)


@pytest.mark.parametrize("outcome", [None, "pipeline"])
@pytest.mark.parametrize("lead", [None, "ghost"])
def test_a_deal_whose_account_is_found_nowhere_is_refused_naming_it(
    lead: str | None, outcome: str | None
) -> None:
    deals = {"deal_id": ["d1", "d2"], "lead_id": ["a", lead], "created_at": [DAY.format(6)] * 2,
             "closed_at": [DAY.format(10)] * 2, "amount": [100.0, 400.0], "won": [True, True]}  # fmt: skip
    with warnings.catch_warnings(), pytest.raises(alignment.DataValidationError) as e:
        warnings.simplefilter("ignore")
        alignment.attribute(ACC_TOUCHES, deals, key="account_id", leads=ACC_LEADS,
                            outcome=outcome)  # type: ignore[arg-type]  # fmt: skip
    assert e.value.table == "deals" and e.value.column == "lead_id" and e.value.rows == [1]
    assert e.value.value == lead and "deal_id 'd2'" in str(e.value)
    assert "give the deal its 'account_id'" in (e.value.fix or "")


def test_account_journeys_with_a_crm_bundle() -> None:
    crm = alignment.synthetic_crm()
    won = float(crm.deals["amount"][crm.deals["won"]].sum())
    for contacts in ("all", "primary", "roles"):
        r = alignment.attribute(crm, key="account_id", contacts=contacts)  # type: ignore[arg-type]
        assert r.attributed_revenue + r.unattributed.total == pytest.approx(won)
        by_persona = r.totals(by="persona")
        assert sum(by_persona.values()) == pytest.approx(r.attributed_revenue)


# ------------------------------------------------------------------ oracle twins, properties

T0 = np.datetime64("2024-01-01T00:00", "us")
ROLES = ["champion", "decision_maker", "user"]
CHANNELS = ["email", "search", "events"]


@st.composite
def _accounts(draw: Any) -> dict[str, Any]:
    n_leads = draw(st.integers(1, 6))
    acc = [draw(st.sampled_from("ABC")) for _ in range(n_leads)]
    leads = {
        "lead_id": np.array([f"L{i}" for i in range(n_leads)], dtype=object),
        "created_at": np.full(n_leads, T0),
        "account_id": np.array(acc, dtype=object),
        "persona": np.array([draw(st.sampled_from(["p", "q"])) for _ in acc], dtype=object),
    }
    n_t = draw(st.integers(0, 12))
    touches = {
        "lead_id": np.array(
            [f"L{draw(st.integers(0, n_leads - 1))}" for _ in range(n_t)], dtype=object
        ),
        "timestamp": T0
        + np.array([draw(st.integers(0, 20)) for _ in range(n_t)], dtype=np.int64)
        * np.timedelta64(1, "D"),
        "channel": np.array([draw(st.sampled_from(CHANNELS)) for _ in range(n_t)], dtype=object),
    }
    n_d = draw(st.integers(1, 4))
    d_lead = [draw(st.integers(0, n_leads - 1)) for _ in range(n_d)]
    deals = {
        "deal_id": np.array([f"D{i}" for i in range(n_d)], dtype=object),
        "lead_id": np.array([f"L{i}" for i in d_lead], dtype=object),
        "account_id": np.array([acc[i] for i in d_lead], dtype=object),
        "closed_at": T0
        + np.array([draw(st.integers(1, 21)) for _ in range(n_d)], dtype=np.int64)
        * np.timedelta64(1, "D"),
        "amount": np.array([float(draw(st.integers(1, 1000))) for _ in range(n_d)]),
        "won": np.array([draw(st.booleans()) or i == 0 for i in range(n_d)]),
    }
    rows: list[tuple[str, str, str, bool]] = []
    for d in range(n_d):
        people = draw(st.lists(st.integers(0, n_leads - 1), min_size=1, max_size=3, unique=True))
        for k, p in enumerate(people):
            rows.append((f"D{d}", f"L{p}", draw(st.sampled_from(ROLES)), k == 0))
    contacts = {
        "deal_id": np.array([r[0] for r in rows], dtype=object),
        "lead_id": np.array([r[1] for r in rows], dtype=object),
        "role": np.array([r[2] for r in rows], dtype=object),
        "is_primary": np.array([r[3] for r in rows]),
    }
    return dict(leads=leads, touches=touches, deals=deals, contacts=contacts)


def _twin(data: dict[str, Any], contacts: str, rw: dict[str, float]) -> tuple[dict, dict, float]:
    """Plain-Python linear credit per deal: by channel, by lead, and unattributed revenue."""
    leads, touches, deals, dc = data["leads"], data["touches"], data["deals"], data["contacts"]
    acc_of = dict(zip(leads["lead_id"], leads["account_id"]))
    by_channel: dict[str, float] = defaultdict(float)
    by_lead: dict[str, float] = defaultdict(float)
    lost = 0.0
    for d in range(deals["deal_id"].size):
        if not deals["won"][d]:
            continue
        deal, close, amount = deals["deal_id"][d], deals["closed_at"][d], deals["amount"][d]
        mine = [i for i in range(dc["deal_id"].size) if dc["deal_id"][i] == deal]
        if contacts == "all":
            people = {p: 1.0 for p, a in acc_of.items() if a == deals["account_id"][d]}
        elif contacts == "primary":
            people = {dc["lead_id"][mine[0]]: 1.0}
        else:
            people = {dc["lead_id"][i]: rw.get(dc["role"][i], 1.0) for i in mine}
        held = [
            (i, people[touches["lead_id"][i]])
            for i in range(touches["lead_id"].size)
            if touches["lead_id"][i] in people and touches["timestamp"][i] < close
        ]
        if not held:
            lost += amount
            continue
        total = sum(w for _, w in held)
        for i, w in held:
            by_channel[touches["channel"][i]] += amount * w / total
            by_lead[touches["lead_id"][i]] += amount * w / total
    return dict(by_channel), dict(by_lead), lost


def _nonzero(d: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in d.items() if abs(v) > 1e-9}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=_accounts(),
    contacts=st.sampled_from(["all", "primary", "roles"]),
    weighted=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_account_journeys_match_their_twin(
    data: dict, contacts: str, weighted: bool, seed: int
) -> None:
    rw = {"decision_maker": 3.0, "user": 0.5} if weighted and contacts == "roles" else {}
    rw = {r: w for r, w in rw.items() if r in set(data["contacts"]["role"].tolist())}  # (held)
    snapshot = {t: {k: v.copy() for k, v in data[t].items()} for t in data}
    kw: dict[str, Any] = dict(
        key="account_id", leads=data["leads"], contacts=contacts, model="linear"
    )
    if contacts != "all":
        kw["deal_contacts"] = data["contacts"]
    if rw:
        kw["role_weights"] = rw
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = alignment.attribute(data["touches"], data["deals"], **kw)
        perm = np.random.default_rng(seed).permutation(data["touches"]["lead_id"].size)
        shuffled = {k: v[perm] for k, v in data["touches"].items()}
        r2 = alignment.attribute(shuffled, data["deals"], **kw)
    by_channel, by_lead, lost = _twin(data, contacts, rw)
    assert _nonzero(r.totals()) == pytest.approx(by_channel)
    assert _nonzero(r.totals(by="lead_id")) == pytest.approx(by_lead)
    assert r.unattributed.total == pytest.approx(lost)
    won = float(data["deals"]["amount"][data["deals"]["won"]].sum())
    assert r.attributed_revenue + r.unattributed.total == pytest.approx(won)
    assert r2.totals() == pytest.approx(r.totals())  # row-order invariance
    for t in data:  # no mutation
        for k, v in snapshot[t].items():
            np.testing.assert_array_equal(v, data[t][k])


@st.composite
def _stages(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 6))
    mql = [draw(st.one_of(st.none(), st.integers(0, 20))) for _ in range(n)]
    leads = {
        "lead_id": np.array([f"L{i}" for i in range(n)], dtype=object),
        "created_at": np.full(n, T0),
        "mql_at": np.array(
            [np.datetime64("NaT", "us") if m is None else T0 + np.timedelta64(m, "D") for m in mql]
        ),
    }
    n_t = draw(st.integers(0, 12))
    touches = {
        "lead_id": np.array([f"L{draw(st.integers(0, n - 1))}" for _ in range(n_t)], dtype=object),
        "timestamp": T0
        + np.array([draw(st.integers(0, 20)) for _ in range(n_t)], dtype=np.int64)
        * np.timedelta64(1, "D"),
        "channel": np.array([draw(st.sampled_from(CHANNELS)) for _ in range(n_t)], dtype=object),
    }
    return dict(leads=leads, touches=touches)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=_stages(), model=st.sampled_from(["linear", "w_shaped", "time_decay", "markov", "shapley"])
)
def test_stage_outcome_conserves_and_matches_twin(data: dict, model: str) -> None:
    leads, touches = data["leads"], data["touches"]
    snapshot = {k: v.copy() for k, v in leads.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = alignment.attribute(touches, leads, outcome="mql_at", model=model)
    reached = int((~np.isnat(leads["mql_at"])).sum())
    assert r.measure == "conversions" and r.outcome == "mql_at"
    assert sum(r.totals().values()) + r.unattributed.total == pytest.approx(reached)
    for k, v in snapshot.items():
        np.testing.assert_array_equal(v, leads[k])
    if model != "linear":
        return
    want: dict[str, float] = defaultdict(float)
    for lead, at in zip(leads["lead_id"], leads["mql_at"]):
        if np.isnat(at):
            continue
        before = [
            c
            for lt, t, c in zip(touches["lead_id"], touches["timestamp"], touches["channel"])
            if lt == lead and t < at
        ]
        for c in before:
            want[c] += 1.0 / len(before)
    assert _nonzero(r.totals()) == pytest.approx(dict(want))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_accounts(), model=st.sampled_from(["linear", "u_shaped", "markov", "shapley"]))
def test_pipeline_outcome_credits_every_deal(data: dict, model: str) -> None:
    deals = {**data["deals"], "created_at": data["deals"]["closed_at"] - np.timedelta64(1, "D")}
    deals["won"] = np.zeros(deals["won"].size, dtype=bool)  # open deals count in pipeline
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = alignment.attribute(
            data["touches"], deals, outcome="pipeline", leads=data["leads"], model=model
        )
    assert r.outcome == "pipeline" and r.measure == "revenue"
    assert sum(r.totals().values()) + r.unattributed.total == pytest.approx(deals["amount"].sum())


def test_pipeline_deals_without_created_at_are_told_to_rename_it() -> None:
    # (no parameter names the deals' created_at: "pass its name" would point nowhere)
    with pytest.raises(alignment.MissingColumnError) as e:
        alignment.attribute(ACC_TOUCHES, ACC_DEALS, outcome="pipeline", tz="UTC")
    assert (e.value.table, e.value.column) == ("deals", "created_at")
    assert e.value.fix == (
        "'created_at' → did you mean 'closed_at'? rename the column (the names of this table's "
        "columns are fixed)"
    )


# ------------------------------------------------------------------ stage worked example

STAGE_TOUCHES = {
    "lead_id": ["a", "a", "a", "b", "b", "c"],
    "timestamp": [DAY.format(d) for d in (1, 2, 8, 3, 4, 5)],
    "channel": ["email", "search", "events", "search", "social", "email"],
}
STAGE_LEADS = {
    "lead_id": ["a", "b", "c", "d"],
    "created_at": [DAY.format(1)] * 4,
    "mql_at": [DAY.format(5), DAY.format(4), None, DAY.format(6)],
}


def test_stage_outcome_worked_example() -> None:
    # docs: a's MQL (03-05) <- email, search; b's (03-04) <- search (the 03-04 touch is not
    # before it); c never reached MQL; d reached it without touches (unattributed)
    r = alignment.attribute(STAGE_TOUCHES, STAGE_LEADS, outcome="mql_at", model="linear")
    assert r.totals() == pytest.approx({"email": 0.5, "events": 0.0, "search": 1.5, "social": 0.0})
    assert r.unattributed.total == pytest.approx(1.0)
    assert r.unattributed.by_reason() == {"no touches": 1.0}
    frame = r.to_frame("channel", backend="dict")
    assert "revenue" not in frame and set(frame["outcome"]) == {"mql_at"}
    assert frame["conversions"].sum() == pytest.approx(2.0)
    assert r.summary()["measure"] == "conversions"


def test_a_share_of_nothing_credited_is_absent() -> None:
    leads = {**STAGE_LEADS, "mql_at": [None] * 4, "sql_at": [DAY.format(1)] * 4}
    for outcome in ("sql_at", "mql_at"):  # reached before any touch / reached by nobody
        r = alignment.attribute(STAGE_TOUCHES, leads, outcome=outcome, model="linear")
        assert r.summary()["attributed_conversions"] == 0.0
        frame = r.to_frame("channel", backend="dict")
        assert frame["share"].size == 4 and np.isnan(frame["share"]).all()
        assert "0 / 0" in r.not_measured["share"]
        both = alignment.compare([r], share=True, backend="dict")
        assert np.isnan(both["linear"]).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        some = _acc("primary", model="linear")  # (credit given: shares summing to 1)
    assert np.nansum(some.to_frame("channel", backend="dict")["share"]) == pytest.approx(1.0)


@pytest.mark.filterwarnings("ignore::alignment.AlignmentWarning")  # (full_path: no opportunity)
@pytest.mark.parametrize("model", ["w_shaped", "full_path"])
def test_stage_outcome_reads_the_lead_column_an_anchor_names(model: str) -> None:
    # 'signup' (datetimes, not named *_at) is no default stage: the anchor still finds it
    signup = np.array([DAY.format(d)[:10] for d in (2, 3, 1, 1)], dtype="datetime64[us]")
    named = alignment.attribute(
        STAGE_TOUCHES, {**STAGE_LEADS, "signup": signup}, outcome="mql_at", model=model,
        lead_anchor="signup",
    )  # fmt: skip
    want = alignment.attribute(
        STAGE_TOUCHES, {**STAGE_LEADS, "signup_at": signup}, outcome="mql_at", model=model,
        lead_anchor="signup_at",
    )  # fmt: skip
    assert named.totals() == pytest.approx(want.totals())
    moved = alignment.attribute(STAGE_TOUCHES, STAGE_LEADS, outcome="mql_at", model=model)
    assert named.totals() != pytest.approx(moved.totals())  # (the anchor is used)
    assert sum(named.totals().values()) == pytest.approx(2.0)


def test_stage_outcome_errors() -> None:
    with pytest.raises(alignment.MissingColumnError, match="stage column") as e:
        alignment.attribute(STAGE_TOUCHES, STAGE_LEADS, outcome="sql_at")
    assert "outcome='mql_at'" in (e.value.fix or "")  # a stage the leads have, not 'sql_at'
    with pytest.raises(alignment.ParameterError, match="won_stages does not apply"):
        alignment.attribute(STAGE_TOUCHES, STAGE_LEADS, outcome="mql_at", won_stages=["Won"])
    contacts = {"deal_id": ["D1"], "lead_id": [STAGE_LEADS["lead_id"][0]]}
    with pytest.raises(alignment.ParameterError, match="deal_contacts does not apply"):
        alignment.attribute(STAGE_TOUCHES, STAGE_LEADS, outcome="mql_at", deal_contacts=contacts)
    with pytest.raises(alignment.ParameterError, match="pass the leads once"):
        alignment.attribute(STAGE_TOUCHES, STAGE_LEADS, leads=STAGE_LEADS, outcome="mql_at")
    with pytest.raises(alignment.ParameterError, match="outcome must be"):
        alignment.attribute(STAGE_TOUCHES, STAGE_LEADS, outcome=3)  # type: ignore[arg-type]
    with pytest.raises(alignment.ParameterError, match="attributed per lead"):
        alignment.attribute(STAGE_TOUCHES, STAGE_LEADS, outcome="mql_at", key="account_id")


def test_stage_outcome_and_leads_keyed_by_the_lead_column() -> None:
    rename = {"lead_id": "person"}
    touches = {rename.get(k, k): v for k, v in STAGE_TOUCHES.items()}
    leads = {rename.get(k, k): v for k, v in STAGE_LEADS.items()}
    want = alignment.attribute(STAGE_TOUCHES, STAGE_LEADS, outcome="mql_at", model="linear")
    r = alignment.attribute(touches, leads, outcome="mql_at", model="linear", lead="person")
    assert r.totals() == pytest.approx(want.totals())
    deals = {"person": ["a"], "converted_at": [DAY.format(9)], "revenue": [10.0]}
    r = alignment.attribute(touches, deals, leads=leads, model="linear", lead="person")
    assert r.totals() == pytest.approx({"email": 10 / 3, "search": 10 / 3, "events": 10 / 3,
                                        "social": 0.0})  # fmt: skip


def test_stage_outcome_speaks_of_conversions_not_revenue() -> None:
    # d reached MQL without touches: one unattributed conversion, 2 credited
    r = alignment.attribute(STAGE_TOUCHES, STAGE_LEADS, outcome="mql_at", model="linear")
    s = r.summary()
    assert not [k for k in s if "revenue" in k]
    assert s["conversions"] == pytest.approx(3.0)
    assert s["attributed_conversions"] == pytest.approx(2.0)
    assert s["unattributed_conversions"] == pytest.approx(1.0)
    un = r.unattributed
    assert un.measure == "conversions" and un.total == pytest.approx(1.0)
    assert repr(un) == "Unattributed(1 journey, conversions 1.00, by reason {'no touches': 1.0})"
    assert list(un.to_frame(backend="dict")) == ["lead_id", "conversions", "reason"]
    for text in (repr(r), r._repr_html_(), un._repr_html_()):
        assert "revenue" not in text and "conversions" in text
    assert "outcome='mql_at'" in repr(r)


def test_stage_outcome_on_a_crm_bundle_is_labelled_conversions() -> None:
    crm = alignment.datasets.synthetic_crm(n_leads=200, seed=1)
    stage = alignment.attribute(crm, outcome="mql_at", model="linear")
    reached = int((~np.isnat(np.asarray(crm.leads["mql_at"]))).sum())
    s = stage.summary()
    assert s["conversions"] == reached > 0
    assert s["attributed_conversions"] + s["unattributed_conversions"] == pytest.approx(reached)
    assert "revenue" not in repr(stage) + repr(stage.unattributed) + stage._repr_html_()
    # the default outcome is money, labelled as before
    won = alignment.attribute(crm, model="linear")
    s = won.summary()
    assert {"converted_revenue", "attributed_revenue", "unattributed_revenue"} <= set(s)
    assert "conversions" not in s and won.unattributed.measure == "revenue"
    assert repr(won.unattributed).startswith(
        f"Unattributed({len(won.unattributed):,} journey{'s' * (len(won.unattributed) != 1)}, revenue"
    )
    assert "; revenue " in won._repr_html_()
    key = won.unattributed.key_name
    frame = won.unattributed.to_frame(backend="dict")
    assert list(frame) == [key, "revenue", "conversions", "reason"]


def test_stage_outcome_plot_is_labelled_conversions() -> None:
    mpl = pytest.importorskip("matplotlib", reason="plotting needs matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    stage = alignment.attribute(STAGE_TOUCHES, STAGE_LEADS, outcome="mql_at", model="linear")
    won = alignment.attribute(
        STAGE_TOUCHES, {"lead_id": ["a"], "converted_at": [DAY.format(9)], "revenue": [10.0]}
    )
    try:
        for measure in ("revenue", "conversions"):
            _, ax = stage.plot(measure=measure)
            assert ax.get_ylabel() == "credited conversions"
        _, ax = won.plot()
        assert ax.get_ylabel() == "credited revenue"
    finally:
        plt.close("all")
