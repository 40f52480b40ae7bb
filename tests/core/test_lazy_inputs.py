"""Lazy and warehouse inputs: file paths, Polars LazyFrames, DuckDB relations, pyarrow datasets.

Every kind gives the numbers of the same data passed as a dict; only the columns a table needs
are collected; a path that is not a readable file of a known kind is a typed error.
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import alignment
from alignment import _sources
from alignment._frames import Categorical, read_table, to_native
from alignment.closed_loop import closed_loop
from alignment.errors import DataValidationError, MissingColumnError
from alignment.funnel import observe

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
pd = pytest.importorskip("pandas")
duckdb = pytest.importorskip("duckdb")
pcsv = pytest.importorskip("pyarrow.csv")
pq = pytest.importorskip("pyarrow.parquet")
ds = pytest.importorskip("pyarrow.dataset")

TABLES = ("touchpoints", "conversions", "leads", "deals", "costs")
KINDS = (
    "csv",
    "csv.gz",
    "parquet",
    "pandas",
    "polars",
    "polars_lazy",
    "pyarrow",
    "dataset",
    "duckdb",
)
SOURCE_KINDS = ("csv", "csv.gz", "parquet", "polars_lazy", "dataset", "duckdb")


def _write_files(table: Any, stem: Path) -> dict[str, str]:
    pq.write_table(table, f"{stem}.parquet")
    pcsv.write_csv(table, f"{stem}.csv")
    with open(f"{stem}.csv", "rb") as src, gzip.open(f"{stem}.csv.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    return {k: f"{stem}.{k}" for k in ("csv", "csv.gz", "parquet")}


def as_kind(columns: Mapping[str, np.ndarray], kind: str, stem: Path) -> Any:
    """The columns as the caller's data of ``kind`` (files are written under ``stem``)."""
    table = to_native(dict(columns), "pyarrow")
    if kind in ("csv", "csv.gz", "parquet"):
        return _write_files(table, stem)[kind]
    build: dict[str, Callable[[], Any]] = {
        "dict": lambda: dict(columns),
        "pandas": table.to_pandas,
        "polars": lambda: pl.from_arrow(table),
        "polars_lazy": lambda: pl.from_arrow(table).lazy(),
        "pyarrow": lambda: table,
        "dataset": lambda: ds.dataset(table),
        "duckdb": lambda: duckdb.from_arrow(table),
    }
    return build[kind]()


@pytest.fixture(scope="module")
def crm() -> Any:
    return alignment.synthetic_crm(500)


def _tables(crm: Any) -> dict[str, Mapping[str, np.ndarray]]:
    return {
        "touchpoints": crm.touchpoints,
        "conversions": crm.conversions,
        "leads": crm.leads,
        "deals": crm.deals,
        "costs": crm.costs,
    }


@pytest.fixture(scope="module")
def inputs(crm: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """kind -> table name -> the caller's data."""
    out: dict[str, dict[str, Any]] = {}
    for kind in ("dict", *KINDS):
        folder = tmp_path_factory.mktemp(kind.replace(".", "_"))
        out[kind] = {t: as_kind(cols, kind, folder / t) for t, cols in _tables(crm).items()}
    return out


ANALYSES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "linear": lambda d: {
        lvl: alignment.attribute(d["touchpoints"], d["conversions"], model="linear").to_frame(
            lvl, backend="dict"
        )
        for lvl in ("channel", "touch")
    },
    "markov": lambda d: {
        "channel": alignment.attribute(d["touchpoints"], d["conversions"], model="markov").to_frame(
            "channel", backend="dict"
        )
    },
    "score": lambda d: {
        "leads": alignment.score(d["leads"], d["touchpoints"]).to_frame(backend="dict")
    },
    "funnel": lambda d: {"steps": observe(d["leads"]).to_frame(backend="dict")},
    "closed_loop": lambda d: {
        "table": closed_loop(d["leads"], deals=d["deals"], costs=d["costs"]).to_frame(
            backend="dict"
        )
    },
}


