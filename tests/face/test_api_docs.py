"""Every public name has exactly one API entry in the docs.

The public names are the ``__all__`` of ``alignment`` and of each public subpackage. An entry is
a mkdocstrings ``::: path`` line in ``docs/**/*.md``; a module entry also documents the names of
its ``members:`` list, or every name of its ``__all__`` when it has no ``members`` option. A
re-export (``alignment.attribute`` is ``alignment.attribution.attribute``) is the same object, so
it is one name with one entry: one primary URL for cross-references. A new public name without
an entry fails :func:`test_every_public_name_has_exactly_one_entry`.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import types
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PUBLIC_MODULES = [
    "alignment",
    "alignment.attribution",
    "alignment.scoring",
    "alignment.funnel",
    "alignment.sla",
    "alignment.closed_loop",
    "alignment.accounts",
    "alignment.report",
    "alignment.datasets",
    "alignment.plugins",
    "alignment.base",
    "alignment.models",
    "alignment.tables",
    "alignment.testing",
    "alignment.errors",
    "alignment.hookspecs",
    "alignment.io",
]
ENTRY = re.compile(r"^::: *([\w.]+) *\n((?:[ \t]+\S.*\n)*)", re.M)
MEMBERS = re.compile(r"^\s+members:\s*(.*)$", re.M)


def key_of(name: str, obj: Any) -> tuple[str, int]:
    """One key per documented thing: the object for modules, classes and functions; the
    name and the object for data (two constants may share an interned value)."""
    if isinstance(obj, (types.ModuleType, type)) or callable(obj):
        return ("", id(obj))
    return (name, id(obj))


def resolve(path: str) -> Any:
    """The object at a dotted path: the longest importable module, then attributes."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(path)


def public_names() -> dict[tuple[str, int], list[str]]:
    """Key → the public dotted names of that object (re-exports together)."""
    out: dict[tuple[str, int], list[str]] = {}
    for modname in PUBLIC_MODULES:
        if importlib.util.find_spec(modname) is None:
            continue
        module = importlib.import_module(modname)
        for name in module.__all__:
            out.setdefault(key_of(name, getattr(module, name)), []).append(f"{modname}.{name}")
    return out


@dataclass(frozen=True)
class Entry:
    page: str
    path: str
    members: list[str] | None  # None: the module's __all__; []: none


def members_option(options: str) -> list[str] | None:
    found = MEMBERS.findall(options)
    if not found:
        return None
    value = found[0].strip()
    if value == "false":
        return []
    assert value.startswith("[") and value.endswith("]"), f"members must be an inline list: {value}"
    return [m.strip() for m in value[1:-1].split(",") if m.strip()]


def doc_entries() -> list[Entry]:
    out = []
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for m in ENTRY.finditer(text + "\n"):
            out.append(Entry(str(page.relative_to(DOCS)), m.group(1), members_option(m.group(2))))
    return out


def documented_keys(entries: list[Entry]) -> Counter[tuple[str, int]]:
    """How many entries document each key (a module entry counts for its members too)."""
    counts: Counter[tuple[str, int]] = Counter()
    for e in entries:
        obj = resolve(e.path)
        counts[key_of(e.path.rpartition(".")[2], obj)] += 1
        if not isinstance(obj, types.ModuleType):
            continue
        members = list(getattr(obj, "__all__", [])) if e.members is None else e.members
        for name in members:
            counts[key_of(name, getattr(obj, name))] += 1
    return counts


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return doc_entries()


def test_entries_resolve(entries: list[Entry]) -> None:
    assert len(entries) > 80
    for e in entries:
        obj = resolve(e.path)
        if isinstance(obj, types.ModuleType) and e.members:
            missing = [m for m in e.members if not hasattr(obj, m)]
            assert not missing, f"{e.page}: ::: {e.path} lists unknown members {missing}"


def test_every_public_name_has_exactly_one_entry(entries: list[Entry]) -> None:
    counts = documented_keys(entries)
    names = public_names()
    undocumented = sorted(n[0] for k, n in names.items() if counts[k] == 0)
    twice = sorted(f"{n[0]} ({counts[k]} entries)" for k, n in names.items() if counts[k] > 1)
    assert not undocumented, f"public names with no API entry in docs/: {undocumented}"
    assert not twice, f"public names documented more than once: {twice}"


def test_no_object_is_documented_twice(entries: list[Entry]) -> None:
    """Private helpers documented on a page count too: one object, one entry."""
    counts = documented_keys(entries)
    twice = [f"{e.page}: {e.path}" for e in entries if counts[key_of(e.path, resolve(e.path))] > 1]
    assert not twice, twice


def test_the_count_sees_missing_repeated_and_module_members() -> None:
    """The counting is not vacuous: a missing entry, a repeated one and module members."""
    plan = key_of("plan", resolve("alignment.funnel.plan"))
    assert "alignment.funnel.plan" in public_names()[plan]
    one = Entry("x.md", "alignment.funnel.plan", None)
    assert documented_keys([])[plan] == 0
    assert documented_keys([one])[plan] == 1
    assert documented_keys([one, one])[plan] == 2
    assert documented_keys([Entry("x.md", "alignment.funnel", ["plan"])])[plan] == 1
    assert documented_keys([Entry("x.md", "alignment.funnel", ["observe"])])[plan] == 0
    # a module entry without `members` documents its __all__; `members: false` none of it
    reject = key_of("reject_rows", resolve("alignment.errors.reject_rows"))
    assert documented_keys([Entry("x.md", "alignment.errors", None)])[reject] == 1
    assert documented_keys([Entry("x.md", "alignment.errors", [])])[reject] == 0
    # data is keyed by name too: two constants with one interned value are two names
    assert key_of("A", "x") != key_of("B", "x")
