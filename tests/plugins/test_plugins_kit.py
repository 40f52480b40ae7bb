"""The conformance kit: it passes good models (built-ins, the example plugin) and flags bad ones."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
import pytest
from _plugins_helpers import temporary_plugin

import alignment
from alignment import plugins
from alignment.base import AttributionModel, ChannelCredit, Scorer, check_is_fitted
from alignment.errors import AlignmentWarning, ParameterError, PluginError, UnknownModelError
from alignment.testing import (
    _data,
    check_attribution_model,
    check_scorer,
    make_journey_data,
    make_lead_data,
    parametrize_with_checks,
)

# ---------------------------------------------------------------------------------------------
# built-in models, collected from the registry (default plugins only)


def _builtins() -> list[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlignmentWarning)
        plugins.reset_plugins()
        models: list[Any] = []
        for name in plugins.attribution_models():
            if (
                plugins.get_registration("attribution model", name).plugin
                in plugins.DEFAULT_PLUGINS
            ):
                models.append(plugins.get_attribution_model(name))
        for name in plugins.scorers():
            if plugins.get_registration("scorer", name).plugin in plugins.DEFAULT_PLUGINS:
                models.append(plugins.get_scorer(name))
        plugins.reset_plugins()
    return models


BUILTINS = _builtins()


def test_builtins_are_all_collected() -> None:
    """Not vacuous: every model the default plugins register is in the parametrisation."""
    expected = set()
    for kind, registry in (
        ("attribution model", alignment.attribution_models()),
        ("scorer", alignment.scorers()),
    ):
        for name in registry:
            if plugins.get_registration(kind, name).plugin in plugins.DEFAULT_PLUGINS:  # type: ignore[arg-type]
                expected.add(name)
    assert {type(m).name for m in BUILTINS} == expected
    if any(p.builtin and "attribution" in p.name for p in alignment.list_plugins()):
        assert len([m for m in BUILTINS if isinstance(m, AttributionModel)]) >= 6


# rule-based models that use lead anchors warn when the kit's journeys carry none
@pytest.mark.filterwarnings("ignore::alignment.AlignmentWarning")
@parametrize_with_checks(BUILTINS)
def test_builtin_conformance(model: Any, check: Any) -> None:
    check(model)


# ---------------------------------------------------------------------------------------------
# the example plugin


def test_example_plugin_passes_the_kit(example_plugin: str) -> None:
    model = plugins.get_attribution_model("first_and_last")
    results = check_attribution_model(model)
    assert {r.status for r in results} <= {"passed", "skipped"}
    assert "check_weights_sum_to_one" in {r.check for r in results if r.status == "passed"}
    for params in ({"first_share": 0.0}, {"first_share": 0.3}, {"first_share": 1}):
        check_attribution_model(plugins.get_attribution_model("first_and_last", **params))
    scorer = plugins.get_scorer("touch_count", channel_points={"email": 3.0, "webinar": 5.0})
    results = check_scorer(scorer)
    assert "check_scores_shape" in {r.check for r in results if r.status == "passed"}


def test_example_plugin_through_the_engines(example_plugin: str) -> None:
    touchpoints, conversions = make_journey_data(3)
    result = alignment.attribute(touchpoints, conversions, model="first_and_last", first_share=1)
    first = alignment.attribute(touchpoints, conversions, model="first")
    assert result.totals("channel") == pytest.approx(first.totals("channel"))
    assert sum(result.totals("channel").values()) == pytest.approx(conversions["revenue"].sum())

    leads, tp, _ = _data.make_lead_data(0)
    scored = alignment.score(leads, tp, scorer="touch_count", default_points=2.0)
    expected = 2.0 * np.array([(tp["lead_id"] == lead).sum() for lead in leads["lead_id"]])
    np.testing.assert_array_equal(scored.columns["score"], expected)
    assert type(scored.scorer).name == "touch_count"


def test_example_first_and_last_weights(example_plugin: str) -> None:
    """Oracle: per journey, first_share to the first touch, the rest to the last."""
    touchpoints, conversions = make_journey_data(5, n_journeys=40)
    journeys = alignment.Journeys.build(touchpoints, conversions)
    model = plugins.get_attribution_model("first_and_last", first_share=0.3)
    w = model.weights(journeys)
    offsets = journeys.offsets
    for j in range(journeys.n_journeys):  # plain-Python twin
        seg = w[offsets[j] : offsets[j + 1]]
        n = seg.size
        expected = np.zeros(n)
        if journeys.converted[j] and n:
            expected[0] += 0.3
            expected[-1] += 0.7
        np.testing.assert_allclose(seg, expected)


def test_example_touch_count_scores(example_plugin: str) -> None:
    leads, touchpoints, _ = _data.make_lead_data(2)
    table = alignment.LeadTable.build(leads)
    journeys = alignment.Journeys.build(touchpoints)
    out = plugins.get_scorer("touch_count", channel_points={"email": 2.0}).score(table, journeys)
    for i, lead in enumerate(leads["lead_id"]):  # plain-Python twin
        mine = touchpoints["channel"][touchpoints["lead_id"] == lead]
        assert out["touches"][i] == mine.size
        assert out["score"][i] == sum(2.0 if c == "email" else 1.0 for c in mine)


# ---------------------------------------------------------------------------------------------
# bad models the kit must flag


class _Linear(AttributionModel):
    name: ClassVar[str] = "kit_linear"
    description: ClassVar[str] = "test model: equal shares"

    def weights(self, journeys: Any) -> np.ndarray:
        lengths = np.diff(np.asarray(journeys.offsets))
        ok = np.asarray(journeys.converted) & (lengths > 0)
        return np.repeat(np.where(ok, 1.0 / np.maximum(lengths, 1), 0.0), lengths)


class _NaN(_Linear):
    name: ClassVar[str] = "kit_nan"
    description: ClassVar[str] = "returns NaN weights"

    def weights(self, journeys: Any) -> np.ndarray:
        w = super().weights(journeys)
        w[: max(1, w.size // 3)] = np.nan
        return w


class _WrongLength(_Linear):
    name: ClassVar[str] = "kit_wrong_length"
    description: ClassVar[str] = "one weight too many"

    def weights(self, journeys: Any) -> np.ndarray:
        return np.append(super().weights(journeys), 0.0)


class _NotNormalised(_Linear):
    name: ClassVar[str] = "kit_not_normalised"
    description: ClassVar[str] = "weights of 1 per touch"

    def weights(self, journeys: Any) -> np.ndarray:
        return (super().weights(journeys) > 0).astype(np.float64)


class _Negative(_Linear):
    name: ClassVar[str] = "kit_negative"
    description: ClassVar[str] = "first touch -1, last touch +2"

    def weights(self, journeys: Any) -> np.ndarray:
        w = np.zeros(journeys.n_touches)
        lengths = np.diff(journeys.offsets)
        ok = journeys.converted & (lengths > 1)
        w[journeys.offsets[:-1][ok]] = -1.0
        w[journeys.offsets[1:][ok] - 1] = 2.0
        single = journeys.converted & (lengths == 1)
        w[journeys.offsets[:-1][single]] = 1.0
        return w


class _RowOrder(_Linear):
    name: ClassVar[str] = "kit_row_order"
    description: ClassVar[str] = "depends on the caller's row order"

    def weights(self, journeys: Any) -> np.ndarray:
        w = np.zeros(journeys.n_touches)
        lengths = np.diff(journeys.offsets)
        ok = journeys.converted & (lengths > 0)
        # the touch with the smallest input row gets everything: changes when rows are shuffled
        firsts = journeys.offsets[:-1][ok]
        best = np.array(
            [s + int(np.argmin(journeys.row[s : s + n])) for s, n in zip(firsts, lengths[ok])],
            dtype=np.int64,
        )
        w[best] = 1.0
        return w


class _Random(_Linear):
    name: ClassVar[str] = "kit_random"
    description: ClassVar[str] = "random shares, unseeded"

    def weights(self, journeys: Any) -> np.ndarray:
        raw = np.random.default_rng().random(journeys.n_touches) * (super().weights(journeys) > 0)
        sums = np.bincount(journeys.journey_index, raw, minlength=journeys.n_journeys)
        return raw / np.where(sums > 0, sums, 1.0)[journeys.journey_index]


class _MutatesParams(_Linear):
    name: ClassVar[str] = "kit_mutates_params"
    description: ClassVar[str] = "fit changes its parameter"

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def fit(self, journeys: Any) -> _MutatesParams:
        self.scale = self.scale * 2
        return self


class _WritesItsArray(_Linear):
    name: ClassVar[str] = "kit_writes_its_array"
    description: ClassVar[str] = "fit writes into its (large) array parameter"

    def __init__(self, table: Any = None) -> None:
        self.table = table

    def fit(self, journeys: Any) -> _WritesItsArray:
        self.table[self.table.size // 2] += 1.0  # (numpy abbreviates the repr of 5000 items)
        return self


class _ConvertsInInit(_Linear):
    name: ClassVar[str] = "kit_converts_in_init"
    description: ClassVar[str] = "validates in __init__"

    def __init__(self, half_life: Any = "7d") -> None:
        self.half_life = str(half_life).upper()


class _CreditsUnconverted(_Linear):
    name: ClassVar[str] = "kit_credits_unconverted"
    description: ClassVar[str] = "credits journeys without a conversion"

    def weights(self, journeys: Any) -> np.ndarray:
        lengths = np.diff(np.asarray(journeys.offsets))
        return np.repeat(1.0 / np.maximum(lengths, 1), lengths)


class _NeedsFit(_Linear):
    name: ClassVar[str] = "kit_needs_fit"
    description: ClassVar[str] = "needs fit but does not say so"
    requires_fit: ClassVar[bool] = True


class _Channel(AttributionModel):
    name: ClassVar[str] = "kit_channel"
    description: ClassVar[str] = "credits half the revenue to each channel"
    kind: ClassVar[Any] = "channel"

    def channel_credit(self, journeys: Any) -> ChannelCredit:
        cats = [str(c) for c in journeys.channel.categories]
        total = float(journeys.revenue.sum())
        return ChannelCredit({c: 0.0 for c in cats}, {c: total / 2 for c in cats})


class _ChannelLeaky(_Channel):
    name: ClassVar[str] = "kit_channel_leaky"
    description: ClassVar[str] = "keeps 5e-10 of the revenue: an amount, not a rounding"

    def channel_credit(self, journeys: Any) -> ChannelCredit:
        cats = [str(c) for c in journeys.channel.categories]
        touched = np.diff(np.asarray(journeys.offsets)) > 0
        conv = float(np.asarray(journeys.conversions)[touched].sum())
        rev = float(np.asarray(journeys.revenue)[touched].sum())
        return ChannelCredit({cats[0]: conv}, {cats[0]: rev * (1 - 5e-10)})


@pytest.mark.parametrize(
    ("model", "check", "message"),
    [
        (_NaN(), "check_weights_finite", "not finite"),
        (_WrongLength(), "check_weights_shape", "has shape"),
        (_NotNormalised(), "check_weights_sum_to_one", "do not sum to 1"),
        (_Negative(), "check_weights_nonnegative", "negative weight"),
        (_RowOrder(), "check_row_order_invariance", "after shuffling the input rows"),
        (_Random(), "check_deterministic", "weights differ"),
        (_MutatesParams(), "check_no_mutation", "parameter 'scale' changed"),
        (_WritesItsArray(np.zeros(5000)), "check_no_param_drift", "'table' changed in place"),
        (_ConvertsInInit(), "check_params_stored_verbatim", "not stored verbatim"),
        (_CreditsUnconverted(), "check_weights_sum_to_one", "without a conversion got weight"),
        (_NeedsFit(), "check_not_fitted", "did not raise NotFittedError"),
        (_Channel(), "check_channel_credit_totals", "credit sums to"),
        (_ChannelLeaky(), "check_channel_credit_totals", "to floating-point rounding"),
    ],
    ids=lambda v: type(v).__name__.strip("_") if isinstance(v, AttributionModel) else None,
)
def test_kit_flags_bad_attribution_models(model: Any, check: str, message: str) -> None:
    with pytest.raises(AssertionError) as info:
        check_attribution_model(model)
    text = str(info.value)
    line = next((ln for ln in text.splitlines() if ln.strip().startswith(check)), None)
    assert line is not None, text
    assert message in line, text


def test_good_model_passes_and_reports() -> None:
    results = check_attribution_model(_Linear())
    by_check = {r.check: r for r in results}
    assert by_check["check_weights_sum_to_one"].status == "passed"
    assert by_check["check_not_fitted"].status == "skipped"
    assert by_check["check_not_fitted"].message == "requires_fit is False"
    assert "check_channel_credit_totals" not in by_check


def test_expected_failures() -> None:
    results = check_attribution_model(
        _NaN(),
        expected_failed_checks={
            "check_weights_finite": "NaN on purpose",
            "check_weights_sum_to_one": "NaN on purpose",
            "check_single_touch": "NaN on purpose",
            "check_zero_after_conversion": "the engine rejects NaN",
        },
    )
    statuses = {r.check: r.status for r in results}
    assert statuses["check_weights_finite"] == "xfailed"
    assert statuses["check_weights_shape"] == "passed"
    with pytest.warns(AlignmentWarning, match="expected to fail"):
        out = check_attribution_model(
            _Linear(), expected_failed_checks={"check_weights_shape": "not really"}
        )
    assert {r.check: r.status for r in out}["check_weights_shape"] == "xpassed"
    with pytest.warns(AlignmentWarning, match="unknown checks"):
        check_attribution_model(_Linear(), expected_failed_checks={"check_nope": "typo"})


@pytest.mark.parametrize(
    "expected", ["x", ["check_weights_shape"], {"check_weights_shape": 1}, {1: "reason"}]
)
def test_expected_failed_checks_must_map_names_to_reasons(expected: Any) -> None:
    with pytest.raises(ParameterError, match="expected_failed_checks must be a mapping"):
        check_attribution_model(_Linear(), expected_failed_checks=expected)
    with pytest.raises(ParameterError, match="expected_failed_checks must be a mapping"):
        parametrize_with_checks([_Linear()], expected_failed_checks=lambda model: expected)
    with pytest.raises(ParameterError, match="expected_failed_checks must be a function"):
        parametrize_with_checks([_Linear()], expected_failed_checks=expected)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_journeys": -1}, "n_journeys must be an integer from 0 to 1000000, got -1"),
        ({"n_journeys": 2.5}, "n_journeys must be an integer .*got 2.5"),
        ({"n_journeys": True}, "n_journeys must be an integer .*got True"),
        ({"n_journeys": 10**7}, "n_journeys must be an integer"),
        ({"max_touches": 0}, "max_touches must be an integer from 1 to 1080, got 0"),
        ({"max_touches": 1081}, "max_touches must be an integer from 1 to 1080"),
        ({"p_convert": 2.0}, "p_convert must be a probability from 0 to 1, got 2.0"),
        ({"p_convert": float("nan")}, "p_convert must be a probability"),
        ({"p_convert": "0.5"}, "p_convert must be a probability"),
        ({"seed": -1}, "seed must be a non-negative integer, got -1"),
        ({"seed": None}, "seed must be a non-negative integer, got None"),
        ({"single_touch": "yes"}, "single_touch must be True or False"),
    ],
)
def test_journey_data_refuses_bad_parameters(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        make_journey_data(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_leads": -1}, "n_leads must be an integer from 0 to 1000000, got -1"),
        ({"n_leads": 3.0}, "n_leads must be an integer .*got 3.0"),
        ({"seed": -1}, "seed must be a non-negative integer, got -1"),
    ],
)
def test_lead_data_refuses_bad_parameters(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        _data.make_lead_data(**kwargs)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_lead_data_of_no_lead_or_one(n: int) -> None:
    leads, touchpoints, y = _data.make_lead_data(3, n_leads=n)
    assert all(v.size == n for v in leads.values())
    assert y.tolist() == [0, 1][:n]
    assert set(touchpoints["lead_id"].tolist()) <= set(leads["lead_id"].tolist())
    if n == 1:  # a lead's touches every 7 hours from an hour after its creation
        gaps = np.diff(touchpoints["timestamp"]).astype(np.int64) // 3_600_000_000
        assert (gaps == 7).all()
        assert touchpoints["timestamp"][0] - leads["created_at"][0] == np.timedelta64(1, "h")


def test_journey_data_extremes() -> None:
    touchpoints, conversions = make_journey_data(1, n_journeys=0)
    assert touchpoints["lead_id"].size == conversions["lead_id"].size == 0
    touchpoints, conversions = make_journey_data(1, n_journeys=20, p_convert=1.0)
    assert conversions["lead_id"].size == 20
    _, conversions = make_journey_data(1, n_journeys=20, p_convert=0)
    assert conversions["lead_id"].size == 0
    touchpoints, _ = make_journey_data(np.int64(2), n_journeys=2, max_touches=1080)
    assert touchpoints["lead_id"].size >= 2


def test_kit_rejects_non_models() -> None:
    with pytest.raises(TypeError, match="AttributionModel"):
        check_attribution_model(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Scorer"):
        check_scorer(_Linear())  # type: ignore[arg-type]


# --- scorers ----------------------------------------------------------------------------------


class _Count(Scorer):
    name: ClassVar[str] = "kit_count"
    description: ClassVar[str] = "test scorer: company size"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        return {"score": np.log1p(np.asarray(leads.numeric["company_size"], dtype=np.float64))}


class _ShortScores(_Count):
    name: ClassVar[str] = "kit_short_scores"
    description: ClassVar[str] = "drops the last lead"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        return {"score": np.asarray(super().score(leads)["score"])[:-1]}


class _NaNScores(_Count):
    name: ClassVar[str] = "kit_nan_scores"
    description: ClassVar[str] = "NaN scores"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        return {"score": np.full(leads.n_leads, np.nan)}


class _FitNone(_Count):
    name: ClassVar[str] = "kit_fit_none"
    description: ClassVar[str] = "fit returns None"

    def fit(self, leads: Any, y: Any = None, **kwargs: Any) -> Any:
        return None


class _Learner(_Count):
    name: ClassVar[str] = "kit_learner"
    description: ClassVar[str] = "learns the mean, checks it is fitted"
    requires_fit: ClassVar[bool] = True

    def fit(self, leads: Any, y: Any = None, **kwargs: Any) -> _Learner:
        self.mean_ = float(np.mean(leads.numeric["company_size"]))
        return self

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        check_is_fitted(self)
        return {"score": np.asarray(leads.numeric["company_size"], dtype=np.float64) - self.mean_}


class _LearnerNoCheck(_Learner):
    name: ClassVar[str] = "kit_learner_no_check"
    description: ClassVar[str] = "forgets check_is_fitted"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        return {"score": np.asarray(leads.numeric["company_size"], dtype=np.float64)}


class _PositionalScores(_Count):
    name: ClassVar[str] = "kit_positional_scores"
    description: ClassVar[str] = "scores by row position"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        return {"score": np.arange(leads.n_leads, dtype=np.float64)}


def test_good_scorers_pass() -> None:
    check_scorer(_Count())
    results = check_scorer(_Learner())
    assert {r.check: r.status for r in results}["check_not_fitted"] == "passed"


@pytest.mark.parametrize(
    ("scorer", "check", "message"),
    [
        (_ShortScores(), "check_scores_shape", "has shape"),
        (_NaNScores(), "check_scores_shape", "not finite"),
        (_FitNone(), "check_fit_returns_self", "fit must return self"),
        (_LearnerNoCheck(), "check_not_fitted", "did not raise NotFittedError"),
        (_PositionalScores(), "check_row_order_invariance", "shuffling the leads"),
    ],
    ids=lambda v: type(v).__name__.strip("_") if isinstance(v, Scorer) else None,
)
def test_kit_flags_bad_scorers(scorer: Any, check: str, message: str) -> None:
    with pytest.raises(AssertionError) as info:
        check_scorer(scorer)
    line = next(ln for ln in str(info.value).splitlines() if ln.strip().startswith(check))
    assert message in line


def _extra_column(column: Any, values: Callable[[int], np.ndarray]) -> Scorer:
    """A scorer returning a column ``column`` of ``values(n_leads)`` besides its scores."""

    def score(self: Any, leads: Any, touchpoints: Any = None) -> Mapping[Any, np.ndarray]:
        return {"score": np.ones(leads.n_leads), column: values(leads.n_leads)}

    attrs = {"name": "kit_extra", "description": "an extra column", "score": score}
    return type("Extra", (_Count,), attrs)()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("extra", lambda n: np.ones((n, 2))),
        (7, np.ones),
        ("lead_id", np.ones),
        ("mixed", lambda n: np.array(([1, "a"] * n)[:n], dtype=object)),
    ],
    ids=["two_dimensions", "int_name", "id_column", "text_and_numbers"],
)
def test_kit_flags_what_the_engine_refuses(
    column: Any, values: Callable[[int], np.ndarray]
) -> None:
    scorer = _extra_column(column, values)
    with pytest.raises(PluginError):
        alignment.score(*make_lead_data()[:2], scorer=scorer)
    with pytest.raises(AssertionError) as info:
        check_scorer(scorer)
    line = next(ln for ln in str(info.value).splitlines() if "check_scores_shape" in ln)
    assert "alignment.score refuses its output" in line


# --- parametrize_with_checks ------------------------------------------------------------------


def _expected(model: Any) -> dict[str, str] | None:
    if isinstance(model, _NaN):
        return {
            name: "NaN weights on purpose"
            for name in (
                "check_weights_finite",
                "check_weights_sum_to_one",
                "check_single_touch",
                "check_zero_after_conversion",
            )
        }
    return None


@parametrize_with_checks([_Linear(), _NaN(), _Count()], expected_failed_checks=_expected)
def test_parametrize_with_checks(model: Any, check: Any) -> None:
    check(model)


def test_parametrize_ids_and_marks() -> None:
    mark = parametrize_with_checks([_Linear(), _NaN()], expected_failed_checks=_expected)
    assert mark.args[0] == ("model", "check")
    params = mark.args[1]
    ids = [p.id for p in params]
    assert "kit_linear-check_weights_sum_to_one" in ids
    assert "kit_nan-check_weights_finite" in ids
    xfails = {p.id: p.marks[0].kwargs["reason"] for p in params if p.marks}
    assert xfails["kit_nan-check_weights_finite"] == "NaN weights on purpose"
    assert "kit_linear-check_weights_finite" not in xfails
    with pytest.raises(TypeError):
        parametrize_with_checks([object()])  # type: ignore[list-item]


# --- the engine side of the fault cases -------------------------------------------------------


class _BadPlugin:
    @alignment.hookimpl
    def register_attribution_models(self, register: Any) -> None:
        register(_WrongLengthReg, name="wrong_length")
        register(_NaNReg, name="nan_weights")


class _WrongLengthReg(_WrongLength):
    pass


class _NaNReg(_NaN):
    pass


def test_engine_reports_bad_plugin_models() -> None:
    touchpoints, conversions = make_journey_data(0)
    with temporary_plugin(_BadPlugin(), "bad_models"):
        assert type(plugins.get_attribution_model("wrong_length")).name == "wrong_length"
        for name, message in (("wrong_length", "shape"), ("nan_weights", "non-finite")):
            with pytest.raises(PluginError, match=message) as info:
                alignment.attribute(touchpoints, conversions, model=name)
            assert info.value.plugin == "bad_models"
        with pytest.raises(UnknownModelError, match="Did you mean 'wrong_length'"):
            alignment.attribute(touchpoints, conversions, model="wrong_lenght")
