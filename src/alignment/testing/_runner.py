"""Running the conformance checks: the check lists, ``check_*`` runners, the pytest helper."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..base import AttributionModel, Estimator, Scorer
from ..errors import AlignmentWarning, ParameterError
from ._integrity import check_no_container_mutation, check_no_param_drift
from ._kit import (
    Check,
    CheckResult,
    SkipCheck,
    _label,
    check_channel_credit_totals,
    check_dataframe_backends,
    check_deterministic,
    check_empty_input,
    check_fit_returns_self,
    check_no_mutation,
    check_not_fitted,
    check_params_stored_verbatim,
    check_registration_and_naming,
    check_row_order_invariance,
    check_scorer_empty_input,
    check_scores_shape,
    check_single_touch,
    check_weights_finite,
    check_weights_nonnegative,
    check_weights_shape,
    check_weights_sum_to_one,
    check_zero_after_conversion,
)
from ._partitioned import check_partitioned_credit

__all__ = [
    "attribution_model_checks",
    "check_attribution_model",
    "check_scorer",
    "parametrize_with_checks",
    "scorer_checks",
]


# ----------------------------------------------------------------------------------------------
# runners

_COMMON: tuple[Check, ...] = (
    check_registration_and_naming,
    check_params_stored_verbatim,
    check_fit_returns_self,
    check_not_fitted,
)
_ATTRIBUTION: tuple[Check, ...] = (
    *_COMMON,
    check_weights_shape,
    check_weights_finite,
    check_weights_nonnegative,
    check_weights_sum_to_one,
    check_channel_credit_totals,
    check_single_touch,
    check_empty_input,
    check_row_order_invariance,
    check_no_mutation,
    check_no_container_mutation,
    check_no_param_drift,
    check_deterministic,
    check_dataframe_backends,
    check_zero_after_conversion,
    check_partitioned_credit,
)
_SCORER: tuple[Check, ...] = (
    *_COMMON,
    check_scores_shape,
    check_scorer_empty_input,
    check_row_order_invariance,
    check_no_mutation,
    check_no_container_mutation,
    check_no_param_drift,
    check_deterministic,
    check_dataframe_backends,
)


def _check_name(check: Check) -> str:
    inner = getattr(check, "func", check)
    return str(getattr(inner, "__name__", repr(inner)))


def attribution_model_checks(model: AttributionModel) -> Iterator[Check]:
    """Yield the checks that apply to an attribution model (each takes the model)."""
    _require(model, AttributionModel)
    kind = getattr(model, "kind", "touch")
    for check in _ATTRIBUTION:
        if kind == "channel" and check.__name__.startswith("check_weights"):
            continue
        if kind == "touch" and check is check_channel_credit_totals:
            continue
        yield check


def scorer_checks(scorer: Scorer) -> Iterator[Check]:
    """Yield the checks that apply to a lead scorer (each takes the scorer)."""
    _require(scorer, Scorer)
    yield from _SCORER


def _require(model: Any, base: type[Estimator]) -> None:
    if not isinstance(model, base):
        raise TypeError(
            f"expected an instance of alignment.base.{base.__name__}, got {type(model).__name__}"
        )


def _expected_failures(value: Any) -> dict[str, str]:
    """``expected_failed_checks`` as a dict of check name to reason (``None``: no entry)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ParameterError(
            "expected_failed_checks must be a mapping of check name to reason (str to str), "
            f"such as {{'check_empty_input': 'needs a journey'}}, got {value!r}"
        )
    return dict(value)


def _run(
    model: Any, checks: Iterable[Check], expected_failed_checks: Mapping[str, str] | None
) -> list[CheckResult]:
    checks = list(checks)
    expected = _expected_failures(expected_failed_checks)
    known = {_check_name(c) for c in checks}
    results: list[CheckResult] = []
    failures: list[tuple[str, BaseException]] = []
    for check in checks:
        name = _check_name(check)
        try:
            check(model)
        except SkipCheck as exc:
            results.append(CheckResult(name, "skipped", str(exc)))
            continue
        except Exception as exc:
            if name in expected:
                results.append(CheckResult(name, "xfailed", expected[name]))
            else:
                failures.append((name, exc))
            continue
        if name in expected:
            warnings.warn(
                f"{_label(model)}: {name} was expected to fail ({expected[name]}) but passed",
                AlignmentWarning,
                stacklevel=3,
            )
            results.append(CheckResult(name, "xpassed", expected[name]))
        else:
            results.append(CheckResult(name, "passed"))
    unknown = set(expected) - known
    if unknown:
        warnings.warn(
            f"expected_failed_checks names unknown checks: {sorted(unknown)}",
            AlignmentWarning,
            stacklevel=3,
        )
    if failures:
        lines = "\n".join(f"  {n}: {type(e).__name__}: {e}" for n, e in failures)
        raise AssertionError(
            f"{_label(model)} failed {len(failures)} conformance check(s):\n{lines}"
        ) from failures[0][1]
    return results


