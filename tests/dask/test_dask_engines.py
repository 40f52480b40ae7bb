"""The engines on Dask give the in-memory numbers (1e-9 relative) on a process LocalCluster.

Covers every engine (attribution: rule-based, Markov, Shapley; scoring: applying a fitted
scorer and the distributed logistic fit; funnel observation; SLA evaluation), with keys split
across partitions (shuffle), partitions already keyed (known divisions: no shuffle), empty
partitions and a skewed key holding most rows.  Kernels (exact sequence grouping, combinable
Markov counts) are checked against plain-Python twins with hypothesis.
"""

from __future__ import annotations

import importlib.util
import itertools
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pandas")
dask = pytest.importorskip("dask", reason="dask is not installed (extra 'dask')")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")

import _dask_data  # noqa: E402
import pandas as pd  # noqa: E402
from _dask_data import RTOL, close  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import alignment  # noqa: E402
from alignment import dask as _dask  # noqa: E402
from alignment import datasets, funnel, sla  # noqa: E402
from alignment.errors import DataValidationError, MissingColumnError, ParameterError  # noqa: E402
from alignment.scoring import LogisticScorer  # noqa: E402


@pytest.fixture(scope="module")
def client() -> Any:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        memory_limit="2GB",
    )
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


# ------------------------------------------------------------------------------------ data


def make_touches(
    seed: int = 0, n_leads: int = 120, skew: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Touches (random order) and conversions; with ``skew`` one lead holds most touches."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 7, n_leads)
    if skew:
        lengths[3] = 4 * int(lengths.sum()) + 50
    lead = np.repeat(np.arange(n_leads), lengths)
    n = lead.size
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    ts = t0 + pd.to_timedelta(rng.integers(0, 40 * 24 * 60, n), unit="min")
    touches = pd.DataFrame(
        {
            "lead_id": np.array([f"L{x:04d}" for x in lead], dtype=object),
            "timestamp": ts,
            "channel": rng.choice(["direct", "email", "search", "social", "video"], n),
            "campaign": rng.choice(["c1", "c2", "c3"], n),
        }
    ).sample(frac=1.0, random_state=seed)
    conv = rng.random(n_leads) < 0.45
    conv[3] = True
    ids = np.array([f"L{x:04d}" for x in range(n_leads)], dtype=object)
    conversions = _dask_data.conversions(rng, ids, conv, t0, (20, 50))
    return touches.reset_index(drop=True), conversions


MODELS: list[tuple[str, dict[str, Any]]] = [
    ("linear", {}),
    ("first", {}),
    ("last", {}),
    ("time_decay", {"half_life": "3d"}),
    ("position_based", {}),
    ("last_non_direct", {}),
    ("markov", {}),
    ("markov", {"order": 2, "revenue_basis": "value"}),
    ("markov", {"collapse_repeats": False}),
    ("shapley", {}),
    ("shapley", {"value": "conversions"}),
]


# ------------------------------------------------------------------------- attribution


@pytest.mark.parametrize(
    ("model", "params"), MODELS, ids=[f"{m}-{i}" for i, (m, _) in enumerate(MODELS)]
)
def test_attribution_shuffled_matches_in_memory(
    client: Any, model: str, params: dict[str, Any]
) -> None:
    touches, conversions = make_touches(1)
    mem = alignment.attribute(touches, conversions, model=model, lookback="30d", **params)
    ddf = dd.from_pandas(touches, npartitions=4, sort=False)  # keys split across partitions
    cdf = dd.from_pandas(conversions, npartitions=3, sort=False)
    res = _dask.attribute(ddf, cdf, model=model, lookback="30d", **params)
    assert res.shuffled
    for measure in ("revenue", "conversions"):
        close(mem.totals(measure=measure), res.totals(measure=measure))
    assert res.unattributed.total == pytest.approx(mem.unattributed.total, rel=RTOL)
    assert list(res.unattributed.keys) == list(mem.unattributed.keys)
    assert list(res.unattributed.reason) == list(mem.unattributed.reason)
    assert res.converted_revenue == pytest.approx(mem.converted_revenue, rel=RTOL)
    for count in ("journeys", "touches", "converted_journeys"):  # every input touch counted
        assert res.summary()[count] == mem.summary()[count]
    assert res.summary()["touches"] == len(touches)
    if model == "markov":
        a, b = mem.details, res.details
        assert a["states"] == b["states"]
        np.testing.assert_allclose(b["transition_counts"], a["transition_counts"], rtol=RTOL)
        np.testing.assert_allclose(b["transition_matrix"], a["transition_matrix"], rtol=RTOL)
        for k in ("conversion_probability", "expected_value", "n_paths"):
            assert b[k] == pytest.approx(a[k], rel=RTOL)
        close(a["removal_effects"], b["removal_effects"])
        close(a["removal_effects_value"], b["removal_effects_value"])
    if model == "shapley":
        assert res.details["players"] == mem.details["players"]


def keyed_frame(df: pd.DataFrame, pieces: list[pd.DataFrame], divisions: tuple[Any, ...]) -> Any:
    """A dask frame from pandas pieces with the given (trusted) divisions."""
    from dask import delayed

    return dd.from_delayed([delayed(p) for p in pieces], meta=df.iloc[:0], divisions=divisions)


def test_attribution_keyed_partitions_skew_and_empty(client: Any) -> None:
    """Known divisions (no shuffle), a key with most rows, and an empty partition."""
    touches, conversions = make_touches(2, skew=True)
    on_rows = touches.merge(conversions, on="lead_id", how="left")
    keyed = on_rows.set_index("lead_id").sort_index()
    ddf = dd.from_pandas(keyed, npartitions=5, sort=True)
    assert ddf.known_divisions
    top = str(keyed.index.max())
    div = list(ddf.divisions)
    idx = keyed.index
    pieces = [
        keyed[(idx >= lo) & ((idx < hi) if i < len(div) - 2 else (idx <= hi))]
        for i, (lo, hi) in enumerate(itertools.pairwise(div))
    ] + [keyed.iloc[:0]]
    with_empty = keyed_frame(keyed, pieces, (*ddf.divisions[:-1], top + "!", top + "~"))
    for model in ("linear", "markov", "shapley"):
        mem = alignment.attribute(on_rows, model=model)
        for frame in (ddf, with_empty):
            res = _dask.attribute(frame, model=model)
            assert not res.shuffled
            close(mem.totals(), res.totals())
            close(mem.totals(measure="conversions"), res.totals(measure="conversions"))
    # more partitions than keys: most partitions after the shuffle are empty
    small = touches[touches["lead_id"].isin(["L0003", "L0005", "L0007"])]
    for model in ("linear", "markov"):
        res = _dask.attribute(
            dd.from_pandas(small, npartitions=3, sort=False),
            dd.from_pandas(conversions, npartitions=7, sort=False),
            model=model,
        )
        close(alignment.attribute(small, conversions, model=model).totals(), res.totals())


def test_attribution_empty_partition_in_shuffle(client: Any) -> None:
    touches, conversions = make_touches(3, n_leads=40)
    parts = [
        dd.from_pandas(touches, npartitions=3, sort=False),
        dd.from_pandas(touches.iloc[:0], npartitions=1),
    ]
    ddf = dd.concat(parts)
    assert ddf.npartitions == 4
    res = _dask.attribute(ddf, dd.from_pandas(conversions, npartitions=1), model="shapley")
    close(alignment.attribute(touches, conversions, model="shapley").totals(), res.totals())


def test_touch_frame_and_other_keys(client: Any) -> None:
    touches, conversions = make_touches(4)
    mem = alignment.attribute(touches, conversions, model="time_decay")
    res = _dask.attribute(
        dd.from_pandas(touches, npartitions=3, sort=False),
        dd.from_pandas(conversions, npartitions=2, sort=False),
        model="time_decay",
    )
    close(mem.totals(by="campaign"), res.totals(by="campaign"))
    got = res.to_frame(level="touch").compute()
    want = mem.to_frame(level="touch", backend="pandas")
    assert str(want["channel"].dtype) == "category"  # in memory; strings in Dask's partitions
    want = want.astype({"channel": got["channel"].dtype, "campaign": got["campaign"].dtype})
    cols = ["lead_id", "timestamp", "channel", "credit", "weight", "eligible"]
    sort = ["lead_id", "timestamp", "channel", "campaign"]
    got = got.sort_values(sort).reset_index(drop=True)[cols]
    want = want.sort_values(sort).reset_index(drop=True)[cols]
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=RTOL, check_dtype=False)
    frame = res.to_frame(level="channel")
    assert frame["revenue"].sum() == pytest.approx(sum(mem.totals().values()), rel=RTOL)


