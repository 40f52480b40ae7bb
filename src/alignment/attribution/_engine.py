"""The attribution engine: :func:`attribute`."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np

from .. import _segments as seg
from .._backends import find as find_backend
from .._columns import stored
from .._crm import is_crm
from .._guard import (
    guarded_call,
    guarded_clone,
    plugin_failure,
    real_numbers,
    rounding_tolerance,
)
from .._options import reads_options, warn
from .._params import is_option
from .._time import parse_duration
from ..base import AttributionModel, ChannelCredit
from ..errors import ParameterError, PluginError
from ..tables._contacts import ROLE_WEIGHT
from ..tables._deals import check_deal_options
from ..tables._leads import AnchoredLeads
from ._outcomes import REVENUE, outcome_inputs
from ._result import AttributionResult, Unattributed
from ._rules import JourneyView, RuleModel, named_anchors

__all__ = ["attribute", "check_channel_credit"]

#: reasons a converted journey's revenue is not attributed
REASON_NO_TOUCHES = "no touches"
REASON_AFTER = "all touches after conversion"
REASON_LOOKBACK = "outside lookback"

#: tolerance of the weight-sum check on a model's output (channel credit: rounding_tolerance)
_TOL = 1e-9


@reads_options
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
    tz: str | None = None,
    normalize: Literal["casefold"] | None = None,
    deal_contacts: Any = None,
    won_stages: Sequence[str] | None = None,
    reset: bool = False,
    key: str | None = None,
    contacts: Literal["all", "primary", "roles"] | None = None,
    role_weights: Mapping[str, float] | None = None,
    outcome: str | None = None,
    **model_params: Any,
) -> AttributionResult:
    """Credit converted revenue to the touches (or channels) that preceded it.

    Parameters
    ----------
    touchpoints : frame, dict, sequence of Touchpoint, Journeys or CRMData
        One row per touch (pandas / Polars / PyArrow frame, dict of arrays, or a sequence of
        :class:`alignment.Touchpoint`), or a prebuilt :class:`alignment.Journeys`, or a CRM
        bundle (``CRMData``: its touchpoints, deals, deal contacts and leads are used).
    conversions : frame, dict or sequence of Deal, optional
        One row per conversion: the journey key, conversion time and value.  A table that
        looks like deals (a ``won`` or ``stage`` column, or ``closed_at`` and ``amount``) is
        always read as its won deals (the strict ``won`` flag, or ``won_stages``), whatever
        ``converted_at`` / ``revenue`` name; its time and value are ``closed_at`` and
        ``amount`` unless those name other columns.  Each won deal is its own conversion (see
        Notes).  When ``None``, the ``converted_at`` and ``revenue`` columns may sit on the
        touch rows (one value per journey; conflicting values are a
        :class:`DataValidationError`).
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
        ``won_at`` …, and the lead columns their ``lead_anchor=`` / ``opportunity_anchor=`` /
        ``won_anchor=`` name, read as instants whatever their name).
    tz : str, optional
        IANA zone of naive instants (e.g. ``"America/New_York"``); default UTC, with a warning.
    normalize : {"casefold"}, optional
        Fold the spellings of channel, source and campaign (``"PAID_SEARCH"`` -> ``"paid
        search"``); see "Time zones and formats" and "Category spellings" in the tables guide.
    deal_contacts : frame, dict or sequence of records, optional
        The persons of each deal: ``deal_id``, the ``lead`` column and optionally
        ``is_primary``, and ``role`` for ``role_weights=`` (other columns are not read).  A
        deal's conversion is then credited over the touches of all its contacts.  A deal it
        does not list (every deal, without it) has its own ``lead`` column as its contact.
    won_stages : sequence of str, optional
        The stage values of won deals (e.g. ``["Closed Won"]``; case, spaces, ``_`` and ``-``
        are folded): a deal is won when its ``stage`` is one of them, and no ``won`` column is
        needed.  Without it, a deals table needs a ``won`` column of true/false, yes/no or 1/0.
    reset : bool, default False
        With several won deals per person: a deal's journey holds only the person's touches
        after their previous won deal's close (default: every touch up to its own close).
    key : str, optional
        Account journeys: the leads' account column (e.g. ``"account_id"``); each won deal's
        journey is built from the touches of the persons ``contacts`` names (default
        ``"all"``).  Needs the deals as ``conversions`` and ``leads=``.
    contacts : {"all", "primary", "roles"}, optional
        Whose touches make up a deal's journey: every lead of the deal's account (``"all"``,
        the default with ``key``), the deal's primary contact (``"primary"``) or the deal's
        contacts in ``deal_contacts`` (``"roles"``).  See "Account journeys" in the
        attribution guide.
    role_weights : mapping of str to float, optional
        With ``contacts="roles"``: a weight (> 0) per role of ``deal_contacts``; a touch's
        share is multiplied by its person's role weight and renormalised per deal (roles not
        named, and a missing role, weigh 1).  Rule and other per-touch models only.
    outcome : str, optional
        What is credited (see "Stage-level attribution" in the attribution guide): the won
        revenue (default, ``"revenue"``); a stage column of the leads (``"mql_at"``,
        ``"sql_at"`` …: each lead that reached it is one conversion of value 1 at that instant,
        credited to its touches before it; pass the leads as ``conversions`` or ``leads=``;
        the result's ``measure`` is ``"conversions"``); or ``"pipeline"`` (every deal, won or
        not, is a conversion at its ``created_at`` worth its ``amount``).
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

    When a person has several won deals, or a deal several contacts (or none), the journeys
    are keyed by deal (``deal_id``): a deal's journey holds its contacts' touches up to its
    close, so a touch shared by two deals' journeys is credited once per deal (it appears
    once per deal in ``to_frame("touch")``, which then has ``deal_id`` and the ``lead``
    column).  Every won deal's amount is counted once: attributed + unattributed == the sum
    of the won deals' amounts.

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
    from_crm = is_crm(touchpoints)
    if from_crm:
        touchpoints, conversions, leads, deal_contacts = _crm_inputs(
            touchpoints, conversions, leads, deal_contacts
        )
    backend = find_backend(touchpoints, conversions, leads, deal_contacts)
    account = _account_options(key, lead, contacts, role_weights)
    if backend is not None:  # (refused before the stage outcome reads its leads in memory)
        _refuse_on_backend(account, outcome)
    m, anchors = (None, []) if backend is not None else _model_and_anchors(model, model_params)
    oc = outcome_inputs(
        outcome,
        conversions,
        leads,
        deal_contacts,
        from_crm=from_crm,
        lead=lead,
        key=key,
        converted_at=converted_at,
        revenue=revenue,
        won_stages=won_stages,
        anchors=anchors,
    )
    conversions, leads, deal_contacts = oc.conversions, oc.leads, oc.deal_contacts
    check_deal_options(won_stages, reset)
    columns = dict(
        lead=lead, time=time, channel=channel, converted_at=converted_at, revenue=revenue
    )
    deals = dict(deal_contacts=deal_contacts, won_stages=won_stages, reset=reset)
    deals.update(account)
    if backend is not None:
        run = backend.operation("attribute")
        options = dict(model=model, lookback=lookback, leads=leads, **columns, **deals)
        return cast("AttributionResult", run(touchpoints, conversions, **options, **model_params))
    assert m is not None  # (made above whenever there is no backend)
    model_name = m.name or type(m).__name__
    lb = None if lookback is None else parse_duration(lookback, name="lookback")
    # built-in rules (weights() not overridden) run directly on the compact view
    fast_rule = isinstance(m, RuleModel) and type(m).weights is RuleModel.weights

    if anchors and leads is not None:  # (lead columns the anchors name, read as instants)
        leads = AnchoredLeads(leads, tuple(anchors))
    journeys = _journeys(
        touchpoints,
        conversions,
        leads,
        columns,
        deals,
        # a built-in rule credits each converted journey from its own touches: the other
        # journeys' touches are read and validated but not sorted (the result sorts them only
        # if asked for every touch, e.g. to_frame(level="touch"))
        "converted" if fast_rule and not m.requires_fit else "all",
    )
    names = {"lead": journeys.key_column, "time": time, "channel": channel}

    el = _eligibility(journeys, lb)
    fail = functools.partial(_fail, model_name)
    if m.requires_fit:  # fit a copy: the caller's instance is left untouched
        m = guarded_clone(m, fail)
        guarded_call(m, "fit", el.sub(journeys), fail=fail)
    elif fast_rule:
        m.validate_params()
    else:
        guarded_call(m, "fit", el.sub(journeys), fail=fail)

    view = el.view
    weights, credit = _credit(m, model_name, journeys, el, fast_rule)
    if weights is not None:
        weights.setflags(write=False)
    el.eligible.setflags(write=False)

    return AttributionResult(
        model=m,
        model_name=model_name,
        table=journeys,
        table_eligible=el.eligible,
        support_weights=weights,
        unattributed=Unattributed(
            keys=el.lost_keys,
            revenue=el.lost_revenue,
            conversions=el.lost_conversions,
            reason=el.lost_reason,
            backend=journeys.backend,
            key_name=journeys.key_column,
            measure=oc.measure,
        ),
        channel_credit=credit,
        backend=journeys.backend,
        names=names,
        lookback=lb,
        support=view.index,
        support_journey=np.repeat(view.journeys, np.diff(view.offsets)),
        outcome=oc.name,
        measure=oc.measure,
    )


