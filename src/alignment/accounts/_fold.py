"""Folding of domains and company names into match keys, vectorised over distinct values.

Both folds run on the *distinct* values of a column (factorised once), in chunks of similar
length so that the fixed-width numpy strings they work on stay small, with numpy's string
functions: no Python loop per row.  The rules (documented in ``docs/accounts.md``):

Domain (an e-mail address, a domain or a website)
    lower case, surrounding spaces dropped, a ``mailto:`` prefix dropped.  A URL (with a
    ``scheme://``): its host — the path, query and fragment (from the first ``/``, ``?`` or
    ``#``) and any ``user@`` dropped; anything else: the part after the last ``@`` (an e-mail
    address), without a path.  Then a ``:port`` dropped; surrounding dots, quotes and angle
    brackets dropped; a leading ``www.`` dropped.  What is left must contain a dot and no space, else the value has
    no usable domain (missing).

Company name
    accents dropped (NFKD) and case folded; ``.``, ``'`` and ``’`` deleted; every other ASCII
    punctuation mark (``&`` included) and every whitespace run becomes one space; the word ``and``
    dropped; a leading ``the`` dropped; then trailing legal suffixes (:data:`LEGAL_SUFFIXES`)
    dropped one by one while a word remains before them.  A name that folds to nothing, or to a
    placeholder (:data:`PLACEHOLDER_NAMES`), is missing.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from .._columns import text
from .._frames import Categorical, factorize
from ..errors import ParameterError

__all__ = [
    "FREE_MAIL_DOMAINS",
    "LEGAL_SUFFIXES",
    "PLACEHOLDER_NAMES",
    "fold_domains",
    "fold_names",
]

FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de",
        "yahoo.es", "yahoo.it", "ymail.com", "rocketmail.com", "hotmail.com", "hotmail.co.uk",
        "hotmail.fr", "hotmail.de", "hotmail.it", "outlook.com", "live.com", "msn.com",
        "aol.com", "icloud.com", "me.com", "mac.com", "protonmail.com", "proton.me", "pm.me",
        "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "yandex.com", "yandex.ru",
        "mail.ru", "qq.com", "163.com", "126.com", "zoho.com", "fastmail.com", "tutanota.com",
        "hey.com", "comcast.net", "verizon.net", "att.net", "orange.fr", "free.fr",
        "laposte.net", "t-online.de", "libero.it", "seznam.cz", "naver.com", "rediffmail.com",
    }
)  # fmt: skip
"""Free-mail domains: an address there says nothing about the employer, so it never matches an
account by domain (the lead goes on to name matching).  Extend it with
``free_mail=FREE_MAIL_DOMAINS | {"example-mail.net"}``."""

LEGAL_SUFFIXES: frozenset[str] = frozenset(
    {
        "inc", "incorporated", "corp", "corporation", "co", "company", "cos", "llc", "llp",
        "lp", "lc", "pllc", "ltd", "limited", "plc", "pty", "pte", "pvt", "ulc", "gmbh", "mbh",
        "ag", "kg", "kgaa", "se", "sa", "sas", "sarl", "sl", "sau", "srl", "spa", "bv", "nv",
        "oy", "oyj", "ab", "as", "asa", "aps", "kk", "kft", "zrt", "sro", "doo", "sp", "zoo",
    }
)  # fmt: skip
"""Legal-form words dropped from the end of a folded company name (after dots are deleted, so
``"S.A."`` is ``sa`` and ``"L.L.C."`` is ``llc``)."""

PLACEHOLDER_NAMES: frozenset[str] = frozenset(
    {"na", "n a", "none", "null", "nil", "unknown", "not applicable", "not provided", "test"}
)
"""Folded company names that stand for no company: treated as missing."""

_DELETE = ".'’"
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())  # (none above U+3000)
_TO_SPACE = "".join(c for c in string.punctuation + _SPACES if c not in _DELETE)
_NAME_TABLE: dict[int, str | None] = {
    **{ord(c): None for c in _DELETE},
    **{ord(c): " " for c in _TO_SPACE},
}
_SUFFIXES = np.asarray(sorted(LEGAL_SUFFIXES))
_PLACEHOLDERS = np.asarray(sorted(PLACEHOLDER_NAMES))
_CELL_BUDGET = 1 << 22  # characters per chunk of fixed-width strings (16 MiB of UCS-4)
_MAX_CHUNK = 1 << 16


def _by_chunks(fold: Callable[[np.ndarray], np.ndarray], values: np.ndarray) -> np.ndarray:
    """``fold`` (fixed-width strings in and out) over distinct ``str`` values, chunk by chunk.

    Values are taken in order of length so a chunk's width is that of its own longest value.
    """
    n = values.size
    out = np.empty(n, dtype=object)
    if n == 0:
        return out
    lengths = np.fromiter(map(len, values.tolist()), dtype=np.int64, count=n)
    order = np.argsort(lengths, kind="stable")
    start = 0
    while start < n:
        stop = min(start + _MAX_CHUNK, n)
        width = max(int(lengths[order[stop - 1]]), 1)
        stop = min(stop, start + max(_CELL_BUDGET // width, 1))
        idx = order[start:stop]
        out[idx] = fold(values[idx].astype(str)).astype(object)
        start = stop
    return out


def _split(a: np.ndarray, sep: str, *, last: bool = False) -> tuple[np.ndarray, ...]:
    """(before, separator, after) of the first (``last``: the last) ``sep`` of each string."""
    strings = getattr(np, "strings", None)
    if strings is not None and hasattr(strings, "partition"):  # numpy >= 2.2: no stacking
        return tuple(strings.rpartition(a, sep) if last else strings.partition(a, sep))
    parts = np.char.rpartition(a, sep) if last else np.char.partition(a, sep)
    return parts[..., 0], parts[..., 1], parts[..., 2]


def _after_prefix(a: np.ndarray, prefix: str) -> np.ndarray:
    """Each string without a leading ``prefix`` (unchanged where it has none)."""
    return np.where(np.char.startswith(a, prefix), _split(a, prefix)[2], a)


def _fold_domain_chunk(a: np.ndarray) -> np.ndarray:
    a = np.char.lower(np.char.strip(a))
    a = _after_prefix(a, "mailto:")
    _, scheme, rest = _split(a, "://")
    url = scheme != ""
    host = np.where(url, rest, a)
    for sep in "/?#":
        host = _split(host, sep)[0]
    # a URL: its host, without user info; anything else: after the last "@" (an e-mail)
    a = np.where(url, _split(host, "@", last=True)[2], _split(a, "@", last=True)[2])
    for sep in "/?#":
        a = _split(a, sep)[0]
    a = _split(a, ":")[0]
    a = np.char.strip(a, " .<>\"'")
    a = _after_prefix(a, "www.")
    usable = (np.char.find(a, ".") > 0) & (np.char.find(a, " ") < 0) & (np.char.find(a, "..") < 0)
    return np.where(usable, a, "")


def _plain(text: str) -> str:
    """Accents dropped (compatibility decomposition, combining marks left out), case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _ascii_fold(a: np.ndarray) -> np.ndarray:
    """Non-ASCII strings through :func:`_plain` (a loop over those distinct values only)."""
    width = a.dtype.itemsize // 4
    if a.size == 0 or width == 0:
        return a
    cells = np.ascontiguousarray(a).view(np.uint32).reshape(a.size, width)
    wide = np.flatnonzero(cells.max(axis=1) > 127)
    if wide.size == 0:
        return a
    out = a.astype(object)
    out[wide] = [_plain(s) for s in a[wide].tolist()]
    return out.astype(str)


