"""How the report writes amounts, counts, durations and names.

One place for the report's units: :class:`Money` (the currency of ``build_report(currency=)``),
business hours, counts rounded up, and the readable names of stages, channels and attribution
models (``organic_search`` → "Organic search", ``mql`` → "MQL").  Sections format their cells
with :func:`formatted`, which keeps a missing value missing (so the table writes ``n/a`` with
its reason, never a number).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._params import is_option
from ..errors import ParameterError

__all__ = [
    "Context",
    "Money",
    "ceil_count",
    "formatted",
    "hours_of",
    "human",
    "model_label",
    "money_of",
    "stage_label",
]

#: the keys a currency mapping may have
_CURRENCY_KEYS = frozenset({"symbol", "decimals", "position"})
#: stage names written as the teams say them
_STAGES = {
    "lead": "Lead",
    "created": "Lead",
    "mql": "MQL",
    "sal": "SAL",
    "sql": "SQL",
    "opportunity": "Opportunity",
    "won": "Won",
    "customers": "Customers",
}
#: words written in capitals inside names (``seo_blog`` → "SEO blog")
_ACRONYMS = {"seo", "sem", "ppc", "abm", "crm", "roi", "mql", "sal", "sql", "sms", "b2b", "api"}
#: the standard attribution models, as a reader knows them
_MODELS = {
    "first": "First touch",
    "last": "Last touch",
    "linear": "Linear",
    "time_decay": "Time decay",
    "position_based": "Position based",
    "w_shaped": "W-shaped",
    "markov": "Markov",
    "shapley": "Shapley",
    "last_non_direct": "Last non-direct",
}


@dataclass(frozen=True)
class Money:
    """How amounts are written: a symbol or code before or after, and a number of decimals.

    ``symbol=""`` means no currency is known: amounts are plain numbers and the report labels
    them "amount".
    """

    symbol: str = ""
    decimals: int = 0
    position: str = "before"

    @property
    def unit(self) -> str:
        """The currency's name in a label: its symbol or code, else ``"amount"``."""
        return self.symbol or "amount"

    def number(self, value: float) -> str:
        """One amount without its symbol (for a table whose header names the currency)."""
        digits = f"{abs(value):,.{self.decimals}f}"
        return f"-{digits}" if value < 0 and float(digits.replace(",", "")) != 0 else digits

    def __call__(self, value: float) -> str:
        """One amount: ``$1,234``, ``EUR 1,234``, ``1,234 €`` or ``1,234`` without currency."""
        number = self.number(abs(value))
        sign = "-" if value < 0 and number.strip("0.,") else ""
        if not self.symbol:
            return sign + number
        gap = "\u00a0" if self.symbol[-1].isalpha() or self.position == "after" else ""
        if self.position == "after":
            return f"{sign}{number}{gap}{self.symbol}"
        return f"{sign}{self.symbol}{gap}{number}"


def money_of(currency: Any) -> Money:
    """The :class:`Money` of ``build_report(currency=...)``.

    ``None`` → no currency; a string (``"$"``, ``"EUR"``) → that symbol before the amount, no
    decimals; a mapping with ``symbol`` and optionally ``decimals`` (0–6) and ``position``
    (``"before"`` or ``"after"``).

    Raises
    ------
    ParameterError
        Anything else, naming the value and the accepted forms.
    """
    if currency is None or isinstance(currency, Money):
        return currency or Money()
    spec: Mapping[str, Any]
    if isinstance(currency, str):
        spec = {"symbol": currency}
    elif isinstance(currency, Mapping):
        spec = currency
    else:
        raise ParameterError(
            f"build_report: currency must be a symbol or code ('$', 'EUR') or a mapping "
            f"{{'symbol', 'decimals', 'position'}}, got {type(currency).__name__} {currency!r}"
        )
    unknown = sorted(set(map(str, spec)) - _CURRENCY_KEYS)
    symbol, decimals = spec.get("symbol"), spec.get("decimals", 0)
    position = spec.get("position", "before")
    problem = ""
    if unknown:
        problem = f"unknown key(s) {unknown}"
    elif not isinstance(symbol, str) or not symbol.strip() or len(symbol.strip()) > 8:
        problem = f"symbol must be a short non-empty text such as '$' or 'EUR', got {symbol!r}"
    elif isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
        problem = f"decimals must be a whole number from 0 to 6, got {decimals!r}"
    elif not is_option(position, ("before", "after")):
        problem = f"position must be 'before' or 'after', got {position!r}"
    if problem:
        raise ParameterError(
            f"build_report: currency {dict(spec)!r}: {problem}; e.g. currency='$' or "
            "currency={'symbol': 'EUR', 'decimals': 2, 'position': 'after'}"
        )
    return Money(str(symbol).strip(), int(decimals), str(position))


