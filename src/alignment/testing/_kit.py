"""The conformance checks, one function each (the runners are in ``_runner``).

Public names are re-exported by :mod:`alignment.testing`.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .._guard import rounding_tolerance
from ..base import AttributionModel, ChannelCredit, Scorer, clone
from ..errors import AlignmentError, AlignmentWarning, DataValidationError, NotFittedError
from ._data import make_journey_data, make_lead_data

if TYPE_CHECKING:
    from ..tables import Journeys, LeadTable

__all__ = ["Check", "CheckResult", "SkipCheck"]

Check = Callable[[Any], None]

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

#: tolerance for sums of weights / credit
_ATOL = 1e-9


class SkipCheck(Exception):
    """Raised by a check that cannot run here; the message is the reason."""


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check, as returned by :func:`check_attribution_model`.

    Attributes
    ----------
    check : str
        The check's name (``"check_weights_sum_to_one"``).
    status : {"passed", "skipped", "xfailed", "xpassed"}
        What happened (a failure raises instead of being returned).
    message : str
        The skip reason, or the expected-failure reason.
    """

    check: str
    status: Literal["passed", "skipped", "xfailed", "xpassed"]
    message: str = ""


def _journeys(touchpoints: Any, conversions: Any | None = None) -> Journeys:
    from ..tables import Journeys

    return Journeys.build(touchpoints, conversions)


def _lead_table(leads: Any) -> LeadTable:
    from ..tables import LeadTable

    return LeadTable.build(leads)


def _take(data: Mapping[str, np.ndarray], index: np.ndarray) -> dict[str, np.ndarray]:
    return {k: np.asarray(v)[index] for k, v in data.items()}


# ----------------------------------------------------------------------------------------------
# helpers


def _label(model: Any) -> str:
    name = getattr(type(model), "name", "") or getattr(model, "name", "")
    return str(name) if name else type(model).__name__


def _fresh(model: Any) -> Any:
    """Clone ``model`` (unfitted) and fix ``random_state`` to 0 when it has one."""
    new = clone(model)
    if "random_state" in new.get_params():
        new.set_params(random_state=0)
    return new


def _fail(model: Any, message: str) -> AssertionError:
    return AssertionError(f"{_label(model)}: {message}")


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            return bool(np.array_equal(np.asarray(a), np.asarray(b)))
        except Exception:  # pragma: no cover - incomparable
            return False
    try:
        return bool(a == b)
    except Exception:  # pragma: no cover - incomparable
        return False


def _snapshot(obj: Any) -> dict[str, Any]:
    """Copy every numpy array reachable from a table's public attributes."""
    out: dict[str, Any] = {}
    for attr in dir(obj):
        if attr.startswith("_"):
            continue
        try:
            value = getattr(obj, attr)
        except Exception:
            continue
        if isinstance(value, np.ndarray):
            out[attr] = value.copy()
        elif isinstance(value, Mapping):
            for k, v in value.items():
                if isinstance(v, np.ndarray):
                    out[f"{attr}[{k}]"] = v.copy()
                elif hasattr(v, "codes") and hasattr(v, "categories"):
                    out[f"{attr}[{k}].codes"] = np.asarray(v.codes).copy()
                    out[f"{attr}[{k}].categories"] = np.asarray(v.categories).copy()
        elif hasattr(value, "codes") and hasattr(value, "categories"):
            out[f"{attr}.codes"] = np.asarray(value.codes).copy()
            out[f"{attr}.categories"] = np.asarray(value.categories).copy()
    return out


def _assert_unchanged(model: Any, what: str, before: Mapping[str, Any], obj: Any) -> None:
    after = _snapshot(obj)
    for key, value in before.items():
        if key not in after or not np.array_equal(value, after[key], equal_nan=_has_nan(value)):
            raise _fail(model, f"{what}.{key} was modified")


def _has_nan(arr: np.ndarray) -> bool:
    return arr.dtype.kind in "fcmM"


