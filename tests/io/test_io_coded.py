"""A bundle read by ``read_crm`` keeps its text columns' codes; engines read them, same numbers.

``CRMData._coded_table`` gives the text columns the reader held as codes as factorised columns
(no string hashed again); they must equal the factorisation of the strings the bundle shows,
and ``alignment.attribute`` on the bundle must give what it gives on the same strings alone.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment import funnel, sla
from alignment._columns import Categorical, DeferredCategorical
from alignment._crm import CRMData
from alignment._filetexts import coded_categorical
from alignment._frames import factorize
from alignment.datasets import sla_example
from alignment.scoring import account_engagement

pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

EXPORTS = Path(__file__).resolve().parents[2] / "examples" / "exports"
pytestmark = pytest.mark.skipif(
    not (EXPORTS / "README.md").is_file(), reason="the example exports are not in this checkout"
)


def read_example() -> CRMData:
    return alignment.io.read_crm(
        "salesforce",
        EXPORTS / "salesforce",
        tz="America/New_York",
        dayfirst=False,
        columns={"Lead": {"MQL_Date__c": "mql_at"}},
    )


@pytest.fixture(scope="module")
def crm() -> CRMData:
    return read_example()


def strings_only(crm: CRMData) -> CRMData:
    """The same tables and fields, without the codes."""
    return CRMData(**{f.name: getattr(crm, f.name) for f in fields(crm) if f.init})


def same_categorical(got: Categorical, want: Categorical) -> None:
    np.testing.assert_array_equal(got.codes, want.codes)
    assert got.categories.tolist() == want.categories.tolist()


def test_coded_columns_equal_the_factorised_strings(crm: CRMData) -> None:
    seen = set()
    for name in ("leads", "touchpoints", "activities"):
        table = crm._coded_table(name)
        assert list(table) == list(getattr(crm, name))
        for column, value in table.items():
            strings = getattr(crm, name)[column]
            if not isinstance(value, Categorical):
                assert value is strings
                continue
            seen.add((name, column))
            want = factorize(strings, column=column, table=name, allow_missing=True)
            same_categorical(value, want)
            assert value.values().tolist() == strings.tolist()
    assert {
        ("touchpoints", "lead_id"),
        ("touchpoints", "channel"),
        ("leads", "email"),
        ("leads", "lead_id"),  # (the persons' own ids: one text per row, in order)
    } <= seen


@pytest.mark.parametrize("model", ["linear", "first", "time_decay", "markov", "shapley"])
def test_attribution_of_the_bundle_is_that_of_its_strings(crm: CRMData, model: str) -> None:
    coded = alignment.attribute(crm, model=model)
    plain = alignment.attribute(strings_only(crm), model=model)
    assert coded.totals() == plain.totals()
    assert coded.summary() == plain.summary()
    a, b = (
        coded.to_frame(level="channel", backend="dict"),
        plain.to_frame(level="channel", backend="dict"),
    )
    assert list(a) == list(b)
    for k in a:
        assert np.asarray(a[k]).tolist() == np.asarray(b[k]).tolist(), k


def _no_quality_sla() -> alignment.SLA:
    doc = sla_example(201)
    del doc["marketing"]["quality"]  # (the example export has no persona column)
    return alignment.SLA.from_dict(doc)


ENGINES: dict[str, Callable[[CRMData], dict[str, Any]]] = {
    "score": lambda c: {"scores": alignment.score(c).to_frame()},
    "observe": lambda c: {"by source": funnel.observe(c, by="source").to_frame()},
    "closed_loop": lambda c: {
        "table": (r := alignment.closed_loop(c, by="source")).to_frame(),
        "duplicates": r.duplicates.to_frame(),
        "incomplete": r.incomplete.to_frame(),
    },
    "sla": lambda c: {"leads": sla.evaluate(_no_quality_sla(), c).to_frame()},
    "speed_to_lead": lambda c: {
        "leads": sla.speed_to_lead(c, assigned="mql_at", connect_outcomes=None).to_frame()
    },
    "account_engagement": lambda c: {"accounts": account_engagement(c).to_frame()},
}


@pytest.mark.filterwarnings("ignore::alignment.AlignmentWarning")
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_other_engines_on_the_bundle_are_those_of_its_strings(
    crm: CRMData, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scoring, funnel, closed loop and SLA read a bundle's text columns through their codes:
    the same frames as from the strings alone."""
    read: list[str] = []
    real = CRMData._coded_table

    def spy(self: CRMData, name: str) -> dict[str, Any]:
        read.append(name)
        return real(self, name)

    monkeypatch.setattr(CRMData, "_coded_table", spy)
    coded = ENGINES[engine](crm)
    assert "leads" in read  # (the leads' codes were offered to the engine)
    plain = ENGINES[engine](strings_only(crm))
    assert list(coded) == list(plain)
    for part in coded:
        assert len(coded[part]) > 0, part
        got, want = _frame(coded[part]), _frame(plain[part])
        pd.testing.assert_frame_equal(got, want, obj=f"{engine} {part}")


