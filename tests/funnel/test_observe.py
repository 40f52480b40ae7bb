"""observe() / plan_from() on lead tables: twin checks, segmentation, cohorts, results, errors."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from alignment import DataValidationError, LeadTable, ParameterError
from alignment import funnel as fn

from .helpers import BACKENDS, as_lists
from .test_observe_kernel import random_funnel, to_py
from .twins import observe_twin, quantile

STAGES = ["created_at", "mql_at", "sql_at", "opportunity_at", "won_at"]
SOURCES = np.array(["ads", "web", "event", None], dtype=object)


def lead_dict(n: int = 500, seed: int = 11) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    times = random_funnel(rng, n)
    data: dict[str, Any] = {"lead_id": np.array([f"L{i}" for i in range(n)], dtype=object)}
    data.update(zip(STAGES, times))
    data["source"] = SOURCES[rng.integers(0, 4, n)]
    data["company_size"] = rng.choice([10.0, 50.0, np.nan], n)
    return data


def test_plain_observe_matches_twin_and_definitions() -> None:
    data = lead_dict()
    obs = fn.observe(data)
    twin = observe_twin(to_py([data[s] for s in STAGES]))[None]
    assert obs.n_groups == 1
    assert obs.labels == ("lead", "mql", "sql", "opportunity", "won")
    assert obs.counts[0].tolist() == twin["counts"]
    c = twin["counts"]
    for k in range(4):
        assert obs.next_rate[0, k] == pytest.approx(c[k + 1] / c[k])
        assert obs.next_low[0, k] <= obs.next_rate[0, k] <= obs.next_high[0, k]
        assert obs.median_days[0, k] == pytest.approx(quantile(twin["durations"][k], 0.5))
        assert obs.p90_days[0, k] == pytest.approx(quantile(twin["durations"][k], 0.9))
    for k in range(5):
        assert obs.cumulative[0, k] == pytest.approx(c[k] / c[0])
    assert obs.n_entered == 500 and obs.n_not_entered == 0


@pytest.mark.parametrize("freq", ["M", "D"])  # few groups (selection) / > 256 groups (sort)
def test_by_and_cohort_match_twin(freq: str) -> None:
    data = lead_dict(800, seed=5)
    obs = fn.observe(data, by="source", cohort=freq, mode="any")
    if freq == "D":
        assert obs.n_groups > 256
    month = [str(np.datetime64(t, freq)) for t in data["created_at"]]  # plain per-lead labels
    labels = [
        (s if s is not None else "(missing)", m) for s, m in zip(data["source"].tolist(), month)
    ]
    twin = observe_twin(to_py([data[s] for s in STAGES]), labels, mode="any")
    assert obs.n_groups == len(twin)
    assert obs.group_values is not None and obs.group_cohorts is not None
    for g in range(obs.n_groups):
        key = (str(obs.group_values[g]), str(np.datetime64(obs.group_cohorts[g], freq)))
        assert obs.counts[g].tolist() == twin[key]["counts"]
        assert obs.converted[g].tolist() == twin[key]["converted"]
        for k in range(4):
            durs = twin[key]["durations"][k]
            assert obs.n_durations[g, k] == len(durs)
            if durs:
                assert obs.mean_days[g, k] == pytest.approx(sum(durs) / len(durs))
                assert obs.median_days[g, k] == pytest.approx(quantile(durs, 0.5))
                assert obs.p90_days[g, k] == pytest.approx(quantile(durs, 0.9))
    assert obs.counts[:, 0].sum() == 800  # every lead in exactly one group
    assert "(missing)" in obs.group_values.tolist()


def test_group_by_numeric_column_and_group_selection() -> None:
    data = lead_dict(300)
    obs = fn.observe(data, by="company_size")
    assert sorted(obs.group_values.tolist()) == ["(missing)", "10", "50"]  # type: ignore[union-attr]
    i = obs.group_index("10")
    assert obs.counts[i, 0] == int(np.sum(data["company_size"] == 10.0))
    assert obs.rates("10") == obs.rates(i)
    with pytest.raises(ParameterError, match="3 groups"):
        obs.rates()
    with pytest.raises(ParameterError, match="no group"):
        obs.group_index("99")
    with pytest.raises(ParameterError, match="out of range"):
        obs.group_index(7)
    with pytest.raises(ParameterError, match="no group"):  # a duration is not a row number
        obs.group_index(np.timedelta64(1))
    with pytest.raises(ParameterError, match="does not match"):
        obs.group_index(("10", "2024-01-01"))
    cohorts = fn.observe(data, cohort="W")
    assert cohorts.group_cohorts is not None
    first = cohorts.group_cohorts[0]
    assert cohorts.group_index(str(first)) == 0


@pytest.mark.parametrize("backend", ["dict", "pandas"])
def test_group_by_integer_and_flag_columns_keeps_their_values(backend: str) -> None:
    big = 2**53  # 2**53 and 2**53 + 1 are one float64
    data: dict[str, Any] = {
        "lead_id": ["a", "b", "c", "d"],
        "created_at": ["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-03T00:00Z",
                       "2024-01-04T00:00Z"],
        "mql_at": ["2024-01-05T00:00Z", None, "2024-01-06T00:00Z", "2024-01-07T00:00Z"],
        "account": np.array([big, big + 1, big + 1, 7], dtype=np.int64),
        "owner_id": np.array([101, 101, 202, 202], dtype=np.int64),
        "vip": np.array([True, False, True, False]),
        "vip_gaps": np.array([True, None, True, None], dtype=object),
    }  # fmt: skip
    if backend == "pandas":
        import pandas as pd

        frame: Any = pd.DataFrame(data)
    else:
        frame = data
    stages = ["created_at", "mql_at"]
    acc = fn.observe(frame, stages=stages, by="account")
    assert acc.group_values is not None
    assert acc.group_values.tolist() == ["7", str(big), str(big + 1)]
    assert acc.counts[:, 0].tolist() == [1, 1, 2]
    assert acc.rates(str(big + 1)) == {"lead": 0.5}
    owner = fn.observe(frame, stages=stages, by="owner_id")
    assert owner.group_values is not None and owner.group_values.tolist() == ["101", "202"]
    assert owner.rates("101") == {"lead": 0.5}
    vip = fn.observe(frame, stages=stages, by="vip")
    assert vip.group_values is not None and vip.group_values.tolist() == ["False", "True"]
    assert vip.rates(True) == {"lead": 1.0} and vip.rates("False") == {"lead": 0.5}
    gaps = fn.observe(frame, stages=stages, by="vip_gaps")
    assert gaps.group_values is not None
    assert gaps.group_values.tolist() == ["True", "(missing)"]
    assert gaps.counts[:, 0].tolist() == [2, 2]
    assert (data["account"] == [big, big + 1, big + 1, 7]).all()  # the caller's values


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow", "dict of arrow"])
def test_group_by_nullable_integer_column_keeps_its_integers(backend: str) -> None:
    pd = pytest.importorskip("pandas")
    big = 2**53  # 2**53 and 2**53 + 1 are one float64
    frame: Any = pd.DataFrame(
        {
            "lead_id": ["a", "b", "c", "d", "e"],
            "created_at": pd.to_datetime(["2024-01-01"] * 5, utc=True),
            "mql_at": pd.to_datetime(["2024-01-02", None, None, "2024-01-03", None], utc=True),
            "account": pd.array([big, big + 1, None, big + 1, 101], dtype="Int64"),
            "owner": pd.array([101, 202, None, 202, 101], dtype="Int64"),
        }
    )
    if backend == "polars":
        frame = pytest.importorskip("polars").from_pandas(frame)
    elif backend != "pandas":
        frame = pytest.importorskip("pyarrow").Table.from_pandas(frame, preserve_index=False)
        if backend == "dict of arrow":
            frame = {n: frame.column(n).combine_chunks() for n in frame.column_names}
    stages = ["created_at", "mql_at"]
    acc = fn.observe(frame, stages=stages, by="account")
    assert acc.group_values is not None
    assert acc.group_values.tolist() == ["101", str(big), str(big + 1), "(missing)"]
    assert acc.counts[:, 0].tolist() == [1, 1, 2, 1]
    assert acc.rates(str(big)) == {"lead": 1.0} and acc.rates(str(big + 1)) == {"lead": 0.5}
    owner = fn.observe(frame, stages=stages, by="owner")
    assert owner.group_values is not None
    assert owner.group_values.tolist() == ["101", "202", "(missing)"]


def test_ordered_counts_never_increase_and_any_mode_can_exceed() -> None:
    data = lead_dict(400, seed=2)
    ordered = fn.observe(data, mode="ordered", by="source")
    assert np.all(np.diff(ordered.counts, axis=1) <= 0)
    anym = fn.observe(data, mode="any")
    assert np.all(anym.counts >= fn.observe(data).counts)
    assert np.all(anym.next_rate <= 1.0)  # conversions, not a ratio of counts


def test_as_of_snapshot() -> None:
    data = lead_dict(400, seed=8)
    as_of = dt.datetime(2024, 2, 20, tzinfo=dt.timezone.utc)
    obs = fn.observe(data, as_of=as_of)
    cutoff = dt.datetime(2024, 2, 20)
    twin = observe_twin(to_py([data[s] for s in STAGES]), as_of=cutoff)[None]
    assert obs.counts[0].tolist() == twin["counts"]
    assert obs.n_excluded == int(np.sum(data["created_at"] > np.datetime64(cutoff)))
    assert obs.n_entered + obs.n_excluded == 400
    assert obs.as_of == np.datetime64(cutoff, "us")


def test_out_of_order_policy_and_custom_stages() -> None:
    nat = "NaT"
    data = {
        "lead_id": ["a", "b", "c"],
        "created_at": np.array(["2024-01-01"] * 3, dtype="datetime64[us]"),
        "mql_at": np.array(["2024-01-03", "2024-01-05", nat], dtype="datetime64[us]"),
        "sql_at": np.array(["2024-01-04", "2024-01-02", "2024-01-02"], dtype="datetime64[us]"),
    }
    stages = ["created_at", "mql_at", "sql_at"]
    keep = fn.observe(data, stages=stages)
    assert keep.counts.tolist() == [[3, 2, 2]]
    assert keep.out_of_order.tolist() == [[0, 1]]
    assert keep.median_days[0, 1] == pytest.approx(1.0)
    drop = fn.observe(data, stages=stages, out_of_order="drop")
    assert drop.counts.tolist() == [[3, 2, 1]]
    mql_entry = fn.observe(data, stages=["mql_at", "sql_at"])
    assert mql_entry.n_entered == 2 and mql_entry.n_not_entered == 1
    assert mql_entry.labels == ("mql", "sql")


def test_intervals_wilson_and_jeffreys() -> None:
    data = lead_dict(300)
    w = fn.observe(data, confidence=0.9)
    j = fn.observe(data, interval="jeffreys", confidence=0.9)
    assert np.array_equal(w.next_rate, j.next_rate)
    assert not np.allclose(w.next_low, j.next_low)
    for o in (w, j):
        assert np.all(o.next_low <= o.next_rate + 1e-12) and np.all(o.next_rate <= o.next_high)
        assert np.all(o.cumulative_low[:, 0] < 1) and np.all(o.cumulative_high[:, 0] == 1)
    wide = fn.observe(data, confidence=0.99)
    assert np.all(wide.next_high - wide.next_low >= w.next_high - w.next_low - 1e-12)


def test_empty_stage_gives_nan_rate_and_full_interval() -> None:
    data = {
        "lead_id": ["a", "b"],
        "created_at": np.array(["2024-01-01"] * 2, dtype="datetime64[us]"),
        "mql_at": np.array(["NaT", "NaT"], dtype="datetime64[us]"),
        "won_at": np.array(["NaT", "NaT"], dtype="datetime64[us]"),
    }
    obs = fn.observe(data, stages=["created_at", "mql_at", "won_at"])
    assert obs.next_rate[0, 0] == 0.0
    assert math.isnan(obs.next_rate[0, 1])
    assert (obs.next_low[0, 1], obs.next_high[0, 1]) == (0.0, 1.0)
    assert obs.n_durations.tolist() == [[0, 0]] and np.isnan(obs.median_days).all()
    with pytest.raises(ParameterError, match=r"from 'lead' to 'mql' is 0 \(0 of 2 leads\)"):
        fn.plan_from(obs, 1e5, 1e3)


def test_plan_from_observed_rates() -> None:
    data = lead_dict(2_000, seed=4)
    obs = fn.observe(data)
    p = fn.plan_from(obs, 100_000, 1_000, periods=12)
    assert p.stages == ("lead", "mql", "sql", "opportunity")
    assert p.overall_rate == pytest.approx(obs.cumulative[0, -1])
    assert p.required["lead"] == pytest.approx(100 / obs.cumulative[0, -1])
    seg = fn.observe(data, by="source")
    ads = fn.plan_from(seg, 100_000, 1_000, group="ads")
    assert ads.rates == seg.rates("ads")
    with pytest.raises(ParameterError, match="groups"):
        fn.plan_from(seg, 100_000, 1_000)
    with pytest.raises(ParameterError, match="FunnelObservation"):
        fn.plan_from({"lead": 0.1}, 1e5, 1e3)  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
def test_frame_inputs_and_outputs(backend: str) -> None:
    data = lead_dict(200)
    ref = fn.observe(data, by="source", cohort="M")
    dict_lists = {k: (v.tolist() if k != "source" else list(v)) for k, v in data.items()}
    if backend == "pandas":
        import pandas as pd

        frame: Any = pd.DataFrame(data)
        for s in STAGES:
            frame[s] = frame[s].dt.tz_localize("UTC")
    elif backend == "polars":
        import polars as pl

        frame = pl.DataFrame(
            {k: data[k] for k in data if k not in ("source", "lead_id")}
        ).with_columns(
            pl.Series("source", dict_lists["source"], dtype=pl.String),
            pl.Series("lead_id", dict_lists["lead_id"], dtype=pl.String),
        )
    else:
        import pyarrow as pa

        frame = pa.table({k: pa.array(dict_lists[k]) for k in data})
    obs = fn.observe(frame, by="source", cohort="M")
    assert np.array_equal(obs.counts, ref.counts)
    assert np.allclose(obs.p90_days, ref.p90_days, equal_nan=True)
    out = as_lists(obs.to_frame(backend=backend))
    assert obs.backend == backend
    assert type(obs.to_frame()).__module__.split(".")[0] == backend  # the caller's backend
    assert out["n_from"] == ref.counts[:, :-1].ravel().tolist()
    assert set(out) >= {"source", "cohort", "from_stage", "to_stage", "rate", "rate_low"}
    stages = as_lists(obs.to_frame("stages", backend=backend))
    assert stages["count"] == ref.counts.ravel().tolist()


@pytest.mark.parametrize("backend", BACKENDS)
def test_to_frame_and_html(backend: str) -> None:
    obs = fn.observe(lead_dict(100))
    out = as_lists(obs.to_frame(backend=backend))
    assert out["from_stage"] == ["lead", "mql", "sql", "opportunity"]
    assert out["converted"] == obs.converted[0].tolist()
    html = obs._repr_html_()
    assert "<table" in html and "opportunity" in html and "wilson" in html
    with pytest.raises(ParameterError, match="level must be one of"):
        obs.to_frame("wide")


def test_repr_is_one_headline_line() -> None:
    obs = fn.observe(lead_dict(300), by="source")
    s = obs.summary()
    text = repr(obs)
    assert "\n" not in text and "array(" not in text and len(text) < 200
    assert text.startswith("FunnelObservation(") and f"leads={s['leads']}" in text
    assert f"groups={s['groups']}" in text and "by='source'" in text
    assert f"{s['top_to_bottom_rate']:.1%}" in text


def test_lead_table_input_and_no_mutation() -> None:
    data = lead_dict(150)
    copies = {k: v.copy() for k, v in data.items()}
    lt = LeadTable.build(data)
    a = fn.observe(lt, by="source", cohort="D")
    b = fn.observe(data, by="source", cohort="D")
    assert np.array_equal(a.counts, b.counts)
    assert np.allclose(a.median_days, b.median_days, equal_nan=True)  # deterministic
    for k, v in data.items():
        if v.dtype.kind == "O":
            assert v.tolist() == copies[k].tolist()
        else:
            assert np.array_equal(v, copies[k], equal_nan=v.dtype.kind in "fmM"), k


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"stages": ["created_at", "mqll_at"]}, DataValidationError, "mqll_at"),
        ({"stages": ["created_at"]}, ParameterError, "at least two"),
        ({"stages": "created_at"}, ParameterError, "not one string"),
        ({"stages": ["created_at", "mql_at", "mql_at"]}, ParameterError, "duplicates"),
        ({"mode": "sometimes"}, ParameterError, "mode"),
        ({"interval": "exact"}, ParameterError, "interval"),
        ({"confidence": 95}, ParameterError, "confidence"),
        ({"confidence": True}, ParameterError, "confidence must be a number"),
        ({"confidence": "0.9"}, ParameterError, "confidence must be a number"),
        ({"by": ["source"]}, ParameterError, "by must be a lead column name"),
        ({"by": ("source",)}, ParameterError, "by must be a lead column name"),
        ({"cohort": "H"}, ParameterError, "cohort"),
        ({"by": "colour"}, ParameterError, "not a lead column"),
        ({"by": "mql_at"}, ParameterError, "cohort="),
        ({"out_of_order": "fix"}, ParameterError, "out_of_order"),
        ({"as_of": "not a date"}, ParameterError, "as_of"),
    ],
)
def test_observe_bad_inputs(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match) as info:
        fn.observe(lead_dict(20), **kwargs)
    from alignment import AlignmentError

    assert isinstance(info.value, AlignmentError)


def test_confidence_may_be_a_numpy_scalar() -> None:
    data = lead_dict(200)
    ref = fn.observe(data, confidence=0.9)
    for c in (np.float64(0.9), np.float32(0.9)):
        obs = fn.observe(data, confidence=c)
        assert obs.confidence == float(c)
        np.testing.assert_allclose(obs.next_low, ref.next_low, rtol=1e-6)


def test_unknown_by_lists_the_leads_own_column_names() -> None:
    with pytest.raises(ParameterError, match="not a lead column") as info:
        fn.observe(lead_dict(20), by="nope")
    listed = str(info.value).split("available: ")[1].split(", ")
    assert listed[0] == "lead_id" and "id" not in listed
    assert {"created_at", "mql_at", "source", "company_size"} <= set(listed)
    data = {**lead_dict(20)}
    data["contact_id"] = data.pop("lead_id")
    lt = LeadTable.build(data, id="contact_id")
    with pytest.raises(ParameterError, match="available: contact_id, ") as info:
        fn.observe(lt, by="sourc")
    assert "lead_id" not in str(info.value)
    assert str(info.value).endswith("did you mean 'source'?")


def test_unknown_stage_on_a_lead_table_suggests() -> None:
    lt = LeadTable.build(lead_dict(20))
    with pytest.raises(ParameterError, match="Did you mean 'sql_at'"):
        fn.observe(lt, stages=["created_at", "sqll_at"])


@pytest.mark.parametrize("mode", ["ordered", "any"])
@pytest.mark.parametrize("grouped", [False, True])
def test_kaplan_meier_against_twin(mode: str, grouped: bool) -> None:
    from .twins import km_twin

    data = lead_dict(600, seed=21)
    rng = np.random.default_rng(0)
    lost = np.where(
        rng.random(600) < 0.3,
        data["created_at"] + np.timedelta64(10, "D"),
        np.datetime64("NaT", "us"),
    )
    data["lost_at"] = lost
    kw: dict[str, Any] = {"by": "source"} if grouped else {}
    obs = fn.observe(data, mode=mode, horizon="7d", lost="lost_at", **kw)  # type: ignore[arg-type]
    assert obs.km_rate is not None and obs.horizon_days == 7.0
    labels = (
        [s if s is not None else "(missing)" for s in data["source"].tolist()] if grouped else None
    )
    twin = observe_twin(
        to_py([data[s] for s in STAGES]),
        labels,
        mode=mode,
        lost=[None if np.isnat(x) else x.astype(dt.datetime) for x in lost],
    )
    for g in range(obs.n_groups):
        key = None if not grouped else str(obs.group_values[g])  # type: ignore[index]
        for k in range(4):
            want = km_twin(twin[key]["km"][k], 7.0)
            got = obs.km_rate[g, k]
            assert (math.isnan(want) and math.isnan(got)) or got == pytest.approx(want, abs=1e-12)
    frame = as_lists(obs.to_frame())
    assert frame["km_rate"] == pytest.approx(obs.km_rate.ravel().tolist(), nan_ok=True)


def test_kaplan_meier_by_hand_and_censoring() -> None:
    day = np.timedelta64(1, "D")
    t0 = np.datetime64("2024-01-01T00:00", "us")
    created = np.array([t0] * 4)
    # lead 0 converts after 2 days; lead 1 is open and observed for 3 days only;
    # lead 2 converts after 5 days; lead 3 is open for 30 days (end of data is day 30)
    won = np.array([t0 + 2 * day, "NaT", t0 + 5 * day, "NaT"], dtype="datetime64[us]")
    other = np.array([t0 + 30 * day, t0 + 3 * day, "NaT", "NaT"], dtype="datetime64[us]")
    data = {
        "lead_id": ["a", "b", "c", "d"],
        "created_at": created,
        "won_at": won,
        "touched_at": other,
    }
    obs = fn.observe(data, stages=["created_at", "won_at"], horizon="10d", as_of=t0 + 30 * day)
    # as_of = day 30: lead 1 is censored at day 30 (not at day 3: open leads run to the end)
    # S(10) = (1 - 1/4) * (1 - 1/3) = 0.5
    assert obs.km_rate is not None and obs.km_rate[0, 0] == pytest.approx(0.5)
    early = fn.observe(data, stages=["created_at", "won_at"], horizon="10d", as_of=t0 + 3 * day)
    # at day 3 only lead 0 converted, all four at risk at day 2: 1 - 3/4
    assert early.km_rate is not None and early.km_rate[0, 0] == pytest.approx(0.25)
    assert early.next_rate[0, 0] == pytest.approx(0.25)
    with pytest.raises(ParameterError, match="horizon"):
        fn.observe(data, stages=["created_at", "won_at"], lost="touched_at")
    with pytest.raises(ParameterError, match="horizon"):
        fn.observe(data, stages=["created_at", "won_at"], horizon="0d")


def test_empty_lead_table() -> None:
    empty = {
        "lead_id": np.array([], dtype=object),
        "created_at": np.array([], dtype="datetime64[us]"),
        "mql_at": np.array([], dtype="datetime64[us]"),
        "source": np.array([], dtype=object),
    }
    obs = fn.observe(empty, stages=["created_at", "mql_at"])
    assert obs.counts.tolist() == [[0, 0]] and math.isnan(obs.next_rate[0, 0])
    seg = fn.observe(empty, stages=["created_at", "mql_at"], by="source", cohort="M")
    assert seg.n_groups == 0 and as_lists(seg.to_frame())["rate"] == []
    with pytest.raises(ParameterError, match="no lead reached stage 'lead'"):
        fn.plan_from(obs, 1e5, 1e3)
