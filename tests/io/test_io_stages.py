"""The link stages of ``read_crm``, run as soon as their tables are read.

The persons' tables are read first and merged while the other files are parsed; the deals,
touches, activities and costs are linked as soon as theirs are read.  Whatever the order the
steps ran in, the findings are listed, and the first error raised, in the order of the
sequential read: the tables in the preset's order, then the lookups, then the link stages.
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from io_exports import HUBSPOT, SALESFORCE, assert_same_crm, write_export

import alignment.io as aio
from alignment._crm import DataIssue
from alignment._parallel import ENV_VAR
from alignment.errors import AlignmentError, DataValidationError, MissingColumnError
from alignment.io import _stages
from alignment.io._context import LINK, LOOKUP, READ, Context
from alignment.io._presets import PRESETS
from alignment.io._values import Options, places_in


def _read(tmp_path: Path, tables: dict[str, str], preset: str = "salesforce") -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (naive instants read as UTC: not checked here)
        return aio.read_crm(preset, write_export(tmp_path, tables))


def _listed(crm: Any) -> list[tuple[str, str | None, str]]:
    return [(i.table, i.column, i.problem) for i in crm.issues]


#: the findings of SALESFORCE without its User and Campaign exports, in the order the
#: sequential read listed them: the tables' own (CampaignMember, then User's absence, in the
#: preset's order), the lookups (Campaign into CampaignMember, User into Lead, Contact, Task),
#: then the link stages (persons, deals, touches, activities) and the folded spellings
PARTIAL = [
    ("Campaign", None, "table not found (optional)"),
    ("CampaignMember", "HasResponded", "not a touch (no response)"),
    ("User", None, "table not found (optional)"),
    ("CampaignMember", "CampaignId", "not found in the Campaign export"),
    ("Lead", "OwnerId", "not found in the User export"),
    ("Contact", "OwnerId", "not found in the User export"),
    ("Task", "OwnerId", "not found in the User export"),
    ("Lead", "ConvertedContactId", "duplicate person: the same person as a Contact record"),
    ("Lead", "ConvertedContactId", "links to a Contact record that is not in the export"),
    ("OpportunityContactRole", "OpportunityId", "deal contact of an unknown deal"),
    ("OpportunityContactRole", "ContactId", "deal contact of an unknown person"),
    ("Opportunity", "Id", "opportunity with no contact"),
    ("CampaignMember", "ContactId/LeadId", "touch of an unknown person"),
    ("CampaignMember", "Campaign.Type (absent)", "touch without a channel"),
    ("Task", "WhoId", "task with no person"),
    ("Task", "WhoId", "task of an unknown person"),
    ("Lead", "LeadSource", "spelling variant of a value (case, spaces, '_' or '-')"),
]


@pytest.mark.parametrize("threads", ["1", "2"])
def test_findings_listed_in_the_order_of_the_sequential_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: str
) -> None:
    monkeypatch.setenv(ENV_VAR, threads)
    partial = {k: v for k, v in SALESFORCE.items() if k not in ("User", "Campaign")}
    assert _listed(_read(tmp_path / "partial", partial)) == PARTIAL
    whole = _listed(_read(tmp_path / "whole", SALESFORCE))
    assert whole[:3] == [
        ("CampaignMember", "HasResponded", "not a touch (no response)"),
        ("CampaignMember", "CampaignId", "not found in the Campaign export"),
        ("Lead", "OwnerId", "not found in the User export"),
    ]
    assert whole[-2:] == [
        ("Campaign", "ActualCost", "campaign without a cost"),
        ("Lead", "LeadSource", "spelling variant of a value (case, spaces, '_' or '-')"),
    ]


def test_findings_and_tables_the_same_with_threads_or_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = {}
    for threads in ("1", "2"):
        monkeypatch.setenv(ENV_VAR, threads)
        for preset, tables in (("salesforce", SALESFORCE), ("hubspot", HUBSPOT)):
            crm = _read(tmp_path / f"{preset}{threads}", tables, preset)
            got[preset, threads] = crm
    for preset in ("salesforce", "hubspot"):
        a, b = got[preset, "1"], got[preset, "2"]
        assert [str(i) for i in a.issues] == [str(i) for i in b.issues]
        for name in ("leads", "touchpoints", "deals", "deal_contacts", "activities", "costs"):
            ta, tb = getattr(a, name), getattr(b, name)
            assert list(ta) == list(tb)
            for k in ta:
                np.testing.assert_array_equal(ta[k], tb[k])


def _broken(tables: dict[str, str], **changes: str) -> dict[str, str]:
    return {**tables, **changes}


#: a User export that cannot be read (its second row is ragged)
RAGGED_USER = "Id,Name\n0051,Alice Rep\n0052,Bob Rep,extra\n"
#: an Opportunity export without its Amount column
NO_AMOUNT = SALESFORCE["Opportunity"].replace(",Amount,", ",Budget,")
#: a Lead export with a record without its creation instant
NO_CREATED = SALESFORCE["Lead"].replace("00Q2,2024-01-03T10:00:00Z", "00Q2,")


@pytest.mark.parametrize("threads", ["1", "2"])
def test_the_first_error_in_the_preset_order_is_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: str
) -> None:
    """User is read before its turn (the persons' owners come from it): its error is raised
    at its turn, after an error of a table before it; a stage's error after every table's."""
    monkeypatch.setenv(ENV_VAR, threads)
    with pytest.raises(MissingColumnError, match="Amount"):
        _read(tmp_path / "a", _broken(SALESFORCE, User=RAGGED_USER, Opportunity=NO_AMOUNT))
    with pytest.raises(DataValidationError, match="User"):
        _read(tmp_path / "b", _broken(SALESFORCE, User=RAGGED_USER))
    with pytest.raises(MissingColumnError, match="Amount"):  # (the persons' error comes later)
        _read(tmp_path / "c", _broken(SALESFORCE, Lead=NO_CREATED, Opportunity=NO_AMOUNT))
    with pytest.raises(DataValidationError, match="User"):  # (the persons' error comes later)
        _read(tmp_path / "e", _broken(SALESFORCE, Lead=NO_CREATED, User=RAGGED_USER))
    with pytest.raises(DataValidationError, match="creation instant") as err:
        _read(tmp_path / "d", _broken(SALESFORCE, Lead=NO_CREATED))
    assert isinstance(err.value, AlignmentError) and "Lead" in str(err.value)


def test_persons_are_merged_before_the_touches_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The persons' tables (and the User export their owners come from) are read first; the
    persons are merged as soon as they are read, before CampaignMember is, the deals as soon
    as theirs are (the link waits for the tables in this order; the files are read ahead)."""
    seen: list[tuple[list[str], list[str]]] = []
    ready = _stages.Linker.ready

    def on_ready(self: Any, tables: Any, read: set[str]) -> None:
        ready(self, tables, read)
        seen.append((sorted(read), sorted(self.made)))

    monkeypatch.setattr(_stages.Linker, "ready", on_ready)
    _read(tmp_path, SALESFORCE)
    first = [sorted(read) for read, made in seen]
    assert first[:3] == [["Lead"], ["Contact", "Lead"], ["Contact", "Lead", "User"]]
    made = {tuple(read): set(stages) for read, stages in seen}
    assert made[("Contact", "Lead", "User")] == {"leads"}
    with_deals = ("Contact", "Lead", "Opportunity", "OpportunityContactRole", "User")
    assert made[with_deals] == {"leads", "deals"}
    assert len(seen) == 8 and set(seen[-1][1]) == set(_stages.STAGES)


def test_the_next_table_is_typed_while_this_one_is_linked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With threads on, Task is typed on a helper thread while the touches are linked on the
    calling thread (the touches' stage waits here until Task's typing has begun)."""
    from alignment.io import _read as read_module

    monkeypatch.setenv(ENV_VAR, "2")
    typing_task = threading.Event()
    overlapped: list[bool] = []
    typed, linked = read_module._typed, _stages._JOBS["touchpoints"]

    def on_typed(preset: Any, spec: Any, *args: Any) -> Any:
        if spec.name == "Task":
            typing_task.set()
        return typed(preset, spec, *args)

    def on_linked(*args: Any) -> Any:
        overlapped.append(typing_task.wait(timeout=30))
        return linked(*args)

    monkeypatch.setattr(read_module, "_typed", on_typed)
    monkeypatch.setitem(_stages._JOBS, "touchpoints", on_linked)  # (a dict at run time)
    _read(tmp_path, SALESFORCE)
    assert overlapped == [True]


@pytest.mark.parametrize("threads", ["1", "2"])
def test_the_first_file_is_parsed_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: str
) -> None:
    """The other files start being read once the first (Lead, on the persons' path) is parsed:
    its columns are the first to be factorised on the pool."""
    from alignment.io import _locate
    from alignment.io import _read as read_module

    monkeypatch.setenv(ENV_VAR, threads)
    parsed: list[str] = []
    started: list[tuple[str, list[str]]] = []
    file_table, read_later = _locate._file_table, read_module.read_later

    def on_file_table(name: str, *args: Any) -> Any:
        out = file_table(name, *args)
        parsed.append(name)
        return out

    def on_read_later(name: str, *args: Any) -> Any:
        started.append((name, list(parsed)))
        return read_later(name, *args)

    monkeypatch.setattr(_locate, "_file_table", on_file_table)
    monkeypatch.setattr(read_module, "read_later", on_read_later)
    _read(tmp_path, SALESFORCE)
    assert started[0] == ("Lead", [])
    if threads == "2":
        assert all("Lead" in before for name, before in started[1:])
    assert sorted(name for name, _ in started) == sorted(set(parsed))


def test_the_touches_are_sorted_by_person_and_instant_while_spellings_fold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a table none of whose first sort columns is folded is sorted early (the touches,
    by person and instant; not the costs, sorted by campaign and channel), and the result is
    the same as without."""
    sorted_early: list[str] = []
    first_sorted = _stages.first_sorted

    def on_first_sorted(name: str, t: Any) -> Any:
        sorted_early.append(name)
        return first_sorted(name, t)

    whole = _read(tmp_path / "a", SALESFORCE)
    monkeypatch.setattr(_stages, "first_sorted", on_first_sorted)
    early = _read(tmp_path / "b", SALESFORCE)
    assert sorted_early == ["touchpoints"]
    assert_same_crm(early, whole)


def test_tables_needed_first() -> None:
    assert _stages.needed_first(PRESETS["salesforce"]) == ["Lead", "Contact", "User"]
    assert _stages.needed_first(PRESETS["hubspot"]) == ["contacts"]


def test_parts_are_listed_in_the_order_of_their_keys() -> None:
    ctx = Context(PRESETS["salesforce"], Options(None, None, None, ".", None))
    assert ctx.names[:3] == ["Lead", "Contact", "Opportunity"]  # (numbered in preset order)
    late, early, lookup = ctx.part(LINK, 0), ctx.part(READ, 6), ctx.part(LOOKUP, 1, 0)
    late.note("Lead", "c", "x")
    lookup.note("Lead", "b", "x")
    early.note("Task", "a", "x")
    early.note("Task", "a2", "x")
    assert [i.problem for i in ctx.findings()] == ["a", "a2", "b", "c"]
    assert all(isinstance(i, DataIssue) for i in ctx.findings())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=30), st.lists(st.integers(0, 2), max_size=30))
