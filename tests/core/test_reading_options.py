"""Reading rules shared by every engine: time zones, export time formats, reading options.

Covers ``alignment._time`` (``tz=``, ``dayfirst=``, ``date_format=``, ``row_tz=``, ``localize``
against a plain-Python ``zoneinfo`` twin, DST gaps and overlaps), ``alignment._options`` (the
``reading`` context, one warning per call, nested calls, Dask tasks) and the engines' ``tz=`` and
``normalize=`` parameters.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
import zoneinfo
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment import funnel
from alignment._columns import Categorical, numeric
from alignment._options import current, reading
from alignment._time import as_utc_datetime64, localize, read_instants
from alignment.closed_loop import closed_loop
from alignment.errors import AlignmentWarning, DataValidationError, ParameterError
from alignment.tables import Journeys

UTC = dt.timezone.utc
ZONES = ("America/New_York", "Europe/Berlin", "Australia/Lord_Howe")


def utc(text: str) -> np.datetime64:
    return np.datetime64(text, "us")


def obj(*values: Any) -> np.ndarray:
    return np.array(values, dtype=object)


# ------------------------------------------------------------------------ the zoneinfo twin


def twin(wall: dt.datetime, zone: str) -> tuple[np.datetime64, bool, bool]:
    """Plain Python: the UTC instant of a wall time (fold=0), ambiguous, nonexistent."""
    z = zoneinfo.ZoneInfo(zone)
    first = wall.replace(tzinfo=z, fold=0)
    second = wall.replace(tzinfo=z, fold=1)
    a, b = first.utcoffset(), second.utcoffset()
    assert a is not None and b is not None
    instant = (wall - a).replace(tzinfo=None)
    return np.datetime64(instant, "us"), a > b, a < b


@functools.cache
def transitions(zone: str) -> tuple[dt.datetime, ...]:
    """Wall times (naive, before the change) of the zone's offset changes in 2019-2026."""
    z = zoneinfo.ZoneInfo(zone)
    out = []
    t = dt.datetime(2019, 1, 1, tzinfo=UTC)
    prev = t.astimezone(z).utcoffset()
    while t.year < 2027:
        t += dt.timedelta(minutes=30)
        off = t.astimezone(z).utcoffset()
        if off != prev:
            assert prev is not None
            out.append((t + prev).replace(tzinfo=None))
            prev = off
    return tuple(out)


def walls_near_transitions(zone: str) -> st.SearchStrategy[dt.datetime]:
    near = st.builds(
        lambda base, minutes, seconds: base + dt.timedelta(minutes=minutes, seconds=seconds),
        st.sampled_from(transitions(zone)),
        st.integers(-150, 150),
        st.integers(0, 59),
    )
    anywhere = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1))
    return st.one_of(near, anywhere)


@pytest.mark.parametrize("zone", ZONES)
def test_transitions_found(zone: str) -> None:
    assert len(transitions(zone)) >= 14  # two a year (the twin's edges are real)