@dataclass(frozen=True)
class Context:
    """What every section needs to label its figures: the currency and the periods."""

    money: Money = Money()
    #: the data's period (e.g. "leads created 2024-01-01 → 2024-03-31"), "" when unknown
    period: str = ""
    #: the period a funnel plan covers (e.g. "the next 3 months"), "" when unknown
    plan_period: str = ""

    def money_header(self, name: str) -> str:
        """A money column's header: its name and the currency (``"amount"`` without one)."""
        return f"{name} ({self.money.unit})"

    @property
    def money_note(self) -> str:
        """The sentence naming the currency of the amounts."""
        if self.money.symbol:
            return f"Amounts in {self.money.symbol}."
        return (
            "Amounts are in the data's own currency, which it does not name (pass currency= "
            "to label them)."
        )

    def in_period(self, text: str) -> str:
        """``text``, followed by the data's period when it is known."""
        return f"{text}, {self.period}" if self.period else text


def formatted(values: Any, fmt: Callable[[float], str]) -> np.ndarray:
    """Cells written by ``fmt``; a missing value (NaN, None) stays ``None`` (shown n/a or –)."""
    arr = np.asarray(values)
    out = np.empty(arr.shape, dtype=object)
    for i, v in enumerate(arr.tolist()):  # loop over table cells (a few dozen rows)
        out[i] = fmt(float(v)) if v is not None and math.isfinite(float(v)) else None
    return out


def hours_of(values: Any) -> np.ndarray:
    """Durations (``timedelta64``) as float hours; NaT → NaN."""
    arr = np.asarray(values)
    if arr.dtype.kind != "m":
        return arr.astype(float)
    seconds = arr.astype("timedelta64[s]")
    return np.where(np.isnat(seconds), np.nan, seconds.astype(np.int64) / 3600.0)


def ceil_count(value: float) -> int:
    """A required count in whole units, rounded up (2,398.1 leads → 2,399 leads)."""
    return math.ceil(value - 1e-9)


def human(name: object) -> str:
    """A snake_case name as words: ``organic_search`` → "Organic search", ``seo`` → "SEO"."""
    words = str(name).replace("_", " ").replace("-", " ").split()
    if not words:
        return str(name)
    out = [w.upper() if w.lower() in _ACRONYMS else w for w in words]
    first = out[0]
    out[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(out)


def human_labels(values: Iterable[object]) -> list[str]:
    """:func:`human` of each value, kept apart: distinct values that would read the same
    (``paid_search``, ``paid-search`` → "Paid search") are shown as they are instead, so a
    reader never sees two rows under one name (a loop over a table's distinct labels)."""
    items = list(values)
    words = {v: human(v) for v in dict.fromkeys(str(x) for x in items)}
    seen: dict[str, int] = {}
    for label in words.values():
        seen[label] = seen.get(label, 0) + 1
    return [words[str(x)] if seen[words[str(x)]] == 1 else str(x) for x in items]


def stage_label(stage: object) -> str:
    """A funnel stage as the teams say it: ``mql`` → "MQL", ``opportunity`` → "Opportunity"."""
    key = str(stage).removesuffix("_at")
    return _STAGES.get(key, human(key))


def model_label(model: object) -> str:
    """An attribution model's readable name: ``time_decay`` → "Time decay"."""
    return _MODELS.get(str(model), human(model))
