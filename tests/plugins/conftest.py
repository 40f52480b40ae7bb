"""Fixtures of the plugin tests: the installed example plugin and a clean plugin state."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from alignment import plugins

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "plugin"
EXAMPLE_DIST = "alignment-example-plugin"


def _installed() -> bool:
    """Whether the example plugin is installed and matches the source tree."""
    try:
        importlib.metadata.distribution(EXAMPLE_DIST)
    except importlib.metadata.PackageNotFoundError:
        return False
    spec = importlib.util.find_spec("alignment_example_plugin")
    if spec is None or spec.origin is None:
        return False
    source = EXAMPLE / "src" / "alignment_example_plugin" / "__init__.py"
    return Path(spec.origin).read_bytes() == source.read_bytes()


@pytest.fixture(scope="session")
def example_plugin() -> str:
    """Install ``examples/plugin`` into this interpreter (once) and return its entry-point name."""
    if not _installed():
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
        if importlib.util.find_spec("hatchling") is not None:
            cmd.append("--no-build-isolation")  # offline when the build backend is at hand
        subprocess.run([*cmd, str(EXAMPLE)], check=True)
        importlib.invalidate_caches()
        sys.modules.pop("alignment_example_plugin", None)
    assert _installed(), "the example plugin could not be installed"
    plugins.reset_plugins()
    return "example"


@pytest.fixture(autouse=True)
def clean_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts and ends with nothing loaded and ALIGNMENT_LOAD_PLUGINS unset."""
    monkeypatch.delenv(plugins.ENV_VAR, raising=False)
    plugins.reset_plugins()
    yield
    plugins.reset_plugins()


@pytest.fixture
def make_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Create an installed-looking distribution on sys.path with an ``alignment`` entry point."""

    def make(dist: str, module: str, source: str, *, entry_name: str | None = None) -> Path:
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
        info = tmp_path / f"{dist.replace('-', '_')}-0.0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0.1\n")
        (info / "entry_points.txt").write_text(f"[alignment]\n{entry_name or module} = {module}\n")
        monkeypatch.syspath_prepend(str(tmp_path))
        importlib.invalidate_caches()
        monkeypatch.delitem(sys.modules, module, raising=False)
        return tmp_path

    return make