@pytest.mark.parametrize("zone", ZONES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_localize_matches_the_zoneinfo_twin(zone: str, data: Any) -> None:
    walls = data.draw(st.lists(walls_near_transitions(zone), min_size=1, max_size=40))
    local = np.array(walls, dtype="datetime64[us]")
    before = local.copy()
    got, ambiguous, gap = localize(local, zone)
    expected = [twin(w, zone) for w in walls]
    assert got.tolist() == [e[0].astype(object) for e in expected]
    assert ambiguous.tolist() == [e[1] for e in expected]
    assert gap.tolist() == [e[2] for e in expected]
    np.testing.assert_array_equal(local, before)  # never changed


@pytest.mark.parametrize("zone", ZONES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_strings_in_a_zone_match_the_twin(zone: str, data: Any) -> None:
    walls = data.draw(st.lists(walls_near_transitions(zone), min_size=1, max_size=20))
    texts = obj(*(w.strftime("%Y-%m-%d %H:%M:%S") for w in walls))
    read = read_instants(texts, column="t", tz=zone)
    expected = [twin(w.replace(microsecond=0), zone) for w in walls]
    assert read.times.tolist() == [e[0].astype(object) for e in expected]
    assert read.ambiguous.tolist() == [e[1] for e in expected]
    assert read.nonexistent.tolist() == [e[2] for e in expected]
    assert read.awareness is True


def test_dst_rules_new_york() -> None:
    texts = obj("2024-03-10 02:30", "2024-11-03 01:30", "2024-11-03 00:59", "2024-07-01 12:00")
    read = read_instants(texts, column="t", tz="America/New_York")
    assert read.times.tolist() == [
        utc("2024-03-10T07:30").astype(object),  # gap: moved forward by an hour (03:30 EDT)
        utc("2024-11-03T05:30").astype(object),  # overlap: the first 01:30 (EDT)
        utc("2024-11-03T04:59").astype(object),
        utc("2024-07-01T16:00").astype(object),
    ]
    assert read.nonexistent.tolist() == [True, False, False, False]
    assert read.ambiguous.tolist() == [False, True, False, False]


def test_lord_howe_half_hour_shift() -> None:
    # 2024-04-07 02:00 (+11) -> 01:30 (+10:30): 01:45 happens twice; 2024-10-06 02:00 -> 02:30
    read = read_instants(
        obj("2024-04-07 01:45", "2024-10-06 02:15", "2024-10-06 02:45"),
        column="t",
        tz="Australia/Lord_Howe",
    )
    assert read.ambiguous.tolist() == [True, False, False]
    assert read.nonexistent.tolist() == [False, True, False]
    assert read.times[0] == utc("2024-04-06T14:45")  # first occurrence, +11:00


def test_unknown_zone_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match=r"Mars/Olympus.*IANA"):
        as_utc_datetime64(obj("2024-01-01"), column="t", tz="Mars/Olympus")
    with pytest.raises(ParameterError, match="unknown time zone"):
        localize(np.array(["2024-01-01"], dtype="datetime64[us]"), "")


# ----------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2024-03-05 14:22", "2024-03-05T14:22"),
        ("2024-03-05 14:22:05", "2024-03-05T14:22:05"),
        ("2024-03-05", "2024-03-05T00:00"),
        ("2024-03-05T14:22:05.123Z", "2024-03-05T14:22:05.123"),
        ("2024-03-05T14:22:05.123456789Z", "2024-03-05T14:22:05.123456"),
        ("2024-03-05T14:22:05+02:00", "2024-03-05T12:22:05"),
        ("2024-03-05 14:22-0500", "2024-03-05T19:22"),
        ("03/05/2024", "2024-03-05T00:00"),
        ("03/05/2024 2:22 PM", "2024-03-05T14:22"),
        ("03/05/2024 12:05 am", "2024-03-05T00:05"),
        ("03/05/2024 12:05 PM", "2024-03-05T12:05"),
        ("3/5/2024 14:22", "2024-03-05T14:22"),
        ("05.03.2024 14:22", "2024-03-05T14:22"),
        ("  2024-03-05 14:22  ", "2024-03-05T14:22"),
        ("20240305T142205", "2024-03-05T14:22:05"),  # other ISO-8601 forms still read
    ],
)
def test_export_formats(text: str, expected: str) -> None:
    out, _ = as_utc_datetime64(obj(text), column="t", dayfirst=False)
    assert out[0] == utc(expected)


def test_dayfirst_reads_the_day_first() -> None:
    texts = obj("03/05/2024", "3/5/2024 14:22", "05.03.2024 14:22")
    first, _ = as_utc_datetime64(texts, column="t", dayfirst=True)
    assert first.tolist() == [
        utc("2024-05-03T00:00").astype(object),
        utc("2024-05-03T14:22").astype(object),
        utc("2024-03-05T14:22").astype(object),  # dotted dates are always day first
    ]


def test_date_only_is_local_midnight() -> None:
    out, aware = as_utc_datetime64(obj("2024-07-01"), column="t", tz="Europe/Berlin")
    assert out[0] == utc("2024-06-30T22:00") and aware is True


def test_slash_dates_need_the_day_order() -> None:
    texts = obj("2024-01-01", "13/05/2024", "x", "03/05/2024")
    with pytest.raises(DataValidationError) as err:
        as_utc_datetime64(texts, column="created_at", table="leads")
    e = err.value
    assert (e.table, e.column, e.rows, e.value) == ("leads", "created_at", [1, 3], "13/05/2024")
    assert "dayfirst=True" in (e.fix or "") and "date_format=" in (e.fix or "")
    assert "suggests dayfirst=True" in e.problem


def test_every_unreadable_row_is_named() -> None:
    texts = obj("2024-13-01", "2024-02-30", "soon", "2024-02-29 10:00", "25:00", "2024-01-01 24:00")
    with pytest.raises(DataValidationError) as err:
        as_utc_datetime64(texts, column="t", table="touchpoints")
    assert err.value.rows == [0, 1, 2, 4, 5] and err.value.n_rows == 5
    assert err.value.value == "2024-13-01"
    assert "date_format=" in (err.value.fix or "")


