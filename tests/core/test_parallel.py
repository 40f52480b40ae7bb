"""The shared thread pool: settings, inline mode, errors, and results independent of threading."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from alignment import _parallel
from alignment.errors import ParameterError
from alignment.tables import Journeys

from .test_tables import CONVERSIONS, TOUCHES, journeys_content


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("1", 1), ("0", 1), (" 2 ", 2)])
def test_n_threads_from_env(monkeypatch: pytest.MonkeyPatch, value: str, expected: int) -> None:
    monkeypatch.setenv(_parallel.ENV_VAR, value)
    assert _parallel.n_threads() == expected


def test_n_threads_default_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_parallel.ENV_VAR, raising=False)
    assert 1 <= _parallel.n_threads() <= 4


@pytest.mark.parametrize("value", ["two", "-1", "1.5"])
def test_n_threads_bad_env(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(_parallel.ENV_VAR, value)
    with pytest.raises(ParameterError, match=_parallel.ENV_VAR):
        _parallel.n_threads()


def _thread_name() -> str:
    return threading.current_thread().name


def test_inline_when_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_parallel.ENV_VAR, "1")
    assert _parallel.submit(_thread_name).result() == threading.current_thread().name
    with pytest.raises(ZeroDivisionError):  # inline: raised at once
        _parallel.submit(lambda: 1 / 0)


def test_pool_runs_elsewhere_and_reraises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_parallel.ENV_VAR, "2")
    assert _parallel.submit(_thread_name).result().startswith("alignment")
    pending = _parallel.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        pending.result()
    # a step running on the pool that submits more work runs it inline (no self-deadlock)
    nested = _parallel.submit(lambda: _parallel.submit(_thread_name).result())
    assert nested.result().startswith("alignment")


def test_pool_is_rebuilt_after_fork_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_parallel.ENV_VAR, "2")
    assert _parallel.submit(lambda: 41 + 1).result() == 42
    _parallel._reset_after_fork()
    assert _parallel._pool is None
    assert _parallel.submit(lambda: 6 * 7).result() == 42


@pytest.mark.parametrize("threads", ["1", "2", "4"])
def test_journeys_do_not_depend_on_threads(
    monkeypatch: pytest.MonkeyPatch, constructor: Any, threads: str
) -> None:
    from alignment import _frames

    monkeypatch.setattr(_frames, "POOL_MIN_ROWS", 0)  # small frames too go through the pool
    monkeypatch.setenv(_parallel.ENV_VAR, "1")
    ref = journeys_content(Journeys.build(constructor(TOUCHES), constructor(CONVERSIONS)))
    monkeypatch.setenv(_parallel.ENV_VAR, threads)
    got = journeys_content(Journeys.build(constructor(TOUCHES), constructor(CONVERSIONS)))
    assert got == ref


def test_lazy_columns_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    pd = pytest.importorskip("pandas")
    from alignment import _frames
    from alignment._frames import read_table

    monkeypatch.setattr(_frames, "POOL_MIN_ROWS", 0)
    monkeypatch.setenv(_parallel.ENV_VAR, "2")
    frame = pd.DataFrame({"a": ["x", "y", "x"], "b": [1, 2, 3]})
    raw = read_table(frame, table="t", required=["a", "b"])
    assert isinstance(raw.columns._data["a"], _parallel.Pending)  # type: ignore[attr-defined]
    assert "a" in raw.columns and "zz" not in raw.columns
    assert sorted(raw.columns) == ["a", "b"] and len(raw.columns) == 2
    assert raw.columns["a"].codes.tolist() == [0, 1, 0]  # type: ignore[attr-defined]
    assert raw.get("zz") is None
    np.testing.assert_array_equal(raw.columns["b"], [1, 2, 3])


def test_short_columns_are_encoded_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    pd = pytest.importorskip("pandas")
    from alignment._frames import read_table

    monkeypatch.setenv(_parallel.ENV_VAR, "2")
    raw = read_table(pd.DataFrame({"a": ["x", "y"]}), table="t", required=["a"])
    assert not isinstance(raw.columns._data["a"], _parallel.Pending)  # type: ignore[attr-defined]
    assert raw.columns["a"].codes.tolist() == [0, 1]  # type: ignore[attr-defined]


def test_inline_block_and_decorator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_parallel.ENV_VAR, "2")
    here = threading.current_thread().name
    with _parallel.inline():
        assert _parallel.submit(_thread_name).result() == here
        with _parallel.inline():
            pass
        assert _parallel.submit(_thread_name).result() == here  # still inline after nesting
    assert _parallel.submit(_thread_name).result().startswith("alignment")

    @_parallel.inline_pool
    def task() -> str:
        return _parallel.submit(_thread_name).result()

    assert task() == here
    assert task.__name__ == "task"


def test_prefetch_imports_in_the_background(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import threading

    from alignment._parallel import prefetch

    monkeypatch.setenv("ALIGNMENT_NUM_THREADS", "2")
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    prefetch("colorsys", "alignment_no_such_module")  # (a missing module is no error here)
    for t in threading.enumerate():
        if t.name == "alignment-prefetch":
            t.join(timeout=30)
    assert "colorsys" in sys.modules


def test_prefetch_is_off_without_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import threading

    from alignment._parallel import prefetch

    monkeypatch.setenv("ALIGNMENT_NUM_THREADS", "1")
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    before = threading.active_count()
    prefetch("colorsys")
    assert threading.active_count() == before and "colorsys" not in sys.modules


@pytest.mark.parametrize(("n", "align"), [(0, 1), (1, 1), (7, 1), (1000, 64), (5, 8)])
def test_split_rows_covers_every_row_once(
    monkeypatch: pytest.MonkeyPatch, n: int, align: int
) -> None:
    monkeypatch.setenv(_parallel.ENV_VAR, "2")
    monkeypatch.setattr(_parallel, "SPLIT_MIN_ROWS", 1)
    seen = np.zeros(n, dtype=np.int64)
    calls: list[tuple[int, int, str]] = []

    def fn(lo: int, hi: int) -> None:
        seen[lo:hi] += 1
        calls.append((lo, hi, _thread_name()))

    _parallel.split_rows(fn, n, align=align)
    assert seen.tolist() == [1] * n
    assert all(lo % align == 0 for lo, _, _ in calls)
    if n:  # (no rows: nothing to split)
        assert any(name == "alignment-split" for *_, name in calls)  # the first half elsewhere


def test_split_rows_inline_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_parallel, "SPLIT_MIN_ROWS", 1)
    calls: list[tuple[int, int]] = []
    monkeypatch.setenv(_parallel.ENV_VAR, "1")  # threads off: one call, here
    _parallel.split_rows(lambda lo, hi: calls.append((lo, hi)), 10)
    assert calls == [(0, 10)]
    monkeypatch.setenv(_parallel.ENV_VAR, "2")
    with _parallel.inline():
        _parallel.split_rows(lambda lo, hi: calls.append((lo, hi)), 10)
    assert calls == [(0, 10), (0, 10)]

    def fail_first(lo: int, hi: int) -> None:
        if lo == 0:
            raise ValueError("first half")

    with pytest.raises(ValueError, match="first half"):  # raised in the caller
        _parallel.split_rows(fail_first, 10)


def test_run_both_returns_both_and_reraises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_parallel.ENV_VAR, "2")
    where: list[str] = []

    def first() -> int:
        where.append(_thread_name())
        return 1

    def second() -> str:
        where.append(_thread_name())
        return "two"

    assert _parallel.run_both(first, second) == (1, "two")
    assert sorted(where) == sorted(["alignment-split", threading.current_thread().name])

    def boom(msg: str) -> Any:
        raise ValueError(msg)

    with pytest.raises(ValueError, match="second"):  # (both fail: the calling thread's)
        _parallel.run_both(lambda: boom("first"), lambda: boom("second"))
    with pytest.raises(ValueError, match="second"):
        _parallel.run_both(lambda: 1, lambda: boom("second"))
    with pytest.raises(ValueError, match="first"):
        _parallel.run_both(lambda: boom("first"), lambda: 2)


def test_run_both_inline_when_threads_are_off(monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[tuple[str, str]] = []

    def step(label: str) -> str:
        order.append((label, _thread_name()))
        return label

    here = threading.current_thread().name
    monkeypatch.setenv(_parallel.ENV_VAR, "1")
    assert not _parallel.threads_on()
    assert _parallel.run_both(lambda: step("a"), lambda: step("b")) == ("a", "b")
    monkeypatch.setenv(_parallel.ENV_VAR, "2")
    with _parallel.inline():
        assert not _parallel.threads_on()
        assert _parallel.run_both(lambda: step("c"), lambda: step("d")) == ("c", "d")
    assert order == [("a", here), ("b", here), ("c", here), ("d", here)]  # in turn, here


def test_run_all_runs_every_step_at_once_and_raises_the_first_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each step but the last on a helper, the last on the calling thread, all at the same time
    (each waits for the others to start); results in order; every step is waited for, and
    the first failing step in order is the error raised."""
    monkeypatch.setenv(_parallel.ENV_VAR, "2")
    started = threading.Barrier(3, timeout=10)
    where: list[str] = []

    def step(i: int) -> int:
        started.wait()  # (a step run after another would never pass)
        where.append(_thread_name())
        return i * 10

    assert _parallel.run_all([lambda i=i: step(i) for i in range(3)]) == [0, 10, 20]
    assert sorted(where).count("alignment-split") == 2
    assert threading.current_thread().name in where
    assert _parallel.run_all([]) == []
    assert _parallel.run_all([lambda: 7]) == [7]
    finished: list[int] = []

    def boom(i: int) -> int:
        finished.append(i)
        raise ValueError(f"step {i}")

    with pytest.raises(ValueError, match="step 1"):
        _parallel.run_all([lambda: 0, lambda: boom(1), lambda: boom(2)])
    assert sorted(finished) == [1, 2]
    with pytest.raises(ValueError, match="step 2"):
        _parallel.run_all([lambda: 0, lambda: 1, lambda: boom(2)])


