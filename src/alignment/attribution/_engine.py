"""The attribution engine: :func:`attribute`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import _segments as seg
from .._time import parse_duration
from ..base import AttributionModel, ChannelCredit, clone
from ..errors import ParameterError, PluginError
from ._result import AttributionResult, Unattributed

__all__ = ["attribute"]

#: reasons a converted journey's revenue is not attributed
REASON_NO_TOUCHES = "no touches"
REASON_AFTER = "all touches after conversion"
REASON_LOOKBACK = "outside lookback"

#: tolerance of the weight-sum and conservation checks on a model's output
_TOL = 1e-9


def attribute(
    touchpoints: Any,
    conversions: Any = None,
    *,
    model: str | AttributionModel | type[AttributionModel] = "linear",
    lead: str = "lead_id",
    time: str = "timestamp",
    channel: str = "channel",
    converted_at: str = "converted_at",
    revenue: str = "revenue",
    lookback: Any = None,
    leads: Any = None,
    **model_params: Any,
) -> AttributionResult:
    """Credit converted revenue to the touches (or channels) that preceded it.

    Parameters
    ----------
    touchpoints : frame, dict, sequence of Touchpoint, or Journeys
        One row per touch (pandas / Polars / PyArrow frame, dict of arrays, or a sequence of
        :class:`alignment.Touchpoint`), or a prebuilt :class:`alignment.Journeys`.
    conversions : frame, dict or sequence of Deal, optional
        One row per converted journey: the journey key, conversion time and value (deals are
        read as their won deals: ``closed_at`` and ``amount``).  When ``None``, the
        ``converted_at`` and ``revenue`` columns may sit on the touch rows (one value per
        journey; conflicting values are a :class:`DataValidationError`).
    model : str or AttributionModel, default "linear"
        A registered model name (``alignment.attribution_models()``) or a model instance.
    lead, time, channel : str
        Touchpoint column names (journey key, touch instant, channel).
    converted_at, revenue : str
        Conversion column names.
    lookback : str, timedelta or numpy.timedelta64, optional
        Touches more than this before the conversion get nothing (e.g. ``"90d"``; a touch
        exactly ``lookback`` before it is still eligible).
    leads : frame, dict, sequence of Lead or LeadTable, optional
        Leads: their columns (source, persona …) become ``by`` keys and their instants the
        anchors of ``w_shaped`` / ``full_path`` (``lead_created_at``, ``opportunity_at``,
        ``won_at`` …).
    **model_params
        Parameters of the model when given by name (e.g. ``half_life="7d"``).

    Returns
    -------
    AttributionResult
        Credit per touch and per key; ``unattributed`` lists converted journeys without an
        eligible touch with their reason.  Revenue is conserved: credited + unattributed ==
        converted revenue.

    Raises
    ------
    UnknownModelError
        Unknown model name.
    ParameterError
        Invalid model parameters or lookback.
    DataValidationError
        Unusable input (missing columns, missing times, conflicting conversions …).
    PluginError
        The model returned invalid weights or credit.

    Notes
    -----
    Touches at or after the conversion time, and touches outside the lookback window, are
    removed (:meth:`Journeys.select_touches`) before the model sees the journeys.  Journeys
    without a conversion get nothing (data-driven models still learn from them).

    Examples
    --------
    >>> import alignment
    >>> touches = {
    ...     "lead_id": ["a", "a", "b"],
    ...     "timestamp": ["2024-01-01T00:00Z", "2024-01-05T00:00Z", "2024-01-02T00:00Z"],
    ...     "channel": ["email", "search", "email"],
    ...     "converted_at": ["2024-01-10T00:00Z", "2024-01-10T00:00Z", None],
    ...     "revenue": [100.0, 100.0, None],
    ... }
    >>> alignment.attribute(touches, model="linear").totals()
    {'email': 50.0, 'search': 50.0}
    """
    from ..plugins import get_attribution_model
    from ..tables import Journeys

    m = get_attribution_model(model, **model_params)
    model_name = m.name or type(m).__name__
    lb = None if lookback is None else parse_duration(lookback, name="lookback")

    if isinstance(touchpoints, Journeys):
        if conversions is not None or leads is not None:
            raise ParameterError(
                "touchpoints is a prebuilt Journeys table, which already holds its conversions "
                "and lead attributes; build it with Journeys.build(..., conversions, leads=...) "
                "instead of passing conversions= or leads= here"
            )
        journeys = touchpoints
    else:
        journeys = Journeys.build(
            touchpoints,
            conversions,
            lead=lead,
            time=time,
            channel=channel,
            converted_at=converted_at,
            revenue=revenue,
            leads=leads,
        )
    names = {"lead": journeys.key_column, "time": time, "channel": channel}

    eligible, unattributed = _eligibility(journeys, lb)
    sub = journeys if bool(eligible.all()) else journeys.select_touches(eligible)
    attributed = np.asarray(journeys.converted, dtype=bool) & (
        seg.segment_count(eligible, journeys.offsets) > 0
    )
    if m.requires_fit:
        m = clone(m)
    m.fit(sub)

    weights: np.ndarray | None = None
    credit: ChannelCredit | None = None
    if m.kind == "touch":
        w_sub = _checked_weights(m, model_name, sub, attributed)
        if sub is journeys:
            weights = w_sub
        else:
            weights = np.zeros(journeys.n_touches, dtype=np.float64)
            weights[eligible] = w_sub
    elif m.kind == "channel":
        credit = _checked_credit(m, model_name, sub, attributed)
    else:
        raise PluginError(
            f"attribution model {model_name!r} has kind {m.kind!r}; expected 'touch' or 'channel'",
            plugin=model_name,
        )
    weights_ro = weights
    if weights_ro is not None:
        weights_ro.setflags(write=False)
    eligible.setflags(write=False)

    keys, rev, conv, reason = unattributed
    return AttributionResult(
        model=m,
        model_name=model_name,
        journeys=journeys,
        eligible=eligible,
        weights=weights_ro,
        unattributed=Unattributed(
            keys=keys,
            revenue=rev,
            conversions=conv,
            reason=reason,
            backend=journeys.backend,
            key_name=journeys.key_column,
        ),
        channel_credit=credit,
        backend=journeys.backend,
        names=names,
    )


def _eligibility(
    journeys: Any, lookback: np.timedelta64 | None
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per-touch eligibility and the unattributed converted journeys with their reason.

    A touch of a converted journey is eligible if it is strictly before the conversion and
    (with a lookback) not more than ``lookback`` before it.  Touches of journeys without a
    conversion stay eligible: they carry no credit, but data-driven models learn from them.
    A converted journey whose conversion time is unknown (``NaT``) keeps all its touches.
    """
    offsets = journeys.offsets
    converted = np.asarray(journeys.converted, dtype=bool)
    lengths = np.diff(offsets)
    n_t = journeys.n_touches
    if not journeys.timed:
        if lookback is not None:
            raise ParameterError(
                "lookback needs touch and conversion times; aggregated paths have none"
            )
        eligible = np.ones(n_t, dtype=bool)
        before_count = lengths
    else:
        conv_at = journeys.converted_at
        limit = np.where(converted, conv_at, np.datetime64("NaT"))
        no_time = converted & np.isnat(conv_at)
        # fast path (O(journeys)): touches are sorted by time, so a journey's touches are all
        # eligible when its last touch is before the conversion and its first inside lookback
        last = seg.segment_last(offsets)
        first = seg.segment_first(offsets)
        check = converted & ~no_time & (lengths > 0)
        ok = journeys.time[last[check]] < conv_at[check]
        if lookback is not None:
            ok &= (conv_at[check] - journeys.time[first[check]]) <= lookback
        if bool(ok.all()):
            eligible = np.ones(n_t, dtype=bool)
            before_count = lengths
        else:
            conv_b = seg.broadcast(limit, offsets)
            before = journeys.time < conv_b
            free = seg.broadcast(~converted | no_time, offsets)
            before_count = seg.segment_count(before | free, offsets)
            eligible = before.copy()
            if lookback is not None:
                eligible &= (conv_b - journeys.time) <= lookback
            eligible |= free
    n_elig = seg.segment_count(eligible, offsets) if not bool(eligible.all()) else lengths
    lost = converted & (n_elig == 0)
    idx = np.flatnonzero(lost)
    reason = np.empty(idx.size, dtype=object)
    reason[:] = REASON_LOOKBACK
    reason[np.asarray(before_count)[idx] == 0] = REASON_AFTER
    reason[lengths[idx] == 0] = REASON_NO_TOUCHES
    unattributed = (
        np.asarray(journeys.keys)[idx].astype(object),
        np.asarray(journeys.revenue, dtype=np.float64)[idx],
        np.asarray(journeys.conversions, dtype=np.float64)[idx],
        reason,
    )
    return eligible, unattributed


