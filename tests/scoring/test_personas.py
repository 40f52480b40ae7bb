"""Persona matching against a per-lead twin."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment.errors import DataValidationError, ModelValidationError, ParameterError
from alignment.scoring import assign_personas, match_personas

from ._data import make_leads
from ._twins import py_persona

PERSONAS = [
    alignment.Persona(name="IT leader", industries=("software",), titles=("cto", "director")),
    alignment.Persona(name="Enterprise", company_size_min=1000),
    alignment.Persona(name="EU exec", regions=("DE", "FR", "UK"), seniorities=("vp", "chief")),
    alignment.Persona(name="Small shop", company_size_max=200, industries=("retail",)),
]


def _records(leads: dict[str, np.ndarray]) -> list[dict[str, object]]:
    n = leads["lead_id"].size
    return [{k: v[i] for k, v in leads.items()} for i in range(n)]


@pytest.mark.parametrize("strategy", ["first", "best"])
@pytest.mark.parametrize("seed", range(4))
def test_matches_twin(strategy: str, seed: int) -> None:
    leads = make_leads(seed, 40)
    m = match_personas(leads, PERSONAS, strategy=strategy)
    expect = [py_persona(r, PERSONAS, strategy) for r in _records(leads)]
    assert m.persona.tolist() == expect
    assert m.unmatched.tolist() == [i for i, e in enumerate(expect) if e is None]
    counts = m.counts()
    assert sum(counts.values()) == 40
    assert counts[None] == sum(e is None for e in expect)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), order=st.permutations(range(4)))
def test_first_depends_on_order_best_prefers_more_criteria(seed: int, order: list[int]) -> None:
    leads = make_leads(seed, 20)
    personas = [PERSONAS[i] for i in order]
    first = match_personas(leads, personas, strategy="first")
    best = match_personas(leads, personas, strategy="best")
    # every "first" match is a full match; "best" never meets fewer criteria than "first"
    assert (best.n_met >= first.n_met).all()
    assert first.persona.tolist() == [py_persona(r, personas, "first") for r in _records(leads)]


def test_persona_column_as_by_key_and_grid_rule() -> None:
    leads = make_leads(1, 30)
    table = assign_personas(leads, PERSONAS)
    assert "persona" in table.categorical
    assert table.column("persona").tolist() == match_personas(leads, PERSONAS).persona.tolist()
    res = alignment.score(
        leads,
        personas=PERSONAS,
        fit_rules=[{"persona": "Enterprise", "points": 25}, {"persona": "IT leader", "points": 40}],
    )
    per = res["persona"]
    expect = np.where(per == "Enterprise", 25.0, np.where(per == "IT leader", 40.0, 0.0))
    np.testing.assert_array_equal(res["fit"], expect)
    frame = match_personas(leads, PERSONAS).to_frame()
    assert set(frame) == {"lead_id", "persona", "criteria_met"}


@pytest.mark.parametrize(
    "personas",
    [None, alignment.Persona(name="IT", industries=("software",)), "IT", {"name": "IT"}],
    ids=["none", "one-persona", "text", "one-dict"],
)
def test_personas_must_be_a_list(personas: object) -> None:
    leads = make_leads(0, 5)
    for call in (match_personas, assign_personas):
        with pytest.raises(ParameterError, match="personas must be a list or tuple"):
            call(leads, personas)  # type: ignore[operator]


def test_personas_as_tuple_or_array() -> None:
    leads = make_leads(0, 5)
    expected = match_personas(leads, list(PERSONAS)).persona.tolist()
    assert match_personas(leads, tuple(PERSONAS)).persona.tolist() == expected
    assert match_personas(leads, np.array(PERSONAS, dtype=object)).persona.tolist() == expected
    assert match_personas(leads, []).persona.tolist() == [None] * 5


def test_bad_personas() -> None:
    leads = make_leads(0, 5)
    with pytest.raises(ParameterError):
        match_personas(leads, [PERSONAS[0], PERSONAS[0]])
    with pytest.raises(ParameterError):
        match_personas(leads, PERSONAS, strategy="all")
    with pytest.raises(ParameterError):
        match_personas(leads, PERSONAS, columns={"colour": "x"})
    bare = {"lead_id": ["a"], "created_at": ["2024-01-01"]}
    with pytest.raises(DataValidationError):
        match_personas(bare, [PERSONAS[0]])
    with pytest.raises(DataValidationError):
        match_personas(bare, [PERSONAS[1]])
    # a persona without criteria matches everyone under "first"
    everyone = alignment.Persona(name="anyone")
    assert match_personas(bare, [everyone]).persona.tolist() == ["anyone"]
    assert match_personas(bare, [everyone], strategy="best").persona.tolist() == [None]


@pytest.mark.parametrize("field", ["titles", "seniorities", "industries", "regions"])
@pytest.mark.parametrize("keyword", ["", "  ", "\x00", "vp\x00"])
def test_empty_or_nul_keyword_refused(field: str, keyword: str) -> None:
    # an empty keyword is in every title (the persona matched every lead); numpy drops a
    # trailing NUL, so "vp\x00" would have been compared as "vp"
    with pytest.raises(ModelValidationError, match=field):
        alignment.Persona(name="p", **{field: ("vp", keyword)})


def test_a_printed_match_is_one_headline_line() -> None:
    crm = alignment.synthetic_crm(n_leads=500, seed=0)
    persona = alignment.Persona(name="soft", industries=("software",))
    text = repr(match_personas(crm.lead_table(), [persona]))
    assert text.startswith("PersonaMatch(leads=500, matched=") and text.endswith("('soft',))")
    assert "\n" not in text and "array(" not in text and len(text) < 200