def test_dask_result_is_an_attribution_result(client: Any) -> None:
    """The Dask result is an AttributionResult: same summary, members that need every touch refuse."""
    from alignment.attribution import AttributionResult

    touches, conversions = make_touches(5)
    mem = alignment.attribute(touches, conversions, model="linear")
    res = _dask.attribute(
        dd.from_pandas(touches, npartitions=3, sort=False),
        dd.from_pandas(conversions, npartitions=2, sort=False),
        model="linear",
    )
    assert isinstance(res, AttributionResult)
    want, got = mem.summary(), res.summary()
    for key in ("model", "journeys", "touches", "converted_journeys"):
        assert got[key] == want[key], key
    for key in ("converted_revenue", "attributed_revenue", "unattributed_revenue"):
        assert got[key] == pytest.approx(want[key], rel=RTOL), key
    assert res.kind == mem.kind == "touch" and res.details == mem.details == {}
    assert res.unattributed.total == pytest.approx(mem.unattributed.total, rel=RTOL)
    assert set(want) <= set(got), "the Dask summary holds every in-memory key"
    assert (
        (got["outcome"], got["measure"])
        == (want["outcome"], want["measure"])
        == (
            "revenue",
            "revenue",
        )
    )
    for member in ("table", "journeys", "eligible", "weights", "credit", "conversion_credit"):
        with pytest.raises(ParameterError, match="to_frame\\('touch'\\)"):
            getattr(res, member)
    with pytest.raises(ParameterError, match="to_frame"):
        res.touches()


@pytest.mark.parametrize("by", ["channel", "campaign"])  # campaign: the extra pass
def test_cost_and_roi_per_key_match_in_memory(client: Any, by: str) -> None:
    touches, conversions = make_touches(6)
    rng = np.random.default_rng(6)
    touches = touches.assign(cost=rng.integers(0, 40, len(touches)).astype(float))
    touches.loc[touches.index[:5], "cost"] = np.nan  # unknown costs count as 0, as in memory
    mem = alignment.attribute(touches, conversions, model="linear")
    res = _dask.attribute(
        dd.from_pandas(touches, npartitions=3, sort=False),
        dd.from_pandas(conversions, npartitions=2, sort=False),
        model="linear",
    )
    want = mem.to_frame(level=by, backend="pandas").set_index(by).sort_index()
    got = res.to_frame(level=by).set_index(by).sort_index()
    assert list(got.columns) == list(want.columns)  # conversions, revenue, share, cost, roi
    for col in ("revenue", "cost", "roi"):
        np.testing.assert_allclose(got[col], want[col], rtol=RTOL, equal_nan=True)
    assert got["cost"].sum() == pytest.approx(touches["cost"].fillna(0).sum())


