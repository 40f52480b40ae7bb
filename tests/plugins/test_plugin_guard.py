"""A third-party attribution model cannot break the books (exceptions, mutation, drift)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pytest
from _plugins_helpers import temporary_plugin

import alignment
from alignment import Journeys
from alignment.base import AttributionModel
from alignment.errors import PluginError


def data() -> tuple[dict[str, Any], dict[str, Any]]:
    ts = np.array(["2024-01-01", "2024-01-02", "2024-01-03"], dtype="datetime64[us]")
    touches = {
        "lead_id": ["a", "a", "b"],
        "timestamp": ts,
        "channel": ["email", "search", "email"],
        "cost": [1.0, 2.0, 3.0],
    }
    conv = {
        "lead_id": ["a", "b"],
        "converted_at": np.array(["2024-01-05", "2024-01-06"], dtype="datetime64[us]"),
        "revenue": [1200.0, 600.0],
    }
    return touches, conv


class _Last(AttributionModel):
    """All credit to the last touch (a plain third-party rule)."""

    description: ClassVar[str] = "last touch"

    def weights(self, journeys: Any) -> np.ndarray:
        w = np.zeros(journeys.n_touches)
        ends = np.asarray(journeys.offsets)[1:] - 1
        has = np.diff(journeys.offsets) > 0
        w[ends[has]] = 1.0
        return w


class Raises(_Last):
    def weights(self, journeys: Any) -> np.ndarray:
        raise RuntimeError("boom")


class InflatesRevenue(_Last):
    def weights(self, journeys: Any) -> np.ndarray:
        rev = journeys.revenue
        rev.flags.writeable = True  # forcing its way in
        rev *= 1.5
        return super().weights(journeys)


class AddsColumn(_Last):
    def weights(self, journeys: Any) -> np.ndarray:
        journeys.touch_numeric["leak"] = np.zeros(journeys.n_touches)
        return super().weights(journeys)


class Drifts(_Last):
    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def weights(self, journeys: Any) -> np.ndarray:
        self.scale += 1.0
        return super().weights(journeys)


class WritesItsArray(_Last):
    def __init__(self, table: Any = None) -> None:
        self.table = table

    def weights(self, journeys: Any) -> np.ndarray:
        self.table[self.table.size // 2] += 1.0  # (numpy abbreviates the repr of 5000 items)
        return super().weights(journeys)


class ChannelRaises(AttributionModel):
    """A data-driven model that fails."""

    description: ClassVar[str] = "fails"
    kind: ClassVar[Literal["touch", "channel"]] = "channel"

    def channel_credit(self, journeys: Any) -> Any:
        raise KeyError("no such thing")


def test_a_plain_third_party_model_runs() -> None:
    touches, conv = data()
    assert alignment.attribute(touches, conv, model=_Last()).totals() == {
        "email": 600.0,
        "search": 1200.0,
    }


@pytest.mark.parametrize(
    ("model", "needle"),
    [
        (Raises(), "raised RuntimeError in weights"),
        (ChannelRaises(), "raised KeyError in channel_credit"),
        (InflatesRevenue(), "raised ValueError in weights.*WRITEABLE"),
        (AddsColumn(), "changed the journeys"),
        (Drifts(), "changed its own parameters"),
        (WritesItsArray(np.zeros(5000)), r"parameter 'table' changed in place"),
    ],
)
def test_each_class_of_misbehaviour_is_a_plugin_error(model: AttributionModel, needle: str) -> None:
    touches, conv = data()
    with pytest.raises(PluginError, match=needle) as info:
        alignment.attribute(touches, conv, model=model)
    assert type(model).__name__ in str(info.value) or info.value.plugin
    if needle.startswith("raised"):
        assert info.value.__cause__ is not None  # the model's own exception is chained


def test_a_third_party_model_runs_on_a_crm_bundle() -> None:
    crm = alignment.datasets.synthetic_crm(50, seed=1)  # (its text columns are deferred)
    got = alignment.attribute(crm, model=_Last()).totals()
    assert got == alignment.attribute(crm, model="last_touch").totals()


def test_the_example_model_runs_on_a_crm_bundle(example_plugin: str) -> None:
    crm = alignment.datasets.synthetic_crm(50, seed=1)
    whole = alignment.attribute(crm, model="first_and_last", first_share=1.0).totals()
    assert whole == alignment.attribute(crm, model="first_touch").totals()


def test_a_prebuilt_table_is_not_changed_by_a_model() -> None:
    touches, conv = data()
    journeys = Journeys.build(touches, conv)
    revenue = np.asarray(journeys.revenue).copy()
    for model in (AddsColumn(), InflatesRevenue()):
        with pytest.raises(PluginError):
            alignment.attribute(journeys, model=model)
    assert "leak" not in journeys.touch_numeric
    later = alignment.attribute(journeys, model=_Last())
    assert "leak" not in later.to_frame(backend="dict")
    assert sum(later.totals().values()) == pytest.approx(float(revenue.sum()))


# ---------------------------------------- parameters, the copy that is fitted, the repr


class _Fits(_Last):
    """A rule that learns (requires_fit): alignment.attribute fits a copy (clone)."""

    requires_fit: ClassVar[bool] = True

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def fit(self, journeys: Any) -> _Fits:
        self.fitted_ = True
        return self


class FitsParamsRaise(_Fits):
    def get_params(self) -> dict[str, Any]:
        raise LookupError("parameters lost")


class FitsParamsExtra(_Fits):
    def get_params(self) -> dict[str, Any]:
        return {"scale": self.scale, "shift": 0.0}  # not a constructor parameter


class ParamsRaise(_Last):
    def get_params(self) -> dict[str, Any]:
        raise LookupError("parameters lost")


class ReprRaises(_Last):
    def __repr__(self) -> str:
        raise ValueError("cannot show")


class ParamsPlugin:
    """Registers models with broken parameters or repr, as plugin ``guard_params_models``."""

    @alignment.hookimpl
    def register_attribution_models(self, register: Any) -> None:
        register(FitsParamsRaise, name="guard_fits_params_raise")
        register(FitsParamsExtra, name="guard_fits_params_extra")
        register(ParamsRaise, name="guard_params_raise")
        register(ReprRaises, name="guard_repr_raises")


@pytest.mark.parametrize(
    ("name", "needle", "cause"),
    [  # the copy fitted by alignment.attribute: clone = get_params() + the constructor
        ("guard_fits_params_raise", "raised LookupError in get_params\\(\\)", LookupError),
        (
            "guard_fits_params_extra",
            "raised TypeError in its constructor with parameters \\['scale', 'shift'\\]",
            TypeError,
        ),
        ("guard_params_raise", "raised LookupError in get_params\\(\\)", LookupError),
    ],
)
def test_a_model_whose_parameters_fail_is_a_plugin_error(
    name: str, needle: str, cause: type[Exception]
) -> None:
    touches, conv = data()
    with temporary_plugin(ParamsPlugin(), "guard_params_models"):
        with pytest.raises(PluginError, match=needle) as info:
            alignment.attribute(touches, conv, model=name)
    assert info.value.plugin == "guard_params_models"
    assert str(info.value).startswith(f"plugin 'guard_params_models': attribution model {name!r}")
    assert isinstance(info.value.__cause__, cause)


def test_the_report_shows_a_model_whose_repr_fails_as_a_plugin_error() -> None:
    touches, conv = data()
    with temporary_plugin(ParamsPlugin(), "guard_params_models"):
        result = alignment.attribute(touches, conv, model="guard_repr_raises")
        with pytest.raises(PluginError, match="raised ValueError in __repr__\\(\\)") as info:
            alignment.build_report(attribution={"guard_repr_raises": result})
    assert info.value.plugin == "guard_params_models"
    assert isinstance(info.value.__cause__, ValueError)