def test_invalid_clock_values_refused() -> None:
    for bad in (
        "03/05/2024 13:00 PM",
        "03/05/2024 0:30 AM",
        "2024-03-05 10:60",
        "2024-03-05+25:00",
    ):
        with pytest.raises(DataValidationError):
            as_utc_datetime64(obj(bad), column="t", dayfirst=False)


def test_date_format_is_used_for_every_string() -> None:
    texts = obj("05-03-2024 14h22", "06-03-2024 09h00")
    out, _ = as_utc_datetime64(texts, column="t", date_format="%d-%m-%Y %Hh%M")
    assert out.tolist() == [
        utc("2024-03-05T14:22").astype(object),
        utc("2024-03-06T09:00").astype(object),
    ]
    with pytest.raises(DataValidationError, match="date_format") as err:
        as_utc_datetime64(
            obj("05-03-2024 14h22", "2024-03-05"), column="t", date_format="%d-%m-%Y %Hh%M"
        )
    assert err.value.rows == [1]


@pytest.mark.parametrize(
    "bad", [{"dayfirst": "yes"}, {"date_format": "dd/mm"}, {"epoch_unit": "h"}]
)
def test_bad_parameters(bad: dict[str, Any]) -> None:
    with pytest.raises(ParameterError):
        as_utc_datetime64(obj("2024-01-01"), column="t", **bad)


def test_blank_strings_are_missing() -> None:
    out, _ = as_utc_datetime64(
        obj("", "  ", "NaT", None, "2024-01-01"), column="t", allow_missing=True
    )
    assert np.isnat(out[:4]).all() and out[4] == utc("2024-01-01")
    with pytest.raises(DataValidationError, match="missing instant") as err:
        as_utc_datetime64(obj("2024-01-01", ""), column="t")
    assert err.value.rows == [1]


def test_row_tz() -> None:
    texts = obj("2024-01-01 10:00", "2024-01-01 10:00", "2024-07-01 10:00", "2024-07-01T10:00Z")
    zones = obj("Europe/Berlin", None, "America/New_York", "Asia/Tokyo")
    out, aware = as_utc_datetime64(texts, column="t", tz="Asia/Kolkata", row_tz=zones)
    assert out.tolist() == [
        utc("2024-01-01T09:00").astype(object),
        utc("2024-01-01T04:30").astype(object),  # None: tz=
        utc("2024-07-01T14:00").astype(object),
        utc("2024-07-01T10:00").astype(object),  # aware: its own offset, whatever the row's zone
    ]
    assert aware is True
    with pytest.raises(DataValidationError, match="unknown time zone 'Nowhere'") as err:
        as_utc_datetime64(texts, column="t", row_tz=obj("UTC", "Nowhere", "UTC", "Nowhere"))
    assert err.value.rows == [1, 3]


def test_naive_and_aware_mixed_needs_tz() -> None:
    texts = obj("2024-01-01 10:00", "2024-01-01T10:00+01:00")
    with pytest.raises(DataValidationError, match="mixed") as err:
        as_utc_datetime64(texts, column="t")
    assert "tz=" in (err.value.fix or "")
    out, aware = as_utc_datetime64(texts, column="t", tz="Europe/Berlin")
    assert out.tolist() == [utc("2024-01-01T09:00").astype(object)] * 2 and aware is True


def test_naive_datetime_objects_in_a_zone() -> None:
    values = obj(
        dt.datetime(2024, 1, 1, 12), dt.date(2024, 1, 2), dt.datetime(2024, 1, 1, 12, tzinfo=UTC)
    )
    out, _ = as_utc_datetime64(values, column="t", tz="America/New_York")
    assert out.tolist() == [
        utc("2024-01-01T17:00").astype(object),
        utc("2024-01-02T05:00").astype(object),
        utc("2024-01-01T12:00").astype(object),
    ]


def test_numpy_datetimes_and_epochs_stay_utc() -> None:
    stamps = np.array(["2024-01-01T10:00"], dtype="datetime64[s]")
    assert as_utc_datetime64(stamps, column="t", tz="Asia/Tokyo") == (
        np.array(["2024-01-01T10:00"], dtype="datetime64[us]"),
        None,
    )
    out, aware = as_utc_datetime64(np.array([0]), column="t", tz="Asia/Tokyo")
    assert out[0] == utc("1970-01-01") and aware is None


