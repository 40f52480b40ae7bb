"""Fixtures of the face tests: a small synthetic CRM written to CSV files."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment.cli import write_columns
from alignment.datasets import SyntheticCRM, synthetic_crm


@pytest.fixture(scope="session")
def small_crm() -> SyntheticCRM:
    return synthetic_crm(n_leads=1_500, seed=11)


def toml_text(doc: dict[str, object], prefix: str = "") -> str:
    """A tiny TOML writer for the agreement documents of the tests (tables, scalars, lists)."""

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    scalars = {k: v for k, v in doc.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in doc.items() if isinstance(v, dict)}
    lines = []
    if prefix and scalars:
        lines.append(f"[{prefix}]")
    lines += [f"{k} = {value(v)}" for k, v in scalars.items()]
    for k, v in tables.items():
        name = f"{prefix}.{k}" if prefix else k
        lines.append(toml_text(v, name))  # type: ignore[arg-type]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def crm_files(small_crm: SyntheticCRM, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The small CRM's tables as CSV files, plus its agreement as TOML."""
    d = tmp_path_factory.mktemp("crm")
    out: dict[str, Path] = {}
    for name, table in small_crm.tables().items():
        p = d / f"{name}.csv"
        write_columns(p, table)
        out[name] = p
    sla = d / "agreement.toml"
    sla.write_text(toml_text(small_crm.sla), encoding="utf-8")
    out["sla"] = sla
    return out
