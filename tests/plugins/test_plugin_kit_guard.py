"""The conformance kit catches container mutation and parameter drift, and passes good models."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pytest

from alignment import plugins
from alignment.base import AttributionModel, ChannelCredit, Scorer
from alignment.errors import AlignmentWarning
from alignment.testing import check_attribution_model, check_scorer
from alignment.testing._integrity import check_no_container_mutation, check_no_param_drift

NEW_CHECKS = ("check_no_container_mutation", "check_no_param_drift")


class _Last(AttributionModel):
    name: ClassVar[str] = "kit_guard_last"
    description: ClassVar[str] = "all credit to the last touch"

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def weights(self, journeys: Any) -> np.ndarray:
        w = np.zeros(journeys.n_touches)
        offsets = np.asarray(journeys.offsets)
        has = (np.diff(offsets) > 0) & np.asarray(journeys.converted)
        w[(offsets[1:] - 1)[has]] = 1.0
        return w


class AddsTouchNumeric(_Last):
    name: ClassVar[str] = "kit_guard_adds_touch_numeric"

    def weights(self, journeys: Any) -> np.ndarray:
        journeys.touch_numeric["leak"] = np.zeros(journeys.n_touches)
        return super().weights(journeys)


class AddsAnchorInFit(_Last):
    name: ClassVar[str] = "kit_guard_adds_anchor"

    def fit(self, journeys: Any, y: Any = None) -> AddsAnchorInFit:
        journeys.anchors["seen_at"] = np.asarray(journeys.converted_at)
        return self


class DriftsInWeights(_Last):
    name: ClassVar[str] = "kit_guard_drifts"

    def weights(self, journeys: Any) -> np.ndarray:
        self.scale += 1.0
        return super().weights(journeys)


class DriftsInFit(_Last):
    name: ClassVar[str] = "kit_guard_drifts_in_fit"

    def fit(self, journeys: Any, y: Any = None) -> DriftsInFit:
        self.scale = float(self.scale) * 2
        return self


class DriftsOnSecondCall(_Last):
    name: ClassVar[str] = "kit_guard_drifts_second"

    def weights(self, journeys: Any) -> np.ndarray:
        self.calls_ = getattr(self, "calls_", 0) + 1
        if self.calls_ == 2:
            self.scale = -1.0
        return super().weights(journeys)


class ChannelDrops(AttributionModel):
    name: ClassVar[str] = "kit_guard_channel_drops"
    description: ClassVar[str] = "credit per channel, removes a container entry"
    kind: ClassVar[Any] = "channel"

    def channel_credit(self, journeys: Any) -> ChannelCredit:
        journeys.journey_columns["extra"] = journeys.channel  # a new key
        return ChannelCredit({}, {})


class _Size(Scorer):
    name: ClassVar[str] = "kit_guard_size"
    description: ClassVar[str] = "log company size"

    def __init__(self, columns: list[str] | None = None) -> None:
        self.columns = columns

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        size = np.asarray(leads.numeric["company_size"], dtype=np.float64)
        return {"score": np.log1p(np.nan_to_num(size))}


class ScorerAddsNumeric(_Size):
    name: ClassVar[str] = "kit_guard_scorer_adds"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        leads.numeric["leak"] = np.zeros(leads.n_leads)
        return super().score(leads, touchpoints)


class ScorerDropsCategorical(_Size):
    name: ClassVar[str] = "kit_guard_scorer_drops"

    def fit(self, leads: Any, y: Any = None, **kwargs: Any) -> ScorerDropsCategorical:
        leads.categorical.pop("industry", None)
        return self


class ScorerDriftsInPlace(_Size):
    name: ClassVar[str] = "kit_guard_scorer_drifts"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        self.columns = [*(self.columns or []), "x"]
        return super().score(leads, touchpoints)


def _failure(run: Any, model: Any, check: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlignmentWarning)
        with pytest.raises(AssertionError) as info:
            run(model)
    line = next(ln for ln in str(info.value).splitlines() if ln.strip().startswith(check))
    return line


@pytest.mark.parametrize(
    ("model", "needle"),
    [
        (AddsTouchNumeric(), "the first weights() changed its input (journeys.touch_numeric: "),
        (AddsAnchorInFit(), "fit() changed its input (journeys.anchors: key(s) added ['seen_at'])"),
        (ChannelDrops(), "journeys.journey_columns: key(s) added ['extra']"),
        (ScorerAddsNumeric(), "the first score() changed its input (leads.numeric: key(s) added"),
        (ScorerDropsCategorical(), "leads.categorical: key(s) removed ['industry']"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else None,
)
def test_container_mutation_is_caught(model: Any, needle: str) -> None:
    run = check_scorer if isinstance(model, Scorer) else check_attribution_model
    line = _failure(run, model, "check_no_container_mutation")
    assert needle in line
    assert type(model).name in line  # the message names the model
    with pytest.raises(AssertionError, match="a model must only read its inputs"):
        check_no_container_mutation(model)


@pytest.mark.parametrize(
    ("model", "needle"),
    [
        (DriftsInWeights(), "parameter 'scale' changed from 1.0 to 2.0 by the first weights()"),
        (DriftsInFit(), "parameter 'scale' changed from 1.0 to 2.0 by fit()"),
        (DriftsOnSecondCall(), "parameter 'scale' changed from 1.0 to -1.0 by a second weights()"),
        (ScorerDriftsInPlace(), "parameter 'columns' changed from None to ['x'] by the first"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else None,
)
def test_parameter_drift_is_caught(model: Any, needle: str) -> None:
    run = check_scorer if isinstance(model, Scorer) else check_attribution_model
    line = _failure(run, model, "check_no_param_drift")
    assert needle in line
    assert type(model).name in line
    with pytest.raises(AssertionError, match="attributes ending in '_'"):
        check_no_param_drift(model)


def test_a_list_parameter_changed_in_place_is_drift() -> None:
    class AppendsInPlace(_Size):
        name: ClassVar[str] = "kit_guard_appends"

        def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
            assert self.columns is not None
            self.columns.append("x")
            return super().score(leads, touchpoints)

    with pytest.raises(AssertionError, match=r"'columns' changed from \['a'\] to \['a', 'x'\]"):
        check_no_param_drift(AppendsInPlace(["a"]))


def test_good_models_pass_the_new_checks() -> None:
    for model in (_Last(), _Size()):
        check_no_container_mutation(model)
        check_no_param_drift(model)


def _builtins() -> list[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlignmentWarning)
        models = [plugins.get_attribution_model(n) for n in plugins.attribution_models()]
        return models + [plugins.get_scorer(n) for n in plugins.scorers()]


@pytest.mark.filterwarnings("ignore::alignment.AlignmentWarning")
@pytest.mark.parametrize("check", [check_no_container_mutation, check_no_param_drift])
def test_every_builtin_passes(check: Any) -> None:
    models = _builtins()
    assert {type(m).name for m in models} >= {"linear", "markov", "shapley", "grid", "logistic"}
    for model in models:
        check(model)


def test_the_example_plugin_passes(example_plugin: str) -> None:
    for model in (
        plugins.get_attribution_model("first_and_last", first_share=0.3),
        plugins.get_scorer("touch_count", channel_points={"email": 3.0}),
    ):
        run = check_scorer if isinstance(model, Scorer) else check_attribution_model
        statuses = {r.check: r.status for r in run(model)}  # type: ignore[operator]
        assert all(statuses[name] == "passed" for name in NEW_CHECKS)