def test_categorical_input_reads_like_its_values() -> None:
    cats = obj("2024-01-01 10:00", "2024-03-10 02:30", "x")
    cat = Categorical(np.array([1, 0, -1, 1, 0], dtype=np.int32), cats[:2])
    read = read_instants(cat, column="t", tz="America/New_York", allow_missing=True)
    plain = read_instants(cat.values(), column="t", tz="America/New_York", allow_missing=True)
    np.testing.assert_array_equal(read.times, plain.times)
    assert read.nonexistent.tolist() == [True, False, False, True, False]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "2024-03-10 02:30",
                "2024-11-03 01:30",
                "2024-01-01",
                "",
                "2024-05-05T10:00Z",
                "03/04/2024",
            ]
        ),
        min_size=1,
        max_size=30,
    ),
    st.randoms(use_true_random=False),
)
def test_row_order_invariance_and_no_mutation(texts: list[str], rnd: Any) -> None:
    values = obj(*texts)
    values.setflags(write=False)
    order = list(range(len(texts)))
    rnd.shuffle(order)
    try:
        a = read_instants(
            values, column="t", tz="America/New_York", dayfirst=True, allow_missing=True
        )
    except DataValidationError:  # naive and aware mixed in one column: still an error when tz
        pytest.fail("tz given: naive and aware values may mix")
    b = read_instants(
        values[order], column="t", tz="America/New_York", dayfirst=True, allow_missing=True
    )
    np.testing.assert_array_equal(a.times[order], b.times)
    np.testing.assert_array_equal(a.ambiguous[order], b.ambiguous)
    assert values.tolist() == texts and not values.flags.writeable


# ------------------------------------------------------------------------- reading options


def test_reading_options_nest_and_reset() -> None:
    assert current().tz is None
    with reading(tz="Europe/Berlin", decimal=","):
        with reading(normalize="casefold"):
            assert (current().tz, current().normalize, current().decimal) == (
                "Europe/Berlin",
                "casefold",
                ",",
            )
        with reading(tz="UTC"):
            assert current().tz == "UTC"
        assert current().normalize is None
    assert current() == type(current())()


@pytest.mark.parametrize(
    "bad", [{"tz": "Nowhere/City"}, {"normalize": "lower"}, {"decimal": ";"}, {"dayfirst": 1}]
)
def test_reading_refuses_bad_options(bad: dict[str, Any]) -> None:
    with pytest.raises(ParameterError):
        with reading(**bad):
            pass


def test_decimal_option_reaches_numeric() -> None:
    amounts = obj("1.234,50", "12,00")
    with reading(decimal=","):
        assert numeric(amounts, column="cost").tolist() == [1234.5, 12.0]
    with pytest.raises(DataValidationError):
        numeric(obj("12,50"), column="cost")


def test_text_counts_are_numbers_never_amounts() -> None:
    assert numeric(obj("$12,500.00", "100"), column="revenue").tolist() == [12500.0, 100.0]
    assert numeric(obj("2", "1,200"), column="n", count=True).tolist() == [2.0, 1200.0]
    with reading(decimal=","):
        assert numeric(obj("1.200", "3"), column="n", count=True).tolist() == [1200.0, 3.0]
    for bad, problem in (("two", "not a number"), ("$2", "a currency in a column of numbers")):
        with pytest.raises(DataValidationError) as err:
            numeric(obj("1", bad), column="total_conversions", table="paths", count=True)
        assert err.value.problem.startswith(problem) and err.value.rows == [1]
        assert "write amounts" not in (err.value.fix or "")


TOUCHES = {
    "lead_id": ["a", "a", "b"],
    "timestamp": ["2024-03-09 02:30", "2024-03-10 01:00", "2024-03-09 12:00"],
    "channel": ["Paid Search", "PAID_SEARCH", "email"],
    "converted_at": ["2024-03-10 03:30", "2024-03-10 03:30", None],
    "revenue": [100.0, 100.0, None],
}


def recorded(fn: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(w.message) for w in caught if issubclass(w.category, AlignmentWarning)]


def test_one_naive_warning_per_call_naming_the_columns() -> None:
    _, messages = recorded(lambda: alignment.attribute(TOUCHES, normalize="casefold"))
    naive = [m for m in messages if "naive instants" in m]
    assert len(naive) == 1
    assert "touchpoints.timestamp" in naive[0] and "touchpoints.converted_at" in naive[0]
    assert "tz='America/New_York'" in naive[0]


def test_no_naive_warning_with_tz_or_numpy_times() -> None:
    _, messages = recorded(lambda: alignment.attribute(TOUCHES, tz="UTC", normalize="casefold"))
    assert messages == []
    numpy_times = {
        **TOUCHES,
        "timestamp": np.array(TOUCHES["timestamp"], dtype="datetime64[us]"),
        "converted_at": np.array(TOUCHES["converted_at"], dtype="datetime64[us]"),
    }
    _, messages = recorded(lambda: alignment.attribute(numpy_times, normalize="casefold"))
    assert messages == []


