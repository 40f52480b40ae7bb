"""Aggregated paths: parsing, validation, and equality with the expanded long table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment.errors import DataValidationError, MissingColumnError
from alignment.tables import Journeys
from alignment.tables._paths import parse_paths
from alignment.tables._tables import journeys_from_paths

MODELS = ["markov", "shapley", "linear", "first", "last"]


def _aggregated(rng: np.random.Generator, n: int, n_channels: int = 4) -> dict[str, list]:
    names = [f"ch{k}" for k in range(n_channels)]
    paths, conv, value, null = [], [], [], []
    for _ in range(n):
        length = int(rng.integers(1, 6))
        paths.append(" > ".join(names[int(c)] for c in rng.integers(0, n_channels, length)))
        c = int(rng.integers(0, 4))
        conv.append(c)
        value.append(float(rng.integers(1, 300)) / 4 if c else 0.0)
        null.append(int(rng.integers(0, 4)))
    return {
        "path": paths,
        "total_conversions": conv,
        "total_conversion_value": value,
        "total_null": null,
    }


def _expand(agg: dict[str, list]) -> tuple[dict[str, list], dict[str, list]]:
    """The long touch table (one lead per journey) and its conversions."""
    lead, ts, channel = [], [], []
    c_lead, c_at, c_rev = [], [], []
    t0 = np.datetime64("2024-01-01T00:00", "us")
    day = np.timedelta64(1, "D")
    k = 0
    for path, conv, value, null in zip(
        agg["path"], agg["total_conversions"], agg["total_conversion_value"], agg["total_null"]
    ):
        chans = [s.strip() for s in path.split(">")]
        for i in range(int(conv) + int(null)):
            key = f"L{k:06d}"
            k += 1
            for pos, ch in enumerate(chans):
                lead.append(key)
                ts.append(t0 + pos * day)
                channel.append(ch)
            if i < conv:
                c_lead.append(key)
                c_at.append(t0 + len(chans) * day)
                c_rev.append(value / conv)
    touches = {"lead_id": lead, "timestamp": np.array(ts), "channel": channel}
    conversions = {"lead_id": c_lead, "converted_at": np.array(c_at), "revenue": c_rev}
    return touches, conversions


def _compare(agg: dict[str, list], models: list[str] = MODELS, **params: object) -> None:
    touches, conversions = _expand(agg)
    long_j = Journeys.build(touches, conversions)
    agg_j = Journeys.from_paths(agg)
    assert agg_j.n_journeys == len(agg["path"])
    for model in models:
        a = alignment.attribute(agg_j, model=model, **params)
        b = alignment.attribute(long_j, model=model, **params)
        for measure in ("revenue", "conversions"):
            ta, tb = a.totals(measure=measure), b.totals(measure=measure)
            # channels that only occur on rows with zero counts exist only in the aggregated table
            assert set(tb) <= set(ta)
            for ch in ta:
                assert ta[ch] == pytest.approx(tb.get(ch, 0.0), rel=1e-9, abs=1e-9), (model, ch)


# ------------------------------------------------------------------------ expanded == aggregated


@pytest.mark.parametrize("seed", range(5))
def test_aggregated_equals_expanded(seed: int) -> None:
    _compare(_aggregated(np.random.default_rng(seed), 25))


def test_aggregated_equals_expanded_markov_order_2() -> None:
    _compare(_aggregated(np.random.default_rng(11), 30), models=["markov"], order=2)
    _compare(
        _aggregated(np.random.default_rng(12), 30),
        models=["markov"],
        order=3,
        collapse_repeats=False,
    )


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12))
def test_aggregated_equals_expanded_hypothesis(seed: int, n: int) -> None:
    _compare(
        _aggregated(np.random.default_rng(seed), n, n_channels=3), models=["markov", "shapley"]
    )


def test_frames_and_backend() -> None:
    agg = _aggregated(np.random.default_rng(5), 10)
    from_dict = Journeys.from_paths(agg)
    for frame in (pd.DataFrame(agg), pl.DataFrame(agg)):
        j = Journeys.from_paths(frame)
        np.testing.assert_array_equal(j.channel.codes, from_dict.channel.codes)
        np.testing.assert_array_equal(j.offsets, from_dict.offsets)
        np.testing.assert_array_equal(j.revenue, from_dict.revenue)
    assert Journeys.from_paths(pd.DataFrame(agg)).backend == "pandas"
    assert isinstance(Journeys.from_paths(pl.DataFrame(agg)).to_frame(), pl.DataFrame)


# ---------------------------------------------------------------------------------- parsing


def test_layout() -> None:
    j = journeys_from_paths(
        {
            "path": ["a > b > a", "c", "b>c"],
            "total_conversions": [2, 0, 1],
            "total_conversion_value": [30.0, 0.0, 4.5],
            "total_null": [1, 6, 0],
        }
    )
    assert not j.timed
    assert list(j.keys) == ["0", "1", "2"]
    np.testing.assert_array_equal(j.offsets, [0, 3, 4, 6])
    assert list(j.channel.categories) == ["a", "b", "c"]
    np.testing.assert_array_equal(j.channel.codes, [0, 1, 0, 2, 1, 2])
    np.testing.assert_array_equal(j.time.view(np.int64), [0, 1, 2, 0, 0, 1])
    np.testing.assert_array_equal(j.conversions, [2, 0, 1])
    np.testing.assert_array_equal(j.non_conversions, [1, 6, 0])
    np.testing.assert_array_equal(j.revenue, [30.0, 0.0, 4.5])
    np.testing.assert_array_equal(j.converted, [True, False, True])


def test_keys_keep_input_order_beyond_ten_rows() -> None:
    j = journeys_from_paths({"path": [f"c{i}" for i in range(12)], "total_conversions": [1] * 12})
    assert list(j.keys[:3]) == ["00", "01", "02"]
    assert list(j.channel.values()[:3]) == ["c0", "c1", "c2"]


def test_separators_and_spaces() -> None:
    p1 = parse_paths({"path": ["a > b", "a>b", "  a  >b "], "total_conversions": [1, 1, 1]})
    np.testing.assert_array_equal(p1.channel_codes, [0, 1, 0, 1, 0, 1])
    p2 = parse_paths({"path": ["a, paid search", "b"], "total_conversions": [1, 1]}, sep=", ")
    assert list(p2.channels) == ["a", "b", "paid search"]


def test_optional_columns_and_custom_names() -> None:
    j = journeys_from_paths({"path": ["a"], "total_conversions": [3]})
    assert j.revenue.tolist() == [0.0] and j.non_conversions.tolist() == [0.0]
    j = journeys_from_paths(
        {"p": ["a > b"], "conv": [2], "val": [8.0], "nul": [5]},
        path="p",
        conversions="conv",
        value="val",
        null="nul",
    )
    assert (j.conversions[0], j.revenue[0], j.non_conversions[0]) == (2.0, 8.0, 5.0)
    with pytest.raises(MissingColumnError, match="val"):
        journeys_from_paths({"path": ["a"], "total_conversions": [1]}, value="val")
    with pytest.raises(MissingColumnError, match="total_conversions") as e:
        journeys_from_paths({"path": ["a"]})
    # (no keyword is guessed: journeys_from_paths has no time=)
    assert "time=" not in e.value.fix and e.value.fix.startswith("rename the column")
    j = journeys_from_paths(
        {"path": ["a"], "total_conversions": [1], "total_conversion_value": [5.0]}, value=None
    )
    assert j.revenue.tolist() == [0.0]


def test_duplicate_paths_add_up() -> None:
    dup = {"path": ["a > b", "a > b", "b"], "total_conversions": [1, 2, 1],
           "total_conversion_value": [10.0, 20.0, 5.0], "total_null": [1, 0, 2]}  # fmt: skip
    one = {"path": ["a > b", "b"], "total_conversions": [3, 1],
           "total_conversion_value": [30.0, 5.0], "total_null": [1, 2]}  # fmt: skip
    for model in ("markov", "shapley", "linear"):
        a = alignment.attribute(Journeys.from_paths(dup), model=model).totals()
        b = alignment.attribute(Journeys.from_paths(one), model=model).totals()
        assert a == pytest.approx(b)


def test_empty_input() -> None:
    j = journeys_from_paths({"path": [], "total_conversions": []})
    assert j.n_journeys == 0 and j.n_touches == 0


# ------------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("paths", "row", "match"),
    [
        (["a > b", ""], 1, "empty path"),
        (["   ", "a"], 0, "empty path"),
        (["a", "a >  > b"], 1, "empty step"),
        (["> a", "b"], 0, "empty step"),
        (["a", "b", "a >"], 2, "empty step"),
        (["a", None], 1, "missing path"),
        (["a", float("nan")], 1, "missing path"),
    ],
)
def test_bad_paths(paths: list[object], row: int, match: str) -> None:
    data = {"path": np.array(paths, dtype=object), "total_conversions": [1] * len(paths)}
    with pytest.raises(DataValidationError, match=match) as err:
        journeys_from_paths(data)
    assert err.value.column == "path"
    assert err.value.rows == [row]
    assert err.value.fix


def test_non_string_path_column() -> None:
    with pytest.raises(DataValidationError, match="string"):
        journeys_from_paths({"path": np.array([1, 2]), "total_conversions": [1, 1]})


@pytest.mark.parametrize(
    ("column", "values", "match"),
    [
        ("total_conversions", [1, -2, 0], "negative"),
        ("total_conversions", [1, 0.5, 0], "fractional"),
        ("total_conversions", [1, float("nan"), 0], "non-finite"),
        ("total_null", [1, 1.25, 0], "fractional"),
        ("total_null", [0, -1, 0], "negative"),
        ("total_conversion_value", [1.0, -5.0, 0.0], "negative"),
        ("total_conversion_value", [1.0, float("nan"), 0.0], "non-finite"),
        ("total_conversions", ["1", "x", "0"], "numbers"),
    ],
)
def test_bad_counts_and_values(column: str, values: list[object], match: str) -> None:
    data: dict[str, object] = {
        "path": ["a", "b", "c"],
        "total_conversions": [1, 1, 0],
        "total_conversion_value": [1.0, 2.0, 0.0],
        "total_null": [0, 0, 0],
    }
    data[column] = np.array(values, dtype=object) if match == "numbers" else values
    with pytest.raises(DataValidationError, match=match) as err:
        journeys_from_paths(data)
    assert err.value.column == column
    assert 1 in err.value.rows


def test_value_without_conversions() -> None:
    with pytest.raises(DataValidationError, match="without conversions") as err:
        journeys_from_paths(
            {"path": ["a", "b"], "total_conversions": [1, 0], "total_conversion_value": [2.0, 3.0]}
        )
    assert err.value.rows == [1] and err.value.value == 3.0


def test_docs_example() -> None:
    """docs/attribution/paths.md: the table at the top of the page."""
    df = pd.DataFrame(
        {
            "path": ["A > B", "A", "B"],
            "total_conversions": [1, 0, 1],
            "total_conversion_value": [100.0, 0.0, 50.0],
            "total_null": [0, 1, 0],
        }
    )
    paths = Journeys.from_paths(df)
    assert alignment.attribute(paths, model="markov").totals() == pytest.approx(
        {"A": 50.0, "B": 100.0}
    )
    assert alignment.attribute(paths, model="last").totals() == pytest.approx(
        {"A": 0.0, "B": 150.0}
    )
    assert list(paths.keys) == ["0", "1", "2"] and paths.key_column == "path_row"


def test_paths_containing_the_internal_row_break_character() -> None:
    """A path holding the splitter's row-break character still parses (slower fallback)."""
    p = parse_paths({"path": ["a\x1fb > c", "c > d"], "total_conversions": [1, 0]})
    assert list(p.channels) == ["a\x1fb", "c", "d"]
    np.testing.assert_array_equal(p.offsets, [0, 2, 4])
    np.testing.assert_array_equal(p.channel_codes, [0, 1, 1, 2])


