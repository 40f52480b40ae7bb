"""The library's own PyArrow work (files read, columns joined, hashed, cast and taken) allocates
from PyArrow's jemalloc pool (:func:`alignment._pool.arrow_pool`) when PyArrow has one and the
process chose no pool; the process's default pool is left alone, and the tables read are those
PyArrow's own readers give."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from alignment import _cells, _factorize, _files, _pool, _sources  # noqa: E402


def _jemalloc() -> object | None:
    try:
        return pa.jemalloc_memory_pool()
    except (NotImplementedError, AttributeError):
        return None


def _table(n: int = 50_000) -> object:
    rng = np.random.default_rng(5)
    return pa.table(
        {
            "id": [f"00Q5g0000{i:06d}AAA" for i in rng.permutation(n)],
            "status": rng.choice(["Open", "Working", "Closed"], n).tolist(),
            "amount": rng.normal(size=n),
            "when": [
                None if i % 7 == 0 else f"2024-01-{1 + i % 28:02d}T10:00:00Z" for i in range(n)
            ],
        }
    )


def test_the_pool_is_jemalloc_unless_the_process_chose_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    pool = _pool.arrow_pool()
    want = _jemalloc()
    assert (pool is None) == (want is None)
    if want is not None:
        assert pool.backend_name == "jemalloc"
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    assert _pool.arrow_pool() is None  # (PyArrow's default: the one the process chose)


def test_jemalloc_keeps_freed_pages_for_ten_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first call that picks jemalloc sets its decay once (PyArrow's 1 s → 10 s), from a
    thread of its own that stays, idle, holding jemalloc's first arena (which keeps PyArrow's
    1 s); never when the process chose its pool or configures PyArrow's jemalloc itself."""
    if _jemalloc() is None:
        pytest.skip("PyArrow without jemalloc")
    calls: list[tuple[int, str]] = []
    monkeypatch.setattr(
        pa, "jemalloc_set_decay_ms", lambda ms: calls.append((ms, threading.current_thread().name))
    )
    monkeypatch.setattr(_pool, "_kept_freed", [])
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    assert _pool.arrow_pool() is None and calls == []
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
    monkeypatch.setenv("JE_ARROW_MALLOC_CONF", "dirty_decay_ms:0")
    assert _pool.arrow_pool() is not None and calls == []
    monkeypatch.delenv("JE_ARROW_MALLOC_CONF")
    holders = _holders()
    assert _pool.arrow_pool() is not None and calls == [(10_000, "alignment-arena")]
    assert _pool.arrow_pool() is not None and len(calls) == 1  # (once per process)
    held = [t for t in _holders() if t not in holders]
    assert len(held) == 1 and held[0].is_alive() and held[0].daemon  # (idle, to the end)


def test_the_first_calls_at_once_set_the_decay_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files parsed on several threads make their first calls together: one decay, one holder."""
    if _jemalloc() is None:
        pytest.skip("PyArrow without jemalloc")
    calls: list[int] = []
    monkeypatch.setattr(pa, "jemalloc_set_decay_ms", calls.append)
    monkeypatch.setattr(_pool, "_kept_freed", [])
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    monkeypatch.delenv("JE_ARROW_MALLOC_CONF", raising=False)
    start = threading.Barrier(4)

    def first() -> object:
        start.wait()
        return _pool.arrow_pool()

    with ThreadPoolExecutor(4) as threads:
        pools = list(threads.map(lambda _: first(), range(4)))
    assert calls == [10_000] and all(p is not None for p in pools)


def _holders() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "alignment-arena"]


def test_a_parquet_file_read_into_the_pool_is_pyarrows_table(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    table = _table()
    pq.write_table(table, path, row_group_size=20_000)
    before = pa.default_memory_pool().backend_name
    pool = _jemalloc()
    held = 0 if pool is None else pool.bytes_allocated()
    got = _files.read_parquet(path, lambda names: ["id", "status", "when"], dictionaries=True)
    with pq.ParquetFile(path) as file:
        few = _files._few_values(file, ["id", "status", "when"])
    want = pq.read_table(path, columns=["id", "status", "when"], read_dictionary=few)
    assert got.schema == want.schema and got.equals(want)
    assert pa.types.is_dictionary(got.schema.field("status").type)  # (few values: a dictionary)
    if pool is not None:
        assert pool.bytes_allocated() > held  # (the table's buffers are the pool's)
    assert pa.default_memory_pool().backend_name == before
    assert _files.read_parquet(path).equals(pq.read_table(path))


def test_a_csv_file_is_read_into_the_pool(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    rows = ["id,status,amount"] + [
        f"L{i},{'Open' if i % 2 else 'Closed'},{i}.5" for i in range(20_000)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    pool = _jemalloc()
    held = 0 if pool is None else pool.bytes_allocated()
    got = _sources.read_arrow_csv(path, ["id", "status", "amount"], ",", text=True)
    assert got.column("id").to_pylist()[:2] == ["L0", "L1"]
    assert got.column("amount").to_pylist()[-1] == "19999.5"
    if pool is not None:
        assert pool.bytes_allocated() > held


def test_columns_joined_hashed_cast_and_taken_in_the_pool() -> None:
    """The large PyArrow results of the library's column steps are the pool's buffers."""
    pool = _jemalloc()
    if pool is None:
        pytest.skip("PyArrow without jemalloc")
    n = 200_000
    ids = pa.chunked_array(
        [
            pa.array([f"00Q5g0000{i:06d}AAA" for i in range(lo, lo + n // 4)])
            for lo in range(0, n, n // 4)
        ]
    )
    when = pa.array([f"2024-01-{1 + i % 28:02d}T10:00:00.000+0000" for i in range(n)])
    steps = {
        "joined": lambda: _cells.joined(ids),
        "taken": lambda: _cells._take(ids.chunk(0), np.arange(n // 4)[::-1]),
        "cast": lambda: _sources.offset_instants(when),
        "hashed": lambda: _factorize._encoded_factorize(ids).categories,
    }
    for name, step in steps.items():
        held = pool.bytes_allocated()
        out = step()
        assert pool.bytes_allocated() - held >= n // 4 * 8, name  # (its values in the pool)
        del out