def _weights(model: AttributionModel, journeys: Journeys) -> np.ndarray:
    w = model.fit(journeys).weights(journeys)
    return np.asarray(w)


def _credit(model: AttributionModel, journeys: Journeys) -> ChannelCredit:
    return model.fit(journeys).channel_credit(journeys)


def _credit_arrays(credit: Any) -> tuple[dict[str, float], dict[str, float]]:
    return dict(credit.conversions), dict(credit.revenue)


def _is_touch(model: AttributionModel) -> bool:
    return getattr(model, "kind", "touch") == "touch"


def _result(model: AttributionModel, journeys: Journeys) -> Any:
    return _weights(model, journeys) if _is_touch(model) else _credit(model, journeys)


def _assert_same_result(model: Any, a: Any, b: Any, what: str, rtol: float = 1e-9) -> None:
    if isinstance(a, np.ndarray):
        if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=1e-12, equal_nan=True):
            raise _fail(model, f"{what}: weights differ (max abs diff {_maxdiff(a, b)})")
        return
    ca, ra = _credit_arrays(a)
    cb, rb = _credit_arrays(b)
    for label, x, y in (("conversions", ca, cb), ("revenue", ra, rb)):
        keys = sorted(set(x) | set(y))
        xv = np.array([x.get(k, 0.0) for k in keys], dtype=np.float64)
        yv = np.array([y.get(k, 0.0) for k in keys], dtype=np.float64)
        if not np.allclose(xv, yv, rtol=rtol, atol=1e-9, equal_nan=True):
            raise _fail(model, f"{what}: channel credit ({label}) differs: {x} vs {y}")


def _maxdiff(a: np.ndarray, b: np.ndarray) -> str:
    if a.shape != b.shape:
        return f"shapes {a.shape} and {b.shape}"
    return f"{float(np.nanmax(np.abs(a - b))) if a.size else 0.0:.3g}"


# ----------------------------------------------------------------------------------------------
# checks shared by both kinds


def check_registration_and_naming(model: Any) -> None:
    """The class has a valid lowercase ``name``, a one-line ``description`` and, when its name
    is registered, the registry builds this class."""
    cls = type(model)
    base = AttributionModel if isinstance(model, AttributionModel) else Scorer
    if not isinstance(model, (AttributionModel, Scorer)):
        raise _fail(
            model, "must be an instance of alignment.base.AttributionModel or alignment.base.Scorer"
        )
    from .. import plugins

    registry = plugins._registry()  # registering a class sets its `name`
    name = getattr(cls, "name", "")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise _fail(
            model,
            f"class attribute `name` must be a lowercase identifier (got {name!r}); it is set "
            "when the class is registered, or declare it on the class",
        )
    desc = getattr(cls, "description", "")
    if not isinstance(desc, str) or not desc.strip() or "\n" in desc.strip():
        raise _fail(model, f"class attribute `description` must be one non-empty line: {desc!r}")
    if not isinstance(getattr(cls, "requires_fit", False), bool):
        raise _fail(model, "`requires_fit` must be a bool")
    if base is AttributionModel:
        kind = getattr(cls, "kind", None)
        if kind not in ("touch", "channel"):
            raise _fail(model, f"`kind` must be 'touch' or 'channel', got {kind!r}")
    registry_kind: plugins.Kind = "attribution model" if base is AttributionModel else "scorer"
    if name not in registry.aliases[registry_kind]:
        return  # not registered (yet): nothing more to compare
    reg = plugins.get_registration(registry_kind, name)
    built = reg.factory if isinstance(reg.factory, type) else type(reg.build())
    if not issubclass(cls, built) and not issubclass(built, cls):
        raise _fail(
            model,
            f"the registry resolves {name!r} to {built.__qualname__} (plugin {reg.plugin!r}), "
            f"not to {cls.__qualname__}: give the class its own name",
        )


