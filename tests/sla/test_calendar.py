"""BusinessCalendar: worked examples, DST, validation, and the plain-Python twin."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sla_twin import add_us, elapsed_us

from alignment.errors import ParameterError
from alignment.sla import BusinessCalendar

UTC = dt.timezone.utc
H = 3_600_000_000  # one hour in µs


def t(s: str) -> np.ndarray:
    return np.array([s], dtype="datetime64[us]")


def us(x: np.ndarray) -> int:
    return int(np.asarray(x).astype("timedelta64[us]").astype(np.int64)[0])


# --------------------------------------------------------------------------- worked examples


def test_friday_to_monday_is_one_hour() -> None:
    cal = BusinessCalendar()
    out = cal.elapsed(["2024-03-01T16:30:00Z"], ["2024-03-04T09:30:00Z"])
    assert out.dtype == np.dtype("timedelta64[s]")
    assert out.tolist() == [dt.timedelta(hours=1)]


def test_default_calendar_description() -> None:
    cal = BusinessCalendar()
    assert cal.hours == {d: ["09:00:00-17:00:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    assert cal.day_length == np.timedelta64(8, "h")
    assert cal.week_length == np.timedelta64(40, "h")
    assert cal.tz == "UTC"


def test_accepts_many_instant_forms() -> None:
    cal = BusinessCalendar()
    a = dt.datetime(2024, 3, 1, 17, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))  # 16:30 UTC
    b = np.datetime64("2024-03-04T09:30")
    assert cal.elapsed([a], [b]).astype(np.int64).tolist() == [3600]


def test_add_examples() -> None:
    cal = BusinessCalendar()
    # Friday 16:30 + 1 business hour = Monday 09:30
    assert cal.add(t("2024-03-01T16:30"), "1h")[0] == np.datetime64("2024-03-04T09:30")
    # a deadline at the end of a window stays there
    assert cal.add(t("2024-03-01T16:00"), "1h")[0] == np.datetime64("2024-03-01T17:00")
    # one business day from Friday evening = Monday 17:00
    assert cal.add(t("2024-03-01T18:00"), "1d")[0] == np.datetime64("2024-03-04T17:00")
    # 5 business days from Monday 09:00 = Friday 17:00
    assert cal.add(t("2024-03-04T09:00"), "5d")[0] == np.datetime64("2024-03-08T17:00")
    # zero is the start itself, even outside working hours
    assert cal.add(t("2024-03-02T12:00"), np.timedelta64(0, "s"))[0] == np.datetime64(
        "2024-03-02T12:00"
    )


def test_business_duration_units() -> None:
    cal = BusinessCalendar(hours={"mon": "09:00-12:00", "tue": "09:00-12:00"})
    assert cal.day_length == np.timedelta64(3, "h")
    assert cal.business_duration("2d") == np.timedelta64(6, "h")
    assert cal.business_duration("1w") == np.timedelta64(6, "h")
    assert cal.business_duration("1d30m") == np.timedelta64(210, "m")
    assert cal.business_duration(dt.timedelta(days=1)) == np.timedelta64(24, "h")


def test_holidays_and_several_intervals() -> None:
    cal = BusinessCalendar(
        hours={"mon": ["09:00-12:00", "13:00-17:00"], "tue": ("08:00", "10:00")},
        holidays=["2024-03-05"],
    )
    # Monday 11:00 → Tuesday 09:00 (a holiday) = 1 h + 4 h = 5 h
    assert cal.elapsed(t("2024-03-04T11:00"), t("2024-03-05T09:00"))[0] == np.timedelta64(5, "h")
    # the lunch break does not count
    assert cal.elapsed(t("2024-03-04T11:30"), t("2024-03-04T13:30"))[0] == np.timedelta64(1, "h")
    assert cal.is_working(t("2024-03-04T12:30")).tolist() == [False]
    assert cal.is_working(t("2024-03-04T13:30")).tolist() == [True]


def test_nat_and_negative() -> None:
    cal = BusinessCalendar()
    a = np.array(["2024-03-04T10:00", "NaT"], dtype="datetime64[us]")
    b = np.array(["2024-03-04T09:00", "2024-03-04T09:00"], dtype="datetime64[us]")
    out = cal.elapsed(a, b)
    assert out[0] == np.timedelta64(-1, "h")
    assert np.isnat(out[1])
    assert np.isnat(cal.add(a, "1h")[1])


def test_empty_arrays() -> None:
    cal = BusinessCalendar()
    e = np.empty(0, dtype="datetime64[us]")
    assert cal.elapsed(e, e).shape == (0,)
    assert cal.add(e, "1h").shape == (0,)


# --------------------------------------------------------------------------- DST


def test_paris_spring_forward_window_is_shorter() -> None:
    cal = BusinessCalendar(hours={"sun": "00:00-04:00"}, tz="Europe/Paris")
    # 2024-03-31: clocks jump from 02:00 to 03:00 → the window lasts 3 real hours
    out = cal.elapsed(t("2024-03-30T12:00"), t("2024-03-31T12:00"), unit="us")
    assert out[0] == np.timedelta64(3, "h")
    ws, we = cal.windows("2024-03-30T12:00", "2024-03-31T12:00")
    assert ws.tolist() == [dt.datetime(2024, 3, 30, 23)]  # 00:00 CET
    assert we.tolist() == [dt.datetime(2024, 3, 31, 2)]  # 04:00 CEST


def test_paris_fall_back_window_is_longer() -> None:
    cal = BusinessCalendar(hours={"sun": "00:00-04:00"}, tz="Europe/Paris")
    out = cal.elapsed(t("2024-10-26T12:00"), t("2024-10-27T12:00"), unit="us")
    assert out[0] == np.timedelta64(5, "h")


def test_new_york_hours_follow_local_time() -> None:
    cal = BusinessCalendar(tz="America/New_York")
    # 09:00 New York is 14:00 UTC in winter, 13:00 UTC after 2024-03-10
    assert cal.is_working(t("2024-03-08T14:30")).tolist() == [True]
    assert cal.is_working(t("2024-03-08T13:30")).tolist() == [False]
    assert cal.is_working(t("2024-03-11T13:30")).tolist() == [True]
    # Friday 16:30 → Monday 09:30 local across the change is still one hour
    assert cal.elapsed(t("2024-03-08T21:30"), t("2024-03-11T13:30"))[0] == np.timedelta64(1, "h")


def test_local_conversions() -> None:
    cal = BusinessCalendar(tz="Europe/Paris")
    loc = cal.to_local(t("2024-07-01T10:00"))
    assert loc[0] == np.datetime64("2024-07-01T12:00")
    assert cal.local_dates(t("2024-07-01T22:30"))[0] == np.datetime64("2024-07-02")
    back = cal.from_local(
        np.array(["2024-03-31T02:30", "2024-10-27T02:30"], dtype="datetime64[us]")
    )
    assert back.tolist() == [dt.datetime(2024, 3, 31, 1), dt.datetime(2024, 10, 27, 0, 30)]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"hours": {"mon": "17:00-09:00"}}, "ends before"),
        ({"hours": {"mon": ["09:00-12:00", "11:00-13:00"]}}, "overlap"),
        ({"hours": {"funday": "09:00-10:00"}}, "unknown weekday"),
        ({"hours": {"mon": "9h-10h"}}, "time of day"),
        ({"hours": {"mon": "25:00-26:00"}}, "time of day"),
        ({"hours": {}}, "no working hours"),
        ({"hours": 5}, "hours must be"),
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"holidays": ["not a date"]}, "holiday"),
        (
            {
                "hours": {"mon": (dt.time(9, tzinfo=dt.timezone.utc), dt.time(17))},
                "tz": "Europe/Paris",
            },
            "wall-clock times of the calendar's tz; pass naive times",
        ),
        (
            {"hours": {"mon": [(dt.time(9), dt.time(17, tzinfo=dt.timezone.utc))]}},
            "hours\\['mon'\\].*has a time zone",
        ),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        BusinessCalendar(**kwargs)  # type: ignore[arg-type]


def test_add_refuses_negative_durations() -> None:
    cal = BusinessCalendar()
    with pytest.raises(ParameterError):
        cal.add(t("2024-03-04T09:00"), np.array([-1], dtype="timedelta64[s]"))
    with pytest.raises(ParameterError):
        cal.add(t("2024-03-04T09:00"), "-1h")


def test_a_zone_refuses_instants_beyond_the_datetime_range() -> None:
    paris = BusinessCalendar(tz="Europe/Paris")
    with pytest.raises(ParameterError, match="before the year 1"):
        paris.elapsed(["0001-01-01T00:00Z"], ["2024-01-10T00:00Z"])
    with pytest.raises(ParameterError, match="past the year 9999"):
        paris.add(["9999-12-30T00:00Z"], "1d")
    with pytest.raises(ParameterError, match="stand for a missing value"):
        paris.to_local(["9999-12-31T23:00Z"])
    # UTC has no zone to place them in: 0001-01-01 is a Monday, 8 working hours
    utc = BusinessCalendar()
    assert utc.elapsed(["0001-01-01T00:00Z"], ["0001-01-02T00:00Z"])[0] == np.timedelta64(8, "h")
    # inside the range it is placed: Paris mean time then (UTC+00:09:21), Monday 09:00 local
    # is 08:50:39 UTC, so 08:00-10:00 UTC holds 1 h 9 min 21 s of work
    early = paris.elapsed(["0002-01-07T08:00Z"], ["0002-01-07T10:00Z"])
    assert early[0] == np.timedelta64(3600 + 9 * 60 + 21, "s")


def test_equality_and_repr() -> None:
    assert BusinessCalendar() == BusinessCalendar(hours="09:00-17:00")
    assert BusinessCalendar() != BusinessCalendar(tz="Europe/Paris")
    assert "UTC" in repr(BusinessCalendar())


# --------------------------------------------------------------------------- twin & properties

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]
BASE = dt.datetime(2024, 3, 1, tzinfo=UTC)
SPAN_US = 280 * 86_400 * 1_000_000  # March → early December 2024: every DST change of ZONES


@st.composite
def calendars(draw: st.DrawFn) -> tuple[list[list[tuple[int, int]]], set[dt.date], str]:
    week: list[list[tuple[int, int]]] = []
    for _ in range(7):
        n = draw(st.integers(0, 2))
        cuts = sorted(
            draw(st.lists(st.integers(0, 48), min_size=2 * n, max_size=2 * n, unique=True))
        )
        week.append(
            [(cuts[2 * i] * 1800 * 10**6, cuts[2 * i + 1] * 1800 * 10**6) for i in range(n)]
        )
    if not any(week):
        week[0] = [(9 * H, 17 * H)]
    holidays = set(
        draw(st.lists(st.dates(dt.date(2024, 3, 1), dt.date(2024, 12, 31)), max_size=20))
    )
    tz = draw(st.sampled_from(ZONES))
    return week, holidays, tz


def make(spec: tuple[list[list[tuple[int, int]]], set[dt.date], str]) -> BusinessCalendar:
    week, holidays, tz = spec

    def hhmm(x: int) -> str:
        s = x // 10**6
        return f"{s // 3600:02d}:{s // 60 % 60:02d}"

    hours = {d: [f"{hhmm(s)}-{hhmm(e)}" for s, e in ivs] for d, ivs in enumerate(week) if ivs}
    return BusinessCalendar(hours=hours, holidays=sorted(holidays), tz=tz)


instants = st.integers(0, SPAN_US).map(lambda x: BASE + dt.timedelta(microseconds=x))


def to64(xs: list[dt.datetime]) -> np.ndarray:
    return np.array([x.replace(tzinfo=None) for x in xs], dtype="datetime64[us]")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=calendars(),
    a=st.lists(instants, min_size=1, max_size=4),
    gap=st.integers(0, 20 * 86_400 * 10**6),
)
def test_elapsed_matches_twin(spec, a, gap) -> None:  # type: ignore[no-untyped-def]
    cal = make(spec)
    week, holidays, tz = spec
    b = [x + dt.timedelta(microseconds=gap) for x in a]
    got = cal.elapsed(to64(a), to64(b), unit="us").astype(np.int64).tolist()
    want = [elapsed_us(week, holidays, tz, x, y) for x, y in zip(a, b)]
    assert got == want
    # business time <= wall time, and 0 <= it
    assert all(0 <= g <= gap for g in got)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=calendars(), a=instants, d=st.integers(0, 60 * H))
def test_add_matches_twin_and_round_trips(spec, a, d) -> None:  # type: ignore[no-untyped-def]
    cal = make(spec)
    week, holidays, tz = spec
    got = cal.add(to64([a]), np.array([d], dtype="timedelta64[us]"))
    want = add_us(week, holidays, tz, a, d)
    assert got[0] == np.datetime64(want.replace(tzinfo=None), "us")
    assert us(cal.elapsed(to64([a]), got, unit="us")) == d


@settings(max_examples=50, deadline=None)
@given(spec=calendars(), xs=st.lists(instants, min_size=3, max_size=3))
def test_additive_over_consecutive_intervals(spec, xs) -> None:  # type: ignore[no-untyped-def]
    cal = make(spec)
    a, b, c = to64(sorted(xs))
    ab = us(cal.elapsed([a], [b], unit="us"))
    bc = us(cal.elapsed([b], [c], unit="us"))
    ac = us(cal.elapsed([a], [c], unit="us"))
    assert ab + bc == ac
    assert ac <= int((c - a).astype(np.int64))


def test_vectorised_on_many_rows_matches_twin_sample() -> None:
    rng = np.random.default_rng(7)
    spec = (
        [[(9 * H, 12 * H), (13 * H, 18 * H)]] * 5 + [[], [(0, 4 * H)]],
        {dt.date(2024, 5, 1)},
        "Europe/Paris",
    )
    cal = make(spec)
    a = np.datetime64("2024-03-01") + rng.integers(0, SPAN_US, 2000).astype("timedelta64[us]")
    b = a + rng.integers(0, 30 * 86_400 * 10**6, 2000).astype("timedelta64[us]")
    got = cal.elapsed(a, b, unit="us").astype(np.int64)
    for i in range(0, 2000, 97):
        x = a[i].astype(dt.datetime).replace(tzinfo=UTC)
        y = b[i].astype(dt.datetime).replace(tzinfo=UTC)
        assert got[i] == elapsed_us(spec[0], spec[1], spec[2], x, y)


@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris", "Asia/Kathmandu", "America/New_York"])
def test_count_by_local_day_matches_zoneinfo(tz: str) -> None:
    from zoneinfo import ZoneInfo

    cal = BusinessCalendar(tz=tz)
    rng = np.random.default_rng(5)
    t = np.datetime64("2024-03-01") + rng.integers(0, SPAN_US, 3000).astype("timedelta64[us]")
    first = int(np.datetime64("2024-03-05", "D").astype(np.int64))
    n_days = 200
    got = cal._count_by_local_day(t.view(np.int64), first, n_days)
    zone = ZoneInfo(tz)
    want = np.zeros(n_days, dtype=np.int64)
    for x in t.tolist():  # plain Python, one instant at a time
        d = x.replace(tzinfo=UTC).astimezone(zone).date()
        i = (d - dt.date(2024, 3, 5)).days
        if 0 <= i < n_days:
            want[i] += 1
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(
        cal.local_dates(t),
        np.array(
            [x.replace(tzinfo=UTC).astimezone(zone).date() for x in t.tolist()],
            dtype="datetime64[D]",
        ),
    )


def test_window_edges_inside_dst_gap_and_fold_match_twin() -> None:
    cal = BusinessCalendar(hours={"sun": "02:30-05:00"}, tz="Europe/Paris")
    week: list[list[tuple[int, int]]] = [[] for _ in range(6)] + [[(int(2.5 * H), 5 * H)]]
    # spring: 02:30 does not exist → the window opens when the clocks jump (01:00 UTC)
    spring = cal.elapsed(t("2024-03-30T12:00"), t("2024-03-31T12:00"), unit="us")[0]
    assert spring == np.timedelta64(2, "h")
    # autumn: 02:30 happens twice → its first occurrence (00:30 UTC) to 05:00 CET (04:00 UTC)
    autumn = cal.elapsed(t("2024-10-26T12:00"), t("2024-10-27T12:00"), unit="us")[0]
    assert autumn == np.timedelta64(210, "m")
    for a, b in (
        ("2024-03-30T12:00", "2024-03-31T12:00"),
        ("2024-10-26T12:00", "2024-10-27T12:00"),
    ):
        x = dt.datetime.fromisoformat(a).replace(tzinfo=UTC)
        y = dt.datetime.fromisoformat(b).replace(tzinfo=UTC)
        assert us(cal.elapsed(t(a), t(b), unit="us")) == elapsed_us(
            week, set(), "Europe/Paris", x, y
        )