def test_keyed_partitions_that_split_a_key_are_refused(client: Any) -> None:
    touches, conversions = make_touches(5, n_leads=30)
    keyed = touches.merge(conversions, on="lead_id", how="left").set_index("lead_id").sort_index()
    counts = keyed.index.value_counts()
    key = str(counts[counts >= 2].index.sort_values()[len(counts[counts >= 2]) // 2])
    first_row = int(np.flatnonzero(keyed.index == key)[0])
    p0, p1 = keyed.iloc[: first_row + 1], keyed.iloc[first_row + 1 :]
    bad = keyed_frame(keyed, [p0, p1], (str(keyed.index.min()), key, str(keyed.index.max())))
    with pytest.raises(DataValidationError, match="two partitions"):
        _dask.attribute(bad, model="linear")


@pytest.mark.filterwarnings("ignore::alignment.errors.AlignmentWarning")  # (naive: UTC)
@pytest.mark.parametrize("other", ["float", "text"])
def test_ids_memory_matches_are_one_key_on_dask(client: Any, other: str) -> None:
    """An integer id 30 and a float 30.0 (a CSV column with a blank) or the text "30" are one
    key in memory: the shuffle puts them in one partition.  Float ids were hashed as "30.0":
    conversions, touches and activities landed away from their leads (revenue unattributed,
    scores without touches, activities refused as of unknown leads)."""
    crm = datasets.synthetic_crm(300, seed=1)
    frames = {k: pd.DataFrame(dict(getattr(crm, k))) for k in ("touchpoints", "conversions")}
    frames.update(leads=pd.DataFrame(crm.leads), activities=pd.DataFrame(crm.activities))
    number = frames["touchpoints"]["lead_id"].str[1:].astype(int)  # "L030" → 30
    frames["touchpoints"]["lead_id"] = number
    frames["leads"]["lead_id"] = frames["leads"]["lead_id"].str[1:].astype(int)
    for name in ("conversions", "activities"):
        ids = frames[name]["lead_id"].str[1:].astype(int)
        frames[name]["lead_id"] = ids.astype(float) if other == "float" else ids.astype(str)
    t, c, leads, acts = (frames[k] for k in ("touchpoints", "conversions", "leads", "activities"))

    def parts(df: pd.DataFrame, n: int) -> Any:
        return dd.from_pandas(df, npartitions=n, sort=False)

    mem = alignment.attribute(t, c, model="linear")
    got = alignment.attribute(parts(t, 4), parts(c, 2), model="linear")
    assert mem.unattributed.total == 0.0
    assert got.summary()["attributed_revenue"] == pytest.approx(
        mem.summary()["attributed_revenue"], rel=RTOL
    )
    assert got.unattributed.total == 0.0
    touches = t.assign(lead_id=number.astype(float) if other == "float" else number.astype(str))
    mem_s = alignment.score(leads, touches).to_frame(backend="pandas")
    got_s = alignment.score(parts(leads, 3), parts(touches, 4)).to_frame(backend="pandas")
    got_s = got_s.set_index("lead_id").loc[mem_s["lead_id"]].reset_index()
    np.testing.assert_allclose(got_s["score"], mem_s["score"], rtol=RTOL)
    want = sla.evaluate(crm.sla, leads, acts, as_of=crm.as_of).summary
    assert sla.evaluate(crm.sla, parts(leads, 3), parts(acts, 4), as_of=crm.as_of).summary == want


@pytest.mark.filterwarnings("ignore::alignment.errors.AlignmentWarning")  # (naive: UTC)
@pytest.mark.parametrize(("index", "other"), [("int", "float"), ("int", "text"), ("text", "int")])
def test_keyed_frames_meet_the_rows_memory_matches(client: Any, index: str, other: str) -> None:
    """The main frame indexed by the key with known divisions (no shuffle): the other frames
    are sent to its divisions by the key's text, as memory compares it.  They were sent by
    their raw values: text ids against an integer index (or the reverse) failed in Dask's
    ``set_index`` with a raw ``TypeError``."""
    crm = datasets.synthetic_crm(300, seed=1)
    frames = {k: pd.DataFrame(dict(getattr(crm, k))) for k in ("touchpoints", "conversions")}
    frames.update(leads=pd.DataFrame(crm.leads), activities=pd.DataFrame(crm.activities))
    kinds = {"int": int, "float": float, "text": str}
    for name, df in frames.items():
        kind = kinds[index if name in ("touchpoints", "leads") else other]
        df["lead_id"] = df["lead_id"].str[1:].astype(int).astype(kind)  # "L030" → 30
    t, c, leads, acts = (frames[k] for k in ("touchpoints", "conversions", "leads", "activities"))

    def keyed(df: pd.DataFrame) -> Any:
        out = dd.from_pandas(df.set_index("lead_id").sort_index(), npartitions=4)
        assert out.known_divisions
        return out

    def parts(df: pd.DataFrame) -> Any:
        return dd.from_pandas(df, npartitions=3, sort=False)

    mem = alignment.attribute(t, c, model="linear")
    got = alignment.attribute(keyed(t), parts(c), model="linear")
    assert not got.shuffled
    assert mem.unattributed.total == 0.0 and got.unattributed.total == 0.0
    close(got.totals(), mem.totals())
    touches = t.assign(lead_id=t["lead_id"].astype(kinds[other]))
    mem_s = alignment.score(leads, touches).to_frame(backend="pandas")
    got_s = alignment.score(keyed(leads), parts(touches)).to_frame(backend="pandas")
    got_s = got_s.set_index("lead_id").loc[mem_s["lead_id"]].reset_index()
    np.testing.assert_allclose(got_s["score"], mem_s["score"], rtol=RTOL)
    want = sla.evaluate(crm.sla, leads, acts, as_of=crm.as_of).summary
    assert sla.evaluate(crm.sla, keyed(leads), parts(acts), as_of=crm.as_of).summary == want


def test_keys_go_to_the_division_memory_matches_them_in() -> None:
    """Text, whole floats and integers beyond 2**53 find the division of their number; a
    key no number of the divisions can match ("010", "x", 0.5 …, missing) goes to 0."""
    from alignment.dask._common import division_of

    big = 2**60 + 1
    numbers = [0, 10, 20, big, big + 10]
    values = pd.Series(["10", "19", "010", "x", None, str(big), "20"], dtype=object)
    assert division_of(values, numbers).tolist() == [1, 1, 0, 0, 0, 3, 2]
    floats = pd.Series([10.0, 25.0, 0.5, np.nan, 20.0])
    assert division_of(floats, numbers).tolist() == [1, 2, 0, 0, 2]
    assert division_of(floats, [0.0, 10.5, 30.0]).tolist() == [0, 1, 0, 0, 1]
    text = ["L000", "L100", "L200"]
    assert division_of(pd.Series(["L150", None, "L200"]), text).tolist() == [1, 0, 1]
    assert division_of(pd.Series([30, 7]), ["10", "5", "9"]).tolist() == [0, 1]


@pytest.mark.parametrize(
    "divisions", [[0, 10, 20, 2**60 + 1, 2**60 + 10], [-5, 0.5, 10.0, 30.0], [3, 3, 9]]
)
def test_number_keys_find_their_division_by_their_numbers(divisions: list[Any]) -> None:
    """Integer keys (or whole floats) against numeric divisions are searched as numbers (no
    text per row), with the divisions their text would find."""
    from alignment.dask._common import _numeric_division, division_of, key_text

    ints = pd.Series([-7, 0, 3, 9, 10, 11, 19, 20, 21, 2**60 + 1, 2**60 + 5, 2**62])
    if any(isinstance(d, float) for d in divisions):  # (floats: exact below 2**53)
        ints = ints[ints.abs() < 2**53]
    cases = [ints, ints.astype("uint64").where(ints >= 0, 0), ints[ints.abs() < 2**53] * 1.0]
    for keys in cases:
        want = division_of(pd.Series(key_text(keys), dtype=object), divisions)
        got = _numeric_division(keys, divisions)
        assert got is not None and got.tolist() == want.tolist()
    half = pd.Series([10.0, 0.5, np.nan])  # (not whole, or missing: through the text)
    assert _numeric_division(half, divisions) is None
    assert division_of(half, divisions).tolist()[2] == 0  # (missing: where memory refuses it)
    assert _numeric_division(pd.Series(["10"]), divisions) is None


@pytest.mark.parametrize(
    "values",
    [
        pd.Series([30, 7, 2**60], dtype="int64"),
        pd.Series([30.0, 7.0, np.nan]),
        pd.Series(["30", "7", None], dtype=object),
        pd.Series([30, 7, None], dtype="Int64"),
        pd.Series([30.0, 7.0, None], dtype="Float64"),
        pd.Series([30, 7, None], dtype=object),
        pd.Series(pd.Categorical([30.0, 7.0, None])),
        pd.Series(["30", "7", None], dtype="string[pyarrow]"),
        pd.Series([30, 7, None], dtype="int64[pyarrow]"),
        pd.Index([30.0, 7.0, 1.0]),
    ],
    ids=lambda v: str(v.dtype),
)
def test_keys_are_hashed_by_the_text_memory_compares(values: Any) -> None:
    from alignment.dask._common import key_text

    text = key_text(values).tolist()
    assert text[:2] == ["30", "7"]
    missing = text[2] is None or pd.isna(text[2]) or text[2] in {"nan", "<NA>", ""}
    assert missing or text[2] in {str(2**60), "1"}  # (a missing key: refused in its partition)
    assert key_text(pd.Series([0.5, 1e300])).tolist() == ["0.5", "1e+300"]  # (not whole)


def test_unsupported_models_and_detection() -> None:
    touches, _ = make_touches(6, n_leads=10)
    ddf = dd.from_pandas(touches, npartitions=2)
    assert _dask.is_dask_collection(ddf)
    assert _dask.is_dask_collection(ddf["channel"])
    assert not _dask.is_dask_collection(touches)
    assert not _dask.is_dask_collection({"a": [1]})
    assert not _dask.is_dask_collection(None)
    with pytest.raises(ParameterError):
        _dask.attribute(ddf, model="linear", half_life="2d")  # not a parameter of linear
    with pytest.raises(ParameterError):
        _dask.attribute(ddf, touches.iloc[:0].assign(x=1).to_numpy())  # type: ignore[arg-type]


def test_import_alignment_does_not_import_dask() -> None:
    code = (
        "import sys, alignment, alignment.dask as d\n"
        "assert not d.is_dask_collection([1])\n"
        "assert 'dask' not in sys.modules, 'dask imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------- kernels (twins)


def test_in_memory_calls_never_load_the_backend() -> None:
    code = (
        "import sys, alignment\n"
        "from alignment.datasets import synthetic_crm\n"
        "crm = synthetic_crm(200, seed=0)\n"
        "alignment.attribute(crm.touchpoints, crm.conversions, model='linear')\n"
        "alignment.funnel.observe(crm.lead_table())\n"
        "assert 'alignment.dask' not in sys.modules, 'backend imported'\n"
        "assert 'dask' not in sys.modules, 'dask imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_dask_input_finds_the_backend_by_entry_point() -> None:
    code = (
        "import sys, alignment\n"
        "import dask.dataframe as dd, pandas as pd\n"
        "from alignment.datasets import synthetic_crm\n"
        "crm = synthetic_crm(300, seed=0)\n"
        "t = dd.from_pandas(pd.DataFrame(crm.touchpoints), npartitions=2)\n"
        "c = dd.from_pandas(pd.DataFrame(crm.conversions), npartitions=2)\n"
        "assert 'alignment.dask' not in sys.modules\n"
        "r = alignment.attribute(t, c, model='linear')\n"
        "assert 'alignment.dask' in sys.modules\n"
        "m = alignment.attribute(crm.touchpoints, crm.conversions, model='linear')\n"
        "assert abs(sum(r.totals().values()) - sum(m.totals().values())) < 1e-6\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def group_sequences_twin(seqs: list[list[int]]) -> list[int]:
    """Plain Python: identical sequences get identical ids, different ones different ids."""
    ids: dict[tuple[int, ...], int] = {}
    return [ids.setdefault(tuple(s), len(ids)) for s in seqs]


seqs_strategy = st.lists(st.lists(st.integers(0, 3), max_size=6), max_size=30)


@settings(max_examples=60, deadline=None)
@given(seqs_strategy)
def test_group_sequences_matches_twin(seqs: list[list[int]]) -> None:
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in seqs], out=offsets[1:])
    codes = np.array([c for s in seqs for c in s], dtype=np.int64)
    gid, first = _dask.group_sequences(offsets, codes)
    twin = group_sequences_twin(seqs)
    assert len(gid) == len(seqs)
    # the same partition of the sequences into groups
    for i in range(len(seqs)):
        for j in range(len(seqs)):
            assert (gid[i] == gid[j]) == (twin[i] == twin[j])
    for g, f in enumerate(first):
        assert gid[f] == g and (f == 0 or g not in set(gid[:f].tolist()))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(st.sampled_from("abcd"), min_size=1, max_size=5), st.booleans()),
        min_size=1,
        max_size=25,
    ),
    st.integers(1, 2),
    st.integers(1, 4),
)
def test_markov_counts_combine_exactly(
    journeys: list[tuple[list[str], bool]], order: int, n_parts: int
) -> None:
    """Counts of parts merged == one solve on everything (the in-memory model)."""
    from alignment.attribution._markov import MarkovAttribution
    from alignment.tables import Journeys

    def build(js: list[tuple[list[str], bool]], start: int) -> Any:
        lead = [f"j{start + i:03d}" for i, (p, _) in enumerate(js) for _ in p]
        ch = [c for p, _ in js for c in p]
        ts = np.arange(len(ch)).astype("datetime64[m]").astype("datetime64[us]")
        conv_at = [
            np.datetime64("2030-01-01", "us") if conv else np.datetime64("NaT", "us")
            for p, conv in js
            for _ in p
        ]
        rev = [
            float(10 + start + i) if conv else np.nan for i, (p, conv) in enumerate(js) for _ in p
        ]
        return Journeys.build(
            {
                "lead_id": lead,
                "timestamp": ts,
                "channel": ch,
                "converted_at": np.array(conv_at),
                "revenue": rev,
            }
        )

    full = build(journeys, 0)
    model = MarkovAttribution(order=order, revenue_basis="value")
    want = model.channel_credit(full)
    cuts = np.linspace(0, len(journeys), n_parts + 1).astype(int)
    merged = None
    for a, b in itertools.pairwise(cuts):
        if a == b:
            continue
        j = build(journeys[a:b], int(a))
        mc = _dask.MarkovCounts.of(
            np.asarray(j.offsets),
            np.asarray(j.channel.codes, dtype=np.int64),
            j.channel.categories,
            np.asarray(j.conversions),
            np.asarray(j.non_conversions),
            np.where(np.asarray(j.conversions) > 0, np.asarray(j.revenue), 0.0),
            order=order,
            collapse_repeats=True,
        )
        merged = mc if merged is None else merged.merge(mc)
    assert merged is not None
    got = merged.credit(
        [str(c) for c in full.channel.categories], order=order, revenue_basis="value"
    )
    close(dict(want.revenue), dict(got.revenue))
    close(dict(want.conversions), dict(got.conversions))
    assert got.details["states"] == want.details["states"]