def _journeys(
    touchpoints: Any,
    conversions: Any,
    leads: Any,
    columns: dict[str, Any],
    deals: dict[str, Any],
    touches: Literal["all", "converted"],
) -> Any:
    """The journeys table: the prebuilt one, or built from the caller's rows."""
    from ..tables import Journeys

    if isinstance(touchpoints, Journeys):
        given = [k for k, v in deals.items() if v not in (None, False)]
        if conversions is not None or leads is not None or given:
            raise ParameterError(
                "touchpoints is a prebuilt Journeys table, which already holds its conversions "
                "and lead attributes; build it with Journeys.build(..., conversions, leads=...) "
                "instead of passing conversions=, leads=, deal_contacts=, won_stages=, "
                "reset=, key=, contacts= or role_weights= here"
            )
        return touchpoints
    built = Journeys.build(
        touchpoints, conversions, leads=leads, touches=touches, **columns, **deals
    )
    if conversions is None and built.n_journeys and not np.asarray(built.converted).any():
        warn(  # (no data is not "no revenue": said, with where conversions are read from)
            f"no journey converted: conversions= was not given and the touch rows carry no "
            f"{columns['converted_at']!r} value, so nothing is credited (the leads' columns, "
            "if any, are read as lead attributes, never as conversions); fix: pass "
            "conversions= (one row per conversion: the journey key, converted_at and revenue, "
            "e.g. the leads table when it holds them), or converted_at and revenue columns on "
            "the touch rows"
        )
    return built


