"""A third-party scorer cannot break the scores (exceptions, mutation, drift, bad output)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pytest
from _plugins_helpers import temporary_plugin

import alignment
from alignment import Journeys, LeadTable
from alignment.base import Scorer
from alignment.errors import DataValidationError, PluginError
from alignment.scoring import FitInterestGrid
from alignment.testing import make_lead_data


def data() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    leads, touchpoints, _ = make_lead_data()
    return leads, touchpoints


class Size(Scorer):
    """Score = log company size (a plain third-party scorer)."""

    name: ClassVar[str] = "guard_size"
    description: ClassVar[str] = "log company size"

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        size = np.asarray(leads.numeric["company_size"], dtype=np.float64)
        return {"score": self.scale * np.log1p(np.nan_to_num(size))}


class Raises(Size):
    name: ClassVar[str] = "guard_raises"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        raise RuntimeError("boom")


class WritesLeads(Size):
    name: ClassVar[str] = "guard_writes_leads"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        size = leads.numeric["company_size"]
        size.flags.writeable = True  # forcing its way in
        size[:] = 0.0
        return super().score(leads, touchpoints)


class AddsLeadColumn(Size):
    name: ClassVar[str] = "guard_adds_lead_column"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        leads.numeric["leak"] = np.zeros(leads.n_leads)
        return super().score(leads, touchpoints)


class DropsLeadColumn(Size):
    name: ClassVar[str] = "guard_drops_lead_column"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        leads.categorical.pop("industry")
        return super().score(leads, touchpoints)


class AddsTouchColumn(Size):
    name: ClassVar[str] = "guard_adds_touch_column"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        touchpoints.touch_numeric["leak"] = np.zeros(touchpoints.n_touches)
        return super().score(leads, touchpoints)


class Drifts(Size):
    name: ClassVar[str] = "guard_drifts"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        self.scale += 1.0
        return super().score(leads, touchpoints)


class ListDrifts(Size):
    name: ClassVar[str] = "guard_list_drifts"

    def __init__(self, columns: list[str] | None = None) -> None:
        self.columns = columns

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        assert self.columns is not None
        self.columns.append("more")  # changes the caller's list in place
        return {"score": np.zeros(leads.n_leads)}


class Output(Size):
    """Returns what it was built with."""

    name: ClassVar[str] = "guard_output"

    def __init__(self, kind: str = "ok") -> None:
        self.kind = kind

    def score(self, leads: Any, touchpoints: Any = None) -> Any:
        n = leads.n_leads
        return {
            "no_score": {"fit": np.zeros(n)},
            "short": {"score": np.zeros(max(n - 1, 0))},
            "nan": {"score": np.full(n, np.nan)},
            "one_inf": {"score": np.where(np.arange(n) == 3, np.inf, 1.0)},
            "huge": {"score": np.full(n, 1e308)},
            "text": {"score": np.array(["high"] * n)},
            "list": [0.0] * n,
            "id_column": {"score": np.zeros(n), "lead_id": np.arange(n)[::-1]},
            "key_not_text": {"score": np.zeros(n), 5: np.ones(n)},
            "mixed_objects": {"score": np.zeros(n), "tag": np.array([1, "x"] * (n // 2), object)},
            "other_objects": {"score": np.zeros(n), "tag": np.array([{}] * n, dtype=object)},
        }[self.kind]


class Details(Size):
    """A scorer with score_details (columns and info)."""

    name: ClassVar[str] = "guard_details"

    def score_details(self, leads: Any, touchpoints: Any = None) -> Any:
        return self.score(leads, touchpoints)  # the mapping alone: not (columns, info)


class Explains(Size):
    name: ClassVar[str] = "guard_explains"

    def explain(self, leads: Any, touchpoints: Any, i: int) -> list[dict[str, Any]]:
        raise ZeroDivisionError("no explanation")


class BadValidation(Size):
    name: ClassVar[str] = "guard_bad_validation"

    def validate_params(self) -> None:
        raise TypeError("cannot compare")


class FitRaises(Size):
    name: ClassVar[str] = "guard_fit_raises"
    requires_fit: ClassVar[bool] = True

    def fit(self, leads: Any, y: Any = None, **kwargs: Any) -> FitRaises:
        raise ArithmeticError("cannot learn")


class Plugin:
    """Registers the misbehaving scorers as plugin ``guard_plugin``."""

    @alignment.hookimpl
    def register_scorers(self, register: Any) -> None:
        for cls in (Raises, AddsLeadColumn, Drifts, Output, BadValidation, FitRaises):
            register(cls, name=cls.name)


def test_a_plain_third_party_scorer_runs() -> None:
    leads, touches = data()
    result = alignment.score(leads, touches, scorer=Size())
    size = np.nan_to_num(np.asarray(leads["company_size"], dtype=np.float64))
    np.testing.assert_allclose(result.scores, np.log1p(size))


def test_a_third_party_scorer_runs_on_a_crm_bundle() -> None:
    crm = alignment.datasets.synthetic_crm(50, seed=1)  # (its text columns are deferred)
    size = np.asarray(crm.leads["company_size"], dtype=np.float64)
    result = alignment.score(crm, scorer=Size())
    np.testing.assert_allclose(result.scores, np.log1p(np.nan_to_num(size)))


def test_the_example_scorer_runs_on_a_crm_bundle(example_plugin: str) -> None:
    crm = alignment.datasets.synthetic_crm(50, seed=1)
    result = alignment.score(crm, scorer="touch_count")
    assert float(np.sum(result.scores)) > 0.0


@pytest.mark.parametrize(
    ("scorer", "needle"),
    [
        (Raises(), "raised RuntimeError in score\\(\\): boom"),
        (WritesLeads(), "raised ValueError in score.*WRITEABLE"),
        (AddsLeadColumn(), r"changed the leads.*leads.numeric: key\(s\) added \['leak'\]"),
        (DropsLeadColumn(), r"leads.categorical: key\(s\) removed \['industry'\]"),
        (AddsTouchColumn(), r"changed the touchpoints.*touch_numeric: key\(s\) added \['leak'\]"),
        (Drifts(), "changed its own parameters.*'scale' changed from 1.0 to 2.0"),
        (ListDrifts(["a"]), "changed its own parameters.*'columns'"),
        (Details(), "score_details\\(\\) returned dict; expected \\(columns, info\\)"),
    ],
)
def test_each_class_of_misbehaviour_is_a_plugin_error(scorer: Scorer, needle: str) -> None:
    leads, touches = data()
    with pytest.raises(PluginError, match=needle) as info:
        alignment.score(leads, touches, scorer=scorer)
    assert f"scorer {type(scorer).name!r}" in str(info.value)
    assert info.value.plugin == type(scorer).name  # an instance: the scorer names itself
    if needle.startswith("raised"):
        assert info.value.__cause__ is not None


def test_a_registered_scorer_is_named_with_its_plugin() -> None:
    leads, touches = data()
    with temporary_plugin(Plugin(), "guard_plugin"):
        for name, needle in (
            ("guard_raises", "raised RuntimeError"),
            ("guard_adds_lead_column", "changed the leads"),
            ("guard_drifts", "changed its own parameters"),
        ):
            with pytest.raises(PluginError, match=needle) as info:
                alignment.score(leads, touches, scorer=name)
            assert info.value.plugin == "guard_plugin"
            assert str(info.value).startswith(f"plugin 'guard_plugin': scorer {name!r}")
        with pytest.raises(PluginError, match="raised TypeError in validate_params") as err:
            alignment.score(leads, touches, scorer="guard_bad_validation")
        assert err.value.plugin == "guard_plugin"
        assert isinstance(err.value.__cause__, TypeError)


def test_the_caller_data_is_unchanged() -> None:
    leads, touches = data()
    size = leads["company_size"].copy()
    table = LeadTable.build(leads)
    journeys = Journeys.build(touches)
    for scorer in (WritesLeads(), AddsLeadColumn(), DropsLeadColumn(), AddsTouchColumn()):
        with pytest.raises(PluginError):
            alignment.score(table, journeys, scorer=scorer)
        with pytest.raises(PluginError):
            alignment.score(leads, touches, scorer=scorer)
    np.testing.assert_array_equal(leads["company_size"], size)
    np.testing.assert_array_equal(table.numeric["company_size"], size)
    assert "leak" not in table.numeric and "leak" not in journeys.touch_numeric
    assert "industry" in table.categorical
    assert leads["company_size"].flags.writeable  # the caller's array stays the caller's
    later = alignment.score(table, journeys, scorer=Size())
    assert "leak" not in later.to_frame(backend="dict")


@pytest.mark.parametrize(
    ("kind", "needle"),
    [
        ("no_score", "returned no 'score'"),
        ("short", r"returned \(39,\) values for 40 leads"),
        ("nan", "returned non-finite scores"),
        ("one_inf", r"returned non-finite scores; 1 row\(s\) affected, first at position\(s\) 3;"),
        ("text", "returned scores of dtype <U4"),
        ("list", "returned list as its columns; expected a mapping"),
        ("id_column", "column 'lead_id': .* named like the id column 'lead_id'"),
        ("key_not_text", "returned a column named 5 \\(int\\)"),
        ("mixed_objects", "column 'tag': .* holding integers mixed with text"),
        ("other_objects", "column 'tag': .* holding dict values"),
    ],
)
def test_bad_output_names_the_scorer_and_its_plugin(kind: str, needle: str) -> None:
    leads, touches = data()
    with pytest.raises(PluginError, match=needle) as info:
        alignment.score(leads, touches, scorer=Output(kind))
    assert "scorer 'guard_output'" in str(info.value)
    assert isinstance(info.value.__cause__, DataValidationError)
    with temporary_plugin(Plugin(), "guard_plugin"):
        with pytest.raises(PluginError, match=needle) as reg:
            alignment.score(leads, touches, scorer="guard_output", kind=kind)
    assert reg.value.plugin == "guard_plugin"


def test_huge_finite_scores_are_accepted() -> None:
    leads, touches = data()
    result = alignment.score(leads, touches, scorer=Output("huge"))  # (their sum overflows)
    assert bool((result.scores == 1e308).all())


def test_explain_is_guarded() -> None:
    leads, touches = data()
    result = alignment.score(leads, touches, scorer=Explains())
    with pytest.raises(PluginError, match="raised ZeroDivisionError in explain") as info:
        result.explain(0)
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def _raising_after_one() -> Any:
    yield {"axis": "fit", "rule": "size", "points": 1.0}
    raise LookupError("no second rule")


@pytest.mark.parametrize(
    ("explained", "needle"),
    [
        (
            {"axis": "fit", "rule": "size", "points": 5.0},
            "explain\\(\\) returned dict; expected a list",
        ),
        ("fit +5", "explain\\(\\) returned str; expected a list"),
        (None, "explain\\(\\) returned NoneType"),
        ([{"axis": "fit", "rule": "size"}], "as contribution 0"),
        ([{"axis": "fit", "rule": "size", "points": "5"}], "as contribution 0"),
        ([{"axis": "fit", "rule": "size", "points": 1.0}, 3], "3 as contribution 1"),
        ([{"axis": "fit", "rule": "size", "points": float("nan")}], "as contribution 0"),
        (_raising_after_one, "raised LookupError in explain"),
    ],
    ids=["dict", "text", "none", "no_points", "text_points", "not_a_dict", "nan", "raising"],
)
def test_explain_output_is_checked(explained: Any, needle: str) -> None:
    class ExplainsOddly(Size):
        name: ClassVar[str] = "guard_explains_oddly"

        def explain(self, leads: Any, touchpoints: Any, i: int) -> Any:
            return explained() if callable(explained) else explained

    leads, touches = data()
    result = alignment.score(leads, touches, scorer=ExplainsOddly())
    with pytest.raises(PluginError, match=needle) as info:
        result.explain(0)
    assert "scorer 'guard_explains_oddly'" in str(info.value)


def test_explain_output_is_kept_as_new_dicts() -> None:
    given = [{"axis": "fit", "rule": "size", "points": 2}]

    class ExplainsWell(Size):
        name: ClassVar[str] = "guard_explains_well"

        def explain(self, leads: Any, touchpoints: Any, i: int) -> Any:
            return (c for c in given)

    leads, touches = data()
    got = alignment.score(leads, touches, scorer=ExplainsWell()).explain(0)["contributions"]
    assert got == given and got[0] is not given[0]


def test_a_builtin_scorer_gets_the_tables_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    leads, touches = data()
    table, journeys = LeadTable.build(leads), Journeys.build(touches)
    seen: list[Any] = []
    original = FitInterestGrid.score_details

    def spy(self: FitInterestGrid, lt: Any, tp: Any = None) -> Any:
        seen.extend([lt, tp])
        return original(self, lt, tp)

    monkeypatch.setattr(FitInterestGrid, "score_details", spy)
    alignment.score(table, journeys, scorer="grid")
    assert seen[0] is table and seen[1] is journeys  # no copies for the library's own


def test_the_cli_fits_a_plugin_scorer_through_the_guard(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from alignment.cli import main

    rows = ["lead_id,created_at,won"]
    rows += [f"{i},2024-01-0{1 + i % 9},{i % 2}" for i in range(10)]
    path = tmp_path / "leads.csv"
    path.write_text("\n".join(rows) + "\n")
    with temporary_plugin(Plugin(), "guard_plugin"):
        code = main(["score", str(path), "--scorer", "guard_fit_raises", "--target", "won"])
    err = capsys.readouterr().err
    assert code != 0
    assert "plugin 'guard_plugin': scorer 'guard_fit_raises' raised ArithmeticError in fit()" in err
    assert "unexpected error" not in err


# ------------------------------------------------------------------ the scorer's parameters


class ParamsRaise(Size):
    def get_params(self) -> dict[str, Any]:
        raise RuntimeError("no parameters here")


class ParamsList(Size):
    def get_params(self) -> Any:
        return ["scale"]


class ParamsNumberKey(Size):
    def get_params(self) -> Any:
        return {1: self.scale}


class ParamsPlugin:
    """Registers scorers whose get_params() is broken, as plugin ``guard_params_plugin``."""

    @alignment.hookimpl
    def register_scorers(self, register: Any) -> None:
        register(ParamsRaise, name="guard_params_raise")
        register(ParamsList, name="guard_params_list")
        register(ParamsNumberKey, name="guard_params_number_key")


@pytest.mark.parametrize(
    ("name", "needle", "cause"),
    [
        ("guard_params_raise", "raised RuntimeError in get_params\\(\\): no parameters", True),
        ("guard_params_list", "get_params\\(\\) returned list; it must return a dict", False),
        ("guard_params_number_key", "returned a dict with a key that is not a string", False),
    ],
)
def test_a_scorer_whose_parameters_cannot_be_read_is_a_plugin_error(
    name: str, needle: str, cause: bool
) -> None:
    leads, touches = data()  # the guard reads the parameters around score() (their drift)
    with temporary_plugin(ParamsPlugin(), "guard_params_plugin"):
        with pytest.raises(PluginError, match=needle) as info:
            alignment.score(leads, touches, scorer=name)
    assert info.value.plugin == "guard_params_plugin"
    assert str(info.value).startswith(f"plugin 'guard_params_plugin': scorer {name!r}")
    assert isinstance(info.value.__cause__, RuntimeError) is cause


class Buffered(Size):
    """Writes its scores into one array it keeps and returns each time."""

    name: ClassVar[str] = "guard_buffered"

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        if getattr(self, "buffer_", None) is None:
            self.buffer_ = np.zeros(leads.n_leads)
        self.buffer_[:] = self.scale * np.arange(leads.n_leads)
        return {"score": self.buffer_}


def test_a_result_does_not_change_when_the_scorer_reuses_its_array() -> None:
    leads, touchpoints = data()
    scorer = Buffered()
    first = alignment.score(leads, touchpoints, scorer=scorer)
    alignment.score(leads, touchpoints, scorer=scorer.set_params(scale=100.0))
    np.testing.assert_array_equal(first.scores, np.arange(first.scores.size))
    assert not np.shares_memory(first.scores, scorer.buffer_)