def check_params_stored_verbatim(model: Any) -> None:
    """``__init__`` stores each parameter under its own name, unchanged, and nothing learned."""
    params = model.get_params()
    cls = type(model)
    # distinct sentinel objects: __init__ must store each one, as is, under its own name
    sentinels = {key: _Sentinel(key) for key in params}
    try:
        rebuilt = cls(**sentinels)
    except Exception as exc:
        raise _fail(
            model,
            f"__init__ does more than store its parameters: it raised {type(exc).__name__} "
            f"({exc}) on placeholder values; validate in fit/weights/score instead",
        ) from exc
    for key, value in sentinels.items():
        stored = getattr(rebuilt, key, _MISSING)
        if stored is _MISSING:
            raise _fail(model, f"parameter {key!r} is not stored as attribute {key!r}")
        if stored is not value:
            raise _fail(
                model,
                f"parameter {key!r} is not stored verbatim: passed {value!r}, stored {stored!r} "
                "(validate and convert in fit/weights/score, not in __init__)",
            )
    defaults = {
        p.name: p.default
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name in params and p.default is not p.empty
    }
    if len(defaults) == len(params):
        plain = cls()
        for key, default in defaults.items():
            if not _same(getattr(plain, key, _MISSING), default):
                raise _fail(
                    model,
                    f"parameter {key!r} is not stored verbatim: default {default!r}, stored "
                    f"{getattr(plain, key, _MISSING)!r}",
                )
    rebuilt = cls(**params)
    learned = [k for k in vars(rebuilt) if k.endswith("_") and not k.startswith("_")]
    if learned:
        raise _fail(model, f"__init__ sets learned attributes {learned}; set them in fit")
    copy = clone(model)
    if set(copy.get_params()) != set(params):
        raise _fail(model, "clone() does not reproduce the parameters")
    if copy.set_params() is not copy:
        raise _fail(model, "set_params must return self")


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


class _Sentinel:
    def __init__(self, key: str) -> None:
        self.key = key

    def __repr__(self) -> str:
        return f"<placeholder for {self.key}>"


_MISSING = _Missing()


# ----------------------------------------------------------------------------------------------
# attribution checks


def _standard_journeys(seed: int = 0, **kwargs: Any) -> Journeys:
    touchpoints, conversions = make_journey_data(seed, **kwargs)
    return _journeys(touchpoints, conversions)


def check_fit_returns_self(model: Any) -> None:
    """``fit`` returns the model itself."""
    model = _fresh(model)
    if isinstance(model, AttributionModel):
        out = model.fit(_standard_journeys())
    else:
        leads, touchpoints, y = make_lead_data()
        out = model.fit(_lead_table(leads), y, touchpoints=_journeys(touchpoints))
    if out is not model:
        raise _fail(model, f"fit must return self, returned {type(out).__name__}")


def check_not_fitted(model: Any) -> None:
    """A model with ``requires_fit = True`` raises ``NotFittedError`` before ``fit``."""
    model = _fresh(model)
    if not getattr(model, "requires_fit", False):
        raise SkipCheck("requires_fit is False")
    try:
        if isinstance(model, AttributionModel):
            journeys = _standard_journeys()
            if _is_touch(model):
                model.weights(journeys)
            else:
                model.channel_credit(journeys)
        else:
            leads, touchpoints, _ = make_lead_data()
            model.score(_lead_table(leads), _journeys(touchpoints))
    except NotFittedError:
        return
    except Exception as exc:
        raise _fail(
            model, f"use before fit raised {type(exc).__name__} instead of NotFittedError: {exc}"
        ) from exc
    raise _fail(model, "use before fit did not raise NotFittedError")


def check_weights_shape(model: AttributionModel) -> None:
    """``weights`` returns float64 of length ``n_touches``."""
    model = _fresh(model)
    if not _is_touch(model):
        raise SkipCheck("kind = 'channel': no per-touch weights")
    journeys = _standard_journeys()
    w = _weights(model, journeys)
    if w.shape != (journeys.n_touches,):
        raise _fail(model, f"weights has shape {w.shape}, expected ({journeys.n_touches},)")
    if w.dtype != np.float64:
        raise _fail(model, f"weights has dtype {w.dtype}, expected float64")