def _account_options(
    key: str | None, lead: str, contacts: Any, role_weights: Any
) -> dict[str, Any]:
    """``Journeys.build`` options of account journeys: ``key``, ``contacts`` (default "all"
    with an account key) and ``role_weights``; none for person journeys."""
    if key is not None and not isinstance(key, str):
        raise ParameterError(f"key must be a column name (str), got {key!r}")
    account = key not in (None, lead)
    if not account and contacts is None:
        if role_weights is not None:
            raise ParameterError("role_weights= needs contacts='roles'")
        return {}
    mode = contacts if contacts is not None else "all"
    return dict(key=key or lead, contacts=mode, role_weights=role_weights)


def _model_and_anchors(model: Any, params: Mapping[str, Any]) -> tuple[AttributionModel, list[str]]:
    """The model named ``model`` with its ``params``, and the lead columns its anchor
    parameters name (read as instants whatever their name)."""
    from ..plugins import get_attribution_model

    m = get_attribution_model(model, **params)
    return m, named_anchors(m)


def _refuse_on_backend(account: dict[str, Any], outcome: Any) -> None:
    """Account journeys and stage / pipeline outcomes are built in memory only."""
    if account.get("contacts") is not None or not is_option(outcome, (None, REVENUE)):
        raise ParameterError(
            "account journeys (key=, contacts=, role_weights=) and outcome= are not supported on this "
            "backend; compute them in memory (e.g. call .compute() on the frames first)"
        )