def assert_same(got: Mapping[str, Any], want: Mapping[str, Any]) -> None:
    assert list(got) == list(want)
    for name in want:
        a, b = np.asarray(got[name]), np.asarray(want[name])
        assert a.shape == b.shape, name
        if b.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, equal_nan=True, err_msg=name)
        else:
            assert a.tolist() == b.tolist(), name


@pytest.fixture(scope="module")
def reference(inputs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: run(inputs["dict"]) for name, run in ANALYSES.items()}


@pytest.mark.parametrize("analysis", list(ANALYSES))
@pytest.mark.parametrize("kind", KINDS)
def test_same_numbers_from_every_input_kind(
    kind: str,
    analysis: str,
    inputs: dict[str, dict[str, Any]],
    reference: dict[str, dict[str, Any]],
) -> None:
    got = ANALYSES[analysis](inputs[kind])
    want = reference[analysis]
    assert list(got) == list(want)
    for level in want:
        assert len(next(iter(want[level].values()))) > 0  # something to compare
        assert_same(got[level], want[level])


def test_ibis_table_when_installed(
    inputs: dict[str, dict[str, Any]], reference: dict[str, dict[str, Any]]
) -> None:
    ibis = pytest.importorskip("ibis")
    d = {t: ibis.memtable(to_native(dict(v), "pyarrow")) for t, v in inputs["dict"].items()}
    assert_same(ANALYSES["linear"](d)["channel"], reference["linear"]["channel"])


# ---------------------------------------------------------------- only the needed columns