# ----------------------------------------------------------------------------- scoring


def test_logistic_fit_matches_in_memory(client: Any) -> None:
    """Same objective, preconditioning, start and stopping rules as ``LogisticScorer.fit``.

    Partial sums (and BLAS threading) change the gradient by rounding only, which can move
    L-BFGS's stop by an iteration: the objective at the solution agrees to 1e-9 relative and
    the coefficients to the optimiser tolerance; with a tight ``tol`` they agree to 1e-9.
    """
    rng = np.random.default_rng(7)
    X = rng.normal(size=(2500, 4))
    X[:, 2] = X[:, 2] * 100 + 50
    logit = X @ np.array([1.0, -0.5, 0.01, 0.0]) - 0.3
    y = (rng.random(2500) < 1 / (1 + np.exp(-logit))).astype(float)
    df = pd.DataFrame(X, columns=list("abcd")).assign(won=y)
    ddf = dd.from_pandas(df, npartitions=4)
    cases: list[dict[str, Any]] = [
        {},
        {"l2": 0.0},
        {"class_weight": "balanced"},
        {"fit_intercept": False, "l2": 3.0},
        {"tol": 1e-11},
        {"class_weight": {0: 1.0, 1: 3.0}, "tol": 1e-11},
    ]
    for kw in cases:
        mem = LogisticScorer(**kw).fit(X, y)
        got = _dask.fit_logistic(ddf, "won", **kw)
        assert got.converged_ and mem.converged_
        assert got.objective_ == pytest.approx(mem.objective_, rel=RTOL)
        tight = kw.get("tol", 1.0) < 1e-10
        rtol, atol = (1e-9, 1e-11) if tight else (1e-5, 1e-6)
        np.testing.assert_allclose(got.coef_, mem.coef_, rtol=rtol, atol=atol)
        assert got.intercept_ == pytest.approx(mem.intercept_, rel=rtol, abs=atol)
        np.testing.assert_allclose(
            got.predict_proba(df[list("abcd")]), mem.predict_proba(X), rtol=rtol, atol=atol
        )
    with pytest.raises(DataValidationError, match="single class"):
        _dask.fit_logistic(dd.from_pandas(df.assign(won=1.0), npartitions=2), "won")