def test_nested_calls_warn_once_at_the_outermost_exit() -> None:
    def run() -> None:
        with reading():
            alignment.attribute(TOUCHES, normalize="casefold")
            alignment.attribute(TOUCHES, normalize="casefold")
            with warnings.catch_warnings(record=True) as inner:
                warnings.simplefilter("always")
                alignment.attribute(TOUCHES, normalize="casefold")
            assert inner == []  # nothing yet: the outer block reports

    _, messages = recorded(run)
    assert len(messages) == 1 and "naive instants" in messages[0]


def test_no_warning_when_the_call_fails() -> None:
    bad = {**TOUCHES, "timestamp": ["2024-03-09 02:30", "soon", "2024-03-09 12:00"]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DataValidationError):
            alignment.attribute(bad)
    assert [w for w in caught if issubclass(w.category, AlignmentWarning)] == []


def test_category_variants_warned_or_folded() -> None:
    result, messages = recorded(lambda: alignment.attribute(TOUCHES, tz="UTC"))
    assert set(result.totals()) == {"PAID_SEARCH", "Paid Search", "email"}
    assert len(messages) == 1
    assert "touchpoints.channel: 'PAID_SEARCH' / 'Paid Search'" in messages[0]
    assert "normalize='casefold'" in messages[0]
    folded, messages = recorded(
        lambda: alignment.attribute(TOUCHES, tz="UTC", normalize="casefold")
    )
    assert folded.totals() == {"email": 0.0, "paid search": 100.0} and messages == []


def test_dst_rows_warned() -> None:
    touches = {**TOUCHES, "timestamp": ["2024-03-10 02:30", "2024-03-10 01:00", "2024-03-09 12:00"]}
    _, messages = recorded(
        lambda: alignment.attribute(touches, tz="America/New_York", normalize="casefold")
    )
    assert len(messages) == 1
    assert (
        "touchpoints.timestamp: 0 ambiguous" in messages[0] and "1 in a skipped hour" in messages[0]
    )


def test_attribution_lookback_edge_depends_on_tz() -> None:
    # 2024-03-09 02:30 -> 2024-03-10 03:30 local: 25 h as UTC, 24 h in New York (clocks jump)
    touches = {
        "lead_id": ["a", "a"],
        "timestamp": ["2024-03-09 02:30", "2024-03-10 01:00"],
        "channel": ["search", "email"],
        "converted_at": ["2024-03-10 03:30", "2024-03-10 03:30"],
        "revenue": [100.0, 100.0],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlignmentWarning)
        as_utc = alignment.attribute(touches, lookback="1d")
    in_new_york = alignment.attribute(touches, lookback="1d", tz="America/New_York")
    assert as_utc.totals() == {"email": 100.0, "search": 0.0}
    assert in_new_york.totals() == {"email": 50.0, "search": 50.0}


def test_observe_with_tz_moves_entries_across_as_of() -> None:
    leads = {
        "lead_id": ["a", "b"],
        "created_at": ["2024-01-01 22:00", "2024-01-01 10:00"],
        "mql_at": [None, None],
    }
    as_of = "2024-01-02T00:00:00Z"
    stages = ("created_at", "mql_at")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlignmentWarning)
        plain = funnel.observe(leads, stages=stages, as_of=as_of)
    la = funnel.observe(leads, stages=stages, as_of=as_of, tz="America/Los_Angeles")
    assert (plain.n_entered, plain.n_excluded) == (2, 0)
    assert (la.n_entered, la.n_excluded) == (1, 1)  # 22:00 in Los Angeles is 06:00 UTC next day
    # a naive as_of is a wall time of tz= too: midnight in Los Angeles is 08:00 UTC
    local = funnel.observe(leads, stages=stages, as_of="2024-01-02 00:00", tz="America/Los_Angeles")
    assert (local.n_entered, local.n_excluded) == (2, 0)
    assert local.as_of == utc("2024-01-02T08:00")


def test_frames_naive_datetime_columns_follow_tz() -> None:
    pd = pytest.importorskip("pandas")
    touches = pd.DataFrame(
        {
            "lead_id": ["a", "a"],
            "timestamp": pd.to_datetime(["2024-03-09 02:30", "2024-03-10 01:00"]),
            "channel": ["search", "email"],
            "converted_at": pd.to_datetime(["2024-03-10 03:30", "2024-03-10 03:30"]),
            "revenue": [100.0, 100.0],
        }
    )
    _, messages = recorded(lambda: alignment.attribute(touches, lookback="1d"))
    assert len(messages) == 1 and "touchpoints.timestamp" in messages[0]
    result, messages = recorded(
        lambda: alignment.attribute(touches, lookback="1d", tz="America/New_York")
    )
    assert result.totals() == {"email": 50.0, "search": 50.0} and messages == []


