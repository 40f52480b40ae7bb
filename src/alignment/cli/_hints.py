"""The library's error hints in command-line words.

The library's messages name Python parameters (``pass dayfirst=True``, ``use by='channel'``,
``pass its name (e.g. time='my_time_column')``); on the command line the same advice is an
option (``--dayfirst true``, ``--by channel``, ``--time-col COLUMN``).  :data:`FLAGS` is the one
table from parameter names to options; :func:`cli_hint` rewrites a message with it.

Only the library's own advice is rewritten, never the user's data: text inside quotes (``'...'``
or ``"..."``, as the library shows a user's value or name) is left as given, the command line's
own messages (:class:`~alignment.cli.CLIError`) are already in its words, and printed tables are
data, never rewritten.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Collection, Mapping

from .._colnames import FIXED_NAME, NAME_IT

__all__ = ["COLUMN_FLAGS", "FLAGS", "PLAIN_FILE_FIXES", "cli_hint"]

#: a parameter of the library's functions -> the option of the command line that sets it
FLAGS: dict[str, str] = {
    "lead": "--lead-id",
    "leads": "--leads",
    "conversions": "--conversions",
    "time": "--time-col",
    "channel": "--channel-col",
    "converted_at": "--converted-at-col",
    "revenue": "--revenue-col",
    "by": "--by",
    "level": "--level",
    "model": "--model",
    "scorer": "--scorer",
    "half_life": "--half-life",
    "lookback": "--lookback",
    "as_of": "--as-of",
    "tz": "--tz",
    "dayfirst": "--dayfirst",
    "date_format": "--date-format",
    "decimal": "--decimal",
    "won_stages": "--won-stage",
    "columns": "--map",
    "rates": "--currency-rate",
    "stages": "--stages",
    "mode": "--mode",
    "allocate": "--allocate",
    "revenue_target": "--target",
    "average_deal_size": "--deal-size",
    "marketing_share": "--share",
    "periods": "--periods",
}

#: our column -> the option naming the user's column for it (else ``--map YOURS=column``)
COLUMN_FLAGS: dict[str, str] = {
    "lead_id": "--lead-id",
    "created_at": "--created-at",
    "timestamp": "--time-col",
    "channel": "--channel-col",
    "converted_at": "--converted-at-col",
    "revenue": "--revenue-col",
}

#: what works on plain files in place of an option that only applies to a CRM export
PLAIN_FILE_FIXES: dict[str, str] = {
    "--tz": "write every instant of the column with its offset (2024-03-05T09:30:00-05:00), or "
    "every one without (read as UTC)",
    "--dayfirst": "write the dates as ISO-8601 (2024-03-05 or 2024-03-05T09:30:00Z)",
    "--date-format": "write the dates as ISO-8601 (2024-03-05 or 2024-03-05T09:30:00Z)",
    "--decimal": "write the amounts with a decimal point (1234.56)",
    "--currency-rate": "write the amounts in one currency",
}
_PLAIN_FLAG = re.compile(
    r"(?<![\w-])(" + "|".join(map(re.escape, PLAIN_FILE_FIXES)) + r")(?![\w-])"
)

#: what an option takes when the message gives no value, and how a mapping value is written
_PLACEHOLDER = {
    "--map": "THEIRS=OURS",
    "--currency-rate": "CURRENCY=FACTOR",
    "--leads": "FILE",
    "--conversions": "FILE",
}
#: options whose value is a column (or file) name: only a quoted name (or none) becomes one
_NAMED_VALUE = {*COLUMN_FLAGS.values(), "--leads", "--conversions"}

_VALUE = (
    r"'[^']*'|\"[^\"]*\"|\[[^\]]*\]|\{(?:[^{}]|\{[^{}]*\})*\}|True|False|None"
    r"|-?\d+(?:\.\d+)?[a-z]*|\.\.\."
)
_NAMES = "|".join(sorted(map(re.escape, FLAGS), key=len, reverse=True))
# name=value, also inside a call such as totals(by='campaign') (the call is dropped)
_PARAM = re.compile(
    rf"(?:\b[A-Za-z_][\w.]*\((?P<cname>{_NAMES})=(?P<cvalue>{_VALUE})?\))"
    rf"|(?<![\w.\-])(?<!--param )(?P<name>{_NAMES})=(?P<value>{_VALUE})?"
)
# "--by channel / --by channel": one alternative, once
_REPEATED = re.compile(r"(--[\w-]+ [^\s/,;]+) / \1(?![^\s/,;])")
_GENERIC_COLUMN_HINT = NAME_IT.removeprefix("rename the column or ")
# a quoted text (a user's value or name as the library shows it): an opening quote not inside a
# word (so the apostrophe of "don't" opens none), up to the same quote not escaped
_QUOTED = re.compile(r"(?<![\w\\])(['\"])((?:(?!\1)[^\\]|\\.)*)\1")


def _masked(text: str) -> str:
    """``text`` with the inside of every quoted text blanked (same length, no names left)."""
    return _QUOTED.sub(lambda m: m[1] + "\0" * len(m[2]) + m[1], text)


def _sub_outside_quotes(
    pattern: re.Pattern[str], text: str, repl: Callable[[re.Match[str], str], str]
) -> str:
    """:meth:`re.Pattern.sub` over the text outside quotes only.

    ``pattern`` is matched against the masked text (so no match starts inside a quote);
    ``repl(match, text)`` reads the groups' original characters from ``text`` by the match's
    spans.
    """
    out, last = [], 0
    for m in pattern.finditer(_masked(text)):
        out += [text[last : m.start()], repl(m, text)]
        last = m.end()
    return "".join([*out, text[last:]])


def _group(m: re.Match[str], text: str, name: str | int) -> str | None:
    """The original characters of group ``name`` of a match on the masked text."""
    start, end = m.span(name)
    return None if start < 0 else text[start:end]


def _words(flag: str, value: str | None, placeholders: Mapping[str, str]) -> str:
    """The option with a value written as the command line writes it."""
    if value is None or value in ("[...]", "...") or value.startswith("{"):
        return f"{flag} {placeholders[flag]}" if flag in placeholders else flag
    if value in ("'your_column'", '"your_column"'):  # (the library's name for the caller's)
        return f"{flag} YOURS"
    if value in ("True", "False"):
        return f"{flag} {value.lower()}"
    if value == "None":
        return flag
    if value.startswith("["):
        items = re.findall(r"'([^']*)'|\"([^\"]*)\"", value)
        texts = [a or b for a, b in items]
        return " ".join(f"{flag} {shlex.quote(t)}" for t in texts) or flag
    if value[:1] in "'\"":
        text = value[1:-1]
        if flag == "--level" and text not in ("key", "touch"):
            flag = "--by"  # level='channel' is the roll-up key on the command line
        return f"{flag} {shlex.quote(text)}"
    return f"{flag} {value}"


def cli_hint(
    text: str,
    *,
    column: str | None = None,
    table: str | None = None,
    options: Collection[str] = (),
) -> str:
    """``text`` (a library message) with its Python parameters written as options.

    Parameters
    ----------
    text : str
        The message.
    column : str, optional
        The missing column of a :class:`~alignment.errors.MissingColumnError`: the generic
        "pass its name" hint becomes the option naming that column (``--lead-id COLUMN``), or
        ``--map YOURS=column`` where the command has no such option.
    table : str, optional
        The table of the error: ``columns={...}`` becomes ``--map TABLE.THEIRS=column``.
    options : collection of str
        The option strings the running command takes (empty: any option of :data:`FLAGS`).
        An option of :data:`PLAIN_FILE_FIXES` the message advises but not among them is
        followed by what works on plain files.

    Examples
    --------
    >>> cli_hint("pass dayfirst=True or dayfirst=False, or date_format= (e.g. '%d.%m.%Y')")
    "pass --dayfirst true or --dayfirst false, or --date-format (e.g. '%d.%m.%Y')"
    >>> cli_hint("use by='channel' / level='channel', or level='touch'")
    'use --by channel, or --level touch'
    """
    # on the command line, --map names any column (one the library's functions fix included)
    text = text.replace(FIXED_NAME, NAME_IT)
    if _GENERIC_COLUMN_HINT in text:
        flag = COLUMN_FLAGS.get(column or "")
        if column and flag and (not options or flag in options):
            hint = f"name yours with {flag} YOURS"
        else:
            hint = f"name yours with --map YOURS={column or 'OURS'}"
        text = text.replace(_GENERIC_COLUMN_HINT, hint)

    placeholders = dict(_PLACEHOLDER)
    if column:
        placeholders["--map"] = f"{table + '.' if table else ''}THEIRS={column}"

    def option(m: re.Match[str], text: str) -> str:
        name = _group(m, text, "name") or _group(m, text, "cname")
        value = _group(m, text, "value" if m.group("name") else "cvalue")
        assert name is not None
        flag = FLAGS[name]
        if flag in _NAMED_VALUE and value is not None and value[:1] not in "'\"[.":
            # not a name (lead=0.04): no option to advise, the text stays
            return text[m.start() : m.end()]
        return _words(flag, value, placeholders)

    def once(m: re.Match[str], text: str) -> str:
        first = _group(m, text, 1)
        whole = text[m.start() : m.end()]
        return first if first is not None and whole == f"{first} / {first}" else whole

    rewritten = _sub_outside_quotes(_PARAM, text, option)
    return _plain_fixes(_sub_outside_quotes(_REPEATED, rewritten, once), options)


def _plain_fixes(text: str, options: Collection[str]) -> str:
    """``text`` with, for each option it advises that the command does not take now (one of
    :data:`PLAIN_FILE_FIXES` on plain files: not in ``options``), what works instead."""
    if not options:
        return text
    named = dict.fromkeys(m[1] for m in _PLAIN_FLAG.finditer(_masked(text)))
    missing = [flag for flag in named if flag not in options]
    fixes = dict.fromkeys(PLAIN_FILE_FIXES[flag] for flag in missing)
    if not fixes:
        return text
    return (
        f"{text}; {' and '.join(missing)} appl{'y' if len(missing) > 1 else 'ies'} to a CRM "
        f"export (--preset) only: in a plain file, {'; '.join(fixes)}"
    )
