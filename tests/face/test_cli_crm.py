"""The command line on a CRM's export (``--preset``), column maps, formats, hints and warnings.

Every command runs in-process through ``main``; one smoke test runs the console script.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alignment
from alignment import plugins
from alignment._colnames import NAME_IT
from alignment.base import AttributionModel
from alignment.cli import _main as cli
from alignment.cli import main, read_columns, write_columns
from alignment.cli._hints import COLUMN_FLAGS, FLAGS, cli_hint
from alignment.cli._text import text_table
from alignment.datasets import SyntheticCRM

from ._cli import run

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = ROOT / "examples" / "exports"
DOCS = ROOT / "docs"

#: how each example export is read: the options of the command line, and read_crm's
READS: dict[str, tuple[list[str], dict[str, Any]]] = {
    "salesforce": (
        ["--tz", "America/New_York", "--dayfirst", "false", "--map", "Lead.MQL_Date__c=mql_at"],
        {"tz": "America/New_York", "dayfirst": False,
         "columns": {"Lead": {"MQL_Date__c": "mql_at"}}},
    ),
    "hubspot": (
        ["--tz", "America/New_York", "--map", "activities.contact_id=lead_id",
         "--map", "activities.type=kind", "--map", "activities.owner=rep"],
        {"tz": "America/New_York",
         "columns": {"activities": {"contact_id": "lead_id", "type": "kind", "owner": "rep"}}},
    ),
}  # fmt: skip

AGREEMENT = """name = "Inbound"
[marketing]
qualified_leads = 20
period = "M"
delivered_at = "mql_at"
[sales.first_touch]
within = "2d"
"""


def preset_args(name: str) -> list[str]:
    return [str(EXPORTS / name), "--preset", name, *READS[name][0], "-q"]


@pytest.fixture(scope="module")
def crms() -> dict[str, Any]:
    """The example exports as the library reads them."""
    return {
        name: alignment.io.read_crm(name, EXPORTS / name, **kw) for name, (_, kw) in READS.items()
    }


@pytest.fixture
def agreement(tmp_path: Path) -> Path:
    p = tmp_path / "inbound.toml"
    p.write_text(AGREEMENT, encoding="utf-8")
    return p


def assert_usage_error(code: int, err: str, *needles: str) -> None:
    assert code == cli.EXIT_USAGE, err
    line = err.strip().splitlines()[-1]
    assert line.startswith("alignment"), err
    for needle in needles:
        assert needle in line, (needle, line)


# ------------------------------------------------------------------ the report of an export


def test_report_of_the_salesforce_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "review.html"
    code, stdout, err = run(
        capsys, "report", "--preset", "salesforce", str(EXPORTS / "salesforce"),
        "--tz", "America/New_York", "--dayfirst", "false", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text
    for section in ("<h2>Funnel", "<h2>Attribution by channel", "<h2>Closed loop"):
        assert section in text
    assert "Report:" in stdout and "201 persons" in stdout
    # the read's findings are listed on stderr, one per kind and table
    assert "duplicate person" in err and "task of an unknown person" in err


def test_report_matches_write_report(
    crms: dict[str, Any], agreement: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command writes what ``write_report(crm, path, sla=...)`` writes (but the time)."""
    out = tmp_path / "cli.html"
    args = [*preset_args("hubspot"), "--sla", str(agreement), "--out", str(out)]
    code, _, err = run(capsys, "report", *args)
    assert code == 0, err
    lib = alignment.write_report(crms["hubspot"], tmp_path / "lib.html", sla=str(agreement))
    stamp = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?( UTC)?")
    assert stamp.sub("", out.read_text("utf-8")) == stamp.sub("", lib.read_text("utf-8"))


