"""Journeys: touchpoints grouped by journey key in CSR layout, with conversions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from .._columns import Later, lazy_field, stored, subset
from .._frame_types import journey_frames
from .._frames import Categorical, to_native
from .._parallel import prefetch
from .._params import check_flag, is_option
from .._segments import group_sort
from .._time import TIME_DTYPE, Awareness
from ..errors import DataValidationError, ParameterError
from ._arrays import (
    channel_categorical,
    checked_instants,
    checked_rows,
    checked_times,
    freeze_journeys,
    journey_outcomes,
    owned,
)
from ._common import (
    _check_awareness,
    _Encoded,
    _html_preview,
    _merge_keys,
    _readonly,
    _segment_of,
    _time_column,
    _validate_offsets,
)
from ._contacts import check_contacts, read_deal_conversions
from ._conversions import (
    _conversions_on_touches,
    _journey_attributes,
    _read_touches,
    _touch_columns,
    _touch_keys,
)
from ._deal_journeys import deal_encoded
from ._deals import (
    _CT,
    Conversions,
    check_deal_options,
    deal_created_anchor,
)
from ._labels import channel_column, touch_names
from ._leads import LeadTable
from ._paths import DEFAULT_NULL, DEFAULT_VALUE, ParsedPaths, parse_paths

_NAT = np.datetime64("NaT", "us")


# ----------------------------------------------------------------------------- event logs (CSR)


@dataclass(frozen=True, eq=False)
class _EventLog:
    keys: np.ndarray  # (a :class:`Lazy` field: text keys are made on first read)
    offsets: np.ndarray
    time: np.ndarray
    row: np.ndarray

    @property
    def n_groups(self) -> int:
        return int(stored(self, "keys").size)

    @property
    def n_events(self) -> int:
        return int(self.time.size)

    @property
    def lengths(self) -> np.ndarray:
        """Number of events per group."""
        return np.diff(self.offsets)

    @property
    def group_index(self) -> np.ndarray:
        """Group (journey / lead) index of every event, ``int64``."""
        cached = self.__dict__.get("_group_index")
        if cached is None:
            cached = _segment_of(self.offsets)
            _readonly(cached)
            object.__setattr__(self, "_group_index", cached)
        return np.asarray(cached)


lazy_field(_EventLog, "keys")


@dataclass(frozen=True, eq=False)
class Journeys(_EventLog):
    """Touchpoints grouped by journey in CSR layout, with each journey's conversion.

    Touches are sorted by (journey key, time, input order).  Journey ``j`` owns touches
    ``offsets[j]:offsets[j + 1]``.

    Attributes
    ----------
    keys : ndarray
        Journey keys (lead or account ids), sorted ascending, unique.
    offsets : ndarray of int64
        Length ``n_journeys + 1``; ``offsets[0] == 0``, non-decreasing, ``offsets[-1] == n_touches``.
    time : ndarray of datetime64[us]
        Touch instants (UTC); for aggregated paths (``timed=False``) the position in the path.
    row : ndarray of int64
        Position of each touch in the caller's input (``-1`` for aggregated paths).
    channel : Categorical
        Channel of each touch.
    touch_columns : dict of str to Categorical
        Other string columns of the touches (campaign, content, kind …).
    touch_numeric : dict of str to ndarray
        Numeric columns of the touches (cost …).
    converted_at : ndarray of datetime64[us]
        Conversion instant per journey; ``NaT`` when the journey did not convert.
    revenue : ndarray of float64
        Converted revenue per journey (0 when not converted).
    conversions : ndarray of float64
        Number of conversions per journey (1 or 0 for event data; counts for aggregated paths).
    non_conversions : ndarray of float64
        Number of non-converting journeys this row stands for (0 or 1 for event data).
    anchors : dict of str to ndarray of datetime64[us]
        Per-journey instants from the leads (``lead_created_at``, ``mql_at``, ``opportunity_at`` …).
    journey_columns : dict of str to Categorical
        Per-journey string attributes from the leads (source, persona …).
    timed : bool
        Whether ``time`` holds real instants.
    backend : str
        The caller's backend.
    key_column : str
        Name of the journey key column.
    n_input_rows : int
        Rows of the touch input this table was built from (``-1`` when not built from rows).
    touches : {"all", "converted"}
        ``"converted"`` when only the touches of converted journeys were kept (see
        :meth:`build`); the other journeys are present without touches.
    """

    channel: Categorical = field(
        default_factory=lambda: Categorical(np.empty(0, np.int32), np.empty(0, object))
    )
    converted_at: np.ndarray = field(default_factory=lambda: np.empty(0, TIME_DTYPE))
    revenue: np.ndarray = field(default_factory=lambda: np.empty(0))
    conversions: np.ndarray = field(default_factory=lambda: np.empty(0))
    non_conversions: np.ndarray = field(default_factory=lambda: np.empty(0))
    touch_columns: dict[str, Categorical] = field(default_factory=dict)
    touch_numeric: dict[str, np.ndarray] = field(default_factory=dict)
    anchors: dict[str, np.ndarray] = field(default_factory=dict)
    journey_columns: dict[str, Categorical] = field(default_factory=dict)
    timed: bool = True
    backend: str = "dict"
    key_column: str = "lead_id"
    n_input_rows: int = -1
    touches: str = "all"

    # -- sizes
    @property
    def n_journeys(self) -> int:
        """Number of journeys."""
        return self.n_groups

    @property
    def n_touches(self) -> int:
        """Number of touches."""
        return self.n_events

    @property
    def journey_index(self) -> np.ndarray:
        """Journey index of every touch (``int64``)."""
        return self.group_index

    @property
    def converted(self) -> np.ndarray:
        """Whether each journey converted (``conversions > 0``)."""
        return np.asarray(self.conversions > 0)

    def __len__(self) -> int:
        return self.n_journeys

    def __repr__(self) -> str:
        return (
            f"Journeys(n_journeys={self.n_journeys}, n_touches={self.n_touches}, "
            f"n_channels={self.channel.n_categories}, converted={int(self.converted.sum())})"
        )

    def _repr_html_(self) -> str:
        title = (
            f"Journeys: {self.n_journeys:,} journeys, {self.n_touches:,} touches, "
            f"{self.channel.n_categories} channels, {int(self.converted.sum()):,} converted "
            f"(revenue {float(self.revenue.sum()):,.2f})"
        )
        refused = [k for k, v in self.touch_columns.items() if not _readable(v)]
        if refused:  # (a default column that is no label: shown refused, not raised here)
            title += f"; refused where used (not labels): {', '.join(map(repr, refused))}"
        return _html_preview(title, self._columns(caller_order=False, skip=refused))

    def touch_column(self, name: str) -> Categorical:
        """A string column of the touches (``channel``, ``campaign`` …) or of the journeys,
        broadcast to touches.

        Raises
        ------
        MissingColumnError
            If there is no such column.
        """
        from ..errors import MissingColumnError

        if name == "channel":
            return self.channel
        if name in self.touch_columns:
            return self.touch_columns[name]
        if name in self.journey_columns:
            return self.journey_columns[name].take(self.journey_index)
        if name == self.key_column:
            return Categorical(
                self.journey_index.astype(np.int32), self.keys.astype(str).astype(object)
            )
        available = ["channel", *self.touch_columns, *self.journey_columns]
        raise MissingColumnError(
            f"no column {name!r} on the touches or their leads; available: {', '.join(available)}",
            column=name,
            table="touchpoints",
            fix="add the column to the touchpoints, or pass leads= with that column",
        )

    # -- transformations
    def select_touches(self, mask: np.ndarray) -> Journeys:
        """Keep the touches where ``mask`` is true; every journey is kept (possibly empty)."""
        m = np.asarray(mask, dtype=bool)
        if m.shape != (self.n_touches,):
            raise ParameterError(f"mask must have shape ({self.n_touches},), got {m.shape}")
        counts = np.bincount(self.journey_index[m], minlength=self.n_journeys)
        off = np.zeros(self.n_journeys + 1, dtype=np.int64)
        np.cumsum(counts, out=off[1:])
        new = replace(
            self,
            keys=stored(self, "keys"),  # (text keys not made yet stay so)
            offsets=off,
            time=self.time[m],
            row=self.row[m],
            channel=self.channel.take(m),
            touch_columns={k: v.take(m) for k, v in self.touch_columns.items()},
            touch_numeric={k: v[m] for k, v in self.touch_numeric.items()},
        )
        new.__dict__.pop("_group_index", None)
        freeze_journeys(new)
        return new

    def select_journeys(self, mask: np.ndarray) -> Journeys:
        """Keep the journeys where ``mask`` is true, with their touches."""
        m = np.asarray(mask, dtype=bool)
        if m.shape != (self.n_journeys,):
            raise ParameterError(f"mask must have shape ({self.n_journeys},), got {m.shape}")
        tmask = m[self.journey_index]
        lengths = self.lengths[m]
        off = np.zeros(int(m.sum()) + 1, dtype=np.int64)
        np.cumsum(lengths, out=off[1:])
        new = replace(
            self,
            keys=subset(stored(self, "keys"), m),
            offsets=off,
            time=self.time[tmask],
            row=self.row[tmask],
            channel=self.channel.take(tmask),
            touch_columns={k: v.take(tmask) for k, v in self.touch_columns.items()},
            touch_numeric={k: v[tmask] for k, v in self.touch_numeric.items()},
            converted_at=self.converted_at[m],
            revenue=self.revenue[m],
            conversions=self.conversions[m],
            non_conversions=self.non_conversions[m],
            anchors={k: v[m] for k, v in self.anchors.items()},
            journey_columns={k: v.take(m) for k, v in self.journey_columns.items()},
        )
        new.__dict__.pop("_group_index", None)
        freeze_journeys(new)
        return new

    def to_dict(self, *, caller_order: bool = False) -> dict[str, np.ndarray]:
        """Touch-level columns as numpy arrays (journey key, time, channel, other columns,
        and the journey's conversion instant and revenue).

        Parameters
        ----------
        caller_order : bool
            Return the touches in the caller's input order instead of (key, time) order.
        """
        return self._columns(caller_order=check_flag(caller_order, "caller_order"), skip=())

    def _columns(self, *, caller_order: bool, skip: Sequence[str]) -> dict[str, np.ndarray]:
        """:meth:`to_dict`, without the touch columns ``skip``."""
        j = self.journey_index
        out: dict[str, np.ndarray] = {
            self.key_column: self.keys[j],
            "timestamp" if self.timed else "position": self.time
            if self.timed
            else self.time.view(np.int64),
            "channel": self.channel.values(),
        }
        out.update({k: v.values() for k, v in self.touch_columns.items() if k not in skip})
        out.update(self.touch_numeric)
        out["converted_at"] = self.converted_at[j]
        out["revenue"] = self.revenue[j]
        if caller_order and self.timed:
            order = np.argsort(self.row, kind="stable")
            out = {k: v[order] for k, v in out.items()}
        return out

    @journey_frames
    def to_frame(self, backend: str | None = None, *, caller_order: bool = False) -> Any:
        """Touch-level frame in ``backend`` (default: the caller's)."""
        return to_native(self.to_dict(caller_order=caller_order), backend, default=self.backend)

    def journeys_dict(self) -> dict[str, np.ndarray]:
        """Journey-level columns: key, number of touches, conversion instant, revenue, counts."""
        out: dict[str, np.ndarray] = {
            self.key_column: self.keys,
            "n_touches": self.lengths,
            "converted_at": self.converted_at,
            "revenue": self.revenue,
            "conversions": self.conversions,
            "non_conversions": self.non_conversions,
        }
        out.update(self.anchors)
        out.update({k: v.values() for k, v in self.journey_columns.items()})
        return out

    # -- constructors
    @classmethod
    def from_arrays(
        cls,
        *,
        keys: np.ndarray,
        offsets: np.ndarray,
        time: np.ndarray,
        channel: Categorical | np.ndarray,
        channels: np.ndarray | Sequence[str] | None = None,
        converted_at: np.ndarray | None = None,
        revenue: np.ndarray | None = None,
        conversions: np.ndarray | None = None,
        non_conversions: np.ndarray | None = None,
        row: np.ndarray | None = None,
        touch_columns: Mapping[str, Categorical] | None = None,
        touch_numeric: Mapping[str, np.ndarray] | None = None,
        anchors: Mapping[str, np.ndarray] | None = None,
        journey_columns: Mapping[str, Categorical] | None = None,
        timed: bool = True,
        key_column: str = "lead_id",
        backend: str = "dict",
        validate: bool = True,
    ) -> Journeys:
        """Build from arrays that are already typed and in CSR layout (validated, not copied needlessly).

        Parameters
        ----------
        keys : ndarray
            Journey keys, unique (sorted ascending for canonical tables).
        offsets : ndarray of int
            CSR offsets, length ``len(keys) + 1``.
        time : ndarray
            Touch instants (``datetime64``) sorted within each journey; for ``timed=False``,
            integer positions.
        channel : Categorical or ndarray of int
            Channel per touch: a :class:`Categorical`, or integer codes with ``channels``.
        channels : sequence of str, optional
            Vocabulary when ``channel`` is integer codes.
        converted_at : ndarray of datetime64, optional
            Per journey; ``NaT`` = no conversion.  Default: ``NaT`` everywhere.  A number is
            no instant: refused (as are numbers in ``anchors``, a mapping of name to one
            instant per journey).
        revenue : ndarray of float, optional
            Per journey; default 0.
        conversions, non_conversions : ndarray of float, optional
            Per journey counts; default 1/0 from ``converted_at`` (or from ``revenue > 0``
            when untimed).
        row : ndarray of int, optional
            Caller row of each touch; default ``arange``.
        validate : bool
            Check offsets, time order and channel codes (``False`` only for arrays produced by
            this module, which are correct by construction).

        Raises
        ------
        DataValidationError
            Inconsistent lengths, bad offsets, channel codes not integers in the vocabulary
            (or one that repeats a name), negative or non-finite revenue or counts, touches
            not sorted in time within a journey; with ``validate``, duplicate keys and revenue
            on a journey without a conversion; ``time`` not ``datetime64`` (``timed=True``);
            a number or a flag in ``converted_at`` or an anchor.
        """
        name = "journeys"
        keys = keys if isinstance(keys, Later) else np.array(keys, copy=validate or None)
        n = keys.size
        off = _validate_offsets(offsets, np.asarray(time).size, name)
        if off.size != n + 1:
            raise DataValidationError(
                f"offsets has length {off.size}, expected len(keys) + 1 = {n + 1}",
                column="offsets",
                table=name,
            )
        # arrays from callers are copied (this table makes its arrays read-only); arrays built
        # by this module (validate=False) are fresh and taken as they are
        copy = validate
        t = checked_times(time, off, timed=timed, validate=validate, copy=copy, table=name)
        cat = channel_categorical(channel, channels, t.size, validate=validate, table=name)
        outcomes = journey_outcomes(n, converted_at, revenue, conversions, non_conversions,
                                    timed=timed, validate=validate, table=name)  # fmt: skip
        touch, journey = (touch_columns, touch_numeric), (anchors, journey_columns)
        rows = checked_rows(keys, row, t.size, touch=touch, journey=journey, copy=copy,
                            validate=validate, table=name)  # fmt: skip
        out = cls(
            keys=keys,
            offsets=off,
            time=t,
            row=rows,
            channel=cat,
            **outcomes,
            touch_columns={k: owned(v, copy=copy) for k, v in (touch_columns or {}).items()},
            touch_numeric={k: np.array(v, copy=copy) for k, v in (touch_numeric or {}).items()},
            anchors={
                k: checked_instants(v, column=k, table=name) for k, v in (anchors or {}).items()
            },
            journey_columns={k: owned(v, copy=copy) for k, v in (journey_columns or {}).items()},
            timed=timed,
            backend=backend,
            key_column=key_column,
        )
        freeze_journeys(out)
        return out

    @classmethod
    def from_paths(cls, data: Any, **kwargs: Any) -> Journeys:
        """Journeys aggregated by path (``"a > b > c"``, conversions, value, non-conversions).

        See :func:`alignment.tables._tables.journeys_from_paths` for the parameters.
        """
        return journeys_from_paths(data, **kwargs)

    @classmethod
    def build(
        cls,
        touchpoints: Any,
        conversions: Any = None,
        *,
        lead: str = "lead_id",
        time: str = "timestamp",
        channel: str = "channel",
        converted_at: str = "converted_at",
        revenue: str = "revenue",
        key: str | None = None,
        leads: Any = None,
        touch_categorical: Sequence[str] | None = None,
        touch_numeric: Sequence[str] | None = None,
        touches: Literal["all", "converted"] = "all",
        deal_contacts: Any = None,
        won_stages: Sequence[str] | None = None,
        reset: bool = False,
        contacts: Literal["all", "primary", "roles"] | None = None,
        role_weights: Mapping[str, float] | None = None,
    ) -> Journeys:
        """Build journeys from touchpoints (and conversions).

        Parameters
        ----------
        touchpoints : frame, dict or sequence of Touchpoint
            One row per touch.
        conversions : frame, dict or sequence of Deal, optional
            One row per converted journey: the journey key (column ``lead``, or ``key``),
            ``converted_at`` and ``revenue``.  A sequence of :class:`alignment.Deal` (or a
            table with ``closed_at``, ``amount`` and ``won``) is read as its won deals.  When
            ``None``, the conversion columns may sit on the touch rows (one value per journey).
        lead, time, channel : str
            Touchpoint column names.
        converted_at, revenue : str
            Conversion column names.
        key : str, optional
            Journey key: default ``lead``.  Another name (e.g. ``"account_id"``) groups the
            touches of all leads sharing it; it is read from the touchpoints, or from
            ``leads`` through the lead id.
        leads : LeadTable or data for :meth:`LeadTable.build`, optional
            Leads: every touch must belong to a known lead; their creation and stage instants
            become per-journey ``anchors`` and their string columns ``journey_columns``.
        touch_categorical, touch_numeric : sequence of str, optional
            Extra touch columns; default: ``campaign``, ``content``, ``kind`` and ``cost`` when present.
        touches : {"all", "converted"}
            ``"converted"`` keeps only the touches of converted journeys (the others stay,
            without touches); every row is still validated, only the kept touches sorted (~10×
            less work at ~10 % converting): enough for the rule models (``attribute`` uses it),
            not for sequence models (Markov, Shapley) nor path statistics.
        deal_contacts : frame, dict or sequence of records, optional
            The persons of each deal (``deal_id``, ``lead``, optionally ``is_primary``); the
            conversions are then deals with a ``deal_id``.  Without it, a deal's contact is its
            own ``lead`` (or ``key``) column.
        won_stages : sequence of str, optional
            The won values of the deals' ``stage`` column (compared with case, spaces, ``_``
            and ``-`` folded); default: the strict ``won`` flag.
        reset : bool
            For deal-keyed journeys: a deal's journey starts after the person's previous won
            deal (default: it holds every earlier touch).
        contacts : {"all", "primary", "roles"}, optional
            Account journeys keyed by deal ("Account journeys" in ``docs/attribution``): the
            touches of every lead of the deal's account (``"all"``, ``key`` = the account
            column), its primary contact, or its ``deal_contacts`` (``"roles"``).
        role_weights : mapping of str to float, optional
            With ``contacts="roles"``: weight (> 0) per role, kept per touch as ``role_weight``.

        Returns
        -------
        Journeys
            Keyed by person (``lead`` or ``key``); keyed by deal (``key_column="deal_id"``,
            see ``docs/attribution/index.md``) when a person has several won deals or a deal
            several contacts (or none): a deal's journey holds its contacts' touches up to its
            close, so a touch is repeated once per deal that holds it (``row`` repeats too), and
            persons without a won deal keep one journey with key ``None``.

        Raises
        ------
        DataValidationError
            Missing columns, NaN/NaT keys or times, negative/non-finite revenue, duplicate or
            conflicting conversions, touches of unknown leads, mixed naive/aware datetimes.
        """
        if isinstance(touchpoints, Journeys):
            return touchpoints
        prefetch("scipy.sparse")  # (group_sort's kernels, needed once the columns are read)
        if not is_option(touches, ("all", "converted")):
            raise ParameterError(f"touches must be 'all' or 'converted', got {touches!r}")
        tt = "touchpoints"
        key_name = key or lead
        optional = touch_names(touch_categorical, touch_numeric)[2]
        if conversions is None:
            optional += [converted_at, revenue]
        if key_name != lead:
            optional.append(key_name)
        columns = {"lead": lead, "time": time, "channel": channel}
        raw = _read_touches(touchpoints, columns, optional, touch_categorical, touch_numeric)
        flags: dict[str, Awareness] = {}
        ttime, flags[time] = _time_column(raw, time, tt, check=False)
        lead_table, lead_flags = (
            LeadTable._read(leads, id=lead) if leads is not None else (None, {})
        )
        others = {("leads", c): v for c, v in lead_flags.items()}  # (checked with the touches')

        rw = check_contacts(contacts, role_weights, key=key_name, lead=lead)
        person_key = lead if contacts else key_name  # account journeys: touches by person

        # conversions (read before the touches' keys are coded: theirs are coded meanwhile)
        conv = None
        if conversions is not None:
            conv = read_deal_conversions(
                conversions,
                contacts=contacts,
                key_name=key_name,
                lead=lead,
                converted_at=converted_at,
                revenue=revenue,
                leads=lead_table,
                won_stages=check_deal_options(won_stages, reset),
                deal_contacts=deal_contacts,
                role_weights=rw,
            )
            others.update({(_CT, c): v for c, v in conv.instants.items()})
        elif deal_contacts is not None or won_stages is not None or contacts:
            raise ParameterError("deal_contacts=, won_stages=, contacts= need deals as conversions")
        tkeys, lead_pos = _touch_keys(raw, lead, person_key, lead_table, tt)
        _check_awareness(flags, tt, also=others)
        per_deal = False
        if conv is not None:
            uniques, tcodes, pcodes = _merge_keys(tkeys, conv.pairs.keys)
            per_deal = bool(contacts) or conv.per_deal(pcodes, uniques, key_name)
        else:
            uniques, tcodes = tkeys.uniques, tkeys.codes
        n = uniques.size

        conv_at = np.full(n, _NAT, dtype=TIME_DTYPE)
        rev = np.zeros(n)
        if conv is not None and not per_deal:
            conv_at[pcodes] = conv.time[conv.pairs.conv]
            rev[pcodes] = conv.revenue[conv.pairs.conv]
        elif conv is None and converted_at in raw.columns:
            conv_at, rev = _conversions_on_touches(
                raw, tcodes, n, converted_at, revenue, key_name, flags
            )
            _check_awareness(flags, tt, also=others)

        # touch columns in input order (validated over every row, whatever is kept)
        cats, nums = _touch_columns(raw, touch_categorical, touch_numeric, tt)
        chan = channel_column(raw, channel, tt)

        anchors: dict[str, np.ndarray] = {}
        jcols: dict[str, Categorical] = {}
        if lead_table is not None:
            anchors, jcols = _journey_attributes(
                lead_table, lead_pos, tcodes, uniques, person_key, lead
            )
        if conv is not None and not per_deal:
            anchors = deal_created_anchor(anchors, n, pcodes, _by_pair(conv))
        encoded = _Encoded(
            keys=uniques,
            codes=tcodes,
            time=ttime,
            channel=chan,
            touch_columns=cats,
            touch_numeric=nums,
            converted_at=conv_at,
            revenue=rev,
            anchors=anchors,
            journey_columns=jcols,
            key_column=person_key,
            backend=raw.backend,
            n_rows=raw.n_rows,
        )
        if per_deal:
            assert conv is not None
            enc = deal_encoded(
                encoded, conv, pcodes, reset=reset, persons=bool(contacts), role_weights=rw
            )
            return _assemble(enc, "all")
        return _assemble(encoded, touches)

    def _input_rows(self) -> _Encoded | None:
        """What :meth:`build` read, one entry per input row in input order, when this table
        still holds it (built from rows with ``touches="converted"``, not derived)."""
        enc = self.__dict__.get("_encoded")
        if enc is None or enc.codes.size != enc.n_rows:
            return None
        out: _Encoded = enc
        return out

    def all_touches(self) -> Journeys:
        """This table with every touch: itself, or, for a table built with
        ``touches="converted"``, the full table (sorted now, from the rows read then).

        Raises
        ------
        ParameterError
            The table was derived (``select_touches`` …) from a ``touches="converted"`` table:
            build it again with ``touches="all"``.
        """
        if self.touches == "all":
            return self
        encoded = self.__dict__.get("_encoded")
        if encoded is None:
            raise ParameterError(
                "this table holds only the touches of converted journeys and was derived from "
                "another table; build it with Journeys.build(..., touches='all')"
            )
        full = self.__dict__.get("_all_touches")
        if full is None:
            full = _assemble(encoded, "all")
            self.__dict__["_all_touches"] = full
        return full


def _by_pair(conv: Conversions) -> np.ndarray | None:
    """The deals' ``created_at`` per contact pair (``None`` when the deals carry none)."""
    return None if conv.created is None else conv.created[conv.pairs.conv]


def _assemble(enc: _Encoded, touches: str) -> Journeys:
    """Sort the encoded rows into a :class:`Journeys` table (all rows, or converted journeys')."""
    n = enc.keys.size
    if touches == "converted":  # only the touches of converted journeys are sorted and kept
        kept = np.flatnonzero(np.take(~np.isnat(enc.converted_at), enc.codes))
        sub_order, offsets, sorted_time = group_sort(enc.codes[kept], enc.time[kept], n)
        order = kept[sub_order]
    else:
        order, offsets, sorted_time = group_sort(enc.codes, enc.time, n)
    cats = {k: v.take(order) for k, v in enc.touch_columns.items()}  # (read-only: from_arrays)
    out = Journeys.from_arrays(
        keys=enc.keys,
        offsets=offsets,
        time=sorted_time,
        channel=enc.channel.take(order),
        converted_at=enc.converted_at,
        revenue=enc.revenue,
        row=order if enc.rows is None else enc.rows[order],
        touch_columns=cats,
        touch_numeric={k: np.take(v, order) for k, v in enc.touch_numeric.items()},
        anchors=enc.anchors,
        journey_columns=enc.journey_columns,
        key_column=enc.key_column,
        backend=enc.backend,
        validate=False,
    )
    object.__setattr__(out, "n_input_rows", enc.n_rows)
    object.__setattr__(out, "touches", touches)
    if touches == "converted":
        out.__dict__["_encoded"] = enc  # for all_touches(); not a field: derived tables drop it
    return out


def journeys_from_paths(
    data: Any,
    *,
    path: str = "path",
    conversions: str = "total_conversions",
    value: str | None = DEFAULT_VALUE,
    null: str | None = DEFAULT_NULL,
    sep: str = " > ",
) -> Journeys:
    """Build :class:`~alignment.tables.Journeys` from journeys aggregated by path.

    Parameters
    ----------
    data : frame, dict of arrays or sequence of records
        One row per path (duplicated paths are allowed and simply add up).
    path : str
        Column of path strings such as ``"a > b > c"`` (channels in order, first to last).
    conversions : str
        Column of conversion counts (whole numbers >= 0).
    value : str or None
        Column of total conversion value of the row (>= 0; 0 where there is no conversion).
        Optional under its default name (absent → 0); ``None`` ignores it.
    null : str or None
        Column of non-converting journey counts (whole numbers >= 0).  Optional under its
        default name (absent → 0); ``None`` ignores it.
    sep : str
        Separator between channels (a non-empty string).  Paths are split on ``sep`` without
        its surrounding spaces, each channel stripped: ``"a>b"`` = ``"a > b"`` = ``"a  >  b"``.

    Returns
    -------
    Journeys
        One journey per row: ``conversions`` and ``non_conversions`` are the row's counts,
        ``revenue`` its total value, ``keys`` the zero-padded row numbers (so journeys keep
        the input order; ``key_column="path_row"``), ``timed=False``, ``time`` the position
        within the path and ``row`` -1 (touches are not rows of the input).

    Raises
    ------
    DataValidationError
        Missing, empty or non-string paths; empty steps (``"a >  > b"``); negative, fractional,
        non-finite or bool counts and values; a value on a row without conversions (named).
    MissingColumnError
        The path or conversions column (or an explicitly named value / null column) is absent.
    ParameterError
        A column name or ``sep`` that is not a non-empty string.
    """
    for name, given in (("path", path), ("conversions", conversions)):  # (sep: parse_paths)
        if not isinstance(given, str) or not given:
            raise ParameterError(
                f"from_paths: {name} must be a non-empty column name (str), got {given!r}"
                + (" (the conversions column is required)" if name == "conversions" else "")
            )
    for name, optional in (("value", value), ("null", null)):
        if optional is not None and (not isinstance(optional, str) or not optional):
            raise ParameterError(
                f"from_paths: {name} must be a column name (str) or None, got {optional!r}"
            )
    parsed = parse_paths(data, path=path, conversions=conversions, value=value, null=null, sep=sep)
    return _build_journeys(parsed)


def padded_keys(n: int) -> np.ndarray:
    """Keys ``"0"`` … ``"n-1"`` zero-padded to one width (text order = row order)."""
    if n == 0:  # (zfill of an empty array fails in numpy)
        return np.zeros(0, dtype=object)
    width = len(str(n - 1))
    out: np.ndarray = np.char.zfill(np.arange(n).astype(str), width).astype(object)
    return out


def _build_journeys(parsed: ParsedPaths) -> Journeys:
    return Journeys.from_arrays(
        keys=padded_keys(parsed.n_paths),
        offsets=parsed.offsets,
        time=parsed.position,
        channel=Categorical(parsed.channel_codes, parsed.channels),
        revenue=parsed.revenue,
        conversions=parsed.conversions,
        non_conversions=parsed.non_conversions,
        row=np.full(parsed.position.size, -1, dtype=np.int64),
        timed=False,
        key_column="path_row",
        backend=parsed.backend,
    )


def _readable(column: Categorical) -> bool:
    """Whether a touch column's values can be read (``False``: a default column refused where
    it is used, :func:`~._labels.label_columns`)."""
    try:
        column.codes  # noqa: B018 (read: a deferred column raises its refusal)
    except DataValidationError:
        return False
    return True
