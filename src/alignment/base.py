"""Model contracts: what an attribution model and a scorer must provide.

The contract follows scikit-learn's estimator conventions:

* ``__init__`` stores its keyword parameters verbatim as attributes of the same name and does
  nothing else (validation happens in :meth:`Estimator.validate_params`, called by ``fit`` /
  ``weights`` / ``score``);
* ``fit`` (where a model learns) returns ``self``; learned state is stored in attributes whose
  names end in ``_``; using a model that needs fitting before ``fit`` raises
  :class:`alignment.NotFittedError`;
* :meth:`Estimator.get_params` returns the constructor parameters, so a model can be cloned.

An attribution model is *rule-based* (``kind = "touch"``: it returns one weight per touch,
each converted journey's weights summing to 1) or *data-driven* (``kind = "channel"``: it
returns credit per channel).  A scorer returns per-lead arrays including ``"score"``.

See ``docs/plugins/contracts.md``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

import numpy as np

from ._frames import read_only_view
from .errors import NotFittedError

if TYPE_CHECKING:
    from .tables import Journeys, LeadTable

__all__ = [
    "AttributionModel",
    "ChannelCredit",
    "Estimator",
    "Scorer",
    "check_is_fitted",
    "clone",
]

_E = TypeVar("_E", bound="Estimator")


class Estimator:
    """Base of every model: parameter introspection in the scikit-learn spirit.

    Subclasses declare their parameters as keyword arguments of ``__init__`` and store each
    one, unchanged, under the same attribute name.
    """

    #: registry name (set by the registry when the class is registered under a name)
    name: ClassVar[str] = ""
    #: one-line description shown by the registries
    description: ClassVar[str] = ""
    #: whether ``fit`` must be called before use
    requires_fit: ClassVar[bool] = False

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self) -> dict[str, Any]:
        """Return the constructor parameters as stored on the instance."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self: _E, **params: Any) -> _E:
        """Set constructor parameters; unknown names raise :class:`alignment.ParameterError`."""
        from .errors import ParameterError

        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise ParameterError(
                    f"{type(self).__name__} has no parameter {key!r}; valid: {sorted(valid)}"
                )
            setattr(self, key, value)
        return self

    def validate_params(self) -> None:
        """Check the stored parameters; raise :class:`alignment.ParameterError` if invalid.

        The default accepts everything; models override it.
        """

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


def clone(model: _E) -> _E:
    """Return an unfitted copy of ``model`` with the same parameters."""
    return type(model)(**model.get_params())


def check_is_fitted(model: Estimator, attributes: tuple[str, ...] | None = None) -> None:
    """Raise :class:`alignment.NotFittedError` if ``model`` has not been fitted.

    Parameters
    ----------
    model : Estimator
        The model.
    attributes : tuple of str, optional
        Learned attributes to look for; default: any attribute ending in ``_`` that does not
        start with ``_``.
    """
    if attributes is not None:
        fitted = all(hasattr(model, a) for a in attributes)
    else:
        fitted = any(k.endswith("_") and not k.startswith("_") for k in vars(model))
    if not fitted:
        raise NotFittedError(
            f"this {type(model).__name__} is not fitted yet; call fit(...) before using it"
        )


def _own_copy(value: Any) -> Any:
    """``value`` with every mapping and list inside it (at any depth) copied, and every array
    a read-only view: editing the copy changes nothing it was made from."""
    if isinstance(value, np.ndarray):
        return read_only_view(value)
    if isinstance(value, Mapping):
        return {k: _own_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_own_copy(v) for v in value]
    return value


