"""A command's inputs: CSV / Parquet files of our tables, or a CRM export read through a preset.

Every sub-command that reads data takes the same options (see :func:`_parser._read_options`):
``--preset NAME`` reads the export folder with :func:`alignment.io.read_crm` (``--tz``,
``--dayfirst``, ``--date-format``, ``--decimal``, ``--won-stage``, ``--currency-rate``);
``--map [TABLE.]THEIRS=OURS`` names a column, for a preset's tables as for plain files (where it
renames the column); ``--lead-id`` / ``--created-at`` name the persons' id and creation columns.
A ``--map`` that matches no column of any table read is an error, never a silent no-op.
"""

from __future__ import annotations

import argparse
import fnmatch
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._crm import TABLES, CRMData
from ._args import ColumnMap, _column_maps, _currency_rates
from ._common import CLIError, Progress, UsageError
from ._io import _no_pyarrow, read_columns

__all__ = ["EXPORT_ONLY", "Inputs", "UsageError"]

#: options that only apply when a CRM export is read (``--preset``): (dest, flag)
EXPORT_ONLY = (
    ("tz", "--tz"),
    ("dayfirst", "--dayfirst"),
    ("date_format", "--date-format"),
    ("decimal", "--decimal"),
    ("currency_rate", "--currency-rate"),
)
#: file endings of our tables in a folder (``report`` without ``--preset``)
_OWN_FILES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet", ".pq")


def _names(columns: Any) -> list[str]:
    """The column names of what :func:`read_columns` returns (dict or PyArrow table)."""
    return list(columns) if isinstance(columns, Mapping) else list(columns.column_names)


def _close(name: str, names: Sequence[str]) -> str:
    import difflib

    near = difflib.get_close_matches(name, list(names), n=1)
    return f" (did you mean {near[0]!r}?)" if near else ""


