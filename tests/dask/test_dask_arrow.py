"""Arrow-backed Dask partitions (``dtype_backend="pyarrow"``) give the in-memory numbers and errors.

The attribution backend hands such a partition to the engine as the ``pyarrow.Table`` of its
arrays (:func:`alignment.dask._common.arrow_table`); the numbers must be those of the in-memory
engine on the NumPy-backed pandas frame, keyed (known divisions) or shuffled, with conversions
on the touch rows or in their own frame, and a time zone other than UTC.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
dask = pytest.importorskip("dask")

import _dask_data  # noqa: E402
from _dask_data import RTOL, close, touches_with_bad_channels  # noqa: E402

import alignment  # noqa: E402
from alignment.dask._common import arrow_table, local_frame  # noqa: E402
from alignment.errors import DataValidationError  # noqa: E402

ZONE = "America/New_York"


@pytest.fixture(autouse=True)
def _synchronous() -> Any:
    with dask.config.set(scheduler="sync"):
        yield


def arrow_backed(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with every column (and the index) Arrow-backed, as Dask reads Parquet with
    ``dtype_backend="pyarrow"``."""
    return pa.Table.from_pandas(df).to_pandas(types_mapper=pd.ArrowDtype)


def make(seed: int, n_leads: int = 90) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Touches (time zone ``ZONE``, across a DST change) and conversions, string lead ids."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 7, n_leads)
    lead = np.repeat(np.arange(n_leads), lengths)
    n = lead.size
    t0 = pd.Timestamp("2024-03-01", tz=ZONE)  # the clocks change on 2024-03-10
    ts = t0 + pd.to_timedelta(rng.integers(0, 30 * 24 * 60, n), unit="min")
    touches = pd.DataFrame(
        {
            "lead_id": np.array([f"L{x:03d}" for x in lead], dtype=object),
            "timestamp": ts,
            "channel": pd.Categorical(rng.choice(["direct", "email", "search", "social"], n)),
        }
    ).sample(frac=1.0, random_state=seed)
    conv = rng.random(n_leads) < 0.5
    ids = np.array([f"L{x:03d}" for x in range(n_leads)], dtype=object)
    conversions = _dask_data.conversions(rng, ids, conv, t0, (10, 40))
    return touches.reset_index(drop=True), conversions


def same_result(mem: Any, res: Any) -> None:
    for measure in ("revenue", "conversions"):
        close(mem.totals(measure=measure), res.totals(measure=measure))
    for count in ("journeys", "touches", "converted_journeys"):
        assert res.summary()[count] == mem.summary()[count]
    assert list(res.unattributed.keys) == list(mem.unattributed.keys)
    assert list(res.unattributed.reason) == list(mem.unattributed.reason)
    assert res.unattributed.total == pytest.approx(mem.unattributed.total, rel=RTOL)
    if "removal_effects" in mem.details:  # markov: the same chain
        assert res.details["states"] == mem.details["states"]
        close(mem.details["removal_effects"], res.details["removal_effects"])


MODELS: list[tuple[str, dict[str, Any]]] = [
    ("linear", {}),
    ("time_decay", {"half_life": "3d", "lookback": "20d"}),
    ("markov", {}),
    ("shapley", {}),
]


@pytest.mark.parametrize(("model", "params"), MODELS, ids=[m for m, _ in MODELS])
def test_keyed_arrow_partitions_match_in_memory(model: str, params: dict[str, Any]) -> None:
    """Conversions on the touch rows, indexed by the key with known divisions: no shuffle."""
    touches, conversions = make(1)
    on_rows = touches.merge(conversions, on="lead_id", how="left")
    mem = alignment.attribute(on_rows, model=model, **params)
    keyed = arrow_backed(on_rows.set_index("lead_id").sort_index())
    ddf = dd.from_pandas(keyed, npartitions=4, sort=True)
    assert ddf.known_divisions
    assert all(isinstance(t, pd.ArrowDtype) for t in ddf.dtypes)
    res = alignment.attribute(ddf, model=model, **params)
    assert not res.shuffled
    same_result(mem, res)


