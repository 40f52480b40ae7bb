"""Rule-based models on Journeys: the documented worked examples, anchors, presets, the kit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import alignment
from alignment import AlignmentWarning, DataValidationError
from alignment.attribution import (
    FullPath,
    InverseJShaped,
    JShaped,
    LastNonDirect,
    Linear,
    PositionBased,
    TimeDecay,
    WShaped,
)
from alignment.tables import Journeys
from alignment.testing import check_attribution_model

RULES = [
    "first",
    "last",
    "linear",
    "time_decay",
    "position_based",
    "j_shaped",
    "inverse_j",
    "last_non_direct",
    "w_shaped",
    "full_path",
]

# the worked example of docs/attribution/rules.md
TOUCHES = {
    "lead_id": ["L1"] * 4,
    "timestamp": ["2024-03-01", "2024-03-03", "2024-03-06", "2024-03-09"],
    "channel": ["email", "seo", "webinar", "direct"],
}
CONVERSIONS = {"lead_id": ["L1"], "converted_at": ["2024-03-10"], "revenue": [1000.0]}


def _leads(created: str, opp: str | None, won: str | None = None) -> dict:
    nat = np.datetime64("NaT", "us")
    return {
        "lead_id": ["L1"],
        "created_at": [np.datetime64(created, "us")],
        "opportunity_at": [np.datetime64(opp, "us") if opp else nat],
        "won_at": [np.datetime64(won, "us") if won else nat],
    }


def _credit(model: str, leads: dict | None = None, **params) -> list[float]:
    r = alignment.attribute(TOUCHES, CONVERSIONS, model=model, leads=leads, **params)
    return np.round(r.to_frame("touch")["credit"], 2).tolist()


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("first", [1000, 0, 0, 0]),
        ("last", [0, 0, 0, 1000]),
        ("linear", [250, 250, 250, 250]),
        ("time_decay", [164.80, 200.90, 270.39, 363.91]),
        ("position_based", [400, 100, 100, 400]),
        ("u_shaped", [400, 100, 100, 400]),
        ("j_shaped", [200, 100, 100, 600]),
        ("inverse_j", [600, 100, 100, 200]),
        ("last_non_direct", [0, 0, 1000, 0]),
    ],
)
def test_docs_worked_example(model: str, expected: list[float]) -> None:
    assert _credit(model) == expected


@pytest.mark.parametrize(
    ("leads", "w_shaped", "full_path"),
    [
        # lead created on day 3 (seo), opportunity on day 7 (webinar), won at conversion
        (_leads("2024-03-03", "2024-03-07", "2024-03-10"), [300, 300, 300, 100], [250] * 4),
        # coinciding: lead created with the first touch → first + lead-creation on email
        (_leads("2024-03-01T12:00", "2024-03-07"), [600, 50, 300, 50], [450, 100, 225, 225]),
        # missing opportunity: its share is dropped and the rest renormalised
        (
            _leads("2024-03-03", None),
            [428.57, 428.57, 71.43, 71.43],
            [290.32, 290.32, 129.03, 290.32],
        ),
        # anchors before every touch: no touch holds them
        (
            _leads("2024-02-01", "2024-02-02"),
            [750, 83.33, 83.33, 83.33],
            [409.09, 90.91, 90.91, 409.09],
        ),
    ],
    ids=["distinct", "coinciding", "missing-opportunity", "anchors-before-touches"],
)
def test_anchor_models_worked_examples(leads: dict, w_shaped: list, full_path: list) -> None:
    assert _credit("w_shaped", leads) == w_shaped
    assert _credit("full_path", leads) == full_path


def test_anchor_models_warn_without_leads() -> None:
    with pytest.warns(AlignmentWarning, match="lead_created_at"):
        got = _credit("w_shaped")
    # only the first touch (30%) and the rest (10%) remain: 75% / 25% split over 3
    assert got == [750, 83.33, 83.33, 83.33]


def _renamed(text: bool = False, **columns: str | None) -> dict:
    """The worked example's leads with their instants in columns of other names (ISO text, or
    datetime64)."""
    nat = np.datetime64("NaT", "us")
    rows = {"created_at": "2024-01-01", **columns}
    if text:
        return {"lead_id": ["L1"], **{k: [v and v + " 00:00"] for k, v in rows.items()}}
    return {
        "lead_id": ["L1"],
        **{k: [np.datetime64(v, "us") if v else nat] for k, v in rows.items()},
    }


@pytest.mark.parametrize("as_text", [False, True], ids=["datetime64", "text"])
def test_anchor_parameters_read_lead_columns_of_any_name(as_text: bool) -> None:
    leads = _renamed(as_text, born="2024-03-03", opp_date="2024-03-07", closed_date="2024-03-04")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*anchor")
        w = _credit("w_shaped", leads, lead_anchor="born", opportunity_anchor="opp_date")
        f = _credit("full_path", leads, won_anchor="closed_date", opportunity_anchor="opp_date")
    assert w == [300, 300, 300, 100]
    # first email, lead 01-01 before every touch (absent), opportunity webinar, won seo
    assert f == [290.32, 290.32, 290.32, 129.03]


def test_anchor_created_at_is_the_leads_creation() -> None:
    leads = {k: v for k, v in _leads("2024-03-03", "2024-03-07").items() if k != "won_at"}
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*anchor")
        assert _credit("w_shaped", leads, lead_anchor="created_at") == [300, 300, 300, 100]


def test_anchor_missing_value_drops_its_role() -> None:
    leads = _renamed(born="2024-03-03", opp_date=None)
    assert _credit("w_shaped", leads, lead_anchor="born", opportunity_anchor="opp_date") == [
        428.57,
        428.57,
        71.43,
        71.43,
    ]


@pytest.mark.parametrize("built", [False, True], ids=["rows", "LeadTable"])
def test_anchor_column_the_leads_lack_is_refused(built: bool) -> None:
    leads = _renamed(born="2024-03-03")
    data = alignment.LeadTable.build(leads) if built else leads
    with pytest.raises(alignment.MissingColumnError, match="closed_date") as e:
        alignment.attribute(
            TOUCHES, CONVERSIONS, model="full_path", leads=data, won_anchor="closed_date"
        )
    assert e.value.table == "leads"
    assert "won_anchor=" in str(e.value)


@pytest.mark.parametrize(
    ("model", "two"),
    [(PositionBased(), [0.5, 0.5]), (JShaped(), [0.25, 0.75]), (InverseJShaped(), [0.75, 0.25])],
)
def test_presets_one_and_two_touches(model: PositionBased, two: list) -> None:
    touches = {
        "lead_id": ["a", "b", "b"],
        "timestamp": ["2024-01-01", "2024-01-01", "2024-01-02"],
        "channel": ["x", "x", "y"],
    }
    conv = {"lead_id": ["a", "b"], "converted_at": ["2024-02-01"] * 2, "revenue": [1.0, 1.0]}
    w = alignment.attribute(touches, conv, model=model).to_frame("touch")["weight"]
    np.testing.assert_allclose(w, [1.0, *two])


def test_custom_position_weights_are_normalised() -> None:
    assert _credit("position_based", first=3, middle=4, last=3) == [300, 200, 200, 300]


def test_last_non_direct_fallback_and_exclude() -> None:
    touches = {
        "lead_id": ["a", "a", "b", "b"],
        "timestamp": ["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-02"],
        "channel": ["Direct", "direct", "seo", "email"],
    }
    conv = {"lead_id": ["a", "b"], "converted_at": ["2024-02-01"] * 2, "revenue": [10.0, 20.0]}
    r = alignment.attribute(touches, conv, model="last_non_direct")
    # journey a is only direct: falls back to its last touch
    assert r.to_frame("touch")["weight"].tolist() == [0, 1, 0, 1]
    r = alignment.attribute(touches, conv, model="last_non_direct", exclude=["email", "direct"])
    assert r.to_frame("touch")["weight"].tolist() == [0, 1, 1, 0]
    r = alignment.attribute(touches, conv, model=LastNonDirect(exclude="email"))
    assert r.totals() == {"Direct": 0.0, "direct": 10.0, "email": 0.0, "seo": 20.0}


def test_models_zero_touches_after_conversion_when_called_directly() -> None:
    touches = {
        "lead_id": ["a", "a", "a", "b"],
        "timestamp": ["2024-01-01", "2024-01-05", "2024-01-09", "2024-01-01"],
        "channel": ["x", "y", "z", "x"],
    }
    conv = {"lead_id": ["a"], "converted_at": ["2024-01-05"], "revenue": [1.0]}
    j = Journeys.build(touches, conv)
    for model in [Linear(), TimeDecay(), PositionBased(), LastNonDirect()]:
        w = model.weights(j)
        assert w.tolist()[1:] == [0.0, 0.0, 0.0]
        assert w[0] == 1.0


def test_paths_position_rules_and_time_decay_error() -> None:
    paths = {
        "path": ["a > b > c", "b"],
        "total_conversions": [2, 1],
        "total_conversion_value": [30.0, 5.0],
        "total_null": [3, 4],
    }
    try:
        j = Journeys.from_paths(paths)
    except Exception as exc:  # pragma: no cover - depends on the paths helper's column names
        pytest.skip(f"from_paths not usable here: {exc}")
    r = alignment.attribute(j, model="linear")
    assert sum(r.totals().values()) == pytest.approx(float(j.revenue.sum()))
    assert sum(r.totals(measure="conversions").values()) == pytest.approx(3.0)
    r = alignment.attribute(j, model="position_based")
    assert sum(r.totals().values()) == pytest.approx(float(j.revenue.sum()))
    with pytest.raises(DataValidationError, match="time_decay"):
        alignment.attribute(j, model="time_decay")
    with pytest.raises(alignment.ParameterError, match="lookback"):
        alignment.attribute(j, model="linear", lookback="7d")


@pytest.mark.parametrize("name", RULES)
def test_conformance_kit(name: str) -> None:
    model = alignment.plugins.get_attribution_model(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlignmentWarning)
        results = check_attribution_model(model)
    assert results, "the kit ran no check"
    failed = [r for r in results if r.status not in ("passed", "skipped")]
    assert not failed, failed


def test_registered_names_and_params() -> None:
    names = alignment.attribution_models()
    for n in [*RULES, "u_shaped"]:
        assert alignment.plugins.get_attribution_model(n) is not None
    assert set(RULES) <= set(names)
    assert WShaped().get_params()["lead_anchor"] == "lead_created_at"
    assert FullPath(closed_won=0.5).get_params()["closed_won"] == 0.5


@pytest.mark.parametrize("model", ["first", "last", "linear", "position_based", "j_shaped"])
def test_paths_equal_expanded_long_table(model: str) -> None:
    paths = {
        "path": ["a > b > c", "b", "c > a"],
        "total_conversions": [2, 1, 0],
        "total_conversion_value": [30.0, 5.0, 0.0],
        "total_null": [3, 4, 2],
    }
    j = Journeys.from_paths(paths)
    agg = alignment.attribute(j, model=model)
    # the same journeys expanded: one journey per conversion, value split evenly
    lead, ts, ch = [], [], []
    conv_lead, conv_rev = [], []
    k = 0
    for p, n_conv, value in zip(
        paths["path"], paths["total_conversions"], paths["total_conversion_value"]
    ):
        for _ in range(n_conv):
            for pos, c in enumerate(p.split(" > ")):
                lead.append(f"j{k}")
                ts.append(np.datetime64("2024-01-01", "us") + np.timedelta64(pos, "h"))
                ch.append(c)
            conv_lead.append(f"j{k}")
            conv_rev.append(value / n_conv)
            k += 1
    long = alignment.attribute(
        {"lead_id": lead, "timestamp": np.array(ts), "channel": ch},
        {"lead_id": conv_lead, "converted_at": ["2024-02-01"] * k, "revenue": conv_rev},
        model=model,
    )
    a, b = agg.totals(), long.totals()
    for key in b:
        assert a[key] == pytest.approx(b[key])
    ac, bc = agg.totals(measure="conversions"), long.totals(measure="conversions")
    for key in bc:
        assert ac[key] == pytest.approx(bc[key])


def test_empty_input_gives_empty_result() -> None:
    t = {
        "lead_id": np.array([], dtype=object),
        "timestamp": np.array([], dtype="datetime64[us]"),
        "channel": np.array([], dtype=object),
    }
    r = alignment.attribute(t, model="linear")
    assert r.totals() == {} and r.unattributed.total == 0.0
    conv = {"lead_id": ["a"], "converted_at": ["2024-01-01"], "revenue": [5.0]}
    r = alignment.attribute(t, conv, model="linear")
    assert r.unattributed.by_reason() == {"no touches": 5.0}