@pytest.mark.parametrize("dtype", ["boolean", "bool[pyarrow]"])
@pytest.mark.parametrize("min_count", [10, 40, 400])
def test_logistic_fit_encodes_a_flag_with_missing_values_as_memory(
    dtype: str, min_count: int
) -> None:
    """A nullable boolean holding missing values is three levels in memory ("False", "True",
    "(missing)": one-hot against the most frequent, rare ones pooled, a constant one
    dropped); the Dask fit refused it as non-finite.  Both fits now agree."""
    rng = np.random.default_rng(3)
    n = 400
    x = rng.normal(size=n)
    flag = pd.array(rng.random(n) < 0.4, dtype="boolean")
    flag[rng.random(n) < 0.2] = pd.NA
    y = (rng.random(n) < 1 / (1 + np.exp(-(x + 0.5 * flag.fillna(False).astype(float))))).astype(
        int
    )
    df = pd.DataFrame({"x": x, "flag": pd.Series(flag).astype(dtype), "won": y})
    mem = LogisticScorer(min_count=min_count, tol=1e-12).fit(df[["x", "flag"]], df["won"])
    with dask.config.set(scheduler="synchronous"):
        got = LogisticScorer(min_count=min_count, tol=1e-12).fit(
            dd.from_pandas(df, npartitions=4), "won"
        )
    assert list(got.feature_names_) == list(mem.feature_names_)
    assert list(got.feature_names_in_) == list(mem.feature_names_in_)
    assert got.encoder_ is not None and got.encoder_.dropped_ == mem.encoder_.dropped_
    np.testing.assert_allclose(got.coef_, mem.coef_, rtol=0, atol=1e-10)
    assert got.intercept_ == pytest.approx(mem.intercept_, rel=0, abs=1e-10)
    np.testing.assert_allclose(
        got.predict_proba(df[["x", "flag"]]), mem.predict_proba(df[["x", "flag"]]), atol=1e-10
    )


