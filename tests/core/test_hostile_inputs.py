"""Hypothesis over the public entry points with hostile frames.

Random tables with nulls, extreme values and mixed types, in every installed backend, through
``attribute``, ``score``, ``funnel.observe``, ``sla.evaluate`` and ``closed_loop``.  Each call
gives a result or an ``AlignmentError`` — never another exception; the caller's input is not
changed (values, keys, array flags); row order does not change the result; revenue is
conserved (attributed + unattributed = converted).
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import alignment
from alignment import funnel, sla
from alignment._frames import to_native
from alignment.closed_loop import closed_loop
from alignment.errors import AlignmentError, AlignmentWarning

BACKENDS = ["dict"] + [
    b for b in ("pandas", "polars", "pyarrow") if __import__("importlib").util.find_spec(b)
]
SETTINGS = settings(
    max_examples=int(__import__("os").environ.get("HOSTILE_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# ------------------------------------------------------------------------------ strategies
IDS = st.one_of(
    st.integers(-3, 6),
    st.integers(2**53, 2**53 + 3),
    st.sampled_from(["L1", "L2", "", " L1", None]),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
)
TIMES = st.one_of(
    st.sampled_from(["2024-01-01", "2024-01-02T10:00:00Z", "2024-02-30", "junk", "", None]),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just(1_704_067_200),
)
TEXT = st.one_of(st.sampled_from(["a", "b", "web", "", None]), st.integers(0, 3), st.booleans())
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**64), 2**64),
    st.sampled_from(["5", None, True]),
)


def column(values: st.SearchStrategy[Any], n: int) -> st.SearchStrategy[list[Any]]:
    return st.lists(values, min_size=n, max_size=n)


@st.composite
def table(
    draw: Any, spec: dict[str, st.SearchStrategy[Any]], clean: dict[str, Any]
) -> dict[str, list[Any]]:
    """Columns of one length: each is hostile or clean (so that some calls get through)."""
    n = draw(st.integers(0, 6))
    out: dict[str, list[Any]] = {}
    for name, strategy in spec.items():
        if draw(st.booleans()):
            out[name] = draw(column(strategy, n))
        else:
            out[name] = [clean[name](i) for i in range(n)]
    return out


def as_backend(cols: dict[str, list[Any]], backend: str) -> Any:
    """The table in a backend; a table the backend itself cannot hold is skipped (None)."""
    if backend == "dict":
        return cols
    try:
        if backend == "pandas":
            import pandas as pd

            return pd.DataFrame(cols)
        if backend == "polars":
            import polars as pl

            return pl.DataFrame(cols, strict=False)
        import pyarrow as pa

        return pa.table(cols)
    except Exception:  # mixed types the frame library refuses: not our input
        return None


def snapshot(x: Any) -> Any:
    if isinstance(x, dict):
        return copy.deepcopy(x)
    if type(x).__module__.startswith("pyarrow"):
        return x  # immutable
    return x.clone() if hasattr(x, "clone") else x.copy(deep=True)


def unchanged(before: Any, after: Any) -> bool:
    if before is after:  # immutable (PyArrow): the same object
        return True
    if isinstance(before, dict):
        return repr(before) == repr(after)
    if hasattr(before, "equals"):
        try:
            return bool(before.equals(after))
        except TypeError:
            return repr(before) == repr(after)
    return True


def run(call: Callable[[], Any]) -> Any:
    """The call's result, or None for an AlignmentError; anything else fails the test.

    (The library's own warnings — e.g. touches of unknown leads not scored — are expected.)
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AlignmentWarning)
            return call()
    except AlignmentError:
        return None


CLEAN = {
    "lead_id": lambda i: f"L{i % 3}",
    "timestamp": lambda i: f"2024-01-0{1 + i % 5}",
    "channel": lambda i: "abc"[i % 3],
    "converted_at": lambda i: "2024-01-09",
    "revenue": lambda i: float(10 * (i + 1)),
    "created_at": lambda i: "2024-01-01",
    "mql_at": lambda i: "2024-01-03",
    "source": lambda i: "web",
    "kind": lambda i: "call",
}


# ------------------------------------------------------------------------------- attribute
@pytest.mark.parametrize("backend", BACKENDS)
@SETTINGS
@given(
    touches=table({"lead_id": IDS, "timestamp": TIMES, "channel": TEXT}, CLEAN),
    conv=table({"lead_id": IDS, "converted_at": TIMES, "revenue": NUMBERS}, CLEAN),
    model=st.sampled_from(["linear", "first_touch", "time_decay", "markov"]),
    seed=st.integers(0, 2**16),
)
def test_attribute(backend: str, touches: Any, conv: Any, model: str, seed: int) -> None:
    t, c = as_backend(touches, backend), as_backend(conv, backend)
    if t is None or c is None:
        return
    t0, c0 = snapshot(t), snapshot(c)
    res = run(lambda: alignment.attribute(t, c, model=model))
    assert unchanged(t0, t) and unchanged(c0, c)
    if res is None:
        return
    s = res.summary()
    assert math.isclose(
        s["attributed_revenue"] + s["unattributed_revenue"],
        s["converted_revenue"],
        rel_tol=1e-9,
        abs_tol=1e-6,
    )
    # row order: the same totals from shuffled rows
    n = len(touches["lead_id"])
    perm = np.random.default_rng(seed).permutation(n).tolist()
    shuffled = as_backend({k: [v[i] for i in perm] for k, v in touches.items()}, backend)
    again = alignment.attribute(shuffled, c, model=model).totals()
    got = res.totals()
    assert again.keys() == got.keys()
    for k in got:
        assert math.isclose(again[k], got[k], rel_tol=1e-9, abs_tol=1e-6)


