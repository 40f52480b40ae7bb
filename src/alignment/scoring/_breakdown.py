"""The score breakdown as mergeable statistics: one code path in memory and per partition.

:func:`stats_of` reads a :class:`~alignment.scoring.ScoreResult` into :class:`BreakdownStats`
(counts and sums only), :func:`merge` adds two of them (partitions of one scoring run), and
:func:`table` / :func:`headline` turn the statistics into ``ScoreResult.breakdown`` and
``ScoreResult.summary``.  The in-memory result uses the same three steps on one part.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .._options import warn
from .._params import is_integer
from ..errors import AlignmentWarning

if TYPE_CHECKING:
    from ._result import ScoreResult

__all__ = [
    "BreakdownStats",
    "band_range",
    "headline",
    "merge",
    "merge_diagnostics",
    "stats_of",
    "table",
    "warn_unmatched",
]

N_BANDS = 10


@dataclass(frozen=True)
class _Counts:
    """Counts (and optional sums) per name: cells or actions."""

    names: tuple[str, ...]
    n: np.ndarray
    sums: dict[str, np.ndarray]
    labels: tuple[Any, ...] | None = None  # cells: the action of each cell
    grid_order: bool = False  # names in the scorer's grid order (else sorted)


@dataclass(frozen=True)
class BreakdownStats:
    """What ``breakdown`` and ``summary`` need, summable over partitions of the leads."""

    scorer: str
    n: int
    score_sum: float
    score_min: float
    score_max: float
    mqls: int | None
    cells: _Counts | None
    actions: _Counts | None
    bands: tuple[float, float, np.ndarray, np.ndarray] | None  # lo, hi, counts, score sums
    diagnostics: dict[str, Any] = field(default_factory=dict)  # the result's, merged


def band_range(lo: float, hi: float, n: int) -> tuple[float, float]:
    """Range of the ten score bands: [0, 1] for probabilities, else the scores' range."""
    if n and lo >= 0.0 and hi <= 1.0:
        return 0.0, 1.0
    lo, hi = (lo, hi) if n else (0.0, 1.0)
    return (lo, lo + 1.0) if hi <= lo else (lo, hi)


def _by_name(names: np.ndarray, code: np.ndarray, result: ScoreResult, k: str) -> np.ndarray:
    return np.bincount(code, weights=result[k].astype(np.float64), minlength=len(names))


def _cells(result: ScoreResult) -> _Counts | None:
    if "cell" not in result:
        return None
    grid = "cell" in result._coded
    if grid:
        code, names = result._coded["cell"]
        labels = result._info.get("action_names")
    else:
        names, code = np.unique(result["cell"].astype(str), return_inverse=True)
        labels = None
    code = np.asarray(code, dtype=np.int64)
    k = len(names)
    if labels is None and "action" in result:
        first = np.full(k, -1, dtype=np.int64)
        first[code[::-1]] = np.arange(code.size)[::-1]
        action = result["action"]
        labels = tuple(action[i] if i >= 0 else None for i in first.tolist())
    sums = {a: _by_name(names, code, result, a) for a in ("fit", "interest", "mql") if a in result}
    return _Counts(
        names=tuple(str(x) for x in names),
        n=np.bincount(code, minlength=k).astype(np.int64),
        sums=sums,
        labels=None if labels is None else tuple(labels),
        grid_order=grid,
    )


def _actions(result: ScoreResult) -> _Counts | None:
    if "action" not in result:
        return None
    names, code = np.unique(result["action"].astype(str), return_inverse=True)
    n = np.bincount(np.asarray(code, dtype=np.int64), minlength=len(names)).astype(np.int64)
    return _Counts(names=tuple(str(x) for x in names), n=n, sums={})


