"""Tests of the ``alignment`` command (in-process through ``main`` and once as a subprocess)."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment.cli import _main as cli
from alignment.cli import main, read_columns, write_columns
from alignment.datasets import SyntheticCRM

from ._cli import run

SUBCOMMANDS = [
    ["demo"],
    ["attribute"],
    ["score"],
    ["funnel"],
    ["funnel", "plan"],
    ["funnel", "observe"],
    ["sla"],
    ["plugins"],
]


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == cli.EXIT_ERROR
    lines = [  # (progress and warnings, e.g. instants read as UTC, aside)
        ln for ln in err.strip().splitlines() if not ln.startswith(("...", "alignment: warning:"))
    ]
    assert len(lines) == 1, err
    assert lines[0].startswith("alignment: error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle.lower() in lines[0].lower(), (needle, lines[0])


# ------------------------------------------------------------------ help and usage


@pytest.mark.parametrize("argv", [[], *SUBCOMMANDS])
def test_help_everywhere(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: alignment")
    assert "--debug" in out or argv == ["funnel"]


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 0
    for command in ("demo", "attribute", "closed-loop", "report", "plugins"):
        assert command in out


def test_funnel_without_action(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "funnel")
    assert code == 0
    assert "plan" in out and "observe" in out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["nope"], ["funnel", "plan", "--target", "1"], ["demo", "--leads", "many"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
    capsys.readouterr()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert alignment.__version__ in capsys.readouterr().out


# ------------------------------------------------------------------ funnel plan


def test_funnel_plan_worked_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "funnel", "plan", "--target", "100000", "--deal-size", "1000", "--rate", "lead=0.04"
    )
    assert code == 0
    assert "100.0 customers" in out
    assert "2,500" in out


def test_funnel_plan_reverse_waterfall_to_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "plan.csv"
    rates = ["inquiry=0.10", "mql=0.85", "sal=0.60", "sql=30%"]
    argv = ["funnel", "plan", "--target", "153000", "--deal-size", "1000"]
    for r in rates:
        argv += ["--rate", r]
    code, _, _ = run(capsys, *argv, "--out", str(out_file))
    assert code == 0
    table = read_columns(out_file)
    assert table["stage"].tolist() == ["inquiry", "mql", "sal", "sql"]
    # 153 customers ÷ 1.53% overall = 10,000 inquiries
    assert table["required"][0] == pytest.approx(10_000.0)
    assert table["required"][-1] == pytest.approx(153 / 0.30)


@pytest.mark.parametrize(
    ("rate", "needle"),
    [("lead=2", "rate"), ("lead", "stage=rate"), ("lead=abc", "not a number"), ("=0.1", "")],
)
def test_funnel_plan_bad_rates(rate: str, needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "funnel", "plan", "--target", "1000", "--deal-size", "10", "--rate", rate
    )
    assert_one_line_error(code, err, needle)


def test_funnel_plan_bad_target(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "funnel", "plan", "--target", "-5", "--deal-size", "10", "--rate", "lead=0.1"
    )
    assert_one_line_error(code, err, "revenue_target")


# ------------------------------------------------------------------ attribute


def test_attribute_matches_library(
    crm_files: dict[str, Path], small_crm: SyntheticCRM, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    out_file = tmp_path / "credit.csv"
    code, _, err = run(
        capsys,
        "attribute",
        str(crm_files["touchpoints"]),
        "--conversions",
        str(crm_files["conversions"]),
        "--model",
        "time_decay",
        "--half-life",
        "7d",
        "--out",
        str(out_file),
    )
    assert code == 0, err
    table = read_columns(out_file)
    expected = alignment.attribute(
        small_crm.touchpoints, small_crm.conversions, model="time_decay", half_life="7d"
    ).totals(by="channel")
    got = dict(zip(table["channel"].tolist(), table["revenue"].tolist()))
    assert got.keys() == expected.keys()
    for k, v in expected.items():
        assert got[k] == pytest.approx(v, rel=1e-9, abs=1e-6)
    assert "attributed" in err  # progress / reconciliation note on stderr


def test_attribute_several_models_side_by_side(
    crm_files: dict[str, Path], small_crm: SyntheticCRM, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "attribute",
        str(crm_files["touchpoints"]),
        "--conversions",
        str(crm_files["conversions"]),
        "--model",
        "first",
        "--model",
        "last",
        "--model",
        "markov",
        "--by",
        "channel",
        "-q",
    )
    assert code == 0
    header, rule, *rows = out.strip().splitlines()
    assert header.split() == ["channel", "first", "last", "markov"]
    assert set(rule.strip()) == {"-"}
    assert len(rows) == 12


def test_attribute_by_campaign_and_touch_level(
    crm_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["attribute", str(crm_files["touchpoints"]), "--conversions"]
    base += [str(crm_files["conversions"]), "-q"]
    code, out, _ = run(capsys, *base, "--by", "campaign")
    assert code == 0 and out.splitlines()[0].split()[0] == "campaign"
    touch_file = tmp_path / "touch.csv"
    code, _, _ = run(capsys, *base, "--level", "touch", "--out", str(touch_file))
    assert code == 0
    touch = read_columns(touch_file)
    n_touches = len(read_columns(crm_files["touchpoints"])["lead_id"])
    assert len(touch["credit"]) == n_touches
    conv = read_columns(crm_files["conversions"])
    assert np.nansum(touch["credit"]) == pytest.approx(conv["revenue"].sum())


def test_attribute_conversions_on_touch_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "paths.csv"
    f.write_text(
        "lead_id,timestamp,channel,converted_at,revenue\n"
        "a,2024-01-01T00:00:00Z,email,2024-01-10T00:00:00Z,100\n"
        "a,2024-01-05T00:00:00Z,webinar,2024-01-10T00:00:00Z,100\n"
        "b,2024-01-02T00:00:00Z,email,,\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "attribute", str(f), "--model", "first", "-q", "--out", "-")
    assert code == 0
    rows = {ln.split(",")[0]: ln.split(",") for ln in out.strip().splitlines()}
    assert float(rows["email"][2]) == 100.0
    assert float(rows["webinar"][2]) == 0.0


def test_attribute_parquet_round_trip(
    crm_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("pyarrow")
    pq_in = tmp_path / "touches.parquet"
    write_columns(pq_in, read_columns(crm_files["touchpoints"]))
    out = tmp_path / "out.parquet"
    code, _, err = run(
        capsys, "attribute", str(pq_in), "--conversions", str(crm_files["conversions"]),
        "--out", str(out), "-q",
    )  # fmt: skip
    assert code == 0, err
    back = read_columns(out)
    assert back.num_rows == 12


def test_parquet_without_pyarrow(
    crm_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    pq_file = tmp_path / "x.parquet"
    pq_file.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    code, _, err = run(capsys, "attribute", str(pq_file))
    assert_one_line_error(code, err, "pip install pyarrow")
    code, _, err = run(
        capsys, "attribute", str(crm_files["touchpoints"]), "--conversions",
        str(crm_files["conversions"]), "--out", str(tmp_path / "o.parquet"), "-q",
    )  # fmt: skip
    assert_one_line_error(code, err, "pip install pyarrow")


@pytest.mark.parametrize(
    ("content", "extra", "needle"),
    [
        (None, [], "no such file"),
        ("", [], "empty"),
        ("lead_id,timestamp\na,2024-01-01\n", [], "channel"),
        ("lead_id,timestamp,channel\na,2024-01-01,email,extra\n", [], "line 2"),
        ("lead_id,timestamp,channel\na,not-a-time,email\n", [], "timestamp"),
        ("lead_id,timestamp,channel\na,2024-01-01,email\n", ["--model", "lienar"], "linear"),
        ("lead_id,timestamp,channel\na,2024-01-01,email\n", ["--model", "time_decay",
                                                           "--half-life", "7x"], "half_life"),
        ("lead_id,timestamp,channel\na,2024-01-01,email\n", ["--param", "nonsense"], "name=value"),
        ("lead_id,lead_id\na,b\n", [], "header"),
    ],
)  # fmt: skip
def test_attribute_bad_input(
    content: str | None, extra: list[str], needle: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    f = tmp_path / "touches.csv"
    if content is not None:
        f.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "attribute", str(f), *extra)
    assert_one_line_error(code, err, needle)


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    with pytest.raises(cli.CLIError):
        main(["attribute", str(tmp_path / "missing.csv"), "--debug"])
    with pytest.raises(cli.CLIError):
        main(["--debug", "attribute", str(tmp_path / "missing.csv")])


# ------------------------------------------------------------------ score


def test_score_grid_with_rules(
    crm_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps({"fit_rules": cli.DEMO_FIT_RULES, **cli.DEMO_GRID}), encoding="utf-8"
    )
    out_file = tmp_path / "scores.csv"
    code, out, err = run(
        capsys, "score", str(crm_files["leads"]), "--touchpoints", str(crm_files["touchpoints"]),
        "--rules", str(rules), "--out", str(out_file),
    )  # fmt: skip
    assert code == 0, err
    scores = read_columns(out_file)
    n = len(read_columns(crm_files["leads"])["lead_id"])
    assert len(scores["lead_id"]) == n
    assert set(scores["cell"].tolist()) <= {f"{a}{d}" for a in "ABCD" for d in "1234"}
    assert "leads per cell" in out


def test_score_logistic_needs_target(
    crm_files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "score", str(crm_files["leads"]), "--scorer", "logistic", "-q")
    assert code == cli.EXIT_USAGE and err.startswith("alignment: error: ") and "--target" in err
    code, _, err = run(
        capsys, "score", str(crm_files["leads"]), "--scorer", "logistic", "--target", "nope"
    )
    assert_one_line_error(code, err, "nope")


def test_score_logistic_with_target(
    crm_files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "score", str(crm_files["leads"]), "--scorer", "logistic", "--target", "won_at",
        "--param", 'features=["company_size", "industry", "seniority"]', "-q",
    )  # fmt: skip
    assert code == 0, err
    assert "probability" in out.splitlines()[0]


def test_score_unknown_scorer(
    crm_files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "score", str(crm_files["leads"]), "--scorer", "gird")
    assert_one_line_error(code, err, "grid")


# ------------------------------------------------------------------ funnel observe


def test_funnel_observe(crm_files: dict[str, Path], small_crm: SyntheticCRM,
                        capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    code, out, _ = run(capsys, "funnel", "observe", str(crm_files["leads"]), "-q")
    assert code == 0
    mql = int((~np.isnat(small_crm.leads["mql_at"])).sum())
    assert f"{mql:,}" in out
    code, _, err = run(capsys, "funnel", "observe", str(crm_files["leads"]), "--stages", "mql_at")
    assert code == cli.EXIT_USAGE and err.startswith("alignment: error: ") and "two" in err
    code, _, err = run(
        capsys, "funnel", "observe", str(crm_files["leads"]), "--stages", "created_at,nope_at"
    )
    assert_one_line_error(code, err, "nope_at")


# ------------------------------------------------------------------ sla


def test_sla_command(
    crm_files: dict[str, Path], small_crm: SyntheticCRM, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    out_file = tmp_path / "status.csv"
    breaches = tmp_path / "breaches.csv"
    code, out, err = run(
        capsys, "sla", str(crm_files["sla"]), "--leads", str(crm_files["leads"]),
        "--activities", str(crm_files["activities"]), "--as-of", "2024-04-01T00:00:00Z",
        "--out", str(out_file), "--breaches", str(breaches),
    )  # fmt: skip
    assert code == 0, err
    assert "SLA as of 2024-04-01" in out
    status = read_columns(out_file)
    assert len(status["lead_id"]) == small_crm.n_leads
    expected = alignment.sla.evaluate(
        small_crm.sla, small_crm.leads, small_crm.activities, as_of=small_crm.as_of
    )
    want = expected.breaches.to_frame("dict")
    got = read_columns(breaches)
    assert sorted(zip(got["lead_id"].tolist(), got["commitment"].tolist())) == sorted(
        zip(want["lead_id"].tolist(), want["commitment"].tolist())
    )


def test_sla_response_time_in_business_hours(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # assigned Monday 09:00, first call the Wednesday of the next week 09:00: 7 business days
    # on the Mon-Fri 09:00-17:00 calendar, 56 business hours (not "2.3 d" of 24 hours)
    agreement = tmp_path / "a.toml"
    agreement.write_text(
        'name = "x"\n[marketing]\nqualified_leads = 1\nperiod = "M"\n'
        '[sales.first_touch]\nwithin = "10d"\nbusiness_time = true\n',
        encoding="utf-8",
    )
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "lead_id,created_at,mql_at,owner\nL1,2024-03-04T09:00:00Z,2024-03-04T09:00:00Z,ana\n",
        encoding="utf-8",
    )
    acts = tmp_path / "acts.csv"
    acts.write_text(
        "lead_id,timestamp,kind,rep\nL1,2024-03-13T09:00:00Z,call,ana\n", encoding="utf-8"
    )
    code, out, err = run(
        capsys, "-q", "sla", str(agreement), "--leads", str(leads), "--activities", str(acts),
        "--as-of", "2024-03-20T00:00:00Z",
    )  # fmt: skip
    assert code == 0, err
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("2024-03-01"))
    assert row.split()[-2:] == ["56.0", "h"]


def _auckland_files(tmp_path: Path) -> list[str]:
    """An agreement on Auckland's calendar and a lead delivered on its local 1 April (08:30
    NZDT = 2024-03-31T19:30Z), with the CLI's arguments to evaluate it at 09:00 NZDT."""
    agreement = tmp_path / "a.toml"
    agreement.write_text(
        '[calendar]\ntz = "Pacific/Auckland"\n[marketing]\nqualified_leads = 10\n'
        'period = "M"\n[sales.first_touch]\nwithin = "1d"\nbusiness_time = true\n',
        encoding="utf-8",
    )
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "lead_id,created_at,mql_at,assigned_at\n"
        "a,2024-03-31T19:30:00Z,2024-03-31T19:30:00Z,2024-03-31T19:30:00Z\n"
        "b,2024-03-10T00:00:00Z,2024-03-10T00:00:00Z,2024-03-10T00:00:00Z\n",
        encoding="utf-8",
    )
    acts = tmp_path / "acts.csv"
    acts.write_text("lead_id,timestamp,kind\na,2024-03-31T19:45:00Z,call\n", encoding="utf-8")
    return [
        "-q", "sla", str(agreement), "--leads", str(leads), "--activities", str(acts),
        "--as-of", "2024-03-31T20:00:00Z",
    ]  # fmt: skip


