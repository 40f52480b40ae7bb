"""A plugin model's output read as numbers, and its constructor: each failure a PluginError.

Weights and channel credit must be real numbers (no text, even ``"1.0"``; no complex; no
``None``), readable as an array (an ``__array__`` that raises is the model's failure), and
channel credit must not be negative; a constructor or factory that raises when the registry
builds the model by name is the plugin's failure too.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest
from _plugins_helpers import temporary_plugin

import alignment
from alignment.base import AttributionModel, ChannelCredit
from alignment.datasets import synthetic_crm
from alignment.errors import ParameterError, PluginError
from alignment.plugins import get_attribution_model

PLUGIN = "outputs_plugin"


def _first_touch(journeys: Any) -> np.ndarray:
    w = np.zeros(journeys.n_touches)
    o = np.asarray(journeys.offsets)
    w[o[:-1][np.diff(o) > 0]] = 1.0
    return w


class _Unarrayable:
    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise RuntimeError("no array")


def _totals(journeys: Any) -> tuple[list[str], float, float]:
    names = [str(c) for c in journeys.channel.categories]
    attributed = np.asarray(journeys.converted, bool) & (np.diff(np.asarray(journeys.offsets)) > 0)
    revenue = float(np.asarray(journeys.revenue)[attributed].sum())
    conversions = float(np.asarray(journeys.conversions)[attributed].sum())
    return names, revenue, conversions


def _negative(journeys: Any) -> ChannelCredit:
    names, revenue, conversions = _totals(journeys)
    return ChannelCredit(
        conversions={names[0]: conversions + 100.0, names[1]: -100.0},
        revenue={names[0]: revenue + 1e6, names[1]: -1e6},
    )


def _as_text(journeys: Any) -> ChannelCredit:
    names, revenue, conversions = _totals(journeys)
    return ChannelCredit(conversions={names[0]: str(conversions)}, revenue={names[0]: str(revenue)})


WEIGHTS = {
    "text_weights": (lambda j: [str(v) for v in _first_touch(j)], "not a real number: '"),
    "complex_weights": (lambda j: _first_touch(j) * (1 + 0j), "(complex)"),
    "none_weights": (lambda j: None, "None (NoneType)"),
    "unarrayable_weights": (lambda j: _Unarrayable(), "cannot be read as numbers"),
}
CREDIT = {
    "text_credit": (_as_text, "(str)"),
    "none_credit": (
        lambda j: ChannelCredit(conversions={"email": None}, revenue={"email": None}),
        "None (NoneType)",
    ),
    "negative_credit": (_negative, "negative revenue credit"),
}


def _touch_model(body: Any) -> type[AttributionModel]:
    return type("M", (AttributionModel,), {"kind": "touch", "description": "d", "weights": body})


def _channel_model(body: Any) -> type[AttributionModel]:
    attrs = {"kind": "channel", "description": "d", "channel_credit": body}
    return type("M", (AttributionModel,), attrs)


class _InitRaises(AttributionModel):
    description: ClassVar[str] = "constructor raises"
    kind: ClassVar[str] = "touch"  # type: ignore[misc]

    def __init__(self, scale: float = 1.0) -> None:
        raise RuntimeError("constructor exploded")

    def weights(self, journeys: Any) -> np.ndarray:
        return _first_touch(journeys)


class _InitRefuses(_InitRaises):
    description: ClassVar[str] = "constructor refuses with a ParameterError"

    def __init__(self, scale: float = 1.0) -> None:
        raise ParameterError("scale: no")


def _factory_raises(**params: Any) -> AttributionModel:
    """a factory that raises"""
    raise ZeroDivisionError("factory exploded")


class _Plugin:
    @alignment.hookimpl
    def register_attribution_models(self, register: Any) -> None:
        for name, (body, _) in WEIGHTS.items():
            register(_touch_model(lambda self, j, body=body: body(j)), name=name)
        for name, (body, _) in CREDIT.items():
            register(_channel_model(lambda self, j, body=body: body(j)), name=name)
        register(_InitRaises, name="init_raises")
        register(_InitRefuses, name="init_refuses")
        register(_factory_raises, name="factory_raises")


@pytest.fixture(scope="module")
def crm() -> Any:
    return synthetic_crm(300, seed=5)


@pytest.mark.parametrize("name", [*WEIGHTS, *CREDIT])
def test_unusable_output_is_a_plugin_error(name: str, crm: Any) -> None:
    needle = {**WEIGHTS, **CREDIT}[name][1]
    with temporary_plugin(_Plugin(), PLUGIN), pytest.raises(PluginError) as info:
        alignment.attribute(crm.touchpoints, crm.conversions, model=name)
    assert info.value.plugin == PLUGIN
    assert str(info.value).startswith(f"plugin {PLUGIN!r}: attribution model {name!r} ")
    assert needle in str(info.value), str(info.value)


def test_an_unarrayable_output_keeps_its_cause(crm: Any) -> None:
    with temporary_plugin(_Plugin(), PLUGIN), pytest.raises(PluginError) as info:
        alignment.attribute(crm.touchpoints, crm.conversions, model="unarrayable_weights")
    assert isinstance(info.value.__cause__, RuntimeError)


@pytest.mark.parametrize(
    ("name", "needle", "cause"),
    [
        ("init_raises", "raised RuntimeError in its constructor: constructor exploded", RuntimeError),
        ("factory_raises", "raised ZeroDivisionError in its factory: factory exploded", ZeroDivisionError),
    ],
)  # fmt: skip
def test_a_constructor_that_raises_is_a_plugin_error(
    name: str, needle: str, cause: type[Exception], crm: Any
) -> None:
    with temporary_plugin(_Plugin(), PLUGIN):
        for build in (
            lambda: get_attribution_model(name),
            lambda: alignment.attribute(crm.touchpoints, crm.conversions, model=name),
        ):
            with pytest.raises(PluginError) as info:
                build()
            assert info.value.plugin == PLUGIN
            assert f"attribution model {name!r} {needle}" in str(info.value)
            assert isinstance(info.value.__cause__, cause)


def test_a_constructor_names_the_parameters_given() -> None:
    with temporary_plugin(_Plugin(), PLUGIN), pytest.raises(PluginError, match=r"\['scale'\]"):
        get_attribution_model("init_raises", scale=2.0)


def test_a_constructors_parameter_error_passes_as_it_is() -> None:
    with temporary_plugin(_Plugin(), PLUGIN), pytest.raises(ParameterError, match="scale: no"):
        get_attribution_model("init_refuses")


def test_a_class_passed_in_that_raises_is_a_plugin_error() -> None:
    with pytest.raises(PluginError, match="raised RuntimeError in its constructor"):
        get_attribution_model(_InitRaises)


def test_integer_and_flag_weights_are_numbers(crm: Any) -> None:
    """Ints and flags are real numbers: read as float64, not refused."""

    def as_flags(journeys: Any) -> np.ndarray:
        return _first_touch(journeys).astype(bool)

    class Flags:
        @alignment.hookimpl
        def register_attribution_models(self, register: Any) -> None:
            register(_touch_model(lambda self, j: as_flags(j)), name="flag_weights")

    with temporary_plugin(Flags(), "flags_plugin"):
        got = alignment.attribute(crm.touchpoints, crm.conversions, model="flag_weights")
    want = alignment.attribute(crm.touchpoints, crm.conversions, model="first")
    assert got.totals() == pytest.approx(want.totals())


def _credit_model(revenue_of: Any) -> AttributionModel:
    """A channel model crediting ``revenue_of(names, revenue)`` and every conversion to the
    first channel."""

    def credit(self: Any, journeys: Any) -> ChannelCredit:
        names, revenue, conversions = _totals(journeys)
        return ChannelCredit({names[0]: conversions}, revenue_of(names, revenue))

    return _channel_model(credit)()


@pytest.mark.parametrize(
    ("revenue_of", "needle"),
    [
        (lambda n, r: {n[0]: r - 999.0}, "a difference of -999"),  # 999 of a billion
        (lambda n, r: {n[0]: r * (1 - 1e-7)}, "beyond the"),  # within the old 1e-6
        (lambda n, r: {n[0]: r + 1e-3, n[1]: -1e-3}, "negative revenue credit"),
    ],
    ids=["999_of_a_billion", "1e-7_relative", "negative_within_the_old_bound"],
)
def test_channel_credit_conserves_revenue_to_rounding(revenue_of: Any, needle: str) -> None:
    """Credit that loses revenue, or credits a channel a negative amount, beyond floating-point
    rounding is refused: every unit of revenue is credited or reported unattributed."""
    ts = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[s]")
    touches = {"lead_id": ["a", "b"], "timestamp": ts, "channel": ["email", "web"]}
    conv = {"lead_id": ["a", "b"], "converted_at": np.array(["2024-01-10"] * 2, dtype="datetime64[s]"),
            "revenue": [6e8, 4e8]}  # fmt: skip
    with pytest.raises(PluginError, match=needle):
        alignment.attribute(touches, conv, model=_credit_model(revenue_of))


def test_channel_credit_within_rounding_is_kept_and_a_negative_residue_is_zero(crm: Any) -> None:
    """Rounding-sized differences pass; a channel's negative residue of rounding is credited 0
    (never a negative amount in the result) and the credit still adds up."""

    def residue(names: list[str], revenue: float) -> dict[str, float]:
        return {names[0]: revenue * (1 + 2e-16) + 1e-12, names[1]: -1e-12}

    got = alignment.attribute(crm.touchpoints, crm.conversions, model=_credit_model(residue))
    totals = got.totals(by="channel")
    assert min(totals.values()) == 0.0
    assert sum(totals.values()) == pytest.approx(got.summary()["converted_revenue"], rel=1e-12)


class _Channel:
    """A channel object whose ``str()`` is the channel's name (not a ``str`` itself)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name


@pytest.mark.parametrize("both", [False, True], ids=["objects", "objects_and_names"])
def test_channel_credit_keyed_by_other_than_text_is_a_plugin_error(both: bool, crm: Any) -> None:
    """A key whose ``str()`` is a channel is refused, not credited to nobody."""

    def credit(names: list[str], revenue: float) -> dict[Any, float]:
        keyed: dict[Any, float] = {_Channel(names[0]): revenue / 2}
        keyed[names[0] if both else _Channel(names[1])] = revenue / 2
        return keyed

    with pytest.raises(
        PluginError, match=r"keyed its revenue credit by _Channel .*channels are text"
    ):
        alignment.attribute(crm.touchpoints, crm.conversions, model=_credit_model(credit))
