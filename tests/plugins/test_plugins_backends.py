"""Backends declared by installed distributions (entry-point group ``alignment.backends``):
discovery, ``ALIGNMENT_DISABLE_BACKENDS`` and a backend that cannot be imported."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import alignment
from alignment import _backends
from alignment.errors import DataValidationError, ParameterError, PluginError

ROOT = "alignment_fake_frames"  # the package the backend's inputs come from
BACKEND = """
    from alignment._backends import Backend, register

    register(Backend(
        "fake",
        lambda obj: type(obj).__module__.startswith("alignment_fake_frames"),
        {"attribute": lambda *args, **kwargs: "run by fake"},
    ))
"""


def _frame() -> object:
    return type("Frame", (), {"__module__": f"{ROOT}.frames"})()


@pytest.fixture
def backend_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Install-looking distribution ``fake-backend`` declaring module ``alignment_fake_backend``
    (of the given source) as the backend of ``alignment_fake_frames``' inputs."""

    def make(source: str) -> None:
        (tmp_path / "alignment_fake_backend.py").write_text(textwrap.dedent(source))
        info = tmp_path / "fake_backend-0.0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: fake-backend\nVersion: 0.0.1\n"
        )
        entry = f"[{_backends.ENTRY_POINT_GROUP}]\n{ROOT} = alignment_fake_backend\n"
        (info / "entry_points.txt").write_text(entry)
        monkeypatch.syspath_prepend(str(tmp_path))
        importlib.invalidate_caches()
        monkeypatch.delitem(sys.modules, "alignment_fake_backend", raising=False)
        monkeypatch.setattr(_backends, "_REGISTRY", {})

    return make


@pytest.mark.parametrize("value", ["0", "false", "No", " off ", ""])
def test_discovery_stays_on_for_the_false_values(
    value: str, backend_dist: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    backend_dist(BACKEND)
    monkeypatch.setenv("ALIGNMENT_DISABLE_BACKENDS", value)
    assert alignment.attribute(_frame(), model="linear") == "run by fake"


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_the_true_values_turn_discovery_off_and_the_refusal_says_so(
    value: str, backend_dist: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    backend_dist(BACKEND)
    monkeypatch.setenv("ALIGNMENT_DISABLE_BACKENDS", value)
    with pytest.raises(DataValidationError, match="cannot read a table from a Frame") as info:
        alignment.attribute(_frame(), model="linear")
    assert "ALIGNMENT_DISABLE_BACKENDS is set" in str(info.value)
    assert "alignment_fake_backend" not in sys.modules


@pytest.mark.parametrize("value", ["banana", "2", "disable"])
def test_any_other_value_is_refused_naming_the_variable(
    value: str, backend_dist: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    backend_dist(BACKEND)
    monkeypatch.setenv("ALIGNMENT_DISABLE_BACKENDS", value)
    with pytest.raises(ParameterError, match=f"ALIGNMENT_DISABLE_BACKENDS='{value}' is not a flag"):
        alignment.attribute(_frame(), model="linear")


@pytest.mark.parametrize(
    ("source", "cause"),
    [
        ("raise ImportError('no module dask_extra')\n", ImportError),
        ("raise SystemExit(3)\n", SystemExit),
    ],
    ids=["import_error", "system_exit"],
)
def test_a_backend_that_cannot_be_imported_is_a_plugin_error(
    source: str, cause: type[BaseException], backend_dist: Callable[[str], None]
) -> None:
    backend_dist(source)
    with pytest.raises(PluginError, match="the backend entry point alignment_fake_frames") as info:
        alignment.attribute(_frame(), model="linear")
    assert "distribution 'fake-backend'" in str(info.value)
    assert info.value.plugin == ROOT
    assert isinstance(info.value.__cause__, cause)
