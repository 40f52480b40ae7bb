"""Markov-chain removal-effect attribution (data-driven, channel level): the model.

The chain's kernels (counting, the exact solve, the plain-Python twin) live in
:mod:`alignment.attribution._markov_chain`; see ``docs/attribution/markov.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np

from .._params import check_flag, is_integer, is_option
from ..base import AttributionModel, ChannelCredit
from ..errors import ParameterError
from ._credit import channel_codes
from ._markov_chain import (
    CONVERSION,
    NULL,
    START,
    MarkovChainCounts,
    MarkovFit,
    _py_markov,
    _py_solve,
    credit_from_fit,
    markov_counts,
    markov_removal_effects,
    markov_solve,
)
from ._stats import MarkovCounts, journey_arrays

if TYPE_CHECKING:
    from ..tables import Journeys

__all__ = [
    "CONVERSION",
    "NULL",
    "START",
    "MarkovAttribution",
    "MarkovChainCounts",
    "MarkovFit",
    "_py_markov",
    "_py_solve",
    "credit_from_fit",
    "markov_counts",
    "markov_removal_effects",
    "markov_solve",
]


class MarkovAttribution(AttributionModel):
    """Removal-effect attribution from the absorbing Markov chain of the journeys.

    Parameters
    ----------
    order : int, default 1
        Order ``k >= 1`` of the chain.  For ``k > 1`` a state is the tuple of the last (up to)
        ``k`` channels of the journey, oldest first (the first states of a journey hold fewer
        channels, as if the journey were padded with ``(start)``).  Removing a channel removes
        every state that contains it.
    collapse_repeats : bool, default True
        Merge consecutive touches of the same channel (``a > a > b`` becomes ``a > b``) before
        building the chain.  For ``order=1`` this does not change the result (a self-loop does
        not change absorption probabilities); for ``order > 1`` it does.
    revenue_basis : {"conversions", "value"}, default "conversions"
        How revenue is shared.  ``"conversions"``: revenue credit = normalised removal effect
        (on the conversion probability) × converted revenue, the same shares as conversions.
        ``"value"``: revenue credit uses removal effects computed on the value-weighted chain
        (the expected converted revenue per journey, ``1 - V_c / V``).

    Notes
    -----
    Uses converting and non-converting journeys; a journey counts ``conversions +
    non_conversions`` times (aggregated paths).  Credit: ``conversions_c = RE_c / sum(RE) ×
    total conversions``; ``revenue_c = RE_c / sum(RE) × converted revenue``.  With no
    conversion at all every channel gets 0 (the engine reports any converted revenue of
    journeys without eligible touches as unattributed).  Journeys without touches are not
    part of the chain; their conversions and revenue are not credited.

    ``ChannelCredit.details`` holds ``states`` (node labels), ``transition_matrix`` (row
    probabilities, numpy array; a ``scipy.sparse.csr_array`` above 2000 nodes),
    ``transition_counts``, ``removal_effects`` (dict channel → effect),
    ``removal_effects_value``, ``conversion_probability``, ``expected_value``, ``order``,
    ``n_paths``.
    """

    name: ClassVar[str] = "markov"
    description: ClassVar[str] = "Markov-chain removal effect (order k, exact, data-driven)"
    kind: ClassVar[Literal["touch", "channel"]] = "channel"

    def __init__(
        self,
        order: int = 1,
        collapse_repeats: bool = True,
        revenue_basis: Literal["conversions", "value"] = "conversions",
    ) -> None:
        self.order = order
        self.collapse_repeats = collapse_repeats
        self.revenue_basis = revenue_basis

    def validate_params(self) -> None:
        """Check ``order``, ``collapse_repeats`` and ``revenue_basis``."""
        if not is_integer(self.order) or self.order < 1:
            raise ParameterError(
                f"MarkovAttribution: order must be an integer >= 1, got {self.order!r}"
            )
        check_flag(self.collapse_repeats, "MarkovAttribution: collapse_repeats")
        if not is_option(self.revenue_basis, ("conversions", "value")):
            raise ParameterError(
                "MarkovAttribution: revenue_basis must be 'conversions' or 'value', "
                f"got {self.revenue_basis!r}"
            )

    def channel_credit(self, journeys: Journeys) -> ChannelCredit:
        """Credit per channel; see the class docstring."""
        self.validate_params()
        names, codes = channel_codes(journeys, purpose="enter the Markov chain")
        fit = markov_removal_effects(
            journeys.offsets,
            codes,
            len(names),
            np.asarray(journeys.conversions, dtype=np.float64),
            np.asarray(journeys.non_conversions, dtype=np.float64),
            np.asarray(journeys.revenue, dtype=np.float64),
            order=int(self.order),
            collapse_repeats=bool(self.collapse_repeats),
            channel_names=names,
        )
        return credit_from_fit(fit, names, revenue_basis=self.revenue_basis)

    # ------------------------------------------------------------ partition protocol
    def partial_stats(self, journeys: Journeys) -> MarkovCounts:
        """Transition counts of the chain keyed by channel names (additive across partitions)."""
        self.validate_params()
        names, offsets, codes, conv, non, rev = journey_arrays(
            journeys, purpose="enter the Markov chain"
        )
        return MarkovCounts.of(
            offsets,
            codes,
            names,
            conv,
            non,
            rev,
            order=int(self.order),
            collapse_repeats=bool(self.collapse_repeats),
        )

    def merge_stats(self, a: MarkovCounts, b: MarkovCounts) -> MarkovCounts:
        """Sum two partitions' transition counts."""
        return a.merge(b)

    def credit_from_stats(
        self, stats: MarkovCounts | None, channels: Sequence[str]
    ) -> ChannelCredit:
        """One exact solve of the summed chain."""
        self.validate_params()
        counts = stats if stats is not None else MarkovCounts(edges={}, value_in={}, names=set())
        return counts.credit(
            list(channels), order=int(self.order), revenue_basis=str(self.revenue_basis)
        )
