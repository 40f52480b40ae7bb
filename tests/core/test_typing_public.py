"""What a user's type checker sees of the public outputs (docs/results.md, "How outputs are typed").

A user script is checked with ``mypy --strict`` in a subprocess: each ``reveal_type`` must show
the promised type (``to_frame(backend="polars")`` a Polars DataFrame, a one-scenario plan's
figures ``float`` …), the lines marked ``# error`` must be flagged and nothing else may be.  The
runtime tests check that the objects are what the types say.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import alignment
from alignment import funnel
from alignment.attribution import AttributionResult
from alignment.errors import ParameterError
from alignment.scoring import metrics

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None or importlib.util.find_spec("polars") is None,
    reason="needs mypy and polars (the test extra)",
)

ARRAY = "numpy.ndarray[tuple[Any, ...], numpy.dtype[numpy.float64]]"
COLUMNS = "dict[str, numpy.ndarray[tuple[Any, ...], numpy.dtype[Any]]]"
PL = "polars.dataframe.frame.DataFrame"
PD = "pandas.core.frame.DataFrame"

# (code, what mypy must say about that line: a revealed type, "ok" or "error")
SCRIPT: list[tuple[str, str]] = [
    ("import numpy as np", "ok"),
    ("import polars as pl", "ok"),
    ("import alignment", "ok"),
    ("from alignment import funnel, sla", "ok"),
    ("from alignment.io import CRMData", "ok"),
    ("from alignment.scoring import metrics", "ok"),
    ("def frames(r: alignment.AttributionResult, s: alignment.ScoreResult) -> None:", "ok"),
    ('    reveal_type(r.to_frame("channel", backend="polars"))', PL),
    ('    reveal_type(r.to_frame(backend="dict"))', COLUMNS),
    ('    reveal_type(r.to_frame(level="touch", backend="pandas"))', PD),
    ("    reveal_type(r.to_frame())", "Any"),  # the input's backend, known at run time
    ('    name: str = "polars"', "ok"),
    ("    reveal_type(r.to_frame(backend=name))", "Any"),  # a str variable: not a literal
    ('    reveal_type(r.touches("polars"))', PL),
    ("    reveal_type(r.touches())", COLUMNS),  # touches() defaults to a dict
    ('    reveal_type(r.unattributed.to_frame("polars"))', PL),
    ('    reveal_type(s.breakdown(backend="dict"))', COLUMNS),
    ("    reveal_type(s.summary())", "dict[str, Any]"),
    ("    reveal_type(s.conversion([1, 0]))", "alignment.scoring._conversion.ConversionTable"),
    ('    reveal_type(alignment.compare([r], backend="polars"))', PL),
    (
        '    reveal_type(alignment.compare({"a": r}, by="campaign", share=True, backend="dict"))',
        COLUMNS,
    ),
    ('    alignment.compare([r], backend="dict", shar=True)', "error"),
    ('    bad: pl.DataFrame = r.to_frame(backend="dict")', "error"),
    ('    bad2: pl.DataFrame = r.to_frame(backend="pandas")', "error"),
    ('    r.to_frame(levl="channel")', "error"),
    ("def tables(rep: sla.SLAReport, crm: CRMData) -> None:", "ok"),
    ('    reveal_type(rep.to_frame("reps", backend="pyarrow"))', "pyarrow.Table"),
    ('    reveal_type(rep.periods.to_frame("polars"))', PL),
    ('    reveal_type(crm.journeys().to_frame("polars", caller_order=True))', PL),
    ('    reveal_type(crm.lead_table().to_frame(backend="dict"))', COLUMNS),
    ("    reveal_type(crm.issues.to_frame())", PD),  # DataIssues defaults to pandas
    ('    reveal_type(crm.to_frames("polars"))', f"dict[str, {PL}]"),
    ("def plans() -> None:", "ok"),
    ('    p = funnel.plan(100_000, 1_000, {"lead": 0.04, "sql": 0.5})', "ok"),
    ("    reveal_type(p)", "alignment.funnel._plan_results.Plan[builtins.float]"),
    ('    reveal_type(p.required["lead"])', "builtins.float"),
    ('    need: float = p.required_whole["lead"] + p.customers + p.revenue', "ok"),
    ('    reveal_type(p.to_frame(backend="polars"))', PL),
    ('    mc = funnel.plan(np.array([9e4, 1e5]), 1_000, {"lead": 0.04})', "ok"),
    ('    reveal_type(mc.required["lead"])', ARRAY),
    ("    wrong: float = mc.customers", "error"),
    ("def observed(obs: funnel.FunnelObservation) -> None:", "ok"),
    ("    reveal_type(funnel.plan_from(obs, 1e5, 1e3).required)", "dict[str, builtins.float]"),
    ('    reveal_type(obs.to_frame("stages", backend="polars"))', PL),
    ('    reveal_type(funnel.forward(1_000, [("mql", 0.5)]).customers)', "builtins.float"),
    (
        '    reveal_type(funnel.rep_plan(1.2e6, 1e4, {"lead": 0.1}).leads_per_month)',
        "builtins.float",
    ),
    ("    reveal_type(funnel.sales_velocity(18, 42_000, 0.24, 78))", "builtins.float"),
    ("    reveal_type(funnel.sales_velocity([18, 20], 42_000, 0.24, 78))", ARRAY),
    ("    reveal_type(metrics.binomial_interval(3, 10))", "tuple[builtins.float, builtins.float]"),
    ("def bare(p: funnel.Plan) -> float:", "ok"),  # a bare Plan is Plan[float]
    ("    return p.overall_rate", "ok"),
]


def _has_pandas_stubs() -> bool:
    try:
        importlib.metadata.distribution("pandas-stubs")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _pyarrow_typed() -> bool:
    """PyArrow ships no types: mypy sees its classes as ``Any`` unless stubs are installed."""
    try:
        importlib.metadata.distribution("pyarrow-stubs")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _expected(want: str) -> str:
    """What mypy prints for ``want`` when a frame library has no types here (``Any``)."""
    if PD in want and not _has_pandas_stubs():
        return want.replace(PD, "Any")
    if want == "pyarrow.Table" and not _pyarrow_typed():
        return "Any"
    return want


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[str]]:
    """mypy --strict's messages about the script, by line (1-based)."""
    root = tmp_path_factory.mktemp("typing")
    script = root / "user_script.py"
    script.write_text("\n".join(code for code, _ in SCRIPT) + "\n")
    src = str(Path(alignment.__file__).resolve().parents[1])  # the alignment under test
    env = {**os.environ, "MYPYPATH": src}
    cmd = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--follow-imports=silent",  # the library's own modules are checked by its CI
        "--no-error-summary",
        "--show-error-codes",
        "--cache-dir",
        str(root / "cache"),
        str(script),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=root, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr or proc.stdout  # 2: mypy itself failed
    out: dict[int, list[str]] = {}
    for line in proc.stdout.splitlines():
        m = re.match(r".*user_script\.py:(\d+): (error|note): (.*)$", line)
        assert m, f"unexpected mypy output: {line}"
        out.setdefault(int(m.group(1)), []).append(f"{m.group(2)}: {m.group(3)}")
    return out


