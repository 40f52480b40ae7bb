"""Lifecycle history from stage events: ``funnel.history``, ``time_to``, ``observe(events=...)``.

Oracles: a plain-Python twin of the history (one lead at a time, one event at a time) and of
the pass counting behind ``count="entries"``; the lead count is checked against the observe
twin of ``tests/funnel/twins.py``.  Properties: row-order invariance, exits equal the next
entry, time in stage adds up to ``as_of`` minus the first entry, every row accounted for, the
caller's arrays untouched.  The worked example of ``docs/funnel.md`` ("Lifecycle history").
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment import funnel
from alignment.errors import DataValidationError, MissingColumnError, ParameterError

from .helpers import as_lists
from .twins import observe_twin, quantile

STAGES = ("lead", "mql", "sql", "opportunity", "won")
DAY0 = dt.datetime(2024, 3, 1)
DOC = Path(__file__).resolve().parents[2] / "docs" / "funnel.md"


def day(d: float) -> dt.datetime:
    return DAY0 + dt.timedelta(days=d)


def table(rows: list[tuple[str, str, float]]) -> dict[str, np.ndarray]:
    """Events as numpy columns (instants in whole or fractional days after 2024-03-01)."""
    return {
        "lead_id": np.array([r[0] for r in rows], dtype=object),
        "stage": np.array([r[1] for r in rows], dtype=object),
        "at": np.array([day(r[2]) for r in rows], dtype="datetime64[us]"),
    }


# ------------------------------------------------------------------------------ twins


def history_twin(
    rows: list[tuple[str, str, float]], *, skipped: str = "fill", as_of: float | None = None
) -> list[tuple[Any, ...]]:
    """(lead, stage, entry, entered, exited, recycled, filled) per entry, one event at a time."""
    rank = {s: k for k, s in enumerate(STAGES)}
    per_lead: dict[str, list[tuple[float, int]]] = {}
    for lead, stage, at in rows:
        if stage in rank and (as_of is None or at <= as_of):
            per_lead.setdefault(lead, []).append((at, rank[stage]))
    out = []
    for lead in sorted(per_lead):
        entries: list[tuple[int, float, bool, bool]] = []
        current = -1
        for at, r in sorted(per_lead[lead]):
            if r == current:
                continue  # a repeat
            if r < current:
                entries.append((r, at, True, False))
            else:
                if skipped == "fill":
                    entries.extend((f, at, False, True) for f in range(current + 1, r))
                entries.append((r, at, False, False))
            current = r
        seen: dict[int, int] = {}
        for j, (r, at, recycled, filled) in enumerate(entries):
            seen[r] = seen.get(r, 0) + 1
            exited = entries[j + 1][1] if j + 1 < len(entries) else None
            out.append((lead, STAGES[r], seen[r], at, exited, recycled, filled))
    return out


def passes_twin(
    entries: list[tuple[Any, ...]], mode: str
) -> tuple[list[int], list[int], list[list[float]]]:
    """Counts, conversions and timed durations of ``count="entries"``, pass by pass."""
    passes: list[tuple[dict[int, float], int, bool]] = []
    lead_before = None
    for lead, stage, _, at, _, recycled, _ in entries:
        r = STAGES.index(stage)
        if recycled or lead != lead_before:
            passes.append(({}, r, recycled))
        passes[-1][0][r] = at
        lead_before = lead
    s = len(STAGES)
    counts, converted = [0] * s, [0] * (s - 1)
    durations: list[list[float]] = [[] for _ in range(s - 1)]
    for times, start, recycled in passes:
        t = dict(times)
        carried = recycled and start > 0
        if carried:
            t[0] = t[start]
        if mode == "ordered":
            exempt = start if recycled else 0
            kept = {}
            for k in range(s):
                if k in t:
                    kept[k] = t[k]
                elif k >= exempt:
                    break
            t = kept
        if 0 not in t:
            continue
        for k in range(s):
            counts[k] += k in t
            if k < s - 1 and k in t and k + 1 in t:
                converted[k] += 1
                if not (k == 0 and carried):
                    durations[k].append(t[k + 1] - t[k])
    return counts, converted, durations


def frame_rows(hist: funnel.LifecycleHistory) -> list[tuple[Any, ...]]:
    f = hist.to_frame(backend="dict")
    to_days = (f["entered"] - np.datetime64(DAY0, "us")) / np.timedelta64(1, "D")
    ex = f["exited"]
    out_days = np.where(
        np.isnat(ex), np.nan, (ex - np.datetime64(DAY0, "us")) / np.timedelta64(1, "D")
    )
    return [
        (
            str(f["lead_id"][i]),
            str(f["stage"][i]),
            int(f["entry"][i]),
            float(to_days[i]),
            None if math.isnan(out_days[i]) else float(out_days[i]),
            bool(f["recycled"][i]),
            bool(f["filled"][i]),
        )
        for i in range(f["stage"].size)
    ]


# ------------------------------------------------------------------------------ strategies

LEADS = ("a", "b", "c", "d")
event_rows = st.lists(
    st.tuples(
        st.sampled_from(LEADS),
        st.sampled_from(STAGES),
        st.integers(0, 15).map(float),  # whole days: equal instants are common
    ),
    min_size=0,
    max_size=30,
)


@settings(max_examples=120, deadline=None)
@given(
    rows=event_rows, skipped=st.sampled_from(["fill", "ignore"]), cut=st.none() | st.integers(0, 16)
)
def test_history_equals_its_twin(
    rows: list[tuple[str, str, float]], skipped: str, cut: int | None
) -> None:
    as_of = None if cut is None else day(cut)
    hist = funnel.history(table(rows), skipped=skipped, as_of=as_of)
    assert frame_rows(hist) == history_twin(rows, skipped=skipped, as_of=cut)


@settings(max_examples=80, deadline=None)
@given(rows=event_rows, skipped=st.sampled_from(["fill", "ignore"]), seed=st.integers(0, 2**16))
def test_row_order_does_not_matter(
    rows: list[tuple[str, str, float]], skipped: str, seed: int
) -> None:
    perm = np.random.default_rng(seed).permutation(len(rows))
    a = funnel.history(table(rows), skipped=skipped)
    b = funnel.history(table([rows[i] for i in perm]), skipped=skipped)
    for level in a.levels:
        fa, fb = a.to_frame(level, backend="dict"), b.to_frame(level, backend="dict")
        for name in fa:
            np.testing.assert_array_equal(fa[name], fb[name])
    assert a.summary() == b.summary()
    # the same events are repeats (of equal duplicates, either copy may be the one kept)
    shuffled = [rows[i] for i in perm]
    assert sorted(rows[i] for i in a.repeat_rows) == sorted(shuffled[i] for i in b.repeat_rows)


@settings(max_examples=80, deadline=None)
@given(
    rows=event_rows, skipped=st.sampled_from(["fill", "ignore"]), cut=st.none() | st.integers(0, 16)
)
def test_exits_time_and_rows_add_up(
    rows: list[tuple[str, str, float]], skipped: str, cut: int | None
) -> None:
    hist = funnel.history(table(rows), skipped=skipped, as_of=None if cut is None else day(cut))
    # each entry ends where the lead's next one starts; the last one is open
    for i in range(hist.offsets.size - 1):
        lo, hi = hist.offsets[i], hist.offsets[i + 1]
        np.testing.assert_array_equal(hist.exited[lo : hi - 1], hist.entered[lo + 1 : hi])
        assert np.isnat(hist.exited[hi - 1])
        # time in stage adds up to as_of minus the lead's first entry
        total = hist.time_in_stage[lo:hi].sum()
        assert total == hist.as_of - hist.entered[lo]
    assert (hist.time_in_stage >= np.timedelta64(0, "us")).all()
    # every row is used, a repeat or after as_of (all stages are declared here)
    used = np.unique(hist.event_rows)
    parts = np.concatenate([used, hist.repeat_rows, hist.after_as_of_rows, hist.unknown_rows])
    assert sorted(parts.tolist()) == list(range(len(rows)))
    s = hist.summary()
    assert s["events_used"] + s["repeats"] + s["after_as_of"] + s["unknown_stage"] == s["events"]
    # conservation of the "stages" level
    f = hist.to_frame("stages", backend="dict")
    assert f["entries"].sum() == hist.n_entries
    assert f["open"].sum() == hist.n_leads
    assert (f["leads"] <= f["entries"]).all()


@settings(max_examples=80, deadline=None)
@given(rows=event_rows, mode=st.sampled_from(["ordered", "any"]))
def test_observe_entries_equals_the_pass_twin(
    rows: list[tuple[str, str, float]], mode: str
) -> None:
    hist = funnel.history(table(rows))
    obs = funnel.observe(hist, count="entries", mode=mode)
    counts, converted, durations = passes_twin(history_twin(rows), mode)
    assert obs.counts[0].tolist() == counts
    assert obs.converted[0].tolist() == converted
    assert obs.n_durations[0].tolist() == [len(d) for d in durations]
    for k, d in enumerate(durations):
        assert obs.median_days[0, k] == pytest.approx(quantile(d, 0.5), nan_ok=True)
        assert obs.p90_days[0, k] == pytest.approx(quantile(d, 0.9), nan_ok=True)
    # every entry is counted (the entry stage also counts the recycled passes)
    f = hist.to_frame("stages", backend="dict")
    if mode == "any":
        assert obs.counts[0, 1:].tolist() == f["entries"][1:].tolist()


@settings(max_examples=80, deadline=None)
@given(
    rows=event_rows,
    mode=st.sampled_from(["ordered", "any"]),
    skipped=st.sampled_from(["fill", "ignore"]),
)
def test_observe_leads_equals_the_observe_twin(
    rows: list[tuple[str, str, float]], mode: str, skipped: str
) -> None:
    obs = funnel.observe(events=table(rows), mode=mode, skipped=skipped)
    first: dict[str, list[dt.datetime | None]] = {}
    for lead, stage, entry, at, *_ in history_twin(rows, skipped=skipped):
        if entry == 1:
            first.setdefault(lead, [None] * len(STAGES))[STAGES.index(stage)] = day(at)
    twin = observe_twin(list(first.values()), mode=mode)
    if not twin:
        assert obs.counts.sum() == 0
        return
    r = twin[None]
    assert obs.counts[0].tolist() == r["counts"]
    assert obs.converted[0].tolist() == r["converted"]
    assert obs.out_of_order[0].tolist() == r["out_of_order"]
    for k, d in enumerate(r["durations"]):
        assert obs.median_days[0, k] == pytest.approx(quantile(d, 0.5), nan_ok=True)


def test_kaplan_meier_of_events_censors_open_leads_at_as_of() -> None:
    # Y: mql 03-01 -> sql 03-11 (10 days); X: mql 03-06, open until as_of 03-21 (15 days)
    ev = {
        "lead_id": ["Y", "Y", "Y", "X", "X"],
        "stage": ["lead", "mql", "sql", "lead", "mql"],
        "at": ["2024-03-01", "2024-03-01", "2024-03-11", "2024-03-06", "2024-03-06"],
    }
    leads = {
        "lead_id": ["Y", "X"],
        "created_at": ["2024-03-01", "2024-03-06"],
        "mql_at": ["2024-03-01", "2024-03-06"],
        "sql_at": ["2024-03-11", None],
    }
    stages = ["lead", "mql", "sql"]
    opts: dict[str, Any] = {"as_of": "2024-03-21", "horizon": "12d", "tz": "UTC"}
    from_events = funnel.observe(events=ev, stages=stages, **opts)
    hist = funnel.history(ev, stages=stages, as_of="2024-03-21", tz="UTC")
    from_columns = funnel.observe(leads, stages=["created_at", "mql_at", "sql_at"], **opts)
    # X was at risk 15 days >= 10: KM = 1 - 1/2 (censored at the last event, 5 days: 1.0)
    assert from_events.km_rate is not None and from_columns.km_rate is not None
    assert from_events.km_rate[0, 1] == pytest.approx(0.5)
    assert from_columns.km_rate[0, 1] == pytest.approx(0.5)
    hist_km = funnel.observe(hist, horizon="12d").km_rate
    assert hist_km is not None and hist_km[0, 1] == pytest.approx(0.5)
    # without as_of the history ends at its latest event (03-11): X is censored at 5 days
    latest = funnel.observe(events=ev, stages=stages, horizon="12d", tz="UTC").km_rate
    assert latest is not None and latest[0, 1] == pytest.approx(1.0)


# ------------------------------------------------------------------------------ time_to


@settings(max_examples=60, deadline=None)
@given(rows=event_rows, stage=st.sampled_from(STAGES), cohort=st.sampled_from([None, "D", "W"]))
def test_time_to_equals_a_per_lead_loop(
    rows: list[tuple[str, str, float]], stage: str, cohort: str | None
) -> None:
    hist = funnel.history(table(rows))
    got = as_lists(hist.time_to(stage, cohort=cohort, backend="dict"))
    start: dict[str, float] = {}
    reach: dict[str, float] = {}
    for lead, s, entry, at, *_ in history_twin(rows):
        start[lead] = min(start.get(lead, math.inf), at)
        if s == stage and entry == 1:
            reach[lead] = at
    groups: dict[Any, list[str]] = {}
    for lead in start:
        d = day(start[lead]).date()
        key = (
            None if cohort is None else (d if cohort == "D" else d - dt.timedelta(days=d.weekday()))
        )
        groups.setdefault(key, []).append(lead)
    keys = sorted(groups) if cohort else [None]
    if not start:
        assert got["leads"] in ([], [0])
        return
    assert got["leads"] == [len(groups[k]) for k in keys]
    for i, k in enumerate(keys):
        spans = [reach[x] - start[x] for x in groups[k] if x in reach]
        assert got["reached"][i] == len(spans)
        assert got["not_reached"][i] == len(groups[k]) - len(spans)
        assert got["median_days"][i] == pytest.approx(quantile(spans, 0.5), nan_ok=True)
        assert got["p90_days"][i] == pytest.approx(quantile(spans, 0.9), nan_ok=True)
        if cohort:
            assert got["cohort"][i] == k


# ------------------------------------------------------------------------------ the docs example

DOC_ROWS = [
    ("A", "lead", 0), ("A", "mql", 2), ("A", "sql", 5), ("A", "mql", 9),
    ("A", "sql", 13), ("A", "opportunity", 19),
    ("B", "lead", 1), ("B", "sql", 4), ("B", "won", 24),
    ("C", "lead", 3), ("C", "mql", 7), ("C", "MQL", 8),
]  # fmt: skip
DOC_AS_OF = "2024-03-31"


def doc_events() -> dict[str, list[str]]:
    """The events of the docs, written as the docs write them."""
    return {
        "lead_id": [r[0] for r in DOC_ROWS],
        "stage": [r[1] for r in DOC_ROWS],
        "at": [f"2024-03-{1 + int(r[2]):02d}" for r in DOC_ROWS],
    }


def test_docs_worked_example() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "## Lifecycle history" in text
    for name in ("history", "LifecycleHistory", "DEFAULT_HISTORY_STAGES"):
        assert f"::: alignment.funnel.{name}" in text
    for at in doc_events()["at"]:  # the events of the docs' code are these
        assert f'"{at}"' in text
    hist = funnel.history(doc_events(), as_of=DOC_AS_OF, tz="UTC")
    a = hist.to_frame(backend="dict")
    is_a = a["lead_id"] == "A"
    assert a["stage"][is_a].tolist() == ["lead", "mql", "sql", "mql", "sql", "opportunity"]
    assert a["entry"][is_a].tolist() == [1, 1, 1, 2, 2, 1]
    assert a["recycled"][is_a].tolist() == [False, False, False, True, False, False]
    days_in = (a["time_in_stage"] / np.timedelta64(1, "D")).tolist()
    assert [days_in[i] for i in np.flatnonzero(is_a)] == [2, 3, 4, 4, 6, 11]
    assert sum(days_in[i] for i in np.flatnonzero(is_a)) == 30
    b = a["lead_id"] == "B"
    assert a["stage"][b].tolist() == ["lead", "mql", "sql", "opportunity", "won"]
    assert a["filled"][b].tolist() == [False, True, False, True, False]
    assert [days_in[i] for i in np.flatnonzero(b)] == [3, 0, 20, 0, 6]
    s = hist.to_frame("stages", backend="dict")
    assert s["leads"].tolist() == [3, 3, 2, 2, 1]
    assert s["entries"].tolist() == [3, 4, 3, 2, 1]
    assert s["recycles"].tolist() == [0, 1, 0, 0, 0]
    assert s["filled"].tolist() == [0, 1, 0, 1, 0]
    assert s["open"].tolist() == [0, 1, 0, 1, 1]
    assert s["timed"].tolist() == [3, 2, 3, 0, 0]
    np.testing.assert_allclose(s["median_days"][:3], [3.0, 3.5, 6.0])
    np.testing.assert_allclose(s["p90_days"][:3], [3.8, 3.9, 17.2])
    np.testing.assert_allclose(s["mean_days"][:3], [3.0, 3.5, 10.0])
    assert np.isnan(s["median_days"][3:]).all()
    summ = hist.summary()
    assert (summ["events"], summ["events_used"], summ["repeats"]) == (12, 11, 1)
    assert hist.repeat_rows.tolist() == [11]
    t = as_lists(hist.time_to("sql"))
    assert (t["leads"], t["reached"], t["not_reached"]) == ([3], [2], [1])
    assert (t["median_days"], t["p90_days"]) == ([4.0], [pytest.approx(4.8)])
    lead_obs = funnel.observe(events=doc_events(), as_of=DOC_AS_OF, tz="UTC")
    assert lead_obs.counts[0].tolist() == [3, 3, 2, 2, 1]
    assert lead_obs.converted[0].tolist() == [3, 2, 2, 1]
    assert lead_obs.median_days[0, :2].tolist() == [3.0, 1.5]
    entry_obs = funnel.observe(events=doc_events(), as_of=DOC_AS_OF, tz="UTC", count="entries")
    assert entry_obs.counts[0].tolist() == [4, 4, 3, 2, 1]
    assert entry_obs.converted[0].tolist() == [4, 3, 2, 1]
    assert entry_obs.n_durations[0, 0] == 3 and entry_obs.median_days[0, 0] == 3.0
    ignore = funnel.history(doc_events(), as_of=DOC_AS_OF, tz="UTC", skipped="ignore")
    assert ignore.to_frame("stages", backend="dict")["leads"].tolist() == [3, 2, 2, 1, 1]
    ordered = funnel.observe(ignore)
    assert ordered.counts[0].tolist() == [3, 2, 1, 1, 0]
    for figure in ("2 + 3 + 4 + 4 + 6 + 11 = 30", "3.8", "17.2", "4.8", "3 / 4"):
        assert figure in text


# ------------------------------------------------------------------------------ bundles


def test_a_crm_bundle_gives_the_same_funnel_as_its_lead_columns() -> None:
    crm = alignment.synthetic_crm(n_leads=600, seed=3)
    hist = funnel.history(crm)
    assert hist.stages == STAGES
    assert hist.as_of == crm.as_of
    direct = funnel.observe(crm)
    via = funnel.observe(hist)
    np.testing.assert_array_equal(direct.counts, via.counts)
    np.testing.assert_array_equal(direct.converted, via.converted)
    np.testing.assert_allclose(direct.median_days, via.median_days, equal_nan=True)
    np.testing.assert_allclose(direct.p90_days, via.p90_days, equal_nan=True)
    reached = ~np.isnat(crm.leads["sql_at"])
    assert as_lists(hist.time_to("sql_at"))["reached"] == [int(reached.sum())]
    same = funnel.observe(events=crm, cohort="M")
    assert same.counts.sum(axis=0).tolist() == direct.counts[0].tolist()


def test_frames_of_every_backend_read_alike() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    ev = table(DOC_ROWS)
    ref = funnel.history(ev).to_frame(backend="dict")
    for frame in (pd.DataFrame(ev), pl.DataFrame(ev)):
        got = funnel.history(frame, tz="UTC")
        out = as_lists(got.to_frame())  # in the caller's backend
        assert out["stage"] == ref["stage"].tolist()
        assert out["entry"] == ref["entry"].tolist()
        assert got.backend == type(frame).__module__.split(".")[0]


def test_the_callers_arrays_are_untouched() -> None:
    ev = table(DOC_ROWS)
    copies = {k: v.copy() for k, v in ev.items()}
    hist = funnel.history(ev)
    funnel.observe(hist, count="entries")
    for k, v in ev.items():
        np.testing.assert_array_equal(v, copies[k])
        assert v.flags.writeable
    for arr in (hist.entered, hist.rank, hist.first_entered, hist.time_in_stage):
        assert not arr.flags.writeable


# ------------------------------------------------------------------------------ refusals


def test_bad_rows_are_named() -> None:
    ev = table(DOC_ROWS)
    with pytest.raises(DataValidationError, match="not one of stages") as info:
        funnel.history(dict(ev, stage=np.array([*ev["stage"][:-1], "nurture"], dtype=object)))
    assert info.value.rows is not None and list(info.value.rows) == [11]
    with pytest.raises(DataValidationError, match="missing"):
        funnel.history(dict(ev, lead_id=np.array([None, *ev["lead_id"][1:]], dtype=object)))
    with pytest.raises(DataValidationError, match="missing"):
        at = ev["at"].copy()
        at[3] = np.datetime64("NaT")
        funnel.history(dict(ev, at=at))


def test_undeclared_stages_can_be_reported() -> None:
    rows = [*DOC_ROWS, ("C", "nurture", 10), ("D", "nurture", 1)]
    hist = funnel.history(table(rows), unknown="report")
    assert hist.unknown_rows.tolist() == [12, 13]
    assert "D" not in hist.keys.tolist()
    assert hist.summary()["unknown_stage"] == 2
    custom = funnel.history(
        table(rows), stages=("lead", "nurture", "mql", "sql", "opportunity", "won")
    )
    assert custom.stages[1] == "nurture"


def test_parameters_are_checked() -> None:
    ev = table(DOC_ROWS)
    for kwargs in (
        {"skipped": "skip"},
        {"unknown": "drop"},
        {"stages": "lead"},
        {"stages": ["mql", "MQL_at"]},
    ):
        with pytest.raises(ParameterError):
            funnel.history(ev, **kwargs)
    hist = funnel.history(ev)
    with pytest.raises(ParameterError, match="count"):
        funnel.observe(hist, count="people")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="horizon"):
        funnel.observe(hist, count="entries", horizon="30d")
    with pytest.raises(ParameterError, match="by= and lost="):
        funnel.observe(events=ev, by="source")
    with pytest.raises(ParameterError, match="not both"):
        funnel.observe(ev, events=ev)
    with pytest.raises(ParameterError, match="history"):
        funnel.observe(hist, skipped="ignore")
    with pytest.raises(ParameterError, match="events="):
        funnel.observe(alignment.synthetic_crm(n_leads=50, seed=1), count="entries")
    with pytest.raises(ParameterError, match="observe needs"):
        funnel.observe()
    with pytest.raises(ParameterError, match="no stage"):
        hist.time_to("customer")
    assert funnel.observe(hist, horizon="30d").km_rate is not None


def test_no_events_give_an_empty_history() -> None:
    hist = funnel.history(table([]))
    assert hist.n_leads == 0 and hist.n_entries == 0
    assert hist.to_frame("stages", backend="dict")["entries"].tolist() == [0] * 5
    assert as_lists(hist.time_to("mql"))["leads"] == [0]


def test_result_contract() -> None:
    hist = funnel.history(table(DOC_ROWS), as_of=day(30))
    assert hist.levels == ("entries", "stages", "leads")
    leads = hist.to_frame("leads", backend="dict")
    assert leads["stage"].tolist() == ["opportunity", "won", "mql"]
    assert leads["recycles"].tolist() == [1, 0, 0]
    assert leads["entries"].sum() == hist.n_entries
    with pytest.raises(ParameterError):
        hist.to_frame("people")
    assert "Lifecycle history" in hist._repr_html_()
    assert "n/a" in hist._repr_html_()
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    _fig, ax = hist.plot()
    assert len(ax.patches) == len(STAGES)
    with pytest.raises(ParameterError):
        hist.plot(stat="max")  # type: ignore[arg-type]


def test_a_bundle_with_a_stage_event_table_uses_it() -> None:
    from dataclasses import dataclass, field

    from alignment._crm import CRMData

    @dataclass(frozen=True, repr=False)
    class WithEvents(CRMData):
        stage_events: dict[str, np.ndarray] = field(default_factory=dict)

    crm = alignment.synthetic_crm(n_leads=50, seed=4)
    tables = {name: getattr(crm, name) for name in alignment._crm.TABLES}
    bundle = WithEvents(
        **tables, as_of=np.datetime64("2024-03-31", "us"), stage_events=table(DOC_ROWS)
    )
    hist = funnel.history(bundle)
    assert hist.keys.tolist() == ["A", "B", "C"]
    assert hist.as_of == np.datetime64("2024-03-31", "us")
    assert hist.n_entries == 13


@pytest.mark.parametrize(
    ("events", "column", "keyword"),
    [
        ({"lead_id": ["a"], "status": ["mql"], "at": ["2024-03-01T00:00Z"]}, "stage", "stage"),
        ({"lead_id": ["a"], "stage": ["mql"], "when": ["2024-03-01T00:00Z"]}, "at", "at"),
        ({"person": ["a"], "stage": ["mql"], "at": ["2024-03-01T00:00Z"]}, "lead_id", "lead"),
    ],
)
def test_missing_event_column_names_its_keyword(
    events: dict[str, list[str]], column: str, keyword: str
) -> None:
    with pytest.raises(MissingColumnError) as e:
        funnel.history(events)
    assert (e.value.column, e.value.table) == (column, "events")
    assert e.value.fix.endswith(f"rename the column or name yours with {keyword}='your_column'")
    assert "time=" not in str(e.value)


def test_a_printed_history_is_one_headline_line() -> None:
    text = repr(funnel.history(alignment.synthetic_crm(n_leads=500, seed=0)))
    assert text.startswith("LifecycleHistory(leads=500, entries=")
    assert "\n" not in text and "array(" not in text and len(text) < 200