# ------------------------------------------------- naive and aware across the tables of a call

NAIVE_TOUCHES = {
    "lead_id": ["a", "a"],
    "timestamp": ["2024-01-01 02:00", "2024-01-01 10:00"],
    "channel": ["x", "y"],
}
AWARE_TOUCHES = {**NAIVE_TOUCHES, "timestamp": ["2024-01-01T02:00+09:00", "2024-01-01T10:00+09:00"]}
AWARE_LEADS = {
    "lead_id": ["a"],
    "created_at": ["2024-01-01T00:00+09:00"],
    "mql_at": ["2024-01-01T12:00+09:00"],
    "assigned_at": ["2024-01-01T00:30+09:00"],
}
NAIVE_ACTIVITIES = {
    "lead_id": ["a"],
    "timestamp": ["2024-01-01 01:00"],
    "kind": ["call"],
    "outcome": ["connected"],
}
SLA_RULE = {"sales": {"first_touch": {"within": "1d"}}}
AS_OF = "2024-01-10T00:00Z"

#: one call per engine: naive instants in one table, aware ones in another
ACROSS_TABLES: dict[str, Any] = {
    "attribute, outcome of the leads": lambda **kw: alignment.attribute(
        NAIVE_TOUCHES, AWARE_LEADS, outcome="mql_at", model="linear", **kw
    ),
    "attribute, leads=": lambda **kw: alignment.attribute(
        NAIVE_TOUCHES,
        {"lead_id": ["a"], "converted_at": ["2024-01-02T12:00+09:00"], "revenue": [1.0]},
        leads=AWARE_LEADS,
        **kw,
    ),
    "score": lambda **kw: alignment.score(AWARE_LEADS, NAIVE_TOUCHES, as_of=AS_OF, **kw),
    "sla.evaluate": lambda **kw: alignment.sla.evaluate(
        SLA_RULE, AWARE_LEADS, NAIVE_ACTIVITIES, as_of=AS_OF, **kw
    ),
    "sla.speed_to_lead": lambda **kw: alignment.sla.speed_to_lead(
        AWARE_LEADS, NAIVE_ACTIVITIES, as_of=AS_OF, **kw
    ),
}


@pytest.mark.parametrize("call", ACROSS_TABLES.values(), ids=list(ACROSS_TABLES))
def test_naive_and_aware_across_the_tables_of_a_call_are_refused(call: Any) -> None:
    with pytest.raises(DataValidationError, match="naive datetimes in") as err:
        recorded(call)
    assert err.value.table in ("touchpoints", "activities")  # (the naive table)
    assert err.value.column == "timestamp"
    assert "leads.created_at" in err.value.problem
    recorded(lambda: call(tz="Asia/Tokyo"))  # naive wall times of a zone go with aware ones


def test_with_tz_naive_touches_are_read_in_the_zone_of_aware_leads() -> None:
    result, _ = recorded(
        lambda: alignment.attribute(
            NAIVE_TOUCHES, AWARE_LEADS, outcome="mql_at", model="linear", tz="Asia/Tokyo"
        )
    )
    # 02:00 and 10:00 in Tokyo are both before the 12:00 (Tokyo) MQL: credit split
    assert result.totals(measure="conversions") == {"x": 0.5, "y": 0.5}


def test_mixed_error_names_the_table_of_the_naive_column() -> None:
    naive_conversions = {"lead_id": ["a"], "converted_at": ["2024-01-02 12:00"], "revenue": [1.0]}
    for build in (
        lambda: alignment.attribute(AWARE_TOUCHES, naive_conversions),
        lambda: Journeys.build(AWARE_TOUCHES, naive_conversions),
    ):
        with pytest.raises(DataValidationError) as err:
            recorded(build)
        assert (err.value.table, err.value.column) == ("conversions", "converted_at")
        assert err.value.problem == (
            "naive datetimes in ['converted_at'] mixed with timezone-aware ones in "
            "['touchpoints.timestamp']"
        )


def test_journeys_build_refuses_naive_touches_with_aware_leads() -> None:
    with pytest.raises(DataValidationError, match=r"\['leads.created_at'") as err:
        Journeys.build(NAIVE_TOUCHES, leads=AWARE_LEADS)
    assert (err.value.table, err.value.column) == ("touchpoints", "timestamp")


