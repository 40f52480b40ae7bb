"""A small, documented encoder turning lead attributes into a numeric design matrix.

Rules (see ``docs/scoring/logistic.md``):

* **Numeric columns** pass through unchanged (coefficients stay in the column's units).
  In a lead table, a numeric column with missing values in training is filled with its
  training median and gets an extra indicator column ``"<name>=(missing)"``; missing values at
  predict time are filled the same way (indicator set when it exists).  Outside lead tables,
  NaN in a numeric column is a :class:`alignment.DataValidationError`.
* **Categorical columns** are one-hot encoded against a **baseline level** (the most frequent
  level in training, ties broken alphabetically), which gets no column.  Missing values are the
  level ``"(missing)"``.  Levels seen fewer than ``min_count`` times are **pooled** into
  ``"(other)"``.  A column left with a single level after pooling is constant and dropped
  (listed in ``dropped_``).
* **Unknown levels at predict time** (not seen in training) are treated as rare levels: they get
  the ``"(other)"`` column when the column has one, otherwise the baseline (all zeros).  Their
  count per column is kept in ``unknown_counts_`` after each transform.
* Identifier-like lead columns (:data:`IDENTIFIER_COLUMNS`) and stage timestamps are never used
  unless named explicitly in ``features``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._params import check_flag, is_na, is_number
from ..errors import DataValidationError, MissingColumnError, reject_rows

__all__ = ["IDENTIFIER_COLUMNS", "LeadEncoder"]

#: lead columns never used as features by default (identifiers, free text, post-outcome fields)
IDENTIFIER_COLUMNS = frozenset(
    {
        "lead_id",
        "id",
        "email",
        "account_id",
        "company",
        "owner",
        "name",
        "first_name",
        "last_name",
        "phone",
        "website",
        "domain",
    }
)

MISSING = "(missing)"
OTHER = "(other)"


@dataclass(frozen=True)
class _CatSpec:
    name: str
    baseline: str
    columns: tuple[str, ...]  # levels that get a column, in output order ("(other)" last)
    kept: frozenset[str]  # levels seen >= min_count (baseline included)
    pooled: bool  # whether "(other)" has a column
    seen: frozenset[str]  # every level present in training


@dataclass(frozen=True)
class _NumSpec:
    name: str
    fill: float
    indicator: bool
    # fitted on a bool column (True/False its values) or on numbers (a flag is refused);
    # None: not known (a spec built elsewhere), both read as numbers
    flags: bool | None = None


def _categorical_values(col: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return (codes int64 with -1 = missing, categories as str object array)."""
    if hasattr(col, "codes") and hasattr(col, "categories"):
        return np.asarray(col.codes, dtype=np.int64), np.asarray(col.categories, dtype=object)
    arr = np.asarray(col, dtype=object)
    missing = np.array([v is None or (isinstance(v, float) and v != v) for v in arr], dtype=bool)
    codes = np.full(arr.size, -1, dtype=np.int64)
    if (~missing).any():
        cats, inv = np.unique(arr[~missing].astype(str), return_inverse=True)
        codes[~missing] = inv
    else:
        cats = np.empty(0, dtype=object)
    return codes, np.asarray(cats, dtype=object)


def _is_numeric(col: Any) -> bool:
    if hasattr(col, "codes"):
        return False
    arr = np.asarray(col)
    return arr.dtype.kind in "iufb"


