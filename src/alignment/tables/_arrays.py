"""Checked arrays of a journeys table built from arrays (``Journeys.from_arrays``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

import numpy as np

from .._frames import Categorical, numeric
from .._time import TIME_DTYPE
from ..errors import DataValidationError, ParameterError, reject_rows
from ._common import _segment_of, check_total

__all__ = ["JourneyOutcomes", "channel_categorical", "checked_times", "journey_outcomes"]

_NAT = np.datetime64("NaT", "us")


def checked_times(
    time: Any, offsets: np.ndarray, *, timed: bool, validate: bool, copy: bool, table: str
) -> np.ndarray:
    """Touch times as ``datetime64[us]``: none missing, sorted within each journey.

    Untimed journeys (aggregated paths) carry positions, taken as they are.
    """
    if not timed:
        return np.asarray(time).astype(np.int64).view(TIME_DTYPE)
    t = np.asarray(time).astype(TIME_DTYPE, copy=copy)
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
        cat = channel
    else:
        if channels is None:
            raise ParameterError(
                "channels (the vocabulary) is required when channel is given as codes"
            )
        cat = Categorical(
            np.asarray(channel).astype(np.int32), np.asarray(list(channels), dtype=object)
        )
    if cat.codes.size != n_touches:
        raise DataValidationError(
            f"channel has {cat.codes.size} values for {n_touches} touches",
            column="channel",
            table=table,
        )
    if validate:
        reject_rows(
            (cat.codes < 0) | (cat.codes >= cat.n_categories),
            "channel code outside the vocabulary (or missing channel)",
            column="channel",
            table=table,
            values=cat.codes,
        )
    return cat


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
    table: str,
) -> JourneyOutcomes:
    """Per journey: conversion time, revenue, conversions and non-conversions, checked.

    Defaults: no conversion time; no revenue; one conversion when converted (timed journeys:
    a conversion time; paths: revenue > 0); one non-conversion when not converted.
    """
    conv_at = (
        np.full(n, _NAT, dtype=TIME_DTYPE)
        if converted_at is None
        else np.asarray(converted_at).astype(TIME_DTYPE)
    )
    rev = (
        np.zeros(n)
        if revenue is None
        else numeric(np.asarray(revenue), column="revenue", table=table, nonnegative=True)
    )
    check_total(rev, column="revenue", table=table)
    if conversions is None:
        conv = (~np.isnat(conv_at)).astype(np.float64) if timed else (rev > 0).astype(np.float64)
    else:
        conv = numeric(np.asarray(conversions), column="conversions", table=table, nonnegative=True)
    nonconv = (
        (conv == 0).astype(np.float64)
        if non_conversions is None
        else numeric(
            np.asarray(non_conversions), column="non_conversions", table=table, nonnegative=True
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
    return outcomes
