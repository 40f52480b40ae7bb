"""The result of :func:`alignment.score`."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import DataValidationError, ParameterError

__all__ = ["ScoreResult"]

_COLUMN_ORDER = (
    "persona",
    "fit",
    "grade",
    "interest",
    "cell",
    "action",
    "mql",
    "probability",
    "logit",
    "score",
)


class ScoreResult:
    """Scores of every lead, in the caller's row order.

    Attributes
    ----------
    ids : ndarray
        Lead ids.
    columns : dict of str to ndarray
        Per-lead outputs of the scorer (``score`` always; ``fit``, ``interest``, ``cell``,
        ``action``, ``grade``, ``mql``, ``persona``, ``probability``, ``logit`` when produced).
    scorer : alignment.base.Scorer
        The scorer used.
    diagnostics : dict
        What was not scored and why (touches of unknown leads, touch kinds without points,
        touches after ``as_of`` …).
    backend : str
        The caller's frame backend (default of :meth:`to_frame`).
    """

    def __init__(
        self,
        ids: np.ndarray,
        columns: Mapping[str, Any],
        *,
        scorer: Any,
        leads: Any = None,
        touchpoints: Any = None,
        backend: str = "dict",
        id_column: str = "lead_id",
        info: Mapping[str, Any] | None = None,
    ) -> None:
        self.ids = np.asarray(ids)
        self.scorer = scorer
        self.backend = backend
        self.id_column = id_column
        self._leads = leads
        self._touchpoints = touchpoints
        n = self.ids.size
        public: dict[str, np.ndarray] = {}
        for k, v in columns.items():
            arr = np.asarray(v)
            if arr.shape != (n,):
                raise DataValidationError(
                    f"scorer {type(scorer).__name__} returned {arr.shape} values for {n} leads",
                    column=k,
                    fix="a scorer must return one value per lead (alignment.base.Scorer contract)",
                )
            public[k] = arr
        if "score" not in public:
            raise DataValidationError(
                f"scorer {type(scorer).__name__} returned no 'score'",
                column="score",
                fix="a scorer's score() must return at least the key 'score'",
            )
        sc = public["score"]
        if sc.dtype.kind not in "iuf" or not np.isfinite(sc.astype(np.float64)).all():
            bad = np.flatnonzero(~np.isfinite(sc.astype(np.float64)))
            raise DataValidationError(
                f"scorer {type(scorer).__name__} returned non-finite scores",
                column="score",
                rows=bad,
                fix="a scorer must return finite float scores",
            )
        order = [c for c in _COLUMN_ORDER if c in public]
        order += [c for c in public if c not in order]
        self.columns = {c: public[c] for c in order}
        info = dict(info or {})
        self.diagnostics: dict[str, Any] = dict(info.get("diagnostics") or {})
        self._info = info

    # ------------------------------------------------------------------ basics
    def __len__(self) -> int:
        return int(self.ids.size)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.columns[key]

    @property
    def scores(self) -> np.ndarray:
        """The ``score`` column."""
        return self.columns["score"]

    def __repr__(self) -> str:
        return (
            f"ScoreResult(scorer={type(self.scorer).__name__}, n_leads={len(self)}, "
            f"columns={list(self.columns)})"
        )

    # ------------------------------------------------------------------ frames
    def to_frame(self, backend: str | None = None) -> Any:
        """Per lead: id and every output column, in the caller's row order and backend."""
        from .._frames import to_native

        cols: dict[str, np.ndarray] = {self.id_column: self.ids}
        for k, v in self.columns.items():
            cols[k] = v.astype(object) if v.dtype.kind == "U" else v
        return to_native(cols, backend or self.backend)

    def summary(self, backend: str | None = None) -> Any:
        """Counts per cell and action (grid), per action, or per probability band.

        * With cells: one row per cell of the grid (``A1`` … in grid order, empty cells too):
          ``cell``, ``action``, ``n``, ``share``, ``mean_fit``, ``mean_interest`` and ``mql``
          (count) when an MQL rule is set.
        * With actions only: one row per action.
        * Otherwise: ten probability / score bands (deciles of the score range for scores
          outside [0, 1]): ``band``, ``lower``, ``upper``, ``n``, ``share``, ``mean_score``.
        """
        from .._frames import to_native

        n = len(self)
        denom = max(n, 1)
        cols: dict[str, np.ndarray]
        if "cell" in self.columns:
            names = self._info.get("cell_names")
            code = self._info.get("cell_code")
            if names is None or code is None:
                names, code = np.unique(self.columns["cell"], return_inverse=True)
                actions_by_cell = None
            else:
                actions_by_cell = self._info.get("action_names")
            k = len(names)
            code = np.asarray(code, dtype=np.int64)
            cnt = np.bincount(code, minlength=k)
            cols = {"cell": np.asarray(names, dtype=object)}
            if "action" in self.columns:
                if actions_by_cell is None:
                    acts = np.empty(k, dtype=object)
                    first = np.full(k, -1, dtype=np.int64)
                    pos = np.arange(code.size)[::-1]
                    first[code[::-1]] = pos
                    for i in range(k):
                        acts[i] = self.columns["action"][first[i]] if first[i] >= 0 else None
                    cols["action"] = acts
                else:
                    cols["action"] = np.asarray(actions_by_cell, dtype=object)
            cols["n"] = cnt.astype(np.int64)
            cols["share"] = cnt / denom
            safe = np.where(cnt > 0, cnt, 1)
            for axis in ("fit", "interest"):
                if axis in self.columns:
                    s = np.bincount(code, weights=self.columns[axis], minlength=k)
                    cols[f"mean_{axis}"] = np.where(cnt > 0, s / safe, np.nan)
            if "mql" in self.columns:
                cols["mql"] = np.bincount(
                    code, weights=self.columns["mql"].astype(np.float64), minlength=k
                ).astype(np.int64)
            return to_native(cols, backend or self.backend)
        if "action" in self.columns:
            names, code = np.unique(self.columns["action"].astype(str), return_inverse=True)
            cnt = np.bincount(code, minlength=len(names))
            cols = {
                "action": np.asarray(names, dtype=object),
                "n": cnt.astype(np.int64),
                "share": cnt / denom,
            }
            return to_native(cols, backend or self.backend)
        s = self.scores.astype(np.float64)
        if s.size and s.min() >= 0.0 and s.max() <= 1.0:
            lo, hi = 0.0, 1.0
        else:
            lo = float(s.min()) if s.size else 0.0
            hi = float(s.max()) if s.size else 1.0
            if hi <= lo:
                hi = lo + 1.0
        edges = np.linspace(lo, hi, 11)
        band = np.clip(((s - lo) / (hi - lo) * 10).astype(np.int64), 0, 9)
        cnt = np.bincount(band, minlength=10)
        tot = np.bincount(band, weights=s, minlength=10)
        cols = {
            "band": np.arange(1, 11, dtype=np.int64),
            "lower": edges[:-1],
            "upper": edges[1:],
            "n": cnt.astype(np.int64),
            "share": cnt / denom,
            "mean_score": np.where(cnt > 0, tot / np.where(cnt > 0, cnt, 1), np.nan),
        }
        return to_native(cols, backend or self.backend)

    # ------------------------------------------------------------------ explanation
    def _index_of(self, lead: Any) -> int:
        if isinstance(lead, (int, np.integer)) and not isinstance(lead, bool):
            if self.ids.dtype.kind in "iu":
                hit = np.flatnonzero(self.ids == lead)
                if hit.size:
                    return int(hit[0])
            if 0 <= int(lead) < len(self):
                return int(lead)
            if -len(self) <= int(lead) < 0:
                return len(self) + int(lead)
            raise ParameterError(f"lead position {lead} out of range for {len(self)} leads")
        hit = np.flatnonzero(self.ids.astype(str) == str(lead))
        if hit.size == 0:
            raise ParameterError(f"unknown lead id {lead!r}")
        return int(hit[0])

    def explain(self, lead: Any) -> dict[str, Any]:
        """Why a lead scored what it did.

        Parameters
        ----------
        lead : str or int
            A lead id, or a row position (an ``int`` that is not an id).

        Returns
        -------
        dict
            ``lead_id``, the lead's output columns, and ``contributions``: a list of dicts with
            ``axis`` (``"fit"``, ``"grade"``, ``"interest"`` or ``"logit"``), ``rule`` and
            ``points`` (plus ``touches`` / ``steps`` / ``coef`` / ``value`` where relevant).
        """
        i = self._index_of(lead)
        lid = self.ids[i]
        out: dict[str, Any] = {self.id_column: lid.item() if isinstance(lid, np.generic) else lid}
        for k, v in self.columns.items():
            val = v[i]
            out[k] = val.item() if isinstance(val, np.generic) else val
        contrib: list[dict[str, Any]] = []
        sc = self.scorer
        if callable(getattr(sc, "explain", None)) and self._leads is not None:
            contrib = list(sc.explain(self._leads, self._touchpoints, i))
        out["contributions"] = contrib
        return out

    # ------------------------------------------------------------------ display
    def _repr_html_(self) -> str:
        head = min(len(self), 10)
        names = [self.id_column, *self.columns]
        rows = []
        for i in range(head):
            cells = [html.escape(str(self.ids[i]))]
            for k in self.columns:
                v = self.columns[k][i]
                cells.append(html.escape(f"{v:.4g}" if isinstance(v, np.floating) else str(v)))
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        th = "".join(f"<th>{html.escape(n)}</th>" for n in names)
        more = f"<p>… {len(self) - head} more leads</p>" if len(self) > head else ""
        return (
            f"<div><p><b>ScoreResult</b> — {html.escape(type(self.scorer).__name__)}, "
            f"{len(self)} leads</p><table><thead><tr>{th}</tr></thead><tbody>"
            + "".join(rows)
            + f"</tbody></table>{more}</div>"
        )
