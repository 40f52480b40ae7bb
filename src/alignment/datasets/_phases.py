"""The phases of the synthetic CRM generator, in the order they draw from the random generator.

:func:`alignment.datasets.synthetic_crm` runs :data:`PHASES` in order on one shared state
(a :class:`types.SimpleNamespace` holding ``rng``, ``n``, ``t_start``, ``as_of``, ``days`` and
every array a later phase reads).  The order is part of the output: each phase draws from the
same generator, so the same seed gives the same data only when the phases run in this order.
All phases are vectorised (no Python loop per lead).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np

from .._later_tables import LaterTable
from .._parallel import split_rows
from .._segments import stable_order
from ._kernels import (
    CHUNK,
    choice,
    numbered,
    objects,
    search_right,
    search_rows,
)
from ._vocabulary import (
    _CAMPAIGNS,
    _COMPANY_A,
    _COMPANY_B,
    _COMPANY_C,
    _CONTENT_BONUS,
    _COUNTRIES,
    _CPC,
    _EARLY,
    _FIRST,
    _FIXED_MONTHLY,
    _FREE_MAIL,
    _INDUSTRIES,
    _KIND_INTENT,
    _KINDS,
    _LAST,
    _LATE,
    _PERSONA_SPECS,
    _REPS,
    _SENIORITY_FIT,
    _TARGET_COUNTRIES,
    _TITLES,
    _US_PER_HOUR,
    CHANNELS,
    TIME_DTYPE,
    _rejection_reasons,
)

#: the most days a journey's touches before its lead's creation reach back: a year (about 150
#: days is the furthest a million leads reach), so no touch falls more than this before ``start``
LOOKBACK_DAYS = 365
_LOOKBACK_H = 24.0 * LOOKBACK_DAYS


def _pick(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Draw ``size`` indices with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=np.float64)
    return choice(rng, p / p.sum(), size)


def _missing_below_zero(codes: np.ndarray) -> np.ndarray:
    """Codes with every negative one as ``-1`` (missing), a new array."""
    out: np.ndarray = np.where(codes >= 0, codes, -1)
    return out


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    """One-letter ``prefix`` + zero-padded 1-based numbers, e.g. ``L000001`` (vectorised)."""
    return numbered(prefix, np.arange(1, n + 1), width)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return out


def _hours(h: np.ndarray) -> np.ndarray:
    """Hours as a duration in whole seconds, like a CRM export (``timedelta64[us]``)."""
    h = np.asarray(h, dtype=np.float64)
    us = np.empty(h.shape, dtype=np.int64)
    for at in range(0, h.size, CHUNK):  # (a loop over blocks: the temporaries stay cached)
        seconds = np.multiply(h[at : at + CHUNK], 3600.0)
        np.copyto(us[at : at + CHUNK], np.floor(seconds, out=seconds), casting="unsafe")
    us *= 1_000_000  # (in place: microseconds)
    return us.view("timedelta64[us]")


def _readonly(table: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    for arr in table.values():
        arr.flags.writeable = False
    return table


def _held(table: dict[str, Any]) -> dict[str, np.ndarray] | LaterTable:
    """A table's arrays read-only; a table with text columns as ``(codes, texts)`` pairs as a
    :class:`LaterTable` (the bundle writes their strings on first read)."""
    if not any(isinstance(v, tuple) for v in table.values()):
        return _readonly(table)
    for value in table.values():
        for arr in value if isinstance(value, tuple) else (value,):
            arr.flags.writeable = False
    first = next(iter(table.values()))
    return LaterTable(table, (first[0] if isinstance(first, tuple) else first).shape[0])


def _accounts(g: SimpleNamespace) -> None:
    """Accounts: industry, size, country and company name; each lead's account."""
    rng, n = g.rng, g.n
    g.n_acc = max(1, int(n / 3.2))
    g.acc_industry = _pick(rng, np.array([26, 14, 12, 12, 10, 8, 6, 12.0]), g.n_acc)
    g.acc_size = np.round(np.exp(rng.normal(5.2, 1.6, g.n_acc)) + 5).clip(1, 300_000)
    g.acc_country = _pick(rng, np.array([30, 12, 10, 7, 5, 6, 5, 3, 4, 8, 5, 5.0]), g.n_acc)
    # company names from a small vocabulary, e.g. "Northwind Labs 2", and their domains: each
    # distinct stem and cycle is formatted once, each account is one concatenation of the two
    a_idx = np.arange(g.n_acc)
    stems = [(a + b, c) for c in _COMPANY_C for a in _COMPANY_A for b in _COMPANY_B]
    cycle, stem = np.divmod(a_idx, len(stems))
    cycles = range(int(cycle.max()) + 1)
    g.cname = np.add(
        objects(f"{ab} {c}" for ab, c in stems)[stem],
        objects(f" {k}" if k else "" for k in cycles)[cycle],
        dtype=object,
    )
    g.cdomain = np.add(
        objects(f"{ab}{c}".lower() for ab, c in stems)[stem],
        objects(f"{k or ''}.example.com" for k in cycles)[cycle],
        dtype=object,
    )
    # account of each lead: a few accounts have many leads
    acc_weight = rng.pareto(1.8, g.n_acc) + 1.0
    g.lead_acc = _pick(rng, acc_weight, n) if n else np.zeros(0, np.int32)