def _crm_inputs(crm: Any, conversions: Any, leads: Any, deal_contacts: Any) -> tuple[Any, ...]:
    """Touchpoints, deals, leads and deal contacts of a ``CRMData`` bundle.

    The deal contacts are used when the bundle has any, or when its deals name no
    ``lead_id`` (a bundle read without deal contacts: each won deal is then a journey without
    touches, its amount unattributed and counted); else a deal's ``lead_id``.
    """
    if conversions is not None or leads is not None or deal_contacts is not None:
        raise ParameterError(
            "touchpoints is a CRMData bundle, which already holds its deals, deal contacts "
            "and leads; leave conversions=, leads= and deal_contacts= out"
        )
    dc = crm.deal_contacts
    has_contacts = bool(dc) and bool(next(iter(dc.values())).size)
    contacts = dc if has_contacts or "lead_id" not in crm.deals else None
    return crm._coded_table("touchpoints"), crm.deals, crm._coded_table("leads"), contacts


def _credit(
    m: AttributionModel, model_name: str, journeys: Any, el: _Eligibility, fast_rule: bool
) -> tuple[np.ndarray | None, ChannelCredit | None]:
    """The model's weights (compact: one per touch of the view) or its channel credit."""
    view = el.view
    rw = _role_weights(journeys, model_name, m.kind)
    if fast_rule:
        assert isinstance(m, RuleModel)
        w = _check_values(m, model_name, m._weights(view), view.offsets, view.n_touches)
        return _by_role(w, rw, view), None
    if m.kind == "touch":
        sub = el.sub(journeys)
        w_sub = _check_values(
            m,
            model_name,
            guarded_call(m, "weights", sub, fail=functools.partial(_fail, model_name)),
            sub.offsets,
            sub.n_touches,
            el.attributed,
        )
        if sub is journeys:
            return _by_role(w_sub[view.index], rw, view), None
        full = np.zeros(journeys.n_touches, dtype=np.float64)
        full[el.eligible] = w_sub
        return _by_role(full[view.index], rw, view), None
    if m.kind == "channel":
        return None, _checked_credit(m, model_name, el.sub(journeys), el.attributed)
    raise PluginError(
        f"attribution model {model_name!r} has kind {m.kind!r}; expected 'touch' or 'channel'",
        plugin=model_name,
    )


def _role_weights(journeys: Any, model_name: str, kind: str) -> np.ndarray | None:
    """The touches' role weights (account journeys with ``role_weights``), ``None`` when all 1.

    Data-driven (channel) models credit channels, not touches: they cannot weigh roles.
    """
    rw = (getattr(journeys, "touch_numeric", None) or {}).get(ROLE_WEIGHT)
    if rw is None or bool((np.asarray(rw) == 1.0).all()):
        return None
    if kind != "touch":
        raise ParameterError(
            f"role_weights= reweights the credit of each touch, but {model_name!r} credits "
            "channels only; use a rule-based model, or leave role_weights out"
        )
    return np.asarray(rw, dtype=np.float64)


def _by_role(w: np.ndarray, rw: np.ndarray | None, view: JourneyView) -> np.ndarray:
    """Weights × the touch's role weight, renormalised to sum to 1 per journey.

    Role weights are > 0, so a journey whose weights sum to 1 still has a positive sum.
    """
    if rw is None:
        return w
    x = w * rw[view.index]
    sums = seg.segment_sum(x, view.offsets)
    safe = np.where(sums > 0, sums, 1.0)
    out: np.ndarray = x / seg.broadcast(safe, view.offsets)
    return out


@dataclass
class _Eligibility:
    eligible: np.ndarray  # per touch of the full table
    attributed: np.ndarray  # per journey: converted with at least one eligible touch
    view: JourneyView  # attributable journeys' eligible touches (compact)
    lost_keys: np.ndarray
    lost_revenue: np.ndarray
    lost_conversions: np.ndarray
    lost_reason: np.ndarray
    _sub: Any = None

    def sub(self, journeys: Any) -> Any:
        """``journeys`` without ineligible touches (``Journeys.select_touches``), cached."""
        if self._sub is None:
            all_ok = bool(self.eligible.all())
            self._sub = journeys if all_ok else journeys.select_touches(self.eligible)
        return self._sub


