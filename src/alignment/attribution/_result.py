"""The result of :func:`alignment.attribute`: credit per touch, rolled up by any key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

import numpy as np

from .. import _segments as seg
from .._display import preview
from .._frame_types import dict_frames, level_frames, table_frames
from .._frames import Categorical, to_native
from .._grouplabel import MISSING_LABEL, refuse_missing_label
from .._params import is_option
from .._results import Result, frame_backend, read_only_view, share_of
from ..errors import ParameterError
from ..tables._deals import DEAL_KEY

if TYPE_CHECKING:
    from ..base import AttributionModel, ChannelCredit
    from ..tables import Journeys

__all__ = ["AttributionResult", "Unattributed"]

#: key under which credit of touches with a missing value of the ``by`` column is reported
MISSING_KEY = MISSING_LABEL

Measure = Literal["revenue", "conversions"]

#: the keys of the reconciliation in ``AttributionResult.summary()`` per measure: what
#: converted, what was credited, what was not
RECONCILIATION: dict[str, tuple[str, str, str]] = {
    "revenue": ("converted_revenue", "attributed_revenue", "unattributed_revenue"),
    "conversions": ("conversions", "attributed_conversions", "unattributed_conversions"),
}


def credit_table(
    by: str, revenue: Mapping[Any, float], conversions: Mapping[Any, float]
) -> dict[str, np.ndarray]:
    """Columns ``by``, ``conversions``, ``revenue``, ``share`` of per-key credit totals.

    Keys in the order of ``revenue``; ``share`` is the key's part of the total revenue, NaN
    for every key when the total is 0 (a share of nothing is 0 / 0: not measured, see
    :data:`SHARE_NOT_MEASURED`).
    """
    keys = np.array(list(revenue), dtype=object)
    rev = np.array([revenue[k] for k in revenue], dtype=np.float64)
    conv = np.array([conversions.get(k, 0.0) for k in revenue], dtype=np.float64)
    total = rev.sum()
    return {by: keys, "conversions": conv, "revenue": rev, "share": share_of(rev, total)}


#: why a ``share`` is NaN: nothing was credited, and a share of nothing is 0 / 0
SHARE_NOT_MEASURED = "nothing was credited: a share of nothing (0 / 0) is not measured"


def _n_input_touches(j: Journeys) -> int:
    """Input touches of a table: its touches, or the rows it was built from when it holds only
    some of them (``touches="converted"``) or repeats some (deal-keyed journeys)."""
    rows_known = j.n_input_rows >= 0
    if rows_known and (getattr(j, "touches", "all") != "all" or j.key_column == DEAL_KEY):
        return int(j.n_input_rows)
    return int(j.n_touches)


def _text_names(cols: Mapping[str, Any]) -> list[str]:
    """The factorised (text) columns: dictionary-encoded in a frame."""
    return [k for k, v in cols.items() if isinstance(v, Categorical)]


def _fmt(x: float) -> str:
    return f"{x:,.2f}"


@dataclass(frozen=True, eq=False)
class Unattributed:
    """Converted journeys whose revenue (or, for a stage outcome, conversions) could not be
    credited to any touch.

    Attributes
    ----------
    keys : ndarray
        Journey keys (lead or account ids; deal ids for deal-keyed journeys), in the journeys'
        key dtype (int64 or object).
    revenue : ndarray of float64
        Their converted revenue.
    conversions : ndarray of float64
        Their conversions.
    reason : ndarray of object
        ``"no touches"``, ``"all touches after conversion"`` or ``"outside lookback"``.
    backend : str
        Backend used by :meth:`to_frame` by default.
    key_name : str
        Name of the key column of :meth:`to_frame`.
    measure : {"revenue", "conversions"}
        The unit of :attr:`total` and :meth:`by_reason`: the result's ``measure`` (money, or
        leads reaching the stage for a stage outcome).
    """

    keys: np.ndarray
    revenue: np.ndarray
    conversions: np.ndarray
    reason: np.ndarray
    backend: str = "dict"
    key_name: str = "lead_id"
    measure: str = "revenue"

    def __post_init__(self) -> None:
        for name in ("keys", "revenue", "conversions", "reason"):  # the four arrays
            object.__setattr__(self, name, read_only_view(getattr(self, name)))

    @property
    def _values(self) -> np.ndarray:
        """Each journey's unattributed value in :attr:`measure`: its revenue, or its
        conversions (a stage outcome)."""
        return self.conversions if self.measure == "conversions" else self.revenue

    @property
    def total(self) -> float:
        """Total unattributed value in :attr:`measure` (revenue, or conversions)."""
        return float(self._values.sum())

    def __len__(self) -> int:
        return int(self.keys.size)

    def by_reason(self) -> dict[str, float]:
        """Unattributed value in :attr:`measure` per reason."""
        values = self._values
        out: dict[str, float] = {}
        for r in sorted(set(self.reason.tolist())):
            out[r] = float(values[self.reason == r].sum())
        return out

    @table_frames
    def to_frame(self, backend: str | None = None) -> Any:
        """One row per unattributed journey: key, revenue, conversions, reason.

        A stage outcome (``measure="conversions"``) has no ``revenue`` column: its journeys
        are leads reaching the stage, not money.
        """
        money = {"revenue": self.revenue} if self.measure == "revenue" else {}
        cols = {self.key_name: self.keys, **money, "conversions": self.conversions}
        return to_native({**cols, "reason": self.reason}, frame_backend(backend, self.backend))

    def __repr__(self) -> str:
        return (
            f"Unattributed({_journeys(len(self))}, {self.measure} {_fmt(self.total)}, "
            f"by reason {self.by_reason()})"
        )

    def _repr_html_(self) -> str:
        cols = {self.key_name: self.keys, self.measure: self._values, "reason": self.reason}
        title = f"Unattributed: {_journeys(len(self))}, {self.measure} {_fmt(self.total)}"
        return preview(title, cols)


@dataclass(frozen=True, eq=False)
class AttributionResult(Result):
    """Credit of converted revenue to touches (rule-based models) or channels (data-driven).

    Revenue is conserved: ``sum(totals().values()) + unattributed.total`` equals the converted
    revenue of the input, to floating-point accuracy.  With a stage outcome
    (``measure="conversions"``) the same holds for the leads that reached the stage, and
    :meth:`summary`, the displays and ``unattributed`` speak of conversions, not revenue.

    Attributes
    ----------
    model : AttributionModel
        The model used.
    model_name : str
        Its registry name (or class name).
    journeys : Journeys
        Every touch, grouped into journeys, ineligible touches included (a property).
    table : Journeys
        The table the credit was computed on.  For the built-in rule models computed from rows
        (not from a prebuilt table) it holds only the touches of converted journeys
        (``table.touches == "converted"``; the other journeys carry no credit), which is all they
        need; :attr:`journeys`, :attr:`eligible`, :attr:`weights`, the per-touch credits,
        ``to_frame(level="touch")``, ``touches()`` and cost/ROI then sort the other touches on
        first use (``table.all_touches()``) and cover every input touch.  Totals and
        ``to_frame`` by key never need them.
    table_eligible : ndarray of bool
        ``eligible`` for the touches of ``table``.
    eligible : ndarray of bool
        Per touch: whether the touch could receive credit (before the conversion, inside the
        lookback window; touches of journeys without a conversion count as eligible).
    weights : ndarray of float64 or None
        Per touch (journeys order), summing to 1 per attributed journey; ``None`` for data-driven
        models (a property, materialised on first use).
    support_weights : ndarray of float64 or None
        The weights of the ``support`` touches only (compact form of the weights).
    support : ndarray of int64
        Indices into ``table`` of the touches of attributed journeys (the only ones that can
        carry weight).
    support_journey : ndarray of int64
        Journey index of each ``support`` touch.
    unattributed : Unattributed
        Converted journeys with no eligible touch, with their reason.
    channel_credit : ChannelCredit or None
        For data-driven models: credit per channel and model details.
    backend : str
        Backend of the caller's input (default of :meth:`to_frame`).
    outcome : str
        What was credited (``outcome=`` of :func:`alignment.attribute`): ``"revenue"``, a stage
        column of the leads (``"mql_at"`` …) or ``"pipeline"``.
    measure : {"revenue", "conversions"}
        The unit of the credit: money, or leads reaching the stage (a stage outcome, where each
        lead's value is 1).  It is the default ``measure`` of :meth:`totals`.

    Notes
    -----
    ``result.plot(by="channel")`` draws the credit per key with matplotlib (the ``plot``
    extra) and returns ``(fig, ax)``; ``compare=`` puts several models side by side.
    """

    model: AttributionModel
    model_name: str
    table: Journeys
    table_eligible: np.ndarray
    support_weights: np.ndarray | None
    unattributed: Unattributed
    channel_credit: ChannelCredit | None = None
    backend: str = "dict"
    names: Mapping[str, str] = field(default_factory=dict)
    #: lookback the result was computed with (to recompute it over every touch)
    lookback: np.timedelta64 | None = field(default=None, repr=False)
    #: touches that may carry weight (those of attributed journeys) and their journey index;
    #: roll-ups only visit these, so they cost O(attributed touches)
    support: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64), repr=False)
    support_journey: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64), repr=False)
    #: what was credited: ``"revenue"`` (won revenue), a leads' stage column or ``"pipeline"``
    outcome: str = "revenue"
    #: ``"revenue"`` (money) or ``"conversions"`` (a stage outcome: 1 per lead)
    measure: str = "revenue"

    @property
    def journeys(self) -> Journeys:
        """Every touch, grouped into journeys (see the class notes on ``table``)."""
        return self._every_touch().table

    @property
    def eligible(self) -> np.ndarray:
        """Per touch of :attr:`journeys`: whether it could receive credit."""
        return self._every_touch().table_eligible

    @property
    def weights(self) -> np.ndarray | None:
        """Per-touch weights in :attr:`journeys` order (``None`` for data-driven models)."""
        return self._every_touch()._table_weights()

    def _table_weights(self) -> np.ndarray | None:
        if self.support_weights is None:
            return None
        cached = self.__dict__.get("_weights_full")
        if cached is None:
            cached = np.zeros(self.table.n_touches, dtype=np.float64)
            cached[self.support] = self.support_weights
            cached.setflags(write=False)
            object.__setattr__(self, "_weights_full", cached)
        out: np.ndarray = cached
        return out

    # ---------------------------------------------------------------- per touch
    @property
    def kind(self) -> str:
        """``"touch"`` (rule-based, per-touch weights) or ``"channel"`` (data-driven)."""
        return "touch" if self.support_weights is not None else "channel"

    def _require_touch(self, what: str) -> np.ndarray:
        w = self.weights
        if w is None:
            raise ParameterError(
                f"{what} needs per-touch weights, but {self.model_name!r} is a data-driven model "
                "that credits channels only; use by='channel' / level='channel', or a rule-based "
                "model"
            )
        return w

    @property
    def credit(self) -> np.ndarray:
        """Revenue credited to each touch (journeys order): weight × the journey's revenue."""
        w = self._require_touch("per-touch credit")
        j = self.journeys
        out: np.ndarray = w * seg.broadcast(j.revenue, j.offsets)
        return out

    @property
    def conversion_credit(self) -> np.ndarray:
        """Fractional conversions credited to each touch (journeys order)."""
        w = self._require_touch("per-touch credit")
        j = self.journeys
        out: np.ndarray = w * seg.broadcast(j.conversions, j.offsets)
        return out

    @property
    def details(self) -> dict[str, Any]:
        """Model details (data-driven models: e.g. transition matrix, removal effects).

        A copy of the model's mappings and lists at every read, with read-only arrays: editing
        it changes no later figure.
        """
        if self.channel_credit is None:
            return {}
        return self.channel_credit.details

    # ---------------------------------------------------------------- totals
    @property
    def converted_revenue(self) -> float:
        """Revenue of every converted journey (attributed or not); for a stage outcome, each
        lead that reached the stage counts 1."""
        return self._converted(self.table.revenue)

    @property
    def attributed_revenue(self) -> float:
        """Credit given to touches / channels, in :attr:`measure` (revenue, or conversions)."""
        return float(sum(self.totals().values()))

    def _converted(self, per_journey: np.ndarray) -> float:
        """The sum of ``per_journey`` (revenue or conversions) over the converted journeys."""
        converted = np.asarray(self.table.converted, dtype=bool)
        return float(np.asarray(per_journey)[converted].sum())

    def _by_codes(
        self, by: str, touches: np.ndarray | None, journey_of: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Codes of the ``by`` key for the given touches (None = all) and its categories."""
        j = self.table

        def pick(codes: np.ndarray) -> np.ndarray:
            return codes if touches is None else codes[touches]

        if by == "channel" or by == self.names.get("channel"):
            return pick(j.channel.codes), j.channel.categories
        touch_cols = getattr(j, "touch_columns", {}) or {}
        if by in touch_cols:
            c = touch_cols[by]
            return pick(c.codes), c.categories
        journey_cols = getattr(j, "journey_columns", {}) or {}
        if by in journey_cols:
            c = journey_cols[by]
            return c.codes[journey_of], c.categories
        channel = self.names.get("channel") or "channel"
        available = ", ".join(dict.fromkeys([channel, *touch_cols, *journey_cols]))
        anchors = getattr(j, "anchors", {}) or {}
        if by in (getattr(j, "touch_numeric", {}) or {}) or by in anchors:
            raise ParameterError(
                f"cannot group by {by!r}: it is a number (or time) column, and a roll-up key is "
                f"a text column; available keys are {available} (put its values into bands in "
                "a text column to roll up by them)"
            )
        if "lead_created_at" in anchors:  # the leads were given: not a text column of theirs
            raise ParameterError(
                f"cannot group by {by!r}: no text column {by!r} on the touches or their leads "
                f"(a number column, such as a company size, is no roll-up key: put its values "
                f"into bands in a text column); available keys are {available}"
            )
        raise ParameterError(
            f"cannot group by {by!r}: available keys are {available} "
            "(lead columns such as source or persona need the leads: pass attribute(leads=...))"
        )

    def _by_table(self, by: str) -> str:
        """The table of the ``by`` key as :meth:`_by_codes` finds it: a touch column (the
        channel too), else a column of the leads."""
        j = self.table
        touch = by in ("channel", self.names.get("channel")) or by in (
            getattr(j, "touch_columns", {}) or {}
        )
        return "touchpoints" if touch else "leads"

    def _group(self, by: str, measure: str) -> tuple[np.ndarray, np.ndarray]:
        if self.support_weights is None:
            self._require_touch(f"totals(by={by!r})")
        assert self.support_weights is not None
        touches, journey_of = self.support, self.support_journey
        per_journey = self.table.revenue if measure == "revenue" else self.table.conversions
        values = self.support_weights * np.asarray(per_journey, dtype=np.float64)[journey_of]
        codes, cats = self._by_codes(by, touches, journey_of)
        refuse_missing_label(cats, codes, column=by, table=self._by_table(by), rows=False)
        n_cat = int(cats.size)
        idx = np.where(codes >= 0, codes, n_cat).astype(np.intp)
        sums = np.bincount(idx, weights=values, minlength=n_cat + 1)
        keys = np.empty(n_cat + 1, dtype=object)
        keys[:n_cat] = cats
        keys[n_cat] = MISSING_KEY
        if sums[n_cat] == 0 and not bool((codes < 0).any()):
            return keys[:n_cat], sums[:n_cat]
        return keys, sums

    def totals(self, by: str = "channel", measure: Measure | None = None) -> dict[str, float]:
        """Credit rolled up by a key.

        Parameters
        ----------
        by : str, default "channel"
            ``"channel"``, any touch column kept on the journeys (campaign, content, kind …) or
            any lead column (source, persona …) when ``leads=`` was given.  Touches with a
            missing value are grouped under ``"(missing)"``; a value that is that text is
            refused (:class:`~alignment.errors.DataValidationError`: one key, two groups).
        measure : {"revenue", "conversions"}, optional
            Credited revenue, or fractional conversions; default :attr:`measure`.

        Returns
        -------
        dict of str to float
            Every key (including keys with zero credit), in sorted order.
        """
        measure = totals_args(by, self.measure if measure is None else measure)
        if self.support_weights is None:
            assert self.channel_credit is not None
            if by not in ("channel", self.names.get("channel")):
                self._require_touch(f"totals(by={by!r})")
            src = (
                self.channel_credit.revenue
                if measure == "revenue"
                else (self.channel_credit.conversions)
            )
            cats = self.table.channel.categories
            out = {str(c): float(src.get(str(c), 0.0)) for c in cats}
            for k, v in src.items():  # keys outside the vocabulary were rejected by the engine
                out.setdefault(str(k), float(v))
            return out
        keys, sums = self._group(by, measure)
        return {str(k): float(v) for k, v in zip(keys, sums)}

    # ---------------------------------------------------------------- frames
    #: ``to_frame`` levels: ``"touch"`` (default), ``"channel"``, or any other ``by`` key
    levels: ClassVar[tuple[str, ...]] = ("touch", "channel")
    not_measured: ClassVar[dict[str, str]] = {"share": SHARE_NOT_MEASURED}

    @level_frames
    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
        """The result as a frame in the caller's backend.

        Parameters
        ----------
        level : str, default "touch"
            ``"touch"``: one row per input touch, in the caller's row order, with the input's key,
            time and channel columns, the kept touch columns, ``eligible``, ``weight``,
            ``credit`` (revenue) and ``conversion_credit``.  Deal-keyed journeys (several won
            deals per person, or deals with several contacts) give ``deal_id`` and the person
            column, and a touch held by several deals' journeys once per deal.  The text
            columns (channel, campaign, content, kind, lead columns …) are dictionary-encoded
            in a frame (pandas ``category``, Polars ``Enum``, PyArrow ``dictionary``: the same
            values, one small integer per row), strings in a ``"dict"``; the time column of a
            Polars input that already is UTC microseconds is shared with it, not copied.
            Any ``by`` key (``"channel"``, ``"campaign"``, ``"source"`` …): one row per key with
            ``conversions``, ``revenue``, ``share`` (of the attributed revenue) and, when the
            touches carry a ``cost`` column, ``cost`` and ``roi`` = (revenue − cost) ÷ cost
            (NaN where the cost is 0; missing costs count as 0).
        backend : str, optional
            ``"pandas"``, ``"polars"``, ``"pyarrow"`` or ``"dict"``; default: the input's.
        """
        level, backend = self._frame_args(level, backend, open_levels=True)
        backend = frame_backend(backend, self.backend)
        if level == "touch":
            return self._touch_level(backend)
        return to_native(self._key_columns(level), backend)

    def _touch_level(self, backend: str, *, dictionary: bool = True) -> Any:
        """``to_frame(level="touch")``; ``dictionary=False``: text columns as plain strings (the
        partitions of a larger frame, whose categories differ)."""
        cols = self._input_order_columns()
        if cols is None:
            cols = self._every_touch()._touch_columns()
        return to_native(cols, backend, dictionary=_text_names(cols) if dictionary else ())

    def _every_touch(self) -> AttributionResult:
        """This result over every input touch (see the class notes on ``table``).

        When ``table`` holds only the converted journeys' touches, the other touches are sorted
        in on first use (then cached).  No model runs again: a rule model gives no weight to the
        touches of journeys without a conversion, and those touches count as eligible.
        """
        if getattr(self.table, "touches", "all") == "all":
            return self
        whole = self.__dict__.get("_whole")
        if whole is None:
            whole = self._with_every_touch()
            self.__dict__["_whole"] = whole
        return whole

    def _with_every_touch(self) -> AttributionResult:
        full = self.table.all_touches()
        full_row = np.asarray(full.row, dtype=np.int64)
        by_row = np.argsort(full_row, kind="stable")
        # position in `full` of each touch of `table` (the same input rows)
        where = by_row[np.searchsorted(full_row[by_row], np.asarray(self.table.row, np.int64))]
        eligible = np.ones(full.n_touches, dtype=bool)
        eligible[where] = self.table_eligible
        eligible.flags.writeable = False
        support = where[self.support]
        return replace(
            self,
            table=full,
            table_eligible=eligible,
            support=support,
            support_journey=np.asarray(full.journey_index, dtype=np.int64)[support],
        )

    @dict_frames
    def touches(self, backend: str | None = "dict") -> Any:
        """Touch-level credit in the caller's row order, with a ``row`` column (input position).

        The same columns (and dtypes) as ``to_frame(level="touch")`` plus ``row``; default a
        dict of arrays.
        """
        whole = self._every_touch()
        order = whole._caller_order()
        cols = whole._touch_columns(order)
        row = np.asarray(whole.table.row)[order]
        return to_native({"row": row, **cols}, backend, dictionary=_text_names(cols))

    def _caller_order(self) -> np.ndarray:
        """Touch positions sorted by input row: O(n) inverse permutation when rows are 0..n-1."""
        row = np.asarray(self.table.row, dtype=np.int64)
        n = row.size
        if n and int(row.min()) == 0 and int(row.max()) == n - 1:
            order = np.full(n, -1, dtype=np.int64)
            order[row] = np.arange(n, dtype=np.int64)
            if not bool((order < 0).any()):  # a permutation: every row once
                return order
        return np.argsort(row, kind="stable")

    def _touch_columns(self, order: np.ndarray | None = None) -> dict[str, Any]:
        w = self._require_touch("to_frame(level='touch')")
        j = self.table
        if order is None:
            order = self._caller_order()
        jidx = np.asarray(j.journey_index)[order]

        def decode(cat: Categorical) -> Categorical:  # (strings built by the frame's backend)
            return Categorical(np.take(cat.codes, order), cat.categories)

        key_name = self.names.get("lead", "lead_id")
        cols: dict[str, Any] = {key_name: np.asarray(j.keys)[jidx]}
        if j.timed:
            cols[self.names.get("time", "timestamp")] = j.time[order]
        else:
            cols["position"] = j.time.view(np.int64)[order]
        cols[self.names.get("channel", "channel")] = decode(j.channel)
        for name, c in (getattr(j, "touch_columns", {}) or {}).items():
            cols.setdefault(name, decode(c))
        for name, v in (getattr(j, "touch_numeric", {}) or {}).items():
            cols.setdefault(name, np.asarray(v)[order])
        cols["eligible"] = self.table_eligible[order]
        return {**cols, **self._credit_columns(w[order], jidx, j)}

    def _credit_columns(
        self, weight: np.ndarray, journey: np.ndarray, j: Journeys
    ) -> dict[str, Any]:
        """``weight``, ``credit``, ``conversion_credit`` (and ``outcome``) of touches given
        their weight and journey index (each product computed in place: no temporary)."""
        credit = np.take(np.asarray(j.revenue, dtype=np.float64), journey)
        conversion = np.take(np.asarray(j.conversions, dtype=np.float64), journey)
        cols: dict[str, Any] = {
            "weight": weight,
            "credit": np.multiply(credit, weight, out=credit),
            "conversion_credit": np.multiply(conversion, weight, out=conversion),
        }
        if self.outcome != "revenue":
            cols["outcome"] = Categorical(
                np.zeros(weight.size, dtype=np.int32), np.array([self.outcome], dtype=object)
            )
        return cols

    def _input_order_columns(self) -> dict[str, Any] | None:
        """The touch-level columns straight from the rows as read, in input order, for a table
        of the converted journeys' touches built from rows (``None`` otherwise).

        The same values as :meth:`_touch_columns` over every touch, without sorting the other
        touches into journeys and back: they carry no weight and count as eligible.
        """
        enc = self.table._input_rows() if self.table.touches == "converted" else None
        if enc is None or self.support_weights is None or not self.table.timed:
            return None
        row = np.asarray(self.table.row, dtype=np.int64)
        weight = np.zeros(enc.n_rows, dtype=np.float64)
        weight[row[self.support]] = self.support_weights
        eligible = np.ones(enc.n_rows, dtype=bool)
        eligible[row] = self.table_eligible
        codes = enc.codes
        cols: dict[str, Any] = {
            self.names.get("lead", "lead_id"): np.asarray(enc.keys)[codes],
            self.names.get("time", "timestamp"): read_only_view(enc.time),  # shared, not copied
            self.names.get("channel", "channel"): enc.channel,
        }
        for name, c in enc.touch_columns.items():
            cols.setdefault(name, c)
        for name, v in enc.touch_numeric.items():
            cols.setdefault(name, read_only_view(v))
        cols["eligible"] = eligible
        return {**cols, **self._credit_columns(weight, codes, self.table)}

    def _key_columns(self, by: str) -> dict[str, np.ndarray]:
        cols = self._money_columns(by)
        if self.measure == "conversions":  # a stage outcome: credit counts leads, not money
            conv = cols["conversions"]
            total = conv.sum()
            cols = {
                by: cols[by],
                "conversions": conv,
                "share": share_of(conv, total),
                **({"cost": cols["cost"]} if "cost" in cols else {}),
            }
        if self.outcome != "revenue":
            cols["outcome"] = np.full(cols[by].size, self.outcome, dtype=object)
        return cols

    def _money_columns(self, by: str) -> dict[str, np.ndarray]:
        cols = credit_table(by, self.totals(by, "revenue"), self.totals(by, "conversions"))
        numeric = getattr(self.table, "touch_numeric", {}) or {}
        if "cost" in numeric and self._every_touch() is not self:
            return self._every_touch()._money_columns(
                by
            )  # costs of every touch, not only converted
        if "cost" in numeric:
            try:
                codes, cats = self._by_codes(by, None, self.table.journey_index)
            except ParameterError:
                return cols
            n_cat = int(cats.size)
            idx = np.where(codes >= 0, codes, n_cat).astype(np.int64)
            raw_cost = np.asarray(numeric["cost"], dtype=np.float64)
            raw_cost = np.where(np.isnan(raw_cost), 0.0, raw_cost)  # unknown cost counts as 0
            raw_cost = np.where(_first_copies(self.table.row), raw_cost, 0.0)  # (each touch once)
            cost_all = np.bincount(idx, weights=raw_cost, minlength=n_cat + 1)
            lookup = {str(c): float(cost_all[i]) for i, c in enumerate(cats)}
            lookup[MISSING_KEY] = float(cost_all[n_cat])
            cost = np.array([lookup.get(str(k), 0.0) for k in cols[by]], dtype=np.float64)
            roi = np.full(cost.size, np.nan)
            np.divide(cols["revenue"] - cost, cost, out=roi, where=cost != 0)
            cols["cost"] = cost
            cols["roi"] = roi
        return cols

    # ---------------------------------------------------------------- display
    def summary(self) -> dict[str, Any]:
        """Model, journey counts and the reconciliation of the credit.

        The reconciliation is in :attr:`measure`: ``converted_revenue``,
        ``attributed_revenue`` and ``unattributed_revenue``; for a stage outcome
        (``measure="conversions"``) ``conversions`` (the leads that reached the stage),
        ``attributed_conversions`` and ``unattributed_conversions``.
        """
        j = self.table
        total, attributed, unattributed = RECONCILIATION[self.measure]
        per_journey = j.conversions if self.measure == "conversions" else j.revenue
        return {
            "model": self.model_name,
            "outcome": self.outcome,
            "measure": self.measure,
            "journeys": int(j.n_journeys),  # every journey is kept, with or without its touches
            "touches": _n_input_touches(j),
            "converted_journeys": int(np.asarray(j.converted, dtype=bool).sum()),
            total: self._converted(per_journey),
            attributed: self.attributed_revenue,
            unattributed: self.unattributed.total,
        }

    def _reconciliation(self, s: Mapping[str, Any]) -> tuple[float, float, float]:
        """Converted, attributed and unattributed credit of a :meth:`summary`, in the
        measure."""
        total, attributed, unattributed = RECONCILIATION[self.measure]
        return s[total], s[attributed], s[unattributed]

    def __repr__(self) -> str:
        s = self.summary()
        _, attributed, unattributed = self._reconciliation(s)
        unit = "" if self.measure == "revenue" else f" {self.measure}"
        outcome = "" if self.outcome == "revenue" else f", outcome={self.outcome!r}"
        return (
            f"AttributionResult(model={s['model']!r}{outcome}, journeys={s['journeys']}, "
            f"converted={s['converted_journeys']}, attributed={_fmt(attributed)}{unit}, "
            f"unattributed={_fmt(unattributed)}{unit})"
        )

    def _repr_html_(self) -> str:
        s = self.summary()
        total, attributed, unattributed = self._reconciliation(s)
        cols = self._key_columns("channel")
        order = np.argsort(-cols[self.measure], kind="stable")
        shown = {k: v[order] for k, v in cols.items()}
        title = f"Attribution — model {s['model']}"
        note = (
            f"{s['journeys']:,} journeys, {s['touches']:,} touches, "
            f"{s['converted_journeys']:,} converted; {self.measure} {_fmt(total)} = "
            f"attributed {_fmt(attributed)} + unattributed {_fmt(unattributed)}"
        )
        return preview(
            title, shown, note=note, kinds={"revenue": "money"}, rates=True, na=self.not_measured
        )

    def plot(
        self,
        ax: Any = None,
        *,
        by: str = "channel",
        measure: Measure = "revenue",
        compare: Mapping[str, AttributionResult] | None = None,
    ) -> tuple[Any, Any]:
        """Bar chart of the credit per key (needs the ``plot`` extra: matplotlib).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw on it; default a new figure.
        by : str, default "channel"
            Roll-up key, as in :meth:`totals`.
        measure : {"revenue", "conversions"}, default "revenue"
            Credited revenue, or fractional conversions.  For a stage outcome both are the
            same numbers (each lead is worth 1) and the chart is labelled conversions.
        compare : mapping of str to AttributionResult, optional
            Other models' results (e.g. ``{"first": r1, "markov": r2}``) drawn side by side
            with this one, one series per model.

        Returns
        -------
        (Figure, Axes)
        """
        from ._plot import plot_attribution

        return plot_attribution(self, ax=ax, by=by, measure=measure, compare=compare)


def _first_copies(row: np.ndarray) -> np.ndarray:
    """Whether each touch of a table is the first copy of its input touch.

    A table keyed by deal (or by account) holds a person's touch once in the journey of each
    deal it precedes; a sum over the input touches (their cost) counts it once.  Rows without
    an input position (``-1``: aggregated paths) are each their own touch."""
    row = np.asarray(row, dtype=np.int64)
    known = row[row >= 0]
    if not known.size or np.bincount(known).max() <= 1:  # (each touch once: one pass, no sort)
        return np.ones(row.size, dtype=bool)
    order = np.argsort(row, kind="stable")
    ranked = row[order]
    first = np.ones(row.size, dtype=bool)
    first[order[1:]] = (ranked[1:] != ranked[:-1]) | (ranked[1:] < 0)
    return first


def _journeys(n: int) -> str:
    """``"1 journey"``, ``"2 journeys"``."""
    return f"{n:,} journey" + ("" if n == 1 else "s")


def totals_args(by: Any, measure: Any) -> Measure:
    """The arguments of ``totals`` checked (in memory and on Dask): ``by`` a key name and
    ``measure`` one of its choices (returned), else a :class:`ParameterError` naming them."""
    if not isinstance(by, str):
        raise ParameterError(f"totals: by must be a key name such as 'channel', got {by!r}")
    if not is_option(measure, ("revenue", "conversions")):
        raise ParameterError(f"measure must be 'revenue' or 'conversions', got {measure!r}")
    return cast("Measure", measure)
