"""The face's docs pages: their code runs and the numbers they print are the ones shown."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

import alignment
from alignment.cli import main, write_columns
from alignment.datasets import synthetic_crm

DOCS = Path(__file__).resolve().parents[2] / "docs"
README = DOCS.parent / "README.md"
PAGES = ["index.md", "getting-started.md", "tutorial.md", "cli.md"]
FENCE = re.compile(r"```(\w+)\n(.*?)```", re.S)
MARK = "=====block====="
PAGE = "=====page====="


def blocks(page: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer((DOCS / page).read_text("utf-8"))]


def page_program(page: str) -> tuple[str, list[str | None]]:
    """A page's python blocks as one program (a marker printed before each block), and the
    text block shown right after each (None when there is none)."""
    found = blocks(page)
    code, expected = [], []
    for i, (lang, body) in enumerate(found):
        if lang != "python":
            continue
        code.append(f"print({MARK!r})\n{body}")
        nxt = found[i + 1] if i + 1 < len(found) else None
        expected.append(nxt[1] if nxt and nxt[0] == "text" else None)
    return "\n".join(code), expected


@pytest.fixture(scope="module")
def ran_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the tutorial's and the getting-started page's code in one interpreter each page
    after the other (imports paid once), in a scratch directory."""
    work = tmp_path_factory.mktemp("docs")
    programs, expected = [], {}
    for page in ("tutorial.md", "getting-started.md"):
        code, exp = page_program(page)
        programs.append(f"print({PAGE!r} + {page!r})\n{code}")
        expected[page] = exp
    script = work / "pages.py"
    script.write_text("\n".join(programs), encoding="utf-8")
    res = subprocess.run(
        [sys.executable, str(script)],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    out: dict[str, Any] = {"_work": work}
    for chunk in res.stdout.split(PAGE)[1:]:
        page, _, rest = chunk.partition("\n")
        outputs = rest.split(MARK + "\n")[1:]
        assert len(outputs) == len(expected[page])
        out[page] = (outputs, expected[page])
    return out


def test_tutorial_blocks_print_what_the_page_shows(ran_pages: dict[str, Any]) -> None:
    outputs, expected = ran_pages["tutorial.md"]
    checked = 0
    for out, want in zip(outputs, expected):
        if want is not None:
            assert out.strip() == want.strip()
            checked += 1
    assert checked >= 8
    assert (ran_pages["_work"] / "march-review.html").read_text("utf-8").count("<svg") >= 6


def test_tutorial_agreement_file_is_the_data_sets_agreement() -> None:
    (toml_text,) = [body for lang, body in blocks("tutorial.md") if lang == "toml"]
    from_page = alignment.SLA.from_dict(tomllib.loads(toml_text))
    assert from_page == alignment.SLA.from_dict(synthetic_crm(10_000, seed=0).sla)


def test_getting_started_block_runs(ran_pages: dict[str, Any]) -> None:
    outputs, _ = ran_pages["getting-started.md"]
    assert "{'lead': 2500.0}" in outputs[-1]


def test_cli_page_funnel_example(capsys: pytest.CaptureFixture[str]) -> None:
    shown = [body for lang, body in blocks("cli.md") if lang == "text" and "customers" in body]
    assert main(["funnel", "plan", "--target", "100000", "--deal-size", "1000", "--rate",
                 "lead=0.04"]) == 0  # fmt: skip
    assert capsys.readouterr().out.strip() == shown[0].strip()


def test_cli_page_rules_file_is_accepted(
    crm_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = grid_rules()
    f = tmp_path / "grid.toml"
    f.write_text(rules, encoding="utf-8")
    code = main(["score", str(crm_files["leads"]), "--touchpoints", str(crm_files["touchpoints"]),
                 "--rules", str(f), "-q", "--out", str(tmp_path / "s.csv")])  # fmt: skip
    assert code == 0, capsys.readouterr().err


def shell_commands(page: str) -> list[str]:
    """The ``alignment …`` command lines of a page's bash blocks (continuations joined)."""
    out = []
    for lang, body in blocks(page):
        if lang != "bash":
            continue
        for line in body.replace("\\\n", " ").splitlines():
            line = line.split("&&")[-1].strip()
            if line.startswith("alignment "):
                out.append(line)
    return out


@pytest.fixture(scope="module")
def page_files(
    small_crm: Any, crm_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The files the command-line examples name, made from the small CRM."""
    d = tmp_path_factory.mktemp("cli_page")
    for name, table in {
        "touches.csv": "touchpoints",
        "won.csv": "conversions",
        "leads.csv": "leads",
        "activities.csv": "activities",
        "touches.parquet": "touchpoints",
        "deals.parquet": "deals",
    }.items():
        write_columns(d / name, small_crm.tables()[table])
    write_columns(d / "deals.csv", small_crm.deals)
    (d / "agreement.toml").write_text(crm_files["sla"].read_text("utf-8"), encoding="utf-8")
    (d / "grid.toml").write_text(grid_rules(), encoding="utf-8")
    for lang, body in blocks("cli.md"):  # the files a block names in its first line
        if lang == "toml" and body.startswith("# ") and body.split()[1].endswith(".toml"):
            (d / body.split()[1]).write_text(body, encoding="utf-8")
    (d / "crm").mkdir()  # a folder of our tables (`alignment report crm`)
    for name, table in small_crm.tables().items():
        write_columns(d / "crm" / f"{name}.csv", table)
    shutil.copytree(DOCS.parent / "examples" / "exports", d / "exports")  # --preset examples
    return d


def grid_rules() -> str:
    """The grid rules file of the command-line page (its TOML block with the cuts)."""
    (rules,) = [body for lang, body in blocks("cli.md") if lang == "toml" and "fit_cuts" in body]
    return rules


CLI_EXAMPLES = [(p, c) for p in ("cli.md", "getting-started.md") for c in shell_commands(p)]


def test_cli_examples_are_found() -> None:
    pages = {p for p, _ in CLI_EXAMPLES}
    assert pages == {"cli.md", "getting-started.md"} and len(CLI_EXAMPLES) >= 10
    assert any("--param" in c for _, c in CLI_EXAMPLES)


@pytest.mark.parametrize(("page", "command"), CLI_EXAMPLES, ids=lambda x: x[:60])
def test_cli_page_example_runs(
    page: str,
    command: str,
    page_files: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every command of the pages' bash blocks runs on files like the ones it names."""
    monkeypatch.chdir(page_files)
    args = shlex.split(command)[1:]
    assert main([*args, "-q"]) == 0, f"{command}\n{capsys.readouterr().err}"
    out = capsys.readouterr().out
    written = [args[i + 1] for i, a in enumerate(args) if a in ("--out", "--breaches", "--periods")]
    for name in written:
        assert (page_files / name).stat().st_size > 0, name
    assert written or out.strip()


def demo_output(args: list[str]) -> str:
    """What ``alignment demo ARGS`` prints (without writing the report)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["demo", *args, "--no-report", "-q"]) == 0
    return out.getvalue()


def assert_excerpt(excerpt: str, output: str) -> None:
    """Every line of the excerpt (but ``...``) is a line of the output, in the same order."""
    lines = output.splitlines()
    at = 0
    for line in excerpt.splitlines():
        if not line.strip() or line.strip() == "...":
            continue
        assert line in lines[at:], f"not in the demo's output (in this order): {line!r}"
        at = lines.index(line, at) + 1


def readme_demo_args() -> list[str]:
    """The arguments of the README's demo command, without ``--out FILE``."""
    text = README.read_text("utf-8")
    block = text.split("<!-- demo-command -->")[1].split("<!-- /demo-command -->")[0]
    args = shlex.split(block.split("alignment demo", 1)[1].split("&&")[0].split("`")[0])
    if "--out" in args:
        i = args.index("--out")
        del args[i : i + 2]
    return args


@pytest.fixture(scope="module")
def default_demo() -> str:
    return demo_output([])


def test_cli_page_demo_excerpt_matches_the_demo(default_demo: str) -> None:
    (excerpt,) = [body for lang, body in blocks("cli.md") if lang == "text" and "FUNNEL" in body]
    assert_excerpt(excerpt, default_demo)


def test_readme_demo_excerpt_matches_the_demo(default_demo: str) -> None:
    """The README's excerpt is what its demo command prints (same size and seed)."""
    text = README.read_text("utf-8")
    (excerpt,) = [m for m in re.findall(r"```text\n(.*?)```", text, re.S) if "FUNNEL" in m]
    args = readme_demo_args()
    output = default_demo if args == [] else demo_output(args)
    assert_excerpt(excerpt, output)
    assert excerpt.count("\n") >= 10


def test_excerpt_check_sees_a_stale_line() -> None:
    output = "A\n  b 1\nC\n"
    assert_excerpt("A\n...\nC\n", output)
    for stale in ("A\n  b 2\n", "C\nA\n"):  # a changed number; lines out of order
        with pytest.raises(AssertionError):
            assert_excerpt(stale, output)


def pip_install_lines(text: str) -> list[list[str]]:
    """The arguments of every ``pip install`` command in a page (comments and chains dropped)."""
    out = []
    for m in re.finditer(r"pip install ([^`\n#&]+)", text):
        out.append([t for t in shlex.split(m.group(1)) if not t.startswith("-")])
    return out


def installed_by(args: list[str]) -> set[str]:
    """Distributions a ``pip install`` installs: the named ones and our extras' requirements."""
    project = tomllib.loads((DOCS.parent / "pyproject.toml").read_text("utf-8"))["project"]
    out = set()
    for arg in args:
        name, _, extras = arg.partition("[")
        out.add(name)
        if name in (".", project["name"]):
            for extra in extras.rstrip("]").split(","):
                for req in project["optional-dependencies"].get(extra.strip(), []):
                    out.add(re.split(r"[<>=\[ ]", req)[0])
    return out


def test_getting_started_installs_what_its_code_imports() -> None:
    """The page's code uses pandas (frames) and matplotlib: an install line on it brings them."""
    text = (DOCS / "getting-started.md").read_text("utf-8")
    code = "\n".join(
        body for lang, body in blocks("getting-started.md") if lang in ("python", "pycon")
    )
    needed = set(re.findall(r"^(?:>>> )?(?:import|from) (\w+)", code, re.M))
    needed |= set(re.findall(r"""(?:to_frames|backend=)\(?["'](\w+)["']""", code))
    needed = {n for n in needed if n in {"pandas", "polars", "pyarrow", "matplotlib", "dask"}}
    assert {"pandas", "matplotlib"} <= needed  # what the page uses today
    user_lines = [a for a in pip_install_lines(text) if not any("test" in x for x in a)]
    assert any(needed <= installed_by(args) for args in user_lines), needed


def test_rule_membership_key_is_isin_everywhere() -> None:
    """``isin`` is the canonical key of a membership rule (the field of ``Rule``); the docs
    never write the ``in`` alias."""
    from alignment.scoring import Rule

    pages = sorted(DOCS.rglob("*.md"))
    text = "\n".join(p.read_text("utf-8") for p in pages)
    assert re.search(r"""["']isin["']\s*:|^isin\s*=""", text, re.M)
    assert not re.search(r"""["']in["']\s*:|^in\s*=""", text, re.M)
    assert "isin" in {f.name for f in dataclasses.fields(Rule)}
    canonical = Rule.from_dict({"column": "industry", "isin": ["a", "b"], "points": 3})
    assert Rule.from_dict({"column": "industry", "in": ["a", "b"], "points": 3}) == canonical
    assert canonical.kind == "isin"
    with pytest.raises(alignment.ParameterError, match="alias"):
        Rule.from_dict({"column": "industry", "isin": ["a"], "in": ["b"]})


@pytest.mark.parametrize(
    "page", [*sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")), "../README.md"]
)
def test_pip_install_names_our_distribution(page: str) -> None:
    """``pip install alignment`` is an unrelated package: install lines name
    ``smarketing-alignment`` or a local path."""
    for args in pip_install_lines((DOCS / page).read_text("utf-8")):
        for arg in args:
            assert not re.match(r"alignment(\[|$)", arg), f"{page}: pip install {arg}"


@pytest.mark.parametrize("page", PAGES)
def test_links_resolve(page: str) -> None:
    text = (DOCS / page).read_text("utf-8")
    for target in re.findall(r"\]\(([^)#]+\.md)(?:#[^)]*)?\)", text):
        assert (DOCS / target).is_file(), f"{page} links to missing {target}"
    for ref in re.findall(r"^::: ([\w.]+)$", text, flags=re.M):
        module, _, name = ref.rpartition(".")
        assert hasattr(__import__(module, fromlist=[name]), name), ref


def table_rows(text: str) -> list[tuple[int, int, int]]:
    """``(line, cells, header cells)`` of every row of the page's Markdown tables (outside code
    fences; an escaped ``\\|`` is no cell border)."""
    out: list[tuple[int, int, int]] = []
    header: int | None = None
    fenced = False
    for n, line in enumerate(text.splitlines(), start=1):
        fenced ^= line.lstrip().startswith("```")
        row = line.strip()
        if fenced or not row.startswith("|"):
            header = None
            continue
        cells = len(re.split(r"(?<!\\)\|", row.strip("|")))
        header = cells if header is None else header
        out.append((n, cells, header))
    return out


@pytest.mark.parametrize(
    "page", [*sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")), "../README.md"]
)
def test_table_rows_have_the_cells_of_their_header(page: str) -> None:
    for line, cells, header in table_rows((DOCS / page).read_text("utf-8")):
        assert cells == header, f"{page}:{line}: {cells} cells under a header of {header}"
