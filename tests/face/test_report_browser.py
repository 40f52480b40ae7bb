"""The demo report in headless Chromium: it renders, fits the page and shows every section.

The page is the demo's (``alignment.write_report(alignment.synthetic_crm(2000, seed=0), path)``),
opened at 1400 and 800 px wide.  A copy of it gets a small measuring script (the report itself
has none) that writes what the browser laid out into the DOM, which ``--dump-dom`` returns:
the page's scroll width against its client width (no horizontal overflow), the size of each
section and of its caption and notes, the elements sticking out of the page outside a
sideways-scrolling table wrapper, the wrappers that do scroll, and the chart texts that run past their chart's edge.

The tests skip with a reason when Chromium is not installed (CI installs it: ``.ci/run``).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

import alignment

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not installed (apt-get install chromium): browser checks skipped",
)
SECTIONS = ("funnel", "attribution", "grid", "sla", "closed-loop", "accounts", "glossary")

#: measures the laid-out page and appends the result as JSON in <pre id="measure">
MEASURE = r"""
(function () {
  const d = document.documentElement;
  const box = (e) => { const r = e.getBoundingClientRect(); return {w: r.width, h: r.height}; };
  const out = {scrollWidth: d.scrollWidth, clientWidth: d.clientWidth,
               innerWidth: window.innerWidth};
  out.sections = [...document.querySelectorAll('section')].map((s) => {
    const cap = s.querySelector('p.lead');
    return {id: s.id, box: box(s), caption: cap ? box(cap) : null,
            notes: [...s.querySelectorAll('p.note')].map(box)};
  });
  out.outside = [...document.querySelectorAll('body *')]
    .filter((e) => !e.closest('.scroll') && e.getBoundingClientRect().right > d.clientWidth + 0.5)
    .map((e) => e.tagName + '.' + (e.getAttribute('class') || ''));
  out.scrolling = [...document.querySelectorAll('.scroll')]
    .filter((e) => e.scrollWidth > e.clientWidth + 1)
    .map((e) => e.closest('section').id + ' / ' + (e.previousElementSibling || {}).textContent);
  out.clipped = [];
  out.charts = 0;
  for (const svg of document.querySelectorAll('svg.chart')) {
    out.charts += 1;
    const width = svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text:not([transform])')) {
      const bb = t.getBBox();
      if (bb.x < -0.5 || bb.x + bb.width > width + 0.5) {
        out.clipped.push(svg.getAttribute('aria-label') + ' :: ' + t.textContent);
      }
    }
  }
  const pre = document.createElement('pre');
  pre.id = 'measure';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
"""


def _chromium(args: list[str], profile: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    base = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
    ]  # fmt: skip
    env = dict(os.environ, HOME=profile)
    return subprocess.run(
        [*base, *args], capture_output=True, text=True, timeout=180, check=False, env=env
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo report, written as a user would."""
    path = tmp_path_factory.mktemp("report") / "report.html"
    alignment.write_report(alignment.synthetic_crm(2000, seed=0), path)
    return path


@pytest.fixture(scope="module")
def measured(page: Path) -> dict[int, dict[str, Any]]:
    """What Chromium laid out at 1400 and 800 px wide."""
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text  # the report has none: the script below is the test's
    probe = page.with_name("probe.html")
    probe.write_text(text.replace("</body>", f"<script>{MEASURE}</script></body>"), "utf-8")
    out = {}
    for width in (1400, 800):
        with tempfile.TemporaryDirectory() as profile:
            res = _chromium([f"--window-size={width},1000", "--dump-dom", probe.as_uri()], profile)
        assert res.returncode == 0, res.stderr[-2000:]
        assert "Uncaught" not in res.stderr and "ERROR:CONSOLE" not in res.stderr
        m = re.search(r'<pre id="measure">(.*?)</pre>', res.stdout, flags=re.S)
        assert m is not None, res.stdout[-2000:]
        out[width] = json.loads(html.unescape(m.group(1)))
    return out


@pytest.mark.parametrize("width", [1400, 800])
def test_no_horizontal_overflow(measured: dict[int, dict[str, Any]], width: int) -> None:
    m = measured[width]
    assert m["innerWidth"] == width  # the window really is that wide
    assert m["scrollWidth"] <= m["clientWidth"], m
    assert m["outside"] == []  # wide tables scroll inside their wrapper, nothing else sticks out
    # headers wrap, so every table fits the page but the long source × campaign one, which
    # scrolls sideways in its wrapper
    assert set(m["scrolling"]) <= {"closed-loop / By source × campaign"}, m["scrolling"]


@pytest.mark.parametrize("width", [1400, 800])
def test_every_section_and_caption_renders(measured: dict[int, dict[str, Any]], width: int) -> None:
    sections = {s["id"]: s for s in measured[width]["sections"]}
    assert tuple(sections) == SECTIONS
    for name, s in sections.items():
        assert s["box"]["w"] > 0 and s["box"]["h"] > 0, name
        assert s["box"]["w"] <= width, name
        assert s["caption"] is not None and s["caption"]["w"] > 0 and s["caption"]["h"] > 0, name
        assert all(n["w"] > 0 and n["h"] > 0 for n in s["notes"]), name


@pytest.mark.parametrize("width", [1400, 800])
def test_chart_texts_stay_inside_their_charts(
    measured: dict[int, dict[str, Any]], width: int
) -> None:
    m = measured[width]
    assert m["charts"] == 6  # funnel, attribution, grid, pace, response times, rejections
    assert m["clipped"] == []


def test_screenshot_is_drawn(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    with tempfile.TemporaryDirectory() as profile:
        res = _chromium(
            ["--hide-scrollbars", "--window-size=800,2000", f"--screenshot={shot}", page.as_uri()],
            profile,
        )
    assert res.returncode == 0, res.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert "ERROR:CONSOLE" not in res.stderr and "Uncaught" not in res.stderr
