"""Label columns (channel, campaign, kind …) are judged by their values, whatever holds them:
text, or integer codes labelled as themselves; flags and fractions refused everywhere."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import alignment
from alignment.errors import DataValidationError
from alignment.tables import ActivityLog, Journeys

TIMES = np.array(["2024-01-01", "2024-01-02", "2024-01-03"], dtype="datetime64[us]")


def _touches(**columns: Any) -> pd.DataFrame:
    base = {"lead_id": [1, 1, 2], "timestamp": TIMES, "channel": ["a", "b", "a"]}
    return pd.DataFrame({**base, **columns})


def _flag_columns() -> dict[str, Any]:
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    flags = [True, False, True]
    return {
        "numpy bool": np.array(flags),
        "object bools": pd.Series(flags, dtype=object),
        "object bools with None": pd.Series([True, None, False], dtype=object),
        "pandas boolean": pd.array(flags, dtype="boolean"),
        "pandas boolean with NA": pd.array([True, None, False], dtype="boolean"),
        "polars Boolean": pl.Series(flags),
        "arrow bool": pa.array(flags),
    }


@pytest.mark.parametrize("kind", list(_flag_columns()))
def test_a_flag_channel_is_refused_whatever_holds_it(kind: str) -> None:
    values = _flag_columns()[kind]
    data: Any = _touches()
    if kind.startswith(("polars", "arrow")):
        import polars as pl

        frame = pl.from_pandas(data).with_columns(channel=pl.Series(values))
        data = frame if kind.startswith("polars") else frame.to_arrow()
    else:
        data = data.assign(channel=values)
    with pytest.raises(DataValidationError, match="found bool") as info:
        Journeys.build(data)
    assert info.value.column == "channel"
    assert info.value.rows is not None and 0 in list(info.value.rows)


@pytest.mark.parametrize("container", ["numpy", "polars", "arrow"])
def test_a_fractional_channel_is_refused_with_its_rows(container: str) -> None:
    values = np.array([1.0, 2.5, 1.0])
    data: Any = _touches(channel=values)
    if container != "numpy":
        pl = pytest.importorskip("polars")
        frame = pl.from_pandas(data)
        data = frame if container == "polars" else frame.to_arrow()
    with pytest.raises(DataValidationError, match="fraction") as info:
        Journeys.build(data)
    assert info.value.column == "channel"
    assert list(info.value.rows) == [1]


def test_integer_codes_are_labelled_as_themselves_in_text_order() -> None:
    j = Journeys.build(_touches(channel=np.array([101, 99, 101])))
    assert j.channel.categories.tolist() == ["101", "99"]
    assert j.channel.values().tolist() == ["101", "99", "101"]


def test_integer_codes_with_a_missing_value_are_the_same_labels() -> None:
    """pandas' Int64 with a null is read as floats: the codes are still ``"101"``, not
    ``"101.0"`` (as without the null)."""
    campaign = pd.array([101, None, 7], dtype="Int64")
    j = Journeys.build(_touches(campaign=campaign))
    assert j.touch_columns["campaign"].values().tolist() == ["101", None, "7"]
    listed = Journeys.build({**_touches().to_dict("list"), "campaign": [101.0, np.nan, 7.0]})
    assert listed.touch_columns["campaign"].values().tolist() == ["101", None, "7"]


def test_large_integer_codes_with_a_missing_value_stay_exact() -> None:
    big = 2**60 + 1
    j = Journeys.build(_touches(campaign=pd.array([big, None, big], dtype="Int64")))
    assert j.touch_columns["campaign"].values().tolist() == [str(big), None, str(big)]
    with pytest.raises(DataValidationError, match="2\\*\\*53") as info:  # (refused where read)
        Journeys.build(_touches(campaign=np.array([float(2**60), np.nan, 1.0]))).to_frame()
    assert info.value.column == "campaign"


def test_flag_campaign_and_activity_kind_are_refused() -> None:
    touches = _touches(campaign=np.array([True, False, True]))
    with pytest.raises(DataValidationError, match="found bool") as info:
        Journeys.build(touches, touch_categorical=["campaign"])
    assert info.value.column == "campaign"
    with pytest.raises(DataValidationError, match="found bool") as info:  # kept by default:
        Journeys.build(touches).touch_columns["campaign"].values()  # refused where read
    assert info.value.column == "campaign"
    acts = {"lead_id": [1, 2], "timestamp": TIMES[:2], "kind": np.array([1.5, 2.0])}
    with pytest.raises(DataValidationError, match="fraction") as info:  # kept by default:
        ActivityLog.build(acts).to_dict()  # refused where read
    assert (info.value.column, list(info.value.rows)) == ("kind", [0])
    with pytest.raises(DataValidationError, match="fraction") as info:  # named: at once
        ActivityLog.build({"type": acts["kind"], **acts}, kind="type")
    assert (info.value.column, list(info.value.rows)) == ("type", [0])


def test_attribution_credits_integer_channel_codes_by_their_labels() -> None:
    touches = _touches(channel=np.array([101, 7, 101]))
    conversions = pd.DataFrame(
        {"lead_id": [1], "converted_at": [np.datetime64("2024-01-05", "us")], "revenue": [90.0]}
    )
    with pytest.warns(alignment.AlignmentWarning):
        result = alignment.attribute(touches, conversions, model="linear")
    assert result.totals() == {"101": 45.0, "7": 45.0}