def _people(g: SimpleNamespace) -> None:
    """People: title, seniority, name, e-mail domain; the hidden explicit fit; persona."""
    rng, n = g.rng, g.n
    g.ind = g.acc_industry[g.lead_acc]
    g.size = g.acc_size[g.lead_acc]
    g.ctry = g.acc_country[g.lead_acc]
    title_w = np.array([2, 4, 3, 4, 6, 5, 8, 8, 7, 10, 8, 6, 4, 5.0])
    g.title = _pick(rng, title_w, n)
    g.sen_names = ("executive", "director", "manager", "individual", "other")
    g.sen_code = np.array([g.sen_names.index(s) for _, s in _TITLES], dtype=np.int32)[g.title]
    g.first = rng.integers(0, len(_FIRST), n)
    g.last = rng.integers(0, len(_LAST), n)
    g.free = rng.random(n) < 0.08
    g.free_mail = rng.integers(0, 3, n)  # which free mail domain (of free-mail leads)

    # explicit fit (hidden): industry, size, seniority, geography
    ind_fit = np.array([1.0, 0.9, 0.5, 0.4, 0.3, 0.0, -0.3, 0.6])[g.ind]
    size_fit = np.clip((np.log10(g.size) - 1.3) / 1.5, -1.0, 1.0)
    sen_fit = np.array([_SENIORITY_FIT[s] for _, s in _TITLES])[g.title]
    target_geo = np.array([c in _TARGET_COUNTRIES for c in _COUNTRIES])
    g.geo_fit = target_geo[g.ctry].astype(np.float64) - 0.5
    fit = (
        ind_fit + 0.8 * size_fit + sen_fit + 0.8 * g.geo_fit + rng.normal(0, 0.3, n) - 0.2 * g.free
    )
    g.fit_z = (fit - 1.0) / 1.0

    # persona of each lead (rules on the drawn attributes; None when no persona matches)
    g.persona_code = np.full(n, -1, dtype=np.int32)
    g.persona_names = list(_PERSONA_SPECS)
    for p_i in range(len(g.persona_names) - 1, -1, -1):  # first listed wins: assign in reverse
        spec = _PERSONA_SPECS[g.persona_names[p_i]]
        lo, hi = spec["company_size"]
        m = (
            np.array([i in spec["industries"] for i in _INDUSTRIES])[g.ind]
            & (g.size >= lo)
            & (g.size <= hi)
            & np.array([s in spec["seniority"] for s in g.sen_names])[g.sen_code]
            & np.array([c in spec["countries"] for c in _COUNTRIES])[g.ctry]
        )
        g.persona_code[m] = p_i


def _creation_time(g: SimpleNamespace) -> None:
    """Creation instants (weekdays busier, slight growth) and hidden engagement."""
    rng, n, t_start, days = g.rng, g.n, g.t_start, g.days
    day_w = np.where(
        ((np.arange(days) + (t_start.astype("datetime64[D]").astype(np.int64) + 3) % 7) % 7) < 5,
        1.0,
        0.3,
    )
    day_w *= np.linspace(0.9, 1.1, days)  # slight growth over the period
    day = _pick(rng, day_w, n).astype(np.int64)
    second = np.floor(np.clip(rng.normal(13.0, 3.5, n), 0.0, 23.99) * 3600.0).astype(np.int64)
    g.created_s = day * 86_400 + second  # whole seconds since the start
    g.created = t_start + (g.created_s * 1_000_000).astype("timedelta64[us]")
    # interest (hidden): how engaged this lead is
    g.engage = rng.gamma(1.6, 1.0, n) * np.exp(0.25 * g.fit_z)


