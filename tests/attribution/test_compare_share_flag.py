"""compare(share=...) takes a bool: text such as "false" is refused, never read as True."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import alignment
from alignment.errors import ParameterError

T = {
    "lead_id": ["a", "a", "b"],
    "timestamp": ["2024-01-01Z", "2024-01-02Z", "2024-01-01Z"],
    "channel": ["email", "direct", "email"],
}
C = {"lead_id": ["a", "b"], "converted_at": ["2024-01-05Z"] * 2, "revenue": [100.0, 50.0]}


@pytest.fixture(scope="module")
def results() -> list[Any]:
    return [alignment.attribute(T, C, model=m) for m in ("linear", "first")]


@pytest.mark.parametrize("flag", ["false", "no", "", 0, 1, None])
def test_share_must_be_a_bool(results: list[Any], flag: Any) -> None:
    with pytest.raises(ParameterError, match="share must be True or False") as info:
        alignment.compare(results, share=flag, backend="dict")
    assert repr(flag) in str(info.value)


def test_share_bools(results: list[Any]) -> None:
    values = alignment.compare(results, share=False, backend="dict")
    shares = alignment.compare(results, share=np.bool_(True), backend="dict")
    assert list(values["linear"]) == [100.0, 50.0]
    assert list(shares["linear"]) == pytest.approx([2 / 3, 1 / 3])