def _eligibility(journeys: Any, lookback: np.timedelta64 | None) -> _Eligibility:
    """Per-touch eligibility and the unattributed converted journeys with their reason.

    A touch of a converted journey is eligible if it is strictly before the conversion and
    (with a lookback) not more than ``lookback`` before it.  Touches of journeys without a
    conversion stay eligible: they carry no credit, but data-driven models learn from them.
    A converted journey whose conversion time is unknown (``NaT``) keeps all its touches.
    Only the touches of converted journeys are examined: O(those touches).
    """
    if not journeys.timed and lookback is not None:
        raise ParameterError(
            "lookback needs touch and conversion times; aggregated paths have none"
        )
    view = JourneyView.of(journeys)
    n_j = view.n_journeys
    lengths = np.diff(view.offsets)
    if journeys.timed and view.n_touches:
        limit = seg.broadcast(view.converted_at, view.offsets)
        no_time = np.isnat(limit)
        before = (view.time < limit) | no_time
        ok = before
        if lookback is not None:
            ok = before & (((limit - view.time) <= lookback) | no_time)
        n_before = seg.segment_count(before, view.offsets)
    else:
        ok = np.ones(view.n_touches, dtype=bool)
        n_before = lengths
    all_ok = bool(ok.all())
    n_ok = lengths if all_ok else seg.segment_count(ok, view.offsets)
    eligible = np.ones(journeys.n_touches, dtype=bool)
    if not all_ok:
        eligible[view.index[~ok]] = False
        view = view.select_touches(ok)
    attributed = np.zeros(journeys.n_journeys, dtype=bool)
    attributed[view.journeys[n_ok > 0]] = True
    lost = np.flatnonzero(n_ok == 0)
    reason = np.empty(lost.size, dtype=object)
    reason[:] = REASON_LOOKBACK
    reason[np.asarray(n_before)[lost] == 0] = REASON_AFTER
    reason[lengths[lost] == 0] = REASON_NO_TOUCHES
    idx = view.journeys[lost]
    del n_j
    return _Eligibility(
        eligible=eligible,
        attributed=attributed,
        view=view,
        lost_keys=stored(journeys, "keys").take(idx),  # the key dtype (stable in every frame)
        lost_revenue=np.asarray(journeys.revenue, dtype=np.float64)[idx],
        lost_conversions=np.asarray(journeys.conversions, dtype=np.float64)[idx],
        lost_reason=reason,
    )


def _fail(model_name: str, problem: str) -> PluginError:
    return plugin_failure("attribution model", model_name, problem)


def _check_values(
    m: AttributionModel,
    model_name: str,
    raw: Any,
    offsets: np.ndarray,
    n_touches: int,
    attributed: np.ndarray | None = None,
) -> np.ndarray:
    """Check per-touch weights against the contract; zero weights outside ``attributed``.

    ``attributed`` (per journey) defaults to "every journey with a touch" (the compact view).
    """
    w = real_numbers(raw, "weights", functools.partial(_fail, model_name))
    if w.shape != (n_touches,):
        raise _fail(
            model_name,
            f"returned weights of shape {w.shape}; expected ({n_touches},), one per touch",
        )
    if attributed is None:
        attributed = np.diff(offsets) > 0
    else:
        w = np.where(seg.broadcast(attributed, offsets), w, 0.0)
    bad = ~np.isfinite(w)
    if bool(bad.any()):
        raise _fail(model_name, f"returned {int(bad.sum())} non-finite weight(s) (NaN or inf)")
    neg = w < 0
    if bool(neg.any()):
        raise _fail(
            model_name, f"returned {int(neg.sum())} negative weight(s), e.g. {float(w[neg][0])!r}"
        )
    sums = seg.segment_sum(w, offsets)
    off = attributed & (np.abs(sums - 1.0) > _TOL)
    if bool(off.any()):
        raise _fail(
            model_name,
            f"returned weights that do not sum to 1 in {int(off.sum())} converted journey(s), "
            f"e.g. {float(sums[np.flatnonzero(off)[0]])!r}",
        )
    return w


