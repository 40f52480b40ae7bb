"""Every example script runs (subprocess, timeout) and the quickstart notebook's cells run.

The notebook is checked without Jupyter: its code cells are turned into one script in which the
value of each cell's last expression is "displayed" the way a notebook would (``_repr_html_``
when the object has one, which must return a non-empty HTML string).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py"))
TIMEOUT = 300


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=env,
    )


def test_examples_exist() -> None:
    names = {p.name for p in SCRIPTS}
    assert {
        "quickstart.py",
        "attribution_models.py",
        "lead_scoring.py",
        "funnel_planning.py",
        "sla_tracking.py",
        "closed_loop_review.py",
        "html_report.py",
    } <= names
    assert (EXAMPLES / "quickstart.ipynb").is_file()


_RUNNER = """
import contextlib, io, json, os, runpy, sys, time, traceback
results = {}
for path in sys.argv[1:]:
    name = os.path.basename(path)
    out = io.StringIO()
    start = time.perf_counter()
    sys.argv = [path]
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name="__main__")
        error = None
    except BaseException:
        error = traceback.format_exc()
    results[name] = {"stdout": out.getvalue(), "error": error,
                     "seconds": time.perf_counter() - start}
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """Run every example script (and the notebook) once, in one interpreter (imports paid
    once), each with fresh globals, in a scratch directory."""
    work = tmp_path_factory.mktemp("examples")
    nb = work / "quickstart_notebook.py"
    nb.write_text(notebook_script(EXAMPLES / "quickstart.ipynb"), encoding="utf-8")
    runner = work / "runner.py"
    runner.write_text(_RUNNER, encoding="utf-8")
    res = _run([str(runner), *(str(p) for p in SCRIPTS), str(nb)], work)
    assert res.returncode == 0, res.stderr[-3000:]
    out: dict[str, dict[str, object]] = json.loads(res.stdout.strip().splitlines()[-1])
    out["_workdir"] = {"path": str(work)}
    return out


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example_runs(script: Path, ran: dict[str, dict[str, object]]) -> None:
    result = ran[script.name]
    assert result["error"] is None, f"{script.name} failed:\n{result['error']}"
    assert str(result["stdout"]).strip(), f"{script.name} printed nothing"
    if script.name == "html_report.py":
        work = Path(str(ran["_workdir"]["path"]))
        html = (work / "alignment-report.html").read_text(encoding="utf-8")
        assert html.count("<svg") >= 5


_DISPLAY = """
def _display(value):
    html = getattr(value, "_repr_html_", None)
    if html is not None:
        text = html()
        assert isinstance(text, str) and text.strip().startswith("<"), type(value)
        assert "<table" in text or "<div" in text or "<iframe" in text, type(value)
        print("displayed", type(value).__name__, len(text))
    else:
        print("value", type(value).__name__)
"""


def notebook_script(path: Path) -> str:
    """The notebook's code cells as one script; each cell's last expression is displayed."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    parts = [_DISPLAY]
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs", []) == [], "keep the notebook free of stored outputs"
        tree = ast.parse("".join(cell["source"]))
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = tree.body[-1]
            call = ast.Call(func=ast.Name("_display", ast.Load()), args=[last.value], keywords=[])
            tree.body[-1] = ast.Expr(call)
            ast.fix_missing_locations(tree)
        parts.append(ast.unparse(tree))
    return "\n\n".join(parts) + "\n"


def test_quickstart_notebook_runs(ran: dict[str, dict[str, object]]) -> None:
    result = ran["quickstart_notebook.py"]
    assert result["error"] is None, result["error"]
    displayed = [ln for ln in str(result["stdout"]).splitlines() if ln.startswith("displayed")]
    # the result objects shown in the notebook render as HTML tables
    kinds = {ln.split()[1] for ln in displayed}
    assert {"AttributionResult", "ScoreResult", "Plan", "FunnelObservation"} <= kinds
    assert {"PeriodSummary", "BreachList", "ClosedLoopReport"} <= kinds
    # the report shows itself (not its length), the model comparison is one frame
    assert "Report" in kinds
    assert "DataFrame" in kinds or importlib.util.find_spec("pandas") is None