@pytest.mark.parametrize(("model", "params"), MODELS, ids=[m for m, _ in MODELS])
def test_shuffled_arrow_partitions_match_in_memory(model: str, params: dict[str, Any]) -> None:
    """Keys split across partitions (shuffled on the key), conversions in their own frame."""
    touches, conversions = make(2)
    mem = alignment.attribute(touches, conversions, model=model, **params)
    res = alignment.attribute(
        dd.from_pandas(arrow_backed(touches), npartitions=3, sort=False),
        dd.from_pandas(arrow_backed(conversions), npartitions=2, sort=False),
        model=model,
        **params,
    )
    assert res.shuffled
    same_result(mem, res)


def test_arrow_and_numpy_partitions_give_the_same_touch_frame() -> None:
    touches, conversions = make(3)
    on_rows = touches.merge(conversions, on="lead_id", how="left")
    keyed = on_rows.set_index("lead_id").sort_index()
    numpy_parts = dd.from_pandas(keyed, npartitions=3, sort=True)
    arrow_parts = dd.from_pandas(arrow_backed(keyed), npartitions=3, sort=True)
    a = alignment.attribute(numpy_parts, model="linear").to_frame("touch").compute()
    b = alignment.attribute(arrow_parts, model="linear").to_frame("touch").compute()
    assert list(a.columns) == list(b.columns) and len(a) == len(b) == len(on_rows)
    np.testing.assert_array_equal(a["lead_id"].astype(str), b["lead_id"].astype(str))
    np.testing.assert_array_equal(
        a["timestamp"].to_numpy("datetime64[us]"), b["timestamp"].to_numpy("datetime64[us]")
    )
    np.testing.assert_allclose(a["credit"].to_numpy(float), b["credit"].to_numpy(float), rtol=RTOL)


def test_bad_rows_of_arrow_partitions_are_named_by_input_position() -> None:
    touches = touches_with_bad_channels()  # refused: rows in the 2nd and the last partition
    with pytest.raises(DataValidationError) as want:
        alignment.attribute(touches)
    keyed = dd.from_pandas(arrow_backed(touches.set_index("lead_id")), npartitions=4, sort=True)
    shuffled = dd.from_pandas(arrow_backed(touches), npartitions=3, sort=False)
    for frame in (keyed, shuffled):
        with pytest.raises(DataValidationError) as got:
            alignment.attribute(frame)
        g, w = got.value, want.value
        assert (g.problem, g.column, g.table) == (w.problem, w.column, w.table)
        assert g.rows == w.rows == [7, 52, 58] and g.n_rows == 3


# ------------------------------------------------------------------- the partition as a table


def test_arrow_table_holds_the_partition_columns_unchanged() -> None:
    touches, _ = make(4, n_leads=10)
    df = arrow_backed(touches)
    before = df.copy(deep=True)
    table = arrow_table(df)
    assert isinstance(table, pa.Table)
    assert table.column_names == list(df.columns) and table.num_rows == len(df)
    for name in df.columns:
        assert table[name].type == df[name].dtype.pyarrow_dtype
        assert table[name].to_pylist() == df[name].tolist()
    pd.testing.assert_frame_equal(df, before)  # the caller's frame is left as it was


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": pd.array([1, 2], dtype="int64[pyarrow]"), "b": [1.0, 2.0]}),  # mixed
        pd.DataFrame({0: pd.array([1, 2], dtype="int64[pyarrow]")}),  # a name that is no string
        pd.DataFrame(
            [[1, 2]], columns=["a", "a"], dtype="int64[pyarrow]"
        ),  # duplicate names: the engine's error, not Arrow's
        pd.DataFrame(),
    ],
    ids=["numpy-column", "int-name", "duplicate-names", "empty"],
)
def test_arrow_table_leaves_other_frames_as_they_are(frame: pd.DataFrame) -> None:
    assert arrow_table(frame) is frame


def test_local_frame_gives_the_key_as_a_column_of_the_table() -> None:
    df = arrow_backed(
        pd.DataFrame({"lead_id": [3, 1, 2], "x": [0.5, 1.5, 2.5]}).set_index("lead_id")
    )
    out = local_frame(df, "lead_id", arrow=True)
    assert isinstance(out, pa.Table)
    assert out.column_names == ["lead_id", "x"]
    assert out["lead_id"].to_pylist() == [3, 1, 2] and out["x"].to_pylist() == [0.5, 1.5, 2.5]
    assert isinstance(local_frame(df, "lead_id"), pd.DataFrame)  # (other engines: pandas)
