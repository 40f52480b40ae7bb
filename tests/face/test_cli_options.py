"""Options of the command line that conflict are refused (never one value dropped), and a path
given as a file that is a directory is named as such."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment.cli import _main as cli

from ._cli import run

TOUCHES = (
    "lead_id,timestamp,channel,converted_at,revenue\n"
    "L1,2024-01-01T00:00:00Z,email,2024-01-05T00:00:00Z,100\n"
    "L1,2024-01-02T00:00:00Z,ads,2024-01-05T00:00:00Z,100\n"
)
PLAN = ["funnel", "plan", "--target", "1000", "--deal-size", "10"]


@pytest.fixture
def touches(tmp_path: Path) -> Path:
    path = tmp_path / "t.csv"
    path.write_text(TOUCHES, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--param", "half_life=2d", "--param", "half_life=9d"], "--param 'half_life' given twice"),
        (["--param", "half-life=2d", "--param", "half_life=2d"], "--param 'half_life' given twice"),
        (["--half-life", "2d", "--param", "half_life=9d"],
         "parameter 'half_life', by --half-life and --param, given twice"),
    ],
)  # fmt: skip
def test_attribute_refuses_a_parameter_given_twice(
    argv: list[str], needle: str, touches: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "attribute", str(touches), "--model", "time_decay", "-q", *argv)
    assert code == cli.EXIT_USAGE, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("alignment: error: "), err
    assert needle in lines[0] and "give it once" in lines[0]


@pytest.mark.parametrize("argv", [["--half-life", "2d"], ["--param", "half_life=2d"]])
def test_one_value_each_still_works(
    argv: list[str], touches: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "attribute", str(touches), "--model", "time_decay", "-q", *argv)
    assert code == 0, err
    assert out.split()[:2] == ["channel", "conversions"]


@pytest.mark.parametrize(
    ("key", "option"),
    [("lookback", "--lookback"), ("time", "--time-col"), ("conversions", "--conversions")],
)
def test_a_param_naming_an_option_of_the_command_is_refused(
    key: str, option: str, touches: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "attribute", str(touches), "-q", "--param", f"{key}=x")
    assert code == cli.EXIT_USAGE and out == ""
    assert f"--param {key!r} is set by {option}; give it with {option}" in err
    assert "internal error" not in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--rate", "lead=0.5", "--rate", "lead=0.4"], "--rate: stage 'lead' given twice"),
    ],
)
def test_plan_refuses_a_stage_given_twice(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *PLAN, *argv)
    assert code == cli.EXIT_USAGE and needle in err and "Traceback" not in err


def test_score_refuses_rules_and_param_naming_one_parameter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,created_at\nL1,2024-01-01T00:00:00Z\n", encoding="utf-8")
    rules = tmp_path / "grid.json"
    rules.write_text('{"fit_cuts": [30, 20, 10]}', encoding="utf-8")
    code, _, err = run(capsys, "score", str(leads), "--rules", str(rules),
                       "--param", "fit_cuts=[3,2,1]", "-q")  # fmt: skip
    assert code == cli.EXIT_USAGE
    assert "parameter 'fit_cuts', by --rules and --param, given twice" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["attribute", "{dir}"],
        ["funnel", "observe", "{dir}"],
        ["sla", "{dir}", "--leads", "{dir}"],
        ["score", "{file}", "--rules", "{dir}"],
    ],
)
def test_a_directory_given_as_a_file_is_named(
    argv: list[str], tmp_path: Path, touches: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "touches.csv"
    folder.mkdir()
    code, _, err = run(capsys, *(a.format(dir=folder, file=touches) for a in argv))
    assert code == cli.EXIT_ERROR
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"{str(folder)!r} is a directory, not a file" in lines[0], err
    assert "no such file" not in err


def test_a_missing_file_is_still_no_such_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "attribute", str(tmp_path / "missing.csv"))
    assert code == cli.EXIT_ERROR and "touchpoints: no such file" in err


LEADS = (
    "lead_id,created_at,mql_at,seniority\n"
    "A,2024-03-01T00:00:00Z,2024-03-01T00:00:00Z,vp\n"
    "B,2024-03-02T00:00:00Z,,ic\n"
)


@pytest.fixture
def leads(tmp_path: Path) -> Path:
    path = tmp_path / "leads.csv"
    path.write_text(LEADS, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["attribute", "{t}", "--level", "touch", "--model", "first", "--model", "last"],
         "--level touch takes one --model"),
        (["attribute", "{t}", "--half-life", "3d", "--model", "last"], "--half-life applies"),
        (["score", "{l}", "--scorer", "logistic"], "give --target"),
        (["funnel", "observe", "{l}", "--stages", "created_at"], "at least two"),
        (["demo", "--leads", "20", "--no-report", "--out", "{d}"], "--no-report"),
        ([*PLAN, "--rate", "lead=0.5", "--periods", "3", "--out", "-"], "--periods with --out -"),
    ],
)  # fmt: skip
def test_options_that_do_not_go_together_exit_2(
    argv: list[str], needle: str, touches: Path, leads: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from alignment import attribution

    def never(*_: object, **__: object) -> None:
        raise AssertionError("refused before any model runs")

    monkeypatch.setattr(attribution, "attribute", never)
    report = tmp_path / "demo.html"
    code, out, err = run(capsys, *(a.format(t=touches, l=leads, d=report) for a in argv), "-q")
    assert code == cli.EXIT_USAGE, err
    assert out == "" and needle in err and not report.exists()


def test_stdout_holds_only_the_csv(
    leads: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import io

    touches = tmp_path / "touches.csv"
    touches.write_text("lead_id,timestamp,channel,kind\nA,2024-03-03T00:00:00Z,web,form\n")
    code, out, err = run(capsys, "score", str(leads), "--touchpoints", str(touches), "--out", "-")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["lead_id", "fit", "interest", "cell", "action", "score"] and len(rows) == 3
    assert "leads per cell" in err
    acts = tmp_path / "acts.csv"
    acts.write_text("lead_id,timestamp,kind,rep\nA,2024-03-01T01:00:00Z,call,ann\n")
    sla = tmp_path / "sla.toml"
    sla.write_text('[marketing]\nqualified_leads = 2\nperiod = "M"\ndelivered_at = "mql_at"\n'
                   '[sales.first_touch]\nwithin = "1d"\n')  # fmt: skip
    base = ["sla", str(sla), "--leads", str(leads), "--activities", str(acts),
            "--as-of", "2024-04-01T00:00:00Z", "-q"]  # fmt: skip
    for option in ("--out", "--breaches", "--periods"):
        code, out, err = run(capsys, *base, option, "-")
        assert code == 0, err
        assert "," in out.splitlines()[0] and "SLA as of" not in out and "SLA as of" in err
        assert len({len(r) for r in csv.reader(io.StringIO(out))}) == 1  # one table
    code, out, err = run(capsys, *base, "--out", "-", "--breaches", "-")
    assert code == cli.EXIT_USAGE and out == "" and "--out and --breaches" in err


def test_unattributed_revenue_and_na_reasons_survive_quiet_and_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    touches = tmp_path / "t.csv"
    touches.write_text("lead_id,timestamp,channel\nA,2024-03-01T10:00:00Z,email\n"
                       "B,2024-01-01T10:00:00Z,social\n")  # fmt: skip
    conv = tmp_path / "c.csv"
    conv.write_text("lead_id,converted_at,revenue\nA,2024-03-03T09:30:00Z,100\n"
                    "B,2024-03-05T00:00:00Z,50\n")  # fmt: skip
    for extra in ([], ["--out", str(tmp_path / "a.csv")], ["--level", "touch"]):
        code, _, err = run(capsys, "attribute", str(touches), "--conversions", str(conv),
                           "--lookback", "30d", "-q", *extra)  # fmt: skip
        assert code == 0, err
        assert err == (
            "revenue 150.00 converted; 100.00 attributed, 50.00 unattributed "
            "(outside lookback 50.00)\n"
        )
    leads = tmp_path / "l.csv"
    leads.write_text("lead_id,created_at,source\nA,2024-03-01T00:00:00Z,web\n")
    code, _, err = run(capsys, "closed-loop", str(leads), "--out", str(tmp_path / "cl.json"), "-q")
    assert code == 0, err
    assert "closed loop: n/a: mqls: the leads have no mql_at column" in err
    assert "data quality: 0 duplicate" in err and "wrote" not in err


def test_score_warns_of_touches_without_points(
    leads: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    touches = tmp_path / "touches.csv"
    touches.write_text("lead_id,timestamp,channel\nA,2024-03-03T00:00:00Z,Webinar\n"
                       "B,2024-03-03T00:00:00Z,Email\n")  # fmt: skip
    code, _, err = run(capsys, "score", str(leads), "--touchpoints", str(touches), "-q")
    assert code == 0, err
    warning = [ln for ln in err.splitlines() if ln.startswith("alignment: warning: ")]
    assert len(warning) == 1, err
    for needle in ("2 touch(es) add no interest", "'Email', 'Webinar'", "'channel' was read",
                   "interest_points", "--map YOURS=kind"):  # fmt: skip
        assert needle in warning[0]


def test_plan_periods_are_written_beside_the_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    out = tmp_path / "plan.json"
    code, printed, err = run(capsys, *PLAN, "--rate", "lead=0.5", "--periods", "3",
                             "--out", str(out))  # fmt: skip
    assert code == 0 and printed == "", err
    periods = json.loads((tmp_path / "plan-periods.json").read_text())
    assert [r["period"] for r in periods] == [1, 2, 3]
    assert sum(r["customers"] for r in periods) == pytest.approx(100.0)
    assert f"wrote per-period plan to {tmp_path / 'plan-periods.json'}" in err
    code, _, err = run(capsys, *PLAN, "--rate", "lead=0.5", "--out", str(out), "-q")
    assert code == 0 and err == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["attribute", "{t}", "--out", "{o}.csv"],
        ["funnel", "observe", "{l}", "--stages", "created_at,mql_at", "--out", "{o}.csv"],
        [*PLAN, "--rate", "lead=0.5", "--out", "{o}.csv"],
        ["score", "{l}", "--out", "{o}.csv"],
    ],
)
def test_wrote_is_progress(
    argv: list[str], touches: Path, leads: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    args = [a.format(t=touches, l=leads, o=tmp_path / "x") for a in argv]
    code, _, err = run(capsys, *args)
    assert code == 0 and f"to {tmp_path / 'x'}.csv" in err, err
    code, _, err = run(capsys, *args, "-q")
    assert code == 0 and "wrote" not in err, err


def test_python_m_alignment_runs_the_command() -> None:
    import os
    import subprocess
    import sys

    import alignment

    src = str(Path(alignment.__file__).parents[1])  # the package under test, not another copy
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "alignment", "--version"], capture_output=True,
                          text=True, check=False, env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"alignment {alignment.__version__}"