def _plugin_of(model_name: str) -> str:
    try:
        from ..plugins import get_registration

        return str(get_registration("attribution model", model_name).plugin)
    except Exception:  # an unregistered instance: name the model itself
        return model_name


def _fail(model_name: str, problem: str) -> PluginError:
    return PluginError(
        f"attribution model {model_name!r} {problem}", plugin=_plugin_of(model_name)
    )


def _checked_weights(
    m: AttributionModel, model_name: str, journeys: Any, attributed: np.ndarray
) -> np.ndarray:
    """Call ``m.weights`` and check its output against the contract."""
    raw = m.weights(journeys)
    try:
        w = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise _fail(model_name, f"returned weights that are not numbers: {type(raw).__name__}") from None
    if w.shape != (journeys.n_touches,):
        raise _fail(
            model_name,
            f"returned weights of shape {w.shape}; expected ({journeys.n_touches},), one per touch",
        )
    bad = ~np.isfinite(w)
    if bool(bad.any()):
        raise _fail(model_name, f"returned {int(bad.sum())} non-finite weight(s) (NaN or inf)")
    neg = w < 0
    if bool(neg.any()):
        raise _fail(
            model_name, f"returned {int(neg.sum())} negative weight(s), e.g. {float(w[neg][0])!r}"
        )
    w = np.where(seg.broadcast(attributed, journeys.offsets), w, 0.0)
    sums = seg.segment_sum(w, journeys.offsets)
    off = attributed & (np.abs(sums - 1.0) > _TOL)
    if bool(off.any()):
        j = int(np.flatnonzero(off)[0])
        raise _fail(
            model_name,
            f"returned weights that do not sum to 1 in {int(off.sum())} converted journey(s), "
            f"e.g. journey {journeys.keys[j]!r} sums to {float(sums[j])!r}",
        )
    return w


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _TOL * max(1.0, abs(a), abs(b)) * 1e3