def _checked_weights(model: AttributionModel, journeys: Journeys) -> np.ndarray:
    w = _weights(model, journeys)
    if w.shape != (journeys.n_touches,):
        raise _fail(model, f"weights has shape {w.shape}, expected ({journeys.n_touches},)")
    return w.astype(np.float64, copy=False)


def check_weights_finite(model: AttributionModel) -> None:
    """Every weight is finite (no NaN, no inf)."""
    model = _fresh(model)
    if not _is_touch(model):
        raise SkipCheck("kind = 'channel': no per-touch weights")
    journeys = _standard_journeys()
    w = _checked_weights(model, journeys)
    bad = np.flatnonzero(~np.isfinite(w))
    if bad.size:
        raise _fail(
            model,
            f"{bad.size} weight(s) are not finite, first at touch position(s) "
            f"{bad[:5].tolist()}: {w[bad[:5]].tolist()}",
        )


def check_weights_nonnegative(model: AttributionModel) -> None:
    """No weight is negative."""
    model = _fresh(model)
    if not _is_touch(model):
        raise SkipCheck("kind = 'channel': no per-touch weights")
    w = _checked_weights(model, _standard_journeys())
    bad = np.flatnonzero(w < 0)
    if bad.size:
        raise _fail(model, f"{bad.size} negative weight(s), e.g. {w[bad[:5]].tolist()}")


def _sum_per_journey(journeys: Journeys, w: np.ndarray) -> np.ndarray:
    return np.bincount(
        np.asarray(journeys.journey_index, dtype=np.int64),
        weights=w,
        minlength=journeys.n_journeys,
    )


def check_weights_sum_to_one(model: AttributionModel) -> None:
    """Each converted journey with touches has weights summing to 1 (and 0 otherwise)."""
    model = _fresh(model)
    if not _is_touch(model):
        raise SkipCheck("kind = 'channel': no per-touch weights")
    journeys = _standard_journeys(empty_converted=True)
    w = _checked_weights(model, journeys)
    sums = _sum_per_journey(journeys, w)
    lengths = np.asarray(journeys.lengths)
    converted = np.asarray(journeys.converted) & (lengths > 0)
    off = np.flatnonzero(converted & ~np.isclose(sums, 1.0, rtol=0.0, atol=_ATOL))
    if off.size:
        keys = np.asarray(journeys.keys)[off[:5]].tolist()
        raise _fail(
            model,
            f"weights of {off.size} converted journey(s) do not sum to 1, e.g. {keys}: "
            f"{sums[off[:5]].tolist()}",
        )
    stray = np.flatnonzero(~np.asarray(journeys.converted) & (np.abs(sums) > _ATOL))
    if stray.size:
        keys = np.asarray(journeys.keys)[stray[:5]].tolist()
        raise _fail(model, f"journeys without a conversion got weight: {keys}")


def check_single_touch(model: AttributionModel) -> None:
    """A journey with a single touch gives that touch all the credit."""
    model = _fresh(model)
    journeys = _standard_journeys(single_touch=True, p_convert=1.0)
    if _is_touch(model):
        w = _checked_weights(model, journeys)
        if not np.allclose(w, 1.0, rtol=0.0, atol=_ATOL):
            raise _fail(model, f"single-touch journeys got weights {np.unique(w)[:5].tolist()}")
        return
    # data-driven: each channel is credited the conversions of its own journeys (how revenue
    # is shared is the model's choice, e.g. by conversion shares)
    credit = _credit(model, journeys)
    channels = np.asarray(journeys.channel.values())
    conversions = np.asarray(journeys.conversions, dtype=np.float64)
    expected = {str(c): float(conversions[channels == c].sum()) for c in np.unique(channels)}
    got = {k: float(v) for k, v in credit.conversions.items() if abs(float(v)) > _ATOL}
    exp = {k: v for k, v in expected.items() if abs(v) > _ATOL}
    if set(got) != set(exp) or any(not np.isclose(got[k], exp[k], rtol=1e-9) for k in exp):
        raise _fail(model, f"single-touch journeys: conversion credit {got}, expected {exp}")
    total = float(np.asarray(journeys.revenue, dtype=np.float64).sum())
    credited = float(sum(float(v) for v in credit.revenue.values()))
    if not np.isclose(credited, total, rtol=1e-9, atol=1e-6):
        raise _fail(model, f"single-touch journeys: revenue credit sums to {credited}, not {total}")