def _frame(table: Any) -> Any:
    """A result table as a pandas frame (results of dict inputs are dicts of arrays)."""
    if isinstance(table, pd.DataFrame):
        return table
    return pd.DataFrame({k: np.asarray(v) for k, v in table.items()})


def test_a_column_is_factorised_only_for_the_engine_that_reads_it() -> None:
    """``attribute`` on a bundle never groups by the e-mail addresses: that column (a text per
    person) is not factorised.  Duplicate and incomplete leads (``closed_loop``) read only
    which rows share a normalised address and which are blank: from the texts, unsorted, the
    same listings as from the strings."""
    crm = read_example()
    alignment.attribute(crm, model="linear")
    email = crm._coded["leads", "email"][-1]
    assert isinstance(email, DeferredCategorical) and not email.made
    channel = crm._coded["touchpoints", "channel"][-1]
    assert isinstance(channel, DeferredCategorical) and channel.made
    coded = ENGINES["closed_loop"](crm)
    assert not email.made
    plain = ENGINES["closed_loop"](strings_only(crm))
    for part in ("duplicates", "incomplete"):
        assert len(coded[part]) > 0
        pd.testing.assert_frame_equal(_frame(coded[part]), _frame(plain[part]), obj=part)
    assert email.codes.size == crm.n_leads and email.made  # (made when its codes are read)


def test_a_bundle_and_its_results_pickle() -> None:
    """Deferred columns (made or not) in a bundle and in the results of its engines pickle."""
    crm = read_example()
    results = [alignment.attribute(crm, model="linear"), alignment.score(crm)]
    for obj in (*results, crm):
        back = pickle.loads(pickle.dumps(obj))
        assert type(back) is type(obj)
    attribution = pickle.loads(pickle.dumps(results[0]))
    assert attribution.totals() == results[0].totals()
    bundle = pickle.loads(pickle.dumps(crm))
    assert alignment.attribute(bundle, model="linear").totals() == results[0].totals()


def test_a_column_replaced_by_the_caller_is_read_as_it_is_now(crm: CRMData) -> None:
    bundle = read_example()  # (its own: the test changes a table)
    renamed = np.array(["c_" + c for c in bundle.touchpoints["channel"].tolist()], dtype=object)
    bundle.touchpoints["channel"] = renamed
    assert bundle._coded_table("touchpoints")["channel"] is renamed
    totals = alignment.attribute(bundle, model="linear").totals()
    assert totals and all(str(k).startswith("c_") for k in totals)
    assert sum(totals.values()) == pytest.approx(sum(alignment.attribute(crm).totals().values()))


TEXTS = st.lists(
    st.one_of(st.none(), st.sampled_from(["", "a", "b", "ab", "é", "L1", "L10", "L2"])),
    min_size=0,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.data())
def test_coded_categorical_is_the_factorisation_of_its_strings(
    texts: list, data: st.DataObject
) -> None:
    arr = np.array([*texts, None], dtype=object)[:-1]
    top = len(texts)
    codes = np.array(
        data.draw(st.lists(st.integers(-1, top - 1), max_size=30))
        if top
        else data.draw(st.lists(st.just(-1), max_size=5)),
        dtype=np.int64,
    )
    codes_before, texts_before = codes.copy(), arr.copy()
    got = coded_categorical(codes, arr)
    assert got is not None
    strings = np.array([None if c < 0 else arr[c] for c in codes.tolist()] + [None], dtype=object)[
        :-1
    ]
    want = factorize(strings, column="c", table="t", allow_missing=True)
    same_categorical(got, want)
    np.testing.assert_array_equal(codes, codes_before)
    assert arr.tolist() == texts_before.tolist()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(["", "a", "b", "ab", "é", "L1", "L10", "L2"]), max_size=12),
    st.booleans(),
    st.data(),
)
def test_coded_categorical_of_strings_not_made_is_that_of_the_strings(
    words: list[str], distinct: bool, data: st.DataObject
) -> None:
    """Texts still Arrow's are factorised from their Arrow strings, the same as the strings:
    :class:`ArrowStrings` in any order with repeats, :class:`ArrowText` sorted and distinct
    (its own categories, still not made)."""
    import pyarrow as pa

    from alignment._cells import ArrowStrings, ArrowText

    if distinct:
        words = sorted(set(words))
    lazy = (ArrowText if distinct else ArrowStrings)(pa.array(words, type=pa.string()))
    top = len(words)
    codes = np.array(
        data.draw(st.lists(st.integers(-1, top - 1), max_size=30)) if top else [],
        dtype=np.int64,
    )
    got = coded_categorical(codes, lazy)  # type: ignore[arg-type]
    assert got is not None
    assert not lazy.is_made()
    strings = np.array([None if c < 0 else words[c] for c in codes.tolist()] + [None], object)
    same_categorical(got, factorize(strings[:-1], column="c", table="t", allow_missing=True))


LONG = st.text(alphabet=st.sampled_from(["a", "B", "0", "é", "€", "\u00ff", "z"]), min_size=1)


