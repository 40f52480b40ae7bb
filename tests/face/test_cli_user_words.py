"""The command line shows the user's data as given: its hints rewrite only the library's advice.

Channel names, option values and plugin names of the form ``name=value`` (the spelling of a
Python keyword argument) are the user's, never rewritten into options; an internal lookup that
fails is reported as a bug, not as its bare key.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from alignment import plugins
from alignment.cli import _main as cli
from alignment.cli._common import WarningPrinter
from alignment.cli._hints import cli_hint

from ._cli import run

TOUCHES = (
    "lead_id,timestamp,channel,converted_at,revenue\n"
    "L1,2024-01-01T00:00:00Z,by=1,2024-01-05T00:00:00Z,100\n"
    "L2,2024-01-01T00:00:00Z,model=2024,2024-01-05T00:00:00Z,50\n"
    "L3,2024-01-01T00:00:00Z,tz=True,2024-01-05T00:00:00Z,25\n"
)
HOSTILE = ["by=1", "model=2024", "tz=True"]


@pytest.fixture
def touches(tmp_path: Path) -> Path:
    path = tmp_path / "t.csv"
    path.write_text(TOUCHES, encoding="utf-8")
    return path


def test_printed_table_shows_channels_as_given(
    touches: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "attribute", str(touches), "-q")
    assert code == 0, err
    rows = [ln.split()[0] for ln in out.strip().splitlines()[2:]]
    assert rows == HOSTILE
    assert "--by" not in out and "--model" not in out and "--tz" not in out


@pytest.mark.parametrize(
    ("argv", "shown", "never"),
    [
        (["--by", "time=1"], ["cannot group by 'time=1'", "--leads FILE"], ["--time-col", "leads="]),
        (["--model", "model=1"], ["unknown attribution model 'model=1'"], ["--model 1"]),
        (["--model", "tz=True"], ["'tz=True'"], ["--tz true"]),
    ],
)  # fmt: skip
def test_errors_quote_the_users_values_as_given(
    argv: list[str], shown: list[str], never: list[str], touches: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    code, _, err = run(capsys, "attribute", str(touches), "-q", *argv)
    assert code == cli.EXIT_ERROR and len(err.strip().splitlines()) == 1, err
    for text in shown:
        assert text in err, (text, err)
    for text in never:
        assert text not in err, (text, err)


def test_the_command_lines_own_examples_stay_as_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "funnel", "plan", "--target", "1", "--deal-size", "1", "--rate", "x")
    assert code != 0
    assert "(e.g. lead=0.04)" in err and "--lead-id" not in err


def test_plugin_names_in_warnings_are_shown_as_given(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(plugins.ENV_VAR, "by=1")
    plugins.reset_plugins()
    try:
        code, _, err = run(capsys, "plugins")
    finally:
        monkeypatch.delenv(plugins.ENV_VAR)
        plugins.reset_plugins()
    assert code == 0
    assert "plugin 'by=1'" in err and "--by 1" not in err


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # quoted text is the user's: never rewritten, whatever it holds
        ("cannot group by 'time=1'", "cannot group by 'time=1'"),
        ("unknown channel \"by='x'\"", "unknown channel \"by='x'\""),
        ("bad value: \"it's by=1\"; fix: pass dayfirst=True", "bad value: \"it's by=1\"; fix: pass --dayfirst true"),
        ("'--by a / --by a' and by='a' / by='a'", "'--by a / --by a' and --by a"),
        ("the leads' by='x' column", "the leads' --by x column"),  # an apostrophe quotes nothing
        # advice that is not an option's value stays as the library wrote it
        ("e.g. lead=0.04", "e.g. lead=0.04"),
        ("time=1", "time=1"),
        ("lead='my_id'", "--lead-id my_id"),
        ("need the leads: pass attribute(leads=...)", "need the leads: pass --leads FILE"),
    ],
)  # fmt: skip
def test_cli_hint_rewrites_only_the_librarys_advice(text: str, want: str) -> None:
    assert cli_hint(text) == want


def test_warning_printer_keeps_quoted_values(capsys: pytest.CaptureFixture[str]) -> None:
    WarningPrinter()("channel 'tz=UTC' read; fix: pass tz='America/New_York'")
    err = capsys.readouterr().err
    assert err == "alignment: warning: channel 'tz=UTC' read; fix: pass --tz America/New_York\n"


@pytest.mark.parametrize("exc", [KeyError("deal_id"), IndexError("index 3 is out of bounds")])
def test_a_bare_lookup_error_is_an_internal_error(
    exc: Exception, capsys: pytest.CaptureFixture[str]
) -> None:
    def handler(_: argparse.Namespace) -> int:
        raise exc

    code = cli._run(argparse.Namespace(handler=handler, debug=False))
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == cli.EXIT_ERROR and len(lines) == 1, err
    assert lines[0].startswith(f"alignment: internal error: {type(exc).__name__}: ")
    assert "bug" in lines[0] and "report" in lines[0] and "--debug" in lines[0]


def test_report_of_a_folder_with_leads_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "leads.csv").write_text(
        "lead_id,created_at,source,mql_at,won_at\n"
        "L1,2024-01-01T00:00:00Z,web,2024-01-02T00:00:00Z,\n"
        "L2,2024-01-03T00:00:00Z,ads,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.html"
    code, _, err = run(capsys, "report", str(tmp_path), "--out", str(out), "-q")
    assert code == 0, err
    assert "error" not in err
    assert out.stat().st_size > 0 and "</html>" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("revenue", "option", "instead"),
    [
        ("2024-03-05,50", "--tz", "write every instant of the column with its offset"),
        ('2024-03-05T00:00:00Z,"50,00"', "--decimal", "write the amounts with a decimal point"),
    ],
)
def test_plain_files_fix_says_what_works_without_preset(
    revenue: str, option: str, instead: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    touches = tmp_path / "t.csv"
    touches.write_text("lead_id,timestamp,channel\nA,2024-03-01T10:00:00Z,email\n"
                       "B,2024-03-02T10:00:00Z,social\n")  # fmt: skip
    conv = tmp_path / "c.csv"
    conv.write_text(f'lead_id,converted_at,revenue\nA,2024-03-03T09:30:00Z,"1.234,56"\nB,{revenue}\n'
                    if option == "--decimal" else
                    f"lead_id,converted_at,revenue\nA,2024-03-03T09:30:00Z,100\nB,{revenue}\n")  # fmt: skip
    code, _, err = run(capsys, "attribute", str(touches), "--conversions", str(conv), "-q")
    assert code == cli.EXIT_ERROR
    assert f"{option} applies to a CRM export (--preset) only: in a plain file, {instead}" in err
    # where the option applies (a CRM export), the hint is the library's alone
    assert cli_hint("fix: pass tz= (the zone)", options={"--tz"}) == "fix: pass --tz (the zone)"