def test_report_of_a_folder_of_our_tables(
    small_crm: SyntheticCRM, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "crm"
    folder.mkdir()
    for name, table in small_crm.tables().items():
        write_columns(folder / f"{name}.csv", table)
    out = tmp_path / "r.html"
    code, stdout, err = run(capsys, "report", str(folder), "--out", str(out), "-q")
    assert code == 0, err
    assert f"{small_crm.n_leads:,} persons" in stdout
    assert out.read_text("utf-8").count("<h2>") >= 3
    # the folder's bundle is the data set's: the same attribution
    from alignment.cli._common import Progress
    from alignment.cli._inputs import Inputs

    args = cli.build_parser().parse_args(["report", str(folder)])
    crm = Inputs(args, Progress(False)).own_bundle(str(folder))
    assert crm.n_leads == small_crm.n_leads
    got = alignment.attribute(crm).totals()
    want = alignment.attribute(small_crm).totals()
    assert got.keys() == want.keys()
    assert all(got[k] == pytest.approx(want[k]) for k in want)


def test_an_export_without_pyarrow_is_one_error_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # (as Python sees a missing package)
    code, _, err = run(capsys, "attribute", *preset_args("salesforce"))
    assert code == cli.EXIT_ERROR
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("alignment: error: reading the salesforce export")
    assert lines[0].endswith("needs PyArrow for CSV and Parquet files: pip install pyarrow")


def test_report_folder_without_leads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "report", str(tmp_path), "--out", str(tmp_path / "r.html"))
    assert code == cli.EXIT_ERROR and "no leads file" in err and "--preset" in err
    assert not (tmp_path / "r.html").exists()