def test_numbers_in_an_object_path_column_are_an_error() -> None:
    with pytest.raises(DataValidationError, match="expected strings") as err:
        parse_paths({"path": np.array(["a", 7], dtype=object), "total_conversions": [1, 1]})
    assert err.value.column == "path" and err.value.rows == [1]


def test_distinct_paths_are_parsed_once_and_expanded() -> None:
    data = {"path": ["b > a", "a", "b > a", " a ", "b>a"], "total_conversions": [1, 0, 2, 1, 1]}
    for frame in (data, pd.DataFrame(data), pl.DataFrame(data)):
        p = parse_paths(frame)
        np.testing.assert_array_equal(p.offsets, [0, 2, 3, 5, 6, 8])
        np.testing.assert_array_equal(p.channel_codes, [1, 0, 0, 1, 0, 0, 1, 0])
        np.testing.assert_array_equal(p.position, [0, 1, 0, 0, 1, 0, 0, 1])


def test_bad_path_in_a_frame_names_all_rows() -> None:
    df = pd.DataFrame({"path": ["a", "a >> b", "c", "a >> b"], "total_conversions": [1] * 4})
    with pytest.raises(DataValidationError, match="empty step") as err:
        journeys_from_paths(df)
    assert err.value.rows == [1, 3] and err.value.value == "a >> b"
    df = pd.DataFrame({"path": ["a", None, "c"], "total_conversions": [1] * 3})
    with pytest.raises(DataValidationError, match="missing path") as err:
        journeys_from_paths(df)
    assert err.value.rows == [1]