def check_empty_input(model: AttributionModel) -> None:
    """No touches at all: an empty result, not an error (or a typed :class:`AlignmentError`)."""
    model = _fresh(model)
    touchpoints, conversions = make_journey_data(0, n_journeys=0, empty_converted=True)
    for label, conv in (("no journeys", None), ("converted journeys without touches", conversions)):
        journeys = _journeys(_take(touchpoints, np.zeros(0, dtype=np.int64)), conv)
        try:
            out = _result(model, journeys)
        except AlignmentError:
            if getattr(model, "requires_fit", False):
                continue  # nothing to learn from: a typed error is acceptable
            raise
        except Exception as exc:
            raise _fail(
                model, f"{label}: raised {type(exc).__name__} ({exc}); return an empty result"
            ) from exc
        if isinstance(out, np.ndarray):
            if out.shape != (0,):
                raise _fail(model, f"{label}: weights has shape {out.shape}, expected (0,)")
        else:
            total = sum(abs(float(v)) for v in out.revenue.values())
            if total > _ATOL:
                raise _fail(model, f"{label}: credited {total} revenue with no touches")


def check_channel_credit_totals(model: AttributionModel) -> None:
    """Data-driven models: credit sums to the conversions and revenue of journeys with touches."""
    model = _fresh(model)
    if _is_touch(model):
        raise SkipCheck("kind = 'touch': checked per journey")
    journeys = _standard_journeys()
    credit = _credit(model, journeys)
    if not isinstance(credit, ChannelCredit):
        raise _fail(model, f"channel_credit must return ChannelCredit, got {type(credit).__name__}")
    has_touch = np.asarray(journeys.lengths) > 0
    conv = float(np.asarray(journeys.conversions, dtype=np.float64)[has_touch].sum())
    rev = float(np.asarray(journeys.revenue, dtype=np.float64)[has_touch].sum())
    channels = set(np.asarray(journeys.channel.categories).tolist())
    for label, values, total in (
        ("conversions", credit.conversions, conv),
        ("revenue", credit.revenue, rev),
    ):
        arr = np.array([float(v) for v in values.values()], dtype=np.float64)
        if not np.all(np.isfinite(arr)):
            raise _fail(model, f"{label} credit is not finite: {dict(values)}")
        unknown = set(values) - channels
        if unknown:
            raise _fail(model, f"{label} credit names channels not in the data: {sorted(unknown)}")
        tol = rounding_tolerance(total, journeys.n_touches + arr.size)  # (alignment.attribute's)
        if (arr < -tol).any():
            raise _fail(model, f"{label} credit is negative: {dict(values)}")
        if not abs(float(arr.sum()) - total) <= tol:
            raise _fail(
                model,
                f"{label} credit sums to {arr.sum()!r}, expected {total!r} (to floating-point "
                f"rounding, {tol:.3g})",
            )


