"""Label columns kept by default are refused when used, not when present; a missing required
column is named with the frame's columns, the closest one and the keyword that maps it."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

import alignment
from alignment import Journeys
from alignment._colnames import close_name
from alignment.errors import DataValidationError, MissingColumnError

T = ["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-04T00:00Z"]
TOUCHES: dict[str, list[Any]] = {
    "lead_id": ["a", "a", "b", "b"],
    "timestamp": T,
    "channel": ["email", "search", "email", "social"],
    "converted_at": ["2024-02-01T00:00Z", "2024-02-01T00:00Z", None, None],
    "revenue": [100.0, 100.0, None, None],
}
#: columns kept by default as touch labels that are no labels (a flag, numbers with a fraction)
STRAY = {"campaign": [True, False, True, False], "kind": [1.0, 2.5, 3.0, 4.0]}

Make = Callable[[Mapping[str, Any]], Any]


def _attribute(*args: Any, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (naive instants, no conversion: not the subject)
        return alignment.attribute(*args, **kw)


# ------------------------------------------------------------------ 1. refused on use only


@pytest.mark.parametrize("model", ["linear", "time_decay", "markov"])
def test_an_unused_stray_label_column_changes_no_number(constructor: Make, model: str) -> None:
    plain = _attribute(constructor(TOUCHES), model=model)
    stray = _attribute(constructor({**TOUCHES, **STRAY}), model=model)
    assert stray.totals() == plain.totals()
    if model == "linear":  # (hand-computed: a's 100 split over its two touches)
        assert stray.totals() == {"email": 50.0, "search": 50.0, "social": 0.0}
    assert stray.attributed_revenue == plain.attributed_revenue == pytest.approx(100.0)
    assert stray.unattributed.total == 0.0
    got = stray.to_frame(level="channel", backend="dict")
    want = plain.to_frame(level="channel", backend="dict")
    assert got.keys() == want.keys()
    for name in want:
        np.testing.assert_array_equal(got[name], want[name])


def test_journeys_build_keeps_an_unused_stray_column(constructor: Make) -> None:
    plain = Journeys.build(constructor(TOUCHES))
    stray = Journeys.build(constructor({**TOUCHES, **STRAY}))
    assert set(stray.touch_columns) == {"campaign", "kind"}  # kept: refused if ever read
    np.testing.assert_array_equal(stray.channel.values(), plain.channel.values())
    np.testing.assert_array_equal(stray.offsets, plain.offsets)
    np.testing.assert_array_equal(stray.revenue, [100.0, 0.0])
    sub = stray.select_touches(np.array([True, False, True, True]))  # (rows taken: still kept)
    assert sub.n_touches == 3 and len(sub.touch_columns["campaign"]) == 3


def test_grouping_by_a_stray_column_is_refused_naming_it_and_its_rows(constructor: Make) -> None:
    result = _attribute(constructor({**TOUCHES, **STRAY}), model="linear")
    for _ in range(2):  # (refused at every use, never read as something else meanwhile)
        with pytest.raises(DataValidationError, match="found bool") as info:
            result.totals(by="campaign")
        assert (info.value.table, info.value.column) == ("touchpoints", "campaign")
        assert list(info.value.rows) == [0, 1, 2, 3] and str(info.value.value) == "True"
    with pytest.raises(DataValidationError, match="a number with a fraction") as info:
        result.totals(by="kind")
    assert info.value.column == "kind" and list(info.value.rows) == [1]


def test_a_touch_frame_showing_a_stray_column_is_refused(constructor: Make) -> None:
    result = _attribute(constructor({**TOUCHES, **STRAY}), model="linear")
    for show in (lambda: result.to_frame(level="touch"), result.touches):
        with pytest.raises(DataValidationError) as info:
            show()
        assert info.value.column in ("campaign", "kind")
    with pytest.raises(DataValidationError) as info:
        Journeys.build(constructor({**TOUCHES, **STRAY})).to_frame()
    assert info.value.column == "campaign"


def test_a_named_touch_column_is_refused_when_read(constructor: Make) -> None:
    data = constructor({**TOUCHES, **STRAY})
    with pytest.raises(DataValidationError, match="found bool") as info:
        Journeys.build(data, touch_categorical=["campaign"])
    assert info.value.column == "campaign" and list(info.value.rows) == [0, 1, 2, 3]


def test_a_good_default_column_is_read_at_once(constructor: Make) -> None:
    j = Journeys.build(constructor({**TOUCHES, "campaign": [101, 99, 101, 7]}))
    assert not isinstance(j.touch_columns["campaign"], alignment._columns.DeferredCategorical)
    assert list(j.touch_columns["campaign"].values()) == ["101", "99", "101", "7"]


# ------------------------------------------------------------------ 2. missing-column hints


@pytest.mark.parametrize(
    ("ours", "theirs", "keyword"),
    [("lead_id", "Lead ID", "lead"), ("channel", "CHANNEL", "channel"),
     ("timestamp", "Time-Stamp", "time")],
)  # fmt: skip
def test_a_missing_column_is_named_with_the_closest_and_its_keyword(
    constructor: Make, ours: str, theirs: str, keyword: str
) -> None:
    cols = {(theirs if k == ours else k): v for k, v in TOUCHES.items()}
    for call in (_attribute, Journeys.build):
        with pytest.raises(MissingColumnError) as info:
            call(constructor(cols))
        err = info.value
        assert (err.table, err.column) == ("touchpoints", ours)
        available = ", ".join(repr(c) for c in cols)
        assert f"required column(s) {ours!r} not found; available: {available}" in str(err)
        assert err.fix == (
            f"{ours!r} → did you mean {theirs!r}? rename the column or name yours with "
            f"{keyword}='your_column'"
        )


def test_a_missing_column_with_none_close_names_its_keyword(constructor: Make) -> None:
    with pytest.raises(MissingColumnError) as info:
        _attribute(constructor(TOUCHES), time="occurred")
    assert info.value.column == "occurred" and "did you mean" not in str(info.value)
    assert info.value.fix == "rename the column or name yours with time='your_column'"


def test_a_missing_conversion_column_is_named_with_its_keyword(constructor: Make) -> None:
    touches = {k: TOUCHES[k] for k in ("lead_id", "timestamp", "channel")}
    conv = constructor({"lead_id": ["a"], "converted_at": ["2024-02-01T00:00Z"], "Rev": [1.0]})
    with pytest.raises(MissingColumnError) as info:
        _attribute(constructor(touches), conv)
    err = info.value
    assert (err.table, err.column) == ("conversions", "revenue")
    assert "available: 'lead_id', 'converted_at', 'Rev'" in str(err)
    assert err.fix is not None and err.fix.startswith(
        "'revenue' → did you mean 'Rev'? rename the column or name yours with "
        "revenue='your_column' (conversions need the journey key ('lead_id')"
    )


def test_a_named_touch_column_missing_is_named_with_the_closest(constructor: Make) -> None:
    with pytest.raises(MissingColumnError) as info:
        Journeys.build(
            constructor({**TOUCHES, "Campaign": ["x"] * 4}), touch_categorical=["campaign"]
        )
    assert info.value.column == "campaign"
    assert info.value.fix == (
        "'campaign' → did you mean 'Campaign'? rename the column, or leave it out of "
        "touch_categorical= / touch_numeric="
    )


def test_close_name_folds_case_and_separators() -> None:
    assert close_name("lead_id", ["Lead ID", "channel"]) == "Lead ID"
    assert close_name("closed_at", ["CLOSED-AT", "closed_at_x"]) == "CLOSED-AT"
    assert close_name("revenue", ["channel", "timestamp"]) is None


def test_a_scorer_reading_a_stray_kind_column_is_refused() -> None:
    leads = {"lead_id": ["a"], "created_at": ["2024-01-01"]}
    touches = {"lead_id": ["a", "a"], "channel": ["form", "webinar"],
               "timestamp": ["2024-01-02", "2024-01-03"]}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert alignment.score(leads, touches)["interest"].tolist() == [70.0]  # (kind: channel)
        with pytest.raises(DataValidationError, match="found bool") as info:
            alignment.score(leads, {**touches, "kind": [True, False]})  # never read as a flag
    assert (info.value.column, list(info.value.rows)) == ("kind", [0, 1])


def test_a_notebook_preview_of_journeys_names_a_refused_column_instead_of_raising() -> None:
    frame = {
        "lead_id": np.array(["A", "A", "B"], dtype=object),
        "timestamp": np.array(["2024-01-01", "2024-01-02", "2024-01-03"], dtype="datetime64[us]"),
        "channel": np.array(["email", "search", "email"], dtype=object),
        "campaign": np.array([True, False, True]),
    }
    journeys = Journeys.build(frame)
    html = journeys._repr_html_()
    assert "refused where used (not labels): &#x27;campaign&#x27;" in html
    assert "<th>channel</th>" in html and "<th>campaign</th>" not in html
    with pytest.raises(DataValidationError) as info:
        journeys.to_dict()
    assert (info.value.column, info.value.rows) == ("campaign", [0, 1, 2])