class Inputs:
    """The inputs of one command run: its reading options, and which ``--map`` were used."""

    def __init__(self, args: argparse.Namespace, progress: Progress) -> None:
        self.args = args
        self.progress = progress
        self.preset: str | None = getattr(args, "preset", None)
        self.maps = _column_maps(getattr(args, "map", None))
        for dest, ours in (("lead_id", "lead_id"), ("created_at", "created_at")):
            theirs = getattr(args, dest, None)
            if theirs:
                flag = "--" + dest.replace("_", "-")
                self.maps.append(ColumnMap(f"{flag} {theirs}", theirs, ours, "leads"))
        self.used: set[int] = set()
        self.seen: dict[str, list[str]] = {}

    # ------------------------------------------------------------------ plain files

    def plain(self) -> None:
        """Refuse the options that need a CRM export (no ``--preset``)."""
        given = [flag for dest, flag in EXPORT_ONLY if getattr(self.args, dest, None) is not None]
        if getattr(self.args, "won_stages", None) and not getattr(self.args, "won_plain", False):
            given.append("--won-stage")  # read from plain files by attribute and report only
        if given:
            tz = "; plain files' instants carry their offset, or are UTC" if "--tz" in given else ""
            raise UsageError(
                f"{', '.join(given)} appl{'y' if len(given) > 1 else 'ies'} when reading a CRM "
                f"export: add --preset salesforce|hubspot{tz}"
            )

    def read(self, path: str | Path, table: str) -> Any:
        """One of our tables from a CSV or Parquet file, its columns named by ``--map``."""
        self.plain()
        columns = read_columns(path, table=table, progress=self.progress)
        return self._rename(columns, table)

    def _rename(self, columns: Any, table: str) -> Any:
        names = _names(columns)
        self.seen[table] = names
        renames: dict[str, str | None] = {}
        hits: list[tuple[ColumnMap, str, str | None]] = []
        for i, m in enumerate(self.maps):  # a loop over the options
            theirs, ours = self._target(m, table)
            if theirs is None or theirs not in names:
                continue
            if ours is not None and ours in names and ours != theirs and ours not in renames:
                raise CLIError(
                    f"{m.text}: the {table} file has a {ours!r} column already; drop it first "
                    f"with --map {ours}="
                )
            self.used.add(i)
            hits.append((m, theirs, ours))
            renames[theirs] = ours
        _refuse_twice(hits, table)
        if not renames:
            return columns
        if isinstance(columns, Mapping):
            out: dict[str, Any] = {}
            for name, values in columns.items():
                new = renames.get(name, name)
                if new is not None:
                    out[new] = values
            return out
        kept = [n for n in names if renames.get(n, n) is not None]
        selected = columns.select(kept)
        return selected.rename_columns([renames.get(n) or n for n in kept])

    def _target(self, m: ColumnMap, table: str) -> tuple[str | None, str | None]:
        """Their column that ``m`` names in ``table`` (``None``: not this table's)."""
        if m.table is not None:
            return (m.theirs, m.ours) if m.table == table else (None, None)
        prefix, dot, rest = m.theirs.partition(".")
        if dot and prefix in (*TABLES, "conversions"):
            return (rest, m.ours) if prefix == table else (None, None)
        return m.theirs, m.ours

    def check_used(self) -> None:
        """Every ``--map`` named a column of a table read (else the error names the columns)."""
        for i, m in enumerate(self.maps):
            if i in self.used:
                continue
            where = "; ".join(f"{t}: {', '.join(n)}" for t, n in self.seen.items())
            names = [n for cols in self.seen.values() for n in cols]
            raise CLIError(
                f"{m.text}: no table read has a column {m.theirs!r}{_close(m.theirs, names)}; "
                f"the columns are {where or '(no table read)'}"
            )

    # ------------------------------------------------------------------ a CRM export

    def bundle(self, source: str) -> CRMData:
        """The CRM export in the folder ``source``, read with ``--preset`` and its options."""
        from ..io import PRESETS, read_crm

        assert self.preset is not None
        preset = PRESETS[self.preset]
        columns = self._export_columns(preset, source)
        with self.progress.step(f"reading the {preset.name} export in {source}"):
            try:
                crm = read_crm(
                    preset,
                    source,
                    tz=self.args.tz,
                    columns=columns,
                    dayfirst=self.args.dayfirst,
                    date_format=self.args.date_format,
                    decimal=self.args.decimal or ".",
                    won_stages=self.args.won_stages,
                    rates=_currency_rates(self.args.currency_rate),
                )
            except ImportError as exc:  # (an export's files are read by PyArrow)
                if exc.name != "pyarrow":
                    raise
                raise _no_pyarrow(
                    f"reading the {preset.name} export in {source}", "CSV and Parquet files"
                ) from None
        self.progress.note(f"... read {crm!r}")
        if len(crm.issues):
            self.progress.note(
                f"... {crm.issues.n_rows():,} row(s) left out, merged or folded while reading:"
            )
            for issue in crm.issues:  # a loop over the findings (one per kind and table)
                self.progress.note(f"    {issue}")
        return crm

    def _export_columns(self, preset: Any, source: str) -> dict[str, dict[str, str | None]]:
        """``columns=`` of :func:`read_crm` for the ``--map`` options, each checked against
        the header of the files (a map naming no column of any file is an error)."""
        from ..io._locate import locate

        headers = {name: _header(item) for name, item in locate(preset, source).items()}
        self.seen = {k: v for k, v in headers.items() if v is not None}
        hits: dict[str, list[tuple[ColumnMap, str, str | None]]] = {}
        for m in self.maps:  # a loop over the options
            for table, theirs in self._export_targets(preset, m, headers):
                hits.setdefault(table, []).append((m, theirs, m.ours))
        for table, pairs in hits.items():  # a loop over the tables named
            _refuse_twice(pairs, table)
        out = {table: {theirs: ours for _, theirs, ours in pairs} for table, pairs in hits.items()}
        self.used = set(range(len(self.maps)))
        return out

    def _export_targets(
        self, preset: Any, m: ColumnMap, headers: Mapping[str, list[str] | None]
    ) -> list[tuple[str, str]]:
        """``(table, their column)`` pairs ``m`` names in the export (checked)."""
        if m.table == "leads":  # --lead-id / --created-at: the tables of persons
            tables = [t.name for t in preset.tables if t.feeds == "leads"]
            theirs = m.theirs
        else:
            prefix, dot, rest = m.theirs.partition(".")
            named = _table_named(preset, prefix) if dot else None
            tables = [named] if named else [t.name for t in preset.tables]
            theirs = rest if named else m.theirs
        hits = [(t, theirs) for t in tables if _has(headers.get(t), theirs)]
        if not hits:
            seen = {t: headers[t] for t in tables if headers.get(t)}
            where = "; ".join(f"{t}: {', '.join(n or ())}" for t, n in seen.items())
            names = [n for cols in seen.values() for n in cols or ()]
            raise CLIError(
                f"{m.text}: no file of the {preset.name} export has a column {theirs!r}"
                f"{_close(theirs, names)}; name the table as TABLE.COLUMN (tables: "
                f"{', '.join(t.name for t in preset.tables)}); the columns are {where}"
            )
        return hits

    # ------------------------------------------------------------------ our tables in a folder

    def own_bundle(self, folder: str) -> CRMData:
        """Our tables (``leads.csv``, ``touchpoints.csv``, ``deals.csv``, ``deal_contacts.csv``,
        ``activities.csv``, ``costs.csv``; CSV or Parquet) in ``folder``, as one bundle."""
        from ..io import read_crm

        found = _own_files(folder)
        with self.progress.step(f"reading the tables in {folder}"):
            tables = {name: _numpy(self.read(path, name), name) for name, path in found.items()}
            self.check_used()
            crm = read_crm(
                _own_preset(tables),
                tables,
                won_stages=self.args.won_stages,
                normalize=None,
            )
        self.progress.note(f"... read {crm!r}")
        return crm


