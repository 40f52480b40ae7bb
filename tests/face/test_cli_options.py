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
