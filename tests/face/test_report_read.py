"""How the report reads results (``alignment.report._read``): engine API first, the same table
otherwise; each table checked against a plain-Python twin."""

from __future__ import annotations

import math
import statistics
from typing import Any

import numpy as np
import pytest

from alignment.cli import _main as cli
from alignment.report import _read, build_report

from .test_report_pinned import PINNED, WHEN, sections


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return cli.run_demo(1_500, seed=2)


# ----------------------------------------------------------------------------- plain-Python twins


def reps_twin(leads: dict[str, Any]) -> dict[str, list[Any]]:
    """Per rep, one lead at a time: the table the report shows (sorted by first-touch
    compliance, highest first, reps without a decided lead last, ties by name)."""
    acc: dict[str, dict[str, Any]] = {}
    for i, scope in enumerate(leads["in_scope"].tolist()):
        if not scope:
            continue
        owner = leads["owner"][i]
        rep = acc.setdefault(
            "(unassigned)" if owner is None else str(owner),
            {"leads": 0, "ft": [0, 0], "at": [0, 0], "hours": []},
        )
        rep["leads"] += 1
        for key, col in (("ft", "first_touch_status"), ("at", "attempts_status")):
            status = str(leads[col][i])
            rep[key][0] += status == "met"
            rep[key][1] += status in ("met", "breached")
        r = leads["response_business"][i]
        if not np.isnat(r):
            rep["hours"].append(r.astype("timedelta64[s]").astype(np.int64) / 3600)

    def rate(pair: list[int]) -> float:
        return pair[0] / pair[1] if pair[1] else math.nan

    names = sorted(acc)
    names.sort(key=lambda n: (math.isnan(rate(acc[n]["ft"])), -(rate(acc[n]["ft"]) or 0.0)))
    return {
        "rep": names,
        "leads": [acc[n]["leads"] for n in names],
        "first_touch_met": [acc[n]["ft"][0] for n in names],
        "first_touch_decided": [acc[n]["ft"][1] for n in names],
        "attempts_met": [acc[n]["at"][0] for n in names],
        "attempts_decided": [acc[n]["at"][1] for n in names],
        "response_median_hours": [
            statistics.median(acc[n]["hours"]) if acc[n]["hours"] else math.nan for n in names
        ],
    }


def test_sla_reps_matches_plain_python(demo: dict[str, Any]) -> None:
    leads = _read.columns(demo["sla"].leads)
    got = _read.sla_reps(demo["sla"])
    want = reps_twin(leads)
    assert list(got) == list(demo["sla"].reps)
    assert got["rep"].tolist() == want.pop("rep")
    for col, values in want.items():
        assert np.allclose(np.asarray(got[col], float), np.asarray(values, float), equal_nan=True)
    met, dec = np.asarray(want["first_touch_met"]), np.asarray(want["first_touch_decided"])
    expected = np.where(dec > 0, met / np.maximum(dec, 1), np.nan)
    assert np.allclose(got["first_touch_compliance"], expected, equal_nan=True)


def test_grid_conversion_matches_plain_python(demo: dict[str, Any]) -> None:
    scores = demo["scores"]
    won = ~np.isnat(demo["crm"].leads["won_at"])
    cells = [str(c) for c in np.asarray(scores["cell"]).tolist()]
    actions = [str(a) for a in np.asarray(scores["action"]).tolist()]
    by_cell: dict[str, list[Any]] = {}
    by_action: dict[str, list[int]] = {}
    for c, a, w in zip(cells, actions, won.tolist()):
        by_cell.setdefault(c, [0, 0, a])
        by_cell[c][0] += 1
        by_cell[c][1] += int(w)
        by_action.setdefault(a, [0, 0])
        by_action[a][0] += 1
        by_action[a][1] += int(w)
    got = _read.grid_conversion(scores, won, by="cell")
    assert list(got) == ["cell", "action", "leads", "won", "conversion"]
    assert got["cell"].tolist() == sorted(by_cell)
    assert got["action"].tolist() == [by_cell[c][2] for c in sorted(by_cell)]
    assert got["leads"].tolist() == [by_cell[c][0] for c in sorted(by_cell)]
    assert got["won"].tolist() == [by_cell[c][1] for c in sorted(by_cell)]
    acts = _read.grid_conversion(scores, won, by="action")
    assert list(acts) == ["action", "leads", "share", "won", "conversion"]
    order = sorted(sorted(by_action), key=lambda a: -by_action[a][1] / by_action[a][0])
    assert acts["action"].tolist() == order
    assert acts["leads"].tolist() == [by_action[a][0] for a in order]
    assert np.allclose(acts["share"], [by_action[a][0] / len(cells) for a in order])
    assert np.allclose(acts["conversion"], [by_action[a][1] / by_action[a][0] for a in order])


