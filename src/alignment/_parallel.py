"""A small shared thread pool for independent, GIL-releasing column work.

Reading a long table involves steps that do not depend on each other: factorising each string
column (pyarrow's and pandas' hash tables run without the GIL) and sorting the touches into
journeys (scipy's sparse kernels, also without the GIL).  :func:`submit` runs such a step on a
worker thread so that it overlaps with the caller's own work; the caller collects the value
when it needs it (:meth:`Pending.result`).

``ALIGNMENT_NUM_THREADS`` sets the number of worker threads (default: the CPUs available to
the process, at most 4).  ``ALIGNMENT_NUM_THREADS=1`` (or ``0``) turns the pool off: every step
then runs inline, in the calling thread, exactly as submitted.  Results never depend on the
setting; only the wall time does.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Generic, ParamSpec, TypeVar

from .errors import ParameterError

__all__ = [
    "ENV_VAR",
    "Pending",
    "ahead",
    "inline",
    "inline_pool",
    "n_threads",
    "prefetch",
    "run_both",
    "settle",
    "split_rows",
    "submit",
    "threads_on",
]

ENV_VAR = "ALIGNMENT_NUM_THREADS"
_MAX_DEFAULT = 4

T = TypeVar("T")
U = TypeVar("U")
P = ParamSpec("P")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_local = threading.local()  # per thread: inline mode (see inline())


def n_threads() -> int:
    """Worker threads to use: ``ALIGNMENT_NUM_THREADS``, else the available CPUs (at most 4).

    Raises
    ------
    ParameterError
        ``ALIGNMENT_NUM_THREADS`` is set to something other than a non-negative integer.
    """
    raw = os.environ.get(ENV_VAR, "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError:
            raise ParameterError(
                f"{ENV_VAR}={raw!r} is not an integer; set it to the number of threads "
                "(1 turns threading off) or unset it"
            ) from None
        if value < 0:
            raise ParameterError(f"{ENV_VAR}={raw!r} must be >= 0 (1 or 0 turns threading off)")
        return max(1, value)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, _MAX_DEFAULT))


class Pending(Generic[T]):
    """The value of a submitted step: :meth:`result` waits for it (and re-raises its error)."""

    __slots__ = ("_done", "_future", "_value")

    def __init__(self, future: Future[T] | None = None, value: Any = None) -> None:
        self._future = future
        self._value = value
        self._done = future is None

    def result(self) -> T:
        if not self._done:
            assert self._future is not None
            self._value = self._future.result()
            self._done = True
            self._future = None
        return self._value  # type: ignore[no-any-return]


def _get_pool(size: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != size:
            old = _pool
            _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="alignment")
            _pool_size = size
            if old is not None:
                old.shutdown(wait=False)
        return _pool


def _reset_after_fork() -> None:  # a forked child has no pool threads: start afresh
    global _pool, _pool_size, _lock
    _pool = None
    _pool_size = 0
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


@contextmanager
def inline() -> Iterator[None]:
    """Within this block, :func:`submit` runs every step in the calling thread.

    For callers that are parallel already (a Dask task on a worker): one pool per task on top of
    the scheduler's own threads would only oversubscribe the cores.
    """
    before = getattr(_local, "inline", False)
    _local.inline = True
    try:
        yield
    finally:
        _local.inline = before


def inline_pool(fn: Callable[P, T]) -> Callable[P, T]:
    """Decorator: run ``fn`` under :func:`inline`."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with inline():
            return fn(*args, **kwargs)

    return wrapper


