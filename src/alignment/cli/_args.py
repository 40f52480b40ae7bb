"""Option values of the command line: ``name=value`` pairs, stage rates, parameter files,
column maps and flags."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ._common import CLIError, UsageError, not_a_file


def _parse_value(text: str) -> Any:
    """A ``--param`` value: JSON when it parses (numbers, lists, true/false), else the string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def set_once(out: dict[str, Any], key: str, value: Any, what: str) -> None:
    """``out[key] = value``, refused when ``key`` is set already: two values for one name are
    never resolved by dropping one.

    ``what`` says what the key is and where it came from, ``{key}`` standing for it
    (``"--param {key}"``, ``"parameter {key}, by --half-life and --param,"``).

    Raises
    ------
    UsageError
        ``key`` given twice: ``<what> given twice; give it once``.
    """
    if key in out:
        raise UsageError(f"{what.format(key=repr(key))} given twice; give it once")
    out[key] = value


def _key_values(items: Sequence[str] | None, what: str) -> dict[str, Any]:
    """``name=value`` items (``-`` in a name read as ``_``), each name once."""
    out: dict[str, Any] = {}
    for item in items or ():
        if "=" not in item:
            raise CLIError(f"{what} must look like name=value, got {item!r}")
        k, v = item.split("=", 1)
        k = k.strip().replace("-", "_")
        if not k:
            raise CLIError(f"{what} must look like name=value, got {item!r}")
        set_once(out, k, _parse_value(v.strip()), what + " {key}")
    return out


def _rates(items: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        if "=" not in item:
            raise CLIError(f"--rate must look like stage=rate (e.g. lead=0.04), got {item!r}")
        k, v = item.split("=", 1)
        try:
            rate = float(v.strip().rstrip("%")) / (100.0 if v.strip().endswith("%") else 1.0)
        except ValueError:
            raise CLIError(f"--rate {item!r}: {v!r} is not a number") from None
        set_once(out, k.strip(), rate, "--rate: stage {key}")
    return out


def _load_config(path: str | None) -> dict[str, Any]:
    """Read a JSON or TOML document of parameters."""
    if path is None:
        return {}
    p = Path(path)
    if not p.is_file():
        raise not_a_file(p)
    text = p.read_text(encoding="utf-8")
    if p.suffix.lower() == ".toml":
        try:
            import tomllib as toml_reader  # type: ignore[import-not-found,unused-ignore]
        except ModuleNotFoundError:  # pragma: no cover - Python 3.10
            try:
                import tomli as toml_reader  # type: ignore[import-not-found,no-redef,unused-ignore]
            except ModuleNotFoundError:
                raise CLIError("TOML files need Python 3.11+ or tomli; use JSON") from None
        try:
            data = toml_reader.loads(text)
        except toml_reader.TOMLDecodeError as exc:
            raise CLIError(f"invalid TOML in {path!r}: {exc}") from None
    else:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CLIError(f"invalid JSON in {path!r}: {exc}") from None
    if not isinstance(data, dict):
        raise CLIError(f"{path!r} must hold a table/object of parameters")
    return dict(data)


@dataclass(frozen=True)
class ColumnMap:
    """One ``--map [TABLE.]THEIRS=OURS``: their column read as ours (``OURS`` empty: dropped)."""

    text: str
    theirs: str
    ours: str | None
    table: str | None = None

    def qualified(self, table: str) -> ColumnMap:
        """The same map, for the table ``table`` only."""
        return replace(self, table=table)


def _column_maps(items: Sequence[str] | None) -> list[ColumnMap]:
    """``--map`` values: ``THEIRS=OURS`` or ``TABLE.THEIRS=OURS`` (which table a dotted name
    names is decided by the reader, which knows the tables)."""
    out: list[ColumnMap] = []
    for item in items or ():
        theirs, eq, ours = item.partition("=")
        if not eq or not theirs.strip():
            raise CLIError(
                f"--map must look like THEIRS=OURS or TABLE.THEIRS=OURS (e.g. "
                f"Lead.MQL_Date__c=mql_at), got {item!r}"
            )
        out.append(ColumnMap(item, theirs.strip(), ours.strip() or None))
    return out


def _flag(text: str) -> bool:
    """A true/false option value (true/false, yes/no, 1/0, any case)."""
    low = text.strip().casefold()
    if low in ("true", "yes", "1"):
        return True
    if low in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _currency_rates(items: Sequence[str] | None) -> dict[str, float] | None:
    """``--currency-rate CURRENCY=FACTOR`` values."""
    if not items:
        return None
    out: dict[str, float] = {}
    for item in items:
        cur, eq, factor = item.partition("=")
        try:
            rate = float(factor)
        except ValueError:
            raise CLIError(
                f"--currency-rate must look like CURRENCY=FACTOR (e.g. EUR=1.08), got {item!r}"
            ) from None
        if not eq or not cur.strip():
            raise CLIError(f"--currency-rate must look like CURRENCY=FACTOR, got {item!r}")
        set_once(out, cur.strip(), rate, "--currency-rate {key}")
    return out