def _numeric_feature(col: Any, spec: _NumSpec) -> np.ndarray:
    """A column given for the numeric feature ``spec`` as a float64 copy (missing: NaN).

    Text (``"10"``, ``"yes"``) is refused, never parsed; so are flags (``True``) unless the
    feature was fitted on flags: the column is not the one the model learned from."""
    if hasattr(col, "codes"):  # (a factorised text column)
        arr = np.asarray(col.categories, dtype=object)[np.asarray(col.codes)]
        _refuse_not_numbers(np.asarray(col.codes) >= 0, arr, spec)
    arr = np.asarray(col)
    if arr.dtype.kind == "b" and spec.flags is False:
        _refuse_not_numbers(np.ones(arr.size, dtype=bool), arr, spec)
    if arr.dtype.kind == "O":  # each value read (object arrays only)
        values = arr.tolist()
        ok = [_number_or_missing(v, spec.flags is not False) for v in values]
        _refuse_not_numbers(~np.array(ok, dtype=bool), arr, spec)
        arr = np.array([np.nan if v is None or is_na(v) else v for v in values], np.float64)
    elif arr.dtype.kind not in "iufb":
        _refuse_not_numbers(np.ones(arr.size, dtype=bool), arr, spec)
    x = np.array(arr, dtype=np.float64)
    if spec.flags:  # a flag feature: 0/1 (or True/False) only
        _refuse_not_numbers(~np.isnan(x) & (x != 0.0) & (x != 1.0), x, spec)
    return x


def _number_or_missing(v: Any, flags: bool) -> bool:
    """A number (a flag too for a flag feature) or a missing value (``None``, NaN, pd.NA)."""
    if v is None or is_number(v):
        return True
    if isinstance(v, (bool, np.bool_)):
        return flags
    return is_na(v)


def _refuse_not_numbers(bad: np.ndarray, values: np.ndarray, spec: _NumSpec) -> None:
    kind = "flags (True/False)" if spec.flags else "numbers"
    reject_rows(
        bad,
        f"the model was fitted on {kind} in this column; these rows hold something else "
        "(text is never read as a number or a flag)",
        table="X",
        column=spec.name,
        values=values,
        fix=f"pass the column as {kind}, as in fit",
    )


def reject_nonfinite_feature(bad: np.ndarray, x: np.ndarray, name: str) -> None:
    """Refuse the rows ``bad`` (missing or infinite) of numeric feature ``name`` (values ``x``)
    when fitting without imputation."""
    reject_rows(
        bad,
        "numeric feature has missing or infinite values",
        table="X",
        column=name,
        values=x,
        fix="impute or drop them before fitting (a LeadTable gets a "
        "missing-value indicator automatically)",
    )


def category_spec(
    name: str, categories: np.ndarray, counts: np.ndarray, min_count: int
) -> _CatSpec | None:
    """The rule of a categorical column from its level counts (``counts[0]``: missing values,
    ``counts[1 + k]``: ``categories[k]``); ``None`` when it is constant after pooling."""
    level_names = np.concatenate([np.asarray([MISSING], dtype=object), categories])
    present = counts > 0
    kept_mask = present & (counts >= min_count)
    rare_mask = present & ~kept_mask
    kept = [str(level_names[i]) for i in np.flatnonzero(kept_mask)]
    pooled = bool(rare_mask.any())
    if len(kept) + (1 if pooled else 0) <= 1:
        return None
    if kept:
        kept_counts = counts[kept_mask]
        # most frequent, ties alphabetical
        order = sorted(range(len(kept)), key=lambda i: (-int(kept_counts[i]), kept[i]))
        baseline = kept[order[0]]
    else:  # pragma: no cover - a single level is handled above
        baseline = OTHER
    out_cols = tuple(sorted(lv for lv in kept if lv != baseline)) + ((OTHER,) if pooled else ())
    seen = frozenset(str(level_names[i]) for i in np.flatnonzero(present))
    return _CatSpec(name, baseline, out_cols, frozenset(kept), pooled, seen)


