"""Amounts in the currency a column of their table names (Salesforce's ``CurrencyIsoCode``,
HubSpot's Deal Currency Code): one currency for the read, or converted row by row."""

from __future__ import annotations

import numpy as np

from .._frames import factorize
from .._parse import _one_currency
from ._context import ROW, SRC, Context, Table

__all__ = ["in_one_currency"]


def in_one_currency(d: Table, ours: str, ctx: Context) -> None:
    """Column ``ours`` (the deals' ``amount``, the campaigns' ``cost``) of a table with a
    ``currency`` column (Salesforce's ``CurrencyIsoCode``): in the one currency it names (the
    read's currency), or converted row by row by ``rates=``; several without ``rates=`` are
    refused, as in a column of amounts naming them.  The column is then dropped: every amount
    is in one currency."""
    if "currency" not in d:
        return
    values = d.pop("currency")
    amount = d[ours].copy()
    for code in np.unique(d[SRC]).tolist():  # a loop over the export tables
        mine = np.flatnonzero(d[SRC] == code)
        name = ctx.names[code]
        column = ctx.their_name(name, "currency") or "currency"
        cat = factorize(values[mine], column=column, table=name, allow_missing=True)
        k = cat.categories.size  # (the codes as written, then a slot for rows naming none)
        codes = np.where(cat.codes < 0, k, cat.codes)
        slots = k + int((codes == k).any())
        texts = cat.categories.tolist()
        named = np.array([*texts, ""], dtype=object)[:slots]  # (as parse_money's currencies)
        uniq = [*texts, None][:slots]
        rows = d[ROW][mine]
        inverse = np.full(int(rows.max()) + 1, -1, dtype=np.int64)  # (by row of the file)
        inverse[rows] = codes
        rates = ctx.opts.rates
        one = _one_currency(named, inverse, uniq, rates, column=column, table=name)
        if one is not None:
            ctx.currencies[f"{name}.{column}"] = one
        if rates is not None:  # (a row naming none: in the one currency named, if any)
            own = named[0] if k == 1 else ""
            factors = np.array([rates.get(c or own, 1.0) for c in named.tolist()])
            amount[mine] *= factors[codes]
    d[ours] = amount
