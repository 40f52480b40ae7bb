"""The docstring examples of alignment.accounts run."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module", ["alignment.accounts", "alignment.accounts._match", "alignment.accounts._fold"]
)
def test_docstring_examples(module: str) -> None:
    pytest.importorskip("rapidfuzz")
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
