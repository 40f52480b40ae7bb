"""Helpers shared by the plugin tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alignment import plugins


@contextmanager
def temporary_plugin(obj: object, name: str) -> Iterator[object]:
    """Register ``obj`` as plugin ``name`` for the duration of the block."""
    pm = plugins.plugin_manager()
    pm.register(obj, name=name)
    try:
        yield obj
    finally:
        if pm.has_plugin(name):
            pm.unregister(name=name)


def errors_of(plugin: str) -> list[Any]:
    """The plugin errors naming ``plugin``."""
    return [e for e in plugins.plugin_errors() if e.plugin == plugin]
