"""What both example exports share: the company's calendar, names, and column helpers.

numpy and the standard library only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

TZ = "America/New_York"  # the zone of every naive timestamp in these files
START = np.datetime64("2024-01-02T13:00:00", "us")
AS_OF = np.datetime64("2024-06-28T21:00:00", "us")  # the extraction instant
DAY = np.timedelta64(86_400_000_000, "us")
HOUR = np.timedelta64(3_600_000_000, "us")
NAT = np.datetime64("NaT", "us")

FIRST = (
    "Olivia Liam Emma Noah Ava Ethan Sophia Mason Mia Lucas Amelia Logan Harper James Evelyn "
    "Aiden Abigail Elijah Emily Carter Ella Jayden Avery Daniel Scarlett Henry Grace Owen Chloe "
    "Samuel Priya Arjun Mei Hiro Fatima Omar Sofia Mateo Zoe Caleb"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Nguyen Hill Patel Kim"
).split()
CO_A = "Blue Iron North Bright Silver Cedar Harbor Summit Maple Granite Pioneer Atlas".split()
CO_B = "Systems Analytics Logistics Health Labs Software Partners Foods".split()
TITLES = (
    "VP Marketing",
    "Director of Demand Generation",
    "Marketing Operations Manager",
    "Head of Revenue Operations",
    "Sales Operations Analyst",
    "CFO",
    "Chief Revenue Officer",
    "Growth Marketing Manager",
)

# --------------------------------------------------------------------------- helpers

Columns = dict[str, np.ndarray]


def instants(rng: np.random.Generator, lo: Any, hi: Any) -> np.ndarray:
    """Uniform instants between ``lo`` and ``hi`` (arrays or scalars), in whole seconds."""
    lo = np.asarray(lo, dtype="datetime64[us]")
    span = np.maximum((np.asarray(hi, dtype="datetime64[us]") - lo).astype(np.int64), 0)
    off = (rng.random(np.broadcast(lo, span).shape) * span).astype(np.int64)
    return (lo + off.astype("timedelta64[us]")).astype("datetime64[s]").astype("datetime64[us]")


def days(x: Any) -> np.ndarray:
    """Fractional days as ``timedelta64[us]``."""
    return (np.asarray(x, dtype=np.float64) * 86_400e6).astype(np.int64).astype("timedelta64[us]")


def office_hours(rng: np.random.Generator, after: Any) -> np.ndarray:
    """A moment of New York office hours (13:00-22:00 UTC) on the day of each instant, or on
    the next day when that moment would come before it."""
    after = np.asarray(after, dtype="datetime64[us]")
    day = after.astype("datetime64[D]").astype("datetime64[us]")
    at = instants(rng, day + 13 * HOUR, day + 22 * HOUR)
    return np.where(at < after, at + DAY, at)


def join(*parts: Any) -> np.ndarray:
    """Element-wise string concatenation (object array)."""
    out = np.asarray(parts[0]).astype(str)
    for part in parts[1:]:
        out = np.char.add(out, np.asarray(part).astype(str))
    return out.astype(object)


def cat(*parts: Any) -> np.ndarray:
    """Concatenate text columns and single values (object array)."""
    return np.concatenate([np.atleast_1d(np.asarray(x, dtype=object)) for x in parts])


def pick(options: Any, index: Any) -> np.ndarray:
    return np.asarray(options, dtype=object)[np.asarray(index)]


def cumcount(group: np.ndarray) -> np.ndarray:
    """Position of each row within its run of equal (sorted) group values."""
    start = np.r_[True, group[1:] != group[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(group.size), 0))
    return np.arange(group.size) - first
