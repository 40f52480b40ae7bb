"""On Dask too, a third-party model's partition methods are guarded (exceptions name it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import numpy as np
import pytest
from _plugins_helpers import temporary_plugin

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe", reason="dask is not installed (extra 'dask')")

import alignment  # noqa: E402
import alignment.dask  # noqa: E402
from alignment.base import AttributionModel, ChannelCredit, Scorer  # noqa: E402
from alignment.errors import PluginError  # noqa: E402
from alignment.testing import make_lead_data  # noqa: E402


class _Protocol(AttributionModel):
    """A data-driven model with the partition protocol (everything to one channel)."""

    name: ClassVar[str] = "guard_dask_protocol"
    description: ClassVar[str] = "partition protocol"
    kind: ClassVar[Literal["touch", "channel"]] = "channel"

    def channel_credit(self, journeys: Any) -> ChannelCredit:
        return self.credit_from_stats(self.partial_stats(journeys), [])

    def partial_stats(self, journeys: Any) -> float:
        return float(journeys.revenue.sum())

    def merge_stats(self, a: float, b: float) -> float:
        return a + b

    def credit_from_stats(self, stats: Any, channels: Any) -> ChannelCredit:
        return ChannelCredit({"all": 1.0}, {"all": float(stats or 0.0)})


class StatsRaise(_Protocol):
    name: ClassVar[str] = "guard_dask_stats_raise"

    def partial_stats(self, journeys: Any) -> float:
        raise OverflowError("too many journeys")


class CreditRaises(_Protocol):
    name: ClassVar[str] = "guard_dask_credit_raises"

    def credit_from_stats(self, stats: Any, channels: Any) -> ChannelCredit:
        raise LookupError("no channel")


class StatsAddColumn(_Protocol):
    name: ClassVar[str] = "guard_dask_stats_add"

    def partial_stats(self, journeys: Any) -> float:
        journeys.touch_numeric["leak"] = journeys.time
        return super().partial_stats(journeys)


class MergeRaises(_Protocol):
    name: ClassVar[str] = "guard_dask_merge_raises"

    def merge_stats(self, a: float, b: float) -> float:
        raise ArithmeticError("cannot add")


class MergeInPlace(_Protocol):
    """Merges into its first argument (allowed: it gets copies), same numbers as memory."""

    name: ClassVar[str] = "guard_dask_merge_in_place"

    def partial_stats(self, journeys: Any) -> Any:
        return {"revenue": [float(journeys.revenue.sum())]}

    def merge_stats(self, a: Any, b: Any) -> Any:
        a["revenue"][0] += b["revenue"][0]
        return a

    def channel_credit(self, journeys: Any) -> ChannelCredit:
        names = [str(c) for c in journeys.channel.categories]
        return self.credit_from_stats(self.partial_stats(journeys), names)

    def credit_from_stats(self, stats: Any, channels: Any) -> ChannelCredit:
        first = sorted(channels)[0]  # everything to the first channel
        return ChannelCredit({first: 1.0}, {first: float(stats["revenue"][0])})


def test_in_place_merges_get_copies_and_the_in_memory_numbers() -> None:
    crm = alignment.datasets.synthetic_crm(n_leads=60, seed=1)
    frames = crm.to_frames("pandas")
    conversions = pd.DataFrame(frames["conversions"])
    touches = dd.from_pandas(frames["touchpoints"], npartitions=3)
    got = alignment.dask.attribute(
        touches, dd.from_pandas(conversions, npartitions=2), model=MergeInPlace()
    )
    want = alignment.attribute(frames["touchpoints"], conversions, model=MergeInPlace())
    assert got.totals() == pytest.approx(want.totals(), rel=1e-9)


@pytest.mark.parametrize(
    ("model", "needle"),
    [
        (MergeRaises(), "raised ArithmeticError in merge_stats"),
        (StatsRaise(), "raised OverflowError in partial_stats"),
        (CreditRaises(), "raised LookupError in credit_from_stats"),
        (StatsAddColumn(), r"changed the journeys.*key\(s\) added \['leak'\]"),
    ],
)
def test_partition_methods_are_guarded(model: AttributionModel, needle: str) -> None:
    crm = alignment.datasets.synthetic_crm(n_leads=60, seed=1)
    frames = crm.to_frames("pandas")
    touches = dd.from_pandas(frames["touchpoints"], npartitions=2)
    conversions = dd.from_pandas(pd.DataFrame(frames["conversions"]), npartitions=2)
    with pytest.raises(PluginError, match=needle) as info:
        alignment.dask.attribute(touches, conversions, model=model)
    assert f"attribution model {type(model).name!r}" in str(info.value)
    assert info.value.__cause__ is not None or "changed" in needle


# ------------------------------------ what Dask asks of a model before running it: guarded


class PartitionableRaises(_Protocol):
    @classmethod
    def partitionable(cls) -> bool:
        raise NotImplementedError("not decided")


class PartitionableText(_Protocol):
    @classmethod
    def partitionable(cls) -> Any:
        return "yes"


class ValidationRaises(_Protocol):
    def validate_params(self) -> None:
        raise ZeroDivisionError("bad settings")


@pytest.mark.parametrize(
    ("model", "needle"),
    [
        (PartitionableRaises(), "raised NotImplementedError in partitionable\\(\\)"),
        (PartitionableText(), "partitionable\\(\\) returned str; expected a bool"),
        (ValidationRaises(), "raised ZeroDivisionError in validate_params\\(\\)"),
    ],
)
def test_the_checks_of_a_model_on_dask_are_guarded(model: AttributionModel, needle: str) -> None:
    crm = alignment.datasets.synthetic_crm(n_leads=40, seed=2)
    frames = crm.to_frames("pandas")
    touches = dd.from_pandas(frames["touchpoints"], npartitions=2)
    conversions = dd.from_pandas(pd.DataFrame(frames["conversions"]), npartitions=2)
    with pytest.raises(PluginError, match=needle) as info:
        alignment.attribute(touches, conversions, model=model)
    assert str(info.value).startswith(f"plugin {type(model).name!r}: attribution model")
    assert info.value.__cause__ is not None or "returned" in needle


# --------------------- a scorer's as_of fixed on Dask: get_params, a copy, set_params(as_of=)


class AsOf(Scorer):
    """Scores every lead 0 (a scorer with the grid's data-dependent default, ``as_of``)."""

    description: ClassVar[str] = "as_of scorer"

    def __init__(self, as_of: Any = None) -> None:
        self.as_of = as_of

    def score(self, leads: Any, touchpoints: Any = None) -> Mapping[str, np.ndarray]:
        return {"score": np.zeros(leads.n_leads)}


class GetRaises(AsOf):
    def get_params(self) -> dict[str, Any]:
        raise RuntimeError("no parameters")


class GetList(AsOf):
    def get_params(self) -> Any:
        return [("as_of", self.as_of)]


class GetExtra(AsOf):
    def get_params(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "window": None}  # the constructor takes no window


class SetRaises(AsOf):
    def set_params(self, **params: Any) -> Any:
        raise KeyError("as_of")


class SetReturnsNone(AsOf):
    def set_params(self, **params: Any) -> Any:
        super().set_params(**params)


class SetIgnores(AsOf):
    def set_params(self, **params: Any) -> Any:
        return self  # as_of stays None: each partition would pick its own


class AsOfPlugin:
    """Registers the scorers above as plugin ``guard_as_of``."""

    @alignment.hookimpl
    def register_scorers(self, register: Any) -> None:
        for cls in (GetRaises, GetList, GetExtra, SetRaises, SetReturnsNone, SetIgnores):
            register(cls, name=f"guard_{cls.__name__.lower()}")


@pytest.mark.parametrize(
    ("cls", "needle", "cause"),
    [
        (GetRaises, "raised RuntimeError in get_params\\(\\): no parameters", RuntimeError),
        (GetList, "get_params\\(\\) returned list; it must return a dict", None),
        (GetExtra, "raised TypeError in its constructor with parameters", TypeError),
        (SetRaises, "raised KeyError in set_params\\(\\)", KeyError),
        (SetReturnsNone, "set_params\\(\\) returned NoneType; it must return the model", None),
        (SetIgnores, "set_params\\(as_of=...\\) left 'as_of' at None", None),
    ],
)
def test_fixing_a_scorer_as_of_on_dask_is_guarded(
    cls: type[AsOf], needle: str, cause: type[Exception] | None
) -> None:
    leads, touches, _ = make_lead_data()
    name = f"guard_{cls.__name__.lower()}"
    with temporary_plugin(AsOfPlugin(), "guard_as_of"):
        with pytest.raises(PluginError, match=needle) as info:
            alignment.score(
                dd.from_pandas(pd.DataFrame(leads), npartitions=2),
                dd.from_pandas(pd.DataFrame(touches), npartitions=3),
                scorer=name,
            )
    assert info.value.plugin == "guard_as_of"
    assert str(info.value).startswith(f"plugin 'guard_as_of': scorer {name!r}")
    assert (
        (info.value.__cause__ is None) if cause is None else isinstance(info.value.__cause__, cause)
    )


def test_a_scorer_that_keeps_the_contract_gets_the_run_as_of() -> None:
    leads, touches, _ = make_lead_data()
    res = alignment.score(
        dd.from_pandas(pd.DataFrame(leads), npartitions=2),
        dd.from_pandas(pd.DataFrame(touches), npartitions=3),
        scorer=AsOf(),
        tz="UTC",
    )
    assert res.scorer.as_of == pd.Timestamp(np.max(touches["timestamp"]))
    assert res.summary()["leads"] == 40


class _Channel:
    """A channel object whose ``str()`` is the channel's name (not a ``str`` itself)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name


class KeysNotText(MergeInPlace):
    name: ClassVar[str] = "guard_dask_keys_not_text"

    def credit_from_stats(self, stats: Any, channels: Any) -> ChannelCredit:
        first = _Channel(sorted(channels)[0])
        return ChannelCredit({first: 1.0}, {first: float(stats["revenue"][0])})


def test_credit_keyed_by_other_than_text_is_refused_on_dask() -> None:
    crm = alignment.datasets.synthetic_crm(n_leads=60, seed=1)
    frames = crm.to_frames("pandas")
    touches = dd.from_pandas(frames["touchpoints"], npartitions=2)
    conversions = dd.from_pandas(pd.DataFrame(frames["conversions"]), npartitions=2)
    with pytest.raises(PluginError, match=r"keyed its .* credit by _Channel") as info:
        alignment.dask.attribute(touches, conversions, model=KeysNotText())
    assert "attribution model 'guard_dask_keys_not_text'" in str(info.value)
