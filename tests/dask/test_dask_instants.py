"""Naive and timezone-aware instants mixed across Dask partitions: refused as in memory (the
same problem, column and rows), whichever partitions hold which kind; read alike with tz=."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")
dask = pytest.importorskip("dask")

import alignment  # noqa: E402
from alignment.errors import AlignmentError, AlignmentWarning  # noqa: E402

NAIVE, AWARE = "2024-01-01 08:00", "2024-01-02T10:00:00Z"


def _outcome(call: Any) -> Any:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AlignmentWarning)
            res = call()
    except AlignmentError as exc:
        return (type(exc).__name__, exc.problem, exc.column, exc.table, list(exc.rows), exc.n_rows)
    return {k: round(v, 9) for k, v in res.totals().items()}


def _both(t: pd.DataFrame, c: pd.DataFrame, parts: int, **kw: Any) -> tuple[Any, Any]:
    want = _outcome(lambda: alignment.attribute(t, c, **kw))
    with dask.config.set(scheduler="sync"):
        got = _outcome(
            lambda: alignment.attribute(
                dd.from_pandas(t, npartitions=parts, sort=False),
                dd.from_pandas(c, npartitions=min(parts, len(c)), sort=False),
                **kw,
            )
        )
    return want, got


def _touches(times: list[str]) -> pd.DataFrame:
    n = len(times)
    return pd.DataFrame(
        {
            "lead_id": [f"L{i % 7}" for i in range(n)],
            "timestamp": times,
            "channel": ["email", "search", "event"] * (n // 3) + ["email"] * (n % 3),
        }
    )


def _conversions(at: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"lead_id": ["L0", "L3"], "converted_at": [at, at], "revenue": [100.0, 50.0]}
    )


@pytest.mark.parametrize("parts", [2, 3, 5])
@pytest.mark.parametrize("n_aware", [1, 4, 10, 16])
def test_one_column_mixed_over_partitions(parts: int, n_aware: int) -> None:
    rng = np.random.default_rng(n_aware * 10 + parts)
    times = [NAIVE] * 20
    for i in rng.choice(20, size=n_aware, replace=False):
        times[i] = AWARE
    want, got = _both(_touches(times), _conversions("2024-02-01T00:00:00Z"), parts)
    assert want[0] == "DataValidationError" and "mixed" in want[1]
    assert got == want  # (the rows of the rarer kind, naive on a tie, in input order)


@pytest.mark.parametrize("parts", [1, 3])
def test_touches_and_conversions_of_different_kinds(parts: int) -> None:
    want, got = _both(_touches([AWARE] * 12), _conversions("2024-02-01"), parts)
    assert want[0] == "DataValidationError" and "naive datetimes" in want[1]
    assert got == want


def test_zoned_datetimes_beside_naive_text() -> None:
    t = _touches([AWARE] * 12)
    t["timestamp"] = pd.to_datetime(t["timestamp"], utc=True)
    want, got = _both(t, _conversions("2024-02-01"), 3)
    assert want[0] == "DataValidationError" and got == want


@pytest.mark.parametrize("parts", [1, 4])
def test_with_tz_the_naive_values_are_read_in_the_zone(parts: int) -> None:
    times = [NAIVE, AWARE] * 8
    want, got = _both(_touches(times), _conversions("2024-02-01"), parts, tz="Europe/Paris")
    assert isinstance(want, dict) and got == want


def test_one_kind_everywhere_is_read_as_in_memory() -> None:
    want, got = _both(_touches([NAIVE] * 15), _conversions("2024-02-01"), 4)
    assert isinstance(want, dict) and got == want


@pytest.mark.parametrize("parts", [2, 3, 6])
def test_each_lead_of_one_kind_is_not_read_two_ways(parts: int) -> None:
    """Every partition may hold one kind only (a lead's touches share one): refused all the
    same, where each partition alone would read its instants its own way."""
    t = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(6) for _ in range(3)],
            "timestamp": [NAIVE if i < 4 else AWARE for i in range(6) for _ in range(3)],
            "channel": ["email", "search", "event"] * 6,
        }
    )
    want, got = _both(t, _conversions(NAIVE), parts)
    assert want[0] == "DataValidationError" and (want[4], want[5]) == ([12, 13, 14, 15, 16], 6)
    assert got == want


def _leads(created: list[str], mql: list[str | None]) -> pd.DataFrame:
    n = len(created)
    none: list[str | None] = [None] * n
    return pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "created_at": created,
            "mql_at": mql,
            "sql_at": none,
            "opportunity_at": none,
            "won_at": none,
        }
    )


def _funnel_outcome(call: Any) -> Any:
    try:
        res = call()
    except AlignmentError as exc:
        return (type(exc).__name__, exc.problem, exc.column, exc.table, list(exc.rows), exc.n_rows)
    return res if isinstance(res, dict) else res.summary()


@pytest.mark.parametrize("parts", [1, 3, 6])
@pytest.mark.parametrize(
    ("created", "mql"),
    [
        ([NAIVE] * 4 + [AWARE] * 2, [None, NAIVE, None, NAIVE, None, AWARE]),  # one column mixed
        ([NAIVE] * 6, [AWARE, None, AWARE, None, AWARE, None]),  # two columns of two kinds
        ([AWARE] * 6, [AWARE, None, None, None, None, AWARE]),  # one kind: observed
    ],
)
def test_funnel_observe_refuses_mixed_instants_as_memory(
    parts: int, created: list[str], mql: list[str | None]
) -> None:
    from alignment import funnel

    leads = _leads(created, mql)
    want = _funnel_outcome(lambda: funnel.observe(leads))
    with dask.config.set(scheduler="sync"):
        ddf = dd.from_pandas(leads, npartitions=parts, sort=False)
        got = _funnel_outcome(lambda: funnel.observe(ddf))
    assert got == want


@pytest.mark.filterwarnings("ignore::alignment.errors.AlignmentWarning")  # (naive: UTC)
@pytest.mark.parametrize("parts", [1, 3, 6])
@pytest.mark.parametrize(
    ("lead_at", "mql", "activity_at"),
    [
        (NAIVE, NAIVE, [NAIVE] * 4 + [AWARE] * 2),  # activity times mixed
        (NAIVE, AWARE, [NAIVE] * 6),  # lead times of two kinds
        (NAIVE, NAIVE, [AWARE] * 6),  # naive leads, aware activities: refused as memory
    ],
)
def test_sla_evaluate_refuses_mixed_instants_as_memory(
    parts: int, lead_at: str, mql: str, activity_at: list[str]
) -> None:
    from alignment import sla

    leads = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(6)],
            "created_at": [lead_at] * 6,
            "mql_at": [mql] * 6,
            "assigned_at": [lead_at] * 6,
        }
    )
    acts = pd.DataFrame(
        {"lead_id": [f"L{i}" for i in range(6)], "timestamp": activity_at, "kind": ["call"] * 6}
    )
    rule = {"sales": {"first_touch": {"within": "1d"}}}
    as_of = "2024-01-10T00:00:00Z"
    want = _funnel_outcome(lambda: sla.evaluate(rule, leads, acts, as_of=as_of))
    with dask.config.set(scheduler="sync"):
        got = _funnel_outcome(
            lambda: sla.evaluate(
                rule,
                dd.from_pandas(leads, npartitions=parts, sort=False),
                dd.from_pandas(acts, npartitions=parts, sort=False),
                as_of=as_of,
            )
        )
    assert got == want


@pytest.mark.filterwarnings("ignore::alignment.errors.AlignmentWarning")  # (naive: UTC)
@pytest.mark.parametrize("parts", [1, 3, 6])
@pytest.mark.parametrize(
    ("created", "touched"),
    [
        ([NAIVE] * 6, [NAIVE] * 4 + [AWARE] * 2),  # touch times mixed
        ([NAIVE] * 4 + [AWARE] * 2, [NAIVE] * 6),  # lead times mixed
        ([NAIVE] * 6, [AWARE] * 6),  # naive leads, aware touches: refused as memory
    ],
)
def test_score_refuses_mixed_instants_as_memory(
    parts: int, created: list[str], touched: list[str]
) -> None:
    ids = [f"L{i}" for i in range(6)]
    leads = pd.DataFrame({"lead_id": ids, "created_at": created, "industry": ["saas"] * 6})
    touches = pd.DataFrame({"lead_id": ids, "timestamp": touched, "channel": ["email"] * 6})

    def scores(res: Any) -> Any:
        frame = res.to_frame(backend="pandas")
        return frame.sort_values("lead_id").reset_index(drop=True).to_dict("list")

    want = _funnel_outcome(lambda: scores(alignment.score(leads, touchpoints=touches)))
    with dask.config.set(scheduler="sync"):
        got = _funnel_outcome(
            lambda: scores(
                alignment.score(
                    dd.from_pandas(leads, npartitions=parts, sort=False),
                    touchpoints=dd.from_pandas(touches, npartitions=parts, sort=False),
                )
            )
        )
    assert got == want


def _iso(instants: pd.Series, offsets: np.ndarray) -> list[str]:
    """Each instant as ISO text of its local time with an offset of ``offsets`` hours."""
    local = instants + pd.to_timedelta(offsets, unit="h")
    return [f"{t:%Y-%m-%dT%H:%M:%S}{o:+03d}:00" for t, o in zip(local, offsets.tolist())]


@pytest.mark.parametrize("parts", [1, 4])
def test_score_decays_to_the_latest_instant_not_the_latest_text(parts: int) -> None:
    """The grid's default ``as_of`` is the latest touch as memory reads the column.  It was the
    column's raw max: for ISO text with offsets, the text max (a "+09:00" touch 9 hours before
    the last one); slash dates read with ``dayfirst=True`` were refused as an ``as_of``."""
    from alignment import datasets
    from alignment._options import reading

    crm = datasets.synthetic_crm(200, seed=1)
    leads = pd.DataFrame(crm.leads).assign(created_at=pd.Timestamp("2024-01-01", tz="UTC"))
    leads = leads[["lead_id", "created_at", "industry"]]
    touches = pd.DataFrame(crm.touchpoints)
    offsets = np.where(np.arange(len(touches)) % 2 == 0, 9, -8)
    offsets[np.argmax(touches["timestamp"].to_numpy())] = -8  # (the latest: not the text max)
    texts = {
        "offsets": touches.assign(timestamp=_iso(touches["timestamp"], offsets)),
        "slashes": touches.assign(timestamp=touches["timestamp"].dt.strftime("%d/%m/%Y %H:%M")),
    }
    kw: dict[str, Any] = {"half_life": "7d"}
    for name, t in texts.items():
        with reading(dayfirst=True, tz="UTC"):
            mem = alignment.score(leads, t, **kw)
            with dask.config.set(scheduler="sync"):
                got = alignment.score(
                    dd.from_pandas(leads, npartitions=parts, sort=False),
                    dd.from_pandas(t, npartitions=parts + 1, sort=False),
                    **kw,
                )
                want = mem.to_frame(backend="pandas").set_index("lead_id").sort_index()
                frame = got.to_frame(backend="pandas").set_index("lead_id").sort_index()
        assert got.scorer.as_of == np.datetime64(touches["timestamp"].max(), "us"), name
        np.testing.assert_allclose(frame["score"], want["score"], rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("scheduler", ["sync", "processes"])  # (the refusal crosses a pickle)
def test_score_with_an_unreadable_touch_time_raises_the_in_memory_error(scheduler: str) -> None:
    """The default ``as_of`` is not taken from a column memory refuses: the scoring pass
    raises memory's error, naming the row in the whole frame."""
    ids = [f"L{i}" for i in range(8)]
    leads = pd.DataFrame({"lead_id": ids, "created_at": "2024-01-01T00:00:00Z"})
    times = [f"2024-01-0{i + 2}T00:00:00Z" for i in range(8)]
    times[6] = "not a date"
    touches = pd.DataFrame({"lead_id": ids, "timestamp": times, "channel": "email"})
    want = _funnel_outcome(lambda: alignment.score(leads, touches).summary())
    with dask.config.set(scheduler=scheduler):
        got = _funnel_outcome(
            lambda: alignment.score(
                dd.from_pandas(leads, npartitions=2, sort=False),
                dd.from_pandas(touches, npartitions=3, sort=False),
            ).summary()
        )
    assert isinstance(want, tuple) and want[-2:] == ([6], 1)
    assert got == want