# ---------------------------------------------------------------------------- score, funnel
@pytest.mark.parametrize("backend", BACKENDS)
@SETTINGS
@given(
    leads=table({"lead_id": IDS, "created_at": TIMES, "mql_at": TIMES, "source": TEXT}, CLEAN),
    touches=table({"lead_id": IDS, "timestamp": TIMES, "channel": TEXT}, CLEAN),
)
def test_score_and_funnel(backend: str, leads: Any, touches: Any) -> None:
    ld, tp = as_backend(leads, backend), as_backend(touches, backend)
    if ld is None or tp is None:
        return
    l0, t0 = snapshot(ld), snapshot(tp)
    rules = [{"column": "source", "equals": "web", "points": 10}]
    res = run(lambda: alignment.score(ld, tp, scorer="grid", fit_rules=rules, as_of="2024-02-01"))
    if res is not None:
        assert np.isfinite(res.scores).all() and len(res) == res.summary()["leads"]
    obs = run(lambda: funnel.observe(ld, stages=["created_at", "mql_at"]))
    if obs is not None:
        s = obs.summary()
        assert s["leads"] == s["entered"] + s["not_entered"] + s["excluded_after_as_of"]
    assert unchanged(l0, ld) and unchanged(t0, tp)


# ------------------------------------------------------------------------- sla, closed loop
@pytest.mark.parametrize("backend", BACKENDS)
@SETTINGS
@given(
    leads=table({"lead_id": IDS, "created_at": TIMES, "mql_at": TIMES, "source": TEXT}, CLEAN),
    acts=table({"lead_id": IDS, "timestamp": TIMES, "kind": TEXT}, CLEAN),
    within=st.sampled_from(["1d", "0d", "-1d", "99999999999999999999d", 5, None]),
)
def test_sla_and_closed_loop(backend: str, leads: Any, acts: Any, within: Any) -> None:
    ld, ac = as_backend(leads, backend), as_backend(acts, backend)
    if ld is None or ac is None:
        return
    l0, a0 = snapshot(ld), snapshot(ac)
    agreement = {"sales": {"first_touch": {"within": within}}}
    rep = run(lambda: sla.evaluate(agreement, ld, ac, as_of="2024-02-01", unknown_leads="ignore"))
    if rep is not None:
        assert rep.summary["in_scope"] <= rep.summary["n_leads"]
    loop = run(lambda: closed_loop(ld, by="source", required=()))
    if loop is not None:
        assert loop.summary()["n_leads"] == len(leads["lead_id"])
    assert unchanged(l0, ld) and unchanged(a0, ac)


# --------------------------------------------------------------------- caller arrays' flags
@SETTINGS
@given(
    ids=st.lists(st.integers(0, 5), min_size=1, max_size=6),
    revenue=st.lists(st.floats(-1, 1e6), min_size=1, max_size=6),
)
def test_caller_arrays_keep_values_and_flags(ids: list[int], revenue: list[float]) -> None:
    n = min(len(ids), len(revenue))
    lead = np.array(ids[:n])
    rev = np.array(revenue[:n])
    touches = {"lead_id": lead, "timestamp": np.full(n, "2024-01-01", dtype=object),
               "channel": np.full(n, "a", dtype=object)}  # fmt: skip
    conv = {"lead_id": lead, "converted_at": np.full(n, "2024-01-02", dtype=object), "revenue": rev}
    before = (lead.copy(), rev.copy())
    run(lambda: alignment.attribute(touches, conv))
    assert lead.flags.writeable and rev.flags.writeable
    assert np.array_equal(lead, before[0]) and np.array_equal(rev, before[1])
    lead[0] = lead[0]  # still writeable in place
    assert to_native({"x": lead}, "dict")["x"] is not None


# ------------------------------------------------------------------------ Dask equals memory
#: Known gap: a key column mixing ints and strings is refused in memory, but on Dask the
#: shuffle can put each type in its own partition and the mix goes unseen.
#: (Dask also turns object columns into text when a frame is built: an int among strings is
#: "0" there, so the Dask comparison draws text or float columns only.)
TEXT_IDS = st.sampled_from(["L0", "L1", "L2", "", " L1", None])
TEXT_TIMES = st.sampled_from(["2024-01-01", "2024-01-02T10:00:00Z", "2024-02-30", "junk", None])


