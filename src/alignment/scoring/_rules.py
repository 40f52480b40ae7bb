"""Fit rules: conditions on lead columns that add points (or grade steps), vectorised.

A rule is a plain, declarative object (no ``eval``): a column, one condition and its effect.

========================  ==========================================================
condition                 meaning (``x`` the lead's value)
========================  ==========================================================
``equals=v``              ``x == v``
``isin=[a, b]``           ``x`` is one of the values (``"in"``: an alias in dicts)
``contains=["vp", …]``    ``x`` contains one of the keywords, case-insensitive
``min=a`` / ``max=b``     ``a <= x <= b`` (either bound may be omitted)
``persona="name"``        the lead's persona (column ``"persona"``) is ``name``
========================  ==========================================================

A lead whose value is missing never meets a condition (and gets neither ``steps`` nor
``else_steps`` on the grade ladder).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._columns import numeric
from .._params import is_integer, is_number, keyword_problem
from ..errors import DataValidationError, MissingColumnError, ParameterError
from ..tables._labels import whole_numbers

__all__ = ["Rule", "evaluate_rule", "rules_from"]

_CONDITIONS = ("equals", "isin", "contains", "min", "max", "persona")


@dataclass(frozen=True)
class Rule:
    """One fit rule: a condition on a lead column and the points it adds.

    Parameters
    ----------
    column : str
        Lead column (categorical or numeric); ``"persona"`` for persona rules.
    points : float, default 0
        Points added to the fit score when the condition holds (negative subtracts).
    name : str, optional
        Label shown in explanations (default: a description of the condition).
    equals, isin, contains, min, max, persona
        The condition; exactly one kind (``min`` and ``max`` together form one range).
    steps : int, default 0
        Grade-ladder steps (1/3 letter each, -3..3) when the condition holds.
    else_steps : int, default 0
        Grade-ladder steps when the lead's value is known and the condition does not hold.

    Examples
    --------
    >>> Rule("title", 15, contains=["vp", "chief", "director"], name="senior title")
    Rule(column='title', points=15, ...)
    >>> Rule.from_dict({"column": "company_size", "min": 200, "points": 10}).min
    200
    """

    column: str
    points: float = 0.0
    name: str | None = None
    equals: Any = None
    isin: tuple[Any, ...] | None = None
    contains: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    persona: str | None = None
    steps: int = 0
    else_steps: int = 0
    _kind: str = field(default="", init=False, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"Rule(column={self.column!r}, points={self.points!r}, ...)"

    def __post_init__(self) -> None:
        if not isinstance(self.column, str) or not self.column:
            raise ParameterError(f"rule column must be a non-empty string, got {self.column!r}")
        if not is_number(self.points):
            raise ParameterError(f"rule {self.column!r}: points must be a number")
        if not np.isfinite(self.points):
            raise ParameterError(f"rule {self.column!r}: points must be finite")
        for s in ("steps", "else_steps"):
            v = getattr(self, s)
            if not is_integer(v) or abs(v) > 3:
                raise ParameterError(
                    f"rule {self.column!r}: {s} must be an integer in -3..3 "
                    f"(1/3-letter grade steps), got {v!r}"
                )
        if isinstance(self.contains, str):
            object.__setattr__(self, "contains", (self.contains,))
        elif self.contains is not None:
            object.__setattr__(self, "contains", tuple(str(k) for k in self.contains))
        if self.isin is not None:
            if isinstance(self.isin, (str, bytes)) or not isinstance(self.isin, Sequence):
                raise ParameterError(f"rule {self.column!r}: 'isin' needs a list of values")
            object.__setattr__(self, "isin", tuple(self.isin))
        self._check_texts()
        kinds = []
        if self.equals is not None:
            kinds.append("equals")
        if self.isin is not None:
            kinds.append("isin")
        if self.contains is not None:
            kinds.append("contains")
        if self.min is not None or self.max is not None:
            kinds.append("range")
            for b in ("min", "max"):
                v = getattr(self, b)
                if v is not None and (not is_number(v) or not np.isfinite(v)):
                    raise ParameterError(f"rule {self.column!r}: {b} must be a finite number")
            if self.min is not None and self.max is not None and self.min > self.max:
                raise ParameterError(f"rule {self.column!r}: min {self.min} > max {self.max}")
        if self.persona is not None:
            kinds.append("persona")
        if len(kinds) != 1:
            raise ParameterError(
                f"rule on {self.column!r} must have exactly one condition "
                f"(equals, isin, contains, min/max or persona), got {kinds or 'none'}"
            )
        object.__setattr__(self, "_kind", kinds[0])

    def _check_texts(self) -> None:
        """Refuse an empty keyword and text values numpy would not compare as given."""
        texts: list[tuple[str, Any, bool]] = [("contains", k, False) for k in self.contains or ()]
        texts += [("isin", v, True) for v in self.isin or ()]
        texts += [("equals", self.equals, True), ("persona", self.persona, True)]
        for what, value, blank_ok in texts:
            problem = keyword_problem(value, blank_ok=blank_ok) if isinstance(value, str) else None
            if problem:
                raise ParameterError(f"rule {self.column!r}: each {what!r} value {problem}")

    @property
    def kind(self) -> str:
        """``"equals"``, ``"isin"``, ``"contains"``, ``"range"`` or ``"persona"``."""
        return self._kind

    @property
    def label(self) -> str:
        """The rule's name, or a readable description of its condition."""
        if self.name:
            return self.name
        k = self._kind
        if k == "equals":
            return f"{self.column} = {self.equals!r}"
        if k == "isin":
            return f"{self.column} in {list(self.isin or ())!r}"
        if k == "contains":
            return f"{self.column} contains {' / '.join(self.contains or ())}"
        if k == "persona":
            return f"persona = {self.persona!r}"
        lo = "" if self.min is None else f"{self.min} <= "
        hi = "" if self.max is None else f" <= {self.max}"
        return f"{lo}{self.column}{hi}"

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> Rule:
        """Build a rule from a plain dict.

        The keys are the fields of :class:`Rule`; ``"isin"`` is the canonical key of the
        membership condition, and ``"in"`` is accepted as an alias (not both).
        """
        if isinstance(spec, Rule):
            return spec
        if not isinstance(spec, Mapping):
            raise ParameterError(f"a rule must be a Rule or a dict, got {type(spec).__name__}")
        d = dict(spec)
        if "in" in d:
            if "isin" in d:
                raise ParameterError(
                    f"rule {spec!r} gives both 'isin' and its alias 'in'; keep 'isin'"
                )
            d["isin"] = d.pop("in")
        if "persona" in d and "column" not in d:
            d["column"] = "persona"
        allowed = {"column", "points", "name", "steps", "else_steps", *_CONDITIONS}
        unknown = sorted(set(d) - allowed)
        if unknown:
            raise ParameterError(
                f"unknown rule key(s) {unknown}; allowed: {sorted(allowed)} ('in' is an "
                "alias of 'isin')"
            )
        if "column" not in d:
            raise ParameterError(f"rule {spec!r} has no 'column'")
        return cls(**d)


