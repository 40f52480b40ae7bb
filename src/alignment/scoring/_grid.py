"""Fit × interest grid scorer (``scorer="grid"``).

Fit (explicit, who the lead is) = sum of the points of the fit rules a lead meets.
Interest (implicit, what the lead did) = points per kind of touch, decayed to ``as_of``,
optionally restricted to a rolling window and capped per kind and in total.
Both axes are cut into letters (fit ``A``, ``B`` …) and digits (interest ``1``, ``2`` …);
the cell (``"A1"`` best) maps to an action.  See ``docs/scoring/grid.md``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._params import is_number, is_option, number_sequence
from .._segments import segment_sum
from .._time import parse_duration, parse_instant
from ..base import Scorer
from ..errors import DataValidationError, MissingColumnError, ParameterError
from ._rules import Rule, category_mask, evaluate_rule, lead_column, rules_from

__all__ = [
    "DEFAULT_INTEREST_POINTS",
    "GRADES",
    "FitInterestGrid",
    "decay_factor",
    "default_actions",
]

DEFAULT_INTEREST_POINTS: dict[str, float] = {
    "form": 50.0,
    "webinar": 20.0,
    "file_access": 3.0,
    "email_click": 2.0,
    "page_view": 1.0,
    "form_error": -5.0,
}
"""Points per kind of touch used when ``interest_points`` is not given (Pardot / Marketo
practice: form +50, webinar +20, file access +3, email click +2, page view +1, form error −5)."""

GRADES: tuple[str, ...] = (
    "F", "D-", "D", "D+", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+",
)  # fmt: skip
"""The 13-step grade ladder, worst to best (1/3 letter per step); everyone starts at "D"."""
_GRADE_START = 2
_US_PER_DAY = 86_400e6

FIT_LETTERS = "ABCDEFGHIJ"


def default_actions(n_fit: int, n_interest: int) -> dict[str, str]:
    """Default action per cell.

    Fit letters in the better half (``ceil(n_fit / 2)``; A and B of A–D) are *high fit*, digits
    in the better half (1 and 2 of 1–4) *high interest*:

    ===========  ==============  ===============
    \\            high interest   low interest
    ===========  ==============  ===============
    high fit     ``sales_ready``  ``nurture``
    low fit      ``review``       ``disqualify``
    ===========  ==============  ===============
    """
    hi_f = -(-n_fit // 2)
    hi_i = -(-n_interest // 2)
    out: dict[str, str] = {}
    for f in range(n_fit):
        for i in range(n_interest):
            cell = f"{FIT_LETTERS[f]}{i + 1}"
            if f < hi_f:
                out[cell] = "sales_ready" if i < hi_i else "nurture"
            else:
                out[cell] = "review" if i < hi_i else "disqualify"
    return out


def decay_factor(
    age_days: np.ndarray,
    *,
    half_life_days: float | None = None,
    rate: float | None = None,
    period_days: float | None = None,
) -> np.ndarray:
    """Multiplier applied to a touch's points given its age in days at ``as_of``.

    * half-life ``h``: ``0.5 ** (age / h)`` (continuous);
    * percentage per period (HubSpot style): ``(1 - rate) ** floor(age / period)`` — points
      drop at each completed period (10 points, 50 %/30 days → 5 after 30 days).
    * neither: 1.

    Ages are clipped at 0 from below, so the factor never exceeds 1.
    """
    age = np.maximum(np.asarray(age_days, dtype=np.float64), 0.0)
    if half_life_days is not None:
        return np.asarray(np.exp2(-age / half_life_days), dtype=np.float64)
    if rate is not None:
        assert period_days is not None
        k = np.floor(age / period_days)
        return np.asarray(np.power(1.0 - rate, k), dtype=np.float64)
    return np.ones_like(age)


def _check_cuts(cuts: Any, name: str) -> tuple[float, ...]:
    items = number_sequence(cuts)
    if not items:
        raise ParameterError(f"{name} must be a non-empty sequence of numbers, best first")
    vals = []
    for c in items:
        if not is_number(c) or not np.isfinite(c):
            raise ParameterError(f"{name}: cut points must be finite numbers, got {c!r}")
        vals.append(float(c))
    if any(a <= b for a, b in itertools.pairwise(vals)):
        raise ParameterError(
            f"{name} must be strictly decreasing (best first), e.g. (40, 20, 10); got {cuts!r}"
        )
    return tuple(vals)


def _cell_code(
    fit: np.ndarray,
    fit_cuts: tuple[float, ...],
    interest: np.ndarray | float,
    interest_cuts: tuple[float, ...],
) -> np.ndarray:
    """Cell index ``f * n_interest + i``: ``f`` counts the fit cuts the value is below
    (0 = best letter), ``i`` the interest cuts.  ``int8`` when the grid has < 128 cells.
    ``interest`` may be one number for every lead (no touchpoints)."""
    n_cells = (len(fit_cuts) + 1) * (len(interest_cuts) + 1)
    dtype = np.int8 if n_cells < 128 else np.int32
    f = np.zeros(fit.shape, dtype=dtype)
    for c in fit_cuts:
        f += fit < c
    f *= len(interest_cuts) + 1
    if isinstance(interest, np.ndarray):
        for c in interest_cuts:
            f += interest < c
    else:
        f += sum(1 for c in interest_cuts if interest < c)
    return f


class FitInterestGrid(Scorer):
    """Fit × interest grid: explicit fit rules, implicit interest from touches, cell and action.

    Parameters
    ----------
    fit_rules : sequence of Rule or dict, optional
        Points for explicit attributes, e.g.
        ``{"column": "title", "contains": ["vp", "director"], "points": 15}``.
    grade_rules : sequence of Rule or dict, optional
        Grade-ladder criteria (``steps`` / ``else_steps`` in 1/3 letters); adds a ``grade``
        column (``"F"`` … ``"A+"``, starting at ``"D"``).
    personas : sequence of alignment.Persona, optional
        Personas matched on the leads (see :func:`alignment.scoring.match_personas`); adds a
        ``persona`` column and feeds persona rules.  Without it, persona rules read the lead
        table's ``persona`` column.
    persona_strategy : {"first", "best"}, default "first"
    interest_points : mapping of str to float, optional
        Points per kind of touch (default :data:`DEFAULT_INTEREST_POINTS`).  Kinds not listed
        score 0 (counted in the result's diagnostics).
    kind_column : str, default "kind"
        Touch column holding the kind; the default falls back to ``channel`` when the touches
        have no ``kind`` column, another name missing is a ``MissingColumnError``.  With an
        :class:`alignment.ActivityLog` instead of journeys (sales activities), its ``kind``.
    caps : mapping of str to float, optional
        Maximum (decayed) points per kind per lead.
    total_cap : float, optional
        Maximum interest per lead.
    half_life : duration, optional
        Continuous decay, ``0.5 ** (age / half_life)``.
    decay_rate : float in (0, 1), optional
        Fraction lost per completed ``decay_period`` (exclusive with ``half_life``).
    decay_period : duration, default "30d"
    window : duration, optional
        Rolling window: only touches with ``as_of - window <= time <= as_of`` count.
    as_of : instant, optional
        Evaluation time (default: the latest touch).  Touches after it are ignored (counted).
    fit_cuts : sequence of float, default (30, 20, 10)
        Fit thresholds best first: ``fit >= 30`` → A, ``>= 20`` → B, ``>= 10`` → C, else D.
    interest_cuts : sequence of float, default (100, 50, 20)
        Interest thresholds best first → 1, 2, 3, 4.
    actions : mapping of str to str, optional
        Action per cell, overriding :func:`default_actions` cell by cell.
    mql_fit, mql_interest : float, optional
        MQL rule: ``fit >= mql_fit`` and ``interest >= mql_interest`` (the given ones).
    mql_grade : str, optional
        Additional MQL threshold on the grade ladder, e.g. ``"B-"``.

    Notes
    -----
    ``score`` (the :class:`alignment.base.Scorer` key) is ``fit + interest``.
    """

    name = "grid"
    description = "fit rules × decayed interest points → cell (A1 best) and action"
    requires_fit = False

    def __init__(
        self,
        fit_rules: Sequence[Rule | Mapping[str, Any]] | None = None,
        grade_rules: Sequence[Rule | Mapping[str, Any]] | None = None,
        personas: Sequence[Any] | None = None,
        persona_strategy: str = "first",
        interest_points: Mapping[str, float] | None = None,
        kind_column: str = "kind",
        caps: Mapping[str, float] | None = None,
        total_cap: float | None = None,
        half_life: Any = None,
        decay_rate: float | None = None,
        decay_period: Any = "30d",
        window: Any = None,
        as_of: Any = None,
        fit_cuts: Sequence[float] = (30.0, 20.0, 10.0),
        interest_cuts: Sequence[float] = (100.0, 50.0, 20.0),
        actions: Mapping[str, str] | None = None,
        mql_fit: float | None = None,
        mql_interest: float | None = None,
        mql_grade: str | None = None,
    ) -> None:
        self.fit_rules = fit_rules
        self.grade_rules = grade_rules
        self.personas = personas
        self.persona_strategy = persona_strategy
        self.interest_points = interest_points
        self.kind_column = kind_column
        self.caps = caps
        self.total_cap = total_cap
        self.half_life = half_life
        self.decay_rate = decay_rate
        self.decay_period = decay_period
        self.window = window
        self.as_of = as_of
        self.fit_cuts = fit_cuts
        self.interest_cuts = interest_cuts
        self.actions = actions
        self.mql_fit = mql_fit
        self.mql_interest = mql_interest
        self.mql_grade = mql_grade

    # ------------------------------------------------------------------ parameters
    def _config(self) -> dict[str, Any]:
        """Validate the parameters and return them normalised."""
        cfg: dict[str, Any] = {}
        cfg["fit_rules"] = rules_from(self.fit_rules, what="fit_rules")
        cfg["grade_rules"] = rules_from(self.grade_rules, what="grade_rules")
        if not is_option(self.persona_strategy, ("first", "best")):
            raise ParameterError(
                f"persona_strategy must be 'first' or 'best', got {self.persona_strategy!r}"
            )
        pts = DEFAULT_INTEREST_POINTS if self.interest_points is None else self.interest_points
        if not isinstance(pts, Mapping):
            raise ParameterError("interest_points must be a mapping {kind: points}")
        for k, v in pts.items():
            if not is_number(v) or not np.isfinite(v):
                raise ParameterError(f"interest_points[{k!r}] must be a finite number, got {v!r}")
        cfg["interest_points"] = {str(k): float(v) for k, v in pts.items()}
        caps = self.caps or {}
        if not isinstance(caps, Mapping):
            raise ParameterError("caps must be a mapping {kind: maximum points}")
        for k, v in caps.items():
            if not is_number(v) or not v >= 0:
                raise ParameterError(f"caps[{k!r}] must be a number >= 0, got {v!r}")
        cfg["caps"] = {str(k): float(v) for k, v in caps.items()}
        if self.total_cap is not None and (
            isinstance(self.total_cap, bool)
            or not is_number(self.total_cap)
            or not self.total_cap >= 0
        ):
            raise ParameterError(f"total_cap must be a number >= 0, got {self.total_cap!r}")
        if self.half_life is not None and self.decay_rate is not None:
            raise ParameterError("give either half_life or decay_rate, not both")
        cfg["half_life_days"] = (
            None
            if self.half_life is None
            else float(parse_duration(self.half_life, name="half_life").astype(np.int64))
            / _US_PER_DAY
        )
        cfg["rate"] = None
        cfg["period_days"] = None
        if self.decay_rate is not None:
            r = self.decay_rate
            if not is_number(r) or not 0.0 < r < 1.0:
                raise ParameterError(
                    f"decay_rate must be a fraction in (0, 1) lost per period, got {r!r}"
                )
            cfg["rate"] = float(r)
            cfg["period_days"] = (
                float(parse_duration(self.decay_period, name="decay_period").astype(np.int64))
                / _US_PER_DAY
            )
        cfg["window"] = None if self.window is None else parse_duration(self.window, name="window")
        cfg["as_of"] = None if self.as_of is None else parse_instant(self.as_of, name="as_of")
        cfg["fit_cuts"] = _check_cuts(self.fit_cuts, "fit_cuts")
        cfg["interest_cuts"] = _check_cuts(self.interest_cuts, "interest_cuts")
        if len(cfg["fit_cuts"]) >= len(FIT_LETTERS):
            raise ParameterError(f"at most {len(FIT_LETTERS) - 1} fit cut points")
        n_f = len(cfg["fit_cuts"]) + 1
        n_i = len(cfg["interest_cuts"]) + 1
        acts = default_actions(n_f, n_i)
        if self.actions is not None:
            if not isinstance(self.actions, Mapping):
                raise ParameterError("actions must be a mapping {cell: action}")
            unknown = sorted(set(self.actions) - set(acts))
            if unknown:
                raise ParameterError(
                    f"actions name unknown cell(s) {unknown}; cells are {sorted(acts)}"
                )
            acts.update({k: str(v) for k, v in self.actions.items()})
        cfg["actions"] = acts
        for nm in ("mql_fit", "mql_interest"):
            v = getattr(self, nm)
            if v is not None and (not is_number(v) or not np.isfinite(v)):
                raise ParameterError(f"{nm} must be a finite number, got {v!r}")
        if self.mql_grade is not None and not is_option(self.mql_grade, GRADES):
            raise ParameterError(f"mql_grade must be one of {list(GRADES)}, got {self.mql_grade!r}")
        if self.mql_grade is not None and not cfg["grade_rules"]:
            raise ParameterError("mql_grade needs grade_rules (the grade ladder)")
        uses_persona = any(r.kind == "persona" for r in cfg["fit_rules"] + cfg["grade_rules"])
        cfg["uses_persona"] = uses_persona
        if uses_persona and self.personas is not None:
            self._check_persona_names(cfg["fit_rules"] + cfg["grade_rules"])
        return cfg

    def _check_persona_names(self, rules: Sequence[Any]) -> None:
        """A persona rule must name a persona of ``personas`` (else it could never hold)."""
        assert self.personas is not None
        known = {
            str(p.get("name") if isinstance(p, Mapping) else getattr(p, "name", p))
            for p in self.personas
        }
        for r in rules:
            if r.kind == "persona" and str(r.persona) not in known:
                raise ParameterError(
                    f"rule {r.label!r} names the persona {r.persona!r}, which no persona of "
                    f"personas= defines ({', '.join(sorted(known)) or 'none'}); fix the name"
                )

    def validate_params(self) -> None:
        """Check every parameter; raise :class:`alignment.ParameterError` if one is invalid."""
        self._config()

    # ------------------------------------------------------------------ fit axis
    def _persona_column(self, leads: Any) -> Any:
        if self.personas is None:
            return None
        from ._personas import match_personas

        return match_personas(leads, self.personas, strategy=self.persona_strategy).categorical

    def _fit_axis(
        self, cfg: Mapping[str, Any], leads: Any, personas: Any
    ) -> tuple[np.ndarray, np.ndarray | None]:
        n = int(leads.n_leads)
        # rules on one categorical column fold into one points-per-category lookup table;
        # a single reusable buffer keeps fresh allocations (page faults) to a minimum
        fit: np.ndarray | None = None
        buf: np.ndarray | None = None

        def add(values_into: Any) -> None:
            nonlocal fit, buf
            if fit is None:
                fit = np.empty(n, dtype=np.float64)
                values_into(fit)
                return
            if buf is None:
                buf = np.empty(n, dtype=np.float64)
            values_into(buf)
            fit += buf

        by_column: dict[str, list[Rule]] = {}
        for rule in cfg["fit_rules"]:
            kind, col = lead_column(leads, rule.column, personas)
            if kind == "cat":
                by_column.setdefault(rule.column, []).append(rule)
            elif rule.points != 0:
                met, _ = evaluate_rule(rule, leads, personas=personas)
                add(lambda out, met=met, pts=rule.points: np.multiply(met, pts, out=out))
            else:  # still validated
                evaluate_rule(rule, leads, personas=personas)
        for column, rules in by_column.items():
            _, col = lead_column(leads, column, personas)
            cats = np.asarray(col.categories, dtype=object)
            lut = np.zeros(cats.size + 1, dtype=np.float64)  # last slot: missing (code -1)
            for rule in rules:
                lut[:-1] += np.where(category_mask(rule, col), rule.points, 0.0)
            if lut.any():
                codes = np.asarray(col.codes)
                add(lambda out, lut=lut, codes=codes: np.take(lut, codes, out=out, mode="wrap"))
        if fit is None:
            fit = np.zeros(n, dtype=np.float64)
        grade = None
        if cfg["grade_rules"]:
            g = np.full(n, _GRADE_START, dtype=np.int16)
            for rule in cfg["grade_rules"]:
                met, known = evaluate_rule(rule, leads, personas=personas)
                if rule.steps:
                    g += np.where(met, rule.steps, 0).astype(np.int16)
                if rule.else_steps:
                    g += np.where(known & ~met, rule.else_steps, 0).astype(np.int16)
            grade = np.clip(g, 0, len(GRADES) - 1)
        return fit, grade

    # ------------------------------------------------------------------ interest axis
    def _touch_kind(self, journeys: Any) -> tuple[Any, str]:
        cols = getattr(journeys, "touch_columns", None) or {}
        if self.kind_column in cols:
            return cols[self.kind_column], self.kind_column
        direct = getattr(journeys, self.kind_column, None)  # ActivityLog.kind
        if direct is not None and hasattr(direct, "codes"):
            return direct, self.kind_column
        channel = getattr(journeys, "channel", None)
        if channel is None or self.kind_column not in ("kind", "channel"):
            # (a column named by the caller is never replaced by the channel: every touch
            # would go unscored)
            raise MissingColumnError(
                f"the touches / activities have no {self.kind_column!r} column",
                table="touchpoints",
                column=self.kind_column,
                fix="add a kind column or set kind_column= to a column that names the kind "
                "(a Journeys built by hand keeps it with touch_categorical=[...])",
            )
        return channel, "channel"

    def _touch_values(
        self, cfg: Mapping[str, Any], journeys: Any, part: slice | None = None
    ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        """Per-touch decayed points, the kind codes, and diagnostics.

        ``part`` restricts the work to a slice of the touches (one lead's, for explanations);
        the default ``as_of`` is still the latest touch of all journeys.
        """
        kind, kind_name = self._touch_kind(journeys)
        cats = np.asarray(kind.categories, dtype=object).astype(str)
        lut = np.zeros(cats.size + 1, dtype=np.float64)
        scored = np.zeros(cats.size + 1, dtype=bool)
        pts = cfg["interest_points"]
        for i, c in enumerate(cats):
            if c in pts:
                lut[i + 1] = pts[c]
                scored[i + 1] = True
        codes = np.asarray(kind.codes)
        all_times = np.asarray(journeys.time)
        times = all_times
        if part is not None:
            codes = codes[part]
            times = all_times[part]
        values = lut[codes + 1]
        diag: dict[str, Any] = {"kind_column": kind_name}
        unscored = ~scored[codes + 1]
        diag["unscored_touches"] = int(unscored.sum())
        if diag["unscored_touches"]:
            present = np.unique(codes[unscored])
            diag["unscored_kinds"] = sorted("(missing)" if c < 0 else str(cats[c]) for c in present)
        n_t = codes.size
        timed = bool(getattr(journeys, "timed", True))
        needs_time = (
            cfg["half_life_days"] is not None
            or cfg["rate"] is not None
            or cfg["window"] is not None
            or cfg["as_of"] is not None
        )
        if needs_time and not timed:
            raise DataValidationError(
                "decay, window and as_of need touch timestamps, but these journeys are "
                "aggregated paths",
                table="touchpoints",
                column="timestamp",
                fix="pass timestamped touchpoints, or drop half_life/decay_rate/window/as_of",
            )
        if timed and n_t:
            as_of = cfg["as_of"]
            if as_of is None:
                as_of = all_times.max()
            diag["as_of"] = as_of
            # ages in microseconds, as integers (exact comparisons with the window)
            age = np.int64(np.datetime64(as_of, "us").astype(np.int64)) - times.astype(
                "datetime64[us]", copy=False
            ).view(np.int64)
            keep = age >= 0
            diag["touches_after_as_of"] = int(n_t - np.count_nonzero(keep))
            if cfg["window"] is not None:
                inside = age <= int(cfg["window"].astype(np.int64))
                diag["touches_outside_window"] = int(np.count_nonzero(keep & ~inside))
                keep &= inside
            if cfg["half_life_days"] is not None or cfg["rate"] is not None:
                # decay only the touches that count and carry points
                idx = np.flatnonzero(keep & (values != 0.0))
                values[idx] *= decay_factor(
                    age[idx] / _US_PER_DAY,
                    half_life_days=cfg["half_life_days"],
                    rate=cfg["rate"],
                    period_days=cfg["period_days"],
                )
            if not keep.all():
                values *= keep
        return values, codes, diag

    def _interest_per_journey(
        self, cfg: Mapping[str, Any], journeys: Any
    ) -> tuple[np.ndarray, dict[str, Any]]:
        values, codes, diag = self._touch_values(cfg, journeys)
        offsets = np.asarray(journeys.offsets, dtype=np.int64)
        total = segment_sum(values, offsets)
        caps = cfg["caps"]
        if caps:
            kind, _ = self._touch_kind(journeys)
            cats = np.asarray(kind.categories, dtype=object).astype(str)
            for k, cap in caps.items():
                hit = np.flatnonzero(cats == k)
                if hit.size == 0:
                    continue
                part = segment_sum(np.where(codes == hit[0], values, 0.0), offsets)
                total += np.minimum(part, cap) - part
        if self.total_cap is not None:
            total = np.minimum(total, float(self.total_cap))
        return total, diag

    def _interest_axis(
        self, cfg: Mapping[str, Any], leads: Any, journeys: Any
    ) -> tuple[np.ndarray, dict[str, Any]]:
        n = int(leads.n_leads)
        interest = np.zeros(n, dtype=np.float64)
        if journeys is None:
            return interest, {"touches": 0}
        per_journey, diag = self._interest_per_journey(cfg, journeys)
        keys = np.asarray(journeys.keys)
        ids = np.asarray(leads.ids)
        if keys.shape == ids.shape and keys.dtype == ids.dtype and np.array_equal(keys, ids):
            interest[:] = per_journey  # same leads in the same order: no lookup needed
            found = np.ones(keys.size, dtype=bool)
        else:
            pos, found = leads.positions(keys)
            pos = np.asarray(pos, dtype=np.int64)
            found = np.asarray(found, dtype=bool)
            interest[pos[found]] = per_journey[found]
        if not found.all():
            lengths = np.diff(np.asarray(journeys.offsets))
            miss = ~found
            diag["unmatched_journeys"] = int(miss.sum())
            diag["unmatched_touches"] = int(lengths[miss].sum())
            diag["unmatched_keys"] = [str(k) for k in np.asarray(journeys.keys)[miss][:5]]
        diag["touches"] = int(np.asarray(journeys.offsets)[-1])
        return interest, diag

    # ------------------------------------------------------------------ scoring
    def score(self, leads: Any, touchpoints: Any = None) -> dict[str, np.ndarray]:
        """Score leads: ``score``, ``fit``, ``interest``, ``cell``, ``action`` (+ ``grade``,
        ``mql``, ``persona`` when configured), one value per lead in the table's order."""
        columns, info = self.score_details(leads, touchpoints)
        out = dict(columns)
        for key, (code, labels) in info["coded"].items():
            out[key] = np.asarray(labels, dtype=object).take(code.astype(np.intp))
        return out

    def score_details(
        self, leads: Any, touchpoints: Any = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """:meth:`score` plus run information.

        String columns are returned as codes, so that scoring millions of leads does not
        build millions of Python strings; :class:`ScoreResult` decodes them on first use.

        Returns
        -------
        (columns, info)
            ``columns``: the numeric per-lead columns.  ``info``: ``coded`` (string columns as
            ``{name: (codes, labels)}`` — ``cell``, ``action``, ``grade``), ``diagnostics``
            (touches not scored and why), ``cell_names`` and ``action_names`` (grid order).
        """
        cfg = self._config()
        personas = self._persona_column(leads)
        if cfg["uses_persona"] and personas is None and "persona" not in leads.categorical:
            raise DataValidationError(
                "persona rules need either personas=[...] or a 'persona' lead column",
                table="leads",
                column="persona",
                fix="pass personas=[Persona(...), ...] to the grid or add a persona column",
            )
        fit, grade = self._fit_axis(cfg, leads, personas)
        interest, diag = self._interest_axis(cfg, leads, touchpoints)
        n_i = len(cfg["interest_cuts"]) + 1
        n_f = len(cfg["fit_cuts"]) + 1
        code = _cell_code(
            fit, cfg["fit_cuts"], interest if touchpoints is not None else 0.0, cfg["interest_cuts"]
        )
        cell_names = np.asarray(
            [f"{FIT_LETTERS[f]}{i + 1}" for f in range(n_f) for i in range(n_i)], dtype=object
        )
        action_names = np.asarray([cfg["actions"][str(c)] for c in cell_names], dtype=object)
        out: dict[str, Any] = {
            "score": fit + interest if touchpoints is not None else fit,
            "fit": fit,
            "interest": interest,
        }
        for arr in out.values():
            arr.setflags(write=False)  # "score" may share memory with "fit"
        coded: dict[str, tuple[np.ndarray, np.ndarray]] = {
            "cell": (code, cell_names),
            "action": (code, action_names),
        }
        if grade is not None:
            coded["grade"] = (grade, np.asarray(GRADES, dtype=object))
        if self.mql_fit is not None or self.mql_interest is not None or self.mql_grade:
            mql = np.ones(fit.size, dtype=bool)
            if self.mql_fit is not None:
                mql &= fit >= self.mql_fit
            if self.mql_interest is not None:
                mql &= interest >= self.mql_interest
            if self.mql_grade is not None and grade is not None:
                mql &= grade >= GRADES.index(self.mql_grade)
            out["mql"] = mql
        if personas is not None:
            labels = np.empty(len(personas.categories) + 1, dtype=object)
            labels[:-1] = personas.categories  # the last label, None, is for code -1
            coded["persona"] = (np.asarray(personas.codes), labels)  # code -1 → None (last)
            diag["leads_without_persona"] = int(np.count_nonzero(np.asarray(personas.codes) < 0))
        info = {
            "coded": coded,
            "diagnostics": diag,
            "cell_names": cell_names,
            "action_names": action_names,
        }
        return out, info

    # ------------------------------------------------------------------ explanation
    def explain(self, leads: Any, touchpoints: Any, index: int) -> list[dict[str, Any]]:
        """Rules and touch kinds that contributed to lead ``index`` (position in ``leads``)."""
        cfg = self._config()
        personas = self._persona_column(leads)
        rows = np.asarray([index], dtype=np.int64)
        out: list[dict[str, Any]] = []
        for rule in cfg["fit_rules"]:
            met, _ = evaluate_rule(rule, leads, rows, personas=personas)
            if met[0] and rule.points != 0:
                out.append({"axis": "fit", "rule": rule.label, "points": float(rule.points)})
        for rule in cfg["grade_rules"]:
            met, known = evaluate_rule(rule, leads, rows, personas=personas)
            steps = rule.steps if met[0] else (rule.else_steps if known[0] else 0)
            if steps:
                out.append(
                    {"axis": "grade", "rule": rule.label, "points": 0.0, "steps": int(steps)}
                )
        if touchpoints is None:
            return out
        key = np.asarray(leads.ids)[index]
        keys = np.asarray(touchpoints.keys)
        if keys.dtype.kind != np.asarray(leads.ids).dtype.kind:
            keys, key = keys.astype(str), str(key)
        hit = np.flatnonzero(keys == key)  # keys of an ActivityLog need not be sorted
        if hit.size == 0:
            return out
        j = int(hit[0])
        offs = np.asarray(touchpoints.offsets)
        lo, hi = int(offs[j]), int(offs[j + 1])
        seg_vals, seg_codes, _ = self._touch_values(cfg, touchpoints, slice(lo, hi))
        kind, _ = self._touch_kind(touchpoints)
        cats = np.asarray(kind.categories, dtype=object).astype(str)
        total = 0.0
        for c in np.unique(seg_codes):
            sel = seg_codes == c
            name = "(missing)" if c < 0 else str(cats[c])
            pts = float(seg_vals[sel].sum())
            entry: dict[str, Any] = {
                "axis": "interest",
                "rule": name,
                "touches": int(sel.sum()),
                "points": pts,
            }
            cap = cfg["caps"].get(name)
            if cap is not None and pts > cap:
                entry["capped_from"] = pts
                entry["points"] = cap
            total += entry["points"]
            if entry["points"] != 0 or entry["touches"]:
                out.append(entry)
        if self.total_cap is not None and total > self.total_cap:
            out.append(
                {"axis": "interest", "rule": "(total cap)", "points": float(self.total_cap) - total}
            )
        return out