def test_a_finding_lists_its_rows_in_order_once_per_table(rows: list[int], srcs: list[int]) -> None:
    """Rows noted in any order are listed sorted, each once (a row whose cell lists one id
    twice is one row of the file); a flag names each table of its rows once, in the tables'
    order (rows in file order take no sort; the others are sorted)."""
    ctx = Context(PRESETS["salesforce"], Options(None, None, None, ".", None))
    ctx.note("Lead", "p", "x", rows=np.array(rows))
    assert ctx.findings()[0].rows == tuple(sorted(set(rows)))
    n = min(len(rows), len(srcs))
    table = {"_src": np.array(srcs[:n], dtype=np.int16), "_row": np.array(rows[:n], dtype=np.int32)}
    ctx.flag(table, np.ones(n, dtype=bool), None, "q", "x")
    flagged = [(i.table, i.rows) for i in ctx.findings()[1:]]
    want = [
        (ctx.names[s], tuple(sorted({r for r, t in zip(rows, srcs) if t == s})))
        for s in sorted(set(srcs[:n]))
    ]
    assert flagged == want


WORDS = st.text(alphabet="ab0Q é", max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.sets(WORDS), st.lists(WORDS), st.booleans())
def test_places_in_finds_each_text_like_a_dictionary(
    vocab: set[str], texts: list[str], sort: bool
) -> None:
    hay = np.array(sorted(vocab), dtype=object)
    needles = np.array(sorted(texts) if sort else texts, dtype=object)
    before = needles.copy()
    got = places_in(hay, needles)
    where = {v: i for i, v in enumerate(hay.tolist())}
    assert got is not None
    assert got.tolist() == [where.get(t, -1) for t in needles.tolist()]
    assert needles.tolist() == before.tolist()  # (the caller's texts unchanged)