def _kind_options() -> tuple[list[str], list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Kind, content and intent of every (channel, option) of :data:`_KINDS`, numbered in order.

    Returns the kind names and the content names (in order of first use) and, per option,
    its kind code, content code and intent (the codes index the names).
    """
    kinds: list[str] = []
    contents: list[str] = []
    kind_code, content_code, intent = [], [], []
    for ch in CHANNELS:
        for kind, content, _w in _KINDS[ch]:
            kinds += [kind] if kind not in kinds else []
            contents += [content] if content not in contents else []
            kind_code.append(kinds.index(kind))
            content_code.append(contents.index(content))
            intent.append(_KIND_INTENT[kind] + _CONTENT_BONUS.get(content, 0.0))
    codes = np.array(kind_code, np.int32), np.array(content_code, np.int32)
    return kinds, contents, *codes, np.array(intent)


def _journeys(g: SimpleNamespace) -> None:
    """Touches per journey (before, creating, after the lead's creation) and their channel."""
    rng, n = g.rng, g.n
    g.n_pre = rng.poisson(1.2 + 0.3 * g.engage, n)
    g.n_post = rng.poisson(1.0 + 1.6 * g.engage, n)
    n_touch = g.n_touch = g.n_pre + 1 + g.n_post
    g.total = int(n_touch.sum())
    g.offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(n_touch, out=g.offsets[1:])
    g.t_lead = np.repeat(np.arange(n, dtype=np.int64), n_touch)
    g.create_idx = g.offsets[:-1] + g.n_pre  # the touch that creates each lead
    # per-lead values broadcast to the touches by np.repeat (sequential, no index gather)
    small = np.int32 if g.total < 2**31 else np.int64  # (positions: the same values, less memory)
    pos = np.arange(g.total, dtype=small)
    pos -= np.repeat(g.offsets[:-1].astype(small), n_touch)
    n_pre_t = np.repeat(g.n_pre.astype(small), n_touch)
    g.is_pre = pos < n_pre_t
    g.is_create = pos == n_pre_t
    del n_pre_t
    # relative position in the journey 0 (first) .. 1 (last): drives the channel mix
    last_pos = np.repeat(np.maximum(n_touch - 1, 1).astype(small), n_touch)
    # mixture (1 - rel) * early + rel * late: draw the component, then the channel
    # rel = pos / last_pos is the relative position (0 first touch … 1 last touch)
    u = rng.random(g.total)
    u *= last_pos
    late = u < pos
    both = np.concatenate([np.cumsum(_EARLY / _EARLY.sum()), 1.0 + np.cumsum(_LATE / _LATE.sum())])
    both[len(CHANNELS) - 1] = 1.0
    both[-1] = 2.0
    u = rng.random(g.total, out=u)
    u += late
    g.channel = search_right(both, u, top=2.0)
    g.channel -= np.multiply(late.view(np.int8), len(CHANNELS), dtype=np.int8)  # (the late ones)
    # the creation touch is a form (content download, demo request, webinar registration, …)
    g.channel[g.create_idx] = _pick(rng, np.array([3, 3, 2, 0, 6, 2, 2, 1, 3, 1, 2, 0.0]), n)
    # sales calls happen only after the lead exists
    early_call = g.is_pre & (g.channel == CHANNELS.index("sales_call"))
    g.channel[early_call] = CHANNELS.index("organic_search")


def _options(g: SimpleNamespace) -> tuple[np.ndarray, np.ndarray]:
    """Option of :data:`_KINDS` (numbered over all channels) and campaign of each touch.

    The draws are the channels' in turn (a touch's kind draw, then per channel the forms of
    its creating touches and its touches' campaigns, each in touch order within the channel).
    """
    rng = g.rng
    u_kind = rng.random(g.total)
    channel = g.channel.astype(np.uint8)
    kinds = [_KINDS[ch] for ch in CHANNELS]
    first_option = np.cumsum([0] + [len(options) for options in kinds]).astype(np.int32)
    cdfs = [np.cumsum(w / w.sum()) for w in (np.array([o[2] for o in opts]) for opts in kinds)]
    for cdf in cdfs:
        cdf[-1] = 1.0
    option = search_rows(cdfs, channel, u_kind)  # (numbered over all channels)
    # the touches grouped by channel, in touch order within a channel (a stable counting sort)
    order = np.argsort(channel, kind="stable")
    bounds = np.zeros(len(CHANNELS) + 1, dtype=np.int64)
    np.cumsum([np.count_nonzero(channel == c) for c in range(len(CHANNELS))], out=bounds[1:])
    # and so the creating touches (a creating touch is a form of its channel)
    create_channel = channel[g.create_idx]
    creates = g.create_idx[np.argsort(create_channel, kind="stable")]
    create_bounds = np.zeros(len(CHANNELS) + 1, dtype=np.int64)
    np.cumsum(np.bincount(create_channel, minlength=len(CHANNELS)), out=create_bounds[1:])
    campaign = np.empty(g.total, dtype=np.int32)
    first_campaign = 0
    for c, ch in enumerate(CHANNELS):  # (a loop over the 12 channels only)
        forms = [i for i, o in enumerate(kinds[c]) if o[0] == "form"]
        created = creates[create_bounds[c] : create_bounds[c + 1]]
        if forms and created.size:
            option[created] = first_option[c] + (
                forms[0]
                if len(forms) == 1
                else np.array(forms)[rng.integers(0, len(forms), created.size)]
            )
        camps = _CAMPAIGNS[ch]
        cw = np.array([2.0 ** (-i) for i in range(len(camps))])
        campaign[bounds[c] : bounds[c + 1]] = first_campaign + _pick(
            rng, cw, int(bounds[c + 1] - bounds[c])
        )
        first_campaign += len(camps)
    campaign_t = np.empty_like(campaign)  # back to touch order
    campaign_t[order] = campaign
    return option, campaign_t


def _touches(g: SimpleNamespace) -> None:
    """Touches per journey: position, channel mix, kind, content, campaign; observed interest."""
    _journeys(g)
    option, g.camp_code = _options(g)
    g.kind_names, g.content_names, kind_of, content_of, intent_of = _kind_options()
    g.camp_names = [c for ch in CHANNELS for c in _CAMPAIGNS[ch]]
    g.kind_code = kind_of[option]
    g.content_code = content_of[option]
    intent_t = intent_of[option]
    # a form that creates the lead that is not a form kind (e.g. display): treat as form
    form = g.kind_names.index("form")
    fix_idx = g.create_idx[g.kind_code[g.create_idx] != form]
    g.kind_code[fix_idx] = form
    intent_t[fix_idx] = _KIND_INTENT["form"]
    # observed interest: post-creation intent (what a behaviour score sees) + creation form
    intent_t *= ~g.is_pre
    intent = np.bincount(g.t_lead, weights=intent_t, minlength=g.n)
    g.intent_z = (np.log1p(intent) - 1.6) / 0.6


def _funnel_stages(g: SimpleNamespace) -> None:
    """Funnel stages: MQL, assignment, accept/reject with reasons, SQL, opportunity, won/lost."""
    rng, n, as_of = g.rng, g.n, g.as_of

    def stage(p: np.ndarray, prev: np.ndarray) -> np.ndarray:
        return np.asarray(prev & (rng.random(n) < p))

    alive = np.ones(n, dtype=bool)
    mql = stage(_sigmoid(-1.9 + 1.1 * g.fit_z + 1.3 * g.intent_z), alive)
    mql_at = g.created + _hours(rng.exponential(30.0, n) + 0.1)
    g.owner = _pick(rng, np.ones(len(_REPS)), n)
    assigned_at = mql_at + _hours(rng.exponential(0.15, n))
    g.rep_median = np.array([r[1] for r in _REPS])[g.owner]
    g.rep_attempts = np.array([r[2] for r in _REPS])[g.owner]
    response_h = np.exp(np.log(g.rep_median) + rng.normal(0.0, 0.7, n))
    g.never_contacted = rng.random(n) < (0.03 + 0.02 * (g.rep_median > 20))
    g.first_touch_at = assigned_at + _hours(response_h)
    # accept / reject (sales looks at fit)
    accept = stage(_sigmoid(0.3 + 1.6 * g.fit_z), mql)
    g.rejected = mql & ~accept
    decide_at = assigned_at + _hours(rng.gamma(1.5, 10.0, n))
    sal_at = decide_at
    # reason codes: from the worst explicit attribute
    reason = np.full(n, -1, dtype=np.int32)
    r_size = g.size < 30
    r_geo = g.geo_fit < 0
    r_persona = g.persona_code < 0
    reason[g.rejected] = 3 + rng.integers(0, 3, n)[g.rejected]  # existing customer / competitor / …
    reason[g.rejected & r_persona] = 1
    reason[g.rejected & r_geo] = 2
    reason[g.rejected & r_size] = 0
    # qualification: fast response helps (HBR 2011), fit and interest help
    speed = np.where(response_h <= 1.0, 0.9, np.where(response_h <= 24.0, 0.0, -0.9))
    sql = stage(
        _sigmoid(-0.6 + 0.8 * g.fit_z + 0.6 * g.intent_z + speed), accept & ~g.never_contacted
    )
    sql_at = np.maximum(sal_at, g.first_touch_at) + _hours(rng.gamma(2.0, 40.0, n))
    opp = stage(np.full(n, 0.72), sql)
    opp_at = sql_at + _hours(rng.gamma(2.0, 36.0, n))
    win = _sigmoid(-1.2 + 0.9 * g.fit_z + 0.5 * g.intent_z)
    won = stage(win, opp)
    lost = opp & ~won
    close_at = opp_at + _hours(rng.gamma(2.5, 12.0 * 24.0, n) * (1.0 + 0.3 * (g.size > 2000)))

    g.nat = np.datetime64("NaT", "us")

    def reached(flag: np.ndarray, at: np.ndarray) -> np.ndarray:
        out = np.where(flag, at, g.nat)
        out[out > as_of] = g.nat
        return out

    g.mql_at_v = reached(mql, mql_at)
    g.assigned_v = reached(mql, assigned_at)
    g.sal_v = np.where(np.isnat(g.mql_at_v), g.nat, reached(accept, sal_at))
    g.rej_v = np.where(np.isnat(g.mql_at_v), g.nat, reached(g.rejected, decide_at))
    g.sql_v = np.where(np.isnat(g.sal_v), g.nat, reached(sql, sql_at))
    g.opp_v = np.where(np.isnat(g.sql_v), g.nat, reached(opp, opp_at))
    g.won_v = np.where(np.isnat(g.opp_v), g.nat, reached(won, close_at))
    g.lost_v = np.where(np.isnat(g.opp_v), g.nat, reached(lost, close_at))
    g.reason_v = np.where(np.isnat(g.rej_v), -1, reason)
    g.owner_v = np.where(np.isnat(g.assigned_v), -1, g.owner)


def _spans(g: SimpleNamespace) -> np.ndarray:
    """Hours from each lead's creation to the end of its journey (or of the open window)."""
    n, as_of = g.n, g.as_of
    end_at = np.where(~np.isnat(g.won_v), g.won_v, np.where(~np.isnat(g.lost_v), g.lost_v, g.nat))
    open_end = np.minimum(g.created + _hours(np.full(n, 24.0 * 75)), as_of)
    span_h = np.where(
        np.isnat(end_at),
        (open_end - g.created).astype(np.int64) / _US_PER_HOUR,
        (end_at - g.created).astype(np.int64) / _US_PER_HOUR,
    )
    avail_h = (as_of - g.created).astype(np.int64) / _US_PER_HOUR
    out: np.ndarray = np.minimum(np.maximum(span_h, 1.0), avail_h)
    return out


def _touch_instants(
    g: SimpleNamespace, pre: tuple[np.ndarray, ...], post: tuple[np.ndarray, ...]
) -> np.ndarray:
    """Each touch's instant from its journey's cumulative gaps, block by block.

    ``pre`` is (gap, cumulative gap) before the creation, ``post`` is (cumulative gap, journey
    total, span, leads whose last touch is after the end, its hours) after it; per-lead values
    are gathered per block, so no temporary has a row per touch.
    """
    pre_gap, cs_pre = pre
    cs_post, journey_total, span_h, late, after_h = post
    pre_at, post_at = cs_pre[g.create_idx], cs_post[g.create_idx]
    created = g.created.view(np.int64)
    out = np.empty(g.total, dtype=np.int64)

    def blocks(start: int, stop: int) -> None:
        for lo in range(start, stop, CHUNK):  # (a loop over blocks of touches)
            rows = slice(lo, min(lo + CHUNK, stop))
            lead = g.t_lead[rows]
            hours = cs_post[rows] - post_at[lead]  # after the creation: a share of the span
            hours /= journey_total[lead]
            hours *= span_h[lead]
            before = pre_at[lead] - cs_pre[rows]  # before it: the gaps up to the creation
            before += pre_gap[rows]
            np.minimum(before, _LOOKBACK_H, out=before)  # (at most a year before the creation)
            np.copyto(hours, np.negative(before, out=before), where=g.is_pre[rows])
            us = _hours(hours).view(np.int64)
            us += created[lead]
            out[rows] = us

    split_rows(blocks, g.total, align=CHUNK)  # (no draws: each half writes its own rows)
    us = _hours(after_h[late]).view(np.int64)  # the last touches after the end
    us += created[late]
    out[g.offsets[1:][late] - 1] = us
    return out.view(TIME_DTYPE)


def _touch_times(g: SimpleNamespace) -> None:
    """Touch instants (ordered by position within each journey) and media cost per touch."""
    rng, n, as_of = g.rng, g.n, g.as_of
    # pre-creation touches: days before creation; post-creation: spread until the journey ends
    span_h = _spans(g)
    # per-journey order statistics from cumulative gaps (no sort): position p of a journey
    # gets the p-th earliest time, so channel position and time agree
    pre_gap = np.zeros(g.total)
    pre_gap[g.is_pre] = rng.gamma(1.1, 24.0 * 7.0, int(g.n_pre.sum()))
    is_post = ~(g.is_pre | g.is_create)
    post_gap = np.zeros(g.total)
    post_gap[is_post] = rng.exponential(1.0, int(g.n_post.sum()))
    cs_post = np.cumsum(post_gap, out=post_gap)
    last_of = g.offsets[1:] - 1
    extra = rng.exponential(1.0, n)
    journey_total = cs_post[last_of] - cs_post[g.create_idx] + extra if n else extra
    # about 4 % of journeys have a last touch after the journey ended (after a won deal it must
    # get no attribution credit): a last touch after the creation whose draw is below 0.04
    draw = rng.random(g.total)  # (one draw per touch)
    late = np.flatnonzero(is_post[last_of] & (draw[last_of] < 0.04))
    del draw
    # a touch after the end lands between the end and min(end + 15 % of the span, as_of)
    room_h = (as_of - g.created).astype(np.int64) / _US_PER_HOUR - span_h
    after_h = span_h + np.clip(0.15 * span_h, 0.0, np.maximum(room_h, 0.0)) * rng.random(n)
    g.t_time = _touch_instants(
        g, (pre_gap, np.cumsum(pre_gap)), (cs_post, journey_total, span_h, late, after_h)
    )
    # costs per touch
    share = rng.random(g.total, dtype=np.float32)
    share *= 0.8
    share += 0.6
    g.cost = _CPC[g.channel]
    g.cost *= share
    np.round(g.cost, 2, out=g.cost)


def _lead_source(g: SimpleNamespace) -> None:
    """Lead source (first touch's channel) and campaign (creating touch's campaign)."""
    first_idx = g.offsets[:-1]
    g.chan_names = np.array(CHANNELS, dtype=object)
    g.camp_arr = np.array(g.camp_names, dtype=object)
    g.source = g.channel[first_idx]  # (codes into g.chan_names)
    g.lead_campaign = g.camp_code[g.create_idx]  # (codes into g.camp_arr)


def _emails(g: SimpleNamespace) -> np.ndarray:
    """E-mail of each lead: first.last@ its company's domain, or a free mail domain.

    One concatenation per lead of two ``str`` formatted once per distinct value: the local
    part (first and last name) and the domain (the account's, or a free mail domain's).
    """
    local = objects(f"{f.lower()}.{x.lower()}@" for f in _FIRST for x in _LAST)
    domains = np.concatenate((g.cdomain, objects(_FREE_MAIL)))
    domain = np.where(g.free, g.n_acc + g.free_mail, g.lead_acc)
    out: np.ndarray = np.add(local[g.first * len(_LAST) + g.last], domains[domain], dtype=object)
    return out


def _leads_and_touches(g: SimpleNamespace) -> None:
    """Duplicates and incomplete records; the leads and touchpoints tables."""
    rng, n = g.rng, g.n
    dup = np.zeros(n, dtype=bool)
    dup_source = np.zeros(n, dtype=bool)
    if n >= 2:
        n_dup = round(0.02 * n)
        dup_rows = rng.choice(np.arange(1, n), size=min(n_dup, n - 1), replace=False)
        # a duplicate re-uses the identity of an earlier-created lead at the same account
        order_c = stable_order(g.created_s)
        rank = np.empty(n, dtype=np.int64)
        rank[order_c] = np.arange(n)
        src_rank = (rng.random(dup_rows.size) * rank[dup_rows]).astype(np.int64)
        src_rows = order_c[src_rank]
        is_dup_row = np.zeros(n, dtype=bool)
        is_dup_row[dup_rows] = True
        ok = ~is_dup_row[src_rows]  # the original is never itself a duplicate
        dup_rows, src_rows = dup_rows[ok], src_rows[ok]
        dup[dup_rows] = True
        dup_source[src_rows] = True
        g.first[dup_rows] = g.first[src_rows]
        g.last[dup_rows] = g.last[src_rows]
        g.lead_acc[dup_rows] = g.lead_acc[src_rows]
        g.title[dup_rows] = g.title[src_rows]
        g.sen_code[dup_rows] = g.sen_code[src_rows]
        g.free[dup_rows] = g.free[src_rows]
        g.free_mail[dup_rows] = g.free_mail[src_rows]
    email_o = _emails(g)
    # text columns as codes into their texts (-1: missing; the bundle writes the strings)
    ind_c = g.ind.astype(np.int32)
    ctry_c = g.ctry.astype(np.int32)
    title_c = g.title.astype(np.int32)
    ind_c[dup] = g.acc_industry[g.lead_acc[dup]]
    ctry_c[dup] = g.acc_country[g.lead_acc[dup]]
    g.size[dup] = g.acc_size[g.lead_acc[dup]]
    incomplete = rng.random(n) < 0.03
    which = rng.integers(0, 4, n)
    ind_c[incomplete & (which == 0)] = -1
    ctry_c[incomplete & (which == 1)] = -1
    title_c[incomplete & (which == 2)] = -1
    # (duplicates keep their e-mail, so that they stay detectable as duplicates)
    email_o[incomplete & (which == 3) & ~dup & ~dup_source] = None

    g.lead_ids = _ids("L", n, max(6, len(str(n))))
    g.acc_ids = _ids("A", g.n_acc, max(5, len(str(g.n_acc))))
    g.rep_names = np.array([r[0] for r in _REPS], dtype=object)

    g.leads = {
        "lead_id": g.lead_ids,
        "created_at": g.created,
        "email": email_o,
        "first_name": (g.first, objects(_FIRST)),
        "last_name": (g.last, objects(_LAST)),
        "company": (g.lead_acc, g.cname),
        "account_id": (g.lead_acc, g.acc_ids),
        "industry": (ind_c, objects(_INDUSTRIES)),
        "company_size": g.size.astype(np.float64),
        "country": (ctry_c, objects(_COUNTRIES)),
        "title": (title_c, objects(t for t, _ in _TITLES)),
        "seniority": (g.sen_code, objects(g.sen_names)),
        "persona": (_missing_below_zero(g.persona_code), objects(g.persona_names)),
        "source": (g.source, g.chan_names),
        "campaign": (g.lead_campaign, g.camp_arr),
        "owner": (_missing_below_zero(g.owner_v), g.rep_names),
        "mql_at": g.mql_at_v,
        "assigned_at": g.assigned_v,
        "sal_at": g.sal_v,
        "rejected_at": g.rej_v,
        "rejection_reason": (_missing_below_zero(g.reason_v), objects(_rejection_reasons())),
        "sql_at": g.sql_v,
        "opportunity_at": g.opp_v,
        "won_at": g.won_v,
        "lost_at": g.lost_v,
        "is_duplicate": dup,
    }

    # text columns as (codes, texts): the bundle writes their strings on first read
    g.touchpoints = {
        "lead_id": (g.t_lead, g.lead_ids),
        "timestamp": g.t_time,
        "channel": (g.channel, g.chan_names),
        "campaign": (g.camp_code, g.camp_arr),
        "content": (g.content_code, objects(g.content_names)),
        "kind": (g.kind_code, objects(g.kind_names)),
        "cost": g.cost,
    }


def _deals(g: SimpleNamespace) -> None:
    """Deals (one per opportunity) and their contacts (the lead who opened it, primary)."""
    rng, n = g.rng, g.n
    d_rows = np.flatnonzero(~np.isnat(g.opp_v))
    amount = np.round(
        np.exp(rng.normal(8.6, 0.55, n)) * (1.0 + 0.6 * np.log10(np.maximum(g.size, 1.0)) / 3.0), -1
    )
    d_won = ~np.isnat(g.won_v[d_rows])
    d_lost = ~np.isnat(g.lost_v[d_rows])
    closed = np.where(d_won, g.won_v[d_rows], np.where(d_lost, g.lost_v[d_rows], g.nat))
    g.deal_rows = d_rows  # the lead that opened each deal
    g.deals = {
        "deal_id": _ids("D", d_rows.size, max(5, len(str(max(d_rows.size, 1))))),
        "lead_id": g.lead_ids[d_rows],
        "account_id": g.acc_ids[g.lead_acc[d_rows]],
        "created_at": g.opp_v[d_rows],
        "closed_at": closed,
        "amount": amount[d_rows].astype(np.float64),
        "won": d_won,
        "stage": np.where(d_won, "won", np.where(d_lost, "lost", "open")).astype(object),
    }
    g.deal_contacts = {
        "deal_id": g.deals["deal_id"],
        "lead_id": g.deals["lead_id"],
        "role": np.full(d_rows.size, "decision_maker", dtype=object),
        "is_primary": np.ones(d_rows.size, dtype=bool),
    }


def _sales_activities(g: SimpleNamespace) -> None:
    """Sales activities after assignment: calls, e-mails, meetings and outcomes."""
    rng, n, as_of = g.rng, g.n, g.as_of
    worked = ~np.isnat(g.assigned_v) & ~g.never_contacted
    worked &= g.first_touch_at <= as_of
    n_act = np.where(
        worked,
        1 + rng.poisson(np.maximum(g.rep_attempts * np.where(g.rejected, 0.3, 1.0) - 1.0, 0.0)),
        0,
    )
    n_act = n_act + np.where(~np.isnat(g.sql_v), rng.poisson(2.0, n), 0)
    a_total = int(n_act.sum())
    a_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(n_act, out=a_off[1:])
    a_lead = np.repeat(np.arange(n, dtype=np.int64), n_act)
    starts = a_off[:-1][n_act > 0]  # the first activity of each worked lead
    # gaps between attempts: about a working day, longer for slow reps
    gap_h = rng.standard_gamma(1.5, a_total)  # (numpy's gamma: scale * standard gamma)
    gap_h *= np.repeat(10.0 + g.rep_median / 2.0, n_act)
    gap_h[starts] = 0.0
    cum_h = np.cumsum(gap_h)
    cum_h -= np.repeat(cum_h[starts], n_act[n_act > 0])
    a_time = np.repeat(g.first_touch_at, n_act) + _hours(cum_h)
    is_sql_phase = np.repeat(~np.isnat(g.sql_v), n_act) & (
        a_time > np.repeat(np.where(np.isnat(g.sql_v), as_of, g.sql_v), n_act)
    )
    kind_p = rng.random(a_total)
    a_kind = (kind_p >= 0.55).astype(np.intp)  # call, e-mail (from 0.55), meeting (from 0.92)
    a_kind += kind_p >= 0.92
    a_kind[is_sql_phase & (kind_p < 0.35)] = 2
    a_kind[starts] = np.where(rng.random(starts.size) < 0.75, 0, 1)
    out_u = rng.random(a_total)
    outcome_names = np.array(
        [
            "connected",
            "no_answer",
            "voicemail",
            "replied",
            "no_reply",
            "bounced",
            "held",
            "no_show",
        ],
        dtype=object,
    )
    keep = np.flatnonzero(a_time <= as_of)
    # outcome of a kind (call, e-mail, meeting): its first name, one more per threshold passed
    kind, u = a_kind[keep], out_u[keep]
    first = np.array([0, 3, 6])
    outcome = first[kind] + (u >= np.array([0.3, 0.25, 0.9])[kind])
    outcome += u >= np.array([0.7, 0.95, np.inf])[kind]
    lead = a_lead[keep]
    g.activities = {  # (text columns as codes, as the touches')
        "lead_id": (lead, g.lead_ids),
        "timestamp": a_time[keep].astype(TIME_DTYPE),
        "kind": (kind, objects(["call", "email", "meeting"])),
        "rep": (g.owner[lead], g.rep_names),
        "outcome": (outcome, outcome_names),
    }


def _campaign_costs(g: SimpleNamespace) -> None:
    """Campaign spend per month: media cost of the touches plus fixed costs."""
    n, t_start, as_of = g.n, g.t_start, g.as_of
    months = np.arange(
        t_start.astype("datetime64[M]"), as_of.astype("datetime64[M]") + 1, dtype="datetime64[M]"
    )
    months = months[months.astype(TIME_DTYPE) < as_of]
    n_m = months.size
    n_camp = len(g.camp_names)
    # the media cost of each (campaign, month), a touch before the first month in slot 0
    slot = np.searchsorted(months.astype(TIME_DTYPE), g.t_time, side="right")
    slot += np.multiply(g.camp_code, n_m + 1, dtype=np.int64)
    media = np.bincount(slot, weights=g.cost, minlength=n_camp * (n_m + 1))
    media = media.reshape(n_camp, n_m + 1)[:, 1:]
    scale = n / 10_000.0
    fixed = np.array([_FIXED_MONTHLY.get(c, 0.0) for c in g.camp_names])[:, None] * scale
    total_cost = np.round(media + fixed, 2)
    camp_channel = np.array([ch for ch in CHANNELS for _ in _CAMPAIGNS[ch]], dtype=object)
    g.costs = {
        "campaign": np.repeat(g.camp_arr, n_m),
        "channel": np.repeat(camp_channel, n_m),
        "month": np.tile(months.astype(TIME_DTYPE), n_camp),
        "cost": total_cost.ravel().astype(np.float64),
    }
    keep_c = g.costs["cost"] > 0
    g.costs = {k: v[keep_c] for k, v in g.costs.items()}


#: the generator's phases, in drawing order
PHASES: tuple[Callable[[SimpleNamespace], None], ...] = (
    _accounts,
    _people,
    _creation_time,
    _touches,
    _funnel_stages,
    _touch_times,
    _lead_source,
    _leads_and_touches,
    _deals,
    _sales_activities,
    _campaign_costs,
)

GROUPS_FROM = PHASES.index(_deals) + 1
"""The phases before this index make everything :func:`._b2b.buying_groups` reads (the leads,
deals and ids); it writes only ``g.leads`` (a new dict), ``g.deal_contacts`` and
``g.stage_events``, which the later phases do not read."""
