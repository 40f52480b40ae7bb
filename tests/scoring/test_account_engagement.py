"""alignment.scoring.account_engagement: worked example, oracle twin, properties, errors."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment.errors import DataValidationError, MissingColumnError, ParameterError
from alignment.scoring import DEFAULT_INTEREST_POINTS, AccountEngagement, account_engagement

AS_OF = "2024-04-01T00:00:00Z"

# the worked example of docs/scoring/accounts.md
LEADS = {
    "lead_id": ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8"],
    "account_id": ["acme", "acme", "acme", "beta", "beta", "gamma", "delta", None],
    "role": ["decision_maker", "Champion", "user", "champion", "influencer",
             "Decision Maker", None, "champion"],
}  # fmt: skip
TOUCHES = {
    "lead_id": ["L1", "L2", "L2", "L3", "L4", "L5", "L6", "L8"],
    "timestamp": ["2024-04-01", "2024-03-02", "2024-01-02", "2023-12-01", "2024-02-01",
                  "2024-03-02", "2024-04-01", "2024-03-31"],
    "kind": ["form", "webinar", "page_view", "email_click", "form", "file_access",
             "page_view", "form"],
}  # fmt: skip


def _run(leads: Any = LEADS, touches: Any = TOUCHES, **kw: Any) -> AccountEngagement:
    kw.setdefault("as_of", AS_OF)
    kw.setdefault("tz", "UTC")
    return account_engagement(leads, touches, **kw)


def test_worked_example() -> None:
    res = _run()
    f = res.to_frame(backend="dict")
    assert list(f["account_id"]) == ["acme", "beta", "gamma", "delta"]
    # acme: 50 (form today) + 20 / 2 (webinar, 30 days) + 1 / 8 (page view, 90 days);
    # the email click of L3 is 122 days old: outside the window
    assert f["score"].tolist() == [60.125, 14.0, 1.0, 0.0]
    assert f["contacts"].tolist() == [3, 2, 1, 1]
    assert f["engaged_contacts"].tolist() == [2, 2, 1, 0]
    assert f["touches"].tolist() == [3, 2, 1, 0]
    assert f["roles_present"].tolist() == [
        "champion, decision_maker, user", "champion, influencer", "decision_maker", "",
    ]  # fmt: skip
    assert f["roles_missing"].tolist() == [
        "", "decision_maker", "champion", "champion, decision_maker",
    ]  # fmt: skip
    assert f["roles_coverage"].tolist() == [1.0, 0.5, 0.5, 0.0]
    assert f["buying_group_complete"].tolist() == [True, False, False, False]
    assert f["percentile"].tolist() == [0.0, 0.25, 0.5, 0.75]
    assert f["tier"].tolist() == ["A", "B", "C", "D"]
    s = res.summary()
    assert s["touches"] == 8 and s["touches_used"] == 6
    assert s["touches_outside_window"] == 1 and s["touches_without_account"] == 1
    assert s["leads_without_account"] == 1 and s["tier_A"] == 1
    assert s["engaged_accounts"] == 3 and s["buying_group_complete"] == 1
    c = res.to_frame("contacts", backend="dict")
    assert c["lead_id"].tolist() == LEADS["lead_id"]
    assert c["interest"].tolist() == [50.0, 10.125, 0.0, 12.5, 1.5, 1.0, 0.0, 0.0]
    assert c["role"].tolist()[:2] == ["decision_maker", "champion"]
    assert c["role"][6] is None and c["account_id"][7] is None
    t = res.to_frame("tiers", backend="dict")
    assert t["accounts"].tolist() == [1, 1, 1, 1]


def test_every_touch_is_accounted_for() -> None:
    s = _run(touches={**TOUCHES, "lead_id": [*TOUCHES["lead_id"][:-1], "nobody"]}).summary()
    parts = ("used", "outside_window", "after_as_of", "unknown_lead", "without_account")
    assert sum(s[f"touches_{p}"] for p in parts) == s["touches"] == 8
    assert s["touches_unknown_lead"] == 1 and s["touches_without_account"] == 0


def test_after_as_of_and_no_window() -> None:
    res = _run(as_of="2024-03-02T00:00:00Z", window=None)
    s = res.summary()
    assert s["touches_after_as_of"] == 2  # the two of 04-01 (L8 has no account)
    assert s["window_days"] == math.inf
    # the 2023-12-01 email click now counts: 2 points, 92 days old
    f = res.to_frame(backend="dict")
    assert f["account_id"].tolist()[:2] == ["beta", "acme"]  # beta: 50 / 2 + 3
    acme = f["score"][1]
    assert acme == pytest.approx(20 + 2**-2 + 2 * 2 ** (-92 / 30))


def test_configurable_tiers_points_and_roles() -> None:
    res = _run(
        tiers={"hot": 0.5, "cold": 0.5},
        interest_points={"form": 10, "webinar": 10},
        roles_required=["User", "influencer"],
        half_life="60d",
    )
    f = res.to_frame(backend="dict")
    assert f["tier"].tolist() == ["hot", "hot", "cold", "cold"]  # gamma: no positive score
    assert f["score"].tolist()[:2] == [10 + 10 * 2**-0.5, 10 * 2**-1]
    assert f["roles_coverage"].tolist() == [0.5, 0.5, 0.0, 0.0]
    assert res.summary()["touches_unscored_kind"] == 4
    none = _run(roles_required=())
    assert np.isnan(none.to_frame(backend="dict")["roles_coverage"]).all()


def test_ties_share_a_tier() -> None:
    leads = {"lead_id": list("abcd"), "account_id": list("wxyz")}
    touches = {"lead_id": list("abcd"), "timestamp": ["2024-04-01"] * 4, "kind": ["form"] * 4}
    f = _run(leads, touches).to_frame(backend="dict")
    assert set(f["tier"].tolist()) == {"A"} and set(f["percentile"].tolist()) == {0.0}


def test_tied_accounts_share_a_tier_in_any_row_order() -> None:
    # the same touches summed in another row order: the same bits, so still a tie
    leads = {"lead_id": ["a1", "b1"], "account_id": ["X", "Y"]}
    ts = ["2024-03-01 07:13", "2024-02-11 05:01", "2024-01-17 11:47", "2024-03-25 09:00"]
    ks = ["webinar", "form", "page_view", "email_click"]
    perm = (0, 3, 1, 2)
    touches = {"lead_id": ["a1"] * 4 + ["b1"] * 4, "timestamp": ts + [ts[i] for i in perm],
               "kind": ks + [ks[i] for i in perm]}  # fmt: skip
    res = _run(leads, touches, roles_required=())
    f = res.to_frame(backend="dict")
    assert f["score"][0] == f["score"][1]
    assert f["account_id"].tolist() == ["X", "Y"]
    assert f["percentile"].tolist() == [0.0, 0.0] and f["tier"].tolist() == ["A", "A"]
    c = res.to_frame("contacts", backend="dict")
    assert c["interest"][0] == c["interest"][1]


def test_tier_share_without_any_account_is_absent() -> None:
    res = _run({"lead_id": ["a", "b"], "account_id": [None, None]},
               {"lead_id": ["a"], "timestamp": ["2024-03-01"], "kind": ["form"]})  # fmt: skip
    f = res.to_frame("tiers", backend="dict")
    assert f["accounts"].tolist() == [0, 0, 0, 0]
    assert np.isnan(f["share"]).all()
    assert "share" in res.not_measured
    assert _run().to_frame("tiers", backend="dict")["share"].tolist() == [0.25] * 4


def test_roles_from_deal_contacts_and_crm() -> None:
    dc = {"deal_id": ["D1", "D1", "D2"], "lead_id": ["L3", "L7", "ghost"],
          "role": ["decision_maker", "champion", "user"]}  # fmt: skip
    leads = {k: v for k, v in LEADS.items() if k != "role"}
    f = _run(leads, deal_contacts=dc).to_frame(backend="dict")
    assert f["roles_present"].tolist() == ["decision_maker", "", "", "champion"]
    res = _run(leads, deal_contacts=dc)
    assert res.summary()["deal_contacts_unknown_lead"] == 1
    crm = alignment.synthetic_crm(n_leads=300, seed=3)
    out = account_engagement(crm)
    assert out.summary()["as_of"] == crm.as_of
    assert out.summary()["contacts"] == int(
        np.count_nonzero(crm.leads["account_id"] != None)  # noqa: E711
    )


@pytest.mark.parametrize(
    ("role", "rows", "value"),
    [
        (np.array([True] * 8), [0, 1, 2, 3, 4], True),
        (np.array([None, "user", 5, None, "", "x", 2.5, None], dtype=object), [2, 6], 5),
        (np.array([np.nan] * 7 + [1.0]), [7], 1.0),
    ],
)
def test_roles_that_are_not_text_are_refused(role: np.ndarray, rows: list[int], value: Any) -> None:
    with pytest.raises(DataValidationError, match="not text") as err:
        _run({**LEADS, "role": role})
    assert (err.value.table, err.value.column, err.value.rows) == ("leads", "role", rows)
    assert err.value.value == value
    leads = {k: v for k, v in LEADS.items() if k != "role"}
    dc = {"lead_id": ["ghost", "L1", "L2"], "role": np.array(["user", None, 7], dtype=object)}
    with pytest.raises(DataValidationError, match="not text") as err:
        _run(leads, deal_contacts=dc)  # named by its row in the caller's deal contacts
    assert (err.value.table, err.value.column, err.value.rows, err.value.value) == (
        "deal_contacts", "role", [2], 7,
    )  # fmt: skip


def test_missing_or_blank_roles_are_no_role() -> None:
    role = np.array([np.nan] * 8)  # a float column of NaN only: every role missing
    f = _run({**LEADS, "role": role}).to_frame(backend="dict")
    assert f["roles_present"].tolist() == ["", "", "", ""]
    role2 = np.array(["", "  ", None, *LEADS["role"][3:]], dtype=object)
    f2 = _run({**LEADS, "role": role2}).to_frame(backend="dict")
    assert f2["roles_present"].tolist()[0] == ""


@pytest.mark.parametrize(
    ("leads", "touches", "column", "fix"),
    [
        ({"lead_id": ["L1"], "acct": ["acme"]}, TOUCHES, "account_id",
         "rename the column or name yours with key='your_column'"),
        ({"id": ["L1"], "account_id": ["acme"]}, TOUCHES, "lead_id",
         "rename the column (the names of this table's columns are fixed)"),
        (LEADS, {**TOUCHES, "type": TOUCHES["kind"]}, "kind",
         "rename the column or name yours with kind_column='your_column'"),
        (LEADS, {"lead_id": ["L1"], "time": ["2024-04-01"], "kind": ["form"]}, "timestamp",
         "'timestamp' → did you mean 'time'? rename the column (the names of this table's "
         "columns are fixed)"),
    ],
)  # fmt: skip
def test_a_missing_column_names_the_way_to_supply_it(
    leads: Any, touches: Any, column: str, fix: str
) -> None:
    if "type" in touches:
        touches = {k: v for k, v in touches.items() if k != "kind"}
    with pytest.raises(MissingColumnError) as e:
        _run(leads, touches)
    assert (e.value.column, e.value.fix) == (column, fix)


def test_frames_in_and_out() -> None:
    pd = pytest.importorskip("pandas")
    res = _run(pd.DataFrame(LEADS), pd.DataFrame(TOUCHES))
    frame = res.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame["score"].tolist() == [60.125, 14.0, 1.0, 0.0]
    assert "Account engagement" in res._repr_html_()


def test_a_lead_table_is_read_like_its_frame() -> None:
    crm = alignment.synthetic_crm(n_leads=300, seed=3)
    frames = crm.to_frames("dict")
    lt = crm.lead_table()
    from_table = account_engagement(lt, frames["touchpoints"], as_of=crm.as_of)
    from_frame = account_engagement(frames["leads"], frames["touchpoints"], as_of=crm.as_of)
    assert from_table.summary() == from_frame.summary()
    got, want = from_table.to_frame(backend="dict"), from_frame.to_frame(backend="dict")
    assert list(got) == list(want)
    for name in want:
        assert got[name].tolist() == want[name].tolist()


def test_inputs_not_mutated() -> None:
    leads = {k: np.array(v, dtype=object) for k, v in LEADS.items()}
    touches = {k: np.array(v, dtype=object) for k, v in TOUCHES.items()}
    before = {k: v.copy() for k, v in {**leads, **touches}.items()}
    res = _run(leads, touches)
    for k, v in {**leads, **touches}.items():
        assert v.flags.writeable and np.array_equal(v, before[k])
    assert not res.score.flags.writeable


def test_errors() -> None:
    with pytest.raises(DataValidationError, match="repeated lead id") as err:
        _run({**LEADS, "lead_id": ["L1"] * 8})
    assert err.value.rows is not None
    with pytest.raises(MissingColumnError):
        _run({"lead_id": ["a"]})
    with pytest.raises(DataValidationError):
        _run(touches={**TOUCHES, "timestamp": ["soon", *TOUCHES["timestamp"][1:]]})
    with pytest.raises(ParameterError, match="sum to 1"):
        _run(tiers={"A": 0.5, "B": 0.4})
    with pytest.raises(ParameterError):
        _run(roles_required="champion")
    with pytest.raises(ParameterError):
        _run(half_life="soon")
    with pytest.raises(ParameterError):
        _run(interest_points={"form": float("nan")})
    with pytest.raises(DataValidationError, match="no touches"):
        account_engagement(LEADS)
    with pytest.raises(ParameterError, match="level"):
        _run().to_frame("nope")


# ------------------------------------------------------------------------------ oracle twin

_DAY = timedelta(days=1)


def _twin(leads: dict[str, list[Any]], touches: dict[str, list[Any]], as_of: datetime,
          half_days: float, window_days: float, required: tuple[str, ...],
          tiers: tuple[tuple[str, float], ...]) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Plain-Python definition: per account id, score, engaged, roles, tier."""
    account = dict(zip(leads["lead_id"], leads["account_id"]))
    out: dict[str, dict[str, Any]] = {}
    for acc in account.values():
        if acc is not None:
            row = out.setdefault(
                acc, {"score": 0.0, "contacts": 0, "engaged": set(), "roles": set()}
            )
            row["contacts"] += 1
    for lead, role in zip(leads["lead_id"], leads["role"]):
        if account[lead] is not None and role is not None:
            out[account[lead]]["roles"].add(role.lower().replace(" ", "_"))
    for lead, ts, kind in zip(touches["lead_id"], touches["timestamp"], touches["kind"]):
        acc = account.get(lead)
        age = (as_of - ts) / _DAY
        if acc is None or age < 0 or age > window_days:
            continue
        out[acc]["engaged"].add(lead)
        out[acc]["score"] += DEFAULT_INTEREST_POINTS.get(kind, 0.0) * 0.5 ** (age / half_days)
    n = len(out)
    for row in out.values():
        higher = sum(1 for other in out.values() if other["score"] > row["score"])
        row["percentile"] = higher / n
        edge, tier = 0.0, tiers[-1][0]
        for name, share in tiers:
            edge += share
            if row["percentile"] < edge - 1e-12:
                tier = name
                break
        row["tier"] = tier if row["score"] > 0 else tiers[-1][0]
        row["coverage"] = len(row["roles"] & set(required)) / len(required)
    return out


