"""Properties of read_crm: the row order of each table does not matter, inputs are never
changed, and every row is used or listed."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from io_exports import HUBSPOT, SALESFORCE, assert_same_crm, columns_of, issue_set, person_ids

import alignment

# naive dates of the fixtures are read as UTC on purpose
pytestmark = pytest.mark.filterwarnings("ignore:naive instants:alignment.AlignmentWarning")

EXPORTS = {"salesforce": SALESFORCE, "hubspot": HUBSPOT}
COLUMNS = {crm: {k: columns_of(v) for k, v in tables.items()} for crm, tables in EXPORTS.items()}
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def reorderings(draw: Any) -> tuple[str, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A preset, rows kept per table (in file order), and a permutation of them per table."""
    preset = draw(st.sampled_from(sorted(EXPORTS)))
    keep: dict[str, np.ndarray] = {}
    perm: dict[str, np.ndarray] = {}
    for name, cols in COLUMNS[preset].items():
        n = len(next(iter(cols.values())))
        mask = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        rows = np.flatnonzero(np.array(mask, dtype=bool))
        keep[name] = rows
        perm[name] = np.array(draw(st.permutations(list(range(rows.size)))), dtype=np.int64)
    return preset, keep, perm


def _tables(preset: str, rows: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    return {
        name: {c: v[rows[name]] for c, v in cols.items()} for name, cols in COLUMNS[preset].items()
    }


def _read(preset: str, tables: dict[str, Any]) -> alignment.io.CRMData | type[Exception]:
    try:
        return alignment.io.read_crm(preset, tables)
    except alignment.AlignmentError as exc:  # the same error either way
        return type(exc)


@SETTINGS
@given(reorderings())
def test_row_order_does_not_matter(
    case: tuple[str, dict[str, np.ndarray], dict[str, np.ndarray]],
) -> None:
    preset, keep, perm = case
    base = _read(preset, _tables(preset, keep))
    shuffled = _read(preset, _tables(preset, {k: keep[k][perm[k]] for k in keep}))
    if isinstance(base, type) or isinstance(shuffled, type):
        assert base == shuffled
        return
    assert_same_crm(base, shuffled)
    # issues name the same rows: a shuffled row i is row perm[i] of the kept rows
    assert issue_set(base) == issue_set(shuffled, perm)


@SETTINGS
@given(reorderings(), st.sampled_from(["dict", "pandas", "polars", "pyarrow"]))
def test_inputs_never_change(
    case: tuple[str, dict[str, np.ndarray], dict[str, np.ndarray]], backend: str
) -> None:
    from alignment._frames import to_native

    preset, keep, perm = case
    if backend != "dict":
        pytest.importorskip(backend)
    tables = _tables(preset, {k: keep[k][perm[k]] for k in keep})
    native = {k: to_native(v, backend) for k, v in tables.items()}
    before = copy.deepcopy(native)
    flags = (
        {k: {c: a.flags.writeable for c, a in v.items()} for k, v in native.items()}
        if backend == "dict"
        else {}
    )
    _read(preset, native)
    for name in native:
        if backend == "dict":
            for c, a in native[name].items():
                assert a.tolist() == before[name][c].tolist()
                assert a.flags.writeable == flags[name][c]
        elif backend == "pandas":
            assert native[name].equals(before[name])
        else:
            assert native[name].equals(before[name])


@SETTINGS
@given(reorderings())
def test_every_row_used_or_listed(
    case: tuple[str, dict[str, np.ndarray], dict[str, np.ndarray]],
) -> None:
    preset, keep, _ = case
    crm = _read(preset, _tables(preset, keep))
    if isinstance(crm, type):
        return
    listed: dict[str, set[int]] = {}
    for issue in crm.issues:
        if issue.action.startswith(("left out", "not a cost")):
            listed.setdefault(issue.table, set()).update(issue.rows)
    feeds = {t.name: t.feeds for t in alignment.io.PRESETS[preset].tables}
    sizes = {"touchpoints": crm.touchpoints, "activities": crm.activities, "costs": crm.costs}
    for name, rows in keep.items():
        if feeds[name] in sizes:
            kept = next(iter(sizes[feeds[name]].values())).size
            assert kept == rows.size - len(listed.get(name, ())), name
    tables = _tables(preset, keep)
    ids = person_ids({k: v for k, v in tables.items() if feeds[k] == "leads"})
    assert crm.leads["lead_id"].tolist() == sorted(set(ids))