def test_run_all_inline_when_threads_are_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_parallel.ENV_VAR, "1")
    order: list[tuple[int, str]] = []

    def step(i: int) -> int:
        order.append((i, _thread_name()))
        return i

    assert _parallel.run_all([lambda i=i: step(i) for i in range(3)]) == [0, 1, 2]
    here = threading.current_thread().name
    assert order == [(0, here), (1, here), (2, here)]


def test_ahead_runs_on_a_helper_thread_and_raises_there_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    monkeypatch.setenv(_parallel.ENV_VAR, "2")
    started = threading.Event()

    def step() -> str:
        started.set()
        return _thread_name()

    result = _parallel.ahead(step)
    assert started.wait(timeout=30)  # (running before it is asked for)
    assert result() == "alignment-ahead"

    def fails() -> None:
        raise ZeroDivisionError

    later = _parallel.ahead(fails)  # (no error yet: it comes with the value)
    with pytest.raises(ZeroDivisionError):
        later()
    monkeypatch.setenv(_parallel.ENV_VAR, "1")
    calls: list[str] = []
    inline = _parallel.ahead(lambda: calls.append(_thread_name()))
    assert calls == []  # (off: run when asked for, in the calling thread)
    inline()
    assert calls == [threading.current_thread().name]
    with _parallel.inline():
        assert _parallel.ahead(_thread_name)() == threading.current_thread().name