def rules_from(rules: Any, *, what: str = "fit_rules") -> tuple[Rule, ...]:
    """Normalise ``None`` / a sequence of rules or dicts into a tuple of :class:`Rule`."""
    if rules is None:
        return ()
    if isinstance(rules, (Rule, Mapping)):
        rules = [rules]
    if isinstance(rules, (str, bytes)) or not isinstance(rules, Sequence):
        raise ParameterError(f"{what} must be a sequence of rules or dicts, got {rules!r}")
    return tuple(Rule.from_dict(r) for r in rules)


# ----------------------------------------------------------------------------- evaluation
def lead_column(leads: Any, column: str, personas: Any = None) -> tuple[str, Any]:
    """Return ("cat", Categorical-like) or ("num", float array)."""
    if column == "persona" and personas is not None:
        return "cat", personas
    if column in leads.categorical:
        return "cat", leads.categorical[column]
    if column in leads.numeric:
        return "num", leads.numeric[column]
    available = sorted([*leads.categorical, *leads.numeric])
    raise MissingColumnError(
        f"rule column {column!r} not found; available: {available}",
        column=column,
        table="leads",
        fix="name a categorical or numeric lead column in the rule",
    )


def category_mask(rule: Rule, col: Any) -> np.ndarray:
    """Per category of the factorised lead column ``col``: whether ``rule`` holds."""
    cats = np.asarray(col.categories, dtype=object).astype(str)
    k = rule.kind
    _refuse_flag_values(rule)
    if k == "equals":
        return np.asarray(cats == _label(rule.equals), dtype=bool)
    if k == "persona":
        return np.asarray(cats == str(rule.persona), dtype=bool)
    if k == "isin":
        return np.isin(cats, np.asarray([_label(v) for v in rule.isin or ()], dtype=object))
    if k == "contains":
        low = np.char.lower(cats.astype(str))
        out = np.zeros(cats.size, dtype=bool)
        for kw in rule.contains or ():
            out |= np.char.find(low, kw.lower()) >= 0
        return out
    return _range_mask(rule, _category_numbers(rule, col))


def _label(value: Any) -> str:
    """A rule's value as the label of a text column: a whole float as its integer (``101.0``
    is the label ``"101"``, as a float column of codes is labelled:
    :func:`~alignment.tables._labels.whole_numbers`), any other value as ``str``."""
    if isinstance(value, (float, np.floating)):
        v = np.array([value], dtype=np.float64)
        if whole_numbers(v, np.isnan(v))[0]:
            return str(int(value))
    return str(value)