class LeadEncoder:
    """One-hot (baseline + pooling) encoder for lead attributes; numeric columns pass through.

    Parameters
    ----------
    features : sequence of str, optional
        Columns to use, in this order; default: every column except identifiers.
    min_count : int, default 10
        Levels with fewer training rows are pooled into ``"(other)"``.

    Attributes
    ----------
    input_names_ : list of str
        Input columns used.
    feature_names_ : list of str
        Output columns (``"industry=Retail"``, ``"company_size"``, ``"company_size=(missing)"``).
    baselines_ : dict
        Baseline level per categorical column.
    dropped_ : list of str
        Input columns dropped because they were constant in training.
    unknown_counts_ : dict
        Rows with a level unseen in training, per column, in the last transform.
    """

    def __init__(self, features: Sequence[str] | None = None, min_count: int = 10) -> None:
        self.features = features
        self.min_count = min_count

    # ------------------------------------------------------------------ fit
    def fit_leads(self, leads: Any) -> LeadEncoder:
        """Fit on a :class:`~alignment.LeadTable` (numeric and categorical lead columns)."""
        flags = {c for c, v in getattr(leads, "exact", {}).items() if v.dtype.kind == "O"}
        return self.fit(self._lead_columns(leads, fitting=True), impute=True, flag_columns=flags)

    def _lead_columns(self, leads: Any, *, fitting: bool) -> dict[str, Any]:
        available: dict[str, Any] = {}
        available.update(leads.numeric)
        available.update(leads.categorical)
        if fitting:
            if self.features is None:
                names = [c for c in available if c not in IDENTIFIER_COLUMNS]
            else:
                names = list(self.features)
        else:
            names = list(self.input_names_)
        missing = [c for c in names if c not in available]
        if missing:
            raise MissingColumnError(
                f"feature column {missing[0]!r} not found; available: {sorted(available)}",
                column=missing[0],
                table="leads",
                fix="pass features=[...] naming numeric or categorical lead columns",
            )
        return {c: available[c] for c in names}

    def fit(
        self,
        columns: Mapping[str, Any],
        *,
        impute: bool = False,
        exclude_identifiers: bool = False,
        flag_columns: Collection[str] = (),
    ) -> LeadEncoder:
        """Fit on a mapping of columns (numeric arrays, object arrays or Categoricals).

        ``impute`` (fill missing numbers with the training mean) and ``exclude_identifiers``
        (leave identifier-like columns out) are ``True`` or ``False``; anything else is a
        :class:`alignment.ParameterError`.  ``flag_columns``: the number columns that hold
        flags read as 0/1 (a :class:`~alignment.LeadTable`'s flag columns), taken as flags
        when predicting.
        """
        impute = check_flag(impute, "LeadEncoder.fit: impute")
        exclude_identifiers = check_flag(
            exclude_identifiers, "LeadEncoder.fit: exclude_identifiers"
        )
        if self.features is not None:
            missing = [c for c in self.features if c not in columns]
            if missing:
                raise MissingColumnError(
                    f"feature column {missing[0]!r} not found; available: {sorted(columns)}",
                    column=missing[0],
                    table="X",
                )
            names = list(self.features)
        else:
            names = [c for c in columns if not (exclude_identifiers and c in IDENTIFIER_COLUMNS)]
        specs: list[_CatSpec | _NumSpec] = []
        dropped: list[str] = []
        for name in names:
            col = columns[name]
            if _is_numeric(col):
                x = np.asarray(col, dtype=np.float64)
                bad = ~np.isfinite(x)
                if not impute:
                    reject_nonfinite_feature(bad, x, name)
                ok = x[~bad]
                fill = float(np.median(ok)) if ok.size else 0.0
                flags = np.asarray(col).dtype.kind == "b" or name in flag_columns
                specs.append(_NumSpec(name, fill, bool(bad.any()), flags))
                continue
            codes, cats = _categorical_values(col)
            counts = np.bincount(codes + 1, minlength=cats.size + 1)
            spec = category_spec(name, cats, counts, self.min_count)
            if spec is None:
                dropped.append(name)
            else:
                specs.append(spec)
        return self.with_specs(specs, dropped, impute=impute)

    def with_specs(
        self, specs: Sequence[_CatSpec | _NumSpec], dropped: Sequence[str], *, impute: bool
    ) -> LeadEncoder:
        """The encoder fitted with these column rules (``fit``'s last step; a fit whose level
        counts were summed elsewhere, e.g. over the partitions of a Dask frame, ends here)."""
        specs = list(specs)
        self.impute_ = impute
        self.specs_ = specs
        self.input_names_ = [s.name for s in specs] + []
        self.dropped_ = list(dropped)
        self.baselines_ = {s.name: s.baseline for s in specs if isinstance(s, _CatSpec)}
        fnames: list[str] = []
        for s in specs:
            if isinstance(s, _NumSpec):
                fnames.append(s.name)
                if s.indicator:
                    fnames.append(f"{s.name}={MISSING}")
            else:
                fnames.extend(f"{s.name}={lv}" for lv in s.columns)
        self.feature_names_ = fnames
        self.unknown_counts_: dict[str, int] = {}
        return self

    # ------------------------------------------------------------------ transform
    def transform_leads(self, leads: Any) -> np.ndarray:
        """Encode a lead table with the fitted rules."""
        available: dict[str, Any] = {}
        available.update(leads.numeric)
        available.update(leads.categorical)
        return self.transform(available)

    def transform(self, columns: Mapping[str, Any]) -> np.ndarray:
        """Encode a mapping of columns; returns a C-contiguous float64 matrix."""
        missing = [s.name for s in self.specs_ if s.name not in columns]
        if missing:
            raise MissingColumnError(
                f"feature column {missing[0]!r} used in fit is missing",
                column=missing[0],
                table="X",
                fix="pass the same columns as in fit",
            )
        n = None
        for s in self.specs_:
            col = columns[s.name]
            m = len(col.codes) if hasattr(col, "codes") else len(col)
            n = m if n is None else n
            if m != n:
                raise DataValidationError(
                    f"column has {m} rows, expected {n}", table="X", column=s.name
                )
        if n is None:
            n = 0
            for col in columns.values():
                n = len(col.codes) if hasattr(col, "codes") else len(col)
                break
        out = np.zeros((n, len(self.feature_names_)), dtype=np.float64)
        j = 0
        unknown: dict[str, int] = {}
        rows = np.arange(n)
        for s in self.specs_:
            col = columns[s.name]
            if isinstance(s, _NumSpec):
                x = _numeric_feature(col, s)
                bad = ~np.isfinite(x)
                if bad.any():
                    if not self.impute_:
                        r = np.flatnonzero(bad)
                        raise DataValidationError(
                            "numeric feature has missing or infinite values",
                            table="X",
                            column=s.name,
                            rows=r,
                            value=float(x[r[0]]),
                            fix="impute or drop them before scoring",
                        )
                    x[bad] = s.fill
                out[:, j] = x
                j += 1
                if s.indicator:
                    out[:, j] = bad
                    j += 1
                continue
            codes, cats = _categorical_values(col)
            level_names = np.concatenate([np.asarray([MISSING], dtype=object), cats])
            col_index = {lv: k for k, lv in enumerate(s.columns)}
            other = col_index.get(OTHER, -1)
            lut = np.full(level_names.size, -1, dtype=np.int64)
            is_unknown = np.zeros(level_names.size, dtype=bool)
            for i, lv in enumerate(level_names):
                lv = str(lv)
                if lv in col_index and lv != OTHER:
                    lut[i] = col_index[lv]
                elif lv == s.baseline and lv in s.kept:
                    lut[i] = -1
                elif lv in s.kept:  # pragma: no cover - every kept level is a column or baseline
                    lut[i] = -1
                else:
                    lut[i] = other
                    is_unknown[i] = lv not in s.seen
            idx = lut[codes + 1]
            hit = idx >= 0
            out[rows[hit], j + idx[hit]] = 1.0
            unk = int(is_unknown[codes + 1].sum())
            if unk:
                unknown[s.name] = unk
            j += len(s.columns)
        self.unknown_counts_ = unknown
        return out