def outcome(call: Callable[[], Any]) -> Any:
    """A comparable outcome: the totals, or the error's parts."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AlignmentWarning)
            res = call()
    except AlignmentError as exc:
        parts = ("problem", "column", "table", "rows", "n_rows")
        return (type(exc).__name__, *(getattr(exc, p, None) for p in parts))
    s = res.summary()
    return (
        {k: round(v, 6) for k, v in res.totals().items()},
        round(s["unattributed_revenue"], 6),
        s["journeys"],
    )


@pytest.mark.skipif(
    not __import__("importlib").util.find_spec("dask"), reason="dask is not installed"
)
@settings(
    max_examples=int(__import__("os").environ.get("HOSTILE_DASK_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(  # keys of one Python type per column (mixed int/str keys: see the note below)
    touches=table({"lead_id": TEXT_IDS, "timestamp": TEXT_TIMES, "channel": TEXT_IDS}, CLEAN),
    conv=table({"lead_id": TEXT_IDS, "converted_at": TEXT_TIMES, "revenue": st.floats()}, CLEAN),
    parts=st.integers(1, 3),
)
def test_dask_gives_the_in_memory_result_or_error(touches: Any, conv: Any, parts: int) -> None:
    import dask.dataframe as dd

    import dask

    t, c = as_backend(touches, "pandas"), as_backend(conv, "pandas")
    if t is None or c is None or len(t) == 0 or len(c) == 0:
        return
    want = outcome(lambda: alignment.attribute(t, c))
    with dask.config.set(scheduler="sync"):
        got = outcome(
            lambda: alignment.attribute(
                dd.from_pandas(t, npartitions=parts, sort=False),
                dd.from_pandas(c, npartitions=1, sort=False),
            )
        )
    if isinstance(want[0], str) and isinstance(got[0], str):
        # both refused: the same error type; the same problem names the same rows.  (Known
        # gap: with several kinds of bad rows in different partitions, Dask may report
        # another of them than memory, which stops at its first check.)
        assert got[0] == want[0]
        if got[1:3] == want[1:3]:
            assert got == want
    else:
        assert got == want


@pytest.mark.skipif(
    not __import__("importlib").util.find_spec("dask"), reason="dask is not installed"
)
def test_dask_mixed_naive_and_aware_across_partitions() -> None:
    """Each partition of one kind: refused all the same, naming the rows memory names."""
    import dask.dataframe as dd
    import pandas as pd

    import dask

    t = pd.DataFrame(
        {
            "lead_id": ["L0", "L1", "L2"],
            "timestamp": ["2024-01-01", "2024-01-01", "2024-01-02T10:00:00Z"],
            "channel": ["a", "b", "c"],
        }
    )
    c = pd.DataFrame({"lead_id": ["L0"], "converted_at": ["2024-01-09"], "revenue": [10.0]})
    want = outcome(lambda: alignment.attribute(t, c))
    assert want[0] == "DataValidationError"  # (in memory: refused, the aware row named)
    with dask.config.set(scheduler="sync"):
        got = outcome(
            lambda: alignment.attribute(
                dd.from_pandas(t, npartitions=3, sort=False),
                dd.from_pandas(c, npartitions=1, sort=False),
            )
        )
    assert got == want


# ------------------------------------------------------------------------------ option parameters
_TP = {
    "lead_id": ["a", "a"],
    "timestamp": ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"],
    "channel": ["x", "y"],
}
_CV = {"lead_id": ["a"], "converted_at": ["2024-01-05T00:00:00Z"], "revenue": [10.0]}
_LEADS = {
    "lead_id": ["a"],
    "created_at": ["2024-01-01T00:00:00Z"],
    "mql_at": [None],
    "source": ["web"],
}
_OPTION_CALLS: dict[str, Callable[[Any], Any]] = {
    "normalize": lambda v: alignment.attribute(_TP, _CV, normalize=v),
    "outcome": lambda v: alignment.attribute(_TP, _CV, outcome=v),
    "mode": lambda v: funnel.observe(_LEADS, stages=["created_at", "mql_at"], mode=v),
    "interval": lambda v: funnel.observe(_LEADS, stages=["created_at", "mql_at"], interval=v),
    "unknown_leads": lambda v: sla.speed_to_lead(_LEADS, unknown_leads=v),
    "allocate": lambda v: closed_loop(_LEADS, by="source", allocate=v),
    "backend": lambda v: alignment.attribute(_TP, _CV).to_frame(backend=v),
    "level": lambda v: alignment.attribute(_TP, _CV).to_frame(level=v),
    "totals by": lambda v: alignment.attribute(_TP, _CV).totals(by=v),
    "measure": lambda v: alignment.attribute(_TP, _CV).totals(measure=v),
    "scores backend": lambda v: alignment.score(_LEADS).to_frame(backend=v),
}


@pytest.mark.parametrize("name", sorted(_OPTION_CALLS))
@pytest.mark.parametrize("kind", ["NA", "array"])
def test_option_parameters_refuse_na_and_arrays(name: str, kind: str) -> None:
    """An option set to pandas' NA or an array is a ParameterError (``value in choices``
    raised numpy's or pandas' ambiguous truth value)."""
    if kind == "NA":
        value: Any = pytest.importorskip("pandas").NA
    else:
        value = np.array(["dict", "x"])
    with pytest.raises(alignment.ParameterError):
        _OPTION_CALLS[name](value)