def check_row_order_invariance(model: Any) -> None:
    """Shuffling the input rows does not change any lead's or touch's result."""
    model = _fresh(model)
    rng = np.random.default_rng(1)
    if isinstance(model, Scorer):
        _scorer_row_order(model, rng)
        return
    touchpoints, conversions = make_journey_data(0)
    perm = rng.permutation(touchpoints["lead_id"].size)
    cperm = rng.permutation(conversions["lead_id"].size)
    a = _journeys(touchpoints, conversions)
    b = _journeys(_take(touchpoints, perm), _take(conversions, cperm))
    ra = _result(model, a)
    rb = _result(_fresh(model), b)
    if isinstance(ra, np.ndarray):
        # compare by original row: the row of b's touch is a position in the shuffled input
        wa = np.empty(touchpoints["lead_id"].size)
        wa[np.asarray(a.row)] = ra
        wb = np.empty_like(wa)
        wb[perm[np.asarray(b.row)]] = rb
        _assert_same_result(model, wa, wb, "after shuffling the input rows")
    else:
        _assert_same_result(model, ra, rb, "after shuffling the input rows")


def check_no_mutation(model: Any) -> None:
    """Neither the input tables, the caller's arrays nor the parameters are modified."""
    model = _fresh(model)
    params = dict(model.get_params())
    if isinstance(model, Scorer):
        leads, touchpoints, y = make_lead_data()
        raw = {**{f"leads.{k}": v.copy() for k, v in leads.items()}, "y": y.copy()}
        table = _lead_table(leads)
        journeys = _journeys(touchpoints)
        before = _snapshot(table)
        before_j = _snapshot(journeys)
        model.fit(table, y, touchpoints=journeys)
        model.score(table, journeys)
        _assert_unchanged(model, "leads", before, table)
        _assert_unchanged(model, "touchpoints", before_j, journeys)
        current = {**{f"leads.{k}": v for k, v in leads.items()}, "y": y}
    else:
        touchpoints, conversions = make_journey_data(0)
        raw = {f"touchpoints.{k}": v.copy() for k, v in touchpoints.items()}
        raw.update({f"conversions.{k}": v.copy() for k, v in conversions.items()})
        journeys = _journeys(touchpoints, conversions)
        before = _snapshot(journeys)
        _result(model, journeys)
        _assert_unchanged(model, "journeys", before, journeys)
        current = {f"touchpoints.{k}": v for k, v in touchpoints.items()}
        current.update({f"conversions.{k}": v for k, v in conversions.items()})
    for key, value in raw.items():
        if not np.array_equal(value, current[key]):
            raise _fail(model, f"the caller's {key} was modified")
    after = model.get_params()
    for key, value in params.items():
        if after.get(key, _MISSING) is not value and not _same(after.get(key), value):
            raise _fail(model, f"parameter {key!r} changed from {value!r} to {after.get(key)!r}")


def check_deterministic(model: Any) -> None:
    """The same input gives the same output, twice on one model and on a fresh clone."""
    model = _fresh(model)
    if isinstance(model, Scorer):
        leads, touchpoints, y = make_lead_data()
        table, journeys = _lead_table(leads), _journeys(touchpoints)
        first = _scores(model.fit(table, y, touchpoints=journeys), table, journeys)["score"]
        again = _scores(model, table, journeys)["score"]
        other = _fresh(model).fit(table, y, touchpoints=journeys)
        third = _scores(other, table, journeys)["score"]
        for label, out in (("a second call", again), ("a fresh clone", third)):
            if not np.allclose(first, out, rtol=1e-10, atol=0.0, equal_nan=True):
                raise _fail(model, f"{label} gave different scores")
        return
    journeys = _standard_journeys()
    first_r = _result(model, journeys)
    second_r = model.weights(journeys) if _is_touch(model) else model.channel_credit(journeys)
    _assert_same_result(
        model,
        first_r,
        np.asarray(second_r) if _is_touch(model) else second_r,
        "a second call",
        rtol=1e-10,
    )
    _assert_same_result(
        model, first_r, _result(_fresh(model), journeys), "a fresh clone", rtol=1e-10
    )


_BACKENDS = {"pandas": "pandas", "polars": "polars", "pyarrow": "pyarrow"}


def _available_backends() -> list[str]:
    return [b for b, mod in _BACKENDS.items() if importlib.util.find_spec(mod) is not None]


