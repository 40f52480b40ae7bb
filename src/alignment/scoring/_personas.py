"""Match leads to :class:`alignment.Persona` definitions, vectorised over a lead table.

Criteria and the lead columns they read (override with ``columns=``):

=====================================  =====================  ==================================
persona field                          lead column            a lead meets it when
=====================================  =====================  ==================================
``industries``                         ``industry``           its industry is one of them
                                                              (case-insensitive)
``company_size_min`` / ``_max``        ``company_size``       ``min <= size <= max``
``titles``                             ``title``              its title contains a keyword
                                                              (case-insensitive)
``seniorities``                        ``seniority``, else    the seniority is one of them, or
                                       ``title``              (no seniority column) the title
                                                              contains one
``regions``                            ``country`` (and       its country / region is one of
                                       ``region`` if any)     them (case-insensitive)
=====================================  =====================  ==================================

A missing value never meets a criterion; a criterion the persona leaves unset is not counted.
Strategies: ``"first"`` — the first persona (in the given order) whose set criteria all hold;
``"best"`` — the persona meeting the most criteria (at least one; ties → the earlier persona).
Leads matching no persona get ``None`` and are listed in :attr:`PersonaMatch.unmatched`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .._columns import Categorical
from .._frame_types import level_frames
from .._params import is_option, number_sequence
from .._results import Result, frame_backend
from ..errors import DataValidationError, ParameterError

__all__ = ["DEFAULT_PERSONA_COLUMNS", "PersonaMatch", "assign_personas", "match_personas"]

#: persona criterion → lead column read by default
DEFAULT_PERSONA_COLUMNS: dict[str, str] = {
    "industries": "industry",
    "company_size": "company_size",
    "titles": "title",
    "seniorities": "seniority",
    "regions": "country",
}


@dataclass(frozen=True, repr=False)
class PersonaMatch(Result):
    """Result of :func:`match_personas`.

    Follows the result contract (``docs/results.md``): ``to_frame(level=None, backend=None)``
    with the levels ``"leads"`` (default: one row per lead) and ``"personas"`` (leads per
    persona), ``summary()``, ``_repr_html_()``, ``plot(ax=None)``.

    Attributes
    ----------
    index : ndarray of int64
        Position of the matched persona in the given list per lead, ``-1`` when unmatched.
    names : tuple of str
        Persona names, in the given order.
    n_met : ndarray of int64
        Criteria met by the matched persona (0 when unmatched).
    ids : ndarray
        Lead ids, in the table's row order.
    """

    index: np.ndarray
    names: tuple[str, ...]
    n_met: np.ndarray
    ids: np.ndarray
    #: the backend of the caller's leads (default of :meth:`to_frame`)
    backend: str = "dict"

    @property
    def persona(self) -> np.ndarray:
        """Persona name per lead (object array, ``None`` when unmatched)."""
        lut = np.empty(len(self.names) + 1, dtype=object)
        lut[0] = None
        lut[1:] = self.names
        return np.asarray(lut[self.index + 1], dtype=object)

    @property
    def categorical(self) -> Any:
        """The persona column as an :class:`alignment.Categorical` (sorted names, -1 = none)."""
        from .._frames import Categorical

        cats = np.asarray(sorted(set(self.names)), dtype=object)
        remap = np.full(len(self.names) + 1, -1, dtype=np.int32)
        for i, nm in enumerate(self.names):
            remap[i + 1] = int(np.searchsorted(cats, nm))
        return Categorical(remap[self.index + 1], cats)

    @property
    def unmatched(self) -> np.ndarray:
        """Row positions of the leads that match no persona."""
        return np.flatnonzero(self.index < 0)

    def counts(self) -> dict[str, int]:
        """Leads per persona (in the given order), plus ``None`` for the unmatched."""
        c = np.bincount(self.index + 1, minlength=len(self.names) + 1)
        out: dict[Any, int] = {nm: int(c[i + 1]) for i, nm in enumerate(self.names)}
        out[None] = int(c[0])
        return out

    levels = ("leads", "personas")

    def _persona_columns(self) -> dict[str, np.ndarray]:
        c = np.bincount(self.index + 1, minlength=len(self.names) + 1)
        names = np.empty(len(self.names) + 1, dtype=object)
        names[: len(self.names)] = self.names
        names[-1] = None  # the unmatched leads
        leads = np.concatenate([c[1:], c[:1]]).astype(np.int64)
        return {"persona": names, "leads": leads, "share": leads / max(int(c.sum()), 1)}

    @level_frames
    def to_frame(self, level: str | None = None, backend: str | None = None) -> Any:
        """``"leads"``: ``lead_id``, ``persona``, ``criteria_met`` per lead (the table's order);
        ``"personas"``: ``persona`` (``None`` = unmatched, last), ``leads``, ``share``."""
        from .._frames import to_native

        level, backend = self._frame_args(level, backend)
        if level == "personas":
            return to_native(self._persona_columns(), frame_backend(backend, self.backend))
        return to_native(
            {"lead_id": self.ids, "persona": self.persona, "criteria_met": self.n_met},
            frame_backend(backend, self.backend),
        )

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"PersonaMatch(leads={s['leads']}, matched={s['matched']}, "
            f"unmatched={s['unmatched']}, personas={self.names!r})"
        )

    def summary(self) -> dict[str, Any]:
        """Leads, matched and unmatched counts, personas given."""
        unmatched = int(np.count_nonzero(self.index < 0))
        return {
            "leads": int(self.index.size),
            "matched": int(self.index.size) - unmatched,
            "unmatched": unmatched,
            "personas": len(self.names),
        }

    def _repr_html_(self) -> str:
        from .._display import preview

        s = self.summary()
        return preview(
            f"Persona match — {s['matched']:,} of {s['leads']:,} leads matched",
            self._persona_columns(),
            max_rows=None,
            rates=True,
        )

    def plot(self, ax: Any = None) -> tuple[Any, Any]:
        """Bar chart of the leads per persona, unmatched included (needs the ``plot`` extra)."""
        from .._charts import bar_totals

        cols = self._persona_columns()
        totals = {
            "(unmatched)" if p is None else str(p): float(n)
            for p, n in zip(cols["persona"], cols["leads"])
        }
        return bar_totals(
            totals, ax=ax, title="Leads per persona", ylabel="leads", xlabel="persona"
        )


def _lower_categories(cat: Any) -> np.ndarray:
    """The categories lower-cased, surrounding whitespace removed: a persona's keywords are
    stripped (:class:`alignment.Persona`), so ``"Software "`` in an export matches ``"software"``."""
    cats = np.asarray(cat.categories, dtype=object).astype(str)
    return np.char.strip(np.char.lower(cats)) if cats.size else cats.astype(str)


def _cat_lut(cat: Any, mask_on_categories: np.ndarray) -> np.ndarray:
    lut = np.zeros(mask_on_categories.size + 1, dtype=bool)
    lut[1:] = mask_on_categories
    return np.asarray(lut[np.asarray(cat.codes) + 1], dtype=bool)


def _keyword_mask(cat: Any, keywords: Any) -> np.ndarray:
    """Per lead: its category contains one of ``keywords`` (case-insensitive substring)."""
    low = _lower_categories(cat)
    hit = np.zeros(low.size, dtype=bool)
    for kw in keywords:  # loop over keywords
        hit |= np.char.find(low, kw.lower()) >= 0
    return _cat_lut(cat, hit)


def _get_cat(leads: Any, column: str, criterion: str, persona: str) -> Any:
    if column in leads.categorical:
        return leads.categorical[column]
    numbers = leads.numeric.get(column)
    if numbers is not None and np.isnan(np.asarray(numbers, dtype=np.float64)).all():
        # a column of missing values only (an empty export column): no lead meets it
        return Categorical(np.full(len(numbers), -1, np.int32), np.empty(0, dtype=object))
    found = "have no" if numbers is None else "hold numbers, not text, in their"
    raise DataValidationError(
        f"persona {persona!r} uses {criterion}, but the leads {found} {column!r} column",
        table="leads",
        column=column,
        fix=f"add a {column!r} column of text or map the criterion with "
        f"columns={{'{criterion}': ...}}",
    )


def _company_sizes(leads: Any, column: str, persona: str) -> np.ndarray:
    """The company sizes of the leads (NaN: missing); flags (``True``/``False``) are no size."""
    flags = getattr(leads, "exact", {}).get(column)
    is_flags = flags is not None and flags.dtype.kind == "O"  # (LeadTable.exact: flags)
    if column not in leads.numeric or is_flags:
        found = f"{column!r} column holds flags (True/False)" if is_flags else "column"
        raise DataValidationError(
            f"persona {persona!r} uses a company-size range, but the leads have no numeric "
            f"{found if is_flags else repr(column) + ' column'}",
            table="leads",
            column=column,
            fix="add company_size (employees) or map it with columns={'company_size': ...}",
        )
    return np.asarray(leads.numeric[column], dtype=np.float64)


def _criteria(leads: Any, persona: Any, cols: Mapping[str, str]) -> list[np.ndarray]:
    """One bool mask per criterion the persona sets."""
    out: list[np.ndarray] = []
    name = persona.name
    if persona.industries:
        cat = _get_cat(leads, cols["industries"], "industries", name)
        wanted = np.asarray([s.lower() for s in persona.industries])
        out.append(_cat_lut(cat, np.isin(_lower_categories(cat), wanted)))
    if persona.company_size_min is not None or persona.company_size_max is not None:
        x = _company_sizes(leads, cols["company_size"], name)
        m = ~np.isnan(x)
        if persona.company_size_min is not None:
            m &= x >= persona.company_size_min
        if persona.company_size_max is not None:
            m &= x <= persona.company_size_max
        out.append(m)
    if persona.titles:
        cat = _get_cat(leads, cols["titles"], "titles", name)
        out.append(_keyword_mask(cat, persona.titles))
    if persona.seniorities:
        col = cols["seniorities"]
        if col in leads.categorical:
            cat = leads.categorical[col]
            wanted = np.asarray([s.lower() for s in persona.seniorities])
            out.append(_cat_lut(cat, np.isin(_lower_categories(cat), wanted)))
        else:
            cat = _get_cat(leads, cols["titles"], "seniorities", name)
            out.append(_keyword_mask(cat, persona.seniorities))
    if persona.regions:
        wanted = np.asarray([s.lower() for s in persona.regions])
        names = [cols["regions"]] + (["region"] if "region" in leads.categorical else [])
        names = [c for c in dict.fromkeys(names) if c in leads.categorical]
        if not names:
            _get_cat(leads, cols["regions"], "regions", name)
        m = np.zeros(int(leads.n_leads), dtype=bool)
        for c in names:
            cat = leads.categorical[c]
            m |= _cat_lut(cat, np.isin(_lower_categories(cat), wanted))
        out.append(m)
    return out


def match_personas(
    leads: Any,
    personas: Sequence[Any],
    *,
    strategy: str = "first",
    columns: Mapping[str, str] | None = None,
) -> PersonaMatch:
    """Match every lead to one persona.

    Parameters
    ----------
    leads : LeadTable or anything :meth:`alignment.LeadTable.build` accepts
    personas : sequence of alignment.Persona (or dicts of its fields)
        A list, tuple or 1-D array; names must be unique. A single persona goes in a list
        (``[persona]``).
    strategy : {"first", "best"}, default "first"
        See the module notes: first full match in order, or most criteria met.
    columns : mapping, optional
        Criterion → lead column overrides (keys of :data:`DEFAULT_PERSONA_COLUMNS`).

    Returns
    -------
    PersonaMatch

    Raises
    ------
    ParameterError
        If ``personas`` is not a list, tuple or 1-D array (``None``, a single persona, text),
        its names repeat, ``strategy`` or a ``columns`` key is unknown.

    Examples
    --------
    >>> import alignment
    >>> leads = alignment.LeadTable.build({
    ...     "lead_id": ["a", "b"], "created_at": ["2024-01-01", "2024-01-02"],
    ...     "industry": ["Software", "Retail"], "title": ["VP Engineering", "Clerk"]})
    >>> it = alignment.Persona(name="IT leader", industries=("software",), titles=("vp", "cto"))
    >>> match_personas(leads, [it]).persona.tolist()
    ['IT leader', None]
    """
    from ..models import Persona
    from ..tables import LeadTable

    if not is_option(strategy, ("first", "best")):
        raise ParameterError(f"strategy must be 'first' or 'best', got {strategy!r}")
    items = number_sequence(personas)
    if items is None:
        raise ParameterError(
            "personas must be a list or tuple of alignment.Persona (or dicts of their fields), "
            f"got {type(personas).__name__} {personas!r}; put a single persona in a list"
        )
    table = leads if isinstance(leads, LeadTable) else LeadTable.build(leads)
    plist = [p if isinstance(p, Persona) else Persona.model_validate(p) for p in items]
    names = tuple(p.name for p in plist)
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ParameterError(f"persona names must be unique; repeated: {dup}")
    cols = dict(DEFAULT_PERSONA_COLUMNS)
    if columns:
        unknown = sorted(set(columns) - set(cols))
        if unknown:
            raise ParameterError(
                f"unknown persona criteria {unknown}; known: {sorted(DEFAULT_PERSONA_COLUMNS)}"
            )
        cols.update(columns)
    n = table.n_leads
    index = np.full(n, -1, dtype=np.int64)
    n_met = np.zeros(n, dtype=np.int64)
    for k, p in enumerate(plist):
        masks = _criteria(table, p, cols)
        met = np.zeros(n, dtype=np.int64)
        for m in masks:
            met += m
        if strategy == "first":
            full = met == len(masks)
            take = full & (index < 0)
        else:
            take = (met >= 1) & (met > n_met)
        index[take] = k
        n_met[take] = met[take]
    return PersonaMatch(index=index, names=names, n_met=n_met, ids=table.ids, backend=table.backend)


def assign_personas(
    leads: Any,
    personas: Sequence[Any],
    *,
    strategy: str = "first",
    columns: Mapping[str, str] | None = None,
    column: str = "persona",
) -> Any:
    """Return the lead table with a ``persona`` column set from :func:`match_personas`.

    The column (a categorical, ``None`` for unmatched leads) replaces any existing one, so the
    persona can be used as a ``by`` key by the other engines.
    """
    from ..tables import LeadTable

    table = leads if isinstance(leads, LeadTable) else LeadTable.build(leads)
    match = match_personas(table, personas, strategy=strategy, columns=columns)
    cats = dict(table.categorical)
    cats[column] = match.categorical
    return replace(table, categorical=cats)
