"""The PyArrow memory pool of the library's own PyArrow work (:func:`arrow_pool`).

PyArrow's calls allocate from the process's default pool unless given one; the library gives
them this one wherever its PyArrow work is large (a file's columns read, joined, hashed, cast or
taken), so that the pages one step frees serve the next.
"""

from __future__ import annotations

import os
import threading
from typing import Any

__all__ = ["KEEP_FREED_MS", "arrow_pool"]


def arrow_pool() -> Any:
    """The PyArrow memory pool the library's own PyArrow work allocates from (files read,
    columns joined, hashed, cast and taken): jemalloc's when PyArrow has it, unless the process
    chose its pool (the ``ARROW_DEFAULT_MEMORY_POOL`` environment variable); ``None`` (PyArrow's
    default pool) otherwise.  The process's default pool is never changed.

    Reading a file grows large buffers that are new memory.  With PyArrow's default pool
    (mimalloc on Linux wheels) the kernel's zeroing of those pages varied from 0.1 to 1.4 s
    of system time for one read of 5.7·10^6 rows (0.3–1.25 s wall); jemalloc's pool took
    0.2 s of it every time (0.34–0.37 s wall).  The columns' joins, hashes, casts and takes of
    a 10^6-person ``read_crm`` allocate 1.6 GB more: in jemalloc too, the first read of a
    process took 3.91 → 3.56 s (system time 1.98 → 1.26 s, medians of eight pairs).

    The first call sets the time jemalloc keeps the pages freed in it before handing them
    back to the system to :data:`KEEP_FREED_MS` (jemalloc's own default; PyArrow sets 1 s),
    for the arenas jemalloc makes from then on, and has a thread of its own hold jemalloc's
    first arena, which keeps PyArrow's 1 s (:func:`_keep_freed_pages`); not when
    ``JE_ARROW_MALLOC_CONF`` configures PyArrow's jemalloc.  A read's later files, and the
    next read, use the pages the earlier ones freed instead of new ones (measured in
    ``docs/performance.md``).
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return None
    import pyarrow as pa

    if not _kept_freed:  # (the lock taken until the first call has set the time)
        with _first_call:
            if not _kept_freed and not os.environ.get("JE_ARROW_MALLOC_CONF"):
                _kept_freed.append(KEEP_FREED_MS)
                _keep_freed_pages()
    try:
        return pa.jemalloc_memory_pool()
    except (NotImplementedError, AttributeError):  # (a build without jemalloc: Windows …)
        return None


def _keep_freed_pages() -> None:
    """Set jemalloc's time to keep freed pages (:data:`KEEP_FREED_MS`) from a thread of its own,
    which then holds jemalloc's first arena, idle, until the process ends.

    :func:`pyarrow.jemalloc_set_decay_ms` sets the time of the arenas jemalloc makes from then
    on; its first arena, made when PyArrow loaded, keeps PyArrow's 1 s.  A thread takes the
    arena with the fewest threads, the first on a tie: the short-lived threads that parse the
    files would take that first arena whenever no thread holds it, and the pages they free
    would go back to the system after 1 s.  Held, it leaves them arenas with the longer time
    (CSV reads of 10^6 persons in one process: best of the 2nd and 3rd about 0.2 s faster,
    ``docs/performance.md``).  A tuning only: a build without jemalloc reads the same.
    """
    import pyarrow as pa

    bound = threading.Event()

    def hold() -> None:
        try:  # (this thread's first calls into jemalloc: it takes the first arena)
            pool = pa.jemalloc_memory_pool()
            pa.jemalloc_set_decay_ms(KEEP_FREED_MS)
            pa.allocate_buffer(1, memory_pool=pool)
        except (NotImplementedError, AttributeError, pa.ArrowException):
            return
        finally:
            bound.set()
        threading.Event().wait()  # (never set: the thread keeps its arena to the end)

    threading.Thread(target=hold, name="alignment-arena", daemon=True).start()
    bound.wait()


KEEP_FREED_MS = 10_000
"""Milliseconds PyArrow's jemalloc keeps freed pages before handing them back to the system
(:func:`arrow_pool`)."""

_kept_freed: list[int] = []  # (set once per process)
_first_call = threading.Lock()