def check_dataframe_backends(model: Any) -> None:
    """pandas, Polars, PyArrow and dict input give the same answer (missing libraries skipped)."""
    from .._frames import to_native

    backends = _available_backends()
    if not backends:
        raise SkipCheck("none of pandas, polars, pyarrow is installed")
    model = _fresh(model)
    if isinstance(model, Scorer):
        leads, touchpoints, y = make_lead_data()
        table, journeys = _lead_table(leads), _journeys(touchpoints)
        ref = _scores(model.fit(table, y, touchpoints=journeys), table, journeys)["score"]
        for backend in backends:
            t2 = _lead_table(to_native(leads, backend))
            j2 = _journeys(to_native(touchpoints, backend))
            other = _fresh(model).fit(t2, y, touchpoints=j2)
            got = _scores(other, t2, j2)["score"]
            if not np.allclose(ref, got, rtol=1e-9, atol=1e-12, equal_nan=True):
                raise _fail(model, f"{backend} input gave different scores than dict input")
        return
    touchpoints, conversions = make_journey_data(0)
    ref_r = _result(model, _journeys(touchpoints, conversions))
    for backend in backends:
        journeys = _journeys(to_native(touchpoints, backend), to_native(conversions, backend))
        _assert_same_result(
            model, ref_r, _result(_fresh(model), journeys), f"{backend} input vs dict input"
        )