def test_a_pooled_helper_sends_its_steps_to_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """A helper started with ``pooled=True`` (a file read ahead) submits its steps to the pool;
    a plain helper runs them itself; a pool worker's helper too (no wait in a circle)."""
    monkeypatch.setenv(_parallel.ENV_VAR, "2")

    def where_steps_run() -> str:
        return _parallel.submit(lambda: threading.current_thread().name).result()

    pooled = _parallel.ahead(where_steps_run, name="alignment-read", pooled=True)
    plain = _parallel.ahead(where_steps_run, name="alignment-read")
    assert pooled().startswith("alignment_")  # (a pool worker: "alignment_0", ...)
    assert plain() == "alignment-read"

    def from_a_worker() -> str:
        return _parallel.ahead(where_steps_run, name="alignment-read", pooled=True)()

    assert _parallel.submit(from_a_worker).result() == "alignment-read"


def test_settle_waits_for_started_helpers_and_drops_their_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A caller giving up on values it started waits for them (no helper outlives it); a step
    never started (threads off) is not run; helpers are not daemon threads."""
    monkeypatch.setenv(_parallel.ENV_VAR, "2")
    release = threading.Event()
    finished: list[str] = []

    def slow() -> None:
        release.wait(timeout=30)
        finished.append("slow")

    def fails() -> None:
        raise ZeroDivisionError

    waits = [_parallel.ahead(slow, name="alignment-read"), _parallel.ahead(fails)]
    helpers = [t for t in threading.enumerate() if t.name == "alignment-read"]
    assert helpers and not any(t.daemon for t in helpers)
    threading.Timer(0.05, release.set).start()
    _parallel.settle([*waits, lambda: finished.append("not a helper: left alone")])
    assert finished == ["slow"]  # (waited for; the error of `fails` dropped)
    assert not any(t.is_alive() for t in helpers)
    monkeypatch.setenv(_parallel.ENV_VAR, "1")
    calls: list[int] = []
    _parallel.settle([_parallel.ahead(lambda: calls.append(1))])
    assert calls == []  # (off: never started, so not run either)
