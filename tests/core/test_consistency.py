"""One rule everywhere: empty input, numpy numbers, output backends, persona names.

Regression tests for the consistency class of the reliability issue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import alignment
from alignment import funnel, sla
from alignment.closed_loop import closed_loop
from alignment.errors import ParameterError
from alignment.scoring import match_personas

LEAD_COLS = ("lead_id", "created_at", "email", "company", "source", "campaign", "persona")
ONE_LEAD = {
    "lead_id": [1],
    "created_at": ["2024-01-01"],
    "email": ["a@b.c"],
    "company": ["x"],
    "source": ["web"],
    "campaign": ["c"],
    "persona": ["p"],
    "industry": ["saas"],
}
EMPTY_LEADS: dict[str, list[Any]] = {c: [] for c in LEAD_COLS}
EMPTY_DEALS: dict[str, list[Any]] = {"lead_id": [], "amount": [], "won": []}
EMPTY_TOUCHES: dict[str, list[Any]] = {"lead_id": [], "timestamp": [], "channel": []}
EMPTY_CONV: dict[str, list[Any]] = {"lead_id": [], "converted_at": [], "revenue": []}
EMPTY_ACTS: dict[str, list[Any]] = {"lead_id": [], "timestamp": [], "kind": []}


@pytest.mark.parametrize(
    ("name", "call", "check"),
    [
        (
            "closed_loop leads",
            lambda: closed_loop(EMPTY_LEADS).summary(),
            lambda s: s["n_leads"] == 0,
        ),
        (
            "closed_loop deals",
            lambda: closed_loop(ONE_LEAD, deals=EMPTY_DEALS).summary(),
            lambda s: s["n_leads"] == 1 and s["revenue"] == 0.0,
        ),
        (
            "closed_loop deals as no records",
            lambda: closed_loop(ONE_LEAD, deals=[]).summary(),
            lambda s: s["won"] == 0,
        ),
        (
            "attribute",
            lambda: alignment.attribute(EMPTY_TOUCHES, EMPTY_CONV).totals(),
            lambda t: t == {},
        ),
        (
            "score",
            lambda: alignment.score({"lead_id": [], "created_at": []}, scorer="grid").summary(),
            lambda s: s["leads"] == 0,
        ),
        (
            "funnel",
            lambda: funnel.observe(
                {"lead_id": [], "created_at": [], "mql_at": []}, stages=["created_at", "mql_at"]
            ).summary(),
            lambda s: s["leads"] == 0,
        ),
        (
            "sla",
            lambda: (
                sla.evaluate(
                    {"sales": {"first_touch": {"within": "1d"}}},
                    {"lead_id": [], "created_at": [], "mql_at": []},
                    EMPTY_ACTS,
                    as_of="2024-01-01",
                ).summary
            ),
            lambda s: s["in_scope"] == 0,
        ),
    ],
)
def test_an_empty_dict_of_lists_is_empty_input_everywhere(
    name: str, call: Callable[[], Any], check: Callable[[Any], bool]
) -> None:
    assert check(call()), name


@pytest.mark.parametrize(
    "kw",
    [
        {"fit_cuts": np.array([40.0, 20.0, 10.0])},
        {"fit_rules": [{"column": "industry", "equals": "saas", "points": np.int64(15)}]},
        {"interest_points": {"form": np.float32(5)}},
        {"total_cap": np.float64(50)},
    ],
)
def test_numpy_scalars_and_arrays_are_numbers_and_lists(kw: dict[str, Any]) -> None:
    python = {
        k: (
            v.tolist()
            if isinstance(v, np.ndarray)
            else {kk: float(vv) for kk, vv in v.items()}
            if isinstance(v, dict)
            else [{**r, "points": int(r["points"])} for r in v]
            if isinstance(v, list)
            else float(v)
        )
        for k, v in kw.items()
    }
    got = alignment.score(ONE_LEAD, scorer="grid", **kw).to_frame()
    want = alignment.score(ONE_LEAD, scorer="grid", **python).to_frame()
    assert {k: v.tolist() for k, v in got.items()} == {k: v.tolist() for k, v in want.items()}


def test_bools_are_not_numbers() -> None:
    with pytest.raises(ParameterError):
        alignment.score(
            ONE_LEAD,
            scorer="grid",
            fit_rules=[{"column": "industry", "equals": "saas", "points": True}],
        )


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
def test_persona_match_follows_the_input_backend(backend: str) -> None:
    pytest.importorskip(backend)
    from alignment._frames import to_native

    cols = {
        k: np.asarray(v, dtype=object if isinstance(v[0], str) else None)
        for k, v in ONE_LEAD.items()
    }
    leads = to_native(cols, backend)
    personas = [alignment.Persona(name="IT", industries=("saas",))]
    frame = match_personas(leads, personas).to_frame()
    assert type(frame).__module__.split(".")[0] == backend
    assert type(match_personas(ONE_LEAD, personas).to_frame()) is dict


@pytest.mark.parametrize("backend", ["polars", "pyarrow"])
def test_empty_tables_keep_their_dtypes(backend: str) -> None:
    mod = pytest.importorskip(backend)
    from alignment._frames import to_native

    touches = to_native(
        {"lead_id": np.array([1]), "timestamp": np.array(["2024-01-05"], dtype="datetime64[us]"),
         "channel": np.array(["a"], dtype=object)},
        backend,
    )  # fmt: skip
    conv = to_native(
        {"lead_id": np.array([1]), "converted_at": np.array(["2024-01-06"], dtype="datetime64[us]"),
         "revenue": np.array([5.0])},
        backend,
    )  # fmt: skip
    empty = alignment.attribute(touches, conv).unattributed.to_frame()
    lost = alignment.attribute(touches, conv, lookback="1h").unattributed.to_frame()
    assert len(empty) == 0 and len(lost) == 1
    if backend == "polars":
        assert empty.schema == lost.schema
        assert mod.Null not in set(empty.schema.values())
    else:
        assert empty.schema.equals(lost.schema)


def test_a_persona_rule_must_name_a_defined_persona() -> None:
    personas = [alignment.Persona(name="IT", industries=("saas",))]
    with pytest.raises(ParameterError, match="'Nope'"):
        alignment.score(ONE_LEAD, scorer="grid", personas=personas,
                        fit_rules=[{"persona": "Nope", "points": 5}])  # fmt: skip
    ok = alignment.score(ONE_LEAD, scorer="grid", personas=personas,
                         fit_rules=[{"persona": "IT", "points": 5}])  # fmt: skip
    assert ok["fit"].tolist() == [5.0]