def _refuse_flag_values(rule: Rule) -> None:
    """Refuse a flag (``True``/``False``) compared with a text column: its text ``"True"``
    is not read as the flag (nor ``"yes"``, ``"1"``); the comparison would depend on the
    spelling of the export."""
    values = rule.isin or () if rule.kind == "isin" else (rule.equals,)
    flag = next((v for v in values if isinstance(v, (bool, np.bool_))), None)
    if flag is not None:
        raise ParameterError(
            f"rule {rule.label!r}: column {rule.column!r} holds text, and {flag!r} is a flag: "
            "text is never read as a flag; compare with the text as the export writes it "
            f"(e.g. {str(flag)!r}, 'yes'), or give the column as booleans"
        )


def _category_numbers(rule: Rule, col: Any) -> np.ndarray:
    """The categories of a text column read as numbers, as the library reads text numbers
    (``"1,200"`` is 1200); a label that is not a number is refused, never left out of a range.

    Raises
    ------
    DataValidationError
        Naming the column, the leads (rows) holding labels that are not numbers, the first
        such label and the fix.
    """
    cats = np.asarray(col.categories, dtype=object)
    try:
        return numeric(cats, column=rule.column, table="leads", allow_missing=True)
    except DataValidationError:
        pass
    bad = []
    for i, c in enumerate(cats.tolist()):  # the error path only: find every unreadable label
        try:
            numeric(np.array([c], dtype=object), column=rule.column, allow_missing=True)
        except DataValidationError:
            bad.append(i)
    codes = np.asarray(col.codes)
    rows = np.flatnonzero(np.isin(codes, np.asarray(bad, dtype=codes.dtype)))
    raise DataValidationError(
        f"rule {rule.label!r} compares with min/max, but the text column holds values that are "
        "not numbers",
        column=rule.column,
        table="leads",
        rows=rows,
        value=cats[codes[rows[0]]],
        fix="give numbers (e.g. '1200' or '1,200', not '5000+' or 'big'), convert the column "
        "to a numeric column, or use an equals/isin rule on its labels",
    )


def _range_mask(rule: Rule, x: np.ndarray) -> np.ndarray:
    # NaN compares False, so missing values never meet a bound
    if rule.min is not None and rule.max is not None:
        out = x >= rule.min
        out &= x <= rule.max
    elif rule.min is not None:
        out = x >= rule.min
    else:
        out = x <= rule.max
    return np.asarray(out, dtype=bool)


def _refuse_flag_range(rule: Rule, leads: Any) -> None:
    """Refuse a min/max rule on a flag column: ``True``/``False`` are no quantity (read as
    1 and 0 they would meet ``min=0`` always and ``min=200`` never)."""
    flags = getattr(leads, "exact", {}).get(rule.column)
    if flags is not None and flags.dtype.kind == "O":  # (LeadTable.exact: flags as objects)
        raise DataValidationError(
            f"rule {rule.label!r} compares with min/max, but the column holds flags "
            "(True/False), not numbers",
            column=rule.column,
            table="leads",
            fix="use an equals rule (equals=True), or give the column as numbers",
        )


def evaluate_rule(
    rule: Rule, leads: Any, rows: np.ndarray | None = None, personas: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate ``rule`` on every lead (or on ``rows``).

    Returns
    -------
    (met, known) : tuple of bool ndarray
        ``met`` where the condition holds; ``known`` where the lead's value is not missing.
    """
    kind, col = lead_column(leads, rule.column, personas)
    if kind == "cat":
        codes = np.asarray(col.codes)
        if rows is not None:
            codes = codes[rows]
        lut = np.zeros(len(col.categories) + 1, dtype=bool)
        lut[1:] = category_mask(rule, col)
        met = lut[codes + 1]
        return met, codes >= 0
    full = np.asarray(col, dtype=np.float64)
    x = full if rows is None else full[rows]
    known = ~np.isnan(x)
    if np.isnan(full).all():  # a column of missing values only: no lead meets any condition
        return np.zeros(x.size, dtype=bool), known
    k = rule.kind
    if k == "range":
        _refuse_flag_range(rule, leads)
        return _range_mask(rule, x), known
    if k == "equals":
        try:
            v = float(rule.equals)
        except (TypeError, ValueError):
            raise ParameterError(
                f"rule {rule.label!r}: column {rule.column!r} is numeric, "
                f"cannot compare with {rule.equals!r}"
            ) from None
        return x == v, known
    if k == "isin":
        try:
            vals = np.asarray([float(v) for v in rule.isin or ()], dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError(
                f"rule {rule.label!r}: column {rule.column!r} is numeric; 'isin' needs numbers"
            ) from None
        return np.isin(x, vals), known
    raise DataValidationError(
        f"rule {rule.label!r}: condition {k!r} needs a text column, but the column is numeric",
        column=rule.column,
        table="leads",
        fix="use equals / in / min / max on numeric columns",
    )