def test_revealed_types(checked: dict[int, list[str]]) -> None:
    for number, (code, want) in enumerate(SCRIPT, start=1):
        if want in ("ok", "error"):
            continue
        got = [m.replace("builtins.", "") for m in checked.get(number, [])]
        want = _expected(want).replace("builtins.", "")
        assert got == [f'note: Revealed type is "{want}"'], (code, got)


def test_wrong_uses_are_flagged_and_nothing_else(checked: dict[int, list[str]]) -> None:
    errors = {n for n, msgs in checked.items() if any(m.startswith("error") for m in msgs)}
    want = {n for n, (_, w) in enumerate(SCRIPT, start=1) if w == "error"}
    if not _has_pandas_stubs():  # a pandas DataFrame is Any: assigning it is not checked
        want -= {n for n, (code, _) in enumerate(SCRIPT, start=1) if "bad2" in code}
    assert errors == want, {n: checked[n] for n in errors ^ want if n in checked}


def test_pandas_stubs_make_the_pandas_overloads_meaningful() -> None:
    """The test extra installs pandas-stubs; without it pandas frames are Any to mypy."""
    if importlib.util.find_spec("pandas") is None:
        pytest.skip("pandas not installed")
    assert _has_pandas_stubs(), "pip install pandas-stubs (the test extra) to check pandas types"


# ---------------------------------------------------------------------------- at run time
def test_typed_methods_are_the_functions_themselves() -> None:
    """The typing decorators change nothing at run time: same function, signature, docstring."""
    method = AttributionResult.to_frame
    assert inspect.isfunction(method) and method.__name__ == "to_frame"
    assert list(inspect.signature(method).parameters) == ["self", "level", "backend"]
    assert method.__doc__ and "backend" in method.__doc__
    journeys = inspect.signature(alignment.Journeys.to_frame).parameters
    assert list(journeys) == ["self", "backend", "caller_order"]