def test_unpenalised_dask_fit_on_separated_outcomes_is_not_converged(client: Any) -> None:
    """As in memory: l2=0 on outcomes the features separate (across partitions) has no finite
    optimum; the fit is marked not converged and warns, where it reported convergence."""
    from alignment.errors import ConvergenceWarning

    x = np.array([-3.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0])
    df = pd.DataFrame({"a": x, "won": (x > 0).astype(float)})
    ddf = dd.from_pandas(df, npartitions=3)
    with pytest.warns(ConvergenceWarning, match="perfectly separated"):
        got = _dask.fit_logistic(ddf, "won", l2=0.0)
    assert not got.converged_
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _dask.fit_logistic(ddf, "won", l2=1.0).converged_  # (penalised: finite)
        mixed = df.assign(won=[0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
        assert _dask.fit_logistic(dd.from_pandas(mixed, npartitions=3), "won", l2=0.0).converged_


def test_score_applies_fitted_scorers_per_partition(client: Any) -> None:
    crm = datasets.synthetic_crm(600, seed=3, days=60)
    leads = pd.DataFrame(crm.leads)
    touches = pd.DataFrame(crm.touchpoints)
    fitted = LogisticScorer(features=["industry", "company_size", "seniority"]).fit(
        crm.lead_table()
    )
    mem = alignment.score(leads, scorer=fitted).to_frame(backend="pandas")
    got = _dask.score(dd.from_pandas(leads, npartitions=3), scorer=fitted).to_frame().compute()
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True),
        mem.reset_index(drop=True),
        check_exact=False,
        rtol=RTOL,
        check_dtype=False,
    )
    kw = {
        "half_life": "14d",
        "fit_rules": [{"column": "seniority", "equals": "executive", "points": 30}],
    }
    mem = alignment.score(leads, touches, scorer="grid", **kw).to_frame(backend="pandas")
    got = _dask.score(
        dd.from_pandas(leads, npartitions=3, sort=False),
        dd.from_pandas(touches, npartitions=4, sort=False),
        scorer="grid",
        **kw,
    ).to_frame(backend="pandas")
    got = got.sort_values("lead_id").reset_index(drop=True)
    mem = mem.sort_values("lead_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, mem, check_exact=False, rtol=RTOL, check_dtype=False)


@pytest.mark.parametrize("kind", ["grid", "logistic"])  # cells and actions; score bands
def test_dask_score_result_is_a_score_result(client: Any, kind: str) -> None:
    """summary(), breakdown, len and to_frame on Dask equal the in-memory result."""
    from alignment.scoring import ScoreResult

    crm = datasets.synthetic_crm(500, seed=4, days=60)
    leads, touches = pd.DataFrame(crm.leads), pd.DataFrame(crm.touchpoints)
    if kind == "grid":
        kw: dict[str, Any] = {"scorer": "grid", "half_life": "14d", "as_of": "2024-03-01"}
        args: tuple[Any, ...] = (leads, touches)
        dargs: tuple[Any, ...] = (
            dd.from_pandas(leads, npartitions=3, sort=False),
            dd.from_pandas(touches, npartitions=4, sort=False),
        )
    else:
        kw = {"scorer": LogisticScorer(features=["industry", "seniority"]).fit(crm.lead_table())}
        args, dargs = (leads,), (dd.from_pandas(leads, npartitions=3),)
    mem = alignment.score(*args, **kw)
    res = _dask.score(*dargs, **kw)
    assert isinstance(res, ScoreResult)
    assert len(res) == len(mem) and res.names == mem.names
    want, got = mem.summary(), res.summary()
    assert got.pop("partitions") == 3
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == (pytest.approx(value, rel=RTOL) if isinstance(value, float) else value)
    pd.testing.assert_frame_equal(
        res.to_frame("breakdown", backend="pandas"),
        mem.to_frame("breakdown", backend="pandas"),
        check_exact=False,
        rtol=RTOL,
    )
    got_leads = res.to_frame(backend="pandas").sort_values("lead_id").reset_index(drop=True)
    want_leads = mem.to_frame(backend="pandas").sort_values("lead_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got_leads, want_leads, check_exact=False, check_dtype=False)
    assert isinstance(res.to_frame(), dd.DataFrame)  # lazy by default
    assert "<" in res._repr_html_()
    if importlib.util.find_spec("matplotlib") is not None:
        import matplotlib

        matplotlib.use("Agg")
        _fig, ax = res.plot()
        assert ax.patches or ax.images  # bars, or the heat map of the grid
        with pytest.raises(ParameterError, match="converted"):
            res.plot(converted=np.ones(len(mem), dtype=bool))
    for call in (lambda: res["score"], lambda: res.scores, lambda: res.explain("L1")):
        with pytest.raises(ParameterError, match="to_frame"):
            call()
    with pytest.warns(DeprecationWarning, match="DaskScoreResult"):
        assert len(res.compute()) == len(mem)


# ------------------------------------------------------------------------------ funnel


def make_leads(n: int = 1500, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    created = t0 + pd.to_timedelta(rng.integers(0, 200 * 86400, n), unit="s")

    def stage(prev: Any, p: float) -> Any:
        ok = rng.random(n) < p
        step = pd.to_timedelta(np.where(ok, rng.integers(-2 * 86400, 30 * 86400, n), 0), unit="s")
        return (prev + step).where(ok)

    mql = stage(created, 0.6)
    sql = stage(mql, 0.5)
    opp = stage(sql, 0.5)
    won = stage(opp, 0.4)
    return pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "created_at": created,
            "mql_at": mql,
            "sql_at": sql,
            "opportunity_at": opp,
            "won_at": won,
            "source": rng.choice(np.array(["web", "event", "partner", None], dtype=object), n),
            "company_size": rng.integers(1, 5, n).astype(float),
        }
    )


FUNNEL_CASES: list[dict[str, Any]] = [
    {},
    {"by": "source"},
    {"cohort": "M"},
    {"by": "source", "cohort": "W", "mode": "any", "interval": "jeffreys"},
    {"by": "company_size", "out_of_order": "drop", "as_of": "2024-05-01T00:00Z"},
]


@pytest.mark.parametrize("kw", FUNNEL_CASES)
def test_funnel_observe_matches_in_memory(client: Any, kw: dict[str, Any]) -> None:
    leads = make_leads()
    mem = funnel.observe(leads, **kw)
    parts = [
        dd.from_pandas(leads, npartitions=4, sort=False),
        dd.from_pandas(leads.iloc[:0], npartitions=1),
    ]
    got = _dask.funnel_observe(dd.concat(parts), **kw)
    for f in (
        "counts",
        "converted",
        "n_durations",
        "out_of_order",
        "median_days",
        "mean_days",
        "p90_days",
        "next_rate",
        "next_low",
        "next_high",
        "cumulative",
        "cumulative_low",
        "cumulative_high",
    ):
        a, b = np.asarray(getattr(mem, f)), np.asarray(getattr(got, f))
        assert a.shape == b.shape, f
        np.testing.assert_allclose(b, a, rtol=RTOL, equal_nan=True, err_msg=f)
    assert (mem.n_leads, mem.n_entered, mem.n_excluded) == (
        got.n_leads,
        got.n_entered,
        got.n_excluded,
    )
    if mem.group_values is not None:
        assert list(mem.group_values) == list(got.group_values)
    if mem.group_cohorts is not None:
        assert list(mem.group_cohorts) == list(got.group_cohorts)
    assert mem.rates(0) == pytest.approx(got.rates(0), rel=RTOL, nan_ok=True)


def test_funnel_horizon_is_not_distributed() -> None:
    with pytest.raises(ParameterError, match="not distributed"):
        _dask.funnel_observe(dd.from_pandas(make_leads(20), npartitions=1), horizon="30d")


# --------------------------------------------------------------------------------- SLA


def test_sla_kinds_are_judged_over_every_partition() -> None:
    """An agreement kind that only one partition's activities carry is no typo (memory does
    not warn); one that no activity carries is warned once, in memory's words."""
    crm = datasets.synthetic_crm(400, seed=1)
    leads, acts = pd.DataFrame(crm.leads), pd.DataFrame(crm.activities)
    one = acts.loc[acts["kind"] == "meeting", "lead_id"].iloc[0]
    acts = acts[(acts["kind"] != "meeting") | (acts["lead_id"] == one)].reset_index(drop=True)
    doc = datasets.sla_example(400, 120)
    for kinds, expected in ((["Meeting"], 0), (["Meting"], 1)):
        doc["sales"]["first_touch"]["kinds"] = kinds
        texts = []
        for ld, ac in ((leads, acts), (dd.from_pandas(leads, 4), dd.from_pandas(acts, 4))):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                sla.evaluate(doc, ld, ac, as_of=crm.as_of)
            texts.append([str(w.message) for w in caught if "no activity has" in str(w.message)])
        assert texts[1] == texts[0] and len(texts[0]) == expected


@pytest.mark.parametrize(
    "variant", ["monthly", "split", "weekly", "split_missing", "split_casefold", "split_int_owner"]
)
def test_sla_evaluate_matches_in_memory(client: Any, variant: str) -> None:
    """The tables of the whole, from the partitions'.  ``split_missing``: leads without a split
    value (Dask's string partitions hold them as NA); ``split_casefold``: spellings folded by
    ``normalize="casefold"`` — the response times of both went to another split's median."""
    crm = datasets.synthetic_crm(1500, seed=1, days=60)
    leads, acts = pd.DataFrame(crm.leads), pd.DataFrame(crm.activities)
    doc = datasets.sla_example(1500, 60)
    kw: dict[str, Any] = {}
    if variant.startswith("split"):
        doc["marketing"]["split_by"] = "source"
    if variant == "split_missing":
        doc["marketing"]["split_by"] = "owner"
        leads.loc[::9, "owner"] = None
    if variant == "split_int_owner":  # (owner ids: split by their labels, "101")
        doc["marketing"]["split_by"] = "owner"
        leads["owner"] = pd.factorize(leads["owner"])[0].astype(np.int64) * 7 + 95
    if variant == "split_casefold":
        shout = leads["source"].str.upper().str.replace("_", " ")
        leads["source"] = leads["source"].where(np.arange(len(leads)) % 2 == 0, shout)
        kw["normalize"] = "casefold"
    if variant == "weekly":
        doc["marketing"]["period"] = "W"
    mem = sla.evaluate(doc, leads, acts, as_of=crm.as_of, **kw)
    got = sla.evaluate(
        doc,
        dd.from_pandas(leads, npartitions=3, sort=False),
        dd.from_pandas(acts, npartitions=4, sort=False),
        as_of=crm.as_of,
        **kw,
    )
    assert got.summary == mem.summary
    for table in ("periods", "daily"):
        a, b = getattr(mem, table), getattr(got, table)
        assert a.columns == b.columns
        for c in a.columns:
            x, y = np.asarray(a[c]), np.asarray(b[c])
            if x.dtype.kind == "f":
                np.testing.assert_allclose(y, x, rtol=RTOL, equal_nan=True, err_msg=c)
            else:
                assert x.astype(str).tolist() == y.astype(str).tolist(), c
    la = mem.leads.to_frame("pandas").sort_values("lead_id").reset_index(drop=True)
    lb = got.leads.to_frame("pandas").sort_values("lead_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(la, lb)
    ba = (
        mem.breaches()
        .to_frame("pandas")
        .sort_values(["lead_id", "commitment"])
        .reset_index(drop=True)
    )
    bb = (
        got.breaches()
        .to_frame("pandas")
        .sort_values(["lead_id", "commitment"])
        .reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(ba, bb)


@pytest.mark.parametrize("model", ["w_shaped", "full_path"])
def test_attribution_with_leads_anchors_and_lead_keys(client: Any, model: str) -> None:
    crm = datasets.synthetic_crm(500, seed=4, days=60)
    touches, conv, leads = (pd.DataFrame(x) for x in (crm.touchpoints, crm.conversions, crm.leads))
    mem = alignment.attribute(touches, conv, leads=leads, model=model)
    res = _dask.attribute(
        dd.from_pandas(touches, npartitions=3, sort=False),
        dd.from_pandas(conv, npartitions=2, sort=False),
        leads=dd.from_pandas(leads, npartitions=2, sort=False),
        model=model,
    )
    close(mem.totals(), res.totals())
    close(mem.totals(by="source"), res.totals(by="source"))
    close(
        mem.totals(by="campaign", measure="conversions"),
        res.totals(by="campaign", measure="conversions"),
    )


def test_attribution_anchor_parameters_name_lead_columns_of_any_name(client: Any) -> None:
    crm = datasets.synthetic_crm(500, seed=4, days=60)
    touches, conv, leads = (pd.DataFrame(x) for x in (crm.touchpoints, crm.conversions, crm.leads))
    mem = alignment.attribute(touches, conv, leads=leads, model="full_path")
    renamed = leads.rename(columns={"opportunity_at": "opp_date", "won_at": "closed"})
    names = dict(opportunity_anchor="opp_date", won_anchor="closed")
    res = _dask.attribute(
        dd.from_pandas(touches, npartitions=3, sort=False),
        dd.from_pandas(conv, npartitions=2, sort=False),
        leads=dd.from_pandas(renamed, npartitions=2, sort=False),
        model="full_path",
        **names,
    )
    close(mem.totals(), res.totals())
    close(
        mem.totals(),
        alignment.attribute(touches, conv, leads=renamed, model="full_path", **names).totals(),
    )
    with pytest.raises(MissingColumnError, match="'born'"):
        _dask.attribute(
            dd.from_pandas(touches, npartitions=3, sort=False),
            dd.from_pandas(conv, npartitions=2, sort=False),
            leads=dd.from_pandas(renamed, npartitions=2, sort=False),
            model="w_shaped",
            lead_anchor="born",
        ).totals()


def _anchor_warnings(run: Any) -> list[str]:
    """The texts of the warnings about missing anchors issued while ``run()`` runs."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        run()
    return [str(w.message) for w in seen if "the journeys carry no" in str(w.message)]


@pytest.mark.parametrize("model", ["w_shaped", "full_path"])
@pytest.mark.parametrize("nparts", [1, 3, 7])
def test_a_model_warning_is_issued_once_for_the_whole_run(model: str, nparts: int) -> None:
    touches, conversions = make_touches(5)  # no leads=: no anchors in any partition
    want = _anchor_warnings(lambda: alignment.attribute(touches, conversions, model=model))
    assert len(want) == 1 and want[0].startswith(f"{model}: the journeys carry no")

    def run() -> None:  # (threads, even while the module's cluster is up: task shuffles)
        with dask.config.set({"scheduler": "threads", "dataframe.shuffle.method": "tasks"}):
            res = alignment.attribute(
                dd.from_pandas(touches, npartitions=nparts, sort=False),
                dd.from_pandas(conversions, npartitions=nparts, sort=False),
                model=model,
            )
            res.totals(by="campaign")  # another pass over the partitions: warned already
            res.to_frame("touch").compute()  # the lazy per-touch frame: no partition's warning

    assert _anchor_warnings(run) == want


def test_a_model_warning_crosses_from_the_workers_once(client: Any) -> None:
    touches, conversions = make_touches(5)
    got = _anchor_warnings(
        lambda: _dask.attribute(
            dd.from_pandas(touches, npartitions=4, sort=False),
            dd.from_pandas(conversions, npartitions=3, sort=False),
            model="w_shaped",
        )
    )
    assert len(got) == 1 and "the journeys carry no 'lead_created_at', 'opportunity_at'" in got[0]


@pytest.mark.parametrize("value", [pd.NA, np.array(["revenue", "x"]), ["revenue"], {"a": 1}])
def test_dask_result_options_refuse_values_that_are_none_of_their_choices(value: Any) -> None:
    """As in memory: a ``ParameterError`` naming the option, never pandas' or numpy's error."""
    touches, conversions = make_touches(n_leads=30)
    res = alignment.attribute(dd.from_pandas(touches, 2), dd.from_pandas(conversions, 2))
    with pytest.raises(ParameterError, match="measure"):
        res.totals(measure=value)
    with pytest.raises(ParameterError, match="by"):
        res.totals(by=value)
    scores = alignment.score(dd.from_pandas(make_leads(40), 2))
    for option in ("level", "backend"):
        with pytest.raises(ParameterError, match=option):
            scores.to_frame(**{option: value})
