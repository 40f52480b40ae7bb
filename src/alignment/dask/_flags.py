"""Flags with missing values in a logistic fit on Dask: encoded as memory encodes them.

Memory reads a flag (pandas ``boolean``, Arrow ``bool``, or an ``object`` column of Python
booleans and missing values) that holds missing values as three levels and one-hot encodes them
(:class:`alignment.scoring._encoder.LeadEncoder`); the levels' counts are summed over the whole
frame here, and every partition is encoded with that encoder.  Whether an ``object`` column
holds booleans is judged over every partition (one holding only missing values is no
evidence against it).
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from typing import TYPE_CHECKING, Any

import numpy as np

from ._common import dk

if TYPE_CHECKING:
    from ..scoring._encoder import LeadEncoder


def flag_encoder(X: Any, columns: Sequence[str], min_count: int) -> LeadEncoder | None:
    """Memory's encoder of the features when a flag (a nullable boolean) holds missing values:
    memory reads such a flag as three levels (``"False"``, ``"True"``, ``"(missing)"``), one-hot
    encoded against the most frequent (rare levels pooled, a constant flag dropped), from the
    level counts of the whole frame (one pass); ``None`` when every feature is a number."""
    from ..scoring._encoder import LeadEncoder, _NumSpec, category_spec

    flags = [c for c in columns if _nullable_flag(X[c].dtype)] + _object_flags(X, columns)
    flags = [c for c in columns if c in flags]  # (in the order of the features)
    if not flags:
        return None
    missing, true, present = dk().compute(
        X[flags].isna().sum(), X[flags].astype("float64").sum(), X[flags].count()
    )
    if not (missing > 0).any():
        return None  # (flags without missing values: 0/1 numbers, as memory reads them)
    specs: list[Any] = []
    dropped: list[str] = []
    names = np.asarray(["False", "True"], dtype=object)
    for c in columns:  # loop over columns
        if c not in flags or not missing[c]:
            specs.append(_NumSpec(c, float("nan"), False))  # (fill never read: no imputing)
            continue
        counts = np.asarray([missing[c], present[c] - true[c], true[c]], dtype=np.int64)
        spec = category_spec(c, names, counts, min_count)
        if spec is None:
            dropped.append(c)
        else:
            specs.append(spec)
    return LeadEncoder(min_count=min_count).with_specs(specs, dropped, impute=False)


def _nullable_flag(dtype: Any) -> bool:
    """A boolean type that can hold missing values (pandas ``boolean``, Arrow ``bool``)."""
    import pandas as pd

    return pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, np.dtype)


def _object_flags(X: Any, columns: Sequence[str]) -> list[str]:
    """The ``object`` columns among ``columns`` that hold Python booleans and missing values
    only, over every partition (one pass over those columns; none when there are none)."""
    import pandas as pd

    objects = [c for c in columns if pd.api.types.is_object_dtype(X[c].dtype)]
    if not objects:
        return []
    run = dk().delayed(_boolean_kinds, pure=True)
    kinds = dk().compute(*[run(p, objects) for p in X[objects].to_delayed()])
    stacked = np.asarray(kinds, dtype=bool).reshape(-1, 2, len(objects))
    flags = np.logical_and(stacked[:, 0].all(axis=0), stacked[:, 1].any(axis=0))
    return [c for c, f in zip(objects, np.atleast_1d(flags).tolist(), strict=True) if f]


def _boolean_kinds(part: Any, columns: Sequence[str]) -> np.ndarray:
    """Per column of a partition: whether it holds booleans and missing values only, and
    whether it holds a boolean."""
    import pandas as pd

    kinds = [pd.api.types.infer_dtype(part[c], skipna=True) for c in columns]
    return np.asarray([[k in ("boolean", "empty") for k in kinds], [k == "boolean" for k in kinds]])


def level_columns(encoder: LeadEncoder | None) -> frozenset[str]:
    """The input columns that ``encoder`` reads as levels (encoded, or dropped as constant)."""
    if encoder is None:
        return frozenset()
    return frozenset(set(encoder.baselines_) | set(encoder.dropped_))


def encoder_columns(
    X: Any, columns: Sequence[str], Xn: np.ndarray, levels: Set[str]
) -> dict[str, Any]:
    """The columns as :meth:`LeadEncoder.transform` takes them: numbers as read, flags of
    levels as a ``Categorical`` (missing values: code -1)."""
    import pandas as pd

    return {c: pd.Categorical(X[c]) if c in levels else Xn[:, j] for j, c in enumerate(columns)}