_T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


@st.composite
def _data(draw: Any) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    n = draw(st.integers(1, 12))
    ids = [f"L{i}" for i in range(n)]
    accounts = draw(
        st.lists(st.sampled_from(["a", "b", "c", "d", "e", None]), min_size=n, max_size=n)
    )
    roles = draw(st.lists(st.sampled_from(["champion", "Decision Maker", "user", None]),
                          min_size=n, max_size=n))  # fmt: skip
    m = draw(st.integers(0, 30))
    touches = {
        "lead_id": draw(st.lists(st.sampled_from([*ids, "ghost"]), min_size=m, max_size=m)),
        "timestamp": [_T0 + timedelta(hours=h) for h in
                      draw(st.lists(st.integers(0, 24 * 150), min_size=m, max_size=m))],
        "kind": draw(st.lists(st.sampled_from([*DEFAULT_INTEREST_POINTS, "chat"]),
                              min_size=m, max_size=m)),
    }  # fmt: skip
    return {"lead_id": ids, "account_id": accounts, "role": roles}, touches


_AS_OF = _T0 + timedelta(days=120)
_KW: dict[str, Any] = {"as_of": _AS_OF, "half_life": "20d", "window": "45d"}


@settings(max_examples=60, deadline=None)
@given(_data())
def test_matches_the_plain_python_twin(data: Any) -> None:
    leads, touches = data
    res = account_engagement(leads, touches, **_KW)
    want = _twin(leads, touches, _AS_OF, 20.0, 45.0, ("champion", "decision_maker"),
                 (("A", 0.1), ("B", 0.2), ("C", 0.3), ("D", 0.4)))  # fmt: skip
    f = res.to_frame(backend="dict")
    assert sorted(f["account_id"].tolist()) == sorted(want)
    for i, acc in enumerate(f["account_id"].tolist()):
        w = want[acc]
        assert f["score"][i] == pytest.approx(w["score"], rel=1e-12, abs=1e-12)
        assert f["contacts"][i] == w["contacts"]
        assert f["engaged_contacts"][i] == len(w["engaged"])
        assert f["roles_coverage"][i] == w["coverage"]
        assert f["percentile"][i] == pytest.approx(w["percentile"])
        assert f["tier"][i] == w["tier"]