def _checked_credit(
    m: AttributionModel, model_name: str, journeys: Any, attributed: np.ndarray
) -> ChannelCredit:
    """Call ``m.channel_credit`` and check its credit (:func:`check_channel_credit`) against
    the attributed journeys' conversions and revenue."""
    fail = functools.partial(_fail, model_name)
    cc = guarded_call(m, "channel_credit", journeys, fail=fail)
    expected = {
        "revenue": float(np.asarray(journeys.revenue)[attributed].sum()),
        "conversions": float(np.asarray(journeys.conversions)[attributed].sum()),
    }
    known = {str(c) for c in journeys.channel.categories}
    return check_channel_credit(cc, model_name, known, expected, journeys.n_touches)


def check_channel_credit(
    cc: Any, model_name: str, known: set[str], expected: Mapping[str, float], n_touches: int
) -> ChannelCredit:
    """A channel model's credit, checked: a :class:`ChannelCredit` of real numbers, finite, per
    ``known`` channel, conserving the ``expected`` conversions and revenue (of the attributed
    journeys) to floating-point rounding (:func:`rounding_tolerance` over the ``n_touches``
    touches and the channels), not negative beyond that rounding.  A negative residue within
    it is credited 0 (in the credit returned, a new object).  In memory and on Dask
    (``credit_from_stats``) alike."""
    fail = functools.partial(_fail, model_name)
    if not isinstance(cc, ChannelCredit):
        raise _fail(
            model_name,
            f"channel_credit returned {type(cc).__name__}; expected alignment.base.ChannelCredit",
        )
    checked: dict[str, dict[Any, float]] = {}
    for label, mapping in (("revenue", cc.revenue), ("conversions", cc.conversions)):
        if not isinstance(mapping, Mapping):
            raise _fail(model_name, f"returned {label} credit that is not a mapping")
        _check_channels(model_name, label, mapping, known)
        values = real_numbers(list(mapping.values()), f"{label} credit", fail)
        if values.shape != (len(mapping),):
            raise _fail(model_name, f"returned {label} credit that is not one number per channel")
        if not bool(np.isfinite(values).all()):
            raise _fail(model_name, f"returned non-finite {label} credit")
        tol = rounding_tolerance(expected[label], n_touches + len(mapping))
        _conserved(model_name, label, values, list(mapping), expected[label], tol)
        checked[label] = dict(zip(mapping, np.maximum(values, 0.0).tolist()))
    if checked["revenue"] == dict(cc.revenue) and checked["conversions"] == dict(cc.conversions):
        return cc
    return ChannelCredit(checked["conversions"], checked["revenue"], cc.details)


def _check_channels(
    model_name: str, label: str, mapping: Mapping[Any, Any], known: set[str]
) -> None:
    """Refuse a credit key that is not a ``str`` (channels are text) or not a ``known`` channel."""
    not_text = [k for k in mapping if not isinstance(k, str)]
    if not_text:
        raise _fail(
            model_name,
            f"keyed its {label} credit by {type(not_text[0]).__name__} {not_text[0]!r}; channels "
            "are text: key the credit by the channel names (str), e.g. str(channel)",
        )
    unknown = [k for k in mapping if k not in known]
    if unknown:
        raise _fail(model_name, f"credited unknown channel(s) {unknown[:5]}")


def _conserved(
    model_name: str, label: str, values: np.ndarray, keys: list[Any], expected: float, tol: float
) -> None:
    """Refuse credit negative beyond rounding (``tol``) or not adding up to ``expected``."""
    negative = values < -tol
    if bool(negative.any()):
        first = int(np.flatnonzero(negative)[0])
        raise _fail(
            model_name,
            f"returned negative {label} credit for {int(negative.sum())} channel(s), e.g. "
            f"{keys[first]!r}: {float(values[first])!r} (credit must be >= 0)",
        )
    total = float(values.sum())
    if not abs(total - expected) <= tol:
        raise _fail(
            model_name,
            f"credited {label} {total!r}, but the converted journeys with eligible touches "
            f"hold {expected!r} (a difference of {total - expected:+.6g}, beyond the "
            f"{tol:.3g} floating-point rounding allows; credit must conserve {label})",
        )