def test_bad_separator() -> None:
    from alignment.errors import ParameterError

    with pytest.raises(ParameterError, match="sep"):
        journeys_from_paths({"path": ["a"], "total_conversions": [1]}, sep="")
    p = parse_paths({"path": ["a b", "c"], "total_conversions": [1, 1]}, sep=" ")
    assert list(p.channels) == ["a", "b", "c"]


def test_text_counts_are_read_as_counts_never_as_amounts() -> None:
    """A count written as text is a number ("1,200"); a currency or a word is refused in the
    words of counts (errors.md: count columns read text counts, not amounts)."""
    j = Journeys.from_paths({"path": ["a > b", "b"], "total_conversions": ["2", "1,200"]})
    assert j.conversions.tolist() == [2.0, 1200.0]
    with pytest.raises(DataValidationError, match="currency in a column of numbers"):
        Journeys.from_paths({"path": ["a"], "total_conversions": ["$2"]})
    with pytest.raises(DataValidationError, match="not a number") as caught:
        Journeys.from_paths({"path": ["a"], "total_conversions": ["two"]})
    assert "amount" not in str(caught.value)


def test_a_missing_column_names_the_keyword_that_names_it() -> None:
    with pytest.raises(MissingColumnError, match=r"path='your_column'"):
        Journeys.from_paths({"pth": ["a"], "total_conversions": [1]})
    with pytest.raises(MissingColumnError, match=r"conversions='your_column'"):
        Journeys.from_paths({"path": ["a"], "n": [1]})
    with pytest.raises(MissingColumnError, match=r"time='your_column'"):
        alignment.ActivityLog.build({"lead_id": ["a"], "when": ["2024-01-01"]})
