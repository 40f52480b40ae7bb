"""Plain-Python twins of the scoring kernels: what they compute, one lead / one pair at a time."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

US_PER_DAY = 86_400e6


def py_rule_met(rule: Any, value: Any) -> bool:
    """Does one lead's value meet one rule's condition?"""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if rule.kind == "equals":
        if isinstance(value, str):
            return value == str(rule.equals)
        return float(value) == float(rule.equals)
    if rule.kind == "persona":
        return value == rule.persona
    if rule.kind == "isin":
        if isinstance(value, str):
            return value in [str(v) for v in rule.isin]
        return float(value) in [float(v) for v in rule.isin]
    if rule.kind == "contains":
        return any(k.lower() in value.lower() for k in rule.contains)
    x = float(value)
    ok = True
    if rule.min is not None:
        ok = ok and x >= rule.min
    if rule.max is not None:
        ok = ok and x <= rule.max
    return ok


def py_decay(
    age_days: float, half_life: float | None, rate: float | None, period: float | None
) -> float:
    age = max(age_days, 0.0)
    if half_life is not None:
        return 0.5 ** (age / half_life)
    if rate is not None:
        return (1.0 - rate) ** math.floor(age / period)
    return 1.0


def py_grid(
    leads: Mapping[str, Sequence[Any]],
    touches: Mapping[str, Sequence[Any]],
    *,
    fit_rules: Sequence[Any],
    points: Mapping[str, float],
    caps: Mapping[str, float] | None = None,
    total_cap: float | None = None,
    half_life_days: float | None = None,
    rate: float | None = None,
    period_days: float | None = None,
    window_days: float | None = None,
    as_of: np.datetime64 | None = None,
    fit_cuts: Sequence[float] = (30, 20, 10),
    interest_cuts: Sequence[float] = (100, 50, 20),
) -> list[dict[str, Any]]:
    """Fit, interest and cell of every lead, by loops."""
    caps = caps or {}
    ids = list(leads["lead_id"])
    if as_of is None and len(touches["lead_id"]):
        as_of = max(np.datetime64(t, "us") for t in touches["timestamp"])
    out = []
    for i, lid in enumerate(ids):
        fit = 0.0
        for r in fit_rules:
            if py_rule_met(r, leads[r.column][i]):
                fit += r.points
        per_kind: dict[str, float] = {}
        for j in range(len(touches["lead_id"])):
            if touches["lead_id"][j] != lid:
                continue
            kind = touches["kind"][j]
            if kind not in points:
                continue
            t = np.datetime64(touches["timestamp"][j], "us")
            age_us = float((as_of - t).astype(np.int64))
            if age_us < 0:
                continue
            if window_days is not None and age_us > window_days * US_PER_DAY:
                continue
            v = points[kind] * py_decay(age_us / US_PER_DAY, half_life_days, rate, period_days)
            per_kind[kind] = per_kind.get(kind, 0.0) + v
        interest = 0.0
        for k, v in per_kind.items():
            interest += min(v, caps[k]) if k in caps else v
        if total_cap is not None:
            interest = min(interest, total_cap)
        letter = "ABCDEFGHIJ"[sum(1 for c in fit_cuts if fit < c)]
        digit = 1 + sum(1 for c in interest_cuts if interest < c)
        out.append({"fit": fit, "interest": interest, "cell": f"{letter}{digit}"})
    return out


def py_logistic_objective(
    w: Sequence[float], b: float, X: np.ndarray, y: Sequence[float], sw: Sequence[float], l2: float
) -> float:
    total = 0.0
    for i in range(len(y)):
        z = sum(w[j] * X[i][j] for j in range(len(w))) + b
        # log(1 + e^z) - y z, computed stably
        softplus = max(z, 0.0) + math.log1p(math.exp(-abs(z)))
        total += sw[i] * (softplus - y[i] * z)
    return total + 0.5 * l2 * sum(v * v for v in w)


def py_auc(y: Sequence[int], s: Sequence[float], w: Sequence[float] | None = None) -> float:
    """Brute force over all (positive, negative) pairs; ties count one half."""
    w = w if w is not None else [1.0] * len(y)
    num = den = 0.0
    for i in range(len(y)):
        if y[i] != 1:
            continue
        for j in range(len(y)):
            if y[j] != 0:
                continue
            pair = w[i] * w[j]
            den += pair
            if s[i] > s[j]:
                num += pair
            elif s[i] == s[j]:
                num += 0.5 * pair
    return num / den


def py_persona(lead: Mapping[str, Any], personas: Sequence[Any], strategy: str) -> str | None:
    """Persona of one lead, by loops."""

    def criteria(p: Any) -> list[bool]:
        out = []
        if p.industries:
            v = lead.get("industry")
            out.append(v is not None and v.lower() in [s.lower() for s in p.industries])
        if p.company_size_min is not None or p.company_size_max is not None:
            v = lead.get("company_size")
            ok = v is not None and not math.isnan(v)
            if ok and p.company_size_min is not None:
                ok = v >= p.company_size_min
            if ok and p.company_size_max is not None:
                ok = v <= p.company_size_max
            out.append(bool(ok))
        if p.titles:
            v = lead.get("title")
            out.append(v is not None and any(k.lower() in v.lower() for k in p.titles))
        if p.seniorities:
            v = lead.get("title")
            out.append(v is not None and any(k.lower() in v.lower() for k in p.seniorities))
        if p.regions:
            v = lead.get("country")
            out.append(v is not None and v.lower() in [s.lower() for s in p.regions])
        return out

    best, best_n = None, 0
    for p in personas:
        c = criteria(p)
        if strategy == "first":
            if all(c):
                return str(p.name)
        else:
            n = sum(c)
            if n >= 1 and n > best_n:
                best, best_n = p.name, n
    return best if strategy == "best" else None
