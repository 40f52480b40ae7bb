"""The README's example runs (in a fresh interpreter) and prints what its comments promise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_example_runs(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README has a python example"
    script = tmp_path / "readme_example.py"
    script.write_text(blocks[0], encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "{'lead': 2500.0}" in done.stdout
    assert "Unattributed(" in done.stdout


def test_readme_states_both_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "alignment demo" in text
    assert re.search(
        r"<!-- test-command -->.*python -m pytest.*<!-- /test-command -->", text, flags=re.S
    )


def test_distribution_name_is_ours_and_stated() -> None:
    """`pip install alignment` installs an unrelated package: ours is smarketing-alignment."""
    import importlib.metadata

    import pytest

    tomllib = pytest.importorskip("tomllib")

    root = README.parent
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "smarketing-alignment"
    text = README.read_text(encoding="utf-8")
    assert "pip install smarketing-alignment" in text
    assert not re.search(r"pip install ['\"]?alignment\b", text)
    # the example plugin depends on our distribution, never on the unrelated one
    plugin = tomllib.loads((root / "examples/plugin/pyproject.toml").read_text(encoding="utf-8"))
    assert "smarketing-alignment" in plugin["project"]["dependencies"]
    # the installed distribution provides the import package `alignment`
    dist = importlib.metadata.distribution("smarketing-alignment")
    import alignment

    assert dist.version == alignment.__version__
    assert dist.entry_points.select(group="console_scripts", name="alignment")


def _marked(text: str, marker: str) -> str:
    """The command between ``<!-- marker -->`` and ``<!-- /marker -->`` (fences dropped)."""
    block = text.split(f"<!-- {marker} -->")[1].split(f"<!-- /{marker} -->")[0]
    lines = [ln for ln in block.strip().splitlines() if ln.strip() and not ln.startswith("```")]
    assert len(lines) == 1, block
    return lines[0].strip()


def test_getting_started_gives_the_readme_commands() -> None:
    """One test command and one demo command: the getting-started page shows the README's."""
    text = README.read_text(encoding="utf-8")
    page = (README.parent / "docs" / "getting-started.md").read_text(encoding="utf-8")
    page_lines = {ln.strip() for ln in page.splitlines()}
    for marker in ("test-command", "demo-command"):
        command = _marked(text, marker)
        assert command in page_lines, f"docs/getting-started.md lacks the README's {command!r}"
    # the page gives no other test command
    assert sum("python -m pytest" in ln for ln in page.splitlines()) == 1