def _checked_credit(
    m: AttributionModel, model_name: str, journeys: Any, attributed: np.ndarray
) -> ChannelCredit:
    """Call ``m.channel_credit`` and check it conserves conversions and revenue."""
    cc = m.channel_credit(journeys)
    if not isinstance(cc, ChannelCredit):
        raise _fail(
            model_name,
            f"channel_credit returned {type(cc).__name__}; expected alignment.base.ChannelCredit",
        )
    known = {str(c) for c in journeys.channel.categories}
    expected = {
        "revenue": float(np.asarray(journeys.revenue)[attributed].sum()),
        "conversions": float(np.asarray(journeys.conversions)[attributed].sum()),
    }
    for label, mapping in (("revenue", cc.revenue), ("conversions", cc.conversions)):
        if not isinstance(mapping, Mapping):
            raise _fail(model_name, f"returned {label} credit that is not a mapping")
        unknown = [k for k in mapping if str(k) not in known]
        if unknown:
            raise _fail(model_name, f"credited unknown channel(s) {unknown[:5]}")
        values = np.array([float(v) for v in mapping.values()], dtype=np.float64)
        if not bool(np.isfinite(values).all()):
            raise _fail(model_name, f"returned non-finite {label} credit")
        total = float(values.sum())
        if not _close(total, expected[label]):
            raise _fail(
                model_name,
                f"credited {label} {total!r}, but the converted journeys with eligible touches "
                f"hold {expected[label]!r} (credit must conserve {label})",
            )
    return cc