# ----------------------------------------------------------------------------- engine API first


class _SLAWithReps:
    """An SLA report that offers the per-rep level (as the engine will), wrapping a real one."""

    levels = ("leads", "periods", "daily", "breaches", "reps")

    def __init__(self, inner: Any, reps: dict[str, np.ndarray]) -> None:
        self._inner, self._reps = inner, reps
        self.calls: list[tuple[str | None, str | None]] = []
        self.leads, self.periods, self.daily = inner.leads, inner.periods, inner.daily
        self.breaches, self.sla, self.calendar = inner.breaches, inner.sla, inner.calendar
        self.speed = inner.speed  # speed to lead, shown in the SLA section
        self.not_measured = inner.not_measured  # why a cell is n/a

    def summary(self) -> dict[str, Any]:  # the contract: a method
        return dict(self._inner.summary)

    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
        self.calls.append((level, backend))
        assert level == "reps" and backend == "dict"
        return dict(self._reps)


class _ScoresWithConversion:
    """Scores that record the calls of ``conversion(converted, by=...)``."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.scorer = inner.scorer  # the grid's cut-offs and rules
        self.calls: list[str] = []

    def __getitem__(self, key: str) -> Any:
        return self._inner[key]

    def conversion(self, converted: Any, *, by: str) -> dict[str, np.ndarray]:
        self.calls.append(by)
        return dict(self._inner.conversion(converted, by=by))


def test_the_engine_api_is_read_when_present(demo: dict[str, Any]) -> None:
    reps = demo["sla"].to_frame(level="reps", backend="dict")
    sla = _SLAWithReps(demo["sla"], reps)
    scores = _ScoresWithConversion(demo["scores"])
    inputs = dict(cli.report_inputs(demo), sla=sla, scores=scores)
    html = build_report(**inputs, generated_at=WHEN)
    assert sla.calls == [("reps", "dict")]
    assert scores.calls == ["cell", "action"]
    assert sections(html) == PINNED["demo"]  # same page as from the fallbacks


def test_the_rep_table_shows_what_the_engine_returns(demo: dict[str, Any]) -> None:
    reps = _read.sla_reps(demo["sla"])
    reps = {k: v[:2] for k, v in reps.items()}
    reps["rep"] = np.array(["zed", "yan"], dtype=object)
    html = build_report(sla=_SLAWithReps(demo["sla"], reps), generated_at=WHEN)
    table = html.split("<h3>Sales reps</h3>", 1)[1].split("</table>", 1)[0]
    assert table.index("zed") < table.index("yan") and table.count("<tr>") == 3


# ----------------------------------------------------------------------------- summary


class _DictAttr:
    def __init__(self) -> None:
        self.summary = {"a": 1}


class _Method:
    def summary(self) -> dict[str, Any]:
        return {"a": 1}


class _CallableDict(dict):  # type: ignore[type-arg]
    def __call__(self) -> dict[str, Any]:
        return dict(self)


class _Shim:
    def __init__(self) -> None:
        self.summary = _CallableDict(a=1)


@pytest.mark.parametrize("result", [_DictAttr(), _Method(), _Shim()])
def test_summary_of_reads_every_form(result: Any) -> None:
    got = _read.summary_of(result)
    assert got == {"a": 1} and type(got) is dict
    got["a"] = 2  # a copy: the result is not changed
    assert _read.summary_of(result) == {"a": 1}


def test_columns_passes_the_level_only_when_given() -> None:
    seen: list[dict[str, Any]] = []

    class T:
        def to_frame(self, **kw: Any) -> dict[str, list[int]]:
            seen.append(kw)
            return {"x": [1]}

    assert _read.columns(T())["x"].tolist() == [1]
    assert _read.columns(T(), "reps")["x"].tolist() == [1]
    assert seen == [{"backend": "dict"}, {"level": "reps", "backend": "dict"}]
