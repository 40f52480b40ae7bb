"""Strict parsing of exported values (``alignment._parse``): flags, money, category spellings.

Every accepted form, and for every refused form the typed error naming the column, the rows,
a bad value and the fix; inputs are never changed; results do not depend on the row order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alignment._parse import (
    category_variants,
    fold_categories,
    fold_key,
    parse_bool,
    parse_money,
)
from alignment.errors import DataValidationError, ParameterError


def obj(*values: Any) -> np.ndarray:
    return np.array(values, dtype=object)


# ------------------------------------------------------------------------------------ flags


@pytest.mark.parametrize(
    "values,expected",
    [
        (np.array([True, False]), [True, False]),
        (np.array([1, 0]), [True, False]),
        (np.array([1.0, 0.0]), [True, False]),
        (obj("true", "FALSE", " Yes ", "no", "1", "0"), [True, False, True, False, True, False]),
        (obj(True, 0, "false", np.bool_(True), np.int64(1)), [True, False, False, True, True]),
        (np.array(["TRUE", "no"]), [True, False]),  # numpy strings
    ],
)
def test_flags_accepted(values: np.ndarray, expected: list[bool]) -> None:
    out = parse_bool(values, column="won")
    assert out.dtype == bool and out.tolist() == expected


@pytest.mark.parametrize(
    "values,rows,bad",
    [
        (obj("true", "Closed Lost", "no", "Closed Lost"), [1, 3], "Closed Lost"),
        (obj("y", "n"), [0, 1], "y"),
        (np.array([0, 2, 1, -1]), [1, 3], 2),
        (obj("true", 0.5), [1], 0.5),
        (obj("true", ""), [1], ""),
    ],
)
def test_flags_refused(values: np.ndarray, rows: list[int], bad: Any) -> None:
    with pytest.raises(DataValidationError) as err:
        parse_bool(values, column="won", table="deals")
    e = err.value
    assert (e.table, e.column, e.rows, e.value) == ("deals", "won", rows, bad)
    assert e.problem == "not a yes/no value" and "true/false" in (e.fix or "")


def test_flags_missing() -> None:
    values = obj("yes", None, float("nan"))
    with pytest.raises(DataValidationError, match="missing value") as err:
        parse_bool(values, column="won", fix="pass won_stages=")
    assert err.value.rows == [1, 2] and err.value.fix == "pass won_stages="
    assert parse_bool(values, column="won", missing=False).tolist() == [True, False, False]
    assert parse_bool(values, column="won", missing=True).tolist() == [True, True, True]


def test_flags_return_a_new_array() -> None:
    values = np.array([True, False])
    values.setflags(write=False)
    out = parse_bool(values, column="won")
    assert out is not values and out.flags.writeable and not values.flags.writeable


# ------------------------------------------------------------------------------------ money


@pytest.mark.parametrize(
    "text,decimal,amount,currency",
    [
        ("12500", ".", 12500.0, None),
        ("12,500.00", ".", 12500.0, None),
        ("$3,150.00", ".", 3150.0, "$"),
        ("3,150.00 $", ".", 3150.0, "$"),
        ("EUR 1.200,50", ",", 1200.5, "EUR"),
        ("3.150,00 EUR", ",", 3150.0, "EUR"),
        ("€1.234.567,89", ",", 1234567.89, "EUR"),
        ("£12.5", ".", 12.5, "GBP"),
        ("¥1,000", ".", 1000.0, "JPY"),
        ("₹ 99", ".", 99.0, "INR"),
        ("CHF 1'234.50", ".", 1234.5, "CHF"),
        ("12 500,00", ",", 12500.0, None),
        ("12\u00a0500.00", ".", 12500.0, None),
        ("(250.00)", ".", -250.0, None),
        ("($250.00)", ".", -250.0, "$"),
        ("-$5", ".", -5.0, "$"),
        ("$-5", ".", -5.0, "$"),
        ("+5", ".", 5.0, None),
        (".5", ".", 0.5, None),
        (",5", ",", 0.5, None),
        ("  7.  ", ".", 7.0, None),
    ],
)
def test_money_accepted(text: str, decimal: str, amount: float, currency: str | None) -> None:
    out, cur = parse_money(obj(text), column="amount", decimal=decimal)
    assert out.tolist() == [pytest.approx(amount)]
    assert cur == currency


def test_numbers_pass_through() -> None:
    out, cur = parse_money(np.array([1, 2, 3]), column="amount")
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0, 3.0] and cur is None
    mixed, _ = parse_money(obj(5, 2.5, "$1,000"), column="amount")
    assert mixed.tolist() == [5.0, 2.5, 1000.0]


@pytest.mark.parametrize(
    "text,decimal",
    [
        ("12,50", "."),  # a comma that groups nothing: a decimal comma in a '.' export
        ("1,2345", "."),
        ("12.50", ","),
        ("1,234.56", ","),
        ("$", "."),
        ("$5 USD", "."),  # a currency on both sides
        ("-+5", "."),
        ("(5", "."),
        ("5)", "."),
        ("five", "."),
        ("1.2.3", "."),
        ("12,5,00", "."),
    ],
)
def test_money_refused(text: str, decimal: str) -> None:
    values = obj("10", text, "20", text)
    with pytest.raises(DataValidationError) as err:
        parse_money(values, column="amount", table="deals", decimal=decimal)
    e = err.value
    assert (e.table, e.column, e.rows, e.value) == ("deals", "amount", [1, 3], text)
    assert "not an amount" in e.problem and "decimal=" in (e.fix or "")


def test_booleans_are_not_amounts() -> None:
    with pytest.raises(DataValidationError) as err:
        parse_money(obj(1.0, True), column="amount")
    assert err.value.rows == [1]


def test_several_currencies_need_rates() -> None:
    values = obj("$100", "€50", "$25", "EUR 10")
    with pytest.raises(
        DataValidationError, match=r"several currencies in one column \(\$, EUR\)"
    ) as err:
        parse_money(values, column="amount")
    assert err.value.rows == [1, 3] and "rates=" in (err.value.fix or "")
    out, cur = parse_money(values, column="amount", rates={"$": 1.0, "EUR": 1.1})
    assert out.tolist() == pytest.approx([100.0, 55.0, 25.0, 11.0]) and cur is None
    with pytest.raises(DataValidationError, match="currency not in rates") as err:
        parse_money(values, column="amount", rates={"$": 1.0})
    assert err.value.rows == [1, 3]


def test_money_missing() -> None:
    values = obj("$5", None, float("nan"))
    with pytest.raises(DataValidationError, match="missing amount") as err:
        parse_money(values, column="amount")
    assert err.value.rows == [1, 2]
    out, _ = parse_money(values, column="amount", allow_missing=True)
    assert out[0] == 5.0 and np.isnan(out[1:]).all()
    with pytest.raises(DataValidationError, match="missing amount"):
        parse_money(np.array([1.0, np.nan]), column="amount")


def test_decimal_must_be_a_mark() -> None:
    with pytest.raises(ParameterError, match="decimal"):
        parse_money(obj("5"), column="amount", decimal=";")


def test_money_does_not_change_its_input() -> None:
    values = obj("$1,000", "(5)")
    values.setflags(write=False)
    numbers = np.array([1.0, 2.0])
    out, _ = parse_money(values, column="amount")
    same, _ = parse_money(numbers, column="amount")
    assert values.tolist() == ["$1,000", "(5)"] and not values.flags.writeable
    assert same is not numbers and out.tolist() == [1000.0, -5.0]


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.sampled_from([".", ","]),
    st.sampled_from(["", "$", "EUR "]),
    st.booleans(),
)
def test_formatted_floats_round_trip(x: float, decimal: str, prefix: str, accounting: bool) -> None:
    text = f"{abs(x):,.2f}"
    if decimal == ",":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    text = prefix + text
    if x < 0:
        text = f"({text})" if accounting else "-" + text
    out, _ = parse_money(obj(text), column="amount", decimal=decimal)
    assert out[0] == pytest.approx(round(x, 2), abs=1e-6)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.sampled_from(["$1,000.50", "(20)", "7", "0.25", None]), min_size=1, max_size=25),
    st.randoms(use_true_random=False),
)
def test_row_order_invariance(values: list[Any], rnd: Any) -> None:
    order = list(range(len(values)))
    rnd.shuffle(order)
    arr = obj(*values)
    a, _ = parse_money(arr, column="amount", allow_missing=True)
    b, _ = parse_money(arr[order], column="amount", allow_missing=True)
    np.testing.assert_array_equal(a[order], b)
    flags = obj(*[v is None for v in values])
    np.testing.assert_array_equal(
        parse_bool(flags, column="f")[order], parse_bool(flags[order], column="f")
    )
    cats = obj(*["Paid Search" if v is None else "paid_search" for v in values])
    np.testing.assert_array_equal(fold_categories(cats)[order], fold_categories(cats[order]))


# ------------------------------------------------------------------------------- categories


@pytest.mark.parametrize(
    "text,key",
    [
        ("Paid Search", "paid search"),
        ("PAID_SEARCH", "paid search"),
        ("  paid--search ", "paid search"),
        ("Paid _ - Search", "paid search"),
        ("Straße", "strasse"),  # case folding, not lower()
        ("email", "email"),
    ],
)
def test_fold_key(text: str, key: str) -> None:
    assert fold_key(text) == key


def test_fold_categories_keeps_the_most_frequent_spelling() -> None:
    values = obj("Paid Search", "paid search", "PAID_SEARCH", "Paid Search", None, "Email", "email")
    before = values.copy()
    out = fold_categories(values)
    # ties (Email / email: one each) go to the first in sorted order
    assert out.tolist() == [
        "Paid Search",
        "Paid Search",
        "Paid Search",
        "Paid Search",
        None,
        "Email",
        "Email",
    ]
    np.testing.assert_array_equal(values, before)
    assert out is not values


def test_fold_categories_without_strings() -> None:
    values = obj(None, None)
    out = fold_categories(values)
    assert out.tolist() == [None, None] and out is not values


def test_category_variants() -> None:
    values = obj("Paid Search", "paid search", "PAID_SEARCH", "email", None, "Webinar", "webinar")
    assert category_variants(values) == [
        ("PAID_SEARCH", "Paid Search", "paid search"),
        ("Webinar", "webinar"),
    ]
    assert category_variants(obj("a", "b", None)) == []


_PLAINISH = st.from_regex(r"\A[-+]?[0-9]{0,4}([.,][0-9]{0,3})?\Z", fullmatch=True)


@settings(max_examples=400, deadline=None)
@given(_PLAINISH, st.sampled_from([".", ","]))
@example("-0", ".")
@example("1,234", ",")
@example("1.", ".")
@example("007.50", ".")
def test_plain_amounts_read_at_once_as_the_written_reader_reads_them(
    text: str, decimal: str
) -> None:
    from alignment._parse import _number_pattern, _one_amount, _written_amount

    pattern = _number_pattern(decimal)
    got = _one_amount(text, decimal, pattern)
    want = _written_amount(text, decimal, pattern)
    assert got == want
    if got is not None:
        assert np.signbit(got[0]) == np.signbit(want[0])  # (-0 stays -0)


@pytest.mark.parametrize(
    ("values", "row", "value"),
    [
        (np.array([1.0, np.inf]), 1, np.inf),
        (np.array([-np.inf, 1.0]), 0, -np.inf),
        (np.array(["12", "9" * 400], dtype=object), 1, "9" * 400),
    ],
)
def test_money_that_is_not_finite_is_refused(values: np.ndarray, row: int, value: Any) -> None:
    with pytest.raises(DataValidationError, match="not a finite amount") as err:
        parse_money(values, column="amount", table="deals")
    assert (err.value.table, err.value.column, err.value.rows) == ("deals", "amount", [row])
    assert err.value.value == value


@pytest.mark.parametrize(
    "values", [np.array([3.0, -2.0]), np.array(["3", "(2.00)"]), np.array(["3", "$-2"])]
)
def test_negative_money_is_refused_when_asked(values: np.ndarray) -> None:
    assert parse_money(values, column="amount")[0][1] == -2.0  # (a sign is read)
    with pytest.raises(DataValidationError, match="negative amount") as err:
        parse_money(values, column="amount", table="deals", nonnegative=True)
    assert err.value.rows == [1] and err.value.value in (-2.0, values[1])


@pytest.mark.parametrize("text", ["\u0661\u0662", "\uff11\uff12", "$\u0967,000.00", "1\u0662"])
def test_money_in_digits_other_than_ascii_is_refused(text: str) -> None:
    with pytest.raises(DataValidationError, match="not an amount") as err:
        parse_money(np.array(["5", text], dtype=object), column="amount", table="deals")
    assert err.value.rows == [1] and err.value.value == text


def test_an_amount_naming_no_currency_among_several_is_refused() -> None:
    values = np.array(["$3.00", "EUR 2.00", "4.00"], dtype=object)
    with pytest.raises(DataValidationError, match="naming no currency") as err:
        parse_money(values, column="amount", rates={"$": 1.0, "EUR": 2.0})
    assert err.value.rows == [2] and err.value.value == "4.00"
    one = np.array(["EUR 3.00", "4.00"], dtype=object)  # (one currency: theirs)
    assert parse_money(one, column="amount", rates={"EUR": 2.0})[0].tolist() == [6.0, 8.0]
