"""The docstring examples of the face's modules run."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    ("package", "implementation"),
    [
        ("alignment.datasets", "_synthetic"),
        ("alignment.report", "_build"),
        ("alignment.attribution", "_compare"),
        ("alignment.report", "_document"),
    ],
)
def test_docstring_examples(package: str, implementation: str) -> None:
    attempted = 0
    for name in (package, f"{package}.{implementation}"):
        result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, name
        attempted += result.attempted
    assert attempted > 0
