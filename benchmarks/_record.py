"""Benchmark results as fragments: each benchmark writes ``benchmarks/results/<name>.json``.

A fragment holds the section a benchmark contributes to ``benchmarks/RESULTS.md``: its title,
the command that produced it, the sizes, the machine (processor, CPU count, load average
during the run) and the versions of Python and of the libraries, and the markdown body (tables
and notes).  ``python benchmarks/results.py`` assembles every fragment into RESULTS.md, so that
file always shows the figures of the last run of each benchmark, never a history.

``BENCH_RESULTS=/some/folder`` writes the fragments there instead (trial runs).

Usage in a benchmark::

    from _record import Fragment

    frag = Fragment("funnel", "Funnel", sizes="10^7 leads")
    frag.table(["operation", "wall s"], rows)
    frag.text("Target met: ...")
    frag.write()
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import platform
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RESULTS = Path(os.environ.get("BENCH_RESULTS") or Path(__file__).resolve().parent / "results")
"""Where fragments go (``BENCH_RESULTS=/tmp/x`` for a trial run that must not replace them)."""
LIBRARIES = (
    "numpy",
    "scipy",
    "pandas",
    "polars",
    "pyarrow",
    "narwhals",
    "dask",
    "scikit-learn",
    "smarketing-alignment",
)


def versions() -> dict[str, str]:
    """Python and the installed versions of the libraries the benchmarks use."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def machine() -> dict[str, Any]:
    """Processor, CPU count, memory and the load average now (1, 5, 15 minutes)."""
    info: dict[str, Any] = {
        "machine": platform.machine(),
        "system": platform.system(),
        "cpus": os.cpu_count(),
        "processor": _cpu_model(),
    }
    try:
        info["load"] = [round(x, 1) for x in os.getloadavg()]
    except OSError:
        pass
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        info["memory_gb"] = round(pages / 2**30, 1)
    except (ValueError, OSError):
        pass
    return info


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class Fragment:
    """One benchmark's section of RESULTS.md, written as JSON by :meth:`write`."""

    def __init__(self, name: str, title: str, *, sizes: str = "", order: int = 50) -> None:
        self.name = name
        self.title = title
        self.sizes = sizes
        self.order = order
        self.command = "python " + " ".join(
            [os.path.relpath(sys.argv[0]) if sys.argv[0] else "?", *sys.argv[1:]]
        )
        self.load_start = machine().get("load")
        self.parts: list[str] = []

    def text(self, markdown: str) -> None:
        """A paragraph (or any markdown) of the body."""
        self.parts.append(markdown.strip("\n"))

    def table(self, header: list[str], rows: list[list[Any]], align: str | None = None) -> str:
        """A markdown table (see :func:`markdown_table`), added to the body."""
        out = markdown_table(header, rows, align)
        self.parts.append(out)
        return out

    def write(self) -> Path:
        """Write ``benchmarks/results/<name>.json`` (and return its path)."""
        RESULTS.mkdir(exist_ok=True)
        info = machine()
        info["load_start"] = self.load_start
        doc = {
            "name": self.name,
            "title": self.title,
            "order": self.order,
            "command": self.command,
            "sizes": self.sizes,
            "machine": info,
            "versions": versions(),
            "body": "\n\n".join(self.parts),
        }
        path = RESULTS / f"{self.name}.json"
        path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        print(f"(results fragment: {path})")
        return path


def markdown_table(header: list[str], rows: list[list[Any]], align: str | None = None) -> str:
    """A markdown table (``align``: one ``l``/``r`` per column; default: numbers right)."""
    if align is None:
        align = "".join("r" if rows and _numeric(rows[0][i]) else "l" for i in range(len(header)))
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" if a == "r" else "---" for a in align) + "|")
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _numeric(cell: Any) -> bool:
    text = str(cell).replace(",", "").replace("*", "").replace("%", "").replace("×", "").strip()
    try:
        float(text.split()[0] if text else "x")
    except ValueError:
        return False
    return True


class _Tee:
    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.lines: list[str] = []
        self._partial = ""

    def write(self, text: str) -> int:
        self.stream.write(text)
        self._partial += text
        *done, self._partial = self._partial.split("\n")
        self.lines += done
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def as_markdown(lines: list[str]) -> str:
    """Printed output as markdown: tables kept, headings made bold, other lines kept as lines."""
    out: list[str] = []
    for line in lines:
        stripped = line.rstrip()
        if stripped.startswith("#"):
            stripped = "**" + stripped.lstrip("#").strip() + "**"
        if stripped and not stripped.startswith("|"):
            stripped += "  "  # (a markdown line break: printed lines stay lines)
        out.append(stripped)
    return "\n".join(out).strip() + "\n"


@contextlib.contextmanager
def captured(name: str, title: str, *, sizes: str = "", order: int = 50) -> Iterator[Fragment]:
    """Run a benchmark's ``main()`` inside: what it prints becomes its fragment, written when
    the block ends normally (a run that fails half-way leaves the previous fragment)."""
    frag = Fragment(name, title, sizes=sizes, order=order)
    tee = _Tee(sys.stdout)
    old, sys.stdout = sys.stdout, tee
    try:
        yield frag
    finally:
        sys.stdout = old
    frag.parts.insert(0, as_markdown(tee.lines + ([tee._partial] if tee._partial else [])))
    frag.write()