def stats_of(result: ScoreResult, bands: tuple[float, float] | None = None) -> BreakdownStats:
    """The statistics of one result; ``bands`` = the band range (default: its own)."""
    s = result.scores.astype(np.float64)
    lo = float(s.min()) if s.size else math.nan
    hi = float(s.max()) if s.size else math.nan
    band_stats = None
    if "cell" not in result and "action" not in result:
        blo, bhi = bands if bands is not None else band_range(lo, hi, s.size)
        band = np.clip(((s - blo) / (bhi - blo) * N_BANDS).astype(np.int64), 0, N_BANDS - 1)
        band_stats = (
            blo,
            bhi,
            np.bincount(band, minlength=N_BANDS).astype(np.int64),
            np.bincount(band, weights=s, minlength=N_BANDS),
        )
    return BreakdownStats(
        scorer=type(result.scorer).__name__,
        n=int(s.size),
        score_sum=float(s.sum()),
        score_min=lo,
        score_max=hi,
        mqls=int(np.count_nonzero(result["mql"])) if "mql" in result else None,
        cells=_cells(result),
        actions=_actions(result),
        bands=band_stats,
        diagnostics=dict(result.diagnostics),
    )


def _merge_counts(a: _Counts | None, b: _Counts | None) -> _Counts | None:
    if a is None or b is None:
        return a if b is None else b
    if a.names == b.names:
        names, ia, ib = a.names, np.arange(len(a.names)), np.arange(len(b.names))
    else:
        union = dict.fromkeys(a.names + b.names)
        names = tuple(union) if a.grid_order else tuple(sorted(union))
        pos = {name: i for i, name in enumerate(names)}
        ia = np.array([pos[x] for x in a.names], dtype=np.int64)
        ib = np.array([pos[x] for x in b.names], dtype=np.int64)

    def add(x: np.ndarray, y: np.ndarray, dtype: Any) -> np.ndarray:
        out = np.zeros(len(names), dtype=dtype)
        np.add.at(out, ia, x)
        np.add.at(out, ib, y)
        return out

    labels = None
    if a.labels is not None or b.labels is not None:
        got: list[Any] = [None] * len(names)
        for idx, lab in ((ia, a.labels), (ib, b.labels)):
            for i, v in zip(idx.tolist(), lab or (), strict=False):
                got[i] = v if got[i] is None else got[i]
        labels = tuple(got)
    return _Counts(
        names=names,
        n=add(a.n, b.n, np.int64),
        sums={k: add(a.sums[k], b.sums[k], np.float64) for k in a.sums},
        labels=labels,
        grid_order=a.grid_order,
    )


#: how many unknown lead ids ``diagnostics["unmatched_keys"]`` shows (the first, in key order)
SHOWN_KEYS = 5


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # (arrays: no single truth value)
        return False


def merge_diagnostics(
    a: dict[str, Any], b: dict[str, Any], key_order: Callable[[str], Any] = str
) -> dict[str, Any]:
    """The diagnostics of two disjoint sets of leads scored by one run (partitions of it).

    Counts (integers) add up; ``unmatched_keys`` is the first :data:`SHOWN_KEYS` of both in
    ``key_order`` (that of the journeys' keys: text, or numbers for numeric ids); other lists
    (``unscored_kinds``) are the sorted union; anything else (``kind_column``, ``as_of``) is
    kept when both agree, and left out when they differ (no merged value would be right).  A
    key of one side only is kept as it is.
    """
    out: dict[str, Any] = {}
    for k in [*a, *(k for k in b if k not in a)]:
        if k not in a or k not in b:
            out[k] = a[k] if k in a else b[k]
            continue
        x, y = a[k], b[k]
        if is_integer(x) and is_integer(y):
            out[k] = x + y
        elif k == "unmatched_keys":
            out[k] = sorted({*x, *y}, key=key_order)[:SHOWN_KEYS]
        elif isinstance(x, list) and isinstance(y, list):
            try:
                out[k] = sorted({*x, *y})
            except TypeError:  # (unhashable or unordered items: in order, once each)
                out[k] = [*x, *(v for v in y if v not in x)]
        elif _same(x, y):
            out[k] = x
    return out


