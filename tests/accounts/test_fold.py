"""Domain and company-name folding: the documented examples and the plain-Python twins."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment.accounts import LEGAL_SUFFIXES, PLACEHOLDER_NAMES, _fold, fold_domains, fold_names
from alignment.errors import DataValidationError, ParameterError

from . import _twins


@pytest.mark.parametrize(
    ("value", "domain"),
    [
        ("Jane@ACME.com", "acme.com"),
        ("https://www.acme.com/about?x=1", "acme.com"),
        ("HTTP://WWW.Acme.com:8080/", "acme.com"),
        ("www.acme.com.", "acme.com"),
        ("acme.com/contact#form", "acme.com"),
        ("mailto:jo@Acme.co.uk", "acme.co.uk"),
        ('"Jane" <jane@acme.com>', "acme.com"),
        ("https://user@acme.com/team@x", "acme.com"),
        ("jo/ops@acme.com", "acme.com"),
        ("  eu.acme.com  ", "eu.acme.com"),
        ("acme", None),
        ("a b.com", None),
        ("n/a", None),
        ("acme..com", None),
        ("", None),
        (None, None),
    ],
)
def test_domain_examples(value: object, domain: str | None) -> None:
    assert fold_domains([value]).tolist() == [domain]
    assert _twins.fold_domain(value) == domain


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("Acme, Inc.", "acme"),
        ("ACME Inc", "acme"),
        ("Acme", "acme"),
        ("The Acme Company", "acme"),
        ("Smith & Co. GmbH", "smith"),
        ("Müller GmbH & Co. KG", "muller"),
        ("Société Générale S.A.", "societe generale"),
        ("Procter & Gamble", "procter gamble"),
        ("Procter and Gamble Co", "procter gamble"),
        ("Hewlett-Packard Enterprise L.L.C.", "hewlett packard enterprise"),
        ("McDonald's Corporation", "mcdonalds"),
        ("Inc", "inc"),
        ("The Company", "company"),
        ("  Globex\tCorp ", "globex"),
        ("N/A", None),
        ("unknown", None),
        ("...", None),
        (None, None),
    ],
)
def test_name_examples(value: object, name: str | None) -> None:
    assert fold_names([value]).tolist() == [name]
    assert _twins.fold_name(value) == name


def test_the_twins_use_the_documented_constants() -> None:
    assert _twins.SUFFIXES == LEGAL_SUFFIXES
    assert _twins.PLACEHOLDERS == PLACEHOLDER_NAMES


def test_values_that_are_not_text_are_refused() -> None:
    with pytest.raises(DataValidationError, match="not text") as e:
        fold_names(np.array(["Acme", 3.5, None], dtype=object))
    assert e.value.rows == [1]


@pytest.mark.parametrize(
    ("values", "rows", "value"),
    [
        ([1.5, True, 3], [0, 1, 2], 1.5),  # numbers and bools are not read as their text
        (np.array([1.5, np.nan, 2.0]), [0, 2], 1.5),  # a float column: NaN stays missing
        (np.array([7, 8]), [0, 1], 7),
        (np.array([True, False]), [0, 1], True),
        (["a.com", None, False], [2], False),
        ([["a", "b"]], [0], ["a", "b"]),  # a nested list is one value, not text
    ],
)
def test_columns_of_numbers_or_bools_are_refused(values: Any, rows: list[int], value: Any) -> None:
    for fold in (fold_domains, fold_names):
        with pytest.raises(DataValidationError, match="not text") as e:
            fold(values)
        assert e.value.column == "value" and e.value.rows == rows and e.value.value == value


def test_missing_values_stay_missing() -> None:
    assert fold_domains(np.array([np.nan, np.nan])).tolist() == [None, None]
    assert fold_names(["Acme", None, float("nan")]).tolist() == ["acme", None, None]


@pytest.mark.parametrize("values", [None, "a@b.com", b"a@b.com", 5, np.str_("x"), {"a": 1}])
def test_one_value_is_not_a_list_of_values(values: Any) -> None:
    for fold in (fold_domains, fold_names):
        with pytest.raises(ParameterError, match="pass a list") as e:
            fold(values)
        assert fold.__name__ in str(e.value) and type(values).__name__ in str(e.value)
    with pytest.raises(ParameterError, match="1-D"):
        fold_names(np.array([["a", "b"]]))


DOMAIN_TEXT = st.text(
    alphabet=st.sampled_from(list("acme.xyz-09@:/?#wW. <>\"'ÉüMAILTOHTPS")), max_size=30
)
NAME_PART = st.sampled_from(
    [*"acmeglobxAC ,.&'’-()/tTheInc", "and", " and ", "the ", "ltd", " co", "é", "ß", "\u2003"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), DOMAIN_TEXT), max_size=30))
def test_domains_match_the_twin(values: list[str | None]) -> None:
    arr = np.array(values, dtype=object)
    before = arr.copy()
    assert fold_domains(arr).tolist() == [_twins.fold_domain(v) for v in values]
    assert arr.tolist() == before.tolist()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(NAME_PART, max_size=12).map("".join)), max_size=30))
def test_names_match_the_twin(values: list[str | None]) -> None:
    assert fold_names(np.array(values, dtype=object)).tolist() == [
        _twins.fold_name(v) for v in values
    ]


def test_chunks_of_any_width_give_the_same_folds(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    values = [
        "x" * int(n) + f" Acme {i}, Inc." if i % 7 else f"https://www.site{i}.com/" + "p" * int(n)
        for i, n in enumerate(rng.integers(0, 300, 500))
    ]
    whole_names, whole_domains = fold_names(values), fold_domains(values)
    monkeypatch.setattr(_fold, "_CELL_BUDGET", 1000)
    monkeypatch.setattr(_fold, "_MAX_CHUNK", 16)
    assert fold_names(values).tolist() == whole_names.tolist()
    assert fold_domains(values).tolist() == whole_domains.tolist()
    assert whole_names.tolist() == [_twins.fold_name(v) for v in values]
