"""Bundle tables held with their text columns as codes, the strings written on first read.

``read_crm`` and ``synthetic_crm`` hand the touches and activities (and any table with text
read as codes) over as :class:`~alignment._later_tables.LaterTable`; ``CRMData`` makes each
table's dict of arrays on its first read, once.  Checked here: the table made is the eager
one (values, ``None`` for missing, read-only arrays), it is made once even from several
threads, the engines read the codes without making it (and give the numbers of the strings),
and what only counts rows or names columns makes nothing.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import numpy as np
import pytest

import alignment
import alignment._crm as crm_
from alignment._columns import Categorical
from alignment._crm import CRMData
from alignment._frames import factorize
from alignment._later_tables import LaterTable, spread_text
from alignment.datasets import synthetic_crm

TEXTS = np.array(["web", "email", "web", None, "ads"], dtype=object)  # (repeats, a None)


def _later(n: int = 7) -> LaterTable:
    rng = np.random.default_rng(n)
    codes = rng.integers(-1, TEXTS.size, n)
    return LaterTable(
        {
            "lead_id": (np.arange(n) % 3, np.array(["L1", "L2", "L3"], dtype=object)),
            "timestamp": np.arange(n).astype("datetime64[D]").astype("datetime64[us]"),
            "channel": (codes, TEXTS),
            "campaign": (np.full(n, -1), np.empty(0, dtype=object)),
        },
        n,
    )


def _bundle(touches: Any) -> CRMData:
    base = synthetic_crm(50, seed=3)
    tables = {f.name: getattr(base, f.name) for f in dataclasses.fields(base) if f.init}
    return CRMData(**{**tables, "touchpoints": touches})


def _strings(held: LaterTable) -> dict[str, np.ndarray]:
    """The eager table, one Python step per row (the plain twin of the table made)."""
    out = {}
    for k, v in held.columns.items():
        if isinstance(v, tuple):
            codes, texts = v
            out[k] = np.array([None if c < 0 else texts[c] for c in codes.tolist()], dtype=object)
        else:
            out[k] = v
    return out


def test_the_table_made_is_the_eager_one() -> None:
    held = _later()
    crm = _bundle(held)
    assert crm.__dict__["touchpoints"] is held  # (nothing made yet)
    made = crm.touchpoints
    assert crm.touchpoints is made  # (made once)
    want = _strings(held)
    assert list(made) == list(want)
    for k, v in want.items():
        assert made[k].tolist() == v.tolist(), k
        if isinstance(held.columns[k], tuple):  # (the strings written: read-only)
            assert not made[k].flags.writeable
    assert spread_text(np.array([1, -1]), TEXTS).tolist() == ["email", None]


def test_engines_read_the_codes_without_making_the_table() -> None:
    held = _later(40)
    crm = _bundle(held)
    coded = crm._coded_table("touchpoints")
    assert crm.__dict__["touchpoints"] is held
    for column in ("lead_id", "channel", "campaign"):
        assert isinstance(coded[column], Categorical)
    strings = _strings(held)
    for column in ("lead_id", "channel", "campaign"):
        want = factorize(strings[column], column=column, allow_missing=True)
        np.testing.assert_array_equal(coded[column].codes, want.codes)
        assert coded[column].categories.tolist() == want.categories.tolist()
    made = crm.touchpoints  # (made now: the codes' Categorical kept beside the arrays)
    again = crm._coded_table("touchpoints")
    assert again["channel"] is coded["channel"]
    assert made["channel"].tolist() == strings["channel"].tolist()


def test_counting_rows_and_naming_columns_make_nothing() -> None:
    held = _later(9)
    crm = _bundle(held)
    assert crm._rows("touchpoints") == 9
    assert crm._columns("touchpoints") == ["lead_id", "timestamp", "channel", "campaign"]
    assert "touchpoints=9" in repr(crm)
    assert crm.n_leads == 50
    assert crm.__dict__["touchpoints"] is held


def test_made_once_from_several_threads() -> None:
    crm = _bundle(_later(5_000))
    got: list[dict[str, np.ndarray]] = []
    start = threading.Barrier(4)

    def read() -> None:
        start.wait()
        got.append(crm.touchpoints)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 4 and all(table is got[0] for table in got)


def test_without_pyarrow_the_engines_read_the_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crm_, "deferred_categorical", lambda codes, texts: None)
    held = _later(12)
    crm = _bundle(held)
    table = crm._coded_table("touchpoints")
    assert table["channel"] is crm.touchpoints["channel"]  # (made: the strings themselves)
    assert table["channel"].tolist() == _strings(held)["channel"].tolist()


def test_the_bundle_stays_frozen_and_copies() -> None:
    crm = _bundle(_later())
    with pytest.raises(dataclasses.FrozenInstanceError):
        crm.touchpoints = {}  # type: ignore[misc]
    other = dataclasses.replace(crm, source="copy")
    assert other.touchpoints["channel"].tolist() == crm.touchpoints["channel"].tolist()


def test_synthetic_and_read_bundles_hold_their_texts_as_codes() -> None:
    crm = synthetic_crm(300, seed=1)
    for name in ("touchpoints", "activities"):
        assert isinstance(crm.__dict__[name], LaterTable), name
    plain = CRMData(**{f.name: getattr(crm, f.name) for f in dataclasses.fields(crm) if f.init})
    fresh = synthetic_crm(300, seed=1)
    for model in ("linear", "markov"):
        a = alignment.attribute(fresh, model=model)
        b = alignment.attribute(plain, model=model)
        assert a.totals() == b.totals()
        assert a.summary() == b.summary()
    assert isinstance(fresh.__dict__["touchpoints"], LaterTable)  # (attributed from codes)


def test_a_table_made_while_its_codes_are_noted_keeps_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crm = synthetic_crm(30, seed=1)
    real = crm_.deferred_categorical
    made: list[int] = []

    def make_meanwhile(codes: np.ndarray, texts: np.ndarray) -> Any:
        if not made:  # (the table made between reading an entry and writing it)
            made.append(1)
            crm.touchpoints  # noqa: B018
        return real(codes, texts)

    monkeypatch.setattr(crm_, "deferred_categorical", make_meanwhile)
    crm._coded_table("touchpoints")
    monkeypatch.setattr(crm_, "deferred_categorical", real)
    table = crm._coded_table("touchpoints")
    for column in ("lead_id", "channel", "campaign", "content", "kind"):
        assert isinstance(table[column], Categorical), column
        assert crm._coded["touchpoints", column][0] is crm.touchpoints[column]


def test_engines_and_readers_on_several_threads() -> None:
    import sys

    errors: list[str] = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # (threads switch as often as they can)
    try:
        for _ in range(30):
            crm = synthetic_crm(50, seed=1)
            start = threading.Barrier(4)

            def work(name: str, make: bool, crm: CRMData = crm, start: Any = start) -> None:
                start.wait()
                try:
                    for _ in range(3):
                        if make:
                            getattr(crm, name)
                        crm._coded_table(name)
                except Exception as exc:  # (reported below)
                    errors.append(repr(exc))

            jobs = [
                ("leads", False),
                ("touchpoints", False),
                ("activities", True),
                ("touchpoints", True),
            ]
            threads = [threading.Thread(target=work, args=job) for job in jobs]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for name in ("touchpoints", "activities"):  # (every text column still coded)
                coded = crm._coded_table(name)
                assert not any(
                    isinstance(v, np.ndarray) and v.dtype == object for v in coded.values()
                )
    finally:
        sys.setswitchinterval(interval)
    assert errors == []


def test_a_table_not_held_is_no_attribute() -> None:
    crm = object.__new__(CRMData)  # (a bundle not built: no table held)
    assert not hasattr(crm, "touchpoints")