def _squeeze(a: np.ndarray) -> np.ndarray:
    """Runs of spaces to one space, surrounding spaces dropped."""
    while a.size and bool((np.char.find(a, "  ") >= 0).any()):
        a = np.char.replace(a, "  ", " ")
    return np.char.strip(a)


def _fold_name_chunk(a: np.ndarray) -> np.ndarray:
    a = np.char.lower(_ascii_fold(a))
    a = _squeeze(np.char.translate(a, cast(Any, _NAME_TABLE)))
    a = np.char.add(np.char.add(" ", a), " ")  # pad, so whole words are found at either end
    while a.size and bool((np.char.find(a, " and ") >= 0).any()):
        a = np.char.replace(a, " and ", " ")
    a = np.char.strip(a)
    a = _after_prefix(a, "the ")
    while a.size:
        head, _, word = _split(a, " ", last=True)
        cut = (head != "") & np.isin(word, _SUFFIXES)
        if not cut.any():
            break
        a = np.where(cut, head, a)
    return np.where(np.isin(a, _PLACEHOLDERS), "", a)


def _fold_codes(
    values: Any, fold: Callable[[np.ndarray], np.ndarray], *, column: str, table: str
) -> Categorical:
    """The folded keys of a column as a :class:`Categorical` (``-1``: missing or unusable).

    Raises
    ------
    DataValidationError
        A value that is not text (a number, a bool, a list ...): never folded as its text.
    """
    text(values, column=column, table=table)
    cat = factorize(values, column=column, table=table, allow_missing=True)
    folded = _by_chunks(fold, np.asarray(cat.categories, dtype=object))
    folded[folded == ""] = None
    keys = factorize(folded, column=column, table=table, allow_missing=True)
    remap = np.append(keys.codes, np.int32(-1))  # the last slot: a missing value stays missing
    return Categorical(remap[cat.codes], keys.categories)


