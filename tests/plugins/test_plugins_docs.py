"""The plugin docs: every hook and every check documented, API blocks resolve, numbers hold."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import numpy as np
import pytest

import alignment
from alignment import hookspecs, plugins
from alignment.testing import _runner

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins"
PAGES = ("writing-a-plugin.md", "hooks.md", "contracts.md", "conformance.md")


def _hookspec_names() -> list[str]:
    return sorted(
        name
        for name, obj in vars(hookspecs).items()
        if callable(obj) and hasattr(obj, "alignment_spec")
    )


def test_every_hookspec_is_documented() -> None:
    names = _hookspec_names()
    assert names == ["register_attribution_models", "register_scorers"]
    page = (DOCS / "hooks.md").read_text()
    for name in names:
        assert f"## `{name}`" in page, f"hooks.md has no section for {name}"
        assert f"::: alignment.hookspecs.{name}" in page
        # and the spec itself is documented
        assert (getattr(hookspecs, name).__doc__ or "").strip()


@pytest.mark.parametrize("page", PAGES)
def test_api_blocks_resolve(page: str) -> None:
    text = (DOCS / page).read_text()
    for target in re.findall(r"^::: ([\w.]+)$", text, flags=re.M):
        module, _, attr = target.rpartition(".")
        obj = getattr(importlib.import_module(module), attr)
        assert obj.__doc__, f"{target} has no docstring"


def test_every_check_is_documented() -> None:
    page = (DOCS / "conformance.md").read_text()
    names = {c.__name__ for c in (*_runner._ATTRIBUTION, *_runner._SCORER)}
    for name in names:
        assert f"| `{name}` |" in page, f"conformance.md does not list {name}"


def test_contracts_page_covers_the_base_classes() -> None:
    page = (DOCS / "contracts.md").read_text()
    for name in alignment.base.__all__:
        assert f"::: alignment.base.{name}" in page


def test_worked_example_numbers(example_plugin: str) -> None:
    page = (DOCS / "writing-a-plugin.md").read_text()
    assert "weights **0.3, 0, 0.7**" in page
    assert "**300** to email" in page and "**700** to webinar" in page
    t0 = np.datetime64("2024-03-01T00:00:00", "us")
    hour = np.timedelta64(3_600_000_000, "us")
    touchpoints = {
        "lead_id": np.array(["a", "a", "a", "b"], dtype=object),
        "timestamp": np.array([t0, t0 + hour, t0 + 2 * hour, t0]),
        "channel": np.array(["email", "social", "webinar", "email"], dtype=object),
    }
    conversions = {
        "lead_id": np.array(["a", "b"], dtype=object),
        "converted_at": np.array([t0 + 3 * hour, t0 + hour]),
        "revenue": np.array([1000.0, 50.0]),
    }
    result = alignment.attribute(touchpoints, conversions, model="first_and_last", first_share=0.3)
    touches = result.touches("dict")
    np.testing.assert_allclose(touches["weight"], [0.3, 0.0, 0.7, 1.0])
    np.testing.assert_allclose(touches["credit"], [300.0, 0.0, 700.0, 50.0])


def test_documented_plugin_listing(example_plugin: str) -> None:
    page = (DOCS / "writing-a-plugin.md").read_text()
    (info,) = [p for p in alignment.list_plugins() if p.name == example_plugin]
    assert repr(info) in page
    assert repr(plugins.get_attribution_model("first_and_last", first_share=0.3)) in page
    assert repr(alignment.attribution_models()["first_and_last"]) in page