@pytest.fixture
def collected(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The column names of every frame a source yields (a spy on ``Source.collect``)."""
    seen: list[set[str]] = []
    original = _sources.Source.collect

    def spy(self: _sources.Source, columns: Any) -> Any:
        frame = original(self, columns)
        names = frame.column_names if isinstance(frame, pa.Table) else frame.columns
        seen.append({str(n) for n in names})
        return frame

    monkeypatch.setattr(_sources.Source, "collect", spy)
    return seen


@pytest.mark.parametrize("kind", SOURCE_KINDS)
def test_only_needed_columns_are_collected(
    kind: str, crm: Any, tmp_path: Path, collected: list[set[str]]
) -> None:
    blob = np.array([f"unused {i}" for i in range(len(crm.touchpoints["lead_id"]))], object)
    touches = as_kind({**crm.touchpoints, "blob": blob}, kind, tmp_path / "t")
    conversions = as_kind(crm.conversions, kind, tmp_path / "c")
    res = alignment.attribute(touches, conversions, model="first_touch")
    assert res.totals()  # credit was given
    assert len(collected) >= 2  # the touchpoints and the conversions came through a source
    assert all("blob" not in names for names in collected)
    assert all(names <= set(crm.touchpoints) | set(crm.conversions) for names in collected)


def test_a_lazy_column_that_would_fail_is_never_evaluated(crm: Any) -> None:
    touches = pl.from_arrow(to_native(dict(crm.touchpoints), "pyarrow")).lazy()
    touches = touches.with_columns(bad=pl.col("channel").str.to_integer())
    with pytest.raises(pl.exceptions.ComputeError):
        touches.collect()  # the extra column cannot be evaluated ...
    res = alignment.attribute(touches, crm.conversions, model="linear")  # ... nor is it
    want = alignment.attribute(crm.touchpoints, crm.conversions, model="linear")
    assert_same(res.to_frame("channel", backend="dict"), want.to_frame("channel", backend="dict"))


def test_a_duckdb_column_that_would_fail_is_never_evaluated(crm: Any) -> None:
    arrow = to_native(dict(crm.touchpoints), "pyarrow")
    con = duckdb.connect()
    con.register("touches", arrow)
    rel = con.sql("select *, cast(channel as integer) as bad from touches")
    with pytest.raises(duckdb.Error):
        rel.arrow()
    res = alignment.attribute(rel, crm.conversions, model="linear")
    want = alignment.attribute(crm.touchpoints, crm.conversions, model="linear")
    assert_same(res.to_frame("channel", backend="dict"), want.to_frame("channel", backend="dict"))


@pytest.mark.parametrize("kind", SOURCE_KINDS)
def test_all_columns_reads_every_column(kind: str, tmp_path: Path) -> None:
    cols = {"a": np.array(["x", "y", "z"], object), "b": np.array([1.5, 2.0, 3.0])}
    raw = read_table(as_kind(cols, kind, tmp_path / "t"), table="t", all_columns=True)
    assert set(raw.columns) == {"a", "b"} and raw.names == ("a", "b")
    assert raw.columns["b"].tolist() == [1.5, 2.0, 3.0]


@pytest.mark.parametrize("kind", SOURCE_KINDS)
def test_no_column_asked_still_counts_rows(kind: str, tmp_path: Path) -> None:
    cols = {"a": np.array(["x", "y", "z"], object), "b": np.array([1.5, 2.0, 3.0])}
    raw = read_table(as_kind(cols, kind, tmp_path / "t"), table="t", optional=["nope"])
    assert raw.n_rows == 3 and dict(raw.columns) == {} and raw.names == ("a", "b")


@pytest.mark.parametrize(
    ("kind", "backend"),
    [("polars_lazy", pl.DataFrame), ("duckdb", pa.Table), ("parquet", pa.Table), ("csv", pa.Table)],
)
def test_results_come_back_in_the_collected_backend(
    kind: str, backend: type, crm: Any, tmp_path: Path
) -> None:
    touches = as_kind(crm.touchpoints, kind, tmp_path / "t")
    res = alignment.attribute(touches, crm.conversions, model="linear")
    assert isinstance(res.to_frame("channel"), backend)


# ---------------------------------------------------------------- row positions and errors

BAD_TOUCHES = {
    "lead_id": np.array(["a", "b", None, "d"], object),
    "timestamp": np.array([f"2024-01-0{i}" for i in range(1, 5)], "datetime64[us]"),
    "channel": np.array(["web", "email", "web", "ads"], object),
}


@pytest.mark.parametrize("kind", SOURCE_KINDS)
def test_error_rows_are_positions_in_the_source(kind: str, tmp_path: Path) -> None:
    with pytest.raises(DataValidationError) as want:
        alignment.attribute(dict(BAD_TOUCHES))
    with pytest.raises(DataValidationError) as got:
        alignment.attribute(as_kind(BAD_TOUCHES, kind, tmp_path / "t"))
    assert got.value.rows == want.value.rows == [2]
    assert got.value.column == "lead_id"


@pytest.mark.parametrize(
    "path", ["no_such_file.csv", "not a table at all", Path("missing") / "touches.parquet"]
)
def test_a_missing_file_is_named(path: Any) -> None:
    with pytest.raises(DataValidationError, match="no file") as err:
        alignment.attribute(path)
    assert err.value.table == "touchpoints"
    assert err.value.value == str(path)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="is a directory") as err:
        alignment.attribute(tmp_path)
    assert "pyarrow.dataset" in str(err.value)


@pytest.mark.parametrize("name", ["touches.xlsx", "touches.json", "touches.gz", "touches"])
def test_an_unsupported_extension_is_refused(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text("lead_id,timestamp,channel\na,2024-01-01,web\n")
    with pytest.raises(DataValidationError, match="unsupported file type") as err:
        read_table(str(path), table="touchpoints", required=["lead_id"])
    assert err.value.value == str(path)


def test_a_ragged_csv_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("lead_id,timestamp,channel\na,2024-01-01,web\nb,2024-01-02\n")
    with pytest.raises(DataValidationError, match="line 3 has 2 fields"):
        alignment.attribute(path)


@pytest.mark.parametrize("text", ["", "a,a\n1,2\n"])
def test_a_csv_without_a_usable_header_is_refused(text: str, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(DataValidationError, match="cannot read the file"):
        read_table(path, table="t", required=["a"])


def test_a_broken_parquet_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    path.write_bytes(b"not parquet")
    with pytest.raises(DataValidationError, match="cannot read the file") as err:
        read_table(path, table="t", required=["a"])
    assert err.value.table == "t"


def test_a_lazy_query_that_fails_on_a_needed_column(crm: Any) -> None:
    touches = pl.from_arrow(to_native(dict(crm.touchpoints), "pyarrow")).lazy()
    touches = touches.with_columns(channel=pl.col("channel").str.to_integer())
    with pytest.raises(DataValidationError, match="cannot read the polars LazyFrame") as err:
        alignment.attribute(touches, crm.conversions)
    assert "strict integer parsing" in str(err.value)  # the query engine's own message
    assert err.value.__cause__ is not None


def test_a_missing_column_lists_every_column_of_the_source() -> None:
    lazy = pl.LazyFrame({"lead_id": ["a"], "time": ["2024-01-01"], "channel": ["web"]})
    with pytest.raises(MissingColumnError, match="'timestamp' not found") as err:
        alignment.attribute(lazy)
    assert "'time'" in str(err.value)


def test_repeated_names_in_a_relation_are_refused() -> None:
    rel = duckdb.sql("select 'a' as lead_id, 'b' as lead_id")
    with pytest.raises(DataValidationError, match="duplicate column name") as err:
        read_table(rel, table="t", required=["lead_id"])
    assert err.value.column == "lead_id"


def test_files_without_pyarrow_name_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n")
    monkeypatch.setattr(_sources, "_has", lambda mod: mod != "pyarrow")
    with pytest.raises(ImportError, match=r"smarketing-alignment\[files\]"):
        read_table(path, table="t", required=["a"])


def test_dask_frames_keep_their_own_backend() -> None:
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.from_dict({"a": [1, 2]}, npartitions=1)
    assert _sources.open_source(frame, table="t") is None


def test_eager_frames_and_plain_data_are_not_sources() -> None:
    for data in ({"a": [1]}, [{"a": 1}], pa.table({"a": [1]}), pl.DataFrame({"a": [1]}), 42):
        assert _sources.open_source(data, table="t") is None


# ---------------------------------------------------------------- property: same columns

_values = st.one_of(
    st.lists(st.one_of(st.none(), st.integers(-(2**40), 2**40)), min_size=1, max_size=30),
    st.lists(st.one_of(st.none(), st.floats(allow_nan=False, width=32)), min_size=1, max_size=30),
    st.lists(
        st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)), max_size=5)),
        min_size=1,
        max_size=30,
    ),  # (Arrow text holds no lone surrogate)
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=_values, kind=st.sampled_from(["parquet", "polars_lazy", "dataset", "duckdb"]))
def test_a_source_reads_what_its_eager_table_holds(values: list[Any], kind: str) -> None:
    import tempfile

    eager = pa.table({"k": list(range(len(values))), "v": values})
    with tempfile.TemporaryDirectory() as folder:
        stem = Path(folder) / "t"
        if kind == "parquet":
            pq.write_table(eager, f"{stem}.parquet")
            data: Any = f"{stem}.parquet"
        else:
            data = {
                "polars_lazy": lambda: pl.from_arrow(eager).lazy(),
                "dataset": lambda: ds.dataset(eager),
                "duckdb": lambda: duckdb.from_arrow(eager),
            }[kind]()
        got = read_table(data, table="t", required=["v"], optional=["k"])
    want = read_table(eager, table="t", required=["v"], optional=["k"])
    assert got.n_rows == want.n_rows == len(values)
    for name in ("k", "v"):
        g, w = got.columns[name], want.columns[name]
        g = g.values() if isinstance(g, Categorical) else g
        w = w.values() if isinstance(w, Categorical) else w
        assert np.asarray(g).tolist() == np.asarray(w).tolist() or np.array_equal(
            np.asarray(g), np.asarray(w), equal_nan=True
        )