class ChannelCredit(Mapping[str, float]):
    """Credit per channel returned by data-driven attribution models.

    Parameters
    ----------
    conversions : Mapping[str, float]
        Fractional conversions credited to each channel (sums to the number of conversions).
    revenue : Mapping[str, float]
        Revenue credited to each channel (sums to the converted revenue).
    details : Mapping[str, Any], optional
        Model-specific extras (e.g. transition matrix, removal effects).

    Notes
    -----
    As a mapping, it reads as ``revenue``.  It keeps its own copies, which cannot be changed:
    ``conversions`` and ``revenue`` are read-only mappings, ``details`` is a new copy of its
    mappings and lists at every read, and the arrays in it are read-only.
    """

    def __init__(
        self,
        conversions: Mapping[str, float],
        revenue: Mapping[str, float],
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.conversions: Mapping[str, float] = MappingProxyType(dict(conversions))
        self.revenue: Mapping[str, float] = MappingProxyType(dict(revenue))
        self._details: dict[str, Any] = _own_copy(dict(details or {}))

    @property
    def details(self) -> dict[str, Any]:
        """Model-specific extras (a copy: editing it changes nothing of the credit)."""
        out: dict[str, Any] = _own_copy(self._details)
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        # (a read-only mapping is not picklable: rebuilt from plain copies)
        return (ChannelCredit, (dict(self.conversions), dict(self.revenue), self._details))

    def __getitem__(self, key: str) -> float:
        return self.revenue[key]

    def __iter__(self) -> Any:
        return iter(self.revenue)

    def __len__(self) -> int:
        return len(self.revenue)

    def __repr__(self) -> str:
        return f"ChannelCredit(revenue={dict(self.revenue)!r})"


class AttributionModel(Estimator):
    """Contract of an attribution model.

    Rule-based models (``kind = "touch"``) implement :meth:`weights`; data-driven models
    (``kind = "channel"``) implement :meth:`channel_credit`.  Models that learn from the data
    (``requires_fit = True``) implement :meth:`fit`.

    The engine (:func:`alignment.attribute`) passes models only *eligible* touches: touches at
    or after the conversion time and outside the lookback window are removed beforehand.
    """

    kind: ClassVar[Literal["touch", "channel"]] = "touch"

    def fit(self: _E, journeys: Journeys) -> _E:
        """Learn from ``journeys`` (rule-based models: validate parameters only). Returns ``self``."""
        self.validate_params()
        return self

    def weights(self, journeys: Journeys) -> np.ndarray:
        """Per-touch weights, ``float64`` of length ``journeys.n_touches``.

        For every converted journey with at least one touch, its weights are non-negative,
        finite and sum to 1.  Weights of touches in journeys without a conversion are 0.
        """
        raise NotImplementedError(f"{type(self).__name__} does not compute per-touch weights")

    def channel_credit(self, journeys: Journeys) -> ChannelCredit:
        """Credit per channel (data-driven models)."""
        raise NotImplementedError(f"{type(self).__name__} does not compute channel credit")

    # ------------------------------------------------------------ the partition protocol
    # A backend that splits the journeys into partitions (alignment.dask) runs a model through
    # these.  Rule models (kind "touch", no fit) need none of them: their weights are per
    # journey.  A data-driven model runs partitioned when it implements all three.

    def partial_stats(self, journeys: Journeys) -> Any:
        """Sufficient statistic of the (eligible) journeys of one partition.

        Implemented by data-driven models that can run partitioned; the statistic must be
        additive: ``merge_stats`` of the statistics of two partitions is the statistic of their
        union, and :meth:`credit_from_stats` of the merged statistic equals
        :meth:`channel_credit` on all the journeys.
        """
        raise NotImplementedError(f"{type(self).__name__} does not compute partial statistics")

    def merge_stats(self, a: Any, b: Any) -> Any:
        """Combine two statistics of :meth:`partial_stats` (associative and commutative)."""
        raise NotImplementedError(f"{type(self).__name__} does not merge partial statistics")

    def credit_from_stats(self, stats: Any, channels: Sequence[str]) -> ChannelCredit:
        """Channel credit from the merged statistic of every partition.

        ``stats`` is ``None`` when no partition had a journey to credit; ``channels`` is the
        sorted vocabulary of every partition's channels.
        """
        raise NotImplementedError(f"{type(self).__name__} does not credit from statistics")

    @classmethod
    def partitionable(cls) -> bool:
        """Whether a backend can run this model partition by partition.

        True for per-journey rule models (``kind = "touch"`` that need no fit) and for models
        that implement :meth:`partial_stats`, :meth:`merge_stats` and :meth:`credit_from_stats`.
        """
        if cls.kind == "touch" and not cls.requires_fit:
            return True
        return all(
            getattr(cls, m) is not getattr(AttributionModel, m)
            for m in ("partial_stats", "merge_stats", "credit_from_stats")
        )


class Scorer(Estimator):
    """Contract of a lead scorer.

    ``score`` returns a mapping of per-lead ``numpy`` arrays, each of length
    ``leads.n_leads`` and in the lead table's row order, with at least the key ``"score"``
    (``float64``, finite, higher means a better lead).  Optional keys by convention:
    ``"fit"``, ``"interest"``, ``"cell"``, ``"action"``, ``"probability"``.
    """

    def fit(
        self: _E,
        leads: LeadTable,
        y: Any = None,
        *,
        touchpoints: Journeys | None = None,
        sample_weight: Any = None,
    ) -> _E:
        """Learn from leads and outcomes (rule-based scorers: validate parameters). Returns ``self``."""
        self.validate_params()
        return self

    def score(
        self, leads: LeadTable, touchpoints: Journeys | None = None
    ) -> Mapping[str, np.ndarray]:
        """Score every lead of ``leads``; see the class docstring for the returned mapping."""
        raise NotImplementedError
