"""alignment.accounts.match: the steps, ties, parameters, errors, inputs and the result."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import alignment
from alignment.accounts import FREE_MAIL_DOMAINS, AccountMatch, fold_names, match
from alignment.errors import DataValidationError, MissingColumnError, ParameterError

from . import _twins

pytest.importorskip("rapidfuzz")

ACCOUNTS = {
    "account_id": ["A1", "A2", "A3", "A4"],
    "domain": ["acme.com", None, "umbrella.com", "UMBRELLA.com"],
    "website": [None, "https://www.globex.com/contact", None, None],
    "name": ["Acme, Inc.", "Globex Corporation", "Umbrella Corp", "Umbrella Holdings"],
}


def leads(emails: list[Any], companies: list[Any]) -> dict[str, Any]:
    return {
        "lead_id": [f"L{i}" for i in range(len(emails))],
        "email": emails,
        "company": companies,
    }


def frame(m: AccountMatch) -> dict[str, list[Any]]:
    return {k: v.tolist() for k, v in m.to_frame(backend="dict").items()}


def test_domain_then_name_then_none() -> None:
    m = match(
        leads(
            ["jo@ACME.com", "al@globex.com", "ed@gmail.com", "mo@gmail.com", None],
            ["x", "y", "ACME Inc", "Globx", "Nobody"],
        ),
        ACCOUNTS,
    )
    f = frame(m)
    assert f["account_id"] == ["A1", "A2", "A1", "A2", None]
    assert f["method"] == ["domain", "domain", "name", "name", "none"]
    assert f["score"] == pytest.approx([1, 1, 1, 10 / 11, 0])
    assert f["ambiguous"] == [False] * 5
    assert m.counts() == {"domain": 2, "name": 2, "none": 1}


def test_free_mail_never_matches_by_domain_and_can_be_extended() -> None:
    accounts = {"account_id": ["G", "C"], "domain": ["gmail.com", "corp-mail.net"],
                "name": ["Google", "Corp Mail"]}  # fmt: skip
    lead = leads(["a@gmail.com", "b@corp-mail.net"], [None, None])
    assert match(lead, accounts).method.tolist() == ["none", "domain"]
    more = FREE_MAIL_DOMAINS | {"Corp-Mail.net"}
    assert match(lead, accounts, free_mail=more).method.tolist() == ["none", "none"]
    assert match(lead, accounts, free_mail=set()).account_id.tolist() == ["G", "C"]


def test_a_shared_domain_is_ambiguous_with_its_candidates() -> None:
    m = match(leads(["ann@umbrella.com"], ["Umbrella Corp"]), ACCOUNTS)
    f = frame(m)
    assert f["account_id"] == [None] and f["ambiguous"] == [True]
    assert f["method"] == ["domain"] and f["score"] == [1.0]  # decided: the name is not tried
    c = m.to_frame("candidates", backend="dict")
    assert c["lead_id"].tolist() == ["L0", "L0"]
    assert c["account_id"].tolist() == ["A3", "A4"]
    assert m.summary()["ambiguous"] == 1 and m.summary()["matched"] == 0


def test_a_shared_folded_name_and_a_fuzzy_tie_are_ambiguous() -> None:
    accounts = {
        "account_id": [1, 2, 3, 4],
        "name": ["Acme Sales", "Acme Scale", "Beta GmbH", "BETA, Inc."],
    }
    m = match(leads([None, None], ["Acme Sale", "Beta"]), accounts, by="name")
    assert m.ambiguous.tolist() == [True, True]
    assert m.score.tolist() == pytest.approx([18 / 19, 1.0])
    c = m.to_frame("candidates", backend="dict")
    assert c["account_id"].tolist() == [1, 2, 3, 4]
    assert c["lead_id"].tolist() == ["L0", "L0", "L1", "L1"]


def test_threshold_is_inclusive_and_checked() -> None:
    lead = leads([None], ["Globx"])  # "globx" / "globex": 2 * 5 / (5 + 6) = 10 / 11
    assert match(lead, ACCOUNTS, by="name", threshold=10 / 11).method.tolist() == ["name"]
    assert match(lead, ACCOUNTS, by="name", threshold=0.91).method.tolist() == ["none"]
    for bad in (0, 1.5, -0.1, "0.9", True, float("nan")):
        with pytest.raises(ParameterError, match="threshold"):
            match(lead, ACCOUNTS, threshold=bad)


def test_a_score_equal_to_the_threshold_matches() -> None:
    # "abcq" / "abcdefghijklmnopqrstu": LCS 4, 2 * 4 / (4 + 21) = 8 / 25 = 0.32 exactly;
    # rapidfuzz's float is an ulp below 0.32, the score is the fraction itself
    lead = {"lead_id": ["l"], "email": [None], "company": ["abcq"]}
    account = {"account_id": ["A"], "domain": [None], "name": ["abcdefghijklmnopqrstu"]}
    m = match(lead, account, threshold=0.32)
    assert m.account_id.tolist() == ["A"] and m.method.tolist() == ["name"]
    assert m.score.tolist() == [0.32]
    assert match(lead, account, threshold=0.3200000001).method.tolist() == ["none"]


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="abcde", min_size=3, max_size=12),
    st.text(alphabet="abcde", min_size=0, max_size=30),
)
def test_every_score_is_its_exact_fraction_and_reaches_itself(head: str, tail: str) -> None:
    a, b = head, head[:3] + tail  # one block (the first three characters)
    assume(a != b and fold_names([a, b]).tolist() == [a, b])
    exact = _twins.indel_score(a, b)  # 2·LCS / (|a| + |b|), one division
    lead = {"lead_id": ["l"], "email": [None], "company": [a]}
    account = {"account_id": ["A"], "domain": [None], "name": [b]}
    m = match(lead, account, threshold=exact)
    assert m.account_id.tolist() == ["A"] and m.score.tolist() == [exact]


def test_equal_fractions_of_different_lengths_tie() -> None:
    # a score is the float nearest its fraction: equal fractions are one float, a tie
    lead = {"lead_id": ["l"], "email": [None], "company": ["abcde"]}
    account = {"account_id": ["A", "B"], "domain": [None, None], "name": ["abcdefghij", "abcxy"]}
    m = match(lead, account, threshold=0.5)  # 2·5/15 = 2/3 and 2·3/10 = 0.6: no tie
    assert m.account_id.tolist() == ["A"] and m.score.tolist() == [2 * 5 / 15]
    both = {"account_id": ["A", "B"], "domain": [None, None], "name": ["abcdefghij", "abcdxyz"]}
    tie = match(lead, both, threshold=0.5)  # 10/15 and 8/12: both 2/3
    assert tie.ambiguous.tolist() == [True] and tie.score.tolist() == [2 / 3]


@pytest.mark.parametrize("bad", ["no", "false", "", 2, 0, None, np.array([True])])
def test_fuzzy_and_overwrite_are_flags(bad: Any) -> None:
    lead = leads(["y@gmail.com"], ["Acme Sofware"])
    with pytest.raises(ParameterError, match="fuzzy must be True or False") as e:
        match(lead, ACCOUNTS, fuzzy=bad)
    assert repr(bad)[:5] in str(e.value)
    m = match(lead, ACCOUNTS, fuzzy=np.False_)
    assert m.method.tolist() == ["none"]
    data = dict(lead, account_id=["KEEP"])
    with pytest.raises(ParameterError, match="overwrite must be True or False"):
        m.apply(data, overwrite=bad)
    assert m.apply(data, overwrite=np.False_)["account_id"].tolist() == ["KEEP"]


@pytest.mark.parametrize(
    ("table", "column", "values", "rows"),
    [
        ("leads", "email", np.array([1.5, 3.0, np.nan]), [0, 1]),
        ("leads", "company", np.array([7, 8, 20]), [0, 1, 2]),
        ("leads", "email", np.array([True, False, True]), [0, 1, 2]),
        ("leads", "company", np.array(["Acme", 5, None], dtype=object), [1]),
        ("accounts", "domain", np.array([1.5, np.nan, 2.25, np.nan]), [0, 2]),
        ("accounts", "name", np.array([10, 20, 30, 40]), [0, 1, 2, 3]),
        ("accounts", "website", np.array([None, True, None, None], dtype=object), [1]),
    ],
)
def test_text_columns_of_numbers_or_bools_are_refused(
    table: str, column: str, values: np.ndarray, rows: list[int]
) -> None:
    lead = leads(["jo@acme.com", "x@globex.com", None], ["Acme", "Globex", "Initech"])
    tables = {"leads": lead, "accounts": dict(ACCOUNTS)}
    tables[table] = dict(tables[table], **{column: values})
    with pytest.raises(DataValidationError, match="not text") as e:
        match(tables["leads"], tables["accounts"])
    err = e.value
    assert (err.table, err.column, err.rows) == (table, column, rows)
    assert err.value == values[rows[0]]


def test_a_text_column_of_missing_values_only_is_missing() -> None:
    lead = leads([float("nan"), float("nan")], [None, "Acme"])
    lead["email"] = np.array(lead["email"], dtype=np.float64)
    assert match(lead, ACCOUNTS).method.tolist() == ["none", "name"]


def test_names_are_compared_within_their_first_three_characters() -> None:
    # "acne" vs "acme": one letter in the block key differs, so they are never compared
    lead = leads([None, None], ["Acne Software", "Acme Sofware"])
    accounts = {"account_id": ["S"], "name": ["Acme Software"]}
    m = match(lead, accounts, by="name", threshold=0.5)
    assert m.method.tolist() == ["none", "name"]
    assert m.score[1] == pytest.approx(2 * 12 / (12 + 13))


def test_steps_in_the_given_order_and_only_those() -> None:
    lead = leads(["jo@acme.com"], ["Globex"])
    assert match(lead, ACCOUNTS, by=("name", "domain")).account_id.tolist() == ["A2"]
    assert match(lead, ACCOUNTS, by=("domain",)).account_id.tolist() == ["A1"]
    no_email = {"lead_id": ["a"], "company": ["Acme"]}
    assert match(no_email, ACCOUNTS, by="name").account_id.tolist() == ["A1"]
    with pytest.raises(MissingColumnError, match="email"):
        match(no_email, ACCOUNTS)
    for bad in ((), ("domain", "domain"), ("email",), 3):
        with pytest.raises(ParameterError, match="by must"):
            match(lead, ACCOUNTS, by=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lead", "accounts", "fix"),
    [
        ({"lead_id": ["a"], "email": ["x@acme.com"], "org": ["Acme"]}, ACCOUNTS,
         "name yours with columns={'company': 'your_column'}, or match by='domain' alone"),
        ({"lead_id": ["a"], "mail": ["x@acme.com"], "company": ["Acme"]}, ACCOUNTS,
         "name yours with columns={'email': 'your_column'}, or match by='name' alone"),
        ({"id": ["a"], "email": ["x@acme.com"], "company": ["Acme"]}, ACCOUNTS,
         "name yours with columns={'lead_id': 'your_column'}"),
        (leads(["x@acme.com"], ["Acme"]), {"account_id": ["A1"], "domain": ["acme.com"]},
         "name yours with columns={'name': 'your_column'}, or match by='domain' alone"),
    ],
)  # fmt: skip
def test_a_missing_column_names_the_ways_match_has(lead: Any, accounts: Any, fix: str) -> None:
    with pytest.raises(MissingColumnError) as e:
        match(lead, accounts)
    assert e.value.fix.endswith(f"rename the column or {fix}")
    assert "time=" not in str(e.value)


def test_apply_to_leads_without_the_id_column_says_so() -> None:
    m = match(leads(["x@acme.com"], ["Acme"]), ACCOUNTS)
    with pytest.raises(MissingColumnError) as e:
        m.apply({"id": ["L0"]})
    assert e.value.fix == "pass the leads that were matched, with their id column 'lead_id'"


def test_exact_names_only_without_fuzzy() -> None:
    lead = leads([None, None], ["ACME Inc", "Globx"])
    assert match(lead, ACCOUNTS, by="name", fuzzy=False).method.tolist() == ["name", "none"]


def test_without_rapidfuzz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidfuzz", None)
    lead = leads(["x@acme.com", None], ["Acme", "Globex Corp."])
    with pytest.raises(ImportError, match=r"smarketing-alignment\[accounts\].*fuzzy=False"):
        match(lead, ACCOUNTS)
    assert match(lead, ACCOUNTS, fuzzy=False).account_id.tolist() == ["A1", "A2"]
    assert match(lead, ACCOUNTS, by="domain").account_id.tolist() == ["A1", None]


def test_account_checks() -> None:
    lead = leads(["x@acme.com"], ["Acme"])
    dup = dict(ACCOUNTS, account_id=["A1", "A2", "A1", "A4"])
    with pytest.raises(DataValidationError, match="repeated account id") as e:
        match(lead, dup)
    assert e.value.rows == [0, 2] and e.value.table == "accounts"
    gap = dict(ACCOUNTS, account_id=["A1", None, "A3", "A4"])
    with pytest.raises(DataValidationError, match="missing value") as e:
        match(lead, gap)
    assert e.value.rows == [1]
    no_domain = {"account_id": ["A1"], "name": ["Acme"]}
    with pytest.raises(MissingColumnError, match="neither a domain nor a website"):
        match(lead, no_domain)
    assert match(lead, no_domain, by="name").account_id.tolist() == ["A1"]
    with pytest.raises(ParameterError, match="needs the accounts"):
        match(lead)
    with pytest.raises(DataValidationError, match="lead_id"):
        match({"lead_id": [None], "email": ["a@b.com"], "company": ["x"]}, ACCOUNTS)


def test_parameter_checks() -> None:
    lead = leads(["x@acme.com"], ["Acme"])
    with pytest.raises(ParameterError, match="free_mail"):
        match(lead, ACCOUNTS, free_mail="gmail.com")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="not domains"):
        match(lead, ACCOUNTS, free_mail={"gmail"})
    with pytest.raises(ParameterError, match="unknown column roles"):
        match(lead, ACCOUNTS, columns={"mail": "Email"})


def test_column_roles_and_numeric_ids() -> None:
    lead = {"Id": [10, 11], "Email": ["a@acme.com", "b@x.org"], "Company": ["?", "Globex"]}
    accounts = {"Account": [7, 8], "Website": ["acme.com", None], "Name": ["Acme", "Globex"]}
    roles = {"lead_id": "Id", "email": "Email", "company": "Company",
             "account_id": "Account", "website": "Website", "name": "Name"}  # fmt: skip
    m = match(lead, accounts, columns=roles)
    assert m.ids.tolist() == [10, 11] and m.account_id.tolist() == [7, 8]
    assert m.apply(lead)["account_id"].tolist() == [7, 8]


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
def test_frames_in_and_out(backend: str) -> None:
    lib = pytest.importorskip(backend)
    data: dict[str, Any] = leads(["jo@acme.com", "ed@gmail.com"], ["x", "Globex"])
    data["created_at"] = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[us]")
    if backend == "pyarrow":
        lf, af = lib.table(data), lib.table(ACCOUNTS)
    else:
        lf, af = lib.DataFrame(data), lib.DataFrame(ACCOUNTS)
    m = match(lf, af)
    assert m.account_id.tolist() == ["A1", "A2"]
    assert type(m.to_frame()).__module__.split(".")[0] == backend
    applied = m.apply(lf)
    assert type(applied).__module__.split(".")[0] == backend
    names = list(applied.column_names if backend == "pyarrow" else applied.columns)
    assert names == ["lead_id", "email", "company", "created_at", "account_id"]
    schema = dict(applied.schema) if backend == "polars" else None
    if backend == "pandas":  # the caller's column types are kept (naive instants stay naive)
        assert applied["created_at"].dtype == lf["created_at"].dtype
        assert applied["account_id"].tolist() == ["A1", "A2"]
    elif backend == "polars":
        assert schema is not None and schema["created_at"] == lf.schema["created_at"]
        assert applied["account_id"].to_list() == ["A1", "A2"]
    else:
        assert applied.schema.field("created_at").type == lf.schema.field("created_at").type
        assert applied.column("account_id").to_pylist() == ["A1", "A2"]
    names_before = list(lf.column_names if backend == "pyarrow" else lf.columns)
    assert "account_id" not in names_before  # the caller's frame is untouched


def test_apply_keeps_a_pandas_index() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(leads(["jo@acme.com", "x@y.org"], ["a", "b"]), index=[10, 5])
    out = match(df, ACCOUNTS).apply(df)
    assert out.index.tolist() == [10, 5] and out["account_id"].tolist()[0] == "A1"


def test_apply_writes_a_new_column_and_joins_by_id() -> None:
    data = leads(["jo@acme.com", "ed@gmail.com", None], ["x", "Globex", "?"])
    nan = float("nan")
    data["account_id"] = ["OLD", None, nan]
    m = match(data, ACCOUNTS)
    out = m.apply(data)
    assert out["account_id"].tolist() == ["A1", "A2", None]
    assert data["account_id"] == ["OLD", None, nan]  # the caller's column is untouched
    kept = m.apply(data, overwrite=False)
    assert kept["account_id"].tolist() == ["OLD", "A2", None]
    shuffled = {k: list(reversed(v)) for k, v in data.items()}
    assert m.apply(shuffled, column="acct")["acct"].tolist() == [None, "A2", "A1"]
    with pytest.raises(DataValidationError, match="not in the account match") as e:
        m.apply({"lead_id": ["L1", "zz"]})
    assert e.value.rows == [1]
    twice = match(
        {"lead_id": ["a", "a"], "email": ["x@acme.com", "y@acme.com"], "company": ["", ""]},
        ACCOUNTS,
    )
    assert twice.apply({"lead_id": ["a"]})["account_id"].tolist() == ["A1"]  # one account


def test_apply_refuses_repeated_ids_with_different_accounts_in_any_order() -> None:
    data = {"lead_id": ["L1", "L1"], "email": ["x@acme.com", "y@globex.com"],
            "company": ["Acme", "Globex"]}  # fmt: skip
    m = match(data, ACCOUNTS)
    assert m.account_id.tolist() == ["A1", "A2"]
    reordered = {k: v[::-1] for k, v in data.items()}
    for leads_ in (data, reordered, {"lead_id": ["L1"]}):
        with pytest.raises(ParameterError, match=r"different accounts \('L1'\)") as e:
            m.apply(leads_)
        assert "give each lead its own id" in str(e.value)


def test_a_crm_bundle_finds_its_own_accounts() -> None:
    crm = alignment.synthetic_crm(n_leads=300, seed=3)
    domain = alignment.accounts.fold_domains(crm.leads["email"])
    corporate = np.array([str(d).endswith(".example.com") for d in domain])
    assert 0 < corporate.sum() < corporate.size  # some leads write from a free-mail address
    ids, first = np.unique(crm.leads["account_id"][corporate].astype(str), return_index=True)
    accounts = {
        "account_id": ids,
        "website": np.char.add("https://www.", domain[corporate][first].astype(str)),
        "name": crm.leads["company"][corporate][first],
    }
    m = match(crm, accounts)
    assert m.to_frame(backend="dict")["lead_id"].tolist() == crm.leads["lead_id"].tolist()
    known = np.isin(crm.leads["account_id"].astype(str), ids)  # (free-mail leads of no
    assert (~known).any()  # corporate lead have no account in the table)
    assert m.account_id.tolist() == np.where(known, crm.leads["account_id"], None).tolist()
    assert (
        m.method.tolist() == np.where(corporate, "domain", np.where(known, "name", "none")).tolist()
    )
    out = m.apply(crm, column="matched_account")
    assert isinstance(out, type(crm)) and out is not crm
    assert out.leads["matched_account"].tolist() == m.account_id.tolist()
    assert "matched_account" not in crm.leads


def test_the_result_contract() -> None:
    m = match(leads(["jo@acme.com", "a@umbrella.com", None], ["x", "y", "z"]), ACCOUNTS)
    for level in AccountMatch.levels:
        for backend in ("dict", "pandas", "polars", "pyarrow"):
            m.to_frame(level, backend=backend)
    methods = m.to_frame("methods", backend="dict")
    assert methods["method"].tolist() == ["domain", "name", "none"]
    assert methods["leads"].tolist() == [2, 0, 1]
    assert methods["matched"].tolist() == [1, 0, 0]
    assert methods["ambiguous"].tolist() == [1, 0, 0]
    assert methods["share"].sum() == pytest.approx(1.0)
    s = m.summary()
    assert s == {"leads": 3, "matched": 1, "ambiguous": 1, "unmatched": 1, "by_domain": 2,
                 "by_name": 0, "match_rate": 1 / 3, "threshold": 0.9, "accounts": 4,
                 "accounts_without_keys": 0}  # fmt: skip
    assert all(isinstance(v, (int, float)) for v in s.values())
    assert "1 of 3 leads matched" in m._repr_html_()
    assert repr(m) == "AccountMatch(leads=3, matched=1, ambiguous=1, unmatched=1, accounts=4)"
    with pytest.raises(ParameterError, match="level"):
        m.to_frame("accounts")
    for name in ("account", "method_code", "score", "ambiguous", "ids", "candidate_rows"):
        assert not getattr(m, name).flags.writeable
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = m.plot()
    assert ax.get_title() == "Leads per match method"
    plt.close(fig)


def test_no_leads_have_no_method_share() -> None:
    """A share of no leads is 0 / 0: NaN with the reason, as the match rate is."""
    none = {"lead_id": np.array([], object), "email": np.array([], object),
            "company": np.array([], object)}  # fmt: skip
    m = match(none, ACCOUNTS, fuzzy=False)
    methods = m.to_frame("methods", backend="dict")
    assert methods["leads"].tolist() == [0, 0, 0]
    assert np.isnan(methods["share"]).all() and np.isnan(m.summary()["match_rate"])
    assert "0 / 0" in m.not_measured["share"] and "0 / 0" in m.not_measured["match_rate"]
    assert "0 / 0" in m._repr_html_()


def test_the_result_owns_its_ids() -> None:
    """Editing the caller's id columns after the call changes no figure; flags untouched."""
    pd = pytest.importorskip("pandas")
    lead_ids = np.array(["L1", "L2"], object)
    account_ids = np.array(["A1", "A2"], object)
    accounts = {"account_id": account_ids, "domain": np.array(["acme.com", "x.io"], object),
                "name": np.array(["Acme", "X"], object)}  # fmt: skip
    people = {"lead_id": lead_ids, "email": np.array(["a@acme.com", "b@gmail.com"], object),
              "company": np.array(["Acme", "X"], object)}  # fmt: skip
    m = match(people, accounts, fuzzy=False)
    assert lead_ids.flags.writeable and account_ids.flags.writeable
    assert not np.shares_memory(m.ids, lead_ids)
    assert not np.shares_memory(m.account_ids, account_ids)
    lead_ids[0] = account_ids[0] = "EDITED"
    assert frame(m)["lead_id"] == ["L1", "L2"] and frame(m)["account_id"] == ["A1", "A2"]
    frame_leads = pd.DataFrame({"lead_id": [1, 2], "email": ["a@acme.com", "b@gmail.com"],
                                "company": ["Acme", "X"]})  # fmt: skip
    m2 = match(frame_leads, pd.DataFrame(accounts), fuzzy=False)
    frame_leads.loc[0, "lead_id"] = 999
    assert m2.to_frame(backend="dict")["lead_id"].tolist() == [1, 2]


def test_accounts_no_step_can_reach_are_reported() -> None:
    accounts = {"account_id": ["A", "B", "C"], "domain": ["acme.com", "n/a", None],
                "name": [None, "Beta", "N/A"]}  # fmt: skip
    m = match(leads(["x@acme.com"], ["Beta"]), accounts)
    assert m.keyless_accounts.tolist() == [2]
    assert m.summary()["accounts_without_keys"] == 1
    assert match(
        leads(["x@acme.com"], ["Beta"]), accounts, by="domain"
    ).keyless_accounts.tolist() == [1, 2]


def test_no_leads_or_no_accounts() -> None:
    empty = match({"lead_id": [], "email": [], "company": []}, ACCOUNTS)
    assert empty.summary()["leads"] == 0 and empty.counts() == {"domain": 0, "name": 0, "none": 0}
    none = match(leads(["a@acme.com"], ["Acme"]),
                 {"account_id": [], "domain": [], "name": []})  # fmt: skip
    assert none.method.tolist() == ["none"]


def test_the_package_is_a_lazy_submodule() -> None:
    assert alignment.accounts.match is match
    assert "accounts" in dir(alignment)