def domain_keys(values: Any, *, column: str, table: str) -> Categorical:
    """Folded domains of an e-mail, domain or website column, factorised."""
    return _fold_codes(values, _fold_domain_chunk, column=column, table=table)


def name_keys(values: Any, *, column: str, table: str) -> Categorical:
    """Folded company names of a column, factorised."""
    return _fold_codes(values, _fold_name_chunk, column=column, table=table)


def _column(values: Any, fn: str) -> Any:
    """The values given to ``fn`` as one column: a 1-D array (object items kept as they are)."""
    if isinstance(values, Categorical):
        return values
    if hasattr(values, "__array__"):  # a numpy array, a pandas or Polars series ...
        arr = np.asarray(values)
        if arr.ndim == 1:
            return arr
    elif isinstance(values, (list, tuple)):  # each item one value (a nested list: not text)
        return np.fromiter(values, dtype=object, count=len(values))
    raise ParameterError(
        f"{fn} takes a list (or 1-D array) of values, got {type(values).__name__} "
        f"{values!r:.80}; pass a list, e.g. {fn}([value])"
    )


def fold_domains(values: Any) -> np.ndarray:
    """Fold e-mail addresses, domains or websites to the domain they name.

    Parameters
    ----------
    values : list, tuple or 1-D array of str
        ``"Jane@Acme.com"``, ``"https://www.acme.com/about"``, ``"acme.com"`` ... (``None``
        allowed).  One string is not a list of values: pass ``[value]``.

    Returns
    -------
    ndarray of object
        The folded domain per value (``"acme.com"``), ``None`` where missing or unusable.

    Raises
    ------
    ParameterError
        ``values`` is not a list, tuple or 1-D array (one string, ``None``, a number).
    DataValidationError
        A value that is not text (a number, a bool, a nested list), naming its position.

    Examples
    --------
    >>> from alignment.accounts import fold_domains
    >>> fold_domains(["Jane@ACME.com", "https://www.acme.com/about?x=1", "n/a"]).tolist()
    ['acme.com', 'acme.com', None]
    """
    return domain_keys(_column(values, "fold_domains"), column="value", table="values").values()


def fold_names(values: Any) -> np.ndarray:
    """Fold company names: case, accents, punctuation, ``and``, ``the`` and legal suffixes.

    Parameters
    ----------
    values : list, tuple or 1-D array of str
        Company names (``None`` allowed).  One string is not a list of values: pass
        ``[value]``.

    Returns
    -------
    ndarray of object
        The folded name per value, ``None`` where missing or a placeholder.

    Raises
    ------
    ParameterError
        ``values`` is not a list, tuple or 1-D array (one string, ``None``, a number).
    DataValidationError
        A value that is not text (a number, a bool, a nested list), naming its position.

    Examples
    --------
    >>> from alignment.accounts import fold_names
    >>> fold_names(["Acme, Inc.", "ACME Inc", "Acme", "Smith & Co. GmbH", "N/A"]).tolist()
    ['acme', 'acme', 'acme', 'smith', None]
    """
    return name_keys(_column(values, "fold_names"), column="value", table="values").values()
