"""The result of :func:`alignment.score`."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from .._frame_types import level_frames, table_frames
from .._guard import failing, guarded_call, is_builtin, plugin_exceptions
from .._params import is_integer
from .._results import Result, frame_backend, read_only_view
from ..errors import DataValidationError, ParameterError, PluginError, reject_rows
from ._breakdown import headline, stats_of, table

if TYPE_CHECKING:
    from ._conversion import ConversionTable

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


_NO_BACKEND: Any = object()  # summary() called without an argument


#: the kinds of value an object column of a scorer's output may hold (one kind per column)
_OBJECT_KINDS = ((str, "text"), ((bool, np.bool_), "flags"), (numbers.Integral, "integers"),
                 (numbers.Real, "floats"))  # fmt: skip


def _check_name(key: Any, scorer: str, id_column: str) -> None:
    """A scorer's output column name: a ``str``, not the id column's (``to_frame`` puts the
    ids there: a column of that name would replace them)."""
    if not isinstance(key, str):
        raise DataValidationError(
            f"scorer {scorer} returned a column named {key!r} ({type(key).__name__}); column "
            "names are strings",
            column=str(key),
            value=key,
            fix="name every output column with a str (alignment.base.Scorer contract)",
        )
    if key == id_column:
        raise DataValidationError(
            f"scorer {scorer} returned a column named like the id column {id_column!r}: it "
            "would replace the lead ids in to_frame()",
            column=key,
            fix="leave the ids out of the output (the result holds them, in the leads' order) "
            "or give the column another name",
        )


def _kind_of(value: Any) -> str | None:
    """The kind of one value of an object column (``None`` for a missing value)."""
    if value is None:
        return None
    return next((label for kind, label in _OBJECT_KINDS if isinstance(value, kind)), "other")


def _check_objects(arr: np.ndarray, column: str, scorer: str) -> None:
    """An object column of a scorer's output holds one kind of value (text, flags, integers or
    floats; ``None`` where missing), which every frame backend reads as one type.  A loop over
    the rows: object columns only (the library's scorers return none)."""
    values = arr.tolist()
    kinds = [_kind_of(v) for v in values]
    present = [k for k in kinds if k is not None]
    first = present[0] if present else None
    bad = np.array([k is not None and (k == "other" or k != first) for k in kinds], dtype=bool)
    if not bad.any():
        return
    at = int(np.flatnonzero(bad)[0])
    held = (
        f"{type(values[at]).__name__} values"
        if kinds[at] == "other"
        else f"{first} mixed with {kinds[at]}"
    )
    reject_rows(
        bad,
        f"scorer {scorer} returned an object column holding {held}; a column holds one kind "
        "of value: text, flags, integers or floats (None where missing)",
        column=column,
        values=arr,
        fix="return a numpy array of one dtype (float, int, bool, str or datetime64) per column "
        "(alignment.base.Scorer contract)",
    )


_EXPLAINED = "a list of dicts with 'axis' and 'rule' (text) and 'points' (a finite number)"


def _contributions(explained: Any, fail: Callable[[str], PluginError]) -> list[dict[str, Any]]:
    """A scorer's ``explain()`` output, checked: :data:`_EXPLAINED` (any iterable but text or a
    mapping), each contribution a new dict; ``fail(problem)`` builds the error."""
    if isinstance(explained, (str, bytes, Mapping)) or not isinstance(explained, Iterable):
        raise fail(f"explain() returned {type(explained).__name__}; expected {_EXPLAINED}")
    with plugin_exceptions("explain", fail):  # (a generator runs the scorer's code)
        items = list(explained)
    for n, item in enumerate(items):
        if not _is_contribution(item):
            raise fail(
                f"explain() returned {item!r:.100} as contribution {n}; expected {_EXPLAINED}"
            )
    return [dict(item) for item in items]


def _is_contribution(item: Any) -> bool:
    """Whether ``item`` is a mapping of ``axis`` and ``rule`` (text) and ``points`` (finite)."""
    if not isinstance(item, Mapping) or not {"axis", "rule", "points"} <= item.keys():
        return False
    points = item["points"]
    return (
        isinstance(item["axis"], str)
        and isinstance(item["rule"], str)
        and isinstance(points, numbers.Real)
        and not isinstance(points, bool)
        and bool(np.isfinite(float(points)))
    )


class ScoreResult(Result):
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

    Notes
    -----
    Built by :func:`alignment.score`.  ``result["fit"]`` reads one column; string columns
    (``cell``, ``action``, ``grade``, ``persona``) are stored as codes and decoded on first read,
    :meth:`summary` works on the codes directly.  :meth:`plot` draws the grid as a heat map
    (leads or conversion per cell) or a histogram of scores (the ``plot`` extra).  The arrays of
    a scorer from outside the library are copied: a scorer that writes into an array it returned
    (a buffer it reuses) does not change an earlier result.
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
        name = type(scorer).__name__
        for label, value in (("columns", columns), ("info", info or {})):
            if not isinstance(value, Mapping):
                raise DataValidationError(
                    f"scorer {name} returned {type(value).__name__} as its {label}; expected a "
                    "mapping",
                    fix="a scorer's score() returns a mapping of per-lead arrays "
                    "(alignment.base.Scorer contract)",
                )
        info = dict(info or {})
        n = self.ids.size
        own = is_builtin(scorer)  # (another scorer's arrays are copied: it may write them later)
        data: dict[str, np.ndarray] = {}
        for k, v in columns.items():
            _check_name(k, name, id_column)
            arr = np.asarray(v)
            if arr.shape != (n,):
                raise DataValidationError(
                    f"scorer {name} returned {arr.shape} values for {n} leads",
                    column=k,
                    fix="a scorer must return one value per lead (alignment.base.Scorer contract)",
                )
            if arr.dtype.kind == "O":
                _check_objects(arr, k, name)
            data[k] = read_only_view(arr if own else arr.copy())  # (the scorer's keeps its flags)
        # string columns kept as (codes, labels) and decoded on first use
        coded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for k, (code, labels) in dict(info.get("coded") or {}).items():
            _check_name(k, name, id_column)
            code = np.asarray(code)
            if code.shape != (n,):
                raise DataValidationError(
                    f"scorer {name} returned {code.shape} codes for {n} leads",
                    column=k,
                )
            coded[k] = (code if own else code.copy(), np.array(labels, dtype=object))
        if "score" not in data:
            raise DataValidationError(
                f"scorer {name} returned no 'score'",
                column="score",
                fix="a scorer's score() must return at least the key 'score'",
            )
        sc = data["score"]
        if sc.dtype.kind not in "iuf":
            raise DataValidationError(
                f"scorer {name} returned scores of dtype {sc.dtype}",
                column="score",
                fix="a scorer must return finite float scores",
            )
        bad = np.flatnonzero(~np.isfinite(sc))  # (integers are finite)
        if bad.size:  # (each score checked: a sum of finite scores can overflow)
            raise DataValidationError(
                f"scorer {name} returned non-finite scores",
                column="score",
                rows=bad,
                fix="a scorer must return finite float scores",
            )
        present = [*data, *coded]
        order = [c for c in _COLUMN_ORDER if c in present]
        order += [c for c in present if c not in order]
        self._order = order
        self._data = data
        self._coded = coded
        self.diagnostics: dict[str, Any] = dict(info.get("diagnostics") or {})
        self._info = info

    # ------------------------------------------------------------------ basics
    @property
    def names(self) -> list[str]:
        """Names of the output columns (without the id)."""
        return list(self._order)

    def __contains__(self, key: object) -> bool:
        return key in self._order

    def __len__(self) -> int:
        return int(self.ids.size)

    def __getitem__(self, key: str) -> np.ndarray:
        """One output column, read-only (string columns are decoded on first access)."""
        if key in self._data:
            return self._data[key]
        if key in self._coded:
            code, labels = self._coded[key]
            arr = read_only_view(labels.take(code.astype(np.intp, copy=False)))
            self._data[key] = arr
            return arr
        raise KeyError(key)

    def _value(self, key: str, i: int) -> Any:
        if key in self._data:
            v = self._data[key][i]
        else:
            code, labels = self._coded[key]
            v = labels[int(code[i])]
        return v.item() if isinstance(v, np.generic) else v

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """Every output column, in display order (decodes string columns)."""
        return {k: self[k] for k in self._order}

    @property
    def scores(self) -> np.ndarray:
        """The ``score`` column."""
        return self._data["score"]

    def __repr__(self) -> str:
        return (
            f"ScoreResult(scorer={type(self.scorer).__name__}, n_leads={len(self)}, "
            f"columns={self.names})"
        )

    # ------------------------------------------------------------------ frames
    #: ``to_frame`` levels: per lead (default), or the breakdown per cell / action / band
    levels = ("leads", "breakdown")

    @level_frames
    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
        """A table of the scores in the caller's backend.

        Parameters
        ----------
        level : {"leads", "breakdown"}, default "leads"
            ``"leads"``: per lead, the id and every output column, in the caller's row order.
            ``"breakdown"``: counts per cell and action (grid), per action, or per score band
            (see :meth:`breakdown`).
        backend : str, optional
            ``"pandas"``, ``"polars"``, ``"pyarrow"`` or ``"dict"``; default: the input's.
        """
        from .._frames import to_native

        level, backend = self._frame_args(level, backend)
        if level == "breakdown":
            return self.breakdown(backend)
        cols: dict[str, np.ndarray] = {self.id_column: self.ids}
        for k in self._order:
            v = self[k]
            cols[k] = v.astype(object) if v.dtype.kind == "U" else v
        return to_native(cols, frame_backend(backend, self.backend))

    @overload
    def summary(self) -> dict[str, Any]: ...
    @overload
    def summary(self, backend: str | None) -> Any: ...
    def summary(self, backend: Any = _NO_BACKEND) -> Any:
        """Headline figures: scorer, leads, score range, MQLs, cells and actions used.

        Returns a dict of plain scalars.  ``summary(backend)`` (with an argument) is the form
        from before the result contract and returns the breakdown table, with a
        :class:`DeprecationWarning`: use ``to_frame("breakdown", backend=...)``.
        """
        if backend is not _NO_BACKEND:
            warnings.warn(
                "ScoreResult.summary(backend) returning the breakdown table is deprecated; "
                "use to_frame('breakdown', backend=...) (summary() returns headline figures)",
                DeprecationWarning,
                stacklevel=2,
            )
            return self.breakdown(backend)
        return headline(stats_of(self))

    @table_frames
    def breakdown(self, backend: str | None = None) -> Any:
        """Counts per cell and action (grid), per action, or per probability band.

        * With cells: one row per cell of the grid (``A1`` … in grid order, empty cells too):
          ``cell``, ``action``, ``n``, ``share``, ``mean_fit``, ``mean_interest`` and ``mql``
          (count) when an MQL rule is set.
        * With actions only: one row per action.
        * Otherwise: ten probability / score bands (deciles of the score range for scores
          outside [0, 1]): ``band``, ``lower``, ``upper``, ``n``, ``share``, ``mean_score``.
        """
        from .._frames import to_native

        return to_native(table(stats_of(self)), frame_backend(backend, self.backend))

    def conversion(self, converted: Any, by: str = "cell") -> ConversionTable:
        """Conversion of the scored leads per grid cell or per action.

        Parameters
        ----------
        converted : array-like of 0/1 or bool
            Outcome per scored lead, in the same order.
        by : {"cell", "action"}
            ``"cell"``: one row per cell label (``"(missing)"`` for leads without one), sorted,
            with ``cell``, ``action`` (of the cell's first lead; when the scores have actions),
            ``leads``, ``won``, ``conversion``.  ``"action"``: ``action``, ``leads``, ``share``,
            ``won``, ``conversion``, highest conversion first.

        Returns
        -------
        ConversionTable
            A table of numpy columns (``to_frame(backend)`` for a frame).
        """
        from ._conversion import conversion_table

        return conversion_table(self, converted, by, self.backend)

    # ------------------------------------------------------------------ explanation
    def _index_of(self, lead: Any) -> int:
        if is_integer(lead):
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

        Raises
        ------
        PluginError
            A scorer from outside the library raised in its ``explain()``, or returned other
            than a list of dicts with ``axis`` and ``rule`` (text) and ``points`` (a finite
            number).
        """
        i = self._index_of(lead)
        lid = self.ids[i]
        out: dict[str, Any] = {self.id_column: lid.item() if isinstance(lid, np.generic) else lid}
        for k in self._order:
            out[k] = self._value(k, i)
        contrib: list[dict[str, Any]] = []
        sc = self.scorer
        if callable(getattr(sc, "explain", None)) and self._leads is not None:
            fail = failing("scorer", sc)
            explained = guarded_call(sc, "explain", self._leads, self._touchpoints, i, fail=fail)
            contrib = _contributions(explained, fail)
        out["contributions"] = contrib
        return out

    # ------------------------------------------------------------------ display
    def _repr_html_(self) -> str:
        from .._display import preview

        head = min(len(self), 10)
        cols: dict[str, np.ndarray] = {self.id_column: np.asarray(self.ids[:head])}
        for k in self._order:
            values = [self._value(k, i) for i in range(head)]  # 10 rows at most
            cols[k] = np.asarray(values, dtype=object)
        note = f"{len(self) - head:,} more leads (use to_frame())" if len(self) > head else ""
        title = f"ScoreResult — {type(self.scorer).__name__}, {len(self):,} leads"
        return preview(title, cols, note=note, max_rows=None, rates=True)

    def plot(self, ax: Any = None, *, converted: Any = None, bins: int = 30) -> tuple[Any, Any]:
        """Heat map of the grid, or a histogram of scores (needs the ``plot`` extra: matplotlib).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw on it; default a new figure.
        converted : array-like of bool or 0/1, optional
            Outcome per lead (same order): the heat map shows the conversion rate per cell
            instead of the number of leads.  Needs a grid scorer.
        bins : int, default 30
            Histogram bins when the scorer produces no cells.

        Returns
        -------
        (Figure, Axes)
            With cells (``"A1"`` …): fit letters as rows × interest numbers as columns;
            otherwise a histogram of ``score``.
        """
        from ._plot import plot_scores

        return plot_scores(self, ax=ax, converted=converted, bins=bins)