@settings(max_examples=40, deadline=None)
@given(_data(), st.randoms(use_true_random=False))
def test_row_order_invariance(data: Any, rnd: Any) -> None:
    leads, touches = data
    res = account_engagement(leads, touches, **_KW)

    def shuffled(table: dict[str, list[Any]]) -> dict[str, list[Any]]:
        order = list(range(len(next(iter(table.values())))))
        rnd.shuffle(order)
        return {k: [v[i] for i in order] for k, v in table.items()}

    other = account_engagement(shuffled(leads), shuffled(touches), **_KW)
    a, b = res.to_frame(backend="dict"), other.to_frame(backend="dict")
    assert a["account_id"].tolist() == b["account_id"].tolist()
    for col in ("contacts", "engaged_contacts", "touches", "roles_present", "tier", "percentile"):
        assert a[col].tolist() == b[col].tolist()
    assert a["score"].tolist() == b["score"].tolist()
    # conservation: the accounts' scores are their contacts' interest
    c = res.to_frame("contacts", backend="dict")
    with_acc = np.array([x is not None for x in c["account_id"]], dtype=bool)
    assert float(res.score.sum()) == pytest.approx(float(c["interest"][with_acc].sum()), abs=1e-9)
    assert dataclasses.is_dataclass(res)


def test_a_printed_result_is_one_headline_line() -> None:
    text = repr(account_engagement(alignment.synthetic_crm(n_leads=3000, seed=0)))
    assert text.startswith("AccountEngagement(key='account_id', accounts=")
    assert "\n" not in text and "array(" not in text and len(text) < 250
