"""Fault cases: broken plugins give PluginError naming the plugin; the rest keeps working."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from _plugins_helpers import errors_of, temporary_plugin

import alignment
from alignment import plugins
from alignment.base import AttributionModel, ChannelCredit, Scorer
from alignment.errors import AlignmentWarning, PluginError, UnknownModelError


class _Good(AttributionModel):
    description: ClassVar[str] = "every touch of a converted journey shares equally"

    def weights(self, journeys: Any) -> np.ndarray:
        lengths = np.diff(np.asarray(journeys.offsets))
        ok = np.asarray(journeys.converted) & (lengths > 0)
        per = np.where(ok, 1.0 / np.maximum(lengths, 1), 0.0)
        return np.repeat(per, lengths).astype(np.float64)


class _OtherGood(_Good):
    description: ClassVar[str] = "a second model"


class _GoodPlugin:
    @alignment.hookimpl
    def register_attribution_models(self, register: Any) -> None:
        register(_Good, name="good_model")


def _one_error(plugin: str) -> PluginError:
    errs = errors_of(plugin)
    assert len(errs) == 1, plugins.plugin_errors()
    err = errs[0]
    assert isinstance(err, PluginError)
    assert str(err).startswith(f"plugin {plugin!r}: ")
    return err


def test_import_error_names_plugin_keeps_cause_and_others_work(
    example_plugin: str, make_dist: Callable[..., Path]
) -> None:
    make_dist("broken-dist", "alignment_broken_plugin", "raise ImportError('no module foo_dep')\n")
    with pytest.warns(AlignmentWarning, match="alignment_broken_plugin"):
        names = [p.name for p in alignment.list_plugins()]
    assert "alignment_broken_plugin" not in names
    err = _one_error("alignment_broken_plugin")
    assert "failed to import" in str(err) and "broken-dist" in str(err)
    assert isinstance(err.__cause__, ImportError)
    assert "no module foo_dep" in str(err.__cause__)
    # the other plugins and the built-ins keep working
    assert example_plugin in names
    assert "first_and_last" in alignment.attribution_models()


@pytest.mark.parametrize(
    "body",
    [
        "raise SystemExit('usage: the plugin parsed sys.argv')\n",
        "import alignment\n\n@alignment.hookimpl\ndef register_scorers(register):\n"
        "    raise SystemExit(2)\n",
    ],
    ids=["at_import", "in_a_hook"],
)
def test_a_plugin_exiting_is_reported_not_the_end(
    body: str, make_dist: Callable[..., Path]
) -> None:
    make_dist("exiting-dist", "alignment_exiting_plugin", body)
    with pytest.warns(AlignmentWarning, match="alignment_exiting_plugin"):
        alignment.list_plugins()
    err = _one_error("alignment_exiting_plugin")
    assert "SystemExit" in str(err) and isinstance(err.__cause__, SystemExit)
    assert "linear" in alignment.attribution_models()  # the built-ins keep working


def test_entry_point_with_unknown_hook_is_reported(make_dist: Callable[..., Path]) -> None:
    source = """
        import alignment

        @alignment.hookimpl
        def register_scorer(register):
            pass
    """
    make_dist("typo-dist", "alignment_typo_plugin", source)
    with pytest.warns(AlignmentWarning, match="unknown hook"):
        names = [p.name for p in alignment.list_plugins()]
    assert "alignment_typo_plugin" not in names
    err = _one_error("alignment_typo_plugin")
    assert "Did you mean 'register_scorers'?" in str(err)
    assert err.__cause__ is not None


def test_runtime_plugin_with_unknown_hook_is_dropped() -> None:
    class Typo:
        @alignment.hookimpl
        def register_attribution_model(self, register: Any) -> None:
            register(_Good, name="never")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with temporary_plugin(Typo(), "typo"):
            assert "never" not in alignment.attribution_models()
            assert "typo" not in [p.name for p in alignment.list_plugins()]
    assert any("register_attribution_models" in str(w.message) for w in caught)
    assert "Did you mean" in str(_one_error("typo"))


def test_hook_raising_is_isolated() -> None:
    class Raising:
        @alignment.hookimpl
        def register_attribution_models(self, register: Any) -> None:
            register(_OtherGood, name="half_done")
            raise RuntimeError("boom in plugin")

    with temporary_plugin(_GoodPlugin(), "good"), temporary_plugin(Raising(), "raising"):
        with pytest.warns(AlignmentWarning, match="boom in plugin"):
            models = alignment.attribution_models()
        assert "good_model" in models
        assert "half_done" not in models  # all-or-nothing per hook
        err = _one_error("raising")
        assert isinstance(err.__cause__, RuntimeError)
        assert "register_attribution_models raised RuntimeError" in str(err)
        with pytest.raises(UnknownModelError):
            plugins.get_attribution_model("half_done")


def test_duplicate_name_names_both_registrants() -> None:
    class Dup:
        @alignment.hookimpl
        def register_attribution_models(self, register: Any) -> None:
            register(_OtherGood, name="good_model")

    with temporary_plugin(_GoodPlugin(), "first_one"), temporary_plugin(Dup(), "second_one"):
        with pytest.warns(AlignmentWarning, match="already registered"):
            model = plugins.get_attribution_model("good_model")
        assert type(model) is _Good  # never silently overridden
        err = _one_error("second_one")
        assert "'first_one'" in str(err) and "'second_one'" in str(err)
        assert "good_model" in str(err)


def test_duplicate_alias_and_duplicate_builtin_name() -> None:
    class AliasDup:
        @alignment.hookimpl
        def register_attribution_models(self, register: Any) -> None:
            register(_OtherGood, name="fresh_name", aliases=("good_model",))

    with temporary_plugin(_GoodPlugin(), "owner"), temporary_plugin(AliasDup(), "alias_dup"):
        with pytest.warns(AlignmentWarning):
            assert "fresh_name" not in alignment.attribution_models()
        assert "'owner'" in str(_one_error("alias_dup"))
    if "linear" in alignment.attribution_models():

        class Builtin:
            @alignment.hookimpl
            def register_attribution_models(self, register: Any) -> None:
                register(_OtherGood, name="linear")

        with temporary_plugin(Builtin(), "shadow"):
            with pytest.warns(AlignmentWarning, match="alignment.attribution._plugin"):
                alignment.attribution_models()
            assert type(plugins.get_attribution_model("linear")) is not _OtherGood


class _NoDesc(AttributionModel):
    def weights(self, journeys: Any) -> np.ndarray:  # pragma: no cover - never called
        return np.zeros(0)


class _Channel(AttributionModel):
    description: ClassVar[str] = "claims channel kind without channel_credit"
    kind: ClassVar[Any] = "channel"


class _WrongKind(_Good):
    kind: ClassVar[Any] = "journey"


class _Named(_Good):
    name: ClassVar[str] = "declared_name"


class _NoScore(Scorer):
    description: ClassVar[str] = "does not implement score"


class _ChannelOk(AttributionModel):
    description: ClassVar[str] = "credit per channel"
    kind: ClassVar[Any] = "channel"

    def channel_credit(self, journeys: Any) -> ChannelCredit:  # pragma: no cover - not called
        return ChannelCredit({}, {})


@pytest.mark.parametrize(
    ("hook", "obj", "kwargs", "message"),
    [
        ("attr", _Good, {"name": "Bad Name"}, "invalid attribution model name 'Bad Name'"),
        ("attr", _Good, {"name": "1st"}, "invalid attribution model name"),
        ("attr", _Good, {"name": 3}, "invalid attribution model name 3"),
        ("attr", _Good, {"name": "ok", "aliases": "single"}, "must be a tuple of names"),
        ("attr", _Good, {"name": "ok", "aliases": ("Bad-Alias",)}, "invalid alias 'Bad-Alias'"),
        ("attr", _Good, {"name": "ok", "aliases": ("ok",)}, "repeated name"),
        ("attr", None, {"name": "ok"}, "register a class"),
        ("attr", _Good(), {"name": "ok"}, "register a class"),
        ("attr", dict, {"name": "ok"}, "not a subclass of alignment.base.AttributionModel"),
        ("attr", _NoDesc, {"name": "ok"}, "has no description"),
        ("attr", _Channel, {"name": "ok"}, "does not implement channel_credit"),
        ("attr", _WrongKind, {"name": "ok"}, "kind must be 'touch' or 'channel'"),
        ("attr", _Named, {"name": "other"}, "declares name = 'declared_name'"),
        ("score", _Good, {"name": "ok"}, "not a subclass of alignment.base.Scorer"),
        ("score", _NoScore, {"name": "ok"}, "does not implement score"),
    ],
)
def test_invalid_registrations(hook: str, obj: Any, kwargs: dict[str, Any], message: str) -> None:
    class Bad:
        if hook == "attr":

            @alignment.hookimpl
            def register_attribution_models(self, register: Any) -> None:
                register(obj, **kwargs)

        else:

            @alignment.hookimpl
            def register_scorers(self, register: Any) -> None:
                register(obj, **kwargs)

    with temporary_plugin(Bad(), "bad"), temporary_plugin(_GoodPlugin(), "good"):
        with pytest.warns(AlignmentWarning):
            assert "ok" not in alignment.attribution_models()
        assert "ok" not in alignment.scorers()
        assert "good_model" in alignment.attribution_models()
        err = _one_error("bad")
        assert message in str(err)


def test_valid_edge_registrations() -> None:
    class Edge:
        @alignment.hookimpl
        def register_attribution_models(self, register: Any) -> None:
            register(_ChannelOk, name="channel_ok")
            register(_Named, name="declared_name", aliases=("declared",))

    with temporary_plugin(Edge(), "edge"):
        assert {"channel_ok", "declared_name"} <= set(alignment.attribution_models())
        assert plugins.plugin_errors() == []
        assert type(plugins.get_attribution_model("declared")) is _Named


def test_hook_returning_a_value_is_an_error() -> None:
    class Returning:
        @alignment.hookimpl
        def register_scorers(self, register: Any) -> list[Any]:
            return [_Good]

    with temporary_plugin(Returning(), "returning"):
        with pytest.warns(AlignmentWarning, match="must return None"):
            alignment.scorers()
        assert "returned list" in str(_one_error("returning"))


def test_broken_default_plugin_is_reported(
    make_dist: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the module exists but an import inside it fails: never tolerated
    tmp = make_dist("unused-dist", "alignment_fake_builtin", "import alignment_missing_dep_xyz\n")
    (tmp / "unused_dist-0.0.1.dist-info" / "entry_points.txt").write_text("")
    monkeypatch.setattr(plugins, "DEFAULT_PLUGINS", ("alignment_fake_builtin",))
    with pytest.warns(AlignmentWarning, match="alignment_missing_dep_xyz"):
        alignment.list_plugins()
    err = _one_error("alignment_fake_builtin")
    assert isinstance(err.__cause__, ModuleNotFoundError)


def test_two_distributions_with_one_entry_point_name(make_dist: Callable[..., Path]) -> None:
    body = """
        import alignment
        from alignment.base import AttributionModel

        class M(AttributionModel):
            description = "{d}"
            def weights(self, journeys):
                return None

        @alignment.hookimpl
        def register_attribution_models(register):
            register(M, name="{n}")
    """
    make_dist(
        "dist-one",
        "alignment_shared_one",
        body.format(d="one", n="shared_one"),
        entry_name="shared",
    )
    make_dist(
        "dist-two",
        "alignment_shared_two",
        body.format(d="two", n="shared_two"),
        entry_name="shared",
    )
    with pytest.warns(AlignmentWarning, match="two entry points share this name"):
        models = alignment.attribution_models()
    assert ("shared_one" in models) != ("shared_two" in models)  # exactly one loaded
    err = _one_error("shared")
    assert "dist-one" in str(err) and "dist-two" in str(err)