def test_closed_loop_costs_fold_like_the_leads() -> None:
    leads = {
        "lead_id": ["1", "2", "3"],
        "created_at": np.array(["2024-01-01"] * 3, dtype="datetime64[us]"),
        "source": ["Paid Search", "paid search", "Email"],
    }
    costs = {"source": ["PAID_SEARCH", "email"], "cost": [90.0, 10.0]}
    report, messages = recorded(
        lambda: closed_loop(leads, costs=costs, by="source", normalize="casefold")
    )
    frame = report.to_frame(backend="dict")
    assert dict(zip(frame["source"], frame["cost"])) == {"email": 10.0, "paid search": 90.0}
    assert messages == []
    _, messages = recorded(lambda: closed_loop(leads, costs=costs, by="source"))
    assert any("leads.source: 'Paid Search' / 'paid search'" in m for m in messages)


# --------------------------------------------------------------------------------- Dask tasks


def dask_touches() -> Any:
    pd = pytest.importorskip("pandas")
    rows = []
    for i in range(12):  # each journey spans the New York spring-forward night
        lead = f"L{i}"
        rows.append(
            (lead, "2024-03-09 02:30", ["Paid Search", "paid_search", "PAID SEARCH"][i % 3])
        )
        rows.append((lead, "2024-03-10 02:15", "email"))  # in the skipped hour: 03:15 EDT
    touches = pd.DataFrame(rows, columns=["lead_id", "timestamp", "channel"])
    conversions = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(12)],
            "converted_at": "2024-03-10 03:30",
            "revenue": 10.0,
        }
    )
    return touches, conversions


@pytest.mark.parametrize("scheduler", ["sync", "threads", "processes"])
def test_dask_tasks_read_with_the_call_options(scheduler: str) -> None:
    dd = pytest.importorskip("dask.dataframe")
    import dask

    touches, conversions = dask_touches()
    options = {"lookback": "1d", "tz": "America/New_York", "normalize": "casefold"}
    want = alignment.attribute(touches, conversions, **options)
    assert want.totals() == {"email": 60.0, "paid search": 60.0}
    with dask.config.set(scheduler=scheduler):
        got, messages = recorded(
            lambda: alignment.attribute(
                dd.from_pandas(touches, npartitions=3, sort=False),
                dd.from_pandas(conversions, npartitions=2, sort=False),
                **options,
            )
        )
    assert got.totals() == pytest.approx(want.totals(), rel=1e-12)
    if scheduler != "processes":  # the notes of a task in another process stay there
        assert len(messages) == 1 and "12 in a skipped hour" in messages[0]


def test_dask_without_tz_warns_once() -> None:
    dd = pytest.importorskip("dask.dataframe")
    import dask

    touches, conversions = dask_touches()
    with dask.config.set(scheduler="threads"):
        got, messages = recorded(
            lambda: alignment.attribute(
                dd.from_pandas(touches, npartitions=3, sort=False),
                dd.from_pandas(conversions, npartitions=2, sort=False),
                lookback="1d",
                normalize="casefold",
            )
        )
    assert got.totals() == {"email": 120.0, "paid search": 0.0}
    naive = [m for m in messages if "naive instants" in m]
    assert len(naive) == 1 and "touchpoints.timestamp" in naive[0]


LAYOUTS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S.{f}Z",
    "%Y-%m-%dT%H:%M:%S{z}",
    "%m/%d/%Y %I:%M %p",
    "%d.%m.%Y %H:%M",
    " %Y-%m-%d %H:%M ",
]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31)),
            st.sampled_from(LAYOUTS),
            st.integers(0, 999_999),
            st.sampled_from(["+05:30", "-0800", "Z", "+00:00", "+24:00"]),
        ),
        min_size=40,
        max_size=120,
    ),
    st.lists(st.sampled_from(["2024-02-30 10:00", "2024-13-01 10:00", "2024-01-01 24:00"])),
)
def test_many_strings_read_like_each_one_alone(rows: list[Any], bad: list[str]) -> None:
    """Layouts shared by many strings are read column-wise: the same as one string at a time."""
    texts = [
        w.strftime(layout.replace("{f}", f"{frac:06d}"[: 1 + frac % 6]).replace("{z}", z))
        for w, layout, frac, z in rows
    ] + bad * 20
    alone: list[Any] = []
    for text in texts:
        try:
            alone.append(read_instants(obj(text), column="t", dayfirst=False, tz="UTC").times[0])
        except DataValidationError:
            alone.append(None)
    refused = [i for i, a in enumerate(alone) if a is None]
    if refused:
        with pytest.raises(DataValidationError) as err:
            read_instants(obj(*texts), column="t", dayfirst=False, tz="UTC")
        assert err.value.n_rows == len(refused) and err.value.rows == refused[:5]
    else:
        many = read_instants(obj(*texts), column="t", dayfirst=False, tz="UTC")
        assert many.times.tolist() == [a.astype(object) for a in alone]


