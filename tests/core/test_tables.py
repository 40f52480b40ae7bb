"""Columnar tables: identical content from every input kind, round trips, row-order invariance."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment.errors import DataValidationError, MissingColumnError
from alignment.tables import ActivityLog, Journeys, LeadTable

UTC = dt.timezone.utc

TOUCHES = {
    "lead_id": ["b", "a", "a", "c", "b", "a"],
    "timestamp": np.array(
        [
            "2024-01-03T10:00",
            "2024-01-02T09:00",
            "2024-01-01T08:00",
            "2024-01-05T00:00",
            "2024-01-01T12:00",
            "2024-01-02T09:00",
        ],
        dtype="datetime64[us]",
    ),
    "channel": ["email", "web", "email", "direct", "web", "social"],
    "campaign": ["x", None, "y", "x", "x", "z"],
    "cost": [1.0, 2.0, 0.0, 1.0, 3.0, 0.5],
}
CONVERSIONS = {
    "lead_id": ["a", "d"],
    "converted_at": np.array(["2024-01-10", "2024-01-11"], dtype="datetime64[us]"),
    "revenue": [100.0, 50.0],
}
LEADS = {
    "lead_id": ["a", "b", "c", "d"],
    "created_at": np.array(
        ["2023-12-01", "2023-12-02", "2023-12-03", "2023-12-04"], dtype="datetime64[us]"
    ),
    "mql_at": np.array(["2023-12-05", "NaT", "NaT", "2023-12-07"], dtype="datetime64[us]"),
    "source": ["ads", "seo", "ads", None],
    "account_id": ["acme", "acme", "globex", "initech"],
    "company_size": [10.0, 20.0, np.nan, 5.0],
}


def journeys_content(j: Journeys) -> dict[str, Any]:
    """Everything a journeys table holds, as plain comparable values (NaT as None)."""

    def t(a: np.ndarray) -> list[Any]:
        return [
            None if np.isnat(x) else int(x.astype("datetime64[us]").astype(np.int64)) for x in a
        ]

    return {
        "keys": [str(k) for k in j.keys],
        "offsets": j.offsets.tolist(),
        "time": t(j.time),
        "row": j.row.tolist(),
        "channel": j.channel.values().tolist(),
        "touch_columns": {k: v.values().tolist() for k, v in j.touch_columns.items()},
        "touch_numeric": {k: v.tolist() for k, v in j.touch_numeric.items()},
        "converted_at": t(j.converted_at),
        "revenue": j.revenue.tolist(),
        "conversions": j.conversions.tolist(),
        "non_conversions": j.non_conversions.tolist(),
    }


def test_journeys_layout_and_sorting() -> None:
    j = Journeys.build(TOUCHES, CONVERSIONS)
    assert j.keys.tolist() == ["a", "b", "c", "d"]
    assert j.offsets.tolist() == [0, 3, 5, 6, 6]  # d converted without touches
    # sorted by (key, time, input order): a@01-01 (row 2), a@01-02 (row 1), a@01-02 (row 5)
    assert j.row.tolist() == [2, 1, 5, 4, 0, 3]
    assert j.channel.values().tolist() == ["email", "web", "social", "web", "email", "direct"]
    assert j.channel.categories.tolist() == ["direct", "email", "social", "web"]
    assert j.channel.codes.dtype == np.int32
    assert j.offsets.dtype == np.int64
    assert j.revenue.tolist() == [100.0, 0.0, 0.0, 50.0]
    assert j.converted.tolist() == [True, False, False, True]
    assert j.non_conversions.tolist() == [0.0, 1.0, 1.0, 0.0]
    assert j.touch_columns["campaign"].values().tolist() == ["y", None, "z", "x", "x", "x"]
    assert j.touch_numeric["cost"].tolist() == [0.0, 2.0, 0.5, 3.0, 1.0, 1.0]
    assert j.journey_index.tolist() == [0, 0, 0, 1, 1, 2]
    assert not j.time.flags.writeable


def test_same_content_from_every_backend(constructor: Any) -> None:
    ref = journeys_content(Journeys.build(TOUCHES, CONVERSIONS))
    got = journeys_content(Journeys.build(constructor(TOUCHES), constructor(CONVERSIONS)))
    assert got == ref


def test_same_content_from_models() -> None:
    ref = journeys_content(Journeys.build(TOUCHES, CONVERSIONS))
    touches = [
        alignment.Touchpoint(
            lead_id=lead,
            timestamp=t.astype(dt.datetime).replace(tzinfo=UTC),
            channel=ch,
            campaign=camp,
            cost=cost,
        )
        for lead, t, ch, camp, cost in zip(
            TOUCHES["lead_id"],
            TOUCHES["timestamp"],
            TOUCHES["channel"],
            TOUCHES["campaign"],
            TOUCHES["cost"],
        )
    ]
    deals = [
        alignment.Deal(
            deal_id="d1",
            lead_id="a",
            created_at="2024-01-05T00:00:00Z",
            closed_at="2024-01-10T00:00:00Z",
            amount=100.0,
            won=True,
        ),
        alignment.Deal(
            deal_id="d2",
            lead_id="d",
            created_at="2024-01-05T00:00:00Z",
            closed_at="2024-01-11T00:00:00Z",
            amount=50.0,
            won=True,
        ),
        alignment.Deal(
            deal_id="d3",
            lead_id="b",
            created_at="2024-01-05T00:00:00Z",
            closed_at="2024-01-12T00:00:00Z",
            amount=70.0,
            won=False,
        ),
    ]
    got = journeys_content(Journeys.build(touches, deals))
    got["touch_columns"].pop("content", None)
    got["touch_columns"].pop("kind", None)
    assert got == ref


def test_conversions_on_touch_rows() -> None:
    touches = dict(TOUCHES)
    touches["converted_at"] = np.array(
        ["NaT", "2024-01-10", "2024-01-10", "NaT", "NaT", "NaT"], dtype="datetime64[us]"
    )
    touches["revenue"] = [np.nan, 100.0, 100.0, np.nan, np.nan, np.nan]
    j = Journeys.build(touches)
    assert j.revenue.tolist() == [100.0, 0.0, 0.0]
    assert j.converted.tolist() == [True, False, False]


def test_conflicting_conversions_on_touch_rows() -> None:
    touches = dict(TOUCHES)
    touches["converted_at"] = np.array(
        ["NaT", "2024-01-10", "2024-01-11", "NaT", "NaT", "NaT"], dtype="datetime64[us]"
    )
    touches["revenue"] = [np.nan, 100.0, 100.0, np.nan, np.nan, np.nan]
    with pytest.raises(DataValidationError, match="conflicting") as err:
        Journeys.build(touches)
    assert err.value.column == "converted_at"
    assert err.value.n_rows == 2


def test_round_trip(backend: str, constructor: Any) -> None:
    j = Journeys.build(constructor(TOUCHES), constructor(CONVERSIONS))
    frame = j.to_frame(caller_order=True)
    j2 = Journeys.build(frame, constructor(CONVERSIONS))
    a, b = journeys_content(j), journeys_content(j2)
    # the round trip carries the touches only (d has no touch, but the same conversions are given)
    assert a == b
    leads = LeadTable.build(constructor(LEADS))
    again = LeadTable.build(leads.to_frame())
    for name in ("created_at", "mql_at", "company_size"):
        np.testing.assert_array_equal(leads.column(name), again.column(name))
    assert leads.column("source").tolist() == again.column("source").tolist()
    assert [str(x) for x in leads.ids] == [str(x) for x in again.ids]


def test_to_frame_backends(backend: str, constructor: Any) -> None:
    j = Journeys.build(constructor(TOUCHES), constructor(CONVERSIONS))
    frame = j.to_frame()
    kind = type(frame).__module__.split(".")[0]
    assert kind == ("builtins" if backend == "dict" else backend)


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=0, max_value=40))
def test_row_order_does_not_change_content(rnd: Any, n: int) -> None:
    rng = np.random.default_rng(rnd.randint(0, 2**31))
    leads = rng.integers(0, 6, n)
    data = {
        "lead_id": [f"L{x}" for x in leads],
        "timestamp": (rng.integers(0, 5, n) * 3_600_000_000).astype("datetime64[us]"),
        "channel": [f"c{x}" for x in rng.integers(0, 4, n)],
    }
    conv = {
        "lead_id": ["L1", "L3", "L9"],
        "converted_at": np.array([10**11] * 3, dtype="datetime64[us]"),
        "revenue": [1.0, 2.0, 3.0],
    }
    perm = rng.permutation(n)
    shuffled = {
        k: [v[i] for i in perm] if isinstance(v, list) else v[perm] for k, v in data.items()
    }
    a = journeys_content(Journeys.build(data, conv))
    b = journeys_content(Journeys.build(shuffled, conv))
    # rows differ by the permutation; ties in time keep input order, so compare as multisets per journey
    b_rows_in_a = perm[np.asarray(b["row"], dtype=np.int64)].tolist() if n else []
    for key in ("keys", "offsets", "time", "converted_at", "revenue", "conversions"):
        assert a[key] == b[key]
    assert sorted(zip(a["row"], a["channel"])) == sorted(zip(b_rows_in_a, b["channel"]))


def test_inputs_not_mutated() -> None:
    touches = {k: (v.copy() if isinstance(v, np.ndarray) else list(v)) for k, v in TOUCHES.items()}
    before = {k: (v.copy() if isinstance(v, np.ndarray) else list(v)) for k, v in touches.items()}
    Journeys.build(touches, CONVERSIONS, leads=LEADS)
    for k in touches:
        np.testing.assert_array_equal(
            np.asarray(touches[k], dtype=object), np.asarray(before[k], dtype=object)
        )


def test_empty_input_is_valid() -> None:
    j = Journeys.build({"lead_id": [], "timestamp": [], "channel": []})
    assert j.n_journeys == 0 and j.n_touches == 0
    assert j.offsets.tolist() == [0]
    lt = LeadTable.build({"lead_id": [], "created_at": []})
    assert lt.n_leads == 0


def test_integer_keys_stay_integers() -> None:
    j = Journeys.build(
        {"lead_id": [30, 10, 30], "timestamp": [3, 1, 2], "channel": ["a", "b", "c"]}
    )
    assert j.keys.tolist() == [10, 30]
    assert j.keys.dtype == np.int64
    assert j.time.tolist() == [
        np.datetime64(1, "s").astype("datetime64[us]").item(),
        np.datetime64(2, "s").astype("datetime64[us]").item(),
        np.datetime64(3, "s").astype("datetime64[us]").item(),
    ]


def test_integer_dictionary_keys_stay_integers() -> None:
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    when = dt.datetime(2024, 1, 1, 10)
    ids = [9, 10, 10, 100]
    touches = {"lead_id": ids, "timestamp": [when] * 4, "channel": ["x", "y", "z", "x"]}
    conversions = {"lead_id": [10, 9], "converted_at": [when] * 2, "revenue": [100.0, 7.0]}
    codes = pa.array([0, 1, 1, 2], pa.int8())
    dictionary = pa.DictionaryArray.from_arrays(codes, pa.array([9, 10, 100]))
    for lead_ids in (
        pd.Series(ids).astype("category"),
        dictionary,
        pd.Series(pd.arrays.ArrowExtensionArray(dictionary)),  # (pandas' ArrowDtype)
    ):
        j = Journeys.build({**touches, "lead_id": lead_ids}, conversions)
        assert j.keys.dtype == np.int64 and j.keys.tolist() == [9, 10, 100]
        assert j.to_frame(backend="dict")["lead_id"].tolist() == [9, 10, 10, 100]
        assert j.revenue.tolist() == [7.0, 100.0, 0.0]
    lead_ids = pd.Series([100, 9, 10]).astype("category")
    lt = LeadTable.build({"lead_id": lead_ids, "created_at": [when] * 3})
    assert lt.ids.dtype == np.int64 and lt.ids.tolist() == [100, 9, 10]
    with pytest.raises(DataValidationError, match="missing key"):  # (a category with a gap)
        Journeys.build({**touches, "lead_id": pd.Series([9, 10, None, 100]).astype("category")})


def test_a_bool_is_never_a_key() -> None:
    with pytest.raises(DataValidationError, match="a bool where a key is expected") as err:
        Journeys.build({**TOUCHES, "lead_id": [True, False, True, True, False, True]})
    assert err.value.column == "lead_id" and err.value.n_rows == 6


def test_account_journeys_through_leads() -> None:
    j = Journeys.build(TOUCHES, key="account_id", leads=LEADS)
    assert j.keys.tolist() == ["acme", "globex"]
    assert j.lengths.tolist() == [5, 1]
    assert j.key_column == "account_id"
    # the account's anchor is the earliest creation among its leads
    assert j.anchors["lead_created_at"][0] == np.datetime64("2023-12-01", "us")


def test_anchors_and_journey_columns() -> None:
    j = Journeys.build(TOUCHES, CONVERSIONS, leads=LEADS)
    assert j.anchors["mql_at"][0] == np.datetime64("2023-12-05", "us")
    assert np.isnat(j.anchors["mql_at"][1])
    # "d" converted without a touch: its lead is found all the same
    assert j.keys.tolist()[3] == "d"
    assert j.anchors["mql_at"][3] == np.datetime64("2023-12-07", "us")
    assert j.anchors["lead_created_at"][3] == np.datetime64("2023-12-04", "us")
    assert j.journey_columns["source"].values().tolist() == ["ads", "seo", "ads", None]
    assert j.touch_column("source").values().tolist() == ["ads", "ads", "ads", "seo", "seo", "ads"]


def test_select_touches_keeps_journeys() -> None:
    j = Journeys.build(TOUCHES, CONVERSIONS)
    sub = j.select_touches(j.channel.values() != "web")
    assert sub.n_journeys == j.n_journeys
    assert sub.offsets.tolist() == [0, 2, 3, 4, 4]
    assert sub.journey_index.tolist() == [0, 0, 1, 2]
    assert sub.row.tolist() == [2, 5, 0, 3]


def test_select_journeys() -> None:
    j = Journeys.build(TOUCHES, CONVERSIONS)
    sub = j.select_journeys(j.converted)
    assert sub.keys.tolist() == ["a", "d"]
    assert sub.offsets.tolist() == [0, 3, 3]
    assert sub.revenue.tolist() == [100.0, 50.0]


def test_from_arrays_validates_offsets() -> None:
    cat = alignment.Categorical(np.array([0, 1], np.int32), np.array(["a", "b"], dtype=object))
    with pytest.raises(DataValidationError, match="offsets"):
        Journeys.from_arrays(
            keys=np.array(["x"]),
            offsets=np.array([0, 3]),
            time=np.array([1, 2], "datetime64[s]"),
            channel=cat,
        )
    with pytest.raises(DataValidationError, match="not sorted"):
        Journeys.from_arrays(
            keys=np.array(["x"]),
            offsets=np.array([0, 2]),
            time=np.array([2, 1], "datetime64[s]"),
            channel=cat,
        )


def test_lead_table() -> None:
    lt = LeadTable.build(LEADS)
    assert lt.n_leads == 4
    assert list(lt.stages) == ["mql_at"]
    assert set(lt.categorical) == {"source", "account_id"}
    assert set(lt.numeric) == {"company_size"}
    pos, found = lt.positions(["c", "zz", "a"])
    assert pos.tolist() == [2, -1, 0]
    assert found.tolist() == [True, False, True]
    assert lt.column("source").tolist() == ["ads", "seo", "ads", None]
    with pytest.raises(MissingColumnError, match="industry"):
        lt.column("industry")


def _nullable_flags() -> dict[str, Any]:
    """A bool lead column with one missing value, in every kind of input."""
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    when = dt.datetime(2024, 1, 1, 10)
    base = {
        "lead_id": ["a", "b", "c"],
        "created_at": [when] * 3,
        "mql_at": [when, None, when],
        "source": ["x", "y", "x"],
    }
    flags = [True, None, False]
    return {
        "pandas boolean": pd.DataFrame({**base, "dnc": pd.array(flags, dtype="boolean")}),
        "pandas object": pd.DataFrame({**base, "dnc": pd.Series(flags, dtype=object)}),
        "polars": pl.DataFrame({**base, "dnc": flags}),
        "pyarrow": pa.table({**base, "dnc": pa.array(flags)}),
        "list": {**base, "dnc": flags},
        "list with pandas NA": {**base, "dnc": [True, pd.NA, False]},
    }


def test_a_nullable_bool_lead_column_is_a_flag_column_with_nan() -> None:
    for kind, leads in _nullable_flags().items():
        lt = LeadTable.build(leads)
        assert set(lt.numeric) == {"dnc"} and list(lt.categorical) == ["source"], kind
        np.testing.assert_array_equal(lt.numeric["dnc"], [1.0, np.nan, 0.0])
        observed = alignment.funnel.observe(
            leads, stages=["created_at", "mql_at"], as_of="2024-02-01T00:00Z", tz="UTC"
        )
        assert observed.to_frame(backend="dict")["converted"].tolist() == [2], kind
        looped = alignment.closed_loop(leads, by="source", tz="UTC").table
        assert looped.to_frame(backend="dict")["leads"].tolist() == [2, 1], kind


def test_lead_columns_read_alike_from_every_kind() -> None:
    pd = pytest.importorskip("pandas")
    when = dt.datetime(2024, 1, 1)
    base = {"lead_id": ["a", "b", "c"], "created_at": [when] * 3}
    sizes, seen = [1.0, 2.0, None], [when, None, when]
    kinds = {
        "list": {**base, "size": sizes, "seen": seen},
        "object array": {
            **base,
            "size": np.array(sizes, dtype=object),
            "seen": np.array(seen, dtype=object),
        },
        "pandas object": pd.DataFrame(
            {**base, "size": pd.Series(sizes, dtype=object), "seen": pd.Series(seen, dtype=object)}
        ),
        "pandas typed": pd.DataFrame({**base, "size": sizes, "seen": pd.to_datetime(seen)}),
    }
    for kind, leads in kinds.items():
        lt = LeadTable.build(leads)
        # numbers are numbers; instants that are not a stage are left out, never read as text
        assert list(lt.numeric) == ["size"] and not lt.categorical and not lt.stages, kind
        np.testing.assert_array_equal(lt.numeric["size"], [1.0, 2.0, np.nan])


def test_lead_table_from_models() -> None:
    leads = [
        alignment.Lead(
            lead_id="a",
            created_at="2024-01-01T00:00:00Z",
            source="ads",
            company_size=5,
            mql_at="2024-01-02T00:00:00Z",
            attributes={"tier": "gold"},
        ),
        alignment.Lead(lead_id="b", created_at="2024-01-01T00:00:00Z", source="seo"),
    ]
    lt = LeadTable.build(leads)
    assert lt.column("source").tolist() == ["ads", "seo"]
    assert lt.column("tier").tolist() == ["gold", None]
    assert lt.stages["mql_at"][0] == np.datetime64("2024-01-02", "us")
    assert np.isnat(lt.stages["mql_at"][1])
    assert lt.numeric["company_size"][0] == 5.0


def test_activity_log_aligned_to_leads() -> None:
    acts = {
        "lead_id": ["d", "a", "a"],
        "timestamp": np.array(["2023-12-08", "2023-12-06", "2023-12-05"], dtype="datetime64[us]"),
        "kind": ["call", "email", "call"],
        "rep": ["r1", "r2", "r1"],
    }
    log = ActivityLog.build(acts, leads=LEADS)
    assert log.keys.tolist() == ["a", "b", "c", "d"]
    assert log.offsets.tolist() == [0, 2, 2, 2, 3]
    assert log.kind is not None and log.kind.values().tolist() == ["call", "email", "call"]
    assert log.row.tolist() == [2, 1, 0]


def test_activity_for_unknown_lead() -> None:
    acts = {
        "lead_id": ["zz", "a"],
        "timestamp": np.array(["2023-12-08", "2023-12-06"], dtype="datetime64[us]"),
    }
    with pytest.raises(DataValidationError, match="unknown lead") as err:
        ActivityLog.build(acts, leads=LEADS)
    assert err.value.rows == [0] and "pass unknown='report'" in (err.value.fix or "")
    log = ActivityLog.build(acts, leads=LEADS, unknown="report")
    assert log.unknown_rows.tolist() == [0]
    assert log.n_activities == 1


def test_notebook_previews() -> None:
    j = Journeys.build(TOUCHES, CONVERSIONS)
    html = j._repr_html_()
    assert "4 journeys" in html and "6 touches" in html and "<table" in html
    assert html.count("<tr>") == 1 + 6  # header + one row per touch (fewer than 10)
    lt = LeadTable.build(LEADS)
    assert "4 leads" in lt._repr_html_() and "mql at" in lt._repr_html_()
    log = ActivityLog.build(
        {"lead_id": ["a"], "timestamp": np.array(["2024-01-01"], "datetime64[us]")}
    )
    assert "1 activities" in log._repr_html_()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 7), min_size=0, max_size=30),
    st.lists(st.integers(0, 7), min_size=0, max_size=8, unique=True),
    st.randoms(use_true_random=False),
)
def test_journey_anchors_are_their_leads(touched: list[int], won: list[int], rnd: Any) -> None:
    """Each journey's anchors and lead columns are its own lead's, whether the journey has
    touches or only a conversion (a plain-Python twin: a dict of the leads)."""
    ids = [f"L{i:02d}" for i in range(8)]
    rnd.shuffle(ids)  # (the leads in any order)
    created = {
        k: np.datetime64("2023-11-01", "us") + np.timedelta64(i, "D") for i, k in enumerate(ids)
    }
    source = {k: ["ads", "seo", None][i % 3] for i, k in enumerate(ids)}
    leads = {
        "lead_id": ids,
        "created_at": np.array([created[k] for k in ids]),
        "source": [source[k] for k in ids],
    }
    touches = {
        "lead_id": [f"L{i:02d}" for i in touched],
        "timestamp": np.array(
            [
                np.datetime64("2024-01-01", "us") + np.timedelta64(h, "h")
                for h in range(len(touched))
            ],
            dtype="datetime64[us]",
        ),
        "channel": ["a"] * len(touched),
    }
    conversions = {
        "lead_id": [f"L{i:02d}" for i in won],
        "converted_at": np.full(len(won), np.datetime64("2024-02-01", "us")),
        "revenue": [1.0] * len(won),
    }
    j = Journeys.build(touches, conversions, leads=leads)
    keys = j.keys.tolist()
    assert keys == sorted({*touches["lead_id"], *conversions["lead_id"]})
    assert j.anchors["lead_created_at"].tolist() == [created[k].item() for k in keys]
    assert j.journey_columns["source"].values().tolist() == [source[k] for k in keys]


# ----------------------------------------------------------------------------- keys, ownership


def test_whole_float_lead_ids_find_integer_leads() -> None:
    """1.0 is the key 1 against a lead table of integer ids, as everywhere else."""
    leads = {"lead_id": [1, 2], "created_at": ["2024-01-01T00:00Z"] * 2}
    ts = ["2024-01-05T00:00Z", "2024-01-06T00:00Z"]
    touches = {"lead_id": np.array([1.0, 2.0]), "timestamp": ts, "channel": ["a", "b"]}
    j = Journeys.build(touches, leads=leads)
    assert j.keys.tolist() == [1, 2]
    assert j.anchors["lead_created_at"].tolist() == [dt.datetime(2024, 1, 1)] * 2
    acts = {"lead_id": np.array([2.0, 1.0]), "timestamp": ts, "kind": ["call", "email"]}
    a = ActivityLog.build(acts, leads=leads, unknown="report")
    assert a.n_activities == 2 and a.unknown_rows.size == 0
    lt = LeadTable.build(leads)
    pos, found = lt.positions(np.array([2.0, 1.5, np.nan, 1.0]))
    assert pos.tolist() == [1, -1, -1, 0] and found.tolist() == [True, False, False, True]
    text = LeadTable.build({"lead_id": ["1", "x"], "created_at": ["2024-01-01T00:00Z"] * 2})
    assert text.positions(np.array([1.0, 2.5]))[0].tolist() == [0, -1]


@pytest.mark.parametrize("ids", ["ab", "a", 2, None, np.int64(1), np.array([["a", "b"]])])
def test_positions_takes_a_list_of_ids(ids: Any) -> None:
    from alignment.errors import ParameterError

    lt = LeadTable.build({"lead_id": ["a", "b", "ab"], "created_at": ["2024-01-01"] * 3})
    with pytest.raises(ParameterError, match="list of ids"):
        lt.positions(ids)


def test_positions_bytes_are_not_text() -> None:
    lt = LeadTable.build({"lead_id": ["a", "b", "L001"], "created_at": ["2024-01-01"] * 3})
    assert lt.positions(["L001", "b"])[0].tolist() == [2, 1]
    for ids in ([b"b"], np.array([b"b"]), np.array([b"b", "a"], dtype=object)):
        assert not lt.positions(ids)[1][0]  # (b"b" is not the text "b")
    assert lt.positions(np.array([b"b", "a"], dtype=object))[0].tolist() == [-1, 0]


def test_activity_log_refuses_naive_times_with_aware_leads() -> None:
    leads = {
        "lead_id": ["a", "b"],
        "created_at": [dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2024, 1, 2, tzinfo=UTC)],
    }
    naive = {"lead_id": ["a", "b"], "timestamp": ["2024-01-05T10:00", "2024-01-06T10:00"]}
    with pytest.raises(DataValidationError, match="naive datetimes") as err:
        ActivityLog.build(naive, leads=leads)
    assert err.value.column == "timestamp" and "leads.created_at" in str(err.value)
    with pytest.raises(DataValidationError, match="naive datetimes"):  # (the same rule)
        Journeys.build({**naive, "channel": ["x", "y"]}, leads=leads)
    aware = {**naive, "timestamp": ["2024-01-05T10:00Z", "2024-01-06T10:00Z"]}
    assert ActivityLog.build(aware, leads=leads).n_activities == 2


_T3 = np.array(["2024-01-01", "2024-01-02", "2024-01-03"], "datetime64[us]")
_ARRAYS: dict[str, Any] = {
    "keys": np.array(["a", "b"], object),
    "offsets": np.array([0, 2, 3]),
    "time": _T3,
    "channel": np.array([0, 1, 0]),
    "channels": ["x", "y"],
}


def _cat(n: int) -> alignment.Categorical:
    return alignment.Categorical(np.zeros(n, np.int32), np.array(["c"], object))


@pytest.mark.parametrize(
    ("given", "column", "match"),
    [
        ({"row": np.array([0])}, "row", "1 values for 3 touches"),
        ({"touch_numeric": {"cost": np.array([1.0])}}, "cost", "1 values for 3 touches"),
        ({"touch_columns": {"campaign": _cat(1)}}, "campaign", "1 values for 3 touches"),
        ({"anchors": {"lead_created_at": _T3}}, "lead_created_at", "3 values for 2 journeys"),
        ({"journey_columns": {"source": _cat(3)}}, "source", "3 values for 2 journeys"),
        ({"keys": np.array(["a", "a"], object)}, "keys", "duplicate journey key"),
        ({"keys": np.array([7, 7])}, "keys", "duplicate journey key"),
        ({"time": np.array([1, 2, 3])}, "time", "dtype int64"),
        ({"revenue": np.array([5.0, 0.0])}, "revenue", "without a conversion"),
        ({"channels": ["x", "x"]}, "channels", "repeats the name\\(s\\) 'x'"),
        ({"channel": np.array([0.9, 1.0, 0.0])}, "channel", "dtype float64"),
        ({"channel": np.array([True, False, True])}, "channel", "dtype bool"),
        ({"channel": np.array(["x", "y", "x"], object)}, "channel", "bad value: 'x'"),
        ({"channel": np.array([2**32, 1, 0])}, "channel", "outside the vocabulary"),
        ({"channel": np.array([-1, 1, 0])}, "channel", "missing channel"),
    ],
)
def test_from_arrays_checks_what_it_promises(
    given: dict[str, Any], column: str, match: str
) -> None:
    with pytest.raises(DataValidationError, match=match) as err:
        Journeys.from_arrays(**{**_ARRAYS, **given})
    assert err.value.column == column


@pytest.mark.parametrize(
    "keys",
    [np.array(["", "a"], object), np.array([1.5, 2.5]), np.array([1.0, 2.0**60])],
    ids=["empty text", "fractional floats", "float beyond 2**53"],
)
def test_from_arrays_keys_in_order_are_still_checked(keys: np.ndarray) -> None:
    """Keys that increase skip the hashing of the uniqueness check (integers and texts), never
    the check of each key."""
    with pytest.raises(DataValidationError) as err:
        Journeys.from_arrays(**{**_ARRAYS, "keys": keys})
    assert err.value.column == "keys"


def test_from_arrays_counts_written_as_text_are_counts() -> None:
    j = Journeys.from_arrays(**_ARRAYS, conversions=np.array(["1", "1,200"], object))
    assert j.conversions.tolist() == [1.0, 1200.0]
    with pytest.raises(DataValidationError, match="currency in a column of numbers"):
        Journeys.from_arrays(**_ARRAYS, conversions=np.array(["$1", "0"], object))


def test_from_arrays_revenue_of_converted_journeys() -> None:
    conv_at = np.array(["2024-01-09", "NaT"], "datetime64[us]")
    j = Journeys.from_arrays(**_ARRAYS, revenue=np.array([5.0, 0.0]), converted_at=conv_at)
    assert j.converted.tolist() == [True, False]
    j = Journeys.from_arrays(
        **_ARRAYS, revenue=np.array([5.0, 0.0]), conversions=np.array([1.0, 0.0])
    )
    assert alignment.attribute(j, model="linear").summary()["attributed_revenue"] == 5.0


def _writeable(*arrays: np.ndarray) -> list[bool]:
    return [bool(a.flags.writeable) for a in arrays]


def test_tables_own_read_only_arrays() -> None:
    ids = np.array([3, 1, 2])
    lt = LeadTable.build({"lead_id": ids, "created_at": np.array(["2024-01-01"] * 3, "M8[us]")})
    ids[0] = 1  # (the caller's array: still its own, writable)
    assert lt.ids.tolist() == [3, 1, 2] and ids.flags.writeable
    sub = lt.take(np.array([0, 1]))
    assert _writeable(sub.ids, sub.created_at) == [False, False]

    keys = np.array(["a", "b"], object)
    chan = alignment.Categorical(np.array([0, 1, 0], np.int32), np.array(["x", "y"], object))
    cost, camp = np.array([1.0, 2.0, 3.0]), _cat(3)
    given = (keys, chan.codes, cost, camp.codes)
    j = Journeys.from_arrays(
        keys=keys,
        offsets=np.array([0, 2, 3]),
        time=_T3,
        channel=chan,
        touch_numeric={"cost": cost},
        touch_columns={"campaign": camp},
    )
    assert _writeable(*given) == [True] * 4  # (the caller's flags unchanged)
    cost[0] = 99.0
    assert j.touch_numeric["cost"][0] == 1.0
    for t in (j, j.select_touches(np.array([True, False, True])), j.select_journeys([True, False])):
        arrays = (t.keys, t.offsets, t.time, t.row, t.revenue, t.converted_at, t.channel.codes)
        arrays += (t.touch_numeric["cost"], t.touch_columns["campaign"].codes)
        assert not any(_writeable(*arrays))
    built = Journeys.build(TOUCHES, CONVERSIONS)
    assert not any(_writeable(built.touch_numeric["cost"], built.channel.codes))


def test_leadtable_take_refuses_repeated_and_out_of_range_rows() -> None:
    from alignment.errors import ParameterError

    lt = LeadTable.build({"lead_id": ["a", "b"], "created_at": ["2024-01-01"] * 2})
    assert lt.take(np.array([-1, 0])).ids.tolist() == ["b", "a"]
    assert lt.take(np.array([False, True])).ids.tolist() == ["b"]
    with pytest.raises(ParameterError, match="repeats row 0 \\(lead 'a'\\)"):
        lt.take(np.array([0, 0]))
    with pytest.raises(ParameterError, match="position 5 is out of range"):
        lt.take(np.array([5]))
    with pytest.raises(ParameterError, match="mask has shape \\(1,\\) for 2 leads"):
        lt.take(np.array([True]))
    with pytest.raises(ParameterError, match="row positions"):
        lt.take(np.array([0.5]))
