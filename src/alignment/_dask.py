"""Deprecated alias of :mod:`alignment.dask`, kept so code written against it keeps working.

Pass a Dask DataFrame to the public entry points (``alignment.attribute`` …), or import
:mod:`alignment.dask` for its explicit functions.
"""

from __future__ import annotations

import warnings

from .dask import *  # noqa: F403
from .dask import __all__ as __all__

warnings.warn(
    "alignment._dask is deprecated: pass Dask DataFrames to the public entry points "
    "(alignment.attribute, alignment.score, ...) or import alignment.dask",
    DeprecationWarning,
    stacklevel=2,
)
