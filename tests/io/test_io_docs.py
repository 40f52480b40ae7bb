"""The code of docs/io.md runs as written, on the example exports (copied to ``exports/``)."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

import alignment

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "io.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def _run(block: str, namespace: dict[str, object]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(DOC), "exec"), namespace)  # the doc's own code, as written
    return out.getvalue()


@pytest.fixture()
def exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "examples" / "exports", tmp_path / "exports")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.filterwarnings("ignore::alignment.AlignmentWarning")
def test_salesforce_walk_runs_to_a_report(exports: Path) -> None:
    ns: dict[str, object] = {}
    printed = _run(BLOCKS[0], ns)
    assert "CRMData(source='salesforce'" in printed
    report = (exports / "review.html").read_text(encoding="utf-8")
    assert report.startswith("<!DOCTYPE html>") and "Attribution" in report
    crm = ns["crm"]
    assert isinstance(crm, alignment.io.CRMData) and len(crm.issues) > 0
    assert str(crm.issues[0]) in printed  # the issues are printed, row by row
    _run(BLOCKS[1], ns)  # the custom stage field mapping
    mapped = ns["crm"]
    assert isinstance(mapped, alignment.io.CRMData)
    assert (~mapped.leads["mql_at"].astype("datetime64[us]").astype(bool)).sum() >= 0
    assert mapped.leads["mql_at"].dtype.kind == "M"


@pytest.mark.filterwarnings("ignore::alignment.AlignmentWarning")
def test_hubspot_walk_runs_to_a_report(exports: Path) -> None:
    ns: dict[str, object] = {}
    _run(BLOCKS[2], ns)
    assert ns["crm"].source == "hubspot"  # type: ignore[attr-defined]
    assert (exports / "review.html").stat().st_size > 10_000


def test_reading_block_prints_what_its_comment_says() -> None:
    printed = _run(BLOCKS[3], {})
    assert printed.strip() == "{'email': 6250.0, 'paid search': 6250.0}"
    assert "# paid search 6250.0, email 6250.0" in BLOCKS[3]


def test_walks_are_under_ten_lines_of_user_code() -> None:
    for block in (BLOCKS[0], BLOCKS[2]):
        lines = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("#")]
        assert len(lines) < 10, block
