"""Checked arrays of a journeys table built from arrays (``Journeys.from_arrays``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import numpy as np

from .._colnames import repeated_names
from .._columns import DeferredCategorical, stored
from .._frames import Categorical, numeric
from .._time import TIME_DTYPE
from ..errors import DataValidationError, ParameterError, reject_rows
from ._common import _key_codes, _readonly, _segment_of, amounts

__all__ = [
    "JourneyOutcomes",
    "channel_categorical",
    "checked_instants",
    "checked_rows",
    "checked_times",
    "freeze_journeys",
    "journey_outcomes",
    "owned",
]

_NAT = np.datetime64("NaT", "us")
_NO_INSTANTS = "(numbers are no instants: not read as microseconds since 1970)"
_AS_INSTANTS = "datetime64 (e.g. np.asarray(times, 'datetime64[us]'))"


def checked_instants(values: Any, *, column: str, table: str) -> np.ndarray:
    """Per-journey instants given by the caller (``converted_at``, an anchor) as
    ``datetime64[us]``, ``NaT`` where missing (``None``, ``NaN``, ``NaT``).

    A number or a flag is no instant: refused, typed (ints, floats, bools) or among the
    objects of an object array, as the touch times are (never read as microseconds since 1970).
    """
    given = np.asarray(values)
    kind = given.dtype.kind
    if kind in "biufc":
        number = ~np.isnan(given) if kind in "fc" else np.ones(given.shape, dtype=bool)
    elif kind == "O":
        flat = given.ravel().tolist()
        number = np.fromiter((_is_number(v) for v in flat), bool, len(flat)).reshape(given.shape)
    else:
        number = np.zeros(given.shape, dtype=bool)
    reject_rows(
        number.ravel(),
        f"a number where an instant is expected {_NO_INSTANTS}",
        column=column,
        table=table,
        values=given.ravel(),
        fix=f"pass {column} as {_AS_INSTANTS}, NaT where missing",
    )
    return given.astype(TIME_DTYPE)


def _is_number(v: Any) -> bool:
    """Whether an object is a number or a flag (a float ``NaN``, a missing value, is not)."""
    if isinstance(v, (float, np.floating)):
        return not np.isnan(v)
    return isinstance(v, (int, np.integer, np.bool_, complex, np.complexfloating))


def checked_times(
    time: Any, offsets: np.ndarray, *, timed: bool, validate: bool, copy: bool, table: str
) -> np.ndarray:
    """Touch times as ``datetime64[us]``: none missing, sorted within each journey.

    Untimed journeys (aggregated paths) carry positions, taken as they are.
    """
    if not timed:
        return np.asarray(time).astype(np.int64).view(TIME_DTYPE)
    given = np.asarray(time)
    if given.dtype.kind != "M":
        raise DataValidationError(
            f"touch times of dtype {given.dtype} {_NO_INSTANTS}",
            column="time",
            table=table,
            fix=f"pass time as {_AS_INSTANTS}, or timed=False for touch positions",
        )
    t = given.astype(TIME_DTYPE, copy=copy)
    reject_rows(np.isnat(t), "missing touch time (NaT)", column="time", table=table)
    if validate and t.size > 1:
        same = _segment_of(offsets)
        earlier = np.zeros(t.size, dtype=bool)
        earlier[1:] = (np.diff(t.view(np.int64)) < 0) & (same[1:] == same[:-1])
        reject_rows(
            earlier,
            "touches are not sorted by time within their journey",
            column="time",
            table=table,
            fix="use Journeys.build, which sorts, or sort by (key, time) first",
        )
    return t


def owned(cat: Categorical, *, copy: bool) -> Categorical:
    """``cat`` with codes of the table's own, made read-only: with ``copy`` (a caller's
    column), writable codes are copied first (the caller's array keeps its flags)."""
    if isinstance(cat, DeferredCategorical) or not cat.codes.flags.writeable:
        return cat  # (read-only already: a deferred column's codes are, once made)
    if copy:
        cat = Categorical(np.array(cat.codes), stored(cat, "categories"), cat.sort_keys)
    _readonly(cat.codes)
    return cat


def freeze_journeys(journeys: Any) -> None:
    """Make the arrays of a :class:`Journeys` table read-only (arrays of its own: fresh, or
    copied from the caller's)."""
    j = journeys
    keys = stored(j, "keys")
    arrays = [j.offsets, j.time, j.row, j.converted_at, j.revenue, j.conversions]
    arrays += [j.non_conversions, *j.touch_numeric.values(), *j.anchors.values()]
    cats = [j.channel, *j.touch_columns.values(), *j.journey_columns.values()]
    codes = [c.codes for c in cats if not isinstance(c, DeferredCategorical)]
    _readonly(*arrays, *codes, *([keys] if isinstance(keys, np.ndarray) else []))


def channel_categorical(
    channel: Categorical | np.ndarray,
    channels: np.ndarray | Sequence[str] | None,
    n_touches: int,
    *,
    validate: bool,
    table: str,
) -> Categorical:
    """The channel of every touch as a Categorical over the vocabulary ``channels``."""
    if isinstance(channel, Categorical):
        cat = owned(channel, copy=validate)
        if validate:
            _check_codes(cat.codes, cat.n_categories, table)
    else:
        vocabulary = np.asarray(list(channels if channels is not None else []), dtype=object)
        codes = _channel_codes(channel, channels is not None, vocabulary.size, validate, table)
        cat = Categorical(codes, vocabulary)
    if cat.codes.size != n_touches:
        raise DataValidationError(
            f"channel has {cat.codes.size} values for {n_touches} touches",
            column="channel",
            table=table,
        )
    if validate and not isinstance(cat, DeferredCategorical):
        _check_vocabulary(stored(cat, "categories"), table)
    return cat


def _channel_codes(
    channel: Any, has_vocabulary: bool, n_channels: int, validate: bool, table: str
) -> np.ndarray:
    """Integer channel codes as ``int32``, once checked to be integers (and, with
    ``validate``, codes into the vocabulary of ``n_channels`` names)."""
    given = np.asarray(channel)
    if given.size and given.dtype.kind not in "iu":
        reject_rows(
            np.ones(given.size, dtype=bool),
            f"channel codes of dtype {given.dtype} (codes are integers: not rounded, "
            "not read from text or flags)",
            column="channel",
            table=table,
            values=given,
            fix="pass integer codes into channels=, a Categorical, or use Journeys.build, "
            "which reads channel names",
        )
    if not has_vocabulary:
        raise ParameterError("channels (the vocabulary) is required when channel is given as codes")
    if validate:
        _check_codes(given, n_channels, table)
    return given.astype(np.int32)


def _check_codes(codes: np.ndarray, n_channels: int, table: str) -> None:
    reject_rows(
        (codes < 0) | (codes >= n_channels),
        f"channel code outside the vocabulary of {n_channels} channels (or missing channel)",
        column="channel",
        table=table,
        values=codes,
        fix="give every touch a code in [0, len(channels))",
    )


def _check_vocabulary(channels: np.ndarray, table: str) -> None:
    dup = repeated_names(channels.tolist())
    if dup:
        raise DataValidationError(
            f"channels repeats the name(s) {', '.join(map(repr, dup))}: two codes would "
            "stand for one channel",
            column="channels",
            table=table,
            fix="list every channel name once in channels= and map the codes of a "
            "repeated name to its one code",
        )


def checked_rows(
    keys: Any,
    row: Any,
    n_touches: int,
    *,
    touch: Sequence[Mapping[str, Any] | None],
    journey: Sequence[Mapping[str, Any] | None],
    copy: bool,
    validate: bool,
    table: str,
) -> np.ndarray:
    """The caller's row of every touch (default: ``arange``), once the lengths are checked:
    one value per touch in ``row`` and in each column of the mappings ``touch``, one per
    journey in each column of ``journey`` (arrays or :class:`Categorical`); with
    ``validate``, the keys are also checked unique."""
    sizes = {"touches": n_touches, "journeys": keys.size}
    for per, mappings in (("touches", touch), ("journeys", journey)):
        for name, values in ((k, v) for m in mappings for k, v in (m or {}).items()):
            got = len(values) if isinstance(values, Categorical) else np.asarray(values).size
            _check_length(name, got, sizes[per], per, table)
    if validate and isinstance(keys, np.ndarray):
        _check_unique(keys, table)
    if row is None:
        return np.arange(n_touches, dtype=np.int64)
    rows = np.asarray(row)
    _check_length("row", rows.size, n_touches, "touches", table)
    return rows.astype(np.int64, copy=copy)


def _check_unique(keys: np.ndarray, table: str) -> None:
    if _increasing(keys):  # (canonical keys, e.g. the padded path rows: no hashing needed)
        return
    codes = _key_codes(keys, column="keys", table=table).codes
    reject_rows(
        np.bincount(codes, minlength=1)[codes] > 1 if codes.size else np.zeros(0, bool),
        "duplicate journey key (one journey per key)",
        column="keys",
        table=table,
        values=keys,
        fix="merge the touches of a key into one journey (Journeys.build does)",
    )


def _increasing(keys: np.ndarray) -> bool:
    """Whether ``keys`` are integers, or non-empty texts, that strictly increase (so are valid
    keys that repeat none); ``False`` otherwise (the caller then hashes and checks them)."""
    if keys.size < 2 or not (keys.dtype.kind == "i" or isinstance(keys[0], str)):
        return False
    try:  # (texts: a text compared with anything but a text raises, so all are texts)
        rising = bool(np.all(keys[1:] > keys[:-1]))
    except TypeError:
        return False
    return rising and (keys.dtype.kind == "i" or not bool(np.any(keys == "")))


def _check_length(name: str, got: int, expected: int, per: str, table: str) -> None:
    if got != expected:
        raise DataValidationError(
            f"has {got} values for {expected} {per}",
            column=name,
            table=table,
            fix=f"give one value per {'touch' if per == 'touches' else 'journey'}",
        )


class JourneyOutcomes(TypedDict):
    """The per-journey outcome arrays, under their :class:`Journeys` field names."""

    converted_at: np.ndarray
    revenue: np.ndarray
    conversions: np.ndarray
    non_conversions: np.ndarray


def _own(values: np.ndarray, given: tuple[Any, ...]) -> np.ndarray:
    """``values``, copied when it holds memory of one of the caller's arrays ``given``: the
    table makes its arrays read-only, never the caller's."""
    if any(isinstance(g, np.ndarray) and np.shares_memory(values, g) for g in given):
        mine: np.ndarray = values.copy()
        return mine
    return values


def journey_outcomes(
    n: int,
    converted_at: Any,
    revenue: Any,
    conversions: Any,
    non_conversions: Any,
    *,
    timed: bool,
    validate: bool,
    table: str,
) -> JourneyOutcomes:
    """Per journey: conversion time, revenue, conversions and non-conversions, checked.

    Defaults: no conversion time; no revenue; one conversion when converted (timed journeys:
    a conversion time; paths: revenue > 0); one non-conversion when not converted.  With
    ``validate``, a revenue on a journey without a conversion is refused (it would be lost).
    """
    conv_at = (
        np.full(n, _NAT, dtype=TIME_DTYPE)
        if converted_at is None
        else checked_instants(converted_at, column="converted_at", table=table)
    )
    rev = (
        np.zeros(n)
        if revenue is None
        else amounts(np.asarray(revenue), column="revenue", table=table)
    )
    if conversions is None:
        conv = (~np.isnat(conv_at)).astype(np.float64) if timed else (rev > 0).astype(np.float64)
    else:
        conv = numeric(
            np.asarray(conversions), column="conversions", table=table, nonnegative=True, count=True
        )
    nonconv = (
        (conv == 0).astype(np.float64)
        if non_conversions is None
        else numeric(
            np.asarray(non_conversions),
            column="non_conversions",
            table=table,
            nonnegative=True,
            count=True,
        )
    )
    given = (revenue, conversions, non_conversions)
    rev, conv, nonconv = (_own(v, given) for v in (rev, conv, nonconv))
    outcomes = JourneyOutcomes(
        converted_at=conv_at, revenue=rev, conversions=conv, non_conversions=nonconv
    )
    for label, values in outcomes.items():
        arr = np.asarray(values)  # a TypedDict's values() are typed as objects
        if arr.size != n:
            raise DataValidationError(
                f"has {arr.size} values for {n} journeys", column=label, table=table
            )
    if validate:
        reject_rows(
            (rev > 0) & (conv == 0),
            "revenue on a journey without a conversion (no converted_at, no conversions)",
            column="revenue",
            table=table,
            values=rev,
            fix="give these journeys their converted_at (or conversions), or a revenue of 0",
        )
    return outcomes
