"""Planning inputs: a number is a Python/numpy int or float (never a bool, never text), or an
array of them; flags are bools; a result that overflows a float is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment import ParameterError
from alignment import funnel as fn

BIG = 10**400

#: (call, the parameter its message must name, the bad value as the message shows it)
REFUSED: list[tuple[str, Callable[[], Any], str, str]] = [
    ("rate True", lambda: fn.plan(100_000, 1_000, {"lead": True}), "rate of stage 'lead'", "True"),
    (
        "rate text",
        lambda: fn.plan(100_000, 1_000, {"lead": "0.04"}),
        "rate of stage 'lead'",
        "'0.04'",
    ),
    ("target text", lambda: fn.plan("100", 1_000, {"lead": 0.04}), "revenue_target", "'100'"),
    ("target bool", lambda: fn.plan(True, 1_000, {"lead": 0.04}), "revenue_target", "True"),
    (
        "periods bools",
        lambda: fn.plan(1e5, 1e3, {"lead": 0.04}, periods=[True, False]),
        "periods",
        "[True, False]",
    ),
    ("forward bool", lambda: fn.forward(True, {"a": 0.5}), "volume", "True"),
    ("forward text", lambda: fn.forward("10", {"a": 0.5}), "volume", "'10'"),
    ("velocity bools", lambda: fn.sales_velocity(True, True, True, True), "opportunities", "True"),
    (
        "velocity text",
        lambda: fn.sales_velocity("18", "42000", "0.24", "78"),
        "opportunities",
        "'18'",
    ),
    (
        "velocity np.bool_",
        lambda: fn.sales_velocity(18, 42_000, np.bool_(True), 78),
        "win_rate",
        "True",
    ),
    ("rep_plan quota", lambda: fn.rep_plan(True, 1, {"lead": 0.5}), "quota", "True"),
    ("sensitivity volume", lambda: fn.sensitivity({"a": 0.5}, volume=True), "volume", "True"),
    (
        "bool array",
        lambda: fn.plan(np.array([True, False]), 1_000, {"lead": 0.04}),
        "revenue_target",
        "True",
    ),
    (
        "text array",
        lambda: fn.plan(np.array(["1", "2"]), 1_000, {"lead": 0.04}),
        "revenue_target",
        "'1'",
    ),
    ("mixed list", lambda: fn.plan([100_000, "2"], 1_000, {"lead": 0.04}), "revenue_target", "'2'"),
    (
        "list with a bool",
        lambda: fn.plan([100_000, True], 1_000, {"lead": 0.04}),
        "revenue_target",
        "True",
    ),
    ("None", lambda: fn.plan(None, 1_000, {"lead": 0.04}), "revenue_target", "None"),
]


@pytest.mark.parametrize(("label", "call", "name", "shown"), REFUSED, ids=[r[0] for r in REFUSED])
def test_bools_and_text_are_not_numbers(
    label: str, call: Callable[[], Any], name: str, shown: str
) -> None:
    with pytest.raises(ParameterError, match="must be a number or an array of numbers") as info:
        call()
    assert name in str(info.value)
    assert shown in str(info.value)


def test_numeric_arrays_still_plan_scenarios() -> None:
    p = fn.plan(np.array([1e5, 2e5]), [1000, 2000], {"lead": (0.04, 0.05)})
    assert list(p.required["lead"]) == [2500.0, 2000.0]
    q = fn.plan(np.float32(1e5), np.int8(100), {"lead": np.float64(0.04)}, periods=[1, 2])
    assert q.required["lead"] == 25_000.0
    u = fn.plan(1e5, np.array([1000, 2000], dtype=np.uint64), {"lead": 0.04})
    assert list(u.required["lead"]) == [2500.0, 1250.0]
    nested = fn.sales_velocity([[18, 20]], 42_000, [[0.24], [0.5]], 78)
    assert nested.shape == (2, 2)


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.booleans(), st.text(), st.lists(st.booleans(), min_size=1, max_size=3)))
def test_no_bool_or_text_value_is_read_as_a_number(value: Any) -> None:
    for call in (
        lambda: fn.plan(value, 1_000, {"lead": 0.04}),
        lambda: fn.plan(100_000, value, {"lead": 0.04}),
        lambda: fn.plan(100_000, 1_000, {"lead": value}),
        lambda: fn.forward(value, {"a": 0.5}),
        lambda: fn.sales_velocity(18, 42_000, 0.24, value),
    ):
        with pytest.raises(ParameterError):
            call()


def test_integer_too_large_for_a_float() -> None:
    with pytest.raises(ParameterError, match=r"revenue_target.*too large for a float"):
        fn.plan(BIG, 1, {"lead": 0.5})
    with pytest.raises(ParameterError, match=r"volume.*too large for a float"):
        fn.forward([1, BIG], {"a": 0.5})


@pytest.mark.parametrize(
    ("call", "what"),
    [
        (lambda: fn.plan(1e5, 1e-320, {"lead": 0.5}), "number of customers"),
        (lambda: fn.plan(1e300, 1, {"lead": 1e-10}), "volume required at stage 'lead'"),
        (lambda: fn.forward(1e300, {"a": 1.0}, average_deal_size=1e300), "revenue"),
        (lambda: fn.sales_velocity(1e300, 1e300, 1, 1), "sales velocity"),
    ],
)
def test_overflow_to_infinity_is_refused(call: Callable[[], Any], what: str) -> None:
    with pytest.raises(ParameterError, match="overflows a float") as info:
        call()
    assert what in str(info.value)
    assert "inf" in str(info.value)


@pytest.mark.parametrize("flag", ["no", "false", "", 0, 1, None])
def test_sensitivity_relative_must_be_a_bool(flag: Any) -> None:
    with pytest.raises(ParameterError, match="relative must be True or False") as info:
        fn.sensitivity({"a": 0.5}, volume=10, relative=flag)
    assert repr(flag) in str(info.value)


def test_sensitivity_relative_bools() -> None:
    absolute = fn.sensitivity({"a": 0.5}, volume=10, relative=False)
    relative = fn.sensitivity({"a": 0.5}, volume=10, relative=np.bool_(True))
    assert absolute.to_frame(backend="dict")["improved_rate"][0] == pytest.approx(0.51)
    assert relative.to_frame(backend="dict")["improved_rate"][0] == pytest.approx(0.505)


def test_decimals_are_read_as_their_nearest_float() -> None:
    from decimal import Decimal

    plain = fn.plan(100_000, 1_000, {"lead": 0.1, "deal": 0.5})
    exact = fn.plan(Decimal("100000"), Decimal("1000.0"), {"lead": Decimal("0.1"), "deal": 0.5})
    assert exact.required == plain.required
    scenarios = fn.plan([Decimal("1e5"), 2e5], 1_000, {"lead": 0.1})
    assert scenarios.required["lead"].tolist() == [1000.0, 2000.0]
    for bad in (Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity")):
        with pytest.raises(ParameterError, match="revenue_target must be finite and positive"):
            fn.plan(bad, 1_000, {"lead": 0.1})


@pytest.mark.parametrize(
    "value",
    [
        np.timedelta64(78, "D"),
        np.datetime64("2024-03-19", "ns") - np.datetime64("2024-01-01", "ns"),  # (ns ticks)
        np.datetime64("2024-03-19"),
        [np.timedelta64(78, "D")],
        np.array([78], dtype="m8[D]"),
    ],
)
def test_numpy_durations_and_instants_are_not_numbers(value: Any) -> None:
    # numpy counts timedelta64 among its integers: its tick count is no number of days
    with pytest.raises(ParameterError, match="a duration or a date is not a number") as info:
        fn.sales_velocity(18, 42_000, 0.24, value)
    assert "cycle_days" in str(info.value)
    with pytest.raises(ParameterError, match="average_deal_size"):
        fn.plan(100_000, value, {"lead": 0.04})


def test_a_duration_converted_to_days_is_read() -> None:
    cycle = np.datetime64("2024-03-19", "ns") - np.datetime64("2024-01-01", "ns")
    days = cycle / np.timedelta64(1, "D")
    assert fn.sales_velocity(18, 42_000, 0.24, days) == pytest.approx(18 * 42_000 * 0.24 / 78)