def warn_unmatched(diagnostics: dict[str, Any], stacklevel: int = 1) -> None:
    """The warning about touches of lead ids not in the leads (none when there are none).

    Issued by ``alignment.score`` with its result's diagnostics, and once per run on Dask with
    the diagnostics of every partition merged (:func:`merge_diagnostics`).  ``stacklevel`` as
    for :func:`warnings.warn`, counted from the caller.
    """
    n_touches = int(diagnostics.get("unmatched_touches", 0))
    if n_touches:
        warn(
            f"{n_touches} touch(es) of {diagnostics.get('unmatched_journeys', 0)} lead id(s) not "
            f"in the leads were not scored (e.g. {diagnostics.get('unmatched_keys', [])}); see "
            "result.diagnostics",
            AlignmentWarning,
            stacklevel=stacklevel + 1,
        )


def merge(
    a: BreakdownStats, b: BreakdownStats, key_order: Callable[[str], Any] = str
) -> BreakdownStats:
    """The statistics of two disjoint sets of leads scored by the same scorer (``key_order``:
    of the unknown lead ids of the diagnostics, see :func:`merge_diagnostics`)."""
    bands = a.bands
    if a.bands is not None and b.bands is not None:
        bands = (a.bands[0], a.bands[1], a.bands[2] + b.bands[2], a.bands[3] + b.bands[3])
    return replace(
        a,
        n=a.n + b.n,
        score_sum=a.score_sum + b.score_sum,
        score_min=float(np.fmin(a.score_min, b.score_min)),
        score_max=float(np.fmax(a.score_max, b.score_max)),
        mqls=None if a.mqls is None or b.mqls is None else a.mqls + b.mqls,
        cells=_merge_counts(a.cells, b.cells),
        actions=_merge_counts(a.actions, b.actions),
        bands=bands,
        diagnostics=merge_diagnostics(a.diagnostics, b.diagnostics, key_order),
    )


def table(stats: BreakdownStats) -> dict[str, np.ndarray]:
    """The columns of ``ScoreResult.breakdown`` (see its docstring)."""
    denom = stats.n if stats.n else np.nan  # no lead scored: every share is not measured
    c = stats.cells if stats.cells is not None else stats.actions
    if c is not None:
        key = "cell" if stats.cells is not None else "action"
        cols: dict[str, np.ndarray] = {key: np.asarray(c.names, dtype=object)}
        if c.labels is not None:
            cols["action"] = np.asarray(c.labels, dtype=object)
        cols["n"] = c.n
        cols["share"] = c.n / denom
        safe = np.where(c.n > 0, c.n, 1)
        for axis in ("fit", "interest"):
            if axis in c.sums:
                cols[f"mean_{axis}"] = np.where(c.n > 0, c.sums[axis] / safe, np.nan)
        if "mql" in c.sums:
            cols["mql"] = c.sums["mql"].astype(np.int64)
        return cols
    assert stats.bands is not None  # no cells and no actions: bands
    lo, hi, cnt, tot = stats.bands
    edges = np.linspace(lo, hi, N_BANDS + 1)
    return {
        "band": np.arange(1, N_BANDS + 1, dtype=np.int64),
        "lower": edges[:-1],
        "upper": edges[1:],
        "n": cnt,
        "share": cnt / denom,
        "mean_score": np.where(cnt > 0, tot / np.where(cnt > 0, cnt, 1), np.nan),
    }


def headline(stats: BreakdownStats) -> dict[str, Any]:
    """``ScoreResult.summary()``: scorer, leads, score range, MQLs, cells and actions used."""
    out: dict[str, Any] = {
        "scorer": stats.scorer,
        "leads": stats.n,
        "mean_score": stats.score_sum / stats.n if stats.n else math.nan,
        "min_score": stats.score_min if stats.n else math.nan,
        "max_score": stats.score_max if stats.n else math.nan,
    }
    if stats.mqls is not None:
        out["mqls"] = stats.mqls
    for name, c in (("cell", stats.cells), ("action", stats.actions)):
        if c is not None:
            out[f"{name}s_used"] = int(np.count_nonzero(c.n))
    return out