def test_sla_periods_are_the_calendars_local_periods(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2024-03-31T20:00Z is 1 April 09:00 in Auckland: April has started there and is listed,
    # with its delivery; the periods file writes the local dates as dates
    periods = tmp_path / "periods.csv"
    code, out, err = run(capsys, *_auckland_files(tmp_path), "--periods", str(periods))
    assert code == 0, err
    rows = {ln.split()[0]: ln.split() for ln in out.splitlines() if ln.strip()[:4] == "2024"}
    assert sorted(rows) == ["2024-03-01", "2024-04-01"]
    assert rows["2024-04-01"][1:3] == ["10", "1"]  # committed, delivered
    text = periods.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    cells = [dict(zip(header, ln.split(","))) for ln in text[1:]]
    assert [(c["period_start"], c["period_end"]) for c in cells] == [
        ("2024-03-01", "2024-04-01"),
        ("2024-04-01", "2024-05-01"),
    ]


def test_text_table_hours_column_has_one_unit() -> None:
    from alignment.cli._text import text_table

    durations = np.array([20 * 60, 30 * 3600, 3 * 86400, "NaT"], dtype="timedelta64[s]")
    out = text_table({"wait": durations}, hours=("wait",), terminal=False)
    cells = [ln.strip() for ln in out.splitlines()[2:]]
    assert cells == ["0.3 h", "30.0 h", "72.0 h", "-"]


@pytest.mark.parametrize(
    ("agreement", "needle"),
    [
        ("[marketing]\nqualified_leads = -3\n", "qualified_leads"),
        ("[marketing\n", "invalid toml"),
        ("nonsense = 1\n", "nonsense"),
    ],
)
def test_sla_bad_agreement(
    agreement: str, needle: str, crm_files: dict[str, Path], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    f = tmp_path / "bad.toml"
    f.write_text(agreement, encoding="utf-8")
    code, _, err = run(
        capsys, "sla", str(f), "--leads", str(crm_files["leads"]),
        "--activities", str(crm_files["activities"]), "--as-of", "2024-04-01",
    )  # fmt: skip
    assert_one_line_error(code, err, needle)


def test_sla_bad_as_of(crm_files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "sla", str(crm_files["sla"]), "--leads", str(crm_files["leads"]),
        "--activities", str(crm_files["activities"]), "--as-of", "yesterday",
    )  # fmt: skip
    assert_one_line_error(code, err, "as_of")


# ------------------------------------------------------------------ plugins


def test_plugins(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plugins")
    assert code == 0
    for name in ("time_decay", "markov", "shapley", "grid", "logistic"):
        assert name in out
    code, out, _ = run(capsys, "plugins", "--json")
    data = json.loads(out)
    assert "linear" in data["attribution_models"] and "grid" in data["scorers"]
    assert any(p["builtin"] for p in data["plugins"])


# ------------------------------------------------------------------ demo


def test_demo_runs_every_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.html"
    code, out, err = run(capsys, "demo", "--leads", "1200", "--seed", "3", "--out", str(report))
    assert code == 0, err
    for heading in ("FUNNEL", "SCORING", "ATTRIBUTION", "SLA", "CLOSED LOOP", "Data quality"):
        assert heading in out
    for step in ("scoring", "attribution: markov", "attribution: shapley", "evaluating the SLA",
                 "closed-loop", "observing the funnel"):  # fmt: skip
        assert step in err
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.count("<svg") >= 5


def test_run_demo_results_are_real_engine_results() -> None:
    from alignment.attribution import AttributionResult
    from alignment.closed_loop import ClosedLoopReport
    from alignment.funnel import FunnelObservation, Plan
    from alignment.scoring import ScoreResult
    from alignment.sla import SLAReport

    res = cli.run_demo(900, seed=5)
    assert isinstance(res["funnel"], FunnelObservation)
    assert isinstance(res["plan"], Plan)
    assert isinstance(res["scores"], ScoreResult) and isinstance(res["logistic"], ScoreResult)
    assert set(res["attribution"]) == set(cli.DEMO_MODELS)
    assert all(isinstance(r, AttributionResult) for r in res["attribution"].values())
    assert isinstance(res["sla"], SLAReport)
    assert isinstance(res["closed_loop"], ClosedLoopReport)
    assert 0.5 < res["auc"] <= 1.0
    revenue = float(res["crm"].conversions["revenue"].sum())
    for r in res["attribution"].values():  # revenue is conserved by every model
        assert sum(r.totals(by="channel").values()) + r.unattributed.total == pytest.approx(revenue)


@pytest.mark.parametrize(
    ("option", "value"),
    [("--leads", "0"), ("--leads", "-5"), ("--leads", "many"), ("--seed", "-1")],
)
def test_demo_bad_leads_or_seed_is_a_usage_error(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # (docs/cli.md: another value is a usage error, status 2)
    with pytest.raises(SystemExit) as exc:
        main(["demo", option, value, "--no-report"])
    assert exc.value.code == cli.EXIT_USAGE == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith(f"alignment demo: error: argument {option}: ")
    assert line.endswith(f"or more, got {value!r}")


@pytest.mark.parametrize("n", [1, 10])
def test_demo_of_a_few_leads_says_why_the_logistic_scorer_is_absent(
    n: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    code, text, err = run(capsys, "demo", "--leads", str(n), "-q", "--out", str(out))
    assert code == 0, err
    assert "Logistic scorer on explicit attributes: n/a (" in text and "ROC AUC" not in text
    assert out.exists() and "'y'" not in err


def test_demo_logistic_needs_both_outcomes() -> None:
    res = cli.run_demo(30, seed=0)
    note = res["logistic_note"]
    assert res["logistic"] is None and math.isnan(res["auc"])
    assert note is not None and "nothing to tell won from lost" in note


@pytest.mark.parametrize("seed", ["-1", "abc", "1.5"])
def test_demo_bad_seed_is_a_usage_error(seed: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--seed", seed, "--no-report"])
    assert exc.value.code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    line = err.strip().splitlines()[-1]
    assert "argument --seed" in line and "whole number of 0 or more" in line and repr(seed) in line
    assert "Traceback" not in err and "expected non-negative integer" not in err


def test_demo_unwritable_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "demo", "--leads", "300", "-q", "--out", str(tmp_path / "no" / "r.html")
    )
    assert_one_line_error(code, err, "directory")


# ------------------------------------------------------------------ CSV I/O


def test_csv_round_trip_types(tmp_path: Path) -> None:
    cols = {
        "lead_id": np.array(["a", "b", "c"], dtype=object),
        "n": np.array([1.5, np.nan, -2.0]),
        "flag": np.array([True, False, True]),
        "at": np.array(["2024-01-01T10:00:00", "NaT", "2024-02-29T23:59:59"], "datetime64[us]"),
        "text": np.array(['x, "quoted"', None, "multi\nline"], dtype=object),
    }
    p = tmp_path / "t.csv.gz"
    write_columns(p, cols)
    back = read_columns(p)
    assert back["lead_id"].tolist() == ["a", "b", "c"]
    assert np.array_equal(back["n"], cols["n"], equal_nan=True)
    assert back["flag"].tolist() == [True, False, True]
    assert back["at"].dtype == np.dtype("datetime64[us]")
    assert np.array_equal(back["at"], cols["at"], equal_nan=True)
    assert back["text"].tolist() == cols["text"].tolist()


def test_csv_ids_stay_strings_and_offsets_are_converted(tmp_path: Path) -> None:
    p = tmp_path / "t.tsv"
    p.write_text("lead_id\twhen\tcount\n007\t2024-01-01T10:00:00+02:00\t3\n", encoding="utf-8")
    back = read_columns(p)
    assert back["lead_id"].tolist() == ["007"]
    assert back["when"].dtype == np.dtype("datetime64[us]")
    assert back["when"].tolist() == [dt.datetime(2024, 1, 1, 8, 0)]  # +02:00 read as UTC
    assert back["count"].dtype == np.float64 and back["count"].tolist() == [3.0]


def test_csv_without_pyarrow_is_a_typed_error(
    crm_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow.csv", None)
    with pytest.raises(cli.CLIError, match=r"PyArrow.*pip install pyarrow"):
        read_columns(crm_files["touchpoints"])


def test_csv_cells_plain_python(tmp_path: Path) -> None:
    """Twin of the reader's typing, cell by cell, on a file with every kind of column."""
    p = tmp_path / "kinds.csv"
    p.write_text(
        "\ufeffaccount_id , n,flag,day,at,text,na,gap\n"
        "0012,1,yes,2024-03-01,2024-03-01T09:30:00Z,NA,,1.5\n"
        "\n"  # blank lines are skipped
        '0013,-2,no,2024-03-02,2024-03-01T10:00:00.25Z,"a,b",,\n',
        encoding="utf-8",
    )
    back = read_columns(p)
    assert list(back) == ["account_id", "n", "flag", "day", "at", "text", "na", "gap"]
    assert back["account_id"].tolist() == ["0012", "0013"]
    assert back["n"].dtype == np.float64 and back["n"].tolist() == [1.0, -2.0]
    assert back["flag"].tolist() == [True, False]
    assert back["day"].tolist() == [dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 2)]
    assert back["at"].tolist() == [
        dt.datetime(2024, 3, 1, 9, 30),
        dt.datetime(2024, 3, 1, 10, 0, 0, 250_000),
    ]
    assert back["text"].tolist() == ["NA", "a,b"]  # "NA" is text, not missing
    assert back["na"].tolist() == [None, None]
    assert back["gap"][0] == 1.5 and np.isnan(back["gap"][1])


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("a,b\n1,2\n3\n", "line 3 has 1 fields, the header has 2"),
        ("a,b\n1,2\n3,4,5\n", "line 3 has 3 fields"),
        (" ,b\n1,2\n", "header"),
        ("\n", "header"),
    ],
)
def test_csv_format_errors(content: str, needle: str, tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(cli.CLIError, match=needle):
        read_columns(p, table="leads")


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12).filter(
    lambda s: s.strip() == s
)


@settings(max_examples=40, deadline=None)
@given(
    words=st.lists(st.tuples(st.sampled_from("abcxyz"), _text), min_size=1, max_size=20),
    nums=st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=1,
                  max_size=20),
)  # fmt: skip
def test_csv_round_trip_property(
    words: list[tuple[str, str]], nums: list[float], tmp_path_factory: pytest.TempPathFactory
) -> None:
    n = min(len(words), len(nums))
    strings = np.array([a + b for a, b in words[:n]], dtype=object)  # never empty, never numeric
    values = np.array(nums[:n], dtype=np.float64)
    p = tmp_path_factory.mktemp("rt") / "x.csv"
    write_columns(p, {"s": strings, "v": values})
    back = read_columns(p)
    assert back["s"].tolist() == strings.tolist() or back["s"].dtype.kind != "O"
    assert np.array_equal(back["v"], values)


def test_text_table_alignment() -> None:
    text = cli.text_table({"name": ["a", "bb"], "n": [1, 1000], "r": [0.5, 0.25]}, pct=("r",))
    lines = text.splitlines()
    assert lines == [
        "  name      n      r",
        "  ------------------",
        "  a         1  50.0%",
        "  bb    1,000  25.0%",
    ]  # plain text off a terminal: no colour, an ASCII rule, numbers right-aligned


# ------------------------------------------------------------------ the console script


def test_console_script_subprocess(tmp_path: Path) -> None:
    exe = shutil.which("alignment", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "alignment.cli"]
    ok = subprocess.run(
        [*cmd, "funnel", "plan", "--target", "100000", "--deal-size", "1000", "--rate",
         "lead=0.04"], capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "2,500" in ok.stdout
    bad = subprocess.run(
        [*cmd, "attribute", str(tmp_path / "missing.csv")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert bad.returncode == 1
    assert bad.stderr.strip().count("\n") == 0 and "Traceback" not in bad.stderr


def test_csv_round_trip_of_every_crm_table(small_crm: SyntheticCRM, tmp_path: Path) -> None:
    for name, table in small_crm.tables().items():
        p = tmp_path / f"{name}.csv"
        write_columns(p, table)
        back = read_columns(p)
        assert list(back) == list(table), name
        for col, arr in table.items():
            got = back[col]
            if arr.dtype.kind in "fM":
                assert got.dtype == arr.dtype and np.array_equal(got, arr, equal_nan=True), col
            else:
                assert got.tolist() == arr.tolist(), (name, col)


def test_sub_second_instants_are_kept(tmp_path: Path) -> None:
    t = np.array(["2024-01-01T00:00:00.5", "NaT", "2024-01-02"], "datetime64[us]")
    p = tmp_path / "t.csv"
    write_columns(p, {"at": t})
    assert np.array_equal(read_columns(p)["at"], t, equal_nan=True)


def test_target_with_missing_values_names_the_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "lead_id,created_at,company_size,bought\n"
        "a,2024-01-01T00:00:00Z,10,1\nb,2024-01-02T00:00:00Z,20,\nc,2024-01-03T00:00:00Z,30,0\n",
        encoding="utf-8",
    )
    code, _, err = run(
        capsys, "score", str(leads), "--scorer", "logistic", "--target", "bought",
        "--param", "features=[\"company_size\"]",
    )  # fmt: skip
    assert_one_line_error(code, err, "--target column 'bought' has missing values", "row")