def check_zero_after_conversion(model: AttributionModel) -> None:
    """Through :func:`alignment.attribute`, touches after the conversion get no credit.

    Rule-based models: the per-touch credit of every such touch is 0.  Data-driven models:
    the channel credit equals the credit computed without those touches.
    """
    try:
        attribution = importlib.import_module("alignment.attribution")
        attribute = attribution.attribute
    except (ImportError, AttributeError):
        raise SkipCheck("alignment.attribute is not available") from None
    model = _fresh(model)
    touchpoints, conversions = make_journey_data(0, after_conversion=True)
    conv_at = dict(zip(conversions["lead_id"].tolist(), conversions["converted_at"], strict=True))
    after = np.array(
        [
            lead in conv_at and t >= conv_at[lead]
            for lead, t in zip(touchpoints["lead_id"], touchpoints["timestamp"], strict=True)
        ],
        dtype=bool,
    )
    if not after.any():  # pragma: no cover - the data always has such touches
        raise SkipCheck("no touch after conversion in the test data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlignmentWarning)
        result = attribute(touchpoints, conversions, model=model)
        if not _is_touch(model):
            before_only = attribute(
                _take(touchpoints, np.flatnonzero(~after)), conversions, model=_fresh(model)
            )
    if not _is_touch(model):
        for measure in ("revenue", "conversions"):
            got = result.totals("channel", measure)
            ref = before_only.totals("channel", measure)
            keys = sorted(set(got) | set(ref))
            a = np.array([got.get(k, 0.0) for k in keys], dtype=np.float64)
            b = np.array([ref.get(k, 0.0) for k in keys], dtype=np.float64)
            if not np.allclose(a, b, rtol=1e-9, atol=1e-9):
                raise _fail(
                    model,
                    f"touches after the conversion changed the channel {measure} credit: "
                    f"{got} vs {ref} without them",
                )
        return
    credit = _touch_credit(result, touchpoints["lead_id"].size)
    if credit is None:
        raise SkipCheck("the attribution result does not expose per-touch credit")
    bad = np.flatnonzero(after & (np.abs(credit) > _ATOL))
    if bad.size:
        raise _fail(
            model, f"{bad.size} touch(es) after the conversion got credit, first at rows {bad[:5]}"
        )


def _touch_credit(result: Any, n_rows: int) -> np.ndarray | None:
    """Per-input-row credit from an attribution result (None when not exposed)."""
    touches = getattr(result, "touches", None)
    if touches is None:
        return None
    frame = touches("dict") if callable(touches) else touches
    if not isinstance(frame, Mapping):
        return None
    row = frame.get("row")
    value = frame.get("credit", frame.get("weight"))
    if row is None or value is None:
        return None
    out = np.zeros(n_rows, dtype=np.float64)
    out[np.asarray(row, dtype=np.int64)] = np.asarray(value, dtype=np.float64)
    return out


# ----------------------------------------------------------------------------------------------
# scorer checks


def _scores(model: Scorer, table: LeadTable, journeys: Journeys | None) -> dict[str, np.ndarray]:
    out = model.score(table, journeys)
    if not isinstance(out, Mapping) or "score" not in out:
        raise _fail(model, "score() must return a mapping with the key 'score'")
    return {k: np.asarray(v) for k, v in out.items()}


def check_scores_shape(model: Scorer) -> None:
    """Every returned array has one value per lead; ``"score"`` is finite float64; the output
    passes the check :func:`alignment.score` makes of it (:class:`~alignment.scoring.ScoreResult`:
    column names, one dimension, object columns of one kind of value)."""
    model = _fresh(model)
    leads, touchpoints, y = make_lead_data()
    table, journeys = _lead_table(leads), _journeys(touchpoints)
    out = _scores(model.fit(table, y, touchpoints=journeys), table, journeys)
    for key, arr in out.items():
        if arr.shape[:1] != (table.n_leads,):
            raise _fail(
                model, f"score()[{key!r}] has shape {arr.shape}, expected ({table.n_leads},)"
            )
    score = out["score"]
    if score.dtype != np.float64:
        raise _fail(model, f"score()['score'] has dtype {score.dtype}, expected float64")
    bad = np.flatnonzero(~np.isfinite(score))
    if bad.size:
        raise _fail(model, f"{bad.size} score(s) are not finite, e.g. {score[bad[:5]].tolist()}")
    _engine_accepts(model, table, out)


def _engine_accepts(model: Scorer, table: LeadTable, out: Mapping[Any, np.ndarray]) -> None:
    """Fail as :func:`alignment.score` refuses the scores ``out`` of ``table``'s leads."""
    from ..scoring import ScoreResult

    try:
        ScoreResult(table.ids, out, scorer=model, id_column=table.id_column)
    except DataValidationError as exc:
        raise _fail(model, f"alignment.score refuses its output: {exc}") from exc


def check_scorer_empty_input(model: Scorer) -> None:
    """Scoring zero leads gives empty arrays (after fitting on the standard data)."""
    model = _fresh(model)
    leads, touchpoints, y = make_lead_data()
    table, journeys = _lead_table(leads), _journeys(touchpoints)
    model.fit(table, y, touchpoints=journeys)
    none = np.zeros(0, dtype=np.int64)
    empty = _lead_table(_take(leads, none))
    try:
        out = _scores(model, empty, _journeys(_take(touchpoints, none)))
    except AssertionError:
        raise
    except Exception as exc:
        raise _fail(model, f"scoring zero leads raised {type(exc).__name__}: {exc}") from exc
    for key, arr in out.items():
        if arr.shape[:1] != (0,):
            raise _fail(model, f"score()[{key!r}] for zero leads has shape {arr.shape}")


def _scorer_row_order(model: Scorer, rng: np.random.Generator) -> None:
    leads, touchpoints, y = make_lead_data()
    perm = rng.permutation(y.size)
    tperm = rng.permutation(touchpoints["lead_id"].size)
    table, journeys = _lead_table(leads), _journeys(touchpoints)
    a = _scores(model.fit(table, y, touchpoints=journeys), table, journeys)["score"]
    t2, j2 = _lead_table(_take(leads, perm)), _journeys(_take(touchpoints, tperm))
    b = _scores(_fresh(model).fit(t2, y[perm], touchpoints=j2), t2, j2)["score"]
    if not np.allclose(a[perm], b, rtol=1e-6, atol=1e-9, equal_nan=True):
        raise _fail(model, "shuffling the leads changed their scores")
