"""Conformance kit for attribution models and lead scorers.

In the spirit of scikit-learn's ``check_estimator``: a plugin author runs

>>> from alignment.testing import check_attribution_model, check_scorer
>>> check_attribution_model(MyModel())  # doctest: +SKIP
>>> check_scorer(MyScorer())  # doctest: +SKIP

or parametrises pytest with every check (one test per model and check, readable ids such as
``my_model-check_weights_sum_to_one``)::

    from alignment.testing import parametrize_with_checks

    @parametrize_with_checks([MyModel(), MyScorer()])
    def test_conformance(model, check):
        check(model)

Every check clones the model first (``random_state`` is fixed to 0 when the model has that
parameter), builds its own seeded test data with :mod:`alignment.tables` and raises
:class:`AssertionError` naming the model and the rule it broke.  A check that cannot run
(an optional dataframe library is missing, :func:`alignment.attribute` is not available)
raises :class:`SkipCheck` with the reason.  Known gaps are declared with
``expected_failed_checks={"check_name": "reason"}``.

See ``docs/plugins/conformance.md``.
"""

from ._data import make_journey_data, make_lead_data
from ._kit import CheckResult, SkipCheck
from ._partitioned import check_partitioned_credit, partitioned_credit
from ._runner import (
    attribution_model_checks,
    check_attribution_model,
    check_scorer,
    parametrize_with_checks,
    scorer_checks,
)

__all__ = [
    "CheckResult",
    "SkipCheck",
    "attribution_model_checks",
    "check_attribution_model",
    "check_partitioned_credit",
    "check_scorer",
    "make_journey_data",
    "make_lead_data",
    "parametrize_with_checks",
    "partitioned_credit",
    "scorer_checks",
]