def test_frames_are_what_the_types_say() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    from alignment.datasets import synthetic_crm

    crm = synthetic_crm(n_leads=60, seed=4)
    res = alignment.attribute(crm.journeys(), model="linear")
    kinds = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.Table, "dict": dict}
    for backend, kind in kinds.items():
        for frame in (
            res.to_frame("channel", backend=backend),
            res.touches(backend),
            res.unattributed.to_frame(backend),
            crm.journeys().to_frame(backend, caller_order=True),
            crm.to_frames(backend)["leads"],
            alignment.compare([res], backend=backend),
        ):
            assert isinstance(frame, kind), (backend, type(frame))
    assert isinstance(crm.issues.to_frame(), pd.DataFrame)
    assert isinstance(res.touches(), dict)
    columns = res.to_frame("channel", backend="dict")
    assert all(isinstance(v, np.ndarray) for v in columns.values())


def _figures(result: Any) -> list[Any]:
    """Every figure a planning result holds (the values of its dicts included)."""
    names = (
        "revenue_target",
        "average_deal_size",
        "marketing_share",
        "customers",
        "overall_rate",
        "quota_per_month",
        "deals_per_month",
        "leads_per_month",
        "leads_per_month_whole",
    )
    out = [getattr(result, n) for n in names if hasattr(result, n)]
    for name in ("rates", "required", "required_whole", "volumes", "required_per_month"):
        out.extend(getattr(result, name, {}).values())
    assert len(out) >= 4
    return out


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda: funnel.plan(100_000, 1_000, {"lead": 0.04, "sql": 0.5}), float),
        (lambda: funnel.plan(np.float64(1e5), np.int64(1_000), {"lead": np.float32(0.5)}), float),
        (lambda: funnel.plan([1e5, 2e5], 1_000, {"lead": 0.04}), np.ndarray),
        (lambda: funnel.plan(1e5, 1_000, {"lead": [0.04, 0.05]}), np.ndarray),
        (lambda: funnel.forward(1_000, {"mql": 0.5, "sql": 0.2}, 1e4), float),
        (lambda: funnel.forward(np.array([1_000, 900]), {"mql": 0.5}, 1e4), np.ndarray),
        (lambda: funnel.rep_plan(1.2e6, 1e4, {"lead": 0.1}), float),
        (lambda: funnel.rep_plan(1.2e6, [1e4, 2e4], {"lead": 0.1}), np.ndarray),
    ],
)
def test_plan_figures_are_scalars_for_numbers_and_arrays_for_arrays(make: Any, kind: type) -> None:
    result = make()
    figures = _figures(result)
    assert all(type(f) is kind for f in figures), [type(f) for f in figures]
    if isinstance(result, (funnel.Plan, funnel.Forecast)):  # a computed figure too
        assert type(result.revenue) is kind


def test_scalar_helpers_give_floats_for_numbers() -> None:
    assert type(funnel.sales_velocity(18, 42_000, 0.24, 78)) is float
    assert isinstance(funnel.sales_velocity([18, 20], 42_000, 0.24, 78), np.ndarray)
    lo, hi = metrics.binomial_interval(3, 10)
    assert type(lo) is float and type(hi) is float and 0.0 < lo < 0.3 < hi < 1.0
    alo, ahi = metrics.binomial_interval(np.array([3, 0]), np.array([10, 0]))
    assert isinstance(alo, np.ndarray) and alo.shape == (2,)
    assert alo[0] == lo and ahi[0] == hi and np.isnan(alo[1]) and np.isnan(ahi[1])
    # no counts: no interval (NaN), as a float
    nlo, nhi = metrics.binomial_interval(0, 0)
    assert type(nlo) is float and np.isnan(nlo) and np.isnan(nhi)


def test_dask_per_touch_frame_refuses_a_backend_it_would_ignore() -> None:
    pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    import dask.dataframe as dd

    import dask
    from alignment import dask as adask

    touches = pd.DataFrame(
        {
            "lead_id": ["a", "a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"], utc=True),
            "channel": ["web", "email", "web"],
        }
    )
    conversions = pd.DataFrame(
        {
            "lead_id": ["a"],
            "converted_at": pd.to_datetime(["2024-01-05"], utc=True),
            "revenue": [100.0],
        }
    )
    with dask.config.set(scheduler="synchronous"):
        res = adask.attribute(
            dd.from_pandas(touches, npartitions=1),
            dd.from_pandas(conversions, npartitions=1),
            model="linear",
        )
        with pytest.raises(ParameterError, match="lazy Dask frame"):
            res.to_frame("touch", backend="pandas")
        lazy = res.to_frame("touch")
        assert isinstance(lazy, dd.DataFrame)
        assert float(lazy.compute()["credit"].sum()) == pytest.approx(100.0)
        assert isinstance(res.to_frame("channel", backend="dict"), dict)