def submit(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Pending[T]:
    """Run ``fn(*args, **kwargs)`` on the pool (inline when the pool is off).

    Inline, an error is raised at once; on the pool it is raised by :meth:`Pending.result`.
    """
    size = n_threads()
    ours = threading.current_thread().name.startswith("alignment")
    if size <= 1 or getattr(_local, "inline", False) or (ours and not _may_submit()):
        return Pending(value=fn(*args, **kwargs))  # inline (also: never wait on our own pool)
    return Pending(_get_pool(size).submit(fn, *args, **kwargs))


def prefetch(*modules: str) -> None:
    """Import ``modules`` on a background thread, if some are not imported yet.

    A first call on a large table needs a few heavy modules (scipy's sparse kernels, pyarrow's
    compute functions) only half-way through; importing them while the call reads its columns
    (numpy releases the GIL) takes their import time off the first call.  Off with the pool
    (``ALIGNMENT_NUM_THREADS=1``), under :func:`inline`, and once every module is there.
    """
    import sys

    missing = [m for m in modules if m not in sys.modules]
    if not missing or n_threads() <= 1 or getattr(_local, "inline", False):
        return

    def load() -> None:
        import importlib

        for name in missing:  # (a module that fails is imported, and fails, where it is used)
            try:
                importlib.import_module(name)
            except ImportError:
                pass

    threading.Thread(target=load, name="alignment-prefetch", daemon=True).start()


SPLIT_MIN_ROWS = 1 << 21
"""Row-wise passes over at least this many rows are split in two (:func:`split_rows`)."""


def split_rows(fn: Callable[[int, int], None], n: int, *, align: int = 1) -> None:
    """Run ``fn(lo, hi)`` over the rows ``[0, n)``: the first half on a helper thread while the
    calling thread does the second, when threads are on and ``n >= SPLIT_MIN_ROWS``; otherwise
    ``fn(0, n)`` inline.

    For GIL-releasing numpy passes whose halves write disjoint outputs (the result never depends
    on the split).  The split point is a multiple of ``align``.  An error of either half is
    raised here.
    """
    if n < SPLIT_MIN_ROWS or not threads_on():
        fn(0, n)
        return
    mid = n // 2 // align * align
    run_both(lambda: fn(0, mid), lambda: fn(mid, n))


def run_both(first: Callable[[], T], second: Callable[[], U]) -> tuple[T, U]:
    """``(first(), second())``: ``first`` on a helper thread while the calling thread runs
    ``second``, when threads are on; otherwise one after the other, inline.

    For two independent steps of which at least one releases the GIL (a numpy sort next to the
    making of Python strings).  A short-lived thread, not the pool: the caller may itself be a
    pool worker, which must never wait on the pool.  An error of either step is raised here
    (``second``'s when both fail).
    """
    if not threads_on():
        return first(), second()
    pending = ahead(first, name="alignment-split")
    try:
        out = second()
    except BaseException:
        try:  # (the helper is waited for; the caller's error is the one raised)
            pending()
        except BaseException:
            pass
        raise
    return pending(), out


def run_all(steps: Sequence[Callable[[], T]]) -> list[T]:
    """``[step() for step in steps]``: each but the last on a helper thread while the calling
    thread runs the last, when threads are on; otherwise one after the other, inline.

    For independent steps that release the GIL (PyArrow parsing the parts of one file).  As
    :func:`run_both`: short-lived threads, never the pool; every step is waited for, and the
    first error in the order of ``steps`` is raised.
    """
    if not threads_on() or len(steps) < 2:
        return [step() for step in steps]
    waits = [ahead(step, name="alignment-split") for step in steps[:-1]]
    waits.append(_settled(steps[-1]))  # (the calling thread's step, while the helpers run)
    results: list[T] = []
    errors: list[BaseException] = []
    for wait in waits:  # a loop over the steps
        try:
            results.append(wait())
        except BaseException as exc:  # (raised once every step is done)
            errors.append(exc)
    if errors:
        raise errors[0]
    return results


def _settled(step: Callable[[], T]) -> Callable[[], T]:
    """Run ``step`` now; the call returned gives its value or raises its error."""
    try:
        value = step()
    except BaseException as exc:
        error = exc

        def fail() -> T:
            raise error

        return fail
    return lambda: value


def _may_submit() -> bool:
    return bool(getattr(_local, "pooled", False))


def ahead(
    fn: Callable[[], T], *, name: str = "alignment-ahead", pooled: bool = False
) -> Callable[[], T]:
    """Start ``fn`` now on a helper thread, when threads are on; the call returned waits for its
    value (and raises its error).  Otherwise ``fn`` runs when that call is made, inline.

    For a step the caller will need next, that releases the GIL (PyArrow parsing the next
    file while the caller types this one).  A short-lived thread, not the pool (as
    :func:`run_both`).  ``pooled``: the helper's own steps may go to the pool
    (:func:`submit`), when the caller is not a thread of ours itself (no pool worker ever
    waits on the helper, so nothing waits in a circle).

    A caller that gives up on a value (an error before it asks) waits for the helper with
    :func:`settle`, so that no helper outlives the call that started it.  The helper is not a
    daemon thread either: the interpreter waits for it at exit, rather than stopping the
    process while it runs PyArrow's C++ code (which then aborts the process).
    """
    if not threads_on():
        return _Later(fn)
    return _Started(
        fn, name, pooled and not threading.current_thread().name.startswith("alignment")
    )


class _Later(Generic[T]):
    """A step of :func:`ahead` with threads off: run when its value is asked for."""

    __slots__ = ("_fn",)

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn

    def __call__(self) -> T:
        return self._fn()

    def settle(self) -> None:
        """Nothing to wait for: the step never started."""


class _Started(Generic[T]):
    """A step of :func:`ahead` running on a helper thread."""

    __slots__ = ("_done", "_errors", "_thread")

    def __init__(self, fn: Callable[[], T], name: str, pooled: bool) -> None:
        self._done: list[T] = []
        self._errors: list[BaseException] = []

        def run() -> None:
            _local.pooled = pooled
            try:
                self._done.append(fn())
            except BaseException as exc:  # (raised again by the caller's call)
                self._errors.append(exc)

        self._thread = threading.Thread(target=run, name=name, daemon=False)
        self._thread.start()

    def __call__(self) -> T:
        self._thread.join()
        if self._errors:
            raise self._errors[0]
        return self._done[0]

    def settle(self) -> None:
        """Wait for the helper to finish, its value and its error dropped."""
        self._thread.join()


def settle(waits: Iterable[Callable[[], Any]]) -> None:
    """Wait for every helper of :func:`ahead` among ``waits`` to finish, their values and
    errors dropped (a step never started is not run; other callables are left alone).

    For a caller that raises before asking for values it started: its error is raised once
    no helper of its own still runs."""
    for wait in waits:  # a loop over the caller's pending steps
        if isinstance(wait, (_Later, _Started)):
            wait.settle()


def threads_on() -> bool:
    """Whether helper threads may be used here: more than one thread, and not :func:`inline`."""
    return n_threads() > 1 and not getattr(_local, "inline", False)
