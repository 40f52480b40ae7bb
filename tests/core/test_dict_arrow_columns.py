"""PyArrow arrays as the columns of a ``dict``: read as the same columns of a PyArrow table are
(strings from their bytes, instants with their zone), never a raw PyArrow error."""

from __future__ import annotations

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")

import alignment  # noqa: E402
from alignment.tables import Journeys  # noqa: E402


def _columns(chunked: bool) -> tuple[dict[str, object], dict[str, object]]:
    rng = np.random.default_rng(3)
    n = 400
    leads = [f"L{i}" for i in rng.integers(0, 60, n)]
    stamps = np.datetime64("2024-03-01T00:00:00", "us") + rng.integers(0, 10**7, n).astype(
        "timedelta64[s]"
    )
    touch = {
        "lead_id": pa.array(leads),
        "timestamp": pa.array(stamps, type=pa.timestamp("us", tz="America/New_York")),
        "channel": pa.array(rng.choice(["email", "search", "event"], n)).dictionary_encode(),
        "cost": pa.array(rng.random(n)),
    }
    won = sorted(set(leads))[::4]
    conv = {
        "lead_id": pa.array(won),
        "converted_at": pa.array(
            np.full(len(won), np.datetime64("2024-09-01T00:00:00", "us")),
            type=pa.timestamp("us", tz="UTC"),
        ),
        "revenue": pa.array(np.arange(1.0, len(won) + 1.0)),
    }
    if chunked:
        touch = {k: pa.chunked_array([v[:100], v[100:]]) for k, v in touch.items()}
    return touch, conv


@pytest.mark.parametrize("chunked", [False, True])
def test_arrow_arrays_in_a_dict_read_as_an_arrow_table(chunked: bool) -> None:
    touch, conv = _columns(chunked)
    from_dict = Journeys.build(touch, conv)
    from_table = Journeys.build(pa.table(touch), pa.table(conv))
    assert from_dict.keys.tolist() == from_table.keys.tolist()
    assert np.array_equal(from_dict.time, from_table.time)
    assert np.array_equal(from_dict.offsets, from_table.offsets)
    assert from_dict.channel.values().tolist() == from_table.channel.values().tolist()
    assert np.array_equal(from_dict.converted_at, from_table.converted_at, equal_nan=True)
    assert np.array_equal(from_dict.touch_numeric["cost"], from_table.touch_numeric["cost"])
    got = alignment.attribute(touch, conv, model="linear").totals("channel")
    want = alignment.attribute(pa.table(touch), pa.table(conv), model="linear").totals("channel")
    assert got == want


def test_zoned_and_naive_arrow_columns_are_told_apart() -> None:
    touch, conv = _columns(False)
    naive = pa.array(np.full(len(conv["lead_id"]), np.datetime64("2024-09-01T00:00", "us")))
    with pytest.raises(alignment.errors.DataValidationError, match="naive") as err:
        Journeys.build(touch, {**conv, "converted_at": naive})
    assert "converted_at" in str(err.value)
