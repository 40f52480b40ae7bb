"""The plugin manager and the registries: discovery, env var, lookups, built-ins."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
from typing import Any, ClassVar

import numpy as np
import pytest
from _plugins_helpers import temporary_plugin

import alignment
from alignment import plugins
from alignment.base import AttributionModel, Scorer
from alignment.errors import ParameterError, PluginError, UnknownModelError


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def test_import_alignment_loads_no_plugin() -> None:
    code = (
        "import sys, alignment\n"
        "assert 'alignment.plugins' not in sys.modules, 'plugins imported eagerly'\n"
        "assert not [m for m in sys.modules if m.startswith('alignment_example_plugin')]\n"
        "assert 'alignment.attribution._plugin' not in sys.modules\n"
        "alignment.attribution_models()\n"
        "assert 'alignment.plugins' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_exports() -> None:
    assert alignment.list_plugins is plugins.list_plugins
    assert alignment.attribution_models is plugins.attribution_models
    assert alignment.scorers is plugins.scorers
    assert plugins.DEFAULT_PLUGINS == ("alignment.attribution._plugin", "alignment.scoring._plugin")


def test_example_plugin_is_discovered_and_listed(example_plugin: str) -> None:
    infos = {p.name: p for p in alignment.list_plugins()}
    info = infos[example_plugin]
    assert info.version == "0.1.0"
    assert info.distribution == "alignment-example-plugin"
    assert info.hooks == ("register_attribution_models", "register_scorers")
    assert not info.builtin
    assert plugins.plugin_errors() == []


def test_example_models_usable_by_name(example_plugin: str) -> None:
    from alignment_example_plugin import FirstAndLast, TouchCount

    assert alignment.attribution_models()["first_and_last"].startswith("first and last")
    assert alignment.scorers()["touch_count"].startswith("engagement score")
    model = plugins.get_attribution_model("first_and_last", first_share=0.3)
    assert type(model) is FirstAndLast and model.first_share == 0.3
    assert FirstAndLast.name == "first_and_last"
    # names are normalised: case and dashes
    assert type(plugins.get_attribution_model("First-And-Last")) is FirstAndLast
    scorer = plugins.get_scorer("touch_count", default_points=2.0)
    assert type(scorer) is TouchCount and scorer.default_points == 2.0
    reg = plugins.get_registration("scorer", "touch_count")
    assert reg.plugin == example_plugin and reg.factory is TouchCount


def test_env_var_empty_loads_no_third_party_plugin(
    example_plugin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(plugins.ENV_VAR, "")
    names = [p.name for p in alignment.list_plugins()]
    assert example_plugin not in names
    assert all(p.builtin for p in alignment.list_plugins())
    assert "first_and_last" not in alignment.attribution_models()
    with pytest.raises(UnknownModelError):
        plugins.get_scorer("touch_count")
    assert plugins.plugin_errors() == []


@pytest.mark.parametrize("value", ["example", "alignment-example-plugin", " example , ", "EXAMPLE"])
def test_env_var_selects_plugins(
    example_plugin: str, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(plugins.ENV_VAR, value)
    assert example_plugin in [p.name for p in alignment.list_plugins()]
    assert "touch_count" in alignment.scorers()
    assert plugins.plugin_errors() == []


def test_env_var_other_name_excludes_example_and_reports_missing(
    example_plugin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(plugins.ENV_VAR, "example,not_installed_plugin")
    with pytest.warns(alignment.AlignmentWarning, match="not_installed_plugin"):
        assert example_plugin in [p.name for p in alignment.list_plugins()]
    (err,) = plugins.plugin_errors()
    assert err.plugin == "not_installed_plugin"
    plugins.reset_plugins()
    monkeypatch.setenv(plugins.ENV_VAR, "not_installed_plugin")
    with pytest.warns(alignment.AlignmentWarning):
        assert "first_and_last" not in alignment.attribution_models()


def test_env_var_is_read_at_load_time(example_plugin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "touch_count" in alignment.scorers()
    monkeypatch.setenv(plugins.ENV_VAR, "")
    assert "touch_count" in alignment.scorers()  # already loaded
    plugins.load_plugins(force=True)
    assert "touch_count" not in alignment.scorers()


def test_unknown_name_lists_available_and_suggests(example_plugin: str) -> None:
    with pytest.raises(UnknownModelError) as info:
        plugins.get_attribution_model("first_and_lst")
    err = info.value
    assert err.suggestion == "first_and_last"
    assert "first_and_last" in err.available
    assert "Did you mean 'first_and_last'?" in str(err)
    with pytest.raises(UnknownModelError, match="unknown scorer 'nope'"):
        plugins.get_scorer("nope")


class _Tiny(AttributionModel):
    description: ClassVar[str] = "all credit to the first touch of each journey"

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def validate_params(self) -> None:
        if self.scale <= 0:
            raise ParameterError(f"scale must be > 0, got {self.scale!r}")

    def weights(self, journeys: Any) -> np.ndarray:
        w = np.zeros(journeys.n_touches)
        offsets = np.asarray(journeys.offsets)
        ok = np.asarray(journeys.converted) & (np.diff(offsets) > 0)
        w[offsets[:-1][ok]] = 1.0
        return w


class _TinyScorer(Scorer):
    """Constant scorer."""

    def score(self, leads: Any, touchpoints: Any = None) -> dict[str, np.ndarray]:
        return {"score": np.zeros(leads.n_leads)}


class _TinyPlugin:
    @alignment.hookimpl
    def register_attribution_models(self, register: Any) -> None:
        register(_Tiny, name="tiny", aliases=("tiny_first",))

    @alignment.hookimpl
    def register_scorers(self, register: Any) -> None:
        register(_TinyScorer, name="tiny_scorer")


def test_runtime_plugin_is_picked_up_and_dropped() -> None:
    assert "tiny" not in alignment.attribution_models()
    with temporary_plugin(_TinyPlugin(), "tiny_plugin"):
        assert alignment.attribution_models()["tiny"] == _Tiny.description
        assert alignment.scorers()["tiny_scorer"] == "Constant scorer."
        assert type(plugins.get_attribution_model("tiny_first")) is _Tiny
        info = {p.name: p for p in alignment.list_plugins()}["tiny_plugin"]
        assert info.version is None and not info.builtin
    assert "tiny" not in alignment.attribution_models()
    with pytest.raises(UnknownModelError):
        plugins.get_attribution_model("tiny")


def test_get_model_instances_classes_and_parameters() -> None:
    with temporary_plugin(_TinyPlugin(), "tiny_plugin"):
        model = _Tiny(scale=2.0)
        assert plugins.get_attribution_model(model) is model
        built = plugins.get_attribution_model(_Tiny, scale=3.0)
        assert type(built) is _Tiny and built.scale == 3.0
        with pytest.raises(ParameterError, match="pass the parameters to its constructor"):
            plugins.get_attribution_model(model, scale=1.0)
        with pytest.raises(ParameterError, match=r"no parameter 'scal' \(did you mean 'scale'\?\)"):
            plugins.get_attribution_model("tiny", scal=1.0)
        with pytest.raises(ParameterError, match="scale must be > 0"):
            plugins.get_attribution_model("tiny", scale=0.0)
        with pytest.raises(ParameterError, match="got a scorer"):
            plugins.get_attribution_model(_TinyScorer())
        with pytest.raises(ParameterError, match="got an attribution model"):
            plugins.get_scorer(model)
        with pytest.raises(ParameterError, match="expected the name of a registered scorer"):
            plugins.get_scorer(42)  # type: ignore[arg-type]
        with pytest.raises(ParameterError, match="kind must be"):
            plugins.get_registration("model", "tiny")  # type: ignore[arg-type]


def test_factory_registration() -> None:
    def make_tiny(scale: float = 1.0) -> _Tiny:
        """Tiny built by a factory."""
        return _Tiny(scale=scale)

    def make_wrong() -> object:
        """Returns something that is not a model."""
        return object()

    class FactoryPlugin:
        @alignment.hookimpl
        def register_attribution_models(self, register: Any) -> None:
            register(make_tiny, name="tiny_factory")
            register(make_wrong, name="wrong_factory")

    with temporary_plugin(FactoryPlugin(), "factories"):
        assert alignment.attribution_models()["tiny_factory"] == "Tiny built by a factory."
        assert plugins.get_attribution_model("tiny_factory", scale=5.0).scale == 5.0
        with pytest.raises(PluginError, match=r"not a subclass of .*AttributionModel"):
            plugins.get_attribution_model("wrong_factory")


def test_concurrent_first_use_loads_once() -> None:
    managers: list[Any] = []
    results: list[dict[str, str]] = []
    barrier = threading.Barrier(6)

    def use() -> None:
        barrier.wait()
        managers.append(plugins.plugin_manager())
        results.append(alignment.attribution_models())

    threads = [threading.Thread(target=use) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(managers) == 6 and all(m is managers[0] for m in managers)
    assert all(r == results[0] for r in results)


# --- built-in models (default plugins) -------------------------------------------------------


@pytest.mark.parametrize("module", plugins.DEFAULT_PLUGINS)
def test_default_plugin_registers_models(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if not _exists(module):
        pytest.skip(f"{module} is not written yet")
    monkeypatch.setenv(plugins.ENV_VAR, "")
    infos = {p.name: p for p in alignment.list_plugins()}
    assert module in infos, plugins.plugin_errors()
    info = infos[module]
    assert info.builtin and info.version == alignment.__version__
    kind: plugins.Kind = "attribution model" if "attribution" in module else "scorer"
    is_attr = kind == "attribution model"
    registry = alignment.attribution_models() if is_attr else alignment.scorers()
    mine = [n for n in registry if plugins.get_registration(kind, n).plugin == module]
    assert mine, f"{module} registered no {kind}"
    assert plugins.plugin_errors() == []


def test_builtin_attribution_names_when_present() -> None:
    if not _exists("alignment.attribution._plugin"):
        pytest.skip("built-in attribution models not written yet")
    names = set(alignment.attribution_models())
    expected = {"first", "last", "linear", "time_decay", "position_based", "w_shaped"}
    assert expected <= names
    assert type(plugins.get_attribution_model("u_shaped")).name == "position_based"


def test_missing_default_plugin_is_tolerated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        plugins, "DEFAULT_PLUGINS", ("alignment._no_such_builtin", "no_such_package.sub")
    )
    monkeypatch.setenv(plugins.ENV_VAR, "")
    assert alignment.list_plugins() == []
    assert plugins.plugin_errors() == []


class _SwapModelA(_Tiny):
    description: ClassVar[str] = "swap a"


class _SwapModelB(_Tiny):
    description: ClassVar[str] = "swap b"


class _SwapA:
    @alignment.hookimpl
    def register_attribution_models(self, register: Any) -> None:
        register(_SwapModelA, name="swap_a")


class _SwapB:
    @alignment.hookimpl
    def register_attribution_models(self, register: Any) -> None:
        register(_SwapModelB, name="swap_b")


def test_a_new_plugin_under_a_reused_name_is_never_served_stale() -> None:
    """Register/unregister under one name, many times: each lookup sees the plugin just registered.

    A freed plugin object's address is often given to the next one, so a cache keyed on
    (name, id(plugin)) served the previous plugin's models here in a large share of runs.
    """
    for i in range(60):
        cls, expected, other = (
            (_SwapA, "swap_a", "swap_b") if i % 2 else (_SwapB, "swap_b", "swap_a")
        )
        with temporary_plugin(cls(), "swap"):
            models = alignment.attribution_models()
            assert expected in models, f"round {i}: {expected!r} missing"
            assert other not in models, f"round {i}: stale {other!r} served"
    assert not {"swap_a", "swap_b"} & set(alignment.attribution_models())