def test_console_script_reads_an_export(tmp_path: Path) -> None:
    exe = shutil.which("alignment", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "alignment.cli"]
    out = tmp_path / "x.html"
    done = subprocess.run(
        [*cmd, "report", "--preset", "salesforce", str(EXPORTS / "salesforce"),
         "--tz", "America/New_York", "--dayfirst", "false", "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 10_000
    assert "Traceback" not in done.stderr and "warning" not in done.stderr.lower()


# ------------------------------------------------------------------ every command on both exports


@pytest.mark.parametrize("name", sorted(READS))
def test_attribute_on_an_export(
    name: str, crms: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "credit.csv"
    code, _, err = run(capsys, "attribute", *preset_args(name), "--model", "linear",
                       "--out", str(out))  # fmt: skip
    assert code == 0, err
    table = read_columns(out)
    want = alignment.attribute(crms[name], model="linear").totals(by="channel")
    got = dict(zip(table["channel"].tolist(), table["revenue"].tolist()))
    assert got.keys() == want.keys()
    assert all(got[k] == pytest.approx(want[k]) for k in want)
    assert sum(got.values()) == pytest.approx(float(crms[name].conversions["revenue"].sum()))


@pytest.mark.parametrize("name", sorted(READS))
def test_score_on_an_export(
    name: str, crms: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scores.parquet"
    code, _, err = run(capsys, "score", *preset_args(name), "--out", str(out))
    assert code == 0, err
    got = read_columns(out)
    want = alignment.score(crms[name]).to_frame(backend="dict")
    assert got.column("lead_id").to_pylist() == list(want["lead_id"])
    assert got.column("cell").to_pylist() == list(want["cell"])


@pytest.mark.parametrize("name", sorted(READS))
def test_funnel_observe_on_an_export(
    name: str, crms: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "funnel.json"
    code, _, err = run(capsys, "funnel", "observe", *preset_args(name), "--out", str(out))
    assert code == 0, err
    rows = json.loads(out.read_text("utf-8"))
    want = alignment.funnel.observe(crms[name]).to_frame(backend="dict")
    assert [r["to_stage"] for r in rows] == list(want["to_stage"])
    assert [r["converted"] for r in rows] == [int(v) for v in want["converted"]]
    assert "mql" in [r["to_stage"] for r in rows]  # the mapped custom MQL field (Salesforce)


@pytest.mark.parametrize("name", sorted(READS))
def test_closed_loop_on_an_export(
    name: str, crms: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "loop.csv"
    code, _, err = run(capsys, "closed-loop", *preset_args(name), "--allocate", "leads",
                       "--out", str(out))  # fmt: skip
    assert code == 0, err
    got = read_columns(out)
    want = alignment.closed_loop(crms[name], by="source", allocate="leads").table.to_frame("dict")
    assert got["source"].tolist() == list(want["source"])
    assert np.allclose(got["revenue"], want["revenue"], equal_nan=True)
    assert np.nansum(got["cost"]) == pytest.approx(float(crms[name].costs["cost"].sum()))
    code, text, _ = run(capsys, "closed-loop", *preset_args(name))
    assert code == 0 and "data quality:" in text
    assert "allocate=" not in text  # the engine's notes in the command line's words


@pytest.mark.parametrize("name", sorted(READS))
def test_sla_on_an_export(
    name: str, crms: dict[str, Any], agreement: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    out = tmp_path / "status.csv"
    # the export's folder after the options, as after the agreement
    argv = ["sla", str(agreement), "--preset", name, str(EXPORTS / name), *READS[name][0]]
    code, text, err = run(capsys, *argv, "-q", "--out", str(out))
    assert code == 0, err
    report = alignment.sla.evaluate(str(agreement), crms[name])
    assert f"{report.summary()['breaches']:,} breaches" in text
    assert len(read_columns(out)["lead_id"]) == crms[name].n_leads


def test_docs_attribute_excerpt_is_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    """The output shown under the preset examples of docs/cli.md is what the command prints."""
    text = (DOCS / "cli.md").read_text("utf-8")
    excerpt = text.split("The second command prints:")[1].split("```text\n")[1].split("```")[0]
    code, out, _ = run(capsys, "attribute", str(EXPORTS / "salesforce"), "--preset", "salesforce",
                       "--tz", "America/New_York", "--dayfirst", "false", "--model", "first",
                       "--model", "last", "--model", "linear", "-q")  # fmt: skip
    assert code == 0
    assert out.strip("\n") == excerpt.strip("\n")


# ------------------------------------------------------------------ --map and column options


def test_map_qualified_and_unqualified_agree(capsys: pytest.CaptureFixture[str]) -> None:
    base = [str(EXPORTS / "salesforce"), "--preset", "salesforce", "--dayfirst", "false", "-q"]
    outs = []
    for m in ("Lead.MQL_Date__c=mql_at", "MQL_Date__c=mql_at", "lead.mql_date__c=mql_at"):
        code, out, err = run(capsys, "funnel", "observe", *base, "--map", m)
        assert code == 0, err
        outs.append(out)
    assert outs[0] == outs[1] == outs[2] and "mql" in outs[0]
    code, out, _ = run(capsys, "funnel", "observe", *base)
    assert code == 0 and " mql " not in out  # without the map, no MQL stage


def test_map_drops_a_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = [str(EXPORTS / "salesforce"), "--preset", "salesforce", "--dayfirst", "false", "-q"]
    code, _, err = run(capsys, "closed-loop", *base, "--by", "industry")
    assert code == 0, err
    code, _, err = run(capsys, "closed-loop", *base, "--by", "industry", "--map", "Industry=")
    assert code == cli.EXIT_ERROR and "industry" in err


@pytest.mark.parametrize(
    ("option", "needles"),
    [
        ("Lead.MQL_Date=mql_at", ["'MQL_Date'", "did you mean 'MQL_Date__c'"]),
        ("Nope=mql_at", ["'Nope'", "TABLE.COLUMN", "Lead"]),
        ("nonsense", ["THEIRS=OURS"]),
    ],
)
def test_map_naming_no_column_is_an_error(
    option: str, needles: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "funnel", "observe", str(EXPORTS / "salesforce"), "--preset",
                       "salesforce", "--dayfirst", "false", "--map", option)  # fmt: skip
    assert code == cli.EXIT_ERROR
    assert len(err.strip().splitlines()) == 1
    for needle in needles:
        assert needle in err


@pytest.mark.parametrize(
    ("maps", "needles"),
    [
        (
            ["--map", "a=created_at", "--map", "b=created_at"],
            ["--map a=created_at", "--map b=created_at", "'created_at'"],
        ),
        (["--map", "a=created_at", "--created-at", "b"], ["--map a=created_at", "--created-at b"]),
        (
            ["--map", "a=created_at", "--map", "a=sql_at"],
            ["--map a=created_at", "--map a=sql_at", "'a'"],
        ),
    ],
)
@pytest.mark.parametrize("ending", [".csv", ".parquet"])
def test_two_maps_on_one_column_are_refused(
    maps: list[str], needles: list[str], ending: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    leads = tmp_path / f"leads{ending}"
    day = np.datetime64("2024-03-01T00:00:00", "us")
    write_columns(leads, {"lead_id": np.array(["A", "B"], dtype=object),
                          "a": np.array([day, day + 1]), "b": np.array([day, day + 2]),
                          "mql_at": np.array([day + 5, day + 6])})  # fmt: skip
    code, out, err = run(capsys, "funnel", "observe", str(leads), "--stages", "created_at,mql_at",
                         *maps, "-q")  # fmt: skip
    assert code == cli.EXIT_USAGE and out == "", err
    for needle in needles:
        assert needle in err


def test_two_maps_on_one_export_column_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "funnel", "observe", str(EXPORTS / "salesforce"), "--preset",
                       "salesforce", "--dayfirst", "false", "--map", "Lead.MQL_Date__c=mql_at",
                       "--map", "Lead.MQL_Date__c=sql_at")  # fmt: skip
    assert code == cli.EXIT_USAGE
    assert "--map Lead.MQL_Date__c=mql_at and --map Lead.MQL_Date__c=sql_at" in err
    # the same map twice drops nothing
    code, _, err = run(capsys, "funnel", "observe", str(EXPORTS / "salesforce"), "--preset",
                       "salesforce", "--dayfirst", "false", "--map", "Lead.MQL_Date__c=mql_at",
                       "--map", "MQL_Date__c=mql_at", "-q")  # fmt: skip
    assert code == 0, err


def renamed(columns: dict[str, np.ndarray], names: dict[str, str]) -> dict[str, np.ndarray]:
    return {names.get(k, k): v for k, v in columns.items()}


def test_map_renames_plain_files(
    crm_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    touches = tmp_path / "t.csv"
    write_columns(touches, renamed(read_columns(crm_files["touchpoints"]), {"timestamp": "when"}))
    conv = str(crm_files["conversions"])
    code, want, _ = run(capsys, "attribute", str(crm_files["touchpoints"]), "--conversions", conv,
                        "-q")  # fmt: skip
    assert code == 0
    for extra in (["--map", "when=timestamp"], ["--map", "touchpoints.when=timestamp"],
                  ["--time-col", "when"]):  # fmt: skip
        code, got, err = run(capsys, "attribute", str(touches), "--conversions", conv, "-q", *extra)
        assert code == 0, err
        assert got == want
    # a map for another table, or of a column no file has, is an error (not ignored)
    for bad in ("leads.when=timestamp", "whn=timestamp"):
        code, _, err = run(capsys, "attribute", str(touches), "--conversions", conv, "--map", bad)
        assert code == cli.EXIT_ERROR and "no table read has a column" in err, err
    code, _, err = run(capsys, "attribute", str(touches), "--map", "channel=campaign")
    assert code == cli.EXIT_ERROR and "has a 'campaign' column already" in err


@pytest.mark.parametrize("command", [["funnel", "observe"], ["score"], ["sla"]])
def test_lead_id_and_created_at_options(
    command: list[str], crm_files: dict[str, Path], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    leads = tmp_path / "leads.csv"
    names = {"lead_id": "Contact ID", "created_at": "Created"}
    write_columns(leads, renamed(read_columns(crm_files["leads"]), names))
    sla = ["--activities", str(crm_files["activities"]), "--as-of", "2024-04-01T00:00:00Z"]

    def argv(path: Path) -> list[str]:
        if command == ["sla"]:
            return ["sla", str(crm_files["sla"]), "--leads", str(path), *sla, "-q"]
        return [*command, str(path), "-q"]

    code, want, _ = run(capsys, *argv(crm_files["leads"]))
    assert code == 0
    code, _, err = run(capsys, *argv(leads))
    assert code == cli.EXIT_ERROR
    assert "--lead-id YOURS" in err or "--created-at YOURS" in err
    code, got, err = run(capsys, *argv(leads), "--lead-id", "Contact ID", "--created-at", "Created")
    assert code == 0, err
    assert got == want


def test_funnel_default_stages_are_pythons(
    crm_files: dict[str, Path], small_crm: SyntheticCRM, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "funnel", "observe", str(crm_files["leads"]), "--out", "-", "-q")
    assert code == 0
    rows = [ln.split(",") for ln in out.strip().splitlines()[1:]]
    want = alignment.funnel.observe(small_crm.leads).to_frame(backend="dict")
    assert [r[1] for r in rows] == list(want["to_stage"])
    assert len(rows) == len(alignment.funnel.DEFAULT_STAGES) - 1
    with pytest.raises(SystemExit):
        main(["funnel", "observe", "--help"])
    assert ",".join(alignment.funnel.DEFAULT_STAGES) in capsys.readouterr().out.replace("\n", "")


# ------------------------------------------------------------------ usage errors and hints


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["funnel", "observe", "LEADS", "--tz", "UTC"], ["--tz", "--preset"]),
        (["score", "LEADS", "--dayfirst", "true", "--decimal", ","], ["--dayfirst, --decimal"]),
        (["sla", "A.toml", "--leads", "L.csv"], ["--activities", "--as-of"]),
        (["sla", "A.toml", "EXPORT"], ["--preset"]),
        (["sla", "A.toml", "--preset", "hubspot", "X", "--leads", "L.csv"], ["--leads"]),
        (["funnel", "observe", "LEADS", "--won-stage", "Won"], ["--won-stage", "--preset"]),
        (
            ["attribute", "SF", "--preset", "salesforce", "--dayfirst", "false", "--time-col", "t"],
            ["--time-col", "--map"],
        ),
        (
            ["attribute", "SF", "--preset", "salesforce", "--dayfirst", "false", "--leads", "L"],
            ["--leads"],
        ),
        (
            ["closed-loop", "SF", "--preset", "salesforce", "--dayfirst", "false", "--deals", "D"],
            ["--deals"],
        ),
        (
            ["score", "SF", "--preset", "salesforce", "--dayfirst", "false", "--touchpoints", "T"],
            ["--touchpoints"],
        ),
    ],
)
def test_options_that_do_not_go_together(
    argv: list[str], needles: list[str], crm_files: dict[str, Path], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    files = {
        "LEADS": str(crm_files["leads"]),
        "A.toml": str(crm_files["sla"]),
        "SF": str(EXPORTS / "salesforce"),
    }
    code, _, err = run(capsys, *(files.get(a, a) for a in argv))
    assert_usage_error(code, err, *needles)


def test_slash_dates_hint_says_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "report", str(EXPORTS / "salesforce"), "--preset", "salesforce",
                       "--out", "never.html")  # fmt: skip
    assert code == cli.EXIT_ERROR and len(err.strip().splitlines()) == 1
    assert "--dayfirst true" in err and "--dayfirst false" in err and "--date-format" in err
    assert "dayfirst=" not in err and "date_format=" not in err
    assert not Path("never.html").exists()


def test_missing_column_hint_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "t.csv"
    f.write_text("lead_id,when,channel\na,2024-01-01T00:00:00Z,email\n", encoding="utf-8")
    code, _, err = run(capsys, "attribute", str(f))
    assert "--time-col YOURS" in err and "time=" not in err
    leads = tmp_path / "l.csv"
    leads.write_text("id,created_at\na,2024-01-01T00:00:00Z\n", encoding="utf-8")
    code, _, err = run(capsys, "funnel", "observe", str(leads))
    assert code == cli.EXIT_ERROR and "--lead-id YOURS" in err


def test_markov_touch_level_hint(
    crm_files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "attribute", str(crm_files["touchpoints"]), "--conversions",
                       str(crm_files["conversions"]), "--model", "markov", "--by", "campaign")  # fmt: skip
    assert code == cli.EXIT_ERROR
    assert "--by campaign needs per-touch weights" in err and "use --by channel" in err
    assert "by=" not in err and "level=" not in err


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("pass dayfirst=True", "pass --dayfirst true"),
        ("e.g. won_stages=['Closed Won']", "e.g. --won-stage 'Closed Won'"),
        ("pass won_stages=[...] naming", "pass --won-stage naming"),
        ("pass rates={currency: factor}", "pass --currency-rate CURRENCY=FACTOR"),
        ("use allocate='leads' or allocate='revenue'", "use --allocate leads or --allocate revenue"),
        ("totals(by='campaign') needs", "--by campaign needs"),
        ("(decimal=',')", "(--decimal ,)"),
        ("keep --param half_life=7d and first_share=0.5", "keep --param half_life=7d and first_share=0.5"),
        ("my_by='x' stays", "my_by='x' stays"),
    ],
)  # fmt: skip
def test_cli_hint_table(text: str, want: str) -> None:
    assert cli_hint(text) == want


def test_cli_hint_generic_column_hint() -> None:
    generic = f"fix: {NAME_IT}"
    assert cli_hint(generic, column="created_at").endswith("name yours with --created-at YOURS")
    assert cli_hint(generic, column="kind").endswith("name yours with --map YOURS=kind")
    assert cli_hint(generic, column="timestamp", options={"--map"}).endswith(
        "--map YOURS=timestamp"
    )
    assert "--map activities.THEIRS=lead_id" in cli_hint(
        "map their column with columns={...}", column="lead_id", table="activities"
    )
    # a column no parameter of the function renames: on the command line --map does
    fixed = "fix: rename the column (the names of this table's columns are fixed)"
    assert cli_hint(fixed, column="won", table="deals") == (
        "fix: rename the column or name yours with --map YOURS=won"
    )


def test_every_hint_option_exists() -> None:
    """The table names only options the command line has (so a hint is never stale)."""
    parser = cli.build_parser()
    seen: set[str] = set()
    stack = [parser]
    while stack:  # a walk over the parsers (tiny)
        p = stack.pop()
        seen |= set(p._option_string_actions)
        for action in p._actions:
            if action.choices and isinstance(action.choices, dict):
                stack += [c for c in action.choices.values() if hasattr(c, "_actions")]
    assert set(FLAGS.values()) <= seen
    assert set(COLUMN_FLAGS.values()) <= seen


# ------------------------------------------------------------------ output formats


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["funnel", "plan", "--target", "1000", "--deal-size", "10", "--rate", "lead=0.1"], "p.xlsx"),
        (["attribute", "T.csv"], "a.txt"),
        (["report", "F", "--preset", "salesforce"], "r.csv"),
        (["demo", "--leads", "100"], "d.pdf"),
    ],
)  # fmt: skip
def test_out_extension_is_checked_first(
    argv: list[str], name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / name
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--out", str(target)])
    assert exc.value.code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    kinds = (".html",) if name[0] in "rd" else (".csv", ".parquet", ".json")
    assert all(k in err for k in kinds), err
    assert not target.exists()


def test_write_columns_refuses_other_endings(tmp_path: Path) -> None:
    with pytest.raises(cli.CLIError, match=r"\.csv.*\.parquet.*\.json"):
        write_columns(tmp_path / "x.xlsx", {"a": np.array([1.0])})
    assert not (tmp_path / "x.xlsx").exists()


def test_json_output_matches_csv(
    crm_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["funnel", "observe", str(crm_files["leads"]), "--by", "source", "-q", "--out"]
    assert main([*base, str(tmp_path / "f.json")]) == 0
    assert main([*base, str(tmp_path / "f.csv")]) == 0
    rows = json.loads((tmp_path / "f.json").read_text("utf-8"))
    table = read_columns(tmp_path / "f.csv")
    assert len(rows) == len(table["source"])
    for name, values in table.items():
        got = [r[name] for r in rows]
        if values.dtype.kind == "f":
            want = [None if np.isnan(v) else v for v in values.tolist()]
            assert got == pytest.approx(want, nan_ok=True) if None not in want else got == want
        else:
            assert got == values.tolist()


def _json_cell(v: Any) -> Any:
    """Plain-Python twin of the JSON writer's cell (NaN -> null, instants ISO UTC)."""
    if isinstance(v, float):
        return None if v != v else v
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else str(v.astype("datetime64[s]")) + "Z"
    return v


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(max_size=6)),
            st.floats(allow_infinity=False, width=32),
            st.booleans(),
            st.one_of(st.none(), st.integers(0, 10**9)),
        ),
        max_size=15,
    )
)
def test_json_writer_twin(
    rows: list[tuple[Any, ...]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    text = np.array([r[0] for r in rows], dtype=object)
    num = np.array([r[1] for r in rows], dtype=np.float64)
    flag = np.array([r[2] for r in rows], dtype=bool)
    at = np.array(
        [np.datetime64("NaT") if r[3] is None else np.datetime64(r[3], "s") for r in rows],
        dtype="datetime64[us]",
    )
    cols = {"text": text, "num": num, "flag": flag, "at": at}
    frozen = {k: v.copy() for k, v in cols.items()}
    p = tmp_path_factory.mktemp("json") / "x.json"
    write_columns(p, cols)
    got = json.loads(p.read_text("utf-8"))
    want = [
        {"text": t, "num": _json_cell(float(n)), "flag": bool(f), "at": _json_cell(a)}
        for t, n, f, a in zip(text.tolist(), num, flag, at)
    ]
    assert got == want
    for k, v in cols.items():  # the caller's columns are not changed
        assert np.array_equal(v, frozen[k], equal_nan=v.dtype.kind in "fM")


# ------------------------------------------------------------------ help, warnings, tables


class _Tiny(AttributionModel):
    description: ClassVar[str] = "all credit to the first touch (a test plugin)"

    def weights(self, journeys: Any) -> np.ndarray:
        return np.zeros(journeys.n_touches)


class _TinyPlugin:
    @alignment.hookimpl
    def register_attribution_models(self, register: Any) -> None:
        register(_Tiny, name="tiny_cli_model")


@pytest.fixture
def clean_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(plugins.ENV_VAR, raising=False)
    plugins.reset_plugins()
    yield
    plugins.reset_plugins()


def test_attribute_help_lists_the_models(
    clean_plugins: None, capsys: pytest.CaptureFixture[str]
) -> None:
    pm = plugins.plugin_manager()
    pm.register(_TinyPlugin(), name="tiny_cli")
    try:
        with pytest.raises(SystemExit) as exc:
            main(["attribute", "--help"])
    finally:
        pm.unregister(name="tiny_cli")
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in alignment.attribution_models():
        assert re.search(rf"^  {name}\s", out, re.M), name
    assert re.search(
        r"^  tiny_cli_model\s+all credit to the first touch \(a test plugin\)", out, re.M
    )


def test_plugin_warning_is_printed_once(
    clean_plugins: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(plugins.ENV_VAR, "no_such_plugin")
    for argv in (["plugins"], ["plugins", "--json"]):
        plugins.reset_plugins()
        code, _, err = run(capsys, *argv)
        assert code == 0
        lines = [ln for ln in err.splitlines() if "no_such_plugin" in ln]
        assert len(lines) == 1, err
        assert lines[0].startswith("alignment: warning: plugin 'no_such_plugin'")
        assert ".py" not in err and "AlignmentWarning" not in err


def test_tables_on_a_terminal_and_off() -> None:
    cols = {"name": ["a", "bb"], "n": [1, 1000]}
    plain = text_table(cols, terminal=False)
    assert "\x1b" not in plain and plain.isascii()
    assert plain.splitlines()[1].strip() == "-" * len(plain.splitlines()[1].strip())
    tty = text_table(cols, terminal=True)
    assert "\x1b[1m" in tty and "─" in tty  # a bold header over a rule
    assert re.sub(r"\x1b\[[0-9;]*m", "", tty).splitlines()[2].split() == ["a", "1"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_and_off() -> None:
    from alignment.cli._common import Progress

    tty = _Terminal()
    with Progress(True, tty).step("counting"):
        pass
    assert "... counting done in" in tty.getvalue()
    failed = _Terminal()
    with pytest.raises(ValueError), Progress(True, failed).step("failing"):
        raise ValueError("no")
    assert "done" not in failed.getvalue()  # a failed step leaves no line behind
    plain = io.StringIO()
    with Progress(True, plain).step("counting"):
        pass
    assert plain.getvalue().startswith("... counting done in ") and "\x1b" not in plain.getvalue()
    quiet = io.StringIO()
    with Progress(False, quiet).step("counting"):
        pass
    assert quiet.getvalue() == ""


def test_warnings_say_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --tz, the export's naive instants are read as UTC: one warning, in CLI words."""
    code, _, err = run(capsys, "funnel", "observe", str(EXPORTS / "salesforce"), "--preset",
                       "salesforce", "--dayfirst", "false", "-q")  # fmt: skip
    assert code == 0
    (line,) = [ln for ln in err.splitlines() if "naive instants" in ln]
    assert line.startswith("alignment: warning: ") and "--tz America/New_York" in line
    assert "tz=" not in line