def test_many_bad_strings_refused_like_one() -> None:
    texts = ["2024-01-01 10:00"] * 5 + ["2024-02-30 10:00", "2024-13-01 10:00"] * 20
    distinct = [f"2024-01-{d:02d} 10:00" for d in range(1, 29)] + texts
    with pytest.raises(DataValidationError) as err:
        as_utc_datetime64(obj(*distinct), column="t")
    assert err.value.n_rows == 40 and err.value.rows == [33, 34, 35, 36, 37]


# -- instants finer than a microsecond -------------------------------------------------------


def _ns(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[ns]")


def test_instants_cut_to_microseconds_are_named_with_their_count() -> None:
    """Nanosecond instants are stored as microseconds: those with a part below a microsecond
    are counted and named per column (touches 100 ns and 200 ns apart become a tie)."""
    tp = {
        "lead_id": ["a", "a", "a"],
        "timestamp": _ns("2024-03-01T00:00:00.000000100", "2024-03-01T00:00:00.000000200", "NaT"),
        "channel": ["email", "seo", "seo"],
    }
    tp["timestamp"][2] = np.datetime64("2024-02-01T00:00:00.000001", "ns")
    cv = {"lead_id": ["a"], "converted_at": _ns("2024-03-01T00:00:01.000000900"), "revenue": [1.0]}
    with pytest.warns(alignment.AlignmentWarning, match="finer than a microsecond") as got:
        alignment.attribute(tp, cv, model="linear")
    (text,) = [str(w.message) for w in got if "finer than" in str(w.message)]
    assert (
        "touchpoints.timestamp (2 values)" in text and "conversions.converted_at (1 values)" in text
    )


@pytest.mark.parametrize("backend", ["pandas", "pandas naive", "polars", "pyarrow"])
def test_frame_instants_cut_to_microseconds_are_named_with_their_count(backend: str) -> None:
    """A frame's nanosecond column (zoned or not) is cut where it is read: the same warning."""
    pd = pytest.importorskip("pandas")
    ns = [
        "2024-03-01T00:00:00.000000900",
        "2024-03-01T00:00:00.000000100",
        "2024-03-02T00:00:00.000000000",
    ]
    times = pd.to_datetime(ns, utc=backend != "pandas naive")
    tp: Any = pd.DataFrame({"lead_id": ["a", "a", "a"], "timestamp": times})
    tp["channel"] = ["late", "early", "seo"]
    if backend == "polars":
        tp = pytest.importorskip("polars").from_pandas(tp)
    elif backend == "pyarrow":
        tp = pytest.importorskip("pyarrow").Table.from_pandas(tp, preserve_index=False)
    zone = "" if backend == "pandas naive" else "Z"
    cv = {"lead_id": ["a"], "converted_at": [f"2024-03-05T00:00{zone}"], "revenue": [1.0]}
    with pytest.warns(alignment.AlignmentWarning, match="finer than a microsecond") as got:
        alignment.attribute(tp, cv, model="linear")
    (text,) = [str(w.message) for w in got if "finer than" in str(w.message)]
    assert "touchpoints.timestamp (2 values)" in text and "converted_at" not in text


def test_whole_microseconds_in_nanoseconds_are_read_without_a_word() -> None:
    tp = {"lead_id": ["a"], "timestamp": _ns("2024-03-01T00:00:00.000001", "NaT")[:1]}
    tp["channel"] = ["email"]
    cv = {"lead_id": ["a"], "converted_at": _ns("2024-03-02"), "revenue": [1.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert alignment.attribute(tp, cv, model="linear").totals() == {"email": 1.0}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-(2**62), 2**62)), max_size=40))
def test_the_count_of_instants_cut_matches_a_plain_count(ticks: list[int | None]) -> None:
    import alignment._options as T

    arr = np.array([np.datetime64("NaT") if t is None else t for t in ticks], dtype="M8[ns]")
    want = sum(1 for t in ticks if t is not None and t % 1000 != 0)
    before = arr.copy()
    old = T._CHUNK
    try:
        T._CHUNK = 7  # (chunks of 7 values: their edges crossed)
        assert T.finer_than_us(arr) == want
    finally:
        T._CHUNK = old
    assert T.finer_than_us(arr.astype("M8[us]")) == 0
    assert np.array_equal(arr, before, equal_nan=True)