def check_attribution_model(
    model: AttributionModel, *, expected_failed_checks: Mapping[str, str] | None = None
) -> list[CheckResult]:
    """Run every conformance check on an attribution model.

    Parameters
    ----------
    model : AttributionModel
        The model (an instance; each check works on a clone).
    expected_failed_checks : mapping of str to str, optional
        Check name → reason, for known gaps; such a failure is reported as ``"xfailed"``.

    Returns
    -------
    list of CheckResult
        One per check run (passed, skipped with a reason, expected failures).

    Raises
    ------
    AssertionError
        Listing every check that failed, with the first failure as ``__cause__``.
    ParameterError
        If ``expected_failed_checks`` is not a mapping of str to str.
    """
    checks = list(attribution_model_checks(model))
    return _run(model, checks, expected_failed_checks)


def check_scorer(
    scorer: Scorer, *, expected_failed_checks: Mapping[str, str] | None = None
) -> list[CheckResult]:
    """Run every conformance check on a lead scorer.

    Parameters
    ----------
    scorer : Scorer
        The scorer (an instance; each check works on a clone).
    expected_failed_checks : mapping of str to str, optional
        Check name → reason, for known gaps.

    Returns
    -------
    list of CheckResult
        One per check run.

    Raises
    ------
    AssertionError
        Listing every check that failed.
    ParameterError
        If ``expected_failed_checks`` is not a mapping of str to str.
    """
    checks = list(scorer_checks(scorer))
    return _run(scorer, checks, expected_failed_checks)


def _pytest_check(check: Check) -> Check:
    @functools.wraps(check)
    def run(model: Any) -> None:
        import pytest

        try:
            check(model)
        except SkipCheck as exc:
            pytest.skip(str(exc))

    return run


def parametrize_with_checks(
    models: Sequence[AttributionModel | Scorer],
    *,
    expected_failed_checks: Callable[[Any], Mapping[str, str] | None] | None = None,
) -> Any:
    """A ``pytest.mark.parametrize`` decorator over every (model, check) pair.

    Parameters
    ----------
    models : sequence of AttributionModel or Scorer
        Model instances.
    expected_failed_checks : callable, optional
        ``f(model) -> {check_name: reason}``; those pairs are marked ``xfail`` with the reason.

    Returns
    -------
    decorator
        Parametrises the arguments ``model`` and ``check``; test ids read
        ``<model name>-<check name>``.  A check that cannot run is skipped with its reason.

    Raises
    ------
    ParameterError
        If ``expected_failed_checks`` is not a callable, or returns other than a mapping of
        str to str (or ``None``).

    Examples
    --------
    >>> from alignment.testing import parametrize_with_checks
    >>> @parametrize_with_checks([])  # doctest: +SKIP
    ... def test_conformance(model, check):
    ...     check(model)
    """
    import pytest

    if expected_failed_checks is not None and not callable(expected_failed_checks):
        raise ParameterError(
            "expected_failed_checks must be a function of the model returning a mapping of "
            f"check name to reason, got {expected_failed_checks!r}"
        )
    params = []
    for model in models:
        if isinstance(model, AttributionModel):
            checks: Iterable[Check] = attribution_model_checks(model)
        elif isinstance(model, Scorer):
            checks = scorer_checks(model)
        else:
            raise TypeError(
                f"expected AttributionModel or Scorer instances, got {type(model).__name__}"
            )
        expected = _expected_failures(
            expected_failed_checks(model) if expected_failed_checks is not None else None
        )
        for check in checks:
            name = _check_name(check)
            marks = (
                [pytest.mark.xfail(reason=expected[name], strict=False)] if name in expected else []
            )
            params.append(
                pytest.param(model, _pytest_check(check), id=f"{_label(model)}-{name}", marks=marks)
            )
    return pytest.mark.parametrize(("model", "check"), params)