def test_places_in_declines_values_that_do_not_compare() -> None:
    hay = np.array(["a", "b"], dtype=object)
    assert places_in(hay, np.array([1, "a"], dtype=object)) is None


def test_flags_spread_to_rows_only_when_one_is_set() -> None:
    from alignment.io._values import _flags_of, _spread

    codes = np.array([0, 2, -1, 1, 2], dtype=np.int32)
    for per in ([False, False, False], [False, True, True]):
        flags = np.array(per, dtype=bool)
        got = _flags_of(codes, flags)
        assert got.dtype == bool and got.tolist() == _spread(codes, flags, False, bool).tolist()


def test_warnings_list_the_columns_in_the_tables_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files are read on helper threads, each noting apart: the warning names the naive
    columns in the order of the tables, with threads or without."""
    folder = write_export(tmp_path, SALESFORCE)
    said = {}
    for threads in ("1", "2"):
        monkeypatch.setenv(ENV_VAR, threads)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            aio.read_crm("salesforce", folder)
        said[threads] = [str(w.message) for w in caught]
    naive = [m for m in said["2"] if m.startswith("naive instants")]
    assert said["1"] == said["2"] and len(naive) == 1
    where = naive[0].split(" in ", 1)[1].split("; fix")[0].split(", ")
    tables = [w.split(".")[0] for w in where]
    order = [t.name for t in PRESETS["salesforce"].tables]
    assert tables == sorted(tables, key=order.index) and "CampaignMember" in tables


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["u1", "u2", "u3", "x9"]), min_size=1, max_size=4, unique=True),
    st.lists(st.integers(-1, 3), max_size=30),
    st.lists(st.sampled_from(["u1", "u2", "u3", "u4"]), max_size=4),
)
def test_a_coded_reference_is_looked_up_once_per_text(
    texts: list[str], codes: list[int], users: list[str]
) -> None:
    """The lookup of a coded column, each distinct reference once, then spread to the rows:
    the same columns and the same rows not found as the lookup row by row."""
    from alignment.io import _link
    from alignment.io._context import take_column
    from alignment.io._preset import Lookup
    from alignment.io._values import CodedText, plain

    ctx = Context(PRESETS["salesforce"], Options(None, None, None, ".", None))
    refs = CodedText(
        np.array([c if c < len(texts) else -1 for c in codes]), np.array(texts, object)
    )
    user = {"user_id": np.array(users, dtype=object), "name": np.array(users, dtype=object)}
    keys = np.array(sorted(set(users)), dtype=object)
    first = np.array([users.index(k) for k in keys], dtype=np.int64)
    lk = Lookup("User", key="user_id", ref="owner_id", take={"name": "owner"}, into=("Lead",))
    for keep in (None, "owner"):
        lk_k = Lookup(lk.table, lk.key, lk.ref, lk.take, lk.into, keep_ref=keep)
        rows, absent = _link._looked_up(lk_k, keys, first, user, refs, None, ctx)
        virtual, at = _link._distinct_refs(refs)
        once, absent_once = _link._looked_up(lk_k, keys, first, user, virtual, None, ctx)
        assert absent_once[at].tolist() == absent.tolist()
        spread = take_column(once["owner"], at)
        assert plain(spread).tolist() == plain(rows["owner"]).tolist()


def test_rows_left_out_by_their_flag_are_never_named_again(tmp_path: Path) -> None:
    """Touches without a response stay in their columns until the table is put in order
    (:data:`~alignment.io._context.LIVE`): they are left out exactly as if they were gone.  A
    campaign no export has, an unknown or no person, no instant or a spelling among them is
    not named, does not raise, and is not counted when spellings are folded ("WEBINAR" would
    outnumber "webinar" if the rows without a response counted)."""
    campaign = SALESFORCE["Campaign"] + "7016,Autumn Webinar,WEBINAR,100\n"
    dead = (
        "7099,,00Q1,false,,2024-01-09T00:00:00Z,Sent\n"
        "7016,,00QZZ,false,,2024-01-09T00:00:00Z,Sent\n"
        "7016,,,false,,,Sent\n"
        "7016,0031,,false,2024-01-09,2024-01-09T00:00:00Z,Sent\n"
        "7016,,00Q2,false,2024-01-09,2024-01-09T00:00:00Z,Sent\n"
    )
    gone = dict(SALESFORCE, Campaign=campaign)
    kept = dict(gone, CampaignMember=SALESFORCE["CampaignMember"] + dead)
    with_rows, without = _read(tmp_path / "a", kept), _read(tmp_path / "b", gone)
    assert_same_crm(with_rows, without)
    assert "webinar" in with_rows.touchpoints["channel"].tolist()
    first_new = SALESFORCE["CampaignMember"].count("\n") - 1  # (the file row of the first)
    listed = [(i.table, i.column, i.problem, i.rows) for i in with_rows.issues]
    want = [(i.table, i.column, i.problem, i.rows) for i in without.issues]
    for k, (table, column, problem, rows) in enumerate(want):  # a loop over the findings
        if problem == "not a touch (no response)":
            want[k] = (table, column, problem, rows + tuple(range(first_new, first_new + 5)))
    assert listed == want


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.integers(-(2**40), 2**40)), max_size=30),
    unit=st.sampled_from(["s", "ms", "us"]),
)
def test_span_extremes_skip_missing_instants(values: list[int | None], unit: str) -> None:
    """The latest and earliest instants of a column (one pass over its integers) are those of
    its instants present; ``None`` when it has none."""
    from alignment.io._read import _extreme

    arr = np.array(
        [np.datetime64("NaT") if v is None else np.datetime64(v, unit) for v in values],
        dtype=f"datetime64[{unit}]",
    )
    present = arr[~np.isnat(arr)]
    for latest in (True, False):
        got = _extreme(arr, latest=latest)
        if present.size == 0:
            assert got is None
        else:
            want = present.max() if latest else present.min()
            assert got == want and got.dtype == arr.dtype
