"""The face's docs pages: their code runs and the numbers they print are the ones shown."""

from __future__ import annotations

import re
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
from alignment.cli import main
from alignment.datasets import synthetic_crm

DOCS = Path(__file__).resolve().parents[2] / "docs"
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
    (rules,) = [body for lang, body in blocks("cli.md") if lang == "toml"]
    f = tmp_path / "grid.toml"
    f.write_text(rules, encoding="utf-8")
    code = main(["score", str(crm_files["leads"]), "--touchpoints", str(crm_files["touchpoints"]),
                 "--rules", str(f), "-q", "--out", str(tmp_path / "s.csv")])  # fmt: skip
    assert code == 0, capsys.readouterr().err


def test_cli_page_demo_excerpt_matches_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    (excerpt,) = [body for lang, body in blocks("cli.md") if lang == "text" and "FUNNEL" in body]
    assert main(["demo", "--no-report", "-q"]) == 0
    out = capsys.readouterr().out
    for line in excerpt.splitlines():
        if line.strip() and line.strip() != "...":
            assert line in out, line


@pytest.mark.parametrize("page", PAGES)
def test_links_resolve(page: str) -> None:
    text = (DOCS / page).read_text("utf-8")
    for target in re.findall(r"\]\(([^)#]+\.md)(?:#[^)]*)?\)", text):
        assert (DOCS / target).is_file(), f"{page} links to missing {target}"
    for ref in re.findall(r"^::: ([\w.]+)$", text, flags=re.M):
        module, _, name = ref.rpartition(".")
        assert hasattr(__import__(module, fromlist=[name]), name), ref