def _refuse_twice(hits: Sequence[tuple[ColumnMap, str, str | None]], table: str) -> None:
    """Refuse two ``--map`` on one column of ``table``: one of theirs read as two of ours, or
    two of theirs read as one of ours (either way one option would be dropped).

    ``hits`` are the ``(option, their column, our column)`` of the options naming a column of
    the table.

    Raises
    ------
    UsageError
        Naming both options.
    """
    theirs_seen: dict[str, tuple[ColumnMap, str | None]] = {}
    ours_seen: dict[str, tuple[ColumnMap, str]] = {}
    for m, theirs, ours in hits:  # a loop over the options
        first, first_ours = theirs_seen.setdefault(theirs.casefold(), (m, ours))
        if first_ours != ours:
            raise UsageError(
                f"{_said(first)} and {_said(m)} both read the {table} column {theirs!r}: a column "
                "is read once; give one of them"
            )
        if ours is None:
            continue
        other, other_theirs = ours_seen.setdefault(ours, (m, theirs))
        if other_theirs.casefold() != theirs.casefold():
            raise UsageError(
                f"{_said(other)} and {_said(m)} both give the {table} column {ours!r}: one would be "
                "dropped; give one of them"
            )


def _said(m: ColumnMap) -> str:
    """The option as given (``--map a=created_at``, ``--created-at signup``)."""
    return m.text if m.text.startswith("--") else f"--map {m.text}"


def _has(names: list[str] | None, column: str) -> bool:
    """Whether a header has ``column`` (any case); an unknown header (Parquet) may have it."""
    if names is None:
        return True
    return column.casefold() in {n.casefold() for n in names}


def _table_named(preset: Any, name: str) -> str | None:
    """The preset's table called ``name`` (loosely, or by one of its file-name patterns)."""
    from ..io._preset import norm_name

    key = norm_name(name)
    for t in preset.tables:
        if any(fnmatch.fnmatchcase(key, norm_name(p)) for p in (t.name, *t.patterns)):
            return str(t.name)
    return None


def _header(item: Any) -> list[str] | None:
    """The column names of an export file (CSV header); ``None`` when not read cheaply."""
    from .._sources import CSVFormatError, read_header

    path = Path(item)
    if not path.name.casefold().endswith((".csv", ".csv.gz")):
        return None
    try:
        return read_header(path, ",", unnamed=True)
    except (CSVFormatError, OSError, UnicodeDecodeError):
        return None  # the reader reports it, with the table's name


def _own_files(folder: str) -> dict[str, Path]:
    """Our tables' files in ``folder``: ``{table: path}`` (``leads`` required)."""
    root = Path(folder)
    if not root.is_dir():
        raise CLIError(
            f"{folder!r} is not a folder; give the folder of the tables (leads.csv, "
            "touchpoints.csv, deals.csv …), or a CRM export folder with --preset"
        )
    found: dict[str, Path] = {}
    for p in sorted(root.iterdir()):  # a loop over the folder's files
        low = p.name.casefold()
        for name in TABLES:
            if p.is_file() and any(low == name + ext for ext in _OWN_FILES):
                if name in found:
                    raise CLIError(f"two files hold the {name} table: {found[name].name}, {p.name}")
                found[name] = p
    if "leads" not in found:
        raise CLIError(
            f"no leads file in {folder!r} (leads.csv or leads.parquet); the tables read are "
            f"{', '.join(TABLES)}; a CRM's own export is read with --preset salesforce|hubspot"
        )
    return found


def _numpy(columns: Any, table: str) -> dict[str, Any]:
    """Numpy columns of what :func:`read_columns` returns (a PyArrow table for Parquet)."""
    if isinstance(columns, Mapping):
        return dict(columns)
    from .._frames import Categorical, read_table

    raw = read_table(columns, table=table, all_columns=True)
    out = {}
    for name, col in raw.columns.items():
        out[name] = col.values() if isinstance(col, Categorical) else col
    return out


def _own_preset(tables: Mapping[str, Mapping[str, Any]]) -> Any:
    """A preset reading our own tables as they are: every column under its name, typed as
    the file typed it when the name says nothing (``score`` is a number, ``mql_at`` an
    instant either way)."""
    from ..io import ExportTable, Preset, kind_of

    kinds = {"f": "number", "b": "flag", "M": "time"}
    types: dict[str, str] = {}
    for cols in tables.values():
        for name, values in cols.items():
            kind = kinds.get(np.asarray(values).dtype.kind, "text")
            if kind != "text" and kind_of(name) == "text":
                types[name] = kind
    specs = tuple(
        ExportTable(name, name, {c: c for c in tables[name]}, optional=name != "leads")  # type: ignore[arg-type]
        for name in TABLES
        if name in tables
    )
    return Preset("files", specs, types=types)