@settings(max_examples=150, deadline=None)
@given(st.sets(LONG, min_size=2, max_size=12), st.data())
def test_long_sorted_texts_need_no_arrow_copy(texts: set[str], data: st.DataObject) -> None:
    """Sorted distinct texts, one longer than 7 characters (person ids, a hashed column's
    texts): their own order is taken (no Arrow copy); the result is the factorisation of the
    strings, with no sort keys, as through Arrow.  Other texts go through Arrow."""
    ordered = data.draw(st.sampled_from([sorted(texts), list(texts)]))  # (sorted, or not)
    arr = np.array(ordered, dtype=object)
    codes = np.array(data.draw(st.lists(st.integers(-1, len(ordered) - 1), max_size=20)), int)
    strings = np.array([None if c < 0 else ordered[c] for c in codes.tolist()] + [None])[:-1]
    want = factorize(strings.astype(object), column="c", table="t", allow_missing=True)
    got = coded_categorical(codes, arr)
    assert got is not None
    same_categorical(got, want)
    own_order = max(len(t) for t in ordered) > 7 and ordered == sorted(texts)
    with mock.patch("pyarrow.array", side_effect=AssertionError("an Arrow copy")):
        if own_order:
            again = coded_categorical(codes, arr)
            assert again is not None and again.sort_keys is None
            same_categorical(again, want)
        else:  # (short texts have sort keys, others an order to find: through Arrow)
            with pytest.raises(AssertionError, match="an Arrow copy"):
                coded_categorical(codes, arr)


def test_sorted_texts_give_their_own_strings_as_categories() -> None:
    """Texts already in order (a bundle's person ids) are not sorted again, and their Python
    strings become the categories (a copy of the array: the bundle's texts stay its own)."""
    texts = np.array(["a1", "b2", "c3", "d4"], dtype=object)
    codes = np.array([3, 1, -1, 1, 3], dtype=np.int32)
    got = coded_categorical(codes, texts)
    assert got is not None
    assert got.categories.tolist() == ["b2", "d4"] and got.codes.tolist() == [1, 0, -1, 0, 1]
    every_codes = np.array([0, 1, 2, 3, 0], dtype=np.int32)
    every = coded_categorical(every_codes, texts)
    assert every is not None and every.categories.tolist() == texts.tolist()
    assert not np.shares_memory(every.codes, every_codes)  # (the caller's codes may change)
    assert every.categories is not texts and every.categories[0] is texts[0]


def test_tables_finished_on_the_pool_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each table is put in order on a pool thread as soon as it is final, while the reading
    goes on: the same tables, and the same codes in the same order, as with every step in
    the calling thread."""
    import threading

    from alignment._parallel import ENV_VAR
    from alignment.io import _stages

    where: dict[str, str] = {}
    finish = _stages.finish

    def recorded(name: str, *args: Any) -> Any:
        where[name] = threading.current_thread().name
        return finish(name, *args)

    monkeypatch.setattr(_stages, "finish", recorded)
    monkeypatch.setenv(ENV_VAR, "2")
    pooled = read_example()
    assert len(where) == 6 and all(w.startswith("alignment") for w in where.values())
    monkeypatch.setenv(ENV_VAR, "1")
    inline = read_example()
    assert set(where.values()) == {"MainThread"}
    for f in fields(CRMData):
        a, b = getattr(pooled, f.name), getattr(inline, f.name)
        if isinstance(a, dict) and f.name not in ("sla", "_coded"):
            assert list(a) == list(b)
            for k in a:
                np.testing.assert_array_equal(a[k], b[k])
    assert list(pooled._coded) == list(inline._coded)
    for key, (values, codes, texts) in pooled._coded.items():
        other = inline._coded[key]
        np.testing.assert_array_equal(values, other[0])
        np.testing.assert_array_equal(codes, other[1])
        np.testing.assert_array_equal(texts, other[2])
    assert [str(i) for i in pooled.issues] == [str(i) for i in inline.issues]


def test_the_persons_ids_are_strings_only_once_the_leads_are_read() -> None:
    """Salesforce ids have one byte length: the persons' ids stay Arrow's strings (shared by
    the leads and the touches) through the read, made when the leads are read (or an engine
    keys its rows on them), equal to the ids of the records."""
    from alignment._cells import ArrowText
    from alignment._later_tables import LaterTable

    crm = read_example()
    leads, touches = crm.__dict__["leads"], crm.__dict__["touchpoints"]
    assert isinstance(leads, LaterTable) and isinstance(touches, LaterTable)
    ids = leads.columns["lead_id"][1]
    assert isinstance(ids, ArrowText) and touches.columns["lead_id"][1] is ids
    assert not ids.is_made()
    records = pd.concat(
        [pd.read_csv(EXPORTS / "salesforce" / f"{t}.csv", dtype=str) for t in ("Lead", "Contact")]
    )
    assert set(crm.leads["lead_id"].tolist()) <= set(records["Id"])
    assert crm.leads["lead_id"].tolist() == sorted(crm.leads["lead_id"].tolist())
    assert ids.is_made()
    assert set(crm.touchpoints["lead_id"].tolist()) <= set(crm.leads["lead_id"].tolist())
